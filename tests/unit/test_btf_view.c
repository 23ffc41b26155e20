/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * inspect/btf_view.c on BTF built with libbpf's btf__add_*(): layouts and holes, glob and
 * kind names, lookups, type closures, the raw/JSON formats, cycle and range checks, split
 * BTF and error messages; then on a compiled fixture and on the kernel's BTF.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <cjson/cJSON.h>

#include "btf_view.h"
#include "unit.h"

/* Everything a FILE * received, as a string (caller frees). */
struct capture {
	char *buf;
	size_t len;
	FILE *f;
};

static void cap_open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
}

static char *cap_close(struct capture *c)
{
	fclose(c->f);
	return c->buf;
}

/*
 * struct s {			size 32
 *	char a;			0
 *	(3 bytes hole)
 *	int b;			4
 *	int c:3;		8, bit 0
 *	(61 bits hole)
 *	long d;			16
 *	(8 bytes padding)
 * };
 * union u { int x; long y; };	size 8
 * typedef struct s *sp_t;
 */
struct ids {
	int i_int, i_char, i_long, s, u, ptr, td;
};

static struct btf *build_sample(struct ids *ids)
{
	struct btf *btf = btf__new_empty();

	ids->i_int = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	ids->i_char = btf__add_int(btf, "char", 1, 0);
	ids->i_long = btf__add_int(btf, "long", 8, BTF_INT_SIGNED);
	ids->s = btf__add_struct(btf, "s", 32);
	btf__add_field(btf, "a", ids->i_char, 0, 0);
	btf__add_field(btf, "b", ids->i_int, 32, 0);
	btf__add_field(btf, "c", ids->i_int, 64, 3);
	btf__add_field(btf, "d", ids->i_long, 128, 0);
	ids->u = btf__add_union(btf, "u", 8);
	btf__add_field(btf, "x", ids->i_int, 0, 0);
	btf__add_field(btf, "y", ids->i_long, 0, 0);
	ids->ptr = btf__add_ptr(btf, ids->s);
	ids->td = btf__add_typedef(btf, "sp_t", ids->ptr);
	return btf;
}

static void test_layout(void)
{
	struct errmsg err = { 0 };
	struct bk_btf_layout l;
	struct bk_btf b;
	struct ids ids;
	int ret;

	ret = bk_btf__adopt(&b, build_sample(&ids), NULL, &err);
	CHECK(ret == 0 && b.checked, "adopt: %d %s", ret, err.msg);

	ret = bk_btf_layout(&b, ids.s, &l, &err);
	CHECK(ret == 0, "layout: %s", err.msg);
	if (ret)
		goto out;
	CHECK(l.size == 32 && l.nr_members == 4, "size %u members %u", l.size, l.nr_members);
	CHECK_STR(l.name, "s");
	CHECK_STR(l.members[0].decl, "char a");
	CHECK_STR(l.members[0].type, "char");
	CHECK(l.members[1].bit_offset == 32 && l.members[1].size == 4, "b at %u size %u",
	      l.members[1].bit_offset, l.members[1].size);
	CHECK(l.members[2].bit_size == 3 && l.members[2].bit_offset == 64, "c: %u bits at %u",
	      l.members[2].bit_size, l.members[2].bit_offset);
	CHECK(l.nr_holes == 2, "holes %u", l.nr_holes);
	if (l.nr_holes == 2) {
		CHECK(l.holes[0].before == 1 && l.holes[0].bit_offset == 8 &&
		      l.holes[0].bits == 24, "hole 0: before %u at %u, %u bits",
		      l.holes[0].before, l.holes[0].bit_offset, l.holes[0].bits);
		CHECK(l.holes[1].before == 3 && l.holes[1].bit_offset == 67 &&
		      l.holes[1].bits == 61, "hole 1: before %u at %u, %u bits",
		      l.holes[1].before, l.holes[1].bit_offset, l.holes[1].bits);
	}
	CHECK(l.hole_bits == 85, "sum of holes %llu bits", (unsigned long long)l.hole_bits);
	CHECK(l.padding_bits == 64, "padding %llu bits", (unsigned long long)l.padding_bits);
	CHECK(l.member_bytes == 13, "member bytes %llu", (unsigned long long)l.member_bytes);
	bk_btf_layout_free(&l);

	ret = bk_btf_layout(&b, ids.u, &l, &err);
	CHECK(ret == 0 && l.nr_holes == 0 && l.padding_bits == 0 && l.nr_members == 2,
	      "union: ret %d holes %u padding %llu", ret, l.nr_holes,
	      (unsigned long long)l.padding_bits);
	bk_btf_layout_free(&l);

	ret = bk_btf_layout(&b, ids.i_int, &l, &err);
	CHECK(ret == -EINVAL, "layout of an int: %d", ret);
	ret = bk_btf_layout(&b, 9999, &l, &err);
	CHECK(ret == -EINVAL, "layout of a bad id: %d", ret);

	CHECK(bk_btf_find_composite(&b, "s", &err) == ids.s, "find s");
	CHECK(bk_btf_find_composite(&b, "struct s", &err) == ids.s, "find struct s");
	CHECK(bk_btf_find_composite(&b, "union s", &err) == 0, "union s is not there");
	CHECK(bk_btf_find_composite(&b, "union u", &err) == ids.u, "find union u");
	CHECK(bk_btf_find_composite(&b, "int", &err) == 0, "int is no composite");
	CHECK(bk_btf_find_composite(&b, "sp_t", &err) == 0, "a typedef of a pointer is none");
out:
	bk_btf__close(&b);
}

