/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * bench_policy_v2 -- load (parse + verify every signature + collateral
 * facts) the upstream signed v2 policies (docs/policy-v2.md): the 134 KB
 * test policy and the template. Prints the median time per load, the size
 * of the loaded struct, and the peak of the mbedTLS heap during one load
 * (counted through mbedtls_platform_set_calloc_free: what a TD's heap must
 * hold beside the struct and the policy bytes themselves).
 *
 *   build/host/bench/bench_policy_v2 [VECTORS_DIR]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform.h>

#include "migtd/policy_v2.h"
#include "benchutil.h"

#define ROUNDS 9

static struct migtd_policy_v2 pol;
static size_t in_use, peak;

/* A size header in front of each block, so free knows what it returns. */
static void *count_calloc(size_t n, size_t size)
{
	size_t *p;

	if (size && n > (SIZE_MAX - 16) / size)
		return NULL;
	p = calloc(1, n * size + 16);
	if (!p)
		return NULL;
	p[0] = n * size;
	in_use += n * size;
	if (in_use > peak)
		peak = in_use;
	return (uint8_t *)p + 16;
}

static void count_free(void *q)
{
	size_t *p;

	if (!q)
		return;
	p = (size_t *)(void *)((uint8_t *)q - 16);
	in_use -= p[0];
	free(p);
}

static void run(const char *name, const uint8_t *doc, size_t len, const uint8_t *chain,
		size_t chain_len, int iters)
{
	double t[ROUNDS], med;
	struct migtd_pv2_explain ex;
	enum migtd_pv2_result r = MIGTD_PV2_OK;

	peak = in_use = 0;
	r = migtd_policy_v2_load(&pol, doc, len, chain, chain_len, &ex);
	printf("%-26s %7zu bytes  %-4s  heap peak %6zu bytes  ", name, len,
	       migtd_pv2_result_name(r), peak);
	for (int k = 0; k < ROUNDS; k++) {
		double t0 = bench_now();

		for (int i = 0; i < iters; i++)
			migtd_policy_v2_load(&pol, doc, len, chain, chain_len, NULL);
		t[k] = (bench_now() - t0) / iters;
	}
	med = bench_median(t, ROUNDS);
	printf("median %8.1f us per load\n", med * 1e6);
}

int main(int argc, char **argv)
{
	const char *v = argc > 1 ? argv[1] : getenv("MIGTD_VECTORS");
	static const struct {
		const char *name, *policy, *chain;
	} files[] = {
		{ "test policy_v2.json", "src/policy/test/policy_v2/policy_v2.json",
		  "src/policy/test/policy_v2/cert_chain/policy_issuer_chain.pem" },
		{ "templates/policy_v2_signed", "config/templates/policy_v2_signed.json",
		  "config/templates/policy_issuer_chain.pem" },
	};
	int iters = getenv("BENCH_ITERS") ? atoi(getenv("BENCH_ITERS")) : 20;

	if (!v || !*v)
		v = "../shared/vectors";
	if (iters < 1)
		iters = 1;
	mbedtls_platform_set_calloc_free(count_calloc, count_free);
	printf("struct migtd_policy_v2: %zu bytes\n", sizeof(struct migtd_policy_v2));
	for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
		char p1[4096], p2[4096];
		size_t l1, l2;
		uint8_t *doc, *chain;

		snprintf(p1, sizeof(p1), "%s/upstream/%s", v, files[k].policy);
		snprintf(p2, sizeof(p2), "%s/upstream/%s", v, files[k].chain);
		doc = bench_slurp("bench_policy_v2", p1, &l1);
		chain = bench_slurp("bench_policy_v2", p2, &l2);
		run(files[k].name, doc, l1, chain, l2, iters);
		free(doc);
		free(chain);
	}
	return 0;
}
