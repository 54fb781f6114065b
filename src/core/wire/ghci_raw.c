/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * ghci_raw.c -- TDG.VP.VMCALL<MigTD> "vmcall-raw" data buffers (docs/protocol.md §2.4).
 */
#include "migtd/ghci.h"

#include <string.h>

int migtd_ghci_raw_build(void *buf, size_t cap, uint64_t data_status, const void *payload, size_t n,
			 size_t *out_len)
{
	struct wire_writer w;
	int err;

	*out_len = 0;
	if (n > UINT32_MAX)
		return MIGTD_ERR_LENGTH;
	migtd_wire_writer_init(&w, buf, cap);
	migtd_wire_write_u64(&w, data_status);
	migtd_wire_write_u32(&w, (uint32_t)n);
	if (n)
		migtd_wire_write_bytes(&w, payload, n);
	err = migtd_wire_writer_error(&w);
	if (err)
		return err;
	*out_len = migtd_wire_written(&w);
	return MIGTD_OK;
}

int migtd_ghci_raw_hdr_parse(const uint8_t *buf, size_t len, struct ghci_raw_hdr *out)
{
	struct wire_reader r;

	memset(out, 0, sizeof(*out));
	migtd_wire_reader_init(&r, buf, len);
	migtd_wire_read_u64(&r, &out->data_status);
	migtd_wire_read_u32(&r, &out->length);
	return migtd_wire_error(&r);
}

/* 8 bytes (id) or 72 bytes (id + 64-byte reportdata): GetTDReport, GetMigtdData. */
static int raw_parse_id_reportdata(struct wire_reader *p, size_t n, struct ghci_raw_request *out)
{
	if (n != GHCI_RAW_ID_LEN && n != GHCI_RAW_ID_LEN + GHCI_RAW_REPORTDATA_LEN)
		return MIGTD_ERR_LENGTH;
	migtd_wire_read_u64(p, &out->mig_request_id);
	if (n > GHCI_RAW_ID_LEN) {
		out->has_reportdata = true;
		migtd_wire_read_bytes(p, out->reportdata, sizeof(out->reportdata));
	}
	return migtd_wire_error(p);
}

static int raw_parse_enable_log(struct wire_reader *p, size_t n, struct ghci_raw_request *out)
{
	int err;

	if (n != GHCI_RAW_ENABLE_LOG_LEN)
		return MIGTD_ERR_LENGTH;
	migtd_wire_read_u64(p, &out->mig_request_id);
	migtd_wire_read_u8(p, &out->max_log_level);
	err = migtd_wire_read_zero(p, 7);
	if (err)
		return err;
	if (out->max_log_level < GHCI_RAW_LOG_LEVEL_MIN ||
	    out->max_log_level > GHCI_RAW_LOG_LEVEL_MAX)
		return MIGTD_ERR_INVALID;
	return MIGTD_OK;
}

int migtd_ghci_raw_wfr_parse(const uint8_t *buf, size_t len, bool policy_v2,
			     struct ghci_raw_request *out)
{
	struct wire_reader r, peek, payload;
	uint64_t data_status;
	uint32_t length;
	uint8_t byte0;
	int err;

	memset(out, 0, sizeof(*out));
	migtd_wire_reader_init(&r, buf, len);
	migtd_wire_read_u64(&r, &data_status);
	migtd_wire_read_u32(&r, &length);
	err = migtd_wire_error(&r);
	if (err)
		return err;
	if (data_status == 0 && length == 0)
		return MIGTD_ERR_AGAIN;

	/* Upstream reads the id for error reports before looking at length:
	 * a peek through a copy of the reader. */
	peek = r;
	out->has_request_id = migtd_wire_read_u64(&peek, &out->mig_request_id) == MIGTD_OK;
	byte0 = (uint8_t)data_status;
	out->operation = (uint8_t)(data_status >> 8);
	if (byte0 != GHCI_RAW_STATUS_VMM_SUCCESS)
		return MIGTD_ERR_VMM_INTERNAL;
	if (out->operation < GHCI_RAW_OP_START_MIGRATION ||
	    out->operation > GHCI_RAW_OP_GET_MIGTD_DATA)
		return MIGTD_ERR_UNSUPPORTED_OP;
	if (migtd_wire_sub(&r, length, &payload))
		return MIGTD_ERR_LENGTH;

	/* Rebinding and GetMigtdData exist only in policy-v2 builds. */
	if (!policy_v2 && (out->operation == GHCI_RAW_OP_START_REBINDING ||
			   out->operation == GHCI_RAW_OP_GET_MIGTD_DATA))
		return MIGTD_ERR_UNSUPPORTED_OP;

