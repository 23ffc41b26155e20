/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * eBPF disassembler: one instruction at a time, in llvm-objdump's syntax.
 *
 * The text of every instruction that llvm-objdump 14 can print ("r1 = *(u64 *)(r1 + 16)",
 * "if w1 s< -3 goto +2", "r0 = 0 ll", "call 14", "lock *(u64 *)(r1 + 0) += r2") is exactly
 * what `llvm-objdump -d --no-print-imm-hex` prints in its default (non-alu32) mode.
 * Instructions llvm 14 cannot decode (newer ISA) use the spelling of llvm 19/20:
 * "r1 s/= r2", "w1 = (s8)w2", "r1 = *(s16 *)(r2 + 4)", "*(u32 *)(r10 - 8) = 5",
 * "r1 = bswap16 r1", "if r1 & 4 goto +1", "gotol +70000", "may_goto +3",
 * "w2 = atomic_fetch_or((u32 *)(r1 + 0), w2)", "w0 = cmpxchg32_32(r1 + 0, w0, w2)",
 * "r1 = addr_space_cast(r2, 1, 0)", "w0 = load_acquire((u8 *)(r1 + 0))",
 * "store_release((u64 *)(r1 + 0), r2)".
 *
 * Malformed input never makes disasm_one() fail: the instruction is decoded as far as
 * possible and marked invalid, so a caller can always print a whole program.
 *   - valid is false and note is "invalid: <reason>" when the kernel's verifier would
 *     reject the encoding on its own: unknown opcode, register above r10, non-zero reserved
 *     field, ld_imm64 without its second slot or with a non-zero second-slot header, jump or
 *     call target outside [0, count). A bpf-to-bpf call that the resolver names is not
 *     range-checked: in an object file its relocation, not imm, gives the callee.
 *   - text is "<unknown>" (llvm-objdump's word) and kind DISASM_INVALID when the opcode,
 *     its atomic operation or byte-swap width is undefined, a register operand is above r10
 *     (llvm would still print r11) or the ld_imm64 pair is truncated; otherwise text shows
 *     the instruction as llvm-objdump 14 does, ignoring the reserved fields it ignores.
 *   - slots is 2 for an ld_imm64 whose second slot exists (whatever its contents), else 1,
 *     so walking idx += slots always terminates and never skips past count.
 * disasm_one() returns a negative errno only for caller errors (NULL pointers,
 * idx >= count). It never reads insns[count] or beyond.
 */
#ifndef BPFKIT_DISASM_H
#define BPFKIT_DISASM_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errmsg.h"

/*
 * Optional callbacks that name what an instruction refers to; any may be NULL, and each may
 * return NULL for "unknown". The returned string is copied (truncated to fit) into note.
 */
struct disasm_resolver {
	void *ctx;
	/* bpf-to-bpf call (src_reg = BPF_PSEUDO_CALL) at insn_idx: the callee's name;
	 * target_idx is idx + 1 + imm, as encoded (before any relocation) */
	const char *(*call_target)(void *ctx, size_t insn_idx, int64_t target_idx);
	/* ld_imm64 at insn_idx: a whole annotation, e.g. "map: events" or "global: counter" */
	const char *(*ld_imm64)(void *ctx, size_t insn_idx);
	/* kfunc call (src_reg = BPF_PSEUDO_KFUNC_CALL) at insn_idx: the function's name */
	const char *(*kfunc)(void *ctx, size_t insn_idx, int32_t btf_id);
	/* jump at insn_idx to target_idx: a label such as "LBB0_3" */
	const char *(*jump_label)(void *ctx, size_t insn_idx, int64_t target_idx);
};

enum disasm_kind {
	DISASM_OTHER,		/* ALU, loads, stores, atomics */
	DISASM_LD_IMM64,	/* two-slot 64-bit immediate load */
	DISASM_JUMP,		/* conditional or unconditional jump, may_goto */
	DISASM_CALL_HELPER,	/* call imm: helper id */
	DISASM_CALL_BPF,	/* bpf-to-bpf call, target is the callee's first instruction */
	DISASM_CALL_KFUNC,	/* call by BTF id */
	DISASM_EXIT,
	DISASM_INVALID,		/* not decodable at all: text is "<unknown>" */
};

struct disasm_insn {
	size_t idx;		/* index of the first slot */
	unsigned int slots;	/* 1, or 2 for ld_imm64 */
	bool valid;		/* false: the verifier would reject this encoding; see note */
	enum disasm_kind kind;
	int64_t target;		/* jump/call/ld_imm64 func target: idx + 1 + offset, else -1 */
	char text[128];		/* llvm-objdump syntax, no leading or trailing blanks */
	char note[128];		/* annotation ("bpf_map_lookup_elem", "map: events"), or "" */
};

/*
 * Decode insns[idx] (and insns[idx + 1] for ld_imm64) of a program of count instructions.
 * r may be NULL. Returns 0 and fills out, or -EINVAL with err set on a caller error.
 */
int disasm_one(const struct bpf_insn *insns, size_t count, size_t idx,
	       const struct disasm_resolver *r, struct disasm_insn *out, struct errmsg *err);

/* "bpf_map_lookup_elem" for helper id 1; NULL for 0 and ids unknown to this build. */
const char *disasm_helper_name(int32_t id);

#endif
