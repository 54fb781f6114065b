/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * Unit tests for handshake messages larger than one TLS record, both
 * directions (docs/tls-large-certificates.md: our patch to mbedTLS 3.6).
 *
 * Read path, against mbedTLS's own record layer: a real ClientHello (from
 * one of our client sessions), padded with an unknown extension to the size
 * of a ~33 KB RA-TLS Certificate message, is fed to a server session as a
 * hand-built stream of plaintext handshake records -- the reassembly code is
 * the same for every handshake message, and a ClientHello is the one we can
 * build without the peer's keys. Record boundaries at every offset, one-byte
 * records, an alert or CCS between fragments, a peer that lies about the
 * length, a message exactly at and one byte over the limit, records over
 * 2^14.
 *
 * Write path: two sessions exchange ~33 KB and limit-sized certificates over
 * a pipe that takes a few hundred bytes at a time (MBEDTLS_ERR_SSL_WANT_WRITE
 * in the middle of a fragmented message), and every record on the wire is
 * checked against the record limit.
 *
 * What is faked: the quote verifier and the policy (they accept every peer
 * whose REPORTDATA binds its key, like test_ratls.c). TLS, X.509, keys are
 * real mbedTLS/PSA.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ssl.h>
#include <psa/crypto.h>

#include "migtd/ratls.h"
#include "ratls_pair.h"
#include "support/testutil.h"
#include "../fuzz/support/tls_hello.h"

#define REC_MAX 16384u          /* RFC 8446 §5.1 */
#define CT_MAX (REC_MAX + 256u) /* TLSCiphertext limit, §5.2 */
#define BIG_MSG 33000u          /* a policy-v1 certificate with upstream's policy */
#define FQ_LEN 700

/* ---- fake evidence ----------------------------------------------------------- */

struct fake {
	int policy_calls;
	size_t peer_evlog_len;
};

static int fake_verify_quote(void *ctx, const uint8_t *quote, size_t len,
			     uint8_t report[MIGTD_VERIFIED_REPORT_SIZE])
{
	(void)ctx;
	memset(report, 0, MIGTD_VERIFIED_REPORT_SIZE);
	if (len != FQ_LEN || memcmp(quote, "FAKEQUOT", 8) != 0)
		return MIGTD_ERR_QUOTE;
	memcpy(report + 520, quote + 568, 64); /* REPORTDATA (§8.5) */
	return MIGTD_OK;
}

static int fake_policy(void *ctx, bool is_src, const uint8_t local[MIGTD_VERIFIED_REPORT_SIZE],
		       const uint8_t peer[MIGTD_VERIFIED_REPORT_SIZE], const uint8_t *evlog,
		       size_t len)
{
	struct fake *f = ctx;

	(void)is_src;
	(void)local;
	(void)peer;
	(void)evlog;
	f->policy_calls++;
	f->peer_evlog_len = len;
	return MIGTD_OK;
}

/* ---- byte streams -------------------------------------------------------------- */

/* What a session reads from (fed by the test) and what it wrote. */
struct stream {
	uint8_t *in;
	size_t in_len, in_off;
	uint8_t out[1 << 17];
	size_t out_len;
	/* throttle: accept at most this much per send, and say "again" every
	 * other call (0: no limit) */
	size_t chunk;
	unsigned calls;
	/* the peer's stream (pair mode), and a copy of everything sent */
	struct stream *peer;
	uint8_t *log;
	size_t log_len, log_cap;
};

static long st_send(void *ctx, const uint8_t *buf, size_t len)
{
	struct stream *s = ctx;
	struct stream *dst = s->peer != NULL ? s->peer : s;
	uint8_t *to = s->peer != NULL ? dst->in : dst->out;
	size_t *to_len = s->peer != NULL ? &dst->in_len : &dst->out_len;
	size_t cap = s->peer != NULL ? (size_t)1 << 17 : sizeof(s->out);

	if (s->chunk != 0) {
		if ((s->calls++ & 1u) == 0)
			return MIGTD_ERR_AGAIN;
		if (len > s->chunk)
			len = s->chunk;
	}
	if (s->peer != NULL && dst->in_off == dst->in_len)
		dst->in_off = dst->in_len = 0; /* all consumed: reuse the buffer */
	if (len > cap - *to_len)
		len = cap - *to_len;
	if (len == 0)
		return MIGTD_ERR_AGAIN;
	memcpy(to + *to_len, buf, len);
	*to_len += len;
	if (s->log != NULL && s->log_len + len <= s->log_cap) {
		memcpy(s->log + s->log_len, buf, len);
		s->log_len += len;
	}
	return (long)len;
}

