/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * pckext.c -- the Intel SGX extension of a PCK certificate.
 *
 *   SGXExtensions ::= SEQUENCE OF SEQUENCE { OID, value }
 *     .1 PPID OCTET STRING(16)       .2 TCB SEQUENCE OF SEQUENCE { OID .2.n, value }
 *     .3 PCE-ID OCTET STRING(2)      .4 FMSPC OCTET STRING(6)
 *     .5 SGX type ENUMERATED         (.6, .7 optional, ignored)
 *   TCB: .2.1 .. .2.16 INTEGER component SVNs, .2.17 INTEGER PCESVN,
 *        .2.18 OCTET STRING(16) CPUSVN
 * Every read is bounded by mbedtls_asn1_get_tag's end pointer.
 */
#include <string.h>

#include <mbedtls/asn1.h>

#include "migtd/quote.h"

/* 1.2.840.113741.1.13.1 */
static const uint8_t sgx_oid[] = { 0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01 };
#define SGX_OID_LEN sizeof(sgx_oid)

#define SEQ (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)

enum {
	HAVE_PPID = 1,
	HAVE_TCB = 2,
	HAVE_PCEID = 4,
	HAVE_FMSPC = 8,
	HAVE_ALL_TCB = (1u << 18) - 1, /* bits 0..17: components 1..16, PCESVN, CPUSVN */
};

static int get_octets(unsigned char **p, const unsigned char *end, uint8_t *out, size_t n)
{
	size_t len;

	if (mbedtls_asn1_get_tag(p, end, &len, MBEDTLS_ASN1_OCTET_STRING) || len != n)
		return MIGTD_ERR_INVALID;
	memcpy(out, *p, n);
	*p += n;
	return MIGTD_OK;
}

static int parse_tcb(unsigned char *p, const unsigned char *end, struct migtd_pck_ext *e)
{
	uint32_t seen = 0;

	while (p < end) {
		unsigned char *item_end;
		size_t len;
		int v;
		uint8_t arc;

		if (mbedtls_asn1_get_tag(&p, end, &len, SEQ))
			return MIGTD_ERR_INVALID;
		item_end = p + len;
		if (mbedtls_asn1_get_tag(&p, item_end, &len, MBEDTLS_ASN1_OID) ||
		    len != SGX_OID_LEN + 2 || memcmp(p, sgx_oid, SGX_OID_LEN) != 0 ||
		    p[SGX_OID_LEN] != 2)
			return MIGTD_ERR_INVALID;
		arc = p[SGX_OID_LEN + 1];
		p += len;
		if (arc < 1 || arc > 18 || (seen & (1u << (arc - 1))))
			return MIGTD_ERR_INVALID;
		seen |= 1u << (arc - 1);
		if (arc == 18) {
			if (get_octets(&p, item_end, e->cpu_svn, 16))
				return MIGTD_ERR_INVALID;
		} else {
			if (mbedtls_asn1_get_int(&p, item_end, &v) || v < 0 ||
			    v > (arc == 17 ? 0xffff : 0xff))
				return MIGTD_ERR_INVALID;
			if (arc == 17)
				e->pce_svn = (uint16_t)v;
			else
				e->sgx_tcb_comp[arc - 1] = (uint8_t)v;
		}
		if (p != item_end)
			return MIGTD_ERR_INVALID;
	}
	return seen == HAVE_ALL_TCB ? MIGTD_OK : MIGTD_ERR_INVALID;
}

