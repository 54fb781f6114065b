/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * migtd-quote -- verify a TDX quote the way migtd-c does, step by step.
 *
 *   migtd-quote verify --quote Q --root-ca CA [--time RFC3339]
 *       [--tcb-info F --qe-identity F --tcb-chain F --qe-chain F]
 *       [--pck-crl F --root-crl F] [--out verified-report.bin]
 *
 * Exit status (docs/cli.md): 0 only if every required step (and every
 * supplied optional one) passed; 1 if one failed (the step is named); 2
 * usage; 4 a file could not be read or the report could not be written.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "migtd/fmt.h"
#include "migtd/quote.h"
#include "../common/atomic_file.h"
#include "../common/cli.h"
#include "../common/toolutil.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: migtd-quote verify --quote FILE --root-ca FILE [options]\n"
		"       migtd-quote --help | --version\n"
		"\n"
		"Verify a TDX quote (v4/v5) to an enrolled Intel SGX root CA.\n"
		"  --quote FILE        the quote (trailing bytes are ignored)\n"
		"  --root-ca FILE      enrolled root CA: DER/PEM certificate or 65-byte raw P-256 key\n"
		"  --time T            evaluate validity at T (RFC 3339 UTC, e.g. 2023-07-01T01:00:00Z;\n"
		"                      default: now). MigTD has no trusted clock; the time is an input.\n"
		"                      --time collateral: as a MigTD session (and upstream's library)\n"
		"                      does: at the middle of the collateral's validity window, where\n"
		"                      expiry is reported, not fatal (docs/collateral.md)\n"
		"  --tcb-info FILE     PCS TDX TCB Info JSON ({\"tcbInfo\":...,\"signature\":...})\n"
		"  --qe-identity FILE  PCS QE Identity JSON ({\"enclaveIdentity\":...})\n"
		"  --tcb-chain FILE    PEM issuer chain of the TCB Info (Intel SGX TCB Signing, root)\n"
		"  --qe-chain FILE     PEM issuer chain of the QE Identity (default: --tcb-chain)\n"
		"  --pck-crl FILE      PCK platform/processor CA CRL (DER or PEM)\n"
		"  --root-crl FILE     root CA CRL (DER or PEM)\n"
		"  --out FILE          write the 822-byte verified report (masked as MigTD does),\n"
		"                      only when the quote verifies; written atomically\n"
		"  --help              this text\n"
		"  --version           print the version\n"
		"\n"
		"FILE may be - for standard input (one input at most) or standard output (--out).\n");
	cli_print_exit_codes(f);
}

/* Every input read, freed on the way out. */
static uint8_t *inputs[8];
static size_t ninputs;

/* Unreadable input: exit status CLI_EXIT_IO. */
static uint8_t *slurp(const char *path, size_t *len)
{
	uint8_t *p = tool_slurp("migtd-quote", path, len);

	if (ninputs < sizeof(inputs) / sizeof(inputs[0]))
		inputs[ninputs++] = p;
	return p;
}

static int free_inputs(int rc)
{
	while (ninputs)
		free(inputs[--ninputs]);
	return rc;
}

static int parse_rfc3339(const char *s, int64_t *out)
{
	/* Accept exactly YYYY-MM-DDTHH:MM:SSZ (the core's parser). */
	return migtd_quote_parse_time(s, strlen(s), out);
}

/* The human-readable text: stdout, or stderr when --out - takes stdout. */
static FILE *txt;

