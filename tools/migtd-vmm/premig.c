/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * premig.c -- `migtd-vmm demo` and `migtd-vmm run`: pre-migrations between
 * two emulated platforms, each with its own migtd process.
 *
 * One implementation: `demo` is `run` with one session (or --sessions N
 * started at once), the MigTDs' logs echoed and the VMM's events printed;
 * `run` queues --count sessions, --parallel at a time, and prints a
 * summary. Every option of one works in the other.
 *
 * Each platform (the "source" one and the "destination" one; "A" and "B"
 * with --both-ways, where odd sessions migrate from B to A) has its own
 * policy, enrolled root CA, PKI (which root signs it, PCESVN, TCB), TDX
 * module version ranges and user-TD SERVTD_ATTR, so each negative case is
 * one command. What the platform sees -- statuses, and with
 * --show-td-state each user TD's MIG_DEC_KEY / MIG_VERSION -- is printed
 * in lines scripts can match (tests/e2e/premigration*.sh).
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu_pki.h"
#include "emu_vmm.h"
#include "hostio.h"
#include "migtd/err.h"
#include "migtd/fmt.h"
#include "migtd/ghci.h"
#include "migtd/tdvf.h"
#include "migtd/wire.h"
#include "vsock_ids.h"
#include "vmm_tool.h"
#include "../common/cli.h"

#define PM_MAX_PARALLEL 128u
#define PM_MAX_COUNT 1000000u
#define PM_MAX_PAIRS 32u
#define PM_PRINT_FAILURES 20u
#define PM_NO_REQUEST (-2) /* a side that got no request (--only) */

enum { SRC = 0, DST = 1 };

struct pm_side {
	const char *policy;  /* NULL: --policy */
	const char *root_ca; /* NULL: the shared root; "src"/"dst": that platform's; a file */
	bool other_root;     /* its PKI under an emulated root CA of its own */
	int pcesvn;          /* -1: the platform default */
	int qe_svn;          /* -1: the platform default */
	bool has_sgx_tcb, has_tdx_tcb;
	uint8_t sgx_tcb[16], tdx_tcb[16];
	uint16_t ex_lo, ex_hi, im_lo, im_hi;
	uint64_t servtd_attr;
	/* collateral the platform's QGS hands out (docs/collateral.md) */
	struct emu_collateral_opts coll;
	bool coll_set;
	bool revoke_pck; /* its PCK certificate on the platform CA's CRL */
	bool coll_error; /* its QGS answers GET_COLLATERAL with an error */
	/* policy v2: the MigTD's issuer chain (set: a v2 MigTD whose policy is
	 * the signed file) and the MROWNER / MROWNERCONFIG its host gives it */
	const char *issuer_chain;
	bool has_mrowner, has_mrownerconfig;
	uint8_t mrowner[48], mrownerconfig[48];
	/* init data in its requests (§6.4): the initially bound MigTD's
	 * MROWNER / MROWNERCONFIG; one not given is the side's own */
	bool has_init_mrowner, has_init_mrownerconfig;
	uint8_t init_mrowner[48], init_mrownerconfig[48];
};

struct pm_opts {
	bool demo;
	const char *policy;
	struct pm_side side[2];
	unsigned long count, parallel, timeout_ms;
	enum emu_vmm_fault fault;
	size_t fault_after;
	int fault_side; /* -1: every stream; SRC/DST: bytes that platform sends */
	int only;       /* -1: both; SRC/DST: only that side gets requests */
	bool barrier;   /* hold the relay until --parallel sessions are in progress */
	bool both_ways, malformed_hob, duplicate_id, show_td_state, keep, quiet, verbose;
	/* --vm: the MigTDs are the firmware image in QEMU VMs */
	bool vm;
	const char *image, *qemu;
	unsigned long vm_streams;
	/* --vm-serial PORT: upstream's virtio-serial set-up, the VMs' port-1
	 * chardevs joined directly over TCP 127.0.0.1:PORT (0: off) */
	unsigned long vm_serial_port;
	bool image_set;
	/* --td [--shim ROM] [--lenient]: the VMs boot the image as a TD under
	 * the shim ROM (docs/td-under-shim.md) */
	bool td, lenient;
	const char *shim, *shim_test;
	/* the image is a virtio-vsock build (its build record says so): the VMs
	 * get vhost-user-vsock-pci served by migtd-vsock-backend */
	bool vm_vsock;
	char dir[PATH_MAX];
	/* --profile vmcall-raw and its extra requests (docs/vmcall-raw.md) */
	bool raw;
	int log_area_level; /* -1: no EnableLogArea */
	bool get_tdreport;
	int raw_request; /* -1: none; else an index into pm_raw_requests */
};

/* --raw-request NAME: one extra request on the source platform, and the
 * status the spec wants for it (docs/protocol.md §2.4.1). */
static const struct {
	const char *name;
	uint8_t op;
	enum emu_vmm_raw_inject inject;
	int want;
} pm_raw_requests[] = {
	{ "vmm-error", GHCI_RAW_OP_START_MIGRATION, EMU_VMM_RAW_VMM_ERROR, 11 },
	{ "bad-length", GHCI_RAW_OP_START_MIGRATION, EMU_VMM_RAW_BAD_LENGTH, 1 },
	{ "unknown-op", 9, EMU_VMM_RAW_UNKNOWN_OP, 12 },
	{ "rebinding", GHCI_RAW_OP_START_REBINDING, EMU_VMM_RAW_OK, 12 },
	{ "migtd-data", GHCI_RAW_OP_GET_MIGTD_DATA, EMU_VMM_RAW_OK, 12 },
};
#define PM_RAW_REQUESTS (sizeof(pm_raw_requests) / sizeof(pm_raw_requests[0]))

/* What is kept of a finished session (printed at the end). */
struct pm_result {
	int status[2]; /* by role; -1 no report, PM_NO_REQUEST */
	bool keys_ok;
	bool src_on_b;
	uint16_t version[2];
	bool version_written[2], dec_is_peer_enc[2];
	uint8_t dec_written[2];
	uint64_t id[2], bytes_sent[2];
	char why[96];
};

struct pm_session {
	bool active;
	unsigned index;
	struct emu_vmm_request *req[2]; /* by role; NULL: no request (--only) */
	struct emu_vmm_platform *plat[2];
	uint64_t deadline;
};

struct pm_pair {
	int s, d;
	unsigned n;
};

struct premig {
	struct pm_opts o;
	struct emu_vmm vmm;
	struct emu_vmm_platform *plat[2];
	struct pm_session slot[PM_MAX_PARALLEL];
	struct pm_result *res;
	unsigned started, finished, failed, active;
	struct pm_pair pairs[PM_MAX_PAIRS];
	unsigned npairs, other_pairs;
	bool start_error;
	/* --malformed-hob: an extra request on the source platform */
	struct emu_vmm_request *bad;
	bool bad_settled;
	uint64_t bad_deadline;
	/* --duplicate-id: session 0's source request delivered twice */
	struct emu_vmm_request *dup;
	bool dup_seen, dup_in_progress, dup_ignored;
	unsigned dup_orig_reports;
	uint64_t t_start;
	/* vmcall-raw extras: EnableLogArea and GetTDReport on both platforms,
	 * one --raw-request on the source; settled once all reported. */
	struct emu_vmm_request *raw_log[2], *raw_tdr[2], *raw_req;
	uint64_t raw_deadline;
	/* Most requests a MigTD held at once (delivered, not yet reported). */
	unsigned peak[2];
};

static struct premig pm;

/* ------------------------------------------------------------ options */

enum {
	O_POLICY = 256,
	O_SESSIONS,
	O_COUNT,
	O_PARALLEL,
	O_TIMEOUT,
	O_FAULT,
	O_FAULT_AFTER,
	O_FAULT_SIDE,
	O_ONLY,
	O_BOTH_WAYS,
	O_MALFORMED_HOB,
	O_DUPLICATE_ID,
	O_SHOW_TD_STATE,
	O_BARRIER,
	O_DIR,
	O_KEEP,
	O_QUIET,
	O_VERBOSE,
	O_HELP,
	O_VM,
	O_IMAGE,
	O_QEMU,
	O_VM_STREAMS,
	O_VM_SERIAL,
	O_TD,
	O_SHIM,
	O_LENIENT,
	O_SHIM_TEST,
	O_PROFILE,
	O_LOG_AREA,
	O_GET_TDREPORT,
	O_RAW_REQUEST,
	/* per side: code + SIDE_BASE * (side + 1) */
	S_POLICY = 0,
	S_ROOT_CA,
	S_PKI_ROOT,
	S_PCESVN,
	S_TCB,
	S_TDX_TCB,
	S_EXPORT,
	S_IMPORT,
	S_SERVTD_ATTR,
	S_QE_SVN,
	S_TCB_STATUS,
	S_QE_TCB_STATUS,
	S_COLLATERAL,
	S_REVOKE_PCK,
	S_COLL_ERROR,
	S_LEVEL_PCESVN,
	S_ISSUER_CHAIN,
	S_MROWNER,
	S_MROWNERCONFIG,
	S_INIT_MROWNER,
	S_INIT_MROWNERCONFIG,
	S_COUNT,
	SIDE_BASE = 1024,
	BOTH_SIDES = 3, /* code + SIDE_BASE * 3: the option for both platforms */
};

