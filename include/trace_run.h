/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * `bpfkit trace run OBJ` (kern/trace_run.c): any object's ring buffer and perf buffer
 * records, decoded through the object's BTF. trace_run_plan() picks the maps and the record
 * type of each (from the map's declaration, --type, or the size the code passes to
 * bpf_ringbuf_reserve/_output or bpf_perf_event_output, searching .BTF and, when the object
 * was built with -g, the types only its DWARF has); trace_run() loads, attaches by
 * section, and streams the records as text or JSON Lines until the limits.
 */
#ifndef BPFKIT_TRACE_RUN_H
#define BPFKIT_TRACE_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errmsg.h"
#include "tracer.h"

struct bk_object;
struct bpf_object;
struct btf;

struct trace_run_opts {
	const char *const *programs;	/* --program: only these load and attach; NULL: all */
	size_t nr_programs;
	const char *map;		/* --map: only this map; NULL: every ring/perf buffer */
	const char *type;		/* --type: the record struct where no map declares one */
};

enum trace_run_source { TR_DECLARED, TR_OPTION, TR_CODE };

struct trace_run_map {
	char *name;
	bool perf;			/* BPF_MAP_TYPE_PERF_EVENT_ARRAY, else RINGBUF */
	uint32_t type_id;		/* the record type in plan->btf */
	bool from_dwarf;		/* only the object's DWARF has it, not .BTF */
	char *type_name;		/* "struct event" */
	uint32_t size;			/* its size */
	enum trace_run_source source;
	uint64_t records, lost;		/* filled by trace_run() */
};

struct trace_run_plan {
	struct trace_run_map *maps;
	size_t nr_maps;
	const struct btf *btf;		/* the types: .BTF, or .BTF + DWARF (owned by the object) */
	size_t attached, skipped;	/* programs, filled by trace_run() */
	char **skipped_names;		/* programs without a section libbpf attaches by */
};

/* What each source is called in messages: "declared by the map", "--type", "the code". */
const char *trace_run_source_str(enum trace_run_source s);

/* The maps to read and their record types; o is the object obj was opened from. */
int trace_run_plan(struct bk_object *o, struct bpf_object *obj, const struct trace_run_opts *opts,
		   struct trace_run_plan *plan, struct errmsg *err);
void trace_run_plan_free(struct trace_run_plan *plan);

/* Load obj, attach, stream until kern_stop/duration/count (signals set up by the caller);
 * res->lost counts the perf buffers' lost samples. */
int trace_run(struct bpf_object *obj, const struct trace_run_opts *opts,
	      struct trace_run_plan *plan, struct trace_common *c,
	      const struct trace_sink *sink, struct trace_result *res, struct errmsg *err);

#endif
