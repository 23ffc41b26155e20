/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* One JSON escaping policy and one streaming writer (see include/jsonw.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

int bk_utf8_len(const unsigned char *s)
{
	int n;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0 && s[0] >= 0xc2)
		n = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((s[0] & 0xf8) == 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (int i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* The valid UTF-8 sequence at s within avail bytes (1..4), or 0. */
static int utf8_len_n(const unsigned char *s, size_t avail)
{
	int n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 :
		(s[0] & 0xf8) == 0xf0 ? 4 : 0;

	return n && (size_t)n <= avail ? bk_utf8_len(s) : 0;
}

void bk_json_escape_n(const char *str, size_t len,
		      void (*put)(void *ctx, const char *p, size_t n), void *ctx)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str, *end = s + len;

	while (s < end) {
		const unsigned char *run = s;
		char esc[6] = { '\\', 'u', '0', '0', 0, 0 };
		int n;

		while (s < end && bk_json_plain(*s))
			s++;
		if (s > run)
			put(ctx, (const char *)run, s - run);
		if (s == end)
			break;
		switch (*s) {
		case '"': case '\\': esc[1] = *s; put(ctx, esc, 2); s++; continue;
		case '\b': esc[1] = 'b'; put(ctx, esc, 2); s++; continue;
		case '\f': esc[1] = 'f'; put(ctx, esc, 2); s++; continue;
		case '\n': esc[1] = 'n'; put(ctx, esc, 2); s++; continue;
		case '\r': esc[1] = 'r'; put(ctx, esc, 2); s++; continue;
		case '\t': esc[1] = 't'; put(ctx, esc, 2); s++; continue;
		default: break;
		}
		if (*s < 0x20 || *s == 0x7f) {
			esc[4] = hex[*s >> 4];
			esc[5] = hex[*s & 15];
			put(ctx, esc, 6);
			s++;
		} else if ((n = utf8_len_n(s, end - s))) {
			put(ctx, (const char *)s, n);
			s += n;
		} else {
			put(ctx, "\\ufffd", 6);
			s++;
		}
	}
}

void bk_json_escape(const char *str, void (*put)(void *ctx, const char *p, size_t n), void *ctx)
{
	bk_json_escape_n(str, strlen(str), put, ctx);
}

char *bk_json_repair(const char *str, bool *oom)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t bad = 0, len = 0;
	char *out, *p;
	int n;

	*oom = false;
	for (; s[len]; len += n ? n : 1)
		if (!(n = bk_utf8_len(s + len)))
			bad++;
	if (!bad)
		return NULL;
	out = p = malloc(len + 2 * bad + 1);	/* each bad byte grows to 3 */
	if (!out) {
		*oom = true;
		return NULL;
	}
	for (size_t i = 0; s[i]; i += n ? n : 1) {
		n = bk_utf8_len(s + i);
		if (n) {
			memcpy(p, s + i, n);
			p += n;
		} else {
			memcpy(p, "\xef\xbf\xbd", 3);
			p += 3;
		}
	}
	*p = '\0';
	return out;
}

void bk_jw_init(struct bk_jsonw *w, FILE *f)
{
	w->f = f;
	w->len = 0;
	w->err = 0;
}

int bk_jw_flush(struct bk_jsonw *w)
{
	if (w->len && fwrite(w->buf, 1, w->len, w->f) != w->len)
		w->err = -EIO;
	w->len = 0;
	return w->err;
}

void bk_jw_mem(struct bk_jsonw *w, const char *s, size_t n)
{
	if (n > sizeof(w->buf) - w->len) {
		bk_jw_flush(w);
		if (n > sizeof(w->buf)) {
			if (fwrite(s, 1, n, w->f) != n)
				w->err = -EIO;
			return;
		}
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

void bk_jw_puts(struct bk_jsonw *w, const char *s)
{
	bk_jw_mem(w, s, strlen(s));
}

void bk_jw_putc(struct bk_jsonw *w, char c)
{
	if (w->len == sizeof(w->buf))
		bk_jw_flush(w);
	w->buf[w->len++] = c;
}

char *bk_u64_digits(char tmp[24], unsigned long long v)
{
	/* two digits per division: numbers are most of an event line's formatting */
	static const char pairs[201] =
		"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";
	char *p = tmp + 24;

	while (v >= 100) {
		unsigned int i = (unsigned int)(v % 100) * 2;

		v /= 100;
		*--p = pairs[i + 1];
		*--p = pairs[i];
	}
	if (v >= 10) {
		*--p = pairs[v * 2 + 1];
		*--p = pairs[v * 2];
	} else {
		*--p = (char)('0' + v);
	}
	return p;
}

void bk_jw_u64(struct bk_jsonw *w, unsigned long long v)
{
	char tmp[24], *p = bk_u64_digits(tmp, v);

	bk_jw_mem(w, p, tmp + sizeof(tmp) - p);
}

void bk_jw_s64(struct bk_jsonw *w, long long v)
{
	if (v < 0) {
		bk_jw_putc(w, '-');
		bk_jw_u64(w, -(unsigned long long)v);
	} else {
		bk_jw_u64(w, v);
	}
}

static void jw_put(void *ctx, const char *p, size_t n)
{
	bk_jw_mem(ctx, p, n);
}

void bk_jw_str(struct bk_jsonw *w, const char *s)
{
	bk_jw_putc(w, '"');
	bk_json_escape(s, jw_put, w);
	bk_jw_putc(w, '"');
}
