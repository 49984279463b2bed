/*
 * test_http.c - HTTP parsing as pure functions over byte buffers: tables of
 * good and bad status lines and heads, and chunked bodies split every way.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "testkit.h"

TestSuite(http, .timeout = 10);

Test(http, formats_a_get_request_with_host_and_connection_close)
{
	struct url u = { "example.com", "8000", "/files/a.bin?size=10" };
	char buf[512];
	int len = http_format_request(buf, sizeof buf, &u);
	cr_assert_gt(len, 0, "http_format_request failed");
	cr_assert(strncmp(buf, "GET /files/a.bin?size=10 HTTP/1.1\r\n", 35) == 0,
	          "request line, got: %s", buf);
	cr_assert(strstr(buf, "\r\nHost: example.com:8000\r\n"), "Host header, got: %s", buf);
	cr_assert(strstr(buf, "\r\nConnection: close\r\n"), "Connection: close, got: %s", buf);
	cr_assert(len >= 4 && strcmp(buf + len - 4, "\r\n\r\n") == 0, "ends with a blank line");
	cr_assert_eq(http_format_request(buf, 20, &u), -ENOSPC, "a small buffer is refused");
}

Test(http, finds_the_end_of_the_head_only_once_it_has_arrived)
{
	const char *head = "HTTP/1.1 200 OK\r\nA: b\r\n\r\nbody";
	cr_assert_eq(http_find_head_end(head, strlen(head)), 25, "head ends after CRLFCRLF");
	for (size_t len = 0; len < 25; len++)
		cr_assert_eq(http_find_head_end(head, len), 0, "no end yet after %zu bytes", len);
}

struct status_case {
	const char *line;
	int status;
	const char *reason;
};

static const struct status_case good_status_lines[] = {
	{ "HTTP/1.1 200 OK", 200, "OK" },
	{ "HTTP/1.0 404 Not Found", 404, "Not Found" },
	{ "HTTP/1.1 503 Service Unavailable", 503, "Service Unavailable" },
	{ "HTTP/1.1 204", 204, "" },
	{ "HTTP/1.1 100 Continue", 100, "Continue" },
	{ "HTTP/1.1 500 ", 500, "" },
	{ "HTTP/1.1 302 Found it, over there", 302, "Found it, over there" },
};

Test(http, parses_good_status_lines)
{
	for (size_t i = 0; i < sizeof good_status_lines / sizeof good_status_lines[0]; i++) {
		const struct status_case *c = &good_status_lines[i];
		struct http_response r;
		memset(&r, 0, sizeof r);
		int rc = http_parse_status_line(c->line, strlen(c->line), &r);
		REQUIRE_IMPLEMENTED(rc, "http_parse_status_line");
		cr_assert_eq(
		        rc, 0,
		        "http_parse_status_line refused \"%s\" (it returned %d): a status line is "
		        "\"HTTP/1.\" and one digit (servers speak HTTP/1.0 as well as 1.1), a "
		        "space, a three-digit code (100 and up, 1xx included), then a space and a "
		        "reason, or nothing",
		        c->line, rc);
		cr_assert_eq(
		        r.status, c->status,
		        "http_parse_status_line: the status of \"%s\" is %d, got %d: the code is "
		        "the three digits after the version and its space",
		        c->line, c->status, r.status);
		cr_assert_str_eq(
		        r.reason, c->reason,
		        "http_parse_status_line: the reason of \"%s\" is \"%s\", got \"%s\": "
		        "it starts after the space that follows the code (byte 13), that space "
		        "is not part of it, and a line that ends after the code (12 bytes) has "
		        "none",
		        c->line, c->reason, r.reason);
	}
}

/* Each bad line, and the rule of the status line it breaks. */
struct bad_status_line {
	const char *line, *rule;
};

