/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bpfkit package: one file to ship. The object stays a normal BPF ELF (libbpf and bpftool
 * skip unknown non-alloc sections) with one more section, .bpfkit.manifest (SHT_PROGBITS,
 * no SHF_ALLOC), holding JSON: programs with default attach targets, maps, settable
 * globals with their C types, required kernel features, build information, and the
 * SHA-256 of the loadable content (gen_content_hash(), below). Optionally
 * an OCI image layout with bpfman's labels, so bpfman can deploy the same artifact.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <cjson/cJSON.h>
#include <zlib.h>

#include "gen.h"
#include "object.h"
#include "objrefs.h"

#define MANIFEST_FORMAT "bpfkit-package/1"

/* Default attach target of a program from its SEC() name: kind + target ("" if none). */
static void attach_default(const char *sec, char *kind, size_t ksize, const char **target)
{
	static const struct {
		const char *pfx, *kind;
	} map[] = {
		{ "tracepoint/", "tracepoint" }, { "tp/", "tracepoint" },
		{ "raw_tracepoint/", "raw_tracepoint" }, { "raw_tp/", "raw_tracepoint" },
		{ "tp_btf/", "tp_btf" }, { "kprobe/", "kprobe" }, { "kretprobe/", "kretprobe" },
		{ "uprobe/", "uprobe" }, { "uretprobe/", "uretprobe" }, { "fentry/", "fentry" },
		{ "fexit/", "fexit" }, { "fmod_ret/", "fmod_ret" }, { "lsm/", "lsm" },
		{ "iter/", "iter" }, { "usdt/", "usdt" },
	};
	size_t i, n;

	if (*sec == '?')
		sec++;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		n = strlen(map[i].pfx);
		if (!strncmp(sec, map[i].pfx, n)) {
			snprintf(kind, ksize, "%s", map[i].kind);
			*target = sec + n;
			return;
		}
	}
	/* xdp, tc, socket, cgroup...: the target (interface, cgroup) is the deployer's */
	snprintf(kind, ksize, "%.*s", (int)strcspn(sec, "/"), sec);
	*target = "";
}

/* The settable globals, spelled and placed as inspect --globals shows them. */
static int add_globals(cJSON *list, const struct bk_object *obj)
{
	struct bk_global *g;
	size_t n;

	if (bk_globals(obj->elf, bk_object_btf(obj), &g, &n, NULL))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		cJSON *j;

		if (g[i].local || !strcmp(g[i].section, ".kconfig"))
			continue;
		j = cJSON_CreateObject();
		if (!j) {
			bk_globals_free(g, n);
			return -ENOMEM;
		}
		cJSON_AddItemToArray(list, j);
		cJSON_AddStringToObject(j, "name", g[i].name);
		cJSON_AddStringToObject(j, "section", g[i].section);
		cJSON_AddStringToObject(j, "type", g[i].type ? g[i].type : "");
		cJSON_AddNumberToObject(j, "offset", g[i].offset);
		cJSON_AddNumberToObject(j, "bytes", g[i].size);
		/* .rodata is frozen at load: set it before; .data/.bss stay writable */
		cJSON_AddBoolToObject(j, "read_only", !strncmp(g[i].section, ".rodata", 7));
	}
	bk_globals_free(g, n);
	return 0;
}

/* CO-RE relocations need the target kernel's BTF. */
static bool has_core_relocs(const struct bk_object *obj)
{
	return obj->code.ext && obj->code.ext->nr_relos;
}

/* A section's bytes as a string (NUL or end of section), "" when absent. */
static void section_str(const struct bk_object *obj, const char *name, char *buf, size_t len)
{
	const struct bk_section *s = bk_elf_section(obj->elf, name);
	const char *c = s ? s->data : NULL;
	size_t k = 0;

	buf[0] = '\0';
	if (!c)
		return;
	while (k < s->size && !c[k])	/* .comment starts with a NUL */
		k++;
	snprintf(buf, len, "%.*s", (int)strnlen(c + k, s->size - k), c + k);
}

/* Internal maps are named "<object>.rodata" after an object name that depends on how the
 * file was opened: record the section name (".rodata") instead. */
static const char *map_name(const struct bpf_map *map)
{
	static const char *const sfx[] = { ".rodata", ".data", ".bss", ".kconfig" };
	const char *name = bpf_map__name(map), *p;
	size_t i;

	if (!bpf_map__is_internal(map))
		return name;
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++)
		if ((p = strstr(name, sfx[i])))
			return p;
	return name;
}

