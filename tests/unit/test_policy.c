/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * Unit tests for core/policy: every policy v1 vector of
 * vectors/upstream/README.md §1/§3 with empty and with identical full event
 * logs, the SVN rules, the single-field mutations of docs/protocol.md §7.5, the
 * comparison table of §7.3, error precedence of §7.4, and malformed input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migtd/err.h"
#include "migtd/eventlog.h"
#include "migtd/policy.h"
#include "migtd/wire.h"
#include "support/testutil.h"

#define T "upstream/src/policy/test/"
#define C "upstream/config/"

static struct policy_workspace ws;
static uint8_t *report; /* report.dat, 822 bytes */
static size_t report_len;

/* ------------------------------------------------------------------ helpers */

/* Event logs with the five events the README lists (SVN configurable). */
struct full_log {
	uint8_t buf[2048];
	const uint8_t *log;
	size_t len;
	struct eventlog_parsed parsed;
};

static void build_full_log(struct full_log *f, uint64_t svn)
{
	struct eventlog_builder b;
	uint8_t blob[28], svnd[28];

	assert_int_equal(migtd_eventlog_builder_init(&b, f->buf, sizeof(f->buf)), MIGTD_OK);
	assert_int_equal(migtd_eventlog_builder_add_separators(&b), MIGTD_OK);
	blob[0] = 11;
	memcpy(blob + 1, "td_payload", 11);
	memset(blob + 12, 0, 16);
	assert_int_equal(
		migtd_eventlog_builder_add_measured(&b, 2, EVENTLOG_EV_EFI_PLATFORM_FIRMWARE_BLOB2,
						    "payload", 7, blob, sizeof(blob), NULL),
		MIGTD_OK);
	assert_int_equal(migtd_eventlog_builder_add_measured(&b, 2,
							     EVENTLOG_EV_PLATFORM_CONFIG_FLAGS,
							     "key", 3, "secure_authority\0\0\0\0",
							     20, NULL),
			 MIGTD_OK);
	memset(svnd, 0, 16);
	memcpy(svnd, "td_payload_svn", 15);
	migtd_wire_put_u32(svnd + 16, 8);
	migtd_wire_put_u64(svnd + 20, svn);
	/* The SVN event's digest is the same whatever the SVN: only the data differs. */
	assert_int_equal(migtd_eventlog_builder_add_measured(&b, 2,
							     EVENTLOG_EV_PLATFORM_CONFIG_FLAGS,
							     "svn", 3, svnd, sizeof(svnd), NULL),
			 MIGTD_OK);
	assert_int_equal(migtd_eventlog_builder_add_tagged(&b, 3, EVENTLOG_TAG_POLICY, "policy", 6,
							   "policy", 6, NULL),
			 MIGTD_OK);
	assert_int_equal(migtd_eventlog_builder_add_tagged(&b, 3, EVENTLOG_TAG_ROOT_CA, "rootca", 6,
							   "rootca", 6, NULL),
			 MIGTD_OK);
	assert_int_equal(migtd_eventlog_builder_finish(&b, 0xFF, &f->log, &f->len), MIGTD_OK);
	assert_int_equal(migtd_eventlog_parse(f->log, f->len, &f->parsed), MIGTD_OK);
	for (int i = 0; i < EVENTLOG_SEL_COUNT; i++)
		assert_non_null(f->parsed.value[i]);
}

static enum policy_result eval_full(const uint8_t *doc, size_t len, const uint8_t *local,
				    size_t llen, const uint8_t *peer, size_t plen,
				    const struct eventlog_parsed *ll,
				    const struct eventlog_parsed *pl, bool is_src,
				    struct policy_explain *ex)
{
	struct policy_input in = { local, llen, peer, plen, ll, pl, is_src };

	return migtd_policy_eval_doc(&ws, doc, len, &in, ex);
}

/* Evaluate a vector file with L = P = report.dat. */
static enum policy_result eval_file(const char *path, const struct eventlog_parsed *logs,
				    bool is_src)
{
	size_t len;
	uint8_t *doc = tu_read_vector(path, &len);
	enum policy_result r = eval_full(doc, len, report, report_len, report, report_len, logs,
					 logs, is_src, NULL);

	free(doc);
	return r;
}

static enum policy_result eval_mut(const char *path, const uint8_t *local, const uint8_t *peer)
{
	size_t len;
	uint8_t *doc = tu_read_vector(path, &len);
	enum policy_result r = eval_full(doc, len, local, MIGTD_VERIFIED_REPORT_SIZE, peer,
					 MIGTD_VERIFIED_REPORT_SIZE, NULL, NULL, true, NULL);

	free(doc);
	return r;
}

static enum policy_result eval_str(const char *json, const uint8_t *local, const uint8_t *peer,
				   struct policy_explain *ex)
{
	return eval_full((const uint8_t *)json, strlen(json), local ? local : report,
			 MIGTD_VERIFIED_REPORT_SIZE, peer ? peer : report,
			 MIGTD_VERIFIED_REPORT_SIZE, NULL, NULL, true, ex);
}

static int setup(void **state)
{
	(void)state;
	report = tu_read_vector(T "report.dat", &report_len);
	return report_len == MIGTD_VERIFIED_REPORT_SIZE ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(report);
	return 0;
}

/* ------------------------------------------------------------------ vectors */

struct row {
	const char *file;
	enum policy_result empty, full;
};

static const struct row ROWS[] = {
	{ T "policy_001.json", POLICY_OK, POLICY_OK },
	{ T "policy_002.json", POLICY_OK, POLICY_OK },
	{ T "policy_full1.json", POLICY_OK, POLICY_OK },
	{ T "policy_full3.json", POLICY_OK, POLICY_OK },
	{ T "policy_no.json", POLICY_OK, POLICY_OK },
	{ T "policy_no_tdattr.json", POLICY_OK, POLICY_OK },
	{ T "policy.json", POLICY_UNQUALIFIED_MIGTD_INFO, POLICY_UNQUALIFIED_MIGTD_INFO },
	{ T "policy_003.json", POLICY_UNQUALIFIED_MIGTD_INFO, POLICY_OK },
	{ T "policy_004.json", POLICY_UNQUALIFIED_MIGTD_INFO, POLICY_OK },
	{ T "policy_006.json", POLICY_UNQUALIFIED_MIGTD_INFO, POLICY_OK },
	{ T "policy_full2.json", POLICY_UNQUALIFIED_MIGTD_INFO, POLICY_OK },
	{ T "policy_005.json", POLICY_INVALID_POLICY, POLICY_INVALID_POLICY },
	{ T "policy_009.json", POLICY_INVALID_POLICY, POLICY_INVALID_POLICY },
	{ T "policy_invalid_guid.json", POLICY_INVALID_POLICY, POLICY_INVALID_POLICY },
	{ T "policy_007.json", POLICY_UNQUALIFIED_PLATFORM_INFO, POLICY_UNQUALIFIED_PLATFORM_INFO },
	{ T "policy_008.json", POLICY_UNQUALIFIED_PLATFORM_INFO, POLICY_UNQUALIFIED_PLATFORM_INFO },
	{ T "policy_010.json", POLICY_PLATFORM_NOT_FOUND, POLICY_PLATFORM_NOT_FOUND },
	{ C "policy.json", POLICY_UNQUALIFIED_MIGTD_INFO, POLICY_OK },
	{ C "policy_pre_production_fmspc.json", POLICY_UNQUALIFIED_MIGTD_INFO, POLICY_OK },
	{ C "policy_production_fmspc.json", POLICY_PLATFORM_NOT_FOUND, POLICY_PLATFORM_NOT_FOUND },
};

