// SPDX-License-Identifier: GPL-2.0
/* bench/trace_xdp.sh's baseline: an XDP program that only passes, to tell what attaching
 * any program costs (in SKB mode on lo: a linear skb with XDP headroom per packet) from what
 * trace xdp's own work costs. */
#include <linux/bpf.h>

__attribute__((section("xdp"), used)) int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] __attribute__((section("license"), used)) = "GPL";
