/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fw_migtd.c -- the MigTD of the firmware image: the portable core
 * (migtd/session.h) exactly as the Linux program src/linux/main.c wires it,
 * with the image's transport (fw_transport.h, one tr_*.c per image) for the
 * session streams:
 *
 *   plain VM  the emulated platform backend (src/platform/emu) over the
 *             transport's platform link (vsock port 5100, or the serial
 *             builds' port "migtd.link")
 *   TD        the real TDX backend (src/platform/tdx: TDCALLs, Service and
 *             GetQuote over the shared pages at the top of the DMA region,
 *             every answer copied to private memory before the core parses
 *             it); no platform link. Once the core has measured the policy
 *             and root CA (RTMR2, docs/protocol.md §9.4), its event log is published
 *             through a CCEL table (§9.5).
 *
 * The enrolled policy and root CA (policy v1) or issuer chain (policy v2)
 * come from the image's CFV (docs/protocol.md §9.3),
 * copied into RAM first; the certificate-validity time is the CMOS RTC
 * (the host's clock, untrusted, as the Linux program's wall clock is).
 */
#include "../fw.h"
#include "../virtio.h"
#include "../tdx/fw_tdx.h"
#include "tdx.h"
#include "fw_transport.h"

#include <string.h>

#include "mbedtls/platform.h"
#include "migtd/cfv.h"
#include "emu_platform.h"
#include "migtd/log.h"
#include "migtd/logarea.h"
#include "migtd/session.h"

/* Longest idle between two core polls: virtio has no interrupts yet. */
#define POLL_IDLE_MS 1u

/*
 * Admission by memory (docs/firmware-heap.md). One session's heap peak is
 * estimated from the size of our own event log (it is in our certificate,
 * and a peer with the same policy sends one alike): a fixed part (TLS
 * context and record buffers, quote, collateral, X.509) plus a few copies
 * of the certificate (built, sent, the peer's received and parsed). The
 * figures are the measured peaks with margin; a session that ran alone
 * and took more raises the estimate. The allocator's own headers and
 * fragmentation are left a sixteenth of the heap.
 */
#define FW_SESSION_PEAK_BASE (64u * 1024u)
#define FW_SESSION_PEAK_PER_EVLOG_BYTE 7u
#define FW_HEAP_USABLE (FW_RAM_HEAP_SIZE / 16u * 15u)

struct fw_migtd {
	unsigned int busy_max;          /* most sessions at once since the last idle */
	uint64_t busy_since;            /* fw_ticks when the first of them started */
	struct migtd_heap_budget admit; /* cfg.admit's view of the heap */
	uint64_t admit_waits_reported;
};

static struct fw_migtd fm;
static struct migtd_core core;
static struct emu_platform eplat;
/* In a TD: the real TDX backend (its report/digest buffers are aligned
 * inside the struct). */
static struct tdx_platform tplat;

/* vmcall-raw: the log area (docs/vmcall-raw.md). In a TD its page is a real
 * shared page (the Service response page, unused in that profile); in a
 * plain VM it is mirrored to migtd-vmm over the link. */
#define FW_LOGAREA_EMU_GPA 0xF0000000ull
static bool logarea_on;
static struct migtd_logarea logarea;

static void logarea_publish(void *ctx, uint32_t vcpu, const uint8_t page[MIGTD_LOGAREA_PAGE])
{
	(void)ctx;
	if (fw_is_td)
		memcpy(tplat.svc_rsp, page, MIGTD_LOGAREA_PAGE);
	else
		(void)emu_platform_log_page(&eplat, vcpu, page);
}

static uint64_t link_now_ms(void *ctx)
{
	(void)ctx;
	return fw_ticks();
}

/* ---- logging ------------------------------------------------------------ */

static void log_sink(void *ctx, enum migtd_log_level level, uint64_t request_id, const char *msg,
		     size_t len)
{
	char line[512];
	size_t n = len < sizeof(line) - 1 ? len : sizeof(line) - 1;

	(void)ctx;
	if (logarea_on)
		migtd_logarea_log(&logarea, (uint8_t)level, request_id, msg, len);
	memcpy(line, msg, n);
	line[n] = '\0';
	if (request_id != MIGTD_LOG_NO_REQUEST)
		fw_printf("[%6llu ms] %-5s [req %llu] %s\n", (unsigned long long)fw_ticks(),
			  migtd_log_level_name(level), (unsigned long long)request_id, line);
	else
		fw_printf("[%6llu ms] %-5s %s\n", (unsigned long long)fw_ticks(),
			  migtd_log_level_name(level), line);
}

