/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * Unit tests for core/err (status mapping) and core/log (formatting, sink).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "migtd/err.h"
#include "migtd/fmt.h"
#include "migtd/log.h"

static void test_status_mapping(void **state)
{
	(void)state;
	/* docs/protocol.md §1.5: the codes operators see. */
	assert_int_equal(migtd_err_status(MIGTD_OK), 0);
	assert_int_equal(migtd_err_status(MIGTD_ERR_TRUNCATED), 1);
	assert_int_equal(migtd_err_status(MIGTD_ERR_RESERVED), 1);
	assert_int_equal(migtd_err_status(MIGTD_ERR_VERSION), 1);
	assert_int_equal(migtd_err_status(MIGTD_ERR_UNSUPPORTED), 2);
	assert_int_equal(migtd_err_status(MIGTD_ERR_NOMEM), 3);
	assert_int_equal(migtd_err_status(MIGTD_ERR_TDCALL), 4);
	assert_int_equal(migtd_err_status(MIGTD_ERR_NETWORK), 5);
	assert_int_equal(migtd_err_status(MIGTD_ERR_TIMEOUT), 5);
	assert_int_equal(migtd_err_status(MIGTD_ERR_TLS), 6);
	assert_int_equal(migtd_err_status(MIGTD_ERR_PEER_CERT), 6);
	assert_int_equal(migtd_err_status(MIGTD_ERR_QUOTE), 7);
	assert_int_equal(migtd_err_status(MIGTD_ERR_POLICY), 8);
	assert_int_equal(migtd_err_status(MIGTD_ERR_INVALID_POLICY), 9);
	assert_int_equal(migtd_err_status(MIGTD_ERR_VMM_CANCELED), 10);
	assert_int_equal(migtd_err_status(MIGTD_ERR_VMM_INTERNAL), 11);
	assert_int_equal(migtd_err_status(MIGTD_ERR_UNSUPPORTED_OP), 12);
	/* Upstream's crash code for a root CA that does not parse. */
	assert_int_equal(migtd_err_status(MIGTD_ERR_INVALID_ROOT_CA), 9);
	/* Out of range values are InvalidParameter, never "success". */
	assert_int_equal(migtd_err_status(5), 1);
	assert_int_equal(migtd_err_status(-1000), 1);
	for (int e = 0; e >= MIGTD_ERR_MIN; e--) {
		assert_non_null(migtd_err_str(e));
		assert_string_not_equal(migtd_err_str(e), "unknown error");
	}
	assert_string_equal(migtd_err_str(-1000), "unknown error");
	assert_string_equal(migtd_status_name(8), "PolicyUnsatisfiedError");
	assert_string_equal(migtd_status_name(0xFF), "InitializationError");
}

/*
 * Every enum migtd_err value from MIGTD_OK down to MIGTD_ERR_MIN has its own
 * entry: a reason of its own (a value left out of the table, or two names
 * given one slot, would show as "unknown error" or as a repeated reason) and
 * the status docs/protocol.md §1.5 maps it to, listed here independently of err.c.
 */
static void test_err_table_complete(void **state)
{
	(void)state;
	static const struct {
		int err;
		int status;
	} want[] = {
		{ MIGTD_OK, 0 },
		{ MIGTD_ERR_TRUNCATED, 1 },
		{ MIGTD_ERR_INVALID, 1 },
		{ MIGTD_ERR_RESERVED, 1 },
		{ MIGTD_ERR_GUID, 1 },
		{ MIGTD_ERR_LENGTH, 1 },
		{ MIGTD_ERR_VERSION, 1 },
		{ MIGTD_ERR_NOSPACE, 3 },
		{ MIGTD_ERR_NOMEM, 3 },
		{ MIGTD_ERR_UNSUPPORTED, 2 },
		{ MIGTD_ERR_TDCALL, 4 },
		{ MIGTD_ERR_VMCALL, 1 },
		{ MIGTD_ERR_AGAIN, 1 },
		{ MIGTD_ERR_NETWORK, 5 },
		{ MIGTD_ERR_TIMEOUT, 5 },
		{ MIGTD_ERR_TLS, 6 },
		{ MIGTD_ERR_PEER_CERT, 6 },
		{ MIGTD_ERR_QUOTE, 7 },
		{ MIGTD_ERR_POLICY, 8 },
		{ MIGTD_ERR_INVALID_POLICY, 9 },
		{ MIGTD_ERR_VMM_CANCELED, 10 },
		{ MIGTD_ERR_VMM_INTERNAL, 11 },
		{ MIGTD_ERR_UNSUPPORTED_OP, 12 },
		{ MIGTD_ERR_CRYPTO, 6 },
		{ MIGTD_ERR_STATE, 1 },
		{ MIGTD_ERR_INVALID_ROOT_CA, 9 },
	};
	/* one row per enum value: a new value must be added here too */
	assert_int_equal(sizeof(want) / sizeof(want[0]), 1 - MIGTD_ERR_MIN);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(migtd_err_status(want[i].err), want[i].status);
		assert_string_not_equal(migtd_err_str(want[i].err), "unknown error");
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(migtd_err_str(want[i].err),
						migtd_err_str(want[j].err));
	}
}

