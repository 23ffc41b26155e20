/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A verifier rejection, summarised: the failing instruction (the last "N: (op) ..." line of
 * the log), the verifier's message (the lines after it), a hint for the common classes, and
 * the instruction's disassembly and source line (from the object's own .BTF.ext).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "btf_ext.h"
#include "disasm.h"
#include "elfread.h"
#include "kload.h"
#include "object.h"

static const struct {
	const char *needle;	/* substring of the message */
	const char *hint;
} hints[] = {
	{ "GPL-restricted", "this helper is GPL-only: give the object a GPL-compatible license, e.g. char LICENSE[] SEC(\"license\") = \"GPL\";" },
	{ "cannot use helper", "this helper is not available to this program type: use another helper or program type ('bpftool feature probe' lists them)" },
	{ "unknown func", "this helper is not available to this program type (or this kernel): use another helper or program type" },
	{ "_or_null", "a map lookup (or another helper) may return NULL: test the pointer (if (!v) return 0;) before using it" },
	{ "invalid access to packet", "bounds not checked: test the pointer against data_end (if (data + n > data_end) return ...;) before reading the packet" },
	{ "outside of the packet", "bounds not checked: test the pointer against data_end (if (data + n > data_end) return ...;) before reading the packet" },
	{ "invalid access to map value", "bounds not checked: clamp the offset or index to the map value's size before the access" },
	{ "unbounded memory access", "bounds not checked: clamp the offset or index (if (i >= N) return 0;) before the access" },
	{ "min value is negative", "bounds not checked: the offset may be negative; check it (or make it unsigned) before the access" },
	{ "combined stack size", "the BPF stack is 512 bytes for all nested calls together: move large buffers into a per-CPU array map" },
	{ "stack size", "the BPF stack is 512 bytes: move large buffers into a per-CPU array map" },
	{ "too large", "the verifier hit its complexity limit: bound the loop with a small constant, use bpf_loop(), or split the program with tail calls" },
	{ "too complex", "the verifier hit its complexity limit: fewer branches per path, bpf_loop(), or tail calls" },
	{ "back-edge", "the verifier could not prove the loop ends: bound it with a constant or use bpf_loop()" },
	{ "infinite loop", "the verifier could not prove the loop ends: bound it with a constant or use bpf_loop()" },
	{ "invalid bpf_context access", "this context offset is not readable (or writable) for this program type: use the fields of its context struct" },
	{ "invalid read from stack", "reads a stack slot never written: initialise the variable (or memset the struct) first" },
};

/* "12: (61) r1 = ..." -> 12; -1 when the line is not an instruction line. */
static int64_t insn_line(const char *s)
{
	char *end;
	long long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	v = strtoll(s, &end, 10);
	return end[0] == ':' && end[1] == ' ' && end[2] == '(' ? v : -1;
}

/* Lines that describe verifier state, not the error itself. */
static bool is_noise(const char *s, size_t n)
{
	static const char *const pfx[] = {
		"processed ", "from ", "mark_precise", "last_idx", "regs=", "parent ", "func#",
		"Func#", "Validating", "verification time", "stack depth", "; ", "frame", "-- ",
		"libbpf: ", "Caller passes", "cur state:", "old state:",
	};

	if (n == 0 || isdigit((unsigned char)*s))
		return true;
	for (size_t i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++)
		if (!strncmp(s, pfx[i], strlen(pfx[i])))
			return true;
	return false;
}

void kern_verifier_parse(struct kern_verifier *v)
{
	const char *log = v->log ? v->log : "", *p, *msg_from = log;
	size_t cap = 0, len = 0;
	char *msg = NULL;

	v->insn = -1;
	for (p = log; *p; ) {
		const char *nl = strchr(p, '\n');
		int64_t idx = insn_line(p);

		if (idx >= 0) {
			v->insn = idx;
			msg_from = nl ? nl + 1 : p + strlen(p);
		}
		p = nl ? nl + 1 : p + strlen(p);
	}
	/* the message: what follows the last instruction, minus state dumps */
	for (p = msg_from; *p; ) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (!is_noise(p, n)) {
			char *t;

			if (len + n + 3 > cap) {
				cap = (len + n + 3) * 2;
				t = realloc(msg, cap);
				if (!t)
					break;
				msg = t;
			}
			if (len) {
				memcpy(msg + len, "; ", 2);
				len += 2;
			}
			memcpy(msg + len, p, n);
			len += n;
			msg[len] = '\0';
		}
		p = nl ? nl + 1 : p + n;
	}
	v->message = msg;
	for (size_t i = 0; msg && i < sizeof(hints) / sizeof(hints[0]); i++)
		if (strstr(msg, hints[i].needle)) {
			v->hint = hints[i].hint;
			break;
		}
}

/* The function symbol that starts prog in its section: where its line info begins. */
static int64_t prog_start(const struct bk_elf *e, const char *name, const char *sec)
{
	for (size_t i = 0; i < e->nr_symbols; i++) {
		const struct bk_symbol *s = &e->symbols[i];

		if (s->type == 2 /* STT_FUNC */ && s->name && s->section &&
		    !strcmp(s->name, name) && !strcmp(s->section, sec))
			return (int64_t)(s->value / BEXT_INSN_SZ);
	}
	return -1;
}

