/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* User half of the XDP tracer: the interface, attaching natively or in SKB mode through a
 * BPF link (closed on any exit, so nothing stays attached), packets as lines, per-source
 * counts every interval with --summary (kern/tracer.c runs it). */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfkit/xdp.h"
#include "kload.h"
#include "kmetrics.h"
#include "linebuf.h"
#include "tracer.h"
#include "xdp.skel.h"

struct xdp_priv {
	char ifname[IF_NAMESIZE];
	bool skb, summary;
	bool quiet;		/* -q: no word of the SKB fallback */
	int link_fd;		/* the XDP link; -1 before attach */
	bool attached;
};

enum { OPT_SKB = 0x300, OPT_SUMMARY };

static const struct option longopts[] = {
	{ "skb", no_argument, NULL, OPT_SKB },
	{ "summary", no_argument, NULL, OPT_SUMMARY },
	{ NULL, 0, NULL, 0 },
};

static int parse(void *priv, int opt, const char *arg, struct errmsg *err)
{
	struct xdp_priv *p = priv;

	switch (opt) {
	case TRACE_OPERAND:
		if (!*arg || strlen(arg) >= sizeof(p->ifname))
			return errmsg_set(err, -EINVAL, "'%s' is not an interface name (1 to %d characters)",
					  arg, IF_NAMESIZE - 1);
		strcpy(p->ifname, arg);
		return 0;
	case OPT_SKB:
		p->skb = true;
		return 0;
	case OPT_SUMMARY:
		p->summary = true;
		return 0;
	}
	return errmsg_set(err, -EINVAL, "unknown option");
}

static int configure(struct bpf_object *obj, const struct trace_common *c, void *priv,
		     struct errmsg *err)
{
	struct xdp_priv *p = priv;

	p->link_fd = -1;
	p->quiet = c->quiet;
	return kern_set_global(obj, "summary_only", p->summary ? "1" : "0", err);
}

/* Native mode first (the driver runs it), SKB mode when the driver cannot or --skb: through
 * a link, which the kernel detaches when its last fd closes, even if bpfkit is killed. */
static int attach(struct bpf_object *obj, void *priv, struct bpf_link ***links, size_t *n,
		  struct errmsg *err)
{
	struct xdp_priv *p = priv;
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, "xdp_sources");
	unsigned int ifindex = if_nametoindex(p->ifname);
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	int fd = -1, native_err = 0;

	*links = NULL;
	*n = 0;
	if (!ifindex)
		return errmsg_set(err, -ENODEV, "no interface '%s' in this network namespace (see 'ip link')",
				  p->ifname);
	if (!p->skb) {
		opts.flags = XDP_FLAGS_DRV_MODE;
		fd = bpf_link_create(bpf_program__fd(prog), (int)ifindex, BPF_XDP, &opts);
		native_err = fd < 0 ? errno : 0;
	}
	if (fd < 0) {
		opts.flags = XDP_FLAGS_SKB_MODE;
		fd = bpf_link_create(bpf_program__fd(prog), (int)ifindex, BPF_XDP, &opts);
		if (fd >= 0 && native_err && !p->quiet)	/* worth knowing: it is slower */
			fprintf(stderr, "bpfkit: trace xdp: %s: no native XDP (%s); attached in SKB (generic) mode\n",
				p->ifname, strerror(native_err));
	}
	if (fd < 0) {
		int e = errno;

		if (e == EBUSY || e == EEXIST)
			return errmsg_set(err, -e, "%s already has an XDP program in this mode: see 'ip link show %s' (detach it first)",
					  p->ifname, p->ifname);
		return errmsg_set(err, -e, "attaching XDP to %s: %s", p->ifname, strerror(e));
	}
	p->link_fd = fd;
	return 0;
}

static void detach(void *priv)
{
	struct xdp_priv *p = priv;

	if (p->link_fd >= 0)
		close(p->link_fd);
	p->link_fd = -1;
}

static const char *proto_name(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {	/* /etc/protocols keywords; 58 as tcpdump writes it */
	case 0: return "hopopt";	/* IPv6 hop-by-hop options (MLD reports) */
	case 1: return "icmp";
	case 2: return "igmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 43: return "ipv6-route";
	case 44: return "ipv6-frag";
	case 47: return "gre";
	case 58: return "icmp6";
	case 60: return "ipv6-opts";
	case 132: return "sctp";
	}
	snprintf(buf, len, "%u", proto);
	return buf;
}

