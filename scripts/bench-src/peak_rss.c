/*
 * peak_rss.c - run a command and report its peak memory and CPU time.
 *
 *   peak_rss REPORT COMMAND [ARG...]
 *
 * Writes "PEAK_RSS_KIB CPU_SECONDS" to the file REPORT and exits with the
 * command's status. scripts/bench_server.py runs every client through it
 * because a process forked by Python and then exec'ed keeps the peak RSS
 * of the Python process it was forked from (Linux carries the high-water
 * mark across exec): os.wait4 in the benchmark itself would report about
 * 18 MB for any client, however small. Forked from this small program, the
 * command starts near zero.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: peak_rss REPORT COMMAND [ARG...]\n");
		return 2;
	}
	pid_t child = fork();
	if (child < 0) {
		perror("peak_rss: fork");
		return 2;
	}
	if (child == 0) {
		execvp(argv[2], argv + 2);
		perror("peak_rss: exec");
		_exit(127);
	}
	int status;
	struct rusage usage;
	if (wait4(child, &status, 0, &usage) < 0) {
		perror("peak_rss: wait4");
		return 2;
	}
	FILE *report = fopen(argv[1], "w");
	if (!report) {
		perror("peak_rss: report");
		return 2;
	}
	double cpu = (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6 +
	             (double)usage.ru_stime.tv_sec + (double)usage.ru_stime.tv_usec / 1e6;
	fprintf(report, "%ld %.6f\n", usage.ru_maxrss, cpu);
	fclose(report);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
