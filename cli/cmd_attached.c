/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bpfkit attached (= prog list --attached): one row per attachment, joining BPF links, XDP
 * and tc on this network namespace's interfaces, cgroup attachments and perf events held
 * by a process's fd (kern/attached.c), with who holds each (pids, pins).
 */
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "attach_cli.h"
#include "cli.h"
#include "kattach.h"
#include "kern_obj.h"

static void holders_text(const struct kattached *r, const struct kern_pins *pins,
			 const struct kern_holders *hs, char *buf, size_t len)
{
	size_t n, at;

	buf[0] = '\0';
	if (r->pid) {
		snprintf(buf, len, "%s(%d)", r->comm, r->pid);
		return;
	}
	if (!r->link_id)
		return;
	at = kern_holders_find(hs, KERN_LINK, r->link_id, &n);
	for (size_t k = 0; k < n && strlen(buf) + 40 < len; k++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s(%d)", buf[0] ? "," : "",
			 hs->v[at + k].comm, hs->v[at + k].pid);
	at = kern_pins_find(pins, KERN_LINK, r->link_id, &n);
	for (size_t k = 0; k < n && strlen(buf) + strlen(pins->v[at + k].path) + 2 < len; k++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? "," : "",
			 pins->v[at + k].path);
}

static void emit_json_holders(struct out *o, const struct kattached *r,
			      const struct kern_pins *pins, const struct kern_holders *hs)
{
	size_t n = 0, at = 0;

	out_list_begin(o, "pids", NULL);
	if (r->pid) {
		out_object_begin(o, NULL, NULL);
		out_s64(o, "pid", NULL, r->pid);
		out_str(o, "comm", NULL, r->comm);
		out_object_end(o);
	} else if (r->link_id) {
		at = kern_holders_find(hs, KERN_LINK, r->link_id, &n);
	}
	for (size_t k = 0; k < n; k++) {
		out_object_begin(o, NULL, NULL);
		out_s64(o, "pid", NULL, hs->v[at + k].pid);
		out_str(o, "comm", NULL, hs->v[at + k].comm);
		out_object_end(o);
	}
	out_list_end(o);
	n = 0;
	if (r->link_id)
		at = kern_pins_find(pins, KERN_LINK, r->link_id, &n);
	out_list_begin(o, "pinned", NULL);
	for (size_t k = 0; k < n; k++)
		out_str(o, NULL, NULL, pins->v[at + k].path);
	out_list_end(o);
}

static void emit_row(struct out *o, const struct kattached *r, const struct kern_pins *pins,
		     const struct kern_holders *hs)
{
	const char *type = libbpf_bpf_prog_type_str(r->prog_type);
	char held[1024];

	out_object_begin(o, NULL, NULL);
	out_u64(o, "prog_id", "PROG", r->prog_id);
	out_str(o, "name", "NAME", r->name);
	out_str(o, "type", "TYPE", type ? type : "unknown");
	out_str(o, "attach_point", "ATTACH POINT", r->point);
	out_str(o, "how", "HOW", r->how);
	if (out_json(o)) {
		if (r->link_id)
			out_u64(o, "link_id", NULL, r->link_id);
		else
			out_null(o, "link_id", NULL);
		emit_json_holders(o, r, pins, hs);
	} else {
		holders_text(r, pins, hs, held, sizeof(held));
		out_str(o, "held_by", "HELD BY", held[0] ? held : "-");
	}
	out_object_end(o);
}

int cli_attached_view(struct cli_ctx *ctx)
{
	struct kattached_list l = { 0 };
	struct kern_pins pins = { 0 };
	struct kern_holders hs = { 0 };
	struct errmsg err = { 0 };
	int ret = EXIT_OK;

	if (kattached_scan(&l, &err) || kern_pins_scan(&pins, NULL, 1u << KERN_LINK, &err) ||
	    kern_holders_scan(&hs, 1u << KERN_LINK, &err)) {
		ret = cli_errmsg(ctx, &err);
		goto out;
	}
	out_list_begin(ctx->out, NULL, NULL);
	for (size_t i = 0; i < l.n; i++)
		emit_row(ctx->out, &l.v[i], &pins, &hs);
	out_list_end(ctx->out);
out:
	kattached_free(&l);
	kern_pins_free(&pins);
	kern_holders_free(&hs);
	return ret;
}

int cmd_attached(struct cli_ctx *ctx, int argc, char **argv)
{
	int ret;

	ret = cli_no_args(ctx, argc, argv);
	if (ret)
		return ret == CLI_OPT_HELP ? EXIT_OK : ret;
	return cli_attached_view(ctx);
}

const struct cli_command cmd_attached_def = {
	"attached", cmd_attached, NULL, "where programs are attached (same as 'prog list --attached')",
	"Usage: bpfkit attached\n"
	"\n"
	"One row per attachment, joining everything the kernel knows: BPF links (as 'link\n"
	"list'), XDP and tc on every interface of the current network namespace (netlink, as\n"
	"'bpftool net'; tcx attachments without a link too), cgroup attachments (the cgroup v2\n"
	"tree, as 'bpftool cgroup tree') and perf events held by a process's fd (tracepoints,\n"
	"uprobes, kprobes: BPF_TASK_FD_QUERY, as 'bpftool perf'). Columns: PROG (id), NAME,\n"
	"TYPE, ATTACH POINT spelled as an attach TARGET (paste it into 'bpfkit detach'), HOW\n"
	"(link, netlink, tcx, cgroup, perf_fd) and HELD BY (comm(pid) of the processes holding\n"
	"the link or perf fd, and the link's pin paths; '-' when the kernel itself keeps it).\n"
	"With --json, a list of {prog_id, name, type, attach_point, how, link_id (null when no\n"
	"link), pids: [{pid, comm}], pinned: [paths]}. Needs root.\n",
	0
};