#define SIDE_OPT(name, code)                                                 \
	{ "src-" name, required_argument, NULL, SIDE_BASE * 1 + (code) },    \
	{                                                                    \
		"dst-" name, required_argument, NULL, SIDE_BASE * 2 + (code) \
	}

static const struct option pm_longopts[] = {
	{ "policy", required_argument, NULL, O_POLICY },
	{ "dest-policy", required_argument, NULL, SIDE_BASE * 2 + S_POLICY },
	SIDE_OPT("policy", S_POLICY),
	SIDE_OPT("root-ca", S_ROOT_CA),
	SIDE_OPT("pki-root", S_PKI_ROOT),
	SIDE_OPT("pcesvn", S_PCESVN),
	SIDE_OPT("tcb", S_TCB),
	SIDE_OPT("tdx-tcb", S_TDX_TCB),
	SIDE_OPT("export", S_EXPORT),
	SIDE_OPT("import", S_IMPORT),
	SIDE_OPT("servtd-attr", S_SERVTD_ATTR),
	SIDE_OPT("qe-svn", S_QE_SVN),
	SIDE_OPT("tcb-status", S_TCB_STATUS),
	SIDE_OPT("qe-tcb-status", S_QE_TCB_STATUS),
	SIDE_OPT("collateral", S_COLLATERAL),
	SIDE_OPT("tcb-level-pcesvn", S_LEVEL_PCESVN),
	SIDE_OPT("issuer-chain", S_ISSUER_CHAIN),
	SIDE_OPT("mrowner", S_MROWNER),
	SIDE_OPT("mrownerconfig", S_MROWNERCONFIG),
	SIDE_OPT("init-mrowner", S_INIT_MROWNER),
	SIDE_OPT("init-mrownerconfig", S_INIT_MROWNERCONFIG),
	{ "issuer-chain", required_argument, NULL, SIDE_BASE *BOTH_SIDES + S_ISSUER_CHAIN },
	{ "mrowner", required_argument, NULL, SIDE_BASE *BOTH_SIDES + S_MROWNER },
	{ "mrownerconfig", required_argument, NULL, SIDE_BASE *BOTH_SIDES + S_MROWNERCONFIG },
	{ "init-mrowner", required_argument, NULL, SIDE_BASE *BOTH_SIDES + S_INIT_MROWNER },
	{ "init-mrownerconfig", required_argument, NULL,
	  SIDE_BASE *BOTH_SIDES + S_INIT_MROWNERCONFIG },
	{ "src-revoke-pck", no_argument, NULL, SIDE_BASE * 1 + S_REVOKE_PCK },
	{ "dst-revoke-pck", no_argument, NULL, SIDE_BASE * 2 + S_REVOKE_PCK },
	{ "src-collateral-error", no_argument, NULL, SIDE_BASE * 1 + S_COLL_ERROR },
	{ "dst-collateral-error", no_argument, NULL, SIDE_BASE * 2 + S_COLL_ERROR },
	{ "sessions", required_argument, NULL, O_SESSIONS },
	{ "count", required_argument, NULL, O_COUNT },
	{ "parallel", required_argument, NULL, O_PARALLEL },
	{ "timeout-ms", required_argument, NULL, O_TIMEOUT },
	{ "profile", required_argument, NULL, O_PROFILE },
	{ "log-area", required_argument, NULL, O_LOG_AREA },
	{ "get-tdreport", no_argument, NULL, O_GET_TDREPORT },
	{ "raw-request", required_argument, NULL, O_RAW_REQUEST },
	{ "fault", required_argument, NULL, O_FAULT },
	{ "fault-after", required_argument, NULL, O_FAULT_AFTER },
	{ "fault-side", required_argument, NULL, O_FAULT_SIDE },
	{ "only", required_argument, NULL, O_ONLY },
	{ "both-ways", no_argument, NULL, O_BOTH_WAYS },
	{ "barrier", no_argument, NULL, O_BARRIER },
	{ "malformed-hob", no_argument, NULL, O_MALFORMED_HOB },
	{ "duplicate-id", no_argument, NULL, O_DUPLICATE_ID },
	{ "show-td-state", no_argument, NULL, O_SHOW_TD_STATE },
	{ "dir", required_argument, NULL, O_DIR },
	{ "keep", no_argument, NULL, O_KEEP },
	{ "quiet", no_argument, NULL, O_QUIET },
	{ "verbose", no_argument, NULL, O_VERBOSE },
	{ "vm", no_argument, NULL, O_VM },
	{ "image", required_argument, NULL, O_IMAGE },
	{ "qemu", required_argument, NULL, O_QEMU },
	{ "vm-streams", required_argument, NULL, O_VM_STREAMS },
	{ "vm-serial", required_argument, NULL, O_VM_SERIAL },
	{ "td", no_argument, NULL, O_TD },
	{ "shim", required_argument, NULL, O_SHIM },
	{ "lenient", no_argument, NULL, O_LENIENT },
	{ "shim-test", required_argument, NULL, O_SHIM_TEST },
	{ "help", no_argument, NULL, O_HELP },
	{ NULL, 0, NULL, 0 },
};

