/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The command-line layer: command tables, option parsing, error reporting, exit codes.
 * Only cli/ prints to stderr and decides exit codes; modules return -errno + struct errmsg.
 */
#ifndef BPFKIT_CLI_H
#define BPFKIT_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "errmsg.h"
#include "output.h"

enum { EXIT_OK = 0, EXIT_ERR = 1, EXIT_USAGE = 2 };

struct cli_ctx;
typedef int (*cli_fn)(struct cli_ctx *ctx, int argc, char **argv);

/*
 * One row of a command table. Top level: "inspect", "trace", "prog", ...; one level down the
 * verbs of a command with verbs ("prog list"). argv[0] passed to fn is the command/verb name.
 */
struct cli_command {
	const char *name;
	cli_fn fn;			/* NULL when sub is set and no default verb */
	const struct cli_command *sub;	/* verbs, NULL-name terminated; first entry is default */
	const char *summary;		/* one line: help listing and completion */
	const char *usage;		/* full --help text: synopsis line(s), blank line, options */
	unsigned int flags;
};

#define CLI_HIDDEN	(1u << 0)	/* not in help listings or completion */
#define CLI_STREAM	(1u << 1)	/* output is JSON Lines, not one document */
#define CLI_DEFAULT_VERB (1u << 2)	/* no verb runs the first one (bpftool's prog -> prog show) */
#define CLI_OWN_VERBS	(1u << 3)	/* fn dispatches sub itself ("package OBJ" or "package show
					 * FILE"); sub is there for help and completion */

struct cli_ctx {
	bool json;		/* -j/--json */
	bool pretty;		/* -p/--pretty (implies json) */
	bool debug;		/* -d/--debug: libbpf debug log to stderr */
	bool quiet;		/* -q/--quiet: no info messages */
	bool color;		/* stdout/stderr is a tty, no --no-color, no NO_COLOR */
	char name[64];		/* "inspect", "prog list": prefix of error messages */
	const struct cli_command *cmd;	/* command being run: its usage for --help */
	struct out *out;	/* the output document (cli/output.h) */
};

/* The value cli_getopt() returns for -h/--help, after printing the command's usage. */
#define CLI_OPT_HELP 0x10000

/*
 * getopt_long() for a command or verb. The common options -j -p -d -q --no-color -h may
 * appear anywhere and are handled here; it returns the command's own options as getopt_long
 * does, -1 at the end (optind then indexes the first operand), '?' after printing a usage
 * error for an unknown option or missing argument, and CLI_OPT_HELP after printing --help.
 * Typical loop:
 *	while ((c = cli_getopt(ctx, argc, argv, "o:", opts)) != -1) switch (c) {
 *	case 'o': out = optarg; break;
 *	case CLI_OPT_HELP: return EXIT_OK;
 *	default: return EXIT_USAGE;
 *	}
 */
int cli_getopt(struct cli_ctx *ctx, int argc, char **argv, const char *shortopts,
	       const struct option *longopts);

/* Run the verb named by argv[0] from table (exact name, else unique prefix; "help" and -h
 * print the verb list). With argc == 0 the first verb runs. Returns an exit code. */
int cli_dispatch(struct cli_ctx *ctx, const struct cli_command *table, int argc, char **argv);

/*
 * Reporters. cli_error prints "bpfkit: <ctx->name>: <message>" on one line to stderr and,
 * with --json, makes {"error": "<message>"} the stdout document; returns EXIT_ERR.
 * cli_usage_error does the same and returns EXIT_USAGE. cli_errmsg reports a module error.
 * cli_warn always prints ("bpfkit: <name>: warning: ..."); cli_info only without -q.
 * Messages never end with '\n'.
 */
__attribute__((format(printf, 2, 3))) int cli_error(struct cli_ctx *ctx, const char *fmt, ...);
__attribute__((format(printf, 2, 3))) int cli_usage_error(struct cli_ctx *ctx, const char *fmt, ...);

/*
 * A verb with no options of its own (the common ones only): 0, EXIT_USAGE, or CLI_OPT_HELP
 * after --help was printed. cli_options_only() leaves operands at argv[optind];
 * cli_no_args() makes one a usage error.
 */
