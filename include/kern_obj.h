/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Kernel objects as bpftool shows them: programs, links, who holds them (pids) and where
 * they are pinned. Functions return 0 or -errno with struct errmsg set; nothing prints.
 *
 * Listing many objects is a join: pins (one walk of bpffs), holders (one scan of /proc),
 * links (one pass over link ids) are each collected once into a table sorted by id, then
 * looked up per object, so `prog list` costs one pass of each, not one per program.
 */
#ifndef BPFKIT_KERN_OBJ_H
#define BPFKIT_KERN_OBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/bpf.h>

#include "errmsg.h"

/* KERN_STATS: a BPF_ENABLE_STATS fd, which keeps run-time stats on while it is open */
enum kern_kind { KERN_PROG, KERN_MAP, KERN_LINK, KERN_STATS, KERN_NR_KINDS };

/* ---- pins and holders -------------------------------------------------------------- */

struct kern_pin {
	enum kern_kind kind;
	uint32_t id;
	char *path;
};

struct kern_pins {
	struct kern_pin *v;
	size_t n;
};

/* Walk the bpffs mounts (or root, when given) for pinned objects of the kinds in mask
 * (1 << KERN_PROG | ...). Unreadable entries are skipped, as bpftool -f does. */
int kern_pins_scan(struct kern_pins *p, const char *root, unsigned int mask, struct errmsg *err);
/* Pins of (kind, id): *count entries from the returned index (count 0: none). */
size_t kern_pins_find(const struct kern_pins *p, enum kern_kind kind, uint32_t id, size_t *count);
void kern_pins_free(struct kern_pins *p);

struct kern_holder {
	enum kern_kind kind;
	uint32_t id;
	int pid;
	char comm[16];
	uint64_t memlock;	/* from the holder's fdinfo: the same in every fd of the object */
};

struct kern_holders {
	struct kern_holder *v;
	size_t n;
};

/* Processes holding fds of the kinds in mask, through /proc/PID/fdinfo (this process
 * excluded); one entry per (object, process). */
int kern_holders_scan(struct kern_holders *h, unsigned int mask, struct errmsg *err);
size_t kern_holders_find(const struct kern_holders *h, enum kern_kind kind, uint32_t id,
			 size_t *count);
void kern_holders_free(struct kern_holders *h);

/* A whole small /proc or /sys file into buf (NUL-terminated): open/read, no stdio (listings
 * read one per object). The bytes read, or -errno. */
ssize_t kern_read_small(const char *path, char *buf, size_t len);

/* The kind of a BPF fd (from its /proc/self/fd link), or -1. */
int kern_fd_kind(int fd);

/* "memlock" (or another key) of an fd's /proc/self/fdinfo: 0, or -ENOENT. */
int kern_fdinfo_u64(int fd, const char *key, uint64_t *v);

/* ---- selectors ----------------------------------------------------------------------- */

/* bpftool's selectors: id N, name NAME, tag TAG (programs), pinned PATH. */
enum kern_sel_kind { KERN_SEL_ID, KERN_SEL_NAME, KERN_SEL_TAG, KERN_SEL_PINNED };

struct kern_sel {
	enum kern_sel_kind kind;
	uint32_t id;
	const char *arg;	/* name, tag text or path */
};

/* Parse "id N", "N", "name X", "tag T", "pinned P" from argv: returns the words used (1 or
 * 2), or -EINVAL with a usage message. names_ok: name/tag are accepted (programs). */
int kern_sel_parse(struct kern_sel *s, int argc, char **argv, bool names_ok, struct errmsg *err);

/* Open every program the selector matches: *fds (malloc'd) holds *n fds; -ENOENT with a
 * message when none does. */
int kern_prog_open(const struct kern_sel *s, int **fds, size_t *n, struct errmsg *err);
/* One link by id or pin. */
int kern_link_open(const struct kern_sel *s, int *fd, struct errmsg *err);

/* ---- programs ------------------------------------------------------------------------- */

struct kern_prog {
	struct bpf_prog_info info;
	uint32_t *map_ids;	/* info.nr_map_ids of them */
	char name[128];		/* the full name from BTF when the kernel's is cut at 15 */
	bool orphaned;		/* info returned ENODEV: an offloaded program whose device left */
	bool has_memlock;
	uint64_t memlock;
};

