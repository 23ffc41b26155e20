/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * vmlinux.h from BTF, and the cache that keeps it (and the precompiled header beside it).
 *
 * Cache layout, under gen_cache_root():
 *   hash/<sha256 of file identity>     memo: the SHA-256 of a file's content (see below)
 *   clang/<sha256 of binary identity>  memo: clang's version line and BPF target check
 *   vmlinux/<btf sha256>/vmlinux.h     generated header
 *   vmlinux/<btf sha256>/<key>.pch     precompiled header, key = sha256(clang version, flags)
 * Entries are immutable once published (link(), never replaced: see gen_publish_tmp()), so
 * concurrent builds may share them.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "btf_ext.h"
#include "btf_view.h"
#include "gen.h"

static void dump_printf(void *ctx, const char *fmt, va_list args)
{
	vfprintf(ctx, fmt, args);
}

int gen_vmlinux_write(const void *btf_data, size_t size, FILE *f, struct errmsg *err)
{
	struct btf_dump *d = NULL;
	struct btf *btf;
	struct bk_btf b;
	__u32 id, n;
	int ret;

	/* the one BTF loader: checked before btf_dump walks it; raw BTF or an ELF with .BTF */
	ret = bk_btf__open_mem(&b, "BTF", btf_data, size, err);
	if (ret) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err->msg);
		return errmsg_set(err, ret, "invalid BTF: %s", why);
	}
	btf = b.btf;
	d = btf_dump__new(btf, dump_printf, f, NULL);
	if (!d) {
		ret = errmsg_set(err, -errno, "btf_dump: %s", strerror(errno));
		goto cleanup;
	}
	/* the same frame bpftool's "format c" puts around the types */
	fprintf(f, "#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n");
	fprintf(f, "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"
		   "#pragma clang attribute push (__attribute__((preserve_access_index)), "
		   "apply_to = record)\n#endif\n\n");
	n = btf__type_cnt(btf);
	for (id = 1; id < n; id++) {
		ret = btf_dump__dump_type(d, id);
		if (ret) {
			ret = errmsg_set(err, ret, "btf_dump: type %u: %s", id, strerror(-ret));
			goto cleanup;
		}
	}
	fprintf(f, "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n"
		   "#endif\n\n#endif /* __VMLINUX_H__ */\n");
	if (ferror(f))
		ret = errmsg_set(err, -EIO, "write error");
cleanup:
	btf_dump__free(d);
	bk_btf__close(&b);
	return ret;
}

int gen_cache_root(char *buf, size_t size, struct errmsg *err)
{
	const char *env = getenv("BPFKIT_CACHE_DIR");
	const char *home;
	struct stat st;
	int n;

	if (env && *env) {
		n = snprintf(buf, size, "%s", env);
	} else if ((env = getenv("XDG_CACHE_HOME")) && *env == '/') {
		n = snprintf(buf, size, "%s/bpfkit", env);
	} else {
		struct passwd *pw;

		home = getenv("HOME");
		if (!home || !*home) {
			pw = getpwuid(getuid());
			home = pw ? pw->pw_dir : NULL;
		}
		if (!home)
			return errmsg_set(err, -ENOENT,
					  "no cache directory: set BPFKIT_CACHE_DIR or HOME");
		n = snprintf(buf, size, "%s/.cache/bpfkit", home);
	}
	if (n < 0 || (size_t)n >= size)
		return errmsg_set(err, -ENAMETOOLONG, "cache directory name too long");
	n = gen_mkdir_p(buf, err);
	if (n)
		return n;
	/* headers and PCHs from here are compiled into programs loaded as root: trust only a
	 * directory that is ours and that nobody else can write */
	if (stat(buf, &st) < 0)
		return errmsg_set(err, -errno, "%s: %s", buf, strerror(errno));
	if (st.st_uid != geteuid() || (st.st_mode & 022))
		return errmsg_set(err, -EPERM, "cache directory %s is not owned by you or is "
				  "writable by others: fix it or set BPFKIT_CACHE_DIR", buf);
	return 0;
}

/* The boot id: files under /sys and /proc change identity only across reboots. */
static void boot_id(char out[64])
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	out[0] = '\0';
	if (!f)
		return;
	if (!fgets(out, 64, f))
		out[0] = '\0';
	fclose(f);
}

