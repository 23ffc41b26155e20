# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The one build of bpfkit: bundled BPF objects and their skeletons, the binary, test
# fixtures and unit tests, fuzz harnesses, install. `make V=1` shows the commands.

SHELL := /bin/bash
SANITIZE ?=
ifeq ($(SANITIZE),1)
OUTPUT ?= build-san
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
OUTPUT ?= build
SAN_FLAGS :=
endif

CC      ?= cc
CLANG   ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  := $(PREFIX)/sbin
MANDIR  := $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/vendor-completions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/s390x/s390/' \
	-e 's/ppc64le/powerpc/' -e 's/riscv64/riscv/' -e 's/loongarch64/loongarch/')
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
GIT_REV := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# Dependencies are checked by scripts/install-deps.sh; fail early with the fix if absent.
# libmicrohttpd (map export) is dlopen()ed, not linked: headers only (README: Dependencies).
LIBS_PC := libbpf libelf libdw libcjson libmicrohttpd
PC_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) 2>/dev/null)
PC_LIBS := $(shell $(PKG_CONFIG) --libs $(filter-out libmicrohttpd,$(LIBS_PC)) 2>/dev/null)

WARN := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
CFLAGS ?= -g -O2
ALL_CFLAGS := $(CFLAGS) $(WARN) $(SAN_FLAGS) -std=gnu11 -D_GNU_SOURCE -MMD -MP \
	-Iinclude -Icli -I$(OUTPUT) -I$(OUTPUT)/bpf $(PC_CFLAGS) \
	-DBPFKIT_VERSION='"$(VERSION)"' -DBPFKIT_GIT_REV='"$(GIT_REV)"'
