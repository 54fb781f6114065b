/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * v2.c -- migtd-policy's policy v2 commands (docs/policy-v2.md, docs/cli.md):
 * sign (upstream's json-signer behaviour), verify, generate (a policyData
 * from a base policy, collateral and servtd collateral) and eval for v2.
 *
 * What is signed is always the exact bytes that end up in the file: sign
 * refuses input that is not already compact JSON instead of re-serialising
 * it, because any re-serialisation after signing would break the signature.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/psa_util.h>
#include <mbedtls/sha512.h>
#include <psa/crypto.h>

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "migtd/err.h"
#include "migtd/eventlog.h"
#include "migtd/policy_v2.h"
#include "../common/atomic_file.h"
#include "../common/cli.h"
#include "../common/toolutil.h"
#include "v2.h"

static const char *prog = "migtd-policy";

/* eval's exit status for a v2 verdict (docs/cli.md): 0, or 30 + the result. */
#define V2_VERDICT_BASE 30

void policy_v2_usage(FILE *out)
{
	fprintf(out,
		"policy v2 (signed policies, docs/policy-v2.md):\n"
		"       migtd-policy sign --key KEY.pem [--name NAME] [-o OUT] INPUT\n"
		"       migtd-policy verify --policy SIGNED.json --issuer-chain CHAIN.pem\n"
		"       migtd-policy verify (--td-identity F | --tcb-mapping F) --issuer-chain CHAIN.pem\n"
		"       migtd-policy verify --servtd-collateral F\n"
		"       migtd-policy generate --base BASE.json --servtd-collateral SC.json\n"
		"                    (--collaterals C.json | --tcb-info F [--tcb-info F ...]\n"
		"                     --tcb-info-issuer-chain PEM --qe-identity F\n"
		"                     --qe-identity-issuer-chain PEM --root-ca F --root-ca-crl F\n"
		"                     --pck-crl F --pck-crl-issuer-chain PEM)\n"
		"                    [--fmspc-list LIST.json] [-o OUT]\n"
		"       migtd-policy eval --policy SIGNED.json --issuer-chain CHAIN.pem --peer R.bin\n"
		"                    [--local L.bin] [--peer-policy P --peer-issuer-chain C]\n"
		"                    [--peer-eval-number N] [--role source|destination]\n"
		"                    [--peer-eventlog E [--no-replay]]\n"
		"\n"
		"sign      json-signer: INPUT must already be compact JSON (one object, no\n"
		"          whitespace outside strings); writes {\"NAME\":INPUT,\"signature\":\"HEX\"}\n"
		"          with an ECDSA P-384/SHA-384 signature over the exact INPUT bytes.\n"
		"          NAME defaults to policyData (tdIdentity, tdTcbMapping for the others).\n"
		"verify    signature, issuer chain, embedded servtd signatures and schema; prints\n"
		"          the MROWNER / MROWNERCONFIG a MigTD with this policy must have.\n"
		"          Exit 0 only if the policy is valid, 1 otherwise. The servtd documents\n"
		"          (signed tdIdentity / tdTcbMapping, a servtdCollateral with its embedded\n"
		"          chains) are checked on their own the same way.\n"
		"generate  a compact policyData: BASE (id, version, policySvn, rules) with the\n"
		"          collaterals (a collateral file, or PCS-format TCB Info / QE Identity\n"
		"          documents with their chains and CRLs; --fmspc-list keeps only the\n"
		"          listed platforms) and the servtd collateral. Sign it with sign.\n"
		"eval      evaluate a peer's verified report under the v2 policy (rules,\n"
		"          mandatory deny, policySvn order), explaining the verdict. The peer\n"
		"          policy defaults to ours; L (default: R) is the \"self\" reference.\n"
		"          With the peer's event log E, first what the MigTD checks of it: it\n"
		"          must replay to R's RTMR0..3 (not with --no-replay; InvalidEventLog)\n"
		"          and its policy (tag-1) event must be SHA384 of the peer policy\n"
		"          (PolicyHashMismatch). Prints the result name, then the explanation.\n"
		"          Exit 0 for Ok, else 30 + the v2 result:\n");
	for (int r = 1; r < MIGTD_PV2_RESULT_COUNT; r++)
		fprintf(out, "            %2d  %s\n", V2_VERDICT_BASE + r,
			migtd_pv2_result_name((enum migtd_pv2_result)r));
}

