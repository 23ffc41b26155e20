/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Where a uprobe goes: the binary found by name, the function's file offset from its ELF. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <mntent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kattach_int.h"

static bool is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Each directory of a ':'-separated list, then the fixed ones. */
static bool search(const char *list, const char *const *fixed, const char *name, char *out,
		   size_t len)
{
	char *copy = list ? strdup(list) : NULL, *save = NULL;

	for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save)) {
		snprintf(out, len, "%s/%s", d, name);
		if (is_file(out)) {
			free(copy);
			return true;
		}
	}
	free(copy);
	for (; fixed && *fixed; fixed++) {
		snprintf(out, len, "%s/%s", *fixed, name);
		if (is_file(out))
			return true;
	}
	return false;
}

int ka_resolve_binary(const char *bin, char *path, size_t len, struct errmsg *err)
{
	static const char *const libdirs[] = {
		"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
		"/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
		"/usr/local/lib", NULL,
	};
	char found[PATH_MAX];
	bool ok;

	if (strchr(bin, '/'))
		ok = is_file(bin) && snprintf(found, sizeof(found), "%s", bin) > 0;
	else if (strstr(bin, ".so"))
		ok = search(getenv("LD_LIBRARY_PATH"), libdirs, bin, found, sizeof(found));
	else
		ok = search(getenv("PATH"), NULL, bin, found, sizeof(found));
	if (!ok)
		return errmsg_set(err, -ENOENT,
				  "%s: no such binary (give a path, a library name like libc.so.6, or a program in PATH)",
				  bin);
	if (!realpath(found, path) || strlen(path) >= len)
		return errmsg_set(err, -errno ? -errno : -ENAMETOOLONG, "%s: %s", found, strerror(errno));
	return 0;
}

/* The symbol's address as a file offset, through the PT_LOAD segment that maps it. */
static int vaddr_to_offset(Elf *e, uint64_t addr, uint64_t *off)
{
	size_t n;

	if (elf_getphdrnum(e, &n))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		if (addr >= ph.p_vaddr && addr < ph.p_vaddr + ph.p_memsz) {
			*off = addr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

static int find_symbol(Elf *e, const char *func, uint64_t *addr)
{
	Elf_Scn *scn = NULL;
	int found = -ENOENT;

	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) ||
		    !sh.sh_entsize || !(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			const char *name;

			if (!gelf_getsym(d, (int)i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC ||
			    s.st_shndx == SHN_UNDEF || !s.st_value)
				continue;
			name = elf_strptr(e, sh.sh_link, s.st_name);
			if (!name)
				continue;
			/* "memcpy" also finds the versioned "memcpy@@GLIBC_2.14" */
			if (!strcmp(name, func) ||
			    (!strncmp(name, func, strlen(func)) && name[strlen(func)] == '@')) {
				*addr = s.st_value;
				return 0;
			}
		}
	}
	return found;
}

int ka_elf_func_offset(const char *path, const char *func, uint64_t *off, struct errmsg *err)
{
	uint64_t addr;
	char *end;
	Elf *e;
	int fd, ret;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errmsg_set(err, -errno, "%s: %s", path, strerror(errno));
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		ret = errmsg_set(err, -ENOEXEC, "%s: not an ELF file", path);
		goto out;
	}
	if (!strncmp(func, "0x", 2) && (addr = strtoull(func, &end, 16), !*end)) {
		ret = 0;
	} else {
		ret = find_symbol(e, func, &addr);
		if (ret) {
			ret = errmsg_set(err, -ENOENT,
					 "no function '%s' in %s's symbols (is it stripped? 'nm -D %s' lists them)",
					 func, path, path);
			goto out;
		}
	}
	if (vaddr_to_offset(e, addr, off))
		ret = errmsg_set(err, -ENOENT, "%s: 0x%llx is in no executable segment", path,
				 (unsigned long long)addr);
out:
	if (e)
		elf_end(e);
	close(fd);
	return ret;
}

const char *ka_cgroup_root(void)
{
	static char root[PATH_MAX];
	struct mntent *m;
	FILE *f;

	if (root[0])
		return root;
	snprintf(root, sizeof(root), "/sys/fs/cgroup");
	f = setmntent("/proc/mounts", "re");
	while (f && (m = getmntent(f))) {
		if (!strcmp(m->mnt_type, "cgroup2")) {
			snprintf(root, sizeof(root), "%s", m->mnt_dir);
			break;
		}
	}
	if (f)
		endmntent(f);
	return root;
}

int ka_cgroup_resolve(const char *arg, char *path, size_t len, struct errmsg *err)
{
	char joined[PATH_MAX];
	struct stat st;

	int n = arg[0] == '/' ? snprintf(joined, sizeof(joined), "%s", arg)
			      : snprintf(joined, sizeof(joined), "%s/%s", ka_cgroup_root(), arg);

	if (n >= (int)sizeof(joined))
		return errmsg_set(err, -ENAMETOOLONG, "%s: path too long", arg);
	if (!realpath(joined, path) || strlen(path) >= len)
		return errmsg_set(err, -ENOENT, "no cgroup %s (%s)", arg, strerror(errno));
	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return errmsg_set(err, -ENOTDIR, "%s is not a cgroup directory", path);
	return 0;
}
