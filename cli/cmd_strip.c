/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bpfkit strip: drop what the loader never reads (DWARF, addrsig, comments). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bk_dwarf.h"
#include "cli.h"
#include "gen.h"
#include "object.h"

enum { OPT_KEEP_TYPES = 0x100 };

/* --keep-types: .BTF plus the DWARF-only types named, then strip with that .BTF. */
static int strip_keep(struct cli_ctx *ctx, struct bk_object *obj, const char *out,
		      char **keep, size_t nkeep, size_t *after, size_t *added)
{
	struct errmsg err = { 0 };
	void *btf = NULL;
	size_t size;
	int ret;

	ret = bk_object_dwarf_keep(obj, keep, nkeep, &btf, &size, added, &err);
	if (!ret)
		ret = gen_strip_btf(obj, out, btf, size, after, &err);
	free(btf);
	return ret ? cli_errmsg(ctx, &err) : EXIT_OK;
}

int cmd_strip(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "keep-types", required_argument, NULL, OPT_KEEP_TYPES },
		{ 0 }
	};
	char **keep = calloc(argc, sizeof(*keep)), *tok, *save;
	size_t nkeep = 0, added = 0;
	const char *in, *out = NULL;
	struct bk_object *obj = NULL;
	struct errmsg err = { 0 };
	size_t after;
	unsigned int mode = 0;
	int c, ret;

	if (!keep)
		return cli_error(ctx, "out of memory");
	while ((c = cli_getopt(ctx, argc, argv, "o:f", longopts)) != -1) {
		switch (c) {
		case OPT_KEEP_TYPES:
			/* NAME,NAME or repeated; argv outlives the command */
			for (tok = strtok_r(optarg, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
				keep[nkeep < (size_t)argc ? nkeep++ : nkeep - 1] = tok;
			break;
		case 'o':
			out = optarg;
			break;
		case 'f':
			mode = CLI_OBJ_FORCE;
			break;
		case CLI_OPT_HELP:
			ret = EXIT_OK;
			goto done;
		default:
			ret = EXIT_USAGE;
			goto done;
		}
	}
	if (optind >= argc) {
		ret = cli_usage_error(ctx, "missing object file; see 'bpfkit strip --help'");
		goto done;
	}
	if (optind + 1 < argc) {
		ret = cli_usage_error(ctx, "unexpected argument '%s'", argv[optind + 1]);
		goto done;
	}
	in = argv[optind];
	if (!out && (in[0] == '@' || !strcmp(in, "-"))) {
		ret = cli_usage_error(ctx, "'%s' cannot be stripped in place: give -o OUT", in);
		goto done;
	}
	ret = cli_open_object_mode(ctx, in, mode, &obj);
	if (ret)
		goto done;
	if (nkeep)
		ret = strip_keep(ctx, obj, out ? out : in, keep, nkeep, &after, &added);
	else if (gen_strip(obj, out ? out : in, &after, &err))
		ret = cli_errmsg(ctx, &err);
	if (!ret) {
		if (ctx->quiet)
			out_quiet(ctx->out);	/* -q: only the exit code */
		out_object_begin(ctx->out, NULL, NULL);
		out_str(ctx->out, "file", "file", obj->name);
		out_str(ctx->out, "output", "output", out ? out : in);
		out_u64(ctx->out, "bytes_before", "bytes before", bk_object_size(obj));
		out_u64(ctx->out, "bytes_after", "bytes after", after);
		if (nkeep)
			out_u64(ctx->out, "types_added", "types added to .BTF", added);
		out_object_end(ctx->out);
	}
	bk_object_close(obj);
done:
	free(keep);
	return ret;
}

const struct cli_command cmd_strip_def = {
	"strip", cmd_strip, NULL, "remove debug info from a BPF object, keep what loads",
	"Usage: bpfkit strip IN [-o OUT] [--force] [--keep-types NAME[,NAME]...]\n"
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
	"  -f, --force          write it even when the object has defects (warnings)\n"
	"  --keep-types NAME    before dropping DWARF, append to .BTF the types NAME needs\n"
	"                       that only DWARF has (a ring-buffer record: 'struct event'),\n"
	"                       so the stripped object still decodes them; .BTF ids and\n"
	"                       .BTF.ext stay as they were; repeatable\n",
	0
};
