/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What this kernel offers, each with a cause and a fix when it does not (include/feature.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <zlib.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "feature.h"
#include "kern.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif
#ifndef TRACEFS_MAGIC
#define TRACEFS_MAGIC 0x74726163
#endif
#ifndef DEBUGFS_MAGIC
#define DEBUGFS_MAGIC 0x64626720
#endif

/* ---- kernel files --------------------------------------------------------------------- */

static char *config_text;	/* /proc/config.gz, inflated once */
static bool config_read, config_ok;

static void read_config(void)
{
	gzFile f = gzopen("/proc/config.gz", "rb");
	size_t len = 0, cap = 1 << 18;
	int n;

	config_read = true;
	if (!f)
		return;
	config_text = malloc(cap);
	while (config_text && (n = gzread(f, config_text + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 4096) {
			char *grown = realloc(config_text, cap *= 2);

			if (!grown) {
				free(config_text);
				config_text = NULL;
			}
			config_text = grown;
		}
	}
	gzclose(f);
	if (config_text) {
		config_text[len] = '\0';
		config_ok = true;
	}
}

const char *kern_config(const char *name, bool *readable)
{
	static char *value;	/* the last answer: grows, never truncates (CONFIG_LSM is long) */
	size_t n = strlen(name);
	const char *p;

	if (!config_read)
		read_config();
	*readable = config_ok;
	for (p = config_text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, name, n) || p[n] != '=')
			continue;
		free(value);
		value = strndup(p + n + 1, strcspn(p + n + 1, "\n"));
		return value;
	}
	return NULL;
}

long long kern_sysctl(const char *name)
{
	char path[256];
	long long v;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	ok = fscanf(f, "%lld", &v) == 1;
	fclose(f);
	return ok ? v : -1;
}

static long fs_magic(const char *path)
{
	struct statfs st;

	return statfs(path, &st) ? 0 : (long)st.f_type;
}

/* ---- probes ----------------------------------------------------------------------------- */

int kern_probe_prog_type(int type)
{
	return libbpf_probe_bpf_prog_type(type, NULL);
}

int kern_probe_map_type(int type)
{
	return libbpf_probe_bpf_map_type(type, NULL);
}

int kern_probe_helper(int prog_type, int helper)
{
	return libbpf_probe_bpf_helper(prog_type, helper, NULL);
}

/* Load "r0 = 0; exit" as a BTF-attached program (fentry, LSM, tp_btf) on the first of
 * funcs the kernel's BTF has: 0, or the kernel's -errno. */
static int probe_btf_attach(struct btf *vmlinux, enum bpf_prog_type type,
			    enum bpf_attach_type at, const char *const *funcs, int kind)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = at);
	int id = -ENOENT, fd;

	for (; *funcs && id < 0; funcs++)
		id = vmlinux ? btf__find_by_name_kind(vmlinux, *funcs, kind) : -ENOENT;
	if (id < 0)
		return -ENOENT;
	opts.attach_btf_id = id;
	fd = bpf_prog_load(type, NULL, "GPL", insns, 2, &opts);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* Does the kernel's enum (bpf_attach_type, bpf_link_type) have this enumerator? */
static bool btf_enum_has(struct btf *vmlinux, const char *type, const char *name)
{
	int id = vmlinux ? btf__find_by_name_kind(vmlinux, type, BTF_KIND_ENUM) : -1;
	const struct btf_type *t = id > 0 ? btf__type_by_id(vmlinux, id) : NULL;
	const struct btf_enum *e = t ? btf_enum(t) : NULL;

	for (int i = 0; t && i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(vmlinux, e[i].name_off), name))
			return true;
	return false;
}

/* ---- the checks --------------------------------------------------------------------------- */

struct checks {
	struct kern_check *v;
	size_t n, cap;
	int err;
};

static struct kern_check *add(struct checks *c, const char *group, const char *name, bool needed)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 32;
		struct kern_check *grown = realloc(c->v, cap * sizeof(*grown));

		if (!grown) {
			c->err = -ENOMEM;
			return NULL;
		}
		c->v = grown;
		c->cap = cap;
	}
	c->v[c->n] = (struct kern_check){ .name = name, .group = group, .needed = needed };
	return &c->v[c->n++];
}

#define SET(k, field, ...) snprintf((k)->field, sizeof((k)->field), __VA_ARGS__)

