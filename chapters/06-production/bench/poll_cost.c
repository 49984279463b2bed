/*
 * poll_cost.c - what one loop iteration costs with N idle descriptors,
 * on each selector. A callback reschedules itself with call_soon, so
 * every iteration polls without waiting, and N readers sit on sockets
 * that never become ready: select() and poll() still look at all N in
 * every iteration, epoll does not.
 *
 * Build and run from the top of the repository (make -C
 * solutions/06-production first, for the objects):
 *   cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -pthread \
 *      -Isolutions/06-production -o build/poll_cost \
 *      solutions/06-production/bench/poll_cost.c \
 *      $(find solutions/06-production/build/plain -maxdepth 1 \
   -name '*.o' ! -name main.o)
 *   build/poll_cost
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fdlimit.h"
#include "loop.h"

#define ITERATIONS 2000

struct spin {
	struct loop *loop;
	int left;
};

static void spin(void *arg)
{
	struct spin *s = arg;
	if (--s->left > 0)
		handle_detach(loop_call_soon(s->loop, spin, s));
}

static void never(void *arg)
{
	(void)arg;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Microseconds per iteration with IDLE idle descriptors on BACKEND, or a
 * negative errno when the backend refuses one of them. The idle
 * descriptors are copies (dup) of one end of a socket pair with nothing
 * in it: each is a separate descriptor to watch, and none is ever ready. */
static double per_iteration_us(const char *backend, int idle, int quiet_end)
{
	struct loop *loop = loop_new_with_backend(backend);
	int *fds = malloc((size_t)idle * sizeof *fds);
	int rc = 0, made = 0;
	for (; made < idle && rc == 0; made++) {
		fds[made] = dup(quiet_end);
		rc = fds[made] < 0 ? -errno : loop_add_reader(loop, fds[made], never, NULL);
	}
	double us = rc;
	if (rc == 0) {
		struct spin s = { loop, ITERATIONS };
		handle_detach(loop_call_soon(loop, spin, &s));
		double started = now();
		while (s.left > 0)
			loop_run_once(loop);
		us = (now() - started) / ITERATIONS * 1e6;
	}
	for (int i = 0; i < made; i++) {
		loop_remove_reader(loop, fds[i]);
		close(fds[i]);
	}
	free(fds);
	loop_free(loop);
	return us;
}

int main(void)
{
	static const int counts[] = { 1, 100, 1000, 10000 };
	static const char *backends[] = { "select", "poll", "epoll" };
	long got;
	if (fd_limit_raise(10100, &got) < 0)
		fprintf(stderr, "poll_cost: only %ld descriptors allowed\n", got);
	int pair[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
	printf("µs per iteration, %d iterations (median of 5 runs)\n", ITERATIONS);
	printf("%-8s", "idle");
	for (int b = 0; b < 3; b++)
		printf("%12s", backends[b]);
	printf("\n");
	for (int c = 0; c < 4; c++) {
		printf("%-8d", counts[c]);
		for (int b = 0; b < 3; b++) {
			double runs[5];
			for (int r = 0; r < 5; r++)
				runs[r] = per_iteration_us(backends[b], counts[c], pair[0]);
			for (int i = 1; i < 5; i++) /* insertion sort, for the median */
				for (int j = i; j > 0 && runs[j] < runs[j - 1]; j--) {
					double t = runs[j];
					runs[j] = runs[j - 1];
					runs[j - 1] = t;
				}
			if (runs[2] < 0) /* -ERANGE: select cannot hold the descriptor */
				printf("%12s", "refused");
			else
				printf("%12.2f", runs[2]);
		}
		printf("\n");
	}
	return 0;
}
