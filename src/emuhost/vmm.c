/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * vmm.c -- the emulated VMM (see src/emuhost/emu_vmm.h).
 *
 * One poll() loop serves every platform link, every MigTD log pipe, the
 * relay listeners and the relayed streams. The VMM holds a WaitForRequest
 * until it has a request for that MigTD (a real VMM may answer "no request"
 * and let the MigTD poll; holding is also allowed and saves the busy loop).
 */
#define _GNU_SOURCE /* pipe2, accept4 */
#include "emu_vmm.h"

#include <errno.h>
#include <netdb.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/sha512.h>

#include "hostio.h"
#include "image_layout.h"
#include "migtd/ghci.h"
#include "migtd/hob.h"
#include "migtd/tdreport.h"
#include "migtd/tdvf.h"
#include "migtd/wire.h"
#include "uvsock.h"
#include "vmm_internal.h"

uint64_t emu_vmm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void vmm_say(struct emu_vmm *v, const char *who, const char *fmt, ...)
{
	va_list ap;

	if (v->quiet)
		return;
	printf("[%6.3f s] %-12s ", (double)(emu_vmm_now_ms() - v->t0) / 1000.0, who);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 128) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void emu_vmm_init(struct emu_vmm *v)
{
	memset(v, 0, sizeof(*v));
	v->t0 = emu_vmm_now_ms();
	for (size_t i = 0; i < EMU_VMM_MAX_STREAMS; i++)
		v->streams[i].fd = -1;
	signal(SIGPIPE, SIG_IGN);
}

/* ------------------------------------------------------------ Service */

static void vm_streams_finish(struct emu_vmm_platform *p, uint32_t port);

/*
 * A ReportStatus goes to the delivered request with that id that has no
 * status yet -- the original before a duplicate copy, so a copy only gets
 * a status if the MigTD reported the same id twice (which §1.4 forbids).
 */
struct emu_vmm_request *vmm_on_report(struct emu_vmm_platform *p, uint64_t id, uint8_t status)
{
	struct emu_vmm_request *r = NULL;

	for (int pass = 0; pass < 2 && !r; pass++) {
		for (size_t i = 0; i < EMU_VMM_MAX_REQUESTS; i++) {
			struct emu_vmm_request *q = &p->reqs[i];

			if (q->used && q->delivered && q->id == id && q->status < 0 &&
			    (pass == 1 || !q->duplicate_of)) {
				r = q;
				break;
			}
		}
	}
	p->reports++;
	if (!r) {
		p->stray_reports++;
		vmm_say(p->vmm, p->name, "ReportStatus for request %llu, which is not in progress",
			(unsigned long long)id);
		return NULL;
	}
	r->status = status;
	r->reports++;
	r->t_reported = emu_vmm_now_ms();
	vmm_say(p->vmm, p->name, "ReportStatus: request %llu -> %u (%s)%s", (unsigned long long)id,
		status, migtd_status_name(status), r->duplicate_of ? " [for the duplicate!]" : "");
	if (p->vm)
		vm_streams_finish(p, r->port);
	return r;
}

static void vmm_on_service(void *ctx, struct emu_link_conn *c, uint32_t seq, const uint8_t *cmd,
			   size_t cmd_len, size_t rsp_cap)
{
	struct emu_vmm_platform *p = ctx;
	static uint8_t rsp[EMU_LINK_MAX_PAYLOAD];
	struct ghci_service_cmd sc;
	struct ghci_migtd_cmd mc;
	size_t n = 0;

	if (rsp_cap > sizeof(rsp) || migtd_ghci_service_cmd_parse(cmd, cmd_len, &sc) != MIGTD_OK) {
		emu_link_reply_service(c, seq, TDX_VMCALL_INVALID_OPERAND, rsp, 0);
		return;
	}
	memset(rsp, 0, rsp_cap);
	if (migtd_guid_eq(&sc.guid, &migtd_ghci_guid_service_common)) {
		/* Query: this VMM offers the MigTD service. */
		if (migtd_ghci_query_cmd_parse(cmd, cmd_len, &(struct ghci_query){ 0 }) !=
			    MIGTD_OK ||
		    migtd_ghci_query_rsp_build(rsp, rsp_cap, 0, &migtd_ghci_guid_service_migtd,
					       &n) != MIGTD_OK) {
			emu_link_reply_service(c, seq, TDX_VMCALL_INVALID_OPERAND, rsp, 0);
			return;
		}
		emu_link_reply_service(c, seq, 0, rsp, rsp_cap);
		if (p->vmm->verbose)
			vmm_say(p->vmm, p->name, "Query: MigTD service supported");
		return;
	}
	if (migtd_ghci_migtd_cmd_parse(cmd, cmd_len, &mc) != MIGTD_OK) {
		emu_link_reply_service(c, seq, TDX_VMCALL_INVALID_OPERAND, rsp, 0);
		return;
	}
	switch (mc.command) {
	case 1: /* WaitForRequest: hold it until there is a request */
		p->wfr_count++;
		p->wfr_pending = true;
		p->wfr_seq = seq;
		p->wfr_rsp_cap = rsp_cap;
		vmm_deliver(p);
		return;
	case 2: /* ReportStatus */
		vmm_on_report(p, mc.mig_request_id, mc.status);
		migtd_ghci_migtd_rsp_build(rsp, rsp_cap, 2, &n);
		emu_link_reply_service(c, seq, 0, rsp, rsp_cap);
		return;
	default: /* Shutdown */
		migtd_ghci_migtd_rsp_build(rsp, rsp_cap, mc.command, &n);
		emu_link_reply_service(c, seq, 0, rsp, rsp_cap);
		return;
	}
}

/*
 * Test injection: make a well-formed request HOB list invalid the way a
 * buggy VMM could -- the first HOB's type becomes 0x0003 (a resource
 * descriptor). §2.3: only GUID-extension HOBs and the end HOB are allowed,
 * any other type rejects the whole list.
 */
static void vmm_break_hob(uint8_t *hob, size_t len)
{
	if (len >= 2)
		migtd_wire_put_u16(hob, 0x0003);
}

struct emu_vmm_request *vmm_oldest_undelivered(struct emu_vmm_platform *p)
{
	struct emu_vmm_request *r = NULL;

	for (size_t i = 0; i < EMU_VMM_MAX_REQUESTS; i++) {
		struct emu_vmm_request *q = &p->reqs[i];

		if (q->used && !q->delivered && (!r || q->seq < r->seq))
			r = q;
	}
	return r;
}

void vmm_mark_delivered(struct emu_vmm_platform *p, struct emu_vmm_request *r)
{
	p->wfr_pending = false;
	r->delivered = true;
	r->t_delivered = emu_vmm_now_ms();
	r->wfr_at_delivery = p->wfr_count;
	/* A duplicate counts as "while in progress" only if the original was
	 * delivered and has no status yet. */
	if (r->duplicate_of)
		r->dup_while_in_progress =
			r->duplicate_of->delivered && r->duplicate_of->status < 0;
}

