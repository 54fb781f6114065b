/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * rawstream.c -- the vmcall-raw stream (see rawstream.h, docs/protocol.md §2.4.3,
 * §2.4.4, §4.4).
 *
 * send: one Send call per chunk; the next chunk waits until the VMM completed
 * the previous one (§4.4), so "queued" means handed to the VMM.
 * recv: one Receive posted at a time; its payload is handed out piecewise
 * before the next Receive is posted. No record boundaries are implied.
 * A "VMM cancelled" completion (data_status byte 0 = 2, byte 1 = 3) fails the
 * stream with MIGTD_ERR_VMM_CANCELED; the session maps it (§1.5).
 */
#include "migtd/rawstream.h"

#include <string.h>

#include <mbedtls/platform_util.h>

void migtd_rawstreams_init(struct migtd_rawstreams *r, const struct migtd_platform *plat,
			   struct migtd_rawstream *slots, uint32_t n)
{
	r->plat = plat;
	r->s = slots;
	r->n = n;
	for (uint32_t i = 0; i < n; i++)
		memset(&slots[i], 0, offsetof(struct migtd_rawstream, txbuf));
}

static struct migtd_rawstream *rs_get(struct migtd_rawstreams *r, uint32_t stream)
{
	if (stream >= r->n || !r->s[stream].used)
		return NULL;
	return &r->s[stream];
}

/* The open, unfailed stream a send or receive of len bytes may use. */
static int rs_ready(struct migtd_rawstreams *r, uint32_t stream, size_t len,
		    struct migtd_rawstream **out)
{
	struct migtd_rawstream *s = rs_get(r, stream);

	*out = s;
	if (!s)
		return MIGTD_ERR_STATE;
	if (s->err)
		return s->err;
	if (len == 0)
		return MIGTD_ERR_INVALID;
	return MIGTD_OK;
}

/* A failure other than "not yet" sticks to the stream; returns ret. */
static int rs_latch(struct migtd_rawstream *s, int ret)
{
	if (ret != MIGTD_OK && ret != MIGTD_ERR_AGAIN)
		s->err = ret;
	return ret;
}

static int rs_open(void *ctx, const struct migtd_stream_params *params, uint32_t *stream)
{
	struct migtd_rawstreams *r = ctx;

	/* Nothing goes to the VMM: the request id is the connection (§4.4). */
	for (uint32_t i = 0; i < r->n; i++) {
		struct migtd_rawstream *s = &r->s[i];

		if (s->used)
			continue;
		memset(s, 0, offsetof(struct migtd_rawstream, txbuf));
		s->used = true;
		s->id = params->mig_request_id;
		*stream = i;
		return MIGTD_OK;
	}
	return MIGTD_ERR_AGAIN;
}

/* Wait for the Send in flight: MIGTD_OK once it completed well. */
static int rs_tx_poll(struct migtd_rawstreams *r, struct migtd_rawstream *s)
{
	const uint8_t *p;
	size_t n;
	int ret;

	if (!s->tx_busy)
		return MIGTD_OK;
	ret = migtd_plat_raw_poll(r->plat, &s->tx);
	if (ret == MIGTD_ERR_AGAIN)
		return ret;
	s->tx_busy = false;
	if (ret == MIGTD_OK)
		ret = migtd_ghci_raw_stream_completion(s->txbuf, s->tx.cap, false, &p, &n);
	/* A completion that is not "done" and not "cancelled" is no answer the
	 * stream can go on from: the chunk may or may not have left. */
	if (ret == MIGTD_ERR_AGAIN)
		ret = MIGTD_ERR_NETWORK;
	return ret;
}

