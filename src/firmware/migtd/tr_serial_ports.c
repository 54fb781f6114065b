/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * tr_serial_ports.c -- TRANSPORT=virtio-serial-ports, a test transport of
 * this project (not upstream's): one named virtio-serial port per
 * concurrent session, "migtd.stream.N", each opened with the 16-byte uvsock
 * hello ("MVSK" | u32 port | u64 cid, src/transport/uvsock/uvsock.h) and then raw TLS, so
 * migtd-vmm relays it exactly like a Linux migtd's Unix-socket stream. The
 * platform link is the port "migtd.link" (tr_serial_link.c).
 * docs/firmware-transports.md says when to use which transport.
 *
 * A stream port is one host connection at a time (a QEMU chardev). The VMM
 * ends a session's connection after its ReportStatus and connects again;
 * the driver counts host connects (vser_port.host_gen), and a port is free
 * for a new session only once its connection is newer than the one the
 * last session used. A connection the host ends while a session still
 * reads from it is that session's end of stream.
 */
#include "../fw.h"
#include "../virtio.h"
#include "fw_transport.h"
#include "tr_serial_link.h"

#include <string.h>

#include "migtd/err.h"
#include "uvsock.h"
#include "migtd/wire.h"

#define STREAM_PREFIX "migtd.stream."
/* How often ports seen closed are asked about again (vser_resync). */
#define RESYNC_MS 500u

struct fw_stream {
	bool used;
	uint32_t port;
	uint32_t gen; /* host connection the session uses */
	uint8_t hello[UVSOCK_HELLO_LEN];
	size_t hello_sent;
};

struct fw_ports {
	struct vser *ser;
	/* Per virtio-serial port: the host connection the last session used
	 * (a port is free once host_gen moved past it). */
	uint32_t used_gen[VSER_MAX_PORTS];
	struct fw_stream streams[VSER_MAX_PORTS];
};

static struct fw_ports fm;

FW_BUILD_INFO("virtio-serial-ports");

static bool name_is_stream(const char *name)
{
	return strncmp(name, STREAM_PREFIX, sizeof(STREAM_PREFIX) - 1) == 0 &&
	       name[sizeof(STREAM_PREFIX) - 1] != '\0';
}

static void find_ports(struct fw_ports *m)
{
	unsigned int n = 0;

	/* vser_open of the link saw the first names; give the rest ~100 ms. */
	for (unsigned int i = 0; i < 100; i++) {
		(void)vser_poll(m->ser);
		fw_vser_relax();
	}
	for (uint32_t p = 0; p < m->ser->nports; p++)
		if (m->ser->port[p].added && name_is_stream(m->ser->port[p].name))
			n++;
	fw_printf("migtd: %u stream ports (" STREAM_PREFIX "N)\n", n);
}

static int tp_start(struct emu_link_io *link)
{
	int err;

	fm.ser = fw_vser_setup();
	if (!fm.ser)
		return MIGTD_ERR_UNSUPPORTED;
	if (link) {
		err = tr_serial_link_open(fm.ser, link);
		if (err)
			return err;
	}
	find_ports(&fm);
	return MIGTD_OK;
}

static struct fw_stream *stream_get(struct fw_ports *m, uint32_t h)
{
	if (h >= VSER_MAX_PORTS || !m->streams[h].used)
		return NULL;
	return &m->streams[h];
}

/* The stream's connection is gone (the VMM ended it, or it was replaced). */
static bool stream_ended(struct fw_ports *m, const struct fw_stream *s)
{
	const struct vser_port *pt = &m->ser->port[s->port];

	return !pt->host_open || pt->host_gen != s->gen;
}

static int st_open(void *ctx, const struct migtd_stream_params *params, uint32_t *handle)
{
	struct fw_ports *m = ctx;
	int err = vser_poll(m->ser);

	if (err)
		return MIGTD_ERR_NETWORK;
	for (uint32_t p = 0; p < m->ser->nports; p++) {
		struct vser_port *pt = &m->ser->port[p];
		struct fw_stream *s = &m->streams[p];

		if (!pt->added || !name_is_stream(pt->name) || s->used || !pt->host_open ||
		    pt->host_gen == m->used_gen[p])
			continue;
		if (!pt->guest_open && vser_open(m->ser, pt->name, 0) != (int)p)
			continue;
		memset(s, 0, sizeof(*s));
		s->used = true;
		s->port = p;
		s->gen = pt->host_gen;
		m->used_gen[p] = pt->host_gen;
		migtd_wire_put_u32(s->hello, UVSOCK_MAGIC);
		migtd_wire_put_u32(s->hello + 4, params->peer_port);
		migtd_wire_put_u64(s->hello + 8, params->peer_cid & 0xffffffffu);
		*handle = p;
		return MIGTD_OK;
	}
	/* None free now: the core retries within its step timeout. */
	return MIGTD_ERR_AGAIN;
}

static int flush_hello(struct fw_ports *m, struct fw_stream *s)
{
	while (s->hello_sent < UVSOCK_HELLO_LEN) {
		int n = vser_send(m->ser, s->port, s->hello + s->hello_sent,
				  UVSOCK_HELLO_LEN - s->hello_sent);

		if (n == MIGTD_ERR_AGAIN)
			return n;
		if (n <= 0)
			return MIGTD_ERR_NETWORK;
		s->hello_sent += (size_t)n;
	}
	return MIGTD_OK;
}

static int st_send(void *ctx, uint32_t h, const void *buf, size_t len, size_t *sent)
{
	struct fw_ports *m = ctx;
	struct fw_stream *s = stream_get(m, h);
	int n;

	if (!s)
		return MIGTD_ERR_STATE;
	if (vser_poll(m->ser) != MIGTD_OK || stream_ended(m, s))
		return MIGTD_ERR_NETWORK;
	n = flush_hello(m, s);
	if (n != MIGTD_OK)
		return n;
	n = vser_send(m->ser, s->port, buf, len);
	if (n == MIGTD_ERR_AGAIN)
		return n;
	if (n <= 0)
		return MIGTD_ERR_NETWORK;
	*sent = (size_t)n;
	return MIGTD_OK;
}

static int st_recv(void *ctx, uint32_t h, void *buf, size_t cap, size_t *got)
{
	struct fw_ports *m = ctx;
	struct fw_stream *s = stream_get(m, h);
	int n;

	if (!s)
		return MIGTD_ERR_STATE;
	n = flush_hello(m, s);
	if (n == MIGTD_OK) {
		n = vser_recv(m->ser, s->port, buf, cap);
		if (n > 0) {
			/* Bytes that arrived before a connection ended are still
			 * the peer's: the driver drops old bytes only when a
			 * NEW connection starts. */
			*got = (size_t)n;
			return MIGTD_OK;
		}
	}
	if (n != MIGTD_ERR_AGAIN)
		return MIGTD_ERR_NETWORK;
	if (stream_ended(m, s)) {
		*got = 0; /* end of stream */
		return MIGTD_OK;
	}
	return MIGTD_ERR_AGAIN;
}

/* Done once the device has taken every byte we queued: the VMM reads them
 * before it sees our ReportStatus on the link. */
static int st_close(void *ctx, uint32_t h)
{
	struct fw_ports *m = ctx;
	struct fw_stream *s = stream_get(m, h);

	if (!s)
		return MIGTD_ERR_STATE;
	if (vser_poll(m->ser) != MIGTD_OK)
		return MIGTD_ERR_NETWORK;
	if (!stream_ended(m, s) && !vser_tx_idle(m->ser, s->port))
		return MIGTD_ERR_AGAIN;
	memset(s, 0, sizeof(*s));
	return MIGTD_OK;
}

static const struct migtd_stream_ops tp_ops = {
	.open = st_open,
	.send = st_send,
	.recv = st_recv,
	.close = st_close,
};

static void tp_between_polls(void)
{
	static uint64_t resync_at;

	if (fw_ticks() >= resync_at) {
		vser_resync(fm.ser);
		resync_at = fw_ticks() + RESYNC_MS;
	}
}

const struct fw_transport fw_transport = {
	.name = "virtio-serial-ports",
	.require_socket_info = true,
	.start = tp_start,
	.stream_ops = &tp_ops,
	.stream_ctx = &fm,
	.between_polls = tp_between_polls,
};
