/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * uvsock.c -- vsock-like session streams over a Unix socket (see uvsock.h).
 * Everything is non-blocking: the session state machine drives it.
 */
#include "uvsock.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "migtd/wire.h"

int uvsock_init(struct uvsock *u, const char *path)
{
	memset(u, 0, sizeof(*u));
	if (strlen(path) >= sizeof(u->path))
		return MIGTD_ERR_LENGTH;
	strcpy(u->path, path);
	for (size_t i = 0; i < UVSOCK_MAX_STREAMS; i++)
		u->streams[i].fd = -1;
	return MIGTD_OK;
}

void uvsock_fini(struct uvsock *u)
{
	for (size_t i = 0; i < UVSOCK_MAX_STREAMS; i++) {
		if (u->streams[i].fd >= 0)
			close(u->streams[i].fd);
		u->streams[i].fd = -1;
	}
}

int uvsock_hello_parse(const uint8_t hello[UVSOCK_HELLO_LEN], uint64_t *cid, uint32_t *port)
{
	struct wire_reader r;
	uint32_t magic = 0;

	migtd_wire_reader_init(&r, hello, UVSOCK_HELLO_LEN);
	migtd_wire_read_u32(&r, &magic);
	migtd_wire_read_u32(&r, port);
	migtd_wire_read_u64(&r, cid);
	if (migtd_wire_error(&r))
		return migtd_wire_error(&r);
	return magic == UVSOCK_MAGIC ? MIGTD_OK : MIGTD_ERR_INVALID;
}

static struct uvsock_stream *uv_get(struct uvsock *u, uint32_t h)
{
	if (h >= UVSOCK_MAX_STREAMS || u->streams[h].fd < 0)
		return NULL;
	return &u->streams[h];
}

static int uv_open(void *ctx, const struct migtd_stream_params *params, uint32_t *handle)
{
	struct uvsock *u = ctx;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct uvsock_stream *s = NULL;
	uint32_t h;
	int fd;

	for (h = 0; h < UVSOCK_MAX_STREAMS; h++) {
		if (u->streams[h].fd < 0) {
			s = &u->streams[h];
			break;
		}
	}
	if (!s)
		return MIGTD_ERR_NOMEM;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return MIGTD_ERR_NETWORK;
	memcpy(sa.sun_path, u->path, strlen(u->path) + 1);
	/* A local connect completes at once, or fails: the VMM is not listening. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return MIGTD_ERR_NETWORK;
	}
	s->fd = fd;
	migtd_wire_put_u32(s->hello, UVSOCK_MAGIC);
	migtd_wire_put_u32(s->hello + 4, params->peer_port);
	migtd_wire_put_u64(s->hello + 8,
			   params->peer_cid & 0xffffffffu); /* vsock CIDs are 32-bit */
	s->hello_sent = 0;
	*handle = h;
	return MIGTD_OK;
}

/* The hello goes out before any stream byte. */
static int uv_flush_hello(struct uvsock_stream *s)
{
	while (s->hello_sent < UVSOCK_HELLO_LEN) {
		ssize_t n = send(s->fd, s->hello + s->hello_sent, UVSOCK_HELLO_LEN - s->hello_sent,
				 MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return MIGTD_ERR_AGAIN;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return MIGTD_ERR_NETWORK;
		s->hello_sent += (size_t)n;
	}
	return MIGTD_OK;
}

static int uv_send(void *ctx, uint32_t h, const void *buf, size_t len, size_t *sent)
{
	struct uvsock_stream *s = uv_get(ctx, h);
	ssize_t n;
	int ret;

	if (!s)
		return MIGTD_ERR_STATE;
	ret = uv_flush_hello(s);
	if (ret)
		return ret;
	do
		n = send(s->fd, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return MIGTD_ERR_AGAIN;
	if (n <= 0)
		return MIGTD_ERR_NETWORK;
	*sent = (size_t)n;
	return MIGTD_OK;
}

static int uv_recv(void *ctx, uint32_t h, void *buf, size_t cap, size_t *got)
{
	struct uvsock_stream *s = uv_get(ctx, h);
	ssize_t n;
	int ret;

	if (!s)
		return MIGTD_ERR_STATE;
	ret = uv_flush_hello(s);
	if (ret)
		return ret;
	do
		n = recv(s->fd, buf, cap, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return MIGTD_ERR_AGAIN;
	if (n < 0)
		return MIGTD_ERR_NETWORK;
	*got = (size_t)n; /* 0: the peer closed */
	return MIGTD_OK;
}

static int uv_close(void *ctx, uint32_t h)
{
	struct uvsock_stream *s = uv_get(ctx, h);

	if (!s)
		return MIGTD_ERR_STATE;
	shutdown(s->fd, SHUT_RDWR);
	close(s->fd);
	s->fd = -1;
	return MIGTD_OK;
}

const struct migtd_stream_ops uvsock_stream_ops = {
	.open = uv_open,
	.send = uv_send,
	.recv = uv_recv,
	.close = uv_close,
};
