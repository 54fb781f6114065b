/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * ghci_getquote.c -- TDG.VP.VMCALL<GetQuote> buffer and the QGS messages it
 * carries (docs/protocol.md §2.6), see migtd/ghci.h.
 */
#include "migtd/ghci.h"

#include <string.h>

int migtd_ghci_getquote_status_class(uint64_t status)
{
	switch (status) {
	case GHCI_GETQUOTE_SUCCESS: return MIGTD_OK;
	case GHCI_GETQUOTE_IN_FLIGHT:
	case GHCI_GETQUOTE_ERROR:
	case GHCI_GETQUOTE_QGS_UNAVAILABLE: return MIGTD_ERR_AGAIN;
	default: return MIGTD_ERR_QUOTE;
	}
}

/* Header + BE32(n) + msg. The caller decides which of in_len/out_len is n+4. */
static int getquote_write(void *buf, size_t cap, uint64_t status, uint32_t in_len,
			  uint32_t out_len_field, const void *msg, size_t n, size_t *out_len)
{
	struct wire_writer w;
	int err;

	*out_len = 0;
	migtd_wire_writer_init(&w, buf, cap);
	migtd_wire_write_u64(&w, GHCI_GETQUOTE_VERSION);
	migtd_wire_write_u64(&w, status);
	migtd_wire_write_u32(&w, in_len);
	migtd_wire_write_u32(&w, out_len_field);
	if (msg) {
		migtd_wire_write_u32_be(&w, (uint32_t)n);
		if (n)
			migtd_wire_write_bytes(&w, msg, n);
	}
	err = migtd_wire_writer_error(&w);
	if (err)
		return err;
	*out_len = migtd_wire_written(&w);
	return MIGTD_OK;
}

int migtd_ghci_getquote_req_build(void *buf, size_t cap, const void *msg, size_t n, size_t *out_len)
{
	*out_len = 0;
	if (n == 0 || n > UINT32_MAX - GHCI_GETQUOTE_PREFIX_LEN)
		return MIGTD_ERR_LENGTH;
	return getquote_write(buf, cap, GHCI_GETQUOTE_SUCCESS,
			      (uint32_t)(n + GHCI_GETQUOTE_PREFIX_LEN), 0, msg, n, out_len);
}

static int getquote_hdr_read(struct wire_reader *r, struct ghci_getquote_hdr *hdr)
{
	migtd_wire_read_u64(r, &hdr->version);
	migtd_wire_read_u64(r, &hdr->status);
	migtd_wire_read_u32(r, &hdr->in_len);
	migtd_wire_read_u32(r, &hdr->out_len);
	return migtd_wire_error(r);
}

/* The data at 24: data_len bytes = BE32 prefix + message; requires
 * data_len > 4 and prefix == data_len - 4 (the library's rule). */
static int getquote_data(struct wire_reader *r, uint32_t data_len, const uint8_t **msg,
			 size_t *msg_len)
{
	struct wire_reader d;
	uint32_t prefix;

	if (data_len <= GHCI_GETQUOTE_PREFIX_LEN)
		return MIGTD_ERR_LENGTH;
	if (migtd_wire_sub(r, data_len, &d))
		return MIGTD_ERR_LENGTH;
	migtd_wire_read_u32_be(&d, &prefix);
	if (prefix != data_len - GHCI_GETQUOTE_PREFIX_LEN)
		return MIGTD_ERR_LENGTH;
	*msg_len = prefix;
	return migtd_wire_read_ref(&d, msg, prefix);
}

int migtd_ghci_getquote_req_parse(const uint8_t *buf, size_t len, struct ghci_getquote_hdr *hdr,
				  const uint8_t **msg, size_t *msg_len)
{
	struct wire_reader r;
	int err;

	memset(hdr, 0, sizeof(*hdr));
	*msg = NULL;
	*msg_len = 0;
	migtd_wire_reader_init(&r, buf, len);
	err = getquote_hdr_read(&r, hdr);
	if (err)
		return err;
	if (hdr->version != GHCI_GETQUOTE_VERSION)
		return MIGTD_ERR_VERSION;
	return getquote_data(&r, hdr->in_len, msg, msg_len);
}

