/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The registry of embedded BPF objects; the bytes live in the generated skeletons. */
#include <string.h>

#include "bundled.h"
#include "openat.skel.h"

static const void *openat_bytes(size_t *size)
{
	return openat_bpf__elf_bytes(size);
}

const struct bundled bundled_programs[] = {
	{ "openat", "openat/openat2 calls: process, path, flags, fd or errno", openat_bytes },
	{ NULL, NULL, NULL },
};

const struct bundled *bundled_find(const char *name)
{
	for (const struct bundled *b = bundled_programs; b->name; b++)
		if (!strcmp(b->name, name))
			return b;
	return NULL;
}
