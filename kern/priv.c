/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Privileges: say which capability is missing before the kernel says EPERM. */
#include <errno.h>
#include <stdbool.h>
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

int kern_has_cap(int cap)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (cap < 0 || cap > 63 || syscall(SYS_capget, &hdr, data))
		return -1;
	return has_cap(data, cap);
}

/* Root, or CAP_BPF and CAP_PERFMON: what tracing needs. */
static bool has_tracing_caps(void)
{
	return kern_has_cap(CAP_SYS_ADMIN) > 0 ||
	       (kern_has_cap(CAP_BPF) > 0 && kern_has_cap(CAP_PERFMON) > 0);
}

int kern_check_tracing_privileges(struct errmsg *err)
{
	if (kern_has_cap(CAP_SYS_ADMIN) < 0 || has_tracing_caps())
		return 0;	/* has them, or cannot tell: let the kernel decide */
	return errmsg_set(err, -EPERM,
			  "tracing needs CAP_BPF and CAP_PERFMON (or root): run it with sudo");
}

int kern_explain(struct errmsg *err, int code, const char *what)
{
	if (code > 0)
		code = -code;
	switch (code) {
	case -EACCES:	/* with the privileges, the verifier's verdict */
		if (has_tracing_caps())
			return errmsg_set(err, code, "%s: %s: the verifier rejected it (its log is above; -d adds libbpf's)",
					  what, strerror(-code));
		/* fall through */
	case -EPERM:
		if (has_tracing_caps())
			return errmsg_set(err, code, "%s: %s: refused although bpfkit has CAP_BPF and CAP_PERFMON (lockdown, a security module, or a program type this kernel does not allow; 'bpfkit doctor' checks)",
					  what, strerror(-code));
		return errmsg_set(err, code,
				  "%s: %s: needs CAP_BPF and CAP_PERFMON (or root): run it with sudo ('bpfkit doctor' checks what this machine allows)",
				  what, strerror(-code));
	case -ENOENT:
		return errmsg_set(err, code, "%s: %s: the kernel lacks this attach point ('bpfkit doctor' lists what it has)", what,
				  strerror(-code));
	default:
		return errmsg_set(err, code, "%s: %s", what, strerror(-code));
	}
}
