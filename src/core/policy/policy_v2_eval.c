/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * policy_v2_eval.c -- authenticating and evaluating a peer under policy v2
 * (docs/policy-v2.md, docs/protocol.md §7.7.7, §7.7.8): the evaluation info
 * of a MigTD (platform TCB from its verified report, MigTD SVN from the TCB
 * mapping, CRL numbers from the local collateral), the property rules, the
 * mandatory deny, and the result names and explanations.
 *
 * A failing property yields the error of its section (TcbEvaluation for
 * global.tcb / global.platform, CrlEvaluation for global.crl, SvnMismatch
 * for servtd.migtdIdentity); an operation or reference that cannot apply
 * to a property is an error of its own (InvalidOperation / InvalidReference),
 * never a silent "false". Every block of a list must pass.
 */
#include <stdarg.h>
#include <string.h>

#include <mbedtls/platform.h>
#include <mbedtls/platform_util.h>

#include "migtd/err.h"
#include "migtd/eventlog.h"
#include "migtd/fmt.h"
#include "migtd/presession.h"
#include "migtd/wire.h"
#include "policy_v2_internal.h"

/* ---------------------------------------------------------------- results */

static const char *const result_names[MIGTD_PV2_RESULT_COUNT] = {
	[MIGTD_PV2_OK] = "Ok",
	[MIGTD_PV2_INVALID_POLICY] = "InvalidPolicy",
	[MIGTD_PV2_INVALID_PARAMETER] = "InvalidParameter",
	[MIGTD_PV2_INVALID_COLLATERAL] = "InvalidCollateral",
	[MIGTD_PV2_QUOTE_VERIFICATION] = "QuoteVerification",
	[MIGTD_PV2_INVALID_EVENT_LOG] = "InvalidEventLog",
	[MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED] = "SignatureVerificationFailed",
	[MIGTD_PV2_PEER_CERT_CHAIN_VALIDATION] = "PeerCertChainValidation",
	[MIGTD_PV2_POLICY_HASH_MISMATCH] = "PolicyHashMismatch",
	[MIGTD_PV2_TCB_EVALUATION] = "TcbEvaluation",
	[MIGTD_PV2_CRL_EVALUATION] = "CrlEvaluation",
	[MIGTD_PV2_SVN_MISMATCH] = "SvnMismatch",
	[MIGTD_PV2_UNQUALIFIED_MIGTD_INFO] = "UnqualifiedMigTdInfo",
	[MIGTD_PV2_INVALID_OPERATION] = "InvalidOperation",
	[MIGTD_PV2_INVALID_REFERENCE] = "InvalidReference",
	[MIGTD_PV2_INVALID_TD_REPORT] = "InvalidTdReport",
	[MIGTD_PV2_NO_MEMORY] = "OutOfResource",
};

const char *migtd_pv2_result_name(enum migtd_pv2_result r)
{
	return (unsigned)r < MIGTD_PV2_RESULT_COUNT ? result_names[r] : "?";
}

int migtd_pv2_result_err(enum migtd_pv2_result r)
{
	switch (r) {
	case MIGTD_PV2_OK: return MIGTD_OK;
	case MIGTD_PV2_INVALID_POLICY: return MIGTD_ERR_INVALID_POLICY;
	case MIGTD_PV2_NO_MEMORY: return MIGTD_ERR_NOMEM;
	default: return MIGTD_ERR_POLICY;
	}
}

enum migtd_pv2_result migtd_pv2_fail(struct migtd_pv2_explain *ex, enum migtd_pv2_result r,
				     const char *step, const char *fmt, ...)
{
	va_list ap;

	if (!ex)
		return r;
	ex->result = r;
	migtd_snprintf(ex->step, sizeof(ex->step), "%s", step);
	va_start(ap, fmt);
	migtd_vsnprintf(ex->detail, sizeof(ex->detail), fmt, ap);
	va_end(ap);
	return r;
}

