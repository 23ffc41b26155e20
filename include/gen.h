/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * gen/: from source to shippable object. Compiling (build), stripping, skeleton and
 * vmlinux.h generation, static linking and packaging. Like every module, nothing here prints
 * or exits: functions return 0 or a negative errno and describe failures in struct errmsg.
 * Every file written goes to a temporary file in the destination directory first and is
 * renamed into place only when complete.
 */
#ifndef BPFKIT_GEN_H
#define BPFKIT_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "errmsg.h"

struct bk_object;	/* include/object.h: every object comes in through its gate */

/* ---- gen/sha256.c: FIPS 180-4 SHA-256 (no crypto library in our dependencies) ---- */
struct sha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes hashed so far */
	uint8_t buf[64];
	size_t n;		/* bytes pending in buf */
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
void sha256_final(struct sha256 *c, uint8_t out[32]);
void sha256_buf(const void *data, size_t len, uint8_t out[32]);
void sha256_hex(const uint8_t digest[32], char hex[65]);

/* ---- gen/file.c: whole-file reads and atomic writes ---- */
#define GEN_MAX_INPUT (512u << 20)	/* refuse inputs above 512 MiB */

/* Read a regular file into a malloc'ed buffer (NUL-terminated, not counted in *size). */
int gen_read_file(const char *path, void **data, size_t *size, struct errmsg *err);
/* The same from an open descriptor (standard input); name is for messages. */
int gen_read_fd(int fd, const char *name, void **data, size_t *size, struct errmsg *err);

/*
 * A file being written: a temp file in the directory of path. gen_out_commit() fsyncs and
 * renames it over path; gen_out_abort() removes it. Exactly one of the two must be called.
 */
struct gen_out {
	int fd;
	char path[4096];
	char tmp[4096];
};
int gen_out_open(struct gen_out *o, const char *path, mode_t mode, struct errmsg *err);
int gen_out_commit(struct gen_out *o, struct errmsg *err);
void gen_out_abort(struct gen_out *o);
int gen_write_atomic(const char *path, const void *data, size_t size, mode_t mode,
		     struct errmsg *err);
int gen_write_all(int fd, const void *data, size_t size);
/* Cache entries: like gen_write_atomic() but never replace an existing file (first wins). */
int gen_write_cache(const char *path, const void *data, size_t size, struct errmsg *err);
int gen_publish_tmp(const char *tmp, const char *path, struct errmsg *err);

/* mkdir -p with mode 0755; 0 when the directory exists afterwards. */
int gen_mkdir_p(const char *dir, struct errmsg *err);

/* ---- gen/vmlinux.c and gen/cache.c ---- */
/* Write vmlinux.h for raw BTF bytes (same text as `bpftool btf dump file F format c`). */
int gen_vmlinux_write(const void *btf_data, size_t size, FILE *f, struct errmsg *err);
/* The cache root: $BPFKIT_CACHE_DIR, $XDG_CACHE_HOME/bpfkit or ~/.cache/bpfkit (created). */
int gen_cache_root(char *buf, size_t size, struct errmsg *err);
/* SHA-256 of a file, memoized in the cache by (path, dev, inode, size, mtime, ctime, boot). */
int gen_file_hash(const char *path, char hex[65], struct errmsg *err);
/*
 * Make sure a cached vmlinux.h generated from btf_path exists and return its directory
 * (cache/vmlinux/<btf sha256>/) and the BTF hash. *generated tells whether it was made now.
 * btf_path NULL: the running kernel's ($BPFKIT_KERNEL_BTF, else /sys/kernel/btf/vmlinux).
 */
int gen_cache_vmlinux(const char *btf_path, char *dir, size_t dir_size, char hash[65],
		      bool *generated, struct errmsg *err);

/* ---- gen/cache.c: the cache's size limit (least recently used first) ---- */
struct gen_cache_entry {
	char *path;
	const char *kind;		/* "vmlinux.h" or "pch" */
	uint64_t bytes;
	time_t used;			/* last use (mtime, touched on each use) */
	bool removed;			/* by gen_cache_prune() */
};
struct gen_cache_list {
	char root[4096];
	struct gen_cache_entry *v;
	size_t n, cap;
	uint64_t total;			/* bytes when scanned */
};
/* $BPFKIT_CACHE_MAX (bytes, or with K/M/G), default 256 MiB. */
uint64_t gen_cache_limit(void);
void gen_cache_touch(const char *path);
int gen_cache_scan(struct gen_cache_list *l, struct errmsg *err);
/* Remove least recently used entries until the cache fits limit (all: every entry); l says
 * what was there and what went. */
int gen_cache_prune(uint64_t limit, bool all, struct gen_cache_list *l, struct errmsg *err);
uint64_t gen_cache_live_bytes(const struct gen_cache_list *l);
void gen_cache_list_free(struct gen_cache_list *l);

/* ---- gen/clang.c: finding clang, spawning tools ---- */
struct gen_clang {
	char path[4096];
	char version[256];	/* first line of `clang --version` */
	int major;
};
/*
 * Find clang: cc if given, else $CLANG, else `clang`, else the newest clang-N on PATH; check
 * it runs and has the BPF target. Results are memoized in the cache (by binary identity).
 */
int gen_find_clang(const char *cc, struct gen_clang *c, struct errmsg *err);
/* Run argv (argv[0] looked up in PATH unless it has a '/'); stdio inherited, or stdout to
 * out_fd when >= 0. Returns the exit status (0..255), 128+sig, or -errno if it can't run. */
int gen_spawn(char *const argv[], int out_fd);
/* Same, capturing stdout (and stderr when merge) into a malloc'ed NUL-terminated buffer. */
int gen_spawn_capture(char *const argv[], bool merge, char **out);

