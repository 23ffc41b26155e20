// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * eBPF disassembler. See include/disasm.h for the output contract; the encodings follow the
 * kernel's Documentation/bpf/standardization/instruction-set.rst and the syntax follows
 * llvm-objdump (llvm 14 where it can decode, llvm 19/20 for the newer instructions).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "disasm.h"

/*
 * Bookworm's linux/bpf.h comes from kernel 6.1: name the opcodes and operand values added
 * since then here, with the values the instruction-set document assigns.
 */
#ifndef BPF_MEMSX
#define BPF_MEMSX		0x80	/* sign-extending load mode */
#endif
#ifndef BPF_JCOND
#define BPF_JCOND		0xe0	/* may_goto */
#endif
#ifndef BPF_MAY_GOTO
#define BPF_MAY_GOTO		0
#endif
#ifndef BPF_LOAD_ACQ
#define BPF_LOAD_ACQ		0x100
#endif
#ifndef BPF_STORE_REL
#define BPF_STORE_REL		0x110
#endif
#ifndef BPF_ADDR_SPACE_CAST
#define BPF_ADDR_SPACE_CAST	1
#endif
/* off values that turn DIV/MOD into signed ops and MOV into sign-extending moves */
#define DISASM_OFF_SIGNED	1
#define DISASM_MAX_REG		BPF_REG_10

/* Helper names generated from the kernel header's own list, so ids and names cannot drift. */
#define DISASM_HELPER_NAME(x)	[BPF_FUNC_##x] = "bpf_" #x
static const char *const helper_names[] = {
	__BPF_FUNC_MAPPER(DISASM_HELPER_NAME)
};

/* The last helpers ever added (kernel 6.2); the list is frozen since, kfuncs replace it. */
static const char *late_helper_name(int32_t id)
{
	switch (id) {
	case 210: return "bpf_cgroup_local_storage_get";
	case 211: return "bpf_cgroup_local_storage_delete";
	default: return NULL;
	}
}

const char *disasm_helper_name(int32_t id)
{
	if (id <= 0)
		return NULL;
	if ((size_t)id < sizeof(helper_names) / sizeof(helper_names[0]) && helper_names[id])
		return helper_names[id];
	return late_helper_name(id);
}

/* Decoding state for one instruction: the raw fields, read once. */
struct dis {
	const struct bpf_insn *insns;
	size_t count;
	size_t idx;
	const struct disasm_resolver *r;
	struct disasm_insn *out;
	uint8_t code, dst, src;
	int16_t off;
	int32_t imm;
};

__attribute__((format(printf, 2, 3)))
static void put_text(struct dis *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->out->text, sizeof(d->out->text), fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3)))
static void put_note(struct dis *d, const char *fmt, ...)
{
	va_list ap;

	/* an annotation never hides why an instruction is invalid */
	if (!d->out->valid)
		return;
	va_start(ap, fmt);
	vsnprintf(d->out->note, sizeof(d->out->note), fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3)))
static void invalid(struct dis *d, const char *fmt, ...)
{
	char reason[96];
	va_list ap;

	/* the first reason found is the one reported */
	if (!d->out->valid)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	snprintf(d->out->note, sizeof(d->out->note), "invalid: %s", reason);
	d->out->valid = false;
}

/* An encoding nothing can print: llvm-objdump's "<unknown>". */
static void unknown_opcode(struct dis *d)
{
	put_text(d, "<unknown>");
	invalid(d, "unknown opcode 0x%02x", d->code);
	d->out->kind = DISASM_INVALID;
}

/* The kernel rejects instructions whose unused fields are not zero; llvm prints them anyway. */
static void reserved(struct dis *d, const char *field, int64_t value)
{
	if (value)
		invalid(d, "reserved field %s=%lld is not 0", field, (long long)value);
}

/* Register operands above r10 make the text meaningless: say "<unknown>" like llvm. */
static bool regs_ok(struct dis *d, bool use_dst, bool use_src)
{
	if ((use_dst && d->dst > DISASM_MAX_REG) || (use_src && d->src > DISASM_MAX_REG)) {
		put_text(d, "<unknown>");
		invalid(d, "register r%u out of range",
			use_dst && d->dst > DISASM_MAX_REG ? d->dst : d->src);
		d->out->kind = DISASM_INVALID;
		return false;
	}
	return true;
}