/* Drop trailing newlines / NULs of a file read whole. */
static size_t trim(const uint8_t *b, size_t n)
{
	while (n && (b[n - 1] == '\n' || b[n - 1] == '\r' || b[n - 1] == 0))
		n--;
	return n;
}

/* One JSON object spanning all n bytes (jsmn strict); count-first, heap tokens. */
static bool one_object(const uint8_t *b, size_t n)
{
	jsmn_parser p;
	jsmntok_t *t;
	int k;
	bool ok;

	jsmn_init(&p);
	k = jsmn_parse(&p, (const char *)b, n, NULL, 0);
	if (k <= 0)
		return false;
	t = calloc((size_t)k, sizeof(*t));
	if (!t)
		return false;
	jsmn_init(&p);
	ok = jsmn_parse(&p, (const char *)b, n, t, (unsigned)k) == k && t[0].type == JSMN_OBJECT &&
	     t[0].start == 0 && (size_t)t[0].end == n;
	free(t);
	return ok;
}

/* Whether b has whitespace outside strings (i.e. is not compact). */
static bool has_outer_space(const uint8_t *b, size_t n)
{
	bool in = false;

	for (size_t i = 0; i < n; i++) {
		if (in) {
			if (b[i] == '\\')
				i++;
			else if (b[i] == '"')
				in = false;
		} else if (b[i] == '"') {
			in = true;
		} else if (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
			return true;
		}
	}
	return false;
}

/* Remove whitespace outside strings into out (cap >= n): the compact form,
 * member order and string bytes unchanged. */
static size_t minify(const uint8_t *b, size_t n, uint8_t *out)
{
	bool in = false;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (in) {
			out[o++] = b[i];
			if (b[i] == '\\' && i + 1 < n)
				out[o++] = b[++i];
			else if (b[i] == '"')
				in = false;
		} else if (b[i] == '"') {
			in = true;
			out[o++] = b[i];
		} else if (b[i] != ' ' && b[i] != '\n' && b[i] != '\r' && b[i] != '\t') {
			out[o++] = b[i];
		}
	}
	return o;
}

/* The output (-o PATH, "-" or none: stdout), as every tool writes one
 * (docs/cli.md, "Output files"). */
static int write_out(const char *path, const void *b, size_t n)
{
	return atomic_file_write(prog, path ? path : "-", b, n, 0644) ? CLI_EXIT_IO : CLI_EXIT_OK;
}

/* ---------------------------------------------------------------- sign */

int policy_v2_cmd_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "name", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *keyf = NULL, *name = "policyData", *out = NULL;
	uint8_t *in = NULL, *key = NULL, h[64], der[MBEDTLS_ECDSA_MAX_LEN];
	size_t in_len, key_len, der_len = 0;
	mbedtls_pk_context pk;
	char *buf = NULL;
	int c, rc = CLI_EXIT_INPUT;

	optind = 1;
	while ((c = getopt_long(argc, argv, "k:n:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': keyf = optarg; break;
		case 'n': name = optarg; break;
		case 'o': out = optarg; break;
		case 'h': policy_v2_usage(stdout); return CLI_EXIT_OK;
		default: return cli_try_help(prog);
		}
	}
	if (!keyf || optind != argc - 1)
		return cli_usage_error(prog, "sign needs --key KEY.pem and one INPUT");
	if (strlen(name) == 0 || strlen(name) > 64 || strpbrk(name, "\"\\"))
		return cli_usage_error(prog, "--name must be a plain member name");
	mbedtls_pk_init(&pk);
	if (psa_crypto_init() != PSA_SUCCESS) {
		rc = CLI_EXIT_RUNTIME;
		goto out;
	}
	in = tool_read_file(prog, argv[optind], &in_len);
	key = tool_read_file(prog, keyf, &key_len);
	if (!in || !key) {
		rc = CLI_EXIT_IO;
		goto out;
	}
	in_len = trim(in, in_len);
	if (!one_object(in, in_len) || has_outer_space(in, in_len)) {
		fprintf(stderr,
			"%s: %s: not compact JSON (one object, no whitespace outside strings); "
			"the signature covers the exact bytes, so compact it first (e.g. jq -c)\n",
			prog, argv[optind]);
		goto out;
	}
	/* tool_read_file leaves a NUL after the data: mbedTLS wants it counted for PEM. */
	if (mbedtls_pk_parse_key(&pk, key, key_len + 1, NULL, 0, mbedtls_psa_get_random,
				 MBEDTLS_PSA_RANDOM_STATE) != 0 ||
	    mbedtls_pk_get_type(&pk) != MBEDTLS_PK_ECKEY ||
	    mbedtls_ecp_keypair_get_group_id(mbedtls_pk_ec(pk)) != MBEDTLS_ECP_DP_SECP384R1) {
		fprintf(stderr, "%s: %s: not an ECDSA P-384 private key (PEM or DER)\n", prog,
			keyf);
		goto out;
	}
	if (mbedtls_sha512(in, in_len, h, 1) != 0 ||
	    mbedtls_pk_sign(&pk, MBEDTLS_MD_SHA384, h, 48, der, sizeof(der), &der_len,
			    mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE) != 0) {
		fprintf(stderr, "%s: signing failed\n", prog);
		rc = CLI_EXIT_RUNTIME;
		goto out;
	}
	{
		size_t cap = in_len + strlen(name) + 2 * der_len + 32, n;

		buf = malloc(cap);
		if (!buf) {
			rc = CLI_EXIT_RUNTIME;
			goto out;
		}
		n = (size_t)snprintf(buf, cap, "{\"%s\":", name);
		memcpy(buf + n, in, in_len);
		n += in_len;
		n += (size_t)snprintf(buf + n, cap - n, ",\"signature\":\"");
		for (size_t i = 0; i < der_len; i++)
			n += (size_t)snprintf(buf + n, cap - n, "%02X", der[i]);
		n += (size_t)snprintf(buf + n, cap - n, "\"}");
		rc = write_out(out, buf, n);
	}
out:
	mbedtls_pk_free(&pk);
	if (key) {
		memset(key, 0, key_len);
		free(key);
	}
	free(in);
	free(buf);
	return rc;
}

