/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The bundled tracers: `bpfkit trace <name>` and the embedded objects `@<name>`. A new
 * tracer is one line here (and its bpf/<name>.bpf.c and bpf/<name>.c). */
#include <stddef.h>
#include <string.h>

#include "tracer.h"

extern const struct tracer tracer_openat;
extern const struct tracer tracer_exec;
extern const struct tracer tracer_execcount;
extern const struct tracer tracer_hello;
extern const struct tracer tracer_log;
extern const struct tracer tracer_syscalls;
extern const struct tracer tracer_xdp;

const struct tracer *const tracers[] = {
	&tracer_openat,
	&tracer_exec,
	&tracer_execcount,
	&tracer_hello,
	&tracer_log,
	&tracer_syscalls,
	&tracer_xdp,
	NULL,
};

const struct tracer *tracer_find(const char *name)
{
	for (size_t i = 0; tracers[i]; i++)
		if (!strcmp(tracers[i]->name, name))
			return tracers[i];
	return NULL;
}
