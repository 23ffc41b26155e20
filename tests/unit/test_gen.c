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
#include "object.h"
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

static struct bk_object *open_obj(const char *path)
{
	struct errmsg err = { 0 };
	struct bk_object *o = NULL;

	if (bk_object_open(path, &o, &err))
		fprintf(stderr, "    open %s: %s\n", path, err.msg);
	return o;
}

static bool has_section(const struct bk_object *o, const char *name)
{
	const struct bk_section *s = bk_elf_section(o->elf, name);

	return s && (s->data || s->type == SHT_NOBITS);
}

static void test_strip_fixture(const char *fixdir, const char *name)
{
	char in[512], out[512], ls[512], hex1[65], hex2[65];
	struct bk_object *o1 = NULL, *o2 = NULL;
	struct errmsg err = { 0 };
	size_t after, after2;
	struct stat st_ls;
	struct gen_check chk;
	bool skipped;
	int ret;

	snprintf(in, sizeof(in), "%s/%s", fixdir, name);
	snprintf(out, sizeof(out), "%s/%s.stripped", tmpdir, name);
	snprintf(ls, sizeof(ls), "%s/%s.llvm", tmpdir, name);
	o1 = open_obj(in);
	CHECK(o1, "%s: open", name);
	if (!o1)
		return;
	ret = gen_strip(o1, out, &after, &err);
	CHECK(ret == 0, "%s: %s", name, err.msg);
	o2 = ret ? NULL : open_obj(out);
	CHECK(o2, "%s: stripped object reopens", name);
	if (!o2)
		goto cleanup;
	CHECK(after < bk_object_size(o1), "%s: %zu -> %zu", name, bk_object_size(o1), after);
	if (gen_spawn((char *const[]){ "llvm-strip", "-g", in, "-o", ls, NULL }, -1) == 0 &&
	    stat(ls, &st_ls) == 0)
		CHECK(after <= (size_t)st_ls.st_size, "%s: %zu bytes, llvm-strip -g gives %lld",
		      name, after, (long long)st_ls.st_size);
	else
		SKIP("llvm-strip not available");

	/* what the loader reads is there, what it never reads is gone */
	CHECK(has_section(o2, ".BTF"), "%s: .BTF kept", name);
	CHECK(has_section(o2, ".maps") == has_section(o1, ".maps"), "%s: .maps", name);
	CHECK(has_section(o2, "license"), "%s: license", name);
	CHECK(has_section(o1, ".debug_info") && !has_section(o2, ".debug_info"),
	      "%s: .debug_info dropped", name);
	CHECK(!has_section(o2, ".llvm_addrsig"), "%s: .llvm_addrsig dropped", name);
	/* the content hash ignores what strip removes */
	CHECK(!gen_content_hash(o1, hex1, &err) && !gen_content_hash(o2, hex2, &err) &&
	      !strcmp(hex1, hex2), "%s: content hash changed by strip", name);
	CHECK(gen_check_object(o2, &chk, &err) == 0, "%s: check: %s", name, err.msg);
	gen_check_free(&chk);
	/* stripping twice changes nothing */
	ret = gen_strip(o2, out, &after2, &err);
	CHECK(ret == 0 && after2 == after, "%s: second strip %zu -> %zu", name, after, after2);

	if (geteuid() != 0) {
		SKIP("%s: load needs root", name);
	} else {
		int r1 = load_obj(in, &skipped), r2 = load_obj(out, &skipped);

		/* its maps declare record types: only trace run, which makes them, loads it */
		bool trace_run_only = !strcmp(name, "trace_declared.bpf.o");

		if (skipped)
			SKIP("%s: fentry/kprobe programs do not load on this kernel", name);
		else if (trace_run_only)
			CHECK(r1 == r2 && r1 == -EINVAL, "%s: load before %d, after %d", name, r1, r2);
		else
			CHECK(r1 == 0 && r2 == 0, "%s: load before %d, after %d", name, r1, r2);
	}
cleanup:
	bk_object_close(o1);
	bk_object_close(o2);
}

/* Truncations and byte flips: the gate refuses what it must; what it lets through, every
 * writer and generator handles. */
