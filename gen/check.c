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
static int scan_helpers(struct gen_check *chk, const char *sec, const Elf_Data *d, bool le)
{
	const unsigned char *p = d->d_buf;
	bool seen[sizeof(gpl_helpers) / sizeof(gpl_helpers[0])] = { 0 };
	size_t off, i;

	for (off = 0; off + 8 <= d->d_size; off += 8) {
		int src = le ? p[off + 1] >> 4 : p[off + 1] & 15;
		int32_t imm;

		if (p[off] != (BPF_JMP | BPF_CALL) || src != 0)
			continue;
		imm = le ? (int32_t)(p[off + 4] | p[off + 5] << 8 | p[off + 6] << 16 |
				     (uint32_t)p[off + 7] << 24) :
			   (int32_t)((uint32_t)p[off + 4] << 24 | p[off + 5] << 16 |
				     p[off + 6] << 8 | p[off + 7]);
		for (i = 0; i < sizeof(gpl_helpers) / sizeof(gpl_helpers[0]); i++) {
			if (gpl_helpers[i].id != imm || seen[i])
				continue;
			seen[i] = true;
			if (warn(chk, "%s calls %s, which needs a GPL-compatible license (license "
				 "is '%s'): the kernel will reject it", sec, gpl_helpers[i].name,
				 chk->license[0] ? chk->license : "none"))
				return -ENOMEM;
		}
	}
	return 0;
}

int gen_check_object(const void *data, size_t size, struct gen_check *chk, struct errmsg *err)
{
	bool has_btf = false, has_license = false, le;
	struct gen_elf e;
	GElf_Ehdr eh;
	size_t i;
	int ret, pass;

	memset(chk, 0, sizeof(*chk));
	ret = gen_elf_open(&e, data, size, err);
	if (ret)
		return ret;
	gelf_getehdr(e.elf, &eh);
	le = eh.e_ident[EI_DATA] == ELFDATA2LSB;
	/* pass 0: license and BTF; pass 1: programs (their warnings quote the license) */
	for (pass = 0; pass < 2 && !ret; pass++) {
		for (i = 1; i < e.shnum && !ret; i++) {
			const char *name = gen_elf_secname(&e, i);
			Elf_Scn *scn = elf_getscn(e.elf, i);
			enum bpf_attach_type at;
			enum bpf_prog_type pt;
			Elf_Data *d;
			GElf_Shdr sh;

			if (!name || !scn || !gelf_getshdr(scn, &sh))
				continue;
			d = sh.sh_type == SHT_NOBITS ? NULL : elf_getdata(scn, NULL);
			if (pass == 0) {
				if (!strcmp(name, ".BTF"))
					has_btf = true;
				if (!strcmp(name, "license") && d && d->d_size) {
					has_license = true;
					snprintf(chk->license, sizeof(chk->license), "%.*s",
						 (int)strnlen(d->d_buf, d->d_size), (char *)d->d_buf);
				}
				continue;
			}
			if (!(sh.sh_flags & SHF_EXECINSTR) || sh.sh_size == 0 || !strcmp(name, ".text"))
				continue;
			chk->n_progs++;
			if (libbpf_prog_type_by_name(name[0] == '?' ? name + 1 : name, &pt, &at)) {
				ret = errmsg_set(err, -EINVAL,
						 "section '%s' is not a program type libbpf knows "
						 "(a typo in SEC()?)", name);
				break;
			}
			if (d && !gpl_compatible(chk->license))
				ret = scan_helpers(chk, name, d, le);
		}
	}
	if (!ret && !has_btf)
		ret = errmsg_set(err, -EINVAL, "no .BTF section (compile with -g)");
	if (!ret && !has_license && chk->n_progs)
		ret = warn(chk, "no license section: add char LICENSE[] SEC(\"license\") = "
			   "\"GPL\"; (GPL-only helpers will be rejected)");
	gen_elf_close(&e);
	if (ret)
		gen_check_free(chk);
	return ret;
}

/*
 * libbpf (1.1) trusts more of an object than we may: type ids inside BTF, .BTF.ext record
 * offsets. Before handing untrusted bytes to bpf_object__open_mem(), btf_dump or the linker,
 * run the inspect/ checkers over .BTF and .BTF.ext.
 */
int gen_check_untrusted(const void *data, size_t size, struct errmsg *err)
{
	const void *sec, *ext_sec;
	size_t n, ext_n;
	struct btf *btf = NULL;
	struct bext *ext = NULL;
	struct bk_btf b;
	int ret;

	ret = gen_find_section(data, size, ".BTF", &sec, &n, err);
	if (ret || !sec)
		return ret;
	ret = bext_btf_new(sec, n, &btf, err);
	if (ret)
		return ret;
	ret = bk_btf__adopt(&b, btf, NULL, err);
	if (!ret)
		ret = gen_find_section(data, size, ".BTF.ext", &ext_sec, &ext_n, err);
	if (!ret && ext_sec) {
		ret = bext_parse(ext_sec, ext_n, b.btf, &ext, err);
		bext_free(ext);
	}
	bk_btf__close(&b);
	return ret;
}
