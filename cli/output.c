/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The only writer of stdout. Commands describe a result once; it is kept as a cJSON tree and
 * rendered at the end as JSON or as text (tables for lists of objects, key: value blocks for
 * objects). Labels for text are kept beside the tree, by key.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonw.h"
#include "output.h"

#define MAX_DEPTH 32

/* A text label belongs to a key within one scope: a table (the array) or a block (the object). */
struct label {
	const cJSON *scope;
	char *key;
	char *text;
};

struct out {
	FILE *f;
	bool json, pretty;
	cJSON *root;
	cJSON *stack[MAX_DEPTH];
	int depth;
	struct label *labels;
	size_t nr_labels;
	bool overflow;		/* nesting deeper than MAX_DEPTH: a bug, reported at finish */
	int write_err;		/* first write error: sticky, later flushes report the same */
	bool failed;		/* out_set_error(): the document is the error, nothing else */
	bool quiet;		/* out_quiet(): text is not printed */
};

struct out *out_new(FILE *f, bool json, bool pretty)
{
	struct out *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->f = f;
	o->json = json || pretty;
	o->pretty = pretty;
	return o;
}

void out_free(struct out *o)
{
	if (!o)
		return;
	cJSON_Delete(o->root);
	for (size_t i = 0; i < o->nr_labels; i++) {
		free(o->labels[i].key);
		free(o->labels[i].text);
	}
	free(o->labels);
	free(o);
}

void out_set_mode(struct out *o, bool json, bool pretty)
{
	o->json = json || pretty;
	o->pretty = pretty;
}

void out_quiet(struct out *o)
{
	o->quiet = true;
}

bool out_json(const struct out *o)
{
	return o->json;
}

static const char *label_of(const struct out *o, const cJSON *scope, const char *key)
{
	for (size_t i = 0; key && i < o->nr_labels; i++)
		if (o->labels[i].scope == scope && !strcmp(o->labels[i].key, key))
			return o->labels[i].text;
	return NULL;
}

/* Rows of a table share their labels: the scope of a row's field is the table. */
static const cJSON *current_scope(const struct out *o)
{
	if (o->depth >= 2 && cJSON_IsArray(o->stack[o->depth - 2]) &&
	    cJSON_IsObject(o->stack[o->depth - 1]))
		return o->stack[o->depth - 2];
	return o->depth ? o->stack[o->depth - 1] : NULL;
}

static void remember_label(struct out *o, const char *key, const char *text)
{
	const cJSON *scope = current_scope(o);
	struct label *l;

	if (!key || !text || label_of(o, scope, key))
		return;
	l = realloc(o->labels, (o->nr_labels + 1) * sizeof(*l));
	if (!l)
		return;
	o->labels = l;
	l[o->nr_labels].scope = scope;
	l[o->nr_labels].key = strdup(key);
	l[o->nr_labels].text = strdup(text);
	if (!l[o->nr_labels].key || !l[o->nr_labels].text) {
		free(l[o->nr_labels].key);
		free(l[o->nr_labels].text);
		return;
	}
	o->nr_labels++;
}

/* Attach item to the current container (or make it the root). Takes ownership. */
static void attach(struct out *o, const char *key, const char *label, cJSON *item)
{
	cJSON *parent;

	if (!item)
		return;
	remember_label(o, key, label);
	if (o->depth == 0) {
		if (o->root)
			cJSON_Delete(o->root);
		o->root = item;
		return;
	}
	parent = o->stack[o->depth - 1];
	if (cJSON_IsArray(parent) || !key)
		cJSON_AddItemToArray(parent, item);
	else
		cJSON_AddItemToObject(parent, key, item);
}

static void push(struct out *o, const char *key, const char *title, cJSON *item)
{
	if (!item)
		return;
	attach(o, key, title, item);
	if (o->depth == MAX_DEPTH) {
		o->overflow = true;
		return;
	}
	o->stack[o->depth++] = item;
}

void out_object_begin(struct out *o, const char *key, const char *title)
{
	push(o, key, title, cJSON_CreateObject());
}

