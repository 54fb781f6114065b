/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * tdvf.c -- TDVF metadata, MRTD emulation, RTMRs of the enrolled
 * configuration, SERVTD_INFO_HASH (see include/migtd/tdvf.h, docs/protocol.md §9.2-§9.6).
 */
#include "migtd/tdvf.h"

#include <string.h>

#include "migtd/cfv.h"

const struct migtd_guid migtd_tdvf_guid_metadata = { { 0xf3, 0xf9, 0xea, 0xe9, 0x8e, 0x16, 0xd5,
						       0x44, 0xa8, 0xeb, 0x7f, 0x4d, 0x87, 0x38,
						       0xf6, 0xae } };
const struct migtd_guid migtd_tdvf_guid_ovmf_footer = { { 0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7,
							  0x45, 0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a,
							  0x08, 0x2d } };
const struct migtd_guid migtd_tdvf_guid_ovmf_tdx = { { 0x35, 0x65, 0x7a, 0xe4, 0x4a, 0x98, 0x98,
						       0x47, 0x86, 0x5e, 0x46, 0x85, 0xa7, 0xbf,
						       0x8e, 0xc2 } };

#define OVMF_ENTRY_TAIL 18u /* u16 length + GUID at the end of every entry */

const char *migtd_tdvf_section_name(uint32_t type)
{
	static const char *const names[] = { "BFV",          "CFV",     "TD_HOB",
					     "TempMem",      "PermMem", "Payload",
					     "PayloadParam", "TdInfo",  "TdParams" };

	return type <= TDVF_SECTION_TYPE_MAX ? names[type] : "?";
}

/* ---- locating the metadata ---------------------------------------------- */

static int read_u16_at(struct wire_reader *r, size_t pos, uint16_t *v)
{
	migtd_wire_seek(r, pos);
	return migtd_wire_read_u16(r, v);
}

static int read_u32_at(struct wire_reader *r, size_t pos, uint32_t *v)
{
	migtd_wire_seek(r, pos);
	return migtd_wire_read_u32(r, v);
}

static int read_guid_at(struct wire_reader *r, size_t pos, struct migtd_guid *g)
{
	migtd_wire_seek(r, pos);
	return migtd_wire_read_guid(r, g);
}

/* The metadata GUID offset from the TDX entry's value: the value is the
 * distance from the end of the image to the descriptor (just past the GUID). */
static int guid_offset_from_end(size_t len, uint32_t value, size_t *guid_offset)
{
	if (value < 16 + TDVF_DESCRIPTOR_LEN || value > len - 16)
		return MIGTD_ERR_LENGTH;
	*guid_offset = len - value - 16;
	return MIGTD_OK;
}

static int locate_ovmf_table(struct wire_reader *r, size_t len, size_t *guid_offset)
{
	struct migtd_guid g;
	uint16_t table_len = 0, entry_len = 0;
	uint32_t value = 0;
	size_t end, remaining;
	int err;

	err = read_u16_at(r, len - TDVF_OVMF_TABLE_LEN_OFFSET, &table_len);
	if (err)
		return err;
	/* The table (footer entry included) ends where the footer GUID ends. */
	if (table_len < OVMF_ENTRY_TAIL || table_len > len - TDVF_LEGACY_OFFSET)
		return MIGTD_ERR_LENGTH;
	end = len - TDVF_OVMF_TABLE_LEN_OFFSET; /* end of the entry before the footer */
	remaining = (size_t)table_len - OVMF_ENTRY_TAIL;
	/* Entries are data || u16 len || GUID, walked backwards from the footer. */
	while (remaining > 0) {
		if (remaining < OVMF_ENTRY_TAIL)
			return MIGTD_ERR_LENGTH;
		err = read_guid_at(r, end - 16, &g);
		if (!err)
			err = read_u16_at(r, end - OVMF_ENTRY_TAIL, &entry_len);
		if (err)
			return err;
		if (entry_len < OVMF_ENTRY_TAIL || entry_len > remaining)
			return MIGTD_ERR_LENGTH;
		if (migtd_guid_eq(&g, &migtd_tdvf_guid_ovmf_tdx)) {
			if (entry_len < OVMF_ENTRY_TAIL + 4)
				return MIGTD_ERR_LENGTH;
			err = read_u32_at(r, end - OVMF_ENTRY_TAIL - 4, &value);
			if (err)
				return err;
			return guid_offset_from_end(len, value, guid_offset);
		}
		end -= entry_len;
		remaining -= entry_len;
	}
	return MIGTD_ERR_GUID;
}

