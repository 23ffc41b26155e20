/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bpfkit inspect OBJ: what is in a BPF object, without loading anything. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gelf.h>

#include "bk_dwarf.h"
#include "cli.h"
#include "elfread.h"
#include "inspect_views.h"
#include "object.h"
#include "objrefs.h"
#include "gen.h"

#include <cjson/cJSON.h>

#include <bpf/btf.h>

/* Views not linked into this build are reported, not crashed on. */
#pragma weak inspect_view_disasm
#pragma weak inspect_view_core
#pragma weak inspect_view_lines

enum {
	V_SECTIONS = 1 << 0, V_SYMBOLS = 1 << 1, V_PROGRAMS = 1 << 2, V_MAPS = 1 << 3,
	V_LINES = 1 << 4, V_CORE = 1 << 5, V_DISASM = 1 << 6, V_GLOBALS = 1 << 7,
	V_BTF = 1 << 8,
	V_ALL = (1 << 9) - 1,
	V_TYPES = 1 << 9,	/* not in --all: it reads DWARF, which the gate does not check */
};

struct inspect_opts {
	unsigned int views;	/* 0: summary + programs + maps + sections */
	const char *program;
	const char *target_btf;
	bool kernel;
};

static void show_summary(struct cli_ctx *ctx, const struct bk_elf *e,
			 const struct bk_objinfo *info)
{
	const struct bk_section *btf = bk_elf_section(e, ".BTF");
	const struct bk_section *ext = bk_elf_section(e, ".BTF.ext");
	uint64_t code = 0, debug = 0;
	int64_t kver = bk_elf_kern_version(e);

	for (size_t i = 1; i < e->nr_sections; i++) {
		const struct bk_section *s = &e->sections[i];

		if (s->flags & SHF_EXECINSTR)
			code += s->size;
		if (!strncmp(s->name, ".debug_", 7) || !strncmp(s->name, ".rel.debug_", 11))
			debug += s->size;
	}
	out_str(ctx->out, "file", NULL, e->path);
	out_str(ctx->out, "class", NULL, "ELF64");
	out_str(ctx->out, "endianness", NULL, e->data == ELFDATA2MSB ? "big" : "little");
	out_str(ctx->out, "machine", NULL, "bpf");
	out_str(ctx->out, "license", NULL, bk_elf_license(e));
	if (kver >= 0)
		out_u64(ctx->out, "kern_version", "kernel version", (uint64_t)kver);
	else
		out_null(ctx->out, "kern_version", "kernel version");
	if (info) {
		out_u64(ctx->out, "nr_programs", "programs", info->nr_progs);
		out_u64(ctx->out, "nr_maps", "maps", info->nr_maps);
	} else {	/* damaged: libbpf, which names them, is not given the object */
		out_null(ctx->out, "nr_programs", "programs");
		out_null(ctx->out, "nr_maps", "maps");
	}
	out_u64(ctx->out, "bytes_code", "code bytes", code);
	out_u64(ctx->out, "bytes_btf", "BTF bytes", btf ? btf->size : 0);
	out_u64(ctx->out, "bytes_btf_ext", "BTF.ext bytes", ext ? ext->size : 0);
	out_u64(ctx->out, "bytes_debug", "DWARF bytes", debug);
}

static void show_sections(struct cli_ctx *ctx, const struct bk_elf *e)
{
	char type[32], flags[16];

	out_list_begin(ctx->out, "sections", "Sections");
	for (size_t i = 0; i < e->nr_sections; i++) {
		const struct bk_section *s = &e->sections[i];

		bk_elf_section_flags_str(s->flags, flags, sizeof(flags));
		out_object_begin(ctx->out, NULL, NULL);
		out_u64(ctx->out, "index", "NR", s->index);
		out_str(ctx->out, "name", NULL, s->name);
		out_str(ctx->out, "type", NULL, bk_elf_section_type_str(s->type, type, sizeof(type)));
		out_str(ctx->out, "flags", NULL, flags);
		/* text as readelf -S --wide spells them (hex), JSON as numbers */
		out_u64_xtext(ctx->out, "address", NULL, s->addr, 16);
		out_u64_xtext(ctx->out, "offset", "OFF", s->offset, 6);
		out_u64_xtext(ctx->out, "size", NULL, s->size, 6);
		out_u64_xtext(ctx->out, "entsize", "ES", s->entsize, 2);
		out_u64(ctx->out, "link", NULL, s->link);
		out_u64(ctx->out, "info", NULL, s->info);
		out_u64(ctx->out, "align", NULL, s->align);
		out_object_end(ctx->out);
	}
	out_list_end(ctx->out);
}

