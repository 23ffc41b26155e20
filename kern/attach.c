/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Attach a program to a TARGET. Everything goes through BPF links made from a program fd
 * (BPF_LINK_CREATE on a perf event, an interface, a cgroup), so a program from an object,
 * a pin or an id attaches the same way; libbpf is used where only it knows how (usdt
 * specs, attach by section name). tc falls back to clsact + cls_bpf where tcx is missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/perf_event.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "kattach.h"
#include "kattach_int.h"
#include "kern.h"
#include "kern_obj.h"
#include "kload.h"

/* ---- targets ------------------------------------------------------------------------------ */

static const struct {
	const char *name;
	enum kattach_kind kind;
	uint32_t prog_type;
} kinds[] = {
	{ "tracepoint", KA_TRACEPOINT, BPF_PROG_TYPE_TRACEPOINT },
	{ "raw_tp", KA_RAW_TP, BPF_PROG_TYPE_RAW_TRACEPOINT },
	{ "tp_btf", KA_TP_BTF, BPF_PROG_TYPE_TRACING },
	{ "uprobe", KA_UPROBE, BPF_PROG_TYPE_KPROBE },
	{ "uretprobe", KA_URETPROBE, BPF_PROG_TYPE_KPROBE },
	{ "usdt", KA_USDT, BPF_PROG_TYPE_KPROBE },
	{ "kprobe", KA_KPROBE, BPF_PROG_TYPE_KPROBE },
	{ "kretprobe", KA_KRETPROBE, BPF_PROG_TYPE_KPROBE },
	{ "xdp", KA_XDP, BPF_PROG_TYPE_XDP },
	{ "tc", KA_TC, BPF_PROG_TYPE_SCHED_CLS },
	{ "cgroup", KA_CGROUP, 0 },
};

const struct ka_cgroup_type ka_cgroup_types[] = {
	{ "ingress", BPF_CGROUP_INET_INGRESS, BPF_PROG_TYPE_CGROUP_SKB },
	{ "egress", BPF_CGROUP_INET_EGRESS, BPF_PROG_TYPE_CGROUP_SKB },
	{ "sock_create", BPF_CGROUP_INET_SOCK_CREATE, BPF_PROG_TYPE_CGROUP_SOCK },
	{ "sock_release", BPF_CGROUP_INET_SOCK_RELEASE, BPF_PROG_TYPE_CGROUP_SOCK },
	{ "post_bind4", BPF_CGROUP_INET4_POST_BIND, BPF_PROG_TYPE_CGROUP_SOCK },
	{ "post_bind6", BPF_CGROUP_INET6_POST_BIND, BPF_PROG_TYPE_CGROUP_SOCK },
	{ "sock_ops", BPF_CGROUP_SOCK_OPS, BPF_PROG_TYPE_SOCK_OPS },
	{ "device", BPF_CGROUP_DEVICE, BPF_PROG_TYPE_CGROUP_DEVICE },
	{ "bind4", BPF_CGROUP_INET4_BIND, BPF_PROG_TYPE_CGROUP_SOCK_ADDR },
	{ "bind6", BPF_CGROUP_INET6_BIND, BPF_PROG_TYPE_CGROUP_SOCK_ADDR },
	{ "connect4", BPF_CGROUP_INET4_CONNECT, BPF_PROG_TYPE_CGROUP_SOCK_ADDR },
	{ "connect6", BPF_CGROUP_INET6_CONNECT, BPF_PROG_TYPE_CGROUP_SOCK_ADDR },
	{ "sendmsg4", BPF_CGROUP_UDP4_SENDMSG, BPF_PROG_TYPE_CGROUP_SOCK_ADDR },
	{ "sendmsg6", BPF_CGROUP_UDP6_SENDMSG, BPF_PROG_TYPE_CGROUP_SOCK_ADDR },
	{ "recvmsg4", BPF_CGROUP_UDP4_RECVMSG, BPF_PROG_TYPE_CGROUP_SOCK_ADDR },
	{ "recvmsg6", BPF_CGROUP_UDP6_RECVMSG, BPF_PROG_TYPE_CGROUP_SOCK_ADDR },
	{ "getpeername4", BPF_CGROUP_INET4_GETPEERNAME, BPF_PROG_TYPE_CGROUP_SOCK_ADDR },
	{ "getpeername6", BPF_CGROUP_INET6_GETPEERNAME, BPF_PROG_TYPE_CGROUP_SOCK_ADDR },
	{ "getsockname4", BPF_CGROUP_INET4_GETSOCKNAME, BPF_PROG_TYPE_CGROUP_SOCK_ADDR },
	{ "getsockname6", BPF_CGROUP_INET6_GETSOCKNAME, BPF_PROG_TYPE_CGROUP_SOCK_ADDR },
	{ "sysctl", BPF_CGROUP_SYSCTL, BPF_PROG_TYPE_CGROUP_SYSCTL },
	{ "getsockopt", BPF_CGROUP_GETSOCKOPT, BPF_PROG_TYPE_CGROUP_SOCKOPT },
	{ "setsockopt", BPF_CGROUP_SETSOCKOPT, BPF_PROG_TYPE_CGROUP_SOCKOPT },
	{ NULL, 0, 0 },
};

