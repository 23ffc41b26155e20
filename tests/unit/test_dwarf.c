/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * inspect/dwarf.c through the object model: the record lookup decoders (trace run) use, by
 * name and by size, on the ring-buffer fixture whose event struct only DWARF has; and the cache
 * (objects without DWARF: tests/cli/dwarf.sh, on the bundled ones).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <bpf/btf.h>

#include "bk_dwarf.h"
#include "object.h"
#include "unit.h"

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "build/fixtures";
	const struct bk_dwarf *d1, *d2;
	struct errmsg err = { 0 };
	struct bk_object *o;
	char path[4096];
	bool from_dwarf = false;
	__u32 id = 0, id2 = 0;
	int ret;

	snprintf(path, sizeof(path), "%s/ringbuf_dwarf.bpf.o", dir);
	ret = bk_object_open(path, &o, &err);
	CHECK(ret == 0, "open %s: %s", path, err.msg);
	if (ret)
		UNIT_DONE();
	CHECK(bk_object_has_dwarf(o), "fixture has .debug_info");
	CHECK(bk_object_dwarf(o, &d1, &err) == 0, "%s", err.msg);
	CHECK(bk_object_dwarf(o, &d2, &err) == 0 && d1 == d2, "built once, cached");
	CHECK(d1->nr_btf == btf__type_cnt(bk_object_btf(o)), "DWARF-only ids follow .BTF");

	ret = bk_object_dwarf_find(o, "exec_event", 0, &id, &from_dwarf, &err);
	CHECK(ret == 0 && from_dwarf && id >= d1->nr_btf, "by name: %d %s", ret, err.msg);
	CHECK(id && btf__type_by_id(d1->btf.btf, id)->size == 216, "struct exec_event is 216 bytes");
	ret = bk_object_dwarf_find(o, NULL, 216, &id2, &from_dwarf, &err);
	CHECK(ret == 0 && id2 == id && from_dwarf, "by size: %d %s", ret, err.msg);
	ret = bk_object_dwarf_find(o, "struct exec_event", 0, &id2, &from_dwarf, &err);
	CHECK(ret == 0 && id2 == id, "'struct NAME' works: %s", err.msg);
	ret = bk_object_dwarf_find(o, "no_such", 0, &id2, &from_dwarf, &err);
	CHECK(ret == -ENOENT && strstr(err.msg, "no struct or union 'no_such'"), "%d %s", ret, err.msg);
	ret = bk_object_dwarf_find(o, NULL, 12345, &id2, &from_dwarf, &err);
	CHECK(ret == -ENOENT && strstr(err.msg, "no struct of 12345 bytes"), "%d %s", ret, err.msg);
	/* the one 8-byte struct: the anonymous { lo, hi } of the union */
	ret = bk_object_dwarf_find(o, NULL, 8, &id2, &from_dwarf, &err);
	CHECK(ret == 0 && from_dwarf && btf_vlen(btf__type_by_id(d1->btf.btf, id2)) == 2,
	      "%d %s", ret, err.msg);
	bk_object_close(o);

	/* core.bpf.o has kernel types: several structs of 16 bytes, so the lookup refuses */
	snprintf(path, sizeof(path), "%s/core.bpf.o", dir);
	ret = bk_object_open(path, &o, &err);
	CHECK(ret == 0, "open %s: %s", path, err.msg);
	if (!ret) {
		ret = bk_object_dwarf_find(o, NULL, 16, &id2, &from_dwarf, &err);
		CHECK(ret == -EEXIST && strstr(err.msg, "several structs of 16 bytes"), "%d %s", ret,
		      err.msg);
		ret = bk_object_dwarf_find(o, "task_struct", 0, &id2, &from_dwarf, &err);
		CHECK(ret == 0 && !from_dwarf, "task_struct is in .BTF: %d %s", ret, err.msg);
		bk_object_close(o);
	}

	UNIT_DONE();
}
