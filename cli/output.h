/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One output path, two renderings. A command describes its result once, field by field;
 * the document is built as a cJSON tree and rendered at out_finish() either as JSON (compact,
 * or indented with --pretty) or as text:
 *   - a list of objects becomes an aligned table, one column per key, headers from labels;
 *   - an object becomes "label: value" lines (nested objects indent);
 *   - a list of scalars becomes a comma-separated value.
 * Labels are text-only; NULL label = the key upper-cased with '_' -> ' ' in tables, the key
 * as is in blocks. Keys must keep one JSON type forever: u64 counters are exact digits (never
 * through double), addresses/hashes are "0x..." strings.
 *
 * Streams (trace) do not build a document: out_stream_line() writes one record per line,
 * JSON Lines in JSON mode; out_flush() once per poll batch.
 *
 * Free-form text (disassembly, C headers) goes through out_printf(), which only prints in
 * text mode (stdout is buffered; errors are caught by out_finish()).
 */
#ifndef BPFKIT_OUTPUT_H
#define BPFKIT_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct cJSON;
struct out;

struct out *out_new(FILE *f, bool json, bool pretty);
void out_free(struct out *o);
bool out_json(const struct out *o);
/* -q on a command whose output is a summary of what it did: text prints nothing, JSON stays. */
void out_quiet(struct out *o);
/* -j/-p seen after the command name: switch rendering before anything is printed. */
void out_set_mode(struct out *o, bool json, bool pretty);

/* Structure. key is NULL for the top-level value and for elements of a list. */
void out_object_begin(struct out *o, const char *key, const char *title);
void out_object_end(struct out *o);
void out_list_begin(struct out *o, const char *key, const char *title);
void out_list_end(struct out *o);

/* Fields of the current object (key required) or elements of the current list (key NULL). */
void out_str(struct out *o, const char *key, const char *label, const char *v);
void out_u64(struct out *o, const char *key, const char *label, uint64_t v);
void out_s64(struct out *o, const char *key, const char *label, int64_t v);
void out_hex(struct out *o, const char *key, const char *label, uint64_t v);
/* A number (exact digits) in JSON, zero-padded hex of width digits in text, as readelf
 * prints addresses, offsets and sizes. */
void out_u64_xtext(struct out *o, const char *key, const char *label, uint64_t v, int width);
void out_bool(struct out *o, const char *key, const char *label, bool v);
void out_null(struct out *o, const char *key, const char *label);
/* Adopt a ready cJSON value (ownership passes to the document). */
void out_item(struct out *o, const char *key, const char *label, struct cJSON *item);

/* Text-only free-form output (ignored in JSON mode). */
__attribute__((format(printf, 2, 3))) void out_printf(struct out *o, const char *fmt, ...);

/* Replace whatever was built with {"error": msg}; text mode then prints nothing. */
void out_set_error(struct out *o, const char *msg);

/* Streams: one record per line (text, or a JSON Lines record built with linebuf.h). */
void out_stream_line(struct out *o, const char *line, size_t len);
int out_flush(struct out *o);	/* 0, or -EIO/-EPIPE after a write error */

/* Render the document (if any), flush, check stdout for write errors: 0 or -errno. */
int out_finish(struct out *o);

#endif