/* Our formatter must agree with libc's snprintf on the subset it supports. */
static void test_fmt_matches_libc(void **state)
{
	(void)state;
	char a[128], b[128];
	size_t n;
	int m;

#define SAME(...)                                              \
	do {                                                   \
		n = migtd_snprintf(a, sizeof(a), __VA_ARGS__); \
		m = snprintf(b, sizeof(b), __VA_ARGS__);       \
		assert_string_equal(a, b);                     \
		assert_int_equal(n, (size_t)m);                \
	} while (0)

	SAME("plain");
	SAME("%d %i %u", -42, 7, 4000000000u);
	SAME("%x %X %08x %-5d|", 0xbeefu, 0xbeefu, 0x12u, 3);
	SAME("%lld %llu %llx", (long long)INT64_MIN, (unsigned long long)UINT64_MAX,
	     0x1234567890abcdefULL);
	SAME("%ld %lu %zu", -1L, 99UL, (size_t)12345);
	SAME("%s|%10s|%-10s|%.3s|%.*s", "abc", "right", "left", "truncate", 2, "xyz");
	SAME("%c%c %%", 'o', 'k');
	SAME("%02x%02x", 0u, 255u);
	/* int arguments wider than %hh/%h on purpose (both formatters must
	 * truncate), which clang's format check rejects: off for this line only. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
	SAME("%hhu %hu", 300, 70000);
#pragma GCC diagnostic pop
#undef SAME
}

static void test_fmt_truncates_and_reports_length(void **state)
{
	(void)state;
	char buf[8];
	size_t n = migtd_snprintf(buf, sizeof(buf), "%s-%d", "abcdef", 12345);

	assert_int_equal(n, 12);
	assert_string_equal(buf, "abcdef-");
	n = migtd_snprintf(buf, 0, "%s", "x");
	assert_int_equal(n, 1);

	uint8_t bytes[3] = { 0x00, 0xab, 0x7f };
	char hex[7];
	assert_int_equal(migtd_hex(hex, sizeof(hex), bytes, 3), 6);
	assert_string_equal(hex, "00ab7f");
	assert_int_equal(migtd_hex(hex, 4, bytes, 3), 2); /* room for one byte only */
	assert_string_equal(hex, "00");

	uint8_t back[3];
	assert_int_equal(migtd_unhex("00aB7F", back, 3), 0);
	assert_memory_equal(back, bytes, 3);
	assert_int_equal(migtd_unhex("00aG7F", back, 3), -1);
	assert_int_equal(migtd_unhex("00a", back, 2), -1); /* stops at the NUL */
	assert_int_equal(migtd_hex_digit('f'), 15);
	assert_int_equal(migtd_hex_digit('/'), -1);
}

struct captured {
	int calls;
	enum migtd_log_level level;
	uint64_t id;
	char msg[MIGTD_LOG_LINE_MAX];
	size_t len;
};

static void capture_sink(void *ctx, enum migtd_log_level level, uint64_t id, const char *msg,
			 size_t len)
{
	struct captured *c = ctx;

	c->calls++;
	c->level = level;
	c->id = id;
	c->len = len;
	memcpy(c->msg, msg, len + 1);
}

static void test_log_levels_and_request_id(void **state)
{
	(void)state;
	struct captured c = { 0 };
	struct migtd_log log;
	char big[2 * MIGTD_LOG_LINE_MAX];

	migtd_log_init(&log, capture_sink, &c, MIGTD_LOG_INFO);
	MIGTD_DEBUG(&log, 1, "hidden %d", 1);
	assert_int_equal(c.calls, 0);
	MIGTD_INFO(&log, 0x42, "request %s", "accepted");
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.level, MIGTD_LOG_INFO);
	assert_true(c.id == 0x42);
	assert_string_equal(c.msg, "request accepted");
	assert_int_equal(c.len, strlen("request accepted"));

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	MIGTD_ERROR(&log, MIGTD_LOG_NO_REQUEST, "%s", big);
	assert_int_equal(c.len, MIGTD_LOG_LINE_MAX - 1);
	assert_string_equal(c.msg + c.len - 3, "...");

	assert_int_equal(migtd_log_level_parse("trace"), MIGTD_LOG_TRACE);
	assert_int_equal(migtd_log_level_parse("2"), MIGTD_LOG_WARN);
	assert_int_equal(migtd_log_level_parse("loud"), 0);
	assert_int_equal(migtd_log_level_parse(NULL), 0);
	assert_string_equal(migtd_log_level_name(MIGTD_LOG_DEBUG), "debug");

	migtd_log_init(&log, NULL, NULL, MIGTD_LOG_TRACE); /* no sink: silent, no crash */
	MIGTD_ERROR(&log, 1, "dropped");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_mapping),
		cmocka_unit_test(test_err_table_complete),
		cmocka_unit_test(test_fmt_matches_libc),
		cmocka_unit_test(test_fmt_truncates_and_reports_length),
		cmocka_unit_test(test_log_levels_and_request_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
