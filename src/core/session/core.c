/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * core.c -- MigTD boot (measurements, policy, Query) and the request loop
 * (docs/protocol.md §1.2 steps 4-7, §1.4, §2.2, §2.3, §9.4, §9.5).
 *
 * The request loop keeps one WaitForRequest in flight at a time, as
 * upstream's single background task does. An answer with operation 0 is
 * asked again after poll_interval_ms (the polling build re-issues the call
 * each time it is polled); an answer with a request is followed at once by
 * the next WaitForRequest, so a burst of requests is drained quickly. No
 * WaitForRequest is issued while max_sessions requests are in flight: the
 * VMM keeps the next request until a slot is free.
 */
#include <string.h>

#include <mbedtls/platform.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha512.h>
#include <mbedtls/x509_crt.h>

#include "migtd/fmt.h"
#include "migtd/log.h"
#include "migtd/tdreport.h"
#include "session_internal.h"

/* Backstop wake-up when nothing is timed (the host also wakes on I/O). */
#define CORE_IDLE_WAKEUP_MS 1000u

int migtd_core_init(struct migtd_core *c, const struct migtd_platform *plat,
		    const struct migtd_config *cfg)
{
	if (c == NULL)
		return MIGTD_ERR_INVALID;
	memset(c, 0, sizeof(*c));
	if (plat == NULL || cfg == NULL || cfg->policy == NULL || cfg->policy_len == 0 ||
	    cfg->max_sessions > MIGTD_MAX_SESSIONS ||
	    (cfg->profile != MIGTD_PROFILE_SERVICE && cfg->profile != MIGTD_PROFILE_VMCALL_RAW))
		return MIGTD_ERR_INVALID;
	/* v1 enrols a root CA; v2 an issuer chain and takes the root from the policy. */
	if (cfg->policy_v2 ? cfg->issuer_chain == NULL || cfg->issuer_chain_len == 0
			   : cfg->root_ca == NULL || cfg->root_ca_len == 0)
		return MIGTD_ERR_INVALID;
	c->plat = plat;
	c->cfg = *cfg;
	if (c->cfg.timeout_ms == 0)
		c->cfg.timeout_ms = MIGTD_DEFAULT_TIMEOUT_MS;
	if (c->cfg.max_sessions == 0)
		c->cfg.max_sessions = MIGTD_MAX_SESSIONS;
	if (c->cfg.poll_interval_ms == 0)
		c->cfg.poll_interval_ms = MIGTD_DEFAULT_POLL_INTERVAL_MS;
	if (c->cfg.quote_retry_ms == 0)
		c->cfg.quote_retry_ms = MIGTD_DEFAULT_QUOTE_RETRY_MS;
	if (c->cfg.vmm_timeout_ms == 0)
		c->cfg.vmm_timeout_ms = c->cfg.timeout_ms;
	c->coll.fetch_timeout_ms = c->cfg.vmm_timeout_ms;
	if (c->cfg.presession_budget == 0)
		c->cfg.presession_budget = MIGTD_PRESESSION_BUDGET;
	for (unsigned i = 0; i < MIGTD_MAX_SESSIONS; i++) {
		c->sessions[i].core = c;
		c->sessions[i].index = i;
	}
	c->state = MIGTD_CORE_BOOT;
	return MIGTD_OK;
}

/* ---- boot ------------------------------------------------------------------ */

/* Extend RTMR[index] with digest, the same value the event carries. */
static int extend(struct migtd_core *c, unsigned index, const uint8_t digest[48], const char *what)
{
	int ret = migtd_plat_rtmr_extend(c->plat, index, digest);

	if (ret != MIGTD_OK)
		MIGTD_ERROR(core_log(c), MIGTD_LOG_NO_REQUEST,
			    "boot: TDG.MR.RTMR.EXTEND RTMR%u (%s) failed: %s", index, what,
			    migtd_err_str(ret));
	return ret;
}

/* v1: the policy (tag 1) and the root CA (tag 2) into RTMR2, each event's
 * data the whole file. */
static int boot_measure_v1(struct migtd_core *c, struct eventlog_builder *b, uint8_t *d)
{
	int ret;

	ret = migtd_eventlog_builder_add_tagged(b, 3, EVENTLOG_TAG_POLICY, c->cfg.policy,
						c->cfg.policy_len, c->cfg.policy, c->cfg.policy_len,
						d);
	if (ret == MIGTD_OK)
		ret = extend(c, 2, d, "policy");
	if (ret == MIGTD_OK)
		ret = migtd_eventlog_builder_add_tagged(b, 3, EVENTLOG_TAG_ROOT_CA, c->cfg.root_ca,
							c->cfg.root_ca_len, c->cfg.root_ca,
							c->cfg.root_ca_len, d);
	if (ret == MIGTD_OK)
		ret = extend(c, 2, d, "root CA");
	return ret;
}

/*
 * v2 (docs/protocol.md §9.4, §7.7.1): the issuer chain first, into RTMR1
 * (tag 3, the chain as event data), then the signed policy into RTMR2
 * (tag 1): its digest covers the file, but the event carries only the
 * policy version "2.0", which keeps the event log -- and so the
 * certificate -- small whatever the policy's size.
 */
