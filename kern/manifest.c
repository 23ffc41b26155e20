/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Manifests: what `load --pin` created, so `unload` removes exactly that. bpffs holds only
 * BPF objects and directories, so a manifest lives in /run/bpfkit/manifests (tmpfs: it goes
 * away at reboot, like the pins it describes), one JSON file per pin directory, named after
 * the directory ('/' -> '-', other bytes outside [A-Za-z0-9_] as %XX).
 */
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

#include <bpf/bpf.h>
#include <cjson/cJSON.h>

#include "kload.h"

const char *kern_manifest_dir(void)
{
	const char *d = getenv("BPFKIT_MANIFEST_DIR");

	return d && *d ? d : "/run/bpfkit/manifests";
}

int kern_manifest_path(const char *pin_dir, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "%s/", kern_manifest_dir());
	const unsigned char *s = (const unsigned char *)pin_dir;

	while (*s == '/')
		s++;
	for (; *s && n + 8 < len; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_')
			buf[n++] = (char)*s;
		else if (*s == '/')
			buf[n++] = '-';
		else
			n += (size_t)snprintf(buf + n, len - n, "%%%02X", *s);
	}
	if (*s || n + 6 > len)
		return -ENAMETOOLONG;
	snprintf(buf + n, len - n, ".json");
	return 0;
}

static int mkdir_p(const char *dir)
{
	char tmp[PATH_MAX];

	if (strlen(dir) >= sizeof(tmp))
		return -ENAMETOOLONG;
	strcpy(tmp, dir);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(tmp, 0700) && errno != EEXIST ? -errno : 0;
}

static cJSON *str_list(char *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; a && i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

static cJSON *read_manifest(const char *path, int *ret);

/* A load --force over an earlier one keeps the directories the earlier load made... */
static cJSON *dir_list(const cJSON *old, const struct kern_pinset *p)
{
	cJSON *a = str_list(p->dirs, p->nr_dirs);
	const cJSON *d;
	int at = 0;

	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(old, "dirs")) {
		bool dup = false;
		const cJSON *x;

		cJSON_ArrayForEach(x, a)
			dup |= cJSON_IsString(d) && !strcmp(x->valuestring, d->valuestring);
		if (a && !dup && cJSON_IsString(d) && access(d->valuestring, F_OK) == 0)
			cJSON_InsertItemInArray(a, at++, cJSON_CreateString(d->valuestring));
	}
	return a;
}

/* ...and the entries of the earlier load whose pins still exist and were not replaced. */
static void carry_over(cJSON *m, const cJSON *old, const char *key)
{
	cJSON *now = cJSON_GetObjectItemCaseSensitive(m, key);
	const cJSON *it, *x;

	if (!now)
		now = cJSON_AddArrayToObject(m, key);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(old, key)) {
		const cJSON *pin = cJSON_GetObjectItemCaseSensitive(it, "pinned");
		bool replaced = false;

		if (!cJSON_IsString(pin) || !pin->valuestring[0] ||
		    access(pin->valuestring, F_OK) != 0)
			continue;
		cJSON_ArrayForEach(x, now) {
			const cJSON *xp = cJSON_GetObjectItemCaseSensitive(x, "pinned");

			replaced |= cJSON_IsString(xp) && !strcmp(xp->valuestring, pin->valuestring);
		}
		if (!replaced)
			cJSON_AddItemToArray(now, cJSON_Duplicate(it, true));
	}
}

static cJSON *manifest_json(const struct kern_load_result *r, const char *source,
			    const struct kern_pinset *p, const cJSON *old)
{
	cJSON *m = cJSON_CreateObject(), *progs, *maps;

	cJSON_AddNumberToObject(m, "version", 1);
	cJSON_AddStringToObject(m, "object", r->object_name);
	cJSON_AddStringToObject(m, "source", source);
	cJSON_AddStringToObject(m, "pin_dir", r->pin_dir);
	cJSON_AddNumberToObject(m, "created_at", (double)time(NULL));
	cJSON_AddItemToObject(m, "dirs", dir_list(old, p));
	cJSON_AddItemToObject(m, "links", cJSON_CreateArray());
	progs = cJSON_AddArrayToObject(m, "progs");
	for (size_t i = 0; i < r->nr_progs; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", r->progs[i].name);
		cJSON_AddNumberToObject(o, "id", r->progs[i].id);
		cJSON_AddStringToObject(o, "tag", r->progs[i].tag);
		cJSON_AddStringToObject(o, "pinned", r->progs[i].pinned ? r->progs[i].pinned : "");
		cJSON_AddItemToArray(progs, o);
	}
	maps = cJSON_AddArrayToObject(m, "maps");
	for (size_t i = 0; i < r->nr_maps; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", r->maps[i].name);
		cJSON_AddNumberToObject(o, "id", r->maps[i].id);
		cJSON_AddStringToObject(o, "pinned", r->maps[i].pinned ? r->maps[i].pinned : "");
		cJSON_AddBoolToObject(o, "by_name", r->maps[i].by_name);
		cJSON_AddBoolToObject(o, "reused", r->maps[i].reused);
		cJSON_AddItemToArray(maps, o);
	}
	return m;
}

