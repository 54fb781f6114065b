/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * log.c -- format a line and hand it to the platform's sink (see log.h).
 */
#include "migtd/log.h"

#include "migtd/fmt.h"

#include <stdarg.h>
#include <string.h>

void migtd_log_init(struct migtd_log *log, migtd_log_sink_fn sink, void *ctx,
		    enum migtd_log_level max_level)
{
	log->sink = sink;
	log->ctx = ctx;
	log->max_level = max_level;
}

int migtd_log_enabled(const struct migtd_log *log, enum migtd_log_level level)
{
	return log && log->sink && level <= log->max_level;
}

void migtd_logf(const struct migtd_log *log, enum migtd_log_level level, uint64_t request_id,
		const char *fmt, ...)
{
	char line[MIGTD_LOG_LINE_MAX];
	va_list ap;
	size_t n;

	if (!migtd_log_enabled(log, level))
		return;
	va_start(ap, fmt);
	n = migtd_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n >= sizeof(line)) {
		/* Say that the line was cut rather than silently dropping the tail. */
		memcpy(line + sizeof(line) - 4, "...", 4);
		n = sizeof(line) - 1;
	}
	log->sink(log->ctx, level, request_id, line, n);
}

const char *migtd_log_level_name(enum migtd_log_level level)
{
	switch (level) {
	case MIGTD_LOG_ERROR: return "error";
	case MIGTD_LOG_WARN: return "warn";
	case MIGTD_LOG_INFO: return "info";
	case MIGTD_LOG_DEBUG: return "debug";
	case MIGTD_LOG_TRACE: return "trace";
	default: return "?";
	}
}

enum migtd_log_level migtd_log_level_parse(const char *s)
{
	static const char *const names[] = { "error", "warn", "info", "debug", "trace" };

	if (!s)
		return 0;
	for (unsigned i = 0; i < 5; i++) {
		if (strcmp(s, names[i]) == 0 || (s[0] == (char)('1' + i) && s[1] == '\0'))
			return (enum migtd_log_level)(i + 1);
	}
	return 0;
}
