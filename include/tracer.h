/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The tracer runtime (kern/tracer.c) and what a bundled tracer registers (bpf/<name>.c).
 *
 * A tracer is a registration: its embedded object, how its options and the common filters
 * become the object's read-only globals, what to do after load (fill a program array), and
 * how one ring buffer record becomes one line of text or JSON. The runtime owns everything
 * else: open through the object gate, configure, load, post-load, attach every program,
 * the ring loop with its limits, the drop counters, signals, detaching. Adding a tracer is
 * one .bpf.c, one .c with a `struct tracer`, and one line in bpf/tracers.c.
 */
#ifndef BPFKIT_TRACER_H
#define BPFKIT_TRACER_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errmsg.h"

struct bpf_link;
struct bpf_object;
struct kbuf;
struct linebuf;
struct trace_sink;

/* The options every tracer understands (those it applies are in tracer->filters). */
struct trace_common {
	uint32_t pid;		/* 0: any process */
	uint32_t tid;		/* 0: any thread */
	uint32_t uid;
	bool uid_set;
	char comm[16];		/* "": any command; else a substring of comm */
	uint64_t cgroup_id;	/* 0: any cgroup; else the cgroup v2 directory's inode */
	bool failed;		/* only failed calls */
	bool timestamps;	/* -T */
	double duration_s;	/* 0: until Ctrl-C */
	uint64_t count;		/* 0: no limit */
	uint64_t start_ns;	/* CLOCK_MONOTONIC at start, for -T */
	double interval_s;	/* --interval (TRACE_INTERVAL): 0 uses tracer->tick_interval_s */
	const char *listen;	/* --listen ADDR: serve tracer->metrics over HTTP, or NULL */
	bool stats;		/* --stats: the sink's stats() every second */
	bool quiet;		/* -q: no informational messages on stderr */
	uint32_t ring_size;	/* 0: the object's; else the ring buffer's bytes */
};

/* Which common filters a tracer applies in the kernel. */
#define TRACE_PID	(1u << 0)
#define TRACE_UID	(1u << 1)
#define TRACE_COMM	(1u << 2)
#define TRACE_FAILED	(1u << 3)
#define TRACE_TID	(1u << 4)
#define TRACE_CGROUP	(1u << 5)
#define TRACE_INTERVAL	(1u << 6)	/* not a filter: takes --interval SEC for its tick */

/*
 * The runtime sets these read-only globals itself when the object declares them (see
 * include/bpfkit/filter.bpf.h), after the tracer's configure(): targ_pid, targ_tid,
 * targ_uid, targ_uid_set, targ_comm (substring), targ_comm_len, targ_cgroup_id, targ_failed,
 * and bk_self_tgid, bpfkit's own pid, so no tracer reports bpfkit's activity.
 */

/* Lines of the trace pipe start their message with this when a bundled program (or one
 * built with include/bpfkit/printk.h) wrote them: `trace log` shows only those by default. */
#define TRACE_PRINTK_MARKER "bpfkit: "

struct tracer {
	const char *name;		/* bpfkit trace <name>, and @<name> */
	const char *summary;		/* one line: help, trace list, completion */
	const char *details;		/* --help text between the synopsis and the options */
	const char *needs;		/* what it needs from the kernel, for trace list */
	unsigned int filters;		/* TRACE_PID | ... */
	/* its own options: getopt_long entries (vals >= 0x300), their help lines, a parser */
	const struct option *longopts;
	const char *options_help;
	size_t priv_size;		/* per-run state for the hooks, zeroed */
	int (*parse)(void *priv, int opt, const char *arg, struct errmsg *err);
	const void *(*elf_bytes)(size_t *size);
	/* before load: read-only globals (kern_set_global) and autoload choices */
	int (*configure)(struct bpf_object *obj, const struct trace_common *c, void *priv,
			 struct errmsg *err);
	/* after load, before attach: program arrays and other maps; may be NULL */
	int (*post_load)(struct bpf_object *obj, void *priv, struct errmsg *err);
	const char *ring_map;		/* BPF_MAP_TYPE_RINGBUF the records come from */
	const char *drops_map;		/* per-CPU u64 array of failed reservations, or NULL */
	uint32_t nr_drops;		/* its entries */
	/* the text header line (no '\n'); one record as text or JSON into l; -1 skips it */
	void (*header)(const struct trace_common *c, const void *priv, struct linebuf *l);
	int (*decode)(const void *data, size_t size, const struct trace_common *c,
		      const void *priv, bool json, struct linebuf *l);
	/*
	 * Other sources than a ring buffer, all optional (NULL/0), at the end so that the
	 * registrations above stay valid.
	 * tick: called every interval (c->interval_s, else tick_interval_s; none when both are
	 * 0) and once more at exit with final set; it reads its maps, writes lines to sink and
	 * returns how many (counted as events), or -errno with err set. ring_map may then be
	 * NULL: the runtime just waits, ticking.
	 * trace_pipe: true when the records are the trace pipe's lines (decode() gets one line,
	 * no '\n'). A tracer without elf_bytes loads nothing.
	 */
	int (*tick)(struct bpf_object *obj, void *priv, const struct trace_common *c,
		    const struct trace_sink *sink, bool final, struct errmsg *err);
	double tick_interval_s;
	bool (*trace_pipe)(const void *priv);
	/* attach: instead of attaching every program by its section (XDP needs an ifindex);
	 * the links it returns the runtime destroys; what it holds otherwise (link fds), detach
	 * releases, on every exit path once attach was called (may be NULL). */
	int (*attach)(struct bpf_object *obj, void *priv, struct bpf_link ***links, size_t *n,
		      struct errmsg *err);
	void (*detach)(void *priv);
	/* a required operand ("IFACE"): given to parse as TRACE_OPERAND; NULL: none taken */
	const char *operand;
	/* metrics: the tracer's counters in Prometheus text for --listen (map export's server,
	 * include/kmetrics.h); called from the server's thread, so it only reads maps */
	int (*metrics)(struct bpf_object *obj, const void *priv, struct kbuf *b);
	/* complete: the values its option opt ("--ignore") takes, one per line, for shell
	 * completion; NULL, or nothing printed: file names */
	void (*complete)(const char *opt);
};

