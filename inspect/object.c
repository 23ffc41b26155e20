/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* One object, one gate: bytes in, every check once, everything else derived and cached. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bk_dwarf.h"
#include "gen.h"
#include "object.h"

static bk_bundled_fn bundled_lookup;

void bk_object_set_bundled(bk_bundled_fn fn)
{
	bundled_lookup = fn;
}

void bk_object_name(const char *path, char *buf, size_t len)
{
	const char *base = strrchr(path, '/');
	char *dot;

	base = base ? base + 1 : path[0] == '@' ? path + 1 : path;
	snprintf(buf, len < BK_OBJ_NAME_LEN ? len : BK_OBJ_NAME_LEN, "%s", base);
	dot = strchr(buf, '.');
	if (dot)
		*dot = '\0';
}

/* Prefix a checker's message with the object and (unless it names it) the section. */
static int reword(struct errmsg *err, int ret, const char *name, const char *section)
{
	char msg[sizeof(err->msg)];
	size_t n = strlen(section);

	snprintf(msg, sizeof(msg), "%s", err->msg);
	if (!strncmp(msg, section, n) && msg[n] == ':')
		return errmsg_set(err, ret, "%s: %s", name, msg);
	return errmsg_set(err, ret, "%s: %s: %s", name, section, msg);
}

/* The instructions of each .BTF.ext section, for readers that walk code with its records. */
static int ext_insns(const struct bk_elf *e, struct bext *ext, struct errmsg *err)
{
	for (size_t i = 1; i < e->nr_sections; i++) {
		const struct bk_section *s = &e->sections[i];

		if (!s->data || s->type != SHT_PROGBITS || !(s->flags & SHF_EXECINSTR))
			continue;
		for (size_t j = 0; j < ext->nr_secs; j++) {
			struct bext_sec *sec = &ext->secs[j];

			if (sec->insns || strcmp(sec->name, s->name))
				continue;
			sec->insns = malloc(s->size);
			if (!sec->insns)
				return errmsg_set(err, -ENOMEM, "out of memory");
			memcpy(sec->insns, s->data, s->size);
			sec->insns_size = s->size;
		}
	}
	return 0;
}

/* The second half of the gate: libbpf 1.1 trusts .BTF and .BTF.ext and crashes on bad ones. */
static int check_btf(struct bk_object *o, struct errmsg *err)
{
	const struct bk_section *btf_sec = bk_elf_section(o->elf, ".BTF");
	const struct bk_section *ext_sec = bk_elf_section(o->elf, ".BTF.ext");
	struct btf *btf = NULL;
	int ret;

	if (!btf_sec || !btf_sec->data) {
		if (ext_sec)
			return errmsg_set(err, -EINVAL, "%s: .BTF.ext without .BTF", o->name);
		return 0;
	}
	ret = bext_btf_new(btf_sec->data, btf_sec->size, &btf, err);
	if (!ret)
		ret = bk_btf__adopt(&o->btf, btf, NULL, err);	/* owns btf from here */
	if (ret)
		return reword(err, ret, o->name, ".BTF");
	o->code.btf = o->btf.btf;
	if (!ext_sec || !ext_sec->data)
		return 0;
	ret = bext_parse(ext_sec->data, ext_sec->size, o->btf.btf, &o->code.ext, err);
	if (ret)
		return reword(err, ret, o->name, ".BTF.ext");
	ret = bk_check_core_relos(o->code.ext, o->name, err);
	return ret ? ret : ext_insns(o->elf, o->code.ext, err);
}

/* Adopt buf (malloc'ed) and run the gate. */
static int open_owned(void *buf, size_t size, const char *name, struct bk_object **out,
		      struct errmsg *err)
{
	struct bk_object *o = calloc(1, sizeof(*o));
	int ret;

	*out = NULL;
	if (!o || !(o->name = strdup(name))) {
		free(o);
		free(buf);
		return errmsg_set(err, -ENOMEM, "out of memory");
	}
	/* libbpf would call "<stdin>" "_stdin_": name it plainly */
	bk_object_name(strcmp(name, "<stdin>") ? name : "stdin", o->obj_name, sizeof(o->obj_name));
	ret = bk_elf_open_mem(buf, size, name, &o->elf, err);
	if (ret) {
		free(buf);
		bk_object_close(o);
		return ret;
	}
	ret = check_btf(o, err);
	if (!ret)
		ret = bk_object_lint(o, err);
	if (ret) {
		bk_object_close(o);
		return ret;
	}
	*out = o;
	return 0;
}

int bk_object_open_mem(const void *buf, size_t size, const char *name, struct bk_object **out,
		       struct errmsg *err)
{
	void *copy = malloc(size ? size : 1);

	*out = NULL;
	if (!copy)
		return errmsg_set(err, -ENOMEM, "out of memory");
	memcpy(copy, buf, size);
	return open_owned(copy, size, name, out, err);
}