static void show_symbols(struct cli_ctx *ctx, const struct bk_elf *e)
{
	out_list_begin(ctx->out, "symbols", "Symbols");
	for (size_t i = 0; i < e->nr_symbols; i++) {
		const struct bk_symbol *s = &e->symbols[i];

		out_object_begin(ctx->out, NULL, NULL);
		out_u64(ctx->out, "index", "NUM", i);
		out_u64_xtext(ctx->out, "value", NULL, s->value, 16);	/* readelf -s: hex */
		out_u64(ctx->out, "size", NULL, s->size);
		out_str(ctx->out, "type", NULL, bk_elf_sym_type_str(s->type));
		out_str(ctx->out, "bind", NULL, bk_elf_sym_bind_str(s->bind));
		out_str(ctx->out, "section", NULL, s->section ? s->section :
			s->shndx == SHN_ABS ? "ABS" : s->shndx == SHN_COMMON ? "COMMON" : "UND");
		out_str(ctx->out, "name", NULL, s->name);
		out_object_end(ctx->out);
	}
	out_list_end(ctx->out);
}

static void show_prog_refs(struct cli_ctx *ctx, const struct bk_code *code,
			   const struct bk_prog *p)
{
	struct bk_prog_refs refs;
	struct errmsg err = { 0 };

	if (!code || bk_prog_refs(code, p->section, p->name, &refs, &err))
		memset(&refs, 0, sizeof(refs));
	out_list_begin(ctx->out, "subprograms", NULL);
	for (size_t i = 0; i < refs.nr_subprogs; i++)
		out_str(ctx->out, NULL, NULL, refs.subprogs[i]);
	out_list_end(ctx->out);
	out_list_begin(ctx->out, "map_refs", "MAPS");
	for (size_t i = 0; i < refs.nr_maps; i++)
		out_str(ctx->out, NULL, NULL, refs.maps[i]);
	out_list_end(ctx->out);
	out_bool(ctx->out, "tail_call", "TAIL CALL", refs.tail_call);
	bk_prog_refs_free(&refs);
}

static void show_programs(struct cli_ctx *ctx, struct bk_object *o,
			  const struct bk_objinfo *info)
{
	struct bk_code *code = NULL;

	if (bk_object_code(o, &code, NULL))
		code = NULL;
	out_list_begin(ctx->out, "programs", "Programs");
	for (size_t i = 0; i < info->nr_progs; i++) {
		const struct bk_prog *p = &info->progs[i];

		out_object_begin(ctx->out, NULL, NULL);
		out_str(ctx->out, "name", NULL, p->name);
		out_str(ctx->out, "section", NULL, p->section);
		out_str(ctx->out, "type", NULL, p->type);
		out_str(ctx->out, "attach_type", NULL, p->attach_type);
		out_str(ctx->out, "attach_target", "TARGET", p->attach_target);
		out_u64(ctx->out, "insn_cnt", "INSNS", p->insn_cnt);
		out_u64(ctx->out, "bytes", NULL, p->insn_cnt * 8);
		show_prog_refs(ctx, code, p);
		out_object_end(ctx->out);
	}
	out_list_end(ctx->out);
}

static void show_maps(struct cli_ctx *ctx, const struct bk_objinfo *info)
{
	out_list_begin(ctx->out, "maps", "Maps");
	for (size_t i = 0; i < info->nr_maps; i++) {
		const struct bk_map *m = &info->maps[i];

		out_object_begin(ctx->out, NULL, NULL);
		out_str(ctx->out, "name", NULL, m->name);
		out_str(ctx->out, "type", NULL, m->type);
		out_u64(ctx->out, "bytes_key", "KEY", m->key_size);
		out_u64(ctx->out, "bytes_value", "VALUE", m->value_size);
		out_u64(ctx->out, "max_entries", "MAX ENTRIES", m->max_entries);
		out_str(ctx->out, "key_type", "KEY TYPE", m->key_type);
		out_str(ctx->out, "value_type", "VALUE TYPE", m->value_type);
		out_hex(ctx->out, "flags", NULL, m->flags);
		out_str(ctx->out, "pinning", NULL, m->pinned_by_name ? "by_name" : "none");
		out_str(ctx->out, "inner_map", "INNER", m->inner_map);
		out_bool(ctx->out, "internal", NULL, m->internal);
		out_object_end(ctx->out);
	}
	out_list_end(ctx->out);
}