static const struct bad_status_line bad_status_lines[] = {
	{ "", "a status line is at least \"HTTP/1.x NNN\", 12 bytes" },
	{ "HTTP/1.1", "a status line is at least \"HTTP/1.x NNN\", 12 bytes" },
	{ "HTTP/1.1 200OK", "the three digits of the code end the code: a space or the end of "
	                    "the line must follow them" },
	{ "HTTP/1.1 2000 OK", "the three digits of the code end the code: a space or the end of "
	                      "the line must follow them" },
	{ "HTTP/1.1 20 OK", "the code is exactly three digits" },
	{ "HTTP/1.1 abc OK", "the code is exactly three digits" },
	{ "HTTP/1.1  200 OK", "one space separates the version from the code" },
	{ "HTTP/1.1-200 OK", "one space separates the version from the code: byte 8 must be "
	                     "a space" },
	{ "HTTP/1.x 200 OK", "the line starts with \"HTTP/1.\" and one digit: byte 7 must be "
	                     "a digit" },
	{ "HTPT/1.1 two hundred OK", "the line starts with \"HTTP/1.\" and one digit" },
	{ "http/1.1 200 OK", "the line starts with \"HTTP/1.\" in capitals" },
	{ "HTTP/2 200 OK", "the line starts with \"HTTP/1.\" and one digit" },
	{ "ICY 200 OK", "the line starts with \"HTTP/1.\" and one digit" },
	{ "HTTP/1.1 099 Too low", "a status code is 100 or more: three digits alone do not make "
	                          "one (1xx to 5xx are the classes HTTP defines)" },
};

Test(http, rejects_bad_status_lines)
{
	for (size_t i = 0; i < sizeof bad_status_lines / sizeof bad_status_lines[0]; i++) {
		struct http_response r;
		memset(&r, 0, sizeof r);
		const char *line = bad_status_lines[i].line;
		int rc = http_parse_status_line(line, strlen(line), &r);
		REQUIRE_IMPLEMENTED(rc, "http_parse_status_line");
		cr_assert_eq(rc, -EPROTO,
		             "http_parse_status_line must refuse \"%s\" with -EPROTO, got %d: %s",
		             line, rc, bad_status_lines[i].rule);
	}
}

Test(http, refuses_a_line_that_ends_before_its_code)
{
	/* Only the first 11 bytes are the line; the byte after them is not. */
	const char buffer[] = "HTTP/1.1 200 OK\r\n";
	struct http_response r;
	memset(&r, 0, sizeof r);
	int rc = http_parse_status_line(buffer, 11, &r);
	REQUIRE_IMPLEMENTED(rc, "http_parse_status_line");
	cr_assert_eq(rc, -EPROTO,
	             "http_parse_status_line was given a line of 11 bytes, \"HTTP/1.1 20\", and "
	             "returned %d (status %d): LEN says where the line ends, whatever bytes follow "
	             "it in the buffer (here the \"0 OK\" of a longer line), and a line shorter "
	             "than 12 bytes has no three-digit code: check len before reading any byte",
	             rc, r.status);
}

Test(http, truncates_a_long_reason_phrase_safely)
{
	char line[256] = "HTTP/1.1 200 ";
	memset(line + 13, 'x', 200);
	line[213] = '\0';
	struct http_response r;
	int rc = http_parse_status_line(line, strlen(line), &r);
	REQUIRE_IMPLEMENTED(rc, "http_parse_status_line");
	cr_assert_eq(rc, 0, "a long reason is still a status line");
	cr_assert_eq(
	        strlen(r.reason), HTTP_REASON_MAX - 1,
	        "http_parse_status_line: a reason of 200 bytes must be cut to HTTP_REASON_MAX - 1 "
	        "= %d bytes, got %zu: r.reason holds HTTP_REASON_MAX chars, and the last one "
	        "is the NUL that ends the string",
	        HTTP_REASON_MAX - 1, strlen(r.reason));
}

Test(http, reads_the_reason_only_up_to_the_end_of_the_line)
{
	/* The line is the start of a head: no NUL follows it, the next header does. */
	const char head[] = "HTTP/1.1 404 Not Found\r\nServer: fixture\r\n\r\n";
	size_t line_len = strlen("HTTP/1.1 404 Not Found");
	struct http_response r;
	memset(&r, 0, sizeof r);
	int rc = http_parse_status_line(head, line_len, &r);
	REQUIRE_IMPLEMENTED(rc, "http_parse_status_line");
	cr_assert_eq(rc, 0, "\"HTTP/1.1 404 Not Found\" followed by more headers parses, got %d",
	             rc);
	cr_assert(strncmp(r.reason, "Not Found", 9) == 0,
	          "http_parse_status_line: the reason of \"HTTP/1.1 404 Not Found\" is \"Not "
	          "Found\", got \"%s\": it starts after the space that follows the code (byte "
	          "13), and that space is not part of it",
	          r.reason);
	cr_assert_str_eq(r.reason, "Not Found",
	                 "http_parse_status_line was given the first %zu bytes of a head, and the "
	                 "reason came out \"%s\": the line ends at len, not at a NUL (the next "
	                 "header follows it in the buffer). Copy len - 13 bytes (memcpy), not a "
	                 "C string (strcpy, strncpy)",
	                 line_len, r.reason);
}