/* An fd for program id, or -errno. */
int kern_prog_fd_by_id(uint32_t id);
/* The name of map id (for disassembly), 0 or -errno. */
int kern_map_name(uint32_t id, char *buf, size_t len);
/* Info and map ids (not memlock: see kern_prog_memlock). */
int kern_prog_info(int fd, struct kern_prog *p, struct errmsg *err);
/* bytes_memlock from the fd's fdinfo, as bpftool reads it. */
void kern_prog_memlock(int fd, struct kern_prog *p);
void kern_prog_free(struct kern_prog *p);
/* Next program id after id (0 starts), or -ENOENT at the end. */
int kern_prog_next(uint32_t id, uint32_t *next);
/* "xdp", "tracepoint", ... or NULL for types libbpf does not know (print the number). */
const char *kern_prog_type_str(uint32_t type);
/* Load time (ns since boot) as seconds since the epoch, as bpftool computes it. */
int64_t kern_boot_to_epoch(uint64_t boot_ns);

/* What the dump commands need from the kernel: instructions and their line info. */
struct kern_prog_dump {
	struct bpf_prog_info info;
	void *insns;		/* xlated (struct bpf_insn) or jited bytes */
	uint32_t len;
	struct bpf_line_info *lines;	/* nr_line_info */
	uint64_t *jited_lines;		/* nr_jited_line_info host addresses */
	uint64_t *ksyms;		/* nr_jited_ksyms: start address of each function */
	uint32_t *func_lens;		/* nr_jited_func_lens */
	struct bpf_func_info *funcs;	/* nr_func_info */
	struct btf *btf;		/* the program's BTF (lines, function names), or NULL */
};

int kern_prog_dump_get(int fd, bool jited, struct kern_prog_dump *d, struct errmsg *err);
void kern_prog_dump_free(struct kern_prog_dump *d);

struct kern_test_run {
	const void *data_in;
	uint32_t data_in_len;
	const void *ctx_in;
	uint32_t ctx_in_len;
	uint32_t repeat;
	/* out */
	void *data_out;		/* malloc'd, data_out_len bytes */
	uint32_t data_out_len;
	void *ctx_out;
	uint32_t ctx_out_len;
	uint32_t retval;
	uint32_t duration_ns;	/* mean per run, as the kernel reports it */
};

int kern_prog_test_run(int fd, struct kern_test_run *r, struct errmsg *err);

/* kernel.bpf_stats_enabled: read it, or set it through the sysctl (it stays until reset). */
int kern_stats_get(bool *on, struct errmsg *err);
int kern_stats_set(bool on, struct errmsg *err);

/* ---- links ----------------------------------------------------------------------------- */

/*
 * bpf_link_info as kernel 6.18 fills it (the system uapi header predates perf_event,
 * tcx, netkit, netfilter and cookies); the kernel accepts a larger buffer, and zeroes
 * nothing it does not know, so older kernels leave the new fields 0.
 */
struct kern_link_info {
	uint32_t type, id, prog_id;
	uint32_t pad0;
	union {
		struct { uint64_t tp_name; uint32_t tp_name_len, pad; uint64_t cookie; } raw_tp;
		struct { uint32_t attach_type, target_obj_id, target_btf_id, pad; uint64_t cookie; } tracing;
		struct { uint64_t cgroup_id; uint32_t attach_type; } cgroup;
		struct {
			uint64_t target_name;
			uint32_t target_name_len;
			uint32_t map_id;
			union {
				struct { uint64_t cgroup_id; uint32_t order; } cgroup;
				struct { uint32_t tid, pid; } task;
			};
		} iter;
		struct { uint32_t netns_ino, attach_type; } netns;
		struct { uint32_t ifindex; } xdp;
		struct { uint32_t map_id; } struct_ops;
		struct { uint32_t pf, hooknum; int32_t priority; uint32_t flags; } netfilter;
		struct { uint64_t addrs; uint32_t count, flags; uint64_t missed, cookies; } kprobe_multi;
		struct { uint64_t path, offsets, ref_ctr_offsets, cookies;
			 uint32_t path_size, count, flags, pid; } uprobe_multi;
		struct {
			uint32_t type, pad;
			union {
				struct { uint64_t file_name; uint32_t name_len, offset;
					 uint64_t cookie, ref_ctr_offset; } uprobe;
				struct { uint64_t func_name; uint32_t name_len, offset;
					 uint64_t addr, missed, cookie; } kprobe;
				struct { uint64_t tp_name; uint32_t name_len, pad; uint64_t cookie; } tracepoint;
				struct { uint64_t config; uint32_t type, pad; uint64_t cookie; } event;
			};
		} perf_event;
		struct { uint32_t ifindex, attach_type; } tcx;
		struct { uint32_t ifindex, attach_type; } netkit;
		struct { uint32_t map_id, attach_type; } sockmap;
		uint8_t raw[64];
	};
} __attribute__((aligned(8)));