/* ---------------------------------------------------------------- verify */

static struct migtd_policy_v2 pol, peer_pol;

static void print_hex(const char *label, const uint8_t *b, size_t n)
{
	printf("%s: ", label);
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("\n");
}

int policy_v2_cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "issuer-chain", required_argument, NULL, 'c' },
		{ "servtd-collateral", required_argument, NULL, 'S' },
		{ "td-identity", required_argument, NULL, 'I' },
		{ "tcb-mapping", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pf = NULL, *cf = NULL;
	int kind = -1;
	struct migtd_pv2_explain ex;
	uint8_t *doc = NULL, *chain = NULL, mo[48], moc[48];
	size_t dl, cl;
	int c, rc = CLI_EXIT_IO;
	enum migtd_pv2_result r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': pf = optarg; break;
		case 'c': cf = optarg; break;
		case 'S': pf = optarg, kind = 0; break;
		case 'I': pf = optarg, kind = 1; break;
		case 'M': pf = optarg, kind = 2; break;
		case 'h': policy_v2_usage(stdout); return CLI_EXIT_OK;
		default: return cli_try_help(prog);
		}
	}
	if (kind == 0 && !cf)
		cf = pf; /* the chains are embedded; keep the code below uniform */
	if (!pf || !cf || optind != argc)
		return cli_usage_error(prog, "verify needs --policy (or --td-identity / "
					     "--tcb-mapping) and --issuer-chain, or "
					     "--servtd-collateral");
	{
		const char *ins[] = { pf, cf };

		if (cli_one_stdin(prog, ins, 2))
			return CLI_EXIT_USAGE;
	}
	if (!(doc = tool_read_file(prog, pf, &dl)) || !(chain = tool_read_file(prog, cf, &cl)))
		goto out;
	r = kind >= 0 ? migtd_policy_v2_verify_servtd((unsigned)kind, doc, dl, chain, cl, &ex)
		      : migtd_policy_v2_load(&pol, doc, dl, chain, cl, &ex);
	if (r != MIGTD_PV2_OK) {
		static char text[1024];

		printf("%s\n", migtd_pv2_result_name(r));
		fflush(stdout);
		migtd_pv2_explain_render(&ex, text, sizeof(text));
		fprintf(stderr, "%s: %s: %s", prog, pf, text);
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	if (kind >= 0) {
		static const char *const what[3] = { "servtdCollateral", "tdIdentity",
						     "tdTcbMapping" };

		printf("valid %s (signatures verify)\n", what[kind]);
		rc = CLI_EXIT_OK;
		goto out;
	}
	migtd_policy_v2_owner(&pol, mo, moc);
	printf("valid policy v2\nid: %.*s\npolicySvn: %u\n", (int)pol.id.len,
	       (const char *)doc + pol.id.off, (unsigned)pol.policy_svn);
	printf("rules: %u blocks, %u properties\nplatforms: %u\n", pol.nblocks, pol.nprops,
	       pol.nplatforms);
	printf("fmspc:");
	for (unsigned k = 0; k < pol.nplatforms; k++) {
		printf(" ");
		for (unsigned i = 0; i < 6; i++)
			printf("%02X", pol.platforms[k].fmspc[i]);
	}
	printf("\ncrl numbers: pck %u, root ca %u\n", (unsigned)pol.pck_crl_num,
	       (unsigned)pol.root_ca_crl_num);
	printf("migtd builds: %u mappings, %u tcb levels\n", pol.nmappings, pol.nlevels);
	print_hex("sha384", pol.doc_sha384, 48);
	print_hex("mrowner", mo, 48);
	print_hex("mrownerconfig", moc, 48);
	rc = CLI_EXIT_OK;
out:
	free(doc);
	free(chain);
	return rc;
}