void premig_usage(FILE *f)
{
	fprintf(f,
		"  demo [OPTIONS]\n"
		"      Two emulated platforms (different FMSPC and TCB, one root CA), a migtd\n"
		"      process on each, one pre-migration from source to destination (or\n"
		"      --sessions N at once), every step printed; checks on the platform side\n"
		"      that each MIG_DEC_KEY equals the peer's MIG_ENC_KEY and both MIG_VERSIONs\n"
		"      agree. Exit 0 only if every session succeeded that way.\n"
		"  run --count N [--parallel C] [OPTIONS]\n"
		"      The same, N pre-migrations, C at a time (the next starts when one ends),\n"
		"      quietly; prints a summary (failures by status pair, wall time,\n"
		"      sessions/s). Exit 0 only if all succeeded with keys verified.\n"
		"    OPTIONS (X is src or dst: the source or the destination platform):\n"
		"      --policy P --X-policy P    migration policy (--dest-policy = --dst-policy;\n"
		"                                 default: the installed demo/policy.json,\n"
		"                                 config/demo/policy.json in the source tree)\n"
		"      --X-root-ca src|dst|FILE   the root CA that MigTD enrolls (default: the\n"
		"                                 root CA that signs the platforms)\n"
		"      --X-pki-root shared|other  other: the platform's PKI under its own root CA\n"
		"      --X-pcesvn N --X-tcb HEX32 --X-tdx-tcb HEX32 --X-qe-svn N   its TCB\n"
		"      --X-export MIN:MAX --X-import MIN:MAX   TDX module migration versions\n"
		"                                 (default export 1:3, import 2:4 -> version 3)\n"
		"      --X-servtd-attr N          SERVTD_ATTR of the platform's user TDs\n"
		"      --X-tcb-status S --X-qe-tcb-status S   the status of the platform's TCB\n"
		"                                 level / QE Identity level in its collateral:\n"
		"                                 UpToDate, SWHardeningNeeded,\n"
		"                                 ConfigurationNeeded,\n"
		"                                 ConfigurationAndSWHardeningNeeded, OutOfDate,\n"
		"                                 OutOfDateConfigurationNeeded, Revoked\n"
		"      --X-collateral current|expired|future   its collateral's issueDate/nextUpdate\n"
		"      --X-tcb-level-pcesvn N     the PCESVN of its TCB Info's top level (default:\n"
		"                                 the PCK's); the report carries the matched\n"
		"                                 level's PCESVN, not the PCK's\n"
		"      --X-revoke-pck             its PCK certificate on the platform CA's CRL\n"
		"      --X-collateral-error       its QGS answers every GET_COLLATERAL with an error\n"
		"      --issuer-chain PEM --X-issuer-chain PEM   a policy v2 MigTD: its policy is\n"
		"                                 a signed policy v2 file, PEM the policy issuer\n"
		"                                 chain (migtd --policy-v2); without: policy v1\n"
		"      --mrowner HEX96 --mrownerconfig HEX96 (--X-... for one side)   the\n"
		"                                 MROWNER / MROWNERCONFIG the host gives the\n"
		"                                 MigTD TD (migtd-hash --policy-v2 prints them;\n"
		"                                 default zero)\n"
		"      --init-mrowner HEX96 --init-mrownerconfig HEX96 (--X-... for one side)\n"
		"                                 every request to that MigTD carries init\n"
		"                                 data (has_init_data 1: the TDINFO of the\n"
		"                                 initially bound MigTD) with these values; the\n"
		"                                 one not given is the side's own --mrowner /\n"
		"                                 --mrownerconfig. A policy v2 MigTD refuses\n"
		"                                 another signer or a higher policy SVN (8)\n"
		"      --timeout-ms N             the MigTDs' per-step timeout (default 60000)\n"
		"      --fault corrupt|drop|stall|disconnect [--fault-after BYTES]\n"
		"              [--fault-side src|dst]   relay faults: flip byte BYTES, reset the\n"
		"                                 connection after BYTES, relay nothing, or end\n"
		"                                 both streams cleanly after BYTES; counted in\n"
		"                                 the bytes one MigTD sends (default 600, the\n"
		"                                 handshake); --fault-side: only that side's\n"
		"      --fault cancel [--fault-after BYTES]   vmcall-raw: the VMM cancels both\n"
		"                                 sessions (data_status 2/3) after BYTES\n"
		"      --profile service|vmcall-raw   the MigTDs' VMM interface (default service;\n"
		"                                 vmcall-raw: TDG.VP.VMCALL<MigTD>, docs/vmcall-raw.md)\n"
		"      --log-area LEVEL           vmcall-raw: EnableLogArea(LEVEL) on both MigTDs\n"
		"                                 (1..5 -> status 0, else 1); their log rings are\n"
		"                                 printed at the end\n"
		"      --get-tdreport             vmcall-raw: GetTDReport on both MigTDs, checked\n"
		"                                 (MAC by the TDX module, fixed REPORTDATA)\n"
		"      --raw-request vmm-error|bad-length|unknown-op|rebinding|migtd-data\n"
		"                                 vmcall-raw: one more request on the source\n"
		"                                 MigTD (expected status 11, 1, 12, 12, 12; a\n"
		"                                 policy v2 MigTD answers migtd-data: 0)\n"
		"      --only src|dst             only that side gets requests (no peer comes)\n"
		"      --both-ways                odd sessions migrate the other way (B -> A);\n"
		"                                 B then gets A's QE SVN (unless --dst-qe-svn)\n"
		"      --barrier                  relay nothing until the first --parallel\n"
		"                                 sessions are in progress on both MigTDs\n"
		"                                 (they then truly run at the same time)\n"
		"      --malformed-hob            also send the source MigTD one request with a\n"
		"                                 broken HOB list (expected: dropped, no report)\n"
		"      --duplicate-id             deliver session 0's source request twice while\n"
		"                                 it is in progress (expected: ignored)\n"
		"      --show-td-state            FOR TESTS: print both user TDs' MIG_DEC_KEY /\n"
		"                                 MIG_VERSION state as the TDX module holds it\n"
		"      --vm [--image IMG] [--qemu PATH] [--vm-streams N]\n"
		"                                 the MigTDs are the firmware image (default:\n"
		"                                 the installed migtd.bin, build/migtd.bin in\n"
		"                                 the source tree) in QEMU VMs: policy and root\n"
		"                                 CA enrolled into a copy per platform\n"
		"                                 (DIR/src/migtd.bin, DIR/dst/migtd.bin), MRTD\n"
		"                                 measured from it. The devices follow the\n"
		"                                 image's transport: virtio-vsock -> only\n"
		"                                 vhost-user-vsock-pci (guest CIDs 18/19) served\n"
		"                                 by migtd-vsock-backend next to migtd-vmm;\n"
		"                                 virtio-serial-ports -> N stream ports (default 4)\n"
		"      --td [--shim ROM] [--lenient]\n"
		"                                 --vm, each image booted as a TD under the\n"
		"                                 shim ROM (default: tdshim.bin next to the\n"
		"                                 image tools, build/tdshim.bin in the source\n"
		"                                 tree) that plays the TDX module and VMM;\n"
		"                                 --lenient: the shim emulates what would be a\n"
		"                                 #VE instead of injecting it\n"
		"      --shim-test MODE           FOR TESTS: the shim's test mode (bad-rtc, ap,\n"
		"                                 invariants; docs/td-under-shim.md)\n"
		"      --vm-serial PORT           --vm with upstream's virtio-serial set-up: the\n"
		"                                 TRANSPORT=virtio-serial image (default\n"
		"                                 build/migtd-serial.bin), port 1 of the two VMs\n"
		"                                 joined over TCP 127.0.0.1:PORT (destination\n"
		"                                 server=on, source server=off); one session\n"
		"      --dir DIR --keep --quiet (no MigTD logs) --verbose (all events)\n");
}

static int pm_side_opt(struct pm_side *sd, int code, const char *arg)
{
	char *end;

	switch (code) {
	case S_POLICY: sd->policy = arg; return 0;
	case S_ROOT_CA: sd->root_ca = arg; return 0;
	case S_PKI_ROOT:
		if (!strcmp(arg, "other") || !strcmp(arg, "shared")) {
			sd->other_root = !strcmp(arg, "other");
			return 0;
		}
		return -1;
	case S_PCESVN:
	case S_QE_SVN: {
		uint16_t v;

		if (vmm_parse_u16(arg, &v))
			return -1;
		*(code == S_PCESVN ? &sd->pcesvn : &sd->qe_svn) = v;
		return 0;
	}
	case S_TCB: sd->has_sgx_tcb = true; return vmm_parse_hex(arg, sd->sgx_tcb, 16);
	case S_TDX_TCB: sd->has_tdx_tcb = true; return vmm_parse_hex(arg, sd->tdx_tcb, 16);
	case S_EXPORT: return vmm_parse_range(arg, &sd->ex_lo, &sd->ex_hi);
	case S_IMPORT: return vmm_parse_range(arg, &sd->im_lo, &sd->im_hi);
	case S_SERVTD_ATTR: sd->servtd_attr = strtoull(arg, &end, 0); return *arg && !*end ? 0 : -1;
	case S_TCB_STATUS:
	case S_QE_TCB_STATUS:
		if (!emu_tcb_status_valid(arg))
			return -1;
		*(code == S_TCB_STATUS ? &sd->coll.tcb_status : &sd->coll.qe_tcb_status) = arg;
		sd->coll_set = true;
		return 0;
	case S_COLLATERAL:
		if (!strcmp(arg, "current"))
			sd->coll.when = EMU_COLLATERAL_CURRENT;
		else if (!strcmp(arg, "expired"))
			sd->coll.when = EMU_COLLATERAL_EXPIRED;
		else if (!strcmp(arg, "future"))
			sd->coll.when = EMU_COLLATERAL_NOT_YET_VALID;
		else
			return -1;
		sd->coll_set = true;
		return 0;
	case S_LEVEL_PCESVN:
		if (vmm_parse_u16(arg, &sd->coll.level_pcesvn))
			return -1;
		sd->coll.has_level_pcesvn = true;
		sd->coll_set = true;
		return 0;
	case S_REVOKE_PCK: sd->revoke_pck = true; return 0;
	case S_COLL_ERROR: sd->coll_error = true; return 0;
	case S_ISSUER_CHAIN: sd->issuer_chain = arg; return 0;
	case S_MROWNER: sd->has_mrowner = true; return vmm_parse_hex(arg, sd->mrowner, 48);
	case S_MROWNERCONFIG:
		sd->has_mrownerconfig = true;
		return vmm_parse_hex(arg, sd->mrownerconfig, 48);
	case S_INIT_MROWNER:
		sd->has_init_mrowner = true;
		return vmm_parse_hex(arg, sd->init_mrowner, 48);
	case S_INIT_MROWNERCONFIG:
		sd->has_init_mrownerconfig = true;
		return vmm_parse_hex(arg, sd->init_mrownerconfig, 48);
	}
	return -1;
}

static int pm_side_name(const char *arg)
{
	return !strcmp(arg, "src") ? SRC : !strcmp(arg, "dst") ? DST : -1;
}

