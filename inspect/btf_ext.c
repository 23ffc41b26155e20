/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * .BTF.ext reader. Layout (all little-endian u32 unless noted, offsets of the three info
 * blocks are relative to the end of the header):
 *
 *   header: u16 magic 0xeB9F, u8 version, u8 flags, hdr_len,
 *           func_info_off, func_info_len, line_info_off, line_info_len,
 *           [core_relo_off, core_relo_len]   (present when hdr_len covers them)
 *   block:  rec_size, then until the end of the block:
 *           { sec_name_off, num_info, num_info records of rec_size bytes }
 *
 * A record larger than the one we know is accepted (newer compilers may append fields) and
 * walked by its stride; a smaller one is an error. Nothing is trusted: the file decides
 * every number here.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "btf_ext.h"
#include "elfread.h"
#include "errmsg.h"

#define BEXT_HDR_MIN	24	/* up to and including line_info_len */
#define BEXT_HDR_CORE	32	/* up to and including core_relo_len */
#define BTF_HDR_LEN	24

enum bext_block { BLOCK_FUNC, BLOCK_LINE, BLOCK_CORE };

static const char *const block_names[] = { "func_info", "line_info", "core_relo" };
static const uint32_t block_min_rec[] = { BEXT_FUNC_MIN_REC, BEXT_LINE_MIN_REC,
					  BEXT_CORE_MIN_REC };

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* A string of the .BTF string table, or NULL when the offset is outside it. */
static const char *btf_str(const struct btf *btf, uint32_t off)
{
	return btf__str_by_offset(btf, off);
}

void bext_free(struct bext *ext)
{
	size_t i;

	if (!ext)
		return;
	for (i = 0; i < ext->nr_secs; i++) {
		free(ext->secs[i].funcs);
		free(ext->secs[i].lines);
		free(ext->secs[i].relos);
		free(ext->secs[i].insns);
	}
	free(ext->secs);
	free(ext);
}

const struct bext_sec *bext_find_sec(const struct bext *ext, const char *name)
{
	size_t i;

	for (i = 0; ext && name && i < ext->nr_secs; i++)
		if (strcmp(ext->secs[i].name, name) == 0)
			return &ext->secs[i];
	return NULL;
}

const struct bext_func *bext_func_at(const struct bext_sec *sec, uint32_t insn_idx)
{
	const struct bext_func *best = NULL;
	size_t i;

	/* funcs are not required to be sorted: take the closest start at or before insn */
	for (i = 0; sec && i < sec->nr_funcs; i++) {
		const struct bext_func *f = &sec->funcs[i];

		if (f->insn_idx <= insn_idx && (!best || f->insn_idx > best->insn_idx))
			best = f;
	}
	return best;
}

/* Find the section by name, or append it. Sections of the three blocks merge by name. */
static struct bext_sec *sec_get(struct bext *ext, const char *name, struct errmsg *err)
{
	struct bext_sec *secs;
	size_t i;

