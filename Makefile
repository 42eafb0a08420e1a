# biofuse build.  `make` builds build/biofuse; `make test` installs what is
# missing, builds, and runs every test; `make demo` runs the main job on a
# small example store.  See README.md.

CC      ?= cc
BUILD   ?= build
PY      := /usr/bin/python3

# libcurl is compiled against but not linked: store/curl_api.c loads it with
# dlopen when a remote store is opened, so local mounts never map it.
LIBS_PC := fuse3 blosc libzstd zlib liblz4 sqlite3 jansson
PC_CFLAGS = $(shell pkg-config --cflags $(LIBS_PC) libcurl 2>/dev/null)
PC_LIBS   = $(shell pkg-config --libs $(LIBS_PC) 2>/dev/null) -lbz2 -lpthread -lm -ldl

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wpointer-arith -Wvla -Wformat=2 -Wundef -Wwrite-strings -Wcast-qual -Wswitch-enum \
        -Wno-format-nonliteral -Wno-format-truncation
OPT     ?= -O2 -g
SAN     ?=
CFLAGS_ALL = -std=c11 $(OPT) $(SAN) $(WARN) -Isrc $(PC_CFLAGS) $(EXTRA_CFLAGS)
LDFLAGS_ALL = $(SAN) $(EXTRA_LDFLAGS) $(PC_LIBS)

