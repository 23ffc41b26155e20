/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* BPF links: info with the names the kernel keeps, type names, where a link attaches. */
#include <errno.h>
#include <glob.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "kern_obj.h"

static uint64_t ptr_u64(const void *p)
{
	return (uint64_t)(unsigned long)p;
}

/* The kernel's names (enum bpf_link_type, 6.18): newer than the system's libbpf knows. */
static const char *const link_types[] = {
	[1] = "raw_tracepoint", [2] = "tracing", [3] = "cgroup", [4] = "iter", [5] = "netns",
	[6] = "xdp", [7] = "perf_event", [8] = "kprobe_multi", [9] = "struct_ops",
	[10] = "netfilter", [11] = "tcx", [12] = "uprobe_multi", [13] = "netkit",
	[14] = "sockmap",
};

const char *kern_link_type_str(uint32_t type)
{
	return type < sizeof(link_types) / sizeof(link_types[0]) ? link_types[type] : NULL;
}

const char *kern_attach_type_str(uint32_t type)
{
	return libbpf_bpf_attach_type_str(type);
}

int kern_link_next(uint32_t id, uint32_t *next)
{
	return bpf_link_get_next_id(id, next) ? -errno : 0;
}

/* Second call for the types whose names the kernel copies into a buffer we give it. */
static int link_names(int fd, struct kern_link *l)
{
	struct kern_link_info info = { 0 };
	__u32 len = sizeof(info);

	switch (l->info.type) {
	case BPF_LINK_TYPE_RAW_TRACEPOINT:
		info.raw_tp.tp_name = ptr_u64(l->name);
		info.raw_tp.tp_name_len = sizeof(l->name);
		break;
	case BPF_LINK_TYPE_ITER:
		info.iter.target_name = ptr_u64(l->name);
		info.iter.target_name_len = sizeof(l->name);
		break;
	case KERN_LINK_PERF_EVENT:
		/* tracepoint, kprobe and uprobe keep their name pointer at the same place */
		if (l->info.perf_event.type == KERN_PERF_EVENT)
			return 0;
		info.perf_event.tracepoint.tp_name = ptr_u64(l->name);
		info.perf_event.tracepoint.name_len = sizeof(l->name);
		break;
	default:
		return 0;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	l->name[sizeof(l->name) - 1] = '\0';
	l->info = info;
	return 0;
}

static void linked_prog_type(struct kern_link *l)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(l->info.prog_id);

	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		l->prog_type = info.type;
	close(fd);
}

int kern_link_info(int fd, struct kern_link *l, struct errmsg *err)
{
	__u32 len = sizeof(l->info);
	int ret;

	memset(l, 0, sizeof(*l));
	if (bpf_obj_get_info_by_fd(fd, &l->info, &len))
		return errmsg_set(err, -errno, "cannot read link info: %s", strerror(errno));
	ret = link_names(fd, l);
	if (ret)
		return errmsg_set(err, ret, "cannot read link %u names: %s", l->info.id,
				  strerror(-ret));
	if (l->info.type == BPF_LINK_TYPE_TRACING)
		linked_prog_type(l);
	return 0;
}

/* A tracepoint's category: the perf link gives only its name ("sys_enter_openat"). */
static const char *tp_category(const char *name, char *buf, size_t len)
{
	static const char *const roots[] = { "/sys/kernel/tracing/events",
					     "/sys/kernel/debug/tracing/events" };
	char pattern[512];
	glob_t g;

	for (size_t r = 0; r < 2; r++) {
		snprintf(pattern, sizeof(pattern), "%s/*/%s", roots[r], name);
		if (glob(pattern, GLOB_NOSORT | GLOB_ONLYDIR, NULL, &g) == 0 && g.gl_pathc == 1) {
			const char *p = g.gl_pathv[0] + strlen(roots[r]) + 1;

			snprintf(buf, len, "%.*s", (int)strcspn(p, "/"), p);
			globfree(&g);
			return buf;
		}
		globfree(&g);
	}
	return NULL;
}

static const char *ifname(uint32_t ifindex, char *buf)
{
	if (!ifindex)
		return "(detached)";
	return if_indextoname(ifindex, buf) ? buf : "(unknown)";
}

