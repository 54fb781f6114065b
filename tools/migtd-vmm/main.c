/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * migtd-vmm -- the emulated host: one or two TDX platforms in software.
 *
 * Subcommands: pki init|revoke, quote, demo and run (premig.c), serve and
 * ctl (one platform per process, for two hosts). See usage(). Exit status
 * as in docs/cli.md.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <libgen.h>
#include <limits.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha512.h>
#include <psa/crypto.h>

#include "emu_pki.h"
#include "emu_quote.h"
#include "emu_vmm.h"
#include "migtd/err.h"
#include "migtd/ghci.h"
#include "migtd/fmt.h"
#include "migtd/tdvf.h"
#include "migtd/wire.h"
#include "vmm_tool.h"
#include "vsock_ids.h"
#include "../common/atomic_file.h"
#include "../common/cli.h"

static const char *prog = "migtd-vmm";

int vmm_parse_hex(const char *s, uint8_t *out, size_t n)
{
	return strlen(s) == 2 * n ? migtd_unhex(s, out, n) : -1;
}

int vmm_parse_u16(const char *s, uint16_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (*s == '\0' || *end != '\0' || v > 0xffff)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int vmm_parse_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	unsigned a, b;

	if (sscanf(s, "%u:%u", &a, &b) != 2 || a > 0xffff || b > 0xffff)
		return -1;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

int vmm_sibling_path(const char *self, const char *name, char *out, size_t cap)
{
	char bindir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", bindir, sizeof(bindir) - 1);

	/* The running binary, not argv[0]: found through PATH, argv[0] has no
	 * directory. */
	if (n > 0 && (size_t)n < sizeof(bindir) - 1)
		bindir[n] = '\0';
	else
		snprintf(bindir, sizeof(bindir), "%s", self);
	snprintf(out, cap, "%s/%s", dirname(bindir), name);
	return access(out, X_OK) == 0 ? 0 : -1;
}

int vmm_migtd_path(const char *self, char *out, size_t cap)
{
	return vmm_sibling_path(self, "migtd", out, cap);
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
		"  pki init DIR [--root ROOTDIR] [--fmspc HEX12] [--tcb-svn|--sgx-tcb HEX32] [--pcesvn N]\n"
		"           [--tdx-tcb HEX32] [--qe-isvsvn N] [--force]\n"
		"      Create the emulated attestation PKI of one platform in DIR. DIR/root_ca.der\n"
		"      is the root certificate a MigTD enrolls. With --root, the root CA of ROOTDIR\n"
		"      is used (platforms that share a root trust each other's quotes). Existing\n"
		"      keys are kept unless --force.\n"
		"  pki revoke DIR (--pck | --serial N) [--issuer platform_ca|root_ca]\n"
		"      Reissue DIR's PCK CRL (or root CRL) revoking DIR's PCK certificate or\n"
		"      serial N (platform CA = 2, TCB signing = 4): for testing verifiers.\n"
		"  pki tcb DIR [--tcb-status S] [--qe-tcb-status S] [--collateral current|expired|future]\n"
		"          [--level-pcesvn N]\n"
		"      Re-sign DIR's TCB Info / QE Identity: S is the status of the platform's\n"
		"      TCB level / QE level (UpToDate, SWHardeningNeeded, ConfigurationNeeded,\n"
		"      ConfigurationAndSWHardeningNeeded, OutOfDate, OutOfDateConfigurationNeeded,\n"
		"      Revoked); the dates: current, expired (nextUpdate 2020-02-01) or not yet\n"
		"      valid (issueDate 2048-01-01); --level-pcesvn: the top TCB level's PCESVN.\n"
		"      pki init takes the same options but --level-pcesvn.\n"
		"  pki policy-issuer DIR [--cn NAME] [--force]\n"
		"      Create a policy v2 issuer in DIR: policy_issuer_chain.pem (P-384 leaf, root)\n"
		"      and the leaf's key that signs policies (docs/policy-v2.md).\n"
		"  pki policy-v2 --issuer DIR --platform PDIR... (--migtd FILE[:SVN] | --mrtd HEX[:SVN])...\n"
		"          [--policy-svn N] [--min-svn N] [--id ID] [--rules FILE] -o OUT\n"
		"      Write a signed v2 policy carrying the collateral of the emulated platforms\n"
		"      PDIR (one root) and a TCB mapping of the MigTD builds (a firmware image or\n"
		"      the migtd program; SVN default 1). Default rules: the platforms' FMSPCs,\n"
		"      TCB status not Revoked/OutOfDate-configuration, MigTD SVN >= --min-svn.\n"
		"  quote --pki DIR --report-data HEX128 --out FILE\n"
		"      Write a TDX quote v4 of an emulated TD carrying that REPORTDATA (atomically;\n"
		"      FILE - = standard output).\n");
	premig_usage(f);
	fprintf(f,
		"  serve --pki DIR --control SOCKET --root-ca C [--policy P] [--timeout-ms N]\n"
		"        [--log-level L] [--export-versions MIN:MAX] [--import-versions MIN:MAX]\n"
		"        [--pcs DIR]... [--migtd-external]\n"
		"        [--issuer-chain PEM [--mrowner HEX96] [--mrownerconfig HEX96]\n"
		"         [--init-mrowner HEX96] [--init-mrownerconfig HEX96]]\n"
		"        [--vm [--image IMG] [--qemu PATH] [--guest-cid N]]\n"
		"        [--td [--shim ROM] [--lenient] [--shim-test MODE]] [--profile P]\n"
		"      Run ONE emulated platform (DIR from 'pki init') with its migtd, taking\n"
		"      commands on the Unix SOCKET (see 'ctl'). Each session's MigTD stream is\n"
		"      relayed over TCP to the other host with no added framing: the source\n"
		"      connects, the destination listens. SOCKET must not exist, or be a stale\n"
		"      socket (replaced); a live one (another serve) or any other file is\n"
		"      refused and left alone. --policy defaults to the installed policy.json\n"
		"      (%s in the source tree).\n"
		"      --issuer-chain PEM: a policy v2 MigTD (--policy is then the signed\n"
		"      policy, --root-ca not used); --mrowner/--mrownerconfig: what the host\n"
		"      gives the MigTD TD (migtd-hash --policy-v2 prints them; default zero).\n"
		"      --init-mrowner/--init-mrownerconfig: every request carries init data\n"
		"      (the initially bound MigTD's TDINFO) with these values; the one not\n"
		"      given is the MigTD's own.\n"
		"      --pcs DIR: this host's quoting service also hands out DIR's collateral\n"
		"      (a copy of the other host's platform directory, as a PCCS would have it\n"
		"      from Intel PCS).\n"
		"      --vm: the MigTD is the virtio-vsock firmware image (default: the\n"
		"      installed migtd.bin, build/migtd.bin in the source tree; policy and root\n"
		"      CA enrolled into DIR/migtd.bin) in a QEMU VM whose only device is\n"
		"      vhost-user-vsock-pci, served by migtd-vsock-backend with guest CID N\n"
		"      (default 18).\n"
		"      --td [--shim ROM] [--lenient] [--shim-test MODE]: --vm, the image booted\n"
		"      as a TD under the shim ROM (default: the installed tdshim.bin,\n"
		"      build/tdshim.bin in the source tree), which plays the TDX module and\n"
		"      VMM (docs/td-under-shim.md); --lenient: emulate instead of injecting #VE;\n"
		"      --shim-test: FOR TESTS, the shim's test mode.\n"
		"      --migtd-external: FOR TESTS: measure the migtd next to migtd-vmm as\n"
		"      the MigTD but do not start it; the test starts it on DIR/link.sock\n"
		"      and DIR/relay.sock (e.g. behind a hostile link proxy).\n"
		"      --profile vmcall-raw: the migtd speaks TDG.VP.VMCALL<MigTD>\n"
		"      (docs/vmcall-raw.md); ctl then also takes tdreport, log-area, logs and\n"
		"      cancel; migrate relays its Send/Receive bytes over TCP the same way.\n"
		"  ctl SOCKET COMMAND...\n"
		"      Send one command to a 'serve' process and print its answer on stdout (an\n"
		"      \"error ...\" answer goes to stderr, exit 1):\n"
		"        migrate ID source HOST:PORT       bind a user TD, request migration as\n"
		"                                          source; the stream goes to HOST:PORT\n"
		"        migrate ID destination ADDR:PORT  ... as destination, listening there\n"
		"                                          (IPv6: [ADDR]:PORT)\n"
		"        status ID                         pending | status N NAME\n"
		"        list                              every request: id, role, phase\n"
		"                                          (queued|running|done), status and\n"
		"                                          timings in ms (queued->delivered,\n"
		"                                          delivered->reported)\n"
		"        td-state ID                       FOR TESTS ONLY: the emulated TDX\n"
		"                                          module's MIG_ENC_KEY, MIG_DEC_KEY and\n"
		"                                          MIG_VERSION of that user TD (a real\n"
		"                                          platform never exposes them)\n"
		"        tdreport ID                       vmcall-raw: GetTDReport; status ID\n"
		"                                          then says whether it verified\n"
		"        log-area ID LEVEL                 vmcall-raw: EnableLogArea(LEVEL)\n"
		"        logs                              vmcall-raw: the MigTD's log ring, one\n"
		"                                          line per entry with its request id\n"
		"        cancel ID                         vmcall-raw: cancel a session\n"
		"        shutdown                          stop the platform and its migtd\n"
		"  --help | --version\n",
		cli_default_name(CLI_DEFAULT_POLICY));
	cli_print_exit_codes(f);
}

