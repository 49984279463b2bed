/*
 * test_parser.c - the incremental response parser, fed every way a
 * network could cut a response.
 *
 * recv() returns whatever has arrived: a whole response, half a status
 * line, one byte. So every response below is parsed whole first; that
 * outcome is checked against the table, and then every split into three
 * pieces (every pair of cut points) and one byte at a time must give the
 * same outcome. The responses are chapter 1's tables of heads and chunked
 * bodies, made into whole responses.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "response.h"
#include "testkit.h"

TestSuite(parser, .timeout = 60);

/* Everything a caller can observe once the response has been fed. */
struct outcome {
	enum response_state state;
	int status;
	char reason[HTTP_REASON_MAX];
	char location[URL_MAX];
	char body[512];
	size_t body_len;
	char error[RESPONSE_ERROR_MAX];
};

/* One parser for the whole suite: its head buffer is 64 KiB, and
 * response_init is all it needs between two responses. */
static struct response_parser parser;

/* Feed the LEN bytes of WIRE in pieces that end at the offsets in CUTS,
 * then report the end of the connection unless the response was over. */
static void parse(const char *wire, size_t len, const size_t *cuts, size_t ncuts,
                  struct outcome *out)
{
	memset(out, 0, sizeof *out);
	response_init(&parser);
	size_t from = 0;
	for (size_t i = 0; i <= ncuts && parser.state <= RESPONSE_BODY; i++) {
		size_t to = i < ncuts ? cuts[i] : len;
		char piece[512];
		memcpy(piece, wire + from, to - from);
		ssize_t body = response_feed(&parser, piece, to - from);
		if (body == -ENOSYS)
			REQUIRE_IMPLEMENTED(body, "feed_head (response.c)");
		if (body > 0 && out->body_len + (size_t)body <= sizeof out->body) {
			memcpy(out->body + out->body_len, piece, (size_t)body);
			out->body_len += (size_t)body;
		}
		from = to;
	}
	if (parser.state == RESPONSE_HEAD || parser.state == RESPONSE_BODY)
		response_eof(&parser);
	out->state = parser.state;
	out->status = parser.head.status;
	snprintf(out->reason, sizeof out->reason, "%s", parser.head.reason);
	snprintf(out->location, sizeof out->location, "%s", parser.head.location);
	snprintf(out->error, sizeof out->error, "%s", parser.error);
}

static const char *state_name(enum response_state state)
{
	static const char *const names[] = { "RESPONSE_HEAD", "RESPONSE_BODY", "RESPONSE_DONE",
		                             "RESPONSE_FAILED" };
	return names[state];
}

/* How GOT differs from WANT, or NULL when it does not. A failed response
 * is judged by its error alone: how many body bytes came out before the
 * bad byte depends on where the pieces were cut. (The checks are plain
 * comparisons, asserted only on a difference: tens of thousands of splits
 * would otherwise send as many assertion events to Criterion's runner.) */
static const char *difference(const struct outcome *got, const struct outcome *want)
{
	if (got->state != want->state)
		return "a different state";
	if (want->state == RESPONSE_FAILED)
		return strcmp(got->error, want->error) != 0 ? "a different error" : NULL;
	if (got->status != want->status || strcmp(got->reason, want->reason) != 0)
		return "a different status line";
	if (strcmp(got->location, want->location) != 0)
		return "a different Location";
	if (got->body_len != want->body_len || memcmp(got->body, want->body, got->body_len) != 0)
		return "a different body";
	return NULL;
}

static void expect_same(const struct outcome *got, const struct outcome *want, const char *label)
{
	const char *diff = difference(got, want);
	if (diff)
		cr_assert_fail(
		        "%s: %s than when fed whole (state %s, error \"%s\"; whole: %s, \"%s\")",
		        label, diff, state_name(got->state), got->error, state_name(want->state),
		        want->error);
}

/* Parse WIRE whole, then in every split, and one byte at a time. */
static void expect_every_split_alike(const char *wire, const char *name)
{
	size_t len = strlen(wire);
	struct outcome whole, split;
	parse(wire, len, NULL, 0, &whole);
	char label[160];
	for (size_t a = 0; a <= len; a++) {
		for (size_t b = a; b <= len; b++) {
			size_t cuts[2] = { a, b };
			parse(wire, len, cuts, 2, &split);
			snprintf(label, sizeof label, "%s, cut at %zu and %zu", name, a, b);
			expect_same(&split, &whole, label);
		}
	}
	size_t bytes[512];
	for (size_t i = 0; i < len; i++)
		bytes[i] = i + 1;
	parse(wire, len, bytes, len, &split);
	snprintf(label, sizeof label, "%s, one byte at a time", name);
	expect_same(&split, &whole, label);
}

