/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bpfkit gen: skeleton headers, statically linked objects, vmlinux.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gen.h"
#include "object.h"

enum { OPT_NAME = 0x100, OPT_BTF, OPT_FORCE };

/* Text goes to -o FILE atomically, else to stdout through the one output path. */
static int emit_text(struct cli_ctx *ctx, const char *path, const char *text, size_t len)
{
	struct errmsg err = { 0 };

	if (path) {
		if (gen_write_atomic(path, text, len, 0644, &err))
			return cli_errmsg(ctx, &err);
		return EXIT_OK;
	}
	if (out_json(ctx->out))
		return cli_usage_error(ctx, "C output has no JSON form; use -o FILE");
	out_printf(ctx->out, "%.*s", (int)len, text);
	return EXIT_OK;
}

static int gen_skeleton_cmd(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, OPT_NAME },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ 0 }
	};
	const char *name = NULL, *out = NULL;
	struct bk_object *obj = NULL;
	unsigned int mode = 0;
	struct errmsg err = { 0 };
	char *text = NULL;
	size_t len;
	int c, ret;

	while ((c = cli_getopt(ctx, argc, argv, "o:", longopts)) != -1) {
		switch (c) {
		case OPT_NAME: name = optarg; break;
		case OPT_FORCE: mode = CLI_OBJ_FORCE; break;
		case 'o': out = optarg; break;
		case CLI_OPT_HELP: return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage_error(ctx, "missing object file; see 'bpfkit gen skeleton --help'");
	if (optind + 1 < argc)
		return cli_usage_error(ctx, "unexpected argument '%s'", argv[optind + 1]);
	ret = cli_open_object_mode(ctx, argv[optind], mode, &obj);
	if (ret)
		return ret;
	if (gen_skeleton_text(obj, name, &text, &len, &err))
		ret = cli_errmsg(ctx, &err);
	else
		ret = emit_text(ctx, out, text, len);
	free(text);
	bk_object_close(obj);
	return ret;
}

static int gen_object_cmd(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, OPT_FORCE },
		{ 0 }
	};
	struct bk_object **in = NULL;
	struct errmsg err = { 0 };
	unsigned int mode = 0;
	int c, n = 0, ret = EXIT_OK;

	while ((c = cli_getopt(ctx, argc, argv, "", longopts)) != -1) {
		if (c == OPT_FORCE) {
			mode = CLI_OBJ_FORCE;
			continue;
		}
		if (c == CLI_OPT_HELP)
			return EXIT_OK;
		return EXIT_USAGE;
	}
	if (argc - optind < 2)
		return cli_usage_error(ctx, "usage: bpfkit gen object OUT IN...");
	in = calloc(argc - optind - 1, sizeof(*in));
	if (!in)
		return cli_error(ctx, "out of memory");
	for (n = 0; !ret && n < argc - optind - 1; n++)
		ret = cli_open_object_mode(ctx, argv[optind + 1 + n], mode, &in[n]);
	if (!ret && gen_link(argv[optind], in, n, &err))
		ret = cli_errmsg(ctx, &err);
	if (!ret && out_json(ctx->out)) {
		out_object_begin(ctx->out, NULL, NULL);
		out_str(ctx->out, "output", "output", argv[optind]);
		out_object_end(ctx->out);
	}
	while (n--)
		bk_object_close(in[n]);
	free(in);
	return ret;
}

static int gen_vmlinux_cmd(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "btf", required_argument, NULL, OPT_BTF },
		{ "output", required_argument, NULL, 'o' },
		{ 0 }
	};
	const char *btf = NULL, *out = NULL;
	struct errmsg err = { 0 };
	char dir[4096], hash[65], path[4096 + 16];
	void *text = NULL;
	bool generated;
	size_t len;
	int c, ret;

	while ((c = cli_getopt(ctx, argc, argv, "o:", longopts)) != -1) {
		switch (c) {
		case OPT_BTF: btf = optarg; break;
		case 'o': out = optarg; break;
		case CLI_OPT_HELP: return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	/* the very header `build` uses: from the cache (generated there if missing) */
	if (gen_cache_vmlinux(btf, dir, sizeof(dir), hash, &generated, &err))
		return cli_errmsg(ctx, &err);
	snprintf(path, sizeof(path), "%s/vmlinux.h", dir);
	if (gen_read_file(path, &text, &len, &err))
		return cli_errmsg(ctx, &err);
	ret = emit_text(ctx, out, text, len);
	free(text);
	return ret;
}

static const struct cli_command gen_verbs[] = {
	{ "skeleton", gen_skeleton_cmd, NULL, "C skeleton header for an object",
	  "Usage: bpfkit gen skeleton OBJ [--name NAME] [-o OUT] [--force]\n"
	  "\n"
	  "Prints a C header in the form of 'bpftool gen skeleton' (NAME__open, __load,\n"
	  "__attach, __destroy, maps, progs, links, bss/data/rodata), embedding OBJ (a file,\n"
	  "@NAME of a bundled object, or - for standard input).\n"
	  "\n"
	  "Options:\n"
	  "      --name NAME      skeleton name (default: file name without .o, '.' -> '_')\n"
	  "  -o, --output OUT     write to OUT instead of stdout\n"
	  "      --force          generate it even when OBJ has defects (warnings)\n", 0 },
	{ "object", gen_object_cmd, NULL, "statically link BPF objects into one",
	  "Usage: bpfkit gen object OUT IN... [--force]\n"
	  "\n"
	  "Links the BPF objects IN... (files, @NAME, - for standard input) into OUT with\n"
	  "libbpf's static linker, which reads each through a memfd of the checked bytes.\n"
	  "\n"
	  "Options:\n"
	  "      --force          link even inputs that have defects (warnings)\n", 0 },
	{ "vmlinux", gen_vmlinux_cmd, NULL, "vmlinux.h from kernel BTF",
	  "Usage: bpfkit gen vmlinux [--btf FILE] [-o OUT]\n"
	  "\n"
	  "Prints the vmlinux.h that 'bpfkit build' uses, generated from the running kernel's\n"
	  "BTF (or FILE) and cached by its SHA-256.\n"
	  "\n"
	  "Options:\n"
	  "      --btf FILE       BTF to use (default /sys/kernel/btf/vmlinux)\n"
	  "  -o, --output OUT     write to OUT instead of stdout\n", 0 },
	{ 0 }
};

int cmd_gen(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_usage_error(ctx, "missing verb: skeleton, object or vmlinux");
}

const struct cli_command cmd_gen_def = {
	"gen", cmd_gen, gen_verbs, "generate skeletons, linked objects, vmlinux.h",
	"Usage: bpfkit gen skeleton OBJ [--name NAME] [-o OUT] [--force]\n"
	"       bpfkit gen object OUT IN... [--force]\n"
	"       bpfkit gen vmlinux [--btf FILE] [-o OUT]\n",
	0
};
