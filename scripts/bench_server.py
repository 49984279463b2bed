"""bench_server: the downloaders against a real server, nginx, for scripts/bench.

The fixture server is Python: it cannot serve fast enough to be the
reference for throughput. So this section starts Debian's nginx-light
itself, on a free loopback port, with a configuration in a temporary
folder, and stops it afterwards whatever happens (the process group is
killed in a finally block: no process outlives the run). Two cases:

  one large file   1 GB (--quick: 1 MB), one connection
  many small files 10,000 files of 2 KiB (--quick: 20), 50 at a time

Clients: chapter 6's download, curl, and aiohttp (Debian's
/usr/bin/python3), streaming each body to its file in 256 KiB pieces
with at most 50 connections. For each: wall time, CPU time (user + system
of the process and its threads) and peak RSS, from wait4 in
bench-src/peak_rss.c, the median of
--runs runs taken in turn (client A, B, C, A, B, C...), so that a change in
the machine's load hits all of them alike; then, in one separate run under
`strace -f -c` (which slows the process down, so it is not timed), the
number of system calls, per MB received. The document root and every
download live in /dev/shm (tmpfs): the disk is out of the picture, as the
issue asks, and what is measured is the client's own cost.
"""
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

SYSTEM_PYTHON = "/usr/bin/python3"
PARALLEL = 50                      # connections at once, for the small files
SYSCALLS_SHOWN = ("recvfrom", "read", "write", "epoll_ctl", "epoll_wait", "poll", "fcntl",
                  "sendto", "futex")


def cases(quick):
    """[(name, file count, bytes per file)]."""
    if quick:
        return [("large", 1, 1 << 20), ("small", 20, 2048)]
    return [("large", 1, 1 << 30), ("small", 10_000, 2048)]


def shm_dir(prefix):
    """A folder in /dev/shm (tmpfs) that anyone may read: nginx's workers
    run as another user, and a private folder would answer 403."""
    root = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    path = tempfile.mkdtemp(prefix=prefix, dir=root)
    os.chmod(path, 0o755)
    return path


def make_files(docroot, name, count, size):
    """COUNT files of SIZE bytes under DOCROOT/NAME/; their URL paths."""
    folder = os.path.join(docroot, name)
    os.makedirs(folder)
    os.chmod(folder, 0o755)
    block = bytes(range(256)) * 4096        # 1 MiB of a visible pattern
    paths = []
    for i in range(count):
        path = os.path.join(folder, f"f{i:05d}.bin")
        with open(path, "wb") as f:
            left = size
            while left > 0:
                f.write(block[:min(left, len(block))])
                left -= len(block)
        os.chmod(path, 0o644)
        paths.append(f"/{name}/f{i:05d}.bin")
    return paths


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


NGINX_CONF = """daemon off;
worker_processes 1;
error_log {tmp}/error.log warn;
pid {tmp}/nginx.pid;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    default_type application/octet-stream;
    sendfile on;
    keepalive_requests 1000000;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
"""


class Nginx:
    """nginx on a free loopback port serving DOCROOT, as a context manager:
    `with Nginx(root) as server:` ... server.port; stopped on the way out."""

    def __init__(self, docroot):
        self.docroot = docroot
        self.tmp = tempfile.mkdtemp(prefix="bench-nginx-")
        self.process = None
        self.port = None

    def __enter__(self):
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.access(nginx, os.X_OK):
            raise RuntimeError("nginx is not installed (scripts/install-deps --bench)")
        for _ in range(5):          # a port taken meanwhile: try another
            self.port = free_port()
            conf = os.path.join(self.tmp, "nginx.conf")
            with open(conf, "w") as f:
                f.write(NGINX_CONF.format(tmp=self.tmp, port=self.port, root=self.docroot))
            # Its own process group, so that the master and its worker
            # are stopped together.
            self.process = subprocess.Popen([nginx, "-c", conf, "-p", self.tmp],
                                            stderr=subprocess.DEVNULL, start_new_session=True)
            if self._ready():
                return self
            self._stop()
        raise RuntimeError(f"nginx did not start: {self._log()}")

    def _ready(self):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def _log(self):
        try:
            with open(os.path.join(self.tmp, "error.log")) as f:
                return f.read().strip().splitlines()[-1]
        except (OSError, IndexError):
            return "no error log"

    def _stop(self):
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            except ProcessLookupError:
                pass
        self.process = None

    def __exit__(self, *exc):
        self._stop()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return False

    def version(self):
        out = subprocess.run(["nginx", "-v"], capture_output=True, text=True)
        return out.stderr.strip()


