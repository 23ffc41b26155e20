/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bpfkit trace <tracer>: the verbs, their help and completion come from the registry of
 * bundled tracers (bpf/tracers.c); options are parsed here, the run is kern/tracer.c's, and
 * the lines go to the output layer's stream.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "kern.h"
#include "kmetrics.h"
#include "trace_cli.h"
#include "tracer.h"

#define MAX_TRACERS 32

/* Not filters: -T for tracers with events (a ring buffer or the trace pipe), not tables;
 * --ring-size for tracers with a ring buffer. */
#define TRACE_EVENTS (1u << 31)
#define HAS_RING (1u << 30)
#define HAS_METRICS (1u << 29)	/* --listen: a tracer with counters to serve */

static const struct {
	unsigned int filter;	/* 0: every tracer */
	const char *synopsis, *help;
} common_help[] = {
	{ TRACE_PID, "[-p PID]", "  -p, --pid PID        only this process (thread group id)\n" },
	{ TRACE_TID, "[-t TID]", "  -t, --tid TID        only this thread\n" },
	{ TRACE_UID, "[-u UID]", "  -u, --uid UID        only this user id\n" },
	{ TRACE_COMM, "[-n COMM]", "  -n, --name COMM      only commands whose name contains COMM (15 chars at most)\n" },
	{ TRACE_CGROUP, "[--cgroup PATH]", "      --cgroup PATH    only tasks in this cgroup v2 directory (not its children)\n" },
	{ TRACE_FAILED, "[-x]", "  -x, --failed         only failed calls\n" },
	{ TRACE_EVENTS, "[-T]", "  -T, --timestamp      add a TIME(s) column: seconds since start\n" },
	{ 0, "[--duration SEC]", "      --duration SEC   stop after SEC seconds\n" },
	{ 0, "[--count N]", "      --count N        stop after N events (counting tracers: rows; the table that\n"
		     "                       reaches N is the last)\n" },
	{ 0, "[--stats]", "      --stats          events/s and lost/s on stderr, every second\n" },
	{ HAS_RING, "[--ring-size BYTES]", "      --ring-size BYTES  the ring buffer's size (a power of 2, >= 4096)\n" },
	{ TRACE_INTERVAL, "[--interval SEC]", "      --interval SEC   print the counts every SEC seconds (and at exit)\n" },
	{ HAS_METRICS, "[--listen ADDR]", "      --listen ADDR    serve the counts as Prometheus metrics at http://ADDR/metrics\n"
					  "                       (127.0.0.1:9435, [::1]:9435, :9435 for every address)\n" },
};

static const char trace_tail[] =
	"\n"
	"Events stream as aligned text, or as JSON Lines with --json (one object per\n"
	"line, flushed per batch). On exit (Ctrl-C, SIGTERM, --duration, --count, a closed\n"
	"pipe) it prints 'N events, M lost' to stderr";

/* Whether tracer t takes the common option of this filter bit (0: every tracer). */
static bool offered(const struct tracer *t, unsigned int filter)
{
	if (filter == TRACE_EVENTS)	/* trace log (loads nothing) always shows the pipe's time */
		return t->ring_map || (t->trace_pipe && t->elf_bytes);
	if (filter == HAS_RING)
		return t->ring_map != NULL;
	if (filter == HAS_METRICS)
		return t->metrics != NULL;
	return !filter || (t->filters & filter);
}

static int trace_tracer(struct cli_ctx *ctx, int argc, char **argv);
static int trace_list(struct cli_ctx *ctx, int argc, char **argv);


static struct cli_command trace_verbs[MAX_TRACERS + 3];

/* The word after "--NAME " in the tracer's options help ("SEC"), else "ARG". */
static const char *arg_name(const struct tracer *t, const char *name)
{
	static char word[32];
	const char *h = t->options_help;
	size_t len = strlen(name), n;

	while (h && (h = strstr(h, "--"))) {
		h += 2;
		if (strncmp(h, name, len) || h[len] != ' ' || h[len + 1] == ' ')
			continue;
		n = strcspn(h + len + 1, " \n");
		if (n && n < sizeof(word)) {
			memcpy(word, h + len + 1, n);
			word[n] = '\0';
			return word;
		}
	}
	return "ARG";
}

