/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * emu_vmm.h -- the emulated VMM: one or more emulated TDX platforms, each
 * running a `migtd` process, with the VMM's side of the MigTD protocol.
 *
 * Hosted only (src/emuhost/). Per platform it plays what QEMU/KVM + the host
 * play upstream: launches the MigTD ("launches the TD": MRTD = SHA-384 of
 * the migtd executable, the stand-in for the image measurement), serves its
 * platform link (emu_host.h: TDX module, quoting service), creates and binds
 * user TDs, hands out migration requests through the real GHCI Service
 * buffers and HOB layout, collects ReportStatus, and relays each session's
 * MigTD<->MigTD byte stream -- to another platform of the same process
 * (`migtd-vmm demo`) or over TCP to another host (`migtd-vmm serve`).
 * The relay is untrusted by design: it sees only TLS records, and can be
 * told to corrupt, drop or delay them for tests.
 */
#ifndef MIGTD_EMU_VMM_H
#define MIGTD_EMU_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>
#include <sys/types.h>

#include "emu_host.h"

#define EMU_VMM_MAX_PLATFORMS 2
#define EMU_VMM_MAX_REQUESTS 256
#define EMU_VMM_MAX_STREAMS 256
#define EMU_VMM_RELAY_BUF 65536
#define EMU_VMM_LOG_TAIL 80
/* Stream ports of a MigTD VM (virtserialport migtd.stream.N). */
#define EMU_VMM_VM_STREAMS 4
#define EMU_VMM_VM_STREAMS_MAX 18

enum emu_vmm_fault {
	EMU_VMM_FAULT_NONE = 0,
	EMU_VMM_FAULT_CORRUPT,    /* flip a byte in the middle of the relayed stream */
	EMU_VMM_FAULT_DROP,       /* cut the connection after some bytes */
	EMU_VMM_FAULT_STALL,      /* stop relaying (the peer never answers) */
	EMU_VMM_FAULT_DISCONNECT, /* after some bytes, end both MigTDs' streams
				   * cleanly (end of stream, no reset): the peer
				   * went away */
	EMU_VMM_FAULT_CANCEL,     /* vmcall-raw: after some bytes, cancel both
				   * sessions (data_status 2/3, docs/vmcall-raw.md) */
};

/* vmcall-raw: what a WaitForRequest completion carries instead of a good
 * request (test injections, docs/vmcall-raw.md). */
enum emu_vmm_raw_inject {
	EMU_VMM_RAW_OK = 0,
	EMU_VMM_RAW_VMM_ERROR,  /* data_status byte 0 = 2: the MigTD reports 11 */
	EMU_VMM_RAW_BAD_LENGTH, /* payload one byte too long: 1 */
	EMU_VMM_RAW_UNKNOWN_OP, /* operation 9: 12 */
};

/* Largest ReportStatus data the VMM keeps (a TDREPORT, a log area descriptor). */
#define EMU_VMM_RAW_RDATA_MAX 1024u
#define EMU_VMM_MAX_VCPUS 4u

struct emu_vmm_request {
	bool used;
	uint64_t id;
	bool source;
	struct emu_user_td *td;
	uint32_t port; /* mig_channel_port given in the HOB */
	bool delivered;
	int status;                                 /* -1 until ReportStatus */
	uint64_t t_queued, t_delivered, t_reported; /* ms */
	uint64_t seq; /* queue order: requests are delivered oldest first */
	/* Test injections (run/demo): deliver a broken HOB list instead of the
	 * request; or deliver the same mig_request_id again (this entry is the
	 * copy; it shares duplicate_of's user TD and port). */
	bool malformed_hob;
	struct emu_vmm_request *duplicate_of;
	bool dup_while_in_progress; /* the original had not reported yet */
	uint32_t wfr_at_delivery;   /* WaitForRequests received before delivery */
	unsigned reports;           /* ReportStatus calls attributed to it */
	uint64_t bytes_sent;        /* stream bytes its MigTD sent through the relay */
	/* Two-host relay (serve): the source connects to peer, the destination
	 * accepts on listen_fd. has_remote false: the peer is in-process (demo). */
	bool has_remote;
	struct sockaddr_storage peer; /* IPv4 or IPv6 */
	socklen_t peer_len;
	int listen_fd;
	/* vmcall-raw (the platform's profile): the operation delivered (0 or 1:
	 * StartMigration), its injection, EnableLogArea's level; the Receive
	 * the MigTD posted for this id and the bytes waiting for it; the
	 * ReportStatus data (a GetTDReport's TDREPORT, checked: MAC and
	 * REPORTDATA). */
	uint8_t raw_op;
	enum emu_vmm_raw_inject raw_inject;
	uint8_t raw_level;
	bool raw_canceled;
	bool rx_pending;
	uint32_t rx_seq;
	size_t rx_cap;
	uint8_t *inq;
	size_t inq_len, inq_cap;
	/* serve: the stream goes to another host through the relay (raw_fd is
	 * the VMM's end of it while raw_fd_open) */
	bool raw_fd_open;
	int raw_fd;
	uint8_t *outq; /* Send bytes the relay has not taken yet */
	size_t outq_len, outq_cap;
	size_t rdata_len;
	bool tdreport_mac_ok, tdreport_rd_ok;
	uint8_t rdata[EMU_VMM_RAW_RDATA_MAX];
};

