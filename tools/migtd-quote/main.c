/*
 * migtd-quote -- verify a TDX quote the way migtd-c does, step by step.
 *
 *   migtd-quote verify --quote Q --root-ca CA [--time RFC3339]
 *       [--tcb-info F --qe-identity F --tcb-chain F --qe-chain F]
 *       [--pck-crl F --root-crl F] [--out verified-report.bin]
 *
 * Exit status 0 only if every required step (and every supplied optional
 * one) passed; otherwise 1 and the failing step is named. 2 = usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "migtd/fmt.h"
#include "migtd/quote.h"
#include "../common/toolutil.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: migtd-quote verify --quote FILE --root-ca FILE [options]\n"
		"\n"
		"Verify a TDX quote (v4/v5) to an enrolled Intel SGX root CA.\n"
		"  --quote FILE        the quote (trailing bytes are ignored)\n"
		"  --root-ca FILE      enrolled root CA: DER/PEM certificate or 65-byte raw P-256 key\n"
		"  --time T            evaluate validity at T (RFC 3339 UTC, e.g. 2023-07-01T01:00:00Z;\n"
		"                      default: now). MigTD has no trusted clock; the time is an input.\n"
		"  --tcb-info FILE     PCS TDX TCB Info JSON ({\"tcbInfo\":...,\"signature\":...})\n"
		"  --qe-identity FILE  PCS QE Identity JSON ({\"enclaveIdentity\":...})\n"
		"  --tcb-chain FILE    PEM issuer chain of the TCB Info (Intel SGX TCB Signing, root)\n"
		"  --qe-chain FILE     PEM issuer chain of the QE Identity (default: --tcb-chain)\n"
		"  --pck-crl FILE      PCK platform/processor CA CRL (DER or PEM)\n"
		"  --root-crl FILE     root CA CRL (DER or PEM)\n"
		"  --out FILE          write the 822-byte verified report (masked as MigTD does)\n"
		"  --help              this text\n");
}

/* Unreadable input: exit status 2. */
static uint8_t *slurp(const char *path, size_t *len)
{
	return tool_slurp("migtd-quote", path, len, 2);
}

static int parse_rfc3339(const char *s, int64_t *out)
{
	/* Accept exactly YYYY-MM-DDTHH:MM:SSZ (the core's parser). */
	return migtd_quote_parse_time(s, strlen(s), out);
}

static void print_hex(const char *label, const uint8_t *b, size_t n)
{
	char hex[2 * 64 + 1];

	migtd_hex(hex, sizeof(hex), b, n);
	printf("  %-14s %s\n", label, hex);
}

