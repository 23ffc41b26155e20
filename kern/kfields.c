/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Offsets of a few kernel struct members, from one linear walk of /sys/kernel/btf/vmlinux.
 *
 * A CO-RE relocation makes libbpf parse and index the whole kernel BTF before load (126k
 * types: tens of ms), which is most of a tracer's time to its first event. A tracer that
 * needs two or three offsets asks here instead and passes them as read-only globals.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/btf.h>

#include "tracer.h"

static const char path[] = "/sys/kernel/btf/vmlinux";

struct kbtf {
	uint8_t *buf;
	size_t size;
	const struct btf_header *hdr;
	const char *strs;
	uint32_t *type_off;	/* type id -> offset of its btf_type in the type section */
	uint32_t nr_types;	/* ids 1..nr_types indexed so far */
	uint32_t next;		/* offset of type nr_types + 1 */
	unsigned int bad_kind;	/* 0x100 | the kind the walk stopped at, or 0 */
	bool mapped;		/* buf is the kernel's pages, not a copy */
};

/* Bytes after a struct btf_type for its kind, or -1 for a kind we do not know. */
static long kind_extra(const struct btf_type *t)
{
	uint32_t vlen = BTF_INFO_VLEN(t->info);

	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT: return 4;
	case BTF_KIND_ARRAY: return sizeof(struct btf_array);
	case BTF_KIND_STRUCT: case BTF_KIND_UNION: return (long)vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM: return (long)vlen * sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO: return (long)vlen * sizeof(struct btf_param);
	case BTF_KIND_VAR: return sizeof(struct btf_var);
	case BTF_KIND_DATASEC: return (long)vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_DECL_TAG: return 4;
	case 19 /* BTF_KIND_ENUM64 */: return (long)vlen * 12;
	case BTF_KIND_PTR: case BTF_KIND_FWD: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST: case BTF_KIND_RESTRICT: case BTF_KIND_FUNC: case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	default:
		return -1;
	}
}

/*
 * The whole file: mmap where the kernel allows it (6.16+, 0.1 ms), else read() it, which
 * sysfs serves a page per call (1,350 calls, ~11 ms here: as much as the rest of a start).
 */
static int kbtf_read(struct kbtf *k, int fd)
{
	size_t cap = 8 << 20;
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) == 0 && st.st_size > 0) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);

		if (m != MAP_FAILED) {
			k->buf = m;
			k->size = (size_t)st.st_size;
			k->mapped = true;
			return 0;
		}
	}
	k->buf = malloc(cap);
	while (k->buf && (n = read(fd, k->buf + k->size, cap - k->size)) > 0) {
		k->size += (size_t)n;
		if (k->size == cap) {
			uint8_t *g = realloc(k->buf, cap *= 2);

			if (!g)
				free(k->buf);
			k->buf = g;
		}
	}
	return k->buf ? 0 : -ENOMEM;
}

static void kbtf_close(struct kbtf *k)
{
	free(k->type_off);
	if (k->mapped)
		munmap(k->buf, k->size);
	else
		free(k->buf);
}

static int kbtf_open(struct kbtf *k, struct errmsg *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	memset(k, 0, sizeof(*k));
	if (fd < 0)
		return errmsg_set(err, -errno, "%s: %s (the kernel has no BTF)", path, strerror(errno));
	ret = kbtf_read(k, fd);
	close(fd);
	if (ret)
		return errmsg_set(err, ret, "out of memory");
	k->hdr = (const void *)k->buf;
	if (k->size < sizeof(*k->hdr) || k->hdr->magic != BTF_MAGIC ||
	    (uint64_t)k->hdr->hdr_len + k->hdr->type_off + k->hdr->type_len > k->size ||
	    (uint64_t)k->hdr->hdr_len + k->hdr->str_off + k->hdr->str_len > k->size)
		return errmsg_set(err, -EINVAL, "%s: not BTF this bpfkit can read", path);
	k->strs = (const char *)k->buf + k->hdr->hdr_len + k->hdr->str_off;
	k->type_off = malloc((k->hdr->type_len / sizeof(struct btf_type) + 2) * sizeof(uint32_t));
	if (!k->type_off)
		return errmsg_set(err, -ENOMEM, "out of memory");
	return 0;
}

