/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * policy_eval.c -- evaluate a parsed policy v1 on two verified reports and
 * two event logs (docs/protocol.md §7.2-§7.4), and explain every non-Ok result.
 */
#include <stdint.h>
#include <string.h>

#include "migtd/err.h"
#include "migtd/eventlog.h"
#include "migtd/fmt.h"
#include "migtd/policy.h"

static const char *const RESULT_NAMES[POLICY_RESULT_COUNT] = {
	[POLICY_OK] = "Ok",
	[POLICY_INVALID_POLICY] = "InvalidPolicy",
	[POLICY_PLATFORM_NOT_FOUND] = "PlatformNotFound",
	[POLICY_PLATFORM_NOT_MATCH] = "PlatformNotMatch",
	[POLICY_UNQUALIFIED_PLATFORM_INFO] = "UnqualifiedPlatformInfo",
	[POLICY_UNQUALIFIED_QE_INFO] = "UnqualifiedQeInfo",
	[POLICY_UNQUALIFIED_TDX_MODULE_INFO] = "UnqualifiedTdxModuleInfo",
	[POLICY_UNQUALIFIED_MIGTD_INFO] = "UnqualifiedMigTdInfo",
	[POLICY_INVALID_PARAMETER] = "InvalidParameter",
	[POLICY_INVALID_EVENT_LOG] = "InvalidEventLog",
};

const char *migtd_policy_result_name(enum policy_result r)
{
	if ((unsigned)r >= POLICY_RESULT_COUNT)
		return "?";
	return RESULT_NAMES[r];
}

int migtd_policy_result_err(enum policy_result r)
{
	if (r == POLICY_OK)
		return MIGTD_OK;
	/* §7.4: only an invalid policy is status 9; everything else is 8. */
	return r == POLICY_INVALID_POLICY ? MIGTD_ERR_INVALID_POLICY : MIGTD_ERR_POLICY;
}

const char *migtd_policy_block_kind_name(enum policy_block_kind k)
{
	static const char *const names[POLICY_BLOCK_KIND_COUNT] = {
		"Platform",
		"QE",
		"TDXModule",
		"MigTD",
	};

	return (unsigned)k < POLICY_BLOCK_KIND_COUNT ? names[k] : "?";
}

/* ---------------------------------------------------------------- fields */

struct field {
	const char *name;
	uint16_t off, len;
};

/* §7.2: the properties and where they sit in the verified report (§8.5). */
static const struct field PLATFORM_FIELDS[] = {
	{ "fmspc", MIGTD_VR_FMSPC, 6 },
	{ "tdxtcbcomponents", MIGTD_VR_TDX_TCB_COMPONENTS, 16 },
	{ "pcesvn", MIGTD_VR_PCESVN, 2 },
	{ "sgxtcbcomponents", MIGTD_VR_SGX_TCB_COMPONENTS, 16 },
};
static const struct field QE_FIELDS[] = {
	/* MRENCLAVE is deliberately absent: upstream treats it as unknown. */
	{ "MISCSELECT", MIGTD_VR_QE_MISCSELECT, 4 }, { "ATTRIBUTES", MIGTD_VR_QE_ATTRIBUTES, 16 },
	{ "MRSIGNER", MIGTD_VR_QE_MRSIGNER, 32 },    { "ISVPRODID", MIGTD_VR_QE_ISVPRODID, 2 },
	{ "ISVSVN", MIGTD_VR_QE_ISVSVN, 2 },
};
static const struct field TDX_MODULE_FIELDS[] = {
	{ "TDXModuleMajorVersion", MIGTD_VR_TDX_MODULE_MAJOR, 1 },
	{ "TDXModuleSVN", MIGTD_VR_TDX_MODULE_SVN, 1 },
	{ "MRSEAM", MIGTD_VR_MRSEAM, 48 },
	{ "MRSIGNERSEAM", MIGTD_VR_MRSIGNERSEAM, 48 },
	{ "ATTRIBUTES", MIGTD_VR_SEAM_ATTRIBUTES, 8 },
};
static const struct field TDINFO_FIELDS[] = {
	{ "ATTRIBUTES", MIGTD_VR_TD_ATTRIBUTES, 8 },
	{ "XFAM", MIGTD_VR_XFAM, 8 },
	{ "MRTD", MIGTD_VR_MRTD, 48 },
	{ "MRCONFIGID", MIGTD_VR_MRCONFIGID, 48 },
	{ "MROWNER", MIGTD_VR_MROWNER, 48 },
	{ "MROWNERCONFIG", MIGTD_VR_MROWNERCONFIG, 48 },
	{ "RTMR0", MIGTD_VR_RTMR(0), 48 },
	{ "RTMR1", MIGTD_VR_RTMR(1), 48 },
	{ "RTMR2", MIGTD_VR_RTMR(2), 48 },
	{ "RTMR3", MIGTD_VR_RTMR(3), 48 },
};

