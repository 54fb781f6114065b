/*
 * migtd-policy -- check and evaluate MigTD migration policies (v1).
 *
 * Subcommands live in a table so later policy-v2 commands (sign, verify,
 * generate) slot in next to check/eval.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migtd/err.h"
#include "migtd/eventlog.h"
#include "migtd/policy.h"

#define EXIT_USAGE 64
#define EXIT_IO 66

static struct policy_workspace ws; /* ~130 KiB: too big for the stack */

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f) {
		fprintf(stderr, "migtd-policy: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 65536;
			if (cap > (64u << 20)) {
				fprintf(stderr, "migtd-policy: %s: file too large\n", path);
				goto fail;
			}
			nb = realloc(buf, cap);
			if (!nb)
				goto fail;
			buf = nb;
		}
		size_t r = fread(buf + n, 1, cap - n, f);

		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "migtd-policy: %s: read error\n", path);
		goto fail;
	}
	fclose(f);
	*len = n;
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: migtd-policy check POLICY\n"
		"       migtd-policy eval --policy P --local L.bin --peer R.bin\n"
		"                         [--local-eventlog E] [--peer-eventlog E]\n"
		"                         [--role source|destination] [--no-replay]\n"
		"\n"
		"check  parse a policy v1 document and print a summary (exit 0 if valid,\n"
		"       1 with the position of the error otherwise).\n"
		"eval   evaluate the peer's 822-byte verified report (and event log) against\n"
		"       the policy, with the local report as the reference for \"self\"\n"
		"       (spec §7.4). Default role: source. Unless --no-replay is given, a\n"
		"       peer event log is first replayed against the peer report's RTMRs.\n"
		"       A missing event log counts as a log without events. Prints the\n"
		"       result name on the first line, then the explanation.\n"
		"\n"
		"exit codes (eval):\n");
	for (int r = 0; r < POLICY_RESULT_COUNT; r++)
		fprintf(out, "  %2d  %s%s\n", r, policy_result_name((enum policy_result)r),
			r == POLICY_OK ? "" :
			r == POLICY_INVALID_POLICY ? "  (VMM status 9)" : "  (VMM status 8)");
	fprintf(out, "  %2d  usage error\n  %2d  a file could not be read\n", EXIT_USAGE, EXIT_IO);
}

static int cmd_check(int argc, char **argv)
{
	struct policy_parse_error err;
	struct policy *p = &ws.policy;
	uint8_t *doc;
	size_t len;
	int rc;

	if (argc != 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	doc = read_file(argv[1], &len);
	if (!doc)
		return EXIT_IO;
	if (policy_parse(&ws, doc, len, &err) != MIGTD_OK) {
		printf("InvalidPolicy\n%s:%u:%u: %s%s%s\n", argv[1], err.line, err.column, err.msg,
		       err.path[0] ? " at " : "", err.path);
		if (err.legacy)
			printf("the document is in the legacy 2023 format (spec §7.6)\n");
		rc = POLICY_INVALID_POLICY;
		goto out;
	}
	printf("valid policy v1\nid: %.*s\nblocks: %u\n", (int)p->id.len, (const char *)p->id.p,
	       p->nblocks);
	for (int k = 0; k < POLICY_BLOCK_KIND_COUNT; k++)
		printf("  %-10s %u\n", policy_block_kind_name((enum policy_block_kind)k),
		       policy_count_blocks(p, (enum policy_block_kind)k));
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

static int parse_eval_opts(int argc, char **argv, struct eval_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->is_src = true;
	o->replay = true;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;

		if (!strcmp(a, "--no-replay")) {
			o->replay = false;
			continue;
		}
		if (i + 1 >= argc)
			return -1;
		if (!strcmp(a, "--policy"))
			slot = &o->policy;
		else if (!strcmp(a, "--local"))
			slot = &o->local;
		else if (!strcmp(a, "--peer"))
			slot = &o->peer;
		else if (!strcmp(a, "--local-eventlog"))
			slot = &o->local_log;
		else if (!strcmp(a, "--peer-eventlog"))
			slot = &o->peer_log;
		else if (!strcmp(a, "--role")) {
			const char *v = argv[++i];

			if (!strcmp(v, "source"))
				o->is_src = true;
			else if (!strcmp(v, "destination"))
				o->is_src = false;
			else
				return -1;
			continue;
		} else {
			return -1;
		}
		*slot = argv[++i];
	}
	return (o->policy && o->local && o->peer) ? 0 : -1;
}

static int print_result(enum policy_result r, const struct policy_explain *ex)
{
	static char text[4096];

	printf("%s\n", policy_result_name(r));
	if (ex) {
		policy_explain_render(ex, text, sizeof(text));
		fputs(text, stdout);
	}
	return (int)r;
}

static int cmd_eval(int argc, char **argv)
{
	static struct policy_explain ex;
	struct eval_opts o;
	struct eventlog_parsed llog, plog;
	struct policy_input in;
	uint8_t *doc = NULL, *lrep = NULL, *prep = NULL, *lev = NULL, *pev = NULL;
	size_t dlen, llen, plen, lelen = 0, pelen = 0;
	int rc = EXIT_IO;

	if (parse_eval_opts(argc, argv, &o) != 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!(doc = read_file(o.policy, &dlen)) || !(lrep = read_file(o.local, &llen)) ||
	    !(prep = read_file(o.peer, &plen)))
		goto out;
	if (o.local_log && !(lev = read_file(o.local_log, &lelen)))
		goto out;
	if (o.peer_log && !(pev = read_file(o.peer_log, &pelen)))
		goto out;

	eventlog_parsed_empty(&llog);
	eventlog_parsed_empty(&plog);
	memset(&ex, 0, sizeof(ex));
	/* What MigTD does before the policy (§7.4): replay and parse the logs. */
	if (pev && o.replay) {
		if (plen != POLICY_REPORT_SIZE) {
			ex.result = POLICY_INVALID_PARAMETER;
			snprintf(ex.detail, sizeof(ex.detail), "peer report is %zu bytes (must be %u)",
				 plen, POLICY_REPORT_SIZE);
			rc = print_result(POLICY_INVALID_PARAMETER, &ex);
			goto out;
		}
		if (eventlog_verify_rtmrs(pev, pelen, prep + 328) != MIGTD_OK) {
			ex.result = POLICY_INVALID_EVENT_LOG;
			snprintf(ex.detail, sizeof(ex.detail),
				 "peer event log does not replay to the peer report's RTMR0..3");
			rc = print_result(POLICY_INVALID_EVENT_LOG, &ex);
			goto out;
		}
	}
	if ((lev && eventlog_parse(lev, lelen, &llog) != MIGTD_OK) ||
	    (pev && eventlog_parse(pev, pelen, &plog) != MIGTD_OK)) {
		ex.result = POLICY_INVALID_EVENT_LOG;
		snprintf(ex.detail, sizeof(ex.detail), "%s event log cannot be parsed",
			 lev && eventlog_parse(lev, lelen, &llog) != MIGTD_OK ? "local" : "peer");
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
	rc = print_result(policy_eval_doc(&ws, doc, dlen, &in, &ex), &ex);
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
	return 0;
}

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
} COMMANDS[] = {
	{ "check", cmd_check },
	{ "eval", cmd_eval },
	{ "help", cmd_help },
	{ "--help", cmd_help },
	{ "-h", cmd_help },
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(COMMANDS) / sizeof(COMMANDS[0]); i++)
		if (!strcmp(argv[1], COMMANDS[i].name))
			return COMMANDS[i].run(argc - 1, argv + 1);
	fprintf(stderr, "migtd-policy: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
