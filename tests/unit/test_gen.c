/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * gen/: SHA-256 against sha256sum, vmlinux.h against bpftool, strip and package rewrites of
 * every fixture (sections kept/dropped, size vs llvm-strip -g, libbpf still opens and loads
 * it, content hash stable across strip), checks, and malformed inputs (truncated and
 * mutated objects: an error, never a crash, never a file left behind).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <elf.h>

#include "gen.h"
#include "unit.h"

static char tmpdir[] = "/tmp/bpfkit-test-gen.XXXXXX";

static int quiet(enum libbpf_print_level l, const char *f, va_list ap)
{
	return 0;
}

/* Run argv, capture stdout. */
static char *run(char *const argv[])
{
	char *out = NULL;
	int st = gen_spawn_capture(argv, false, &out);

	if (st != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static void test_sha256(void)
{
	static const size_t sizes[] = { 0, 1, 55, 56, 63, 64, 65, 119, 1000, 1 << 20 };
	char path[256], hex[65];
	uint8_t d[32];
	size_t i, k;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *buf = malloc(sizes[i] + 1);
		struct sha256 c;
		char *out;

		for (k = 0; k < sizes[i]; k++)
			buf[k] = (unsigned char)(k * 7 + i);
		snprintf(path, sizeof(path), "%s/sha.%zu", tmpdir, i);
		gen_write_atomic(path, buf, sizes[i], 0644, NULL);
		/* in odd pieces, to exercise the buffering */
		sha256_init(&c);
		for (k = 0; k < sizes[i]; k += 37)
			sha256_update(&c, buf + k, sizes[i] - k < 37 ? sizes[i] - k : 37);
		sha256_final(&c, d);
		sha256_hex(d, hex);
		out = run((char *const[]){ "sha256sum", path, NULL });
		if (!out) {
			SKIP("sha256sum not available");
			free(buf);
			return;
		}
		CHECK(!strncmp(out, hex, 64), "size %zu: ours %s, sha256sum %.64s", sizes[i], hex,
		      out);
		free(out);
		free(buf);
	}
	sha256_buf("abc", 3, d);
	sha256_hex(d, hex);
	CHECK(!strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
	      "sha256(abc) = %s", hex);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/*
 * Same declarations as bpftool's "format c", line for line. Not byte for byte: bpftool
 * links its own libbpf, and libbpf versions differ in details ("()" vs "(void)", mode
 * attributes on packed enums).
 */
static void test_vmlinux(void)
{
	struct errmsg err = { 0 };
	char *ours = NULL, *ref;
	size_t len = 0, n;
	void *btf;
	FILE *f;
	int ret;

	if (gen_read_file("/sys/kernel/btf/vmlinux", &btf, &n, &err)) {
		SKIP("no kernel BTF: %s", err.msg);
		return;
	}
	f = open_memstream(&ours, &len);
	ret = gen_vmlinux_write(btf, n, f, &err);
	fclose(f);
	CHECK(ret == 0, "gen_vmlinux_write: %s", err.msg);
	ref = run((char *const[]){ "bpftool", "btf", "dump", "file", "/sys/kernel/btf/vmlinux",
				   "format", "c", NULL });
	if (!ref) {
		SKIP("bpftool not available");
	} else {
		CHECK(ours && count_lines(ours) == count_lines(ref),
		      "vmlinux.h: %zu lines, bpftool's %zu", count_lines(ours), count_lines(ref));
		CHECK(ours && !strncmp(ours, ref, 200), "vmlinux.h header differs from bpftool's");
		CHECK(ours && len > 40 && !strcmp(ours + len - 40, ref + strlen(ref) - 40),
		      "vmlinux.h trailer differs from bpftool's");
		free(ref);
	}
	/* garbage BTF: an error, not a crash */
	memset(btf, 0x5a, n > 4096 ? 4096 : n);
	f = open_memstream(&ref, &len);
	CHECK(gen_vmlinux_write(btf, n, f, &err) < 0, "garbage BTF accepted");
	fclose(f);
	free(ref);
	free(ours);
	free(btf);
}

static size_t count_dir_entries(const char *dir)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.' || (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."));
	closedir(d);
	return n;
}

/* Load every program of an object (tracepoint and friends load here; fentry/kprobe don't). */
static int load_obj(const char *path, bool *skipped)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *p;
	int ret;

	*skipped = false;
	if (!obj)
		return -errno;
	bpf_object__for_each_program(p, obj) {
		enum bpf_prog_type t = bpf_program__type(p);

		if (t == BPF_PROG_TYPE_KPROBE || t == BPF_PROG_TYPE_TRACING ||
		    t == BPF_PROG_TYPE_LSM)
			*skipped = true;
	}
	ret = *skipped ? 0 : bpf_object__load(obj);
	/* maps pinned by name (LIBBPF_PIN_BY_NAME) must not outlive the test */
	if (!*skipped)
		bpf_object__unpin_maps(obj, NULL);
	bpf_object__close(obj);
	return ret;
}