static const char *attach_override(const struct gen_package_opts *o, const char *prog)
{
	int i;

	for (i = 0; o && i < o->n_attach; i++)
		if (!strcmp(o->attach[i].prog, prog))
			return o->attach[i].target;
	return NULL;
}

static void add_unique(cJSON *list, const char *s)
{
	cJSON *it;

	cJSON_ArrayForEach(it, list)
		if (cJSON_IsString(it) && !strcmp(it->valuestring, s))
			return;
	cJSON_AddItemToArray(list, cJSON_CreateString(s));
}

/* The manifest of an object as a cJSON tree (no hash yet). */
static int build_manifest(struct bk_object *bko, const struct gen_package_opts *o,
			  cJSON **out, struct errmsg *err)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map;
	cJSON *m, *progs, *maps, *globals, *feats, *build;
	char buf[128];
	int i, found;

	*out = NULL;
	if (bk_object_bpf(bko, &obj, err))
		return err->code;
	m = cJSON_CreateObject();
	if (!m)
		return errmsg_set(err, -ENOMEM, "out of memory");
	cJSON_AddStringToObject(m, "format", MANIFEST_FORMAT);
	cJSON_AddStringToObject(m, "sha256", "");
	section_str(bko, "license", buf, sizeof(buf));
	cJSON_AddStringToObject(m, "license", buf);

	progs = cJSON_AddArrayToObject(m, "programs");
	maps = cJSON_AddArrayToObject(m, "maps");
	globals = cJSON_AddArrayToObject(m, "globals");
	feats = cJSON_AddArrayToObject(m, "kernel_features");
	bpf_object__for_each_program(prog, obj) {
		const char *secname = bpf_program__section_name(prog), *target, *ov;
		const char *pt = libbpf_bpf_prog_type_str(bpf_program__type(prog));
		cJSON *p = cJSON_CreateObject();
		char kind[64];

		cJSON_AddItemToArray(progs, p);
		cJSON_AddStringToObject(p, "name", bpf_program__name(prog));
		cJSON_AddStringToObject(p, "section", secname);
		cJSON_AddStringToObject(p, "type", pt ? pt : "unknown");
		attach_default(secname, kind, sizeof(kind), &target);
		ov = attach_override(o, bpf_program__name(prog));
		cJSON_AddStringToObject(p, "attach", kind);
		cJSON_AddStringToObject(p, "target", ov ? ov : target);
		snprintf(buf, sizeof(buf), "prog_type:%s", pt ? pt : "unknown");
		add_unique(feats, buf);
	}
	for (i = 0; o && i < o->n_attach; i++) {
		found = 0;
		bpf_object__for_each_program(prog, obj)
			found |= !strcmp(bpf_program__name(prog), o->attach[i].prog);
		if (!found) {
			cJSON_Delete(m);
			return errmsg_set(err, -ENOENT, "--attach: no program named '%s'",
					  o->attach[i].prog);
		}
	}
	bpf_object__for_each_map(map, obj) {
		const char *mt = libbpf_bpf_map_type_str(bpf_map__type(map));
		cJSON *j = cJSON_CreateObject();

		cJSON_AddItemToArray(maps, j);
		cJSON_AddStringToObject(j, "name", map_name(map));
		cJSON_AddStringToObject(j, "type", mt ? mt : "unknown");
		cJSON_AddNumberToObject(j, "key_size", bpf_map__key_size(map));
		cJSON_AddNumberToObject(j, "value_size", bpf_map__value_size(map));
		cJSON_AddNumberToObject(j, "max_entries", bpf_map__max_entries(map));
		cJSON_AddBoolToObject(j, "internal", bpf_map__is_internal(map));
		snprintf(buf, sizeof(buf), "map_type:%s", mt ? mt : "unknown");
		add_unique(feats, buf);
	}
	if (add_globals(globals, bko)) {
		cJSON_Delete(m);
		return errmsg_set(err, -ENOMEM, "out of memory");
	}
	if (has_core_relocs(bko))
		add_unique(feats, "kernel_btf");

	build = cJSON_AddObjectToObject(m, "build");
	cJSON_AddStringToObject(build, "tool", "bpfkit");
	cJSON_AddStringToObject(build, "version", o && o->version ? o->version : "");
	cJSON_AddStringToObject(build, "source", o && o->source ? o->source : "");
	section_str(bko, ".comment", buf, sizeof(buf));
	cJSON_AddStringToObject(build, "compiler", buf);
	/* reproducible by default: a date only when SOURCE_DATE_EPOCH asks for one */
	if (getenv("SOURCE_DATE_EPOCH")) {
		time_t t = strtoll(getenv("SOURCE_DATE_EPOCH"), NULL, 10);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
		cJSON_AddStringToObject(build, "date", buf);
	}
	*out = m;
	return 0;
}

