/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Programs in the kernel: selectors, info, instructions and line info, test runs, stats. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "kern_obj.h"

static uint64_t ptr_u64(const void *p)
{
	return (uint64_t)(unsigned long)p;
}

/* ---- selectors ------------------------------------------------------------------------- */

static int parse_id(const char *s, uint32_t *id)
{
	char *end;
	unsigned long v;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > UINT32_MAX)
		return -EINVAL;
	*id = (uint32_t)v;
	return 0;
}

int kern_sel_parse(struct kern_sel *s, int argc, char **argv, bool names_ok, struct errmsg *err)
{
	static const char *const words[] = { "id", "name", "tag", "pinned" };
	const char *what = names_ok ? "ID, id ID, name NAME, tag TAG or pinned PATH" :
				      "ID, id ID or pinned PATH";

	memset(s, 0, sizeof(*s));
	if (argc < 1)
		return errmsg_set(err, -EINVAL, "which one? give %s", what);
	if (!parse_id(argv[0], &s->id)) {
		s->kind = KERN_SEL_ID;
		return 1;
	}
	for (int k = 0; k < 4; k++) {
		if (strcmp(argv[0], words[k]))
			continue;
		if (!names_ok && (k == KERN_SEL_NAME || k == KERN_SEL_TAG))
			break;
		if (argc < 2)
			return errmsg_set(err, -EINVAL, "'%s' needs a value; give %s", words[k], what);
		s->kind = k;
		s->arg = argv[1];
		if (k == KERN_SEL_ID && parse_id(argv[1], &s->id))
			return errmsg_set(err, -EINVAL, "'%s' is not an id (a number from 1)", argv[1]);
		if (k == KERN_SEL_TAG && (strlen(argv[1]) != 16 ||
					  strspn(argv[1], "0123456789abcdefABCDEF") != 16))
			return errmsg_set(err, -EINVAL,
					  "'%s' is not a tag (16 hex digits, as 'prog list' shows)",
					  argv[1]);
		return 2;
	}
	return errmsg_set(err, -EINVAL, "'%s' does not select anything; give %s", argv[0], what);
}

static int explain_get(struct errmsg *err, int code, const char *what, uint32_t id)
{
	if (code == -ENOENT)
		return errmsg_set(err, code, "no %s with id %u; 'bpfkit %s list' shows them", what,
				  id, strcmp(what, "program") ? what : "prog");
	if (code == -EPERM || code == -EACCES)
		return errmsg_set(err, code,
				  "opening a %s by id needs CAP_SYS_ADMIN (or root): run it with sudo",
				  what);
	return errmsg_set(err, code, "%s %u: %s", what, id, strerror(-code));
}

static int open_pinned(const char *path, enum kern_kind want, const char *what, int *fd,
		       struct errmsg *err)
{
	static const char *const kinds[] = { "program", "map", "link", "stats fd" };
	int kind;

	*fd = bpf_obj_get(path);
	if (*fd < 0) {
		int e = -errno;

		struct stat st;

		/* bpffs answers EACCES for a directory too: say that, not "run as root" */
		if (!stat(path, &st) && S_ISDIR(st.st_mode))
			return errmsg_set(err, -EISDIR, "%s is a directory: give the path of a pinned %s (see 'ls %s')",
					  path, kinds[want], path);
		if (e == -EPERM || e == -EACCES)
			return errmsg_set(err, e, "%s: %s: run it as root (or with CAP_BPF)", path,
					  strerror(-e));
		return errmsg_set(err, e, "%s: %s%s", path, strerror(-e),
				  e == -EINVAL ? " (not a pinned BPF object, or not on a bpffs)" : "");
	}
	kind = kern_fd_kind(*fd);
	if (kind != (int)want) {
		close(*fd);
		*fd = -1;
		return errmsg_set(err, -EINVAL, "%s is a pinned %s, not a %s", path,
				  kind >= 0 ? kinds[kind] : "object", what);
	}
	return 0;
}

