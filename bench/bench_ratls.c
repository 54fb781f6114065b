/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * bench_ratls -- the cost of attestation:
 *   verify   verifying the real production TDX quote v4
 *            (go-tdx-guest/tdx_prod_quote_SPR_E4.dat) to the Intel SGX root
 *            CA at 2023-07-01, no collateral: PEM chain parse, 3 chain/QE
 *            signatures, quote signature (migtd_quote_verify);
 *   handshake  a full RA-TLS handshake, both sides in this process over
 *            memory pipes, with quotes of the emulated platform: two
 *            certificates built, each side verifies its own and the peer's
 *            quote (4 quote verifications), replays the peer event log and
 *            evaluates a policy; TLS 1.3 with ECDHE P-384 and ECDSA P-384.
 *            Key generation and the (emulated) TDX module + quoting enclave
 *            work are done before, outside the measured function.
 *   ecdsa    single mbedTLS/PSA ECDSA operations, to set beside
 *            `openssl speed ecdsap256 ecdsap384` (scripts/bench.sh).
 *
 *   build/host/bench/bench_ratls            wall time: median of rounds
 *   build/host/bench/bench_ratls verify N   N verifications only  } for callgrind
 *   build/host/bench/bench_ratls handshake N  N handshakes only   } (--toggle-collect)
 *
 * Nothing is asserted about speed; a failing operation exits non-zero.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/sha256.h>
#include <psa/crypto.h>

#include "emu_host.h"
#include "emu_pki.h"
#include "emu_quote.h"
#include "emu_tdx.h"
#include "migtd/eventlog.h"
#include "migtd/policy.h"
#include "migtd/quote.h"
#include "migtd/ratls.h"
#include "migtd/tdreport.h"
#include "ratls_pair.h"
#include "benchutil.h"

#define QUOTE_VEC "go-tdx-guest/tdx_prod_quote_SPR_E4.dat"
#define ROOT_VEC "upstream/config/Intel_SGX_Provisioning_Certification_RootCA.cer"
#define T_2023_07_01 1688169600
#define WORK_CAP (RATLS_MAX_CERT + 4096)
#define MAX_ROUNDS 15

static const uint8_t g_mrtd[48] = { 0x4d, 0x69, 0x67, 0x54, 0x44 };

static void die(const char *what, int ret)
{
	fprintf(stderr, "bench_ratls: %s failed (%d)\n", what, ret);
	exit(1);
}

static uint8_t *vector(const char *rel, size_t *len)
{
	const char *v = getenv("MIGTD_VECTORS");
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", v ? v : "../shared/vectors", rel);
	return bench_slurp("bench_ratls", path, len);
}

/* ---- quote verification --------------------------------------------------------- */

static uint8_t *g_quote, *g_root;
static size_t g_quote_len, g_root_len;
static struct migtd_quote_verify_result g_res;

__attribute__((noinline)) static void bench_quote_verify_once(void)
{
	struct migtd_quote_verify_params p = {
		.root_ca = g_root,
		.root_ca_len = g_root_len,
		.now = T_2023_07_01,
	};
	uint8_t report[MIGTD_VERIFIED_REPORT_SIZE];
	int ret = migtd_quote_verify(g_quote, g_quote_len, &p, &g_res, report);

	if (ret != MIGTD_OK)
		die("migtd_quote_verify (production v4 quote)", ret);
}

/* ---- RA-TLS handshake over memory pipes -------------------------------------------- */

static char g_dir[] = "/tmp/bench-ratls-XXXXXX";
static struct policy_workspace g_ws;

/* Two emulated MigTDs and the pipes between them: src/emuworld/ratls_pair.h. */
static struct rp_node g_node[2];
static struct rp_link g_link;
static uint8_t *g_proot[2];
static size_t g_proot_len[2];
static uint8_t g_work[WORK_CAP];