	switch (out->operation) {
	case GHCI_RAW_OP_START_MIGRATION:
	case GHCI_RAW_OP_START_REBINDING: /* same structure */
		err = migtd_hob_mig_info_parse(payload.buf, payload.len,
					       policy_v2 ? HOB_MIG_INFO_RAW_V2 : HOB_MIG_INFO_RAW,
					       &out->mig_info);
		if (!err)
			out->mig_request_id = out->mig_info.mig_request_id;
		return err;
	case GHCI_RAW_OP_GET_TDREPORT:
	case GHCI_RAW_OP_GET_MIGTD_DATA: return raw_parse_id_reportdata(&payload, payload.len, out);
	case GHCI_RAW_OP_ENABLE_LOG_AREA: return raw_parse_enable_log(&payload, payload.len, out);
	}
	return MIGTD_ERR_STATE;
}

int migtd_ghci_raw_wfr_payload_write(struct wire_writer *w, const struct ghci_raw_request *req)
{
	switch (req->operation) {
	case GHCI_RAW_OP_START_MIGRATION:
	case GHCI_RAW_OP_START_REBINDING:
		return migtd_hob_mig_info_write(w, HOB_MIG_INFO_RAW_V2, &req->mig_info);
	case GHCI_RAW_OP_GET_TDREPORT:
	case GHCI_RAW_OP_GET_MIGTD_DATA:
		migtd_wire_write_u64(w, req->mig_request_id);
		if (req->has_reportdata)
			migtd_wire_write_bytes(w, req->reportdata, sizeof(req->reportdata));
		return migtd_wire_writer_error(w);
	case GHCI_RAW_OP_ENABLE_LOG_AREA:
		migtd_wire_write_u64(w, req->mig_request_id);
		migtd_wire_write_u8(w, req->max_log_level);
		return migtd_wire_write_zero(w, 7);
	}
	return MIGTD_ERR_INVALID;
}

static bool raw_code_defined(uint8_t code)
{
	return code <= MIGTD_STATUS_UNSUPPORTED_OPERATION ||
	       code == MIGTD_STATUS_INITIALIZATION_ERROR;
}

int migtd_ghci_raw_status_word(uint8_t code, uint64_t *word)
{
	*word = 0;
	if (!raw_code_defined(code))
		return MIGTD_ERR_INVALID;
	if (code != 0)
		*word = 1u | ((uint64_t)code << 8);
	return MIGTD_OK;
}

int migtd_ghci_raw_status_word_parse(uint64_t word, uint8_t *code)
{
	uint8_t pre = (uint8_t)word;

	*code = (uint8_t)(word >> 8);
	if (word >> 16)
		return MIGTD_ERR_RESERVED;
	if (pre > 1 || !raw_code_defined(*code) || (pre == 0) != (*code == 0))
		return MIGTD_ERR_INVALID;
	return MIGTD_OK;
}

bool migtd_ghci_raw_report_acked(const uint8_t *buf, size_t len)
{
	struct ghci_raw_hdr h;

	if (migtd_ghci_raw_hdr_parse(buf, len, &h))
		return false;
	return (uint8_t)h.data_status == GHCI_RAW_STATUS_VMM_SUCCESS;
}

int migtd_ghci_raw_stream_completion(const uint8_t *buf, size_t len, bool is_receive,
				     const uint8_t **payload, size_t *payload_len)
{
	struct wire_reader r;
	struct ghci_raw_hdr h;
	uint8_t b0, b1;
	int err;

	*payload = NULL;
	*payload_len = 0;
	err = migtd_ghci_raw_hdr_parse(buf, len, &h);
	if (err)
		return err;
	b0 = (uint8_t)h.data_status;
	b1 = (uint8_t)(h.data_status >> 8);
	if (b0 == GHCI_RAW_STATUS_NOT_COMPLETED && b1 == GHCI_RAW_DETAIL_VMM_CANCELED)
		return MIGTD_ERR_VMM_CANCELED;
	if (b0 != GHCI_RAW_STATUS_VMM_SUCCESS)
		return MIGTD_ERR_AGAIN;
	migtd_wire_reader_init(&r, buf, len);
	migtd_wire_seek(&r, GHCI_RAW_HDR_LEN);
	if (migtd_wire_read_ref(&r, payload, h.length)) {
		*payload = NULL;
		return MIGTD_ERR_LENGTH;
	}
	*payload_len = h.length;
	if (is_receive && h.length == 0)
		return MIGTD_ERR_INVALID;
	return MIGTD_OK;
}