const struct ka_cgroup_type *ka_cgroup_type_by_attach(uint32_t at)
{
	for (const struct ka_cgroup_type *c = ka_cgroup_types; c->name; c++)
		if (c->attach_type == at)
			return c;
	return NULL;
}

/* "ingress" or libbpf's "cgroup_inet_ingress". */
static const struct ka_cgroup_type *cgroup_type(const char *s)
{
	for (const struct ka_cgroup_type *c = ka_cgroup_types; c->name; c++) {
		const char *lib = libbpf_bpf_attach_type_str(c->attach_type);

		if (!strcmp(s, c->name) || (lib && !strcmp(s, lib)))
			return c;
	}
	return NULL;
}

const char *kattach_kind_str(enum kattach_kind k)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].kind == k)
			return kinds[i].name;
	return "?";
}

void kattach_target_free(struct kattach_target *t)
{
	free(t->spec);
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

static int bad(struct kattach_target *t, struct errmsg *err, const char *want)
{
	errmsg_set(err, -EINVAL, "target '%s': expected %s", t->spec, want);
	kattach_target_free(t);
	return -EINVAL;
}

/* FUNC[+OFF] (kprobe, uprobe): the offset split off into t->offset. */
static int split_offset(struct kattach_target *t, char *f)
{
	char *plus = strrchr(f, '+'), *end;

	if (!plus)
		return 0;
	errno = 0;
	t->offset = strtoull(plus + 1, &end, 0);
	if (errno || *end || end == plus + 1)
		return -EINVAL;
	*plus = '\0';
	return 0;
}

static int parse_fields(struct kattach_target *t, char *rest, struct errmsg *err)
{
	char *p;

	switch (t->kind) {
	case KA_TRACEPOINT:	/* CAT:NAME */
		t->a = rest;
		p = strchr(rest, ':');
		if (!p || p == rest || !p[1] || strchr(p + 1, ':') || strchr(rest, '/'))
			return bad(t, err, "tracepoint:CATEGORY:NAME (tracepoint:syscalls:sys_enter_openat)");
		*p = '\0';
		t->b = p + 1;
		return 0;
	case KA_RAW_TP:
	case KA_TP_BTF:
		if (!*rest || strchr(rest, ':'))
			return bad(t, err, t->kind == KA_RAW_TP ? "raw_tp:NAME (raw_tp:sys_enter)"
								  : "tp_btf:NAME (tp_btf:sched_switch)");
		t->a = rest;
		return 0;
	case KA_KPROBE:
	case KA_KRETPROBE:
		if (!*rest || strchr(rest, ':') || split_offset(t, rest) || !*rest)
			return bad(t, err, "kprobe:FUNC[+OFFSET]");
		t->a = rest;
		return 0;
	case KA_UPROBE:
	case KA_URETPROBE:	/* BINARY:FUNC[+OFF]; the binary may hold ':' */
		p = strrchr(rest, ':');
		if (!p || p == rest || !p[1] || split_offset(t, p + 1) || !p[1])
			return bad(t, err, "uprobe:BINARY:FUNCTION[+OFFSET] (uprobe:/bin/bash:readline)");
		*p = '\0';
		t->a = rest;
		t->b = p + 1;
		return 0;
	case KA_USDT:		/* BINARY:PROVIDER:NAME */
		p = strrchr(rest, ':');
		if (!p || !p[1])
			return bad(t, err, "usdt:BINARY:PROVIDER:NAME");
		*p = '\0';
		t->c = p + 1;
		p = strrchr(rest, ':');
		if (!p || p == rest || !p[1])
			return bad(t, err, "usdt:BINARY:PROVIDER:NAME");
		*p = '\0';
		t->a = rest;
		t->b = p + 1;
		return 0;
	case KA_XDP:		/* IFACE[:native|:skb|:offload] */
		t->a = rest;
		p = strchr(rest, ':');
		if (p) {
			*p++ = '\0';
			if (!strcmp(p, "native"))
				t->xdp_mode = KA_XDP_NATIVE;
			else if (!strcmp(p, "skb") || !strcmp(p, "generic"))
				t->xdp_mode = KA_XDP_SKB;
			else if (!strcmp(p, "offload"))
				t->xdp_mode = KA_XDP_OFFLOAD;
			else
				return bad(t, err, "xdp:IFACE[:native|:skb|:offload]");
		}
		if (!*rest)
			return bad(t, err, "xdp:IFACE[:native|:skb|:offload]");
		return 0;
	case KA_TC:		/* IFACE:ingress|egress */
		p = strchr(rest, ':');
		if (!p || p == rest || (strcmp(p + 1, "ingress") && strcmp(p + 1, "egress")))
			return bad(t, err, "tc:IFACE:ingress or tc:IFACE:egress");
		*p = '\0';
		t->a = rest;
		t->egress = !strcmp(p + 1, "egress");
		return 0;
	case KA_CGROUP: {	/* PATH:TYPE; the path may hold ':' */
		const struct ka_cgroup_type *c;

		p = strrchr(rest, ':');
		if (!p || p == rest || !p[1])
			return bad(t, err, "cgroup:PATH:TYPE (cgroup:/sys/fs/cgroup/app:ingress)");
		*p = '\0';
		c = cgroup_type(p + 1);
		if (!c) {
			errmsg_set(err, -EINVAL, "target '%s': unknown cgroup attach type '%s' (ingress, egress, sock_create, connect4, bind4, sendmsg4, sysctl, getsockopt, device, sock_ops, ...)",
				   t->spec, p + 1);
			kattach_target_free(t);
			return -EINVAL;
		}
		t->a = rest;
		t->attach_type = c->attach_type;
		t->prog_type = c->prog_type;
		return 0;
	}
	}
	return bad(t, err, "a TARGET");
}

int kattach_parse(const char *spec, struct kattach_target *t, struct errmsg *err)
{
	const char *colon = strchr(spec, ':');

	memset(t, 0, sizeof(*t));
	t->spec = strdup(spec);
	t->buf = strdup(spec);
	if (!t->spec || !t->buf) {
		kattach_target_free(t);
		return errmsg_set(err, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; colon && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strlen(kinds[i].name) != (size_t)(colon - spec) ||
		    strncmp(spec, kinds[i].name, colon - spec))
			continue;
		t->kind = kinds[i].kind;
		t->prog_type = kinds[i].prog_type;
		return parse_fields(t, t->buf + (colon - spec) + 1, err);
	}
	errmsg_set(err, -EINVAL,
		   "'%s' is not a target: tracepoint:CAT:NAME, raw_tp:NAME, tp_btf:NAME, uprobe:BIN:FUNC, uretprobe:BIN:FUNC, usdt:BIN:PROV:NAME, kprobe:FUNC, xdp:IFACE, tc:IFACE:DIR or cgroup:PATH:TYPE",
		   spec);
	kattach_target_free(t);
	return -EINVAL;
}

static const char *prog_type_name(uint32_t type)
{
	const char *s = libbpf_bpf_prog_type_str(type);

	return s ? s : "unknown";
}

int kattach_check_type(const struct kattach_target *t, uint32_t prog_type, const char *prog,
		       struct errmsg *err)
{
	if (prog_type == t->prog_type)
		return 0;
	if (t->kind == KA_RAW_TP && prog_type == BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE)
		return 0;
	return errmsg_set(err, -EINVAL,
			  "program '%s' is of type %s, but %s targets take %s programs",
			  prog, prog_type_name(prog_type), kattach_kind_str(t->kind),
			  prog_type_name(t->prog_type));
}

/* ---- helpers ------------------------------------------------------------------------------ */

void kattach_init(struct kattach *a)
{
	memset(a, 0, sizeof(*a));
	a->link_fd = -1;
	a->perf_fd = -1;
}

/* BPF_LINK_CREATE from the kernel's ABI: the system's libbpf predates tcx. */
static int link_create(int prog_fd, int target, uint32_t attach_type, uint32_t flags)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = prog_fd;
	attr.link_create.target_fd = target;	/* or ifindex: the same field */
	attr.link_create.attach_type = attach_type;
	attr.link_create.flags = flags;
	return syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
}