static void missing(struct kern_check *k, const char *value, const char *cause, const char *fix)
{
	k->status = KERN_CHECK_MISSING;
	SET(k, value, "%s", value);
	SET(k, cause, "%s", cause);
	SET(k, fix, "%s", fix);
}

static void ok(struct kern_check *k, const char *value)
{
	k->status = KERN_CHECK_OK;
	SET(k, value, "%s", value);
}

static void check_syscall_and_btf(struct checks *c, struct btf *vmlinux)
{
	struct kern_check *k;

	if ((k = add(c, "kernel", "bpf_syscall", true))) {
		if (kern_probe_prog_type(BPF_PROG_TYPE_SOCKET_FILTER) > 0)
			ok(k, "yes");
		else
			missing(k, "no", "the bpf() system call is not available (CONFIG_BPF_SYSCALL off, or refused)",
				"use a kernel built with CONFIG_BPF_SYSCALL=y, and run as root");
	}
	if ((k = add(c, "kernel", "btf_vmlinux", true))) {
		if (vmlinux)
			ok(k, "/sys/kernel/btf/vmlinux");
		else
			missing(k, "no", "the kernel exposes no BTF (CONFIG_DEBUG_INFO_BTF off): CO-RE objects cannot be relocated",
				"use a kernel built with CONFIG_DEBUG_INFO_BTF=y, or give a btfhub BTF file for this kernel (core check --btf)");
	}
	if ((k = add(c, "kernel", "btf_modules", false))) {
		bool readable;
		const char *v = kern_config("CONFIG_DEBUG_INFO_BTF_MODULES", &readable);

		/* not a problem: only programs that read module types need it */
		ok(k, v && !strcmp(v, "y") ? "yes" : "no (vmlinux types only)");
	}
}

static void check_attach(struct checks *c, struct btf *vmlinux)
{
	static const char *const fentry_funcs[] = { "bpf_fentry_test1", "do_nanosleep", NULL };
	static const char *const lsm_funcs[] = { "bpf_lsm_file_open", NULL };
	static const char *const raw_tps[] = { "btf_trace_sys_enter", NULL };
	struct kern_check *k;
	bool readable;
	const char *v;
	int ret;

	if ((k = add(c, "kernel", "tracepoints", true))) {
		if (kern_probe_prog_type(BPF_PROG_TYPE_TRACEPOINT) > 0 &&
		    (!access("/sys/kernel/tracing/events/syscalls", F_OK) ||
		     !access("/sys/kernel/debug/tracing/events/syscalls", F_OK) ||
		     fs_magic("/sys/kernel/tracing") != TRACEFS_MAGIC))
			ok(k, "yes");
		else
			missing(k, "no", "no syscall tracepoints (CONFIG_FTRACE_SYSCALLS or CONFIG_BPF_EVENTS off)",
				"use a kernel with CONFIG_BPF_EVENTS=y and CONFIG_FTRACE_SYSCALLS=y");
	}
	if ((k = add(c, "kernel", "tp_btf", false))) {
		ret = probe_btf_attach(vmlinux, BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, raw_tps,
				       BTF_KIND_TYPEDEF);
		if (!ret)
			ok(k, "yes");
		else
			missing(k, strerror(-ret), "BTF-typed raw tracepoints cannot be loaded",
				"use raw_tp or tracepoint programs");
	}
	if ((k = add(c, "kernel", "kprobes", false))) {
		v = kern_config("CONFIG_KPROBES", &readable);
		if ((v && !strcmp(v, "y")) || !access("/sys/kernel/tracing/kprobe_events", F_OK))
			ok(k, "yes");
		else
			missing(k, "no", "CONFIG_KPROBES is not set: the kernel has no kprobes, so kprobe and kretprobe programs cannot attach",
				"use a tracepoint (bpfkit attach ... tracepoint:CAT:NAME), raw_tp or tp_btf instead; kprobes need a kernel built with CONFIG_KPROBES=y");
	}
	if ((k = add(c, "kernel", "fentry", false))) {
		ret = probe_btf_attach(vmlinux, BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY,
				       fentry_funcs, BTF_KIND_FUNC);
		if (!ret)
			ok(k, "yes");
		else
			missing(k, strerror(-ret), ret == -EPERM ?
				"the kernel refuses fentry/fexit programs (EPERM) even as root: BPF trampolines are not allowed on this kernel or machine" :
				"fentry/fexit programs cannot be loaded here",
				"use tp_btf or raw_tp programs, or tracepoints; fentry needs BPF trampolines (x86-64 or arm64, CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS)");
	}
	if ((k = add(c, "kernel", "lsm", false))) {
		ret = probe_btf_attach(vmlinux, BPF_PROG_TYPE_LSM, BPF_LSM_MAC, lsm_funcs,
				       BTF_KIND_FUNC);
		v = kern_config("CONFIG_LSM", &readable);
		if (!ret)
			ok(k, "yes");
		else
			missing(k, strerror(-ret), v && !strstr(v, "bpf") ?
				"'bpf' is not in the kernel's active LSMs (CONFIG_LSM / lsm= boot option)" :
				ret == -EPERM ?
				"the kernel refuses BPF LSM programs (EPERM) even as root: like fentry, they need BPF trampolines, which are not allowed on this kernel or machine" :
				"the kernel refuses BPF LSM programs",
				"boot with lsm=...,bpf on a kernel with CONFIG_BPF_LSM=y and BPF trampolines");
	}
	if ((k = add(c, "kernel", "tcx", false))) {
		if (btf_enum_has(vmlinux, "bpf_attach_type", "BPF_TCX_INGRESS"))
			ok(k, "yes");
		else
			missing(k, "no", "no tcx links (kernel before 6.6)",
				"tc programs attach through a clsact qdisc and a filter instead");
	}
}

