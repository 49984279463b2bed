/*
 * test_sock.c - socket operations as futures, over socketpairs: no network.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "future.h"
#include "loop.h"
#include "sock.h"
#include "testkit.h"

TestSuite(sock, .timeout = 10);

/* A connected pair of non-blocking sockets: [0] is ours, [1] the peer. */
static void socket_pair(int fds[2])
{
	cr_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0, "socketpair");
	for (int i = 0; i < 2; i++)
		fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
}

/* Every operation needs its own done-callback, a hole of this chapter; say
 * so by name rather than crash on the NULL an operation then returns. */
static struct future *started(struct future *f, const char *operation)
{
	if (!f) {
		struct future *probe = future_new(NULL);
		int rc = future_add_done_callback(probe, NULL, NULL);
		future_free(probe);
		REQUIRE_IMPLEMENTED(rc, "future_add_done_callback");
	}
	cr_assert(f != NULL, "%s returns a future", operation);
	return f;
}

static void run_until_done(struct loop *loop, struct future *f)
{
	int rc = loop_run_until_complete(loop, f);
	REQUIRE_IMPLEMENTED(rc, "a hole of chapter 3 (loop_run_until_complete needs them)");
	cr_assert_eq(rc, 0, "the loop runs until the future is done, got %d", rc);
}

Test(sock, recv_completes_with_the_count_once_data_arrives)
{
	struct loop *loop = loop_new();
	int fds[2];
	socket_pair(fds);
	char buf[64];
	struct future *f = started(sock_recv(loop, fds[0], buf, sizeof buf), "sock_recv");
	cr_assert(f && !future_done(f), "nothing has arrived: the future is pending");
	cr_assert_eq(write(fds[1], "hello", 5), 5, "the peer writes");
	run_until_done(loop, f);
	cr_assert_eq(sock_recv_count(f), 5, "the result is the count received");
	cr_assert(memcmp(buf, "hello", 5) == 0, "into the buffer given");
	future_free(f);
	cr_assert_eq(loop_run(loop), 0, "no reader is left: the loop has nothing to do");
	close(fds[0]);
	close(fds[1]);
	loop_free(loop);
}

Test(sock, recv_completes_with_zero_when_the_peer_closes)
{
	struct loop *loop = loop_new();
	int fds[2];
	socket_pair(fds);
	char buf[8];
	struct future *f = started(sock_recv(loop, fds[0], buf, sizeof buf), "sock_recv");
	close(fds[1]);
	run_until_done(loop, f);
	cr_assert_eq(sock_recv_count(f), 0, "end of stream is a count of 0");
	future_free(f);
	close(fds[0]);
	loop_free(loop);
}

Test(sock, sendall_sends_every_byte_however_many_rounds_it_takes)
{
	struct loop *loop = loop_new();
	int fds[2];
	socket_pair(fds);
	/* More than a socket buffer holds: send() must be called many times,
	 * and the peer must read in between. */
	enum { SIZE = 4 * 1024 * 1024 };
	char *out = malloc(SIZE), *in = malloc(SIZE);
	for (size_t i = 0; i < SIZE; i++)
		out[i] = (char)(i * 7);
	struct future *sent = started(sock_sendall(loop, fds[0], out, SIZE), "sock_sendall");
	size_t got = 0;
	while (!future_done(sent) || got < SIZE) {
		loop_run_once(loop);
		ssize_t n = read(fds[1], in + got, SIZE - got);
		if (n > 0)
			got += (size_t)n;
	}
	void *unused;
	cr_assert_eq(future_result(sent, &unused), 0, "sendall finished without error");
	cr_assert(memcmp(in, out, SIZE) == 0, "every byte arrived, in order");
	/* The last done-callbacks are still queued: let them run, or what they
	 * hold is never freed (this loop_free drops what is queued). */
	cr_assert_eq(loop_run(loop), 0, "the loop runs what is left");
	future_free(sent);
	free(out);
	free(in);
	close(fds[0]);
	close(fds[1]);
	loop_free(loop);
}

Test(sock, cancelling_an_operation_removes_it_from_the_loop)
{
	struct loop *loop = loop_new();
	int fds[2];
	socket_pair(fds);
	char buf[8];
	struct future *f = started(sock_recv(loop, fds[0], buf, sizeof buf), "sock_recv");
	cr_assert(future_cancel(f, NULL), "a pending recv can be cancelled");
	/* If the reader stayed registered, this would wait forever for data
	 * that never comes (and the suite's timeout would fail the test). */
	cr_assert_eq(loop_run(loop), 0, "the loop empties and returns");
	cr_assert_eq(sock_recv_count(f), -ECANCELED, "the count reads as cancelled");
	cr_assert_eq(write(fds[1], "late", 4), 4, "data arriving afterwards...");
	cr_assert_eq(loop_run_once(loop), 0, "...calls nobody");
	future_free(f);
	close(fds[0]);
	close(fds[1]);
	loop_free(loop);
}

/* A TCP connection on loopback whose peer resets it: *CLIENT is ours. */
static void reset_connection(int *client)
{
	int listener = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in addr = { .sin_family = AF_INET,
		                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof addr;
	cr_assert(bind(listener, (struct sockaddr *)&addr, len) == 0 && listen(listener, 1) == 0,
	          "listen on loopback");
	getsockname(listener, (struct sockaddr *)&addr, &len);
	*client = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(connect(*client, (struct sockaddr *)&addr, len) == 0, "connect");
	int server = accept(listener, NULL, NULL);
	/* Linger 0: close() sends RST instead of FIN. */
	struct linger reset = { 1, 0 };
	setsockopt(server, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
	close(server);
	close(listener);
	fcntl(*client, F_SETFL, fcntl(*client, F_GETFL) | O_NONBLOCK);
}

Test(sock, recv_fails_with_the_error_of_the_socket)
{
	struct loop *loop = loop_new();
	int client;
	reset_connection(&client);
	char buf[8];
	struct future *f = started(sock_recv(loop, client, buf, sizeof buf), "sock_recv");
	run_until_done(loop, f);
	cr_assert_eq(sock_recv_count(f), -ECONNRESET, "the count is the error, -ECONNRESET");
	const struct future_error *error;
	future_exception(f, &error);
	cr_assert(error && error->code == -ECONNRESET, "the future failed with it");
	future_free(f);
	close(client);
	loop_free(loop);
}

Test(sock, connect_fails_with_connection_refused)
{
	struct loop *loop = loop_new();
	/* A port nobody listens on: bind one, note it, close it. */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in addr = { .sin_family = AF_INET,
		                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof addr;
	cr_assert(bind(s, (struct sockaddr *)&addr, len) == 0, "bind");
	getsockname(s, (struct sockaddr *)&addr, &len);
	close(s);
	struct addrinfo ai = { .ai_family = AF_INET,
		               .ai_socktype = SOCK_STREAM,
		               .ai_addr = (struct sockaddr *)&addr,
		               .ai_addrlen = len };
	int fd;
	struct future *f = started(sock_connect(loop, &ai, &fd), "sock_connect");
	run_until_done(loop, f);
	const struct future_error *error;
	future_exception(f, &error);
	cr_assert(error && error->code == -ECONNREFUSED, "the future fails with -ECONNREFUSED");
	future_free(f);
	if (fd >= 0)
		close(fd);
	loop_free(loop);
}
