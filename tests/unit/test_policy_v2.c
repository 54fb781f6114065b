/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * Unit tests for the policy v2 core (docs/policy-v2.md): every v2 vector of
 * vectors/upstream/README.md §2/§3 with its stated outcome, the signature
 * over the raw policyData bytes (tampering per byte class, re-serialised
 * JSON), the caps, the pre-session blob, the owner checks, and the
 * property rules of docs/protocol.md §7.7.8 against report.dat.
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
#include "migtd/fmt.h"
#include "migtd/policy_v2.h"
#include "migtd/presession.h"
#include "migtd/quote.h"
#include "policy_v2_internal.h"
#include "support/testutil.h"

#define V2 "upstream/src/policy/test/policy_v2/"
#define TPL "upstream/config/templates/"

static struct migtd_policy_v2 pol, pol2;
static struct migtd_pv2_explain ex;

static void hex_eq(const uint8_t *b, size_t n, const char *hex)
{
	uint8_t want[64];

	assert_int_equal(tu_unhex(hex, want, sizeof(want)), n);
	assert_memory_equal(b, want, n);
}

static enum migtd_pv2_result load_files(struct migtd_policy_v2 *p, const char *doc_path,
					const char *chain_path, uint8_t **doc, uint8_t **chain)
{
	size_t dl, cl;

	*doc = tu_read_vector(doc_path, &dl);
	*chain = tu_read_vector(chain_path, &cl);
	return migtd_policy_v2_load(p, *doc, dl, *chain, cl, &ex);
}

/* ------------------------------------------------------------------ vectors */

