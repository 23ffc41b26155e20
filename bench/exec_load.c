// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * exec load generator for bench/trace_exec.sh.
 *
 * Load mode (default):
 *   exec_load [-P PROCS] [-s SECONDS] PROG
 * forks PROCS workers (default 2) that vfork()+execve(PROG, {PROG, "bk-exec-arg"}) and wait,
 * flat out, for SECONDS (default 5); prints one line of key=value pairs:
 *   procs=2 seconds=5.000123 execs=... execs_per_s=...
 *
 * Marker mode (time to first event):
 *   exec_load -m PROG -w OUTFILE [-t T0] [-T TIMEOUT]
 * every 1 ms execs PROG (a uniquely named binary) and looks for its name in OUTFILE (a
 * tracer's output, growing); prints "first_event_ms=X" measured from T0 (CLOCK_REALTIME
 * seconds, e.g. bash's $EPOCHREALTIME taken just before the tracer was started). Exit 1 on
 * timeout.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void run_once(const char *prog)
{
	char *argv[] = { (char *)prog, "bk-exec-arg", NULL };
	pid_t pid = vfork();

	if (pid == 0) {
		execve(prog, argv, environ);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* Does FILE contain NEEDLE? (whole file: outputs here are small) */
static int file_has(const char *file, const char *needle)
{
	FILE *f = fopen(file, "r");
	char line[4096];
	int found = 0;

	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	if (f)
		fclose(f);
	return found;
}

static int marker(const char *prog, const char *out, double t0, double timeout)
{
	const char *name = strrchr(prog, '/') ? strrchr(prog, '/') + 1 : prog;
	struct timespec ms = { 0, 1000000 };

	while (now_real() - t0 < timeout) {
		run_once(prog);
		if (file_has(out, name)) {
			printf("first_event_ms=%.1f\n", (now_real() - t0) * 1000);
			return 0;
		}
		nanosleep(&ms, NULL);
	}
	return 1;
}

int main(int argc, char **argv)
{
	const char *mark = NULL, *out = NULL;
	double secs = 5, t0 = 0, timeout = 15, start, end;
	unsigned long *counts;
	int procs = 2, opt;
	unsigned long total = 0;

	while ((opt = getopt(argc, argv, "P:s:m:w:t:T:")) != -1) {
		switch (opt) {
		case 'P': procs = atoi(optarg); break;
		case 's': secs = atof(optarg); break;
		case 'm': mark = optarg; break;
		case 'w': out = optarg; break;
		case 't': t0 = atof(optarg); break;
		case 'T': timeout = atof(optarg); break;
		default: return 2;
		}
	}
	if (mark)
		return marker(mark, out, t0 ? t0 : now_real(), timeout);
	if (optind >= argc || procs < 1 || procs > 256)
		return 2;
	counts = mmap(NULL, procs * sizeof(*counts), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counts == MAP_FAILED)
		return 1;
	start = now_real();
	for (int i = 0; i < procs; i++) {
		if (fork() == 0) {
			while (now_real() - start < secs) {
				run_once(argv[optind]);
				counts[i]++;
			}
			_exit(0);
		}
	}
	while (wait(NULL) > 0)
		;
	end = now_real();
	for (int i = 0; i < procs; i++)
		total += counts[i];
	printf("procs=%d seconds=%.6f execs=%lu execs_per_s=%.0f\n", procs, end - start, total,
	       total / (end - start));
	return 0;
}
