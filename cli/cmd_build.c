/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bpfkit build: compile a .bpf.c with a provided vmlinux.h (and its PCH), check, strip, skel. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "gen.h"
#include "object.h"

#define MAX_LIST 32

enum { OPT_ARCH = 0x100, OPT_VMLINUX, OPT_BTF, OPT_CC, OPT_STRIP, OPT_SKEL, OPT_NO_PCH, OPT_FORCE };

/* x.bpf.o -> x.skel.h (the libbpf-tools convention); anything else: OUT.skel.h */
static void skel_path(const char *obj, char *out, size_t size)
{
	size_t n = strlen(obj);

	if (n > 6 && !strcmp(obj + n - 6, ".bpf.o"))
		snprintf(out, size, "%.*s.skel.h", (int)(n - 6), obj);
	else if (n > 2 && !strcmp(obj + n - 2, ".o"))
		snprintf(out, size, "%.*s.skel.h", (int)(n - 2), obj);
	else
		snprintf(out, size, "%s.skel.h", obj);
}

static int check_output(struct cli_ctx *ctx, const struct bk_object *obj, const char *out)
{
	struct gen_check chk;
	struct errmsg err = { 0 };

	if (gen_check_object(obj, &chk, &err))
		return cli_error(ctx, "%s: %s", out, err.msg);
	for (int i = 0; i < chk.n_warnings; i++)
		cli_warn(ctx, "%s: %s", out, chk.warnings[i]);
	gen_check_free(&chk);
	return EXIT_OK;
}

/* Check what clang wrote (r->tmp), then put it at r->out: stripped, or renamed as is. */
static int finish_output(struct cli_ctx *ctx, struct gen_build_result *r, unsigned int mode,
			 bool strip, size_t *before, size_t *after)
{
	struct bk_object *obj = NULL;
	struct errmsg err = { 0 };
	int ret;

	ret = cli_open_object_mode(ctx, r->tmp, mode, &obj);
	if (!ret) {
		*before = bk_object_size(obj);
		ret = check_output(ctx, obj, r->out);
	}
	if (!ret && strip && gen_strip(obj, r->out, after, &err))
		ret = cli_errmsg(ctx, &err);
	if (!ret && !strip && gen_build_publish(r, &err))
		ret = cli_errmsg(ctx, &err);
	gen_build_discard(r);	/* whatever is left of the temporary file */
	bk_object_close(obj);
	return ret;
}

/* The skeleton of what was written (stripped or not), named after OUT. */
static int write_skeleton(struct cli_ctx *ctx, const char *out, unsigned int mode,
			  const char *skel_file)
{
	struct bk_object *obj = NULL;
	struct errmsg err = { 0 };
	char *text = NULL;
	size_t len;
	int ret;

	ret = cli_open_object_mode(ctx, out, mode, &obj);
	if (ret)
		return ret;
	ret = gen_skeleton_text(obj, NULL, &text, &len, &err);
	if (!ret)
		ret = gen_write_atomic(skel_file, text, len, 0644, &err);
	free(text);
	bk_object_close(obj);
	return ret ? cli_errmsg(ctx, &err) : EXIT_OK;
}