void vmm_deliver(struct emu_vmm_platform *p)
{
	static uint8_t hob[4096], rsp[EMU_LINK_MAX_PAYLOAD];
	struct emu_vmm_request *r = NULL;
	struct migtd_migration_request mr;
	size_t hob_len = 0, n = 0;

	if (!p->wfr_pending || !p->conn)
		return;
	if (p->raw) {
		vmm_raw_deliver(p);
		return;
	}
	r = vmm_oldest_undelivered(p);
	if (!r)
		return;
	memset(&mr, 0, sizeof(mr));
	mr.info.mig_request_id = r->id;
	mr.info.migration_source = r->source ? 1 : 0;
	memcpy(mr.info.target_td_uuid, r->td->binding.uuid.w, sizeof(mr.info.target_td_uuid));
	mr.info.binding_handle = r->td->binding.handle;
	mr.has_socket_info = true;
	mr.socket_info.mig_td_cid = 2; /* VMADDR_CID_HOST: the MigTD talks to its VMM */
	mr.socket_info.mig_channel_port = r->port;
	if (p->has_init_data) {
		struct tdinfo_struct ti;

		/* The initially bound MigTD: ours, as the host would have
		 * recorded it, with the owner values the caller chose. */
		memset(&ti, 0, sizeof(ti));
		memcpy(ti.mrtd, p->mrtd, sizeof(ti.mrtd));
		memcpy(ti.mrowner, p->init_mrowner, sizeof(ti.mrowner));
		memcpy(ti.mrownerconfig, p->init_mrownerconfig, sizeof(ti.mrownerconfig));
		mr.info.has_init_data = 1;
		if (migtd_tdreport_build_tdinfo(&ti, mr.info.init_td_info,
						sizeof(mr.info.init_td_info), NULL) != MIGTD_OK)
			mr.info.has_init_data = 0; /* cannot happen: the sizes are equal */
	}
	memset(rsp, 0, p->wfr_rsp_cap);
	if (migtd_hob_build_migration_request(hob, sizeof(hob), &mr, &hob_len) == MIGTD_OK &&
	    r->malformed_hob)
		vmm_break_hob(hob, hob_len);
	if (hob_len == 0 ||
	    migtd_ghci_wfr_rsp_build(rsp, p->wfr_rsp_cap, 1, hob, hob_len, &n) != MIGTD_OK) {
		vmm_say(p->vmm, p->name, "cannot build the request for %llu",
			(unsigned long long)r->id);
		r->used = false;
		return;
	}
	vmm_mark_delivered(p, r);
	emu_link_reply_service(p->conn, p->wfr_seq, 0, rsp, p->wfr_rsp_cap);
	vmm_say(p->vmm, p->name, "request %llu delivered (%s, port %u%s)%s",
		(unsigned long long)r->id, r->source ? "source" : "destination", r->port,
		p->has_init_data ? ", with init data" : "",
		r->malformed_hob  ? " with a MALFORMED HOB list (test)"
		: r->duplicate_of ? " AGAIN, the original in progress (test)"
				  : "");
}

/* ------------------------------------------------------------ platforms */

struct emu_vmm_platform *emu_vmm_add_platform(struct emu_vmm *v, const char *name, const char *dir,
					      char *msg, size_t msglen)
{
	struct emu_vmm_platform *p;

	if (v->nplat >= EMU_VMM_MAX_PLATFORMS) {
		snprintf(msg, msglen, "too many platforms");
		return NULL;
	}
	p = &v->plat[v->nplat];
	memset(p, 0, sizeof(*p));
	p->vmm = v;
	p->link_listen_fd = p->relay_listen_fd = p->migtd_log_fd = -1;
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->dir, sizeof(p->dir), "%s", dir);
	if (emu_host_platform_load(&p->host, dir, msg, msglen) != MIGTD_OK)
		return NULL;
	p->host.on_service = vmm_on_service;
	p->host.on_raw = vmm_raw_on_call;
	p->host.on_log_page = vmm_raw_on_log_page;
	p->host.service_ctx = p;
	/* Default migration version ranges of the emulated TDX module. */
	p->host.tdx.min_export_version = p->host.tdx.min_import_version = 0;
	p->host.tdx.max_export_version = p->host.tdx.max_import_version = 0;
	if ((size_t)snprintf(p->link_path, sizeof(p->link_path), "%s/link.sock", dir) >=
		    sizeof(p->link_path) ||
	    (size_t)snprintf(p->relay_path, sizeof(p->relay_path), "%s/relay.sock", dir) >=
		    sizeof(p->relay_path)) {
		snprintf(msg, msglen, "platform directory path too long for a socket: %s", dir);
		emu_host_platform_free(&p->host);
		return NULL;
	}
	p->link_listen_fd = listen_unix(p->link_path);
	p->relay_listen_fd = listen_unix(p->relay_path);
	if (p->link_listen_fd < 0 || p->relay_listen_fd < 0) {
		snprintf(msg, msglen, "cannot listen on %s / %s", p->link_path, p->relay_path);
		emu_host_platform_free(&p->host);
		return NULL;
	}
	/* Every platform's QGS can hand out every other's collateral, as one
	 * PCCS caching Intel PCS would (GET_COLLATERAL for a peer's FMSPC). */
	for (unsigned i = 0; i < v->nplat; i++) {
		struct emu_host_platform *o = &v->plat[i].host;

		if (o->pcs_n < EMU_PCS_MAX)
			o->pcs[o->pcs_n++] = &p->host.own;
		if (p->host.pcs_n < EMU_PCS_MAX)
			p->host.pcs[p->host.pcs_n++] = &o->own;
	}
	v->nplat++;
	return p;
}

/*
 * Start the MigTD (a program or QEMU) with its log -- stderr, and stdout
 * too when it carries the VM's serial console -- on a pipe the loop reads.
 */
