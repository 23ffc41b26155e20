/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* gen object: static linking of BPF objects with libbpf's linker, written atomically. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "gen.h"
#include "object.h"

/* Each input came through the object gate; the linker reads those bytes through a memfd. */
static int add_input(struct bpf_linker *l, const struct bk_object *in, struct errmsg *err)
{
	char path[64];
	int fd, ret;

	ret = bk_object_memfd(in, &fd, path, sizeof(path), err);
	if (ret)
		return ret;
	ret = bpf_linker__add_file(l, path, NULL);
	close(fd);
	if (ret)
		return errmsg_set(err, ret, "%s: cannot link: %s", in->name, strerror(-ret));
	return 0;
}

int gen_link(const char *out, struct bk_object *const *in, int n_in, struct errmsg *err)
{
	struct bpf_linker *l = NULL;
	struct gen_out o;
	int i, ret;

	ret = gen_out_open(&o, out, 0644, err);
	if (ret)
		return ret;
	close(o.fd);	/* the linker opens the temp file by name */
	o.fd = -1;
	l = bpf_linker__new(o.tmp, NULL);
	if (!l) {
		ret = errmsg_set(err, -errno, "%s: linker: %s", out, strerror(errno));
		goto fail;
	}
	for (i = 0; i < n_in; i++) {
		ret = add_input(l, in[i], err);
		if (ret)
			goto fail;
	}
	ret = bpf_linker__finalize(l);
	if (ret) {
		ret = errmsg_set(err, ret, "%s: linker: %s", out, strerror(-ret));
		goto fail;
	}
	bpf_linker__free(l);
	if (rename(o.tmp, out) < 0) {
		ret = errmsg_set(err, -errno, "%s: %s", out, strerror(errno));
		unlink(o.tmp);
		return ret;
	}
	return 0;
fail:
	bpf_linker__free(l);
	gen_out_abort(&o);
	return ret;
}
