/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* tracefs: find it, mount it when missing, say what to do when we cannot. */
#include <errno.h>
#include <string.h>
#include <sys/mount.h>
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
