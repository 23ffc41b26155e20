/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * C skeletons in the form `bpftool gen skeleton` produces, so user code written against
 * bpftool's skeletons compiles unchanged: NAME__open/open_opts/load/open_and_load/attach/
 * detach/destroy/elf_bytes, typed maps/progs/links members and bss/data/rodata pointers to
 * structs laid out from the object's BTF DATASECs. The object's bytes are embedded; the
 * lifecycle is libbpf's public bpf_object__*_skeleton() API.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "gen.h"
#include "object.h"

static void sanitize(char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			*s = '_';
}

void gen_skel_name(const char *path, char *name, size_t size)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 2 && !strcmp(base + n - 2, ".o"))
		n -= 2;
	snprintf(name, size, "%.*s", (int)n, base);
	sanitize(name);
	if (isdigit((unsigned char)name[0]))
		name[0] = '_';
}

/* The member name of a map: its name, or for internal maps the part after the section dot
 * (".rodata.str1.1" -> "rodata_str1_1"), as bpftool names them. */
static bool map_ident(const struct bpf_map *map, char *buf, size_t size)
{
	static const char *const sfx[] = { ".data", ".rodata", ".bss", ".kconfig" };
	const char *name = bpf_map__name(map), *p;
	size_t i;

	if (!bpf_map__is_internal(map)) {
		snprintf(buf, size, "%s", name);
		sanitize(buf);
		return true;
	}
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		p = strstr(name, sfx[i]);
		if (p) {
			snprintf(buf, size, "%s", p + 1);
			sanitize(buf);
			return true;
		}
	}
	return false;
}

