/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * bench_premigration -- whole pre-migrations between two MigTD cores in one
 * process (the harness of src/emuworld/world.c: two emulated
 * platforms, fake VMMs, in-memory streams), both sides polled by one thread.
 *
 *   build/host/bench/bench_premigration            latency, 1/8/64 concurrent,
 *                                                  heap per session, ratio line
 *   build/host/bench/bench_premigration --quick N  N pre-migrations with the
 *       callgrind collection switched on around them only (run under
 *       valgrind --tool=callgrind --collect-atstart=no; scripts/bench.sh)
 *   build/host/bench/bench_premigration --soak N   N consecutive pre-migrations:
 *       all must succeed; mbedTLS heap and RSS at start, middle and end
 *
 *   build/host/bench/bench_premigration --tls N    N reference handshakes
 *       (bench/tlsref.c: libssl, both ends in this thread), collected alone
 *   build/host/bench/bench_premigration --first    the first pre-migration
 *       after boot (the boot itself not collected)
 *
 * The fair ratio (the default run prints it last, `session/handshake
 * ratio: R`): BENCH_PAIRS (20) pairs, each one steady-state pre-migration
 * (both MigTDs + emulated platforms, in-process) and one reference mutual
 * TLS 1.3 P-384 handshake on libssl, in alternating order, timed in CPU
 * time of this process; R is the median of the per-pair ratios. The first
 * pre-migration after boot is measured on BENCH_BOOTS (5) fresh worlds,
 * after both cores finished booting, and reported beside the steady state.
 * scripts/bench.sh passes in what needs other processes:
 *   BENCH_CG_RATIO      instructions per pre-migration / per reference
 *                       handshake, both counted by callgrind (--quick / --tls)
 *   BENCH_DEMO_MS       median pre-migration between two real migtd
 *                       processes (migtd-vmm demo --quiet), for information
 *
 * Nothing here asserts a speed; it fails only if a pre-migration fails.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <valgrind/callgrind.h>

#include "benchutil.h"
#include "emu_tdx.h"
#include "migtd/session.h"
#include "tlsref.h"
#include "world.h"

#define LAT_ROUNDS 15
#define MAX_CONC MIGTD_MAX_SESSIONS

static struct world_fixture fx;
static uint64_t next_id = 1;

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile (nearest rank) of n sorted values. */
static uint64_t quantile(const uint64_t *v, size_t n, double q)
{
	size_t k = (size_t)(q * (double)n + 0.999999);

	return v[k == 0 ? 0 : (k > n ? n - 1 : k - 1)];
}

static double ms(uint64_t us)
{
	return (double)us / 1000.0;
}

static long vm_rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* Formats like the migtd program at its default level, writes nowhere. */
static void log_discard(void *ctx, enum migtd_log_level level, uint64_t id, const char *msg,
			size_t len)
{
	(void)ctx;
	(void)level;
	(void)id;
	(void)msg;
	(void)len;
}

static struct world *bench_world(void)
{
	struct world *w = world_new(&fx, NULL, 0, NULL, 0);

	for (int i = 0; i < 2; i++) {
		/* What the migtd program logs by default; nothing kept in memory. */
		w->s[i].keep_log = false;
		migtd_log_init(&w->s[i].plat.log, log_discard, NULL, MIGTD_LOG_INFO);
		/* Spec timeouts: 64 sessions on one thread take seconds. */
		w->s[i].cfg.timeout_ms = MIGTD_DEFAULT_TIMEOUT_MS;
		/* As the migtd program and the firmware run: own quote verified at boot. */
		w->s[i].cfg.own_quote_once = getenv("BENCH_OWN_EVERY_SESSION") == NULL;
	}
	w->idle_us = 0; /* spin: nothing but the two cores to wait for */
	w->check_wake = false;
	w->s[0].h.tdx.min_export_version = 1;
	w->s[0].h.tdx.max_export_version = 3;
	w->s[1].h.tdx.min_import_version = 2;
	w->s[1].h.tdx.max_import_version = 4;
	world_start(w);
	return w;
}

/* Poll both cores until both have booted and serve requests (no request queued). */
static void boot_wait(struct world *w)
{
	uint64_t end = world_now_ms() + 60000;

	while (w->s[0].core->state != MIGTD_CORE_SERVE || w->s[1].core->state != MIGTD_CORE_SERVE) {
		for (int i = 0; i < 2; i++) {
			uint64_t wake = 0;

			world_heap_side = i;
			if (migtd_core_poll(w->s[i].core, &wake) != MIGTD_OK)
				world_fail("boot of the %s MigTD failed", w->s[i].name);
			world_heap_side = -1;
		}
		if (world_now_ms() > end)
			world_fail("boot did not finish in 60 s");
	}
}

