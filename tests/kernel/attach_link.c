// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Test helper for tests/kernel/link.sh: load OBJ, attach program PROG (by its section:
 * raw_tp, tracepoint, ...; to IFNAME's XDP hook when given) and pin the BPF link at
 * LINKPIN, so the link outlives us. bpftool 7.1 cannot attach after loading, and bpfkit's
 * own attach is not here yet.
 *   attach_link OBJ PROG LINKPIN [IFNAME]
 * Exit 0 when pinned; 1 with a message otherwise.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

int main(int argc, char **argv)
{
	struct bpf_program *prog;
	struct bpf_object *obj;
	struct bpf_link *link = NULL;
	int ret = 1;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: attach_link OBJ PROG LINKPIN [IFNAME]\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || libbpf_get_error(obj)) {
		fprintf(stderr, "attach_link: cannot open %s\n", argv[1]);
		return 1;
	}
	/* load only PROG: the others (XDP) need no attach and would only cost time */
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, !strcmp(bpf_program__name(prog), argv[2]));
	prog = bpf_object__find_program_by_name(obj, argv[2]);
	if (!prog || bpf_object__load(obj)) {
		fprintf(stderr, "attach_link: cannot load %s from %s\n", argv[2], argv[1]);
		goto out;
	}
	link = argc == 5 ? bpf_program__attach_xdp(prog, if_nametoindex(argv[4])) :
			   bpf_program__attach(prog);
	if (!link || libbpf_get_error(link)) {
		link = NULL;
		fprintf(stderr, "attach_link: cannot attach %s: %s\n", argv[2], strerror(errno));
		goto out;
	}
	if (bpf_link__pin(link, argv[3])) {
		fprintf(stderr, "attach_link: cannot pin at %s: %s\n", argv[3], strerror(errno));
		goto out;
	}
	ret = 0;
out:
	bpf_link__destroy(link);
	bpf_object__close(obj);
	return ret;
}
