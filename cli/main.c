/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bpfkit: the command table, global options and exit codes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "object.h"
#include "tracer.h"

#define CLI_REF(n) &cmd_##n##_def,
static const struct cli_command *const commands[] = { CLI_COMMANDS(CLI_REF) };
#undef CLI_REF
#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char main_usage[] =
	"Usage: bpfkit [-j|-p] [-d] [-q] [--no-color] <command> [<verb>] [options]\n"
	"       bpfkit help [<command>]\n"
	"\n"
	"Commands:\n";

static void print_main_usage(FILE *f)
{
	fputs(main_usage, f);
	cli_list_commands(f, commands, NR_COMMANDS);
	fputs("  help       show help for a command\n"
	      "\nRun 'bpfkit <command> --help' for a command's options.\n", f);
}

/* bpfkit help [CMD [VERB]] prints exactly what bpfkit CMD [VERB] --help prints. */
static int cmd_help(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct cli_command *cmd;

	if (argc < 2) {
		print_main_usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		cli_print_help(ctx->cmd);
		return EXIT_OK;
	}
	cmd = cli_lookup(ctx, commands, NR_COMMANDS, argv[1], "command");
	if (!cmd)
		return EXIT_USAGE;
	if (argc > 2 && cmd->sub) {	/* package's own verbs too: help package show */
		for (const struct cli_command *v = cmd->sub; v->name; v++)
			if (!strcmp(v->name, argv[2])) {
				cli_print_help(v);
				return EXIT_OK;
			}
		return cli_usage_error(ctx, "unknown verb '%s' for '%s'", argv[2], cmd->name);
	}
	if (cmd->sub && !(cmd->flags & CLI_OWN_VERBS))
		printf("%s", cmd->usage);
	else
		cli_print_help(cmd);
	return EXIT_OK;
}

/* Hidden: bpfkit __complete WORD... for the shell completions (cli/complete.c). */
static int cmd_complete(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	return cli_complete(commands, NR_COMMANDS, main_usage, argc, argv);
}

static const struct cli_command help_def = {
	"help", cmd_help, NULL, "show help for a command",
	"Usage: bpfkit help [<command> [<verb>]]\n"
	"\n"
	"Shows the same text as 'bpfkit <command> [<verb>] --help'.\n", 0
};
static const struct cli_command complete_def = {
	"__complete", cmd_complete, NULL, "completion helper", "", CLI_HIDDEN
};

static int parse_global_options(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "debug", no_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-color", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+jpdqhV", opts, NULL)) != -1) {
		switch (c) {
		case 'j': ctx->json = true; break;
		case 'p': ctx->json = ctx->pretty = true; break;
		case 'd': ctx->debug = true; break;
		case 'q': ctx->quiet = true; break;
		case 'C': ctx->color = false; break;
		case 'h': return 'h';
		case 'V': return 'V';
		default:
			fprintf(stderr, "bpfkit: unknown option '%s'; see 'bpfkit --help'\n",
				argv[optind - 1]);
			return -2;
		}
	}
	return 0;
}

static const void *bundled_bytes(const char *name, size_t *size)
{
	const struct tracer *t = tracer_find(name);

	return t && t->elf_bytes ? t->elf_bytes(size) : NULL;	/* trace log loads nothing */
}

int main(int argc, char **argv)
{
	struct cli_ctx ctx = { 0 };
	const struct cli_command *cmd = NULL;
	char *version_argv[] = { "version", NULL };
	int ret, err;

	ctx.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	ret = parse_global_options(&ctx, argc, argv);
	if (ret == -2)
		return EXIT_USAGE;
	ctx.out = out_new(stdout, ctx.json, ctx.pretty);
	if (!ctx.out) {
		fprintf(stderr, "bpfkit: out of memory\n");
		return EXIT_ERR;
	}
	cli_setup_libbpf_log(&ctx);
	bk_object_set_bundled(bundled_bytes);

	if (ret == 'h') {
		print_main_usage(stdout);
		cmd = &help_def;
		argc = optind = 0;
		ret = EXIT_OK;
		goto finish;
	}
	if (ret == 'V') {
		argc = 1, argv = version_argv, optind = 0;
		cmd = &cmd_version_def;
	} else if (optind >= argc) {
		print_main_usage(stderr);
		out_free(ctx.out);
		return EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	if (!cmd && !strcmp(argv[0], "help"))
		cmd = &help_def;
	else if (!cmd && !strcmp(argv[0], "__complete"))
		cmd = &complete_def;
	else if (!cmd)
		cmd = cli_lookup(&ctx, commands, NR_COMMANDS, argv[0], "command");
	ret = cmd ? cli_run(&ctx, cmd, argc, argv) : EXIT_USAGE;
finish:

	/* The document is printed once; a failed write to stdout is an error (> /dev/full). */
	err = out_finish(ctx.out);
	if (err && err != -EPIPE) {
		ctx.name[0] = '\0';
		cli_error(&ctx, "write error on standard output: %s", strerror(-err));
		ret = EXIT_ERR;
	}
	out_free(ctx.out);
	if (fclose(stdout) != 0 && ret == EXIT_OK && errno != EPIPE) {
		fprintf(stderr, "bpfkit: write error on standard output: %s\n", strerror(errno));
		ret = EXIT_ERR;
	}
	return ret;
}
