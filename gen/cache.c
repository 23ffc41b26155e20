/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The build cache's size: every distinct set of build flags leaves a ~15 MB precompiled
 * header, so the cache is kept under a limit, least recently used first. A use touches the
 * entry's mtime (the atime of relatime mounts says little); a vmlinux.h keeps its own mtime,
 * which its precompiled headers were built against, and a "used" file beside it is touched
 * instead. An entry is a precompiled header,
 * or a vmlinux.h together with every header precompiled from it (a PCH is only valid for
 * the exact vmlinux.h it was built from, so they go together).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"

#define DEFAULT_LIMIT (256ull << 20)

uint64_t gen_cache_limit(void)
{
	const char *s = getenv("BPFKIT_CACHE_MAX");
	unsigned long long v;
	char *end;

	if (!s || !*s)
		return DEFAULT_LIMIT;
	v = strtoull(s, &end, 10);
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	return *end ? DEFAULT_LIMIT : v;	/* a typo keeps the default rather than no limit */
}

void gen_cache_touch(const char *path)
{
	char marker[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash || strcmp(slash, "/vmlinux.h")) {
		utimensat(AT_FDCWD, path, NULL, 0);
		return;
	}
	snprintf(marker, sizeof(marker), "%.*s/used", (int)(slash - path), path);
	fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		futimens(fd, NULL);
		close(fd);
	}
}

static int push(struct gen_cache_list *l, const char *path, const char *kind, uint64_t bytes,
		time_t used)
{
	struct gen_cache_entry *grown;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		grown = realloc(l->v, l->cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		l->v = grown;
	}
	l->v[l->n] = (struct gen_cache_entry){ strdup(path), kind, bytes, used };
	if (!l->v[l->n].path)
		return -ENOMEM;
	l->total += bytes;
	l->n++;
	return 0;
}

/* One vmlinux/<sha>/ directory: its vmlinux.h (sized with nothing else) and its PCHs. */
static int scan_vmlinux_dir(struct gen_cache_list *l, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[2 * PATH_MAX];
	struct stat st;
	int ret = 0;

	if (!d)
		return 0;
	while (!ret && (de = readdir(d))) {
		const char *kind = strstr(de->d_name, ".pch") ? "pch" :
				   !strcmp(de->d_name, "vmlinux.h") ? "vmlinux.h" : NULL;

		if (!kind || strstr(de->d_name, ".tmp."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st))
			continue;
		if (!strcmp(kind, "vmlinux.h")) {	/* its use is recorded beside it */
			struct stat used;
			char marker[2 * PATH_MAX];

			snprintf(marker, sizeof(marker), "%s/used", dir);
			if (stat(marker, &used) == 0 && used.st_mtime > st.st_mtime)
				st.st_mtime = used.st_mtime;
		}
		ret = push(l, path, kind, st.st_size, st.st_mtime);
	}
	closedir(d);
	return ret;
}

int gen_cache_scan(struct gen_cache_list *l, struct errmsg *err)
{
	char root[PATH_MAX], dir[PATH_MAX + 300];
	struct dirent *de;
	DIR *d;
	int ret;

	memset(l, 0, sizeof(*l));
	ret = gen_cache_root(root, sizeof(root), err);
	if (ret)
		return ret;
	snprintf(l->root, sizeof(l->root), "%s", root);
	snprintf(dir, sizeof(dir), "%s/vmlinux", root);
	d = opendir(dir);
	while (!ret && d && (de = readdir(d))) {
		char sub[PATH_MAX + 600];

		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		ret = scan_vmlinux_dir(l, sub);
	}
	if (d)
		closedir(d);
	if (ret) {
		gen_cache_list_free(l);
		return errmsg_set(err, ret, "out of memory");
	}
	return 0;
}

void gen_cache_list_free(struct gen_cache_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int by_use(const void *a, const void *b)
{
	const struct gen_cache_entry *x = a, *y = b;

	return x->used < y->used ? -1 : x->used > y->used;
}

/* Remove e; a vmlinux.h takes its directory's PCHs with it. */
static void remove_entry(struct gen_cache_list *l, struct gen_cache_entry *e)
{
	size_t dlen = strrchr(e->path, '/') - e->path;
	char dir[PATH_MAX];

	unlink(e->path);
	e->removed = true;
	if (strcmp(e->kind, "vmlinux.h"))
		return;
	for (size_t i = 0; i < l->n; i++)
		if (!l->v[i].removed && !strncmp(l->v[i].path, e->path, dlen + 1)) {
			unlink(l->v[i].path);
			l->v[i].removed = true;
		}
	snprintf(dir, sizeof(dir), "%.*s/used", (int)dlen, e->path);
	unlink(dir);
	dir[dlen] = '\0';
	rmdir(dir);
}

uint64_t gen_cache_live_bytes(const struct gen_cache_list *l)
{
	uint64_t total = 0;

	for (size_t i = 0; i < l->n; i++)
		total += l->v[i].removed ? 0 : l->v[i].bytes;
	return total;
}

int gen_cache_prune(uint64_t limit, bool all, struct gen_cache_list *l, struct errmsg *err)
{
	int ret = gen_cache_scan(l, err);

	if (ret)
		return ret;
	qsort(l->v, l->n, sizeof(*l->v), by_use);
	/* oldest first; unless all, the newest entry stays even alone above the limit, and
	 * with it the vmlinux.h it was built from */
	for (size_t i = 0; i < l->n && (all || (i + 1 < l->n && gen_cache_live_bytes(l) > limit)); i++) {
		const struct gen_cache_entry *newest = &l->v[l->n - 1];
		size_t dlen = strrchr(l->v[i].path, '/') - l->v[i].path;

		if (l->v[i].removed || (!all && !strcmp(l->v[i].kind, "vmlinux.h") &&
					!strncmp(newest->path, l->v[i].path, dlen + 1)))
			continue;
		remove_entry(l, &l->v[i]);
	}
	return 0;
}
