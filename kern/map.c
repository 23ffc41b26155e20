/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Maps the kernel holds: open, describe, read, write, iterate (see kmap.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "kern_obj.h"
#include "kmap.h"

static int no_access(struct errmsg *err, int code, const char *what)
{
	if (code == -EPERM || code == -EACCES)
		return errmsg_set(err, code,
				  "%s: %s: reading kernel maps needs CAP_SYS_ADMIN (or root): run it with sudo",
				  what, strerror(-code));
	return errmsg_set(err, code, "%s: %s", what, strerror(-code));
}

/* The number after "key:" in an fdinfo text; false when absent. */
static bool fdinfo_field(const char *text, const char *key, unsigned long long *v)
{
	size_t n = strlen(key);

	for (const char *p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, n) && p[n] == ':') {
			*v = strtoull(p + n + 1, NULL, 10);
			return true;
		}
	return false;
}

/* memlock, frozen, owner_* are only in fdinfo (bpftool reads them the same way). */
static void read_fdinfo(struct kmap *m)
{
	char path[64], text[1024];
	unsigned long long v;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", m->fd);
	if (kern_read_small(path, text, sizeof(text)) < 0)
		return;
	if (fdinfo_field(text, "memlock", &v))
		m->memlock = v;
	if (fdinfo_field(text, "frozen", &v))
		m->frozen = v != 0;
	if (fdinfo_field(text, "owner_prog_type", &v))
		m->owner_prog_type = (int)v;
	if (fdinfo_field(text, "owner_jited", &v))
		m->owner_jited = (int)v;
}

static int describe(struct kmap *m, struct errmsg *err)
{
	__u32 len = sizeof(m->info);

	memset(&m->info, 0, sizeof(m->info));
	if (bpf_obj_get_info_by_fd(m->fd, &m->info, &len))
		return errmsg_set(err, -errno, "map info: %s", strerror(errno));
	m->memlock = 0;
	m->frozen = false;
	m->owner_prog_type = m->owner_jited = -1;
	read_fdinfo(m);
	return 0;
}

int kmap_open_id(uint32_t id, struct kmap *m, struct errmsg *err)
{
	char what[48];
	int ret;

	m->fd = bpf_map_get_fd_by_id(id);
	if (m->fd < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			return errmsg_set(err, ret, "no map with id %u ('bpfkit map list' lists them)",
					  id);
		snprintf(what, sizeof(what), "map id %u", id);
		return no_access(err, ret, what);
	}
	ret = describe(m, err);
	if (ret)
		kmap_close(m);
	return ret;
}

static bool fd_is(int fd, const char *kind)
{
	char path[64], target[64], want[32];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	snprintf(want, sizeof(want), "anon_inode:bpf-%s", kind);
	return !strcmp(target, want);
}

int kmap_open_pinned(const char *path, struct kmap *m, struct errmsg *err)
{
	int ret;

	m->fd = bpf_obj_get(path);
	if (m->fd < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			return errmsg_set(err, ret, "%s: no such pin", path);
		if (ret == -EINVAL)
			return errmsg_set(err, ret, "%s: not a pinned BPF object (bpffs)", path);
		return no_access(err, ret, path);
	}
	if (!fd_is(m->fd, "map")) {
		close(m->fd);
		m->fd = -1;
		return errmsg_set(err, -EINVAL, "%s: pinned object is not a map", path);
	}
	ret = describe(m, err);
	if (ret)
		kmap_close(m);
	return ret;
}

void kmap_close(struct kmap *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}

static int push_id(uint32_t **ids, size_t *n, size_t *cap, uint32_t id)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		uint32_t *p = realloc(*ids, c * sizeof(*p));

		if (!p)
			return -ENOMEM;
		*ids = p;
		*cap = c;
	}
	(*ids)[(*n)++] = id;
	return 0;
}

