/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bpfkit __complete WORD...: the candidates for the last word, one a line, for the shell
 * shims in completions/. Commands, verbs and options come from the tables that dispatch
 * them; option values from the tables their parsers read; ids, pins and interfaces from the
 * running system. Besides candidates it may print one directive line for the shim:
 *	:files SUFFIX	also complete file names ending in SUFFIX, and directories
 *	:nofiles	no file names (an id or a pin path is expected)
 * A candidate may carry a description after a tab (ids: the name and type).
 * No output at all means "any file name". It never prints an error: without privilege
 * there are simply no ids.
 */
#include <ctype.h>
#include <dirent.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "btf_view.h"
#include "cli.h"
#include "kattach.h"
#include "tracer.h"

/* ---- options ------------------------------------------------------------------------------ */

/* Print each long option named in a usage text once (synopsis and option list both name
 * them), then the common options. */
static const char common_options[] = "--json\n--pretty\n--debug\n--quiet\n--no-color\n--help\n";

static bool is_common(const char *opt, size_t n)
{
	for (const char *c = common_options; (c = strstr(c, "--")); c += 2)
		if (!strncmp(c, opt, n) && c[n] == '\n')
			return true;
	return false;
}

static size_t opt_len(const char *p)
{
	size_t n = 2;

	while (p[n] && (p[n] == '-' || (p[n] >= 'a' && p[n] <= 'z') || (p[n] >= '0' && p[n] <= '9')))
		n++;
	return n;
}

static void print_options(const char *usage)
{
	const char *p = usage, *seen[128];
	size_t nseen = 0;

	while (p && (p = strstr(p, "--"))) {
		size_t n = opt_len(p), i;

		if (n > 2 && (p == usage || p[-1] == ' ' || p[-1] == '[') && !is_common(p, n)) {
			for (i = 0; i < nseen; i++)
				if (!strncmp(seen[i], p, n) && !isalnum((unsigned char)seen[i][n]) &&
				    seen[i][n] != '-')
					break;
			if (i == nseen && nseen < 128) {
				seen[nseen++] = p;
				printf("%.*s\n", (int)n, p);
			}
		}
		p += n;
	}
	fputs(common_options, stdout);
}

/* Whether the usage text shows opt with a value ("--kind KIND", "[-o OUT]", "-s, --sort
 * ORDER", "--format c|raw|json"): the next word is then that value, not an operand. */
static bool takes_value(const char *usage, const char *opt)
{
	size_t n = strlen(opt);

	if (n < 2 || opt[0] != '-' || strchr(opt, '='))
		return false;
	for (const char *p = usage; (p = strstr(p, opt)); p += n) {
		const char *v = p + n + 1;

		if ((p != usage && p[-1] != ' ' && p[-1] != '[') || (p[n] != ' ' && p[n] != ','))
			continue;
		if (p[n] == ',') {		/* "-s, --sort ORDER": the long form decides */
			if (strncmp(v, " --", 3))
				continue;
			v += 1 + opt_len(v + 1);
			if (*v++ != ' ')
				continue;
		}
		if (isupper((unsigned char)*v) || (islower((unsigned char)*v) &&
		    strcspn(v, "|") < strcspn(v, " ]\n")))
			return true;
	}
	return false;
}

/* ---- values ------------------------------------------------------------------------------- */

static void print_enum(const struct cli_enum *e)
{
	for (; e->name; e++)
		puts(e->name);
}

static void print_btf_kinds(void)
{
	const char *s;

	for (unsigned int k = 1; strcmp(s = bk_btf_kind_str(k), "UNKN"); k++) {
		for (; *s; s++)
			putchar(tolower((unsigned char)*s));
		putchar('\n');
	}
}

static void print_prog_types(void)
{
	const char *s;

	for (int t = 1; (s = libbpf_bpf_prog_type_str(t)); t++)
		puts(s);
}

/* Ids of programs, maps or links, each with a description after a tab ("7\thandle xdp"):
 * fish and zsh show it, bash drops it. Without privilege the first call fails: nothing. */
enum id_kind { ID_PROG, ID_MAP, ID_LINK };

static void print_ids(enum id_kind kind)
{
	static int (*const next[])(__u32, __u32 *) = {
		bpf_prog_get_next_id, bpf_map_get_next_id, bpf_link_get_next_id
	};
	static int (*const get_fd[])(__u32) = {
		bpf_prog_get_fd_by_id, bpf_map_get_fd_by_id, bpf_link_get_fd_by_id
	};
	union {
		struct bpf_prog_info prog;
		struct bpf_map_info map;
		struct bpf_link_info link;
	} info;
	__u32 id = 0, len;
	const char *t;
	int fd;

	while (!next[kind](id, &id)) {
		printf("%u", id);
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		fd = get_fd[kind](id);
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len)) {
			if (kind == ID_PROG)
				printf("\t%s %s", info.prog.name,
				       (t = libbpf_bpf_prog_type_str(info.prog.type)) ? t : "?");
			else if (kind == ID_MAP)
				printf("\t%s %s", info.map.name,
				       (t = libbpf_bpf_map_type_str(info.map.type)) ? t : "?");
			else
				printf("\tprog %u %s", info.link.prog_id,
				       (t = libbpf_bpf_link_type_str(info.link.type)) ? t : "?");
		}
		if (fd >= 0)
			close(fd);
		putchar('\n');
	}
}