static long st_recv(void *ctx, uint8_t *buf, size_t len)
{
	struct stream *s = ctx;
	size_t n = s->in_len - s->in_off;

	if (n == 0)
		/* a fed stream ends; a pipe or no input at all just waits */
		return s->peer == NULL && s->in != NULL ? 0 : MIGTD_ERR_AGAIN;
	if (len > n)
		len = n;
	memcpy(buf, s->in + s->in_off, len);
	s->in_off += len;
	return (long)len;
}

/* ---- sessions ------------------------------------------------------------------- */

static struct fake g_fake;

static void make_quote(uint8_t q[FQ_LEN], const uint8_t rd[64])
{
	memset(q, 0, FQ_LEN);
	memcpy(q, "FAKEQUOT", 8);
	memcpy(q + 568, rd, 64);
}

/* Start a session whose certificate carries an event log of evlog_len
 * bytes; returns the session's certificate size, 0 if that is over
 * RATLS_MAX_CERT (the session is then unusable: free it). */
static size_t start(struct ratls_session *s, enum ratls_role role, struct stream *st,
		    size_t evlog_len)
{
	struct ratls_callbacks cb = { fake_verify_quote, fake_policy, &g_fake };
	struct ratls_io io = { st_send, st_recv, st };
	uint8_t rd[64], q[FQ_LEN];
	uint8_t *evlog = calloc(1, evlog_len + 1);
	size_t cap = evlog_len + FQ_LEN + 4096;
	uint8_t *work = malloc(cap);
	int ret;

	assert_non_null(evlog);
	assert_non_null(work);
	memset(evlog, 0xA5, evlog_len);
	assert_int_equal(migtd_ratls_session_init(s, role, &cb), MIGTD_OK);
	assert_int_equal(migtd_ratls_session_report_data(s, rd), MIGTD_OK);
	make_quote(q, rd);
	ret = migtd_ratls_session_start(s, q, sizeof(q), evlog, evlog_len, 0, &io, work, cap);
	free(evlog);
	free(work);
	if (ret == MIGTD_ERR_NOSPACE)
		return 0; /* over RATLS_MAX_CERT */
	assert_int_equal(ret, MIGTD_OK);
	return s->own_cert.raw.len;
}

static int setup_psa(void **state)
{
	(void)state;
	return psa_crypto_init() == PSA_SUCCESS ? 0 : -1;
}

/* ---- the padded ClientHello ------------------------------------------------------- */

/*
 * A real ClientHello from a client session, padded to total bytes
 * (handshake header included) with an extension of a type nobody knows
 * (0xFE01; RFC 8446 §4.2: ignored by the server). Returns malloc'd bytes.
 */
static uint8_t *client_hello(size_t total)
{
	struct ratls_session c;
	struct stream *st = calloc(1, sizeof(*st));
	uint8_t *m;
	size_t hs_len;

	assert_non_null(st);
	start(&c, RATLS_CLIENT, st, 100);
	assert_int_equal(migtd_ratls_handshake_step(&c), MIGTD_ERR_AGAIN);
	migtd_ratls_session_free(&c);
	/* one plaintext record: 16 03 01 len | 01 len24 body */
	assert_int_equal(st->out[0], 0x16);
	assert_int_equal(st->out[5], 0x01);
	hs_len = 4 + ((size_t)st->out[6] << 16 | (size_t)st->out[7] << 8 | st->out[8]);
	assert_int_equal(st->out_len, 5 + hs_len);
	assert_true(total >= hs_len + 4);
	m = calloc(1, total);
	assert_non_null(m);
	memcpy(m, st->out + 5, hs_len);
	assert_true(tls_hello_pad(m, hs_len, tls_hello_ext_len_off(m), total) <= 0xFFFF);
	free(st);
	return m;
}

/* Records of msg[0..len) with a boundary at k (0: none) and the others
 * 16384 bytes apart from it. */
