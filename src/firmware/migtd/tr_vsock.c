/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * tr_vsock.c -- the default transport (docs/protocol.md §4.1, docs/firmware-transports.md):
 * every session stream is a virtio-vsock stream connection to
 * (mig_td_cid, mig_channel_port) of the request's Socket-Info HOB, from
 * local ports 40001, 40002, ... (never reused), carrying raw TLS bytes with
 * the driver's credit flow and SHUTDOWN/RST (drivers/virtio_vsock.c).
 *
 * A plain VM's emulated platform link is one more vsock stream, opened at
 * boot to (host CID 2, MIGTD_EMU_LINK_VSOCK_PORT), carrying the MLNK frames
 * of src/emulink/emu_link.h -- so a plain VM needs no device but the vsock one.
 *
 * Everything here is non-blocking except the boot-time link connect: the
 * core's state machine drives open/send/recv/close and bounds each step.
 */
#include "../fw.h"
#include "../virtio.h"
#include "fw_link_io.h"
#include "fw_transport.h"

#include <string.h>

#include "migtd/err.h"
#include "vsock_ids.h"

/* MIGTD_MAX_SESSIONS concurrent sessions (docs/firmware-heap.md) plus
 * spares for streams still closing; the platform link is a stream of its
 * own, not counted here. */
#define TV_STREAMS 66
/*
 * Per-stream receive ring = the buf_alloc we advertise. The spec's MigTD
 * says 0x40000 but buffers without bound; ours is a fixed private ring.
 * 32 KiB holds two full TLS records (the peer waits for credit beyond
 * that), so 66 streams + the link fit the payload's bss
 * (config/image_layout.h).
 */
#define TV_RX_RING 0x8000u
/* Boot: how long the platform link may take to be accepted. */
#define TV_LINK_CONNECT_POLLS 5000u
/* Blocking link I/O gives up after this (as the virtio-serial link did). */
#define TV_LINK_WAIT_MS 30000u
/* How long a closing stream waits for the peer's RST before it RSTs itself. */
#define TV_CLOSE_WAIT_MS 3000u
/* The core calls close again on every poll until it returns OK; a closing
 * stream it has not asked about for this long was given up (its step timed
 * out) and may be reaped. */
#define TV_ABANDON_MS 1000u

struct tv_stream {
	bool used;
	bool closing;
	uint64_t close_deadline;
	uint64_t close_polled; /* fw_ticks of the core's last close call */
	struct vsock_conn c;
};

struct tv {
	struct vsock *v;
	struct tv_stream s[TV_STREAMS];
	struct vsock_conn link;
};

static struct tv tv;
static uint8_t tv_rx[TV_STREAMS][TV_RX_RING];
static uint8_t tv_link_rx[TV_RX_RING];

FW_BUILD_INFO("virtio-vsock");

/* ---- the platform link (plain VM only) ------------------------------------ */

static int link_send(void *ctx, const void *buf, size_t len)
{
	struct tv *t = ctx;

	return vsock_send(t->v, &t->link, buf, len);
}

static int link_recv(void *ctx, void *buf, size_t cap)
{
	struct tv *t = ctx;

	return vsock_recv(t->v, &t->link, buf, cap);
}

static int link_write_all(void *ctx, const void *buf, size_t len)
{
	return fw_link_write_all(ctx, link_send, fw_vsock_relax, TV_LINK_WAIT_MS, buf, len);
}

static int link_read(void *ctx, void *buf, size_t cap, size_t *got, bool wait)
{
	return fw_link_read(ctx, link_recv, NULL, fw_vsock_relax, TV_LINK_WAIT_MS, buf, cap, got,
			    wait);
}

static int tv_start(struct emu_link_io *link)
{
	int err;

	tv.v = fw_vsock_setup();
	if (!tv.v)
		return MIGTD_ERR_UNSUPPORTED;
	if (!link)
		return MIGTD_OK;
	err = vsock_connect(tv.v, &tv.link, MIGTD_VSOCK_HOST_CID, MIGTD_EMU_LINK_VSOCK_PORT,
			    tv_link_rx, sizeof(tv_link_rx), TV_LINK_CONNECT_POLLS);
	if (err) {
		fw_printf("migtd: platform link: vsock connect to %u:%u failed: %s\n",
			  MIGTD_VSOCK_HOST_CID, MIGTD_EMU_LINK_VSOCK_PORT, migtd_err_str(err));
		return err;
	}
	fw_printf("migtd: platform link: vsock %llu:%u -> %u:%u\n",
		  (unsigned long long)tv.v->guest_cid, tv.link.local_port, MIGTD_VSOCK_HOST_CID,
		  MIGTD_EMU_LINK_VSOCK_PORT);
	link->ctx = &tv;
	link->write_all = link_write_all;
	link->read = link_read;
	return MIGTD_OK;
}

/* ---- session streams --------------------------------------------------------- */

static struct tv_stream *stream_get(uint32_t h)
{
	if (h >= TV_STREAMS || !tv.s[h].used || tv.s[h].closing)
		return NULL;
	return &tv.s[h];
}

static void stream_free(struct tv_stream *s)
{
	vsock_release(tv.v, &s->c);
	s->used = false;
	s->closing = false;
}