size_t migtd_pv2_explain_render(const struct migtd_pv2_explain *ex, char *buf, size_t cap)
{
	size_t n = migtd_snprintf(buf, cap, "result: %s (status %d)\nstep: %s\n",
				  migtd_pv2_result_name(ex->result),
				  (int)migtd_err_status(migtd_pv2_result_err(ex->result)),
				  ex->step[0] ? ex->step : "-");

	if (ex->where[0])
		n += migtd_snprintf(n < cap ? buf + n : NULL, n < cap ? cap - n : 0,
				    "property: %s\noperation: %s\nreference: %s\nvalue: %s\n",
				    ex->where, ex->op, ex->reference, ex->value);
	if (ex->detail[0])
		n += migtd_snprintf(n < cap ? buf + n : NULL, n < cap ? cap - n : 0, "detail: %s\n",
				    ex->detail);
	return n;
}

void migtd_pv2_iso_date(uint64_t t, char out[MIGTD_PV2_DATE_LEN + 1])
{
	/* Civil from days (H. Hinnant), for the unsigned time of the report. */
	uint64_t days = t / 86400u, sod = t % 86400u;
	uint64_t z = days + 719468u, era = z / 146097u, doe = z - era * 146097u;
	uint64_t yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u;
	uint64_t y = yoe + era * 400u, doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);
	uint64_t mp = (5u * doy + 2u) / 153u, d = doy - (153u * mp + 2u) / 5u + 1u;
	uint64_t m = mp < 10u ? mp + 3u : mp - 9u;

	if (m <= 2u)
		y++;
	if (y > 9999u)
		y = 9999u;
	migtd_snprintf(out, MIGTD_PV2_DATE_LEN + 1, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)y,
		       (unsigned)m, (unsigned)d, (unsigned)(sod / 3600u),
		       (unsigned)(sod / 60u % 60u), (unsigned)(sod % 60u));
}

/* ---------------------------------------------------------------- evaluation info */

/* What the rules see of one MigTD (§7.7.7 step 5). */
struct pv2_info {
	char tcb_date[MIGTD_PV2_DATE_LEN + 1];
	char tcb_status[MIGTD_TCB_STATUS_LEN + 1];
	bool has_eval;
	uint32_t eval_num;
	char fmspc[13];
	bool has_svn;
	uint16_t svn;
	bool has_level;
	char migtd_date[MIGTD_PV2_DATE_LEN + 1];
	uint8_t migtd_status;
	uint32_t pck_crl_num, root_ca_crl_num;
};

static bool mapping_matches(const struct migtd_pv2_svn_mapping *m, const uint8_t *report)
{
	if (memcmp(m->mrtd, report + MIGTD_VR_MRTD, 48) != 0)
		return false;
	for (unsigned r = 0; r < 4; r++)
		if (m->has_rtmr[r] && memcmp(m->rtmr[r], report + MIGTD_VR_RTMR(r), 48) != 0)
			return false;
	return true;
}

/* report: a verified report; servtd: whose tdTcbMapping/tdIdentity apply;
 * local: the collateral facts (CRL numbers). */
static void build_info(struct pv2_info *v, const uint8_t *report, bool has_eval, uint32_t eval,
		       const struct migtd_policy_v2 *servtd, const struct migtd_policy_v2 *local)
{
	const struct migtd_pv2_tcb_level *best = NULL;

	memset(v, 0, sizeof(*v));
	migtd_pv2_iso_date(migtd_wire_get_u64(report + MIGTD_VR_EARLIEST_TCB_DATE), v->tcb_date);
	memcpy(v->tcb_status, report + MIGTD_VR_TCB_STATUS, MIGTD_TCB_STATUS_LEN);
	v->has_eval = has_eval;
	v->eval_num = eval;
	for (unsigned k = 0; k < 6; k++)
		migtd_snprintf(v->fmspc + 2 * k, 3, "%02X", report[MIGTD_VR_FMSPC + k]);
	for (unsigned k = 0; k < servtd->nmappings; k++)
		if (mapping_matches(&servtd->mappings[k], report)) {
			v->has_svn = true;
			v->svn = servtd->mappings[k].isvsvn;
			break;
		}
	if (v->has_svn)
		for (unsigned k = 0; k < servtd->nlevels; k++) {
			const struct migtd_pv2_tcb_level *l = &servtd->levels[k];

			if (l->isvsvn <= v->svn && (!best || l->isvsvn > best->isvsvn))
				best = l;
		}
	if (best) {
		v->has_level = true;
		memcpy(v->migtd_date, best->tcb_date, sizeof(v->migtd_date));
		v->migtd_status = best->status;
	}
	v->pck_crl_num = local->pck_crl_num;
	v->root_ca_crl_num = local->root_ca_crl_num;
}

