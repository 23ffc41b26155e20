/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bpfkit detach LINKPATH | link ID | TARGET: take an attachment back. A TARGET detaches
 * every attachment the attached view spells that way (links, netlink XDP/tc, tcx, cgroup);
 * a detached link's pins are removed too, so nothing stays behind.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "kattach.h"
#include "kern_obj.h"
#include "kload.h"

/* Remove the pins of link id (found by the bpffs walk, so inside bpffs). */
static void unpin_link(struct out *o, const struct kern_pins *pins, uint32_t id)
{
	size_t n, at = kern_pins_find(pins, KERN_LINK, id, &n);

	out_list_begin(o, "unpinned", "unpinned");
	for (size_t k = 0; k < n; k++)
		if (!unlink(pins->v[at + k].path))
			out_str(o, NULL, NULL, pins->v[at + k].path);
	out_list_end(o);
}

static void emit(struct out *o, const struct kattached *r, const struct kern_pins *pins)
{
	const char *type = libbpf_bpf_prog_type_str(r->prog_type);

	out_object_begin(o, NULL, NULL);
	out_u64(o, "prog_id", "prog id", r->prog_id);
	out_str(o, "name", "name", r->name);
	out_str(o, "type", "type", type ? type : "unknown");
	out_str(o, "attach_point", "attach point", r->point);
	out_str(o, "how", "how", r->how);
	if (r->link_id) {
		out_u64(o, "link_id", "link id", r->link_id);
		unpin_link(o, pins, r->link_id);
	} else {
		out_null(o, "link_id", "link id");
	}
	out_object_end(o);
}

/*
 * Perf event and raw tracepoint links cannot be detached (EOPNOTSUPP): they go when their
 * last holder lets go. Held by pins alone, removing the pins (emit does) releases them;
 * held by a process, only that process can.
 */
static int release_link(struct cli_ctx *ctx, const struct kattached *r,
			const struct kern_holders *hs)
{
	size_t n, at = kern_holders_find(hs, KERN_LINK, r->link_id, &n);

	if (!n)
		return EXIT_OK;
	return cli_error(ctx, "%s (link %u) is held by %s (pid %d), and this link type cannot be detached while held: stop that process (Ctrl-C detaches a foreground 'bpfkit attach')",
			 r->point, r->link_id, hs->v[at].comm, hs->v[at].pid);
}

/* Every attachment the predicate selects. */
static int detach_rows(struct cli_ctx *ctx, const char *what,
		       bool (*pick)(const struct kattached *, const void *), const void *arg)
{
	struct kattached_list l = { 0 };
	struct kern_pins pins = { 0 };
	struct kern_holders hs = { 0 };
	struct errmsg err = { 0 };
	size_t done = 0;
	int ret = EXIT_OK;

	if (kattached_scan(&l, &err) || kern_pins_scan(&pins, NULL, 1u << KERN_LINK, &err) ||
	    kern_holders_scan(&hs, 1u << KERN_LINK, &err)) {
		ret = cli_errmsg(ctx, &err);
		goto out;
	}
	out_list_begin(ctx->out, NULL, NULL);
	for (size_t i = 0; i < l.n; i++) {
		if (!pick(&l.v[i], arg))
			continue;
		ret = kattached_detach(&l.v[i], &err);
		if (ret == -EOPNOTSUPP && l.v[i].link_id)
			ret = release_link(ctx, &l.v[i], &hs);
		else if (ret)
			ret = cli_errmsg(ctx, &err);
		if (ret)
			goto out;
		emit(ctx->out, &l.v[i], &pins);
		done++;
	}
	out_list_end(ctx->out);
	if (!done)
		ret = cli_error(ctx, "nothing is attached at %s ('bpfkit attached' lists what is)", what);
out:
	kattached_free(&l);
	kern_pins_free(&pins);
	kern_holders_free(&hs);
	return ret;
}

static bool pick_target(const struct kattached *r, const void *spec)
{
	return kattached_match(r, spec);
}

