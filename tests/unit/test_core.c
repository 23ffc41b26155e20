/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * CO-RE explainer: spelling and local values of the fixture's relocations (checked against
 * the fixture's own BTF through libbpf's API), resolution against the running kernel's BTF
 * and against small BTFs built here (ambiguity, missing and incompatible fields, anonymous
 * members), and the strongest check: load the fixture with libbpf, capture its debug log and
 * compare every "patched insn #N ... A -> B" line with our instruction and target values.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "btf_ext.h"
#include "core.h"
#include "object.h"
#include "errmsg.h"
#include "unit.h"

static const struct core_relo *find(const struct core_result *res, uint32_t kind,
				    const char *spec)
{
	size_t i;

	for (i = 0; i < res->nr; i++)
		if (res->relos[i].kind == kind && strcmp(res->relos[i].spec, spec) == 0)
			return &res->relos[i];
	return NULL;
}

/* Byte offset of member name in struct sname of btf (libbpf's API as the reference). */
static long member_off(const struct btf *btf, const char *sname, const char *name,
		       uint32_t *bits, uint32_t *bitsz)
{
	int id = btf__find_by_name_kind(btf, sname, BTF_KIND_STRUCT);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	int i;

	for (i = 0; t && i < btf_vlen(t); i++) {
		if (strcmp(btf__name_by_offset(btf, btf_members(t)[i].name_off), name))
			continue;
		if (bits)
			*bits = btf_member_bit_offset(t, i);
		if (bitsz)
			*bitsz = btf_member_bitfield_size(t, i);
		return btf_member_bit_offset(t, i) / 8;
	}
	return -1;
}

static long long enum_val(const struct btf *btf, const char *ename, const char *name)
{
	int id = btf__find_by_name_kind(btf, ename, BTF_KIND_ENUM);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	int i;

	for (i = 0; t && i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(btf, btf_enum(t)[i].name_off), name))
			return btf_enum(t)[i].val;
	return -1;
}

