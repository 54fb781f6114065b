/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * Unit tests for core/ratls: certificate layout (§5.3), REPORTDATA binding
 * (§5.2), the peer verifier (§5.5) and full TLS 1.3 handshakes (§5.1)
 * between two in-process sessions over in-memory pipes.
 *
 * What is faked: the quote verifier and the policy engine. The "quote" is a
 * test buffer laid out like a v4 quote body (REPORTDATA at offset 568); the
 * fake verifier accepts it unless told not to and builds the 822-byte
 * verified report by copying the body fields to their §8.5 offsets, so the
 * REPORTDATA binding check runs on real bytes. Everything else (keys,
 * certificates, TLS, signatures) is real mbedTLS/PSA.
 *
 * Independent oracles: the upstream-derived example certificate and its
 * expected REPORTDATA, OpenSSL's CLI, and Python cryptography.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/pk.h>
#include <mbedtls/psa_util.h>
#include <mbedtls/x509_crt.h>
#include <psa/crypto.h>

#include "migtd/ratls.h"
#include "ratls_pair.h"
#include "support/testutil.h"

#define EXAMPLE_CERT "upstream/derived/ratls_cert_example.der"
#define EXAMPLE_KEY "upstream/derived/ratls_cert_example_key.pem"
#define EXAMPLE_RD "upstream/derived/ratls_cert_example_expected_reportdata.hex"
#define EVLOG "upstream/derived/eventlog_test_disable_ra.bin"

/* Offsets in the example certificate, from `openssl asn1parse` (checked below). */
#define EX_PUBKEY_OFF 223 /* 97-byte point inside the BIT STRING at 220 */
#define EX_EVLOG_OFF 415  /* OCTET STRING content, 317 bytes */
#define EX_EVLOG_LEN 317
#define EX_QUOTE_OFF 756 /* OCTET STRING content, 5006 bytes */
#define EX_QUOTE_LEN 5006
#define EX_TBS_END 5762 /* 4 (outer header) + 4 + 5754 */

#define WORK_CAP 65536

/* ---- fake quote verifier and policy ---------------------------------------- */

#define FQ_LEN 700
#define FQ_FLAG_BAD 0x01

struct fake {
	int policy_ret;
	int quote_calls;
	int policy_calls;
	bool is_src;
	size_t evlog_len;
	uint8_t evlog_last;
	uint8_t peer_marker;
	uint8_t bad_marker;      /* quotes with this MRTD byte do not verify */
	const uint8_t *force_rd; /* if set: REPORTDATA of every verified report */
};

static void make_quote(uint8_t q[FQ_LEN], const uint8_t rd[64], uint8_t marker, uint8_t flags)
{
	memset(q, 0, FQ_LEN);
	memcpy(q, "FAKEQUOT", 8);
	q[8] = flags;
	q[48 + 136] = marker; /* first byte of MRTD: report offset 136 */
	memcpy(q + 568, rd, 64);
}

static int fake_verify_quote(void *ctx, const uint8_t *quote, size_t len,
			     uint8_t report[MIGTD_VERIFIED_REPORT_SIZE])
{
	struct fake *f = ctx;

	f->quote_calls++;
	memset(report, 0, MIGTD_VERIFIED_REPORT_SIZE);
	if (f->force_rd != NULL) {
		memcpy(report + 520, f->force_rd, 64);
		return MIGTD_OK;
	}
	if (len != FQ_LEN || memcmp(quote, "FAKEQUOT", 8) != 0 || (quote[8] & FQ_FLAG_BAD) ||
	    (f->bad_marker != 0 && quote[48 + 136] == f->bad_marker))
		return MIGTD_ERR_QUOTE;
	/* body (after the 48-byte header) from MRSEAM on -> report offset 16 */
	memcpy(report + 16, quote + 48 + 16, 568);
	return MIGTD_OK;
}

static int fake_policy(void *ctx, bool is_src, const uint8_t local[MIGTD_VERIFIED_REPORT_SIZE],
		       const uint8_t peer[MIGTD_VERIFIED_REPORT_SIZE], const uint8_t *evlog,
		       size_t len)
{
	struct fake *f = ctx;

	(void)local;
	f->policy_calls++;
	f->is_src = is_src;
	f->evlog_len = len;
	f->evlog_last = len ? evlog[len - 1] : 0;
	f->peer_marker = peer[136];
	return f->policy_ret;
}

/* ---- fixtures --------------------------------------------------------------- */

/* In-memory pipes and the handshake loop: support/ratls_pair.h. */
struct pair {
	struct rp_link l;
	struct fake cf, sf;
	struct ratls_session c, s;
	uint8_t *evlog;
	size_t evlog_len;
};

struct side_opts {
	uint8_t quote_flags;
	bool wrong_rd;
	unsigned cert_flags;
};

static void start_side(struct ratls_session *s, enum ratls_role role, struct fake *f,
		       struct rp_end *e, const uint8_t *evlog, size_t evlog_len,
		       const struct side_opts *o)
{
	struct ratls_callbacks cb = { fake_verify_quote, fake_policy, f };
	struct ratls_io io = { rp_pipe_send, rp_pipe_recv, e };
	uint8_t rd[64], quote[FQ_LEN];
	uint8_t *work = malloc(WORK_CAP);

	assert_non_null(work);
	assert_int_equal(migtd_ratls_session_init(s, role, &cb), MIGTD_OK);
	assert_int_equal(migtd_ratls_session_report_data(s, rd), MIGTD_OK);
	make_quote(quote, rd, role == RATLS_CLIENT ? 0xC1 : 0x5E, o->quote_flags);
	if (o->wrong_rd)
		quote[568] ^= 1;
	assert_int_equal(migtd_ratls_session_start(s, quote, sizeof(quote), evlog, evlog_len,
						   o->cert_flags, &io, work, WORK_CAP),
			 MIGTD_OK);
	free(work);
}

static struct pair *pair_new(const struct side_opts *co, const struct side_opts *so)
{
	static const struct side_opts none;
	struct pair *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	rp_link_init(&p->l);
	p->evlog = tu_read_vector(EVLOG, &p->evlog_len);
	start_side(&p->c, RATLS_CLIENT, &p->cf, &p->l.ce, p->evlog, p->evlog_len, co ? co : &none);
	start_side(&p->s, RATLS_SERVER, &p->sf, &p->l.se, p->evlog, p->evlog_len, so ? so : &none);
	return p;
}

static void pair_free(struct pair *p)
{
	migtd_ratls_session_free(&p->c);
	migtd_ratls_session_free(&p->s);
	free(p->evlog);
	free(p);
}

static int setup_psa(void **state)
{
	(void)state;
	return psa_crypto_init() == PSA_SUCCESS ? 0 : -1;
}

/* ---- REPORTDATA ----------------------------------------------------------------- */

static void test_report_data_sha384_vector(void **state)
{
	/* FIPS 180-2 SHA-384("abc"), then 16 zero bytes (§5.2). */
	static const char want[] = "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded163"
				   "1a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"
				   "00000000000000000000000000000000";
	uint8_t rd[64], exp[64];

	(void)state;
	tu_unhex(want, exp, sizeof(exp));
	assert_int_equal(migtd_ratls_report_data((const uint8_t *)"abc", 3, rd), MIGTD_OK);
	assert_memory_equal(rd, exp, 64);
}

static void test_report_data_example(void **state)
{
	size_t len, hlen, klen;
	uint8_t *der = tu_read_vector(EXAMPLE_CERT, &len);
	char *hex = (char *)tu_read_vector(EXAMPLE_RD, &hlen);
	uint8_t *pem = tu_read_vector(EXAMPLE_KEY, &klen);
	uint8_t want[64], rd[64], spki[256];
	mbedtls_pk_context pk;
	int n;

	(void)state;
	while (hlen > 0 && (hex[hlen - 1] == '\n' || hex[hlen - 1] == '\r'))
		hex[--hlen] = 0;
	assert_int_equal(tu_unhex(hex, want, sizeof(want)), 64);
	/* BIT STRING header then the uncompressed point (asn1parse: 220, l=98). */
	assert_true(len > 400);
	assert_int_equal(der[220], 0x03);
	assert_int_equal(der[221], 0x62);
	assert_int_equal(der[222], 0x00);
	assert_int_equal(der[223], 0x04);
	assert_int_equal(migtd_ratls_report_data(der + EX_PUBKEY_OFF, RATLS_PUBKEY_SIZE, rd),
			 MIGTD_OK);
	assert_memory_equal(rd, want, 64);

	/* The private key file belongs to the same public key. */
	mbedtls_pk_init(&pk);
	assert_int_equal(mbedtls_pk_parse_key(&pk, pem, klen + 1, NULL, 0, mbedtls_psa_get_random,
					      MBEDTLS_PSA_RANDOM_STATE),
			 0);
	n = mbedtls_pk_write_pubkey_der(&pk, spki, sizeof(spki));
	assert_true(n > RATLS_PUBKEY_SIZE);
	assert_memory_equal(spki + sizeof(spki) - RATLS_PUBKEY_SIZE, der + EX_PUBKEY_OFF,
			    RATLS_PUBKEY_SIZE);
	mbedtls_pk_free(&pk);
	free(der);
	free(hex);
	free(pem);
}

/* ---- the example (upstream-layout) certificate through our verifier -------- */

static void verify_with(const uint8_t *der, size_t len, struct fake *f, int want,
			const char *want_reason)
{
	static const uint8_t local_rd[64];
	struct ratls_callbacks cb = { fake_verify_quote, fake_policy, f };
	uint8_t local[FQ_LEN];
	struct ratls_verifier v = { &cb, true, local, sizeof(local) };
	const char *reason = NULL;
	int got;

	make_quote(local, local_rd, 0x10, 0);
	got = migtd_ratls_verify_peer_cert(&v, der, len, &reason);
	assert_non_null(reason);
	if (got != want)
		fail_msg("verifier: got %d (%s), want %d", got, reason, want);
	if (want_reason != NULL && strstr(reason, want_reason) == NULL)
		fail_msg("reason '%s' lacks '%s'", reason, want_reason);
}