static void test_names(void)
{
	CHECK(bk_btf_glob("list_*", "list_head"), "list_*");
	CHECK(bk_btf_glob("*_head", "list_head"), "*_head");
	CHECK(bk_btf_glob("task?", "tasks"), "task?");
	CHECK(bk_btf_glob("task_struct", "task_struct"), "literal");
	CHECK(!bk_btf_glob("[ab]x", "cx"), "[ab]x vs cx");
	CHECK(!bk_btf_glob("list_*", "hlist_head"), "anchored at the start");
	CHECK(bk_btf_kind_parse("struct") == BTF_KIND_STRUCT, "struct");
	CHECK(bk_btf_kind_parse("STRUCT") == BTF_KIND_STRUCT, "STRUCT");
	CHECK(bk_btf_kind_parse("enum64") == BTF_KIND_ENUM64, "enum64");
	CHECK(bk_btf_kind_parse("func_proto") == BTF_KIND_FUNC_PROTO, "func_proto");
	CHECK(bk_btf_kind_parse("bogus") == -1, "bogus");
	CHECK_STR(bk_btf_kind_str(BTF_KIND_DECL_TAG), "DECL_TAG");
	CHECK_STR(bk_btf_kind_str(200), "UNKN");
}

static bool has_id(const __u32 *ids, size_t n, __u32 id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static void test_find_closure(void)
{
	struct errmsg err = { 0 };
	struct bk_btf b;
	struct ids ids;
	__u32 *v;
	size_t n;
	int ret;

	bk_btf__adopt(&b, build_sample(&ids), NULL, &err);
	ret = bk_btf_find(&b, "int", &v, &n, &err);
	CHECK(ret == 0 && n == 1 && v[0] == (__u32)ids.i_int, "find int: %d %zu", ret, n);
	free(v);
	ret = bk_btf_find(&b, "struct int", &v, &n, &err);
	CHECK(ret == 0 && n == 0, "struct int: %zu", n);
	free(v);
	ret = bk_btf_find(&b, "typedef sp_t", &v, &n, &err);
	CHECK(ret == 0 && n == 1 && v[0] == (__u32)ids.td, "typedef sp_t");
	free(v);

	__u32 root = ids.td;

	ret = bk_btf_closure(&b, &root, 1, &v, &n, &err);
	CHECK(ret == 0 && n == 6, "closure of sp_t: %d, %zu types", ret, n);
	if (!ret) {
		CHECK(has_id(v, n, ids.td) && has_id(v, n, ids.ptr) && has_id(v, n, ids.s) &&
		      has_id(v, n, ids.i_char) && has_id(v, n, ids.i_int) &&
		      has_id(v, n, ids.i_long), "closure members");
		CHECK(!has_id(v, n, ids.u), "union not in the closure");
		for (size_t i = 1; i < n; i++)
			CHECK(v[i - 1] < v[i], "sorted");
	}
	free(v);
	bk_btf__close(&b);
}

static void test_formats(void)
{
	struct errmsg err = { 0 };
	struct capture c;
	struct bk_btf b;
	struct ids ids;
	char *s;
	cJSON *doc, *types, *t;

	bk_btf__adopt(&b, build_sample(&ids), NULL, &err);
	cap_open(&c);
	CHECK(bk_btf_dump_raw(&b, NULL, 0, BK_BTF_FMT_RAW, c.f, &err) == 0, "raw: %s", err.msg);
	s = cap_close(&c);
	CHECK(strstr(s, "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n") == s,
	      "first line: %.80s", s);
	CHECK(strstr(s, "[4] STRUCT 's' size=32 vlen=4\n\t'a' type_id=2 bits_offset=0\n"
		     "\t'b' type_id=1 bits_offset=32\n"
		     "\t'c' type_id=1 bits_offset=64 bitfield_size=3\n"
		     "\t'd' type_id=3 bits_offset=128\n") != NULL, "struct s: %s", s);
	CHECK(strstr(s, "[6] PTR '(anon)' type_id=4\n[7] TYPEDEF 'sp_t' type_id=6\n") != NULL,
	      "ptr and typedef");
	free(s);

	cap_open(&c);
	CHECK(bk_btf_dump_raw(&b, NULL, 0, BK_BTF_FMT_JSON, c.f, &err) == 0, "json");
	s = cap_close(&c);
	doc = cJSON_Parse(s);
	CHECK(doc != NULL, "JSON parses: %.100s", s);
	types = cJSON_GetObjectItem(doc, "types");
	CHECK(cJSON_GetArraySize(types) == 7, "7 types");
	t = cJSON_GetArrayItem(types, 3);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(t, "kind")), "STRUCT");
	CHECK(cJSON_GetObjectItem(t, "size") && cJSON_GetObjectItem(t, "size")->valueint == 32,
	      "size 32");
	t = cJSON_GetArrayItem(cJSON_GetObjectItem(t, "members"), 2);
	CHECK(cJSON_GetObjectItem(t, "bitfield_size") &&
	      cJSON_GetObjectItem(t, "bitfield_size")->valueint == 3, "bitfield_size");
	cJSON_Delete(doc);
	free(s);

	cap_open(&c);
	CHECK(bk_btf_dump_raw(&b, NULL, 0, BK_BTF_FMT_JSON_PRETTY, c.f, &err) == 0, "pretty");
	s = cap_close(&c);
	doc = cJSON_Parse(s);
	CHECK(doc && cJSON_GetArraySize(cJSON_GetObjectItem(doc, "types")) == 7,
	      "pretty JSON parses");
	cJSON_Delete(doc);
	free(s);

	__u32 root = ids.td;

	cap_open(&c);
	CHECK(bk_btf_dump_c(&b, &root, 1, c.f, &err) == 0, "c: %s", err.msg);
	s = cap_close(&c);
	CHECK(strstr(s, "#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n") == s, "guard");
	CHECK(strstr(s, "typedef struct s *sp_t;") != NULL, "typedef emitted: %s", s);
	/* behind a pointer a forward declaration is all C needs */
	CHECK(strstr(s, "struct s;") != NULL, "dependency emitted: %s", s);
	CHECK(strstr(s, "union u") == NULL, "unrelated union not emitted");
	free(s);

	root = ids.s;
	cap_open(&c);
	CHECK(bk_btf_dump_c(&b, &root, 1, c.f, &err) == 0, "c of s: %s", err.msg);
	s = cap_close(&c);
	CHECK(strstr(s, "struct s {\n\tchar a;\n\tint b;\n\tint c: 3;\n\tlong d;\n") != NULL,
	      "struct s body: %s", s);
	CHECK(strstr(s, "#endif /* __VMLINUX_H__ */\n") != NULL, "trailer");
	free(s);
	bk_btf__close(&b);
}

