/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * --set VAR=VALUE: a global in .rodata/.data/.bss (or .rodata.*, .data.*) gets its value
 * before load. The DATASEC gives the variable's offset in the section's map; its BTF type
 * says how to read VALUE: integers of every width and sign, bool, enum (by name or number),
 * char arrays from strings, hex bytes for anything else.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "kload.h"

struct gvar {
	const char *sec;		/* ".rodata" */
	uint32_t off, size;
	uint32_t type_id;		/* the variable's declared type */
};

static bool data_sec(const char *name)
{
	return !strcmp(name, ".rodata") || !strcmp(name, ".data") || !strcmp(name, ".bss") ||
	       !strncmp(name, ".rodata.", 8) || !strncmp(name, ".data.", 6);
}

static int find_var(const struct btf *btf, const char *name, struct gvar *g, char *names,
		    size_t len)
{
	uint32_t n = btf__type_cnt(btf);

	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_var_secinfo *vs;
		const char *sec;

		if (!btf_is_datasec(t))
			continue;
		sec = btf__name_by_offset(btf, t->name_off);
		if (!sec || !data_sec(sec))
			continue;
		vs = btf_var_secinfos(t);
		for (uint16_t i = 0; i < btf_vlen(t); i++, vs++) {
			const struct btf_type *v = btf__type_by_id(btf, vs->type);
			const char *vn = v ? btf__name_by_offset(btf, v->name_off) : NULL;

			if (!vn || !btf_is_var(v))
				continue;
			if (!strcmp(vn, name)) {
				*g = (struct gvar){ sec, vs->offset, vs->size, v->type };
				return 0;
			}
			if (strlen(names) + strlen(vn) + 3 < len)
				snprintf(names + strlen(names), len - strlen(names), "%s%s",
					 names[0] ? ", " : "", vn);
		}
	}
	return -ENOENT;
}

/* Through const/volatile/typedef to the type that says how to parse. */
static const struct btf_type *resolve(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && (btf_is_mod(t) || btf_is_typedef(t)))
		t = btf__type_by_id(btf, t->type);
	return t;
}

static void describe_enum(const struct btf *btf, const struct btf_type *t, const char *name,
			  char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "enum %s (", name && *name ? name : "(anonymous)");

	for (uint16_t i = 0; i < btf_vlen(t) && n < len; i++) {
		uint32_t off = btf_is_enum64(t) ? btf_enum64(t)[i].name_off : btf_enum(t)[i].name_off;

		n += (size_t)snprintf(buf + n, len - n, "%s, ", btf__name_by_offset(btf, off));
	}
	if (n < len)
		snprintf(buf + n, len - n, "or a number)");
}

static void describe_array(const struct btf *btf, const struct btf_type *t, char *buf,
			   size_t len)
{
	const struct btf_array *a = btf_array(t);
	const struct btf_type *e = btf__type_by_id(btf, a->type);
	const char *en;

	while (e && btf_is_mod(e))
		e = btf__type_by_id(btf, e->type);
	en = e ? btf__name_by_offset(btf, e->name_off) : NULL;
	if (e && btf_is_int(resolve(btf, a->type)) && resolve(btf, a->type)->size == 1)
		snprintf(buf, len, "%s[%u] (a string of at most %u bytes)", en && *en ? en : "char",
			 a->nelems, a->nelems ? a->nelems - 1 : 0);
	else
		snprintf(buf, len, "%s[%u] (%lld bytes, give hex)", en && *en ? en : "array",
			 a->nelems, (long long)btf__resolve_size(btf, a->type) * a->nelems);
}

/* "__u32 (unsigned 32-bit integer)": how the error names the type. */
static void describe(const struct btf *btf, uint32_t id, const struct btf_type *r, char *buf,
		     size_t len)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const char *name = NULL;

	while (t && btf_is_mod(t))
		t = btf__type_by_id(btf, t->type);
	if (t)
		name = btf__name_by_offset(btf, t->name_off);
	if (!r)
		snprintf(buf, len, "unknown type");
	else if (btf_is_int(r) && btf_int_encoding(r) & BTF_INT_BOOL)
		snprintf(buf, len, "%s (bool)", name && *name ? name : "_Bool");
	else if (btf_is_int(r))
		snprintf(buf, len, "%s (%s %u-bit integer)", name && *name ? name : "int",
			 btf_int_encoding(r) & BTF_INT_SIGNED ? "signed" : "unsigned",
			 r->size * 8);
	else if (btf_is_any_enum(r))
		describe_enum(btf, r, name, buf, len);
	else if (btf_is_array(r))
		describe_array(btf, r, buf, len);
	else
		snprintf(buf, len, "%s%s%s (%u bytes, give hex)", btf_is_struct(r) ? "struct " :
			 btf_is_union(r) ? "union " : "", name && *name ? name : "",
			 name && *name ? "" : "a value", r->size);
}

