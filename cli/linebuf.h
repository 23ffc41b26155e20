/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One output line built by hand, for event streams: printf() was ~70% of a tracer's CPU and
 * cJSON ~90% (a tree per event, a %1.15g print and an sscanf() check per number). JSON
 * strings follow the one escaping policy of include/jsonw.h.
 * A line longer than the buffer is cut, never overrun.
 */
#ifndef BPFKIT_LINEBUF_H
#define BPFKIT_LINEBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct linebuf {
	size_t n;
	char b[4096];
};

/* inline: most pieces are literals, whose copy then compiles to a few moves */
static inline void lb_mem(struct linebuf *l, const char *s, size_t n)
{
	if (n > sizeof(l->b) - 1 - l->n)
		n = sizeof(l->b) - 1 - l->n;
	memcpy(l->b + l->n, s, n);
	l->n += n;
}

#define lb_lit(l, s) lb_mem(l, s, sizeof(s) - 1)
/* Text: s left-aligned in width; v left-aligned (%-Nu); v right-aligned (%Nd). */
void lb_str(struct linebuf *l, const char *s, size_t width);
void lb_u64(struct linebuf *l, uint64_t v, size_t width);
void lb_s64_right(struct linebuf *l, int64_t v, size_t width);
/* The same for a string of at most max bytes (a record's fixed-size field). Strings show
 * control bytes as '?'. */
void lb_strn(struct linebuf *l, const char *s, size_t max, size_t width);
/* JSON: an escaped string value with its quotes; of at most max bytes. */
void lb_json_str(struct linebuf *l, const char *s);
void lb_json_strn(struct linebuf *l, const char *s, size_t max);
/* NUL-terminate and return the line. */
const char *lb_end(struct linebuf *l);

#endif
