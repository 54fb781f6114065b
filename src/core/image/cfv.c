/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * cfv.c -- the Configuration Firmware Volume reader and builder
 * (see include/migtd/cfv.h, docs/protocol.md §9.3).
 */
#include "migtd/cfv.h"

#include <string.h>

const struct migtd_guid migtd_cfv_guid_fs3 = { { 0x7a, 0xc0, 0x73, 0x54, 0xcb, 0x3d, 0xca, 0x4d,
						 0xbd, 0x6f, 0x1e, 0x96, 0x89, 0xe7, 0x34, 0x9a } };
const struct migtd_guid migtd_cfv_guid_policy = { { 0xc3, 0x2d, 0xe9, 0x0b, 0x21, 0x62, 0x98, 0x4c,
						    0x87, 0xc1, 0x8e, 0xef, 0xfd, 0x70, 0xde,
						    0x5a } };
const struct migtd_guid migtd_cfv_guid_root_ca = { { 0x32, 0x78, 0x43, 0xca, 0x51, 0x4c, 0x22, 0x43,
						     0xb1, 0x3d, 0xa2, 0x1b, 0xd0, 0xc8, 0xff,
						     0xf6 } };
const struct migtd_guid migtd_cfv_guid_policy_issuer_chain = { { 0x7a, 0xb2, 0x2f, 0x3f, 0x96, 0x95,
								 0x1c, 0x43, 0xa6, 0x8d, 0xd3, 0xea,
								 0xb3, 0x9f, 0x8a, 0xeb } };

/* ---- checksums ---------------------------------------------------------- */

uint16_t migtd_cfv_fvh_checksum(const uint8_t fvh[CFV_FVH_LEN])
{
	uint16_t sum = 0;

	for (size_t i = 0; i < CFV_FVH_LEN; i += 2)
		if (i != CFV_OFF_CHECKSUM)
			sum = (uint16_t)(sum + migtd_wire_get_u16(fvh + i));
	return (uint16_t)(0x10000u - sum);
}

/* The FFS header checksum covers the whole header except the file checksum
 * and the state, which change after the header is written (PI spec). */
static uint8_t ffs_sum(const uint8_t *hdr, size_t n)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < n; i++)
		if (i != CFV_FFS_OFF_FILE_CHECKSUM && i != CFV_FFS_OFF_STATE)
			sum = (uint8_t)(sum + hdr[i]);
	return sum;
}

uint8_t migtd_cfv_ffs_header_checksum(const uint8_t hdr[CFV_FFS_HEADER_LEN])
{
	uint8_t sum =
		(uint8_t)(ffs_sum(hdr, CFV_FFS_HEADER_LEN) - hdr[CFV_FFS_OFF_HEADER_CHECKSUM]);

	return (uint8_t)(0x100u - sum);
}

/* ---- reader ------------------------------------------------------------- */

int migtd_cfv_parse_header(const uint8_t *fv, size_t len, struct cfv_header *out)
{
	struct wire_reader r;
	const uint8_t *raw = NULL;
	uint32_t sig = 0;
	uint16_t checksum = 0;
	uint8_t reserved = 0, revision = 0;
	int err;

	memset(out, 0, sizeof(*out));
	migtd_wire_reader_init(&r, fv, len);
	/* The whole 56-byte header is the checksum's input: take it first. */
	if (migtd_wire_read_ref(&r, &raw, CFV_FVH_LEN) != MIGTD_OK)
		return migtd_wire_error(&r);
	migtd_wire_seek(&r, 0);
	err = migtd_wire_read_zero(&r, 16);
	if (err)
		return err;
	migtd_wire_read_guid(&r, &out->fs_guid);
	migtd_wire_read_u64(&r, &out->fv_length);
	migtd_wire_read_u32(&r, &sig);
	migtd_wire_read_u32(&r, &out->attributes);
	migtd_wire_read_u16(&r, &out->header_length);
	migtd_wire_read_u16(&r, &checksum);
	migtd_wire_read_u16(&r, &out->ext_header_offset);
	migtd_wire_read_u8(&r, &reserved);
	migtd_wire_read_u8(&r, &revision);
	if (migtd_wire_error(&r))
		return migtd_wire_error(&r);
	if (sig != CFV_FVH_SIGNATURE || revision != CFV_FVH_REVISION)
		return MIGTD_ERR_INVALID;
	if (out->fv_length != (uint64_t)len)
		return MIGTD_ERR_LENGTH;
	/* MigTD starts the file walk at header_length and finds nothing when it
	 * is at or past the end; a header shorter than the FV header itself
	 * would make the header its own first "file". */
	if (out->header_length < CFV_FVH_LEN || out->header_length >= len)
		return MIGTD_ERR_LENGTH;
	if (migtd_cfv_fvh_checksum(raw) != checksum)
		return MIGTD_ERR_INVALID;
	return MIGTD_OK;
}