static int write_file(const char *path, const uint8_t *b, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
		fprintf(stderr, "migtd-quote: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *quote_path = NULL, *root_path = NULL, *time_str = NULL, *out_path = NULL;
	const char *tcb_path = NULL, *qe_path = NULL, *tcb_chain = NULL, *qe_chain = NULL;
	const char *pck_crl = NULL, *root_crl = NULL;
	struct migtd_quote_collateral col;
	struct migtd_quote_verify_params params;
	static struct migtd_quote_verify_result res;
	uint8_t report[MIGTD_VERIFIED_REPORT_SIZE];
	uint8_t *quote, *root;
	size_t quote_len, root_len;
	int ret;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "verify") != 0) {
		usage(stderr);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		const char **dst = NULL;

		if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--quote"))
			dst = &quote_path;
		else if (!strcmp(argv[i], "--root-ca"))
			dst = &root_path;
		else if (!strcmp(argv[i], "--time"))
			dst = &time_str;
		else if (!strcmp(argv[i], "--out"))
			dst = &out_path;
		else if (!strcmp(argv[i], "--tcb-info"))
			dst = &tcb_path;
		else if (!strcmp(argv[i], "--qe-identity"))
			dst = &qe_path;
		else if (!strcmp(argv[i], "--tcb-chain"))
			dst = &tcb_chain;
		else if (!strcmp(argv[i], "--qe-chain"))
			dst = &qe_chain;
		else if (!strcmp(argv[i], "--pck-crl"))
			dst = &pck_crl;
		else if (!strcmp(argv[i], "--root-crl"))
			dst = &root_crl;
		if (!dst || i + 1 >= argc) {
			fprintf(stderr, "migtd-quote: bad argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
		*dst = argv[++i];
	}
	if (!quote_path || !root_path) {
		usage(stderr);
		return 2;
	}

	memset(&params, 0, sizeof(params));
	memset(&col, 0, sizeof(col));
	if (time_str) {
		if (parse_rfc3339(time_str, &params.now)) {
			fprintf(stderr, "migtd-quote: --time wants YYYY-MM-DDTHH:MM:SSZ\n");
			return 2;
		}
	} else {
		params.now = (int64_t)time(NULL);
	}
	quote = slurp(quote_path, &quote_len);
	root = slurp(root_path, &root_len);
	params.root_ca = root;
	params.root_ca_len = root_len;
	if (tcb_path)
		col.tcb_info = slurp(tcb_path, &col.tcb_info_len);
	if (qe_path)
		col.qe_identity = slurp(qe_path, &col.qe_identity_len);
	if (tcb_chain)
		col.tcb_info_issuer_chain = slurp(tcb_chain, &col.tcb_info_issuer_chain_len);
	if (qe_chain)
		col.qe_identity_issuer_chain = slurp(qe_chain, &col.qe_identity_issuer_chain_len);
	if (pck_crl)
		col.pck_crl = slurp(pck_crl, &col.pck_crl_len);
	if (root_crl)
		col.root_crl = slurp(root_crl, &col.root_crl_len);
	params.collateral = &col;

	ret = migtd_quote_verify(quote, quote_len, &params, &res, report);

	printf("quote: %s (%zu bytes)\n", quote_path, quote_len);
	for (int i = 0; i < MIGTD_QSTEP_COUNT; i++) {
		printf("  %-22s %-8s%s%s\n", migtd_quote_step_name((enum migtd_quote_step)i),
		       migtd_qstep_state_name(res.state[i]), res.reason[i] ? " " : "",
		       res.reason[i] ? res.reason[i] : "");
	}
	if (res.state[MIGTD_QSTEP_PARSE] == MIGTD_QSTEP_PASS) {
		const struct migtd_quote *q = &res.quote;

		printf("fields:\n  %-14s %u (body type %u)\n", "version", q->header.version,
		       q->body_type);
		if (res.state[MIGTD_QSTEP_PCK_EXT] == MIGTD_QSTEP_PASS) {
			print_hex("FMSPC", res.pck.fmspc, 6);
			printf("  %-14s %u\n", "PCESVN", res.pck.pce_svn);
		}
		printf("  %-14s %s\n", "TCB status", res.tcb_status[0] ? res.tcb_status : "(no collateral)");
		if (res.qe_tcb_status[0])
			printf("  %-14s %s\n", "QE TCB status", res.qe_tcb_status);
		print_hex("TEE_TCB_SVN", q->body.tee_tcb_svn, 16);
		print_hex("MRTD", q->body.mr_td, 48);
		for (int r = 0; r < 4; r++) {
			char label[8];

			snprintf(label, sizeof(label), "RTMR%d", r);
			print_hex(label, q->body.rtmr[r], 48);
		}
		print_hex("REPORTDATA", q->body.report_data, 64);
	}
	if (ret) {
		printf("result: FAIL at step %s: %s\n", migtd_quote_step_name(res.failed_step),
		       res.reason[res.failed_step] ? res.reason[res.failed_step] : "error");
		return 1;
	}
	printf("result: OK\n");
	if (out_path && write_file(out_path, report, sizeof(report)))
		return 1;
	return 0;
}