/* ---------------------------------------------------------------- properties */

struct ectx {
	const struct migtd_policy_v2 *p;
	const struct migtd_pv2_block *b;
	const struct migtd_pv2_prop *pr;
	struct migtd_pv2_explain *ex;
};

static const char *const list_names[3] = { "policy", "forwardPolicy", "backwardPolicy" };

static enum migtd_pv2_result efail(struct ectx *c, enum migtd_pv2_result r, const char *value,
				   const char *why)
{
	struct migtd_pv2_explain *ex = c->ex;
	const struct migtd_pv2_span t = c->pr->text;

	if (!ex)
		return r;
	migtd_pv2_fail(ex, r, "evaluate", "%s", why);
	migtd_snprintf(ex->where, sizeof(ex->where), "%s[%u].%s", list_names[c->b->list % 3],
		       (unsigned)c->b->index, migtd_pv2_prop_path(c->pr->name));
	migtd_snprintf(ex->op, sizeof(ex->op), "%s", migtd_pv2_op_text(c->pr->op));
	/* the reference as written, with a string's quotes */
	migtd_snprintf(ex->reference, sizeof(ex->reference), "%s%.*s%s",
		       c->pr->ref == PV2_REF_STRING ? "\"" : "", (int)t.len,
		       (const char *)c->p->doc + t.off, c->pr->ref == PV2_REF_STRING ? "\"" : "");
	migtd_snprintf(ex->value, sizeof(ex->value), "%s", value);
	return r;
}

static bool text_is(const struct migtd_policy_v2 *p, struct migtd_pv2_span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len == n && memcmp(p->doc + s.off, lit, n) == 0;
}

static bool is_relative(const struct ectx *c)
{
	return c->pr->ref == PV2_REF_STRING &&
	       (text_is(c->p, c->pr->text, "self") || text_is(c->p, c->pr->text, "init"));
}

static enum migtd_pv2_result eval_int(struct ectx *c, enum migtd_pv2_result fail, bool have,
				      uint32_t v, bool self_have, uint32_t self_v)
{
	const struct migtd_pv2_prop *pr = c->pr;
	const uint8_t *s = c->p->doc + pr->text.off;
	char val[16];
	bool ok;

	migtd_snprintf(val, sizeof(val), "%u", (unsigned)v);
	if (!have)
		return efail(c,
			     fail == MIGTD_PV2_SVN_MISMATCH ? MIGTD_PV2_UNQUALIFIED_MIGTD_INFO
							    : fail,
			     "(unknown)", "the value is not known for this MigTD");
	switch (pr->ref) {
	case PV2_REF_INTEGER:
		if (pr->op == PV2_OP_EQUAL)
			ok = v == pr->ival;
		else if (pr->op == PV2_OP_GREATER_OR_EQUAL)
			ok = v >= pr->ival;
		else
			return efail(c, MIGTD_PV2_INVALID_OPERATION, val,
				     "an integer reference takes equal or greater-or-equal");
		break;
	case PV2_REF_STRING:
		if (pr->op == PV2_OP_IN_RANGE || pr->op == PV2_OP_IN_TIME_RANGE) {
			const uint8_t *dots = NULL;
			uint32_t a, b;
			unsigned ndots = 0;

			for (size_t k = 0; k + 1 < pr->text.len; k++)
				if (s[k] == '.' && s[k + 1] == '.') {
					ndots++;
					dots = s + k;
					k++;
				}
			if (ndots != 1)
				return efail(c, MIGTD_PV2_INVALID_OPERATION, val,
					     "a range reference is \"a..b\"");
			if (migtd_pv2_dec_u32(s, (size_t)(dots - s), &a) ||
			    migtd_pv2_dec_u32(dots + 2, pr->text.len - (size_t)(dots - s) - 2, &b))
				return efail(c, MIGTD_PV2_INVALID_REFERENCE, val,
					     "the range bounds are not decimal u32");
			ok = a <= v && v <= b;
			break;
		}
		if (pr->op != PV2_OP_EQUAL && pr->op != PV2_OP_GREATER_OR_EQUAL)
			return efail(c, MIGTD_PV2_INVALID_OPERATION, val,
				     "operation not valid for this reference");
		if (!is_relative(c))
			return efail(
				c, MIGTD_PV2_INVALID_OPERATION, val,
				"a string reference other than \"self\"/\"init\" takes in-range");
		if (!self_have)
			return efail(c, MIGTD_PV2_INVALID_REFERENCE, val,
				     "the relative reference (own value) is not known");
		ok = pr->op == PV2_OP_EQUAL ? v == self_v : v >= self_v;
		break;
	case PV2_REF_INT_LIST:
		if (pr->op != PV2_OP_SUBSET)
			return efail(c, MIGTD_PV2_INVALID_OPERATION, val,
				     "an integer list takes the subset operation");
		ok = false;
		for (unsigned k = 0; k < pr->count; k++) {
			struct migtd_pv2_span it = c->p->items[pr->first + k];
			uint32_t x;

			if (!migtd_pv2_dec_u32(c->p->doc + it.off, it.len, &x) && x == v)
				ok = true;
		}
		break;
	default:
		return efail(c, MIGTD_PV2_INVALID_REFERENCE, val,
			     "a string list does not apply to an integer property");
	}
	return ok ? MIGTD_PV2_OK : efail(c, fail, val, "the value does not satisfy the rule");
}