/* ---- gen/build.c ---- */
struct gen_build_opts {
	const char *src;
	const char *out;		/* NULL: SRC with .c replaced by .o */
	const char *arch;		/* NULL: the running machine's */
	const char *vmlinux;		/* use this header instead of one generated from BTF */
	const char *btf;		/* BTF to generate vmlinux.h from (default: the kernel's) */
	const char *cc;
	const char **incs;		/* -I */
	int n_incs;
	const char **defs;		/* -D */
	int n_defs;
	bool color;			/* -fcolor-diagnostics, else -fno-color-diagnostics */
	bool no_pch;
};
struct gen_build_result {
	char out[4096];
	char clang[4096];
	char clang_version[256];
	char vmlinux_dir[4096];		/* empty when no vmlinux.h was provided */
	bool vmlinux_generated;		/* made during this build (cold cache) */
	bool pch_used;
	bool pch_built;
	char pch_skip[512];		/* why no precompiled header, when not used */
	int status;			/* clang's exit status; nonzero: diagnostics were printed */
	char tmp[4096 + 32];		/* the object clang wrote, not yet at out */
};
/* Kernel arch name (__TARGET_ARCH_<arch>) for a uname machine or an arch name; NULL if unknown. */
const char *gen_target_arch(const char *machine);
/* Compile to r->tmp; nothing is at r->out until gen_build_publish() renames it there.
 * gen_build_discard() removes it (a check failed). */
int gen_build(const struct gen_build_opts *o, struct gen_build_result *r, struct errmsg *err);
int gen_build_publish(struct gen_build_result *r, struct errmsg *err);
void gen_build_discard(struct gen_build_result *r);

/* ---- gen/check.c: sanity checks on a compiled object ---- */
struct gen_check {
	char **warnings;		/* one line each */
	int n_warnings;
	char license[128];
	int n_progs;
};
/* Errors (no .BTF, unknown program section) return -EINVAL; warnings are collected. */
int gen_check_object(const struct bk_object *o, struct gen_check *chk, struct errmsg *err);
void gen_check_free(struct gen_check *chk);

/* ---- gen/elfrw.c + gen/strip.c: rewriting BPF ELF files with libelf ---- */
#define GEN_MANIFEST_SEC ".bpfkit.manifest"
/* True for the sections the loader never reads: .debug_*, their relocations, .llvm_addrsig,
 * .comment. */
bool gen_sec_is_debug(const char *name, uint32_t type);

struct gen_rewrite {
	bool strip;			/* drop gen_sec_is_debug() sections */
	bool drop_manifest;		/* drop an existing .bpfkit.manifest */
	const void *add_data;		/* append one section (manifest) when add_name != NULL */
	size_t add_size;
	const char *add_name;
	const void *btf_data;		/* replaces .BTF when set (strip --keep-types) */
	size_t btf_size;
};
/* Rewrite in as asked into out_path atomically. */
int gen_elf_rewrite(const struct bk_object *in, const struct gen_rewrite *rw,
		    const char *out_path, mode_t mode, struct errmsg *err);
/* strip in to out (which may be in's own path: its mode and symlink are kept); *after is
 * the size written. */
int gen_strip(const struct bk_object *in, const char *out, size_t *after, struct errmsg *err);
/* The same with .BTF replaced by btf_data (the object's .BTF with types appended). */
int gen_strip_btf(const struct bk_object *in, const char *out, const void *btf_data,
		  size_t btf_size, size_t *after, struct errmsg *err);

/* SHA-256 of the loadable content (gen/package.c has the exact, persisted definition). */
int gen_content_hash(const struct bk_object *o, char hex[65], struct errmsg *err);

/* ---- gen/skeleton.c ---- */
/* Default skeleton name for an object path: basename, ".o" removed, non-identifier -> '_'. */
void gen_skel_name(const char *path, char *name, size_t size);
int gen_skeleton(struct bk_object *o, const char *name, FILE *f, struct errmsg *err);
/* The skeleton as malloc'ed text (name NULL: from the object's file name). */
int gen_skeleton_text(struct bk_object *o, const char *name, char **text, size_t *len,
		      struct errmsg *err);

/* ---- gen/link.c ---- */
int gen_link(const char *out, struct bk_object *const *in, int n_in, struct errmsg *err);

/* ---- gen/package.c ---- */
struct gen_attach {
	const char *prog;
	const char *target;
};
struct gen_package_opts {
	const struct gen_attach *attach;	/* overrides of default attach targets */
	int n_attach;
	const char *source;			/* recorded as build information */
	const char *version;			/* bpfkit version */
	const char *oci_dir;			/* also write an OCI image layout here */
};
/* Build the manifest (cJSON text, malloc'ed) for an object, with its content hash. */
int gen_manifest(struct bk_object *obj, const struct gen_package_opts *o, char **json,
		 struct errmsg *err);
int gen_package(struct bk_object *in, const char *out, const struct gen_package_opts *o,
		struct errmsg *err);
struct gen_verify {
	char sha256[65];
	char manifest_sha256[65];
	bool hash_ok;
	bool manifest_ok;		/* programs and maps listed match the object */
	char problem[256];		/* first mismatch, when !manifest_ok */
	char *manifest;			/* the manifest text (malloc'ed) */
};
int gen_package_verify(struct bk_object *obj, struct gen_verify *v, struct errmsg *err);
/* The manifest text of an object, or NULL (returns 0) when it has none. */
int gen_manifest_read(const struct bk_object *obj, char **json, struct errmsg *err);
int gen_oci_write(const char *dir, const void *obj, size_t obj_size, const char *name,
		  const char *manifest_json, struct errmsg *err);

#endif