static int fds_push(int **fds, size_t *n, int fd)
{
	int *p = realloc(*fds, (*n + 1) * sizeof(**fds));

	if (!p)
		return -ENOMEM;
	*fds = p;
	p[(*n)++] = fd;
	return 0;
}

static bool tag_matches(const struct bpf_prog_info *info, const char *hex)
{
	char buf[17];

	for (int i = 0; i < 8; i++)
		snprintf(buf + 2 * i, 3, "%02x", info->tag[i]);
	return !strcasecmp(buf, hex);
}

/* Every program whose name or tag matches. */
static int open_matching(const struct kern_sel *s, int **fds, size_t *n, struct errmsg *err)
{
	uint32_t id = 0;
	int ret;

	while (!(ret = kern_prog_next(id, &id))) {
		struct kern_prog p;
		int fd = bpf_prog_get_fd_by_id(id);
		bool match;

		if (fd < 0) {
			if (errno == ENOENT)
				continue;	/* unloaded meanwhile */
			ret = -errno;
			break;
		}
		if (kern_prog_info(fd, &p, NULL)) {
			close(fd);
			continue;
		}
		match = s->kind == KERN_SEL_TAG ? tag_matches(&p.info, s->arg) :
			!strcmp(p.name, s->arg) || !strcmp(p.info.name, s->arg);
		kern_prog_free(&p);
		if (!match || fds_push(fds, n, fd)) {
			close(fd);
			if (match)
				return errmsg_set(err, -ENOMEM, "out of memory");
		}
	}
	if (ret != -ENOENT)
		return explain_get(err, ret, "program", id);
	if (!*n)
		return errmsg_set(err, -ENOENT, "no program with %s '%s'; 'bpfkit prog list' shows them",
				  s->kind == KERN_SEL_TAG ? "tag" : "name", s->arg);
	return 0;
}

int kern_prog_open(const struct kern_sel *s, int **fds, size_t *n, struct errmsg *err)
{
	int fd, ret;

	*fds = NULL;
	*n = 0;
	switch (s->kind) {
	case KERN_SEL_ID:
		fd = bpf_prog_get_fd_by_id(s->id);
		if (fd < 0)
			return explain_get(err, -errno, "program", s->id);
		break;
	case KERN_SEL_PINNED:
		ret = open_pinned(s->arg, KERN_PROG, "program", &fd, err);
		if (ret)
			return ret;
		break;
	default:
		ret = open_matching(s, fds, n, err);
		if (ret) {
			for (size_t i = 0; i < *n; i++)
				close((*fds)[i]);
			free(*fds);
			*fds = NULL;
			*n = 0;
		}
		return ret;
	}
	if (fds_push(fds, n, fd)) {
		close(fd);
		return errmsg_set(err, -ENOMEM, "out of memory");
	}
	return 0;
}

int kern_link_open(const struct kern_sel *s, int *fd, struct errmsg *err)
{
	if (s->kind == KERN_SEL_PINNED)
		return open_pinned(s->arg, KERN_LINK, "link", fd, err);
	*fd = bpf_link_get_fd_by_id(s->id);
	if (*fd < 0)
		return explain_get(err, -errno, "link", s->id);
	return 0;
}

/* ---- info ------------------------------------------------------------------------------- */

int kern_prog_next(uint32_t id, uint32_t *next)
{
	return bpf_prog_get_next_id(id, next) ? -errno : 0;
}

int kern_prog_fd_by_id(uint32_t id)
{
	int fd = bpf_prog_get_fd_by_id(id);

	return fd < 0 ? -errno : fd;
}

int kern_map_name(uint32_t id, char *buf, size_t len)
{
	struct bpf_map_info info = { 0 };
	__u32 ilen = sizeof(info);
	int fd = bpf_map_get_fd_by_id(id), ret = 0;

	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &ilen))
		ret = -errno;
	else
		snprintf(buf, len, "%s", info.name);
	close(fd);
	return ret;
}