static bool list_has(const struct ectx *c, const char *v)
{
	size_t n = strlen(v);

	for (unsigned k = 0; k < c->pr->count; k++) {
		struct migtd_pv2_span it = c->p->items[c->pr->first + k];

		if (it.len == n && memcmp(c->p->doc + it.off, v, n) == 0)
			return true;
	}
	return false;
}

static enum migtd_pv2_result eval_str(struct ectx *c, enum migtd_pv2_result fail, const char *v,
				      const char *self_v)
{
	const struct migtd_pv2_prop *pr = c->pr;
	bool ok;

	if (!v)
		return efail(c,
			     fail == MIGTD_PV2_SVN_MISMATCH ? MIGTD_PV2_UNQUALIFIED_MIGTD_INFO
							    : fail,
			     "(unknown)", "the value is not known for this MigTD");
	if (pr->ref == PV2_REF_STRING) {
		int cmp;

		if (pr->op != PV2_OP_EQUAL && pr->op != PV2_OP_GREATER_OR_EQUAL)
			return efail(c, MIGTD_PV2_INVALID_OPERATION, v,
				     "a string reference takes equal or greater-or-equal");
		if (is_relative(c)) {
			if (!self_v)
				return efail(c, MIGTD_PV2_INVALID_REFERENCE, v,
					     "the relative reference (own value) is not known");
			cmp = strcmp(v, self_v);
		} else {
			size_t n = strlen(v), m = pr->text.len;
			int k = memcmp(v, c->p->doc + pr->text.off, n < m ? n : m);

			cmp = k ? k : (n < m ? -1 : n > m ? 1 : 0);
		}
		ok = pr->op == PV2_OP_EQUAL ? cmp == 0 : cmp >= 0;
	} else if (pr->ref == PV2_REF_STR_LIST) {
		if (pr->op == PV2_OP_ALLOW_LIST)
			ok = list_has(c, v);
		else if (pr->op == PV2_OP_DENY_LIST)
			ok = !list_has(c, v);
		else
			return efail(c, MIGTD_PV2_INVALID_OPERATION, v,
				     "a string list takes allow-list or deny-list");
	} else {
		return efail(c, MIGTD_PV2_INVALID_REFERENCE, v,
			     "a string property takes a string or a string list");
	}
	return ok ? MIGTD_PV2_OK : efail(c, fail, v, "the value does not satisfy the rule");
}