def clients(download, py_clients):
    """[(name, function(out_dir, urls) -> command)]."""
    return [
        ("ours-ch6", lambda out, urls: [download, "-o", out, "-j", str(PARALLEL),
                                        "--per-host", str(PARALLEL), *urls]),
        ("curl", lambda out, urls: ["curl", "-s", "-S", "-f", "-Z", "--parallel-immediate",
                                    "--parallel-max", str(PARALLEL), "--output-dir", out,
                                    "--remote-name-all", *urls]),
        ("aiohttp", lambda out, urls: [SYSTEM_PYTHON, py_clients, "aiohttp-stream", out,
                                       *urls]),
    ]


def run_once(peak_rss, command, out_dir):
    """(exit status, wall s, CPU s, peak RSS KiB, first line of stderr).
    PEAK_RSS is scripts/bench-src/peak_rss.c, built: it runs COMMAND and
    reports its peak RSS and CPU (see there why not os.wait4 here)."""
    os.makedirs(out_dir, exist_ok=True)
    report = out_dir.rstrip("/") + ".rusage"
    start = time.perf_counter()
    child = subprocess.run([peak_rss, report, *command], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, cwd=out_dir)
    wall = time.perf_counter() - start
    shutil.rmtree(out_dir, ignore_errors=True)
    try:
        with open(report) as f:
            rss_kib, cpu = f.read().split()
        os.unlink(report)
    except (OSError, ValueError):
        rss_kib, cpu = 0, 0.0
    return (child.returncode, wall, float(cpu), int(rss_kib),
            (child.stderr.strip().splitlines() or [""])[0][:160])


