/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * policy_parse.c -- policy v1 JSON -> struct policy (docs/protocol.md §7.1, §7.6).
 *
 * jsmn splits the text into tokens; jsmn is lenient (it accepts trailing
 * commas, missing commas, bare words), so every gap between tokens is
 * checked against the JSON grammar here, and primitives are checked to be
 * true/false/null or a JSON number. Then the schema walk mirrors upstream's
 * serde model: the document is an object with "id" (GUID) and "policy";
 * each policy element is the first of four block shapes that parses.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "migtd/err.h"
#include "migtd/fmt.h"
#include "migtd/policy.h"
#include "migtd/wire.h"

_Static_assert(sizeof(jsmntok_t) == POLICY_TOKEN_SIZE, "POLICY_TOKEN_SIZE != sizeof(jsmntok_t)");
_Static_assert(POLICY_MAX_TOKENS <= INT_MAX / 2, "token cap");

struct pctx {
	struct policy_workspace *ws;
	struct policy *pol;
	const char *js; /* stripped document */
	size_t len;
	size_t base; /* offset of js in the caller's input (leading NULs) */
	const jsmntok_t *t;
	int ntok;
	struct policy_parse_error *err;
	char path[128];
	size_t plen;
	bool strict; /* migtd_policy_parse_strict: unknown members are errors */
};

/* ---------------------------------------------------------------- errors */