/* Walk every map id; with name, keep the maps so named. */
static int collect(const char *name, uint32_t **ids, size_t *n, struct errmsg *err)
{
	size_t cap = 0;
	__u32 id = 0;

	*ids = NULL;
	*n = 0;
	for (;;) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		int fd;

		if (bpf_map_get_next_id(id, &id)) {
			if (errno == ENOENT)
				return 0;
			free(*ids);
			*ids = NULL;
			return no_access(err, -errno, "listing maps");
		}
		if (name) {
			fd = bpf_map_get_fd_by_id(id);
			if (fd < 0)
				continue;	/* gone meanwhile */
			if (bpf_obj_get_info_by_fd(fd, &info, &len) || strcmp(info.name, name)) {
				close(fd);
				continue;
			}
			close(fd);
		}
		if (push_id(ids, n, &cap, id)) {
			free(*ids);
			*ids = NULL;
			return errmsg_set(err, -ENOMEM, "out of memory");
		}
	}
}

int kmap_ids_by_name(const char *name, uint32_t **ids, size_t *n, struct errmsg *err)
{
	return collect(name, ids, n, err);
}

int kmap_ids_all(uint32_t **ids, size_t *n, struct errmsg *err)
{
	return collect(NULL, ids, n, err);
}

const char *kmap_type_str(uint32_t type)
{
	return libbpf_bpf_map_type_str((enum bpf_map_type)type);
}