static void test_vector_table(void **state)
{
	struct full_log full;
	struct eventlog_parsed empty;

	(void)state;
	build_full_log(&full, 13);
	migtd_eventlog_parsed_empty(&empty);
	for (size_t i = 0; i < sizeof(ROWS) / sizeof(ROWS[0]); i++) {
		for (int src = 0; src <= 1; src++) {
			enum policy_result re = eval_file(ROWS[i].file, &empty, src);
			enum policy_result rn = eval_file(ROWS[i].file, NULL, src);
			enum policy_result rf = eval_file(ROWS[i].file, &full.parsed, src);

			if (re != ROWS[i].empty || rf != ROWS[i].full || rn != re)
				fail_msg("%s (is_src %d): empty %s (want %s), full %s (want %s)",
					 ROWS[i].file, src, migtd_policy_result_name(re),
					 migtd_policy_result_name(ROWS[i].empty),
					 migtd_policy_result_name(rf),
					 migtd_policy_result_name(ROWS[i].full));
		}
	}
}

/* policy_003 fails if the two policy digests differ. */
static void test_policy_digest_differs(void **state)
{
	struct full_log a, b;
	size_t len;
	uint8_t *doc = tu_read_vector(T "policy_003.json", &len);

	(void)state;
	build_full_log(&a, 13);
	build_full_log(&b, 13);
	b.parsed.value[EVENTLOG_SEL_MIGTD_POLICY] = b.parsed.value[EVENTLOG_SEL_MIGTD_CORE];
	assert_int_equal(eval_full(doc, len, report, report_len, report, report_len, &a.parsed,
				   &b.parsed, true, NULL),
			 POLICY_UNQUALIFIED_MIGTD_INFO);
	assert_int_equal(eval_full(doc, len, report, report_len, report, report_len, &a.parsed,
				   &a.parsed, true, NULL),
			 POLICY_OK);
	free(doc);
}

static void test_svn_rules(void **state)
{
	static const struct {
		uint64_t svn;
		enum policy_result r;
	} range[] = {
		{ 13, POLICY_OK },
		{ 17, POLICY_OK },
		{ 18, POLICY_UNQUALIFIED_MIGTD_INFO },
		{ 1, POLICY_UNQUALIFIED_MIGTD_INFO },
		{ 12, POLICY_UNQUALIFIED_MIGTD_INFO },
	};
	static const struct {
		uint64_t src, dst;
		enum policy_result r;
	} self[] = {
		{ 1, 2, POLICY_OK },
		{ 1, 1, POLICY_OK },
		{ 2, 1, POLICY_UNQUALIFIED_MIGTD_INFO },
	};
	size_t len;
	uint8_t *doc;

	(void)state;
	for (int f = 0; f < 2; f++) {
		doc = tu_read_vector(f ? T "policy_full2.json" : T "policy_004.json", &len);
		for (size_t i = 0; i < sizeof(range) / sizeof(range[0]); i++) {
			struct full_log log;

			build_full_log(&log, range[i].svn);
			assert_int_equal(eval_full(doc, len, report, report_len, report, report_len,
						   &log.parsed, &log.parsed, true, NULL),
					 range[i].r);
		}
		free(doc);
	}
	doc = tu_read_vector(T "policy_006.json", &len);
	for (size_t i = 0; i < sizeof(self) / sizeof(self[0]); i++) {
		struct full_log s, d;

		build_full_log(&s, self[i].src);
		build_full_log(&d, self[i].dst);
		/* On the source: local = source, peer = destination. */
		assert_int_equal(eval_full(doc, len, report, report_len, report, report_len,
					   &s.parsed, &d.parsed, true, NULL),
				 self[i].r);
		/* On the destination: local = destination, peer = source. */
		assert_int_equal(eval_full(doc, len, report, report_len, report, report_len,
					   &d.parsed, &s.parsed, false, NULL),
				 self[i].r);
	}
	free(doc);
}

/* ------------------------------------------------------------------ mutations */

static void set(uint8_t *r, size_t off, const char *hex)
{
	uint8_t b[64];
	size_t n = tu_unhex(hex, b, sizeof(b));

	memcpy(r + off, b, n);
}

static void test_mutations(void **state)
{
	uint8_t peer[MIGTD_VERIFIED_REPORT_SIZE], local[MIGTD_VERIFIED_REPORT_SIZE];
	static const size_t mr[] = { 136, 184, 232, 280, 328, 376, 424, 472 };

	(void)state;
#define RESET() (memcpy(peer, report, sizeof(peer)), memcpy(local, report, sizeof(local)))
	RESET();
	set(peer, 584, "20C06F000000");
	assert_int_equal(eval_mut(T "policy_001.json", local, peer), POLICY_PLATFORM_NOT_MATCH);
	RESET();
	set(peer, 584, "30816F000000");
	assert_int_equal(eval_mut(T "policy_full1.json", local, peer), POLICY_PLATFORM_NOT_FOUND);
	RESET();
	memset(peer + 590, 0, 16);
	assert_int_equal(eval_mut(T "policy_full1.json", local, peer),
			 POLICY_UNQUALIFIED_PLATFORM_INFO);
	RESET();
	set(peer, 590, "00010100000000000000000000000000");
	assert_int_equal(eval_mut(T "policy_full1.json", local, peer), POLICY_OK);
	RESET();
	memset(local + 590, 1, 16);
	memset(peer + 590, 2, 16);
	assert_int_equal(eval_mut(T "policy_full3.json", local, peer), POLICY_OK);
	assert_int_equal(eval_mut(T "policy_full3.json", peer, local),
			 POLICY_UNQUALIFIED_PLATFORM_INFO);
	RESET();
	peer[624] = 2;
	assert_int_equal(eval_mut(T "policy_001.json", local, peer),
			 POLICY_UNQUALIFIED_TDX_MODULE_INFO);
	assert_int_equal(eval_mut(T "policy_full1.json", local, peer), POLICY_OK);
	peer[624] = 0;
	assert_int_equal(eval_mut(T "policy_full1.json", local, peer),
			 POLICY_UNQUALIFIED_TDX_MODULE_INFO);
	RESET();
	peer[625] = 1;
	assert_int_equal(eval_mut(T "policy_full1.json", local, peer),
			 POLICY_UNQUALIFIED_TDX_MODULE_INFO);
	RESET();
	peer[64] ^= 0x55;
	assert_int_equal(eval_mut(T "policy_full1.json", local, peer),
			 POLICY_UNQUALIFIED_TDX_MODULE_INFO);
	RESET();
	peer[112] = 1;
	assert_int_equal(eval_mut(T "policy_full1.json", local, peer),
			 POLICY_UNQUALIFIED_TDX_MODULE_INFO);
	RESET();
	memset(peer + 120, 1, 8);
	assert_int_equal(eval_mut(T "policy_no_tdattr.json", local, peer), POLICY_OK);
	assert_int_equal(eval_mut(T "policy_full1.json", local, peer),
			 POLICY_UNQUALIFIED_MIGTD_INFO);
	set(peer, 120, "0000000801000000");
	assert_int_equal(eval_mut(T "policy_full1.json", local, peer), POLICY_OK);
	set(peer, 120, "0001000300000000");
	assert_int_equal(eval_mut(T "policy_full1.json", local, peer),
			 POLICY_UNQUALIFIED_MIGTD_INFO);
	RESET();
	memset(peer + 128, 1, 8);
	assert_int_equal(eval_mut(T "policy_full1.json", local, peer),
			 POLICY_UNQUALIFIED_MIGTD_INFO);
	set(peer, 128, "FFFFFFFF00000000");
	assert_int_equal(eval_mut(T "policy_full1.json", local, peer), POLICY_OK);
	set(peer, 128, "0308000000000000");
	assert_int_equal(eval_mut(T "policy_full1.json", local, peer),
			 POLICY_UNQUALIFIED_MIGTD_INFO);
	for (size_t i = 0; i < sizeof(mr) / sizeof(mr[0]); i++) {
		RESET();
		memset(peer + mr[i], 1, 48);
		assert_int_equal(eval_mut(T "policy_full1.json", local, peer),
				 POLICY_UNQUALIFIED_MIGTD_INFO);
	}
#undef RESET
}

