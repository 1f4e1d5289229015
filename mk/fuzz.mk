# libFuzzer targets (tests/fuzz/fuzz_*.cpp), built with clang, ASan and UBSan into
# $(BUILD)/fuzz/. The core (common/*.cpp and the built-in templates) is compiled again
# with clang for them: g++'s libwatch.a has no coverage instrumentation.
#
#   make fuzz-smoke                 each target once over its seed corpus (a few seconds)
#   make fuzz [FUZZ_SECONDS=60]     each target for FUZZ_SECONDS; new inputs are kept in
#                                   $(BUILD)/fuzz/corpus/, crashes in $(BUILD)/fuzz/artifacts/
#   make fuzz-build                 only build them

FUZZ_CXX     ?= clang++
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := $(BUILD)/fuzz
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.cpp,%,$(wildcard tests/fuzz/fuzz_*.cpp))
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)
# -O1 -g: fast enough to fuzz, readable stacks. No recovery: any UB is a crash libFuzzer keeps.
FUZZ_CXXFLAGS := -std=c++17 $(WARN) -g -O1 -fno-omit-frame-pointer \
                 -fsanitize=address,undefined -fno-sanitize-recover=all \
                 -fsanitize-ignorelist=tests/fuzz/ubsan.ignorelist
FUZZ_CPPFLAGS := -I. -MMD -MP $(CPPFLAGS)
# A change of flags or of the ignore list rebuilds everything.
FUZZ_FLAGS_DEPS := mk/fuzz.mk tests/fuzz/ubsan.ignorelist
# The FastCGI reader is the one adapter file that reads untrusted bytes: fuzzed too.
FUZZ_LIB_OBJ := $(COMMON_SRC:%.cpp=$(FUZZ_BUILD)/obj/%.o) $(FUZZ_BUILD)/obj/handler/fastcgi_protocol.o \
                $(FUZZ_BUILD)/obj/templates_builtin.o

.PHONY: fuzz fuzz-smoke fuzz-build
fuzz-build: $(FUZZ_BINS)

# As make test does: the packages first (clang, tools/deps/fuzz.txt), then the build.
fuzz-smoke: deps
	$(Q)$(MAKE) --no-print-directory fuzz-build
	$(Q)tests/fuzz/run smoke $(FUZZ_BUILD) $(FUZZ_TARGETS)

fuzz: deps
	$(Q)$(MAKE) --no-print-directory fuzz-build
	$(Q)tests/fuzz/run fuzz $(FUZZ_BUILD) $(FUZZ_TARGETS) --seconds $(FUZZ_SECONDS)

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/obj/tests/fuzz/fuzz_%.o $(FUZZ_BUILD)/libwatch-fuzz.a
	$(call say,FUZZLD,$@)
	$(Q)$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $^ $(LIBS)

$(FUZZ_BUILD)/libwatch-fuzz.a: $(FUZZ_LIB_OBJ)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# fuzzer-no-link: coverage for libFuzzer's guidance, without a second main().
$(FUZZ_BUILD)/obj/%.o: %.cpp $(FUZZ_FLAGS_DEPS)
	$(call say,CLANG,$<)
	$(Q)mkdir -p $(@D) && $(FUZZ_CXX) $(FUZZ_CPPFLAGS) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/obj/templates_builtin.o: $(BUILD)/gen/templates_builtin.cpp $(FUZZ_FLAGS_DEPS)
	$(call say,CLANG,$<)
	$(Q)mkdir -p $(@D) && $(FUZZ_CXX) $(FUZZ_CPPFLAGS) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

# The fuzz targets' objects stay if a link fails: no need to recompile them.
.SECONDARY: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/obj/tests/fuzz/fuzz_%.o)
