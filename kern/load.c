/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bpfkit load: validated bytes -> bpf_object -> options applied -> kernel -> pins. A verifier
 * rejection keeps the whole log: each program gets its own log buffer, grown on ENOSPC.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kload.h"
#include "object.h"

#define LOG_START_SIZE (64u << 10)
#define LOG_MAX_SIZE (UINT_MAX >> 2)	/* the kernel refuses larger log buffers */

static int find_prog_type(const char *name, enum bpf_prog_type *type)
{
	enum bpf_attach_type at;
	const char *s;

	for (int t = 0; (s = libbpf_bpf_prog_type_str(t)); t++)
		if (!strcmp(s, name)) {
			*type = t;
			return 0;
		}
	return libbpf_prog_type_by_name(name, type, &at);	/* a section name: "xdp", "tp/..." */
}

static bool selected(const struct kern_load_opts *o, const char *name)
{
	if (!o->nr_programs)
		return true;
	for (size_t i = 0; i < o->nr_programs; i++)
		if (!strcmp(o->programs[i], name))
			return true;
	return false;
}

static int usage(struct kern_load_result *r, struct errmsg *err, int code)
{
	r->usage = true;
	return code;
}

/* --program, --type: which programs load, and as what. */
static int choose_programs(struct bpf_object *obj, const struct kern_load_opts *o,
			   struct kern_load_result *r, struct errmsg *err)
{
	enum bpf_prog_type type = BPF_PROG_TYPE_UNSPEC;
	struct bpf_program *p;
	char names[256] = "";

	if (o->type && find_prog_type(o->type, &type))
		return usage(r, err, errmsg_set(err, -EINVAL,
			"--type: unknown program type '%s' (e.g. xdp, sched_cls, tracepoint, raw_tracepoint, kprobe)",
			o->type));
	for (size_t i = 0; i < o->nr_programs; i++)
		if (!bpf_object__find_program_by_name(obj, o->programs[i])) {
			bpf_object__for_each_program(p, obj)
				snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
					 names[0] ? ", " : "", bpf_program__name(p));
			return usage(r, err, errmsg_set(err, -ENOENT,
				"--program: no program '%s' in the object; it has: %s",
				o->programs[i], names[0] ? names : "none"));
		}
	bpf_object__for_each_program(p, obj) {
		bool on = selected(o, bpf_program__name(p));

		bpf_program__set_autoload(p, on);
		if (on && o->type)
			bpf_program__set_type(p, type);
	}
	return 0;
}

static int reuse_maps(struct bpf_object *obj, const struct kern_load_opts *o,
		      struct kern_load_result *r, struct errmsg *err)
{
	for (size_t i = 0; i < o->nr_reuse; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, o->reuse[i].map);
		int fd, ret;

		if (!m)
			return usage(r, err, errmsg_set(err, -ENOENT,
				"--reuse-map: no map '%s' in the object", o->reuse[i].map));
		fd = bpf_obj_get(o->reuse[i].path);
		if (fd < 0)
			return errmsg_set(err, -errno, "--reuse-map: %s: %s", o->reuse[i].path,
					  strerror(errno));
		ret = bpf_map__reuse_fd(m, fd);	/* dups fd */
		close(fd);
		if (ret)
			return errmsg_set(err, ret, "--reuse-map %s: %s", o->reuse[i].map,
					  strerror(-ret));
	}
	return 0;
}

static int apply_sets(struct bpf_object *obj, const struct kern_load_opts *o,
		      struct kern_load_result *r, struct errmsg *err)
{
	for (size_t i = 0; i < o->nr_sets; i++) {
		const char *eq = strchr(o->sets[i], '=');
		char name[128];
		int ret;

		if (!eq || eq == o->sets[i] || (size_t)(eq - o->sets[i]) >= sizeof(name))
			return usage(r, err, errmsg_set(err, -EINVAL,
				"--set: '%s' is not VAR=VALUE", o->sets[i]));
		memcpy(name, o->sets[i], eq - o->sets[i]);
		name[eq - o->sets[i]] = '\0';
		ret = kern_set_global(obj, name, eq + 1, err);
		if (ret)
			return ret == -EINVAL || ret == -ENOENT || ret == -ERANGE ?
				usage(r, err, ret) : ret;
	}
	return 0;
}

/* Each selected program logs into its own buffer: the one with text is the one refused. */
struct logbufs {
	char **bufs;
	size_t n;
	size_t size;
};

