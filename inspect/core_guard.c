/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Guards: the code an existence check protects. libbpf patches a check that fails on the
 * target to "rX = 0"; the verifier then knows the branch on it and drops what only the other
 * edge reaches, so a relocation there is poisoned harmlessly. Which code that is depends on
 * how clang branched: "if rX == 0 goto +N" jumping over the use, "if rX != 0 goto +N"
 * jumping to it with the fallback falling through, the 32-bit forms (alu32), and the value
 * moved to another register or spilled to the stack and filled back before the branch. So:
 * follow the constant from the check to its branch, fix that edge, and mark what the
 * function can no longer reach.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>

#include "btf_ext.h"
#include "core.h"

#define FOLD_WINDOW	32	/* instructions between the check and its branch */
#define MAX_SLOTS	8	/* stack slots holding the value */

struct fold {
	uint16_t regs;			/* registers that hold the check's value (0) */
	int16_t slots[MAX_SLOTS];	/* r10 offsets that hold it */
	int nr_slots;
};

static bool slot_has(const struct fold *f, int16_t off)
{
	for (int i = 0; i < f->nr_slots; i++)
		if (f->slots[i] == off)
			return true;
	return false;
}

static void slot_set(struct fold *f, int16_t off, bool on)
{
	for (int i = 0; i < f->nr_slots; i++)
		if (f->slots[i] == off) {
			if (!on)
				f->slots[i] = f->slots[--f->nr_slots];
			return;
		}
	if (on && f->nr_slots < MAX_SLOTS)
		f->slots[f->nr_slots++] = off;
}

static void reg_set(struct fold *f, unsigned int reg, bool on)
{
	if (reg > 10)
		return;
	f->regs = on ? f->regs | (1u << reg) : f->regs & ~(1u << reg);
}

static bool reg_has(const struct fold *f, unsigned int reg)
{
	return reg <= 10 && (f->regs & (1u << reg));
}

/* ALU operations that leave a zero register zero (zero-extension shifts, masks). */
static bool keeps_zero(const struct bpf_insn *in)
{
	unsigned int op = BPF_OP(in->code);

	if (BPF_SRC(in->code) != BPF_K)
		return false;
	return op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH || op == BPF_AND ||
	       op == BPF_MUL || ((op == BPF_OR || op == BPF_ADD || op == BPF_SUB ||
				  op == BPF_XOR) && in->imm == 0);
}

/*
 * Step one instruction: 1 = go on, 0 = a conditional jump on the value was found (*taken
 * says which edge), -1 = give up (a call, another branch, the value lost).
 */
static int fold_step(struct fold *f, const struct bpf_insn *in, bool *taken)
{
	unsigned int cls = BPF_CLASS(in->code), mode = BPF_MODE(in->code);

	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		if (BPF_OP(in->code) == BPF_MOV)
			reg_set(f, in->dst_reg, BPF_SRC(in->code) == BPF_X &&
				reg_has(f, in->src_reg) && in->off == 0);
		else if (!keeps_zero(in))
			reg_set(f, in->dst_reg, false);
		return 1;
	case BPF_STX:
		if (mode == BPF_MEM && in->dst_reg == BPF_REG_10)
			slot_set(f, in->off, reg_has(f, in->src_reg));
		return mode == BPF_MEM || mode == BPF_ATOMIC ? 1 : -1;
	case BPF_ST:
		if (in->dst_reg == BPF_REG_10)
			slot_set(f, in->off, false);
		return 1;
	case BPF_LDX:
		reg_set(f, in->dst_reg, in->src_reg == BPF_REG_10 && mode == BPF_MEM &&
			slot_has(f, in->off));
		return 1;
	case BPF_JMP:
	case BPF_JMP32: {
		unsigned int op = BPF_OP(in->code);

		if ((op == BPF_JEQ || op == BPF_JNE) && BPF_SRC(in->code) == BPF_K &&
		    in->imm == 0 && reg_has(f, in->dst_reg)) {
			*taken = op == BPF_JEQ;
			return 0;
		}
		return -1;
	}
	default:	/* ld_imm64 and the rest: nothing the value survives reliably */
		return -1;
	}
}

