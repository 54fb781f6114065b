/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * emu_tdx.h -- the emulated TDX module of one emulated platform.
 *
 * Hosted only (src/emuhost/): it holds what the real TDX module holds and the
 * MigTD can never see directly -- the REPORTMAC key, each MigTD's TDINFO
 * and RTMRs, and per bound user TD the migration keys -- and implements the
 * leaves MigTD uses with their real semantics: TDG.MR.REPORT (docs/protocol.md §3.2
 * layout, MAC'd), TDG.MR.RTMR.EXTEND (SHA-384 chaining), TDG.SERVTD.RD/WR
 * with the binding handle + target TD UUID checks and per-field access
 * rights (§3.1), TDG.SYS.RD of the migration version ranges.
 *
 * Leaf results are TDX status words as the real module returns them in RAX
 * (TDX_SUCCESS, or a class in the high 32 bits; see tdx_abi.h). The exact
 * low-order detail codes of the real module are not public in the material
 * we have: ours put the number of the offending operand register there
 * (RCX = 1, RDX = 2, R10 = 10) -- only the class is meant to be relied on.
 */
#ifndef MIGTD_EMU_TDX_H
#define MIGTD_EMU_TDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu_pki.h"
#include "migtd/platform.h"
#include "migtd/quote.h"
#include "migtd/tdreport.h"

#define EMU_TDX_MAX_USER_TDS 256

#define EMU_TDX_OPERAND_RCX 1
#define EMU_TDX_OPERAND_RDX 2
#define EMU_TDX_OPERAND_R10 10
#define EMU_TDX_OPERAND_INVALID(op) (((uint64_t)TDX_CLASS_OPERAND_INVALID << 32) | (op))

/* A user TD bound to the MigTD: what its TDCS holds for migration. */
struct emu_user_td {
	bool in_use;
	struct migtd_servtd_binding binding; /* binding handle + TD UUID */
	uint8_t mig_enc_key[32];             /* random, readable by the MigTD */
	uint8_t mig_dec_key[32];             /* written by the MigTD */
	uint8_t dec_key_written;             /* bit i: word i written */
	uint16_t mig_version;
	bool mig_version_written;
	uint64_t servtd_attr;
};

/* One MigTD (the service TD) on this platform. */
struct emu_servtd {
	struct tdinfo_struct info; /* ATTRIBUTES, XFAM, MRTD, ..., RTMR0..3 */
};

struct emu_tdx_module {
	uint8_t report_mac_key[32];
	uint8_t cpusvn[16];
	struct tee_tcb_info tee_tcb_info; /* TEE_TCB_SVN, MRSEAM, ... of this module */
	uint16_t min_export_version, max_export_version;
	uint16_t min_import_version, max_import_version;
	struct emu_servtd servtd;
	struct emu_user_td user_tds[EMU_TDX_MAX_USER_TDS];
};

/* Set up the module of the platform described by pki (MAC key, SVNs), with
 * migration versions [0, 0] both ways until the caller sets others. */
void emu_tdx_init(struct emu_tdx_module *m, const struct emu_pki *pki);
void emu_tdx_wipe(struct emu_tdx_module *m);

/* "Launch" the MigTD: reset its TDINFO with MRTD = the given measurement. */
void emu_tdx_launch_servtd(struct emu_tdx_module *m, const uint8_t mrtd[48]);

/*
 * The MigTD's MROWNER and MROWNERCONFIG, which a host chooses when it
 * creates the TD (TDH.MNG.INIT) and the TDX module then reports in every
 * TDREPORT. A policy v2 MigTD checks them against its policy at boot
 * (docs/protocol.md §7.7.6). Call after emu_tdx_launch_servtd.
 */
void emu_tdx_set_servtd_owner(struct emu_tdx_module *m, const uint8_t mrowner[48],
			      const uint8_t mrownerconfig[48]);

/* Create a user TD bound to the MigTD: random binding handle, TD UUID and
 * MIG_ENC_KEY. Returns NULL when the table is full. */
struct emu_user_td *emu_tdx_bind_user_td(struct emu_tdx_module *m);
/* The user TD is gone (migrated or destroyed): wipe its keys, free the slot. */
void emu_tdx_unbind_user_td(struct emu_user_td *td);
struct emu_user_td *emu_tdx_find_user_td(struct emu_tdx_module *m,
					 const struct migtd_servtd_binding *b);

/* The leaves (TDX status words). */
uint64_t emu_tdx_mr_report(const struct emu_tdx_module *m, const uint8_t report_data[64],
			   uint8_t tdreport[TDREPORT_STRUCT_SIZE]);
uint64_t emu_tdx_rtmr_extend(struct emu_tdx_module *m, uint64_t index, const uint8_t digest[48]);
uint64_t emu_tdx_servtd_rd(struct emu_tdx_module *m, const struct migtd_servtd_binding *b,
			   uint64_t field, uint64_t *value);
uint64_t emu_tdx_servtd_wr(struct emu_tdx_module *m, const struct migtd_servtd_binding *b,
			   uint64_t field, uint64_t value, uint64_t mask, uint64_t *old);
uint64_t emu_tdx_sys_rd(const struct emu_tdx_module *m, uint64_t field, uint64_t *value);

/* The quoting side's check of a TDREPORT: MAC by this platform's key and
 * the §3.2 hash bindings. MIGTD_OK or MIGTD_ERR_INVALID. */
int emu_tdx_verify_report(const struct emu_tdx_module *m,
			  const uint8_t tdreport[TDREPORT_STRUCT_SIZE]);

/* The quote's 584-byte TD report body from a verified TDREPORT (docs/protocol.md §8.2). */
void emu_tdx_report_to_quote_body(const struct tdreport_struct *rep,
				  uint8_t body[MIGTD_QUOTE_TD10_BODY_SIZE]);

#endif /* MIGTD_EMU_TDX_H */
