/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What this kernel offers bpfkit's users (kern/feature.c): libbpf's probes for program, map
 * and helper support, the kernel's own files (sysctls, /proc/config.gz, mounts, BTF), and
 * a set of checks with a cause and a fix each, which `bpfkit feature` lists and
 * `bpfkit doctor` diagnoses.
 */
#ifndef BPFKIT_FEATURE_H
#define BPFKIT_FEATURE_H

#include <stdbool.h>
#include <stddef.h>

#include "errmsg.h"

enum kern_check_status {
	KERN_CHECK_OK,		/* present and usable */
	KERN_CHECK_MISSING,	/* absent or refused: cause and fix say why and what to do */
	KERN_CHECK_UNKNOWN,	/* could not be told (a file that is not there to read) */
};

struct kern_check {
	const char *name;	/* "kprobes", "ringbuf", "bpffs", "CAP_BPF", ... */
	const char *group;	/* "kernel", "mounts", "privileges", "limits" */
	enum kern_check_status status;
	bool needed;		/* a bundled tracer cannot run without it */
	char value[128];	/* what was found: "yes", "/sys/fs/bpf", "EPERM", "8 MiB" */
	char cause[512];	/* why it is missing (when it is) */
	char fix[512];		/* what to do about it */
};

/* Every check, in a fixed order. *checks is malloc'ed. */
int kern_checks(struct kern_check **checks, size_t *n, struct errmsg *err);
const char *kern_check_status_str(enum kern_check_status s);

/* libbpf's probes: 1 supported, 0 not, < 0 could not probe. */
int kern_probe_prog_type(int type);
int kern_probe_map_type(int type);
int kern_probe_helper(int prog_type, int helper);

/* A value of /proc/config.gz ("y", "m", "250"), NULL when unset or unreadable (*readable
 * tells which). The config is read once. */
const char *kern_config(const char *name, bool *readable);

/* An integer sysctl under /proc/sys ("kernel/unprivileged_bpf_disabled"), or -1. */
long long kern_sysctl(const char *name);

#endif