/* JSON strings stay valid whatever bytes a name holds. */
static void test_json_escape(void)
{
	struct btf *btf = btf__new_empty();
	struct errmsg err = { 0 };
	struct capture c;
	struct bk_btf b;
	cJSON *doc;
	char *s;

	btf__add_int(btf, "a\"b\\c\td\x01\xff", 4, 0);
	bk_btf__adopt(&b, btf, NULL, &err);
	cap_open(&c);
	bk_btf_dump_raw(&b, NULL, 0, BK_BTF_FMT_JSON, c.f, &err);
	s = cap_close(&c);
	doc = cJSON_Parse(s);
	CHECK(doc != NULL, "escaped JSON parses: %s", s);
	CHECK(strstr(s, "a\\\"b\\\\c\\td\\u0001\\ufffd") != NULL, "escapes: %s", s);
	cJSON_Delete(doc);
	free(s);
	bk_btf__close(&b);
}

/* Hand-made cycles and bad references: refused by the check, harmless to the walkers. */
static void test_cycles(void)
{
	struct bk_btf_entry *v;
	struct errmsg err = { 0 };
	struct capture c;
	struct bk_btf b;
	struct btf *btf;
	__u32 *ids, root;
	size_t n;
	int ret, i_int, p, s;
	char *out;

	/* PTR -> CONST -> PTR: no struct breaks the loop */
	btf = btf__new_empty();
	i_int = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	p = btf__add_ptr(btf, i_int + 2);
	btf__add_const(btf, p);
	ret = bk_btf__adopt(&b, btf, NULL, &err);
	CHECK(ret == -ELOOP && !b.checked, "modifier loop refused: %d", ret);
	CHECK(strstr(err.msg, "reference loop") != NULL, "message: %s", err.msg);
	root = p;
	ret = bk_btf_closure(&b, &root, 1, &ids, &n, &err);
	CHECK(ret == 0 && n == 2, "closure of a loop ends: %d %zu", ret, n);
	free(ids);
	cap_open(&c);
	ret = bk_btf_dump_raw(&b, NULL, 0, BK_BTF_FMT_RAW, c.f, &err);
	out = cap_close(&c);
	CHECK(ret == 0 && strstr(out, "[3] CONST '(anon)' type_id=2"), "raw dump of a loop");
	free(out);
	ret = bk_btf_list(&b, -1, NULL, &v, &n, &err);
	CHECK(ret == 0 && n == 3 && v[1].size == 8, "list of a loop: %zu, ptr size %lld", n,
	      n > 1 ? v[1].size : 0);
	free(v);
	cap_open(&c);
	ret = bk_btf_dump_c(&b, NULL, 0, c.f, &err);
	free(cap_close(&c));
	CHECK(ret == -EINVAL, "no C dump of unchecked BTF: %d", ret);
	bk_btf__close(&b);

	/* struct A { T a; }; typedef struct A T; -- contains itself by value */
	btf = btf__new_empty();
	i_int = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	s = btf__add_struct(btf, "A", 4);
	btf__add_field(btf, "a", s + 1, 0, 0);
	btf__add_typedef(btf, "T", s);
	ret = bk_btf__adopt(&b, btf, NULL, &err);
	CHECK(ret == -ELOOP, "struct containing itself refused: %d %s", ret, err.msg);
	CHECK(strstr(err.msg, "contains itself") != NULL, "message: %s", err.msg);
	ret = bk_btf_find_composite(&b, "T", &err);
	CHECK(ret == s, "typedef T resolves to A: %d", ret);
	root = s;
	ret = bk_btf_closure(&b, &root, 1, &ids, &n, &err);
	CHECK(ret == 0 && n == 2, "closure: %zu", n);
	free(ids);
	bk_btf__close(&b);

	/* struct node { struct node *next; }: recursion through a pointer is fine */
	btf = btf__new_empty();
	s = btf__add_struct(btf, "node", 8);
	btf__add_field(btf, "next", s + 1, 0, 0);
	btf__add_ptr(btf, s);
	ret = bk_btf__adopt(&b, btf, NULL, &err);
	CHECK(ret == 0 && b.checked, "linked list accepted: %d %s", ret, err.msg);
	bk_btf__close(&b);

	/* struct { union { struct <self> *p; } u; }: anonymous, so btf_dump inlines it forever */
	btf = btf__new_empty();
	s = btf__add_struct(btf, NULL, 8);
	btf__add_field(btf, "u", s + 1, 0, 0);
	btf__add_union(btf, NULL, 8);
	btf__add_field(btf, "p", s + 2, 0, 0);
	btf__add_ptr(btf, s);
	ret = bk_btf__adopt(&b, btf, NULL, &err);
	CHECK(ret == -ELOOP && strstr(err.msg, "anonymous type"), "anon loop: %s", err.msg);
	bk_btf__close(&b);

	/* a member of type void: libbpf 1.1's btf_dump divides by zero on it (fuzzer find) */
	btf = btf__new_empty();
	s = btf__add_struct(btf, "V", 8);
	btf__add_field(btf, "v", 0, 0, 0);
	ret = bk_btf__adopt(&b, btf, NULL, &err);
	CHECK(ret == -EINVAL && strstr(err.msg, "has no size"), "void member: %s", err.msg);
	bk_btf__close(&b);

	/* a member far beyond the struct's size: btf_dump would pad out to it */
	btf = btf__new_empty();
	i_int = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	btf__add_struct(btf, "W", 8);
	btf__add_field(btf, "w", i_int, 1u << 30, 0);
	ret = bk_btf__adopt(&b, btf, NULL, &err);
	CHECK(ret == -EINVAL && strstr(err.msg, "beyond its size"), "wild offset: %s", err.msg);
	bk_btf__close(&b);

	/* header one byte longer: libbpf 1.1 takes it, every record is misaligned (fuzzer find) */
	{
		struct ids sample;
		struct btf *good = build_sample(&sample);
		struct btf_header *h;
		const void *raw;
		__u32 size;
		char *bad;

		raw = btf__raw_data(good, &size);
		bad = calloc(1, size + 1);
		h = (struct btf_header *)bad;
		memcpy(bad, raw, sizeof(*h));
		memcpy(bad + h->hdr_len + 1, (const char *)raw + h->hdr_len, size - h->hdr_len);
		h->hdr_len++;
		btf = btf__new(bad, size + 1);
		if (!btf) {
			SKIP("this libbpf refuses a misaligned type section itself");
		} else {
			ret = bk_btf__adopt(&b, btf, NULL, &err);
			CHECK(ret == -EINVAL && strstr(err.msg, "not aligned"), "misaligned: %s",
			      err.msg);
			ret = bk_btf_list(&b, -1, NULL, &v, &n, &err);
			CHECK(ret == 0 && n == 0, "nothing to walk: %zu", n);
			free(v);
			bk_btf__close(&b);
		}
		free(bad);
		btf__free(good);
	}

	/* a reference beyond the last type */
	btf = btf__new_empty();
	btf__add_ptr(btf, 1000);
	ret = bk_btf__adopt(&b, btf, NULL, &err);
	CHECK(ret == -EINVAL && strstr(err.msg, "refers to type 1000"), "bad ref: %s", err.msg);
	root = 1;
	ret = bk_btf_closure(&b, &root, 1, &ids, &n, &err);
	CHECK(ret == 0 && n == 1, "closure skips the bad id: %zu", n);
	free(ids);
	bk_btf__close(&b);
}

