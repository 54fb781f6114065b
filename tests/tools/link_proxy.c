/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * link_proxy -- a hostile VMM for tests: sits on the platform link between
 * `migtd` and the emulated host (`migtd-vmm serve`) and, by rule, closes
 * the link, stalls, truncates, lengthens or corrupts the host's answer of
 * one kind at its k-th occurrence (docs/vmm-failures.md says what the
 * MigTD must then do; tests/e2e/hostile_vmm.sh checks it).
 *
 *   link_proxy --listen PATH --connect PATH [--rule RULE]...
 *
 *   RULE = ACTION:KIND[:K[:N]]
 *     ACTION  close     close both ends of the link (and exit)
 *             stall     never forward the answer
 *             truncate  forward only its first 16 payload bytes
 *             lengthen  append 4096 zero bytes to its payload
 *             corrupt   flip every bit of payload byte 16: after the VMCALL
 *                       status, the low byte of a GetQuote buffer's status
 *                       word, a byte of a Service response's GUID
 *             garble    break the frame header's magic (the stream cannot
 *                       be resynchronised)
 *     KIND    QUERY, WFR, REPORT (Service answers to Query, WaitForRequest,
 *             ReportStatus), GET_QUOTE, GET_COLLATERAL (GetQuote carrying a
 *             QGS quote or collateral request), MR_REPORT, RTMR_EXTEND,
 *             SERVTD_RD, SERVTD_WR, SYS_RD, or ANY
 *     K       the first occurrence of KIND it applies to (1-based, default 1)
 *     N       how many occurrences from K (default 1; 0 = every one)
 *
 * Frames are parsed with the link's own codec (src/emulink/link.c); every
 * action taken is logged on stderr as "link_proxy: ACTION KIND #n (seq S)".
 * The proxy serves one MigTD connection and exits when either end closes.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "emu_link.h"
#include "emu_link_fd.h"
#include "migtd/ghci.h"
#include "migtd/wire.h"

enum px_kind {
	PX_QUERY,
	PX_WFR,
	PX_REPORT,
	PX_SERVICE_OTHER,
	PX_GET_QUOTE,
	PX_GET_COLLATERAL,
	PX_MR_REPORT,
	PX_RTMR_EXTEND,
	PX_SERVTD_RD,
	PX_SERVTD_WR,
	PX_SYS_RD,
	PX_KIND_COUNT,
	PX_ANY = PX_KIND_COUNT,
};

static const char *const px_kind_names[PX_KIND_COUNT + 1] = {
	"QUERY",     "WFR",         "REPORT",    "SERVICE",   "GET_QUOTE", "GET_COLLATERAL",
	"MR_REPORT", "RTMR_EXTEND", "SERVTD_RD", "SERVTD_WR", "SYS_RD",    "ANY",
};

enum px_action { PX_CLOSE, PX_STALL, PX_TRUNCATE, PX_LENGTHEN, PX_CORRUPT, PX_GARBLE };

static const char *const px_action_names[] = { "close",    "stall",   "truncate",
					       "lengthen", "corrupt", "garble" };

struct px_rule {
	enum px_action action;
	unsigned kind; /* enum px_kind or PX_ANY */
	unsigned first, count;
};

#define PX_MAX_RULES 16
#define PX_MAX_SEQS 4096 /* requests remembered by sequence number */

struct px_dir {
	int from, to;
	uint8_t buf[EMU_LINK_FRAME_MAX];
	size_t len;
};

static struct px_rule rules[PX_MAX_RULES];
static unsigned nrules;
static unsigned seen[PX_KIND_COUNT];
static struct {
	uint32_t seq;
	uint8_t kind;
} seqs[PX_MAX_SEQS];
/* An answer may grow by 4096 bytes (lengthen). */
static uint8_t out[EMU_LINK_FRAME_MAX + 4096];

static int parse_kind(const char *s, unsigned *kind)
{
	for (unsigned i = 0; i <= PX_KIND_COUNT; i++)
		if (!strcmp(s, px_kind_names[i])) {
			*kind = i;
			return 0;
		}
	return -1;
}

