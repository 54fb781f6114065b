/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * log.h -- leveled logging with a request id on every line.
 *
 * The core has no globals: a struct migtd_log is passed to whoever logs.
 * The sink (where the line goes: stderr, a serial port, the VMM log area)
 * is provided by the platform or the host program.
 */
#ifndef MIGTD_LOG_H
#define MIGTD_LOG_H

#include <stddef.h>
#include <stdint.h>

enum migtd_log_level {
	MIGTD_LOG_ERROR = 1,
	MIGTD_LOG_WARN = 2,
	MIGTD_LOG_INFO = 3,
	MIGTD_LOG_DEBUG = 4,
	MIGTD_LOG_TRACE = 5,
};

/* No request in scope (boot, request loop). */
#define MIGTD_LOG_NO_REQUEST UINT64_MAX

/* Longest message passed to a sink; longer ones are cut (and end in "..."). */
#define MIGTD_LOG_LINE_MAX 512

/* msg is NUL-terminated, len = strlen(msg), without a trailing newline. */
typedef void (*migtd_log_sink_fn)(void *ctx, enum migtd_log_level level, uint64_t request_id,
				  const char *msg, size_t len);

struct migtd_log {
	migtd_log_sink_fn sink; /* NULL: logging off */
	void *ctx;
	enum migtd_log_level max_level;
};

void migtd_log_init(struct migtd_log *log, migtd_log_sink_fn sink, void *ctx,
		    enum migtd_log_level max_level);

/* True when a line at this level would reach the sink (skip costly formatting otherwise). */
int migtd_log_enabled(const struct migtd_log *log, enum migtd_log_level level);

void migtd_logf(const struct migtd_log *log, enum migtd_log_level level, uint64_t request_id,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

const char *migtd_log_level_name(enum migtd_log_level level);
/* Parse "error".."trace" (or "1".."5"); returns 0 if unknown. */
enum migtd_log_level migtd_log_level_parse(const char *s);

#define MIGTD_ERROR(log, id, ...) migtd_logf((log), MIGTD_LOG_ERROR, (id), __VA_ARGS__)
#define MIGTD_WARN(log, id, ...) migtd_logf((log), MIGTD_LOG_WARN, (id), __VA_ARGS__)
#define MIGTD_INFO(log, id, ...) migtd_logf((log), MIGTD_LOG_INFO, (id), __VA_ARGS__)
#define MIGTD_DEBUG(log, id, ...) migtd_logf((log), MIGTD_LOG_DEBUG, (id), __VA_ARGS__)
#define MIGTD_TRACE(log, id, ...) migtd_logf((log), MIGTD_LOG_TRACE, (id), __VA_ARGS__)

#endif /* MIGTD_LOG_H */