static size_t records_split_at(uint8_t *out, const uint8_t *msg, size_t len, size_t k)
{
	size_t at = 0, pos = 0, next;

	while (pos < len) {
		if (k == 0)
			next = pos + REC_MAX;
		else if (pos < k)
			next = k - ((k - pos - 1) / REC_MAX) * REC_MAX;
		else
			next = pos + REC_MAX;
		if (next > len)
			next = len;
		at = tls_put_record(out, at, 0x16, msg + pos, next - pos);
		pos = next;
	}
	return at;
}

/* A server session that reads the stream st (out-of-band: set in/in_len). */
struct server {
	struct ratls_session s;
	struct stream st;
};

static struct server *server_new(void)
{
	struct server *sv = calloc(1, sizeof(*sv));

	assert_non_null(sv);
	start(&sv->s, RATLS_SERVER, &sv->st, 100);
	return sv;
}

static void server_free(struct server *sv)
{
	migtd_ratls_session_free(&sv->s);
	free(sv);
}

/*
 * Feed in[0..n) to a fresh handshake of sv and step mbedTLS until the
 * ClientHello is parsed (the server moves on to its ServerHello) or an
 * error. Returns 0 when parsed, else the mbedTLS error.
 */
static int feed(struct server *sv, uint8_t *in, size_t n)
{
	mbedtls_ssl_context *ssl = &sv->s.ssl;
	int ret;

	assert_int_equal(mbedtls_ssl_session_reset(ssl), 0);
	sv->st.in = in;
	sv->st.in_len = n;
	sv->st.in_off = 0;
	sv->st.out_len = 0;
	for (int i = 0; i < 8; i++) {
		ret = mbedtls_ssl_handshake_step(ssl);
		if (ssl->MBEDTLS_PRIVATE(state) == MBEDTLS_SSL_SERVER_HELLO)
			return 0;
		if (ret != 0)
			return ret;
	}
	return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

/* The fatal alert the server wrote in clear (it has no keys yet). */
static void assert_alert(const struct server *sv, uint8_t desc)
{
	const uint8_t want[7] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, desc };

	assert_int_equal(sv->st.out_len, 7);
	assert_memory_equal(sv->st.out, want, 7);
}

/* ---- read path ------------------------------------------------------------------- */

/*
 * Every offset in the plain and clang builds (~33 000 handshakes-to-
 * ClientHello, a few seconds). Under ASan, ~10x slower, every 8th offset
 * and every offset near the header and the 16 KiB record edges, where the
 * reassembly changes behaviour.
 */
static bool offset_wanted(size_t k)
{
#if defined(__SANITIZE_ADDRESS__)
	size_t edge = k % REC_MAX;

	return k % 8 == 0 || k < 64 || edge < 64 || edge > REC_MAX - 64;
#else
	(void)k;
	return true;
#endif
}

static void test_reassembly_every_offset(void **state)
{
	size_t tested = 0;
	struct server *sv = server_new();
	uint8_t *m = client_hello(BIG_MSG);
	uint8_t *in = malloc(BIG_MSG + 5 * 8);

	(void)state;
	assert_non_null(in);
	/* No boundary but the 16 KiB ones, then one at every offset, including
	 * inside the 4-byte handshake header. */
	assert_int_equal(feed(sv, in, records_split_at(in, m, BIG_MSG, 0)), 0);
	for (size_t k = 1; k < BIG_MSG; k++) {
		int ret;

		if (!offset_wanted(k))
			continue;
		ret = feed(sv, in, records_split_at(in, m, BIG_MSG, k));
		if (ret != 0)
			fail_msg("boundary at %zu: -0x%x", k, (unsigned)-ret);
		tested++;
	}
	print_message("record boundaries tested: %zu of %u offsets\n", tested, BIG_MSG - 1);
	free(in);
	free(m);
	server_free(sv);
}

static void test_reassembly_one_byte_records(void **state)
{
	struct server *sv = server_new();
	uint8_t *m = client_hello(BIG_MSG);
	uint8_t *in = malloc(BIG_MSG * 6);
	size_t n = 0;

	(void)state;
	assert_non_null(in);
	for (size_t i = 0; i < BIG_MSG; i++)
		n = tls_put_record(in, n, 0x16, m + i, 1);
	assert_int_equal(feed(sv, in, n), 0);
	free(in);
	free(m);
	server_free(sv);
}

/* RFC 8446 §5.1: no other record type between the fragments of a
 * handshake message. */
