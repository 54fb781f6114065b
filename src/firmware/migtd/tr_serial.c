/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * tr_serial.c -- the virtio-serial transport as upstream's `virtio-serial`
 * build has it (docs/protocol.md §4.3, docs/firmware-transports.md): the session stream
 * is virtio-serial port 1, unnamed, raw bytes with no header. One port is
 * one byte stream, so one session runs at a time (upstream has a single
 * stream too); the next session waits in open until the port is free.
 * Closing is local bookkeeping: the port stays open for the next session.
 *
 * A plain VM (emulated platform) also needs its platform link: that is a
 * separate, reserved port named "migtd.link" on the same device
 * (tr_serial_link.c); upstream's set-up has no such port and a TD never
 * opens it.
 */
#include "../fw.h"
#include "../virtio.h"
#include "fw_transport.h"
#include "tr_serial_link.h"

#include "migtd/err.h"

#define TS_PORT 1u /* docs/protocol.md §4.3: MigTD uses port 1 */
#define TS_HANDLE 1u

struct ts {
	struct vser *ser;
	bool busy;
};

static struct ts ts;

FW_BUILD_INFO("virtio-serial");

static int ts_start(struct emu_link_io *link)
{
	ts.ser = fw_vser_setup();
	if (!ts.ser)
		return MIGTD_ERR_UNSUPPORTED;
	if (ts.ser->nports <= TS_PORT) {
		fw_printf("migtd: the virtio-serial device has no port %u\n", TS_PORT);
		return MIGTD_ERR_UNSUPPORTED;
	}
	return link ? tr_serial_link_open(ts.ser, link) : MIGTD_OK;
}

/* Port 1 is usable once the device added it and its host side is connected. */
static int ts_ready(void)
{
	const struct vser_port *pt = &ts.ser->port[TS_PORT];
	int err;

	if (vser_poll(ts.ser) != MIGTD_OK)
		return MIGTD_ERR_NETWORK;
	if (!pt->added || !pt->host_open)
		return MIGTD_ERR_AGAIN;
	err = vser_open_id(ts.ser, TS_PORT);
	return err == MIGTD_OK || err == MIGTD_ERR_AGAIN ? err : MIGTD_ERR_NETWORK;
}

static int st_open(void *ctx, const struct migtd_stream_params *params, uint32_t *handle)
{
	(void)ctx;
	(void)params; /* upstream's serial stream has no address */
	if (ts.busy)
		return MIGTD_ERR_AGAIN;
	ts.busy = true;
	*handle = TS_HANDLE;
	return MIGTD_OK;
}

static int st_send(void *ctx, uint32_t h, const void *buf, size_t len, size_t *sent)
{
	int n;

	(void)ctx;
	if (h != TS_HANDLE || !ts.busy)
		return MIGTD_ERR_STATE;
	n = ts_ready();
	if (n != MIGTD_OK)
		return n;
	n = vser_send(ts.ser, TS_PORT, buf, len);
	if (n == MIGTD_ERR_AGAIN)
		return n;
	if (n <= 0)
		return MIGTD_ERR_NETWORK;
	*sent = (size_t)n;
	return MIGTD_OK;
}

static int st_recv(void *ctx, uint32_t h, void *buf, size_t cap, size_t *got)
{
	int n;

	(void)ctx;
	if (h != TS_HANDLE || !ts.busy)
		return MIGTD_ERR_STATE;
	n = ts_ready();
	if (n == MIGTD_OK || ts.ser->port[TS_PORT].guest_open) {
		int r = vser_recv(ts.ser, TS_PORT, buf, cap);

		if (r > 0) {
			*got = (size_t)r;
			return MIGTD_OK;
		}
		if (r != MIGTD_ERR_AGAIN)
			return MIGTD_ERR_NETWORK;
		if (ts.ser->port[TS_PORT].guest_open && !ts.ser->port[TS_PORT].host_open) {
			*got = 0; /* the host side went away: end of stream */
			return MIGTD_OK;
		}
		return MIGTD_ERR_AGAIN;
	}
	return n;
}

/* Local bookkeeping (docs/protocol.md §4.3), once the device took what we queued. */
static int st_close(void *ctx, uint32_t h)
{
	(void)ctx;
	if (h != TS_HANDLE || !ts.busy)
		return MIGTD_ERR_STATE;
	if (vser_poll(ts.ser) == MIGTD_OK && ts.ser->port[TS_PORT].host_open &&
	    !vser_tx_idle(ts.ser, TS_PORT))
		return MIGTD_ERR_AGAIN;
	ts.busy = false;
	return MIGTD_OK;
}

static const struct migtd_stream_ops ts_ops = {
	.open = st_open,
	.send = st_send,
	.recv = st_recv,
	.close = st_close,
};

/* Recover a PORT_OPEN the device dropped (vser_resync), every 500 ms. */
static void ts_between_polls(void)
{
	static uint64_t resync_at;

	(void)vser_poll(ts.ser);
	if (fw_ticks() >= resync_at) {
		vser_resync(ts.ser);
		resync_at = fw_ticks() + 500;
	}
}

const struct fw_transport fw_transport = {
	.name = "virtio-serial",
	.require_socket_info = false,
	.start = ts_start,
	.stream_ops = &ts_ops,
	.stream_ctx = &ts,
	.between_polls = ts_between_polls,
};
