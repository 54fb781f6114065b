/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * tr_serial_link.c -- the platform link over virtio-serial (see the header).
 * Blocking reads and writes are bounded (LINK_WAIT_MS), as the Linux
 * program's socket reads are.
 */
#include "../fw.h"
#include "../virtio.h"
#include "fw_link_io.h"
#include "tr_serial_link.h"

#include "migtd/err.h"

#define LINK_WAIT_MS 30000u
#define LINK_OPEN_POLLS 2000u

struct sl {
	struct vser *ser;
	uint32_t port;
};

static struct sl sl;

static int link_send(void *ctx, const void *buf, size_t len)
{
	struct sl *l = ctx;

	return vser_send(l->ser, l->port, buf, len);
}

static int link_recv(void *ctx, void *buf, size_t cap)
{
	struct sl *l = ctx;

	return vser_recv(l->ser, l->port, buf, cap);
}

/* The host closed the port: nothing more will come. */
static bool link_closed(void *ctx)
{
	struct sl *l = ctx;

	return !l->ser->port[l->port].host_open;
}

static int link_write_all(void *ctx, const void *buf, size_t len)
{
	return fw_link_write_all(ctx, link_send, fw_vser_relax, LINK_WAIT_MS, buf, len);
}

static int link_read(void *ctx, void *buf, size_t cap, size_t *got, bool wait)
{
	return fw_link_read(ctx, link_recv, link_closed, fw_vser_relax, LINK_WAIT_MS, buf, cap, got,
			    wait);
}

int tr_serial_link_open(struct vser *ser, struct emu_link_io *link)
{
	int port = vser_open(ser, TR_SERIAL_LINK_PORT, LINK_OPEN_POLLS);

	if (port < 0) {
		fw_printf("migtd: no port \"%s\": nothing to serve\n", TR_SERIAL_LINK_PORT);
		return MIGTD_ERR_UNSUPPORTED;
	}
	sl.ser = ser;
	sl.port = (uint32_t)port;
	link->ctx = &sl;
	link->write_all = link_write_all;
	link->read = link_read;
	return MIGTD_OK;
}
