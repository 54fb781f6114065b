/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * policy_v2_internal.h -- what the policy v2 files share (docs/policy-v2.md).
 */
#ifndef MIGTD_POLICY_V2_INTERNAL_H
#define MIGTD_POLICY_V2_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migtd/policy_v2.h"

/* Property ids (struct migtd_pv2_prop.name). */
/* In evaluation order within a section (upstream's: evaluation number, status, date). */
enum pv2_prop_name {
	PV2_P_TCB_EVAL_NUM,     /* global.tcb.tcbEvaluationDataNumber */
	PV2_P_TCB_STATUS,       /* global.tcb.tcbStatusAccepted */
	PV2_P_TCB_DATE,         /* global.tcb.tcbDate */
	PV2_P_FMSPC,            /* global.platform.fmspc */
	PV2_P_PCK_CRL_NUM,      /* global.crl.pckCrlNum */
	PV2_P_ROOT_CA_CRL_NUM,  /* global.crl.rootCaCrlNum */
	PV2_P_MIGTD_ISVSVN,     /* servtd.migtdIdentity.isvsvn */
	PV2_P_MIGTD_TCB_DATE,   /* servtd.migtdIdentity.tcbDate */
	PV2_P_MIGTD_TCB_STATUS, /* servtd.migtdIdentity.tcbStatusAccepted */
	PV2_P_COUNT,
};

/* Operation ids (struct migtd_pv2_prop.op). */
enum pv2_op {
	PV2_OP_EQUAL,
	PV2_OP_GREATER_OR_EQUAL,
	PV2_OP_IN_RANGE,
	PV2_OP_IN_TIME_RANGE,
	PV2_OP_SUBSET,
	PV2_OP_ALLOW_LIST,
	PV2_OP_DENY_LIST,
	PV2_OP_UNKNOWN, /* evaluation fails with InvalidOperation */
};

/* Reference kinds (struct migtd_pv2_prop.ref), tried in this order (§7.7.3). */
enum pv2_ref {
	PV2_REF_INTEGER,
	PV2_REF_STRING,
	PV2_REF_INT_LIST,
	PV2_REF_STR_LIST,
};

const char *migtd_pv2_prop_path(unsigned name); /* "global.tcb.tcbDate", ... */
const char *migtd_pv2_op_text(unsigned op);     /* the JSON spelling */

/* Set ex (if not NULL) and return r. */
enum migtd_pv2_result migtd_pv2_fail(struct migtd_pv2_explain *ex, enum migtd_pv2_result r,
				     const char *step, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Parse a signed policy without checking any signature (policy_v2_parse.c):
 * structure, schema, caps, rules, spans, tcb levels and mappings. */
enum migtd_pv2_result migtd_pv2_parse(struct migtd_policy_v2 *p, const uint8_t *doc, size_t doc_len,
				      struct migtd_pv2_explain *ex);

/* Raw spans of the signed parts, kept by migtd_pv2_parse_doc for the verifier. */
struct pv2_signed_parts {
	struct migtd_pv2_span identity, identity_sig;        /* tdIdentity raw, hex */
	struct migtd_pv2_span mapping, mapping_sig;          /* tdTcbMapping raw, hex */
	struct migtd_pv2_span identity_chain, mapping_chain; /* escaped PEM */
	bool version_ok;                                     /* policyData.version == "2.0" */
};

/* What migtd_pv2_parse_doc reads: a signed policy, or one of the servtd
 * documents on their own (for the tools; same schema as inside a policy). */
enum pv2_doc_kind {
	PV2_DOC_POLICY,
	PV2_DOC_OUTER, /* only {"policyData":{...},"signature":"hex"} (policy_data, policy_sig);
			* no doc_sha384 (PV2_DOC_POLICY alone computes it) */
	PV2_DOC_SERVTD_COLLATERAL, /* fills identity/mapping parts and their chains */
	PV2_DOC_TD_IDENTITY,       /* {"tdIdentity":{...},"signature":"hex"} */
	PV2_DOC_TD_TCB_MAPPING,    /* {"tdTcbMapping":{...},"signature":"hex"} */
};
enum migtd_pv2_result migtd_pv2_parse_doc(struct migtd_policy_v2 *p, enum pv2_doc_kind kind,
					  const uint8_t *doc, size_t doc_len,
					  struct pv2_signed_parts *sp,
					  struct migtd_pv2_explain *ex);

/*
 * A signed policy in upstream's order (policy_v2_verify.c): the outer object
 * (InvalidPolicy), then -- peers only -- the caller's event-log check, then
 * the policy signature with chain (SignatureVerificationFailed), the full
 * schema (InvalidPolicy), the two servtd signatures, and id / version
 * (InvalidParameter). migtd_pv2_verify_outer does the first step,
 * migtd_pv2_verify_rest all the others; p->doc, chain set by them.
 */
enum migtd_pv2_result migtd_pv2_verify_outer(struct migtd_policy_v2 *p, const uint8_t *doc,
					     size_t doc_len, struct migtd_pv2_explain *ex);
enum migtd_pv2_result migtd_pv2_verify_rest(struct migtd_policy_v2 *p, const uint8_t *chain,
					    size_t chain_len, struct migtd_pv2_explain *ex);

/* The collateral facts of a parsed, signature-verified policy: root CA key,
 * the two cRLNumbers (policy_v2_verify.c). */
enum migtd_pv2_result migtd_pv2_load_facts(struct migtd_policy_v2 *p, struct migtd_pv2_explain *ex);

/* tcbInfo.tcbEvaluationDataNumber of the platform with this FMSPC, decoding
 * only its tcbInfo: OK, INVALID_COLLATERAL (no such platform, bad string or
 * number) or NO_MEMORY (policy_v2_verify.c). */
enum migtd_pv2_result migtd_pv2_eval_number(const struct migtd_policy_v2 *p, const uint8_t fmspc[6],
					    uint32_t *out);

/* migtd_policy_v2_verify_quote, also giving the tcbEvaluationDataNumber of
 * the collateral used (may be NULL). */
enum migtd_pv2_result migtd_pv2_verify_quote_ex(const struct migtd_policy_v2 *p,
						const uint8_t *quote, size_t quote_len,
						enum migtd_quote_time_mode time_mode, int64_t now,
						struct migtd_sig_cache *sig_cache,
						uint8_t report[MIGTD_VERIFIED_REPORT_SIZE],
						uint32_t *eval_num, struct migtd_pv2_explain *ex);

/*
 * Undo JSON string escapes of src[0..len) into out (cap >= len + 1 suffices:
 * decoding never grows); NUL-terminates. Returns the decoded length or -1 on
 * a malformed escape. \uXXXX becomes UTF-8 (surrogate pairs combined).
 */
long migtd_pv2_unescape(const uint8_t *src, size_t len, uint8_t *out, size_t cap);

/* Decimal digits s[0..n) (1 to 10 of them, leading zeros allowed) as a u32
 * into *out: 0, or -1 (policy_v2_parse.c). */
int migtd_pv2_dec_u32(const uint8_t *s, size_t n, uint32_t *out);

/* u64 unix seconds -> "YYYY-MM-DDTHH:MM:SSZ" (out: 21 bytes). */
void migtd_pv2_iso_date(uint64_t t, char out[MIGTD_PV2_DATE_LEN + 1]);

#endif /* MIGTD_POLICY_V2_INTERNAL_H */
