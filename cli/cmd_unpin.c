/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bpfkit unpin PATH...: remove single pins, only inside bpffs. */
#include "removals.h"

int cmd_unpin(struct cli_ctx *ctx, int argc, char **argv)
{
	struct kern_removals r = { 0 };
	struct errmsg err = { 0 };
	int c, ret = EXIT_OK;

	while ((c = cli_getopt(ctx, argc, argv, NULL, NULL)) != -1) {
		if (c == CLI_OPT_HELP)
			return EXIT_OK;
		return EXIT_USAGE;
	}
	if (optind >= argc)
		return cli_usage_error(ctx, "missing pin path; see 'bpfkit unpin --help'");
	/* every path is checked before any is removed: a typo removes nothing */
	for (int pass = 0; pass < 2 && ret == EXIT_OK; pass++)
		for (int i = optind; i < argc; i++) {
			errmsg_clear(&err);
			if (kern_unpin(argv[i], pass == 0, &r, &err)) {
				ret = cli_errmsg(ctx, &err);
				break;
			}
		}
	if (ret == EXIT_OK)
		cli_render_removals(ctx, &r, false);
	kern_removals_free(&r);
	return ret;
}

const struct cli_command cmd_unpin_def = {
	"unpin", cmd_unpin, NULL, "remove single pins from bpffs",
	"Usage: bpfkit unpin PATH...\n"
	"\n"
	"Removes each pin (program, map or link) at PATH, in order. Every PATH is checked first:\n"
	"if one is not a pin, nothing is removed. Only inside a bpffs mount; a directory is\n"
	"refused (see 'bpfkit unload') and so is a symlink. The object lives on while anything else holds it (a link, a process,\n"
	"another pin). Each row: action, kind, id, path.\n",
	0
};
