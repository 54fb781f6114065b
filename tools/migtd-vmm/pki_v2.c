/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * pki_v2.c -- migtd-vmm pki policy-issuer / pki policy-v2: the emulated
 * PKI's policy v2 side (src/emuhost/pki_v2.c, docs/policy-v2.md), so a v2
 * pre-migration can be set up with our own tools only.
 *
 * The admitted MigTD builds are named by their files: a firmware image is
 * measured as the TDX module would (MRTD of its TDVF sections), any other
 * file is the Linux migtd program, whose emulated MRTD is SHA-384 of the
 * executable (what the emulated VMM gives it). RTMR0 and RTMR1 follow from
 * the issuer chain (docs/protocol.md §9.4); RTMR2 is left out of the
 * mapping because it measures the policy itself.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha512.h>

#include "emu_pki_v2.h"
#include "hostio.h"
#include "migtd/err.h"
#include "migtd/tdvf.h"
#include "../common/atomic_file.h"
#include "../common/cli.h"
#include "vmm_tool.h"

static const char *prog = "migtd-vmm";

#define MAX_BUILDS 16
#define MAX_PLATFORMS 16

int vmm_cmd_pki_policy_issuer(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cn", required_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cn = NULL;
	char msg[256] = "";
	int c, force = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': cn = optarg; break;
		case 'f': force = 1; break;
		default: return cli_try_help(prog);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(prog, "pki policy-issuer: expected exactly one DIR");
	if (emu_pki_v2_issuer_init(argv[optind], cn, force, msg, sizeof(msg)) != MIGTD_OK) {
		fprintf(stderr, "migtd-vmm pki policy-issuer: %s\n", msg[0] ? msg : "failed");
		return CLI_EXIT_RUNTIME;
	}
	printf("%s/policy_issuer_chain.pem\n", argv[optind]);
	return CLI_EXIT_OK;
}

/* The MRTD of a MigTD build file (see the top of this file). */
static int build_mrtd(const char *path, uint8_t mrtd[48])
{
	struct tdvf_metadata md;
	uint8_t *img = NULL, full[64];
	size_t len = 0;
	int ret = hostio_read_file(path, HOSTIO_READ_MAX, &img, &len);

	if (ret)
		return ret;
	if (migtd_tdvf_parse(img, len, &md) == MIGTD_OK)
		ret = migtd_tdvf_mrtd(img, len, &md, mrtd);
	else if (mbedtls_sha512(img, len, full, 1) == 0)
		memcpy(mrtd, full, 48);
	else
		ret = MIGTD_ERR_CRYPTO;
	free(img);
	return ret;
}

