/*
 * test_crawl_sigint.c - Ctrl-C in the middle of a crawl. The test waits
 * until the fixture says the workers' pages are all in flight (no sleep
 * decides when), then sends the signal: the crawl's task is cancelled,
 * the cancellation reaches every worker and every page under way, and
 * the program ends with 130, one line saying so, its summary and its
 * trace, and no task left behind (the loop would report "Task was
 * destroyed but it is pending!"). A second signal does not wait.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crawling.h"

TestSuite(crawl_sigint, .init = testkit_start_fixture, .fini = testkit_stop_fixture, .timeout = 60);

/* A root that answers at once, whose ten children take 30 s each. */
#define SLOW_SITE "pages=50&fanout=10&cross=0&slow=1&slow_ms=30000"

struct child {
	pid_t pid;
	char *dir; /* its stdout, stderr and trace */
	char out[4096], err[4096], trace[4096];
};

static void start(struct child *c, const char *workers)
{
	c->dir = temp_dir_new();
	snprintf(c->out, sizeof c->out, "%s/out", c->dir);
	snprintf(c->err, sizeof c->err, "%s/err", c->dir);
	snprintf(c->trace, sizeof c->trace, "%s/trace.json", c->dir);
	const char *root = site(SLOW_SITE);
	c->pid = fork();
	cr_assert(c->pid >= 0, "fork");
	if (c->pid > 0)
		return;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	int out = open(c->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int err = open(c->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(out, STDOUT_FILENO);
	dup2(err, STDERR_FILENO);
	const char *program = getenv("PROGRAM_CRAWL");
	execl(program, program, "-j", workers, "--trace", c->trace, root, (char *)NULL);
	_exit(127);
}

static char *slurp(const char *path)
{
	static char text[2][65536];
	static int next;
	char *buf = text[next++ % 2];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof text[0] - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	return buf;
}

/* Wait (polling the fixture, 20 ms apart, 30 s at most) until N requests
 * are in flight at once. */
static void wait_for_requests_in_flight(struct child *c, long n)
{
	for (int i = 0; i < 1500; i++) {
		if (server_stats().in_flight >= n)
			return;
		cr_assert_eq(waitpid(c->pid, NULL, WNOHANG), 0,
		             "the crawl ended before it could be interrupted; stderr:\n%s",
		             slurp(c->err));
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
	cr_assert_fail("never saw %ld requests in flight; stdout:\n%s", n, slurp(c->out));
}

static int finish(struct child *c)
{
	int status;
	cr_assert_eq(waitpid(c->pid, &status, 0), c->pid, "waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Test(crawl_sigint, ctrl_c_cancels_every_worker_and_ends_cleanly)
{
	struct child c;
	start(&c, "5");
	wait_for_requests_in_flight(&c, 5);
	kill(c.pid, SIGINT);
	int status = finish(&c);
	const char *err = slurp(c.err);
	cr_assert_eq(status, 130, "SIGINT: exit status 130, got %d; stderr:\n%s", status, err);
	cr_assert_eq(count_lines(err), 1,
	             "one line on stderr, and no report of a task left "
	             "pending:\n%s",
	             err);
	cr_assert(strstr(err, "crawl: interrupted by SIGINT: 10 URLs never fetched"),
	          "the five under way and the five queued were never fetched:\n%s", err);
	const char *out = slurp(c.out);
	cr_assert(strstr(out, "1 pages, 0 redirects, 0 broken links"),
	          "the summary counts the root only:\n%s", out);
	cr_assert(strstr(slurp(c.trace), "\"traceEvents\""), "the trace is written all the same");
	temp_dir_free(c.dir);
}

/* Two signals while the crawl is stopped (SIGSTOP), as in chapter 6's
 * test: the first cancels, the second exits at once. Either may be
 * delivered first. Under valgrind two pending signals do not arrive
 * together, so "second" is a race there: skipped. */
Test(crawl_sigint, a_second_signal_exits_at_once)
{
	const char *preload = getenv("LD_PRELOAD");
	if (preload && strstr(preload, "vgpreload"))
		cr_skip_test("under valgrind, two pending signals do not arrive together");
	struct child c;
	start(&c, "5");
	wait_for_requests_in_flight(&c, 5);
	int status;
	kill(c.pid, SIGSTOP);
	cr_assert_eq(waitpid(c.pid, &status, WUNTRACED), c.pid, "waitpid for the stop");
	kill(c.pid, SIGINT);
	kill(c.pid, SIGTERM);
	kill(c.pid, SIGCONT);
	status = finish(&c);
	const char *err = slurp(c.err);
	int first = strstr(err, "SIGTERM again") ? SIGINT : SIGTERM;
	cr_assert(strstr(err, "again: exiting at once"),
	          "the second signal says it exits at once:\n%s", err);
	cr_assert_eq(status, 128 + first, "the first signal sets the status, %d; got %d",
	             128 + first, status);
	temp_dir_free(c.dir);
}
