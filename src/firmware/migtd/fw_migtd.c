/*
 * fw_migtd.c -- the MigTD of the firmware image in a plain VM: the portable
 * core (migtd/session.h) on the emulated platform backend
 * (src/platform/emu/emu_platform.h), exactly as the Linux program src/linux/main.c
 * wires them, with virtio-serial instead of Unix sockets:
 *
 *   migtd.link        the platform link (framed TDCALL/TDVMCALL stand-ins)
 *   migtd.stream.N    one session stream each: the 16-byte uvsock hello
 *                     ("MVSK" | u32 port | u64 cid, src/transport/uvsock/uvsock.h), then
 *                     the raw TLS bytes, as on the Linux program's socket
 *
 * A stream port is one host connection at a time (a QEMU chardev). The VMM
 * ends a session's connection after its ReportStatus and connects again;
 * the driver counts host connects (vser_port.host_gen), and a port is free
 * for a new session only once its connection is newer than the one the
 * last session used. A connection the host ends while a session still
 * reads from it is that session's end of stream.
 *
 * In a TD the platform is the real TDX backend (src/platform/tdx: TDCALLs,
 * Service and GetQuote over the shared pages at the top of the DMA region,
 * every answer copied to private memory before the core parses it), there
 * is no migtd.link, and the streams are the same virtio-serial ports. Once
 * the core has measured the policy and root CA (RTMR2, spec §9.4), its
 * event log is published through a CCEL table (§9.5).
 *
 * The enrolled policy and root CA come from the image's CFV (spec §9.3),
 * copied into RAM first; the certificate-validity time is the CMOS RTC
 * (the host's clock, untrusted, as the Linux program's wall clock is).
 */
#include "../fw.h"
#include "../virtio.h"
#include "../tdx/fw_tdx.h"
#include "tdx.h"

#include <string.h>

#include "mbedtls/platform.h"
#include "migtd/cfv.h"
#include "emu_platform.h"
#include "migtd/log.h"
#include "migtd/session.h"
#include "uvsock.h"
#include "migtd/wire.h"

#define LINK_PORT "migtd.link"
#define STREAM_PREFIX "migtd.stream."
/* A TDCALL-style leaf waits this long for the emulated TDX module (as the
 * Linux program), and a link write for room in the queue. */
#define LINK_WAIT_MS 30000u
/* Longest idle between two core polls: virtio has no interrupts yet. */
#define POLL_IDLE_MS 1u
/* How often ports seen closed are asked about again (vser_resync). */
#define RESYNC_MS 500u

struct fw_stream {
	bool used;
	uint32_t port;
	uint32_t gen;		/* host connection the session uses */
	uint8_t hello[UVSOCK_HELLO_LEN];
	size_t hello_sent;
};

struct fw_migtd {
	struct vser *ser;
	uint32_t link;
	/* Per virtio-serial port: the host connection the last session used
	 * (a port is free once host_gen moved past it). */
	uint32_t used_gen[VSER_MAX_PORTS];
	bool is_stream[VSER_MAX_PORTS];
	struct fw_stream streams[VSER_MAX_PORTS];
	unsigned int busy_max;	/* most sessions at once since the last idle */
	uint64_t busy_since;	/* fw_ticks when the first of them started */
};

static struct fw_migtd fm;
static struct migtd_core core;
static struct emu_platform eplat;
/* In a TD: the real TDX backend (its report/digest buffers are aligned
 * inside the struct). */
static struct tdx_platform tplat;

/* ---- the platform link ------------------------------------------------------ */

static uint64_t link_now_ms(void *ctx)
{
	(void)ctx;
	return fw_ticks();
}

static int link_write_all(void *ctx, const void *buf, size_t len)
{
	struct fw_migtd *m = ctx;
	const uint8_t *p = buf;
	uint64_t end = fw_ticks() + LINK_WAIT_MS;

	while (len) {
		int n = vser_send(m->ser, m->link, p, len);

		if (n == MIGTD_ERR_AGAIN) {
			if (fw_ticks() > end)
				return MIGTD_ERR_NETWORK;
			fw_vser_relax();
			continue;
		}
		if (n <= 0)
			return MIGTD_ERR_NETWORK;
		p += n;
		len -= (size_t)n;
	}
	return MIGTD_OK;
}

