/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * unpin and gc. A pinned program is stale when nothing but pins holds it: no BPF link
 * points at it, no process has an fd for it (program or link fd, /proc/PID/fdinfo), no prog
 * array holds it (tail calls), it is not attached as XDP to an interface of this network
 * namespace, and no bpfkit manifest lists it ('bpfkit unload' removes those). Attachments
 * made through older APIs that leave no link (tc filters, cgroup prog_attach, perf events)
 * are invisible from here: removing the pin of such a program does not detach it, it only
 * forgets its name. A pinned link is defunct when its target is gone (detached: ifindex,
 * cgroup or netns is 0). Map pins are data and stay. Directories go when this gc emptied them
 * or a manifest says bpfkit made them; manifests go when none of their pins exist.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cjson/cJSON.h>

#include "kload.h"

struct idset {
	uint32_t *ids;
	size_t n, cap;
};

static int idset_add(struct idset *s, uint32_t id)
{
	if (!id)
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		uint32_t *t = realloc(s->ids, cap * sizeof(*t));

		if (!t)
			return -ENOMEM;
		s->ids = t;
		s->cap = cap;
	}
	s->ids[s->n++] = id;
	return 0;
}

static bool idset_has(const struct idset *s, uint32_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->ids[i] == id)
			return true;
	return false;
}

struct gc_state {
	struct idset held;		/* programs something other than a pin holds */
	struct idset defunct;		/* links whose target is gone */
	struct idset listed;		/* programs a manifest lists */
	char **dirs;			/* directories manifests say bpfkit made */
	size_t nr_dirs;
	cJSON **manifests;
	char **manifest_paths;
	size_t nr_manifests;
	bool dry_run;
	const char *root;		/* resolved: manifests elsewhere are not ours to judge */
	struct kern_removals *out;
	int err;
};

static bool link_defunct(const struct bpf_link_info *l)
{
	switch (l->type) {
	case BPF_LINK_TYPE_XDP:
		return l->xdp.ifindex == 0;
	case BPF_LINK_TYPE_CGROUP:
		return l->cgroup.cgroup_id == 0;
	case BPF_LINK_TYPE_NETNS:
		return l->netns.netns_ino == 0;
	default:
		return false;
	}
}

static int scan_links(struct gc_state *st)
{
	uint32_t id = 0;

	while (bpf_link_get_next_id(id, &id) == 0) {
		struct bpf_link_info info = {};
		uint32_t len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
			if (link_defunct(&info))
				st->err = st->err ?: idset_add(&st->defunct, info.id);
			else
				st->err = st->err ?: idset_add(&st->held, info.prog_id);
		}
		close(fd);
	}
	return st->err;
}

/* Programs (or links) some process holds an fd for: fdinfo says "prog_id:". */
static void scan_pid(struct gc_state *st, const char *pid)
{
	char dir[300], path[PATH_MAX], target[64], line[128];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%s/fd", pid);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		ssize_t n;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (!strstr(target, "bpf-prog") && !strstr(target, "bpf_link") &&
		    !strstr(target, "bpf-link"))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s", pid, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			unsigned int id;

			if (sscanf(line, "prog_id: %u", &id) == 1)
				st->err = st->err ?: idset_add(&st->held, id);
		}
		fclose(f);
	}
	closedir(d);
}

static void scan_processes(struct gc_state *st)
{
	char self[32];
	struct dirent *de;
	DIR *d = opendir("/proc");

	snprintf(self, sizeof(self), "%d", (int)getpid());
	while (d && (de = readdir(d)))
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9' && strcmp(de->d_name, self))
			scan_pid(st, de->d_name);
	if (d)
		closedir(d);
}

static void scan_prog_arrays(struct gc_state *st)
{
	uint32_t id = 0;

	while (bpf_map_get_next_id(id, &id) == 0) {
		struct bpf_map_info info = {};
		uint32_t len = sizeof(info);
		int fd = bpf_map_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    info.type == BPF_MAP_TYPE_PROG_ARRAY) {
			for (uint32_t k = 0; k < info.max_entries; k++) {
				uint32_t prog = 0;

				if (!bpf_map_lookup_elem(fd, &k, &prog))
					st->err = st->err ?: idset_add(&st->held, prog);
			}
		}
		close(fd);
	}
}

