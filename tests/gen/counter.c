/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * User half of counter.bpf.c, compiled against a skeleton that bpfkit generated: open, set
 * a .rodata knob, load, attach, trigger the tracepoint, read .bss and the map.
 * Exit 0 when everything moved as expected; prints what it saw.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "counter.skel.h"

int main(void)
{
	struct counter_bpf *skel;
	__u64 before, after, mapval = 0;
	__u32 key = 0;
	int i, fd, ret = 1;

	skel = counter_bpf__open();
	if (!skel) {
		perror("open");
		return 1;
	}
	skel->rodata->target_pid = getpid();
	skel->data->step = 2;
	if (counter_bpf__load(skel)) {
		perror("load");
		goto out;
	}
	if (counter_bpf__attach(skel)) {
		perror("attach");
		goto out;
	}
	before = skel->bss->hits;
	for (i = 0; i < 3; i++) {
		fd = openat(AT_FDCWD, "/dev/null", O_RDONLY);
		if (fd >= 0)
			close(fd);
	}
	after = skel->bss->hits;
	if (bpf_map__lookup_elem(skel->maps.counts, &key, sizeof(key), &mapval,
				 sizeof(mapval), 0)) {
		perror("lookup");
		goto out;
	}
	printf("hits %llu -> %llu, map %llu, pid %u\n", (unsigned long long)before,
	       (unsigned long long)after, (unsigned long long)mapval, skel->bss->seen_pid);
	ret = !(after >= before + 6 && mapval >= 3 && skel->bss->seen_pid == (__u32)getpid());
out:
	counter_bpf__destroy(skel);
	return ret;
}
