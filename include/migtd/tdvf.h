/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * tdvf.h -- TDVF metadata of a flat MigTD image and the measurements a host
 * derives from it (docs/protocol.md §9.2, §9.4, §9.6): MRTD as the TDX module computes
 * it while the VMM adds the image, the RTMR values of the enrolled
 * configuration, TDINFO_STRUCT, SERVTD_INFO_HASH and SERVTD_HASH.
 *
 * Everything here must agree bit for bit with upstream's migtd-hash (a
 * SERVTD_INFO_HASH computed for an upstream image with our tools binds an
 * upstream MigTD, and the other way round), so the algorithms follow the
 * spec's pseudo-code literally. The image is untrusted input: the metadata is
 * located and every section checked against the image before anything is
 * hashed; the MRTD walk streams over the image (256-byte chunks) and needs no
 * memory proportional to it.
 */
#ifndef MIGTD_TDVF_H
#define MIGTD_TDVF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/sha512.h>

#include "migtd/tdreport.h"
#include "migtd/wire.h"

#define TDVF_SHA384_LEN 48u
#define TDVF_PAGE_SIZE 0x1000u
#define TDVF_EXTEND_CHUNK 0x100u /* TDH.MR.EXTEND granularity */
#define TDVF_MRTD_BLOCK 128u     /* the buffer hashed per PAGE.ADD / MR.EXTEND */

/* Locating the metadata (docs/protocol.md §9.2). */
#define TDVF_OVMF_FOOTER_OFFSET 0x30u /* footer GUID at image_size - 0x30 */
#define TDVF_OVMF_TABLE_LEN_OFFSET 0x32u
#define TDVF_LEGACY_OFFSET 0x20u /* u32 descriptor offset at image_size - 0x20 */
#define TDVF_DESCRIPTOR_LEN 16u
#define TDVF_SECTION_LEN 32u
#define TDVF_SIGNATURE 0x46564454u /* "TDVF" */
#define TDVF_VERSION 1u
#define TDVF_MAX_SECTIONS 64u
/* Limits that keep a hostile image from making the MRTD walk unbounded:
 * GPAs below 2^52, at most 1 GiB of PAGE.ADDed memory in total. */
#define TDVF_MAX_GPA (1ull << 52)
#define TDVF_MAX_ADDED_BYTES (1ull << 30)

enum tdvf_section_type {
	TDVF_SECTION_BFV = 0,
	TDVF_SECTION_CFV = 1,
	TDVF_SECTION_TD_HOB = 2,
	TDVF_SECTION_TEMP_MEM = 3,
	TDVF_SECTION_PERM_MEM = 4,
	TDVF_SECTION_PAYLOAD = 5,
	TDVF_SECTION_PAYLOAD_PARAM = 6,
	TDVF_SECTION_TD_INFO = 7,
	TDVF_SECTION_TD_PARAMS = 8,
	TDVF_SECTION_TYPE_MAX = 8,
};

#define TDVF_ATTR_EXTENDMR 0x1u
#define TDVF_ATTR_PAGE_AUG 0x2u

extern const struct migtd_guid migtd_tdvf_guid_metadata; /* E9EAF9F3-168E-44D5-A8EB-7F4D8738F6AE */
extern const struct migtd_guid
	migtd_tdvf_guid_ovmf_footer;                     /* 96B582DE-1FB2-45F7-BAEA-A366C55A082D */
extern const struct migtd_guid migtd_tdvf_guid_ovmf_tdx; /* E47A6535-984A-4798-865E-4685A7BF8EC2 */

/* TDVF_SECTION (32 bytes). */
struct tdvf_section {
	uint32_t data_offset;
	uint32_t raw_size;
	uint64_t gpa;
	uint64_t mem_size;
	uint32_t type;
	uint32_t attributes;
};

/* The TDVF descriptor and its sections, checked against the image. */
struct tdvf_metadata {
	size_t guid_offset;  /* file offset of the metadata GUID */
	bool via_ovmf_table; /* located through the OVMF table (else the legacy pointer) */
	uint32_t length;
	uint32_t version;
	uint32_t number_of_sections;
	struct tdvf_section sections[TDVF_MAX_SECTIONS];
};