static void print_hex(const char *label, const uint8_t *b, size_t n)
{
	char hex[2 * 64 + 1];

	migtd_hex(hex, sizeof(hex), b, n);
	fprintf(txt, "  %-14s %s\n", label, hex);
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

	static const struct option opts[] = {
		{ "quote", required_argument, NULL, 'q' },
		{ "root-ca", required_argument, NULL, 'r' },
		{ "time", required_argument, NULL, 'T' },
		{ "out", required_argument, NULL, 'o' },
		{ "tcb-info", required_argument, NULL, 't' },
		{ "qe-identity", required_argument, NULL, 'e' },
		{ "tcb-chain", required_argument, NULL, 'c' },
		{ "qe-chain", required_argument, NULL, 'C' },
		{ "pck-crl", required_argument, NULL, 'p' },
		{ "root-crl", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prog = "migtd-quote";
	int c;

	/* The subcommand may come first (`verify --quote ...`) or the options. */
	if (argc >= 2 && !strcmp(argv[1], "verify")) {
		argv[1] = argv[0];
		argv++;
		argc--;
	} else if (argc >= 2 && argv[1][0] != '-') {
		return cli_usage_error(prog, "unknown command '%s'", argv[1]);
	}
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'q': quote_path = optarg; break;
		case 'r': root_path = optarg; break;
		case 'T': time_str = optarg; break;
		case 'o': out_path = optarg; break;
		case 't': tcb_path = optarg; break;
		case 'e': qe_path = optarg; break;
		case 'c': tcb_chain = optarg; break;
		case 'C': qe_chain = optarg; break;
		case 'p': pck_crl = optarg; break;
		case 'R': root_crl = optarg; break;
		case 'h': usage(stdout); return CLI_EXIT_OK;
		case 'V': cli_print_version(prog); return CLI_EXIT_OK;
		default: return cli_try_help(prog);
		}
	}
	if (optind != argc)
		return cli_usage_error(prog, "unexpected argument '%s'", argv[optind]);
	if (!quote_path || !root_path)
		return cli_usage_error(prog, "verify needs --quote and --root-ca");
	{
		const char *ins[] = { quote_path, root_path, tcb_path, qe_path,
				      tcb_chain,  qe_chain,  pck_crl,  root_crl };

		if (cli_one_stdin(prog, ins, sizeof(ins) / sizeof(ins[0])))
			return CLI_EXIT_USAGE;
	}

	memset(&params, 0, sizeof(params));
	memset(&col, 0, sizeof(col));
	if (time_str && !strcmp(time_str, "collateral")) {
		params.time_mode = MIGTD_QTIME_COLLATERAL;
	} else if (time_str) {
		if (parse_rfc3339(time_str, &params.now)) {
			return cli_usage_error(prog, "--time wants YYYY-MM-DDTHH:MM:SSZ");
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

	txt = out_path && !strcmp(out_path, "-") ? stderr : stdout;
	ret = migtd_quote_verify(quote, quote_len, &params, &res, report);

	fprintf(txt, "quote: %s (%zu bytes)\n", quote_path, quote_len);
	for (int i = 0; i < MIGTD_QSTEP_COUNT; i++) {
		fprintf(txt, "  %-22s %-8s%s%s\n", migtd_quote_step_name((enum migtd_quote_step)i),
			migtd_qstep_state_name(res.state[i]), res.reason[i] ? " " : "",
			res.reason[i] ? res.reason[i] : "");
	}
	if (res.state[MIGTD_QSTEP_PARSE] == MIGTD_QSTEP_PASS) {
		const struct migtd_quote *q = &res.quote;

		fprintf(txt, "fields:\n  %-14s %u (body type %u)\n", "version", q->header.version,
			q->body_type);
		if (res.state[MIGTD_QSTEP_PCK_EXT] == MIGTD_QSTEP_PASS) {
			print_hex("FMSPC", res.pck.fmspc, 6);
			fprintf(txt, "  %-14s %u\n", "PCESVN", res.pck.pce_svn);
		}
		fprintf(txt, "  %-14s %s\n", "TCB status",
			res.tcb_status[0] ? res.tcb_status : "(no collateral)");
		if (res.qe_tcb_status[0])
			fprintf(txt, "  %-14s %s\n", "QE TCB status", res.qe_tcb_status);
		if (params.time_mode == MIGTD_QTIME_COLLATERAL)
			fprintf(txt, "  %-14s %lld%s\n", "verify time", (long long)res.verify_time,
				res.collateral_expired ? " (collateral expired: reported only)"
						       : "");
		print_hex("TEE_TCB_SVN", q->body.tee_tcb_svn, 16);
		print_hex("MRTD", q->body.mr_td, 48);
		for (int r = 0; r < 4; r++) {
			char label[16];

			snprintf(label, sizeof(label), "RTMR%d", r);
			print_hex(label, q->body.rtmr[r], 48);
		}
		print_hex("REPORTDATA", q->body.report_data, 64);
	}
	if (ret) {
		fprintf(txt, "result: FAIL at step %s: %s\n",
			migtd_quote_step_name(res.failed_step),
			res.reason[res.failed_step] ? res.reason[res.failed_step] : "error");
		return free_inputs(CLI_EXIT_FAIL);
	}
	/* The report first: "result: OK" is printed only once all is done. */
	if (out_path) {
		fflush(stdout);
		if (atomic_file_write(prog, out_path, report, sizeof(report), 0644) != 0) {
			fprintf(txt, "result: FAIL: the verified report could not be written\n");
			return free_inputs(CLI_EXIT_IO);
		}
	}
	fprintf(txt, "result: OK\n");
	return free_inputs(CLI_EXIT_OK);
}
