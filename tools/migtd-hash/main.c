/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * migtd-hash -- SERVTD_INFO_HASH (or SERVTD_HASH) of a MigTD image, the way
 * upstream's `cargo hash` / tools/migtd-hash computes it (docs/protocol.md §9.6).
 *
 *   migtd-hash -i IMAGE [-m servtd_info.json] [-o OUT.bin] [--json]
 *              [-t] [--policy-v2] [-s SERVTD_ATTR] [-c]
 *              [--output-td-info FILE.json] [-v]
 *
 * Exit status as in docs/cli.md: 2 usage, 3 a malformed image or manifest,
 * 4 a file that cannot be read or written.
 *
 * The image is mapped read-only and walked page by page; all parsing and
 * hashing is the core's (src/core/image).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#define JSMN_STATIC
#include <jsmn.h>
#pragma GCC diagnostic pop

#include "migtd/cfv.h"
#include "migtd/err.h"
#include "migtd/fmt.h"
#include "migtd/policy_v2.h"
#include "migtd/tdvf.h"
#include "../common/atomic_file.h"
#include "../common/cli.h"
#include "../common/toolutil.h"

static const char *prog = "migtd-hash";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: migtd-hash -i IMAGE [options]\n"
		"       migtd-hash --help | --version\n"
		"\n"
		"Print SERVTD_INFO_HASH (hex) of a MigTD image.\n"
		"  -i, --image FILE              the flat MigTD image (TDVF metadata)\n"
		"  -m, --manifest FILE           servtd_info.json (attributes, xfam, mrconfigid,\n"
		"      --servtd-info FILE        mrowner, mrownerconfig); default: the installed\n"
		"                                servtd_info.json (%s in the source tree)\n"
		"  -o, --output-file FILE        write the 48-byte hash there instead of printing it\n"
		"      --json                    print every measurement as JSON\n"
		"  -t, --test-disable-ra-and-accept-all   the image is a test_disable_ra build\n"
		"      --policy-v2               the image is a policy v2 build\n"
		"  -s, --servtd-attr U64         SERVTD_ATTR (default 0); ignore bits 32..41 apply\n"
		"  -c, --calc-servtd-hash        output SERVTD_HASH instead of SERVTD_INFO_HASH\n"
		"      --output-td-info FILE     write the measured TD info as JSON, as upstream's\n"
		"                                tool does: {\"mrtd\",\"rtmr0\"..\"rtmr3\"} in hex\n"
		"  -v, --verbose                 show the metadata and the measurements on stderr\n"
		"  -h, --help                    this text\n"
		"  -V, --version                 print the version\n"
		"\n"
		"FILE may be - for standard input (-m) or standard output (-o, --output-td-info).\n"
		"Output files are written atomically (never partial).\n",
		cli_default_name(CLI_DEFAULT_SERVTD_INFO));
	cli_print_exit_codes(f);
}

static void spit(const char *path, const void *data, size_t len)
{
	if (atomic_file_write(prog, path, data, len, 0644) != 0)
		exit(CLI_EXIT_IO);
}

/* ---- servtd_info.json --------------------------------------------------- */

/* Exactly 2 * want hex digits (either case) into out. */
static int unhex(const char *s, size_t n, uint8_t *out, size_t want)
{
	return n == 2 * want ? migtd_unhex(s, out, want) : -1;
}

/* The manifest: a JSON object whose five fields are hex strings of exactly
 * the field size (byte order as written); other keys are ignored. */
