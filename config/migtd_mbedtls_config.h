/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * mbedTLS 3.6 configuration for migtd-c.
 *
 * One file for both builds of the library:
 *  - hosted (Linux programs, unit tests, fuzzers): libc calloc/free;
 *  - freestanding (firmware, `make freestanding-check`), selected by
 *    MIGTD_MBEDTLS_FREESTANDING: no libc functions are assumed beyond
 *    memcpy & co.; the heap is mbedTLS's own buffer allocator over memory the
 *    firmware hands it, and snprintf goes through a platform hook.
 *
 * What is enabled is exactly what MigTD needs (docs/protocol.md §5, §8):
 *  - TLS 1.3 only, client and server, TLS_AES_256_GCM_SHA384 with
 *    secp384r1 (the upstream profile) -- AES-128-GCM/SHA-256 stay compiled in
 *    because the quote verifier needs SHA-256 and P-256 anyway;
 *  - ECDSA and ECDH on P-256 (Intel PCS chain, quotes) and P-384 (RA-TLS);
 *  - X.509 certificate and CRL parsing, certificate writing (RA-TLS),
 *    PEM (the PCK chain inside a quote is PEM);
 *  - PSA crypto with an external RNG: randomness comes from the platform
 *    (RDSEED/RDRAND on TDX, getrandom() on Linux) through
 *    mbedtls_psa_external_get_random(), implemented by the platform backend.
 *
 * No time (certificate validity is checked by our code against an explicit
 * time input: MigTD has no trusted clock), no filesystem, no sockets, no
 * threads, no TLS 1.2, no RSA, no session tickets.
 */
#ifndef MIGTD_MBEDTLS_CONFIG_H
#define MIGTD_MBEDTLS_CONFIG_H

/* ---- platform ---------------------------------------------------------- */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#if defined(MIGTD_MBEDTLS_FREESTANDING)
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
#define MBEDTLS_PLATFORM_SNPRINTF_ALT
#define MBEDTLS_PLATFORM_VSNPRINTF_ALT
#define MBEDTLS_PLATFORM_SETBUF_ALT
#define MBEDTLS_PLATFORM_EXIT_ALT
/* 128-bit division would pull in libgcc's __udivti3. */
#define MBEDTLS_NO_UDBL_DIVISION
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
/* SSE/AES-NI intrinsics do not build with -mgeneral-regs-only. */
#else
#define MBEDTLS_AESNI_C
#endif
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_DEPRECATED_REMOVED

/* ---- primitives -------------------------------------------------------- */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_GCM_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA224_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_HKDF_C
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_CONSTANT_TIME_C

/* ---- ASN.1, keys, certificates ----------------------------------------- */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_PEM_WRITE_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_PK_WRITE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_CRL_PARSE_C
#define MBEDTLS_X509_CREATE_C
#define MBEDTLS_X509_CRT_WRITE_C

/* ---- PSA --------------------------------------------------------------- */
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_USE_PSA_CRYPTO
/* Volatile key slots (static array). Each pre-migration session holds its
 * RA-TLS key, its TLS 1.3 ECDHE key and transiently the keys of the
 * certificates it verifies: 64 sessions (MIGTD_MAX_SESSIONS) need ~192;
 * the unit tests run two MigTDs in one process. mbedTLS's default is 32. */
#define MBEDTLS_PSA_KEY_SLOT_COUNT 400

/* ---- TLS 1.3 ----------------------------------------------------------- */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_SRV_C
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_MAX_CONTENT_LEN 16384
#define MBEDTLS_SSL_CIPHERSUITES MBEDTLS_TLS1_3_AES_256_GCM_SHA384
/* Options of our patch to mbedTLS (scripts/patches/mbedtls-*-migtd.patch,
 * docs/tls-large-certificates.md). An RA-TLS certificate with a large
 * policy in its event log is ~33 KB, so handshake messages up to 64 KiB
 * (header included; 65535 is the patch's ceiling) are reassembled from
 * and fragmented over records of <= 16 KiB (docs/protocol.md §5.4). The
 * record buffers grow for such a message only while it is received or
 * sent, and shrink again when the handshake ends: the patch uses the
 * resizing of MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH, which needs
 * MBEDTLS_SSL_MAX_FRAGMENT_LENGTH compiled in (we never negotiate it). */
#define MIGTD_MBEDTLS_HS_MAX_LEN 65535
#define MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
/* One fatal alert per failure, under the key the peer reads with. */
#define MIGTD_MBEDTLS_TLS13_ALERTS

/* ---- sizes ------------------------------------------------------------- */
#define MBEDTLS_MPI_MAX_SIZE 48 /* P-384 is the largest key we handle */
#define MBEDTLS_ECP_WINDOW_SIZE 4
/* Precomputed comb tables for the base point (in ROM, +8 KiB of code):
 * -37% instructions per pre-migration (callgrind, bench_premigration). */
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 1

#endif /* MIGTD_MBEDTLS_CONFIG_H */
