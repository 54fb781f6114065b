/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * policy_v2_parse.c -- the signed policy v2 file (docs/policy-v2.md,
 * docs/protocol.md §7.7.2-§7.7.5): structure, schema and rules, no crypto.
 *
 * One jsmn pass over the whole file (strict mode), with the token count
 * asked first so the array is sized to the document and refused past
 * MIGTD_PV2_MAX_TOKENS. Each collateral string is one token, so even the
 * 134 KB upstream test policy needs few hundred. Nothing is copied: the
 * result is a set of spans into the caller's bytes; strings are decoded
 * only when used (policy_v2_verify.c). The signatures cover the raw bytes
 * of the signed values, so the spans of those values are kept exactly as
 * jsmn reports them (from '{' to the matching '}').
 */
#include <string.h>

#include <mbedtls/platform.h>
#include <mbedtls/sha512.h>

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "migtd/fmt.h"
#include "policy_v2_internal.h"

struct jd {
	const uint8_t *js;
	jsmntok_t *t;
	int n;
};

static int skip(const struct jd *d, int i)
{
	int j = i + 1;

	while (j < d->n && d->t[j].start < d->t[i].end)
		j++;
	return j;
}

static size_t tlen(const struct jd *d, int i)
{
	return (size_t)(d->t[i].end - d->t[i].start);
}

static bool is_str(const struct jd *d, int i, const char *s)
{
	size_t n = strlen(s);

	return i >= 0 && i < d->n && d->t[i].type == JSMN_STRING && tlen(d, i) == n &&
	       memcmp(d->js + d->t[i].start, s, n) == 0;
}

/* Value token of key in object obj, or -1 (the last duplicate wins, like serde's maps). */
static int get(const struct jd *d, int obj, const char *key)
{
	int j, found = -1;

	if (obj < 0 || obj >= d->n || d->t[obj].type != JSMN_OBJECT)
		return -1;
	j = obj + 1;
	for (int k = 0; k < d->t[obj].size && j + 1 < d->n; k++) {
		if (is_str(d, j, key))
			found = j + 1;
		j = skip(d, j + 1);
	}
	return found;
}

static bool is_type(const struct jd *d, int i, jsmntype_t ty)
{
	return i >= 0 && i < d->n && d->t[i].type == ty;
}

static struct migtd_pv2_span span(const struct jd *d, int i)
{
	struct migtd_pv2_span s = { (uint32_t)d->t[i].start, (uint32_t)tlen(d, i) };

	return s;
}