struct round {
	uint64_t lat_us[MAX_CONC]; /* request issued -> both sides reported */
	uint64_t wall_us;          /* first request -> last report */
	size_t heap_peak;          /* mbedTLS heap above the round's start */
	uint64_t allocs;           /* mbedTLS allocations in the round */
};

/* n pre-migrations at once; every one must succeed with keys exchanged. */
static void round_run(struct world *w, unsigned n, struct round *r)
{
	struct emu_user_td *td[2][MAX_CONC];
	uint64_t id0 = next_id, t0;

	world_heap.peak = world_heap.cur;
	r->heap_peak = world_heap.cur;
	r->allocs = world_heap.allocs;
	t0 = world_now_us();
	for (unsigned i = 0; i < n; i++) {
		for (int s = 0; s < 2; s++) {
			td[s][i] = emu_tdx_bind_user_td(&w->s[s].h.tdx);
			if (td[s][i] == NULL)
				world_fail("no free user TD");
			world_queue_request(&w->s[s], next_id, s == 0, td[s][i],
					    (uint32_t)(10000 + i));
		}
		next_id++;
	}
	world_run(w, n, n, 600000);
	r->wall_us = world_now_us() - t0;
	r->heap_peak = world_heap.peak - r->heap_peak;
	r->allocs = world_heap.allocs - r->allocs;
	for (unsigned i = 0; i < n; i++) {
		const struct report *a = world_find_report(&w->s[0], id0 + i);
		const struct report *b = world_find_report(&w->s[1], id0 + i);

		if (a == NULL || b == NULL || a->status != 0 || b->status != 0)
			world_fail("pre-migration %llu failed: status %d / %d",
				   (unsigned long long)(id0 + i), a ? a->status : -1,
				   b ? b->status : -1);
		if (td[0][i]->dec_key_written != 0xF || td[1][i]->dec_key_written != 0xF ||
		    memcmp(td[0][i]->mig_dec_key, td[1][i]->mig_enc_key, 32) != 0 ||
		    memcmp(td[1][i]->mig_dec_key, td[0][i]->mig_enc_key, 32) != 0 ||
		    td[0][i]->mig_version != 3 || td[1][i]->mig_version != 3)
			world_fail("pre-migration %llu: keys not exchanged",
				   (unsigned long long)(id0 + i));
		r->lat_us[i] = (a->t_us > b->t_us ? a->t_us : b->t_us) - t0;
		td[0][i]->in_use = td[1][i]->in_use = false;
	}
	world_recycle(w);
}

/* rounds x n-at-once: throughput and latency quantiles over all sessions. */
static void concurrency(struct world *w, unsigned n, unsigned rounds, uint64_t *lat_out)
{
	static struct round r;
	static uint64_t lat[LAT_ROUNDS * MAX_CONC];
	size_t nl = 0, heap = 0;
	uint64_t wall = 0, allocs = 0;
	unsigned inflight;

	/* The core takes one request per WaitForRequest: how many really ran at once. */
	w->s[0].core->peak_sessions = w->s[1].core->peak_sessions = 0;

	for (unsigned k = 0; k < rounds; k++) {
		round_run(w, n, &r);
		memcpy(lat + nl, r.lat_us, n * sizeof(lat[0]));
		nl += n;
		wall += r.wall_us;
		allocs += r.allocs;
		if (r.heap_peak > heap)
			heap = r.heap_peak;
	}
	inflight = w->s[0].core->peak_sessions + w->s[1].core->peak_sessions;
	qsort(lat, nl, sizeof(lat[0]), cmp_u64);
	if (lat_out)
		*lat_out = quantile(lat, nl, 0.5);
	/* A "session" is one side's; a pre-migration is two sessions. */
	printf("concurrent %2u x %2u rounds: %5.1f pre-migrations/s, latency median %7.2f ms"
	       " p95 %7.2f ms max %7.2f ms\n",
	       n, rounds, (double)nl * 1e6 / (double)wall, ms(quantile(lat, nl, 0.5)),
	       ms(quantile(lat, nl, 0.95)), ms(lat[nl - 1]));
	printf("              mbedTLS heap peak %zu B with at most %u sessions in flight (src+dst)"
	       " = %zu B/session; %.0f allocations/session\n",
	       heap, inflight, heap / (inflight ? inflight : 1), (double)allocs / (double)(2 * nl));
}