static void parse_manifest(const char *path, struct tdvf_manifest *m)
{
	static const struct {
		const char *key;
		size_t off, len;
	} fields[] = {
		{ "attributes", offsetof(struct tdvf_manifest, attributes), 8 },
		{ "xfam", offsetof(struct tdvf_manifest, xfam), 8 },
		{ "mrconfigid", offsetof(struct tdvf_manifest, mrconfigid), 48 },
		{ "mrowner", offsetof(struct tdvf_manifest, mrowner), 48 },
		{ "mrownerconfig", offsetof(struct tdvf_manifest, mrownerconfig), 48 },
	};
	jsmntok_t tok[128];
	jsmn_parser p;
	size_t len;
	char *js = (char *)tool_slurp(prog, path, &len);
	unsigned seen = 0;
	int n, i;

	memset(m, 0, sizeof(*m));
	jsmn_init(&p);
	n = jsmn_parse(&p, js, len, tok, sizeof(tok) / sizeof(tok[0]));
	if (n < 1 || tok[0].type != JSMN_OBJECT) {
		fprintf(stderr, "%s: %s: not a JSON object\n", prog, path);
		exit(CLI_EXIT_INPUT);
	}
	/* Walk the top-level members: key token, then its value (skipping
	 * nested values by their token extent). */
	i = 1;
	for (int member = 0; member < tok[0].size; member++) {
		jsmntok_t *k, *v;
		size_t klen;
		int j;

		/* Both tokens must be ones jsmn_parse filled in. */
		if (i + 1 >= n || tok[i].type != JSMN_STRING) {
			fprintf(stderr, "%s: %s: malformed manifest\n", prog, path);
			exit(CLI_EXIT_INPUT);
		}
		k = &tok[i];
		v = &tok[i + 1];
		klen = (size_t)(k->end - k->start);
		for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
			if (strlen(fields[f].key) != klen ||
			    memcmp(js + k->start, fields[f].key, klen) != 0)
				continue;
			if (v->type != JSMN_STRING ||
			    unhex(js + v->start, (size_t)(v->end - v->start),
				  (uint8_t *)m + fields[f].off, fields[f].len) != 0) {
				fprintf(stderr, "%s: %s: \"%s\" must be %zu hex bytes\n", prog,
					path, fields[f].key, fields[f].len);
				exit(CLI_EXIT_INPUT);
			}
			seen |= 1u << f;
		}
		/* Next key: first token that starts after this value ends. */
		for (j = i + 2; j < n && tok[j].start < v->end; j++)
			;
		i = j;
	}
	for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++)
		if (!(seen & (1u << f))) {
			fprintf(stderr, "%s: %s: missing \"%s\"\n", prog, path, fields[f].key);
			exit(CLI_EXIT_INPUT);
		}
	free(js);
}

/* ---- output ------------------------------------------------------------- */

static void hex48(char out[97], const uint8_t *b, size_t n)
{
	migtd_hex(out, 97, b, n);
}

/* Name the enrolled file the build measures that MigTD would not find, and why. */
static void explain_missing(const uint8_t *cfv, size_t cfv_len, unsigned flags)
{
	struct {
		const char *name;
		const struct migtd_guid *guid;
		bool needed;
	} want[] = {
		{ "policy", &migtd_cfv_guid_policy, !(flags & TDVF_MEASURE_TEST_DISABLE_RA) },
		{ "root CA", &migtd_cfv_guid_root_ca,
		  !(flags & (TDVF_MEASURE_TEST_DISABLE_RA | TDVF_MEASURE_POLICY_V2)) },
		{ "policy issuer chain", &migtd_cfv_guid_policy_issuer_chain,
		  (flags & TDVF_MEASURE_POLICY_V2) != 0 },
	};
	const uint8_t *data;
	size_t len;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int err;

		if (!want[i].needed)
			continue;
		err = migtd_cfv_find_file(cfv, cfv_len, CFV_FILETYPE_RAW, want[i].guid, &data,
					  &len);
		if (err == MIGTD_ERR_GUID)
			fprintf(stderr, "%s: the CFV has no %s file\n", prog, want[i].name);
		else if (err)
			fprintf(stderr,
				"%s: %s not found: the CFV walk stopped at a bad file "
				"header (%s)\n",
				prog, want[i].name, migtd_err_str(err));
	}
}

static void verbose_metadata(const struct tdvf_metadata *md, size_t img_len)
{
	fprintf(stderr, "image: %zu bytes; metadata GUID at 0x%zx (%s), %u sections\n", img_len,
		md->guid_offset, md->via_ovmf_table ? "OVMF table" : "legacy offset",
		md->number_of_sections);
	for (uint32_t i = 0; i < md->number_of_sections; i++) {
		const struct tdvf_section *s = &md->sections[i];

		fprintf(stderr,
			"  #%u %-12s data 0x%08x+0x%08x  gpa 0x%010llx+0x%010llx  attr 0x%x\n",
			i + 1, migtd_tdvf_section_name(s->type), s->data_offset, s->raw_size,
			(unsigned long long)s->gpa, (unsigned long long)s->mem_size, s->attributes);
	}
}

/*
 * policy v2 (docs/policy-v2.md): the MROWNER / MROWNERCONFIG the host must
 * give a MigTD enrolled with this policy and issuer chain. The hash keeps
 * the manifest's values, as upstream's tool does; a difference is reported,
 * because a MigTD started with other values refuses to run.
 */