/* Platform TCB statuses and their rank (§7.7.8). */
static int status_rank(const uint8_t *s, size_t n)
{
	static const struct {
		const char *name;
		int rank;
	} st[] = {
		{ "UpToDate", 2 },
		{ "SWHardeningNeeded", 2 },
		{ "OutOfDate", 2 },
		{ "ConfigurationNeeded", 1 },
		{ "ConfigurationAndSWHardeningNeeded", 1 },
		{ "OutOfDateConfigurationNeeded", 1 },
		{ "Revoked", 0 },
	};

	for (unsigned k = 0; k < sizeof(st) / sizeof(st[0]); k++)
		if (strlen(st[k].name) == n && memcmp(st[k].name, s, n) == 0)
			return st[k].rank;
	return -1;
}

static enum migtd_pv2_result eval_status(struct ectx *c, const char *v, const char *self_v)
{
	const struct migtd_pv2_prop *pr = c->pr;
	int rank = status_rank((const uint8_t *)v, strlen(v)), ref;

	/* A status the report carries but no rule knows counts as a missing value. */
	if (rank < 0)
		return efail(c, MIGTD_PV2_TCB_EVALUATION, v,
			     "the platform's TCB status is unknown");
	if (pr->ref == PV2_REF_STR_LIST)
		for (unsigned k = 0; k < pr->count; k++) {
			struct migtd_pv2_span it = c->p->items[pr->first + k];

			if (status_rank(c->p->doc + it.off, it.len) < 0)
				return efail(c, MIGTD_PV2_INVALID_PARAMETER, v,
					     "a list item is not a TCB status name");
		}
	if (rank == 0)
		return efail(c, MIGTD_PV2_TCB_EVALUATION, v, "a Revoked platform never passes");
	if (rank == 2)
		return MIGTD_PV2_OK; /* time is not trusted: OutOfDate cannot be enforced */
	if (pr->ref == PV2_REF_STR_LIST) {
		if (pr->op == PV2_OP_ALLOW_LIST)
			return list_has(c, "ConfigurationNeeded")
				       ? MIGTD_PV2_OK
				       : efail(c, MIGTD_PV2_TCB_EVALUATION, v,
					       "configuration statuses need \"ConfigurationNeeded\" "
					       "in the allow-list");
		if (pr->op == PV2_OP_DENY_LIST)
			return efail(c, MIGTD_PV2_TCB_EVALUATION, v,
				     "a deny-list refuses the configuration statuses");
		return efail(c, MIGTD_PV2_INVALID_OPERATION, v,
			     "a status list takes allow-list or deny-list");
	}
	if (pr->ref != PV2_REF_STRING)
		return efail(c, MIGTD_PV2_INVALID_REFERENCE, v,
			     "tcbStatusAccepted takes a status or a list of statuses");
	if (pr->op != PV2_OP_EQUAL && pr->op != PV2_OP_GREATER_OR_EQUAL)
		return efail(c, MIGTD_PV2_INVALID_OPERATION, v,
			     "a status reference takes equal or greater-or-equal");
	if (is_relative(c)) {
		if (!self_v)
			return efail(c, MIGTD_PV2_INVALID_REFERENCE, v,
				     "the relative reference (own value) is not known");
		ref = status_rank((const uint8_t *)self_v, strlen(self_v));
	} else {
		ref = status_rank(c->p->doc + pr->text.off, pr->text.len);
	}
	if (ref < 0)
		return efail(c, MIGTD_PV2_INVALID_PARAMETER, v,
			     "the reference is not a TCB status");
	if (pr->op == PV2_OP_EQUAL ? rank == ref : rank >= ref)
		return MIGTD_PV2_OK;
	return efail(c, MIGTD_PV2_TCB_EVALUATION, v, "the status ranks below the reference");
}

