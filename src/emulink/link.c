/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * link.c -- frame codec of the emulated platform link (see emu_link.h).
 * Shared by the MigTD side (platform/emu, also built freestanding for the
 * firmware) and the emulated host; both parse only through wire_reader.
 */
#include "emu_link.h"

#include "migtd/wire.h"

int emu_link_parse(const uint8_t *buf, size_t len, struct emu_link_frame *frame, size_t *used)
{
	struct wire_reader r;
	uint32_t magic, plen;
	uint16_t version, op;
	uint32_t seq;

	if (len < EMU_LINK_HDR_LEN)
		return MIGTD_ERR_AGAIN;
	migtd_wire_reader_init(&r, buf, len);
	migtd_wire_read_u32(&r, &magic);
	migtd_wire_read_u16(&r, &version);
	migtd_wire_read_u16(&r, &op);
	migtd_wire_read_u32(&r, &seq);
	migtd_wire_read_u32(&r, &plen);
	if (migtd_wire_error(&r))
		return migtd_wire_error(&r);
	if (magic != EMU_LINK_MAGIC || version != EMU_LINK_VERSION)
		return MIGTD_ERR_INVALID;
	if (plen > EMU_LINK_MAX_PAYLOAD)
		return MIGTD_ERR_LENGTH;
	if (migtd_wire_remaining(&r) < plen)
		return MIGTD_ERR_AGAIN;
	frame->op = op;
	frame->seq = seq;
	frame->len = plen;
	frame->payload = buf + EMU_LINK_HDR_LEN;
	*used = EMU_LINK_HDR_LEN + (size_t)plen;
	return MIGTD_OK;
}

int emu_link_header(uint8_t hdr[EMU_LINK_HDR_LEN], uint16_t op, uint32_t seq, size_t len)
{
	struct wire_writer w;

	if (len > EMU_LINK_MAX_PAYLOAD)
		return MIGTD_ERR_LENGTH;
	migtd_wire_writer_init(&w, hdr, EMU_LINK_HDR_LEN);
	migtd_wire_write_u32(&w, EMU_LINK_MAGIC);
	migtd_wire_write_u16(&w, EMU_LINK_VERSION);
	migtd_wire_write_u16(&w, op);
	migtd_wire_write_u32(&w, seq);
	migtd_wire_write_u32(&w, (uint32_t)len);
	return migtd_wire_writer_error(&w);
}

int emu_link_op_known(uint16_t op)
{
	return op >= EMU_LINK_MR_REPORT && op <= EMU_LINK_LOG_PAGE;
}

const char *emu_link_op_name(uint16_t op)
{
	switch (op & (uint16_t)~EMU_LINK_RESPONSE) {
	case EMU_LINK_MR_REPORT: return "MR_REPORT";
	case EMU_LINK_RTMR_EXTEND: return "RTMR_EXTEND";
	case EMU_LINK_SERVTD_RD: return "SERVTD_RD";
	case EMU_LINK_SERVTD_WR: return "SERVTD_WR";
	case EMU_LINK_SYS_RD: return "SYS_RD";
	case EMU_LINK_SERVICE: return "SERVICE";
	case EMU_LINK_GET_QUOTE: return "GET_QUOTE";
	case EMU_LINK_MIGTD_RAW: return "MIGTD_RAW";
	case EMU_LINK_LOG_PAGE: return "LOG_PAGE";
	case EMU_LINK_ERROR: return "ERROR";
	default: return "unknown";
	}
}