static int vmm_spawn(struct emu_vmm_platform *p, const char *const argv[], bool capture_stdout,
		     char *msg, size_t msglen)
{
	int pipefd[2];
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		snprintf(msg, msglen, "pipe: %s", strerror(errno));
		return MIGTD_ERR_INVALID;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(msg, msglen, "fork: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return MIGTD_ERR_INVALID;
	}
	if (pid == 0) {
		if (capture_stdout)
			dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		/* execvp's prototype predates const; it does not write argv. */
		execvp(argv[0], (char *const *)(uintptr_t)argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	p->migtd_pid = pid;
	p->migtd_log_fd = pipefd[0];
	return MIGTD_OK;
}

/* The TD's identity as the host created it: MRTD measured, MROWNER and
 * MROWNERCONFIG as the host was told (policy v2, docs/protocol.md §7.7.6). */
static void launch_servtd(struct emu_vmm_platform *p)
{
	emu_tdx_launch_servtd(&p->host.tdx, p->mrtd);
	if (p->has_owner)
		emu_tdx_set_servtd_owner(&p->host.tdx, p->mrowner, p->mrownerconfig);
}

int emu_vmm_measure(struct emu_vmm_platform *p, const char *migtd_path, char *msg, size_t msglen)
{
	uint8_t *exe = NULL;
	size_t exe_len = 0;

	/* "Launching the TD" measures it: MRTD = SHA-384 of the program image. */
	if (hostio_read_file(migtd_path, HOSTIO_READ_MAX, &exe, &exe_len) != MIGTD_OK) {
		snprintf(msg, msglen, "cannot read %s", migtd_path);
		return MIGTD_ERR_INVALID;
	}
	mbedtls_sha512(exe, exe_len, p->mrtd, 1);
	free(exe);
	launch_servtd(p);
	return MIGTD_OK;
}

int emu_vmm_launch(struct emu_vmm_platform *p, const char *migtd_path, const char *policy,
		   const char *root_ca, const char *log_level, const char *timeout_ms, char *msg,
		   size_t msglen)
{
	const char *argv[20];
	unsigned n = 0;
	int err;

	argv[n++] = migtd_path;
	argv[n++] = "--platform", argv[n++] = p->link_path;
	argv[n++] = "--relay", argv[n++] = p->relay_path;
	if (p->issuer_chain) { /* policy v2 */
		argv[n++] = "--policy-v2";
		argv[n++] = "--policy", argv[n++] = policy;
		argv[n++] = "--policy-issuer-chain", argv[n++] = p->issuer_chain;
	} else {
		argv[n++] = "--policy", argv[n++] = policy;
		argv[n++] = "--root-ca", argv[n++] = root_ca;
	}
	argv[n++] = "--log-level", argv[n++] = log_level;
	argv[n++] = "--timeout-ms", argv[n++] = timeout_ms;
	if (p->raw)
		argv[n++] = "--profile", argv[n++] = "vmcall-raw";
	argv[n] = NULL;
	err = emu_vmm_measure(p, migtd_path, msg, msglen);
	if (err)
		return err;
	/* A path with a '/' is not looked up in PATH: this runs exactly migtd_path. */
	err = vmm_spawn(p, argv, false, msg, msglen);
	if (err)
		return err;
	vmm_say(p->vmm, p->name, "launched migtd (pid %d), MRTD %02x%02x%02x%02x...",
		(int)p->migtd_pid, p->mrtd[0], p->mrtd[1], p->mrtd[2], p->mrtd[3]);
	return MIGTD_OK;
}

/* "Launching the TD" measures the image as the TDX module would. */
static int vm_measure(struct emu_vmm_platform *p, const char *image, char *msg, size_t msglen)
{
	struct tdvf_metadata md;
	uint8_t *img = NULL;
	size_t img_len = 0;
	int err;

	if (hostio_read_file(image, HOSTIO_READ_MAX, &img, &img_len) != MIGTD_OK) {
		snprintf(msg, msglen, "cannot read %s", image);
		return MIGTD_ERR_INVALID;
	}
	err = migtd_tdvf_parse(img, img_len, &md);
	if (!err)
		err = migtd_tdvf_mrtd(img, img_len, &md, p->mrtd);
	free(img);
	if (err) {
		snprintf(msg, msglen, "%s: not a TDVF image (%s)", image, migtd_err_str(err));
		return err;
	}
	launch_servtd(p);
	return MIGTD_OK;
}

/*
 * A QEMU command line under construction. Static storage (one launch at a
 * time), sized for the longest: launch_vm with all its stream ports.
 */
struct qemu_cmd {
	char args[64 + 4 * EMU_VMM_VM_STREAMS_MAX][200];
	char *argv[64 + 4 * EMU_VMM_VM_STREAMS_MAX + 1];
	unsigned n;
};

static void qarg(struct qemu_cmd *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void qarg(struct qemu_cmd *q, const char *fmt, ...)
{
	va_list ap;

	if (q->n + 1 >= sizeof(q->argv) / sizeof(q->argv[0]))
		return; /* every caller's count is fixed and fits */
	va_start(ap, fmt);
	vsnprintf(q->args[q->n], sizeof(q->args[q->n]), fmt, ap);
	va_end(ap);
	q->argv[q->n] = q->args[q->n];
	q->argv[++q->n] = NULL;
}

/* What every MigTD VM's command line has after its machine and memory. */
static void qemu_common_args(struct qemu_cmd *q, const char *image)
{
	qarg(q, "-nodefaults"), qarg(q, "-no-reboot"), qarg(q, "-display"), qarg(q, "none");
	qarg(q, "-monitor"), qarg(q, "none"), qarg(q, "-serial"), qarg(q, "stdio");
	qarg(q, "-bios"), qarg(q, "%s", image);
	qarg(q, "-device"), qarg(q, "isa-debug-exit,iobase=0xf4,iosize=0x04");
}

/* nports stream ports: a server socket per port in the platform directory,
 * each a named virtserialport (on bus, "" or "bus=ID,"). */
static int qemu_stream_ports(struct emu_vmm_platform *p, struct qemu_cmd *q, unsigned nports,
			     const char *bus, char *msg, size_t msglen)
{
	for (unsigned i = 0; i < nports; i++) {
		struct emu_vmm_vm_port *vp = &p->vm_port[i];

		if ((size_t)snprintf(vp->path, sizeof(vp->path), "%s/stream%u.sock", p->dir, i) >=
		    sizeof(vp->path)) {
			snprintf(msg, msglen, "platform directory path too long for a socket");
			return MIGTD_ERR_INVALID;
		}
		unlink(vp->path);
		vp->s = NULL;
		vp->retry_at = 0;
		vp->wait = NULL;
		qarg(q, "-chardev"),
			qarg(q, "socket,id=s%u,path=%s,server=on,wait=off", i, vp->path);
		qarg(q, "-device"),
			qarg(q, "virtserialport,%schardev=s%u,name=migtd.stream.%u", bus, i, i);
	}
	return MIGTD_OK;
}

int emu_vmm_launch_vm(struct emu_vmm_platform *p, const char *qemu, const char *image,
		      unsigned nports, char *msg, size_t msglen)
{
	static struct qemu_cmd q;
	int err;

	q.n = 0;
	/* A vmcall-raw VM has no stream port: its streams ride the link. */
	if ((nports == 0 && !p->raw) || nports > EMU_VMM_VM_STREAMS_MAX) {
		snprintf(msg, msglen, "1..%u stream ports", EMU_VMM_VM_STREAMS_MAX);
		return MIGTD_ERR_INVALID;
	}
	err = vm_measure(p, image, msg, msglen);
	if (err)
		return err;

#define ARG(...) qarg(&q, __VA_ARGS__)
	ARG("%s", qemu);
	ARG("-accel"), ARG("tcg"), ARG("-machine"), ARG("q35"), ARG("-cpu"), ARG("max");
	ARG("-m"), ARG("64M");
	qemu_common_args(&q, image);
	ARG("-device"), ARG("virtio-serial-pci,disable-legacy=on");
	ARG("-chardev"), ARG("socket,id=link,path=%s", p->link_path);
	ARG("-device"), ARG("virtserialport,chardev=link,name=migtd.link");
	err = qemu_stream_ports(p, &q, nports, "", msg, msglen);
	if (err)
		return err;
#undef ARG
	p->vm = true;
	p->vm_nports = nports;
	err = vmm_spawn(p, (const char *const *)q.argv, true, msg, msglen);
	if (err)
		return err;
	vmm_say(p->vmm, p->name,
		"launched the MigTD VM (qemu pid %d, %u stream ports), MRTD "
		"%02x%02x%02x%02x...",
		(int)p->migtd_pid, nports, p->mrtd[0], p->mrtd[1], p->mrtd[2], p->mrtd[3]);
	return MIGTD_OK;
}

int emu_vmm_launch_vm_serial(struct emu_vmm_platform *p, const char *qemu, const char *image,
			     const char *stream_chardev, char *msg, size_t msglen)
{
	static struct qemu_cmd q;
	int err = vm_measure(p, image, msg, msglen);

	if (err)
		return err;
	q.n = 0;
#define ARG(...) qarg(&q, __VA_ARGS__)
	ARG("%s", qemu);
	ARG("-accel"), ARG("tcg"), ARG("-machine"), ARG("q35"), ARG("-cpu"), ARG("max");
	ARG("-m"), ARG("64M");
	qemu_common_args(&q, image);
	/* Upstream README's virtio-serial set-up, as written there: the
	 * (transitional) device and one unnamed virtserialport -- QEMU gives
	 * it port 1 -- on a chardev that joins the two VMs directly. */
	ARG("-device"), ARG("virtio-serial-pci,id=virtio-serial0");
	ARG("-chardev"), ARG("%s,id=foo", stream_chardev);
	ARG("-device"), ARG("virtserialport,chardev=foo,bus=virtio-serial0.0");
	/* The emulated platform's link on a reserved, named port (a TD has none). */
	ARG("-chardev"), ARG("socket,id=link,path=%s", p->link_path);
	ARG("-device"),
		ARG("virtserialport,bus=virtio-serial0.0,nr=%u,chardev=link,name=migtd.link",
		    EMU_VMM_SERIAL_LINK_NR);
#undef ARG
	p->vm = true;
	p->vm_nports = 0; /* the streams never pass through this VMM */
	err = vmm_spawn(p, (const char *const *)q.argv, true, msg, msglen);
	if (err)
		return err;
	vmm_say(p->vmm, p->name,
		"launched the MigTD VM (qemu pid %d, virtio-serial port 1 on %s), "
		"MRTD %02x%02x%02x%02x...",
		(int)p->migtd_pid, stream_chardev, p->mrtd[0], p->mrtd[1], p->mrtd[2], p->mrtd[3]);
	return MIGTD_OK;
}

/*
 * The image as a TD under the shim ROM (docs/td-under-shim.md): -bios is
 * the shim, the image is loaded raw at TDSHIM_IMAGE_HPA (-device loader),
 * phys-bits 48 so the shared bit (47) is a real address bit, and guest RAM
 * is a file that a second backend exposes as an ivshmem BAR the shim puts at
 * 1 << 47, so devices' DMA to shared GPAs reaches RAM. The shim's platform
 * link is its own virtio-serial device (slot 2, hidden from the TD); the
 * TD's devices follow its image's transport.
 */
static int vmm_spawn_backend(struct emu_vmm_platform *p, const char *backend, uint64_t guest_cid,
			     char *msg, size_t msglen);
#define TD_IMAGE_HPA "0x6000000"
#define TD_RAM "256M"

int emu_vmm_launch_vm_td(struct emu_vmm_platform *p, const struct emu_vmm_td_args *td, char *msg,
			 size_t msglen)
{
	static struct qemu_cmd q;
	char ram[sizeof(p->dir) + 16];
	int err;

	q.n = 0;
	if (!td->backend && (td->nports == 0 || td->nports > EMU_VMM_VM_STREAMS_MAX)) {
		snprintf(msg, msglen, "1..%u stream ports", EMU_VMM_VM_STREAMS_MAX);
		return MIGTD_ERR_INVALID;
	}
	err = vm_measure(p, td->image, msg, msglen);
	if (err)
		return err;
	if (td->backend) {
		err = vmm_spawn_backend(p, td->backend, td->guest_cid, msg, msglen);
		if (err)
			return err;
	}
	snprintf(ram, sizeof(ram), "%s/td-ram", p->dir);
	unlink(ram);
#define ARG(...) qarg(&q, __VA_ARGS__)
	ARG("%s", td->qemu);
	ARG("-accel"), ARG("tcg"), ARG("-cpu"), ARG("max,phys-bits=48");
	ARG("-object"), ARG("memory-backend-file,id=ram,size=" TD_RAM ",mem-path=%s,share=on", ram);
	ARG("-machine"), ARG("q35,memory-backend=ram"), ARG("-m"), ARG(TD_RAM);
	ARG("-object"),
		ARG("memory-backend-file,id=alias,size=" TD_RAM ",mem-path=%s,share=on", ram);
	qemu_common_args(&q, td->shim);
	ARG("-device"), ARG("loader,file=%s,addr=" TD_IMAGE_HPA ",force-raw=on", td->image);
	ARG("-device"), ARG("virtio-serial-pci,disable-legacy=on,addr=0x2,id=shimser");
	ARG("-chardev"), ARG("socket,id=link,path=%s", p->link_path);
	ARG("-device"), ARG("virtserialport,bus=shimser.0,chardev=link,name=migtd.link");
	if (td->backend) {
		ARG("-chardev"), ARG("socket,id=vsock,path=%s", p->vhost_path);
		ARG("-device"),
			ARG("vhost-user-vsock-pci,chardev=vsock,disable-legacy=on,addr=0x3");
	} else {
		ARG("-device"), ARG("virtio-serial-pci,disable-legacy=on,addr=0x3,id=tdser");
		err = qemu_stream_ports(p, &q, td->nports, "bus=tdser.0,", msg, msglen);
		if (err)
			return err;
	}
	ARG("-device"), ARG("ivshmem-plain,memdev=alias,addr=0x4");
	if (td->lenient)
		ARG("-fw_cfg"), ARG("name=opt/tdshim/mode,string=lenient");
	if (td->test)
		ARG("-fw_cfg"), ARG("name=opt/tdshim/test,string=%s", td->test);
#undef ARG
	p->vm = true;
	p->vm_nports = td->backend ? 0 : td->nports;
	err = vmm_spawn(p, (const char *const *)q.argv, true, msg, msglen);
	if (err)
		return err;
	vmm_say(p->vmm, p->name,
		"launched the MigTD as a TD under the shim (qemu pid %d, %s), MRTD "
		"%02x%02x%02x%02x...",
		(int)p->migtd_pid, td->backend ? "vhost-user-vsock" : "virtio-serial stream ports",
		p->mrtd[0], p->mrtd[1], p->mrtd[2], p->mrtd[3]);
	return MIGTD_OK;
}

bool emu_vmm_image_transport(const char *image, char *name, size_t cap)
{
	uint8_t *img = NULL;
	size_t len = 0;
	bool found = false;

	if (cap == 0 || hostio_read_file(image, HOSTIO_READ_MAX, &img, &len) != MIGTD_OK)
		return false;
	for (size_t off = 0; off + FW_BUILD_INFO_SIZE <= len && !found; off += 16) {
		const uint8_t *r = img + off;
		size_t n = 0;

		if (memcmp(r, FW_BUILD_INFO_MAGIC, FW_BUILD_INFO_MAGIC_LEN) != 0)
			continue;
		for (size_t i = FW_BUILD_INFO_MAGIC_LEN;
		     i < FW_BUILD_INFO_SIZE && r[i] && n + 1 < cap; i++)
			name[n++] = (r[i] >= 0x20 && r[i] < 0x7f) ? (char)r[i] : '?';
		name[n] = '\0';
		found = true;
	}
	free(img);
	return found;
}

/*
 * The device backend gets the listening vhost-user socket as its fd 3, so
 * it is listening before QEMU starts (QEMU connects at once and fails if
 * nobody listens). Its log goes to our stderr.
 */
static int vmm_spawn_backend(struct emu_vmm_platform *p, const char *backend, uint64_t guest_cid,
			     char *msg, size_t msglen)
{
	char cid[24];
	int lfd;
	pid_t pid;

	if ((size_t)snprintf(p->vhost_path, sizeof(p->vhost_path), "%s/vhost.sock", p->dir) >=
	    sizeof(p->vhost_path)) {
		snprintf(msg, msglen, "platform directory path too long for a socket");
		return MIGTD_ERR_INVALID;
	}
	lfd = listen_unix(p->vhost_path);
	if (lfd < 0) {
		snprintf(msg, msglen, "cannot listen on %s", p->vhost_path);
		return MIGTD_ERR_INVALID;
	}
	snprintf(cid, sizeof(cid), "%llu", (unsigned long long)guest_cid);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(msg, msglen, "fork: %s", strerror(errno));
		close(lfd);
		return MIGTD_ERR_INVALID;
	}
	if (pid == 0) {
		const char *const argv[] = {
			backend,  "--listen-fd", "3",       "--guest-cid", cid,
			"--link", p->link_path,  "--relay", p->relay_path, NULL
		};

		if (dup2(lfd, 3) != 3)
			_exit(127);
		execvp(argv[0], (char *const *)(uintptr_t)argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(lfd);
	p->backend_pid = pid;
	return MIGTD_OK;
}

int emu_vmm_launch_vm_vsock(struct emu_vmm_platform *p, const char *qemu, const char *image,
			    const char *backend, uint64_t guest_cid, char *msg, size_t msglen)
{
	static struct qemu_cmd q;
	int err = vm_measure(p, image, msg, msglen);

	if (err)
		return err;
	err = vmm_spawn_backend(p, backend, guest_cid, msg, msglen);
	if (err)
		return err;
	q.n = 0;
#define ARG(...) qarg(&q, __VA_ARGS__)
	ARG("%s", qemu);
	ARG("-accel"), ARG("tcg"), ARG("-cpu"), ARG("max");
	/* A vhost-user device reads guest RAM itself: RAM must be shareable. */
	ARG("-object"), ARG("memory-backend-memfd,id=mem,size=64M,share=on");
	ARG("-machine"), ARG("q35,memory-backend=mem"), ARG("-m"), ARG("64M");
	qemu_common_args(&q, image);
	/* Upstream's device set: the vsock device, nothing else. */
	ARG("-chardev"), ARG("socket,id=vsock,path=%s", p->vhost_path);
	ARG("-device"), ARG("vhost-user-vsock-pci,chardev=vsock,disable-legacy=on");
#undef ARG
	p->vm = true;
	p->vm_nports = 0; /* streams arrive on relay.sock through the backend */
	err = vmm_spawn(p, (const char *const *)q.argv, true, msg, msglen);
	if (err)
		return err;
	vmm_say(p->vmm, p->name,
		"launched the MigTD VM (qemu pid %d, vhost-user-vsock guest CID "
		"%llu, backend pid %d), MRTD %02x%02x%02x%02x...",
		(int)p->migtd_pid, (unsigned long long)guest_cid, (int)p->backend_pid, p->mrtd[0],
		p->mrtd[1], p->mrtd[2], p->mrtd[3]);
	return MIGTD_OK;
}

struct emu_vmm_request *vmm_request_new(struct emu_vmm_platform *p, uint64_t id)
{
	for (size_t i = 0; i < EMU_VMM_MAX_REQUESTS; i++) {
		struct emu_vmm_request *r = &p->reqs[i];

		if (r->used)
			continue;
		memset(r, 0, sizeof(*r));
		r->used = true;
		r->id = id;
		r->status = -1;
		r->listen_fd = -1;
		r->t_queued = emu_vmm_now_ms();
		r->seq = ++p->vmm->next_seq;
		return r;
	}
	return NULL;
}

struct emu_vmm_request *vmm_request_bound(struct emu_vmm_platform *p, uint64_t id, bool source,
					  uint32_t port)
{
	struct emu_vmm_request *r = vmm_request_new(p, id);

	if (!r)
		return NULL;
	r->td = emu_tdx_bind_user_td(&p->host.tdx);
	if (!r->td) {
		r->used = false;
		return NULL;
	}
	r->source = source;
	r->port = port;
	return r;
}

struct emu_vmm_request *emu_vmm_request(struct emu_vmm_platform *p, uint64_t id, bool source,
					uint32_t port)
{
	struct emu_vmm_request *r = vmm_request_bound(p, id, source, port);

	if (r)
		vmm_deliver(p);
	return r;
}

struct emu_vmm_request *emu_vmm_request_duplicate(struct emu_vmm_platform *p,
						  struct emu_vmm_request *orig)
{
	struct emu_vmm_request *r = vmm_request_new(p, orig->id);

	if (!r)
		return NULL;
	r->source = orig->source;
	r->td = orig->td;
	r->port = orig->port;
	r->duplicate_of = orig;
	vmm_deliver(p);
	return r;
}

void emu_vmm_request_release(struct emu_vmm_request *r)
{
	if (!r || !r->used)
		return;
	if (r->listen_fd >= 0)
		close(r->listen_fd);
	/* A duplicate shares the original's user TD: only the original unbinds. */
	if (!r->duplicate_of && r->td)
		emu_tdx_unbind_user_td(r->td);
	vmm_raw_remote_close(r);
	free(r->inq);
	memset(r, 0, sizeof(*r));
	r->listen_fd = -1;
}

struct emu_vmm_request *emu_vmm_find_request(struct emu_vmm_platform *p, uint64_t id)
{
	for (size_t i = 0; i < EMU_VMM_MAX_REQUESTS; i++)
		if (p->reqs[i].used && p->reqs[i].id == id)
			return &p->reqs[i];
	return NULL;
}

int emu_vmm_request_remote(struct emu_vmm_request *r, const struct sockaddr *addr,
			   socklen_t addr_len, char *msg, size_t msglen)
{
	char host[NI_MAXHOST] = "?", serv[NI_MAXSERV] = "?";
	int one = 1, err;

	if (addr_len > sizeof(r->peer) ||
	    (addr->sa_family != AF_INET && addr->sa_family != AF_INET6)) {
		snprintf(msg, msglen, "not an IPv4 or IPv6 address");
		return MIGTD_ERR_INVALID;
	}
	r->has_remote = true;
	memcpy(&r->peer, addr, addr_len);
	r->peer_len = addr_len;
	if (r->source)
		return MIGTD_OK;
	r->listen_fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->listen_fd < 0)
		goto fail;
	setsockopt(r->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(r->listen_fd, addr, addr_len) != 0 || listen(r->listen_fd, 4) != 0)
		goto fail;
	return MIGTD_OK;
fail:
	err = errno;
	getnameinfo(addr, addr_len, host, sizeof(host), serv, sizeof(serv),
		    NI_NUMERICHOST | NI_NUMERICSERV);
	snprintf(msg, msglen, "cannot listen on [%s]:%s: %s", host, serv, strerror(err));
	if (r->listen_fd >= 0)
		close(r->listen_fd);
	r->listen_fd = -1;
	return MIGTD_ERR_NETWORK;
}

void emu_vmm_watch(struct emu_vmm *v, int fd, emu_vmm_fd_fn fn, void *ctx)
{
	if (v->nwatch < sizeof(v->watch) / sizeof(v->watch[0])) {
		v->watch[v->nwatch].fd = fd;
		v->watch[v->nwatch].fn = fn;
		v->watch[v->nwatch].ctx = ctx;
		v->nwatch++;
	}
}

/* ------------------------------------------------------------ relay */

static struct emu_vmm_stream *stream_alloc(struct emu_vmm *v)
{
	for (size_t i = 0; i < EMU_VMM_MAX_STREAMS; i++) {
		if (!v->streams[i].used) {
			struct emu_vmm_stream *s = &v->streams[i];

			memset(s, 0, sizeof(*s));
			s->used = true;
			s->fd = -1;
			return s;
		}
	}
	return NULL;
}

static void stream_close(struct emu_vmm_stream *s)
{
	if (!s->used)
		return;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->used = false;
	if (s->vm_port) {
		/*
		 * Open the next connection for the next session shortly -- but
		 * not before this session reported: QEMU tells the firmware about
		 * a new connection with PORT_OPEN, and the firmware then drops
		 * what it has not read yet from the old one (the peer's last
		 * bytes before it closed, under load still unread).
		 */
		s->vm_port->s = NULL;
		s->vm_port->retry_at = emu_vmm_now_ms() + 10;
		s->vm_port->wait = NULL;
		if (s->owner && s->owner->used && s->owner->seq == s->owner_seq &&
		    s->owner->status < 0) {
			s->vm_port->wait = s->owner;
			s->vm_port->wait_seq = s->owner_seq;
		}
		s->vm_port = NULL;
	}
	if (s->peer) {
		struct emu_vmm_stream *q = s->peer;

		s->peer = NULL;
		q->peer = NULL;
		/* Pass the close on once the peer's pending bytes are out. */
		if (q->used && q->fd >= 0)
			shutdown(q->fd, SHUT_WR);
	}
}

/* Pair a stream that said hello with its counterpart on another platform. */
static void stream_pair(struct emu_vmm *v, struct emu_vmm_stream *s)
{
	for (size_t i = 0; i < EMU_VMM_MAX_STREAMS; i++) {
		struct emu_vmm_stream *q = &v->streams[i];

		if (q != s && q->used && q->hello_len == 16 && !q->peer && q->port == s->port &&
		    !q->connecting && (q->plat != s->plat || q->kind != s->kind)) {
			s->peer = q;
			q->peer = s;
			vmm_say(v, "relay", "port %u: %s <-> %s connected", s->port,
				q->kind == EMU_VMM_STREAM_TCP ? "remote host" : q->plat->name,
				s->kind == EMU_VMM_STREAM_TCP ? "remote host" : s->plat->name);
			return;
		}
	}
}

/* Does the injected fault apply to the bytes this stream's side sends? */
static bool fault_hits(const struct emu_vmm *v, const struct emu_vmm_stream *s)
{
	return v->fault != EMU_VMM_FAULT_NONE && (!v->fault_plat || s->plat == v->fault_plat);
}

/* Bytes read from s wait: STALL fault, or the run's barrier (v->hold). */
static bool relay_held(const struct emu_vmm *v, const struct emu_vmm_stream *s)
{
	return v->hold || (v->fault == EMU_VMM_FAULT_STALL && fault_hits(v, s));
}

/*
 * DISCONNECT: from now on nothing more is relayed either way, and each
 * MigTD sees a clean end of stream (FIN, no reset), as when the other side
 * went away; what they still send is read and discarded until they close.
 * The bytes of s that crossed the limit are not delivered.
 */
static void stream_cut(struct emu_vmm_stream *s)
{
	struct emu_vmm_stream *q = s->peer;

	s->buf_len = 0;
	s->peer = NULL;
	s->cut = true;
	shutdown(s->fd, SHUT_WR);
	if (q) {
		q->buf_len = 0;
		q->peer = NULL;
		q->cut = true;
		if (q->fd >= 0)
			shutdown(q->fd, SHUT_WR);
	}
}

/* The request a MigTD stream belongs to (by its port). */
static struct emu_vmm_request *stream_request(struct emu_vmm_stream *s)
{
	for (size_t i = 0; i < EMU_VMM_MAX_REQUESTS; i++) {
		struct emu_vmm_request *r = &s->plat->reqs[i];

		if (r->used && r->delivered && r->port == s->port && r->status < 0 &&
		    !r->duplicate_of)
			return r;
	}
	return NULL;
}

/* Start (or retry) the TCP connection of a source request's stream. */
static void tcp_connect(struct emu_vmm *v, struct emu_vmm_stream *t)
{
	int fd = socket(t->req->peer.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
	    one = 1;

	if (fd < 0)
		return;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)&t->req->peer, t->req->peer_len) != 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		t->retry_at = emu_vmm_now_ms() + 200;
		return;
	}
	t->fd = fd;
	t->connecting = true;
	(void)v;
}

/* A MigTD stream whose request goes to another host gets a TCP partner. */
static void stream_remote_for(struct emu_vmm *v, struct emu_vmm_stream *s)
{
	struct emu_vmm_request *r = stream_request(s);
	struct emu_vmm_stream *t;

	if (!r || !r->has_remote || !r->source)
		return; /* destination: the partner arrives through accept */
	t = stream_alloc(v);
	if (!t)
		return;
	t->kind = EMU_VMM_STREAM_TCP;
	t->plat = s->plat;
	t->req = r;
	t->port = s->port;
	t->hello_len = 16; /* TCP carries no hello: raw stream bytes only */
	tcp_connect(v, t);
	{
		char host[NI_MAXHOST] = "?", serv[NI_MAXSERV] = "?";

		getnameinfo((const struct sockaddr *)&r->peer, r->peer_len, host, sizeof(host),
			    serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV);
		vmm_say(v, "relay", "port %u: connecting to %s%s%s:%s", s->port,
			r->peer.ss_family == AF_INET6 ? "[" : "", host,
			r->peer.ss_family == AF_INET6 ? "]" : "", serv);
	}
}

/*
 * vmcall-raw to another host (serve): the request's Send/Receive bytes enter
 * the relay through one end of a socketpair, which the relay treats as the
 * session's MigTD stream (hello already said); the other end is the VMM's
 * (vmm_raw.c). The TCP partner comes as for a Service session.
 */
int vmm_raw_remote_attach(struct emu_vmm_platform *p, struct emu_vmm_request *r)
{
	struct emu_vmm_stream *s;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	s = stream_alloc(p->vmm);
	if (!s) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	s->fd = sv[0];
	s->kind = EMU_VMM_STREAM_MIGTD;
	s->plat = p;
	s->port = r->port;
	s->hello_len = 16;
	s->owner = r;
	s->owner_seq = r->seq;
	stream_remote_for(p->vmm, s);
	stream_pair(p->vmm, s);
	return sv[1];
}

static void tcp_on_writable_connecting(struct emu_vmm *v, struct emu_vmm_stream *t)
{
	int err = 0;
	socklen_t len = sizeof(err);

	getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err) {
		/* Like socat retrying: the destination may not be listening yet. */
		close(t->fd);
		t->fd = -1;
		t->connecting = false;
		t->retry_at = emu_vmm_now_ms() + 200;
		return;
	}
	t->connecting = false;
	stream_pair(v, t);
}

