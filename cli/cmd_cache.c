/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bpfkit cache list|prune|clear: the build cache (vmlinux.h and precompiled headers). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gen.h"

static void show(struct cli_ctx *ctx, const struct gen_cache_list *l, bool removed)
{
	uint64_t limit = gen_cache_limit();

	out_object_begin(ctx->out, NULL, NULL);
	out_str(ctx->out, "dir", "cache", l->root);
	out_u64(ctx->out, "bytes", "bytes", gen_cache_live_bytes(l));
	out_u64(ctx->out, "bytes_limit", "limit", limit);
	out_list_begin(ctx->out, removed ? "removed" : "entries", removed ? "Removed" : "Entries");
	for (size_t i = 0; i < l->n; i++) {
		const struct gen_cache_entry *e = &l->v[i];
		char when[32];

		if (e->removed != removed)
			continue;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", localtime(&e->used));
		out_object_begin(ctx->out, NULL, NULL);
		out_str(ctx->out, "kind", NULL, e->kind);
		out_u64(ctx->out, "bytes", NULL, e->bytes);
		out_str(ctx->out, "used", "LAST USED", when);
		out_str(ctx->out, "path", NULL, e->path);
		out_object_end(ctx->out);
	}
	out_list_end(ctx->out);
	out_object_end(ctx->out);
}

static int cache_list(struct cli_ctx *ctx, int argc, char **argv)
{
	struct gen_cache_list l;
	struct errmsg err = { 0 };
	int ret = cli_no_args(ctx, argc, argv);

	if (ret)
		return ret == CLI_OPT_HELP ? EXIT_OK : ret;
	if (gen_cache_scan(&l, &err))
		return cli_errmsg(ctx, &err);
	show(ctx, &l, false);
	gen_cache_list_free(&l);
	return EXIT_OK;
}

static int prune(struct cli_ctx *ctx, int argc, char **argv, bool all)
{
	struct gen_cache_list l;
	struct errmsg err = { 0 };
	int ret = cli_no_args(ctx, argc, argv);

	if (ret)
		return ret == CLI_OPT_HELP ? EXIT_OK : ret;
	if (gen_cache_prune(gen_cache_limit(), all, &l, &err))
		return cli_errmsg(ctx, &err);
	show(ctx, &l, true);
	gen_cache_list_free(&l);
	return EXIT_OK;
}

static int cache_prune(struct cli_ctx *ctx, int argc, char **argv)
{
	return prune(ctx, argc, argv, false);
}

static int cache_clear(struct cli_ctx *ctx, int argc, char **argv)
{
	return prune(ctx, argc, argv, true);
}

static const struct cli_command cache_verbs[] = {
	{ "list", cache_list, NULL, "what the build cache keeps, its size and limit",
	  "Usage: bpfkit cache list [--json]\n"
	  "\n"
	  "Each vmlinux.h and precompiled header 'bpfkit build' keeps: kind, bytes, last use,\n"
	  "path; the total and the limit ($BPFKIT_CACHE_MAX, default 256M).\n", 0 },
	{ "prune", cache_prune, NULL, "shrink the cache to its limit, least recently used first",
	  "Usage: bpfkit cache prune [--json]\n"
	  "\n"
	  "Removes the least recently used entries until the cache fits $BPFKIT_CACHE_MAX\n"
	  "(default 256M; K, M and G suffixes); a vmlinux.h goes with the headers precompiled\n"
	  "from it. 'bpfkit build' does this itself whenever the cache grows.\n", 0 },
	{ "clear", cache_clear, NULL, "empty the cache",
	  "Usage: bpfkit cache clear [--json]\n"
	  "\n"
	  "Removes every vmlinux.h and precompiled header; the next build makes them again.\n", 0 },
	{ 0 }
};

const struct cli_command cmd_cache_def = {
	"cache", NULL, cache_verbs, "the build cache: list, prune to its limit, clear",
	"Usage: bpfkit cache list|prune|clear [--json]\n"
	"\n"
	"The cache of 'bpfkit build' ($BPFKIT_CACHE_DIR, else $XDG_CACHE_HOME/bpfkit, else\n"
	"~/.cache/bpfkit) holds vmlinux.h per kernel BTF and a precompiled header per set of\n"
	"build flags (~15 MB each). It is kept under $BPFKIT_CACHE_MAX (default 256M), least\n"
	"recently used first.\n",
	CLI_DEFAULT_VERB
};