static const char *size_name(uint8_t code, bool sign)
{
	switch (BPF_SIZE(code)) {
	case BPF_B: return sign ? "s8" : "u8";
	case BPF_H: return sign ? "s16" : "u16";
	case BPF_W: return sign ? "s32" : "u32";
	default: return sign ? "s64" : "u64";
	}
}

/* "r1 + 16", "r10 - 8", "r1 + 0": llvm's memory operand without parentheses */
static void mem_operand(char *buf, size_t len, uint8_t reg, int16_t off)
{
	int v = off;

	snprintf(buf, len, "r%u %c %d", reg, v < 0 ? '-' : '+', v < 0 ? -v : v);
}

static void set_target(struct dis *d, int64_t target)
{
	d->out->target = target;
	if (target < 0 || (uint64_t)target >= d->count)
		invalid(d, "target %lld outside the program (0..%zu)", (long long)target,
			d->count ? d->count - 1 : 0);
}

/* ---- ALU and ALU64 ---- */

static const char *alu_operator(uint8_t op, bool is_signed)
{
	switch (op) {
	case BPF_ADD: return "+=";
	case BPF_SUB: return "-=";
	case BPF_MUL: return "*=";
	case BPF_DIV: return is_signed ? "s/=" : "/=";
	case BPF_OR: return "|=";
	case BPF_AND: return "&=";
	case BPF_LSH: return "<<=";
	case BPF_RSH: return ">>=";
	case BPF_MOD: return is_signed ? "s%=" : "%=";
	case BPF_XOR: return "^=";
	case BPF_MOV: return "=";
	case BPF_ARSH: return "s>>=";
	default: return NULL;
	}
}

static void dis_end(struct dis *d, bool alu64)
{
	const char *kind;

	/* ALU|END: to_le/to_be chosen by the source bit; ALU64|END|TO_LE: unconditional swap */
	if (alu64 && BPF_SRC(d->code) != BPF_TO_LE)
		return unknown_opcode(d);
	if (d->imm != 16 && d->imm != 32 && d->imm != 64) {
		put_text(d, "<unknown>");
		invalid(d, "byte swap width %d is not 16, 32 or 64", d->imm);
		d->out->kind = DISASM_INVALID;
		return;
	}
	if (!regs_ok(d, true, false))
		return;
	kind = alu64 ? "bswap" : BPF_SRC(d->code) == BPF_TO_BE ? "be" : "le";
	put_text(d, "r%u = %s%d r%u", d->dst, kind, d->imm, d->dst);
	reserved(d, "src_reg", d->src);
	reserved(d, "off", d->off);
}

static void dis_mov_reg(struct dis *d, bool alu64, char rc)
{
	if (d->off == 0) {
		put_text(d, "%c%u = %c%u", rc, d->dst, rc, d->src);
		reserved(d, "imm", d->imm);
	} else if (alu64 && d->off == BPF_ADDR_SPACE_CAST) {
		/* arena pointer cast: imm = dst address space << 16 | src address space */
		put_text(d, "r%u = addr_space_cast(r%u, %u, %u)", d->dst, d->src,
			 (uint32_t)d->imm >> 16, (uint32_t)d->imm & 0xffff);
	} else if (d->off == 8 || d->off == 16 || (alu64 && d->off == 32)) {
		put_text(d, "%c%u = (s%d)%c%u", rc, d->dst, d->off, rc, d->src);
		reserved(d, "imm", d->imm);
	} else {
		put_text(d, "%c%u = %c%u", rc, d->dst, rc, d->src);
		reserved(d, "off", d->off);
	}
}

