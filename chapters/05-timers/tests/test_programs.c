/*
 * test_programs.c - the chapter's programs: worker (WorkerA cancelled
 * after three seconds) and health (the health check, stopped) compared
 * line by line in virtual time, times included; freeze (the first lesson)
 * judged by the order of its lines, never by how long it took.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testkit.h"

TestSuite(programs, .timeout = 30);

/* A stub somewhere in the loop: report it, not the output. */
static void require_implemented(const struct run *run)
{
	const char *stub = strstr(run->err, "not implemented yet: ");
	cr_assert(stub == NULL, "%.*s", (int)strcspn(stub ? stub : "", "\n"), stub ? stub : "");
}

static void expect_output(const char *variable, const char *const args[], const char *expected)
{
	struct run run;
	run_program(&run, variable, args);
	require_implemented(&run);
	cr_assert_eq(run.status, 0, "%s exits 0; stderr:\n%s", variable, run.err);
	cr_assert_str_eq(run.out, expected, "the output, line for line; it was:\n%s", run.out);
	cr_assert_str_empty(run.err, "nothing on stderr");
	run_free(&run);
}

Test(programs, worker_a_is_cancelled_at_three_seconds_and_cleans_up_for_a_tenth)
{
	const char *args[] = { "--virtual", NULL };
	expect_output("PROGRAM_WORKER", args,
	              "[0.00] WorkerA started\n"
	              "[0.00] WorkerA working... 1/10\n"
	              "[1.00] WorkerA working... 2/10\n"
	              "[2.00] WorkerA working... 3/10\n"
	              "[3.00] Cancelling WorkerA\n"
	              "[3.00] WorkerA was cancelled during work\n"
	              "[3.00] Cleaning up resources...\n"
	              "[3.10] WorkerA cleanup done\n"
	              "[3.10] WorkerA final status: Cancelled\n");
}

Test(programs, the_health_check_runs_every_five_seconds_and_stops_for_good)
{
	const char *args[] = { "--virtual", NULL };
	expect_output("PROGRAM_HEALTH", args,
	              "[0.00] Pool of 3 connections; a check every 5 s after the last one ended\n"
	              "[0.00] Starting health check 1...\n"
	              "[1.00] Health check 1: 3 connections alive\n"
	              "[6.00] Starting health check 2...\n"
	              "[7.00] Removed bad connection conn-3\n"
	              "[10.00] Stopping health checks (the next was due at 12.00)\n"
	              "[20.00] 2 checks before the stop, 0 after it\n");
}

/* What freeze's "[time] task-N starts|ends" lines say, without their
 * times, joined by commas: "task-1 starts,task-2 starts,...". */
static void order_of(const char *out, char *order, size_t size)
{
	char *copy = strdup(out), *rest = copy, *line;
	cr_assert(copy != NULL, "strdup");
	order[0] = '\0';
	while ((line = strtok_r(rest, "\n", &rest))) {
		const char *what = strstr(line, "] task-");
		if (line[0] != '[' || !what)
			continue;
		size_t used = strlen(order);
		snprintf(order + used, size - used, "%s%s", used ? "," : "", what + 2);
	}
	free(copy);
}

Test(programs, freeze_with_the_loops_sleep_all_three_start_before_any_ends)
{
	const char *args[] = { "--seconds", "0.05", "--debug", NULL };
	struct run run;
	run_program(&run, "PROGRAM_FREEZE", args);
	require_implemented(&run);
	cr_assert_eq(run.status, 0, "freeze exits 0; stderr:\n%s", run.err);
	char order[512];
	order_of(run.out, order, sizeof order);
	cr_assert_str_eq(
	        order,
	        "task-1 starts,task-2 starts,task-3 starts,task-1 ends,task-2 ends,task-3 ends",
	        "the sleeps overlap; the output was:\n%s", run.out);
	cr_assert(strstr(run.out, "(the loop's sleep)\n"), "the total line:\n%s", run.out);
	cr_assert_null(strstr(run.err, "slow callback"), "no step blocks:\n%s", run.err);
	run_free(&run);
}

Test(programs, freeze_blocking_runs_one_task_at_a_time_and_debug_names_each)
{
	const char *args[] = { "--blocking", "--debug", "--seconds", "0.2", NULL };
	struct run run;
	run_program(&run, "PROGRAM_FREEZE", args);
	require_implemented(&run);
	cr_assert_eq(run.status, 0, "freeze exits 0; stderr:\n%s", run.err);
	char order[512];
	order_of(run.out, order, sizeof order);
	cr_assert_str_eq(
	        order,
	        "task-1 starts,task-1 ends,task-2 starts,task-2 ends,task-3 starts,task-3 ends",
	        "one at a time: the loop is frozen while a task sleeps; the output "
	        "was:\n%s",
	        run.out);
	for (int i = 1; i <= 3; i++) {
		char warning[64];
		snprintf(warning, sizeof warning, "loop: slow callback: task-%d took ", i);
		cr_assert(strstr(run.err, warning), "debug mode names task-%d; stderr:\n%s", i,
		          run.err);
	}
	cr_assert_eq(count_lines(run.err), 3, "three warnings, nothing else:\n%s", run.err);
	run_free(&run);
}