/* Masks of the upstream MigTD (byte order as stored). */
static const uint8_t TD_ATTRIBUTES_MASK[8] = { 0xff, 0xff, 0x00, 0x30, 0x00, 0x00, 0x00, 0x40 };
static const uint8_t XFAM_MASK[8] = { 0x03, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };

static const char *const EVENT_NAMES[EVENTLOG_SEL_COUNT] = {
	[EVENTLOG_SEL_MIGTD_CORE] = "Digest.MigTdCore",
	[EVENTLOG_SEL_SECURE_BOOT_KEY] = "Digest.SecureBootKey",
	[EVENTLOG_SEL_MIGTD_CORE_SVN] = "Digest.MigTdCoreSvn",
	[EVENTLOG_SEL_MIGTD_POLICY] = "Digest.MigTdPolicy",
	[EVENTLOG_SEL_MIGTD_SGX_ROOT_KEY] = "Digest.MigTdSgxRootKey",
};

static bool name_is(struct policy_bytes b, const char *s)
{
	size_t n = strlen(s);

	return b.len == n && memcmp(b.p, s, n) == 0;
}

static const struct field *find_field(const struct field *tab, size_t n, struct policy_bytes name)
{
	for (size_t i = 0; i < n; i++)
		if (name_is(name, tab[i].name))
			return &tab[i];
	return NULL;
}

/* ---------------------------------------------------------------- compare */

static bool le64(const uint8_t *p, size_t n, uint64_t *v)
{
	if (n > 8)
		return false;
	*v = 0;
	for (size_t i = n; i-- > 0;)
		*v = (*v << 8) | p[i];
	return true;
}

static void upper_hex(char *out, size_t cap, const uint8_t *p, size_t n)
{
	static const char H[] = "0123456789ABCDEF";
	size_t o = 0;

	if (cap == 0)
		return;
	for (size_t i = 0; i < n && o + 2 < cap; i++) {
		out[o++] = H[p[i] >> 4];
		out[o++] = H[p[i] & 15];
	}
	out[o] = '\0';
}

/* uppercase-hex(P) == s, without building the hex string. */
static bool hex_equals(const uint8_t *p, size_t n, struct policy_bytes s)
{
	static const char H[] = "0123456789ABCDEF";

	if (s.len != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s.p[2 * i] != (uint8_t)H[p[i] >> 4] || s.p[2 * i + 1] != (uint8_t)H[p[i] & 15])
			return false;
	return true;
}

