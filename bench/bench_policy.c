/*
 * bench_policy -- parse + evaluate upstream's production policy
 * (config/policy_production_fmspc.json, 13 FMSPC blocks) against report.dat,
 * and the all-"self" repo default that reaches the last block. Prints the
 * median time per parse+eval over several rounds and iterations/s.
 *
 *   build/host/bench/bench_policy [VECTORS_DIR]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "migtd/eventlog.h"
#include "migtd/policy.h"

#define ROUNDS 15
#define ITERS 2000

static struct policy_workspace ws;

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "bench_policy: cannot read %s\n", path);
		exit(1);
	}
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		exit(1);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void run(const char *name, const uint8_t *doc, size_t len, const uint8_t *rep,
		const struct eventlog_parsed *log)
{
	struct policy_input in = { rep, POLICY_REPORT_SIZE, rep, POLICY_REPORT_SIZE, log, log, true };
	double t[ROUNDS];
	enum policy_result r = POLICY_OK;

	for (int k = 0; k < ROUNDS; k++) {
		double t0 = now();

		for (int i = 0; i < ITERS; i++)
			r = policy_eval_doc(&ws, doc, len, &in, NULL);
		t[k] = (now() - t0) / ITERS;
	}
	qsort(t, ROUNDS, sizeof(t[0]), cmp);
	printf("%-34s %6zu bytes  %-22s median %7.2f us  %9.0f evals/s\n", name, len,
	       policy_result_name(r), t[ROUNDS / 2] * 1e6, 1.0 / t[ROUNDS / 2]);
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
	snprintf(path, sizeof(path), "%s/upstream/src/policy/test/report.dat", v);
	rep = slurp(path, &rlen);
	if (rlen != POLICY_REPORT_SIZE)
		return 1;
	eventlog_parsed_empty(&empty);
	snprintf(path, sizeof(path), "%s/upstream/config/policy_production_fmspc.json", v);
	doc = slurp(path, &len);
	run("policy_production_fmspc.json", doc, len, rep, &empty);
	free(doc);
	snprintf(path, sizeof(path), "%s/upstream/config/policy_pre_production_fmspc.json", v);
	doc = slurp(path, &len);
	run("policy_pre_production_fmspc.json", doc, len, rep, &empty);
	free(doc);
	doc = slurp("config/policy.json", &len);
	run("config/policy.json (repo default)", doc, len, rep, &empty);
	free(doc);
	free(rep);
	return 0;
}
