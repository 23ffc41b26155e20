/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Values through BTF (inspect/btf_fmt.c) against the kmaps fixture's types, and the
 * streaming JSON writer (cli/jsonw.c) against cJSON: same escaping, same pretty layout.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <cjson/cJSON.h>

#include "btf_fmt.h"
#include "objrefs.h"
#include "jsonstream.h"
#include "jsonw.h"
#include "unit.h"

static struct btf *btf;

static uint32_t type_id(const char *name, int kind)
{
	int id = btf__find_by_name_kind(btf, name, kind);

	CHECK(id > 0, "no %s in kmaps.bpf.o", name);
	return id > 0 ? (uint32_t)id : 0;
}

struct collect {
	char text[1024];
};

static void leaf(void *ctx, const char *path, const struct bk_leaf *l)
{
	struct collect *c = ctx;
	size_t n = strlen(c->text);
	char *p = c->text + n;
	size_t room = sizeof(c->text) - n;

	switch (l->kind) {
	case BK_LEAF_UINT: snprintf(p, room, "%s=%llu ", path, (unsigned long long)l->u); break;
	case BK_LEAF_SINT: snprintf(p, room, "%s=%lld ", path, (long long)l->s); break;
	case BK_LEAF_BOOL: snprintf(p, room, "%s=%s ", path, l->u ? "true" : "false"); break;
	case BK_LEAF_ENUM: snprintf(p, room, "%s=%s ", path, l->str ? l->str : "?"); break;
	case BK_LEAF_STR: snprintf(p, room, "%s=\"%.*s\" ", path, (int)l->len, l->str); break;
	default: snprintf(p, room, "%s=? ", path); break;
	}
}

static char *leaves(uint32_t id, const void *data, size_t size)
{
	static struct collect c;
	struct errmsg err = { 0 };

	memset(&c, 0, sizeof(c));
	CHECK(bk_btf_leaves(btf, id, data, size, leaf, &c, &err) == 0, "walk: %s", err.msg);
	return c.text;
}

static void test_fields_round_trip(void)
{
	uint32_t key = type_id("flow_key", BTF_KIND_STRUCT);
	uint32_t val = type_id("flow_val", BTF_KIND_STRUCT);
	unsigned char kb[16], vb[56];
	char *kargs[] = { "uid=1000", "comm=ab", "port=80", "proto=6" };
	char *vargs[] = { "packets=0x10", "state=ST_CLOSED", "active=true", "delta=-2",
			  "label=hi", "where.y=-7", "hist[1]=5" };
	struct errmsg err = { 0 };

	if (!key || !val)
		return;
	CHECK(bk_btf_parse(btf, key, 4, kargs, kb, sizeof(kb), "key", &err) == 0, "%s", err.msg);
	CHECK_STR(leaves(key, kb, sizeof(kb)), "uid=1000 comm=\"ab\" port=80 proto=6 ");
	CHECK(bk_btf_parse(btf, val, 7, vargs, vb, sizeof(vb), "value", &err) == 0, "%s", err.msg);
	CHECK_STR(leaves(val, vb, sizeof(vb)),
		  "packets=16 bytes=0 state=ST_CLOSED active=true delta=-2 label=\"hi\" "
		  "where.x=0 where.y=-7 hist[0]=0 hist[1]=5 hist[2]=0 ");
}

static void expect_error(uint32_t id, size_t size, char *arg, const char *want);

static void test_bitfields(void)
{
	uint32_t id = type_id("bitrec", BTF_KIND_STRUCT);
	char *args[] = { "lo=5", "mid=17", "neg=-3", "st=ST_CLOSED", "tail=65535" };
	unsigned char b[8];
	struct errmsg err = { 0 };

	if (!id)
		return;
	CHECK(bk_btf_parse(btf, id, 5, args, b, sizeof(b), "value", &err) == 0, "%s", err.msg);
	CHECK_STR(leaves(id, b, sizeof(b)), "lo=5 mid=17 neg=-3 st=ST_CLOSED tail=65535 ");
	expect_error(id, sizeof(b), "lo=8", "lo: '8' does not fit __u32: 0..7");
	expect_error(id, sizeof(b), "neg=-9", "neg: '-9' does not fit __s32: -8..7");
}

static void test_big_numbers(void)
{
	uint32_t id = type_id("flow_val", BTF_KIND_STRUCT);
	char *ok[] = { "{\"packets\": \"18446744073709551615\"}" };
	char *big[] = { "{\"packets\": 1e30}" };
	unsigned char b[56];
	struct errmsg err = { 0 };

	if (!id)
		return;
	CHECK(bk_btf_parse(btf, id, 1, ok, b, sizeof(b), "value", &err) == 0, "%s", err.msg);
	CHECK(strncmp(leaves(id, b, sizeof(b)), "packets=18446744073709551615 ", 29) == 0,
	      "u64 max from a JSON string");
	CHECK(bk_btf_parse(btf, id, 1, big, b, sizeof(b), "value", &err) == -EINVAL,
	      "1e30 accepted for __u64");
}