/* Names come from an untrusted object: a C identifier, or the generator refuses. */
static bool c_ident(const char *s)
{
	if (!*s || isdigit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

/* Map names become string literals: only printable characters other than '"' and '\\'. */
static bool c_literal_safe(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\' || *s == '?')
			return false;
	return true;
}

static bool mmaped_map(const struct bpf_map *map)
{
	return bpf_map__is_internal(map) && (bpf_map__map_flags(map) & BPF_F_MMAPABLE);
}

/* The DATASEC whose sanitized name (without the leading dot) is ident. */
static const struct btf_type *find_datasec(const struct btf *btf, const char *ident, __u32 *id)
{
	char buf[256];
	__u32 i, n = btf__type_cnt(btf);

	for (i = 1; i < n; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i);
		const char *name;

		if (!btf_is_datasec(t))
			continue;
		name = btf__name_by_offset(btf, t->name_off);
		if (!name)
			continue;
		snprintf(buf, sizeof(buf), "%s", name[0] == '.' ? name + 1 : name);
		sanitize(buf);
		if (!strcmp(buf, ident)) {
			*id = i;
			return t;
		}
	}
	return NULL;
}

static void skel_printf(void *ctx, const char *fmt, va_list args)
{
	vfprintf(ctx, fmt, args);
}

/* struct NAME__ident { vars with padding } *ident; */
static int emit_datasec(FILE *f, const struct btf *btf, struct btf_dump *d, const char *name,
			const char *ident, bool strip_mods, bool asserts)
{
	const struct btf_type *sec;
	const struct btf_var_secinfo *v;
	__u32 sec_id, off = 0;
	int i, pad = 0, ret;

	sec = find_datasec(btf, ident, &sec_id);
	if (!asserts)
		fprintf(f, "\tstruct %s__%s {\n", name, ident);
	for (i = 0, v = sec ? btf_var_secinfos(sec) : NULL; sec && i < btf_vlen(sec); i++, v++) {
		const struct btf_type *var = btf__type_by_id(btf, v->type);
		DECLARE_LIBBPF_OPTS(btf_dump_emit_type_decl_opts, opts, .indent_level = 2,
				    .strip_mods = strip_mods);
		char vname[256];
		long align, align_off;

		if (!var || !btf_is_var(var))
			return -EINVAL;
		if (btf_var(var)->linkage == BTF_VAR_STATIC)
			continue;
		snprintf(vname, sizeof(vname), "%s", btf__name_by_offset(btf, var->name_off) ?: "");
		sanitize(vname);
		if (asserts) {
			fprintf(f, "\t_Static_assert(sizeof(s->%s->%s) == %u, "
				"\"unexpected size of '%s'\");\n", ident, vname, v->size, vname);
			continue;
		}
		align = btf__align_of(btf, var->type);
		if (align <= 0)
			return -EINVAL;
		align_off = (off + align - 1) / align * align;
		if (align_off != v->offset) {
			if (v->offset < off)
				return -EINVAL;
			fprintf(f, "\t\tchar __pad%d[%u];\n", pad++, v->offset - off);
		}
		fprintf(f, "\t\t");
		opts.field_name = vname;
		ret = btf_dump__emit_type_decl(d, var->type, &opts);
		if (ret)
			return ret;
		fprintf(f, ";\n");
		off = v->offset + v->size;
	}
	if (!asserts)
		fprintf(f, "\t} *%s;\n", ident);
	return 0;
}

static void emit_bytes(FILE *f, const unsigned char *p, size_t n)
{
	size_t i, col = 0;

	fprintf(f, "\treturn (const void *)\"\\\n");
	for (i = 0; i < n; i++) {
		if (p[i] == 0) {
			fputs("\\0", f);
			col += 2;
		} else {
			fprintf(f, "\\x%02x", p[i]);
			col += 4;
		}
		if (col > 78) {
			fputs("\\\n", f);
			col = 0;
		}
	}
	fprintf(f, "\";\n");
}

static void emit_lifecycle(FILE *f, const char *n)
{
	fprintf(f,
		"static void\n%1$s__destroy(struct %1$s *obj)\n{\n"
		"\tif (!obj)\n\t\treturn;\n"
		"\tif (obj->skeleton)\n\t\tbpf_object__destroy_skeleton(obj->skeleton);\n"
		"\tfree(obj);\n}\n\n"
		"static inline int\n%1$s__create_skeleton(struct %1$s *obj);\n\n"
		"static inline struct %1$s *\n%1$s__open_opts(const struct bpf_object_open_opts *opts)\n{\n"
		"\tstruct %1$s *obj;\n\tint err;\n\n"
		"\tobj = (struct %1$s *)calloc(1, sizeof(*obj));\n"
		"\tif (!obj) {\n\t\terrno = ENOMEM;\n\t\treturn NULL;\n\t}\n\n"
		"\terr = %1$s__create_skeleton(obj);\n\tif (err)\n\t\tgoto err_out;\n\n"
		"\terr = bpf_object__open_skeleton(obj->skeleton, opts);\n"
		"\tif (err)\n\t\tgoto err_out;\n\n\treturn obj;\nerr_out:\n"
		"\t%1$s__destroy(obj);\n\terrno = -err;\n\treturn NULL;\n}\n\n"
		"static inline struct %1$s *\n%1$s__open(void)\n{\n"
		"\treturn %1$s__open_opts(NULL);\n}\n\n"
		"static inline int\n%1$s__load(struct %1$s *obj)\n{\n"
		"\treturn bpf_object__load_skeleton(obj->skeleton);\n}\n\n"
		"static inline struct %1$s *\n%1$s__open_and_load(void)\n{\n"
		"\tstruct %1$s *obj;\n\tint err;\n\n\tobj = %1$s__open();\n"
		"\tif (!obj)\n\t\treturn NULL;\n\terr = %1$s__load(obj);\n\tif (err) {\n"
		"\t\t%1$s__destroy(obj);\n\t\terrno = -err;\n\t\treturn NULL;\n\t}\n\treturn obj;\n}\n\n"
		"static inline int\n%1$s__attach(struct %1$s *obj)\n{\n"
		"\treturn bpf_object__attach_skeleton(obj->skeleton);\n}\n\n"
		"static inline void\n%1$s__detach(struct %1$s *obj)\n{\n"
		"\tbpf_object__detach_skeleton(obj->skeleton);\n}\n\n"
		"static inline const void *%1$s__elf_bytes(size_t *sz);\n\n", n);
}

static void emit_cpp(FILE *f, const char *n)
{
	fprintf(f,
		"\n#ifdef __cplusplus\n"
		"\tstatic inline struct %1$s *open(const struct bpf_object_open_opts *opts = nullptr);\n"
		"\tstatic inline struct %1$s *open_and_load();\n"
		"\tstatic inline int load(struct %1$s *skel);\n"
		"\tstatic inline int attach(struct %1$s *skel);\n"
		"\tstatic inline void detach(struct %1$s *skel);\n"
		"\tstatic inline void destroy(struct %1$s *skel);\n"
		"\tstatic inline const void *elf_bytes(size_t *sz);\n"
		"#endif /* __cplusplus */\n};\n\n", n);
}

static void emit_cpp_defs(FILE *f, const char *n)
{
	fprintf(f,
		"#ifdef __cplusplus\n"
		"struct %1$s *%1$s::open(const struct bpf_object_open_opts *opts) { return %1$s__open_opts(opts); }\n"
		"struct %1$s *%1$s::open_and_load() { return %1$s__open_and_load(); }\n"
		"int %1$s::load(struct %1$s *skel) { return %1$s__load(skel); }\n"
		"int %1$s::attach(struct %1$s *skel) { return %1$s__attach(skel); }\n"
		"void %1$s::detach(struct %1$s *skel) { %1$s__detach(skel); }\n"
		"void %1$s::destroy(struct %1$s *skel) { %1$s__destroy(skel); }\n"
		"const void *%1$s::elf_bytes(size_t *sz) { return %1$s__elf_bytes(sz); }\n"
		"#endif /* __cplusplus */\n\n", n);
}

int gen_skeleton(struct bk_object *o, const char *name, FILE *f, struct errmsg *err)
{
	const void *data = bk_object_data(o);
	size_t size = bk_object_size(o);
	struct bpf_object *obj = NULL;
	struct btf_dump *d = NULL;
	const struct btf *btf;
	struct bpf_program *prog;
	struct bpf_map *map;
	char ident[256], guard[300];
	size_t nmaps = 0, nprogs = 0, i;
	int ret = 0;

	if (!*name || isdigit((unsigned char)name[0]) || strspn(name,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(name))
		return errmsg_set(err, -EINVAL, "skeleton name '%s' is not a C identifier", name);
	/* libbpf names internal maps after the object: the skeleton's name, at load time too */
	ret = bk_object_bpf_open(o, name, &obj, err);
	if (ret)
		return ret;
	btf = bpf_object__btf(obj);
	if (btf) {
		d = btf_dump__new(btf, skel_printf, f, NULL);
		if (!d) {
			ret = errmsg_set(err, -errno, "btf_dump: %s", strerror(errno));
			goto cleanup;
		}
	}
	bpf_object__for_each_map(map, obj) {
		if (!c_literal_safe(bpf_map__name(map))) {
			ret = errmsg_set(err, -EINVAL, "map name is not printable");
			goto cleanup;
		}
		if (map_ident(map, ident, sizeof(ident)))
			nmaps++;
	}
	bpf_object__for_each_program(prog, obj) {
		if (!c_ident(bpf_program__name(prog))) {
			ret = errmsg_set(err, -EINVAL, "program name '%.64s' is not a C identifier",
					 bpf_program__name(prog));
			goto cleanup;
		}
		nprogs++;
	}

	snprintf(guard, sizeof(guard), "__%s_SKEL_H__", name);
	for (i = 0; guard[i]; i++)
		guard[i] = toupper((unsigned char)guard[i]);
	fprintf(f, "/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */\n\n"
		   "/* THIS FILE IS AUTOGENERATED BY BPFKIT (bpfkit gen skeleton)! */\n"
		   "#ifndef %1$s\n#define %1$s\n\n#include <errno.h>\n#include <stdlib.h>\n"
		   "#include <bpf/libbpf.h>\n\n", guard);
	fprintf(f, "struct %s {\n\tstruct bpf_object_skeleton *skeleton;\n"
		   "\tstruct bpf_object *obj;\n", name);
	if (nmaps) {
		fprintf(f, "\tstruct {\n");
		bpf_object__for_each_map(map, obj)
			if (map_ident(map, ident, sizeof(ident)))
				fprintf(f, "\t\tstruct bpf_map *%s;\n", ident);
		fprintf(f, "\t} maps;\n");
	}
	if (nprogs) {
		fprintf(f, "\tstruct {\n");
		bpf_object__for_each_program(prog, obj)
			fprintf(f, "\t\tstruct bpf_program *%s;\n", bpf_program__name(prog));
		fprintf(f, "\t} progs;\n\tstruct {\n");
		bpf_object__for_each_program(prog, obj)
			fprintf(f, "\t\tstruct bpf_link *%s;\n", bpf_program__name(prog));
		fprintf(f, "\t} links;\n");
	}
	bpf_object__for_each_map(map, obj) {
		if (!mmaped_map(map) || !map_ident(map, ident, sizeof(ident)))
			continue;
		if (!btf) {
			fprintf(f, "\tstruct %s__%s {\n\t} *%s;\n", name, ident, ident);
			continue;
		}
		ret = emit_datasec(f, btf, d, name, ident, strcmp(ident, "kconfig") != 0, false);
		if (ret) {
			ret = errmsg_set(err, ret, "cannot lay out section .%s from BTF", ident);
			goto cleanup;
		}
	}
	emit_cpp(f, name);
	emit_lifecycle(f, name);

	fprintf(f, "static inline int\n%1$s__create_skeleton(struct %1$s *obj)\n{\n"
		   "\tstruct bpf_object_skeleton *s;\n\tint err;\n\n"
		   "\ts = (struct bpf_object_skeleton *)calloc(1, sizeof(*s));\n"
		   "\tif (!s)\t{\n\t\terr = -ENOMEM;\n\t\tgoto err;\n\t}\n\n"
		   "\ts->sz = sizeof(*s);\n\ts->name = \"%1$s\";\n\ts->obj = &obj->obj;\n", name);
	if (nmaps) {
		fprintf(f, "\n\t/* maps */\n\ts->map_cnt = %zu;\n"
			   "\ts->map_skel_sz = sizeof(*s->maps);\n"
			   "\ts->maps = (struct bpf_map_skeleton *)calloc(s->map_cnt, s->map_skel_sz);\n"
			   "\tif (!s->maps) {\n\t\terr = -ENOMEM;\n\t\tgoto err;\n\t}\n", nmaps);
		i = 0;
		bpf_object__for_each_map(map, obj) {
			if (!map_ident(map, ident, sizeof(ident)))
				continue;
			fprintf(f, "\n\ts->maps[%zu].name = \"%s\";\n", i, bpf_map__name(map));
			fprintf(f, "\ts->maps[%zu].map = &obj->maps.%s;\n", i, ident);
			if (mmaped_map(map))
				fprintf(f, "\ts->maps[%zu].mmaped = (void **)&obj->%s;\n", i, ident);
			i++;
		}
	}
	if (nprogs) {
		fprintf(f, "\n\t/* programs */\n\ts->prog_cnt = %zu;\n"
			   "\ts->prog_skel_sz = sizeof(*s->progs);\n"
			   "\ts->progs = (struct bpf_prog_skeleton *)calloc(s->prog_cnt, s->prog_skel_sz);\n"
			   "\tif (!s->progs) {\n\t\terr = -ENOMEM;\n\t\tgoto err;\n\t}\n", nprogs);
		i = 0;
		bpf_object__for_each_program(prog, obj) {
			const char *pn = bpf_program__name(prog);

			fprintf(f, "\n\ts->progs[%zu].name = \"%s\";\n", i, pn);
			fprintf(f, "\ts->progs[%zu].prog = &obj->progs.%s;\n", i, pn);
			fprintf(f, "\ts->progs[%zu].link = &obj->links.%s;\n", i, pn);
			i++;
		}
	}
	fprintf(f, "\n\ts->data = (void *)%1$s__elf_bytes(&s->data_sz);\n\n"
		   "\tobj->skeleton = s;\n\treturn 0;\nerr:\n"
		   "\tbpf_object__destroy_skeleton(s);\n\treturn err;\n}\n\n"
		   "static inline const void *%1$s__elf_bytes(size_t *sz)\n{\n"
		   "\t*sz = %2$zu;\n", name, size);
	emit_bytes(f, data, size);
	fprintf(f, "}\n\n");
	emit_cpp_defs(f, name);

	fprintf(f, "__attribute__((unused)) static void\n%s__assert(struct %s *s "
		   "__attribute__((unused)))\n{\n#ifdef __cplusplus\n"
		   "#define _Static_assert static_assert\n#endif\n", name, name);
	bpf_object__for_each_map(map, obj) {
		if (btf && mmaped_map(map) && map_ident(map, ident, sizeof(ident)))
			emit_datasec(f, btf, d, name, ident, true, true);
	}
	fprintf(f, "#ifdef __cplusplus\n#undef _Static_assert\n#endif\n}\n\n#endif /* %s */\n",
		guard);
	if (ferror(f))
		ret = errmsg_set(err, -EIO, "write error");
cleanup:
	btf_dump__free(d);
	bpf_object__close(obj);
	return ret;
}

int gen_skeleton_text(struct bk_object *o, const char *name, char **text, size_t *len,
		      struct errmsg *err)
{
	char def_name[256];
	FILE *f;
	int ret;

	*text = NULL;
	*len = 0;
	if (!name) {
		gen_skel_name(o->name, def_name, sizeof(def_name));
		name = def_name;
	}
	f = open_memstream(text, len);
	if (!f)
		return errmsg_set(err, -ENOMEM, "out of memory");
	ret = gen_skeleton(o, name, f, err);
	if (fclose(f) && !ret)
		ret = errmsg_set(err, -ENOMEM, "out of memory");
	if (ret) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err->msg);
		errmsg_set(err, ret, "%s: %s", o->name, why);
		free(*text);
		*text = NULL;
		*len = 0;
	}
	return ret;
}
