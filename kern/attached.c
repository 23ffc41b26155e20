/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * "Where is it attached?": one list joining what the kernel keeps in five places: BPF links,
 * XDP and tc on each interface of this network namespace (netlink, as `bpftool net`), tcx
 * attachments without a link, cgroup attachments (the cgroup v2 tree, as `bpftool cgroup
 * tree`) and perf events held by a process's fd (BPF_TASK_FD_QUERY, as `bpftool perf`).
 * Every row spells its attach point as a TARGET, so `bpfkit detach` takes it back.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kattach.h"
#include "kattach_int.h"
#include "kern_obj.h"

struct scan {
	struct kattached_list *l;
	struct kern_links links;
	size_t cap;
	int ret;
};

static struct kattached *add_row(struct scan *s, uint32_t prog_id, const char *how)
{
	struct kattached *r;

	if (s->l->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct kattached *v = realloc(s->l->v, cap * sizeof(*v));

		if (!v) {
			s->ret = -ENOMEM;
			return NULL;
		}
		s->l->v = v;
		s->cap = cap;
	}
	r = &s->l->v[s->l->n++];
	memset(r, 0, sizeof(*r));
	r->prog_id = prog_id;
	r->how = how;
	return r;
}

/* The link row for (type, prog) that pred accepts, or NULL. */
static struct kattached *link_row(struct scan *s, uint32_t link_type, uint32_t prog_id,
				  bool (*pred)(const struct kern_link *, const void *), const void *arg)
{
	for (size_t i = 0; i < s->l->n; i++) {
		struct kattached *r = &s->l->v[i];

		if (!r->link_id || r->prog_id != prog_id)
			continue;
		for (size_t j = 0; j < s->links.n; j++) {
			const struct kern_link *k = &s->links.v[j];

			if (k->info.id == r->link_id && k->info.type == link_type && pred(k, arg))
				return r;
		}
	}
	return NULL;
}

/* BPF_PROG_QUERY into a buffer that grows until every id fits: *ids malloc'd, or NULL. */
static int query_ids(int target, uint32_t at, uint32_t **ids, uint32_t *cnt)
{
	uint32_t cap = 16, flags = 0;

	*ids = NULL;
	for (;;) {
		uint32_t *v = realloc(*ids, cap * sizeof(*v));

		if (!v) {
			free(*ids);
			*ids = NULL;
			return -ENOMEM;
		}
		*ids = v;
		*cnt = cap;
		if (!bpf_prog_query(target, at, 0, &flags, v, cnt))
			return 0;
		if (errno != ENOSPC || *cnt <= cap) {
			free(*ids);
			*ids = NULL;
			return -errno;
		}
		cap = *cnt;
	}
}

/* ---- links ----------------------------------------------------------------------------------- */

static void scan_links(struct scan *s, struct errmsg *err)
{
	s->ret = kern_links_scan(&s->links, err);
	for (size_t i = 0; !s->ret && i < s->links.n; i++) {
		const struct kern_link *k = &s->links.v[i];
		struct kattached *r = add_row(s, k->info.prog_id, "link");

		if (!r)
			return;
		r->link_id = k->info.id;
		/*
		 * An ifindex means nothing outside its network namespace, and a link does not
		 * say which one: XDP and tcx links get their interface's name only when the
		 * query of this namespace's interface finds them (scan_xdp, scan_tcx).
		 */
		if (k->info.type == KERN_LINK_TCX) {
			r->ifindex = k->info.tcx.ifindex;
			r->attach_type = k->info.tcx.attach_type;
			snprintf(r->point, sizeof(r->point), "tc:(ifindex %u, another netns):%s",
				 r->ifindex, r->attach_type == KA_BPF_TCX_EGRESS ? "egress" : "ingress");
		} else if (k->info.type == BPF_LINK_TYPE_XDP && k->info.xdp.ifindex) {
			r->ifindex = k->info.xdp.ifindex;
			snprintf(r->point, sizeof(r->point), "xdp:(ifindex %u, another netns)",
				 r->ifindex);
		} else {
			kern_link_target(k, r->point, sizeof(r->point));
		}
	}
}

/* ---- cgroups --------------------------------------------------------------------------------- */

