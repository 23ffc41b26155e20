/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bpffs and tracefs: find them, mount them when missing, say what to do when we cannot. */
#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <linux/magic.h>

#include "kern.h"

static bool is_fs(const char *path, long magic)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == magic;
}

int kern_ensure_tracefs(struct errmsg *err)
{
	static const char path[] = "/sys/kernel/tracing";

	if (is_fs(path, TRACEFS_MAGIC) || is_fs("/sys/kernel/debug/tracing", TRACEFS_MAGIC))
		return 0;
	if (mount("tracefs", path, "tracefs", 0, NULL) == 0)
		return 0;
	return errmsg_set(err, -errno,
			  "tracefs is not mounted and mounting it failed (%s): run 'mount -t tracefs tracefs %s' as root",
			  strerror(errno), path);
}

int kern_ensure_bpffs(struct errmsg *err)
{
	static const char path[] = "/sys/fs/bpf";

	if (is_fs(path, BPF_FS_MAGIC))
		return 0;
	mkdir(path, 0700);
	if (mount("bpf", path, "bpf", 0, "mode=0700") == 0)
		return 0;
	return errmsg_set(err, -errno,
			  "bpffs is not mounted at %s and mounting it failed (%s): run 'mount -t bpf bpf %s' as root",
			  path, strerror(errno), path);
}