static void test_example_cert_verifies(void **state)
{
	size_t len, hlen;
	uint8_t *der = tu_read_vector(EXAMPLE_CERT, &len);
	char *hex = (char *)tu_read_vector(EXAMPLE_RD, &hlen);
	uint8_t rd[64];
	struct fake f = { 0 };

	(void)state;
	while (hlen > 0 && (hex[hlen - 1] == '\n' || hex[hlen - 1] == '\r'))
		hex[--hlen] = 0;
	assert_int_equal(tu_unhex(hex, rd, sizeof(rd)), 64);
	/* Its quote is a dummy: let the fake report carry the right REPORTDATA.
	 * Then parse (explicit critical FALSE), EKU, evidence, binding and the
	 * self-signature over the received TBS must all pass. */
	f.force_rd = rd;
	verify_with(der, len, &f, MIGTD_OK, "ok");
	assert_int_equal(f.quote_calls, 2); /* local, then peer */
	assert_int_equal(f.policy_calls, 1);
	assert_true(f.is_src);
	assert_int_equal(f.evlog_len, EX_EVLOG_LEN);
	assert_int_equal(f.evlog_last, 0xFF); /* the trailing byte, §9.5 */

	/* A report for another key: binding fails -> 6. */
	rd[5] ^= 0x80;
	memset(&f, 0, sizeof(f));
	f.force_rd = rd;
	verify_with(der, len, &f, MIGTD_ERR_PEER_CERT, "REPORTDATA");
	assert_int_equal(f.policy_calls, 0);

	/* Policy verdicts pass through: 8 and 9. */
	rd[5] ^= 0x80;
	memset(&f, 0, sizeof(f));
	f.force_rd = rd;
	f.policy_ret = MIGTD_ERR_INVALID;
	verify_with(der, len, &f, MIGTD_ERR_POLICY, "policy");
	f.policy_ret = MIGTD_ERR_INVALID_POLICY;
	verify_with(der, len, &f, MIGTD_ERR_INVALID_POLICY, "invalid");

	/* Tampered signature (last byte of s) -> 6. */
	f.policy_ret = MIGTD_OK;
	der[len - 1] ^= 0x01;
	verify_with(der, len, &f, MIGTD_ERR_PEER_CERT, "self-signature");
	der[len - 1] ^= 0x01;
	/* Tampered TBS byte inside the event log: signature breaks -> 6. */
	der[EX_EVLOG_OFF + 40] ^= 0x01;
	verify_with(der, len, &f, MIGTD_ERR_PEER_CERT, "self-signature");
	free(der);
	free(hex);
}

static void test_local_quote_checked_first(void **state)
{
	static const uint8_t rd[64];
	struct fake f = { 0 };
	struct ratls_callbacks cb = { fake_verify_quote, fake_policy, &f };
	uint8_t local[FQ_LEN];
	struct ratls_verifier v = { &cb, false, local, sizeof(local) };
	const char *reason;

	(void)state;
	make_quote(local, rd, 0, FQ_FLAG_BAD);
	/* Garbage peer bytes: the local quote failure (7) wins, §5.5 step 1. */
	assert_int_equal(migtd_ratls_verify_peer_cert(&v, (const uint8_t *)"junk", 4, &reason),
			 MIGTD_ERR_QUOTE);
	assert_non_null(strstr(reason, "local"));
	assert_int_equal(f.quote_calls, 1);
	/* A valid local quote, garbage peer: 6. */
	make_quote(local, rd, 0, 0);
	assert_int_equal(migtd_ratls_verify_peer_cert(&v, (const uint8_t *)"junk", 4, &reason),
			 MIGTD_ERR_PEER_CERT);
	v.local_quote = NULL;
	assert_int_equal(migtd_ratls_verify_peer_cert(&v, (const uint8_t *)"junk", 4, &reason),
			 MIGTD_ERR_QUOTE);
	v.cb = NULL;
	assert_int_equal(migtd_ratls_verify_peer_cert(&v, (const uint8_t *)"junk", 4, &reason),
			 MIGTD_ERR_STATE);
}

/* ---- certificate generation --------------------------------------------------- */

