/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * cli.c -- see cli.h and docs/cli.md.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#ifndef MIGTD_VERSION
#error "MIGTD_VERSION comes from the VERSION file (Makefile)"
#endif

const char *cli_version_string(void)
{
	return MIGTD_VERSION;
}

void cli_print_version(const char *prog)
{
	printf("%s (migtd-c) %s\n", prog, MIGTD_VERSION);
}

void cli_print_exit_codes(FILE *f)
{
	fprintf(f, "\n"
		   "exit status (the same for every migtd-c program, docs/cli.md):\n"
		   "  0   success; a verification or check passed\n"
		   "  1   negative result: a verification or check failed\n"
		   "  2   usage error (bad command line)\n"
		   "  3   invalid input: a file is malformed or unsuitable\n"
		   "  4   I/O error: a file or socket could not be read or written\n"
		   "  5   the operation could not run (resource busy, a process failed)\n"
		   "  6   migtd: the platform link was lost (the VMM closed it or died)\n"
		   "  10+ migtd-policy eval: 10 + the policy result (see its --help)\n");
}

static void vmsg(const char *prog, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void vmsg(const char *prog, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int cli_usage_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(prog, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", prog);
	return CLI_EXIT_USAGE;
}

int cli_try_help(const char *prog)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", prog);
	return CLI_EXIT_USAGE;
}

int cli_error(int code, const char *prog, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(prog, fmt, ap);
	va_end(ap);
	return code;
}

int cli_one_stdin(const char *prog, const char *const *paths, size_t n)
{
	int nstdin = 0;

	for (size_t i = 0; i < n; i++)
		nstdin += paths[i] && !strcmp(paths[i], "-");
	return nstdin > 1 ? cli_usage_error(prog, "only one input can be standard input") : 0;
}

/* Where each default lives: in an installed tree (under share/migtd-c/)
 * and in the source tree (relative to its root). */
static const struct {
	const char *installed, *source;
} DEFAULTS[CLI_DEFAULT_COUNT] = {
	[CLI_DEFAULT_POLICY] = { "policy.json", "config/policy.json" },
	[CLI_DEFAULT_ROOT_CA] = { "Intel_SGX_Provisioning_Certification_RootCA.cer",
				  "config/Intel_SGX_Provisioning_Certification_RootCA.cer" },
	[CLI_DEFAULT_SERVTD_INFO] = { "servtd_info.json", "config/servtd_info.json" },
	[CLI_DEFAULT_DEMO_POLICY] = { "demo/policy.json", "config/demo/policy.json" },
	[CLI_DEFAULT_IMAGE] = { "migtd.bin", "build/migtd.bin" },
	[CLI_DEFAULT_TDSHIM] = { "tdshim.bin", "build/tdshim.bin" },
};

const char *cli_default_name(enum cli_default which)
{
	return (unsigned)which < CLI_DEFAULT_COUNT ? DEFAULTS[which].source : "?";
}

/* The directory of the running program, without a trailing slash. */
static int exe_dir(char *out, size_t cap)
{
	ssize_t n = readlink("/proc/self/exe", out, cap - 1);
	char *slash;

	if (n <= 0 || (size_t)n >= cap - 1)
		return -1;
	out[n] = '\0';
	slash = strrchr(out, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	return 0;
}

/* out = a b c (PATH_MAX bytes); -1 if it does not fit. */
static int join3(char *out, const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);

	if (la + lb + lc >= PATH_MAX)
		return -1;
	memcpy(out, a, la);
	memcpy(out + la, b, lb);
	memcpy(out + la + lb, c, lc + 1);
	return 0;
}

const char *cli_default_path(enum cli_default which)
{
	static char paths[CLI_DEFAULT_COUNT][PATH_MAX];
	char dir[PATH_MAX];
	char *p;

	if ((unsigned)which >= CLI_DEFAULT_COUNT)
		return "";
	p = paths[which];
	if (exe_dir(dir, sizeof(dir)) != 0) {
		/* No /proc: the source-tree name is the best guess left. */
		snprintf(p, PATH_MAX, "%s", DEFAULTS[which].source);
		return p;
	}
	/* Installed: BIN/../share/migtd-c/; build/bin/ -> the tree is two
	 * levels up; build/san/bin/ -> three. */
	{
		static const char *const up[] = { "/../share/migtd-c/", "/../../", "/../../../" };

		for (size_t i = 0; i < sizeof(up) / sizeof(up[0]); i++) {
			const char *name =
				i == 0 ? DEFAULTS[which].installed : DEFAULTS[which].source;

			if (join3(p, dir, up[i], name) == 0 && access(p, F_OK) == 0) {
				char real[PATH_MAX];

				/* Shorter messages: no "bin/../../" in them. */
				if (realpath(p, real))
					memcpy(p, real, strlen(real) + 1);
				return p;
			}
		}
	}
	if (join3(p, dir, "/../share/migtd-c/", DEFAULTS[which].installed) != 0)
		snprintf(p, PATH_MAX, "%s", DEFAULTS[which].source);
	return p;
}