/* 0: go on; 1: --help printed; 2: usage error. */
static int pm_parse(struct pm_opts *o, int argc, char **argv, const char *cmd)
{
	char *end;
	int c;

	/* Found next to the program, not in the current directory. */
	o->policy = cli_default_path(CLI_DEFAULT_DEMO_POLICY);
	o->image = cli_default_path(CLI_DEFAULT_IMAGE);
	o->shim = cli_default_path(CLI_DEFAULT_TDSHIM);
	o->qemu = "qemu-system-x86_64";
	o->vm_streams = EMU_VMM_VM_STREAMS;
	o->count = 1;
	o->timeout_ms = 60000;
	o->fault_side = o->only = -1;
	o->log_area_level = o->raw_request = -1;
	for (int s = 0; s < 2; s++) {
		o->side[s].pcesvn = o->side[s].qe_svn = -1;
		o->side[s].ex_lo = 1, o->side[s].ex_hi = 3;
		o->side[s].im_lo = 2, o->side[s].im_hi = 4;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", pm_longopts, NULL)) != -1) {
		int bad = 0;

		if (c >= SIDE_BASE * BOTH_SIDES) {
			bad = pm_side_opt(&o->side[SRC], c % SIDE_BASE, optarg) ||
			      pm_side_opt(&o->side[DST], c % SIDE_BASE, optarg);
			goto check;
		}
		if (c >= SIDE_BASE) {
			bad = pm_side_opt(&o->side[c / SIDE_BASE - 1], c % SIDE_BASE, optarg);
			goto check;
		}
		switch (c) {
		case O_POLICY: o->policy = optarg; break;
		case O_SESSIONS: /* demo: N sessions started at once */
			o->count = o->parallel = strtoul(optarg, &end, 10);
			bad = *end != '\0';
			break;
		case O_COUNT:
			o->count = strtoul(optarg, &end, 10);
			bad = *end != '\0';
			break;
		case O_PARALLEL:
			o->parallel = strtoul(optarg, &end, 10);
			bad = *end != '\0';
			break;
		case O_TIMEOUT:
			o->timeout_ms = strtoul(optarg, &end, 10);
			bad = *end != '\0';
			break;
		case O_FAULT:
			if (!strcmp(optarg, "corrupt"))
				o->fault = EMU_VMM_FAULT_CORRUPT;
			else if (!strcmp(optarg, "drop"))
				o->fault = EMU_VMM_FAULT_DROP;
			else if (!strcmp(optarg, "stall"))
				o->fault = EMU_VMM_FAULT_STALL;
			else if (!strcmp(optarg, "disconnect"))
				o->fault = EMU_VMM_FAULT_DISCONNECT;
			else if (!strcmp(optarg, "cancel"))
				o->fault = EMU_VMM_FAULT_CANCEL;
			else
				bad = 1;
			break;
		case O_PROFILE:
			if (!strcmp(optarg, "vmcall-raw"))
				o->raw = true;
			else
				bad = strcmp(optarg, "service") != 0;
			break;
		case O_LOG_AREA:
			o->log_area_level = (int)strtoul(optarg, &end, 10);
			bad = *end != '\0' || !*optarg || o->log_area_level > 255;
			break;
		case O_GET_TDREPORT: o->get_tdreport = true; break;
		case O_RAW_REQUEST:
			bad = 1;
			for (unsigned k = 0; k < PM_RAW_REQUESTS; k++)
				if (!strcmp(optarg, pm_raw_requests[k].name)) {
					o->raw_request = (int)k;
					bad = 0;
				}
			break;
		case O_FAULT_AFTER:
			o->fault_after = strtoul(optarg, &end, 10);
			bad = *end != '\0';
			break;
		case O_FAULT_SIDE: bad = (o->fault_side = pm_side_name(optarg)) < 0; break;
		case O_ONLY: bad = (o->only = pm_side_name(optarg)) < 0; break;
		case O_BOTH_WAYS: o->both_ways = true; break;
		case O_BARRIER: o->barrier = true; break;
		case O_MALFORMED_HOB: o->malformed_hob = true; break;
		case O_DUPLICATE_ID: o->duplicate_id = true; break;
		case O_SHOW_TD_STATE: o->show_td_state = true; break;
		case O_DIR: snprintf(o->dir, sizeof(o->dir), "%s", optarg); break;
		case O_KEEP: o->keep = true; break;
		case O_QUIET: o->quiet = true; break;
		case O_VERBOSE: o->verbose = true; break;
		case O_VM: o->vm = true; break;
		case O_IMAGE:
			o->image = optarg;
			o->image_set = true;
			break;
		case O_QEMU: o->qemu = optarg; break;
		case O_VM_STREAMS:
			o->vm_streams = strtoul(optarg, &end, 10);
			bad = *end != '\0' || o->vm_streams < 1 ||
			      o->vm_streams > EMU_VMM_VM_STREAMS_MAX;
			break;
		case O_VM_SERIAL:
			o->vm = true;
			o->vm_serial_port = strtoul(optarg, &end, 10);
			bad = *end != '\0' || o->vm_serial_port < 1 || o->vm_serial_port > 65535;
			break;
		case O_TD:
			o->vm = true;
			o->td = true;
			break;
		case O_SHIM: o->shim = optarg; break;
		case O_LENIENT: o->lenient = true; break;
		case O_SHIM_TEST: o->shim_test = optarg; break;
		case 'h':
		case O_HELP: premig_usage(stdout); return 1;
		default: cli_try_help("migtd-vmm"); return 2;
		}
check:
		if (bad) {
			fprintf(stderr, "migtd-vmm %s: bad value '%s'\n", cmd, optarg);
			return 2;
		}
	}
	if (!o->parallel)
		o->parallel = o->demo ? o->count : 1;
	if (optind != argc || o->count < 1 || o->count > PM_MAX_COUNT || o->parallel < 1 ||
	    o->parallel > PM_MAX_PARALLEL || o->timeout_ms < 100 || o->timeout_ms > 3600000) {
		fprintf(stderr,
			"migtd-vmm %s: --count 1..%u, --parallel (--sessions) 1..%u, "
			"--timeout-ms 100..3600000\n",
			cmd, PM_MAX_COUNT, PM_MAX_PARALLEL);
		return 2;
	}
	if (!o->raw && (o->log_area_level >= 0 || o->get_tdreport || o->raw_request >= 0 ||
			o->fault == EMU_VMM_FAULT_CANCEL)) {
		fprintf(stderr,
			"migtd-vmm %s: --log-area, --get-tdreport, --raw-request and --fault cancel "
			"need --profile vmcall-raw\n",
			cmd);
		return 2;
	}
	if (o->raw && (o->vm_serial_port || o->malformed_hob || o->td)) {
		fprintf(stderr,
			"migtd-vmm %s: --profile vmcall-raw has no stream device (no --vm-serial), "
			"no HOB lists (--raw-request instead of --malformed-hob), and the shim's "
			"TD does not offer TDG.VP.VMCALL<MigTD> (no --td)\n",
			cmd);
		return 2;
	}
	/* The vmcall-raw image (make image PROFILE=vmcall-raw). */
	if (o->raw && o->vm && !o->image_set)
		o->image = "build/migtd-vmcall-raw.bin";
	if (o->fault && !o->fault_after && o->fault != EMU_VMM_FAULT_CANCEL)
		o->fault_after = 600; /* inside the TLS handshake */
	/* --vm's default is the default build (virtio-vsock, found like every
	 * default file); --vm-serial needs the virtio-serial build. */
	if (o->vm_serial_port && !o->image_set)
		o->image = "build/migtd-serial.bin";
	if (o->vm_serial_port && o->parallel > 1) {
		fprintf(stderr,
			"migtd-vmm %s: --vm-serial carries one session at a time "
			"(one port, as upstream's virtio-serial build)\n",
			cmd);
		return 2;
	}
	return 0;
}

/* ------------------------------------------------------------ set-up */

static const char *plat_name(const struct pm_opts *o, int side)
{
	if (o->both_ways)
		return side == SRC ? "A" : "B";
	return side == SRC ? "source" : "destination";
}

/*
 * Two PKIs in DIR/src and DIR/dst. The first platform that is not
 * "other" creates the shared root CA, the others of that kind reuse it;
 * an "other" one gets a root of its own. Returns the shared root's dir.
 */
