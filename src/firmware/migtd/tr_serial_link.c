/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * tr_serial_link.c -- the platform link over virtio-serial (see the header).
 * Blocking reads and writes are bounded (LINK_WAIT_MS), as the Linux
 * program's socket reads are.
 */
#include "../fw.h"
#include "../virtio.h"
#include "tr_serial_link.h"

#include "migtd/err.h"

#define LINK_WAIT_MS 30000u
#define LINK_OPEN_POLLS 2000u

struct sl {
	struct vser *ser;
	uint32_t port;
};

static struct sl sl;

static int link_write_all(void *ctx, const void *buf, size_t len)
{
	struct sl *l = ctx;
	const uint8_t *p = buf;
	uint64_t end = fw_ticks() + LINK_WAIT_MS;

	while (len) {
		int n = vser_send(l->ser, l->port, p, len);

		if (n == MIGTD_ERR_AGAIN) {
			if (fw_ticks() > end)
				return MIGTD_ERR_NETWORK;
			fw_vser_relax();
			continue;
		}
		if (n <= 0)
			return MIGTD_ERR_NETWORK;
		p += n;
		len -= (size_t)n;
	}
	return MIGTD_OK;
}

static int link_read(void *ctx, void *buf, size_t cap, size_t *got, bool wait)
{
	struct sl *l = ctx;
	uint64_t end = fw_ticks() + LINK_WAIT_MS;

	for (;;) {
		int n = vser_recv(l->ser, l->port, buf, cap);

		if (n > 0) {
			*got = (size_t)n;
			return MIGTD_OK;
		}
		if (n != MIGTD_ERR_AGAIN)
			return MIGTD_ERR_NETWORK;
		if (!l->ser->port[l->port].host_open)
			return MIGTD_ERR_NETWORK; /* the host went away */
		if (!wait)
			return MIGTD_ERR_AGAIN;
		if (fw_ticks() > end)
			return MIGTD_ERR_TIMEOUT;
		fw_vser_relax();
	}
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
