/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * kern/metrics.c: a Prometheus endpoint. An HTTP server (libmicrohttpd, one internal thread)
 * answers GET /metrics with the text exposition format a render callback writes, fresh per
 * scrape. Any counting tool can serve through it: map export is the first user.
 */
#ifndef BPFKIT_KMETRICS_H
#define BPFKIT_KMETRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errmsg.h"
#include "kbuf.h"

/* Prometheus names: [a-zA-Z_:][a-zA-Z0-9_:]*, anything else becomes '_'. */
void kmetrics_name(struct kbuf *b, const char *s);
/* A label value, quoted and escaped (\\, \", \n). */
void kmetrics_label_value(struct kbuf *b, const char *s, size_t n);

/* Render the whole body into b; non-zero answers 500 with b as the message. */
typedef int (*kmetrics_render_fn)(void *ctx, struct kbuf *b);

struct kmetrics_server;
/*
 * Listen on addr ("127.0.0.1:9435", "[::1]:9435", ":9435" for every address; port 0 picks a
 * free one). *port is the port bound.
 */
int kmetrics_start(const char *addr, kmetrics_render_fn fn, void *ctx,
		   struct kmetrics_server **s, uint16_t *port, struct errmsg *err);
void kmetrics_stop(struct kmetrics_server *s);
/* Whether addr is one kmetrics_start takes (for option parsing: a usage error otherwise). */
int kmetrics_check_addr(const char *addr, struct errmsg *err);
/* The URL to scrape a server started on addr that bound port: every-address forms become
 * the loopback ("http://127.0.0.1:9435/metrics"). */
void kmetrics_url(const char *addr, uint16_t port, char *buf, size_t len);

#endif
