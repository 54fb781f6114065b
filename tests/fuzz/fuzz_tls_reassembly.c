/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fuzz_tls_reassembly -- mbedTLS's record layer and handshake-message
 * reassembly as patched by us (docs/tls-large-certificates.md), as a TLS
 * 1.3 server (one of our RA-TLS sessions) reads a peer's first flight.
 *
 * Two input modes (first byte, even/odd):
 *  - raw: the rest of the input is the byte stream from the peer;
 *  - structured: a real ClientHello (made once by one of our client
 *    sessions), padded with an unknown extension to a size the input picks
 *    (up to beyond the 64 KiB limit), one byte of it changed where the input
 *    says (lengths, header), cut into plaintext handshake records whose
 *    lengths come from the input, with an alert record between fragments
 *    where the input says. This reaches the reassembly with valid and
 *    nearly valid messages at every fragment boundary.
 * The server handshake is stepped until it has parsed the ClientHello, fails,
 * or waits; the session is reset for the next input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ssl.h>
#include <psa/crypto.h>

#include "migtd/ratls.h"
#include "tls_hello.h"

#define FQ_LEN 700
#define MSG_MAX 70000u
#define STREAM_MAX (MSG_MAX * 2u)

struct feed {
	const uint8_t *in;
	size_t len, off;
	bool eof;     /* once drained: end of stream (else: would block) */
	uint8_t *cap; /* if set: keep what is sent here */
	size_t cap_len, cap_max;
};

static long feed_send(void *ctx, const uint8_t *buf, size_t len)
{
	struct feed *f = ctx;

	if (f->cap != NULL) {
		if (len > f->cap_max - f->cap_len)
			return MIGTD_ERR_AGAIN;
		memcpy(f->cap + f->cap_len, buf, len);
		f->cap_len += len;
	}
	return (long)len;
}

static long feed_recv(void *ctx, uint8_t *buf, size_t len)
{
	struct feed *f = ctx;
	size_t n = f->len - f->off;

	if (n == 0)
		return f->eof ? 0 : MIGTD_ERR_AGAIN;
	if (len > n)
		len = n;
	memcpy(buf, f->in + f->off, len);
	f->off += len;
	return (long)len;
}

static int any_quote(void *ctx, const uint8_t *quote, size_t len,
		     uint8_t report[MIGTD_VERIFIED_REPORT_SIZE])
{
	(void)ctx;
	(void)quote;
	(void)len;
	memset(report, 0, MIGTD_VERIFIED_REPORT_SIZE);
	return MIGTD_OK;
}

static int any_policy(void *ctx, bool is_src, const uint8_t local[MIGTD_VERIFIED_REPORT_SIZE],
		      const uint8_t peer[MIGTD_VERIFIED_REPORT_SIZE], const uint8_t *evlog,
		      size_t len)
{
	(void)ctx;
	(void)is_src;
	(void)local;
	(void)peer;
	(void)evlog;
	(void)len;
	return MIGTD_OK;
}

static struct ratls_session g_server;
static struct feed g_feed;
static uint8_t g_hello[1024]; /* the real ClientHello (handshake message) */
static size_t g_hello_len, g_ext_len_off;
static uint8_t *g_msg, *g_stream;

static int start(struct ratls_session *s, enum ratls_role role, struct feed *f)
{
	static const struct ratls_callbacks cb = { any_quote, any_policy, NULL };
	struct ratls_io io = { feed_send, feed_recv, f };
	uint8_t rd[64], q[FQ_LEN] = { 0 }, evlog[64] = { 0 };
	static uint8_t work[8192];

	if (migtd_ratls_session_init(s, role, &cb) != MIGTD_OK ||
	    migtd_ratls_session_report_data(s, rd) != MIGTD_OK)
		return -1;
	memcpy(q + 568, rd, sizeof(rd));
	return migtd_ratls_session_start(s, q, sizeof(q), evlog, sizeof(evlog), 0, &io, work,
					 sizeof(work)) == MIGTD_OK
		       ? 0
		       : -1;
}

/* One real ClientHello: a client session's first record, 16 03 01 len | msg. */
static int capture_hello(void)
{
	static uint8_t out[2048];
	struct ratls_session c;
	struct feed f = { .cap = out, .cap_max = sizeof(out) };
	int ret = -1;

	if (start(&c, RATLS_CLIENT, &f) != 0 || migtd_ratls_handshake_step(&c) != MIGTD_ERR_AGAIN)
		goto out;
	if (f.cap_len < 9 || out[0] != 0x16 || out[5] != 0x01)
		goto out;
	g_hello_len = 4 + ((size_t)out[6] << 16 | (size_t)out[7] << 8 | out[8]);
	if (5 + g_hello_len != f.cap_len || g_hello_len > sizeof(g_hello))
		goto out;
	memcpy(g_hello, out + 5, g_hello_len);
	g_ext_len_off = tls_hello_ext_len_off(g_hello);
	ret = 0;
out:
	migtd_ratls_session_free(&c);
	return ret;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (psa_crypto_init() != PSA_SUCCESS || start(&g_server, RATLS_SERVER, &g_feed) != 0 ||
	    capture_hello() != 0)
		abort();
	g_msg = malloc(MSG_MAX);
	g_stream = malloc(STREAM_MAX);
	if (g_msg == NULL || g_stream == NULL)
		abort();
	return 0;
}


/*
 * Structured input: [pad 2][flip pos 2][flip xor 1] then 2-byte record
 * lengths (1 + v % 16400, so a few are over 2^14; bit 15 set: an alert
 * record first), used in turn until the message is out.
 */
static size_t structured(const uint8_t *d, size_t n)
{
	size_t total, pos, at = 0, off = 0, i = 0, nlen;
	static const uint8_t alert[2] = { 2, 40 };

	if (n < 7)
		return 0;
	total = g_hello_len + 4 + ((size_t)d[0] << 8 | d[1]);
	if (total > 65600)
		total = 65600; /* a little over the limit */
	memcpy(g_msg, g_hello, g_hello_len);
	tls_hello_pad(g_msg, g_hello_len, g_ext_len_off, total);
	pos = ((size_t)d[2] << 8 | d[3]) % total;
	g_msg[pos] ^= d[4];
	d += 5;
	n -= 5;
	nlen = n / 2;
	while (off < total && at + 5 + 2 + 5 + 16400 <= STREAM_MAX) {
		unsigned v = (unsigned)d[2 * (i % nlen)] << 8 | d[2 * (i % nlen) + 1];
		size_t len = 1 + (v & 0x7FFFu) % 16400u;

		if (v & 0x8000u)
			at = tls_put_record(g_stream, at, 0x15, alert, sizeof(alert));
		if (len > total - off)
			len = total - off;
		at = tls_put_record(g_stream, at, 0x16, g_msg + off, len);
		off += len;
		i++;
	}
	return at;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mbedtls_ssl_context *ssl = &g_server.ssl;

	if (size < 1)
		return 0;
	if (mbedtls_ssl_session_reset(ssl) != 0)
		abort();
	g_feed = (struct feed){ .eof = true };
	if (data[0] & 1) {
		g_feed.in = data + 1;
		g_feed.len = size - 1;
	} else {
		g_feed.in = g_stream;
		g_feed.len = structured(data + 1, size - 1);
	}
	for (int i = 0; i < 16; i++) {
		int ret = mbedtls_ssl_handshake_step(ssl);

		if (ret != 0 || ssl->MBEDTLS_PRIVATE(state) == MBEDTLS_SSL_SERVER_HELLO)
			break;
	}
	return 0;
}