static int link_read(void *ctx, void *buf, size_t cap, size_t *got, bool wait)
{
	struct fw_migtd *m = ctx;
	uint64_t end = fw_ticks() + LINK_WAIT_MS;

	for (;;) {
		int n = vser_recv(m->ser, m->link, buf, cap);

		if (n > 0) {
			*got = (size_t)n;
			return MIGTD_OK;
		}
		if (n != MIGTD_ERR_AGAIN)
			return MIGTD_ERR_NETWORK;
		if (!m->ser->port[m->link].host_open)
			return MIGTD_ERR_NETWORK; /* the host went away */
		if (!wait)
			return MIGTD_ERR_AGAIN;
		if (fw_ticks() > end)
			return MIGTD_ERR_TIMEOUT;
		fw_vser_relax();
	}
}

/* ---- session streams ------------------------------------------------------ */

static bool name_is_stream(const char *name)
{
	return strncmp(name, STREAM_PREFIX, sizeof(STREAM_PREFIX) - 1) == 0 &&
	       name[sizeof(STREAM_PREFIX) - 1] != '\0';
}

static struct fw_stream *stream_get(struct fw_migtd *m, uint32_t h)
{
	if (h >= VSER_MAX_PORTS || !m->streams[h].used)
		return NULL;
	return &m->streams[h];
}

/* The stream's connection is gone (the VMM ended it, or it was replaced). */
static bool stream_ended(struct fw_migtd *m, const struct fw_stream *s)
{
	const struct vser_port *pt = &m->ser->port[s->port];

	return !pt->host_open || pt->host_gen != s->gen;
}

static int st_open(void *ctx, const struct migtd_stream_params *params, uint32_t *handle)
{
	struct fw_migtd *m = ctx;
	int err = vser_poll(m->ser);

	if (err)
		return MIGTD_ERR_NETWORK;
	for (uint32_t p = 0; p < m->ser->nports; p++) {
		struct vser_port *pt = &m->ser->port[p];
		struct fw_stream *s = &m->streams[p];

		if (!pt->added || !name_is_stream(pt->name) || s->used || !pt->host_open ||
		    pt->host_gen == m->used_gen[p])
			continue;
		if (!pt->guest_open && vser_open(m->ser, pt->name, 0) != (int)p)
			continue;
		memset(s, 0, sizeof(*s));
		s->used = true;
		s->port = p;
		s->gen = pt->host_gen;
		m->used_gen[p] = pt->host_gen;
		wire_put_u32(s->hello, UVSOCK_MAGIC);
		wire_put_u32(s->hello + 4, params->peer_port);
		wire_put_u64(s->hello + 8, params->peer_cid & 0xffffffffu);
		*handle = p;
		return MIGTD_OK;
	}
	/* None free now: the core retries within its step timeout. */
	return MIGTD_ERR_AGAIN;
}

static int flush_hello(struct fw_migtd *m, struct fw_stream *s)
{
	while (s->hello_sent < UVSOCK_HELLO_LEN) {
		int n = vser_send(m->ser, s->port, s->hello + s->hello_sent,
				  UVSOCK_HELLO_LEN - s->hello_sent);

		if (n == MIGTD_ERR_AGAIN)
			return n;
		if (n <= 0)
			return MIGTD_ERR_NETWORK;
		s->hello_sent += (size_t)n;
	}
	return MIGTD_OK;
}

static int st_send(void *ctx, uint32_t h, const void *buf, size_t len, size_t *sent)
{
	struct fw_migtd *m = ctx;
	struct fw_stream *s = stream_get(m, h);
	int n;

	if (!s)
		return MIGTD_ERR_STATE;
	if (vser_poll(m->ser) != MIGTD_OK || stream_ended(m, s))
		return MIGTD_ERR_NETWORK;
	n = flush_hello(m, s);
	if (n != MIGTD_OK)
		return n;
	n = vser_send(m->ser, s->port, buf, len);
	if (n == MIGTD_ERR_AGAIN)
		return n;
	if (n <= 0)
		return MIGTD_ERR_NETWORK;
	*sent = (size_t)n;
	return MIGTD_OK;
}

