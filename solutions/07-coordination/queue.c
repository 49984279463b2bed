/*
 * queue.c - the URLs to download, in order. See queue.h.
 */
#include "queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int url_queue_push(struct url_queue *q, const char *url)
{
	if (q->count == q->capacity) {
		size_t capacity = q->capacity ? q->capacity * 2 : 16;
		char **urls = realloc(q->urls, capacity * sizeof *urls);
		if (!urls)
			return -ENOMEM;
		q->urls = urls;
		q->capacity = capacity;
	}
	char *copy = strdup(url);
	if (!copy)
		return -ENOMEM;
	q->urls[q->count++] = copy;
	return 0;
}

/* LINE without the spaces, tabs and line end around it, in place. */
static char *trim(char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	size_t len = strlen(line);
	while (len > 0 && strchr(" \t\r\n", line[len - 1]))
		line[--len] = '\0';
	return line;
}

int url_queue_read(struct url_queue *q, FILE *in)
{
	char *line = NULL;
	size_t size = 0;
	int rc = 0;
	while (rc == 0 && getline(&line, &size, in) >= 0) {
		char *url = trim(line);
		if (*url != '\0' && *url != '#')
			rc = url_queue_push(q, url);
	}
	if (rc == 0 && ferror(in))
		rc = -EIO;
	free(line);
	return rc;
}

void url_queue_free(struct url_queue *q)
{
	for (size_t i = 0; i < q->count; i++)
		free(q->urls[i]);
	free(q->urls);
	*q = (struct url_queue){ 0 };
}
