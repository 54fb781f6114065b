/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * bench_policy -- parse + evaluate upstream's production policy
 * (config/policy_production_fmspc.json, 13 FMSPC blocks) against report.dat,
 * and the all-"self" repo default that reaches the last block. Prints the
 * median time per parse+eval over several rounds and iterations/s.
 *
 *   build/host/bench/bench_policy [VECTORS_DIR]
 *   BENCH_ITERS=11 valgrind --tool=callgrind build/host/bench/bench_policy
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migtd/eventlog.h"
#include "migtd/policy.h"
#include "benchutil.h"

#define MAX_ROUNDS 15

/* BENCH_ITERS=n (env) shrinks the run, e.g. for callgrind: rounds 1, n iterations. */
static int ROUNDS = MAX_ROUNDS, ITERS = 2000;

static struct policy_workspace ws;

static void run(const char *name, const uint8_t *doc, size_t len, const uint8_t *rep,
		const struct eventlog_parsed *log)
{
	struct policy_input in = {
		rep, MIGTD_VERIFIED_REPORT_SIZE, rep, MIGTD_VERIFIED_REPORT_SIZE, log, log, true
	};
	double t[MAX_ROUNDS], med;
	enum policy_result r = POLICY_OK;

	for (int k = 0; k < ROUNDS; k++) {
		double t0 = bench_now();

		for (int i = 0; i < ITERS; i++)
			r = migtd_policy_eval_doc(&ws, doc, len, &in, NULL);
		t[k] = (bench_now() - t0) / ITERS;
	}
	med = bench_median(t, ROUNDS);
	printf("%-34s %6zu bytes  %-22s median %7.2f us  %9.0f evals/s\n", name, len,
	       migtd_policy_result_name(r), med * 1e6, 1.0 / med);
}

int main(int argc, char **argv)
{
	const char *v = argc > 1 ? argv[1] : getenv("MIGTD_VECTORS");
	char path[4096];
	size_t len, rlen;
	uint8_t *doc, *rep;
	struct eventlog_parsed empty;

	if (!v || !*v)
		v = "../shared/vectors";
	if (getenv("BENCH_ITERS")) {
		ROUNDS = 1;
		ITERS = atoi(getenv("BENCH_ITERS"));
		if (ITERS < 1)
			ITERS = 1;
	}
	snprintf(path, sizeof(path), "%s/upstream/src/policy/test/report.dat", v);
	rep = bench_slurp("bench_policy", path, &rlen);
	if (rlen != MIGTD_VERIFIED_REPORT_SIZE)
		return 1;
	migtd_eventlog_parsed_empty(&empty);
	snprintf(path, sizeof(path), "%s/upstream/config/policy_production_fmspc.json", v);
	doc = bench_slurp("bench_policy", path, &len);
	run("policy_production_fmspc.json", doc, len, rep, &empty);
	free(doc);
	snprintf(path, sizeof(path), "%s/upstream/config/policy_pre_production_fmspc.json", v);
	doc = bench_slurp("bench_policy", path, &len);
	run("policy_pre_production_fmspc.json", doc, len, rep, &empty);
	free(doc);
	doc = bench_slurp("bench_policy", "config/policy.json", &len);
	run("config/policy.json (repo default)", doc, len, rep, &empty);
	free(doc);
	free(rep);
	return 0;
}