/* http_parse_head relies on http_parse_status_line, a hole of the starter:
 * report that hole by name rather than as a wrong parse. */
static void require_status_line_parser(void)
{
	struct http_response r;
	REQUIRE_IMPLEMENTED(http_parse_status_line("HTTP/1.1 200 OK", 15, &r),
	                    "http_parse_status_line");
}

struct head_case {
	const char *head;
	long long content_length;
	int chunked;
	const char *location;
	enum http_body_kind kind;
};

static const struct head_case good_heads[] = {
	{ "HTTP/1.1 200 OK\r\nContent-Length: 4000\r\n\r\n", 4000, 0, "", HTTP_BODY_LENGTH },
	{ "HTTP/1.1 200 OK\r\ncontent-length:12\r\n\r\n", 12, 0, "", HTTP_BODY_LENGTH },
	{ "HTTP/1.1 200 OK\r\nCONTENT-LENGTH: \t 0 \t\r\n\r\n", 0, 0, "", HTTP_BODY_LENGTH },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n", 5, 0, "",
	  HTTP_BODY_LENGTH },
	{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", -1, 1, "", HTTP_BODY_CHUNKED },
	{ "HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n", -1, 1, "", HTTP_BODY_CHUNKED },
	{ "HTTP/1.1 200 OK\r\nServer: x\r\n\r\n", -1, 0, "", HTTP_BODY_UNTIL_CLOSE },
	{ "HTTP/1.0 200 OK\r\n\r\n", -1, 0, "", HTTP_BODY_UNTIL_CLOSE },
	{ "HTTP/1.1 302 Found\r\nLocation: http://h/x\r\nContent-Length: 0\r\n\r\n", 0, 0,
	  "http://h/x", HTTP_BODY_LENGTH },
	{ "HTTP/1.1 204 No Content\r\n\r\n", -1, 0, "", HTTP_BODY_NONE },
	{ "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", 10, 0, "", HTTP_BODY_NONE },
	{ "HTTP/1.1 200 OK\r\nX-Empty:\r\nX-Colon: a:b\r\n\r\n", -1, 0, "", HTTP_BODY_UNTIL_CLOSE },
};

Test(http, parses_good_heads)
{
	require_status_line_parser();
	for (size_t i = 0; i < sizeof good_heads / sizeof good_heads[0]; i++) {
		const struct head_case *c = &good_heads[i];
		struct http_response r;
		const char *why = "(none)";
		int rc = http_parse_head(c->head, strlen(c->head), &r, &why);
		cr_assert_eq(rc, 0, "head %zu should parse: %s", i, why);
		cr_assert_eq(r.content_length, c->content_length, "Content-Length of head %zu", i);
		cr_assert_eq(r.chunked, c->chunked, "chunked of head %zu", i);
		cr_assert_str_eq(r.location, c->location, "Location of head %zu", i);
		cr_assert_eq(http_body_kind(&r), c->kind, "body kind of head %zu", i);
	}
}

struct bad_head {
	const char *head, *why;
};

static const struct bad_head bad_heads[] = {
	{ "HTPT/1.1 two hundred OK\r\n\r\n", "bad status line" },
	{ "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", "header line without a colon" },
	{ "HTTP/1.1 200 OK\r\n folded: x\r\n\r\n", "bad header name" },
	{ "HTTP/1.1 200 OK\r\nName : x\r\n\r\n", "bad header name" },
	{ "HTTP/1.1 200 OK\r\n: x\r\n\r\n", "bad header name" },
	{ "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n", "bad Content-Length" },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n", "bad Content-Length" },
	{ "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n", "bad Content-Length" },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", "bad Content-Length" },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
	  "two different Content-Length headers" },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
	  "both Content-Length and chunked encoding" },
	{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "unsupported Transfer-Encoding" },
	{ "HTTP/1.1 200 OK\r\nA: b\rC: d\r\n\r\n", "header line not ended by CRLF" },
};