static int boot_measure_v2(struct migtd_core *c, struct eventlog_builder *b, uint8_t *d)
{
	static const char version[] = "2.0";
	int ret;

	ret = migtd_eventlog_builder_add_tagged(b, 2, EVENTLOG_TAG_POLICY_ISSUER_CHAIN,
						c->cfg.issuer_chain, c->cfg.issuer_chain_len,
						c->cfg.issuer_chain, c->cfg.issuer_chain_len, d);
	if (ret == MIGTD_OK)
		ret = extend(c, 1, d, "policy issuer chain");
	if (ret == MIGTD_OK)
		ret = migtd_eventlog_builder_add_tagged(b, 3, EVENTLOG_TAG_POLICY, c->cfg.policy,
							c->cfg.policy_len, version,
							sizeof(version) - 1, d);
	if (ret == MIGTD_OK)
		ret = extend(c, 2, d, "policy");
	return ret;
}

/*
 * docs/protocol.md §9.4: td-shim's EV_SEPARATOR into RTMR0 and RTMR1 (we play td-shim's
 * part: on the emulated platform there is no firmware doing it), then the
 * policy (tag 1) and the root CA (tag 2) into RTMR2. Each event's digest
 * is exactly what is extended, so the log replays to the RTMRs.
 */
static int boot_measure(struct migtd_core *c)
{
	static const uint8_t sep[4] = { 0, 0, 0, 0 };
	struct eventlog_builder b;
	uint8_t d[EVENTLOG_DIGEST_SIZE];
	const uint8_t *log;
	size_t len;
	int ret;

	ret = migtd_eventlog_builder_init(&b, c->evlog, sizeof(c->evlog));
	for (unsigned rtmr = 0; ret == MIGTD_OK && rtmr < 2; rtmr++) {
		ret = migtd_eventlog_builder_add_measured(&b, rtmr + 1, EVENTLOG_EV_SEPARATOR, sep,
							  sizeof(sep), sep, sizeof(sep), d);
		if (ret == MIGTD_OK)
			ret = extend(c, rtmr, d, "EV_SEPARATOR");
	}
	if (ret == MIGTD_OK && c->cfg.policy_v2)
		ret = boot_measure_v2(c, &b, d);
	else if (ret == MIGTD_OK)
		ret = boot_measure_v1(c, &b, d);
	/* td-shim fills the CCEL area with 0xFF: that is the trailing byte. */
	if (ret == MIGTD_OK)
		ret = migtd_eventlog_builder_finish(&b, 0xFF, &log, &len);
	if (ret == MIGTD_OK)
		ret = migtd_eventlog_parse(log, len, &c->local_log);
	mbedtls_platform_zeroize(d, sizeof(d));
	if (ret != MIGTD_OK) {
		MIGTD_ERROR(core_log(c), MIGTD_LOG_NO_REQUEST,
			    "boot: measuring the configuration failed: %s", migtd_err_str(ret));
		return ret;
	}
	c->evlog_len = len;
	if (c->cfg.policy_v2)
		MIGTD_INFO(core_log(c), MIGTD_LOG_NO_REQUEST,
			   "boot: measured the policy issuer chain (%zu bytes) into RTMR1 and the "
			   "signed policy v2 (%zu bytes) into RTMR2; event log %zu bytes",
			   c->cfg.issuer_chain_len, c->cfg.policy_len, len);
	else
		MIGTD_INFO(core_log(c), MIGTD_LOG_NO_REQUEST,
			   "boot: measured policy (%zu bytes) and root CA (%zu bytes) into RTMR2; "
			   "event log %zu bytes",
			   c->cfg.policy_len, c->cfg.root_ca_len, len);
	/* The certificate carries the event log and the quote (ratls.h). */
	if (len + 4096u > RATLS_MAX_CERT)
		MIGTD_WARN(core_log(c), MIGTD_LOG_NO_REQUEST,
			   "boot: the event log (%zu bytes) leaves too little room for the quote "
			   "in a %u-byte RA-TLS certificate; sessions will fail",
			   len, (unsigned)RATLS_MAX_CERT);
	return MIGTD_OK;
}

/*
 * The policy is parsed once here, but a policy that does not parse does not
 * stop the MigTD: upstream only parses it when it evaluates a peer, so each
 * request then fails with 9 (session.c). It is logged loudly, here and per
 * request.
 */
static int boot_policy(struct migtd_core *c)
{
	struct policy_parse_error *pe = &c->explain.parse;
	bool unknown;
	int ret;

	memset(pe, 0, sizeof(*pe));
	/* Accept what upstream accepts, but say what it would silently ignore
	 * or fail on at every evaluation (docs/cli.md, "Unknown fields and properties"). */
	ret = migtd_policy_lint(&c->policy_ws, c->cfg.policy, c->cfg.policy_len, pe, &unknown);
	if (ret != MIGTD_OK) {
		c->policy_err = MIGTD_ERR_INVALID_POLICY;
		MIGTD_ERROR(core_log(c), MIGTD_LOG_NO_REQUEST,
			    "boot: invalid migration policy at line %u, column %u (%s): %s%s",
			    pe->line, pe->column, pe->path, pe->msg,
			    pe->legacy ? " (legacy 2023 format)" : "");
		MIGTD_ERROR(core_log(c), MIGTD_LOG_NO_REQUEST,
			    "boot: every migration request will fail with status %u (%s) "
			    "until a valid policy is enrolled",
			    (unsigned)MIGTD_STATUS_INVALID_POLICY,
			    migtd_status_name(MIGTD_STATUS_INVALID_POLICY));
		return MIGTD_OK;
	}
	if (unknown) {
		MIGTD_WARN(core_log(c), MIGTD_LOG_NO_REQUEST,
			   "boot: policy line %u, column %u (%s): %s; upstream accepts it, "
			   "migtd-policy check refuses it",
			   pe->line, pe->column, pe->path, pe->msg);
		memset(pe, 0, sizeof(*pe));
	}
	MIGTD_INFO(core_log(c), MIGTD_LOG_NO_REQUEST,
		   "boot: policy parsed: %u blocks, %u properties", c->policy_ws.policy.nblocks,
		   c->policy_ws.policy.nprops);
	return MIGTD_OK;
}