static void test_report_lengths(void **state)
{
	size_t len, badlen;
	uint8_t *doc = tu_read_vector(T "policy.json", &len);
	uint8_t *bad = tu_read_vector(T "policy_005.json", &badlen);
	uint8_t big[MIGTD_VERIFIED_REPORT_SIZE + 1];
	struct policy_explain ex;

	(void)state;
	memcpy(big, report, MIGTD_VERIFIED_REPORT_SIZE);
	big[MIGTD_VERIFIED_REPORT_SIZE] = 0;
	assert_int_equal(eval_full(doc, len, report, 821, report, 822, NULL, NULL, true, &ex),
			 POLICY_INVALID_PARAMETER);
	assert_non_null(strstr(ex.detail, "821"));
	assert_int_equal(eval_full(doc, len, report, 822, report, 821, NULL, NULL, false, NULL),
			 POLICY_INVALID_PARAMETER);
	/* Step 1 comes before parsing: a short report wins over a broken policy... */
	assert_int_equal(eval_full(bad, badlen, report, 821, report, 822, NULL, NULL, true, NULL),
			 POLICY_INVALID_PARAMETER);
	/* ...but a long report is only noticed after parsing. */
	assert_int_equal(eval_full(bad, badlen, big, 823, report, 822, NULL, NULL, true, NULL),
			 POLICY_INVALID_POLICY);
	assert_int_equal(eval_full(doc, len, big, 823, report, 822, NULL, NULL, true, NULL),
			 POLICY_INVALID_PARAMETER);
	assert_int_equal(eval_full(doc, len, report, 822, big, 823, NULL, NULL, true, NULL),
			 POLICY_INVALID_PARAMETER);
	free(doc);
	free(bad);
}

static void test_status_mapping(void **state)
{
	(void)state;
	assert_int_equal(migtd_policy_result_err(POLICY_OK), MIGTD_OK);
	assert_int_equal(migtd_err_status(migtd_policy_result_err(POLICY_INVALID_POLICY)), 9);
	for (int r = POLICY_PLATFORM_NOT_FOUND; r < POLICY_RESULT_COUNT; r++)
		assert_int_equal(migtd_err_status(migtd_policy_result_err((enum policy_result)r)),
				 8);
	assert_string_equal(migtd_policy_result_name(POLICY_OK), "Ok");
	assert_string_equal(migtd_policy_result_name(POLICY_INVALID_POLICY), "InvalidPolicy");
	assert_string_equal(migtd_policy_result_name(POLICY_PLATFORM_NOT_FOUND),
			    "PlatformNotFound");
	assert_string_equal(migtd_policy_result_name(POLICY_PLATFORM_NOT_MATCH),
			    "PlatformNotMatch");
	assert_string_equal(migtd_policy_result_name(POLICY_UNQUALIFIED_PLATFORM_INFO),
			    "UnqualifiedPlatformInfo");
	assert_string_equal(migtd_policy_result_name(POLICY_UNQUALIFIED_QE_INFO),
			    "UnqualifiedQeInfo");
	assert_string_equal(migtd_policy_result_name(POLICY_UNQUALIFIED_TDX_MODULE_INFO),
			    "UnqualifiedTdxModuleInfo");
	assert_string_equal(migtd_policy_result_name(POLICY_UNQUALIFIED_MIGTD_INFO),
			    "UnqualifiedMigTdInfo");
	assert_string_equal(migtd_policy_result_name(POLICY_INVALID_PARAMETER), "InvalidParameter");
	assert_string_equal(migtd_policy_result_name(POLICY_INVALID_EVENT_LOG), "InvalidEventLog");
	assert_string_equal(migtd_policy_result_name(POLICY_RESULT_COUNT), "?");
}

/* ------------------------------------------------------------------ §7.3 semantics */

#define ID "\"id\":\"FF4A3955-7136-4F54-AAB2-50F724C3BF6A\""
#define PLAT "{\"fmspc\":\"self\",\"Platform\":{\"TcbInfo\":{}}}"

/* A policy with one property in a MigTD TDINFO / TDX-module / platform block. */
static enum policy_result one(const char *block_fmt, const char *name, const char *op,
			      const char *ref, const uint8_t *local, const uint8_t *peer,
			      struct policy_explain *ex)
{
	char json[2048], prop[512];

	snprintf(prop, sizeof(prop), "{\"%s\":{\"operation\":\"%s\",\"reference\":%s}}", name, op,
		 ref);
	{
		/* Splice prop where the template says %s (no non-literal format). */
		const char *at = strstr(block_fmt, "%s");

		assert_non_null(at);
		snprintf(json, sizeof(json), "%.*s%s%s", (int)(at - block_fmt), block_fmt, prop,
			 at + 2);
	}
	return eval_str(json, local, peer, ex);
}

#define TDX "{" ID ",\"policy\":[" PLAT ",{\"TDXModule\":{\"TDXModule_Identity\":%s}}]}"
#define TDI "{" ID ",\"policy\":[" PLAT ",{\"MigTD\":{\"TDINFO\":%s}}]}"
#define TCB "{" ID ",\"policy\":[{\"fmspc\":\"30806F000000\",\"Platform\":{\"TcbInfo\":%s}}]}"
#define QE "{" ID ",\"policy\":[" PLAT ",{\"QE\":{\"QeIdentity\":%s}}]}"

