/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The growable text buffer (include/kbuf.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "kbuf.h"

void kbuf_grow_put(struct kbuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void kbuf_printf(struct kbuf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		kbuf_put(b, tmp, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);

	if (!big) {
		b->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	kbuf_put(b, big, (size_t)n);
	free(big);
}

void kbuf_free(struct kbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void kbuf_str(struct kbuf *b, const char *s)
{
	kbuf_put(b, s, strlen(s));
}

void kbuf_u64(struct kbuf *b, uint64_t v)
{
	char tmp[24], *p = bk_u64_digits(tmp, v);

	kbuf_put(b, p, (size_t)(tmp + 24 - p));
}

static void put(void *ctx, const char *p, size_t n)
{
	kbuf_put(ctx, p, n);
}

/* Plain bytes are copied while they are scanned; the escaper takes over from the first other. */
void kbuf_qstr(struct kbuf *b, const char *s, size_t max)
{
	size_t i = 0;

	kbuf_put(b, "\"", 1);
	if (!b->failed && max < b->cap - b->len - 1) {	/* room for all max bytes and the NUL */
		for (; i < max && bk_json_plain((unsigned char)s[i]); i++)
			b->p[b->len + i] = s[i];
		b->len += i;
		b->p[b->len] = '\0';
	}
	if (i < max && s[i])
		bk_json_escape_n(s + i, strnlen(s + i, max - i), put, b);
	kbuf_put(b, "\"", 1);
}
