/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * cfv.h -- the Configuration Firmware Volume (docs/protocol.md §9.3): the UEFI-PI
 * firmware volume at the start of a MigTD image that carries the enrolled
 * migration policy, the SGX root CA (policy v1) or the policy issuer chain
 * (policy v2) as RAW FFS files.
 *
 * The reader checks exactly what MigTD (td-shim's FV walk) checks, so that a
 * CFV MigTD accepts we accept and the file we find is the file MigTD would
 * measure: the FV header (signature "_FVH", zero vector, revision 2,
 * fv_length equal to the region, header_length inside it, 16-bit checksum of
 * the 56-byte EFI_FIRMWARE_VOLUME_HEADER), then FFS files from header_length
 * on, each at an 8-byte aligned distance from the previous one, each header
 * checksum verified; an invalid header ends the search. Bytes after the last
 * file are not interpreted.
 *
 * The builder writes what upstream's enroll tool writes (same 0x78-byte
 * header region, same file headers), so enrolling with either tool gives the
 * same bytes.
 */
#ifndef MIGTD_CFV_H
#define MIGTD_CFV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migtd/wire.h"

#define CFV_FVH_LEN 56u         /* EFI_FIRMWARE_VOLUME_HEADER */
#define CFV_HEADER_LEN 0x78u    /* what migtd_cfv_build writes before the first file */
#define CFV_FFS_HEADER_LEN 24u  /* EFI_FFS_FILE_HEADER */
#define CFV_FFS2_HEADER_LEN 32u /* EFI_FFS_FILE_HEADER2 (FFS_ATTRIB_LARGE_FILE) */
#define CFV_FFS_ALIGN 8u
#define CFV_FFS_MAX_SIZE 0xFFFFFFu /* 24-bit size field */
#define CFV_BLOCK_SIZE 0x1000u
#define CFV_SIZE_UPSTREAM 0xA0000u /* the CFV of upstream's 16 MiB image */

/* Offsets inside EFI_FIRMWARE_VOLUME_HEADER. */
#define CFV_OFF_ZERO_VECTOR 0x00u
#define CFV_OFF_FS_GUID 0x10u
#define CFV_OFF_FV_LENGTH 0x20u
#define CFV_OFF_SIGNATURE 0x28u
#define CFV_OFF_ATTRIBUTES 0x2Cu
#define CFV_OFF_HEADER_LENGTH 0x30u
#define CFV_OFF_CHECKSUM 0x32u
#define CFV_OFF_EXT_HEADER_OFFSET 0x34u
#define CFV_OFF_RESERVED 0x36u
#define CFV_OFF_REVISION 0x37u
#define CFV_OFF_BLOCK_MAP 0x38u

/* Offsets inside EFI_FFS_FILE_HEADER. */
#define CFV_FFS_OFF_NAME 0x00u
#define CFV_FFS_OFF_HEADER_CHECKSUM 0x10u
#define CFV_FFS_OFF_FILE_CHECKSUM 0x11u
#define CFV_FFS_OFF_TYPE 0x12u
#define CFV_FFS_OFF_ATTRIBUTES 0x13u
#define CFV_FFS_OFF_SIZE 0x14u
#define CFV_FFS_OFF_STATE 0x17u
#define CFV_FFS_OFF_EXTENDED_SIZE 0x18u

#define CFV_FVH_SIGNATURE 0x4856465Fu /* "_FVH" little-endian */
#define CFV_FVH_REVISION 2u
#define CFV_FVH_ATTRIBUTES 0x0004F6FFu /* what upstream writes */
#define CFV_EXT_HEADER_OFFSET 0x60u
#define CFV_EXT_HEADER_SIZE 0x14u
#define CFV_FILETYPE_RAW 0x01u
#define CFV_FILETYPE_FFS_PAD 0xF0u
#define CFV_FFS_ATTRIB_LARGE_FILE 0x01u
#define CFV_FFS_FIXED_CHECKSUM 0xAAu
#define CFV_FFS_STATE 0x07u /* HEADER_CONSTRUCTION | HEADER_VALID | DATA_VALID */

