# make bench: apivideo-watch (nginx + FastCGI) against the seed's Node.js example, side by
# side on one stand-in and one machine, load from wrk (not part of make test; ~3 minutes).
#
#   make bench [BENCH_SECONDS=15] [BENCH_WARMUP=3]
#
# prints one table and writes it to bench/results.md (bench/bench --help for the rest).
# The Node side is built at run time from ../shared/seed/ (or $APIVIDEO_SHARED).

BENCH_SECONDS ?= 15
BENCH_WARMUP  ?= 3
BENCH_PROBE   := $(BUILD)/bench/latency_probe

.PHONY: bench
bench: deps
	$(Q)$(MAKE) --no-print-directory $(BIN) $(BENCH_PROBE)
	$(Q)APIVIDEO_WATCH_BIN=$(abspath $(BIN)) BENCH_PROBE=$(abspath $(BENCH_PROBE)) \
	    bench/bench --seconds $(BENCH_SECONDS) --warmup $(BENCH_WARMUP) --out bench/results.md

# The probe is a plain libcurl client, like the handler's own calls; no project code in it.
$(BENCH_PROBE): bench/latency_probe.cpp
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D) && $(CXX) $(ALL_CXXFLAGS) $(LDFLAGS) -o $@ $< -lcurl