static void accept_tcp(struct emu_vmm *v, struct emu_vmm_platform *p, struct emu_vmm_request *r)
{
	int fd = accept4(r->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), one = 1;
	struct emu_vmm_stream *t;

	if (fd < 0)
		return;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	t = stream_alloc(v);
	if (!t) {
		close(fd);
		return;
	}
	t->fd = fd;
	t->kind = EMU_VMM_STREAM_TCP;
	t->plat = p;
	t->req = r;
	t->port = r->port;
	t->hello_len = 16;
	/* One connection per session, as a socat pair would carry. */
	close(r->listen_fd);
	r->listen_fd = -1;
	vmm_say(v, "relay", "port %u: remote host connected", r->port);
	stream_pair(v, t);
}

static void stream_on_readable(struct emu_vmm *v, struct emu_vmm_stream *s)
{
	ssize_t n;

	if (s->hello_len < 16) {
		uint64_t cid;

		n = recv(s->fd, s->hello + s->hello_len, 16 - s->hello_len, 0);
		if (n <= 0) {
			stream_close(s);
			return;
		}
		s->hello_len += (size_t)n;
		if (s->hello_len < 16)
			return;
		if (uvsock_hello_parse(s->hello, &cid, &s->port) != MIGTD_OK) {
			vmm_say(v, "relay", "%s: bad stream hello, closed", s->plat->name);
			stream_close(s);
			return;
		}
		s->owner = stream_request(s);
		s->owner_seq = s->owner ? s->owner->seq : 0;
		stream_remote_for(v, s);
		stream_pair(v, s);
		return;
	}
	if (s->cut) { /* DISCONNECT fault: discard until the MigTD closes */
		uint8_t sink[4096];

		n = recv(s->fd, sink, sizeof(sink), 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			stream_close(s);
		return;
	}
	if ((s->revents & POLLERR) && s->kind == EMU_VMM_STREAM_TCP) {
		int err = 0;
		socklen_t elen = sizeof(err);

		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 && err != 0) {
			/* The other host reset the connection: nothing buffered
			 * for it can be delivered any more, and the MigTD must
			 * hear of the end now, not at its step timeout. The
			 * poll would otherwise report the error forever while
			 * the buffer is full and nothing is read. */
			vmm_say(v, "relay", "%s: the other host's connection failed: %s",
				s->plat->name, strerror(err));
			stream_close(s);
			return;
		}
	}
	if (!s->peer && (s->revents & POLLHUP)) {
		/* Never paired and the MigTD hung up: nobody will take its bytes. */
		stream_close(s);
		return;
	}
	/* Read only when the peer exists and has room: back-pressure. */
	if (!s->peer || s->buf_len == sizeof(s->buf))
		return;
	n = recv(s->fd, s->buf + s->buf_len, sizeof(s->buf) - s->buf_len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		s->eof = true;
		return;
	}
	if (s->owner && s->owner->used && s->owner->seq == s->owner_seq)
		s->owner->bytes_sent += (uint64_t)n;
	if (!fault_hits(v, s)) {
		s->buf_len += (size_t)n;
		s->relayed += (size_t)n;
		return;
	}
	if (v->fault == EMU_VMM_FAULT_CORRUPT && s->relayed <= v->fault_after &&
	    s->relayed + (size_t)n > v->fault_after) {
		s->buf[s->buf_len + (v->fault_after - s->relayed)] ^= 0x5a;
		vmm_say(v, "relay", "fault injected: corrupted byte %zu from %s", v->fault_after,
			s->plat->name);
	}
	s->buf_len += (size_t)n;
	s->relayed += (size_t)n;
	if (v->fault == EMU_VMM_FAULT_DROP && s->relayed > v->fault_after) {
		vmm_say(v, "relay", "fault injected: connection from %s cut after %zu bytes",
			s->plat->name, s->relayed);
		stream_close(s);
	} else if (v->fault == EMU_VMM_FAULT_DISCONNECT && s->relayed > v->fault_after) {
		vmm_say(v, "relay",
			"fault injected: both MigTDs' streams ended after %zu bytes from %s",
			v->fault_after, s->plat->name);
		stream_cut(s);
	}
}