/* "Usage: bpfkit trace NAME [options]", the tracer's text, the options it takes. */
static char *tracer_usage(const struct tracer *t)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	fprintf(f, "Usage: bpfkit trace %s", t->name);
	if (t->operand)
		fprintf(f, " %s", t->operand);
	for (size_t i = 0; i < sizeof(common_help) / sizeof(common_help[0]); i++)
		if (offered(t, common_help[i].filter))
			fprintf(f, " %s", common_help[i].synopsis);
	for (const struct option *o = t->longopts; o && o->name; o++)
		if (o->has_arg)
			fprintf(f, " [--%s %s]", o->name, arg_name(t, o->name));
		else
			fprintf(f, " [--%s]", o->name);
	fprintf(f, " [--json]\n\n%s\nOptions:\n", t->details);
	for (size_t i = 0; i < sizeof(common_help) / sizeof(common_help[0]); i++)
		if (offered(t, common_help[i].filter))
			fputs(common_help[i].help, f);
	if (t->options_help)
		fputs(t->options_help, f);
	fputs(trace_tail, f);
	/* a tracer that loads nothing (trace log) detaches nothing and filters in user space */
	fputs(t->elf_bytes ? " and detaches everything.\nFilters run in the kernel. Needs root (CAP_BPF and CAP_PERFMON).\n"
			   : ".\nNeeds root (to read tracefs).\n", f);
	return fclose(f) ? NULL : s;
}

/* The list of tracers: a buffer, because cmd_trace_def is const and points at it. */
static char trace_usage_text[8192];

static void trace_usage(void)
{
	FILE *f = fmemopen(trace_usage_text, sizeof(trace_usage_text), "w");

	if (!f)
		return;
	fputs("Usage: bpfkit trace <tracer> [options]\n       bpfkit trace list\n"
	      "       bpfkit trace run OBJ [options]\n\nTracers:\n", f);
	for (size_t i = 0; tracers[i]; i++)
		fprintf(f, "  %-10s %s\n", tracers[i]->name, tracers[i]->summary);
	fputs("\nRun 'bpfkit trace <tracer> --help' for its options, 'bpfkit trace list' for what\n"
	      "each needs from the kernel.\n", f);
	if (ferror(f) || ftell(f) >= (long)sizeof(trace_usage_text))
		abort();	/* a registry too long for its help is a bug, not a shorter help */
	fclose(f);
}

/* The verb table is the registry: built once, before main() looks anything up. */
__attribute__((constructor)) static void build_verbs(void)
{
	size_t n = 0;

	trace_usage();
	for (size_t i = 0; tracers[i] && n < MAX_TRACERS; i++)
		trace_verbs[n++] = (struct cli_command){ tracers[i]->name, trace_tracer, NULL,
			tracers[i]->summary, tracer_usage(tracers[i]), CLI_STREAM };
	trace_verbs[n] = (struct cli_command){ "list", trace_list, NULL,
		"the bundled tracers and what each needs from the kernel",
		"Usage: bpfkit trace list [--json]\n"
		"\n"
		"One line per bundled tracer: its name, what it shows, what it needs from the\n"
		"kernel. Each is also an embedded object: 'bpfkit inspect @NAME'.\n", 0 };
	trace_verbs[n + 1] = trace_run_verb;
}

/* A cgroup v2 directory: its inode number is the id bpf_get_current_cgroup_id() returns. */
static int parse_cgroup(struct cli_ctx *ctx, const char *path, struct trace_common *o)
{
	struct statfs sfs;
	struct stat st;

	errno = 0;
	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return cli_usage_error(ctx, "--cgroup: '%s' is not a directory (%s)", path,
				       errno ? strerror(errno) : "not a directory");
	if (statfs(path, &sfs) || sfs.f_type != 0x63677270 /* CGROUP2_SUPER_MAGIC */)
		return cli_usage_error(ctx, "--cgroup: '%s' is not in a cgroup v2 hierarchy; give a directory under /sys/fs/cgroup", path);
	o->cgroup_id = st.st_ino;
	return 0;
}

