/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * migtd-image -- enroll the migration policy and its trust anchor into a
 * MigTD image's CFV, and look inside images (docs/protocol.md §9.1-§9.3). The
 * counterpart of upstream's `cargo image --policy P --root-ca C` enrollment
 * step (td-shim-enroll); works on upstream images and ours alike because the
 * CFV is found through the image's TDVF metadata (section of type CFV).
 *
 *   migtd-image enroll [--image IN] [--policy P]
 *                      [--root-ca C | --policy-issuer-chain I] [-o OUT]
 *   migtd-image info --image IN
 *   migtd-image extract --image IN --guid G -o FILE
 *
 * enroll checks what it enrolls before writing anything: the policy through
 * the MigTD's own parser, the root CA as a self-signed P-256 CA certificate,
 * stored as DER whatever encoding it came in (docs/cli.md). Exit status as
 * in docs/cli.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/sha512.h>
#include <mbedtls/x509_crt.h>


#include "migtd/cfv.h"
#include "migtd/err.h"
#include "migtd/fmt.h"
#include "migtd/policy.h"
#include "migtd/policy_v2.h"
#include "migtd/tdvf.h"
#include "../common/atomic_file.h"
#include "../common/cli.h"
#include "../common/rootca.h"
#include "../common/toolutil.h"
#include "image_layout.h"

static const char *prog = "migtd-image";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: migtd-image enroll [--image IN] [--policy P] [--root-ca C | --policy-issuer-chain I]\n"
		"                          [-o OUT]\n"
		"       migtd-image info [--image IN]\n"
		"       migtd-image extract [--image IN] --guid G -o FILE\n"
		"       migtd-image --help | --version\n"
		"\n"
		"enroll   write the policy and the SGX root CA (policy v1) or the policy issuer chain\n"
		"         (policy v2) as RAW files into the image's CFV. Nothing is written unless\n"
		"         both are usable: the policy must parse with the MigTD's own parser, strictly\n"
		"         (no unknown sections or properties); the root CA must be one self-signed\n"
		"         X.509 CA certificate with an ECDSA P-256 key, given as DER or PEM and\n"
		"         always enrolled as DER (so both encodings measure the same).\n"
		"         Defaults, found next to the program (never in the current directory):\n"
		"         the installed migtd.bin, policy.json and Intel root CA under\n"
		"         BIN/../share/migtd-c/, or in the source tree %s,\n"
		"         %s and\n"
		"         %s.\n"
		"         -o defaults to the input image.\n"
		"info     the stream transport the image was built with, the TDVF metadata\n"
		"         sections, the files enrolled in the CFV and the policy profile they\n"
		"         make: v1 (policy + root CA, with the CA's subject) or v2 (signed\n"
		"         policy + issuer chain, with the leaf's subject and whether the policy\n"
		"         verifies with it).\n"
		"extract  the data of the CFV file named G (a GUID, or policy | root-ca |\n"
		"         policy-issuer-chain).\n"
		"\n"
		"options:\n"
		"  -i, --image FILE   -p, --policy FILE   -r, --root-ca FILE\n"
		"  -I, --policy-issuer-chain FILE   -g, --guid G   -o, --output FILE\n"
		"  -h, --help         -V, --version\n"
		"FILE may be - for standard input (one input) or standard output (-o).\n"
		"Output files are written atomically: never partial, and a device or FIFO\n"
		"given as -o is written into, never replaced.\n",
		cli_default_name(CLI_DEFAULT_IMAGE), cli_default_name(CLI_DEFAULT_POLICY),
		cli_default_name(CLI_DEFAULT_ROOT_CA));
	cli_print_exit_codes(f);
}

static void spit(const char *path, const void *data, size_t len)
{
	if (atomic_file_write(prog, path, data, len, 0644) != 0)
		exit(CLI_EXIT_IO);
}

/* Shared by the subcommands: --help and --version anywhere, bad options. */
static int common_opt(int c)
{
	switch (c) {
	case 'h': usage(stdout); exit(CLI_EXIT_OK);
	case 'V': cli_print_version(prog); exit(CLI_EXIT_OK);
	default: return cli_try_help(prog);
	}
}