# make install / uninstall (DESTDIR for staged installs, as packagers expect)
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
MANDIR      ?= $(PREFIX)/share/man
DOCDIR      ?= $(PREFIX)/share/doc/biofuse
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
INSTALL     ?= install
DOC_FILES   := README.md $(sort $(wildcard docs/*.md))

LIB_SRC  := $(shell find src -name '*.c' ! -path 'src/cli/main.c' | sort)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC := $(sort $(wildcard test/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:test/unit/%.c=$(BUILD)/test/%)
TOOL_SRC := $(sort $(wildcard test/tools/*.c))
TOOL_BIN := $(TOOL_SRC:test/tools/%.c=$(BUILD)/tools/%)
BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
FUZZ_SRC := $(sort $(wildcard test/fuzz/fuzz_*.c))

.PHONY: install uninstall deb man
.PHONY: bench-remote all deps test test-long fuzz-long check-layers unit asan-unit fuzz-smoke fuzz integration demo bench bench-memory clean format format-check tools

all: $(BUILD)/biofuse tools man

# The man page and the bash completion come from the binary's own option
# tables (src/cli/docgen.c), so they list exactly what --help lists.
man: $(BUILD)/biofuse.1 $(BUILD)/biofuse.bash

$(BUILD)/biofuse.1: $(BUILD)/biofuse
	$(BUILD)/biofuse __man >$@.tmp && mv $@.tmp $@

$(BUILD)/biofuse.bash: $(BUILD)/biofuse
	$(BUILD)/biofuse __bash-completion >$@.tmp && mv $@.tmp $@

install: $(BUILD)/biofuse $(BUILD)/biofuse.1 $(BUILD)/biofuse.bash
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(DOCDIR)
	$(INSTALL) -m 755 $(BUILD)/biofuse $(DESTDIR)$(BINDIR)/biofuse
	$(INSTALL) -m 644 $(BUILD)/biofuse.1 $(DESTDIR)$(MANDIR)/man1/biofuse.1
	$(INSTALL) -m 644 $(BUILD)/biofuse.bash $(DESTDIR)$(BASHCOMPDIR)/biofuse
	$(INSTALL) -m 644 $(DOC_FILES) $(DESTDIR)$(DOCDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/biofuse $(DESTDIR)$(MANDIR)/man1/biofuse.1 \
		$(DESTDIR)$(BASHCOMPDIR)/biofuse $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOC_FILES)))
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null || true

# A Debian package built with dpkg-buildflags' hardening, dependencies from
# dpkg-shlibdeps, checked with lintian: build/biofuse_VERSION_ARCH.deb (dpkg -i build/*.deb).
deb: deps
	@sh packaging/build-deb.sh

deps:
	@sh scripts/install-deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/libbiofuse.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/biofuse: $(BUILD)/obj/src/cli/main.o $(BUILD)/libbiofuse.a
	$(CC) -o $@ $^ $(LDFLAGS_ALL)

$(BUILD)/test/%: test/unit/%.c $(BUILD)/libbiofuse.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itest/unit -o $@ $< $(BUILD)/libbiofuse.a $(LDFLAGS_ALL) -lcmocka

$(BUILD)/tools/%: test/tools/%.c $(BUILD)/libbiofuse.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libbiofuse.a $(LDFLAGS_ALL)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libbiofuse.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -O3 -march=native -o $@ $< $(BUILD)/libbiofuse.a $(LDFLAGS_ALL)

tools: $(TOOL_BIN)

unit-bins: $(UNIT_BIN)

# The whole suite: set-up, the layer check, build, unit tests (plain and
# ASan+UBSan), fuzz smoke runs, integration tests; ends with "N passed, N failed".
# The builds use every core (CI calls plain `make test`).
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
test: deps check-layers
	@$(MAKE) --no-print-directory -j$(JOBS) all unit-bins
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD=build-asan OPT='-O1 -g' \
		SAN='-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer' \
		all unit-bins
	@sh test/run_tests.sh

unit: all unit-bins
	@sh test/run_tests.sh unit

# Includes follow the layer order of src/README.md (and the checker catches
# what it should: test/check_layers_test.sh).
check-layers:
	@sh scripts/check_layers.sh src
	@sh test/check_layers_test.sh

integration: all
	@sh test/run_tests.sh integration

# Fuzz targets with libFuzzer (clang).  `make fuzz` runs each for FUZZ_SECONDS.
FUZZ_SECONDS ?= 300
FUZZ_CFLAGS = -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc $(PC_CFLAGS) \
	-DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
# The library is compiled once for every target (with the fuzzer's coverage
# hooks but not its main), then each target is one link.
FUZZ_LIB_CFLAGS = $(subst -fsanitize=fuzzer,-fsanitize=fuzzer-no-link,$(FUZZ_CFLAGS))
FUZZ_OBJ := $(LIB_SRC:%.c=build-fuzz/obj/%.o)
build-fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@clang $(FUZZ_LIB_CFLAGS) -MMD -MP -c $< -o $@
build-fuzz/libbiofuse-fuzz.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^
build-fuzz/%: test/fuzz/%.c build-fuzz/libbiofuse-fuzz.a
	@mkdir -p build-fuzz
	clang $(FUZZ_CFLAGS) -o $@ $< build-fuzz/libbiofuse-fuzz.a $(PC_LIBS)

fuzz-bins: $(FUZZ_SRC:test/fuzz/%.c=build-fuzz/%)

fuzz: deps fuzz-bins
	@for f in $(FUZZ_SRC:test/fuzz/%.c=%); do \
		mkdir -p build-fuzz/corpus-$$f; \
		echo "fuzzing $$f for $(FUZZ_SECONDS) s"; \
		build-fuzz/$$f -max_total_time=$(FUZZ_SECONDS) build-fuzz/corpus-$$f test/fuzz/corpus/$$f || exit 1; \
	done

# Every fuzz target for FUZZ_LONG_SECONDS (10 minutes) each; corpora minimised back
# into test/fuzz/corpus/, crashes kept in test/fuzz/regress/ (scripts/fuzz_long.sh).
FUZZ_LONG_SECONDS ?= 600
fuzz-long: deps fuzz-bins
	@FUZZ_LONG_SECONDS=$(FUZZ_LONG_SECONDS) sh scripts/fuzz_long.sh

# The long reliability checks of docs/reliability.md (about 40 minutes with the
# 30-minute soak; BF_SOAK_SECONDS etc. shorten them, see test/run_long.sh).
test-long: deps
	@$(MAKE) --no-print-directory all
	@sh test/run_long.sh

bench: deps all $(BENCH_BIN)
	@sh bench/run.sh

# Remote stores (issue 15): store A through nginx, over a 20 ms link, idle RSS
# with HTTPS and S3 (a few minutes; generates store A the first time).
bench-remote: deps all
	@/usr/bin/python3 bench/bench_remote.py

# Issue 6 memory suite alone (about 7 minutes on 2 cores).
bench-memory: deps all $(BENCH_BIN)
	@sh bench/run.sh --only memory6

demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	@clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
-include $(shell find build-fuzz/obj -name '*.d' 2>/dev/null)