/* Write to a temporary file beside it and rename: never half a manifest. */
static int write_file(const char *path, const char *text, struct errmsg *err)
{
	char tmp[PATH_MAX + 16];
	size_t n = strlen(text);
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return errmsg_set(err, -errno, "%s: %s", tmp, strerror(errno));
	if (write(fd, text, n) != (ssize_t)n || fsync(fd) || close(fd)) {
		int e = errno ? errno : EIO;

		unlink(tmp);
		return errmsg_set(err, -e, "writing %s: %s", tmp, strerror(e));
	}
	if (rename(tmp, path)) {
		int e = errno;

		unlink(tmp);
		return errmsg_set(err, -e, "%s: %s", path, strerror(e));
	}
	return 0;
}

int kern_manifest_write(const struct kern_load_result *r, const char *source,
			const struct kern_pinset *p, struct errmsg *err)
{
	char path[PATH_MAX];
	cJSON *m, *old;
	char *text;
	int ret;

	if (kern_manifest_path(r->pin_dir, path, sizeof(path)))
		return errmsg_set(err, -ENAMETOOLONG, "%s: path too long", r->pin_dir);
	ret = mkdir_p(kern_manifest_dir());
	if (ret)
		return errmsg_set(err, ret, "%s: %s", kern_manifest_dir(), strerror(-ret));
	old = read_manifest(path, &ret);
	m = manifest_json(r, source, p, old);
	for (size_t i = 0; m && old && i < 3; i++)
		carry_over(m, old, (const char *[]){ "links", "progs", "maps" }[i]);
	cJSON_Delete(old);
	text = m ? cJSON_Print(m) : NULL;
	cJSON_Delete(m);
	if (!text)
		return errmsg_set(err, -ENOMEM, "out of memory");
	ret = write_file(path, text, err);
	free(text);
	if (!ret)
		((struct kern_load_result *)r)->manifest = strdup(path);
	return ret;
}

/* What load --attach --pin adds after the load: a pinned link, and the directory it made. */
int kern_manifest_add_link(const char *pin_dir, const char *name, uint32_t id,
			   const char *pinned, const char *dir, struct errmsg *err)
{
	char path[PATH_MAX];
	cJSON *m, *l, *dirs;
	char *text;
	int ret;

	if (kern_manifest_path(pin_dir, path, sizeof(path)))
		return errmsg_set(err, -ENAMETOOLONG, "%s: path too long", pin_dir);
	m = read_manifest(path, &ret);
	if (!m)
		return errmsg_set(err, ret, "%s: no manifest to record the link in: %s", path,
				  strerror(-ret));
	l = cJSON_CreateObject();
	dirs = cJSON_GetObjectItemCaseSensitive(m, "dirs");
	if (!l || !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(m, "links"))) {
		cJSON_Delete(l);
		cJSON_Delete(m);
		return errmsg_set(err, -EINVAL, "%s: not a load manifest", path);
	}
	cJSON_AddStringToObject(l, "name", name);
	cJSON_AddNumberToObject(l, "id", id);
	cJSON_AddStringToObject(l, "pinned", pinned);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(m, "links"), l);
	if (dir && cJSON_IsArray(dirs)) {	/* made last: removed first */
		bool known = false;
		const cJSON *d;

		cJSON_ArrayForEach(d, dirs)
			known |= cJSON_IsString(d) && !strcmp(d->valuestring, dir);
		if (!known)
			cJSON_AddItemToArray(dirs, cJSON_CreateString(dir));
	}
	text = cJSON_Print(m);
	cJSON_Delete(m);
	if (!text)
		return errmsg_set(err, -ENOMEM, "out of memory");
	ret = write_file(path, text, err);
	free(text);
	return ret;
}

int kern_manifest_check_free(const char *pin_dir, struct errmsg *err)
{
	char real[PATH_MAX], path[PATH_MAX];
	struct errmsg ignored = { 0 };

	/* a path outside bpffs is refused later, by the pinning itself, with its own message */
	if (kern_bpffs_check(pin_dir, real, sizeof(real), &ignored) ||
	    kern_manifest_path(real, path, sizeof(path)) || access(path, F_OK))
		return 0;
	return errmsg_set(err, -EEXIST,
			  "%s already holds what an earlier 'bpfkit load --pin' made (manifest %s): 'bpfkit unload %s' first, or --force to add to it",
			  real, path, real);
}

static cJSON *read_manifest(const char *path, int *ret)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;
	cJSON *m;

	if (!f) {
		*ret = -errno;
		return NULL;
	}
	do {
		char *t;

		if (n + 4096 + 1 > cap) {
			cap = (n + 4096 + 1) * 2;
			t = realloc(buf, cap);
			if (!t)
				break;
			buf = t;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	fclose(f);
	if (!buf) {
		*ret = -ENOMEM;
		return NULL;
	}
	buf[n] = '\0';
	m = cJSON_Parse(buf);
	free(buf);
	*ret = m ? 0 : -EBADMSG;
	return m;
}

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static uint32_t jid(const cJSON *o)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "id");

	return cJSON_IsNumber(v) && v->valuedouble >= 0 ? (uint32_t)v->valuedouble : 0;
}