struct cg_match { uint64_t id; uint32_t at; };

static bool cg_pred(const struct kern_link *k, const void *arg)
{
	const struct cg_match *m = arg;

	return k->info.cgroup.cgroup_id == m->id && k->info.cgroup.attach_type == m->at;
}

static struct scan *cg_scan;	/* nftw() passes no context */

static int cg_visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	uint32_t *ids, cnt;
	int fd;

	(void)ftw;
	if (flag != FTW_D)
		return 0;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	for (const struct ka_cgroup_type *c = ka_cgroup_types; c->name; c++) {
		struct cg_match m = { st->st_ino, c->attach_type };

		if (query_ids(fd, c->attach_type, &ids, &cnt))
			continue;
		for (uint32_t i = 0; i < cnt; i++) {
			struct kattached *r = link_row(cg_scan, BPF_LINK_TYPE_CGROUP, ids[i], cg_pred, &m);

			if (!r && !(r = add_row(cg_scan, ids[i], "cgroup")))
				break;
			r->attach_type = c->attach_type;
			free(r->cg_path);
			r->cg_path = strdup(path);
			snprintf(r->point, sizeof(r->point), "cgroup:%s:%s", path, c->name);
		}
		free(ids);
	}
	close(fd);
	return cg_scan->ret ? 1 : 0;
}

static void scan_cgroups(struct scan *s)
{
	cg_scan = s;
	nftw(ka_cgroup_root(), cg_visit, 16, FTW_PHYS | FTW_MOUNT);
	cg_scan = NULL;
}

/* ---- network: XDP, tcx, tc filters ----------------------------------------------------------- */

static bool ifindex_pred(const struct kern_link *k, const void *arg)
{
	return k->info.xdp.ifindex == *(const uint32_t *)arg;
}

struct tcx_match { uint32_t ifindex, at; };

static bool tcx_pred(const struct kern_link *k, const void *arg)
{
	const struct tcx_match *m = arg;

	return k->info.tcx.ifindex == m->ifindex && k->info.tcx.attach_type == m->at;
}

static void xdp_one(struct scan *s, const struct if_nameindex *ifn, uint32_t prog_id,
		    uint32_t flags, const char *mode)
{
	struct kattached *r;

	if (!prog_id)
		return;
	r = link_row(s, BPF_LINK_TYPE_XDP, prog_id, ifindex_pred, &ifn->if_index);
	if (!r && !(r = add_row(s, prog_id, "netlink")))
		return;
	r->ifindex = ifn->if_index;
	r->xdp_flags = flags;
	snprintf(r->point, sizeof(r->point), "xdp:%s:%s", ifn->if_name, mode);
}

static void scan_xdp(struct scan *s, const struct if_nameindex *ifn)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifn->if_index, 0, &q))
		return;
	xdp_one(s, ifn, q.drv_prog_id, XDP_FLAGS_DRV_MODE, "native");
	xdp_one(s, ifn, q.skb_prog_id, XDP_FLAGS_SKB_MODE, "skb");
	xdp_one(s, ifn, q.hw_prog_id, XDP_FLAGS_HW_MODE, "offload");
}

/* tcx programs attached with BPF_PROG_ATTACH: they have no link. */
static void scan_tcx(struct scan *s, const struct if_nameindex *ifn, bool egress)
{
	uint32_t at = egress ? KA_BPF_TCX_EGRESS : KA_BPF_TCX_INGRESS;
	struct tcx_match m = { ifn->if_index, at };
	uint32_t *ids, cnt;

	if (query_ids(ifn->if_index, at, &ids, &cnt))
		return;
	for (uint32_t i = 0; i < cnt; i++) {
		struct kattached *r = link_row(s, KERN_LINK_TCX, ids[i], tcx_pred, &m);

		if (!r && !(r = add_row(s, ids[i], "tcx")))
			return;
		r->ifindex = ifn->if_index;
		r->attach_type = at;
		r->tc_egress = egress;
		snprintf(r->point, sizeof(r->point), "tc:%s:%s", ifn->if_name,
			 egress ? "egress" : "ingress");
	}
	free(ids);
}

