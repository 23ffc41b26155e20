/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bpfkit package: a BPF object with a manifest section; verify and show it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "gen.h"
#include "object.h"

#ifndef BPFKIT_VERSION
#define BPFKIT_VERSION "0.0.0"
#endif

#define MAX_ATTACH 64

enum { OPT_ATTACH = 0x100, OPT_OCI, OPT_SOURCE, OPT_FORCE };

static int package_verify(struct cli_ctx *ctx, int argc, char **argv)
{
	struct bk_object *obj = NULL;
	struct errmsg err = { 0 };
	struct gen_verify v;
	int c, ret;

	while ((c = cli_getopt(ctx, argc, argv, "", NULL)) != -1) {
		if (c == CLI_OPT_HELP)
			return EXIT_OK;
		return EXIT_USAGE;
	}
	if (optind + 1 != argc)
		return cli_usage_error(ctx, "usage: bpfkit package verify FILE");
	ret = cli_open_object(ctx, argv[optind], &obj);
	if (ret)
		return ret;
	ret = gen_package_verify(obj, &v, &err);
	bk_object_close(obj);
	if (ret)
		return cli_errmsg(ctx, &err);
	if (!v.hash_ok)
		ret = cli_error(ctx, "%s: content hash mismatch: manifest says %s, content is %s",
				argv[optind], v.manifest_sha256, v.sha256);
	else if (!v.manifest_ok)
		ret = cli_error(ctx, "%s: manifest does not match the object: %s", argv[optind],
				v.problem);
	else
		ret = EXIT_OK;
	if (ret == EXIT_OK) {
		out_object_begin(ctx->out, NULL, NULL);
		out_str(ctx->out, "file", "file", argv[optind]);
		out_str(ctx->out, "sha256", "sha256", v.sha256);
		out_bool(ctx->out, "verified", "verified", true);
		out_object_end(ctx->out);
	}
	free(v.manifest);
	return ret;
}

static int package_show(struct cli_ctx *ctx, int argc, char **argv)
{
	struct bk_object *obj = NULL;
	struct errmsg err = { 0 };
	char *json = NULL;
	cJSON *m;
	int c, ret;

	while ((c = cli_getopt(ctx, argc, argv, "", NULL)) != -1) {
		if (c == CLI_OPT_HELP)
			return EXIT_OK;
		return EXIT_USAGE;
	}
	if (optind + 1 != argc)
		return cli_usage_error(ctx, "usage: bpfkit package show FILE");
	ret = cli_open_object(ctx, argv[optind], &obj);
	if (ret)
		return ret;
	ret = gen_manifest_read(obj, &json, &err);
	bk_object_close(obj);
	if (ret)
		return cli_error(ctx, "%s: %s", argv[optind], err.msg);
	if (!json)
		return cli_error(ctx, "%s: no %s section: not a bpfkit package", argv[optind],
				 GEN_MANIFEST_SEC);
	m = cJSON_Parse(json);
	free(json);
	if (!m)
		return cli_error(ctx, "%s: the manifest is not valid JSON", argv[optind]);
	out_item(ctx->out, NULL, NULL, m);	/* text: blocks and tables, as every document */
	return EXIT_OK;
}

static const struct cli_command package_verbs[] = {
	{ "verify", package_verify, NULL, "check a package's hash and manifest",
	  "Usage: bpfkit package verify FILE\n"
	  "\n"
	  "Recomputes the SHA-256 of the loadable content and compares it, and the programs\n"
	  "and maps listed, with the manifest. Exit 1 on any mismatch.\n", 0 },
	{ "show", package_show, NULL, "print a package's manifest",
	  "Usage: bpfkit package show FILE\n", 0 },
	{ 0 }
};

int cmd_package(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "attach", required_argument, NULL, OPT_ATTACH },
		{ "oci", required_argument, NULL, OPT_OCI },
		{ "source", required_argument, NULL, OPT_SOURCE },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ 0 }
	};
	struct gen_attach attach[MAX_ATTACH];
	struct gen_package_opts o = { .attach = attach, .version = BPFKIT_VERSION };
	struct bk_object *obj = NULL;
	struct errmsg err = { 0 };
	const char *out = NULL;
	unsigned int mode = 0;
	int c, i, ret;

	/* verbs share the command name: "package verify FILE", else "package OBJ -o OUT" */
	for (i = 1; i < argc && argv[i][0] == '-'; i++)
		;
	if (i < argc) {
		for (c = 0; package_verbs[c].name; c++) {
			if (!strcmp(argv[i], package_verbs[c].name)) {
				ctx->cmd = &package_verbs[c];
				snprintf(ctx->name, sizeof(ctx->name), "package %s",
					 package_verbs[c].name);
				return package_verbs[c].fn(ctx, argc - i, argv + i);
			}
		}
	}
	while ((c = cli_getopt(ctx, argc, argv, "o:", longopts)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case OPT_ATTACH: {
			char *eq = strchr(optarg, '=');

			if (!eq || eq == optarg || o.n_attach == MAX_ATTACH)
				return cli_usage_error(ctx, "--attach wants PROG=TARGET, got '%s'",
						       optarg);
			*eq = '\0';
			attach[o.n_attach].prog = optarg;
			attach[o.n_attach++].target = eq + 1;
			break;
		}
		case OPT_OCI: o.oci_dir = optarg; break;
		case OPT_SOURCE: o.source = optarg; break;
		case OPT_FORCE: mode = CLI_OBJ_FORCE; break;
		case CLI_OPT_HELP: return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage_error(ctx, "missing object file; see 'bpfkit package --help'");
	if (optind + 1 < argc)
		return cli_usage_error(ctx, "unexpected argument '%s'", argv[optind + 1]);
	if (!out)
		return cli_usage_error(ctx, "missing -o OUT");
	ret = cli_open_object_mode(ctx, argv[optind], mode, &obj);
	if (ret)
		return ret;
	if (gen_package(obj, out, &o, &err)) {
		ret = cli_errmsg(ctx, &err);
	} else {
		if (ctx->quiet)
			out_quiet(ctx->out);	/* -q: only the exit code */
		out_object_begin(ctx->out, NULL, NULL);
		out_str(ctx->out, "file", "file", argv[optind]);
		out_str(ctx->out, "output", "output", out);
		if (o.oci_dir)
			out_str(ctx->out, "oci", "OCI layout", o.oci_dir);
		out_object_end(ctx->out);
	}
	bk_object_close(obj);
	return ret;
}

const struct cli_command cmd_package_def = {
	"package", cmd_package, package_verbs, "make a shippable BPF object with a manifest",
	"Usage: bpfkit package OBJ -o OUT [--attach PROG=TARGET]... [--source SRC] [--oci DIR]\n"
	"                                 [--force]\n"
	"       bpfkit package verify FILE\n"
	"       bpfkit package show FILE\n"
	"\n"
	"Writes OBJ to OUT with a .bpfkit.manifest section (JSON): programs with their default\n"
	"attach targets, maps, settable globals and their types, required kernel features,\n"
	"build information and the SHA-256 of the loadable content. OUT stays a normal BPF\n"
	"object that libbpf and bpftool load unchanged; 'bpfkit strip' keeps the manifest.\n"
	"\n"
	"Options:\n"
	"  -o, --output OUT       the package file\n"
	"      --attach P=T       attach target of program P (e.g. an interface for xdp)\n"
	"      --source SRC       record the source file name in the build information\n"
	"      --force            package it even when OBJ has defects (warnings)\n"
	"      --oci DIR          also write an OCI image layout with bpfman's labels\n",
	CLI_OWN_VERBS
};