int migtd_ghci_getquote_rsp_build(void *buf, size_t cap, uint64_t status, uint32_t in_len,
				  const void *msg, size_t n, size_t *out_len)
{
	*out_len = 0;
	if (n > UINT32_MAX - GHCI_GETQUOTE_PREFIX_LEN)
		return MIGTD_ERR_LENGTH;
	if (n == 0)
		return getquote_write(buf, cap, status, in_len, 0, NULL, 0, out_len);
	return getquote_write(buf, cap, status, in_len, (uint32_t)(n + GHCI_GETQUOTE_PREFIX_LEN),
			      msg, n, out_len);
}

int migtd_ghci_getquote_rsp_parse(const uint8_t *buf, size_t len, struct ghci_getquote_hdr *hdr,
				  const uint8_t **msg, size_t *msg_len)
{
	struct wire_reader r;
	int err;

	memset(hdr, 0, sizeof(*hdr));
	*msg = NULL;
	*msg_len = 0;
	migtd_wire_reader_init(&r, buf, len);
	err = getquote_hdr_read(&r, hdr);
	if (err)
		return err;
	err = migtd_ghci_getquote_status_class(hdr->status);
	if (err)
		return err;
	return getquote_data(&r, hdr->out_len, msg, msg_len);
}

/* ---- QGS messages -------------------------------------------------------- */

int migtd_ghci_qgs_hdr_parse(const uint8_t *msg, size_t len, uint32_t want_type,
			     struct ghci_qgs_hdr *hdr)
{
	struct wire_reader r;
	int err;

	memset(hdr, 0, sizeof(*hdr));
	migtd_wire_reader_init(&r, msg, len);
	migtd_wire_read_u16(&r, &hdr->major_version);
	migtd_wire_read_u16(&r, &hdr->minor_version);
	migtd_wire_read_u32(&r, &hdr->type);
	migtd_wire_read_u32(&r, &hdr->size);
	migtd_wire_read_u32(&r, &hdr->error_code);
	err = migtd_wire_error(&r);
	if (err)
		return err;
	if (hdr->major_version != GHCI_QGS_MAJOR)
		return MIGTD_ERR_VERSION;
	if (hdr->type != want_type)
		return MIGTD_ERR_INVALID;
	if (hdr->size != len)
		return MIGTD_ERR_LENGTH;
	if (hdr->error_code != 0)
		return MIGTD_ERR_QUOTE;
	return MIGTD_OK;
}

/* Body reader after a validated header. */
static int qgs_body(const uint8_t *msg, size_t len, uint32_t type, struct wire_reader *r)
{
	struct ghci_qgs_hdr hdr;
	int err = migtd_ghci_qgs_hdr_parse(msg, len, type, &hdr);

	if (err)
		return err;
	migtd_wire_reader_init(r, msg, len);
	return migtd_wire_seek(r, GHCI_QGS_HDR_LEN);
}

/* A validated header, then the two u32 blob sizes that start the body. */
static int qgs_body_sizes(const uint8_t *msg, size_t len, uint32_t type, struct wire_reader *r,
			  uint32_t sizes[2])
{
	int err = qgs_body(msg, len, type, r);

	if (err)
		return err;
	migtd_wire_read_u32(r, &sizes[0]);
	migtd_wire_read_u32(r, &sizes[1]);
	return migtd_wire_error(r);
}

/* Read n blobs whose sizes were read before; they must fill the message exactly. */
static int qgs_blobs(struct wire_reader *r, struct ghci_qgs_blob *b, const uint32_t *sizes,
		     unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		b[i].len = sizes[i];
		if (migtd_wire_read_ref(r, &b[i].p, sizes[i]))
			return MIGTD_ERR_LENGTH;
	}
	return migtd_wire_remaining(r) == 0 ? MIGTD_OK : MIGTD_ERR_LENGTH;
}