static enum migtd_pv2_result eval_prop(struct ectx *c, const struct pv2_info *v,
				       const struct pv2_info *self)
{
	switch (c->pr->name) {
	case PV2_P_TCB_DATE:
		return eval_str(c, MIGTD_PV2_TCB_EVALUATION, v->tcb_date,
				self ? self->tcb_date : NULL);
	case PV2_P_TCB_STATUS: return eval_status(c, v->tcb_status, self ? self->tcb_status : NULL);
	case PV2_P_TCB_EVAL_NUM:
		return eval_int(c, MIGTD_PV2_TCB_EVALUATION, v->has_eval, v->eval_num,
				self && self->has_eval, self ? self->eval_num : 0);
	case PV2_P_FMSPC:
		return eval_str(c, MIGTD_PV2_TCB_EVALUATION, v->fmspc, self ? self->fmspc : NULL);
	case PV2_P_PCK_CRL_NUM:
		return eval_int(c, MIGTD_PV2_CRL_EVALUATION, true, v->pck_crl_num, self != NULL,
				self ? self->pck_crl_num : 0);
	case PV2_P_ROOT_CA_CRL_NUM:
		return eval_int(c, MIGTD_PV2_CRL_EVALUATION, true, v->root_ca_crl_num, self != NULL,
				self ? self->root_ca_crl_num : 0);
	case PV2_P_MIGTD_ISVSVN:
		return eval_int(c, MIGTD_PV2_SVN_MISMATCH, v->has_svn, v->svn,
				self && self->has_svn, self ? self->svn : 0);
	case PV2_P_MIGTD_TCB_DATE:
		return eval_str(c, MIGTD_PV2_SVN_MISMATCH, v->has_level ? v->migtd_date : NULL,
				self && self->has_level ? self->migtd_date : NULL);
	case PV2_P_MIGTD_TCB_STATUS:
		if (!v->has_level)
			return efail(c, MIGTD_PV2_UNQUALIFIED_MIGTD_INFO, "(unknown)",
				     "the MigTD's TCB level is not known");
		if (v->migtd_status == MIGTD_PV2_SERVTD_REVOKED)
			return efail(c, MIGTD_PV2_SVN_MISMATCH, "Revoked",
				     "a Revoked MigTD never passes");
		return MIGTD_PV2_OK;
	default: return efail(c, MIGTD_PV2_INVALID_POLICY, "", "unknown property");
	}
}

/* The mandatory deny (§7.7.8), after each evaluated list. */
static enum migtd_pv2_result deny(const struct pv2_info *v, struct migtd_pv2_explain *ex)
{
	if (strcmp(v->tcb_status, "Revoked") == 0)
		return migtd_pv2_fail(ex, MIGTD_PV2_TCB_EVALUATION, "evaluate",
				      "mandatory deny: the platform TCB is Revoked");
	if (!v->has_level)
		return migtd_pv2_fail(ex, MIGTD_PV2_UNQUALIFIED_MIGTD_INFO, "evaluate",
				      "mandatory deny: the MigTD's measurements match no "
				      "tdTcbMapping entry, or its SVN no tdIdentity TCB level");
	if (v->migtd_status == MIGTD_PV2_SERVTD_REVOKED)
		return migtd_pv2_fail(ex, MIGTD_PV2_SVN_MISMATCH, "evaluate",
				      "mandatory deny: the MigTD's TCB level is Revoked");
	return MIGTD_PV2_OK;
}

static enum migtd_pv2_result eval_list(const struct migtd_policy_v2 *p, unsigned list,
				       const struct pv2_info *v, const struct pv2_info *self,
				       struct migtd_pv2_explain *ex)
{
	for (unsigned b = 0; b < p->nblocks; b++) {
		const struct migtd_pv2_block *bl = &p->blocks[b];

		if (bl->list != list)
			continue;
		for (unsigned k = 0; k < bl->count; k++) {
			struct ectx c = { p, bl, &p->props[bl->first + k], ex };
			enum migtd_pv2_result r = eval_prop(&c, v, self);

			if (r)
				return r;
		}
	}
	return deny(v, ex);
}

/* ---------------------------------------------------------------- authenticate */

static bool chain_compatible(const struct migtd_pv2_chain_info *peer,
			     const struct migtd_pv2_chain_info *local)
{
	return memcmp(peer->root_der_sha384, local->root_der_sha384, 48) == 0 &&
	       memcmp(peer->leaf_subject_sha384, local->leaf_subject_sha384, 48) == 0 &&
	       peer->issuers_are_ca;
}

