/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Checks on a freshly built object, before anyone tries to load it: it is BPF, it has BTF
 * (CO-RE and skeletons need it), every program section is one libbpf recognizes (a typo in
 * SEC() otherwise surfaces only at load time), and the license permits the helpers used.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "btf_ext.h"
#include "btf_view.h"
#include "gen.h"
#include "object.h"

/* Helpers the kernel declares gpl_only: calling them needs a GPL-compatible license. */
static const struct {
	int id;
	const char *name;
} gpl_helpers[] = {
#define H(n) { BPF_FUNC_##n, "bpf_" #n }
	H(probe_read), H(trace_printk), H(perf_event_output), H(get_stackid),
	H(get_current_task), H(probe_write_user), H(probe_read_str), H(perf_event_read_value),
	H(override_return), H(get_stack), H(skb_output), H(xdp_output), H(probe_read_user),
	H(probe_read_kernel), H(probe_read_user_str), H(probe_read_kernel_str), H(send_signal),
	H(send_signal_thread), H(d_path), H(copy_from_user), H(snprintf_btf), H(seq_printf),
	H(seq_write), H(seq_printf_btf), H(get_current_task_btf), H(trace_vprintk), H(find_vma),
	H(get_task_stack), H(copy_from_user_task), H(read_branch_records),
#undef H
};

/* The license strings the kernel accepts as GPL-compatible (license_is_gpl_compatible()). */
static bool gpl_compatible(const char *l)
{
	static const char *const ok[] = {
		"GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL",
		"Dual MPL/GPL",
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(l, ok[i]))
			return true;
	return false;
}

__attribute__((format(printf, 2, 3)))
static int warn(struct gen_check *chk, const char *fmt, ...)
{
	char **w, *line;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	if (!line)
		return -ENOMEM;
	w = realloc(chk->warnings, (chk->n_warnings + 1) * sizeof(*w));
	if (!w) {
		free(line);
		return -ENOMEM;
	}
	chk->warnings = w;
	chk->warnings[chk->n_warnings++] = line;
	return 0;
}

void gen_check_free(struct gen_check *chk)
{
	int i;

	for (i = 0; i < chk->n_warnings; i++)
		free(chk->warnings[i]);
	free(chk->warnings);
	chk->warnings = NULL;
	chk->n_warnings = 0;
}

/* The GPL-only helpers program section name calls (one warning per helper). */
static int scan_helpers(struct gen_check *chk, const struct bk_section *sec)
{
	const unsigned char *p = sec->data;
	bool seen[sizeof(gpl_helpers) / sizeof(gpl_helpers[0])] = { 0 };
	size_t off, i;

	/* host byte order: the object gate refuses the other one */
	for (off = 0; off + 8 <= sec->size; off += 8) {
		struct bpf_insn insn;
		int32_t imm;

		memcpy(&insn, p + off, sizeof(insn));
		if (insn.code != (BPF_JMP | BPF_CALL) || insn.src_reg != 0)
			continue;
		imm = insn.imm;
		for (i = 0; i < sizeof(gpl_helpers) / sizeof(gpl_helpers[0]); i++) {
			if (gpl_helpers[i].id != imm || seen[i])
				continue;
			seen[i] = true;
			if (warn(chk, "%s calls %s, which needs a GPL-compatible license (license "
				 "is '%s'): the kernel will reject it", sec->name, gpl_helpers[i].name,
				 chk->license[0] ? chk->license : "none"))
				return -ENOMEM;
		}
	}
	return 0;
}

int gen_check_object(const struct bk_object *o, struct gen_check *chk, struct errmsg *err)
{
	const struct bk_elf *e = o->elf;
	const struct bk_section *lic = bk_elf_section(e, "license");
	int ret = 0;

	memset(chk, 0, sizeof(*chk));
	if (lic && lic->data)
		snprintf(chk->license, sizeof(chk->license), "%.*s",
			 (int)strnlen(lic->data, lic->size), (const char *)lic->data);
	for (size_t i = 1; i < e->nr_sections && !ret; i++) {
		const struct bk_section *s = &e->sections[i];
		enum bpf_attach_type at;
		enum bpf_prog_type pt;

		if (!(s->flags & SHF_EXECINSTR) || s->size == 0 || !strcmp(s->name, ".text"))
			continue;
		chk->n_progs++;
		if (libbpf_prog_type_by_name(s->name[0] == '?' ? s->name + 1 : s->name, &pt, &at)) {
			ret = errmsg_set(err, -EINVAL, "section '%s' is not a program type libbpf knows (a typo in SEC()?)",
					 s->name);
			break;
		}
		if (s->data && !gpl_compatible(chk->license))
			ret = scan_helpers(chk, s);
	}
	if (!ret && !bk_object_btf(o))
		ret = errmsg_set(err, -EINVAL, "no .BTF section (compile with -g)");
	if (!ret && !lic && chk->n_progs)
		ret = warn(chk, "no license section: add char LICENSE[] SEC(\"license\") = "
			   "\"GPL\"; (GPL-only helpers will be rejected)");
	if (ret)
		gen_check_free(chk);
	return ret;
}
