/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Prometheus endpoint on libmicrohttpd (see kmetrics.h). */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "kmetrics.h"

void kmetrics_name(struct kbuf *b, const char *s)
{
	for (size_t i = 0; s[i]; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			  c == ':' || (i > 0 && c >= '0' && c <= '9');

		kbuf_put(b, ok ? &c : "_", 1);
	}
}

void kmetrics_label_value(struct kbuf *b, const char *s, size_t n)
{
	kbuf_put(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\')
			kbuf_put(b, "\\\\", 2);
		else if (s[i] == '"')
			kbuf_put(b, "\\\"", 2);
		else if (s[i] == '\n')
			kbuf_put(b, "\\n", 2);
		else
			kbuf_put(b, s + i, 1);
	}
	kbuf_put(b, "\"", 1);
}

/*
 * libmicrohttpd is opened when a server starts, not linked: linking it pulls in GnuTLS and
 * eight more libraries, which cost every bpfkit command ~2.4 ms of dynamic loading and
 * ~3.4 MiB of RSS (measured), for the one verb that serves HTTP.
 */
static struct {
	__typeof__(&MHD_start_daemon) start_daemon;
	__typeof__(&MHD_stop_daemon) stop_daemon;
	__typeof__(&MHD_get_daemon_info) get_daemon_info;
	__typeof__(&MHD_create_response_from_buffer) create_response_from_buffer;
	__typeof__(&MHD_add_response_header) add_response_header;
	__typeof__(&MHD_queue_response) queue_response;
	__typeof__(&MHD_destroy_response) destroy_response;
} mhd;

#define MHD_LIB "libmicrohttpd.so.12"
#define KMETRICS_IDLE_S 5	/* seconds a connection may idle */

static int load_mhd(struct errmsg *err)
{
	void *h;

	if (mhd.start_daemon)
		return 0;
	h = dlopen(MHD_LIB, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return errmsg_set(err, -ENOENT,
				  "serving HTTP needs libmicrohttpd (%s): apt-get install libmicrohttpd12",
				  dlerror());
#define SYM(n) (mhd.n = (__typeof__(mhd.n))dlsym(h, "MHD_" #n))
	if (!SYM(stop_daemon) || !SYM(get_daemon_info) || !SYM(create_response_from_buffer) ||
	    !SYM(add_response_header) || !SYM(queue_response) || !SYM(destroy_response) ||
	    !SYM(start_daemon)) {
#undef SYM
		mhd.start_daemon = NULL;
		return errmsg_set(err, -ENOENT, "%s lacks MHD functions bpfkit needs", MHD_LIB);
	}
	return 0;	/* kept open for the life of the process */
}

struct kmetrics_server {
	struct MHD_Daemon *d;
	kmetrics_render_fn fn;
	void *ctx;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, struct kbuf *b,
			     const char *type)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = mhd.create_response_from_buffer(b->len, b->p, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		kbuf_free(b);
		return MHD_NO;
	}
	b->p = NULL;	/* the response owns it */
	mhd.add_response_header(r, "Content-Type", type);
	ret = mhd.queue_response(c, status, r);
	mhd.destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct kmetrics_server *s = cls;
	struct kbuf b = { 0 };

	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		kbuf_printf(&b, "only GET /metrics\n");
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, &b, "text/plain");
	}
	if (strcmp(url, "/metrics")) {
		kbuf_printf(&b, "not found: the metrics are at /metrics\n");
		return reply(c, MHD_HTTP_NOT_FOUND, &b, "text/plain");
	}
	if (s->fn(s->ctx, &b) || b.failed) {
		if (b.failed) {
			kbuf_free(&b);
			kbuf_printf(&b, "out of memory\n");
		}
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, &b, "text/plain");
	}
	if (!b.p)
		kbuf_put(&b, "", 0);
	return reply(c, MHD_HTTP_OK, &b, "text/plain; version=0.0.4; charset=utf-8");
}

/* "host:port", "[v6]:port", ":port" into a socket address. */
/* ADDR:PORT into its host ("" for every address; an IPv6 one without its brackets) and port. */
static int split_addr(const char *addr, char *host, size_t len, unsigned long *port,
		      struct errmsg *err)
{
	const char *colon = strrchr(addr, ':');
	size_t hl = colon ? (size_t)(colon - addr) : 0;
	char *end;

