/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bpfkit trace <tool>: run a bundled tracer and stream its events. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kern.h"
#include "trace.h"

#define TRACE_OPTIONS								\
	"Options:\n"								\
	"  -p, --pid PID        only this process (thread group id)\n"		\
	"  -u, --uid UID        only this user id\n"				\
	"  -n, --name COMM      only this command name (exact, 15 chars at most)\n" \
	"  -x, --failed         only failed calls\n"				\
	"  -T, --timestamp      add a TIME(s) column: seconds since start\n"	\
	"      --duration SEC   stop after SEC seconds\n"			\
	"      --count N        stop after N events\n"				\
	"\n"								\
	"Events stream as aligned text, or as JSON Lines with --json (one object per\n" \
	"line, flushed per batch). On exit (Ctrl-C, SIGTERM, --duration, --count) it prints\n" \
	"'N events, M lost' to stderr and detaches everything. Filters run in the kernel.\n" \
	"Needs root (CAP_BPF and CAP_PERFMON).\n"

static uint64_t start_ktime_ns;

void trace_start_clock(void)
{
	struct timespec ts;

	/* bpf_ktime_get_ns() is CLOCK_MONOTONIC */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	start_ktime_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

double trace_elapsed(uint64_t ktime_ns)
{
	return ktime_ns > start_ktime_ns ? (double)(ktime_ns - start_ktime_ns) / 1e9 : 0.0;
}

void trace_summary(struct cli_ctx *ctx, uint64_t events, uint64_t lost)
{
	fprintf(stderr, "%llu events, %llu lost\n", (unsigned long long)events,
		(unsigned long long)lost);
}

static int parse_trace_options(struct cli_ctx *ctx, int argc, char **argv,
			       struct trace_opts *opts)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "uid", required_argument, NULL, 'u' },
		{ "name", required_argument, NULL, 'n' },
		{ "failed", no_argument, NULL, 'x' },
		{ "timestamp", no_argument, NULL, 'T' },
		{ "duration", required_argument, NULL, 'D' },
		{ "count", required_argument, NULL, 'c' },
		{ 0 }
	};
	unsigned long long v;
	char *end;
	int c;

	while ((c = cli_getopt(ctx, argc, argv, "p:u:n:xTD:c:", longopts)) != -1) {
		switch (c) {
		case 'p':
			if (cli_parse_u64(ctx, "--pid", optarg, &v))
				return EXIT_USAGE;
			if (v == 0 || v > UINT32_MAX)
				return cli_usage_error(ctx, "--pid: '%s' is not a process id", optarg);
			opts->pid = (uint32_t)v;
			break;
		case 'u':
			if (cli_parse_u64(ctx, "--uid", optarg, &v))
				return EXIT_USAGE;
			if (v >= UINT32_MAX)
				return cli_usage_error(ctx, "--uid: '%s' is not a user id", optarg);
			opts->uid = (uint32_t)v;
			opts->uid_set = true;
			break;
		case 'n':
			if (!*optarg || strlen(optarg) >= sizeof(opts->comm))
				return cli_usage_error(ctx, "--name: '%s' must be 1 to 15 characters (the kernel's comm)", optarg);
			strcpy(opts->comm, optarg);
			break;
		case 'x':
			opts->failed = true;
			break;
		case 'T':
			opts->timestamps = true;
			break;
		case 'D':
			errno = 0;
			opts->duration_s = strtod(optarg, &end);
			if (errno || *end || !(opts->duration_s > 0))
				return cli_usage_error(ctx, "--duration: '%s' is not a positive number of seconds", optarg);
			break;
		case 'c':
			if (cli_parse_u64(ctx, "--count", optarg, &v))
				return EXIT_USAGE;
			if (!v)
				return cli_usage_error(ctx, "--count: must be at least 1");
			opts->count = v;
			break;
		case CLI_OPT_HELP:
			return -1;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	return 0;
}

static int trace_run(struct cli_ctx *ctx, int argc, char **argv,
		     int (*run)(struct cli_ctx *, const struct trace_opts *))
{
	struct trace_opts opts = { 0 };
	struct errmsg err = { 0 };
	int ret;

	ret = parse_trace_options(ctx, argc, argv, &opts);
	if (ret)
		return ret < 0 ? EXIT_OK : ret;
	if (kern_check_tracing_privileges(&err) || kern_ensure_tracefs(&err))
		return cli_errmsg(ctx, &err);
	kern_trap_signals();
	/* events are flushed per batch anyway: a larger buffer means fewer write()s */
	cli_stdout_buffer();
	return run(ctx, &opts);
}

static int trace_openat(struct cli_ctx *ctx, int argc, char **argv)
{
	return trace_run(ctx, argc, argv, trace_openat_run);
}

static const struct cli_command trace_tools[] = {
	{ "openat", trace_openat, NULL, "openat/openat2 calls: process, flags, path, fd or errno",
	  "Usage: bpfkit trace openat [-p PID] [-u UID] [-n COMM] [-x] [-T] [--duration SEC]\n"
	  "                           [--count N] [--json]\n"
	  "\n"
	  "Every openat(2) and openat2(2) call: PID, COMM, FD (-1 on failure), ERR (errno),\n"
	  "FLAGS (O_* without the prefix) and PATH, like libbpf-tools' opensnoop.\n"
	  "JSON fields: ts_ns pid tid uid comm syscall fd errno flags flags_str mode path.\n"
	  "\n" TRACE_OPTIONS, CLI_STREAM },
	{ 0 }
};

/* Called without a tool: tracing something nobody asked for would surprise. */
int cmd_trace(struct cli_ctx *ctx, int argc, char **argv)
{
	fputs(cmd_trace_def.usage, stderr);
	return cli_usage_error(ctx, "which tool? e.g. 'bpfkit trace openat'");
}

const struct cli_command cmd_trace_def = {
	"trace", cmd_trace, trace_tools, "stream events from a bundled tracer",
	"Usage: bpfkit trace <tool> [options]\n"
	"\n"
	"Tools:\n"
	"  openat     openat/openat2 calls: process, flags, path, fd or errno\n"
	"\n"
	"Run 'bpfkit trace <tool> --help' for its options.\n",
	CLI_STREAM
};