/* ---- configuration from the CFV ------------------------------------------- */

/* Copy one CFV file into the heap (NULL, 0 if it is not there). */
static int cfv_copy(const uint8_t *cfv, const struct migtd_guid *guid, uint8_t **out,
		    size_t *out_len)
{
	const uint8_t *p = NULL;
	size_t n = 0;
	int err = migtd_cfv_find_file(cfv, FW_CFV_SIZE, CFV_FILETYPE_RAW, guid, &p, &n);

	*out = NULL;
	*out_len = 0;
	if (err)
		return err;
	*out = mbedtls_calloc(1, n ? n : 1);
	if (!*out)
		return MIGTD_ERR_NOMEM;
	memcpy(*out, p, n);
	*out_len = n;
	return MIGTD_OK;
}

/*
 * Copy-then-parse: the CFV is in the image (ROM here, shared with nobody in
 * a TD, but copied anyway so the core's pointers never see it change).
 *
 * The image's policy profile is what was enrolled when it was built
 * (`make image` v1 or `POLICY_V2=1`, docs/protocol.md §7.7.1): a policy with
 * the SGX root CA is a policy v1 image, a policy with the policy issuer
 * chain a policy v2 image. Both or neither is refused. The two profiles
 * measure differently (§9.4), so a host that binds one SERVTD_INFO_HASH can
 * never be served by the other.
 */
static int load_config(struct migtd_config *cfg, uint8_t **policy, uint8_t **root, uint8_t **chain)
{
	const uint8_t *cfv = (const uint8_t *)(uintptr_t)(FW_IMAGE_BASE + FW_CFV_OFFSET);
	size_t plen = 0, rlen = 0, clen = 0;
	int err, err_root, err_chain;

	err = cfv_copy(cfv, &migtd_cfv_guid_policy, policy, &plen);
	if (err) {
		fw_printf("migtd: no policy enrolled in the CFV (%s)\n", migtd_err_str(err));
		return err;
	}
	err_root = cfv_copy(cfv, &migtd_cfv_guid_root_ca, root, &rlen);
	err_chain = cfv_copy(cfv, &migtd_cfv_guid_policy_issuer_chain, chain, &clen);
	if (err_root == MIGTD_ERR_NOMEM || err_chain == MIGTD_ERR_NOMEM)
		return MIGTD_ERR_NOMEM;
	if (!err_root == !err_chain) {
		fw_printf("migtd: the CFV must hold either the root CA (policy v1) or the policy "
			  "issuer chain (policy v2), not %s\n",
			  err_root ? "neither" : "both");
		return err_root ? err_root : MIGTD_ERR_INVALID;
	}
	cfg->policy = *policy;
	cfg->policy_len = plen;
	if (!err_chain) {
		cfg->policy_v2 = true;
		cfg->issuer_chain = *chain;
		cfg->issuer_chain_len = clen;
		fw_printf("migtd: CFV: policy v2 %u bytes, policy issuer chain %u bytes\n",
			  (unsigned int)plen, (unsigned int)clen);
	} else {
		cfg->root_ca = *root;
		cfg->root_ca_len = rlen;
		fw_printf("migtd: CFV: policy %u bytes, root CA %u bytes\n", (unsigned int)plen,
			  (unsigned int)rlen);
	}
	return MIGTD_OK;
}

/* ---- the loop -------------------------------------------------------------- */

/* The core has measured the configuration: hand its log to the CCEL. */
static int publish_event_log(void)
{
	size_t len = 0;
	const uint8_t *log = migtd_core_event_log(&core, &len);
	int err = log ? fw_tdx_publish_event_log(log, len) : MIGTD_ERR_STATE;

	if (err != MIGTD_OK)
		fw_printf("migtd: publishing the CC event log failed: %s\n", migtd_err_str(err));
	return err;
}

/*
 * Between two polls. Plain VM: nothing interrupts us but the tick, so idle
 * one tick unless the core wants to run now or link frames are buffered.
 * TD: no tick yet (TSC-deadline is to do) and the core's clock is the TSC,
 * so a short busy wait with interrupts on (Service/GetQuote completions).
 */