int cli_options_only(struct cli_ctx *ctx, int argc, char **argv);
int cli_no_args(struct cli_ctx *ctx, int argc, char **argv);
int cli_errmsg(struct cli_ctx *ctx, const struct errmsg *err);
__attribute__((format(printf, 2, 3))) void cli_warn(struct cli_ctx *ctx, const char *fmt, ...);
__attribute__((format(printf, 2, 3))) void cli_info(struct cli_ctx *ctx, const char *fmt, ...);

/* Find name in table: exact, else a unique unhidden prefix; NULL after a usage error. */
const struct cli_command *cli_lookup(struct cli_ctx *ctx, const struct cli_command *const *table,
				     size_t n, const char *name, const char *what);
/* Run a command or verb (argv[0] is its name): appends it to ctx->name, handles verbs. */
int cli_run(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv);
/* What -h prints: the command's usage, then the common options. */
void cli_print_help(const struct cli_command *cmd);
void cli_list_commands(FILE *f, const struct cli_command *const *table, size_t n);

/* OBJ operand: a path, "@name" for a bundled object or "-" for standard input, opened
 * through the object model's gate (include/object.h). */
struct bk_object;
/* Defects the gate read past are warnings; then a damaged object is an error (exit 1) unless
 * CLI_OBJ_LENIENT (inspect: show what it can, exit 1 at the end) or CLI_OBJ_FORCE (--force). */
#define CLI_OBJ_LENIENT	(1u << 0)
#define CLI_OBJ_FORCE	(1u << 1)
int cli_open_object_mode(struct cli_ctx *ctx, const char *arg, unsigned int mode,
			 struct bk_object **o);
static inline int cli_open_object(struct cli_ctx *ctx, const char *arg, struct bk_object **o)
{
	return cli_open_object_mode(ctx, arg, 0, o);
}

/* Streams and large dumps: a 64 KiB stdout buffer when stdout is not a terminal (call before
 * anything is written). */
void cli_stdout_buffer(void);

/* Parse a number operand ("--count 10", "-p 123"); usage error text on failure. */
int cli_parse_u64(struct cli_ctx *ctx, const char *opt, const char *s, unsigned long long *v);
/* A number of seconds: finite, > 0, >= min, at most 1e9; usage error text on failure. */
int cli_parse_seconds(struct cli_ctx *ctx, const char *opt, const char *s, double min,
		      double *v);

/*
 * An option's fixed set of values, NULL-name terminated: the parser and the completion
 * (cli/complete.c) read the same table, so a new value cannot be missed by either.
 */
struct cli_enum {
	const char *name;
	int value;
};
/* The value of name in e, or -1. */
int cli_enum_parse(const struct cli_enum *e, const char *name);
extern const struct cli_enum btf_dump_formats[];	/* btf dump --format */
extern const struct cli_enum map_watch_orders[];	/* map watch --sort */

/* bpfkit __complete WORD...: candidates for the last word (cli/complete.c). */
int cli_complete(const struct cli_command *const *commands, size_t n, const char *main_usage,
		 int argc, char **argv);

/* libbpf's log: warnings always, debug lines with -d. Installed by main(). */
void cli_setup_libbpf_log(struct cli_ctx *ctx);
/*
 * For commands that only read objects: libbpf's warnings then describe damage our own checks
 * report in one line, so they show only with -d.
 */
void cli_libbpf_offline(void);

/* Every top-level command: one file cli/cmd_<name>.c each. */
#define CLI_COMMANDS(X)                                                               \
	X(attach)                                                                     \
	X(attached)                                                                   \
	X(btf)                                                                        \
	X(build)                                                                      \
	X(cache)                                                                      \
	X(core)                                                                       \
	X(detach)                                                                     \
	X(doctor)                                                                     \
	X(feature)                                                                    \
	X(gc)                                                                         \
	X(gen)                                                                        \
	X(inspect)                                                                    \
	X(link)                                                                       \
	X(load)                                                                       \
	X(map)                                                                        \
	X(package)                                                                    \
	X(prog)                                                                       \
	X(stats)                                                                      \
	X(strip)                                                                      \
	X(trace)                                                                      \
	X(unload)                                                                     \
	X(unpin)                                                                      \
	X(version)

#define CLI_DECLARE(n) int cmd_##n(struct cli_ctx *ctx, int argc, char **argv); \
	extern const struct cli_command cmd_##n##_def;
CLI_COMMANDS(CLI_DECLARE)
#undef CLI_DECLARE

#endif