static int rs_send(void *ctx, uint32_t stream, const void *buf, size_t len, size_t *sent)
{
	struct migtd_rawstreams *r = ctx;
	struct migtd_rawstream *s;
	size_t n = len < MIGTD_RAWSTREAM_TX_CHUNK ? len : MIGTD_RAWSTREAM_TX_CHUNK;
	size_t out = 0;
	int ret;

	*sent = 0;
	ret = rs_ready(r, stream, len, &s);
	if (ret != MIGTD_OK)
		return ret;
	ret = rs_tx_poll(r, s);
	if (ret == MIGTD_OK)
		ret = migtd_ghci_raw_build(s->txbuf, sizeof(s->txbuf), 0, buf, n, &out);
	if (ret != MIGTD_OK)
		return rs_latch(s, ret);
	memset(&s->tx, 0, sizeof(s->tx));
	s->tx.leaf = GHCI_RAW_LEAF_SEND;
	s->tx.mig_request_id = s->id;
	s->tx.buf = s->txbuf;
	s->tx.len = out;
	s->tx.cap = out; /* §2.4.3: the buffer length passed is 12 + n */
	ret = migtd_plat_raw_start(r->plat, &s->tx);
	if (ret != MIGTD_OK)
		return rs_latch(s, ret);
	s->tx_busy = true;
	*sent = n;
	return MIGTD_OK;
}

static int rs_post_receive(struct migtd_rawstreams *r, struct migtd_rawstream *s)
{
	int ret;

	/* §2.4.3: a 16-page buffer with the header zeroed. */
	memset(s->rxbuf, 0, GHCI_RAW_HDR_LEN);
	memset(&s->rx, 0, sizeof(s->rx));
	s->rx.leaf = GHCI_RAW_LEAF_RECEIVE;
	s->rx.mig_request_id = s->id;
	s->rx.buf = s->rxbuf;
	s->rx.len = GHCI_RAW_HDR_LEN;
	s->rx.cap = sizeof(s->rxbuf);
	ret = migtd_plat_raw_start(r->plat, &s->rx);
	if (ret == MIGTD_OK)
		s->rx_busy = true;
	return ret;
}

static int rs_recv(void *ctx, uint32_t stream, void *buf, size_t cap, size_t *got)
{
	struct migtd_rawstreams *r = ctx;
	struct migtd_rawstream *s;
	const uint8_t *p;
	size_t n;
	int ret;

	*got = 0;
	ret = rs_ready(r, stream, cap, &s);
	if (ret != MIGTD_OK)
		return ret;
	if (s->rx_off == s->rx_len) {
		if (!s->rx_busy) {
			ret = rs_post_receive(r, s);
			if (ret != MIGTD_OK)
				return rs_latch(s, ret);
		}
		ret = migtd_plat_raw_poll(r->plat, &s->rx);
		if (ret == MIGTD_ERR_AGAIN)
			return ret;
		s->rx_busy = false;
		if (ret == MIGTD_OK)
			ret = migtd_ghci_raw_stream_completion(s->rxbuf, sizeof(s->rxbuf), true, &p,
							       &n);
		if (ret == MIGTD_ERR_AGAIN) {
			/* §2.4.3: byte 0 != 1 is "not yet": ask again. */
			ret = rs_post_receive(r, s);
			return rs_latch(s, ret == MIGTD_OK ? MIGTD_ERR_AGAIN : ret);
		}
		if (ret != MIGTD_OK)
			return rs_latch(s, ret);
		s->rx_off = 0;
		s->rx_len = n;
	}
	n = s->rx_len - s->rx_off;
	if (n > cap)
		n = cap;
	memcpy(buf, s->rxbuf + GHCI_RAW_HDR_LEN + s->rx_off, n);
	s->rx_off += n;
	*got = n;
	return MIGTD_OK;
}

static int rs_close(void *ctx, uint32_t stream)
{
	struct migtd_rawstreams *r = ctx;
	struct migtd_rawstream *s = rs_get(r, stream);
	int ret = MIGTD_OK;

	if (!s)
		return MIGTD_ERR_STATE;
	/* The last chunk must have reached the VMM before the session reports. */
	if (s->tx_busy && !s->err) {
		ret = rs_tx_poll(r, s);
		if (ret == MIGTD_ERR_AGAIN)
			return ret;
	}
	if (s->tx_busy)
		(void)migtd_plat_raw_cancel(r->plat, &s->tx);
	if (s->rx_busy)
		(void)migtd_plat_raw_cancel(r->plat, &s->rx);
	/* The buffers held TLS records only, but leave nothing behind. */
	mbedtls_platform_zeroize(s, sizeof(*s));
	return ret;
}

const struct migtd_stream_ops migtd_rawstream_ops = {
	.open = rs_open,
	.send = rs_send,
	.recv = rs_recv,
	.close = rs_close,
};
