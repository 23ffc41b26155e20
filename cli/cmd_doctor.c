/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bpfkit doctor: the feature checks as a diagnosis, each problem with its cause and fix. */
#include <stdlib.h>

#include "cli.h"
#include "feature.h"

/* A diagnosis reads down the page: each check on a line, each problem with its cause and fix. */
static void print_text(struct cli_ctx *ctx, const struct kern_check *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *st = c[i].status == KERN_CHECK_OK ? "ok" :
				 c[i].status == KERN_CHECK_MISSING ? "MISSING" : "unknown";

		out_printf(ctx->out, "%-8s %-26s %s%s\n", st, c[i].name, c[i].value,
			   c[i].needed && c[i].status != KERN_CHECK_OK ? "  (a bundled tracer needs it)" : "");
		if (c[i].status != KERN_CHECK_OK && c[i].cause[0])
			out_printf(ctx->out, "%-8s   cause: %s\n%-8s   fix:   %s\n", "", c[i].cause, "",
				   c[i].fix);
	}
}

int cmd_doctor(struct cli_ctx *ctx, int argc, char **argv)
{
	struct kern_check *c;
	struct errmsg err = { 0 };
	size_t n, broken = 0;
	int ret;

	ret = cli_no_args(ctx, argc, argv);
	if (ret)
		return ret == CLI_OPT_HELP ? EXIT_OK : ret;
	cli_libbpf_offline();
	if (kern_checks(&c, &n, &err))
		return cli_errmsg(ctx, &err);
	if (!out_json(ctx->out))
		print_text(ctx, c, n);
	out_list_begin(ctx->out, NULL, NULL);
	for (size_t i = 0; i < n; i++) {
		bool bad = c[i].status != KERN_CHECK_OK;

		broken += bad && c[i].needed;
		if (!out_json(ctx->out))
			continue;
		out_object_begin(ctx->out, NULL, NULL);
		out_str(ctx->out, "check", NULL, c[i].name);
		out_str(ctx->out, "status", NULL, kern_check_status_str(c[i].status));
		out_bool(ctx->out, "needed", "NEEDED", c[i].needed);
		out_str(ctx->out, "value", NULL, c[i].value[0] ? c[i].value : NULL);
		out_str(ctx->out, "cause", NULL, bad && c[i].cause[0] ? c[i].cause : NULL);
		out_str(ctx->out, "fix", NULL, bad && c[i].fix[0] ? c[i].fix : NULL);
		out_object_end(ctx->out);
	}
	out_list_end(ctx->out);
	free(c);
	if (broken)
		return cli_error(ctx, "%zu check%s a bundled tracer needs failed (see 'needed' above)",
				 broken, broken == 1 ? "" : "s");
	return EXIT_OK;
}

const struct cli_command cmd_doctor_def = {
	"doctor", cmd_doctor, NULL, "diagnose what keeps bpfkit from working here, with fixes",
	"Usage: bpfkit doctor [--json]\n"
	"\n"
	"Runs the checks of 'bpfkit feature' as a diagnosis: every check with its status, and\n"
	"for each problem its cause and its fix (mount bpffs or tracefs, missing kernel BTF,\n"
	"capabilities, lockdown, kprobes or fentry absent). Exits 1 when something a bundled\n"
	"tracer needs is missing; what only some commands need is reported, not failed.\n",
	0
};
