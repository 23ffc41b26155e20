/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bpfkit trace run OBJ: any object, loaded and attached by section, its ring and perf
 * buffer records printed field by field through its BTF (kern/trace_run.c does the work).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "cli.h"
#include "kern.h"
#include "object.h"
#include "trace_cli.h"
#include "trace_run.h"

enum { OPT_PROGRAM = 0x300, OPT_MAP, OPT_TYPE };

static int parse(struct cli_ctx *ctx, int argc, char **argv, struct trace_run_opts *o,
		 struct trace_common *c, const char ***programs)
{
	static const struct option lo[] = {
		{ "program", required_argument, NULL, OPT_PROGRAM },
		{ "map", required_argument, NULL, OPT_MAP },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "timestamp", no_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, ret;

	while ((opt = cli_getopt(ctx, argc, argv, "T", lo)) != -1) {
		switch (opt) {
		case OPT_PROGRAM: {
			const char **p = realloc(*programs, (o->nr_programs + 1) * sizeof(*p));

			if (!p)
				return cli_error(ctx, "out of memory");
			p[o->nr_programs++] = optarg;
			*programs = p;
			o->programs = p;
			break;
		}
		case OPT_MAP:
			if (o->map)	/* one map or all: no list */
				return cli_usage_error(ctx, "--map given twice ('%s', '%s'): name one map, or none for all",
						       o->map, optarg);
			o->map = optarg;
			break;
		case OPT_TYPE:
			o->type = optarg;
			break;
		case OPT_DURATION:
		case OPT_COUNT:
		case OPT_STATS:
		case 'T':
			ret = trace_parse_common(ctx, opt, c);
			if (ret)
				return ret;
			break;
		case CLI_OPT_HELP:
			return -1;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage_error(ctx, "missing OBJ: 'bpfkit trace run OBJ'");
	if (optind + 1 < argc)
		return cli_usage_error(ctx, "unexpected argument '%s'", argv[optind + 1]);
	return 0;
}

/* One line per map on stderr: which record type was chosen, and why. */
static void say_plan(struct cli_ctx *ctx, const struct trace_run_plan *plan)
{
	if (ctx->quiet)
		return;
	for (size_t i = 0; i < plan->nr_maps; i++)
		fprintf(stderr, "bpfkit: trace run: %s '%s': records are %s (%u bytes, %s%s)\n",
			plan->maps[i].perf ? "perf buffer" : "ring buffer", plan->maps[i].name,
			plan->maps[i].type_name, plan->maps[i].size,
			trace_run_source_str(plan->maps[i].source),
			plan->maps[i].from_dwarf ? ", from DWARF" : "");
}

static int run(struct cli_ctx *ctx, const char *spec, const struct trace_run_opts *opts,
	       struct trace_common *c)
{
	const struct trace_sink sink = trace_cli_sink(ctx);
	struct trace_run_plan plan = { 0 };
	struct bk_object *o = NULL;
	struct bpf_object *obj = NULL;
	struct trace_result res;
	struct errmsg err = { 0 };
	int ret;

	if (kern_check_tracing_privileges(&err) || kern_ensure_tracefs(&err))
		return cli_errmsg(ctx, &err);
	ret = cli_open_object(ctx, spec, &o);
	if (ret)
		return ret;
	if (bk_object_bpf_open(o, o->obj_name, &obj, &err) || trace_run_plan(o, obj, opts, &plan, &err)) {
		ret = cli_errmsg(ctx, &err);
		goto out;
	}
	say_plan(ctx, &plan);
	kern_trap_signals();
	cli_stdout_buffer();
	if (trace_run(obj, opts, &plan, c, &sink, &res, &err)) {
		ret = cli_errmsg(ctx, &err);
		goto out;
	}
	if (plan.skipped && !ctx->quiet) {
		fprintf(stderr, "bpfkit: trace run: not attached (no section libbpf attaches by; --program to insist):");
		for (size_t i = 0; i < plan.skipped; i++)
			fprintf(stderr, " %s", plan.skipped_names[i] ? plan.skipped_names[i] : "?");
		fputc('\n', stderr);
	}
	fprintf(stderr, "%llu events, %llu lost\n", (unsigned long long)res.events,
		(unsigned long long)res.lost);
	ret = res.write_err && res.write_err != -EPIPE ? EXIT_ERR : EXIT_OK;
out:
	trace_run_plan_free(&plan);
	bpf_object__close(obj);
	bk_object_close(o);
	return ret;
}

static int trace_run_cmd(struct cli_ctx *ctx, int argc, char **argv)
{
	struct trace_run_opts opts = { 0 };
	struct trace_common c = { 0 };
	const char **programs = NULL;
	int ret = parse(ctx, argc, argv, &opts, &c, &programs);

	if (!ret)
		ret = run(ctx, argv[optind], &opts, &c);
	free(programs);
	return ret < 0 ? EXIT_OK : ret;
}

const struct cli_command trace_run_verb = {
	"run", trace_run_cmd, NULL, "any object: its ring/perf buffer records, decoded through BTF",
	"Usage: bpfkit trace run OBJ [--program NAME]... [--map NAME] [--type STRUCT] [-T]\n"
	"                        [--duration SEC] [--count N] [--stats] [--json]\n"
	"\n"
	"Load OBJ (a path, @NAME of a bundled object, or -), attach its programs by their\n"
	"section names, and print every record of its ring buffers and perf buffers, field\n"
	"by field through the object's BTF: 'name=value ...' as text, one JSON object per\n"
	"record with --json (strings quoted, arrays as lists, nested structs as objects).\n"
	"With several maps each record says its map (text: 'MAP: ', JSON: \"_map\").\n"
	"The record type of a map is, in this order: the value type its definition declares\n"
	"(__type(value, T)), the struct named by --type, or the one struct whose size the\n"
	"code passes as a constant to bpf_ringbuf_reserve, bpf_ringbuf_output or\n"
	"bpf_perf_event_output with that map; which one was chosen, and why, is said on\n"
	"stderr. Types are searched in .BTF and, when OBJ was built with -g, in its DWARF\n"
	"(a record struct clang left out of .BTF is there). Without -g, keep the struct in\n"
	"BTF (e.g. 'const struct event *unused_event;'). The kernel refuses a ring buffer\n"
	"or perf buffer map that declares a value type: trace run creates such a map itself,\n"
	"without it.\n"
	"A record shorter than its type shows the fields it holds (\"_short\": its size).\n"
	"\n"
	"Options:\n"
	"      --program NAME   load and attach only this program (repeat for more); without\n"
	"                       it every program loads, and those without an attachable\n"
	"                       section (tail call targets) are listed as not attached\n"
	"      --map NAME       only this ring buffer or perf buffer map\n"
	"      --type STRUCT    the record type of maps that declare none\n"
	"  -T, --timestamp      each record's time read, in seconds since start (text: a\n"
	"                       first column; JSON: \"_time\")\n"
	"      --duration SEC   stop after SEC seconds\n"
	"      --count N        stop after N records\n"
	"      --stats          events/s and lost/s on stderr, every second\n"
	"\n"
	"On exit it prints 'N events, M lost' to stderr (lost: perf buffer samples the kernel\n"
	"dropped; a failed bpf_ringbuf_reserve is only seen by the program itself) and\n"
	"unloads everything. Needs root (CAP_BPF and CAP_PERFMON).\n",
	CLI_STREAM
};
