/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * ratls_internal.h -- shared between the files of core/ratls only.
 */
#ifndef MIGTD_RATLS_INTERNAL_H
#define MIGTD_RATLS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/x509_crt.h>

#include "migtd/ratls.h"

/* The RA-TLS extensions of a parsed certificate (first occurrence of each). */
struct ratls_evidence {
	const uint8_t *quote;
	size_t quote_len;
	const uint8_t *evlog;
	size_t evlog_len;
	const uint8_t *policy_hash; /* policy v2 (…1.4) */
	size_t policy_hash_len;
};

/*
 * Parse a certificate with mbedTLS, collecting the evidence extensions.
 * Unknown critical extensions make the parse fail. With make_copy == 0 the
 * certificate (and the evidence pointers) refer to der, which must outlive
 * crt. Returns 0 or an mbedTLS error.
 */
int migtd_ratls_parse_cert(mbedtls_x509_crt *crt, const uint8_t *der, size_t der_len, int make_copy,
			   struct ratls_evidence *ev);

/*
 * migtd_ratls_cert_write() for a key whose 97-byte public point the caller
 * already has (exporting a PSA ECC public key computes the point from the
 * private scalar, a P-384 scalar multiplication, on every call, so a
 * session exports it once in migtd_ratls_session_init), with, when
 * policy_hash is not NULL, the policy v2 policy-hash extension (…1.4, 48
 * bytes, after the quote, §5.3) carrying SHA384 of our own pre-session
 * data (§5.7).
 */
int migtd_ratls_cert_write_v2(psa_key_id_t key, const uint8_t pub[RATLS_PUBKEY_SIZE],
			      const uint8_t *quote, size_t quote_len, const uint8_t *evlog,
			      size_t evlog_len, const uint8_t policy_hash[RATLS_POLICY_HASH_SIZE],
			      unsigned flags, uint8_t *buf, size_t cap, size_t *out_len);

#endif