static int parse_sgx_value(unsigned char *p, const unsigned char *end, struct migtd_pck_ext *e)
{
	unsigned seen = 0;
	size_t len;

	if (mbedtls_asn1_get_tag(&p, end, &len, SEQ) || p + len != end)
		return MIGTD_ERR_INVALID;
	while (p < end) {
		unsigned char *item_end;
		uint8_t arc;
		int v;

		if (mbedtls_asn1_get_tag(&p, end, &len, SEQ))
			return MIGTD_ERR_INVALID;
		item_end = p + len;
		if (mbedtls_asn1_get_tag(&p, item_end, &len, MBEDTLS_ASN1_OID) ||
		    len != SGX_OID_LEN + 1 || memcmp(p, sgx_oid, SGX_OID_LEN) != 0)
			return MIGTD_ERR_INVALID;
		arc = p[SGX_OID_LEN];
		p += len;
		switch (arc) {
		case 1:
			if ((seen & HAVE_PPID) || get_octets(&p, item_end, e->ppid, 16))
				return MIGTD_ERR_INVALID;
			seen |= HAVE_PPID;
			break;
		case 2:
			if ((seen & HAVE_TCB) || mbedtls_asn1_get_tag(&p, item_end, &len, SEQ) ||
			    p + len != item_end || parse_tcb(p, item_end, e))
				return MIGTD_ERR_INVALID;
			seen |= HAVE_TCB;
			p = item_end;
			break;
		case 3:
			if ((seen & HAVE_PCEID) || get_octets(&p, item_end, e->pce_id, 2))
				return MIGTD_ERR_INVALID;
			seen |= HAVE_PCEID;
			break;
		case 4:
			if ((seen & HAVE_FMSPC) || get_octets(&p, item_end, e->fmspc, 6))
				return MIGTD_ERR_INVALID;
			seen |= HAVE_FMSPC;
			break;
		case 5:
			if (mbedtls_asn1_get_enum(&p, item_end, &v) || v < 0 || v > 2)
				return MIGTD_ERR_INVALID;
			e->sgx_type = v;
			break;
		default:
			/* Platform instance id, configuration, future arcs: not used. */
			p = item_end;
			break;
		}
		if (p != item_end)
			return MIGTD_ERR_INVALID;
	}
	/* PPID is informational; the TCB, PCE-ID and FMSPC drive verification. */
	return (seen & (HAVE_TCB | HAVE_PCEID | HAVE_FMSPC)) == (HAVE_TCB | HAVE_PCEID | HAVE_FMSPC)
		       ? MIGTD_OK
		       : MIGTD_ERR_INVALID;
}

int migtd_pck_ext_parse(const uint8_t *exts, size_t len, struct migtd_pck_ext *ext)
{
	/* mbedtls_asn1 takes non-const pointers but never writes through them. */
	unsigned char *p = (unsigned char *)(uintptr_t)exts;
	const unsigned char *end;
	size_t l;

	if (!exts || !ext)
		return MIGTD_ERR_STATE;
	memset(ext, 0, sizeof(*ext));
	ext->sgx_type = -1;
	end = p + len;
	if (mbedtls_asn1_get_tag(&p, end, &l, SEQ) || p + l != end)
		return MIGTD_ERR_INVALID;
	while (p < end) {
		unsigned char *item_end, *oid;
		size_t oid_len;
		int critical = 0;

		if (mbedtls_asn1_get_tag(&p, end, &l, SEQ))
			return MIGTD_ERR_INVALID;
		item_end = p + l;
		if (mbedtls_asn1_get_tag(&p, item_end, &oid_len, MBEDTLS_ASN1_OID))
			return MIGTD_ERR_INVALID;
		oid = p;
		p += oid_len;
		if (oid_len != SGX_OID_LEN || memcmp(oid, sgx_oid, SGX_OID_LEN) != 0) {
			p = item_end;
			continue;
		}
		if (p < item_end && *p == MBEDTLS_ASN1_BOOLEAN &&
		    mbedtls_asn1_get_bool(&p, item_end, &critical))
			return MIGTD_ERR_INVALID;
		if (mbedtls_asn1_get_tag(&p, item_end, &l, MBEDTLS_ASN1_OCTET_STRING) ||
		    p + l != item_end)
			return MIGTD_ERR_INVALID;
		return parse_sgx_value(p, item_end, ext);
	}
	return MIGTD_ERR_INVALID;
}