static void idle(uint64_t wake)
{
	if (fw_is_td) {
		fw_tdx_wait();
		return;
	}
	if (wake > fw_ticks() && !eplat.rx_len)
		fw_idle_ms(POLL_IDLE_MS);
}

/* The estimate of one session's heap peak, once the core has built its
 * event log (boot). */
static void admit_estimate(struct fw_migtd *m)
{
	size_t evlog = 0;

	if (m->admit.session_peak != 0 || migtd_core_event_log(&core, &evlog) == NULL)
		return;
	m->admit.capacity = FW_HEAP_USABLE;
	m->admit.session_peak = FW_SESSION_PEAK_BASE + FW_SESSION_PEAK_PER_EVLOG_BYTE * evlog;
	fw_printf("migtd: heap: %u bytes usable, one session's peak estimated at %u bytes "
		  "(event log %u bytes): requests wait while one more does not fit\n",
		  (unsigned int)m->admit.capacity, (unsigned int)m->admit.session_peak,
		  (unsigned int)evlog);
}

/* cfg.admit: asked only while sessions run. */
static bool fw_admit(void *ctx, unsigned active)
{
	struct fw_migtd *m = ctx;
	struct fw_heap_stats st;

	admit_estimate(m);
	fw_heap_stats(&st);
	return migtd_heap_budget_admit(&m->admit, st.in_use, active);
}

/* Per-busy-period heap figures: reset the peak when the first session
 * starts from idle, print it (and how many sessions ran at once at most)
 * when the last one ends. While idle, what is in use is the admission
 * baseline; a session that ran alone measures one session's peak. */
static void heap_watch(struct fw_migtd *m, unsigned int *active_before)
{
	unsigned int active = migtd_core_active_sessions(&core);
	struct fw_heap_stats st;

	fw_heap_stats(&st);
	if (active == 0 && *active_before == 0)
		m->admit.baseline = st.in_use;
	if (*active_before == 0 && active > 0) {
		fw_heap_peak_reset();
		m->busy_max = 0;
		m->busy_since = fw_ticks();
	}
	if (active > m->busy_max)
		m->busy_max = active;
	if (*active_before > 0 && active == 0) {
		fw_printf("migtd: heap: peak %u bytes while sessions ran (up to %u at once, "
			  "%llu ms; in use now %u, %llu allocations, %llu failed; %llu polls "
			  "waited for memory)\n",
			  (unsigned int)st.peak, m->busy_max,
			  (unsigned long long)(fw_ticks() - m->busy_since), (unsigned int)st.in_use,
			  (unsigned long long)st.allocs, (unsigned long long)st.failures,
			  (unsigned long long)(core.admission_waits - m->admit_waits_reported));
		m->admit_waits_reported = core.admission_waits;
		if (m->busy_max == 1 && st.peak > m->admit.baseline) {
			size_t one = st.peak - m->admit.baseline;

			one += one / 8u;
			if (one > m->admit.session_peak) {
				m->admit.session_peak = one;
				fw_printf("migtd: heap: one session's peak estimate raised to %u "
					  "bytes\n",
					  (unsigned int)one);
			}
		}
	}
	*active_before = active;
}

/* The core's wall clock: the CMOS RTC, read once per session (host-controlled). */
static int64_t fw_wall_clock(void *ctx)
{
	int64_t now = 0;

	(void)ctx;
	return fw_rtc_unix_time(&now) == 0 ? now : 0;
}