/*
 * The enrolled root CA must be a certificate (DER) with a public key, as
 * upstream requires at boot before it serves anything: otherwise the MigTD
 * stops (fatal, status 9 as upstream's crash code). Checked after it was
 * measured, as upstream does.
 */
static int boot_root_ca(struct migtd_core *c)
{
	mbedtls_x509_crt crt;
	int ret;

	mbedtls_x509_crt_init(&crt);
	ret = mbedtls_x509_crt_parse_der(&crt, c->cfg.root_ca, c->cfg.root_ca_len);
	if (ret == 0 && mbedtls_pk_get_type(&crt.pk) == MBEDTLS_PK_NONE)
		ret = -1;
	mbedtls_x509_crt_free(&crt);
	if (ret != 0) {
		MIGTD_ERROR(core_log(c), MIGTD_LOG_NO_REQUEST,
			    "boot: the enrolled root CA (%zu bytes) is not a DER certificate "
			    "(mbedTLS -0x%04x): stopping",
			    c->cfg.root_ca_len, (unsigned)(ret < 0 ? -ret : ret));
		return MIGTD_ERR_INVALID_ROOT_CA;
	}
	return MIGTD_OK;
}

void migtd_core_log_lines(const struct migtd_core *c, enum migtd_log_level level,
			  uint64_t request_id, const char *prefix, const char *text)
{
	const char *p = text;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);

		if (n > 0)
			migtd_logf(core_log(c), level, request_id, "%s: %.*s", prefix, (int)n, p);
		p += n;
		if (*p == '\n')
			p++;
	}
}

void migtd_core_log_pv2(const struct migtd_core *c, uint64_t request_id, enum migtd_log_level level)
{
	char text[512];

	migtd_pv2_explain_render(&c->pv2_explain, text, sizeof(text));
	migtd_core_log_lines(c, level, request_id, "policy v2", text);
}

/*
 * Policy v2 at boot (docs/protocol.md §7.7.6): the signed policy must load
 * and verify with the enrolled issuer chain, and our own TDREPORT must carry
 * the MROWNER / MROWNERCONFIG it implies (the host set them when it created
 * the TD). Upstream panics on either; we stop with status 9 likewise. Then
 * our pre-session data (§5.7) is built once, with its hash for our
 * certificates.
 */
static int boot_policy_v2(struct migtd_core *c)
{
	static const uint8_t zero_rd[TDREPORT_REPORT_DATA_SIZE];
	struct migtd_pv2_explain *ex = &c->pv2_explain;
	uint8_t *raw = c->cert_work; /* scratch: the TDREPORT */
	struct tdinfo_struct ti;
	enum migtd_pv2_result r;
	size_t cap, n = 0;
	int ret;

	memset(ex, 0, sizeof(*ex));
	r = migtd_policy_v2_load(&c->pv2, c->cfg.policy, c->cfg.policy_len, c->cfg.issuer_chain,
				 c->cfg.issuer_chain_len, ex);
	if (r != MIGTD_PV2_OK) {
		MIGTD_ERROR(core_log(c), MIGTD_LOG_NO_REQUEST,
			    "boot: the enrolled policy v2 does not load: %s",
			    migtd_pv2_result_name(r));
		migtd_core_log_pv2(c, MIGTD_LOG_NO_REQUEST, MIGTD_LOG_ERROR);
		return r == MIGTD_PV2_NO_MEMORY ? MIGTD_ERR_NOMEM : MIGTD_ERR_INVALID_POLICY;
	}
	ret = migtd_plat_mr_report(c->plat, zero_rd, raw);
	if (ret == MIGTD_OK)
		ret = migtd_tdreport_parse_tdinfo(raw + TDREPORT_OFF_TDINFO,
						  TDREPORT_TDINFO_STRUCT_SIZE, &ti);
	if (ret != MIGTD_OK) {
		MIGTD_ERROR(core_log(c), MIGTD_LOG_NO_REQUEST,
			    "boot: TDG.MR.REPORT for the MROWNER check failed: %s",
			    migtd_err_str(ret));
		return ret;
	}
	memset(ex, 0, sizeof(*ex));
	r = migtd_policy_v2_check_owner(&c->pv2, ti.mrowner, ti.mrownerconfig, ex);
	if (r != MIGTD_PV2_OK) {
		MIGTD_ERROR(core_log(c), MIGTD_LOG_NO_REQUEST,
			    "boot: MROWNER / MROWNERCONFIG do not match the policy v2 (%s): the "
			    "host must create this TD with the values migtd-hash --policy-v2 "
			    "prints",
			    migtd_pv2_result_name(r));
		migtd_core_log_pv2(c, MIGTD_LOG_NO_REQUEST, MIGTD_LOG_ERROR);
		return MIGTD_ERR_INVALID_POLICY;
	}
	cap = migtd_presession_blob_size(c->cfg.policy_len, c->cfg.issuer_chain_len);
	if (cap == 0) {
		MIGTD_ERROR(core_log(c), MIGTD_LOG_NO_REQUEST,
			    "boot: policy and issuer chain exceed the %u-byte pre-session limit",
			    (unsigned)MIGTD_PRESESSION_MAX_BLOB);
		return MIGTD_ERR_INVALID_POLICY;
	}
	c->v2_blob = mbedtls_calloc(1, cap);
	if (c->v2_blob == NULL)
		return MIGTD_ERR_NOMEM;
	ret = migtd_presession_blob_encode(c->cfg.policy, c->cfg.policy_len, c->cfg.issuer_chain,
					   c->cfg.issuer_chain_len, c->v2_blob, cap, &n);
	if (ret == MIGTD_OK && (psa_hash_compute(PSA_ALG_SHA_384, c->v2_blob, n, c->v2_blob_hash,
						 sizeof(c->v2_blob_hash), &cap) != PSA_SUCCESS ||
				cap != sizeof(c->v2_blob_hash)))
		ret = MIGTD_ERR_CRYPTO;
	if (ret != MIGTD_OK)
		return ret;
	c->v2_blob_len = n;
	MIGTD_INFO(core_log(c), MIGTD_LOG_NO_REQUEST,
		   "boot: policy v2 verified (policySvn %u, %u platform(s)); MROWNER and "
		   "MROWNERCONFIG match; pre-session data %zu bytes",
		   (unsigned)c->pv2.policy_svn, c->pv2.nplatforms, n);
	return MIGTD_OK;
}

