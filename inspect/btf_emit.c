/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* BTF dumps: bpftool's raw text and JSON, streamed type by type, and the C header
 * through libbpf's btf_dump. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "btf_internal.h"
#include "btf_view.h"
#include "jsonw.h"

/* ---- one emitter for raw text and JSON ------------------------------------------------ */

/*
 * bpftool prints each type as "[id] KIND 'name' key=value ..." with one "\n\t..." line per
 * member, and the same keys as a JSON object with a list of member objects. Describing a
 * type once through em_*() keeps the two renderings in step.
 */
struct em {
	struct bk_jsonw *w;
	bool json, pretty;
	int depth;
	bool first[8];	/* no separator yet at this depth */
};

static void em_indent(struct em *e)
{
	int i;

	if (!e->pretty)
		return;
	bk_jw_putc(e->w, '\n');
	for (i = 0; i < e->depth; i++)
		bk_jw_mem(e->w, "    ", 4);
}

static void em_key(struct em *e, const char *key)
{
	if (e->json) {
		if (!e->first[e->depth])
			bk_jw_putc(e->w, ',');
		em_indent(e);
		bk_jw_putc(e->w, '"');
		bk_jw_puts(e->w, key);
		bk_jw_mem(e->w, e->pretty ? "\": " : "\":", e->pretty ? 3 : 2);
	} else {
		if (!e->first[e->depth])
			bk_jw_putc(e->w, ' ');
		bk_jw_puts(e->w, key);
		bk_jw_putc(e->w, '=');
	}
	e->first[e->depth] = false;
}

static void em_u(struct em *e, const char *key, unsigned long long v)
{
	em_key(e, key);
	bk_jw_u64(e->w, v);
}

static void em_s(struct em *e, const char *key, long long v)
{
	em_key(e, key);
	bk_jw_s64(e->w, v);
}

/* A word: JSON string, bare in text (encoding=SIGNED, linkage=static). */
static void em_word(struct em *e, const char *key, const char *v)
{
	em_key(e, key);
	if (e->json)
		bk_jw_str(e->w, v);
	else
		bk_jw_puts(e->w, v);
}

/* Text-only decoration (bpftool's "ULL" suffixes, "(VAR 'x')"). */
static void em_text(struct em *e, const char *s)
{
	if (!e->json)
		bk_jw_puts(e->w, s);
}

/* A name: "name":"x" in JSON, 'x' in text. */
static void em_name(struct em *e, const char *name)
{
	if (e->json) {
		em_key(e, "name");
		bk_jw_str(e->w, name);
		return;
	}
	if (!e->first[e->depth])
		bk_jw_putc(e->w, ' ');
	bk_jw_putc(e->w, '\'');
	bk_jw_puts(e->w, name);
	bk_jw_putc(e->w, '\'');
	e->first[e->depth] = false;
}

static void em_list_begin(struct em *e, const char *key)
{
	if (!e->json)
		return;
	em_key(e, key);
	bk_jw_putc(e->w, '[');
	e->depth++;
	e->first[e->depth] = true;
}

static void em_list_end(struct em *e)
{
	if (!e->json)
		return;
	e->depth--;
	if (!e->first[e->depth + 1])
		em_indent(e);
	bk_jw_putc(e->w, ']');
}

static void em_item_begin(struct em *e)
{
	if (!e->json) {
		bk_jw_mem(e->w, "\n\t", 2);
		e->first[e->depth] = true;
		return;
	}
	if (!e->first[e->depth])
		bk_jw_putc(e->w, ',');
	e->first[e->depth] = false;
	em_indent(e);
	bk_jw_putc(e->w, '{');
	e->depth++;
	e->first[e->depth] = true;
}

static void em_item_end(struct em *e)
{
	if (!e->json)
		return;
	e->depth--;
	em_indent(e);
	bk_jw_putc(e->w, '}');
}

static const char *int_encoding(__u8 enc)
{
	switch (enc) {
	case 0:
		return "(none)";
	case BTF_INT_SIGNED:
		return "SIGNED";
	case BTF_INT_CHAR:
		return "CHAR";
	case BTF_INT_BOOL:
		return "BOOL";
	default:
		return "UNKN";
	}
}

static const char *func_linkage(__u32 linkage)
{
	switch (linkage) {
	case BTF_FUNC_STATIC:
		return "static";
	case BTF_FUNC_GLOBAL:
		return "global";
	case BTF_FUNC_EXTERN:
		return "extern";
	default:
		return "(unknown)";
	}
}

static const char *var_linkage(__u32 linkage)
{
	switch (linkage) {
	case BTF_VAR_STATIC:
		return "static";
	case BTF_VAR_GLOBAL_ALLOCATED:
		return "global";
	case BTF_VAR_GLOBAL_EXTERN:
		return "extern";
	default:
		return "(unknown)";
	}
}

