/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Streaming JSON writer (see jsonw.h). */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jsonstream.h"
#include "jsonw.h"

void jw_init(struct jw *w, FILE *f, enum jw_style style)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->style = style;
	w->first[0] = true;
}

static void indent(struct jw *w, int depth)
{
	for (int i = 0; i < depth + w->base_indent; i++)
		putc_unlocked('\t', w->f);
}

/* Separator and key before a value at the current depth. */
static void pre(struct jw *w, const char *key)
{
	int d = w->depth < JW_MAX_DEPTH ? w->depth : JW_MAX_DEPTH - 1;
	bool in_obj = d > 0 && w->is_obj[d];

	if (!w->first[d])
		fputs(w->style == JW_COMPACT ? "," : in_obj && w->style == JW_PRETTY ? ",\n" : ", ",
		      w->f);
	else if (in_obj && w->style == JW_PRETTY)
		putc_unlocked('\n', w->f);
	w->first[d] = false;
	if (!in_obj)
		return;
	if (w->style == JW_PRETTY)
		indent(w, d);
	if (w->style == JW_TEXT) {
		fputs(key ? key : "", w->f);
		fputs(": ", w->f);
		return;
	}
	jw_escape(w->f, key ? key : "", key ? strlen(key) : 0);
	fputs(w->style == JW_PRETTY ? ":\t" : ":", w->f);
}

static void push(struct jw *w, bool obj)
{
	putc_unlocked(obj ? '{' : '[', w->f);
	if (w->depth + 1 < JW_MAX_DEPTH) {
		w->depth++;
		w->first[w->depth] = true;
		w->is_obj[w->depth] = obj;
	} else {
		w->depth++;	/* deeper than we track: still balanced, separators approximate */
	}
}

static void pop(struct jw *w, bool obj)
{
	int d = w->depth < JW_MAX_DEPTH ? w->depth : JW_MAX_DEPTH - 1;

	if (obj && w->style == JW_PRETTY) {
		putc_unlocked('\n', w->f);
		indent(w, d - 1);
	}
	putc_unlocked(obj ? '}' : ']', w->f);
	if (w->depth > 0)
		w->depth--;
}

void jw_obj_begin(struct jw *w, const char *key)
{
	pre(w, key);
	push(w, true);
}

void jw_obj_end(struct jw *w)
{
	pop(w, true);
}

void jw_arr_begin(struct jw *w, const char *key)
{
	pre(w, key);
	push(w, false);
}

void jw_arr_end(struct jw *w)
{
	pop(w, false);
}

static void put_file(void *ctx, const char *p, size_t n)
{
	fwrite(p, 1, n, ctx);
}

void jw_escape(FILE *f, const char *str, size_t n)
{
	putc_unlocked('"', f);
	bk_json_escape_n(str, n, put_file, f);	/* the one policy (include/jsonw.h) */
	putc_unlocked('"', f);
}

void jw_strn(struct jw *w, const char *key, const char *s, size_t n)
{
	pre(w, key);
	jw_escape(w->f, s, n);
}

void jw_str(struct jw *w, const char *key, const char *s)
{
	jw_strn(w, key, s, strlen(s));
}

static void digits(FILE *f, uint64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);

	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	fwrite(p, 1, (size_t)(tmp + sizeof(tmp) - p), f);
}

void jw_u64(struct jw *w, const char *key, uint64_t v)
{
	pre(w, key);
	digits(w->f, v);
}

void jw_s64(struct jw *w, const char *key, int64_t v)
{
	pre(w, key);
	if (v < 0)
		putc_unlocked('-', w->f);
	digits(w->f, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
}

void jw_double(struct jw *w, const char *key, double v)
{
	char buf[32];
	double back;

	pre(w, key);
	if (!isfinite(v)) {
		fputs("null", w->f);	/* JSON has no NaN or infinity */
		return;
	}
	/* as cJSON prints numbers: 15 digits when they read back within an epsilon, else 17 */
	snprintf(buf, sizeof(buf), "%1.15g", v);
	back = strtod(buf, NULL);
	if (fabs(back - v) > (fabs(back) > fabs(v) ? fabs(back) : fabs(v)) * DBL_EPSILON)
		snprintf(buf, sizeof(buf), "%1.17g", v);
	fputs(buf, w->f);
}

void jw_bool(struct jw *w, const char *key, bool v)
{
	pre(w, key);
	fputs(v ? "true" : "false", w->f);
}

void jw_null(struct jw *w, const char *key)
{
	pre(w, key);
	fputs("null", w->f);
}

void jw_raw(struct jw *w, const char *key, const char *s)
{
	pre(w, key);
	fputs(s, w->f);
}

void jw_hex_bytes(struct jw *w, const char *key, const void *data, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *b = data;
	bool text = w->style == JW_TEXT;
	char buf[512];
	size_t len = 0;

	/* built in a buffer: a million elements of a dump are tens of millions of bytes */
	pre(w, key);
	if (!text)
		buf[len++] = '[';
	for (size_t i = 0; i < n; i++) {
		if (len > sizeof(buf) - 16) {
			fwrite(buf, 1, len, w->f);
			len = 0;
		}
		if (text) {
			if (i)
				buf[len++] = ' ';
			buf[len++] = hex[b[i] >> 4];
			buf[len++] = hex[b[i] & 15];
			continue;
		}
		if (i) {
			buf[len++] = ',';
			if (w->style == JW_PRETTY)
				buf[len++] = ' ';
		}
		memcpy(buf + len, "\"0x", 3);
		buf[len + 3] = hex[b[i] >> 4];
		buf[len + 4] = hex[b[i] & 15];
		buf[len + 5] = '"';
		len += 6;
	}
	if (!text)
		buf[len++] = ']';
	fwrite(buf, 1, len, w->f);
}