/* --tcb-status (S), --qe-tcb-status (Q), --collateral (C), --level-pcesvn (L) of pki init / tcb. */
static int collateral_opt(struct emu_collateral_opts *o, int c, const char *arg)
{
	if (c == 'L') {
		o->has_level_pcesvn = true;
		return vmm_parse_u16(arg, &o->level_pcesvn);
	}
	if (c == 'S' || c == 'Q') {
		if (!emu_tcb_status_valid(arg))
			return -1;
		*(c == 'S' ? &o->tcb_status : &o->qe_tcb_status) = arg;
		return 0;
	}
	if (!strcmp(arg, "current"))
		o->when = EMU_COLLATERAL_CURRENT;
	else if (!strcmp(arg, "expired"))
		o->when = EMU_COLLATERAL_EXPIRED;
	else if (!strcmp(arg, "future"))
		o->when = EMU_COLLATERAL_NOT_YET_VALID;
	else
		return -1;
	return 0;
}

static int cmd_pki_tcb(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tcb-status", required_argument, NULL, 'S' },
		{ "qe-tcb-status", required_argument, NULL, 'Q' },
		{ "collateral", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "level-pcesvn", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	struct emu_collateral_opts co = { 0 };
	char msg[512] = "";
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return CLI_EXIT_OK;
		}
		if (c == '?')
			return cli_try_help(prog);
		if (collateral_opt(&co, c, optarg))
			return cli_usage_error(prog, "pki tcb: bad value '%s'", optarg);
	}
	if (optind + 1 != argc)
		return cli_usage_error(prog, "pki tcb: expected exactly one DIR");
	if (emu_pki_set_collateral(argv[optind], &co, msg, sizeof(msg)) != MIGTD_OK) {
		fprintf(stderr, "migtd-vmm pki tcb: %s\n", msg[0] ? msg : "failed");
		return CLI_EXIT_IO;
	}
	return CLI_EXIT_OK;
}

