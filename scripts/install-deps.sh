#!/bin/sh
# Install the Debian packages bpfkit needs to build and test. Idempotent and quiet when
# everything is present; needs root (or sudo) only when something is missing.
set -eu

PKGS="make gcc g++ clang llvm pkg-config libbpf-dev libelf-dev libdw-dev libcjson-dev zlib1g-dev
      bpftool iproute2 jq python3 libclang-rt-14-dev libmicrohttpd-dev dwarves
      zsh fish"	# the completion tests run the zsh and fish shims in the real shells
[ "${1:-}" = "--with-bench" ] && PKGS="$PKGS libbpf-tools time"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "install-deps: need root to install:$missing" >&2
		exit 1
	}
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