/* The own evaluation info: the own verified report under the local policy.
 * Only the evaluation number of the own platform's tcbInfo is needed, not
 * the whole collateral (which own_report was verified with). */
static enum migtd_pv2_result self_info(const struct migtd_policy_v2 *local, const uint8_t *own,
				       struct pv2_info *self)
{
	uint32_t eval = 0;
	enum migtd_pv2_result r = migtd_pv2_eval_number(local, own + MIGTD_VR_FMSPC, &eval);

	if (r == MIGTD_PV2_NO_MEMORY)
		return r;
	build_info(self, own, r == MIGTD_PV2_OK, eval, local, local);
	return MIGTD_PV2_OK;
}

enum migtd_pv2_result migtd_policy_v2_authenticate(const struct migtd_policy_v2 *local,
						   const struct migtd_pv2_peer *peer,
						   uint8_t peer_report[MIGTD_VERIFIED_REPORT_SIZE],
						   struct migtd_pv2_explain *ex)
{
	struct migtd_policy_v2 *pp = NULL;
	const struct migtd_policy_v2 *pv;
	struct migtd_presession_blob blob;
	bool same;
	struct eventlog_event ev;
	uint8_t report[MIGTD_VERIFIED_REPORT_SIZE];
	const uint8_t *pol, *chain, *payload;
	size_t pol_len, chain_len, payload_len;
	uint32_t eval = 0;
	enum migtd_pv2_result r;
	int ret;

	if (ex)
		memset(ex, 0, sizeof(*ex));
	if (!local || !peer)
		return migtd_pv2_fail(ex, MIGTD_PV2_INVALID_PARAMETER, "input", "no input");
	/* 1: the blob, decoded by the wire module that owns its format; the
	 * parts must also fit our caps, so a part no load could accept is
	 * refused as the blob's fault (InvalidParameter, status 1 upstream). */
	if (migtd_presession_blob_decode(peer->blob, peer->blob_len, &blob) != MIGTD_OK)
		return migtd_pv2_fail(ex, MIGTD_PV2_INVALID_PARAMETER, "blob",
				      "the pre-session blob does not decode");
	if (blob.policy_len > MIGTD_PV2_MAX_POLICY || blob.chain_len > MIGTD_PV2_MAX_CHAIN)
		return migtd_pv2_fail(ex, MIGTD_PV2_INVALID_PARAMETER, "blob",
				      "a pre-session blob part is above its cap");
	pol = blob.policy;
	pol_len = blob.policy_len;
	chain = blob.chain;
	chain_len = blob.chain_len;
	/* 2: the peer quote, with our collateral for its FMSPC */
	r = migtd_pv2_verify_quote_ex(local, peer->quote, peer->quote_len, peer->time_mode,
				      peer->now, peer->sig_cache, report, &eval, ex);
	if (r)
		goto out;
	/* 3: the peer policy: parse, event log, signatures, chains. A peer that
	 * runs our very policy (same bytes, same chain: the common case in a
	 * fleet) needs neither: the result would be ours, already verified. */
	same = pol_len == local->doc_len && chain_len == local->chain_len &&
	       memcmp(pol, local->doc, pol_len) == 0 && memcmp(chain, local->chain, chain_len) == 0;
	if (same) {
		pv = local;
	} else {
		pp = mbedtls_calloc(1, sizeof(*pp));
		if (!pp) {
			r = migtd_pv2_fail(ex, MIGTD_PV2_NO_MEMORY, "peer policy", "no memory");
			goto out;
		}
		r = migtd_pv2_verify_outer(pp, pol, pol_len, ex);
		if (r)
			goto out;
		pv = pp;
	}
	if (!peer->accept_eventlog_mismatch &&
	    migtd_eventlog_verify_rtmrs(peer->event_log, peer->event_log_len,
					report + MIGTD_VR_RTMR(0)) != MIGTD_OK) {
		r = migtd_pv2_fail(ex, MIGTD_PV2_INVALID_EVENT_LOG, "event log",
				   "the peer event log does not replay to its RTMRs");
		goto out;
	}
	if (!same) {
		r = migtd_pv2_verify_rest(pp, chain, chain_len, ex);
		if (r)
			goto out;
	}
	if (!chain_compatible(&pv->policy_chain, &local->policy_chain) ||
	    !chain_compatible(&pv->identity_chain, &local->identity_chain) ||
	    !chain_compatible(&pv->mapping_chain, &local->mapping_chain)) {
		r = migtd_pv2_fail(ex, MIGTD_PV2_PEER_CERT_CHAIN_VALIDATION, "chain",
				   "a peer issuer chain has another root, another leaf subject, or "
				   "an issuer that is not a CA");
		goto out;
	}
	/* 4: the policy the peer measured is the one it sent */
	ret = migtd_eventlog_find_tagged(peer->event_log, peer->event_log_len, EVENTLOG_TAG_POLICY,
					 &ev, &payload, &payload_len);
	if (ret != 1 || memcmp(ev.digest, pv->doc_sha384, 48) != 0) {
		r = migtd_pv2_fail(
			ex, MIGTD_PV2_POLICY_HASH_MISMATCH, "policy hash",
			ret == 1 ? "SHA384 of the peer policy is not its tag-1 event digest"
				 : "the peer event log has no policy (tag-1) event");
		goto out;
	}
	/* 5-8 */
	r = migtd_policy_v2_evaluate(local, pv, report, eval, peer->own_report,
				     peer->local_is_source, ex);
	if (r)
		goto out;
	if (peer_report)
		memcpy(peer_report, report, sizeof(report));
out:
	mbedtls_free(pp);
	mbedtls_platform_zeroize(report, sizeof(report));
	return r;
}