static psa_key_id_t new_key(void)
{
	psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
	psa_key_id_t k = 0;

	psa_set_key_type(&a, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
	psa_set_key_bits(&a, 384);
	psa_set_key_usage_flags(&a, PSA_KEY_USAGE_SIGN_HASH);
	psa_set_key_algorithm(&a, PSA_ALG_ECDSA(PSA_ALG_SHA_384));
	assert_int_equal(psa_generate_key(&a, &k), PSA_SUCCESS);
	return k;
}

/*
 * With the explicit-FALSE flag and the example's own quote and event log,
 * our TBS must equal upstream's byte for byte except the public key.
 */
static void test_cert_bit_exact_with_upstream(void **state)
{
	size_t len, out_len = 0;
	uint8_t *ex = tu_read_vector(EXAMPLE_CERT, &len);
	uint8_t *buf = malloc(WORK_CAP);
	uint8_t pub[RATLS_PUBKEY_SIZE];
	psa_key_id_t k = new_key();
	size_t pl;
	static const uint8_t sigalg[] = { 0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86,
					  0x48, 0xCE, 0x3D, 0x04, 0x03, 0x03 };

	(void)state;
	assert_non_null(buf);
	/* The offsets we take the evidence from (asn1parse of the example). */
	assert_memory_equal(ex + EX_EVLOG_OFF - 4, "\x04\x82\x01\x3D", 4);
	assert_memory_equal(ex + EX_QUOTE_OFF - 4, "\x04\x82\x13\x8E", 4);
	assert_int_equal(migtd_ratls_cert_write(k, ex + EX_QUOTE_OFF, EX_QUOTE_LEN,
						ex + EX_EVLOG_OFF, EX_EVLOG_LEN,
						RATLS_CERT_EXPLICIT_NONCRITICAL, buf, WORK_CAP,
						&out_len),
			 MIGTD_OK);
	assert_true(out_len > EX_TBS_END + sizeof(sigalg));
	/* outer header, TBS up to the key, TBS after the key */
	assert_memory_equal(buf, ex, 2);
	assert_memory_equal(buf + 4, ex + 4, EX_PUBKEY_OFF - 4);
	assert_memory_equal(buf + EX_PUBKEY_OFF + RATLS_PUBKEY_SIZE,
			    ex + EX_PUBKEY_OFF + RATLS_PUBKEY_SIZE,
			    EX_TBS_END - EX_PUBKEY_OFF - RATLS_PUBKEY_SIZE);
	assert_int_equal(psa_export_public_key(k, pub, sizeof(pub), &pl), PSA_SUCCESS);
	assert_memory_equal(buf + EX_PUBKEY_OFF, pub, RATLS_PUBKEY_SIZE);
	/* signatureAlgorithm, then BIT STRING { 00, ECDSA-Sig-Value } to the end */
	assert_memory_equal(buf + EX_TBS_END, sigalg, sizeof(sigalg));
	assert_int_equal(buf[EX_TBS_END + 12], 0x03);
	assert_int_equal((size_t)buf[EX_TBS_END + 13] + EX_TBS_END + 14, out_len);
	assert_int_equal(buf[EX_TBS_END + 14], 0x00);
	assert_int_equal(buf[EX_TBS_END + 15], 0x30);
	assert_int_equal(((size_t)buf[2] << 8 | buf[3]) + 4, out_len);

	/* Tiny buffers fail cleanly at every size. */
	for (pl = 0; pl < out_len; pl += 97) {
		size_t l2 = 1;

		assert_int_equal(migtd_ratls_cert_write(k, ex + EX_QUOTE_OFF, EX_QUOTE_LEN,
							ex + EX_EVLOG_OFF, EX_EVLOG_LEN, 0, buf, pl,
							&l2),
				 MIGTD_ERR_NOSPACE);
		assert_int_equal(l2, 0);
	}
	assert_int_equal(migtd_ratls_cert_write(k, ex, 0, ex, 1, 0, buf, WORK_CAP, &pl),
			 MIGTD_ERR_LENGTH);
	psa_destroy_key(k);
	free(buf);
	free(ex);
}

/* Default encoding (non-critical flag omitted), checked field by field. */
static void test_cert_layout_default(void **state)
{
	static const uint8_t head[] = {
		/* version [0] 2, serial 1, ecdsa-with-SHA384 */
		0xA0,
		0x03,
		0x02,
		0x01,
		0x02,
		0x02,
		0x01,
		0x01,
		0x30,
		0x0A,
		0x06,
		0x08,
		0x2A,
		0x86,
		0x48,
		0xCE,
		0x3D,
		0x04,
		0x03,
		0x03,
		/* issuer */
		0x30,
		0x42,
		0x31,
		0x0B,
		0x30,
		0x09,
		0x06,
		0x03,
		0x55,
		0x04,
		0x06,
		0x13,
		0x02,
		'X',
		'X',
		0x31,
		0x15,
		0x30,
		0x13,
		0x06,
		0x03,
		0x55,
		0x04,
		0x07,
		0x0C,
		0x0C,
		'D',
		'e',
		'f',
		'a',
		'u',
		'l',
		't',
		' ',
		'C',
		'i',
		't',
		'y',
		0x31,
		0x1C,
		0x30,
		0x1A,
		0x06,
		0x03,
		0x55,
		0x04,
		0x0A,
		0x0C,
		0x13,
		'D',
		'e',
		'f',
		'a',
		'u',
		'l',
		't',
		' ',
		'C',
		'o',
		'm',
		'p',
		'a',
		'n',
		'y',
		' ',
		'L',
		't',
		'd',
		/* validity: two GeneralizedTime (tag 0x18) */
		0x30,
		0x22,
		0x18,
		0x0F,
		'1',
		'9',
		'7',
		'0',
		'0',
		'1',
		'0',
		'1',
		'0',
		'0',
		'0',
		'0',
		'0',
		'0',
		'Z',
		0x18,
		0x0F,
		'9',
		'9',
		'9',
		'9',
		'1',
		'2',
		'3',
		'1',
		'2',
		'3',
		'5',
		'9',
		'5',
		'9',
		'Z',
	};
	static const uint8_t spki_alg[] = { 0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2A, 0x86,
					    0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x05, 0x2B,
					    0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00 };
	static const uint8_t ku_eku[] = {
		0x30, 0x0E, 0x06, 0x03, 0x55, 0x1D, 0x0F, 0x01, 0x01, 0xFF, 0x04, 0x04,
		0x03, 0x02, 0x00, 0x80, 0x30, 0x2A, 0x06, 0x03, 0x55, 0x1D, 0x25, 0x04,
		0x23, 0x30, 0x21, 0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03,
		0x01, 0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02, 0x06,
		0x0B, 0x2A, 0x86, 0x48, 0x86, 0xF8, 0x4D, 0x01, 0x05, 0x05, 0x01, 0x01,
	};
	static const uint8_t oid_pfx[] = { 0x06, 0x0B, 0x2A, 0x86, 0x48, 0x86,
					   0xF8, 0x4D, 0x01, 0x05, 0x05, 0x01 };
	uint8_t evlog[300], quote[FQ_LEN], rd[64] = { 0 };
	uint8_t *buf = malloc(WORK_CAP), *p;
	size_t len = 0, i, ext_len;
	psa_key_id_t k = new_key();
	mbedtls_x509_crt crt;

	(void)state;
	for (i = 0; i < sizeof(evlog); i++)
		evlog[i] = (uint8_t)i;
	make_quote(quote, rd, 1, 0);
	assert_int_equal(migtd_ratls_cert_write(k, quote, sizeof(quote), evlog, sizeof(evlog), 0,
						buf, WORK_CAP, &len),
			 MIGTD_OK);
	/* 30 82 LL LL | 30 82 LL LL | head ... */
	assert_int_equal(buf[0], 0x30);
	assert_int_equal(buf[1], 0x82);
	assert_int_equal(buf[4], 0x30);
	assert_int_equal(buf[5], 0x82);
	p = buf + 8;
	assert_memory_equal(p, head, sizeof(head));
	p += sizeof(head);
	assert_memory_equal(p, head + 20, 68); /* subject == issuer */
	p += 68;
	assert_memory_equal(p, spki_alg, sizeof(spki_alg));
	p += sizeof(spki_alg) + RATLS_PUBKEY_SIZE;
	/* [3] { SEQUENCE { KU critical, EKU, evlog, quote } } */
	ext_len = sizeof(ku_eku) + (4 + 13 + 4 + sizeof(evlog)) + (4 + 13 + 4 + sizeof(quote));
	assert_int_equal(p[0], 0xA3);
	assert_int_equal(p[1], 0x82);
	assert_int_equal((size_t)p[2] << 8 | p[3], ext_len + 4);
	assert_int_equal(p[4], 0x30);
	assert_int_equal((size_t)p[6] << 8 | p[7], ext_len);
	p += 8;
	assert_memory_equal(p, ku_eku, sizeof(ku_eku));
	p += sizeof(ku_eku);
	/* event log: no BOOLEAN, straight to the OCTET STRING */
	assert_memory_equal(p, "\x30\x82\x01\x3D", 4);
	assert_memory_equal(p + 4, oid_pfx, sizeof(oid_pfx));
	assert_int_equal(p[16], 0x03);
	assert_memory_equal(p + 17, "\x04\x82\x01\x2C", 4);
	assert_memory_equal(p + 21, evlog, sizeof(evlog));
	p += 21 + sizeof(evlog);
	assert_memory_equal(p, "\x30\x82\x02\xCD", 4);
	assert_memory_equal(p + 4, oid_pfx, sizeof(oid_pfx));
	assert_int_equal(p[16], 0x02);
	assert_memory_equal(p + 17, "\x04\x82\x02\xBC", 4);
	assert_memory_equal(p + 21, quote, sizeof(quote));
	p += 21 + sizeof(quote);
	assert_int_equal((size_t)(p - buf), ((size_t)buf[6] << 8 | buf[7]) + 8);

	/* mbedTLS reads it back the same way. */
	mbedtls_x509_crt_init(&crt);
	assert_int_equal(mbedtls_x509_crt_parse_der(&crt, buf, len), 0);
	assert_int_equal(crt.version, 3);
	assert_int_equal(crt.serial.len, 1);
	assert_int_equal(crt.serial.p[0], 1);
	assert_int_equal(crt.valid_from.year, 1970);
	assert_int_equal(crt.valid_to.year, 9999);
	assert_int_equal(crt.valid_to.sec, 59);
	assert_int_equal(mbedtls_x509_crt_check_key_usage(&crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE),
			 0);
	assert_int_equal(mbedtls_x509_crt_check_key_usage(&crt, MBEDTLS_X509_KU_KEY_CERT_SIGN) == 0,
			 0);
	assert_int_equal(mbedtls_x509_crt_check_extended_key_usage(&crt, RATLS_OID_MIGTD_EKU,
								   RATLS_OID_LEN),
			 0);
	assert_int_equal(mbedtls_pk_get_bitlen(&crt.pk), 384);
	mbedtls_x509_crt_free(&crt);

	/* our verifier accepts it too (fake report binds the key) */
	{
		uint8_t pub[RATLS_PUBKEY_SIZE], want[64];
		size_t pl;
		struct fake f = { 0 };

		assert_int_equal(psa_export_public_key(k, pub, sizeof(pub), &pl), PSA_SUCCESS);
		migtd_ratls_report_data(pub, pl, want);
		f.force_rd = want;
		verify_with(buf, len, &f, MIGTD_OK, "ok");
		assert_int_equal(f.evlog_len, sizeof(evlog));
	}
	psa_destroy_key(k);
	free(buf);
}

/* ---- independent oracles: OpenSSL and Python cryptography --------------------- */

static void write_file(const char *path, const uint8_t *b, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	fclose(f);
}

static char *run_cmd(const char *cmd)
{
	static char out[65536];
	FILE *f = popen(cmd, "r");
	size_t n;

	assert_non_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = 0;
	pclose(f);
	return out;
}

static void gen_cert(unsigned flags, uint8_t **der, size_t *len, psa_key_id_t k)
{
	uint8_t quote[FQ_LEN], rd[64] = { 0 };
	size_t el;
	uint8_t *evlog = tu_read_vector(EVLOG, &el);

	*der = malloc(WORK_CAP);
	assert_non_null(*der);
	make_quote(quote, rd, 1, 0);
	assert_int_equal(migtd_ratls_cert_write(k, quote, sizeof(quote), evlog, el, flags, *der,
						WORK_CAP, len),
			 MIGTD_OK);
	free(evlog);
}

static const char py_check[] =
	"import sys\n"
	"from cryptography import x509\n"
	"from cryptography.hazmat.primitives import hashes\n"
	"from cryptography.hazmat.primitives.asymmetric import ec\n"
	"try:\n"
	"  c = x509.load_der_x509_certificate(open(sys.argv[1],'rb').read())\n"
	"  exts = c.extensions\n"
	"except ValueError as e:\n"
	"  print('REJECTED', e); sys.exit(0)\n"
	"c.public_key().verify(c.signature, c.tbs_certificate_bytes, ec.ECDSA(hashes.SHA384()))\n"
	"print('SIG-OK')\n"
	"print('V', c.version.name, c.serial_number, c.signature_algorithm_oid.dotted_string)\n"
	"print('NB', c.not_valid_before.isoformat(), 'NA', c.not_valid_after.isoformat())\n"
	"print('CURVE', c.public_key().curve.name)\n"
	"print('NAME', c.subject.rfc4514_string(), c.issuer == c.subject)\n"
	"for e in exts: print('EXT', e.oid.dotted_string, e.critical)\n"
	"print('EKU', [o.dotted_string for o in exts.get_extension_for_class("
	"x509.ExtendedKeyUsage).value])\n";

static void test_oracle_python_cryptography(void **state)
{
	static const char want[] =
		"SIG-OK\n"
		"V v3 1 1.2.840.10045.4.3.3\n"
		"NB 1970-01-01T00:00:00 NA 9999-12-31T23:59:59\n"
		"CURVE secp384r1\n"
		"NAME O=Default Company Ltd,L=Default City,C=XX True\n"
		"EXT 2.5.29.15 True\n"
		"EXT 2.5.29.37 False\n"
		"EXT 1.2.840.113741.1.5.5.1.3 False\n"
		"EXT 1.2.840.113741.1.5.5.1.2 False\n"
		"EKU ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2', '1.2.840.113741.1.5.5.1.1']\n";
	char path[] = "/tmp/ratls_test_XXXXXX", script[] = "/tmp/ratls_py_XXXXXX", cmd[256];
	uint8_t *der;
	size_t len;
	psa_key_id_t k = new_key();
	int fd;

	(void)state;
	fd = mkstemp(script);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, py_check, sizeof(py_check) - 1), (ssize_t)sizeof(py_check) - 1);
	close(fd);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);

	/* Default (DER) encoding: a strict parser accepts it and agrees on every field. */
	gen_cert(0, &der, &len, k);
	write_file(path, der, len);
	free(der);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s %s 2>&1", script, path);
	assert_string_equal(run_cmd(cmd), want);

	/* Upstream's explicit FALSE: rejected by the strict parser, as §5.3 says. */
	gen_cert(RATLS_CERT_EXPLICIT_NONCRITICAL, &der, &len, k);
	write_file(path, der, len);
	free(der);
	assert_non_null(strstr(run_cmd(cmd), "REJECTED"));
	assert_non_null(strstr(run_cmd(cmd), "EncodedDefault"));
	unlink(path);
	unlink(script);
	psa_destroy_key(k);
}

