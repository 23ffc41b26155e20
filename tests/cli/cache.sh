# shellcheck shell=bash
# bpfkit cache and the build cache's size limit: least recently used first, a vmlinux.h goes
# with its precompiled headers, the newest entry stays.

GEN_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../gen" && pwd)

cache_build() {	# cache_build FLAG: a build with its own set of flags, so its own PCH
	"$BPFKIT" build -q counter.bpf.c -D "BKT_FLAG_$1=1" -o "c$1.o" 2>build.err || fail "build: $(cat build.err)"
}

test_cache_limit_prunes_least_recently_used() {
	export BPFKIT_CACHE_DIR=$TMPD/cache
	cp "$GEN_SRC/counter.bpf.c" .
	cache_build 1
	bk cache list -j
	expect_rc 0
	jq_is '[.entries[].kind] | sort | join(",")' "pch,vmlinux.h"
	local pch1 size
	pch1=$(printf '%s' "$out" | jq -r '.entries[] | select(.kind == "pch") | .path')
	size=$(printf '%s' "$out" | jq '.entries[] | select(.kind == "pch") | .bytes')
	sleep 1.1	# last-use times are in seconds
	cache_build 2
	bk cache list -j
	jq_is '[.entries[] | select(.kind == "pch")] | length' 2
	# a limit that holds one header and vmlinux.h: the next build drops the oldest PCH
	sleep 1.1
	export BPFKIT_CACHE_MAX=$(( size + size / 2 + $(printf '%s' "$out" | jq '.entries[] | select(.kind == "vmlinux.h") | .bytes') ))
	cache_build 3
	[ ! -e "$pch1" ] || fail "the least recently used PCH survived"
	bk cache list -j
	jq_is '[.entries[] | select(.kind == "pch")] | length' 1
	jq_is '[.entries[].kind] | index("vmlinux.h") != null' true
	jq_is '.bytes <= .bytes_limit' true
	# prune down to nothing keeps the newest entry and the vmlinux.h it needs
	BPFKIT_CACHE_MAX=1 bk cache prune -j
	expect_rc 0
	jq_is '.removed | length' 0
	bk cache clear -j
	expect_rc 0
	jq_is '[.removed[].kind] | sort | join(",")' "pch,vmlinux.h"
	bk cache list -j
	jq_is '.entries | length' 0
	cache_build 4	# and builds again from an empty cache
}

test_cache_usage() {
	bk cache nope
	expect_rc 2
	bk cache list extra
	expect_rc 2
	bk cache --help
	expect_rc 0
}
