// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Disassembler tests: every opcode class from hand-built instructions with the exact text
 * expected; malformed instructions; and cross-checks against llvm-objdump, both on an ELF
 * file written here from the hand-built instructions (llvm 14, and llvm 19 when installed,
 * for the newer instructions) and on every compiled fixture in argv[1].
 */
#include <dirent.h>
#include <errno.h>
#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "disasm.h"
#include "unit.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define INSN(c, d, s, o, i) { .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) }

/* Which llvm-objdump must print a case's text exactly (see run_synthetic_crosscheck). */
#define CK14	(1u << 0)	/* llvm-objdump 14, default mode */
#define CK19	(1u << 1)	/* llvm-objdump 19, default mode */
#define CK19A	(1u << 2)	/* llvm-objdump 19 --mattr=+alu32 (32-bit atomics) */
#define CKOLD	(CK14 | CK19)

struct tcase {
	struct bpf_insn insn[2];
	unsigned int slots;
	const char *text;
	unsigned int check;
	const char *note;	/* NULL: not checked */
};

/* Valid instructions. They are laid out one after the other in one program, which starts
 * with a pad so that the small backward jumps stay inside it. */
static const struct tcase valid_cases[] = {
	/* ALU64, immediate and register */
	{ { INSN(0x07, 1, 0, 0, -7) }, 1, "r1 += -7", CKOLD },
	{ { INSN(0x0f, 1, 2, 0, 0) }, 1, "r1 += r2", CKOLD },
	{ { INSN(0x17, 3, 0, 0, 16) }, 1, "r3 -= 16", CKOLD },
	{ { INSN(0x1f, 3, 4, 0, 0) }, 1, "r3 -= r4", CKOLD },
	{ { INSN(0x27, 5, 0, 0, 3) }, 1, "r5 *= 3", CKOLD },
	{ { INSN(0x2f, 5, 6, 0, 0) }, 1, "r5 *= r6", CKOLD },
	{ { INSN(0x37, 7, 0, 0, 10) }, 1, "r7 /= 10", CKOLD },
	{ { INSN(0x3f, 7, 8, 0, 0) }, 1, "r7 /= r8", CKOLD },
	{ { INSN(0x47, 9, 0, 0, 255) }, 1, "r9 |= 255", CKOLD },
	{ { INSN(0x4f, 9, 10, 0, 0) }, 1, "r9 |= r10", CKOLD },
	{ { INSN(0x57, 0, 0, 0, -1) }, 1, "r0 &= -1", CKOLD },
	{ { INSN(0x5f, 0, 1, 0, 0) }, 1, "r0 &= r1", CKOLD },
	{ { INSN(0x67, 1, 0, 0, 32) }, 1, "r1 <<= 32", CKOLD },
	{ { INSN(0x6f, 1, 2, 0, 0) }, 1, "r1 <<= r2", CKOLD },
	{ { INSN(0x77, 1, 0, 0, 32) }, 1, "r1 >>= 32", CKOLD },
	{ { INSN(0x7f, 1, 2, 0, 0) }, 1, "r1 >>= r2", CKOLD },
	{ { INSN(0x87, 4, 0, 0, 0) }, 1, "r4 = -r4", CKOLD },
	{ { INSN(0x97, 1, 0, 0, 7) }, 1, "r1 %= 7", CK19 },
	{ { INSN(0x9f, 1, 2, 0, 0) }, 1, "r1 %= r2", CK19 },
	{ { INSN(0xa7, 1, 0, 0, 0x55) }, 1, "r1 ^= 85", CKOLD },
	{ { INSN(0xaf, 1, 2, 0, 0) }, 1, "r1 ^= r2", CKOLD },
	{ { INSN(0xb7, 1, 0, 0, -2147483647 - 1) }, 1, "r1 = -2147483648", CKOLD },
	{ { INSN(0xbf, 6, 1, 0, 0) }, 1, "r6 = r1", CKOLD },
	{ { INSN(0xc7, 2, 0, 0, 63) }, 1, "r2 s>>= 63", CKOLD },
	{ { INSN(0xcf, 2, 3, 0, 0) }, 1, "r2 s>>= r3", CKOLD },
	/* signed division and modulo: off = 1 */
	{ { INSN(0x37, 1, 0, 1, -3) }, 1, "r1 s/= -3", CK19 },
	{ { INSN(0x3f, 1, 2, 1, 0) }, 1, "r1 s/= r2", CK19 },
	{ { INSN(0x97, 1, 0, 1, 5) }, 1, "r1 s%= 5", CK19 },
	{ { INSN(0x9f, 1, 2, 1, 0) }, 1, "r1 s%= r2", CK19 },
	/* sign-extending moves: off = 8, 16, 32 */
	{ { INSN(0xbf, 1, 2, 8, 0) }, 1, "r1 = (s8)r2", CK19 },
	{ { INSN(0xbf, 1, 2, 16, 0) }, 1, "r1 = (s16)r2", CK19 },
	{ { INSN(0xbf, 1, 2, 32, 0) }, 1, "r1 = (s32)r2", CK19 },
	{ { INSN(0xbf, 1, 2, 1, 1 << 16) }, 1, "r1 = addr_space_cast(r2, 1, 0)", CK19 },
	/* ALU (32-bit) */
	{ { INSN(0x04, 1, 0, 0, 1) }, 1, "w1 += 1", CKOLD },
	{ { INSN(0x0c, 1, 2, 0, 0) }, 1, "w1 += w2", CKOLD },
	{ { INSN(0x14, 1, 0, 0, -1) }, 1, "w1 -= -1", CKOLD },
	{ { INSN(0x1c, 1, 2, 0, 0) }, 1, "w1 -= w2", CKOLD },
	{ { INSN(0x24, 1, 0, 0, 9) }, 1, "w1 *= 9", CKOLD },
	{ { INSN(0x2c, 1, 2, 0, 0) }, 1, "w1 *= w2", CKOLD },
	{ { INSN(0x34, 1, 0, 0, 9) }, 1, "w1 /= 9", CKOLD },
	{ { INSN(0x3c, 1, 2, 0, 0) }, 1, "w1 /= w2", CKOLD },
	{ { INSN(0x34, 1, 0, 1, 9) }, 1, "w1 s/= 9", CK19 },
	{ { INSN(0x3c, 1, 2, 1, 0) }, 1, "w1 s/= w2", CK19 },
	{ { INSN(0x44, 1, 0, 0, 8) }, 1, "w1 |= 8", CKOLD },
	{ { INSN(0x4c, 1, 2, 0, 0) }, 1, "w1 |= w2", CKOLD },
	{ { INSN(0x54, 1, 0, 0, 8) }, 1, "w1 &= 8", CKOLD },
	{ { INSN(0x5c, 1, 2, 0, 0) }, 1, "w1 &= w2", CKOLD },
	{ { INSN(0x64, 1, 0, 0, 31) }, 1, "w1 <<= 31", CKOLD },
	{ { INSN(0x6c, 1, 2, 0, 0) }, 1, "w1 <<= w2", CKOLD },
	{ { INSN(0x74, 1, 0, 0, 31) }, 1, "w1 >>= 31", CKOLD },
	{ { INSN(0x7c, 1, 2, 0, 0) }, 1, "w1 >>= w2", CKOLD },
	{ { INSN(0x84, 3, 0, 0, 0) }, 1, "w3 = -w3", CKOLD },
	{ { INSN(0x94, 1, 0, 0, 3) }, 1, "w1 %= 3", CK19 },
	{ { INSN(0x9c, 1, 2, 0, 0) }, 1, "w1 %= w2", CK19 },
	{ { INSN(0x94, 1, 0, 1, 3) }, 1, "w1 s%= 3", CK19 },
	{ { INSN(0x9c, 1, 2, 1, 0) }, 1, "w1 s%= w2", CK19 },
	{ { INSN(0xa4, 1, 0, 0, -8) }, 1, "w1 ^= -8", CKOLD },
	{ { INSN(0xac, 1, 2, 0, 0) }, 1, "w1 ^= w2", CKOLD },
	{ { INSN(0xb4, 0, 0, 0, 0) }, 1, "w0 = 0", CKOLD },
	{ { INSN(0xbc, 0, 1, 0, 0) }, 1, "w0 = w1", CKOLD },
	{ { INSN(0xbc, 0, 1, 8, 0) }, 1, "w0 = (s8)w1", CK19 },
	{ { INSN(0xbc, 0, 1, 16, 0) }, 1, "w0 = (s16)w1", CK19 },
	{ { INSN(0xc4, 1, 0, 0, 1) }, 1, "w1 s>>= 1", CKOLD },
	{ { INSN(0xcc, 1, 2, 0, 0) }, 1, "w1 s>>= w2", CKOLD },
	/* byte order */
	{ { INSN(0xd4, 1, 0, 0, 16) }, 1, "r1 = le16 r1", CKOLD },
	{ { INSN(0xd4, 1, 0, 0, 32) }, 1, "r1 = le32 r1", CKOLD },
	{ { INSN(0xd4, 1, 0, 0, 64) }, 1, "r1 = le64 r1", CKOLD },
	{ { INSN(0xdc, 2, 0, 0, 16) }, 1, "r2 = be16 r2", CKOLD },
	{ { INSN(0xdc, 2, 0, 0, 32) }, 1, "r2 = be32 r2", CKOLD },
	{ { INSN(0xdc, 2, 0, 0, 64) }, 1, "r2 = be64 r2", CKOLD },
	{ { INSN(0xd7, 3, 0, 0, 16) }, 1, "r3 = bswap16 r3", CK19 },
	{ { INSN(0xd7, 3, 0, 0, 32) }, 1, "r3 = bswap32 r3", CK19 },
	{ { INSN(0xd7, 3, 0, 0, 64) }, 1, "r3 = bswap64 r3", CK19 },
	/* JMP: every condition, immediate and register */
	{ { INSN(0x05, 0, 0, 1, 0) }, 1, "goto +1", CKOLD },
	{ { INSN(0x05, 0, 0, -1, 0) }, 1, "goto -1", CKOLD },
	{ { INSN(0x05, 0, 0, 0, 0) }, 1, "goto +0", CKOLD },
	{ { INSN(0x15, 1, 0, 1, 0) }, 1, "if r1 == 0 goto +1", CKOLD },
	{ { INSN(0x1d, 1, 2, -3, 0) }, 1, "if r1 == r2 goto -3", CKOLD },
	{ { INSN(0x25, 1, 0, 1, 4) }, 1, "if r1 > 4 goto +1", CKOLD },
	{ { INSN(0x2d, 1, 2, 1, 0) }, 1, "if r1 > r2 goto +1", CKOLD },
	{ { INSN(0x35, 1, 0, 1, -4) }, 1, "if r1 >= -4 goto +1", CKOLD },
	{ { INSN(0x3d, 1, 2, 1, 0) }, 1, "if r1 >= r2 goto +1", CKOLD },
	{ { INSN(0x45, 1, 0, 1, 64) }, 1, "if r1 & 64 goto +1", CK19 },
	{ { INSN(0x4d, 1, 2, 1, 0) }, 1, "if r1 & r2 goto +1", CK19 },
	{ { INSN(0x55, 1, 0, 1, 5) }, 1, "if r1 != 5 goto +1", CKOLD },
	{ { INSN(0x5d, 1, 2, 1, 0) }, 1, "if r1 != r2 goto +1", CKOLD },
	{ { INSN(0x65, 1, 0, 1, -5) }, 1, "if r1 s> -5 goto +1", CKOLD },
	{ { INSN(0x6d, 1, 2, 1, 0) }, 1, "if r1 s> r2 goto +1", CKOLD },
	{ { INSN(0x75, 1, 0, 1, 6) }, 1, "if r1 s>= 6 goto +1", CKOLD },
	{ { INSN(0x7d, 1, 2, 1, 0) }, 1, "if r1 s>= r2 goto +1", CKOLD },
	{ { INSN(0xa5, 1, 0, 1, 7) }, 1, "if r1 < 7 goto +1", CKOLD },
	{ { INSN(0xad, 1, 2, 1, 0) }, 1, "if r1 < r2 goto +1", CKOLD },
	{ { INSN(0xb5, 1, 0, 1, 8) }, 1, "if r1 <= 8 goto +1", CKOLD },
	{ { INSN(0xbd, 1, 2, 1, 0) }, 1, "if r1 <= r2 goto +1", CKOLD },
	{ { INSN(0xc5, 1, 0, 1, -9) }, 1, "if r1 s< -9 goto +1", CKOLD },
	{ { INSN(0xcd, 1, 2, 1, 0) }, 1, "if r1 s< r2 goto +1", CKOLD },
	{ { INSN(0xd5, 1, 0, 1, 10) }, 1, "if r1 s<= 10 goto +1", CKOLD },
	{ { INSN(0xdd, 1, 2, 1, 0) }, 1, "if r1 s<= r2 goto +1", CKOLD },
	{ { INSN(0x85, 0, 0, 0, 1) }, 1, "call 1", CKOLD, "bpf_map_lookup_elem" },
	{ { INSN(0x85, 0, 0, 0, 14) }, 1, "call 14", CKOLD, "bpf_get_current_pid_tgid" },
	{ { INSN(0x85, 0, 1, 0, 1) }, 1, "call 1", CKOLD, "" },
	{ { INSN(0x85, 0, 2, 0, 1234) }, 1, "call 1234", CKOLD, "kfunc btf_id 1234" },
	{ { INSN(0x95, 0, 0, 0, 0) }, 1, "exit", CKOLD },
	{ { INSN(0xe5, 0, 0, 1, 0) }, 1, "may_goto +1", CK19 },
	{ { INSN(0xe5, 0, 0, -2, 0) }, 1, "may_goto -2", CK19 },
	/* JMP32 */
	{ { INSN(0x06, 0, 0, 0, 1) }, 1, "gotol +1", CK19 },
	{ { INSN(0x06, 0, 0, 0, -3) }, 1, "gotol -3", CK19 },
	{ { INSN(0x16, 1, 0, 1, 0) }, 1, "if w1 == 0 goto +1", CKOLD },
	{ { INSN(0x1e, 1, 2, 1, 0) }, 1, "if w1 == w2 goto +1", CKOLD },
	{ { INSN(0x26, 1, 0, 1, 4) }, 1, "if w1 > 4 goto +1", CKOLD },
	{ { INSN(0x2e, 1, 2, 1, 0) }, 1, "if w1 > w2 goto +1", CKOLD },
	{ { INSN(0x36, 1, 0, 1, 4) }, 1, "if w1 >= 4 goto +1", CKOLD },
	{ { INSN(0x3e, 1, 2, 1, 0) }, 1, "if w1 >= w2 goto +1", CKOLD },
	{ { INSN(0x46, 1, 0, 1, 4) }, 1, "if w1 & 4 goto +1", CK19 },
	{ { INSN(0x4e, 1, 2, 1, 0) }, 1, "if w1 & w2 goto +1", CK19 },
	{ { INSN(0x56, 1, 0, 1, 4) }, 1, "if w1 != 4 goto +1", CKOLD },
	{ { INSN(0x5e, 1, 2, 1, 0) }, 1, "if w1 != w2 goto +1", CKOLD },
	{ { INSN(0x66, 1, 0, 1, 4) }, 1, "if w1 s> 4 goto +1", CKOLD },
	{ { INSN(0x6e, 1, 2, 1, 0) }, 1, "if w1 s> w2 goto +1", CKOLD },
	{ { INSN(0x76, 1, 0, 1, 4) }, 1, "if w1 s>= 4 goto +1", CKOLD },
	{ { INSN(0x7e, 1, 2, 1, 0) }, 1, "if w1 s>= w2 goto +1", CKOLD },
	{ { INSN(0xa6, 1, 0, 1, 4) }, 1, "if w1 < 4 goto +1", CKOLD },
	{ { INSN(0xae, 1, 2, 1, 0) }, 1, "if w1 < w2 goto +1", CKOLD },
	{ { INSN(0xb6, 1, 0, 1, 4) }, 1, "if w1 <= 4 goto +1", CKOLD },
	{ { INSN(0xbe, 1, 2, 1, 0) }, 1, "if w1 <= w2 goto +1", CKOLD },
	{ { INSN(0xc6, 1, 0, 1, -4) }, 1, "if w1 s< -4 goto +1", CKOLD },
	{ { INSN(0xce, 1, 2, 1, 0) }, 1, "if w1 s< w2 goto +1", CKOLD },
	{ { INSN(0xd6, 1, 0, 1, -4) }, 1, "if w1 s<= -4 goto +1", CKOLD },
	{ { INSN(0xde, 1, 2, 1, 0) }, 1, "if w1 s<= w2 goto +1", CKOLD },
	/* LD: 64-bit immediates (plain and pseudo), legacy packet loads */
	{ { INSN(0x18, 1, 0, 0, 7), INSN(0, 0, 0, 0, 1) }, 2, "r1 = 4294967303 ll", CKOLD, "" },
	{ { INSN(0x18, 2, 0, 0, -1), INSN(0, 0, 0, 0, -1) }, 2, "r2 = -1 ll", CKOLD },
	{ { INSN(0x18, 0, 0, 0, 0), INSN(0, 0, 0, 0, 0) }, 2, "r0 = 0 ll", CKOLD },
	{ { INSN(0x18, 1, 1, 0, 3), INSN(0, 0, 0, 0, 0) }, 2, "ld_pseudo r1, 1, 3", CKOLD,
	  "map[fd:3]" },
	{ { INSN(0x18, 1, 2, 0, 3), INSN(0, 0, 0, 0, 16) }, 2, "ld_pseudo r1, 2, 3", CKOLD,
	  "map[fd:3][0]+16" },
	{ { INSN(0x18, 1, 3, 0, 99), INSN(0, 0, 0, 0, 0) }, 2, "ld_pseudo r1, 3, 99", CKOLD,
	  "btf_id 99" },
	{ { INSN(0x18, 1, 4, 0, -4), INSN(0, 0, 0, 0, 0) }, 2, "ld_pseudo r1, 4, 4294967292", CKOLD },
	{ { INSN(0x18, 1, 5, 0, 0), INSN(0, 0, 0, 0, 0) }, 2, "ld_pseudo r1, 5, 0", CKOLD,
	  "map[idx:0]" },
	{ { INSN(0x18, 1, 6, 0, 2), INSN(0, 0, 0, 0, 8) }, 2, "ld_pseudo r1, 6, 2", CKOLD,
	  "map[idx:2][0]+8" },
	{ { INSN(0x20, 0, 0, 0, 26) }, 1, "r0 = *(u32 *)skb[26]", CKOLD },
	{ { INSN(0x28, 0, 0, 0, 12) }, 1, "r0 = *(u16 *)skb[12]", CKOLD },
	{ { INSN(0x30, 0, 0, 0, -1) }, 1, "r0 = *(u8 *)skb[-1]", CKOLD },
	{ { INSN(0x40, 0, 7, 0, 0) }, 1, "r0 = *(u32 *)skb[r7]", CKOLD },
	{ { INSN(0x48, 0, 8, 0, 0) }, 1, "r0 = *(u16 *)skb[r8]", CKOLD },
	{ { INSN(0x50, 0, 9, 0, 0) }, 1, "r0 = *(u8 *)skb[r9]", CKOLD },
	/* LDX, sign-extending LDX, ST, STX */
	{ { INSN(0x61, 1, 2, 4, 0) }, 1, "r1 = *(u32 *)(r2 + 4)", CKOLD },
	{ { INSN(0x69, 1, 2, -2, 0) }, 1, "r1 = *(u16 *)(r2 - 2)", CKOLD },
	{ { INSN(0x71, 1, 10, -1, 0) }, 1, "r1 = *(u8 *)(r10 - 1)", CKOLD },
	{ { INSN(0x79, 1, 1, 16, 0) }, 1, "r1 = *(u64 *)(r1 + 16)", CKOLD },
	{ { INSN(0x79, 0, 1, 0, 0) }, 1, "r0 = *(u64 *)(r1 + 0)", CKOLD },
	{ { INSN(0x79, 0, 1, -32768, 0) }, 1, "r0 = *(u64 *)(r1 - 32768)", CKOLD },
	{ { INSN(0x81, 1, 2, 8, 0) }, 1, "r1 = *(s32 *)(r2 + 8)", CK19 },
	{ { INSN(0x89, 1, 2, -8, 0) }, 1, "r1 = *(s16 *)(r2 - 8)", CK19 },
	{ { INSN(0x91, 1, 2, 0, 0) }, 1, "r1 = *(s8 *)(r2 + 0)", CK19 },
	{ { INSN(0x62, 10, 0, -4, 5) }, 1, "*(u32 *)(r10 - 4) = 5", CK19 },
	{ { INSN(0x6a, 10, 0, -6, -1) }, 1, "*(u16 *)(r10 - 6) = -1", CK19 },
	{ { INSN(0x72, 10, 0, -7, 255) }, 1, "*(u8 *)(r10 - 7) = 255", CK19 },
	{ { INSN(0x7a, 10, 0, -16, -5) }, 1, "*(u64 *)(r10 - 16) = -5", CK19 },
	{ { INSN(0x63, 10, 1, -4, 0) }, 1, "*(u32 *)(r10 - 4) = r1", CKOLD },
	{ { INSN(0x6b, 10, 1, -6, 0) }, 1, "*(u16 *)(r10 - 6) = r1", CKOLD },
	{ { INSN(0x73, 10, 1, -7, 0) }, 1, "*(u8 *)(r10 - 7) = r1", CKOLD },
	{ { INSN(0x7b, 10, 1, 32767, 0) }, 1, "*(u64 *)(r10 + 32767) = r1", CKOLD },
	/* atomics, 64-bit */
	{ { INSN(0xdb, 1, 2, 0, 0x00) }, 1, "lock *(u64 *)(r1 + 0) += r2", CKOLD },
	{ { INSN(0xdb, 1, 2, 8, 0x01) }, 1, "r2 = atomic_fetch_add((u64 *)(r1 + 8), r2)", CKOLD },
	{ { INSN(0xdb, 1, 2, 0, 0x40) }, 1, "lock *(u64 *)(r1 + 0) |= r2", CKOLD },
	{ { INSN(0xdb, 1, 2, 0, 0x41) }, 1, "r2 = atomic_fetch_or((u64 *)(r1 + 0), r2)", CKOLD },
	{ { INSN(0xdb, 1, 2, 0, 0x50) }, 1, "lock *(u64 *)(r1 + 0) &= r2", CKOLD },
	{ { INSN(0xdb, 1, 2, 0, 0x51) }, 1, "r2 = atomic_fetch_and((u64 *)(r1 + 0), r2)", CKOLD },
	{ { INSN(0xdb, 1, 2, 0, 0xa0) }, 1, "lock *(u64 *)(r1 + 0) ^= r2", CKOLD },
	{ { INSN(0xdb, 1, 2, -8, 0xa1) }, 1, "r2 = atomic_fetch_xor((u64 *)(r1 - 8), r2)", CKOLD },
	{ { INSN(0xdb, 1, 3, 0, 0xe1) }, 1, "r3 = xchg_64(r1 + 0, r3)", CKOLD },
	{ { INSN(0xdb, 1, 3, 4, 0xf1) }, 1, "r0 = cmpxchg_64(r1 + 4, r0, r3)", CKOLD },
	/* atomics, 32-bit: llvm's default mode only decodes the plain add */
	{ { INSN(0xc3, 1, 2, 0, 0x00) }, 1, "lock *(u32 *)(r1 + 0) += r2", CKOLD },
	{ { INSN(0xc3, 1, 2, 0, 0x01) }, 1, "w2 = atomic_fetch_add((u32 *)(r1 + 0), w2)", CK19A },
	{ { INSN(0xc3, 1, 2, 0, 0x40) }, 1, "lock *(u32 *)(r1 + 0) |= w2", CK19A },
	{ { INSN(0xc3, 1, 2, 0, 0x41) }, 1, "w2 = atomic_fetch_or((u32 *)(r1 + 0), w2)", CK19A },
	{ { INSN(0xc3, 1, 2, 0, 0x50) }, 1, "lock *(u32 *)(r1 + 0) &= w2", CK19A },
	{ { INSN(0xc3, 1, 2, 0, 0x51) }, 1, "w2 = atomic_fetch_and((u32 *)(r1 + 0), w2)", CK19A },
	{ { INSN(0xc3, 1, 2, 0, 0xa0) }, 1, "lock *(u32 *)(r1 + 0) ^= w2", CK19A },
	{ { INSN(0xc3, 1, 2, 0, 0xa1) }, 1, "w2 = atomic_fetch_xor((u32 *)(r1 + 0), w2)", CK19A },
	{ { INSN(0xc3, 1, 2, 0, 0xe1) }, 1, "w2 = xchg32_32(r1 + 0, w2)", CK19A },
	{ { INSN(0xc3, 1, 2, 0, 0xf1) }, 1, "w0 = cmpxchg32_32(r1 + 0, w0, w2)", CK19A },
	/* load-acquire / store-release (llvm 20 syntax; not checked against an objdump) */
	{ { INSN(0xd3, 0, 1, 0, 0x100) }, 1, "w0 = load_acquire((u8 *)(r1 + 0))", 0 },
	{ { INSN(0xcb, 0, 1, 2, 0x100) }, 1, "w0 = load_acquire((u16 *)(r1 + 2))", 0 },
	{ { INSN(0xc3, 0, 1, 4, 0x100) }, 1, "w0 = load_acquire((u32 *)(r1 + 4))", 0 },
	{ { INSN(0xdb, 0, 1, -8, 0x100) }, 1, "r0 = load_acquire((u64 *)(r1 - 8))", 0 },
	{ { INSN(0xd3, 1, 2, 0, 0x110) }, 1, "store_release((u8 *)(r1 + 0), w2)", 0 },
	{ { INSN(0xdb, 1, 2, 0, 0x110) }, 1, "store_release((u64 *)(r1 + 0), r2)", 0 },
};