int vmm_cmd_pki_policy_v2(int argc, char **argv)
{
	enum { O_ISS = 256, O_PLAT, O_MIGTD, O_MRTD, O_SVN, O_MIN, O_ID, O_RULES };
	static const struct option opts[] = {
		{ "issuer", required_argument, NULL, O_ISS },
		{ "platform", required_argument, NULL, O_PLAT },
		{ "migtd", required_argument, NULL, O_MIGTD },
		{ "mrtd", required_argument, NULL, O_MRTD },
		{ "policy-svn", required_argument, NULL, O_SVN },
		{ "min-svn", required_argument, NULL, O_MIN },
		{ "id", required_argument, NULL, O_ID },
		{ "rules", required_argument, NULL, O_RULES },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct emu_pki_v2_migtd builds[MAX_BUILDS];
	const char *plats[MAX_PLATFORMS], *iss = NULL, *out = NULL, *rules_file = NULL;
	unsigned nb = 0, np = 0;
	struct emu_pki_v2_policy_opts o;
	struct tdvf_enrolled files;
	uint8_t rtmr[4][48], *chain = NULL, *rules = NULL;
	size_t chain_len = 0, rules_len = 0, out_len = 0;
	char msg[256] = "", path[1024], *pol = NULL;
	int c, rc = CLI_EXIT_INPUT;

	memset(&o, 0, sizeof(o));
	o.policy_svn = 1;
	o.min_isvsvn = 1;
	memset(builds, 0, sizeof(builds));
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		char *colon = optarg ? strrchr(optarg, ':') : NULL;
		uint16_t v;

		switch (c) {
		case O_ISS: iss = optarg; break;
		case O_PLAT:
			if (np == MAX_PLATFORMS)
				return cli_usage_error(prog, "at most %d --platform",
						       MAX_PLATFORMS);
			plats[np++] = optarg;
			break;
		case O_MIGTD:
		case O_MRTD:
			if (nb == MAX_BUILDS)
				return cli_usage_error(prog, "at most %d MigTD builds", MAX_BUILDS);
			builds[nb].isvsvn = 1;
			if (colon) {
				if (vmm_parse_u16(colon + 1, &builds[nb].isvsvn))
					return cli_usage_error(prog, "bad SVN in '%s'", optarg);
				*colon = 0;
			}
			if (c == O_MRTD ? vmm_parse_hex(optarg, builds[nb].mrtd, 48)
					: build_mrtd(optarg, builds[nb].mrtd)) {
				fprintf(stderr, "%s: %s: cannot measure this MigTD build\n", prog,
					optarg);
				return CLI_EXIT_INPUT;
			}
			nb++;
			break;
		case O_SVN:
			if (vmm_parse_u16(optarg, &v))
				return cli_usage_error(prog, "bad --policy-svn '%s'", optarg);
			o.policy_svn = v;
			break;
		case O_MIN:
			if (vmm_parse_u16(optarg, &o.min_isvsvn))
				return cli_usage_error(prog, "bad --min-svn '%s'", optarg);
			break;
		case O_ID: o.id = optarg; break;
		case O_RULES: rules_file = optarg; break;
		case 'o': out = optarg; break;
		default: return cli_try_help(prog);
		}
	}
	if (optind != argc || !iss || !np || !nb || !out)
		return cli_usage_error(prog,
				       "pki policy-v2 needs --issuer DIR, --platform DIR, "
				       "--migtd FILE[:SVN] (or --mrtd HEX[:SVN]) and -o FILE");
	/* RTMR0/RTMR1 of a v2 MigTD enrolled with this issuer chain */
	snprintf(path, sizeof(path), "%s/policy_issuer_chain.pem", iss);
	if (hostio_read_file(path, HOSTIO_READ_MAX, &chain, &chain_len)) {
		fprintf(stderr, "%s: %s: no policy issuer (pki policy-issuer first)\n", prog, path);
		goto out;
	}
	memset(&files, 0, sizeof(files));
	files.policy = (const uint8_t *)"-";
	files.policy_len = 1;
	files.issuer_chain = chain;
	files.issuer_chain_len = chain_len;
	if (migtd_tdvf_rtmrs(&files, TDVF_MEASURE_POLICY_V2, rtmr) != MIGTD_OK) {
		rc = CLI_EXIT_RUNTIME;
		goto out;
	}
	for (unsigned k = 0; k < nb; k++) {
		memcpy(builds[k].rtmr0, rtmr[0], 48);
		memcpy(builds[k].rtmr1, rtmr[1], 48);
	}
	if (rules_file) {
		if (hostio_read_file(rules_file, HOSTIO_READ_MAX, &rules, &rules_len)) {
			fprintf(stderr, "%s: %s: cannot read\n", prog, rules_file);
			rc = CLI_EXIT_IO;
			goto out;
		}
		while (rules_len && (rules[rules_len - 1] == '\n' || rules[rules_len - 1] == ' '))
			rules[--rules_len] = 0;
		o.rules = (const char *)rules;
	}
	o.migtds = builds;
	o.n_migtds = nb;
	if (emu_pki_v2_policy(iss, plats, np, &o, &pol, &out_len, msg, sizeof(msg)) != MIGTD_OK) {
		fprintf(stderr, "migtd-vmm pki policy-v2: %s\n", msg[0] ? msg : "failed");
		rc = CLI_EXIT_RUNTIME;
		goto out;
	}
	/* A user's output file: docs/cli.md, "Output files" ("-": stdout). */
	rc = atomic_file_write(prog, out, pol, out_len, 0644) ? CLI_EXIT_IO : CLI_EXIT_OK;
out:
	free(chain);
	free(rules);
	free(pol);
	return rc;
}
