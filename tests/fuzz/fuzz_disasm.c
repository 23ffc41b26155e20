// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness for the disassembler: the input bytes are an instruction array
 * (a trailing partial instruction is dropped), disassembled from start to end with and
 * without a resolver. The array is copied to a buffer of exactly that size so ASan catches
 * any read past count. `make fuzz` seeds with whole fixture objects (one embeds hundreds
 * of KiB of BTF): past FUZZ_MAX_INSNS the input is cut, which keeps executions fast and
 * loses nothing, as decoding never looks further than the next instruction.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "disasm.h"

#define FUZZ_MAX_INSNS	4096

static const char *fuzz_call(void *ctx, size_t idx, int64_t target)
{
	return idx & 1 ? "callee" : NULL;
}

static const char *fuzz_ld(void *ctx, size_t idx)
{
	return idx & 2 ? "map: a_name_long_enough_to_be_truncated_in_the_note_field_of_the_"
			 "disassembled_instruction_because_notes_hold_only_127_bytes_xxxxx" : NULL;
}

static const char *fuzz_kfunc(void *ctx, size_t idx, int32_t id)
{
	return id & 1 ? "bpf_kfunc" : NULL;
}

static const char *fuzz_label(void *ctx, size_t idx, int64_t target)
{
	return target & 1 ? "LBB0_1" : NULL;
}

static void walk(const struct bpf_insn *insns, size_t count, const struct disasm_resolver *r)
{
	struct disasm_insn o;
	struct errmsg err;
	size_t i = 0;

	while (i < count) {
		if (disasm_one(insns, count, i, r, &o, &err))
			abort();
		if (o.slots < 1 || o.slots > count - i || o.idx != i)
			abort();
		if (!memchr(o.text, 0, sizeof(o.text)) || !memchr(o.note, 0, sizeof(o.note)))
			abort();
		if (!o.valid && strncmp(o.note, "invalid: ", 9))
			abort();
		i += o.slots;
	}
	/* past the end is a caller error, never a read */
	if (disasm_one(insns, count, count, r, &o, &err) != -EINVAL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct disasm_resolver r = {
		.call_target = fuzz_call, .ld_imm64 = fuzz_ld, .kfunc = fuzz_kfunc,
		.jump_label = fuzz_label,
	};
	size_t count = size / sizeof(struct bpf_insn);
	struct bpf_insn *insns;

	if (!count)
		return 0;
	if (count > FUZZ_MAX_INSNS)
		count = FUZZ_MAX_INSNS;
	insns = malloc(count * sizeof(*insns));
	if (!insns)
		return 0;
	memcpy(insns, data, count * sizeof(*insns));
	walk(insns, count, NULL);
	walk(insns, count, &r);
	free(insns);
	return 0;
}
