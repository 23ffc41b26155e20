/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared between bpf/xdp.bpf.c and bpf/xdp.c: fixed-width types only. */
#ifndef BPFKIT_XDP_H
#define BPFKIT_XDP_H

#define XDP_MAX_SOURCES 16384	/* per-source counters; more are counted as drops */

/* Indexes of the per-CPU "drops" array. */
enum xdp_drop { XDP_DROP_RINGBUF = 0, XDP_DROP_SOURCES = 1, XDP_NR_DROPS = 2 };

struct xdp_src {
	__u8 addr[16];		/* IPv4: the first 4 bytes */
	__u8 family;		/* 4 or 6 */
	__u8 pad[3];
};

struct xdp_count {
	__u64 packets, bytes;
};

struct xdp_event {
	__u64 ts_ns;
	__u8 saddr[16];
	__u8 daddr[16];
	__u32 len;		/* the frame, link-layer header included */
	__u32 ifindex;
	__u16 sport, dport;	/* host order; 0 without ports */
	__u8 family;		/* 4 or 6 */
	__u8 proto;		/* IPPROTO_* (IPv6: the next header) */
	__u8 pad[2];
};

#endif