static void svc_setup(struct migtd_core *c, size_t cmd_len, const struct migtd_guid *guid)
{
	migtd_ghci_service_rsp_prefill(c->svc_rsp, sizeof(c->svc_rsp), guid, 0);
	memset(&c->svc, 0, sizeof(c->svc));
	c->svc.cmd = c->svc_cmd;
	c->svc.cmd_len = cmd_len;
	c->svc.rsp = c->svc_rsp;
	c->svc.rsp_cap = sizeof(c->svc_rsp);
}

static int fatal(struct migtd_core *c, int err)
{
	c->state = MIGTD_CORE_FATAL;
	c->fatal = err;
	MIGTD_ERROR(core_log(c), MIGTD_LOG_NO_REQUEST, "fatal: %s (status %u)", migtd_err_str(err),
		    (unsigned)migtd_err_status(err));
	return err;
}

static int boot(struct migtd_core *c)
{
	size_t len = 0;
	int ret;

	if (psa_crypto_init() != PSA_SUCCESS)
		return MIGTD_ERR_CRYPTO;
	ret = boot_measure(c);
	if (ret == MIGTD_OK && c->cfg.policy_v2)
		ret = boot_policy_v2(c);
	else if (ret == MIGTD_OK) {
		ret = boot_root_ca(c);
		if (ret == MIGTD_OK)
			ret = boot_policy(c);
	}
	if (ret != MIGTD_OK)
		return ret;
	if (c->cfg.profile == MIGTD_PROFILE_VMCALL_RAW) {
		/* GHCI 1.5 has no Query: the MigTD call is there or the first
		 * WaitForRequest fails (docs/vmcall-raw.md). */
		MIGTD_INFO(core_log(c), MIGTD_LOG_NO_REQUEST,
			   "boot: vmcall-raw profile; serving requests (at most %u at once)",
			   c->cfg.max_sessions);
		/* Our own quote first, if it is verified once (own_quote.c). */
		c->state = c->cfg.own_quote_once ? MIGTD_CORE_OWN_QUOTE : MIGTD_CORE_SERVE;
		c->next_wfr_ms = 0;
		return MIGTD_OK;
	}
	ret = migtd_ghci_query_cmd_build(c->svc_cmd, sizeof(c->svc_cmd), &len);
	if (ret != MIGTD_OK)
		return ret;
	svc_setup(c, len, &migtd_ghci_guid_service_common);
	c->state = MIGTD_CORE_QUERY;
	return MIGTD_OK;
}

/*
 * Query (§2.2.1): start it, then wait for the answer -- at most
 * vmm_timeout_ms from boot (docs/vmm-failures.md): a VMM that never answers
 * Query leaves nothing to serve, so that is fatal (no request to report to).
 */
