/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A streaming JSON writer for documents too large for a cJSON tree (map dump of a million
 * elements): values go to the FILE as they come, memory stays constant. Compact, or
 * indented exactly as cJSON_Print indents; strings escaped by the one policy of
 * include/jsonw.h (tests/unit/test_output.c checks every byte). A text style
 * renders the same calls as "{uid: 1000, comm: "ab"}" for one-line text output.
 */
#ifndef BPFKIT_JSONSTREAM_H
#define BPFKIT_JSONSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JW_MAX_DEPTH 64

enum jw_style { JW_COMPACT, JW_PRETTY, JW_TEXT };

struct jw {
	FILE *f;
	enum jw_style style;
	int depth;
	bool first[JW_MAX_DEPTH];	/* nothing written yet at this depth */
	bool is_obj[JW_MAX_DEPTH];
	int base_indent;		/* pretty: indent of depth 0 */
};

void jw_init(struct jw *w, FILE *f, enum jw_style style);
/* key: the member name inside an object, NULL inside an array or at the top. */
void jw_obj_begin(struct jw *w, const char *key);
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w, const char *key);
void jw_arr_end(struct jw *w);
void jw_str(struct jw *w, const char *key, const char *s);
void jw_strn(struct jw *w, const char *key, const char *s, size_t n);
void jw_u64(struct jw *w, const char *key, uint64_t v);
void jw_s64(struct jw *w, const char *key, int64_t v);
void jw_double(struct jw *w, const char *key, double v);
void jw_bool(struct jw *w, const char *key, bool v);
void jw_null(struct jw *w, const char *key);
/* s as is (a word in text style, e.g. an enum name). */
void jw_raw(struct jw *w, const char *key, const char *s);
/* bpftool's byte list: ["0x01","0x00"]; in text style "01 00". */
void jw_hex_bytes(struct jw *w, const char *key, const void *data, size_t n);
/* A JSON string's quoted, escaped form into f (include/jsonw.h's policy). */
void jw_escape(FILE *f, const char *s, size_t n);

#endif
