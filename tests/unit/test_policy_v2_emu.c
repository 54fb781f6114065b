/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * Peer authentication under policy v2 (docs/policy-v2.md) with the emulated
 * PKI: two emulated platforms under one root, a policy issuer, signed v2
 * policies with the platforms' collateral made by src/emuhost/pki_v2.c, and
 * quotes made by the emulated quoting service. Each §7.7.7 step that can
 * refuse a peer is made to refuse it once, with upstream's error name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu_pki.h"
#include "emu_pki_v2.h"
#include "emu_quote.h"
#include "hostio.h"
#include "migtd/err.h"
#include "migtd/eventlog.h"
#include "migtd/policy_v2.h"
#include "migtd/presession.h"
#include "migtd/quote.h"

static char dir[64], p1[96], p2[96], p3[96], iss[96], iss2[96];
static uint8_t *chain, *chain2;
static size_t chain_len, chain2_len;
static struct migtd_policy_v2 local;

/* A MigTD booted with a v2 policy: its event log and its TD report body. */
struct td {
	uint8_t log_buf[8192];
	const uint8_t *log;
	size_t log_len;
	uint8_t body[MIGTD_QUOTE_TD10_BODY_SIZE];
	uint8_t rtmr[4][48];
};

static const uint8_t mrtd_a[48] = { 0xA1, 0xA2, 0xA3 };

static void boot(struct td *t, const uint8_t *policy, size_t policy_len, const uint8_t *ch,
		 size_t ch_len, const uint8_t mrtd[48], const struct emu_platform_params *pp)
{
	struct eventlog_builder b;

	assert_int_equal(migtd_eventlog_builder_init(&b, t->log_buf, sizeof(t->log_buf)), MIGTD_OK);
	assert_int_equal(migtd_eventlog_builder_add_separators(&b), MIGTD_OK);
	assert_int_equal(migtd_eventlog_builder_add_tagged(&b, 2, EVENTLOG_TAG_POLICY_ISSUER_CHAIN,
							   ch, ch_len, ch, ch_len, NULL),
			 MIGTD_OK);
	assert_int_equal(migtd_eventlog_builder_add_tagged(&b, 3, EVENTLOG_TAG_POLICY, policy,
							   policy_len, "2.0", 3, NULL),
			 MIGTD_OK);
	assert_int_equal(migtd_eventlog_builder_finish(&b, 0xFF, &t->log, &t->log_len), MIGTD_OK);
	assert_int_equal(migtd_eventlog_replay(t->log, t->log_len, t->rtmr), MIGTD_OK);
	memset(t->body, 0, sizeof(t->body));
	if (pp)
		memcpy(t->body + MIGTD_VR_TEE_TCB_SVN, pp->tdx_tcb, 16);
	memcpy(t->body + MIGTD_VR_MRTD, mrtd, 48);
	for (unsigned r = 0; r < 4; r++)
		memcpy(t->body + MIGTD_VR_RTMR(r), t->rtmr[r], 48);
}

static size_t quote_of(const char *pdir, const struct td *t, uint8_t *q, size_t cap)
{
	struct emu_pki pki;
	char msg[256];
	size_t len = 0;

	assert_int_equal(emu_pki_load(&pki, pdir, msg, sizeof(msg)), MIGTD_OK);
	assert_int_equal(emu_quote_build(&pki, t->body, q, cap, &len), MIGTD_OK);
	emu_pki_free(&pki);
	return len;
}

/* A signed policy by the issuer in idir admitting MigTD mrtd_a with SVN svn. */
static char *policy(const char *idir, uint32_t psvn, uint16_t svn, uint16_t min_svn,
		    const uint8_t *ch, size_t ch_len, size_t *len)
{
	const char *plats[2] = { p1, p2 };
	struct emu_pki_v2_migtd m;
	struct emu_pki_v2_policy_opts o;
	struct td t;
	char msg[256], *out = NULL;

	/* the mapping's RTMR1 depends on the chain only, not on the policy */
	boot(&t, (const uint8_t *)"x", 1, ch, ch_len, mrtd_a, NULL);
	memset(&m, 0, sizeof(m));
	memcpy(m.mrtd, mrtd_a, 48);
	memcpy(m.rtmr0, t.rtmr[0], 48);
	memcpy(m.rtmr1, t.rtmr[1], 48);
	m.isvsvn = svn;
	memset(&o, 0, sizeof(o));
	o.policy_svn = psvn;
	o.min_isvsvn = min_svn;
	o.migtds = &m;
	o.n_migtds = 1;
	assert_int_equal(emu_pki_v2_policy(idir, plats, 2, &o, &out, len, msg, sizeof(msg)),
			 MIGTD_OK);
	return out;
}

