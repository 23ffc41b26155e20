/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Finding clang and running tools. bpfkit runs as root and paths come from users, so tools
 * are spawned with an argv array (posix_spawn), never through a shell.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gen.h"

extern char **environ;

#define INSTALL_HINT "install it with 'apt-get install clang llvm'"

static int wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int gen_spawn(char *const argv[], int out_fd)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int ret;

	posix_spawn_file_actions_init(&fa);
	if (out_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
	ret = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (ret)
		return -ret;
	return wait_child(pid);
}

int gen_spawn_capture(char *const argv[], bool merge, char **out)
{
	posix_spawn_file_actions_t fa;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int p[2], ret, status;
	pid_t pid;

	*out = NULL;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	if (merge)
		posix_spawn_file_actions_adddup2(&fa, p[1], STDERR_FILENO);
	else
		posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	ret = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (ret) {
		close(p[0]);
		return -ret;
	}
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *nb = cap < (64u << 20) ? realloc(buf, cap + 65536) : NULL;

			if (!nb)
				break;	/* keep draining is not needed: close makes it exit */
			buf = nb;
			cap += 65536;
		}
		n = read(p[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(p[0]);
	status = wait_child(pid);
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return -ENOMEM;
	}
	buf[len] = '\0';
	*out = buf;
	return status;
}

/* Full path of an executable name (searched in PATH unless it contains '/'). */
static bool which(const char *name, char *out, size_t size)
{
	const char *path, *p, *e;

	if (strchr(name, '/')) {
		if (access(name, X_OK) < 0)
			return false;
		return snprintf(out, size, "%s", name) < (int)size;
	}
	path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p; p = *e ? e + 1 : e) {
		struct stat st;

		e = strchrnul(p, ':');
		if (snprintf(out, size, "%.*s/%s", (int)(e - p), e == p ? "." : p, name) >=
		    (int)size)
			continue;
		if (e == p)
			snprintf(out, size, "./%s", name);
		if (access(out, X_OK) == 0 && stat(out, &st) == 0 && S_ISREG(st.st_mode))
			return true;
	}
	return false;
}

/* The highest N of an executable clang-N on PATH. */
static bool newest_versioned(char *out, size_t size)
{
	const char *path = getenv("PATH"), *p, *e;
	char dir[PATH_MAX], name[64];
	int best = 0;

	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p; p = *e ? e + 1 : e) {
		struct dirent *de;
		DIR *d;

		e = strchrnul(p, ':');
		snprintf(dir, sizeof(dir), "%.*s", (int)(e - p), e == p ? "." : p);
		d = opendir(dir);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			const char *v = de->d_name + 6;
			char *end;
			long n;

			if (strncmp(de->d_name, "clang-", 6) || !isdigit((unsigned char)*v))
				continue;
			n = strtol(v, &end, 10);
			if (*end || n <= best || n > 1000)
				continue;
			snprintf(name, sizeof(name), "clang-%ld", n);
			if (which(name, dir, sizeof(dir)))
				best = n;
			snprintf(dir, sizeof(dir), "%.*s", (int)(e - p), e == p ? "." : p);
		}
		closedir(d);
	}
	if (!best)
		return false;
	snprintf(name, sizeof(name), "clang-%d", best);
	return which(name, out, size);
}

/* Ask clang itself; slow (two spawns, ~30 ms), hence the memo in the cache. */
static int probe_clang(struct gen_clang *c, bool *has_bpf, struct errmsg *err)
{
	char *argv[3] = { c->path, NULL, NULL };
	char *text = NULL, *v;
	int ret;

	argv[1] = "--version";
	ret = gen_spawn_capture(argv, false, &text);
	if (ret != 0 || !text) {
		free(text);
		return errmsg_set(err, -ENOEXEC, "%s does not run (--version failed): "
				  INSTALL_HINT, c->path);
	}
	snprintf(c->version, sizeof(c->version), "%.*s", (int)strcspn(text, "\n"), text);
	v = strstr(c->version, "version ");
	c->major = v ? atoi(v + 8) : 0;
	free(text);
	argv[1] = "-print-targets";
	ret = gen_spawn_capture(argv, false, &text);
	*has_bpf = false;
	if (ret == 0 && text) {
		char *line;

		for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
			while (*line == ' ')
				line++;
			if (!strncmp(line, "bpf ", 4))
				*has_bpf = true;
		}
	}
	free(text);
	return 0;
}

static int memo_path(const char *bin, char *out, size_t size)
{
	char key[PATH_MAX + 128], root[PATH_MAX], hex[65];
	uint8_t d[32];
	struct stat st;
	int n;

	if (stat(bin, &st) < 0 || gen_cache_root(root, sizeof(root), NULL))
		return -1;
	n = snprintf(key, sizeof(key), "clang v1 %s %llu %llu %lld %lld.%09ld", bin,
		     (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
		     (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	sha256_buf(key, n, d);
	sha256_hex(d, hex);
	snprintf(out, size, "%s/clang", root);
	if (gen_mkdir_p(out, NULL))
		return -1;
	snprintf(out, size, "%s/clang/%s", root, hex);
	return 0;
}

int gen_find_clang(const char *cc, struct gen_clang *c, struct errmsg *err)
{
	char real[PATH_MAX], memo[PATH_MAX + 128], buf[512];
	const char *env = getenv("CLANG");
	bool has_bpf = false, memo_ok;
	FILE *f;
	int ret;

	memset(c, 0, sizeof(*c));
	if (cc) {
		if (!which(cc, c->path, sizeof(c->path)))
			return errmsg_set(err, -ENOENT, "%s: compiler not found", cc);
	} else if (env && *env) {
		if (!which(env, c->path, sizeof(c->path)))
			return errmsg_set(err, -ENOENT, "%s (from $CLANG): compiler not found",
					  env);
	} else if (!which("clang", c->path, sizeof(c->path)) &&
		   !newest_versioned(c->path, sizeof(c->path))) {
		return errmsg_set(err, -ENOENT, "clang not found: " INSTALL_HINT);
	}
	if (!realpath(c->path, real))
		snprintf(real, sizeof(real), "%s", c->path);

	memo_ok = memo_path(real, memo, sizeof(memo)) == 0;
	if (memo_ok && (f = fopen(memo, "re"))) {
		bool ok = fgets(buf, sizeof(buf), f) && !strncmp(buf, "bpf=", 4);

		if (ok) {
			has_bpf = buf[4] == '1';
			ok = fgets(c->version, sizeof(c->version), f) != NULL;
			c->version[strcspn(c->version, "\n")] = '\0';
			c->major = strstr(c->version, "version ") ?
				   atoi(strstr(c->version, "version ") + 8) : 0;
		}
		fclose(f);
		if (ok)
			goto check;
	}
	ret = probe_clang(c, &has_bpf, err);
	if (ret)
		return ret;
	if (memo_ok) {
		int n = snprintf(buf, sizeof(buf), "bpf=%d\n%s\n", has_bpf, c->version);

		gen_write_atomic(memo, buf, n, 0644, NULL);
	}
check:
	if (!has_bpf)
		return errmsg_set(err, -ENOTSUP,
				  "%s has no BPF target (not in 'clang -print-targets'): install "
				  "Debian's clang with 'apt-get install clang llvm'", c->path);
	return 0;
}