int kern_manifest_find_prog(uint32_t prog_id, char *object, size_t object_len, char *pin_dir,
			    size_t pin_dir_len)
{
	DIR *d = opendir(kern_manifest_dir());
	struct dirent *de;
	int found = -ENOENT;

	if (!d)
		return -ENOENT;
	while (found && (de = readdir(d))) {
		char path[PATH_MAX];
		const cJSON *p;
		cJSON *m;
		int ret;

		if (!strstr(de->d_name, ".json") || strstr(de->d_name, ".tmp"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", kern_manifest_dir(), de->d_name);
		m = read_manifest(path, &ret);
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(m, "progs")) {
			if (jid(p) != prog_id)
				continue;
			snprintf(object, object_len, "%s", jstr(m, "source"));
			snprintf(pin_dir, pin_dir_len, "%s", jstr(m, "pin_dir"));
			found = 0;
			break;
		}
		cJSON_Delete(m);
	}
	closedir(d);
	return found;
}

/* ---- removal ----------------------------------------------------------------------------- */

void kern_removals_free(struct kern_removals *r)
{
	for (size_t i = 0; i < r->nr; i++)
		free(r->items[i].path);
	free(r->items);
	memset(r, 0, sizeof(*r));
}

int kern_removal_add(struct kern_removals *r, const char *kind, const char *path, uint32_t id,
		     const char *reason, bool kept)
{
	struct kern_removed *t = realloc(r->items, (r->nr + 1) * sizeof(*t));

	if (!t)
		return -ENOMEM;
	r->items = t;
	t[r->nr] = (struct kern_removed){ kind, strdup(path), id, reason, kept };
	if (!t[r->nr].path)
		return -ENOMEM;
	r->nr++;
	return 0;
}

/* Unlink a pin if it still holds the object id the manifest recorded. Gone: nothing to do. */
static int remove_listed(const char *kind, const char *path, uint32_t want,
			 struct kern_removals *out)
{
	uint32_t id;
	int fd;

	if (!path[0])
		return 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 :
			kern_removal_add(out, kind, path, want, "cannot open the pin", true);
	kern_fd_describe(fd, &id);
	close(fd);
	if (want && id != want)
		return kern_removal_add(out, kind, path, id,
					"holds another object now (replaced since load)", true);
	if (unlink(path) && errno != ENOENT)
		return kern_removal_add(out, kind, path, id, strerror(errno), true);
	return kern_removal_add(out, kind, path, id, NULL, false);
}

int kern_unload(const char *dir, struct kern_removals *out, struct errmsg *err)
{
	char real[PATH_MAX], mpath[PATH_MAX];
	const cJSON *it, *dirs;
	cJSON *m;
	int ret, n;

	memset(out, 0, sizeof(*out));
	ret = kern_bpffs_check(dir, real, sizeof(real), err);
	if (ret)
		return ret;
	if (kern_manifest_path(real, mpath, sizeof(mpath)))
		return errmsg_set(err, -ENAMETOOLONG, "%s: path too long", real);
	m = read_manifest(mpath, &ret);
	if (!m && ret == -ENOENT) {
		if (access(real, F_OK) == 0)
			return errmsg_set(err, -ENOENT,
					  "%s: no manifest (%s): it was not made by 'bpfkit load --pin'; remove single pins with 'bpfkit unpin'",
					  real, mpath);
		return 0;	/* unloaded already: nothing to do */
	}
	if (!m)
		return errmsg_set(err, ret, "%s: unreadable manifest: %s", mpath, strerror(-ret));
	/* links first (they hold programs), then programs, then maps */
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(m, "links"))
		ret = ret ?: remove_listed("link", jstr(it, "pinned"), jid(it), out);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(m, "progs"))
		ret = ret ?: remove_listed("prog", jstr(it, "pinned"), jid(it), out);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(m, "maps"))
		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "reused")))
			ret = ret ?: remove_listed("map", jstr(it, "pinned"), jid(it), out);
	dirs = cJSON_GetObjectItemCaseSensitive(m, "dirs");
	for (n = cJSON_GetArraySize(dirs) - 1; !ret && n >= 0; n--) {
		const char *d = cJSON_GetStringValue(cJSON_GetArrayItem(dirs, n));

		if (!d)
			continue;
		if (rmdir(d) == 0)
			ret = kern_removal_add(out, "dir", d, 0, NULL, false);
		else if (errno != ENOENT)
			ret = kern_removal_add(out, "dir", d, 0,
					       errno == ENOTEMPTY ? "not empty: holds pins the manifest does not list" : strerror(errno),
					       true);
	}
	if (!ret && unlink(mpath) == 0)
		ret = kern_removal_add(out, "manifest", mpath, 0, NULL, false);
	cJSON_Delete(m);
	return ret ? errmsg_set(err, ret, "out of memory") : 0;
}