static void addr_text(const uint8_t *addr, uint8_t family, char *buf, size_t len)
{
	if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

static void header(const struct trace_common *c, const void *priv, struct linebuf *l)
{
	const struct xdp_priv *p = priv;

	if (p->summary)
		return;	/* each table has its own */
	if (c->timestamps)
		lb_str(l, "TIME(s)", 11);
	lb_str(l, "SADDR", 40);
	lb_lit(l, "SPORT ");
	lb_str(l, "DADDR", 40);
	lb_lit(l, "DPORT PROTO    LEN");
}

static int decode(const void *raw, size_t size, const struct trace_common *c, const void *priv,
		  bool json, struct linebuf *l)
{
	struct xdp_event e;
	char sa[INET6_ADDRSTRLEN], da[INET6_ADDRSTRLEN], pb[8];
	const char *proto;

	if (size < sizeof(e))
		return -1;
	memcpy(&e, raw, sizeof(e));
	addr_text(e.saddr, e.family, sa, sizeof(sa));
	addr_text(e.daddr, e.family, da, sizeof(da));
	proto = proto_name(e.proto, pb, sizeof(pb));
	if (json) {
		lb_lit(l, "{\"ts_ns\":");
		lb_u64(l, e.ts_ns, 0);
		lb_lit(l, ",\"ifindex\":");
		lb_u64(l, e.ifindex, 0);
		if (e.family == 6)
			lb_lit(l, ",\"family\":\"ipv6\",\"saddr\":");
		else
			lb_lit(l, ",\"family\":\"ipv4\",\"saddr\":");
		lb_json_str(l, sa);
		lb_lit(l, ",\"sport\":");
		lb_u64(l, e.sport, 0);
		lb_lit(l, ",\"daddr\":");
		lb_json_str(l, da);
		lb_lit(l, ",\"dport\":");
		lb_u64(l, e.dport, 0);
		lb_lit(l, ",\"proto\":");
		lb_json_str(l, proto);
		lb_lit(l, ",\"len\":");
		lb_u64(l, e.len, 0);
		lb_lit(l, "}");
		return 0;
	}
	if (c->timestamps)
		trace_time_cell(l, trace_elapsed(c, e.ts_ns));
	lb_str(l, sa, 40);
	lb_s64_right(l, e.sport, 5);
	lb_lit(l, " ");
	lb_str(l, da, 40);
	lb_s64_right(l, e.dport, 5);
	lb_lit(l, " ");
	lb_str(l, proto, 5);
	lb_s64_right(l, e.len, 7);
	return 0;
}

struct src_row {
	struct xdp_src key;
	struct xdp_count sum;
};

static int by_packets(const void *a, const void *b)
{
	const struct src_row *x = a, *y = b;

	if (x->sum.packets != y->sum.packets)
		return x->sum.packets < y->sum.packets ? 1 : -1;
	return memcmp(&x->key, &y->key, sizeof(x->key));
}

static void emit_source(const struct trace_sink *sink, const char *clock, bool final,
			const struct src_row *r)
{
	char sa[INET6_ADDRSTRLEN];
	struct linebuf l;

	l.n = 0;
	addr_text(r->key.addr, r->key.family, sa, sizeof(sa));
	if (sink->json) {
		lb_lit(&l, "{\"time\":");
		lb_json_str(&l, clock);
		if (final)
			lb_lit(&l, ",\"final\":true");
		else
			lb_lit(&l, ",\"final\":false");
		if (r->key.family == 6)
			lb_lit(&l, ",\"family\":\"ipv6\",\"saddr\":");
		else
			lb_lit(&l, ",\"family\":\"ipv4\",\"saddr\":");
		lb_json_str(&l, sa);
		lb_lit(&l, ",\"packets\":");
		lb_u64(&l, r->sum.packets, 0);
		lb_lit(&l, ",\"bytes\":");
		lb_u64(&l, r->sum.bytes, 0);
		lb_lit(&l, "}");
	} else {
		lb_str(&l, clock, 9);
		lb_str(&l, sa, 40);
		lb_s64_right(&l, (int64_t)r->sum.packets, 12);
		lb_lit(&l, " ");
		lb_s64_right(&l, (int64_t)r->sum.bytes, 14);
	}
	sink->line(sink->ctx, l.b, l.n);
}

/* Every source seen since start, packets and bytes summed over CPUs, most packets first;
 * *out is the caller's to free. */
static int read_sources(struct bpf_object *obj, struct src_row **out, size_t *n,
			struct errmsg *err)
{
	int fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "sources"));
	int ncpu = libbpf_num_possible_cpus();
	struct xdp_count *vals = ncpu > 0 ? calloc(ncpu, sizeof(*vals)) : NULL;
	struct src_row *rows = NULL;
	struct xdp_src key, next, *prev = NULL;
	size_t cap = 0;

	*n = 0;
	if (!vals)
		return errmsg_set(err, -ENOMEM, "out of memory");
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;	/* gone meanwhile */
		if (*n == cap) {
			struct src_row *r = realloc(rows, (cap = cap ? 2 * cap : 64) * sizeof(*rows));

			if (!r) {
				free(vals);
				free(rows);
				return errmsg_set(err, -ENOMEM, "out of memory");
			}
			rows = r;
		}
		rows[*n] = (struct src_row){ .key = key };
		for (int i = 0; i < ncpu; i++) {
			rows[*n].sum.packets += vals[i].packets;
			rows[*n].sum.bytes += vals[i].bytes;
		}
		(*n)++;
	}
	free(vals);
	if (*n)
		qsort(rows, *n, sizeof(*rows), by_packets);
	*out = rows;
	return 0;
}