/* One property: §7.3, exactly as upstream. */
static bool prop_verify(const struct policy_prop *pr, bool is_src, const uint8_t *l, size_t ln,
			const uint8_t *p, size_t pn)
{
	uint64_t pv, lv;

	switch (pr->ref) {
	case POLICY_REF_INTEGER:
		if (!le64(p, pn, &pv))
			return false;
		if (pr->op == POLICY_OP_EQUAL)
			return pv == pr->a;
		if (pr->op == POLICY_OP_GREATER_OR_EQUAL)
			return pv >= pr->a;
		return false;
	case POLICY_REF_STRING: return pr->op == POLICY_OP_EQUAL && hex_equals(p, pn, pr->data);
	case POLICY_REF_SELF:
		if (ln != pn)
			return false;
		switch (pr->op) {
		case POLICY_OP_EQUAL:
		case POLICY_OP_ARRAY_EQUAL: return memcmp(l, p, pn) == 0;
		case POLICY_OP_GREATER_OR_EQUAL:
			if (!le64(l, ln, &lv) || !le64(p, pn, &pv))
				return false;
			/* The destination must be >= the source. */
			return is_src ? pv >= lv : lv >= pv;
		case POLICY_OP_ARRAY_GREATER_OR_EQUAL:
			for (size_t i = 0; i < pn; i++)
				if (is_src ? p[i] < l[i] : l[i] < p[i])
					return false;
			return true;
		default: return false;
		}
	case POLICY_REF_RANGE:
		if (!le64(p, pn, &pv))
			return false;
		if (pr->op != POLICY_OP_IN_RANGE && pr->op != POLICY_OP_IN_TIME_RANGE)
			return false;
		return pv >= pr->a && pv < pr->b;
	case POLICY_REF_ARRAY:
		if (pn != pr->data.len)
			return false;
		if (pr->op == POLICY_OP_ARRAY_EQUAL)
			return memcmp(p, pr->data.p, pn) == 0;
		if (pr->op == POLICY_OP_ARRAY_GREATER_OR_EQUAL) {
			for (size_t i = 0; i < pn; i++)
				if (p[i] < pr->data.p[i])
					return false;
			return true;
		}
		return false;
	}
	return false;
}

/* ---------------------------------------------------------------- explain */

struct ectx {
	const struct policy *pol;
	const struct policy_input *in;
	struct policy_explain *ex;
};

static void copy_text(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	migtd_snprintf(dst, cap, "%.*s", (int)(n > cap ? cap : n), (const char *)p);
}

static enum policy_result explain(struct ectx *c, enum policy_result r,
				  const struct policy_block *b, const char *section,
				  const struct policy_prop *pr)
{
	struct policy_explain *ex = c->ex;

	if (!ex)
		return r;
	ex->result = r;
	if (b) {
		ex->has_block = true;
		ex->kind = b->kind;
		ex->block_index = b->index;
	}
	if (section)
		migtd_snprintf(ex->section, sizeof(ex->section), "%s", section);
	if (pr) {
		ex->has_property = true;
		copy_text(ex->property, sizeof(ex->property), pr->name.p, pr->name.len);
		migtd_snprintf(ex->op, sizeof(ex->op), "%s", migtd_policy_op_name(pr->op));
		copy_text(ex->reference, sizeof(ex->reference), c->pol->doc + pr->ref_off,
			  pr->ref_len);
	}
	return r;
}

static void explain_values(struct ectx *c, const uint8_t *l, size_t ln, const uint8_t *p, size_t pn)
{
	if (!c->ex)
		return;
	c->ex->has_values = true;
	c->ex->local_missing = l == NULL;
	c->ex->peer_missing = p == NULL;
	if (l)
		upper_hex(c->ex->local_hex, sizeof(c->ex->local_hex), l, ln);
	if (p)
		upper_hex(c->ex->peer_hex, sizeof(c->ex->peer_hex), p, pn);
}