/* Malformed instructions, each disassembled as a whole program of `slots` instructions
 * (count = slots), except when count is set. */
struct bad_case {
	struct bpf_insn insn[2];
	unsigned int count;
	const char *text;
	unsigned int slots;
	const char *note;	/* expected start of the note */
};

static const struct bad_case bad_cases[] = {
	{ { INSN(0x8c, 1, 2, 0, 0) }, 1, "<unknown>", 1, "invalid: unknown opcode 0x8c" },
	{ { INSN(0xff, 0, 0, 0, 0) }, 1, "<unknown>", 1, "invalid: unknown opcode 0xff" },
	{ { INSN(0x00, 0, 0, 0, 0) }, 1, "<unknown>", 1, "invalid: unknown opcode 0x00" },
	{ { INSN(0x38, 0, 0, 0, 4) }, 1, "<unknown>", 1, "invalid: unknown opcode 0x38" },
	{ { INSN(0x99, 0, 0, 0, 0) }, 1, "<unknown>", 1, "invalid: unknown opcode 0x99" },
	{ { INSN(0x86, 0, 0, 0, 1) }, 1, "<unknown>", 1, "invalid: unknown opcode 0x86" },
	{ { INSN(0x96, 0, 0, 0, 0) }, 1, "<unknown>", 1, "invalid: unknown opcode 0x96" },
	{ { INSN(0xe6, 0, 0, 0, 0) }, 1, "<unknown>", 1, "invalid: unknown opcode 0xe6" },
	{ { INSN(0xf5, 0, 0, 0, 0) }, 1, "<unknown>", 1, "invalid: unknown opcode 0xf5" },
	{ { INSN(0xdf, 1, 0, 0, 16) }, 1, "<unknown>", 1, "invalid: unknown opcode 0xdf" },
	{ { INSN(0x99, 0, 0, 0, 0) }, 1, "<unknown>", 1, "invalid: unknown opcode 0x99" },
	{ { INSN(0x98, 0, 0, 0, 0) }, 1, "<unknown>", 1, "invalid: unknown opcode 0x98" },
	{ { INSN(0x9b, 1, 2, 0, 0) }, 1, "<unknown>", 1, "invalid: unknown opcode 0x9b" },
	{ { INSN(0x99, 1, 2, 0, 0) }, 1, "<unknown>", 1, "invalid: unknown opcode 0x99" },
	{ { INSN(0xd3, 1, 2, 0, 0x00) }, 1, "<unknown>", 1, "invalid: unknown opcode 0xd3" },
	{ { INSN(0xdb, 1, 2, 0, 0x20) }, 1, "<unknown>", 1, "invalid: unknown atomic operation" },
	/* registers above r10 */
	{ { INSN(0x0f, 11, 2, 0, 0) }, 1, "<unknown>", 1, "invalid: register r11 out of range" },
	{ { INSN(0x79, 1, 15, 0, 0) }, 1, "<unknown>", 1, "invalid: register r15 out of range" },
	{ { INSN(0x18, 12, 0, 0, 0), INSN(0, 0, 0, 0, 0) }, 2, "<unknown>", 2,
	  "invalid: register r12" },
	{ { INSN(0x8d, 0, 0, 0, 11) }, 1, "<unknown>", 1, "invalid: callx register 11" },
	/* reserved fields: text as llvm 14 prints it, but flagged */
	{ { INSN(0x07, 1, 3, 0, 5) }, 1, "r1 += 5", 1, "invalid: reserved field src_reg=3" },
	{ { INSN(0x0f, 1, 2, 0, 9) }, 1, "r1 += r2", 1, "invalid: reserved field imm=9" },
	{ { INSN(0x0f, 1, 2, 4, 0) }, 1, "r1 += r2", 1, "invalid: reserved field off=4" },
	{ { INSN(0xbf, 1, 2, 7, 0) }, 1, "r1 = r2", 1, "invalid: reserved field off=7" },
	{ { INSN(0xbc, 1, 2, 32, 0) }, 1, "w1 = w2", 1, "invalid: reserved field off=32" },
	{ { INSN(0x87, 1, 0, 0, 3) }, 1, "r1 = -r1", 1, "invalid: reserved field imm=3" },
	{ { INSN(0x95, 0, 0, 0, 1) }, 1, "exit", 1, "invalid: reserved field imm=1" },
	{ { INSN(0x79, 1, 2, 0, 6) }, 1, "r1 = *(u64 *)(r2 + 0)", 1,
	  "invalid: reserved field imm=6" },
	{ { INSN(0x20, 1, 0, 0, 6) }, 1, "r0 = *(u32 *)skb[6]", 1,
	  "invalid: reserved field dst_reg=1" },
	{ { INSN(0xd4, 1, 0, 0, 8) }, 1, "<unknown>", 1, "invalid: byte swap width 8" },
	{ { INSN(0x85, 0, 0, 0, 100000) }, 1, "call 100000", 1, "invalid: unknown helper 100000" },
	{ { INSN(0x85, 0, 0, 0, 0) }, 1, "call 0", 1, "invalid: unknown helper 0" },
	{ { INSN(0x85, 0, 3, 0, 0) }, 1, "call 0", 1, "invalid: call with unknown src_reg 3" },
	{ { INSN(0x8d, 0, 0, 0, 3) }, 1, "callx r3", 1, "invalid: callx is not supported" },
	{ { INSN(0xe5, 0, 1, 0, 0) }, 1, "may_goto +0", 1, "invalid: target 1 outside" },
	/* ld_imm64 pairs */
	{ { INSN(0x18, 1, 0, 0, 5) }, 1, "<unknown>", 1,
	  "invalid: ld_imm64 is missing its second slot" },
	{ { INSN(0x18, 1, 0, 0, 5), INSN(0x95, 0, 0, 0, 6) }, 2, "r1 = 25769803781 ll", 2,
	  "invalid: second slot of ld_imm64 has a non-zero header" },
	{ { INSN(0x18, 1, 0, 0, 5), INSN(0, 3, 0, 0, 0) }, 2, "r1 = 5 ll", 2,
	  "invalid: second slot" },
	{ { INSN(0x18, 1, 0, 2, 5), INSN(0, 0, 0, 0, 0) }, 2, "r1 = 5 ll", 2,
	  "invalid: reserved field off=2" },
	{ { INSN(0x18, 1, 7, 0, 5), INSN(0, 0, 0, 0, 0) }, 2, "ld_pseudo r1, 7, 5", 2,
	  "invalid: unknown ld_imm64 src_reg 7" },
	{ { INSN(0x18, 1, 4, 0, 9), INSN(0, 0, 0, 0, 0) }, 2, "ld_pseudo r1, 4, 9", 2,
	  "invalid: target 10 outside the program (0..1)" },
	/* targets outside the program */
	{ { INSN(0x05, 0, 0, 100, 0) }, 1, "goto +100", 1,
	  "invalid: target 101 outside the program (0..0)" },
	{ { INSN(0x05, 0, 0, -2, 0) }, 1, "goto -2", 1, "invalid: target -1 outside" },
	{ { INSN(0x15, 1, 0, 1, 0) }, 1, "if r1 == 0 goto +1", 1, "invalid: target 2 outside" },
	{ { INSN(0x06, 0, 0, 0, 2147483647) }, 1, "gotol +2147483647", 1,
	  "invalid: target 2147483648 outside" },
	{ { INSN(0x85, 0, 1, 0, -5) }, 1, "call -5", 1, "invalid: target -4 outside" },
};

