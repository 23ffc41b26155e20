/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Safe pins: only inside a bpffs mount (checked with statfs on the path resolved through
 * symlinks), never through "..", never over an existing pin unless asked, and every pin
 * and directory made is recorded so a failure can take exactly them back.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/magic.h>

#include "kern_obj.h"
#include "kload.h"

static bool has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return true;
	return false;
}

static bool on_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

int kern_bpffs_check(const char *path, char *resolved, size_t len, struct errmsg *err)
{
	char head[PATH_MAX], real[PATH_MAX];
	const char *rest;
	struct stat st;
	size_t n;

	if (!path[0])
		return errmsg_set(err, -EINVAL, "empty path");
	if (has_dotdot(path))
		return errmsg_set(err, -EINVAL, "%s: '..' is not allowed in pin paths", path);
	if (strlen(path) >= sizeof(head))
		return errmsg_set(err, -ENAMETOOLONG, "%s: path too long", path);
	/* the longest prefix that exists: resolve it, then re-append what is to be created */
	strcpy(head, path);
	n = strlen(head);
	while (n > 1 && head[n - 1] == '/')
		head[--n] = '\0';
	rest = NULL;
	while (lstat(head, &st) != 0) {
		char *slash = strrchr(head, '/');

		if (errno != ENOENT)
			return errmsg_set(err, -errno, "%s: %s", head, strerror(errno));
		if (!slash) {		/* relative, nothing of it exists yet */
			strcpy(head, ".");
			rest = path;
			break;
		}
		if (slash == head) {	/* "/" always exists */
			head[1] = '\0';
			break;
		}
		*slash = '\0';
	}
	if (!realpath(head, real))
		return errmsg_set(err, -errno, "%s: %s", head, strerror(errno));
	if (!rest)
		rest = path + strlen(head);
	while (*rest == '/')
		rest++;
	if (!on_bpffs(real))
		return errmsg_set(err, -EXDEV,
				  "%s: not on a bpffs mount (it resolves to %s): pins live under /sys/fs/bpf ('mount -t bpf bpf /sys/fs/bpf' if it is missing)",
				  path, real);
	if (strlen(real) + 1 + strlen(rest) >= len)
		return errmsg_set(err, -ENAMETOOLONG, "%s: path too long", path);
	snprintf(resolved, len, "%s%s%s", real, *rest && strcmp(real, "/") ? "/" : "", rest);
	n = strlen(resolved);
	while (n > 1 && resolved[n - 1] == '/')
		resolved[--n] = '\0';
	return 0;
}

static int remember(char ***list, size_t *n, const char *path)
{
	char **t = realloc(*list, (*n + 1) * sizeof(**list));

	if (!t)
		return -ENOMEM;
	*list = t;
	t[*n] = strdup(path);
	if (!t[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

/*
 * Pinning under /sys/fs/bpf when nothing is mounted there: mount bpffs, as bpftool does
 * (systemd normally has; minimal containers and initramfs shells have not).
 */
static void mount_default_bpffs(const char *dir)
{
	static const char path[] = "/sys/fs/bpf";
	char real[PATH_MAX];

	if (!realpath(path, real) || on_bpffs(real))
		return;
	if (strncmp(dir, path, sizeof(path) - 1) ||
	    (dir[sizeof(path) - 1] && dir[sizeof(path) - 1] != '/'))
		return;
	mount("bpf", path, "bpf", 0, "mode=0700");	/* on failure the check says what to do */
}

int kern_pin_mkdir(const char *dir, struct kern_pinset *p, char *resolved, size_t len,
		   struct errmsg *err)
{
	char real[PATH_MAX];
	struct stat st;
	int ret;

	mount_default_bpffs(dir);
	ret = kern_bpffs_check(dir, real, sizeof(real), err);

	if (ret)
		return ret;
	/* walk down from the root: existing parts must be real directories, the rest is made */
	for (char *s = real + 1;; s++) {
		bool last = *s == '\0';

		if (*s != '/' && !last)
			continue;
		*s = '\0';
		if (lstat(real, &st) == 0) {
			if (!S_ISDIR(st.st_mode))
				return errmsg_set(err, -ENOTDIR, "%s: exists and is not a directory",
						  real);
		} else if (errno != ENOENT) {
			return errmsg_set(err, -errno, "%s: %s", real, strerror(errno));
		} else if (mkdir(real, 0700) != 0) {
			return errmsg_set(err, -errno, "mkdir %s: %s", real, strerror(errno));
		} else if (remember(&p->dirs, &p->nr_dirs, real)) {
			return errmsg_set(err, -ENOMEM, "out of memory");
		}
		if (last)
			break;
		*s = '/';
	}
	if (!on_bpffs(real))	/* re-check: nothing may have moved under us */
		return errmsg_set(err, -EXDEV, "%s: not on a bpffs mount", real);
	if (strlen(real) >= len)
		return errmsg_set(err, -ENAMETOOLONG, "%s: path too long", real);
	memmove(resolved, real, strlen(real) + 1);
	return 0;
}

int kern_pin_fd(int fd, const char *dir, const char *name, bool force, struct kern_pinset *p,
		char **out, struct errmsg *err)
{
	char path[PATH_MAX];
	struct stat st;

	if (!name[0] || strchr(name, '/') || strchr(name, '.'))
		return errmsg_set(err, -EINVAL, "'%s': not a valid pin name", name);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return errmsg_set(err, -ENAMETOOLONG, "%s/%s: path too long", dir, name);
	if (lstat(path, &st) == 0) {
		if (!force)
			return errmsg_set(err, -EEXIST,
					  "%s: a pin already exists; remove it ('bpfkit unpin %s') or replace it with --force",
					  path, path);
		if (S_ISDIR(st.st_mode))
			return errmsg_set(err, -EISDIR, "%s: a directory is in the way", path);
		if (unlink(path))
			return errmsg_set(err, -errno, "replacing %s: %s", path, strerror(errno));
	}
	if (bpf_obj_pin(fd, path))
		return errmsg_set(err, -errno, "pinning %s: %s", path, strerror(errno));
	if (remember(&p->paths, &p->nr, path))
		return errmsg_set(err, -ENOMEM, "out of memory");
	*out = strdup(path);
	return *out ? 0 : errmsg_set(err, -ENOMEM, "out of memory");
}

void kern_pinset_rollback(struct kern_pinset *p)
{
	while (p->nr) {
		p->nr--;
		unlink(p->paths[p->nr]);
		free(p->paths[p->nr]);
	}
	while (p->nr_dirs) {
		p->nr_dirs--;
		rmdir(p->dirs[p->nr_dirs]);
		free(p->dirs[p->nr_dirs]);
	}
}

void kern_pinset_free(struct kern_pinset *p)
{
	for (size_t i = 0; i < p->nr; i++)
		free(p->paths[i]);
	for (size_t i = 0; i < p->nr_dirs; i++)
		free(p->dirs[i]);
	free(p->paths);
	free(p->dirs);
	memset(p, 0, sizeof(*p));
}

const char *kern_fd_describe(int fd, uint32_t *id)
{
	static const char *const names[] = { [KERN_PROG] = "prog", [KERN_MAP] = "map",
					     [KERN_LINK] = "link" };
	struct { uint32_t type, id; } info = { 0 };	/* prog, map, link info all start so */
	uint32_t len = sizeof(info);
	int kind = kern_fd_kind(fd);

	*id = bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
	return kind >= KERN_PROG && kind <= KERN_LINK ? names[kind] : "pin";
}
