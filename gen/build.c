/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bpfkit build: the clang line people type by hand, plus a vmlinux.h generated from BTF and
 * a precompiled header of it. Parsing the 2.8 MB vmlinux.h is nearly all of a small
 * program's compile time (~370 ms of ~400 ms); loading a PCH takes a few ms. The PCH is
 * cached beside the header, keyed by clang's identity and every flag that shapes it.
 *
 * The PCH is only used when it cannot change the meaning of the program: the source's first
 * preprocessor directive is #include "vmlinux.h" (nothing defined before it), and no
 * vmlinux.h beside the source or in a -I directory would shadow ours.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "gen.h"

#define MAX_ARGS 160	/* 32 -I and 32 -D pairs plus our own flags */

static const struct {
	const char *machine;	/* uname -m, or the arch name itself */
	const char *arch;	/* __TARGET_ARCH_<arch> as libbpf's bpf_tracing.h wants it */
	const char *multiarch;	/* Debian's include/<multiarch> for asm/ headers */
} arches[] = {
	{ "x86_64", "x86", "x86_64-linux-gnu" },
	{ "x86", "x86", "x86_64-linux-gnu" },
	{ "aarch64", "arm64", "aarch64-linux-gnu" },
	{ "arm64", "arm64", "aarch64-linux-gnu" },
	{ "armv7l", "arm", "arm-linux-gnueabihf" },
	{ "arm", "arm", "arm-linux-gnueabihf" },
	{ "s390x", "s390", "s390x-linux-gnu" },
	{ "s390", "s390", "s390x-linux-gnu" },
	{ "ppc64le", "powerpc", "powerpc64le-linux-gnu" },
	{ "powerpc", "powerpc", "powerpc64le-linux-gnu" },
	{ "riscv64", "riscv", "riscv64-linux-gnu" },
	{ "riscv", "riscv", "riscv64-linux-gnu" },
	{ "loongarch64", "loongarch", "loongarch64-linux-gnu" },
	{ "loongarch", "loongarch", "loongarch64-linux-gnu" },
	{ "mips64", "mips", "mips64el-linux-gnuabi64" },
	{ "mips", "mips", "mips64el-linux-gnuabi64" },
};

static int arch_index(const char *machine)
{
	size_t i;

	for (i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (!strcmp(machine, arches[i].machine))
			return i;
	return -1;
}

const char *gen_target_arch(const char *machine)
{
	int i = arch_index(machine);

	return i < 0 ? NULL : arches[i].arch;
}

struct argv_buf {
	char *v[MAX_ARGS + 1];
	int n;
};

static int push(struct argv_buf *a, const char *s)
{
	if (a->n >= MAX_ARGS)
		return -E2BIG;
	a->v[a->n++] = (char *)s;
	a->v[a->n] = NULL;
	return 0;
}

/* Skip whitespace and comments; returns the next significant character position. */
static const char *skip_space(const char *p)
{
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (p[0] == '/' && p[1] == '/') {
			p += strcspn(p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");

			if (!e)
				return p + strlen(p);
			p = e + 2;
		} else {
			return p;
		}
	}
}

/* True when the first directive of src is #include "vmlinux.h" or <vmlinux.h>. */
static bool starts_with_vmlinux(const char *src)
{
	const char *p = skip_space(src);

	if (*p != '#')
		return false;
	p++;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "include", 7))
		return false;
	p += 7;
	while (*p == ' ' || *p == '\t')
		p++;
	return !strncmp(p, "\"vmlinux.h\"", 11) || !strncmp(p, "<vmlinux.h>", 11);
}

static bool mentions_vmlinux(const char *src)
{
	return strstr(src, "vmlinux.h") != NULL;
}

static bool file_in_dir(const char *dir, const char *name)
{
	char p[PATH_MAX];

	if (snprintf(p, sizeof(p), "%s/%s", dir, name) >= (int)sizeof(p))
		return false;
	return access(p, F_OK) == 0;
}

static void default_out(const char *src, char *out, size_t size)
{
	size_t n = strlen(src);

	if (n > 2 && !strcmp(src + n - 2, ".c"))
		snprintf(out, size, "%.*s.o", (int)(n - 2), src);
	else
		snprintf(out, size, "%s.o", src);
}

/* The vmlinux.h to use: generated from BTF, or the user's --vmlinux copied into the cache. */
static int provide_vmlinux(const struct gen_build_opts *o, struct gen_build_result *r,
			   char hash[65], struct errmsg *err)
{
	char root[PATH_MAX], hdr[PATH_MAX + 32];
	void *data = NULL;
	size_t size;
	int ret;

	if (!o->vmlinux)
		return gen_cache_vmlinux(o->btf, r->vmlinux_dir, sizeof(r->vmlinux_dir), hash,
					 &r->vmlinux_generated, err);
	ret = gen_file_hash(o->vmlinux, hash, err);
	if (ret)
		return ret;
	ret = gen_cache_root(root, sizeof(root), err);
	if (ret)
		return ret;
	snprintf(r->vmlinux_dir, sizeof(r->vmlinux_dir), "%.3900s/vmlinux/h-%s", root, hash);
	snprintf(hdr, sizeof(hdr), "%s/vmlinux.h", r->vmlinux_dir);
	if (access(hdr, R_OK) == 0) {
		gen_cache_touch(hdr);
		return 0;
	}
	ret = gen_mkdir_p(r->vmlinux_dir, err);
	if (!ret)
		ret = gen_read_file(o->vmlinux, &data, &size, err);
	if (!ret)
		ret = gen_write_cache(hdr, data, size, err);
	free(data);
	return ret;
}