#define CHUNKED_HEAD "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"

/* Chapter 1's chunked body: mixed-case hex, an extension, a trailer, and
 * bytes after the end that are not part of the response. */
#define CHUNKED_WIRE                                                                               \
	"5\r\nhello\r\n"                                                                           \
	"1A;name=value\r\nabcdefghijklmnopqrstuvwxyz\r\n"                                          \
	"1\r\n!\r\n"                                                                               \
	"0\r\nX-Checksum: 42\r\n\r\n"

struct good_case {
	const char *name, *wire;
	int status;
	const char *location, *body;
};

static const struct good_case good[] = {
	{ "Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA", 200, "",
	  "hello" },
	{ "empty body", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 200, "", "" },
	{ "odd header spacing",
	  "HTTP/1.1 200 OK\r\ncontent-length:\t 3 \r\nX-Colon: a:b\r\nX-Empty:\r\n\r\nabc", 200, "",
	  "abc" },
	{ "no reason phrase", "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok", 200, "", "ok" },
	{ "chunked with extensions and a trailer", CHUNKED_HEAD CHUNKED_WIRE "after the end", 200,
	  "", "helloabcdefghijklmnopqrstuvwxyz!" },
	{ "delimited by the close", "HTTP/1.0 200 OK\r\nServer: x\r\n\r\nuntil the server closes",
	  200, "", "until the server closes" },
	{ "204 has no body", "HTTP/1.1 204 No Content\r\n\r\n", 204, "", "" },
	{ "304 has no body", "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", 304, "",
	  "" },
	{ "404 with a body", "HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\nNot Found\n", 404,
	  "", "Not Found\n" },
	{ "302 with a Location",
	  "HTTP/1.1 302 Found\r\nLocation: http://h/x\r\nContent-Length: 0\r\n\r\n", 302,
	  "http://h/x", "" },
};

Test(parser, parses_good_responses_alike_however_they_are_cut)
{
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		const struct good_case *c = &good[i];
		struct outcome whole;
		parse(c->wire, strlen(c->wire), NULL, 0, &whole);
		cr_assert_eq(whole.state, RESPONSE_DONE, "%s: complete, got %s (%s)", c->name,
		             state_name(whole.state), whole.error);
		cr_assert_eq(whole.status, c->status, "%s: status", c->name);
		cr_assert_str_eq(whole.location, c->location, "%s: Location", c->name);
		cr_assert_eq(whole.body_len, strlen(c->body), "%s: body length", c->name);
		cr_assert(memcmp(whole.body, c->body, whole.body_len) == 0, "%s: body", c->name);
		expect_every_split_alike(c->wire, c->name);
	}
}

struct bad_case {
	const char *name, *wire, *error;
};

static const struct bad_case bad[] = {
	{ "malformed status line", "HTPT/1.1 two hundred OK\r\nContent-Length: 7\r\n\r\ngarbage",
	  "malformed response: bad status line" },
	{ "bad Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n",
	  "malformed response: bad Content-Length" },
	{ "two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
	  "malformed response: two different Content-Length headers" },
	{ "Content-Length and chunked",
	  "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello",
	  "malformed response: both Content-Length and chunked encoding" },
	{ "unknown encoding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
	  "malformed response: unsupported Transfer-Encoding" },
	{ "header without a colon", "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
	  "malformed response: header line without a colon" },
	{ "bad chunk size", CHUNKED_HEAD "xyz\r\n", "malformed response: bad chunk size" },
	{ "chunk without its CRLF", CHUNKED_HEAD "5\r\nhelloXY\r\n0\r\n\r\n",
	  "malformed response: chunk data not followed by CRLF" },
	{ "truncated body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabcd",
	  "truncated body: got 4 of 10 bytes" },
	{ "truncated chunked body", CHUNKED_HEAD "5\r\nhello\r\n3\r\nab",
	  "truncated body: chunked body ended after 7 bytes" },
	{ "nothing at all", "", "connection closed before any response" },
	{ "head cut short", "HTTP/1.1 200 OK\r\nContent-Le",
	  "malformed response: connection closed before the headers ended" },
};

Test(parser, rejects_bad_responses_alike_however_they_are_cut)
{
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const struct bad_case *c = &bad[i];
		struct outcome whole;
		parse(c->wire, strlen(c->wire), NULL, 0, &whole);
		cr_assert_eq(whole.state, RESPONSE_FAILED, "%s: must fail, got %s", c->name,
		             state_name(whole.state));
		cr_assert_str_eq(whole.error, c->error, "%s: the error", c->name);
		expect_every_split_alike(c->wire, c->name);
	}
}

