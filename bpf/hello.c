/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* User half of the hello tracer: a ring buffer record, or with --printk a trace pipe line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "bpfkit/hello.h"
#include "hello.skel.h"
#include "linebuf.h"
#include "tracer.h"

enum { OPT_PRINTK = 0x300 };

struct hello_priv {
	bool printk;
};

static const struct option longopts[] = {
	{ "printk", no_argument, NULL, OPT_PRINTK },
	{ NULL, 0, NULL, 0 },
};

static int parse(void *priv, int opt, const char *arg, struct errmsg *err)
{
	((struct hello_priv *)priv)->printk = true;
	return 0;
}

static bool use_trace_pipe(const void *priv)
{
	return ((const struct hello_priv *)priv)->printk;
}

static void header(const struct trace_common *c, const void *priv, struct linebuf *l)
{
	if (c->timestamps)
		lb_str(l, "TIME(s)", 11);
	lb_str(l, "PID", 8);
	lb_str(l, "UID", 7);
	lb_str(l, "COMM", 17);
	lb_lit(l, "MESSAGE");
}

static void line(struct linebuf *l, const struct trace_common *c, bool json, double t,
		 uint32_t pid, uint32_t uid, const char *comm, const char *msg)
{
	if (json) {
		lb_lit(l, "{\"pid\":");
		lb_u64(l, pid, 0);
		lb_lit(l, ",\"uid\":");
		lb_u64(l, uid, 0);
		lb_lit(l, ",\"comm\":");
		lb_json_str(l, comm);
		lb_lit(l, ",\"message\":");
		lb_json_str(l, msg);
		lb_lit(l, "}");
		return;
	}
	if (c->timestamps)
		trace_time_cell(l, t);
	lb_u64(l, pid, 7);
	lb_lit(l, " ");
	lb_u64(l, uid, 6);
	lb_lit(l, " ");
	lb_str(l, comm, 16);
	lb_lit(l, " ");
	lb_str(l, msg, 0);
}

/* --printk: "bpfkit: hello uid=N MESSAGE comm=COMM" lines of the trace pipe, others skipped. */
static int decode_printk(char *text, const struct trace_common *c, bool json,
			 struct linebuf *l)
{
	static const char prefix[] = TRACE_PRINTK_MARKER "hello uid=";
	struct trace_pipe_line p;
	unsigned long uid;
	char *end, *comm;

	if (trace_pipe_parse(text, &p) || strncmp(p.message, prefix, sizeof(prefix) - 1))
		return -1;
	uid = strtoul(p.message + sizeof(prefix) - 1, &end, 10);
	comm = strstr(end, " comm=");	/* after the message; the comm may hold spaces */
	if (*end != ' ' || !comm)
		return -1;
	*comm = '\0';
	/* the pipe's clock is not CLOCK_MONOTONIC: -T shows the pipe's timestamp */
	line(l, c, json, p.timestamp, p.pid, (uint32_t)uid, comm + 6, end + 1);
	return 0;
}

static int decode(const void *raw, size_t size, const struct trace_common *c, const void *priv,
		  bool json, struct linebuf *l)
{
	struct hello_event e;

	if (use_trace_pipe(priv))
		return decode_printk((char *)raw, c, json, l);
	if (size < sizeof(e))
		return -1;
	memcpy(&e, raw, sizeof(e));
	e.comm[sizeof(e.comm) - 1] = '\0';
	e.msg[sizeof(e.msg) - 1] = '\0';
	line(l, c, json, trace_elapsed(c, e.ts_ns), e.pid, e.uid, e.comm, e.msg);
	return 0;
}

/* One of the two programs: the ring buffer's, or the bpf_printk one. */
static int configure(struct bpf_object *obj, const struct trace_common *c, void *priv,
		     struct errmsg *err)
{
	const char *off = use_trace_pipe(priv) ? "handle_exec" : "handle_exec_printk";

	bpf_program__set_autoload(bpf_object__find_program_by_name(obj, off), false);
	return 0;
}

static const void *elf_bytes(size_t *size)
{
	return hello_bpf__elf_bytes(size);
}

const struct tracer tracer_hello = {
	.name = "hello",
	.summary = "\"Hello World\" on every exec, through a ring buffer or bpf_printk",
	.details = "The tutorials' first program: on every exec (sched:sched_process_exec) a\n"
		   "\"Hello World\" record with PID, UID and COMM of who exec'd, through a ring\n"
		   "buffer. --printk does it the tutorials' way: bpf_printk() into the trace pipe,\n"
		   "read back and parsed (-T then shows the trace clock).\n"
		   "JSON fields: pid uid comm message.\n",
	.needs = "tracepoint sched:sched_process_exec (--printk: tracefs trace_pipe)",
	.filters = TRACE_PID | TRACE_TID | TRACE_UID | TRACE_COMM | TRACE_CGROUP,
	.longopts = longopts,
	.options_help = "      --printk         bpf_printk() and the trace pipe instead of a ring buffer\n",
	.priv_size = sizeof(struct hello_priv),
	.parse = parse,
	.elf_bytes = elf_bytes,
	.configure = configure,
	.ring_map = "events",
	.drops_map = "drops",
	.nr_drops = HELLO_NR_DROPS,
	.header = header,
	.decode = decode,
	.trace_pipe = use_trace_pipe,
};
