/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * rootca.h -- the attestation root CA a MigTD enrolls, checked and put in
 * its one canonical encoding (docs/cli.md, "Root CA").
 *
 * The enrolled root CA is measured byte for byte (RTMR2 and so
 * SERVTD_INFO_HASH), so the same certificate in PEM and in DER would give
 * two different measurements and a migration would fail with an RTMR2
 * mismatch. Every program that enrolls a root CA therefore stores the
 * certificate's DER, whatever encoding it was given in -- DER is what the
 * upstream MigTD enrolls.
 */
#ifndef MIGTD_ROOTCA_H
#define MIGTD_ROOTCA_H

#include <stddef.h>
#include <stdint.h>

/*
 * Check that in[0..len) (DER, or PEM with exactly one CERTIFICATE) is one
 * X.509 certificate usable as the quote-verification root: a CA
 * (basicConstraints CA:TRUE), self-signed, with an ECDSA P-256 key (the
 * key the PCK chain's root must carry). On success *der is a malloc'd copy
 * of its DER and 0 is returned; otherwise -1 with a reason in why.
 */
int rootca_canonical(const uint8_t *in, size_t len, uint8_t **der, size_t *der_len, char *why,
		     size_t why_len);

#endif /* MIGTD_ROOTCA_H */
