/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * migtd-policy -- check and evaluate MigTD migration policies (v1), and sign,
 * verify, generate and evaluate signed policies (v2, v2.c).
 *
 * Subcommands live in a table so later policy-v2 commands (sign, verify,
 * generate) slot in next to check/eval. Exit status follows docs/cli.md;
 * eval's verdicts are 10 + the policy result so they never collide with
 * the usage (2), input (3) and I/O (4) codes.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migtd/err.h"
#include "migtd/eventlog.h"
#include "migtd/policy.h"
#include "../common/cli.h"
#include "../common/toolutil.h"
#include "v2.h"

static const char *prog = "migtd-policy";

/* eval's exit status for a verdict (docs/cli.md). */
static int verdict_exit(enum policy_result r)
{
	return r == POLICY_OK ? CLI_EXIT_OK : CLI_EXIT_VERDICT_BASE + (int)r;
}

static struct policy_workspace ws; /* ~130 KiB: too big for the stack */

static uint8_t *read_file(const char *path, size_t *len)
{
	return tool_read_file(prog, path, len);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: migtd-policy check POLICY\n"
		"       migtd-policy eval --policy P --local L.bin --peer R.bin\n"
		"                         [--local-eventlog E] [--peer-eventlog E]\n"
		"                         [--role source|destination] [--no-replay]\n"
		"       migtd-policy --help | --version\n"
		"\n"
		"check  parse a policy v1 document and print a summary. Exit 0 if valid; 1 with\n"
		"       \"InvalidPolicy\" on stdout and the position of the error on stderr\n"
		"       otherwise. Stricter than upstream's parser: an unknown field anywhere\n"
		"       (e.g. a section spelled \"Eventlog\", which upstream silently ignores)\n"
		"       and an unknown property name (e.g. \"MRSINGER\", on which upstream fails\n"
		"       every evaluation) are errors (docs/cli.md).\n"
		"eval   evaluate the peer's 822-byte verified report (and event log) against\n"
		"       the policy, with the local report as the reference for \"self\".\n"
		"       Default role: source. Unless --no-replay is given, a\n"
		"       peer event log is first replayed against the peer report's RTMRs.\n"
		"       A missing event log counts as a log without events. Prints the\n"
		"       result name on the first line, then the explanation. It parses the\n"
		"       policy as the MigTD does (upstream's rules).\n"
		"\n"
		"POLICY, P, L, R and E may be - for standard input (one of them).\n"
		"\n"
		"eval verdicts (exit status = 10 + result, 0 for Ok):\n");
	for (int r = 0; r < POLICY_RESULT_COUNT; r++)
		fprintf(out, "  %2d  %s%s\n", verdict_exit((enum policy_result)r),
			migtd_policy_result_name((enum policy_result)r),
			r == POLICY_OK               ? ""
			: r == POLICY_INVALID_POLICY ? "  (VMM status 9)"
						     : "  (VMM status 8)");
	fputc('\n', out);
	policy_v2_usage(out);
	cli_print_exit_codes(out);
}

static int cmd_check(int argc, char **argv)
{
	struct policy_parse_error err;
	struct policy *p = &ws.policy;
	uint8_t *doc;
	size_t len;
	int rc;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (argc != 2)
		return cli_usage_error(prog, "check takes exactly one POLICY file");
	doc = read_file(argv[1], &len);
	if (!doc)
		return CLI_EXIT_IO;
	if (migtd_policy_parse_strict(&ws, doc, len, &err) != MIGTD_OK) {
		printf("InvalidPolicy\n");
		fflush(stdout);
		fprintf(stderr, "%s:%u:%u: %s%s%s\n", argv[1], err.line, err.column, err.msg,
			err.path[0] ? " at " : "", err.path);
		if (err.legacy)
			fprintf(stderr, "the document is in the legacy 2023 format\n");
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	printf("valid policy v1\nid: %.*s\nblocks: %u\n", (int)p->id.len, (const char *)p->id.p,
	       p->nblocks);
	for (int k = 0; k < POLICY_BLOCK_KIND_COUNT; k++)
		printf("  %-10s %u\n", migtd_policy_block_kind_name((enum policy_block_kind)k),
		       migtd_policy_count_blocks(p, (enum policy_block_kind)k));
	printf("fmspc:");
	for (unsigned i = 0; i < p->nblocks; i++)
		if (p->blocks[i].kind == POLICY_BLOCK_PLATFORM)
			printf(" %.*s", (int)p->blocks[i].fmspc.len,
			       (const char *)p->blocks[i].fmspc.p);
	printf("\nproperties: %u\n", p->nprops);
	rc = 0;
out:
	free(doc);
	return rc;
}

struct eval_opts {
	const char *policy, *local, *peer, *local_log, *peer_log;
	bool is_src, replay;
};

/* 0: go on; otherwise the exit status. */
static int parse_eval_opts(int argc, char **argv, struct eval_opts *o)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "local", required_argument, NULL, 'l' },
		{ "peer", required_argument, NULL, 'r' },
		{ "local-eventlog", required_argument, NULL, 'L' },
		{ "peer-eventlog", required_argument, NULL, 'E' },
		{ "role", required_argument, NULL, 'o' },
		{ "no-replay", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->is_src = true;
	o->replay = true;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': o->policy = optarg; break;
		case 'l': o->local = optarg; break;
		case 'r': o->peer = optarg; break;
		case 'L': o->local_log = optarg; break;
		case 'E': o->peer_log = optarg; break;
		case 'n': o->replay = false; break;
		case 'o':
			if (!strcmp(optarg, "source"))
				o->is_src = true;
			else if (!strcmp(optarg, "destination"))
				o->is_src = false;
			else
				return cli_usage_error(prog, "--role is source or destination");
			break;
		case 'h': usage(stdout); return -1;
		default: return cli_try_help(prog);
		}
	}
	if (optind != argc)
		return cli_usage_error(prog, "unexpected argument '%s'", argv[optind]);
	if (!o->policy || !o->local || !o->peer)
		return cli_usage_error(prog, "eval needs --policy, --local and --peer");
	{
		const char *ins[] = { o->policy, o->local, o->peer, o->local_log, o->peer_log };

		return cli_one_stdin(prog, ins, sizeof(ins) / sizeof(ins[0]));
	}
}