static int query_step(struct migtd_core *c, uint64_t now)
{
	struct ghci_query q;
	int ret;

	if (c->query_deadline_ms == 0)
		c->query_deadline_ms = now + c->cfg.vmm_timeout_ms;
	if (!c->svc_busy) {
		if (now >= c->query_deadline_ms)
			goto timeout;
		if (now < c->next_wfr_ms)
			return MIGTD_OK;
		ret = migtd_plat_service_start(c->plat, &c->svc);
		if (ret == MIGTD_ERR_AGAIN) {
			c->next_wfr_ms = now + c->cfg.poll_interval_ms;
			return MIGTD_OK;
		}
		if (ret != MIGTD_OK)
			return ret;
		c->svc_busy = true;
	}
	ret = migtd_plat_service_poll(c->plat, &c->svc);
	if (ret == MIGTD_ERR_AGAIN) {
		if (now < c->query_deadline_ms)
			return MIGTD_OK;
		(void)migtd_plat_service_cancel(c->plat, &c->svc);
		c->svc_busy = false;
		goto timeout;
	}
	c->svc_busy = false;
	if (ret != MIGTD_OK)
		return ret;
	ret = migtd_ghci_query_rsp_parse(c->svc_rsp, sizeof(c->svc_rsp), &q);
	if (ret != MIGTD_OK) {
		MIGTD_ERROR(core_log(c), MIGTD_LOG_NO_REQUEST,
			    "boot: Query: the VMM does not offer the MigTD service (%s)",
			    migtd_err_str(ret));
		return ret;
	}
	MIGTD_INFO(core_log(c), MIGTD_LOG_NO_REQUEST,
		   "boot: Query: MigTD service supported; serving requests (at most %u at once)",
		   c->cfg.max_sessions);
	/* Our own quote first, if it is verified once (own_quote.c). */
	c->state = c->cfg.own_quote_once ? MIGTD_CORE_OWN_QUOTE : MIGTD_CORE_SERVE;
	c->next_wfr_ms = now;
	return MIGTD_OK;
timeout:
	MIGTD_ERROR(core_log(c), MIGTD_LOG_NO_REQUEST,
		    "boot: Query: the VMM did not answer within %u ms", c->cfg.vmm_timeout_ms);
	return MIGTD_ERR_TIMEOUT;
}

/* ---- request loop -------------------------------------------------------------- */

unsigned migtd_core_active_sessions(const struct migtd_core *c)
{
	unsigned n = 0;

	for (unsigned i = 0; i < MIGTD_MAX_SESSIONS; i++)
		n += c->sessions[i].state != MIGTD_SS_FREE;
	return n;
}

static struct migtd_session *find_request(struct migtd_core *c, uint64_t id)
{
	for (unsigned i = 0; i < MIGTD_MAX_SESSIONS; i++)
		if (c->sessions[i].state != MIGTD_SS_FREE && c->sessions[i].request_id == id)
			return &c->sessions[i];
	return NULL;
}

static struct migtd_session *free_slot(struct migtd_core *c)
{
	for (unsigned i = 0; i < c->cfg.max_sessions; i++)
		if (c->sessions[i].state == MIGTD_SS_FREE)
			return &c->sessions[i];
	return NULL;
}

/* A migration request starts a session in slot s: note the peak. */
static void begin_migration(struct migtd_core *c, struct migtd_session *s,
			    const struct migtd_migration_request *req, uint64_t now)
{
	unsigned active;

	migtd_session_begin(c, s, req, now);
	active = migtd_core_active_sessions(c);
	if (active > c->peak_sessions)
		c->peak_sessions = active;
}

/* A WaitForRequest answer arrived in c->svc_rsp. */
static void wfr_answer(struct migtd_core *c, uint64_t now)
{
	struct migtd_migration_request req;
	struct migtd_session *s;
	bool has = false;
	int ret;

	/* §2.3.1: policy v2 builds take MigtdMigrationInformation strictly
	 * (exact length, reserved zero, the optional init_td_info). */
	ret = migtd_ghci_wfr_rsp_parse_request(c->svc_rsp, sizeof(c->svc_rsp),
					       c->cfg.policy_v2 ? HOB_MODE_STRICT
								: HOB_MODE_DEFAULT,
					       c->cfg.require_socket_info, &has, &req);
	if (ret != MIGTD_OK) {
		/* §2.3: no request id is known, so nothing is reported. */
		c->requests_dropped++;
		c->next_wfr_ms = now;
		/* 1st, 2nd, 4th, ...: a VMM that sends nothing else cannot
		 * flood the log (docs/vmm-failures.md). */
		if ((c->requests_dropped & (c->requests_dropped - 1)) == 0)
			MIGTD_WARN(core_log(c), MIGTD_LOG_NO_REQUEST,
				   "malformed migration request dropped: %s (%llu so far)",
				   migtd_err_str(ret), (unsigned long long)c->requests_dropped);
		return;
	}
	if (!has) {
		c->next_wfr_ms = now + c->cfg.poll_interval_ms;
		return;
	}
	c->next_wfr_ms = now;
	if (find_request(c, req.info.mig_request_id) != NULL) {
		/* §1.4: an id already in progress is ignored (no report). */
		c->requests_duplicate++;
		MIGTD_DEBUG(core_log(c), req.info.mig_request_id,
			    "request id already in progress: ignored");
		goto out;
	}
	s = free_slot(c);
	if (s == NULL) {
		/* Cannot happen: no WaitForRequest is issued while full. */
		c->requests_dropped++;
		MIGTD_ERROR(core_log(c), req.info.mig_request_id, "no free session slot: dropped");
		goto out;
	}
	c->requests_received++;
	begin_migration(c, s, &req, now);
out:
	mbedtls_platform_zeroize(&req, sizeof(req));
}