void out_list_begin(struct out *o, const char *key, const char *title)
{
	push(o, key, title, cJSON_CreateArray());
}

void out_object_end(struct out *o)
{
	if (o->depth > 0)
		o->depth--;
}

void out_list_end(struct out *o)
{
	out_object_end(o);
}

/* cJSON passes invalid UTF-8 through: repair it first, as every JSON writer does (jsonw.h). */
static cJSON *json_string(const char *v)
{
	bool oom;
	char *fixed = bk_json_repair(v, &oom);
	cJSON *item = oom ? NULL : cJSON_CreateString(fixed ? fixed : v);

	free(fixed);
	return item;
}

void out_str(struct out *o, const char *key, const char *label, const char *v)
{
	attach(o, key, label, v ? json_string(v) : cJSON_CreateNull());
}

/* Exact digits: cJSON numbers are doubles and would round values above 2^53. */
void out_u64(struct out *o, const char *key, const char *label, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	attach(o, key, label, cJSON_CreateRaw(buf));
}

void out_s64(struct out *o, const char *key, const char *label, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	attach(o, key, label, cJSON_CreateRaw(buf));
}

void out_hex(struct out *o, const char *key, const char *label, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	attach(o, key, label, cJSON_CreateString(buf));
}

void out_u64_xtext(struct out *o, const char *key, const char *label, uint64_t v, int width)
{
	char buf[24];

	if (o->json) {
		out_u64(o, key, label, v);
		return;
	}
	snprintf(buf, sizeof(buf), "%0*" PRIx64, width, v);
	attach(o, key, label, cJSON_CreateString(buf));
}

void out_bool(struct out *o, const char *key, const char *label, bool v)
{
	attach(o, key, label, cJSON_CreateBool(v));
}

void out_null(struct out *o, const char *key, const char *label)
{
	attach(o, key, label, cJSON_CreateNull());
}

void out_item(struct out *o, const char *key, const char *label, cJSON *item)
{
	attach(o, key, label, item);
}

/* Key of free-form text kept inside a document, so it prints where it was written. */
#define TEXT_KEY "\001text"

void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;

	if (o->json)
		return;
	va_start(ap, fmt);
	if (!o->root) {		/* no document: stream it (btf dump of 100k types) */
		vfprintf(o->f, fmt, ap);
		va_end(ap);
		return;
	}
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (text && o->depth > 0 && cJSON_IsObject(o->stack[o->depth - 1]))
		cJSON_AddItemToObject(o->stack[o->depth - 1], TEXT_KEY, json_string(text));
	else if (text)
		fputs(text, o->f);
	free(text);
}

static bool is_text(const cJSON *v)
{
	return v->string && !strcmp(v->string, TEXT_KEY);
}

void out_set_error(struct out *o, const char *msg)
{
	cJSON *doc = cJSON_CreateObject();

	o->failed = true;
	if (!doc)
		return;
	cJSON_AddItemToObject(doc, "error", json_string(msg));
	cJSON_Delete(o->root);
	o->root = doc;
	o->depth = 0;
	o->failed = true;
}

void out_stream_line(struct out *o, const char *line, size_t len)
{
	/* one stream, one thread: stdio's per-call locking is pure cost at 10^5-10^6 lines/s */
	fwrite_unlocked(line, 1, len, o->f);
	putc_unlocked('\n', o->f);
}

int out_flush(struct out *o)
{
	if (o->write_err)
		return o->write_err;
	errno = 0;
	if (fflush(o->f) == 0 && !ferror(o->f))
		return 0;
	o->write_err = errno ? -errno : -EIO;
	return o->write_err;
}

/* ---- text rendering ---------------------------------------------------------------- */

