/*
 * migtd-image -- enroll the migration policy and its trust anchor into a
 * MigTD image's CFV, and look inside images (spec §9.1-§9.3). The
 * counterpart of upstream's `cargo image --policy P --root-ca C` enrollment
 * step (td-shim-enroll); works on upstream images and ours alike because the
 * CFV is found through the image's TDVF metadata (section of type CFV).
 *
 *   migtd-image enroll [--image IN] [--policy P]
 *                      [--root-ca C | --policy-issuer-chain I] [-o OUT]
 *   migtd-image info --image IN
 *   migtd-image extract --image IN --guid G -o FILE
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/sha512.h>

#include "migtd/cfv.h"
#include "migtd/err.h"
#include "migtd/fmt.h"
#include "migtd/tdvf.h"
#include "../common/toolutil.h"

static const char *prog = "migtd-image";

#define DEFAULT_IMAGE "build/migtd.bin"
#define DEFAULT_POLICY "config/policy.json"
#define DEFAULT_ROOT_CA "config/Intel_SGX_Provisioning_Certification_RootCA.cer"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: migtd-image enroll [--image IN] [--policy P] [--root-ca C | --policy-issuer-chain I]\n"
		"                          [-o OUT]\n"
		"       migtd-image info --image IN\n"
		"       migtd-image extract --image IN --guid G -o FILE\n"
		"\n"
		"enroll   write the policy and the SGX root CA (policy v1) or the policy issuer chain\n"
		"         (policy v2) as RAW files into the image's CFV (spec §9.3). Defaults: --image\n"
		"         " DEFAULT_IMAGE ", --policy " DEFAULT_POLICY ",\n"
		"         --root-ca " DEFAULT_ROOT_CA ", -o = the input image.\n"
		"info     the TDVF metadata sections and the files enrolled in the CFV.\n"
		"extract  the data of the CFV file named G (a GUID, or policy | root-ca |\n"
		"         policy-issuer-chain).\n");
}

/* Write through a temporary file and rename, so -o IN never leaves a
 * half-written image behind. */
static void spit(const char *path, const void *data, size_t len)
{
	char tmp[4096];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= sizeof(tmp)) {
		fprintf(stderr, "%s: %s: path too long\n", prog, path);
		exit(1);
	}
	f = fopen(tmp, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		unlink(tmp);
		exit(1);
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
	static const int order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	uint8_t v[16];
	size_t k = 0;

	if (!strcmp(s, "policy"))
		return *g = cfv_guid_policy, 0;
	if (!strcmp(s, "root-ca"))
		return *g = cfv_guid_root_ca, 0;
	if (!strcmp(s, "policy-issuer-chain"))
		return *g = cfv_guid_policy_issuer_chain, 0;
	if (strlen(s) != 36)
		return -1;
	for (size_t i = 0; i < 36;) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i++] != '-')
				return -1;
			continue;
		}
		int hi = migtd_hex_digit(s[i]), lo = migtd_hex_digit(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		v[k++] = (uint8_t)(hi * 16 + lo);
		i += 2;
	}
	for (size_t i = 0; i < 16; i++)
		g->b[order[i]] = v[i];
	return 0;
}

static const char *known_name(const struct migtd_guid *g)
{
	if (migtd_guid_eq(g, &cfv_guid_policy))
		return "migration policy";
	if (migtd_guid_eq(g, &cfv_guid_root_ca))
		return "SGX root CA";
	if (migtd_guid_eq(g, &cfv_guid_policy_issuer_chain))
		return "policy issuer chain";
	return "";
}