bool migtd_heap_budget_admit(const struct migtd_heap_budget *b, size_t in_use, unsigned active)
{
	size_t reserved;

	if (b == NULL || b->session_peak == 0)
		return true;
	/* (active + 1) * session_peak, without overflow */
	if ((size_t)active + 1u > SIZE_MAX / b->session_peak)
		return false;
	reserved = ((size_t)active + 1u) * b->session_peak;
	if (b->baseline > b->capacity || reserved > b->capacity - b->baseline)
		return false;
	return in_use <= b->capacity && b->capacity - in_use >= b->session_peak;
}

/*
 * Whether a new request may be taken now: a free slot, and room for its
 * heap peak if the platform said how to judge that (cfg.admit). With no
 * session running nothing would free memory, so waiting is pointless.
 */
static bool may_take_request(struct migtd_core *c, bool count_wait)
{
	unsigned active = migtd_core_active_sessions(c);

	if (active >= c->cfg.max_sessions)
		return false;
	if (active == 0 || c->cfg.admit == NULL || c->cfg.admit(c->cfg.admit_ctx, active))
		return true;
	if (count_wait)
		c->admission_waits++;
	return false;
}

/* A WaitForRequest that failed: counted, logged for the 1st, 2nd, 4th, ...
 * failure only (docs/vmm-failures.md: a VMM cannot flood the log), and
 * tried again after poll_interval_ms. */
static void wfr_failed(struct migtd_core *c, uint64_t now, int ret, const char *what)
{
	c->wfr_failures++;
	if ((c->wfr_failures & (c->wfr_failures - 1)) == 0)
		MIGTD_WARN(core_log(c), MIGTD_LOG_NO_REQUEST, "%s failed: %s (%llu so far)", what,
			   migtd_err_str(ret), (unsigned long long)c->wfr_failures);
	c->next_wfr_ms = now + c->cfg.poll_interval_ms;
}

static void wfr_step(struct migtd_core *c, uint64_t now)
{
	size_t len = 0;
	int ret;

	if (!c->svc_busy) {
		if (now < c->next_wfr_ms || !may_take_request(c, true))
			return;
		if (migtd_ghci_wfr_cmd_build(c->svc_cmd, sizeof(c->svc_cmd), &len) != MIGTD_OK)
			return;
		svc_setup(c, len, &migtd_ghci_guid_service_migtd);
		ret = migtd_plat_service_start(c->plat, &c->svc);
		if (ret != MIGTD_OK) {
			if (ret != MIGTD_ERR_AGAIN)
				MIGTD_WARN(core_log(c), MIGTD_LOG_NO_REQUEST,
					   "WaitForRequest could not be sent: %s",
					   migtd_err_str(ret));
			c->next_wfr_ms = now + c->cfg.poll_interval_ms;
			return;
		}
		c->svc_busy = true;
	}
	ret = migtd_plat_service_poll(c->plat, &c->svc);
	if (ret == MIGTD_ERR_AGAIN)
		return;
	c->svc_busy = false;
	if (ret != MIGTD_OK) {
		wfr_failed(c, now, ret, "WaitForRequest");
		return;
	}
	wfr_answer(c, now);
}

/* ---- vmcall-raw request loop (docs/protocol.md §2.4.1, §2.4.5, §2.4.6) ---------- */

/* The status an unparsable WaitForRequest answer is reported with. */
static uint8_t raw_wfr_error_status(int err)
{
	switch (err) {
	case MIGTD_ERR_VMM_INTERNAL: return MIGTD_STATUS_VMM_INTERNAL_ERROR;
	case MIGTD_ERR_UNSUPPORTED_OP: return MIGTD_STATUS_UNSUPPORTED_OPERATION;
	default: return MIGTD_STATUS_INVALID_PARAMETER; /* lengths, reserved, values */
	}
}

/* §2.4.6: the TDREPORT over the fixed REPORTDATA, never the VMM's bytes. */
static uint8_t raw_get_tdreport(struct migtd_core *c, uint64_t id, uint8_t *out)
{
	uint8_t rd[TDREPORT_REPORT_DATA_SIZE] = { 0 };
	int ret;

	memcpy(rd, MIGTD_RAW_TDREPORT_TAG, sizeof(MIGTD_RAW_TDREPORT_TAG) - 1);
	ret = migtd_plat_mr_report(c->plat, rd, out);
	if (ret != MIGTD_OK) {
		MIGTD_ERROR(core_log(c), id, "GetTDReport: TDG.MR.REPORT failed: %s",
			    migtd_err_str(ret));
		return (uint8_t)migtd_err_status(MIGTD_ERR_TDCALL);
	}
	return MIGTD_STATUS_SUCCESS;
}

