/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * tdreport.h -- TDREPORT_STRUCT and its parts (docs/protocol.md §3.2), as returned by
 * TDG.MR.REPORT.
 *
 * The structures keep every byte of the 1024-byte report, reserved bytes
 * included: the TDX module's MAC covers them and newer modules give some of
 * them a meaning (TEE_TCB_INFO grew tee_tcb_svn2 inside former reserved
 * space), so parse is structural (it checks sizes, not values) and
 * build(parse(x)) == x for every 1024-byte x. Semantic checks are separate
 * functions: migtd_tdreport_check_type() and migtd_tdreport_check_integrity().
 *
 * Multi-byte fields stay byte arrays in report order: they are measurement
 * values compared and hashed as bytes (policy, quotes); migtd_tdreport_le64()
 * reads ATTRIBUTES/XFAM as integers where bits matter.
 */
#ifndef MIGTD_TDREPORT_H
#define MIGTD_TDREPORT_H

#include <stddef.h>
#include <stdint.h>

#include "migtd/err.h"

#define TDREPORT_STRUCT_SIZE 1024
#define TDREPORT_REPORTMACSTRUCT_SIZE 256
#define TDREPORT_TEE_TCB_INFO_SIZE 239
#define TDREPORT_TDINFO_STRUCT_SIZE 512
#define TDREPORT_SHA384_SIZE 48
#define TDREPORT_REPORT_DATA_SIZE 64

/* Offsets of the three parts inside TDREPORT_STRUCT (docs/protocol.md §3.2). */
#define TDREPORT_OFF_REPORTMACSTRUCT 0
#define TDREPORT_OFF_TEE_TCB_INFO 256
#define TDREPORT_OFF_RESERVED 495
#define TDREPORT_RESERVED_SIZE 17
#define TDREPORT_OFF_TDINFO 512

/* REPORTMACSTRUCT.type[0]: TEE type of a TDX report. */
#define TDREPORT_TEE_TYPE_TDX 0x81

/* REPORTMACSTRUCT (256 bytes). */
struct reportmacstruct {
	uint8_t type[4];               /* @0: tee type, subtype, version, reserved */
	uint8_t reserved1[12];         /* @4 */
	uint8_t cpusvn[16];            /* @16 */
	uint8_t tee_tcb_info_hash[48]; /* @32: SHA-384(TEE_TCB_INFO) */
	uint8_t tee_info_hash[48];     /* @80: SHA-384(TDINFO_STRUCT) */
	uint8_t report_data[64];       /* @128: REPORTDATA given to TDG.MR.REPORT */
	uint8_t reserved2[32];         /* @192 */
	uint8_t mac[32];               /* @224 */
};

/* TEE_TCB_INFO (239 bytes). */
struct tee_tcb_info {
	uint8_t valid[8];         /* @0 */
	uint8_t tee_tcb_svn[16];  /* @8 */
	uint8_t mrseam[48];       /* @24 */
	uint8_t mrsignerseam[48]; /* @72 */
	uint8_t attributes[8];    /* @120 */
	uint8_t tee_tcb_svn2[16]; /* @128 */
	uint8_t reserved[95];     /* @144 */
};

/* TDINFO_STRUCT (512 bytes). */
struct tdinfo_struct {
	uint8_t attributes[8];     /* @0: TD ATTRIBUTES */
	uint8_t xfam[8];           /* @8 */
	uint8_t mrtd[48];          /* @16 */
	uint8_t mrconfigid[48];    /* @64 */
	uint8_t mrowner[48];       /* @112 */
	uint8_t mrownerconfig[48]; /* @160 */
	uint8_t rtmr[4][48];       /* @208, @256, @304, @352 */
	uint8_t servtd_hash[48];   /* @400 */
	uint8_t reserved[64];      /* @448 */
};

/* TDREPORT_STRUCT (1024 bytes). */
struct tdreport_struct {
	struct reportmacstruct mac;       /* @0 */
	struct tee_tcb_info tee_tcb_info; /* @256 */
	uint8_t reserved[17];             /* @495 */
	struct tdinfo_struct tdinfo;      /* @512 */
};

/*
 * Parsers: len must be exactly the structure size; fewer bytes ->
 * MIGTD_ERR_TRUNCATED, more -> MIGTD_ERR_LENGTH. *out is zeroed on failure.
 */
int migtd_tdreport_parse(const void *buf, size_t len, struct tdreport_struct *out);
int migtd_tdreport_parse_reportmacstruct(const void *buf, size_t len, struct reportmacstruct *out);
int migtd_tdreport_parse_tee_tcb_info(const void *buf, size_t len, struct tee_tcb_info *out);
int migtd_tdreport_parse_tdinfo(const void *buf, size_t len, struct tdinfo_struct *out);

/*
 * Builders: write the exact wire bytes into buf (cap >= the structure size,
 * else MIGTD_ERR_NOSPACE); *written (may be NULL) gets the size.
 */
int migtd_tdreport_build(const struct tdreport_struct *in, void *buf, size_t cap, size_t *written);
int migtd_tdreport_build_reportmacstruct(const struct reportmacstruct *in, void *buf, size_t cap,
					 size_t *written);
int migtd_tdreport_build_tee_tcb_info(const struct tee_tcb_info *in, void *buf, size_t cap,
				      size_t *written);
int migtd_tdreport_build_tdinfo(const struct tdinfo_struct *in, void *buf, size_t cap,
				size_t *written);

/* Little-endian u64 of an 8-byte field (ATTRIBUTES, XFAM). */
uint64_t migtd_tdreport_le64(const uint8_t field[8]);

/* REPORTMACSTRUCT.type[0] must be 0x81 (TDX): MIGTD_OK or MIGTD_ERR_INVALID. */
int migtd_tdreport_check_type(const struct tdreport_struct *rep);

/* SHA-384 of the wire form of TEE_TCB_INFO (239 bytes) / TDINFO_STRUCT (512 bytes). */
int migtd_tdreport_hash_tee_tcb_info(const struct tee_tcb_info *info,
				     uint8_t digest[TDREPORT_SHA384_SIZE]);
int migtd_tdreport_hash_tdinfo(const struct tdinfo_struct *info,
			       uint8_t digest[TDREPORT_SHA384_SIZE]);

/*
 * The integrity rules of docs/protocol.md §3.2 for a report received from a peer on the
 * same platform (the MAC itself is checked by TDG.MR.VERIFYREPORT, which
 * only the platform can do):
 *   tee_tcb_info_hash == SHA-384(TEE_TCB_INFO),
 *   tee_info_hash != 0 and tee_info_hash == SHA-384(TDINFO_STRUCT).
 * Returns MIGTD_OK or MIGTD_ERR_INVALID (MIGTD_ERR_CRYPTO if hashing failed).
 */
int migtd_tdreport_check_integrity(const struct tdreport_struct *rep);

/*
 * Fill both hashes of rep->mac from its TEE_TCB_INFO and TDINFO (used by
 * whoever makes reports: the emulated TDX module, tests).
 */
int migtd_tdreport_update_hashes(struct tdreport_struct *rep);

#endif /* MIGTD_TDREPORT_H */