/* Header with a size placeholder, patched by qgs_finish. */
static int qgs_start(struct wire_writer *w, void *buf, size_t cap, uint32_t type,
		     uint32_t error_code, uint8_t **size_at)
{
	migtd_wire_writer_init(w, buf, cap);
	migtd_wire_write_u16(w, GHCI_QGS_MAJOR);
	migtd_wire_write_u16(w, GHCI_QGS_MINOR);
	migtd_wire_write_u32(w, type);
	if (migtd_wire_reserve(w, size_at, 4))
		return migtd_wire_writer_error(w);
	return migtd_wire_write_u32(w, error_code);
}

static int qgs_finish(struct wire_writer *w, uint8_t *size_at, size_t *out_len)
{
	int err = migtd_wire_writer_error(w);

	if (err)
		return err;
	if (migtd_wire_written(w) > UINT32_MAX)
		return MIGTD_ERR_LENGTH;
	migtd_wire_put_u32(size_at, (uint32_t)migtd_wire_written(w));
	*out_len = migtd_wire_written(w);
	return MIGTD_OK;
}

/* A QGS blob's length travels as a u32. */
static bool blob_len_fits(size_t n)
{
	return n <= UINT32_MAX;
}

int migtd_ghci_qgs_get_quote_req_build(void *buf, size_t cap, const uint8_t *report,
				       size_t report_len, const uint8_t *id_list, size_t id_len,
				       size_t *out_len)
{
	struct wire_writer w;
	uint8_t *size_at;
	int err;

	*out_len = 0;
	if (report_len != TDREPORT_STRUCT_SIZE || !blob_len_fits(id_len))
		return MIGTD_ERR_LENGTH;
	err = qgs_start(&w, buf, cap, GHCI_QGS_GET_QUOTE_REQ, 0, &size_at);
	if (err)
		return err;
	migtd_wire_write_u32(&w, (uint32_t)report_len);
	migtd_wire_write_u32(&w, (uint32_t)id_len);
	migtd_wire_write_bytes(&w, report, report_len);
	if (id_len)
		migtd_wire_write_bytes(&w, id_list, id_len);
	return qgs_finish(&w, size_at, out_len);
}

int migtd_ghci_qgs_get_quote_req_parse(const uint8_t *msg, size_t len,
				       struct ghci_qgs_get_quote_req *out)
{
	struct wire_reader r;
	uint32_t sizes[2];
	struct ghci_qgs_blob b[2];
	int err;

	memset(out, 0, sizeof(*out));
	err = qgs_body_sizes(msg, len, GHCI_QGS_GET_QUOTE_REQ, &r, sizes);
	if (err)
		return err;
	if (sizes[0] != TDREPORT_STRUCT_SIZE)
		return MIGTD_ERR_LENGTH;
	err = qgs_blobs(&r, b, sizes, 2);
	out->report = b[0];
	out->id_list = b[1];
	return err;
}

int migtd_ghci_qgs_get_quote_resp_build(void *buf, size_t cap, uint32_t error_code,
					const struct ghci_qgs_get_quote_resp *in, size_t *out_len)
{
	struct wire_writer w;
	uint8_t *size_at;
	int err;

	*out_len = 0;
	err = qgs_start(&w, buf, cap, GHCI_QGS_GET_QUOTE_RESP, error_code, &size_at);
	if (err)
		return err;
	migtd_wire_write_u32(&w, in->selected_id.len);
	migtd_wire_write_u32(&w, in->quote.len);
	if (in->selected_id.len)
		migtd_wire_write_bytes(&w, in->selected_id.p, in->selected_id.len);
	if (in->quote.len)
		migtd_wire_write_bytes(&w, in->quote.p, in->quote.len);
	return qgs_finish(&w, size_at, out_len);
}

int migtd_ghci_qgs_get_quote_resp_parse(const uint8_t *msg, size_t len,
					struct ghci_qgs_get_quote_resp *out)
{
	struct wire_reader r;
	uint32_t sizes[2];
	struct ghci_qgs_blob b[2];
	int err;

	memset(out, 0, sizeof(*out));
	err = qgs_body_sizes(msg, len, GHCI_QGS_GET_QUOTE_RESP, &r, sizes);
	if (err)
		return err;
	err = qgs_blobs(&r, b, sizes, 2);
	if (err)
		return err;
	out->selected_id = b[0];
	out->quote = b[1];
	return out->quote.len ? MIGTD_OK : MIGTD_ERR_QUOTE;
}

