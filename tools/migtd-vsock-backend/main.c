/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * migtd-vsock-backend -- the vhost-user-vsock device backend of the
 * emulated host (docs/vhost-user.md).
 *
 * QEMU's `-device vhost-user-vsock-pci` leaves the device to this program:
 * libvhost-user speaks the vhost-user protocol (guest memory table, vrings,
 * kick/call eventfds), src/emuhost/vsockdev.c is the virtio-vsock device
 * (connections, credit, RST/SHUTDOWN), and this file joins the two and
 * opens the host end of each guest connection as the `migtd` process
 * would:
 *   - host port MIGTD_EMU_LINK_VSOCK_PORT: the emulated platform's link
 *     socket (MLNK frames, as they come; migtd/emu_link.h);
 *   - any other host port: the VMM's relay socket, opened with the
 *     16-byte MVSK hello naming (CID 2, port), then the raw stream
 *     (src/transport/uvsock/uvsock.h) -- the VMM relays it to the peer like any MigTD's.
 *
 * It is a separate program because libvhost-user is GPL-2.0-or-later: only
 * this binary links it; migtd-vmm talks to it through those sockets.
 *
 * Usage: migtd-vsock-backend (--socket PATH | --listen-fd N) --guest-cid CID
 *            --link PATH --relay PATH [--verbose]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <libvhost-user.h>

#include "cli.h"
#include "uvsock.h"
#include "vsock_ids.h"
#include "vsockdev.h"
#include "migtd/wire.h"

#define RXQ 0
#define TXQ 1
#define NQUEUES 2 /* the event queue stays in QEMU (vhost-vsock-common) */
#define MAX_WATCH 8

struct backend {
	VuDev vu;
	struct vsockdev dev;
	uint64_t guest_cid;
	const char *link_path, *relay_path;
	bool verbose;
	bool broken;
	struct {
		int fd;
		int cond;
		vu_watch_cb cb;
		void *data;
	} watch[MAX_WATCH];
	unsigned nwatch;
};

static struct backend be;
static uint8_t pkt[VSOCKDEV_MAX_PKT];

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[512];
	int n;
	va_list ap;

	/* One write per line: the log is shared with QEMU's and migtd-vmm's. */
	n = snprintf(line, sizeof(line), "vsock-backend[cid %" PRIu64 "]: ", be.guest_cid);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", line);
}

/* ------------------------------------------------------------ host ends */

