/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Who holds a BPF object and where it is pinned: one walk of bpffs and one scan of
 * /proc/PID/fdinfo, each into a table sorted by (kind, id).
 *
 * bpftool finds holders with a BPF iterator over task files (a program it loads on every
 * call, with CO-RE against kernel BTF); fdinfo gives the same pid/comm pairs without loading
 * anything, and needs no BTF. Its cost grows with the number of open fds on the system,
 * not with the number of BPF objects.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "kern_obj.h"

/* ---- fd kinds ------------------------------------------------------------------------- */

static const char *const anon_names[KERN_NR_KINDS] = {
	[KERN_PROG] = "anon_inode:bpf-prog",
	[KERN_MAP] = "anon_inode:bpf-map",
	[KERN_LINK] = "anon_inode:bpf_link",
	[KERN_STATS] = "anon_inode:bpf-stats",
};
static const char *const fdinfo_keys[KERN_NR_KINDS] = {
	[KERN_PROG] = "prog_id:",
	[KERN_MAP] = "map_id:",
	[KERN_LINK] = "link_id:",
	[KERN_STATS] = NULL,	/* no id: one per holder */
};

/* The kind of fd from its /proc link target, or -1. */
static int kind_of_link(const char *target)
{
	for (int k = 0; k < KERN_NR_KINDS; k++)
		if (!strcmp(target, anon_names[k]))
			return k;
	/* kernels before 6.x name link files "bpf_link", later ones "bpf-link" */
	return strcmp(target, "anon_inode:bpf-link") ? -1 : KERN_LINK;
}


static int fd_kind(int fd)
{
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	return kind_of_link(target);
}

int kern_fd_kind(int fd)
{
	return fd_kind(fd);
}

/* Value of "key" in an fdinfo file (already read into buf). */
static int fdinfo_value(const char *buf, const char *key, uint64_t *v)
{
	size_t kl = strlen(key);

	for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, kl)) {
			*v = strtoull(p + kl, NULL, 10);
			return 0;
		}
	}
	return -ENOENT;
}

ssize_t kern_read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

