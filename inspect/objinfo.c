/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Ask libbpf what it makes of an object: program types, attach points, maps. Offline. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "objinfo.h"
#include "objrefs.h"

static const char *const internal_suffixes[] = { ".data", ".bss", ".rodata", ".kconfig" };

static bool is_internal_map(const struct bpf_map *m)
{
	const char *dot = strchr(bpf_map__name(m), '.');

	for (size_t i = 0; dot && i < sizeof(internal_suffixes) / sizeof(*internal_suffixes); i++)
		if (!strncmp(dot, internal_suffixes[i], strlen(internal_suffixes[i])))
			return true;
	return false;
}

/* "tp/syscalls/sys_enter_openat" -> "syscalls/sys_enter_openat"; "xdp" -> NULL. */
static char *attach_target(const char *section)
{
	const char *slash = strchr(section, '/');

	return slash && slash[1] ? strdup(slash + 1) : NULL;
}

static int fill_prog(struct bk_prog *p, const struct bpf_program *prog)
{
	enum bpf_attach_type at = bpf_program__expected_attach_type(prog);

	p->name = strdup(bpf_program__name(prog));
	p->section = strdup(bpf_program__section_name(prog));
	p->type = libbpf_bpf_prog_type_str(bpf_program__type(prog));
	p->attach_type = at ? libbpf_bpf_attach_type_str(at) : NULL;
	p->attach_target = attach_target(bpf_program__section_name(prog));
	p->insn_cnt = bpf_program__insn_cnt(prog);
	return p->name && p->section ? 0 : -ENOMEM;
}

static void fill_map(struct bk_map *m, const struct bpf_map *map, const struct btf *btf)
{
	const struct bpf_map *inner = bpf_map__inner_map((struct bpf_map *)map);

	m->name = strdup(bpf_map__name(map));
	m->type = libbpf_bpf_map_type_str(bpf_map__type(map));
	m->key_size = bpf_map__key_size(map);
	m->value_size = bpf_map__value_size(map);
	m->max_entries = bpf_map__max_entries(map);
	m->flags = bpf_map__map_flags(map);
	m->internal = is_internal_map(map);
	/* libbpf gives BY_NAME maps a default pin path at open; nothing else has one */
	m->pinned_by_name = bpf_map__pin_path(map) != NULL;
	if (btf && bpf_map__btf_key_type_id(map))
		m->key_type = bk_btf_type_name(btf, bpf_map__btf_key_type_id(map));
	if (btf && bpf_map__btf_value_type_id(map))
		m->value_type = bk_btf_type_name(btf, bpf_map__btf_value_type_id(map));
	m->inner_map = inner ? strdup(bpf_map__name(inner)) : NULL;
}

int bk_objinfo_fill(struct bpf_object *obj, struct bk_objinfo *out, struct errmsg *err)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	size_t n;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	n = 0;
	bpf_object__for_each_program(prog, obj)
		n++;
	out->progs = calloc(n ? n : 1, sizeof(*out->progs));
	bpf_object__for_each_program(prog, obj)
		if (out->progs && fill_prog(&out->progs[out->nr_progs++], prog))
			ret = -ENOMEM;
	n = 0;
	bpf_object__for_each_map(map, obj)
		n++;
	out->maps = calloc(n ? n : 1, sizeof(*out->maps));
	bpf_object__for_each_map(map, obj)
		if (out->maps)
			fill_map(&out->maps[out->nr_maps++], map, bpf_object__btf(obj));
	if (!out->progs || !out->maps || ret) {
		bk_objinfo_free(out);
		return errmsg_set(err, -ENOMEM, "out of memory");
	}
	return 0;
}

void bk_objinfo_free(struct bk_objinfo *info)
{
	for (size_t i = 0; i < info->nr_progs; i++) {
		free(info->progs[i].name);
		free(info->progs[i].section);
		free(info->progs[i].attach_target);
	}
	for (size_t i = 0; i < info->nr_maps; i++) {
		free(info->maps[i].name);
		free(info->maps[i].inner_map);
		free(info->maps[i].key_type);
		free(info->maps[i].value_type);
	}
	free(info->progs);
	free(info->maps);
	memset(info, 0, sizeof(*info));
}