static int cmd_pki_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "fmspc", required_argument, NULL, 'f' },
		{ "sgx-tcb", required_argument, NULL, 's' },
		{ "pcesvn", required_argument, NULL, 'p' },
		{ "tcb-svn", required_argument, NULL,
		  's' }, /* the PCK's TCB SVNs, as in the issue */
		{ "tdx-tcb", required_argument, NULL, 't' },
		{ "qe-isvsvn", required_argument, NULL, 'q' },
		{ "force", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "tcb-status", required_argument, NULL, 'S' },
		{ "qe-tcb-status", required_argument, NULL, 'Q' },
		{ "collateral", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	struct emu_platform_params p;
	struct emu_collateral_opts co = { 0 };
	const char *root = NULL, *dir;
	char msg[512] = "";
	int force = 0, c, coll = 0;

	emu_platform_params_default(&p);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case 'r': root = optarg; break;
		case 'f': bad = vmm_parse_hex(optarg, p.fmspc, 6); break;
		case 's': bad = vmm_parse_hex(optarg, p.sgx_tcb, 16); break;
		case 't': bad = vmm_parse_hex(optarg, p.tdx_tcb, 16); break;
		case 'p': bad = vmm_parse_u16(optarg, &p.pcesvn); break;
		case 'q': bad = vmm_parse_u16(optarg, &p.qe_isvsvn); break;
		case 'F': force = 1; break;
		case 'S':
		case 'Q':
		case 'C':
			bad = collateral_opt(&co, c, optarg);
			coll = 1;
			break;
		case 'h': usage(stdout); return CLI_EXIT_OK;
		default: return cli_try_help(prog);
		}
		if (bad)
			return cli_usage_error(prog,
					       "pki init: bad value '%s' (hex of the right "
					       "length, or a number)",
					       optarg);
	}
	if (optind + 1 != argc)
		return cli_usage_error(prog, "pki init: expected exactly one DIR");
	dir = argv[optind];
	if (emu_pki_init(dir, root, &p, force, msg, sizeof(msg)) != MIGTD_OK ||
	    (coll && emu_pki_set_collateral(dir, &co, msg, sizeof(msg)) != MIGTD_OK)) {
		fprintf(stderr, "migtd-vmm pki init: %s\n", msg[0] ? msg : "failed");
		return CLI_EXIT_IO;
	}
	printf("emulated platform PKI ready in %s (root certificate: %s/root_ca.der)\n", dir, dir);
	return 0;
}

static int cmd_pki_revoke(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "serial", required_argument, NULL, 's' },
		{ "issuer", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ "pck", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	const char *issuer = "platform_ca";
	bool pck = false;
	uint16_t serial = 0;
	uint8_t s8;
	int c, have = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return CLI_EXIT_OK;
		}
		if (c == 's' && vmm_parse_u16(optarg, &serial) == 0 && serial < 256)
			have = 1;
		else if (c == 'P')
			pck = true, have = 1;
		else if (c == 'i' && (!strcmp(optarg, "platform_ca") || !strcmp(optarg, "root_ca")))
			issuer = optarg;
		else if (c == 's' || c == 'i')
			return cli_usage_error(prog, "pki revoke: bad value '%s'", optarg);
		else
			return cli_try_help(prog);
	}
	if (!have || optind + 1 != argc)
		return cli_usage_error(prog,
				       "pki revoke: expected DIR and --pck or --serial N (0..255)");
	s8 = (uint8_t)serial;
	if (pck && emu_pki_pck_serial(argv[optind], &s8) != MIGTD_OK) {
		fprintf(stderr, "migtd-vmm pki revoke: cannot read %s/platform.conf\n",
			argv[optind]);
		return CLI_EXIT_IO;
	}
	if (emu_pki_write_crl(argv[optind], issuer, &s8, 1) != MIGTD_OK) {
		fprintf(stderr, "migtd-vmm pki revoke: cannot write %s/%s.crl.der\n", argv[optind],
			issuer);
		return CLI_EXIT_IO;
	}
	return CLI_EXIT_OK;
}

/*
 * The TD report body of an emulated TD. MRSEAM stands for the emulated TDX
 * module; MRTD measures a stand-in TD (the real TDX-module emulation
 * derives these from the TD it runs).
 */
static int emu_td_body(const struct emu_pki *pki, const uint8_t report_data[64],
		       uint8_t body[MIGTD_QUOTE_TD10_BODY_SIZE])
{
	static const char seam[] = "migtd-c emulated TDX module";
	static const char td[] = "migtd-c emulated TD";
	static const uint8_t xfam[8] = { 0xe7, 0x1a, 0x06, 0, 0, 0, 0, 0 };

	memset(body, 0, MIGTD_QUOTE_TD10_BODY_SIZE);
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
	uint8_t report_data[64], body[MIGTD_QUOTE_TD10_BODY_SIZE];
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
		case 'h': usage(stdout); return CLI_EXIT_OK;
		default: return cli_try_help(prog);
		}
	}
	if (optind != argc)
		return cli_usage_error(prog, "quote: unexpected argument '%s'", argv[optind]);
	if (!dir || !out || !rd)
		return cli_usage_error(prog, "quote: --pki, --report-data and --out are required");
	if (vmm_parse_hex(rd, report_data, sizeof(report_data)))
		return cli_usage_error(prog, "quote: --report-data must be 128 hex digits");
	if (emu_pki_load(&pki, dir, msg, sizeof(msg)) != MIGTD_OK) {
		fprintf(stderr, "migtd-vmm quote: %s\n", msg[0] ? msg : "cannot load the PKI");
		return CLI_EXIT_INPUT;
	}
	ret = emu_td_body(&pki, report_data, body);
	if (!ret)
		ret = emu_quote_build(&pki, body, quote, sizeof(quote), &qlen);
	emu_pki_free(&pki);
	if (ret) {
		fprintf(stderr, "migtd-vmm quote: cannot build the quote: %s\n",
			migtd_err_str(ret));
		return CLI_EXIT_RUNTIME;
	}
	/* A write failure is an I/O error with its errno, not a field error. */
	if (atomic_file_write("migtd-vmm quote", out, quote, qlen, 0644) != 0)
		return CLI_EXIT_IO;
	fprintf(strcmp(out, "-") ? stdout : stderr, "wrote a %zu-byte TDX quote v4 to %s\n", qlen,
		out);
	return CLI_EXIT_OK;
}