bool kmap_is_percpu(uint32_t type)
{
	return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

bool kmap_holds_ids(uint32_t type)
{
	return type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS ||
	       type == BPF_MAP_TYPE_PROG_ARRAY;
}

int kmap_ncpus(void)
{
	static int n;

	if (!n)
		n = libbpf_num_possible_cpus();
	return n;
}

size_t kmap_value_bytes(const struct kmap *m)
{
	size_t v = m->info.value_size;

	if (kmap_is_percpu(m->info.type))
		return ((v + 7) & ~(size_t)7) * (size_t)(kmap_ncpus() > 0 ? kmap_ncpus() : 1);
	return v;
}

const char *kmap_unreadable(uint32_t type)
{
	switch (type) {
	case BPF_MAP_TYPE_RINGBUF:
	case BPF_MAP_TYPE_USER_RINGBUF:
		return "a ring buffer has no elements to look up: stream its records with 'bpfkit trace run'";
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
		return "a perf event array holds perf buffers, not values: stream its records with 'bpfkit trace run'";
	case BPF_MAP_TYPE_QUEUE:
	case BPF_MAP_TYPE_STACK:
		return "a queue or stack has no keys: its elements can only be popped";
	case BPF_MAP_TYPE_BLOOM_FILTER:
		return "a bloom filter cannot be listed, only tested for membership";
	case BPF_MAP_TYPE_STRUCT_OPS:
		return "struct_ops maps are read with 'bpftool struct_ops dump'";
	case BPF_MAP_TYPE_CGROUP_ARRAY:
	case BPF_MAP_TYPE_XSKMAP:
		return "it holds kernel objects (cgroups, AF_XDP sockets) that user space cannot read back";
	default:
		return NULL;
	}
}

static int elem_error(struct errmsg *err, const char *what)
{
	int e = errno;

	if (e == ENOENT)
		return errmsg_set(err, -ENOENT, "no such key");
	if (e == ENOTSUP || e == EOPNOTSUPP || e == 524 /* ENOTSUPP */)
		return errmsg_set(err, -EOPNOTSUPP, "%s: not supported for this map type", what);
	if (e == ENOSPC)	/* sockmap/sockhash: cookies need an 8-byte value */
		return errmsg_set(err, -ENOSPC,
				  "%s: the kernel returns this map's values (socket cookies) only when value_size is 8",
				  what);
	return no_access(err, -e, what);
}

int kmap_lookup(const struct kmap *m, const void *key, void *val, struct errmsg *err)
{
	if (bpf_map_lookup_elem(m->fd, key, val))
		return elem_error(err, "lookup");
	return 0;
}

int kmap_update(const struct kmap *m, const void *key, const void *val, uint64_t flags,
		struct errmsg *err)
{
	if (!bpf_map_update_elem(m->fd, key, val, flags))
		return 0;
	if (errno == EEXIST)
		return errmsg_set(err, -EEXIST, "the key exists (flag noexist)");
	if (errno == ENOENT && flags == BPF_EXIST)
		return errmsg_set(err, -ENOENT, "no such key (flag exist)");
	if (errno == E2BIG)
		return errmsg_set(err, -E2BIG, "the map is full (max_entries %u)",
				  m->info.max_entries);
	if (errno == EPERM && m->frozen)
		return errmsg_set(err, -EPERM, "the map is frozen (read-only for user space)");
	return elem_error(err, "update");
}

int kmap_delete(const struct kmap *m, const void *key, struct errmsg *err)
{
	if (bpf_map_delete_elem(m->fd, key))
		return elem_error(err, "delete");
	return 0;
}

int kmap_getnext(const struct kmap *m, const void *key, void *next, struct errmsg *err)
{
	if (!bpf_map_get_next_key(m->fd, key, next))
		return 0;
	if (errno == ENOENT)
		return -ENOENT;
	return elem_error(err, "getnext");
}

int kmap_value_fd(const struct kmap *m, const char *how, const char *arg, int *fd,
		  struct errmsg *err)
{
	bool prog = m->info.type == BPF_MAP_TYPE_PROG_ARRAY;
	const char *kind = prog ? "prog" : "map";
	unsigned long id;
	char *end;

	*fd = -1;
	if (!strcmp(how, "id")) {
		errno = 0;
		id = strtoul(arg, &end, 0);
		if (!*arg || *end || errno || id > UINT32_MAX)
			return errmsg_set(err, -EINVAL, "value: '%s' is not an id", arg);
		*fd = prog ? bpf_prog_get_fd_by_id((__u32)id) : bpf_map_get_fd_by_id((__u32)id);
		if (*fd < 0)
			return errmsg_set(err, -errno, "value: no %s with id %lu", kind, id);
		return 0;
	}
	*fd = bpf_obj_get(arg);
	if (*fd < 0)
		return errmsg_set(err, -errno, "value: %s: %s", arg, strerror(errno));
	if (!fd_is(*fd, kind)) {
		close(*fd);
		*fd = -1;
		return errmsg_set(err, -EINVAL, "value: %s is not a %s", arg, kind);
	}
	return 0;
}

int kmap_freeze(const struct kmap *m, struct errmsg *err)
{
	if (!bpf_map_freeze(m->fd))
		return 0;
	if (errno == EBUSY)
		return errmsg_set(err, -EBUSY, "the map is already frozen, or mapped writable");
	return elem_error(err, "freeze");
}

/* The directory part of path is on a bpffs mount. */
static bool on_bpffs(const char *path)
{
	char dir[PATH_MAX];
	struct statfs st;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	return statfs(dir, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

int kmap_pin(const struct kmap *m, const char *path, bool force, struct errmsg *err)
{
	struct stat st;

	if (!strcmp(path, "..") || strstr(path, "/../") || !strncmp(path, "../", 3) ||
	    (strlen(path) >= 3 && !strcmp(path + strlen(path) - 3, "/..")))
		return errmsg_set(err, -EINVAL, "%s: '..' is not allowed in a pin path", path);
	if (!on_bpffs(path))
		return errmsg_set(err, -EINVAL,
				  "%s: not inside a bpffs mount (pins live under /sys/fs/bpf)", path);
	if (lstat(path, &st) == 0) {
		if (!force)
			return errmsg_set(err, -EEXIST, "%s: exists (--force replaces it)", path);
		if (unlink(path))
			return errmsg_set(err, -errno, "%s: %s", path, strerror(errno));
	}
	if (bpf_obj_pin(m->fd, path)) {
		const char *base = strrchr(path, '/');

		if (errno == EPERM && strchr(base ? base + 1 : path, '.'))
			return errmsg_set(err, -EPERM, "pin %s: bpffs refuses names with a '.'", path);
		return errmsg_set(err, -errno, "pin %s: %s", path, strerror(errno));
	}
	return 0;
}

int kmap_load_btf(const struct kmap *m, struct btf **btf, struct errmsg *err)
{
	*btf = NULL;
	if (!m->info.btf_id)
		return 0;
	*btf = btf__load_from_kernel_by_id(m->info.btf_id);
	if (!*btf)
		return errmsg_set(err, -errno, "BTF id %u of map %u: %s", m->info.btf_id,
				  m->info.id, strerror(errno));
	return 0;
}

/* ---- iteration ------------------------------------------------------------------------ */

struct kmap_iter {
	const struct kmap *m;
	size_t ksz, vsz;
	uint32_t cap;		/* elements per batch */
	bool batched;		/* BPF_MAP_LOOKUP_BATCH works for this map */
	bool started, done;
	unsigned char *keys, *vals;
	uint32_t count, pos;
	unsigned char token[2][8];	/* batch cursors: in, out (a u32 for hash and array) */
	unsigned char *prev;	/* get_next_key: last key */
};

int kmap_iter_new(const struct kmap *m, uint32_t batch, struct kmap_iter **out,
		  struct errmsg *err)
{
	struct kmap_iter *it = calloc(1, sizeof(*it));

	*out = NULL;
	if (!it)
		return errmsg_set(err, -ENOMEM, "out of memory");
	it->m = m;
	it->ksz = m->info.key_size ? m->info.key_size : 1;
	it->vsz = kmap_value_bytes(m) ? kmap_value_bytes(m) : 1;
	it->cap = batch ? batch : 1;
	it->batched = true;
	it->keys = malloc(it->ksz * it->cap);
	it->vals = malloc(it->vsz * it->cap);
	it->prev = malloc(it->ksz);
	if (!it->keys || !it->vals || !it->prev) {
		kmap_iter_free(it);
		return errmsg_set(err, -ENOMEM, "out of memory for a batch of %u elements", batch);
	}
	*out = it;
	return 0;
}

static int fill_batch(struct kmap_iter *it, struct errmsg *err)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	int ret;

	for (;;) {
		__u32 count = it->cap;

		ret = bpf_map_lookup_batch(it->m->fd, it->started ? it->token[0] : NULL,
					   it->token[1], it->keys, it->vals, &count, &opts);
		ret = ret ? -errno : 0;
		if (ret == -ENOSPC && count == 0 && it->cap < (1u << 20)) {
			/* a hash bucket holds more than a batch: grow the batch, once per need */
			unsigned char *k = realloc(it->keys, it->ksz * it->cap * 2);
			unsigned char *v = k ? realloc(it->vals, it->vsz * it->cap * 2) : NULL;

			if (k)
				it->keys = k;
			if (!v)
				return errmsg_set(err, -ENOMEM, "out of memory");
			it->vals = v;
			it->cap *= 2;
			continue;
		}
		if (ret && ret != -ENOENT) {
			if (!it->started && (ret == -EINVAL || ret == -EOPNOTSUPP || ret == -524)) {
				it->batched = false;	/* this map type has no batch ops */
				return 0;
			}
			return no_access(err, ret, "batch lookup");
		}
		it->started = true;
		memcpy(it->token[0], it->token[1], sizeof(it->token[0]));
		it->count = count;
		it->pos = 0;
		if (ret == -ENOENT)
			it->done = true;
		return 0;
	}
}

static int next_by_key(struct kmap_iter *it, const void **key, const void **val,
		       struct errmsg *err)
{
	for (;;) {
		if (bpf_map_get_next_key(it->m->fd, it->started ? it->prev : NULL, it->keys)) {
			if (errno == ENOENT)
				return 0;
			return no_access(err, -errno, "get next key");
		}
		it->started = true;
		memcpy(it->prev, it->keys, it->ksz);
		if (bpf_map_lookup_elem(it->m->fd, it->keys, it->vals) == 0) {
			*key = it->keys;
			*val = it->vals;
			return 1;
		}
		if (errno != ENOENT)	/* ENOENT: deleted since get_next_key */
			return elem_error(err, "lookup");
	}
}

int kmap_iter_next(struct kmap_iter *it, const void **key, const void **val, struct errmsg *err)
{
	int ret;

	while (it->batched) {
		if (it->pos < it->count) {
			*key = it->keys + (size_t)it->pos * it->ksz;
			*val = it->vals + (size_t)it->pos * it->vsz;
			it->pos++;
			return 1;
		}
		if (it->done)
			return 0;
		ret = fill_batch(it, err);
		if (ret)
			return ret;
	}
	return next_by_key(it, key, val, err);
}

void kmap_iter_free(struct kmap_iter *it)
{
	if (!it)
		return;
	free(it->keys);
	free(it->vals);
	free(it->prev);
	free(it);
}
