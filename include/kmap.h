/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * kern/map.c: maps the kernel holds. Open by id, name or pin; describe (bpftool's fields);
 * read and write elements; iterate in batches (constant memory, whatever the map's size).
 * Like every kern/ module: returns 0 or -errno with struct errmsg set, never prints.
 */
#ifndef BPFKIT_KMAP_H
#define BPFKIT_KMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/bpf.h>

#include "errmsg.h"

struct kmap {
	int fd;			/* owned; -1 when closed */
	struct bpf_map_info info;
	/* from /proc/self/fdinfo, as bpftool reads them */
	uint64_t memlock;
	bool frozen;
	int owner_prog_type;	/* prog arrays: type of the programs it holds; -1 unknown */
	int owner_jited;	/* -1 unknown */
};

/* "no map with id N" (-ENOENT), privileges (-EPERM with the fix). */
int kmap_open_id(uint32_t id, struct kmap *m, struct errmsg *err);
/* A pinned path: it must exist and be a map. */
int kmap_open_pinned(const char *path, struct kmap *m, struct errmsg *err);
void kmap_close(struct kmap *m);

/* Ids of the maps named name (every one; *n may be 0); *ids is malloc()ed. */
int kmap_ids_by_name(const char *name, uint32_t **ids, size_t *n, struct errmsg *err);
/* All map ids, ascending. */
int kmap_ids_all(uint32_t **ids, size_t *n, struct errmsg *err);

/* "hash", "percpu_array", ... (libbpf's names, as bpftool); NULL when unknown. */
const char *kmap_type_str(uint32_t type);
bool kmap_is_percpu(uint32_t type);
/* Map-in-map and prog/fd arrays: user space reads and writes ids/fds, not bytes. */
bool kmap_holds_ids(uint32_t type);
int kmap_ncpus(void);
/* Bytes a lookup writes for one element: value_size, or per CPU rounded up to 8. */
size_t kmap_value_bytes(const struct kmap *m);
/* Why dump/lookup cannot read this type and how to read it instead; NULL if it can. */
const char *kmap_unreadable(uint32_t type);

/* The map's BTF (key and value types: info.btf_key_type_id, btf_value_type_id); *btf is
 * NULL when the map has none. Freed with btf__free(). */
struct btf;
int kmap_load_btf(const struct kmap *m, struct btf **btf, struct errmsg *err);

/* Elements. val is kmap_value_bytes() long. flags: BPF_ANY, BPF_EXIST, BPF_NOEXIST. */
int kmap_lookup(const struct kmap *m, const void *key, void *val, struct errmsg *err);
int kmap_update(const struct kmap *m, const void *key, const void *val, uint64_t flags,
		struct errmsg *err);
int kmap_delete(const struct kmap *m, const void *key, struct errmsg *err);
/* key NULL: the first key. -ENOENT at the end (no message set). */
int kmap_getnext(const struct kmap *m, const void *key, void *next, struct errmsg *err);
/*
 * Map-in-map and prog arrays store an fd: open it from how "id" (arg: a number) or
 * "pinned" (arg: a path), checking that it is a map or a program as the map wants.
 */
int kmap_value_fd(const struct kmap *m, const char *how, const char *arg, int *fd,
		  struct errmsg *err);
int kmap_freeze(const struct kmap *m, struct errmsg *err);
/* Pin under a bpffs mount; no "..", never over an existing file unless force. */
int kmap_pin(const struct kmap *m, const char *path, bool force, struct errmsg *err);

/*
 * Every element, a batch at a time: BPF_MAP_LOOKUP_BATCH where the map type has it, else
 * GET_NEXT_KEY + LOOKUP. Memory is one batch, whatever the size of the map. Elements
 * deleted while iterating are skipped.
 */
struct kmap_iter;
int kmap_iter_new(const struct kmap *m, uint32_t batch, struct kmap_iter **it,
		  struct errmsg *err);
/* 1 with *key and *val pointing into the batch (valid until the next call), 0 at the end. */
int kmap_iter_next(struct kmap_iter *it, const void **key, const void **val, struct errmsg *err);
void kmap_iter_free(struct kmap_iter *it);

/*
 * Prometheus text for maps (kern/map_metrics.c): key fields become labels, numeric value
 * fields samples (summed over CPUs), one metric per field: bpfkit_map_<map>_<field>.
 * A kmetrics_render_fn for kmetrics_start() with ctx a struct kmap_export.
 */
struct kbuf;
struct kmap_export {
	struct kmap *maps;
	struct btf **btfs;	/* per map, NULL without BTF */
	size_t n;
};
int kmap_metrics_render(void *ctx, struct kbuf *b);


#endif
