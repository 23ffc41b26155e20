/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bk_printk(): bpf_printk() with the marker `bpfkit trace log` shows by default (the trace
 * pipe does not say which program wrote a line, so the line says it). Kernel side only.
 */
#ifndef BPFKIT_PRINTK_H
#define BPFKIT_PRINTK_H

#define bk_printk(fmt, ...) bpf_printk("bpfkit: " fmt, ##__VA_ARGS__)

#endif