enum {
	KERN_LINK_PERF_EVENT = 7, KERN_LINK_KPROBE_MULTI = 8, KERN_LINK_STRUCT_OPS = 9,
	KERN_LINK_NETFILTER = 10, KERN_LINK_TCX = 11, KERN_LINK_UPROBE_MULTI = 12,
	KERN_LINK_NETKIT = 13, KERN_LINK_SOCKMAP = 14,
};
enum {
	KERN_PERF_UPROBE = 1, KERN_PERF_URETPROBE, KERN_PERF_KPROBE, KERN_PERF_KRETPROBE,
	KERN_PERF_TRACEPOINT, KERN_PERF_EVENT,
};

struct kern_link {
	struct kern_link_info info;
	char name[256];		/* tp_name, iter target, probed function or file, or "" */
	uint32_t prog_type;	/* of the linked program (tracing links show it) */
};

int kern_link_info(int fd, struct kern_link *l, struct errmsg *err);
int kern_link_next(uint32_t id, uint32_t *next);
/* "raw_tracepoint", "xdp", ...; NULL when unknown (print the number). */
const char *kern_link_type_str(uint32_t type);
/* "cgroup_inet_ingress", ... from libbpf; NULL when unknown. */
const char *kern_attach_type_str(uint32_t type);
/* Where a link attaches, one word: "raw_tp:sys_enter", "tracepoint:syscalls:sys_enter_openat",
 * "xdp:lo", "cgroup:ID:cgroup_inet_ingress", "tracing:btf OBJ/TYPE". */
void kern_link_target(const struct kern_link *l, char *buf, size_t len);

/* BPF_LINK_DETACH, with the cause and fix when the kernel refuses. */
int kern_link_detach(int fd, struct errmsg *err);
/* Pin fd at path: only on a bpffs, no ".." component, never over an existing file. */
int kern_obj_pin(int fd, const char *path, struct errmsg *err);

/* Every link, for joining with programs: sorted by prog_id. */
struct kern_links {
	struct kern_link *v;
	size_t n;
};
int kern_links_scan(struct kern_links *ls, struct errmsg *err);
size_t kern_links_find_prog(const struct kern_links *ls, uint32_t prog_id, size_t *count);
void kern_links_free(struct kern_links *ls);

/* ---- kernel symbols and host disassembly ------------------------------------------------ */

/* /proc/kallsyms, for naming the helpers and kfuncs a translated program calls (the
 * kernel rewrites their imm to an offset from __bpf_call_base). */
struct kern_ksyms;
int kern_ksyms_load(struct kern_ksyms **ks, struct errmsg *err);
/* The symbol at exactly addr, or NULL. */
const char *kern_ksyms_name(const struct kern_ksyms *ks, uint64_t addr);
/* Address of __bpf_call_base, 0 if unknown (kptr_restrict hides addresses from non-root). */
uint64_t kern_ksyms_call_base(const struct kern_ksyms *ks);
void kern_ksyms_free(struct kern_ksyms *ks);

/*
 * Host instructions through LLVM's C disassembler (llvm-c/Disassembler.h), loaded with
 * dlopen() on first use: linking libLLVM would cost every bpfkit command its load time.
 */
struct kern_jit_disasm;
int kern_jit_disasm_open(struct kern_jit_disasm **jd, struct errmsg *err);
/* Decode one instruction at pc: its length (0 when undecodable), text in buf. */
size_t kern_jit_disasm_one(struct kern_jit_disasm *jd, const uint8_t *code, size_t len,
			   uint64_t pc, char *buf, size_t buflen);
void kern_jit_disasm_close(struct kern_jit_disasm *jd);

#endif
