/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * hob.h -- the migration request HOB list (docs/protocol.md §2.3) and the structures it
 * carries: MigtdMigrationInformation, MigtdStreamSocketInfo and
 * MigtdMigpolicyInfo.
 *
 * The VMM hands a migration request to MigTD as a UEFI-PI HOB list that
 * follows the 4-byte WaitForRequest response header (ghci.h). The parser
 * reproduces upstream's walk exactly, including its quirks (a HOB whose end
 * reaches the end of the buffer is silently ignored), because a VMM that works
 * with upstream must work with us and vice versa. The builder is what the
 * emulated VMM uses.
 *
 * All parsers take a PRIVATE copy of the untrusted bytes (pointer, length).
 */
#ifndef MIGTD_HOB_H
#define MIGTD_HOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migtd/wire.h"

#define HOB_TYPE_GUID_EXTENSION 0x0004u
#define HOB_TYPE_END_OF_HOB_LIST 0xFFFFu
#define HOB_HEADER_LEN 8u       /* u16 type, u16 length, u32 reserved */
#define HOB_GUID_HEADER_LEN 24u /* generic header + 16-byte GUID */
#define HOB_MAX_LENGTH 0xFFF8u  /* larger lengths stop the walk */
#define HOB_ALIGN 8u

/* GUIDs of the three HOBs MigTD knows (on-wire byte form, §2.3). */
extern const struct migtd_guid migtd_hob_guid_migration_information;
extern const struct migtd_guid migtd_hob_guid_stream_socket_info;
extern const struct migtd_guid migtd_hob_guid_migpolicy;

/* MigtdMigrationInformation sizes: the HOB form (§2.3.1) and the vmcall-raw
 * StartMigration form (§2.4.1, without mig_policy_id/communication_id). */
#define MIGTD_TD_INFO_LEN 512u
#define MIGTD_MIG_INFO_HOB_LEN 72u
#define MIGTD_MIG_INFO_HOB_INIT_LEN (72u + 512u)
#define MIGTD_MIG_INFO_RAW_LEN 56u
#define MIGTD_MIG_INFO_RAW_INIT_LEN (56u + 512u)
#define MIGTD_STREAM_SOCKET_INFO_LEN 24u
#define MIGTD_MIGPOLICY_INFO_LEN 16u /* u64 id, u32 size, u32 padding */

/* MigtdMigrationInformation (§2.3.1). Fields not on the wire in a given
 * layout are zero after parsing. */
struct migtd_migration_information {
	uint64_t mig_request_id;
	uint8_t migration_source; /* 1 = source; any other value = destination */
	uint8_t has_init_data;
	uint8_t reserved[6];
	uint64_t target_td_uuid[4];
	uint64_t binding_handle;
	uint64_t mig_policy_id;                  /* HOB layouts only */
	uint64_t communication_id;               /* HOB layouts only */
	uint8_t init_td_info[MIGTD_TD_INFO_LEN]; /* valid iff has_init_data == 1 (strict layouts) */
};

/* How MigtdMigrationInformation bytes are read (the build decides, §2.3.1, §2.4.1). */
enum hob_mig_info_layout {
	/* Service builds without policy v2 (the default image): the first 72
	 * bytes are read; longer data, reserved and has_init_data unchecked. */
	HOB_MIG_INFO_DEFAULT = 0,
	/* Service builds with policy v2: exactly 72 (has_init_data 0) or 584
	 * (has_init_data 1) bytes, reserved zero. */
	HOB_MIG_INFO_STRICT,
	/* vmcall-raw without policy v2: exactly 56 bytes, reserved zero,
	 * has_init_data 0. */
	HOB_MIG_INFO_RAW,
	/* vmcall-raw with policy v2: 56 (has_init_data 0) or 568 (1). */
	HOB_MIG_INFO_RAW_V2,
};

/* MigtdStreamSocketInfo (§2.3.2). */
struct migtd_stream_socket_info {
	uint64_t communication_id;
	uint64_t mig_td_cid; /* remote vsock CID (low 32 bits used) */
	uint32_t mig_channel_port;
	uint32_t quote_service_port;
};

