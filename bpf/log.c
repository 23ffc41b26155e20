/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * trace log: bpf_printk() output, read from the trace pipe and split into fields. Loads
 * nothing. The pipe does not say which program printed a line, so by default only lines
 * whose message starts with TRACE_PRINTK_MARKER ("bpfkit: ", what the bundled programs and
 * include/bpfkit/printk.h's bk_printk() write) are shown, without the marker; --all shows
 * every line of the pipe as it is.
 */
#include <stdio.h>
#include <string.h>

#include "linebuf.h"
#include "tracer.h"

enum { OPT_ALL = 0x300 };

struct log_priv {
	bool all;
};

static const struct option longopts[] = {
	{ "all", no_argument, NULL, OPT_ALL },
	{ NULL, 0, NULL, 0 },
};

static int parse(void *priv, int opt, const char *arg, struct errmsg *err)
{
	((struct log_priv *)priv)->all = true;
	return 0;
}

static bool always(const void *priv)
{
	return true;
}

static void header(const struct trace_common *c, const void *priv, struct linebuf *l)
{
	lb_str(l, "TIMESTAMP", 16);
	lb_str(l, "CPU", 4);
	lb_str(l, "PID", 8);
	lb_str(l, "TASK", 17);
	lb_lit(l, "MESSAGE");
}

/* -p and -n here, in user space: there is no program of ours to filter in. */
static bool wanted(const struct trace_pipe_line *p, const struct trace_common *c)
{
	if (c->pid && p->pid != c->pid)
		return false;
	return !c->comm[0] || strstr(p->task, c->comm);
}

static int decode(const void *raw, size_t size, const struct trace_common *c, const void *priv,
		  bool json, struct linebuf *l)
{
	const struct log_priv *lp = priv;
	static const char marker[] = TRACE_PRINTK_MARKER;
	struct trace_pipe_line p;
	const char *msg;
	char num[32];
	int n;

	if (trace_pipe_parse((char *)raw, &p) || !wanted(&p, c))
		return -1;
	msg = p.message;
	if (!lp->all) {
		if (strncmp(msg, marker, sizeof(marker) - 1))
			return -1;
		msg += sizeof(marker) - 1;
	}
	n = snprintf(num, sizeof(num), "%.6f", p.timestamp);
	if (json) {
		lb_lit(l, "{\"timestamp\":");
		lb_mem(l, num, n > 0 ? (size_t)n : 0);
		lb_lit(l, ",\"cpu\":");
		lb_u64(l, p.cpu, 0);
		lb_lit(l, ",\"pid\":");
		lb_u64(l, p.pid, 0);
		lb_lit(l, ",\"task\":");
		lb_json_str(l, p.task);
		lb_lit(l, ",\"flags\":");
		lb_json_str(l, p.flags);
		lb_lit(l, ",\"event\":");
		lb_json_str(l, p.event);
		lb_lit(l, ",\"message\":");
		lb_json_str(l, msg);
		lb_lit(l, "}");
		return 0;
	}
	lb_str(l, num, 15);
	lb_lit(l, " ");
	lb_u64(l, p.cpu, 3);
	lb_lit(l, " ");
	lb_u64(l, p.pid, 7);
	lb_lit(l, " ");
	lb_str(l, p.task, 16);
	lb_lit(l, " ");
	lb_str(l, msg, 0);
	return 0;
}

const struct tracer tracer_log = {
	.name = "log",
	.summary = "bpf_printk() output from the trace pipe, split into fields",
	.details = "Lines of the trace pipe (tracefs trace_pipe) as fields: TIMESTAMP (the trace\n"
		   "clock's seconds), CPU, PID and TASK that ran the program (\"<...>\" when the trace's\n"
		   "command cache missed it), MESSAGE. The pipe does\n"
		   "not say which program printed a line: by default only messages that start with\n"
		   "\"" TRACE_PRINTK_MARKER "\" are shown (the marker removed): the bundled programs and\n"
		   "anything printing through bk_printk() of include/bpfkit/printk.h write it.\n"
		   "--all shows every line, whoever wrote it. -p and -n filter in user space.\n"
		   "Reading the pipe consumes it: one reader at a time.\n"
		   "JSON fields: timestamp cpu pid task flags event message.\n",
	.needs = "tracefs trace_pipe",
	.filters = TRACE_PID | TRACE_COMM,
	.longopts = longopts,
	.options_help = "      --all            every line of the pipe, not only bpfkit's\n",
	.priv_size = sizeof(struct log_priv),
	.parse = parse,
	.header = header,
	.decode = decode,
	.trace_pipe = always,
};
