/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * tls_hello.h -- hand-built TLS input for the handshake reassembly tests
 * (tests/unit/test_tls_reassembly.c, tests/fuzz/fuzz_tls_reassembly.c;
 * docs/tls-large-certificates.md): a real ClientHello padded to any size,
 * cut into plaintext records.
 */
#ifndef MIGTD_TESTS_TLS_HELLO_H
#define MIGTD_TESTS_TLS_HELLO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Where the extensions' length is in the ClientHello handshake message m
 * (header included): after version, random, session id, cipher suites and
 * compression methods. */
static inline size_t tls_hello_ext_len_off(const uint8_t *m)
{
	size_t off = 4 + 2 + 32;

	off += 1 + m[off];
	off += 2 + ((size_t)m[off] << 8 | m[off + 1]);
	off += 1 + m[off];
	return off;
}

/*
 * Pad the ClientHello m[0..hs_len) in place to total bytes (m has room,
 * total >= hs_len + 4) with an extension of a type nobody knows (0xFE01;
 * RFC 8446 §4.2: ignored by the server), and fix the extensions' and the
 * message's lengths. Returns the extensions' new length, which only fits
 * when <= 0xFFFF.
 */
static inline size_t tls_hello_pad(uint8_t *m, size_t hs_len, size_t ext_len_off, size_t total)
{
	size_t pad = total - hs_len - 4, body = total - 4;
	size_t el = ((size_t)m[ext_len_off] << 8 | m[ext_len_off + 1]) + 4 + pad;

	m[hs_len] = 0xFE;
	m[hs_len + 1] = 0x01;
	m[hs_len + 2] = (uint8_t)(pad >> 8);
	m[hs_len + 3] = (uint8_t)pad;
	memset(m + hs_len + 4, 0x5C, pad);
	m[ext_len_off] = (uint8_t)(el >> 8);
	m[ext_len_off + 1] = (uint8_t)el;
	m[1] = (uint8_t)(body >> 16);
	m[2] = (uint8_t)(body >> 8);
	m[3] = (uint8_t)body;
	return el;
}

/* Append one plaintext record of type t carrying p[0..n) at out + at;
 * returns where it ends. */
static inline size_t tls_put_record(uint8_t *out, size_t at, uint8_t t, const uint8_t *p, size_t n)
{
	out[at] = t;
	out[at + 1] = 0x03;
	out[at + 2] = 0x03;
	out[at + 3] = (uint8_t)(n >> 8);
	out[at + 4] = (uint8_t)n;
	memcpy(out + at + 5, p, n);
	return at + 5 + n;
}

#endif