int migtd_tdvf_locate(const uint8_t *img, size_t len, size_t *guid_offset, bool *via_ovmf_table)
{
	struct wire_reader r;
	struct migtd_guid g;
	uint32_t value = 0;
	int err;

	*guid_offset = 0;
	*via_ovmf_table = false;
	migtd_wire_reader_init(&r, img, len);
	if (len < TDVF_OVMF_TABLE_LEN_OFFSET + 16 + TDVF_DESCRIPTOR_LEN)
		return MIGTD_ERR_TRUNCATED;
	err = read_guid_at(&r, len - TDVF_OVMF_FOOTER_OFFSET, &g);
	if (err)
		return err;
	if (migtd_guid_eq(&g, &migtd_tdvf_guid_ovmf_footer)) {
		*via_ovmf_table = true;
		return locate_ovmf_table(&r, len, guid_offset);
	}
	/* No OVMF table: the u32 at len - 0x20 is the descriptor's file offset. */
	err = read_u32_at(&r, len - TDVF_LEGACY_OFFSET, &value);
	if (err)
		return err;
	if (value < 16 || (size_t)value > len - TDVF_DESCRIPTOR_LEN)
		return MIGTD_ERR_LENGTH;
	*guid_offset = (size_t)value - 16;
	return MIGTD_OK;
}

/* ---- parsing and validating the sections -------------------------------- */

static int check_section(const struct tdvf_section *s, size_t img_len)
{
	uint64_t known = TDVF_ATTR_EXTENDMR | TDVF_ATTR_PAGE_AUG;

	if (s->type > TDVF_SECTION_TYPE_MAX)
		return MIGTD_ERR_INVALID;
	/* Measuring needs to know what every attribute means; a page that is
	 * AUGmented later cannot be MR.EXTENDed at build time. */
	if ((s->attributes & ~known) != 0 || (s->attributes & known) == known)
		return MIGTD_ERR_INVALID;
	if (s->gpa % TDVF_PAGE_SIZE != 0 || s->mem_size % TDVF_PAGE_SIZE != 0)
		return MIGTD_ERR_INVALID;
	if ((uint64_t)s->data_offset + s->raw_size > (uint64_t)img_len)
		return MIGTD_ERR_LENGTH;
	if (s->mem_size != 0) {
		if (s->raw_size > s->mem_size)
			return MIGTD_ERR_LENGTH;
		if (s->gpa >= TDVF_MAX_GPA || s->mem_size > TDVF_MAX_GPA - s->gpa)
			return MIGTD_ERR_LENGTH;
	}
	return MIGTD_OK;
}

static bool overlaps(const struct tdvf_section *a, const struct tdvf_section *b)
{
	if (a->mem_size == 0 || b->mem_size == 0)
		return false;
	return a->gpa < b->gpa + b->mem_size && b->gpa < a->gpa + a->mem_size;
}

static int check_sections(const struct tdvf_metadata *md, size_t img_len)
{
	uint64_t added = 0;
	int err;

	for (uint32_t i = 0; i < md->number_of_sections; i++) {
		const struct tdvf_section *s = &md->sections[i];

		err = check_section(s, img_len);
		if (err)
			return err;
		for (uint32_t j = 0; j < i; j++)
			if (overlaps(s, &md->sections[j]))
				return MIGTD_ERR_INVALID;
		if (!(s->attributes & TDVF_ATTR_PAGE_AUG)) {
			added += s->mem_size; /* each < 2^52, at most 64 of them */
			if (added > TDVF_MAX_ADDED_BYTES)
				return MIGTD_ERR_LENGTH;
		}
	}
	return MIGTD_OK;
}