/* A stream the core gave up on while it was closing (its step timed out)
 * is released here, so a slot is never lost. Only one the core stopped
 * asking about: a stream whose close merely completed (the peer's RST came)
 * still belongs to the session until its next close call says OK -- freeing
 * it here made that call fail (status 1) and could hand its slot to the new
 * session being opened. */
static void reap_closing(void)
{
	uint64_t now = fw_ticks();

	for (unsigned int i = 0; i < TV_STREAMS; i++) {
		struct tv_stream *s = &tv.s[i];

		if (s->used && s->closing && now - s->close_polled > TV_ABANDON_MS)
			stream_free(s);
	}
}

static int st_open(void *ctx, const struct migtd_stream_params *params, uint32_t *handle)
{
	(void)ctx;
	reap_closing();
	for (uint32_t i = 0; i < TV_STREAMS; i++) {
		struct tv_stream *s = &tv.s[i];
		int err;

		if (s->used)
			continue;
		/* docs/protocol.md §2.3.2: the low 32 bits of mig_td_cid are the remote CID. */
		err = vsock_connect_start(tv.v, &s->c, params->peer_cid & 0xFFFFFFFFu,
					  params->peer_port, tv_rx[i], TV_RX_RING);
		if (err == MIGTD_ERR_NOMEM)
			return MIGTD_ERR_AGAIN; /* every driver slot busy: retry */
		if (err)
			return MIGTD_ERR_NETWORK;
		s->used = true;
		s->closing = false;
		*handle = i;
		return MIGTD_OK;
	}
	return MIGTD_ERR_AGAIN;
}

/* The connect's outcome: OK once connected, AGAIN while waiting. */
static int connected(struct tv_stream *s)
{
	int err = vsock_poll(tv.v);

	if (err)
		return MIGTD_ERR_NETWORK;
	if (s->c.state == VSOCK_CONNECTING)
		return MIGTD_ERR_AGAIN;
	return MIGTD_OK;
}

static int st_send(void *ctx, uint32_t h, const void *buf, size_t len, size_t *sent)
{
	struct tv_stream *s = stream_get(h);
	int n;

	(void)ctx;
	if (!s)
		return MIGTD_ERR_STATE;
	n = connected(s);
	if (n != MIGTD_OK)
		return n;
	if (s->c.state != VSOCK_CONNECTED)
		return MIGTD_ERR_NETWORK; /* refused, reset or shut down */
	n = vsock_send(tv.v, &s->c, buf, len);
	if (n == MIGTD_ERR_AGAIN)
		return n;
	if (n <= 0)
		return MIGTD_ERR_NETWORK;
	*sent = (size_t)n;
	return MIGTD_OK;
}

static int st_recv(void *ctx, uint32_t h, void *buf, size_t cap, size_t *got)
{
	struct tv_stream *s = stream_get(h);
	int n;

	(void)ctx;
	if (!s)
		return MIGTD_ERR_STATE;
	n = connected(s);
	if (n != MIGTD_OK)
		return n;
	if (s->c.state == VSOCK_REFUSED)
		return MIGTD_ERR_NETWORK;
	n = vsock_recv(tv.v, &s->c, buf, cap);
	if (n > 0) {
		*got = (size_t)n;
		return MIGTD_OK;
	}
	if (n == 0) {
		*got = 0; /* the peer shut down: end of stream */
		return MIGTD_OK;
	}
	return n == MIGTD_ERR_AGAIN ? n : MIGTD_ERR_NETWORK;
}

/*
 * docs/protocol.md §4.1 shutdown: SHUTDOWN(3), wait for the peer's RST (answered by the
 * driver). Upstream waits without limit; we give the peer TV_CLOSE_WAIT_MS,
 * then RST ourselves -- the MSK exchange is complete by then.
 */
static int st_close(void *ctx, uint32_t h)
{
	struct tv_stream *s;
	int err;

	(void)ctx;
	if (h >= TV_STREAMS || !tv.s[h].used)
		return MIGTD_ERR_STATE;
	s = &tv.s[h];
	if (!s->closing) {
		if (s->c.state != VSOCK_CONNECTED) {
			stream_free(s); /* never connected, refused or reset */
			return MIGTD_OK;
		}
		err = vsock_shutdown(tv.v, &s->c);
		s->closing = true;
		s->close_deadline = fw_ticks() + TV_CLOSE_WAIT_MS;
		if (err) {
			stream_free(s);
			return MIGTD_ERR_NETWORK;
		}
	}
	s->close_polled = fw_ticks();
	if (vsock_poll(tv.v) == MIGTD_OK && s->c.state == VSOCK_CLOSING &&
	    fw_ticks() <= s->close_deadline)
		return MIGTD_ERR_AGAIN;
	stream_free(s);
	return MIGTD_OK;
}

static const struct migtd_stream_ops tv_ops = {
	.open = st_open,
	.send = st_send,
	.recv = st_recv,
	.close = st_close,
};

static void tv_between_polls(void)
{
	(void)vsock_poll(tv.v);
}

const struct fw_transport fw_transport = {
	.name = "virtio-vsock",
	.require_socket_info = true,
	.start = tv_start,
	.stream_ops = &tv_ops,
	.stream_ctx = &tv,
	.between_polls = tv_between_polls,
};