static void guid_str(char out[37], const struct migtd_guid *g)
{
	const uint8_t *b = g->b;

	snprintf(out, 37, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X",
		 b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

/* "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX" -> EFI byte order (first three
 * fields little-endian), or one of the known file names. */
static int parse_guid(const char *s, struct migtd_guid *g)
{
	if (!strcmp(s, "policy"))
		return *g = migtd_cfv_guid_policy, 0;
	if (!strcmp(s, "root-ca"))
		return *g = migtd_cfv_guid_root_ca, 0;
	if (!strcmp(s, "policy-issuer-chain"))
		return *g = migtd_cfv_guid_policy_issuer_chain, 0;
	return migtd_guid_parse(s, strlen(s), g->b) == MIGTD_OK ? 0 : -1;
}

static const char *known_name(const struct migtd_guid *g)
{
	if (migtd_guid_eq(g, &migtd_cfv_guid_policy))
		return "migration policy";
	if (migtd_guid_eq(g, &migtd_cfv_guid_root_ca))
		return "SGX root CA";
	if (migtd_guid_eq(g, &migtd_cfv_guid_policy_issuer_chain))
		return "policy issuer chain";
	return "";
}

/* The image's CFV region (metadata section of type CFV). */
static void find_cfv(uint8_t *img, size_t len, struct tdvf_metadata *md, size_t *off,
		     size_t *cfv_len)
{
	const struct tdvf_section *s;
	int err = migtd_tdvf_parse(img, len, md);

	if (err)
		tool_die(prog, "TDVF metadata", err);
	s = migtd_tdvf_find_section(md, TDVF_SECTION_CFV);
	if (!s || s->raw_size == 0) {
		fprintf(stderr, "%s: the image has no CFV section\n", prog);
		exit(CLI_EXIT_INPUT);
	}
	*off = s->data_offset; /* migtd_tdvf_parse checked it lies inside the image */
	*cfv_len = s->raw_size;
}

static struct policy_workspace policy_ws; /* ~130 KiB: not on the stack */

/* The v1 policy through the MigTD's parser, strictly (docs/cli.md). */
static int check_policy_v1(const char *path, const uint8_t *doc, size_t len)
{
	struct policy_parse_error err;

	memset(&err, 0, sizeof(err));
	if (migtd_policy_parse_strict(&policy_ws, doc, len, &err) == MIGTD_OK)
		return 0;
	fprintf(stderr, "%s: %s:%u:%u: invalid policy: %s%s%s\n", prog, path, err.line, err.column,
		err.msg, err.path[0] ? " at " : "", err.path);
	if (err.legacy)
		fprintf(stderr, "%s: the document is in the legacy 2023 format\n", prog);
	return -1;
}

/* A v2 policy is enrolled only if the MigTD would accept it with that issuer
 * chain (docs/policy-v2.md): signature over the raw policyData, the chain,
 * the embedded servtd signatures, the schema and the caps. */
static int check_policy_v2(const char *path, const uint8_t *doc, size_t len, const uint8_t *chain,
			   size_t chain_len)
{
	static struct migtd_policy_v2 pol;
	struct migtd_pv2_explain ex;
	enum migtd_pv2_result r = migtd_policy_v2_load(&pol, doc, len, chain, chain_len, &ex);

	if (r == MIGTD_PV2_OK)
		return 0;
	fprintf(stderr, "%s: %s: invalid policy v2: %s: %s\n", prog, path, migtd_pv2_result_name(r),
		ex.detail);
	return -1;
}

/* The v2 issuer chain: PEM certificates, at least one, all parsing. */
static int check_chain(const char *path, const uint8_t *pem, size_t len)
{
	mbedtls_x509_crt chain;
	int r;

	mbedtls_x509_crt_init(&chain);
	/* tool_read_file leaves a NUL after the data, which mbedTLS's PEM
	 * parser wants counted in the length. */
	r = len ? mbedtls_x509_crt_parse(&chain, pem, len + 1) : -1;
	mbedtls_x509_crt_free(&chain);
	if (r != 0) {
		fprintf(stderr,
			"%s: %s: the policy issuer chain is not a list of PEM "
			"certificates\n",
			prog, path);
		return -1;
	}
	return 0;
}

static int cmd_enroll(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "image", required_argument, NULL, 'i' },
		{ "policy", required_argument, NULL, 'p' },
		{ "root-ca", required_argument, NULL, 'r' },
		{ "policy-issuer-chain", required_argument, NULL, 'I' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *image = NULL, *policy = NULL, *root_ca = NULL;
	const char *chain = NULL, *out = NULL;
	struct tdvf_metadata md;
	uint8_t *img = NULL, *pol = NULL, *anchor = NULL, *der = NULL;
	size_t img_len, pol_len, anchor_len, off, cfv_len, used;
	char why[160];
	int c, err, rc = CLI_EXIT_INPUT;

	while ((c = getopt_long(argc, argv, "i:p:r:I:o:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'i': image = optarg; break;
		case 'p': policy = optarg; break;
		case 'r': root_ca = optarg; break;
		case 'I': chain = optarg; break;
		case 'o': out = optarg; break;
		default: return common_opt(c);
		}
	}
	if (optind != argc)
		return cli_usage_error(prog, "unexpected argument '%s'", argv[optind]);
	if (root_ca && chain)
		return cli_usage_error(prog, "--root-ca (v1) and --policy-issuer-chain (v2) "
					     "exclude each other");
	if (!image)
		image = cli_default_path(CLI_DEFAULT_IMAGE);
	if (!policy)
		policy = cli_default_path(CLI_DEFAULT_POLICY);
	if (!root_ca && !chain)
		root_ca = cli_default_path(CLI_DEFAULT_ROOT_CA);
	{
		const char *ins[] = { image, policy, chain ? chain : root_ca };

		if (cli_one_stdin(prog, ins, sizeof(ins) / sizeof(ins[0])))
			return CLI_EXIT_USAGE;
	}
	if (!out) {
		if (!strcmp(image, "-"))
			return cli_usage_error(prog,
					       "-o is needed when the image is standard input");
		out = image;
	}

	img = tool_slurp(prog, image, &img_len);
	pol = tool_slurp(prog, policy, &pol_len);
	anchor = tool_slurp(prog, chain ? chain : root_ca, &anchor_len);
	/* Check everything before writing anything. */
	if (chain) {
		if (check_chain(chain, anchor, anchor_len) ||
		    check_policy_v2(policy, pol, pol_len, anchor, anchor_len))
			goto out;
	} else {
		if (check_policy_v1(policy, pol, pol_len))
			goto out;
		if (rootca_canonical(anchor, anchor_len, &der, &anchor_len, why, sizeof(why))) {
			fprintf(stderr, "%s: %s: unusable root CA: %s\n", prog, root_ca, why);
			goto out;
		}
		free(anchor);
		anchor = der;
	}
	find_cfv(img, img_len, &md, &off, &cfv_len);
	err = migtd_tdvf_enroll(img, img_len, &md, pol, pol_len, anchor, anchor_len, chain != NULL,
				&off, &used);
	if (err == MIGTD_ERR_NOSPACE) {
		fprintf(stderr, "%s: the files (%zu + %zu bytes) do not fit the %zu-byte CFV\n",
			prog, pol_len, anchor_len, cfv_len);
		goto out;
	}
	if (err == MIGTD_ERR_STATE) {
		fprintf(stderr, "%s: internal error: the enrolled CFV does not read back\n", prog);
		rc = CLI_EXIT_RUNTIME;
		goto out;
	}
	if (err)
		tool_die(prog, "building the CFV", err);
	spit(out, img, img_len);
	/* The summary goes to stderr when the image itself went to stdout. */
	fprintf(strcmp(out, "-") ? stdout : stderr,
		"enrolled %s (%zu bytes) and %s (%zu bytes%s) into the CFV at 0x%zx "
		"(%zu of %zu bytes used): %s\n",
		policy, pol_len, chain ? chain : root_ca, anchor_len, chain ? "" : ", DER", off,
		used, cfv_len, out);
	rc = CLI_EXIT_OK;
out:
	free(img);
	free(pol);
	free(anchor);
	return rc;
}

static void print_sha384(const uint8_t *data, size_t len)
{
	uint8_t d[64];
	char hex[97];

	if (mbedtls_sha512(data, len, d, 1) != 0)
		tool_die(prog, "sha384", MIGTD_ERR_CRYPTO);
	migtd_hex(hex, sizeof(hex), d, 48);
	printf("      sha384 %s\n", hex);
}

/*
 * The stream transport a migtd-c image was built with: the build record
 * (config/image_layout.h, FW_BUILD_INFO_*) somewhere in the image,
 * 16-byte aligned. Upstream images have none.
 */
static void print_transport(const uint8_t *img, size_t len)
{
	for (size_t off = 0; off + FW_BUILD_INFO_SIZE <= len; off += 16) {
		const uint8_t *r = img + off;
		char name[FW_BUILD_INFO_SIZE - FW_BUILD_INFO_MAGIC_LEN + 1];
		size_t n = 0;

		if (memcmp(r, FW_BUILD_INFO_MAGIC, FW_BUILD_INFO_MAGIC_LEN) != 0)
			continue;
		for (size_t i = FW_BUILD_INFO_MAGIC_LEN; i < FW_BUILD_INFO_SIZE && r[i]; i++)
			if (r[i] >= 0x20 && r[i] < 0x7F)
				name[n++] = (char)r[i];
		name[n] = '\0';
		printf("transport: %s (build record at 0x%zx)\n", n ? name : "?", off);
		return;
	}
	printf("transport: not recorded (not a migtd-c image)\n");
}

/* The leaf subject of a certificate chain (PEM or DER) and how many there are. */
static void chain_summary(const uint8_t *data, size_t len, char *subject, size_t cap,
			  unsigned *count)
{
	mbedtls_x509_crt crt;
	char *pem = NULL;
	int ret;

	*count = 0;
	snprintf(subject, cap, "(does not parse)");
	mbedtls_x509_crt_init(&crt);
	if (len && data[0] == 0x30) {
		ret = mbedtls_x509_crt_parse_der(&crt, data, len);
	} else {
		/* mbedTLS wants PEM NUL-terminated, length included. */
		pem = malloc(len + 1);
		if (!pem)
			tool_die(prog, "memory", MIGTD_ERR_NOMEM);
		memcpy(pem, data, len);
		pem[len] = '\0';
		ret = mbedtls_x509_crt_parse(&crt, (const unsigned char *)pem, len + 1);
	}
	if (ret == 0) {
		for (const mbedtls_x509_crt *c = &crt; c && c->raw.len; c = c->next)
			(*count)++;
		if (mbedtls_x509_dn_gets(subject, cap, &crt.subject) < 0)
			snprintf(subject, cap, "(subject too long)");
	}
	mbedtls_x509_crt_free(&crt);
	free(pem);
}

/*
 * Which policy profile the CFV holds, decided as the firmware decides it at
 * boot (docs/policy-v2.md): a root CA and no issuer chain is v1, an issuer
 * chain and no root CA is v2 (the policy then must be a signed one and is
 * loaded with the MigTD's own code), anything else stops the MigTD.
 */
static void print_policy_profile(const uint8_t *cfv, size_t cfv_len)
{
	static struct migtd_policy_v2 pol;
	const uint8_t *p = NULL, *ca = NULL, *ch = NULL;
	size_t plen = 0, calen = 0, chlen = 0;
	bool has_p, has_ca, has_ch;
	struct migtd_pv2_explain ex;
	enum migtd_pv2_result r;
	char subject[256];
	unsigned n;

	has_p = migtd_cfv_find_file(cfv, cfv_len, CFV_FILETYPE_RAW, &migtd_cfv_guid_policy, &p,
				    &plen) == MIGTD_OK;
	has_ca = migtd_cfv_find_file(cfv, cfv_len, CFV_FILETYPE_RAW, &migtd_cfv_guid_root_ca, &ca,
				     &calen) == MIGTD_OK;
	has_ch = migtd_cfv_find_file(cfv, cfv_len, CFV_FILETYPE_RAW,
				     &migtd_cfv_guid_policy_issuer_chain, &ch, &chlen) == MIGTD_OK;
	if (!has_p || has_ca == has_ch) {
		printf("policy: none usable (%s%s%s): the MigTD stops at boot\n",
		       has_p ? "policy" : "no policy", has_ca ? ", root CA" : "",
		       has_ch ? ", issuer chain" : "");
		return;
	}
	if (has_ca) {
		chain_summary(ca, calen, subject, sizeof(subject), &n);
		printf("policy: v1 (%zu bytes; SGX root CA %s)\n", plen, subject);
		return;
	}
	chain_summary(ch, chlen, subject, sizeof(subject), &n);
	printf("policy: v2 (signed, %zu bytes; issuer chain of %u certificate%s, leaf %s)\n", plen,
	       n, n == 1 ? "" : "s", subject);
	r = migtd_policy_v2_load(&pol, p, plen, ch, chlen, &ex);
	if (r == MIGTD_PV2_OK)
		printf("  verified with the enrolled chain: id %.*s, policySvn %u\n",
		       (int)pol.id.len, (const char *)p + pol.id.off, pol.policy_svn);
	else
		printf("  does NOT verify with the enrolled chain: %s: %s\n",
		       migtd_pv2_result_name(r), ex.detail);
}

static int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "image", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *image = NULL;
	struct tdvf_metadata md;
	struct cfv_header h;
	struct cfv_iter it;
	struct cfv_file f;
	uint8_t *img;
	size_t img_len, off, cfv_len;
	char g[37];
	int c, err;

	while ((c = getopt_long(argc, argv, "i:hV", opts, NULL)) != -1) {
		if (c != 'i')
			return common_opt(c);
		image = optarg;
	}
	if (optind != argc)
		return cli_usage_error(prog, "unexpected argument '%s'", argv[optind]);
	if (!image)
		image = cli_default_path(CLI_DEFAULT_IMAGE);
	img = tool_slurp(prog, image, &img_len);
	find_cfv(img, img_len, &md, &off, &cfv_len);
	printf("image %s: %zu bytes\n", image, img_len);
	print_transport(img, img_len);
	printf("TDVF metadata at 0x%zx (found through the %s), version %u, %u sections:\n",
	       md.guid_offset, md.via_ovmf_table ? "OVMF table" : "legacy offset", md.version,
	       md.number_of_sections);
	printf("  #  type          data offset  raw size    GPA           mem size    attributes\n");
	for (uint32_t i = 0; i < md.number_of_sections; i++) {
		const struct tdvf_section *s = &md.sections[i];

		printf("  %-2u %-13s 0x%08x   0x%08x  0x%010llx  0x%08llx  0x%x%s%s\n", i + 1,
		       migtd_tdvf_section_name(s->type), s->data_offset, s->raw_size,
		       (unsigned long long)s->gpa, (unsigned long long)s->mem_size, s->attributes,
		       s->attributes & TDVF_ATTR_EXTENDMR ? " EXTENDMR" : "",
		       s->attributes & TDVF_ATTR_PAGE_AUG ? " PAGE_AUG" : "");
	}
	err = migtd_cfv_parse_header(img + off, cfv_len, &h);
	if (err) {
		fflush(stdout);
		fprintf(stderr, "%s: CFV at 0x%zx: invalid FV header (%s)\n", prog, off,
			migtd_err_str(err));
		free(img);
		return CLI_EXIT_INPUT;
	}
	guid_str(g, &h.fs_guid);
	printf("CFV at 0x%zx: fv_length 0x%llx, header_length 0x%x, file system %s\n", off,
	       (unsigned long long)h.fv_length, h.header_length, g);
	migtd_cfv_iter_init(&it, img + off, cfv_len);
	while (migtd_cfv_iter_next(&it, &f)) {
		guid_str(g, &f.name);
		printf("  file %s type 0x%02x state 0x%02x at 0x%zx, %zu bytes %s\n", g, f.type,
		       f.state, f.offset, f.len, known_name(&f.name));
		print_sha384(f.data, f.len);
	}
	if (it.err)
		printf("  walk ended at 0x%zx: %s\n", it.stop_offset, migtd_err_str(it.err));
	print_policy_profile(img + off, cfv_len);
	free(img);
	return 0;
}

static int cmd_extract(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "image", required_argument, NULL, 'i' },
		{ "guid", required_argument, NULL, 'g' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *image = NULL, *out = NULL, *gs = NULL;
	struct tdvf_metadata md;
	struct migtd_guid g;
	const uint8_t *data;
	uint8_t *img;
	size_t img_len, off, cfv_len, len;
	int c, err;

	while ((c = getopt_long(argc, argv, "i:g:o:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'i': image = optarg; break;
		case 'g': gs = optarg; break;
		case 'o': out = optarg; break;
		default: return common_opt(c);
		}
	}
	if (optind != argc)
		return cli_usage_error(prog, "unexpected argument '%s'", argv[optind]);
	if (!gs || !out)
		return cli_usage_error(prog, "extract needs --guid and -o");
	if (parse_guid(gs, &g) != 0)
		return cli_usage_error(prog, "bad GUID '%s'", gs);
	if (!image)
		image = cli_default_path(CLI_DEFAULT_IMAGE);
	img = tool_slurp(prog, image, &img_len);
	find_cfv(img, img_len, &md, &off, &cfv_len);
	err = migtd_cfv_find_file(img + off, cfv_len, CFV_FILETYPE_RAW, &g, &data, &len);
	if (err == MIGTD_ERR_GUID) {
		fprintf(stderr, "%s: no RAW file %s in the CFV\n", prog, gs);
		free(img);
		return CLI_EXIT_INPUT;
	}
	if (err)
		tool_die(prog, "CFV", err);
	spit(out, data, len);
	free(img);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "enroll"))
		return cmd_enroll(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "info"))
		return cmd_info(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "extract"))
		return cmd_extract(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (argc >= 2 && (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version"))) {
		cli_print_version(prog);
		return CLI_EXIT_OK;
	}
	/* `migtd-image --policy P --root-ca C ...` (the form) enrolls. */
	if (argc >= 2 && argv[1][0] == '-')
		return cmd_enroll(argc, argv);
	if (argc < 2)
		return cli_usage_error(prog, "a command is needed: enroll, info or extract");
	return cli_usage_error(prog, "unknown command '%s'", argv[1]);
}