static int show_globals(struct cli_ctx *ctx, const struct bk_elf *e, const struct btf *btf)
{
	struct errmsg err = { 0 };
	struct bk_global *g;
	size_t n;

	if (bk_globals(e, btf, &g, &n, &err))
		return cli_errmsg(ctx, &err);
	out_list_begin(ctx->out, "globals", "Globals");
	for (size_t i = 0; i < n; i++) {
		out_object_begin(ctx->out, NULL, NULL);
		out_str(ctx->out, "name", NULL, g[i].name);
		out_str(ctx->out, "section", NULL, g[i].section);
		out_u64(ctx->out, "offset", NULL, g[i].offset);
		out_u64(ctx->out, "bytes", NULL, g[i].size);
		out_str(ctx->out, "type", NULL, g[i].type);
		out_object_end(ctx->out);
	}
	out_list_end(ctx->out);
	bk_globals_free(g, n);
	return EXIT_OK;
}

static const char *const btf_kind_names[] = {
	"unknown", "int", "ptr", "array", "struct", "union", "enum", "fwd", "typedef",
	"volatile", "const", "restrict", "func", "func_proto", "var", "datasec", "float",
	"decl_tag", "type_tag", "enum64",
};

static void show_btf(struct cli_ctx *ctx, const struct bk_elf *e, const struct btf *btf)
{
	struct bk_btf_stats st;
	struct errmsg err = { 0 };

	bk_btf_stats(e, btf, &st, &err);
	out_object_begin(ctx->out, "btf", "BTF");
	out_u64(ctx->out, "nr_types", "types", st.nr_types);
	out_u64(ctx->out, "bytes_types", "type bytes", st.type_len);
	out_u64(ctx->out, "bytes_strings", "string bytes", st.str_len);
	out_object_begin(ctx->out, "kinds", "by kind");
	for (size_t k = 1; k < sizeof(btf_kind_names) / sizeof(*btf_kind_names); k++)
		if (st.kinds[k])
			out_u64(ctx->out, btf_kind_names[k], NULL, st.kinds[k]);
	out_object_end(ctx->out);
	out_object_end(ctx->out);
}

/* Types by source: .BTF, and what DWARF adds (inspect/dwarf.c). */
static int show_types(struct cli_ctx *ctx, struct bk_object *o)
{
	const struct bk_dwarf *d = NULL;
	const struct btf *btf = bk_object_btf(o);
	struct errmsg err = { 0 };
	__u32 n;

	if (bk_object_has_dwarf(o) && bk_object_dwarf(o, &d, &err))
		return cli_errmsg(ctx, &err);
	out_object_begin(ctx->out, "types", "Types");
	out_u64(ctx->out, "btf", ".BTF types", btf ? btf__type_cnt(btf) - 1 : 0);
	out_bool(ctx->out, "dwarf", "DWARF", d != NULL);
	if (d) {
		n = btf__type_cnt(d->btf.btf);
		out_u64(ctx->out, "dwarf_units", "DWARF units", d->nr_units);
		out_u64(ctx->out, "dwarf_types", "DWARF types", d->nr_dies);
		out_u64(ctx->out, "dwarf_in_btf", "of which in .BTF", d->nr_matched);
		out_u64(ctx->out, "dwarf_only", "DWARF-only types", n - d->nr_btf);
		out_list_begin(ctx->out, "dwarf_only_named", "DWARF-only named");
		for (__u32 id = d->nr_btf; id < n; id++) {
			const struct btf_type *t = btf__type_by_id(d->btf.btf, id);
			const char *name = btf__name_by_offset(d->btf.btf, t->name_off);
			const char *kw = btf_is_composite(t) ? (btf_is_union(t) ? "union " : "struct ") :
					 btf_is_any_enum(t) ? "enum " : btf_is_typedef(t) ? "typedef " :
					 NULL;
			char buf[512];

			if (!kw || !name || !name[0])
				continue;
			snprintf(buf, sizeof(buf), "%s%s", kw, name);
			out_str(ctx->out, NULL, NULL, buf);
		}
		out_list_end(ctx->out);
	}
	out_object_end(ctx->out);
	return EXIT_OK;
}