static void stream_flush(struct emu_vmm *v, struct emu_vmm_stream *s)
{
	struct emu_vmm_stream *q = s->peer;
	ssize_t n;

	if (!q || !s->buf_len || relay_held(v, s))
		return;
	if (q->wdead) {
		s->buf_len = 0; /* nobody to deliver to any more */
		return;
	}
	n = send(q->fd, s->buf, s->buf_len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* q's MigTD closed its stream. What it sent before closing (its
		 * TLS alert, say) may still wait in our socket: q stays open and
		 * read until its end of stream, so the alert still reaches s's
		 * side; only what can no longer be delivered is dropped. */
		s->buf_len = 0;
		q->wdead = true;
		return;
	}
	memmove(s->buf, s->buf + n, s->buf_len - (size_t)n);
	s->buf_len -= (size_t)n;
}

/*
 * A VM's session reported its status: its stream port connection has
 * carried everything it will (the firmware closes a stream only once the
 * device took all its bytes, before it reports). Read what is still in the
 * socket, then end the connection like an end of stream: flushed to the
 * peer, closed, and replaced by a fresh one for the next session.
 */
static void vm_streams_finish(struct emu_vmm_platform *p, uint32_t port)
{
	for (size_t i = 0; i < EMU_VMM_MAX_STREAMS; i++) {
		struct emu_vmm_stream *s = &p->vmm->streams[i];

		if (!s->used || s->plat != p || !s->vm_port || s->hello_len < 16 ||
		    s->port != port || s->eof)
			continue;
		while (s->buf_len < sizeof(s->buf)) {
			ssize_t n = recv(s->fd, s->buf + s->buf_len, sizeof(s->buf) - s->buf_len,
					 MSG_DONTWAIT);

			if (n <= 0)
				break;
			s->buf_len += (size_t)n;
			s->relayed += (size_t)n;
		}
		s->eof = true;
	}
}