static double env_num(const char *name, double dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtod(v, NULL) : dflt;
}

static double median_of(double *v, unsigned n)
{
	return n == 0 ? 0.0 : bench_median(v, (int)n);
}

#define MAX_PAIRS 200
#define MAX_BOOTS 20

/*
 * The fair ratio: n pairs of (steady-state pre-migration, reference
 * handshake), the order alternating from pair to pair so that neither
 * always runs on warmer caches; CPU time of this process.
 */
static double fair_pairs(struct world *w, unsigned n, double *pre_ms, double *tls_ms)
{
	static double ratio[MAX_PAIRS], pre[MAX_PAIRS], tls[MAX_PAIRS];
	struct round r;

	for (unsigned k = 0; k < n; k++) {
		for (unsigned j = 0; j < 2; j++) {
			double t0 = bench_cpu_now();

			if ((j + k) % 2 == 0) {
				round_run(w, 1, &r);
				pre[k] = bench_cpu_now() - t0;
			} else {
				if (tlsref_handshake() != 0)
					world_fail("reference handshake failed");
				tls[k] = bench_cpu_now() - t0;
			}
		}
		ratio[k] = pre[k] / tls[k];
	}
	*pre_ms = 1e3 * median_of(pre, n);
	*tls_ms = 1e3 * median_of(tls, n);
	return median_of(ratio, n);
}

/*
 * The first pre-migration after boot, on `boots` fresh worlds: CPU time of
 * that one pre-migration (both sides), boot finished before it starts.
 * Also the boot itself (both cores), for information.
 */
static double first_after_boot(unsigned boots, double *boot_ms)
{
	static double first[MAX_BOOTS], boot[MAX_BOOTS];
	struct round r;

	for (unsigned k = 0; k < boots; k++) {
		struct world *w = bench_world();
		double t0 = bench_cpu_now(), t1;

		boot_wait(w);
		t1 = bench_cpu_now();
		round_run(w, 1, &r);
		first[k] = bench_cpu_now() - t1;
		boot[k] = t1 - t0;
		world_free(w);
	}
	*boot_ms = 1e3 * median_of(boot, boots);
	return 1e3 * median_of(first, boots);
}

static int bench_main(void)
{
	struct world *w = bench_world();
	struct round r;
	uint64_t med_us = 0;
	unsigned pairs = (unsigned)env_num("BENCH_PAIRS", 20);
	unsigned boots = (unsigned)env_num("BENCH_BOOTS", 5);
	double demo = env_num("BENCH_DEMO_MS", 0), cg = env_num("BENCH_CG_RATIO", 0);
	double ratio, pre_ms, tls_ms, first_ms, boot_ms;

	if (pairs < 1 || pairs > MAX_PAIRS || boots < 1 || boots > MAX_BOOTS)
		world_fail("BENCH_PAIRS must be 1..%d, BENCH_BOOTS 1..%d", MAX_PAIRS, MAX_BOOTS);
	printf("in-process: two MigTD cores on one thread, emulated platforms, in-memory streams\n");
	printf("core memory: %zu B per session slot (static), struct migtd_core %zu B\n",
	       migtd_core_session_size(), sizeof(struct migtd_core));
	round_run(w, 1, &r); /* warm-up: boot, first WaitForRequest, caches */
	concurrency(w, 1, LAT_ROUNDS, &med_us);
	concurrency(w, 8, 3, NULL);
	concurrency(w, 64, 1, NULL);
	printf("pre-migration median, in-process (both sides, one thread): %.2f ms wall\n",
	       ms(med_us));
	if (demo > 0)
		printf("pre-migration median, two migtd processes (migtd-vmm demo): %.2f ms wall\n",
		       demo);

	if (tlsref_init() != 0)
		world_fail("reference handshake set-up failed");
	ratio = fair_pairs(w, pairs, &pre_ms, &tls_ms);
	world_free(w);
	first_ms = first_after_boot(boots, &boot_ms);
	tlsref_fini();

	printf("fair ratio, %u interleaved pairs, CPU time of this process:\n", pairs);
	printf("  steady-state pre-migration (both MigTDs + emulated platforms): median %.2f ms\n",
	       pre_ms);
	printf("  reference: libssl mutual TLS 1.3 P-384 handshake, both ends: median %.2f ms\n",
	       tls_ms);
	printf("first pre-migration after boot: median %.2f ms over %u boots = %.2f x steady state"
	       " (boot of both cores before it: %.2f ms)\n",
	       first_ms, boots, first_ms / pre_ms, boot_ms);
	if (cg > 0)
		printf("callgrind instruction ratio (pre-migration / reference handshake): %.2f\n",
		       cg);
	printf("session/handshake ratio: %.2f\n", ratio);
	return 0;
}

