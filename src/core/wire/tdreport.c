/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * tdreport.c -- TDREPORT_STRUCT parse/build and integrity rules (docs/protocol.md §3.2).
 *
 * Every field is read and written in order through wire_reader/wire_writer;
 * the structures are never memcpy'd as a whole, so the C layout (padding,
 * alignment) never decides a wire offset.
 */
#include "migtd/tdreport.h"

#include <string.h>

#include <mbedtls/platform_util.h>
#include <mbedtls/sha512.h>

#include "migtd/wire.h"

/* ---- field lists (one reader and one writer per structure) -------------- */

static void rd_reportmac(struct wire_reader *r, struct reportmacstruct *m)
{
	migtd_wire_read_bytes(r, m->type, sizeof(m->type));
	migtd_wire_read_bytes(r, m->reserved1, sizeof(m->reserved1));
	migtd_wire_read_bytes(r, m->cpusvn, sizeof(m->cpusvn));
	migtd_wire_read_bytes(r, m->tee_tcb_info_hash, sizeof(m->tee_tcb_info_hash));
	migtd_wire_read_bytes(r, m->tee_info_hash, sizeof(m->tee_info_hash));
	migtd_wire_read_bytes(r, m->report_data, sizeof(m->report_data));
	migtd_wire_read_bytes(r, m->reserved2, sizeof(m->reserved2));
	migtd_wire_read_bytes(r, m->mac, sizeof(m->mac));
}

static void wr_reportmac(struct wire_writer *w, const struct reportmacstruct *m)
{
	migtd_wire_write_bytes(w, m->type, sizeof(m->type));
	migtd_wire_write_bytes(w, m->reserved1, sizeof(m->reserved1));
	migtd_wire_write_bytes(w, m->cpusvn, sizeof(m->cpusvn));
	migtd_wire_write_bytes(w, m->tee_tcb_info_hash, sizeof(m->tee_tcb_info_hash));
	migtd_wire_write_bytes(w, m->tee_info_hash, sizeof(m->tee_info_hash));
	migtd_wire_write_bytes(w, m->report_data, sizeof(m->report_data));
	migtd_wire_write_bytes(w, m->reserved2, sizeof(m->reserved2));
	migtd_wire_write_bytes(w, m->mac, sizeof(m->mac));
}

static void rd_tee_tcb_info(struct wire_reader *r, struct tee_tcb_info *t)
{
	migtd_wire_read_bytes(r, t->valid, sizeof(t->valid));
	migtd_wire_read_bytes(r, t->tee_tcb_svn, sizeof(t->tee_tcb_svn));
	migtd_wire_read_bytes(r, t->mrseam, sizeof(t->mrseam));
	migtd_wire_read_bytes(r, t->mrsignerseam, sizeof(t->mrsignerseam));
	migtd_wire_read_bytes(r, t->attributes, sizeof(t->attributes));
	migtd_wire_read_bytes(r, t->tee_tcb_svn2, sizeof(t->tee_tcb_svn2));
	migtd_wire_read_bytes(r, t->reserved, sizeof(t->reserved));
}

static void wr_tee_tcb_info(struct wire_writer *w, const struct tee_tcb_info *t)
{
	migtd_wire_write_bytes(w, t->valid, sizeof(t->valid));
	migtd_wire_write_bytes(w, t->tee_tcb_svn, sizeof(t->tee_tcb_svn));
	migtd_wire_write_bytes(w, t->mrseam, sizeof(t->mrseam));
	migtd_wire_write_bytes(w, t->mrsignerseam, sizeof(t->mrsignerseam));
	migtd_wire_write_bytes(w, t->attributes, sizeof(t->attributes));
	migtd_wire_write_bytes(w, t->tee_tcb_svn2, sizeof(t->tee_tcb_svn2));
	migtd_wire_write_bytes(w, t->reserved, sizeof(t->reserved));
}

static void rd_tdinfo(struct wire_reader *r, struct tdinfo_struct *t)
{
	migtd_wire_read_bytes(r, t->attributes, sizeof(t->attributes));
	migtd_wire_read_bytes(r, t->xfam, sizeof(t->xfam));
	migtd_wire_read_bytes(r, t->mrtd, sizeof(t->mrtd));
	migtd_wire_read_bytes(r, t->mrconfigid, sizeof(t->mrconfigid));
	migtd_wire_read_bytes(r, t->mrowner, sizeof(t->mrowner));
	migtd_wire_read_bytes(r, t->mrownerconfig, sizeof(t->mrownerconfig));
	for (unsigned i = 0; i < 4; i++)
		migtd_wire_read_bytes(r, t->rtmr[i], sizeof(t->rtmr[i]));
	migtd_wire_read_bytes(r, t->servtd_hash, sizeof(t->servtd_hash));
	migtd_wire_read_bytes(r, t->reserved, sizeof(t->reserved));
}