struct emu_vmm;
struct emu_vmm_stream;
typedef void (*emu_vmm_fd_fn)(void *ctx, int fd);

/*
 * One stream port of a MigTD VM: QEMU listens on path (a server chardev of
 * the virtserialport migtd.stream.N); the VMM keeps one connection to it,
 * handled like a MigTD process's relay connection (hello, then bytes).
 * After the session's ReportStatus the VMM ends that connection and opens
 * a fresh one for the next session. A connection that ends earlier (the
 * peer closed) is replaced only once its session reported: the firmware
 * drops what it still buffers from a connection when the next one opens.
 */
struct emu_vmm_vm_port {
	char path[108];
	struct emu_vmm_stream *s; /* the live connection, NULL while reconnecting */
	uint64_t retry_at;
	struct emu_vmm_request *wait; /* reconnect once this request reported */
	uint64_t wait_seq;            /* wait->seq then (the slot may be reused) */
};

struct emu_vmm_platform {
	struct emu_vmm *vmm;
	char name[32];
	char dir[EMU_PKI_PATH_MAX];
	char link_path[108];
	char relay_path[108];
	struct emu_host_platform host;
	int link_listen_fd;
	int relay_listen_fd;
	struct emu_link_conn *conn; /* NULL until the MigTD connected */
	pid_t migtd_pid;
	int migtd_log_fd; /* the MigTD's stderr, echoed with a prefix */
	char log_line[1024];
	size_t log_len;
	bool echo_log;
	/* The last lines of its log, echoed or not: shown if it dies (a
	 * sanitizer report is written just before). */
	char tail[EMU_VMM_LOG_TAIL][160];
	unsigned tail_next, tail_count;
	/* The MigTD is a QEMU VM (emu_vmm_launch_vm): its serial log comes on
	 * migtd_log_fd, its streams through vm_port. */
	bool vm;
	unsigned vm_nports;
	struct emu_vmm_vm_port vm_port[EMU_VMM_VM_STREAMS_MAX];
	/* A vsock VM's device backend (0: none); stopped with the VM. */
	pid_t backend_pid;
	char vhost_path[108];
	uint8_t mrtd[48]; /* what the emulated TDX module reports */
	/* Set before launching: the MigTD is a policy v2 one (emu_vmm_launch
	 * passes --policy-v2 with this issuer chain; NULL: v1), and the
	 * MROWNER / MROWNERCONFIG the host gives the TD (has_owner; else 0). */
	const char *issuer_chain;
	bool has_owner;
	uint8_t mrowner[48], mrownerconfig[48];
	/* Set before requests: every request to this MigTD carries init data
	 * (has_init_data 1, the 72+512-byte Service HOB form, docs/protocol.md
	 * §2.3.1): the TDINFO of the MigTD initially bound to the user TD, with
	 * this MROWNER / MROWNERCONFIG and our MRTD. A policy v2 MigTD checks
	 * them against its policy before it opens a stream (§6.4). */
	bool has_init_data;
	uint8_t init_mrowner[48], init_mrownerconfig[48];
	/* The MigTD speaks vmcall-raw (TDG.VP.VMCALL<MigTD>), not Service. */
	bool raw;
	/* vmcall-raw log area: the pages the MigTD mirrored (LOG_PAGE). */
	uint8_t log_page[EMU_VMM_MAX_VCPUS][4096];
	bool log_page_seen[EMU_VMM_MAX_VCPUS];
	/* A WaitForRequest the VMM holds until it has a request. */
	bool wfr_pending;
	uint32_t wfr_seq;
	size_t wfr_rsp_cap;
	struct emu_vmm_request reqs[EMU_VMM_MAX_REQUESTS];
	unsigned long reports;
	unsigned long stray_reports; /* ReportStatus for no request in progress */
	uint32_t wfr_count;          /* WaitForRequests received */
	/* The MigTD process ended while the VMM ran (crash, sanitizer abort,
	 * fatal error), or at emu_vmm_fini with a non-zero status. */
	bool migtd_died;
	int migtd_wstatus;
};