static void test_valid_cases(void)
{
	struct bpf_insn prog[2 * ARRAY_SIZE(valid_cases) + 8];
	size_t n = 0, pos[ARRAY_SIZE(valid_cases)];
	struct disasm_insn o;
	struct errmsg err;
	size_t i;

	/* pad so that "goto -3" and friends land inside the program */
	for (i = 0; i < 4; i++)
		prog[n++] = (struct bpf_insn)INSN(0xb7, 0, 0, 0, 0);
	for (i = 0; i < ARRAY_SIZE(valid_cases); i++) {
		pos[i] = n;
		memcpy(&prog[n], valid_cases[i].insn, valid_cases[i].slots * sizeof(prog[0]));
		n += valid_cases[i].slots;
	}
	for (i = 0; i < 4; i++)
		prog[n++] = (struct bpf_insn)INSN(0x95, 0, 0, 0, 0);

	for (i = 0; i < ARRAY_SIZE(valid_cases); i++) {
		const struct tcase *c = &valid_cases[i];
		int ret = disasm_one(prog, n, pos[i], NULL, &o, &err);

		CHECK(ret == 0, "case %zu: disasm_one returned %d", i, ret);
		CHECK_STR(o.text, c->text);
		CHECK(o.valid, "'%s' flagged: %s", c->text, o.note);
		CHECK(o.slots == c->slots, "'%s': %u slots", c->text, o.slots);
		CHECK(o.idx == pos[i], "'%s': idx %zu", c->text, o.idx);
		if (c->note)
			CHECK_STR(o.note, c->note);
	}
}

