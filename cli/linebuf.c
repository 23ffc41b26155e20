/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Fast line building for event streams (see linebuf.h). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "jsonw.h"
#include "linebuf.h"

static void pad(struct linebuf *l, size_t used, size_t width)
{
	static const char spaces[32] = "                                ";

	while (used < width) {
		size_t n = width - used < sizeof(spaces) ? width - used : sizeof(spaces);

		lb_mem(l, spaces, n);
		used += n;
	}
}

/* Whether any of the 8 bytes is a control byte (< 0x20, or 0x7f): the zero-byte test of
 * "Bit Twiddling Hacks", exact as a yes or no. */
static inline bool word_has_control(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t del = w ^ (ones * 0x7f);

	return (((w - ones * 0x20) & ~w) | ((del - ones) & ~del)) & highs;
}

static bool has_control(const unsigned char *d, size_t len)
{
	uint64_t w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, d + i, 8);
		if (word_has_control(w))
			return true;
	}
	w = 0x2020202020202020ULL;	/* the tail, padded with spaces */
	memcpy(&w, d + i, len - i);
	return word_has_control(w);
}

void lb_strn(struct linebuf *l, const char *s, size_t max, size_t width)
{
	size_t n = strnlen(s, max), at = l->n;
	unsigned char *d = (unsigned char *)l->b + at;

	lb_mem(l, s, n);
	/* a control byte (a newline or ESC in a file name) would break the line or drive the
	 * terminal: '?' instead, as ls -q shows it; checked a word at a time, as most have none */
	if (has_control(d, l->n - at))
		for (size_t i = 0; i < l->n - at; i++)
			if (d[i] < 0x20 || d[i] == 0x7f)
				d[i] = '?';
	pad(l, n, width);
}

void lb_str(struct linebuf *l, const char *s, size_t width)
{
	lb_strn(l, s, SIZE_MAX, width);
}

void lb_u64(struct linebuf *l, uint64_t v, size_t width)
{
	char tmp[24], *p = bk_u64_digits(tmp, v);
	size_t n = (size_t)(tmp + 24 - p);

	lb_mem(l, p, n);
	pad(l, n, width);
}

void lb_s64_right(struct linebuf *l, int64_t v, size_t width)
{
	char tmp[24], *p = bk_u64_digits(tmp, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);

	if (v < 0)
		*--p = '-';
	pad(l, (size_t)(tmp + 24 - p), width);
	lb_mem(l, p, (size_t)(tmp + 24 - p));
}

static void lb_put(void *ctx, const char *p, size_t n)
{
	lb_mem(ctx, p, n);
}

/*
 * Plain bytes (most strings are all plain) are copied while they are scanned, straight into
 * the line; from the first other byte on, the escaper takes over.
 */
void lb_json_strn(struct linebuf *l, const char *s, size_t max)
{
	size_t room = sizeof(l->b) - 1 - l->n, i = 0;
	char *d = l->b + l->n + 1;

	lb_lit(l, "\"");
	for (; i < max && i + 2 < room && bk_json_plain((unsigned char)s[i]); i++)
		d[i] = s[i];
	l->n += i;
	if (i < max && s[i])
		bk_json_escape_n(s + i, strnlen(s + i, max - i), lb_put, l);
	lb_lit(l, "\"");
}

void lb_json_str(struct linebuf *l, const char *s)
{
	lb_json_strn(l, s, SIZE_MAX);
}

const char *lb_end(struct linebuf *l)
{
	l->b[l->n] = '\0';
	return l->b;
}
