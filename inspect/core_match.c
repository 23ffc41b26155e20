/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The target side of CO-RE: candidate types by essential name, indexed once per target, and
 * the matching of a local spec against each candidate, as libbpf describes it. */
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

/* ---- target side ---- */

static uint64_t name_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	while (n--) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int core_target_new(const struct btf *btf, struct core_target **out, struct errmsg *err)
{
	struct core_target *t;
	uint32_t n, id;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	n = btf__type_cnt(btf);
	if (t)
		t->cands = calloc(n ? n : 1, sizeof(*t->cands));
	if (!t || !t->cands) {
		free(t);
		return errmsg_set(err, -ENOMEM, "out of memory");
	}
	t->btf = btf;
	for (id = 1; id < n; id++) {
		const struct btf_type *bt = btf__type_by_id(btf, id);
		const char *name = bt ? btf__name_by_offset(btf, bt->name_off) : NULL;

		if (!name || !name[0])
			continue;
		t->cands[t->nr++] = (struct cand){ name_hash(name, core_essential_len(name)), id };
	}
	qsort(t->cands, t->nr, sizeof(*t->cands), cand_cmp);
	*out = t;
	return 0;
}

int core_btf_load(const char *path, struct bk_btf *out, struct errmsg *err)
{
	return bk_btf__open(out, path ? path : BK_BTF_KERNEL_PATH, NULL, err);
}

void core_target_free(struct core_target *t)
{
	if (!t)
		return;
	free(t->cands);
	free(t);
}

/* Candidate ids for a local type: same essential name, compatible kind, in id order. */
size_t core_find_cands(const struct core_target *tg, const struct btf_type *local_t,
			 const char *name, uint32_t **ids)
{
	size_t len = core_essential_len(name), lo = 0, hi = tg->nr, n = 0, i;
	uint64_t h = name_hash(name, len);

	*ids = NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (tg->cands[mid].hash < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < tg->nr && tg->cands[i].hash == h; i++) {
		const struct btf_type *t = btf__type_by_id(tg->btf, tg->cands[i].id);
		const char *tn = btf__name_by_offset(tg->btf, t->name_off);
		uint32_t *p;

		if (!core_kinds_compat(t, local_t) || core_essential_len(tn) != len ||
		    strncmp(tn, name, len) != 0)
			continue;
		p = realloc(*ids, (n + 1) * sizeof(**ids));
		if (!p) {
			free(*ids);
			*ids = NULL;
			return (size_t)-1;
		}
		*ids = p;
		p[n++] = tg->cands[i].id;
	}
	return n;
}

static bool names_essentially_equal(const char *a, const char *b)
{
	size_t la = core_essential_len(a), lb = core_essential_len(b);

	return la == lb && strncmp(a, b, la) == 0;
}

