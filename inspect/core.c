/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * CO-RE relocation explainer. A relocation names a root type in the object's BTF and an
 * access string: "0:2:1" is root[0], member #2, element [1]. Field relocations walk it
 * through members and array elements; enum relocations name an enumerator; type
 * relocations use "0". Against a target BTF we look for candidate types with the same
 * essential name (everything before a trailing "___flavor") and kind, match the access by
 * member *names* (searching through anonymous members), and compute the value for every
 * matching candidate: they must agree, as libbpf demands.
 *
 * Both BTFs may be hostile (fuzzed objects, user-supplied target files): every type id is
 * looked up through btf__type_by_id() (NULL when out of range), every walk has a depth
 * bound, and recursive comparisons share a step budget so crafted type graphs cannot hang us.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <linux/bpf.h>

#include "btf_view.h"
#include "core.h"
#include "core_internal.h"
#include "errmsg.h"

__attribute__((format(printf, 2, 3)))
static int set_str(char **dst, const char *fmt, ...)
{
	va_list ap;
	int n;

	free(*dst);
	va_start(ap, fmt);
	n = vasprintf(dst, fmt, ap);
	va_end(ap);
	if (n < 0) {
		*dst = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Evaluate every candidate; fills r->status/target_value/error. 0 or -ENOMEM. */
static int resolve(struct core_target *tg, const struct spec *ls, const struct calc *lc,
		   struct core_relo *r)
{
	const struct btf *lb = ls->btf, *tb = tg->btf;
	const struct btf_type *lt = btf__type_by_id(lb, ls->root_id);
	const char *lname = core_str_or_empty(lb, lt->name_off);
	struct spec *cs = NULL, *best = NULL;
	struct calc cc, bc = { 0 };
	char why[WHY_LEN] = "", first_why[WHY_LEN] = "";
	uint32_t *ids = NULL;
	size_t n, i, matched = 0;
	int ret = 0;

	if (ls->kind == BPF_CORE_TYPE_ID_LOCAL) {
		r->status = CORE_OK;
		r->target_value = ls->root_id;
		return 0;
	}
	if (!*lname) {
		r->status = CORE_ERROR;
		return set_str(&r->error, "libbpf cannot relocate against an anonymous type");
	}
	n = core_find_cands(tg, lt, lname, &ids);
	if (n == (size_t)-1)
		return -ENOMEM;
	r->nr_candidates = n;
	cs = malloc(2 * sizeof(*cs));
	if (!cs) {
		free(ids);
		return -ENOMEM;
	}
	best = cs + 1;
	for (i = 0; i < n; i++) {
		int m = core_spec_match(ls, tb, ids[i], cs, why);

		if (m < 0) {
			r->status = CORE_ERROR;
			ret = set_str(&r->error, "error matching candidate [%u]: %s", ids[i],
				      m == -E2BIG ? "type too deep or complex" : "malformed target BTF");
			goto out;
		}
		if (m == 0) {
			if (!first_why[0])
				memcpy(first_why, why, sizeof(why));
			continue;
		}
		why[0] = '\0';
		if (core_calc(ls->kind, cs, &cc, why)) {
			r->status = CORE_ERROR;
			ret = set_str(&r->error, "candidate [%u]: %s", ids[i], why);
			goto out;
		}
		if (matched == 0) {
			*best = *cs;
			bc = cc;
			r->target_type_id = ids[i];
		} else if (core_is_field_kind(ls->kind) && cs->bit_off != best->bit_off) {
			r->status = CORE_ERROR;
			ret = set_str(&r->error,
				      "ambiguous: candidates [%u] and [%u] have different offsets (%llu != %llu bits)",
				      r->target_type_id, ids[i], (unsigned long long)best->bit_off,
				      (unsigned long long)cs->bit_off);
			goto out;
		} else if (cc.poison != bc.poison || cc.val != bc.val) {
			r->status = CORE_ERROR;
			ret = set_str(&r->error,
				      "ambiguous: candidates [%u] and [%u] resolve to different values (%llu != %llu)",
				      r->target_type_id, ids[i], (unsigned long long)bc.val,
				      (unsigned long long)cc.val);
			goto out;
		}
		matched++;
	}
	if (!matched) {
		const char *word = core_kind_word(lt);

		core_calc(ls->kind, NULL, &bc, why);
		if (n == 0) {
			/* show the name that was searched for, flavor stripped */
			ret = set_str(&r->error, "no candidate type '%s%s%.*s' in target BTF",
				      word, *word ? " " : "", (int)core_essential_len(lname), lname);
		} else {
			ret = set_str(&r->error, "%s%s", first_why,
				      n > 1 ? " (in every candidate)" : "");
		}
	}
	if (ret)
		goto out;
	if (bc.poison) {
		r->status = CORE_POISON;
		goto out;
	}
	r->status = CORE_OK;
	r->target_value = bc.val;
	if (r->error) {
		/* a missing type or field is an answer (0) for existence checks, not an error */
		char *e = r->error;

		r->error = NULL;
		r->note = e;
	}
	if (matched && ls->kind == BPF_CORE_FIELD_BYTE_OFFSET && lc && !core_mem_size_ok(lb, lc, tb, &bc)) {
		bool mem = r->insn_class && strcmp(r->insn_class, "LDX/ST/STX") == 0;

		if (mem)
			r->status = CORE_POISON;
		ret = set_str(mem ? &r->error : &r->note,
			      "field size changes from %u to %u bytes and is not a pointer or unsigned integer%s",
			      lc->sz, bc.sz, mem ? ": libbpf poisons the load/store" : "");
	}
out:
	free(ids);
	free(cs);
	return ret;
}

void core_relo_clear(struct core_relo *r)
{
	if (!r)
		return;
	free(r->root_type);
	free(r->spec);
	free(r->error);
	free(r->note);
	free(r->dead);
	memset(r, 0, sizeof(*r));
}

/* The value the relocated instruction holds, as libbpf reads it before patching. */
static void read_insn(const struct bext_sec *sec, uint32_t insn_off, struct core_relo *r)
{
	const uint8_t *p;
	uint8_t code, class;
	int32_t imm, imm2;
	int16_t off;

	if (!sec || !sec->insns || sec->insns_size < 8 || insn_off > sec->insns_size - 8)
		return;
	p = (const uint8_t *)sec->insns + insn_off;
	code = p[0];
	class = code & 0x07;
	memcpy(&off, p + 2, sizeof(off));
	memcpy(&imm, p + 4, sizeof(imm));
	switch (class) {
	case BPF_ALU:
	case BPF_ALU64:
		if (code & BPF_X)
			return;
		r->insn_class = "ALU/ALU64";
		r->insn_value = (uint64_t)(int64_t)imm;
		break;
	case BPF_LDX:
	case BPF_ST:
	case BPF_STX:
		r->insn_class = "LDX/ST/STX";
		r->insn_value = (uint64_t)(int64_t)off;
		break;
	case BPF_LD:
		if (code != (BPF_LD | BPF_IMM | BPF_DW) || insn_off > sec->insns_size - 16)
			return;
		memcpy(&imm2, p + 12, sizeof(imm2));
		r->insn_class = "LDIMM64";
		r->insn_value = (uint32_t)imm | ((uint64_t)(uint32_t)imm2 << 32);
		break;
	default:
		return;
	}
	r->insn_ok = true;
}

/* libbpf's own refusals when patching: wrong instruction value, offset too big. */
static int check_patch(const struct calc *lc, struct core_relo *r)
{
	if (!r->insn_ok || r->status != CORE_OK)
		return 0;
	if (lc->validate && r->kind != BPF_CORE_TYPE_ID_LOCAL && r->insn_value != lc->val) {
		r->status = CORE_ERROR;
		return set_str(&r->error,
			       "instruction holds %llu, BTF says %llu: object and its BTF disagree",
			       (unsigned long long)r->insn_value, (unsigned long long)lc->val);
	}
	if (strcmp(r->insn_class, "LDX/ST/STX") == 0 && r->target_value > 32767) {
		r->status = CORE_ERROR;
		return set_str(&r->error, "offset %llu does not fit the instruction's 16-bit offset",
			       (unsigned long long)r->target_value);
	}
	return 0;
}

int core_relo_explain(const struct btf *local, const struct bext_relo *rec,
		      const struct bext_sec *sec, struct core_target *target,
		      struct core_relo *out, struct errmsg *err)
{
	struct spec *ls;
	struct calc lc;
	char why[WHY_LEN] = "";
	bool parsed;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	out->insn_idx = out->prog_insn_idx = rec->insn_idx;
	out->sec_relo_idx = rec->sec_relo_idx;
	out->kind = rec->kind;
	out->root_type_id = rec->type_id;
	out->access_str = rec->access_str;
	read_insn(sec, rec->insn_off, out);
	ls = malloc(sizeof(*ls));
	if (!ls)
		return errmsg_set(err, -ENOMEM, "out of memory");
	parsed = core_parse_spec(local, rec, ls, why) == 0;
	out->root_type = core_type_label_dup(local, rec->type_id);
	out->spec = core_format_spec(local, rec, ls, parsed);
	if (!out->root_type || !out->spec)
		goto nomem;
	if (!parsed) {
		if (set_str(&out->error, "malformed relocation: %s", why))
			goto nomem;
		out->status = target ? CORE_ERROR : CORE_UNRESOLVED;
		goto done;
	}
	if (core_calc(rec->kind, ls, &lc, why)) {
		if (set_str(&out->error, "%s", why))
			goto nomem;
		out->status = target ? CORE_ERROR : CORE_UNRESOLVED;
		goto done;
	}
	out->local_ok = true;
	out->local_value = lc.val;
	if (target && (resolve(target, ls, &lc, out) || check_patch(&lc, out)))
		goto nomem;
	goto done;
nomem:
	core_relo_clear(out);
	ret = errmsg_set(err, -ENOMEM, "out of memory");
done:
	free(ls);
	return ret;
}

void core_result_free(struct core_result *res)
{
	size_t i;

	if (!res)
		return;
	for (i = 0; i < res->nr; i++)
		core_relo_clear(&res->relos[i]);
	free(res->relos);
	memset(res, 0, sizeof(*res));
}

/* Does existence check e, resolved to 0 on the target, make relocation r dead code? */
static bool guards(const struct core_relo *e, const struct core_relo *r)
{
	size_t n;

	if (e->status != CORE_OK || e->target_value != 0 || !core_is_exists_kind(e->kind) ||
	    e->section != r->section)
		return false;
	if (e->insn_ok)	/* decided by the branch on it */
		return e->dead && r->insn_idx >= e->dead_base &&
		       r->insn_idx - e->dead_base < e->dead_len && e->dead[r->insn_idx - e->dead_base];
	/* no instructions: the same program checking the same type or field */
	if (e->root_type_id != r->root_type_id || e->program != r->program)
		return false;
	if (core_is_type_kind(e->kind))
		return true;
	n = strlen(e->access_str);
	return strncmp(e->access_str, r->access_str, n) == 0 &&
	       (r->access_str[n] == '\0' || r->access_str[n] == ':');
}

static int mark_guarded(struct core_result *res)
{
	size_t i, j;

	for (i = 0; i < res->nr; i++) {
		struct core_relo *r = &res->relos[i];

		for (j = 0; r->status == CORE_POISON && j < res->nr; j++) {
			const struct core_relo *e = &res->relos[j];

			if (!guards(e, r))
				continue;
			r->status = CORE_GUARDED;
			if (set_str(&r->note, "dead code: %s at insn %u (%s) is 0 on the target",
				    core_kind_name(e->kind), e->insn_idx, e->spec))
				return -ENOMEM;
		}
	}
	return 0;
}

int core_analyze(const struct btf *local, const struct bext *ext, struct core_target *target,
		 struct core_result *res, struct errmsg *err)
{
	size_t s, i, k = 0;
	int ret;

	memset(res, 0, sizeof(*res));
	if (!ext || !ext->nr_relos)
		return 0;
	res->relos = calloc(ext->nr_relos, sizeof(*res->relos));
	if (!res->relos)
		return errmsg_set(err, -ENOMEM, "out of memory");
	for (s = 0; s < ext->nr_secs; s++) {
		const struct bext_sec *sec = &ext->secs[s];

		for (i = 0; i < sec->nr_relos && k < ext->nr_relos; i++) {
			struct core_relo *r = &res->relos[k];
			const struct bext_func *f = bext_func_at(sec, sec->relos[i].insn_idx);

			ret = core_relo_explain(local, &sec->relos[i], sec, target, r, err);
			if (ret) {
				core_result_free(res);
				return ret;
			}
			res->nr = ++k;
			r->section = sec->name;
			if (r->insn_ok && core_is_exists_kind(r->kind) &&
			    core_guard_dead(sec, r->insn_idx, r)) {
				core_result_free(res);
				return errmsg_set(err, -ENOMEM, "out of memory");
			}
			if (f) {
				r->program = f->name;
				r->prog_insn_idx = r->insn_idx - f->insn_idx;
			}
		}
	}
	if (target && mark_guarded(res)) {
		core_result_free(res);
		return errmsg_set(err, -ENOMEM, "out of memory");
	}
	for (i = 0; i < res->nr; i++) {
		switch (res->relos[i].status) {
		case CORE_OK: res->nr_ok++; break;
		case CORE_GUARDED: res->nr_guarded++; break;
		case CORE_POISON: res->nr_poison++; break;
		case CORE_ERROR: res->nr_error++; break;
		default: break;
		}
	}
	return 0;
}