static void test_semantics(void **state)
{
	uint8_t lo[MIGTD_VERIFIED_REPORT_SIZE], hi[MIGTD_VERIFIED_REPORT_SIZE];
	const enum policy_result U = POLICY_UNQUALIFIED_TDX_MODULE_INFO, K = POLICY_OK;

	(void)state;
	memcpy(lo, report, sizeof(lo));
	memcpy(hi, report, sizeof(hi));
	lo[625] = 3; /* TDXModuleSVN */
	hi[625] = 5;
	/* integer */
	assert_int_equal(one(TDX, "TDXModuleSVN", "equal", "5", NULL, hi, NULL), K);
	assert_int_equal(one(TDX, "TDXModuleSVN", "equal", "4", NULL, hi, NULL), U);
	assert_int_equal(one(TDX, "TDXModuleSVN", "greater-or-equal", "5", NULL, hi, NULL), K);
	assert_int_equal(one(TDX, "TDXModuleSVN", "greater-or-equal", "6", NULL, hi, NULL), U);
	assert_int_equal(one(TDX, "TDXModuleSVN", "in-range", "5", NULL, hi, NULL), U);
	assert_int_equal(one(TDX, "TDXModuleSVN", "equal", "18446744073709551615", NULL, hi, NULL),
			 U);
	/* Integers need <= 8 bytes: MRSEAM (48) never equals an integer. */
	assert_int_equal(one(TDX, "MRSEAM", "equal", "0", NULL, NULL, NULL), U);
	/* "self" greater-or-equal: destination >= source. */
	assert_int_equal(one(TDX, "TDXModuleSVN", "greater-or-equal", "\"self\"", lo, hi, NULL), K);
	assert_int_equal(one(TDX, "TDXModuleSVN", "greater-or-equal", "\"self\"", hi, lo, NULL), U);
	assert_int_equal(one(TDX, "TDXModuleSVN", "equal", "\"self\"", lo, hi, NULL), U);
	assert_int_equal(one(TDX, "TDXModuleSVN", "array-equal", "\"self\"", lo, lo, NULL), K);
	assert_int_equal(one(TDX, "TDXModuleSVN", "subset", "\"self\"", lo, lo, NULL), U);
	assert_int_equal(one(TDX, "TDXModuleSVN", "in-range", "\"self\"", lo, lo, NULL), U);
	assert_int_equal(one(TDX, "TDXModuleSVN", "array-greater-or-equal", "\"self\"", lo, hi,
			     NULL),
			 K);
	assert_int_equal(one(TDX, "TDXModuleSVN", "array-greater-or-equal", "\"self\"", hi, lo,
			     NULL),
			 U);
	/* >= self on a 48-byte field: longer than 8 -> fails even if equal. */
	assert_int_equal(one(TDX, "MRSEAM", "greater-or-equal", "\"self\"", NULL, NULL, NULL), U);
	/* ranges: end exclusive, empty ends, '+' accepted like Rust's from_str */
	assert_int_equal(one(TDX, "TDXModuleSVN", "in-range", "\"5..6\"", NULL, hi, NULL), K);
	assert_int_equal(one(TDX, "TDXModuleSVN", "in-range", "\"3..5\"", NULL, hi, NULL), U);
	assert_int_equal(one(TDX, "TDXModuleSVN", "in-time-range", "\"..6\"", NULL, hi, NULL), K);
	assert_int_equal(one(TDX, "TDXModuleSVN", "in-range", "\"5..\"", NULL, hi, NULL), K);
	assert_int_equal(one(TDX, "TDXModuleSVN", "in-range", "\"..\"", NULL, hi, NULL), K);
	assert_int_equal(one(TDX, "TDXModuleSVN", "in-range", "\"+5..+6\"", NULL, hi, NULL), K);
	assert_int_equal(one(TDX, "TDXModuleSVN", "equal", "\"5..6\"", NULL, hi, NULL), U);
	/* Not ranges -> literal strings, which only "equal" the uppercase hex. */
	assert_int_equal(one(TDX, "TDXModuleSVN", "in-range", "\"1..5..9\"", NULL, hi, NULL), U);
	assert_int_equal(one(TDX, "TDXModuleSVN", "in-range", "\"a..9\"", NULL, hi, NULL), U);
	assert_int_equal(one(TDX, "TDXModuleSVN", "equal", "\"05\"", NULL, hi, NULL), K);
	assert_int_equal(one(TDX, "ATTRIBUTES", "equal", "\"0000000000000000\"", NULL, NULL, NULL),
			 K);
	hi[112] = 0xab;
	assert_int_equal(one(TDX, "ATTRIBUTES", "equal", "\"AB00000000000000\"", NULL, hi, NULL),
			 K);
	assert_int_equal(one(TDX, "ATTRIBUTES", "equal", "\"ab00000000000000\"", NULL, hi, NULL),
			 U);
	assert_int_equal(one(TDX, "ATTRIBUTES", "greater-or-equal", "\"AB00000000000000\"", NULL,
			     hi, NULL),
			 U);
	/* byte arrays */
	assert_int_equal(one(TDX, "ATTRIBUTES", "array-equal", "[171,0,0,0,0,0,0,0]", NULL, hi,
			     NULL),
			 K);
	assert_int_equal(one(TDX, "ATTRIBUTES", "array-equal", "[171,0,0,0,0,0,0]", NULL, hi, NULL),
			 U);
	assert_int_equal(one(TDX, "ATTRIBUTES", "array-greater-or-equal", "[170,0,0,0,0,0,0,0]",
			     NULL, hi, NULL),
			 K);
	assert_int_equal(one(TDX, "ATTRIBUTES", "array-greater-or-equal", "[172,0,0,0,0,0,0,0]",
			     NULL, hi, NULL),
			 U);
	assert_int_equal(one(TDX, "ATTRIBUTES", "equal", "[171,0,0,0,0,0,0,0]", NULL, hi, NULL), U);
	/* Escaped reference strings are decoded ("\u0030" = '0'). */
	assert_int_equal(one(TDX, "TDXModuleSVN", "equal", "\"\\u00305\"", NULL, hi, NULL), K);
	/* Escaped property names are decoded too. */
	assert_int_equal(one(TDX, "TDXModule\\u0053VN", "equal", "5", NULL, hi, NULL), K);
	/* Masks: ATTRIBUTES & FF FF 00 30 00 00 00 40, XFAM & 03 18 00.. */
	memcpy(hi, report, sizeof(hi));
	hi[120 + 2] = 0xFF;
	assert_int_equal(one(TDI, "ATTRIBUTES", "equal", "\"self\"", NULL, hi, NULL), K);
	hi[120 + 3] = 0x10;
	assert_int_equal(one(TDI, "ATTRIBUTES", "equal", "\"self\"", NULL, hi, NULL),
			 POLICY_UNQUALIFIED_MIGTD_INFO);
	memcpy(hi, report, sizeof(hi));
	hi[128 + 1] ^= 0x08;
	assert_int_equal(one(TDI, "XFAM", "equal", "\"self\"", NULL, hi, NULL),
			 POLICY_UNQUALIFIED_MIGTD_INFO);
	/* QE and platform fields; "fmspc" as a TcbInfo property. */
	assert_int_equal(one(QE, "ISVPRODID", "equal", "2", NULL, NULL, NULL), K);
	assert_int_equal(one(QE, "ISVPRODID", "equal", "3", NULL, NULL, NULL),
			 POLICY_UNQUALIFIED_QE_INFO);
	assert_int_equal(one(QE, "MRENCLAVE", "equal", "\"self\"", NULL, NULL, NULL),
			 POLICY_INVALID_PARAMETER);
	assert_int_equal(one(TCB, "pcesvn", "equal", "11", NULL, NULL, NULL), K);
	assert_int_equal(one(TCB, "pcesvn", "greater-or-equal", "12", NULL, NULL, NULL),
			 POLICY_UNQUALIFIED_PLATFORM_INFO);
	assert_int_equal(one(TCB, "fmspc", "equal", "\"30806F000000\"", NULL, NULL, NULL), K);
	assert_int_equal(one(TCB, "nosuch", "equal", "1", NULL, NULL, NULL),
			 POLICY_INVALID_PARAMETER);
	assert_int_equal(one(TDI, "MRTD", "equal", "\"self\"", NULL, NULL, NULL), K);
	assert_int_equal(one(TDI, "MRTDX", "equal", "\"self\"", NULL, NULL, NULL),
			 POLICY_INVALID_PARAMETER);
}