/* ---------------------------------------------------------------- generate */

struct gbuf {
	uint8_t *p;
	size_t len, cap;
};

static int gadd(struct gbuf *g, const void *s, size_t n)
{
	if (g->cap - g->len < n + 1) {
		size_t cap = (g->cap + n + 1) * 2;
		uint8_t *q = realloc(g->p, cap);

		if (!q)
			return -1;
		g->p = q;
		g->cap = cap;
	}
	memcpy(g->p + g->len, s, n);
	g->len += n;
	g->p[g->len] = 0;
	return 0;
}

static int gputs(struct gbuf *g, const char *s)
{
	return gadd(g, s, strlen(s));
}

/* "key": a JSON string of the file's bytes (DER CRLs / certificates become PEM). */
static int gfile_str(struct gbuf *g, const char *key, const char *path, const char *der_label)
{
	uint8_t *b, *pem = NULL;
	size_t n;
	int rc = 0;

	b = tool_read_file(prog, path, &n);
	if (!b)
		return CLI_EXIT_IO;
	/* DER is binary: only text loses its trailing newlines (a DER object may end
	 * in 0x0a or 0x00). */
	if (!(der_label && n && b[0] == 0x30))
		n = trim(b, n);
	if (der_label && n && b[0] == 0x30) {
		char begin[64], end[64];
		size_t olen = 0;

		snprintf(begin, sizeof(begin), "-----BEGIN %s-----\n", der_label);
		snprintf(end, sizeof(end), "-----END %s-----\n", der_label);
		pem = malloc(2 * n + 256);
		if (!pem ||
		    mbedtls_pem_write_buffer(begin, end, b, n, pem, 2 * n + 256, &olen) != 0) {
			fprintf(stderr, "%s: %s: cannot convert to PEM\n", prog, path);
			rc = CLI_EXIT_INPUT;
			goto out;
		}
		free(b);
		b = pem;
		pem = NULL;
		n = olen - 1;
	}
	rc = gputs(g, "\"") || gputs(g, key) || gputs(g, "\":\"");
	for (size_t i = 0; !rc && i < n; i++) {
		char e[8];

		if (b[i] == '"' || b[i] == '\\') {
			e[0] = '\\';
			e[1] = (char)b[i];
			rc = gadd(g, e, 2);
		} else if (b[i] == '\n') {
			rc = gadd(g, "\\n", 2);
		} else if (b[i] < 0x20) {
			snprintf(e, sizeof(e), "\\u%04x", b[i]);
			rc = gadd(g, e, 6);
		} else {
			rc = gadd(g, b + i, 1);
		}
	}
	if (!rc)
		rc = gputs(g, "\"");
	if (rc > 0)
		goto out;
	rc = rc ? CLI_EXIT_RUNTIME : 0;
out:
	free(b);
	free(pem);
	return rc;
}