static int pm_make_pkis(struct premig *m, char dirs[2][PATH_MAX + 8], char root_dir[PATH_MAX + 8],
			char *msg, size_t msglen)
{
	struct emu_platform_params pp[2];
	int shared = m->o.side[SRC].other_root && !m->o.side[DST].other_root ? DST : SRC;

	emu_platform_params_default(&pp[SRC]);
	emu_platform_params_default(&pp[DST]);
	pp[DST].fmspc[1] = 0x90;
	pp[DST].fmspc[3] = 0x00;
	pp[DST].pcesvn = 13;
	pp[DST].qe_isvsvn = 5;
	/* The demo policy wants the peer's QE ISVSVN >= its own: for sessions
	 * in both directions both platforms need the same QE SVN. */
	if (m->o.both_ways)
		pp[DST].qe_isvsvn = pp[SRC].qe_isvsvn;
	for (int s = 0; s < 2; s++) {
		const struct pm_side *sd = &m->o.side[s];

		snprintf(dirs[s], PATH_MAX + 8, "%s/%s", m->o.dir, s == SRC ? "src" : "dst");
		if (sd->pcesvn >= 0)
			pp[s].pcesvn = (uint16_t)sd->pcesvn;
		if (sd->qe_svn >= 0)
			pp[s].qe_isvsvn = (uint16_t)sd->qe_svn;
		if (sd->has_sgx_tcb)
			memcpy(pp[s].sgx_tcb, sd->sgx_tcb, 16);
		if (sd->has_tdx_tcb)
			memcpy(pp[s].tdx_tcb, sd->tdx_tcb, 16);
	}
	memcpy(root_dir, dirs[shared], PATH_MAX + 8);
	if (emu_pki_init(dirs[shared], NULL, &pp[shared], 0, msg, msglen) != MIGTD_OK ||
	    emu_pki_init(dirs[!shared], m->o.side[!shared].other_root ? NULL : dirs[shared],
			 &pp[!shared], 0, msg, msglen) != MIGTD_OK)
		return -1;
	for (int s = 0; s < 2; s++) {
		const struct pm_side *sd = &m->o.side[s];
		uint8_t serial = emu_pki_pck_serial_of(&pp[s]);

		if (sd->coll_set && emu_pki_set_collateral(dirs[s], &sd->coll, msg, msglen))
			return -1;
		if (sd->revoke_pck && emu_pki_write_crl(dirs[s], "platform_ca", &serial, 1)) {
			snprintf(msg, msglen, "cannot revoke the %s PCK certificate",
				 s == SRC ? "source" : "destination");
			return -1;
		}
		if (sd->coll_set || sd->revoke_pck)
			printf("  %-12s collateral: TCB %s, QE %s, %s%s\n",
			       s == SRC ? "source:" : "destination:",
			       sd->coll.tcb_status ? sd->coll.tcb_status : "UpToDate",
			       sd->coll.qe_tcb_status ? sd->coll.qe_tcb_status : "UpToDate",
			       sd->coll.when == EMU_COLLATERAL_EXPIRED         ? "expired"
			       : sd->coll.when == EMU_COLLATERAL_NOT_YET_VALID ? "not yet valid"
									       : "current",
			       sd->revoke_pck ? ", PCK certificate revoked" : "");
	}
	printf("  %-12s FMSPC %02X%02X%02X%02X%02X%02X, PCESVN %u; %s: FMSPC "
	       "%02X%02X%02X%02X%02X%02X, PCESVN %u\n",
	       m->o.both_ways ? "platform A:" : "source:", pp[0].fmspc[0], pp[0].fmspc[1],
	       pp[0].fmspc[2], pp[0].fmspc[3], pp[0].fmspc[4], pp[0].fmspc[5], pp[0].pcesvn,
	       plat_name(&m->o, DST), pp[1].fmspc[0], pp[1].fmspc[1], pp[1].fmspc[2],
	       pp[1].fmspc[3], pp[1].fmspc[4], pp[1].fmspc[5], pp[1].pcesvn);
	for (int s = 0; s < 2; s++)
		if (m->o.side[s].other_root)
			printf("  %-12s its PKI is under a root CA of its own\n",
			       s == SRC ? (m->o.both_ways ? "platform A:" : "source:")
					: (m->o.both_ways ? "platform B:" : "destination:"));
	return 0;
}

/* Enroll policy + root CA into a copy of the firmware image (migtd-image's
 * enroll step, migtd_tdvf_enroll) for one platform's VM. */
int vmm_vm_image(const char *in, const char *out, const char *policy, const char *root,
		 bool issuer_chain, char *msg, size_t msglen)
{
	uint8_t *img = NULL, *pol = NULL, *ca = NULL;
	size_t img_len = 0, pol_len = 0, ca_len = 0;
	struct tdvf_metadata md;
	int err = MIGTD_ERR_INVALID;

	if (hostio_read_file(in, HOSTIO_READ_MAX, &img, &img_len) != MIGTD_OK ||
	    hostio_read_file(policy, HOSTIO_READ_MAX, &pol, &pol_len) != MIGTD_OK ||
	    hostio_read_file(root, HOSTIO_READ_MAX, &ca, &ca_len) != MIGTD_OK) {
		snprintf(msg, msglen, "cannot read %.150s, %.150s or %.150s", in, policy, root);
		goto out;
	}
	err = migtd_tdvf_parse(img, img_len, &md);
	if (!err)
		err = migtd_tdvf_enroll(img, img_len, &md, pol, pol_len, ca, ca_len, issuer_chain,
					NULL, NULL);
	if (err) {
		snprintf(msg, msglen, "enrolling into %.300s: %s", in, migtd_err_str(err));
		goto out;
	}
	err = emu_write_file(out, img, img_len, 0644);
	if (err)
		snprintf(msg, msglen, "cannot write %.400s", out);
out:
	free(img);
	free(pol);
	free(ca);
	return err;
}

static int pm_setup(struct premig *m, const char *self)
{
	char migtd[PATH_MAX + 8], dirs[2][PATH_MAX + 8], root_dir[PATH_MAX + 8],
		roots[2][PATH_MAX + 32], msg[512], tmo[32], backend[PATH_MAX + 32];
	const char *pol[2];

	if (!m->o.vm && vmm_migtd_path(self, migtd, sizeof(migtd)) != 0) {
		fprintf(stderr, "migtd-vmm: %s not found (build it with make)\n", migtd);
		return -1;
	}
	if (m->o.vm && !m->o.vm_serial_port) {
		char tr[32];

		if (!emu_vmm_image_transport(m->o.image, tr, sizeof(tr))) {
			fprintf(stderr, "migtd-vmm: %s: no migtd-c build record (make image)\n",
				m->o.image);
			return -1;
		}
		if (m->o.raw != !strcmp(tr, "vmcall-raw")) {
			fprintf(stderr, "migtd-vmm: %s is a %s image: %s\n", m->o.image, tr,
				m->o.raw ? "--profile vmcall-raw needs the vmcall-raw image (make "
					   "image PROFILE=vmcall-raw)"
					 : "use --profile vmcall-raw");
			return -1;
		}
		m->o.vm_vsock = !strcmp(tr, "virtio-vsock");
		if (!m->o.vm_vsock && !m->o.raw && strcmp(tr, "virtio-serial-ports") != 0) {
			fprintf(stderr, "migtd-vmm: %s is a %s image: use --vm-serial PORT\n",
				m->o.image, tr);
			return -1;
		}
		if (m->o.vm_vsock &&
		    vmm_sibling_path(self, "migtd-vsock-backend", backend, sizeof(backend)) != 0) {
			fprintf(stderr, "migtd-vmm: %s not found (build it with make)\n", backend);
			return -1;
		}
	}
	if (!m->o.dir[0]) {
		snprintf(m->o.dir, sizeof(m->o.dir), "/tmp/migtd-demo-XXXXXX");
		if (!mkdtemp(m->o.dir)) {
			perror("mkdtemp");
			return -1;
		}
	}
	printf("migtd-c pre-migration %s: two emulated TDX platforms in %s\n",
	       m->o.demo ? "demo" : "run", m->o.dir);
	if (pm_make_pkis(m, dirs, root_dir, msg, sizeof(msg)) != 0)
		goto fail;
	for (int s = 0; s < 2; s++) {
		const char *rc = m->o.side[s].root_ca;

		pol[s] = m->o.side[s].policy ? m->o.side[s].policy : m->o.policy;
		if (!rc)
			snprintf(roots[s], sizeof(roots[s]), "%s/root_ca.der", root_dir);
		else if (!strcmp(rc, "src") || !strcmp(rc, "dst"))
			snprintf(roots[s], sizeof(roots[s]), "%s/root_ca.der",
				 dirs[!strcmp(rc, "src") ? SRC : DST]);
		else
			snprintf(roots[s], sizeof(roots[s]), "%s", rc);
		m->plat[s] = emu_vmm_add_platform(&m->vmm, plat_name(&m->o, s), dirs[s], msg,
						  sizeof(msg));
		if (!m->plat[s])
			goto fail;
		m->plat[s]->echo_log = m->o.demo ? !m->o.quiet : m->o.verbose && !m->o.quiet;
		m->plat[s]->host.tdx.min_export_version = m->o.side[s].ex_lo;
		m->plat[s]->host.tdx.max_export_version = m->o.side[s].ex_hi;
		m->plat[s]->host.tdx.min_import_version = m->o.side[s].im_lo;
		m->plat[s]->host.tdx.max_import_version = m->o.side[s].im_hi;
		m->plat[s]->host.collateral_error = m->o.side[s].coll_error;
		m->plat[s]->issuer_chain = m->o.side[s].issuer_chain;
		m->plat[s]->has_owner = m->o.side[s].has_mrowner || m->o.side[s].has_mrownerconfig;
		memcpy(m->plat[s]->mrowner, m->o.side[s].mrowner, 48);
		memcpy(m->plat[s]->mrownerconfig, m->o.side[s].mrownerconfig, 48);
		m->plat[s]->has_init_data =
			m->o.side[s].has_init_mrowner || m->o.side[s].has_init_mrownerconfig;
		memcpy(m->plat[s]->init_mrowner,
		       m->o.side[s].has_init_mrowner ? m->o.side[s].init_mrowner
						     : m->o.side[s].mrowner,
		       48);
		memcpy(m->plat[s]->init_mrownerconfig,
		       m->o.side[s].has_init_mrownerconfig ? m->o.side[s].init_mrownerconfig
							   : m->o.side[s].mrownerconfig,
		       48);
	}
	for (int s = 0; s < 2; s++) {
		const struct emu_vmm_platform *p = m->plat[s];

		if (m->o.side[s].issuer_chain)
			printf("  %s is a policy v2 MigTD (issuer chain %s)\n", plat_name(&m->o, s),
			       m->o.side[s].issuer_chain);
		if (p->has_init_data)
			printf("  %s: requests carry init data (MROWNER %02x%02x%02x%02x..., "
			       "policy SVN %u)\n",
			       plat_name(&m->o, s), p->init_mrowner[0], p->init_mrowner[1],
			       p->init_mrowner[2], p->init_mrowner[3],
			       (unsigned)migtd_wire_get_u32(p->init_mrownerconfig));
	}
	if (!strcmp(pol[SRC], pol[DST]))
		printf("  policy:      %s\n", pol[SRC]);
	else
		printf("  policy:      %s, %s: %s\n", pol[SRC], plat_name(&m->o, DST), pol[DST]);
	for (int s = 0; s < 2; s++)
		if (m->o.side[s].root_ca)
			printf("  %s enrolls the root CA %s\n", plat_name(&m->o, s), roots[s]);
	m->vmm.fault_plat = m->o.fault_side < 0 ? NULL : m->plat[m->o.fault_side];
	snprintf(tmo, sizeof(tmo), "%lu", m->o.timeout_ms);
	for (int s = 0; s < 2; s++) {
		if (m->o.vm) {
			char img[PATH_MAX + 24], hex[97];

			snprintf(img, sizeof(img), "%.*s/migtd.bin", PATH_MAX, dirs[s]);
			/* A policy v2 side: the issuer chain is enrolled instead
			 * of the root CA, which makes the image a v2 one. */
			if (vmm_vm_image(m->o.image, img, pol[s],
					 m->o.side[s].issuer_chain ? m->o.side[s].issuer_chain
								   : roots[s],
					 m->o.side[s].issuer_chain != NULL, msg, sizeof(msg)))
				goto fail;
			if (m->o.td) {
				struct emu_vmm_td_args td = {
					.qemu = m->o.qemu,
					.image = img,
					.shim = m->o.shim,
					.nports = (unsigned)m->o.vm_streams,
					.backend = m->o.vm_vsock ? backend : NULL,
					.guest_cid = s == SRC ? MIGTD_VSOCK_DEMO_SRC_CID
							      : MIGTD_VSOCK_DEMO_DST_CID,
					.lenient = m->o.lenient,
					.test = m->o.shim_test,
				};

				if (emu_vmm_launch_vm_td(m->plat[s], &td, msg, sizeof(msg)))
					goto fail;
			} else if (m->o.vm_serial_port) {
				/* As upstream's README: the destination's chardev listens,
				 * the source's connects (reconnecting until it is up). */
				char chr[128];

				snprintf(chr, sizeof(chr), "socket,host=127.0.0.1,port=%lu,%s",
					 m->o.vm_serial_port,
					 s == DST ? "server=on,wait=off"
						  : "server=off,reconnect=1");
				if (emu_vmm_launch_vm_serial(m->plat[s], m->o.qemu, img, chr, msg,
							     sizeof(msg)))
					goto fail;
			} else if (m->o.vm_vsock) {
				/* Upstream's device set: vhost-user-vsock-pci only,
				 * guest CIDs 18 (source) and 19 (destination). */
				if (emu_vmm_launch_vm_vsock(m->plat[s], m->o.qemu, img, backend,
							    s == SRC ? MIGTD_VSOCK_DEMO_SRC_CID
								     : MIGTD_VSOCK_DEMO_DST_CID,
							    msg, sizeof(msg)))
					goto fail;
			} else if (m->o.raw) {
				/* No stream ports: the streams are MIGTD_RAW calls on the link. */
				m->plat[s]->raw = true;
				if (emu_vmm_launch_vm(m->plat[s], m->o.qemu, img, 0, msg,
						      sizeof(msg)))
					goto fail;
			} else if (emu_vmm_launch_vm(m->plat[s], m->o.qemu, img,
						     (unsigned)m->o.vm_streams, msg, sizeof(msg))) {
				goto fail;
			}
			migtd_hex(hex, sizeof(hex), m->plat[s]->mrtd, 48);
			printf("  MRTD:        %s %s\n", plat_name(&m->o, s), hex);
		} else {
			m->plat[s]->raw = m->o.raw;
			if (emu_vmm_launch(m->plat[s], migtd, pol[s], roots[s], "info", tmo, msg,
					   sizeof(msg)) != 0)
				goto fail;
		}
	}
	return 0;
fail:
	fprintf(stderr, "migtd-vmm: %s\n", msg);
	return -1;
}