static void test_malformed(const char *fixdir, const char *name)
{
	char in[512], out[512];
	struct gen_rewrite rw = { .strip = true };
	struct errmsg err = { 0 };
	unsigned char *d, *m;
	size_t n, i, before = count_dir_entries(tmpdir);
	unsigned int seed = 1;
	int refused = 0;
	char hex[65];

	snprintf(in, sizeof(in), "%s/%s", fixdir, name);
	if (gen_read_file(in, (void **)&d, &n, &err))
		return;
	m = malloc(n);
	snprintf(out, sizeof(out), "%s/mut.o", tmpdir);
	for (i = 0; i < 300; i++) {
		struct bk_object *o = NULL;
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
		if (bk_object_open_mem(m, len, "mut.o", &o, &err)) {
			refused++;
			continue;
		}
		if (gen_elf_rewrite(o, &rw, out, 0644, &err) == 0)
			unlink(out);
		gen_content_hash(o, hex, &err);
		/* libbpf opens what our checks let through: the generators must cope too */
		if (i % 3 == 0) {
			struct gen_check chk;
			char *text = NULL, *json = NULL;
			size_t tl = 0;
			FILE *f = open_memstream(&text, &tl);

			gen_skeleton(o, "fuzz", f, &err);
			fclose(f);
			free(text);
			if (!gen_manifest(o, NULL, &json, &err))
				free(json);
			if (!gen_check_object(o, &chk, &err))
				gen_check_free(&chk);
		}
		bk_object_close(o);
	}
	CHECK(refused > 0, "%s: no mutation was refused by the gate", name);
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
	struct bk_object *o = NULL;
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
	if (patched && bk_object_open_mem(d, n, "loop.o", &o, &err) == 0) {
		CHECK(gen_elf_rewrite(o, &rw, out, 0644, &err) == -EINVAL,
		      "%s: relocation loop accepted by strip", name);
		CHECK(access(out, F_OK) != 0, "%s: output written", name);
		CHECK(gen_content_hash(o, hex, &err) == 0 || err.msg[0],
		      "%s: hash failed without a message", name);
		bk_object_close(o);
	} else if (patched) {
		CHECK(strstr(err.msg, "loop.o") != NULL, "%s: refused without naming it: %s", name,
		      err.msg);
	}
	free(d);
}

static void test_not_bpf(void)
{
	struct errmsg err = { 0 };
	struct bk_object *o = NULL;

	CHECK(bk_object_open("/etc/passwd", &o, &err) == -ENOEXEC && !o, "passwd: %d", err.code);
	CHECK(strstr(err.msg, "not an ELF file") != NULL, "message: %s", err.msg);
	CHECK(bk_object_open("/proc/self/exe", &o, &err) == -ENOEXEC && !o, "exe: %d", err.code);
	CHECK(strstr(err.msg, "not a BPF object") != NULL, "message: %s", err.msg);
}

static void test_package(const char *fixdir, const char *name)
{
	struct gen_package_opts o = { .version = "test" };
	struct bk_object *src, *pkg = NULL, *stripped = NULL;
	char in[512], out[512], s[512];
	struct errmsg err = { 0 };
	struct gen_verify v;
	size_t a;
	int ret;

	snprintf(in, sizeof(in), "%s/%s", fixdir, name);
	snprintf(out, sizeof(out), "%s/%s.pkg", tmpdir, name);
	snprintf(s, sizeof(s), "%s/%s.pkg.stripped", tmpdir, name);
	src = open_obj(in);
	CHECK(src, "%s: open", name);
	if (!src)
		return;
	ret = gen_package(src, out, &o, &err);
	CHECK(ret == 0, "%s: package: %s", name, err.msg);
	pkg = ret ? NULL : open_obj(out);
	if (!pkg)
		goto cleanup;
	ret = gen_package_verify(pkg, &v, &err);
	CHECK(ret == 0 && v.hash_ok && v.manifest_ok, "%s: verify: %s %s", name, err.msg,
	      v.problem);
	free(v.manifest);
	ret = gen_strip(pkg, s, &a, &err);
	CHECK(ret == 0, "%s: strip package: %s", name, err.msg);
	stripped = ret ? NULL : open_obj(s);
	ret = stripped ? gen_package_verify(stripped, &v, &err) : -1;
	CHECK(ret == 0 && v.hash_ok && v.manifest_ok && v.manifest,
	      "%s: verify after strip: %s %s", name, err.msg, v.problem);
	if (!ret)
		free(v.manifest);
	ret = gen_package_verify(src, &v, &err);
	CHECK(ret == -ENOENT, "%s: a plain object verified as a package", name);
cleanup:
	bk_object_close(src);
	bk_object_close(pkg);
	bk_object_close(stripped);
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