static void scan_xdp(struct gc_state *st)
{
	struct if_nameindex *ifs = if_nameindex();

	for (struct if_nameindex *i = ifs; i && i->if_index; i++) {
		LIBBPF_OPTS(bpf_xdp_query_opts, q);

		if (bpf_xdp_query((int)i->if_index, 0, &q))
			continue;
		idset_add(&st->held, q.prog_id);
		idset_add(&st->held, q.drv_prog_id);
		idset_add(&st->held, q.skb_prog_id);
		idset_add(&st->held, q.hw_prog_id);
	}
	if (ifs)
		if_freenameindex(ifs);
}

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static void read_manifests(struct gc_state *st)
{
	DIR *d = opendir(kern_manifest_dir());
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char path[PATH_MAX], *text;
		const cJSON *it;
		cJSON *m = NULL;
		FILE *f;
		long n;

		if (!strstr(de->d_name, ".json") || strstr(de->d_name, ".tmp"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", kern_manifest_dir(), de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		rewind(f);
		text = n > 0 && n < (16 << 20) ? calloc(1, (size_t)n + 1) : NULL;
		if (text && fread(text, 1, (size_t)n, f) == (size_t)n)
			m = cJSON_Parse(text);
		free(text);
		fclose(f);
		if (!m)
			continue;
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(m, "progs")) {
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");

			if (cJSON_IsNumber(id))
				idset_add(&st->listed, (uint32_t)id->valuedouble);
		}
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(m, "dirs")) {
			char **t = realloc(st->dirs, (st->nr_dirs + 1) * sizeof(*t));

			if (t && cJSON_IsString(it)) {
				st->dirs = t;
				t[st->nr_dirs] = strdup(it->valuestring);
				if (t[st->nr_dirs])
					st->nr_dirs++;
			}
		}
		cJSON **tm = realloc(st->manifests, (st->nr_manifests + 1) * sizeof(*tm));
		char **tp = realloc(st->manifest_paths, (st->nr_manifests + 1) * sizeof(*tp));

		if (tm)
			st->manifests = tm;
		if (tp)
			st->manifest_paths = tp;
		if (!tm || !tp || !(tp[st->nr_manifests] = strdup(path))) {
			cJSON_Delete(m);
			continue;
		}
		tm[st->nr_manifests++] = m;
	}
	if (d)
		closedir(d);
}

static bool manifest_dir(const struct gc_state *st, const char *path)
{
	for (size_t i = 0; i < st->nr_dirs; i++)
		if (!strcmp(st->dirs[i], path))
			return true;
	return false;
}

static void drop(struct gc_state *st, const char *kind, const char *path, uint32_t id,
		 const char *reason)
{
	int ret = 0;

	if (!st->dry_run)
		ret = strcmp(kind, "dir") ? unlink(path) : rmdir(path);
	if (ret && errno != ENOENT)
		st->err = st->err ?: kern_removal_add(st->out, kind, path, id, strerror(errno), true);
	else
		st->err = st->err ?: kern_removal_add(st->out, kind, path, id, reason, false);
}

/* Is the pin at path stale? Sets kind and id. */
static const char *stale_reason(struct gc_state *st, const char *path, const char **kind,
				uint32_t *id)
{
	int fd = bpf_obj_get(path);

	*kind = "pin";
	*id = 0;
	if (fd < 0)
		return NULL;
	*kind = kern_fd_describe(fd, id);
	close(fd);
	if (!strcmp(*kind, "prog") && !idset_has(&st->held, *id) && !idset_has(&st->listed, *id))
		return "program attached nowhere, held only by pins";
	if (!strcmp(*kind, "link") && idset_has(&st->defunct, *id))
		return "link whose target is gone (detached)";
	return NULL;
}

/* Post-order walk: returns how many entries dir keeps. */
static size_t walk(struct gc_state *st, const char *dir, int depth)
{
	struct dirent *de;
	size_t kept = 0;
	DIR *d;

	if (depth > 64 || !(d = opendir(dir)))
		return 1;
	while ((de = readdir(d)) && !st->err) {
		char path[PATH_MAX];
		const char *kind, *why;
		struct stat sb;
		uint32_t id;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path) ||
		    lstat(path, &sb)) {
			kept++;
			continue;
		}
		if (S_ISDIR(sb.st_mode)) {
			bool had = false;
			DIR *sub = opendir(path);
			struct dirent *se;

			while (sub && (se = readdir(sub)))
				had |= strcmp(se->d_name, ".") && strcmp(se->d_name, "..");
			if (sub)
				closedir(sub);
			if (walk(st, path, depth + 1) == 0 && (had || manifest_dir(st, path)))
				drop(st, "dir", path, 0, had ? "directory left empty" :
				     "empty directory a manifest made");
			else
				kept++;
			continue;
		}
		why = S_ISREG(sb.st_mode) ? stale_reason(st, path, &kind, &id) : NULL;
		if (why)
			drop(st, kind, path, id, why);
		else
			kept++;
	}
	closedir(d);
	return kept;
}

