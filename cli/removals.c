/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Rendering of kern_removals for unload, unpin and gc. */
#include "removals.h"

void cli_render_removals(struct cli_ctx *ctx, const struct kern_removals *r, bool dry_run)
{
	struct out *o = ctx->out;

	out_list_begin(o, NULL, NULL);
	for (size_t i = 0; i < r->nr; i++) {
		const struct kern_removed *it = &r->items[i];

		out_object_begin(o, NULL, NULL);
		out_str(o, "action", NULL, it->kept ? "kept" : dry_run ? "would remove" : "removed");
		out_str(o, "kind", NULL, it->kind);
		if (it->id)
			out_u64(o, "id", NULL, it->id);
		else
			out_null(o, "id", NULL);
		out_str(o, "path", NULL, it->path);
		out_str(o, "reason", NULL, it->reason);
		out_object_end(o);
	}
	out_list_end(o);
}
