/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * pki.c -- the emulated Intel attestation PKI (see emu_pki.h).
 *
 * Everything here is shaped like Intel's PCS PKI so that the verifier that
 * checks real production quotes checks emulated ones unchanged: P-256 keys,
 * ECDSA-with-SHA256 certificates, the SGX extension of PCK certificates,
 * signed TCB Info / QE Identity JSON. Only the root differs.
 */
#include "emu_pki.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/psa_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>
#include <psa/crypto.h>

#include "hostio.h"
#include "migtd/err.h"
#include "migtd/fmt.h"
#include "migtd/wire.h"

#define CERT_MAX 4096
#define KEY_PEM_MAX 1024
#define JSON_MAX 8192

/* Validity of every emulated certificate: long enough never to bother a
 * test, and inside the range X.509 UTCTime can express. */
#define EMU_NOT_BEFORE "20240101000000"
#define EMU_NOT_AFTER "20491231235959"

#define ROOT_NAME "CN=migtd-c Emulated SGX Root CA,O=migtd-c emulation,C=XX"
#define PLATFORM_CA_NAME "CN=migtd-c Emulated SGX PCK Platform CA,O=migtd-c emulation,C=XX"
#define PCK_NAME "CN=migtd-c Emulated SGX PCK Certificate,O=migtd-c emulation,C=XX"
#define TCB_NAME "CN=migtd-c Emulated SGX TCB Signing,O=migtd-c emulation,C=XX"

/* 1.2.840.113741.1.13.1: the SGX extension of PCK certificates. */
static const uint8_t sgx_ext_oid[] = { 0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01 };

/* mbedTLS's MBEDTLS_ASN1_CHK_ADD mixes int and size_t; this one does not. */
#define ASN1_ADD(total, expr)          \
	do {                           \
		int r_ = (expr);       \
		if (r_ < 0)            \
			return r_;     \
		(total) += (size_t)r_; \
	} while (0)

void emu_pki_set_msg(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (!msg || !msglen)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ files */

int emu_write_file(const char *path, const void *buf, size_t len, int mode)
{
	char tmp[EMU_PKI_PATH_MAX + 8];
	int fd, ret = MIGTD_ERR_INVALID;
	const uint8_t *p = buf;

	/* Write-then-rename: a crash never leaves a half-written key behind. */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return MIGTD_ERR_INVALID;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
	if (fd < 0)
		return MIGTD_ERR_INVALID;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) != 0)
		goto out;
	ret = MIGTD_OK;
out:
	close(fd);
	if (ret == MIGTD_OK && rename(tmp, path) != 0)
		ret = MIGTD_ERR_INVALID;
	if (ret != MIGTD_OK)
		unlink(tmp);
	return ret;
}

int emu_pki_path(char *out, size_t cap, const char *dir, const char *name)
{
	return (size_t)snprintf(out, cap, "%s/%s", dir, name) < cap ? MIGTD_OK : MIGTD_ERR_INVALID;
}

static int file_exists(const char *dir, const char *name)
{
	char p[EMU_PKI_PATH_MAX];

	return emu_pki_path(p, sizeof(p), dir, name) == MIGTD_OK && access(p, F_OK) == 0;
}

int emu_pki_write_in(const char *dir, const char *name, const void *buf, size_t len, int mode)
{
	char p[EMU_PKI_PATH_MAX];

	if (emu_pki_path(p, sizeof(p), dir, name))
		return MIGTD_ERR_INVALID;
	return emu_write_file(p, buf, len, mode);
}

int emu_pki_read_in(const char *dir, const char *name, uint8_t **buf, size_t *len)
{
	char p[EMU_PKI_PATH_MAX];

	if (emu_pki_path(p, sizeof(p), dir, name))
		return MIGTD_ERR_INVALID;
	return hostio_read_file(p, HOSTIO_READ_MAX, buf, len);
}

/* ------------------------------------------------------------ keys */

static int key_generate(mbedtls_pk_context *pk)
{
	if (mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0)
		return MIGTD_ERR_CRYPTO;
	if (mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*pk),
				mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE) != 0)
		return MIGTD_ERR_CRYPTO;
	return MIGTD_OK;
}

int emu_pki_key_save(mbedtls_pk_context *pk, const char *dir, const char *name)
{
	unsigned char pem[KEY_PEM_MAX];
	int ret;

	if (mbedtls_pk_write_key_pem(pk, pem, sizeof(pem)) != 0)
		return MIGTD_ERR_CRYPTO;
	ret = emu_pki_write_in(dir, name, pem, strlen((char *)pem), 0600);
	mbedtls_platform_zeroize(pem, sizeof(pem));
	return ret;
}

int emu_pki_key_load(mbedtls_pk_context *pk, const char *dir, const char *name)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int ret;

	ret = emu_pki_read_in(dir, name, &buf, &len);
	if (ret)
		return ret;
	/* len + 1: mbedTLS wants PEM input to include its terminating NUL. */
	ret = mbedtls_pk_parse_key(pk, buf, len + 1, NULL, 0, mbedtls_psa_get_random,
				   MBEDTLS_PSA_RANDOM_STATE)
		      ? MIGTD_ERR_CRYPTO
		      : MIGTD_OK;
	mbedtls_platform_zeroize(buf, len);
	free(buf);
	return ret;
}

int emu_pki_sign_raw(mbedtls_pk_context *key, const uint8_t *msg, size_t len, uint8_t sig[64])
{
	uint8_t hash[32], der[MBEDTLS_ECDSA_MAX_LEN];
	size_t der_len = 0, raw_len = 0;

	if (mbedtls_sha256(msg, len, hash, 0) != 0)
		return MIGTD_ERR_CRYPTO;
	if (mbedtls_pk_sign(key, MBEDTLS_MD_SHA256, hash, sizeof(hash), der, sizeof(der), &der_len,
			    mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE) != 0)
		return MIGTD_ERR_CRYPTO;
	if (mbedtls_ecdsa_der_to_raw(256, der, der_len, sig, 64, &raw_len) != 0 || raw_len != 64)
		return MIGTD_ERR_CRYPTO;
	return MIGTD_OK;
}