static bool pick_link(const struct kattached *r, const void *id)
{
	return r->link_id && r->link_id == *(const uint32_t *)id;
}

/* A link pin: detach that link and remove the pin (and its others). */
static int detach_pin(struct cli_ctx *ctx, const char *path)
{
	char resolved[4096];
	struct errmsg err = { 0 };
	uint32_t id = 0;
	int fd;

	if (kern_bpffs_check(path, resolved, sizeof(resolved), &err))
		return cli_errmsg(ctx, &err);
	fd = bpf_obj_get(resolved);
	if (fd < 0)
		return cli_error(ctx, "%s: %s", path, strerror(errno));
	if (kern_fd_kind(fd) != KERN_LINK) {
		close(fd);
		return cli_error(ctx, "%s is not a link pin ('bpfkit unpin' removes other pins)", path);
	}
	kern_fd_describe(fd, &id);
	close(fd);
	return detach_rows(ctx, path, pick_link, &id);
}

int cmd_detach(struct cli_ctx *ctx, int argc, char **argv)
{
	struct kattach_target t;
	struct errmsg err = { 0 };
	unsigned long long id;
	int ret;

	ret = cli_options_only(ctx, argc, argv);
	if (ret)
		return ret == CLI_OPT_HELP ? EXIT_OK : ret;
	if (optind >= argc)
		return cli_usage_error(ctx, "what to detach? LINKPATH, 'link ID' or a TARGET (xdp:IFACE, tc:IFACE:DIR, cgroup:PATH:TYPE, ...)");
	if (!strcmp(argv[optind], "link") || !strcmp(argv[optind], "pinned")) {
		bool link = argv[optind][0] == 'l';

		if (argc - optind != 2)
			return cli_usage_error(ctx, link ? "'link' takes one ID" : "'pinned' takes one PATH");
		if (!link)
			return detach_pin(ctx, argv[optind + 1]);
		if (cli_parse_u64(ctx, "link", argv[optind + 1], &id) || !id || id > UINT32_MAX)
			return cli_usage_error(ctx, "link: '%s' is not a link id", argv[optind + 1]);
		return detach_rows(ctx, argv[optind + 1], pick_link, &(uint32_t){ (uint32_t)id });
	}
	if (argc - optind > 1)
		return cli_usage_error(ctx, "unexpected argument '%s'", argv[optind + 1]);
	if (argv[optind][0] == '/' || argv[optind][0] == '.')
		return detach_pin(ctx, argv[optind]);
	if (kattach_parse(argv[optind], &t, &err))
		return cli_usage_error(ctx, "%s", err.msg);
	kattach_target_free(&t);
	return detach_rows(ctx, argv[optind], pick_target, argv[optind]);
}

const struct cli_command cmd_detach_def = {
	"detach", cmd_detach, NULL, "detach programs: a link pin, a link id or an attach point",
	"Usage: bpfkit detach LINKPATH | link ID | TARGET\n"
	"\n"
	"LINKPATH (or 'pinned LINKPATH'): the link pinned there is detached and its pins removed.\n"
	"'link ID': that link. TARGET, spelled as 'bpfkit attached' prints it: every attachment\n"
	"there: xdp:IFACE (whatever mode), xdp:IFACE:skb, tc:IFACE:ingress|egress (tcx links\n"
	"and cls_bpf filters; the clsact qdisc stays), cgroup:PATH:TYPE, tracepoint:CAT:NAME,\n"
	"raw_tp:NAME, uprobe:BINARY:FUNC, ... A link is detached with BPF_LINK_DETACH (the\n"
	"kernel keeps the link object until its last holder closes it) and its pins are removed;\n"
	"an attachment held only by a process's perf event fd cannot be detached: the error names\n"
	"the process. Nothing attached there is an error (exit 1). Output: one entry per\n"
	"detachment {prog_id, name, type, attach_point, how, link_id, unpinned}.\n",
	0
};
