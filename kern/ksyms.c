/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* /proc/kallsyms by address: names for the calls of a translated program. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kern_obj.h"

struct ksym {
	uint64_t addr;
	char *name;
};

struct kern_ksyms {
	struct ksym *v;
	size_t n;
	uint64_t call_base;
};

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int kern_ksyms_load(struct kern_ksyms **out, struct errmsg *err)
{
	struct kern_ksyms *ks = calloc(1, sizeof(*ks));
	char line[512], name[256], type;
	unsigned long long addr;
	size_t cap = 0;
	FILE *f;

	if (!ks)
		return errmsg_set(err, -ENOMEM, "out of memory");
	f = fopen("/proc/kallsyms", "re");
	if (!f) {
		free(ks);
		return errmsg_set(err, -errno, "cannot read /proc/kallsyms: %s", strerror(errno));
	}
	while (fgets(line, sizeof(line), f)) {
		struct ksym *v;

		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3 || !addr)
			continue;
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;	/* calls go to text */
		if (ks->n == cap) {
			cap = cap ? cap * 2 : 4096;
			v = realloc(ks->v, cap * sizeof(*v));
			if (!v)
				goto nomem;
			ks->v = v;
		}
		ks->v[ks->n].addr = addr;
		ks->v[ks->n].name = strdup(name);
		if (!ks->v[ks->n].name)
			goto nomem;
		if (!strcmp(name, "__bpf_call_base"))
			ks->call_base = addr;
		ks->n++;
	}
	fclose(f);
	if (ks->n)
		qsort(ks->v, ks->n, sizeof(*ks->v), cmp_ksym);
	*out = ks;
	return 0;
nomem:
	fclose(f);
	kern_ksyms_free(ks);
	return errmsg_set(err, -ENOMEM, "out of memory");
}

const char *kern_ksyms_name(const struct kern_ksyms *ks, uint64_t addr)
{
	size_t lo = 0, hi = ks ? ks->n : 0;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ks->v[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return ks && lo < ks->n && ks->v[lo].addr == addr ? ks->v[lo].name : NULL;
}

uint64_t kern_ksyms_call_base(const struct kern_ksyms *ks)
{
	return ks ? ks->call_base : 0;
}

void kern_ksyms_free(struct kern_ksyms *ks)
{
	if (!ks)
		return;
	for (size_t i = 0; i < ks->n; i++)
		free(ks->v[i].name);
	free(ks->v);
	free(ks);
}