static void set_link_id(struct kattach *a)
{
	struct bpf_link_info info = { 0 };
	uint32_t len = sizeof(info);

	if (a->link_fd >= 0 && !bpf_obj_get_info_by_fd(a->link_fd, &info, &len))
		a->link_id = info.id;
}

static int perf_open(struct perf_event_attr *attr, int pid, int cpu)
{
	return syscall(__NR_perf_event_open, attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static int read_file_u64(const char *path, uint64_t *v)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	*v = strtoull(buf, NULL, 10);
	return 0;
}

/* The dynamic PMU type of "uprobe" or "kprobe", and the bit that makes it a return probe. */
static int probe_pmu(const char *pmu, uint32_t *type, int *ret_bit)
{
	char path[128], buf[64];
	uint64_t v;
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/type", pmu);
	ret = read_file_u64(path, &v);
	if (ret)
		return ret;
	*type = (uint32_t)v;
	*ret_bit = 0;
	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/format/retprobe", pmu);
	f = fopen(path, "re");
	if (f) {
		if (fgets(buf, sizeof(buf), f) && !strncmp(buf, "config:", 7))
			*ret_bit = atoi(buf + 7);
		fclose(f);
	}
	return 0;
}

bool kattach_have_kprobes(void)
{
	return access("/sys/bus/event_source/devices/kprobe/type", F_OK) == 0;
}

/* Link a perf event to the program: the link holds the event; we keep pfd for bpftool perf. */
static int perf_link(int prog_fd, int pfd, struct kattach *a, const char *what, struct errmsg *err)
{
	a->perf_fd = pfd;
	a->link_fd = link_create(prog_fd, pfd, BPF_PERF_EVENT, 0);
	if (a->link_fd < 0)
		return kern_explain(err, -errno, what);
	set_link_id(a);
	return 0;
}

/* ---- tracepoints -------------------------------------------------------------------------- */

static int attach_tracepoint(int prog_fd, const struct kattach_target *t, struct kattach *a,
			     struct errmsg *err)
{
	struct perf_event_attr attr = { .size = sizeof(attr), .type = PERF_TYPE_TRACEPOINT,
					.sample_period = 1, .wakeup_events = 1 };
	char path[PATH_MAX];
	uint64_t id = 0;
	int pfd, ret;

	ret = kern_ensure_tracefs(err);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s/%s/id", t->a, t->b);
	ret = read_file_u64(path, &id);
	if (ret == -ENOENT)
		return errmsg_set(err, -ENOENT,
				  "no such tracepoint %s:%s (the ones there: ls /sys/kernel/tracing/events/%s)",
				  t->a, t->b, t->a);
	if (ret)
		return errmsg_set(err, ret, "%s: %s", path, strerror(-ret));
	attr.config = id;
	pfd = perf_open(&attr, -1, 0);
	if (pfd < 0)
		return errmsg_set(err, -errno, "perf_event_open for tracepoint %s:%s: %s", t->a,
				  t->b, strerror(errno));
	snprintf(a->point, sizeof(a->point), "tracepoint:%s:%s", t->a, t->b);
	return perf_link(prog_fd, pfd, a, a->point, err);
}

static int attach_raw_tp(int prog_fd, const struct kattach_target *t, struct kattach *a,
			 struct errmsg *err)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s", t->a);
	a->link_fd = bpf_raw_tracepoint_open(t->a, prog_fd);
	if (a->link_fd < 0) {
		if (errno == ENOENT)
			return errmsg_set(err, -ENOENT,
					  "no such raw tracepoint '%s' (raw_tp names a tracepoint without its category: raw_tp:sys_enter, raw_tp:sched_switch)",
					  t->a);
		return kern_explain(err, -errno, t->spec);
	}
	set_link_id(a);
	snprintf(a->point, sizeof(a->point), "raw_tp:%s", t->a);
	return 0;
}

