/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * parse.c -- TDX quote v4/v5 layout (docs/protocol.md §8.1-8.3), through wire_reader only.
 */
#include <string.h>

#include "migtd/quote.h"
#include "migtd/wire.h"

static void read_td_body(struct wire_reader *r, struct migtd_td_report_body *b, bool td15)
{
	migtd_wire_read_bytes(r, b->tee_tcb_svn, sizeof(b->tee_tcb_svn));
	migtd_wire_read_bytes(r, b->mr_seam, sizeof(b->mr_seam));
	migtd_wire_read_bytes(r, b->mr_signer_seam, sizeof(b->mr_signer_seam));
	migtd_wire_read_bytes(r, b->seam_attributes, sizeof(b->seam_attributes));
	migtd_wire_read_bytes(r, b->td_attributes, sizeof(b->td_attributes));
	migtd_wire_read_bytes(r, b->xfam, sizeof(b->xfam));
	migtd_wire_read_bytes(r, b->mr_td, sizeof(b->mr_td));
	migtd_wire_read_bytes(r, b->mr_config_id, sizeof(b->mr_config_id));
	migtd_wire_read_bytes(r, b->mr_owner, sizeof(b->mr_owner));
	migtd_wire_read_bytes(r, b->mr_owner_config, sizeof(b->mr_owner_config));
	migtd_wire_read_bytes(r, b->rtmr, sizeof(b->rtmr));
	migtd_wire_read_bytes(r, b->report_data, sizeof(b->report_data));
	if (td15) {
		migtd_wire_read_bytes(r, b->tee_tcb_svn2, sizeof(b->tee_tcb_svn2));
		migtd_wire_read_bytes(r, b->mr_servicetd, sizeof(b->mr_servicetd));
	}
}

/* SGX REPORTBODY offsets: CPUSVN 0, MISCSELECT 16, ATTRIBUTES 48, MRENCLAVE 64,
 * MRSIGNER 128, ISVPRODID 256, ISVSVN 258, REPORTDATA 320. Reserved and
 * config fields are skipped, not required zero: they are signed by the PCK
 * key, and QE versions legitimately use some of them (CONFIGID, FAMILYID). */
static void read_sgx_body(struct wire_reader *r, struct migtd_sgx_report_body *e)
{
	migtd_wire_read_bytes(r, e->cpu_svn, 16);
	migtd_wire_read_u32(r, &e->misc_select);
	migtd_wire_skip(r, 28);
	migtd_wire_read_bytes(r, e->attributes, 16);
	migtd_wire_read_bytes(r, e->mr_enclave, 32);
	migtd_wire_skip(r, 32);
	migtd_wire_read_bytes(r, e->mr_signer, 32);
	migtd_wire_skip(r, 96);
	migtd_wire_read_u16(r, &e->isv_prod_id);
	migtd_wire_read_u16(r, &e->isv_svn);
	migtd_wire_skip(r, 60);
	migtd_wire_read_bytes(r, e->report_data, 64);
}

static int parse_header(struct wire_reader *r, struct migtd_quote_header *h)
{
	migtd_wire_read_u16(r, &h->version);
	migtd_wire_read_u16(r, &h->att_key_type);
	migtd_wire_read_u32(r, &h->tee_type);
	migtd_wire_read_u16(r, &h->qe_svn);
	migtd_wire_read_u16(r, &h->pce_svn);
	migtd_wire_read_bytes(r, h->qe_vendor_id, sizeof(h->qe_vendor_id));
	migtd_wire_read_bytes(r, h->user_data, sizeof(h->user_data));
	if (migtd_wire_error(r))
		return migtd_wire_error(r);
	if (h->version != 4 && h->version != 5)
		return migtd_wire_fail(r, MIGTD_ERR_VERSION);
	/* Only ECDSA-256 is defined for TDX; type 3 (ECDSA-384) is reserved. */
	if (h->att_key_type != MIGTD_QUOTE_AK_ECDSA_P256 || h->tee_type != MIGTD_QUOTE_TEE_TDX)
		return migtd_wire_fail(r, MIGTD_ERR_INVALID);
	return MIGTD_OK;
}