int migtd_tdvf_parse(const uint8_t *img, size_t len, struct tdvf_metadata *md)
{
	struct wire_reader r;
	uint32_t sig = 0;
	int err;

	memset(md, 0, sizeof(*md));
	err = migtd_tdvf_locate(img, len, &md->guid_offset, &md->via_ovmf_table);
	if (err)
		goto out;
	migtd_wire_reader_init(&r, img, len);
	migtd_wire_seek(&r, md->guid_offset);
	err = migtd_wire_expect_guid(&r, &migtd_tdvf_guid_metadata);
	if (err)
		goto out;
	migtd_wire_read_u32(&r, &sig);
	migtd_wire_read_u32(&r, &md->length);
	migtd_wire_read_u32(&r, &md->version);
	migtd_wire_read_u32(&r, &md->number_of_sections);
	err = migtd_wire_error(&r);
	if (err)
		goto out;
	if (sig != TDVF_SIGNATURE || md->version != TDVF_VERSION) {
		err = MIGTD_ERR_INVALID;
		goto out;
	}
	if (md->number_of_sections == 0 || md->number_of_sections > TDVF_MAX_SECTIONS ||
	    md->length != TDVF_DESCRIPTOR_LEN + TDVF_SECTION_LEN * md->number_of_sections) {
		err = MIGTD_ERR_LENGTH;
		goto out;
	}
	for (uint32_t i = 0; i < md->number_of_sections; i++) {
		struct tdvf_section *s = &md->sections[i];

		migtd_wire_read_u32(&r, &s->data_offset);
		migtd_wire_read_u32(&r, &s->raw_size);
		migtd_wire_read_u64(&r, &s->gpa);
		migtd_wire_read_u64(&r, &s->mem_size);
		migtd_wire_read_u32(&r, &s->type);
		migtd_wire_read_u32(&r, &s->attributes);
	}
	err = migtd_wire_error(&r);
	if (!err)
		err = check_sections(md, len);
out:
	if (err)
		memset(md, 0, sizeof(*md));
	return err;
}

const struct tdvf_section *migtd_tdvf_find_section(const struct tdvf_metadata *md, uint32_t type)
{
	for (uint32_t i = 0; i < md->number_of_sections && i < TDVF_MAX_SECTIONS; i++)
		if (md->sections[i].type == type)
			return &md->sections[i];
	return NULL;
}

/* ---- MRTD --------------------------------------------------------------- */

static int sha_ok(int rc)
{
	return rc == 0 ? MIGTD_OK : MIGTD_ERR_CRYPTO;
}

int migtd_tdvf_mrtd_init(struct tdvf_mrtd_ctx *ctx)
{
	mbedtls_sha512_init(&ctx->sha);
	return sha_ok(mbedtls_sha512_starts(&ctx->sha, 1));
}

void migtd_tdvf_mrtd_free(struct tdvf_mrtd_ctx *ctx)
{
	mbedtls_sha512_free(&ctx->sha);
}

/* The 128-byte block the TDX module hashes: an ASCII tag padded to 16
 * bytes, the GPA little-endian, zeros. */
static int mrtd_block(struct tdvf_mrtd_ctx *ctx, const char *tag, uint64_t gpa)
{
	uint8_t block[TDVF_MRTD_BLOCK];

	memset(block, 0, sizeof(block));
	memcpy(block, tag, strlen(tag) + 1); /* the NUL is one of the zero pad bytes */
	migtd_wire_put_u64(block + 16, gpa);
	return sha_ok(mbedtls_sha512_update(&ctx->sha, block, sizeof(block)));
}

int migtd_tdvf_mrtd_page_add(struct tdvf_mrtd_ctx *ctx, uint64_t gpa)
{
	return mrtd_block(ctx, "MEM.PAGE.ADD", gpa);
}

int migtd_tdvf_mrtd_extend(struct tdvf_mrtd_ctx *ctx, uint64_t gpa,
			   const uint8_t chunk[TDVF_EXTEND_CHUNK])
{
	int err = mrtd_block(ctx, "MR.EXTEND", gpa);

	if (err)
		return err;
	return sha_ok(mbedtls_sha512_update(&ctx->sha, chunk, TDVF_EXTEND_CHUNK));
}

int migtd_tdvf_mrtd_finish(struct tdvf_mrtd_ctx *ctx, uint8_t mrtd[TDVF_SHA384_LEN])
{
	uint8_t out[64];
	int err = sha_ok(mbedtls_sha512_finish(&ctx->sha, out));

	if (!err)
		memcpy(mrtd, out, TDVF_SHA384_LEN);
	return err;
}