static int write_file(const char *path, const void *data, __u32 size)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(data, 1, size, f) == size;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static void test_split_and_errors(void)
{
	char base_path[] = "/tmp/bk-btf-base.XXXXXX", split_path[] = "/tmp/bk-btf-split.XXXXXX";
	struct btf *base, *split;
	struct bk_btf_entry *v;
	struct errmsg err = { 0 };
	struct bk_btf b;
	const void *data;
	__u32 size;
	size_t n;
	int ret, fd;

	base = btf__new_empty();
	btf__add_int(base, "int", 4, BTF_INT_SIGNED);
	split = btf__new_empty_split(base);
	btf__add_struct(split, "mod_s", 4);
	btf__add_field(split, "x", 1, 0, 0);

	fd = mkstemp(base_path);
	close(fd);
	fd = mkstemp(split_path);
	close(fd);
	data = btf__raw_data(base, &size);
	CHECK(write_file(base_path, data, size) == 0, "write base");
	data = btf__raw_data(split, &size);
	CHECK(write_file(split_path, data, size) == 0, "write split");

	ret = bk_btf__open(&b, split_path, base_path, &err);
	CHECK(ret == 0 && b.start_id == 2 && b.type_cnt == 3, "split: %d %s start %u", ret,
	      err.msg, b.start_id);
	if (!ret) {
		ret = bk_btf_list(&b, -1, NULL, &v, &n, &err);
		CHECK(ret == 0 && n == 1 && v[0].id == 2 && !strcmp(v[0].name, "mod_s") &&
		      v[0].size == 4, "list of split BTF: only its own types");
		free(v);
	}
	bk_btf__close(&b);

	/* without its base the split file is not valid BTF on its own */
	ret = bk_btf__open(&b, split_path, NULL, &err);
	CHECK(ret < 0 && strstr(err.msg, "not valid BTF"), "split alone: %d %s", ret, err.msg);

	ret = bk_btf__open(&b, "/nonexistent/x.btf", NULL, &err);
	CHECK(ret == -ENOENT, "missing: %d", ret);
	CHECK_STR(err.msg, "/nonexistent/x.btf: No such file or directory");

	CHECK(write_file(split_path, "garbage, not BTF", 16) == 0, "write garbage");
	ret = bk_btf__open(&b, split_path, NULL, &err);
	CHECK(ret < 0 && strstr(err.msg, ": not valid BTF: "), "garbage: %s", err.msg);

	unlink(base_path);
	unlink(split_path);
	btf__free(split);
	btf__free(base);
}

