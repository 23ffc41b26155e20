// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench/udp_flood SECONDS [v4|v6]: send 64-byte UDP datagrams on loopback, flat out, for
 * SECONDS, to a socket of its own that never reads (the datagrams still cross the whole
 * receive path, XDP included, before the full queue drops them); prints "SENT PPS".
 * Run inside the benchmark's network namespace (bench/trace_xdp.sh).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 3, start, end;
	int v6 = argc > 2 && !strcmp(argv[2], "v6");
	struct sockaddr_storage dst = { 0 };
	socklen_t len = v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	int fam = v6 ? AF_INET6 : AF_INET;
	int rx = socket(fam, SOCK_DGRAM, 0), tx = socket(fam, SOCK_DGRAM, 0);
	char buf[64] = { 0 };
	unsigned long long sent = 0;

	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&dst;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&dst;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	}
	if (rx < 0 || tx < 0 || bind(rx, (struct sockaddr *)&dst, len) ||
	    getsockname(rx, (struct sockaddr *)&dst, &len)) {
		perror("udp_flood: socket");
		return 1;
	}
	start = now_s();
	end = start + secs;
	for (;;) {
		for (int i = 0; i < 256; i++)
			if (sendto(tx, buf, sizeof(buf), 0, (struct sockaddr *)&dst, len) == sizeof(buf))
				sent++;
		if (now_s() >= end)
			break;
	}
	printf("%llu %.0f\n", sent, sent / (now_s() - start));
	return 0;
}
