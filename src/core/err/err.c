/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * err.c -- error reasons and the error -> VMM status code mapping.
 *
 * The mapping follows docs/protocol.md §1.5. Note the two transport errors: a stream
 * failure outside TLS is a NetworkError (5), inside TLS it is reported by
 * the TLS layer as a SecureSessionError (6); the session decides which one
 * it hit, so both have their own enum value.
 */
#include "migtd/err.h"

#include <stddef.h>

struct err_entry {
	const char *reason;
	enum migtd_status status;
};

/* Indexed by -err, keyed by the enum's names (as Linux's lib/errname.c
 * does): renumbering enum migtd_err cannot shift a reason or a status onto
 * another error. A value left out has no reason, which err_lookup treats as
 * unknown and the unit test test_err_table_complete catches. */
static const struct err_entry err_table[] = {
	[MIGTD_OK] = { "ok", MIGTD_STATUS_SUCCESS },
	[-MIGTD_ERR_TRUNCATED] = { "input truncated", MIGTD_STATUS_INVALID_PARAMETER },
	[-MIGTD_ERR_INVALID] = { "invalid field value", MIGTD_STATUS_INVALID_PARAMETER },
	[-MIGTD_ERR_RESERVED] = { "reserved field not zero", MIGTD_STATUS_INVALID_PARAMETER },
	[-MIGTD_ERR_GUID] = { "unexpected or duplicate GUID", MIGTD_STATUS_INVALID_PARAMETER },
	[-MIGTD_ERR_LENGTH] = { "length out of range", MIGTD_STATUS_INVALID_PARAMETER },
	[-MIGTD_ERR_VERSION] = { "no common migration version", MIGTD_STATUS_INVALID_PARAMETER },
	[-MIGTD_ERR_NOSPACE] = { "output buffer too small", MIGTD_STATUS_OUT_OF_RESOURCE },
	[-MIGTD_ERR_NOMEM] = { "out of resources", MIGTD_STATUS_OUT_OF_RESOURCE },
	[-MIGTD_ERR_UNSUPPORTED] = { "service not supported by the VMM", MIGTD_STATUS_UNSUPPORTED },
	[-MIGTD_ERR_TDCALL] = { "TDCALL failed", MIGTD_STATUS_TDX_MODULE_ERROR },
	[-MIGTD_ERR_VMCALL] = { "TDVMCALL failed", MIGTD_STATUS_INVALID_PARAMETER },
	[-MIGTD_ERR_AGAIN] = { "busy, try again", MIGTD_STATUS_INVALID_PARAMETER },
	[-MIGTD_ERR_NETWORK] = { "network error", MIGTD_STATUS_NETWORK_ERROR },
	[-MIGTD_ERR_TIMEOUT] = { "timeout", MIGTD_STATUS_NETWORK_ERROR },
	[-MIGTD_ERR_TLS] = { "TLS failure", MIGTD_STATUS_SECURE_SESSION_ERROR },
	[-MIGTD_ERR_PEER_CERT] = { "peer certificate rejected", MIGTD_STATUS_SECURE_SESSION_ERROR },
	[-MIGTD_ERR_QUOTE] = { "quote unavailable or not verified",
			       MIGTD_STATUS_MUTUAL_ATTESTATION_ERROR },
	[-MIGTD_ERR_POLICY] = { "migration policy not satisfied", MIGTD_STATUS_POLICY_UNSATISFIED },
	[-MIGTD_ERR_INVALID_POLICY] = { "invalid migration policy", MIGTD_STATUS_INVALID_POLICY },
	[-MIGTD_ERR_VMM_CANCELED] = { "canceled by the VMM", MIGTD_STATUS_VMM_CANCELED },
	[-MIGTD_ERR_VMM_INTERNAL] = { "VMM internal error", MIGTD_STATUS_VMM_INTERNAL_ERROR },
	[-MIGTD_ERR_UNSUPPORTED_OP] = { "unsupported operation",
					MIGTD_STATUS_UNSUPPORTED_OPERATION },
	[-MIGTD_ERR_CRYPTO] = { "cryptographic operation failed",
				MIGTD_STATUS_SECURE_SESSION_ERROR },
	[-MIGTD_ERR_STATE] = { "invalid state", MIGTD_STATUS_INVALID_PARAMETER },
	/* Upstream stops with InvalidPolicyError when the enrolled root CA
	 * does not parse (docs/status-codes.md). */
	[-MIGTD_ERR_INVALID_ROOT_CA] = { "invalid enrolled root CA", MIGTD_STATUS_INVALID_POLICY },
};

_Static_assert(sizeof(err_table) / sizeof(err_table[0]) == (size_t)(-MIGTD_ERR_MIN) + 1,
	       "err_table must cover every enum migtd_err value");

static const struct err_entry *err_lookup(int err)
{
	if (err > 0 || err < MIGTD_ERR_MIN || !err_table[-err].reason)
		return NULL;
	return &err_table[-err];
}

enum migtd_status migtd_err_status(int err)
{
	const struct err_entry *e = err_lookup(err);

	return e ? e->status : MIGTD_STATUS_INVALID_PARAMETER;
}

const char *migtd_err_str(int err)
{
	const struct err_entry *e = err_lookup(err);

	return e ? e->reason : "unknown error";
}

const char *migtd_status_name(int status)
{
	switch (status) {
	case MIGTD_STATUS_SUCCESS: return "Success";
	case MIGTD_STATUS_INVALID_PARAMETER: return "InvalidParameter";
	case MIGTD_STATUS_UNSUPPORTED: return "Unsupported";
	case MIGTD_STATUS_OUT_OF_RESOURCE: return "OutOfResource";
	case MIGTD_STATUS_TDX_MODULE_ERROR: return "TdxModuleError";
	case MIGTD_STATUS_NETWORK_ERROR: return "NetworkError";
	case MIGTD_STATUS_SECURE_SESSION_ERROR: return "SecureSessionError";
	case MIGTD_STATUS_MUTUAL_ATTESTATION_ERROR: return "MutualAttestationError";
	case MIGTD_STATUS_POLICY_UNSATISFIED: return "PolicyUnsatisfiedError";
	case MIGTD_STATUS_INVALID_POLICY: return "InvalidPolicyError";
	case MIGTD_STATUS_VMM_CANCELED: return "VmmCanceled";
	case MIGTD_STATUS_VMM_INTERNAL_ERROR: return "VmmInternalError";
	case MIGTD_STATUS_UNSUPPORTED_OPERATION: return "UnsupportedOperationError";
	case MIGTD_STATUS_INITIALIZATION_ERROR: return "InitializationError";
	default: return "Unknown";
	}
}