int bk_object_open(const char *spec, struct bk_object **out, struct errmsg *err)
{
	void *buf;
	size_t size;
	int ret;

	*out = NULL;
	if (spec[0] == '@') {
		const void *bytes = bundled_lookup ? bundled_lookup(spec + 1, &size) : NULL;

		if (!bytes)
			return errmsg_set(err, -ENOENT, "no bundled program '%s'; 'bpfkit version' lists them",
					  spec + 1);
		return bk_object_open_mem(bytes, size, spec, out, err);
	}
	if (!strcmp(spec, "-"))
		ret = gen_read_fd(STDIN_FILENO, "<stdin>", &buf, &size, err);
	else
		ret = gen_read_file(spec, &buf, &size, err);
	if (ret)
		return ret;
	return open_owned(buf, size, strcmp(spec, "-") ? spec : "<stdin>", out, err);
}

void bk_object_close(struct bk_object *o)
{
	if (!o)
		return;
	bpf_object__close(o->bpf);
	if (o->dwarf)
		bk_dwarf_free(o->dwarf);
	free(o->dwarf);
	bk_code_free(&o->code_model);
	if (o->info_done)
		bk_objinfo_free(&o->info);
	bext_free(o->code.ext);
	bk_btf__close(&o->btf);
	if (o->elf) {
		free(o->elf->buf);
		bk_elf_close(o->elf);
	}
	for (size_t i = 0; i < o->nr_defects; i++)
		free(o->defects[i]);
	free(o->defects);
	free(o->name);
	free(o);
}

int bk_object_code(struct bk_object *o, struct bk_code **code, struct errmsg *err)
{
	int ret = 0;

	if (!o->code_done)
		ret = bk_code_build(o->elf, o->code.ext, &o->code_model, err);
	o->code_done = !ret;
	*code = &o->code_model;
	return ret;
}

int bk_object_ext(struct bk_object *o, const struct bext_object **code, struct errmsg *err)
{
	*code = &o->code;
	if (!o->code.btf)
		return errmsg_set(err, -ENOENT, "%s: no .BTF section (compile with -g)", o->name);
	return 0;
}

int bk_object_bpf_open(const struct bk_object *o, const char *obj_name, struct bpf_object **obj,
		       struct errmsg *err)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = obj_name);

	*obj = NULL;
	if (bk_object_damaged(o) && !o->force)
		return errmsg_set(err, -EINVAL, "%s: damaged object (%zu defects): not given to libbpf (--force overrides)",
				  o->name, o->nr_defects_found);

	*obj = bpf_object__open_mem(bk_object_data(o), bk_object_size(o), &opts);
	if (!*obj) {
		int code = errno ? -errno : -EINVAL;

		/* libbpf's ENOENT here is no missing file: .maps is read through .BTF */
		if (!bk_object_btf(o) && o->elf && bk_elf_section(o->elf, ".maps"))
			return errmsg_set(err, -ENOENT, "%s: its maps are defined in .maps, which libbpf reads through .BTF, and it has no .BTF: rebuild it with -g ('bpfkit build' does), and strip it with 'bpfkit strip', which keeps .BTF",
					  o->name);
		return errmsg_set(err, code, "%s: libbpf cannot open it: %s", o->name,
				  strerror(-code));
	}
	return 0;
}

int bk_object_bpf(struct bk_object *o, struct bpf_object **obj, struct errmsg *err)
{
	int ret = o->bpf ? 0 : bk_object_bpf_open(o, o->obj_name, &o->bpf, err);

	*obj = o->bpf;
	return ret;
}

struct bpf_object *bk_object_take_bpf(struct bk_object *o)
{
	struct bpf_object *obj = o->bpf;

	o->bpf = NULL;
	return obj;
}

int bk_object_info(struct bk_object *o, const struct bk_objinfo **info, struct errmsg *err)
{
	struct bpf_object *obj;
	int ret;

	*info = &o->info;
	if (o->info_done)
		return 0;
	ret = bk_object_bpf(o, &obj, err);
	if (!ret)
		ret = bk_objinfo_fill(obj, &o->info, err);
	if (ret)
		return ret;
	o->info_done = true;
	return 0;
}

int bk_memfd(const char *name, const void *data, size_t size, int *fd, char *path,
	     size_t path_len, struct errmsg *err)
{
	int mfd = memfd_create("bpfkit", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	*fd = -1;
	if (mfd < 0)
		return errmsg_set(err, -errno, "memfd_create: %s", strerror(errno));
	/* sealed: what libbpf reads through the path is exactly what the gate checked */
	if (gen_write_all(mfd, data, size) ||
	    fcntl(mfd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL)) {
		int code = errno ? -errno : -EIO;

		close(mfd);
		return errmsg_set(err, code, "%s: cannot copy into a memfd: %s", name,
				  strerror(-code));
	}
	snprintf(path, path_len, "/proc/self/fd/%d", mfd);
	*fd = mfd;
	return 0;
}

int bk_object_memfd(const struct bk_object *o, int *fd, char *path, size_t path_len,
		    struct errmsg *err)
{
	return bk_memfd(o->name, bk_object_data(o), bk_object_size(o), fd, path, path_len, err);
}
