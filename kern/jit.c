/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Host disassembly of JIT images through LLVM's C API, as bpftool does, but with libLLVM
 * loaded by dlopen() when `prog dump jited` first needs it. Linked, the library (~100 MB,
 * tens of thousands of relocations) would be loaded by every bpfkit command, `prog list`
 * included; loaded here, it costs only the command that uses it, and bpfkit still runs
 * where no libLLVM is installed (that one command then says which package brings it).
 * The few functions used are declared here from llvm-c/Disassembler.h and
 * llvm-c/Target.h; that C API has been stable since LLVM 3.x.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "kern_obj.h"

typedef void *LLVMDisasmContextRef;
typedef LLVMDisasmContextRef (*create_fn)(const char *triple, void *info, int tag_type,
					   void *get_op_info, void *symbol_lookup);
typedef int (*set_options_fn)(LLVMDisasmContextRef dc, uint64_t options);
typedef size_t (*disasm_fn)(LLVMDisasmContextRef dc, uint8_t *bytes, uint64_t size, uint64_t pc,
			    char *out, size_t out_size);
typedef void (*dispose_fn)(LLVMDisasmContextRef dc);
typedef void (*init_fn)(void);

#define LLVM_OPTION_PRINT_IMM_HEX 2

struct kern_jit_disasm {
	void *lib;
	LLVMDisasmContextRef dc;
	disasm_fn disasm;
	dispose_fn dispose;
};

/* Newest first; "libLLVM.so" is the development symlink of whichever llvm-dev is installed. */
static void *open_llvm(void)
{
	char name[32];
	void *h;

	for (int v = 21; v >= 11; v--) {
		snprintf(name, sizeof(name), "libLLVM-%d.so.1", v);
		if ((h = dlopen(name, RTLD_NOW | RTLD_LOCAL)))
			return h;
		snprintf(name, sizeof(name), "libLLVM.so.%d.1", v);	/* LLVM 18+ soname */
		if ((h = dlopen(name, RTLD_NOW | RTLD_LOCAL)))
			return h;
		snprintf(name, sizeof(name), "libLLVM-%d.so", v);
		if ((h = dlopen(name, RTLD_NOW | RTLD_LOCAL)))
			return h;
	}
	return dlopen("libLLVM.so", RTLD_NOW | RTLD_LOCAL);
}

/* LLVM's target name and a triple for the machine we run on. */
static int host_target(const char **target, char *triple, size_t len)
{
	static const struct { const char *machine, *target, *arch; } map[] = {
		{ "x86_64", "X86", "x86_64" },
		{ "aarch64", "AArch64", "aarch64" },
		{ "riscv64", "RISCV", "riscv64" },
		{ "s390x", "SystemZ", "s390x" },
		{ "ppc64le", "PowerPC", "powerpc64le" },
		{ "loongarch64", "LoongArch", "loongarch64" },
	};
	struct utsname u;

	if (uname(&u))
		return -errno;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(u.machine, map[i].machine)) {
			*target = map[i].target;
			snprintf(triple, len, "%s-unknown-linux-gnu", map[i].arch);
			return 0;
		}
	return -ENOTSUP;
}

static int init_target(void *lib, const char *target)
{
	static const char *const parts[] = { "TargetInfo", "TargetMC", "Disassembler" };
	char sym[64];

	for (size_t i = 0; i < 3; i++) {
		init_fn f;

		snprintf(sym, sizeof(sym), "LLVMInitialize%s%s", target, parts[i]);
		*(void **)&f = dlsym(lib, sym);
		if (!f)
			return -ENOENT;
		f();
	}
	return 0;
}

int kern_jit_disasm_open(struct kern_jit_disasm **out, struct errmsg *err)
{
	struct kern_jit_disasm *jd;
	set_options_fn set_options;
	const char *target = "host";
	char triple[64];
	create_fn create;

	if (host_target(&target, triple, sizeof(triple)))
		return errmsg_set(err, -ENOTSUP, "no LLVM disassembler for this machine's JIT");
	jd = calloc(1, sizeof(*jd));
	if (!jd)
		return errmsg_set(err, -ENOMEM, "out of memory");
	jd->lib = open_llvm();
	if (!jd->lib) {
		free(jd);
		return errmsg_set(err, -ENOENT,
				  "dumping JIT code needs libLLVM (found none: %s); install it: apt-get install libllvm14",
				  dlerror());
	}
	*(void **)&create = dlsym(jd->lib, "LLVMCreateDisasm");
	*(void **)&set_options = dlsym(jd->lib, "LLVMSetDisasmOptions");
	*(void **)&jd->disasm = dlsym(jd->lib, "LLVMDisasmInstruction");
	*(void **)&jd->dispose = dlsym(jd->lib, "LLVMDisasmDispose");
	if (!create || !jd->disasm || !jd->dispose || init_target(jd->lib, target) ||
	    !(jd->dc = create(triple, NULL, 0, NULL, NULL))) {
		kern_jit_disasm_close(jd);
		return errmsg_set(err, -ENOENT, "libLLVM has no %s disassembler", target);
	}
	if (set_options)
		set_options(jd->dc, LLVM_OPTION_PRINT_IMM_HEX);
	*out = jd;
	return 0;
}

size_t kern_jit_disasm_one(struct kern_jit_disasm *jd, const uint8_t *code, size_t len,
			   uint64_t pc, char *buf, size_t buflen)
{
	size_t n = jd->disasm(jd->dc, (uint8_t *)code, len, pc, buf, buflen);
	char *p = buf;

	while (*p == ' ' || *p == '\t')	/* LLVM indents with a tab */
		p++;
	memmove(buf, p, strlen(p) + 1);
	for (p = buf; *p; p++)
		if (*p == '\t')
			*p = ' ';
	return n;
}

void kern_jit_disasm_close(struct kern_jit_disasm *jd)
{
	if (!jd)
		return;
	if (jd->dc)
		jd->dispose(jd->dc);
	if (jd->lib)
		dlclose(jd->lib);
	free(jd);
}
