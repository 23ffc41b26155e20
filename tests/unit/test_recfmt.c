/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Records through a compiled plan (kern/recfmt.c): every kind of member in text and JSON,
 * records cut short at each kind of boundary, and arrays of structs (a plan's loop).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "recfmt.h"
#include "unit.h"

struct inner {
	unsigned short a;
	short b;
};

struct rec {
	int n;
	char name[8];
	int col;			/* enum color */
	struct inner in2[2];
	double d;
	int *ptr;
	_Bool ok;
	unsigned char bits;		/* lo:3, hi:5 */
	unsigned char pad[2];
	union { int i; unsigned char c; } u;
	int tail;
	int pad2;
};

static struct btf *btf;
static int rec_id;

/* The BTF clang would emit for struct rec (the union is an anonymous member). */
static void build(void)
{
	int i32, u8, ch, chars, color, u16, s16, inner, inners, dbl, ptr, bl, u32, un;

	btf = btf__new_empty();
	i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	u8 = btf__add_int(btf, "unsigned char", 1, 0);
	ch = btf__add_int(btf, "char", 1, BTF_INT_SIGNED);
	chars = btf__add_array(btf, i32, ch, 8);
	color = btf__add_enum(btf, "color", 4);
	btf__add_enum_value(btf, "RED", 0);
	btf__add_enum_value(btf, "BLUE", -1);
	u16 = btf__add_int(btf, "unsigned short", 2, 0);
	s16 = btf__add_int(btf, "short", 2, BTF_INT_SIGNED);
	inner = btf__add_struct(btf, "inner", 4);
	btf__add_field(btf, "a", u16, 0, 0);
	btf__add_field(btf, "b", s16, 16, 0);
	inners = btf__add_array(btf, i32, inner, 2);
	dbl = btf__add_float(btf, "double", 8);
	ptr = btf__add_ptr(btf, i32);
	bl = btf__add_int(btf, "_Bool", 1, BTF_INT_BOOL);
	u32 = btf__add_int(btf, "unsigned int", 4, 0);
	un = btf__add_union(btf, NULL, 4);
	btf__add_field(btf, "i", i32, 0, 0);
	btf__add_field(btf, "c", u8, 0, 0);
	rec_id = btf__add_struct(btf, "rec", sizeof(struct rec));
	btf__add_field(btf, "n", i32, 0, 0);
	btf__add_field(btf, "name", chars, 32, 0);
	btf__add_field(btf, "col", color, 96, 0);
	btf__add_field(btf, "in2", inners, 128, 0);
	btf__add_field(btf, "d", dbl, 192, 0);
	btf__add_field(btf, "ptr", ptr, 256, 0);
	btf__add_field(btf, "ok", bl, 320, 0);
	btf__add_field(btf, "lo", u32, 328, 3);
	btf__add_field(btf, "hi", u32, 331, 5);
	btf__add_field(btf, NULL, un, 352, 0);
	btf__add_field(btf, "tail", i32, 384, 0);
	CHECK(rec_id > 0, "building BTF failed: %d", rec_id);
}

static void sample(struct rec *r)
{
	memset(r, 0, sizeof(*r));
	r->n = -5;
	memcpy(r->name, "a\"b\n", 4);
	r->col = -1;
	r->in2[0] = (struct inner){ 1, -2 };
	r->in2[1] = (struct inner){ 3, -4 };
	r->d = 1.5;
	r->ptr = (int *)0x1000;
	r->ok = 1;
	r->bits = 5 | 17 << 3;
	r->u.i = 65;
	r->tail = 7;
}

static char *render(bool json, const void *data, size_t size)
{
	static struct kbuf b;
	struct recfmt *f;
	struct errmsg err = { 0 };

	b.len = 0;
	if (b.p)
		b.p[0] = '\0';
	CHECK(recfmt_new(btf, (uint32_t)rec_id, json, &f, &err) == 0, "compile: %s", err.msg);
	if (!f)
		return "";
	recfmt_render(f, data, size, &b);
	recfmt_free(f);
	return b.p ? b.p : "";
}

/* CHECK_STR evaluates its argument more than once: render first. */
#define CHECK_RENDER(json, data, size, want)                                    \
	do {                                                                    \
		const char *got_ = render(json, data, size);                     \
		CHECK_STR(got_, want);                                          \
	} while (0)

static void test_every_kind(void)
{
	struct rec r;

	sample(&r);
	CHECK_RENDER(false, &r, sizeof(r),
		  "n=-5 name=\"a\\\"b\\n\" col=\"BLUE\" in2=[{a=1 b=-2},{a=3 b=-4}] d=1.5 "
		  "ptr=0x1000 ok=true lo=5 hi=17 _anon={i=65 c=65} tail=7");
	CHECK_RENDER(true, &r, sizeof(r),
		  "\"n\":-5,\"name\":\"a\\\"b\\n\",\"col\":\"BLUE\",\"in2\":[{\"a\":1,\"b\":-2},"
		  "{\"a\":3,\"b\":-4}],\"d\":1.5,\"ptr\":4096,\"ok\":true,\"lo\":5,\"hi\":17,"
		  "\"_anon\":{\"i\":65,\"c\":65},\"tail\":7");
}

/* Floats: the digits that read back; JSON has no NaN or infinity: null. */
static void test_floats(void)
{
	static const struct { double d; const char *text, *json; } v[] = {
		{ 0.1, "d=0.10000000000000001 ", "\"d\":0.10000000000000001," },
		{ NAN, "d=nan ", "\"d\":null," },
		{ INFINITY, "d=inf ", "\"d\":null," },
		{ -INFINITY, "d=-inf ", "\"d\":null," },
	};
	struct rec r;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		const char *got;

		sample(&r);
		r.d = v[i].d;
		got = render(false, &r, sizeof(r));
		CHECK(strstr(got, v[i].text), "text %zu: %s", i, got);
		got = render(true, &r, sizeof(r));
		CHECK(strstr(got, v[i].json), "json %zu: %s", i, got);
	}
}

