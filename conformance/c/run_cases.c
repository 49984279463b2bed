/*
 * run_cases.c - run every conformance case this chapter's core can express.
 *
 * Mirrors: conformance/python/run_cases.py without --json. Prints one line
 * per case, "<id><TAB><outcome>", area by area in the order of
 * conformance/python/, and exits 0: the contract scripts/conformance reads
 * (build/conformance/cases-NN). A case that needs more than this chapter
 * has is not printed; a case whose needs this chapter meets but whose
 * function this chapter's core cannot express is not printed either, and
 * is named on stderr, so the missing row says why.
 *
 *   cases-NN          every case
 *   cases-NN ID...    only these (an id, or an area prefix such as "gather.")
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static const struct conformance_case *const areas[] = {
	futures_cases,    tasks_cases,    cancellation_cases, gather_cases, scheduling_cases,
	timers_cases,     sleep_cases,    wait_for_cases,     locks_cases,  queues_cases,
	taskgroups_cases, timeouts_cases, waiting_cases,
};

static bool selected(const char *id, int argc, char **argv)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++) {
		size_t n = strlen(argv[i]);
		if (strcmp(id, argv[i]) == 0 ||
		    (n && argv[i][n - 1] == '.' && strncmp(id, argv[i], n) == 0))
			return true;
	}
	return false;
}

static void run_case(const struct conformance_case *c)
{
	struct harness h;
	h_init(&h);
	c->run(&h);
	h_close(&h);
	if (h.raised[0])
		printf("%s\traised %s\n", c->id, h.raised);
	else
		printf("%s\t%s\n", c->id, h.out.text);
	fflush(stdout);
}

/* Every ID on the command line names a case or an area of some chapter:
 * a typo would otherwise select nothing, and pass. */
static bool known(const char *arg)
{
	char *argv[] = { "cases", (char *)arg };
	for (size_t a = 0; a < sizeof areas / sizeof areas[0]; a++)
		for (const struct conformance_case *c = areas[a]; c->id; c++)
			if (selected(c->id, 2, argv))
				return true;
	return false;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!known(argv[i])) {
			fprintf(stderr, "cases-%02d: no such case: %s\n", CHAPTER, argv[i]);
			return 2;
		}
	}
	/* No case waits for real time; one that loops for ever is a bug, and
	 * must not hang the run. */
	alarm(60);
	for (size_t a = 0; a < sizeof areas / sizeof areas[0]; a++) {
		for (const struct conformance_case *c = areas[a]; c->id; c++) {
			if (c->needs > CHAPTER || !selected(c->id, argc, argv))
				continue;
			if (c->run)
				run_case(c);
			else
				fprintf(stderr,
				        "cases-%02d: %s: not expressible with chapter %d's core\n",
				        CHAPTER, c->id, CHAPTER);
		}
	}
	return 0;
}