static void raw_aux(struct migtd_core *c, struct migtd_session *s, const struct ghci_raw_request *q,
		    uint64_t now)
{
	uint8_t data[MIGTD_RAW_REPORT_BUF - GHCI_RAW_HDR_LEN];
	uint8_t status = MIGTD_STATUS_SUCCESS;
	size_t len = 0;
	int ret;

	if (q->operation == GHCI_RAW_OP_GET_TDREPORT) {
		status = raw_get_tdreport(c, q->mig_request_id, data);
		len = status == MIGTD_STATUS_SUCCESS ? TDREPORT_STRUCT_SIZE : 0;
	} else if (q->operation == GHCI_RAW_OP_GET_MIGTD_DATA) {
		/* Policy v2 (docs/protocol.md §2.4.1): our TDINFO_STRUCT, from
		 * TDG.MR.REPORT over the VMM's REPORTDATA (zero if absent), for
		 * the VMM to pass as init data later. */
		ret = migtd_plat_mr_report(c->plat, q->reportdata, data);
		if (ret == MIGTD_OK) {
			memmove(data, data + TDREPORT_OFF_TDINFO, TDREPORT_TDINFO_STRUCT_SIZE);
			len = TDREPORT_TDINFO_STRUCT_SIZE;
		} else {
			status = (uint8_t)migtd_err_status(MIGTD_ERR_TDCALL);
		}
	} else if (q->operation == GHCI_RAW_OP_START_REBINDING) {
		/* Rebinding (Appendix B) is not in migtd-c: unsupported. */
		status = MIGTD_STATUS_UNSUPPORTED_OPERATION;
	} else { /* GHCI_RAW_OP_ENABLE_LOG_AREA */
		if (c->cfg.log_area.enable == NULL) {
			status = MIGTD_STATUS_UNSUPPORTED_OPERATION;
		} else {
			ret = c->cfg.log_area.enable(c->cfg.log_area.ctx, q->max_log_level, data,
						     sizeof(data), &len);
			if (ret != MIGTD_OK) {
				status = (uint8_t)migtd_err_status(ret);
				len = 0;
			}
		}
	}
	MIGTD_INFO(core_log(c), q->mig_request_id, "vmcall-raw operation %u: status %u",
		   q->operation, status);
	migtd_session_begin_report(c, s, q->mig_request_id, status, data, len, now);
	mbedtls_platform_zeroize(data, sizeof(data));
}