static void test_bad_cases(void)
{
	struct disasm_insn o;
	struct errmsg err;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		int ret = disasm_one(c->insn, c->count, 0, NULL, &o, &err);

		CHECK(ret == 0, "bad case %zu: disasm_one returned %d", i, ret);
		CHECK(!o.valid, "bad case %zu ('%s') not flagged", i, o.text);
		CHECK_STR(o.text, c->text);
		CHECK(o.slots == c->slots, "bad case %zu: %u slots", i, o.slots);
		CHECK(strncmp(o.note, c->note, strlen(c->note)) == 0,
		      "bad case %zu: note '%s', want '%s...'", i, o.note, c->note);
	}
}

/* Every opcode with assorted fields, at the end of a program and inside one: no crash,
 * no read past count, a sane result. ASan in `make SANITIZE=1 test` checks the reads. */
static void test_every_opcode(void)
{
	static const int16_t offs[] = { 0, 1, -1, 8, 16, 32, 32767, -32768 };
	static const int32_t imms[] = { 0, 1, 16, 0x41, 0xf1, 0x100, 0x110, -1, 2147483647 };
	struct disasm_insn o;
	struct errmsg err;
	unsigned int bad = 0, code, regs, k, m;

	for (code = 0; code < 256; code++) {
		for (regs = 0; regs < 256; regs += 17) {
			for (k = 0; k < ARRAY_SIZE(offs); k++) {
				for (m = 0; m < ARRAY_SIZE(imms); m++) {
					size_t count;

					/* exactly count slots: ASan sees any read past them */
					for (count = 1; count <= 2; count++) {
						struct bpf_insn *p = calloc(count, sizeof(*p));

						p[0] = (struct bpf_insn)INSN(code, regs & 15,
									     regs >> 4, offs[k],
									     imms[m]);
						if (disasm_one(p, count, 0, NULL, &o, &err) ||
						    o.slots < 1 || o.slots > count ||
						    !o.text[0] ||
						    memchr(o.text, 0, sizeof(o.text)) == NULL ||
						    memchr(o.note, 0, sizeof(o.note)) == NULL ||
						    (!strcmp(o.text, "<unknown>") && o.valid) ||
						    (!strcmp(o.text, "<unknown>") !=
						     (o.kind == DISASM_INVALID)) ||
						    (!o.valid && strncmp(o.note, "invalid: ", 9)))
							bad++;
						free(p);
					}
				}
			}
		}
	}
	CHECK(bad == 0, "%u odd results over every opcode", bad);
}