/* Evaluation order and which error wins (§7.4). */
static void test_order(void **state)
{
	uint8_t peer[MIGTD_VERIFIED_REPORT_SIZE];

	(void)state;
	memcpy(peer, report, sizeof(peer));
	/* No platform block -> PlatformNotFound. */
	assert_int_equal(eval_str("{" ID ",\"policy\":[]}", NULL, NULL, NULL),
			 POLICY_PLATFORM_NOT_FOUND);
	/* Two platform blocks: "self" is then an ordinary (never matching) FMSPC string. */
	assert_int_equal(eval_str("{" ID ",\"policy\":[" PLAT "," PLAT "]}", NULL, NULL, NULL),
			 POLICY_PLATFORM_NOT_FOUND);
	/* FMSPC keys are compared with uppercase hex: lowercase never matches. */
	assert_int_equal(eval_str("{" ID ",\"policy\":[{\"fmspc\":\"30806f000000\",\"Platform\":"
				  "{\"TcbInfo\":{}}}]}",
				  NULL, NULL, NULL),
			 POLICY_PLATFORM_NOT_FOUND);
	/* The first matching platform block is used. */
	assert_int_equal(
		eval_str("{" ID ",\"policy\":[{\"fmspc\":\"30806F000000\",\"Platform\":"
			 "{\"TcbInfo\":{\"pcesvn\":{\"operation\":\"equal\",\"reference\":11}}}},"
			 "{\"fmspc\":\"30806F000000\",\"Platform\":{\"TcbInfo\":{\"pcesvn\":"
			 "{\"operation\":\"equal\",\"reference\":12}}}}]}",
			 NULL, NULL, NULL),
		POLICY_OK);
	/* Properties run sorted by name: "ATTRIBUTES" (fails) before "MRTD" (unknown -> would
	 * be InvalidParameter only if reached). */
	peer[120] = 1;
	assert_int_equal(
		eval_str("{" ID ",\"policy\":[" PLAT ",{\"MigTD\":{\"TDINFO\":{"
			 "\"ZZZ\":{\"operation\":\"equal\",\"reference\":\"self\"},"
			 "\"ATTRIBUTES\":{\"operation\":\"equal\",\"reference\":\"self\"}}}}]}",
			 NULL, peer, NULL),
		POLICY_UNQUALIFIED_MIGTD_INFO);
	assert_int_equal(
		eval_str("{" ID ",\"policy\":[" PLAT ",{\"MigTD\":{\"TDINFO\":{"
			 "\"AAA\":{\"operation\":\"equal\",\"reference\":\"self\"},"
			 "\"ATTRIBUTES\":{\"operation\":\"equal\",\"reference\":\"self\"}}}}]}",
			 NULL, peer, NULL),
		POLICY_INVALID_PARAMETER);
	/* Duplicate property names: the last one wins. */
	assert_int_equal(eval_str("{" ID ",\"policy\":[" PLAT ",{\"QE\":{\"QeIdentity\":{"
				  "\"ISVPRODID\":{\"operation\":\"equal\",\"reference\":9},"
				  "\"ISVPRODID\":{\"operation\":\"equal\",\"reference\":2}}}}]}",
				  NULL, NULL, NULL),
			 POLICY_OK);
	/* TDX module and platform checks precede QE/MigTD regardless of document order. */
	peer[624] = 7;
	assert_int_equal(
		eval_str("{" ID ",\"policy\":[{\"QE\":{\"QeIdentity\":{\"ISVPRODID\":"
			 "{\"operation\":\"equal\",\"reference\":9}}}}," PLAT ","
			 "{\"TDXModule\":{\"TDXModule_Identity\":{\"TDXModuleMajorVersion\":"
			 "{\"operation\":\"equal\",\"reference\":1}}}}]}",
			 NULL, peer, NULL),
		POLICY_UNQUALIFIED_TDX_MODULE_INFO);
	/* An unknown name in the first TDX block stops the search at once. */
	assert_int_equal(eval_str("{" ID ",\"policy\":[" PLAT ","
				  "{\"TDXModule\":{\"TDXModule_Identity\":{\"X\":"
				  "{\"operation\":\"equal\",\"reference\":1}}}},"
				  "{\"TDXModule\":{\"TDXModule_Identity\":{}}}]}",
				  NULL, NULL, NULL),
			 POLICY_INVALID_PARAMETER);
	/* An empty TDX block passes. */
	assert_int_equal(eval_str("{" ID ",\"policy\":[" PLAT ","
				  "{\"TDXModule\":{\"TDXModule_Identity\":{\"TDXModuleSVN\":"
				  "{\"operation\":\"equal\",\"reference\":1}}}},"
				  "{\"TDXModule\":{\"TDXModule_Identity\":{}}}]}",
				  NULL, NULL, NULL),
			 POLICY_OK);
	/* QE blocks are walked in document order with MigTD blocks: first failure wins. */
	memcpy(peer, report, sizeof(peer));
	peer[136] ^= 1;
	assert_int_equal(eval_str("{" ID ",\"policy\":[" PLAT ",{\"MigTD\":{\"TDINFO\":{\"MRTD\":"
				  "{\"operation\":\"equal\",\"reference\":\"self\"}}}},"
				  "{\"QE\":{\"QeIdentity\":{\"ISVPRODID\":{\"operation\":\"equal\","
				  "\"reference\":9}}}}]}",
				  NULL, peer, NULL),
			 POLICY_UNQUALIFIED_MIGTD_INFO);
	assert_int_equal(eval_str("{" ID ",\"policy\":[" PLAT ","
				  "{\"QE\":{\"QeIdentity\":{\"ISVPRODID\":{\"operation\":\"equal\","
				  "\"reference\":9}}}},{\"MigTD\":{\"TDINFO\":{\"MRTD\":"
				  "{\"operation\":\"equal\",\"reference\":\"self\"}}}}]}",
				  NULL, peer, NULL),
			 POLICY_UNQUALIFIED_QE_INFO);
}

static void test_eventlog_names(void **state)
{
	struct full_log f;
	char json[1024];
	static const struct {
		const char *name;
		enum policy_result r;
	} cases[] = {
		{ "Digest.MigTdCore", POLICY_OK },
		{ "Digest.SecureBootKey", POLICY_OK },
		{ "Digest.MigTdCoreSvn", POLICY_OK },
		{ "Digest.MigTdPolicy", POLICY_OK },
		{ "Digest.MigTdSgxRootKey", POLICY_OK },
		{ "Digest.TdShim", POLICY_UNQUALIFIED_MIGTD_INFO },
		{ "Digest.Other", POLICY_INVALID_EVENT_LOG },
		{ "MRTD", POLICY_INVALID_EVENT_LOG },
	};

	(void)state;
	build_full_log(&f, 13);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(json, sizeof(json),
			 "{" ID ",\"policy\":[" PLAT ",{\"MigTD\":{\"TDINFO\":{},\"EventLog\":"
			 "{\"%s\":{\"operation\":\"equal\",\"reference\":\"self\"}}}}]}",
			 cases[i].name);
		assert_int_equal(eval_full((const uint8_t *)json, strlen(json), report, 822, report,
					   822, &f.parsed, &f.parsed, true, NULL),
				 cases[i].r);
	}
	/* The SVN compares the info bytes (u64 LE), the others the digest. */
	snprintf(json, sizeof(json),
		 "{" ID ",\"policy\":[" PLAT ",{\"MigTD\":{\"TDINFO\":{},\"EventLog\":"
		 "{\"Digest.MigTdCoreSvn\":{\"operation\":\"equal\",\"reference\":13}}}}]}");
	assert_int_equal(eval_full((const uint8_t *)json, strlen(json), report, 822, report, 822,
				   &f.parsed, &f.parsed, true, NULL),
			 POLICY_OK);
	/* "EventLog": null is the same as no EventLog. */
	assert_int_equal(eval_str("{" ID ",\"policy\":[" PLAT ",{\"MigTD\":{\"TDINFO\":{},"
				  "\"EventLog\":null}}]}",
				  NULL, NULL, NULL),
			 POLICY_OK);
}

/* ------------------------------------------------------------------ parsing */

static int parse_str(const char *s, struct policy_parse_error *e)
{
	return migtd_policy_parse(&ws, (const uint8_t *)s, strlen(s), e);
}