static void wr_tdinfo(struct wire_writer *w, const struct tdinfo_struct *t)
{
	migtd_wire_write_bytes(w, t->attributes, sizeof(t->attributes));
	migtd_wire_write_bytes(w, t->xfam, sizeof(t->xfam));
	migtd_wire_write_bytes(w, t->mrtd, sizeof(t->mrtd));
	migtd_wire_write_bytes(w, t->mrconfigid, sizeof(t->mrconfigid));
	migtd_wire_write_bytes(w, t->mrowner, sizeof(t->mrowner));
	migtd_wire_write_bytes(w, t->mrownerconfig, sizeof(t->mrownerconfig));
	for (unsigned i = 0; i < 4; i++)
		migtd_wire_write_bytes(w, t->rtmr[i], sizeof(t->rtmr[i]));
	migtd_wire_write_bytes(w, t->servtd_hash, sizeof(t->servtd_hash));
	migtd_wire_write_bytes(w, t->reserved, sizeof(t->reserved));
}

static void rd_tdreport(struct wire_reader *r, struct tdreport_struct *t)
{
	rd_reportmac(r, &t->mac);
	rd_tee_tcb_info(r, &t->tee_tcb_info);
	migtd_wire_read_bytes(r, t->reserved, sizeof(t->reserved));
	rd_tdinfo(r, &t->tdinfo);
}

static void wr_tdreport(struct wire_writer *w, const struct tdreport_struct *t)
{
	wr_reportmac(w, &t->mac);
	wr_tee_tcb_info(w, &t->tee_tcb_info);
	migtd_wire_write_bytes(w, t->reserved, sizeof(t->reserved));
	wr_tdinfo(w, &t->tdinfo);
}

/* ---- generic exact-size parse / build ----------------------------------- */

typedef void (*rd_fn)(struct wire_reader *r, void *out);
typedef void (*wr_fn)(struct wire_writer *w, const void *in);

/*
 * Shared shape of the four parsers: the input must be exactly `size`
 * bytes. The length is checked up front so that a short buffer is reported
 * as truncated and a long one as a length error, never half-parsed.
 */
static int parse_exact(const void *buf, size_t len, size_t size, void *out, size_t out_size,
		       rd_fn rd)
{
	struct wire_reader r;
	int err;

	memset(out, 0, out_size);
	if (!buf && len)
		return MIGTD_ERR_INVALID;
	if (len < size)
		return MIGTD_ERR_TRUNCATED;
	if (len > size)
		return MIGTD_ERR_LENGTH;
	migtd_wire_reader_init(&r, buf, len);
	rd(&r, out);
	err = migtd_wire_error(&r);
	if (err == MIGTD_OK && migtd_wire_remaining(&r) != 0)
		err = MIGTD_ERR_LENGTH; /* field list and size constant disagree */
	if (err != MIGTD_OK)
		memset(out, 0, out_size);
	return err;
}

static int build_exact(const void *in, size_t size, void *buf, size_t cap, size_t *written,
		       wr_fn wr)
{
	struct wire_writer w;
	int err;

	if (written)
		*written = 0;
	if (!buf || cap < size)
		return MIGTD_ERR_NOSPACE;
	migtd_wire_writer_init(&w, buf, size);
	wr(&w, in);
	err = migtd_wire_writer_error(&w);
	if (err == MIGTD_OK && migtd_wire_written(&w) != size)
		err = MIGTD_ERR_LENGTH;
	if (err == MIGTD_OK && written)
		*written = size;
	return err;
}

/*
 * Adapters from the typed field lists to the generic shape (a cast of the
 * function pointer itself would be undefined behaviour when called).
 */
static void rd_reportmac_v(struct wire_reader *r, void *o)
{
	rd_reportmac(r, o);
}
static void rd_tee_tcb_info_v(struct wire_reader *r, void *o)
{
	rd_tee_tcb_info(r, o);
}
static void rd_tdinfo_v(struct wire_reader *r, void *o)
{
	rd_tdinfo(r, o);
}
static void rd_tdreport_v(struct wire_reader *r, void *o)
{
	rd_tdreport(r, o);
}
static void wr_reportmac_v(struct wire_writer *w, const void *i)
{
	wr_reportmac(w, i);
}
static void wr_tee_tcb_info_v(struct wire_writer *w, const void *i)
{
	wr_tee_tcb_info(w, i);
}
static void wr_tdinfo_v(struct wire_writer *w, const void *i)
{
	wr_tdinfo(w, i);
}
static void wr_tdreport_v(struct wire_writer *w, const void *i)
{
	wr_tdreport(w, i);
}

int migtd_tdreport_parse(const void *buf, size_t len, struct tdreport_struct *out)
{
	return parse_exact(buf, len, TDREPORT_STRUCT_SIZE, out, sizeof(*out), rd_tdreport_v);
}

int migtd_tdreport_parse_reportmacstruct(const void *buf, size_t len, struct reportmacstruct *out)
{
	return parse_exact(buf, len, TDREPORT_REPORTMACSTRUCT_SIZE, out, sizeof(*out),
			   rd_reportmac_v);
}