/* The BTF type a tracing link attaches to: "fentry:do_unlinkat". */
static void tracing_target(const struct kern_link *l, char *buf, size_t len)
{
	const char *at = kern_attach_type_str(l->info.tracing.attach_type);
	struct btf *btf = NULL, *vmlinux = NULL;
	const char *name = NULL;

	if (l->info.tracing.target_obj_id) {
		btf = btf__load_from_kernel_by_id(l->info.tracing.target_obj_id);
		if (!btf) {	/* a module's BTF is split: it needs vmlinux as its base */
			vmlinux = btf__load_vmlinux_btf();
			btf = btf__load_from_kernel_by_id_split(l->info.tracing.target_obj_id,
								vmlinux);
		}
	}
	if (btf) {
		const struct btf_type *t = btf__type_by_id(btf, l->info.tracing.target_btf_id);

		name = t ? btf__name_by_offset(btf, t->name_off) : NULL;
	}
	if (at && !strcmp(at, "trace_raw_tp")) {
		at = "tp_btf";	/* SEC("tp_btf/NAME") attaches to typedef btf_trace_NAME */
		if (name && !strncmp(name, "btf_trace_", 10))
			name += 10;
	} else if (at && !strncmp(at, "trace_", 6)) {
		at += 6;	/* trace_fentry -> fentry */
	}
	if (name)
		snprintf(buf, len, "%s:%s", at ? at : "tracing", name);
	else
		snprintf(buf, len, "%s:btf %u/%u", at ? at : "tracing",
			 l->info.tracing.target_obj_id, l->info.tracing.target_btf_id);
	btf__free(btf);
	btf__free(vmlinux);
}

static void perf_target(const struct kern_link *l, char *buf, size_t len)
{
	const typeof(l->info.perf_event) *pe = &l->info.perf_event;
	char cat[128];

	switch (pe->type) {
	case KERN_PERF_TRACEPOINT:
		if (tp_category(l->name, cat, sizeof(cat)))
			snprintf(buf, len, "tracepoint:%s:%s", cat, l->name);
		else
			snprintf(buf, len, "tracepoint:%s", l->name);
		break;
	case KERN_PERF_KPROBE:
	case KERN_PERF_KRETPROBE:
		snprintf(buf, len, "%s:%s+%u", pe->type == KERN_PERF_KPROBE ? "kprobe" : "kretprobe",
			 l->name, pe->kprobe.offset);
		break;
	case KERN_PERF_UPROBE:
	case KERN_PERF_URETPROBE:
		snprintf(buf, len, "%s:%s:0x%x", pe->type == KERN_PERF_UPROBE ? "uprobe" : "uretprobe",
			 l->name, pe->uprobe.offset);
		break;
	case KERN_PERF_EVENT:
		snprintf(buf, len, "perf_event:type %u config %llu", pe->event.type,
			 (unsigned long long)pe->event.config);
		break;
	default:
		snprintf(buf, len, "perf_event");
	}
}

void kern_link_target(const struct kern_link *l, char *buf, size_t len)
{
	const struct kern_link_info *i = &l->info;
	const char *at;
	char dev[IF_NAMESIZE];

	switch (i->type) {
	case BPF_LINK_TYPE_RAW_TRACEPOINT:
		snprintf(buf, len, "raw_tp:%s", l->name);
		break;
	case BPF_LINK_TYPE_TRACING:
		tracing_target(l, buf, len);
		break;
	case BPF_LINK_TYPE_CGROUP:
		at = kern_attach_type_str(i->cgroup.attach_type);
		snprintf(buf, len, "cgroup:%llu:%s", (unsigned long long)i->cgroup.cgroup_id,
			 at ? at : "?");
		break;
	case BPF_LINK_TYPE_ITER:
		snprintf(buf, len, "iter:%s", l->name);
		break;
	case BPF_LINK_TYPE_NETNS:
		at = kern_attach_type_str(i->netns.attach_type);
		snprintf(buf, len, "netns:%u:%s", i->netns.netns_ino, at ? at : "?");
		break;
	case BPF_LINK_TYPE_XDP:
		snprintf(buf, len, "xdp:%s", ifname(i->xdp.ifindex, dev));
		break;
	case KERN_LINK_PERF_EVENT:
		perf_target(l, buf, len);
		break;
	case KERN_LINK_KPROBE_MULTI:
		snprintf(buf, len, "kprobe_multi:%u functions", i->kprobe_multi.count);
		break;
	case KERN_LINK_UPROBE_MULTI:
		snprintf(buf, len, "uprobe_multi:%u offsets", i->uprobe_multi.count);
		break;
	case KERN_LINK_STRUCT_OPS:
		snprintf(buf, len, "struct_ops:map %u", i->struct_ops.map_id);
		break;
	case KERN_LINK_NETFILTER:
		snprintf(buf, len, "netfilter:pf %u hook %u prio %d", i->netfilter.pf,
			 i->netfilter.hooknum, i->netfilter.priority);
		break;
	case KERN_LINK_TCX:
	case KERN_LINK_NETKIT:
		at = kern_attach_type_str(i->tcx.attach_type);
		snprintf(buf, len, "%s:%s%s%s", i->type == KERN_LINK_TCX ? "tcx" : "netkit",
			 ifname(i->tcx.ifindex, dev), at ? ":" : "", at ? at : "");
		break;
	case KERN_LINK_SOCKMAP:
		snprintf(buf, len, "sockmap:map %u", i->sockmap.map_id);
		break;
	default:
		snprintf(buf, len, "link type %u", i->type);
	}
}

