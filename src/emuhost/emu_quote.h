/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * emu_quote.h -- the emulated quote generation service's quote builder.
 *
 * Produces a TDX quote v4 in the exact layout of docs/protocol.md §8.1-§8.3 (and of
 * the real production quote in vectors/go-tdx-guest): 48-byte header,
 * 584-byte TD report body, ECDSA-P256 signature by the attestation key over
 * header||body, the attestation key, and certification data type 6 (QE
 * report, its PCK signature, QE auth data) wrapping type 5 (PEM PCK chain).
 */
#ifndef MIGTD_EMU_QUOTE_H
#define MIGTD_EMU_QUOTE_H

#include <stddef.h>
#include <stdint.h>

#include "emu_pki.h"
#include "migtd/quote.h"

#define EMU_QUOTE_MAX                                                         \
	(MIGTD_QUOTE_HEADER_SIZE + MIGTD_QUOTE_TD10_BODY_SIZE + 4 + 128 + 6 + \
	 MIGTD_QUOTE_SGX_REPORT_SIZE + 64 + 2 + EMU_QE_AUTH_DATA_LEN + 6 + EMU_PKI_CHAIN_MAX)

/* The 16 raw bytes of Intel's QE vendor id (docs/protocol.md §8.1). */
extern const uint8_t emu_quote_intel_qe_vendor_id[16];

int emu_quote_build(const struct emu_pki *pki, const uint8_t body[MIGTD_QUOTE_TD10_BODY_SIZE],
		    uint8_t *out, size_t cap, size_t *len);

#endif /* MIGTD_EMU_QUOTE_H */