/* A tp_btf program was bound to its tracepoint at load: check it is the one asked for. */
static int attach_tp_btf(int prog_fd, const struct kattach_target *t, struct kattach *a,
			 struct errmsg *err)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);
	struct btf *vmlinux;
	const char *bound = NULL;

	if (!bpf_obj_get_info_by_fd(prog_fd, &info, &len) && info.attach_btf_id &&
	    (vmlinux = btf__load_vmlinux_btf())) {
		const struct btf_type *bt = btf__type_by_id(vmlinux, info.attach_btf_id);
		const char *n = bt ? btf__name_by_offset(vmlinux, bt->name_off) : NULL;

		if (n && !strncmp(n, "btf_trace_", 10) && strcmp(n + 10, t->a)) {
			errmsg_set(err, -EINVAL,
				   "this tp_btf program was loaded for tp_btf:%s, not tp_btf:%s (the tracepoint is fixed at load: SEC(\"tp_btf/%s\"))",
				   n + 10, t->a, t->a);
			bound = n;
		}
		btf__free(vmlinux);
		if (bound)
			return -EINVAL;
	}
	a->link_fd = bpf_raw_tracepoint_open(NULL, prog_fd);
	if (a->link_fd < 0)
		return kern_explain(err, -errno, t->spec);
	set_link_id(a);
	snprintf(a->point, sizeof(a->point), "tp_btf:%s", t->a);
	return 0;
}