int migtd_ghci_qgs_get_collateral_req_build(void *buf, size_t cap, const uint8_t fmspc[6],
					    const char *pck_ca, size_t *out_len)
{
	struct wire_writer w;
	uint8_t *size_at;
	size_t ca_len = strlen(pck_ca) + 1;
	int err;

	*out_len = 0;
	if (!blob_len_fits(ca_len))
		return MIGTD_ERR_LENGTH;
	err = qgs_start(&w, buf, cap, GHCI_QGS_GET_COLLATERAL_REQ, 0, &size_at);
	if (err)
		return err;
	migtd_wire_write_u32(&w, GHCI_QGS_FMSPC_LEN);
	migtd_wire_write_u32(&w, (uint32_t)ca_len);
	migtd_wire_write_bytes(&w, fmspc, GHCI_QGS_FMSPC_LEN);
	migtd_wire_write_bytes(&w, pck_ca, ca_len);
	return qgs_finish(&w, size_at, out_len);
}

int migtd_ghci_qgs_get_collateral_req_parse(const uint8_t *msg, size_t len,
					    struct ghci_qgs_get_collateral_req *out)
{
	struct wire_reader r;
	uint32_t sizes[2];
	struct ghci_qgs_blob b[2];
	int err;

	memset(out, 0, sizeof(*out));
	err = qgs_body_sizes(msg, len, GHCI_QGS_GET_COLLATERAL_REQ, &r, sizes);
	if (err)
		return err;
	if (sizes[0] != GHCI_QGS_FMSPC_LEN || sizes[1] == 0)
		return MIGTD_ERR_LENGTH;
	err = qgs_blobs(&r, b, sizes, 2);
	if (err)
		return err;
	out->fmspc = b[0];
	out->pck_ca = b[1];
	/* The CA type is a C string: exactly one NUL, at the end. */
	for (uint32_t i = 0; i < out->pck_ca.len; i++)
		if ((out->pck_ca.p[i] == 0) != (i == out->pck_ca.len - 1))
			return MIGTD_ERR_INVALID;
	return MIGTD_OK;
}

int migtd_ghci_qgs_get_collateral_resp_build(void *buf, size_t cap, uint32_t error_code,
					     const struct ghci_qgs_get_collateral_resp *in,
					     size_t *out_len)
{
	struct wire_writer w;
	uint8_t *size_at;
	int err;

	*out_len = 0;
	err = qgs_start(&w, buf, cap, GHCI_QGS_GET_COLLATERAL_RESP, error_code, &size_at);
	if (err)
		return err;
	migtd_wire_write_u16(&w, in->major_version);
	migtd_wire_write_u16(&w, in->minor_version);
	for (unsigned i = 0; i < GHCI_QGS_COLLATERAL_BLOBS; i++)
		migtd_wire_write_u32(&w, in->blob[i].len);
	for (unsigned i = 0; i < GHCI_QGS_COLLATERAL_BLOBS; i++)
		if (in->blob[i].len)
			migtd_wire_write_bytes(&w, in->blob[i].p, in->blob[i].len);
	return qgs_finish(&w, size_at, out_len);
}

int migtd_ghci_qgs_get_collateral_resp_parse(const uint8_t *msg, size_t len,
					     struct ghci_qgs_get_collateral_resp *out)
{
	struct wire_reader r;
	uint32_t sizes[GHCI_QGS_COLLATERAL_BLOBS];
	int err;

	memset(out, 0, sizeof(*out));
	err = qgs_body(msg, len, GHCI_QGS_GET_COLLATERAL_RESP, &r);
	if (err)
		return err;
	migtd_wire_read_u16(&r, &out->major_version);
	migtd_wire_read_u16(&r, &out->minor_version);
	for (unsigned i = 0; i < GHCI_QGS_COLLATERAL_BLOBS; i++)
		migtd_wire_read_u32(&r, &sizes[i]);
	if (migtd_wire_error(&r))
		return migtd_wire_error(&r);
	return qgs_blobs(&r, out->blob, sizes, GHCI_QGS_COLLATERAL_BLOBS);
}