static void test_local(const struct bext_object *obj)
{
	const struct btf *btf = obj->btf;
	struct errmsg err = { 0 };
	struct core_result res;
	const struct core_relo *r;
	uint32_t bits = 0, bitsz = 0;
	bool kinds[16] = { false };
	size_t i;

	CHECK(core_analyze(btf, obj->ext, NULL, &res, &err) == 0, "analyze: %s", err.msg);
	CHECK(res.nr == obj->ext->nr_relos, "all %zu relocations", res.nr);
	for (i = 0; i < res.nr; i++) {
		kinds[res.relos[i].kind & 15] = true;
		CHECK(res.relos[i].status == CORE_UNRESOLVED && res.relos[i].local_ok,
		      "relo %zu resolved locally", i);
		CHECK_STR(res.relos[i].program, "core_relos");
		CHECK(res.relos[i].insn_ok, "instruction of relo %zu read", i);
	}
	for (i = 0; i <= BPF_CORE_ENUMVAL_VALUE; i++)
		CHECK(kinds[i], "kind %s present", core_kind_name(i));

	r = find(&res, BPF_CORE_FIELD_BYTE_OFFSET, "struct trace_event_raw_sys_enter.args[1]");
	CHECK(r != NULL, "args[1] spelled");
	if (r) {
		CHECK_STR(r->root_type, "struct trace_event_raw_sys_enter");
		CHECK_STR(r->access_str, "0:2:1");
		CHECK_STR(core_kind_name(r->kind), "byte_off");
		CHECK(r->local_value == (uint64_t)member_off(btf, "trace_event_raw_sys_enter",
							     "args", NULL, NULL) + 8,
		      "args[1] offset %llu", (unsigned long long)r->local_value);
		CHECK(r->insn_value == r->local_value, "instruction agrees");
	}
	r = find(&res, BPF_CORE_FIELD_BYTE_OFFSET, "struct task_struct.real_parent");
	CHECK(r && r->local_value == (uint64_t)member_off(btf, "task_struct", "real_parent",
							  NULL, NULL), "real_parent offset");
	r = find(&res, BPF_CORE_FIELD_BYTE_OFFSET, "struct task_struct.tgid");
	CHECK(r && r->local_value == (uint64_t)member_off(btf, "task_struct", "tgid", NULL, NULL),
	      "tgid offset (task->real_parent->tgid)");
	r = find(&res, BPF_CORE_FIELD_BYTE_SIZE, "struct task_struct.comm");
	CHECK(r && r->local_value == 16, "comm size");
	r = find(&res, BPF_CORE_FIELD_EXISTS, "struct task_struct.pdeath_signal");
	CHECK(r && r->local_value == 1, "field exists");

	member_off(btf, "task_struct", "in_execve", &bits, &bitsz);
	r = find(&res, BPF_CORE_FIELD_RSHIFT_U64, "struct task_struct.in_execve");
	CHECK(r && bitsz && r->local_value == 64 - bitsz, "rshift = 64 - %u", bitsz);
	r = find(&res, BPF_CORE_FIELD_LSHIFT_U64, "struct task_struct.in_execve");
	/* 4-byte unsigned int bitfield, little-endian: bits above the field shift out */
	CHECK(r && r->local_value == 64 - (bits + bitsz - (bits / 32 * 32)),
	      "lshift %llu", r ? (unsigned long long)r->local_value : 0);
	r = find(&res, BPF_CORE_FIELD_SIGNED, "struct task_struct.in_execve");
	CHECK(r && r->local_value == 0, "unsigned bitfield");
	r = find(&res, BPF_CORE_FIELD_BYTE_OFFSET, "struct task_struct.in_execve");
	CHECK(r && r->local_value == bits / 32 * 4, "bitfield load offset");

	r = find(&res, BPF_CORE_TYPE_SIZE, "struct task_struct");
	CHECK(r && r->local_value == (uint64_t)btf__resolve_size(btf,
		btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT)), "type size");
	r = find(&res, BPF_CORE_TYPE_ID_LOCAL, "struct task_struct");
	CHECK(r && r->local_value == (uint64_t)btf__find_by_name_kind(btf, "task_struct",
								   BTF_KIND_STRUCT), "local id");
	CHECK(r && r->insn_value == r->local_value && !strcmp(r->insn_class, "LDIMM64"),
	      "ld_imm64 holds the local id");
	r = find(&res, BPF_CORE_ENUMVAL_VALUE, "enum bpf_func_id::BPF_FUNC_ringbuf_output");
	CHECK(r && (long long)r->local_value == enum_val(btf, "bpf_func_id",
							 "BPF_FUNC_ringbuf_output"), "enum value");
	r = find(&res, BPF_CORE_ENUMVAL_EXISTS, "enum bpf_func_id::BPF_FUNC_get_current_pid_tgid");
	CHECK(r && r->local_value == 1 && !strcmp(r->access_str, "14"), "enum exists");
	r = find(&res, BPF_CORE_FIELD_BYTE_OFFSET, "struct task_struct___v2.tgid");
	CHECK(r && r->local_value == 4, "flavor field");
	CHECK(find(&res, BPF_CORE_FIELD_BYTE_OFFSET, "struct bpfkit_missing.x") != NULL,
	      "missing type spelled");
	CHECK_STR(core_kind_text(BPF_CORE_FIELD_LSHIFT_U64), "bitfield left shift");
	CHECK_STR(core_kind_name(99), "unknown");
	core_result_free(&res);

	/*
	 * Against itself, every relocation resolves to its local value, except where the
	 * object's own flavors (task_struct___v2, ___old) are extra candidates of task_struct:
	 * those with different layouts make tgid and the size ambiguous, as libbpf would say.
	 */
	{
		struct core_target *self = NULL;
		size_t same = 0, ambiguous = 0;

		CHECK(core_target_new(btf, &self, &err) == 0, "self target");
		CHECK(core_analyze(btf, obj->ext, self, &res, &err) == 0, "analyze self");
		for (i = 0; i < res.nr; i++) {
			same += res.relos[i].status == CORE_OK &&
				res.relos[i].target_value == res.relos[i].local_value;
			ambiguous += res.relos[i].status == CORE_ERROR &&
				     strstr(res.relos[i].error, "ambiguous") &&
				     res.relos[i].nr_candidates == 3;
		}
		CHECK(same + ambiguous == res.nr && ambiguous == 4,
		      "%zu resolve to themselves, %zu ambiguous of %zu", same, ambiguous, res.nr);
		r = find(&res, BPF_CORE_FIELD_BYTE_OFFSET, "struct task_struct.tgid");
		CHECK(r && r->status == CORE_ERROR && strstr(r->error, "different offsets"),
		      "tgid ambiguous against the object itself");
		core_result_free(&res);
		core_target_free(self);
	}
}