static void test_api(void)
{
	struct bpf_insn one = INSN(0x95, 0, 0, 0, 0);
	struct disasm_insn o;
	struct errmsg err;
	int ret;

	errmsg_clear(&err);
	ret = disasm_one(&one, 1, 1, NULL, &o, &err);
	CHECK(ret == -EINVAL, "idx == count gave %d", ret);
	CHECK(err.msg[0] != '\0', "no message for idx == count");
	ret = disasm_one(NULL, 1, 0, NULL, &o, &err);
	CHECK(ret == -EINVAL, "NULL insns gave %d", ret);
	ret = disasm_one(&one, 1, 0, NULL, NULL, NULL);
	CHECK(ret == -EINVAL, "NULL out gave %d", ret);
	ret = disasm_one(&one, 0, 0, NULL, &o, NULL);
	CHECK(ret == -EINVAL, "count 0 gave %d", ret);
}

static void test_helper_names(void)
{
	int32_t id;
	int missing = 0;

	CHECK_STR(disasm_helper_name(1), "bpf_map_lookup_elem");
	CHECK_STR(disasm_helper_name(14), "bpf_get_current_pid_tgid");
	CHECK_STR(disasm_helper_name(131), "bpf_ringbuf_reserve");
	CHECK_STR(disasm_helper_name(181), "bpf_loop");
	CHECK_STR(disasm_helper_name(209), "bpf_user_ringbuf_drain");
	CHECK_STR(disasm_helper_name(211), "bpf_cgroup_local_storage_delete");
	CHECK(disasm_helper_name(0) == NULL, "id 0 has a name");
	CHECK(disasm_helper_name(-1) == NULL, "id -1 has a name");
	CHECK(disasm_helper_name(212) == NULL, "id 212 has a name");
	CHECK(disasm_helper_name(2147483647) == NULL, "id INT_MAX has a name");
	for (id = 1; id <= 211; id++) {
		const char *n = disasm_helper_name(id);

		if (!n || strncmp(n, "bpf_", 4))
			missing++;
	}
	CHECK(missing == 0, "%d helper ids in 1..211 without a bpf_ name", missing);
}

