/*
 * err.c -- error reasons and the error -> VMM status code mapping.
 *
 * The mapping follows spec §1.5. Note the two transport errors: a stream
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

/* Indexed by -err. */
static const struct err_entry err_table[] = {
	[0] = { "ok", MIGTD_STATUS_SUCCESS },
	[1] = { "input truncated", MIGTD_STATUS_INVALID_PARAMETER },
	[2] = { "invalid field value", MIGTD_STATUS_INVALID_PARAMETER },
	[3] = { "reserved field not zero", MIGTD_STATUS_INVALID_PARAMETER },
	[4] = { "unexpected or duplicate GUID", MIGTD_STATUS_INVALID_PARAMETER },
	[5] = { "length out of range", MIGTD_STATUS_INVALID_PARAMETER },
	[6] = { "no common migration version", MIGTD_STATUS_INVALID_PARAMETER },
	[7] = { "output buffer too small", MIGTD_STATUS_OUT_OF_RESOURCE },
	[8] = { "out of resources", MIGTD_STATUS_OUT_OF_RESOURCE },
	[9] = { "service not supported by the VMM", MIGTD_STATUS_UNSUPPORTED },
	[10] = { "TDCALL failed", MIGTD_STATUS_TDX_MODULE_ERROR },
	[11] = { "TDVMCALL failed", MIGTD_STATUS_INVALID_PARAMETER },
	[12] = { "busy, try again", MIGTD_STATUS_INVALID_PARAMETER },
	[13] = { "network error", MIGTD_STATUS_NETWORK_ERROR },
	[14] = { "timeout", MIGTD_STATUS_NETWORK_ERROR },
	[15] = { "TLS failure", MIGTD_STATUS_SECURE_SESSION_ERROR },
	[16] = { "peer certificate rejected", MIGTD_STATUS_SECURE_SESSION_ERROR },
	[17] = { "quote unavailable or not verified", MIGTD_STATUS_MUTUAL_ATTESTATION_ERROR },
	[18] = { "migration policy not satisfied", MIGTD_STATUS_POLICY_UNSATISFIED },
	[19] = { "invalid migration policy", MIGTD_STATUS_INVALID_POLICY },
	[20] = { "canceled by the VMM", MIGTD_STATUS_VMM_CANCELED },
	[21] = { "VMM internal error", MIGTD_STATUS_VMM_INTERNAL_ERROR },
	[22] = { "unsupported operation", MIGTD_STATUS_UNSUPPORTED_OPERATION },
	[23] = { "cryptographic operation failed", MIGTD_STATUS_SECURE_SESSION_ERROR },
	[24] = { "invalid state", MIGTD_STATUS_INVALID_PARAMETER },
};

_Static_assert(sizeof(err_table) / sizeof(err_table[0]) == (size_t)(-MIGTD_ERR_MIN) + 1,
	       "err_table must cover every enum migtd_err value");

static const struct err_entry *err_lookup(int err)
{
	if (err > 0 || err < MIGTD_ERR_MIN)
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
