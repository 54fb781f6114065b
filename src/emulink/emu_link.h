/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * emu_link.h -- the platform link of the emulated TDX platform.
 *
 * A MigTD on the emulated platform (a Linux process, or the firmware in a
 * plain VM) reaches "the platform" -- TDX module, VMM, quoting service --
 * through one framed byte stream: a Unix socket for the process, a
 * virtio-serial port for the firmware. Each platform operation becomes one
 * request frame; the emulated host answers with one response frame carrying
 * the same sequence number. Where a GHCI buffer exists (Service
 * command/response, GetQuote) it travels in its real byte layout, so the
 * emulated VMM parses exactly what a real VMM would.
 *
 * Frame (little-endian), EMU_LINK_HDR_LEN bytes of header then payload:
 *   u32 magic "MLNK" | u16 version (1) | u16 op | u32 seq | u32 payload_len
 * Responses use op | EMU_LINK_RESPONSE. A request the host cannot take gets
 * an EMU_LINK_ERROR response: u32 enum migtd_err, then a short reason.
 *
 * Payloads (requests -> responses), all integers u64 unless noted:
 *   MR_REPORT    report_data[64]                 -> tdx_status, tdreport[1024]
 *   RTMR_EXTEND  u32 index, digest[48]           -> tdx_status
 *   SERVTD_RD    handle, uuid[4], field          -> tdx_status, value
 *   SERVTD_WR    handle, uuid[4], field, value, mask -> tdx_status, old value
 *   SYS_RD       field                           -> tdx_status, value
 *   SERVICE      wait_ms, u32 rsp_cap, command buffer -> vmcall_status, response buffer
 *   GET_QUOTE    GetQuote buffer (header + QGS message) -> vmcall_status, buffer
   MIGTD_RAW    u32 leaf, u32 cap, u64 R13 (request id), u64 R14 (status word),
                the GHCI 1.5 data buffer as built (docs/vmcall-raw.md)
                                                 -> vmcall_status, buffer[cap]
   LOG_PAGE     u32 vcpu, page[4096]: the vmcall-raw log area page of a vCPU
                after a change (the shared page a VMM would read); no answer
 * SERVICE, GET_QUOTE and MIGTD_RAW complete asynchronously (the host may
 * answer other requests first; a MIGTD_RAW answer is the completion
 * interrupt); the others are answered in order.
 */
#ifndef MIGTD_EMU_LINK_H
#define MIGTD_EMU_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migtd/err.h"

#define EMU_LINK_MAGIC 0x4b4e4c4du /* "MLNK" */
#define EMU_LINK_VERSION 1
#define EMU_LINK_HDR_LEN 16
/* Largest payload: a GetQuote buffer of 32 pages (docs/protocol.md §2.6) plus headroom. */
#define EMU_LINK_MAX_PAYLOAD (32u * 4096u + 64u)
#define EMU_LINK_FRAME_MAX (EMU_LINK_HDR_LEN + EMU_LINK_MAX_PAYLOAD)
#define EMU_LINK_RESPONSE 0x8000u
/* MIGTD_RAW request header before the buffer; LOG_PAGE payload. */
#define EMU_LINK_RAW_HDR_LEN 24u
#define EMU_LINK_LOG_PAGE_LEN (4u + 4096u)

enum emu_link_op {
	EMU_LINK_MR_REPORT = 1,
	EMU_LINK_RTMR_EXTEND = 2,
	EMU_LINK_SERVTD_RD = 3,
	EMU_LINK_SERVTD_WR = 4,
	EMU_LINK_SYS_RD = 5,
	EMU_LINK_SERVICE = 6,
	EMU_LINK_GET_QUOTE = 7,
	EMU_LINK_MIGTD_RAW = 8,
	EMU_LINK_LOG_PAGE = 9,
	EMU_LINK_ERROR = 0x7fff,
};

/* The byte channel a MigTD reaches its emulated host through (a Unix socket
 * for the Linux program, a virtio-serial port for the firmware), with the
 * clock that goes with it (the TSC on TDX). Randomness is no part of the link:
 * each binary links one mbedtls_psa_external_get_random (docs/layout.md). */
struct emu_link_io {
	void *ctx;
	/* Send all len bytes or fail (MIGTD_ERR_NETWORK). */
	int (*write_all)(void *ctx, const void *buf, size_t len);
	/* Receive 1..cap bytes. With wait = false: MIGTD_ERR_AGAIN when nothing
	 * is there. With wait = true: block (bounded by the channel's own
	 * timeout, then MIGTD_ERR_TIMEOUT). A closed link is MIGTD_ERR_NETWORK. */
	int (*read)(void *ctx, void *buf, size_t cap, size_t *got, bool wait);
	uint64_t (*now_ms)(void *ctx);
};

struct emu_link_frame {
	uint16_t op;
	uint32_t seq;
	const uint8_t *payload; /* points into the parsed buffer */
	uint32_t len;
};

/*
 * Try to take one frame from the front of buf[0..len). Returns MIGTD_OK
 * with *frame and *used (header + payload) set; MIGTD_ERR_AGAIN if more
 * bytes are needed; MIGTD_ERR_INVALID (bad magic/version), MIGTD_ERR_LENGTH
 * (payload over EMU_LINK_MAX_PAYLOAD) for a stream that cannot be resynced
 * -- the caller drops the link.
 */
int emu_link_parse(const uint8_t *buf, size_t len, struct emu_link_frame *frame, size_t *used);

/* Write a frame header for a payload of len bytes into hdr. */
int emu_link_header(uint8_t hdr[EMU_LINK_HDR_LEN], uint16_t op, uint32_t seq, size_t len);

/* True if op is a request the host knows. */
int emu_link_op_known(uint16_t op);
const char *emu_link_op_name(uint16_t op);

#endif /* MIGTD_EMU_LINK_H */