int migtd_pv2_dec_u32(const uint8_t *s, size_t n, uint32_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 10)
		return -1;
	for (size_t k = 0; k < n; k++) {
		if (s[k] < '0' || s[k] > '9')
			return -1;
		v = v * 10u + (uint64_t)(s[k] - '0');
	}
	if (v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* A JSON integer that fits max: digits only (jsmn strict lets "-", ".", "e" through). */
static bool uint_of(const struct jd *d, int i, uint32_t max, uint32_t *out)
{
	const uint8_t *s;
	uint32_t v;

	if (!is_type(d, i, JSMN_PRIMITIVE))
		return false;
	s = d->js + d->t[i].start;
	if ((tlen(d, i) > 1 && s[0] == '0') || migtd_pv2_dec_u32(s, tlen(d, i), &v) || v > max)
		return false;
	*out = v;
	return true;
}

/* Lowercase/uppercase hex string of exactly n bytes. */
static bool hex_of(const struct jd *d, int i, uint8_t *out, size_t n)
{
	return is_type(d, i, JSMN_STRING) && tlen(d, i) == 2 * n &&
	       migtd_unhex((const char *)d->js + d->t[i].start, out, n) == 0;
}

/* Whether a string token holds a backslash (memchr is not in the freestanding set). */
static bool has_escape(const struct jd *d, int i)
{
	for (int k = d->t[i].start; k < d->t[i].end; k++)
		if (d->js[k] == '\\')
			return true;
	return false;
}

/* ---------------------------------------------------------------- names */

static const struct {
	const char *section, *key;
} prop_names[PV2_P_COUNT] = {
	[PV2_P_TCB_DATE] = { "tcb", "tcbDate" },
	[PV2_P_TCB_STATUS] = { "tcb", "tcbStatusAccepted" },
	[PV2_P_TCB_EVAL_NUM] = { "tcb", "tcbEvaluationDataNumber" },
	[PV2_P_FMSPC] = { "platform", "fmspc" },
	[PV2_P_PCK_CRL_NUM] = { "crl", "pckCrlNum" },
	[PV2_P_ROOT_CA_CRL_NUM] = { "crl", "rootCaCrlNum" },
	[PV2_P_MIGTD_ISVSVN] = { "migtdIdentity", "isvsvn" },
	[PV2_P_MIGTD_TCB_DATE] = { "migtdIdentity", "tcbDate" },
	[PV2_P_MIGTD_TCB_STATUS] = { "migtdIdentity", "tcbStatusAccepted" },
};

const char *migtd_pv2_prop_path(unsigned name)
{
	static const char *const path[PV2_P_COUNT] = {
		[PV2_P_TCB_EVAL_NUM] = "global.tcb.tcbEvaluationDataNumber",
		[PV2_P_TCB_STATUS] = "global.tcb.tcbStatusAccepted",
		[PV2_P_TCB_DATE] = "global.tcb.tcbDate",
		[PV2_P_FMSPC] = "global.platform.fmspc",
		[PV2_P_PCK_CRL_NUM] = "global.crl.pckCrlNum",
		[PV2_P_ROOT_CA_CRL_NUM] = "global.crl.rootCaCrlNum",
		[PV2_P_MIGTD_ISVSVN] = "servtd.migtdIdentity.isvsvn",
		[PV2_P_MIGTD_TCB_DATE] = "servtd.migtdIdentity.tcbDate",
		[PV2_P_MIGTD_TCB_STATUS] = "servtd.migtdIdentity.tcbStatusAccepted",
	};

	return name < PV2_P_COUNT ? path[name] : "?";
}

static const char *const op_names[] = {
	[PV2_OP_EQUAL] = "equal",         [PV2_OP_GREATER_OR_EQUAL] = "greater-or-equal",
	[PV2_OP_IN_RANGE] = "in-range",   [PV2_OP_IN_TIME_RANGE] = "in-time-range",
	[PV2_OP_SUBSET] = "subset",       [PV2_OP_ALLOW_LIST] = "allow-list",
	[PV2_OP_DENY_LIST] = "deny-list",
};

const char *migtd_pv2_op_text(unsigned op)
{
	return op < PV2_OP_UNKNOWN ? op_names[op] : "(unknown)";
}

/* ---------------------------------------------------------------- rules */

struct pctx {
	struct migtd_policy_v2 *p;
	const struct jd *d;
	struct migtd_pv2_explain *ex;
};

static enum migtd_pv2_result bad(struct pctx *c, int tok, const char *what)
{
	size_t off = tok >= 0 && tok < c->d->n ? (size_t)c->d->t[tok].start : 0;

	return migtd_pv2_fail(c->ex, MIGTD_PV2_INVALID_POLICY, "load", "%s (at byte %zu)", what,
			      off);
}

/* One {"operation": S, "reference": REF} property. */
static enum migtd_pv2_result parse_prop(struct pctx *c, unsigned name, int obj)
{
	const struct jd *d = c->d;
	struct migtd_policy_v2 *p = c->p;
	struct migtd_pv2_prop *pr;
	int op = get(d, obj, "operation"), ref = get(d, obj, "reference");

	if (!is_type(d, obj, JSMN_OBJECT) || !is_type(d, op, JSMN_STRING) || ref < 0)
		return bad(c, obj, "a property needs \"operation\" (string) and \"reference\"");
	if (p->nprops >= MIGTD_PV2_MAX_PROPS)
		return bad(c, obj, "more than MIGTD_PV2_MAX_PROPS properties");
	pr = &p->props[p->nprops];
	memset(pr, 0, sizeof(*pr));
	pr->name = (uint8_t)name;
	pr->op = PV2_OP_UNKNOWN;
	for (unsigned k = 0; k < PV2_OP_UNKNOWN; k++)
		if (is_str(d, op, op_names[k]))
			pr->op = (uint8_t)k;
	pr->text = span(d, ref);
	if (uint_of(d, ref, UINT32_MAX, &pr->ival)) {
		pr->ref = PV2_REF_INTEGER;
	} else if (is_type(d, ref, JSMN_STRING)) {
		pr->ref = PV2_REF_STRING;
		/* Reference strings are names, dates, FMSPCs and ranges: an escape in one
		 * is refused rather than decoded (docs/policy-v2.md). */
		if (has_escape(d, ref))
			return bad(c, ref, "escape sequence in a reference string");
	} else if (is_type(d, ref, JSMN_ARRAY)) {
		int n = d->t[ref].size, j = ref + 1;
		bool ints = true, strs = true;

		if ((unsigned)n > MIGTD_PV2_MAX_LIST_ITEMS - p->nitems)
			return bad(c, ref,
				   "more than MIGTD_PV2_MAX_LIST_ITEMS reference list items");
		pr->first = (uint16_t)p->nitems;
		pr->count = (uint16_t)n;
		for (int k = 0; k < n; k++, j = skip(d, j)) {
			uint32_t v;

			if (!uint_of(d, j, UINT32_MAX, &v))
				ints = false;
			if (!is_type(d, j, JSMN_STRING) || has_escape(d, j))
				strs = false;
			p->items[p->nitems + (unsigned)k] = span(d, j);
		}
		/* Tried in order: IntegerList first, so [] is an IntegerList. */
		if (ints)
			pr->ref = PV2_REF_INT_LIST;
		else if (strs)
			pr->ref = PV2_REF_STR_LIST;
		else
			return bad(c, ref, "a reference list must hold only u32 or only strings");
		p->nitems += (unsigned)n;
	} else {
		return bad(c, ref, "reference is not an integer, string or list");
	}
	p->nprops++;
	return MIGTD_PV2_OK;
}

/* The properties of one section object (e.g. "tcb"); unknown keys are ignored
 * like upstream's parser ignores them. */
static enum migtd_pv2_result parse_section(struct pctx *c, const char *section, int obj)
{
	enum migtd_pv2_result r;

	if (obj < 0)
		return MIGTD_PV2_OK;
	if (!is_type(c->d, obj, JSMN_OBJECT))
		return bad(c, obj, "a policy section is not an object");
	for (unsigned n = 0; n < PV2_P_COUNT; n++) {
		int v;

		if (strcmp(prop_names[n].section, section) != 0)
			continue;
		v = get(c->d, obj, prop_names[n].key);
		if (v < 0)
			continue;
		r = parse_prop(c, n, v);
		if (r)
			return r;
	}
	return MIGTD_PV2_OK;
}

static enum migtd_pv2_result parse_blocks(struct pctx *c, unsigned list, int arr)
{
	const struct jd *d = c->d;
	struct migtd_policy_v2 *p = c->p;
	int j;

	if (arr < 0)
		return MIGTD_PV2_OK;
	if (!is_type(d, arr, JSMN_ARRAY))
		return bad(c, arr, "a policy list is not an array");
	j = arr + 1;
	for (int k = 0; k < d->t[arr].size; k++, j = skip(d, j)) {
		struct migtd_pv2_block *b;
		enum migtd_pv2_result r;
		int g, s;

		if (p->nblocks >= MIGTD_PV2_MAX_BLOCKS)
			return bad(c, j, "more than MIGTD_PV2_MAX_BLOCKS policy blocks");
		if (!is_type(d, j, JSMN_OBJECT) || d->t[j].size != 1)
			return bad(c, j, "a policy block is an object with one key");
		b = &p->blocks[p->nblocks];
		b->list = (uint8_t)list;
		b->index = (uint16_t)k;
		b->first = (uint16_t)p->nprops;
		g = get(d, j, "global");
		s = get(d, j, "servtd");
		if (g >= 0) {
			if (!is_type(d, g, JSMN_OBJECT))
				return bad(c, g, "\"global\" is not an object");
			b->kind = 0;
			r = parse_section(c, "tcb", get(d, g, "tcb"));
			if (!r)
				r = parse_section(c, "platform", get(d, g, "platform"));
			if (!r)
				r = parse_section(c, "crl", get(d, g, "crl"));
		} else if (s >= 0) {
			int m = get(d, s, "migtdIdentity");

			if (!is_type(d, s, JSMN_OBJECT) || m < 0)
				return bad(c, s, "\"servtd\" needs a \"migtdIdentity\" object");
			b->kind = 1;
			r = parse_section(c, "migtdIdentity", m);
		} else {
			return bad(c, j, "a policy block is \"global\" or \"servtd\"");
		}
		if (r)
			return r;
		b->count = (uint16_t)(p->nprops - b->first);
		p->nblocks++;
	}
	return MIGTD_PV2_OK;
}

/* ---------------------------------------------------------------- servtd collateral */

static int date_of(const struct jd *d, int i, char out[MIGTD_PV2_DATE_LEN + 1])
{
	int64_t t;

	if (!is_type(d, i, JSMN_STRING) || tlen(d, i) != MIGTD_PV2_DATE_LEN ||
	    migtd_quote_parse_time((const char *)d->js + d->t[i].start, MIGTD_PV2_DATE_LEN, &t))
		return -1;
	memcpy(out, d->js + d->t[i].start, MIGTD_PV2_DATE_LEN);
	out[MIGTD_PV2_DATE_LEN] = 0;
	return 0;
}

static enum migtd_pv2_result parse_identity(struct pctx *c, int id)
{
	const struct jd *d = c->d;
	struct migtd_policy_v2 *p = c->p;
	int lv = get(d, id, "tcbLevels"), j;

	if (!is_type(d, id, JSMN_OBJECT) || !is_type(d, lv, JSMN_ARRAY))
		return bad(c, id, "tdIdentity needs a \"tcbLevels\" array");
	if ((unsigned)d->t[lv].size > MIGTD_PV2_MAX_TCB_LEVELS)
		return bad(c, lv, "more than MIGTD_PV2_MAX_TCB_LEVELS tcbLevels");
	j = lv + 1;
	for (int k = 0; k < d->t[lv].size; k++, j = skip(d, j)) {
		struct migtd_pv2_tcb_level *l = &p->levels[k];
		int st = get(d, j, "tcbStatus");
		uint32_t v;

		if (!uint_of(d, get(d, get(d, j, "tcb"), "isvsvn"), UINT16_MAX, &v) ||
		    date_of(d, get(d, j, "tcbDate"), l->tcb_date))
			return bad(c, j, "a tcbLevel needs tcb.isvsvn (u16) and tcbDate");
		l->isvsvn = (uint16_t)v;
		if (is_str(d, st, "UpToDate"))
			l->status = MIGTD_PV2_SERVTD_UP_TO_DATE;
		else if (is_str(d, st, "OutOfDate"))
			l->status = MIGTD_PV2_SERVTD_OUT_OF_DATE;
		else if (is_str(d, st, "Revoked"))
			l->status = MIGTD_PV2_SERVTD_REVOKED;
		else
			return bad(c, st, "tcbStatus is not UpToDate, OutOfDate or Revoked");
	}
	p->nlevels = (unsigned)d->t[lv].size;
	return MIGTD_PV2_OK;
}

static enum migtd_pv2_result parse_mapping(struct pctx *c, int map)
{
	static const char *const rtmr[4] = { "rtmr0", "rtmr1", "rtmr2", "rtmr3" };
	const struct jd *d = c->d;
	struct migtd_policy_v2 *p = c->p;
	int sm = get(d, map, "svnMappings"), j;

	if (!is_type(d, map, JSMN_OBJECT) || !is_type(d, sm, JSMN_ARRAY))
		return bad(c, map, "tdTcbMapping needs an \"svnMappings\" array");
	if ((unsigned)d->t[sm].size > MIGTD_PV2_MAX_SVN_MAPPINGS)
		return bad(c, sm, "more than MIGTD_PV2_MAX_SVN_MAPPINGS svnMappings");
	j = sm + 1;
	for (int k = 0; k < d->t[sm].size; k++, j = skip(d, j)) {
		struct migtd_pv2_svn_mapping *m = &p->mappings[k];
		int ms = get(d, j, "tdMeasurements");
		uint32_t v;

		memset(m, 0, sizeof(*m));
		if (!uint_of(d, get(d, j, "isvsvn"), UINT16_MAX, &v) ||
		    !is_type(d, ms, JSMN_OBJECT) || !hex_of(d, get(d, ms, "mrtd"), m->mrtd, 48))
			return bad(c, j,
				   "an svnMapping needs isvsvn (u16) and tdMeasurements.mrtd");
		m->isvsvn = (uint16_t)v;
		for (unsigned r = 0; r < 4; r++) {
			int t = get(d, ms, rtmr[r]);

			if (t < 0 && r < 2)
				return bad(c, ms, "tdMeasurements needs rtmr0 and rtmr1");
			if (t < 0)
				continue;
			if (!hex_of(d, t, m->rtmr[r], 48))
				return bad(c, t, "a measurement is not 96 hex digits");
			m->has_rtmr[r] = true;
		}
	}
	p->nmappings = (unsigned)d->t[sm].size;
	return MIGTD_PV2_OK;
}

/* {"<name>": {...}, "signature": "hex"} */
static enum migtd_pv2_result signed_obj(struct pctx *c, int obj, const char *name, int *body,
					struct migtd_pv2_span *raw, struct migtd_pv2_span *sig)
{
	const struct jd *d = c->d;
	int s = get(d, obj, "signature");

	*body = get(d, obj, name);
	if (!is_type(d, obj, JSMN_OBJECT) || !is_type(d, *body, JSMN_OBJECT) ||
	    !is_type(d, s, JSMN_STRING))
		return bad(c, obj, "a signed object needs its data object and \"signature\"");
	*raw = span(d, *body);
	*sig = span(d, s);
	return MIGTD_PV2_OK;
}

static enum migtd_pv2_result parse_servtd(struct pctx *c, int sc, struct pv2_signed_parts *sp)
{
	const struct jd *d = c->d;
	enum migtd_pv2_result r;
	int ic = get(d, sc, "servtdIdentityIssuerChain"),
	    mc = get(d, sc, "servtdTcbMappingIssuerChain");
	int body;
	uint32_t v;

	if (!is_type(d, sc, JSMN_OBJECT) || !uint_of(d, get(d, sc, "majorVersion"), 0xFFFF, &v) ||
	    !uint_of(d, get(d, sc, "minorVersion"), 0xFFFF, &v) || !is_type(d, ic, JSMN_STRING) ||
	    !is_type(d, mc, JSMN_STRING))
		return bad(
			c, sc,
			"servtdCollateral needs majorVersion, minorVersion and both issuer chains");
	sp->identity_chain = span(d, ic);
	sp->mapping_chain = span(d, mc);
	r = signed_obj(c, get(d, sc, "servtdIdentity"), "tdIdentity", &body, &sp->identity,
		       &sp->identity_sig);
	if (!r)
		r = parse_identity(c, body);
	if (!r)
		r = signed_obj(c, get(d, sc, "servtdTcbMapping"), "tdTcbMapping", &body,
			       &sp->mapping, &sp->mapping_sig);
	if (!r)
		r = parse_mapping(c, body);
	return r;
}

/* ---------------------------------------------------------------- collaterals */

static enum migtd_pv2_result parse_collaterals(struct pctx *c, int co)
{
	const struct jd *d = c->d;
	struct migtd_policy_v2 *p = c->p;
	static const char *const names[6] = { "rootCa", "pckCrlIssuerChain",     "rootCaCrl",
					      "pckCrl", "qeIdentityIssuerChain", "qeIdentity" };
	struct migtd_pv2_span *dst[6] = {
		&p->root_ca, &p->pck_crl_issuer_chain,     &p->root_ca_crl,
		&p->pck_crl, &p->qe_identity_issuer_chain, &p->qe_identity
	};
	int pl = get(d, co, "platforms"), j;
	uint32_t v;

	if (!is_type(d, co, JSMN_OBJECT) || !uint_of(d, get(d, co, "majorVersion"), 0xFFFF, &v) ||
	    !uint_of(d, get(d, co, "minorVersion"), 0xFFFF, &v) ||
	    !uint_of(d, get(d, co, "teeType"), UINT32_MAX, &v) || !is_type(d, pl, JSMN_ARRAY))
		return bad(c, co,
			   "collaterals needs majorVersion, minorVersion, teeType and platforms");
	for (unsigned k = 0; k < 6; k++) {
		int s = get(d, co, names[k]);

		if (!is_type(d, s, JSMN_STRING))
			return bad(c, co, "collaterals is missing a string member");
		*dst[k] = span(d, s);
	}
	if ((unsigned)d->t[pl].size > MIGTD_PV2_MAX_PLATFORMS)
		return bad(c, pl, "more than MIGTD_PV2_MAX_PLATFORMS platforms");
	j = pl + 1;
	for (int k = 0; k < d->t[pl].size; k++, j = skip(d, j)) {
		struct migtd_pv2_platform *e = &p->platforms[k];
		int ti = get(d, j, "tcbInfo"), ch = get(d, j, "tcbInfoIssuerChain");

		if (!hex_of(d, get(d, j, "fmspc"), e->fmspc, 6) || !is_type(d, ti, JSMN_STRING) ||
		    !is_type(d, ch, JSMN_STRING))
			return bad(c, j,
				   "a platform needs fmspc (12 hex), tcbInfoIssuerChain, tcbInfo");
		e->tcb_info = span(d, ti);
		e->tcb_info_issuer_chain = span(d, ch);
	}
	p->nplatforms = (unsigned)d->t[pl].size;
	return MIGTD_PV2_OK;
}

/* ---------------------------------------------------------------- the file */

/* The outer {"policyData":{...},"signature":"hex"} object; *pd: the policyData token. */
static enum migtd_pv2_result parse_outer(struct pctx *c, int *pd)
{
	int sig = get(c->d, 0, "signature");

	*pd = get(c->d, 0, "policyData");
	if (!is_type(c->d, *pd, JSMN_OBJECT) || !is_type(c->d, sig, JSMN_STRING))
		return bad(c, 0,
			   "the file needs \"policyData\" (object) and \"signature\" (string)");
	c->p->policy_data = span(c->d, *pd);
	c->p->policy_sig = span(c->d, sig);
	return MIGTD_PV2_OK;
}

static enum migtd_pv2_result parse_tokens(struct pctx *c, struct pv2_signed_parts *sp)
{
	const struct jd *d = c->d;
	struct migtd_policy_v2 *p = c->p;
	int pd, id, ver;
	enum migtd_pv2_result r = parse_outer(c, &pd);

	if (r)
		return r;
	id = get(d, pd, "id");
	ver = get(d, pd, "version");
	/* Both must be strings; their values are checked after the signatures
	 * (migtd_pv2_validate), as upstream does. */
	if (!is_type(d, id, JSMN_STRING) || !is_type(d, ver, JSMN_STRING))
		return bad(c, pd, "policyData.id or policyData.version is missing or not a string");
	p->id = span(d, id);
	sp->version_ok = is_str(d, ver, "2.0");
	if (!uint_of(d, get(d, pd, "policySvn"), UINT32_MAX, &p->policy_svn))
		return bad(c, pd, "policyData.policySvn is missing or not a u32");
	r = parse_blocks(c, 0, get(d, pd, "policy"));
	if (!r)
		r = parse_blocks(c, 1, get(d, pd, "forwardPolicy"));
	if (!r)
		r = parse_blocks(c, 2, get(d, pd, "backwardPolicy"));
	if (!r)
		r = parse_collaterals(c, get(d, pd, "collaterals"));
	if (!r)
		r = parse_servtd(c, get(d, pd, "servtdCollateral"), sp);
	return r;
}

/* A standalone servtd document: the servtdCollateral object, or one signed part. */
static enum migtd_pv2_result parse_standalone(struct pctx *c, enum pv2_doc_kind kind,
					      struct pv2_signed_parts *sp)
{
	int body;
	enum migtd_pv2_result r;

	switch (kind) {
	case PV2_DOC_OUTER: return parse_outer(c, &body);
	case PV2_DOC_SERVTD_COLLATERAL: return parse_servtd(c, 0, sp);
	case PV2_DOC_TD_IDENTITY:
		r = signed_obj(c, 0, "tdIdentity", &body, &sp->identity, &sp->identity_sig);
		return r ? r : parse_identity(c, body);
	case PV2_DOC_TD_TCB_MAPPING:
		r = signed_obj(c, 0, "tdTcbMapping", &body, &sp->mapping, &sp->mapping_sig);
		return r ? r : parse_mapping(c, body);
	default: return parse_tokens(c, sp);
	}
}

enum migtd_pv2_result migtd_pv2_parse_doc(struct migtd_policy_v2 *p, enum pv2_doc_kind kind,
					  const uint8_t *doc, size_t doc_len,
					  struct pv2_signed_parts *sp, struct migtd_pv2_explain *ex)
{
	struct jd d = { doc, NULL, 0 };
	struct pctx c = { p, &d, ex };
	enum migtd_pv2_result r;
	jsmn_parser jp;
	size_t len = doc_len;
	int n;

	memset(p, 0, sizeof(*p));
	memset(sp, 0, sizeof(*sp));
	if (!doc || doc_len == 0)
		return migtd_pv2_fail(ex, MIGTD_PV2_INVALID_POLICY, "load", "empty policy file");
	if (doc_len > MIGTD_PV2_MAX_POLICY)
		return migtd_pv2_fail(ex, MIGTD_PV2_INVALID_POLICY, "load",
				      "policy file of %zu bytes exceeds MIGTD_PV2_MAX_POLICY (%u)",
				      doc_len, MIGTD_PV2_MAX_POLICY);
	/* A CFV file may be padded with NULs; an editor may add a newline. */
	while (len && (doc[len - 1] == 0 || doc[len - 1] == '\n' || doc[len - 1] == '\r' ||
		       doc[len - 1] == ' ' || doc[len - 1] == '\t'))
		len--;
	p->doc = doc;
	p->doc_len = doc_len;
	/* Only the full parse, the last one of a load, keeps the hash. */
	if (kind == PV2_DOC_POLICY && mbedtls_sha512(doc, doc_len, p->doc_sha384, 1) != 0)
		return migtd_pv2_fail(ex, MIGTD_PV2_NO_MEMORY, "load", "SHA-384 failed");
	jsmn_init(&jp);
	n = jsmn_parse(&jp, (const char *)doc, len, NULL, 0);
	if (n <= 0)
		return migtd_pv2_fail(ex, MIGTD_PV2_INVALID_POLICY, "load",
				      "not valid JSON (jsmn error %d)", n);
	if ((unsigned)n > MIGTD_PV2_MAX_TOKENS)
		return migtd_pv2_fail(ex, MIGTD_PV2_INVALID_POLICY, "load",
				      "%d JSON tokens exceed MIGTD_PV2_MAX_TOKENS (%u)", n,
				      MIGTD_PV2_MAX_TOKENS);
	d.t = mbedtls_calloc((size_t)n, sizeof(jsmntok_t));
	if (!d.t)
		return migtd_pv2_fail(ex, MIGTD_PV2_NO_MEMORY, "load", "no memory for %d tokens",
				      n);
	jsmn_init(&jp);
	d.n = jsmn_parse(&jp, (const char *)doc, len, d.t, (unsigned)n);
	if (d.n != n || d.t[0].type != JSMN_OBJECT || (size_t)d.t[0].end != len) {
		r = migtd_pv2_fail(ex, MIGTD_PV2_INVALID_POLICY, "load",
				   "not one complete JSON object");
		goto out;
	}
	r = parse_standalone(&c, kind, sp);
out:
	mbedtls_free(d.t);
	return r;
}

enum migtd_pv2_result migtd_pv2_parse(struct migtd_policy_v2 *p, const uint8_t *doc, size_t doc_len,
				      struct migtd_pv2_explain *ex)
{
	struct pv2_signed_parts sp;

	return migtd_pv2_parse_doc(p, PV2_DOC_POLICY, doc, doc_len, &sp, ex);
}