static void set_position(const struct pctx *c, size_t off, struct policy_parse_error *e)
{
	unsigned line = 1, col = 1;

	if (off > c->len)
		off = c->len;
	for (size_t i = 0; i < off; i++) {
		if (c->js[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	e->offset = c->base + off;
	e->line = line;
	e->column = col;
}

static int fail_at(struct pctx *c, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_at(struct pctx *c, size_t off, const char *fmt, ...)
{
	va_list ap;

	if (c->err && c->err->msg[0] == '\0') {
		set_position(c, off, c->err);
		migtd_snprintf(c->err->path, sizeof(c->err->path), "%s", c->path);
		va_start(ap, fmt);
		migtd_vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
		va_end(ap);
	}
	return MIGTD_ERR_INVALID_POLICY;
}

/* Text start of a token (strings: the opening quote). */
static size_t tok_begin(const jsmntok_t *t)
{
	return (size_t)t->start - (t->type == JSMN_STRING ? 1u : 0u);
}

static size_t tok_end(const jsmntok_t *t)
{
	return (size_t)t->end + (t->type == JSMN_STRING ? 1u : 0u);
}

/* Path handling: push a component, pop back to a saved length. */
static size_t path_key(struct pctx *c, const jsmntok_t *key)
{
	size_t saved = c->plen;
	size_t n = (size_t)(key->end - key->start);

	c->plen += migtd_snprintf(c->path + c->plen, sizeof(c->path) - c->plen, "%s%.*s",
				  c->plen ? "." : "", (int)(n > 40 ? 40 : n), c->js + key->start);
	if (c->plen >= sizeof(c->path))
		c->plen = sizeof(c->path) - 1;
	return saved;
}

static size_t path_index(struct pctx *c, unsigned i)
{
	size_t saved = c->plen;

	c->plen += migtd_snprintf(c->path + c->plen, sizeof(c->path) - c->plen, "[%u]", i);
	if (c->plen >= sizeof(c->path))
		c->plen = sizeof(c->path) - 1;
	return saved;
}

static void path_pop(struct pctx *c, size_t saved)
{
	c->plen = saved;
	c->path[saved] = '\0';
}

/* ---------------------------------------------------------------- grammar */

static bool is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static size_t skip_ws(const struct pctx *c, size_t pos, size_t end)
{
	while (pos < end && is_ws(c->js[pos]))
		pos++;
	return pos;
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool valid_number(const char *s, size_t n)
{
	size_t i = 0;

	if (i < n && s[i] == '-')
		i++;
	if (i >= n || !is_digit(s[i]))
		return false;
	if (s[i] == '0')
		i++;
	else
		while (i < n && is_digit(s[i]))
			i++;
	if (i < n && s[i] == '.') {
		if (++i >= n || !is_digit(s[i]))
			return false;
		while (i < n && is_digit(s[i]))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || !is_digit(s[i]))
			return false;
		while (i < n && is_digit(s[i]))
			i++;
	}
	return i == n;
}

static bool tok_is(const struct pctx *c, const jsmntok_t *t, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(t->end - t->start) == n && memcmp(c->js + t->start, word, n) == 0;
}

/* Strings: no raw control characters (jsmn checks the escapes). */
static int check_string(struct pctx *c, const jsmntok_t *t)
{
	for (int i = t->start; i < t->end; i++)
		if ((unsigned char)c->js[i] < 0x20)
			return fail_at(c, (size_t)i, "control character in a string");
	return MIGTD_OK;
}

/*
 * Check token i and its subtree against the JSON grammar, including every
 * byte between tokens. *next receives the index after the subtree.
 */
static int check_value(struct pctx *c, int i, unsigned depth, int *next)
{
	const jsmntok_t *t = &c->t[i];
	size_t pos, close;
	int j = i + 1;
	int err;

	if (depth > POLICY_MAX_DEPTH)
		return fail_at(c, tok_begin(t), "nesting deeper than %u levels", POLICY_MAX_DEPTH);
	switch (t->type) {
	case JSMN_STRING: *next = j; return check_string(c, t);
	case JSMN_PRIMITIVE:
		*next = j;
		if (tok_is(c, t, "true") || tok_is(c, t, "false") || tok_is(c, t, "null") ||
		    valid_number(c->js + t->start, (size_t)(t->end - t->start)))
			return MIGTD_OK;
		return fail_at(c, tok_begin(t), "invalid literal '%.*s'",
			       (int)((t->end - t->start) > 20 ? 20 : t->end - t->start),
			       c->js + t->start);
	case JSMN_OBJECT:
	case JSMN_ARRAY: break;
	default: return fail_at(c, tok_begin(t), "invalid JSON");
	}
	if (t->end <= t->start)
		return fail_at(c, (size_t)t->start, "unterminated %s",
			       t->type == JSMN_OBJECT ? "object" : "array");
	pos = (size_t)t->start + 1;
	close = (size_t)t->end - 1;
	for (int k = 0; k < t->size; k++) {
		int root;

		pos = skip_ws(c, pos, close);
		if (k > 0) {
			if (pos >= close || c->js[pos] != ',')
				return fail_at(c, pos, "expected ',' or '%c'",
					       t->type == JSMN_OBJECT ? '}' : ']');
			pos = skip_ws(c, pos + 1, close);
		}
		if (j >= c->ntok || tok_begin(&c->t[j]) != pos)
			return fail_at(c, pos, "unexpected character");
		if (t->type == JSMN_OBJECT) {
			if (c->t[j].type != JSMN_STRING)
				return fail_at(c, pos, "object key must be a string");
			err = check_string(c, &c->t[j]);
			if (err)
				return err;
			pos = skip_ws(c, tok_end(&c->t[j]), close);
			if (pos >= close || c->js[pos] != ':')
				return fail_at(c, pos, "expected ':'");
			pos = skip_ws(c, pos + 1, close);
			j++;
			if (j >= c->ntok || tok_begin(&c->t[j]) != pos)
				return fail_at(c, pos, "expected a value");
		}
		root = j;
		err = check_value(c, j, depth + 1, &j);
		if (err)
			return err;
		pos = tok_end(&c->t[root]);
	}
	pos = skip_ws(c, pos, close);
	if (pos != close)
		return fail_at(c, pos,
			       c->js[pos] == ',' ? "trailing comma" : "unexpected character");
	*next = j;
	return MIGTD_OK;
}

/* Well-formed UTF-8 (no overlongs, surrogates or values above U+10FFFF). */
static size_t utf8_bad(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t b = s[i];
		size_t k;
		uint32_t cp, min;

		if (b < 0x80) {
			i++;
			continue;
		} else if ((b & 0xE0) == 0xC0) {
			k = 1, cp = b & 0x1Fu, min = 0x80;
		} else if ((b & 0xF0) == 0xE0) {
			k = 2, cp = b & 0x0Fu, min = 0x800;
		} else if ((b & 0xF8) == 0xF0) {
			k = 3, cp = b & 0x07u, min = 0x10000;
		} else {
			return i;
		}
		if (n - i <= k)
			return i;
		for (size_t m = 1; m <= k; m++) {
			if ((s[i + m] & 0xC0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + m] & 0x3Fu);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return i;
		i += k + 1;
	}
	return SIZE_MAX;
}

/* ---------------------------------------------------------------- strings */

static bool has_escape(const struct pctx *c, const jsmntok_t *t)
{
	for (int i = t->start; i < t->end; i++)
		if (c->js[i] == '\\')
			return true;
	return false;
}

static bool hex4(const char *s, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		int h = migtd_hex_digit(s[i]);

		if (h < 0)
			return false;
		*v = (*v << 4) | (uint32_t)h;
	}
	return true;
}

/* Decode a JSON string token into out (UTF-8). MIGTD_ERR_NOSPACE if it does
 * not fit, MIGTD_ERR_INVALID for a lone surrogate (serde rejects those). */
static int decode(const struct pctx *c, const jsmntok_t *t, uint8_t *out, size_t cap,
		  size_t *outlen)
{
	const char *s = c->js + t->start;
	size_t n = (size_t)(t->end - t->start), o = 0;

	for (size_t i = 0; i < n;) {
		uint8_t enc[4];
		size_t k = 0;

		if (s[i] != '\\') {
			enc[k++] = (uint8_t)s[i++];
		} else {
			char e = '\0';
			uint32_t cp, lo;

			if (i + 1 < n)
				e = s[i + 1];
			i += 2;
			switch (e) {
			case '"': enc[k++] = '"'; break;
			case '\\': enc[k++] = '\\'; break;
			case '/': enc[k++] = '/'; break;
			case 'b': enc[k++] = '\b'; break;
			case 'f': enc[k++] = '\f'; break;
			case 'n': enc[k++] = '\n'; break;
			case 'r': enc[k++] = '\r'; break;
			case 't': enc[k++] = '\t'; break;
			case 'u':
				if (n - i < 4 || !hex4(s + i, &cp))
					return MIGTD_ERR_INVALID;
				i += 4;
				if (cp >= 0xDC00 && cp <= 0xDFFF)
					return MIGTD_ERR_INVALID;
				if (cp >= 0xD800 && cp <= 0xDBFF) {
					if (n - i < 6 || s[i] != '\\' || s[i + 1] != 'u' ||
					    !hex4(s + i + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
						return MIGTD_ERR_INVALID;
					i += 6;
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				}
				if (cp < 0x80) {
					enc[k++] = (uint8_t)cp;
				} else if (cp < 0x800) {
					enc[k++] = (uint8_t)(0xC0 | (cp >> 6));
					enc[k++] = (uint8_t)(0x80 | (cp & 0x3F));
				} else if (cp < 0x10000) {
					enc[k++] = (uint8_t)(0xE0 | (cp >> 12));
					enc[k++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
					enc[k++] = (uint8_t)(0x80 | (cp & 0x3F));
				} else {
					enc[k++] = (uint8_t)(0xF0 | (cp >> 18));
					enc[k++] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
					enc[k++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
					enc[k++] = (uint8_t)(0x80 | (cp & 0x3F));
				}
				break;
			default: return MIGTD_ERR_INVALID;
			}
		}
		if (cap - o < k)
			return MIGTD_ERR_NOSPACE;
		memcpy(out + o, enc, k);
		o += k;
	}
	*outlen = o;
	return MIGTD_OK;
}

/* A string value: a view into the document, or decoded into the pool. */
static int string_value(struct pctx *c, const jsmntok_t *t, struct policy_bytes *out)
{
	size_t n;
	int err;

	if (!has_escape(c, t)) {
		out->p = (const uint8_t *)c->js + t->start;
		out->len = (size_t)(t->end - t->start);
		return MIGTD_OK;
	}
	err = decode(c, t, c->ws->pool + c->ws->pool_used, POLICY_POOL_SIZE - c->ws->pool_used, &n);
	if (err == MIGTD_ERR_NOSPACE)
		return fail_at(c, tok_begin(t), "strings and arrays exceed the %u-byte pool",
			       POLICY_POOL_SIZE);
	if (err)
		return fail_at(c, tok_begin(t), "invalid escape (lone surrogate)");
	out->p = c->ws->pool + c->ws->pool_used;
	out->len = n;
	c->ws->pool_used += n;
	return MIGTD_OK;
}

/* Does key token t decode to name? */
static bool key_eq(const struct pctx *c, const jsmntok_t *t, const char *name)
{
	uint8_t buf[64];
	size_t n, want = strlen(name);

	if (!has_escape(c, t))
		return (size_t)(t->end - t->start) == want &&
		       memcmp(c->js + t->start, name, want) == 0;
	if (decode(c, t, buf, sizeof(buf), &n) != MIGTD_OK)
		return false;
	return n == want && memcmp(buf, name, want) == 0;
}

static bool bytes_eq(struct policy_bytes b, const char *s)
{
	size_t n = strlen(s);

	return b.len == n && memcmp(b.p, s, n) == 0;
}

/* ---------------------------------------------------------------- schema */

/* Index after the subtree rooted at i. */
static int skip(const struct pctx *c, int i)
{
	int pending = 1;

	while (pending > 0 && i < c->ntok) {
		pending += c->t[i].size;
		pending--;
		i++;
	}
	return i;
}

/*
 * Look a field up in object obj: *val = index of its value. Returns the
 * number of occurrences (serde's derived structs reject duplicates).
 */
static int field(const struct pctx *c, int obj, const char *name, int *val)
{
	int n = 0, j = obj + 1;

	*val = 0; /* defined on every path, also when the field is missing */
	for (int k = 0; k < c->t[obj].size; k++) {
		if (key_eq(c, &c->t[j], name)) {
			if (n++ == 0)
				*val = j + 1;
		}
		j = skip(c, j + 1);
	}
	return n;
}

/* A required struct field: present once. */
static int need_field(struct pctx *c, int obj, const char *name, jsmntype_t type, int *val)
{
	int n = field(c, obj, name, val);

	if (n == 0)
		return fail_at(c, tok_begin(&c->t[obj]), "missing field \"%s\"", name);
	if (n > 1)
		return fail_at(c, tok_begin(&c->t[obj]), "duplicate field \"%s\"", name);
	if (c->t[*val].type != type) {
		size_t saved = path_key(c, &c->t[*val - 1]);
		int err = fail_at(c, tok_begin(&c->t[*val]), "\"%s\" must be %s", name,
				  type == JSMN_OBJECT  ? "an object"
				  : type == JSMN_ARRAY ? "an array"
						       : "a string");

		path_pop(c, saved);
		return err;
	}
	return MIGTD_OK;
}

/*
 * Strict mode (docs/cli.md, "Unknown fields and properties"): every member of obj must
 * be one of names. Upstream's serde structs ignore unknown members, so a
 * misspelled section ("Eventlog") silently drops its checks; the tools
 * refuse such a document, the MigTD (lenient) warns about it.
 */
static int only_fields(struct pctx *c, int obj, const char *const *names, size_t n)
{
	int j = obj + 1;

	if (!c->strict)
		return MIGTD_OK;
	for (int k = 0; k < c->t[obj].size; k++) {
		bool known = false;

		for (size_t i = 0; i < n && !known; i++)
			known = key_eq(c, &c->t[j], names[i]);
		if (!known) {
			size_t saved = path_key(c, &c->t[j]);
			int err = fail_at(c, tok_begin(&c->t[j]), "unknown field \"%.*s\"",
					  (int)(c->t[j].end - c->t[j].start > 40
							? 40
							: c->t[j].end - c->t[j].start),
					  c->js + c->t[j].start);

			path_pop(c, saved);
			return err;
		}
		j = skip(c, j + 1);
	}
	return MIGTD_OK;
}

#define ONLY(c, obj, ...)                                             \
	only_fields((c), (obj), (const char *const[]){ __VA_ARGS__ }, \
		    sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

static const char *const OP_NAMES[] = {
	[POLICY_OP_EQUAL] = "equal",
	[POLICY_OP_GREATER_OR_EQUAL] = "greater-or-equal",
	[POLICY_OP_SUBSET] = "subset",
	[POLICY_OP_IN_RANGE] = "in-range",
	[POLICY_OP_IN_TIME_RANGE] = "in-time-range",
	[POLICY_OP_ARRAY_EQUAL] = "array-equal",
	[POLICY_OP_ARRAY_GREATER_OR_EQUAL] = "array-greater-or-equal",
};

const char *migtd_policy_op_name(enum policy_op op)
{
	if ((unsigned)op >= sizeof(OP_NAMES) / sizeof(OP_NAMES[0]))
		return "?";
	return OP_NAMES[op];
}

static int parse_op(struct pctx *c, int i, enum policy_op *op)
{
	const jsmntok_t *t = &c->t[i];

	/* Upstream deserializes a borrowed &str: an escaped spelling is refused. */
	if (!has_escape(c, t)) {
		for (unsigned k = 0; k < sizeof(OP_NAMES) / sizeof(OP_NAMES[0]); k++) {
			if (tok_is(c, t, OP_NAMES[k])) {
				*op = (enum policy_op)k;
				return MIGTD_OK;
			}
		}
	}
	return fail_at(c, tok_begin(t), "unknown operation \"%.*s\"",
		       (int)((t->end - t->start) > 40 ? 40 : t->end - t->start), c->js + t->start);
}

/* Rust's usize::from_str: optional '+', at least one digit, no overflow. */
static bool parse_dec(const uint8_t *s, size_t n, uint64_t *v)
{
	size_t i = 0;

	if (n > 0 && s[0] == '+')
		i++;
	if (i >= n)
		return false;
	*v = 0;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (*v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return false;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return true;
}

/* "A..B" with exactly one ".." (Rust split("..") yielding two parts). */
static bool parse_range(struct policy_bytes s, uint64_t *a, uint64_t *b)
{
	size_t k;

	for (k = 0; k + 1 < s.len; k++)
		if (s.p[k] == '.' && s.p[k + 1] == '.')
			break;
	if (k + 1 >= s.len)
		return false;
	for (size_t m = k + 2; m + 1 < s.len; m++)
		if (s.p[m] == '.' && s.p[m + 1] == '.')
			return false;
	if (k == 0)
		*a = 0;
	else if (!parse_dec(s.p, k, a))
		return false;
	if (k + 2 == s.len)
		*b = UINT64_MAX;
	else if (!parse_dec(s.p + k + 2, s.len - k - 2, b))
		return false;
	return true;
}

/* A JSON integer 0..2^64-1 (serde: negative -> i64, fraction/exponent or too big -> f64). */
static bool json_u64(const struct pctx *c, const jsmntok_t *t, uint64_t *v)
{
	if (t->type != JSMN_PRIMITIVE)
		return false;
	return parse_dec((const uint8_t *)c->js + t->start, (size_t)(t->end - t->start), v) &&
	       c->js[t->start] != '+';
}

static int parse_ref(struct pctx *c, int i, struct policy_prop *pr)
{
	const jsmntok_t *t = &c->t[i];
	int err;

	pr->ref_off = tok_begin(t);
	pr->ref_len = tok_end(t) - tok_begin(t);
	switch (t->type) {
	case JSMN_STRING:
		err = string_value(c, t, &pr->data);
		if (err)
			return err;
		if (bytes_eq(pr->data, "self"))
			pr->ref = POLICY_REF_SELF;
		else if (parse_range(pr->data, &pr->a, &pr->b))
			pr->ref = POLICY_REF_RANGE;
		else
			pr->ref = POLICY_REF_STRING;
		return MIGTD_OK;
	case JSMN_PRIMITIVE:
		if (!json_u64(c, t, &pr->a))
			return fail_at(
				c, tok_begin(t),
				"reference must be an integer 0..2^64-1, a string or a byte array");
		pr->ref = POLICY_REF_INTEGER;
		return MIGTD_OK;
	case JSMN_ARRAY:
		if ((size_t)t->size > POLICY_POOL_SIZE - c->ws->pool_used)
			return fail_at(c, tok_begin(t),
				       "strings and arrays exceed the %u-byte pool",
				       POLICY_POOL_SIZE);
		pr->data.p = c->ws->pool + c->ws->pool_used;
		pr->data.len = (size_t)t->size;
		for (int k = 0; k < t->size; k++) {
			uint64_t v;

			if (!json_u64(c, &c->t[i + 1 + k], &v) || v > 255)
				return fail_at(c, tok_begin(&c->t[i + 1 + k]),
					       "byte array element must be an integer 0..255");
			c->ws->pool[c->ws->pool_used++] = (uint8_t)v;
		}
		pr->ref = POLICY_REF_ARRAY;
		return MIGTD_OK;
	default:
		return fail_at(c, tok_begin(t),
			       "reference must be an integer 0..2^64-1, a string or a byte array");
	}
}

static int name_cmp(struct policy_bytes x, struct policy_bytes y)
{
	size_t n = x.len < y.len ? x.len : y.len;
	int r = memcmp(x.p, y.p, n);

	if (r)
		return r;
	return x.len < y.len ? -1 : x.len > y.len ? 1 : 0;
}

/* Insert into the sorted run [first, first + *count); a duplicate name replaces (last wins). */
static int insert_prop(struct pctx *c, uint16_t first, uint16_t *count,
		       const struct policy_prop *pr, size_t where)
{
	struct policy_prop *run = &c->pol->props[first];
	unsigned k = 0;

	while (k < *count && name_cmp(run[k].name, pr->name) < 0)
		k++;
	if (k < *count && name_cmp(run[k].name, pr->name) == 0) {
		run[k] = *pr;
		return MIGTD_OK;
	}
	if (c->pol->nprops >= POLICY_MAX_PROPS)
		return fail_at(c, where, "more than %u properties", POLICY_MAX_PROPS);
	memmove(&run[k + 1], &run[k], (*count - k) * sizeof(*run));
	run[k] = *pr;
	(*count)++;
	c->pol->nprops++;
	return MIGTD_OK;
}

/* PROPS: {"NAME": {"operation": OP, "reference": REF}, ...}. */
static int parse_props(struct pctx *c, int obj, uint16_t *first, uint16_t *count)
{
	int j = obj + 1, err = MIGTD_OK;

	*first = (uint16_t)c->pol->nprops;
	*count = 0;
	for (int k = 0; k < c->t[obj].size && !err; k++) {
		struct policy_prop pr;
		int val = j + 1, opi = 0, refi = 0;
		size_t saved = path_key(c, &c->t[j]);

		memset(&pr, 0, sizeof(pr));
		err = string_value(c, &c->t[j], &pr.name);
		if (!err && c->t[val].type != JSMN_OBJECT)
			err = fail_at(c, tok_begin(&c->t[val]),
				      "property must be an object {\"operation\", \"reference\"}");
		if (!err)
			err = ONLY(c, val, "operation", "reference");
		if (!err)
			err = need_field(c, val, "operation", JSMN_STRING, &opi);
		if (!err) {
			int nref = field(c, val, "reference", &refi);

			if (nref != 1)
				err = fail_at(c, tok_begin(&c->t[val]), "%s field \"reference\"",
					      nref ? "duplicate" : "missing");
		}
		if (!err) {
			size_t s2 = path_key(c, &c->t[opi - 1]);

			err = parse_op(c, opi, &pr.op);
			path_pop(c, s2);
		}
		if (!err) {
			size_t s2 = path_key(c, &c->t[refi - 1]);

			err = parse_ref(c, refi, &pr);
			path_pop(c, s2);
		}
		if (!err)
			err = insert_prop(c, *first, count, &pr, tok_begin(&c->t[j]));
		path_pop(c, saved);
		j = skip(c, val);
	}
	return err;
}

/* {"X": {"Y": PROPS}} -> the PROPS of Y. */
static int nested_props(struct pctx *c, int elem, const char *x, const char *y,
			struct policy_block *b)
{
	int xv, yv, err;
	size_t saved;

	err = need_field(c, elem, x, JSMN_OBJECT, &xv);
	if (err)
		return err;
	saved = path_key(c, &c->t[xv - 1]);
	err = only_fields(c, xv, &y, 1);
	if (!err)
		err = need_field(c, xv, y, JSMN_OBJECT, &yv);
	if (!err) {
		size_t s2 = path_key(c, &c->t[yv - 1]);

		err = parse_props(c, yv, &b->first, &b->count);
		path_pop(c, s2);
	}
	path_pop(c, saved);
	return err;
}

static int try_platform(struct pctx *c, int elem, struct policy_block *b)
{
	int fv;
	int err = ONLY(c, elem, "fmspc", "Platform");

	if (!err)
		err = need_field(c, elem, "fmspc", JSMN_STRING, &fv);
	if (!err)
		err = string_value(c, &c->t[fv], &b->fmspc);
	if (!err)
		err = nested_props(c, elem, "Platform", "TcbInfo", b);
	b->kind = POLICY_BLOCK_PLATFORM;
	return err;
}

static int try_qe(struct pctx *c, int elem, struct policy_block *b)
{
	b->kind = POLICY_BLOCK_QE;
	if (ONLY(c, elem, "QE"))
		return MIGTD_ERR_INVALID_POLICY;
	return nested_props(c, elem, "QE", "QeIdentity", b);
}

static int try_tdx_module(struct pctx *c, int elem, struct policy_block *b)
{
	b->kind = POLICY_BLOCK_TDX_MODULE;
	if (ONLY(c, elem, "TDXModule"))
		return MIGTD_ERR_INVALID_POLICY;
	return nested_props(c, elem, "TDXModule", "TDXModule_Identity", b);
}

static int try_migtd(struct pctx *c, int elem, struct policy_block *b)
{
	int mv, tv, ev, n, err;
	size_t saved, s2;

	b->kind = POLICY_BLOCK_MIGTD;
	err = ONLY(c, elem, "MigTD");
	if (!err)
		err = need_field(c, elem, "MigTD", JSMN_OBJECT, &mv);
	if (err)
		return err;
	saved = path_key(c, &c->t[mv - 1]);
	err = ONLY(c, mv, "TDINFO", "EventLog");
	if (!err)
		err = need_field(c, mv, "TDINFO", JSMN_OBJECT, &tv);
	if (!err) {
		s2 = path_key(c, &c->t[tv - 1]);
		err = parse_props(c, tv, &b->first, &b->count);
		path_pop(c, s2);
	}
	if (!err) {
		n = field(c, mv, "EventLog", &ev);
		if (n > 1) {
			err = fail_at(c, tok_begin(&c->t[mv]), "duplicate field \"EventLog\"");
		} else if (n == 1 && c->t[ev].type == JSMN_PRIMITIVE &&
			   tok_is(c, &c->t[ev], "null")) {
			b->has_eventlog = false; /* Option<...> = None */
		} else if (n == 1) {
			s2 = path_key(c, &c->t[ev - 1]);
			if (c->t[ev].type != JSMN_OBJECT)
				err = fail_at(c, tok_begin(&c->t[ev]),
					      "\"EventLog\" must be an object");
			else
				err = parse_props(c, ev, &b->ev_first, &b->ev_count);
			path_pop(c, s2);
			b->has_eventlog = true;
		}
	}
	path_pop(c, saved);
	return err;
}

typedef int (*shape_fn)(struct pctx *c, int elem, struct policy_block *b);

/* Upstream's untagged enum: the first shape that parses wins. */
static int parse_block(struct pctx *c, int elem, unsigned index)
{
	static const shape_fn shapes[] = { try_platform, try_qe, try_tdx_module, try_migtd };
	static const char *const keys[] = { "Platform", "QE", "TDXModule", "MigTD" };
	struct policy_parse_error *err_out = c->err;
	struct policy_block b;
	unsigned nprops = c->pol->nprops;
	size_t pool = c->ws->pool_used;
	int dummy;

	if (c->t[elem].type != JSMN_OBJECT)
		return fail_at(c, tok_begin(&c->t[elem]), "a policy block must be an object");
	if (c->pol->nblocks >= POLICY_MAX_BLOCKS)
		return fail_at(c, tok_begin(&c->t[elem]), "more than %u policy blocks",
			       POLICY_MAX_BLOCKS);
	c->err = NULL; /* quiet while trying */
	for (unsigned s = 0; s < 4; s++) {
		memset(&b, 0, sizeof(b));
		b.index = index;
		b.offset = c->base + tok_begin(&c->t[elem]);
		if (shapes[s](c, elem, &b) == MIGTD_OK) {
			c->err = err_out;
			c->pol->blocks[c->pol->nblocks++] = b;
			return MIGTD_OK;
		}
		c->pol->nprops = nprops; /* roll back the failed attempt */
		c->ws->pool_used = pool;
	}
	c->err = err_out;
	/* Explain with the shape the author evidently meant. */
	for (unsigned s = 0; s < 4; s++) {
		if (field(c, elem, keys[s], &dummy) > 0 ||
		    (s == 0 && field(c, elem, "fmspc", &dummy))) {
			memset(&b, 0, sizeof(b));
			shapes[s](c, elem, &b);
			c->pol->nprops = nprops;
			c->ws->pool_used = pool;
			return MIGTD_ERR_INVALID_POLICY;
		}
	}
	return fail_at(c, tok_begin(&c->t[elem]),
		       "block matches no shape (expected \"fmspc\"+\"Platform\", \"QE\", "
		       "\"TDXModule\" or \"MigTD\")");
}

static int parse_top(struct pctx *c)
{
	int idv, pv, dummy, j, err;
	size_t saved;

	if (c->t[0].type != JSMN_OBJECT)
		return fail_at(c, tok_begin(&c->t[0]), "the policy must be a JSON object");
	if (field(c, 0, "MigTd", &dummy) > 0 && field(c, 0, "policy", &dummy) == 0) {
		if (c->err)
			c->err->legacy = true;
		return fail_at(c, tok_begin(&c->t[0]),
			       "legacy 2023 policy format (top-level \"MigTd\", docs/protocol.md "
			       "§7.6) is not supported; rewrite it as a policy v1 document with a "
			       "\"policy\" array");
	}
	err = ONLY(c, 0, "id", "policy");
	if (!err)
		err = need_field(c, 0, "id", JSMN_STRING, &idv);
	if (err)
		return err;
	saved = path_key(c, &c->t[idv - 1]);
	if (has_escape(c, &c->t[idv]) ||
	    migtd_guid_parse(c->js + c->t[idv].start, (size_t)(c->t[idv].end - c->t[idv].start),
			     c->pol->guid) != MIGTD_OK)
		err = fail_at(c, tok_begin(&c->t[idv]),
			      "\"id\" is not a GUID (XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX)");
	path_pop(c, saved);
	if (err)
		return err;
	c->pol->id.p = (const uint8_t *)c->js + c->t[idv].start;
	c->pol->id.len = (size_t)(c->t[idv].end - c->t[idv].start);
	err = need_field(c, 0, "policy", JSMN_ARRAY, &pv);
	if (err)
		return err;
	saved = path_key(c, &c->t[pv - 1]);
	j = pv + 1;
	for (int k = 0; k < c->t[pv].size && !err; k++) {
		size_t s2 = path_index(c, (unsigned)k);

		err = parse_block(c, j, (unsigned)k);
		path_pop(c, s2);
		j = skip(c, j);
	}
	path_pop(c, saved);
	return err;
}

/*
 * Strict mode: every property name must be one the evaluation knows for its
 * section. Upstream accepts any name when parsing and fails every
 * evaluation on an unknown one (a misspelled "MRSINGER" -> status 8), so a
 * tool that writes images refuses it up front.
 */
static int check_names(struct pctx *c)
{
	static const char *const SECTION[POLICY_BLOCK_KIND_COUNT] = {
		"Platform.TcbInfo",
		"QE.QeIdentity",
		"TDXModule.TDXModule_Identity",
		"MigTD.TDINFO",
	};

	for (unsigned i = 0; i < c->pol->nblocks; i++) {
		const struct policy_block *b = &c->pol->blocks[i];

		for (unsigned k = 0; k < (unsigned)b->count + b->ev_count; k++) {
			bool ev = k >= b->count;
			const struct policy_prop *pr =
				&c->pol->props[ev ? b->ev_first + (k - b->count) : b->first + k];

			if (migtd_policy_property_known(b->kind, ev, pr->name.p, pr->name.len))
				continue;
			c->plen = 0;
			c->path[0] = '\0';
			c->plen = (size_t)migtd_snprintf(c->path, sizeof(c->path), "policy[%u].%s",
							 b->index,
							 ev ? "MigTD.EventLog" : SECTION[b->kind]);
			if (c->plen >= sizeof(c->path))
				c->plen = sizeof(c->path) - 1;
			return fail_at(c, pr->ref_off,
				       "unknown property \"%.*s\" (no such "
				       "field: every evaluation would fail)",
				       (int)(pr->name.len > 40 ? 40 : pr->name.len),
				       (const char *)pr->name.p);
		}
	}
	return MIGTD_OK;
}

static int parse_doc(struct policy_workspace *ws, const uint8_t *doc, size_t len,
		     struct policy_parse_error *err, bool strict)
{
	struct pctx c;
	jsmn_parser jp;
	size_t bad, lead = 0, pos;
	int n, next = 0, rc;

	memset(&c, 0, sizeof(c));
	memset(&ws->policy, 0, sizeof(ws->policy));
	ws->pool_used = 0;
	c.ws = ws;
	c.pol = &ws->policy;
	c.err = err;
	c.strict = strict;
	if (err)
		memset(err, 0, sizeof(*err));
	c.js = (const char *)doc;
	c.len = len;

	bad = utf8_bad(doc, len);
	if (bad != SIZE_MAX)
		return fail_at(&c, bad, "invalid UTF-8");
	/* The CFV file may be padded with NULs (upstream trims them). */
	while (lead < len && doc[lead] == 0)
		lead++;
	while (len > lead && doc[len - 1] == 0)
		len--;
	c.js = (const char *)doc + lead;
	c.len = len - lead;
	c.base = lead;
	/* cppcheck-suppress knownConditionTrueFalse ; false positive: len is the caller's, unbounded here */
	if (len - lead > (size_t)INT_MAX / 2)
		return fail_at(&c, 0, "document too large");

	c.t = (const jsmntok_t *)(void *)ws->tokens;
	jsmn_init(&jp);
	n = jsmn_parse(&jp, c.js, c.len, (jsmntok_t *)(void *)ws->tokens, POLICY_MAX_TOKENS);
	if (n == JSMN_ERROR_NOMEM)
		return fail_at(&c, jp.pos, "more than %u JSON tokens (policy too large)",
			       POLICY_MAX_TOKENS);
	if (n == JSMN_ERROR_PART)
		return fail_at(&c, c.len, "unexpected end of document");
	if (n < 0)
		return fail_at(&c, jp.pos, "invalid JSON");
	c.ntok = n;
	pos = skip_ws(&c, 0, c.len);
	if (n == 0)
		return fail_at(&c, pos, "empty document");
	if (tok_begin(&c.t[0]) != pos)
		return fail_at(&c, pos, "unexpected character");
	rc = check_value(&c, 0, 0, &next);
	if (rc)
		return rc;
	pos = skip_ws(&c, tok_end(&c.t[0]), c.len);
	if (next != n || pos != c.len)
		return fail_at(&c, pos, "trailing characters after the document");

	c.pol->doc = (const uint8_t *)c.js;
	c.pol->doc_len = c.len;
	rc = parse_top(&c);
	if (rc || !strict)
		return rc;
	return check_names(&c);
}

int migtd_policy_parse(struct policy_workspace *ws, const uint8_t *doc, size_t len,
		       struct policy_parse_error *err)
{
	return parse_doc(ws, doc, len, err, false);
}

int migtd_policy_parse_strict(struct policy_workspace *ws, const uint8_t *doc, size_t len,
			      struct policy_parse_error *err)
{
	return parse_doc(ws, doc, len, err, true);
}

int migtd_policy_lint(struct policy_workspace *ws, const uint8_t *doc, size_t len,
		      struct policy_parse_error *err, bool *unknown)
{
	int rc = migtd_policy_parse(ws, doc, len, err);

	*unknown = false;
	if (rc)
		return rc;
	/* Valid for upstream; now look for what strict mode would refuse,
	 * then parse leniently again so ws holds the policy the MigTD uses. */
	if (migtd_policy_parse_strict(ws, doc, len, err) != MIGTD_OK)
		*unknown = true;
	return migtd_policy_parse(ws, doc, len, NULL);
}

unsigned migtd_policy_count_blocks(const struct policy *p, enum policy_block_kind k)
{
	unsigned n = 0;

	for (unsigned i = 0; i < p->nblocks; i++)
		n += p->blocks[i].kind == k;
	return n;
}