def count_syscalls(command, out_dir):
    """One run under strace -f -c: {syscall: calls}, with "total"."""
    os.makedirs(out_dir, exist_ok=True)
    report = out_dir.rstrip("/") + ".strace"
    subprocess.run(["strace", "-f", "-c", "-o", report, "--", *command], cwd=out_dir,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(out_dir, ignore_errors=True)
    counts = {}
    with open(report) as f:
        for line in f:
            fields = line.split()
            # % time, seconds, usecs/call, calls, [errors,] name
            if len(fields) >= 5 and fields[0][0].isdigit() and fields[3].isdigit():
                counts[fields[-1]] = int(fields[3])
    os.unlink(report)
    return counts


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def measure(download, py_clients, peak_rss, runs, quick, only=None, log=sys.stderr):
    """The server section of bench.json: {"server", "load", "rows"}."""
    docroot = shm_dir("bench-www-")
    out_root = shm_dir("bench-out-")
    rows = []
    try:
        paths = {name: (make_files(docroot, name, count, size), size)
                 for name, count, size in cases(quick)}
        with Nginx(docroot) as server:
            base = f"http://127.0.0.1:{server.port}"
            chosen = [c for c in clients(download, py_clients) if not only or c[0] in only]
            for case, (files, size) in paths.items():
                urls = [base + p for p in files]
                total = len(files) * size
                samples = {name: [] for name, _ in chosen}
                loads = [load()]
                for run in range(runs):
                    for name, command in chosen:
                        out = os.path.join(out_root, f"{name}-{case}-{run}")
                        samples[name].append(run_once(peak_rss, command(out, urls), out))
                loads.append(load())
                for name, command in chosen:
                    done = [s for s in samples[name] if s[0] == 0]
                    failed = [s for s in samples[name] if s[0] != 0]
                    counts = count_syscalls(command(os.path.join(out_root, f"{name}-strace"),
                                                    urls),
                                            os.path.join(out_root, f"{name}-strace"))
                    row = {"client": name, "case": case, "files": len(files),
                           "bytes": total, "runs": runs, "failed_runs": len(failed),
                           "load": loads}
                    if done:
                        walls = [round(s[1], 4) for s in done]
                        cpus = [round(s[2], 4) for s in done]
                        row.update({"wall_s": statistics.median(walls),
                                    "wall_s_min": min(walls), "wall_s_max": max(walls),
                                    "cpu_s": statistics.median(cpus),
                                    "cpu_s_min": min(cpus), "cpu_s_max": max(cpus),
                                    "rss_mb": round(max(s[3] for s in done) / 1024, 1)})
                    if failed:
                        row["error"] = failed[0][4] or f"exit {failed[0][0]}"
                    row["syscalls"] = counts.get("total", sum(counts.values()))
                    row["syscalls_per_mb"] = round(row["syscalls"] / (total / 1e6), 1)
                    row["syscall_detail"] = {k: counts[k] for k in SYSCALLS_SHOWN if k in counts}
                    rows.append(row)
                    print(f"  server {case:<5} {name:<9} "
                          + (f"{row['wall_s']:.3f} s wall, {row['cpu_s']:.3f} s CPU, "
                             f"{row['rss_mb']:.0f} MB, " if done else "")
                          + f"{row['syscalls_per_mb']:,.0f} syscalls/MB"
                          + (f"  FAILED {len(failed)}/{runs}: {row['error']}" if failed else ""),
                          file=log, flush=True)
            version = server.version()
    finally:
        shutil.rmtree(docroot, ignore_errors=True)
        shutil.rmtree(out_root, ignore_errors=True)
    return {"server": version, "parallel": PARALLEL, "tmpfs": docroot.startswith("/dev/shm"),
            "rows": rows}


def targets(section):
    """The issue's targets for this section, met or missed: lines."""
    lines = []
    by = {(r["client"], r["case"]): r for r in section["rows"] if "wall_s" in r}

    def check(name, ok, detail):
        lines.append(f"  {'met   ' if ok else 'MISSED'} {name}: {detail}")

    for case, cpu_factor, syscall_factor in (("large", 1.0, 1.5), ("small", 1.2, None)):
        ours, curl = by.get(("ours-ch6", case)), by.get(("curl", case))
        if not ours or not curl:
            lines.append(f"  MISSED server {case}: ours-ch6 or curl failed or not run")
            continue
        check(f"server {case} wall <= curl", ours["wall_s"] <= curl["wall_s"],
              f"{ours['wall_s']:.3f} s vs {curl['wall_s']:.3f} s "
              f"({ours['wall_s'] / curl['wall_s']:.2f}x)")
        check(f"server {case} CPU <= {cpu_factor}x curl",
              ours["cpu_s"] <= cpu_factor * curl["cpu_s"],
              f"{ours['cpu_s']:.3f} s vs {curl['cpu_s']:.3f} s "
              f"({ours['cpu_s'] / curl['cpu_s']:.2f}x)")
        if syscall_factor:
            check(f"server {case} syscalls/MB <= {syscall_factor}x curl",
                  ours["syscalls_per_mb"] <= syscall_factor * curl["syscalls_per_mb"],
                  f"{ours['syscalls_per_mb']:,.0f} vs {curl['syscalls_per_mb']:,.0f}")
    return lines


def check_shape(section):
    number = (int, float)
    assert isinstance(section["server"], str), "server.server"
    assert section["rows"], "server.rows"
    for row in section["rows"]:
        assert row["case"] in ("large", "small"), row
        assert not row["failed_runs"], f"{row['client']} {row['case']}: {row.get('error')}"
        for key in ("wall_s", "cpu_s", "rss_mb", "syscalls", "syscalls_per_mb"):
            assert isinstance(row[key], number), f"server {row['client']} {row['case']} {key}"
        assert row["syscalls"] > 0, f"strace counted nothing for {row['client']}"