/* Nested attribute walk: the payload of type t inside [a, a + len). */
static struct rtattr *rta_find(struct rtattr *a, int len, int t)
{
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if ((a->rta_type & ~NLA_F_NESTED) == t)
			return a;
	return NULL;
}

struct tc_dump {
	struct scan *s;			/* NULL: only count */
	const struct if_nameindex *ifn;
	bool egress;
	size_t filters;			/* every filter of any kind */
};

static void tc_filter(struct tc_dump *d, struct nlmsghdr *h)
{
	struct tcmsg *tc = NLMSG_DATA(h);
	int len = h->nlmsg_len - NLMSG_LENGTH(sizeof(*tc));
	struct rtattr *attrs = (struct rtattr *)((char *)tc + NLMSG_ALIGN(sizeof(*tc)));
	struct rtattr *kind, *opt, *id;
	struct kattached *r;

	if (h->nlmsg_type != RTM_NEWTFILTER || len < 0)
		return;
	kind = rta_find(attrs, len, TCA_KIND);
	if (!kind || !tc->tcm_handle)	/* the chain's head entry, not a filter */
		return;
	d->filters++;
	if (!d->s || strncmp(RTA_DATA(kind), "bpf", RTA_PAYLOAD(kind)))
		return;
	opt = rta_find(attrs, len, TCA_OPTIONS);
	id = opt ? rta_find(RTA_DATA(opt), RTA_PAYLOAD(opt), TCA_BPF_ID) : NULL;
	if (!id || RTA_PAYLOAD(id) < 4)
		return;
	r = add_row(d->s, *(uint32_t *)RTA_DATA(id), "netlink");
	if (!r)
		return;
	r->ifindex = d->ifn->if_index;
	r->tc_egress = d->egress;
	r->tc_handle = tc->tcm_handle;
	r->tc_prio = tc->tcm_info >> 16;
	snprintf(r->point, sizeof(r->point), "tc:%s:%s", d->ifn->if_name,
		 d->egress ? "egress" : "ingress");
}

/* RTM_GETTFILTER dump of a clsact hook: cls_bpf filters, as `bpftool net` lists them. */
static void tc_dump(struct tc_dump *d)
{
	struct {
		struct nlmsghdr h;
		struct tcmsg t;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETTFILTER,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.t = { .tcm_family = AF_UNSPEC, .tcm_ifindex = (int)d->ifn->if_index,
		       .tcm_parent = TC_H_MAKE(TC_H_CLSACT,
					       d->egress ? TC_H_MIN_EGRESS : TC_H_MIN_INGRESS) },
	};
	static char buf[32768];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	bool done = false;

	if (fd < 0)
		return;
	if (send(fd, &req, sizeof(req), 0) < 0)
		done = true;
	while (!done) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (n <= 0)
			break;
		for (; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
				done = true;
				break;
			}
			tc_filter(d, h);
		}
	}
	close(fd);
}

size_t ka_tc_filters(uint32_t ifindex)
{
	struct if_nameindex ifn = { .if_index = ifindex, .if_name = "" };
	struct tc_dump in = { .ifn = &ifn }, out = { .ifn = &ifn, .egress = true };

	tc_dump(&in);
	tc_dump(&out);
	return in.filters + out.filters;
}

static void scan_net(struct scan *s)
{
	struct if_nameindex *ifs = if_nameindex();

	for (struct if_nameindex *i = ifs; i && i->if_index; i++) {
		scan_xdp(s, i);
		for (int eg = 0; eg < 2; eg++) {
			struct tc_dump d = { .s = s, .ifn = i, .egress = eg };

			scan_tcx(s, i, eg);
			tc_dump(&d);
		}
	}
	if (ifs)
		if_freenameindex(ifs);
}

/* ---- perf events held by fds ----------------------------------------------------------------- */

static bool perf_linked(const struct scan *s, uint32_t prog_id, const char *name)
{
	for (size_t i = 0; i < s->links.n; i++)
		if (s->links.v[i].info.prog_id == prog_id &&
		    s->links.v[i].info.type == KERN_LINK_PERF_EVENT && !strcmp(s->links.v[i].name, name))
			return true;
	return false;
}