static void test_kernel(const struct bext_object *obj)
{
	struct btf *vm = btf__load_vmlinux_btf();
	struct core_target *tg = NULL;
	struct errmsg err = { 0 };
	struct core_result res;
	const struct core_relo *r;
	struct timespec a, b;
	double ms;
	size_t i;

	if (!vm) {
		SKIP("no kernel BTF");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	CHECK(core_target_new(vm, &tg, &err) == 0, "index: %s", err.msg);
	CHECK(core_analyze(obj->btf, obj->ext, tg, &res, &err) == 0, "analyze: %s", err.msg);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
	CHECK(ms < 2000, "index + resolve took %.0f ms", ms);
	CHECK(res.nr_error == 0 && res.nr_poison == 0, "no failure: %zu errors, %zu poisoned",
	      res.nr_error, res.nr_poison);
	CHECK(res.nr_guarded == 2, "two guarded relocations, got %zu", res.nr_guarded);

	r = find(&res, BPF_CORE_FIELD_BYTE_OFFSET, "struct trace_event_raw_sys_enter.args[1]");
	CHECK(r && r->status == CORE_OK &&
	      r->target_value == (uint64_t)member_off(vm, "trace_event_raw_sys_enter", "args",
						      NULL, NULL) + 8, "kernel args[1]");
	r = find(&res, BPF_CORE_TYPE_ID_TARGET, "struct task_struct");
	CHECK(r && r->target_value == (uint64_t)btf__find_by_name_kind(vm, "task_struct",
								    BTF_KIND_STRUCT), "kernel id");
	r = find(&res, BPF_CORE_FIELD_BYTE_OFFSET, "struct task_struct___v2.tgid");
	CHECK(r && r->target_value == (uint64_t)member_off(vm, "task_struct", "tgid", NULL, NULL),
	      "flavor resolves to task_struct.tgid");
	r = find(&res, BPF_CORE_TYPE_EXISTS, "struct bpfkit_missing");
	CHECK(r && r->status == CORE_OK && r->target_value == 0, "missing type: exists = 0");
	CHECK(r && r->note && strstr(r->note, "no candidate type 'struct bpfkit_missing'"),
	      "note: %s", r && r->note ? r->note : "");
	r = find(&res, BPF_CORE_FIELD_BYTE_OFFSET, "struct bpfkit_missing.x");
	CHECK(r && r->status == CORE_GUARDED && r->error &&
	      !strcmp(r->error, "no candidate type 'struct bpfkit_missing' in target BTF"),
	      "guarded missing type: %s", r && r->error ? r->error : "");
	r = find(&res, BPF_CORE_FIELD_BYTE_OFFSET, "struct task_struct___old.state");
	CHECK(r && r->status == CORE_GUARDED && r->error &&
	      !strcmp(r->error, "field 'state' not found in struct task_struct"),
	      "guarded missing field: %s", r && r->error ? r->error : "");
	/* the guards are found from the branches: "if rX == 0 goto +N" after each check */
	r = find(&res, BPF_CORE_TYPE_EXISTS, "struct bpfkit_missing");
	{
		const struct core_relo *g = find(&res, BPF_CORE_FIELD_BYTE_OFFSET,
						 "struct bpfkit_missing.x");

		CHECK(r && g && r->dead && g->insn_idx >= r->dead_base &&
		      g->insn_idx - r->dead_base < r->dead_len && r->dead[g->insn_idx - r->dead_base] &&
		      !r->dead[r->insn_idx - r->dead_base],
		      "the code type_exists guards holds the read, not the check");
		CHECK(g && g->note && strstr(g->note, "dead code: type_exists at insn"),
		      "guard named: %s", g && g->note ? g->note : "");
	}
	r = find(&res, BPF_CORE_TYPE_EXISTS, "struct task_struct");
	CHECK(r && r->target_value == 1, "task_struct exists on the kernel");
	for (i = 0; i < res.nr; i++)
		if (res.relos[i].status == CORE_OK && res.relos[i].kind != BPF_CORE_TYPE_ID_LOCAL)
			CHECK(res.relos[i].target_type_id > 0 || res.relos[i].target_value == 0,
			      "candidate recorded for relo %zu", i);
	core_result_free(&res);

	/* without instructions (bext_parse alone), guards fall back to same type/field checks */
	{
		struct bext *bare = obj->ext;
		void *saved[16];
		size_t s;

		for (s = 0; s < bare->nr_secs && s < 16; s++) {
			saved[s] = bare->secs[s].insns;
			bare->secs[s].insns = NULL;
		}
		CHECK(core_analyze(obj->btf, bare, tg, &res, &err) == 0, "analyze without insns");
		CHECK(res.nr_guarded == 2 && res.nr_poison == 0 && !res.relos[0].insn_ok,
		      "guarded without instructions: %zu", res.nr_guarded);
		core_result_free(&res);
		for (s = 0; s < bare->nr_secs && s < 16; s++)
			bare->secs[s].insns = saved[s];
	}
	core_target_free(tg);
	btf__free(vm);
}

/* Small target BTFs, built with libbpf's writer API. */
static struct btf *target_ambiguous(void)
{
	struct btf *b = btf__new_empty();
	int i32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);

	btf__add_struct(b, "task_struct___a", 8);
	btf__add_field(b, "pid", i32, 0, 0);
	btf__add_field(b, "tgid", i32, 32, 0);
	btf__add_struct(b, "task_struct___b", 4);
	btf__add_field(b, "tgid", i32, 0, 0);
	btf__add_enum(b, "bpf_func_id", 4);
	btf__add_enum_value(b, "BPF_FUNC_get_current_pid_tgid", 14);
	return b;
}

