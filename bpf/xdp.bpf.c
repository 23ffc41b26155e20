// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * XDP packet printer, after the XDP tutorials: each IPv4/IPv6 packet's addresses, protocol,
 * ports and length go to a ring buffer (unless summary_only), and per-source packet/byte
 * counters to a per-CPU hash; every packet passes. Every header is bounds-checked against
 * data_end before it is read: that is what the verifier demands, and what a runt frame
 * needs. One 802.1Q/802.1ad tag is skipped; IPv6 extension headers are not walked (proto is
 * then the first next-header and there are no ports).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "bpfkit/xdp.h"

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88A8

const volatile bool summary_only = false;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, XDP_MAX_SOURCES);
	__type(key, struct xdp_src);
	__type(value, struct xdp_count);
} sources SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDP_NR_DROPS);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

static __always_inline void count_drop(__u32 why)
{
	__u64 *n = bpf_map_lookup_elem(&drops, &why);

	if (n)
		*n += 1;
}

static __always_inline void count_source(const struct xdp_event *e)
{
	struct xdp_src key = { .family = e->family };
	struct xdp_count *c, init = { 1, e->len };

	__builtin_memcpy(key.addr, e->saddr, sizeof(key.addr));
	c = bpf_map_lookup_elem(&sources, &key);
	if (c) {
		c->packets++;
		c->bytes += e->len;
	} else if (bpf_map_update_elem(&sources, &key, &init, BPF_NOEXIST) &&
		   !bpf_map_lookup_elem(&sources, &key)) {
		count_drop(XDP_DROP_SOURCES);	/* full (another CPU may have added it: fine) */
	}
}

/* The ports of a TCP or UDP header at l4, when it is there whole enough. */
static __always_inline void ports(struct xdp_event *e, void *l4, void *end)
{
	__be16 *p = l4;

	if (e->proto != IPPROTO_TCP && e->proto != IPPROTO_UDP)
		return;
	if ((void *)(p + 2) > end)
		return;
	e->sport = bpf_ntohs(p[0]);
	e->dport = bpf_ntohs(p[1]);
}

/* Default wakeups: the reader is woken only when it had caught up, and it reads in paced
 * batches (kern/ring.c), so that is once per batch, not per packet. */
static __always_inline void send(const struct xdp_event *e)
{
	struct xdp_event *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);

	if (!r) {
		count_drop(XDP_DROP_RINGBUF);
		return;
	}
	__builtin_memcpy(r, e, sizeof(*r));
	bpf_ringbuf_submit(r, 0);
}

SEC("xdp")
int xdp_sources(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct xdp_event e = {};
	void *l3;
	__u16 proto;

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	proto = bpf_ntohs(eth->h_proto);
	l3 = eth + 1;
	if (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
		__be16 *tag = l3;	/* TCI, then the inner EtherType */

		if ((void *)(tag + 2) > end)
			return XDP_PASS;
		proto = bpf_ntohs(tag[1]);
		l3 = tag + 2;
	}
	if (proto == ETH_P_IP) {
		struct iphdr *ip = l3;
		__u32 hlen;

		if ((void *)(ip + 1) > end)
			return XDP_PASS;
		hlen = ip->ihl * 4;
		if (hlen < sizeof(*ip))
			return XDP_PASS;
		e.family = 4;
		e.proto = ip->protocol;
		__builtin_memcpy(e.saddr, &ip->saddr, 4);
		__builtin_memcpy(e.daddr, &ip->daddr, 4);
		if (!(ip->frag_off & bpf_htons(0x1fff)))	/* ports only in the first fragment */
			ports(&e, l3 + hlen, end);
	} else if (proto == ETH_P_IPV6) {
		struct ipv6hdr *ip6 = l3;

		if ((void *)(ip6 + 1) > end)
			return XDP_PASS;
		e.family = 6;
		e.proto = ip6->nexthdr;
		__builtin_memcpy(e.saddr, &ip6->saddr, 16);
		__builtin_memcpy(e.daddr, &ip6->daddr, 16);
		ports(&e, ip6 + 1, end);
	} else {
		return XDP_PASS;
	}
	e.len = (__u32)(end - data);
	count_source(&e);
	if (!summary_only) {
		e.ifindex = ctx->ingress_ifindex;
		e.ts_ns = bpf_ktime_get_ns();
		send(&e);
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
