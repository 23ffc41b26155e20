/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bpfkit gc [--dry-run] [DIR]: remove stale pins, defunct links, empty dirs, stale manifests. */
#include "removals.h"

int cmd_gc(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ 0 }
	};
	struct kern_removals r = { 0 };
	struct errmsg err = { 0 };
	bool dry_run = false;
	int c;

	while ((c = cli_getopt(ctx, argc, argv, "n", longopts)) != -1) {
		switch (c) {
		case 'n':
			dry_run = true;
			break;
		case CLI_OPT_HELP:
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind + 1 < argc)
		return cli_usage_error(ctx, "unexpected argument '%s'", argv[optind + 1]);
	if (kern_gc(optind < argc ? argv[optind] : "/sys/fs/bpf", dry_run, &r, &err))
		return cli_errmsg(ctx, &err);
	cli_render_removals(ctx, &r, dry_run);
	if (!r.nr)
		cli_info(ctx, "nothing stale");
	kern_removals_free(&r);
	return EXIT_OK;
}

const struct cli_command cmd_gc_def = {
	"gc", cmd_gc, NULL, "remove stale pins: unattached programs, defunct links, empty dirs",
	"Usage: bpfkit gc [-n|--dry-run] [DIR]\n"
	"\n"
	"Walks DIR (default /sys/fs/bpf, a bpffs) and removes, listing each:\n"
	"  - pinned programs attached nowhere and held by nothing but pins: no BPF link points at\n"
	"    them, no process holds a program or link fd for them, no prog array holds them, no\n"
	"    interface of this network namespace runs them as XDP, and no bpfkit manifest lists\n"
	"    them ('bpfkit unload DIR' removes those);\n"
	"  - pinned links whose target is gone (detached XDP, cgroup or netns links);\n"
	"  - directories this run emptied, and empty directories a manifest says load made;\n"
	"  - manifests none of whose pins exist any more.\n"
	"Map pins are data and stay. Attachments through older APIs that leave no link (tc\n"
	"filters, cgroup prog_attach) cannot be seen: removing such a program's pin does not\n"
	"detach it, the program keeps running and only loses its name. Use --dry-run first.\n"
	"\n"
	"Options:\n"
	"  -n, --dry-run        list what would go, remove nothing\n",
	0
};
