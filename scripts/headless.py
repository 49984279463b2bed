"""headless: drive Debian's Chromium from Python, with the standard library only.

What scripts/check-replay and scripts/make-replays share: start a headless
Chromium, open a page, run JavaScript in it, take a screenshot, and make
sure the browser is gone afterwards, whatever happened.

It speaks the DevTools protocol over a pipe (--remote-debugging-pipe): the
browser reads commands from its descriptor 3 and writes answers to its
descriptor 4, each a JSON object ended by a NUL byte. No port is opened
and no WebSocket library is needed.

    with headless.Browser() as browser:
        browser.open("file:///.../replay/index.html?trace=...")
        browser.wait_for("window.replayApp && replayApp.replay !== null")
        print(browser.evaluate("replayApp.position"))

The browser runs as its own process group with a fresh profile in a
temporary folder; leaving the block (or an exception, or a timeout) closes
it, kills the group if it lingers, and removes the profile.
"""
import base64
import ctypes
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time

CHROMIUM = "/usr/bin/chromium"
# As root Chromium needs --no-sandbox; the rest keep a test run quiet and
# off the network: no updates, no sync, no first-run pages.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-extensions", "--mute-audio", "--hide-scrollbars"]


class BrowserError(Exception):
    pass


def become_subreaper():
    """Browser processes orphaned by the browser's end come to this one,
    instead of to init, so that reap_group can wait for them: no process
    of the browser outlives the block, not even as a zombie."""
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_CHILD_SUBREAPER = 36
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def reap_group(pgid, seconds=5.0):
    """Wait for every process of group PGID that is now this one's child."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-pgid, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.02)


def above_four(fd):
    """FD moved to a number of 10 or more: 3 and 4 must stay free for the
    redirections that put the pipe ends there."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return moved


class Browser:
    def __init__(self, width=1400, height=1000, timeout=30.0):
        self.size = (width, height)
        self.timeout = timeout
        self.process = None
        self.profile = None
        self.page = None  # the protocol's id for our link to the page
        self.next_id = 0
        self.buffer = b""

    # ---- Starting and stopping ----

    def __enter__(self):
        if not os.path.exists(CHROMIUM):
            raise BrowserError(f"{CHROMIUM} is missing: scripts/install-deps installs chromium")
        become_subreaper()
        self.profile = tempfile.mkdtemp(prefix="replay-chromium-")
        to_browser, self.commands = os.pipe()
        self.answers, from_browser = os.pipe()
        to_browser, from_browser = above_four(to_browser), above_four(from_browser)
        # The browser must find the pipe ends at 3 and 4: the shell moves
        # them there and closes the originals before it becomes Chromium.
        command = " ".join([CHROMIUM, *FLAGS, f"--user-data-dir={self.profile}",
                            f"--window-size={self.size[0]},{self.size[1]}",
                            "--remote-debugging-pipe", "about:blank",
                            f"3<&{to_browser}", f"4>&{from_browser}",
                            f"{to_browser}<&-", f"{from_browser}>&-"])
        self.process = subprocess.Popen(
            ["/bin/bash", "-c", "exec " + command], pass_fds=(to_browser, from_browser),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        os.close(to_browser)
        os.close(from_browser)
        try:
            self._attach()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        """Ask the browser to quit, then make sure its whole group is gone."""
        if self.process and self.process.poll() is None:
            try:
                self._send("Browser.close", to_page=False, wait=False)
                self.process.wait(timeout=5)
            except (OSError, BrowserError, subprocess.TimeoutExpired):
                pass
        if self.process:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
            reap_group(self.process.pid)
            self.process = None
        for fd in ("commands", "answers"):
            if getattr(self, fd, None) is not None:
                os.close(getattr(self, fd))
                setattr(self, fd, None)
        if self.profile:
            shutil.rmtree(self.profile, ignore_errors=True)
            self.profile = None

    # ---- The protocol ----

    def _read_message(self, deadline):
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("the browser did not answer in time")
            ready, _, _ = select.select([self.answers], [], [], left)
            if ready:
                chunk = os.read(self.answers, 1 << 16)
                if not chunk:
                    raise BrowserError("the browser closed the pipe (it crashed?)")
                self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def _send(self, method, params=None, to_page=True, wait=True):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if to_page and self.page:
            message["sessionId"] = self.page
        os.write(self.commands, json.dumps(message).encode() + b"\0")
        if not wait:
            return None
        deadline = time.monotonic() + self.timeout
        while True:
            answer = self._read_message(deadline)
            if answer.get("id") != self.next_id:
                continue  # an event, or the answer to something earlier
            if "error" in answer:
                raise BrowserError(f"{method}: {answer['error'].get('message')}")
            return answer.get("result", {})

    def _attach(self):
        """Attach to the page the browser opened (flat mode: one pipe for all)."""
        targets = self._send("Target.getTargets", to_page=False)["targetInfos"]
        pages = [t for t in targets if t["type"] == "page"]
        if not pages:
            target = self._send("Target.createTarget", {"url": "about:blank"}, to_page=False)
            pages = [{"targetId": target["targetId"]}]
        attached = self._send("Target.attachToTarget",
                              {"targetId": pages[0]["targetId"], "flatten": True}, to_page=False)
        self.page = attached["sessionId"]
        self._send("Page.enable")
        self._send("Runtime.enable")
        self._send("Emulation.setDeviceMetricsOverride",
                   {"width": self.size[0], "height": self.size[1], "deviceScaleFactor": 1,
                    "mobile": False})

    # ---- What callers use ----

    def add_script_on_every_page(self, source):
        """Run SOURCE in every page opened from now on, before its own scripts."""
        self._send("Page.addScriptToEvaluateOnNewDocument", {"source": source})

    def open(self, url):
        self._send("Page.navigate", {"url": url})
        self.wait_for("document.readyState === 'complete'")

    def evaluate(self, expression):
        """The value of a JavaScript expression in the page (JSON-like)."""
        result = self._send("Runtime.evaluate", {"expression": expression,
                                                 "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"in the page: {text}\n  while evaluating: {expression[:200]}")
        return result["result"].get("value")

    def wait_for(self, condition, timeout=None):
        """Poll CONDITION (a JavaScript expression) until it is true."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while not self.evaluate(f"Boolean({condition})"):
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out waiting for: {condition}")
            time.sleep(0.02)

    def press(self, key, code, key_code):
        """A key pressed and released, as the keyboard sends it."""
        for kind in ("keyDown", "keyUp"):
            self._send("Input.dispatchKeyEvent", {"type": kind, "key": key, "code": code,
                                                  "windowsVirtualKeyCode": key_code})

    def screenshot(self, path):
        """The page as a PNG, cut below its content (no empty band)."""
        height = min(self.size[1], self.evaluate("document.body.scrollHeight") + 8)
        clip = {"x": 0, "y": 0, "width": self.size[0], "height": height, "scale": 1}
        data = self._send("Page.captureScreenshot", {"format": "png", "clip": clip})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