/* ------------------------------------------------------------ serve / ctl */

struct serve {
	struct emu_vmm vmm;
	struct emu_vmm_platform *plat;
	int control_fd;
	bool stop;
	uint32_t next_port;
};

static struct serve srv;
static volatile sig_atomic_t serve_signal;

static void serve_on_signal(int sig)
{
	(void)sig;
	serve_signal = 1;
}

static bool serve_done(void *ctx)
{
	struct serve *s = ctx;

	return s->stop || serve_signal;
}

/* "HOST:PORT", "[IPV6]:PORT" or "IPV6-LITERAL:PORT" (the last colon splits). */
static int parse_hostport(const char *hp, struct sockaddr_storage *out, socklen_t *out_len)
{
	char host[256];
	const char *colon = strrchr(hp, ':'), *h = hp;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
	size_t hlen;
	unsigned long port;
	char *end;

	if (!colon || colon == hp)
		return -1;
	hlen = (size_t)(colon - hp);
	if (hp[0] == '[') { /* [addr]:port */
		if (hlen < 3 || hp[hlen - 1] != ']')
			return -1;
		h = hp + 1;
		hlen -= 2;
		hints.ai_family = AF_INET6;
	}
	if (hlen >= sizeof(host))
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || colon[1] == '\0' || port == 0 || port > 65535)
		return -1;
	if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
		return -1;
	if (res->ai_addrlen > sizeof(*out)) {
		freeaddrinfo(res);
		return -1;
	}
	memcpy(out, res->ai_addr, res->ai_addrlen);
	*out_len = res->ai_addrlen;
	if (res->ai_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)out)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)(void *)out)->sin_port = htons((uint16_t)port);
	freeaddrinfo(res);
	return 0;
}

/* "list": one line per request, with its phase and timings. */
static void serve_list(struct serve *s, char *reply, size_t cap)
{
	uint64_t now = emu_vmm_now_ms();
	size_t used = 0;
	unsigned n = 0;

	for (size_t i = 0; i < EMU_VMM_MAX_REQUESTS; i++) {
		const struct emu_vmm_request *r = &s->plat->reqs[i];
		const char *phase = !r->delivered ? "queued" : r->status < 0 ? "running" : "done";
		char st[64] = "-";
		int w;

		if (!r->used)
			continue;
		if (r->status >= 0)
			snprintf(st, sizeof(st), "%d:%s", r->status, migtd_status_name(r->status));
		/* Times not reached yet count up to now (marked with +). */
		w = snprintf(reply + used, cap - used,
			     "%sid %llu role %s phase %s status %s queued_ms %llu%s run_ms %llu%s",
			     n ? "\n" : "", (unsigned long long)r->id,
			     r->source ? "source" : "destination", phase, st,
			     (unsigned long long)((r->delivered ? r->t_delivered : now) -
						  r->t_queued),
			     r->delivered ? "" : "+",
			     (unsigned long long)(!r->delivered
							  ? 0
							  : (r->status >= 0 ? r->t_reported : now) -
								    r->t_delivered),
			     r->delivered && r->status < 0 ? "+" : "");
		if (w < 0 || (size_t)w >= cap - used) {
			reply[used] = '\0';
			return;
		}
		used += (size_t)w;
		n++;
	}
	if (n == 0)
		snprintf(reply, cap, "ok no requests");
}