const char *kern_prog_type_str(uint32_t type)
{
	return libbpf_bpf_prog_type_str(type);
}

/* bpftool shows a name cut at 15 characters in full, from the program's BTF. */
static void full_name(int fd, struct kern_prog *p)
{
	struct bpf_func_info finfo = { 0 };
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	const struct btf_type *t;
	struct btf *btf;

	snprintf(p->name, sizeof(p->name), "%s", p->info.name);
	if (strlen(p->info.name) < BPF_OBJ_NAME_LEN - 1 || !p->info.btf_id || !p->info.nr_func_info)
		return;
	info.nr_func_info = 1;
	info.func_info_rec_size = p->info.func_info_rec_size < sizeof(finfo) ?
				  p->info.func_info_rec_size : sizeof(finfo);
	info.func_info = ptr_u64(&finfo);
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return;
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!btf)
		return;
	t = btf__type_by_id(btf, finfo.type_id);
	if (t && btf_is_func(t))
		snprintf(p->name, sizeof(p->name), "%s", btf__name_by_offset(btf, t->name_off));
	btf__free(btf);
}

int kern_prog_info(int fd, struct kern_prog *p, struct errmsg *err)
{
	uint32_t ids[64];	/* most programs use a few maps: one call gets them */
	__u32 len = sizeof(p->info);
	int ret;

	memset(p, 0, sizeof(*p));
	p->info.nr_map_ids = 64;
	p->info.map_ids = ptr_u64(ids);
	ret = bpf_obj_get_info_by_fd(fd, &p->info, &len) ? -errno : 0;
	if (ret == -ENODEV) {
		p->orphaned = true;
		p->info.nr_map_ids = 0;
	} else if (ret) {
		return errmsg_set(err, ret, "cannot read program info: %s", strerror(-ret));
	} else if (p->info.nr_map_ids) {
		uint32_t n = p->info.nr_map_ids;

		p->map_ids = calloc(n, sizeof(*p->map_ids));
		if (!p->map_ids)
			return errmsg_set(err, -ENOMEM, "out of memory");
		if (n <= 64) {
			memcpy(p->map_ids, ids, n * sizeof(*ids));
		} else {
			struct bpf_prog_info again = { 0 };

			again.nr_map_ids = n;
			again.map_ids = ptr_u64(p->map_ids);
			len = sizeof(again);
			if (bpf_obj_get_info_by_fd(fd, &again, &len)) {
				free(p->map_ids);
				p->map_ids = NULL;
				return errmsg_set(err, -errno, "cannot read program map ids: %s",
						  strerror(errno));
			}
			/* a map may have been added between the two calls: keep what fits */
			p->info.nr_map_ids = again.nr_map_ids < n ? again.nr_map_ids : n;
		}
	}
	p->info.map_ids = 0;
	full_name(fd, p);
	return 0;
}

void kern_prog_memlock(int fd, struct kern_prog *p)
{
	p->has_memlock = !kern_fdinfo_u64(fd, "memlock", &p->memlock);
}

void kern_prog_free(struct kern_prog *p)
{
	free(p->map_ids);
	p->map_ids = NULL;
}

int64_t kern_boot_to_epoch(uint64_t boot_ns)
{
	struct timespec real, boot;

	if (clock_gettime(CLOCK_REALTIME, &real) || clock_gettime(CLOCK_BOOTTIME, &boot))
		return (int64_t)(boot_ns / 1000000000);
	return (real.tv_sec - boot.tv_sec) +
	       ((int64_t)real.tv_nsec - boot.tv_nsec + (int64_t)boot_ns) / 1000000000;
}

/* ---- instructions --------------------------------------------------------------------- */