static struct btf *target_anon(void)
{
	struct btf *b = btf__new_empty();
	int i32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int i64 = btf__add_int(b, "long", 8, BTF_INT_SIGNED);
	int u, s, c;

	u = btf__add_union(b, NULL, 4);
	btf__add_field(b, "pid", i32, 0, 0);
	s = btf__add_struct(b, NULL, 16);
	btf__add_field(b, "a", i64, 0, 0);
	btf__add_field(b, "tgid", i32, 64, 0);
	c = btf__add_struct(b, "comm_s", 4);
	btf__add_field(b, "c", i32, 0, 0);
	btf__add_struct(b, "task_struct", 40);
	btf__add_field(b, "x", i32, 0, 0);
	btf__add_field(b, NULL, u, 32, 0);
	btf__add_field(b, NULL, s, 64, 0);
	btf__add_field(b, "comm", c, 192, 0);
	return b;
}

static void test_synthetic(const struct bext_object *obj)
{
	struct btf *amb = target_ambiguous(), *anon = target_anon();
	struct core_target *tg = NULL;
	struct errmsg err = { 0 };
	struct core_result res;
	const struct core_relo *r;

	CHECK(core_target_new(amb, &tg, &err) == 0, "index");
	CHECK(core_analyze(obj->btf, obj->ext, tg, &res, &err) == 0, "analyze");
	r = find(&res, BPF_CORE_FIELD_BYTE_OFFSET, "struct task_struct.tgid");
	CHECK(r && r->status == CORE_ERROR && r->nr_candidates == 2 &&
	      strstr(r->error, "ambiguous: candidates"), "ambiguous: %s",
	      r && r->error ? r->error : "");
	r = find(&res, BPF_CORE_FIELD_BYTE_OFFSET, "struct task_struct.real_parent");
	CHECK(r && r->status == CORE_POISON &&
	      !strcmp(r->error, "field 'real_parent' not found in struct task_struct___a (in every candidate)"),
	      "missing field: %s", r && r->error ? r->error : "");
	r = find(&res, BPF_CORE_FIELD_BYTE_OFFSET, "struct trace_event_raw_sys_enter.args[1]");
	CHECK(r && r->status == CORE_POISON && r->nr_candidates == 0 &&
	      !strcmp(r->error, "no candidate type 'struct trace_event_raw_sys_enter' in target BTF"),
	      "no candidate: %s", r && r->error ? r->error : "");
	r = find(&res, BPF_CORE_TYPE_EXISTS, "struct task_struct");
	CHECK(r && r->status == CORE_OK && r->target_value == 1, "two compatible candidates");
	r = find(&res, BPF_CORE_TYPE_SIZE, "struct task_struct");
	CHECK(r && r->status == CORE_ERROR && strstr(r->error, "different values (8 != 4)"),
	      "type size ambiguity: %s", r && r->error ? r->error : "");
	r = find(&res, BPF_CORE_ENUMVAL_VALUE, "enum bpf_func_id::BPF_FUNC_ringbuf_output");
	CHECK(r && r->status == CORE_POISON &&
	      !strcmp(r->error, "enumerator 'BPF_FUNC_ringbuf_output' not found in enum bpf_func_id"),
	      "enumerator: %s", r && r->error ? r->error : "");
	r = find(&res, BPF_CORE_ENUMVAL_EXISTS, "enum bpf_func_id::BPF_FUNC_get_current_pid_tgid");
	CHECK(r && r->status == CORE_OK && r->target_value == 1, "enumerator exists");
	CHECK(res.nr_error >= 2 && res.nr_poison >= 3, "failures counted");
	core_result_free(&res);
	core_target_free(tg);

	CHECK(core_target_new(anon, &tg, &err) == 0, "index");
	CHECK(core_analyze(obj->btf, obj->ext, tg, &res, &err) == 0, "analyze");
	r = find(&res, BPF_CORE_FIELD_BYTE_OFFSET, "struct task_struct.tgid");
	CHECK(r && r->status == CORE_OK && r->target_value == 16,
	      "tgid through anonymous struct: %llu", r ? (unsigned long long)r->target_value : 0);
	r = find(&res, BPF_CORE_FIELD_BYTE_OFFSET, "struct task_struct___v2.tgid");
	CHECK(r && r->status == CORE_OK && r->target_value == 16, "flavor through anonymous");
	r = find(&res, BPF_CORE_FIELD_BYTE_SIZE, "struct task_struct.comm");
	CHECK(r && r->status == CORE_POISON &&
	      !strcmp(r->error, "field 'comm' of struct task_struct has an incompatible type"),
	      "incompatible: %s", r && r->error ? r->error : "");
	core_result_free(&res);
	core_target_free(tg);
	btf__free(amb);
	btf__free(anon);
}

