/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * rawstream.h -- the vmcall-raw MigTD<->MigTD stream (docs/protocol.md §4.4,
 * docs/vmcall-raw.md): struct migtd_stream_ops over the platform's
 * TDG.VP.VMCALL<MigTD> Send/Receive calls, one stream per mig_request_id.
 *
 * It needs nothing but the platform table, so every backend that offers the
 * raw_* hooks (the TDX backend, the emulated one) gets the same stream code.
 * Opening a stream only takes a slot; closing it waits for the last Send to
 * complete and gives up a posted Receive: nothing is sent to the VMM on
 * either (§4.4). Memory is caller-owned (static storage): each slot carries
 * its 16-page Receive buffer and a 4-page Send buffer.
 */
#ifndef MIGTD_RAWSTREAM_H
#define MIGTD_RAWSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migtd/ghci.h"
#include "migtd/platform.h"

/* Receive buffer: 16 pages, as upstream (§2.4.3). */
#define MIGTD_RAWSTREAM_RX_BUF 0x10000u
/* Send buffer: 4 pages; a chunk carries at most 4 pages - 12 bytes (§4.4
 * allows up to 16 pages - 12; TLS records are smaller anyway). */
#define MIGTD_RAWSTREAM_TX_BUF 0x4000u
#define MIGTD_RAWSTREAM_TX_CHUNK (MIGTD_RAWSTREAM_TX_BUF - GHCI_RAW_HDR_LEN)

struct migtd_rawstream {
	bool used;
	uint64_t id;   /* mig_request_id: R13 of every call */
	int err;       /* sticky: the first failure (cancel, malformed completion) */
	bool tx_busy;  /* a Send is in flight */
	bool rx_busy;  /* a Receive is posted */
	size_t rx_off; /* unread payload: rxbuf[12 + rx_off .. 12 + rx_len) */
	size_t rx_len;
	struct migtd_raw_call tx;
	struct migtd_raw_call rx;
	uint8_t txbuf[MIGTD_RAWSTREAM_TX_BUF];
	uint8_t rxbuf[MIGTD_RAWSTREAM_RX_BUF];
};

struct migtd_rawstreams {
	const struct migtd_platform *plat; /* whose raw_* hooks carry the bytes */
	struct migtd_rawstream *s;         /* n slots, caller-owned */
	uint32_t n;
};

/* The stream table; stream_ctx is a struct migtd_rawstreams. */
extern const struct migtd_stream_ops migtd_rawstream_ops;

/* Reset r over n slots (each ~84 KiB: a program sizes it to its session
 * limit); plat may be the very platform whose stream_ctx r becomes. */
void migtd_rawstreams_init(struct migtd_rawstreams *r, const struct migtd_platform *plat,
			   struct migtd_rawstream *slots, uint32_t n);

#endif /* MIGTD_RAWSTREAM_H */