static void serve_command(struct serve *s, char *line, char *reply, size_t cap)
{
	char *argv[8], *save = NULL;
	int argc = 0;

	for (char *t = strtok_r(line, " \t\r\n", &save); t && argc < 8;
	     t = strtok_r(NULL, " \t\r\n", &save))
		argv[argc++] = t;
	if (argc == 0) {
		snprintf(reply, cap, "error empty command");
		return;
	}
	if (!strcmp(argv[0], "migrate") && argc == 4) {
		uint64_t id = strtoull(argv[1], NULL, 10);
		bool source = !strcmp(argv[2], "source");
		struct sockaddr_storage addr;
		socklen_t addr_len = 0;
		struct emu_vmm_request *r;
		char msg[256];

		if ((!source && strcmp(argv[2], "destination")) ||
		    parse_hostport(argv[3], &addr, &addr_len)) {
			snprintf(reply, cap,
				 "error usage: migrate ID source|destination HOST:PORT");
			return;
		}
		if (emu_vmm_find_request(s->plat, id)) {
			snprintf(reply, cap, "error request %llu exists", (unsigned long long)id);
			return;
		}
		r = emu_vmm_request(s->plat, id, source, s->next_port);
		if (!r) {
			snprintf(reply, cap, "error no room for another request");
			return;
		}
		if (emu_vmm_request_remote(r, (const struct sockaddr *)&addr, addr_len, msg,
					   sizeof(msg)) != MIGTD_OK) {
			r->status =
				MIGTD_STATUS_NETWORK_ERROR; /* never delivered: report locally */
			r->delivered = true;
			snprintf(reply, cap, "error %s", msg);
			return;
		}
		snprintf(reply, cap, "ok port %u", s->next_port++);
		return;
	}
	if (!strcmp(argv[0], "logs") && argc == 1) {
		FILE *f;
		unsigned n;

		if (!s->plat->raw) {
			snprintf(reply, cap, "error logs: the log area is a vmcall-raw feature");
			return;
		}
		f = fmemopen(reply, cap, "w");
		if (!f) {
			snprintf(reply, cap, "error out of memory");
			return;
		}
		n = emu_vmm_raw_print_logs(s->plat, f);
		fprintf(f, "ok %u log entries", n);
		fclose(f);
		reply[cap - 1] = '\0';
		return;
	}
	if ((!strcmp(argv[0], "tdreport") && argc == 2) ||
	    (!strcmp(argv[0], "log-area") && argc == 3) ||
	    (!strcmp(argv[0], "cancel") && argc == 2)) {
		uint64_t id = strtoull(argv[1], NULL, 10);
		struct emu_vmm_request *r = emu_vmm_find_request(s->plat, id);

		if (!s->plat->raw) {
			snprintf(reply, cap, "error %s: a vmcall-raw operation", argv[0]);
			return;
		}
		if (!strcmp(argv[0], "cancel")) {
			if (!r || !r->delivered || r->status >= 0) {
				snprintf(reply, cap, "error no such request in progress");
				return;
			}
			emu_vmm_raw_cancel(&s->vmm, r);
			snprintf(reply, cap, "ok");
			return;
		}
		if (r) {
			snprintf(reply, cap, "error request %llu exists", (unsigned long long)id);
			return;
		}
		r = !strcmp(argv[0], "tdreport")
			    ? emu_vmm_raw_request(s->plat, id, GHCI_RAW_OP_GET_TDREPORT, 0,
						  EMU_VMM_RAW_OK)
			    : emu_vmm_raw_request(s->plat, id, GHCI_RAW_OP_ENABLE_LOG_AREA,
						  (uint8_t)strtoul(argv[2], NULL, 10),
						  EMU_VMM_RAW_OK);
		snprintf(reply, cap, r ? "ok queued" : "error no room for another request");
		return;
	}
	if (!strcmp(argv[0], "status") && argc == 2) {
		struct emu_vmm_request *r =
			emu_vmm_find_request(s->plat, strtoull(argv[1], NULL, 10));

		if (!r)
			snprintf(reply, cap, "error no such request");
		else if (r->status < 0)
			snprintf(reply, cap, "pending");
		else if (r->raw_op == GHCI_RAW_OP_GET_TDREPORT && r->status == 0)
			snprintf(reply, cap,
				 "status 0 %s; TDREPORT %zu bytes, MAC %s, REPORTDATA %s",
				 migtd_status_name(0), r->rdata_len,
				 r->tdreport_mac_ok ? "verified" : "NOT verified",
				 r->tdreport_rd_ok ? "HostRequestedMigTDReport" : "WRONG");
		else
			snprintf(reply, cap, "status %d %s", r->status,
				 migtd_status_name(r->status));
		return;
	}
	if (!strcmp(argv[0], "td-state") && argc == 2) {
		struct emu_vmm_request *r =
			emu_vmm_find_request(s->plat, strtoull(argv[1], NULL, 10));
		char enc[65], dec[65];

		if (!r || !r->td) {
			snprintf(reply, cap, "error no such migration request");
			return;
		}
		migtd_hex(enc, sizeof(enc), r->td->mig_enc_key, 32);
		migtd_hex(dec, sizeof(dec), r->td->mig_dec_key, 32);
		snprintf(reply, cap,
			 "ok enc %s dec %s dec_written %x version %u version_written %d", enc, dec,
			 r->td->dec_key_written, r->td->mig_version, r->td->mig_version_written);
		return;
	}
	if (!strcmp(argv[0], "list") && argc == 1) {
		serve_list(s, reply, cap);
		return;
	}
	if (!strcmp(argv[0], "shutdown") && argc == 1) {
		s->stop = true;
		snprintf(reply, cap, "ok");
		return;
	}
	snprintf(reply, cap, "error unknown command '%s'", argv[0]);
}

static void serve_on_control(void *ctx, int lfd)
{
	struct serve *s = ctx;
	static char reply[EMU_VMM_MAX_REQUESTS * 160 + 2];
	char line[512];
	struct timeval tv = { .tv_sec = 2 };
	ssize_t n;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = recv(fd, line, sizeof(line) - 1, 0);
	if (n > 0) {
		line[n] = '\0';
		serve_command(s, line, reply, sizeof(reply) - 1);
		strcat(reply, "\n");
		send(fd, reply, strlen(reply), MSG_NOSIGNAL);
	}
	close(fd);
}


/*
 * The control socket's path may be taken only if nothing is there or a
 * stale socket (no listener: a serve that died). A live socket means
 * another serve is running; any other file is someone's data. Returns 0
 * (path free) or the exit status, with the reason printed.
 */
