/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one BTF loader: raw BTF, a BPF object's .BTF (through the object gate), another ELF's
 * .BTF (vmlinux, modules), the kernel's /sys/kernel/btf files, split BTF over a base. Each
 * file is read once; what libbpf parses is those bytes, and bk_btf__adopt() checks the result
 * before anything walks it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <bpf/btf.h>

#include "btf_view.h"
#include "gen.h"
#include "object.h"

#define KERNEL_BTF_DIR "/sys/kernel/btf/"

#ifndef EM_BPF
#define EM_BPF 247
#endif

/*
 * Raw BTF of the kernel: mmap it where the kernel allows (6.16+ maps its own pages read-only;
 * such PFN mappings do not count in RSS), else read it. btf__new() copies the data either way,
 * so this saves the second 5 MB copy a plain read keeps during the parse.
 */
static struct btf *parse_kernel_raw(const char *path, struct errmsg *err)
{
	struct btf *btf = NULL;
	struct stat st;
	void *data;
	size_t size;
	int fd, code;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		errmsg_set(err, -errno, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == 0 && st.st_size > 0 && st.st_size <= UINT32_MAX) {
		data = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (data != MAP_FAILED) {
			btf = btf__new(data, st.st_size);
			code = btf ? 0 : -errno;
			munmap(data, st.st_size);
			close(fd);
			if (!btf)
				errmsg_set(err, code, "%s: not valid BTF: %s", path, strerror(-code));
			return btf;
		}
	}
	code = gen_read_fd(fd, path, &data, &size, err);
	close(fd);
	if (code)
		return NULL;
	if (bext_btf_new(data, size, &btf, err))
		btf = NULL;
	free(data);
	return btf;
}

/* libbpf 1.1 parses split BTF and non-BPF ELF files only by path: give it the bytes we read. */
static struct btf *parse_by_memfd(const char *path, const void *data, size_t size, bool elf,
				  struct btf *base, struct errmsg *err)
{
	char fdpath[64];
	struct btf *btf;
	int fd, code;

	if (bk_memfd(path, data, size, &fd, fdpath, sizeof(fdpath), err))
		return NULL;
	btf = elf ? btf__parse_elf_split(fdpath, base) : btf__parse_raw_split(fdpath, base);
	code = btf ? 0 : (errno ? -errno : -EINVAL);
	close(fd);
	if (btf)
		return btf;
	if (elf && (code == -ENOENT || code == -ENODATA))
		errmsg_set(err, code, "%s: no .BTF section", path);
	else
		errmsg_set(err, code, "%s: not valid BTF: %s", path, strerror(-code));
	return NULL;
}

/* A BPF object (bytes, or "@NAME", "-" when data is NULL): its .BTF has been through the
 * gate; keep it, drop the rest. */
static struct btf *parse_object(const char *path, const void *data, size_t size,
				struct errmsg *err)
{
	struct bk_object *o;
	struct btf *btf;

	if (data ? bk_object_open_mem(data, size, path, &o, err) : bk_object_open(path, &o, err))
		return NULL;
	btf = o->btf.btf;
	if (btf) {
		o->btf.btf = NULL;
		o->code.btf = NULL;
	} else {
		errmsg_set(err, -ENOENT, "%s: no .BTF section", path);
	}
	bk_object_close(o);
	return btf;
}

static bool is_bpf_elf(const unsigned char *d, size_t size)
{
	uint16_t machine;

	if (size < sizeof(Elf64_Ehdr) || d[EI_CLASS] != ELFCLASS64)
		return false;
	memcpy(&machine, d + offsetof(Elf64_Ehdr, e_machine), sizeof(machine));
	return machine == EM_BPF;
}

static struct btf *parse_bytes(const char *path, const void *data, size_t size, struct btf *base,
			       struct errmsg *err);

/* Parse one file, ELF or raw, on top of base (NULL for none). */
static struct btf *parse_one(const char *path, struct btf *base, struct errmsg *err)
{
	struct btf *btf;
	void *data;
	size_t size;

	if (!base && !strncmp(path, KERNEL_BTF_DIR, strlen(KERNEL_BTF_DIR)))
		return parse_kernel_raw(path, err);
	if (!base && (path[0] == '@' || !strcmp(path, "-")))
		return parse_object(path, NULL, 0, err);
	if (gen_read_file(path, &data, &size, err))
		return NULL;
	btf = parse_bytes(path, data, size, base, err);
	free(data);
	return btf;
}

/* Bytes of a file already read: raw BTF, a BPF object, another ELF's .BTF, split BTF. */
static struct btf *parse_bytes(const char *path, const void *data, size_t size, struct btf *base,
			       struct errmsg *err)
{
	struct btf *btf = NULL;
	bool elf;

	elf = size >= 4 && !memcmp(data, ELFMAG, SELFMAG);
	if (!elf && (size < 2 || ((unsigned char *)data)[0] != 0x9f ||
		     ((unsigned char *)data)[1] != 0xeb))
		errmsg_set(err, -EPROTO, "%s: not valid BTF: bad magic: neither raw BTF nor an ELF object",
			   path);
	else if (elf && !base && is_bpf_elf(data, size))
		btf = parse_object(path, data, size, err);
	else if (elf || base)
		btf = parse_by_memfd(path, data, size, elf, base, err);
	else if (bext_btf_new(data, size, &btf, err)) {
		char msg[sizeof(err->msg)];
		const char *why = err->msg;

		if (!strncmp(why, ".BTF: ", 6))
			why += 6;
		snprintf(msg, sizeof(msg), "%s", why);
		errmsg_set(err, err->code, "%s: not valid BTF: %s", path, msg);
	}
	return btf;
}

static bool is_kernel_module_btf(const char *path)
{
	size_t n = strlen(KERNEL_BTF_DIR);

	return !strncmp(path, KERNEL_BTF_DIR, n) && path[n] && strcmp(path + n, "vmlinux");
}

/* Check what was parsed (bk_btf owns it from here); a failure names the source. */
static int adopt_named(struct bk_btf *b, struct btf *btf, struct btf *base, const char *name,
		       struct errmsg *err)
{
	int ret = bk_btf__adopt(b, btf, base, err);

	if (ret && err) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		errmsg_set(err, ret, "%s: %s", name, msg);
	}
	return ret;
}

int bk_btf__open(struct bk_btf *b, const char *path, const char *base_path, struct errmsg *err)
{
	struct btf *base = NULL, *btf;

	memset(b, 0, sizeof(*b));
	if (!base_path && is_kernel_module_btf(path))
		base_path = BK_BTF_KERNEL_PATH;
	if (base_path) {
		base = parse_one(base_path, NULL, err);
		if (!base)
			return err ? err->code : -EINVAL;
	}
	btf = parse_one(path, base, err);
	if (!btf) {
		btf__free(base);
		return err ? err->code : -EINVAL;
	}
	return adopt_named(b, btf, base, path, err);
}

int bk_btf__open_mem(struct bk_btf *b, const char *name, const void *data, size_t size,
		     struct errmsg *err)
{
	struct btf *btf;

	memset(b, 0, sizeof(*b));
	btf = parse_bytes(name, data, size, NULL, err);
	if (!btf)
		return err ? err->code : -EINVAL;
	return adopt_named(b, btf, NULL, name, err);
}