/* ---- libbpf log cross-check ---- */

static char *log_buf;
static size_t log_len;

static int capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	char *p;

	if (n <= 0)
		return 0;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	p = realloc(log_buf, log_len + n + 1);
	if (!p)
		return 0;
	log_buf = p;
	memcpy(log_buf + log_len, line, n + 1);
	log_len += n;
	return 0;
}

struct patched {
	char prog[128];
	int relo, insn;
	char what[16];		/* off, imm, imm64, poison */
	unsigned long long a, b;
};

static int parse_log(struct patched *out, int max)
{
	char *line = log_buf, *nl;
	int n = 0;

	for (; line && *line && n < max; line = nl ? nl + 1 : NULL) {
		struct patched *p = &out[n];
		char cls[32];

		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (sscanf(line, "libbpf: prog '%127[^']': relo #%d: patched insn #%d (%31[^)]) %15s %llu -> %llu",
			   p->prog, &p->relo, &p->insn, cls, p->what, &p->a, &p->b) == 7) {
			if (strcmp(p->what, "mem_sz"))
				n++;
		} else if (sscanf(line, "libbpf: prog '%127[^']': relo #%d: substituting insn #%d",
				  p->prog, &p->relo, &p->insn) == 3) {
			strcpy(p->what, "poison");
			n++;
		}
	}
	return n;
}

/*
 * Load path with libbpf (needs root) and compare its CO-RE log with our analysis. strict:
 * every relocation must be in the log (the core fixture); other fixtures may have
 * relocations libbpf skips (programs it does not load), but those it logs must agree.
 */
