/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* load --attach (cli/load_attach.c). */
#ifndef BPFKIT_LOAD_ATTACH_H
#define BPFKIT_LOAD_ATTACH_H

#include <stdbool.h>
#include <stddef.h>

struct cli_ctx;
struct bpf_object;
struct kattach;

struct load_attached {
	struct kattach *v;
	char **pins;		/* the link pin of each, or NULL */
	size_t n;
};

/* Attach every loaded program by its section; an "attached" list goes into the document
 * being built. Links are pinned under pin_dir/links/ when pin_dir is set. Exit code. */
int load_attach(struct cli_ctx *ctx, struct bpf_object *obj, const char *pin_dir,
		struct load_attached *la);
/* Let go of them: detached unless pinned; unpin removes the pins first (a failed load). */
void load_attached_release(struct load_attached *la, bool unpin);

#endif
