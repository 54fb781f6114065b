/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * policy_v2.h -- migration policy v2, the signed policy (docs/protocol.md §7.7,
 * docs/policy-v2.md): load and verify the enrolled policy and its issuer
 * chain, check the own MROWNER / MROWNERCONFIG, authenticate and evaluate a
 * peer.
 *
 * API contract (shared with the session side). Stable from its first commit:
 * additions are allowed; any change to an existing declaration is announced
 * here under "Changes" and in the commit message.
 *
 * Changes (additions, and one change of a result):
 *   - migtd_policy_v2_load: an empty id or a version other than "2.0" is
 *     MIGTD_PV2_INVALID_PARAMETER (was INVALID_POLICY), checked after the
 *     signatures, as upstream does
 *   - migtd_policy_v2_evaluate (steps 5-8 alone, for tools and tests)
 *   - migtd_policy_v2_verify_servtd (the servtd documents on their own)
 *   - struct migtd_policy_v2.policy_sig (the span of the outer signature)
 *
 * Memory. A loaded policy (struct migtd_policy_v2) is a fixed-size index
 * into the caller's policy and chain bytes: nothing is copied, so the bytes
 * (the CFV file, or the peer's pre-session blob) must stay alive and
 * unchanged for as long as the struct is used. Loading needs, temporarily,
 * one jsmn token array on the mbedTLS heap (at most MIGTD_PV2_MAX_TOKENS x
 * 16 bytes, sized to the document) plus mbedTLS's X.509 parsing of the
 * chains; peer authentication decodes the one platform's collateral strings
 * into a heap buffer no larger than their escaped size. Everything taken
 * from the heap is freed before a call returns, on every path. Inputs past
 * a cap are refused with MIGTD_PV2_INVALID_POLICY (a message names the cap).
 *
 * Threading: none; the struct is read-only once loaded, so one local policy
 * may serve interleaved sessions.
 */
#ifndef MIGTD_POLICY_V2_H
#define MIGTD_POLICY_V2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migtd/quote.h"

/* ---------------------------------------------------------------- caps */

/* Signed policy file (the enrolled CFV file or the peer's copy). The CFV is
 * 640 KiB in all; upstream's largest test policy is 134 KiB. */
#define MIGTD_PV2_MAX_POLICY (512u * 1024u)
/* Any PEM issuer chain (enrolled, embedded or in the pre-session blob). */
#define MIGTD_PV2_MAX_CHAIN (32u * 1024u)
/* Certificates per chain. */
#define MIGTD_PV2_MAX_CHAIN_CERTS 8u
/* jsmn tokens for the signed file (each collateral string is one token). */
#define MIGTD_PV2_MAX_TOKENS 8192u
/* collaterals.platforms entries. */
#define MIGTD_PV2_MAX_PLATFORMS 128u
/* Blocks over policy + forwardPolicy + backwardPolicy together. */
#define MIGTD_PV2_MAX_BLOCKS 48u
/* Properties over all blocks. */
#define MIGTD_PV2_MAX_PROPS 192u
/* Items of all reference lists together (e.g. an FMSPC allow-list). */
#define MIGTD_PV2_MAX_LIST_ITEMS 1024u
/* tdIdentity.tcbLevels and tdTcbMapping.svnMappings entries. */
#define MIGTD_PV2_MAX_TCB_LEVELS 32u
#define MIGTD_PV2_MAX_SVN_MAPPINGS 32u

#define MIGTD_PV2_SHA384 48u
#define MIGTD_PV2_DATE_LEN 20u /* "YYYY-MM-DDTHH:MM:SSZ" */

/* ---------------------------------------------------------------- results */

/*
 * Results, named as upstream names its v2 errors (§7.7.7, §7.7.8).
 * migtd_pv2_result_err() maps each to the core error (and so to the VMM
 * status, §1.5): MIGTD_PV2_INVALID_POLICY -> MIGTD_ERR_INVALID_POLICY
 * (status 9), MIGTD_PV2_OK -> MIGTD_OK, every other -> MIGTD_ERR_POLICY
 * (status 8), except MIGTD_PV2_NO_MEMORY -> MIGTD_ERR_NOMEM (status 3).
 */
enum migtd_pv2_result {
	MIGTD_PV2_OK = 0,
	MIGTD_PV2_INVALID_POLICY,     /* malformed, over a cap, wrong version, empty id */
	MIGTD_PV2_INVALID_PARAMETER,  /* e.g. an unknown TCB status name */
	MIGTD_PV2_INVALID_COLLATERAL, /* no collateral for the FMSPC, no cRLNumber */
	MIGTD_PV2_QUOTE_VERIFICATION, /* quote failed verification */
	MIGTD_PV2_INVALID_EVENT_LOG,  /* peer log does not replay to its RTMRs */
	MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED, /* policy / identity / mapping signature */
	MIGTD_PV2_PEER_CERT_CHAIN_VALIDATION,    /* peer chain not compatible with ours */
	MIGTD_PV2_POLICY_HASH_MISMATCH,          /* peer policy != its tag-1 event digest */
	MIGTD_PV2_TCB_EVALUATION,                /* global.tcb / global.platform failed */
	MIGTD_PV2_CRL_EVALUATION,                /* global.crl failed */
	MIGTD_PV2_SVN_MISMATCH,                  /* servtd rules, Revoked MigTD, policySvn order */
	MIGTD_PV2_UNQUALIFIED_MIGTD_INFO,        /* MigTD SVN / TCB level unknown */
	MIGTD_PV2_INVALID_OPERATION,             /* operation not valid for the property / ref */
	MIGTD_PV2_INVALID_REFERENCE,             /* reference unusable (bad range, no "self") */
	MIGTD_PV2_INVALID_TD_REPORT,             /* own MROWNER / MROWNERCONFIG != the policy */
	MIGTD_PV2_NO_MEMORY,                     /* the mbedTLS heap ran out */
	MIGTD_PV2_RESULT_COUNT,
};

/* "Ok", "InvalidPolicy", "TcbEvaluation", ... ("?" for an unknown value). */
const char *migtd_pv2_result_name(enum migtd_pv2_result r);
/* MIGTD_OK, MIGTD_ERR_INVALID_POLICY, MIGTD_ERR_NOMEM or MIGTD_ERR_POLICY (see above). */
int migtd_pv2_result_err(enum migtd_pv2_result r);

/*
 * Why a result is not Ok: which step, which block/property, the values
 * compared. Strings are NUL-terminated and possibly cut.
 */
struct migtd_pv2_explain {
	enum migtd_pv2_result result;
	char step[32];      /* "load", "signature", "quote", "chain", "evaluate", ... */
	char where[96];     /* e.g. "policy[0].global.tcb.tcbDate" or a JSON path */
	char op[24];        /* the operation as written */
	char reference[96]; /* the reference as written (JSON text) */
	char value[96];     /* the peer's value as evaluated */
	char detail[192];   /* one sentence for everything else */
};

/* Render an explanation as text lines ('\n'); returns the full length like snprintf. */
size_t migtd_pv2_explain_render(const struct migtd_pv2_explain *ex, char *buf, size_t cap);

/* ---------------------------------------------------------------- the loaded policy */

/* A byte span in the loaded document (offset/length into struct migtd_policy_v2.doc). */
struct migtd_pv2_span {
	uint32_t off;
	uint32_t len;
};

/* What is kept of one PEM chain to compare a peer's chain with ours (§7.7.7 step 3). */
struct migtd_pv2_chain_info {
	unsigned ncerts;
	uint8_t root_der_sha384[MIGTD_PV2_SHA384];     /* last certificate, DER */
	uint8_t leaf_subject_sha384[MIGTD_PV2_SHA384]; /* leaf subject Name, DER */
	uint8_t leaf_key_sha384[MIGTD_PV2_SHA384];     /* SHA384(leaf raw public key) */
	bool issuers_are_ca; /* every certificate but the leaf has BasicConstraints cA TRUE */
};

/* One collaterals.platforms entry: spans of escaped JSON string contents. */
struct migtd_pv2_platform {
	uint8_t fmspc[6];
	struct migtd_pv2_span tcb_info;
	struct migtd_pv2_span tcb_info_issuer_chain;
};

/* A tdIdentity TCB level (§7.7.5). */
struct migtd_pv2_tcb_level {
	uint16_t isvsvn;
	char tcb_date[MIGTD_PV2_DATE_LEN + 1];
	uint8_t status; /* enum migtd_pv2_servtd_status */
};

enum migtd_pv2_servtd_status {
	MIGTD_PV2_SERVTD_UP_TO_DATE = 0,
	MIGTD_PV2_SERVTD_OUT_OF_DATE,
	MIGTD_PV2_SERVTD_REVOKED,
};

/* A tdTcbMapping entry: measurements -> MigTD SVN (§7.7.5). */
struct migtd_pv2_svn_mapping {
	uint8_t mrtd[48];
	uint8_t rtmr[4][48];
	bool has_rtmr[4]; /* rtmr2 / rtmr3 may be absent (wildcards); rtmr0/1 required */
	uint16_t isvsvn;
};

/* One property of a block (internal to the evaluator; exposed for the explainer). */
struct migtd_pv2_prop {
	uint8_t name;               /* internal property id */
	uint8_t op;                 /* internal operation id */
	uint8_t ref;                /* internal reference kind */
	uint32_t ival;              /* Integer reference */
	struct migtd_pv2_span text; /* String reference contents / whole JSON reference */
	uint16_t first, count;      /* list items (StringList / IntegerList) */
};

struct migtd_pv2_block {
	uint8_t list;          /* 0 policy, 1 forwardPolicy, 2 backwardPolicy */
	uint8_t kind;          /* 0 global, 1 servtd */
	uint16_t index;        /* position in its list */
	uint16_t first, count; /* props */
};

/*
 * A loaded, signature-verified v2 policy. Views into doc (the signed file)
 * and chain (the policy issuer chain PEM); both owned by the caller.
 */
struct migtd_policy_v2 {
	const uint8_t *doc;
	size_t doc_len;
	const uint8_t *chain;
	size_t chain_len;
	struct migtd_pv2_span policy_data; /* raw policyData bytes, '{' .. '}' */
	struct migtd_pv2_span policy_sig;  /* its hex signature (string contents) */
	struct migtd_pv2_span id;
	uint32_t policy_svn;
	uint8_t doc_sha384[MIGTD_PV2_SHA384]; /* SHA384(whole signed file) */

	/* collaterals (§7.7.4): escaped string contents, decoded when used */
	struct migtd_pv2_span root_ca, pck_crl_issuer_chain, root_ca_crl, pck_crl;
	struct migtd_pv2_span qe_identity_issuer_chain, qe_identity;
	uint8_t root_ca_key[65];  /* raw P-256 key of collaterals.rootCa */
	uint32_t pck_crl_num;     /* cRLNumber of pckCrl */
	uint32_t root_ca_crl_num; /* cRLNumber of rootCaCrl */
	unsigned nplatforms;
	struct migtd_pv2_platform platforms[MIGTD_PV2_MAX_PLATFORMS];

	/* servtdCollateral (§7.7.5), verified */
	unsigned nlevels;
	struct migtd_pv2_tcb_level levels[MIGTD_PV2_MAX_TCB_LEVELS];
	unsigned nmappings;
	struct migtd_pv2_svn_mapping mappings[MIGTD_PV2_MAX_SVN_MAPPINGS];

	/* the three issuer chains: policy, servtd identity, servtd TCB mapping */
	struct migtd_pv2_chain_info policy_chain, identity_chain, mapping_chain;

	/* the rules */
	unsigned nblocks, nprops, nitems;
	struct migtd_pv2_block blocks[MIGTD_PV2_MAX_BLOCKS];
	struct migtd_pv2_prop props[MIGTD_PV2_MAX_PROPS];
	struct migtd_pv2_span items[MIGTD_PV2_MAX_LIST_ITEMS];
};

/*
 * §7.7.6 steps 1-2 (and §7.7.7 step 3 for a peer's policy), in upstream's
 * order: the outer {"policyData":{...},"signature":"hex"} object of doc
 * (doc_len bytes, at most MIGTD_PV2_MAX_POLICY; trailing NUL bytes and
 * whitespace are ignored); the ECDSA P-384/SHA-384 signature over the raw
 * policyData bytes with the leaf key of chain (PEM, leaf first, at most
 * MIGTD_PV2_MAX_CHAIN; each certificate signed by the next, all
 * ecdsa-with-SHA384 / P-384); the schema and rules; servtdIdentity and
 * servtdTcbMapping with their embedded chains; id non-empty and version
 * "2.0"; the root CA key and the two cRLNumbers.
 *
 * Returns MIGTD_PV2_OK, MIGTD_PV2_INVALID_POLICY (syntax, schema, caps),
 * MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED (any signature or chain),
 * MIGTD_PV2_INVALID_PARAMETER (empty id, version not "2.0"),
 * MIGTD_PV2_INVALID_COLLATERAL (rootCa / CRL unusable) or
 * MIGTD_PV2_NO_MEMORY; ex (may be NULL) says where. p is fully written
 * (zeroed first), valid only on MIGTD_PV2_OK. At start-up any failure is
 * fatal (upstream stops with status 9).
 */
enum migtd_pv2_result migtd_policy_v2_load(struct migtd_policy_v2 *p, const uint8_t *doc,
					   size_t doc_len, const uint8_t *chain, size_t chain_len,
					   struct migtd_pv2_explain *ex);

/*
 * The MROWNER and MROWNERCONFIG a MigTD with this policy must have (§7.7.6
 * step 3): SHA384(raw public key of the policy issuer chain's leaf) and
 * policySvn as u32 LE followed by 44 zero bytes. Host tools print these
 * (migtd-hash --policy-v2); the TD compares them with its own TDREPORT.
 */
void migtd_policy_v2_owner(const struct migtd_policy_v2 *p, uint8_t mrowner[48],
			   uint8_t mrownerconfig[48]);

/*
 * §7.7.6 step 3: compare the own TD's MROWNER and MROWNERCONFIG (from its
 * TDREPORT, 48 bytes each) with migtd_policy_v2_owner(). MIGTD_PV2_OK or
 * MIGTD_PV2_INVALID_TD_REPORT (upstream: fatal at start-up, status 9 -- the
 * caller treats this result as "invalid policy" at boot).
 */
enum migtd_pv2_result migtd_policy_v2_check_owner(const struct migtd_policy_v2 *p,
						  const uint8_t mrowner[48],
						  const uint8_t mrownerconfig[48],
						  struct migtd_pv2_explain *ex);

/*
 * The local policy's collateral for one FMSPC, decoded (JSON string
 * escapes undone) into a heap buffer: what migtd_quote_verify() takes.
 * MIGTD_PV2_OK, MIGTD_PV2_INVALID_COLLATERAL (no platform with that FMSPC)
 * or MIGTD_PV2_NO_MEMORY. Release with migtd_policy_v2_collateral_free().
 */
struct migtd_pv2_collateral {
	struct migtd_quote_collateral c;
	uint8_t *buf; /* mbedTLS heap, NUL-terminated strings back to back */
	size_t buf_len;
	uint32_t tcb_evaluation_number; /* tcbInfo.tcbEvaluationDataNumber */
};
enum migtd_pv2_result migtd_policy_v2_collateral(const struct migtd_policy_v2 *p,
						 const uint8_t fmspc[6],
						 struct migtd_pv2_collateral *out);
void migtd_policy_v2_collateral_free(struct migtd_pv2_collateral *c);

/*
 * Verify a quote with the local policy's collateral (§7.7.7 step 2): the
 * FMSPC is read from the PCK certificate in the quote, the root of trust is
 * collaterals.rootCa. On success the masked 822-byte verified report is
 * written to report. params_time: as migtd_quote_verify (use
 * MIGTD_QTIME_COLLATERAL in a MigTD; sig_cache may be NULL).
 * Results: OK, INVALID_COLLATERAL, QUOTE_VERIFICATION, NO_MEMORY.
 * Use it for the own quote to make the "self" reference of
 * migtd_policy_v2_authenticate (REPORTDATA does not matter there).
 */
enum migtd_pv2_result migtd_policy_v2_verify_quote(const struct migtd_policy_v2 *p,
						   const uint8_t *quote, size_t quote_len,
						   enum migtd_quote_time_mode time_mode,
						   int64_t now, struct migtd_sig_cache *sig_cache,
						   uint8_t report[MIGTD_VERIFIED_REPORT_SIZE],
						   struct migtd_pv2_explain *ex);

/* ---------------------------------------------------------------- the peer */

struct migtd_pv2_peer {
	/* The peer certificate's quote and event log extensions (§5.3). */
	const uint8_t *quote;
	size_t quote_len;
	const uint8_t *event_log;
	size_t event_log_len;
	/* The peer's pre-session blob as received (§5.7); the caller has already
	 * checked its SHA384 against the certificate's policy-hash extension. */
	const uint8_t *blob;
	size_t blob_len;
	/* true: the local MigTD is the migration source (verifying a destination:
	 * forwardPolicy and the policySvn order apply); false: destination. */
	bool local_is_source;
	/*
	 * The OWN verified report (822 bytes) for the "self"/"init" relative
	 * reference (§7.7.7 step 6): an ALREADY VERIFIED report, produced by
	 * migtd_policy_v2_verify_quote() on an own quote with this local policy
	 * (any REPORTDATA; the caller may keep it for the life of the policy).
	 * NULL: every "self"/"init" reference fails with InvalidReference.
	 */
	const uint8_t *own_report;
	/* Quote verification time (see migtd_policy_v2_verify_quote). */
	enum migtd_quote_time_mode time_mode;
	int64_t now;
	struct migtd_sig_cache *sig_cache; /* may be NULL */
	/* Upstream's emulation builds accept an event-log replay mismatch (§5.6). */
	bool accept_eventlog_mismatch;
};

/*
 * §7.7.7 steps 1-8: split the blob, verify the peer quote with the local
 * collateral for its FMSPC, load the peer policy with the peer chain
 * (signatures), replay the peer event log against the verified RTMRs, check
 * the three peer chains against ours, the tag-1 digest against SHA384(peer
 * policy file), build both evaluation infos, evaluate policy then
 * forwardPolicy / backwardPolicy with the mandatory deny after each, and
 * (source only) the peer policySvn >= ours.
 *
 * On MIGTD_PV2_OK peer_report holds the peer's masked verified report,
 * for the REPORTDATA / public-key check that follows (§5.5 v2 step 4).
 * peer_report may be NULL. ex (may be NULL) explains any other result;
 * migtd_pv2_result_err() gives the session's error (status 8 or 9).
 * Uses about sizeof(struct migtd_policy_v2) on the mbedTLS heap for the
 * peer's policy, freed before returning.
 */
enum migtd_pv2_result migtd_policy_v2_authenticate(const struct migtd_policy_v2 *local,
						   const struct migtd_pv2_peer *peer,
						   uint8_t peer_report[MIGTD_VERIFIED_REPORT_SIZE],
						   struct migtd_pv2_explain *ex);

/*
 * §7.7.7 steps 5-8 alone, for tools and tests: evaluate a peer whose quote
 * is already verified (peer_report, 822 bytes, with peer_eval the
 * tcbEvaluationDataNumber of the collateral it was verified with) and whose
 * policy is already loaded (peer_policy: its tdTcbMapping / tdIdentity and
 * policySvn apply). own_report: as in struct migtd_pv2_peer (may be NULL).
 */
enum migtd_pv2_result migtd_policy_v2_evaluate(const struct migtd_policy_v2 *local,
					       const struct migtd_policy_v2 *peer_policy,
					       const uint8_t *peer_report, uint32_t peer_eval,
					       const uint8_t *own_report, bool local_is_source,
					       struct migtd_pv2_explain *ex);

/*
 * The servtd documents on their own (tools; docs/protocol.md §7.7.5):
 * kind 0: a servtdCollateral object, both embedded signatures checked with
 * their embedded chains (chain unused); kind 1: a signed tdIdentity, kind 2:
 * a signed tdTcbMapping ({"<name>":{...},"signature":"hex"}), checked with
 * chain (PEM, leaf first). MIGTD_PV2_OK, MIGTD_PV2_INVALID_POLICY,
 * MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED or MIGTD_PV2_NO_MEMORY.
 * Uses sizeof(struct migtd_policy_v2) of mbedTLS heap, freed on return.
 */
enum migtd_pv2_result migtd_policy_v2_verify_servtd(unsigned kind, const uint8_t *doc, size_t len,
						    const uint8_t *chain, size_t chain_len,
						    struct migtd_pv2_explain *ex);

/*
 * The §6.4 pre-check with init data: init_mrowner must equal our MROWNER and
 * the SVN in init_mrownerconfig (u32 LE, bytes 4..48 zero) must be <= our
 * policySvn. MIGTD_PV2_OK or MIGTD_PV2_SVN_MISMATCH (status 8).
 */
enum migtd_pv2_result migtd_policy_v2_check_init(const struct migtd_policy_v2 *p,
						 const uint8_t init_mrowner[48],
						 const uint8_t init_mrownerconfig[48],
						 struct migtd_pv2_explain *ex);

#endif /* MIGTD_POLICY_V2_H */
