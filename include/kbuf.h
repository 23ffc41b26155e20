/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A growable text buffer: metrics bodies, trace run's record lines. */
#ifndef BPFKIT_KBUF_H
#define BPFKIT_KBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* On allocation failure it stays short and failed is set; p is NUL-terminated once non-empty. */
struct kbuf {
	char *p;
	size_t len, cap;
	bool failed;
};

/* kbuf_put's slow path: grow, then put (or fail). */
void kbuf_grow_put(struct kbuf *b, const char *s, size_t n);

/* inline: a record line is dozens of small puts */
static inline void kbuf_put(struct kbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap || b->failed) {
		kbuf_grow_put(b, s, n);
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void kbuf_str(struct kbuf *b, const char *s);
void kbuf_u64(struct kbuf *b, uint64_t v);
/* s (at most max bytes, up to its NUL) quoted and JSON-escaped. */
void kbuf_qstr(struct kbuf *b, const char *s, size_t max);
__attribute__((format(printf, 2, 3))) void kbuf_printf(struct kbuf *b, const char *fmt, ...);
void kbuf_free(struct kbuf *b);

#endif
