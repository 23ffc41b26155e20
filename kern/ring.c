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
static bool draining;

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

bool kern_skipping(void)
{
	return draining && kern_stop > drain_from;
}

void kern_trap_signals(void)
{
	/*
	 * SA_RESTART: a write() blocked on a slow reader finishes instead of failing with EINTR
	 * (and cutting a line); poll, epoll_wait and nanosleep return EINTR whatever the flag,
	 * so the loops still see the stop at once. A hangup (the terminal closed) is a stop too.
	 */
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);	/* a closed pipe is a write error we handle, not a kill */
}

double kern_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t seen_bytes;	/* by the current batch's callbacks */

void kern_ring_seen(size_t size)
{
	seen_bytes += (size + BPF_RINGBUF_HDR_SZ + 7) & ~(size_t)7;	/* as the ring lays it out */
}

/*
 * A ring wakes its reader only for a record committed while the reader had caught up. A
 * reader that goes back to poll() at once, under a steady stream, catches up after nearly
 * every record: the kernel then raises one wakeup per record (an irq_work, a self-IPI) and the
 * reader writes its output a few lines per write(). Pausing after a batch lets records gather:
 * one wakeup and one write per pause, for at most KERN_RING_PACE_MS of latency. The pause is
 * shortened so that the ring fills to a quarter at most, at the rate the batch came in (bytes
 * since the last read or the wakeup) and at a sudden burst of PACE_BURST_RATE: a small ring
 * (64 KiB: 0.12 ms) is paced little, one of 1 MiB or more the whole KERN_RING_PACE_MS. The
 * time spent writing the batch's output counts as part of the pause.
 */
#define PACE_BURST_RATE (128.0 * 1024 * 1024)	/* bytes/s: ~1.8M records of 64 bytes */

static double pace_s(const struct ring_limits *lim, uint64_t bytes, double since_last_s)
{
	double pause = KERN_RING_PACE_MS / 1e3, rate, quarter;

	if (!lim->ring_bytes || !bytes)
		return 0;
	rate = bytes / (since_last_s > 1e-6 ? since_last_s : 1e-6);
	if (rate < PACE_BURST_RATE)
		rate = PACE_BURST_RATE;
	quarter = lim->ring_bytes / 4.0 / rate;
	return quarter < pause ? quarter : pause;
}

static void pause_s(double s)
{
	struct timespec ts = { 0, s > 0 ? (long)(s * 1e9) : 0 };

	if (ts.tv_nsec > 0)
		nanosleep(&ts, NULL);	/* a signal ends it early: the loop sees kern_stop */
}

int kern_ring_loop(struct ring_buffer *rb, const struct ring_limits *lim, struct errmsg *err)
{
	double last = kern_now_s(), deadline = lim->duration_s > 0 ? last + lim->duration_s : 0;
	int ms = lim->poll_ms > 0 ? lim->poll_ms : 100;
	double pause = 0;

	while (!kern_stop) {
		double read_end, now;
		bool cut;
		int n = 0;

		seen_bytes = 0;
		if (!pause) {
			/* --duration ends on time, not up to a poll later */
			int wait = deadline ? (int)((deadline - kern_now_s()) * 1000) + 1 : ms;

			n = ring_buffer__poll(rb, wait < ms ? (wait > 0 ? wait : 0) : ms);
			/* the stream's rate is unknown after a wait: measure it from the wakeup on,
			 * which overestimates it (the safe side) */
			last = kern_now_s();
		}
		/* any signal ends the wait, a SIGCONT after Ctrl-Z too: kern_stop says if it was
		 * a stop, and what came meanwhile is read either way */
		if (n == -EINTR)
			n = 0;
		/* a program that submits with BPF_RB_NO_WAKEUP wakes no one: collect anyway */
		if (n >= 0)
			n = ring_buffer__consume(rb);
		cut = n == KERN_RING_BREAK;	/* a batch cut short: records wait, no pause */
		if (cut)
			n = 0;
		if (n < 0)
			return errmsg_set(err, n, "reading the ring buffer: %s", strerror(-n));
		read_end = kern_now_s();
		pause = cut || n < 0 ? 0 : pace_s(lim, seen_bytes, read_end - last);
		last = read_end;
		if (lim->after_batch && lim->after_batch(lim->ctx))
			break;
		now = kern_now_s();
		if (deadline && now >= deadline)
			break;
		pause_s(read_end + pause - now);	/* what the output took is part of it */
	}
	if (lim->after_batch)
		lim->after_batch(lim->ctx);
	return 0;
}

int kern_ring_drain(struct ring_buffer *rb, const struct ring_limits *lim, struct errmsg *err)
{
	int n, ret = 0;

	drain_from = kern_stop;
	draining = true;
	do {
		n = rb ? ring_buffer__consume(rb) : 0;
		if (n < 0 && n != KERN_RING_BREAK) {
			ret = errmsg_set(err, n, "reading the ring buffer: %s", strerror(-n));
			break;
		}
		if (lim->after_batch && lim->after_batch(lim->ctx))
			break;
	} while (n && !kern_stopping());
	draining = false;
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
