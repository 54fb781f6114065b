/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * policy.h -- migration policy v1 (docs/protocol.md §7.1-§7.6): parse, evaluate, explain.
 *
 * The policy is JSON enrolled in the image; each MigTD evaluates the PEER's
 * verified report (822 bytes, §8.5) and event log against its own policy,
 * using its OWN verified report and event log for "self" references.
 *
 * Memory: everything lives in a caller-provided struct policy_workspace
 * (fixed caps below; exceeding one is an InvalidPolicy with a message). The
 * parsed policy points into the caller's document bytes, which must stay
 * alive and unchanged while the policy is evaluated.
 */
#ifndef MIGTD_POLICY_H
#define MIGTD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migtd/eventlog.h"
#include "migtd/quote.h"


/*
 * Caps. The largest shipped policy (config/policy_pre_production_fmspc.json,
 * 31 blocks) needs 1688 JSON tokens, 107 properties and < 1 KiB of arrays.
 */
#define POLICY_MAX_TOKENS 4096u /* jsmn tokens (16 bytes each) */
#define POLICY_MAX_BLOCKS 64u
#define POLICY_MAX_PROPS 512u
#define POLICY_POOL_SIZE 8192u /* decoded escaped strings + byte arrays */
#define POLICY_MAX_DEPTH 64u   /* JSON nesting */
#define POLICY_TOKEN_SIZE 16u  /* sizeof(jsmntok_t), checked in policy_parse.c */

/* Evaluation results, named as upstream names them (§7.4). */
enum policy_result {
	POLICY_OK = 0,
	POLICY_INVALID_POLICY,
	POLICY_PLATFORM_NOT_FOUND,
	POLICY_PLATFORM_NOT_MATCH,
	POLICY_UNQUALIFIED_PLATFORM_INFO,
	POLICY_UNQUALIFIED_QE_INFO,
	POLICY_UNQUALIFIED_TDX_MODULE_INFO,
	POLICY_UNQUALIFIED_MIGTD_INFO,
	POLICY_INVALID_PARAMETER,
	POLICY_INVALID_EVENT_LOG,
	POLICY_RESULT_COUNT,
};

/* "Ok", "InvalidPolicy", ... ("?" for an unknown value). */
const char *migtd_policy_result_name(enum policy_result r);
/* MIGTD_OK, MIGTD_ERR_INVALID_POLICY (status 9) or MIGTD_ERR_POLICY (status 8). */
int migtd_policy_result_err(enum policy_result r);

enum policy_block_kind {
	POLICY_BLOCK_PLATFORM,
	POLICY_BLOCK_QE,
	POLICY_BLOCK_TDX_MODULE,
	POLICY_BLOCK_MIGTD,
	POLICY_BLOCK_KIND_COUNT,
};
const char *migtd_policy_block_kind_name(enum policy_block_kind k); /* "Platform", "QE", ... */

enum policy_op {
	POLICY_OP_EQUAL,
	POLICY_OP_GREATER_OR_EQUAL,
	POLICY_OP_SUBSET,
	POLICY_OP_IN_RANGE,
	POLICY_OP_IN_TIME_RANGE,
	POLICY_OP_ARRAY_EQUAL,
	POLICY_OP_ARRAY_GREATER_OR_EQUAL,
};
const char *migtd_policy_op_name(enum policy_op op); /* the JSON spelling */

enum policy_ref_kind {
	POLICY_REF_INTEGER,
	POLICY_REF_SELF,
	POLICY_REF_RANGE,  /* [a, b) */
	POLICY_REF_STRING, /* compared with uppercase hex of the peer bytes */
	POLICY_REF_ARRAY,
};

/* A string or byte view into the document or the workspace pool. */
struct policy_bytes {
	const uint8_t *p;
	size_t len;
};

struct policy_prop {
	struct policy_bytes name; /* decoded */
	enum policy_op op;
	enum policy_ref_kind ref;
	uint64_t a, b;            /* integer (a) or range [a, b) */
	struct policy_bytes data; /* string (decoded) or byte array */
	size_t ref_off, ref_len;  /* the reference's JSON text, for explanations */
};

struct policy_block {
	enum policy_block_kind kind;
	unsigned index;            /* position in the "policy" array */
	size_t offset;             /* byte offset of the block in the document */
	struct policy_bytes fmspc; /* platform blocks */
	/* Properties, sorted by name (duplicates: the last one wins, like upstream). */
	uint16_t first, count;       /* TcbInfo / QeIdentity / TDXModule_Identity / TDINFO */
	uint16_t ev_first, ev_count; /* MigTD EventLog */
	bool has_eventlog;
};