static void test_parse_invalid(void **state)
{
	static const char *const bad[] = {
		"",
		"   ",
		"[]",
		"{\"policy\":[]}",
		"{" ID "}",
		"{" ID ",\"policy\":{}}",
		"{" ID ",\"policy\":[],}",
		"{" ID ",\"policy\":[1]}",
		"{" ID ",\"policy\":[{}]}",
		"{" ID " \"policy\":[]}",
		"{" ID ",\"policy\":[]} x",
		"{" ID ",\"policy\":[]}{}",
		"{" ID ",\"policy\":[]",
		"{" ID ",\"policy\":[tru]}",
		"{" ID ",\"id\":\"FF4A3955-7136-4F54-AAB2-50F724C3BF6A\",\"policy\":[]}",
		"{\"id\":\"FF4A3955-7136-4F54-AAB2-50F724C3BF6\",\"policy\":[]}",
		"{\"id\":\"FF4A3955+7136-4F54-AAB2-50F724C3BF6A\",\"policy\":[]}",
		"{\"id\":\"GF4A3955-7136-4F54-AAB2-50F724C3BF6A\",\"policy\":[]}",
		"{\"id\":\"\\u0046F4A3955-7136-4F54-AAB2-50F724C3BF6A\",\"policy\":[]}",
		"{\"id\":5,\"policy\":[]}",
		/* references */
		"{" ID
		",\"policy\":[{\"QE\":{\"QeIdentity\":{\"A\":{\"operation\":\"equal\",\"reference\":-1}}}}]}",
		"{" ID
		",\"policy\":[{\"QE\":{\"QeIdentity\":{\"A\":{\"operation\":\"equal\",\"reference\":1.0}}}}]}",
		"{" ID
		",\"policy\":[{\"QE\":{\"QeIdentity\":{\"A\":{\"operation\":\"equal\",\"reference\":1e3}}}}]}",
		"{" ID
		",\"policy\":[{\"QE\":{\"QeIdentity\":{\"A\":{\"operation\":\"equal\",\"reference\":18446744073709551616}}}}]}",
		"{" ID
		",\"policy\":[{\"QE\":{\"QeIdentity\":{\"A\":{\"operation\":\"equal\",\"reference\":true}}}}]}",
		"{" ID
		",\"policy\":[{\"QE\":{\"QeIdentity\":{\"A\":{\"operation\":\"equal\",\"reference\":null}}}}]}",
		"{" ID
		",\"policy\":[{\"QE\":{\"QeIdentity\":{\"A\":{\"operation\":\"equal\",\"reference\":{}}}}}]}",
		"{" ID
		",\"policy\":[{\"QE\":{\"QeIdentity\":{\"A\":{\"operation\":\"equal\",\"reference\":[256]}}}}]}",
		"{" ID
		",\"policy\":[{\"QE\":{\"QeIdentity\":{\"A\":{\"operation\":\"equal\",\"reference\":[\"1\"]}}}}]}",
		"{" ID
		",\"policy\":[{\"QE\":{\"QeIdentity\":{\"A\":{\"operation\":\"equal\",\"reference\":[1,]}}}}]}",
		"{" ID
		",\"policy\":[{\"QE\":{\"QeIdentity\":{\"A\":{\"operation\":\"equals\",\"reference\":1}}}}]}",
		"{" ID
		",\"policy\":[{\"QE\":{\"QeIdentity\":{\"A\":{\"operation\":\"equ\\u0061l\",\"reference\":1}}}}]}",
		"{" ID ",\"policy\":[{\"QE\":{\"QeIdentity\":{\"A\":{\"operation\":\"equal\"}}}}]}",
		"{" ID ",\"policy\":[{\"QE\":{\"QeIdentity\":{\"A\":{\"reference\":1}}}}]}",
		"{" ID
		",\"policy\":[{\"QE\":{\"QeIdentity\":{\"A\":{\"operation\":\"equal\",\"reference\":1,\"reference\":2}}}}]}",
		"{" ID ",\"policy\":[{\"QE\":{\"QeIdentity\":{\"A\":5}}}]}",
		"{" ID ",\"policy\":[{\"QE\":{\"QeIdentity\":[]}}]}",
		"{" ID ",\"policy\":[{\"QE\":{}}]}",
		"{" ID ",\"policy\":[{\"MigTD\":{\"EventLog\":{}}}]}",
		"{" ID ",\"policy\":[{\"MigTD\":{\"TDINFO\":{},\"EventLog\":5}}]}",
		"{" ID ",\"policy\":[{\"fmspc\":5,\"Platform\":{\"TcbInfo\":{}}}]}",
		"{" ID
		",\"policy\":[{\"fmspc\":\"a\",\"fmspc\":\"b\",\"Platform\":{\"TcbInfo\":{}}}]}",
		"{" ID
		",\"policy\":[{\"QE\":{\"QeIdentity\":{\"A\":{\"operation\":\"equal\",\"reference\":\"\\ud800\"}}}}]}",
		"{" ID
		",\"policy\":[{\"QE\":{\"QeIdentity\":{\"A\":{\"operation\":\"equal\",\"reference\":\"a\tb\"}}}}]}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct policy_parse_error e;

		if (parse_str(bad[i], &e) != MIGTD_ERR_INVALID_POLICY)
			fail_msg("accepted: %s", bad[i]);
		assert_true(e.msg[0] != '\0');
		assert_true(e.line >= 1 && e.column >= 1);
		assert_true(e.offset <= strlen(bad[i]));
	}
	/* Invalid UTF-8 */
	{
		const uint8_t doc[] =
			"{\"id\":\"FF4A3955-7136-4F54-AAB2-50F724C3BF6A\",\"x\":\"\xC0\xAF\",\"policy\":[]}";
		struct policy_parse_error e;

		assert_int_equal(migtd_policy_parse(&ws, doc, sizeof(doc) - 1, &e),
				 MIGTD_ERR_INVALID_POLICY);
		assert_int_equal(e.offset, 50); /* the 0xC0 byte */
	}
}

static void test_parse_valid_forms(void **state)
{
	struct policy_parse_error e;
	static const uint8_t padded[] = "\0\0{\"id\":\"ff4a3955-7136-4f54-aab2-50f724c3bf6a\","
					"\"extra\":[1,{\"a\":null}],\"policy\":[]}\0\0\0";
	static const uint8_t want_guid[16] = { 0x55, 0x39, 0x4a, 0xff, 0x36, 0x71, 0x54, 0x4f,
					       0xaa, 0xb2, 0x50, 0xf7, 0x24, 0xc3, 0xbf, 0x6a };

	(void)state;
	/* NUL padding on both sides, lowercase GUID, unknown top-level keys. */
	assert_int_equal(migtd_policy_parse(&ws, padded, sizeof(padded) - 1, &e), MIGTD_OK);
	assert_memory_equal(ws.policy.guid, want_guid, 16);
	assert_int_equal(ws.policy.nblocks, 0);
	/* Shapes are tried in order: Platform, QE, TDXModule, MigTD; extra keys ignored. */
	assert_int_equal(
		parse_str("{" ID ",\"policy\":[{\"QE\":{\"QeIdentity\":{}},\"TDXModule\":"
			  "{\"TDXModule_Identity\":{}}},{\"fmspc\":5,\"TDXModule\":"
			  "{\"TDXModule_Identity\":{}}},{\"MigTD\":{\"TDINFO\":{},\"x\":1},"
			  "\"y\":2}]}",
			  &e),
		MIGTD_OK);
	assert_int_equal(ws.policy.nblocks, 3);
	assert_int_equal(ws.policy.blocks[0].kind, POLICY_BLOCK_QE);
	assert_int_equal(ws.policy.blocks[1].kind, POLICY_BLOCK_TDX_MODULE);
	assert_int_equal(ws.policy.blocks[2].kind, POLICY_BLOCK_MIGTD);
	assert_int_equal(ws.policy.blocks[2].index, 2);
	/* Properties are stored sorted by name; extra keys in a property are ignored. */
	assert_int_equal(parse_str("{" ID ",\"policy\":[{\"QE\":{\"QeIdentity\":{"
				   "\"b\":{\"operation\":\"subset\",\"reference\":[],\"note\":1},"
				   "\"a\":{\"operation\":\"in-range\",\"reference\":\"1..2\"},"
				   "\"B\":{\"operation\":\"equal\",\"reference\":\"x\\\"y\"}}}}]}",
				   &e),
			 MIGTD_OK);
	assert_int_equal(ws.policy.nprops, 3);
	assert_memory_equal(ws.policy.props[0].name.p, "B", 1);
	assert_int_equal(ws.policy.props[0].ref, POLICY_REF_STRING);
	assert_int_equal(ws.policy.props[0].data.len, 3);
	assert_memory_equal(ws.policy.props[0].data.p, "x\"y", 3);
	assert_memory_equal(ws.policy.props[1].name.p, "a", 1);
	assert_int_equal(ws.policy.props[1].ref, POLICY_REF_RANGE);
	assert_int_equal(ws.policy.props[1].a, 1);
	assert_int_equal(ws.policy.props[1].b, 2);
	assert_int_equal(ws.policy.props[2].op, POLICY_OP_SUBSET);
	assert_int_equal(ws.policy.props[2].ref, POLICY_REF_ARRAY);
	assert_int_equal(ws.policy.props[2].data.len, 0);
}

static void test_legacy_refused(void **state)
{
	size_t len;
	uint8_t *doc = tu_read_vector("upstream/src/policy/fuzz/seeds/policy/fuzz.json", &len);
	struct policy_parse_error e;
	struct policy_explain ex;
	char text[1024];

	(void)state;
	assert_int_equal(migtd_policy_parse(&ws, doc, len, &e), MIGTD_ERR_INVALID_POLICY);
	assert_true(e.legacy);
	assert_non_null(strstr(e.msg, "legacy"));
	assert_int_equal(eval_full(doc, len, report, 822, report, 822, NULL, NULL, true, &ex),
			 POLICY_INVALID_POLICY);
	migtd_policy_explain_render(&ex, text, sizeof(text));
	assert_non_null(strstr(text, "legacy 2023"));
	free(doc);
}

/* Every truncation of a real policy: never crashes, positions are in range. */
static void test_truncations(void **state)
{
	static const char *const files[] = { T "policy_full1.json", C "policy.json" };

	(void)state;
	for (size_t f = 0; f < 2; f++) {
		size_t len, end;
		uint8_t *doc = tu_read_vector(files[f], &len);

		end = len;
		while (end > 0 &&
		       (doc[end - 1] == '\n' || doc[end - 1] == ' ' || doc[end - 1] == '\r'))
			end--;
		for (size_t n = 0; n <= len; n++) {
			struct policy_parse_error e;
			int rc = migtd_policy_parse(&ws, doc, n, &e);

			if (n >= end) {
				assert_int_equal(rc, MIGTD_OK);
			} else {
				if (rc != MIGTD_ERR_INVALID_POLICY)
					fail_msg("%s cut at %zu accepted", files[f], n);
				assert_true(e.offset <= n);
				assert_true(e.line >= 1);
			}
		}
		free(doc);
	}
}