/* The "fmspc" of a PCS TCB Info document {"tcbInfo":{..."fmspc":"..."...}}. */
static int tcb_info_fmspc(const uint8_t *b, size_t n, char out[13])
{
	jsmn_parser p;
	jsmntok_t *t;
	int k, rc = -1;

	jsmn_init(&p);
	k = jsmn_parse(&p, (const char *)b, n, NULL, 0);
	if (k <= 0 || !(t = calloc((size_t)k, sizeof(*t))))
		return -1;
	jsmn_init(&p);
	if (jsmn_parse(&p, (const char *)b, n, t, (unsigned)k) == k)
		for (int i = 1; i + 1 < k; i++)
			if (t[i].type == JSMN_STRING && t[i].end - t[i].start == 5 &&
			    !memcmp(b + t[i].start, "fmspc", 5) && t[i + 1].type == JSMN_STRING &&
			    t[i + 1].end - t[i + 1].start == 12) {
				memcpy(out, b + t[i + 1].start, 12);
				out[12] = 0;
				for (int j = 0; j < 12; j++)
					if (out[j] >= 'a' && out[j] <= 'f')
						out[j] = (char)(out[j] - 'a' + 'A');
				rc = 0;
				break;
			}
	free(t);
	return rc;
}

#define MAX_TCB_INFOS 128

struct gen_opts {
	const char *base, *servtd, *collaterals, *out, *fmspc_list;
	const char *tcb_info[MAX_TCB_INFOS];
	unsigned ntcb;
	const char *tcb_chain, *qe, *qe_chain, *root_ca, *root_crl, *pck_crl, *pck_chain;
};

static int gen_collaterals(struct gbuf *g, const struct gen_opts *o)
{
	uint8_t *list = NULL;
	size_t list_len = 0;
	unsigned kept = 0;
	int rc;

	if (o->fmspc_list && !(list = tool_read_file(prog, o->fmspc_list, &list_len)))
		return CLI_EXIT_IO;
	rc = gputs(g, "{\"majorVersion\":1,\"minorVersion\":0,\"teeType\":129,") ? CLI_EXIT_RUNTIME
										 : 0;
	if (!rc)
		rc = gfile_str(g, "rootCa", o->root_ca, "CERTIFICATE");
	if (!rc && !(rc = gputs(g, ",") ? CLI_EXIT_RUNTIME : 0))
		rc = gfile_str(g, "pckCrlIssuerChain", o->pck_chain, "CERTIFICATE");
	if (!rc && !(rc = gputs(g, ",") ? CLI_EXIT_RUNTIME : 0))
		rc = gfile_str(g, "rootCaCrl", o->root_crl, "X509 CRL");
	if (!rc && !(rc = gputs(g, ",") ? CLI_EXIT_RUNTIME : 0))
		rc = gfile_str(g, "pckCrl", o->pck_crl, "X509 CRL");
	if (!rc)
		rc = gputs(g, ",\"platforms\":[") ? CLI_EXIT_RUNTIME : 0;
	for (unsigned k = 0; !rc && k < o->ntcb; k++) {
		size_t n = 0;
		uint8_t *b = tool_read_file(prog, o->tcb_info[k], &n);
		char fmspc[13], needle[32];

		if (!b) {
			rc = CLI_EXIT_IO;
			break;
		}
		if (tcb_info_fmspc(b, trim(b, n), fmspc)) {
			fprintf(stderr, "%s: %s: not a TCB Info document with an fmspc\n", prog,
				o->tcb_info[k]);
			free(b);
			rc = CLI_EXIT_INPUT;
			break;
		}
		free(b);
		snprintf(needle, sizeof(needle), "\"%s\"", fmspc);
		if (list && !strstr((const char *)list, needle)) {
			fprintf(stderr, "%s: %s: FMSPC %s is not in %s, left out\n", prog,
				o->tcb_info[k], fmspc, o->fmspc_list);
			continue;
		}
		rc = gputs(g, kept ? ",{\"fmspc\":\"" : "{\"fmspc\":\"") || gputs(g, fmspc) ||
				     gputs(g, "\",")
			     ? CLI_EXIT_RUNTIME
			     : 0;
		if (!rc)
			rc = gfile_str(g, "tcbInfoIssuerChain", o->tcb_chain, "CERTIFICATE");
		if (!rc && !(rc = gputs(g, ",") ? CLI_EXIT_RUNTIME : 0))
			rc = gfile_str(g, "tcbInfo", o->tcb_info[k], NULL);
		if (!rc)
			rc = gputs(g, "}") ? CLI_EXIT_RUNTIME : 0;
		kept++;
	}
	if (!rc && kept == 0) {
		fprintf(stderr, "%s: no platform left for the collaterals\n", prog);
		rc = CLI_EXIT_INPUT;
	}
	if (!rc)
		rc = gputs(g, "],") ? CLI_EXIT_RUNTIME : 0;
	if (!rc)
		rc = gfile_str(g, "qeIdentityIssuerChain", o->qe_chain, "CERTIFICATE");
	if (!rc && !(rc = gputs(g, ",") ? CLI_EXIT_RUNTIME : 0))
		rc = gfile_str(g, "qeIdentity", o->qe, NULL);
	if (!rc)
		rc = gputs(g, "}") ? CLI_EXIT_RUNTIME : 0;
	free(list);
	return rc;
}

