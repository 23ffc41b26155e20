/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The gate between untrusted objects and libbpf: BTF and .BTF.ext are checked first. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <linux/bpf.h>

#include <bpf/btf.h>

#include "btf_ext.h"
#include "btf_view.h"
#include "elfread.h"

/* Prefix a module's message with the file and (unless it names it) the section. */
static int reword(struct errmsg *err, int ret, const char *path, const char *section)
{
	char msg[sizeof(err->msg)];
	size_t n = strlen(section);

	snprintf(msg, sizeof(msg), "%s", err->msg);
	if (!strncmp(msg, section, n) && msg[n] == ':')
		return errmsg_set(err, ret, "%s: %s", path, msg);
	return errmsg_set(err, ret, "%s: %s: %s", path, section, msg);
}

/* "0:2:1": what libbpf parses with no checks of its own beyond the syntax. */
static bool access_str_valid(const char *s)
{
	bool digit = false;

	for (; s && *s; s++) {
		if (*s >= '0' && *s <= '9')
			digit = true;
		else if (*s == ':' && digit)
			digit = false;
		else
			return false;
	}
	return digit;
}

static int check_core_relos(const struct bext *ext, const char *path, struct errmsg *err)
{
	for (size_t i = 0; i < ext->nr_secs; i++) {
		const struct bext_sec *sec = &ext->secs[i];

		for (size_t r = 0; r < sec->nr_relos; r++) {
			const struct bext_relo *rel = &sec->relos[r];

			if (rel->kind > BPF_CORE_TYPE_MATCHES)
				return errmsg_set(err, -EINVAL, "%s: .BTF.ext: CO-RE relocation #%zu of %s: unknown kind %u",
						  path, r, sec->name, rel->kind);
			if (!access_str_valid(rel->access_str))
				return errmsg_set(err, -EINVAL, "%s: .BTF.ext: CO-RE relocation #%zu of %s: access string '%.40s' is not of the form 0:1:2",
						  path, r, sec->name, rel->access_str ? rel->access_str : "");
		}
	}
	return 0;
}

int bk_elf_check_btf(const struct bk_elf *e, struct errmsg *err)
{
	const struct bk_section *btf_sec = bk_elf_section(e, ".BTF");
	const struct bk_section *ext_sec = bk_elf_section(e, ".BTF.ext");
	struct bk_btf checked;
	struct btf *btf = NULL;
	struct bext *ext = NULL;
	int ret;

	if (!btf_sec || !btf_sec->data) {
		if (ext_sec)
			return errmsg_set(err, -EINVAL, "%s: .BTF.ext without .BTF", e->path);
		return 0;
	}
	ret = bext_btf_new(btf_sec->data, btf_sec->size, &btf, err);
	if (ret)
		return reword(err, ret, e->path, ".BTF");
	ret = bk_btf__adopt(&checked, btf, NULL, err);	/* owns btf from here */
	if (ret) {
		bk_btf__close(&checked);
		return reword(err, ret, e->path, ".BTF");
	}
	if (ext_sec && ext_sec->data) {
		ret = bext_parse(ext_sec->data, ext_sec->size, checked.btf, &ext, err);
		if (ret)
			reword(err, ret, e->path, ".BTF.ext");
		else
			ret = check_core_relos(ext, e->path, err);
		bext_free(ext);
	}
	bk_btf__close(&checked);
	return ret;
}