Test(parser, says_the_head_is_complete_before_any_body_arrives)
{
	char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n";
	response_init(&parser);
	ssize_t body = response_feed(&parser, head, strlen(head));
	REQUIRE_IMPLEMENTED(body, "feed_head (response.c)");
	cr_assert_eq(body, 0, "no body bytes yet");
	cr_assert_eq(
	        parser.head.content_length, 3,
	        "feed_head: the whole head came in one piece and was not parsed (Content-Length "
	        "%lld, not 3)",
	        parser.head.content_length);
	cr_assert_eq(parser.state, RESPONSE_BODY,
	             "feed_head parsed a complete head, yet the parser is still in %s: once the "
	             "head is parsed, feed_head moves p->state to RESPONSE_BODY, so that the "
	             "bytes that follow go to the body",
	             state_name(parser.state));
	char rest[] = "abcdef";
	cr_assert_eq(response_feed(&parser, rest, 6), 3, "three body bytes, the rest ignored");
	cr_assert_eq(parser.state, RESPONSE_DONE, "the response is complete");
	cr_assert_eq(response_feed(&parser, rest, 6), 0, "bytes after the end are ignored");
	cr_assert_eq(response_eof(&parser), 0, "a close after the end is fine");
}

Test(parser, a_piece_that_ends_the_head_brings_the_body_start)
{
	const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n";
	char piece[64];
	snprintf(piece, sizeof piece, "%sabc", head);
	response_init(&parser);
	ssize_t body = response_feed(&parser, piece, strlen(piece));
	REQUIRE_IMPLEMENTED(body, "feed_head (response.c)");
	cr_assert_eq(parser.head_len, strlen(head),
	             "feed_head: one piece brought the %zu-byte head and 3 body bytes, and "
	             "p->head_len is %zu: once http_find_head_end finds the blank line, the head "
	             "ends there (p->head_len = from + end), and what follows in the piece is body",
	             strlen(head), parser.head_len);
	cr_assert(body == 3 && memcmp(piece, "abc", 3) == 0,
	          "feed_head: one piece brought the head and \"abc\", and response_feed gave %zd "
	          "body bytes: feed_head returns how many of the piece's bytes were head (the "
	          "head's length minus what came before), not the whole piece, so that the rest "
	          "goes to the body",
	          body);
}

/* Read LEN bytes from FD, or fewer if it ends first; how many came. */
static size_t read_fully(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	while (got < len && (n = read(fd, (char *)buf + got, len - got)) > 0)
		got += (size_t)n;
	return got;
}

/* response_feed(&parser, PIECE, LEN) in a child process, whose parser comes
 * back into this one's: a feed_head that says it took more bytes than the
 * piece holds makes response_feed hand the body a negative length, and that
 * is reported as such, not as a crash. */
static ssize_t feed_in_child(char *piece, size_t len)
{
	int fds[2];
	cr_assert(pipe(fds) == 0, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		ssize_t rc = response_feed(&parser, piece, len);
		if (write(fds[1], &rc, sizeof rc) != (ssize_t)sizeof rc)
			_exit(2);
		for (size_t at = 0; at < sizeof parser;) {
			ssize_t n = write(fds[1], (char *)&parser + at, sizeof parser - at);
			if (n <= 0)
				_exit(2);
			at += (size_t)n;
		}
		_exit(0);
	}
	close(fds[1]);
	ssize_t rc = 0;
	struct response_parser *back = malloc(sizeof *back);
	cr_assert(back != NULL, "malloc");
	int whole = read_fully(fds[0], &rc, sizeof rc) == sizeof rc &&
	            read_fully(fds[0], back, sizeof *back) == sizeof *back;
	close(fds[0]);
	int status;
	waitpid(pid, &status, 0);
	cr_assert(whole && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "feed_head: the piece of %zu bytes that ended the head killed response_feed: "
	          "feed_head must return how many of the LEN bytes of this piece were head "
	          "(p->head_len minus what the head held before), never more than LEN, "
	          "since response_feed hands the LEN - n bytes left to the body",
	          len);
	memcpy(&parser, back, sizeof parser);
	free(back);
	return rc;
}