/* A scalar (or a list of scalars) as text; caller frees. */
static char *scalar_text(const cJSON *v)
{
	if (cJSON_IsString(v))
		return strdup(v->valuestring);
	if (cJSON_IsRaw(v))
		return strdup(v->valuestring);
	if (cJSON_IsBool(v))
		return strdup(cJSON_IsTrue(v) ? "true" : "false");
	if (cJSON_IsNull(v))
		return strdup("-");
	if (cJSON_IsNumber(v)) {
		char buf[32];

		/* integers exactly (cJSON keeps doubles: %g would print 4194304 as 4.1943e+06) */
		if (v->valuedouble > -9e15 && v->valuedouble < 9e15 &&
		    v->valuedouble == (double)(long long)v->valuedouble)
			snprintf(buf, sizeof(buf), "%lld", (long long)v->valuedouble);
		else
			snprintf(buf, sizeof(buf), "%.17g", v->valuedouble);
		return strdup(buf);
	}
	if (cJSON_IsArray(v)) {
		size_t len = 1, n = 0;
		char *s, *p;
		const cJSON *e;

		cJSON_ArrayForEach(e, v) {
			char *t = scalar_text(e);

			len += (t ? strlen(t) : 0) + 1;
			free(t);
		}
		s = calloc(1, len + 1);
		if (!s)
			return NULL;
		p = s;
		cJSON_ArrayForEach(e, v) {
			char *t = scalar_text(e);

			p += sprintf(p, "%s%s", n++ ? "," : "", t ? t : "");
			free(t);
		}
		if (!n)
			strcpy(s, "-");
		return s;
	}
	return cJSON_PrintUnformatted(v);
}

static bool is_numeric(const cJSON *v)
{
	return cJSON_IsRaw(v) || cJSON_IsNumber(v);
}

static bool is_table(const cJSON *v)
{
	const cJSON *e;

	if (!cJSON_IsArray(v) || !v->child)
		return false;
	cJSON_ArrayForEach(e, v)
		if (!cJSON_IsObject(e))
			return false;
	return true;
}

static void header_text(const struct out *o, const cJSON *table, const char *key, char *buf,
			size_t len)
{
	const char *l = label_of(o, table, key);
	size_t i;

	if (l) {
		snprintf(buf, len, "%s", l);
		return;
	}
	for (i = 0; key[i] && i + 1 < len; i++)
		buf[i] = key[i] == '_' ? ' ' : (char)(key[i] >= 'a' && key[i] <= 'z' ?
						       key[i] - 32 : key[i]);
	buf[i] = '\0';
}

/* Numbers align right, text left; the last column has no trailing padding. */
static void print_cell(FILE *f, const char *text, size_t width, bool numeric, bool last)
{
	if (numeric)
		fprintf(f, "%*s", (int)width, text);
	else if (last)
		fputs(text, f);
	else
		fprintf(f, "%-*s", (int)width, text);
	if (!last)
		fputs("  ", f);
}

/* Columns are the keys of the first row, plus any new keys later rows bring. */
static void render_table(struct out *o, const cJSON *rows, int indent)
{
	size_t ncols = 0, max = 0, c;
	const cJSON *row, *f;
	const char **cols;
	size_t *widths;
	bool *numeric;
	char hdr[128];

	cJSON_ArrayForEach(row, rows)
		max += cJSON_GetArraySize(row);	/* every column is some row's key */
	cols = calloc(max + 1, sizeof(*cols));
	widths = calloc(max + 1, sizeof(*widths));
	numeric = calloc(max + 1, sizeof(*numeric));
	if (!cols || !widths || !numeric) {
		o->overflow = true;	/* out of memory: reported by out_finish() */
		goto out;
	}
	cJSON_ArrayForEach(row, rows) {
		cJSON_ArrayForEach(f, row) {
			for (c = 0; c < ncols && strcmp(cols[c], f->string); c++)
				;
			if (c == ncols) {
				cols[ncols] = f->string;
				header_text(o, rows, f->string, hdr, sizeof(hdr));
				widths[ncols] = strlen(hdr);
				numeric[ncols++] = true;
			}
		}
	}
	cJSON_ArrayForEach(row, rows) {
		for (c = 0; c < ncols; c++) {
			char *t;

			f = cJSON_GetObjectItemCaseSensitive(row, cols[c]);
			t = f ? scalar_text(f) : NULL;
			if (t && strlen(t) > widths[c])
				widths[c] = strlen(t);
			if (f && !is_numeric(f))
				numeric[c] = false;
			free(t);
		}
	}
	fprintf(o->f, "%*s", indent, "");
	for (c = 0; c < ncols; c++) {
		header_text(o, rows, cols[c], hdr, sizeof(hdr));
		print_cell(o->f, hdr, widths[c], numeric[c], c + 1 == ncols);
	}
	fputc('\n', o->f);
	cJSON_ArrayForEach(row, rows) {
		fprintf(o->f, "%*s", indent, "");
		for (c = 0; c < ncols; c++) {
			char *t;

			f = cJSON_GetObjectItemCaseSensitive(row, cols[c]);
			t = f ? scalar_text(f) : strdup("-");
			print_cell(o->f, t ? t : "", widths[c], numeric[c], c + 1 == ncols);
			free(t);
		}
		fputc('\n', o->f);
	}
out:
	free(cols);
	free(widths);
	free(numeric);
}

