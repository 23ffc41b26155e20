/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bpfkit inspect OBJ --core [--target-btf FILE | --kernel] and --lines: the .BTF.ext views.
 * --core lists every CO-RE relocation: where it is, what it reads in C spelling, the value
 * compiled into the object and, against a target BTF, the value libbpf would patch in or
 * why it cannot. --lines lists func_info and line_info records.
 */
#include <errno.h>
#include <string.h>

#include <bpf/btf.h>

#include "btf_ext.h"
#include "cli.h"
#include "core.h"
#include "inspect_views.h"

void inspect_core_relo_out(struct out *o, const struct core_relo *r, const char *target)
{
	out_object_begin(o, NULL, NULL);
	if (target && *target)
		out_str(o, "target", "TARGET BTF", target);
	if (r->program)
		out_str(o, "program", "PROGRAM", r->program);
	else
		out_null(o, "program", "PROGRAM");
	out_str(o, "section", "SECTION", r->section);
	out_u64(o, "insn_idx", "INSN", r->insn_idx);
	/* libbpf's numbering in its log ("prog 'x': relo #N: ... insn #M"), for comparisons */
	if (r->program)
		out_u64(o, "prog_insn_idx", "PROG INSN", r->prog_insn_idx);
	else
		out_null(o, "prog_insn_idx", "PROG INSN");
	out_str(o, "kind", "KIND", core_kind_name(r->kind));
	out_str(o, "root_type", "TYPE", r->root_type);
	out_str(o, "access_str", "ACCESS", r->access_str);
	out_str(o, "spec", "SPEC", r->spec);
	if (r->local_ok)
		out_u64(o, "local_value", "LOCAL", r->local_value);
	else
		out_null(o, "local_value", "LOCAL");
	if (target) {
		if (r->status == CORE_OK)
			out_u64(o, "target_value", "TARGET", r->target_value);
		else
			out_null(o, "target_value", "TARGET");
		out_str(o, "status", "STATUS", core_status_name(r->status));
	}
	if (r->error)
		out_str(o, "error", "REASON", r->error);
	else
		out_null(o, "error", "REASON");
	/* why an existence check resolved to 0, a load size change, ... */
	if (r->note)
		out_str(o, "note", "NOTE", r->note);
	else
		out_null(o, "note", "NOTE");
	out_object_end(o);
}

/* Target BTF and its index; both NULL when neither --target-btf nor --kernel is given. */
static int open_target(struct cli_ctx *ctx, const char *path, bool kernel, struct bk_btf *btf,
		       struct core_target **tg)
{
	struct errmsg err = { 0 };

	*tg = NULL;
	if (!path && !kernel)
		return EXIT_OK;
	if (core_btf_load(path, btf, &err) || core_target_new(btf->btf, tg, &err)) {
		bk_btf__close(btf);
		return cli_errmsg(ctx, &err);
	}
	return EXIT_OK;
}

int inspect_view_core(struct cli_ctx *ctx, struct bk_object *o, const char *target_btf,
		      bool kernel)
{
	const struct bext_object *code;
	struct core_target *tg = NULL;
	struct errmsg err = { 0 };
	struct core_result res = { 0 };
	struct bk_btf tbtf = { 0 };
	size_t i;
	int ret;

	/* an object without .BTF has no relocations to show: an empty list, not an error */
	bk_object_ext(o, &code, &err);
	ret = open_target(ctx, target_btf, kernel, &tbtf, &tg);
	if (ret)
		goto out;
	if (code->btf && core_analyze(code->btf, code->ext, tg, &res, &err)) {
		ret = cli_errmsg(ctx, &err);
		goto out;
	}
	out_list_begin(ctx->out, "core_relos", "CO-RE relocations");
	for (i = 0; i < res.nr; i++)
		inspect_core_relo_out(ctx->out, &res.relos[i], tg ? "" : NULL);
	out_list_end(ctx->out);
out:
	core_result_free(&res);
	core_target_free(tg);
	bk_btf__close(&tbtf);
	return ret;
}

static void show_funcs(struct cli_ctx *ctx, const struct bext *ext)
{
	struct out *o = ctx->out;
	size_t s, i;

	out_list_begin(o, "func_info", "Function info");
	for (s = 0; ext && s < ext->nr_secs; s++) {
		const struct bext_sec *sec = &ext->secs[s];

		for (i = 0; i < sec->nr_funcs; i++) {
			out_object_begin(o, NULL, NULL);
			out_str(o, "program", "PROGRAM", sec->funcs[i].name);
			out_str(o, "section", "SECTION", sec->name);
			out_u64(o, "insn_idx", "INSN", sec->funcs[i].insn_idx);
			out_u64(o, "type_id", "TYPE ID", sec->funcs[i].type_id);
			out_object_end(o);
		}
	}
	out_list_end(o);
}

static void show_lines(struct cli_ctx *ctx, const struct bext *ext)
{
	struct out *o = ctx->out;
	size_t s, i;

	out_list_begin(o, "line_info", "Line info");
	for (s = 0; ext && s < ext->nr_secs; s++) {
		const struct bext_sec *sec = &ext->secs[s];

		for (i = 0; i < sec->nr_lines; i++) {
			const struct bext_line *l = &sec->lines[i];
			const struct bext_func *f = bext_func_at(sec, l->insn_idx);

			out_object_begin(o, NULL, NULL);
			if (f)
				out_str(o, "program", "PROGRAM", f->name);
			else
				out_null(o, "program", "PROGRAM");
			out_str(o, "section", "SECTION", sec->name);
			out_u64(o, "insn_idx", "INSN", l->insn_idx);
			out_str(o, "file", "FILE", l->file);
			out_u64(o, "line", "LINE", l->line_num);
			out_u64(o, "column", "COL", l->col);
			/* indentation would break the text table's columns */
			out_str(o, "source", "SOURCE", l->line + strspn(l->line, " \t"));
			out_object_end(o);
		}
	}
	out_list_end(o);
}

int inspect_view_lines(struct cli_ctx *ctx, struct bk_object *o)
{
	const struct bext_object *code;

	bk_object_ext(o, &code, NULL);	/* no .BTF: no line info, empty lists */
	show_funcs(ctx, code->ext);
	show_lines(ctx, code->ext);
	return EXIT_OK;
}