/* ------------------------------------------------------------ sessions */

static void pm_start(struct premig *m, struct pm_session *sl)
{
	unsigned i = m->started;
	bool rev = m->o.both_ways && (i & 1u);
	uint32_t port = 40001u + i % 20000u;

	memset(sl, 0, sizeof(*sl));
	sl->active = true;
	sl->index = i;
	sl->plat[SRC] = m->plat[rev ? DST : SRC];
	sl->plat[DST] = m->plat[rev ? SRC : DST];
	sl->deadline = emu_vmm_now_ms() + 6 * m->o.timeout_ms + 10000;
	for (int role = 0; role < 2; role++) {
		struct emu_vmm_request *r;

		if (m->o.only >= 0 && m->o.only != role)
			continue;
		r = emu_vmm_request(sl->plat[role], (role == SRC ? 1000u : 2000u) + i, role == SRC,
				    port);
		if (!r) {
			fprintf(stderr, "migtd-vmm: cannot bind user TD %u\n", i);
			m->start_error = true;
			continue;
		}
		/* The platform's SERVTD_ATTR for its user TDs (per platform, not role). */
		r->td->servtd_attr =
			m->o.side[sl->plat[role] == m->plat[SRC] ? SRC : DST].servtd_attr;
		sl->req[role] = r;
		if (role == SRC && i == 0 && m->o.duplicate_id) {
			m->dup = emu_vmm_request_duplicate(sl->plat[SRC], r);
			if (!m->dup)
				m->start_error = true;
		}
	}
	m->started++;
	m->active++;
}

static int pm_status(const struct emu_vmm_request *r)
{
	return r ? r->status : PM_NO_REQUEST;
}

static const char *pm_status_name(int st)
{
	return st >= 0 ? migtd_status_name((uint8_t)st) : st == -1 ? "no report" : "no request";
}

/* The platforms' keys and versions, read where only the platform can see them. */
static bool pm_check_keys(const struct emu_user_td *s, const struct emu_user_td *t, char *why,
			  size_t whylen)
{
	if (s->dec_key_written != 0xf || t->dec_key_written != 0xf) {
		snprintf(why, whylen, "MIG_DEC_KEY not fully written (source %x, destination %x)",
			 s->dec_key_written, t->dec_key_written);
		return false;
	}
	if (memcmp(t->mig_dec_key, s->mig_enc_key, 32) != 0) {
		snprintf(why, whylen, "destination MIG_DEC_KEY != source MIG_ENC_KEY");
		return false;
	}
	if (memcmp(s->mig_dec_key, t->mig_enc_key, 32) != 0) {
		snprintf(why, whylen, "source MIG_DEC_KEY != destination MIG_ENC_KEY");
		return false;
	}
	if (!s->mig_version_written || !t->mig_version_written ||
	    s->mig_version != t->mig_version) {
		snprintf(why, whylen, "MIG_VERSION differs or is missing (%u/%u)", s->mig_version,
			 t->mig_version);
		return false;
	}
	return true;
}

static void pm_count_pair(struct premig *m, int s, int d)
{
	for (unsigned i = 0; i < m->npairs; i++) {
		if (m->pairs[i].s == s && m->pairs[i].d == d) {
			m->pairs[i].n++;
			return;
		}
	}
	if (m->npairs < PM_MAX_PAIRS)
		m->pairs[m->npairs++] = (struct pm_pair){ s, d, 1 };
	else
		m->other_pairs++;
}

static bool pm_session_over(const struct premig *m, const struct pm_session *sl, uint64_t now)
{
	for (int role = 0; role < 2; role++)
		if (sl->req[role] && sl->req[role]->status < 0 && now < sl->deadline)
			return false;
	/* The copy of a duplicated id must have been taken (the MigTD asked for
	 * the next request after it) before the original goes away. */
	if (sl->index == 0 && m->dup &&
	    !(m->dup->delivered && sl->plat[SRC]->wfr_count > m->dup->wfr_at_delivery) &&
	    now < sl->deadline)
		return false;
	return true;
}