static int parse_int(const char *s, bool is_signed, uint32_t size, uint64_t *out)
{
	char *end;

	errno = 0;
	if (!*s || isspace((unsigned char)*s))
		return -EINVAL;
	if (is_signed) {
		long long v = strtoll(s, &end, 0);
		long long max = size >= 8 ? INT64_MAX : (1LL << (size * 8 - 1)) - 1;

		if (errno || *end || v > max || v < -max - 1)
			return -ERANGE;
		*out = (uint64_t)v;
	} else {
		unsigned long long v;

		if (*s == '-')
			return -ERANGE;
		v = strtoull(s, &end, 0);
		if (errno || *end || (size < 8 && v >> (size * 8)))
			return -ERANGE;
		*out = v;
	}
	return 0;
}

static int parse_enum(const struct btf *btf, const struct btf_type *t, const char *s,
		      uint64_t *out)
{
	for (uint16_t i = 0; i < btf_vlen(t); i++) {
		const char *n;
		uint64_t v;

		if (btf_is_enum64(t)) {
			const struct btf_enum64 *e = btf_enum64(t) + i;

			n = btf__name_by_offset(btf, e->name_off);
			v = btf_enum64_value(e);
		} else {
			const struct btf_enum *e = btf_enum(t) + i;

			n = btf__name_by_offset(btf, e->name_off);
			v = btf_kflag(t) ? (uint64_t)(int64_t)e->val : (uint32_t)e->val;
		}
		if (n && !strcmp(n, s)) {
			*out = v;
			return 0;
		}
	}
	/* a number is fine too, if it fits */
	return parse_int(s, btf_kflag(t) || *s == '-', t->size, out);
}

static int parse_hex(const char *s, uint8_t *buf, uint32_t size)
{
	size_t n;

	if (!strncmp(s, "0x", 2) || !strncmp(s, "0X", 2))
		s += 2;
	n = strlen(s);
	if (n != (size_t)size * 2)
		return -ERANGE;
	for (uint32_t i = 0; i < size; i++) {
		char b[3] = { s[2 * i], s[2 * i + 1], 0 };
		char *end;

		if (!isxdigit((unsigned char)b[0]) || !isxdigit((unsigned char)b[1]))
			return -EINVAL;
		buf[i] = (uint8_t)strtoul(b, &end, 16);
	}
	return 0;
}

/* Little-endian host: the low `size` bytes of v are the value. */
static void store(uint8_t *dst, uint64_t v, uint32_t size)
{
	memcpy(dst, &v, size);
}

static int parse_value(const struct btf *btf, const struct btf_type *t, const char *s,
		       uint8_t *buf, uint32_t size)
{
	uint64_t v;
	int ret;

	memset(buf, 0, size);
	if (btf_is_int(t) && btf_int_encoding(t) & BTF_INT_BOOL) {
		if (!strcmp(s, "true") || !strcmp(s, "1"))
			v = 1;
		else if (!strcmp(s, "false") || !strcmp(s, "0"))
			v = 0;
		else
			return -EINVAL;
		store(buf, v, size);
		return 0;
	}
	if (btf_is_int(t) && t->size <= 8) {
		ret = parse_int(s, btf_int_encoding(t) & BTF_INT_SIGNED, t->size, &v);
		if (!ret)
			store(buf, v, size);
		return ret;
	}
	if (btf_is_any_enum(t)) {
		ret = parse_enum(btf, t, s, &v);
		if (!ret)
			store(buf, v, size);
		return ret;
	}
	if (btf_is_array(t)) {
		const struct btf_type *e = resolve(btf, btf_array(t)->type);

		if (e && btf_is_int(e) && e->size == 1) {	/* char[N]: a string and its NUL */
			if (strlen(s) >= size)
				return -ERANGE;
			memcpy(buf, s, strlen(s));
			return 0;
		}
	}
	return parse_hex(s, buf, size);
}

int kern_set_global(struct bpf_object *obj, const char *name, const char *value,
		    struct errmsg *err)
{
	const struct btf *btf = bpf_object__btf(obj);
	char names[512] = "", what[320];
	const struct btf_type *t;
	struct bpf_map *map;
	const void *init;
	uint8_t *copy;
	size_t size;
	struct gvar g;
	int ret;

	if (!btf || find_var(btf, name, &g, names, sizeof(names)))
		return errmsg_set(err, -ENOENT,
				  "--set %s: no such global variable in .rodata, .data or .bss; the object has: %s",
				  name, names[0] ? names : "none");
	map = bpf_object__find_map_by_name(obj, g.sec);
	init = map ? bpf_map__initial_value(map, &size) : NULL;
	if (!init || (uint64_t)g.off + g.size > size)
		return errmsg_set(err, -ENOENT, "--set %s: no map for section %s", name, g.sec);
	t = resolve(btf, g.type_id);
	describe(btf, g.type_id, t, what, sizeof(what));
	copy = malloc(size);
	if (!copy)
		return errmsg_set(err, -ENOMEM, "out of memory");
	memcpy(copy, init, size);
	ret = t ? parse_value(btf, t, value, copy + g.off, g.size) : -EINVAL;
	if (ret) {
		free(copy);
		return errmsg_set(err, -EINVAL, "--set %s: '%s' does not fit its type, %s", name,
				  value, what);
	}
	ret = bpf_map__set_initial_value(map, copy, size);
	free(copy);
	return ret ? errmsg_set(err, ret, "--set %s: %s", name, strerror(-ret)) : 0;
}
