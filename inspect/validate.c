/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* CO-RE records: what libbpf 1.1 parses without checks of its own beyond the syntax. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <linux/bpf.h>

#include <bpf/btf.h>

#include "btf_ext.h"
#include "elfread.h"

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

int bk_check_core_relos(const struct bext *ext, const char *path, struct errmsg *err)
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