static void dis_alu(struct dis *d)
{
	bool alu64 = BPF_CLASS(d->code) == BPF_ALU64;
	bool reg_src = BPF_SRC(d->code) == BPF_X;
	uint8_t op = BPF_OP(d->code);
	char rc = alu64 ? 'r' : 'w';
	bool is_signed = false;
	const char *opstr;

	if (op == BPF_END)
		return dis_end(d, alu64);
	if (op == BPF_NEG) {
		if (reg_src)
			return unknown_opcode(d);
		if (!regs_ok(d, true, false))
			return;
		put_text(d, "%c%u = -%c%u", rc, d->dst, rc, d->dst);
		reserved(d, "src_reg", d->src);
		reserved(d, "off", d->off);
		reserved(d, "imm", d->imm);
		return;
	}
	if ((op == BPF_DIV || op == BPF_MOD) && d->off == DISASM_OFF_SIGNED)
		is_signed = true;
	opstr = alu_operator(op, is_signed);
	if (!opstr)
		return unknown_opcode(d);
	if (!regs_ok(d, true, reg_src))
		return;
	if (reg_src && op == BPF_MOV)
		return dis_mov_reg(d, alu64, rc);
	if (reg_src) {
		put_text(d, "%c%u %s %c%u", rc, d->dst, opstr, rc, d->src);
		reserved(d, "imm", d->imm);
	} else {
		put_text(d, "%c%u %s %d", rc, d->dst, opstr, d->imm);
		reserved(d, "src_reg", d->src);
	}
	if (!is_signed)
		reserved(d, "off", d->off);
}

/* ---- JMP and JMP32 ---- */

static const char *jmp_operator(uint8_t op)
{
	switch (op) {
	case BPF_JEQ: return "==";
	case BPF_JGT: return ">";
	case BPF_JGE: return ">=";
	case BPF_JSET: return "&";
	case BPF_JNE: return "!=";
	case BPF_JSGT: return "s>";
	case BPF_JSGE: return "s>=";
	case BPF_JLT: return "<";
	case BPF_JLE: return "<=";
	case BPF_JSLT: return "s<";
	case BPF_JSLE: return "s<=";
	default: return NULL;
	}
}

static void jump_note(struct dis *d)
{
	const char *label = NULL;

	if (d->r && d->r->jump_label && d->out->valid)
		label = d->r->jump_label(d->r->ctx, d->idx, d->out->target);
	if (label)
		put_note(d, "%s", label);
}

static void dis_call(struct dis *d)
{
	const char *name = NULL;

	d->out->kind = DISASM_OTHER;	/* until the source field says which call */

	if (BPF_SRC(d->code) == BPF_X) {
		/* callx: not in the kernel's ISA; llvm 14 reads the register from imm */
		if (d->imm < 0 || d->imm > DISASM_MAX_REG) {
			put_text(d, "<unknown>");
			invalid(d, "callx register %d out of range", d->imm);
			d->out->kind = DISASM_INVALID;
			return;
		}
		put_text(d, "callx r%d", d->imm);
		invalid(d, "callx is not supported by the kernel");
		return;
	}
	put_text(d, "call %d", d->imm);
	reserved(d, "dst_reg", d->dst);
	switch (d->src) {
	case 0:
		d->out->kind = DISASM_CALL_HELPER;
		reserved(d, "off", d->off);
		name = disasm_helper_name(d->imm);
		if (name)
			put_note(d, "%s", name);
		else
			invalid(d, "unknown helper %d", d->imm);
		break;
	case BPF_PSEUDO_CALL:
		d->out->kind = DISASM_CALL_BPF;
		reserved(d, "off", d->off);
		d->out->target = (int64_t)d->idx + 1 + d->imm;
		/* in an object file a relocation supplies the callee: imm is then no target */
		if (d->r && d->r->call_target)
			name = d->r->call_target(d->r->ctx, d->idx, d->out->target);
		if (name)
			put_note(d, "%s", name);
		else
			set_target(d, d->out->target);
		break;
	case BPF_PSEUDO_KFUNC_CALL:
		/* off selects a module's BTF in the loader's fd array: not reserved here */
		d->out->kind = DISASM_CALL_KFUNC;
		if (d->r && d->r->kfunc)
			name = d->r->kfunc(d->r->ctx, d->idx, d->imm);
		if (name)
			put_note(d, "%s", name);
		else
			put_note(d, "kfunc btf_id %d", d->imm);
		break;
	default:
		invalid(d, "call with unknown src_reg %u", d->src);
		break;
	}
}

