/*
 * transport.h - a socket that pushes what arrives to a protocol.
 *
 * Mirrors: asyncio's _SelectorSocketTransport and the asyncio.Protocol it
 * drives (Lib/asyncio/selector_events.py, Lib/asyncio/protocols.py).
 *
 * sock_recv (sock.h) is a pull: each call registers a reader, waits for
 * one readiness, reads once and removes the reader again. That is two
 * epoll_ctl calls and one fcntl check for every buffer read. A transport
 * turns it into a push: its reader stays registered for as long as
 * reading is on, and every readiness becomes one recv() whose bytes go
 * straight to the protocol's data_received. The loop's registration
 * changes only when the state changes: reading paused or resumed, a write
 * that has to wait, the end.
 *
 * Flow control runs both ways, as in asyncio:
 *   - the protocol cannot keep up with what arrives (its disk is slow):
 *     it calls transport_pause_reading, and transport_resume_reading
 *     once it has caught up; the kernel's socket buffer fills meanwhile
 *     and TCP slows the sender down;
 *   - the peer does not take what the protocol writes: once more than the
 *     high-water mark waits in the transport, it calls the protocol's
 *     pause_writing; once the buffer has drained to the low-water mark,
 *     resume_writing.
 *
 * Simplification: asyncio's transport owns its socket and closes it. Ours
 * borrows it (the downloader gives a kept-alive connection back to the
 * pool when the body is over): transport_free stops watching the socket
 * and leaves it open.
 *
 * Interface:
 *   struct protocol          the callbacks a protocol fills
 *   transport_new / _free    start reading FD for a protocol; stop
 *   transport_pause_reading / transport_resume_reading / transport_is_reading
 *   transport_write          send, or keep what the kernel did not take
 *   transport_set_write_buffer_limits / transport_write_buffer_size
 */
#ifndef TRANSPORT_H
#define TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

struct loop;
struct transport;

/*
 * What a transport calls, each with the protocol's SELF. Every one may be
 * NULL except data_received. None may free the transport: the protocol's
 * owner does that, after the callback has returned.
 *   data_received   LEN bytes arrived in DATA (the transport's buffer,
 *                   valid until the callback returns; the protocol may
 *                   rewrite it in place, as response_feed does)
 *   eof_received    the peer closed its side; reading has stopped
 *   connection_lost the connection broke (ERROR, a negative errno);
 *                   reading and writing have stopped
 *   pause_writing   more than the high-water mark waits to be sent
 *   resume_writing  it has drained to the low-water mark
 */
struct protocol {
	void (*data_received)(void *self, char *data, size_t len);
	void (*eof_received)(void *self);
	void (*connection_lost)(void *self, int error);
	void (*pause_writing)(void *self);
	void (*resume_writing)(void *self);
};

/* One recv() asks for this much: a loopback or LAN socket often holds
 * more than 100 KiB when it becomes readable, and a read that takes it
 * all at once is one syscall instead of many. (asyncio's transports: max_size,
 * the same 256 KiB.) */
#define TRANSPORT_READ_SIZE (256 * 1024)

/* asyncio's defaults: pause writing above 64 KiB, resume at a quarter. */
#define TRANSPORT_WRITE_HIGH (64 * 1024)

/*
 * transport_new: a transport on the connected, non-blocking socket FD
 * (borrowed), reading at once for PROTOCOL, whose callbacks get SELF.
 * PROTOCOL and SELF must outlive the transport. Returns it, or NULL with
 * *ERROR set (-ENOMEM, or the loop's refusal to watch FD).
 */
struct transport *transport_new(struct loop *loop, int fd, const struct protocol *protocol,
                                void *self, int *error);

/* transport_free: stop watching the socket (it stays open), drop what was
 * not sent yet, and free the transport. NULL is fine. */
void transport_free(struct transport *transport);

/* Stop reading until transport_resume_reading: the reader is removed, so
 * the loop no longer wakes for this socket. Both are no-ops when there is
 * nothing to change (asyncio: the same). 0, or the loop's error. */
int transport_pause_reading(struct transport *transport);
int transport_resume_reading(struct transport *transport);
bool transport_is_reading(const struct transport *transport);

/*
 * transport_write: send the LEN bytes of DATA. What the kernel does not
 * take now is copied and sent as the socket drains, in order. Returns 0,
 * -ENOMEM, or the error of a connection that is already broken (the
 * protocol's connection_lost has been called then, or will be for an error
 * found later).
 */
int transport_write(struct transport *transport, const char *data, size_t len);

/* Set the water marks: pause_writing above HIGH bytes waiting, resume at
 * LOW or below (LOW <= HIGH). */
void transport_set_write_buffer_limits(struct transport *transport, size_t high, size_t low);

/* Bytes written but not sent yet. */
size_t transport_write_buffer_size(const struct transport *transport);

#endif