static void pm_finish(struct premig *m, struct pm_session *sl)
{
	struct pm_result *res = &m->res[sl->index];
	struct emu_vmm_request *r[2] = { sl->req[SRC], sl->req[DST] };

	res->src_on_b = sl->plat[SRC] != m->plat[SRC];
	for (int role = 0; role < 2; role++) {
		const struct emu_user_td *td = r[role] ? r[role]->td : NULL;
		const struct emu_user_td *peer = r[!role] ? r[!role]->td : NULL;

		res->status[role] = pm_status(r[role]);
		if (!td)
			continue;
		res->id[role] = r[role]->id;
		res->bytes_sent[role] = r[role]->bytes_sent;
		res->dec_written[role] = td->dec_key_written;
		res->version_written[role] = td->mig_version_written;
		res->version[role] = td->mig_version;
		res->dec_is_peer_enc[role] = peer && td->dec_key_written == 0xf &&
					     !memcmp(td->mig_dec_key, peer->mig_enc_key, 32);
	}
	res->keys_ok = res->status[SRC] == 0 && res->status[DST] == 0 &&
		       pm_check_keys(r[SRC]->td, r[DST]->td, res->why, sizeof(res->why));
	if (!res->keys_ok) {
		m->failed++;
		pm_count_pair(m, res->status[SRC], res->status[DST]);
	}
	if (sl->index == 0 && m->dup) {
		m->dup_seen = m->dup->delivered;
		m->dup_in_progress = m->dup->dup_while_in_progress;
		m->dup_ignored = m->dup->delivered && m->dup->status < 0;
		m->dup_orig_reports = r[SRC] ? r[SRC]->reports : 0;
		emu_vmm_request_release(m->dup);
		m->dup = NULL;
	}
	for (int role = 0; role < 2; role++)
		emu_vmm_request_release(r[role]);
	sl->active = false;
	m->active--;
	m->finished++;
}

static void pm_sample_peak(struct premig *m)
{
	unsigned n[2] = { 0, 0 };

	for (unsigned i = 0; i < PM_MAX_PARALLEL; i++) {
		const struct pm_session *sl = &m->slot[i];

		for (int role = 0; sl->active && role < 2; role++)
			if (sl->req[role] && sl->req[role]->delivered && sl->req[role]->status < 0)
				n[sl->plat[role] == m->plat[SRC] ? SRC : DST]++;
	}
	for (int s = 0; s < 2; s++)
		if (n[s] > m->peak[s])
			m->peak[s] = n[s];
	if (m->vmm.hold) {
		unsigned want = (unsigned)(m->o.parallel < m->o.count ? m->o.parallel : m->o.count);

		/* --both-ways splits the roles, not the count per platform. */
		if (n[SRC] + n[DST] >= 2 * want) {
			m->vmm.hold = false;
			printf("  barrier: %u + %u requests in progress, relaying from now on\n",
			       n[SRC], n[DST]);
		}
	}
}

static bool pm_raw_done(const struct emu_vmm_request *r)
{
	return !r || r->status >= 0;
}

/* The vmcall-raw extras all reported (or their 30 s are over). */
static bool pm_raw_settled(const struct premig *m, uint64_t now)
{
	bool done = pm_raw_done(m->raw_req);

	for (int s = 0; s < 2; s++)
		done = done && pm_raw_done(m->raw_log[s]) && pm_raw_done(m->raw_tdr[s]);
	return done || now >= m->raw_deadline;
}

/* Queue the vmcall-raw extras (ids 800.. are never session ids). */
static void pm_raw_start(struct premig *m)
{
	m->raw_deadline = m->t_start + 30000;
	for (int s = 0; s < 2; s++) {
		if (m->o.log_area_level >= 0) {
			m->raw_log[s] =
				emu_vmm_raw_request(m->plat[s], 800u + (unsigned)s,
						    GHCI_RAW_OP_ENABLE_LOG_AREA,
						    (uint8_t)m->o.log_area_level, EMU_VMM_RAW_OK);
			m->start_error = m->start_error || !m->raw_log[s];
		}
		if (m->o.get_tdreport) {
			m->raw_tdr[s] =
				emu_vmm_raw_request(m->plat[s], 810u + (unsigned)s,
						    GHCI_RAW_OP_GET_TDREPORT, 0, EMU_VMM_RAW_OK);
			m->start_error = m->start_error || !m->raw_tdr[s];
		}
	}
	if (m->o.raw_request >= 0) {
		unsigned k = (unsigned)m->o.raw_request;

		m->raw_req = emu_vmm_raw_request(m->plat[SRC], 820, pm_raw_requests[k].op, 0,
						 pm_raw_requests[k].inject);
		m->start_error = m->start_error || !m->raw_req;
	}
}

/* What the spec wants of the vmcall-raw extras, and whether it happened. */
static bool pm_raw_extras_ok(struct premig *m)
{
	bool ok = true;

	for (int s = 0; s < 2; s++) {
		const struct emu_vmm_request *r = m->raw_log[s];

		if (r) {
			int want = m->o.log_area_level >= 1 && m->o.log_area_level <= 5 ? 0 : 1;

			printf("  %s EnableLogArea(level %d): status %d (%s), want %d\n",
			       plat_name(&m->o, s), m->o.log_area_level, r->status,
			       pm_status_name(r->status), want);
			ok = ok && r->status == want;
		}
		r = m->raw_tdr[s];
		if (r) {
			printf("  %s GetTDReport: status %d, %zu bytes, MAC %s, REPORTDATA %s\n",
			       plat_name(&m->o, s), r->status, r->rdata_len,
			       r->tdreport_mac_ok ? "verified" : "NOT verified",
			       r->tdreport_rd_ok ? "HostRequestedMigTDReport" : "WRONG");
			ok = ok && r->status == 0 && r->tdreport_mac_ok && r->tdreport_rd_ok;
		}
	}
	if (m->raw_req) {
		int want = pm_raw_requests[m->o.raw_request].want;

		/* A policy-v2 MigTD answers GetMigtdData with its TDINFO. */
		if (m->plat[SRC]->issuer_chain &&
		    pm_raw_requests[m->o.raw_request].op == GHCI_RAW_OP_GET_MIGTD_DATA) {
			want = 0;
			ok = ok && m->raw_req->rdata_len == 512;
			printf("  raw request migtd-data: %zu bytes of TDINFO\n",
			       m->raw_req->rdata_len);
		}

		printf("  raw request %s: status %d (%s), want %d\n",
		       pm_raw_requests[m->o.raw_request].name, m->raw_req->status,
		       pm_status_name(m->raw_req->status), want);
		ok = ok && m->raw_req->status == want;
	}
	if (m->o.log_area_level >= 0)
		for (int s = 0; s < 2; s++)
			printf("  %s log area: %u entries\n", plat_name(&m->o, s),
			       emu_vmm_raw_print_logs(m->plat[s], stdout));
	return ok;
}

/* The scheduler, called by the VMM loop between polls. */
static bool pm_tick(void *ctx)
{
	struct premig *m = ctx;
	uint64_t now = emu_vmm_now_ms();

	for (unsigned i = 0; i < PM_MAX_PARALLEL; i++)
		if (m->slot[i].active && pm_session_over(m, &m->slot[i], now))
			pm_finish(m, &m->slot[i]);
	for (unsigned i = 0; i < m->o.parallel && m->started < m->o.count && !m->start_error; i++)
		if (!m->slot[i].active)
			pm_start(m, &m->slot[i]);
	pm_sample_peak(m);
	if (m->bad && !m->bad_settled)
		m->bad_settled =
			(m->bad->delivered && m->plat[SRC]->wfr_count > m->bad->wfr_at_delivery) ||
			now >= m->bad_deadline;
	return m->start_error ||
	       (m->finished == m->o.count && (!m->bad || m->bad_settled) && pm_raw_settled(m, now));
}

static bool pm_never(void *ctx)
{
	(void)ctx;
	return false;
}

/* ------------------------------------------------------------ output */

static bool pm_print_session(const struct premig *m, unsigned i)
{
	const struct pm_result *r = &m->res[i];

	return m->o.count <= 8 || m->o.verbose || m->o.show_td_state || !r->keys_ok;
}

