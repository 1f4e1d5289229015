# apivideo-watch: one binary for CGI, FastCGI and the shell, plus its tests.
#
#   make            build build/apivideo-watch
#   make unit       build and run the unit and component tests (seconds once built)
#   make test       install what the tests need (Debian, as root), build, run every test
#   make demo       install, build, start the stand-in, nginx and the handler, print URLs
#   make deb        the Debian package, in build/deb/ (mk/deb.mk)
#   make static     one executable needing no shared library, build/static/ (mk/static.mk)
#   make dist       the release archive for shared hosts, in build/dist/ (mk/static.mk)
#   make clean      remove build/
#
# Variables people override: CXX, CXXFLAGS, LDFLAGS, PREFIX, DESTDIR, V=1 (show commands).

CXX      ?= g++
CXXFLAGS ?= -O2 -g
PREFIX   ?= /usr/local
# SANITIZE=address,undefined builds everything with those sanitizers, in its own folder.
SANITIZE ?=
BUILD    ?= $(if $(SANITIZE),build-$(subst $(comma),-,$(SANITIZE)),build)
comma := ,

# Flags the code needs whatever the user passes: the language level, warnings, and
# RapidJSON's safe defaults (see common/json.cpp for why they are set here, for every unit).
WARN      := -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wformat=2
# GCC 12 with -fsanitize=address warns falsely (-Wmaybe-uninitialized) inside <regex>.
SAN_FLAGS := $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all \
                              -Wno-maybe-uninitialized)
ALL_CXXFLAGS := -std=c++17 $(WARN) $(SAN_FLAGS) $(CXXFLAGS)
ALL_CPPFLAGS := -I. -I$(BUILD)/gen -MMD -MP $(CPPFLAGS)
LIBS      := -lcurl -llmdb -lhiredis -lssl -lcrypto -pthread
# The C++ runtime linked into the binary: the dynamic loader then resolves a fifth fewer
# symbols at every start, which each CGI request pays (bench/results.md). Empty to link
# it dynamically; the sanitizer builds always do (their runtimes expect the shared one).
STATIC_CXX_RUNTIME ?= -static-libstdc++ -static-libgcc

Q := $(if $(V),,@)
# `make test` and `make demo`, as the README gives them (no -j), compile on every core: a
# new user's first build, and CI's two (the sanitizer one 15 minutes on one core of two).
# Only the compiling and linking, whose dependencies are all written down; the package and
# the release archive are built one after the other. A -j of the user's own is kept.
PARALLEL = $(if $(filter -j%,$(MAKEFLAGS)),,-j$(shell nproc))
say = $(if $(V),,@printf '  %-7s %s\n' $(1) $(2);)

