/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bpfkit link list|show|pin|detach: the kernel's BPF links, with the JSON fields of
 * `bpftool link show -j -f` (kern/link.c reads them), plus "target": where the link
 * attaches in one word (raw_tp:sys_enter, tracepoint:syscalls:sys_enter_openat, xdp:lo).
 * Type names are always strings: bpftool prints a number for types its libbpf does not
 * know (bpftool 7.1 for tcx, netkit, netfilter...); here the number is the string.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kern_obj.h"

struct link_view {
	struct kern_pins pins;
	struct kern_holders holders;
};

static int view_load(struct cli_ctx *ctx, struct link_view *v)
{
	struct errmsg err = { 0 };

	memset(v, 0, sizeof(*v));
	if (kern_pins_scan(&v->pins, NULL, 1u << KERN_LINK, &err) ||
	    kern_holders_scan(&v->holders, 1u << KERN_LINK, &err))
		return cli_errmsg(ctx, &err);
	return EXIT_OK;
}

static void view_free(struct link_view *v)
{
	kern_pins_free(&v->pins);
	kern_holders_free(&v->holders);
}

static void str_or_num(struct out *o, const char *key, const char *s, uint32_t v)
{
	char buf[16];

	if (!s) {
		snprintf(buf, sizeof(buf), "%u", v);
		s = buf;
	}
	out_str(o, key, NULL, s);
}

static void emit_perf(struct out *o, const struct kern_link *l)
{
	const typeof(l->info.perf_event) *pe = &l->info.perf_event;

	switch (pe->type) {
	case KERN_PERF_TRACEPOINT:
		out_str(o, "tracepoint", NULL, l->name);
		out_u64(o, "cookie", NULL, pe->tracepoint.cookie);
		break;
	case KERN_PERF_KPROBE:
	case KERN_PERF_KRETPROBE:
		out_bool(o, "retprobe", NULL, pe->type == KERN_PERF_KRETPROBE);
		out_u64(o, "addr", NULL, pe->kprobe.addr);
		out_str(o, "func", NULL, l->name);
		out_u64(o, "offset", NULL, pe->kprobe.offset);
		out_u64(o, "missed", NULL, pe->kprobe.missed);
		out_u64(o, "cookie", NULL, pe->kprobe.cookie);
		break;
	case KERN_PERF_UPROBE:
	case KERN_PERF_URETPROBE:
		out_bool(o, "retprobe", NULL, pe->type == KERN_PERF_URETPROBE);
		out_str(o, "file", NULL, l->name);
		out_u64(o, "offset", NULL, pe->uprobe.offset);
		out_u64(o, "cookie", NULL, pe->uprobe.cookie);
		out_u64(o, "ref_ctr_offset", NULL, pe->uprobe.ref_ctr_offset);
		break;
	case KERN_PERF_EVENT:
		out_u64(o, "event_type", NULL, pe->event.type);
		out_u64(o, "event_config", NULL, pe->event.config);
		out_u64(o, "cookie", NULL, pe->event.cookie);
		break;
	}
}

