/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The ELF half of the object gate (inspect/elf.c): the header, every section's bounds and
 * name, symbol table entries, relocation records and instructions are checked, so later
 * readers only see offsets, sizes and indices in range. Only the object model
 * (include/object.h) opens one; it adds the .BTF/.BTF.ext checks.
 */
#ifndef BPFKIT_ELFREAD_H
#define BPFKIT_ELFREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errmsg.h"

struct bk_section {
	size_t index;
	const char *name;
	uint32_t type;		/* SHT_* */
	uint64_t flags;		/* SHF_* */
	uint64_t addr, offset, size, entsize, align;
	uint32_t link, info;
	const void *data;	/* NULL for SHT_NOBITS and empty sections */
};

struct bk_symbol {
	const char *name;
	uint64_t value, size;
	uint8_t bind, type;	/* STB_*, STT_* */
	uint16_t shndx;
	const char *section;	/* NULL for SHN_UNDEF/ABS/COMMON */
};

struct bk_elf {
	char *path;		/* as given, or "@name" for bundled objects */
	void *buf;		/* the whole file, owned by the caller (struct bk_object) */
	size_t size;
	struct Elf *elf;		/* libelf handle over buf */
	uint8_t elf_class;	/* ELFCLASS64 */
	uint8_t data;		/* ELFDATA2LSB / MSB */
	uint16_t machine, e_type;
	size_t nr_sections;
	size_t shstrndx;	/* the section-name string table */
	struct bk_section *sections;
	size_t nr_symbols;
	struct bk_symbol *symbols;
	size_t symtab_index;	/* 0: none */
};

/* Validate buf (kept alive by the caller); -errno with a message naming name and the problem. */
int bk_elf_open_mem(const void *buf, size_t size, const char *name, struct bk_elf **out,
		    struct errmsg *err);
void bk_elf_close(struct bk_elf *e);

const struct bk_section *bk_elf_section(const struct bk_elf *e, const char *name);

/* readelf's spelling: "PROGBITS", "REL", ...; flags as readelf's key letters ("AX"). */
const char *bk_elf_section_type_str(uint32_t type, char *buf, size_t len);
void bk_elf_section_flags_str(uint64_t flags, char *buf, size_t len);
const char *bk_elf_sym_bind_str(uint8_t bind);
const char *bk_elf_sym_type_str(uint8_t type);

/* The CO-RE records of a parsed .BTF.ext: kinds and access-string syntax (inspect/validate.c). */
struct bext;
int bk_check_core_relos(const struct bext *ext, const char *path, struct errmsg *err);

/* The license string, or NULL; the "version" section's value, or -1. */
const char *bk_elf_license(const struct bk_elf *e);
int64_t bk_elf_kern_version(const struct bk_elf *e);

#endif