Test(http, rejects_bad_heads_with_their_reason)
{
	require_status_line_parser();
	for (size_t i = 0; i < sizeof bad_heads / sizeof bad_heads[0]; i++) {
		const struct bad_head *c = &bad_heads[i];
		struct http_response r;
		const char *why = NULL;
		int rc = http_parse_head(c->head, strlen(c->head), &r, &why);
		cr_assert_eq(rc, -EPROTO, "head %zu must be refused", i);
		cr_assert(why && strcmp(why, c->why) == 0,
		          "head %zu: reason \"%s\", expected \"%s\"", i, why ? why : "(null)",
		          c->why);
	}
}

/* A chunked body with mixed-case hex, an extension and a trailer, and what
 * it decodes to. The bytes after the final CRLF are not part of the body. */
static const char chunked_wire[] = "5\r\nhello\r\n"
                                   "1A;name=value\r\nabcdefghijklmnopqrstuvwxyz\r\n"
                                   "1\r\n!\r\n"
                                   "0\r\nX-Checksum: 42\r\n\r\n"
                                   "garbage after the end";
static const char chunked_body[] = "helloabcdefghijklmnopqrstuvwxyz!";
static const size_t chunked_wire_len = sizeof chunked_wire - 1 - 21;

/* Decode WIRE fed in pieces that end at the offsets in CUTS. */
static void decode_in_pieces(const size_t *cuts, size_t ncuts, const char *label)
{
	struct chunked d;
	chunked_init(&d);
	char out[256];
	size_t out_len = 0, from = 0;
	for (size_t i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : sizeof chunked_wire - 1;
		char piece[256];
		memcpy(piece, chunked_wire + from, to - from);
		const char *why = "(none)";
		ssize_t got = chunked_decode(&d, piece, to - from, &why);
		cr_assert_geq(got, 0, "%s: decoding failed: %s", label, why);
		memcpy(out + out_len, piece, (size_t)got);
		out_len += (size_t)got;
		from = to;
	}
	cr_assert_eq(d.state, CHUNK_DONE, "%s: the body must be complete", label);
	cr_assert_eq(out_len, strlen(chunked_body), "%s: body length", label);
	cr_assert(memcmp(out, chunked_body, out_len) == 0, "%s: body bytes", label);
}

Test(http, decodes_a_chunked_body_split_anywhere)
{
	char label[64];
	for (size_t a = 0; a <= chunked_wire_len; a++) {
		for (size_t b = a; b <= chunked_wire_len; b++) {
			size_t cuts[2] = { a, b };
			snprintf(label, sizeof label, "split at %zu and %zu", a, b);
			decode_in_pieces(cuts, 2, label);
		}
	}
}

Test(http, decodes_a_chunked_body_one_byte_at_a_time)
{
	size_t cuts[sizeof chunked_wire];
	for (size_t i = 0; i < chunked_wire_len; i++)
		cuts[i] = i + 1;
	decode_in_pieces(cuts, chunked_wire_len, "one byte at a time");
}

static const struct bad_head bad_chunked[] = {
	{ "x\r\n", "bad chunk size" },
	{ "\r\n", "bad chunk size" },
	{ "5\r\nhelloXY", "chunk data not followed by CRLF" },
	{ "5\nhello", "chunk size line not ended by CRLF" },
	{ "1000000000000000\r\n", "chunk size too large" },
	{ "0\r\n\rX", "chunked body not ended by CRLF" },
};

Test(http, rejects_malformed_chunked_bodies)
{
	for (size_t i = 0; i < sizeof bad_chunked / sizeof bad_chunked[0]; i++) {
		struct chunked d;
		chunked_init(&d);
		char buf[64];
		size_t len = strlen(bad_chunked[i].head);
		memcpy(buf, bad_chunked[i].head, len);
		const char *why = NULL;
		cr_assert_eq(chunked_decode(&d, buf, len, &why), -EPROTO, "\"%s\" must be refused",
		             bad_chunked[i].head);
		cr_assert(why && strcmp(why, bad_chunked[i].why) == 0,
		          "case %zu: reason \"%s\", expected \"%s\"", i, why ? why : "(null)",
		          bad_chunked[i].why);
	}
}