static void test_interleaved_records_refused(void **state)
{
	static const uint8_t alert[2] = { 2, 40 }, warn[2] = { 1, 0 }, ccs[1] = { 1 };
	const uint8_t *other[3] = { alert, warn, ccs };
	const size_t other_len[3] = { 2, 2, 1 };
	const uint8_t other_type[3] = { 0x15, 0x15, 0x14 };
	struct server *sv = server_new();
	uint8_t *m = client_hello(BIG_MSG);
	uint8_t *in = malloc(BIG_MSG + 64);

	(void)state;
	assert_non_null(in);
	for (int i = 0; i < 3; i++) {
		size_t n = tls_put_record(in, 0, 0x16, m, 10000);

		n = tls_put_record(in, n, other_type[i], other[i], other_len[i]);
		n = tls_put_record(in, n, 0x16, m + 10000, REC_MAX);
		n = tls_put_record(in, n, 0x16, m + 10000 + REC_MAX, BIG_MSG - 10000 - REC_MAX);
		assert_int_equal(feed(sv, in, n), MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE);
	}
	free(in);
	free(m);
	server_free(sv);
}

static void set_len24(uint8_t *m, size_t body)
{
	m[1] = (uint8_t)(body >> 16);
	m[2] = (uint8_t)(body >> 8);
	m[3] = (uint8_t)body;
}

static void test_peer_lies_about_length(void **state)
{
	struct server *sv = server_new();
	uint8_t *m = client_hello(BIG_MSG);
	uint8_t *in = malloc(BIG_MSG + 64);
	size_t n;
	int ret;

	(void)state;
	assert_non_null(in);
	/* Announces more than it sends, then the stream ends: the server
	 * waits for the rest and sees the end of the stream. */
	set_len24(m, BIG_MSG - 4 + 1000);
	n = records_split_at(in, m, BIG_MSG, 0);
	assert_int_equal(feed(sv, in, n), MBEDTLS_ERR_SSL_CONN_EOF);
	assert_int_equal(sv->st.out_len, 0);

	/* Announces 16 MiB - 1: refused with decode_error(50) as soon as the
	 * header is in, before any of the body is buffered. */
	set_len24(m, 0xFFFFFF);
	n = tls_put_record(in, 0, 0x16, m, 100);
	assert_int_equal(feed(sv, in, n), MBEDTLS_ERR_SSL_DECODE_ERROR);
	assert_alert(sv, 50);
	/* The same with the header itself split over two records. */
	n = tls_put_record(in, 0, 0x16, m, 2);
	n = tls_put_record(in, n, 0x16, m + 2, 2);
	assert_int_equal(feed(sv, in, n), MBEDTLS_ERR_SSL_DECODE_ERROR);
	assert_alert(sv, 50);

	/* Announces less than the ClientHello is: the message ends inside
	 * its extensions and the parser refuses it with an alert; the rest
	 * is never taken as a message of its own. */
	set_len24(m, BIG_MSG - 4 - 2000);
	n = records_split_at(in, m, BIG_MSG, 0);
	ret = feed(sv, in, n);
	assert_true(ret != 0 && ret != MBEDTLS_ERR_SSL_WANT_READ);
	assert_int_equal(sv->st.out_len, 7);
	assert_memory_equal(sv->st.out, "\x15\x03\x03\x00\x02\x02", 6);
	free(in);
	free(m);
	server_free(sv);
}

static void test_message_size_limit(void **state)
{
	struct server *sv = server_new();
	uint8_t *m = client_hello(RATLS_MAX_HS_MSG);
	uint8_t *in = malloc(RATLS_MAX_HS_MSG + 64);
	size_t n;

	(void)state;
	assert_non_null(in);
	assert_int_equal(RATLS_MAX_HS_MSG, 65535);
	/* Exactly at the limit, in full and in odd pieces. */
	assert_int_equal(feed(sv, in, records_split_at(in, m, RATLS_MAX_HS_MSG, 0)), 0);
	assert_int_equal(feed(sv, in, records_split_at(in, m, RATLS_MAX_HS_MSG, 3)), 0);
	assert_int_equal(feed(sv, in, records_split_at(in, m, RATLS_MAX_HS_MSG, 40000)), 0);
	/* One byte over: refused when its header arrives, with decode_error. */
	set_len24(m, RATLS_MAX_HS_MSG - 4 + 1);
	n = tls_put_record(in, 0, 0x16, m, REC_MAX);
	assert_int_equal(feed(sv, in, n), MBEDTLS_ERR_SSL_DECODE_ERROR);
	assert_alert(sv, 50);
	free(in);
	free(m);
	server_free(sv);
}