	if (!colon || !colon[1])
		return errmsg_set(err, -EINVAL, "--listen '%s': want ADDR:PORT, e.g. 127.0.0.1:9435",
				  addr);
	errno = 0;
	*port = strtoul(colon + 1, &end, 10);
	if (*end || errno || *port > 65535 || colon[1] == '-' || colon[1] == '+' || colon[1] == ' ')
		return errmsg_set(err, -EINVAL, "--listen '%s': the port must be 0 to 65535", addr);
	if (hl >= 2 && addr[0] == '[' && addr[hl - 1] == ']') {
		addr++;
		hl -= 2;
	} else if (memchr(addr, ':', hl)) {
		return errmsg_set(err, -EINVAL, "--listen '%s': an IPv6 address goes in brackets, e.g. [::1]:9435",
				  addr);
	}
	if (hl >= len)
		return errmsg_set(err, -EINVAL, "--listen '%s': address too long", addr);
	memcpy(host, addr, hl);
	host[hl] = '\0';
	return 0;
}

static int parse_addr(const char *addr, struct sockaddr_storage *ss, struct errmsg *err)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
				  .ai_socktype = SOCK_STREAM }, *res;
	char host[256], port[8];
	unsigned long p;
	int ret = split_addr(addr, host, sizeof(host), &p, err);

	if (ret)
		return ret;
	snprintf(port, sizeof(port), "%lu", p);
	ret = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (ret)
		return errmsg_set(err, -EINVAL, "--listen '%s': %s (a numeric address, e.g. 127.0.0.1:9435)",
				  addr, gai_strerror(ret));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

int kmetrics_check_addr(const char *addr, struct errmsg *err)
{
	struct sockaddr_storage ss;

	return parse_addr(addr, &ss, err);
}

void kmetrics_url(const char *addr, uint16_t port, char *buf, size_t len)
{
	char host[256];
	unsigned long p;
	struct errmsg ignored = { 0 };
	bool v6, any;

	if (split_addr(addr, host, sizeof(host), &p, &ignored))
		host[0] = '\0';
	v6 = strchr(host, ':') != NULL;
	any = !host[0] || !strcmp(host, "0.0.0.0") || !strcmp(host, "::");
	if (any)
		snprintf(buf, len, "http://%s:%u/metrics", v6 ? "[::1]" : "127.0.0.1", port);
	else
		snprintf(buf, len, v6 ? "http://[%s]:%u/metrics" : "http://%s:%u/metrics", host, port);
}

int kmetrics_start(const char *addr, kmetrics_render_fn fn, void *ctx,
		   struct kmetrics_server **out, uint16_t *port, struct errmsg *err)
{
	struct sockaddr_storage ss = { 0 };
	struct kmetrics_server *s;
	const union MHD_DaemonInfo *info;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD;
	int ret;

	*out = NULL;
	ret = parse_addr(addr, &ss, err);
	if (ret)
		return ret;
	ret = load_mhd(err);
	if (ret)
		return ret;
	s = calloc(1, sizeof(*s));
	if (!s)
		return errmsg_set(err, -ENOMEM, "out of memory");
	s->fn = fn;
	s->ctx = ctx;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	errno = 0;
	/* an idle client is dropped after a while, or enough of them would lock scrapers out */
	s->d = mhd.start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
				(struct sockaddr *)&ss, MHD_OPTION_CONNECTION_TIMEOUT,
				(unsigned int)KMETRICS_IDLE_S, MHD_OPTION_END);
	if (!s->d) {
		ret = errno ? -errno : -EADDRINUSE;
		free(s);
		return errmsg_set(err, ret, "--listen %s: cannot listen: %s", addr, strerror(-ret));
	}
	info = mhd.get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	*port = info ? info->port : 0;
	*out = s;
	return 0;
}

void kmetrics_stop(struct kmetrics_server *s)
{
	if (!s)
		return;
	mhd.stop_daemon(s->d);
	free(s);
}
