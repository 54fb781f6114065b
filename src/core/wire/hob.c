/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * hob.c -- migration request HOB list (docs/protocol.md §2.3), see include/migtd/hob.h.
 */
#include "migtd/hob.h"

#include <string.h>

/* 42B5E398-A199-4D30-BEFC-C75AC3DA5D7C */
const struct migtd_guid migtd_hob_guid_migration_information = {
	{ 0x98, 0xe3, 0xb5, 0x42, 0x99, 0xa1, 0x30, 0x4d, 0xbe, 0xfc, 0xc7, 0x5a, 0xc3, 0xda, 0x5d,
	  0x7c }
};
/* 7A103B9D-552B-485F-BB4C-2F3D2E8B1E0E */
const struct migtd_guid migtd_hob_guid_stream_socket_info = { { 0x9d, 0x3b, 0x10, 0x7a, 0x2b, 0x55,
								0x5f, 0x48, 0xbb, 0x4c, 0x2f, 0x3d,
								0x2e, 0x8b, 0x1e, 0x0e } };
/* D64F771A-F0C9-4D33-998B-0E3D8B940A61 */
const struct migtd_guid migtd_hob_guid_migpolicy = { { 0x1a, 0x77, 0x4f, 0xd6, 0xc9, 0xf0, 0x33,
						       0x4d, 0x99, 0x8b, 0x0e, 0x3d, 0x8b, 0x94,
						       0x0a, 0x61 } };

/* ---- structures --------------------------------------------------------- */

static bool layout_is_raw(enum hob_mig_info_layout layout)
{
	return layout == HOB_MIG_INFO_RAW || layout == HOB_MIG_INFO_RAW_V2;
}

/* Check the total length against the layout before reading anything, as
 * upstream does (so a wrong length wins over a wrong reserved byte). */
