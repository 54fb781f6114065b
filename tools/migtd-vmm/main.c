/*
 * migtd-vmm -- the emulated host: one or two TDX platforms in software.
 *
 * Subcommands so far:
 *   pki init DIR [--root ROOTDIR] [--fmspc HEX12] [--sgx-tcb HEX32] [--pcesvn N]
 *                [--tdx-tcb HEX32] [--qe-isvsvn N] [--force]
 *   quote --pki DIR --report-data HEX128 --out FILE
 * The pre-migration subcommands (demo, serve) come with the session work.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha512.h>
#include <psa/crypto.h>

#include "migtd/emu_pki.h"
#include "migtd/emu_quote.h"
#include "migtd/err.h"
#include "migtd/wire.h"

static int parse_hex(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static int parse_u16(const char *s, uint16_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (*s == '\0' || *end != '\0' || v > 0xffff)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: migtd-vmm COMMAND ...\n"
		"\n"
		"An emulated TDX host for migtd-c: TDX module, quoting service and VMM in\n"
		"software, shaped like the real ones.\n"
		"\n"
		"commands:\n"
		"  pki init DIR [--root ROOTDIR] [--fmspc HEX12] [--sgx-tcb HEX32] [--pcesvn N]\n"
		"           [--tdx-tcb HEX32] [--qe-isvsvn N] [--force]\n"
		"      Create the emulated attestation PKI of one platform in DIR. DIR/root_ca.der\n"
		"      is the root certificate a MigTD enrolls. With --root, the root CA of ROOTDIR\n"
		"      is used (platforms that share a root trust each other's quotes). Existing\n"
		"      keys are kept unless --force.\n"
		"  pki revoke DIR --serial N [--issuer platform_ca|root_ca]\n"
		"      Reissue DIR's PCK CRL (or root CRL) revoking serial N (PCK leaf = 3,\n"
		"      platform CA = 2, TCB signing = 4): for testing verifiers.\n"
		"  quote --pki DIR --report-data HEX128 --out FILE\n"
		"      Write a TDX quote v4 of an emulated TD carrying that REPORTDATA.\n");
}

static int cmd_pki_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },   { "fmspc", required_argument, NULL, 'f' },
		{ "sgx-tcb", required_argument, NULL, 's' }, { "pcesvn", required_argument, NULL, 'p' },
		{ "tdx-tcb", required_argument, NULL, 't' }, { "qe-isvsvn", required_argument, NULL, 'q' },
		{ "force", no_argument, NULL, 'F' },        { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct emu_platform_params p;
	const char *root = NULL, *dir;
	char msg[512] = "";
	int force = 0, c;

	emu_platform_params_default(&p);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case 'r': root = optarg; break;
		case 'f': bad = parse_hex(optarg, p.fmspc, 6); break;
		case 's': bad = parse_hex(optarg, p.sgx_tcb, 16); break;
		case 't': bad = parse_hex(optarg, p.tdx_tcb, 16); break;
		case 'p': bad = parse_u16(optarg, &p.pcesvn); break;
		case 'q': bad = parse_u16(optarg, &p.qe_isvsvn); break;
		case 'F': force = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (bad) {
			fprintf(stderr, "migtd-vmm pki init: bad value for --%s: '%s'\n",
				opts[optind > 0 ? 0 : 0].name, optarg);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "migtd-vmm pki init: expected exactly one DIR\n");
		return 2;
	}
	dir = argv[optind];
	if (emu_pki_init(dir, root, &p, force, msg, sizeof(msg)) != MIGTD_OK) {
		fprintf(stderr, "migtd-vmm pki init: %s\n", msg[0] ? msg : "failed");
		return 1;
	}
	printf("emulated platform PKI ready in %s (root certificate: %s/root_ca.der)\n", dir, dir);
	return 0;
}

static int cmd_pki_revoke(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "serial", required_argument, NULL, 's' },
		{ "issuer", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	const char *issuer = "platform_ca";
	uint16_t serial = 0;
	uint8_t s8;
	int c, have = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's' && parse_u16(optarg, &serial) == 0 && serial < 256)
			have = 1;
		else if (c == 'i' && (!strcmp(optarg, "platform_ca") || !strcmp(optarg, "root_ca")))
			issuer = optarg;
		else {
			usage(stderr);
			return 2;
		}
	}
	if (!have || optind + 1 != argc) {
		fprintf(stderr, "migtd-vmm pki revoke: expected DIR and --serial N (0..255)\n");
		return 2;
	}
	s8 = (uint8_t)serial;
	if (emu_pki_write_crl(argv[optind], issuer, &s8, 1) != MIGTD_OK) {
		fprintf(stderr, "migtd-vmm pki revoke: cannot write %s/%s.crl.der\n", argv[optind],
			issuer);
		return 1;
	}
	return 0;
}

/*
 * The TD report body of an emulated TD. MRSEAM stands for the emulated TDX
 * module; MRTD measures a stand-in TD (the real TDX-module emulation
 * derives these from the TD it runs).
 */
