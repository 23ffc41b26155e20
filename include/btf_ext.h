/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reader of an object file's .BTF.ext section: function infos, line infos and CO-RE
 * relocations, grouped by program section. The section comes from an untrusted file: every
 * offset, size, count, string offset and type id is checked. Strings (section names, file
 * names, source lines, access strings) are borrowed from the .BTF string table, so the
 * struct btf given to bext_parse() must outlive the result.
 *
 * libbpf 1.1 keeps its own .BTF.ext parser private; this one is written from the format
 * description (struct btf_ext_header in libbpf, struct bpf_func_info / bpf_line_info /
 * bpf_core_relo in <linux/bpf.h>).
 */
#ifndef BPFKIT_BTF_EXT_H
#define BPFKIT_BTF_EXT_H

#include <stddef.h>
#include <stdint.h>

struct btf;
struct errmsg;

#define BEXT_MAGIC		0xeB9F
#define BEXT_VERSION		1
#define BEXT_FUNC_MIN_REC	8	/* struct bpf_func_info */
#define BEXT_LINE_MIN_REC	16	/* struct bpf_line_info */
#define BEXT_CORE_MIN_REC	16	/* struct bpf_core_relo */
#define BEXT_INSN_SZ		8

struct bext_func {
	uint32_t insn_off;	/* bytes from the start of the section */
	uint32_t insn_idx;	/* insn_off / 8 */
	uint32_t type_id;	/* a BTF_KIND_FUNC */
	const char *name;	/* the function's name */
};

struct bext_line {
	uint32_t insn_off;
	uint32_t insn_idx;
	uint32_t file_name_off;
	uint32_t line_off;
	uint32_t line_num;	/* line_col >> 10 */
	uint32_t col;		/* line_col & 0x3ff */
	const char *file;	/* "" when the compiler left it empty */
	const char *line;	/* source text of the line, "" if none */
};

struct bext_relo {
	uint32_t insn_off;
	uint32_t insn_idx;
	uint32_t type_id;	/* root type, local BTF */
	uint32_t access_str_off;
	uint32_t kind;		/* enum bpf_core_relo_kind; unknown values are kept */
	uint32_t sec_relo_idx;	/* index within the section: libbpf's "relo #N" */
	const char *access_str;	/* "0:2:1" */
};

struct bext_sec {
	const char *name;	/* ELF section: "tp/syscalls/sys_enter_openat" */
	struct bext_func *funcs;
	size_t nr_funcs;
	struct bext_line *lines;
	size_t nr_lines;
	struct bext_relo *relos;
	size_t nr_relos;
	void *insns;		/* the section's instructions (owned copy) when the object
				 * model parsed it, else NULL */
	size_t insns_size;	/* bytes */
};

struct bext {
	uint16_t magic;
	uint8_t version;
	uint8_t flags;
	uint32_t hdr_len;
	uint32_t func_rec_size;	/* 0 when the block is absent or empty */
	uint32_t line_rec_size;
	uint32_t core_rec_size;
	size_t nr_funcs, nr_lines, nr_relos;	/* totals over all sections */
	struct bext_sec *secs;	/* in order of first appearance */
	size_t nr_secs;
};

/* Parse a raw .BTF.ext; strings and types are checked against btf. 0 or -errno + message. */
int bext_parse(const void *data, size_t size, const struct btf *btf, struct bext **out,
	       struct errmsg *err);
void bext_free(struct bext *ext);

/* Section by name, or NULL. */
const struct bext_sec *bext_find_sec(const struct bext *ext, const char *name);

/* The function (func_info) containing section instruction insn_idx, or NULL. */
const struct bext_func *bext_func_at(const struct bext_sec *sec, uint32_t insn_idx);

/*
 * libbpf's btf__new() trusts the header it is given (offsets, lengths); check it first.
 * Returns 0 and a new struct btf, or -errno + message.
 */
int bext_btf_new(const void *data, size_t size, struct btf **out, struct errmsg *err);

/* An object's .BTF and .BTF.ext, as struct bk_object keeps them (include/object.h). */
struct bext_object {
	struct btf *btf;	/* never NULL when an object hands one out */
	struct bext *ext;	/* NULL when the object has no .BTF.ext */
};

#endif