static void test_oracle_openssl(void **state)
{
	char path[] = "/tmp/ratls_test_XXXXXX", cmd[256];
	const char *out;
	uint8_t *der;
	size_t len;
	psa_key_id_t k = new_key();
	int fd, pass;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	for (pass = 0; pass < 2; pass++) {
		gen_cert(pass ? RATLS_CERT_EXPLICIT_NONCRITICAL : 0, &der, &len, k);
		write_file(path, der, len);
		free(der);
		snprintf(cmd, sizeof(cmd), "openssl x509 -inform DER -noout -text -in %s 2>&1",
			 path);
		out = run_cmd(cmd);
		assert_non_null(strstr(out, "Version: 3 (0x2)"));
		assert_non_null(strstr(out, "Serial Number: 1 (0x1)"));
		assert_non_null(strstr(out, "Signature Algorithm: ecdsa-with-SHA384"));
		assert_non_null(
			strstr(out, "Issuer: C = XX, L = Default City, O = Default Company Ltd"));
		assert_non_null(
			strstr(out, "Subject: C = XX, L = Default City, O = Default Company Ltd"));
		assert_non_null(strstr(out, "Not Before: Jan  1 00:00:00 1970 GMT"));
		assert_non_null(strstr(out, "Not After : Dec 31 23:59:59 9999 GMT"));
		assert_non_null(strstr(out, "NIST CURVE: P-384"));
		assert_non_null(strstr(out, "X509v3 Key Usage: critical"));
		assert_non_null(strstr(out, "Digital Signature"));
		assert_non_null(strstr(out, "TLS Web Server Authentication, TLS Web Client "
					    "Authentication, 1.2.840.113741.1.5.5.1.1"));
		snprintf(cmd, sizeof(cmd), "openssl asn1parse -inform DER -in %s 2>&1", path);
		out = run_cmd(cmd);
		assert_non_null(strstr(out, "GENERALIZEDTIME   :19700101000000Z"));
		assert_non_null(strstr(out, "GENERALIZEDTIME   :99991231235959Z"));
		assert_null(strstr(out, "UTCTIME"));
		/* explicit FALSE shows up as BOOLEAN :0 only when asked for */
		assert_true((strstr(out, "BOOLEAN           :0") != NULL) == (pass == 1));
		/* self-signature, checked by OpenSSL */
		snprintf(cmd, sizeof(cmd),
			 "openssl x509 -inform DER -in %s -out %s.pem && openssl verify -no-CAfile "
			 "-no-CApath -partial_chain -trusted %s.pem %s.pem 2>&1; rm -f %s.pem",
			 path, path, path, path, path);
		out = run_cmd(cmd);
		assert_non_null(strstr(out, ": OK"));
	}
	unlink(path);
	psa_destroy_key(k);
}

/* ---- re-signed variants of a valid certificate ---------------------------------- */

static int accept_any_ext(void *ctx, mbedtls_x509_crt const *crt, mbedtls_x509_buf const *oid,
			  int critical, const unsigned char *p, const unsigned char *end)
{
	(void)ctx, (void)crt, (void)oid, (void)critical, (void)p, (void)end;
	return 0;
}

/* Find needle in the TBS of der (must occur), flip it via `edit`, re-sign. */
static size_t resign(uint8_t *der, size_t len, psa_key_id_t k, uint8_t *out, size_t cap)
{
	mbedtls_x509_crt crt;
	uint8_t hash[48], raw[96], sig[120];
	size_t hl, rl, sl, tbs_len, tl = 0;
	unsigned char *p = out + cap;
	int r;

	mbedtls_x509_crt_init(&crt);
	/* accept_any_ext: the variants may carry critical unknown extensions */
	assert_int_equal(mbedtls_x509_crt_parse_der_with_ext_cb(&crt, der, len, 0, accept_any_ext,
								NULL),
			 0);
	tbs_len = crt.tbs.len;
	assert_int_equal(psa_hash_compute(PSA_ALG_SHA_384, crt.tbs.p, tbs_len, hash, 48, &hl),
			 PSA_SUCCESS);
	assert_int_equal(psa_sign_hash(k, PSA_ALG_ECDSA(PSA_ALG_SHA_384), hash, 48, raw, 96, &rl),
			 PSA_SUCCESS);
	assert_int_equal(mbedtls_ecdsa_raw_to_der(384, raw, 96, sig, sizeof(sig), &sl), 0);
	r = mbedtls_asn1_write_bitstring(&p, out, sig, sl * 8);
	assert_true(r > 0);
	tl += (size_t)r;
	r = mbedtls_asn1_write_algorithm_identifier_ext(&p, out, "\x2A\x86\x48\xCE\x3D\x04\x03\x03",
							8, 0, 0);
	assert_true(r > 0);
	tl += (size_t)r;
	r = mbedtls_asn1_write_raw_buffer(&p, out, crt.tbs.p, tbs_len);
	tl += (size_t)r;
	r = mbedtls_asn1_write_len(&p, out, tl);
	tl += (size_t)r;
	r = mbedtls_asn1_write_tag(&p, out, 0x30);
	tl += (size_t)r;
	mbedtls_x509_crt_free(&crt);
	memmove(out, p, tl);
	return tl;
}