static void test_json_input(void)
{
	uint32_t val = type_id("flow_val", BTF_KIND_STRUCT);
	char *args[] = { "{\"bytes\": 9, \"state\": 1, \"where\": {\"x\": 3}, \"hist\": [4, 5]}" };
	unsigned char vb[56];
	struct errmsg err = { 0 };

	if (!val)
		return;
	CHECK(bk_btf_parse(btf, val, 1, args, vb, sizeof(vb), "value", &err) == 0, "%s", err.msg);
	CHECK_STR(leaves(val, vb, sizeof(vb)),
		  "packets=0 bytes=9 state=ST_OPEN active=false delta=0 label=\"\" "
		  "where.x=3 where.y=0 hist[0]=4 hist[1]=5 hist[2]=0 ");
}

static void expect_error(uint32_t id, size_t size, char *arg, const char *want)
{
	unsigned char buf[64];
	struct errmsg err = { 0 };
	char *args[] = { arg };

	CHECK(bk_btf_parse(btf, id, 1, args, buf, size, "value", &err) == -EINVAL,
	      "'%s' accepted", arg);
	CHECK(strstr(err.msg, want) != NULL, "'%s': message '%s' lacks '%s'", arg, err.msg, want);
}

static void test_errors_name_field_and_type(void)
{
	uint32_t val = type_id("flow_val", BTF_KIND_STRUCT);
	uint32_t key = type_id("flow_key", BTF_KIND_STRUCT);

	if (!val || !key)
		return;
	expect_error(val, 56, "packetz=1", "no field 'packetz' in struct flow_val");
	expect_error(val, 56, "delta=40000", "delta: '40000' does not fit __s16: -32768..32767");
	expect_error(val, 56, "active=maybe", "active: 'maybe' does not fit bool");
	expect_error(val, 56, "state=ST_X", "not a name (ST_IDLE, ST_OPEN, ST_CLOSED)");
	expect_error(val, 56, "hist[3]=1", "index 3 is past __u32[3]");
	expect_error(val, 56, "where.z=1", "no field 'z' in struct point");
	expect_error(key, 16, "proto=256", "proto: '256' does not fit __u8: 0..255");
	expect_error(key, 16, "comm=12345678", "7 characters at most");
	expect_error(key, 16, "{\"uid\": \"x\"}", "uid: 'x' does not fit __u32");
	expect_error(key, 16, "7", "give FIELD=VALUE pairs or JSON");
}

static void test_bytes_without_btf(void)
{
	unsigned char b[8];
	struct errmsg err = { 0 };
	char *hex[] = { "hex", "0a", "ff", "00", "01" };
	char *num[] = { "-2" };
	char *bad[] = { "1", "2" };

	CHECK(bk_bytes_parse(5, hex, b, 4, "key", &err) == 0, "%s", err.msg);
	CHECK(b[0] == 0x0a && b[1] == 0xff && b[3] == 1, "hex bytes");
	CHECK(bk_bytes_parse(1, num, b, 2, "key", &err) == 0, "%s", err.msg);
	CHECK(b[0] == 0xfe && b[1] == 0xff, "-2 as a 2-byte integer");
	CHECK(bk_bytes_parse(2, bad, b, 4, "key", &err) == -EINVAL, "2 bytes for 4");
}

/*
 * Inputs the fuzzer (tests/fuzz/fuzz_btf_fmt.c, same input layout: one byte n, n bytes of
 * data, raw BTF) once crashed on: each must now walk and parse to clean errors. Under
 * SANITIZE=1 a regression is an ASan/UBSan abort.
 */
static void replay(const unsigned char *in, size_t size)
{
	static char *form[] = { "{\"a\":[1,2],\"b\":{\"c\":\"x\"}}" };
	unsigned char page[4096], out[4096];
	struct errmsg err = { 0 };
	struct btf *b;
	size_t n = in[0], touched = 0;

	for (size_t i = 0; i < sizeof(page); i++)
		page[i] = n ? in[1 + i % n] : 0;
	b = btf__new(in + 1 + n, size - 1 - n);
	if (!b)
		return;
	for (uint32_t id = 1; id < btf__type_cnt(b) && id < 256; id++) {
		char name[128];
		struct collect c = { "" };

		bk_btf_leaves(b, id, page, sizeof(page), leaf, &c, &err);
		touched += strlen(c.text);
		bk_btf_type_name_buf(b, id, name, sizeof(name));
		bk_btf_parse(b, id, 1, form, out, sizeof(out), "value", &err);
	}
	btf__free(b);
	(void)touched;
}