static int control_path_claim(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, err;

	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		return cli_error(CLI_EXIT_IO, prog, "serve: %s: %s", path, strerror(errno));
	}
	if (!S_ISSOCK(st.st_mode))
		return cli_error(CLI_EXIT_IO, prog,
				 "serve: %s exists and is not a socket; "
				 "refusing to replace it (choose another --control path)",
				 path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cli_error(CLI_EXIT_RUNTIME, prog, "serve: socket: %s", strerror(errno));
	err = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? 0 : errno;
	close(fd);
	if (err == 0)
		return cli_error(CLI_EXIT_RUNTIME, prog,
				 "serve: %s is in use: another serve is "
				 "listening there",
				 path);
	if (err != ECONNREFUSED)
		return cli_error(CLI_EXIT_IO, prog, "serve: %s: %s", path, strerror(err));
	/* Stale: nobody listens; the socket file is a leftover. */
	if (unlink(path) != 0)
		return cli_error(CLI_EXIT_IO, prog, "serve: cannot remove the stale socket %s: %s",
				 path, strerror(errno));
	return 0;
}

/*
 * serve --vm: the platform's MigTD is the virtio-vsock image in a plain VM
 * with upstream's device set (vhost-user-vsock-pci only, docs/vhost-user.md):
 * policy and root CA enrolled into DIR/migtd.bin, the measured copy.
 */
static int serve_launch_vm(struct emu_vmm_platform *p, const char *self, const char *dir,
			   const char *image, const char *qemu, const char *policy,
			   const char *root, unsigned long long guest_cid,
			   const struct emu_vmm_td_args *td, char *msg, size_t msglen)
{
	char img[PATH_MAX + 16], backend[PATH_MAX + 32], tr[32];

	if (!emu_vmm_image_transport(image, tr, sizeof(tr)) || strcmp(tr, "virtio-vsock") != 0) {
		snprintf(msg, msglen, "%.300s is not a virtio-vsock migtd-c image", image);
		return -1;
	}
	if (vmm_sibling_path(self, "migtd-vsock-backend", backend, sizeof(backend)) != 0) {
		snprintf(msg, msglen, "%.300s not found (build it with make)", backend);
		return -1;
	}
	snprintf(img, sizeof(img), "%.*s/migtd.bin", PATH_MAX, dir);
	if (vmm_vm_image(image, img, policy, root, false, msg, msglen))
		return -1;
	if (td) {
		/* --td: the same devices, the image booted as a TD under the shim */
		struct emu_vmm_td_args a = *td;

		a.qemu = qemu;
		a.image = img;
		a.backend = backend;
		a.guest_cid = guest_cid;
		return emu_vmm_launch_vm_td(p, &a, msg, msglen);
	}
	return emu_vmm_launch_vm_vsock(p, qemu, img, backend, guest_cid, msg, msglen);
}

