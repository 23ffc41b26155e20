/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The attached view, shared by `bpfkit attached` and `bpfkit prog list --attached`. */
#ifndef BPFKIT_ATTACH_CLI_H
#define BPFKIT_ATTACH_CLI_H

struct cli_ctx;
int cli_attached_view(struct cli_ctx *ctx);

#endif
