/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The options every trace verb shares: bundled tracers (cmd_trace.c) and trace run. */
#ifndef BPFKIT_TRACE_CLI_H
#define BPFKIT_TRACE_CLI_H

#include "cli.h"
#include "tracer.h"

enum { OPT_DURATION = 0x200, OPT_COUNT, OPT_CGROUP, OPT_STATS, OPT_RING_SIZE, OPT_INTERVAL,
       OPT_LISTEN };

/* One common option (its getopt value) into o; 0, or the exit code of a usage error. */
int trace_parse_common(struct cli_ctx *ctx, int opt, struct trace_common *o);

/* Output to ctx's stream, stats and notices to stderr. */
struct trace_sink trace_cli_sink(struct cli_ctx *ctx);

extern const struct cli_command trace_run_verb;	/* cli/cmd_trace_run.c */

#endif