static void bench_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void bench_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bench_ratls: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* Fresh keys and quotes for both sides: the platform's part, not measured. */
__attribute__((noinline)) static void pair_prepare(void)
{
	for (int i = 0; i < 2; i++) {
		uint8_t rd[64];

		rp_node_session(&g_node[i], i == 0 ? RATLS_CLIENT : RATLS_SERVER, rd);
		rp_node_quote(&g_node[i], rd);
	}
	rp_link_init(&g_link);
}

/* Certificates, TLS set-up, the handshake, and the teardown: MigTD's part. */
__attribute__((noinline)) static size_t pair_handshake(void)
{
	int rc[2];
	size_t bytes = 0;

	for (int i = 0; i < 2; i++) {
		struct rp_node *n = &g_node[i];

		rp_node_start(n, n->evlog, n->evlog_len, i == 0 ? &g_link.ce : &g_link.se, g_work,
			      sizeof(g_work));
	}
	rp_run_handshake(&g_link, &g_node[0].tls, &g_node[1].tls, &rc[0], &rc[1]);
	if (rc[0] != MIGTD_OK || rc[1] != MIGTD_OK)
		die("RA-TLS handshake", rc[0] != MIGTD_OK ? rc[0] : rc[1]);
	bytes = g_link.c2s.total + g_link.s2c.total;
	for (int i = 0; i < 2; i++)
		migtd_ratls_session_free(&g_node[i].tls);
	return bytes;
}

static void handshake_setup(void)
{
	char msg[256], dir[2][300];
	struct policy_parse_error pe;

	rp_fail = bench_fail;
	if (!mkdtemp(g_dir))
		die("mkdtemp", -1);
	for (int i = 0; i < 2; i++) {
		snprintf(dir[i], sizeof(dir[i]), "%s/%d", g_dir, i);
		if (rp_platform_init(dir[i], i ? dir[0] : NULL, (uint8_t)i, &g_proot[i],
				     &g_proot_len[i], msg, sizeof(msg)))
			die(msg, -1);
		rp_node_boot(&g_node[i], dir[i], g_mrtd, g_proot[i], g_proot_len[i], rp_self_policy,
			     &g_ws.policy);
	}
	if (migtd_policy_parse(&g_ws, (const uint8_t *)rp_self_policy, strlen(rp_self_policy), &pe))
		die("migtd_policy_parse", -1);
}

static void handshake_teardown(void)
{
	for (int i = 0; i < 2; i++) {
		rp_node_free(&g_node[i]);
		free(g_proot[i]);
	}
	if (rp_remove_dir(g_dir) != 0)
		fprintf(stderr, "bench_ratls: could not remove %s\n", g_dir);
}

/* ---- single ECDSA operations -------------------------------------------------------- */