static int st_recv(void *ctx, uint32_t h, void *buf, size_t cap, size_t *got)
{
	struct fw_migtd *m = ctx;
	struct fw_stream *s = stream_get(m, h);
	int n;

	if (!s)
		return MIGTD_ERR_STATE;
	n = flush_hello(m, s);
	if (n == MIGTD_OK) {
		n = vser_recv(m->ser, s->port, buf, cap);
		if (n > 0) {
			/* Bytes that arrived before a connection ended are still
			 * the peer's: the driver drops old bytes only when a
			 * NEW connection starts. */
			*got = (size_t)n;
			return MIGTD_OK;
		}
	}
	if (n != MIGTD_ERR_AGAIN)
		return MIGTD_ERR_NETWORK;
	if (stream_ended(m, s)) {
		*got = 0; /* end of stream */
		return MIGTD_OK;
	}
	return MIGTD_ERR_AGAIN;
}

/* Done once the device has taken every byte we queued: the VMM reads them
 * before it sees our ReportStatus on the link. */
static int st_close(void *ctx, uint32_t h)
{
	struct fw_migtd *m = ctx;
	struct fw_stream *s = stream_get(m, h);

	if (!s)
		return MIGTD_ERR_STATE;
	if (vser_poll(m->ser) != MIGTD_OK)
		return MIGTD_ERR_NETWORK;
	if (!stream_ended(m, s) && !vser_tx_idle(m->ser, s->port))
		return MIGTD_ERR_AGAIN;
	memset(s, 0, sizeof(*s));
	return MIGTD_OK;
}

static const struct migtd_stream_ops fw_stream_ops = {
	.open = st_open,
	.send = st_send,
	.recv = st_recv,
	.close = st_close,
};

/* ---- logging ------------------------------------------------------------ */