static void logbufs_free(struct logbufs *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->bufs[i]);
	free(l->bufs);
	l->bufs = NULL;
	l->n = 0;
}

/* Did the verifier write anything (only a refused program gets a log)? */
static bool logbufs_used(const struct logbufs *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->bufs[i][0])
			return true;
	return false;
}

static int give_log_bufs(struct bpf_object *obj, struct logbufs *l)
{
	struct bpf_program *p;
	size_t n = 0;

	bpf_object__for_each_program(p, obj)
		n++;
	l->bufs = calloc(n ? n : 1, sizeof(*l->bufs));
	if (!l->bufs)
		return -ENOMEM;
	bpf_object__for_each_program(p, obj) {
		l->bufs[l->n] = calloc(1, l->size);
		if (!l->bufs[l->n])
			return -ENOMEM;
		bpf_program__set_log_buf(p, l->bufs[l->n], l->size);
		l->n++;
	}
	return 0;
}

void kern_keep_only_existing_pins(struct bpf_object *obj)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		const char *path = bpf_map__pin_path(m);

		if (path && access(path, F_OK) != 0)
			bpf_map__set_pin_path(m, NULL);
	}
}

/* LIBBPF_PIN_BY_NAME pins that exist before load are shared, not ours to remove. */
struct pathlist {
	char **paths;
	size_t n;
};

static void pathlist_free(struct pathlist *pl)
{
	for (size_t i = 0; i < pl->n; i++)
		free(pl->paths[i]);
	free(pl->paths);
	pl->paths = NULL;
	pl->n = 0;
}

static void note_existing_pins(struct bpf_object *obj, struct pathlist *pl)
{
	struct bpf_map *m;

	pathlist_free(pl);
	bpf_object__for_each_map(m, obj) {
		const char *path = bpf_map__pin_path(m);
		char **t;

		if (!path || access(path, F_OK) != 0)
			continue;
		t = realloc(pl->paths, (pl->n + 1) * sizeof(*t));
		if (!t || !(t[pl->n] = strdup(path))) {
			if (t)
				pl->paths = t;
			continue;
		}
		pl->paths = t;
		pl->n++;
	}
}

static void mark_reused(struct kern_load_result *r, const struct kern_load_opts *o,
			const struct pathlist *existed)
{
	for (size_t i = 0; i < r->nr_maps; i++) {
		struct kern_loaded_map *lm = &r->maps[i];

		for (size_t k = 0; lm->by_name && k < existed->n; k++)
			if (!strcmp(existed->paths[k], lm->pinned))
				lm->reused = true;
		for (size_t k = 0; k < o->nr_reuse; k++) {
			struct bpf_map *m = bpf_object__find_map_by_name(r->obj, o->reuse[k].map);

			if (m && !strcmp(bpf_map__name(m), lm->name))
				lm->reused = true;
		}
	}
}

/* A new bpf_object over the checked bytes for each try (a retry grows the log buffers). */
static int prepare(const struct bk_object *bo, const struct kern_load_opts *o,
		   struct kern_load_result *r, struct logbufs *l, struct errmsg *err)
{
	int ret = bk_object_bpf_open(bo, bo->obj_name, &r->obj, err);

	if (!ret)
		ret = choose_programs(r->obj, o, r, err);
	if (!ret)
		ret = apply_sets(r->obj, o, r, err);
	if (!ret)
		ret = reuse_maps(r->obj, o, r, err);
	if (!ret && !o->pin_dir)
		kern_keep_only_existing_pins(r->obj);
	if (!ret && give_log_bufs(r->obj, l))
		ret = errmsg_set(err, -ENOMEM, "out of memory");
	return ret;
}

/* The refused program's whole log, and what the object's line info says about it. */
static int report_rejection(const struct bk_object *bo, struct kern_load_result *r,
			    struct logbufs *l, size_t main_cnt[], int code, struct errmsg *err)
{
	struct kern_verifier *v = calloc(1, sizeof(*v));
	struct bpf_program *p, *bad = NULL;
	size_t i = 0, bad_i = 0;

	if (!v)
		return errmsg_set(err, -ENOMEM, "out of memory");
	bpf_object__for_each_program(p, r->obj) {
		if (!bad && l->bufs[i][0]) {
			bad = p;
			bad_i = i;
		}
		i++;
	}
	v->program = strdup(bpf_program__name(bad));
	v->log = l->bufs[bad_i];	/* adopt the buffer */
	l->bufs[bad_i] = calloc(1, 1);
	v->log_len = strlen(v->log);
	kern_verifier_parse(v);
	kern_verifier_locate(bo, bad, main_cnt[bad_i], v);
	r->rejected = v;
	return errmsg_set(err, code, "%s: program '%s' rejected by the verifier: %s",
			  r->object_name, v->program, v->message ? v->message : "see the log");
}