/* Keep one connection open to every stream port of every MigTD VM. */
static void vm_ports_connect(struct emu_vmm *v, uint64_t now)
{
	for (unsigned k = 0; k < v->nplat; k++) {
		struct emu_vmm_platform *p = &v->plat[k];

		for (unsigned i = 0; p->vm && i < p->vm_nports; i++) {
			struct emu_vmm_vm_port *vp = &p->vm_port[i];
			struct sockaddr_un sa = { .sun_family = AF_UNIX };
			struct emu_vmm_stream *s;
			int fd;

			if (vp->s || now < vp->retry_at)
				continue;
			if (vp->wait && vp->wait->used && vp->wait->seq == vp->wait_seq &&
			    vp->wait->status < 0)
				continue; /* its session still reads the old connection */
			vp->wait = NULL;
			vp->retry_at = now + 50; /* QEMU may not listen yet */
			memcpy(sa.sun_path, vp->path, strlen(vp->path) + 1);
			fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (fd < 0)
				continue;
			if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
				close(fd);
				continue;
			}
			fcntl(fd, F_SETFL, O_NONBLOCK);
			s = stream_alloc(v);
			if (!s) {
				close(fd);
				continue;
			}
			s->fd = fd;
			s->plat = p;
			s->vm_port = vp;
			vp->s = s;
		}
	}
}