/* GUIDs in their on-disk byte form. */
extern const struct migtd_guid migtd_cfv_guid_fs3;     /* EFI_FIRMWARE_FILE_SYSTEM3_GUID */
extern const struct migtd_guid migtd_cfv_guid_policy;  /* 0BE92DC3-6221-4C98-87C1-8EEFFD70DE5A */
extern const struct migtd_guid migtd_cfv_guid_root_ca; /* CA437832-4C51-4322-B13D-A21BD0C8FFF6 */
extern const struct migtd_guid
	migtd_cfv_guid_policy_issuer_chain; /* 3F2FB27A-9596-431C-A68D-D3EAB39F8AEB */

/* The parts of the FV header a reader needs. */
struct cfv_header {
	uint64_t fv_length;
	uint32_t attributes;
	uint16_t header_length;
	uint16_t ext_header_offset;
	struct migtd_guid fs_guid;
};

/* One FFS file found while walking the volume; data points into the volume. */
struct cfv_file {
	struct migtd_guid name;
	uint8_t type;
	uint8_t attributes;
	uint8_t file_checksum;
	uint8_t state;
	size_t offset;       /* of the file header inside the volume */
	size_t header_len;   /* 24, or 32 for a large file */
	const uint8_t *data; /* the file data (size - header_len bytes) */
	size_t len;
};

/* A walk over the files of a checked volume. */
struct cfv_iter {
	struct wire_reader r; /* over the whole volume */
	size_t next;          /* offset of the next header */
	bool done;
	/* Why the walk stopped: MIGTD_OK (no further header: end or free space),
	 * MIGTD_ERR_INVALID (bad header checksum), MIGTD_ERR_LENGTH (a checksummed
	 * header whose size is out of range). */
	int err;
	size_t stop_offset;
};

/*
 * Check the FV header of the len-byte volume at fv (docs/protocol.md §9.3). Errors:
 * MIGTD_ERR_TRUNCATED (shorter than the header), MIGTD_ERR_INVALID (signature,
 * revision, checksum), MIGTD_ERR_RESERVED (zero vector), MIGTD_ERR_LENGTH
 * (fv_length != len, header_length outside [56, len)).
 */
int migtd_cfv_parse_header(const uint8_t *fv, size_t len, struct cfv_header *out);

/* Start walking the files (checks the header first). */
int migtd_cfv_iter_init(struct cfv_iter *it, const uint8_t *fv, size_t len);
/* The next file, or false at the end (then it->err says why). */
bool migtd_cfv_iter_next(struct cfv_iter *it, struct cfv_file *f);

/*
 * Find the first file of the given type and name, exactly as MigTD does.
 * MIGTD_OK with *data and *data_len (pointing into fv); MIGTD_ERR_GUID when the walk
 * ended without it; a header error, or the walk's error (MIGTD_ERR_INVALID
 * for a bad file header checksum) when the walk was cut short.
 */
int migtd_cfv_find_file(const uint8_t *fv, size_t len, uint8_t type, const struct migtd_guid *name,
			const uint8_t **data, size_t *data_len);

/* Header checksum byte that makes the 24-byte header (file checksum and state
 * taken as 0) sum to 0. hdr[CFV_FFS_OFF_HEADER_CHECKSUM] is ignored. */
uint8_t migtd_cfv_ffs_header_checksum(const uint8_t hdr[CFV_FFS_HEADER_LEN]);
/* 16-bit checksum word that makes the 56-byte FV header sum to 0. */
uint16_t migtd_cfv_fvh_checksum(const uint8_t fvh[CFV_FVH_LEN]);

/* One file to enroll. */
struct cfv_input {
	const struct migtd_guid *name;
	const uint8_t *data;
	size_t len;
};

/*
 * Build a volume of exactly fv_length bytes in buf (cap >= fv_length): the
 * 0x78-byte header region, the n RAW files back to back (8-byte aligned,
 * file checksum 0xAA, state 0x07), zeros after them. fv_length must be a
 * non-zero multiple of 4 KiB (the block map counts 4 KiB blocks). *used (may
 * be NULL) gets the bytes up to the end of the last file. MIGTD_ERR_NOSPACE
 * when the files do not fit, MIGTD_ERR_LENGTH for a bad fv_length or a file
 * too large for the 24-bit size.
 */
int migtd_cfv_build(uint8_t *buf, size_t cap, size_t fv_length, const struct cfv_input *files,
		    size_t n, size_t *used);

#endif /* MIGTD_CFV_H */