static uint8_t *find(uint8_t *hay, size_t n, const void *needle, size_t m)
{
	size_t i;

	for (i = 0; i + m <= n; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return hay + i;
	fail_msg("pattern not found");
	abort();
}

static void test_verifier_rejects_variants(void **state)
{
	static const uint8_t eku_oid[] = { 0x06, 0x03, 0x55, 0x1D, 0x25 };
	static const uint8_t migtd_eku[] = { 0x06, 0x0B, 0x2A, 0x86, 0x48, 0x86, 0xF8,
					     0x4D, 0x01, 0x05, 0x05, 0x01, 0x01 };
	static const uint8_t q_ext[] = { 0x06, 0x0B, 0x2A, 0x86, 0x48, 0x86, 0xF8, 0x4D,
					 0x01, 0x05, 0x05, 0x01, 0x02, 0x01, 0x01, 0x00 };
	static const uint8_t e_ext[] = { 0x06, 0x0B, 0x2A, 0x86, 0x48, 0x86, 0xF8, 0x4D,
					 0x01, 0x05, 0x05, 0x01, 0x03, 0x01, 0x01, 0x00 };
	psa_key_id_t k = new_key();
	uint8_t pub[RATLS_PUBKEY_SIZE], want[64];
	uint8_t *der, *mod = malloc(WORK_CAP), *out = malloc(WORK_CAP), *x;
	size_t len, pl, ol, cut;
	struct fake f = { 0 };

	(void)state;
	assert_int_equal(psa_export_public_key(k, pub, sizeof(pub), &pl), PSA_SUCCESS);
	migtd_ratls_report_data(pub, pl, want);
	f.force_rd = want;
	gen_cert(RATLS_CERT_EXPLICIT_NONCRITICAL, &der, &len, k);

	/* Control: re-signing an unmodified certificate keeps it valid. */
	memcpy(mod, der, len);
	ol = resign(mod, len, k, out, WORK_CAP);
	verify_with(out, ol, &f, MIGTD_OK, "ok");

	/* No extKeyUsage at all (its OID changed to an unknown one). */
	memcpy(mod, der, len);
	x = find(mod, len, eku_oid, sizeof(eku_oid));
	x[4] = 0x7F;
	ol = resign(mod, len, k, out, WORK_CAP);
	verify_with(out, ol, &f, MIGTD_ERR_PEER_CERT, "EKU");

	/* extKeyUsage without the MigTD OID. */
	memcpy(mod, der, len);
	x = find(mod, len, migtd_eku, sizeof(migtd_eku));
	x[12] = 0x07;
	ol = resign(mod, len, k, out, WORK_CAP);
	verify_with(out, ol, &f, MIGTD_ERR_PEER_CERT, "EKU");

	/* No quote extension. */
	memcpy(mod, der, len);
	x = find(mod, len, q_ext, sizeof(q_ext));
	x[12] = 0x09;
	ol = resign(mod, len, k, out, WORK_CAP);
	verify_with(out, ol, &f, MIGTD_ERR_PEER_CERT, "quote extension");

	/* No event-log extension. */
	memcpy(mod, der, len);
	x = find(mod, len, e_ext, sizeof(e_ext));
	x[12] = 0x09;
	ol = resign(mod, len, k, out, WORK_CAP);
	verify_with(out, ol, &f, MIGTD_ERR_PEER_CERT, "event log");

	/* The event log marked critical: an unknown critical extension. */
	memcpy(mod, der, len);
	x = find(mod, len, e_ext, sizeof(e_ext));
	x[15] = 0xFF;
	ol = resign(mod, len, k, out, WORK_CAP);
	verify_with(out, ol, &f, MIGTD_ERR_PEER_CERT, "parse");

	/* Two quote extensions: the first one counts. The second copy (the
	 * event log's OID renamed to the quote's) carries the event log. */
	memcpy(mod, der, len);
	x = find(mod, len, e_ext, sizeof(e_ext));
	x[12] = 0x02;
	ol = resign(mod, len, k, out, WORK_CAP);
	verify_with(out, ol, &f, MIGTD_ERR_PEER_CERT, "event log");

	/* Signed by another key (binding holds, signature does not). */
	{
		psa_key_id_t k2 = new_key();

		memcpy(mod, der, len);
		ol = resign(mod, len, k2, out, WORK_CAP);
		verify_with(out, ol, &f, MIGTD_ERR_PEER_CERT, "self-signature");
		psa_destroy_key(k2);
	}

	/* Truncated at every length: never accepted, never a crash. */
	for (cut = 0; cut < len; cut += (cut < 400 ? 1 : 61))
		verify_with(der, cut, &f, MIGTD_ERR_PEER_CERT, NULL);
	/* Trailing garbage after the certificate. */
	memcpy(mod, der, len);
	mod[len] = 0;
	verify_with(mod, len + 1, &f, MIGTD_ERR_PEER_CERT, "trailing");

	free(der);
	free(mod);
	free(out);
	psa_destroy_key(k);
}

/* ---- full TLS 1.3 handshakes ------------------------------------------------------ */

static void test_handshake_and_exchange(void **state)
{
	struct pair *p = pair_new(NULL, NULL);
	uint8_t msg_c[40], msg_s[40], got[64];
	int rc, rs, i;
	long n;

	(void)state;
	rp_run_handshake(&p->l, &p->c, &p->s, &rc, &rs);
	assert_int_equal(rc, MIGTD_OK);
	assert_int_equal(rs, MIGTD_OK);
	assert_string_equal(mbedtls_ssl_get_version(&p->c.ssl), "TLSv1.3");
	assert_string_equal(mbedtls_ssl_get_ciphersuite(&p->c.ssl), "TLS1-3-AES-256-GCM-SHA384");
	assert_string_equal(mbedtls_ssl_get_ciphersuite(&p->s.ssl), "TLS1-3-AES-256-GCM-SHA384");
	/* each side: own quote + peer quote, one policy call with its role */
	assert_int_equal(p->cf.quote_calls, 2);
	assert_int_equal(p->sf.quote_calls, 2);
	assert_int_equal(p->cf.policy_calls, 1);
	assert_int_equal(p->sf.policy_calls, 1);
	assert_true(p->cf.is_src);
	assert_false(p->sf.is_src);
	assert_int_equal(p->cf.peer_marker, 0x5E); /* saw the server's quote */
	assert_int_equal(p->sf.peer_marker, 0xC1);
	assert_int_equal(p->sf.evlog_len, p->evlog_len);
	assert_int_equal(p->sf.evlog_last, p->evlog[p->evlog_len - 1]);
	assert_int_equal(p->l.c2s.len, 0);
	assert_int_equal(p->l.s2c.len, 0);

	/* §6.2: both write 40 bytes as one record, then read. */
	for (i = 0; i < 40; i++) {
		msg_c[i] = (uint8_t)i;
		msg_s[i] = (uint8_t)(0xA0 + i);
	}
	assert_int_equal(migtd_ratls_write(&p->c, msg_c, 40), 40);
	/* exactly one TLS 1.3 record: 17 03 03 LL LL, 40 data + 1 content
	 * type, padded by mbedTLS to a multiple of 16, + 16 tag = 64 */
	assert_int_equal(p->l.c2s.len, 5 + 64);
	assert_memory_equal(p->l.c2s.buf, "\x17\x03\x03\x00\x40", 5);
	assert_int_equal(migtd_ratls_write(&p->s, msg_s, 40), 40);
	assert_int_equal(p->l.s2c.len, 5 + 64);
	assert_memory_equal(p->l.s2c.buf, "\x17\x03\x03\x00\x40", 5);
	n = migtd_ratls_read(&p->s, got, sizeof(got));
	assert_int_equal(n, 40);
	assert_memory_equal(got, msg_c, 40);
	n = migtd_ratls_read(&p->c, got, sizeof(got));
	assert_int_equal(n, 40);
	assert_memory_equal(got, msg_s, 40);
	/* nothing more: would block */
	assert_int_equal(migtd_ratls_read(&p->c, got, sizeof(got)), MIGTD_ERR_AGAIN);
	/* end of stream inside TLS -> 6 */
	p->l.s2c.closed = true;
	assert_int_equal(migtd_ratls_read(&p->c, got, sizeof(got)), MIGTD_ERR_TLS);
	assert_int_equal(migtd_err_status(migtd_ratls_session_error(&p->c, NULL)), 6);
	pair_free(p);
}

static void test_handshake_explicit_false_certs(void **state)
{
	struct side_opts o = { .cert_flags = RATLS_CERT_EXPLICIT_NONCRITICAL };
	struct pair *p = pair_new(&o, &o);
	int rc, rs;

	(void)state;
	rp_run_handshake(&p->l, &p->c, &p->s, &rc, &rs);
	assert_int_equal(rc, MIGTD_OK);
	assert_int_equal(rs, MIGTD_OK);
	pair_free(p);
}

/*
 * One side's verifier rejects the other. The rejecting side reports the
 * precise error (7/8/9/6) and sends a fatal handshake_failure alert; the
 * rejected side reports MIGTD_ERR_TLS (6) with "alert received".
 */
static void expect_reject(struct pair *p, bool server_rejects, int want, const char *reason)
{
	struct ratls_session *v = server_rejects ? &p->s : &p->c;
	struct ratls_session *o = server_rejects ? &p->c : &p->s;
	uint8_t b[40] = { 0 };
	const char *why;
	int rc, rs;

	rp_run_handshake(&p->l, &p->c, &p->s, &rc, &rs);
	assert_int_equal(server_rejects ? rs : rc, want);
	assert_int_equal(migtd_ratls_session_error(v, &why), want);
	if (reason != NULL && strstr(why, reason) == NULL)
		fail_msg("reason '%s' lacks '%s'", why, reason);
	if (server_rejects) {
		/* TLS 1.3: the client has finished its handshake before the
		 * server judges the client's certificate. It learns of the
		 * rejection on its next read, the §6.2 ExchangeInformation read. */
		assert_int_equal(rc, MIGTD_OK);
		assert_int_equal(migtd_ratls_write(o, b, sizeof(b)), 40);
		assert_int_equal(migtd_ratls_read(o, b, sizeof(b)), MIGTD_ERR_TLS);
	} else {
		assert_int_equal(rs, MIGTD_ERR_TLS);
	}
	assert_int_equal(migtd_ratls_session_error(o, &why), MIGTD_ERR_TLS);
	/*
	 * The alert is protected with the key the peer reads with (our mbedTLS
	 * patch): the client's under its handshake traffic key (see
	 * test_client_policy_rejects_alert_40), the server's, after its
	 * Finished, under its application traffic key, which the finished
	 * client reads with. So the peer reads an alert, not a bad record.
	 */
	assert_int_equal(migtd_ratls_session_tls_error(o), MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE);
	/* Further steps keep returning the same errors. */
	assert_int_equal(migtd_ratls_handshake_step(v), want);
	assert_int_equal(migtd_ratls_read(o, b, sizeof(b)), MIGTD_ERR_TLS);
}

static void test_server_policy_rejects(void **state)
{
	struct pair *p = pair_new(NULL, NULL);

	(void)state;
	p->sf.policy_ret = MIGTD_ERR_POLICY;
	expect_reject(p, true, MIGTD_ERR_POLICY, "policy");
	assert_int_equal(migtd_err_status(MIGTD_ERR_POLICY), 8);
	pair_free(p);

	p = pair_new(NULL, NULL);
	p->sf.policy_ret = MIGTD_ERR_INVALID_POLICY;
	expect_reject(p, true, MIGTD_ERR_INVALID_POLICY, "invalid");
	pair_free(p);
}

static void test_client_policy_rejects_alert_40(void **state)
{
	struct pair *p = pair_new(NULL, NULL);
	int rc, rs;

	(void)state;
	p->cf.policy_ret = MIGTD_ERR_POLICY;
	/* Drive by hand to look at the alert on the wire: the client rejects
	 * the server's flight before mbedTLS switches its outbound traffic to
	 * handshake keys (that happens for its second flight); our patch
	 * protects the alert with the client handshake traffic key anyway, as
	 * the server expects (RFC 8446 App. A.1): one TLSCiphertext record,
	 * 17 03 03 00 20 | alert (2) + content type (1), zero-padded to 16
	 * (mbedTLS's TLS 1.3 padding granularity) + GCM tag (16), never the
	 * plaintext 15 03 03 00 02 02 28. The server decrypts it. */
	assert_int_equal(migtd_ratls_handshake_step(&p->c), MIGTD_ERR_AGAIN); /* ClientHello */
	assert_int_equal(migtd_ratls_handshake_step(&p->s), MIGTD_ERR_AGAIN); /* server flight */
	rc = migtd_ratls_handshake_step(&p->c);
	assert_int_equal(rc, MIGTD_ERR_POLICY);
	assert_int_equal(p->l.c2s.len, 5 + 32);
	assert_memory_equal(p->l.c2s.buf, "\x17\x03\x03\x00\x20", 5);
	assert_int_equal(migtd_ratls_flush(&p->c), MIGTD_OK);
	/* One fatal alert per failure: aborting adds nothing. */
	assert_int_equal(migtd_ratls_abort(&p->c), MIGTD_OK);
	assert_int_equal(p->l.c2s.len, 5 + 32);
	rs = migtd_ratls_handshake_step(&p->s);
	assert_int_equal(rs, MIGTD_ERR_TLS);
	assert_int_equal(migtd_ratls_session_tls_error(&p->s), MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE);
	pair_free(p);
}

static void test_reportdata_mismatch(void **state)
{
	struct side_opts bad = { .wrong_rd = true };
	struct pair *p = pair_new(&bad, NULL);

	(void)state;
	expect_reject(p, true, MIGTD_ERR_PEER_CERT, "REPORTDATA");
	pair_free(p);

	p = pair_new(NULL, &bad);
	expect_reject(p, false, MIGTD_ERR_PEER_CERT, "REPORTDATA");
	pair_free(p);
}

static void test_quote_rejected(void **state)
{
	struct side_opts bad = { .quote_flags = FQ_FLAG_BAD };
	struct pair *p = pair_new(NULL, NULL);

	(void)state;
	/* The server's quote verifier refuses the client's quote: 7 there. */
	p->sf.bad_marker = 0xC1;
	expect_reject(p, true, MIGTD_ERR_QUOTE, "peer quote");
	assert_int_equal(migtd_err_status(MIGTD_ERR_QUOTE), 7);
	pair_free(p);

	/* The client refuses the server's quote. */
	p = pair_new(NULL, NULL);
	p->cf.bad_marker = 0x5E;
	expect_reject(p, false, MIGTD_ERR_QUOTE, "peer quote");
	pair_free(p);

	/* The client's own quote does not verify: it fails first (§5.5 step 1)
	 * while verifying the server, with 7. */
	p = pair_new(&bad, NULL);
	expect_reject(p, false, MIGTD_ERR_QUOTE, "local quote");
	pair_free(p);
}

static void test_corrupted_stream(void **state)
{
	size_t offsets[] = { 3, 60, 200, 700, 1500 };
	size_t i;
	int rc, rs, dir;

	(void)state;
	for (dir = 0; dir < 2; dir++) {
		for (i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
			struct pair *p = pair_new(NULL, NULL);

			if (dir == 0)
				p->l.s2c.corrupt_at = offsets[i];
			else
				p->l.c2s.corrupt_at = offsets[i];
			rp_run_handshake(&p->l, &p->c, &p->s, &rc, &rs);
			/* A flipped byte never yields a session: the side that
			 * notices reports 6; the other gets an alert (6) or is
			 * left waiting for its session timeout. */
			if (rc == MIGTD_OK && rs == MIGTD_OK)
				fail_msg("corruption at %zu (dir %d) not detected", offsets[i],
					 dir);
			assert_true(rc == MIGTD_ERR_AGAIN || rc == MIGTD_OK ||
				    migtd_err_status(rc) == 6);
			assert_true(rs == MIGTD_ERR_AGAIN || rs == MIGTD_OK ||
				    migtd_err_status(rs) == 6);
			assert_true(migtd_err_status(rc) == 6 || migtd_err_status(rs) == 6);
			if (rc == MIGTD_OK) {
				/* the client finished first: it learns on read */
				uint8_t b[8];

				assert_int_equal(migtd_ratls_read(&p->c, b, sizeof(b)) ==
								 MIGTD_ERR_TLS ||
							 migtd_ratls_read(&p->c, b, sizeof(b)) ==
								 MIGTD_ERR_AGAIN,
						 1);
			}
			pair_free(p);
		}
	}
}

static void test_session_misuse(void **state)
{
	struct ratls_session s;
	struct ratls_callbacks cb = { fake_verify_quote, fake_policy, NULL };
	struct ratls_callbacks nocb = { NULL, fake_policy, NULL };
	struct ratls_io io = { rp_pipe_send, rp_pipe_recv, NULL };
	uint8_t b[8], big_q[FQ_LEN];
	uint8_t *evlog = calloc(1, RATLS_MAX_CERT), *work = malloc(RATLS_MAX_CERT + 4096);
	static const uint8_t rd[64];

	(void)state;
	assert_int_equal(migtd_ratls_session_init(&s, RATLS_CLIENT, &nocb), MIGTD_ERR_STATE);
	migtd_ratls_session_free(&s);
	assert_int_equal(migtd_ratls_session_init(&s, RATLS_CLIENT, &cb), MIGTD_OK);
	assert_int_equal(migtd_ratls_handshake_step(&s), MIGTD_ERR_STATE);
	migtd_ratls_session_free(&s);
	migtd_ratls_session_free(&s); /* idempotent */

	assert_int_equal(migtd_ratls_session_init(&s, RATLS_SERVER, &cb), MIGTD_OK);
	assert_int_equal(migtd_ratls_write(&s, b, sizeof(b)), MIGTD_ERR_STATE);
	migtd_ratls_session_free(&s);

	/* A certificate TLS could not send (a Certificate message over
	 * RATLS_MAX_HS_MSG) is refused early. */
	make_quote(big_q, rd, 0, 0);
	assert_int_equal(migtd_ratls_session_init(&s, RATLS_SERVER, &cb), MIGTD_OK);
	assert_int_equal(migtd_ratls_session_start(&s, big_q, sizeof(big_q), evlog,
						   RATLS_MAX_CERT - sizeof(big_q), 0, &io, work,
						   RATLS_MAX_CERT + 4096),
			 MIGTD_ERR_NOSPACE);
	migtd_ratls_session_free(&s);
	/* work buffer too small */
	assert_int_equal(migtd_ratls_session_init(&s, RATLS_SERVER, &cb), MIGTD_OK);
	assert_int_equal(migtd_ratls_session_start(&s, big_q, sizeof(big_q), evlog, 100, 0, &io,
						   work, 500),
			 MIGTD_ERR_NOSPACE);
	migtd_ratls_session_free(&s);
	free(evlog);
	free(work);
}

/* ---- interop with a TLS stack we did not write: openssl s_server ---------- */

static long sock_send(void *ctx, const uint8_t *buf, size_t len)
{
	ssize_t n = send(*(int *)ctx, buf, len, MSG_NOSIGNAL);

	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? MIGTD_ERR_AGAIN
							       : MIGTD_ERR_NETWORK;
	return (long)n;
}

static long sock_recv(void *ctx, uint8_t *buf, size_t len)
{
	ssize_t n = recv(*(int *)ctx, buf, len, 0);

	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? MIGTD_ERR_AGAIN
							       : MIGTD_ERR_NETWORK;
	return (long)n;
}

/*
 * The event log our certificates carry in the interop tests: the vector, or
 * with g_big_evlog set, that many bytes -- the size of an event log that
 * embeds upstream's production policy (docs/protocol.md §5.4).
 */
static size_t g_big_evlog;

static uint8_t *interop_evlog(size_t *len)
{
	uint8_t *e;

	if (g_big_evlog == 0)
		return tu_read_vector(EVLOG, len);
	e = malloc(g_big_evlog);
	assert_non_null(e);
	memset(e, 0xA5, g_big_evlog);
	*len = g_big_evlog;
	return e;
}

/* An RA-TLS identity (key + certificate with a fake quote) for OpenSSL, in dir. */
static void openssl_identity(const char *dir, uint8_t marker)
{
	psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
	psa_key_id_t k = 0;
	uint8_t pub[RATLS_PUBKEY_SIZE], rd[64], quote[FQ_LEN], *der = malloc(WORK_CAP);
	uint8_t pem[1024];
	char path[256];
	size_t pl, len, el;
	uint8_t *evlog = interop_evlog(&el);
	mbedtls_pk_context pk;

	assert_non_null(der);
	psa_set_key_type(&a, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
	psa_set_key_bits(&a, 384);
	psa_set_key_usage_flags(&a, PSA_KEY_USAGE_SIGN_HASH | PSA_KEY_USAGE_EXPORT);
	psa_set_key_algorithm(&a, PSA_ALG_ECDSA(PSA_ALG_SHA_384));
	assert_int_equal(psa_generate_key(&a, &k), PSA_SUCCESS);
	assert_int_equal(psa_export_public_key(k, pub, sizeof(pub), &pl), PSA_SUCCESS);
	migtd_ratls_report_data(pub, pl, rd);
	make_quote(quote, rd, marker, 0);
	assert_int_equal(migtd_ratls_cert_write(k, quote, sizeof(quote), evlog, el, 0, der,
						WORK_CAP, &len),
			 MIGTD_OK);
	snprintf(path, sizeof(path), "%s/cert.der", dir);
	write_file(path, der, len);
	mbedtls_pk_init(&pk);
	assert_int_equal(mbedtls_pk_copy_from_psa(k, &pk), 0);
	assert_int_equal(mbedtls_pk_write_key_pem(&pk, pem, sizeof(pem)), 0);
	mbedtls_pk_free(&pk);
	psa_destroy_key(k);
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	write_file(path, pem, strlen((char *)pem));
	free(der);
	free(evlog);
}

/* A TCP port that was free a moment ago. */
static int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	sa.sin_addr.s_addr = htonl(0x7F000001);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* fork + exec openssl with argv; stdin/stdout from the given fds (-1: /dev/null),
 * stderr to dir/openssl.log. */
static pid_t spawn_openssl(const char *dir, char *const argv[], int in_fd, int out_fd)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		char log[256];
		int lfd, nul = open("/dev/null", O_RDWR);

		snprintf(log, sizeof(log), "%s/openssl.log", dir);
		lfd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(in_fd >= 0 ? in_fd : nul, 0);
		dup2(out_fd >= 0 ? out_fd : lfd, 1);
		dup2(lfd, 2);
		execvp("openssl", argv);
		_exit(127);
	}
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

static void rm_dir(const char *dir)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* Drive one of our sessions over a socket until it is done (5 s at most). */
static int drive(struct ratls_session *s)
{
	int rc = MIGTD_ERR_AGAIN;

	for (int i = 0; i < 500 && (rc = migtd_ratls_handshake_step(s)) == MIGTD_ERR_AGAIN; i++)
		usleep(10000);
	return rc;
}

/* The whole -msg log of an OpenSSL peer (malloc'd, NUL-terminated). */
static char *read_msg(const char *path)
{
	FILE *f = fopen(path, "r");
	char *b = calloc(1, 1 << 20);
	size_t n;

	assert_non_null(b);
	if (f == NULL)
		return b;
	n = fread(b, 1, (1 << 20) - 1, f);
	b[n] = 0;
	fclose(f);
	return b;
}

/* Poll an OpenSSL -msg log until it contains needle (3 s at most). */
static bool wait_for_msg(const char *path, const char *needle)
{
	for (int i = 0; i < 300; i++) {
		char *b = read_msg(path);
		bool found = strstr(b, needle) != NULL;

		free(b);
		if (found)
			return true;
		usleep(10000);
	}
	return false;
}

/* How often needle occurs in hay. */
static int count_str(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/*
 * The length of the Certificate handshake message OpenSSL logged with -msg
 * in direction dir ("<<<" received, ">>>" sent), e.g.
 * "<<< TLS 1.3, Handshake [length 8051], Certificate"; 0 if none.
 */
static size_t msg_cert_len(const char *log, const char *dir)
{
	char needle[16];
	const char *p;

	snprintf(needle, sizeof(needle), "%s TLS 1.3", dir);
	for (p = log; (p = strstr(p, needle)) != NULL; p++) {
		const char *eol = strchr(p, '\n'), *l = strstr(p, "Handshake [length ");
		const char *c = strstr(p, "], Certificate\n");

		if (l != NULL && c != NULL && eol != NULL && l < eol && c < eol)
			return strtoul(l + strlen("Handshake [length "), NULL, 16);
	}
	return 0;
}

/*
 * The one fatal alert OpenSSL received, as its -msg log shows it: the alert
 * line must follow an "InnerContent" line (the record was protected and
 * OpenSSL decrypted it: RFC 8446 wants no plaintext alert once the peer
 * has keys), and no other alert may have arrived. want: e.g.
 * "fatal handshake_failure".
 */
static void assert_one_protected_alert(const char *log, const char *want)
{
	const char *a = strstr(log, "<<< TLS 1.3, Alert [length 0002], ");
	const char *inner = NULL;

	if (a == NULL)
		fail_msg("OpenSSL received no alert:\n%s", log);
	if (count_str(log, "<<< TLS 1.3, Alert") != 1)
		fail_msg("OpenSSL received %d alerts, want 1:\n%s",
			 count_str(log, "<<< TLS 1.3, Alert"), log);
	if (strncmp(a + strlen("<<< TLS 1.3, Alert [length 0002], "), want, strlen(want)) != 0)
		fail_msg("OpenSSL received another alert than %s:\n%s", want, a);
	for (const char *p = log; (p = strstr(p, "<<< TLS 1.3, InnerContent")) != NULL && p < a;
	     p++)
		inner = p;
	if (inner == NULL || strstr(inner + 1, "<<<") != a)
		fail_msg("the alert was not a protected record:\n%s", log);
	assert_null(strstr(log, "bad_record_mac"));
}

/*
 * Start `openssl` with head (its tool and the tool's own arguments,
 * NULL-terminated) plus what both s_server and s_client take: the §5.1
 * profile (TLS 1.3, the given suites and groups, ECDSA P-384 signatures),
 * the RA-TLS identity in dir unless no_cert, and the -msg log in
 * dir/<tool>.msg. stdin/stdout as spawn_openssl().
 */
static pid_t spawn_openssl_tls(const char *dir, char *const head[], const char *suites,
			       const char *groups, bool no_cert, int in_fd, int out_fd)
{
	char cert[256], key[256], su[64], gr[64], msgf[256];
	char *const profile[] = { "-tls1_3",  "-ciphersuites",          su,     "-groups",  gr,
				  "-sigalgs", "ecdsa_secp384r1_sha384", "-msg", "-msgfile", msgf };
	char *const identity[] = { "-cert", cert, "-certform", "DER", "-key", key };
	char *argv[32];
	size_t n = 0;

	snprintf(cert, sizeof(cert), "%s/cert.der", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	snprintf(su, sizeof(su), "%s", suites);
	snprintf(gr, sizeof(gr), "%s", groups);
	snprintf(msgf, sizeof(msgf), "%s/%s.msg", dir, head[1]);
	for (; head[n] != NULL; n++)
		argv[n] = head[n];
	assert_true(n + sizeof(profile) / sizeof(profile[0]) +
			    sizeof(identity) / sizeof(identity[0]) <
		    sizeof(argv) / sizeof(argv[0]));
	for (size_t k = 0; k < sizeof(profile) / sizeof(profile[0]); k++)
		argv[n++] = profile[k];
	for (size_t k = 0; !no_cert && k < sizeof(identity) / sizeof(identity[0]); k++)
		argv[n++] = identity[k];
	argv[n] = NULL;
	return spawn_openssl(dir, argv, in_fd, out_fd);
}

/*
 * Read from s until want bytes arrived (into buf, up to cap), ~5 s at most;
 * returns how many arrived.
 */
static size_t read_until(struct ratls_session *s, uint8_t *buf, size_t cap, size_t want)
{
	size_t n_got = 0;

	for (int i = 0; i < 500 && n_got < want; i++) {
		long n = migtd_ratls_read(s, buf + n_got, cap - n_got);

		if (n == MIGTD_ERR_AGAIN) {
			usleep(10000);
			continue;
		}
		assert_true(n > 0);
		n_got += (size_t)n;
	}
	return n_got;
}

/* Connect our client to `openssl s_server` on port (started with extra args). */
static int client_vs_s_server(const char *dir, const char *suites, const char *groups,
			      struct fake *f, struct ratls_session *c, int *fd_out, pid_t *pid_out)
{
	char port_s[16];
	struct sockaddr_in sa;
	int fd = -1, port = free_port(), i;
	size_t el;
	uint8_t *evlog = interop_evlog(&el);

	snprintf(port_s, sizeof(port_s), "%d", port);
	{
		char *const head[] = { "openssl", "s_server", "-accept", port_s, "-naccept",
				       "1",       "-Verify",  "1",       "-rev", NULL };

		*pid_out = spawn_openssl_tls(dir, head, suites, groups, false, -1, -1);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(0x7F000001);
	for (i = 0; i < 100; i++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		close(fd);
		fd = -1;
		usleep(50000);
	}
	if (fd < 0) {
		reap(*pid_out);
		fail_msg("openssl s_server did not start");
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	*fd_out = fd;
	start_side(c, RATLS_CLIENT, f, NULL, evlog, el, &(struct side_opts){ 0 });
	/* start_side wired the pipe I/O; point the session at the socket. */
	c->io = (struct ratls_io){ sock_send, sock_recv, fd_out };
	free(evlog);
	return drive(c);
}

/*
 * Our client (the source) against `openssl s_server` configured with the
 * §5.1 profile and an RA-TLS certificate we generated for a key OpenSSL
 * holds: the handshake (TLS 1.3, AES-256-GCM-SHA384, secp384r1, mutual
 * auth) must complete, our verifier must accept the server's certificate,
 * OpenSSL must get ours, and application data must flow both ways.
 */
static void test_interop_openssl_server(void **state)
{
	char dir[] = "/tmp/ratls_interop_XXXXXX";
	uint8_t got[64];
	size_t n_got = 0;
	struct fake f = { 0 };
	struct ratls_session c;
	int fd = -1, i, rc;
	pid_t pid;
	static const char line[] = "0123456789abcdefghijklmnopqrstuvwxyzABC\n"; /* 40 bytes */

	(void)state;
	assert_non_null(mkdtemp(dir));
	openssl_identity(dir, 0x5E);
	rc = client_vs_s_server(dir, "TLS_AES_256_GCM_SHA384", "secp384r1", &f, &c, &fd, &pid);
	assert_int_equal(rc, MIGTD_OK);
	assert_int_equal(f.policy_calls, 1);
	assert_int_equal(f.peer_marker, 0x5E);
	assert_string_equal(mbedtls_ssl_get_ciphersuite(&c.ssl), "TLS1-3-AES-256-GCM-SHA384");

	/* -rev: the server answers each line reversed. OpenSSL also sends
	 * NewSessionTicket messages, which the client must ignore. */
	assert_int_equal(migtd_ratls_write(&c, (const uint8_t *)line, 40), 40);
	n_got = read_until(&c, got, sizeof(got), 40);
	assert_int_equal(n_got, 40);
	for (i = 0; i < 39; i++)
		assert_int_equal(got[i], line[38 - i]);

	migtd_ratls_session_free(&c);
	close(fd);
	reap(pid);
	rm_dir(dir);
}

/* A server offering only another suite or other groups: our client refuses (6). */
static void test_interop_openssl_server_refused(void **state)
{
	static const char *const cases[][2] = {
		{ "TLS_AES_128_GCM_SHA256", "secp384r1" },
		{ "TLS_CHACHA20_POLY1305_SHA256", "secp384r1" },
		{ "TLS_AES_256_GCM_SHA384", "X25519" },
		{ "TLS_AES_256_GCM_SHA384", "P-256" },
	};
	char dir[] = "/tmp/ratls_interop_XXXXXX";

	(void)state;
	assert_non_null(mkdtemp(dir));
	openssl_identity(dir, 0x5E);
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct fake f = { 0 };
		struct ratls_session c;
		int fd = -1, rc;
		pid_t pid;

		rc = client_vs_s_server(dir, cases[k][0], cases[k][1], &f, &c, &fd, &pid);
		if (rc != MIGTD_ERR_TLS)
			fail_msg("s_server %s/%s: got %d", cases[k][0], cases[k][1], rc);
		assert_int_equal(migtd_err_status(rc), 6);
		assert_int_equal(f.policy_calls, 0);
		migtd_ratls_session_free(&c);
		close(fd);
		reap(pid);
	}
	rm_dir(dir);
}

/*
 * Our server (the destination) against `openssl s_client` with a P-384
 * RA-TLS client certificate. extra: suites and groups the client offers.
 * On success, a line typed into s_client reaches us and our answer comes
 * back on its stdout.
 */
/* s_client presents no client certificate (it offers none when asked). */
static bool g_s_client_no_cert;
/* If set: wait until s_client's -msg log shows this before stopping it. */
static const char *g_msg_wait;

static int server_vs_s_client(const char *dir, const char *suites, const char *groups,
			      struct fake *f, bool exchange)
{
	char conn[32];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int lfd = socket(AF_INET, SOCK_STREAM, 0), fd = -1, in[2], out[2], rc, i;
	struct ratls_session s;
	size_t el;
	uint8_t *evlog = interop_evlog(&el);
	pid_t pid;
	char msgf[256];

	sa.sin_addr.s_addr = htonl(0x7F000001);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &sl), 0);
	snprintf(conn, sizeof(conn), "127.0.0.1:%d", ntohs(sa.sin_port));
	snprintf(msgf, sizeof(msgf), "%s/s_client.msg", dir);
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	{
		char *const head[] = { "openssl", "s_client", "-connect", conn, "-quiet", NULL };

		pid = spawn_openssl_tls(dir, head, suites, groups, g_s_client_no_cert, in[0],
					out[1]);
	}
	close(in[0]);
	close(out[1]);
	fcntl(out[0], F_SETFL, fcntl(out[0], F_GETFL) | O_NONBLOCK);
	fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
	for (i = 0; i < 500 && fd < 0; i++) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			usleep(10000);
	}
	if (fd < 0) {
		reap(pid);
		fail_msg("openssl s_client did not connect");
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	start_side(&s, RATLS_SERVER, f, NULL, evlog, el, &(struct side_opts){ 0 });
	s.io = (struct ratls_io){ sock_send, sock_recv, &fd };
	rc = drive(&s);
	if (rc == MIGTD_OK && exchange) {
		static const char ping[] = "ping from openssl\n", pong[] = "pong from migtd-c\n";
		char got[64];
		size_t n_got = 0;

		assert_int_equal(write(in[1], ping, strlen(ping)), (ssize_t)strlen(ping));
		n_got = read_until(&s, (uint8_t *)got, sizeof(got), strlen(ping));
		assert_int_equal(n_got, strlen(ping));
		assert_memory_equal(got, ping, n_got);
		assert_int_equal(migtd_ratls_write(&s, (const uint8_t *)pong, strlen(pong)),
				 (long)strlen(pong));
		n_got = 0;
		for (i = 0; i < 500 && n_got < strlen(pong); i++) {
			ssize_t n = read(out[0], got + n_got, sizeof(got) - n_got);

			if (n <= 0) {
				usleep(10000);
				continue;
			}
			n_got += (size_t)n;
		}
		assert_int_equal(n_got, strlen(pong));
		assert_memory_equal(got, pong, n_got);
	}
	migtd_ratls_session_free(&s);
	/* let s_client read (and log) what we sent last before it is stopped */
	if (g_msg_wait != NULL)
		wait_for_msg(msgf, g_msg_wait);
	close(fd);
	close(lfd);
	close(in[1]);
	close(out[0]);
	reap(pid);
	free(evlog);
	return rc;
}

static void test_interop_openssl_client(void **state)
{
	char dir[] = "/tmp/ratls_interop_XXXXXX";
	struct fake f = { 0 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	openssl_identity(dir, 0xC1);
	assert_int_equal(server_vs_s_client(dir, "TLS_AES_256_GCM_SHA384", "secp384r1", &f, true),
			 MIGTD_OK);
	/* our verifier judged OpenSSL's client certificate */
	assert_int_equal(f.policy_calls, 1);
	assert_false(f.is_src);
	assert_int_equal(f.peer_marker, 0xC1);
	rm_dir(dir);
}

/* A client that presents no certificate: our server refuses it (6), and
 * no verifier or policy ever runs. */
static void test_interop_openssl_client_no_cert(void **state)
{
	char dir[] = "/tmp/ratls_interop_XXXXXX";
	struct fake f = { 0 };
	int rc;

	(void)state;
	assert_non_null(mkdtemp(dir));
	openssl_identity(dir, 0xC1);
	g_s_client_no_cert = true;
	rc = server_vs_s_client(dir, "TLS_AES_256_GCM_SHA384", "secp384r1", &f, false);
	g_s_client_no_cert = false;
	assert_true(rc == MIGTD_ERR_TLS || rc == MIGTD_ERR_PEER_CERT);
	assert_int_equal(migtd_err_status(rc), 6);
	assert_int_equal(f.policy_calls, 0);
	rm_dir(dir);
}

/* A client offering only another suite or other groups: our server refuses (6). */
static void test_interop_openssl_client_refused(void **state)
{
	static const char *const cases[][2] = {
		{ "TLS_AES_128_GCM_SHA256", "secp384r1" },
		{ "TLS_CHACHA20_POLY1305_SHA256", "secp384r1" },
		{ "TLS_AES_256_GCM_SHA384", "X25519" },
		{ "TLS_AES_256_GCM_SHA384", "P-256" },
		{ "TLS_AES_256_GCM_SHA384", "X25519:P-256" },
	};
	char dir[] = "/tmp/ratls_interop_XXXXXX";

	(void)state;
	assert_non_null(mkdtemp(dir));
	openssl_identity(dir, 0xC1);
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct fake f = { 0 };
		int rc = server_vs_s_client(dir, cases[k][0], cases[k][1], &f, false);

		if (rc != MIGTD_ERR_TLS)
			fail_msg("s_client %s/%s: got %d", cases[k][0], cases[k][1], rc);
		assert_int_equal(f.policy_calls, 0);
	}
	/* control: the same harness with the §5.1 profile succeeds */
	{
		struct fake f = { 0 };

		assert_int_equal(server_vs_s_client(dir, "TLS_AES_256_GCM_SHA384",
						    "X25519:secp384r1", &f, false),
				 MIGTD_OK);
		assert_int_equal(f.policy_calls, 1);
	}
	rm_dir(dir);
}

/* ---- 33 KB certificates with OpenSSL, both directions ---------------------- */

/*
 * RA-TLS certificates of ~33 KB (an event log the size of one that embeds
 * upstream's production policy) between our sessions and OpenSSL, as
 * client and as server: OpenSSL fragments its Certificate message over
 * records and reassembles ours. What each side received is checked: our
 * verifier saw OpenSSL's whole event log, and OpenSSL's -msg log shows the
 * Certificate messages it received and sent.
 */
/* The Certificate messages OpenSSL received and sent, as its -msg log at
 * path shows them (between it and us: who): both ~33 KB, within our limit. */
static void assert_big_cert_msgs(const char *path, const char *who)
{
	char *log = read_msg(path);
	size_t rx = msg_cert_len(log, "<<<"), tx = msg_cert_len(log, ">>>");

	print_message("certificate messages, %s: received by OpenSSL %zu bytes, sent by OpenSSL "
		      "%zu bytes\n",
		      who, rx, tx);
	assert_true(rx > 32000 && rx <= RATLS_MAX_HS_MSG);
	assert_true(tx > 32000 && tx <= RATLS_MAX_HS_MSG);
	free(log);
}

static void test_interop_openssl_33k_certificates(void **state)
{
	char dir[] = "/tmp/ratls_interop_XXXXXX", path[300];
	struct fake f = { 0 };
	struct ratls_session c;
	int fd = -1;
	pid_t pid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	g_big_evlog = 31600;
	openssl_identity(dir, 0x5E);
	/* our client, OpenSSL's server */
	assert_int_equal(client_vs_s_server(dir, "TLS_AES_256_GCM_SHA384", "secp384r1", &f, &c, &fd,
					    &pid),
			 MIGTD_OK);
	assert_int_equal(f.policy_calls, 1);
	assert_int_equal(f.evlog_len, g_big_evlog);
	snprintf(path, sizeof(path), "%s/s_server.msg", dir);
	/* the client's Finished (4 + 48 bytes) follows its Certificate */
	assert_true(wait_for_msg(path, "<<< TLS 1.3, Handshake [length 0034], Finished"));
	assert_big_cert_msgs(path, "our client <-> s_server");
	migtd_ratls_session_free(&c);
	close(fd);
	reap(pid);

	/* our server, OpenSSL's client */
	memset(&f, 0, sizeof(f));
	assert_int_equal(server_vs_s_client(dir, "TLS_AES_256_GCM_SHA384", "secp384r1", &f, true),
			 MIGTD_OK);
	assert_int_equal(f.policy_calls, 1);
	assert_int_equal(f.evlog_len, g_big_evlog);
	snprintf(path, sizeof(path), "%s/s_client.msg", dir);
	assert_big_cert_msgs(path, "our server <-> s_client");
	g_big_evlog = 0;
	rm_dir(dir);
}

/* ---- alerts as OpenSSL reads them (RFC 8446 §6, App. A) -------------------- */

/* A P-384 key and a self-signed certificate with an unknown CRITICAL
 * extension, made by OpenSSL itself, in dir (cert.der, key.pem). */
static void openssl_critical_ext_identity(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes "
		 "-keyout %s/key.pem -outform DER -out %s/cert.der -subj /CN=critical -days 2 "
		 "-addext 1.2.3.4.5=critical,DER:0500 2>/dev/null",
		 dir, dir);
	assert_int_equal(system(cmd), 0);
}

/*
 * Our server rejects OpenSSL's client after sending its own Finished:
 * the alert must be protected with the server application traffic key
 * (the finished client reads with it), once. Policy rejection ->
 * handshake_failure (what upstream sends for a verifier rejection); an
 * unknown critical extension -> bad_certificate (mbedTLS's X.509 parser
 * refuses the certificate; rustls maps the same webpki error to
 * bad_certificate too).
 */
static void test_interop_alerts_our_server(void **state)
{
	char dir[] = "/tmp/ratls_interop_XXXXXX", path[300];
	struct fake f = { 0 };
	char *log;
	int rc;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s_client.msg", dir);
	openssl_identity(dir, 0xC1);
	f.policy_ret = MIGTD_ERR_POLICY;
	g_msg_wait = "<<< TLS 1.3, Alert";
	rc = server_vs_s_client(dir, "TLS_AES_256_GCM_SHA384", "secp384r1", &f, false);
	assert_int_equal(rc, MIGTD_ERR_POLICY);
	log = read_msg(path);
	assert_one_protected_alert(log, "fatal handshake_failure");
	free(log);

	openssl_critical_ext_identity(dir);
	memset(&f, 0, sizeof(f));
	rc = server_vs_s_client(dir, "TLS_AES_256_GCM_SHA384", "secp384r1", &f, false);
	g_msg_wait = NULL;
	assert_int_equal(rc, MIGTD_ERR_TLS);
	assert_int_equal(f.policy_calls, 0);
	log = read_msg(path);
	assert_one_protected_alert(log, "fatal bad_certificate");
	free(log);
	rm_dir(dir);
}

/*
 * Our client rejects OpenSSL's server while reading the server's first
 * flight, before its own second flight: the alert must be protected with
 * the client handshake traffic key (the server reads with it), once.
 */
static void test_interop_alerts_our_client(void **state)
{
	char dir[] = "/tmp/ratls_interop_XXXXXX", path[300];
	struct fake f = { 0 };
	struct ratls_session c;
	int fd = -1, rc;
	pid_t pid;
	char *log;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s_server.msg", dir);
	openssl_identity(dir, 0x5E);
	f.policy_ret = MIGTD_ERR_POLICY;
	rc = client_vs_s_server(dir, "TLS_AES_256_GCM_SHA384", "secp384r1", &f, &c, &fd, &pid);
	assert_int_equal(rc, MIGTD_ERR_POLICY);
	assert_int_equal(migtd_ratls_abort(&c), MIGTD_OK); /* adds no second alert */
	assert_true(wait_for_msg(path, "<<< TLS 1.3, Alert"));
	usleep(100000);
	log = read_msg(path);
	assert_one_protected_alert(log, "fatal handshake_failure");
	free(log);
	migtd_ratls_session_free(&c);
	close(fd);
	reap(pid);

	openssl_critical_ext_identity(dir);
	memset(&f, 0, sizeof(f));
	rc = client_vs_s_server(dir, "TLS_AES_256_GCM_SHA384", "secp384r1", &f, &c, &fd, &pid);
	assert_int_equal(rc, MIGTD_ERR_TLS);
	assert_int_equal(f.policy_calls, 0);
	assert_int_equal(migtd_ratls_abort(&c), MIGTD_OK);
	assert_true(wait_for_msg(path, "<<< TLS 1.3, Alert"));
	usleep(100000);
	log = read_msg(path);
	assert_one_protected_alert(log, "fatal bad_certificate");
	free(log);
	migtd_ratls_session_free(&c);
	close(fd);
	reap(pid);
	rm_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_data_sha384_vector),
		cmocka_unit_test(test_report_data_example),
		cmocka_unit_test(test_example_cert_verifies),
		cmocka_unit_test(test_local_quote_checked_first),
		cmocka_unit_test(test_cert_bit_exact_with_upstream),
		cmocka_unit_test(test_cert_layout_default),
		cmocka_unit_test(test_oracle_python_cryptography),
		cmocka_unit_test(test_oracle_openssl),
		cmocka_unit_test(test_verifier_rejects_variants),
		cmocka_unit_test(test_handshake_and_exchange),
		cmocka_unit_test(test_handshake_explicit_false_certs),
		cmocka_unit_test(test_server_policy_rejects),
		cmocka_unit_test(test_client_policy_rejects_alert_40),
		cmocka_unit_test(test_reportdata_mismatch),
		cmocka_unit_test(test_quote_rejected),
		cmocka_unit_test(test_corrupted_stream),
		cmocka_unit_test(test_session_misuse),
		cmocka_unit_test(test_interop_openssl_server),
		cmocka_unit_test(test_interop_openssl_server_refused),
		cmocka_unit_test(test_interop_openssl_client),
		cmocka_unit_test(test_interop_openssl_client_refused),
		cmocka_unit_test(test_interop_openssl_client_no_cert),
		cmocka_unit_test(test_interop_openssl_33k_certificates),
		cmocka_unit_test(test_interop_alerts_our_server),
		cmocka_unit_test(test_interop_alerts_our_client),
	};

	return cmocka_run_group_tests(tests, setup_psa, NULL);
}
