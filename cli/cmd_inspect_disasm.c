// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bpfkit inspect OBJ --disasm [--program NAME]: every function of every code section,
 * instruction by instruction in llvm-objdump's syntax, annotated from the object itself:
 * helper names, map and global-variable names from relocations, callee names for
 * bpf-to-bpf calls, branch labels, and the source lines of .BTF.ext line_info.
 *
 * Text mode prints free-form lines (out_printf); JSON mode adds
 *   "disasm": [{"name", "section", "insns": [{"idx", "text", "note"?, "source"?}]}]
 * to the inspect document. Instruction indexes count from the start of the section, as
 * llvm-objdump's do.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <gelf.h>

#include "btf_ext.h"
#include "cli.h"
#include "disasm.h"
#include "code.h"
#include "inspect_views.h"

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Text mode: "; <source> @ file.c:12" above the first instruction of each new line. */
static void print_source(struct out *o, const struct bext_line *line,
			 const struct bext_line **last)
{
	const char *text;

	if (!line || !line->line[0])
		return;
	if (*last && (*last)->line_num == line->line_num && !strcmp((*last)->file, line->file))
		return;
	*last = line;
	text = line->line + strspn(line->line, " \t");
	out_printf(o, "; %s @ %s:%u\n", text, base_name(line->file), line->line_num);
}

static void print_insn(struct cli_ctx *ctx, const struct disasm_insn *d, const char *label,
		       const struct bext_line *line, const struct bext_line **last)
{
	struct out *o = ctx->out;

	if (!out_json(o)) {
		if (label)	/* a jump target, on its own line as llvm-objdump shows it */
			out_printf(o, "%s:\n", label);
		print_source(o, line, last);
		if (d->note[0])
			out_printf(o, "%6zu: %s  ; %s\n", d->idx, d->text, d->note);
		else
			out_printf(o, "%6zu: %s\n", d->idx, d->text);
		return;
	}
	out_object_begin(o, NULL, NULL);
	out_u64(o, "idx", NULL, d->idx);
	if (label)
		out_str(o, "label", NULL, label);
	out_str(o, "text", NULL, d->text);
	if (d->note[0])
		out_str(o, "note", NULL, d->note);
	if (line) {
		out_object_begin(o, "source", NULL);
		out_str(o, "file", NULL, line->file);
		out_u64(o, "line", NULL, line->line_num);
		out_u64(o, "column", NULL, line->col);
		out_str(o, "text", NULL, line->line);
		out_object_end(o);
	}
	out_object_end(o);
}

static int print_func(struct cli_ctx *ctx, struct bk_code_sec *c, const struct bk_func *f)
{
	const struct disasm_resolver r = bk_code_resolver(c);
	const struct bext_line *last = NULL;
	struct disasm_insn d;
	struct errmsg err = { 0 };

	if (out_json(ctx->out)) {
		out_object_begin(ctx->out, NULL, NULL);
		out_str(ctx->out, "name", NULL, f->name);
		out_str(ctx->out, "section", NULL, c->sec->name);
		out_list_begin(ctx->out, "insns", NULL);
	} else {
		out_printf(ctx->out, "%s %s:\n", c->sec->name, f->name);
	}
	for (size_t i = f->start; i < f->end; i += d.slots) {
		if (disasm_one(c->insns, c->count, i, &r, &d, &err))
			return cli_errmsg(ctx, &err);
		print_insn(ctx, &d, i > f->start ? bk_code_label_at(c, i) : NULL, c->line_of[i],
			   &last);
	}
	if (out_json(ctx->out)) {
		out_list_end(ctx->out);
		out_object_end(ctx->out);
	} else {
		out_printf(ctx->out, "\n");
	}
	return EXIT_OK;
}

static bool wanted(const char *program, const struct bk_code_sec *c, const struct bk_func *f)
{
	return !program || !strcmp(program, f->name) || !strcmp(program, c->sec->name);
}

int inspect_view_disasm(struct cli_ctx *ctx, struct bk_object *o, const char *program)
{
	struct errmsg err = { 0 };
	struct bk_code *code;
	size_t shown = 0;
	int ret = EXIT_OK;

	if (bk_object_code(o, &code, &err))
		return cli_errmsg(ctx, &err);
	if (out_json(ctx->out))
		out_list_begin(ctx->out, "disasm", "Disassembly");
	for (size_t s = 0; s < code->nr_secs && !ret; s++) {
		struct bk_code_sec *c = &code->secs[s];

		for (size_t i = 0; i < c->nr_funcs && !ret; i++) {
			if (!wanted(program, c, &c->funcs[i]))
				continue;
			ret = print_func(ctx, c, &c->funcs[i]);
			shown++;
		}
	}
	if (out_json(ctx->out))
		out_list_end(ctx->out);
	if (!ret && program && !shown)
		ret = cli_error(ctx, "%s: no program or section named '%s'", o->name, program);
	return ret;
}
