/*
 * bench_ratls -- the cost of attestation (issue 4):
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/sha256.h>
#include <psa/crypto.h>

#include "migtd/emu_host.h"
#include "migtd/emu_pki.h"
#include "migtd/emu_quote.h"
#include "migtd/emu_tdx.h"
#include "migtd/eventlog.h"
#include "migtd/policy.h"
#include "migtd/quote.h"
#include "migtd/ratls.h"
#include "migtd/tdreport.h"

psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context,
					     uint8_t *output, size_t output_size,
					     size_t *output_length);
typedef psa_status_t (*rng_hook_fn)(mbedtls_psa_external_random_context_t *, uint8_t *, size_t,
				    size_t *);
rng_hook_fn migtd_test_rng_hook = mbedtls_psa_external_get_random;

#define QUOTE_VEC "go-tdx-guest/tdx_prod_quote_SPR_E4.dat"
#define ROOT_VEC "upstream/config/Intel_SGX_Provisioning_Certification_RootCA.cer"
#define T_2023_07_01 1688169600
#define REPORT_RTMR_OFFSET 328
#define WORK_CAP (RATLS_MAX_CERT + 4096)
#define MAX_ROUNDS 15

static const char g_policy[] =
	"{\"id\":\"11111111-2222-3333-4444-555555555555\",\"policy\":["
	"{\"fmspc\":\"self\",\"Platform\":{\"TcbInfo\":{\"pcesvn\":"
	"{\"operation\":\"greater-or-equal\",\"reference\":0}}}},"
	"{\"MigTD\":{\"TDINFO\":{\"MRTD\":{\"operation\":\"equal\",\"reference\":\"self\"}}}}]}";
static const uint8_t g_mrtd[48] = { 0x4d, 0x69, 0x67, 0x54, 0x44 };

static void die(const char *what, int ret)
{
	fprintf(stderr, "bench_ratls: %s failed (%d)\n", what, ret);
	exit(1);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "bench_ratls: cannot read %s\n", path);
		exit(1);
	}
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		exit(1);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static uint8_t *vector(const char *rel, size_t *len)
{
	const char *v = getenv("MIGTD_VECTORS");
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", v ? v : "../shared/vectors", rel);
	return slurp(path, len);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ---- quote verification --------------------------------------------------------- */

static uint8_t *g_quote, *g_root;
static size_t g_quote_len, g_root_len;
static struct migtd_quote_verify_result g_res;

__attribute__((noinline)) static void bench_quote_verify_once(void)
{
	struct migtd_quote_verify_params p = { g_root, g_root_len, T_2023_07_01, NULL };
	uint8_t report[MIGTD_VERIFIED_REPORT_SIZE];
	int ret = migtd_quote_verify(g_quote, g_quote_len, &p, &g_res, report);

	if (ret != MIGTD_OK)
		die("migtd_quote_verify (production v4 quote)", ret);
}

/* ---- RA-TLS handshake over memory pipes -------------------------------------------- */

static char g_dir[] = "/tmp/bench-ratls-XXXXXX";
static struct policy_workspace g_ws;

struct pipe {
	uint8_t buf[1 << 17];
	size_t len, total;
};

struct end {
	struct pipe *tx, *rx;
};

static long pipe_send(void *ctx, const uint8_t *buf, size_t len)
{
	struct pipe *p = ((struct end *)ctx)->tx;
	size_t room = sizeof(p->buf) - p->len;

	if (room == 0)
		return MIGTD_ERR_AGAIN;
	if (len > room)
		len = room;
	memcpy(p->buf + p->len, buf, len);
	p->len += len;
	p->total += len;
	return (long)len;
}

static long pipe_recv(void *ctx, uint8_t *buf, size_t len)
{
	struct pipe *p = ((struct end *)ctx)->rx;

	if (p->len == 0)
		return MIGTD_ERR_AGAIN;
	if (len > p->len)
		len = p->len;
	memcpy(buf, p->buf, len);
	memmove(p->buf, p->buf + len, p->len - len);
	p->len -= len;
	return (long)len;
}

struct node {
	struct emu_host_platform h;
	uint8_t *root;
	size_t root_len;
	uint8_t evlog[8192];
	size_t evlog_len;
	struct eventlog_parsed local_log;
	uint8_t quote[EMU_QUOTE_MAX];
	size_t quote_len;
	struct ratls_session tls;
	struct migtd_quote_verify_result qres;
	struct pipe rx;
	struct end end;
};

