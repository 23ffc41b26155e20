/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The code model of an object (inspect/code.c): each code section's instructions (an aligned
 * copy), the relocation that applies to each instruction, its line_info record, and the
 * functions in it with their bounds; symbol indexes sorted by address so lookups are binary
 * searches (a hostile object with many symbols and jumps cannot make a view quadratic).
 * Built once per object (bk_object_ext()); the disassembler's resolver, the program
 * references of `inspect --programs` and every other walker of code read it.
 */
#ifndef BPFKIT_CODE_H
#define BPFKIT_CODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/bpf.h>

#include "disasm.h"
#include "elfread.h"

struct bext;
struct bext_line;

/* A function symbol (or a whole section without one): instruction indexes, end exclusive. */
struct bk_func {
	const char *name;
	const struct bk_symbol *sym;	/* NULL for a whole section without function symbols */
	size_t start, end;
};

struct bk_sym_index {
	const struct bk_symbol **v;
	size_t n;
};

struct bk_code_sec {
	const struct bk_elf *e;
	const struct bk_section *sec;
	struct bpf_insn *insns;		/* aligned copy: the file buffer may not be */
	size_t count;
	size_t *reloc_sym;		/* per instruction: symbol index + 1, 0 when none */
	const struct bext_line **line_of;	/* per instruction: its line_info, or NULL */
	struct bk_func *funcs;		/* in address order */
	size_t nr_funcs;
	const struct bk_sym_index *labels;	/* functions and labels (STT_FUNC, NOTYPE) */
	const struct bk_sym_index *objects;	/* variables (STT_OBJECT) */
	char buf[160];			/* resolver answers that need formatting */
	char obj[96];
};

struct bk_code {
	struct bk_code_sec *secs;
	size_t nr_secs;
	struct bk_sym_index labels, objects;
};

/* ext (may be NULL) gives the line_info of each instruction. */
int bk_code_build(const struct bk_elf *e, const struct bext *ext, struct bk_code *c,
		  struct errmsg *err);
void bk_code_free(struct bk_code *c);

/* The symbol the relocation at instruction idx refers to, or NULL. */
const struct bk_symbol *bk_code_reloc(const struct bk_code_sec *s, size_t idx);
/* The code section holding function (or section) name in section, or NULL. */
const struct bk_code_sec *bk_code_find(const struct bk_code *c, const char *section,
				       const struct bk_func **func, const char *name);
/* The label (a NOTYPE symbol such as LBB0_3) at instruction idx, or NULL. */
const char *bk_code_label_at(const struct bk_code_sec *s, size_t idx);
/* Names for the disassembler from the relocations and symbols (s is its scratch space). */
struct disasm_resolver bk_code_resolver(struct bk_code_sec *s);

#endif