int kern_fdinfo_u64(int fd, const char *key, uint64_t *v)
{
	char path[64], buf[4096], k[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	n = kern_read_small(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	snprintf(k, sizeof(k), "%s:", key);
	return fdinfo_value(buf, k, v);
}

/* ---- sorted tables -------------------------------------------------------------------- */

#define KEY(kind, id) (((uint64_t)(kind) << 32) | (id))

static int cmp_pin(const void *a, const void *b)
{
	const struct kern_pin *x = a, *y = b;
	uint64_t kx = KEY(x->kind, x->id), ky = KEY(y->kind, y->id);

	return kx < ky ? -1 : kx > ky ? 1 : strcmp(x->path, y->path);
}

static int cmp_holder(const void *a, const void *b)
{
	const struct kern_holder *x = a, *y = b;
	uint64_t kx = KEY(x->kind, x->id), ky = KEY(y->kind, y->id);

	return kx < ky ? -1 : kx > ky ? 1 : (x->pid > y->pid) - (x->pid < y->pid);
}

/* Lower bound of key in a sorted array of n elements of size sz whose key is at the start. */
#define FIND(arr, n, kind_, id_, countp)						\
	({										\
		size_t lo = 0, hi = (n), first;						\
		uint64_t want = KEY(kind_, id_);					\
		while (lo < hi) {							\
			size_t mid = (lo + hi) / 2;					\
			if (KEY((arr)[mid].kind, (arr)[mid].id) < want)			\
				lo = mid + 1;						\
			else								\
				hi = mid;						\
		}									\
		first = lo;								\
		while (lo < (n) && KEY((arr)[lo].kind, (arr)[lo].id) == want)		\
			lo++;								\
		*(countp) = lo - first;							\
		first;									\
	})

/* ---- pins ------------------------------------------------------------------------------- */

/* nftw() has no user pointer: the walk in progress. */
static struct {
	struct kern_pins *p;
	size_t cap;
	unsigned int mask;
	int err;
} walk;

static int add_pin(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	__u32 info[2] = { 0 };
	__u32 len = sizeof(info);
	struct kern_pin *pin;
	int fd, kind;

	if (flag != FTW_F)
		return 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;	/* not a BPF object, or not ours to open: bpftool skips too */
	kind = fd_kind(fd);
	/* prog, map and link info all start with type and id */
	if (kind < 0 || !(walk.mask & (1u << kind)) || bpf_obj_get_info_by_fd(fd, info, &len)) {
		close(fd);
		return 0;
	}
	close(fd);
	if (walk.p->n == walk.cap) {
		size_t cap = walk.cap ? walk.cap * 2 : 64;

		pin = realloc(walk.p->v, cap * sizeof(*pin));
		if (!pin)
			goto nomem;
		walk.p->v = pin;
		walk.cap = cap;
	}
	pin = &walk.p->v[walk.p->n];
	pin->kind = kind;
	pin->id = info[1];
	pin->path = strdup(path);
	if (!pin->path)
		goto nomem;
	walk.p->n++;
	return 0;
nomem:
	walk.err = -ENOMEM;
	return 1;
}

int kern_pins_scan(struct kern_pins *p, const char *root, unsigned int mask, struct errmsg *err)
{
	struct mntent *m, ment;
	char buf[4096];
	FILE *f;

	memset(p, 0, sizeof(*p));
	walk.p = p;
	walk.cap = 0;
	walk.mask = mask;
	walk.err = 0;
	if (root) {
		nftw(root, add_pin, 16, FTW_PHYS);
	} else {
		f = setmntent("/proc/mounts", "r");
		if (!f)
			return errmsg_set(err, -errno, "cannot read /proc/mounts: %s", strerror(errno));
		while (!walk.err && (m = getmntent_r(f, &ment, buf, sizeof(buf))))
			if (!strcmp(m->mnt_type, "bpf"))
				nftw(m->mnt_dir, add_pin, 16, FTW_PHYS);
		endmntent(f);
	}
	if (walk.err) {
		kern_pins_free(p);
		return errmsg_set(err, walk.err, "out of memory walking bpffs");
	}
	if (p->n)	/* qsort(NULL, 0) is undefined */
		qsort(p->v, p->n, sizeof(*p->v), cmp_pin);
	return 0;
}

size_t kern_pins_find(const struct kern_pins *p, enum kern_kind kind, uint32_t id, size_t *count)
{
	return FIND(p->v, p->n, kind, id, count);
}

void kern_pins_free(struct kern_pins *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i].path);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/* ---- holders ------------------------------------------------------------------------------ */

static int holders_add(struct kern_holders *h, size_t *cap, int kind, uint32_t id, int pid,
		       const char *comm, uint64_t memlock)
{
	struct kern_holder *e;

	/* fds of one process come together: a duplicate is most likely the last entries */
	for (size_t i = h->n; i-- > 0 && h->v[i].pid == pid;)
		if (h->v[i].kind == (enum kern_kind)kind && h->v[i].id == id)
			return 0;
	if (h->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;

		e = realloc(h->v, ncap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		h->v = e;
		*cap = ncap;
	}
	e = &h->v[h->n++];
	e->kind = kind;
	e->id = id;
	e->pid = pid;
	e->memlock = memlock;
	snprintf(e->comm, sizeof(e->comm), "%s", comm);
	return 0;
}

/* The BPF fds of one process; paths relative to /proc/PID (dirfd) spare a lookup each. */
static int scan_pid(struct kern_holders *h, size_t *cap, int proc, const char *pid_s, int pid,
		    unsigned int mask)
{
	char path[300], target[64], buf[1024], comm[32] = "";
	bool have_comm = false;
	struct dirent *de;
	int ret = 0, dfd, fdd;
	DIR *d;

	dfd = openat(proc, pid_s, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0;	/* gone */
	fdd = openat(dfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fdd >= 0 ? fdopendir(fdd) : NULL;
	if (!d) {
		if (fdd >= 0)
			close(fdd);
		close(dfd);
		return 0;	/* not ours to see */
	}
	while (!ret && (de = readdir(d))) {
		uint64_t id = 0, memlock = 0;
		ssize_t n;
		int kind, f;

		if (de->d_name[0] == '.')
			continue;
		n = readlinkat(fdd, de->d_name, target, sizeof(target) - 1);
		if (n <= 0 || target[0] != 'a')		/* anon_inode:... */
			continue;
		target[n] = '\0';
		kind = kind_of_link(target);
		if (kind < 0 || !(mask & (1u << kind)))
			continue;
		if (fdinfo_keys[kind]) {
			snprintf(path, sizeof(path), "fdinfo/%s", de->d_name);
			f = openat(dfd, path, O_RDONLY | O_CLOEXEC);
			n = f < 0 ? -1 : read(f, buf, sizeof(buf) - 1);
			if (f >= 0)
				close(f);
			if (n <= 0)
				continue;
			buf[n] = '\0';
			if (fdinfo_value(buf, fdinfo_keys[kind], &id))
				continue;
			fdinfo_value(buf, "memlock:", &memlock);
		}
		if (!have_comm) {
			f = openat(dfd, "comm", O_RDONLY | O_CLOEXEC);
			n = f < 0 ? -1 : read(f, comm, sizeof(comm) - 1);
			if (f >= 0)
				close(f);
			comm[n > 0 ? n : 0] = '\0';
			comm[strcspn(comm, "\n")] = '\0';
			have_comm = true;
		}
		ret = holders_add(h, cap, kind, (uint32_t)id, pid, comm, memlock);
	}
	closedir(d);
	close(dfd);
	return ret;
}

int kern_holders_scan(struct kern_holders *h, unsigned int mask, struct errmsg *err)
{
	int self = getpid(), ret = 0;
	struct dirent *de;
	size_t cap = 0;
	DIR *d;

	memset(h, 0, sizeof(*h));
	d = opendir("/proc");
	if (!d)
		return errmsg_set(err, -errno, "cannot read /proc: %s", strerror(errno));
	while (!ret && (de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0 || pid == self)
			continue;
		ret = scan_pid(h, &cap, dirfd(d), de->d_name, (int)pid, mask);
	}
	closedir(d);
	if (ret) {
		kern_holders_free(h);
		return errmsg_set(err, ret, "out of memory scanning /proc");
	}
	if (h->n)
		qsort(h->v, h->n, sizeof(*h->v), cmp_holder);
	return 0;
}

size_t kern_holders_find(const struct kern_holders *h, enum kern_kind kind, uint32_t id,
			 size_t *count)
{
	return FIND(h->v, h->n, kind, id, count);
}

void kern_holders_free(struct kern_holders *h)
{
	free(h->v);
	memset(h, 0, sizeof(*h));
}
