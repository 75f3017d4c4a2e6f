# initflash - build, test and demo. Override anything in config.mak.

BUILD ?= build
CC ?= cc
MUSL_CC ?= musl-gcc
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
LIBDIR ?= /usr/lib/$(MULTIARCH)
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo 0.1)

WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CFLAGS ?= -O2 -g
CPPFLAGS_ALL = -std=c11 -D_GNU_SOURCE -Icommon -DIFL_VERSION_STR='"$(VERSION)"'
AGENT_CFLAGS ?= -Os -ffunction-sections -fdata-sections
AGENT_LDFLAGS ?= -static -s -Wl,--gc-sections

-include config.mak

COMMON_SRC := $(wildcard common/*.c)
HOST_SRC := $(wildcard host/*.c)
AGENT_SRC := $(wildcard initrd/*.c)
TEST_SUITES := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)

HOST_OBJ := $(patsubst %.c,$(BUILD)/host-obj/%.o,$(COMMON_SRC) $(HOST_SRC))
AGENT_OBJ := $(patsubst %.c,$(BUILD)/agent-obj/%.o,$(COMMON_SRC) $(AGENT_SRC))
HOST_LIBS = -lusb-1.0 -lmbedcrypto -lz -lpthread
AGENT_LIBS = $(LIBDIR)/libusbgx.a $(LIBDIR)/libmbedcrypto.a $(LIBDIR)/libz.a -lpthread

# Debian packages the build, tests, benchmark and virtual DUT need.
DEB_PACKAGES = build-essential musl-tools pkg-config file zlib1g-dev libmbedtls-dev \
	libusb-1.0-0-dev libusbgx-dev libconfig-dev libcriterion-dev clang \
	util-linux coreutils gzip python3 bc gdisk e2fsprogs dosfstools mtools android-sdk-libsparse-utils bmap-tools
-include tools/vdut/vdut.mk

.PHONY: all deps check unit e2e vm fuzz bench demo clean
all: $(BUILD)/initflash $(BUILD)/initflash-agent

# Installs only what is missing, so it is quick on a ready machine.
deps:
	@missing=$$(for p in $(DEB_PACKAGES) $(VDUT_DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing $$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else echo "deps: all Debian packages present"; fi

$(BUILD)/host-obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -MMD -MP -c $< -o $@

$(BUILD)/initflash: $(HOST_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(HOST_LIBS)

# The agent is compiled by musl-gcc against copies of the library headers
# (never /usr/include itself, whose glibc headers would leak in).
MUSL_INC := $(BUILD)/musl-include
$(MUSL_INC)/.stamp:
	@rm -rf $(MUSL_INC) && mkdir -p $(MUSL_INC)/sys
	cp /usr/include/zlib.h /usr/include/zconf.h /usr/include/libconfig.h $(MUSL_INC)/
	cp -r /usr/include/mbedtls /usr/include/usbg $(MUSL_INC)/
	cp /usr/include/$(MULTIARCH)/sys/queue.h $(MUSL_INC)/sys/ 2>/dev/null || cp /usr/include/sys/queue.h $(MUSL_INC)/sys/
	@touch $@

$(BUILD)/agent-obj/%.o: %.c $(MUSL_INC)/.stamp
	@mkdir -p $(@D)
	$(MUSL_CC) $(CPPFLAGS_ALL) -I$(MUSL_INC) -Iinitrd $(AGENT_CFLAGS) $(WARN) -MMD -MP -c $< -o $@

$(BUILD)/initflash-agent: $(AGENT_OBJ)
	$(MUSL_CC) $(AGENT_CFLAGS) $(AGENT_LDFLAGS) -o $@ $^ $(AGENT_LIBS)
	@size=$$(stat -c %s $@); echo "initflash-agent: $$size bytes"; \
	 test $$size -le 307200 || { echo "initflash-agent is over 300 KiB" >&2; exit 1; }

# Unit suites link the host build of common/ and host/ (minus main); the
# test_agent_* suites link a glibc build of common/ and initrd/ instead (minus
# main and the musl shims). The two sets define some of the same symbols
# (ifl_write_all, ...), so a suite links one or the other, never both.
UNIT_OBJ = $(filter-out $(BUILD)/host-obj/host/main.o,$(HOST_OBJ))
AGENT_UNIT_SRC = $(filter-out initrd/main.c initrd/glibc_compat.c initrd/libconfig_stubs.c,$(AGENT_SRC))
AGENT_UNIT_OBJ = $(patsubst %.c,$(BUILD)/host-obj/%.o,$(COMMON_SRC) $(AGENT_UNIT_SRC))
AGENT_UNIT_LIBS = -lusbgx -lconfig -lmbedcrypto -lz -lpthread
$(patsubst %.c,$(BUILD)/host-obj/%.o,$(AGENT_UNIT_SRC)): $(BUILD)/host-obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) -Iinitrd $(CFLAGS) $(WARN) -MMD -MP -c $< -o $@
$(BUILD)/tests/test_agent_%: tests/unit/test_agent_%.c tests/unit/memlink.h $(AGENT_UNIT_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) -Iinitrd -Itests/unit $(CFLAGS) $(WARN) -o $@ $(filter %.c %.o,$^) -lcriterion $(AGENT_UNIT_LIBS)
# test_pair_* hold both sides: the host objects, and the agent's as one object
# that exports only its API (ld -r, then every other symbol made local), so the
# names both define (ifl_write_all, ifl_read_some, common/) do not collide.
AGENT_API = ifl_agent_new ifl_agent_free ifl_session_run ifl_inv_add
$(BUILD)/tests/agent-api.o: $(AGENT_UNIT_OBJ)
	@mkdir -p $(@D)
	$(LD) -r -o $@.all $^
	objcopy $(addprefix --keep-global-symbol=,$(AGENT_API)) $@.all $@
	@rm -f $@.all
$(BUILD)/tests/test_pair_%: tests/unit/test_pair_%.c tests/unit/memlink.h tests/unit/pipelink.h $(UNIT_OBJ) $(BUILD)/tests/agent-api.o
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) -Ihost -Itests/unit $(CFLAGS) $(WARN) -o $@ $(filter %.c %.o,$^) -lcriterion $(HOST_LIBS) $(AGENT_UNIT_LIBS)
$(BUILD)/tests/%: tests/unit/%.c tests/unit/memlink.h $(UNIT_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) -Ihost -Itests/unit $(CFLAGS) $(WARN) -o $@ $(filter %.c %.o,$^) -lcriterion $(HOST_LIBS)

unit: $(TEST_SUITES)
	@set -e; for t in $(TEST_SUITES); do echo "== $$t"; $$t --jobs 2; done

e2e: all
	tests/e2e/run.sh $(BUILD)

# Each fuzz target runs for a bounded time under libFuzzer with ASan/UBSan.
FUZZ_SECONDS ?= 20
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
# fuzz_agent_* drive the agent's code (common/ + initrd/), the others the host's.
$(BUILD)/fuzz/fuzz_agent_%: tests/fuzz/fuzz_agent_%.c tests/fuzz/check.h tests/unit/memlink.h $(COMMON_SRC) $(AGENT_UNIT_SRC)
	@mkdir -p $(@D)
	clang $(CPPFLAGS_ALL) -Iinitrd $(FUZZ_FLAGS) -o $@ $< $(COMMON_SRC) $(AGENT_UNIT_SRC) $(AGENT_UNIT_LIBS)
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/check.h tests/unit/memlink.h $(COMMON_SRC) $(HOST_SRC)
	@mkdir -p $(@D)
	clang $(CPPFLAGS_ALL) -Ihost $(FUZZ_FLAGS) -o $@ $< $(COMMON_SRC) $(filter-out host/main.c,$(HOST_SRC)) $(HOST_LIBS)
$(BUILD)/fuzz/mkseeds: tests/fuzz/mkseeds.c $(COMMON_SRC)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) -o $@ $^ -lmbedcrypto -lz
fuzz: $(FUZZ_BIN) $(BUILD)/fuzz/mkseeds
	$(BUILD)/fuzz/mkseeds $(BUILD)/fuzz
	@set -e; for f in $(FUZZ_BIN); do n=$$(basename $$f); echo "== $$f"; mkdir -p $(BUILD)/fuzz/corpus-$$n; \
		if ! $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=30 -print_final_stats=0 \
			-artifact_prefix=$(BUILD)/fuzz/$$n- $(BUILD)/fuzz/corpus-$$n >$(BUILD)/fuzz/$$n.log 2>&1; then \
			tail -40 $(BUILD)/fuzz/$$n.log; echo "fuzz: $$n failed; see $(BUILD)/fuzz/$$n.log" >&2; exit 1; fi; \
		tail -2 $(BUILD)/fuzz/$$n.log; done

# Virtual-DUT tests: real kernel drivers (dummy_hcd, FunctionFS, sdhci, nvme,
# usb-storage, mtdram) in QEMU.
vm: all vdut
	tests/vm/run.sh $(BUILD)

check: deps
	$(MAKE) all initrd
	$(MAKE) unit
	$(MAKE) fuzz
	$(MAKE) e2e
	$(MAKE) vm

demo: deps
	$(MAKE) all vdut
	tools/demo/demo.sh

bench: deps
	$(MAKE) all vdut
	tools/bench/bench.sh $(BUILD)
	tools/bench/bench_mtd.sh $(BUILD)

clean:
	rm -rf $(BUILD)

-include $(HOST_OBJ:.o=.d) $(AGENT_OBJ:.o=.d) $(AGENT_UNIT_OBJ:.o=.d)