/* The per-type fields, under bpftool's names. */
static void emit_type_fields(struct out *o, const struct kern_link *l)
{
	const struct kern_link_info *i = &l->info;
	char dev[64];

	switch (i->type) {
	case BPF_LINK_TYPE_RAW_TRACEPOINT:
		out_str(o, "tp_name", NULL, l->name);
		out_u64(o, "cookie", NULL, i->raw_tp.cookie);
		break;
	case BPF_LINK_TYPE_TRACING:
		str_or_num(o, "prog_type", kern_prog_type_str(l->prog_type), l->prog_type);
		str_or_num(o, "attach_type", kern_attach_type_str(i->tracing.attach_type),
			   i->tracing.attach_type);
		out_u64(o, "target_obj_id", NULL, i->tracing.target_obj_id);
		out_u64(o, "target_btf_id", NULL, i->tracing.target_btf_id);
		out_u64(o, "cookie", NULL, i->tracing.cookie);
		break;
	case BPF_LINK_TYPE_CGROUP:
		out_u64(o, "cgroup_id", NULL, i->cgroup.cgroup_id);
		str_or_num(o, "attach_type", kern_attach_type_str(i->cgroup.attach_type),
			   i->cgroup.attach_type);
		break;
	case BPF_LINK_TYPE_ITER:
		out_str(o, "target_name", NULL, l->name);
		if (i->iter.map_id)
			out_u64(o, "map_id", NULL, i->iter.map_id);
		break;
	case BPF_LINK_TYPE_NETNS:
		out_u64(o, "netns_ino", NULL, i->netns.netns_ino);
		str_or_num(o, "attach_type", kern_attach_type_str(i->netns.attach_type),
			   i->netns.attach_type);
		break;
	case BPF_LINK_TYPE_XDP:
	case KERN_LINK_TCX:
	case KERN_LINK_NETKIT:
		kern_link_target(l, dev, sizeof(dev));
		/* "xdp:lo", "tcx:lo:tcx_ingress": the device is the second word */
		{
			char *name = strchr(dev, ':') + 1, *end = strchr(name, ':');

			if (end)
				*end = '\0';
			out_str(o, "devname", NULL, name);
		}
		out_u64(o, "ifindex", NULL, i->xdp.ifindex);
		if (i->type != BPF_LINK_TYPE_XDP)
			str_or_num(o, "attach_type", kern_attach_type_str(i->tcx.attach_type),
				   i->tcx.attach_type);
		break;
	case KERN_LINK_PERF_EVENT:
		emit_perf(o, l);
		break;
	case KERN_LINK_STRUCT_OPS:
		out_u64(o, "map_id", NULL, i->struct_ops.map_id);
		break;
	case KERN_LINK_NETFILTER:
		out_u64(o, "pf", NULL, i->netfilter.pf);
		out_u64(o, "hook", NULL, i->netfilter.hooknum);
		out_s64(o, "prio", NULL, i->netfilter.priority);
		out_u64(o, "flags", NULL, i->netfilter.flags);
		break;
	case KERN_LINK_KPROBE_MULTI:
		out_u64(o, "func_cnt", NULL, i->kprobe_multi.count);
		out_u64(o, "missed", NULL, i->kprobe_multi.missed);
		break;
	case KERN_LINK_UPROBE_MULTI:
		out_u64(o, "func_cnt", NULL, i->uprobe_multi.count);
		out_u64(o, "pid", NULL, i->uprobe_multi.pid);
		break;
	case KERN_LINK_SOCKMAP:
		out_u64(o, "map_id", NULL, i->sockmap.map_id);
		str_or_num(o, "attach_type", kern_attach_type_str(i->sockmap.attach_type),
			   i->sockmap.attach_type);
		break;
	}
}

static void emit_link(struct out *o, const struct kern_link *l, const struct link_view *v,
		      bool row)
{
	size_t n, at;
	char target[256];

	kern_link_target(l, target, sizeof(target));
	out_object_begin(o, NULL, NULL);
	out_u64(o, "id", NULL, l->info.id);
	str_or_num(o, "type", kern_link_type_str(l->info.type), l->info.type);
	out_u64(o, "prog_id", NULL, l->info.prog_id);
	if (!row)
		emit_type_fields(o, l);
	out_str(o, "target", NULL, target);
	at = kern_pins_find(&v->pins, KERN_LINK, l->info.id, &n);
	if (row) {
		char pids[256] = "";
		size_t np, hp = kern_holders_find(&v->holders, KERN_LINK, l->info.id, &np);

		for (size_t k = 0; k < np && strlen(pids) + 40 < sizeof(pids); k++)
			snprintf(pids + strlen(pids), sizeof(pids) - strlen(pids), "%s%s(%d)",
				 k ? "," : "", v->holders.v[hp + k].comm, v->holders.v[hp + k].pid);
		out_str(o, "pids", "PIDS", pids[0] ? pids : "-");
		out_str(o, "pinned", "PINNED", n ? v->pins.v[at].path : "-");
		out_object_end(o);
		return;
	}
	out_list_begin(o, "pinned", "pinned");
	for (size_t k = 0; k < n; k++)
		out_str(o, NULL, NULL, v->pins.v[at + k].path);
	out_list_end(o);
	at = kern_holders_find(&v->holders, KERN_LINK, l->info.id, &n);
	out_list_begin(o, "pids", "pids");
	for (size_t k = 0; k < n; k++) {
		out_object_begin(o, NULL, NULL);
		out_s64(o, "pid", NULL, v->holders.v[at + k].pid);
		out_str(o, "comm", NULL, v->holders.v[at + k].comm);
		out_object_end(o);
	}
	out_list_end(o);
	out_object_end(o);
}

