/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * tr_vmcall_raw.c -- the vmcall-raw image (make image PROFILE=vmcall-raw,
 * docs/vmcall-raw.md): no stream device at all. Requests, status and the
 * MigTD<->MigTD bytes are TDG.VP.VMCALL<MigTD> calls: in a TD the TDX
 * backend makes them (its shared page pool is the DMA region, which no
 * virtio device uses in this image); in a plain VM they travel as MIGTD_RAW
 * frames over the emulated platform link on the virtio-serial port
 * "migtd.link", to migtd-vmm.
 */
#include "../fw.h"
#include "../virtio.h"
#include "fw_transport.h"
#include "tr_serial_link.h"

#include "migtd/err.h"
#include "migtd/rawstream.h"

/* Upstream serves at most 12 requests at once (docs/protocol.md §1.4); each raw
 * stream slot carries a 16-page Receive buffer. */
#define TR_RAW_SESSIONS 12u

static struct vser *ser;
static struct migtd_rawstream slots[TR_RAW_SESSIONS];
static struct migtd_rawstreams rs;

FW_BUILD_INFO("vmcall-raw");

static int tr_start(struct emu_link_io *link)
{
	if (!link)
		return MIGTD_OK; /* a TD: TDVMCALL 0x10006, nothing to find */
	ser = fw_vser_setup();
	if (!ser)
		return MIGTD_ERR_UNSUPPORTED;
	return tr_serial_link_open(ser, link);
}

static void tr_bind(struct migtd_platform *plat, struct migtd_config *cfg)
{
	migtd_rawstreams_init(&rs, plat, slots, TR_RAW_SESSIONS);
	plat->stream_ops = &migtd_rawstream_ops;
	plat->stream_ctx = &rs;
	cfg->profile = MIGTD_PROFILE_VMCALL_RAW;
	cfg->max_sessions = TR_RAW_SESSIONS;
}

static void tr_between_polls(void)
{
	if (ser)
		(void)vser_poll(ser);
}

const struct fw_transport fw_transport = {
	.name = "vmcall-raw",
	.require_socket_info = false,
	.start = tr_start,
	.stream_ops = NULL, /* tr_bind: the raw stream over the platform */
	.stream_ctx = NULL,
	.between_polls = tr_between_polls,
	.bind = tr_bind,
};
