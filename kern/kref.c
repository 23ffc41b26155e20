/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Who refers to a kernel object: pins in every bpffs mount (bpftool -f) and processes that
 * hold an fd to it (bpftool's "pids", found there with a BPF iterator; here from /proc, which
 * needs no program load and works where bpftool was built without skeletons).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "kmap.h"

static int kref_add(struct kref_set *s, size_t *cap, uint32_t id, int pid, const char *text)
{
	if (s->n == *cap) {
		size_t c = *cap ? *cap * 2 : 32;
		struct kref *p = realloc(s->v, c * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->v = p;
		*cap = c;
	}
	s->v[s->n].text = strdup(text);
	if (!s->v[s->n].text)
		return -ENOMEM;
	s->v[s->n].id = id;
	s->v[s->n].pid = pid;
	s->n++;
	return 0;
}

static int cmp_kref(const void *a, const void *b)
{
	const struct kref *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return strcmp(x->text, y->text);
}

/* "anon_inode:bpf-map" for kind "map": path relative to dirfd. */
static bool link_is(int dirfd, const char *path, const char *kind)
{
	char target[64];
	ssize_t n = readlinkat(dirfd, path, target, sizeof(target) - 1);

	if (n < 0)
		return false;
	target[n] = '\0';
	return !strncmp(target, "anon_inode:bpf-", 15) && !strcmp(target + 15, kind);
}

/* The id of the object behind an fdinfo file: its "<kind>_id:" line. open/read, no stdio:
 * a process holding a thousand maps means a thousand of these. */
static int fdinfo_id(int dirfd, const char *path, const char *kind, uint32_t *id)
{
	char text[1024], key[32];
	int n = snprintf(key, sizeof(key), "%s_id:", kind);
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	ssize_t len;

	if (fd < 0)
		return -errno;
	len = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (len <= 0)
		return -ENOENT;
	text[len] = '\0';
	for (const char *p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, n)) {
			*id = (uint32_t)strtoul(p + n, NULL, 10);
			return 0;
		}
	return -ENOENT;
}

/* ---- pins ------------------------------------------------------------------------------- */

static struct {
	const char *kind;
	struct kref_set *s;
	size_t cap;
	int err;
} walk;

static int on_pin(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	char fdpath[64];
	uint32_t id;
	int fd;

	if (flag != FTW_F)
		return 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	if (link_is(AT_FDCWD, fdpath, walk.kind)) {
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fdinfo/%d", fd);
		if (fdinfo_id(AT_FDCWD, fdpath, walk.kind, &id) == 0 &&
		    kref_add(walk.s, &walk.cap, id, 0, path))
			walk.err = -ENOMEM;
	}
	close(fd);
	return walk.err ? 1 : 0;
}

int kref_pins(const char *kind, struct kref_set *s, struct errmsg *err)
{
	struct mntent *ent;
	FILE *mnt;

	memset(s, 0, sizeof(*s));
	mnt = setmntent("/proc/mounts", "re");
	if (!mnt)
		return 0;	/* no /proc: no pins known, not an error for a listing */
	walk.kind = kind;
	walk.s = s;
	walk.cap = 0;
	walk.err = 0;
	while ((ent = getmntent(mnt)) && !walk.err)
		if (!strcmp(ent->mnt_type, "bpf"))
			nftw(ent->mnt_dir, on_pin, 16, FTW_PHYS | FTW_MOUNT);
	endmntent(mnt);
	if (walk.err) {
		kref_free(s);
		return errmsg_set(err, walk.err, "out of memory");
	}
	if (s->n)	/* qsort(NULL, 0) is undefined */
		qsort(s->v, s->n, sizeof(*s->v), cmp_kref);
	return 0;
}

/* ---- holders ---------------------------------------------------------------------------- */

static void read_comm(int pid, char *comm, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	comm[0] = '\0';
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(comm, (int)len, f))
		comm[strcspn(comm, "\n")] = '\0';
	fclose(f);
}

static int scan_pid(const char *kind, int pid, struct kref_set *s, size_t *cap)
{
	char path[64], comm[32] = "";
	struct dirent *d;
	uint32_t last = 0;
	bool have_last = false;
	int fdinfo = -1, ret = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return 0;	/* gone, or not ours to read */
	while ((d = readdir(dir)) && !ret) {
		uint32_t id;

		if (d->d_name[0] == '.' || !link_is(dirfd(dir), d->d_name, kind))
			continue;
		if (fdinfo < 0) {
			snprintf(path, sizeof(path), "/proc/%d/fdinfo", pid);
			fdinfo = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fdinfo < 0)
				break;
		}
		if (fdinfo_id(fdinfo, d->d_name, kind, &id))
			continue;
		if (have_last && id == last)
			continue;	/* several fds to one object: one holder */
		if (!comm[0])
			read_comm(pid, comm, sizeof(comm));
		ret = kref_add(s, cap, id, pid, comm);
		last = id;
		have_last = true;
	}
	if (fdinfo >= 0)
		close(fdinfo);
	closedir(dir);
	return ret;
}

int kref_holders(const char *kind, struct kref_set *s, struct errmsg *err)
{
	struct dirent *d;
	size_t cap = 0, i, j;
	int self = getpid(), ret = 0;
	DIR *proc;

	memset(s, 0, sizeof(*s));
	proc = opendir("/proc");
	if (!proc)
		return 0;
	while ((d = readdir(proc)) && !ret) {
		char *end;
		long pid = strtol(d->d_name, &end, 10);

		if (*end || pid <= 0 || pid == self)
			continue;
		ret = scan_pid(kind, (int)pid, s, &cap);
	}
	closedir(proc);
	if (ret) {
		kref_free(s);
		return errmsg_set(err, ret, "out of memory");
	}
	if (s->n)	/* qsort(NULL, 0) is undefined */
		qsort(s->v, s->n, sizeof(*s->v), cmp_kref);
	for (i = j = 0; i < s->n; i++) {	/* one row per (id, pid) */
		if (j && s->v[j - 1].id == s->v[i].id && s->v[j - 1].pid == s->v[i].pid) {
			free(s->v[i].text);
			continue;
		}
		s->v[j++] = s->v[i];
	}
	s->n = j;
	return 0;
}

size_t kref_find(const struct kref_set *s, uint32_t id, const struct kref **first)
{
	size_t lo = 0, hi = s->n, n = 0;

	*first = NULL;
	if (!s->n)
		return 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = s->v + lo;
	while (lo + n < s->n && s->v[lo + n].id == id)
		n++;
	return n;
}

void kref_free(struct kref_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].text);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}