ALL_LDFLAGS := $(LDFLAGS) $(SAN_FLAGS)
LDLIBS := $(PC_LIBS) -lz

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Wno-unused-function
# The system include dirs clang would use natively, so <linux/...> and asm/ resolve for -target bpf.
CLANG_SYS_INCLUDES := $(shell $(CLANG) -v -E - </dev/null 2>&1 | \
	sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

# vmlinux.h: from the running kernel's BTF when it has one, else the checked-in header.
KERNEL_BTF := /sys/kernel/btf/vmlinux
VMLINUX_H_CHECKED := include/vmlinux/$(ARCH)/vmlinux.h
VMLINUX_H := $(OUTPUT)/vmlinux.h

LIB_SRCS := $(sort $(wildcard inspect/*.c gen/*.c))
BIN_SRCS := $(filter-out %.bpf.c,$(sort $(wildcard cli/*.c kern/*.c bpf/*.c)))
BPF_SRCS := $(sort $(wildcard bpf/*.bpf.c))
BPF_NAMES := $(notdir $(BPF_SRCS:.bpf.c=))
BPF_OBJS := $(patsubst %,$(OUTPUT)/bpf/%.bpf.o,$(BPF_NAMES))
SKELS := $(patsubst %,$(OUTPUT)/bpf/%.skel.h,$(BPF_NAMES))
LIB_OBJS := $(patsubst %.c,$(OUTPUT)/obj/%.o,$(LIB_SRCS))
BIN_OBJS := $(patsubst %.c,$(OUTPUT)/obj/%.o,$(BIN_SRCS))
LIB := $(OUTPUT)/libbpfkit.a
BIN := $(OUTPUT)/bpfkit

FIXTURE_SRCS := $(sort $(wildcard tests/fixtures/*.bpf.c))
FIXTURES := $(patsubst tests/fixtures/%.bpf.c,$(OUTPUT)/fixtures/%.bpf.o,$(FIXTURE_SRCS))
# Objects the verifier must refuse (bpfkit load tests): kept apart so tests that iterate over
# every fixture only see objects that load.
REJECT_SRCS := $(sort $(wildcard tests/fixtures/reject/*.bpf.c))
REJECTS := $(patsubst tests/fixtures/%.bpf.c,$(OUTPUT)/fixtures/%.bpf.o,$(REJECT_SRCS))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNITS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZERS := $(patsubst tests/fuzz/%.c,$(OUTPUT)/fuzz/%,$(FUZZ_SRCS))
FUZZ_SECONDS ?= 60

.PHONY: FORCE all clean install uninstall test test-build demo bench fuzz vmlinux deps check-deps docs
.DELETE_ON_ERROR:
.SECONDARY:

all: check-deps $(BIN)

deps:
	$(Q)./scripts/install-deps.sh

check-deps:
	@$(PKG_CONFIG) --exists $(LIBS_PC) 2>/dev/null || { \
		echo "missing libraries: run 'make deps' (or: apt-get install libbpf-dev libelf-dev libdw-dev libcjson-dev libmicrohttpd-dev pkg-config)" >&2; exit 1; }
	@command -v $(CLANG) >/dev/null || { echo "clang not found: apt-get install clang llvm" >&2; exit 1; }
	@command -v $(BPFTOOL) >/dev/null || { echo "bpftool not found: apt-get install bpftool" >&2; exit 1; }

$(OUTPUT) $(OUTPUT)/bpf $(OUTPUT)/fixtures $(OUTPUT)/tests $(OUTPUT)/fuzz:
	$(Q)mkdir -p $@

$(VMLINUX_H): | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)if [ -r $(KERNEL_BTF) ]; then \
		$(BPFTOOL) btf dump file $(KERNEL_BTF) format c > $@.tmp && mv $@.tmp $@; \
	else cp $(VMLINUX_H_CHECKED) $@; fi

# Refresh the checked-in header from this machine's kernel (review the diff before committing).
vmlinux:
	$(BPFTOOL) btf dump file $(KERNEL_BTF) format c > $(VMLINUX_H_CHECKED).tmp
	mv $(VMLINUX_H_CHECKED).tmp $(VMLINUX_H_CHECKED)

# Bundled programs: compile, link with bpftool (drops DWARF, keeps BTF), make a skeleton.
# The prefix map keeps the checkout's path out of .BTF.ext line info: same source, same bytes.
$(OUTPUT)/bpf/%.tmp.bpf.o: bpf/%.bpf.c $(VMLINUX_H) | $(OUTPUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -ffile-prefix-map=$(CURDIR)=. -MMD -MP -Iinclude -I$(OUTPUT) $(CLANG_SYS_INCLUDES) -c $< -o $@

$(OUTPUT)/bpf/%.bpf.o: $(OUTPUT)/bpf/%.tmp.bpf.o
	$(Q)$(BPFTOOL) gen object $@ $<

$(OUTPUT)/bpf/%.skel.h: $(OUTPUT)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@.tmp && mv $@.tmp $@

# Test fixtures keep DWARF (readers of .debug_line need it); they use the checked-in header
# so their BTF does not depend on the build machine's kernel.
$(OUTPUT)/fixtures/%.bpf.o: tests/fixtures/%.bpf.c | $(OUTPUT)/fixtures
	$(call msg,FIXTURE,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -Iinclude -Iinclude/vmlinux/$(ARCH) $(CLANG_SYS_INCLUDES) \
		-c $< -o $@

$(OUTPUT)/fixtures/reject/%.bpf.o: tests/fixtures/reject/%.bpf.c | $(OUTPUT)/fixtures
	$(call msg,FIXTURE,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -Iinclude -Iinclude/vmlinux/$(ARCH) $(CLANG_SYS_INCLUDES) \
		-c $< -o $@

$(OUTPUT)/obj/%.o: %.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

# `bpfkit version` names the commit it was built from: rebuild it when HEAD moves.
$(OUTPUT)/git-rev: FORCE | $(OUTPUT)
	$(Q)[ "$$(cat $@ 2>/dev/null)" = "$(GIT_REV)" ] || echo "$(GIT_REV)" > $@
$(OUTPUT)/obj/cli/cmd_version.o: $(OUTPUT)/git-rev
FORCE:

# Generated skeleton headers must exist before anything that may include them compiles.
$(BIN_OBJS): | $(SKELS)

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(BIN_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) $(BIN_OBJS) $(LIB) $(LDLIBS) -o $@

# Unit tests link the library and the output layer (cli/output.c, linebuf.c, jsonstream.c).
CLI_LIB_OBJS := $(OUTPUT)/obj/cli/output.o $(OUTPUT)/obj/cli/linebuf.o $(OUTPUT)/obj/cli/jsonstream.o
$(OUTPUT)/tests/test_%: tests/unit/test_%.c $(LIB) $(CLI_LIB_OBJS) | $(OUTPUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit $< $(CLI_LIB_OBJS) $(LIB) $(ALL_LDFLAGS) $(LDLIBS) -o $@

# test_kload also links the kern/ modules it tests (without touching the kernel).
KLOAD_OBJS := $(patsubst %,$(OUTPUT)/obj/kern/%.o,load globals pin manifest verifier gc objs)
$(OUTPUT)/tests/test_kload: tests/unit/test_kload.c $(LIB) $(CLI_LIB_OBJS) $(KLOAD_OBJS) | $(OUTPUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit $< $(KLOAD_OBJS) $(CLI_LIB_OBJS) $(LIB) $(ALL_LDFLAGS) $(LDLIBS) -o $@

# test_recfmt links the record formatter of trace run.
RECFMT_OBJS := $(OUTPUT)/obj/kern/recfmt.o $(OUTPUT)/obj/kern/kbuf.o
$(OUTPUT)/tests/test_recfmt: tests/unit/test_recfmt.c $(LIB) $(CLI_LIB_OBJS) $(RECFMT_OBJS) | $(OUTPUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit $< $(RECFMT_OBJS) $(CLI_LIB_OBJS) $(LIB) $(ALL_LDFLAGS) $(LDLIBS) -o $@

test-build: check-deps $(BIN) $(FIXTURES) $(REJECTS) $(UNITS)

test: deps
	$(Q)$(MAKE) --no-print-directory test-build
	$(Q)tests/run.sh $(OUTPUT) $(T)

# README samples are the binary's output (scripts/docs.py); the tests fail when one drifts.
docs: test-build	# samples read build/fixtures too
	$(Q)./scripts/docs.py $(BIN)

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)./scripts/demo.sh $(BIN)

bench: deps
	$(Q)./scripts/install-deps.sh --with-bench
	$(Q)$(MAKE) --no-print-directory all $(OUTPUT)/fixtures/trace_run.bpf.o
	$(Q)./bench/run.sh $(BIN)

# libFuzzer harnesses: each links the inspect/ sources directly, built with clang.
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude $(PC_CFLAGS)
$(OUTPUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRCS) | $(OUTPUT)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_FLAGS) $< $(LIB_SRCS) $(LDLIBS) -o $@

fuzz: check-deps $(FUZZERS) $(FIXTURES)
	$(Q)for f in $(FUZZERS); do \
		n=$$(basename $$f); mkdir -p tests/fuzz/corpus-$$n; \
		echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			tests/fuzz/corpus-$$n $(OUTPUT)/fixtures 2>&1 | \
			grep -E 'stat::number_of_executed_units|ERROR|SUMMARY' ; \
		[ $${PIPESTATUS[0]} -eq 0 ] || exit 1; \
	done

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/bpfkit
	install -m 0644 doc/bpfkit.8 $(DESTDIR)$(MANDIR)/man8/bpfkit.8
	install -m 0644 completions/bpfkit.bash $(DESTDIR)$(BASHCOMPDIR)/bpfkit
	install -m 0644 completions/_bpfkit $(DESTDIR)$(ZSHCOMPDIR)/_bpfkit
	install -m 0644 completions/bpfkit.fish $(DESTDIR)$(FISHCOMPDIR)/bpfkit.fish

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/bpfkit $(DESTDIR)$(MANDIR)/man8/bpfkit.8 \
		$(DESTDIR)$(BASHCOMPDIR)/bpfkit $(DESTDIR)$(ZSHCOMPDIR)/_bpfkit \
		$(DESTDIR)$(FISHCOMPDIR)/bpfkit.fish

clean:
	rm -rf $(OUTPUT)

-include $(shell find $(OUTPUT) -name '*.d' 2>/dev/null)
