/*
 * test_progress.c - the downloader's progress line: driven by a timer
 * once a second, in virtual time and in process; and end to end,
 * --progress leaves the download contract as it was.
 */
#include <stdlib.h>

#include "progress.h"
#include "timeline.h"

TestSuite(progress, .timeout = 30);
/* What the downloads do meanwhile, as timers: bytes arrive, one ends. */

static struct progress *the_progress;

static void some_bytes(void *arg)
{
	(void)arg;
	progress_update(the_progress, 0, 2048);
	progress_update(the_progress, 1, 5120);
}

static void more_bytes(void *arg)
{
	(void)arg;
	progress_update(the_progress, 0, 6144);
	progress_end(the_progress, 1);
}

static void finish(void *arg)
{
	(void)arg;
	progress_end(the_progress, 0);
	progress_stop(the_progress);
}

Test(progress, a_line_per_download_every_second_until_stopped)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	cr_assert(out != NULL, "open_memstream");
	struct progress progress;
	the_progress = &progress;
	int rc = progress_start(&progress, loop, out, 3, 1.0);
	cr_assert_eq(rc, 0, "progress_start");
	progress_begin(&progress, 0, "test1.txt", 8192);
	progress_begin(&progress, 1, "stream.bin", -1);
	handle_detach(scheduled(loop_call_later(loop, 0.5, some_bytes, NULL)));
	handle_detach(scheduled(loop_call_later(loop, 1.5, more_bytes, NULL)));
	handle_detach(scheduled(loop_call_later(loop, 2.5, finish, NULL)));
	run_all(loop);
	fclose(out);
	cr_assert_str_eq(text,
	                 "[  1.000] test1.txt: 25.0% (2048/8192)\n"
	                 "[  1.000] stream.bin: 5120 bytes\n"
	                 "[  2.000] test1.txt: 75.0% (6144/8192)\n",
	                 "percent with a Content-Length, bytes without; nothing for a download "
	                 "that ended; got:\n%s",
	                 text);
	cr_assert_float_eq(loop_time(loop), 2.5, 1e-9,
	                   "once stopped, the timer does not keep the loop running");
	free(text);
	loop_free(loop);
}

Test(progress, with_progress_the_download_contract_holds, .init = testkit_start_fixture,
     .fini = testkit_stop_fixture)
{
	const char *urls[] = { testkit_url("/files/p.bin?size=30000"),
		               testkit_url("/files/gone.bin?status=404"), NULL };
	const char *options[] = { "--progress", NULL };
	struct run run;
	char *dir = download_to_new_dir(&run, urls, options);
	cr_assert_eq(run.status, 1, "one failure: status 1; stderr:\n%s", run.err);
	cr_assert_eq(count_lines(run.err), 1, "one stderr line, for the 404:\n%s", run.err);
	cr_assert(strstr(run.err, "HTTP 404 Not Found"), "the 404 is reported:\n%s", run.err);
	cr_assert(file_matches_fixture(dir, "p.bin", 30000), "p.bin is saved, byte for byte");
	cr_assert(strstr(run.out, "1 of 2 downloads succeeded"), "the summary:\n%s", run.out);
	char names[1024];
	dir_entries(dir, names, sizeof names);
	cr_assert_str_eq(names, "p.bin", "nothing else in the folder");
	run_free(&run);
	temp_dir_free(dir);
}
