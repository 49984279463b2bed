/*
 * outfile.c - write a download so that it appears whole or not at all.
 * See outfile.h.
 *
 * The open files are also kept in a list, so that a program told to exit
 * at once (a second SIGINT) can still remove every temporary file: the
 * counterpart of the cleanup a Python program registers with atexit.
 * One list for the process: the files of every loop and every task.
 */
#include "outfile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pathset.h"

static struct outfile *open_files;

static void remember(struct outfile *file)
{
	file->prev = NULL;
	file->next = open_files;
	if (open_files)
		open_files->prev = file;
	open_files = file;
}

static void forget(struct outfile *file)
{
	if (file->prev)
		file->prev->next = file->next;
	else
		open_files = file->next;
	if (file->next)
		file->next->prev = file->prev;
	file->prev = file->next = NULL;
}

/*
 * The final paths that this run's downloads have taken, saved or still
 * being written, so that two URLs with the same name do not overwrite
 * each other. The set lives as long as the program; a failed download
 * gives its path back. A hash set (pathset.h): a list searched from the
 * start made 10,000 downloads cost 50 million strcmp calls.
 */
static struct pathset taken;

static bool is_taken(const char *path)
{
	return pathset_contains(&taken, path);
}

static int take(const char *path)
{
	return pathset_add(&taken, path);
}

static void give_back(const char *path)
{
	pathset_remove(&taken, path);
}

/* DIR/NAME, or DIR/NAME.1, DIR/NAME.2, ... when this run has taken it. */
static int choose_final_path(struct outfile *file, const char *dir, const char *name)
{
	for (int copy = 0; copy < OUTFILE_COPIES_MAX; copy++) {
		int n = copy == 0 ? snprintf(file->final_path, sizeof file->final_path, "%s/%s",
		                             dir, name)
		                  : snprintf(file->final_path, sizeof file->final_path,
		                             "%s/%s.%d", dir, name, copy);
		if (n < 0 || (size_t)n >= sizeof file->final_path)
			return -ENAMETOOLONG;
		if (!is_taken(file->final_path))
			return take(file->final_path);
	}
	return -EEXIST;
}

int outfile_open(struct outfile *file, const char *dir, const char *name)
{
	file->fd = -1;
	int rc = choose_final_path(file, dir, name);
	if (rc < 0)
		return rc;
	const char *base = strrchr(file->final_path, '/') + 1;
	int m = snprintf(file->temp_path, sizeof file->temp_path, "%s/.%s.part-XXXXXX", dir, base);
	if (m < 0 || (size_t)m >= sizeof file->temp_path) {
		give_back(file->final_path);
		return -ENAMETOOLONG;
	}
	/* mkstemp picks a name nobody else uses, so two downloads of the same
	 * name never write into one temporary file. */
	int fd = mkstemp(file->temp_path);
	if (fd < 0) {
		rc = -errno;
		give_back(file->final_path);
		return rc;
	}
	file->fd = fd;
	remember(file);
	return 0;
}

int outfile_write(struct outfile *file, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t written = write(file->fd, buf, len);
		if (written < 0 && errno == EINTR)
			continue;
		if (written < 0)
			return -errno;
		buf += written;
		len -= (size_t)written;
	}
	return 0;
}

/* mkstemp makes the file private (0600); a download should get the
 * permissions any new file gets, 0666 less the umask. */
static int give_usual_mode(int fd)
{
	mode_t mask = umask(0);
	umask(mask);
	return fchmod(fd, 0666 & ~mask) < 0 ? -errno : 0;
}

int outfile_commit(struct outfile *file)
{
	forget(file);
	int rc = give_usual_mode(file->fd);
	/* close() can report a failed delayed write, so its result counts. */
	if (close(file->fd) < 0 && rc == 0)
		rc = -errno;
	file->fd = -1;
	if (rc == 0 && rename(file->temp_path, file->final_path) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(file->temp_path);
		give_back(file->final_path);
	}
	return rc;
}

void outfile_discard(struct outfile *file)
{
	if (file->fd < 0)
		return;
	forget(file);
	close(file->fd);
	unlink(file->temp_path);
	give_back(file->final_path);
	file->fd = -1;
}

int outfile_discard_all(void)
{
	int count = 0;
	for (struct outfile *file = open_files; file; file = file->next)
		count += unlink(file->temp_path) == 0;
	return count;
}