/* A resolver that names everything after the instruction index, to see where notes go. */
static char resolved[64];

static const char *name_call(void *ctx, size_t idx, int64_t target)
{
	snprintf(resolved, sizeof(resolved), "sub_%zu_%lld", idx, (long long)target);
	return resolved;
}

static const char *name_ld(void *ctx, size_t idx)
{
	return idx == 0 ? "map: events" : NULL;
}

static const char *name_kfunc(void *ctx, size_t idx, int32_t id)
{
	return id == 77 ? "bpf_task_acquire" : NULL;
}

static const char *name_label(void *ctx, size_t idx, int64_t target)
{
	snprintf(resolved, sizeof(resolved), "LBB0_%lld", (long long)target);
	return resolved;
}

static void test_resolver(void)
{
	const struct bpf_insn prog[] = {
		INSN(0x18, 1, 0, 0, 0), INSN(0, 0, 0, 0, 0),	/* 0: r1 = 0 ll */
		INSN(0x85, 0, 1, 0, 40),			/* 2: call 40 (relocated) */
		INSN(0x85, 0, 2, 0, 77),			/* 3: kfunc */
		INSN(0x85, 0, 2, 0, 78),			/* 4: kfunc, unnamed */
		INSN(0x05, 0, 0, 0, 0),				/* 5: goto +0 */
		INSN(0x95, 0, 0, 0, 0),				/* 6: exit */
	};
	const struct disasm_resolver r = {
		.call_target = name_call, .ld_imm64 = name_ld, .kfunc = name_kfunc,
		.jump_label = name_label,
	};
	const struct disasm_resolver empty = { 0 };
	struct disasm_insn o;
	struct errmsg err;

	disasm_one(prog, ARRAY_SIZE(prog), 0, &r, &o, &err);
	CHECK_STR(o.note, "map: events");
	CHECK(o.kind == DISASM_LD_IMM64, "kind %d", o.kind);
	disasm_one(prog, ARRAY_SIZE(prog), 2, &r, &o, &err);
	CHECK_STR(o.note, "sub_2_43");
	CHECK(o.valid && o.kind == DISASM_CALL_BPF, "relocated call: %s", o.note);
	disasm_one(prog, ARRAY_SIZE(prog), 2, &empty, &o, &err);
	CHECK(!o.valid, "unresolved call to 43 of 7 not flagged");
	disasm_one(prog, ARRAY_SIZE(prog), 3, &r, &o, &err);
	CHECK_STR(o.note, "bpf_task_acquire");
	CHECK(o.kind == DISASM_CALL_KFUNC, "kind %d", o.kind);
	disasm_one(prog, ARRAY_SIZE(prog), 4, &r, &o, &err);
	CHECK_STR(o.note, "kfunc btf_id 78");
	disasm_one(prog, ARRAY_SIZE(prog), 5, &r, &o, &err);
	CHECK_STR(o.note, "LBB0_6");
	CHECK(o.target == 6 && o.kind == DISASM_JUMP, "target %lld", (long long)o.target);
	disasm_one(prog, ARRAY_SIZE(prog), 6, &r, &o, &err);
	CHECK(o.kind == DISASM_EXIT && o.target == -1, "exit kind %d", o.kind);
}

/* ---- llvm-objdump cross-checks ---- */

struct od_line {
	char section[128];
	long idx;
	char text[160];
};

struct od {
	struct od_line *v;
	size_t n, cap;
};

