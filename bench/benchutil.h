/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * benchutil.h -- timing and input helpers shared by the benchmarks
 * (bench/bench_*.c). Not named bench_*.c itself: the Makefile makes a program
 * of every bench/bench_*.c and links this file into each (BENCH_COMMON_SRC).
 */
#ifndef MIGTD_BENCHUTIL_H
#define MIGTD_BENCHUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Most rounds bench_median_of takes. */
#define BENCH_MAX_ROUNDS 64

/* Monotonic clock, seconds. */
double bench_now(void);

/* CPU time of this process, seconds: what a paired ratio compares (the
 * machines are shared; another process's work does not count here). */
double bench_cpu_now(void);

/* Sort t[0..n) and return its median (t[n / 2]). */
double bench_median(double *t, int n);

/* Median seconds per call of op over rounds (<= BENCH_MAX_ROUNDS) of iters calls. */
double bench_median_of(void (*op)(void), int rounds, int iters);

/* The whole file at path (malloc'd); exit(1) with "prog: cannot read path" if not. */
uint8_t *bench_slurp(const char *prog, const char *path, size_t *len);

#endif