static void emit_members(struct em *e, const struct btf *btf, const struct btf_type *t)
{
	const struct btf_member *m = btf_members(t);
	__u32 i, vlen = btf_vlen(t);
	bool kflag = btf_kflag(t);

	em_u(e, "size", t->size);
	em_u(e, "vlen", vlen);
	em_list_begin(e, "members");
	for (i = 0; i < vlen; i++, m++) {
		__u32 bit_size = kflag ? BTF_MEMBER_BITFIELD_SIZE(m->offset) : 0;
		__u32 bit_off = kflag ? BTF_MEMBER_BIT_OFFSET(m->offset) : m->offset;

		em_item_begin(e);
		em_name(e, bk_btf_name_or_anon(btf, m->name_off));
		em_u(e, "type_id", m->type);
		em_u(e, "bits_offset", bit_off);
		if (bit_size)
			em_u(e, "bitfield_size", bit_size);
		em_item_end(e);
	}
	em_list_end(e);
}

static void emit_enum(struct em *e, const struct btf *btf, const struct btf_type *t)
{
	__u32 i, vlen = btf_vlen(t);
	bool is64 = btf_is_enum64(t), sign = btf_kflag(t);

	em_word(e, "encoding", sign ? "SIGNED" : "UNSIGNED");
	em_u(e, "size", t->size);
	em_u(e, "vlen", vlen);
	em_list_begin(e, "values");
	for (i = 0; i < vlen; i++) {
		__u64 v;
		__u32 name_off;

		if (is64) {
			name_off = btf_enum64(t)[i].name_off;
			v = btf_enum64_value(&btf_enum64(t)[i]);
		} else {
			name_off = btf_enum(t)[i].name_off;
			v = sign ? (__u64)(__s64)btf_enum(t)[i].val : (__u32)btf_enum(t)[i].val;
		}
		em_item_begin(e);
		em_name(e, bk_btf_name_or_anon(btf, name_off));
		if (sign)
			em_s(e, "val", (__s64)v);
		else
			em_u(e, "val", v);
		if (is64)
			em_text(e, sign ? "LL" : "ULL");
		em_item_end(e);
	}
	em_list_end(e);
}

static void emit_proto(struct em *e, const struct btf *btf, const struct btf_type *t)
{
	const struct btf_param *p = btf_params(t);
	__u32 i, vlen = btf_vlen(t);

	em_u(e, "ret_type_id", t->type);
	em_u(e, "vlen", vlen);
	em_list_begin(e, "params");
	for (i = 0; i < vlen; i++, p++) {
		em_item_begin(e);
		em_name(e, bk_btf_name_or_anon(btf, p->name_off));
		em_u(e, "type_id", p->type);
		em_item_end(e);
	}
	em_list_end(e);
}

static void emit_datasec(struct em *e, const struct btf *btf, const struct btf_type *t)
{
	const struct btf_var_secinfo *v = btf_var_secinfos(t);
	__u32 i, vlen = btf_vlen(t);
	const struct btf_type *vt;

	em_u(e, "size", t->size);
	em_u(e, "vlen", vlen);
	em_list_begin(e, "vars");
	for (i = 0; i < vlen; i++, v++) {
		em_item_begin(e);
		em_u(e, "type_id", v->type);
		em_u(e, "offset", v->offset);
		em_u(e, "size", v->size);
		/* bpftool names the variable in text only */
		vt = btf__type_by_id(btf, v->type);
		if (!e->json && vt) {
			bk_jw_mem(e->w, " (", 2);
			bk_jw_puts(e->w, bk_btf_kind_str(btf_kind(vt)));
			bk_jw_mem(e->w, " '", 2);
			bk_jw_puts(e->w, bk_btf_name_or_anon(btf, vt->name_off));
			bk_jw_mem(e->w, "')", 2);
		}
		em_item_end(e);
	}
	em_list_end(e);
}