static void perf_fd(struct scan *s, int pid, int fd, const char *comm)
{
	static const int kinds[] = { [BPF_FD_TYPE_TRACEPOINT] = KERN_PERF_TRACEPOINT,
				     [BPF_FD_TYPE_KPROBE] = KERN_PERF_KPROBE,
				     [BPF_FD_TYPE_KRETPROBE] = KERN_PERF_KRETPROBE,
				     [BPF_FD_TYPE_UPROBE] = KERN_PERF_UPROBE,
				     [BPF_FD_TYPE_URETPROBE] = KERN_PERF_URETPROBE };
	struct kern_link k = { 0 };
	uint32_t len = sizeof(k.name), prog_id, type;
	__u64 off, addr;
	struct kattached *r;

	if (bpf_task_fd_query(pid, fd, 0, k.name, &len, &prog_id, &type, &off, &addr) ||
	    type >= sizeof(kinds) / sizeof(kinds[0]) || !kinds[type] || perf_linked(s, prog_id, k.name))
		return;
	r = add_row(s, prog_id, "perf_fd");
	if (!r)
		return;
	k.info.type = KERN_LINK_PERF_EVENT;
	k.info.perf_event.type = kinds[type];
	k.info.perf_event.uprobe.offset = (uint32_t)off;
	kern_link_target(&k, r->point, sizeof(r->point));
	r->pid = pid;
	snprintf(r->comm, sizeof(r->comm), "%s", comm);
}

