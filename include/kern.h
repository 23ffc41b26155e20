/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* kern/: what talks to the kernel. Returns 0 or -errno with struct errmsg set. */
#ifndef BPFKIT_KERN_H
#define BPFKIT_KERN_H

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "errmsg.h"

struct ring_buffer;

/* Root, or CAP_BPF + CAP_PERFMON (what loading tracing programs needs), else -EPERM. */
int kern_check_tracing_privileges(struct errmsg *err);

/* 1 when this process has capability cap (CAP_BPF is 39) in its effective set, 0 when
 * not, -1 when it cannot tell. */
int kern_has_cap(int cap);

/* Mount tracefs at /sys/kernel/tracing if no tracefs is reachable; -errno with the fix. */
int kern_ensure_tracefs(struct errmsg *err);

/* Reword a failed load/attach (EPERM, ENOENT, ...) with the cause and the fix. */
int kern_explain(struct errmsg *err, int code, const char *what);

/* Non-zero once SIGINT/SIGTERM (kern_trap_signals) or a consumer that has seen enough asked
 * to stop; it counts the requests, so a drain can tell a new one from the one it serves. */
extern volatile sig_atomic_t kern_stop;
void kern_trap_signals(void);
void kern_request_stop(void);
/* A stop request a sample callback must obey: any outside a drain, a new one inside it.
 * The sample in hand is still handled (libbpf has consumed it already): the batch ends after
 * it. Only kern_skipping(), a new stop during a drain (a second Ctrl-C), drops it. */
bool kern_stopping(void);
bool kern_skipping(void);

/*
 * A sample callback returns this to end the current batch early (the sample it handled is
 * consumed). libbpf drains a ring until it is empty, which under sustained load is never:
 * callbacks end a batch every KERN_RING_BATCH samples so limits and output errors are seen.
 */
#define KERN_RING_BREAK (-ECANCELED)
#define KERN_RING_BATCH 4096

/* Destroy (detach) n links and free their array; both become empty. */
struct bpf_link;
void kern_links_destroy(struct bpf_link ***links, size_t *n);

/* CLOCK_MONOTONIC in seconds: deadlines, intervals, rates. */
double kern_now_s(void);

struct ring_limits {
	double duration_s;	/* 0: none */
	int poll_ms;		/* poll timeout: records sent without a wakeup are read then */
	int (*after_batch)(void *ctx);	/* flush output; non-zero stops */
	void *ctx;
	size_t ring_bytes;	/* the smallest ring's size, for pacing; 0: never pace */
};

/* Longest pause of a paced reader between batches (kern_ring_loop). */
#define KERN_RING_PACE_MS 1

/* Sample callbacks report each sample's size: the loop paces by the bytes per batch. */
void kern_ring_seen(size_t size);

/*
 * Poll rb until kern_stop, the duration, or after_batch() says stop. Records sent without a
 * wakeup (BPF_RB_NO_WAKEUP) are collected on each timeout. After a batch the loop pauses up
 * to KERN_RING_PACE_MS while the ring can hold that long (see ring.c). 0 or -errno.
 */
int kern_ring_loop(struct ring_buffer *rb, const struct ring_limits *lim, struct errmsg *err);

/*
 * After the loop, once the programs are detached: read what they queued before the stop, so
 * Ctrl-C or --duration loses nothing already captured. Ends when the ring is empty, on a new
 * stop request (a second Ctrl-C, --count reached) or when after_batch() says stop.
 */
int kern_ring_drain(struct ring_buffer *rb, const struct ring_limits *lim, struct errmsg *err);

/* Sum of a per-CPU u64 array element over all possible CPUs. */
int kern_percpu_sum(int map_fd, uint32_t key, uint64_t *sum);

#endif