/* The 256-byte chunk at offset off of section s: raw data from the image,
 * zero past raw_size (the section is zero-padded to mem_size). */
static int section_chunk(struct wire_reader *r, const struct tdvf_section *s, uint64_t off,
			 uint8_t chunk[TDVF_EXTEND_CHUNK])
{
	const uint8_t *p = NULL;
	size_t n;
	int err;

	memset(chunk, 0, TDVF_EXTEND_CHUNK);
	if (off >= s->raw_size)
		return MIGTD_OK;
	n = (size_t)(s->raw_size - off) < TDVF_EXTEND_CHUNK ? (size_t)(s->raw_size - off)
							    : TDVF_EXTEND_CHUNK;
	err = migtd_wire_seek(r, (size_t)s->data_offset + (size_t)off);
	if (!err)
		err = migtd_wire_read_ref(r, &p, n);
	if (!err)
		memcpy(chunk, p, n);
	return err;
}

static int mrtd_section(struct tdvf_mrtd_ctx *ctx, struct wire_reader *r,
			const struct tdvf_section *s)
{
	uint8_t chunk[TDVF_EXTEND_CHUNK];
	uint64_t pages = s->mem_size / TDVF_PAGE_SIZE;
	int err = MIGTD_OK;

	if (!(s->attributes & TDVF_ATTR_EXTENDMR) && (s->attributes & TDVF_ATTR_PAGE_AUG))
		return MIGTD_OK; /* neither added nor extended */
	for (uint64_t k = 0; k < pages && !err; k++) {
		uint64_t gpa = s->gpa + k * TDVF_PAGE_SIZE;

		if (!(s->attributes & TDVF_ATTR_PAGE_AUG))
			err = migtd_tdvf_mrtd_page_add(ctx, gpa);
		if (!(s->attributes & TDVF_ATTR_EXTENDMR))
			continue;
		for (uint64_t c = 0; c < TDVF_PAGE_SIZE / TDVF_EXTEND_CHUNK && !err; c++) {
			uint64_t off = k * TDVF_PAGE_SIZE + c * TDVF_EXTEND_CHUNK;

			err = section_chunk(r, s, off, chunk);
			if (!err)
				err = migtd_tdvf_mrtd_extend(ctx, gpa + c * TDVF_EXTEND_CHUNK,
							     chunk);
		}
	}
	return err;
}

int migtd_tdvf_mrtd(const uint8_t *img, size_t len, const struct tdvf_metadata *md,
		    uint8_t mrtd[TDVF_SHA384_LEN])
{
	struct tdvf_mrtd_ctx ctx;
	struct wire_reader r;
	int err;

	memset(mrtd, 0, TDVF_SHA384_LEN);
	if (md->number_of_sections > TDVF_MAX_SECTIONS)
		return MIGTD_ERR_STATE;
	/* md may come from anywhere: re-check it against this image. */
	err = check_sections(md, len);
	if (err)
		return err;
	migtd_wire_reader_init(&r, img, len);
	err = migtd_tdvf_mrtd_init(&ctx);
	for (uint32_t i = 0; i < md->number_of_sections && !err; i++)
		err = mrtd_section(&ctx, &r, &md->sections[i]);
	if (!err)
		err = migtd_tdvf_mrtd_finish(&ctx, mrtd);
	migtd_tdvf_mrtd_free(&ctx);
	return err;
}

/* ---- the enrolled configuration and the RTMRs --------------------------- */

int migtd_tdvf_cfv_region(const uint8_t *img, size_t len, const struct tdvf_metadata *md,
			  const uint8_t **cfv, size_t *cfv_len)
{
	const struct tdvf_section *s = migtd_tdvf_find_section(md, TDVF_SECTION_CFV);
	struct wire_reader r;
	int err;

	*cfv = NULL;
	*cfv_len = 0;
	if (!s || s->raw_size == 0)
		return MIGTD_ERR_INVALID;
	migtd_wire_reader_init(&r, img, len);
	err = migtd_wire_seek(&r, s->data_offset);
	if (!err)
		err = migtd_wire_read_ref(&r, cfv, s->raw_size);
	if (!err)
		*cfv_len = s->raw_size;
	return err;
}