/* Append the compact form of a JSON object file (checked to be one object). */
static int gjson(struct gbuf *g, const char *path, const char *what)
{
	uint8_t *b, *m;
	size_t n;
	int rc = 0;

	if (!(b = tool_read_file(prog, path, &n)))
		return CLI_EXIT_IO;
	n = trim(b, n);
	m = malloc(n + 1);
	if (!m) {
		free(b);
		return CLI_EXIT_RUNTIME;
	}
	n = minify(b, n, m);
	if (!one_object(m, n)) {
		fprintf(stderr, "%s: %s: the %s is not one JSON object\n", prog, path, what);
		rc = CLI_EXIT_INPUT;
	} else if (gadd(g, m, n)) {
		rc = CLI_EXIT_RUNTIME;
	}
	free(b);
	free(m);
	return rc;
}

int policy_v2_cmd_generate(int argc, char **argv)
{
	enum { O_SC = 256, O_COLL, O_TI, O_TIC, O_QE, O_QEC, O_RCA, O_RCRL, O_PCRL, O_PCC, O_FL };
	static const struct option opts[] = {
		{ "base", required_argument, NULL, 'b' },
		{ "servtd-collateral", required_argument, NULL, O_SC },
		{ "collaterals", required_argument, NULL, O_COLL },
		{ "tcb-info", required_argument, NULL, O_TI },
		{ "tcb-info-issuer-chain", required_argument, NULL, O_TIC },
		{ "qe-identity", required_argument, NULL, O_QE },
		{ "qe-identity-issuer-chain", required_argument, NULL, O_QEC },
		{ "root-ca", required_argument, NULL, O_RCA },
		{ "root-ca-crl", required_argument, NULL, O_RCRL },
		{ "pck-crl", required_argument, NULL, O_PCRL },
		{ "pck-crl-issuer-chain", required_argument, NULL, O_PCC },
		{ "fmspc-list", required_argument, NULL, O_FL },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gen_opts o;
	struct gbuf g = { 0 };
	uint8_t *base = NULL, *m = NULL;
	size_t bl;
	int c, rc;

	memset(&o, 0, sizeof(o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "b:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b': o.base = optarg; break;
		case O_SC: o.servtd = optarg; break;
		case O_COLL: o.collaterals = optarg; break;
		case O_TI:
			if (o.ntcb == MAX_TCB_INFOS)
				return cli_usage_error(prog, "at most %d --tcb-info",
						       MAX_TCB_INFOS);
			o.tcb_info[o.ntcb++] = optarg;
			break;
		case O_TIC: o.tcb_chain = optarg; break;
		case O_QE: o.qe = optarg; break;
		case O_QEC: o.qe_chain = optarg; break;
		case O_RCA: o.root_ca = optarg; break;
		case O_RCRL: o.root_crl = optarg; break;
		case O_PCRL: o.pck_crl = optarg; break;
		case O_PCC: o.pck_chain = optarg; break;
		case O_FL: o.fmspc_list = optarg; break;
		case 'o': o.out = optarg; break;
		case 'h': policy_v2_usage(stdout); return CLI_EXIT_OK;
		default: return cli_try_help(prog);
		}
	}
	if (optind != argc || !o.base || !o.servtd)
		return cli_usage_error(prog, "generate needs --base and --servtd-collateral");
	if (!o.collaterals && (!o.ntcb || !o.tcb_chain || !o.qe || !o.qe_chain || !o.root_ca ||
			       !o.root_crl || !o.pck_crl || !o.pck_chain))
		return cli_usage_error(prog,
				       "generate needs --collaterals, or every PCS input "
				       "(--tcb-info, --tcb-info-issuer-chain, --qe-identity, "
				       "--qe-identity-issuer-chain, --root-ca, --root-ca-crl, "
				       "--pck-crl, --pck-crl-issuer-chain)");
	if (o.collaterals && o.ntcb)
		return cli_usage_error(prog, "--collaterals and --tcb-info exclude each other");
	/* the base object without its closing brace, then the two collateral members */
	if (!(base = tool_read_file(prog, o.base, &bl)))
		return CLI_EXIT_IO;
	bl = trim(base, bl);
	m = malloc(bl + 1);
	rc = m ? 0 : CLI_EXIT_RUNTIME;
	if (!rc) {
		bl = minify(base, bl, m);
		if (!one_object(m, bl) || strstr((const char *)m, "\"collaterals\":") ||
		    strstr((const char *)m, "\"servtdCollateral\":")) {
			fprintf(stderr,
				"%s: %s: the base must be one JSON object without collaterals or "
				"servtdCollateral\n",
				prog, o.base);
			rc = CLI_EXIT_INPUT;
		}
	}
	if (!rc)
		rc = gadd(&g, m, bl - 1) ||
				     gputs(&g, bl > 2 ? ",\"collaterals\":" : "\"collaterals\":")
			     ? CLI_EXIT_RUNTIME
			     : 0;
	if (!rc)
		rc = o.collaterals ? gjson(&g, o.collaterals, "collateral file")
				   : gen_collaterals(&g, &o);
	if (!rc)
		rc = gputs(&g, ",\"servtdCollateral\":") ? CLI_EXIT_RUNTIME : 0;
	if (!rc)
		rc = gjson(&g, o.servtd, "servtd collateral");
	if (!rc)
		rc = gputs(&g, "}") ? CLI_EXIT_RUNTIME : 0;
	if (!rc)
		rc = write_out(o.out, g.p, g.len);
	free(base);
	free(m);
	free(g.p);
	return rc;
}

/* ---------------------------------------------------------------- eval */

/*
 * What peer authentication checks of the peer's event log (docs/policy-v2.md,
 * steps 3b and 4): it replays to the verified report's RTMRs, and its policy
 * (tag-1) event is SHA384 of the policy the peer sent.
 */
static enum migtd_pv2_result check_peer_log(const uint8_t *log, size_t len, bool replay,
					    const uint8_t *report,
					    const struct migtd_policy_v2 *measured,
					    struct migtd_pv2_explain *ex)
{
	struct eventlog_event ev;
	const uint8_t *payload;
	size_t payload_len;
	int ret;

	if (replay &&
	    migtd_eventlog_verify_rtmrs(log, len, report + MIGTD_VR_RTMR(0)) != MIGTD_OK) {
		ex->result = MIGTD_PV2_INVALID_EVENT_LOG;
		snprintf(ex->step, sizeof(ex->step), "event log");
		snprintf(ex->detail, sizeof(ex->detail),
			 "the peer event log does not replay to the report's RTMR0..3");
		return ex->result;
	}
	ret = migtd_eventlog_find_tagged(log, len, EVENTLOG_TAG_POLICY, &ev, &payload,
					 &payload_len);
	if (ret != 1 || memcmp(ev.digest, measured->doc_sha384, 48) != 0) {
		ex->result = MIGTD_PV2_POLICY_HASH_MISMATCH;
		snprintf(ex->step, sizeof(ex->step), "policy hash");
		snprintf(ex->detail, sizeof(ex->detail), "%s",
			 ret == 1   ? "SHA384 of the peer policy is not its tag-1 event digest"
			 : ret == 0 ? "the peer event log has no policy (tag-1) event"
				    : "the peer event log does not parse");
		return ex->result;
	}
	return MIGTD_PV2_OK;
}

int policy_v2_cmd_eval(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "issuer-chain", required_argument, NULL, 'c' },
		{ "peer", required_argument, NULL, 'r' },
		{ "local", required_argument, NULL, 'l' },
		{ "peer-policy", required_argument, NULL, 'P' },
		{ "peer-issuer-chain", required_argument, NULL, 'C' },
		{ "peer-eval-number", required_argument, NULL, 'e' },
		{ "role", required_argument, NULL, 'o' },
		{ "peer-eventlog", required_argument, NULL, 'E' },
		{ "no-replay", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pf = NULL, *cf = NULL, *rf = NULL, *lf = NULL, *ppf = NULL, *pcf = NULL,
		   *ef = NULL;
	uint8_t *doc = NULL, *chain = NULL, *peer = NULL, *own = NULL, *pdoc = NULL, *pchain = NULL,
		*elog = NULL;
	size_t dl, cl, rl, ol = 0, pdl, pcl, el = 0;
	bool replay = true;
	struct migtd_pv2_explain ex;
	struct migtd_pv2_collateral coll;
	static char text[2048];
	long eval = -1;
	bool src = true;
	int c, rc = CLI_EXIT_IO;
	enum migtd_pv2_result r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': pf = optarg; break;
		case 'c': cf = optarg; break;
		case 'r': rf = optarg; break;
		case 'l': lf = optarg; break;
		case 'P': ppf = optarg; break;
		case 'C': pcf = optarg; break;
		case 'e': eval = strtol(optarg, NULL, 0); break;
		case 'E': ef = optarg; break;
		case 'n': replay = false; break;
		case 'o':
			if (!strcmp(optarg, "source") || !strcmp(optarg, "destination"))
				src = !strcmp(optarg, "source");
			else
				return cli_usage_error(prog, "--role is source or destination");
			break;
		case 'h': policy_v2_usage(stdout); return CLI_EXIT_OK;
		default: return cli_try_help(prog);
		}
	}
	if (optind != argc || !pf || !cf || !rf || (!ppf != !pcf))
		return cli_usage_error(prog, "v2 eval needs --policy, --issuer-chain and --peer "
					     "(--peer-policy goes with --peer-issuer-chain)");
	{
		const char *ins[] = { pf, cf, rf, lf, ppf, pcf, ef };

		if (cli_one_stdin(prog, ins, 7))
			return CLI_EXIT_USAGE;
	}
	if (!(doc = tool_read_file(prog, pf, &dl)) || !(chain = tool_read_file(prog, cf, &cl)) ||
	    !(peer = tool_read_file(prog, rf, &rl)) ||
	    (lf && !(own = tool_read_file(prog, lf, &ol))) ||
	    (ppf && (!(pdoc = tool_read_file(prog, ppf, &pdl)) ||
		     !(pchain = tool_read_file(prog, pcf, &pcl)))) ||
	    (ef && !(elog = tool_read_file(prog, ef, &el))))
		goto out;
	if (rl != MIGTD_VERIFIED_REPORT_SIZE || (own && ol != MIGTD_VERIFIED_REPORT_SIZE)) {
		fprintf(stderr, "%s: a verified report is %u bytes\n", prog,
			MIGTD_VERIFIED_REPORT_SIZE);
		rc = CLI_EXIT_INPUT;
		goto out;
	}
	memset(&ex, 0, sizeof(ex));
	r = migtd_policy_v2_load(&pol, doc, dl, chain, cl, &ex);
	if (r == MIGTD_PV2_OK && pdoc)
		r = migtd_policy_v2_load(&peer_pol, pdoc, pdl, pchain, pcl, &ex);
	if (r == MIGTD_PV2_OK && elog)
		r = check_peer_log(elog, el, replay, peer, pdoc ? &peer_pol : &pol, &ex);
	if (r == MIGTD_PV2_OK && eval < 0) {
		/* the evaluation number of our collateral for the peer's FMSPC (§7.7.7 step 5) */
		r = migtd_policy_v2_collateral(&pol, peer + MIGTD_VR_FMSPC, &coll);
		if (r == MIGTD_PV2_OK)
			eval = coll.tcb_evaluation_number;
		else
			snprintf(ex.detail, sizeof(ex.detail),
				 "the policy has no collateral for the peer's FMSPC");
		migtd_policy_v2_collateral_free(&coll);
		ex.result = r;
	}
	if (r == MIGTD_PV2_OK)
		r = migtd_policy_v2_evaluate(&pol, pdoc ? &peer_pol : &pol, peer, (uint32_t)eval,
					     own ? own : peer, src, &ex);
	printf("%s\n", migtd_pv2_result_name(r));
	if (r != MIGTD_PV2_OK) {
		migtd_pv2_explain_render(&ex, text, sizeof(text));
		fputs(text, stdout);
	} else {
		/* As v1's eval says it: what passed, so an Ok is not mistaken
		 * for a check that never ran. */
		printf("policy satisfied (policy, then %s, mandatory deny%s)\n",
		       src ? "forwardPolicy" : "backwardPolicy",
		       src ? ", peer policySvn not below ours" : "");
		if (elog)
			printf("peer event log: %s; its policy event is the peer policy\n",
			       replay ? "replays to the peer's RTMRs"
				      : "not replayed (--no-replay)");
	}
	rc = r == MIGTD_PV2_OK ? CLI_EXIT_OK : V2_VERDICT_BASE + (int)r;
out:
	free(doc);
	free(chain);
	free(peer);
	free(own);
	free(pdoc);
	free(pchain);
	free(elog);
	return rc;
}