/* ---- probes ------------------------------------------------------------------------------- */

static int attach_kprobe(int prog_fd, const struct kattach_target *t, struct kattach *a,
			 struct errmsg *err)
{
	bool ret_probe = t->kind == KA_KRETPROBE;
	struct perf_event_attr attr = { .size = sizeof(attr) };
	uint32_t type;
	int bit, pfd;

	if (!kattach_have_kprobes() || probe_pmu("kprobe", &type, &bit))
		return errmsg_set(err, -EOPNOTSUPP,
				  "%s:%s: this kernel has no kprobes (built without CONFIG_KPROBES): use a tracepoint (tracepoint:CAT:NAME) or tp_btf:NAME near %s instead",
				  ret_probe ? "kretprobe" : "kprobe", t->a, t->a);
	attr.type = type;
	attr.config = ret_probe ? 1ull << bit : 0;
	attr.config1 = (uint64_t)(unsigned long)t->a;
	attr.config2 = t->offset;
	pfd = perf_open(&attr, -1, 0);
	if (pfd < 0)
		return errmsg_set(err, -errno, "%s: %s", t->spec,
				  errno == ENOENT ? "no such kernel function" : strerror(errno));
	snprintf(a->point, sizeof(a->point), "%s", t->spec);
	return perf_link(prog_fd, pfd, a, t->spec, err);
}