enum migtd_pv2_result migtd_policy_v2_check_init(const struct migtd_policy_v2 *p,
						 const uint8_t init_mrowner[48],
						 const uint8_t init_mrownerconfig[48],
						 struct migtd_pv2_explain *ex)
{
	uint8_t o[48], oc[48];
	static const uint8_t zero[44];

	migtd_policy_v2_owner(p, o, oc);
	if (memcmp(o, init_mrowner, 48) != 0)
		return migtd_pv2_fail(ex, MIGTD_PV2_SVN_MISMATCH, "init",
				      "init MROWNER is not our policy signer");
	if (memcmp(init_mrownerconfig + 4, zero, sizeof(zero)) != 0 ||
	    migtd_wire_get_u32(init_mrownerconfig) > p->policy_svn)
		return migtd_pv2_fail(ex, MIGTD_PV2_SVN_MISMATCH, "init",
				      "init MROWNERCONFIG is not an SVN <= our policySvn %u",
				      (unsigned)p->policy_svn);
	return MIGTD_PV2_OK;
}

/* ---------------------------------------------------------------- explain an evaluation */

enum migtd_pv2_result migtd_policy_v2_evaluate(const struct migtd_policy_v2 *local,
					       const struct migtd_policy_v2 *peer_policy,
					       const uint8_t *peer_report, uint32_t peer_eval,
					       const uint8_t *own_report, bool local_is_source,
					       struct migtd_pv2_explain *ex)
{
	struct pv2_info v, self;
	enum migtd_pv2_result r;

	/* 5, 6: evaluation infos */
	build_info(&v, peer_report, true, peer_eval, peer_policy, local);
	if (own_report) {
		r = self_info(local, own_report, &self);
		if (r)
			return r;
	}
	/* 7: policy, then forward (we are the source) or backward */
	r = eval_list(local, 0, &v, own_report ? &self : NULL, ex);
	if (!r)
		r = eval_list(local, local_is_source ? 1u : 2u, &v, own_report ? &self : NULL, ex);
	/* 8: a destination must not run an older policy than ours */
	if (!r && local_is_source && peer_policy->policy_svn < local->policy_svn)
		r = migtd_pv2_fail(ex, MIGTD_PV2_SVN_MISMATCH, "policy svn",
				   "the destination's policySvn %u is below ours (%u)",
				   (unsigned)peer_policy->policy_svn, (unsigned)local->policy_svn);
	return r;
}