static void test_libbpf_log(const char *path, const struct bext_object *obj, bool strict)
{
	struct btf *vm = btf__load_vmlinux_btf();
	struct core_target *tg = NULL;
	struct bpf_object *bo;
	struct errmsg err = { 0 };
	struct core_result res;
	struct patched log[128];
	int n, i, ret;
	size_t k, matched = 0;

	libbpf_set_print(capture);
	bo = bpf_object__open_file(path, NULL);
	ret = bo ? bpf_object__load(bo) : -errno;
	bpf_object__close(bo);
	libbpf_set_print(NULL);
	if (ret == -EPERM || !vm) {
		SKIP("cannot load BPF programs here (%d)", ret);
		goto out;
	}
	if (strict)
		CHECK(ret == 0, "fixture loads: %d", ret);
	n = parse_log(log, 128);
	if (strict)
		CHECK(n >= (int)obj->ext->nr_relos, "log has %d patch lines for %zu relocations",
		      n, obj->ext->nr_relos);
	if (core_target_new(vm, &tg, &err) || core_analyze(obj->btf, obj->ext, tg, &res, &err)) {
		CHECK(0, "analyze: %s", err.msg);
		goto out;
	}
	for (k = 0; k < res.nr; k++) {
		const struct core_relo *r = &res.relos[k];
		bool seen = false;

		for (i = 0; i < n; i++) {
			const struct patched *p = &log[i];
			uint64_t a = r->insn_value, want = r->target_value;

			if (!r->program || strcmp(p->prog, r->program) ||
			    p->relo != (int)r->sec_relo_idx)
				continue;
			if (seen)	/* ld_imm64 poisons two instructions */
				continue;
			seen = true;
			CHECK(p->insn == (int)r->prog_insn_idx, "relo #%d: insn #%d vs ours %u",
			      p->relo, p->insn, r->prog_insn_idx);
			if (!strcmp(p->what, "poison")) {
				CHECK(r->status == CORE_GUARDED || r->status == CORE_POISON,
				      "relo #%d poisoned by libbpf, ours %s", p->relo,
				      core_status_name(r->status));
				continue;
			}
			if (!strcmp(p->what, "imm")) {	/* printed from a 32-bit immediate */
				a = (uint32_t)a;
				want = (uint32_t)want;
			}
			CHECK(r->status == CORE_OK && p->a == a && p->b == want,
			      "relo #%d (%s): libbpf %llu -> %llu, ours %llu -> %llu (%s)", p->relo,
			      core_kind_name(r->kind), p->a, p->b, (unsigned long long)a,
			      (unsigned long long)want, core_status_name(r->status));
			matched++;
		}
		if (strict)
			CHECK(seen, "relo #%u (%s) in libbpf's log", r->sec_relo_idx, r->spec);
	}
	if (strict)
		CHECK(matched + res.nr_guarded == res.nr, "%zu values compared", matched);
	else
		fprintf(stderr, "%s: %zu of %zu relocations compared with libbpf's log\n", path,
			matched, res.nr);
	core_result_free(&res);
out:
	core_target_free(tg);
	btf__free(vm);
	free(log_buf);
	log_buf = NULL;
	log_len = 0;
}

/* Hand-made relocations: malformed access strings never crash, each explains itself. */
static void test_malformed(const struct bext_object *obj)
{
	static const char *const bad[] = { "", ":", "0:", "a", "0::1", "0:99999", "-1",
					   "0:1:2:3:4:5:6:7", "99999999999" };
	const struct bext_sec *sec = &obj->ext->secs[0];
	struct bext_relo rec = sec->relos[0];
	struct errmsg err = { 0 };
	struct core_relo r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rec.access_str = bad[i];
		CHECK(core_relo_explain(obj->btf, &rec, NULL, NULL, &r, &err) == 0, "explain");
		CHECK(!r.local_ok && r.error && strstr(r.error, "malformed relocation"),
		      "'%s': %s", bad[i], r.error ? r.error : "");
		core_relo_clear(&r);
	}
	rec.access_str = "0:2:1";
	rec.kind = 42;
	CHECK(core_relo_explain(obj->btf, &rec, NULL, NULL, &r, &err) == 0 && !r.local_ok &&
	      strstr(r.error, "unknown relocation kind 42"), "unknown kind");
	core_relo_clear(&r);
	rec.kind = BPF_CORE_TYPE_SIZE;
	CHECK(core_relo_explain(obj->btf, &rec, NULL, NULL, &r, &err) == 0 && !r.local_ok &&
	      strstr(r.error, "expected '0'"), "type relocation with a field access");
	core_relo_clear(&r);
}

/* Every other fixture with CO-RE relocations gets the same libbpf cross-check. */
static void test_other_fixtures(const char *dir)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, alphasort), i;

	for (i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		size_t len = strlen(name);
		struct errmsg err = { 0 };
		struct bk_object *bo;
		char path[4096];

		if (len > 6 && !strcmp(name + len - 6, ".bpf.o") && strcmp(name, "core.bpf.o")) {
			snprintf(path, sizeof(path), "%s/%s", dir, name);
			if (!bk_object_open(path, &bo, &err)) {
				if (bo->code.ext && bo->code.ext->nr_relos)
					test_libbpf_log(path, &bo->code, false);
				bk_object_close(bo);
			}
		}
		free(ents[i]);
	}
	free(ents);
}

