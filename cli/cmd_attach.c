/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bpfkit attach PROG [TARGET] [--pin LINKPATH]: a program from an object, a pin or an id
 * onto a tracepoint, uprobe, XDP, tc or cgroup hook (kern/attach.c). Without --pin it stays
 * attached until Ctrl-C or SIGTERM, then detaches and says so.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "kattach.h"
#include "kern.h"
#include "kern_obj.h"
#include "kload.h"
#include "object.h"

enum { OPT_PIN = 0x100 };

/* PROG as an open program: an fd, and the object it came from when there is one. */
struct prog_ref {
	int fd;
	char name[128];
	uint32_t type;
	struct bk_object *obj;
	struct kern_load_result load;
	struct bpf_program *prog;	/* in load.obj */
};

static void prog_ref_free(struct prog_ref *p)
{
	if (p->fd >= 0 && !p->prog)
		close(p->fd);
	kern_load_free(&p->load);
	bk_object_close(p->obj);
}

/* OBJ:PROGNAME: refuse a missing program or a wrong type before anything is loaded. */
static int precheck_obj(struct cli_ctx *ctx, struct prog_ref *p, const char *prog,
			const struct kattach_target *t)
{
	struct errmsg err = { 0 };
	struct bpf_object *bo = NULL;
	struct bpf_program *bp;
	int ret = EXIT_OK;

	if (bk_object_bpf_open(p->obj, NULL, &bo, &err))
		return cli_errmsg(ctx, &err);
	bp = bpf_object__find_program_by_name(bo, prog);
	if (!bp) {
		ret = cli_usage_error(ctx, "no program '%s' in the object ('bpfkit inspect OBJ' lists them)",
				      prog);
	} else if (t && kattach_check_type(t, bpf_program__type(bp), prog, &err)) {
		ret = cli_usage_error(ctx, "%s", err.msg);
	}
	bpf_object__close(bo);
	return ret;
}

static int open_obj_prog(struct cli_ctx *ctx, const char *arg, const struct kattach_target *t,
			 struct prog_ref *p)
{
	const char *colon = strrchr(arg, ':');
	struct kern_load_opts o = { 0 };
	struct errmsg err = { 0 };
	char obj[4096];
	const char *progs[1];
	int ret;

	if (!colon || colon == arg || !colon[1] || (size_t)(colon - arg) >= sizeof(obj))
		return cli_usage_error(ctx, "'%s': PROG is OBJ:PROGNAME, @NAME:PROGNAME, 'id ID' or 'pinned PATH'",
				       arg);
	snprintf(obj, sizeof(obj), "%.*s", (int)(colon - arg), arg);
	snprintf(p->name, sizeof(p->name), "%s", colon + 1);
	cli_libbpf_offline();
	ret = cli_open_object(ctx, obj, &p->obj);
	if (ret)
		return ret;
	ret = precheck_obj(ctx, p, p->name, t);
	if (ret)
		return ret;
	progs[0] = p->name;
	o.programs = progs;
	o.nr_programs = 1;
	o.source_path = obj;
	if (kern_load(p->obj, &o, &p->load, &err))
		return p->load.usage ? cli_usage_error(ctx, "%s", err.msg) : cli_errmsg(ctx, &err);
	p->prog = bpf_object__find_program_by_name(p->load.obj, p->name);
	p->fd = p->prog ? bpf_program__fd(p->prog) : -1;
	if (p->fd < 0)
		return cli_error(ctx, "program '%s' did not load", p->name);
	p->type = bpf_program__type(p->prog);
	return EXIT_OK;
}

/* PROG operand(s) at argv[*i]: one word (OBJ:PROG) or two (id ID, pinned PATH). */
static int open_prog(struct cli_ctx *ctx, int argc, char **argv, int *i,
		     const struct kattach_target *t, struct prog_ref *p)
{
	struct errmsg err = { 0 };
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);
	struct kern_sel sel;
	int *fds = NULL, used;
	size_t n = 0;

	if (strcmp(argv[*i], "id") && strcmp(argv[*i], "pinned"))
		return open_obj_prog(ctx, argv[(*i)++], t, p);
	used = kern_sel_parse(&sel, argc - *i, argv + *i, false, &err);
	if (used < 0)
		return cli_usage_error(ctx, "%s", err.msg);
	*i += used;
	if (kern_prog_open(&sel, &fds, &n, &err))
		return cli_errmsg(ctx, &err);
	p->fd = fds[0];
	for (size_t k = 1; k < n; k++)
		close(fds[k]);
	free(fds);
	if (bpf_obj_get_info_by_fd(p->fd, &info, &len))
		return cli_error(ctx, "cannot read program info: %s", strerror(errno));
	snprintf(p->name, sizeof(p->name), "%s", info.name);
	p->type = info.type;
	return EXIT_OK;
}