/* The image's CFV region (metadata section of type CFV). */
static void find_cfv(uint8_t *img, size_t len, struct tdvf_metadata *md, size_t *off,
		     size_t *cfv_len)
{
	const struct tdvf_section *s;
	int err = tdvf_parse(img, len, md);

	if (err)
		tool_die(prog, "TDVF metadata", err);
	s = tdvf_find_section(md, TDVF_SECTION_CFV);
	if (!s || s->raw_size == 0) {
		fprintf(stderr, "%s: the image has no CFV section\n", prog);
		exit(1);
	}
	*off = s->data_offset; /* tdvf_parse checked it lies inside the image */
	*cfv_len = s->raw_size;
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
		{ NULL, 0, NULL, 0 },
	};
	const char *image = DEFAULT_IMAGE, *policy = DEFAULT_POLICY, *root_ca = NULL;
	const char *chain = NULL, *out = NULL;
	struct tdvf_metadata md;
	uint8_t *img, *pol, *anchor;
	size_t img_len, pol_len, anchor_len, off, cfv_len, used;
	int c, err;

	while ((c = getopt_long(argc, argv, "i:p:r:I:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': image = optarg; break;
		case 'p': policy = optarg; break;
		case 'r': root_ca = optarg; break;
		case 'I': chain = optarg; break;
		case 'o': out = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || (root_ca && chain)) {
		if (root_ca && chain)
			fprintf(stderr, "%s: --root-ca (v1) and --policy-issuer-chain (v2) "
					"exclude each other\n", prog);
		usage(stderr);
		return 2;
	}
	if (!root_ca && !chain)
		root_ca = DEFAULT_ROOT_CA;
	if (!out)
		out = image;

	img = tool_slurp(prog, image, &img_len, 1);
	pol = tool_slurp(prog, policy, &pol_len, 1);
	anchor = tool_slurp(prog, chain ? chain : root_ca, &anchor_len, 1);
	find_cfv(img, img_len, &md, &off, &cfv_len);
	err = tdvf_enroll(img, img_len, &md, pol, pol_len, anchor, anchor_len, chain != NULL, &off,
			  &used);
	if (err == MIGTD_ERR_NOSPACE) {
		fprintf(stderr, "%s: the files (%zu + %zu bytes) do not fit the %zu-byte CFV\n",
			prog, pol_len, anchor_len, cfv_len);
		return 1;
	}
	if (err == MIGTD_ERR_STATE) {
		fprintf(stderr, "%s: internal error: the enrolled CFV does not read back\n", prog);
		return 1;
	}
	if (err)
		tool_die(prog, "building the CFV", err);
	spit(out, img, img_len);
	printf("enrolled %s (%zu bytes) and %s (%zu bytes) into the CFV at 0x%zx "
	       "(%zu of %zu bytes used): %s\n",
	       policy, pol_len, chain ? chain : root_ca, anchor_len, off, used, cfv_len, out);
	free(img);
	free(pol);
	free(anchor);
	return 0;
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

static int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "image", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	const char *image = DEFAULT_IMAGE;
	struct tdvf_metadata md;
	struct cfv_header h;
	struct cfv_iter it;
	struct cfv_file f;
	uint8_t *img;
	size_t img_len, off, cfv_len;
	char g[37];
	int c, err;

	while ((c = getopt_long(argc, argv, "i:", opts, NULL)) != -1) {
		if (c != 'i') {
			usage(stderr);
			return 2;
		}
		image = optarg;
	}
	img = tool_slurp(prog, image, &img_len, 1);
	find_cfv(img, img_len, &md, &off, &cfv_len);
	printf("image %s: %zu bytes\n", image, img_len);
	printf("TDVF metadata at 0x%zx (found through the %s), version %u, %u sections:\n",
	       md.guid_offset, md.via_ovmf_table ? "OVMF table" : "legacy offset", md.version,
	       md.number_of_sections);
	printf("  #  type          data offset  raw size    GPA           mem size    attributes\n");
	for (uint32_t i = 0; i < md.number_of_sections; i++) {
		const struct tdvf_section *s = &md.sections[i];

		printf("  %-2u %-13s 0x%08x   0x%08x  0x%010llx  0x%08llx  0x%x%s%s\n", i + 1,
		       tdvf_section_name(s->type), s->data_offset, s->raw_size,
		       (unsigned long long)s->gpa, (unsigned long long)s->mem_size, s->attributes,
		       s->attributes & TDVF_ATTR_EXTENDMR ? " EXTENDMR" : "",
		       s->attributes & TDVF_ATTR_PAGE_AUG ? " PAGE_AUG" : "");
	}
	err = cfv_parse_header(img + off, cfv_len, &h);
	if (err) {
		printf("CFV at 0x%zx: invalid FV header (%s)\n", off, migtd_err_str(err));
		return 1;
	}
	guid_str(g, &h.fs_guid);
	printf("CFV at 0x%zx: fv_length 0x%llx, header_length 0x%x, file system %s\n", off,
	       (unsigned long long)h.fv_length, h.header_length, g);
	cfv_iter_init(&it, img + off, cfv_len);
	while (cfv_iter_next(&it, &f)) {
		guid_str(g, &f.name);
		printf("  file %s type 0x%02x state 0x%02x at 0x%zx, %zu bytes %s\n", g, f.type,
		       f.state, f.offset, f.len, known_name(&f.name));
		print_sha384(f.data, f.len);
	}
	if (it.err)
		printf("  walk ended at 0x%zx: %s\n", it.stop_offset, migtd_err_str(it.err));
	free(img);
	return 0;
}

static int cmd_extract(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "image", required_argument, NULL, 'i' },
		{ "guid", required_argument, NULL, 'g' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *image = DEFAULT_IMAGE, *out = NULL, *gs = NULL;
	struct tdvf_metadata md;
	struct migtd_guid g;
	const uint8_t *data;
	uint8_t *img;
	size_t img_len, off, cfv_len, len;
	int c, err;

	while ((c = getopt_long(argc, argv, "i:g:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'i': image = optarg; break;
		case 'g': gs = optarg; break;
		case 'o': out = optarg; break;
		default: usage(stderr); return 2;
		}
	}
	if (!gs || !out || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (parse_guid(gs, &g) != 0) {
		fprintf(stderr, "%s: bad GUID '%s'\n", prog, gs);
		return 2;
	}
	img = tool_slurp(prog, image, &img_len, 1);
	find_cfv(img, img_len, &md, &off, &cfv_len);
	err = cfv_find_file(img + off, cfv_len, CFV_FILETYPE_RAW, &g, &data, &len);
	if (err == MIGTD_ERR_GUID) {
		fprintf(stderr, "%s: no RAW file %s in the CFV\n", prog, gs);
		return 1;
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
		return 0;
	}
	/* `migtd-image --policy P --root-ca C ...` (the form) enrolls. */
	if (argc >= 2 && argv[1][0] == '-')
		return cmd_enroll(argc, argv);
	usage(stderr);
	return 2;
}