int gen_file_hash(const char *path, char hex[65], struct errmsg *err)
{
	char root[PATH_MAX], memo[PATH_MAX + 128], key[PATH_MAX + 256], boot[64];
	char real[PATH_MAX];
	uint8_t d[32];
	char khex[65];
	struct stat st;
	void *data = NULL;
	size_t size;
	FILE *f;
	int ret, n;

	if (!realpath(path, real) || stat(real, &st) < 0)
		return errmsg_set(err, -errno, "%s: %s", path, strerror(errno));
	boot_id(boot);
	n = snprintf(key, sizeof(key), "v1 %s %llu %llu %lld %lld.%09ld %lld.%09ld %s", real,
		     (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
		     (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		     (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec,
		     (!strncmp(real, "/sys/", 5) || !strncmp(real, "/proc/", 6)) ? boot : "");
	sha256_buf(key, n, d);
	sha256_hex(d, khex);
	ret = gen_cache_root(root, sizeof(root), err);
	if (ret)
		return ret;
	snprintf(memo, sizeof(memo), "%s/hash/%s", root, khex);
	f = fopen(memo, "re");
	if (f) {
		bool ok = fread(hex, 1, 64, f) == 64;

		fclose(f);
		hex[64] = '\0';
		if (ok && strspn(hex, "0123456789abcdef") == 64)
			return 0;
	}
	ret = gen_read_file(real, &data, &size, err);
	if (ret)
		return ret;
	sha256_buf(data, size, d);
	free(data);
	sha256_hex(d, hex);
	/* a memo that cannot be written costs time, not correctness */
	snprintf(memo, sizeof(memo), "%s/hash", root);
	if (!gen_mkdir_p(memo, NULL)) {
		snprintf(memo, sizeof(memo), "%s/hash/%s", root, khex);
		gen_write_atomic(memo, hex, 64, 0644, NULL);
	}
	return 0;
}

int gen_cache_vmlinux(const char *btf_path, char *dir, size_t dir_size, char hash[65],
		      bool *generated, struct errmsg *err)
{
	char root[PATH_MAX], hdr[PATH_MAX + 32];
	void *data = NULL;
	char *text = NULL;
	size_t size, len = 0;
	FILE *f = NULL;
	bool kernel = false;
	int ret;

	*generated = false;
	if (!btf_path) {
		/* tests point this elsewhere to play a kernel without BTF */
		kernel = true;
		btf_path = getenv("BPFKIT_KERNEL_BTF");
		if (!btf_path || !*btf_path)
			btf_path = "/sys/kernel/btf/vmlinux";
	}
	if (access(btf_path, R_OK) < 0) {
		if (errno == ENOENT && kernel)
			return errmsg_set(err, -ENOENT,
					  "the running kernel has no BTF (%s is missing; needs "
					  "CONFIG_DEBUG_INFO_BTF): pass --btf FILE or --vmlinux FILE",
					  btf_path);
		return errmsg_set(err, -errno, "%s: %s", btf_path, strerror(errno));
	}
	ret = gen_file_hash(btf_path, hash, err);
	if (ret)
		return ret;
	ret = gen_cache_root(root, sizeof(root), err);
	if (ret)
		return ret;
	if (snprintf(dir, dir_size, "%s/vmlinux/%s", root, hash) >= (int)dir_size)
		return errmsg_set(err, -ENAMETOOLONG, "cache directory name too long");
	snprintf(hdr, sizeof(hdr), "%s/vmlinux.h", dir);
	if (access(hdr, R_OK) == 0) {
		gen_cache_touch(hdr);	/* a use, for the size limit's least-recently-used order */
		return 0;
	}
	ret = gen_mkdir_p(dir, err);
	if (ret)
		return ret;
	ret = gen_read_file(btf_path, &data, &size, err);
	if (ret)
		return ret;
	f = open_memstream(&text, &len);
	if (!f) {
		ret = errmsg_set(err, -ENOMEM, "out of memory");
		goto cleanup;
	}
	ret = gen_vmlinux_write(data, size, f, err);
	if (fclose(f) != 0 && !ret)
		ret = errmsg_set(err, -ENOMEM, "out of memory");
	if (ret) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err->msg);
		errmsg_set(err, ret, "%s: %s", btf_path, why);
		goto cleanup;
	}
	ret = gen_write_cache(hdr, text, len, err);
	*generated = !ret;
cleanup:
	free(text);
	free(data);
	return ret;
}
