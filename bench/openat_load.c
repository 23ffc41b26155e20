// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * openat load generator for bench/trace_openat.sh.
 *
 * Load mode (default):
 *   openat_load [-P PROCS] [-s SECONDS] [-n COMM] FILE
 * forks PROCS processes (default 2) named COMM (default "bk-load") that call
 * openat(AT_FDCWD, FILE, O_RDONLY) + close flat out for SECONDS (default 5), then prints one
 * line of key=value pairs:
 *   procs=2 seconds=5.000123 calls=... calls_per_s=... sys_s=... user_s=...
 * sys_s/user_s are the children's CPU times (getrusage(RUSAGE_CHILDREN)), so the kernel cost
 * per call is sys_s / calls.
 *
 * Marker mode (time to first event):
 *   openat_load -m MARKER -w OUTFILE [-o OFFSET] [-t T0] [-T TIMEOUT] [-k PID] [-n COMM]
 * every 1 ms opens MARKER and looks for MARKER's path in OUTFILE (a tracer's output, growing)
 * from byte OFFSET on; prints "first_event_ms=X" measured from T0 (CLOCK_REALTIME seconds,
 * e.g. bash's $EPOCHREALTIME taken just before the tracer was started; default: now).
 * Exit 1 on timeout, or as soon as process PID (the tracer) is gone. Run after a workload, it
 * tells when the tracer has caught up with it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROCS 256

struct shared {
	volatile int stop;
	uint64_t calls[MAX_PROCS];
};

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: openat_load [-P PROCS] [-s SECONDS] [-n COMM] FILE\n"
		"       openat_load -m MARKER -w OUTFILE [-o OFFSET] [-t T0_REALTIME] [-T TIMEOUT_S]\n"
		"                   [-k PID] [-n COMM]\n");
	exit(2);
}

static void child(struct shared *sh, int idx, int go_fd, const char *path, const char *comm)
{
	uint64_t n = 0;
	char c;
	int fd;

	prctl(PR_SET_NAME, comm, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* start barrier: the parent closes the pipe's write end */
	while (read(go_fd, &c, 1) < 0 && errno == EINTR)
		;
	close(go_fd);
	while (!sh->stop) {
		fd = openat(AT_FDCWD, path, O_RDONLY);
		if (fd >= 0)
			close(fd);
		n++;
	}
	sh->calls[idx] = n;
	_exit(0);
}

static int run_load(int procs, double seconds, const char *path, const char *comm)
{
	struct shared *sh;
	struct rusage ru;
	pid_t pids[MAX_PROCS];
	uint64_t total = 0;
	double t0, t1;
	int go[2], fd, status, failed = 0;

	fd = openat(AT_FDCWD, path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "openat_load: %s: %s\n", path, strerror(errno));
		return 1;
	}
	close(fd);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED || pipe(go)) {
		perror("openat_load");
		return 1;
	}
	for (int i = 0; i < procs; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("openat_load: fork");
			sh->stop = 1;
			procs = i;
			break;
		}
		if (pids[i] == 0) {
			close(go[1]);
			child(sh, i, go[0], path, comm);
		}
	}
	close(go[0]);
	t0 = now_mono();
	close(go[1]);		/* go */
	{
		struct timespec ts = { (time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9) };

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	sh->stop = 1;
	for (int i = 0; i < procs; i++) {
		while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
		total += sh->calls[i];
	}
	t1 = now_mono();
	getrusage(RUSAGE_CHILDREN, &ru);
	printf("procs=%d seconds=%.6f calls=%llu calls_per_s=%.0f sys_s=%.6f user_s=%.6f\n",
	       procs, t1 - t0, (unsigned long long)total, total / (t1 - t0),
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
	       ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6);
	fflush(stdout);
	return failed;
}

/* Does OUTFILE contain needle? Reads only what was appended since the last call. */
static int file_has(int fd, off_t *pos, const char *needle, char *buf, size_t bufsz)
{
	size_t nlen = strlen(needle);
	off_t start = *pos > (off_t)nlen ? *pos - (off_t)nlen : 0;
	ssize_t n;

	for (;;) {
		n = pread(fd, buf, bufsz, start);
		if (n <= 0)
			return 0;
		if (memmem(buf, (size_t)n, needle, nlen))
			return 1;
		start += n;
		*pos = start;
		if ((size_t)n < bufsz)
			return 0;
		start -= (off_t)nlen;	/* overlap chunks */
	}
}

static int run_marker(const char *marker, const char *outfile, off_t pos, double t0,
		      double timeout, pid_t watch, const char *comm)
{
	static char buf[1 << 20];

	int fd, out = -1;

	prctl(PR_SET_NAME, comm, 0, 0, 0);
	for (;;) {
		double now = now_real();

		fd = openat(AT_FDCWD, marker, O_RDONLY);
		if (fd >= 0)
			close(fd);
		if (out < 0)
			out = open(outfile, O_RDONLY);
		if (out >= 0 && file_has(out, &pos, marker, buf, sizeof(buf))) {
			printf("first_event_ms=%.1f\n", (now_real() - t0) * 1e3);
			return 0;
		}
		if (watch > 0 && kill(watch, 0) && errno == ESRCH) {
			printf("first_event_ms=exited\n");
			return 1;
		}
		if (now - t0 > timeout) {
			printf("first_event_ms=timeout\n");
			return 1;
		}
		usleep(1000);
	}
}

int main(int argc, char **argv)
{
	const char *comm = NULL, *marker = NULL, *outfile = NULL;
	double seconds = 5, t0 = 0, timeout = 10;
	long long offset = 0;
	long watch = 0;
	int procs = 2, c;
	char *end;

	while ((c = getopt(argc, argv, "P:s:n:m:w:o:t:T:k:h")) != -1) {
		switch (c) {
		case 'P':
			procs = (int)strtol(optarg, &end, 10);
			if (*end || procs < 1 || procs > MAX_PROCS)
				usage();
			break;
		case 's':
			seconds = strtod(optarg, &end);
			if (*end || !(seconds > 0))
				usage();
			break;
		case 'n':
			comm = optarg;
			break;
		case 'm':
			marker = optarg;
			break;
		case 'w':
			outfile = optarg;
			break;
		case 'o':
			offset = strtoll(optarg, &end, 10);
			if (*end || offset < 0)
				usage();
			break;
		case 'k':
			watch = strtol(optarg, &end, 10);
			if (*end || watch <= 0)
				usage();
			break;
		case 't':
			t0 = strtod(optarg, &end);
			if (*end)
				usage();
			break;
		case 'T':
			timeout = strtod(optarg, &end);
			if (*end || !(timeout > 0))
				usage();
			break;
		default:
			usage();
		}
	}
	if (marker || outfile) {
		if (!marker || !outfile || optind != argc)
			usage();
		return run_marker(marker, outfile, (off_t)offset, t0 > 0 ? t0 : now_real(), timeout,
				  (pid_t)watch, comm ? comm : "bk-marker");
	}
	if (optind != argc - 1)
		usage();
	return run_load(procs, seconds, argv[optind], comm ? comm : "bk-load");
}