static void dis_jmp(struct dis *d)
{
	bool jmp32 = BPF_CLASS(d->code) == BPF_JMP32;
	bool reg_src = BPF_SRC(d->code) == BPF_X;
	uint8_t op = BPF_OP(d->code);
	char rc = jmp32 ? 'w' : 'r';
	const char *opstr;

	d->out->kind = DISASM_JUMP;
	switch (op) {
	case BPF_JA:
		if (reg_src)
			return unknown_opcode(d);
		if (jmp32) {
			/* gotol: the 32-bit offset lives in imm */
			put_text(d, "gotol %+d", d->imm);
			set_target(d, (int64_t)d->idx + 1 + d->imm);
			reserved(d, "off", d->off);
		} else {
			put_text(d, "goto %+d", d->off);
			set_target(d, (int64_t)d->idx + 1 + d->off);
			reserved(d, "imm", d->imm);
		}
		reserved(d, "dst_reg", d->dst);
		reserved(d, "src_reg", d->src);
		return jump_note(d);
	case BPF_CALL:
		if (jmp32)
			return unknown_opcode(d);
		return dis_call(d);
	case BPF_EXIT:
		if (jmp32 || reg_src)
			return unknown_opcode(d);
		d->out->kind = DISASM_EXIT;
		put_text(d, "exit");
		reserved(d, "dst_reg", d->dst);
		reserved(d, "src_reg", d->src);
		reserved(d, "off", d->off);
		reserved(d, "imm", d->imm);
		return;
	case BPF_JCOND:
		if (jmp32 || reg_src)
			return unknown_opcode(d);
		put_text(d, "may_goto %+d", d->off);
		set_target(d, (int64_t)d->idx + 1 + d->off);
		if (d->src != BPF_MAY_GOTO)
			invalid(d, "unknown condition src_reg=%u", d->src);
		reserved(d, "dst_reg", d->dst);
		reserved(d, "imm", d->imm);
		return jump_note(d);
	}
	opstr = jmp_operator(op);
	if (!opstr)
		return unknown_opcode(d);
	if (!regs_ok(d, true, reg_src))
		return;
	if (reg_src) {
		put_text(d, "if %c%u %s %c%u goto %+d", rc, d->dst, opstr, rc, d->src, d->off);
		reserved(d, "imm", d->imm);
	} else {
		put_text(d, "if %c%u %s %d goto %+d", rc, d->dst, opstr, d->imm, d->off);
		reserved(d, "src_reg", d->src);
	}
	set_target(d, (int64_t)d->idx + 1 + d->off);
	jump_note(d);
}

/* ---- LD: 64-bit immediates and the legacy packet loads ---- */

static void ld_imm64_note(struct dis *d, uint32_t hi)
{
	const char *name = NULL;

	if (d->r && d->r->ld_imm64)
		name = d->r->ld_imm64(d->r->ctx, d->idx);
	if (name) {
		put_note(d, "%s", name);
		return;
	}
	/* without a resolver, say what the loader would put there (bpftool's words) */
	switch (d->src) {
	case BPF_PSEUDO_MAP_FD:
		put_note(d, "map[fd:%d]", d->imm);
		break;
	case BPF_PSEUDO_MAP_VALUE:
		put_note(d, "map[fd:%d][0]+%u", d->imm, hi);
		break;
	case BPF_PSEUDO_BTF_ID:
		put_note(d, "btf_id %d", d->imm);
		break;
	case BPF_PSEUDO_FUNC:
		put_note(d, "func at %lld", (long long)d->out->target);
		break;
	case BPF_PSEUDO_MAP_IDX:
		put_note(d, "map[idx:%d]", d->imm);
		break;
	case BPF_PSEUDO_MAP_IDX_VALUE:
		put_note(d, "map[idx:%d][0]+%u", d->imm, hi);
		break;
	}
}

