/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bpfkit version: what was built, against what, running where. */
#include <sys/utsname.h>

#include <bpf/libbpf.h>
#include <cjson/cJSON.h>

#include "tracer.h"
#include "cli.h"

int cmd_version(struct cli_ctx *ctx, int argc, char **argv)
{
	struct utsname uts;
	char buf[32];
	int ret;

	ret = cli_no_args(ctx, argc, argv);
	if (ret)
		return ret == CLI_OPT_HELP ? EXIT_OK : ret;
	out_object_begin(ctx->out, NULL, NULL);
	out_str(ctx->out, "version", "bpfkit", BPFKIT_VERSION);
	out_str(ctx->out, "git_rev", "git", BPFKIT_GIT_REV);
	snprintf(buf, sizeof(buf), "%u.%u", libbpf_major_version(), libbpf_minor_version());
	out_str(ctx->out, "libbpf", "libbpf", buf);
	out_str(ctx->out, "cjson", "cJSON", cJSON_Version());
	if (uname(&uts) == 0)
		out_str(ctx->out, "kernel", "kernel", uts.release);
	out_list_begin(ctx->out, "bundled", "bundled programs");
	for (size_t i = 0; tracers[i]; i++)
		if (tracers[i]->elf_bytes)	/* trace log has no program */
			out_str(ctx->out, NULL, NULL, tracers[i]->name);
	out_list_end(ctx->out);
	out_object_end(ctx->out);
	return EXIT_OK;
}

const struct cli_command cmd_version_def = {
	"version", cmd_version, NULL, "show bpfkit, libbpf and kernel versions",
	"Usage: bpfkit version [--json]\n"
	"\n"
	"Prints the bpfkit version and git revision, the libbpf and cJSON it runs with, the\n"
	"running kernel, and the bundled programs.\n",
	0
};