enum emu_vmm_stream_kind {
	EMU_VMM_STREAM_MIGTD = 0, /* a MigTD's session stream (after its hello) */
	EMU_VMM_STREAM_TCP = 1,   /* the other host, raw stream bytes */
};

struct emu_vmm_stream {
	bool used;
	int fd;
	enum emu_vmm_stream_kind kind;
	bool connecting;               /* TCP: connect() in progress */
	struct emu_vmm_request *req;   /* TCP: the request it belongs to */
	struct emu_vmm_request *owner; /* MIGTD: the request (for byte counts) */
	uint64_t owner_seq;            /* owner->seq when set: the slot may be reused */
	bool cut;                      /* DISCONNECT fault: ended; drain until closed */
	short revents;                 /* of the last poll() */
	bool wdead;                    /* writing to it failed: its MigTD closed */
	uint64_t retry_at;             /* TCP source: next connect attempt (ms) */
	struct emu_vmm_platform *plat;
	struct emu_vmm_vm_port *vm_port; /* a VM's stream port connection, else NULL */
	uint8_t hello[16];
	size_t hello_len;
	uint32_t port;
	struct emu_vmm_stream *peer;
	/* Bytes read from this side, waiting to be written to the peer. */
	uint8_t buf[EMU_VMM_RELAY_BUF];
	size_t buf_len;
	size_t relayed; /* total bytes relayed from this side */
	bool eof;
};

struct emu_vmm {
	struct emu_vmm_platform plat[EMU_VMM_MAX_PLATFORMS];
	unsigned nplat;
	struct emu_vmm_stream streams[EMU_VMM_MAX_STREAMS];
	enum emu_vmm_fault fault;
	size_t fault_after; /* bytes relayed before the fault hits */
	/* NULL: the fault hits the bytes of every stream; else only the bytes
	 * sent by this platform's MigTD. */
	const struct emu_vmm_platform *fault_plat;
	bool verbose;
	bool quiet; /* no event lines (vmm_say) */
	bool hold;  /* relay nothing for now (a test barrier) */
	uint64_t next_seq;
	uint64_t t0;
	struct emu_vmm_watch {
		int fd;
		emu_vmm_fd_fn fn;
		void *ctx;
	} watch[8];
	unsigned nwatch;
};

uint64_t emu_vmm_now_ms(void);

void emu_vmm_init(struct emu_vmm *v);
/* Load DIR's PKI as a new platform, listen on DIR/link.sock and DIR/relay.sock. */
struct emu_vmm_platform *emu_vmm_add_platform(struct emu_vmm *v, const char *name, const char *dir,
					      char *msg, size_t msglen);
/* "Launch the TD" without starting it: MRTD = SHA-384 of migtd_path, for a
 * migtd a test starts itself on DIR/link.sock (serve --migtd-external). */
int emu_vmm_measure(struct emu_vmm_platform *p, const char *migtd_path, char *msg, size_t msglen);
/* Launch `migtd` for a platform (argv[0] = migtd path; extra args appended).
 * With p->issuer_chain set it runs as a policy v2 MigTD (policy = the signed
 * file, root_ca unused). */
int emu_vmm_launch(struct emu_vmm_platform *p, const char *migtd_path, const char *policy,
		   const char *root_ca, const char *log_level, const char *timeout_ms, char *msg,
		   size_t msglen);
/*
 * Launch the firmware image as the platform's MigTD in a QEMU VM (TCG, q35,
 * -cpu max): the platform link is the virtserialport migtd.link (QEMU
 * connects to DIR/link.sock), the streams nports virtserialports
 * migtd.stream.0.. on server sockets DIR/stream<i>.sock the VMM connects to.
 * "Launching the TD" measures the image: MRTD per docs/protocol.md §9.6 (migtd_tdvf_mrtd, the
 * same code as migtd-hash). image must already carry the enrolled CFV.
 */
int emu_vmm_launch_vm(struct emu_vmm_platform *p, const char *qemu, const char *image,
		      unsigned nports, char *msg, size_t msglen);
/*
 * Launch the TRANSPORT=virtio-serial image with upstream's virtio-serial
 * set-up: virtio-serial-pci (transitional, as upstream's README has it) with
 * one unnamed virtserialport (port 1) on the QEMU chardev
 * `stream_chardev` (e.g. "socket,host=127.0.0.1,port=1236,server=on,wait=off"
 * -- the two VMs' chardevs are joined directly, no VMM relay), plus the
 * emulated platform link on the reserved port EMU_VMM_SERIAL_LINK_NR named
 * migtd.link (docs/firmware-transports.md).
 */
#define EMU_VMM_SERIAL_LINK_NR 2u
int emu_vmm_launch_vm_serial(struct emu_vmm_platform *p, const char *qemu, const char *image,
			     const char *stream_chardev, char *msg, size_t msglen);
