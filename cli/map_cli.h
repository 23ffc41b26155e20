/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared by cli/cmd_map.c (element verbs) and cli/cmd_map_watch.c (watch, export). */
#ifndef BPFKIT_MAP_CLI_H
#define BPFKIT_MAP_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "jsonstream.h"
#include "kmap.h"

/* A map opened for its elements, with its BTF when it has one. */
struct map_view {
	struct kmap m;
	struct btf *btf;	/* owned; NULL without BTF */
	uint32_t key_type;	/* BTF ids that describe key and value; 0: show bytes */
	uint32_t value_type;
	int ncpu;		/* per-CPU maps: values per element; else 1 */
	size_t stride;		/* bytes between two CPUs' values */
};

/*
 * MAP operand: "id ID", "name NAME", "pinned PATH", a bare number (an id) or a path.
 * Consumes the words at argv[*i]. Returns 0, or an exit code after reporting.
 */
int map_open_operand(struct cli_ctx *ctx, int argc, char **argv, int *i, struct map_view *v);
void map_view_close(struct map_view *v);

/* The value of one element as text (BTF-formatted or hex) into w. */
void map_put_data(struct jw *w, const struct map_view *v, const char *key, uint32_t type_id,
		  const void *data, size_t size);

int cmd_map_watch(struct cli_ctx *ctx, int argc, char **argv);
int cmd_map_export(struct cli_ctx *ctx, int argc, char **argv);

#endif