/* A short record: members it holds whole, null for the one it cuts, nothing after. */
static void test_short_records(void)
{
	struct rec r;

	sample(&r);
	r.col = 0;
	CHECK_RENDER(true, &r, 30, "\"n\":-5,\"name\":\"a\\\"b\\n\",\"col\":\"RED\","
					"\"in2\":[{\"a\":1,\"b\":-2},{\"a\":3,\"b\":-4}],\"d\":null");
	CHECK_RENDER(false, &r, 10, "n=-5 name=null");
	/* the bitfields' byte is there; the union after it is not */
	CHECK_RENDER(false, &r, 42, "n=-5 name=\"a\\\"b\\n\" col=\"RED\" "
					 "in2=[{a=1 b=-2},{a=3 b=-4}] d=1.5 ptr=0x1000 ok=true lo=5 hi=17");
	CHECK_RENDER(true, &r, 0, "");
}

/* kbuf_qstr copies plain bytes itself: bounded by max, ended by a NUL, handing over to the
 * escaper at the first other byte, and growing the buffer when max bytes would not fit. */
static void test_qstr(void)
{
	struct kbuf b = { 0 };
	char fill[4090];

	kbuf_qstr(&b, "abcdefghij", 8);
	CHECK_STR(b.p, "\"abcdefgh\"");
	b.len = 0;
	kbuf_qstr(&b, "ab\0cd", 5);
	CHECK_STR(b.p, "\"ab\"");
	b.len = 0;
	kbuf_qstr(&b, "x\xc3\xa9y\xffz\t", 16);
	CHECK_STR(b.p, "\"x\xc3\xa9y\\ufffdz\\t\"");
	b.len = 0;
	memset(fill, '.', sizeof(fill));
	kbuf_put(&b, fill, sizeof(fill));
	kbuf_qstr(&b, "0123456789", 10);
	CHECK(b.len == sizeof(fill) + 12 && !strcmp(b.p + sizeof(fill), "\"0123456789\""),
	      "near the end: %zu bytes, '%s'", b.len, b.p + sizeof(fill));
	/* at the fast path's limit: room for max bytes and the NUL, one byte less, one more */
	kbuf_free(&b);
	for (size_t room = 9; room <= 12; room++) {
		size_t at = 4096 - 1 - room;	/* the first buffer is 4096 bytes; 1 for the quote */
		struct kbuf c = { 0 };

		kbuf_put(&c, fill, at);
		CHECK(c.cap == 4096, "capacity %zu", c.cap);
		kbuf_qstr(&c, "0123456789", 10);
		CHECK(c.len == at + 12 && !strcmp(c.p + at, "\"0123456789\""),
		      "room %zu: %zu bytes, '%s'", room, c.len, c.p + at);
		kbuf_free(&c);
	}
}

int main(void)
{
	build();
	test_every_kind();
	test_floats();
	test_short_records();
	test_qstr();
	btf__free(btf);
	UNIT_DONE();
}