static void dis_ld_imm64(struct dis *d)
{
	const struct bpf_insn *next;
	uint64_t value;

	d->out->kind = DISASM_LD_IMM64;
	if (d->idx + 1 >= d->count) {
		put_text(d, "<unknown>");
		invalid(d, "ld_imm64 is missing its second slot");
		d->out->kind = DISASM_INVALID;
		return;
	}
	d->out->slots = 2;
	if (!regs_ok(d, true, false))
		return;
	next = &d->insns[d->idx + 1];
	value = (uint64_t)(uint32_t)next->imm << 32 | (uint32_t)d->imm;
	if (d->src == 0)
		put_text(d, "r%u = %lld ll", d->dst, (long long)value);
	else	/* llvm shows the pseudo kind and the first imm only */
		put_text(d, "ld_pseudo r%u, %u, %u", d->dst, d->src, (uint32_t)d->imm);
	if (d->src > BPF_PSEUDO_MAP_IDX_VALUE)
		invalid(d, "unknown ld_imm64 src_reg %u", d->src);
	if (d->src == BPF_PSEUDO_FUNC)
		set_target(d, (int64_t)d->idx + 1 + d->imm);
	reserved(d, "off", d->off);
	if (next->code || next->dst_reg || next->src_reg || next->off)
		invalid(d, "second slot of ld_imm64 has a non-zero header");
	ld_imm64_note(d, (uint32_t)next->imm);
}

static void dis_ld(struct dis *d)
{
	const char *size = size_name(d->code, false);

	switch (BPF_MODE(d->code)) {
	case BPF_IMM:
		if (BPF_SIZE(d->code) != BPF_DW)
			return unknown_opcode(d);
		return dis_ld_imm64(d);
	case BPF_ABS:
		if (BPF_SIZE(d->code) == BPF_DW)
			return unknown_opcode(d);
		put_text(d, "r0 = *(%s *)skb[%d]", size, d->imm);
		reserved(d, "dst_reg", d->dst);
		reserved(d, "src_reg", d->src);
		reserved(d, "off", d->off);
		return;
	case BPF_IND:
		if (BPF_SIZE(d->code) == BPF_DW)
			return unknown_opcode(d);
		if (!regs_ok(d, false, true))
			return;
		put_text(d, "r0 = *(%s *)skb[r%u]", size, d->src);
		reserved(d, "dst_reg", d->dst);
		reserved(d, "off", d->off);
		reserved(d, "imm", d->imm);
		return;
	default:
		return unknown_opcode(d);
	}
}

/* ---- LDX, ST, STX ---- */

static void dis_ldx(struct dis *d)
{
	bool sx = BPF_MODE(d->code) == BPF_MEMSX;
	char mem[32];

	if (BPF_MODE(d->code) != BPF_MEM && !sx)
		return unknown_opcode(d);
	if (sx && BPF_SIZE(d->code) == BPF_DW)
		return unknown_opcode(d);
	if (!regs_ok(d, true, true))
		return;
	mem_operand(mem, sizeof(mem), d->src, d->off);
	put_text(d, "r%u = *(%s *)(%s)", d->dst, size_name(d->code, sx), mem);
	reserved(d, "imm", d->imm);
}

static void dis_st(struct dis *d)
{
	char mem[32];

	if (BPF_MODE(d->code) != BPF_MEM)
		return unknown_opcode(d);
	if (!regs_ok(d, true, false))
		return;
	mem_operand(mem, sizeof(mem), d->dst, d->off);
	put_text(d, "*(%s *)(%s) = %d", size_name(d->code, false), mem, d->imm);
	reserved(d, "src_reg", d->src);
}

/* The read-modify-write operations: name in atomic_fetch_<name>, symbol in "lock ... <sym>=" */
static bool atomic_operator(int32_t op, const char **name, const char **sym)
{
	switch (op) {
	case BPF_ADD: *name = "add"; *sym = "+"; return true;
	case BPF_OR: *name = "or"; *sym = "|"; return true;
	case BPF_AND: *name = "and"; *sym = "&"; return true;
	case BPF_XOR: *name = "xor"; *sym = "^"; return true;
	default: return false;
	}
}