/* MigtdMigpolicyInfo (§2.3.3) plus a view of the policy bytes. */
struct migtd_migpolicy_info {
	uint64_t mig_policy_id;
	uint32_t mig_policy_size;
	const uint8_t *policy; /* points into the parsed buffer */
};

/* Which build parses the HOB list. */
enum hob_mode {
	HOB_MODE_DEFAULT = 0, /* MigtdMigrationInformation read as HOB_MIG_INFO_DEFAULT */
	HOB_MODE_STRICT,      /* ... as HOB_MIG_INFO_STRICT (policy-v2 builds) */
};

/* The parsed request: what MigTD needs to start a session. */
struct migtd_migration_request {
	struct migtd_migration_information info;
	bool has_socket_info;
	struct migtd_stream_socket_info socket_info;
	bool has_policy; /* false if absent or malformed (it is then ignored) */
	struct migtd_migpolicy_info policy;
};

/*
 * Parse a migration request HOB list (§2.3). buf/len is everything after the
 * WaitForRequest header (upstream: the rest of the response page).
 * require_socket_info: true for vsock builds (the Stream-Socket-Info HOB is
 * then mandatory and must hold 24 bytes of data).
 * Returns MIGTD_OK, or MIGTD_ERR_INVALID (other HOB type, missing mandatory
 * HOB), MIGTD_ERR_GUID (unknown or duplicated GUID), MIGTD_ERR_TRUNCATED /
 * MIGTD_ERR_LENGTH / MIGTD_ERR_RESERVED (bad MigtdMigrationInformation).
 * On error *out is left zeroed or partly filled; do not use it.
 */
int migtd_hob_parse_migration_request(const uint8_t *buf, size_t len, enum hob_mode mode,
				      bool require_socket_info,
				      struct migtd_migration_request *out);

/* Parse MigtdMigrationInformation bytes in the given layout. */
int migtd_hob_mig_info_parse(const uint8_t *buf, size_t len, enum hob_mig_info_layout layout,
			     struct migtd_migration_information *out);
/* Parse MigtdStreamSocketInfo (first 24 bytes; longer data accepted). */
int migtd_hob_socket_info_parse(const uint8_t *buf, size_t len,
				struct migtd_stream_socket_info *out);
/* Parse MigtdMigpolicyInfo + policy bytes (policy must fit in len). */
int migtd_hob_migpolicy_parse(const uint8_t *buf, size_t len, struct migtd_migpolicy_info *out);

/* ---- builders (emulated VMM) -------------------------------------------- */

/* Write MigtdMigrationInformation: layout DEFAULT/STRICT -> 72 bytes, RAW/RAW_V2
 * -> 56 bytes; plus init_td_info (512) when in->has_init_data == 1. */
int migtd_hob_mig_info_write(struct wire_writer *w, enum hob_mig_info_layout layout,
			     const struct migtd_migration_information *in);
int migtd_hob_socket_info_write(struct wire_writer *w, const struct migtd_stream_socket_info *in);
int migtd_hob_migpolicy_write(struct wire_writer *w, const struct migtd_migpolicy_info *in);

/* Append one GUID-extension HOB (header + GUID + data), zero-padded to 8. */
int migtd_hob_write_guid_hob(struct wire_writer *w, const struct migtd_guid *guid, const void *data,
			     size_t data_len);
/* Append the end-of-HOB-list HOB (24 bytes, as upstream's VMMs send it). */
int migtd_hob_write_end(struct wire_writer *w);

/*
 * Build a whole migration request HOB list: Migration-Information (72 or 584
 * bytes per in->info.has_init_data), Stream-Socket-Info if has_socket_info,
 * Migration-Policy if has_policy, end HOB. *out_len = bytes written.
 */
int migtd_hob_build_migration_request(void *buf, size_t cap,
				      const struct migtd_migration_request *in, size_t *out_len);

#endif /* MIGTD_HOB_H */
