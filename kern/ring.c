/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The ring-buffer consumer loop shared by every bundled tracer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kern.h"

volatile sig_atomic_t kern_stop;
static sig_atomic_t drain_from;	/* the stop requests a drain in progress already serves */

static void on_signal(int sig)
{
	(void)sig;
	kern_stop++;
}

void kern_request_stop(void)
{
	kern_stop++;
}

bool kern_stopping(void)
{
	return kern_stop > drain_from;
}

void kern_trap_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART: poll returns */

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);	/* a closed pipe is a write error we handle, not a kill */
}

double kern_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int kern_ring_loop(struct ring_buffer *rb, const struct ring_limits *lim, struct errmsg *err)
{
	double deadline = lim->duration_s > 0 ? kern_now_s() + lim->duration_s : 0;
	int ms = lim->poll_ms > 0 ? lim->poll_ms : 100;

	while (!kern_stop) {
		int n = ring_buffer__poll(rb, ms);

		if (n == -EINTR)
			break;
		/* the kernel side wakes us only past a fill threshold: collect the rest */
		if (n >= 0)
			n = ring_buffer__consume(rb);
		if (n == KERN_RING_BREAK)
			n = 0;
		if (n < 0 && n != -EINTR)
			return errmsg_set(err, n, "reading the ring buffer: %s", strerror(-n));
		if (lim->after_batch && lim->after_batch(lim->ctx))
			break;
		if (deadline && kern_now_s() >= deadline)
			break;
	}
	if (lim->after_batch)
		lim->after_batch(lim->ctx);
	return 0;
}

int kern_ring_drain(struct ring_buffer *rb, const struct ring_limits *lim, struct errmsg *err)
{
	int n, ret = 0;

	drain_from = kern_stop;
	do {
		n = rb ? ring_buffer__consume(rb) : 0;
		if (n < 0 && n != KERN_RING_BREAK) {
			ret = errmsg_set(err, n, "reading the ring buffer: %s", strerror(-n));
			break;
		}
		if (lim->after_batch && lim->after_batch(lim->ctx))
			break;
	} while (n && !kern_stopping());
	drain_from = 0;
	return ret;
}

int kern_percpu_sum(int map_fd, uint32_t key, uint64_t *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals;

	*sum = 0;
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(map_fd, &key, vals)) {
		int e = -errno;

		free(vals);
		return e;
	}
	for (int i = 0; i < ncpu; i++)
		*sum += vals[i];
	free(vals);
	return 0;
}

void kern_links_destroy(struct bpf_link ***links, size_t *n)
{
	while (*n)
		bpf_link__destroy((*links)[--*n]);
	free(*links);
	*links = NULL;
}