static void render_block(struct out *o, const cJSON *obj, int indent);

static void render_titled(struct out *o, const cJSON *parent, const cJSON *v, int indent)
{
	char title[128];
	const char *l = label_of(o, parent, v->string);

	snprintf(title, sizeof(title), "%s", l ? l : v->string);
	fprintf(o->f, "%*s%s:\n", indent, "", title);
	if (cJSON_IsObject(v)) {
		render_block(o, v, indent + 2);
	} else if (!v->child) {
		fprintf(o->f, "%*s(none)\n", indent + 2, "");
	} else if (is_table(v)) {
		render_table(o, v, indent + 2);
	} else {
		const cJSON *e;

		cJSON_ArrayForEach(e, v)
			render_block(o, e, indent + 2);
	}
}

static void render_block(struct out *o, const cJSON *obj, int indent)
{
	size_t width = 0;
	const cJSON *f;
	bool printed = false;

	if (!cJSON_IsObject(obj)) {
		char *t = scalar_text(obj);

		fprintf(o->f, "%*s%s\n", indent, "", t ? t : "");
		free(t);
		return;
	}
	cJSON_ArrayForEach(f, obj) {
		const char *l = label_of(o, obj, f->string);
		size_t n = strlen(l ? l : f->string);

		if (is_text(f))
			continue;
		if ((cJSON_IsObject(f) || is_table(f)) == false && n > width)
			width = n;
	}
	cJSON_ArrayForEach(f, obj) {
		const char *l = label_of(o, obj, f->string);
		char *t;

		if (is_text(f)) {
			fputs(f->valuestring, o->f);
			printed = true;
			continue;
		}
		if (cJSON_IsObject(f) || is_table(f) ||
		    (cJSON_IsArray(f) && !f->child && label_of(o, obj, f->string))) {
			/* top-level sections are separated by a blank line */
			if (indent == 0 && printed)
				fputc('\n', o->f);
			render_titled(o, obj, f, indent);
			printed = true;
			continue;
		}
		t = scalar_text(f);
		fprintf(o->f, "%*s%s:%*s %s\n", indent, "", l ? l : f->string,
			(int)(width - strlen(l ? l : f->string)), "", t ? t : "");
		free(t);
		printed = true;
	}
}

static void render_text(struct out *o)
{
	if (!o->root)
		return;
	if (is_table(o->root))
		render_table(o, o->root, 0);
	else if (cJSON_IsArray(o->root) && !o->root->child)
		;	/* an empty list prints nothing, like bpftool */
	else
		render_block(o, o->root, 0);
}

int out_finish(struct out *o)
{
	if (o->overflow)
		return -E2BIG;
	if (o->json && o->root) {
		char *s = o->pretty ? cJSON_Print(o->root) : cJSON_PrintUnformatted(o->root);

		if (!s)
			return -ENOMEM;
		fputs(s, o->f);
		fputc('\n', o->f);
		free(s);
	} else if (!o->json && !o->failed && !o->quiet) {
		render_text(o);	/* in text mode the error went to stderr alone */
		if (o->overflow)	/* a table could not be laid out */
			return -ENOMEM;
	}
	return out_flush(o);
}
