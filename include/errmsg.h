/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * How modules report failure: they return a negative errno and describe the cause in a
 * caller-provided struct errmsg. Only cli/ prints it. Messages are one line, no trailing '\n'.
 */
#ifndef BPFKIT_ERRMSG_H
#define BPFKIT_ERRMSG_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct errmsg {
	int code;		/* negative errno, 0 when no error was set */
	char msg[512];
};

__attribute__((format(printf, 3, 4)))
static inline int errmsg_set(struct errmsg *e, int code, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!e)
		return code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	while (n && e->msg[n - 1] == '\n')
		e->msg[--n] = '\0';
	return code;
}

static inline void errmsg_clear(struct errmsg *e)
{
	e->code = 0;
	e->msg[0] = '\0';
}

#endif
