/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bpfkit unload DIR: remove exactly what `load --pin` recorded in its manifest. */
#include "removals.h"

int cmd_unload(struct cli_ctx *ctx, int argc, char **argv)
{
	struct kern_removals r = { 0 };
	struct errmsg err = { 0 };
	size_t kept = 0;
	int c;

	while ((c = cli_getopt(ctx, argc, argv, NULL, NULL)) != -1) {
		if (c == CLI_OPT_HELP)
			return EXIT_OK;
		return EXIT_USAGE;
	}
	if (optind >= argc)
		return cli_usage_error(ctx, "missing pin directory; see 'bpfkit unload --help'");
	if (optind + 1 < argc)
		return cli_usage_error(ctx, "unexpected argument '%s'", argv[optind + 1]);
	if (kern_unload(argv[optind], &r, &err))
		return cli_errmsg(ctx, &err);
	for (size_t i = 0; i < r.nr; i++)
		kept += r.items[i].kept;
	if (ctx->quiet && !kept)
		out_quiet(ctx->out);	/* kept items stay visible: the warning points at them */
	cli_render_removals(ctx, &r, false);
	if (!r.nr)
		cli_info(ctx, "nothing to do: no manifest for %s (already unloaded?)", argv[optind]);
	else if (kept)
		cli_warn(ctx, "%zu item(s) kept: see the reason column", kept);
	kern_removals_free(&r);
	return EXIT_OK;
}

const struct cli_command cmd_unload_def = {
	"unload", cmd_unload, NULL, "remove what 'load --pin' pinned, as its manifest lists",
	"Usage: bpfkit unload DIR\n"
	"\n"
	"Removes exactly what 'bpfkit load --pin DIR' created, as listed in its manifest\n"
	"(/run/bpfkit/manifests/, or $BPFKIT_MANIFEST_DIR): links first, then programs, then\n"
	"maps (LIBBPF_PIN_BY_NAME maps too, unless they existed before the load), then the\n"
	"directories load made, then the manifest. A pin that now holds another object than the\n"
	"one recorded is kept, and so is a directory holding pins the manifest does not list.\n"
	"Programs still attached through links stay loaded until those links go.\n"
	"Running it again is harmless: nothing to do, exit 0. Each row: action, kind, id, path.\n",
	0
};
