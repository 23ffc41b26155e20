/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Views of `bpfkit inspect` that live in their own files. Each adds its keys to the open
 * inspect document (an object) through ctx->out and returns an exit code. The object came
 * through the object model's gate; o->name is the name to use in messages.
 */
#ifndef BPFKIT_INSPECT_VIEWS_H
#define BPFKIT_INSPECT_VIEWS_H

#include <stdbool.h>

#include "cli.h"
#include "object.h"

int inspect_view_disasm(struct cli_ctx *ctx, struct bk_object *o, const char *program);
int inspect_view_core(struct cli_ctx *ctx, struct bk_object *o, const char *target_btf,
		      bool kernel);
int inspect_view_lines(struct cli_ctx *ctx, struct bk_object *o);

/*
 * One CO-RE relocation as a row: --core and `core check` failures. target is the target
 * BTF's name ("" for the one --core resolved against), or NULL for no target.
 */
struct core_relo;
void inspect_core_relo_out(struct out *o, const struct core_relo *r, const char *target);

#endif