static void pm_print_results(struct premig *m, double secs)
{
	unsigned shown_failures = 0;

	printf("\nresults (%u session%s, %.3f s):\n", m->finished, m->finished > 1 ? "s" : "",
	       secs);
	for (unsigned i = 0; i < m->finished; i++) {
		const struct pm_result *r = &m->res[i];

		if (!pm_print_session(m, i))
			continue;
		if (!r->keys_ok && shown_failures++ >= PM_PRINT_FAILURES && !m->o.verbose)
			continue;
		printf("  session %u: source status %d (%s), destination status %d (%s)%s%s%s\n", i,
		       r->status[SRC], pm_status_name(r->status[SRC]), r->status[DST],
		       pm_status_name(r->status[DST]),
		       r->keys_ok ? ", keys installed and verified" : "",
		       !r->keys_ok && r->status[SRC] == 0 && r->status[DST] == 0 ? r->why : "",
		       m->o.both_ways ? (r->src_on_b ? " [B -> A]" : " [A -> B]") : "");
		if (r->keys_ok && m->o.count <= 8)
			printf("             MIG_VERSION %u on both sides; dec key == peer enc key both ways\n",
			       r->version[SRC]);
		if (!r->keys_ok && (m->o.count <= 8 || r->dec_written[SRC] || r->dec_written[DST]))
			printf("             MIG_DEC_KEY words written: source %x, destination %x\n",
			       r->dec_written[SRC], r->dec_written[DST]);
		for (int role = 0; m->o.show_td_state && role < 2; role++) {
			if (r->status[role] == PM_NO_REQUEST)
				continue;
			printf("  td-state session %u %s: request %llu status %d dec_written %x "
			       "version_written %d version %u dec_is_peer_enc %s bytes_sent %llu\n",
			       i, role == SRC ? "source" : "destination",
			       (unsigned long long)r->id[role], r->status[role],
			       r->dec_written[role], r->version_written[role], r->version[role],
			       r->dec_is_peer_enc[role] ? "yes" : "no",
			       (unsigned long long)r->bytes_sent[role]);
		}
	}
	printf("  quotes issued: %s %lu, %s %lu\n", plat_name(&m->o, SRC),
	       m->plat[SRC]->host.quotes_issued, plat_name(&m->o, DST),
	       m->plat[DST]->host.quotes_issued);
	/* VMs: what every TDREPORT (and so every quote) carried -- the MRTD
	 * measured at launch, the RTMRs the firmware extended. */
	for (int s = 0; m->o.vm && s < 2; s++) {
		const struct tdinfo_struct *ti = &m->plat[s]->host.tdx.servtd.info;
		char hex[97];

		migtd_hex(hex, sizeof(hex), ti->mrtd, 48);
		printf("  %s TDREPORT: mrtd %s\n", m->plat[s]->name, hex);
		for (unsigned r = 0; r < 3; r++) {
			migtd_hex(hex, sizeof(hex), ti->rtmr[r], 48);
			printf("  %s TDREPORT: rtmr%u %s\n", m->plat[s]->name, r, hex);
		}
	}
}

/* The extra requests: what the spec says must happen, and whether it did. */
static bool pm_extras_ok(struct premig *m)
{
	bool ok = true;

	if (m->o.malformed_hob) {
		const struct emu_vmm_request *b = m->bad;
		bool taken = b && b->delivered && m->plat[SRC]->wfr_count > b->wfr_at_delivery;
		bool clean = b && b->td->dec_key_written == 0 && !b->td->mig_version_written;

		printf("  malformed HOB request %llu: %s; %s; %s\n",
		       (unsigned long long)(b ? b->id : 0),
		       taken ? "delivered, then the MigTD asked for the next request"
			     : "NOT taken by the MigTD",
		       b && b->status < 0 ? "no ReportStatus (dropped, spec 2.3)"
					  : "a ReportStatus was sent for it",
		       clean ? "nothing written to its user TD" : "ITS USER TD WAS WRITTEN");
		ok = ok && taken && b->status < 0 && clean;
	}
	if (m->o.duplicate_id) {
		printf("  duplicate request id: copy %s%s; %s; the original reported %u time%s\n",
		       m->dup_seen ? "delivered" : "NOT delivered",
		       m->dup_in_progress ? " while the original was in progress" : "",
		       m->dup_ignored ? "ignored (no ReportStatus for it)" : "NOT ignored",
		       m->dup_orig_reports, m->dup_orig_reports == 1 ? "" : "s");
		ok = ok && m->dup_seen && m->dup_in_progress && m->dup_ignored &&
		     m->dup_orig_reports == 1;
	}
	for (int s = 0; s < 2; s++) {
		if (m->plat[s]->stray_reports) {
			printf("  %s: %lu ReportStatus for no request in progress\n",
			       plat_name(&m->o, s), m->plat[s]->stray_reports);
			ok = false;
		}
	}
	return ok;
}

/* A status, or "none" (no request) / "noreport". */
static const char *pm_pair_name(int st, char buf[16])
{
	if (st >= 0)
		snprintf(buf, 16, "%d", st);
	else
		snprintf(buf, 16, "%s", st == -1 ? "noreport" : "none");
	return buf;
}

static void pm_print_summary(const struct premig *m, double secs)
{
	printf("summary: %u session%s, %lu at a time: %u succeeded with keys verified, %u failed; "
	       "wall %.3f s, %.1f sessions/s\n",
	       m->finished, m->finished == 1 ? "" : "s", m->o.parallel, m->finished - m->failed,
	       m->failed, secs, secs > 0 ? m->finished / secs : 0.0);
	printf("peak requests in progress at once: %s %u, %s %u\n", plat_name(&m->o, SRC),
	       m->peak[SRC], plat_name(&m->o, DST), m->peak[DST]);
	if (!m->npairs)
		return;
	printf("failures by status pair (source/destination):");
	for (unsigned i = 0; i < m->npairs; i++) {
		const struct pm_pair *p = &m->pairs[i];
		char a[16], b[16];

		printf("%s %s/%s x%u", i ? "," : "", pm_pair_name(p->s, a), pm_pair_name(p->d, b),
		       p->n);
	}
	if (m->other_pairs)
		printf(", other pairs x%u", m->other_pairs);
	printf("\n");
}

/* ------------------------------------------------------------ the command */

static int remove_tree(const char *dir)
{
	char cmd[PATH_MAX + 16];

	if ((size_t)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir) >= sizeof(cmd) ||
	    strchr(dir, '\''))
		return -1;
	return system(cmd);
}

static int premig_main(int argc, char **argv, const char *self, bool demo)
{
	struct premig *m = &pm;
	const char *cmd = demo ? "demo" : "run";
	bool ran, extras_ok;
	int abnormal, rc;
	double secs;

	memset(m, 0, sizeof(*m));
	m->o.demo = demo;
	rc = pm_parse(&m->o, argc, argv, cmd);
	if (rc)
		return rc == 1 ? 0 : 2;
	m->res = calloc(m->o.count, sizeof(*m->res));
	if (!m->res) {
		fprintf(stderr, "migtd-vmm %s: out of memory\n", cmd);
		return CLI_EXIT_RUNTIME;
	}
	emu_vmm_init(&m->vmm);
	m->vmm.fault = m->o.fault;
	m->vmm.fault_after = m->o.fault_after;
	m->vmm.quiet = !demo && !m->o.verbose;
	m->vmm.hold = m->o.barrier && m->o.only < 0;
	if (pm_setup(m, self) != 0) {
		emu_vmm_fini(&m->vmm);
		free(m->res);
		return CLI_EXIT_RUNTIME;
	}
	m->t_start = emu_vmm_now_ms();
	if (m->o.malformed_hob) {
		/* Queued first, so it is delivered before any session's request. */
		m->bad = emu_vmm_request(m->plat[SRC], 900, true, 39999);
		/* Only a MigTD that never takes it waits this long; 30 s leaves
		 * room for a slow boot on a loaded machine (under ASan). */
		m->bad_deadline = m->t_start + 30000;
		if (m->bad)
			m->bad->malformed_hob = true;
		else
			m->start_error = true;
	}
	if (m->o.raw)
		pm_raw_start(m);
	ran = emu_vmm_run(&m->vmm, pm_tick, m, UINT64_MAX / 2) && !m->start_error;
	secs = (double)(emu_vmm_now_ms() - m->t_start) / 1000.0;
	/* Let the MigTDs' last log lines arrive before the results. */
	if (ran && demo && !m->o.quiet)
		emu_vmm_run(&m->vmm, pm_never, NULL, 30);
	/* A MigTD logs its "reported" line after the VMM acknowledged: let the
	 * log area page with it arrive before the rings are printed. */
	if (ran && m->o.log_area_level >= 0)
		emu_vmm_run(&m->vmm, pm_never, NULL, 200);
	pm_print_results(m, secs);
	extras_ok = pm_extras_ok(m);
	if (m->o.raw)
		extras_ok = pm_raw_extras_ok(m) && extras_ok;
	if (!demo)
		pm_print_summary(m, secs);
	abnormal = emu_vmm_fini(&m->vmm);
	if (!m->o.keep)
		remove_tree(m->o.dir);
	if (abnormal)
		printf("verdict: FAILED -- %d migtd process%s ended abnormally (see above)\n",
		       abnormal, abnormal > 1 ? "es" : "");
	else if (!ran)
		printf("verdict: FAILED -- the run stopped early\n");
	else if (m->failed)
		printf("verdict: FAILED -- %u of %u session(s) did not complete\n", m->failed,
		       m->finished);
	else if (!extras_ok)
		printf("verdict: FAILED -- an injected request was not handled as the spec says\n");
	else
		printf("verdict: OK -- %u pre-migration%s completed, keys verified on both platforms\n",
		       m->finished, m->finished > 1 ? "s" : "");
	rc = ran && !abnormal && !m->failed && extras_ok ? 0 : 1;
	free(m->res);
	return rc;
}

int cmd_demo(int argc, char **argv, const char *self)
{
	return premig_main(argc, argv, self, true);
}

int cmd_run(int argc, char **argv, const char *self)
{
	return premig_main(argc, argv, self, false);
}