/* Under callgrind: only the n reference handshakes count (after one warm-up in init). */
static int tls_main(unsigned n)
{
	if (tlsref_init() != 0)
		return 1;
	CALLGRIND_TOGGLE_COLLECT;
	for (unsigned i = 0; i < n; i++)
		if (tlsref_handshake() != 0)
			world_fail("reference handshake failed");
	CALLGRIND_TOGGLE_COLLECT;
	tlsref_fini();
	printf("tls: %u reference handshakes collected\n", n);
	return 0;
}

/* Under callgrind: only the first pre-migration after boot counts. */
static int first_main(void)
{
	struct world *w = bench_world();
	struct round r;

	boot_wait(w);
	CALLGRIND_TOGGLE_COLLECT;
	round_run(w, 1, &r);
	CALLGRIND_TOGGLE_COLLECT;
	printf("first: 1 pre-migration after boot collected; GetQuotes %u\n",
	       w->s[0].quotes + w->s[1].quotes);
	world_free(w);
	return 0;
}

/* Under callgrind (--collect-atstart=no): only the n pre-migrations count. */
static int quick_main(unsigned n)
{
	struct world *w = bench_world();
	struct round r;

	round_run(w, 1, &r);
	CALLGRIND_TOGGLE_COLLECT;
	for (unsigned i = 0; i < n; i++)
		round_run(w, 1, &r);
	CALLGRIND_TOGGLE_COLLECT;
	printf("quick: %u pre-migrations (%u sessions) collected after 1 warm-up; GetQuotes %u\n",
	       n, 2 * n, w->s[0].quotes + w->s[1].quotes);
	world_free(w);
	return 0;
}

static int soak_main(unsigned n)
{
	struct world *w = bench_world();
	struct round r;
	size_t heap_peak = 0;
	uint64_t t0 = world_now_us(), lat_max = 0;

	for (unsigned i = 1; i <= n; i++) {
		round_run(w, 1, &r);
		if (r.heap_peak > heap_peak)
			heap_peak = r.heap_peak;
		if (r.lat_us[0] > lat_max)
			lat_max = r.lat_us[0];
		if (i == 1 || i == n / 2 || i == n)
			printf("soak %4u/%u: VmRSS %ld KiB, mbedTLS heap live %zu B (between "
			       "sessions), allocations so far %llu\n",
			       i, n, vm_rss_kib(), world_heap.cur,
			       (unsigned long long)world_heap.allocs);
		fflush(stdout);
	}
	printf("soak: %u consecutive pre-migrations succeeded, keys verified; %.1f s, "
	       "slowest %.2f ms, mbedTLS heap peak %zu B per pre-migration (2 sessions)\n",
	       n, (double)(world_now_us() - t0) / 1e6, ms(lat_max), heap_peak);
	world_free(w);
	return 0;
}

int main(int argc, char **argv)
{
	int ret;

	world_heap_hook();
	if (world_fixture_init(&fx) != 0) {
		fprintf(stderr, "bench_premigration: fixture set-up failed\n");
		return 1;
	}
	if (argc > 2 && strcmp(argv[1], "--quick") == 0)
		ret = quick_main((unsigned)strtoul(argv[2], NULL, 10));
	else if (argc > 1 && strcmp(argv[1], "--quick") == 0)
		ret = quick_main(2);
	else if (argc > 2 && strcmp(argv[1], "--tls") == 0)
		ret = tls_main((unsigned)strtoul(argv[2], NULL, 10));
	else if (argc > 1 && strcmp(argv[1], "--first") == 0)
		ret = first_main();
	else if (argc > 2 && strcmp(argv[1], "--soak") == 0)
		ret = soak_main((unsigned)strtoul(argv[2], NULL, 10));
	else
		ret = bench_main();
	if (world_fixture_fini(&fx) != 0)
		ret = 1;
	return ret;
}
