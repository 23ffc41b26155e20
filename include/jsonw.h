/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * JSON strings and the streaming writer (inspect/jsonw.c): one escaping policy for every
 * JSON bpfkit writes, whether streamed (btf dump, map dump through cli/jsonstream.h's
 * structured writer, trace lines) or built as a cJSON document.
 *
 * The policy: '"' and '\\' are escaped; control characters as \b \f \n \r \t or \u00XX;
 * DEL as \u007f; valid UTF-8 is kept as it is; each byte of an invalid UTF-8 sequence (names
 * from untrusted objects, paths, comms) becomes U+FFFD. cJSON escapes only what JSON
 * requires and passes invalid UTF-8 through, so strings for cJSON documents go through
 * bk_json_repair() first: the decoded values are the same whichever way a string was written.
 */
#ifndef BPFKIT_JSONW_H
#define BPFKIT_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A byte the policy keeps as it is: printable ASCII but '"' and '\\'. */
static inline bool bk_json_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* Escape s (no quotes) through put(ctx, bytes, n), plain runs in one call. */
void bk_json_escape(const char *s, void (*put)(void *ctx, const char *p, size_t n), void *ctx);
/* The same for exactly len bytes (a NUL among them is escaped as \u0000). */
void bk_json_escape_n(const char *s, size_t len,
		      void (*put)(void *ctx, const char *p, size_t n), void *ctx);

/* Length of the valid UTF-8 sequence at s (1..4), or 0. */
int bk_utf8_len(const unsigned char *s);

/* s with every invalid UTF-8 byte replaced by U+FFFD, malloc'ed; NULL when s is valid (use
 * it as is) or out of memory (*oom set). */
char *bk_json_repair(const char *s, bool *oom);

/* The decimal digits of v, right-aligned in tmp[24]; returns the first (shared by every
 * hand-built number writer: streams and trace lines). */
char *bk_u64_digits(char tmp[24], unsigned long long v);

/* A buffered writer for streams of millions of small fields. */
struct bk_jsonw {
	FILE *f;
	size_t len;
	int err;		/* -EIO after a failed write */
	char buf[1 << 16];
};

void bk_jw_init(struct bk_jsonw *w, FILE *f);
void bk_jw_mem(struct bk_jsonw *w, const char *s, size_t n);
void bk_jw_puts(struct bk_jsonw *w, const char *s);
void bk_jw_putc(struct bk_jsonw *w, char c);
void bk_jw_u64(struct bk_jsonw *w, unsigned long long v);
void bk_jw_s64(struct bk_jsonw *w, long long v);
/* A JSON string value with its quotes, by the policy above. */
void bk_jw_str(struct bk_jsonw *w, const char *s);
/* Write what is buffered; returns w->err. */
int bk_jw_flush(struct bk_jsonw *w);

#endif
