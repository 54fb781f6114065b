/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * emu_link_fd.h -- the platform link over a file descriptor (a Unix socket
 * to the emulated host), for a MigTD running as a Linux process. Provides
 * the struct emu_link_io of emu_link.h plus the clock (CLOCK_MONOTONIC)
 * and randomness (getrandom) a Linux process has in place of TSC/RDRAND.
 */
#ifndef MIGTD_EMU_LINK_FD_H
#define MIGTD_EMU_LINK_FD_H

#include <stdint.h>

#include "emu_link.h"

struct emu_link_fd {
	int fd;
	int timeout_ms; /* how long a blocking read waits for the host */
};

void emu_link_fd_io(struct emu_link_fd *s, int fd, int timeout_ms, struct emu_link_io *io);

/* Write all len bytes to a socket (or file) fd: a peer that went away is
 * MIGTD_ERR_NETWORK, never SIGPIPE; a full socket is waited on up to
 * timeout_ms. Used by both ends of the platform link. */
int emu_fd_write_all(int fd, const void *buf, size_t len, int timeout_ms);

/* A blocking, close-on-exec stream socket connected to the Unix socket at
 * path (the host's end of the platform link): the fd, or -1 (path too
 * long for sun_path, nobody listening). */
int emu_fd_connect_unix(const char *path);

uint64_t emu_linux_now_ms(void);
int emu_linux_random(void *buf, size_t len);

#endif /* MIGTD_EMU_LINK_FD_H */