/* ------------------------------------------------------------ certificates */

/*
 * The SGX extension of a PCK certificate, DER, written backwards into buf
 * as mbedTLS's ASN.1 writer does. *out points at the first byte.
 */
static int sgx_ext_write(const struct emu_platform_params *p, uint8_t *buf, size_t size,
			 const uint8_t **out, size_t *out_len)
{
	uint8_t *c = buf + size;
	uint8_t oid[sizeof(sgx_ext_oid) + 2];
	size_t len = 0, tcb_len = 0, item;

	memcpy(oid, sgx_ext_oid, sizeof(sgx_ext_oid));

/* SEQUENCE { OID sgx.<sub>[.<subsub>], <value already written> } */
#define SGX_ITEM_CLOSE(counter, sub, subsub)                                                 \
	do {                                                                                 \
		size_t oid_len = sizeof(sgx_ext_oid) + 1;                                    \
		oid[sizeof(sgx_ext_oid)] = (sub);                                            \
		if (subsub) {                                                                \
			oid[sizeof(sgx_ext_oid) + 1] = (uint8_t)(subsub);                    \
			oid_len++;                                                           \
		}                                                                            \
		ASN1_ADD(item, mbedtls_asn1_write_oid(&c, buf, (const char *)oid, oid_len)); \
		ASN1_ADD(item, mbedtls_asn1_write_len(&c, buf, item));                       \
		ASN1_ADD(item, mbedtls_asn1_write_tag(&c, buf,                               \
						      MBEDTLS_ASN1_CONSTRUCTED |             \
							      MBEDTLS_ASN1_SEQUENCE));       \
		(counter) += item;                                                           \
	} while (0)

	/* 5: SGX Type = Processor (0). */
	item = 0;
	ASN1_ADD(item, mbedtls_asn1_write_enum(&c, buf, 0));
	SGX_ITEM_CLOSE(len, 5, 0);
	/* 4: FMSPC. */
	item = 0;
	ASN1_ADD(item, mbedtls_asn1_write_octet_string(&c, buf, p->fmspc, 6));
	SGX_ITEM_CLOSE(len, 4, 0);
	/* 3: PCE-ID (2 bytes, little-endian as PCS writes it). */
	{
		uint8_t pceid[2] = { (uint8_t)p->pce_id, (uint8_t)(p->pce_id >> 8) };

		item = 0;
		ASN1_ADD(item, mbedtls_asn1_write_octet_string(&c, buf, pceid, 2));
		SGX_ITEM_CLOSE(len, 3, 0);
	}
	/* 2: TCB = SEQUENCE { comp01..comp16, pcesvn (17), cpusvn (18) }. */
	item = 0;
	ASN1_ADD(item, mbedtls_asn1_write_octet_string(&c, buf, p->cpusvn, 16));
	SGX_ITEM_CLOSE(tcb_len, 2, 18);
	item = 0;
	ASN1_ADD(item, mbedtls_asn1_write_int(&c, buf, p->pcesvn));
	SGX_ITEM_CLOSE(tcb_len, 2, 17);
	for (int i = 16; i >= 1; i--) {
		item = 0;
		ASN1_ADD(item, mbedtls_asn1_write_int(&c, buf, p->sgx_tcb[i - 1]));
		SGX_ITEM_CLOSE(tcb_len, 2, i);
	}
	item = tcb_len;
	ASN1_ADD(item, mbedtls_asn1_write_len(&c, buf, tcb_len));
	ASN1_ADD(item,
		 mbedtls_asn1_write_tag(&c, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	SGX_ITEM_CLOSE(len, 2, 0);
	/* 1: PPID. */
	item = 0;
	ASN1_ADD(item, mbedtls_asn1_write_octet_string(&c, buf, p->ppid, 16));
	SGX_ITEM_CLOSE(len, 1, 0);
#undef SGX_ITEM_CLOSE

	ASN1_ADD(len, mbedtls_asn1_write_len(&c, buf, len));
	ASN1_ADD(len,
		 mbedtls_asn1_write_tag(&c, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	*out = c;
	*out_len = len;
	return 0;
}

struct cert_spec {
	mbedtls_pk_context *subject_key;
	mbedtls_pk_context *issuer_key;
	const char *subject;
	const char *issuer;
	int is_ca;
	int max_pathlen;
	unsigned int key_usage;
	uint8_t serial;
	const struct emu_platform_params *sgx; /* non-NULL: add the SGX extension */
};

static int cert_make(const struct cert_spec *s, uint8_t *der, size_t cap, size_t *der_len)
{
	mbedtls_x509write_cert crt;
	uint8_t buf[CERT_MAX], ext[512];
	uint8_t serial[1] = { s->serial };
	int ret = MIGTD_ERR_CRYPTO, n;

	mbedtls_x509write_crt_init(&crt);
	mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&crt, s->subject_key);
	mbedtls_x509write_crt_set_issuer_key(&crt, s->issuer_key);
	if (mbedtls_x509write_crt_set_serial_raw(&crt, serial, sizeof(serial)) ||
	    mbedtls_x509write_crt_set_validity(&crt, EMU_NOT_BEFORE, EMU_NOT_AFTER) ||
	    mbedtls_x509write_crt_set_subject_name(&crt, s->subject) ||
	    mbedtls_x509write_crt_set_issuer_name(&crt, s->issuer) ||
	    mbedtls_x509write_crt_set_basic_constraints(&crt, s->is_ca, s->max_pathlen) ||
	    mbedtls_x509write_crt_set_key_usage(&crt, s->key_usage))
		goto out;
	/* No subject/authority key identifiers: mbedTLS derives them with
	 * SHA-1, which this build leaves out; chain building does not need
	 * them (issuer names are unique here). */
	if (s->sgx) {
		const uint8_t *e;
		size_t elen;

		if (sgx_ext_write(s->sgx, ext, sizeof(ext), &e, &elen) < 0)
			goto out;
		if (mbedtls_x509write_crt_set_extension(&crt, (const char *)sgx_ext_oid,
							sizeof(sgx_ext_oid), 0, e, elen))
			goto out;
	}
	n = mbedtls_x509write_crt_der(&crt, buf, sizeof(buf), mbedtls_psa_get_random,
				      MBEDTLS_PSA_RANDOM_STATE);
	if (n <= 0 || (size_t)n > cap)
		goto out;
	/* mbedTLS writes at the end of the buffer. */
	memcpy(der, buf + sizeof(buf) - (size_t)n, (size_t)n);
	*der_len = (size_t)n;
	ret = MIGTD_OK;
out:
	mbedtls_x509write_crt_free(&crt);
	return ret;
}

static int der_to_pem(const uint8_t *der, size_t der_len, char *pem, size_t cap, size_t *pem_len)
{
	size_t olen = 0;

	if (mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n",
				     der, der_len, (unsigned char *)pem, cap, &olen) != 0)
		return MIGTD_ERR_NOSPACE;
	*pem_len = olen - 1; /* olen counts the NUL */
	return MIGTD_OK;
}

/* Concatenate the PEM forms of the given DER files (in dir) into name. */
static int write_chain(const char *dir, const char *name, const char *const *ders, int n)
{
	char chain[EMU_PKI_CHAIN_MAX];
	size_t used = 0;
	int ret = MIGTD_OK;

	for (int i = 0; i < n && ret == MIGTD_OK; i++) {
		uint8_t *der = NULL;
		size_t der_len = 0, pem_len = 0;

		ret = emu_pki_read_in(dir, ders[i], &der, &der_len);
		if (ret == MIGTD_OK)
			ret = der_to_pem(der, der_len, chain + used, sizeof(chain) - used,
					 &pem_len);
		used += pem_len;
		free(der);
	}
	if (ret == MIGTD_OK)
		ret = emu_pki_write_in(dir, name, chain, used, 0644);
	return ret;
}

/* ------------------------------------------------------------ parameters */

void emu_platform_params_default(struct emu_platform_params *p)
{
	static const uint8_t fmspc[6] = { 0x00, 0x80, 0x6f, 0x05, 0x00, 0x00 };

	memset(p, 0, sizeof(*p));
	memcpy(p->fmspc, fmspc, sizeof(fmspc));
	for (unsigned i = 0; i < 16; i++)
		p->ppid[i] = (uint8_t)(0xa0 + i);
	p->pce_id = 0;
	for (unsigned i = 0; i < 8; i++)
		p->sgx_tcb[i] = 3;
	p->pcesvn = 11;
	memcpy(p->cpusvn, p->sgx_tcb, 16);
	p->tdx_tcb[0] = 5; /* TDX module SVN */
	p->tdx_tcb[1] = 0;
	p->tdx_tcb[2] = 2;
	p->qe_isvsvn = 4;
	p->qe_isvprodid = 2; /* the TD QE */
	for (unsigned i = 0; i < 32; i++) {
		p->qe_mrsigner[i] = (uint8_t)(0x5a ^ i);
		p->qe_mrenclave[i] = (uint8_t)(0xc3 ^ (i * 7));
	}
}

struct conf_field {
	const char *key;
	size_t off;
	size_t len; /* bytes; 0 = u16 */
};

#define CF(name, field)                                                  \
	{                                                                \
		name, offsetof(struct emu_platform_params, field),       \
			sizeof(((struct emu_platform_params *)0)->field) \
	}
#define CF16(name, field)                                            \
	{                                                            \
		name, offsetof(struct emu_platform_params, field), 0 \
	}
static const struct conf_field conf_fields[] = {
	CF("fmspc", fmspc),
	CF("ppid", ppid),
	CF16("pce_id", pce_id),
	CF("sgx_tcb", sgx_tcb),
	CF16("pcesvn", pcesvn),
	CF("cpusvn", cpusvn),
	CF("tdx_tcb", tdx_tcb),
	CF16("qe_isvsvn", qe_isvsvn),
	CF16("qe_isvprodid", qe_isvprodid),
	CF("qe_mrsigner", qe_mrsigner),
	CF("qe_mrenclave", qe_mrenclave),
};
#undef CF
#undef CF16

static int conf_write(const char *dir, const struct emu_platform_params *p)
{
	char text[2048], hex[80];
	size_t used = 0;

	for (size_t i = 0; i < sizeof(conf_fields) / sizeof(conf_fields[0]); i++) {
		const struct conf_field *f = &conf_fields[i];
		const uint8_t *v = (const uint8_t *)p + f->off;
		int n;

		if (f->len)
			migtd_hex(hex, sizeof(hex), v, f->len);
		else
			snprintf(hex, sizeof(hex), "%u", (unsigned)(v[0] | v[1] << 8));
		n = snprintf(text + used, sizeof(text) - used, "%s=%s\n", f->key, hex);
		if (n < 0 || (size_t)n >= sizeof(text) - used)
			return MIGTD_ERR_NOSPACE;
		used += (size_t)n;
	}
	return emu_pki_write_in(dir, "platform.conf", text, used, 0644);
}

static int conf_read(const char *dir, struct emu_platform_params *p)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int ret;
	char *line, *save = NULL;

	ret = emu_pki_read_in(dir, "platform.conf", &buf, &len);
	if (ret)
		return ret;
	emu_platform_params_default(p);
	for (line = strtok_r((char *)buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (!eq)
			continue;
		*eq = '\0';
		for (size_t i = 0; i < sizeof(conf_fields) / sizeof(conf_fields[0]); i++) {
			const struct conf_field *f = &conf_fields[i];
			uint8_t *v = (uint8_t *)p + f->off;
			const char *val = eq + 1;

			if (strcmp(line, f->key) != 0)
				continue;
			if (f->len == 0) {
				unsigned long u = strtoul(val, NULL, 10);

				v[0] = (uint8_t)u;
				v[1] = (uint8_t)(u >> 8);
			} else {
				if (strlen(val) != 2 * f->len) {
					ret = MIGTD_ERR_INVALID;
					goto out;
				}
				if (migtd_unhex(val, v, f->len)) {
					ret = MIGTD_ERR_INVALID;
					goto out;
				}
			}
		}
	}
out:
	free(buf);
	return ret;
}

/* ------------------------------------------------------------ collateral */

static void hex_upper(char *out, const uint8_t *b, size_t n)
{
	static const char d[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static size_t svn_array(char *out, size_t cap, const uint8_t svn[16])
{
	size_t used = 0;

	for (int i = 0; i < 16; i++)
		used += (size_t)snprintf(out + used, cap - used, "%s{\"svn\":%u}", i ? "," : "",
					 svn[i]);
	return used;
}

/*
 * Write {"<key>":<body>,"signature":"<hex r||s>"} where the signature is
 * over the exact bytes of <body>, as Intel PCS signs TCB Info and QE
 * Identity.
 */
static int write_signed_json(const char *dir, const char *name, const char *key, const char *body,
			     mbedtls_pk_context *signer)
{
	char out[JSON_MAX + 256], sighex[129];
	uint8_t sig[64];
	int n, ret;

	ret = emu_pki_sign_raw(signer, (const uint8_t *)body, strlen(body), sig);
	if (ret)
		return ret;
	migtd_hex(sighex, sizeof(sighex), sig, sizeof(sig));
	n = snprintf(out, sizeof(out), "{\"%s\":%s,\"signature\":\"%s\"}", key, body, sighex);
	if (n < 0 || (size_t)n >= sizeof(out))
		return MIGTD_ERR_NOSPACE;
	return emu_pki_write_in(dir, name, out, (size_t)n, 0644);
}

static const char *const tcb_statuses[] = {
	"UpToDate",
	"SWHardeningNeeded",
	"ConfigurationNeeded",
	"ConfigurationAndSWHardeningNeeded",
	"OutOfDate",
	"OutOfDateConfigurationNeeded",
	"Revoked",
};

bool emu_tcb_status_valid(const char *s)
{
	for (size_t i = 0; i < sizeof(tcb_statuses) / sizeof(tcb_statuses[0]); i++)
		if (strcmp(s, tcb_statuses[i]) == 0)
			return true;
	return false;
}

uint8_t emu_pki_pck_serial_of(const struct emu_platform_params *p)
{
	unsigned sum = p->pcesvn;

	/* Distinct per machine (PPID) and model (FMSPC) under a shared platform CA. */
	for (int i = 0; i < 16; i++)
		sum += p->ppid[i] * (unsigned)(i + 1);
	for (int i = 0; i < 6; i++)
		sum += p->fmspc[i] * (unsigned)(i + 17);
	return (uint8_t)(16 + sum % 240);
}

static void collateral_dates(enum emu_collateral_when when, const char **issue, const char **next)
{
	switch (when) {
	case EMU_COLLATERAL_EXPIRED:
		*issue = "2020-01-01T00:00:00Z", *next = "2020-02-01T00:00:00Z";
		break;
	case EMU_COLLATERAL_NOT_YET_VALID:
		*issue = "2048-01-01T00:00:00Z", *next = "2049-12-31T00:00:00Z";
		break;
	default: *issue = "2024-01-01T00:00:00Z", *next = "2049-12-31T00:00:00Z"; break;
	}
}

static int collateral_write(const char *dir, const struct emu_platform_params *p,
			    mbedtls_pk_context *tcb_key, const struct emu_collateral_opts *o)
{
	char body[JSON_MAX], fmspc[13], sgx[512], tdx[512], sgx0[512], tdx0[512], mrsigner[65];
	uint8_t zero[16] = { 0 };
	const char *tcb_status = o && o->tcb_status ? o->tcb_status : "UpToDate";
	const char *qe_status = o && o->qe_tcb_status ? o->qe_tcb_status : "UpToDate";
	const char *issue, *next;
	int n, ret;

	collateral_dates(o ? o->when : EMU_COLLATERAL_CURRENT, &issue, &next);
	migtd_hex(fmspc, sizeof(fmspc), p->fmspc, 6);
	svn_array(sgx, sizeof(sgx), p->sgx_tcb);
	svn_array(tdx, sizeof(tdx), p->tdx_tcb);
	svn_array(sgx0, sizeof(sgx0), zero);
	svn_array(tdx0, sizeof(tdx0), zero);
	/* Two levels: the platform's own (tcb_status) and an all-zero one below it. */
	n = snprintf(body, sizeof(body),
		     "{\"id\":\"TDX\",\"version\":3,\"issueDate\":\"%s\","
		     "\"nextUpdate\":\"%s\",\"fmspc\":\"%s\",\"pceId\":\"%02x%02x\","
		     "\"tcbType\":0,\"tcbEvaluationDataNumber\":17,"
		     "\"tdxModule\":{\"mrsigner\":\"%096d\",\"attributes\":\"0000000000000000\","
		     "\"attributesMask\":\"FFFFFFFFFFFFFFFF\"},"
		     "\"tcbLevels\":["
		     "{\"tcb\":{\"sgxtcbcomponents\":[%s],\"pcesvn\":%u,\"tdxtcbcomponents\":[%s]},"
		     "\"tcbDate\":\"2024-01-01T00:00:00Z\",\"tcbStatus\":\"%s\"},"
		     "{\"tcb\":{\"sgxtcbcomponents\":[%s],\"pcesvn\":0,\"tdxtcbcomponents\":[%s]},"
		     "\"tcbDate\":\"2023-01-01T00:00:00Z\",\"tcbStatus\":\"OutOfDate\"}]}",
		     issue, next, fmspc, (unsigned)(p->pce_id & 0xff), (unsigned)(p->pce_id >> 8),
		     0, sgx, o && o->has_level_pcesvn ? o->level_pcesvn : p->pcesvn, tdx,
		     tcb_status, sgx0, tdx0);
	if (n < 0 || (size_t)n >= sizeof(body))
		return MIGTD_ERR_NOSPACE;
	ret = write_signed_json(dir, "tcb_info.json", "tcbInfo", body, tcb_key);
	if (ret)
		return ret;

	hex_upper(mrsigner, p->qe_mrsigner, 32);
	/* The QE's own level (qe_status) and level 0 below it. */
	n = snprintf(body, sizeof(body),
		     "{\"id\":\"TD_QE\",\"version\":2,\"issueDate\":\"%s\","
		     "\"nextUpdate\":\"%s\",\"tcbEvaluationDataNumber\":17,"
		     "\"miscselect\":\"00000000\",\"miscselectMask\":\"FFFFFFFF\","
		     "\"attributes\":\"11000000000000000000000000000000\","
		     "\"attributesMask\":\"FBFFFFFFFFFFFFFF0000000000000000\","
		     "\"mrsigner\":\"%s\",\"isvprodid\":%u,"
		     "\"tcbLevels\":[{\"tcb\":{\"isvsvn\":%u},\"tcbDate\":\"2024-01-01T00:00:00Z\","
		     "\"tcbStatus\":\"%s\"},{\"tcb\":{\"isvsvn\":0},"
		     "\"tcbDate\":\"2023-01-01T00:00:00Z\",\"tcbStatus\":\"OutOfDate\"}]}",
		     issue, next, mrsigner, p->qe_isvprodid, p->qe_isvsvn, qe_status);
	if (n < 0 || (size_t)n >= sizeof(body))
		return MIGTD_ERR_NOSPACE;
	return write_signed_json(dir, "qe_identity.json", "enclaveIdentity", body, tcb_key);
}

int emu_pki_set_collateral(const char *dir, const struct emu_collateral_opts *o, char *msg,
			   size_t msglen)
{
	struct emu_platform_params p;
	mbedtls_pk_context tcb;
	int ret;

	if ((o->tcb_status && !emu_tcb_status_valid(o->tcb_status)) ||
	    (o->qe_tcb_status && !emu_tcb_status_valid(o->qe_tcb_status))) {
		emu_pki_set_msg(msg, msglen, "%s", "unknown TCB status");
		return MIGTD_ERR_INVALID;
	}
	mbedtls_pk_init(&tcb);
	if ((ret = conf_read(dir, &p)) ||
	    (ret = emu_pki_key_load(&tcb, dir, "tcb_signing.key.pem"))) {
		emu_pki_set_msg(msg, msglen, "cannot read %s/platform.conf or its TCB signing key",
				dir);
		goto out;
	}
	ret = collateral_write(dir, &p, &tcb, o);
	if (ret)
		emu_pki_set_msg(msg, msglen, "cannot write the collateral in %s", dir);
out:
	mbedtls_pk_free(&tcb);
	return ret;
}

int emu_pki_pck_serial(const char *dir, uint8_t *serial)
{
	struct emu_platform_params p;
	int ret = conf_read(dir, &p);

	if (ret == MIGTD_OK)
		*serial = emu_pki_pck_serial_of(&p);
	return ret;
}

/* ------------------------------------------------------------ CRLs */

/* AlgorithmIdentifier ecdsa-with-SHA256 (1.2.840.10045.4.3.2), DER. */
static const uint8_t alg_ecdsa_sha256[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
					    0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };

static int asn1_write_utctime(uint8_t **c, uint8_t *start, const char *t13)
{
	size_t len = 0;

	ASN1_ADD(len, mbedtls_asn1_write_raw_buffer(c, start, (const uint8_t *)t13, 13));
	ASN1_ADD(len, mbedtls_asn1_write_len(c, start, len));
	ASN1_ADD(len, mbedtls_asn1_write_tag(c, start, MBEDTLS_ASN1_UTC_TIME));
	return (int)len;
}

/* TBSCertList (RFC 5280 §5.1), written backwards ending at *c. */
static int crl_tbs_write(uint8_t **c, uint8_t *start, const mbedtls_x509_buf *issuer,
			 const uint8_t *revoked, size_t n_revoked)
{
	size_t len = 0, sub;

	/* crlExtensions [0] { Extension { cRLNumber, INTEGER 1 } } */
	sub = 0;
	ASN1_ADD(sub, mbedtls_asn1_write_int(c, start, 1));
	ASN1_ADD(sub, mbedtls_asn1_write_len(c, start, sub));
	ASN1_ADD(sub, mbedtls_asn1_write_tag(c, start, MBEDTLS_ASN1_OCTET_STRING));
	ASN1_ADD(sub, mbedtls_asn1_write_oid(c, start, MBEDTLS_OID_CRL_NUMBER,
					     MBEDTLS_OID_SIZE(MBEDTLS_OID_CRL_NUMBER)));
	ASN1_ADD(sub, mbedtls_asn1_write_len(c, start, sub));
	ASN1_ADD(sub, mbedtls_asn1_write_tag(c, start,
					     MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	ASN1_ADD(sub, mbedtls_asn1_write_len(c, start, sub));
	ASN1_ADD(sub, mbedtls_asn1_write_tag(c, start,
					     MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	ASN1_ADD(sub, mbedtls_asn1_write_len(c, start, sub));
	ASN1_ADD(sub, mbedtls_asn1_write_tag(c, start,
					     MBEDTLS_ASN1_CONTEXT_SPECIFIC |
						     MBEDTLS_ASN1_CONSTRUCTED | 0));
	len += sub;
	/* revokedCertificates, omitted when empty as RFC 5280 requires. */
	if (n_revoked) {
		sub = 0;
		for (size_t i = n_revoked; i-- > 0;) {
			size_t entry = 0;

			ASN1_ADD(entry, asn1_write_utctime(c, start, "240601000000Z"));
			ASN1_ADD(entry, mbedtls_asn1_write_int(c, start, revoked[i]));
			ASN1_ADD(entry, mbedtls_asn1_write_len(c, start, entry));
			ASN1_ADD(entry, mbedtls_asn1_write_tag(c, start,
							       MBEDTLS_ASN1_CONSTRUCTED |
								       MBEDTLS_ASN1_SEQUENCE));
			sub += entry;
		}
		ASN1_ADD(sub, mbedtls_asn1_write_len(c, start, sub));
		ASN1_ADD(sub,
			 mbedtls_asn1_write_tag(c, start,
						MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
		len += sub;
	}
	ASN1_ADD(len, asn1_write_utctime(c, start, "491231235959Z")); /* nextUpdate */
	ASN1_ADD(len, asn1_write_utctime(c, start, "240101000000Z")); /* thisUpdate */
	ASN1_ADD(len, mbedtls_asn1_write_raw_buffer(c, start, issuer->p, issuer->len));
	ASN1_ADD(len, mbedtls_asn1_write_raw_buffer(c, start, alg_ecdsa_sha256,
						    sizeof(alg_ecdsa_sha256)));
	ASN1_ADD(len, mbedtls_asn1_write_int(c, start, 1)); /* version v2 */
	ASN1_ADD(len, mbedtls_asn1_write_len(c, start, len));
	ASN1_ADD(len, mbedtls_asn1_write_tag(c, start,
					     MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	return (int)len;
}

int emu_pki_write_crl(const char *dir, const char *issuer_name, const uint8_t *revoked,
		      size_t n_revoked)
{
	char cert_file[64], key_file[64], crl_file[64];
	uint8_t buf[2048], hash[32], sig[MBEDTLS_ECDSA_MAX_LEN];
	uint8_t *c = buf + sizeof(buf), *der = NULL;
	size_t der_len = 0, sig_len = 0, tbs_len, len;
	mbedtls_x509_crt crt;
	mbedtls_pk_context key;
	int n, ret = MIGTD_ERR_CRYPTO;

	mbedtls_x509_crt_init(&crt);
	mbedtls_pk_init(&key);
	snprintf(cert_file, sizeof(cert_file), "%s.der", issuer_name);
	snprintf(key_file, sizeof(key_file), "%s.key.pem", issuer_name);
	snprintf(crl_file, sizeof(crl_file), "%s.crl.der", issuer_name);
	if ((ret = emu_pki_read_in(dir, cert_file, &der, &der_len)) ||
	    (ret = emu_pki_key_load(&key, dir, key_file)))
		goto out;
	ret = MIGTD_ERR_CRYPTO;
	if (mbedtls_x509_crt_parse_der(&crt, der, der_len) != 0)
		goto out;
	n = crl_tbs_write(&c, buf, &crt.subject_raw, revoked, n_revoked);
	if (n < 0)
		goto out;
	tbs_len = (size_t)n;
	if (mbedtls_sha256(c, tbs_len, hash, 0) != 0 ||
	    mbedtls_pk_sign(&key, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, sizeof(sig), &sig_len,
			    mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE) != 0)
		goto out;
	/* CertificateList { tbs, signatureAlgorithm, BIT STRING signature }:
	 * the TBS is already in place; prepend nothing, append by rebuilding. */
	{
		uint8_t out[2048];
		uint8_t *o = out + sizeof(out);
		size_t total = 0;
		int r;

		if ((r = mbedtls_asn1_write_bitstring(&o, out, sig, sig_len * 8)) < 0)
			goto out;
		total += (size_t)r;
		if ((r = mbedtls_asn1_write_raw_buffer(&o, out, alg_ecdsa_sha256,
						       sizeof(alg_ecdsa_sha256))) < 0)
			goto out;
		total += (size_t)r;
		if ((r = mbedtls_asn1_write_raw_buffer(&o, out, c, tbs_len)) < 0)
			goto out;
		total += (size_t)r;
		if ((r = mbedtls_asn1_write_len(&o, out, total)) < 0)
			goto out;
		total += (size_t)r;
		if ((r = mbedtls_asn1_write_tag(&o, out,
						MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) <
		    0)
			goto out;
		total += (size_t)r;
		len = total;
		ret = emu_pki_write_in(dir, crl_file, o, len, 0644);
	}
out:
	free(der);
	mbedtls_x509_crt_free(&crt);
	mbedtls_pk_free(&key);
	return ret;
}

/* ------------------------------------------------------------ init / load */

static int save_cert(const char *dir, const char *name, const struct cert_spec *s)
{
	uint8_t der[CERT_MAX];
	size_t len = 0;
	int ret = cert_make(s, der, sizeof(der), &len);

	return ret ? ret : emu_pki_write_in(dir, name, der, len, 0644);
}

static int copy_file(const char *from_dir, const char *to_dir, const char *name, int mode)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int ret = emu_pki_read_in(from_dir, name, &buf, &len);

	if (ret == MIGTD_OK)
		ret = emu_pki_write_in(to_dir, name, buf, len, mode);
	if (buf)
		mbedtls_platform_zeroize(buf, len);
	free(buf);
	return ret;
}

int emu_pki_init(const char *dir, const char *root_dir, const struct emu_platform_params *p,
		 int force, char *msg, size_t msglen)
{
	mbedtls_pk_context root, pca, pck, tcb, att;
	uint8_t mac_key[32];
	const char *root_src = root_dir ? root_dir : dir;
	int ret;

	mbedtls_pk_init(&root);
	mbedtls_pk_init(&pca);
	mbedtls_pk_init(&pck);
	mbedtls_pk_init(&tcb);
	mbedtls_pk_init(&att);

	if (psa_crypto_init() != PSA_SUCCESS) {
		emu_pki_set_msg(msg, msglen, "%s", "PSA crypto initialisation failed");
		ret = MIGTD_ERR_CRYPTO;
		goto out;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		emu_pki_set_msg(msg, msglen, "cannot create %s", dir);
		ret = MIGTD_ERR_INVALID;
		goto out;
	}
	if (!force && file_exists(dir, "pck.key.pem") && file_exists(dir, "platform.conf")) {
		/* Keep what exists: a platform's identity must not change under it. */
		ret = MIGTD_OK;
		goto out;
	}

	/* The root: borrowed, kept, or new. */
	if (root_dir || (!force && file_exists(dir, "root_ca.key.pem"))) {
		ret = emu_pki_key_load(&root, root_src, "root_ca.key.pem");
		if (ret) {
			emu_pki_set_msg(msg, msglen, "cannot load the root CA key from %s",
					root_src);
			goto out;
		}
		if (root_dir && (ret = copy_file(root_dir, dir, "root_ca.der", 0644))) {
			emu_pki_set_msg(msg, msglen, "cannot copy root_ca.der from %s", root_dir);
			goto out;
		}
	} else {
		struct cert_spec s = { &root,
				       &root,
				       ROOT_NAME,
				       ROOT_NAME,
				       1,
				       -1,
				       MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN,
				       1,
				       NULL };

		if ((ret = key_generate(&root)) ||
		    (ret = emu_pki_key_save(&root, dir, "root_ca.key.pem")) ||
		    (ret = save_cert(dir, "root_ca.der", &s))) {
			emu_pki_set_msg(msg, msglen, "cannot create the root CA in %s", dir);
			goto out;
		}
	}

	/*
	 * Intel issues every platform's PCK from one "PCK Platform CA", so two
	 * platforms under one root share it (and its CRL): a platform made with
	 * --root takes the platform CA from there when it has one.
	 */
	if (root_dir && file_exists(root_dir, "platform_ca.key.pem") &&
	    file_exists(root_dir, "platform_ca.der")) {
		if ((ret = emu_pki_key_load(&pca, root_dir, "platform_ca.key.pem")) ||
		    (ret = copy_file(root_dir, dir, "platform_ca.key.pem", 0600)) ||
		    (ret = copy_file(root_dir, dir, "platform_ca.der", 0644))) {
			emu_pki_set_msg(msg, msglen, "cannot take the platform CA from %s",
					root_dir);
			goto out;
		}
	} else {
		struct cert_spec pca_s = { &pca,
					   &root,
					   PLATFORM_CA_NAME,
					   ROOT_NAME,
					   1,
					   0,
					   MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN,
					   2,
					   NULL };

		if ((ret = key_generate(&pca)) ||
		    (ret = emu_pki_key_save(&pca, dir, "platform_ca.key.pem")) ||
		    (ret = save_cert(dir, "platform_ca.der", &pca_s))) {
			emu_pki_set_msg(msg, msglen, "cannot create the platform CA in %s", dir);
			goto out;
		}
	}

	{
		struct cert_spec pck_s = { &pck,
					   &pca,
					   PCK_NAME,
					   PLATFORM_CA_NAME,
					   0,
					   -1,
					   MBEDTLS_X509_KU_DIGITAL_SIGNATURE |
						   MBEDTLS_X509_KU_NON_REPUDIATION,
					   emu_pki_pck_serial_of(p),
					   p };
		struct cert_spec tcb_s = { &tcb,
					   &root,
					   TCB_NAME,
					   ROOT_NAME,
					   0,
					   -1,
					   MBEDTLS_X509_KU_DIGITAL_SIGNATURE |
						   MBEDTLS_X509_KU_NON_REPUDIATION,
					   4,
					   NULL };
		static const char *const pck_chain[] = { "pck.der", "platform_ca.der",
							 "root_ca.der" };
		static const char *const tcb_chain[] = { "tcb_signing.der", "root_ca.der" };

		if ((ret = key_generate(&pck)) || (ret = key_generate(&tcb)) ||
		    (ret = key_generate(&att)) ||
		    (ret = emu_pki_key_save(&pck, dir, "pck.key.pem")) ||
		    (ret = emu_pki_key_save(&tcb, dir, "tcb_signing.key.pem")) ||
		    (ret = emu_pki_key_save(&att, dir, "attestation.key.pem")) ||
		    (ret = save_cert(dir, "pck.der", &pck_s)) ||
		    (ret = save_cert(dir, "tcb_signing.der", &tcb_s)) ||
		    (ret = write_chain(dir, "pck_chain.pem", pck_chain, 3)) ||
		    (ret = write_chain(dir, "tcb_signing_chain.pem", tcb_chain, 2))) {
			emu_pki_set_msg(msg, msglen,
					"cannot create the platform keys and certificates in %s",
					dir);
			goto out;
		}
	}
	if (psa_generate_random(mac_key, sizeof(mac_key)) != PSA_SUCCESS ||
	    (ret = emu_pki_write_in(dir, "report_mac.key", mac_key, sizeof(mac_key), 0600))) {
		emu_pki_set_msg(msg, msglen, "cannot create the REPORTMAC key in %s", dir);
		ret = ret ? ret : MIGTD_ERR_CRYPTO;
		goto out;
	}
	if ((ret = conf_write(dir, p)) || (ret = collateral_write(dir, p, &tcb, NULL)) ||
	    (ret = emu_pki_write_crl(dir, "platform_ca", NULL, 0)) ||
	    (root_dir == NULL && (ret = emu_pki_write_crl(dir, "root_ca", NULL, 0))) ||
	    (root_dir != NULL && (ret = copy_file(root_dir, dir, "root_ca.crl.der", 0644)))) {
		emu_pki_set_msg(msg, msglen, "cannot write platform.conf / collateral / CRLs in %s",
				dir);
		goto out;
	}
	ret = MIGTD_OK;
out:
	mbedtls_platform_zeroize(mac_key, sizeof(mac_key));
	mbedtls_pk_free(&root);
	mbedtls_pk_free(&pca);
	mbedtls_pk_free(&pck);
	mbedtls_pk_free(&tcb);
	mbedtls_pk_free(&att);
	return ret;
}

/*
 * The QE's SGX report (docs/protocol.md §8.3): its REPORTDATA binds the attestation key
 * as SHA-256(attestation key || QE auth data) || 32 zero bytes.
 */
static int qe_report_build(struct emu_pki *pki)
{
	const struct emu_platform_params *p = &pki->params;
	uint8_t *r = pki->qe_report;
	uint8_t bind[64 + EMU_QE_AUTH_DATA_LEN];

	memset(r, 0, MIGTD_QUOTE_SGX_REPORT_SIZE);
	memcpy(r + 0, p->cpusvn, 16);  /* CPUSVN */
	migtd_wire_put_u32(r + 16, 0); /* MISCSELECT */
	r[48] = 0x11;                  /* ATTRIBUTES: INIT | MODE64BIT */
	memcpy(r + 64, p->qe_mrenclave, 32);
	memcpy(r + 128, p->qe_mrsigner, 32);
	migtd_wire_put_u16(r + 256, p->qe_isvprodid);
	migtd_wire_put_u16(r + 258, p->qe_isvsvn);
	memcpy(bind, pki->att_pub, 64);
	memcpy(bind + 64, pki->qe_auth_data, EMU_QE_AUTH_DATA_LEN);
	if (mbedtls_sha256(bind, sizeof(bind), r + 320, 0) != 0)
		return MIGTD_ERR_CRYPTO;
	return emu_pki_sign_raw(&pki->pck_key, r, MIGTD_QUOTE_SGX_REPORT_SIZE, pki->qe_report_sig);
}

int emu_pki_read_params(const char *dir, struct emu_platform_params *p)
{
	return conf_read(dir, p);
}

int emu_pki_load(struct emu_pki *pki, const char *dir, char *msg, size_t msglen)
{
	uint8_t *buf = NULL, pub[65];
	size_t len = 0, olen = 0;
	int ret;

	memset(pki, 0, sizeof(*pki));
	mbedtls_pk_init(&pki->pck_key);
	mbedtls_pk_init(&pki->att_key);
	if (psa_crypto_init() != PSA_SUCCESS) {
		ret = MIGTD_ERR_CRYPTO;
		goto fail;
	}
	if ((ret = conf_read(dir, &pki->params))) {
		emu_pki_set_msg(msg, msglen,
				"cannot read %s/platform.conf (run 'migtd-vmm pki init')", dir);
		goto fail;
	}
	if ((ret = emu_pki_key_load(&pki->pck_key, dir, "pck.key.pem")) ||
	    (ret = emu_pki_key_load(&pki->att_key, dir, "attestation.key.pem"))) {
		emu_pki_set_msg(msg, msglen, "cannot load the PCK or attestation key in %s", dir);
		goto fail;
	}
	if (mbedtls_ecp_write_public_key(mbedtls_pk_ec(pki->att_key), MBEDTLS_ECP_PF_UNCOMPRESSED,
					 &olen, pub, sizeof(pub)) != 0 ||
	    olen != 65) {
		ret = MIGTD_ERR_CRYPTO;
		goto fail;
	}
	memcpy(pki->att_pub, pub + 1, 64);
	if ((ret = emu_pki_read_in(dir, "pck_chain.pem", &buf, &len)) ||
	    len >= sizeof(pki->pck_chain_pem)) {
		emu_pki_set_msg(msg, msglen, "cannot read %s/pck_chain.pem", dir);
		ret = ret ? ret : MIGTD_ERR_NOSPACE;
		goto fail;
	}
	memcpy(pki->pck_chain_pem, buf, len);
	pki->pck_chain_len = len;
	free(buf);
	buf = NULL;
	if ((ret = emu_pki_read_in(dir, "report_mac.key", &buf, &len)) ||
	    len != sizeof(pki->report_mac_key)) {
		emu_pki_set_msg(msg, msglen, "cannot read %s/report_mac.key", dir);
		ret = ret ? ret : MIGTD_ERR_INVALID;
		goto fail;
	}
	memcpy(pki->report_mac_key, buf, len);
	mbedtls_platform_zeroize(buf, len);
	free(buf);
	buf = NULL;
	for (unsigned i = 0; i < EMU_QE_AUTH_DATA_LEN; i++)
		pki->qe_auth_data[i] = (uint8_t)i;
	if ((ret = qe_report_build(pki)))
		goto fail;
	return MIGTD_OK;
fail:
	/* buf may hold a report_mac.key of the wrong length: wipe it too. */
	if (buf)
		mbedtls_platform_zeroize(buf, len);
	free(buf);
	emu_pki_free(pki);
	return ret;
}

void emu_pki_free(struct emu_pki *pki)
{
	mbedtls_pk_free(&pki->pck_key);
	mbedtls_pk_free(&pki->att_key);
	mbedtls_platform_zeroize(pki->report_mac_key, sizeof(pki->report_mac_key));
}
