// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Object load generator for bench/prog_list.sh: creates MAPS array maps and PROGS socket
 * filter programs (each referencing one map), holds their fds, prints "ready" and sleeps
 * until killed. Everything goes away with the process.
 *   objs_load [-p PROGS] [-m MAPS]       (defaults: 1000 and 1000)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <bpf/bpf.h>

int main(int argc, char **argv)
{
	struct rlimit nofile = { 65536, 65536 };
	int progs = 1000, maps = 1000, c, *map_fds;
	char name[16];

	while ((c = getopt(argc, argv, "p:m:")) != -1) {
		if (c == 'p')
			progs = atoi(optarg);
		else if (c == 'm')
			maps = atoi(optarg);
		else
			return 2;
	}
	if (maps < 1 || progs < 0)
		return 2;
	setrlimit(RLIMIT_NOFILE, &nofile);
	map_fds = calloc(maps, sizeof(*map_fds));
	for (int i = 0; i < maps; i++) {
		snprintf(name, sizeof(name), "bkb_m%d", i);
		map_fds[i] = bpf_map_create(BPF_MAP_TYPE_ARRAY, name, 4, 8, 1, NULL);
		if (map_fds[i] < 0) {
			fprintf(stderr, "objs_load: map %d: %s\n", i, strerror(errno));
			return 1;
		}
	}
	for (int i = 0; i < progs; i++) {
		/* r1 = map (ld_imm64, pseudo map fd); r0 = 0; exit */
		struct bpf_insn insns[] = {
			{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = 1,
			  .src_reg = BPF_PSEUDO_MAP_FD, .imm = map_fds[i % maps] },
			{ 0 },
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
			{ .code = BPF_JMP | BPF_EXIT },
		};
		int fd;

		snprintf(name, sizeof(name), "bkb_p%d", i);
		fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, name, "GPL", insns, 4, NULL);
		if (fd < 0) {
			fprintf(stderr, "objs_load: prog %d: %s\n", i, strerror(errno));
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
