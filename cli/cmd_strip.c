/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bpfkit strip: drop what the loader never reads (DWARF, addrsig, comments). */
#include <errno.h>

#include "cli.h"
#include "gen.h"

int cmd_strip(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ 0 }
	};
	const char *in, *out = NULL;
	struct errmsg err = { 0 };
	size_t before, after;
	int c;

	while ((c = cli_getopt(ctx, argc, argv, "o:", longopts)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case CLI_OPT_HELP:
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage_error(ctx, "missing object file; see 'bpfkit strip --help'");
	if (optind + 1 < argc)
		return cli_usage_error(ctx, "unexpected argument '%s'", argv[optind + 1]);
	in = argv[optind];
	if (gen_strip(in, out, &before, &after, &err))
		return cli_errmsg(ctx, &err);

	out_object_begin(ctx->out, NULL, NULL);
	out_str(ctx->out, "file", "file", in);
	out_str(ctx->out, "output", "output", out ? out : in);
	out_u64(ctx->out, "size_before", "size before", before);
	out_u64(ctx->out, "size_after", "size after", after);
	out_object_end(ctx->out);
	return EXIT_OK;
}

const struct cli_command cmd_strip_def = {
	"strip", cmd_strip, NULL, "remove debug info from a BPF object, keep what loads",
	"Usage: bpfkit strip IN [-o OUT]\n"
	"\n"
	"Removes what the loader never reads (.debug_*, their relocations, .llvm_addrsig,\n"
	".comment) and keeps program sections and their relocations, .maps, data sections,\n"
	"license, version, the symbol table, .BTF, .BTF.ext and a package manifest.\n"
	"Writes a temporary file and renames it over OUT (default: IN in place), so a failure\n"
	"never leaves a partial file; IN is untouched when -o is given.\n"
	"\n"
	"Options:\n"
	"  -o, --output OUT     write the stripped object to OUT\n",
	0
};
