/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Option parsing, verb dispatch and the reporters shared by every command. */
#include <errno.h>
#include <math.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "cli.h"
#include "object.h"

#define OPT_NO_COLOR 0x10001

static const struct option common_longopts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "pretty", no_argument, NULL, 'p' },
	{ "debug", no_argument, NULL, 'd' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "help", no_argument, NULL, 'h' },
};
static const char common_shortopts[] = "jpdqh";

/* ---- reporters ----------------------------------------------------------------------- */

static void report(struct cli_ctx *ctx, const char *kind, const char *msg)
{
	size_t n = strlen(msg);

	while (n && msg[n - 1] == '\n')
		n--;
	if (ctx->name[0])
		fprintf(stderr, "bpfkit: %s: %s%.*s\n", ctx->name, kind, (int)n, msg);
	else
		fprintf(stderr, "bpfkit: %s%.*s\n", kind, (int)n, msg);
}

static int report_error(struct cli_ctx *ctx, int code, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	report(ctx, "", msg);
	if (ctx->out)
		out_set_error(ctx->out, msg);
	return code;
}

int cli_error(struct cli_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = report_error(ctx, EXIT_ERR, fmt, ap);
	va_end(ap);
	return ret;
}

int cli_usage_error(struct cli_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = report_error(ctx, EXIT_USAGE, fmt, ap);
	va_end(ap);
	return ret;
}

int cli_options_only(struct cli_ctx *ctx, int argc, char **argv)
{
	int c = cli_getopt(ctx, argc, argv, "", NULL);

	if (c == -1)
		return 0;
	return c == CLI_OPT_HELP ? CLI_OPT_HELP : EXIT_USAGE;
}

int cli_no_args(struct cli_ctx *ctx, int argc, char **argv)
{
	int ret = cli_options_only(ctx, argc, argv);

	if (!ret && optind < argc)
		return cli_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	return ret;
}

int cli_errmsg(struct cli_ctx *ctx, const struct errmsg *err)
{
	if (err->msg[0])
		return cli_error(ctx, "%s", err->msg);
	return cli_error(ctx, "%s", strerror(err->code < 0 ? -err->code : EIO));
}

void cli_warn(struct cli_ctx *ctx, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(ctx, "warning: ", msg);
}

void cli_info(struct cli_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_parse_u64(struct cli_ctx *ctx, const char *opt, const char *s, unsigned long long *v)
{
	char *end;

	errno = 0;
	if (!s || !*s || *s == '-')
		goto bad;
	*v = strtoull(s, &end, 0);
	if (errno || *end)
		goto bad;
	return 0;
bad:
	cli_usage_error(ctx, "%s: '%s' is not a valid number", opt, s ? s : "");
	return -EINVAL;
}

int cli_parse_seconds(struct cli_ctx *ctx, const char *opt, const char *s, double min,
		      double *v)
{
	char *end;

	errno = 0;
	/* digits or a point first: no " 1", "+1", "inf" or "nan" */
	if (s && (isdigit((unsigned char)*s) || *s == '.'))
		*v = strtod(s, &end);
	else
		end = NULL;
	if (!end || *end || errno || !isfinite(*v) || *v <= 0 || *v < min || *v > 1e9) {
		if (min > 0)
			cli_usage_error(ctx, "%s: '%s' is not a number of seconds (%g to 1e9)", opt,
					s ? s : "", min);
		else
			cli_usage_error(ctx, "%s: '%s' is not a positive number of seconds (at most 1e9)",
					opt, s ? s : "");
		return -EINVAL;
	}
	return 0;
}

/* ---- libbpf log ------------------------------------------------------------------------ */

static struct cli_ctx *log_ctx;
static bool log_offline;

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN || log_offline) {
		if (!(log_ctx && log_ctx->debug))
			return 0;
	}
	return vfprintf(stderr, fmt, ap);
}

void cli_setup_libbpf_log(struct cli_ctx *ctx)
{
	log_ctx = ctx;
	libbpf_set_print(libbpf_log);
}

void cli_libbpf_offline(void)
{
	log_offline = true;
}

/* ---- options ----------------------------------------------------------------------------- */

/* The help. A common option whose short letter the command's own options list claim (trace
 * "-p, --pid") is shown long only, as it then works. */
void cli_print_help(const struct cli_command *cmd)
{
	static const struct { char letter; const char *rest; } common[] = {
		{ 'j', "--json       JSON output (JSON Lines for streams)" },
		{ 'p', "--pretty     indented JSON (implies --json)" },
		{ 'd', "--debug      libbpf debug output (CO-RE relocation log, verifier log)" },
		{ 'q', "--quiet      no informational messages" },
		{ 0, "--no-color   no color (also: NO_COLOR in the environment)" },
		{ 'h', "--help       this help" },
	};
	const char *usage = cmd && cmd->usage ? cmd->usage : "";

	printf("%s", usage);
	if (!*usage || usage[strlen(usage) - 1] != '\n')
		putchar('\n');
	printf("\nCommon options:\n");
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
		char own[8] = "\n  -?, ";

		own[4] = common[i].letter;
		if (common[i].letter && !strstr(usage, own))
			printf("  -%c, %s\n", common[i].letter, common[i].rest);
		else
			printf("      %s\n", common[i].rest);
	}
}