static void read_comm(int pid, char *comm, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	comm[0] = '\0';
	f = fopen(path, "re");
	if (f) {
		if (fgets(comm, (int)len, f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
}

static void scan_perf(struct scan *s)
{
	DIR *proc = opendir("/proc");
	struct dirent *p;
	int self = getpid();

	while (proc && (p = readdir(proc)) && !s->ret) {
		char path[300], link[64], comm[16];
		int pid = atoi(p->d_name);
		struct dirent *f;
		DIR *fds;

		if (pid <= 0 || pid == self)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd", pid);
		fds = opendir(path);
		comm[0] = '\0';
		while (fds && (f = readdir(fds))) {
			char fdpath[600];
			ssize_t n;

			snprintf(fdpath, sizeof(fdpath), "%s/%s", path, f->d_name);
			n = readlink(fdpath, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = '\0';
			if (strcmp(link, "anon_inode:[perf_event]"))
				continue;
			if (!comm[0])
				read_comm(pid, comm, sizeof(comm));
			perf_fd(s, pid, atoi(f->d_name), comm);
		}
		if (fds)
			closedir(fds);
	}
	if (proc)
		closedir(proc);
}

/* A tp_btf program's link is a raw tracepoint link: spell it as it was attached. */
void ka_spell_tp_btf(char *point, size_t len, uint32_t prog_type)
{
	char name[256];

	if (prog_type != BPF_PROG_TYPE_TRACING || strncmp(point, "raw_tp:", 7))
		return;
	snprintf(name, sizeof(name), "%s", point + 7);
	snprintf(point, len, "tp_btf:%s", name);
}

/* ---- the list ------------------------------------------------------------------------------- */

static void prog_meta(struct kattached *r)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(r->prog_id);

	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
		r->prog_type = info.type;
		snprintf(r->name, sizeof(r->name), "%s", info.name);
	}
	close(fd);
}

static int cmp_row(const void *a, const void *b)
{
	const struct kattached *x = a, *y = b;

	if (x->prog_id != y->prog_id)
		return x->prog_id < y->prog_id ? -1 : 1;
	return strcmp(x->point, y->point);
}

int kattached_scan(struct kattached_list *l, struct errmsg *err)
{
	struct scan s = { .l = l };

	memset(l, 0, sizeof(*l));
	scan_links(&s, err);
	if (s.ret) {
		kern_links_free(&s.links);
		return s.ret == -EPERM ? errmsg_set(err, -EPERM, "listing attachments needs root (CAP_SYS_ADMIN)") : s.ret;
	}
	scan_net(&s);
	scan_cgroups(&s);
	scan_perf(&s);
	kern_links_free(&s.links);
	if (s.ret) {
		kattached_free(l);
		return errmsg_set(err, s.ret, "out of memory");
	}
	for (size_t i = 0; i < l->n; i++) {
		prog_meta(&l->v[i]);
		ka_spell_tp_btf(l->v[i].point, sizeof(l->v[i].point), l->v[i].prog_type);
	}
	if (l->n)	/* an empty list has no array: qsort(NULL) is undefined */
		qsort(l->v, l->n, sizeof(*l->v), cmp_row);
	return 0;
}

void kattached_free(struct kattached_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].cg_path);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ---- matching and detaching ---------------------------------------------------------------- */

/* A TARGET as the list spells it: cgroup paths resolved, uprobe functions made offsets. */
static void canonical(const char *spec, char *buf, size_t len)
{
	struct kattach_target t;
	struct errmsg err = { 0 };
	char path[PATH_MAX];
	uint64_t off;

	snprintf(buf, len, "%s", spec);
	if (kattach_parse(spec, &t, &err))
		return;
	if (t.kind == KA_CGROUP && !ka_cgroup_resolve(t.a, path, sizeof(path), &err))
		snprintf(buf, len, "cgroup:%s:%s", path, ka_cgroup_type_by_attach(t.attach_type)->name);
	if ((t.kind == KA_UPROBE || t.kind == KA_URETPROBE) &&
	    !ka_resolve_binary(t.a, path, sizeof(path), &err) &&
	    !ka_elf_func_offset(path, t.b, &off, &err))
		snprintf(buf, len, "%s:%s:0x%llx", t.kind == KA_UPROBE ? "uprobe" : "uretprobe",
			 path, (unsigned long long)(off + t.offset));
	kattach_target_free(&t);
}

bool kattached_match(const struct kattached *r, const char *spec)
{
	char want[PATH_MAX + 64];
	size_t n;

	canonical(spec, want, sizeof(want));
	if (!strcmp(r->point, want))
		return true;
	/* "xdp:lo" names whichever mode is attached */
	n = strlen(want);
	return !strncmp(want, "xdp:", 4) && !strchr(want + 4, ':') &&
	       !strncmp(r->point, want, n) && r->point[n] == ':';
}

static int detach_prog(const struct kattached *r, int target, struct errmsg *err)
{
	int fd = bpf_prog_get_fd_by_id(r->prog_id), ret = 0;

	if (fd < 0)
		return errmsg_set(err, -errno, "program %u: %s", r->prog_id, strerror(errno));
	if (bpf_prog_detach2(fd, target, r->attach_type))
		ret = errmsg_set(err, -errno, "cannot detach program %u from %s: %s", r->prog_id,
				 r->point, strerror(errno));
	close(fd);
	return ret;
}

int kattached_detach(const struct kattached *r, struct errmsg *err)
{
	int fd, ret;

	if (!strcmp(r->how, "link")) {
		fd = bpf_link_get_fd_by_id(r->link_id);
		if (fd < 0)
			return errmsg_set(err, -errno, "link %u: %s", r->link_id, strerror(errno));
		ret = kern_link_detach(fd, err);
		close(fd);
		return ret;
	}
	if (!strcmp(r->how, "perf_fd"))
		return errmsg_set(err, -EBUSY,
				  "%s is held by %s (pid %d) through a perf event fd, not a link: stop that process",
				  r->point, r->comm, r->pid);
	if (!strcmp(r->how, "cgroup")) {
		fd = open(r->cg_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return errmsg_set(err, -errno, "%s: %s", r->cg_path, strerror(errno));
		ret = detach_prog(r, fd, err);
		close(fd);
		return ret;
	}
	if (!strcmp(r->how, "tcx"))
		return detach_prog(r, (int)r->ifindex, err);
	if (r->xdp_flags) {
		ret = bpf_xdp_detach(r->ifindex, r->xdp_flags, NULL);
		return ret ? errmsg_set(err, ret, "cannot detach %s: %s", r->point, strerror(-ret)) : 0;
	} else {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = r->ifindex,
				    .attach_point = r->tc_egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = r->tc_handle, .priority = r->tc_prio);

		ret = bpf_tc_detach(&hook, &opts);
		return ret ? errmsg_set(err, ret, "cannot detach %s: %s", r->point, strerror(-ret)) : 0;
	}
}