int gen_manifest(struct bk_object *obj, const struct gen_package_opts *o, char **json,
		 struct errmsg *err)
{
	char hex[65];
	cJSON *m;
	int ret;

	*json = NULL;
	ret = gen_content_hash(obj, hex, err);
	if (ret)
		return ret;
	ret = build_manifest(obj, o, &m, err);
	if (ret)
		return ret;
	cJSON_ReplaceItemInObject(m, "sha256", cJSON_CreateString(hex));
	*json = cJSON_PrintUnformatted(m);
	cJSON_Delete(m);
	if (!*json)
		return errmsg_set(err, -ENOMEM, "out of memory");
	return 0;
}

int gen_manifest_read(const struct bk_object *obj, char **json, struct errmsg *err)
{
	const struct bk_section *sec = bk_elf_section(obj->elf, GEN_MANIFEST_SEC);

	*json = NULL;
	if (!sec || !sec->data)
		return 0;
	*json = strndup(sec->data, sec->size);
	return *json ? 0 : errmsg_set(err, -ENOMEM, "out of memory");
}

/* bpfman labels: {"prog": "type"} and {"map": "type"} as JSON strings. */
static char *bpfman_label(const cJSON *list, const char *key)
{
	cJSON *o = cJSON_CreateObject(), *it;
	char *s;

	cJSON_ArrayForEach(it, list) {
		const cJSON *n = cJSON_GetObjectItem(it, "name"), *t = cJSON_GetObjectItem(it, key);
		const cJSON *internal = cJSON_GetObjectItem(it, "internal");

		if (cJSON_IsTrue(internal) || !cJSON_IsString(n) || !cJSON_IsString(t))
			continue;
		cJSON_AddStringToObject(o, n->valuestring, t->valuestring);
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static int write_blob(const char *dir, const void *data, size_t size, char digest[72],
		      struct errmsg *err)
{
	char path[PATH_MAX + 100], hex[65];
	uint8_t d[32];

	sha256_buf(data, size, d);
	sha256_hex(d, hex);
	snprintf(digest, 72, "sha256:%s", hex);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, hex);
	return gen_write_atomic(path, data, size, 0644, err);
}

/* A ustar archive holding one regular file. */
static unsigned char *make_tar(const char *name, const void *data, size_t size, size_t *len)
{
	size_t total = 512 + (size + 511) / 512 * 512 + 1024, i;
	unsigned char *t = calloc(1, total);
	unsigned int sum = 0;

	if (!t)
		return NULL;
	snprintf((char *)t, 100, "%s", name);
	snprintf((char *)t + 100, 8, "%07o", 0644);
	snprintf((char *)t + 108, 8, "%07o", 0);
	snprintf((char *)t + 116, 8, "%07o", 0);
	snprintf((char *)t + 124, 12, "%011llo", (unsigned long long)size);
	snprintf((char *)t + 136, 12, "%011o", 0);
	t[156] = '0';
	memcpy(t + 257, "ustar", 6);
	memcpy(t + 263, "00", 2);
	memset(t + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += t[i];
	snprintf((char *)t + 148, 8, "%06o", sum);
	t[155] = ' ';
	memcpy(t + 512, data, size);
	*len = total;
	return t;
}

static unsigned char *gzip(const void *data, size_t size, size_t *len)
{
	z_stream zs = { 0 };
	size_t cap = compressBound(size) + 64;
	unsigned char *out = malloc(cap);

	if (!out)
		return NULL;
	/* windowBits 15 + 16: a gzip wrapper with mtime 0, so the digest is reproducible */
	if (deflateInit2(&zs, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(out);
		return NULL;
	}
	zs.next_in = (void *)data;
	zs.avail_in = size;
	zs.next_out = out;
	zs.avail_out = cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&zs);
		free(out);
		return NULL;
	}
	*len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

/* OCI/Go architecture names; BPF bytecode is not tied to one, but loaders filter on it. */
static const char *oci_arch(void)
{
	static const char *const map[][2] = {
		{ "x86_64", "amd64" }, { "aarch64", "arm64" }, { "s390x", "s390x" },
		{ "ppc64le", "ppc64le" }, { "riscv64", "riscv64" }, { "armv7l", "arm" },
	};
	struct utsname u;
	size_t i;

	if (uname(&u) == 0)
		for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (!strcmp(u.machine, map[i][0]))
				return map[i][1];
	return "amd64";
}

static cJSON *descriptor(const char *media, const char *digest, size_t size)
{
	cJSON *d = cJSON_CreateObject();

	cJSON_AddStringToObject(d, "mediaType", media);
	cJSON_AddStringToObject(d, "digest", digest);
	cJSON_AddNumberToObject(d, "size", size);
	return d;
}

int gen_oci_write(const char *dir, const void *obj, size_t obj_size, const char *name,
		  const char *manifest_json, struct errmsg *err)
{
	char layer_digest[72], diff_id[72], cfg_digest[72], man_digest[72], path[PATH_MAX + 32];
	unsigned char *tar = NULL, *gz = NULL;
	char *progs_label = NULL, *maps_label = NULL, *cfg_s = NULL, *man_s = NULL, *idx_s = NULL;
	cJSON *mf = NULL, *cfg = NULL, *man = NULL, *idx = NULL, *x, *y;
	size_t tar_len, gz_len;
	uint8_t d[32];
	char hex[65];
	int ret;

	mf = cJSON_Parse(manifest_json);
	if (!mf)
		return errmsg_set(err, -EINVAL, "bad manifest");
	snprintf(path, sizeof(path), "%s/blobs/sha256", dir);
	ret = gen_mkdir_p(path, err);
	if (ret)
		goto cleanup;
	tar = make_tar(name, obj, obj_size, &tar_len);
	gz = tar ? gzip(tar, tar_len, &gz_len) : NULL;
	if (!gz) {
		ret = errmsg_set(err, -ENOMEM, "out of memory");
		goto cleanup;
	}
	sha256_buf(tar, tar_len, d);
	sha256_hex(d, hex);
	snprintf(diff_id, sizeof(diff_id), "sha256:%s", hex);
	ret = write_blob(dir, gz, gz_len, layer_digest, err);
	if (ret)
		goto cleanup;

	progs_label = bpfman_label(cJSON_GetObjectItem(mf, "programs"), "attach");
	maps_label = bpfman_label(cJSON_GetObjectItem(mf, "maps"), "type");
	cfg = cJSON_CreateObject();
	cJSON_AddStringToObject(cfg, "architecture", oci_arch());
	cJSON_AddStringToObject(cfg, "os", "linux");
	x = cJSON_AddObjectToObject(cfg, "config");
	y = cJSON_AddObjectToObject(x, "Labels");
	cJSON_AddStringToObject(y, "io.ebpf.programs", progs_label ? progs_label : "{}");
	cJSON_AddStringToObject(y, "io.ebpf.maps", maps_label ? maps_label : "{}");
	cJSON_AddStringToObject(y, "io.bpfkit.manifest", manifest_json);
	x = cJSON_AddObjectToObject(cfg, "rootfs");
	cJSON_AddStringToObject(x, "type", "layers");
	y = cJSON_AddArrayToObject(x, "diff_ids");
	cJSON_AddItemToArray(y, cJSON_CreateString(diff_id));
	cfg_s = cJSON_PrintUnformatted(cfg);
	if (!cfg_s || (ret = write_blob(dir, cfg_s, strlen(cfg_s), cfg_digest, err)))
		goto fail_mem;

	man = cJSON_CreateObject();
	cJSON_AddNumberToObject(man, "schemaVersion", 2);
	cJSON_AddStringToObject(man, "mediaType", "application/vnd.oci.image.manifest.v1+json");
	cJSON_AddItemToObject(man, "config", descriptor("application/vnd.oci.image.config.v1+json",
							 cfg_digest, strlen(cfg_s)));
	x = cJSON_AddArrayToObject(man, "layers");
	cJSON_AddItemToArray(x, descriptor("application/vnd.oci.image.layer.v1.tar+gzip",
					   layer_digest, gz_len));
	man_s = cJSON_PrintUnformatted(man);
	if (!man_s || (ret = write_blob(dir, man_s, strlen(man_s), man_digest, err)))
		goto fail_mem;

	idx = cJSON_CreateObject();
	cJSON_AddNumberToObject(idx, "schemaVersion", 2);
	cJSON_AddStringToObject(idx, "mediaType", "application/vnd.oci.image.index.v1+json");
	x = cJSON_AddArrayToObject(idx, "manifests");
	y = descriptor("application/vnd.oci.image.manifest.v1+json", man_digest, strlen(man_s));
	cJSON_AddItemToArray(x, y);
	x = cJSON_AddObjectToObject(y, "annotations");
	cJSON_AddStringToObject(x, "org.opencontainers.image.ref.name", "latest");
	idx_s = cJSON_Print(idx);
	if (!idx_s)
		goto fail_mem;
	snprintf(path, sizeof(path), "%s/oci-layout", dir);
	ret = gen_write_atomic(path, "{\"imageLayoutVersion\":\"1.0.0\"}", 30, 0644, err);
	if (ret)
		goto cleanup;
	/* the index last: until it exists the layout refers to nothing half-written */
	snprintf(path, sizeof(path), "%s/index.json", dir);
	ret = gen_write_atomic(path, idx_s, strlen(idx_s), 0644, err);
	goto cleanup;
fail_mem:
	if (!ret)
		ret = errmsg_set(err, -ENOMEM, "out of memory");
cleanup:
	free(tar);
	free(gz);
	free(progs_label);
	free(maps_label);
	free(cfg_s);
	free(man_s);
	free(idx_s);
	cJSON_Delete(mf);
	cJSON_Delete(cfg);
	cJSON_Delete(man);
	cJSON_Delete(idx);
	return ret;
}

int gen_package(struct bk_object *in, const char *out, const struct gen_package_opts *o,
		struct errmsg *err)
{
	struct gen_rewrite rw = { .drop_manifest = true, .add_name = GEN_MANIFEST_SEC };
	void *res = NULL;
	char *json = NULL, why[sizeof(err->msg)];
	const char *base;
	size_t rsize;
	int ret;

	ret = gen_manifest(in, o, &json, err);
	if (ret)
		goto fail;
	rw.add_data = json;
	rw.add_size = strlen(json);
	ret = gen_elf_rewrite(in, &rw, out, 0644, err);
	if (ret)
		goto fail;
	if (o && o->oci_dir) {
		ret = gen_read_file(out, &res, &rsize, err);
		base = strrchr(out, '/');
		if (!ret)
			ret = gen_oci_write(o->oci_dir, res, rsize, base ? base + 1 : out, json, err);
		free(res);
		if (ret)
			goto fail;
	}
	free(json);
	return 0;
fail:
	snprintf(why, sizeof(why), "%s", err->msg);
	if (strncmp(why, in->name, strlen(in->name)))
		errmsg_set(err, ret, "%s: %s", in->name, why);
	free(json);
	return ret;
}

/* Programs and maps of the manifest vs. the object: same names, sections and types. */
static bool same_list(const cJSON *want, const cJSON *got, const char *const *keys,
		      const char *what, char *problem, size_t psize)
{
	const cJSON *w = want ? want->child : NULL, *g = got ? got->child : NULL;
	int k;

	for (; w && g; w = w->next, g = g->next) {
		for (k = 0; keys[k]; k++) {
			const cJSON *a = cJSON_GetObjectItem(w, keys[k]);
			const cJSON *b = cJSON_GetObjectItem(g, keys[k]);

			if (!cJSON_Compare(a, b, true)) {
				const cJSON *n = cJSON_GetObjectItem(g, "name");

				snprintf(problem, psize, "%s '%s': %s differs from the object", what,
					 cJSON_IsString(n) ? n->valuestring : "?", keys[k]);
				return false;
			}
		}
	}
	if (w || g) {
		snprintf(problem, psize, "the manifest lists %s %s than the object", what,
			 w ? "more" : "fewer");
		return false;
	}
	return true;
}

int gen_package_verify(struct bk_object *obj, struct gen_verify *v, struct errmsg *err)
{
	static const char *const prog_keys[] = { "name", "section", "type", NULL };
	static const char *const map_keys[] = { "name", "type", "key_size", "value_size",
						"max_entries", NULL };
	const char *path = obj->name;
	cJSON *m = NULL, *fresh = NULL, *h;
	int ret;

	memset(v, 0, sizeof(*v));
	ret = gen_manifest_read(obj, &v->manifest, err);
	if (!ret && !v->manifest)
		ret = errmsg_set(err, -ENOENT, "%s: no %s section: not a bpfkit package", path,
				 GEN_MANIFEST_SEC);
	if (!ret)
		ret = gen_content_hash(obj, v->sha256, err);
	if (ret)
		goto cleanup;
	m = cJSON_Parse(v->manifest);
	h = m ? cJSON_GetObjectItem(m, "sha256") : NULL;
	if (!cJSON_IsString(h) || !cJSON_IsString(cJSON_GetObjectItem(m, "format"))) {
		ret = errmsg_set(err, -EINVAL, "%s: the manifest is not valid JSON of format %s",
				 path, MANIFEST_FORMAT);
		goto cleanup;
	}
	snprintf(v->manifest_sha256, sizeof(v->manifest_sha256), "%s", h->valuestring);
	v->hash_ok = !strcmp(v->sha256, v->manifest_sha256);
	ret = build_manifest(obj, NULL, &fresh, err);
	if (ret)
		goto cleanup;
	v->manifest_ok = same_list(cJSON_GetObjectItem(m, "programs"),
				   cJSON_GetObjectItem(fresh, "programs"), prog_keys, "programs",
				   v->problem, sizeof(v->problem)) &&
			 same_list(cJSON_GetObjectItem(m, "maps"), cJSON_GetObjectItem(fresh, "maps"),
				   map_keys, "maps", v->problem, sizeof(v->problem));
cleanup:
	cJSON_Delete(m);
	cJSON_Delete(fresh);
	if (ret) {
		free(v->manifest);
		v->manifest = NULL;
	}
	return ret;
}

/*
 * The package content hash: SHA-256 over the sections libbpf reads, in section order, in a
 * form that does not depend on string-table layout or symbol numbering, so that `strip`
 * (which renumbers and rebuilds string tables) keeps a package verifiable. A persisted
 * format: packages made by earlier versions must keep verifying. Excluded: the manifest
 * itself, string tables (their strings are hashed where used), and what strip removes
 * (gen_sec_is_debug() and relocations of those). For each section: name NUL, sh_type (le32),
 * sh_flags (le64), then
 *   SHT_SYMTAB: per symbol that is not STT_FILE nor in an excluded section: name NUL, st_info,
 *               st_other, name of st_shndx's section NUL (or "#<n>" for special indices),
 *               st_value (le64), st_size (le64)
 *   SHT_REL(A): the target section's name NUL, then per entry: r_offset (le64),
 *               r_type (le32), hashed ordinal of the symbol (le32) [, r_addend (le64)]
 *   anything else: sh_size (le64), then its bytes (none for SHT_NOBITS).
 */
static void put_le(struct sha256 *c, uint64_t v, int bytes)
{
	uint8_t b[8];

	for (int i = 0; i < bytes; i++)
		b[i] = v >> (8 * i);
	sha256_update(c, b, bytes);
}

static void put_str(struct sha256 *c, const char *s)
{
	sha256_update(c, s, strlen(s) + 1);
}

static bool hashed_section(const struct bk_elf *e, size_t i, int depth)
{
	const struct bk_section *s = &e->sections[i];

	if (i == 0 || s->type == SHT_NULL || s->type == SHT_STRTAB ||
	    gen_sec_is_debug(s->name, s->type) || !strcmp(s->name, GEN_MANIFEST_SEC))
		return false;
	/* relocations of relocations in a crafted file: not hashed (strip refuses them) */
	if (s->type == SHT_REL || s->type == SHT_RELA)
		return depth == 0 && hashed_section(e, s->info, 1);
	return true;
}

static void put_secref(struct sha256 *c, const struct bk_elf *e, unsigned int shndx)
{
	char buf[32];

	if (shndx != SHN_UNDEF && shndx < SHN_LORESERVE && shndx < e->nr_sections) {
		put_str(c, e->sections[shndx].name);
	} else {
		snprintf(buf, sizeof(buf), "#%u", shndx);
		put_str(c, buf);
	}
}

static Elf64_Sym sym_at(const struct bk_elf *e, size_t j)
{
	Elf64_Sym sym;

	memcpy(&sym, (const char *)e->sections[e->symtab_index].data + j * sizeof(sym), sizeof(sym));
	return sym;
}

/* Ordinal of each symbol among the hashed ones (-1: not hashed). */
static long *symbol_ordinals(const struct bk_elf *e)
{
	long *ordinal = calloc(e->nr_symbols ? e->nr_symbols : 1, sizeof(*ordinal));
	long next = 0;

	for (size_t j = 0; ordinal && j < e->nr_symbols; j++) {
		const struct bk_symbol *s = &e->symbols[j];

		ordinal[j] = -1;
		/* STT_FILE is debug information: strip drops it, so the hash ignores it */
		if (j && s->type == STT_FILE)
			continue;
		if (j && s->shndx != SHN_UNDEF && s->shndx < SHN_LORESERVE &&
		    !hashed_section(e, s->shndx, 0))
			continue;
		ordinal[j] = next++;
	}
	return ordinal;
}

static void hash_symbols(struct sha256 *c, const struct bk_elf *e, const long *ordinal)
{
	const struct bk_section *strtab = &e->sections[e->sections[e->symtab_index].link];

	for (size_t j = 0; j < e->nr_symbols; j++) {
		Elf64_Sym sym = sym_at(e, j);

		if (ordinal[j] < 0)
			continue;
		/* the raw name (bk_symbol calls section symbols by their section's name) */
		put_str(c, sym.st_name ? (const char *)strtab->data + sym.st_name : "");
		put_le(c, sym.st_info, 1);
		put_le(c, sym.st_other, 1);
		put_secref(c, e, sym.st_shndx);
		put_le(c, sym.st_value, 8);
		put_le(c, sym.st_size, 8);
	}
}

/* -EINVAL for a relocation of a symbol the hash leaves out (strip would refuse it too). */
static int hash_relocs(struct sha256 *c, const struct bk_elf *e, const struct bk_section *s,
		       const long *ordinal)
{
	bool rela = s->type == SHT_RELA;
	size_t esz = rela ? sizeof(Elf64_Rela) : sizeof(Elf64_Rel);

	put_secref(c, e, s->info);
	for (size_t j = 0; s->data && j < s->size / esz; j++) {
		Elf64_Rela r = { 0 };

		memcpy(&r, (const char *)s->data + j * esz, esz);
		if (ordinal[ELF64_R_SYM(r.r_info)] < 0)
			return -EINVAL;
		put_le(c, r.r_offset, 8);
		put_le(c, ELF64_R_TYPE(r.r_info), 4);
		put_le(c, ordinal[ELF64_R_SYM(r.r_info)], 4);	/* the gate checked the index */
		if (rela)
			put_le(c, r.r_addend, 8);
	}
	return 0;
}

int gen_content_hash(const struct bk_object *o, char hex[65], struct errmsg *err)
{
	const struct bk_elf *e = o->elf;
	long *ordinal = symbol_ordinals(e);
	struct sha256 c;
	uint8_t d[32];

	if (!ordinal)
		return errmsg_set(err, -ENOMEM, "out of memory");
	sha256_init(&c);
	for (size_t i = 1; i < e->nr_sections; i++) {
		const struct bk_section *s = &e->sections[i];

		if (!hashed_section(e, i, 0))
			continue;
		put_str(&c, s->name);
		put_le(&c, s->type, 4);
		put_le(&c, s->flags, 8);
		if (s->type == SHT_SYMTAB && i == e->symtab_index) {
			hash_symbols(&c, e, ordinal);
		} else if ((s->type == SHT_REL || s->type == SHT_RELA) &&
			   hash_relocs(&c, e, s, ordinal)) {
			free(ordinal);
			return errmsg_set(err, -EINVAL, "%s: relocation section %s refers to a symbol of a section that is not loaded",
					  o->name, s->name);
		} else if (s->type != SHT_REL && s->type != SHT_RELA) {
			put_le(&c, s->size, 8);
			if (s->data)
				sha256_update(&c, s->data, s->size);
		}
	}
	sha256_final(&c, d);
	sha256_hex(d, hex);
	free(ordinal);
	return 0;
}