static struct node g_node[2];
static uint8_t g_work[WORK_CAP];

static int cb_verify(void *ctx, const uint8_t *q, size_t len, uint8_t report[RATLS_REPORT_SIZE])
{
	struct node *n = ctx;
	struct migtd_quote_verify_params p = { n->root, n->root_len, (int64_t)time(NULL), NULL };

	return migtd_quote_verify(q, len, &p, &n->qres, report);
}

static int cb_policy(void *ctx, bool is_src, const uint8_t local[RATLS_REPORT_SIZE],
		     const uint8_t peer[RATLS_REPORT_SIZE], const uint8_t *log, size_t len)
{
	struct node *n = ctx;
	struct eventlog_parsed pl;
	struct policy_input in;
	enum policy_result r;

	if (eventlog_verify_rtmrs(log, len, peer + REPORT_RTMR_OFFSET) != MIGTD_OK ||
	    eventlog_parse(log, len, &pl) != MIGTD_OK)
		return MIGTD_ERR_POLICY;
	in = (struct policy_input){ local, RATLS_REPORT_SIZE, peer, RATLS_REPORT_SIZE,
				    &n->local_log, &pl, is_src };
	r = policy_eval(&g_ws.policy, &in, NULL);
	return r == POLICY_OK ? MIGTD_OK : policy_result_err(r);
}

static void node_boot(struct node *n, const char *dir)
{
	static const uint8_t sep[4];
	struct eventlog_builder b;
	char msg[256], path[1100];
	const uint8_t *log;
	uint8_t d[48];
	int ret;

	ret = emu_host_platform_load(&n->h, dir, msg, sizeof(msg));
	if (ret)
		die(msg, ret);
	emu_tdx_launch_servtd(&n->h.tdx, g_mrtd);
	snprintf(path, sizeof(path), "%s/root_ca.der", dir);
	if (emu_read_file(path, &n->root, &n->root_len))
		die("root_ca.der", -1);
	ret = eventlog_builder_init(&b, n->evlog, sizeof(n->evlog));
	for (unsigned r = 0; r < 2 && !ret; r++) {
		ret = eventlog_builder_add_measured(&b, r + 1, EVENTLOG_EV_SEPARATOR, sep, 4, sep,
						    4, d);
		if (!ret && emu_tdx_rtmr_extend(&n->h.tdx, r, d) != TDX_SUCCESS)
			ret = -1;
	}
	if (!ret)
		ret = eventlog_builder_add_tagged(&b, 3, EVENTLOG_TAG_POLICY, g_policy,
						  strlen(g_policy), g_policy, strlen(g_policy), d);
	if (!ret && emu_tdx_rtmr_extend(&n->h.tdx, 2, d) != TDX_SUCCESS)
		ret = -1;
	if (!ret)
		ret = eventlog_builder_add_tagged(&b, 3, EVENTLOG_TAG_ROOT_CA, n->root, n->root_len,
						  n->root, n->root_len, d);
	if (!ret && emu_tdx_rtmr_extend(&n->h.tdx, 2, d) != TDX_SUCCESS)
		ret = -1;
	if (!ret)
		ret = eventlog_builder_finish(&b, 0xFF, &log, &n->evlog_len);
	if (!ret)
		ret = eventlog_parse(n->evlog, n->evlog_len, &n->local_log);
	if (ret)
		die("event log", ret);
}

/* Fresh keys and quotes for both sides: the platform's part, not measured. */
__attribute__((noinline)) static void pair_prepare(void)
{
	for (int i = 0; i < 2; i++) {
		struct node *n = &g_node[i];
		struct ratls_callbacks cb = { cb_verify, cb_policy, n };
		uint8_t rd[64], tdr[TDREPORT_STRUCT_SIZE], body[EMU_TD_REPORT_BODY_LEN];
		struct tdreport_struct rep;
		int ret;

		ret = ratls_session_init(&n->tls, i == 0 ? RATLS_CLIENT : RATLS_SERVER, &cb);
		if (!ret)
			ret = ratls_session_report_data(&n->tls, rd);
		if (!ret && emu_tdx_mr_report(&n->h.tdx, rd, tdr) != TDX_SUCCESS)
			ret = -1;
		if (!ret)
			ret = tdreport_parse(tdr, sizeof(tdr), &rep);
		if (!ret) {
			emu_tdx_report_to_quote_body(&rep, body);
			ret = emu_quote_build(&n->h.pki, body, n->quote, sizeof(n->quote),
					      &n->quote_len);
		}
		if (ret)
			die("session key / emulated quote", ret);
		n->rx.len = 0;
	}
	g_node[0].end = (struct end){ &g_node[1].rx, &g_node[0].rx };
	g_node[1].end = (struct end){ &g_node[0].rx, &g_node[1].rx };
}