static void dis_atomic(struct dis *d)
{
	const char *size = size_name(d->code, false);
	bool dw = BPF_SIZE(d->code) == BPF_DW;
	char rc = dw ? 'r' : 'w';
	int32_t op = d->imm & ~BPF_FETCH;
	const char *name = NULL, *sym = NULL;
	bool rmw = atomic_operator(op, &name, &sym);
	char mem[32];

	mem_operand(mem, sizeof(mem), d->dst, d->off);
	if (d->imm == BPF_LOAD_ACQ) {
		/* loads into dst from the address in src, unlike every other atomic */
		mem_operand(mem, sizeof(mem), d->src, d->off);
		put_text(d, "%c%u = load_acquire((%s *)(%s))", rc, d->dst, size, mem);
		return;
	}
	if (d->imm == BPF_STORE_REL) {
		put_text(d, "store_release((%s *)(%s), %c%u)", size, mem, rc, d->src);
		return;
	}
	/* read-modify-write atomics exist only in 32 and 64 bits */
	if (BPF_SIZE(d->code) != BPF_W && !dw)
		return unknown_opcode(d);
	if (d->imm == BPF_XCHG) {
		put_text(d, "%c%u = %s(%s, %c%u)", rc, d->src, dw ? "xchg_64" : "xchg32_32",
			 mem, rc, d->src);
	} else if (d->imm == BPF_CMPXCHG) {
		put_text(d, "%c0 = %s(%s, %c0, %c%u)", rc, dw ? "cmpxchg_64" : "cmpxchg32_32",
			 mem, rc, rc, d->src);
	} else if (rmw && (d->imm & BPF_FETCH)) {
		put_text(d, "%c%u = atomic_fetch_%s((%s *)(%s), %c%u)", rc, d->src, name, size,
			 mem, rc, d->src);
	} else if (rmw) {
		/* llvm's default mode prints the 32-bit add (the only one clang -mcpu=v1 emits)
		 * with an r register; the others exist only in its alu32 mode, with w */
		if (op == BPF_ADD)
			rc = 'r';
		put_text(d, "lock *(%s *)(%s) %s= %c%u", size, mem, sym, rc, d->src);
	} else {
		put_text(d, "<unknown>");
		invalid(d, "unknown atomic operation 0x%x", d->imm);
		d->out->kind = DISASM_INVALID;
	}
}

static void dis_stx(struct dis *d)
{
	char mem[32];

	if (BPF_MODE(d->code) != BPF_MEM && BPF_MODE(d->code) != BPF_ATOMIC)
		return unknown_opcode(d);
	if (!regs_ok(d, true, true))
		return;
	if (BPF_MODE(d->code) == BPF_ATOMIC)
		return dis_atomic(d);
	mem_operand(mem, sizeof(mem), d->dst, d->off);
	put_text(d, "*(%s *)(%s) = r%u", size_name(d->code, false), mem, d->src);
	reserved(d, "imm", d->imm);
}

int disasm_one(const struct bpf_insn *insns, size_t count, size_t idx,
	       const struct disasm_resolver *r, struct disasm_insn *out, struct errmsg *err)
{
	struct dis d;

	if (!insns || !out)
		return errmsg_set(err, -EINVAL, "disassembler called without instructions");
	if (idx >= count)
		return errmsg_set(err, -EINVAL, "instruction %zu is past the end (%zu)", idx,
				  count);
	memset(out, 0, sizeof(*out));
	out->idx = idx;
	out->slots = 1;
	out->valid = true;
	out->kind = DISASM_OTHER;
	out->target = -1;

	d = (struct dis){
		.insns = insns, .count = count, .idx = idx, .r = r, .out = out,
		.code = insns[idx].code, .dst = insns[idx].dst_reg, .src = insns[idx].src_reg,
		.off = insns[idx].off, .imm = insns[idx].imm,
	};
	switch (BPF_CLASS(d.code)) {
	case BPF_ALU:
	case BPF_ALU64:
		dis_alu(&d);
		break;
	case BPF_JMP:
	case BPF_JMP32:
		dis_jmp(&d);
		break;
	case BPF_LD:
		dis_ld(&d);
		break;
	case BPF_LDX:
		dis_ldx(&d);
		break;
	case BPF_ST:
		dis_st(&d);
		break;
	case BPF_STX:
		dis_stx(&d);
		break;
	}
	return 0;
}
