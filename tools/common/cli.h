/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * cli.h -- the one command-line convention of every migtd-c program
 * (docs/cli.md): the exit-code table, --version, usage errors, and where
 * default files are found (relative to the program, never the current
 * directory).
 */
#ifndef MIGTD_CLI_H
#define MIGTD_CLI_H

#include <stddef.h>
#include <stdio.h>

/* The exit-code table shared by all tools (docs/cli.md). */
enum cli_exit {
	CLI_EXIT_OK = 0,        /* done; a verification or check passed */
	CLI_EXIT_FAIL = 1,      /* the answer is negative: verification/check failed */
	CLI_EXIT_USAGE = 2,     /* bad command line */
	CLI_EXIT_INPUT = 3,     /* an input is malformed or unsuitable */
	CLI_EXIT_IO = 4,        /* a file or socket could not be read or written */
	CLI_EXIT_RUNTIME = 5,   /* the operation could not run (busy, a process died) */
	CLI_EXIT_LINK_LOST = 6, /* migtd: its platform link is gone (the VMM died) */
	/* migtd-policy eval: 10 + the policy result (11 InvalidPolicy ..). */
	CLI_EXIT_VERDICT_BASE = 10,
};

/* Files a program falls back to when no option names one. */
enum cli_default {
	CLI_DEFAULT_POLICY,      /* config/policy.json */
	CLI_DEFAULT_ROOT_CA,     /* config/Intel_SGX_Provisioning_Certification_RootCA.cer */
	CLI_DEFAULT_SERVTD_INFO, /* config/servtd_info.json */
	CLI_DEFAULT_DEMO_POLICY, /* config/demo/policy.json */
	CLI_DEFAULT_IMAGE,       /* build/migtd.bin */
	CLI_DEFAULT_TDSHIM,      /* build/tdshim.bin */
	CLI_DEFAULT_COUNT,
};

/* The version string (one source: the VERSION file, via the Makefile). */
const char *cli_version_string(void);

/* Print "PROG (migtd-c) VERSION" on stdout (for --version). */
void cli_print_version(const char *prog);

/* Print the exit-code table, for the end of every --help text. */
void cli_print_exit_codes(FILE *f);

/*
 * Report a usage error: "PROG: message" and a pointer to --help on stderr.
 * Returns CLI_EXIT_USAGE so callers can `return cli_usage_error(...)`.
 */
int cli_usage_error(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* After getopt_long's own message: the --help pointer; CLI_EXIT_USAGE. */
int cli_try_help(const char *prog);

/* "PROG: message" on stderr; returns code. */
int cli_error(int code, const char *prog, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * At most one of the n input paths (NULL entries skipped) may be "-",
 * standard input: 0 if so, otherwise the usage error and CLI_EXIT_USAGE.
 */
int cli_one_stdin(const char *prog, const char *const *paths, size_t n);

/*
 * The path of a default file. Looked up next to the running program
 * (/proc/self/exe): an installed tree (BIN/../share/migtd-c/NAME) first,
 * then the source tree it was built in (build/bin, build/san/bin). When
 * none exists the installed location is returned, so the error message
 * names where the file belongs. The string is static, one per kind.
 */
const char *cli_default_path(enum cli_default which);

/* The display name of a default ("config/policy.json") for --help texts. */
const char *cli_default_name(enum cli_default which);

#endif /* MIGTD_CLI_H */
