/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Privileges: say which capability is missing before the kernel says EPERM. */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "kern.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool has_cap(const struct __user_cap_data_struct data[2], int cap)
{
	return data[cap / 32].effective & (1u << (cap % 32));
}

int kern_check_tracing_privileges(struct errmsg *err)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return 0;	/* cannot tell: let the kernel decide */
	if (has_cap(data, CAP_SYS_ADMIN) ||
	    (has_cap(data, CAP_BPF) && has_cap(data, CAP_PERFMON)))
		return 0;
	return errmsg_set(err, -EPERM,
			  "tracing needs CAP_BPF and CAP_PERFMON (or root): run it with sudo");
}

int kern_explain(struct errmsg *err, int code, const char *what)
{
	if (code > 0)
		code = -code;
	switch (code) {
	case -EPERM:
	case -EACCES:
		return errmsg_set(err, code,
				  "%s: %s: needs CAP_BPF and CAP_PERFMON (or root); with them, the verifier log above tells why",
				  what, strerror(-code));
	case -ENOENT:
		return errmsg_set(err, code, "%s: %s: the kernel lacks this attach point", what,
				  strerror(-code));
	default:
		return errmsg_set(err, code, "%s: %s", what, strerror(-code));
	}
}