static int cmd_serve(int argc, char **argv, const char *self)
{
	static const struct option opts[] = {
		{ "pki", required_argument, NULL, 'd' },
		{ "control", required_argument, NULL, 'c' },
		{ "policy", required_argument, NULL, 'p' },
		{ "root-ca", required_argument, NULL, 'r' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "export-versions", required_argument, NULL, 'e' },
		{ "import-versions", required_argument, NULL, 'i' },
		{ "pcs", required_argument, NULL, 'P' },
		{ "vm", no_argument, NULL, 'v' },
		{ "image", required_argument, NULL, 'm' },
		{ "qemu", required_argument, NULL, 'q' },
		{ "guest-cid", required_argument, NULL, 'g' },
		{ "td", no_argument, NULL, 'T' },
		{ "shim", required_argument, NULL, 'S' },
		{ "lenient", no_argument, NULL, 'L' },
		{ "shim-test", required_argument, NULL, 'X' },
		{ "issuer-chain", required_argument, NULL, 'I' },
		{ "mrowner", required_argument, NULL, 'O' },
		{ "mrownerconfig", required_argument, NULL, 'C' },
		{ "migtd-external", no_argument, NULL, 'x' },
		{ "init-mrowner", required_argument, NULL, 'o' },
		{ "init-mrownerconfig", required_argument, NULL, 'n' },
		{ "profile", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct emu_collateral pcs[EMU_PCS_MAX];
	const char *chain = NULL;
	bool has_owner = false, has_init_mro = false, has_init_mroc = false;
	uint8_t mrowner[48] = { 0 }, mrownerconfig[48] = { 0 };
	bool external = false;
	uint8_t init_mro[48] = { 0 }, init_mroc[48] = { 0 };
	const char *pcs_dir[EMU_PCS_MAX];
	unsigned npcs = 0;
	const char *dir = NULL, *control = NULL, *policy = NULL, *root = NULL, *level = "info",
		   *tmo = "60000", *image = NULL, *qemu = "qemu-system-x86_64";
	uint16_t ex_lo = 0, ex_hi = 0, im_lo = 0, im_hi = 0;
	unsigned long long guest_cid = MIGTD_VSOCK_DEMO_SRC_CID;
	bool vm = false, td = false, raw = false;
	struct emu_vmm_td_args td_args = { .shim = NULL };
	char *end;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char migtd[PATH_MAX + 8], msg[512];
	int c, abnormal;
	bool ok;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'c': control = optarg; break;
		case 'p': policy = optarg; break;
		case 'r': root = optarg; break;
		case 't': tmo = optarg; break;
		case 'l': level = optarg; break;
		case 'e':
			if (vmm_parse_range(optarg, &ex_lo, &ex_hi))
				return cli_usage_error(prog, "serve: bad --export-versions");
			break;
		case 'i':
			if (vmm_parse_range(optarg, &im_lo, &im_hi))
				return cli_usage_error(prog, "serve: bad --import-versions");
			break;
		case 'P':
			if (npcs == EMU_PCS_MAX)
				return cli_usage_error(prog, "serve: at most %u --pcs",
						       EMU_PCS_MAX);
			pcs_dir[npcs++] = optarg;
			break;
		case 'v': vm = true; break;
		case 'T': vm = td = true; break;
		case 'S': td_args.shim = optarg; break;
		case 'L': td_args.lenient = true; break;
		case 'X': td_args.test = optarg; break;
		case 'm': image = optarg; break;
		case 'q': qemu = optarg; break;
		case 'x': external = true; break;
		case 'g':
			guest_cid = strtoull(optarg, &end, 10);
			if (*end || guest_cid < 3 || guest_cid >= 0xffffffffull)
				return cli_usage_error(prog, "serve: bad --guest-cid (3..2^32-2)");
			break;
		case 'I': chain = optarg; break;
		case 'O':
		case 'C':
			has_owner = true;
			if (vmm_parse_hex(optarg, c == 'O' ? mrowner : mrownerconfig, 48))
				return cli_usage_error(prog, "serve: bad --%s (96 hex digits)",
						       c == 'O' ? "mrowner" : "mrownerconfig");
			break;
		case 'o':
		case 'n':
			*(c == 'o' ? &has_init_mro : &has_init_mroc) = true;
			if (vmm_parse_hex(optarg, c == 'o' ? init_mro : init_mroc, 48))
				return cli_usage_error(prog, "serve: bad --%s (96 hex digits)",
						       c == 'o' ? "init-mrowner"
								: "init-mrownerconfig");
			break;
		case 'R':
			if (strcmp(optarg, "service") && strcmp(optarg, "vmcall-raw"))
				return cli_usage_error(prog, "serve: --profile service|vmcall-raw");
			raw = !strcmp(optarg, "vmcall-raw");
			break;
		case 'h': usage(stdout); return CLI_EXIT_OK;
		default: return cli_try_help(prog);
		}
	}
	if (optind != argc)
		return cli_usage_error(prog, "serve: unexpected argument '%s'", argv[optind]);
	if (external && vm)
		return cli_usage_error(prog, "serve: --migtd-external and --vm exclude each other");
	if (raw && vm)
		return cli_usage_error(prog, "serve: --profile vmcall-raw runs the migtd program "
					     "(no --vm)");
	if (!dir || !control || (!root && !chain))
		return cli_usage_error(prog,
				       "serve: --pki, --control and --root-ca (or, policy v2, "
				       "--issuer-chain) are required");
	if (chain && vm)
		return cli_usage_error(prog, "serve: --issuer-chain is not offered with --vm");
	if (chain)
		root = chain; /* checked for access below; emu_vmm_launch ignores it in v2 */
	if (strlen(control) >= sizeof(sa.sun_path))
		return cli_usage_error(prog, "serve: --control path longer than %zu bytes",
				       sizeof(sa.sun_path) - 1);
	if (!policy)
		policy = cli_default_path(CLI_DEFAULT_POLICY);
	if (access(policy, R_OK) != 0)
		return cli_error(CLI_EXIT_IO, prog, "serve: policy %s: %s", policy,
				 strerror(errno));
	if (access(root, R_OK) != 0)
		return cli_error(CLI_EXIT_IO, prog, "serve: root CA %s: %s", root, strerror(errno));
	c = control_path_claim(control);
	if (c)
		return c;
	memset(&srv, 0, sizeof(srv));
	srv.next_port = 40001;
	emu_vmm_init(&srv.vmm);
	srv.plat = emu_vmm_add_platform(&srv.vmm, "platform", dir, msg, sizeof(msg));
	if (!srv.plat) {
		fprintf(stderr, "migtd-vmm serve: %s\n", msg);
		return CLI_EXIT_INPUT;
	}
	/* Other platforms' collateral this host's QGS serves, as a PCCS
	 * caching Intel PCS would (GET_COLLATERAL for the peer's FMSPC). */
	for (unsigned i = 0; i < npcs; i++) {
		if (emu_collateral_load(&pcs[i], pcs_dir[i], msg, sizeof(msg)) != MIGTD_OK) {
			fprintf(stderr, "migtd-vmm serve: --pcs: %s\n", msg);
			emu_vmm_fini(&srv.vmm);
			return CLI_EXIT_INPUT;
		}
		srv.plat->host.pcs[srv.plat->host.pcs_n++] = &pcs[i];
	}
	srv.plat->echo_log = true;
	srv.plat->raw = raw;
	srv.plat->host.tdx.min_export_version = ex_lo;
	srv.plat->host.tdx.max_export_version = ex_hi;
	srv.plat->host.tdx.min_import_version = im_lo;
	srv.plat->host.tdx.max_import_version = im_hi;
	srv.plat->issuer_chain = chain;
	srv.plat->has_owner = has_owner;
	memcpy(srv.plat->mrowner, mrowner, sizeof(mrowner));
	memcpy(srv.plat->mrownerconfig, mrownerconfig, sizeof(mrownerconfig));
	srv.plat->has_init_data = has_init_mro || has_init_mroc;
	memcpy(srv.plat->init_mrowner, has_init_mro ? init_mro : mrowner, 48);
	memcpy(srv.plat->init_mrownerconfig, has_init_mroc ? init_mroc : mrownerconfig, 48);
	memcpy(sa.sun_path, control, strlen(control) + 1);
	srv.control_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv.control_fd < 0 || bind(srv.control_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(srv.control_fd, 8) != 0) {
		fprintf(stderr, "migtd-vmm serve: cannot listen on %s: %s\n", control,
			strerror(errno));
		emu_vmm_fini(&srv.vmm);
		return CLI_EXIT_IO;
	}
	emu_vmm_watch(&srv.vmm, srv.control_fd, serve_on_control, &srv);
	vmm_migtd_path(self, migtd, sizeof(migtd));
	if (!image)
		image = cli_default_path(CLI_DEFAULT_IMAGE);
	if (!td_args.shim)
		td_args.shim = cli_default_path(CLI_DEFAULT_TDSHIM);
	if (vm ? serve_launch_vm(srv.plat, self, dir, image, qemu, policy, root, guest_cid,
				 td ? &td_args : NULL, msg, sizeof(msg))
	    : external
		    ? emu_vmm_measure(srv.plat, migtd, msg, sizeof(msg))
		    : emu_vmm_launch(srv.plat, migtd, policy, root, level, tmo, msg, sizeof(msg))) {
		fprintf(stderr, "migtd-vmm serve: %s\n", msg);
		emu_vmm_fini(&srv.vmm);
		close(srv.control_fd);
		unlink(control);
		return CLI_EXIT_RUNTIME;
	}
	signal(SIGTERM, serve_on_signal);
	signal(SIGINT, serve_on_signal);
	printf("serving platform %s (control socket %s)\n", dir, control);
	if (external)
		printf("waiting for a migtd on %s (relay %s)\n", srv.plat->link_path,
		       srv.plat->relay_path);
	fflush(stdout);
	/* false: the migtd died (a MigTD serves forever). */
	ok = emu_vmm_run(&srv.vmm, serve_done, &srv, UINT64_MAX / 2);
	abnormal = emu_vmm_fini(&srv.vmm);
	for (unsigned i = 0; i < npcs; i++)
		emu_collateral_free(&pcs[i]);
	close(srv.control_fd);
	unlink(control);
	return ok && !abnormal ? CLI_EXIT_OK : CLI_EXIT_RUNTIME;
}