static int list_error(struct cli_ctx *ctx, int ret)
{
	if (ret == -EPERM || ret == -EACCES)
		return cli_error(ctx, "listing links needs CAP_SYS_ADMIN (root): run it with sudo");
	return cli_error(ctx, "cannot list links: %s", strerror(-ret));
}

static int list_links(struct cli_ctx *ctx)
{
	struct link_view v;
	uint32_t id = 0;
	int ret = kern_link_next(0, &id);

	if (ret == -ENOENT) {	/* no links: no need to walk bpffs and /proc */
		out_list_begin(ctx->out, NULL, NULL);
		out_list_end(ctx->out);
		return EXIT_OK;
	}
	if (ret)
		return list_error(ctx, ret);
	ret = view_load(ctx, &v);
	if (ret) {
		view_free(&v);
		return ret;
	}
	out_list_begin(ctx->out, NULL, NULL);
	for (; !ret; ret = kern_link_next(id, &id)) {
		struct kern_sel sel = { .kind = KERN_SEL_ID, .id = id };
		struct kern_link l;
		int fd;

		if (kern_link_open(&sel, &fd, NULL))
			continue;	/* released meanwhile */
		if (!kern_link_info(fd, &l, NULL))
			emit_link(ctx->out, &l, &v, !out_json(ctx->out));
		close(fd);
	}
	out_list_end(ctx->out);
	view_free(&v);
	return ret == -ENOENT ? EXIT_OK : list_error(ctx, ret);
}

static int link_list(struct cli_ctx *ctx, int argc, char **argv)
{
	int ret = cli_options_only(ctx, argc, argv);

	if (ret)
		return ret == CLI_OPT_HELP ? EXIT_OK : ret;
	if (optind < argc)
		return cli_usage_error(ctx, "unexpected argument '%s'; to show one link: 'bpfkit link show ID'",
				       argv[optind]);
	return list_links(ctx);
}

/* LINK at optind, then exactly extra more operands; a usage error comes before opening. */
static int open_operand(struct cli_ctx *ctx, int argc, char **argv, int extra, int *fd)
{
	struct errmsg err = { 0 };
	struct kern_sel sel;
	int used = kern_sel_parse(&sel, argc - optind, argv + optind, false, &err);

	if (used < 0)
		return cli_usage_error(ctx, "%s", err.msg);
	if (argc - optind - used > extra)
		return cli_usage_error(ctx, "unexpected argument '%s'", argv[optind + used + extra]);
	if (argc - optind - used < extra)
		return cli_usage_error(ctx, "where to? give a path on a bpffs");
	if (kern_link_open(&sel, fd, &err))
		return cli_errmsg(ctx, &err);
	return EXIT_OK;
}

static int link_show(struct cli_ctx *ctx, int argc, char **argv)
{
	struct errmsg err = { 0 };
	struct link_view v;
	struct kern_link l;
	int ret, fd;

	ret = cli_options_only(ctx, argc, argv);
	if (ret)
		return ret == CLI_OPT_HELP ? EXIT_OK : ret;
	if (optind >= argc)
		return list_links(ctx);
	ret = open_operand(ctx, argc, argv, 0, &fd);
	if (ret)
		return ret;
	if (kern_link_info(fd, &l, &err)) {
		close(fd);
		return cli_errmsg(ctx, &err);
	}
	close(fd);
	ret = view_load(ctx, &v);
	if (!ret)
		emit_link(ctx->out, &l, &v, false);
	view_free(&v);
	return ret;
}