Test(parser, a_blank_line_split_across_two_pieces_ends_the_head)
{
	const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n";
	size_t head_len = strlen(head);
	char first[64], second[] = "\r\nabc";
	/* The first piece ends inside the blank line: "...\r\n" + "\r\nabc". */
	memcpy(first, head, head_len - 2);
	response_init(&parser);
	ssize_t rc = response_feed(&parser, first, head_len - 2);
	REQUIRE_IMPLEMENTED(rc, "feed_head (response.c)");
	rc = feed_in_child(second, strlen(second));
	cr_assert(parser.state != RESPONSE_HEAD || parser.head.content_length != 3,
	          "feed_head parsed a complete head, yet the parser is still in RESPONSE_HEAD: "
	          "once the head is parsed, feed_head moves p->state to RESPONSE_BODY, so that "
	          "the bytes that follow go to the body");
	cr_assert_neq(parser.state, RESPONSE_HEAD,
	              "feed_head: the blank line \\r\\n\\r\\n came split across two pieces, and "
	              "the parser did not see it: look for it again from 3 bytes before the new "
	              "bytes (its first three may have come in the piece before), not in the new "
	              "piece alone");
	cr_assert_eq(parser.head_len, head_len,
	             "feed_head: the blank line came split across two pieces, and p->head_len is "
	             "%zu, not %zu (the parser says \"%s\"): http_find_head_end searched from "
	             "p->head_buf + from, so the end it returns counts from FROM: the head ends at "
	             "from + end",
	             parser.head_len, head_len, parser.error);
	cr_assert_eq(rc, 3,
	             "feed_head: the second piece brought the end of the head and \"abc\", and "
	             "response_feed gave %zd body bytes: feed_head returns how many of the piece's "
	             "bytes were head (p->head_len minus what came before), not the whole piece, "
	             "so that the rest goes to the body",
	             rc);
}

Test(parser, a_piece_that_fills_the_head_buffer_may_still_end_the_head)
{
	/* One recv() of a fast server: a short head, then more body than the
	 * head buffer holds. */
	static char piece[HTTP_HEAD_MAX + 1000];
	const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 70000\r\n\r\n";
	size_t head_len = strlen(head);
	memset(piece, 'b', sizeof piece);
	memcpy(piece, head, head_len);
	response_init(&parser);
	ssize_t body = response_feed(&parser, piece, sizeof piece);
	REQUIRE_IMPLEMENTED(body, "feed_head (response.c)");
	cr_assert_eq(parser.state, RESPONSE_BODY,
	             "feed_head: one piece of %zu bytes brought a %zu-byte head and the body's "
	             "first bytes, and the parser is in %s (\"%s\"): the body bytes after the "
	             "head fill p->head_buf, and that is no head too long. Look for the blank "
	             "line first: only a full buffer with no blank line in it is a head longer "
	             "than HTTP_HEAD_MAX",
	             sizeof piece, head_len, state_name(parser.state), parser.error);
	cr_assert_eq(body, (ssize_t)(sizeof piece - head_len),
	             "every byte of the piece after the %zu-byte head is body", head_len);
}

Test(parser, refuses_a_head_longer_than_the_limit)
{
	static char huge[HTTP_HEAD_MAX + 100];
	memset(huge, 'a', sizeof huge);
	memcpy(huge, "HTTP/1.1 200 OK\r\nX-Long: ", 26);
	const size_t pieces[] = { sizeof huge, 1000, 1 };
	for (size_t k = 0; k < 3; k++) {
		response_init(&parser);
		ssize_t rc = 0;
		for (size_t at = 0; at < sizeof huge && rc >= 0; at += pieces[k]) {
			size_t len = sizeof huge - at < pieces[k] ? sizeof huge - at : pieces[k];
			char piece[1000];
			char *where = pieces[k] > sizeof piece ? huge + at : piece;
			if (where == piece)
				memcpy(piece, huge + at, len);
			rc = response_feed(&parser, where, len);
		}
		REQUIRE_IMPLEMENTED(rc, "feed_head (response.c)");
		cr_assert_eq(
		        rc, -EPROTO,
		        "feed_head: a head of %zu bytes with no blank line, fed in pieces of %zu "
		        "bytes, was not refused (the last piece returned %zd): once p->head_buf "
		        "is full (HTTP_HEAD_MAX bytes) and still no blank line has come, fail "
		        "with \"malformed response: headers longer than %d bytes\", or a "
		        "server that never ends its head keeps the download forever",
		        sizeof huge, pieces[k], rc, HTTP_HEAD_MAX);
		cr_assert_str_eq(parser.error,
		                 "malformed response: headers longer than 65536 bytes",
		                 "pieces of %zu bytes: the reason", pieces[k]);
		cr_assert_eq(response_feed(&parser, huge, 10), -EPROTO,
		             "a failed parser stays failed");
	}
}