static void test_record_overflow(void **state)
{
	struct server *sv = server_new();
	uint8_t *m = client_hello(BIG_MSG);
	uint8_t *in = malloc(70000);
	size_t n;

	(void)state;
	assert_non_null(in);
	/* 2^14 bytes of plaintext is a record; one more is record_overflow(22). */
	n = tls_put_record(in, 0, 0x16, m, REC_MAX);
	assert_int_equal(feed(sv, in, n), MBEDTLS_ERR_SSL_CONN_EOF); /* waits for the rest */
	n = tls_put_record(in, 0, 0x16, m, REC_MAX + 1);
	assert_int_equal(feed(sv, in, n), MBEDTLS_ERR_SSL_INVALID_RECORD);
	assert_alert(sv, 22);
	/* A record longer than any protected record: refused from its header
	 * (the input buffer would now hold it, the limit must not move). */
	memset(in, 0, 70000);
	n = tls_put_record(in, 0, 0x16, m, CT_MAX + 1);
	assert_int_equal(feed(sv, in, n), MBEDTLS_ERR_SSL_INVALID_RECORD);
	assert_alert(sv, 22);
	in[0] = 0x16;
	in[1] = 3;
	in[2] = 3;
	in[3] = 0xFF;
	in[4] = 0xFF;
	assert_int_equal(feed(sv, in, 5), MBEDTLS_ERR_SSL_INVALID_RECORD);
	assert_alert(sv, 22);
	free(in);
	free(m);
	server_free(sv);
}

/* ---- write path: both directions --------------------------------------------- */

/* Every record of a captured stream: type 0x16/0x14/0x15/0x17, length <= CT_MAX.
 * Returns the number of records, *big the number of full-size ones. */
static size_t check_records(const uint8_t *b, size_t n, size_t *big)
{
	size_t at = 0, count = 0;

	*big = 0;
	while (at < n) {
		size_t len;

		assert_true(n - at >= 5);
		assert_true(b[at] >= 0x14 && b[at] <= 0x17);
		len = (size_t)b[at + 3] << 8 | b[at + 4];
		assert_true(len <= CT_MAX);
		if (len >= REC_MAX)
			(*big)++;
		at += 5 + len;
		count++;
	}
	assert_int_equal(at, n);
	return count;
}

struct duo {
	struct ratls_session c, s;
	struct stream cst, sst; /* what each side reads */
	uint8_t clog[1 << 17], slog[1 << 17];
};

/* A client and a server with certificates of about cert bytes each
 * (exactly, if exact), over throttled pipes. */
static struct duo *duo_new(size_t cert, bool exact, size_t chunk)
{
	struct duo *d = calloc(1, sizeof(*d));
	struct ratls_session *ss[2];
	size_t evlog, got;

	assert_non_null(d);
	ss[0] = &d->c;
	ss[1] = &d->s;
	d->cst.in = malloc((size_t)1 << 17);
	d->sst.in = malloc((size_t)1 << 17);
	assert_non_null(d->cst.in);
	assert_non_null(d->sst.in);
	d->cst.peer = &d->sst; /* the client's sends land in the server's input */
	d->sst.peer = &d->cst;
	d->cst.chunk = d->sst.chunk = chunk;
	d->cst.log = d->clog;
	d->sst.log = d->slog;
	d->cst.log_cap = d->sst.log_cap = sizeof(d->clog);
	/* what a certificate adds to its event log, measured */
	got = start(&d->c, RATLS_CLIENT, &d->cst, 1000);
	migtd_ratls_session_free(&d->c);
	evlog = cert - (got - 1000);
	for (int i = 0; i < 2; i++) {
		struct stream *st = i == 0 ? &d->cst : &d->sst;

		/* The ECDSA signature's DER length varies by a byte or two:
		 * retry until the certificate has exactly the size asked for. */
		for (int tries = 0;; tries++) {
			got = start(ss[i], i == 0 ? RATLS_CLIENT : RATLS_SERVER, st, evlog);
			if (got != 0 && (!exact || got == cert))
				break;
			assert_true(tries < 20);
			migtd_ratls_session_free(ss[i]);
			if (got == 0)
				evlog -= 2;
			else
				evlog = got > cert ? evlog - (got - cert) : evlog + (cert - got);
		}
	}
	return d;
}