static void test_error_positions(void **state)
{
	struct policy_parse_error e;
	const char *doc =
		"{\n  \"id\": \"FF4A3955-7136-4F54-AAB2-50F724C3BF6A\",\n  \"policy\": [\n"
		"    {\"MigTD\": {\"TDINFO\": {\"MRTD\": {\"operation\": \"equal\",\n"
		"       \"reference\": 1.5}}}}\n  ]\n}\n";
	size_t len;
	uint8_t *d5;

	(void)state;
	assert_int_equal(parse_str(doc, &e), MIGTD_ERR_INVALID_POLICY);
	assert_int_equal(e.line, 5);
	assert_int_equal(e.column, 21);
	assert_string_equal(e.path, "policy[0].MigTD.TDINFO.MRTD.reference");
	assert_int_equal(e.offset, (size_t)(strstr(doc, "1.5") - doc));
	/* policy_005: the trailing comma before ']' near the end. */
	d5 = tu_read_vector(T "policy_005.json", &len);
	assert_int_equal(migtd_policy_parse(&ws, d5, len, &e), MIGTD_ERR_INVALID_POLICY);
	assert_non_null(strstr(e.msg, "trailing comma"));
	assert_int_equal(d5[e.offset], ',');
	assert_true(e.offset > len - 20);
	free(d5);
}

static void test_caps(void **state)
{
	/* One reference array with more elements than tokens allowed. */
	size_t n = 3 * POLICY_MAX_TOKENS + 200, o = 0;
	char *doc = malloc(n);
	struct policy_parse_error e;

	(void)state;
	assert_non_null(doc);
	o += (size_t)snprintf(doc, n,
			      "{" ID ",\"policy\":[{\"QE\":{\"QeIdentity\":{\"A\":{"
			      "\"operation\":\"equal\",\"reference\":[");
	for (unsigned i = 0; i < POLICY_MAX_TOKENS; i++)
		o += (size_t)snprintf(doc + o, n - o, i ? ",0" : "0");
	o += (size_t)snprintf(doc + o, n - o, "]}}}}]}");
	assert_int_equal(migtd_policy_parse(&ws, (uint8_t *)doc, o, &e), MIGTD_ERR_INVALID_POLICY);
	assert_non_null(strstr(e.msg, "tokens"));
	/* Deep nesting is refused before recursion goes too far. */
	o = (size_t)snprintf(doc, n, "{" ID ",\"policy\":[],\"x\":");
	for (unsigned i = 0; i < 200; i++)
		doc[o++] = '[';
	for (unsigned i = 0; i < 200; i++)
		doc[o++] = ']';
	doc[o++] = '}';
	assert_int_equal(migtd_policy_parse(&ws, (uint8_t *)doc, o, &e), MIGTD_ERR_INVALID_POLICY);
	assert_non_null(strstr(e.msg, "nesting"));
	/* More blocks than POLICY_MAX_BLOCKS. */
	o = (size_t)snprintf(doc, n, "{" ID ",\"policy\":[");
	for (unsigned i = 0; i <= POLICY_MAX_BLOCKS; i++)
		o += (size_t)snprintf(doc + o, n - o, "%s{\"QE\":{\"QeIdentity\":{}}}",
				      i ? "," : "");
	o += (size_t)snprintf(doc + o, n - o, "]}");
	assert_int_equal(migtd_policy_parse(&ws, (uint8_t *)doc, o, &e), MIGTD_ERR_INVALID_POLICY);
	assert_non_null(strstr(e.msg, "blocks"));
	free(doc);
}

/* ------------------------------------------------------------------ explanations */

static void test_explain(void **state)
{
	uint8_t peer[MIGTD_VERIFIED_REPORT_SIZE];
	struct policy_explain ex;
	char text[2048];
	size_t len;
	uint8_t *doc;

	(void)state;
	memcpy(peer, report, sizeof(peer));
	memset(peer + 136, 0xAB, 48);
	doc = tu_read_vector(T "policy_full1.json", &len);
	assert_int_equal(eval_full(doc, len, report, 822, peer, 822, NULL, NULL, true, &ex),
			 POLICY_UNQUALIFIED_MIGTD_INFO);
	assert_true(ex.has_block && ex.has_property && ex.has_values);
	assert_int_equal(ex.kind, POLICY_BLOCK_MIGTD);
	assert_int_equal(ex.block_index, 4);
	assert_string_equal(ex.section, "TDINFO");
	assert_string_equal(ex.property, "MRTD");
	assert_string_equal(ex.op, "equal");
	assert_string_equal(ex.reference, "\"self\"");
	assert_int_equal(strlen(ex.peer_hex), 96);
	assert_memory_equal(ex.peer_hex, "ABABAB", 6);
	assert_memory_equal(ex.local_hex, "C5A2A2FE", 8);
	migtd_policy_explain_render(&ex, text, sizeof(text));
	assert_non_null(strstr(text, "policy[4] (MigTD)"));
	assert_non_null(strstr(text, "TDINFO.MRTD"));
	assert_non_null(strstr(text, "ABABABAB"));
	/* Rendering into a small buffer is bounded and still terminated. */
	assert_true(migtd_policy_explain_render(&ex, text, 10) > 10);
	assert_int_equal(strlen(text), 9);
	free(doc);

	/* PlatformNotFound names the peer FMSPC. */
	doc = tu_read_vector(C "policy_production_fmspc.json", &len);
	assert_int_equal(eval_full(doc, len, report, 822, report, 822, NULL, NULL, true, &ex),
			 POLICY_PLATFORM_NOT_FOUND);
	assert_non_null(strstr(ex.detail, "30806F000000"));
	assert_non_null(strstr(ex.detail, "13 platform"));
	free(doc);

	/* TDX module: the failure of the last alternative is explained. */
	memcpy(peer, report, sizeof(peer));
	peer[624] = 0;
	doc = tu_read_vector(T "policy_full1.json", &len);
	assert_int_equal(eval_full(doc, len, report, 822, peer, 822, NULL, NULL, true, &ex),
			 POLICY_UNQUALIFIED_TDX_MODULE_INFO);
	assert_string_equal(ex.property, "TDXModuleMajorVersion");
	assert_string_equal(ex.peer_hex, "00");
	assert_non_null(strstr(ex.detail, "none of the 2"));
	free(doc);
	/* An Ok after a failing TDX alternative leaves no explanation behind. */
	peer[624] = 2;
	doc = tu_read_vector(T "policy_full1.json", &len);
	assert_int_equal(eval_full(doc, len, report, 822, peer, 822, NULL, NULL, true, &ex),
			 POLICY_OK);
	assert_false(ex.has_property);
	free(doc);
}

/* The upstream production policy: 13 FMSPC blocks + QE + 2 TDX modules + MigTD. */
static void test_production_policy_shape(void **state)
{
	size_t len;
	uint8_t *doc = tu_read_vector(C "policy_production_fmspc.json", &len);
	struct policy_parse_error e;

	(void)state;
	assert_int_equal(migtd_policy_parse(&ws, doc, len, &e), MIGTD_OK);
	assert_int_equal(migtd_policy_count_blocks(&ws.policy, POLICY_BLOCK_PLATFORM), 13);
	assert_int_equal(migtd_policy_count_blocks(&ws.policy, POLICY_BLOCK_QE), 1);
	assert_int_equal(migtd_policy_count_blocks(&ws.policy, POLICY_BLOCK_TDX_MODULE), 2);
	assert_int_equal(migtd_policy_count_blocks(&ws.policy, POLICY_BLOCK_MIGTD), 1);
	free(doc);
}