static void emit_type(struct em *e, const struct btf *btf, __u32 id, const struct btf_type *t)
{
	__u32 kind = btf_kind(t), v;

	if (e->json) {
		em_item_begin(e);
		em_u(e, "id", id);
		em_word(e, "kind", bk_btf_kind_str(kind));
		em_name(e, bk_btf_name_or_anon(btf, t->name_off));
	} else {
		bk_jw_putc(e->w, '[');
		bk_jw_u64(e->w, id);
		bk_jw_puts(e->w, "] ");
		bk_jw_puts(e->w, bk_btf_kind_str(kind));
		e->first[e->depth] = false;
		em_name(e, bk_btf_name_or_anon(btf, t->name_off));
	}

	switch (kind) {
	case BTF_KIND_INT:
		v = *(const __u32 *)(t + 1);
		em_u(e, "size", t->size);
		em_u(e, "bits_offset", BTF_INT_OFFSET(v));
		em_u(e, "nr_bits", BTF_INT_BITS(v));
		em_word(e, "encoding", int_encoding(BTF_INT_ENCODING(v)));
		break;
	case BTF_KIND_PTR:
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_TYPE_TAG:
		em_u(e, "type_id", t->type);
		break;
	case BTF_KIND_ARRAY:
		em_u(e, "type_id", btf_array(t)->type);
		em_u(e, "index_type_id", btf_array(t)->index_type);
		em_u(e, "nr_elems", btf_array(t)->nelems);
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		emit_members(e, btf, t);
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		emit_enum(e, btf, t);
		break;
	case BTF_KIND_FWD:
		em_word(e, "fwd_kind", btf_kflag(t) ? "union" : "struct");
		break;
	case BTF_KIND_FUNC:
		em_u(e, "type_id", t->type);
		em_word(e, "linkage", func_linkage(btf_vlen(t)));
		break;
	case BTF_KIND_FUNC_PROTO:
		emit_proto(e, btf, t);
		break;
	case BTF_KIND_VAR:
		em_u(e, "type_id", t->type);
		em_text(e, ",");	/* bpftool: "type_id=1, linkage=static" */
		em_word(e, "linkage", var_linkage(btf_var(t)->linkage));
		break;
	case BTF_KIND_DATASEC:
		emit_datasec(e, btf, t);
		break;
	case BTF_KIND_FLOAT:
		em_u(e, "size", t->size);
		break;
	case BTF_KIND_DECL_TAG:
		em_u(e, "type_id", t->type);
		em_s(e, "component_idx", btf_decl_tag(t)->component_idx);
		break;
	default:
		break;
	}

	if (e->json)
		em_item_end(e);
	else
		bk_jw_putc(e->w, '\n');
}

int bk_btf_dump_raw(const struct bk_btf *b, const __u32 *ids, size_t n, enum bk_btf_fmt fmt,
		    FILE *f, struct errmsg *err)
{
	const struct btf_type *t;
	struct em e = { 0 };
	struct bk_jsonw *w;
	size_t i, cnt;
	__u32 id;
	int ret;

	w = malloc(sizeof(*w));
	if (!w)
		return errmsg_set(err, -ENOMEM, "out of memory");
	bk_jw_init(w, f);
	e.w = w;
	e.json = fmt != BK_BTF_FMT_RAW;
	e.pretty = fmt == BK_BTF_FMT_JSON_PRETTY;
	e.first[0] = true;

	if (e.json) {
		bk_jw_putc(w, '{');
		e.depth = 1;
		e.first[1] = true;
		em_list_begin(&e, "types");
	}
	cnt = ids ? n : b->type_cnt - b->start_id;
	for (i = 0; i < cnt && !w->err; i++) {
		id = ids ? ids[i] : b->start_id + (__u32)i;
		t = btf__type_by_id(b->btf, id);
		if (t && id)
			emit_type(&e, b->btf, id, t);
	}
	if (e.json) {
		em_list_end(&e);
		e.depth = 0;
		em_indent(&e);
		bk_jw_mem(w, "}\n", 2);
	}
	ret = bk_jw_flush(w);
	free(w);
	if (ret)
		return errmsg_set(err, ret, "write error: %s", strerror(-ret));
	return 0;
}

/* ---- C header ------------------------------------------------------------------------- */

static void file_printf(void *ctx, const char *fmt, va_list args)
{
	vfprintf(ctx, fmt, args);
}

int bk_btf_dump_c(const struct bk_btf *b, const __u32 *ids, size_t n, FILE *f,
		  struct errmsg *err)
{
	struct btf_dump *d;
	size_t i, cnt;
	__u32 id;
	int ret = 0;

	if (!b->checked)
		return errmsg_set(err, -EINVAL, "BTF was not checked");
	d = btf_dump__new(b->btf, file_printf, f, NULL);
	if (!d)
		return errmsg_set(err, -errno, "cannot start the C dump: %s", strerror(errno));

	/* the same guard and preamble as bpftool, so the headers are interchangeable */
	fputs("#ifndef __VMLINUX_H__\n"
	      "#define __VMLINUX_H__\n"
	      "\n"
	      "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"
	      "#pragma clang attribute push (__attribute__((preserve_access_index)), "
	      "apply_to = record)\n"
	      "#endif\n"
	      "\n", f);
	/* like bpftool, every type from id 1, base types of split BTF included */
	cnt = ids ? n : b->type_cnt - 1;
	for (i = 0; i < cnt; i++) {
		id = ids ? ids[i] : (__u32)i + 1;
		ret = btf_dump__dump_type(d, id);
		if (ret) {
			errmsg_set(err, ret, "cannot emit type [%u] as C: %s", id, strerror(-ret));
			goto cleanup;
		}
	}
	fputs("#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"
	      "#pragma clang attribute pop\n"
	      "#endif\n"
	      "\n"
	      "#endif /* __VMLINUX_H__ */\n", f);
	if (fflush(f) || ferror(f))
		ret = errmsg_set(err, -EIO, "write error: %s", strerror(errno ? errno : EIO));
cleanup:
	btf_dump__free(d);
	return ret;
}