static int unix_connect(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(a.sun_path))
		return -1;
	memcpy(a.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int host_connect(void *ctx, uint32_t port, uint32_t guest_port)
{
	uint8_t hello[UVSOCK_HELLO_LEN];
	int fd;

	(void)ctx;
	if (port == MIGTD_EMU_LINK_VSOCK_PORT) {
		fd = unix_connect(be.link_path);
	} else {
		fd = unix_connect(be.relay_path);
		migtd_wire_put_u32(hello, UVSOCK_MAGIC);
		migtd_wire_put_u32(hello + 4, port);
		migtd_wire_put_u64(hello + 8, MIGTD_VSOCK_HOST_CID);
		/* 16 bytes into a fresh Unix socket: never short. */
		if (fd >= 0 && write(fd, hello, sizeof(hello)) != (ssize_t)sizeof(hello)) {
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0) {
		say("guest port %u -> host port %u: refused (%s)", guest_port, port,
		    strerror(errno));
		return -1;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (be.verbose)
		say("guest port %u -> host port %u: connected", guest_port, port);
	return fd;
}

static void host_shut_write(void *ctx, int fd)
{
	(void)ctx;
	shutdown(fd, SHUT_WR);
}

static void host_close(void *ctx, int fd)
{
	(void)ctx;
	close(fd);
}

static const struct vsockdev_host_ops host_ops = { host_connect, host_shut_write, host_close };

/* ------------------------------------------------------------ queues */

static void process_tx(VuDev *vu)
{
	VuVirtq *vq = vu_get_queue(vu, TXQ);
	VuVirtqElement *e;
	bool any = false;

	while (!be.broken && (e = vu_queue_pop(vu, vq, sizeof(*e))) != NULL) {
		size_t len = 0;

		/* Gather at most one maximal packet; bytes past it are not read
		 * (the header's len then disagrees and the packet is refused). */
		for (unsigned i = 0; i < e->out_num && len < sizeof(pkt); i++) {
			size_t n = e->out_sg[i].iov_len;

			if (n > sizeof(pkt) - len)
				n = sizeof(pkt) - len;
			memcpy(pkt + len, e->out_sg[i].iov_base, n);
			len += n;
		}
		vsockdev_guest_packet(&be.dev, pkt, len);
		vu_queue_push(vu, vq, e, 0);
		free(e);
		any = true;
	}
	if (any && !be.broken)
		vu_queue_notify(vu, vq);
}

static void fill_rx(VuDev *vu)
{
	VuVirtq *vq = vu_get_queue(vu, RXQ);
	bool any = false;

	if (!vu_queue_started(vu, vq))
		return;
	while (!be.broken && vsockdev_rx_pending(&be.dev)) {
		VuVirtqElement *e = vu_queue_pop(vu, vq, sizeof(*e));
		size_t cap = 0, n, off = 0;

		if (!e)
			break;
		for (unsigned i = 0; i < e->in_num; i++)
			cap += e->in_sg[i].iov_len;
		if (cap > sizeof(pkt))
			cap = sizeof(pkt);
		n = vsockdev_rx_next(&be.dev, pkt, cap);
		if (n == 0) {
			/* Too small for what waits: leave it for later. */
			vu_queue_unpop(vu, vq, e, 0);
			free(e);
			break;
		}
		for (unsigned i = 0; i < e->in_num && off < n; i++) {
			size_t k = e->in_sg[i].iov_len;

			if (k > n - off)
				k = n - off;
			memcpy(e->in_sg[i].iov_base, pkt + off, k);
			off += k;
		}
		vu_queue_push(vu, vq, e, (unsigned)n);
		free(e);
		any = true;
	}
	if (any && !be.broken)
		vu_queue_notify(vu, vq);
}

static void queue_kicked(VuDev *vu, int qidx)
{
	(void)qidx;
	process_tx(vu);
	fill_rx(vu);
}

/* ------------------------------------------------------------ vhost-user */

static void vu_panic_cb_(VuDev *vu, const char *err)
{
	(void)vu;
	/* A bad descriptor or a protocol error: the library stops using the
	 * rings; we stop, the VM loses its device, the host is unharmed. */
	say("vhost-user: %s", err);
	be.broken = true;
}

static void set_watch(VuDev *vu, int fd, int cond, vu_watch_cb cb, void *data)
{
	(void)vu;
	for (unsigned i = 0; i < be.nwatch; i++)
		if (be.watch[i].fd == fd) {
			be.watch[i].cond = cond;
			be.watch[i].cb = cb;
			be.watch[i].data = data;
			return;
		}
	if (be.nwatch == MAX_WATCH) {
		say("too many watches");
		be.broken = true;
		return;
	}
	be.watch[be.nwatch].fd = fd;
	be.watch[be.nwatch].cond = cond;
	be.watch[be.nwatch].cb = cb;
	be.watch[be.nwatch].data = data;
	be.nwatch++;
}

static void remove_watch(VuDev *vu, int fd)
{
	(void)vu;
	for (unsigned i = 0; i < be.nwatch; i++)
		if (be.watch[i].fd == fd) {
			be.watch[i] = be.watch[--be.nwatch];
			return;
		}
}

static uint64_t get_features(VuDev *vu)
{
	(void)vu;
	return 0; /* no vsock feature bits (no SEQPACKET): a MigTD uses none */
}

static void set_features(VuDev *vu, uint64_t features)
{
	(void)vu;
	(void)features;
}

static void queue_set_started(VuDev *vu, int qidx, bool started)
{
	if (qidx == RXQ || qidx == TXQ)
		vu_set_queue_handler(vu, vu_get_queue(vu, qidx), started ? queue_kicked : NULL);
	/* A stopped queue is a device reset (or the VM going away): the
	 * guest's connections are gone with it. */
	if (!started && (qidx == RXQ || qidx == TXQ)) {
		unsigned live = 0;

		for (unsigned i = 0; i < VSOCKDEV_MAX_CONNS; i++)
			live += be.dev.conns[i].used;
		if (live)
			say("queue %d stopped (device reset or VM exit): %u connections closed",
			    qidx, live);
		vsockdev_reset(&be.dev);
	}
	if (be.verbose)
		say("queue %d %s", qidx, started ? "started" : "stopped");
}

/* Device config: u64 guest_cid (the only field QEMU asks for). */
static int get_config(VuDev *vu, uint8_t *config, uint32_t len)
{
	uint8_t cfg[8];

	(void)vu;
	/* libvhost-user passes the front-end's size unchecked; the buffer is
	 * the message's config region. */
	if (len > VHOST_USER_MAX_CONFIG_SIZE)
		return -1;
	migtd_wire_put_u64(cfg, be.guest_cid);
	memset(config, 0, len);
	memcpy(config, cfg, len < sizeof(cfg) ? len : sizeof(cfg));
	return 0;
}

static int set_config(VuDev *vu, const uint8_t *data, uint32_t offset, uint32_t size,
		      uint32_t flags)
{
	(void)vu, (void)data, (void)offset, (void)size, (void)flags;
	return -1; /* read-only */
}

static void print_stats(const char *why)
{
	say("%s (%lu connections, %lu refused, %lu bad packets, %lu credit violations, "
	    "%lu RST sent, %lu dropped)",
	    why, be.dev.stats.connects, be.dev.stats.refused, be.dev.stats.bad_packets,
	    be.dev.stats.credit_violations, be.dev.stats.resets_sent, be.dev.stats.dropped);
}

/* libvhost-user reads QEMU's end of the socket as request 0 and exits the
 * process from inside vu_dispatch: say goodbye first. */
static int process_msg(VuDev *vu, VhostUserMsg *vmsg, int *do_reply)
{
	(void)vu;
	(void)do_reply;
	if (vmsg->request == VHOST_USER_NONE) {
		print_stats("QEMU closed the vhost-user connection");
		vsockdev_fini(&be.dev);
		exit(be.broken ? 1 : 0);
	}
	return 0;
}

static const VuDevIface iface = {
	.process_msg = process_msg,
	.get_features = get_features,
	.set_features = set_features,
	.queue_set_started = queue_set_started,
	.get_config = get_config,
	.set_config = set_config,
};

/* ------------------------------------------------------------ main loop */

/* (Not `c`: libvhost-user.h has a static `c`, which clang's -Wshadow sees.) */
static void conn_io(struct vsockdev_conn *conn, short revents)
{
	if (conn->used && conn->g2h_len && (revents & (POLLOUT | POLLERR | POLLHUP))) {
		ssize_t n = write(conn->handle, conn->g2h, conn->g2h_len);

		if (n > 0)
			vsockdev_g2h_consumed(&be.dev, conn, (size_t)n);
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			vsockdev_host_error(&be.dev, conn);
	}
	if (conn->used && vsockdev_h2g_room(conn) && (revents & (POLLIN | POLLERR | POLLHUP))) {
		ssize_t n = read(conn->handle, vsockdev_h2g_tail(conn), vsockdev_h2g_room(conn));

		if (n > 0)
			vsockdev_h2g_produced(conn, (size_t)n);
		else if (n == 0)
			vsockdev_host_eof(&be.dev, conn);
		else if (errno != EAGAIN && errno != EINTR)
			vsockdev_host_error(&be.dev, conn);
	}
}

static int run(int sock)
{
	struct pollfd pfd[1 + MAX_WATCH + VSOCKDEV_MAX_CONNS];
	int conn_of[VSOCKDEV_MAX_CONNS];

	for (;;) {
		unsigned n = 0, nw;

		if (be.broken)
			return 1;
		pfd[n++] = (struct pollfd){ .fd = sock, .events = POLLIN };
		nw = be.nwatch;
		for (unsigned i = 0; i < nw; i++)
			pfd[n++] = (struct pollfd){ .fd = be.watch[i].fd,
						    .events = (short)be.watch[i].cond };
		for (unsigned i = 0; i < VSOCKDEV_MAX_CONNS; i++) {
			struct vsockdev_conn *conn = &be.dev.conns[i];
			short ev = 0;

			conn_of[i] = -1;
			if (!conn->used)
				continue;
			if (conn->g2h_len)
				ev |= POLLOUT;
			if (vsockdev_h2g_room(conn))
				ev |= POLLIN;
			if (!ev)
				continue;
			conn_of[i] = (int)n;
			pfd[n++] = (struct pollfd){ .fd = conn->handle, .events = ev };
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			say("poll: %s", strerror(errno));
			return 1;
		}
		if (pfd[0].revents) {
			if (!vu_dispatch(&be.vu)) {
				print_stats("vhost-user connection failed");
				return 1;
			}
			continue; /* the watch list may have changed */
		}
		for (unsigned i = 0; i < nw && i < be.nwatch; i++)
			if (pfd[1 + i].revents && pfd[1 + i].fd == be.watch[i].fd)
				be.watch[i].cb(&be.vu, pfd[1 + i].revents, be.watch[i].data);
		for (unsigned i = 0; i < VSOCKDEV_MAX_CONNS; i++)
			if (conn_of[i] >= 0 && pfd[conn_of[i]].revents)
				conn_io(&be.dev.conns[i], pfd[conn_of[i]].revents);
		/* Bytes moved or connections changed: the rings may move now. */
		if (vu_queue_started(&be.vu, vu_get_queue(&be.vu, TXQ)))
			process_tx(&be.vu);
		fill_rx(&be.vu);
	}
}

static int listen_path(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(a.sun_path))
		return -1;
	memcpy(a.sun_path, path, strlen(path) + 1);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 1) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static const char *const prog = "migtd-vsock-backend";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s (--socket PATH | --listen-fd N) --guest-cid CID --link PATH\n"
		"       --relay PATH [--verbose]\n"
		"\n"
		"The vhost-user-vsock device of one VM (QEMU's vhost-user-vsock-pci):\n"
		"answers the guest's vsock connections; port 5100 goes to the emulated\n"
		"platform's link socket, every other port to the relay socket.\n"
		"\n"
		"  -s, --socket PATH     listen on this Unix socket for QEMU's connection\n"
		"  -f, --listen-fd N     or accept QEMU's connection on an inherited socket\n"
		"  -c, --guest-cid CID   the guest's vsock CID (3 .. 2^32-2)\n"
		"  -l, --link PATH       the emulated platform's link socket\n"
		"  -r, --relay PATH      the session relay socket (MVSK hello per stream)\n"
		"  -v, --verbose         log connections and packets\n"
		"  -h, --help            this text\n"
		"  -V, --version         the version\n"
		"\n"
		"This program links QEMU's libvhost-user (GPL-2.0-or-later); see\n"
		"docs/vhost-user.md.\n\n",
		prog);
	cli_print_exit_codes(f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "listen-fd", required_argument, NULL, 'f' },
		{ "guest-cid", required_argument, NULL, 'c' },
		{ "link", required_argument, NULL, 'l' },
		{ "relay", required_argument, NULL, 'r' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock_path = NULL;
	int lfd = -1, sock, ret, opt;
	char *end;

	while ((opt = getopt_long(argc, argv, "s:f:c:l:r:vhV", opts, NULL)) != -1) {
		switch (opt) {
		case 's': sock_path = optarg; break;
		case 'f': {
			long fd;

			errno = 0;
			fd = strtol(optarg, &end, 10);
			if (errno || *end || !*optarg || fd < 0 || fd > 1024)
				return cli_usage_error(prog, "bad --listen-fd '%s'", optarg);
			lfd = (int)fd;
			break;
		}
		case 'c': {
			unsigned long long cid;

			errno = 0;
			cid = strtoull(optarg, &end, 10);
			/* 0-2 are reserved (hypervisor, local, host); -1 is "any". */
			if (errno || *end || !*optarg || optarg[0] == '-' || cid < 3 ||
			    cid >= 0xffffffffull)
				return cli_usage_error(prog,
						       "bad --guest-cid '%s' (3 .. 4294967294)",
						       optarg);
			be.guest_cid = cid;
			break;
		}
		case 'l': be.link_path = optarg; break;
		case 'r': be.relay_path = optarg; break;
		case 'v': be.verbose = true; break;
		case 'h': usage(stdout); return CLI_EXIT_OK;
		case 'V': cli_print_version(prog); return CLI_EXIT_OK;
		default: return cli_try_help(prog);
		}
	}
	if (optind != argc)
		return cli_usage_error(prog, "unexpected argument '%s'", argv[optind]);
	if ((!sock_path) == (lfd < 0))
		return cli_usage_error(prog, "give exactly one of --socket and --listen-fd");
	if (!be.guest_cid || !be.link_path || !be.relay_path)
		return cli_usage_error(prog, "--guest-cid, --link and --relay are required");
	signal(SIGPIPE, SIG_IGN);
	if (lfd < 0) {
		lfd = listen_path(sock_path);
		if (lfd < 0) {
			say("cannot listen on %s: %s", sock_path, strerror(errno));
			return CLI_EXIT_IO;
		}
	}
	/* One VM, one QEMU connection (an inherited socket may be non-blocking). */
	fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) & ~O_NONBLOCK);
	sock = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (sock < 0) {
		say("accept: %s", strerror(errno));
		return CLI_EXIT_IO;
	}
	close(lfd);
	vsockdev_init(&be.dev, be.guest_cid, &host_ops, NULL);
	if (!vu_init(&be.vu, NQUEUES, sock, vu_panic_cb_, NULL, set_watch, remove_watch, &iface)) {
		say("vu_init failed");
		return CLI_EXIT_RUNTIME;
	}
	if (be.verbose)
		say("QEMU connected");
	ret = run(sock);
	vsockdev_fini(&be.dev);
	vu_deinit(&be.vu);
	close(sock);
	return ret;
}