int kern_prog_dump_get(int fd, bool jited, struct kern_prog_dump *d, struct errmsg *err)
{
	struct bpf_prog_info first = { 0 }, *info = &d->info;
	__u32 len = sizeof(first);

	memset(d, 0, sizeof(*d));
	if (bpf_obj_get_info_by_fd(fd, &first, &len))
		return errmsg_set(err, -errno, "cannot read program info: %s", strerror(errno));
	d->len = jited ? first.jited_prog_len : first.xlated_prog_len;
	if (!d->len)
		return errmsg_set(err, -ENODATA, jited ?
				  "no JIT image: the program is interpreted, or the JIT is off (net.core.bpf_jit_enable)" :
				  "the kernel gives no instructions for this program (kernel.kptr_restrict?)");
	d->insns = calloc(1, d->len);
	if (first.nr_line_info && first.line_info_rec_size == sizeof(struct bpf_line_info))
		d->lines = calloc(first.nr_line_info, sizeof(*d->lines));
	if (first.nr_func_info && first.func_info_rec_size == sizeof(struct bpf_func_info))
		d->funcs = calloc(first.nr_func_info, sizeof(*d->funcs));
	if (jited && first.nr_jited_line_info && first.jited_line_info_rec_size == sizeof(__u64))
		d->jited_lines = calloc(first.nr_jited_line_info, sizeof(__u64));
	if (jited && first.nr_jited_ksyms)
		d->ksyms = calloc(first.nr_jited_ksyms, sizeof(__u64));
	if (jited && first.nr_jited_func_lens)
		d->func_lens = calloc(first.nr_jited_func_lens, sizeof(__u32));
	if (!d->insns)
		goto nomem;

	info->btf_id = first.btf_id;
	if (jited) {
		info->jited_prog_len = d->len;
		info->jited_prog_insns = ptr_u64(d->insns);
	} else {
		info->xlated_prog_len = d->len;
		info->xlated_prog_insns = ptr_u64(d->insns);
	}
	if (d->lines) {
		info->nr_line_info = first.nr_line_info;
		info->line_info_rec_size = sizeof(struct bpf_line_info);
		info->line_info = ptr_u64(d->lines);
	}
	if (d->funcs) {
		info->nr_func_info = first.nr_func_info;
		info->func_info_rec_size = sizeof(struct bpf_func_info);
		info->func_info = ptr_u64(d->funcs);
	}
	if (d->jited_lines) {
		info->nr_jited_line_info = first.nr_jited_line_info;
		info->jited_line_info_rec_size = sizeof(__u64);
		info->jited_line_info = ptr_u64(d->jited_lines);
	}
	if (d->ksyms) {
		info->nr_jited_ksyms = first.nr_jited_ksyms;
		info->jited_ksyms = ptr_u64(d->ksyms);
	}
	if (d->func_lens) {
		info->nr_jited_func_lens = first.nr_jited_func_lens;
		info->jited_func_lens = ptr_u64(d->func_lens);
	}
	len = sizeof(*info);
	if (bpf_obj_get_info_by_fd(fd, info, &len)) {
		int e = -errno;

		kern_prog_dump_free(d);
		return errmsg_set(err, e, "cannot read program instructions: %s", strerror(-e));
	}
	/* the program cannot change, but keep the counts within what was allocated */
	if ((jited ? info->jited_prog_len : info->xlated_prog_len) > d->len) {
		kern_prog_dump_free(d);
		return errmsg_set(err, -EAGAIN, "the program changed while it was read");
	}
	if (!d->lines)
		info->nr_line_info = 0;
	if (!d->funcs)
		info->nr_func_info = 0;
	if (first.btf_id)
		d->btf = btf__load_from_kernel_by_id(first.btf_id);
	return 0;
nomem:
	kern_prog_dump_free(d);
	return errmsg_set(err, -ENOMEM, "out of memory");
}

