/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * migtd -- the Migration TD as a Linux program, on the emulated platform.
 *
 * It boots like the firmware would: reads its enrolled configuration (the
 * policy and the root CA, files standing in for the image's CFV), connects
 * to its platform (the emulated host's platform link: TDX module, VMM,
 * quoting service), lets the core measure the configuration into RTMR2 with
 * CC event log entries, sends Query and then serves migration requests
 * forever. Everything protocol-related is in the portable core; this file
 * only wires a Linux process to it: sockets, poll(), the log sink.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <psa/crypto.h>

#include "emu_link_fd.h"
#include "emu_platform.h"
#include "hostio.h"
#include "migtd/log.h"
#include "migtd/logarea.h"
#include "migtd/rawstream.h"
#include "migtd/session.h"
#include "uvsock.h"
#include "atomic_file.h"
#include "cli.h"
#include "rootca.h"

enum log_format { LOG_TEXT, LOG_JSON };

static enum log_format log_format = LOG_TEXT;
static volatile sig_atomic_t stop;

/* Large state lives here, not on the stack. */
static struct migtd_core core;
static struct emu_platform eplat;
static struct uvsock uv;
static struct migtd_rawstreams rawstreams;
static struct migtd_rawstream rawstream_slots[MIGTD_MAX_SESSIONS];

/*
 * vmcall-raw log area (docs/vmcall-raw.md): a process has one vCPU. Its page
 * is mirrored to the emulated host after every change (the VMM reads it
 * there, as it would read the shared page).
 */
#define LOGAREA_GPA 0xF0000000ull /* the emulated page's address, as reported */
static bool logarea_on;
static struct migtd_logarea logarea;

static void logarea_publish(void *ctx, uint32_t vcpu, const uint8_t page[MIGTD_LOGAREA_PAGE])
{
	(void)ctx;
	(void)emu_platform_log_page(&eplat, vcpu, page);
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void json_escape(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

static void log_sink(void *ctx, enum migtd_log_level level, uint64_t request_id, const char *msg,
		     size_t len)
{
	struct timespec ts;

	(void)ctx;
	if (logarea_on)
		migtd_logarea_log(&logarea, (uint8_t)level, request_id, msg, len);
	clock_gettime(CLOCK_REALTIME, &ts);
	if (log_format == LOG_JSON) {
		fprintf(stderr, "{\"ts\":%lld.%03ld,\"level\":\"%s\",", (long long)ts.tv_sec,
			ts.tv_nsec / 1000000, migtd_log_level_name(level));
		if (request_id != MIGTD_LOG_NO_REQUEST)
			fprintf(stderr, "\"request_id\":%llu,", (unsigned long long)request_id);
		fputs("\"msg\":\"", stderr);
		json_escape(stderr, msg, len);
		fputs("\"}\n", stderr);
	} else if (request_id != MIGTD_LOG_NO_REQUEST) {
		fprintf(stderr, "%-5s [req %llu] %.*s\n", migtd_log_level_name(level),
			(unsigned long long)request_id, (int)len, msg);
	} else {
		fprintf(stderr, "%-5s %.*s\n", migtd_log_level_name(level), (int)len, msg);
	}
	fflush(stderr);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: migtd --platform SOCKET --relay SOCKET [options]\n"
		"\n"
		"The migtd-c Migration TD as a Linux process on the emulated TDX platform.\n"
		"It measures its policy and root CA, then serves pre-migration requests.\n"
		"\n"
		"  --policy FILE        migration policy v1 (default: the installed policy.json,\n"
		"                       %s in the source tree); with --policy-v2 the\n"
		"                       signed policy v2 file (required)\n"
		"  --policy-v2          run as a policy v2 MigTD (upstream's policy_v2 build): the\n"
		"                       pre-session exchange before TLS, peers judged by the signed\n"
		"                       policy; the host must give this TD the MROWNER and\n"
		"                       MROWNERCONFIG the policy implies (migtd-vmm --mrowner ...)\n"
		"  --policy-issuer-chain FILE\n"
		"                       policy v2: the policy issuer chain, PEM, leaf first\n"
		"  --root-ca FILE       policy v1: the attestation root CA to enroll, DER or PEM; a\n"
		"                       valid root certificate is measured as DER whatever its\n"
		"                       encoding (default: Intel's production root, %s)\n"
		"  --platform SOCKET    the emulated host's platform link (Unix socket)\n"
		"  --relay SOCKET       the VMM's stream socket (vsock stand-in)\n"
		"  --timeout-ms N       per-step timeout (default 60000)\n"
		"  --vmm-timeout-ms N   how long one platform call waits for the emulated host:\n"
		"                       a TDX-module call, Query, ReportStatus, one GetQuote\n"
		"                       attempt (default 30000; docs/vmm-failures.md)\n"
		"  --profile P          service|vmcall-raw: the VMM interface (default service;\n"
		"                       vmcall-raw: TDG.VP.VMCALL<MigTD>, streams over Send/Receive,\n"
		"                       the log area; --relay is then not used)\n"
		"  --log-level L        error|warn|info|debug|trace (default info)\n"
		"  --log-format F       text|json (default text)\n"
		"  --help               this text\n"
		"  --version            print the version\n"
		"\n"
		"Defaults are found next to the program, never in the current directory.\n"
		"Certificate validity in quotes is checked against this machine's clock:\n"
		"a MigTD has no trusted time.\n",
		cli_default_name(CLI_DEFAULT_POLICY), cli_default_name(CLI_DEFAULT_ROOT_CA));
	cli_print_exit_codes(f);
}

static int64_t host_wall_clock(void *ctx)
{
	(void)ctx;
	return (int64_t)time(NULL);
}

/*
 * FOR TESTS ONLY (like migtd-vmm's td-state): with MIGTD_DUMP_VERIFIED=DIR
 * in the environment, each peer quote that verified and the verified report
 * the policy saw are written to DIR/peer-<request id>.quote and .report, so
 * tests/e2e/collateral.sh can compare the report with `migtd-quote verify
 * --time collateral --out` on the same quote and collateral
 * (docs/collateral.md). Both are public (the quote travels in the peer's
 * certificate).
 */
static void dump_verified(const struct migtd_core *c, const char *dir, uint64_t *seen)
{
	static const char *const ext[2] = { "quote", "report" };
	const uint8_t *data[2] = { c->last_peer_quote, c->last_peer_report };
	size_t len[2] = { c->last_peer_quote_len, MIGTD_VERIFIED_REPORT_SIZE };

	if (!dir || c->peer_quotes_verified == *seen)
		return;
	*seen = c->peer_quotes_verified;
	for (int i = 0; i < 2; i++) {
		char path[4096];
		int w = snprintf(path, sizeof(path), "%s/peer-%llu.%s", dir,
				 (unsigned long long)c->last_peer_request, ext[i]);

		if (w > 0 && (size_t)w < sizeof(path))
			atomic_file_write("migtd", path, data[i], len[i], 0644);
	}
}

/* A decimal number of milliseconds, the whole argument: 0, or -1. */
static int parse_ms(const char *arg, unsigned long *ms)
{
	char *end;

	*ms = strtoul(arg, &end, 10);
	return *end || !*arg ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "root-ca", required_argument, NULL, 'r' },
		{ "policy-v2", no_argument, NULL, '2' },
		{ "policy-issuer-chain", required_argument, NULL, 'I' },
		{ "platform", required_argument, NULL, 'P' },
		{ "relay", required_argument, NULL, 'R' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "vmm-timeout-ms", required_argument, NULL, 'T' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "log-format", required_argument, NULL, 'f' },
		{ "profile", required_argument, NULL, 'Q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *policy_path = NULL, *root_path = NULL, *chain_path = NULL;
	bool policy_v2 = false;
	uint8_t *chain = NULL;
	size_t chain_len = 0;
	char why[160];
	uint8_t *der;
	size_t der_len;
	const char *platform_path = NULL, *relay_path = NULL;
	enum migtd_log_level level = MIGTD_LOG_INFO;
	struct migtd_config cfg = { 0 };
	struct migtd_platform plat = { 0 };
	struct emu_link_fd link;
	struct emu_link_io io;
	uint8_t *policy = NULL, *root = NULL;
	size_t policy_len = 0, root_len = 0;
	int c, fd, ret;
	const char *dump_dir;
	uint64_t dumped = 0;
	unsigned long timeout = 60000, vmm_timeout = 30000;
	const char *lost_why = NULL;
	enum migtd_profile profile = MIGTD_PROFILE_SERVICE;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': policy_path = optarg; break;
		case 'r': root_path = optarg; break;
		case '2': policy_v2 = true; break;
		case 'I': chain_path = optarg; break;
		case 'P': platform_path = optarg; break;
		case 'R': relay_path = optarg; break;
		case 't':
			if (parse_ms(optarg, &timeout))
				return cli_usage_error("migtd", "bad --timeout-ms '%s'", optarg);
			break;
		case 'T':
			if (parse_ms(optarg, &vmm_timeout) || vmm_timeout == 0 ||
			    vmm_timeout > 3600000)
				return cli_usage_error("migtd",
						       "bad --vmm-timeout-ms '%s' (1..3600000)",
						       optarg);
			break;
		case 'l':
			level = migtd_log_level_parse(optarg);
			if (!level)
				return cli_usage_error("migtd", "unknown log level '%s'", optarg);
			break;
		case 'f':
			if (!strcmp(optarg, "json"))
				log_format = LOG_JSON;
			else if (!strcmp(optarg, "text"))
				log_format = LOG_TEXT;
			else
				return cli_usage_error("migtd", "unknown log format '%s'", optarg);
			break;
		case 'Q':
			if (!strcmp(optarg, "service"))
				profile = MIGTD_PROFILE_SERVICE;
			else if (!strcmp(optarg, "vmcall-raw"))
				profile = MIGTD_PROFILE_VMCALL_RAW;
			else
				return cli_usage_error("migtd", "unknown profile '%s'", optarg);
			break;
		case 'h': usage(stdout); return CLI_EXIT_OK;
		case 'V': cli_print_version("migtd"); return CLI_EXIT_OK;
		default: return cli_try_help("migtd");
		}
	}
	if (optind != argc)
		return cli_usage_error("migtd", "unexpected argument '%s'", argv[optind]);
	if (!platform_path || (!relay_path && profile == MIGTD_PROFILE_SERVICE))
		return cli_usage_error("migtd", "--platform and --relay are required");
	if (!relay_path)
		relay_path = "-";
	if (timeout == 0 || timeout > 3600000)
		return cli_usage_error("migtd", "--timeout-ms must be 1..3600000");
	if (policy_v2) {
		/* v2 has no default policy (it is signed for its owner) and no
		 * root CA of its own: the root comes from the policy. */
		if (!policy_path || !chain_path)
			return cli_usage_error(
				"migtd", "--policy-v2 needs --policy and --policy-issuer-chain");
		if (root_path)
			return cli_usage_error("migtd", "--root-ca is a policy v1 option; policy "
							"v2 takes the root CA from the policy");
	} else if (chain_path) {
		return cli_usage_error("migtd", "--policy-issuer-chain needs --policy-v2");
	}
	if (!policy_path)
		policy_path = cli_default_path(CLI_DEFAULT_POLICY);
	if (!root_path && !policy_v2)
		root_path = cli_default_path(CLI_DEFAULT_ROOT_CA);
	if (hostio_read_file(policy_path, HOSTIO_READ_MAX, &policy, &policy_len) != MIGTD_OK)
		return cli_error(CLI_EXIT_IO, "migtd", "cannot read the policy %s", policy_path);
	if (root_path && hostio_read_file(root_path, HOSTIO_READ_MAX, &root, &root_len) != MIGTD_OK)
		return cli_error(CLI_EXIT_IO, "migtd", "cannot read the root CA %s", root_path);
	if (chain_path &&
	    hostio_read_file(chain_path, HOSTIO_READ_MAX, &chain, &chain_len) != MIGTD_OK)
		return cli_error(CLI_EXIT_IO, "migtd", "cannot read the policy issuer chain %s",
				 chain_path);
	if (psa_crypto_init() != PSA_SUCCESS)
		return cli_error(CLI_EXIT_RUNTIME, "migtd", "PSA crypto initialisation failed");
	/* One canonical encoding, as migtd-image enroll stores it, so PEM and
	 * DER measure the same (docs/cli.md, "Root CA"). Anything else is
	 * measured as given: the quote verification then names the problem. */
	if (!root) {
		/* policy v2: nothing to canonicalise */
	} else if (rootca_canonical(root, root_len, &der, &der_len, why, sizeof(why)) == 0) {
		free(root);
		root = der;
		root_len = der_len;
	} else {
		fprintf(stderr, "migtd: warning: root CA %s: %s (measured as given)\n", root_path,
			why);
	}
	fd = emu_fd_connect_unix(platform_path);
	if (fd < 0)
		return cli_error(CLI_EXIT_IO, "migtd", "cannot connect to the platform link %s: %s",
				 platform_path, strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	/* A TDCALL-style leaf waits this long for the emulated TDX module. */
	emu_link_fd_io(&link, fd, (int)vmm_timeout, &io);
	if (profile == MIGTD_PROFILE_VMCALL_RAW) {
		migtd_logarea_init(&logarea, LOGAREA_GPA, logarea_publish, NULL);
		logarea_on = true;
	}
	migtd_log_init(&plat.log, log_sink, NULL, level);
	emu_platform_init(&eplat, &io, &plat.log);
	eplat.sync_timeout_ms = (uint32_t)vmm_timeout;
	if (uvsock_init(&uv, relay_path) != MIGTD_OK)
		return cli_usage_error("migtd", "relay socket path too long");
	plat.ops = &emu_platform_ops;
	plat.ctx = &eplat;
	plat.stream_ops = &uvsock_stream_ops;
	plat.stream_ctx = &uv;

	cfg.policy = policy;
	cfg.policy_len = policy_len;
	cfg.root_ca = root;
	cfg.root_ca_len = root_len;
	cfg.policy_v2 = policy_v2;
	cfg.issuer_chain = chain;
	cfg.issuer_chain_len = chain_len;
	cfg.timeout_ms = (uint32_t)timeout;
	cfg.vmm_timeout_ms = (uint32_t)vmm_timeout;
	cfg.verify_time = (int64_t)time(NULL);
	/* Read per session; only decides when cached collateral is refetched
	 * (the host's clock is the VMM's: docs/collateral.md). */
	cfg.wall_clock = host_wall_clock;
	cfg.require_socket_info = true;
	cfg.max_sessions = MIGTD_MAX_SESSIONS;
	/* Our own quote verified at boot, not in every session (docs/performance.md). */
	cfg.own_quote_once = true;
	if (profile == MIGTD_PROFILE_VMCALL_RAW) {
		/* The streams are Send/Receive calls on the platform link. */
		migtd_rawstreams_init(&rawstreams, &plat, rawstream_slots, MIGTD_MAX_SESSIONS);
		plat.stream_ops = &migtd_rawstream_ops;
		plat.stream_ctx = &rawstreams;
		cfg.profile = MIGTD_PROFILE_VMCALL_RAW;
		cfg.require_socket_info = false;
		cfg.log_area.enable = migtd_logarea_enable;
		cfg.log_area.ctx = &logarea;
	}

	ret = migtd_core_init(&core, &plat, &cfg);
	dump_dir = getenv("MIGTD_DUMP_VERIFIED");
	while (ret == MIGTD_OK && !stop) {
		struct pollfd pfd[1 + UVSOCK_MAX_STREAMS];
		nfds_t n = 0;
		uint64_t wake = 0, now;
		int wait_ms;

		ret = migtd_core_poll(&core, &wake);
		/* Without its platform a MigTD can do nothing: stop at once
		 * (docs/vmm-failures.md), not spin on a dead socket. */
		if (ret != MIGTD_OK || emu_platform_link_lost(&eplat, NULL))
			break;
		dump_verified(&core, dump_dir, &dumped);
		/* Sleep until the link or a stream has bytes, or the core's deadline. */
		pfd[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
		for (size_t i = 0; i < UVSOCK_MAX_STREAMS; i++)
			if (uv.streams[i].fd >= 0)
				pfd[n++] =
					(struct pollfd){ .fd = uv.streams[i].fd, .events = POLLIN };
		now = emu_linux_now_ms();
		wait_ms = wake > now ? (int)(wake - now < 50 ? wake - now : 50) : 0;
		if (eplat.rx_len)
			wait_ms = 0; /* frames already buffered */
		if (poll(pfd, n, wait_ms) > 0 && pfd[0].revents)
			/* Answers, or the end of the link, are taken now, even
			 * when no call of the core is waiting for one. */
			(void)emu_platform_service_link(&eplat);
		if (emu_platform_link_lost(&eplat, NULL))
			break;
	}
	/* Lost in the loop or already in migtd_core_init: exit 6 either way. */
	if (emu_platform_link_lost(&eplat, &lost_why))
		MIGTD_ERROR(&plat.log, MIGTD_LOG_NO_REQUEST,
			    "fatal: the platform link is gone (%s): stopping", lost_why);
	else if (ret != MIGTD_OK)
		MIGTD_ERROR(&plat.log, MIGTD_LOG_NO_REQUEST, "fatal: %s (status %d)",
			    migtd_err_str(ret), migtd_err_status(ret));
	migtd_core_fini(&core);
	uvsock_fini(&uv);
	close(fd);
	free(policy);
	free(root);
	free(chain);
	if (lost_why)
		return CLI_EXIT_LINK_LOST;
	/* An enrolled configuration the core refuses is invalid input; any
	 * other fatal error means the MigTD could not run (docs/cli.md). */
	if (ret == MIGTD_OK)
		return CLI_EXIT_OK;
	return ret == MIGTD_ERR_INVALID_ROOT_CA || ret == MIGTD_ERR_INVALID_POLICY
		       ? CLI_EXIT_INPUT
		       : CLI_EXIT_RUNTIME;
}