int trace_parse_common(struct cli_ctx *ctx, int c, struct trace_common *o)
{
	unsigned long long v;

	switch (c) {
	case 'p':
		if (cli_parse_u64(ctx, "--pid", optarg, &v))
			return EXIT_USAGE;
		if (v == 0 || v > UINT32_MAX)
			return cli_usage_error(ctx, "--pid: '%s' is not a process id", optarg);
		o->pid = (uint32_t)v;
		return 0;
	case 't':
		if (cli_parse_u64(ctx, "--tid", optarg, &v))
			return EXIT_USAGE;
		if (v == 0 || v > UINT32_MAX)
			return cli_usage_error(ctx, "--tid: '%s' is not a thread id", optarg);
		o->tid = (uint32_t)v;
		return 0;
	case OPT_CGROUP:
		return parse_cgroup(ctx, optarg, o);
	case OPT_STATS:
		o->stats = true;
		return 0;
	case OPT_RING_SIZE:
		if (cli_parse_u64(ctx, "--ring-size", optarg, &v))
			return EXIT_USAGE;
		if (v < 4096 || v > (1ULL << 30) || (v & (v - 1)))
			return cli_usage_error(ctx, "--ring-size: '%s' must be a power of 2 from 4096 to 1073741824", optarg);
		o->ring_size = (uint32_t)v;
		return 0;
	case 'u':
		if (cli_parse_u64(ctx, "--uid", optarg, &v))
			return EXIT_USAGE;
		if (v >= UINT32_MAX)
			return cli_usage_error(ctx, "--uid: '%s' is not a user id", optarg);
		o->uid = (uint32_t)v;
		o->uid_set = true;
		return 0;
	case 'n':
		if (!*optarg || strlen(optarg) >= sizeof(o->comm))
			return cli_usage_error(ctx, "--name: '%s' must be 1 to 15 characters (the kernel's comm)", optarg);
		strcpy(o->comm, optarg);
		return 0;
	case 'x':
		o->failed = true;
		return 0;
	case 'T':
		o->timestamps = true;
		return 0;
	case OPT_DURATION:
		return cli_parse_seconds(ctx, "--duration", optarg, 0, &o->duration_s) ? EXIT_USAGE : 0;
	case OPT_COUNT:
		if (cli_parse_u64(ctx, "--count", optarg, &v))
			return EXIT_USAGE;
		if (!v)
			return cli_usage_error(ctx, "--count: must be at least 1");
		o->count = v;
		return 0;
	case OPT_LISTEN: {
		struct errmsg err = { 0 };

		if (kmetrics_check_addr(optarg, &err))
			return cli_usage_error(ctx, "%s", err.msg);
		o->listen = optarg;
		return 0;
	}
	case OPT_INTERVAL:
		return cli_parse_seconds(ctx, "--interval", optarg, 0.01, &o->interval_s) ? EXIT_USAGE : 0;
	default:
		return EXIT_USAGE;
	}
}

/* Common options the tracer applies, then its own. */
static struct option *tracer_options(const struct tracer *t, char *shortopts)
{
	static const struct option common[] = {
		{ "pid", required_argument, NULL, 'p' }, { "tid", required_argument, NULL, 't' },
		{ "uid", required_argument, NULL, 'u' },
		{ "name", required_argument, NULL, 'n' },
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "failed", no_argument, NULL, 'x' },
		{ "timestamp", no_argument, NULL, 'T' },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "ring-size", required_argument, NULL, OPT_RING_SIZE },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "listen", required_argument, NULL, OPT_LISTEN },
	};
	static const unsigned int filter_of[] = { TRACE_PID, TRACE_TID, TRACE_UID, TRACE_COMM,
						  TRACE_CGROUP, TRACE_FAILED, TRACE_EVENTS, 0, 0,
						  0, HAS_RING, TRACE_INTERVAL, HAS_METRICS };
	size_t n = 0, nown = 0;
	struct option *lo;

	while (t->longopts && t->longopts[nown].name)
		nown++;
	lo = calloc(sizeof(common) / sizeof(common[0]) + nown + 1, sizeof(*lo));
	if (!lo)
		return NULL;
	shortopts[0] = '\0';
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
		if (!offered(t, filter_of[i]))
			continue;
		lo[n++] = common[i];
		if (common[i].val < 0x100) {	/* its short form: "p:" or "x" */
			size_t end = strlen(shortopts);

			shortopts[end++] = (char)common[i].val;
			if (common[i].has_arg)
				shortopts[end++] = ':';
			shortopts[end] = '\0';
		}
	}
	for (size_t i = 0; i < nown; i++)
		lo[n++] = t->longopts[i];
	return lo;
}

static int parse_options(struct cli_ctx *ctx, const struct tracer *t, int argc, char **argv,
			 struct trace_common *c, void *priv)
{
	struct errmsg err = { 0 };
	char shortopts[32];
	struct option *lo = tracer_options(t, shortopts);
	int opt, ret = 0;

