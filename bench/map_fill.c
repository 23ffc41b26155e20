// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Benchmark fixture for bench/map.sh. Two modes, both holding what they create until stdin
 * closes (so nothing outlives the benchmark):
 *   map_fill many N        create N small hash maps (no BTF), named bkbench_<i>
 *   map_fill big N PIN     create one hash map of N u32 -> u64 entries, filled with
 *                          BPF_MAP_UPDATE_BATCH, pinned at PIN (removed on exit)
 * Prints "ready" once everything exists.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

static int die(const char *what)
{
	fprintf(stderr, "map_fill: %s: %s\n", what, strerror(errno));
	return 1;
}

static int many(long n)
{
	for (long i = 0; i < n; i++) {
		char name[16];

		snprintf(name, sizeof(name), "bkbench_%05d", (int)(i % 100000));
		if (bpf_map_create(BPF_MAP_TYPE_HASH, name, 4, 8, 16, NULL) < 0)
			return die("bpf_map_create");	/* fds close at exit */
	}
	return 0;
}

static int big(long n, const char *pin)
{
	const long chunk = 65536;
	unsigned int *keys = malloc(chunk * sizeof(*keys));
	unsigned long long *vals = malloc(chunk * sizeof(*vals));
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "bkbench_big", 4, 8, (unsigned int)n, NULL);

	if (fd < 0 || !keys || !vals)
		return die("bpf_map_create");
	for (long done = 0; done < n; done += chunk) {
		__u32 count = (__u32)(n - done < chunk ? n - done : chunk);

		for (__u32 i = 0; i < count; i++) {
			keys[i] = (unsigned int)(done + i);
			vals[i] = (unsigned long long)(done + i) * 3;
		}
		if (bpf_map_update_batch(fd, keys, vals, &count, NULL))
			return die("bpf_map_update_batch");
	}
	if (bpf_obj_pin(fd, pin))
		return die(pin);
	return 0;
}

int main(int argc, char **argv)
{
	char c;
	int ret;

	if (argc < 3 || (strcmp(argv[1], "many") && strcmp(argv[1], "big")) ||
	    (!strcmp(argv[1], "big") && argc < 4)) {
		fprintf(stderr, "usage: map_fill many N | map_fill big N PIN\n");
		return 2;
	}
	ret = !strcmp(argv[1], "many") ? many(atol(argv[2])) : big(atol(argv[2]), argv[3]);
	if (ret)
		return ret;
	printf("ready\n");
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	if (!strcmp(argv[1], "big"))
		unlink(argv[3]);
	return 0;
}