static void test_strip_fixture(const char *fixdir, const char *name)
{
	char in[512], out[512], ls[512], hex1[65], hex2[65];
	struct errmsg err = { 0 };
	size_t before, after, n1, n2;
	struct stat st_ls;
	void *d1 = NULL, *d2 = NULL;
	struct gen_check chk;
	bool skipped;
	const void *sec;
	size_t ssz;
	int ret;

	snprintf(in, sizeof(in), "%s/%s", fixdir, name);
	snprintf(out, sizeof(out), "%s/%s.stripped", tmpdir, name);
	snprintf(ls, sizeof(ls), "%s/%s.llvm", tmpdir, name);
	ret = gen_strip(in, out, &before, &after, &err);
	CHECK(ret == 0, "%s: %s", name, err.msg);
	if (ret)
		return;
	CHECK(after < before, "%s: %zu -> %zu", name, before, after);
	if (gen_spawn((char *const[]){ "llvm-strip", "-g", in, "-o", ls, NULL }, -1) == 0 &&
	    stat(ls, &st_ls) == 0)
		CHECK(after <= (size_t)st_ls.st_size, "%s: %zu bytes, llvm-strip -g gives %lld",
		      name, after, (long long)st_ls.st_size);
	else
		SKIP("llvm-strip not available");

	gen_read_file(in, &d1, &n1, &err);
	gen_read_file(out, &d2, &n2, &err);
	CHECK(d1 && d2, "read back");
	if (!d1 || !d2)
		goto cleanup;
	/* what the loader reads is there, what it never reads is gone */
	CHECK(!gen_find_section(d2, n2, ".BTF", &sec, &ssz, NULL) && sec, "%s: .BTF kept", name);
	CHECK(!gen_find_section(d2, n2, ".maps", &sec, &ssz, NULL) &&
	      (!gen_find_section(d1, n1, ".maps", &sec, &ssz, NULL) && sec ? 1 : 1),
	      "%s: .maps", name);
	CHECK(!gen_find_section(d2, n2, "license", &sec, &ssz, NULL) && sec, "%s: license", name);
	CHECK(!gen_find_section(d2, n2, ".debug_info", &sec, &ssz, NULL) && !sec,
	      "%s: .debug_info dropped", name);
	CHECK(!gen_find_section(d2, n2, ".llvm_addrsig", &sec, &ssz, NULL) && !sec,
	      "%s: .llvm_addrsig dropped", name);
	/* the content hash ignores what strip removes */
	CHECK(!gen_content_hash(d1, n1, hex1, &err) && !gen_content_hash(d2, n2, hex2, &err) &&
	      !strcmp(hex1, hex2), "%s: content hash changed by strip", name);
	CHECK(gen_check_object(d2, n2, &chk, &err) == 0, "%s: check: %s", name, err.msg);
	gen_check_free(&chk);
	/* stripping twice changes nothing */
	ret = gen_strip(out, out, &before, &after, &err);
	CHECK(ret == 0 && before == after, "%s: second strip %zu -> %zu", name, before, after);

	if (geteuid() != 0) {
		SKIP("%s: load needs root", name);
	} else {
		int r1 = load_obj(in, &skipped), r2 = load_obj(out, &skipped);

		if (skipped)
			SKIP("%s: fentry/kprobe programs do not load on this kernel", name);
		else
			CHECK(r1 == 0 && r2 == 0, "%s: load before %d, after %d", name, r1, r2);
	}
cleanup:
	free(d1);
	free(d2);
}

/* Truncations and byte flips: every rewrite either succeeds or fails cleanly. */
static void test_malformed(const char *fixdir, const char *name)
{
	char in[512], out[512];
	struct gen_rewrite rw = { .strip = true };
	struct errmsg err = { 0 };
	unsigned char *d, *m;
	size_t n, i, before = count_dir_entries(tmpdir);
	unsigned int seed = 1;
	int ok = 0, failed = 0;
	char hex[65];

	snprintf(in, sizeof(in), "%s/%s", fixdir, name);
	if (gen_read_file(in, (void **)&d, &n, &err))
		return;
	m = malloc(n);
	snprintf(out, sizeof(out), "%s/mut.o", tmpdir);
	for (i = 0; i < 300; i++) {
		size_t len = n, k;

		memcpy(m, d, n);
		if (i < 60) {
			len = (n * i) / 60;
		} else {
			for (k = 0; k < 1 + i % 8; k++) {
				seed = seed * 1103515245 + 12345;
				m[(seed >> 8) % n] = seed >> 3;
			}
		}
		if (gen_elf_rewrite(m, len, &rw, out, 0644, &err) == 0)
			ok++;
		else
			failed++;
		gen_content_hash(m, len, hex, &err);
		unlink(out);
		/* libbpf opens what our checks let through: the generators must cope too */
		if (i % 3 == 0) {
			struct gen_check chk;
			char *text = NULL, *json = NULL;
			size_t tl = 0;
			FILE *f = open_memstream(&text, &tl);

			gen_skeleton(m, len, "fuzz", f, &err);
			fclose(f);
			free(text);
			if (!gen_manifest(m, len, NULL, &json, &err))
				free(json);
			if (!gen_check_object(m, len, &chk, &err))
				gen_check_free(&chk);
		}
	}
	CHECK(failed > 0, "%s: no mutation was rejected", name);
	CHECK(count_dir_entries(tmpdir) == before, "%s: temp files left behind", name);
	free(m);
	free(d);
}

