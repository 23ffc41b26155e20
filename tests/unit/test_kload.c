// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * kern/verifier.c, kern/manifest.c: the parts that need no kernel. Verifier logs as this
 * kernel prints them (one per hint class), the failing instruction located in a fixture's
 * .BTF.ext, manifest file names, and kern_manifest_find_prog over a manifest written here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "elfread.h"
#include "kload.h"
#include "object.h"
#include "unit.h"

static void parse(const char *log, struct kern_verifier *v)
{
	memset(v, 0, sizeof(*v));
	v->log = strdup(log);
	v->log_len = strlen(log);
	kern_verifier_parse(v);
}

static void done(struct kern_verifier *v)
{
	free(v->program);
	free(v->file);
	free(v->line_text);
	free(v->message);
	free(v->log);
}

static void test_parse_bounds(void)
{
	struct kern_verifier v;

	parse("0: R1=ctx() R10=fp0\n"
	      "; void *data = (void *)(long)ctx->data; @ bounds.bpf.c:9\n"
	      "0: (61) r1 = *(u32 *)(r1 +0)          ; R1=pkt(r=0)\n"
	      "; __u32 first = *(__u32 *)data; @ bounds.bpf.c:10\n"
	      "1: (61) r1 = *(u32 *)(r1 +0)\n"
	      "invalid access to packet, off=0 size=4, R1(id=0,off=0,r=0)\n"
	      "R1 offset is outside of the packet\n"
	      "processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0\n", &v);
	CHECK(v.insn == 1, "insn %lld", (long long)v.insn);
	CHECK_STR(v.message, "invalid access to packet, off=0 size=4, R1(id=0,off=0,r=0); "
			     "R1 offset is outside of the packet");
	CHECK(v.hint && strstr(v.hint, "bounds not checked"), "hint %s", v.hint);
	done(&v);
}