static int parse_rule(const char *arg, struct px_rule *r)
{
	char tmp[128], *save = NULL, *f;
	unsigned i;

	if (strlen(arg) >= sizeof(tmp))
		return -1;
	memcpy(tmp, arg, strlen(arg) + 1);
	f = strtok_r(tmp, ":", &save);
	for (i = 0; f && i < sizeof(px_action_names) / sizeof(px_action_names[0]); i++)
		if (!strcmp(f, px_action_names[i]))
			break;
	if (!f || i == sizeof(px_action_names) / sizeof(px_action_names[0]))
		return -1;
	r->action = (enum px_action)i;
	f = strtok_r(NULL, ":", &save);
	if (!f || parse_kind(f, &r->kind))
		return -1;
	r->first = 1;
	r->count = 1;
	f = strtok_r(NULL, ":", &save);
	if (f)
		r->first = (unsigned)strtoul(f, NULL, 10);
	f = strtok_r(NULL, ":", &save);
	if (f)
		r->count = (unsigned)strtoul(f, NULL, 10);
	return r->first ? 0 : -1;
}

/* What a request from the MigTD asks for (Service: by GUID and command). */
static unsigned request_kind(const struct emu_link_frame *f)
{
	struct ghci_migtd_cmd mc;

	switch (f->op) {
	case EMU_LINK_SERVICE:
		/* wait_ms u64, rsp_cap u32, then the command buffer, read by the
		 * GHCI parsers the VMM side uses */
		if (f->len < 12)
			return PX_SERVICE_OTHER;
		if (migtd_ghci_query_cmd_parse(f->payload + 12, f->len - 12,
					       &(struct ghci_query){ 0 }) == MIGTD_OK)
			return PX_QUERY;
		if (migtd_ghci_migtd_cmd_parse(f->payload + 12, f->len - 12, &mc) != MIGTD_OK)
			return PX_SERVICE_OTHER;
		if (mc.command == GHCI_MIGTD_CMD_WAIT_FOR_REQUEST)
			return PX_WFR;
		return mc.command == GHCI_MIGTD_CMD_REPORT_STATUS ? PX_REPORT : PX_SERVICE_OTHER;
	case EMU_LINK_GET_QUOTE:
		/* GHCI header (24), BE size (4), QGS header: u16 major, u16
		 * minor, u32 type at 32 (2: GET_COLLATERAL_REQ) */
		return f->len > 32 && f->payload[32] == GHCI_QGS_GET_COLLATERAL_REQ
			       ? PX_GET_COLLATERAL
			       : PX_GET_QUOTE;
	case EMU_LINK_MR_REPORT: return PX_MR_REPORT;
	case EMU_LINK_RTMR_EXTEND: return PX_RTMR_EXTEND;
	case EMU_LINK_SERVTD_RD: return PX_SERVTD_RD;
	case EMU_LINK_SERVTD_WR: return PX_SERVTD_WR;
	default: return PX_SYS_RD;
	}
}

static void remember(uint32_t seq, unsigned kind)
{
	seqs[seq % PX_MAX_SEQS].seq = seq;
	seqs[seq % PX_MAX_SEQS].kind = (uint8_t)kind;
}

static unsigned answer_kind(uint32_t seq)
{
	if (seqs[seq % PX_MAX_SEQS].seq != seq)
		return PX_KIND_COUNT; /* not a request we saw */
	return seqs[seq % PX_MAX_SEQS].kind;
}

static int send_all(int fd, const void *buf, size_t len)
{
	return emu_fd_write_all(fd, buf, len, 10000) == MIGTD_OK ? 0 : -1;
}