static void render(struct cli_ctx *ctx, const struct prog_ref *p, const struct kattach *a,
		   const char *pin)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);
	const char *type = libbpf_bpf_prog_type_str(p->type);
	struct out *o = ctx->out;

	bpf_obj_get_info_by_fd(p->fd, &info, &len);
	out_object_begin(o, NULL, NULL);
	out_u64(o, "prog_id", "prog id", info.id);
	out_str(o, "name", "name", p->name);
	out_str(o, "type", "type", type ? type : "unknown");
	out_str(o, "attach_point", "attach point", a->point);
	if (a->link_id)
		out_u64(o, "link_id", "link id", a->link_id);
	else
		out_null(o, "link_id", "link id");
	out_str(o, "how", "how", a->tc_classic ? "netlink" : "link");
	out_str(o, "pinned", "pinned", pin);
	out_bool(o, "detached", "detached", !pin);
	out_object_end(o);
}

/* Until Ctrl-C or SIGTERM: a short sleep, so a signal between the check and the wait is
 * seen within 100 ms instead of being lost. */
static void wait_for_signal(void)
{
	kern_trap_signals();
	while (!kern_stop)
		usleep(100 * 1000);
}

struct attach_args {
	const char *pin;
	const char *target;
	int prog_at;
};

static int parse_args(struct cli_ctx *ctx, int argc, char **argv, struct attach_args *a)
{
	static const struct option longopts[] = {
		{ "pin", required_argument, NULL, OPT_PIN },
		{ 0 }
	};
	int c;

	while ((c = cli_getopt(ctx, argc, argv, "", longopts)) != -1) {
		switch (c) {
		case OPT_PIN:
			a->pin = optarg;
			break;
		case CLI_OPT_HELP:
			return -1;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage_error(ctx, "missing PROG (OBJ:PROGNAME, @NAME:PROGNAME, 'id ID' or 'pinned PATH'); see 'bpfkit attach --help'");
	a->prog_at = optind;
	/* the TARGET is the last operand after PROG's one or two words */
	if (!strcmp(argv[optind], "id") || !strcmp(argv[optind], "pinned")) {
		if (argc - optind > 3)
			return cli_usage_error(ctx, "unexpected argument '%s'", argv[optind + 3]);
		a->target = argc - optind == 3 ? argv[optind + 2] : NULL;
		if (!a->target)
			return cli_usage_error(ctx, "a program from the kernel needs a TARGET (its section name is not kept)");
	} else {
		if (argc - optind > 2)
			return cli_usage_error(ctx, "unexpected argument '%s'", argv[optind + 2]);
		a->target = argc - optind == 2 ? argv[optind + 1] : NULL;
	}
	return 0;
}

int cmd_attach(struct cli_ctx *ctx, int argc, char **argv)
{
	struct prog_ref p = { .fd = -1 };
	struct attach_args args = { 0 };
	struct kattach_target t = { 0 };
	struct errmsg err = { 0 };
	struct kattach a;
	bool have_t = false;
	int ret, i;

	kattach_init(&a);
	ret = parse_args(ctx, argc, argv, &args);
	if (ret)
		return ret < 0 ? EXIT_OK : ret;
	if (args.target) {
		if (kattach_parse(args.target, &t, &err))
			return cli_usage_error(ctx, "%s", err.msg);
		have_t = true;
		if (t.kind == KA_USDT && args.pin) {
			ret = cli_usage_error(ctx, "usdt: libbpf makes one uprobe link per call site and cannot pin them: attach in the foreground (without --pin)");
			goto out;
		}
		/* no kprobes: say so before loading anything */
		if ((t.kind == KA_KPROBE || t.kind == KA_KRETPROBE) && !kattach_have_kprobes()) {
			ret = cli_error(ctx, "%s: this kernel has no kprobes (built without CONFIG_KPROBES): use a tracepoint (tracepoint:CAT:NAME) or tp_btf:NAME instead",
					args.target);
			goto out;
		}
	}
	if (args.pin) {	/* a bad pin path is refused before anything is attached */
		char resolved[4096];

		if (kern_bpffs_check(args.pin, resolved, sizeof(resolved), &err)) {
			ret = cli_errmsg(ctx, &err);
			goto out;
		}
	}
	i = args.prog_at;
	ret = open_prog(ctx, argc, argv, &i, have_t ? &t : NULL, &p);
	if (ret)
		goto out;
	if (have_t && kattach_check_type(&t, p.type, p.name, &err)) {
		ret = cli_usage_error(ctx, "%s", err.msg);
		goto out;
	}
	if (have_t && t.kind != KA_USDT)
		ret = kattach_fd(p.fd, p.name, &t, &a, &err);
	else
		ret = kattach_prog(p.prog, have_t ? &t : NULL, &a, &err);
	if (ret) {
		ret = cli_errmsg(ctx, &err);
		goto out;
	}
	if (a.note[0])
		cli_info(ctx, "%s", a.note);
	if (args.pin && kattach_pin(&a, args.pin, &err)) {
		ret = cli_errmsg(ctx, &err);
		goto out;
	}
	if (!args.pin) {
		cli_info(ctx, "attached %s to %s%s; Ctrl-C or SIGTERM detaches (--pin keeps it)",
			 p.name, a.point, a.tc_classic ? " (clsact qdisc + bpf filter)" : "");
		wait_for_signal();
	}
	render(ctx, &p, &a, args.pin);
	if (!args.pin)
		cli_info(ctx, "detached %s from %s", p.name, a.point);
	ret = EXIT_OK;
out:
	kattach_release(&a);
	prog_ref_free(&p);
	if (have_t)
		kattach_target_free(&t);
	return ret;
}

const struct cli_command cmd_attach_def = {
	"attach", cmd_attach, NULL, "attach a program to a tracepoint, uprobe, XDP, tc or cgroup hook",
	"Usage: bpfkit attach PROG [TARGET] [--pin LINKPATH]\n"
	"\n"
	"PROG is OBJ:PROGNAME or @NAME:PROGNAME (the object is loaded, only that program), or a\n"
	"program in the kernel: 'id ID' or 'pinned PATH'. TARGET is one of:\n"
	"  tracepoint:CAT:NAME       tracepoint:syscalls:sys_enter_openat\n"
	"  raw_tp:NAME               raw_tp:sys_enter\n"
	"  tp_btf:NAME               tp_btf:sched_switch (fixed when the program is loaded)\n"
	"  uprobe:BINARY:FUNC[+OFF]  uretprobe:...; BINARY is a path, a library name\n"
	"                            (libc.so.6, through LD_LIBRARY_PATH and the usual\n"
	"                            directories) or a program in PATH; FUNC from its ELF symbols\n"
	"  usdt:BINARY:PROVIDER:NAME needs OBJ:PROGNAME (libbpf fills the USDT spec maps)\n"
	"  kprobe:FUNC[+OFF]         kretprobe:FUNC; where the kernel has no kprobes\n"
	"                            (CONFIG_KPROBES off) an error suggests the alternatives\n"
	"  xdp:IFACE[:native|:skb|:offload]\n"
	"                            native first, then SKB (generic) mode, saying so\n"
	"  tc:IFACE:ingress|egress   a tcx link; without tcx (before 6.6) a clsact qdisc (created\n"
	"                            when missing, removed on detach only if bpfkit made it)\n"
	"                            and a bpf filter (BPFKIT_TC_CLASSIC=1 forces this)\n"
	"  cgroup:PATH:TYPE          PATH absolute or under the cgroup2 mount; TYPE ingress,\n"
	"                            egress, sock_create, sock_release, post_bind4/6, sock_ops,\n"
	"                            device, bind4/6, connect4/6, sendmsg4/6, recvmsg4/6,\n"
	"                            getpeername4/6, getsockname4/6, sysctl, getsockopt,\n"
	"                            setsockopt\n"
	"Without TARGET the program attaches by its section name, as libbpf does\n"
	"(SEC(\"tp/syscalls/sys_enter_write\"), SEC(\"raw_tp/sys_enter\"), ...).\n"
	"A program whose type does not fit the target is refused before the kernel is asked.\n"
	"Everything attaches through a BPF link. Without --pin, attach stays in the foreground\n"
	"until Ctrl-C or SIGTERM, then detaches and says so; with --pin the link is pinned at\n"
	"LINKPATH (inside bpffs, never through '..', never over an existing file) and outlives\n"
	"bpfkit: 'bpfkit detach LINKPATH' takes it back. Output: prog_id, name, type,\n"
	"attach_point, link_id, how, pinned, detached.\n"
	"\n"
	"Options:\n"
	"      --pin LINKPATH   pin the link there and exit, leaving the program attached\n",
	0
};
