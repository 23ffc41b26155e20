/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * CO-RE relocation explainer: for each relocation of an object's .BTF.ext, the root type,
 * the access string in C spelling, the value the object carries, and - against a target BTF
 * (the running kernel, a btfhub file) - the value libbpf would patch in, or why it cannot.
 * The algorithm follows libbpf's documented behaviour (candidates by "essential" name without
 * the ___flavor suffix, fields matched by name through anonymous members, all matching
 * candidates must agree); it is written here from that description, not taken from libbpf.
 */
#ifndef BPFKIT_CORE_H
#define BPFKIT_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "btf_ext.h"

struct btf;
struct errmsg;

enum core_status {
	CORE_UNRESOLVED = 0,	/* no target BTF was given */
	CORE_OK,		/* resolves: target_value is what libbpf patches in */
	CORE_GUARDED,		/* instruction would be poisoned, but it sits in code that an
				 * existence check resolving to 0 there jumps over: dead code */
	CORE_POISON,		/* libbpf replaces the instruction with an invalid call: the
				 * verifier rejects the program if it is reachable */
	CORE_ERROR,		/* libbpf refuses the object (malformed, ambiguous) */
};

struct core_relo {
	const char *section;	/* borrowed from struct bext */
	const char *program;	/* function containing the instruction, NULL if unknown */
	uint32_t sec_relo_idx;	/* index within the section: libbpf's "relo #N" */
	uint32_t insn_idx;	/* instruction index within the section */
	uint32_t prog_insn_idx;	/* within the program: libbpf's "insn #N" */
	uint32_t kind;		/* enum bpf_core_relo_kind */
	uint32_t root_type_id;	/* local BTF */
	const char *access_str;	/* "0:2:1", borrowed */
	char *root_type;	/* "struct trace_event_raw_sys_enter" */
	char *spec;		/* "struct trace_event_raw_sys_enter.args[1]" */
	bool local_ok;
	uint64_t local_value;	/* the value compiled into the instruction */
	enum core_status status;
	uint64_t target_value;	/* valid for CORE_OK */
	uint32_t target_type_id;	/* matching candidate's root type id, 0 if none */
	uint32_t nr_candidates;	/* target types with the same essential name and kind */
	bool insn_ok;		/* the instruction was read (object opened from a file) */
	const char *insn_class;	/* "ALU/ALU64", "LDX/ST/STX", "LDIMM64", or NULL */
	uint64_t insn_value;	/* immediate/offset the instruction holds (libbpf's "A" in
				 * "patched insn #N ... A -> B"); differs from local_value
				 * only for bitfields, where libbpf does not check it */
	unsigned char *dead;	/* existence checks: per instruction of [dead_base, dead_base +
				 * dead_len), 1 when the verifier drops it if the check is 0;
				 * NULL when the branch on the check was not found */
	uint32_t dead_base, dead_len;
	char *error;		/* why: malformed, no candidate, poisoned, ambiguous */
	char *note;		/* extra information for a resolved relocation, or NULL */
};

struct core_result {
	struct core_relo *relos;
	size_t nr;
	size_t nr_ok, nr_guarded, nr_poison, nr_error;
};

/* "byte_off" ... (libbpf's spelling), "unknown" for other values. */
const char *core_kind_name(uint32_t kind);
/* "field byte offset" ... */
const char *core_kind_text(uint32_t kind);
/* Fill r->dead for the existence check at instruction idx of sec (inspect/core_guard.c):
 * the value followed through moves and spills to its branch, that edge fixed, and what its
 * function can then not reach. 0 (r->dead NULL when no branch was found) or -ENOMEM. */
struct bext_sec;
int core_guard_dead(const struct bext_sec *sec, uint32_t idx, struct core_relo *r);

/* "unresolved", "ok", "guarded", "poison", "error" */
const char *core_status_name(enum core_status status);

/*
 * Load a target BTF through the one BTF loader (bk_btf__open: raw BTF as btfhub ships it, an
 * ELF file with .BTF, /sys/kernel/btf/...), checked; path NULL = the running kernel.
 */
struct bk_btf;
int core_btf_load(const char *path, struct bk_btf *out, struct errmsg *err);

/* A target BTF with its candidate index (essential name -> type ids), built once. */
struct core_target;
int core_target_new(const struct btf *btf, struct core_target **out, struct errmsg *err);
void core_target_free(struct core_target *t);

/*
 * Explain one relocation against the local BTF (root type, spelling, local value) and, when
 * target is not NULL, resolve it. sec (may be NULL) gives the instruction when its
 * instructions were read. Malformed relocations are not a function error: they set
 * status CORE_ERROR (or local_ok = false without target) and error. Returns 0 or -ENOMEM.
 */
int core_relo_explain(const struct btf *local, const struct bext_relo *rec,
		      const struct bext_sec *sec, struct core_target *target,
		      struct core_relo *out, struct errmsg *err);
void core_relo_clear(struct core_relo *r);

/*
 * Every relocation of every section, in .BTF.ext order, with program names from func_info,
 * resolved against target when given, and guarded poisons recognised. 0 or -errno.
 */
int core_analyze(const struct btf *local, const struct bext *ext, struct core_target *target,
		 struct core_result *res, struct errmsg *err);
void core_result_free(struct core_result *res);

#endif