static void print_pins(const char *dir, int depth)
{
	char path[4096];
	struct dirent *e;
	DIR *d;

	if (depth > 4 || !(d = opendir(dir)))
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR) {
			printf("%s/\n", path);
			print_pins(path, depth + 1);
		} else {
			puts(path);
		}
	}
	closedir(d);
}

/* Interface names, each as prefix NAME suffix. */
static void print_ifaces(const char *prefix, const char *const *suffixes)
{
	struct if_nameindex *ifs = if_nameindex();

	for (struct if_nameindex *i = ifs; i && i->if_index; i++)
		for (const char *const *s = suffixes; *s; s++)
			printf("%s%s%s\n", prefix, i->if_name, *s);
	if (ifs)
		if_freenameindex(ifs);
}

static void print_bundled(void)
{
	for (const struct tracer *const *t = tracers; *t; t++)
		if ((*t)->elf_bytes)	/* trace log has no object */
			printf("@%s\n", (*t)->name);
}

/* TARGET of attach and detach: the kinds from the parser's table, then what follows. */
static void print_targets(const char *cur)
{
	static const char *const none[] = { "", NULL };
	static const char *const xdp_modes[] = { "", ":native", ":skb", ":offload", NULL };
	static const char *const tc_dirs[] = { ":ingress", ":egress", NULL };
	const char *s;

	if (!strncmp(cur, "xdp:", 4)) {
		print_ifaces("xdp:", strchr(cur + 4, ':') ? xdp_modes : none);
	} else if (!strncmp(cur, "tc:", 3)) {
		print_ifaces("tc:", tc_dirs);
	} else {
		for (int k = 0; strcmp(s = kattach_kind_str(k), "?"); k++)
			printf("%s:\n", s);
	}
	puts(":nofiles");
}

/* ---- the command line --------------------------------------------------------------------- */

/* Option values with a fixed set: command, verb (NULL: none), option. */
static const struct {
	const char *cmd, *verb, *opt;
	const struct cli_enum *values;
	void (*print)(void);
} option_values[] = {
	{ "btf", "dump", "--format", btf_dump_formats, NULL },
	{ "btf", "list", "--kind", NULL, print_btf_kinds },
	{ "load", NULL, "--type", NULL, print_prog_types },
	{ "map", "watch", "--sort", map_watch_orders, NULL },
	{ "map", "watch", "-s", map_watch_orders, NULL },
};

/* Commands and verbs whose first operand is an object file (or its source). */
static const struct {
	const char *cmd, *verb, *suffix;
} object_operands[] = {
	{ "inspect", NULL, ".bpf.o" }, { "load", NULL, ".bpf.o" }, { "strip", NULL, ".bpf.o" },
	{ "package", NULL, ".bpf.o" }, { "package", "verify", ".o" }, { "package", "show", ".o" },
	{ "gen", "skeleton", ".bpf.o" }, { "core", "check", ".bpf.o" }, { "trace", "run", ".bpf.o" },
	{ "btf", "dump", ".bpf.o" }, { "btf", "list", ".bpf.o" }, { "build", NULL, ".bpf.c" },
	{ "attach", NULL, ".bpf.o" },
};