static void log_sink(void *ctx, enum migtd_log_level level, uint64_t request_id, const char *msg,
		     size_t len)
{
	char line[512];
	size_t n = len < sizeof(line) - 1 ? len : sizeof(line) - 1;

	(void)ctx;
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

/* Copy-then-parse: the CFV is in the image (ROM here, shared with nobody in
 * a TD, but copied anyway so the core's pointers never see it change). */
static int load_config(uint8_t **policy, size_t *policy_len, uint8_t **root, size_t *root_len)
{
	const uint8_t *cfv = (const uint8_t *)(uintptr_t)(FW_IMAGE_BASE + FW_CFV_OFFSET);
	const uint8_t *p = NULL, *r = NULL;
	size_t plen = 0, rlen = 0;
	int err;

	err = cfv_find_file(cfv, FW_CFV_SIZE, CFV_FILETYPE_RAW, &cfv_guid_policy, &p, &plen);
	if (err) {
		fw_printf("migtd: no policy enrolled in the CFV (%s)\n", migtd_err_str(err));
		return err;
	}
	err = cfv_find_file(cfv, FW_CFV_SIZE, CFV_FILETYPE_RAW, &cfv_guid_root_ca, &r, &rlen);
	if (err) {
		fw_printf("migtd: no root CA enrolled in the CFV (%s)\n", migtd_err_str(err));
		return err;
	}
	*policy = mbedtls_calloc(1, plen ? plen : 1);
	*root = mbedtls_calloc(1, rlen ? rlen : 1);
	if (!*policy || !*root)
		return MIGTD_ERR_NOMEM;
	memcpy(*policy, p, plen);
	memcpy(*root, r, rlen);
	*policy_len = plen;
	*root_len = rlen;
	fw_printf("migtd: CFV: policy %u bytes, root CA %u bytes\n", (unsigned int)plen,
		  (unsigned int)rlen);
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

static void find_ports(struct fw_migtd *m)
{
	unsigned int n = 0;

	/* vser_open of the link saw the first names; give the rest ~100 ms. */
	for (unsigned int i = 0; i < 100; i++) {
		(void)vser_poll(m->ser);
		fw_vser_relax();
	}
	for (uint32_t p = 0; p < m->ser->nports; p++) {
		m->is_stream[p] = m->ser->port[p].added && name_is_stream(m->ser->port[p].name);
		if (m->is_stream[p])
			n++;
	}
	fw_printf("migtd: %u stream ports (" STREAM_PREFIX "N)\n", n);
}

/* Per-busy-period heap figures: reset the peak when the first session
 * starts from idle, print it (and how many sessions ran at once at most)
 * when the last one ends. */
static void heap_watch(struct fw_migtd *m, unsigned int *active_before)
{
	unsigned int active = migtd_core_active_sessions(&core);
	struct fw_heap_stats st;

	if (*active_before == 0 && active > 0) {
		fw_heap_peak_reset();
		m->busy_max = 0;
		m->busy_since = fw_ticks();
	}
	if (active > m->busy_max)
		m->busy_max = active;
	if (*active_before > 0 && active == 0) {
		fw_heap_stats(&st);
		fw_printf("migtd: heap: peak %u bytes while sessions ran (up to %u at once, "
			  "%llu ms; in use now %u, %llu allocations, %llu failed)\n",
			  (unsigned int)st.peak, m->busy_max,
			  (unsigned long long)(fw_ticks() - m->busy_since), (unsigned int)st.in_use,
			  (unsigned long long)st.allocs, (unsigned long long)st.failures);
	}
	*active_before = active;
}

int fw_migtd_run(void)
{
	struct migtd_platform plat = { 0 };
	struct migtd_config cfg = { 0 };
	struct emu_link_io io;
	uint8_t *policy = NULL, *root = NULL;
	size_t policy_len = 0, root_len = 0;
	int64_t now_s = 0;
	unsigned int active = 0;
	uint64_t resync_at = 0;
	bool announced = false;
	int ret, port;

	fm.ser = fw_vser_setup();
	if (!fm.ser)
		return 1;
	if (!fw_is_td) {
		port = vser_open(fm.ser, LINK_PORT, 2000);
		if (port < 0) {
			fw_printf("migtd: no port \"%s\": nothing to serve\n", LINK_PORT);
			return 1;
		}
		fm.link = (uint32_t)port;
	}
	find_ports(&fm);
	if (fw_rtc_unix_time(&now_s) != 0) {
		fw_puts("migtd: cannot read the RTC\n");
		return MIGTD_ERR_INVALID;
	}
	fw_printf("migtd: randomness %s, RTC %lld (host clock, untrusted)\n", fw_random_source(),
		  (long long)now_s);
	ret = load_config(&policy, &policy_len, &root, &root_len);
	if (ret)
		return ret;

	migtd_log_init(&plat.log, log_sink, NULL, MIGTD_LOG_INFO);
	if (fw_is_td) {
		fw_tdx_platform_init(&plat, &tplat);
	} else {
		io = (struct emu_link_io){ &fm, link_write_all, link_read, link_now_ms };
		emu_platform_init(&eplat, &io, &plat.log);
		plat.ops = &emu_platform_ops;
		plat.ctx = &eplat;
	}
	plat.stream_ops = &fw_stream_ops;
	plat.stream_ctx = &fm;

	cfg.policy = policy;
	cfg.policy_len = policy_len;
	cfg.root_ca = root;
	cfg.root_ca_len = root_len;
	cfg.verify_time = now_s;
	cfg.require_socket_info = true;
	cfg.max_sessions = MIGTD_MAX_SESSIONS;

	ret = migtd_core_init(&core, &plat, &cfg);
	while (ret == MIGTD_OK) {
		uint64_t wake = 0;

		ret = migtd_core_poll(&core, &wake);
		if (ret != MIGTD_OK)
			break;
		if (!announced && core.state == MIGTD_CORE_SERVE) {
			struct fw_heap_stats st;

			fw_heap_stats(&st);
			fw_printf("migtd: ready at %llu ms: measured, Query done, serving (heap in "
				  "use %u bytes)\n",
				  (unsigned long long)fw_ticks(), (unsigned int)st.in_use);
			announced = true;
			if (fw_is_td)
				ret = publish_event_log();
		}
		heap_watch(&fm, &active);
		if (fw_ticks() >= resync_at) {
			vser_resync(fm.ser);
			resync_at = fw_ticks() + RESYNC_MS;
		}
		idle(wake);
	}
	fw_printf("migtd: fatal: %s (status %d)\n", migtd_err_str(ret), migtd_err_status(ret));
	migtd_core_fini(&core);
	mbedtls_free(policy);
	mbedtls_free(root);
	return ret;
}
