/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fuzz_policy_peer -- the policy evaluation a MigTD runs on its peer
 * (docs/protocol.md §7.4), with the peer's side hostile and our side fixed.
 *
 * Trusted and fixed: the enrolled policy (config/policy.json, the policy the
 * demo enrolls) and our own verified report, taken once at start-up from a
 * real RA-TLS handshake between two emulated MigTDs (src/emuworld's RA-TLS
 * pair), REPORTDATA zeroed. Randomness is deterministic
 * (support/det_random.h), so the keys, the root CA and hence the RTMRs are
 * the same in every process and a recorded peer matches "self".
 *
 * Hostile (the input): the first MIGTD_VERIFIED_REPORT_SIZE bytes are the
 * peer's verified report (shorter: zero-padded), the rest is the peer's CC
 * event log. As the session's policy callback does, the log is replayed
 * against the report's RTMRs and parsed; unlike it, the evaluation runs even
 * when the replay fails, so that the evaluator sees every log the parser
 * accepts, not only the few whose digests the fuzzer gets right. Both roles
 * (source and destination) are evaluated, and the explanation is rendered.
 *
 * Our own event log ("self" in EventLog references) is that MigTD's boot log.
 *
 * MIGTD_FUZZ_CAPTURE=DIR: write DIR/fuzz_policy_peer/real_peer (the peer's
 * verified report and event log from that handshake) and
 * DIR/fuzz_ratls_cert/real_peer_cert (the server's RA-TLS certificate), then
 * exit.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <psa/crypto.h>

#include "det_random.h"
#include "hostio.h"
#include "migtd/eventlog.h"
#include "migtd/policy.h"
#include "migtd/quote.h"
#include "ratls_pair.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct policy_workspace ws; /* the enrolled policy, parsed once */
static uint8_t *policy_doc;
static size_t policy_len;
static uint8_t local_report[MIGTD_VERIFIED_REPORT_SIZE];
static uint8_t local_evlog[8192];
static struct eventlog_parsed local_log; /* points into local_evlog */

static const uint8_t mrtd[48] = { 0x4d, 0x69, 0x67, 0x54, 0x44, 0x2d, 0x63 }; /* "MigTD-c" */

static bool verbose; /* FUZZ_POLICY_VERBOSE: print each result */

static void die(const char *what)
{
	fprintf(stderr, "fuzz_policy_peer: %s\n", what);
	abort();
}

/* DIR/target/name := a then b. */
static void write_seed(const char *dir, const char *target, const char *name, const uint8_t *a,
		       size_t a_len, const uint8_t *b, size_t b_len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, target);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		die("mkdir");
	snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(a, 1, a_len, f) != a_len ||
	    (b_len && fwrite(b, 1, b_len, f) != b_len) || fclose(f) != 0)
		die("cannot write the seed");
	fprintf(stderr, "fuzz_policy_peer: wrote %s\n", path);
}

/* Two MigTDs on two platforms of one model under one root: a real handshake,
 * whose verified reports are what each side's policy evaluation got. */
