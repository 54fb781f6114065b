/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * tlsref.h -- the reference the pre-migration is measured against: a bare
 * mutual TLS 1.3 handshake on OpenSSL's libssl (Debian libssl-dev), both
 * ends in this thread over a memory BIO pair, with MigTD's TLS profile
 * (docs/protocol.md §5.1): TLS_AES_256_GCM_SHA384, secp384r1 only,
 * ecdsa_secp384r1_sha384, P-384 leaf certificates under a P-384 CA made
 * here at start-up, the client certificate requested, required and
 * verified, no tickets, no session cache. After the handshake each side
 * sends the other 40 bytes, as the ExchangeInformation step does.
 *
 * Not named bench_*.c: linked into every benchmark (BENCH_COMMON_SRC).
 */
#ifndef MIGTD_BENCH_TLSREF_H
#define MIGTD_BENCH_TLSREF_H

/* Keys, CA and both leaf certificates, both SSL_CTXs. 0 or -1 (message on stderr). */
int tlsref_init(void);

/* One complete handshake plus the 40-byte exchange each way. 0 or -1. */
int tlsref_handshake(void);

void tlsref_fini(void);

#endif