#define TRACE_OPERAND 0x2ff	/* parse()'s opt for the operand */

/* Where lines go: cli/ gives the output layer's stream (text or JSON Lines). */
struct trace_sink {
	bool json;
	void (*line)(void *ctx, const char *line, size_t len);	/* without its newline */
	int (*flush)(void *ctx);	/* per batch; 0 or -errno (-EPIPE: reader gone) */
	/* with --stats, once a second: records and losses per second over the last period */
	void (*stats)(void *ctx, double events_per_s, double lost_per_s);
	/* once, what the run offers besides its lines ("serving metrics" on addr, port) */
	void (*info)(void *ctx, const char *what, const char *addr, unsigned int port);
	void *ctx;
};

struct trace_result {
	uint64_t events, lost;
	int write_err;			/* the sink's first write error */
};

/* The bundled tracers (bpf/tracers.c), NULL-terminated; and one by name. */
extern const struct tracer *const tracers[];
const struct tracer *tracer_find(const char *name);

/* Run t until kern_stop, the duration or the count (kern.h's signal handling must be set
 * up by the caller). 0 with res filled, or -errno with err set. */
int tracer_run(const struct tracer *t, struct trace_common *c, void *priv,
	       const struct trace_sink *sink, struct trace_result *res, struct errmsg *err);

/* The same over an object the caller opened (and closes; NULL for a tracer that loads
 * nothing): `trace run` gives any object. */
int tracer_run_obj(const struct tracer *t, struct bpf_object *obj, struct trace_common *c,
		   void *priv, const struct trace_sink *sink, struct trace_result *res,
		   struct errmsg *err);

/*
 * Attach every program libbpf will load by its section name; *links: the caller destroys
 * each and frees the array, also on failure. With skipped, a program libbpf cannot attach
 * by its section (EOPNOTSUPP: a tail call target, a bare SEC("raw_tp")) is not an error: its
 * name is added to *skipped (malloc'ed, as each name; the caller frees them, also on failure).
 */
int tracer_attach_all(struct bpf_object *obj, struct bpf_link ***links, size_t *n,
		      char ***skipped, size_t *nr_skipped, struct errmsg *err);

/* One line of the trace pipe, split in place: "task-pid [cpu] flags timestamp: event: msg". */
struct trace_pipe_line {
	const char *task, *flags, *event, *message;
	uint32_t pid, cpu;
	double timestamp;	/* seconds, the trace clock's */
};

/* 0, or -EINVAL when the line is not in that format (the flags field may be absent). */
int trace_pipe_parse(char *line, struct trace_pipe_line *out);

/* A kernel struct member whose byte offset a tracer needs (trace_kernel_offsets). */
struct trace_field {
	const char *type, *member;	/* "task_struct", "real_parent" */
	uint32_t offset;
	bool found;
};

/* Fill fields[] from /sys/kernel/btf/vmlinux in one pass, without libbpf parsing all of it
 * (a CO-RE relocation costs that parse before load). 0, or -errno naming what is missing. */
int trace_kernel_offsets(struct trace_field *fields, size_t n, struct errmsg *err);

/* After the stop: whether records still queued are wanted (not past --count, nor into an
 * output that failed). */
bool wants_rest(const struct trace_common *c, const struct trace_result *res);

/*
 * The bookkeeping of a sample callback (the tracer runtime's and trace run's), around its
 * own rendering. trace_record_wanted() first: false when the record in hand is not to be
 * printed (past --count, a failed output, a second Ctrl-C during the drain); the callback then
 * returns KERN_RING_BREAK. trace_record_done() once the line is out: counts it, requests the
 * stop at --count, and returns KERN_RING_BREAK when the batch ends (a stop, *batch records).
 */
bool trace_record_wanted(const struct trace_common *c, const struct trace_result *res);
int trace_record_done(const struct trace_common *c, struct trace_result *res,
		      unsigned int *batch);

/* --stats: records and losses per second, over periods of a second at least. */
struct trace_stats {
	double at;		/* start of the current period */
	uint64_t events, lost;	/* at its start */
};

/* Start the clock of -T (c->start_ns) and of --stats, now. */
void trace_stats_start(struct trace_stats *s, struct trace_common *c);
/* Whether a period has passed by now (kern_now_s()). */
bool trace_stats_due(const struct trace_stats *s, double now);
/* Report the period through sink->stats and start the next one. */
void trace_stats_report(struct trace_stats *s, const struct trace_sink *sink, double now,
			uint64_t events, uint64_t lost);

/* Seconds since c->start_ns for a bpf_ktime_get_ns() timestamp. */
double trace_elapsed(const struct trace_common *c, uint64_t ktime_ns);

/* -T's text column, under a header cell "TIME(s)" of width 11 (trace run's too). */
#define TRACE_TIME_FMT "%-10.6f "
void trace_time_cell(struct linebuf *l, double seconds);

#endif