/* Forward one answer from the host, or do what a rule says. 1: close. */
static int on_answer(int to, const struct emu_link_frame *f, const uint8_t *raw, size_t raw_len)
{
	unsigned kind = answer_kind(f->seq);
	unsigned n;
	size_t plen = f->len;

	if (kind >= PX_KIND_COUNT)
		return send_all(to, raw, raw_len) ? 1 : 0;
	n = ++seen[kind];
	memcpy(out, raw, raw_len);
	for (unsigned i = 0; i < nrules; i++) {
		const struct px_rule *r = &rules[i];

		if ((r->kind != PX_ANY && r->kind != kind) || n < r->first ||
		    (r->count && n >= r->first + r->count))
			continue;
		fprintf(stderr, "link_proxy: %s %s #%u (seq %u)\n", px_action_names[r->action],
			px_kind_names[kind], n, f->seq);
		switch (r->action) {
		case PX_CLOSE: return 1;
		case PX_STALL: return 0;
		case PX_TRUNCATE:
			if (plen > 16)
				plen = 16;
			break;
		case PX_LENGTHEN:
			memset(out + EMU_LINK_HDR_LEN + plen, 0, 4096);
			plen += 4096;
			if (plen > EMU_LINK_MAX_PAYLOAD)
				plen = EMU_LINK_MAX_PAYLOAD;
			break;
		case PX_CORRUPT: out[EMU_LINK_HDR_LEN + (plen > 16 ? 16 : 0)] ^= 0xFF; break;
		case PX_GARBLE: out[0] ^= 0xFF; break;
		}
		break; /* the first matching rule decides */
	}
	if (out[0] == raw[0] && emu_link_header(out, f->op, f->seq, plen) != MIGTD_OK)
		return 1;
	return send_all(to, out, EMU_LINK_HDR_LEN + plen) ? 1 : 0;
}

/* Read from d->from; pass whole frames on. 1: this end closed (or a rule). */
static int pump(struct px_dir *d, bool answers)
{
	ssize_t n = read(d->from, d->buf + d->len, sizeof(d->buf) - d->len);
	struct emu_link_frame f;
	size_t used = 0;
	int ret;

	if (n <= 0)
		return 1;
	d->len += (size_t)n;
	while ((ret = emu_link_parse(d->buf, d->len, &f, &used)) == MIGTD_OK) {
		if (answers) {
			if (on_answer(d->to, &f, d->buf, used))
				return 1;
		} else {
			remember(f.seq, request_kind(&f));
			if (send_all(d->to, d->buf, used))
				return 1;
		}
		memmove(d->buf, d->buf + used, d->len - used);
		d->len -= used;
	}
	if (ret != MIGTD_ERR_AGAIN) { /* not a link stream: pass it on as it is */
		if (send_all(d->to, d->buf, d->len))
			return 1;
		d->len = 0;
	}
	return 0;
}

static int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1)) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "connect", required_argument, NULL, 'c' },
		{ "rule", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	static struct px_dir up, down; /* up: MigTD -> host, down: host -> MigTD */
	const char *lpath = NULL, *cpath = NULL;
	int c, lfd, mfd, hfd;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l': lpath = optarg; break;
		case 'c': cpath = optarg; break;
		case 'r':
			if (nrules == PX_MAX_RULES || parse_rule(optarg, &rules[nrules])) {
				fprintf(stderr, "link_proxy: bad --rule '%s'\n", optarg);
				return 2;
			}
			nrules++;
			break;
		default: return 2;
		}
	}
	if (!lpath || !cpath) {
		fprintf(stderr,
			"usage: link_proxy --listen PATH --connect PATH [--rule RULE]...\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	lfd = listen_unix(lpath);
	if (lfd < 0) {
		fprintf(stderr, "link_proxy: cannot listen on %s: %s\n", lpath, strerror(errno));
		return 4;
	}
	/* The test waits for this line, not for the socket file: the file
	 * exists from bind() on, and a connect before listen() is refused. */
	fprintf(stderr, "link_proxy: listening on %s\n", lpath);
	mfd = accept(lfd, NULL, NULL);
	close(lfd);
	unlink(lpath);
	hfd = mfd < 0 ? -1 : emu_fd_connect_unix(cpath);
	if (hfd < 0) {
		fprintf(stderr, "link_proxy: cannot connect %s: %s\n", cpath, strerror(errno));
		return 4;
	}
	up.from = mfd;
	up.to = hfd;
	down.from = hfd;
	down.to = mfd;
	for (;;) {
		struct pollfd pfd[2] = { { .fd = mfd, .events = POLLIN },
					 { .fd = hfd, .events = POLLIN } };

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents && pump(&up, false))
			break;
		if (pfd[1].revents && pump(&down, true))
			break;
	}
	fprintf(stderr, "link_proxy: link closed\n");
	close(mfd);
	close(hfd);
	return 0;
}
