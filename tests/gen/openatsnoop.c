/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The seed tutorial's user half, against the skeleton `bpfkit build --skeleton` writes
 * (named openatsnoop_bpf after openatsnoop.bpf.o, as bpftool would). Bounded for tests:
 * opens argv[1] until an event naming it arrives, at most ~2 s. Exit 0 when seen.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "events.h"
#include "openatsnoop.skel.h"

static const char *want;
static int seen;

static int handle_event(void *ctx, void *data, size_t size)
{
	struct event *event = data;

	if (!strncmp(event->requested_comm, want, sizeof(event->requested_comm) - 1)) {
		printf("%s openat: %s\n", event->parent_comm, event->requested_comm);
		seen = 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct openatsnoop_bpf *skeleton;
	struct ring_buffer *buffer = NULL;
	int i, fd, err = 1;

	want = argc > 1 ? argv[1] : "/dev/null";
	skeleton = openatsnoop_bpf__open_and_load();
	if (!skeleton) {
		perror("open_and_load");
		return 1;
	}
	if (openatsnoop_bpf__attach(skeleton)) {
		perror("attach");
		goto done;
	}
	buffer = ring_buffer__new(bpf_map__fd(skeleton->maps.buffer), handle_event, NULL, NULL);
	if (!buffer) {
		perror("ring_buffer__new");
		goto done;
	}
	for (i = 0; i < 200 && !seen; i++) {
		fd = open(want, O_RDONLY);
		if (fd >= 0)
			close(fd);
		if (ring_buffer__poll(buffer, 10) < 0)
			break;
	}
	err = !seen;
done:
	ring_buffer__free(buffer);
	openatsnoop_bpf__destroy(skeleton);
	return err;
}