static void lookup(const uint8_t *cfv, size_t cfv_len, const struct migtd_guid *g,
		   const uint8_t **data, size_t *len)
{
	if (migtd_cfv_find_file(cfv, cfv_len, CFV_FILETYPE_RAW, g, data, len) != MIGTD_OK) {
		*data = NULL;
		*len = 0;
	}
}

int migtd_tdvf_enrolled_from_cfv(const uint8_t *cfv, size_t cfv_len, struct tdvf_enrolled *out)
{
	struct cfv_header h;
	int err;

	memset(out, 0, sizeof(*out));
	err = migtd_cfv_parse_header(cfv, cfv_len, &h);
	if (err)
		return err;
	lookup(cfv, cfv_len, &migtd_cfv_guid_policy, &out->policy, &out->policy_len);
	lookup(cfv, cfv_len, &migtd_cfv_guid_root_ca, &out->root_ca, &out->root_ca_len);
	lookup(cfv, cfv_len, &migtd_cfv_guid_policy_issuer_chain, &out->issuer_chain,
	       &out->issuer_chain_len);
	return MIGTD_OK;
}

int migtd_tdvf_rtmr_extend(uint8_t reg[TDVF_SHA384_LEN], const void *data, size_t len)
{
	uint8_t buf[2 * TDVF_SHA384_LEN], out[64];
	int err;

	memcpy(buf, reg, TDVF_SHA384_LEN);
	err = sha_ok(mbedtls_sha512(data, len, out, 1));
	if (err)
		return err;
	memcpy(buf + TDVF_SHA384_LEN, out, TDVF_SHA384_LEN);
	err = sha_ok(mbedtls_sha512(buf, sizeof(buf), out, 1));
	if (!err)
		memcpy(reg, out, TDVF_SHA384_LEN);
	return err;
}

/* The data td-shim's EV_SEPARATOR events carry (RTMR0 and RTMR1). */
static const uint8_t separator[4] = { 0, 0, 0, 0 };
static const char test_event[] = "test_disable_ra_and_accept_all";

int migtd_tdvf_rtmrs(const struct tdvf_enrolled *files, unsigned flags,
		     uint8_t rtmr[4][TDVF_SHA384_LEN])
{
	int err;

	memset(rtmr, 0, 4 * TDVF_SHA384_LEN);
	err = migtd_tdvf_rtmr_extend(rtmr[0], separator, sizeof(separator));
	if (!err)
		err = migtd_tdvf_rtmr_extend(rtmr[1], separator, sizeof(separator));
	if (!err && (flags & TDVF_MEASURE_POLICY_V2)) {
		if (!files->issuer_chain)
			err = MIGTD_ERR_GUID;
		else
			err = migtd_tdvf_rtmr_extend(rtmr[1], files->issuer_chain,
						     files->issuer_chain_len);
	}
	if (err)
		goto out;
	if (flags & TDVF_MEASURE_TEST_DISABLE_RA) {
		err = migtd_tdvf_rtmr_extend(rtmr[2], test_event, sizeof(test_event) - 1);
		goto out;
	}
	if (!files->policy || (!(flags & TDVF_MEASURE_POLICY_V2) && !files->root_ca)) {
		err = MIGTD_ERR_GUID;
		goto out;
	}
	err = migtd_tdvf_rtmr_extend(rtmr[2], files->policy, files->policy_len);
	if (!err && !(flags & TDVF_MEASURE_POLICY_V2))
		err = migtd_tdvf_rtmr_extend(rtmr[2], files->root_ca, files->root_ca_len);
out:
	if (err)
		memset(rtmr, 0, 4 * TDVF_SHA384_LEN);
	return err;
}

/* ---- TDINFO and the binding hashes -------------------------------------- */

void migtd_tdvf_tdinfo(const struct tdvf_manifest *m, const uint8_t mrtd[TDVF_SHA384_LEN],
		       const uint8_t rtmr[4][TDVF_SHA384_LEN], struct tdinfo_struct *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->attributes, m->attributes, sizeof(out->attributes));
	memcpy(out->xfam, m->xfam, sizeof(out->xfam));
	memcpy(out->mrtd, mrtd, sizeof(out->mrtd));
	memcpy(out->mrconfigid, m->mrconfigid, sizeof(out->mrconfigid));
	memcpy(out->mrowner, m->mrowner, sizeof(out->mrowner));
	memcpy(out->mrownerconfig, m->mrownerconfig, sizeof(out->mrownerconfig));
	memcpy(out->rtmr, rtmr, sizeof(out->rtmr));
}

