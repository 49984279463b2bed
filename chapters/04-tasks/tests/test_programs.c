/*
 * test_programs.c - the chapter's two small programs: trap shows a local
 * that does not survive an await, and worker runs the source article's
 * WorkerA to its "final status: Cancelled", line by line.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "testkit.h"

TestSuite(programs, .timeout = 30);

/* A stub somewhere in the task machinery: report it, not the output. */
static void require_implemented(const struct run *run)
{
	const char *stub = strstr(run->err, "not implemented yet: ");
	cr_assert(stub == NULL, "%.*s", (int)strcspn(stub ? stub : "", "\n"), stub ? stub : "");
}

Test(programs, trap_broken_loses_its_local_and_the_fix_keeps_it)
{
	struct run run;
	const char *fixed[] = { NULL };
	run_program(&run, "PROGRAM_TRAP", fixed);
	require_implemented(&run);
	cr_assert_eq(run.status, 0, "trap exits 0; stderr:\n%s", run.err);
	cr_assert_str_eq(run.out, "sum of 1..5 = 15\n", "the total kept in the frame is right");
	run_free(&run);

	const char *broken[] = { "--broken", NULL };
	run_program(&run, "PROGRAM_TRAP", broken);
	cr_assert_eq(run.status, 0, "trap --broken exits 0; stderr:\n%s", run.err);
	cr_assert(strncmp(run.out, "sum of 1..5 = ", 14) == 0, "it prints a sum: %s", run.out);
	cr_assert_str_neq(run.out, "sum of 1..5 = 15\n",
	                  "the total kept in a C local is wrong: it restarts at every resumption");
	run_free(&run);
}

Test(programs, worker_a_is_cancelled_cleans_up_and_says_so)
{
	static const char *const expected[] = {
		"WorkerA started",
		"WorkerA working... 1/10",
		"WorkerA working... 2/10",
		"WorkerA working... 3/10",
		"Cancelling WorkerA",
		"WorkerA was cancelled during work",
		"Cleaning up resources...",
		"WorkerA cleanup done",
		"WorkerA final status: Cancelled",
	};
	struct run run;
	const char *args[] = { NULL };
	run_program(&run, "PROGRAM_WORKER", args);
	require_implemented(&run);
	cr_assert_eq(run.status, 0, "worker exits 0; stderr:\n%s", run.err);
	const char *line = run.out;
	for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
		size_t len = strcspn(line, "\n");
		cr_assert(len == strlen(expected[i]) && strncmp(line, expected[i], len) == 0,
		          "line %zu is \"%s\"; the output was:\n%s", i + 1, expected[i], run.out);
		line += len + (line[len] == '\n');
	}
	cr_assert_str_empty(line, "nothing after the final status; the output was:\n%s", run.out);
	run_free(&run);
}