/* Collapse blanks, trim, and drop objdump's branch label suffix (" <LBB0_2>", " <f+0x8>"). */
static void normalize(char *s)
{
	char *w = s, *r = s, *lt;
	bool space = false;

	for (; *r; r++) {
		if (*r == ' ' || *r == '\t') {
			space = w != s;
			continue;
		}
		if (space)
			*w++ = ' ';
		space = false;
		*w++ = *r;
	}
	*w = '\0';
	lt = strrchr(s, '<');
	if (lt && lt > s && lt[-1] == ' ' && w[-1] == '>')
		lt[-1] = '\0';
}

static void od_parse(struct od *od, char *buf)
{
	char section[128] = "";
	char *line, *save = NULL;

	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct od_line *l;
		char *colon, *end;
		long idx;

		if (sscanf(line, "Disassembly of section %127[^:]:", section) == 1)
			continue;
		idx = strtol(line, &end, 10);
		colon = end;
		if (end == line || *colon != ':' || colon[1] != '\t')
			continue;
		if (od->n == od->cap) {
			od->cap = od->cap ? 2 * od->cap : 256;
			od->v = realloc(od->v, od->cap * sizeof(*od->v));
		}
		l = &od->v[od->n++];
		snprintf(l->section, sizeof(l->section), "%s", section);
		l->idx = idx;
		snprintf(l->text, sizeof(l->text), "%s", colon + 2);
		normalize(l->text);
	}
}

static const char *od_find(const struct od *od, const char *section, long idx)
{
	size_t i;

	for (i = 0; i < od->n; i++)
		if (od->v[i].idx == idx && !strcmp(od->v[i].section, section))
			return od->v[i].text;
	return NULL;
}

static size_t od_count(const struct od *od, const char *section)
{
	size_t i, n = 0;

	for (i = 0; i < od->n; i++)
		n += !strcmp(od->v[i].section, section);
	return n;
}

