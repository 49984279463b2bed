/*
 * uv_bench.c - the libuv side of scripts/bench.
 *
 *   uv_bench idle N     ns per loop iteration: an idle handle whose
 *                       callback runs once per iteration, N times
 *   uv_bench timers N   ns per timer: N timers inited and started with
 *                       random timeouts of 0 or 1 ms (libuv counts in ms),
 *                       then all fired by uv_run once they are due
 *   uv_bench version    libuv's version string
 *
 * Prints one number on stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static long count, limit;

static void on_idle(uv_idle_t *idle)
{
	if (++count >= limit)
		uv_idle_stop(idle);
}

static void on_timer(uv_timer_t *timer)
{
	(void)timer;
	count++;
}

static double bench_idle(long n)
{
	uv_loop_t loop;
	uv_idle_t idle;
	uv_loop_init(&loop);
	uv_idle_init(&loop, &idle);
	count = 0, limit = n;
	double start = now_ns();
	uv_idle_start(&idle, on_idle);
	uv_run(&loop, UV_RUN_DEFAULT);
	double elapsed = now_ns() - start;
	uv_close((uv_handle_t *)&idle, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	return elapsed / n;
}

static double bench_timers(long n)
{
	uv_loop_t loop;
	uv_timer_t *timers = malloc(n * sizeof *timers);
	if (!timers)
		return -1;
	uv_loop_init(&loop);
	srand(8);
	count = 0;
	double start = now_ns();
	for (long i = 0; i < n; i++) {
		uv_timer_init(&loop, &timers[i]);
		uv_timer_start(&timers[i], on_timer, rand() % 2, 0);
	}
	double scheduled = now_ns() - start;
	/* Untimed: let every deadline pass, so that all are due. */
	struct timespec pause = {0, 2000000};
	nanosleep(&pause, NULL);
	start = now_ns();
	uv_run(&loop, UV_RUN_DEFAULT);
	double fired = now_ns() - start;
	if (count != n)
		fprintf(stderr, "uv_bench: %ld of %ld timers fired\n", count, n);
	for (long i = 0; i < n; i++)
		uv_close((uv_handle_t *)&timers[i], NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	free(timers);
	return (scheduled + fired) / n;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "version") == 0) {
		printf("%s\n", uv_version_string());
		return 0;
	}
	if (argc != 3)
		return 2;
	long n = atol(argv[2]);
	if (n <= 0)
		return 2;
	if (strcmp(argv[1], "idle") == 0)
		printf("%.1f\n", bench_idle(n));
	else if (strcmp(argv[1], "timers") == 0)
		printf("%.1f\n", bench_timers(n));
	else
		return 2;
	return 0;
}
