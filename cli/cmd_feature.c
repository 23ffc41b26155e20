/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bpfkit feature: what this kernel offers. JSON has the shape of `bpftool feature probe -j`
 * (system_config, syscall_config, program_types, map_types, helpers, misc) plus "bpfkit":
 * the checks `bpfkit doctor` diagnoses. Text is the checks and what is (not) supported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "cli.h"
#include "disasm.h"
#include "feature.h"

/* bpftool's system_config keys: the kernel options BPF users ask about, and sysctls. */
static const char *const config_keys[] = {
	"CONFIG_BPF", "CONFIG_BPF_SYSCALL", "CONFIG_HAVE_EBPF_JIT", "CONFIG_BPF_JIT",
	"CONFIG_BPF_JIT_ALWAYS_ON", "CONFIG_DEBUG_INFO_BTF", "CONFIG_DEBUG_INFO_BTF_MODULES",
	"CONFIG_CGROUPS", "CONFIG_CGROUP_BPF", "CONFIG_CGROUP_NET_CLASSID",
	"CONFIG_SOCK_CGROUP_DATA", "CONFIG_BPF_EVENTS", "CONFIG_KPROBE_EVENTS",
	"CONFIG_UPROBE_EVENTS", "CONFIG_TRACING", "CONFIG_FTRACE_SYSCALLS",
	"CONFIG_FUNCTION_ERROR_INJECTION", "CONFIG_BPF_KPROBE_OVERRIDE", "CONFIG_NET",
	"CONFIG_XDP_SOCKETS", "CONFIG_LWTUNNEL_BPF", "CONFIG_NET_ACT_BPF", "CONFIG_NET_CLS_BPF",
	"CONFIG_NET_CLS_ACT", "CONFIG_NET_SCH_INGRESS", "CONFIG_XFRM", "CONFIG_IP_ROUTE_CLASSID",
	"CONFIG_IPV6_SEG6_BPF", "CONFIG_BPF_LIRC_MODE2", "CONFIG_BPF_STREAM_PARSER",
	"CONFIG_NETFILTER_XT_MATCH_BPF", "CONFIG_BPFILTER", "CONFIG_BPFILTER_UMH",
	"CONFIG_TEST_BPF", "CONFIG_HZ", "CONFIG_KPROBES", "CONFIG_BPF_LSM", "CONFIG_LSM",
};

static const char *const sysctls[][2] = {
	{ "unprivileged_bpf_disabled", "kernel/unprivileged_bpf_disabled" },
	{ "bpf_jit_enable", "net/core/bpf_jit_enable" },
	{ "bpf_jit_harden", "net/core/bpf_jit_harden" },
	{ "bpf_jit_kallsyms", "net/core/bpf_jit_kallsyms" },
	{ "bpf_jit_limit", "net/core/bpf_jit_limit" },
	{ "bpf_stats_enabled", "kernel/bpf_stats_enabled" },
};

static void show_system_config(struct out *o)
{
	bool readable;

	out_object_begin(o, "system_config", "system config");
	for (size_t i = 0; i < sizeof(sysctls) / sizeof(sysctls[0]); i++) {
		long long v = kern_sysctl(sysctls[i][1]);

		if (v < 0)
			out_null(o, sysctls[i][0], NULL);
		else
			out_s64(o, sysctls[i][0], NULL, v);
	}
	for (size_t i = 0; i < sizeof(config_keys) / sizeof(config_keys[0]); i++) {
		const char *v = kern_config(config_keys[i], &readable);

		out_str(o, config_keys[i], NULL, v);
	}
	out_object_end(o);
}

/* {"have_<name>_prog_type": bool}, and the supported ones, for the helpers below. */
static void show_prog_types(struct out *o, bool supported[], int n)
{
	char key[96];

	out_object_begin(o, "program_types", "program types");
	for (int t = 1; t < n; t++) {
		const char *name = libbpf_bpf_prog_type_str(t);

		if (!name)
			continue;
		supported[t] = kern_probe_prog_type(t) > 0;
		snprintf(key, sizeof(key), "have_%s_prog_type", name);
		out_bool(o, key, NULL, supported[t]);
	}
	out_object_end(o);
}

static void show_map_types(struct out *o)
{
	char key[96];

	out_object_begin(o, "map_types", "map types");
	for (int t = 1; libbpf_bpf_map_type_str(t); t++) {
		snprintf(key, sizeof(key), "have_%s_map_type", libbpf_bpf_map_type_str(t));
		out_bool(o, key, NULL, kern_probe_map_type(t) > 0);
	}
	out_object_end(o);
}