/* Successors of instruction i in [start, end): up to two, -1 when none. */
static void successors(const struct bpf_insn *insns, uint32_t i, uint32_t branch, bool taken,
		       int64_t next[2])
{
	const struct bpf_insn *in = &insns[i];
	unsigned int cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	int64_t width = in->code == (BPF_LD | BPF_IMM | BPF_DW) ? 2 : 1;

	next[0] = (int64_t)i + width;
	next[1] = -1;
	if (cls != BPF_JMP && cls != BPF_JMP32)
		return;
	if (op == BPF_EXIT) {
		next[0] = -1;
	} else if (op == BPF_JA) {
		next[0] = (int64_t)i + 1 + (cls == BPF_JMP32 ? in->imm : in->off);
	} else if (op != BPF_CALL) {
		next[1] = (int64_t)i + 1 + in->off;
		if (i == branch) {	/* the folded branch: one edge only */
			next[0] = taken ? next[1] : next[0];
			next[1] = -1;
		}
	}
}

/* Mark what [start, end) reaches from start, with the branch at `branch` fixed. */
static unsigned char *reachable(const struct bpf_insn *insns, uint32_t start, uint32_t end,
				uint32_t branch, bool taken)
{
	uint32_t len = end - start, *stack, sp = 0;
	unsigned char *seen = calloc(len, 1);

	stack = calloc(len, sizeof(*stack));
	if (!seen || !stack) {
		free(seen);
		free(stack);
		return NULL;
	}
	stack[sp++] = start;
	seen[0] = 1;
	while (sp) {
		uint32_t i = stack[--sp];
		int64_t next[2];

		successors(insns, i, branch, taken, next);
		for (int k = 0; k < 2; k++)
			if (next[k] >= start && next[k] < end && !seen[next[k] - start]) {
				seen[next[k] - start] = 1;
				stack[sp++] = (uint32_t)next[k];
			}
	}
	free(stack);
	return seen;
}

/* The function (func_info) holding idx: [*start, *end). */
static void function_bounds(const struct bext_sec *sec, uint32_t count, uint32_t idx,
			    uint32_t *start, uint32_t *end)
{
	*start = 0;
	*end = count;
	for (size_t i = 0; i < sec->nr_funcs; i++) {
		uint32_t f = sec->funcs[i].insn_idx;

		if (f <= idx && f >= *start)
			*start = f;
		if (f > idx && f < *end)
			*end = f;
	}
}

int core_guard_dead(const struct bext_sec *sec, uint32_t idx, struct core_relo *r)
{
	const struct bpf_insn *insns = sec->insns;
	uint32_t count = sec->insns_size / sizeof(*insns), start, end, i;
	struct fold f = { 0 };
	unsigned char *seen;
	bool taken = false;
	int step = 1;

	if (!insns || idx >= count || BPF_OP(insns[idx].code) != BPF_MOV ||
	    (BPF_CLASS(insns[idx].code) != BPF_ALU && BPF_CLASS(insns[idx].code) != BPF_ALU64))
		return 0;
	function_bounds(sec, count, idx, &start, &end);
	reg_set(&f, insns[idx].dst_reg, true);
	for (i = idx + 1; i < end && i <= idx + FOLD_WINDOW && f.regs | f.nr_slots; i++) {
		step = fold_step(&f, &insns[i], &taken);
		if (step <= 0)
			break;
	}
	if (step != 0)
		return 0;
	seen = reachable(insns, start, end, i, taken);
	if (!seen)
		return -ENOMEM;
	for (uint32_t k = 0; k < end - start; k++)
		seen[k] = !seen[k];	/* reached -> live; the rest is dead */
	r->dead = seen;
	r->dead_base = start;
	r->dead_len = end - start;
	return 0;
}