static void test_fuzz_regressions(void)
{
	static const char *names[] = { "type-name-pointer-loop.bin", "anon-member-loop.bin",
				       "member-outside-struct.bin" };
	char dir[4096], path[4200];
	const char *slash = strrchr(__FILE__, '/');

	/* tests/unit/test_btf_fmt.c -> tests/fuzz/regress-btf-fmt, from the source tree */
	snprintf(dir, sizeof(dir), "%.*s/../fuzz/regress-btf-fmt",
		 slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		unsigned char buf[65536];
		size_t n;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		f = fopen(path, "rb");
		if (!f) {
			SKIP("%s: not found (run from the source tree)", path);
			continue;
		}
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		CHECK(n > 1 && n > 1u + buf[0], "%s: too short", names[i]);
		if (n > 1 && n > 1u + buf[0])
			replay(buf, n);	/* a crash here is the failure (the runner counts it) */
	}
}

/* The structured writer indents as cJSON_Print does (ASCII: byte for byte), and decodes
 * every byte as a cJSON document does under the one escaping policy (jsonw.h). */
static void test_jsonw_matches_cjson(void)
{
	char in[300], all[300], *buf = NULL, *want, *fixed;
	size_t n = 0, len = 0;
	FILE *f;
	struct jw w;
	cJSON *doc, *arr, *got;
	bool oom;

	for (int c = 1; c < 256; c++)
		all[c - 1] = (char)c;
	all[255] = '\0';
	f = open_memstream(&buf, &len);
	jw_init(&w, f, JW_COMPACT);
	jw_str(&w, NULL, all);
	fclose(f);
	got = cJSON_Parse(buf);
	fixed = bk_json_repair(all, &oom);
	CHECK(got && cJSON_IsString(got) && fixed && !strcmp(got->valuestring, fixed),
	      "every byte decodes as the repaired string");
	cJSON_Delete(got);
	free(fixed);
	free(buf);
	buf = NULL;
	for (int c = 1; c < 0x7f; c++)	/* what cJSON and the policy write alike */
		in[n++] = (char)c;
	in[n] = '\0';
	f = open_memstream(&buf, &len);
	jw_init(&w, f, JW_PRETTY);
	jw_obj_begin(&w, NULL);
	jw_str(&w, "s", in);
	jw_arr_begin(&w, "a");
	jw_u64(&w, NULL, 1);
	jw_s64(&w, NULL, -2);
	jw_double(&w, NULL, 76.6);
	jw_double(&w, NULL, 0.1 + 0.2);
	jw_arr_end(&w);
	jw_obj_begin(&w, "o");
	jw_bool(&w, "t", true);
	jw_null(&w, "n");
	jw_obj_end(&w);
	jw_obj_end(&w);
	fclose(f);
	doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "s", in);
	arr = cJSON_AddArrayToObject(doc, "a");
	cJSON_AddItemToArray(arr, cJSON_CreateNumber(1));
	cJSON_AddItemToArray(arr, cJSON_CreateNumber(-2));
	cJSON_AddItemToArray(arr, cJSON_CreateNumber(76.6));
	cJSON_AddItemToArray(arr, cJSON_CreateNumber(0.1 + 0.2));
	arr = cJSON_AddObjectToObject(doc, "o");
	cJSON_AddTrueToObject(arr, "t");
	cJSON_AddNullToObject(arr, "n");
	want = cJSON_Print(doc);
	CHECK_STR(buf, want);
	free(want);
	free(buf);
	cJSON_Delete(doc);
}

/* Enums narrower than 4 bytes with negative values, and 64-bit ones: named, not numbered
 * (a 2-byte -3 is 0xfffd in memory, 0xfffffffd in BTF). */
static void test_enums_of_any_size_by_name(void)
{
	struct btf *b = btf__new_empty();
	const unsigned char low16[] = { 0xfd, 0xff }, odd16[] = { 0x05, 0x00 };
	const unsigned char top64[] = { 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
	struct btf *saved = btf;
	int e16, e64;

	CHECK(b != NULL, "btf__new_empty");
	if (!b)
		return;
	e16 = btf__add_enum(b, "prio16", 2);
	btf__add_enum_value(b, "PRIO_LOW", -3);
	btf__add_enum_value(b, "PRIO_HIGH", 300);
	e64 = btf__add_enum64(b, "wide", 8, false);
	btf__add_enum64_value(b, "WIDE_TOP", 0xffffffff00000000ull);
	CHECK(e16 > 0 && e64 > 0, "building the enums");
	btf = b;
	CHECK_STR(leaves(e16, low16, sizeof(low16)), "=PRIO_LOW ");
	CHECK_STR(leaves(e16, odd16, sizeof(odd16)), "=? ");
	CHECK_STR(leaves(e64, top64, sizeof(top64)), "=WIDE_TOP ");
	btf = saved;
	btf__free(b);
}

int main(int argc, char **argv)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/kmaps.bpf.o", argc > 1 ? argv[1] : "build/fixtures");
	btf = btf__parse_elf(path, NULL);
	CHECK(btf != NULL, "cannot read BTF of %s", path);
	if (btf) {
		test_fields_round_trip();
		test_json_input();
		test_errors_name_field_and_type();
		test_bitfields();
		test_big_numbers();
	}
	test_enums_of_any_size_by_name();
	test_bytes_without_btf();
	test_jsonw_matches_cjson();
	test_fuzz_regressions();
	btf__free(btf);
	UNIT_DONE();
}