static void check_maps(struct checks *c)
{
	struct kern_check *k;

	if ((k = add(c, "kernel", "ringbuf", true))) {
		if (kern_probe_map_type(BPF_MAP_TYPE_RINGBUF) > 0)
			ok(k, "yes");
		else
			missing(k, "no", "no BPF ring buffer (kernel before 5.8)",
				"bundled tracers stream through ring buffers: use a 5.8 or later kernel");
	}
	if ((k = add(c, "kernel", "task_storage", true))) {
		if (kern_probe_map_type(BPF_MAP_TYPE_TASK_STORAGE) > 0)
			ok(k, "yes");
		else
			missing(k, "no", "no task-local storage maps (kernel before 5.11)",
				"trace openat keeps per-task state there: use a 5.11 or later kernel");
	}
	if ((k = add(c, "kernel", "jit", false))) {
		long long v = kern_sysctl("net/core/bpf_jit_enable");

		if (v >= 1)
			ok(k, v == 2 ? "on (debug)" : "on");
		else if (v == 0)
			missing(k, "off", "programs run in the interpreter, several times slower",
				"sysctl -w net.core.bpf_jit_enable=1");
		else
			k->status = KERN_CHECK_UNKNOWN;
	}
}

static void check_mount(struct checks *c, const char *name, const char *path, long magic,
			const char *fix)
{
	struct kern_check *k = add(c, "mounts", name, false);
	char cause[160];

	if (!k)
		return;
	if (fs_magic(path) == magic) {
		ok(k, path);
		return;
	}
	if (magic == DEBUGFS_MAGIC) {	/* bpfkit reads tracefs where it is mounted itself */
		ok(k, "not mounted (not needed)");
		return;
	}
	snprintf(cause, sizeof(cause), "%s is not mounted at %s", name, path);
	missing(k, "not mounted", cause, fix);
}

static void check_privileges(struct checks *c)
{
	static const struct { const char *name; int cap; bool needed; } caps[] = {
		{ "CAP_BPF", 39, true }, { "CAP_PERFMON", 38, true },
		{ "CAP_NET_ADMIN", 12, false }, { "CAP_SYS_ADMIN", 21, false },
	};
	struct kern_check *k;
	long long v;

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		int has = kern_has_cap(caps[i].cap);

		if (!(k = add(c, "privileges", caps[i].name, caps[i].needed)))
			break;
		if (has > 0)
			ok(k, "yes");
		else if (has < 0)
			k->status = KERN_CHECK_UNKNOWN;
		else
			missing(k, "no", "this process does not have it: loading and tracing need CAP_BPF and CAP_PERFMON, networking CAP_NET_ADMIN",
				"run as root (sudo bpfkit ...), or grant it: setcap cap_bpf,cap_perfmon,cap_net_admin+ep $(command -v bpfkit)");
	}
	if ((k = add(c, "privileges", "unprivileged_bpf_disabled", false))) {
		v = kern_sysctl("kernel/unprivileged_bpf_disabled");
		SET(k, value, "%lld", v);
		k->status = v < 0 ? KERN_CHECK_UNKNOWN : KERN_CHECK_OK;	/* root is unaffected */
	}
}