static bool removed(const struct gc_state *st, const char *path)
{
	for (size_t i = 0; i < st->out->nr; i++)
		if (!st->out->items[i].kept && !strcmp(st->out->items[i].path, path))
			return true;
	return false;
}

static bool pin_exists(const struct gc_state *st, const char *path)
{
	return path[0] && !removed(st, path) && access(path, F_OK) == 0;
}

/* Manifests none of whose pins exist any more. */
static void stale_manifests(struct gc_state *st)
{
	static const char *const lists[] = { "links", "progs", "maps" };

	for (size_t i = 0; i < st->nr_manifests && !st->err; i++) {
		const char *dir = jstr(st->manifests[i], "pin_dir");
		size_t n = strlen(st->root);
		bool any = false;
		const cJSON *it;

		if (strncmp(dir, st->root, n) || (dir[n] && dir[n] != '/' && strcmp(st->root, "/")))
			continue;

		for (size_t l = 0; l < 3; l++)
			cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(st->manifests[i], lists[l]))
				any |= pin_exists(st, jstr(it, "pinned"));
		if (!any)
			drop(st, "manifest", st->manifest_paths[i], 0, "none of its pins exist");
	}
}

int kern_gc(const char *root, bool dry_run, struct kern_removals *out, struct errmsg *err)
{
	struct gc_state st = { .dry_run = dry_run, .out = out };
	char real[PATH_MAX];
	int ret;

	memset(out, 0, sizeof(*out));
	ret = kern_bpffs_check(root, real, sizeof(real), err);
	if (ret)
		return ret;
	if (access(real, F_OK))
		return errmsg_set(err, -errno, "%s: %s", real, strerror(errno));
	st.root = real;
	read_manifests(&st);
	scan_links(&st);
	scan_processes(&st);
	scan_prog_arrays(&st);
	scan_xdp(&st);
	if (!st.err)
		walk(&st, real, 0);
	if (!st.err)
		stale_manifests(&st);
	ret = st.err;
	free(st.held.ids);
	free(st.defunct.ids);
	free(st.listed.ids);
	for (size_t i = 0; i < st.nr_dirs; i++)
		free(st.dirs[i]);
	free(st.dirs);
	for (size_t i = 0; i < st.nr_manifests; i++) {
		cJSON_Delete(st.manifests[i]);
		free(st.manifest_paths[i]);
	}
	free(st.manifests);
	free(st.manifest_paths);
	return ret ? errmsg_set(err, ret, "gc: %s", strerror(-ret)) : 0;
}

int kern_unpin(const char *path, bool check_only, struct kern_removals *out,
	       struct errmsg *err)
{
	char parent[PATH_MAX], real[PATH_MAX], full[PATH_MAX + 256];
	const char *base = strrchr(path, '/'), *kind;
	struct stat sb;
	uint32_t id;
	int fd, ret;

	/* resolve the parent only: a symlink at PATH is refused, not followed */
	base = base ? base + 1 : path;
	if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
		return errmsg_set(err, -EINVAL, "%s: not a pin path", path);
	snprintf(parent, sizeof(parent), "%.*s", base == path ? 1 : (int)(base - path),
		 base == path ? "." : path);
	ret = kern_bpffs_check(parent, real, sizeof(real), err);
	if (ret)
		return ret;
	snprintf(full, sizeof(full), "%s/%s", real, base);
	if (lstat(full, &sb))
		return errmsg_set(err, -errno, "%s: %s", path, strerror(errno));
	if (S_ISDIR(sb.st_mode))
		return errmsg_set(err, -EISDIR,
				  "%s: a directory: 'bpfkit unload %s' removes what load pinned there",
				  path, path);
	if (!S_ISREG(sb.st_mode))
		return errmsg_set(err, -EINVAL, "%s: not a pin (a symlink?)", path);
	fd = bpf_obj_get(full);
	if (fd < 0)
		return errmsg_set(err, -errno, "%s: %s", path, strerror(errno));
	kind = kern_fd_describe(fd, &id);
	close(fd);
	if (check_only)
		return 0;
	if (unlink(full))
		return errmsg_set(err, -errno, "%s: %s", path, strerror(errno));
	return kern_removal_add(out, kind, full, id, NULL, false) ?
		errmsg_set(err, -ENOMEM, "out of memory") : 0;
}
