/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * kern/ load, pin, unload, gc: what `bpfkit load|unload|unpin|gc` do to the kernel.
 * Every function returns 0 or -errno with struct errmsg set, and never prints.
 */
#ifndef BPFKIT_KLOAD_H
#define BPFKIT_KLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errmsg.h"

struct bpf_object;
struct bk_object;	/* include/object.h: objects come in through its gate */

/* --set VAR=VALUE on a .rodata/.data/.bss global, through its BTF type. -EINVAL: bad input
 * (unknown name, value that does not fit), the message names the variable and its type. */
int kern_set_global(struct bpf_object *obj, const char *name, const char *value,
		    struct errmsg *err);

struct kern_reuse {
	const char *map;
	const char *path;
};

struct kern_load_opts {
	const char *const *programs;	/* --program: load only these; NULL/0 = all */
	size_t nr_programs;
	const char *type;		/* --type: program type name, or NULL */
	const char *const *sets;	/* --set VAR=VALUE */
	size_t nr_sets;
	const struct kern_reuse *reuse;	/* --reuse-map NAME=PINPATH */
	size_t nr_reuse;
	const char *pin_dir;		/* NULL: do not pin */
	bool force;			/* replace existing pins */
	const char *source_path;	/* recorded in the manifest: the OBJ operand */
};

/* Why the verifier said no, read from its log and the object's .BTF.ext. */
struct kern_verifier {
	char *program;
	int64_t insn;			/* failing instruction, -1 if the log names none */
	char insn_text[272];		/* its disassembly, "" if unknown */
	char *file;			/* source file, NULL if unknown */
	uint32_t line;
	char *line_text;		/* the source line, NULL if unknown */
	char *message;			/* the verifier's own words */
	const char *hint;		/* one line, NULL when no class matched */
	char *log;			/* the whole log, never truncated */
	size_t log_len;
};

struct kern_loaded_prog {
	char *name;
	const char *type;
	uint32_t id;
	char tag[17];
	char *pinned;			/* NULL when not pinned */
};

struct kern_loaded_map {
	char *name;
	const char *type;
	uint32_t id;
	char *pinned;
	bool by_name;			/* LIBBPF_PIN_BY_NAME: pinned where the object asks */
	bool reused;			/* existed before (--reuse-map or an existing by-name pin) */
};

struct kern_load_result {
	struct bpf_object *obj;		/* loaded; closing it releases what is not pinned */
	char object_name[64];
	struct kern_loaded_prog *progs;
	size_t nr_progs;
	struct kern_loaded_map *maps;
	size_t nr_maps;
	char *pin_dir;			/* resolved, when pinned */
	char *manifest;			/* its path, when pinned */
	struct kern_verifier *rejected;	/* set when the verifier refused a program */
	bool usage;			/* the error is the caller's input (exit 2) */
};

/* For a load that must leave nothing behind (load without --pin, trace run): maps the object
 * marks LIBBPF_PIN_BY_NAME reuse an existing pin (what the object asks for) but make no new
 * one. Call between open and load. */
void kern_keep_only_existing_pins(struct bpf_object *obj);

int kern_load(const struct bk_object *o, const struct kern_load_opts *opts,
	      struct kern_load_result *r, struct errmsg *err);
void kern_load_free(struct kern_load_result *r);

/* Parse a verifier log into v (program name, insn, message, hint); kern/verifier.c. */
void kern_verifier_parse(struct kern_verifier *v);
/* Disassemble the failing instruction of prog (its main part had main_cnt instructions before
 * subprograms were appended) and find its source line in the object's .BTF.ext. */
struct bpf_program;
void kern_verifier_locate(const struct bk_object *o, const struct bpf_program *prog,
			  size_t main_cnt, struct kern_verifier *v);
void kern_verifier_free(struct kern_verifier *v);

/* ---- pins (kern/pin.c) ----------------------------------------------------------------- */

/* Pins and directories made so far, so a failure removes exactly them. */
struct kern_pinset {
	char **paths;
	size_t nr;
	char **dirs;			/* created, in creation order */
	size_t nr_dirs;
};

/*
 * Make dir (and its parents) inside a bpffs mount: refuses "..", a path that resolves (through
 * symlinks) outside bpffs, and a regular file in the way. resolved gets the real path.
 */
int kern_pin_mkdir(const char *dir, struct kern_pinset *p, char *resolved, size_t len,
		   struct errmsg *err);
/* Pin fd at dir/name (dir from kern_pin_mkdir); an existing pin is replaced only if force. */
int kern_pin_fd(int fd, const char *dir, const char *name, bool force, struct kern_pinset *p,
		char **path, struct errmsg *err);
/* Remove every pin and directory recorded in p (in reverse), then forget them. */
void kern_pinset_rollback(struct kern_pinset *p);
void kern_pinset_free(struct kern_pinset *p);
/* 0 when path is (or would be created) inside a bpffs mount, resolved through symlinks. */
int kern_bpffs_check(const char *path, char *resolved, size_t len, struct errmsg *err);

/* "prog", "map" or "link" for a BPF object fd (from its fdinfo), and its id. */
const char *kern_fd_describe(int fd, uint32_t *id);

/* ---- manifests (kern/manifest.c) -------------------------------------------------------- */

/* Where manifests live: $BPFKIT_MANIFEST_DIR or /run/bpfkit/manifests. */
const char *kern_manifest_dir(void);
/* The manifest path for a resolved pin directory. */
int kern_manifest_path(const char *pin_dir, char *buf, size_t len);
/* -EEXIST when a manifest already describes pin_dir (another load owns it). */
int kern_manifest_check_free(const char *pin_dir, struct errmsg *err);
int kern_manifest_write(const struct kern_load_result *r, const char *source,
			const struct kern_pinset *p, struct errmsg *err);
/* Record a link pinned after the load (load --attach --pin) and the directory made for it,
 * so unload removes them first. */
int kern_manifest_add_link(const char *pin_dir, const char *name, uint32_t id,
			   const char *pinned, const char *dir, struct errmsg *err);
/* The object (as given to load: path or @NAME) and pin dir of a program bpfkit loaded and
 * pinned; -ENOENT if none. */
int kern_manifest_find_prog(uint32_t prog_id, char *object, size_t object_len, char *pin_dir,
			    size_t pin_dir_len);

/* One thing unload/unpin/gc removed (or would remove, or kept). */
struct kern_removed {
	const char *kind;		/* "link", "prog", "map", "dir", "manifest", "pin" */
	char *path;
	uint32_t id;			/* 0 when none */
	const char *reason;		/* why (gc), or why it was kept */
	bool kept;			/* not removed: see reason */
};

struct kern_removals {
	struct kern_removed *items;
	size_t nr;
};

void kern_removals_free(struct kern_removals *r);
int kern_removal_add(struct kern_removals *r, const char *kind, const char *path, uint32_t id,
		     const char *reason, bool kept);

/* Remove what the manifest for dir lists. -ENOENT (nothing to do) when there is none. */
int kern_unload(const char *dir, struct kern_removals *out, struct errmsg *err);
/* Remove one pin (inside bpffs only); with check_only, only say whether it could be. */
int kern_unpin(const char *path, bool check_only, struct kern_removals *out,
	       struct errmsg *err);
/* Find stale pins under root (default /sys/fs/bpf) and remove them unless dry_run. */
int kern_gc(const char *root, bool dry_run, struct kern_removals *out, struct errmsg *err);

#endif