/* Each supported program type's helpers, by name: ~200 loads per type, ~0.2 s in all. */
static void show_helpers(struct out *o, const bool supported[], int n)
{
	char key[96];

	out_object_begin(o, "helpers", NULL);
	for (int t = 1; t < n; t++) {
		if (!supported[t])
			continue;
		snprintf(key, sizeof(key), "%s_available_helpers", libbpf_bpf_prog_type_str(t));
		out_list_begin(o, key, NULL);
		for (int h = 1; h < __BPF_FUNC_MAX_ID && disasm_helper_name(h); h++)
			if (kern_probe_helper(t, h) > 0)
				out_str(o, NULL, NULL, disasm_helper_name(h));
		out_list_end(o);
	}
	out_object_end(o);
}

/* bpftool's "misc": what the kernel release implies (5.2 raised the instruction limit to
 * 1M, 5.3 allowed bounded loops, 4.14 and 5.1 brought the v2 and v3 jumps). */
static void show_misc(struct out *o)
{
	struct utsname u;
	int major = 0, minor = 0, v;

	if (uname(&u) == 0)
		sscanf(u.release, "%d.%d", &major, &minor);
	v = major * 1000 + minor;
	out_object_begin(o, "misc", NULL);
	out_bool(o, "have_large_insn_limit", NULL, v >= 5002);
	out_bool(o, "have_bounded_loops", NULL, v >= 5003);
	out_bool(o, "have_v2_isa_extension", NULL, v >= 4014);
	out_bool(o, "have_v3_isa_extension", NULL, v >= 5001);
	out_object_end(o);
}

static void show_checks(struct out *o, const struct kern_check *c, size_t n)
{
	out_list_begin(o, "bpfkit", "Checks");
	for (size_t i = 0; i < n; i++) {
		out_object_begin(o, NULL, NULL);
		out_str(o, "group", NULL, c[i].group);
		out_str(o, "name", NULL, c[i].name);
		out_str(o, "status", NULL, kern_check_status_str(c[i].status));
		out_str(o, "value", NULL, c[i].value[0] ? c[i].value : NULL);
		out_bool(o, "needed", NULL, c[i].needed);
		out_object_end(o);
	}
	out_list_end(o);
}

int cmd_feature(struct cli_ctx *ctx, int argc, char **argv)
{
	enum { N = 128 };	/* program types: libbpf names fewer than this */
	static bool supported[N];
	struct kern_check *checks;
	struct errmsg err = { 0 };
	size_t n;
	int ret;

	ret = cli_no_args(ctx, argc, argv);
	if (ret)
		return ret == CLI_OPT_HELP ? EXIT_OK : ret;
	cli_libbpf_offline();	/* probes fail by design: their warnings are noise */
	if (kern_checks(&checks, &n, &err))
		return cli_errmsg(ctx, &err);
	out_object_begin(ctx->out, NULL, NULL);
	show_checks(ctx->out, checks, n);
	if (out_json(ctx->out)) {
		show_system_config(ctx->out);
		out_object_begin(ctx->out, "syscall_config", NULL);
		out_bool(ctx->out, "have_bpf_syscall", NULL,
			 checks[0].status == KERN_CHECK_OK);	/* bpf_syscall is the first check */
		out_object_end(ctx->out);
	}
	show_prog_types(ctx->out, supported, N);
	show_map_types(ctx->out);
	if (out_json(ctx->out)) {
		show_helpers(ctx->out, supported, N);
		show_misc(ctx->out);
	}
	out_object_end(ctx->out);
	free(checks);
	return EXIT_OK;
}

const struct cli_command cmd_feature_def = {
	"feature", cmd_feature, NULL, "what this kernel offers: program, map and helper support, checks",
	"Usage: bpfkit feature [--json]\n"
	"\n"
	"Probes the running kernel through libbpf and its own files: program types, map types,\n"
	"the helpers each program type may call (JSON), kernel options and sysctls (JSON),\n"
	"BTF, kprobes, fentry, LSM, ring buffer, task storage, tcx, JIT, the bpffs, tracefs\n"
	"and debugfs mounts, capabilities, lockdown and the memlock limit. JSON has the\n"
	"fields of 'bpftool feature probe -j' plus \"bpfkit\", the checks 'bpfkit doctor'\n"
	"explains.\n",
	0
};