static bool policy_v2_owner(const struct tdvf_enrolled *files, const struct tdvf_manifest *m,
			    uint8_t owner[48], uint8_t owner_config[48])
{
	static struct migtd_policy_v2 pol;
	struct migtd_pv2_explain ex;
	char hex[97];
	enum migtd_pv2_result r =
		migtd_policy_v2_load(&pol, files->policy, files->policy_len, files->issuer_chain,
				     files->issuer_chain_len, &ex);

	if (r != MIGTD_PV2_OK) {
		fprintf(stderr, "%s: warning: the enrolled v2 policy does not verify (%s: %s)\n",
			prog, migtd_pv2_result_name(r), ex.detail);
		return false;
	}
	migtd_policy_v2_owner(&pol, owner, owner_config);
	hex48(hex, owner, 48);
	fprintf(stderr, "policy v2: MROWNER       %s\n", hex);
	hex48(hex, owner_config, 48);
	fprintf(stderr, "policy v2: MROWNERCONFIG %s\n", hex);
	if (memcmp(m->mrowner, owner, 48) != 0 || memcmp(m->mrownerconfig, owner_config, 48) != 0)
		fprintf(stderr,
			"%s: warning: the manifest's mrowner/mrownerconfig differ from these; a "
			"MigTD created with the manifest's values refuses its policy\n",
			prog);
	return true;
}