/* Common options apply unless the command claims the same short letter (trace -p PID).
 * Both tables are sized for what they hold: nothing a command declares is dropped. */
static bool is_common_long(const char *name)
{
	for (size_t i = 0; i < sizeof(common_longopts) / sizeof(common_longopts[0]); i++)
		if (!strcmp(name, common_longopts[i].name))
			return true;
	return false;
}

static int merge_options(const char *shortopts, const struct option *longopts, char **so,
			 struct option **lo)
{
	size_t n = 0, nlong = 0, ncommon = sizeof(common_longopts) / sizeof(common_longopts[0]);
	size_t l;

	while (longopts && longopts[nlong].name)
		nlong++;
	free(*so);
	free(*lo);
	l = 1 + (shortopts ? strlen(shortopts) : 0) + sizeof(common_shortopts);
	*so = malloc(l);
	*lo = calloc(nlong + ncommon + 1, sizeof(**lo));
	if (!*so || !*lo)
		return -ENOMEM;
	snprintf(*so, l, ":%s", shortopts ? shortopts : "");
	for (size_t i = 0; i < sizeof(common_shortopts) - 1; i++) {
		size_t end = strlen(*so);

		if (shortopts && strchr(shortopts, common_shortopts[i]))
			continue;
		(*so)[end] = common_shortopts[i];
		(*so)[end + 1] = '\0';
	}
	for (size_t i = 0; i < nlong; i++)
		(*lo)[n++] = longopts[i];
	for (size_t i = 0; i < ncommon; i++)
		(*lo)[n++] = common_longopts[i];
	return 0;
}

int cli_getopt(struct cli_ctx *ctx, int argc, char **argv, const char *shortopts,
	       const struct option *longopts)
{
	static char **active;
	static char *so;
	static struct option *lo;
	int c;

	if (active != argv) {
		active = argv;
		optind = 0;	/* glibc: full re-initialisation */
		opterr = 0;
		if (merge_options(shortopts, longopts, &so, &lo)) {
			active = NULL;
			cli_error(ctx, "out of memory");
			return '?';
		}
	}
	for (;;) {
		int idx = -1;
		bool common_long;

		c = getopt_long(argc, argv, so, lo, &idx);
		/* --pretty is common even where -p is the command's (trace -p PID) */
		common_long = idx >= 0 && lo[idx].name && is_common_long(lo[idx].name);
		if (!common_long && shortopts && c > 0 && c < 256 && strchr(shortopts, c) &&
		    c != ':')
			return c;
		switch (c) {
		case -1:
			active = NULL;
			return -1;
		case 'j':
			ctx->json = true;
			out_set_mode(ctx->out, ctx->json, ctx->pretty);
			break;
		case 'p':
			ctx->json = ctx->pretty = true;
			out_set_mode(ctx->out, ctx->json, ctx->pretty);
			break;
		case 'd':
			ctx->debug = true;
			break;
		case 'q':
			ctx->quiet = true;
			break;
		case OPT_NO_COLOR:
			ctx->color = false;
			break;
		case 'h':
			cli_print_help(ctx->cmd);
			active = NULL;
			return CLI_OPT_HELP;
		case ':':
			active = NULL;
			cli_usage_error(ctx, "option '%s' needs a value; see 'bpfkit %s --help'",
					argv[optind - 1], ctx->name);
			return '?';
		case '?':
			active = NULL;
			if (optopt)
				cli_usage_error(ctx, "unknown option '-%c'; see 'bpfkit %s --help'",
						optopt, ctx->name);
			else
				cli_usage_error(ctx, "unknown option '%s'; see 'bpfkit %s --help'",
						argv[optind - 1], ctx->name);
			return '?';
		default:
			return c;
		}
	}
}

/* ---- dispatch ---------------------------------------------------------------------------- */

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[64], cur[64], i, j;

	if (la >= 63 || lb >= 63)
		return 99;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof(cur));
	}
	return prev[lb];
}