	if (!lo)
		return cli_error(ctx, "out of memory");
	while (!ret && (opt = cli_getopt(ctx, argc, argv, shortopts, lo)) != -1) {
		if (opt == CLI_OPT_HELP)
			ret = -1;
		else if (opt >= 0x300 && t->parse)
			ret = t->parse(priv, opt, optarg, &err) ? cli_usage_error(ctx, "%s", err.msg) : 0;
		else
			ret = trace_parse_common(ctx, opt, c);
	}
	free(lo);
	if (!ret && t->operand && optind >= argc)
		ret = cli_usage_error(ctx, "missing %s: 'bpfkit trace %s %s'", t->operand, t->name,
				      t->operand);
	else if (!ret && t->operand && t->parse(priv, TRACE_OPERAND, argv[optind++], &err))
		ret = cli_usage_error(ctx, "%s", err.msg);
	if (!ret && optind < argc)
		ret = cli_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	return ret;
}

static void sink_line(void *ctx, const char *line, size_t len)
{
	out_stream_line(ctx, line, len);
}

static int sink_flush(void *ctx)
{
	return out_flush(ctx);
}

static void sink_stats(void *ctx, double events_per_s, double lost_per_s)
{
	(void)ctx;
	fprintf(stderr, "%.0f events/s, %.0f lost/s\n", events_per_s, lost_per_s);
}

static void sink_info(void *ctx, const char *what, const char *addr, unsigned int port)
{
	char url[320];

	(void)ctx;
	kmetrics_url(addr, (uint16_t)port, url, sizeof(url));
	fprintf(stderr, "%s on %s (port %u): curl %s\n", what, addr, port, url);
}

struct trace_sink trace_cli_sink(struct cli_ctx *ctx)
{
	return (struct trace_sink){ .json = out_json(ctx->out), .line = sink_line,
				    .flush = sink_flush, .stats = sink_stats,
				    .info = ctx->quiet ? NULL : sink_info, .ctx = ctx->out };
}

static int run_tracer(struct cli_ctx *ctx, const struct tracer *t, struct trace_common *c,
		      void *priv)
{
	const struct trace_sink sink = trace_cli_sink(ctx);
	struct trace_result res;
	struct errmsg err = { 0 };

	if (kern_check_tracing_privileges(&err) || kern_ensure_tracefs(&err))
		return cli_errmsg(ctx, &err);
	kern_trap_signals();
	cli_stdout_buffer();	/* flushed per batch anyway: fewer write()s */
	if (tracer_run(t, c, priv, &sink, &res, &err))
		return cli_errmsg(ctx, &err);
	fprintf(stderr, "%llu events, %llu lost\n", (unsigned long long)res.events,
		(unsigned long long)res.lost);
	return res.write_err && res.write_err != -EPIPE ? EXIT_ERR : EXIT_OK;
}

static int trace_tracer(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct tracer *t = tracer_find(ctx->cmd->name);	/* argv[0] may be a prefix */
	struct trace_common c = { 0 };
	void *priv = t && t->priv_size ? calloc(1, t->priv_size) : NULL;
	int ret;

	if (!t)
		return cli_error(ctx, "no tracer '%s'", ctx->cmd->name);
	if (t->priv_size && !priv)
		return cli_error(ctx, "out of memory");
	ret = parse_options(ctx, t, argc, argv, &c, priv);
	c.quiet = ctx->quiet;
	if (!ret)
		ret = run_tracer(ctx, t, &c, priv);
	free(priv);
	return ret < 0 ? EXIT_OK : ret;
}

static int trace_list(struct cli_ctx *ctx, int argc, char **argv)
{
	int ret;

	ret = cli_no_args(ctx, argc, argv);
	if (ret)
		return ret == CLI_OPT_HELP ? EXIT_OK : ret;
	out_list_begin(ctx->out, NULL, NULL);
	for (size_t i = 0; tracers[i]; i++) {
		out_object_begin(ctx->out, NULL, NULL);
		out_str(ctx->out, "name", NULL, tracers[i]->name);
		out_str(ctx->out, "summary", NULL, tracers[i]->summary);
		out_str(ctx->out, "needs", NULL, tracers[i]->needs);
		out_object_end(ctx->out);
	}
	out_list_end(ctx->out);
	return EXIT_OK;
}

/* Called without a tracer: tracing something nobody asked for would surprise. */
int cmd_trace(struct cli_ctx *ctx, int argc, char **argv)
{
	fputs(cmd_trace_def.usage, stderr);
	return cli_usage_error(ctx, "which tracer? e.g. 'bpfkit trace openat'");
}

const struct cli_command cmd_trace_def = {
	"trace", cmd_trace, trace_verbs, "stream events from a bundled tracer", trace_usage_text,
	CLI_STREAM
};