static void test_fixture(const char *dir)
{
	struct bk_btf_entry *v = NULL;
	struct errmsg err = { 0 };
	struct capture c;
	struct bk_btf b;
	char path[4096];
	size_t n = 0;
	int ret;
	char *s;

	snprintf(path, sizeof(path), "%s/core.bpf.o", dir ? dir : ".");
	if (access(path, R_OK)) {
		SKIP("no fixture %s", path);
		return;
	}
	ret = bk_btf__open(&b, path, NULL, &err);
	CHECK(ret == 0 && b.checked, "open fixture: %s", err.msg);
	if (ret)
		return;
	ret = bk_btf_list(&b, BTF_KIND_DATASEC, NULL, &v, &n, &err);
	CHECK(ret == 0 && n > 0, "fixture has DATASECs: %zu", n);
	free(v);
	cap_open(&c);
	ret = bk_btf_dump_c(&b, NULL, 0, c.f, &err);
	s = cap_close(&c);
	CHECK(ret == 0 && strstr(s, "#endif /* __VMLINUX_H__ */\n"), "fixture C dump");
	free(s);
	bk_btf__close(&b);
}

static void test_kernel(void)
{
	struct bk_btf_layout l;
	struct errmsg err = { 0 };
	struct bk_btf b;
	int id, ret;

	if (access(BK_BTF_KERNEL_PATH, R_OK)) {
		SKIP("no %s", BK_BTF_KERNEL_PATH);
		return;
	}
	ret = bk_btf__open(&b, BK_BTF_KERNEL_PATH, NULL, &err);
	CHECK(ret == 0 && b.checked && b.type_cnt > 1000, "kernel BTF: %s", err.msg);
	if (ret)
		return;
	id = bk_btf_find_composite(&b, "struct list_head", &err);
	CHECK(id > 0, "list_head found");
	if (id > 0 && bk_btf_layout(&b, id, &l, &err) == 0) {
		CHECK(l.size == 16 && l.nr_members == 2 && l.nr_holes == 0, "list_head layout");
		CHECK_STR(l.members[0].name, "next");
		CHECK_STR(l.members[1].name, "prev");
		CHECK(l.members[0].bit_offset == 0 && l.members[1].bit_offset == 64 &&
		      l.members[1].size == 8, "next/prev at 0/8");
		CHECK_STR(l.members[0].type, "struct list_head *");
		bk_btf_layout_free(&l);
	}
	bk_btf__close(&b);
}

int main(int argc, char **argv)
{
	test_layout();
	test_names();
	test_find_closure();
	test_formats();
	test_json_escape();
	test_cycles();
	test_split_and_errors();
	test_fixture(argc > 1 ? argv[1] : NULL);
	test_kernel();
	UNIT_DONE();
}