static void test_upstream_test_policy(void **state)
{
	uint8_t *doc, *chain, *data, mo[48], moc[48];
	size_t data_len;

	(void)state;
	assert_int_equal(load_files(&pol, V2 "policy_v2.json",
				    V2 "cert_chain/policy_issuer_chain.pem", &doc, &chain),
			 MIGTD_PV2_OK);
	hex_eq(pol.doc_sha384, 48,
	       "55f4d9e055399d50cd2fbc02d80d88cbedf633813c576a7d4ac8b08bfa69e615e76aba7341c2e9943d90dc990707a577");
	assert_int_equal(pol.policy_svn, 1);
	assert_int_equal(pol.nplatforms, 26);
	assert_int_equal(pol.pck_crl_num, 1);
	assert_int_equal(pol.root_ca_crl_num, 1);
	assert_int_equal(pol.nlevels, 1);
	assert_int_equal(pol.levels[0].isvsvn, 1);
	assert_string_equal(pol.levels[0].tcb_date, "2024-01-01T00:00:00Z");
	assert_int_equal(pol.policy_chain.ncerts, 3);
	/* this chain's intermediate has no BasicConstraints: as a PEER chain it
	 * fails the compatibility check (docs/policy-v2.md) */
	assert_false(pol.policy_chain.issuers_are_ca);
	assert_int_equal(pol.id.len, 36);
	assert_memory_equal(doc + pol.id.off, "E6643BDC-E50A-4315-9EF7-F217CE8AF9A6", 36);
	/* The raw policyData is byte-identical to policy_data.json. */
	data = tu_read_vector(V2 "policy_data.json", &data_len);
	while (data_len && (data[data_len - 1] == '\n' || data[data_len - 1] == '\r'))
		data_len--;
	assert_int_equal(pol.policy_data.len, data_len);
	assert_int_equal(data_len, 134367);
	assert_memory_equal(doc + pol.policy_data.off, data, data_len);
	migtd_policy_v2_owner(&pol, mo, moc);
	hex_eq(mo, 48,
	       "1eb9ef4565ce85bfac654035836218fa0c0e5f5ede13484e9f2fd03d065ed5ba91cae4ee808b5130873169d95fed9613");
	hex_eq(moc, 48,
	       "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	       "0000");
	assert_int_equal(migtd_policy_v2_check_owner(&pol, mo, moc, &ex), MIGTD_PV2_OK);
	moc[0] = 2;
	assert_int_equal(migtd_policy_v2_check_owner(&pol, mo, moc, &ex),
			 MIGTD_PV2_INVALID_TD_REPORT);
	moc[0] = 1;
	mo[47] ^= 1;
	assert_int_equal(migtd_policy_v2_check_owner(&pol, mo, moc, &ex),
			 MIGTD_PV2_INVALID_TD_REPORT);
	free(data);
	free(doc);
	free(chain);
}

static void test_template_policy(void **state)
{
	uint8_t *doc, *chain, *data, mo[48], moc[48];
	size_t data_len;

	(void)state;
	assert_int_equal(load_files(&pol, TPL "policy_v2_signed.json",
				    TPL "policy_issuer_chain.pem", &doc, &chain),
			 MIGTD_PV2_OK);
	migtd_policy_v2_owner(&pol, mo, moc);
	hex_eq(mo, 48,
	       "bcdc571fdc9720a5660f42e0030a56cfdf4c336879851a6d9d5c7ce276b33ca74415d0f25fa0d478af4d34306f343110");
	data = tu_read_vector(TPL "policy_v2.json", &data_len);
	while (data_len && (data[data_len - 1] == '\n' || data[data_len - 1] == '\r'))
		data_len--;
	assert_int_equal(pol.policy_data.len, data_len);
	assert_memory_equal(doc + pol.policy_data.off, data, data_len);
	assert_true(pol.policy_chain.issuers_are_ca);
	assert_true(pol.identity_chain.issuers_are_ca);
	/* the template mapping pins mrtd/rtmr0/rtmr1 only */
	assert_int_equal(pol.nmappings, 1);
	assert_false(pol.mappings[0].has_rtmr[2]);
	assert_false(pol.mappings[0].has_rtmr[3]);
	free(data);
	free(doc);
	free(chain);
}

/* A policy checked with another issuer's chain: refused. */
static void test_other_issuer(void **state)
{
	uint8_t *doc, *chain;

	(void)state;
	assert_int_equal(load_files(&pol, V2 "policy_v2.json", TPL "policy_issuer_chain.pem", &doc,
				    &chain),
			 MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED);
	assert_int_equal(migtd_pv2_result_err(MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED),
			 MIGTD_ERR_POLICY);
	free(doc);
	free(chain);
	assert_int_equal(load_files(&pol, TPL "policy_v2_signed.json",
				    V2 "cert_chain/policy_issuer_chain.pem", &doc, &chain),
			 MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED);
	free(doc);
	free(chain);
}

/* The unsigned policyData alone, and the Azure raw inputs: not a signed policy. */
static void test_unsigned_inputs(void **state)
{
	static const char *const files[] = {
		V2 "policy_data.json",
		"upstream/config/Azure/policy_data_raw.json",
		"upstream/config/Azure/policy_allow_all_data_raw.json",
		"upstream/config/AzCVMEmu/policy_v2_raw.json",
	};
	size_t cl;
	uint8_t *chain = tu_read_vector(V2 "cert_chain/policy_issuer_chain.pem", &cl);

	(void)state;
	for (unsigned k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
		size_t dl;
		uint8_t *doc = tu_read_vector(files[k], &dl);

		assert_int_equal(migtd_policy_v2_load(&pol, doc, dl, chain, cl, &ex),
				 MIGTD_PV2_INVALID_POLICY);
		assert_int_equal(migtd_pv2_result_err(MIGTD_PV2_INVALID_POLICY),
				 MIGTD_ERR_INVALID_POLICY);
		free(doc);
	}
	free(chain);
}

/* The servtd documents of README §2/§3 on their own: every signature verifies. */
static void test_servtd_documents(void **state)
{
	size_t cl, cl2, n, un;
	uint8_t *chain = tu_read_vector(TPL "policy_issuer_chain.pem", &cl);
	uint8_t *chain2 = tu_read_vector(V2 "cert_chain/policy_issuer_chain.pem", &cl2);
	uint8_t *d, *u;

	(void)state;
	d = tu_read_vector(V2 "servtd_collateral.json", &n);
	assert_int_equal(migtd_policy_v2_verify_servtd(0, d, n, NULL, 0, &ex), MIGTD_PV2_OK);
	free(d);
	d = tu_read_vector(TPL "servtd_collateral.json", &n);
	assert_int_equal(migtd_policy_v2_verify_servtd(0, d, n, NULL, 0, &ex), MIGTD_PV2_OK);
	free(d);
	d = tu_read_vector(TPL "td_identity_signed.json", &n);
	assert_int_equal(migtd_policy_v2_verify_servtd(1, d, n, chain, cl, &ex), MIGTD_PV2_OK);
	assert_int_equal(migtd_policy_v2_verify_servtd(1, d, n, chain2, cl2, &ex),
			 MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED);
	assert_int_equal(migtd_policy_v2_verify_servtd(2, d, n, chain, cl, &ex),
			 MIGTD_PV2_INVALID_POLICY);
	/* the unsigned document is the signed raw bytes */
	u = tu_read_vector(TPL "td_identity.json", &un);
	while (un && (u[un - 1] == '\n' || u[un - 1] == '\r'))
		un--;
	assert_true(n > 14 + un);
	assert_memory_equal(d + 14, u, un);
	assert_int_equal(migtd_policy_v2_verify_servtd(1, u, un, chain, cl, &ex),
			 MIGTD_PV2_INVALID_POLICY);
	free(u);
	free(d);
	d = tu_read_vector(TPL "tcb_mapping_signed.json", &n);
	assert_int_equal(migtd_policy_v2_verify_servtd(2, d, n, chain, cl, &ex), MIGTD_PV2_OK);
	u = tu_read_vector(TPL "tcb_mapping.json", &un);
	while (un && (u[un - 1] == '\n' || u[un - 1] == '\r'))
		un--;
	assert_memory_equal(d + 16, u, un);
	d[16 + un / 2] ^= 1; /* a byte of the signed mapping */
	assert_int_not_equal(migtd_policy_v2_verify_servtd(2, d, n, chain, cl, &ex), MIGTD_PV2_OK);
	free(u);
	free(d);
	free(chain);
	free(chain2);
}

/* ------------------------------------------------------------------ tampering */

static enum migtd_pv2_result load_mut(const uint8_t *doc, size_t len, const uint8_t *chain,
				      size_t cl)
{
	return migtd_policy_v2_load(&pol2, doc, len, chain, cl, &ex);
}

static size_t find(const uint8_t *hay, size_t n, const char *needle, size_t from)
{
	size_t m = strlen(needle);

	for (size_t i = from; i + m <= n; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return i;
	fail_msg("'%s' not found", needle);
	return 0;
}

static void test_tamper(void **state)
{
	size_t dl, cl, sig, pos;
	uint8_t *doc = tu_read_vector(TPL "policy_v2_signed.json", &dl);
	uint8_t *chain = tu_read_vector(TPL "policy_issuer_chain.pem", &cl);
	uint8_t *m = malloc(dl + 8);

	(void)state;
	assert_non_null(m);
	assert_int_equal(load_mut(doc, dl, chain, cl), MIGTD_PV2_OK);
	sig = find(doc, dl, "\"signature\":\"", pol2.policy_data.off + pol2.policy_data.len) + 13;

	/* a digit inside policyData (policySvn 1 -> 2): still valid JSON, bad signature */
	memcpy(m, doc, dl);
	pos = find(m, dl, "\"policySvn\":1", 0) + 12;
	m[pos] = '2';
	assert_int_equal(load_mut(m, dl, chain, cl), MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED);
	/* a letter inside a string of policyData (a PEM base64 character) */
	memcpy(m, doc, dl);
	pos = find(m, dl, "MIIC", pol2.policy_data.off) + 3;
	m[pos] = 'D';
	assert_int_equal(load_mut(m, dl, chain, cl), MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED);
	/* a hex digit of the signature's r */
	memcpy(m, doc, dl);
	m[sig + 20] = m[sig + 20] == '0' ? '1' : '0';
	assert_int_equal(load_mut(m, dl, chain, cl), MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED);
	/* the DER length byte of the signature */
	memcpy(m, doc, dl);
	m[sig + 3] = m[sig + 3] == '0' ? '1' : '0';
	assert_int_equal(load_mut(m, dl, chain, cl), MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED);
	/* a non-hex character in the signature */
	memcpy(m, doc, dl);
	m[sig + 10] = 'G';
	assert_int_equal(load_mut(m, dl, chain, cl), MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED);
	/* lowercase hex of the same signature: the parser accepts either case */
	memcpy(m, doc, dl);
	for (size_t k = sig; m[k] != '"'; k++)
		if (m[k] >= 'A' && m[k] <= 'F')
			m[k] = (uint8_t)(m[k] - 'A' + 'a');
	assert_int_equal(load_mut(m, dl, chain, cl), MIGTD_PV2_OK);
	/* whitespace outside policyData changes nothing signed */
	memcpy(m, doc, pol2.policy_data.off);
	m[pol2.policy_data.off] = ' ';
	memcpy(m + pol2.policy_data.off + 1, doc + pol2.policy_data.off, dl - pol2.policy_data.off);
	assert_int_equal(load_mut(m, dl + 1, chain, cl), MIGTD_PV2_OK);
	/* re-serialised policyData (one space after a colon): the raw bytes differ */
	pos = find(doc, dl, "\"version\":", 0) + 10;
	memcpy(m, doc, pos);
	m[pos] = ' ';
	memcpy(m + pos + 1, doc + pos, dl - pos);
	assert_int_equal(load_mut(m, dl + 1, chain, cl), MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED);
	/* upstream's order: the signature over the raw bytes comes before the schema
	 * and the version check, so a broken schema or version under a bad signature
	 * is SignatureVerificationFailed */
	memcpy(m, doc, dl);
	pos = find(m, dl, "\"version\":\"2.0\"", 0) + 13;
	m[pos] = '1';
	assert_int_equal(load_mut(m, dl, chain, cl), MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED);
	memcpy(m, doc, dl);
	pos = find(m, dl, "\"policySvn\":1", 0) + 12;
	m[pos] = '"';
	m[pos + 1] = '"';
	assert_int_equal(load_mut(m, dl, chain, cl), MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED);
	/* the servtdIdentity's signed tdIdentity bytes */
	memcpy(m, doc, dl);
	pos = find(m, dl, "\"isvProdId\":", 0) + 12;
	m[pos] = m[pos] == '1' ? '2' : '1';
	assert_int_equal(load_mut(m, dl, chain, cl), MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED);
	/* truncated anywhere: never Ok */
	for (size_t cut = 1; cut < dl; cut += dl / 37 + 1)
		assert_int_not_equal(load_mut(doc, cut, chain, cl), MIGTD_PV2_OK);
	/* a truncated chain */
	assert_int_equal(load_mut(doc, dl, chain, cl / 2), MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED);
	free(m);
	free(doc);
	free(chain);
}

/* ------------------------------------------------------------------ caps */

static void test_caps(void **state)
{
	size_t n = MIGTD_PV2_MAX_POLICY + 1, cl;
	uint8_t *big = calloc(1, n + 1),
		*chain = tu_read_vector(TPL "policy_issuer_chain.pem", &cl);
	char *p;

	(void)state;
	assert_non_null(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	assert_int_equal(migtd_policy_v2_load(&pol2, big, n, chain, cl, &ex),
			 MIGTD_PV2_INVALID_POLICY);
	assert_non_null(strstr(ex.detail, "MIGTD_PV2_MAX_POLICY"));
	/* too many tokens: an array of MIGTD_PV2_MAX_TOKENS numbers */
	p = (char *)big;
	p += sprintf(p, "{\"policyData\":{\"x\":[");
	for (unsigned k = 0; k < MIGTD_PV2_MAX_TOKENS; k++)
		p += sprintf(p, "%s1", k ? "," : "");
	p += sprintf(p, "]},\"signature\":\"00\"}");
	assert_int_equal(migtd_policy_v2_load(&pol2, big, (size_t)(p - (char *)big), chain, cl,
					      &ex),
			 MIGTD_PV2_INVALID_POLICY);
	assert_non_null(strstr(ex.detail, "MIGTD_PV2_MAX_TOKENS"));
	/* empty, not JSON, two objects */
	assert_int_equal(migtd_policy_v2_load(&pol2, (const uint8_t *)"", 0, chain, cl, &ex),
			 MIGTD_PV2_INVALID_POLICY);
	assert_int_equal(migtd_policy_v2_load(&pol2, (const uint8_t *)"{}{}", 4, chain, cl, &ex),
			 MIGTD_PV2_INVALID_POLICY);
	assert_int_equal(migtd_policy_v2_load(&pol2, (const uint8_t *)"[1]", 3, chain, cl, &ex),
			 MIGTD_PV2_INVALID_POLICY);
	free(big);
	free(chain);
}

/* ------------------------------------------------------------------ evaluation */

static uint8_t *report;   /* report.dat */
static char *made_doc[2]; /* the documents pol and pol2 point into */
static char *collaterals; /* collaterals.json text */

/* A policy document with these rules and a tdTcbMapping / tcbLevels of our
 * choosing, parsed without signatures (the rules are what is tested). */
static void make(struct migtd_policy_v2 *p, unsigned svn, const char *rules, const char *mapping,
		 const char *levels)
{
	size_t n = strlen(collaterals) + strlen(rules) + strlen(mapping) + strlen(levels) + 1024;
	char *doc = malloc(n);
	int len;

	assert_non_null(doc);
	len = snprintf(
		doc, n,
		"{\"policyData\":{\"id\":\"T\",\"version\":\"2.0\",\"policySvn\":%u,%s%s"
		"\"collaterals\":%s,\"servtdCollateral\":{\"majorVersion\":1,"
		"\"minorVersion\":0,\"servtdIdentityIssuerChain\":\"\","
		"\"servtdIdentity\":{\"tdIdentity\":{\"tcbLevels\":%s},\"signature\":\"\"},"
		"\"servtdTcbMappingIssuerChain\":\"\",\"servtdTcbMapping\":{\"tdTcbMapping\":%s,"
		"\"signature\":\"\"}}},\"signature\":\"\"}",
		svn, rules, rules[0] ? "," : "", collaterals, levels, mapping);
	assert_true(len > 0 && (size_t)len < n);
	assert_int_equal(migtd_pv2_parse(p, (const uint8_t *)doc, (size_t)len, &ex), MIGTD_PV2_OK);
	assert_int_equal(migtd_pv2_load_facts(p, &ex), MIGTD_PV2_OK);
	/* the policy points into doc: keep it until the policy is made again */
	free(made_doc[p == &pol2]);
	made_doc[p == &pol2] = doc;
}

static char own_mapping[1024];

static void setup_mapping(void)
{
	char mrtd[97], r0[97], r1[97];

	migtd_hex(mrtd, sizeof(mrtd), report + MIGTD_VR_MRTD, 48);
	migtd_hex(r0, sizeof(r0), report + MIGTD_VR_RTMR(0), 48);
	migtd_hex(r1, sizeof(r1), report + MIGTD_VR_RTMR(1), 48);
	snprintf(own_mapping, sizeof(own_mapping),
		 "{\"svnMappings\":[{\"tdMeasurements\":{\"mrtd\":\"%s\",\"rtmr0\":\"%s\","
		 "\"rtmr1\":\"%s\"},\"isvsvn\":3}]}",
		 mrtd, r0, r1);
}

#define LV_OK \
	"[{\"tcb\":{\"isvsvn\":1},\"tcbDate\":\"2024-01-01T00:00:00Z\",\"tcbStatus\":\"UpToDate\"}]"

static enum migtd_pv2_result ev(const char *rules, bool src)
{
	make(&pol, 1, rules, own_mapping, LV_OK);
	return migtd_policy_v2_evaluate(&pol, &pol, report, 5, report, src, &ex);
}

static char rule_buf[4096];

static const char *g(const char *section, const char *prop, const char *op, const char *ref)
{
	snprintf(
		rule_buf, sizeof(rule_buf),
		"\"policy\":[{\"global\":{\"%s\":{\"%s\":{\"operation\":\"%s\",\"reference\":%s}}}}]",
		section, prop, op, ref);
	return rule_buf;
}

static const char *s(const char *prop, const char *op, const char *ref)
{
	snprintf(rule_buf, sizeof(rule_buf),
		 "\"policy\":[{\"servtd\":{\"migtdIdentity\":{\"%s\":{\"operation\":\"%s\","
		 "\"reference\":%s}}}}]",
		 prop, op, ref);
	return rule_buf;
}

/* One rule evaluated with ev(rules, true): global.<section>.<prop>, or
 * servtd.migtdIdentity.<prop> when section is NULL. */
struct rule_case {
	const char *section, *prop, *op, *ref;
	enum migtd_pv2_result want;
};

static void ev_cases(const struct rule_case *c, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		const char *rules = c[k].section ? g(c[k].section, c[k].prop, c[k].op, c[k].ref)
						 : s(c[k].prop, c[k].op, c[k].ref);
		enum migtd_pv2_result r = ev(rules, true);

		if (r != c[k].want)
			print_error("case %zu: %s %s %s\n", k, c[k].prop, c[k].op, c[k].ref);
		assert_int_equal(r, c[k].want);
	}
}

static int setup(void **state)
{
	size_t n;

	(void)state;
	report = tu_read_vector("upstream/src/policy/test/report.dat", &n);
	collaterals = (char *)tu_read_vector(V2 "collaterals.json", &n);
	while (n && (collaterals[n - 1] == '\n' || collaterals[n - 1] == '\r'))
		collaterals[--n] = 0;
	setup_mapping();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(made_doc[0]);
	free(made_doc[1]);
	free(report);
	free(collaterals);
	return 0;
}

static void test_eval_vectors(void **state)
{
	size_t n;
	char *mapping, *global, *rules;

	(void)state;
	/* tcb_mapping.json does not match report.dat: unknown SVN, mandatory deny */
	mapping = (char *)tu_read_vector(V2 "tcb_mapping.json", &n);
	make(&pol, 1, "", mapping, LV_OK);
	assert_int_equal(migtd_policy_v2_evaluate(&pol, &pol, report, 5, report, true, &ex),
			 MIGTD_PV2_UNQUALIFIED_MIGTD_INFO);
	/* global.json with these collaterals (evaluation number 5 < 13) */
	global = (char *)tu_read_vector(V2 "global.json", &n);
	rules = malloc(n + 64);
	assert_non_null(rules);
	snprintf(rules, n + 64, "\"policy\":[{\"global\":%s}]", global);
	assert_int_equal(ev(rules, true), MIGTD_PV2_TCB_EVALUATION);
	assert_string_equal(ex.where, "policy[0].global.tcb.tcbEvaluationDataNumber");
	/* no rules: only the mandatory deny, which this MigTD passes */
	assert_int_equal(ev("", true), MIGTD_PV2_OK);
	free(rules);
	free(global);
	free(mapping);
}

static void test_eval_integers(void **state)
{
	static const char en[] = "tcbEvaluationDataNumber";
	static const struct rule_case cases[] = {
		{ "tcb", en, "greater-or-equal", "5", MIGTD_PV2_OK },
		{ "tcb", en, "greater-or-equal", "6", MIGTD_PV2_TCB_EVALUATION },
		{ "tcb", en, "equal", "5", MIGTD_PV2_OK },
		{ "tcb", en, "equal", "\"self\"", MIGTD_PV2_OK },
		{ "tcb", en, "greater-or-equal", "\"init\"", MIGTD_PV2_OK },
		{ "tcb", en, "in-range", "\"1..5\"", MIGTD_PV2_OK },
		{ "tcb", en, "in-range", "\"5..5\"", MIGTD_PV2_OK },
		{ "tcb", en, "in-time-range", "\"6..9\"", MIGTD_PV2_TCB_EVALUATION },
		{ "tcb", en, "in-range", "\"1..2..9\"", MIGTD_PV2_INVALID_OPERATION },
		{ "tcb", en, "in-range", "\"a..9\"", MIGTD_PV2_INVALID_REFERENCE },
		{ "tcb", en, "subset", "[4,5]", MIGTD_PV2_OK },
		{ "tcb", en, "subset", "[]", MIGTD_PV2_TCB_EVALUATION },
		{ "tcb", en, "equal", "\"five\"", MIGTD_PV2_INVALID_OPERATION },
		{ "tcb", en, "allow-list", "5", MIGTD_PV2_INVALID_OPERATION },
		{ "tcb", en, "equal", "[\"5\"]", MIGTD_PV2_INVALID_REFERENCE },
		/* the CRL numbers of the local collateral are 1 */
		{ "crl", "pckCrlNum", "greater-or-equal", "1", MIGTD_PV2_OK },
		{ "crl", "pckCrlNum", "greater-or-equal", "2", MIGTD_PV2_CRL_EVALUATION },
		{ "crl", "rootCaCrlNum", "equal", "2", MIGTD_PV2_CRL_EVALUATION },
	};

	(void)state;
	ev_cases(cases, sizeof(cases) / sizeof(cases[0]));
	/* the reference of a self rule without an own report */
	make(&pol, 1, g("tcb", "tcbEvaluationDataNumber", "equal", "\"self\""), own_mapping, LV_OK);
	assert_int_equal(migtd_policy_v2_evaluate(&pol, &pol, report, 5, NULL, true, &ex),
			 MIGTD_PV2_INVALID_REFERENCE);
}

static void test_eval_strings(void **state)
{
	/* report.dat: FMSPC 30806F000000, TCB date 1761103456 */
	static const struct rule_case cases[] = {
		{ "platform", "fmspc", "allow-list", "[\"00706A000000\",\"30806F000000\"]",
		  MIGTD_PV2_OK },
		{ "platform", "fmspc", "deny-list", "[\"30806F000000\"]",
		  MIGTD_PV2_TCB_EVALUATION },
		{ "platform", "fmspc", "equal", "\"self\"", MIGTD_PV2_OK },
		{ "platform", "fmspc", "equal", "\"30806f000000\"", MIGTD_PV2_TCB_EVALUATION },
		{ "platform", "fmspc", "subset", "[\"30806F000000\"]",
		  MIGTD_PV2_INVALID_OPERATION },
	};

	(void)state;
	ev_cases(cases, sizeof(cases) / sizeof(cases[0]));
	assert_int_equal(ev(g("tcb", "tcbDate", "greater-or-equal", "\"2025-10-22T00:00:00Z\""),
			    true),
			 MIGTD_PV2_OK);
	assert_int_equal(ev(g("tcb", "tcbDate", "greater-or-equal", "\"2025-10-23T00:00:00Z\""),
			    true),
			 MIGTD_PV2_TCB_EVALUATION);
	assert_string_equal(ex.value, "2025-10-22T03:24:16Z");
	assert_int_equal(ev(g("tcb", "tcbDate", "equal", "\"self\""), true), MIGTD_PV2_OK);
}

static void test_eval_status(void **state)
{
	uint8_t saved[MIGTD_TCB_STATUS_LEN];

	(void)state;
	assert_int_equal(ev(g("tcb", "tcbStatusAccepted", "allow-list", "[\"UpToDate\"]"), true),
			 MIGTD_PV2_OK);
	/* OutOfDate-class statuses always pass */
	assert_int_equal(ev(g("tcb", "tcbStatusAccepted", "deny-list", "[\"UpToDate\"]"), true),
			 MIGTD_PV2_OK);
	assert_int_equal(ev(g("tcb", "tcbStatusAccepted", "allow-list", "[\"Bogus\"]"), true),
			 MIGTD_PV2_INVALID_PARAMETER);
	memcpy(saved, report + MIGTD_VR_TCB_STATUS, sizeof(saved));
	memset(report + MIGTD_VR_TCB_STATUS, 0, MIGTD_TCB_STATUS_LEN);
	memcpy(report + MIGTD_VR_TCB_STATUS, "ConfigurationNeeded", 19);
	assert_int_equal(ev(g("tcb", "tcbStatusAccepted", "allow-list", "[\"UpToDate\"]"), true),
			 MIGTD_PV2_TCB_EVALUATION);
	assert_int_equal(ev(g("tcb", "tcbStatusAccepted", "allow-list",
			      "[\"UpToDate\",\"ConfigurationNeeded\"]"),
			    true),
			 MIGTD_PV2_OK);
	assert_int_equal(ev(g("tcb", "tcbStatusAccepted", "deny-list", "[\"Revoked\"]"), true),
			 MIGTD_PV2_TCB_EVALUATION);
	assert_int_equal(ev(g("tcb", "tcbStatusAccepted", "equal", "\"UpToDate\""), true),
			 MIGTD_PV2_TCB_EVALUATION);
	assert_int_equal(ev(g("tcb", "tcbStatusAccepted", "greater-or-equal",
			      "\"OutOfDateConfigurationNeeded\""),
			    true),
			 MIGTD_PV2_OK);
	memset(report + MIGTD_VR_TCB_STATUS, 0, MIGTD_TCB_STATUS_LEN);
	memcpy(report + MIGTD_VR_TCB_STATUS, "Revoked", 7);
	/* Revoked: the rule fails, and the mandatory deny refuses it without any rule */
	assert_int_equal(ev(g("tcb", "tcbStatusAccepted", "allow-list", "[\"Revoked\"]"), true),
			 MIGTD_PV2_TCB_EVALUATION);
	assert_int_equal(ev("", true), MIGTD_PV2_TCB_EVALUATION);
	/* a status the report carries that no rule knows: a failed TCB check */
	memset(report + MIGTD_VR_TCB_STATUS, 0, MIGTD_TCB_STATUS_LEN);
	memcpy(report + MIGTD_VR_TCB_STATUS, "Bogus", 5);
	assert_int_equal(ev(g("tcb", "tcbStatusAccepted", "allow-list", "[\"UpToDate\"]"), true),
			 MIGTD_PV2_TCB_EVALUATION);
	memcpy(report + MIGTD_VR_TCB_STATUS, saved, sizeof(saved));
	/* upstream's order inside global.tcb: evaluation number, status, date */
	assert_int_equal(
		ev("\"policy\":[{\"global\":{\"tcb\":{\"tcbDate\":{\"operation\":\"bogus\","
		   "\"reference\":\"x\"},\"tcbEvaluationDataNumber\":{\"operation\":"
		   "\"equal\",\"reference\":6}}}}]",
		   true),
		MIGTD_PV2_TCB_EVALUATION);
	assert_string_equal(ex.where, "policy[0].global.tcb.tcbEvaluationDataNumber");
}

static void test_eval_servtd(void **state)
{
	/* own_mapping: report.dat -> isvsvn 3; LV_OK: level isvsvn 1 (floor) */
	static const struct rule_case cases[] = {
		{ NULL, "isvsvn", "greater-or-equal", "3", MIGTD_PV2_OK },
		{ NULL, "isvsvn", "greater-or-equal", "4", MIGTD_PV2_SVN_MISMATCH },
		{ NULL, "isvsvn", "equal", "\"self\"", MIGTD_PV2_OK },
		{ NULL, "tcbDate", "greater-or-equal", "\"2024-01-01T00:00:00Z\"", MIGTD_PV2_OK },
		{ NULL, "tcbDate", "greater-or-equal", "\"2024-06-01T00:00:00Z\"",
		  MIGTD_PV2_SVN_MISMATCH },
		{ NULL, "tcbStatusAccepted", "allow-list", "[\"UpToDate\"]", MIGTD_PV2_OK },
	};

	(void)state;
	ev_cases(cases, sizeof(cases) / sizeof(cases[0]));
	/* a Revoked level: the rule and the mandatory deny */
	make(&pol, 1, "", own_mapping,
	     "[{\"tcb\":{\"isvsvn\":1},\"tcbDate\":\"2024-01-01T00:00:00Z\",\"tcbStatus\":"
	     "\"Revoked\"}]");
	assert_int_equal(migtd_policy_v2_evaluate(&pol, &pol, report, 5, report, true, &ex),
			 MIGTD_PV2_SVN_MISMATCH);
	/* no level at or below the SVN: unknown */
	make(&pol, 1, "", own_mapping,
	     "[{\"tcb\":{\"isvsvn\":4},\"tcbDate\":\"2024-01-01T00:00:00Z\",\"tcbStatus\":"
	     "\"UpToDate\"}]");
	assert_int_equal(migtd_policy_v2_evaluate(&pol, &pol, report, 5, report, true, &ex),
			 MIGTD_PV2_UNQUALIFIED_MIGTD_INFO);
	/* floor match picks the highest level <= SVN */
	make(&pol, 1, s("tcbDate", "equal", "\"2024-03-01T00:00:00Z\""), own_mapping,
	     "[{\"tcb\":{\"isvsvn\":1},\"tcbDate\":\"2024-01-01T00:00:00Z\",\"tcbStatus\":"
	     "\"UpToDate\"},{\"tcb\":{\"isvsvn\":3},\"tcbDate\":\"2024-03-01T00:00:00Z\","
	     "\"tcbStatus\":\"OutOfDate\"},{\"tcb\":{\"isvsvn\":5},\"tcbDate\":"
	     "\"2024-05-01T00:00:00Z\",\"tcbStatus\":\"UpToDate\"}]");
	assert_int_equal(migtd_policy_v2_evaluate(&pol, &pol, report, 5, report, true, &ex),
			 MIGTD_PV2_OK);
}

static void test_eval_direction(void **state)
{
	static const char fwd[] = "\"forwardPolicy\":[{\"servtd\":{\"migtdIdentity\":{\"isvsvn\":"
				  "{\"operation\":\"greater-or-equal\",\"reference\":9}}}}]";
	static const char bwd[] = "\"backwardPolicy\":[{\"servtd\":{\"migtdIdentity\":{\"isvsvn\":"
				  "{\"operation\":\"greater-or-equal\",\"reference\":9}}}}]";

	(void)state;
	assert_int_equal(ev(fwd, true), MIGTD_PV2_SVN_MISMATCH);
	assert_string_equal(ex.where, "forwardPolicy[0].servtd.migtdIdentity.isvsvn");
	assert_int_equal(ev(fwd, false), MIGTD_PV2_OK);
	assert_int_equal(ev(bwd, true), MIGTD_PV2_OK);
	assert_int_equal(ev(bwd, false), MIGTD_PV2_SVN_MISMATCH);
	/* policySvn order: a source refuses a destination with an older policy */
	make(&pol, 2, "", own_mapping, LV_OK);
	make(&pol2, 1, "", own_mapping, LV_OK);
	assert_int_equal(migtd_policy_v2_evaluate(&pol, &pol2, report, 5, report, true, &ex),
			 MIGTD_PV2_SVN_MISMATCH);
	assert_int_equal(migtd_policy_v2_evaluate(&pol, &pol2, report, 5, report, false, &ex),
			 MIGTD_PV2_OK);
	assert_int_equal(migtd_policy_v2_evaluate(&pol2, &pol, report, 5, report, true, &ex),
			 MIGTD_PV2_OK);
}

static void test_check_init(void **state)
{
	uint8_t mo[48], moc[48];

	(void)state;
	make(&pol, 3, "", own_mapping, LV_OK);
	migtd_policy_v2_owner(&pol, mo, moc);
	assert_int_equal(migtd_policy_v2_check_init(&pol, mo, moc, &ex), MIGTD_PV2_OK);
	moc[0] = 2;
	assert_int_equal(migtd_policy_v2_check_init(&pol, mo, moc, &ex), MIGTD_PV2_OK);
	moc[0] = 4;
	assert_int_equal(migtd_policy_v2_check_init(&pol, mo, moc, &ex), MIGTD_PV2_SVN_MISMATCH);
	moc[0] = 3;
	moc[47] = 1;
	assert_int_equal(migtd_policy_v2_check_init(&pol, mo, moc, &ex), MIGTD_PV2_SVN_MISMATCH);
	moc[47] = 0;
	mo[0] ^= 1;
	assert_int_equal(migtd_policy_v2_check_init(&pol, mo, moc, &ex), MIGTD_PV2_SVN_MISMATCH);
}

/*
 * The blob codec itself is the wire module's (test_presession); what the
 * policy adds is step 1 of authentication: a blob that does not decode, or
 * a part above the policy caps, is InvalidParameter before anything else
 * (no quote is looked at: there is none here).
 */
static void test_blob_in_authenticate(void **state)
{
	static uint8_t part[MIGTD_PV2_MAX_POLICY + 1], buf[8 + sizeof(part) + 16];
	struct migtd_pv2_peer in;
	size_t n = 0;

	(void)state;
	make(&pol, 3, "", own_mapping, LV_OK);
	memset(&in, 0, sizeof(in));
	memset(buf, 'x', sizeof(buf));
	memset(part, 'p', sizeof(part));
	in.blob = buf;
	/* not a blob at all */
	in.blob_len = 3;
	assert_int_equal(migtd_policy_v2_authenticate(&pol, &in, NULL, &ex),
			 MIGTD_PV2_INVALID_PARAMETER);
	assert_string_equal(ex.step, "blob");
	/* a policy part one byte above MIGTD_PV2_MAX_POLICY */
	assert_int_equal(migtd_presession_blob_encode(part, MIGTD_PV2_MAX_POLICY + 1, part, 4, buf,
						      sizeof(buf), &n),
			 MIGTD_OK);
	in.blob_len = n;
	assert_int_equal(migtd_policy_v2_authenticate(&pol, &in, NULL, &ex),
			 MIGTD_PV2_INVALID_PARAMETER);
	assert_non_null(strstr(ex.detail, "cap"));
	/* a chain part one byte above MIGTD_PV2_MAX_CHAIN */
	assert_int_equal(migtd_presession_blob_encode(part, 10, part, MIGTD_PV2_MAX_CHAIN + 1, buf,
						      sizeof(buf), &n),
			 MIGTD_OK);
	in.blob_len = n;
	assert_int_equal(migtd_policy_v2_authenticate(&pol, &in, NULL, &ex),
			 MIGTD_PV2_INVALID_PARAMETER);
	assert_non_null(strstr(ex.detail, "cap"));
	/* both parts at their caps pass step 1 (and fail later: no quote) */
	assert_int_equal(migtd_presession_blob_encode(part, 10, part, MIGTD_PV2_MAX_CHAIN, buf,
						      sizeof(buf), &n),
			 MIGTD_OK);
	in.blob_len = n;
	assert_int_not_equal(migtd_policy_v2_authenticate(&pol, &in, NULL, &ex), MIGTD_PV2_OK);
	assert_string_not_equal(ex.step, "blob");
	/* a trailing byte */
	in.blob_len = n + 1;
	assert_int_equal(migtd_policy_v2_authenticate(&pol, &in, NULL, &ex),
			 MIGTD_PV2_INVALID_PARAMETER);
	assert_string_equal(ex.step, "blob");
}

static void test_collateral_lookup(void **state)
{
	struct migtd_pv2_collateral c;
	uint8_t fmspc[6] = { 0x30, 0x80, 0x6F, 0, 0, 0 };

	(void)state;
	make(&pol, 1, "", own_mapping, LV_OK);
	assert_int_equal(migtd_policy_v2_collateral(&pol, fmspc, &c), MIGTD_PV2_OK);
	assert_int_equal(c.tcb_evaluation_number, 5);
	assert_non_null(strstr((const char *)c.c.tcb_info, "\"fmspc\":\"30806F000000\""));
	assert_memory_equal(c.c.pck_crl, "-----BEGIN X509 CRL-----\n", 25);
	migtd_policy_v2_collateral_free(&c);
	fmspc[5] = 1;
	assert_int_equal(migtd_policy_v2_collateral(&pol, fmspc, &c), MIGTD_PV2_INVALID_COLLATERAL);
}

static void test_unescape_and_dates(void **state)
{
	uint8_t out[32];
	char d[MIGTD_PV2_DATE_LEN + 1];

	(void)state;
	assert_int_equal(migtd_pv2_unescape((const uint8_t *)"a\\nb\\u00e9\\\"", 12, out,
					    sizeof(out)),
			 6);
	assert_memory_equal(out, "a\nb\xc3\xa9\"", 6);
	assert_int_equal(migtd_pv2_unescape((const uint8_t *)"\\ud83d\\ude00", 12, out,
					    sizeof(out)),
			 4);
	assert_int_equal(migtd_pv2_unescape((const uint8_t *)"\\ud83d", 6, out, sizeof(out)), -1);
	assert_int_equal(migtd_pv2_unescape((const uint8_t *)"\\x", 2, out, sizeof(out)), -1);
	assert_int_equal(migtd_pv2_unescape((const uint8_t *)"\\", 1, out, sizeof(out)), -1);
	migtd_pv2_iso_date(0, d);
	assert_string_equal(d, "1970-01-01T00:00:00Z");
	migtd_pv2_iso_date(1761103456, d);
	assert_string_equal(d, "2025-10-22T03:24:16Z");
	migtd_pv2_iso_date(951782400, d); /* leap day */
	assert_string_equal(d, "2000-02-29T00:00:00Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upstream_test_policy),
		cmocka_unit_test(test_template_policy),
		cmocka_unit_test(test_other_issuer),
		cmocka_unit_test(test_unsigned_inputs),
		cmocka_unit_test(test_servtd_documents),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_eval_vectors),
		cmocka_unit_test(test_eval_integers),
		cmocka_unit_test(test_eval_strings),
		cmocka_unit_test(test_eval_status),
		cmocka_unit_test(test_eval_servtd),
		cmocka_unit_test(test_eval_direction),
		cmocka_unit_test(test_check_init),
		cmocka_unit_test(test_blob_in_authenticate),
		cmocka_unit_test(test_collateral_lookup),
		cmocka_unit_test(test_unescape_and_dates),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