int cmd_build(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "include", required_argument, NULL, 'I' },
		{ "define", required_argument, NULL, 'D' },
		{ "arch", required_argument, NULL, OPT_ARCH },
		{ "vmlinux", required_argument, NULL, OPT_VMLINUX },
		{ "btf", required_argument, NULL, OPT_BTF },
		{ "cc", required_argument, NULL, OPT_CC },
		{ "strip", no_argument, NULL, OPT_STRIP },
		{ "skeleton", no_argument, NULL, OPT_SKEL },
		{ "no-pch", no_argument, NULL, OPT_NO_PCH },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ 0 }
	};
	const char *incs[MAX_LIST], *defs[MAX_LIST];
	struct gen_build_opts o = { .incs = incs, .defs = defs };
	struct gen_build_result r;
	struct errmsg err = { 0 };
	bool strip = false, skel = false;
	unsigned int mode = 0;
	char skel_file[4096 + 16];
	size_t before = 0, after = 0;
	int c, ret;

	while ((c = cli_getopt(ctx, argc, argv, "o:I:D:", longopts)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case 'I':
			if (o.n_incs == MAX_LIST)
				return cli_usage_error(ctx, "too many -I options");
			incs[o.n_incs++] = optarg;
			break;
		case 'D':
			if (o.n_defs == MAX_LIST)
				return cli_usage_error(ctx, "too many -D options");
			defs[o.n_defs++] = optarg;
			break;
		case OPT_ARCH: o.arch = optarg; break;
		case OPT_VMLINUX: o.vmlinux = optarg; break;
		case OPT_BTF: o.btf = optarg; break;
		case OPT_CC: o.cc = optarg; break;
		case OPT_STRIP: strip = true; break;
		case OPT_SKEL: skel = true; break;
		case OPT_NO_PCH: o.no_pch = true; break;
		case OPT_FORCE: mode = CLI_OBJ_FORCE; break;
		case CLI_OPT_HELP: return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage_error(ctx, "missing source file; see 'bpfkit build --help'");
	if (optind + 1 < argc)
		return cli_usage_error(ctx, "unexpected argument '%s'", argv[optind + 1]);
	if (o.vmlinux && o.btf)
		return cli_usage_error(ctx, "--vmlinux and --btf are exclusive");
	if (o.arch && !gen_target_arch(o.arch))
		return cli_usage_error(ctx, "unknown architecture '%s' (x86, arm64, arm, s390, "
				       "powerpc, riscv, loongarch, mips)", o.arch);
	o.src = argv[optind];
	/* clang's diagnostics go straight to our stderr: color only if that is a terminal */
	o.color = ctx->color && isatty(STDERR_FILENO);

	ret = gen_build(&o, &r, &err);
	if (ret)
		return cli_errmsg(ctx, &err);
	if (r.status != 0)
		return cli_error(ctx, "%s: compilation failed (clang exit status %d)", o.src,
				 r.status);
	ret = finish_output(ctx, &r, mode, strip, &before, &after);
	if (!ret && skel) {
		skel_path(r.out, skel_file, sizeof(skel_file));
		ret = write_skeleton(ctx, r.out, mode, skel_file);
	}
	if (ret)
		return ret;

	if (ctx->quiet)
		out_quiet(ctx->out);	/* -q: only the exit code and diagnostics */
	out_object_begin(ctx->out, NULL, NULL);
	out_str(ctx->out, "source", "source", o.src);
	out_str(ctx->out, "output", "output", r.out);
	out_str(ctx->out, "clang", "clang", r.clang_version);
	out_str(ctx->out, "clang_path", "clang path", r.clang);
	if (r.vmlinux_dir[0]) {
		out_str(ctx->out, "vmlinux_dir", "vmlinux.h", r.vmlinux_dir);
		out_bool(ctx->out, "vmlinux_generated", "vmlinux.h generated", r.vmlinux_generated);
	}
	out_str(ctx->out, "pch", "precompiled header",
		r.pch_built ? "built" : r.pch_used ? "reused" : "not used");
	if (!r.pch_used && r.pch_skip[0])
		out_str(ctx->out, "pch_skip_reason", "reason", r.pch_skip);
	if (strip) {
		out_u64(ctx->out, "bytes_before_strip", "bytes before strip", before);
		out_u64(ctx->out, "bytes", "bytes", after);
	}
	if (skel)
		out_str(ctx->out, "skeleton", "skeleton", skel_file);
	out_object_end(ctx->out);
	return EXIT_OK;
}

const struct cli_command cmd_build_def = {
	"build", cmd_build, NULL, "compile a BPF C program into a checked object",
	"Usage: bpfkit build SRC.bpf.c [-o OUT] [-I DIR] [-D NAME[=V]] [--arch ARCH]\n"
	"                    [--vmlinux FILE | --btf FILE] [--cc CLANG] [--strip] [--skeleton]\n"
	"                    [--no-pch] [--force]\n"
	"\n"
	"Runs clang -target bpf -g -O2 -D__TARGET_ARCH_<arch> with a vmlinux.h generated from\n"
	"the running kernel's BTF (or --btf FILE) on the include path, cached by the BTF's\n"
	"SHA-256 with a precompiled header keyed by clang and the flags, so repeated builds\n"
	"skip parsing the header. Then checks the object: BPF, has .BTF, known program\n"
	"sections, a license that allows the helpers used.\n"
	"\n"
	"Options:\n"
	"  -o, --output OUT     object file (default: SRC with .c replaced by .o)\n"
	"  -I, --include DIR    add an include directory (repeatable)\n"
	"  -D, --define N[=V]   define a macro (repeatable)\n"
	"      --arch ARCH      target architecture for bpf_tracing.h (default: this machine)\n"
	"      --vmlinux FILE   use this vmlinux.h instead of generating one\n"
	"      --btf FILE       generate vmlinux.h from this BTF (default /sys/kernel/btf/vmlinux)\n"
	"      --cc CLANG       compiler (default: $CLANG, clang, newest clang-N on PATH)\n"
	"      --strip          strip the result (bpfkit strip)\n"
	"      --skeleton       write OUT's skeleton header beside it (X.bpf.o -> X.skel.h)\n"
	"      --no-pch         do not use a precompiled vmlinux.h\n"
	"      --force          keep the object even when it has defects (warnings)\n"
	"\n"
	"Cache: $BPFKIT_CACHE_DIR, else $XDG_CACHE_HOME/bpfkit, else ~/.cache/bpfkit.\n"
	"Compiler diagnostics are passed through unchanged; a failed compile exits 1.\n",
	0
};