static int attach_uprobe(int prog_fd, const struct kattach_target *t, struct kattach *a,
			 struct errmsg *err)
{
	bool ret_probe = t->kind == KA_URETPROBE;
	struct perf_event_attr attr = { .size = sizeof(attr) };
	char path[PATH_MAX];
	uint64_t off;
	uint32_t type;
	int bit, pfd, ret;

	ret = ka_resolve_binary(t->a, path, sizeof(path), err);
	if (ret)
		return ret;
	ret = ka_elf_func_offset(path, t->b, &off, err);
	if (ret)
		return ret;
	off += t->offset;
	if (probe_pmu("uprobe", &type, &bit))
		return errmsg_set(err, -EOPNOTSUPP,
				  "this kernel has no uprobes (built without CONFIG_UPROBE_EVENTS)");
	attr.type = type;
	attr.config = ret_probe ? 1ull << bit : 0;
	attr.config1 = (uint64_t)(unsigned long)path;
	attr.config2 = off;
	pfd = perf_open(&attr, -1, 0);
	if (pfd < 0)
		return errmsg_set(err, -errno, "%s: %s", t->spec, strerror(errno));
	snprintf(a->point, sizeof(a->point), "%s:%s:0x%llx", ret_probe ? "uretprobe" : "uprobe",
		 path, (unsigned long long)off);
	return perf_link(prog_fd, pfd, a, t->spec, err);
}

/* ---- network ------------------------------------------------------------------------------ */

static int iface(const struct kattach_target *t, uint32_t *ifindex, struct errmsg *err)
{
	*ifindex = if_nametoindex(t->a);
	if (!*ifindex)
		return errmsg_set(err, -ENODEV,
				  "no interface '%s' in this network namespace ('ip link' lists them)",
				  t->a);
	return 0;
}

static int xdp_busy(struct errmsg *err, const char *ifname, uint32_t ifindex)
{
	uint32_t id = 0;

	bpf_xdp_query_id(ifindex, 0, &id);
	return errmsg_set(err, -EBUSY,
			  "xdp:%s already has a program (id %u): 'bpfkit detach xdp:%s' first",
			  ifname, id, ifname);
}

static int attach_xdp(int prog_fd, const struct kattach_target *t, struct kattach *a,
		      struct errmsg *err)
{
	static const uint32_t flags[] = { 0, XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE,
					  XDP_FLAGS_HW_MODE };
	static const char *const names[] = { "", "native", "skb", "offload" };
	enum kattach_xdp_mode mode = t->xdp_mode == KA_XDP_ANY ? KA_XDP_NATIVE : t->xdp_mode;
	int ret;

	ret = iface(t, &a->ifindex, err);
	if (ret)
		return ret;
	a->link_fd = link_create(prog_fd, a->ifindex, BPF_XDP, flags[mode]);
	if (a->link_fd < 0 && errno == EOPNOTSUPP && t->xdp_mode == KA_XDP_ANY) {
		/* as the seeds' loaders do: a driver without native XDP gets the generic hook */
		snprintf(a->note, sizeof(a->note),
			 "%s has no native XDP: attached in SKB (generic) mode", t->a);
		mode = KA_XDP_SKB;
		a->link_fd = link_create(prog_fd, a->ifindex, BPF_XDP, flags[mode]);
	}
	if (a->link_fd < 0) {
		if (errno == EBUSY || errno == EEXIST)
			return xdp_busy(err, t->a, a->ifindex);
		if (errno == EOPNOTSUPP)
			return errmsg_set(err, -EOPNOTSUPP, "%s does not support %s XDP%s", t->a,
					  names[mode], mode == KA_XDP_NATIVE ? " (try xdp:IFACE:skb)" : "");
		return kern_explain(err, -errno, t->spec);
	}
	set_link_id(a);
	snprintf(a->point, sizeof(a->point), "xdp:%s:%s", t->a, names[mode]);
	return 0;
}