/* ------------------------------------------------------------ loop */

static void accept_link(struct emu_vmm_platform *p)
{
	int fd = accept4(p->link_listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (p->conn) { /* one MigTD per platform */
		close(fd);
		return;
	}
	p->conn = malloc(sizeof(*p->conn));
	if (!p->conn) {
		close(fd);
		return;
	}
	emu_link_conn_init(p->conn, fd, &p->host);
	if (p->vmm->verbose)
		vmm_say(p->vmm, p->name, "MigTD connected to its platform link");
}

static void accept_stream(struct emu_vmm_platform *p)
{
	int fd = accept4(p->relay_listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct emu_vmm_stream *s;

	if (fd < 0)
		return;
	s = stream_alloc(p->vmm);
	if (!s) {
		close(fd);
		return;
	}
	s->fd = fd;
	s->plat = p;
}

static void echo_log(struct emu_vmm_platform *p)
{
	char buf[4096];
	ssize_t n = read(p->migtd_log_fd, buf, sizeof(buf));

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			close(p->migtd_log_fd);
			p->migtd_log_fd = -1;
		}
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\r')
			continue; /* a VM's serial console */
		if (buf[i] == '\n' || p->log_len == sizeof(p->log_line) - 1) {
			p->log_line[p->log_len] = '\0';
			/* Truncated to the slot: it is a hint, not the log. */
			memcpy(p->tail[p->tail_next], p->log_line,
			       p->log_len < sizeof(p->tail[0]) ? p->log_len + 1
							       : sizeof(p->tail[0]));
			p->tail[p->tail_next][sizeof(p->tail[0]) - 1] = '\0';
			p->tail_next = (p->tail_next + 1) % EMU_VMM_LOG_TAIL;
			if (p->tail_count < EMU_VMM_LOG_TAIL)
				p->tail_count++;
			if (p->echo_log)
				printf("%14s%s %s | %s\n", "", p->name, p->vm ? "vm" : "migtd",
				       p->log_line);
			p->log_len = 0;
			continue;
		}
		p->log_line[p->log_len++] = buf[i];
	}
	fflush(stdout);
}

/*
 * Take what is left on a MigTD's log pipe, for at most wait_ms: the pipe
 * ends when every writer is gone, but a process the MigTD started may still
 * hold it (or the MigTD itself, not yet reaped). Never spins: it sleeps in
 * poll() and gives the pipe up after the wait.
 */
static void drain_log(struct emu_vmm_platform *p, unsigned wait_ms)
{
	uint64_t end = emu_vmm_now_ms() + wait_ms;

	while (p->migtd_log_fd >= 0) {
		struct pollfd pfd = { .fd = p->migtd_log_fd, .events = POLLIN };
		uint64_t now = emu_vmm_now_ms();

		if (now >= end || poll(&pfd, 1, (int)(end - now)) <= 0) {
			close(p->migtd_log_fd);
			p->migtd_log_fd = -1;
			break;
		}
		echo_log(p);
	}
}

/* The last log lines of a MigTD that died, unless they were echoed already. */
static void show_tail(struct emu_vmm_platform *p)
{
	if (p->echo_log)
		return;
	fprintf(stderr, "migtd-vmm: last %u log lines of the migtd of platform %s:\n",
		p->tail_count, p->name);
	for (unsigned i = 0; i < p->tail_count; i++) {
		unsigned k =
			(p->tail_next + EMU_VMM_LOG_TAIL - p->tail_count + i) % EMU_VMM_LOG_TAIL;

		fprintf(stderr, "  %s migtd | %s\n", p->name, p->tail[k]);
	}
}

static void describe_exit(int st, char *buf, size_t cap)
{
	if (WIFEXITED(st))
		snprintf(buf, cap, "exit status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, cap, "killed by signal %d (%s)", WTERMSIG(st),
			 strsignal(WTERMSIG(st)));
	else
		snprintf(buf, cap, "wait status 0x%x", st);
}

/* A MigTD that ends on its own is always a failure: it serves forever. */
static bool reap_migtds(struct emu_vmm *v)
{
	bool died = false;

	for (unsigned i = 0; i < v->nplat; i++) {
		struct emu_vmm_platform *p = &v->plat[i];
		char how[96];
		int st = 0;

		if (p->migtd_pid <= 0 || waitpid(p->migtd_pid, &st, WNOHANG) != p->migtd_pid)
			continue;
		p->migtd_pid = 0;
		p->migtd_died = true;
		p->migtd_wstatus = st;
		describe_exit(st, how, sizeof(how));
		drain_log(p, 500);
		show_tail(p);
		fprintf(stderr, "migtd-vmm: the migtd of platform %s died: %s\n", p->name, how);
		died = true;
	}
	return died;
}

/* ---- the event loop ------------------------------------------------------------------ */

/* What a polled descriptor is, so the loop knows whom to hand its events. */
enum vmm_fd_kind {
	VMM_FD_LINK_LISTEN,  /* a platform's link socket: a migtd connects */
	VMM_FD_RELAY_LISTEN, /* a platform's relay socket: a session stream opens */
	VMM_FD_LINK_CONN,    /* a platform link: frames from its migtd */
	VMM_FD_MIGTD_LOG,    /* a migtd's stderr, echoed and kept for its tail */
	VMM_FD_STREAM,       /* a relayed session stream (or its TCP leg) */
	VMM_FD_REQ_LISTEN,   /* a request's TCP listener: the other host connects */
	VMM_FD_WATCH,        /* a descriptor the program asked to be told about */
};

/* Every descriptor one round can poll: per platform its two listeners, link
 * and log, the streams, each request's listener, and the watches. */
#define VMM_POLL_MAX                                           \
	(4 * EMU_VMM_MAX_PLATFORMS + 8 + EMU_VMM_MAX_STREAMS + \
	 EMU_VMM_MAX_PLATFORMS * EMU_VMM_MAX_REQUESTS)

struct vmm_pollset {
	struct pollfd pfd[VMM_POLL_MAX];
	void *who[VMM_POLL_MAX];
	enum vmm_fd_kind kind[VMM_POLL_MAX];
	nfds_t n;
};

static void pollset_add(struct vmm_pollset *ps, int fd, short events, void *who,
			enum vmm_fd_kind kind)
{
	if (ps->n >= VMM_POLL_MAX) /* cannot happen: VMM_POLL_MAX counts them all */
		return;
	ps->pfd[ps->n] = (struct pollfd){ .fd = fd, .events = events };
	ps->who[ps->n] = who;
	ps->kind[ps->n++] = kind;
}

static void watch_platforms(struct emu_vmm *v, struct vmm_pollset *ps)
{
	for (unsigned i = 0; i < v->nplat; i++) {
		struct emu_vmm_platform *p = &v->plat[i];

		pollset_add(ps, p->link_listen_fd, POLLIN, p, VMM_FD_LINK_LISTEN);
		pollset_add(ps, p->relay_listen_fd, POLLIN, p, VMM_FD_RELAY_LISTEN);
		if (p->conn && !p->conn->dead)
			pollset_add(ps, p->conn->fd, POLLIN, p, VMM_FD_LINK_CONN);
		if (p->migtd_log_fd >= 0)
			pollset_add(ps, p->migtd_log_fd, POLLIN, p, VMM_FD_MIGTD_LOG);
	}
}