static void handshake(const char *capture_dir)
{
	char dir[] = "/tmp/migtd-fuzz-policy-XXXXXX", pki[2][64], msg[256];
	uint8_t *root[2] = { NULL, NULL }, rd[64];
	size_t root_len[2];
	static struct rp_link link;
	struct rp_node *n[2];
	static uint8_t work[2][1 << 16];
	int rc, rs;

	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	for (int i = 0; i < 2; i++) {
		snprintf(pki[i], sizeof(pki[i]), "%s/%c", dir, "AB"[i]);
		if (rp_platform_init(pki[i], i ? pki[0] : NULL, (uint8_t)(0x30 + i), &root[i],
				     &root_len[i], msg, sizeof(msg)) != 0)
			die(msg);
	}
	rp_link_init(&link);
	for (int i = 0; i < 2; i++) {
		n[i] = calloc(1, sizeof(*n[i]));
		if (n[i] == NULL)
			die("out of memory");
		/* Both enroll platform A's root (B is under it). */
		rp_node_boot(n[i], pki[i], mrtd, root[0], root_len[0], (const char *)policy_doc,
			     &ws.policy);
		rp_node_session(n[i], i == 0 ? RATLS_CLIENT : RATLS_SERVER, rd);
		rp_node_quote(n[i], rd);
		rp_node_start(n[i], n[i]->evlog, n[i]->evlog_len, i == 0 ? &link.ce : &link.se,
			      work[i], sizeof(work[i]));
	}
	rp_run_handshake(&link, &n[0]->tls, &n[1]->tls, &rc, &rs);
	if (rc != MIGTD_OK || rs != MIGTD_OK || n[1]->policy_calls == 0)
		die("the RA-TLS handshake between the two emulated MigTDs failed");
	/* The server's view: its own report is what the client verified. */
	memcpy(local_report, n[0]->peer_report, sizeof(local_report));
	memset(local_report + MIGTD_VR_REPORT_DATA, 0, 64);
	if (n[1]->evlog_len > sizeof(local_evlog))
		die("event log too long");
	memcpy(local_evlog, n[1]->evlog, n[1]->evlog_len);
	if (migtd_eventlog_parse(local_evlog, n[1]->evlog_len, &local_log) != MIGTD_OK)
		die("our own event log does not parse");
	if (capture_dir != NULL) {
		write_seed(capture_dir, "fuzz_policy_peer", "real_peer", n[1]->peer_report,
			   MIGTD_VERIFIED_REPORT_SIZE, n[0]->evlog, n[0]->evlog_len);
		/* The server's RA-TLS certificate, as the client received it. */
		write_seed(capture_dir, "fuzz_ratls_cert", "real_peer_cert",
			   n[1]->tls.own_cert.raw.p, n[1]->tls.own_cert.raw.len, NULL, 0);
	}
	for (int i = 0; i < 2; i++) {
		rp_node_free(n[i]);
		free(n[i]);
		free(root[i]);
	}
	if (rp_remove_dir(dir) != 0)
		die("cannot remove the temporary directory");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct policy_parse_error pe;
	const char *capture = getenv("MIGTD_FUZZ_CAPTURE");
	uint8_t *doc;

	(void)argc;
	(void)argv;
	/* Deterministic keys: the root CA measured into RTMR2 is then the same
	 * in every process, so a recorded peer report compares with ours. */
	det_random_reset();
	if (psa_crypto_init() != PSA_SUCCESS)
		die("psa_crypto_init");
	/* NUL-terminated: the RA-TLS node measures it as text. */
	if (hostio_read_file("config/policy.json", HOSTIO_READ_MAX, &doc, &policy_len) != 0)
		die("cannot read config/policy.json (run from the repository)");
	policy_doc = calloc(1, policy_len + 1);
	if (policy_doc == NULL)
		die("out of memory");
	memcpy(policy_doc, doc, policy_len);
	free(doc);
	if (migtd_policy_parse(&ws, policy_doc, policy_len, &pe) != MIGTD_OK)
		die("config/policy.json does not parse");
	verbose = getenv("FUZZ_POLICY_VERBOSE") != NULL;
	handshake(capture);
	if (capture != NULL)
		exit(0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t peer[MIGTD_VERIFIED_REPORT_SIZE];
	size_t rlen = size < sizeof(peer) ? size : sizeof(peer);
	size_t log_len = size - rlen;
	uint8_t *log;
	struct eventlog_parsed peer_log;
	struct policy_explain ex;
	struct policy_input in;
	char text[2048];
	enum policy_result r;

	memset(peer, 0, sizeof(peer));
	memcpy(peer, data, rlen);
	/* Exact-size copy of the log, so that ASan sees any over-read. */
	log = malloc(log_len ? log_len : 1);
	if (log == NULL)
		return 0;
	memcpy(log, data + rlen, log_len);

	(void)migtd_eventlog_verify_rtmrs(log, log_len, peer + MIGTD_VR_RTMR(0));
	if (migtd_eventlog_parse(log, log_len, &peer_log) == MIGTD_OK) {
		for (int src = 0; src < 2; src++) {
			in = (struct policy_input){
				.local_report = local_report,
				.local_len = sizeof(local_report),
				.peer_report = peer,
				.peer_len = sizeof(peer),
				.local_log = &local_log,
				.peer_log = &peer_log,
				.is_src = src != 0,
			};
			memset(&ex, 0, sizeof(ex));
			r = migtd_policy_eval(&ws.policy, &in, &ex);
			if ((unsigned)r >= POLICY_RESULT_COUNT)
				abort();
			/* A result other than Ok always says why. */
			if (r != POLICY_OK && ex.result != r)
				abort();
			(void)migtd_policy_explain_render(&ex, text, sizeof(text));
			if (verbose)
				fprintf(stderr, "fuzz_policy_peer: %s: %s\n%s\n",
					src ? "source" : "destination", migtd_policy_result_name(r),
					text);
		}
	}
	free(log);
	return 0;
}