/* clsact + a cls_bpf filter: kernels before tcx (6.6), or BPFKIT_TC_CLASSIC=1 to test it. */
static int attach_tc_classic(int prog_fd, const struct kattach_target *t, struct kattach *a,
			     struct errmsg *err)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
			    .attach_point = t->egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd);
	int ret;

	ret = bpf_tc_hook_create(&hook);
	if (ret && ret != -EEXIST)
		return errmsg_set(err, ret, "cannot add a clsact qdisc on %s: %s", t->a,
				  strerror(-ret));
	a->qdisc_created = ret == 0;
	a->tc_classic = true;
	ret = bpf_tc_attach(&hook, &opts);
	if (ret) {
		kattach_release(a);
		return errmsg_set(err, ret, "cannot add a bpf filter on %s %s: %s", t->a,
				  t->egress ? "egress" : "ingress", strerror(-ret));
	}
	a->tc_handle = opts.handle;
	a->tc_prio = opts.priority;
	return 0;
}

static int attach_tc(int prog_fd, const struct kattach_target *t, struct kattach *a,
		     struct errmsg *err)
{
	const char *classic = getenv("BPFKIT_TC_CLASSIC");
	int ret;

	ret = iface(t, &a->ifindex, err);
	if (ret)
		return ret;
	snprintf(a->point, sizeof(a->point), "tc:%s:%s", t->a, t->egress ? "egress" : "ingress");
	if (!classic || strcmp(classic, "1")) {
		a->link_fd = link_create(prog_fd, a->ifindex,
					 t->egress ? KA_BPF_TCX_EGRESS : KA_BPF_TCX_INGRESS, 0);
		if (a->link_fd >= 0) {
			set_link_id(a);
			return 0;
		}
		if (errno != EINVAL)
			return kern_explain(err, -errno, t->spec);
	}
	return attach_tc_classic(prog_fd, t, a, err);
}

static int attach_cgroup(int prog_fd, const struct kattach_target *t, struct kattach *a,
			 struct errmsg *err)
{
	char path[PATH_MAX];
	int cg, ret;

	ret = ka_cgroup_resolve(t->a, path, sizeof(path), err);
	if (ret)
		return ret;
	cg = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0)
		return errmsg_set(err, -errno, "%s: %s", path, strerror(errno));
	a->link_fd = link_create(prog_fd, cg, t->attach_type, 0);
	ret = -errno;
	close(cg);
	if (a->link_fd < 0)
		return kern_explain(err, ret, t->spec);
	set_link_id(a);
	snprintf(a->point, sizeof(a->point), "cgroup:%s:%s", path,
		 ka_cgroup_type_by_attach(t->attach_type)->name);
	return 0;
}

int kattach_fd(int prog_fd, const char *prog, const struct kattach_target *t, struct kattach *a,
	       struct errmsg *err)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);
	int ret;

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return errmsg_set(err, -errno, "cannot read program info: %s", strerror(errno));
	ret = kattach_check_type(t, info.type, prog, err);
	if (ret)
		return ret;
	switch (t->kind) {
	case KA_TRACEPOINT: return attach_tracepoint(prog_fd, t, a, err);
	case KA_RAW_TP: return attach_raw_tp(prog_fd, t, a, err);
	case KA_TP_BTF: return attach_tp_btf(prog_fd, t, a, err);
	case KA_KPROBE:
	case KA_KRETPROBE: return attach_kprobe(prog_fd, t, a, err);
	case KA_UPROBE:
	case KA_URETPROBE: return attach_uprobe(prog_fd, t, a, err);
	case KA_XDP: return attach_xdp(prog_fd, t, a, err);
	case KA_TC: return attach_tc(prog_fd, t, a, err);
	case KA_CGROUP: return attach_cgroup(prog_fd, t, a, err);
	case KA_USDT:
		return errmsg_set(err, -EINVAL,
				  "usdt needs the program's object (OBJ:PROG): libbpf fills its spec maps at attach");
	}
	return -EINVAL;
}

/* ---- through libbpf ------------------------------------------------------------------------ */

