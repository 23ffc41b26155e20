/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The output layer: exact u64, one type per key, error documents, tables, JSON escaping. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonw.h"
#include "linebuf.h"
#include "output.h"
#include "unit.h"

/* Render with fn into a string. */
static char *render(bool json, void (*fn)(struct out *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct out *o = out_new(f, json, false);

	fn(o);
	CHECK(out_finish(o) == 0, "finish failed");
	out_free(o);
	fclose(f);
	return buf;
}

static void doc_u64(struct out *o)
{
	out_object_begin(o, NULL, NULL);
	out_u64(o, "big", NULL, 9007199254740993ull);	/* 2^53 + 1: a double would round it */
	out_u64(o, "max", NULL, UINT64_MAX);
	out_s64(o, "neg", NULL, -5);
	out_hex(o, "addr", NULL, 0xffffffff81000000ull);
	out_bool(o, "ok", NULL, true);
	out_null(o, "none", NULL);
	out_object_end(o);
}

static void doc_table(struct out *o)
{
	out_list_begin(o, NULL, NULL);
	out_object_begin(o, NULL, NULL);
	out_str(o, "name", NULL, "a");
	out_u64(o, "size", NULL, 5);
	out_str(o, "path", "WHERE", "/x");
	out_object_end(o);
	out_object_begin(o, NULL, NULL);
	out_str(o, "name", NULL, "longer");
	out_u64(o, "size", NULL, 12345);
	out_str(o, "path", NULL, "/y");
	out_object_end(o);
	out_list_end(o);
}

static void doc_error(struct out *o)
{
	out_object_begin(o, NULL, NULL);
	out_str(o, "partial", NULL, "must not appear");
	out_set_error(o, "x.o: \"quoted\"\nand a newline");
}

static void doc_text_in_place(struct out *o)
{
	out_object_begin(o, NULL, NULL);
	out_str(o, "first", NULL, "1");
	out_printf(o, "free text %d\n", 42);
	out_str(o, "last", NULL, "2");
	out_object_end(o);
}

static void test_document(void)
{
	char *s = render(true, doc_u64);

	CHECK_STR(s, "{\"big\":9007199254740993,\"max\":18446744073709551615,\"neg\":-5,"
		  "\"addr\":\"0xffffffff81000000\",\"ok\":true,\"none\":null}\n");
	free(s);
	s = render(false, doc_table);
	CHECK_STR(s, "NAME     SIZE  WHERE\n"
		  "a           5  /x\n"
		  "longer  12345  /y\n");
	free(s);
	s = render(true, doc_error);
	CHECK_STR(s, "{\"error\":\"x.o: \\\"quoted\\\"\\nand a newline\"}\n");
	free(s);
	s = render(false, doc_error);
	CHECK_STR(s, "");
	free(s);
	s = render(false, doc_text_in_place);
	CHECK_STR(s, "first: 1\nfree text 42\nlast:  2\n");
	free(s);
}

static const char *escape_input;

static void doc_one_string(struct out *o)
{
	out_object_begin(o, NULL, NULL);
	out_str(o, "s", NULL, escape_input);
	out_object_end(o);
}

/* What a JSON string decodes to, through cJSON's parser. */
static char *decoded(const char *json)
{
	cJSON *v = cJSON_Parse(json);
	char *s = v && cJSON_IsString(v) ? strdup(v->valuestring) : NULL;

	cJSON_Delete(v);
	return s;
}

/* One policy (include/jsonw.h) whichever way a string is written: the trace line writer,
 * the streaming writer and cJSON documents decode to the same value for every byte. */
static void test_json_escaping(void)
{
	char in[300], *stream = NULL, *doc;
	size_t n = 0, len = 0;

	for (int c = 1; c < 256; c++)
		in[n++] = (char)c;
	in[n] = '\0';
	for (size_t start = 0; start < n; start += 37) {
		struct linebuf l = { 0 };
		struct bk_jsonw *w = malloc(sizeof(*w));
		FILE *f = open_memstream(&stream, &len);
		char *a, *b, *c;
		cJSON *d;

		bk_jw_init(w, f);
		bk_jw_str(w, in + start);
		bk_jw_flush(w);
		fclose(f);
		free(w);
		lb_json_str(&l, in + start);
		escape_input = in + start;
		doc = render(true, doc_one_string);
		d = cJSON_Parse(doc);
		a = decoded(lb_end(&l));
		b = decoded(stream);
		c = d ? strdup(cJSON_GetObjectItem(d, "s")->valuestring) : NULL;
		CHECK(a && b && c && !strcmp(a, b) && !strcmp(b, c), "bytes from %zu decode alike", start);
		CHECK_STR(lb_end(&l), stream);
		free(a);
		free(b);
		free(c);
		free(doc);
		free(stream);
		cJSON_Delete(d);
		stream = NULL;
	}
	{
		struct linebuf l = { 0 };

		lb_json_str(&l, "a\xff" "b\x7f\xc3\xa9\n\"");
		CHECK_STR(lb_end(&l), "\"a\\ufffdb\\u007f\xc3\xa9\\n\\\"\"");
	}
	escape_input = "bad \xc3 byte";
	doc = render(true, doc_one_string);
	CHECK(doc && strstr(doc, "\"bad \xef\xbf\xbd byte\""), "cJSON path repairs: %s", doc);
	free(doc);
}

/*
 * lb_json_strn copies plain bytes itself and hands the rest to the escaper: every byte that
 * needs an escape, anywhere in the string, must come out as the one escaping policy has it.
 */
static void test_linebuf_json_handover(void)
{
	static const unsigned char special[] = { '"', '\\', 0x01, 0x1f, 0x7f, 0x80, 0xc3, 0xff, '\n' };
	static const unsigned char plain[] = { ' ', '~', '!', '[' };	/* the edges of plain */

	for (size_t k = 0; k < sizeof(special) + sizeof(plain); k++) {
		for (size_t pos = 0; pos < 20; pos++) {
			char in[24], *stream = NULL;
			size_t len = 0;
			struct linebuf l = { 0 };
			struct bk_jsonw *w = malloc(sizeof(*w));
			FILE *f = open_memstream(&stream, &len);

			memset(in, 'a', sizeof(in) - 1);
			in[sizeof(in) - 1] = '\0';
			in[pos] = (char)(k < sizeof(special) ? special[k] : plain[k - sizeof(special)]);
			bk_jw_init(w, f);
			bk_jw_str(w, in);
			bk_jw_flush(w);
			fclose(f);
			free(w);
			lb_json_str(&l, in);
			CHECK(!strcmp(lb_end(&l), stream), "byte 0x%02x at %zu: %s, not %s",
			      (unsigned char)in[pos], pos, l.b, stream);
			free(stream);
		}
	}
	{
		struct linebuf l = { 0 };
		const char rec[12] = "abcdefghijkl";	/* no NUL: the bound ends it */

		lb_json_strn(&l, rec, 10);
		CHECK_STR(lb_end(&l), "\"abcdefghij\"");
		l.n = 0;
		lb_json_strn(&l, "ab\0cdefghijklmnop", 18);	/* a NUL before the bound ends it */
		CHECK_STR(lb_end(&l), "\"ab\"");
		l.n = 0;
		lb_strn(&l, rec, 3, 5);
		CHECK_STR(lb_end(&l), "abc  ");
	}
	{
		/* near the end of the buffer: cut, never overrun */
		struct linebuf l = { 0 };

		memset(l.b, 'x', sizeof(l.b));
		l.n = sizeof(l.b) - 12;
		lb_json_str(&l, "0123456789abcdefghijklmnopqrstuvwxyz");
		CHECK(l.n == sizeof(l.b) - 1, "length %zu", l.n);
		CHECK(!memcmp(l.b + sizeof(l.b) - 12, "\"0123456789", 11), "cut: %.11s",
		      l.b + sizeof(l.b) - 12);
	}
}

static void test_linebuf_text(void)
{
	struct linebuf l = { 0 };

	lb_u64(&l, 42, 5);
	lb_lit(&l, "|");
	lb_s64_right(&l, -1, 4);
	lb_lit(&l, "|");
	lb_str(&l, "ab", 3);
	lb_lit(&l, "|");
	CHECK_STR(lb_end(&l), "42   |  -1|ab |");

	/* control bytes of a string are shown as '?', not sent to the terminal */
	l.n = 0;
	lb_strn(&l, "a\nb\033[2Jc\177d\te", 64, 0);
	CHECK_STR(lb_end(&l), "a?b?[2Jc?d?e");

	/* a line longer than the buffer is cut, not overrun */
	l.n = 0;
	for (int i = 0; i < 5000; i++)
		lb_lit(&l, "x");
	CHECK(strlen(lb_end(&l)) == sizeof(l.b) - 1, "length %zu", strlen(l.b));
}

/* Decimal digits against printf's, at every boundary of the two-digits-per-step loop. */
static void test_u64_digits(void)
{
	static const unsigned long long v[] = { 0, 7, 9, 10, 42, 99, 100, 101, 999, 1000, 65535,
						 123456789, 4294967296ULL, 10000000000000000000ULL,
						 18446744073709551615ULL };
	char tmp[24], want[32];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *p = bk_u64_digits(tmp, v[i]);

		snprintf(want, sizeof(want), "%llu", v[i]);
		CHECK((size_t)(tmp + 24 - p) == strlen(want) && !memcmp(p, want, strlen(want)),
		      "%s: got '%.*s'", want, (int)(tmp + 24 - p), p);
	}
}

int main(void)
{
	test_document();
	test_u64_digits();
	test_json_escaping();
	test_linebuf_json_handover();
	test_linebuf_text();
	UNIT_DONE();
}