static int load_with_logs(const struct bk_object *bo, const struct kern_load_opts *o,
			  struct kern_load_result *r, struct pathlist *existed,
			  struct errmsg *err)
{
	struct logbufs l = { .size = LOG_START_SIZE };
	size_t *main_cnt = NULL;
	int ret;

	for (;;) {
		struct bpf_program *p;
		size_t i = 0;

		ret = prepare(bo, o, r, &l, err);
		if (ret)
			break;
		free(main_cnt);
		main_cnt = calloc(l.n ? l.n : 1, sizeof(*main_cnt));
		if (!main_cnt) {
			ret = errmsg_set(err, -ENOMEM, "out of memory");
			break;
		}
		bpf_object__for_each_program(p, r->obj)	/* before subprograms are appended */
			main_cnt[i++] = bpf_program__insn_cnt(p);
		note_existing_pins(r->obj, existed);
		ret = bpf_object__load(r->obj);
		if (ret != -ENOSPC || l.size >= LOG_MAX_SIZE || !logbufs_used(&l))
			break;
		/* the log did not fit: the verifier is deterministic, so run it again, bigger */
		bpf_object__close(r->obj);
		r->obj = NULL;
		logbufs_free(&l);
		l.size = l.size > LOG_MAX_SIZE / 4 ? LOG_MAX_SIZE : l.size * 4;
	}
	if (ret && !err->code) {
		if (logbufs_used(&l))
			ret = report_rejection(bo, r, &l, main_cnt, ret, err);
		else if (ret == -EPERM || ret == -EACCES)
			ret = errmsg_set(err, ret,
					 "loading %s: %s: loading needs CAP_BPF (plus CAP_PERFMON for tracing, CAP_NET_ADMIN for networking programs) or root: run it with sudo",
					 r->object_name, strerror(-ret));
		else
			ret = errmsg_set(err, ret, "loading %s: %s (-d shows libbpf's messages)",
					 r->object_name, strerror(-ret));
	}
	free(main_cnt);
	logbufs_free(&l);
	return ret;
}

static void tag_hex(const unsigned char tag[8], char out[17])
{
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", tag[i]);
}

static int collect(struct kern_load_result *r, struct errmsg *err)
{
	struct bpf_program *p;
	struct bpf_map *m;
	size_t np = 0, nm = 0;

	bpf_object__for_each_program(p, r->obj)
		np++;
	bpf_object__for_each_map(m, r->obj)
		nm++;
	r->progs = calloc(np ? np : 1, sizeof(*r->progs));
	r->maps = calloc(nm ? nm : 1, sizeof(*r->maps));
	if (!r->progs || !r->maps)
		return errmsg_set(err, -ENOMEM, "out of memory");
	bpf_object__for_each_program(p, r->obj) {
		struct kern_loaded_prog *lp = &r->progs[r->nr_progs];
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (!bpf_program__autoload(p) || bpf_program__fd(p) < 0)
			continue;
		if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
			return errmsg_set(err, -errno, "program '%s': %s", bpf_program__name(p),
					  strerror(errno));
		lp->name = strdup(bpf_program__name(p));
		lp->type = libbpf_bpf_prog_type_str(bpf_program__type(p));
		lp->id = info.id;
		tag_hex(info.tag, lp->tag);
		r->nr_progs++;
	}
	bpf_object__for_each_map(m, r->obj) {
		struct kern_loaded_map *lm = &r->maps[r->nr_maps];
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);

		if (bpf_map__fd(m) < 0)
			continue;
		if (bpf_obj_get_info_by_fd(bpf_map__fd(m), &info, &len))
			return errmsg_set(err, -errno, "map '%s': %s", bpf_map__name(m),
					  strerror(errno));
		lm->name = strdup(bpf_map__name(m));
		lm->type = libbpf_bpf_map_type_str(bpf_map__type(m));
		lm->id = info.id;
		if (bpf_map__pin_path(m)) {
			lm->by_name = true;
			lm->pinned = strdup(bpf_map__pin_path(m));
		}
		r->nr_maps++;
	}
	return 0;
}