/* The lockdown mode: securityfs says it; without securityfs, the kernel's forced mode and the
 * boot command line do (Secure Boot may raise it further; that needs securityfs to see). */
static void lockdown_mode(char *buf, size_t len)
{
	bool readable;
	FILE *f = fopen("/sys/kernel/security/lockdown", "r");
	char *p;

	buf[0] = '\0';
	if (f) {
		if (fgets(buf, len, f) && (p = strchr(buf, '[')))	/* "none [integrity] ..." */
			snprintf(buf, len, "%.*s", (int)strcspn(p + 1, "]"), p + 1);
		fclose(f);
		return;
	}
	f = fopen("/proc/cmdline", "r");
	if (f) {
		char line[4096];

		if (fgets(line, sizeof(line), f) && (p = strstr(line, "lockdown=")))
			snprintf(buf, len, "%.*s", (int)strcspn(p + 9, " \n"), p + 9);
		fclose(f);
	}
	if (buf[0])
		return;
	if (kern_config("CONFIG_LOCK_DOWN_KERNEL_FORCE_CONFIDENTIALITY", &readable))
		snprintf(buf, len, "confidentiality");
	else if (kern_config("CONFIG_LOCK_DOWN_KERNEL_FORCE_INTEGRITY", &readable))
		snprintf(buf, len, "integrity");
	else if (readable)
		snprintf(buf, len, "none");
}

/* integrity only stops bpf_probe_write_user; confidentiality stops reading kernel memory. */
static void check_lockdown(struct kern_check *k)
{
	char mode[64];

	lockdown_mode(mode, sizeof(mode));
	if (!mode[0]) {
		k->status = KERN_CHECK_UNKNOWN;
		SET(k, value, "unknown");
		SET(k, cause, "securityfs is not mounted and the kernel config is not readable");
		SET(k, fix, "mount -t securityfs securityfs /sys/kernel/security to read it");
	} else if (!strcmp(mode, "confidentiality")) {
		missing(k, mode, "kernel lockdown (confidentiality) refuses reading kernel memory from BPF (bpf_probe_read_kernel) and kprobes",
			"boot with lockdown=none or integrity (Secure Boot may force it)");
	} else {
		ok(k, mode);
	}
}

static void check_limits(struct checks *c)
{
	struct kern_check *k;
	struct rlimit rl;

	if ((k = add(c, "limits", "memlock", false))) {
		/* since 5.11 BPF memory is charged to the cgroup, not to RLIMIT_MEMLOCK */
		if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur == RLIM_INFINITY)
			ok(k, "unlimited");
		else if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0)
			ok(k, "limited (ignored by kernels 5.11 and later)");
		else
			k->status = KERN_CHECK_UNKNOWN;
	}
	if ((k = add(c, "limits", "lockdown", false)))
		check_lockdown(k);
}

int kern_checks(struct kern_check **out, size_t *n, struct errmsg *err)
{
	struct checks c = { 0 };
	struct btf *vmlinux = btf__load_vmlinux_btf();

	check_syscall_and_btf(&c, vmlinux);
	check_attach(&c, vmlinux);
	check_maps(&c);
	check_mount(&c, "bpffs", "/sys/fs/bpf", BPF_FS_MAGIC,
		    "mount -t bpf bpf /sys/fs/bpf (bpfkit load --pin mounts it when it can)");
	check_mount(&c, "tracefs", "/sys/kernel/tracing", TRACEFS_MAGIC,
		    "mount -t tracefs tracefs /sys/kernel/tracing (bpfkit trace mounts it when it can)");
	check_mount(&c, "debugfs", "/sys/kernel/debug", DEBUGFS_MAGIC,
		    "mount -t debugfs debugfs /sys/kernel/debug (only older tools need it)");
	check_privileges(&c);
	check_limits(&c);
	btf__free(vmlinux);
	if (c.err) {
		free(c.v);
		return errmsg_set(err, c.err, "out of memory");
	}
	*out = c.v;
	*n = c.n;
	return 0;
}

const char *kern_check_status_str(enum kern_check_status s)
{
	return s == KERN_CHECK_OK ? "ok" : s == KERN_CHECK_MISSING ? "missing" : "unknown";
}
