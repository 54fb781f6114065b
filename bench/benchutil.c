/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * benchutil.c -- see benchutil.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "benchutil.h"
#include "hostio.h"
#include "migtd/err.h"

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double bench_cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_median(double *t, int n)
{
	qsort(t, (size_t)n, sizeof(t[0]), cmp);
	return t[n / 2];
}

double bench_median_of(void (*op)(void), int rounds, int iters)
{
	double t[BENCH_MAX_ROUNDS];

	if (rounds < 1 || rounds > BENCH_MAX_ROUNDS)
		abort();
	for (int r = 0; r < rounds; r++) {
		double t0 = bench_now();

		for (int i = 0; i < iters; i++)
			op();
		t[r] = (bench_now() - t0) / iters;
	}
	return bench_median(t, rounds);
}

uint8_t *bench_slurp(const char *prog, const char *path, size_t *len)
{
	uint8_t *buf;

	if (hostio_read_file(path, HOSTIO_READ_MAX, &buf, len) != MIGTD_OK) {
		fprintf(stderr, "%s: cannot read %s\n", prog, path);
		exit(1);
	}
	return buf;
}
