/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * exchange.h -- the MSK exchange message and migration version
 * negotiation (docs/protocol.md §6.1-§6.3).
 *
 * After the TLS handshake each side sends one 40-byte ExchangeInformation:
 * its own user TD's migration key (MIG_ENC_KEY) and its own version range
 * (source: export range, destination: import range). The key is a secret:
 * callers wipe struct exchange_information and the 40-byte buffers with
 * mbedtls_platform_zeroize on every path (parse wipes *out when it fails).
 */
#ifndef MIGTD_EXCHANGE_H
#define MIGTD_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migtd/err.h"

#define EXCHANGE_INFORMATION_SIZE 40
#define EXCHANGE_KEY_SIZE 32
#define EXCHANGE_KEY_WORDS 4

/* A migration version range [min, max] of the TDX module (docs/protocol.md §3.1). */
struct exchange_version_range {
	uint16_t min;
	uint16_t max;
};

/* ExchangeInformation (40 bytes, docs/protocol.md §6.1); the wire's last 4 bytes (@36)
 * are reserved, zero, and have no field here. */
struct exchange_information {
	uint8_t key[EXCHANGE_KEY_SIZE];    /* @0: four LE u64, word 0 first */
	struct exchange_version_range ver; /* @32 min_ver, @34 max_ver */
};

/*
 * Parse exactly 40 bytes: fewer -> MIGTD_ERR_TRUNCATED, more ->
 * MIGTD_ERR_LENGTH, non-zero reserved -> MIGTD_ERR_RESERVED. The version
 * range is not judged here (that is migtd_exchange_negotiate_version's job).
 */
int migtd_exchange_parse(const void *buf, size_t len, struct exchange_information *out);

/* Build the 40 bytes into buf (cap >= 40, else MIGTD_ERR_NOSPACE). */
int migtd_exchange_build(const struct exchange_information *in, void *buf, size_t cap,
			 size_t *written);

/* The key as TDG.SERVTD.RD/WR words (word i = LE u64 of key bytes 8i..8i+7). */
void migtd_exchange_key_from_words(const uint64_t words[EXCHANGE_KEY_WORDS],
				   uint8_t key[EXCHANGE_KEY_SIZE]);
void migtd_exchange_key_to_words(const uint8_t key[EXCHANGE_KEY_SIZE],
				 uint64_t words[EXCHANGE_KEY_WORDS]);

/*
 * A TDG.SYS.RD result (u64) as a version: values > 0xFFFF ->
 * MIGTD_ERR_INVALID (docs/protocol.md §3.1, §6.2 step 1).
 */
int migtd_exchange_version_from_u64(uint64_t value, uint16_t *version);

/*
 * docs/protocol.md §6.3: fail with MIGTD_ERR_VERSION if either range is inverted or
 * the ranges do not overlap; else *version = min(export.max, import.max).
 */
int migtd_exchange_negotiate_version(const struct exchange_version_range *export_range,
				     const struct exchange_version_range *import_range,
				     uint16_t *version);

/*
 * The same seen from one side: `own` is this MigTD's range and `peer` the
 * one received; migration_source says which of them is the export range.
 */
int migtd_exchange_session_version(bool migration_source, const struct exchange_version_range *own,
				   const struct exchange_version_range *peer, uint16_t *version);

#endif /* MIGTD_EXCHANGE_H */