/*
 * Type id, indexing the types before it on first use: ids are in file order, and the structs
 * a tracer asks for come early (task_struct is ~100 of 126k), so most of the file is never
 * walked. NULL past the end or at a kind this walk cannot size (k->bad_kind says which).
 */
static const struct btf_type *kbtf_type(struct kbtf *k, uint32_t id)
{
	const uint8_t *types = k->buf + k->hdr->hdr_len + k->hdr->type_off;

	while (id > k->nr_types && !k->bad_kind &&
	       k->next + sizeof(struct btf_type) <= k->hdr->type_len) {
		const struct btf_type *t = (const void *)(types + k->next);
		long extra = kind_extra(t);

		if (extra < 0 || k->next + sizeof(*t) + (size_t)extra > k->hdr->type_len) {
			k->bad_kind = BTF_INFO_KIND(t->info) | 0x100;
			break;
		}
		k->type_off[++k->nr_types] = k->next;
		k->next += sizeof(*t) + (uint32_t)extra;
	}
	if (!id || id > k->nr_types)
		return NULL;
	return (const void *)(types + k->type_off[id]);
}

static const char *kbtf_name(const struct kbtf *k, uint32_t off)
{
	return off < k->hdr->str_len ? k->strs + off : "";
}

/* Byte offset of member name in struct t, looking into anonymous structs and unions. */
static int member_offset(struct kbtf *k, const struct btf_type *t, const char *name,
			 int depth, uint32_t *out)
{
	const struct btf_member *m = (const void *)(t + 1);
	uint32_t vlen = BTF_INFO_VLEN(t->info);
	bool kflag = BTF_INFO_KFLAG(t->info);

	for (uint32_t i = 0; i < vlen; i++) {
		uint32_t bits = kflag ? BTF_MEMBER_BIT_OFFSET(m[i].offset) : m[i].offset;
		const struct btf_type *mt;
		uint32_t inner;

		if (m[i].name_off) {
			if (!strcmp(kbtf_name(k, m[i].name_off), name) && !(bits % 8)) {
				*out = bits / 8;
				return 0;
			}
			continue;
		}
		mt = kbtf_type(k, m[i].type);
		if (depth < 4 && mt && (BTF_INFO_KIND(mt->info) == BTF_KIND_STRUCT ||
					BTF_INFO_KIND(mt->info) == BTF_KIND_UNION) &&
		    !member_offset(k, mt, name, depth + 1, &inner)) {
			*out = bits / 8 + inner;
			return 0;
		}
	}
	return -ENOENT;
}

int trace_kernel_offsets(struct trace_field *fields, size_t n, struct errmsg *err)
{
	struct kbtf k;
	size_t found = 0;
	int ret = kbtf_open(&k, err);

	const struct btf_type *t;

	for (uint32_t id = 1; !ret && found < n && (t = kbtf_type(&k, id)); id++) {
		if (BTF_INFO_KIND(t->info) != BTF_KIND_STRUCT || !t->name_off)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (fields[i].found || strcmp(kbtf_name(&k, t->name_off), fields[i].type))
				continue;
			if (!member_offset(&k, t, fields[i].member, 0, &fields[i].offset)) {
				fields[i].found = true;
				found++;
			}
		}
	}
	if (!ret && found < n && k.bad_kind)
		ret = errmsg_set(err, -EINVAL, "%s: BTF kind %u unknown to this bpfkit", path,
				 k.bad_kind & 0xff);
	for (size_t i = 0; !ret && i < n; i++)
		if (!fields[i].found)
			ret = errmsg_set(err, -ENOENT, "the kernel's BTF has no struct %s member %s",
					 fields[i].type, fields[i].member);
	kbtf_close(&k);
	return ret;
}