	for (i = 0; i < ext->nr_secs; i++)
		if (ext->secs[i].name == name || strcmp(ext->secs[i].name, name) == 0)
			return &ext->secs[i];
	secs = realloc(ext->secs, (ext->nr_secs + 1) * sizeof(*secs));
	if (!secs) {
		errmsg_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	ext->secs = secs;
	memset(&secs[ext->nr_secs], 0, sizeof(*secs));
	secs[ext->nr_secs].name = name;
	return &secs[ext->nr_secs++];
}

/* Grow one of a section's arrays by n elements; returns the first new element. */
static void *grow(void **arr, size_t *nr, size_t n, size_t elem, struct errmsg *err)
{
	void *p;

	/* n is bounded by the section size divided by the record size: no overflow */
	p = realloc(*arr, (*nr + n) * elem);
	if (!p) {
		errmsg_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	*arr = p;
	p = (char *)p + *nr * elem;
	memset(p, 0, n * elem);
	*nr += n;
	return p;
}

static int check_insn_off(const char *what, const char *sec, size_t i, uint32_t insn_off,
			  struct errmsg *err)
{
	if (insn_off % BEXT_INSN_SZ)
		return errmsg_set(err, -EINVAL,
				  ".BTF.ext: %s record %zu of section '%s': insn_off %u is not a multiple of %d",
				  what, i, sec, insn_off, BEXT_INSN_SZ);
	return 0;
}

static int parse_func(const uint8_t *p, const char *sec_name, size_t i, const struct btf *btf,
		      struct bext_func *f, struct errmsg *err)
{
	const struct btf_type *t;
	int ret;

	f->insn_off = rd32(p);
	f->type_id = rd32(p + 4);
	f->insn_idx = f->insn_off / BEXT_INSN_SZ;
	ret = check_insn_off("func_info", sec_name, i, f->insn_off, err);
	if (ret)
		return ret;
	t = f->type_id ? btf__type_by_id(btf, f->type_id) : NULL;
	if (!t)
		return errmsg_set(err, -EINVAL,
				  ".BTF.ext: func_info record %zu of section '%s': type id %u out of range (BTF has %u types)",
				  i, sec_name, f->type_id, btf__type_cnt(btf) - 1);
	if (!btf_is_func(t))
		return errmsg_set(err, -EINVAL,
				  ".BTF.ext: func_info record %zu of section '%s': type [%u] is not a FUNC",
				  i, sec_name, f->type_id);
	f->name = btf_str(btf, t->name_off);
	if (!f->name)
		return errmsg_set(err, -EINVAL,
				  ".BTF.ext: func_info record %zu of section '%s': name offset %u of FUNC [%u] out of range",
				  i, sec_name, t->name_off, f->type_id);
	return 0;
}

static int parse_line(const uint8_t *p, const char *sec_name, size_t i, const struct btf *btf,
		      struct bext_line *l, struct errmsg *err)
{
	uint32_t line_col;
	int ret;

	l->insn_off = rd32(p);
	l->file_name_off = rd32(p + 4);
	l->line_off = rd32(p + 8);
	line_col = rd32(p + 12);
	l->insn_idx = l->insn_off / BEXT_INSN_SZ;
	l->line_num = line_col >> 10;
	l->col = line_col & 0x3ff;
	ret = check_insn_off("line_info", sec_name, i, l->insn_off, err);
	if (ret)
		return ret;
	l->file = btf_str(btf, l->file_name_off);
	if (!l->file)
		return errmsg_set(err, -EINVAL,
				  ".BTF.ext: line_info record %zu of section '%s': file name offset %u out of range",
				  i, sec_name, l->file_name_off);
	l->line = btf_str(btf, l->line_off);
	if (!l->line)
		return errmsg_set(err, -EINVAL,
				  ".BTF.ext: line_info record %zu of section '%s': line offset %u out of range",
				  i, sec_name, l->line_off);
	return 0;
}

static int parse_relo(const uint8_t *p, const char *sec_name, size_t i, const struct btf *btf,
		      struct bext_relo *r, struct errmsg *err)
{
	int ret;

	r->insn_off = rd32(p);
	r->type_id = rd32(p + 4);
	r->access_str_off = rd32(p + 8);
	r->kind = rd32(p + 12);
	r->insn_idx = r->insn_off / BEXT_INSN_SZ;
	r->sec_relo_idx = i;
	ret = check_insn_off("core_relo", sec_name, i, r->insn_off, err);
	if (ret)
		return ret;
	if (!r->type_id || !btf__type_by_id(btf, r->type_id))
		return errmsg_set(err, -EINVAL,
				  ".BTF.ext: core_relo record %zu of section '%s': type id %u out of range (BTF has %u types)",
				  i, sec_name, r->type_id, btf__type_cnt(btf) - 1);
	r->access_str = btf_str(btf, r->access_str_off);
	if (!r->access_str || !r->access_str[0])
		return errmsg_set(err, -EINVAL,
				  ".BTF.ext: core_relo record %zu of section '%s': access string offset %u %s",
				  i, sec_name, r->access_str_off,
				  r->access_str ? "is an empty string" : "out of range");
	return 0;
}

/* Append num records of one section of one block to sec. */
static int parse_records(struct bext *ext, enum bext_block block, struct bext_sec *sec,
			 const uint8_t *p, uint32_t num, uint32_t rec_size,
			 const struct btf *btf, struct errmsg *err)
{
	size_t base, i;
	int ret = 0;

	switch (block) {
	case BLOCK_FUNC: {
		struct bext_func *f;

		base = sec->nr_funcs;
		f = grow((void **)&sec->funcs, &sec->nr_funcs, num, sizeof(*f), err);
		if (!f)
			return -ENOMEM;
		for (i = 0; i < num && !ret; i++)
			ret = parse_func(p + i * rec_size, sec->name, base + i, btf, &f[i], err);
		ext->nr_funcs += num;
		break;
	}
	case BLOCK_LINE: {
		struct bext_line *l;

		base = sec->nr_lines;
		l = grow((void **)&sec->lines, &sec->nr_lines, num, sizeof(*l), err);
		if (!l)
			return -ENOMEM;
		for (i = 0; i < num && !ret; i++)
			ret = parse_line(p + i * rec_size, sec->name, base + i, btf, &l[i], err);
		ext->nr_lines += num;
		break;
	}
	case BLOCK_CORE: {
		struct bext_relo *r;

		base = sec->nr_relos;
		r = grow((void **)&sec->relos, &sec->nr_relos, num, sizeof(*r), err);
		if (!r)
			return -ENOMEM;
		for (i = 0; i < num && !ret; i++)
			ret = parse_relo(p + i * rec_size, sec->name, base + i, btf, &r[i], err);
		ext->nr_relos += num;
		break;
	}
	}
	return ret;
}

/* One info block: [off, off + len) relative to the end of the header, already in bounds. */
static int parse_block(struct bext *ext, enum bext_block block, const uint8_t *data,
		       uint32_t len, const struct btf *btf, struct errmsg *err)
{
	const char *what = block_names[block];
	uint32_t rec_size, pos, sec_idx = 0;

	if (len == 0)
		return 0;
	if (len < 4)
		return errmsg_set(err, -EINVAL, ".BTF.ext: %s block of %u bytes has no record size",
				  what, len);
	rec_size = rd32(data);
	if (rec_size < block_min_rec[block])
		return errmsg_set(err, -EINVAL,
				  ".BTF.ext: %s record size %u is smaller than the minimum %u",
				  what, rec_size, block_min_rec[block]);
	if (rec_size % 4)
		return errmsg_set(err, -EINVAL,
				  ".BTF.ext: %s record size %u is not a multiple of 4", what, rec_size);
	switch (block) {
	case BLOCK_FUNC: ext->func_rec_size = rec_size; break;
	case BLOCK_LINE: ext->line_rec_size = rec_size; break;
	case BLOCK_CORE: ext->core_rec_size = rec_size; break;
	}

	for (pos = 4; pos < len; sec_idx++) {
		uint32_t name_off, num;
		const char *name;
		struct bext_sec *sec;
		uint64_t bytes;
		int ret;

		if (len - pos < 8)
			return errmsg_set(err, -EINVAL,
					  ".BTF.ext: %s section header #%u truncated (%u bytes left)",
					  what, sec_idx, len - pos);
		name_off = rd32(data + pos);
		num = rd32(data + pos + 4);
		pos += 8;
		name = btf_str(btf, name_off);
		if (!name || !name[0])
			return errmsg_set(err, -EINVAL,
					  ".BTF.ext: %s section #%u: name offset %u %s",
					  what, sec_idx, name_off, name ? "is an empty string" : "out of range");
		if (num == 0)
			return errmsg_set(err, -EINVAL,
					  ".BTF.ext: %s section '%s' has no records", what, name);
		/* u32 * u32 fits u64: the count cannot wrap the bounds check */
		bytes = (uint64_t)num * rec_size;
		if (bytes > len - pos)
			return errmsg_set(err, -EINVAL,
					  ".BTF.ext: %s section '%s': %u records of %u bytes overrun the block (%u bytes left)",
					  what, name, num, rec_size, len - pos);
		sec = sec_get(ext, name, err);
		if (!sec)
			return -ENOMEM;
		ret = parse_records(ext, block, sec, data + pos, num, rec_size, btf, err);
		if (ret)
			return ret;
		pos += (uint32_t)bytes;
	}
	return 0;
}

static int check_block_bounds(const char *what, uint32_t hdr_len, uint32_t off, uint32_t len,
			      size_t size, struct errmsg *err)
{
	uint64_t end = (uint64_t)hdr_len + off + len;

	if (len == 0)
		return 0;
	if (off % 4)
		return errmsg_set(err, -EINVAL, ".BTF.ext: %s offset %u is not 4-byte aligned",
				  what, off);
	if (end > size)
		return errmsg_set(err, -EINVAL,
				  ".BTF.ext: %s block [%u, +%u) after the %u-byte header runs past the end of the section (%zu bytes)",
				  what, off, len, hdr_len, size);
	return 0;
}

static int parse_header(const uint8_t *p, size_t size, struct bext *ext, uint32_t off[3],
			uint32_t len[3], struct errmsg *err)
{
	int i, ret;

	if (size < 8)
		return errmsg_set(err, -EINVAL, ".BTF.ext: section of %zu bytes is smaller than its header",
				  size);
	ext->magic = rd16(p);
	ext->version = p[2];
	ext->flags = p[3];
	ext->hdr_len = rd32(p + 4);
	if (ext->magic == 0x9FEB)
		return errmsg_set(err, -EOPNOTSUPP,
				  ".BTF.ext: byte-swapped (other endianness) data is not supported");
	if (ext->magic != BEXT_MAGIC)
		return errmsg_set(err, -EINVAL, ".BTF.ext: bad magic 0x%04x (expected 0x%04x)",
				  ext->magic, BEXT_MAGIC);
	if (ext->version != BEXT_VERSION)
		return errmsg_set(err, -EOPNOTSUPP, ".BTF.ext: unsupported version %u", ext->version);
	if (ext->flags)
		return errmsg_set(err, -EOPNOTSUPP, ".BTF.ext: unsupported flags 0x%x", ext->flags);
	if (ext->hdr_len < BEXT_HDR_MIN)
		return errmsg_set(err, -EINVAL, ".BTF.ext: header length %u is smaller than %d",
				  ext->hdr_len, BEXT_HDR_MIN);
	if (ext->hdr_len > size)
		return errmsg_set(err, -EINVAL,
				  ".BTF.ext: header length %u exceeds the section size %zu",
				  ext->hdr_len, size);
	memset(off, 0, 3 * sizeof(*off));
	memset(len, 0, 3 * sizeof(*len));
	off[BLOCK_FUNC] = rd32(p + 8);
	len[BLOCK_FUNC] = rd32(p + 12);
	off[BLOCK_LINE] = rd32(p + 16);
	len[BLOCK_LINE] = rd32(p + 20);
	if (ext->hdr_len >= BEXT_HDR_CORE) {
		off[BLOCK_CORE] = rd32(p + 24);
		len[BLOCK_CORE] = rd32(p + 28);
	}
	for (i = 0; i < 3; i++) {
		ret = check_block_bounds(block_names[i], ext->hdr_len, off[i], len[i], size, err);
		if (ret)
			return ret;
	}
	return 0;
}

int bext_parse(const void *data, size_t size, const struct btf *btf, struct bext **out,
	       struct errmsg *err)
{
	const uint8_t *p = data;
	uint32_t off[3], len[3];
	struct bext *ext;
	int i, ret;

	*out = NULL;
	if (!btf)
		return errmsg_set(err, -EINVAL, ".BTF.ext needs the object's .BTF, which is missing");
	if (!data && size)
		return errmsg_set(err, -EINVAL, ".BTF.ext: no data");
	ext = calloc(1, sizeof(*ext));
	if (!ext)
		return errmsg_set(err, -ENOMEM, "out of memory");
	ret = parse_header(p, size, ext, off, len, err);
	for (i = 0; i < 3 && !ret; i++)
		ret = parse_block(ext, i, p + ext->hdr_len + off[i], len[i], btf, err);
	if (ret) {
		bext_free(ext);
		return ret;
	}
	*out = ext;
	return 0;
}

int bext_btf_new(const void *data, size_t size, struct btf **out, struct errmsg *err)
{
	const uint8_t *p = data;
	uint32_t hdr_len, type_off, type_len, str_off, str_len;
	struct btf *btf;

	*out = NULL;
	if (!data || size < BTF_HDR_LEN)
		return errmsg_set(err, -EINVAL, ".BTF: %zu bytes is smaller than the BTF header",
				  size);
	if (rd16(p) != BEXT_MAGIC)
		return errmsg_set(err, -EINVAL, ".BTF: bad magic 0x%04x", rd16(p));
	if (p[2] != 1)
		return errmsg_set(err, -EOPNOTSUPP, ".BTF: unsupported version %u", p[2]);
	hdr_len = rd32(p + 4);
	type_off = rd32(p + 8);
	type_len = rd32(p + 12);
	str_off = rd32(p + 16);
	str_len = rd32(p + 20);
	if (hdr_len < BTF_HDR_LEN || hdr_len > size)
		return errmsg_set(err, -EINVAL, ".BTF: header length %u invalid for %zu bytes",
				  hdr_len, size);
	if ((uint64_t)hdr_len + type_off + type_len > size ||
	    (uint64_t)hdr_len + str_off + str_len > size)
		return errmsg_set(err, -EINVAL, ".BTF: type or string section past the end (%zu bytes)",
				  size);
	if (type_off % 4)
		return errmsg_set(err, -EINVAL, ".BTF: type section offset %u not aligned", type_off);
	btf = btf__new(data, size);
	if (!btf)
		return errmsg_set(err, errno ? -errno : -EINVAL, ".BTF: invalid BTF data: %s",
				  strerror(errno ? errno : EINVAL));
	*out = btf;
	return 0;
}