/* Build (if missing) the PCH for flags; 0 and its path, or an explanation in r->pch_skip. */
static int provide_pch(struct gen_build_result *r, const struct gen_clang *cc,
		       struct argv_buf *flags, char *pch, size_t pch_size)
{
	char key_hex[65], hdr[PATH_MAX + 32], tmp[PATH_MAX + 160];
	struct argv_buf a = { .n = 0 };
	struct sha256 c;
	uint8_t d[32];
	char *log = NULL;
	int i, ret;

	sha256_init(&c);
	sha256_update(&c, "pch v1", 7);
	sha256_update(&c, cc->path, strlen(cc->path) + 1);
	sha256_update(&c, cc->version, strlen(cc->version) + 1);
	for (i = 0; i < flags->n; i++)
		sha256_update(&c, flags->v[i], strlen(flags->v[i]) + 1);
	sha256_final(&c, d);
	sha256_hex(d, key_hex);
	snprintf(pch, pch_size, "%s/%.32s.pch", r->vmlinux_dir, key_hex);
	if (access(pch, R_OK) == 0) {
		gen_cache_touch(pch);	/* used: the last to go when the cache is pruned */
		return 0;
	}

	snprintf(hdr, sizeof(hdr), "%s/vmlinux.h", r->vmlinux_dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", pch, (int)getpid());
	push(&a, cc->path);
	for (i = 0; i < flags->n; i++)
		push(&a, flags->v[i]);
	push(&a, "-x");
	push(&a, "c-header");
	push(&a, hdr);
	push(&a, "-o");
	if (push(&a, tmp))
		return -E2BIG;
	ret = gen_spawn_capture(a.v, true, &log);
	free(log);
	if (ret != 0) {
		unlink(tmp);
		snprintf(r->pch_skip, sizeof(r->pch_skip),
			 "building the precompiled header failed (status %d)", ret);
		return -EIO;
	}
	if (gen_publish_tmp(tmp, pch, NULL) < 0) {
		snprintf(r->pch_skip, sizeof(r->pch_skip), "cannot write the cache");
		return -EIO;
	}
	r->pch_built = true;
	return 0;
}

int gen_build(const struct gen_build_opts *o, struct gen_build_result *r, struct errmsg *err)
{
	char arch_def[64], idir[PATH_MAX + 4], sysinc[PATH_MAX], pch[PATH_MAX + 96];
	char out_tmp[PATH_MAX + 32], hash[65], srcdir[PATH_MAX];
	struct argv_buf flags = { .n = 0 }, a = { .n = 0 };
	struct gen_clang cc;
	const char *arch, *multiarch, *slash;
	char *src = NULL;
	size_t src_size;
	bool use_vmlinux, use_pch;
	struct utsname u;
	int i, ai, ret;

	memset(r, 0, sizeof(*r));
	memset(&u, 0, sizeof(u));
	r->status = -1;
	ret = gen_read_file(o->src, (void **)&src, &src_size, err);
	if (ret)
		return ret;
	if (o->out)
		snprintf(r->out, sizeof(r->out), "%s", o->out);
	else
		default_out(o->src, r->out, sizeof(r->out));
	{
		/* clang would name our temp file in its error: say it plainly instead */
		const char *sl = strrchr(r->out, '/');
		char odir[PATH_MAX];

		snprintf(odir, sizeof(odir), "%.*s", sl ? (int)(sl - r->out) + (sl == r->out) : 1,
			 sl ? r->out : ".");
		if (access(odir, W_OK) < 0) {
			ret = errmsg_set(err, -errno, "%s: cannot write to %s: %s", r->out, odir,
					 strerror(errno));
			goto cleanup;
		}
	}
	if (!strcmp(r->out, o->src)) {
		ret = errmsg_set(err, -EINVAL, "%s: output would overwrite the source", o->src);
		goto cleanup;
	}

	ret = gen_find_clang(o->cc, &cc, err);
	if (ret)
		goto cleanup;
	snprintf(r->clang, sizeof(r->clang), "%s", cc.path);
	snprintf(r->clang_version, sizeof(r->clang_version), "%s", cc.version);

	if (!o->arch && uname(&u) == 0)
		ai = arch_index(u.machine);
	else
		ai = arch_index(o->arch ? o->arch : "");
	if (ai < 0) {
		ret = errmsg_set(err, -EINVAL, "unknown architecture '%s' (x86, arm64, arm, s390, "
				 "powerpc, riscv, loongarch, mips)", o->arch ? o->arch : u.machine);
		goto cleanup;
	}
	arch = arches[ai].arch;
	multiarch = arches[ai].multiarch;

	/* flags that shape the precompiled header too: keep them first and identical */
	snprintf(arch_def, sizeof(arch_def), "-D__TARGET_ARCH_%s", arch);
	push(&flags, "-target");
	push(&flags, "bpf");
	push(&flags, "-g");
	push(&flags, "-O2");
	push(&flags, arch_def);
	for (i = 0; i < o->n_defs; i++) {
		push(&flags, "-D");
		if (push(&flags, o->defs[i])) {
			ret = errmsg_set(err, -E2BIG, "too many -D options");
			goto cleanup;
		}
	}

	use_vmlinux = o->vmlinux || o->btf || mentions_vmlinux(src);
	if (use_vmlinux) {
		ret = provide_vmlinux(o, r, hash, err);
		if (ret)
			goto cleanup;
	}

	slash = strrchr(o->src, '/');
	snprintf(srcdir, sizeof(srcdir), "%.*s", slash ? (int)(slash - o->src) : 1,
		 slash ? o->src : ".");
	use_pch = use_vmlinux && !o->no_pch;
	if (use_pch && !starts_with_vmlinux(src)) {
		use_pch = false;
		snprintf(r->pch_skip, sizeof(r->pch_skip),
			 "the source does not start with #include \"vmlinux.h\"");
	}
	if (use_pch && file_in_dir(srcdir, "vmlinux.h")) {
		use_pch = false;
		snprintf(r->pch_skip, sizeof(r->pch_skip),
			 "%.300s/vmlinux.h beside the source is used instead of bpfkit's", srcdir);
	}
	for (i = 0; use_pch && i < o->n_incs; i++) {
		if (file_in_dir(o->incs[i], "vmlinux.h")) {
			use_pch = false;
			snprintf(r->pch_skip, sizeof(r->pch_skip),
				 "%.300s/vmlinux.h (-I) is used instead of bpfkit's", o->incs[i]);
		}
	}
	if (use_pch && provide_pch(r, &cc, &flags, pch, sizeof(pch)) == 0)
		r->pch_used = true;

	push(&a, cc.path);
	for (i = 0; i < flags.n; i++)
		push(&a, flags.v[i]);
	/* clang colors on its own when stderr is a tty: say it both ways (--no-color, NO_COLOR) */
	push(&a, o->color ? "-fcolor-diagnostics" : "-fno-color-diagnostics");
	for (i = 0; i < o->n_incs; i++) {
		push(&a, "-I");
		if (push(&a, o->incs[i])) {
			ret = errmsg_set(err, -E2BIG, "too many -I options");
			goto cleanup;
		}
	}
	if (use_vmlinux) {
		snprintf(idir, sizeof(idir), "-I%s", r->vmlinux_dir);
		push(&a, idir);
	}
	/* asm/ headers for programs that include <linux/...>, as libbpf-bootstrap does */
	snprintf(sysinc, sizeof(sysinc), "/usr/include/%s", multiarch);
	if (access(sysinc, F_OK) == 0) {
		push(&a, "-idirafter");
		push(&a, sysinc);
	}
	if (r->pch_used) {
		push(&a, "-include-pch");
		push(&a, pch);
	}
	/* clang writes a temp name in the output directory; renamed only on success */
	snprintf(out_tmp, sizeof(out_tmp), "%s.tmp.%d.o", r->out, (int)getpid());
	push(&a, "-c");
	push(&a, o->src);
	push(&a, "-o");
	if (push(&a, out_tmp)) {
		ret = errmsg_set(err, -E2BIG, "too many options");
		goto cleanup;
	}
	ret = gen_spawn(a.v, -1);
	if (ret < 0) {
		ret = errmsg_set(err, ret, "%s: cannot run: %s", cc.path, strerror(-ret));
		goto cleanup;
	}
	r->status = ret;
	ret = 0;
	if (r->status != 0)
		unlink(out_tmp);
	else	/* the caller checks it, then publishes it (gen_build_publish) or removes it */
		snprintf(r->tmp, sizeof(r->tmp), "%s", out_tmp);
	if (r->pch_built || r->vmlinux_generated) {	/* the cache grew: keep it under its limit */
		struct gen_cache_list l;

		if (!gen_cache_prune(gen_cache_limit(), false, &l, NULL))
			gen_cache_list_free(&l);
	}
cleanup:
	free(src);
	return ret;
}

int gen_build_publish(struct gen_build_result *r, struct errmsg *err)
{
	int ret = 0;

	if (!r->tmp[0])
		return 0;
	if (rename(r->tmp, r->out) < 0) {
		ret = errmsg_set(err, -errno, "%s: %s", r->out, strerror(errno));
		unlink(r->tmp);
	}
	r->tmp[0] = '\0';
	return ret;
}

void gen_build_discard(struct gen_build_result *r)
{
	if (r->tmp[0])
		unlink(r->tmp);
	r->tmp[0] = '\0';
}
