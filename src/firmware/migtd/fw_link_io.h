/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fw_link_io.h -- the bounded blocking loops of a plain VM's emulated
 * platform link (docs/firmware-transports.md), shared by the transports
 * that carry it (tr_vsock.c, tr_serial_link.c). Each supplies a
 * non-blocking send/recv on its device (MIGTD_ERR_AGAIN: try again) and the
 * relax call to wait in; every wait gives up after wait_ms.
 */
#ifndef MIGTD_FW_LINK_IO_H
#define MIGTD_FW_LINK_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../fw.h"
#include "migtd/err.h"

typedef int (*fw_link_send_fn)(void *ctx, const void *buf, size_t len);
typedef int (*fw_link_recv_fn)(void *ctx, void *buf, size_t cap);

/* Write all of buf, or fail: MIGTD_OK, MIGTD_ERR_NETWORK. */
static inline int fw_link_write_all(void *ctx, fw_link_send_fn send, void (*relax)(void),
				    uint32_t wait_ms, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t end = fw_ticks() + wait_ms;

	while (len) {
		int n = send(ctx, p, len);

		if (n == MIGTD_ERR_AGAIN) {
			if (fw_ticks() > end)
				return MIGTD_ERR_NETWORK;
			relax();
			continue;
		}
		if (n <= 0)
			return MIGTD_ERR_NETWORK;
		p += n;
		len -= (size_t)n;
	}
	return MIGTD_OK;
}

/*
 * Read what is there (at most cap). closed, if given, says the peer went
 * away while nothing was pending. MIGTD_OK with *got > 0; MIGTD_ERR_AGAIN
 * (nothing yet and !wait), MIGTD_ERR_TIMEOUT, MIGTD_ERR_NETWORK.
 */
static inline int fw_link_read(void *ctx, fw_link_recv_fn recv, bool (*closed)(void *ctx),
			       void (*relax)(void), uint32_t wait_ms, void *buf, size_t cap,
			       size_t *got, bool wait)
{
	uint64_t end = fw_ticks() + wait_ms;

	for (;;) {
		int n = recv(ctx, buf, cap);

		if (n > 0) {
			*got = (size_t)n;
			return MIGTD_OK;
		}
		if (n != MIGTD_ERR_AGAIN)
			return MIGTD_ERR_NETWORK; /* closed (0) or reset */
		if (closed && closed(ctx))
			return MIGTD_ERR_NETWORK;
		if (!wait)
			return MIGTD_ERR_AGAIN;
		if (fw_ticks() > end)
			return MIGTD_ERR_TIMEOUT;
		relax();
	}
}

#endif /* MIGTD_FW_LINK_IO_H */
