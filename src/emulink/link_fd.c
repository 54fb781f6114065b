/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * link_fd.c -- the platform link over a socket (see emu_link_fd.h).
 */
#include "emu_link_fd.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* A peer that went away must be an error, not a SIGPIPE. */
static ssize_t emu_send_nosig(int fd, const void *p, size_t n)
{
	ssize_t r = send(fd, p, n, MSG_NOSIGNAL);

	return (r < 0 && errno == ENOTSOCK) ? write(fd, p, n) : r;
}

int emu_fd_connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

uint64_t emu_linux_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int emu_linux_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return MIGTD_ERR_CRYPTO;
		p += n;
		len -= (size_t)n;
	}
	return MIGTD_OK;
}

int emu_fd_write_all(int fd, const void *buf, size_t len, int timeout_ms)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = emu_send_nosig(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			if (poll(&pfd, 1, timeout_ms) <= 0)
				return MIGTD_ERR_NETWORK;
			continue;
		}
		if (n <= 0)
			return MIGTD_ERR_NETWORK;
		p += n;
		len -= (size_t)n;
	}
	return MIGTD_OK;
}

static int fd_write_all(void *ctx, const void *buf, size_t len)
{
	struct emu_link_fd *s = ctx;

	return emu_fd_write_all(s->fd, buf, len, s->timeout_ms);
}

static int fd_read(void *ctx, void *buf, size_t cap, size_t *got, bool wait)
{
	struct emu_link_fd *s = ctx;
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	ssize_t n;
	int r;

	do
		r = poll(&pfd, 1, wait ? s->timeout_ms : 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return MIGTD_ERR_NETWORK;
	if (r == 0)
		return wait ? MIGTD_ERR_TIMEOUT : MIGTD_ERR_AGAIN;
	do
		n = read(s->fd, buf, cap);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return wait ? MIGTD_ERR_TIMEOUT : MIGTD_ERR_AGAIN;
	if (n <= 0)
		return MIGTD_ERR_NETWORK;
	*got = (size_t)n;
	return MIGTD_OK;
}

static uint64_t fd_now_ms(void *ctx)
{
	(void)ctx;
	return emu_linux_now_ms();
}

void emu_link_fd_io(struct emu_link_fd *s, int fd, int timeout_ms, struct emu_link_io *io)
{
	s->fd = fd;
	s->timeout_ms = timeout_ms;
	io->ctx = s;
	io->write_all = fd_write_all;
	io->read = fd_read;
	io->now_ms = fd_now_ms;
}
