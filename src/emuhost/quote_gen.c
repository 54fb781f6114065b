/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * quote_gen.c -- build TDX quotes v4 for the emulated platform
 * (see emu_quote.h).
 */
#include "emu_quote.h"

#include <string.h>

#include "migtd/err.h"
#include "migtd/wire.h"

const uint8_t emu_quote_intel_qe_vendor_id[16] = { 0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
						   0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07 };

int emu_quote_build(const struct emu_pki *pki, const uint8_t body[MIGTD_QUOTE_TD10_BODY_SIZE],
		    uint8_t *out, size_t cap, size_t *len)
{
	struct wire_writer w;
	uint8_t *sig, *sig_len_field, *outer_len_field;
	size_t sig_start, outer_start;
	int ret;

	migtd_wire_writer_init(&w, out, cap);
	/* Header (§8.1). Bytes 8..11 are reserved in v4: real quotes carry 0. */
	migtd_wire_write_u16(&w, 4);    /* version */
	migtd_wire_write_u16(&w, 2);    /* attestation key type: ECDSA-256-with-P-256 */
	migtd_wire_write_u32(&w, 0x81); /* TEE type: TDX */
	migtd_wire_write_zero(&w, 4);
	migtd_wire_write_bytes(&w, emu_quote_intel_qe_vendor_id, 16);
	/* User data: the QE's platform identifier (we use the PPID), then zeros. */
	migtd_wire_write_bytes(&w, pki->params.ppid, 16);
	migtd_wire_write_zero(&w, 4);
	/* Body (§8.2). */
	migtd_wire_write_bytes(&w, body, MIGTD_QUOTE_TD10_BODY_SIZE);
	/* Signature data (§8.3). */
	migtd_wire_reserve(&w, &sig_len_field, 4);
	sig_start = migtd_wire_written(&w);
	migtd_wire_reserve(&w, &sig, 64);
	migtd_wire_write_bytes(&w, pki->att_pub, 64);
	migtd_wire_write_u16(&w, 6); /* QE report certification data */
	migtd_wire_reserve(&w, &outer_len_field, 4);
	outer_start = migtd_wire_written(&w);
	migtd_wire_write_bytes(&w, pki->qe_report, MIGTD_QUOTE_SGX_REPORT_SIZE);
	migtd_wire_write_bytes(&w, pki->qe_report_sig, 64);
	migtd_wire_write_u16(&w, EMU_QE_AUTH_DATA_LEN);
	migtd_wire_write_bytes(&w, pki->qe_auth_data, EMU_QE_AUTH_DATA_LEN);
	migtd_wire_write_u16(&w, 5); /* PCK certificate chain, PEM */
	migtd_wire_write_u32(&w, (uint32_t)pki->pck_chain_len);
	migtd_wire_write_bytes(&w, pki->pck_chain_pem, pki->pck_chain_len);
	ret = migtd_wire_writer_error(&w);
	if (ret)
		return ret;
	migtd_wire_put_u32(sig_len_field, (uint32_t)(migtd_wire_written(&w) - sig_start));
	migtd_wire_put_u32(outer_len_field, (uint32_t)(migtd_wire_written(&w) - outer_start));
	/* The attestation key signs header || body. The key is the QE's; the
	 * context is not const in mbedTLS's API although signing does not
	 * change it. */
	ret = emu_pki_sign_raw((mbedtls_pk_context *)(uintptr_t)&pki->att_key, out,
			       MIGTD_QUOTE_HEADER_SIZE + MIGTD_QUOTE_TD10_BODY_SIZE, sig);
	if (ret)
		return ret;
	*len = migtd_wire_written(&w);
	return MIGTD_OK;
}