/* A relocation section that targets itself (a loop for anyone following sh_info). */
static void test_relocation_loop(const char *fixdir, const char *name)
{
	struct gen_rewrite rw = { .strip = true };
	struct errmsg err = { 0 };
	char in[512], out[512], hex[65];
	unsigned char *d;
	Elf64_Ehdr *eh;
	size_t n, i;
	int patched = 0;

	snprintf(in, sizeof(in), "%s/%s", fixdir, name);
	snprintf(out, sizeof(out), "%s/loop.o", tmpdir);
	if (gen_read_file(in, (void **)&d, &n, &err))
		return;
	eh = (Elf64_Ehdr *)d;
	for (i = 1; n >= sizeof(*eh) && i < eh->e_shnum; i++) {
		Elf64_Shdr *sh = (Elf64_Shdr *)(d + eh->e_shoff + i * eh->e_shentsize);

		if ((unsigned char *)(sh + 1) > d + n)
			break;
		if (sh->sh_type == SHT_REL) {
			sh->sh_info = i;
			patched++;
		}
	}
	if (patched) {
		CHECK(gen_elf_rewrite(d, n, &rw, out, 0644, &err) == -EINVAL,
		      "%s: relocation loop accepted by strip", name);
		CHECK(access(out, F_OK) != 0, "%s: output written", name);
		gen_content_hash(d, n, hex, &err);	/* must return, whatever it says */
		CHECK(1, "hash returned");
	}
	free(d);
}

static void test_not_bpf(void)
{
	char out[512];
	struct errmsg err = { 0 };
	size_t b, a;

	snprintf(out, sizeof(out), "%s/never.o", tmpdir);
	CHECK(gen_strip("/etc/passwd", out, &b, &a, &err) == -EINVAL, "passwd: %d", err.code);
	CHECK(strstr(err.msg, "not an ELF file") != NULL, "message: %s", err.msg);
	CHECK(access(out, F_OK) != 0, "output written for a bad input");
	CHECK(gen_strip("/proc/self/exe", out, &b, &a, &err) == -EINVAL, "exe: %d", err.code);
	CHECK(strstr(err.msg, "not a BPF object") != NULL, "message: %s", err.msg);
	CHECK(access(out, F_OK) != 0, "output written for a non-BPF ELF");
}

static void test_package(const char *fixdir, const char *name)
{
	struct gen_package_opts o = { .version = "test" };
	char in[512], out[512], s[512];
	struct errmsg err = { 0 };
	struct gen_verify v;
	size_t b, a;
	int ret;

	snprintf(in, sizeof(in), "%s/%s", fixdir, name);
	snprintf(out, sizeof(out), "%s/%s.pkg", tmpdir, name);
	snprintf(s, sizeof(s), "%s/%s.pkg.stripped", tmpdir, name);
	ret = gen_package(in, out, &o, &err);
	CHECK(ret == 0, "%s: package: %s", name, err.msg);
	if (ret)
		return;
	ret = gen_package_verify(out, &v, &err);
	CHECK(ret == 0 && v.hash_ok && v.manifest_ok, "%s: verify: %s %s", name, err.msg,
	      v.problem);
	free(v.manifest);
	ret = gen_strip(out, s, &b, &a, &err);
	CHECK(ret == 0, "%s: strip package: %s", name, err.msg);
	ret = gen_package_verify(s, &v, &err);
	CHECK(ret == 0 && v.hash_ok && v.manifest_ok && v.manifest,
	      "%s: verify after strip: %s %s", name, err.msg, v.problem);
	free(v.manifest);
	ret = gen_package_verify(in, &v, &err);
	CHECK(ret == -ENOENT, "%s: a plain object verified as a package", name);
}

int main(int argc, char **argv)
{
	const char *fixdir = argc > 1 ? argv[1] : "build/fixtures";
	struct dirent *de;
	DIR *d;
	char cmd[64];

	libbpf_set_print(quiet);
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	setenv("BPFKIT_CACHE_DIR", tmpdir, 1);
	test_sha256();
	test_vmlinux();
	test_not_bpf();
	d = opendir(fixdir);
	CHECK(d != NULL, "no fixtures in %s", fixdir);
	while (d && (de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n < 6 || strcmp(de->d_name + n - 6, ".bpf.o"))
			continue;
		test_strip_fixture(fixdir, de->d_name);
		test_malformed(fixdir, de->d_name);
		test_relocation_loop(fixdir, de->d_name);
		test_package(fixdir, de->d_name);
	}
	if (d)
		closedir(d);
	snprintf(cmd, sizeof(cmd), "%s", tmpdir);
	gen_spawn((char *const[]){ "rm", "-rf", cmd, NULL }, -1);
	UNIT_DONE();
}