/* This repository's config/policy.json (see config/policy.md for what it admits). */
static void test_repo_default_policy(void **state)
{
	char path[4096];
	size_t len;
	uint8_t *doc, local[MIGTD_VERIFIED_REPORT_SIZE], peer[MIGTD_VERIFIED_REPORT_SIZE];
	struct full_log a, b;

	(void)state;
	assert_non_null(realpath("config/policy.json", path));
	doc = tu_read_vector(path, &len);
	build_full_log(&a, 13);
	build_full_log(&b, 13);
	/* Same image and platform: admitted in both roles; without event logs: refused. */
	for (int src = 0; src <= 1; src++) {
		assert_int_equal(eval_full(doc, len, report, 822, report, 822, &a.parsed, &a.parsed,
					   src, NULL),
				 POLICY_OK);
		assert_int_equal(eval_full(doc, len, report, 822, report, 822, NULL, NULL, src,
					   NULL),
				 POLICY_UNQUALIFIED_MIGTD_INFO);
	}
	/* Another platform model. */
	memcpy(local, report, sizeof(local));
	memcpy(peer, report, sizeof(peer));
	peer[586] = 0x70;
	assert_int_equal(eval_full(doc, len, local, 822, peer, 822, &a.parsed, &a.parsed, true,
				   NULL),
			 POLICY_PLATFORM_NOT_MATCH);
	/* Newer destination TCB is fine, older is not (both sides agree). */
	memcpy(peer, report, sizeof(peer));
	peer[625] = 1; /* peer TDX module SVN 1 > 0 */
	assert_int_equal(eval_full(doc, len, local, 822, peer, 822, &a.parsed, &a.parsed, true,
				   NULL),
			 POLICY_OK);
	assert_int_equal(eval_full(doc, len, peer, 822, local, 822, &a.parsed, &a.parsed, false,
				   NULL),
			 POLICY_OK);
	assert_int_equal(eval_full(doc, len, local, 822, peer, 822, &a.parsed, &a.parsed, false,
				   NULL),
			 POLICY_UNQUALIFIED_TDX_MODULE_INFO);
	memcpy(peer, report, sizeof(peer));
	peer[606] = 10; /* peer PCE SVN 10 < 11 */
	assert_int_equal(eval_full(doc, len, local, 822, peer, 822, &a.parsed, &a.parsed, true,
				   NULL),
			 POLICY_UNQUALIFIED_PLATFORM_INFO);
	memcpy(peer, report, sizeof(peer));
	peer[732] = 1; /* QE ISVSVN */
	assert_int_equal(eval_full(doc, len, local, 822, peer, 822, &a.parsed, &a.parsed, false,
				   NULL),
			 POLICY_UNQUALIFIED_QE_INFO);
	/* A different MigTD image or enrolled policy. */
	memcpy(peer, report, sizeof(peer));
	peer[424] ^= 1;
	assert_int_equal(eval_full(doc, len, local, 822, peer, 822, &a.parsed, &a.parsed, true,
				   NULL),
			 POLICY_UNQUALIFIED_MIGTD_INFO);
	b.parsed.value[EVENTLOG_SEL_MIGTD_SGX_ROOT_KEY] = b.parsed.value[EVENTLOG_SEL_MIGTD_POLICY];
	assert_int_equal(eval_full(doc, len, report, 822, report, 822, &a.parsed, &b.parsed, true,
				   NULL),
			 POLICY_UNQUALIFIED_MIGTD_INFO);
	free(doc);
}

/* Strict mode (tools) refuses what upstream ignores or can never satisfy;
 * the lenient parser (MigTD) accepts it and migtd_policy_lint reports it. */
static void test_strict_unknown(void **state)
{
	static const char *const refused[][2] = {
		/* document, where the error must point */
		{ "{" ID ",\"policy\":[],\"extra\":1}", "extra" },
		{ "{" ID ",\"policy\":[{\"MigTD\":{\"TDINFO\":{},\"Eventlog\":{}}}]}",
		  "policy[0].MigTD.Eventlog" },
		{ "{" ID ",\"policy\":[{\"QE\":{\"QeIdentity\":{\"MRSINGER\":{\"operation\":"
		  "\"equal\",\"reference\":\"self\"}}}}]}",
		  "policy[0].QE.QeIdentity" },
		{ "{" ID ",\"policy\":[{\"QE\":{\"QeIdentity\":{\"MRSIGNER\":{\"operation\":"
		  "\"equal\",\"reference\":\"self\",\"note\":1}}}}]}",
		  "policy[0].QE.QeIdentity.MRSIGNER.note" },
		{ "{" ID ",\"policy\":[{\"MigTD\":{\"TDINFO\":{},\"EventLog\":{\"Digest.Nope\":"
		  "{\"operation\":\"equal\",\"reference\":\"self\"}}}}]}",
		  "policy[0].MigTD.EventLog" },
		{ "{" ID ",\"policy\":[{\"fmspc\":\"self\",\"Platform\":{\"TcbInfo\":{},"
		  "\"TcbInfo2\":{}}}]}",
		  "policy[0].Platform.TcbInfo2" },
	};
	static const char ok[] =
		"{" ID ",\"policy\":[{\"MigTD\":{\"TDINFO\":{\"MRTD\":{\"operation\":\"equal\","
		"\"reference\":\"self\"}},\"EventLog\":{\"Digest.MigTdPolicy\":{\"operation\":"
		"\"equal\",\"reference\":\"self\"}}}},{\"fmspc\":\"self\",\"Platform\":{\"TcbInfo\":"
		"{\"pcesvn\":{\"operation\":\"greater-or-equal\",\"reference\":\"self\"}}}}]}";
	struct policy_parse_error e;
	bool unknown;

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		const uint8_t *d = (const uint8_t *)refused[i][0];
		size_t n = strlen(refused[i][0]);

		assert_int_equal(migtd_policy_parse(&ws, d, n, &e), MIGTD_OK);
		assert_int_equal(migtd_policy_parse_strict(&ws, d, n, &e),
				 MIGTD_ERR_INVALID_POLICY);
		assert_string_equal(e.path, refused[i][1]);
		assert_true(strstr(e.msg, "unknown") != NULL);
		/* lint: valid (the MigTD keeps upstream's behaviour) but flagged,
		 * and the workspace holds the lenient parse. */
		assert_int_equal(migtd_policy_lint(&ws, d, n, &e, &unknown), MIGTD_OK);
		assert_true(unknown);
		assert_string_equal(e.path, refused[i][1]);
		assert_true(ws.policy.doc != NULL);
	}
	assert_int_equal(migtd_policy_parse_strict(&ws, (const uint8_t *)ok, strlen(ok), &e),
			 MIGTD_OK);
	assert_int_equal(ws.policy.nblocks, 2);
	assert_int_equal(migtd_policy_lint(&ws, (const uint8_t *)ok, strlen(ok), &e, &unknown),
			 MIGTD_OK);
	assert_false(unknown);
	/* A document invalid for upstream is invalid for lint too, unflagged. */
	assert_int_equal(migtd_policy_lint(&ws, (const uint8_t *)"{", 1, &e, &unknown),
			 MIGTD_ERR_INVALID_POLICY);
	assert_false(unknown);
	assert_true(migtd_policy_property_known(POLICY_BLOCK_QE, false, (const uint8_t *)"MRSIGNER",
						8));
	assert_false(migtd_policy_property_known(POLICY_BLOCK_QE, false,
						 (const uint8_t *)"MRSINGER", 8));
	assert_false(migtd_policy_property_known(POLICY_BLOCK_QE, false,
						 (const uint8_t *)"MRENCLAVE", 9));
	assert_false(migtd_policy_property_known(POLICY_BLOCK_QE, true,
						 (const uint8_t *)"Digest.MigTdPolicy", 18));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_table),
		cmocka_unit_test(test_policy_digest_differs),
		cmocka_unit_test(test_svn_rules),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_report_lengths),
		cmocka_unit_test(test_status_mapping),
		cmocka_unit_test(test_semantics),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_eventlog_names),
		cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_parse_valid_forms),
		cmocka_unit_test(test_legacy_refused),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_error_positions),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_production_policy_shape),
		cmocka_unit_test(test_repo_default_policy),
		cmocka_unit_test(test_strict_unknown),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
