/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * load --attach: every loaded program of the object attached by its section name, as
 * libbpf does; links pinned under DIR/links/PROG with --pin, else held until Ctrl-C.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "cli.h"
#include "kattach.h"
#include "kload.h"
#include "load_attach.h"

void load_attached_release(struct load_attached *la, bool unpin)
{
	for (size_t i = 0; i < la->n; i++) {
		if (unpin && la->pins[i])
			unlink(la->pins[i]);
		if (unpin)
			la->v[i].pinned = false;
		kattach_release(&la->v[i]);
		free(la->pins[i]);
	}
	free(la->v);
	free(la->pins);
	memset(la, 0, sizeof(*la));
}

static int pin_one(struct kattach *k, const char *dir, const char *name, char **path,
		   struct errmsg *err)
{
	char p[PATH_MAX];

	if (snprintf(p, sizeof(p), "%s/%s", dir, name) >= (int)sizeof(p))
		return errmsg_set(err, -ENAMETOOLONG, "%s/%s: path too long", dir, name);
	if (kattach_pin(k, p, err))
		return -1;
	*path = strdup(p);
	return 0;
}

static int links_dir(const char *pin_dir, char *resolved, size_t len, struct errmsg *err)
{
	struct kern_pinset ps = { 0 };
	char dir[PATH_MAX];
	int ret;

	snprintf(dir, sizeof(dir), "%s/links", pin_dir);
	ret = kern_pin_mkdir(dir, &ps, resolved, len, err);
	kern_pinset_free(&ps);
	return ret;
}

int load_attach(struct cli_ctx *ctx, struct bpf_object *obj, const char *pin_dir,
		struct load_attached *la)
{
	char dir[PATH_MAX];
	struct errmsg err = { 0 };
	struct bpf_program *p;
	size_t cap = 0;

	if (pin_dir && links_dir(pin_dir, dir, sizeof(dir), &err))
		return cli_errmsg(ctx, &err);
	out_list_begin(ctx->out, "attached", "attached");
	bpf_object__for_each_program(p, obj) {
		struct kattach *k;

		if (bpf_program__fd(p) < 0)
			continue;	/* not loaded (--program) */
		if (la->n == cap) {
			cap = cap ? cap * 2 : 8;
			la->v = realloc(la->v, cap * sizeof(*la->v));
			la->pins = realloc(la->pins, cap * sizeof(*la->pins));
			if (!la->v || !la->pins)
				return cli_error(ctx, "out of memory");
		}
		k = &la->v[la->n];
		kattach_init(k);
		la->pins[la->n] = NULL;
		if (kattach_prog(p, NULL, k, &err)) {
			if (err.code == -EOPNOTSUPP) {
				cli_info(ctx, "%s: section '%s' names no attach point: not attached ('bpfkit attach OBJ:%s TARGET' does it)",
					 bpf_program__name(p), bpf_program__section_name(p),
					 bpf_program__name(p));
				continue;
			}
			return cli_errmsg(ctx, &err);
		}
		la->n++;
		if (pin_dir && (pin_one(k, dir, bpf_program__name(p), &la->pins[la->n - 1], &err) ||
				kern_manifest_add_link(pin_dir, bpf_program__name(p), k->link_id,
						       la->pins[la->n - 1], dir, &err)))
			return cli_errmsg(ctx, &err);
		out_object_begin(ctx->out, NULL, NULL);
		out_str(ctx->out, "name", NULL, bpf_program__name(p));
		out_str(ctx->out, "attach_point", NULL, k->point);
		out_u64(ctx->out, "link_id", NULL, k->link_id);
		out_str(ctx->out, "pinned", NULL, la->pins[la->n - 1]);
		out_object_end(ctx->out);
	}
	out_list_end(ctx->out);
	return EXIT_OK;
}