int kern_link_detach(int fd, struct errmsg *err)
{
	if (!bpf_link_detach(fd))
		return 0;
	if (errno == EOPNOTSUPP || errno == EINVAL)
		return errmsg_set(err, -errno,
				  "this link type cannot be detached (%s): remove its pins and stop the processes holding it",
				  strerror(errno));
	if (errno == EPERM || errno == EACCES)
		return errmsg_set(err, -errno, "detaching needs root (CAP_SYS_ADMIN or CAP_NET_ADMIN)");
	return errmsg_set(err, -errno, "cannot detach: %s", strerror(errno));
}

int kern_obj_pin(int fd, const char *path, struct errmsg *err)
{
	char dir[4096];
	struct statfs st;
	size_t n;

	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '/' || !p[2]))
			return errmsg_set(err, -EINVAL, "%s: no '..' in pin paths", path);
	n = strlen(path);
	if (!n || n >= sizeof(dir) || path[n - 1] == '/')
		return errmsg_set(err, -EINVAL, "%s: give the path of the pin to create", path);
	snprintf(dir, sizeof(dir), "%s", path);
	if (strrchr(dir, '/'))
		*(strrchr(dir, '/') + (strrchr(dir, '/') == dir)) = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	if (statfs(dir, &st))
		return errmsg_set(err, -errno, "%s: %s", dir, strerror(errno));
	if (st.f_type != BPF_FS_MAGIC)
		return errmsg_set(err, -EXDEV, "%s is not on a bpffs: pin under /sys/fs/bpf", path);
	if (!bpf_obj_pin(fd, path))
		return 0;
	if (errno == EEXIST)
		return errmsg_set(err, -EEXIST, "%s exists: pick another path, or rm it first", path);
	return errmsg_set(err, -errno, "cannot pin at %s: %s", path, strerror(errno));
}

/* ---- all links, by program ------------------------------------------------------------------ */

static int cmp_link_prog(const void *a, const void *b)
{
	const struct kern_link *x = a, *y = b;

	if (x->info.prog_id != y->info.prog_id)
		return x->info.prog_id < y->info.prog_id ? -1 : 1;
	return (x->info.id > y->info.id) - (x->info.id < y->info.id);
}

int kern_links_scan(struct kern_links *ls, struct errmsg *err)
{
	uint32_t id = 0;
	size_t cap = 0;
	int ret;

	memset(ls, 0, sizeof(*ls));
	while (!(ret = kern_link_next(id, &id))) {
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue;	/* detached and released meanwhile */
		if (ls->n == cap) {
			struct kern_link *v = realloc(ls->v, (cap ? cap * 2 : 16) * sizeof(*v));

			if (!v) {
				close(fd);
				kern_links_free(ls);
				return errmsg_set(err, -ENOMEM, "out of memory");
			}
			ls->v = v;
			cap = cap ? cap * 2 : 16;
		}
		if (!kern_link_info(fd, &ls->v[ls->n], NULL))
			ls->n++;
		close(fd);
	}
	if (ret != -ENOENT) {
		kern_links_free(ls);
		if (ret == -EPERM || ret == -EACCES)
			return errmsg_set(err, ret, "listing links needs CAP_SYS_ADMIN (root): run it with sudo");
		return errmsg_set(err, ret, "cannot list links: %s", strerror(-ret));
	}
	if (ls->n)	/* qsort(NULL, 0) is undefined */
		qsort(ls->v, ls->n, sizeof(*ls->v), cmp_link_prog);
	return 0;
}

size_t kern_links_find_prog(const struct kern_links *ls, uint32_t prog_id, size_t *count)
{
	size_t lo = 0, hi = ls->n, first;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ls->v[mid].info.prog_id < prog_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	while (lo < ls->n && ls->v[lo].info.prog_id == prog_id)
		lo++;
	*count = lo - first;
	return first;
}

void kern_links_free(struct kern_links *ls)
{
	free(ls->v);
	memset(ls, 0, sizeof(*ls));
}