static void duo_free(struct duo *d)
{
	migtd_ratls_session_free(&d->c);
	migtd_ratls_session_free(&d->s);
	free(d->cst.in);
	free(d->sst.in);
	free(d);
}

static void duo_run(struct duo *d, int *rc, int *rs)
{
	*rc = *rs = MIGTD_ERR_AGAIN;
	for (int i = 0; i < 5000 && (*rc == MIGTD_ERR_AGAIN || *rs == MIGTD_ERR_AGAIN); i++) {
		if (*rc == MIGTD_ERR_AGAIN)
			*rc = migtd_ratls_handshake_step(&d->c);
		if (*rs == MIGTD_ERR_AGAIN)
			*rs = migtd_ratls_handshake_step(&d->s);
	}
}

static void big_certs_both_ways(size_t cert, bool exact, size_t chunk)
{
	struct duo *d = duo_new(cert, exact, chunk);
	uint8_t b[40] = { 7 }, r[40];
	size_t big_c, big_s;
	int rc, rs;

	g_fake.policy_calls = 0;
	if (exact) {
		assert_int_equal(d->c.own_cert.raw.len, cert);
		assert_int_equal(d->s.own_cert.raw.len, cert);
	}
	duo_run(d, &rc, &rs);
	if (rc != MIGTD_OK || rs != MIGTD_OK) {
		const char *wc, *ws;

		migtd_ratls_session_error(&d->c, &wc);
		migtd_ratls_session_error(&d->s, &ws);
		fail_msg("client %d (%s, -0x%x), server %d (%s, -0x%x)", rc, wc,
			 (unsigned)-migtd_ratls_session_tls_error(&d->c), rs, ws,
			 (unsigned)-migtd_ratls_session_tls_error(&d->s));
	}
	assert_int_equal(rc, MIGTD_OK);
	assert_int_equal(rs, MIGTD_OK);
	assert_int_equal(g_fake.policy_calls, 2);
	/* each saw the other's whole certificate */
	assert_int_equal(mbedtls_ssl_get_peer_cert(&d->c.ssl)->raw.len, d->s.own_cert.raw.len);
	assert_int_equal(mbedtls_ssl_get_peer_cert(&d->s.ssl)->raw.len, d->c.own_cert.raw.len);
	/* the Certificate went out over full-size records, none too long */
	check_records(d->clog, d->cst.log_len, &big_c);
	check_records(d->slog, d->sst.log_len, &big_s);
	assert_true(big_c >= 2);
	assert_true(big_s >= 2);
	/* and the session still carries application data */
	for (int i = 0; i < 100; i++) {
		long n = migtd_ratls_write(&d->c, b, sizeof(b));

		if (n == MIGTD_ERR_AGAIN)
			continue;
		assert_int_equal(n, 40);
		break;
	}
	for (int i = 0; i < 100; i++) {
		long n = migtd_ratls_read(&d->s, r, sizeof(r));

		if (n == MIGTD_ERR_AGAIN)
			continue;
		assert_int_equal(n, 40);
		assert_memory_equal(r, b, 40);
		break;
	}
	duo_free(d);
}

static void test_33k_certificates_both_ways(void **state)
{
	(void)state;
	big_certs_both_ways(BIG_MSG, false, 0);
}

static void test_33k_certificates_want_write(void **state)
{
	(void)state;
	/* 997 bytes per send, "again" every other call: WANT_WRITE lands in
	 * the middle of the fragmented Certificate many times. */
	big_certs_both_ways(BIG_MSG, false, 997);
}

static void test_limit_size_certificates(void **state)
{
	(void)state;
	/* The Certificate message is exactly RATLS_MAX_HS_MSG bytes. */
	big_certs_both_ways(RATLS_MAX_CERT, true, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reassembly_every_offset),
		cmocka_unit_test(test_reassembly_one_byte_records),
		cmocka_unit_test(test_interleaved_records_refused),
		cmocka_unit_test(test_peer_lies_about_length),
		cmocka_unit_test(test_message_size_limit),
		cmocka_unit_test(test_record_overflow),
		cmocka_unit_test(test_33k_certificates_both_ways),
		cmocka_unit_test(test_33k_certificates_want_write),
		cmocka_unit_test(test_limit_size_certificates),
	};

	return cmocka_run_group_tests(tests, setup_psa, NULL);
}
