/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * err.h -- the one error type of the migtd-c core.
 *
 * Every core function that can fail returns MIGTD_OK (0) or a negative
 * enum migtd_err. Each error maps to exactly one VMM status code
 * (docs/protocol.md §1.5, `MigrationResult`), so the session only has to carry the
 * first error it met to report the right code.
 */
#ifndef MIGTD_ERR_H
#define MIGTD_ERR_H

/* VMM status codes reported with ReportStatus (docs/protocol.md §1.5). */
enum migtd_status {
	MIGTD_STATUS_SUCCESS = 0,
	MIGTD_STATUS_INVALID_PARAMETER = 1,
	MIGTD_STATUS_UNSUPPORTED = 2,
	MIGTD_STATUS_OUT_OF_RESOURCE = 3,
	MIGTD_STATUS_TDX_MODULE_ERROR = 4,
	MIGTD_STATUS_NETWORK_ERROR = 5,
	MIGTD_STATUS_SECURE_SESSION_ERROR = 6,
	MIGTD_STATUS_MUTUAL_ATTESTATION_ERROR = 7,
	MIGTD_STATUS_POLICY_UNSATISFIED = 8,
	MIGTD_STATUS_INVALID_POLICY = 9,
	MIGTD_STATUS_VMM_CANCELED = 10,
	MIGTD_STATUS_VMM_INTERNAL_ERROR = 11,
	MIGTD_STATUS_UNSUPPORTED_OPERATION = 12,
	MIGTD_STATUS_INITIALIZATION_ERROR = 0xFF,
};

enum migtd_err {
	MIGTD_OK = 0,
	/* Malformed input (VMM or peer bytes): status 1. */
	MIGTD_ERR_TRUNCATED = -1, /* input ended before a field */
	MIGTD_ERR_INVALID = -2,   /* a field has a value the spec forbids */
	MIGTD_ERR_RESERVED = -3,  /* a reserved field is not zero */
	MIGTD_ERR_GUID = -4,      /* unexpected or duplicated GUID */
	MIGTD_ERR_LENGTH = -5,    /* a length field is out of range */
	MIGTD_ERR_VERSION = -6,   /* no common migration version */
	/* Our own limits. */
	MIGTD_ERR_NOSPACE = -7, /* output buffer too small: status 3 */
	MIGTD_ERR_NOMEM = -8,   /* allocation/resource limit: status 3 */
	/* Platform. */
	MIGTD_ERR_UNSUPPORTED = -9, /* VMM does not offer the service: 2 */
	MIGTD_ERR_TDCALL = -10,     /* a TDCALL leaf failed: 4 */
	MIGTD_ERR_VMCALL = -11,     /* a TDVMCALL failed: 1 */
	MIGTD_ERR_AGAIN = -12,      /* not done yet / busy, try again */
	/* Transport and TLS. */
	MIGTD_ERR_NETWORK = -13,   /* stream failure outside TLS: 5 */
	MIGTD_ERR_TIMEOUT = -14,   /* a step exceeded its timeout: 5 */
	MIGTD_ERR_TLS = -15,       /* TLS failure or stream failure in TLS: 6 */
	MIGTD_ERR_PEER_CERT = -16, /* peer certificate unusable: 6 */
	/* Attestation and policy. */
	MIGTD_ERR_QUOTE = -17,          /* own quote unavailable / quote rejected: 7 */
	MIGTD_ERR_POLICY = -18,         /* policy not satisfied: 8 */
	MIGTD_ERR_INVALID_POLICY = -19, /* policy malformed: 9 */
	/* VMM-side conditions (vmcall-raw). */
	MIGTD_ERR_VMM_CANCELED = -20,   /* 10 */
	MIGTD_ERR_VMM_INTERNAL = -21,   /* 11 */
	MIGTD_ERR_UNSUPPORTED_OP = -22, /* 12 */
	/* Internal. */
	MIGTD_ERR_CRYPTO = -23, /* a crypto primitive failed unexpectedly: 6 */
	MIGTD_ERR_STATE = -24,  /* API misuse / wrong state: 1 */
	/* Boot. */
	MIGTD_ERR_INVALID_ROOT_CA = -25, /* enrolled root CA unusable: 9, fatal at boot */
};

#define MIGTD_ERR_MIN MIGTD_ERR_INVALID_ROOT_CA

/* VMM status code for an error (MIGTD_OK -> 0). Unknown values -> 1. */
enum migtd_status migtd_err_status(int err);

/* Short, static, human reason for an error ("ok" for MIGTD_OK). */
const char *migtd_err_str(int err);

/* Name of a VMM status code ("Success", "InvalidParameter", ...). */
const char *migtd_status_name(int status);

#endif /* MIGTD_ERR_H */