int migtd_tdreport_parse_tee_tcb_info(const void *buf, size_t len, struct tee_tcb_info *out)
{
	return parse_exact(buf, len, TDREPORT_TEE_TCB_INFO_SIZE, out, sizeof(*out),
			   rd_tee_tcb_info_v);
}

int migtd_tdreport_parse_tdinfo(const void *buf, size_t len, struct tdinfo_struct *out)
{
	return parse_exact(buf, len, TDREPORT_TDINFO_STRUCT_SIZE, out, sizeof(*out), rd_tdinfo_v);
}

int migtd_tdreport_build(const struct tdreport_struct *in, void *buf, size_t cap, size_t *written)
{
	return build_exact(in, TDREPORT_STRUCT_SIZE, buf, cap, written, wr_tdreport_v);
}

int migtd_tdreport_build_reportmacstruct(const struct reportmacstruct *in, void *buf, size_t cap,
					 size_t *written)
{
	return build_exact(in, TDREPORT_REPORTMACSTRUCT_SIZE, buf, cap, written, wr_reportmac_v);
}

int migtd_tdreport_build_tee_tcb_info(const struct tee_tcb_info *in, void *buf, size_t cap,
				      size_t *written)
{
	return build_exact(in, TDREPORT_TEE_TCB_INFO_SIZE, buf, cap, written, wr_tee_tcb_info_v);
}

int migtd_tdreport_build_tdinfo(const struct tdinfo_struct *in, void *buf, size_t cap,
				size_t *written)
{
	return build_exact(in, TDREPORT_TDINFO_STRUCT_SIZE, buf, cap, written, wr_tdinfo_v);
}

/* ---- semantics ---------------------------------------------------------- */

uint64_t migtd_tdreport_le64(const uint8_t field[8])
{
	return migtd_wire_get_u64(field);
}

int migtd_tdreport_check_type(const struct tdreport_struct *rep)
{
	return rep->mac.type[0] == TDREPORT_TEE_TYPE_TDX ? MIGTD_OK : MIGTD_ERR_INVALID;
}

static int sha384(const uint8_t *p, size_t n, uint8_t digest[TDREPORT_SHA384_SIZE])
{
	/* is384 = 1: SHA-384 through the SHA-512 engine. */
	return mbedtls_sha512(p, n, digest, 1) == 0 ? MIGTD_OK : MIGTD_ERR_CRYPTO;
}

int migtd_tdreport_hash_tee_tcb_info(const struct tee_tcb_info *info,
				     uint8_t digest[TDREPORT_SHA384_SIZE])
{
	uint8_t buf[TDREPORT_TEE_TCB_INFO_SIZE];
	int err = migtd_tdreport_build_tee_tcb_info(info, buf, sizeof(buf), NULL);

	if (err == MIGTD_OK)
		err = sha384(buf, sizeof(buf), digest);
	return err;
}

int migtd_tdreport_hash_tdinfo(const struct tdinfo_struct *info,
			       uint8_t digest[TDREPORT_SHA384_SIZE])
{
	uint8_t buf[TDREPORT_TDINFO_STRUCT_SIZE];
	int err = migtd_tdreport_build_tdinfo(info, buf, sizeof(buf), NULL);

	if (err == MIGTD_OK)
		err = sha384(buf, sizeof(buf), digest);
	return err;
}

/* Constant-time compare: the hashes are not secret, but it costs nothing. */
static bool digest_eq(const uint8_t *a, const uint8_t *b)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < TDREPORT_SHA384_SIZE; i++)
		acc |= (uint8_t)(a[i] ^ b[i]);
	return acc == 0;
}

static bool digest_is_zero(const uint8_t *a)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < TDREPORT_SHA384_SIZE; i++)
		acc |= a[i];
	return acc == 0;
}

int migtd_tdreport_check_integrity(const struct tdreport_struct *rep)
{
	uint8_t d[TDREPORT_SHA384_SIZE];
	int err;

	err = migtd_tdreport_hash_tee_tcb_info(&rep->tee_tcb_info, d);
	if (err != MIGTD_OK)
		return err;
	if (!digest_eq(d, rep->mac.tee_tcb_info_hash))
		return MIGTD_ERR_INVALID;
	/* An all-zero tee_info_hash would mean "no TD info" (an SGX-style
	 * report); the rule demands a real TD here. */
	if (digest_is_zero(rep->mac.tee_info_hash))
		return MIGTD_ERR_INVALID;
	err = migtd_tdreport_hash_tdinfo(&rep->tdinfo, d);
	if (err != MIGTD_OK)
		return err;
	if (!digest_eq(d, rep->mac.tee_info_hash))
		return MIGTD_ERR_INVALID;
	return MIGTD_OK;
}

int migtd_tdreport_update_hashes(struct tdreport_struct *rep)
{
	int err = migtd_tdreport_hash_tee_tcb_info(&rep->tee_tcb_info, rep->mac.tee_tcb_info_hash);

	if (err == MIGTD_OK)
		err = migtd_tdreport_hash_tdinfo(&rep->tdinfo, rep->mac.tee_info_hash);
	return err;
}
