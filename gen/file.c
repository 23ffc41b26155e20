/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Whole-file reads and atomic writes. Everything bpfkit writes goes to a temp file in the
 * destination directory (same filesystem, so rename() is atomic) and replaces the target
 * only when complete: a failure or a crash never leaves a half-written file, and readers
 * racing with us (concurrent builds sharing the cache) see the old file or the new one.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gen.h"

/* Read fd to EOF: sysfs files report 4096 or 0 and pipes nothing, so st_size is no guide. */
int gen_read_fd(int fd, const char *name, void **data, size_t *size, struct errmsg *err)
{
	char *buf = NULL;
	size_t cap = 65536, len = 0;
	struct stat st;

	*data = NULL;
	*size = 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (size_t)st.st_size + 1;
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap || !buf) {
			char *nb;

			if (buf)
				cap *= 2;
			if (cap > GEN_MAX_INPUT + 1) {
				free(buf);
				return errmsg_set(err, -EFBIG, "%s: larger than %u MiB", name,
						  GEN_MAX_INPUT >> 20);
			}
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return errmsg_set(err, -ENOMEM, "%s: out of memory", name);
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return errmsg_set(err, -errno, "%s: %s", name, strerror(errno));
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	*data = buf;
	*size = len;
	return 0;
}

int gen_read_file(const char *path, void **data, size_t *size, struct errmsg *err)
{
	struct stat st;
	int fd, ret;

	*data = NULL;
	*size = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errmsg_set(err, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		ret = errmsg_set(err, -errno, "%s: %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		ret = errmsg_set(err, -EINVAL, "%s: not a regular file", path);
	else
		ret = gen_read_fd(fd, path, data, size, err);
	close(fd);
	return ret;
}

int gen_write_all(int fd, const void *data, size_t size)
{
	const char *p = data;

	while (size) {
		ssize_t n = write(fd, p, size);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		size -= n;
	}
	return 0;
}

int gen_out_open(struct gen_out *o, const char *path, mode_t mode, struct errmsg *err)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int n;

	o->fd = -1;
	o->tmp[0] = '\0';
	if (!*base)
		return errmsg_set(err, -EINVAL, "%s: is a directory name", path);
	if (snprintf(o->path, sizeof(o->path), "%s", path) >= (int)sizeof(o->path))
		return errmsg_set(err, -ENAMETOOLONG, "%s: path too long", path);
	/* hidden temp name beside the target: ".NAME.tmp.XXXXXX" */
	n = snprintf(o->tmp, sizeof(o->tmp), "%.*s.%s.tmp.XXXXXX",
		     (int)(base - path), path, base);
	if (n >= (int)sizeof(o->tmp)) {
		o->tmp[0] = '\0';
		return errmsg_set(err, -ENAMETOOLONG, "%s: path too long", path);
	}
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0) {
		int e = errno;

		o->tmp[0] = '\0';
		return errmsg_set(err, -e, "%s: cannot create file: %s", path, strerror(e));
	}
	if (fchmod(o->fd, mode) < 0) {
		int e = errno;

		gen_out_abort(o);
		return errmsg_set(err, -e, "%s: %s", path, strerror(e));
	}
	return 0;
}

void gen_out_abort(struct gen_out *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp[0])
		unlink(o->tmp);
	o->tmp[0] = '\0';
}

int gen_out_commit(struct gen_out *o, struct errmsg *err)
{
	int e;

	if (fsync(o->fd) < 0 && errno != EINVAL) {
		e = errno;
		goto fail;
	}
	if (close(o->fd) < 0) {
		o->fd = -1;
		e = errno;
		goto fail;
	}
	o->fd = -1;
	if (rename(o->tmp, o->path) < 0) {
		e = errno;
		goto fail;
	}
	o->tmp[0] = '\0';
	return 0;
fail:
	gen_out_abort(o);
	return errmsg_set(err, -e, "%s: %s", o->path, strerror(e));
}

int gen_write_atomic(const char *path, const void *data, size_t size, mode_t mode,
		     struct errmsg *err)
{
	struct gen_out o;
	int ret;

	ret = gen_out_open(&o, path, mode, err);
	if (ret)
		return ret;
	ret = gen_write_all(o.fd, data, size);
	if (ret) {
		gen_out_abort(&o);
		return errmsg_set(err, ret, "%s: write: %s", path, strerror(-ret));
	}
	return gen_out_commit(&o, err);
}

int gen_mkdir_p(const char *dir, struct errmsg *err)
{
	char buf[PATH_MAX];
	size_t i, len = strlen(dir);

	if (len == 0 || len >= sizeof(buf))
		return errmsg_set(err, -ENAMETOOLONG, "%s: bad directory name", dir);
	memcpy(buf, dir, len + 1);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return errmsg_set(err, -errno, "%s: cannot create directory: %s", buf,
					  strerror(errno));
		buf[i] = dir[i];
	}
	return 0;
}

/*
 * For immutable, content-addressed cache entries: publish the temp file under path only if
 * nothing is there yet (link() never replaces). Replacing would change the file's mtime,
 * and clang rejects a precompiled header whose input's mtime changed since it was built.
 */
int gen_publish_tmp(const char *tmp, const char *path, struct errmsg *err)
{
	int ret = 0;

	if (link(tmp, path) < 0 && errno != EEXIST)
		ret = errmsg_set(err, -errno, "%s: %s", path, strerror(errno));
	unlink(tmp);
	return ret;
}

int gen_write_cache(const char *path, const void *data, size_t size, struct errmsg *err)
{
	struct gen_out o;
	int ret;

	ret = gen_out_open(&o, path, 0644, err);
	if (ret)
		return ret;
	ret = gen_write_all(o.fd, data, size);
	if (ret || close(o.fd) < 0) {
		ret = ret ? ret : -errno;
		o.fd = -1;
		gen_out_abort(&o);
		return errmsg_set(err, ret, "%s: write: %s", path, strerror(-ret));
	}
	return gen_publish_tmp(o.tmp, path, err);
}
