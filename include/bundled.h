/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The BPF objects embedded in the bpfkit binary, addressed as "@name" on the command line. */
#ifndef BPFKIT_BUNDLED_H
#define BPFKIT_BUNDLED_H

#include <stddef.h>

struct bundled {
	const char *name;		/* "openat": bpfkit trace openat, bpfkit inspect @openat */
	const char *summary;
	const void *(*elf_bytes)(size_t *size);
};

/* NULL-name terminated. */
extern const struct bundled bundled_programs[];

const struct bundled *bundled_find(const char *name);

#endif
