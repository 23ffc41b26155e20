/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Fast line building for event streams (see linebuf.h). */
#include <string.h>

#include "jsonw.h"
#include "linebuf.h"

void lb_mem(struct linebuf *l, const char *s, size_t n)
{
	if (n > sizeof(l->b) - 1 - l->n)
		n = sizeof(l->b) - 1 - l->n;
	memcpy(l->b + l->n, s, n);
	l->n += n;
}

static void pad(struct linebuf *l, size_t used, size_t width)
{
	static const char spaces[32] = "                                ";

	while (used < width) {
		size_t n = width - used < sizeof(spaces) ? width - used : sizeof(spaces);

		lb_mem(l, spaces, n);
		used += n;
	}
}

void lb_str(struct linebuf *l, const char *s, size_t width)
{
	size_t n = strlen(s);

	lb_mem(l, s, n);
	pad(l, n, width);
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

void lb_json_str(struct linebuf *l, const char *s)
{
	lb_lit(l, "\"");
	bk_json_escape(s, lb_put, l);
	lb_lit(l, "\"");
}

const char *lb_end(struct linebuf *l)
{
	l->b[l->n] = '\0';
	return l->b;
}