static bool is(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

static const struct cli_command *find(const struct cli_command *v, const char *name)
{
	for (; v && v->name; v++)
		if (!strcmp(v->name, name))
			return v;
	return NULL;
}

int cli_complete(const struct cli_command *const *commands, size_t n, const char *main_usage,
		 int argc, char **argv)
{
	const struct cli_command *cmd = NULL, *verb = NULL;
	const char *cur = argc > 1 ? argv[argc - 1] : "";
	const char *prev = argc > 2 ? argv[argc - 2] : "";
	const char *cname, *vname, *usage, *op0 = NULL;
	bool help = false;
	int i, pos = 0, nops = 0, sel = -1;

	/* --verbs CMD: the verbs the table dispatches (with unique prefixes), for tests/cli/meta.sh */
	if (argc == 3 && !strcmp(argv[1], "--verbs")) {
		for (size_t k = 0; k < n; k++)
			if (!strcmp(commands[k]->name, argv[2]) && !(commands[k]->flags & CLI_OWN_VERBS))
				for (verb = commands[k]->sub; verb && verb->name; verb++)
					puts(verb->name);
		return EXIT_OK;
	}
	/* pos: words before cur that are not options; nops: operands after command and verb */
	for (i = 1; i < argc - 1; i++) {
		usage = verb ? verb->usage : cmd ? cmd->usage : main_usage;
		if (argv[i][0] == '-') {
			if (pos > 0 && takes_value(usage, argv[i]) && i + 1 < argc - 1)
				i++;
			continue;
		}
		if (pos == 0 || (help && pos == 1)) {	/* help CMD: CMD as the command */
			help = help || !strcmp(argv[i], "help");
			for (size_t k = 0; k < n; k++)
				if (!strcmp(commands[k]->name, argv[i]))
					cmd = commands[k];
		} else if (pos == 1 && cmd && (verb = find(cmd->sub, argv[i]))) {
			;
		} else if (!nops++) {
			op0 = argv[i];
		}
		pos++;
	}
	usage = verb ? verb->usage : cmd ? cmd->usage : main_usage;
	cname = cmd ? cmd->name : NULL;
	vname = verb ? verb->name : NULL;

	if (cur[0] == '-') {
		print_options(usage);
		return EXIT_OK;
	}
	if (pos == 0 || (help && pos == 1)) {
		for (size_t k = 0; k < n; k++)
			if (!(commands[k]->flags & CLI_HIDDEN))
				puts(commands[k]->name);
		if (!help)
			puts("help");
		return EXIT_OK;
	}
	if (help) {		/* help CMD VERB */
		if (pos == 2)
			for (const struct cli_command *v = cmd ? cmd->sub : NULL; v && v->name; v++)
				puts(v->name);
		return EXIT_OK;
	}
	if (!cmd)
		return EXIT_OK;
	if (prev[0] == '-' && takes_value(usage, prev)) {
		const struct tracer *t = is(cname, "trace") && vname ? tracer_find(vname) : NULL;

		if (t && t->complete)
			t->complete(prev);
		for (size_t k = 0; k < sizeof(option_values) / sizeof(option_values[0]); k++)
			if (is(cname, option_values[k].cmd) && is(vname, option_values[k].verb) &&
			    !strcmp(prev, option_values[k].opt)) {
				if (option_values[k].values)
					print_enum(option_values[k].values);
				else
					option_values[k].print();
			}
		return EXIT_OK;	/* other values: the shim completes file names */
	}
	if (!strcmp(prev, "id") || (is(cname, "detach") && !strcmp(prev, "link"))) {
		if (is(cname, "map"))
			print_ids(ID_MAP);
		else if (is(cname, "link") || is(cname, "detach"))
			print_ids(ID_LINK);
		else
			print_ids(ID_PROG);
		puts(":nofiles");
		return EXIT_OK;
	}
	if (!strcmp(prev, "pinned") || is(cname, "unpin") || (is(cname, "detach") && !nops)) {
		print_pins("/sys/fs/bpf", 0);
		if (is(cname, "detach") && !nops) {	/* LINKPATH | link ID | pinned PATH | TARGET */
			puts("link\npinned");
			print_targets(cur);
		} else {
			puts(":nofiles");
		}
		return EXIT_OK;
	}
	if (cur[0] == '@') {
		print_bundled();
		return EXIT_OK;
	}
	if (pos == 1 && cmd->sub) {
		for (const struct cli_command *v = cmd->sub; v->name; v++)
			puts(v->name);
		if (!(cmd->flags & CLI_OWN_VERBS))
			return EXIT_OK;
	}
	if (is(cname, "trace") && is(vname, "xdp") && !nops) {
		static const char *const none[] = { "", NULL };

		print_ifaces("", none);
		puts(":nofiles");
		return EXIT_OK;
	}
	if (is(cname, "attach") && (nops == 1 || (nops == 2 && (is(op0, "id") || is(op0, "pinned"))))) {
		print_targets(cur);
		return EXIT_OK;
	}
	/* the operand that selects a program, map or link: bpftool's keywords */
	if (is(cname, "prog") && is(vname, "dump"))
		sel = 1;	/* after xlated|jited */
	else if ((is(cname, "prog") && (is(vname, "show") || is(vname, "run"))) ||
		 ((is(cname, "map") || is(cname, "link")) && verb && !is(vname, "list")) ||
		 is(cname, "attach"))
		sel = 0;
	if (nops == sel) {
		puts(is(cname, "link") || is(cname, "attach") ? "id\npinned" : "id\npinned\nname");
		if (!is(cname, "attach")) {	/* attach: or OBJ:PROG, below */
			puts(":nofiles");
			return EXIT_OK;
		}
	}
	if (is(cname, "prog") && is(vname, "dump") && !nops) {
		puts("xlated\njited\n:nofiles");
		return EXIT_OK;
	}
	for (size_t k = 0; k < sizeof(object_operands) / sizeof(object_operands[0]); k++)
		if (is(cname, object_operands[k].cmd) && is(vname, object_operands[k].verb) &&
		    !nops) {
			printf(":files %s\n", object_operands[k].suffix);
			break;
		}
	return EXIT_OK;
}