struct policy {
	const uint8_t *doc; /* after stripping leading/trailing NULs */
	size_t doc_len;
	struct policy_bytes id; /* GUID text */
	uint8_t guid[16];       /* EFI byte order */
	unsigned nblocks;
	unsigned nprops;
	struct policy_block blocks[POLICY_MAX_BLOCKS];
	struct policy_prop props[POLICY_MAX_PROPS];
};

/* Where a malformed policy went wrong. */
struct policy_parse_error {
	size_t offset;         /* byte offset in the original input */
	unsigned line, column; /* 1-based; column counts bytes */
	char path[128];        /* e.g. policy[3].MigTD.TDINFO.MRTD.reference */
	char msg[160];
	bool legacy; /* the document is the 2023 legacy format (§7.6) */
};

struct policy_workspace {
	_Alignas(8) unsigned char tokens[POLICY_MAX_TOKENS * POLICY_TOKEN_SIZE];
	uint8_t pool[POLICY_POOL_SIZE];
	size_t pool_used;
	struct policy policy;
};

/*
 * Parse a policy v1 document (leading/trailing NUL bytes are ignored).
 * MIGTD_OK or MIGTD_ERR_INVALID_POLICY with *err filled (err may be NULL).
 * A legacy 2023 document (top-level "MigTd") is refused with err->legacy set.
 */
int migtd_policy_parse(struct policy_workspace *ws, const uint8_t *doc, size_t len,
		       struct policy_parse_error *err);

/*
 * migtd_policy_parse, but refusing what upstream's parser lets through and that
 * can only be a mistake (docs/cli.md, "Unknown fields and properties"): an unknown
 * member of any object (e.g. a section spelled "Eventlog", which upstream
 * ignores, dropping its checks) and a property name the evaluation does not
 * know for its section (e.g. "MRSINGER", on which upstream fails every
 * evaluation). Used by the tools that check and enroll policies.
 */
int migtd_policy_parse_strict(struct policy_workspace *ws, const uint8_t *doc, size_t len,
			      struct policy_parse_error *err);

/*
 * What the MigTD does with its enrolled policy: parse it as upstream does
 * (migtd_policy_parse; ws then holds that policy; its result is returned) and,
 * when it is valid, look for what migtd_policy_parse_strict refuses: then
 * *unknown is true and *err names the first such field or property (the
 * MigTD logs it as a warning and keeps upstream's behaviour).
 */
int migtd_policy_lint(struct policy_workspace *ws, const uint8_t *doc, size_t len,
		      struct policy_parse_error *err, bool *unknown);

/* Whether an evaluation knows the property name in a block of this kind
 * (eventlog: the MigTD block's EventLog section). */
bool migtd_policy_property_known(enum policy_block_kind kind, bool eventlog, const uint8_t *name,
				 size_t len);

/* Number of blocks of a kind in a parsed policy. */
unsigned migtd_policy_count_blocks(const struct policy *p, enum policy_block_kind k);

struct policy_input {
	const uint8_t *local_report; /* own verified report */
	size_t local_len;
	const uint8_t *peer_report; /* peer's verified report */
	size_t peer_len;
	/* Parsed event logs (migtd_eventlog_parse); NULL means a log without events. The
	 * caller has already replayed the peer log against the peer RTMRs (§7.4). */
	const struct eventlog_parsed *local_log;
	const struct eventlog_parsed *peer_log;
	bool is_src; /* the evaluating MigTD is the migration source */
};

/* Why a result is not Ok. Strings are NUL-terminated and possibly cut. */
struct policy_explain {
	enum policy_result result;
	bool has_block;
	enum policy_block_kind kind;
	unsigned block_index; /* position in the "policy" array */
	bool has_property;
	char property[64];
	char section[24]; /* "TcbInfo", "TDINFO", "EventLog", ... */
	char op[24];
	char reference[112]; /* the reference as written in the policy */
	bool has_values;
	char local_hex[2 * 48 + 1]; /* uppercase hex ("" if missing) */
	char peer_hex[2 * 48 + 1];
	bool local_missing, peer_missing; /* event-log values */
	char detail[192];                 /* a sentence for everything else */
	struct policy_parse_error parse;  /* for InvalidPolicy */
};

/* Evaluate a parsed policy (§7.4 steps 2-6); ex may be NULL. */
enum policy_result migtd_policy_eval(const struct policy *p, const struct policy_input *in,
				     struct policy_explain *ex);

/* The whole §7.4 sequence: length checks, parse, evaluate. */
enum policy_result migtd_policy_eval_doc(struct policy_workspace *ws, const uint8_t *doc,
					 size_t len, const struct policy_input *in,
					 struct policy_explain *ex);

/* Render an explanation as text (lines separated by '\n'); returns the full
 * length like snprintf. */
size_t migtd_policy_explain_render(const struct policy_explain *ex, char *buf, size_t cap);

#endif /* MIGTD_POLICY_H */