static void detail(struct ectx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void detail(struct ectx *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->ex)
		return;
	va_start(ap, fmt);
	migtd_vsnprintf(c->ex->detail, sizeof(c->ex->detail), fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- steps */

/*
 * Check the report-backed properties of a block. Returns POLICY_OK,
 * InvalidParameter (unknown name) or `fail`.
 */
static enum policy_result check_props(struct ectx *c, const struct policy_block *b,
				      const char *section, const struct field *tab, size_t ntab,
				      enum policy_result fail)
{
	const struct policy_input *in = c->in;

	for (unsigned i = 0; i < b->count; i++) {
		const struct policy_prop *pr = &c->pol->props[b->first + i];
		const struct field *f = find_field(tab, ntab, pr->name);
		uint8_t ml[8], mp[8];
		const uint8_t *l, *p;

		if (!f) {
			explain(c, POLICY_INVALID_PARAMETER, b, section, pr);
			detail(c, "unknown property name for %s", section);
			return POLICY_INVALID_PARAMETER;
		}
		l = in->local_report + f->off;
		p = in->peer_report + f->off;
		if (tab == TDINFO_FIELDS &&
		    (f->off == MIGTD_VR_TD_ATTRIBUTES || f->off == MIGTD_VR_XFAM)) {
			const uint8_t *mask =
				f->off == MIGTD_VR_TD_ATTRIBUTES ? TD_ATTRIBUTES_MASK : XFAM_MASK;

			for (unsigned k = 0; k < 8; k++) {
				ml[k] = l[k] & mask[k];
				mp[k] = p[k] & mask[k];
			}
			l = ml;
			p = mp;
		}
		if (!prop_verify(pr, in->is_src, l, f->len, p, f->len)) {
			explain(c, fail, b, section, pr);
			explain_values(c, l, f->len, p, f->len);
			if (l == ml)
				detail(c, "values shown after masking");
			return fail;
		}
	}
	return POLICY_OK;
}

static enum policy_result check_platform(struct ectx *c)
{
	const struct policy *pol = c->pol;
	const uint8_t *lf = c->in->local_report + MIGTD_VR_FMSPC,
		      *pf = c->in->peer_report + MIGTD_VR_FMSPC;
	const struct policy_block *only = NULL, *chosen = NULL;
	unsigned n = 0;
	char lhex[13], phex[13];

	upper_hex(lhex, sizeof(lhex), lf, 6);
	upper_hex(phex, sizeof(phex), pf, 6);
	for (unsigned i = 0; i < pol->nblocks; i++)
		if (pol->blocks[i].kind == POLICY_BLOCK_PLATFORM && n++ == 0)
			only = &pol->blocks[i];
	if (n == 1 && name_is(only->fmspc, "self")) {
		if (memcmp(lf, pf, 6) != 0) {
			explain(c, POLICY_PLATFORM_NOT_MATCH, only, "fmspc", NULL);
			explain_values(c, lf, 6, pf, 6);
			detail(c, "fmspc \"self\": peer FMSPC %s differs from local FMSPC %s", phex,
			       lhex);
			return POLICY_PLATFORM_NOT_MATCH;
		}
		chosen = only;
	} else {
		for (unsigned i = 0; i < pol->nblocks && !chosen; i++)
			if (pol->blocks[i].kind == POLICY_BLOCK_PLATFORM &&
			    hex_equals(pf, 6, pol->blocks[i].fmspc))
				chosen = &pol->blocks[i];
		if (!chosen) {
			explain(c, POLICY_PLATFORM_NOT_FOUND, NULL, NULL, NULL);
			explain_values(c, lf, 6, pf, 6);
			detail(c, "peer FMSPC %s is not listed in any of the %u platform block(s)",
			       phex, n);
			return POLICY_PLATFORM_NOT_FOUND;
		}
	}
	return check_props(c, chosen, "TcbInfo", PLATFORM_FIELDS,
			   sizeof(PLATFORM_FIELDS) / sizeof(PLATFORM_FIELDS[0]),
			   POLICY_UNQUALIFIED_PLATFORM_INFO);
}

/* TDX module blocks are alternatives: the first that passes ends the search. */
static enum policy_result check_tdx_module(struct ectx *c)
{
	unsigned tried = 0;

	for (unsigned i = 0; i < c->pol->nblocks; i++) {
		const struct policy_block *b = &c->pol->blocks[i];
		enum policy_result r;

		if (b->kind != POLICY_BLOCK_TDX_MODULE)
			continue;
		tried++;
		r = check_props(c, b, "TDXModule_Identity", TDX_MODULE_FIELDS,
				sizeof(TDX_MODULE_FIELDS) / sizeof(TDX_MODULE_FIELDS[0]),
				POLICY_UNQUALIFIED_TDX_MODULE_INFO);
		if (r == POLICY_OK) {
			if (c->ex)
				memset(c->ex, 0, sizeof(*c->ex));
			return POLICY_OK;
		}
		if (r == POLICY_INVALID_PARAMETER)
			return r;
	}
	if (tried == 0)
		return POLICY_OK;
	if (c->ex && tried > 1) {
		char last[sizeof(c->ex->detail)];

		migtd_snprintf(last, sizeof(last), "%s", c->ex->detail);
		detail(c, "none of the %u TDX module blocks passed; the last one failed here%s%s",
		       tried, last[0] ? "; " : "", last);
	}
	return POLICY_UNQUALIFIED_TDX_MODULE_INFO;
}

static int event_index(struct policy_bytes name)
{
	for (int i = 0; i < (int)EVENTLOG_SEL_COUNT; i++)
		if (name_is(name, EVENT_NAMES[i]))
			return i;
	if (name_is(name, "Digest.TdShim"))
		return -2; /* recognised, but no event ever maps to it */
	return -1;
}

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

bool migtd_policy_property_known(enum policy_block_kind kind, bool eventlog, const uint8_t *name,
				 size_t len)
{
	struct policy_bytes b = { name, len };

	if (eventlog)
		return kind == POLICY_BLOCK_MIGTD && event_index(b) != -1;
	switch (kind) {
	case POLICY_BLOCK_PLATFORM:
		return find_field(PLATFORM_FIELDS, ARRAY_LEN(PLATFORM_FIELDS), b) != NULL;
	case POLICY_BLOCK_QE: return find_field(QE_FIELDS, ARRAY_LEN(QE_FIELDS), b) != NULL;
	case POLICY_BLOCK_TDX_MODULE:
		return find_field(TDX_MODULE_FIELDS, ARRAY_LEN(TDX_MODULE_FIELDS), b) != NULL;
	case POLICY_BLOCK_MIGTD:
		return find_field(TDINFO_FIELDS, ARRAY_LEN(TDINFO_FIELDS), b) != NULL;
	default: return false;
	}
}


static enum policy_result check_eventlog(struct ectx *c, const struct policy_block *b)
{
	static const struct eventlog_parsed none;
	const struct eventlog_parsed *ll = c->in->local_log ? c->in->local_log : &none;
	const struct eventlog_parsed *pl = c->in->peer_log ? c->in->peer_log : &none;

	for (unsigned i = 0; i < b->ev_count; i++) {
		const struct policy_prop *pr = &c->pol->props[b->ev_first + i];
		int e = event_index(pr->name);
		const uint8_t *l = NULL, *p = NULL;
		size_t ln = 0, pn = 0;

		if (e == -1) {
			explain(c, POLICY_INVALID_EVENT_LOG, b, "EventLog", pr);
			detail(c, "unknown event-log name");
			return POLICY_INVALID_EVENT_LOG;
		}
		if (e >= 0) {
			l = ll->value[e], ln = ll->value_len[e];
			p = pl->value[e], pn = pl->value_len[e];
		}
		if (!l || !p) {
			explain(c, POLICY_UNQUALIFIED_MIGTD_INFO, b, "EventLog", pr);
			explain_values(c, l, ln, p, pn);
			detail(c, "%s%s%s event missing", !l ? "local" : "",
			       !l && !p ? " and " : "", !p ? "peer" : "");
			return POLICY_UNQUALIFIED_MIGTD_INFO;
		}
		if (!prop_verify(pr, c->in->is_src, l, ln, p, pn)) {
			explain(c, POLICY_UNQUALIFIED_MIGTD_INFO, b, "EventLog", pr);
			explain_values(c, l, ln, p, pn);
			return POLICY_UNQUALIFIED_MIGTD_INFO;
		}
	}
	return POLICY_OK;
}

enum policy_result migtd_policy_eval(const struct policy *p, const struct policy_input *in,
				     struct policy_explain *ex)
{
	struct ectx c = { p, in, ex };
	enum policy_result r;

	if (ex)
		memset(ex, 0, sizeof(*ex));
	/* Step 2, after parsing: both reports must be exactly 822 bytes. */
	if (in->local_len != MIGTD_VERIFIED_REPORT_SIZE ||
	    in->peer_len != MIGTD_VERIFIED_REPORT_SIZE) {
		explain(&c, POLICY_INVALID_PARAMETER, NULL, NULL, NULL);
		detail(&c, "verified report lengths: local %zu, peer %zu (must be %u)",
		       in->local_len, in->peer_len, MIGTD_VERIFIED_REPORT_SIZE);
		return POLICY_INVALID_PARAMETER;
	}
	r = check_platform(&c);
	if (r != POLICY_OK)
		return r;
	r = check_tdx_module(&c);
	if (r != POLICY_OK)
		return r;
	for (unsigned i = 0; i < p->nblocks; i++) {
		const struct policy_block *b = &p->blocks[i];

		if (b->kind == POLICY_BLOCK_QE) {
			r = check_props(&c, b, "QeIdentity", QE_FIELDS,
					sizeof(QE_FIELDS) / sizeof(QE_FIELDS[0]),
					POLICY_UNQUALIFIED_QE_INFO);
		} else if (b->kind == POLICY_BLOCK_MIGTD) {
			r = check_props(&c, b, "TDINFO", TDINFO_FIELDS,
					sizeof(TDINFO_FIELDS) / sizeof(TDINFO_FIELDS[0]),
					POLICY_UNQUALIFIED_MIGTD_INFO);
			if (r == POLICY_OK && b->has_eventlog)
				r = check_eventlog(&c, b);
		}
		if (r != POLICY_OK)
			return r;
	}
	if (ex)
		ex->result = POLICY_OK;
	return POLICY_OK;
}

enum policy_result migtd_policy_eval_doc(struct policy_workspace *ws, const uint8_t *doc,
					 size_t len, const struct policy_input *in,
					 struct policy_explain *ex)
{
	struct policy_explain local;

	if (!ex)
		ex = &local;
	memset(ex, 0, sizeof(*ex));
	/* Step 1: a short report is refused before the policy is even parsed. */
	if (in->local_len < MIGTD_VERIFIED_REPORT_SIZE ||
	    in->peer_len < MIGTD_VERIFIED_REPORT_SIZE) {
		ex->result = POLICY_INVALID_PARAMETER;
		migtd_snprintf(ex->detail, sizeof(ex->detail),
			       "verified report lengths: local %zu, peer %zu (must be %u)",
			       in->local_len, in->peer_len, MIGTD_VERIFIED_REPORT_SIZE);
		return POLICY_INVALID_PARAMETER;
	}
	if (migtd_policy_parse(ws, doc, len, &ex->parse) != MIGTD_OK) {
		ex->result = POLICY_INVALID_POLICY;
		return POLICY_INVALID_POLICY;
	}
	return migtd_policy_eval(&ws->policy, in, ex);
}

size_t migtd_policy_explain_render(const struct policy_explain *ex, char *buf, size_t cap)
{
	size_t n = 0;

#define OUT(...) \
	(n += migtd_snprintf(buf + (n < cap ? n : cap), n < cap ? cap - n : 0, __VA_ARGS__))
	if (ex->result == POLICY_OK)
		return OUT("policy satisfied\n");
	if (ex->result == POLICY_INVALID_POLICY) {
		const struct policy_parse_error *e = &ex->parse;

		OUT("invalid policy: %s\n", e->msg[0] ? e->msg : "malformed");
		OUT("  at line %u, column %u (byte %zu)%s%s\n", e->line, e->column, e->offset,
		    e->path[0] ? ", " : "", e->path);
		if (e->legacy)
			OUT("  (this is the legacy 2023 policy format)\n");
		return n;
	}
	if (ex->has_block)
		OUT("block: policy[%u] (%s)\n", ex->block_index,
		    migtd_policy_block_kind_name(ex->kind));
	if (ex->has_property) {
		OUT("property: %s%s%s\n", ex->section, ex->section[0] ? "." : "", ex->property);
		OUT("operation: %s\n", ex->op);
		OUT("reference: %s\n", ex->reference);
	}
	if (ex->has_values) {
		OUT("local value: %s\n", ex->local_missing ? "(missing)" : ex->local_hex);
		OUT("peer value:  %s\n", ex->peer_missing ? "(missing)" : ex->peer_hex);
	}
	if (ex->detail[0])
		OUT("%s\n", ex->detail);
#undef OUT
	return n;
}