/* Short name of a section type ("BFV", "CFV", ... , "?"). */
const char *migtd_tdvf_section_name(uint32_t type);

/*
 * Find the metadata GUID in the len-byte image (docs/protocol.md §9.2): through the OVMF
 * table when its footer GUID is at len - 0x30, else through the u32 at
 * len - 0x20. *guid_offset is checked to leave room for GUID + descriptor.
 * Errors: MIGTD_ERR_TRUNCATED (image too small), MIGTD_ERR_GUID (table without
 * the TDX entry), MIGTD_ERR_LENGTH (an entry or offset outside the image).
 */
int migtd_tdvf_locate(const uint8_t *img, size_t len, size_t *guid_offset, bool *via_ovmf_table);

/*
 * Locate and parse the metadata, and validate every section: known type,
 * known attributes (not EXTENDMR together with PAGE_AUG), GPA and mem_size
 * 4 KiB aligned, raw data inside the image, mem_size >= raw_size when the
 * section is mapped, GPA ranges below TDVF_MAX_GPA and not overlapping, at
 * most TDVF_MAX_ADDED_BYTES PAGE.ADDed. Errors: as migtd_tdvf_locate, plus
 * MIGTD_ERR_GUID (no metadata GUID), MIGTD_ERR_INVALID (signature, version,
 * type, attributes, alignment, overlap), MIGTD_ERR_LENGTH (lengths, counts,
 * ranges).
 */
int migtd_tdvf_parse(const uint8_t *img, size_t len, struct tdvf_metadata *md);

/* The first section of a type, or NULL. */
const struct tdvf_section *migtd_tdvf_find_section(const struct tdvf_metadata *md, uint32_t type);

/*
 * MRTD emulation in the TDX module's terms, for callers that add pages one by
 * one (the emulated TDX module): init, then page_add / extend per the host's
 * TDH.MEM.PAGE.ADD and TDH.MR.EXTEND calls, then finish.
 */
struct tdvf_mrtd_ctx {
	mbedtls_sha512_context sha;
};
int migtd_tdvf_mrtd_init(struct tdvf_mrtd_ctx *ctx);
int migtd_tdvf_mrtd_page_add(struct tdvf_mrtd_ctx *ctx, uint64_t gpa);
int migtd_tdvf_mrtd_extend(struct tdvf_mrtd_ctx *ctx, uint64_t gpa,
			   const uint8_t chunk[TDVF_EXTEND_CHUNK]);
int migtd_tdvf_mrtd_finish(struct tdvf_mrtd_ctx *ctx, uint8_t mrtd[TDVF_SHA384_LEN]);
void migtd_tdvf_mrtd_free(struct tdvf_mrtd_ctx *ctx);

/* MRTD of a parsed image (docs/protocol.md §9.6): every section in metadata order. */
int migtd_tdvf_mrtd(const uint8_t *img, size_t len, const struct tdvf_metadata *md,
		    uint8_t mrtd[TDVF_SHA384_LEN]);

/* The configuration files enrolled in the CFV (NULL/0 when absent). */
struct tdvf_enrolled {
	const uint8_t *policy;
	size_t policy_len;
	const uint8_t *root_ca;
	size_t root_ca_len;
	const uint8_t *issuer_chain;
	size_t issuer_chain_len;
};

/* The CFV region of a parsed image (the first CFV section's raw data). */
int migtd_tdvf_cfv_region(const uint8_t *img, size_t len, const struct tdvf_metadata *md,
			  const uint8_t **cfv, size_t *cfv_len);
/* Look the three files up in a CFV (cfv.h rules); absent files stay NULL.
 * Fails only if the FV header itself is invalid. */
int migtd_tdvf_enrolled_from_cfv(const uint8_t *cfv, size_t cfv_len, struct tdvf_enrolled *out);

