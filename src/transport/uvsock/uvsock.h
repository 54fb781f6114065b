/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * uvsock.h -- the MigTD<->VMM stream of a MigTD running as a Linux process:
 * vsock semantics over a Unix socket.
 *
 * Upstream MigTD opens each session's stream with a vsock connect to its
 * VMM at (mig_td_cid, mig_channel_port) from the request's HOB (docs/protocol.md §2.3.2,
 * §4.1); the VMM relays the bytes to the peer platform. A Linux process has
 * no vsock to its emulated VMM, so it connects to the VMM's Unix socket and
 * first sends the address it would have connected to:
 *
 *   u32 magic "MVSK" | u32 port | u64 cid      (16 bytes, little-endian)
 *
 * after which the socket carries exactly the session's byte stream (raw TLS
 * records), as a vsock stream would. Implements struct migtd_stream_ops.
 */
#ifndef MIGTD_UVSOCK_H
#define MIGTD_UVSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migtd/platform.h"

#define UVSOCK_MAGIC 0x4b53564du /* "MVSK" */
#define UVSOCK_HELLO_LEN 16
#define UVSOCK_MAX_STREAMS 128
#define UVSOCK_PATH_MAX 108 /* sun_path */

struct uvsock_stream {
	int fd; /* -1: free */
	uint8_t hello[UVSOCK_HELLO_LEN];
	size_t hello_sent;
};

struct uvsock {
	char path[UVSOCK_PATH_MAX];
	struct uvsock_stream streams[UVSOCK_MAX_STREAMS];
};

extern const struct migtd_stream_ops uvsock_stream_ops;

/* path: the VMM's stream socket. Fails if it does not fit sun_path. */
int uvsock_init(struct uvsock *u, const char *path);
/* Close every stream (at exit). */
void uvsock_fini(struct uvsock *u);

/* The VMM side: parse a hello (MIGTD_ERR_INVALID if the magic is wrong). */
int uvsock_hello_parse(const uint8_t hello[UVSOCK_HELLO_LEN], uint64_t *cid, uint32_t *port);

#endif /* MIGTD_UVSOCK_H */