/* Fall back on the log's own "; text @ file:line" annotation before the failing insn. */
static void locate_from_log(struct kern_verifier *v)
{
	const char *p = v->log, *best = NULL;

	for (; p && *p; ) {
		const char *nl = strchr(p, '\n');

		if (p[0] == ';' && p[1] == ' ')
			best = p;
		if (insn_line(p) == v->insn && v->insn >= 0 && best)
			break;
		p = nl ? nl + 1 : NULL;
	}
	if (!best)
		return;
	const char *nl = strchr(best, '\n');
	size_t n = nl ? (size_t)(nl - best) : strlen(best);
	char *line = strndup(best + 2, n - 2), *at = line ? strstr(line, " @ ") : NULL, *colon;

	if (!at) {
		free(line);
		return;
	}
	*at = '\0';
	colon = strrchr(at + 3, ':');
	if (colon) {
		*colon = '\0';
		v->line = (uint32_t)strtoul(colon + 1, NULL, 10);
	}
	v->file = strdup(at + 3);
	v->line_text = strdup(line);
	free(line);
}

static void trim_copy(char **dst, const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	*dst = strdup(s);
}

/*
 * An instruction past the main part is in a subprogram libbpf appended: it starts at the
 * nearest bpf-to-bpf call target at or before idx. Which function it is: the one whose
 * opcodes match there (relocation changes immediates, never opcodes).
 */
static const struct bk_symbol *find_subprog(const struct bk_elf *e, const struct bpf_insn *insns,
					    size_t cnt, size_t main_cnt, size_t idx, size_t *begin)
{
	size_t best = 0;

	for (size_t i = 0; i < cnt; i++) {
		int64_t t = (int64_t)i + 1 + insns[i].imm;

		if (insns[i].code == (BPF_JMP | BPF_CALL) && insns[i].src_reg == BPF_PSEUDO_CALL &&
		    t >= (int64_t)main_cnt && t <= (int64_t)idx && (size_t)t > best)
			best = (size_t)t;
	}
	if (!best)
		return NULL;
	for (size_t s = 0; s < e->nr_symbols; s++) {
		const struct bk_symbol *sym = &e->symbols[s];
		const struct bk_section *sec;
		const struct bpf_insn *code;
		size_t n, k;

		if (sym->type != 2 /* STT_FUNC */ || !sym->section || sym->size % BEXT_INSN_SZ)
			continue;
		sec = bk_elf_section(e, sym->section);
		if (!sec || !sec->data || sym->value + sym->size > sec->size)
			continue;
		code = (const struct bpf_insn *)((const char *)sec->data + sym->value);
		n = sym->size / BEXT_INSN_SZ;
		if (best + n > cnt || idx >= best + n)
			continue;
		for (k = 0; k < n && code[k].code == insns[best + k].code; k++)
			;
		if (k == n) {
			*begin = best;
			return sym;
		}
	}
	return NULL;
}

/* The last line record at or before section instruction want, within [start, want]. */
static void line_at(const struct bext_sec *sec, int64_t start, int64_t want,
		    struct kern_verifier *v)
{
	for (size_t i = 0; sec && i < sec->nr_lines; i++) {
		const struct bext_line *l = &sec->lines[i];

		if (l->insn_idx > want)
			break;
		if (l->insn_idx < start || !l->line_num)	/* line 0: compiler-made code */
			continue;
		free(v->file);
		free(v->line_text);
		v->file = strdup(l->file);
		v->line = l->line_num;
		trim_copy(&v->line_text, l->line);
	}
}

void kern_verifier_locate(const struct bk_object *o, const struct bpf_program *prog,
			  size_t main_cnt, struct kern_verifier *v)
{
	const struct bk_elf *e = o->elf;
	const struct bpf_insn *insns = bpf_program__insns(prog);
	size_t cnt = bpf_program__insn_cnt(prog), begin = 0;
	const char *sec_name = bpf_program__section_name(prog);
	const struct bk_symbol *sub;
	struct errmsg err = { 0 };
	int64_t start, want;

	if (v->insn >= 0 && (size_t)v->insn < cnt) {
		struct disasm_insn d;

		if (!disasm_one(insns, cnt, (size_t)v->insn, NULL, &d, &err))
			snprintf(v->insn_text, sizeof(v->insn_text), "%s%s%s", d.text,
				 d.note[0] ? " ; " : "", d.note);
	}
	start = prog_start(e, bpf_program__name(prog), sec_name);
	want = start + (v->insn >= 0 ? v->insn : 0);
	if (v->insn >= 0 && (size_t)v->insn >= main_cnt) {
		sub = find_subprog(e, insns, cnt, main_cnt, (size_t)v->insn, &begin);
		if (!sub)
			goto from_log;
		sec_name = sub->section;
		start = (int64_t)(sub->value / BEXT_INSN_SZ);
		want = start + (v->insn - (int64_t)begin);
	}
	if (start < 0 || !o->code.ext)
		goto from_log;
	line_at(bext_find_sec(o->code.ext, sec_name), start, want, v);
	if (v->file)
		return;
from_log:	/* the "; text @ file:line" annotations the kernel prints from the same records */
	locate_from_log(v);
}
