/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What unload, unpin and gc removed: one table (text) or list (JSON), rendered alike. */
#ifndef BPFKIT_CLI_REMOVALS_H
#define BPFKIT_CLI_REMOVALS_H

#include "cli.h"
#include "kload.h"

/* key: the JSON list's name ("removed"); dry_run words the rows "would remove". */
void cli_render_removals(struct cli_ctx *ctx, const struct kern_removals *r, bool dry_run);

#endif