int migtd_cfv_iter_init(struct cfv_iter *it, const uint8_t *fv, size_t len)
{
	struct cfv_header h;
	int err;

	memset(it, 0, sizeof(*it));
	it->done = true;
	err = migtd_cfv_parse_header(fv, len, &h);
	if (err)
		return err;
	migtd_wire_reader_init(&it->r, fv, len);
	it->next = h.header_length;
	it->done = false;
	return MIGTD_OK;
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

static bool iter_stop(struct cfv_iter *it, int err)
{
	it->done = true;
	it->err = err;
	it->stop_offset = it->next;
	return false;
}

bool migtd_cfv_iter_next(struct cfv_iter *it, struct cfv_file *f)
{
	struct wire_reader r;
	const uint8_t *hdr = NULL;
	uint64_t size;
	size_t hlen = CFV_FFS_HEADER_LEN, remaining, step;

	memset(f, 0, sizeof(*f));
	if (it->done)
		return false;
	if (migtd_wire_seek(&it->r, it->next) != MIGTD_OK)
		return iter_stop(it, MIGTD_OK);
	remaining = migtd_wire_remaining(&it->r);
	r = it->r;
	if (migtd_wire_read_ref(&r, &hdr, CFV_FFS_HEADER_LEN) != MIGTD_OK)
		return iter_stop(it, MIGTD_OK); /* no room for another header */
	size = (uint64_t)hdr[CFV_FFS_OFF_SIZE] | ((uint64_t)hdr[CFV_FFS_OFF_SIZE + 1] << 8) |
	       ((uint64_t)hdr[CFV_FFS_OFF_SIZE + 2] << 16);
	if (hdr[CFV_FFS_OFF_ATTRIBUTES] & CFV_FFS_ATTRIB_LARGE_FILE) {
		/* EFI_FFS_FILE_HEADER2: a u64 size after the common header, and
		 * the header checksum covers all 32 bytes. */
		r = it->r;
		if (migtd_wire_read_ref(&r, &hdr, CFV_FFS2_HEADER_LEN) != MIGTD_OK)
			return iter_stop(it, MIGTD_OK);
		size = migtd_wire_get_u64(hdr + CFV_FFS_OFF_EXTENDED_SIZE);
		hlen = CFV_FFS2_HEADER_LEN;
	}
	/* Same order as MigTD: a size that does not fit ends the walk, then the
	 * header checksum is verified. Erased (all 0xFF) or zeroed space after the
	 * last file is the normal end. */
	if (size < hlen || size > remaining) {
		bool free_space = all_bytes(hdr, hlen, 0xFF) || all_bytes(hdr, hlen, 0x00);
		bool sum_ok = ffs_sum(hdr, hlen) == 0;
		return iter_stop(it, free_space || !sum_ok ? MIGTD_OK : MIGTD_ERR_LENGTH);
	}
	if (ffs_sum(hdr, hlen) != 0)
		return iter_stop(it, MIGTD_ERR_INVALID);

	memcpy(f->name.b, hdr + CFV_FFS_OFF_NAME, sizeof(f->name.b));
	f->type = hdr[CFV_FFS_OFF_TYPE];
	f->attributes = hdr[CFV_FFS_OFF_ATTRIBUTES];
	f->file_checksum = hdr[CFV_FFS_OFF_FILE_CHECKSUM];
	f->state = hdr[CFV_FFS_OFF_STATE];
	f->offset = it->next;
	f->header_len = hlen;
	f->len = (size_t)size - hlen;
	r = it->r;
	migtd_wire_skip(&r, hlen);
	if (migtd_wire_read_ref(&r, &f->data, f->len) !=
	    MIGTD_OK) /* cannot fail: size <= remaining */
		return iter_stop(it, MIGTD_ERR_LENGTH);

	/* The next header is 8-byte aligned relative to this one (size <=
	 * remaining <= len, so no overflow). */
	step = ((size_t)size + (CFV_FFS_ALIGN - 1)) & ~(size_t)(CFV_FFS_ALIGN - 1);
	if (step >= remaining)
		it->done = true, it->err = MIGTD_OK, it->stop_offset = it->r.len;
	else
		it->next += step;
	return true;
}

int migtd_cfv_find_file(const uint8_t *fv, size_t len, uint8_t type, const struct migtd_guid *name,
			const uint8_t **data, size_t *data_len)
{
	struct cfv_iter it;
	struct cfv_file f;
	int err;

	*data = NULL;
	*data_len = 0;
	err = migtd_cfv_iter_init(&it, fv, len);
	if (err)
		return err;
	while (migtd_cfv_iter_next(&it, &f)) {
		if (f.type == type && migtd_guid_eq(&f.name, name)) {
			*data = f.data;
			*data_len = f.len;
			return MIGTD_OK;
		}
	}
	return it.err ? it.err : MIGTD_ERR_GUID;
}

/* ---- builder ------------------------------------------------------------ */

/* The 0x78-byte header region upstream's enroll tool writes: FV header,
 * block map {n x 4 KiB, terminator}, a pad FFS header that covers the
 * extension header, the extension header, 4 bytes of padding. */
static void build_header(struct wire_writer *w, size_t fv_length)
{
	uint8_t *fvh = w->buf + migtd_wire_written(w);

	migtd_wire_write_zero(w, 16);
	migtd_wire_write_guid(w, &migtd_cfv_guid_fs3);
	migtd_wire_write_u64(w, (uint64_t)fv_length);
	migtd_wire_write_u32(w, CFV_FVH_SIGNATURE);
	migtd_wire_write_u32(w, CFV_FVH_ATTRIBUTES);
	migtd_wire_write_u16(w, (uint16_t)CFV_HEADER_LEN);
	migtd_wire_write_u16(w, 0); /* checksum, below */
	migtd_wire_write_u16(w, (uint16_t)CFV_EXT_HEADER_OFFSET);
	migtd_wire_write_u8(w, 0);
	migtd_wire_write_u8(w, CFV_FVH_REVISION);
	if (migtd_wire_writer_error(w) == MIGTD_OK)
		migtd_wire_put_u16(fvh + CFV_OFF_CHECKSUM, migtd_cfv_fvh_checksum(fvh));
	/* Block map. */
	migtd_wire_write_u32(w, (uint32_t)(fv_length / CFV_BLOCK_SIZE));
	migtd_wire_write_u32(w, CFV_BLOCK_SIZE);
	migtd_wire_write_zero(w, 8);
	/* Pad file header, as upstream leaves it: zero name, zero checksums
	 * (it is never walked: header_length points past it), size 0x2C. */
	migtd_wire_write_zero(w, 16);
	migtd_wire_write_u8(w, 0);
	migtd_wire_write_u8(w, 0);
	migtd_wire_write_u8(w, CFV_FILETYPE_FFS_PAD);
	migtd_wire_write_u8(w, 0);
	migtd_wire_write_u8(w, (uint8_t)(CFV_FFS_HEADER_LEN + CFV_EXT_HEADER_SIZE));
	migtd_wire_write_zero(w, 2);
	migtd_wire_write_u8(w, CFV_FFS_STATE);
	/* EFI_FIRMWARE_VOLUME_EXT_HEADER: zero FV name, size 0x14; pad. */
	migtd_wire_write_zero(w, 16);
	migtd_wire_write_u32(w, CFV_EXT_HEADER_SIZE);
	migtd_wire_write_zero(w, 4);
}

static int build_file(struct wire_writer *w, const struct cfv_input *in)
{
	uint8_t *hdr = NULL;
	size_t size, pad;
	int err;

	if (in->len > CFV_FFS_MAX_SIZE - CFV_FFS_HEADER_LEN)
		return MIGTD_ERR_LENGTH;
	size = CFV_FFS_HEADER_LEN + in->len;
	err = migtd_wire_reserve(w, &hdr, CFV_FFS_HEADER_LEN);
	if (err)
		return err;
	memcpy(hdr + CFV_FFS_OFF_NAME, in->name->b, 16);
	hdr[CFV_FFS_OFF_HEADER_CHECKSUM] = 0;
	hdr[CFV_FFS_OFF_FILE_CHECKSUM] = CFV_FFS_FIXED_CHECKSUM;
	hdr[CFV_FFS_OFF_TYPE] = CFV_FILETYPE_RAW;
	hdr[CFV_FFS_OFF_ATTRIBUTES] = 0;
	hdr[CFV_FFS_OFF_SIZE] = (uint8_t)size;
	hdr[CFV_FFS_OFF_SIZE + 1] = (uint8_t)(size >> 8);
	hdr[CFV_FFS_OFF_SIZE + 2] = (uint8_t)(size >> 16);
	hdr[CFV_FFS_OFF_STATE] = CFV_FFS_STATE;
	hdr[CFV_FFS_OFF_HEADER_CHECKSUM] = migtd_cfv_ffs_header_checksum(hdr);
	migtd_wire_write_bytes(w, in->data, in->len);
	pad = (CFV_FFS_ALIGN - (size % CFV_FFS_ALIGN)) % CFV_FFS_ALIGN;
	return migtd_wire_write_zero(w, pad);
}

int migtd_cfv_build(uint8_t *buf, size_t cap, size_t fv_length, const struct cfv_input *files,
		    size_t n, size_t *used)
{
	struct wire_writer w;
	size_t end = 0;
	int err;

	if (used)
		*used = 0;
	if (fv_length == 0 || fv_length % CFV_BLOCK_SIZE != 0 ||
	    fv_length / CFV_BLOCK_SIZE > UINT32_MAX)
		return MIGTD_ERR_LENGTH;
	if (cap < fv_length)
		return MIGTD_ERR_NOSPACE;
	memset(buf, 0, fv_length);
	migtd_wire_writer_init(&w, buf, fv_length);
	build_header(&w, fv_length);
	err = migtd_wire_writer_error(&w);
	for (size_t i = 0; i < n && !err; i++) {
		err = build_file(&w, &files[i]);
		/* The reported end excludes the last file's padding. */
		end = migtd_wire_written(&w) -
		      ((CFV_FFS_ALIGN - (files[i].len % CFV_FFS_ALIGN)) % CFV_FFS_ALIGN);
	}
	if (err) {
		memset(buf, 0, fv_length);
		return err;
	}
	if (used)
		*used = n ? end : migtd_wire_written(&w);
	return MIGTD_OK;
}