static int cmd_ctl(int argc, char **argv)
{
	static char reply[EMU_VMM_MAX_REQUESTS * 160 + 64];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char line[512] = "";
	size_t used = 0;
	ssize_t n;
	int fd;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (argc < 3)
		return cli_usage_error(prog, "ctl SOCKET COMMAND...");
	if (strlen(argv[1]) >= sizeof(sa.sun_path))
		return cli_usage_error(prog, "ctl: socket path longer than %zu bytes",
				       sizeof(sa.sun_path) - 1);
	for (int i = 2; i < argc; i++) {
		int w = snprintf(line + used, sizeof(line) - used, "%s%s", i > 2 ? " " : "",
				 argv[i]);

		if (w < 0 || (size_t)w >= sizeof(line) - used - 1)
			return cli_usage_error(prog, "ctl: command too long");
		used += (size_t)w;
	}
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "migtd-vmm ctl: cannot connect to %s: %s\n", argv[1],
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return CLI_EXIT_IO;
	}
	strcat(line, "\n");
	if (send(fd, line, strlen(line), MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "migtd-vmm ctl: %s: %s\n", argv[1], strerror(errno));
		close(fd);
		return CLI_EXIT_IO;
	}
	used = 0;
	while (used < sizeof(reply) - 1 &&
	       (n = recv(fd, reply + used, sizeof(reply) - 1 - used, 0)) > 0)
		used += (size_t)n;
	reply[used] = '\0';
	close(fd);
	if (used == 0) {
		fprintf(stderr, "migtd-vmm ctl: %s closed without an answer\n", argv[1]);
		return CLI_EXIT_IO;
	}
	if (strncmp(reply, "error", 5) == 0) {
		fprintf(stderr, "migtd-vmm ctl: %s", reply);
		return CLI_EXIT_FAIL;
	}
	fputs(reply, stdout);
	return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error(prog, "a command is needed (see --help)");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		cli_print_version(prog);
		return CLI_EXIT_OK;
	}
	if (psa_crypto_init() != PSA_SUCCESS) {
		fprintf(stderr, "migtd-vmm: PSA crypto initialisation failed\n");
		return CLI_EXIT_RUNTIME;
	}
	if (!strcmp(argv[1], "pki") && argc >= 3 && !strcmp(argv[2], "init"))
		return cmd_pki_init(argc - 2, argv + 2);
	if (!strcmp(argv[1], "pki") && argc >= 3 && !strcmp(argv[2], "revoke"))
		return cmd_pki_revoke(argc - 2, argv + 2);
	if (!strcmp(argv[1], "pki") && argc >= 3 && !strcmp(argv[2], "tcb"))
		return cmd_pki_tcb(argc - 2, argv + 2);
	if (!strcmp(argv[1], "pki") && argc >= 3 && !strcmp(argv[2], "policy-issuer"))
		return vmm_cmd_pki_policy_issuer(argc - 2, argv + 2);
	if (!strcmp(argv[1], "pki") && argc >= 3 && !strcmp(argv[2], "policy-v2"))
		return vmm_cmd_pki_policy_v2(argc - 2, argv + 2);
	if (!strcmp(argv[1], "pki"))
		return cli_usage_error(prog, "pki init DIR | pki revoke DIR (--pck | --serial N) | "
					     "pki tcb DIR | pki policy-issuer DIR | pki policy-v2");
	if (!strcmp(argv[1], "quote"))
		return cmd_quote(argc - 1, argv + 1);
	if (!strcmp(argv[1], "demo"))
		return cmd_demo(argc - 1, argv + 1, argv[0]);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1, argv[0]);
	if (!strcmp(argv[1], "serve"))
		return cmd_serve(argc - 1, argv + 1, argv[0]);
	if (!strcmp(argv[1], "ctl"))
		return cmd_ctl(argc - 1, argv + 1);
	if (argv[1][0] == '-')
		return cli_usage_error(prog, "unrecognized option '%s'", argv[1]);
	return cli_usage_error(prog, "unknown command '%s'", argv[1]);
}