/* --summary: the table of sources every interval and at exit. */
static int tick(struct bpf_object *obj, void *priv, const struct trace_common *c,
		const struct trace_sink *sink, bool final, struct errmsg *err)
{
	struct xdp_priv *p = priv;
	struct src_row *rows = NULL;
	size_t n;
	char clock[16];
	time_t now = time(NULL);
	struct tm tm;
	int ret;

	if (!p->summary)
		return 0;
	ret = read_sources(obj, &rows, &n, err);
	if (ret)
		return ret;
	strftime(clock, sizeof(clock), "%H:%M:%S", localtime_r(&now, &tm));
	if (!sink->json && n) {
		struct linebuf l = { 0 };

		lb_str(&l, final ? "TOTAL" : "TIME", 9);
		lb_str(&l, "SADDR", 40);
		lb_lit(&l, "     PACKETS          BYTES");
		sink->line(sink->ctx, l.b, l.n);
	}
	for (size_t i = 0; i < n; i++)
		emit_source(sink, clock, final, &rows[i]);
	if (!sink->json && n && !final)
		sink->line(sink->ctx, "", 0);
	free(rows);
	return (int)n;
}

/* --listen: packets and bytes per source address since start, as Prometheus counters. */
static int metrics(struct bpf_object *obj, const void *priv, struct kbuf *b)
{
	static const char *const what[] = { "packets", "bytes" };
	struct errmsg err = { 0 };
	struct src_row *rows = NULL;
	char sa[INET6_ADDRSTRLEN];
	size_t n;

	if (read_sources(obj, &rows, &n, &err)) {
		kbuf_printf(b, "%s\n", err.msg);
		return -1;
	}
	for (int k = 0; k < 2; k++) {
		kbuf_printf(b, "# HELP bpfkit_xdp_%s_total XDP %s per source address since the tracer started.\n"
			       "# TYPE bpfkit_xdp_%s_total counter\n", what[k], what[k], what[k]);
		for (size_t i = 0; i < n; i++) {
			addr_text(rows[i].key.addr, rows[i].key.family, sa, sizeof(sa));
			kbuf_printf(b, "bpfkit_xdp_%s_total{family=\"ipv%u\",saddr=\"%s\"} %llu\n",
				    what[k], rows[i].key.family == 6 ? 6 : 4, sa,
				    (unsigned long long)(k ? rows[i].sum.bytes : rows[i].sum.packets));
		}
	}
	free(rows);
	return 0;
}

static const void *elf_bytes(size_t *size)
{
	return xdp_bpf__elf_bytes(size);
}

const struct tracer tracer_xdp = {
	.name = "xdp",
	.summary = "packets arriving on an interface: addresses, ports, per-source counts",
	.details = "IFACE is the interface to watch (in bpfkit's network namespace). Every IPv4 and\n"
		   "IPv6 packet arriving on it: SADDR SPORT DADDR DPORT PROTO LEN (LEN: the frame,\n"
		   "link-layer header included); every packet passes. Attached in native mode when\n"
		   "the driver has it, else in SKB (generic) mode with a message; through a BPF link,\n"
		   "so it is detached on any exit. With --summary, no packet lines: a table of\n"
		   "packets and bytes per source address every interval (1 s) and at exit (TOTAL).\n"
		   "JSON: ts_ns ifindex family saddr sport daddr dport proto len; with --summary:\n"
		   "time final family saddr packets bytes.\n",
	.needs = "XDP (native in the driver, or SKB mode), a BPF link for XDP (5.9)",
	.filters = TRACE_INTERVAL,
	.longopts = longopts,
	.options_help = "      --skb            attach in SKB (generic) mode, even if the driver has XDP\n"
			"      --summary        per-source packet/byte counts only, no line per packet\n",
	.priv_size = sizeof(struct xdp_priv),
	.parse = parse,
	.elf_bytes = elf_bytes,
	.configure = configure,
	.ring_map = "events",
	.drops_map = "drops",
	.nr_drops = XDP_NR_DROPS,
	.header = header,
	.decode = decode,
	.tick = tick,
	.metrics = metrics,
	.tick_interval_s = 1,
	.attach = attach,
	.detach = detach,
	.operand = "IFACE",
};