/* A WaitForRequest completion is in c->raw_wfr_buf. */
static void raw_wfr_answer(struct migtd_core *c, uint64_t now)
{
	struct ghci_raw_request q;
	struct migtd_migration_request req;
	struct migtd_session *s;
	int ret;

	/* A policy-v2 MigTD takes the v2 forms (init data, operations 2 and 5). */
	ret = migtd_ghci_raw_wfr_parse(c->raw_wfr_buf, c->raw_wfr.cap, c->cfg.policy_v2, &q);
	c->next_wfr_ms = now;
	if (ret == MIGTD_ERR_AGAIN)
		return; /* spurious: wait again */
	if (ret != MIGTD_OK && !q.has_request_id) {
		c->requests_dropped++;
		/* 1st, 2nd, 4th, ... only, as in wfr_answer (docs/vmm-failures.md) */
		if ((c->requests_dropped & (c->requests_dropped - 1)) == 0)
			MIGTD_WARN(core_log(c), MIGTD_LOG_NO_REQUEST,
				   "vmcall-raw request without an id dropped: %s (%llu so far)",
				   migtd_err_str(ret), (unsigned long long)c->requests_dropped);
		goto out;
	}
	if (find_request(c, q.mig_request_id) != NULL) {
		/* §1.4, §2.4.5: an id already in progress is ignored (no report). */
		c->requests_duplicate++;
		MIGTD_DEBUG(core_log(c), q.mig_request_id,
			    "request id already in progress: ignored");
		goto out;
	}
	s = free_slot(c);
	if (s == NULL) {
		c->requests_dropped++;
		MIGTD_ERROR(core_log(c), q.mig_request_id, "no free session slot: dropped");
		goto out;
	}
	c->requests_received++;
	if (ret != MIGTD_OK) {
		MIGTD_WARN(core_log(c), q.mig_request_id,
			   "vmcall-raw request (operation %u) refused: %s", q.operation,
			   migtd_err_str(ret));
		migtd_session_begin_report(c, s, q.mig_request_id, raw_wfr_error_status(ret), NULL,
					   0, now);
		goto out;
	}
	if (q.operation != GHCI_RAW_OP_START_MIGRATION) {
		raw_aux(c, s, &q, now);
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.info = q.mig_info;
	begin_migration(c, s, &req, now);
	mbedtls_platform_zeroize(&req, sizeof(req));
out:
	mbedtls_platform_zeroize(&q, sizeof(q));
}

static void raw_wfr_step(struct migtd_core *c, uint64_t now)
{
	int ret;

	if (!c->svc_busy) {
		/* A free slot, and cfg.admit's word as for the service profile
		 * (docs/firmware-heap.md). */
		if (now < c->next_wfr_ms || !may_take_request(c, true))
			return;
		/* §2.4.1: data_status = 0, length = 0. */
		memset(c->raw_wfr_buf, 0, GHCI_RAW_HDR_LEN);
		memset(&c->raw_wfr, 0, sizeof(c->raw_wfr));
		c->raw_wfr.leaf = GHCI_RAW_LEAF_WAIT_FOR_REQUEST;
		c->raw_wfr.buf = c->raw_wfr_buf;
		c->raw_wfr.len = GHCI_RAW_HDR_LEN;
		c->raw_wfr.cap = sizeof(c->raw_wfr_buf);
		ret = migtd_plat_raw_start(c->plat, &c->raw_wfr);
		if (ret != MIGTD_OK) {
			if (ret != MIGTD_ERR_AGAIN)
				MIGTD_WARN(core_log(c), MIGTD_LOG_NO_REQUEST,
					   "WaitForRequest (vmcall-raw) could not be sent: %s",
					   migtd_err_str(ret));
			c->next_wfr_ms = now + c->cfg.poll_interval_ms;
			return;
		}
		c->svc_busy = true;
	}
	ret = migtd_plat_raw_poll(c->plat, &c->raw_wfr);
	if (ret == MIGTD_ERR_AGAIN)
		return;
	c->svc_busy = false;
	if (ret != MIGTD_OK) {
		wfr_failed(c, now, ret, "WaitForRequest (vmcall-raw)");
		return;
	}
	raw_wfr_answer(c, now);
}

static uint64_t min_wake(uint64_t a, uint64_t b)
{
	return b != 0 && b < a ? b : a;
}

/* Step every active session as far as it goes now (bounded: every state
 * either waits or moves forward); returns the earliest wake-up it asks for,
 * folded into wake. */
static uint64_t step_sessions(struct migtd_core *c, uint64_t wake)
{
	for (unsigned i = 0; i < MIGTD_MAX_SESSIONS; i++) {
		struct migtd_session *s = &c->sessions[i];

		for (unsigned n = 0; n < 64 && s->state != MIGTD_SS_FREE; n++) {
			if (!migtd_session_step(s, migtd_plat_now_ms(c->plat)))
				break;
		}
		/* Relative to the time after the work: resuming sessions paused
		 * for collateral can make one poll long. */
		if (s->state != MIGTD_SS_FREE)
			wake = min_wake(wake, migtd_session_wakeup(s, migtd_plat_now_ms(c->plat)));
	}
	return wake;
}

int migtd_core_poll(struct migtd_core *c, uint64_t *next_wakeup_ms)
{
	uint64_t now = migtd_plat_now_ms(c->plat);
	uint64_t wake = now + CORE_IDLE_WAKEUP_MS;
	bool coll_pending = false;
	int ret = MIGTD_OK;

	switch (c->state) {
	case MIGTD_CORE_BOOT:
		ret = boot(c);
		if (ret != MIGTD_OK)
			goto fail;
		__attribute__((fallthrough)); /* a comment is not enough for clang */
	case MIGTD_CORE_QUERY:
		ret = c->state == MIGTD_CORE_QUERY ? query_step(c, now) : MIGTD_OK;
		if (ret != MIGTD_OK)
			goto fail;
		if (c->state == MIGTD_CORE_QUERY) {
			if (!c->svc_busy)
				wake = min_wake(wake, c->next_wfr_ms);
			else
				wake = min_wake(wake, now + c->cfg.poll_interval_ms);
			break;
		}
		__attribute__((fallthrough));
	case MIGTD_CORE_OWN_QUOTE:
		if (c->state == MIGTD_CORE_OWN_QUOTE) {
			/* Its collateral fetch, if any, is driven here too. */
			(void)migtd_coll_poll(&c->coll, c->plat, core_log(c));
			if (!migtd_own_quote_boot_step(c, now)) {
				wake = min_wake(wake, now + c->cfg.poll_interval_ms);
				break;
			}
			c->state = MIGTD_CORE_SERVE;
			c->next_wfr_ms = now;
		}
		__attribute__((fallthrough));
	case MIGTD_CORE_SERVE:
		/* Collateral fetches first: sessions paused on one resume below. */
		coll_pending = migtd_coll_poll(&c->coll, c->plat, core_log(c));
		/* Sessions first: one that ends frees a slot for the next request
		 * (the wake-up times come from the second pass, which sees the
		 * sessions as they are left). */
		(void)step_sessions(c, wake);
		/* A new request may start and take its first steps right away. */
		for (unsigned rounds = 0; rounds < 4; rounds++) {
			if (c->cfg.profile == MIGTD_PROFILE_VMCALL_RAW)
				raw_wfr_step(c, now);
			else
				wfr_step(c, now);
			if (c->svc_busy || c->next_wfr_ms > now)
				break;
		}
		wake = step_sessions(c, wake);
		if (coll_pending)
			wake = min_wake(wake, migtd_plat_now_ms(c->plat) + c->cfg.poll_interval_ms);
		if (c->svc_busy)
			wake = min_wake(wake, now + c->cfg.poll_interval_ms);
		else if (may_take_request(c, false))
			wake = min_wake(wake, c->next_wfr_ms > now ? c->next_wfr_ms : now);
		break;
	case MIGTD_CORE_FATAL: ret = c->fatal; break;
	}
	if (next_wakeup_ms != NULL)
		*next_wakeup_ms = wake;
	return ret;
fail:
	if (next_wakeup_ms != NULL)
		*next_wakeup_ms = wake;
	return fatal(c, ret);
}

void migtd_core_fini(struct migtd_core *c)
{
	if (c == NULL)
		return;
	for (unsigned i = 0; i < MIGTD_MAX_SESSIONS; i++)
		if (c->sessions[i].state != MIGTD_SS_FREE && c->plat != NULL)
			migtd_session_discard(&c->sessions[i]);
	mbedtls_free(c->v2_blob);
	mbedtls_platform_zeroize(c, sizeof(*c));
}

const uint8_t *migtd_core_event_log(const struct migtd_core *c, size_t *len)
{
	if (c->evlog_len == 0) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	if (len != NULL)
		*len = c->evlog_len;
	return c->evlog;
}

size_t migtd_core_session_size(void)
{
	return sizeof(struct migtd_session);
}