/*
 * Launch the default (TRANSPORT=virtio-vsock) image with upstream's device
 * set: only vhost-user-vsock-pci (+ COM1 for the log). Guest RAM is a
 * shared memfd so the device backend can map it. The device is served by
 * `backend` (the migtd-vsock-backend program, docs/vhost-user.md), started
 * first on the listening socket DIR/vhost.sock with guest CID `guest_cid`;
 * it hands the VM's platform-link stream (port MIGTD_EMU_LINK_VSOCK_PORT)
 * to DIR/link.sock and every other stream, with its MVSK hello, to
 * DIR/relay.sock -- the same sockets a `migtd` process uses.
 */
int emu_vmm_launch_vm_vsock(struct emu_vmm_platform *p, const char *qemu, const char *image,
			    const char *backend, uint64_t guest_cid, char *msg, size_t msglen);
/*
 * Launch the image as a TD under the shim ROM (docs/td-under-shim.md): the
 * shim (build/tdshim.bin) is the VM's -bios and plays the TDX module and
 * VMM; its platform link is DIR/link.sock as for a plain VM. The TD's
 * stream devices: with backend, vhost-user-vsock served by it (as
 * emu_vmm_launch_vm_vsock); else nports virtio-serial stream ports (as
 * emu_vmm_launch_vm). lenient: the shim's lenient #VE mode.
 */
struct emu_vmm_td_args {
	const char *qemu, *image, *shim;
	unsigned nports;
	const char *backend;
	uint64_t guest_cid;
	bool lenient;
	const char *test; /* FOR TESTS: the shim's test mode (docs/td-under-shim.md), or NULL */
};
int emu_vmm_launch_vm_td(struct emu_vmm_platform *p, const struct emu_vmm_td_args *td, char *msg,
			 size_t msglen);
/* The stream transport recorded in a migtd-c image ("virtio-vsock", ...;
 * docs/firmware-transports.md) into name; false if none is recorded. */
bool emu_vmm_image_transport(const char *image, char *name, size_t cap);
/* Queue a migration request for a newly bound user TD. */
struct emu_vmm_request *emu_vmm_request(struct emu_vmm_platform *p, uint64_t id, bool source,
					uint32_t port);
/* Make a request's stream go to another host: the source connects to addr,
 * the destination listens on addr (TCP, no framing added). */
int emu_vmm_request_remote(struct emu_vmm_request *r, const struct sockaddr *addr,
			   socklen_t addr_len, char *msg, size_t msglen);
struct emu_vmm_request *emu_vmm_find_request(struct emu_vmm_platform *p, uint64_t id);
/* Queue the same request (id, user TD, port, role) a second time, as a VMM
 * that delivers an id twice would (docs/protocol.md §1.4: the MigTD ignores it). */
struct emu_vmm_request *emu_vmm_request_duplicate(struct emu_vmm_platform *p,
						  struct emu_vmm_request *orig);
/* vmcall-raw: queue an auxiliary request (GetTDReport 3, EnableLogArea 4
 * with level, or any operation number) or a StartMigration with an
 * injection. No user TD is bound for operations other than 1. */
struct emu_vmm_request *emu_vmm_raw_request(struct emu_vmm_platform *p, uint64_t id, uint8_t op,
					    uint8_t level, enum emu_vmm_raw_inject inject);
/* vmcall-raw: cancel a session (data_status 2/3 on its Send/Receive, now
 * and from now on). */
void emu_vmm_raw_cancel(struct emu_vmm *v, struct emu_vmm_request *r);
/* vmcall-raw: print the log area's entries (docs/vmcall-raw.md) to f; the
 * number of entries printed. */
unsigned emu_vmm_raw_print_logs(const struct emu_vmm_platform *p, FILE *f);

/* Forget a finished request and unbind its user TD (frees both slots). */
void emu_vmm_request_release(struct emu_vmm_request *r);

/* Optional extra fd the loop watches (serve: the control socket). */
void emu_vmm_watch(struct emu_vmm *v, int fd, emu_vmm_fd_fn fn, void *ctx);
/* Run the event loop until done(ctx) is true (-> true), or timeout_ms
 * passed or a MigTD process died (-> false; see migtd_died). done() may
 * queue new requests. */
bool emu_vmm_run(struct emu_vmm *v, bool (*done)(void *ctx), void *ctx, uint64_t timeout_ms);
/* Stop the MigTDs (SIGTERM) and close everything. Returns the number of
 * MigTD processes that ended abnormally: died during the run, or exited
 * with a non-zero status or a signal other than our SIGTERM (a sanitizer
 * error or leak report makes the exit status non-zero). */
int emu_vmm_fini(struct emu_vmm *v);

#endif /* MIGTD_EMU_VMM_H */