/* Dead code of a check at instruction 0 of insns, as a string of '0'/'1' per instruction
 * ("" when no branch on it was found). */
static const char *dead_of(const struct bpf_insn *insns, size_t n, char *buf)
{
	struct bext_sec sec = { .name = "t", .insns = (void *)insns, .insns_size = n * 8 };
	struct core_relo r = { 0 };

	buf[0] = '\0';
	CHECK(core_guard_dead(&sec, 0, &r) == 0, "core_guard_dead");
	for (size_t i = 0; r.dead && i < n; i++)
		buf[i] = i >= r.dead_base && i - r.dead_base < r.dead_len &&
			 r.dead[i - r.dead_base] ? '1' : '0';
	if (r.dead)
		buf[n] = '\0';
	free(r.dead);
	return buf;
}

#define MOV64_K(d, k)	{ BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k }
#define MOV32_K(d, k)	{ BPF_ALU | BPF_MOV | BPF_K, d, 0, 0, k }
#define MOV32_X(d, s)	{ BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0 }
#define JEQ_K(cls, d, o) { cls | BPF_JEQ | BPF_K, d, 0, o, 0 }
#define JNE_K(cls, d, o) { cls | BPF_JNE | BPF_K, d, 0, o, 0 }
#define JA(o)		{ BPF_JMP | BPF_JA, 0, 0, o, 0 }
#define EXIT		{ BPF_JMP | BPF_EXIT, 0, 0, 0, 0 }
#define STX_DW(d, s, o)	{ BPF_STX | BPF_MEM | BPF_DW, d, s, o, 0 }
#define LDX_DW(d, s, o)	{ BPF_LDX | BPF_MEM | BPF_DW, d, s, o, 0 }

/* Every branch form clang emits for "if (bpf_core_*_exists(...))". */
static void test_guard_forms(void)
{
	const struct bpf_insn jeq_over[] = {
		MOV64_K(1, 1), JEQ_K(BPF_JMP, 1, 2), MOV64_K(0, 7), JA(1), MOV64_K(0, 0), EXIT,
	};
	const struct bpf_insn jne_to_use[] = {
		MOV64_K(1, 1), JNE_K(BPF_JMP, 1, 2), MOV64_K(0, 0), EXIT, MOV64_K(0, 7), EXIT,
	};
	const struct bpf_insn jmp32_moved[] = {
		MOV32_K(1, 1), MOV32_X(2, 1), JEQ_K(BPF_JMP32, 2, 1), MOV64_K(0, 7), EXIT,
	};
	const struct bpf_insn spilled[] = {
		MOV64_K(1, 1), STX_DW(10, 1, -8), MOV64_K(1, 42), LDX_DW(3, 10, -8),
		JEQ_K(BPF_JMP, 3, 1), MOV64_K(0, 7), EXIT,
	};
	const struct bpf_insn overwritten[] = {
		MOV64_K(1, 1), MOV64_K(1, 42), JEQ_K(BPF_JMP, 1, 1), MOV64_K(0, 7), EXIT,
	};
	char buf[16];

	CHECK_STR(dead_of(jeq_over, 6, buf), "001100");
	CHECK_STR(dead_of(jne_to_use, 6, buf), "000011");
	CHECK_STR(dead_of(jmp32_moved, 5, buf), "00010");
	CHECK_STR(dead_of(spilled, 7, buf), "0000010");
	CHECK_STR(dead_of(overwritten, 5, buf), "");
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "build/fixtures";
	struct errmsg err = { 0 };
	struct bk_object *bo = NULL;
	struct bext_object obj;
	char path[4096];

	snprintf(path, sizeof(path), "%s/core.bpf.o", dir);
	if (bk_object_open(path, &bo, &err) || !bo->code.ext || !bo->code.ext->nr_secs) {
		CHECK(0, "open %s: %s", path, err.msg);
		UNIT_DONE();
	}
	obj = bo->code;
	test_local(&obj);
	test_malformed(&obj);
	test_kernel(&obj);
	test_synthetic(&obj);
	test_guard_forms();
	test_libbpf_log(path, &obj, true);
	bk_object_close(bo);
	test_other_fixtures(dir);
	UNIT_DONE();
}