/* "maps_bpf.rodata" -> "maps_bpf_rodata": bpffs refuses '.' in names. */
static void pin_name(const char *name, char *buf, size_t len)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < len; i++)
		buf[i] = name[i] == '.' || name[i] == '/' ? '_' : name[i];
	buf[i] = '\0';
}

static int pin_all(struct kern_load_result *r, const struct kern_load_opts *o,
		   struct kern_pinset *pins, struct errmsg *err)
{
	char dir[4096], sub[4200], name[128];
	struct bpf_program *p;
	struct bpf_map *m;
	size_t i = 0;
	int ret;

	ret = kern_pin_mkdir(o->pin_dir, pins, dir, sizeof(dir), err);
	if (ret)
		return ret;
	r->pin_dir = strdup(dir);
	snprintf(sub, sizeof(sub), "%s/progs", dir);
	if (r->nr_progs && (ret = kern_pin_mkdir(sub, pins, sub, sizeof(sub), err)))
		return ret;
	bpf_object__for_each_program(p, r->obj) {
		if (i >= r->nr_progs || strcmp(r->progs[i].name, bpf_program__name(p)))
			continue;
		pin_name(bpf_program__name(p), name, sizeof(name));
		ret = kern_pin_fd(bpf_program__fd(p), sub, name, o->force, pins,
				  &r->progs[i].pinned, err);
		if (ret)
			return ret;
		i++;
	}
	snprintf(sub, sizeof(sub), "%s/maps", dir);
	i = 0;
	bpf_object__for_each_map(m, r->obj) {
		struct kern_loaded_map *lm = &r->maps[i];

		if (i >= r->nr_maps || strcmp(lm->name, bpf_map__name(m)))
			continue;
		i++;
		if (lm->by_name || lm->reused)
			continue;
		if ((ret = kern_pin_mkdir(sub, pins, sub, sizeof(sub), err)))
			return ret;
		pin_name(bpf_map__name(m), name, sizeof(name));
		ret = kern_pin_fd(bpf_map__fd(m), sub, name, o->force, pins, &lm->pinned, err);
		if (ret)
			return ret;
	}
	return 0;
}

/* After a failure past load: the by-name pins libbpf made for us go too. */
static void unpin_by_name(struct kern_load_result *r)
{
	for (size_t i = 0; i < r->nr_maps; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(r->obj, r->maps[i].name);

		if (m && r->maps[i].by_name && !r->maps[i].reused)
			bpf_map__unpin(m, NULL);
	}
}

int kern_load(const struct bk_object *bo, const struct kern_load_opts *o,
	      struct kern_load_result *r, struct errmsg *err)
{
	struct kern_pinset pins = { 0 };
	struct pathlist existed = { 0 };
	int ret;

	memset(r, 0, sizeof(*r));
	snprintf(r->object_name, sizeof(r->object_name), "%s", bo->obj_name[0] ? bo->obj_name : "obj");
	if (o->pin_dir && !o->force && (ret = kern_manifest_check_free(o->pin_dir, err)))
		return ret;
	ret = load_with_logs(bo, o, r, &existed, err);
	if (!ret)
		ret = collect(r, err);
	if (!ret)
		mark_reused(r, o, &existed);
	if (!ret && o->pin_dir)
		ret = pin_all(r, o, &pins, err);
	if (!ret && o->pin_dir)
		ret = kern_manifest_write(r, o->source_path ? o->source_path : bo->name, &pins, err);
	if (ret && r->nr_maps)
		unpin_by_name(r);
	if (ret)
		kern_pinset_rollback(&pins);
	kern_pinset_free(&pins);
	pathlist_free(&existed);
	return ret;
}

void kern_verifier_free(struct kern_verifier *v)
{
	if (!v)
		return;
	free(v->program);
	free(v->file);
	free(v->line_text);
	free(v->message);
	free(v->log);
	free(v);
}

void kern_load_free(struct kern_load_result *r)
{
	for (size_t i = 0; i < r->nr_progs; i++) {
		free(r->progs[i].name);
		free(r->progs[i].pinned);
	}
	for (size_t i = 0; i < r->nr_maps; i++) {
		free(r->maps[i].name);
		free(r->maps[i].pinned);
	}
	free(r->progs);
	free(r->maps);
	free(r->pin_dir);
	free(r->manifest);
	kern_verifier_free(r->rejected);
	bpf_object__close(r->obj);
	memset(r, 0, sizeof(*r));
}