const struct cli_command *cli_lookup(struct cli_ctx *ctx, const struct cli_command *const *table,
				     size_t n, const char *name, const char *what)
{
	const struct cli_command *match = NULL;
	char cands[512] = "";
	size_t i, nmatch = 0, best = 99;

	for (i = 0; i < n; i++)
		if (!strcmp(table[i]->name, name))
			return table[i];
	for (i = 0; i < n; i++) {
		if (strncmp(table[i]->name, name, strlen(name)) || (table[i]->flags & CLI_HIDDEN))
			continue;
		match = table[i];
		nmatch++;
		snprintf(cands + strlen(cands), sizeof(cands) - strlen(cands), "%s%s",
			 nmatch > 1 ? ", " : "", table[i]->name);
	}
	if (nmatch == 1)
		return match;
	if (nmatch > 1) {
		cli_usage_error(ctx, "'%s' is ambiguous: %s", name, cands);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		size_t d = edit_distance(name, table[i]->name);

		if (!(table[i]->flags & CLI_HIDDEN) && d < best) {
			best = d;
			match = table[i];
		}
	}
	if (best <= 2)
		cli_usage_error(ctx, "unknown %s '%s'; did you mean '%s'?", what, name, match->name);
	else
		cli_usage_error(ctx, "unknown %s '%s'; see 'bpfkit %s--help'", what, name,
				ctx->name[0] ? strcat(strcpy(cands, ctx->name), " ") : "");
	return NULL;
}

void cli_list_commands(FILE *f, const struct cli_command *const *table, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(table[i]->flags & CLI_HIDDEN))
			fprintf(f, "  %-10s %s\n", table[i]->name, table[i]->summary);
}

int cli_enum_parse(const struct cli_enum *e, const char *name)
{
	for (; e->name; e++)
		if (!strcmp(e->name, name))
			return e->value;
	return -1;
}

int cli_run(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	size_t len = strlen(ctx->name);

	if (len + 1 + strlen(cmd->name) < sizeof(ctx->name))
		snprintf(ctx->name + len, sizeof(ctx->name) - len, "%s%s", len ? " " : "",
			 cmd->name);
	ctx->cmd = cmd;
	if (!cmd->sub || (cmd->flags & CLI_OWN_VERBS))
		return cmd->fn(ctx, argc, argv);
	if (argc < 2 && cmd->fn)	/* the command decides what no verb means */
		return cmd->fn(ctx, argc, argv);
	if (argc < 2 && (cmd->flags & CLI_DEFAULT_VERB)) {	/* "prog" = "prog list" */
		char *verb_argv[] = { (char *)cmd->sub[0].name, NULL };

		return cli_run(ctx, &cmd->sub[0], 1, verb_argv);
	}
	if (argc < 2) {
		fputs(cmd->usage, stderr);
		return cli_usage_error(ctx, "expected a verb; see the list above");
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		printf("%s", cmd->usage);	/* a verb list: the common options come per verb */
		return EXIT_OK;
	}
	if (argv[1][0] == '-')
		return cli_usage_error(ctx, "expected a verb before '%s'; see 'bpfkit %s --help'",
				       argv[1], ctx->name);
	return cli_dispatch(ctx, cmd->sub, argc - 1, argv + 1);
}

int cli_dispatch(struct cli_ctx *ctx, const struct cli_command *table, int argc, char **argv)
{
	const struct cli_command **ptrs, *verb;
	size_t n = 0;

	while (table[n].name)
		n++;
	ptrs = calloc(n ? n : 1, sizeof(*ptrs));
	if (!ptrs)
		return cli_error(ctx, "out of memory");
	for (size_t i = 0; i < n; i++)
		ptrs[i] = &table[i];
	verb = cli_lookup(ctx, ptrs, n, argv[0], "verb");
	free(ptrs);
	if (!verb)
		return EXIT_USAGE;
	return cli_run(ctx, verb, argc, argv);
}

/* glibc ignores setvbuf()'s size when it allocates the buffer itself: give it one. */
void cli_stdout_buffer(void)
{
	static char buf[1 << 16];

	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, buf, _IOFBF, sizeof(buf));
}

/* ---- objects ------------------------------------------------------------------------------ */

int cli_open_object_mode(struct cli_ctx *ctx, const char *arg, unsigned int mode,
			 struct bk_object **o)
{
	struct errmsg err = { 0 };
	size_t n;

	if (bk_object_open(arg, o, &err))
		return cli_errmsg(ctx, &err);
	for (size_t i = 0; i < (*o)->nr_defects; i++)
		cli_warn(ctx, "%s: %s", (*o)->name, (*o)->defects[i]);
	n = (*o)->nr_defects_found;
	if (!n || (mode & CLI_OBJ_LENIENT))
		return EXIT_OK;
	if (mode & CLI_OBJ_FORCE) {
		(*o)->force = true;
		return EXIT_OK;
	}
	bk_object_close(*o);
	*o = NULL;
	return cli_error(ctx, "%s: damaged object (%zu defect%s, see above); --force uses it anyway",
			 arg, n, n == 1 ? "" : "s");
}