static int link_pin(struct cli_ctx *ctx, int argc, char **argv)
{
	struct errmsg err = { 0 };
	const char *path;
	int ret, fd;

	ret = cli_options_only(ctx, argc, argv);
	if (ret)
		return ret == CLI_OPT_HELP ? EXIT_OK : ret;
	if (argc - optind < 2)
		return cli_usage_error(ctx, "give the link and a path: 'bpfkit link pin ID /sys/fs/bpf/NAME'");
	ret = open_operand(ctx, argc, argv, 1, &fd);
	if (ret)
		return ret;
	path = argv[argc - 1];
	ret = kern_obj_pin(fd, path, &err) ? cli_errmsg(ctx, &err) : EXIT_OK;
	close(fd);
	if (!ret)
		cli_info(ctx, "pinned at %s; 'rm %s' unpins it", path, path);
	return ret;
}

static int link_detach(struct cli_ctx *ctx, int argc, char **argv)
{
	struct errmsg err = { 0 };
	struct kern_link l;
	int ret, fd;

	ret = cli_options_only(ctx, argc, argv);
	if (ret)
		return ret == CLI_OPT_HELP ? EXIT_OK : ret;
	ret = open_operand(ctx, argc, argv, 0, &fd);
	if (ret)
		return ret;
	if (kern_link_info(fd, &l, &err) || kern_link_detach(fd, &err)) {
		close(fd);
		return cli_errmsg(ctx, &err);
	}
	close(fd);
	out_object_begin(ctx->out, NULL, NULL);
	out_u64(ctx->out, "id", NULL, l.info.id);
	out_bool(ctx->out, "detached", NULL, true);
	out_object_end(ctx->out);
	cli_info(ctx, "link %u detached; its program stays loaded while a pin or fd holds it",
		 l.info.id);
	return EXIT_OK;
}

#define LINK_SELECTOR "LINK is ID (or id ID) or pinned PATH.\n"

static const struct cli_command link_verbs[] = {
	{ "list", link_list, NULL, "list BPF links",
	  "Usage: bpfkit link list\n"
	  "\n"
	  "Lists every BPF link: ID, TYPE, PROG_ID, TARGET (raw_tp:NAME,\n"
	  "tracepoint:CAT:NAME, xdp:IFACE, cgroup:ID:ATTACH_TYPE, ...), PIDS holding it and\n"
	  "where it is PINNED. With --json, the fields of 'bpftool link show -j -f' (tp_name,\n"
	  "target_obj_id, target_btf_id, ifindex, devname, cgroup_id, attach_type, ...), plus\n"
	  "target. 'bpfkit link' alone runs this. Needs root (CAP_SYS_ADMIN).\n", 0 },
	{ "show", link_show, NULL, "show one link",
	  "Usage: bpfkit link show [LINK]\n"
	  "\n"
	  "Shows one link with every field ('key: value', or JSON with --json). Without\n"
	  "LINK, the same as 'bpfkit link list'.\n"
	  "\n"
	  LINK_SELECTOR, 0 },
	{ "pin", link_pin, NULL, "pin a link on a bpffs, so it outlives its process",
	  "Usage: bpfkit link pin LINK PATH\n"
	  "\n"
	  "Pins the link at PATH, which must be on a bpffs (/sys/fs/bpf) and not exist yet.\n"
	  "The link, and so the attachment, then stays until the pin is removed (rm PATH)\n"
	  "and no process holds it.\n"
	  "\n"
	  LINK_SELECTOR, 0 },
	{ "detach", link_detach, NULL, "detach a link's program from its hook",
	  "Usage: bpfkit link detach LINK\n"
	  "\n"
	  "Detaches the program from where the link attaches it (BPF_LINK_DETACH), even\n"
	  "while pins or processes hold the link: it stays as a defunct link until they let\n"
	  "go. Needs root.\n"
	  "\n"
	  LINK_SELECTOR, 0 },
	{ 0 }
};

const struct cli_command cmd_link_def = {
	"link", NULL, link_verbs, "list, show, pin and detach BPF links",
	"Usage: bpfkit link [<verb>] [options]\n"
	"\n"
	"Verbs:\n"
	"  list       list BPF links (the default)\n"
	"  show       show one link\n"
	"  pin        pin a link on a bpffs, so it outlives its process\n"
	"  detach     detach a link's program from its hook\n"
	"\n"
	"Run 'bpfkit link <verb> --help' for its options.\n",
	CLI_DEFAULT_VERB
};

int cmd_link(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_dispatch(ctx, link_verbs, argc, argv);
}
