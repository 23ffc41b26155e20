/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bpfkit strip: drop what the loader never reads (DWARF, addrsig, comments). */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "gen.h"
#include "object.h"

int cmd_strip(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ 0 }
	};
	const char *in, *out = NULL;
	struct bk_object *obj = NULL;
	struct errmsg err = { 0 };
	size_t after;
	unsigned int mode = 0;
	int c, ret;

	while ((c = cli_getopt(ctx, argc, argv, "o:f", longopts)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'f':
			mode = CLI_OBJ_FORCE;
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
	if (!out && (in[0] == '@' || !strcmp(in, "-")))
		return cli_usage_error(ctx, "'%s' cannot be stripped in place: give -o OUT", in);
	ret = cli_open_object_mode(ctx, in, mode, &obj);
	if (ret)
		return ret;
	if (gen_strip(obj, out ? out : in, &after, &err)) {
		ret = cli_errmsg(ctx, &err);
	} else if (!ctx->quiet || out_json(ctx->out)) {	/* -q: only the exit code */
		out_object_begin(ctx->out, NULL, NULL);
		out_str(ctx->out, "file", "file", obj->name);
		out_str(ctx->out, "output", "output", out ? out : in);
		out_u64(ctx->out, "bytes_before", "bytes before", bk_object_size(obj));
		out_u64(ctx->out, "bytes_after", "bytes after", after);
		out_object_end(ctx->out);
	}
	bk_object_close(obj);
	return ret;
}

const struct cli_command cmd_strip_def = {
	"strip", cmd_strip, NULL, "remove debug info from a BPF object, keep what loads",
	"Usage: bpfkit strip IN [-o OUT] [--force]\n"
	"\n"
	"IN is an object file, @NAME of a bundled one or - for standard input (the last two\n"
	"need -o).\n"
	"Removes what the loader never reads (.debug_*, their relocations, .llvm_addrsig,\n"
	".comment) and keeps program sections and their relocations, .maps, data sections,\n"
	"license, version, the symbol table, .BTF, .BTF.ext and a package manifest.\n"
	"Writes a temporary file and renames it over OUT (default: IN in place), so a failure\n"
	"never leaves a partial file; IN is untouched when -o is given.\n"
	"\n"
	"Options:\n"
	"  -o, --output OUT     write the stripped object to OUT\n"
	"  -f, --force          write it even when the object has defects (warnings)\n",
	0
};