void migtd_tdvf_servtd_attr_apply(struct tdinfo_struct *ti, uint64_t attr)
{
	if (attr & TDVF_SERVTD_IGNORE_ATTRIBUTES)
		memset(ti->attributes, 0, sizeof(ti->attributes));
	if (attr & TDVF_SERVTD_IGNORE_XFAM)
		memset(ti->xfam, 0, sizeof(ti->xfam));
	if (attr & TDVF_SERVTD_IGNORE_MRTD)
		memset(ti->mrtd, 0, sizeof(ti->mrtd));
	if (attr & TDVF_SERVTD_IGNORE_MRCONFIGID)
		memset(ti->mrconfigid, 0, sizeof(ti->mrconfigid));
	if (attr & TDVF_SERVTD_IGNORE_MROWNER)
		memset(ti->mrowner, 0, sizeof(ti->mrowner));
	if (attr & TDVF_SERVTD_IGNORE_MROWNERCONFIG)
		memset(ti->mrownerconfig, 0, sizeof(ti->mrownerconfig));
	for (unsigned i = 0; i < 4; i++)
		if (attr & (TDVF_SERVTD_IGNORE_RTMR0 << i))
			memset(ti->rtmr[i], 0, sizeof(ti->rtmr[i]));
}

int migtd_tdvf_servtd_info_hash(const struct tdinfo_struct *ti, uint8_t out[TDVF_SHA384_LEN])
{
	return migtd_tdreport_hash_tdinfo(ti, out);
}

int migtd_tdvf_servtd_hash(const uint8_t info_hash[TDVF_SHA384_LEN], uint16_t servtd_type,
			   uint64_t servtd_attr, uint8_t out[TDVF_SHA384_LEN])
{
	uint8_t buf[TDVF_SHA384_LEN + 2 + 8], digest[64];
	int err;

	memcpy(buf, info_hash, TDVF_SHA384_LEN);
	migtd_wire_put_u16(buf + TDVF_SHA384_LEN, servtd_type);
	migtd_wire_put_u64(buf + TDVF_SHA384_LEN + 2, servtd_attr);
	err = sha_ok(mbedtls_sha512(buf, sizeof(buf), digest, 1));
	if (!err)
		memcpy(out, digest, TDVF_SHA384_LEN);
	return err;
}

int migtd_tdvf_enroll(uint8_t *img, size_t len, const struct tdvf_metadata *md,
		      const uint8_t *policy, size_t policy_len, const uint8_t *anchor,
		      size_t anchor_len, bool issuer_chain, size_t *cfv_offset, size_t *used)
{
	const uint8_t *cfv;
	struct cfv_input in[2];
	struct tdvf_enrolled check;
	const uint8_t *got;
	size_t cfv_len, off, got_len;
	int err;

	err = migtd_tdvf_cfv_region(img, len, md, &cfv, &cfv_len);
	if (err)
		return err;
	off = (size_t)(cfv - img); /* inside img: migtd_tdvf_cfv_region checked it */
	in[0] = (struct cfv_input){ &migtd_cfv_guid_policy, policy, policy_len };
	in[1] = (struct cfv_input){ issuer_chain ? &migtd_cfv_guid_policy_issuer_chain
						 : &migtd_cfv_guid_root_ca,
				    anchor, anchor_len };
	err = migtd_cfv_build(img + off, cfv_len, cfv_len, in, 2, used);
	if (err)
		return err;
	/* Read back what MigTD will read. */
	err = migtd_tdvf_enrolled_from_cfv(img + off, cfv_len, &check);
	if (err)
		return MIGTD_ERR_STATE;
	got = issuer_chain ? check.issuer_chain : check.root_ca;
	got_len = issuer_chain ? check.issuer_chain_len : check.root_ca_len;
	if (!check.policy || check.policy_len != policy_len ||
	    memcmp(check.policy, policy, policy_len) != 0 || !got || got_len != anchor_len ||
	    memcmp(got, anchor, anchor_len) != 0)
		return MIGTD_ERR_STATE;
	if (cfv_offset)
		*cfv_offset = off;
	return MIGTD_OK;
}