static int print_result(enum policy_result r, const struct policy_explain *ex)
{
	static char text[4096];

	printf("%s\n", migtd_policy_result_name(r));
	if (ex) {
		migtd_policy_explain_render(ex, text, sizeof(text));
		fputs(text, stdout);
	}
	return verdict_exit(r);
}

static int cmd_eval(int argc, char **argv)
{
	static struct policy_explain ex;
	struct eval_opts o;
	struct eventlog_parsed llog, plog;
	struct policy_input in;
	uint8_t *doc = NULL, *lrep = NULL, *prep = NULL, *lev = NULL, *pev = NULL;
	size_t dlen, llen, plen, lelen = 0, pelen = 0;
	int rc;

	/* An issuer chain means a signed (v2) policy. */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--issuer-chain") || !strncmp(argv[i], "--issuer-chain=", 15))
			return policy_v2_cmd_eval(argc, argv);
	rc = parse_eval_opts(argc, argv, &o);

	if (rc)
		return rc < 0 ? CLI_EXIT_OK : rc;
	rc = CLI_EXIT_IO;
	if (!(doc = read_file(o.policy, &dlen)) || !(lrep = read_file(o.local, &llen)) ||
	    !(prep = read_file(o.peer, &plen)))
		goto out;
	if (o.local_log && !(lev = read_file(o.local_log, &lelen)))
		goto out;
	if (o.peer_log && !(pev = read_file(o.peer_log, &pelen)))
		goto out;

	migtd_eventlog_parsed_empty(&llog);
	migtd_eventlog_parsed_empty(&plog);
	memset(&ex, 0, sizeof(ex));
	/* What MigTD does before the policy (§7.4): replay and parse the logs. */
	if (pev && o.replay) {
		if (plen != MIGTD_VERIFIED_REPORT_SIZE) {
			ex.result = POLICY_INVALID_PARAMETER;
			snprintf(ex.detail, sizeof(ex.detail),
				 "peer report is %zu bytes (must be %u)", plen,
				 MIGTD_VERIFIED_REPORT_SIZE);
			rc = print_result(POLICY_INVALID_PARAMETER, &ex);
			goto out;
		}
		if (migtd_eventlog_verify_rtmrs(pev, pelen, prep + 328) != MIGTD_OK) {
			ex.result = POLICY_INVALID_EVENT_LOG;
			snprintf(ex.detail, sizeof(ex.detail),
				 "peer event log does not replay to the peer report's RTMR0..3");
			rc = print_result(POLICY_INVALID_EVENT_LOG, &ex);
			goto out;
		}
	}
	if ((lev && migtd_eventlog_parse(lev, lelen, &llog) != MIGTD_OK) ||
	    (pev && migtd_eventlog_parse(pev, pelen, &plog) != MIGTD_OK)) {
		ex.result = POLICY_INVALID_EVENT_LOG;
		snprintf(ex.detail, sizeof(ex.detail), "%s event log cannot be parsed",
			 lev && migtd_eventlog_parse(lev, lelen, &llog) != MIGTD_OK ? "local"
										    : "peer");
		rc = print_result(POLICY_INVALID_EVENT_LOG, &ex);
		goto out;
	}
	in.local_report = lrep;
	in.local_len = llen;
	in.peer_report = prep;
	in.peer_len = plen;
	in.local_log = &llog;
	in.peer_log = &plog;
	in.is_src = o.is_src;
	rc = print_result(migtd_policy_eval_doc(&ws, doc, dlen, &in, &ex), &ex);
out:
	free(doc);
	free(lrep);
	free(prep);
	free(lev);
	free(pev);
	return rc;
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return CLI_EXIT_OK;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_print_version(prog);
	return CLI_EXIT_OK;
}

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
} COMMANDS[] = {
	{ "check", cmd_check },
	{ "eval", cmd_eval },
	{ "sign", policy_v2_cmd_sign },
	{ "verify", policy_v2_cmd_verify },
	{ "generate", policy_v2_cmd_generate },
	{ "help", cmd_help },
	{ "--help", cmd_help },
	{ "-h", cmd_help },
	{ "--version", cmd_version },
	{ "-V", cmd_version },
};

int main(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error(prog, "a command is needed: check, eval, sign, verify or "
					     "generate");
	for (size_t i = 0; i < sizeof(COMMANDS) / sizeof(COMMANDS[0]); i++)
		if (!strcmp(argv[1], COMMANDS[i].name))
			return COMMANDS[i].run(argc - 1, argv + 1);
	if (argv[1][0] == '-')
		return cli_usage_error(prog, "unrecognized option '%s'", argv[1]);
	return cli_usage_error(prog, "unknown command '%s'", argv[1]);
}