/* Are two field types compatible for relocation? 1 yes, 0 no, <0 broken BTF. */
static int fields_compat(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid)
{
	int depth;

	for (depth = 0; depth < MOD_DEPTH; depth++) {
		const struct btf_type *lt = core_skip_mods(lb, lid, &lid);
		const struct btf_type *tt = core_skip_mods(tb, tid, &tid);

		if (!lt || !tt)
			return -EINVAL;
		if (btf_is_composite(lt) && btf_is_composite(tt))
			return 1;
		if (!core_kinds_compat(lt, tt))
			return 0;
		switch (btf_kind(lt)) {
		case BTF_KIND_PTR:
		case BTF_KIND_FLOAT:
			return 1;
		case BTF_KIND_FWD:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64: {
			const char *ln = core_str_or_empty(lb, lt->name_off);
			const char *tn = core_str_or_empty(tb, tt->name_off);

			return !*ln || !*tn || names_essentially_equal(ln, tn);
		}
		case BTF_KIND_INT:
			/* size and signedness do not matter for an offset */
			return btf_int_offset(lt) == 0 && btf_int_offset(tt) == 0;
		case BTF_KIND_ARRAY:
			lid = btf_array(lt)->type;
			tid = btf_array(tt)->type;
			continue;
		default:
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * Find the local named member in target type tid, descending into anonymous members.
 * Extends spec (raw steps, bit offset, accessor). 1 found, 0 not found, <0 error.
 */
static int match_member(const struct btf *lb, const struct acc *lacc, uint32_t tid,
			struct spec *ts, uint32_t *next_id, int *incompat)
{
	const struct btf *tb = ts->btf;
	const struct btf_type *lt = btf__type_by_id(lb, lacc->type_id);
	const struct btf_member *lm = btf_members(lt) + lacc->idx;
	const struct btf_type *tt = core_skip_mods(tb, tid, &tid);
	const struct btf_member *m;
	int i, n, ret;

	if (!tt)
		return -EINVAL;
	if (!btf_is_composite(tt))
		return 0;
	n = btf_vlen(tt);
	m = btf_members(tt);
	for (i = 0; i < n; i++, m++) {
		uint32_t off = btf_member_bit_offset(tt, i);
		const char *name;

		if (++ts->steps > STEP_BUDGET)
			return -E2BIG;
		if (ts->raw_len == SPEC_MAX)
			return -E2BIG;
		ts->bit_off += off;
		ts->raw[ts->raw_len++] = i;
		name = core_str_or_empty(tb, m->name_off);
		if (!*name) {
			ret = match_member(lb, lacc, m->type, ts, next_id, incompat);
			if (ret)
				return ret;
		} else if (strcmp(name, lacc->name) == 0) {
			ret = fields_compat(lb, lm->type, tb, m->type);
			if (ret <= 0) {
				if (ret == 0)
					*incompat = 1;
				return ret;
			}
			ts->acc[ts->len++] = (struct acc){ tid, i, name };
			*next_id = m->type;
			return 1;
		}
		ts->bit_off -= off;
		ts->raw_len--;
	}
	return 0;
}

static int match_enumval(const struct spec *ls, uint32_t tid, struct spec *ts, char *why)
{
	const struct btf *tb = ts->btf;
	const struct btf_type *t = core_skip_mods(tb, tid, &tid);
	char label[256];
	int i;

	if (!t)
		return -EINVAL;
	core_type_label(tb, tid, label, sizeof(label));
	if (!btf_is_any_enum(t)) {
		core_why_set(why, "%s is not an enum", label);
		return 0;
	}
	for (i = 0; i < btf_vlen(t); i++) {
		uint32_t off = btf_is_enum(t) ? btf_enum(t)[i].name_off : btf_enum64(t)[i].name_off;
		const char *name = core_str_or_empty(tb, off);

		if (names_essentially_equal(name, ls->acc[0].name)) {
			ts->acc[0] = (struct acc){ tid, i, name };
			ts->len = 1;
			ts->raw[0] = i;
			ts->raw_len = 1;
			return 1;
		}
	}
	core_why_set(why, "enumerator '%s' not found in %s", ls->acc[0].name, label);
	return 0;
}

/* One array step on the target side. */
static int match_index(const struct acc *lacc, const struct spec *ls, int i, uint32_t *tid,
		       struct spec *ts, char *why)
{
	const struct btf *tb = ts->btf;
	const struct btf_type *t = core_skip_mods(tb, *tid, tid);

	if (!t)
		return -EINVAL;
	if (i > 0) {
		const struct btf_array *a;
		const struct acc *prev = &ts->acc[ts->len - 1];
		bool flex = false;

		if (!btf_is_array(t)) {
			core_why_set(why, "%s: '%s' is not an array in the target",
				"access", prev->name ? prev->name : "element");
			return 0;
		}
		a = btf_array(t);
		if (prev->name && a->nelems == 0) {
			const struct btf_type *pt = btf__type_by_id(tb, prev->type_id);

			flex = pt && btf_vlen(pt) && prev->idx == btf_vlen(pt) - 1u;
		}
		if (!flex && lacc->idx >= a->nelems) {
			core_why_set(why, "index [%u] out of bounds: '%s' has %u elements in the target",
				lacc->idx, prev->name ? prev->name : "array", a->nelems);
			return 0;
		}
		if (!core_skip_mods(tb, a->type, tid))
			return -EINVAL;
	}
	if (ts->raw_len == SPEC_MAX)
		return -E2BIG;
	ts->acc[ts->len++] = (struct acc){ *tid, lacc->idx, NULL };
	ts->raw[ts->raw_len++] = lacc->idx;
	(void)ls;
	return core_add_elems(ts, lacc->idx, *tid, why) ? -EINVAL : 1;
}

static int match_fields(const struct spec *ls, uint32_t tid, struct spec *ts, char *why)
{
	int i, ret;

	for (i = 0; i < ls->len; i++) {
		const struct acc *lacc = &ls->acc[i];

		if (lacc->name) {
			char label[256];
			int incompat = 0;
			uint32_t cur;

			if (!core_skip_mods(ts->btf, tid, &cur))
				return -EINVAL;
			ret = match_member(ls->btf, lacc, cur, ts, &tid, &incompat);
			if (ret == 0) {
				core_type_label(ts->btf, cur, label, sizeof(label));
				if (incompat)
					core_why_set(why, "field '%s' of %s has an incompatible type",
						lacc->name, label);
				else
					core_why_set(why, "field '%s' not found in %s", lacc->name, label);
			}
		} else {
			ret = match_index(lacc, ls, i, &tid, ts, why);
		}
		if (ret <= 0)
			return ret;
	}
	return 1;
}

/* Compatibility of whole types (type_exists, type_size, target_type_id). */
static int types_compat(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
			int level, unsigned int *steps)
{
	int depth;

	for (depth = 0; depth < MOD_DEPTH; depth++) {
		const struct btf_type *lt = core_skip_mods(lb, lid, &lid);
		const struct btf_type *tt = core_skip_mods(tb, tid, &tid);

		if (!lt || !tt || ++*steps > STEP_BUDGET)
			return -EINVAL;
		if (!core_kinds_compat(lt, tt))
			return 0;
		switch (btf_kind(lt)) {
		case BTF_KIND_UNKN:
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_FWD:
			return 1;
		case BTF_KIND_INT:
			return btf_int_offset(lt) == 0 && btf_int_offset(tt) == 0;
		case BTF_KIND_PTR:
			lid = lt->type;
			tid = tt->type;
			continue;
		case BTF_KIND_ARRAY:
			lid = btf_array(lt)->type;
			tid = btf_array(tt)->type;
			continue;
		case BTF_KIND_FUNC_PROTO: {
			const struct btf_param *lp = btf_params(lt), *tp = btf_params(tt);
			int i, ret;

			if (btf_vlen(lt) != btf_vlen(tt))
				return 0;
			for (i = 0; i < btf_vlen(lt); i++) {
				if (level <= 0)
					return -EINVAL;
				ret = types_compat(lb, lp[i].type, tb, tp[i].type, level - 1, steps);
				if (ret <= 0)
					return ret;
			}
			lid = lt->type;
			tid = tt->type;
			continue;
		}
		default:
			return 0;
		}
	}
	return -EINVAL;
}

static bool names_match(const struct btf *lb, uint32_t loff, const struct btf *tb, uint32_t toff)
{
	const char *ln = core_str_or_empty(lb, loff), *tn = core_str_or_empty(tb, toff);

	if (!*tn)
		return !*ln;
	return names_essentially_equal(ln, tn);
}

static int types_match(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
		       bool behind_ptr, int level, unsigned int *steps);

static int enums_match(const struct btf *lb, const struct btf_type *lt, const struct btf *tb,
		       const struct btf_type *tt)
{
	int i, j;

	if (lt->size != tt->size || btf_vlen(lt) > btf_vlen(tt))
		return 0;
	for (i = 0; i < btf_vlen(lt); i++) {
		uint32_t lo = btf_is_enum(lt) ? btf_enum(lt)[i].name_off : btf_enum64(lt)[i].name_off;
		bool found = false;

		for (j = 0; j < btf_vlen(tt) && !found; j++) {
			uint32_t to = btf_is_enum(tt) ? btf_enum(tt)[j].name_off :
							 btf_enum64(tt)[j].name_off;

			found = names_match(lb, lo, tb, to);
		}
		if (!found)
			return 0;
	}
	return 1;
}

static int composites_match(const struct btf *lb, const struct btf_type *lt,
			    const struct btf *tb, const struct btf_type *tt, bool behind_ptr,
			    int level, unsigned int *steps)
{
	const struct btf_member *lm = btf_members(lt);
	int i, j, ret;

	if (btf_vlen(lt) > btf_vlen(tt))
		return 0;
	for (i = 0; i < btf_vlen(lt); i++, lm++) {
		const struct btf_member *tm = btf_members(tt);
		bool found = false;

		for (j = 0; j < btf_vlen(tt) && !found; j++, tm++) {
			if (++*steps > STEP_BUDGET)
				return -E2BIG;
			if (!names_match(lb, lm->name_off, tb, tm->name_off))
				continue;
			ret = types_match(lb, lm->type, tb, tm->type, behind_ptr, level - 1, steps);
			if (ret < 0)
				return ret;
			found = ret > 0;
		}
		if (!found)
			return 0;
	}
	return 1;
}

/* The stricter "type matches" relation (bpf_core_type_matches()). */
static int types_match(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
		       bool behind_ptr, int level, unsigned int *steps)
{
	int depth;

	if (level <= 0)
		return -EINVAL;
	for (depth = 0; depth < MOD_DEPTH; depth++) {
		const struct btf_type *lt = core_skip_mods(lb, lid, &lid);
		const struct btf_type *tt = core_skip_mods(tb, tid, &tid);
		int lk, tk, i, ret;

		if (!lt || !tt || ++*steps > STEP_BUDGET)
			return -EINVAL;
		if (!names_match(lb, lt->name_off, tb, tt->name_off))
			return 0;
		lk = btf_kind(lt);
		tk = btf_kind(tt);
		switch (lk) {
		case BTF_KIND_UNKN:
			return lk == tk;
		case BTF_KIND_FWD:
			if (lk == tk)
				return btf_kflag(lt) == btf_kflag(tt);
			return behind_ptr && ((tk == BTF_KIND_STRUCT && !btf_kflag(lt)) ||
					      (tk == BTF_KIND_UNION && btf_kflag(lt)));
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
			return btf_is_any_enum(tt) && enums_match(lb, lt, tb, tt);
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			if (behind_ptr) {
				if (lk == tk)
					return 1;
				return tk == BTF_KIND_FWD && (lk == BTF_KIND_UNION) == btf_kflag(tt);
			}
			return lk == tk && composites_match(lb, lt, tb, tt, behind_ptr, level, steps);
		case BTF_KIND_INT:
			return lk == tk && lt->size == tt->size &&
			       core_int_signed(lt) == core_int_signed(tt);
		case BTF_KIND_PTR:
			if (lk != tk)
				return 0;
			behind_ptr = true;
			lid = lt->type;
			tid = tt->type;
			continue;
		case BTF_KIND_ARRAY:
			if (lk != tk || btf_array(lt)->nelems != btf_array(tt)->nelems)
				return 0;
			lid = btf_array(lt)->type;
			tid = btf_array(tt)->type;
			continue;
		case BTF_KIND_FUNC_PROTO:
			if (lk != tk || btf_vlen(lt) != btf_vlen(tt))
				return 0;
			for (i = 0; i < btf_vlen(lt); i++) {
				ret = types_match(lb, btf_params(lt)[i].type, tb,
						  btf_params(tt)[i].type, behind_ptr, level - 1, steps);
				if (ret <= 0)
					return ret;
			}
			lid = lt->type;
			tid = tt->type;
			continue;
		default:
			return 0;
		}
	}
	return -EINVAL;
}

/* Match the local spec against candidate tid: 1 match, 0 no (why set), <0 error. */
int core_spec_match(const struct spec *ls, const struct btf *tb, uint32_t tid,
		      struct spec *ts, char *why)
{
	char label[256];
	int ret;

	memset(ts, 0, sizeof(*ts));
	ts->btf = tb;
	ts->root_id = tid;
	ts->kind = ls->kind;
	if (core_is_type_kind(ls->kind)) {
		ret = ls->kind == BPF_CORE_TYPE_MATCHES ?
			types_match(ls->btf, ls->root_id, tb, tid, false, 32, &ts->steps) :
			types_compat(ls->btf, ls->root_id, tb, tid, 32, &ts->steps);
		if (ret == 0) {
			core_type_label(tb, tid, label, sizeof(label));
			core_why_set(why, "%s [%u] is not %s the local type", label, tid,
				ls->kind == BPF_CORE_TYPE_MATCHES ? "a match for" : "compatible with");
		}
		return ret;
	}
	if (core_is_enumval_kind(ls->kind))
		return match_enumval(ls, tid, ts, why);
	return match_fields(ls, tid, ts, why);
}

bool core_mem_size_ok(const struct btf *lb, const struct calc *l, const struct btf *tb,
			const struct calc *t)
{
	const struct btf_type *lt = btf__type_by_id(lb, l->type_id);
	const struct btf_type *tt = btf__type_by_id(tb, t->type_id);

	if (l->sz == t->sz)
		return true;
	if (!lt || !tt)
		return false;
	if (btf_is_ptr(lt) && btf_is_ptr(tt))
		return true;
	return btf_is_int(lt) && btf_is_int(tt) && !core_int_signed(lt) && !core_int_signed(tt);
}