void kern_prog_dump_free(struct kern_prog_dump *d)
{
	free(d->insns);
	free(d->lines);
	free(d->jited_lines);
	free(d->ksyms);
	free(d->func_lens);
	free(d->funcs);
	btf__free(d->btf);
	memset(d, 0, sizeof(*d));
}

/* ---- test runs ---------------------------------------------------------------------------- */

int kern_prog_test_run(int fd, struct kern_test_run *r, struct errmsg *err)
{
	uint32_t out_len = r->data_in_len ? r->data_in_len * 2 + 4096 : 0;
	int ret;

	for (int attempt = 0; attempt < 2; attempt++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts,
			.data_in = r->data_in,
			.data_size_in = r->data_in_len,
			.ctx_in = r->ctx_in,
			.ctx_size_in = r->ctx_in_len,
			.repeat = r->repeat,
		);

		free(r->data_out);
		free(r->ctx_out);
		r->data_out = out_len ? malloc(out_len) : NULL;
		r->ctx_out = r->ctx_in_len ? malloc(r->ctx_in_len) : NULL;
		if ((out_len && !r->data_out) || (r->ctx_in_len && !r->ctx_out))
			return errmsg_set(err, -ENOMEM, "out of memory");
		opts.data_out = r->data_out;
		opts.data_size_out = out_len;
		opts.ctx_out = r->ctx_out;
		opts.ctx_size_out = r->ctx_in_len;
		ret = bpf_prog_test_run_opts(fd, &opts) ? -errno : 0;
		if (ret == -ENOSPC && opts.data_size_out > out_len && attempt == 0) {
			out_len = opts.data_size_out;	/* the size it needed */
			continue;
		}
		if (ret)
			break;
		r->data_out_len = opts.data_size_out;
		r->ctx_out_len = opts.ctx_size_out;
		r->retval = opts.retval;
		r->duration_ns = opts.duration;
		return 0;
	}
	switch (ret) {
	case -524:	/* ENOTSUPP, the kernel's own */
	case -EOPNOTSUPP:
		return errmsg_set(err, ret,
				  "the kernel cannot test-run this program type (BPF_PROG_TEST_RUN supports xdp, tc, socket filters, raw_tp, flow dissector, syscall, ...)");
	case -EINVAL:
		return errmsg_set(err, ret,
				  "the kernel refused the test run (Invalid argument): the input is too short for the program type (an XDP or tc packet needs at least an Ethernet header: --data-in), or --ctx-in does not fit its context");
	case -EPERM:
	case -EACCES:
		return errmsg_set(err, ret, "test runs need CAP_SYS_ADMIN or CAP_BPF (root): run it with sudo");
	default:
		return errmsg_set(err, ret, "test run failed: %s", strerror(-ret));
	}
}

/* ---- stats ---------------------------------------------------------------------------------- */

#define STATS_SYSCTL "/proc/sys/kernel/bpf_stats_enabled"

int kern_stats_get(bool *on, struct errmsg *err)
{
	char buf[8] = "";
	int fd = open(STATS_SYSCTL, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return errmsg_set(err, -errno, "cannot read %s: %s", STATS_SYSCTL, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return errmsg_set(err, -EIO, "cannot read %s", STATS_SYSCTL);
	*on = buf[0] == '1';
	return 0;
}

int kern_stats_set(bool on, struct errmsg *err)
{
	int fd = open(STATS_SYSCTL, O_WRONLY | O_CLOEXEC);
	int e;

	if (fd >= 0 && write(fd, on ? "1\n" : "0\n", 2) == 2) {
		close(fd);
		return 0;
	}
	e = errno;
	if (fd >= 0)
		close(fd);
	if (e == EPERM || e == EACCES)
		return errmsg_set(err, -e, "setting %s needs CAP_SYS_ADMIN (root): run it with sudo",
				  STATS_SYSCTL);
	return errmsg_set(err, -e, "cannot write %s: %s", STATS_SYSCTL, strerror(e));
}