/* Run argv, return its stdout (malloc'd) if it exits 0. No shell is involved. */
static char *run_capture(char *const argv[])
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	int pipefd[2], status;
	pid_t pid;
	ssize_t n;

	if (!buf || pipe(pipefd))
		return free(buf), NULL;
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		close(pipefd[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	while (pid > 0 && (n = read(pipefd[0], buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
	}
	close(pipefd[0]);
	buf[len] = '\0';
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* "llvm-objdump" (any version) runs with --no-print-imm-hex: llvm >= 15 defaults to hex. */
static bool objdump(const char *tool, const char *mattr, const char *file, struct od *od)
{
	char *argv[8];
	char *out;
	int n = 0;

	argv[n++] = (char *)tool;
	argv[n++] = "-d";
	argv[n++] = "--no-show-raw-insn";
	argv[n++] = "--no-print-imm-hex";
	if (mattr)
		argv[n++] = (char *)mattr;
	argv[n++] = (char *)file;
	argv[n] = NULL;
	out = run_capture(argv);
	if (!out)
		return false;
	od_parse(od, out);
	free(out);
	return true;
}

static int llvm_major(const char *tool)
{
	char *argv[] = { (char *)tool, "--version", NULL };
	char *out = run_capture(argv), *p;
	int major = 0;

	if (out && (p = strstr(out, "LLVM version ")))
		major = atoi(p + strlen("LLVM version "));
	free(out);
	return major;
}

static const char *find_llvm19(void)
{
	static const char *const paths[] = { "/usr/lib/llvm-19/bin/llvm-objdump",
					     "/usr/bin/llvm-objdump-19" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(paths); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/* A minimal relocatable EM_BPF ELF file whose .text holds insns: what objdump needs. */
static bool write_elf(const char *path, const struct bpf_insn *insns, size_t n)
{
	static const char shstr[] = "\0.text\0.shstrtab";
	size_t text_off = sizeof(Elf64_Ehdr), text_size = n * sizeof(*insns);
	size_t str_off = text_off + text_size;
	size_t sh_off = (str_off + sizeof(shstr) + 7) & ~(size_t)7;
	Elf64_Ehdr eh = { 0 };
	Elf64_Shdr sh[3] = { { 0 } };
	static const char zero[8];
	FILE *f = fopen(path, "wb");
	bool ok;

	if (!f)
		return false;
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_REL;
	eh.e_machine = EM_BPF;
	eh.e_version = EV_CURRENT;
	eh.e_shoff = sh_off;
	eh.e_ehsize = sizeof(eh);
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = 3;
	eh.e_shstrndx = 2;
	sh[1] = (Elf64_Shdr){ .sh_name = 1, .sh_type = SHT_PROGBITS,
			      .sh_flags = SHF_ALLOC | SHF_EXECINSTR, .sh_offset = text_off,
			      .sh_size = text_size, .sh_addralign = 8 };
	sh[2] = (Elf64_Shdr){ .sh_name = 7, .sh_type = SHT_STRTAB, .sh_offset = str_off,
			      .sh_size = sizeof(shstr), .sh_addralign = 1 };
	ok = fwrite(&eh, sizeof(eh), 1, f) == 1 &&
	     fwrite(insns, sizeof(*insns), n, f) == n &&
	     fwrite(shstr, sizeof(shstr), 1, f) == 1 &&
	     fwrite(zero, 1, sh_off - str_off - sizeof(shstr), f) == sh_off - str_off - sizeof(shstr) &&
	     fwrite(sh, sizeof(sh), 1, f) == 1;
	return fclose(f) == 0 && ok;
}

/*
 * The hand-built valid cases, written to an ELF file and disassembled by llvm-objdump 14
 * (and 19): every case tagged for a version must print the same text there.
 */
static void run_synthetic_crosscheck(void)
{
	struct bpf_insn prog[2 * ARRAY_SIZE(valid_cases) + 8];
	size_t n = 0, pos[ARRAY_SIZE(valid_cases)], i, v;
	char path[] = "/tmp/bpfkit-disasm-XXXXXX";
	const char *l19 = find_llvm19();
	struct {
		unsigned int tag;
		const char *tool, *mattr;
		struct od od;
		bool ran;
		unsigned int compared;
	} runs[3] = {
		{ CK14, "llvm-objdump", NULL },
		{ CK19, l19, NULL },
		{ CK19A, l19, "--mattr=+alu32" },
	};
	int fd;

	for (i = 0; i < 4; i++)
		prog[n++] = (struct bpf_insn)INSN(0xb7, 0, 0, 0, 0);
	for (i = 0; i < ARRAY_SIZE(valid_cases); i++) {
		pos[i] = n;
		memcpy(&prog[n], valid_cases[i].insn, valid_cases[i].slots * sizeof(prog[0]));
		n += valid_cases[i].slots;
	}
	for (i = 0; i < 4; i++)
		prog[n++] = (struct bpf_insn)INSN(0x95, 0, 0, 0, 0);

	fd = mkstemp(path);
	if (fd < 0 || !write_elf(path, prog, n)) {
		CHECK(0, "cannot write %s", path);
		return;
	}
	close(fd);
	if (llvm_major("llvm-objdump") != 14)
		runs[0].tool = "llvm-objdump-14";
	for (v = 0; v < ARRAY_SIZE(runs); v++) {
		if (!runs[v].tool || !objdump(runs[v].tool, runs[v].mattr, path, &runs[v].od)) {
			SKIP("%s%s%s not available: cross-check skipped",
			     runs[v].tool ? runs[v].tool : "llvm-objdump-19",
			     runs[v].mattr ? " " : "", runs[v].mattr ? runs[v].mattr : "");
			continue;
		}
		runs[v].ran = true;
		for (i = 0; i < ARRAY_SIZE(valid_cases); i++) {
			const char *got;

			if (!(valid_cases[i].check & runs[v].tag))
				continue;
			got = od_find(&runs[v].od, ".text", (long)pos[i]);
			CHECK(got && !strcmp(got, valid_cases[i].text),
			      "%s%s: insn %zu: objdump '%s', expected '%s'", runs[v].tool,
			      runs[v].mattr ? " +alu32" : "", pos[i], got ? got : "(none)",
			      valid_cases[i].text);
			runs[v].compared++;
		}
		printf("synthetic: %u instructions match %s%s\n", runs[v].compared,
		       runs[v].tool, runs[v].mattr ? " --mattr=+alu32" : "");
		free(runs[v].od.v);
	}
	unlink(path);
}

/* Relocations of one program section: insn index -> symbol name, for the resolver. */
struct relocs {
	size_t n;
	size_t *idx;
	const char **name;
};

static const char *reloc_name(void *ctx, size_t idx)
{
	const struct relocs *r = ctx;
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->idx[i] == idx)
			return r->name[i];
	return NULL;
}

static const char *reloc_call(void *ctx, size_t idx, int64_t target)
{
	return reloc_name(ctx, idx);
}

static void load_relocs(Elf *elf, size_t shstrndx, size_t scn_index, struct relocs *r)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh, symsh;
		Elf_Data *data, *syms;
		Elf_Scn *symscn;
		size_t k, nrel;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_REL || sh.sh_info != scn_index)
			continue;
		symscn = elf_getscn(elf, sh.sh_link);
		data = elf_getdata(scn, NULL);
		if (!symscn || !data || !gelf_getshdr(symscn, &symsh) ||
		    !(syms = elf_getdata(symscn, NULL)))
			continue;
		nrel = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (k = 0; k < nrel; k++) {
			GElf_Rel rel;
			GElf_Sym sym;
			const char *name;

			if (!gelf_getrel(data, (int)k, &rel) ||
			    !gelf_getsym(syms, (int)GELF_R_SYM(rel.r_info), &sym))
				continue;
			name = elf_strptr(elf, symsh.sh_link, sym.st_name);
			if (GELF_ST_TYPE(sym.st_info) == STT_SECTION) {
				GElf_Shdr target;

				if (gelf_getshdr(elf_getscn(elf, sym.st_shndx), &target))
					name = elf_strptr(elf, shstrndx, target.sh_name);
			}
			r->idx = realloc(r->idx, (r->n + 1) * sizeof(*r->idx));
			r->name = realloc(r->name, (r->n + 1) * sizeof(*r->name));
			r->idx[r->n] = rel.r_offset / sizeof(struct bpf_insn);
			r->name[r->n++] = name ? name : "?";
		}
	}
}

/*
 * llvm 14 decodes some newer instructions by ignoring the fields that make them new: its
 * text is wrong there (signed div/mod and sign-extending moves print as plain ones, 32-bit
 * fetch atomics and load-acquire as "lock ... +="), so they are not compared.
 */
static bool llvm14_misdecodes(const struct bpf_insn *insn)
{
	uint8_t cls = BPF_CLASS(insn->code);

	if ((cls == BPF_ALU || cls == BPF_ALU64) && insn->off)
		return true;
	if (insn->code == (BPF_STX | BPF_ATOMIC | BPF_W) && insn->imm)
		return true;
	return insn->code == (BPF_STX | BPF_ATOMIC | BPF_DW) && (insn->imm & ~0xff);
}

static void crosscheck_file(const char *path, int major)
{
	size_t shstrndx, compared = 0, newer = 0, sections = 0;
	struct od od = { 0 };
	Elf_Scn *scn = NULL;
	Elf *elf;
	int fd;

	if (!objdump("llvm-objdump", NULL, path, &od)) {
		CHECK(0, "llvm-objdump failed on %s", path);
		return;
	}
	fd = open(path, O_RDONLY);
	elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	if (!elf || elf_getshdrstrndx(elf, &shstrndx)) {
		CHECK(0, "cannot read %s", path);
		goto out;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		struct relocs rel = { 0 };
		struct disasm_resolver r = {
			.ctx = &rel, .call_target = reloc_call, .ld_imm64 = reloc_name,
		};
		struct bpf_insn *insns;
		struct disasm_insn o;
		struct errmsg err;
		const char *name;
		Elf_Data *data;
		GElf_Shdr sh;
		size_t count, i, decoded = 0;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_EXECINSTR) || !sh.sh_size)
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		data = elf_getdata(scn, NULL);
		if (!name || !data || data->d_size % sizeof(struct bpf_insn)) {
			CHECK(0, "%s: odd section", path);
			continue;
		}
		count = data->d_size / sizeof(struct bpf_insn);
		insns = malloc(data->d_size);
		memcpy(insns, data->d_buf, data->d_size);
		load_relocs(elf, shstrndx, elf_ndxscn(scn), &rel);
		sections++;
		for (i = 0; i < count; i += o.slots, decoded++) {
			const char *want;

			if (disasm_one(insns, count, i, &r, &o, &err)) {
				CHECK(0, "%s %s: %s", path, name, err.msg);
				break;
			}
			CHECK(o.valid, "%s %s insn %zu '%s' flagged: %s", path, name, i, o.text,
			      o.note);
			want = od_find(&od, name, (long)i);
			if (want && !strcmp(want, "<unknown>") && strcmp(o.text, "<unknown>")) {
				newer++;	/* an instruction this llvm cannot decode */
				continue;
			}
			if (major == 14 && llvm14_misdecodes(&insns[i])) {
				newer++;
				continue;
			}
			CHECK(want && !strcmp(want, o.text), "%s %s insn %zu: ours '%s', objdump '%s'",
			      path, name, i, o.text, want ? want : "(none)");
			compared++;
		}
		CHECK(decoded == od_count(&od, name), "%s %s: %zu instructions, objdump has %zu",
		      path, name, decoded, od_count(&od, name));
		free(insns);
		free(rel.idx);
		free(rel.name);
	}
	printf("%s: %zu sections, %zu instructions match llvm-objdump %d (%zu newer skipped)\n",
	       path, sections, compared, major, newer);
out:
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	free(od.v);
}

static void run_fixture_crosscheck(const char *dir)
{
	int major = llvm_major("llvm-objdump");
	struct dirent *de;
	int files = 0;
	DIR *d;

	if (!dir || !(d = opendir(dir))) {
		SKIP("no fixture directory: fixture cross-check skipped");
		return;
	}
	if (!major) {
		closedir(d);
		SKIP("llvm-objdump not found: fixture cross-check skipped");
		return;
	}
	elf_version(EV_CURRENT);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char path[4096];

		if (len < 6 || strcmp(de->d_name + len - 6, ".bpf.o"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		crosscheck_file(path, major);
		files++;
	}
	closedir(d);
	CHECK(files > 0, "no fixture objects in %s", dir);
}

int main(int argc, char **argv)
{
	test_api();
	test_helper_names();
	test_valid_cases();
	test_bad_cases();
	test_resolver();
	test_every_opcode();
	run_synthetic_crosscheck();
	run_fixture_crosscheck(argc > 1 ? argv[1] : NULL);
	UNIT_DONE();
}
