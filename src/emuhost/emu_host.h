/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * emu_host.h -- the host side of the emulated TDX platform: what sits
 * behind the platform link of one MigTD (hosted only, src/emuhost/).
 *
 * A struct emu_host_platform is one emulated machine: its attestation PKI
 * (emu_pki.h), its TDX module (emu_tdx.h), a quote generation service that
 * turns MAC-checked TDREPORTs into quotes and answers collateral requests,
 * and a hook for the VMM's TDG.VP.VMCALL<Service> handling (the migration
 * request queue lives with the VMM, in migtd-vmm). A struct emu_link_conn
 * is the link to one MigTD: feed it bytes as they arrive on the socket.
 */
#ifndef MIGTD_EMU_HOST_H
#define MIGTD_EMU_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu_link.h"
#include "emu_pki.h"
#include "emu_tdx.h"

struct emu_link_conn;

/*
 * The VMM's answer to a Service call: called for each SERVICE request with
 * the command buffer (the MigTD's private copy, real GHCI layout). The VMM
 * answers now or later with emu_link_reply_service() using the same seq.
 */
typedef void (*emu_service_fn)(void *ctx, struct emu_link_conn *conn, uint32_t seq,
			       const uint8_t *cmd, size_t cmd_len, size_t rsp_cap);

/*
 * The VMM's side of TDG.VP.VMCALL<MigTD> (vmcall-raw, docs/vmcall-raw.md): called
 * for each MIGTD_RAW request with the leaf, the buffer length the MigTD gave
 * (cap), R13, R14 and the len bytes of the buffer it built. The VMM
 * completes it now or later with emu_link_reply_raw() (cap bytes).
 */
typedef void (*emu_raw_fn)(void *ctx, struct emu_link_conn *conn, uint32_t seq, uint32_t leaf,
			   size_t cap, uint64_t r13, uint64_t r14, const uint8_t *buf, size_t len);
/* A vmcall-raw log area page of vCPU vcpu changed (4096 bytes). */
typedef void (*emu_log_page_fn)(void *ctx, uint32_t vcpu, const uint8_t *page);

/* One platform's public collateral, as a PCCS would hand it out. */
struct emu_collateral {
	uint8_t fmspc[6];
	/* GET_COLLATERAL_RESP order, text ones NUL-terminated. */
	uint8_t *blob[7];
	size_t len[7];
};

/* Load DIR's collateral (platform.conf, the signed JSON, chains, CRLs). */
int emu_collateral_load(struct emu_collateral *c, const char *dir, char *msg, size_t msglen);
void emu_collateral_free(struct emu_collateral *c);

#define EMU_PCS_MAX 8

struct emu_host_platform {
	struct emu_pki pki;
	struct emu_tdx_module tdx;
	struct emu_collateral own;
	/* Other platforms' collateral this QGS also serves: the stand-in for a
	 * PCCS that caches Intel PCS for every FMSPC (not owned). */
	const struct emu_collateral *pcs[EMU_PCS_MAX];
	unsigned pcs_n;
	bool collateral_error;     /* answer every GET_COLLATERAL with a QGS error */
	emu_service_fn on_service; /* NULL: every Service call fails (unsupported) */
	void *service_ctx;
	emu_raw_fn on_raw;           /* NULL: every MIGTD_RAW call fails (unsupported) */
	emu_log_page_fn on_log_page; /* NULL: log pages are dropped */
	unsigned long quotes_issued;
	unsigned long collateral_requests;
};

int emu_host_platform_load(struct emu_host_platform *h, const char *pki_dir, char *msg,
			   size_t msglen);
void emu_host_platform_free(struct emu_host_platform *h);

/*
 * The QGS: answer a GetQuote buffer in place (docs/protocol.md §2.6). buf holds len
 * bytes of the TD's buffer; the response is written into buf (cap bytes).
 * Returns the GHCI status word it set (0 on success).
 */
uint64_t emu_qgs_handle(struct emu_host_platform *h, uint8_t *buf, size_t len, size_t cap);

struct emu_link_conn {
	int fd;
	struct emu_host_platform *host;
	bool dead;
	char why[160];        /* why the link was dropped */
	unsigned long frames; /* requests handled */
	size_t rx_len;
	uint8_t rx[EMU_LINK_FRAME_MAX];
	uint8_t tx[EMU_LINK_FRAME_MAX];
};

void emu_link_conn_init(struct emu_link_conn *c, int fd, struct emu_host_platform *host);

/*
 * Read what the socket has and handle every complete request. Returns
 * MIGTD_OK, or an error once the link is unusable (peer closed, or a frame
 * that cannot be resynchronised): c->why says which; close the socket.
 * A request that is merely wrong (unknown op, wrong payload length) gets an
 * EMU_LINK_ERROR answer and the link goes on.
 */
int emu_link_conn_on_readable(struct emu_link_conn *c);

/* Answer a pending SERVICE request. */
int emu_link_reply_service(struct emu_link_conn *c, uint32_t seq, uint64_t vmcall_status,
			   const uint8_t *rsp, size_t rsp_len);

/* Complete a pending MIGTD_RAW request: buf holds the whole shared buffer
 * (cap bytes, as the request gave it). */
int emu_link_reply_raw(struct emu_link_conn *c, uint32_t seq, uint64_t vmcall_status,
		       const uint8_t *buf, size_t cap);

/* Send an EMU_LINK_ERROR answer for seq. */
int emu_link_reply_error(struct emu_link_conn *c, uint32_t seq, int err, const char *reason);

#endif /* MIGTD_EMU_HOST_H */
