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

int gen_link(const char *out, const char *const *in, int n_in, struct errmsg *err)
{
	struct bpf_linker *l = NULL;
	struct gen_out o;
	void *data;
	size_t size;
	int i, ret;

	/* libbpf's linker trusts its inputs more than we do: validate each one first */
	for (i = 0; i < n_in; i++) {
		struct gen_elf e;

		ret = gen_read_file(in[i], &data, &size, err);
		if (ret)
			return ret;
		ret = gen_elf_open(&e, data, size, err);
		if (!ret) {
			gen_elf_close(&e);
			ret = gen_check_untrusted(data, size, err);
		}
		free(data);
		if (ret) {
			char why[sizeof(err->msg)];

			snprintf(why, sizeof(why), "%s", err->msg);
			return errmsg_set(err, ret, "%s: %s", in[i], why);
		}
	}
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
		ret = bpf_linker__add_file(l, in[i], NULL);
		if (ret) {
			ret = errmsg_set(err, ret, "%s: cannot link: %s", in[i], strerror(-ret));
			goto fail;
		}
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