/* A packaged object carries a manifest (bpfkit package): show it as it is. */
static int show_manifest(struct cli_ctx *ctx, const struct bk_object *o)
{
	struct errmsg err = { 0 };
	char *text = NULL;
	cJSON *doc;

	if (gen_manifest_read(o, &text, &err))
		return cli_errmsg(ctx, &err);
	if (!text)
		return EXIT_OK;
	doc = cJSON_Parse(text);
	free(text);
	if (!doc)
		return cli_error(ctx, "%s: .bpfkit.manifest is not valid JSON", o->name);
	out_item(ctx->out, "manifest", "Manifest", doc);
	return EXIT_OK;
}

static void show_defects(struct cli_ctx *ctx, const struct bk_object *o)
{
	out_list_begin(ctx->out, "defects", "Defects");
	for (size_t i = 0; i < o->nr_defects; i++)
		out_str(ctx->out, NULL, NULL, o->defects[i]);
	out_list_end(ctx->out);
}

static int run_view(struct cli_ctx *ctx, const char *what, bool linked, int ret)
{
	if (!linked)
		return cli_error(ctx, "%s is not available in this build", what);
	return ret;
}

static int show(struct cli_ctx *ctx, struct bk_object *o, const struct inspect_opts *opt)
{
	unsigned int v = opt->views ? opt->views : V_PROGRAMS | V_MAPS | V_SECTIONS;
	const struct bk_elf *e = o->elf;
	const struct btf *btf = bk_object_btf(o);
	const struct bk_objinfo *info = NULL;
	struct errmsg err = { 0 };
	int ret = EXIT_OK;

	bool summary = !opt->views || opt->views == V_ALL;

	/* only these views need libbpf's reading of the object */
	if ((summary || (v & (V_PROGRAMS | V_MAPS))) && !bk_object_damaged(o) &&
	    bk_object_info(o, &info, &err))
		return cli_errmsg(ctx, &err);
	out_object_begin(ctx->out, NULL, NULL);
	if (summary) {
		show_summary(ctx, e, info);
		ret = show_manifest(ctx, o);
	}
	if (bk_object_damaged(o))
		show_defects(ctx, o);
	if ((v & V_PROGRAMS) && info)
		show_programs(ctx, o, info);
	if ((v & V_MAPS) && info)
		show_maps(ctx, info);
	if (!ret && (v & V_GLOBALS))
		ret = show_globals(ctx, e, btf);
	if (v & V_BTF)
		show_btf(ctx, e, btf);
	if (!ret && (v & V_TYPES))
		ret = show_types(ctx, o);
	if (v & V_SECTIONS)
		show_sections(ctx, e);
	if (v & V_SYMBOLS)
		show_symbols(ctx, e);
	if (!ret && (v & V_LINES))
		ret = run_view(ctx, "--lines", inspect_view_lines,
			       inspect_view_lines ? inspect_view_lines(ctx, o) : 0);
	if (!ret && (v & V_CORE))
		ret = run_view(ctx, "--core", inspect_view_core,
			       inspect_view_core ?
			       inspect_view_core(ctx, o, opt->target_btf, opt->kernel) : 0);
	if (!ret && (v & V_DISASM))
		ret = run_view(ctx, "--disasm", inspect_view_disasm,
			       inspect_view_disasm ? inspect_view_disasm(ctx, o, opt->program) : 0);
	out_object_end(ctx->out);
	return ret;
}