static int setup(void **state)
{
	struct emu_platform_params pp;
	char msg[256];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pv2emu.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(p1, sizeof(p1), "%s/p1", dir);
	snprintf(p2, sizeof(p2), "%s/p2", dir);
	snprintf(p3, sizeof(p3), "%s/p3", dir);
	snprintf(iss, sizeof(iss), "%s/issuer", dir);
	snprintf(iss2, sizeof(iss2), "%s/issuer2", dir);
	emu_platform_params_default(&pp);
	if (emu_pki_init(p1, NULL, &pp, 1, msg, sizeof(msg)))
		return -1;
	pp.fmspc[5] = 0x22;
	if (emu_pki_init(p2, p1, &pp, 1, msg, sizeof(msg)))
		return -1;
	pp.fmspc[5] = 0x33;
	if (emu_pki_init(p3, p1, &pp, 1, msg, sizeof(msg)))
		return -1;
	if (emu_pki_v2_issuer_init(iss, NULL, 1, msg, sizeof(msg)) ||
	    emu_pki_v2_issuer_init(iss2, NULL, 1, msg, sizeof(msg)))
		return -1;
	snprintf(msg, sizeof(msg), "%s/policy_issuer_chain.pem", iss);
	if (hostio_read_file(msg, 1 << 20, &chain, &chain_len))
		return -1;
	snprintf(msg, sizeof(msg), "%s/policy_issuer_chain.pem", iss2);
	if (hostio_read_file(msg, 1 << 20, &chain2, &chain2_len))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	free(chain);
	free(chain2);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

struct peer_case {
	const char *pdir; /* platform of the peer's quote */
	const char *pol;  /* the policy the peer measured */
	size_t pol_len;
	const char *sent; /* the policy in its blob (NULL: pol) */
	size_t sent_len;
	const uint8_t *ch; /* its issuer chain */
	size_t ch_len;
	bool tamper_quote, tamper_log, garbage_blob;
};

static enum migtd_pv2_result peer_run(const struct peer_case *c, bool local_is_source,
				      const uint8_t *own_report, uint8_t *peer_report,
				      struct migtd_pv2_explain *ex)
{
	static uint8_t q[EMU_QUOTE_MAX], blob[1 << 20];
	struct emu_platform_params pp;
	struct migtd_pv2_peer in;
	struct td t;
	size_t qlen, blen = 0;

	assert_int_equal(emu_pki_read_params(c->pdir, &pp), MIGTD_OK);
	boot(&t, (const uint8_t *)c->pol, c->pol_len, c->ch, c->ch_len, mrtd_a, &pp);
	memset(t.body + MIGTD_VR_REPORT_DATA, 0x5A, 64);
	qlen = quote_of(c->pdir, &t, q, sizeof(q));
	if (c->tamper_quote)
		q[MIGTD_QUOTE_HEADER_SIZE + MIGTD_VR_MRTD] ^= 1;
	if (c->tamper_log)
		t.log_buf[72 + 14 + 4] ^= 1; /* the first separator event's digest */
	assert_int_equal(migtd_presession_blob_encode((const uint8_t *)(c->sent ? c->sent : c->pol),
						      c->sent ? c->sent_len : c->pol_len, c->ch,
						      c->ch_len, blob, sizeof(blob), &blen),
			 MIGTD_OK);
	if (c->garbage_blob)
		blen--;
	memset(&in, 0, sizeof(in));
	in.quote = q;
	in.quote_len = qlen;
	in.event_log = t.log;
	in.event_log_len = t.log_len;
	in.blob = blob;
	in.blob_len = blen;
	in.local_is_source = local_is_source;
	in.own_report = own_report;
	in.time_mode = MIGTD_QTIME_COLLATERAL;
	return migtd_policy_v2_authenticate(&local, &in, peer_report, ex);
}

static void test_authenticate(void **state)
{
	static uint8_t q[EMU_QUOTE_MAX];
	uint8_t own[MIGTD_VERIFIED_REPORT_SIZE], peer_report[MIGTD_VERIFIED_REPORT_SIZE];
	uint8_t mo[48], moc[48];
	struct migtd_pv2_explain ex;
	struct emu_platform_params pp;
	struct td me;
	size_t pl, pl_low, pl_other, pl_old, pl_svn2, qlen;
	char *pol = policy(iss, 1, 2, 1, chain, chain_len, &pl);
	char *pol_low = policy(iss, 1, 1, 2, chain, chain_len, &pl_low);
	char *pol_other = policy(iss2, 1, 2, 1, chain2, chain2_len, &pl_other);
	char *pol_old = policy(iss, 0, 2, 1, chain, chain_len, &pl_old);
	char *pol_svn2 = policy(iss, 1, 2, 1, chain, chain_len, &pl_svn2);
	struct peer_case ok = { p2, pol, pl, NULL, 0, chain, chain_len, false, false, false };
	struct peer_case c;

	(void)state;
	/* the local MigTD on platform 1: load, owner, own report */
	assert_int_equal(migtd_policy_v2_load(&local, (const uint8_t *)pol, pl, chain, chain_len,
					      &ex),
			 MIGTD_PV2_OK);
	assert_int_equal(local.nplatforms, 2);
	migtd_policy_v2_owner(&local, mo, moc);
	assert_int_equal(migtd_policy_v2_check_owner(&local, mo, moc, &ex), MIGTD_PV2_OK);
	assert_int_equal(emu_pki_read_params(p1, &pp), MIGTD_OK);
	boot(&me, (const uint8_t *)pol, pl, chain, chain_len, mrtd_a, &pp);
	qlen = quote_of(p1, &me, q, sizeof(q));
	assert_int_equal(migtd_policy_v2_verify_quote(&local, q, qlen, MIGTD_QTIME_COLLATERAL, 0,
						      NULL, own, &ex),
			 MIGTD_PV2_OK);
	assert_memory_equal(own + MIGTD_VR_MRTD, mrtd_a, 48);

	/* a peer on platform 2 with the same policy: admitted both ways */
	memset(peer_report, 0, sizeof(peer_report));
	assert_int_equal(peer_run(&ok, true, own, peer_report, &ex), MIGTD_PV2_OK);
	assert_int_equal(peer_report[MIGTD_VR_REPORT_DATA], 0x5A);
	assert_int_equal(peer_report[MIGTD_VR_FMSPC + 5], 0x22);
	assert_int_equal(peer_run(&ok, false, own, NULL, &ex), MIGTD_PV2_OK);
	/* the same policy content signed again (another signature): a peer may run it */
	c = ok;
	c.pol = pol_svn2;
	c.pol_len = pl_svn2;
	assert_int_equal(peer_run(&c, true, own, NULL, &ex), MIGTD_PV2_OK);

	/* a peer whose MigTD SVN (1) is below what our policy admits (2) */
	assert_int_equal(migtd_policy_v2_load(&local, (const uint8_t *)pol_low, pl_low, chain,
					      chain_len, &ex),
			 MIGTD_PV2_OK);
	c = ok;
	c.pol = pol_low;
	c.pol_len = pl_low;
	assert_int_equal(peer_run(&c, true, NULL, NULL, &ex), MIGTD_PV2_SVN_MISMATCH);
	assert_string_equal(ex.where, "policy[1].servtd.migtdIdentity.isvsvn");
	assert_int_equal(migtd_err_status(migtd_pv2_result_err(MIGTD_PV2_SVN_MISMATCH)), 8);
	assert_int_equal(migtd_policy_v2_load(&local, (const uint8_t *)pol, pl, chain, chain_len,
					      &ex),
			 MIGTD_PV2_OK);

	/* a policy signed by another issuer (same leaf name, another root) */
	c = ok;
	c.pol = pol_other;
	c.pol_len = pl_other;
	c.ch = chain2;
	c.ch_len = chain2_len;
	assert_int_equal(peer_run(&c, true, own, NULL, &ex), MIGTD_PV2_PEER_CERT_CHAIN_VALIDATION);
	/* its policy with our chain: the signature fails */
	c.ch = chain;
	c.ch_len = chain_len;
	assert_int_equal(peer_run(&c, true, own, NULL, &ex),
			 MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED);

	/* a destination with an older policySvn: refused by the source only */
	c = ok;
	c.pol = pol_old;
	c.pol_len = pl_old;
	assert_int_equal(peer_run(&c, true, own, NULL, &ex), MIGTD_PV2_SVN_MISMATCH);
	assert_int_equal(peer_run(&c, false, own, NULL, &ex), MIGTD_PV2_OK);

	/* sends another policy than it measured */
	c = ok;
	c.sent = pol_svn2;
	c.sent_len = pl_svn2;
	assert_int_equal(peer_run(&c, true, own, NULL, &ex), MIGTD_PV2_POLICY_HASH_MISMATCH);

	/* measured another policy but sends ours (the same bytes as the local one) */
	c = ok;
	c.pol = pol_svn2;
	c.pol_len = pl_svn2;
	c.sent = pol;
	c.sent_len = pl;
	assert_int_equal(peer_run(&c, true, own, NULL, &ex), MIGTD_PV2_POLICY_HASH_MISMATCH);

	/* a platform our policy has no collateral for */
	c = ok;
	c.pdir = p3;
	assert_int_equal(peer_run(&c, true, own, NULL, &ex), MIGTD_PV2_INVALID_COLLATERAL);

	/* a tampered quote, a log that does not replay, a short blob */
	c = ok;
	c.tamper_quote = true;
	assert_int_equal(peer_run(&c, true, own, NULL, &ex), MIGTD_PV2_QUOTE_VERIFICATION);
	c = ok;
	c.tamper_log = true;
	assert_int_equal(peer_run(&c, true, own, NULL, &ex), MIGTD_PV2_INVALID_EVENT_LOG);
	c = ok;
	c.garbage_blob = true;
	assert_int_equal(peer_run(&c, true, own, NULL, &ex), MIGTD_PV2_INVALID_PARAMETER);
	/* garbage as the peer's policy: InvalidPolicy, status 9 */
	c = ok;
	c.pol = "{\"x\":1}";
	c.pol_len = 7;
	assert_int_equal(peer_run(&c, true, own, NULL, &ex), MIGTD_PV2_INVALID_POLICY);
	assert_int_equal(migtd_err_status(migtd_pv2_result_err(MIGTD_PV2_INVALID_POLICY)), 9);

	free(pol);
	free(pol_low);
	free(pol_other);
	free(pol_old);
	free(pol_svn2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_authenticate),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