/*
 * Enroll the configuration into a parsed image in place (what `migtd-image
 * enroll` and the emulated VMM do): rebuild the image's CFV region with the
 * policy and the trust anchor -- the SGX root CA (policy v1), or the policy
 * issuer chain when issuer_chain is true (v2) -- then read it back the way
 * MigTD does. *cfv_offset (file offset of the CFV) and *used (bytes of the
 * CFV filled) may be NULL. Errors: migtd_tdvf_cfv_region's, migtd_cfv_build's
 * (MIGTD_ERR_NOSPACE when the files do not fit), MIGTD_ERR_STATE if the
 * read-back differs.
 */
int migtd_tdvf_enroll(uint8_t *img, size_t len, const struct tdvf_metadata *md,
		      const uint8_t *policy, size_t policy_len, const uint8_t *anchor,
		      size_t anchor_len, bool issuer_chain, size_t *cfv_offset, size_t *used);

/* Which build measured the configuration (docs/protocol.md §9.4). */
#define TDVF_MEASURE_POLICY_V2 0x1u
#define TDVF_MEASURE_TEST_DISABLE_RA 0x2u

/* reg = SHA384(reg || SHA384(data)). */
int migtd_tdvf_rtmr_extend(uint8_t reg[TDVF_SHA384_LEN], const void *data, size_t len);

/*
 * RTMR0..3 of a MigTD booted with the enrolled files (docs/protocol.md §9.6 steps 2-4):
 * RTMR0 = RTMR1 = td-shim's separator; v2 extends RTMR1 with the issuer
 * chain; RTMR2 gets the test string, or the policy (and for v1 the root CA);
 * RTMR3 = 0. MIGTD_ERR_GUID when a file the build measures is absent.
 */
int migtd_tdvf_rtmrs(const struct tdvf_enrolled *files, unsigned flags,
		     uint8_t rtmr[4][TDVF_SHA384_LEN]);

/* The fields of TDINFO that come from the manifest (servtd_info.json). */
struct tdvf_manifest {
	uint8_t attributes[8];
	uint8_t xfam[8];
	uint8_t mrconfigid[48];
	uint8_t mrowner[48];
	uint8_t mrownerconfig[48];
};

/* TDINFO_STRUCT for binding (docs/protocol.md §9.6 step 1): servtd_hash and reserved 0. */
void migtd_tdvf_tdinfo(const struct tdvf_manifest *m, const uint8_t mrtd[TDVF_SHA384_LEN],
		       const uint8_t rtmr[4][TDVF_SHA384_LEN], struct tdinfo_struct *out);

/* SERVTD_ATTR "ignore" bits (docs/protocol.md §9.6 step 5). */
#define TDVF_SERVTD_IGNORE_ATTRIBUTES (1ull << 32)
#define TDVF_SERVTD_IGNORE_XFAM (1ull << 33)
#define TDVF_SERVTD_IGNORE_MRTD (1ull << 34)
#define TDVF_SERVTD_IGNORE_MRCONFIGID (1ull << 35)
#define TDVF_SERVTD_IGNORE_MROWNER (1ull << 36)
#define TDVF_SERVTD_IGNORE_MROWNERCONFIG (1ull << 37)
#define TDVF_SERVTD_IGNORE_RTMR0 (1ull << 38)
#define TDVF_SERVTD_IGNORE_RTMR1 (1ull << 39)
#define TDVF_SERVTD_IGNORE_RTMR2 (1ull << 40)
#define TDVF_SERVTD_IGNORE_RTMR3 (1ull << 41)

/* Zero the fields whose ignore bit is set in servtd_attr. */
void migtd_tdvf_servtd_attr_apply(struct tdinfo_struct *ti, uint64_t servtd_attr);

/* SERVTD_INFO_HASH = SHA384(TDINFO, 512 bytes) (step 6). */
int migtd_tdvf_servtd_info_hash(const struct tdinfo_struct *ti, uint8_t out[TDVF_SHA384_LEN]);

#define TDVF_SERVTD_TYPE_MIGTD 0u
/* SERVTD_HASH = SHA384(info_hash || u16 type LE || u64 attr LE) (step 7). */
int migtd_tdvf_servtd_hash(const uint8_t info_hash[TDVF_SHA384_LEN], uint16_t servtd_type,
			   uint64_t servtd_attr, uint8_t out[TDVF_SHA384_LEN]);

#endif /* MIGTD_TDVF_H */