COMMON_SRC  := $(wildcard common/*.cpp)
HANDLER_SRC := $(wildcard handler/*.cpp)
# The tests, in two binaries: unit-tests holds the unit and component tiers (pure functions,
# and the core against the stand-in: seconds), e2e-tests the end-to-end tier (nginx, Apache,
# systemd units, Chromium, the Debian package: most of an hour). tests/main.cpp is the entry
# point of both. The harness (tests/support/) is an archive the e2e tier takes what it uses
# from; the fast tier builds only the part it needs: the stand-in, an HTTP and a FastCGI
# client, processes, and the core with a site.
UNIT_TEST_SRC := $(wildcard tests/unit/*.cpp tests/component/*.cpp)
E2E_TEST_SRC  := $(wildcard tests/e2e/*.cpp)
SUPPORT_SRC   := $(wildcard tests/support/*.cpp)
UNIT_SUPPORT_SRC := $(addprefix tests/support/,process.cpp http.cpp standin.cpp core.cpp fastcgi_client.cpp redis.cpp)
TEMPLATES   := $(wildcard html/*.html)

COMMON_OBJ  := $(COMMON_SRC:%.cpp=$(BUILD)/%.o) $(BUILD)/gen/templates_builtin.o
HANDLER_OBJ := $(HANDLER_SRC:%.cpp=$(BUILD)/%.o)
# The adapters without main(), for the tests too.
ADAPTER_OBJ := $(filter-out $(BUILD)/handler/main.o,$(HANDLER_OBJ))
SUPPORT_LIB := $(BUILD)/tests/libsupport.a

# The version has one home, the first line of debian/changelog ("apivideo-watch (0.1.0) …"):
# the package takes it from there, and so does the binary's --version.
VERSION := $(shell head -n 1 debian/changelog | cut -d ' ' -f 2 | tr -d '()')

BIN        := $(BUILD)/apivideo-watch
UNIT_TESTS := $(BUILD)/tests/unit-tests
E2E_TESTS  := $(BUILD)/tests/e2e-tests

.PHONY: all unit test check demo deps clean
all: $(BIN)

$(BIN): $(BUILD)/handler/main.o $(BUILD)/libadapters.a $(BUILD)/libwatch.a
	$(call say,LINK,$@)
	$(Q)$(CXX) $(ALL_CXXFLAGS) $(LDFLAGS) $(if $(SANITIZE),,$(STATIC_CXX_RUNTIME)) -o $@ $^ $(LIBS)

$(BUILD)/libwatch.a: $(COMMON_OBJ)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/libadapters.a: $(ADAPTER_OBJ)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(SUPPORT_LIB): $(SUPPORT_SRC:%.cpp=$(BUILD)/%.o)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# Objects, then archives, each archive before those it uses.
define link_tests
$(call say,LINK,$@)
$(Q)$(CXX) $(ALL_CXXFLAGS) $(LDFLAGS) -o $@ $^ -lboost_unit_test_framework $(LIBS)
endef
TEST_LIBS := $(BUILD)/libadapters.a $(BUILD)/libwatch.a

$(UNIT_TESTS): $(BUILD)/tests/main-unit.o $(UNIT_TEST_SRC:%.cpp=$(BUILD)/%.o) \
               $(UNIT_SUPPORT_SRC:%.cpp=$(BUILD)/%.o) $(TEST_LIBS)
	$(link_tests)

$(E2E_TESTS): $(BUILD)/tests/main-e2e.o $(E2E_TEST_SRC:%.cpp=$(BUILD)/%.o) $(SUPPORT_LIB) $(TEST_LIBS)
	$(link_tests)

# The entry point, once per binary: TEST_BINARY names its module in Boost.Test's reports.
$(BUILD)/tests/main-%.o: tests/main.cpp
	$(call say,CXX,$@)
	$(Q)mkdir -p $(@D) && $(CXX) $(ALL_CPPFLAGS) -DTEST_BINARY=$*_tests $(ALL_CXXFLAGS) -c -o $@ $<

$(BUILD)/tests/%.o: ALL_CPPFLAGS += -DBOOST_TEST_DYN_LINK
# The tests' own sources (not the code they test, which is built as shipped) build at
# TEST_OPT: Boost.Test's data cases take a third of -O2's compile time at -Og, and the
# tests mostly wait on servers; -g1 keeps the line tables a backtrace needs and drops the
# rest of the debugging information, two fifths of what is left.
TEST_OPT ?= -Og -g1
$(BUILD)/tests/%.o: ALL_CXXFLAGS += $(TEST_OPT)
$(BUILD)/handler/main.o: ALL_CPPFLAGS += -DAPIVIDEO_WATCH_VERSION='"$(VERSION)"'
$(BUILD)/handler/main.o: debian/changelog

$(BUILD)/%.o: %.cpp
	$(call say,CXX,$<)
	$(Q)mkdir -p $(@D) && $(CXX) $(ALL_CPPFLAGS) $(ALL_CXXFLAGS) -c -o $@ $<

# The default templates are compiled into the binary, so a lone binary in a cgi-bin works.
$(BUILD)/gen/templates_builtin.cpp: $(TEMPLATES) tools/embed-templates
	$(call say,GEN,$@)
	$(Q)mkdir -p $(@D) && tools/embed-templates $(TEMPLATES) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/templates_builtin.o: $(BUILD)/gen/templates_builtin.cpp
	$(call say,CXX,$<)
	$(Q)$(CXX) $(ALL_CPPFLAGS) $(ALL_CXXFLAGS) -c -o $@ $<

# Debian packages for building, testing and the demo; skipped when all are present.
deps:
	$(Q)tools/install-deps

# The fast tier alone. Not the fuzz targets' smoke run (make fuzz-smoke): it needs clang,
# and the core built a second time with it and the sanitizers (mk/fuzz.mk), which adds
# 40 s to a clean build and would take this one past two minutes.
unit: $(UNIT_TESTS)
	$(Q)tests/run $(UNIT_TESTS)

# The fuzz targets run once over their corpora (mk/fuzz.mk), then both test binaries;
# tests/run counts them all in its last line, "N passed, N failed". The Debian package is
# built beside the tests (mk/deb.mk), and tests/e2e/deb_tests.cpp installs, checks and
# purges it; so is the static build with its release archive (mk/static.mk), which
# tests/e2e/static_tests.cpp runs in an empty chroot and under Apache. A SANITIZE= build
# skips the fuzz targets (they always carry ASan and UBSan, and the plain run has them),
# the package (built the same either way: without APIVIDEO_WATCH_DEB, deb_tests skips
# itself) and the static build (its sanitizer runtimes would be shared libraries; it links
# the plain run's objects: without APIVIDEO_WATCH_STATIC, static_tests skips itself);
# built with ASan, browser_tests skips itself (Chromium adds nothing a sanitizer checks).
test: deps
	$(Q)$(MAKE) --no-print-directory $(PARALLEL) $(BIN) $(UNIT_TESTS) $(E2E_TESTS)
	$(Q)$(if $(SANITIZE),,$(MAKE) --no-print-directory fuzz-build deb-build LINTIAN=no dist-build)
	$(Q)APIVIDEO_WATCH_BIN=$(abspath $(BIN)) \
	    $(if $(SANITIZE),,APIVIDEO_WATCH_DEB=$(abspath $(DEB_FILE)) APIVIDEO_WATCH_STATIC=$(abspath $(STATIC_BIN)) \
	                      APIVIDEO_WATCH_DIST=$(abspath $(DIST_TAR))) \
	    FUZZ_SMOKE="$(if $(SANITIZE),,tests/fuzz/run smoke $(FUZZ_BUILD) $(FUZZ_TARGETS))" \
	    tests/run $(UNIT_TESTS) $(E2E_TESTS)

check: test

demo: deps
	$(Q)$(MAKE) --no-print-directory $(PARALLEL) $(BIN)
	$(Q)tools/demo

clean:
	rm -rf $(BUILD)

# Further targets (install, fuzz, bench, …) live in mk/, one file per concern.
-include $(wildcard mk/*.mk)

# build/static/ holds libcurl's sources, whose documentation has .d files of its own.
-include $(shell find $(BUILD) -path build/static -prune -o -type f -name '*.d' -print 2>/dev/null)