int main(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_V2, OPT_TDINFO, OPT_SERVTD_INFO };
	static const struct option opts[] = {
		{ "manifest", required_argument, NULL, 'm' },
		{ "servtd-info", required_argument, NULL, OPT_SERVTD_INFO },
		{ "image", required_argument, NULL, 'i' },
		{ "output-file", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "test-disable-ra-and-accept-all", no_argument, NULL, 't' },
		{ "policy-v2", no_argument, NULL, OPT_V2 },
		{ "servtd-attr", required_argument, NULL, 's' },
		{ "calc-servtd-hash", no_argument, NULL, 'c' },
		{ "output-td-info", required_argument, NULL, OPT_TDINFO },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *manifest_path = NULL, *image_path = NULL;
	const char *out_path = NULL, *tdinfo_path = NULL;
	bool json = false, calc_servtd = false, verbose = false;
	unsigned flags = 0;
	uint64_t servtd_attr = 0;
	struct tdvf_manifest manifest;
	struct tdvf_metadata md;
	struct tdvf_enrolled files;
	struct tdinfo_struct ti;
	uint8_t mrtd[48], rtmr[4][48], info_hash[48], servtd_hash[48];
	uint8_t v2_owner[48], v2_owner_config[48];
	bool v2 = false;
	const uint8_t *cfv;
	size_t cfv_len;
	char hex[97];
	struct stat st;
	uint8_t *img;
	size_t img_len;
	int c, fd, err;

	while ((c = getopt_long(argc, argv, "m:i:o:ts:cvhV", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
		case OPT_SERVTD_INFO: manifest_path = optarg; break;
		case 'i': image_path = optarg; break;
		case 'o': out_path = optarg; break;
		case OPT_JSON: json = true; break;
		case 't': flags |= TDVF_MEASURE_TEST_DISABLE_RA; break;
		case OPT_V2: flags |= TDVF_MEASURE_POLICY_V2; break;
		case 's': {
			char *end;

			errno = 0;
			servtd_attr = strtoull(optarg, &end, 0);
			if (errno || *end || !*optarg || optarg[0] == '-') {
				return cli_usage_error(prog, "bad --servtd-attr '%s'", optarg);
			}
			break;
		}
		case 'c': calc_servtd = true; break;
		case OPT_TDINFO: tdinfo_path = optarg; break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return CLI_EXIT_OK;
		case 'V': cli_print_version(prog); return CLI_EXIT_OK;
		default: return cli_try_help(prog);
		}
	}
	if (optind != argc)
		return cli_usage_error(prog, "unexpected argument '%s'", argv[optind]);
	if (!image_path)
		return cli_usage_error(prog, "-i IMAGE is required");
	if (!manifest_path)
		manifest_path = cli_default_path(CLI_DEFAULT_SERVTD_INFO);
	if (!strcmp(image_path, "-"))
		return cli_usage_error(prog, "the image must be a file (it is mapped)");
	parse_manifest(manifest_path, &manifest);

	fd = open(image_path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, image_path, strerror(errno));
		return CLI_EXIT_IO;
	}
	img_len = (size_t)st.st_size;
	if (img_len == 0)
		tool_die(prog, "image", MIGTD_ERR_TRUNCATED);
	img = mmap(NULL, img_len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (img == MAP_FAILED) {
		fprintf(stderr, "%s: mmap %s: %s\n", prog, image_path, strerror(errno));
		return CLI_EXIT_IO;
	}
	close(fd);

	err = migtd_tdvf_parse(img, img_len, &md);
	if (err)
		tool_die(prog, "TDVF metadata", err);
	if (verbose)
		verbose_metadata(&md, img_len);
	err = migtd_tdvf_mrtd(img, img_len, &md, mrtd);
	if (err)
		tool_die(prog, "MRTD", err);
	err = migtd_tdvf_cfv_region(img, img_len, &md, &cfv, &cfv_len);
	if (err)
		tool_die(prog, "CFV section", err);
	err = migtd_tdvf_enrolled_from_cfv(cfv, cfv_len, &files);
	if (err)
		tool_die(prog, "CFV header", err);
	err = migtd_tdvf_rtmrs(&files, flags, rtmr);
	if (err) {
		explain_missing(cfv, cfv_len, flags);
		return CLI_EXIT_INPUT;
	}
	if (flags & TDVF_MEASURE_POLICY_V2)
		v2 = policy_v2_owner(&files, &manifest, v2_owner, v2_owner_config);
	migtd_tdvf_tdinfo(&manifest, mrtd, (const uint8_t(*)[48])rtmr, &ti);
	migtd_tdvf_servtd_attr_apply(&ti, servtd_attr);
	err = migtd_tdvf_servtd_info_hash(&ti, info_hash);
	if (!err)
		err = migtd_tdvf_servtd_hash(info_hash, TDVF_SERVTD_TYPE_MIGTD, servtd_attr,
					     servtd_hash);
	if (err)
		tool_die(prog, "hash", err);

	if (verbose) {
		hex48(hex, mrtd, 48);
		fprintf(stderr, "MRTD   %s\n", hex);
		for (int r = 0; r < 4; r++) {
			hex48(hex, rtmr[r], 48);
			fprintf(stderr, "RTMR%d  %s\n", r, hex);
		}
	}
	if (tdinfo_path) {
		/* Upstream's tool writes exactly this compact JSON (no newline). */
		char js[8 + 5 * (12 + 96) + 8];
		size_t used = 0;
		const uint8_t *regs[5] = { ti.mrtd, ti.rtmr[0], ti.rtmr[1], ti.rtmr[2],
					   ti.rtmr[3] };
		static const char *const names[5] = { "mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3" };

		for (int r = 0; r < 5; r++) {
			hex48(hex, regs[r], 48);
			used += (size_t)snprintf(js + used, sizeof(js) - used, "%s\"%s\":\"%s\"",
						 r ? "," : "{", names[r], hex);
		}
		used += (size_t)snprintf(js + used, sizeof(js) - used, "}");
		spit(tdinfo_path, js, used);
	}
	if (out_path)
		spit(out_path, calc_servtd ? servtd_hash : info_hash, 48);
	if (json) {
		printf("{\n");
		hex48(hex, ti.mrtd, 48);
		printf("  \"mrtd\": \"%s\",\n", hex);
		for (int r = 0; r < 4; r++) {
			hex48(hex, ti.rtmr[r], 48);
			printf("  \"rtmr%d\": \"%s\",\n", r, hex);
		}
		if (v2) {
			hex48(hex, v2_owner, 48);
			printf("  \"policy_mrowner\": \"%s\",\n", hex);
			hex48(hex, v2_owner_config, 48);
			printf("  \"policy_mrownerconfig\": \"%s\",\n", hex);
		}
		printf("  \"servtd_attr\": \"0x%016llx\",\n", (unsigned long long)servtd_attr);
		hex48(hex, info_hash, 48);
		printf("  \"servtd_info_hash\": \"%s\",\n", hex);
		hex48(hex, servtd_hash, 48);
		printf("  \"servtd_hash\": \"%s\"\n}\n", hex);
	} else if (!out_path) {
		hex48(hex, calc_servtd ? servtd_hash : info_hash, 48);
		printf("%s\n", hex);
	}
	munmap(img, img_len);
	return 0;
}