int cmd_inspect(struct cli_ctx *ctx, int argc, char **argv)
{
	enum { O_TARGET = 0x200, O_KERNEL, O_PROGRAM, O_TYPES };
	static const struct option longopts[] = {
		{ "sections", no_argument, NULL, 'S' },
		{ "symbols", no_argument, NULL, 's' },
		{ "programs", no_argument, NULL, 'P' },
		{ "maps", no_argument, NULL, 'm' },
		{ "lines", no_argument, NULL, 'l' },
		{ "core", no_argument, NULL, 'c' },
		{ "disasm", no_argument, NULL, 'D' },
		{ "globals", no_argument, NULL, 'g' },
		{ "btf", no_argument, NULL, 'b' },
		{ "types", no_argument, NULL, O_TYPES },
		{ "all", no_argument, NULL, 'a' },
		{ "program", required_argument, NULL, O_PROGRAM },
		{ "target-btf", required_argument, NULL, O_TARGET },
		{ "kernel", no_argument, NULL, O_KERNEL },
		{ 0 }
	};
	struct inspect_opts o = { 0 };
	struct bk_object *obj = NULL;
	int c, ret;

	while ((c = cli_getopt(ctx, argc, argv, "SsPmgblcDa", longopts)) != -1) {
		switch (c) {
		case 'S': o.views |= V_SECTIONS; break;
		case 's': o.views |= V_SYMBOLS; break;
		case 'P': o.views |= V_PROGRAMS; break;
		case 'm': o.views |= V_MAPS; break;
		case 'l': o.views |= V_LINES; break;
		case 'c': o.views |= V_CORE; break;
		case 'D': o.views |= V_DISASM; break;
		case 'g': o.views |= V_GLOBALS; break;
		case 'b': o.views |= V_BTF; break;
		case 'a': o.views = V_ALL; break;
		case O_TYPES: o.views |= V_TYPES; break;
		case O_PROGRAM: o.program = optarg; break;
		case O_TARGET: o.target_btf = optarg; break;
		case O_KERNEL: o.kernel = true; break;
		case CLI_OPT_HELP: return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage_error(ctx, "expected an object file (a path, @NAME of a bundled one, or - for standard input)");
	if (optind + 1 < argc)
		return cli_usage_error(ctx, "unexpected argument '%s'", argv[optind + 1]);
	if ((o.target_btf || o.kernel) && !(o.views & V_CORE))
		return cli_usage_error(ctx, "--target-btf and --kernel go with --core");
	if (o.program && !(o.views & V_DISASM))
		return cli_usage_error(ctx, "--program goes with --disasm");
	cli_libbpf_offline();
	ret = cli_open_object_mode(ctx, argv[optind], CLI_OBJ_LENIENT, &obj);
	if (ret)
		return ret;
	ret = show(ctx, obj, &o);
	if (!ret && bk_object_damaged(obj))	/* shown with its defects: still a failure */
		ret = EXIT_ERR;
	bk_object_close(obj);
	return ret;
}

const struct cli_command cmd_inspect_def = {
	"inspect", cmd_inspect, NULL, "show what is in a BPF object file",
	"Usage: bpfkit inspect OBJ [--sections] [--symbols] [--programs] [--maps] [--globals]\n"
	"                          [--btf] [--types] [--lines]\n"
	"                          [--core [--target-btf FILE | --kernel]]\n"
	"                          [--disasm [--program NAME]] [--all]\n"
	"\n"
	"OBJ is a BPF ELF object file, @NAME for a program bundled in bpfkit (@openat), or -\n"
	"for standard input.\n"
	"Nothing is loaded into the kernel. Without a view option: a summary, then the\n"
	"programs, maps and sections.\n"
	"\n"
	"Views:\n"
	"  -S, --sections     the section table, as readelf -S shows it\n"
	"  -s, --symbols      the symbol table, as readelf -s shows it\n"
	"  -P, --programs     programs: section, type and attach point libbpf infers, size,\n"
	"                     subprograms called, maps referenced, tail calls\n"
	"  -m, --maps         maps: type, key/value sizes and BTF types, max_entries, flags,\n"
	"                     pinning, inner map\n"
	"  -g, --globals      .data/.bss/.rodata/.kconfig variables: type, offset, size\n"
	"  -b, --btf          BTF statistics: type counts by kind, type and string bytes\n"
	"  --types            types by source: .BTF, DWARF (.debug_info, read with libdw),\n"
	"                     how many only DWARF has and their names (not in --all)\n"
	"  -l, --lines        .BTF.ext func_info and line_info\n"
	"  -c, --core         CO-RE relocations; with --target-btf FILE or --kernel, the\n"
	"                     value libbpf would patch in, or why it cannot resolve\n"
	"  -D, --disasm       annotated disassembly (--program NAME: one program)\n"
	"  -a, --all          every view\n",
	0
};
