/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * quote_internal.h -- helpers shared by the quote verification files.
 */
#ifndef MIGTD_QUOTE_INTERNAL_H
#define MIGTD_QUOTE_INTERNAL_H

#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#include "migtd/quote.h"

/* Largest PEM/DER object we decode (CRLs of the processor CA are the biggest). */
#define QV_MAX_OBJECT (256u * 1024u)
/* "Any time": validity windows are not enforced (MIGTD_QTIME_COLLATERAL,
 * where upstream's library only reports expiry, docs/collateral.md). */
#define QV_TIME_ANY INT64_MIN

/* Raw uncompressed P-256 point: 04 || X || Y. */
#define QV_KEY_LEN 65u

/* Append every "-----BEGIN <label>-----" block of pem[0..len) (or, if the
 * input is DER, the single object) to chain. Returns the number of
 * certificates added (>= 1) or a negative error. */
int migtd_qv_load_certs(const uint8_t *buf, size_t len, mbedtls_x509_crt *chain);
int migtd_qv_load_crl(const uint8_t *buf, size_t len, mbedtls_x509_crl *crl);

/* The certificate's P-256 public key as 04||X||Y; MIGTD_ERR_INVALID if not P-256. */
int migtd_qv_cert_key(const mbedtls_x509_crt *crt, uint8_t out[QV_KEY_LEN]);
/* Verify an X.509 object's ecdsa-with-SHA256 signature (cert or CRL). */
int migtd_qv_verify_signed(const mbedtls_x509_buf *raw, const mbedtls_x509_buf *tbs,
			   const uint8_t key[QV_KEY_LEN]);
/* validity window of crt contains now? */
bool migtd_qv_cert_valid_at(const mbedtls_x509_crt *crt, int64_t now);
int64_t migtd_qv_x509_time(const mbedtls_x509_time *t);

/*
 * Verify a signing chain given as PEM (leaf first, root optional) against the
 * enrolled root key at time now; on success leaf_key receives the leaf key.
 * *why is set to a static reason on failure.
 */
int migtd_qv_verify_issuer_chain(struct migtd_sig_cache *sc, const uint8_t *pem, size_t len,
				 const uint8_t root_key[QV_KEY_LEN], int64_t now,
				 uint8_t leaf_key[QV_KEY_LEN], const char **why);

/* Signature checks through the memo (struct migtd_sig_cache; sc may be NULL). */
int migtd_qv_verify_signed_memo(struct migtd_sig_cache *sc, const mbedtls_x509_buf *raw,
				const mbedtls_x509_buf *tbs, const uint8_t key[QV_KEY_LEN]);
int migtd_qv_ecdsa_verify_memo(struct migtd_sig_cache *sc, const uint8_t key[QV_KEY_LEN],
			       const uint8_t hash[32], const uint8_t sig[64]);

/* Widen [*issue, *expiry] with one document's window (0 = unset). */
void migtd_qv_window_add(int64_t *latest_issue, int64_t *earliest_expiry, int64_t issue,
			 int64_t expiry);

/* Collateral steps (collateral.c). */
int migtd_qv_check_tcb_info(struct migtd_sig_cache *sc, const struct migtd_quote_collateral *c,
			    const uint8_t root_key[QV_KEY_LEN], int64_t now,
			    struct migtd_quote_verify_result *res, const char **why);
int migtd_qv_check_qe_identity(struct migtd_sig_cache *sc, const struct migtd_quote_collateral *c,
			       const uint8_t root_key[QV_KEY_LEN], int64_t now,
			       struct migtd_quote_verify_result *res, const char **why);
/* issueDate / nextUpdate of a TCB Info or QE Identity document (not verified). */
int migtd_qv_collateral_dates(const uint8_t *json, size_t len, int64_t *issue, int64_t *next);
int migtd_qv_match_tcb_level(const struct migtd_quote_collateral *c,
			     struct migtd_quote_verify_result *res, const char **why);
/* Fuzzing/tests only: the TCB Info (qe_identity false) or QE Identity field
 * checks and matching that follow the signature check, on an unverified document. */
int migtd_qv_collateral_fields_unverified(const uint8_t *json, size_t len, bool qe_identity,
					  int64_t now, struct migtd_quote_verify_result *res,
					  const char **why);
/* The worse of two TCB status strings (either may be empty). */
const char *migtd_qv_converge_status(const char *platform, const char *qe);

#endif