static int parse_body(struct wire_reader *r, struct migtd_quote *q)
{
	struct wire_reader b;
	bool td15 = false;

	if (q->header.version == 4) {
		q->body_type = MIGTD_QUOTE_BODY_TD10;
		q->body_size = MIGTD_QUOTE_TD10_BODY_SIZE;
	} else {
		migtd_wire_read_u16(r, &q->body_type);
		migtd_wire_read_u32(r, &q->body_size);
		if (migtd_wire_error(r))
			return migtd_wire_error(r);
		if (q->body_type == MIGTD_QUOTE_BODY_TD10 &&
		    q->body_size == MIGTD_QUOTE_TD10_BODY_SIZE)
			td15 = false;
		else if (q->body_type == MIGTD_QUOTE_BODY_TD15 &&
			 q->body_size == MIGTD_QUOTE_TD15_BODY_SIZE)
			td15 = true;
		else
			return migtd_wire_fail(r, MIGTD_ERR_INVALID);
	}
	if (migtd_wire_read_ref(r, &q->body_raw, q->body_size))
		return migtd_wire_error(r);
	migtd_wire_reader_init(&b, q->body_raw, q->body_size);
	read_td_body(&b, &q->body, td15);
	return migtd_wire_error(&b);
}

/* Type 6 data: QE report || QE report signature || u16 auth size || auth || type 5 cert data. */
static int parse_qe_cert_data(struct wire_reader *r, struct migtd_quote *q)
{
	struct wire_reader qr;
	uint32_t inner_size;

	migtd_wire_read_ref(r, &q->qe_report, MIGTD_QUOTE_SGX_REPORT_SIZE);
	migtd_wire_read_ref(r, &q->qe_report_sig, MIGTD_QUOTE_ECDSA_SIG_SIZE);
	migtd_wire_read_u16(r, &q->qe_auth_len);
	migtd_wire_read_ref(r, &q->qe_auth_data, q->qe_auth_len);
	migtd_wire_read_u16(r, &q->pck_cert_type);
	migtd_wire_read_u32(r, &inner_size);
	if (migtd_wire_error(r))
		return migtd_wire_error(r);
	if (q->pck_cert_type != MIGTD_QUOTE_CERT_PCK_CHAIN)
		return migtd_wire_fail(r, MIGTD_ERR_INVALID);
	if (migtd_wire_read_ref(r, &q->pck_chain, inner_size))
		return migtd_wire_error(r);
	q->pck_chain_len = inner_size;

	migtd_wire_reader_init(&qr, q->qe_report, MIGTD_QUOTE_SGX_REPORT_SIZE);
	read_sgx_body(&qr, &q->qe);
	return migtd_wire_error(&qr);
}

int migtd_quote_parse(const uint8_t *buf, size_t len, struct migtd_quote *q)
{
	struct wire_reader r, sig, cert;
	int err;

	if (!buf || !q)
		return MIGTD_ERR_STATE;
	memset(q, 0, sizeof(*q));
	if (len > MIGTD_QUOTE_MAX_SIZE)
		return MIGTD_ERR_LENGTH;
	migtd_wire_reader_init(&r, buf, len);

	err = parse_header(&r, &q->header);
	if (err)
		return err;
	err = parse_body(&r, q);
	if (err)
		return err;
	q->signed_len = migtd_wire_pos(&r);
	q->signed_data = buf;

	/* Signature data: its length bounds everything below (nested readers). */
	migtd_wire_read_u32(&r, &q->sig_data_len);
	if (migtd_wire_sub(&r, q->sig_data_len, &sig))
		return migtd_wire_error(&r);
	migtd_wire_read_ref(&sig, &q->signature, MIGTD_QUOTE_ECDSA_SIG_SIZE);
	migtd_wire_read_ref(&sig, &q->attest_key, MIGTD_QUOTE_ECDSA_KEY_SIZE);
	migtd_wire_read_u16(&sig, &q->cert_type);
	migtd_wire_read_u32(&sig, &q->cert_size);
	if (migtd_wire_error(&sig))
		return migtd_wire_error(&sig);
	if (q->cert_type != MIGTD_QUOTE_CERT_QE_REPORT)
		return MIGTD_ERR_INVALID;
	if (migtd_wire_sub(&sig, q->cert_size, &cert))
		return migtd_wire_error(&sig);
	err = parse_qe_cert_data(&cert, q);
	if (err)
		return err;
	/* Trailing bytes inside the certification data are tolerated like the
	 * trailing bytes after the quote: they are covered by no signature and
	 * we never read them. */
	q->total_len = migtd_wire_pos(&r);
	return MIGTD_OK;
}