static void watch_request_listeners(struct emu_vmm *v, struct vmm_pollset *ps)
{
	for (unsigned i = 0; i < v->nplat; i++) {
		for (size_t k = 0; k < EMU_VMM_MAX_REQUESTS; k++) {
			struct emu_vmm_request *r = &v->plat[i].reqs[k];

			if (!r->used || r->listen_fd < 0)
				continue;
			if (r->status >= 0) { /* over before the peer came */
				close(r->listen_fd);
				r->listen_fd = -1;
				continue;
			}
			pollset_add(ps, r->listen_fd, POLLIN, r, VMM_FD_REQ_LISTEN);
		}
	}
	for (unsigned i = 0; i < v->nwatch; i++)
		pollset_add(ps, v->watch[i].fd, POLLIN, &v->watch[i], VMM_FD_WATCH);
}

/* Which events a stream waits for now; closes the ones that are over and
 * retries a source-side TCP connect that is due. */
static void watch_streams(struct emu_vmm *v, struct vmm_pollset *ps, uint64_t now)
{
	for (size_t i = 0; i < EMU_VMM_MAX_STREAMS; i++) {
		struct emu_vmm_stream *s = &v->streams[i];
		short ev = 0;

		if (!s->used)
			continue;
		if (s->kind == EMU_VMM_STREAM_TCP && s->fd < 0) {
			/* Source side waiting to retry its connect; give up with
			 * the request. */
			if (!s->req || s->req->status >= 0) {
				stream_close(s);
				continue;
			}
			if (now >= s->retry_at)
				tcp_connect(v, s);
			if (s->fd < 0)
				continue;
		}
		if (s->connecting) {
			pollset_add(ps, s->fd, POLLOUT, s, VMM_FD_STREAM);
			continue;
		}
		/* Ended, and nothing left for the peer (or no peer to take it). */
		if (s->eof && (!s->buf_len || !s->peer)) {
			stream_close(s);
			continue;
		}
		if (!s->eof &&
		    (s->hello_len < 16 || s->cut || (s->peer && s->buf_len < sizeof(s->buf))))
			ev |= POLLIN;
		if (s->peer && s->peer->buf_len && !relay_held(v, s->peer))
			ev |= POLLOUT;
		pollset_add(ps, s->fd, ev, s, VMM_FD_STREAM);
	}
}

static void on_link_readable(struct emu_vmm *v, struct emu_vmm_platform *p)
{
	if (emu_link_conn_on_readable(p->conn) != MIGTD_OK)
		vmm_say(v, p->name, "platform link dropped: %s", p->conn->why);
}

static void on_request_listener(struct emu_vmm *v, struct emu_vmm_request *r)
{
	for (unsigned k = 0; k < v->nplat; k++)
		if (r >= v->plat[k].reqs && r < v->plat[k].reqs + EMU_VMM_MAX_REQUESTS)
			accept_tcp(v, &v->plat[k], r);
}

static void on_stream_events(struct emu_vmm *v, struct emu_vmm_stream *s, short revents)
{
	if (!s->used)
		return;
	if (s->connecting) {
		tcp_on_writable_connecting(v, s);
		return;
	}
	if (revents & POLLOUT && s->peer)
		stream_flush(v, s->peer);
	s->revents = revents;
	if (s->used && revents & (POLLIN | POLLHUP | POLLERR))
		stream_on_readable(v, s);
}

static void dispatch(struct emu_vmm *v, const struct vmm_pollset *ps)
{
	for (nfds_t i = 0; i < ps->n; i++) {
		void *who = ps->who[i];

		if (!ps->pfd[i].revents)
			continue;
		switch (ps->kind[i]) {
		case VMM_FD_LINK_LISTEN: accept_link(who); break;
		case VMM_FD_RELAY_LISTEN: accept_stream(who); break;
		case VMM_FD_LINK_CONN: on_link_readable(v, who); break;
		case VMM_FD_MIGTD_LOG: echo_log(who); break;
		case VMM_FD_REQ_LISTEN: on_request_listener(v, who); break;
		case VMM_FD_WATCH: {
			struct emu_vmm_watch *w = who;

			w->fn(w->ctx, w->fd);
			break;
		}
		case VMM_FD_STREAM: on_stream_events(v, who, ps->pfd[i].revents); break;
		}
	}
}

/* Push whatever was read this round. */
static void flush_streams(struct emu_vmm *v)
{
	for (size_t i = 0; i < EMU_VMM_MAX_STREAMS; i++)
		if (v->streams[i].used && v->streams[i].peer)
			stream_flush(v, &v->streams[i]);
	vmm_raw_pump(v);
}

/* The longest one poll waits, so timers (connect retries, deadlines) run. */
#define VMM_POLL_TICK_MS 50u

bool emu_vmm_run(struct emu_vmm *v, bool (*done)(void *ctx), void *ctx, uint64_t timeout_ms)
{
	uint64_t end = emu_vmm_now_ms() + timeout_ms;
	struct vmm_pollset ps;
	int wait_ms;

	while (!done(ctx)) {
		uint64_t now = emu_vmm_now_ms();

		if (reap_migtds(v) || now >= end)
			return false;
		vm_ports_connect(v, now);
		ps.n = 0;
		watch_platforms(v, &ps);
		watch_request_listeners(v, &ps);
		watch_streams(v, &ps, now);
		wait_ms = (int)(end - now < VMM_POLL_TICK_MS ? end - now : VMM_POLL_TICK_MS);
		if (poll(ps.pfd, ps.n, wait_ms) < 0 && errno != EINTR)
			return false;
		dispatch(v, &ps);
		flush_streams(v);
	}
	return true;
}

/* Wait up to ms for pid to end; past that, SIGKILL it and reap it. False:
 * it had to be killed. */
static bool wait_or_kill(pid_t pid, unsigned ms, int *st)
{
	pid_t w = 0;

	for (unsigned k = 0; k < ms / 10 && (w = waitpid(pid, st, WNOHANG)) == 0; k++)
		usleep(10000);
	if (w != 0)
		return true;
	kill(pid, SIGKILL);
	waitpid(pid, st, 0);
	return false;
}

int emu_vmm_fini(struct emu_vmm *v)
{
	int abnormal = 0;

	for (size_t i = 0; i < EMU_VMM_MAX_STREAMS; i++)
		stream_close(&v->streams[i]);
	for (unsigned i = 0; i < v->nplat; i++) {
		struct emu_vmm_platform *p = &v->plat[i];

		for (size_t k = 0; k < EMU_VMM_MAX_REQUESTS; k++) {
			if (p->reqs[k].used && p->reqs[k].listen_fd >= 0)
				close(p->reqs[k].listen_fd);
			vmm_raw_remote_close(&p->reqs[k]);
			free(p->reqs[k].inq);
			p->reqs[k].inq = NULL;
		}
		if (p->migtd_died) {
			abnormal++;
		} else if (p->migtd_pid > 0) {
			int st = 0;

			kill(p->migtd_pid, SIGTERM);
			/* Bounded: a MigTD that does not stop within 10 s is killed. */
			(void)wait_or_kill(p->migtd_pid, 10000, &st);
			p->migtd_pid = 0;
			/* Exit 0 after SIGTERM; a sanitizer report (leaks found at
			 * exit included) makes it non-zero. */
			if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0) &&
			    !(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM)) {
				char how[96];

				describe_exit(st, how, sizeof(how));
				p->migtd_died = true;
				p->migtd_wstatus = st;
				drain_log(p, 500);
				show_tail(p);
				fprintf(stderr,
					"migtd-vmm: the migtd of platform %s ended abnormally: %s\n",
					p->name, how);
				abnormal++;
			}
		}
		if (p->backend_pid > 0) {
			/* It ends by itself once QEMU closed the vhost-user
			 * socket; a non-zero exit is a backend failure. */
			int st = 0;

			if (!wait_or_kill(p->backend_pid, 2000, &st)) {
				fprintf(stderr, "migtd-vmm: the vsock backend of %s did not stop\n",
					p->name);
				abnormal++;
			} else if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
				char how[96];

				describe_exit(st, how, sizeof(how));
				fprintf(stderr,
					"migtd-vmm: the vsock backend of %s ended abnormally: %s\n",
					p->name, how);
				abnormal++;
			}
			p->backend_pid = 0;
			unlink(p->vhost_path);
		}
		drain_log(p, 500);
		if (p->conn) {
			close(p->conn->fd);
			free(p->conn);
		}
		if (p->link_listen_fd >= 0)
			close(p->link_listen_fd);
		if (p->relay_listen_fd >= 0)
			close(p->relay_listen_fd);
		unlink(p->link_path);
		unlink(p->relay_path);
		emu_host_platform_free(&p->host);
	}
	v->nplat = 0;
	return abnormal;
}