static int mig_info_check_len(size_t len, enum hob_mig_info_layout layout)
{
	switch (layout) {
	case HOB_MIG_INFO_DEFAULT:
		return len < MIGTD_MIG_INFO_HOB_LEN ? MIGTD_ERR_TRUNCATED : MIGTD_OK;
	case HOB_MIG_INFO_STRICT:
		return (len == MIGTD_MIG_INFO_HOB_LEN || len == MIGTD_MIG_INFO_HOB_INIT_LEN)
			       ? MIGTD_OK
			       : MIGTD_ERR_LENGTH;
	case HOB_MIG_INFO_RAW: return len == MIGTD_MIG_INFO_RAW_LEN ? MIGTD_OK : MIGTD_ERR_LENGTH;
	case HOB_MIG_INFO_RAW_V2:
		return (len == MIGTD_MIG_INFO_RAW_LEN || len == MIGTD_MIG_INFO_RAW_INIT_LEN)
			       ? MIGTD_OK
			       : MIGTD_ERR_LENGTH;
	}
	return MIGTD_ERR_STATE;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

int migtd_hob_mig_info_parse(const uint8_t *buf, size_t len, enum hob_mig_info_layout layout,
			     struct migtd_migration_information *out)
{
	struct wire_reader r;
	size_t fixed = layout_is_raw(layout) ? MIGTD_MIG_INFO_RAW_LEN : MIGTD_MIG_INFO_HOB_LEN;
	int err;

	memset(out, 0, sizeof(*out));
	err = mig_info_check_len(len, layout);
	if (err)
		return err;

	migtd_wire_reader_init(&r, buf, len);
	migtd_wire_read_u64(&r, &out->mig_request_id);
	migtd_wire_read_u8(&r, &out->migration_source);
	migtd_wire_read_u8(&r, &out->has_init_data);
	migtd_wire_read_bytes(&r, out->reserved, sizeof(out->reserved));
	for (unsigned i = 0; i < 4; i++)
		migtd_wire_read_u64(&r, &out->target_td_uuid[i]);
	migtd_wire_read_u64(&r, &out->binding_handle);
	if (!layout_is_raw(layout)) {
		migtd_wire_read_u64(&r, &out->mig_policy_id);
		migtd_wire_read_u64(&r, &out->communication_id);
	}
	err = migtd_wire_error(&r);
	if (err)
		return err;

	/* The default build checks nothing beyond the 72 bytes (§2.3.1). */
	if (layout == HOB_MIG_INFO_DEFAULT)
		return MIGTD_OK;

	if (!all_zero(out->reserved, sizeof(out->reserved)))
		return MIGTD_ERR_RESERVED;
	if (out->has_init_data > 1)
		return MIGTD_ERR_INVALID;
	if (layout == HOB_MIG_INFO_RAW)
		return out->has_init_data == 0 ? MIGTD_OK : MIGTD_ERR_INVALID;
	/* has_init_data == 1 if and only if the 512-byte TDINFO follows. */
	if ((out->has_init_data == 1) != (len > fixed))
		return MIGTD_ERR_INVALID;
	if (out->has_init_data == 1)
		return migtd_wire_read_bytes(&r, out->init_td_info, sizeof(out->init_td_info));
	return MIGTD_OK;
}

int migtd_hob_socket_info_parse(const uint8_t *buf, size_t len,
				struct migtd_stream_socket_info *out)
{
	struct wire_reader r;

	memset(out, 0, sizeof(*out));
	migtd_wire_reader_init(&r, buf, len);
	migtd_wire_read_u64(&r, &out->communication_id);
	migtd_wire_read_u64(&r, &out->mig_td_cid);
	migtd_wire_read_u32(&r, &out->mig_channel_port);
	migtd_wire_read_u32(&r, &out->quote_service_port);
	return migtd_wire_error(&r);
}

int migtd_hob_migpolicy_parse(const uint8_t *buf, size_t len, struct migtd_migpolicy_info *out)
{
	struct wire_reader r;

	memset(out, 0, sizeof(*out));
	migtd_wire_reader_init(&r, buf, len);
	migtd_wire_read_u64(&r, &out->mig_policy_id);
	migtd_wire_read_u32(&r, &out->mig_policy_size);
	migtd_wire_skip(&r, 4); /* padding of the naturally aligned C struct; not checked */
	return migtd_wire_read_ref(&r, &out->policy, out->mig_policy_size);
}

/* ---- the HOB walk ------------------------------------------------------- */

enum { HOB_IDX_MIG_INFO, HOB_IDX_SOCKET, HOB_IDX_POLICY, HOB_IDX_COUNT };

struct hob_found {
	bool present;
	size_t offset; /* of the HOB header */
	uint16_t length;
};

static int hob_known_index(const struct migtd_guid *g)
{
	if (migtd_guid_eq(g, &migtd_hob_guid_migration_information))
		return HOB_IDX_MIG_INFO;
	if (migtd_guid_eq(g, &migtd_hob_guid_stream_socket_info))
		return HOB_IDX_SOCKET;
	if (migtd_guid_eq(g, &migtd_hob_guid_migpolicy))
		return HOB_IDX_POLICY;
	return -1;
}

/*
 * The data of a GUID HOB: bytes 24..length of the HOB. A length below 24
 * makes the data unavailable (upstream's get_guid_data fails), which the
 * callers treat as "HOB missing" for mandatory HOBs and "ignored" for the
 * policy. The walk already guaranteed offset + length < len.
 */
static int hob_guid_data(const uint8_t *buf, size_t len, const struct hob_found *f,
			 struct wire_reader *data)
{
	struct wire_reader r;

	if (f->length < HOB_GUID_HEADER_LEN)
		return MIGTD_ERR_INVALID;
	migtd_wire_reader_init(&r, buf, len);
	migtd_wire_seek(&r, f->offset + HOB_GUID_HEADER_LEN);
	return migtd_wire_sub(&r, (size_t)f->length - HOB_GUID_HEADER_LEN, data);
}

/*
 * Walk the list and remember where each known GUID HOB is. Mirrors upstream:
 * the walk stops (not an error) when fewer than 8 header bytes remain, when
 * the length is 0 or > 0xFFF8, or when offset + round_up(length, 8) is at or
 * beyond the end of the buffer -- the HOB at that offset is then ignored.
 */
static int hob_walk(const uint8_t *buf, size_t len, struct hob_found found[HOB_IDX_COUNT])
{
	struct wire_reader r;
	size_t off = 0;

	migtd_wire_reader_init(&r, buf, len);
	while (off < len) {
		uint16_t type, length;
		size_t next;
		struct migtd_guid g;
		int idx;

		migtd_wire_seek(&r, off);
		if (migtd_wire_remaining(&r) < HOB_HEADER_LEN)
			break;
		migtd_wire_read_u16(&r, &type);
		migtd_wire_read_u16(&r, &length);
		migtd_wire_skip(&r, 4); /* reserved: upstream does not check it */
		if (migtd_wire_error(&r))
			return migtd_wire_error(&r);
		if (length == 0 || length > HOB_MAX_LENGTH)
			break;
		/* off < len and length <= 0xFFF8: no overflow on any size_t >= 32 bits. */
		next = off + (((size_t)length + (HOB_ALIGN - 1)) & ~(size_t)(HOB_ALIGN - 1));
		if (next >= len)
			break;

		if (type == HOB_TYPE_END_OF_HOB_LIST)
			break;
		if (type != HOB_TYPE_GUID_EXTENSION)
			return MIGTD_ERR_INVALID;
		/* The GUID is read even if length < 24; upstream rejects the list
		 * when the buffer itself ends before the GUID does. */
		if (migtd_wire_read_guid(&r, &g))
			return migtd_wire_error(&r);
		idx = hob_known_index(&g);
		if (idx < 0 || found[idx].present)
			return MIGTD_ERR_GUID;
		found[idx].present = true;
		found[idx].offset = off;
		found[idx].length = length;
		off = next;
	}
	return MIGTD_OK;
}

int migtd_hob_parse_migration_request(const uint8_t *buf, size_t len, enum hob_mode mode,
				      bool require_socket_info, struct migtd_migration_request *out)
{
	struct hob_found found[HOB_IDX_COUNT];
	struct wire_reader d;
	int err;

	memset(out, 0, sizeof(*out));
	memset(found, 0, sizeof(found));
	if (mode != HOB_MODE_DEFAULT && mode != HOB_MODE_STRICT)
		return MIGTD_ERR_STATE;

	err = hob_walk(buf, len, found);
	if (err)
		return err;

	if (!found[HOB_IDX_MIG_INFO].present)
		return MIGTD_ERR_INVALID;
	err = hob_guid_data(buf, len, &found[HOB_IDX_MIG_INFO], &d);
	if (err)
		return err;
	err = migtd_hob_mig_info_parse(d.buf, d.len,
				       mode == HOB_MODE_STRICT ? HOB_MIG_INFO_STRICT
							       : HOB_MIG_INFO_DEFAULT,
				       &out->info);
	if (err)
		return err;

	if (found[HOB_IDX_SOCKET].present &&
	    hob_guid_data(buf, len, &found[HOB_IDX_SOCKET], &d) == MIGTD_OK &&
	    migtd_hob_socket_info_parse(d.buf, d.len, &out->socket_info) == MIGTD_OK)
		out->has_socket_info = true;
	else
		memset(&out->socket_info, 0, sizeof(out->socket_info));
	if (require_socket_info && !out->has_socket_info)
		return MIGTD_ERR_INVALID;

	/* A malformed policy HOB is ignored rather than rejected (§2.3.3). */
	if (found[HOB_IDX_POLICY].present &&
	    hob_guid_data(buf, len, &found[HOB_IDX_POLICY], &d) == MIGTD_OK &&
	    migtd_hob_migpolicy_parse(d.buf, d.len, &out->policy) == MIGTD_OK)
		out->has_policy = true;
	else
		memset(&out->policy, 0, sizeof(out->policy));
	return MIGTD_OK;
}

/* ---- builders ------------------------------------------------------------ */

int migtd_hob_mig_info_write(struct wire_writer *w, enum hob_mig_info_layout layout,
			     const struct migtd_migration_information *in)
{
	migtd_wire_write_u64(w, in->mig_request_id);
	migtd_wire_write_u8(w, in->migration_source);
	migtd_wire_write_u8(w, in->has_init_data);
	migtd_wire_write_bytes(w, in->reserved, sizeof(in->reserved));
	for (unsigned i = 0; i < 4; i++)
		migtd_wire_write_u64(w, in->target_td_uuid[i]);
	migtd_wire_write_u64(w, in->binding_handle);
	if (!layout_is_raw(layout)) {
		migtd_wire_write_u64(w, in->mig_policy_id);
		migtd_wire_write_u64(w, in->communication_id);
	}
	if (in->has_init_data == 1)
		migtd_wire_write_bytes(w, in->init_td_info, sizeof(in->init_td_info));
	return migtd_wire_writer_error(w);
}

int migtd_hob_socket_info_write(struct wire_writer *w, const struct migtd_stream_socket_info *in)
{
	migtd_wire_write_u64(w, in->communication_id);
	migtd_wire_write_u64(w, in->mig_td_cid);
	migtd_wire_write_u32(w, in->mig_channel_port);
	migtd_wire_write_u32(w, in->quote_service_port);
	return migtd_wire_writer_error(w);
}

int migtd_hob_migpolicy_write(struct wire_writer *w, const struct migtd_migpolicy_info *in)
{
	migtd_wire_write_u64(w, in->mig_policy_id);
	migtd_wire_write_u32(w, in->mig_policy_size);
	migtd_wire_write_zero(w, 4);
	if (in->mig_policy_size)
		migtd_wire_write_bytes(w, in->policy, in->mig_policy_size);
	return migtd_wire_writer_error(w);
}

static int hob_write_header(struct wire_writer *w, uint16_t type, size_t length)
{
	if (length > HOB_MAX_LENGTH)
		return MIGTD_ERR_LENGTH;
	migtd_wire_write_u16(w, type);
	migtd_wire_write_u16(w, (uint16_t)length);
	migtd_wire_write_u32(w, 0);
	return migtd_wire_writer_error(w);
}

static int hob_write_pad(struct wire_writer *w, size_t length)
{
	size_t pad = (HOB_ALIGN - (length % HOB_ALIGN)) % HOB_ALIGN;

	return migtd_wire_write_zero(w, pad);
}

int migtd_hob_write_guid_hob(struct wire_writer *w, const struct migtd_guid *guid, const void *data,
			     size_t data_len)
{
	size_t length;
	int err;

	if (data_len > HOB_MAX_LENGTH - HOB_GUID_HEADER_LEN)
		return MIGTD_ERR_LENGTH;
	length = HOB_GUID_HEADER_LEN + data_len;
	err = hob_write_header(w, HOB_TYPE_GUID_EXTENSION, length);
	if (err)
		return err;
	migtd_wire_write_guid(w, guid);
	if (data_len)
		migtd_wire_write_bytes(w, data, data_len);
	return hob_write_pad(w, length);
}

int migtd_hob_write_end(struct wire_writer *w)
{
	hob_write_header(w, HOB_TYPE_END_OF_HOB_LIST, HOB_GUID_HEADER_LEN);
	return migtd_wire_write_zero(w, HOB_GUID_HEADER_LEN - HOB_HEADER_LEN);
}

/*
 * Write a GUID HOB whose data is produced by a structure writer: reserve the
 * header, write the data in place, then patch the length.
 */
static int hob_write_struct_hob(struct wire_writer *w, const struct migtd_guid *guid,
				int (*fn)(struct wire_writer *, const void *), const void *arg)
{
	uint8_t *hdr;
	size_t start, length;
	int err;

	err = migtd_wire_reserve(w, &hdr, HOB_HEADER_LEN);
	if (err)
		return err;
	start = migtd_wire_written(w) - HOB_HEADER_LEN;
	migtd_wire_write_guid(w, guid);
	err = fn(w, arg);
	if (err)
		return err;
	length = migtd_wire_written(w) - start;
	if (length > HOB_MAX_LENGTH)
		return MIGTD_ERR_LENGTH;
	migtd_wire_put_u16(hdr, HOB_TYPE_GUID_EXTENSION);
	migtd_wire_put_u16(hdr + 2, (uint16_t)length);
	migtd_wire_put_u32(hdr + 4, 0);
	return hob_write_pad(w, length);
}

static int write_mig_info_hob_data(struct wire_writer *w, const void *arg)
{
	return migtd_hob_mig_info_write(w, HOB_MIG_INFO_DEFAULT, arg);
}

static int write_socket_hob_data(struct wire_writer *w, const void *arg)
{
	return migtd_hob_socket_info_write(w, arg);
}

static int write_policy_hob_data(struct wire_writer *w, const void *arg)
{
	return migtd_hob_migpolicy_write(w, arg);
}

int migtd_hob_build_migration_request(void *buf, size_t cap,
				      const struct migtd_migration_request *in, size_t *out_len)
{
	struct wire_writer w;
	int err;

	*out_len = 0;
	migtd_wire_writer_init(&w, buf, cap);
	err = hob_write_struct_hob(&w, &migtd_hob_guid_migration_information,
				   write_mig_info_hob_data, &in->info);
	if (!err && in->has_socket_info)
		err = hob_write_struct_hob(&w, &migtd_hob_guid_stream_socket_info,
					   write_socket_hob_data, &in->socket_info);
	if (!err && in->has_policy)
		err = hob_write_struct_hob(&w, &migtd_hob_guid_migpolicy, write_policy_hob_data,
					   &in->policy);
	if (!err)
		err = migtd_hob_write_end(&w);
	if (err)
		return err;
	*out_len = migtd_wire_written(&w);
	return MIGTD_OK;
}