int kattach_prog(struct bpf_program *p, const struct kattach_target *t, struct kattach *a,
		 struct errmsg *err)
{
	char path[PATH_MAX];
	int ret;

	if (t && t->kind != KA_USDT)
		return kattach_fd(bpf_program__fd(p), bpf_program__name(p), t, a, err);
	if (t) {
		ret = ka_resolve_binary(t->a, path, sizeof(path), err);
		if (ret)
			return ret;
		ret = kattach_check_type(t, bpf_program__type(p), bpf_program__name(p), err);
		if (ret)
			return ret;
		a->blink = bpf_program__attach_usdt(p, -1, path, t->b, t->c, NULL);
		snprintf(a->point, sizeof(a->point), "usdt:%s:%s:%s", path, t->b, t->c);
	} else {
		a->blink = bpf_program__attach(p);
		snprintf(a->point, sizeof(a->point), "%s", bpf_program__section_name(p));
	}
	if (!a->blink) {
		ret = -errno;
		if (!t && ret == -EOPNOTSUPP)
			return errmsg_set(err, ret,
					  "program '%s': its section '%s' names no attach point: give a TARGET",
					  bpf_program__name(p), bpf_program__section_name(p));
		if (t && ret == -ENOENT)
			return errmsg_set(err, ret, "no USDT probe %s:%s in %s", t->b, t->c, path);
		return kern_explain(err, ret, t ? t->spec : bpf_program__section_name(p));
	}
	a->link_fd = bpf_link__fd(a->blink);
	set_link_id(a);
	if (!t) {	/* the section's attach point, spelled as a TARGET */
		struct kern_link kl;

		if (!kern_link_info(a->link_fd, &kl, err)) {
			kern_link_target(&kl, a->point, sizeof(a->point));
			ka_spell_tp_btf(a->point, sizeof(a->point), bpf_program__type(p));
		}
	}
	a->link_fd = -1;	/* libbpf owns it */
	return 0;
}

/* ---- keeping and letting go ---------------------------------------------------------------- */

int kattach_pin(struct kattach *a, const char *path, struct errmsg *err)
{
	char resolved[PATH_MAX];
	int ret;

	if (a->tc_classic)
		return errmsg_set(err, -EOPNOTSUPP,
				  "no tcx on this kernel: a tc filter has no link to pin (it stays until 'bpfkit detach %s')",
				  a->point);
	ret = kern_bpffs_check(path, resolved, sizeof(resolved), err);
	if (ret)
		return ret;
	if (a->blink && bpf_link__fd(a->blink) < 0)
		return errmsg_set(err, -EOPNOTSUPP, "%s: libbpf keeps this attachment as several links: it cannot be pinned",
				  a->point);
	if (a->blink) {
		ret = bpf_link__pin(a->blink, resolved);
		if (ret == -EEXIST)
			return errmsg_set(err, ret, "%s exists: pick another path, or rm it first", path);
		if (ret)
			return errmsg_set(err, ret, "cannot pin at %s: %s", path, strerror(-ret));
	} else {
		ret = kern_obj_pin(a->link_fd, resolved, err);
		if (ret)
			return ret;
	}
	a->pinned = true;
	return 0;
}

void kattach_release(struct kattach *a)
{
	if (a->blink) {
		if (a->pinned)
			bpf_link__disconnect(a->blink);
		bpf_link__destroy(a->blink);
	}
	if (a->link_fd >= 0)
		close(a->link_fd);	/* the last reference detaches it, unless pinned */
	if (a->perf_fd >= 0)
		close(a->perf_fd);
	if (a->tc_classic && !a->pinned) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
				    .attach_point = strstr(a->point, ":egress") ? BPF_TC_EGRESS : BPF_TC_INGRESS);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = a->tc_handle,
				    .priority = a->tc_prio);

		if (a->tc_handle)
			bpf_tc_detach(&hook, &opts);
		/* ours, and nobody added a filter to it meanwhile */
		if (a->qdisc_created && !ka_tc_filters(a->ifindex)) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&hook);
		}
	}
	kattach_init(a);
}