static void test_parse_classes(void)
{
	static const struct { const char *msg, *hint; } cases[] = {
		{ "R0 invalid mem access 'map_value_or_null'", "may return NULL" },
		{ "program of this type cannot use helper bpf_xdp_adjust_head#44", "not available" },
		{ "cannot call GPL-restricted function from non-GPL compatible program", "GPL-only" },
		{ "combined stack size of 2 calls is 640. Too large", "512 bytes" },
		{ "BPF program is too large. Processed 1000001 insn", "complexity limit" },
		{ "The sequence of 8193 jumps is too complex.", "complexity limit" },
		{ "infinite loop detected at insn 12", "loop ends" },
		{ "invalid bpf_context access off=256 size=4", "context offset" },
		{ "invalid access to map value, value_size=8 off=8 size=8", "map value's size" },
		{ "R2 unbounded memory access, make sure to bounds check any such access", "clamp" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kern_verifier v;
		char log[512];

		snprintf(log, sizeof(log), "3: (85) call 1\n%s\ncur state: R1=0\nprocessed 4 insns\n",
			 cases[i].msg);
		parse(log, &v);
		CHECK(v.insn == 3, "%s: insn %lld", cases[i].msg, (long long)v.insn);
		CHECK_STR(v.message, cases[i].msg);
		CHECK(v.hint && strstr(v.hint, cases[i].hint), "%s: hint '%s', want '%s'",
		      cases[i].msg, v.hint ? v.hint : "(none)", cases[i].hint);
		done(&v);
	}
}

static void test_parse_no_insn(void)
{
	struct kern_verifier v;

	parse("combined stack size of 2 calls is 640. Too large\nprocessed 47 insns\n", &v);
	CHECK(v.insn == -1, "insn %lld", (long long)v.insn);
	CHECK_STR(v.message, "combined stack size of 2 calls is 640. Too large");
	done(&v);
	parse("", &v);
	CHECK(v.insn == -1 && !v.message && !v.hint, "empty log");
	done(&v);
	parse("unknown words\n", &v);
	CHECK_STR(v.message, "unknown words");
	CHECK(!v.hint, "hint for an unknown class: %s", v.hint);
	done(&v);
}

/* The failing instruction of reject/null.bpf.o, found in its own .BTF.ext. */
static void test_locate(const char *fixtures)
{
	struct kern_verifier v = { .insn = 7 };
	struct errmsg err = { 0 };
	struct bpf_object *obj = NULL;
	struct bpf_program *p;
	struct bk_object *o = NULL;
	char path[4096];

	snprintf(path, sizeof(path), "%s/reject/null.bpf.o", fixtures);
	if (bk_object_open(path, &o, &err)) {
		SKIP("%s", err.msg);
		return;
	}
	CHECK(bk_object_bpf_open(o, o->obj_name, &obj, &err) == 0, "%s", err.msg);
	p = obj ? bpf_object__find_program_by_name(obj, "count_unchecked") : NULL;
	CHECK(p != NULL, "no program count_unchecked");
	if (p) {
		kern_verifier_locate(o, p, bpf_program__insn_cnt(p), &v);
		CHECK_STR(v.insn_text, "r1 = *(u64 *)(r0 + 0)");
		CHECK(v.file && strstr(v.file, "reject/null.bpf.c"), "file %s", v.file);
		CHECK(v.line == 19, "line %u", v.line);
		CHECK(v.line_text && !strncmp(v.line_text, "*v += 1;", 8), "text %s", v.line_text);
	}
	done(&v);
	bpf_object__close(obj);
	bk_object_close(o);
}

static void test_object_name(void)
{
	char n[64];
	const char *s = n;	/* CHECK_STR tests its pointer */

	/* libbpf's naming: the base name up to its first '.', 15 bytes at most */
	bk_object_name("dir/maps.bpf.o", n, sizeof(n));
	CHECK_STR(s, "maps");
	bk_object_name("@openat", n, sizeof(n));
	CHECK_STR(s, "openat");
	bk_object_name("plain", n, sizeof(n));
	CHECK_STR(s, "plain");
	bk_object_name("/x/a_rather_long_object_name.bpf.o", n, sizeof(n));
	CHECK_STR(s, "a_rather_long_o");
}

static void test_manifest(void)
{
	char dir[] = "/tmp/bpfkit-kload-XXXXXX", path[4096], obj[64], pin[256];
	FILE *f;

	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	setenv("BPFKIT_MANIFEST_DIR", dir, 1);
	CHECK_STR(kern_manifest_dir(), dir);
	CHECK(kern_manifest_path("/sys/fs/bpf/a-b/c.d", path, sizeof(path)) == 0, "path");
	snprintf(obj, sizeof(obj), "%s/", dir);
	CHECK(!strncmp(path, obj, strlen(obj)) &&
	      !strcmp(path + strlen(obj), "sys-fs-bpf-a%2Db-c%2Ed.json"), "escaped: %s", path);
	CHECK(kern_manifest_find_prog(42, obj, sizeof(obj), pin, sizeof(pin)) == -ENOENT,
	      "found in an empty directory");
	kern_manifest_path("/sys/fs/bpf/thing", path, sizeof(path));
	f = fopen(path, "w");
	CHECK(f != NULL, "write %s", path);
	if (f) {
		fputs("{\"version\":1,\"object\":\"thing\",\"source\":\"dir/thing.bpf.o\","
		      "\"pin_dir\":\"/sys/fs/bpf/thing\","
		      "\"progs\":[{\"name\":\"a\",\"id\":41},{\"name\":\"b\",\"id\":42}]}", f);
		fclose(f);
	}
	CHECK(kern_manifest_find_prog(42, obj, sizeof(obj), pin, sizeof(pin)) == 0, "not found");
	CHECK(!strcmp(obj, "dir/thing.bpf.o"), "object %s", obj);
	CHECK(!strcmp(pin, "/sys/fs/bpf/thing"), "pin dir %s", pin);
	CHECK(kern_manifest_find_prog(43, obj, sizeof(obj), pin, sizeof(pin)) == -ENOENT,
	      "found an id no manifest lists");
	unlink(path);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	const char *fixtures = argc > 1 ? argv[1] : "build/fixtures";

	libbpf_set_print(NULL);
	test_parse_bounds();
	test_parse_classes();
	test_parse_no_insn();
	test_locate(fixtures);
	test_object_name();
	test_manifest();
	UNIT_DONE();
}