/* Certificates, TLS set-up, the handshake, and the teardown: MigTD's part. */
__attribute__((noinline)) static size_t pair_handshake(void)
{
	int rc[2] = { MIGTD_ERR_AGAIN, MIGTD_ERR_AGAIN };
	size_t bytes = 0;

	for (int i = 0; i < 2; i++) {
		struct node *n = &g_node[i];
		struct ratls_io io = { pipe_send, pipe_recv, &n->end };
		int ret = ratls_session_start(&n->tls, n->quote, n->quote_len, n->evlog,
					      n->evlog_len, 0, &io, g_work, sizeof(g_work));

		if (ret)
			die("ratls_session_start", ret);
	}
	for (int k = 0; k < 100 && (rc[0] == MIGTD_ERR_AGAIN || rc[1] == MIGTD_ERR_AGAIN); k++)
		for (int i = 0; i < 2; i++)
			if (rc[i] == MIGTD_ERR_AGAIN)
				rc[i] = ratls_handshake_step(&g_node[i].tls);
	if (rc[0] != MIGTD_OK || rc[1] != MIGTD_OK)
		die("RA-TLS handshake", rc[0] != MIGTD_OK ? rc[0] : rc[1]);
	bytes = g_node[0].rx.total + g_node[1].rx.total;
	g_node[0].rx.total = g_node[1].rx.total = 0;
	for (int i = 0; i < 2; i++)
		ratls_session_free(&g_node[i].tls);
	return bytes;
}

static void handshake_setup(void)
{
	struct emu_platform_params prm;
	char msg[256], dir[2][300];
	struct policy_parse_error pe;

	if (!mkdtemp(g_dir))
		die("mkdtemp", -1);
	for (int i = 0; i < 2; i++) {
		snprintf(dir[i], sizeof(dir[i]), "%s/%d", g_dir, i);
		emu_platform_params_default(&prm);
		prm.ppid[0] = (uint8_t)i;
		if (emu_pki_init(dir[i], i ? dir[0] : NULL, &prm, 1, msg, sizeof(msg)))
			die(msg, -1);
		node_boot(&g_node[i], dir[i]);
	}
	if (policy_parse(&g_ws, (const uint8_t *)g_policy, strlen(g_policy), &pe))
		die("policy_parse", -1);
}

static void handshake_teardown(void)
{
	char cmd[300];

	for (int i = 0; i < 2; i++) {
		emu_host_platform_free(&g_node[i].h);
		free(g_node[i].root);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", g_dir);
	if (system(cmd) != 0)
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

/* Median seconds per call of op over rounds of iters calls. */
static double median(void (*op)(void), int rounds, int iters)
{
	double t[MAX_ROUNDS];

	for (int r = 0; r < rounds; r++) {
		double t0 = now();

		for (int i = 0; i < iters; i++)
			op();
		t[r] = (now() - t0) / iters;
	}
	qsort(t, (size_t)rounds, sizeof(t[0]), cmp);
	return t[rounds / 2];
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
	report("verify production v4 quote (Intel root)", median(bench_quote_verify_once,
								 MAX_ROUNDS, 5),
	       "");
	{
		double t[MAX_ROUNDS];
		size_t bytes = 0;

		for (int r = 0; r < MAX_ROUNDS; r++) {
			double t0;

			pair_prepare();
			t0 = now();
			bytes = pair_handshake();
			t[r] = now() - t0;
		}
		qsort(t, MAX_ROUNDS, sizeof(t[0]), cmp);
		report("RA-TLS handshake, both sides, 4 quote verifs", t[MAX_ROUNDS / 2], "");
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
		report("ecdsap256 sign", median(op_sign_p256, 7, 20), "");
		report("ecdsap256 verify", median(op_quote_sig_p256, 7, 20), "");
		report("ecdsap384 sign", median(op_sign_p384, 7, 10), "");
		report("ecdsap384 verify", median(op_verify_p384, 7, 10), "");
		psa_destroy_key(g_k256);
		psa_destroy_key(g_k384);
	}
	handshake_teardown();
	free(g_quote);
	free(g_root);
	return 0;
}