int fw_migtd_run(void)
{
	struct migtd_platform plat = { 0 };
	struct migtd_config cfg = { 0 };
	struct emu_link_io io = { 0 };
	uint8_t *policy = NULL, *root = NULL, *chain = NULL;
	int64_t now_s = 0;
	unsigned int active = 0;
	bool announced = false;
	int ret;

	fw_printf("migtd: transport %s\n", fw_transport.name);
	ret = fw_transport.start(fw_is_td ? NULL : &io);
	if (ret == MIGTD_ERR_UNSUPPORTED)
		return 1; /* no device of this transport: nothing to serve */
	if (ret != MIGTD_OK)
		return ret;
	/* The verdict on quotes does not depend on the clock (collateral time,
	 * docs/collateral.md): without an RTC, cached collateral is only never
	 * refetched. */
	if (fw_rtc_unix_time(&now_s) != 0) {
		fw_puts("migtd: cannot read the RTC: collateral is kept until restart\n");
		now_s = 0;
	}
	fw_printf("migtd: randomness %s, RTC %lld (host clock, untrusted)\n", fw_random_source(),
		  (long long)now_s);
	ret = load_config(&cfg, &policy, &root, &chain);
	if (ret)
		return ret;

	migtd_log_init(&plat.log, log_sink, NULL, MIGTD_LOG_INFO);
	if (fw_is_td) {
		fw_tdx_platform_init(&plat, &tplat);
	} else {
		io.now_ms = link_now_ms;
		emu_platform_init(&eplat, &io, &plat.log);
		plat.ops = &emu_platform_ops;
		plat.ctx = &eplat;
	}
	plat.stream_ops = fw_transport.stream_ops;
	plat.stream_ctx = fw_transport.stream_ctx;

	cfg.verify_time = now_s;
	cfg.wall_clock = fw_wall_clock; /* the CMOS RTC again at each session */
	cfg.require_socket_info = fw_transport.require_socket_info;
	cfg.max_sessions = MIGTD_MAX_SESSIONS;
	/* Our own quote verified at boot, not in every session (docs/performance.md). */
	cfg.own_quote_once = true;
	/* Requests wait for heap instead of failing with 3 (docs/firmware-heap.md). */
	cfg.admit = fw_admit;
	cfg.admit_ctx = &fm;

	if (fw_transport.bind)
		fw_transport.bind(&plat, &cfg);
	if (fw_is_td && cfg.profile == MIGTD_PROFILE_VMCALL_RAW)
		fw_tdx_raw_setup(&tplat);
	if (cfg.profile == MIGTD_PROFILE_VMCALL_RAW) {
		migtd_logarea_init(&logarea,
				   fw_is_td ? (uint64_t)(uintptr_t)tplat.svc_rsp | tplat.shared_mask
					    : FW_LOGAREA_EMU_GPA,
				   logarea_publish, NULL);
		cfg.log_area.enable = migtd_logarea_enable;
		cfg.log_area.ctx = &logarea;
		logarea_on = true;
	}

	ret = migtd_core_init(&core, &plat, &cfg);
	while (ret == MIGTD_OK) {
		uint64_t wake = 0;
		const char *why = NULL;

		ret = migtd_core_poll(&core, &wake);
		/* Plain VM: without its platform link the MigTD can do nothing;
		 * stop (docs/vmm-failures.md): fw_exit ends the VM, a TD would
		 * end in ReportFatalError. */
		if (!fw_is_td && emu_platform_link_lost(&eplat, &why)) {
			fw_printf("migtd: the platform link is gone (%s)\n", why);
			ret = MIGTD_ERR_NETWORK;
			break;
		}
		if (ret != MIGTD_OK)
			break;
		if (!announced && core.state == MIGTD_CORE_SERVE) {
			struct fw_heap_stats st;

			fw_heap_stats(&st);
			fw_printf("migtd: ready at %llu ms: measured, %s, serving (heap in "
				  "use %u bytes)\n",
				  (unsigned long long)fw_ticks(),
				  cfg.profile == MIGTD_PROFILE_VMCALL_RAW ? "vmcall-raw (no Query)"
									  : "Query done",
				  (unsigned int)st.in_use);
			announced = true;
			if (fw_is_td)
				ret = publish_event_log();
		}
		heap_watch(&fm, &active);
		fw_transport.between_polls();
		idle(wake);
	}
	fw_printf("migtd: fatal: %s (status %d)\n", migtd_err_str(ret), migtd_err_status(ret));
	/* vmcall-raw in a TD: tell the VMM why, through the guest crash MSRs
	 * (docs/protocol.md §2.7); the caller then reports the fatal error. */
	if (fw_is_td && cfg.profile == MIGTD_PROFILE_VMCALL_RAW) {
		const char *why = migtd_err_str(ret);

		(void)fw_tdx_crash_report((uint8_t)migtd_err_status(ret), why, strlen(why),
					  tplat.svc_cmd, tplat.shared_mask);
	}
	migtd_core_fini(&core);
	mbedtls_free(policy);
	mbedtls_free(root);
	mbedtls_free(chain);
	return ret;
}