static psa_key_id_t new_key(size_t bits, psa_algorithm_t alg)
{
	psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
	psa_key_id_t k = 0;

	psa_set_key_type(&a, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
	psa_set_key_bits(&a, bits);
	psa_set_key_usage_flags(&a, PSA_KEY_USAGE_SIGN_HASH | PSA_KEY_USAGE_VERIFY_HASH);
	psa_set_key_algorithm(&a, alg);
	if (psa_generate_key(&a, &k) != PSA_SUCCESS)
		die("psa_generate_key", -1);
	return k;
}

static psa_key_id_t g_k256, g_k384;
static uint8_t g_hash[48], g_sig256[64], g_sig384[96];
static uint8_t g_q_hash[32];

static void op_quote_sig_p256(void)
{
	/* the production quote's own signature: real key, real data */
	if (migtd_quote_ecdsa_verify(g_res.quote.attest_key, 64, g_q_hash, g_res.quote.signature))
		die("P-256 verify (quote signature)", -1);
}

static void op_sign_p256(void)
{
	size_t l;

	if (psa_sign_hash(g_k256, PSA_ALG_ECDSA(PSA_ALG_SHA_256), g_hash, 32, g_sig256,
			  sizeof(g_sig256), &l) != PSA_SUCCESS)
		die("P-256 sign", -1);
}

static void op_sign_p384(void)
{
	size_t l;

	if (psa_sign_hash(g_k384, PSA_ALG_ECDSA(PSA_ALG_SHA_384), g_hash, 48, g_sig384,
			  sizeof(g_sig384), &l) != PSA_SUCCESS)
		die("P-384 sign", -1);
}

static void op_verify_p384(void)
{
	if (psa_verify_hash(g_k384, PSA_ALG_ECDSA(PSA_ALG_SHA_384), g_hash, 48, g_sig384,
			    sizeof(g_sig384)) != PSA_SUCCESS)
		die("P-384 verify", -1);
}

static void report(const char *name, double s, const char *unit_note)
{
	printf("  %-44s median %9.3f ms  %9.1f ops/s%s\n", name, s * 1e3, 1.0 / s, unit_note);
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 0;

	if (psa_crypto_init() != PSA_SUCCESS)
		die("psa_crypto_init", -1);
	g_quote = vector(QUOTE_VEC, &g_quote_len);
	g_root = vector(ROOT_VEC, &g_root_len);

	if (argc > 1 && strcmp(argv[1], "verify") == 0) {
		for (int i = 0; i < (n > 0 ? n : 1); i++)
			bench_quote_verify_once();
		printf("verify: %d quote verifications\n", n > 0 ? n : 1);
		return 0;
	}
	handshake_setup();
	if (argc > 1 && strcmp(argv[1], "handshake") == 0) {
		size_t bytes = 0;

		for (int i = 0; i < (n > 0 ? n : 1); i++) {
			pair_prepare();
			bytes = pair_handshake();
		}
		printf("handshake: %d RA-TLS handshakes, %zu bytes on the wire each\n",
		       n > 0 ? n : 1, bytes);
		handshake_teardown();
		return 0;
	}

	printf("bench_ratls: median wall time (%d rounds; shared machine: expect noise)\n",
	       MAX_ROUNDS);
	bench_quote_verify_once();
	report("verify production v4 quote (Intel root)",
	       bench_median_of(bench_quote_verify_once, MAX_ROUNDS, 5), "");
	{
		double t[MAX_ROUNDS];
		size_t bytes = 0;

		for (int r = 0; r < MAX_ROUNDS; r++) {
			double t0;

			pair_prepare();
			t0 = bench_now();
			bytes = pair_handshake();
			t[r] = bench_now() - t0;
		}
		report("RA-TLS handshake, both sides, 4 quote verifs", bench_median(t, MAX_ROUNDS),
		       "");
		printf("  (%zu bytes on the wire; emulated quote %zu bytes, event log %zu bytes)\n",
		       bytes, g_node[0].quote_len, g_node[0].evlog_len);
	}
	{
		size_t l;

		if (mbedtls_sha256(g_res.quote.signed_data, g_res.quote.signed_len, g_q_hash, 0))
			die("sha256", -1);
		g_k256 = new_key(256, PSA_ALG_ECDSA(PSA_ALG_SHA_256));
		g_k384 = new_key(384, PSA_ALG_ECDSA(PSA_ALG_SHA_384));
		memset(g_hash, 0xA5, sizeof(g_hash));
		if (psa_sign_hash(g_k384, PSA_ALG_ECDSA(PSA_ALG_SHA_384), g_hash, 48, g_sig384,
				  sizeof(g_sig384), &l) != PSA_SUCCESS)
			die("P-384 sign", -1);
		printf("ecdsa (mbedTLS %s, PSA):\n", "3.6");
		report("ecdsap256 sign", bench_median_of(op_sign_p256, 7, 20), "");
		report("ecdsap256 verify", bench_median_of(op_quote_sig_p256, 7, 20), "");
		report("ecdsap384 sign", bench_median_of(op_sign_p384, 7, 10), "");
		report("ecdsap384 verify", bench_median_of(op_verify_p384, 7, 10), "");
		psa_destroy_key(g_k256);
		psa_destroy_key(g_k384);
	}
	handshake_teardown();
	free(g_quote);
	free(g_root);
	return 0;
}