static int emu_td_body(const struct emu_pki *pki, const uint8_t report_data[64],
		       uint8_t body[EMU_TD_REPORT_BODY_LEN])
{
	static const char seam[] = "migtd-c emulated TDX module";
	static const char td[] = "migtd-c emulated TD";
	static const uint8_t xfam[8] = { 0xe7, 0x1a, 0x06, 0, 0, 0, 0, 0 };

	memset(body, 0, EMU_TD_REPORT_BODY_LEN);
	memcpy(body + 0, pki->params.tdx_tcb, 16);
	if (mbedtls_sha512((const uint8_t *)seam, sizeof(seam) - 1, body + 16, 1) ||
	    mbedtls_sha512((const uint8_t *)td, sizeof(td) - 1, body + 136, 1))
		return MIGTD_ERR_CRYPTO;
	memcpy(body + 128, xfam, sizeof(xfam));
	memcpy(body + 520, report_data, 64);
	return MIGTD_OK;
}

static int cmd_quote(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pki", required_argument, NULL, 'p' },
		{ "report-data", required_argument, NULL, 'r' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *out = NULL, *rd = NULL;
	uint8_t report_data[64], body[EMU_TD_REPORT_BODY_LEN];
	static uint8_t quote[EMU_QUOTE_MAX];
	struct emu_pki pki;
	char msg[512] = "";
	size_t qlen = 0;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': dir = optarg; break;
		case 'r': rd = optarg; break;
		case 'o': out = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!dir || !out || !rd) {
		fprintf(stderr, "migtd-vmm quote: --pki, --report-data and --out are required\n");
		return 2;
	}
	if (parse_hex(rd, report_data, sizeof(report_data))) {
		fprintf(stderr, "migtd-vmm quote: --report-data must be 128 hex digits\n");
		return 2;
	}
	if (emu_pki_load(&pki, dir, msg, sizeof(msg)) != MIGTD_OK) {
		fprintf(stderr, "migtd-vmm quote: %s\n", msg[0] ? msg : "cannot load the PKI");
		return 1;
	}
	ret = emu_td_body(&pki, report_data, body);
	if (!ret)
		ret = emu_quote_build(&pki, body, quote, sizeof(quote), &qlen);
	if (!ret)
		ret = emu_write_file(out, quote, qlen, 0644);
	emu_pki_free(&pki);
	if (ret) {
		fprintf(stderr, "migtd-vmm quote: %s\n", migtd_err_str(ret));
		return 1;
	}
	printf("wrote a %zu-byte TDX quote v4 to %s\n", qlen, out);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (psa_crypto_init() != PSA_SUCCESS) {
		fprintf(stderr, "migtd-vmm: PSA crypto initialisation failed\n");
		return 1;
	}
	if (!strcmp(argv[1], "pki") && argc >= 3 && !strcmp(argv[2], "init"))
		return cmd_pki_init(argc - 2, argv + 2);
	if (!strcmp(argv[1], "pki") && argc >= 3 && !strcmp(argv[2], "revoke"))
		return cmd_pki_revoke(argc - 2, argv + 2);
	if (!strcmp(argv[1], "quote"))
		return cmd_quote(argc - 1, argv + 1);
	fprintf(stderr, "migtd-vmm: unknown command '%s' (see --help)\n", argv[1]);
	return 2;
}
