/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What `bpfkit trace` gives every bundled tracer (bpf/<name>.c). */
#ifndef BPFKIT_TRACE_H
#define BPFKIT_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"

struct trace_opts {
	uint32_t pid;		/* 0: any process */
	uint32_t uid;
	bool uid_set;
	char comm[16];		/* "": any command */
	bool failed;		/* only failed calls */
	bool timestamps;	/* -T */
	double duration_s;	/* 0: until Ctrl-C */
	uint64_t count;		/* 0: no limit */
};

struct trace_tool {
	const char *name;
	int (*run)(struct cli_ctx *ctx, const struct trace_opts *opts);
};

/* Shared by the tools: called once at exit, prints "N events, M lost" to stderr. */
void trace_summary(struct cli_ctx *ctx, uint64_t events, uint64_t lost);
/* Seconds since the tracer started, for -T, from a bpf_ktime_get_ns() timestamp. */
double trace_elapsed(uint64_t ktime_ns);
void trace_start_clock(void);

int trace_openat_run(struct cli_ctx *ctx, const struct trace_opts *opts);

#endif
