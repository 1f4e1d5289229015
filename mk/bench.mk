# make bench: apivideo-watch (nginx + FastCGI) against PHP-FPM (the same flow in PHP,
# bench/php/watch.php, behind the same nginx) and the seed's Node.js example, side by side on
# one stand-in and one machine, load from wrk; the handler (make's and make static's) against
# php-cgi as CGI, timed by hyperfine; then a burst of three times api.video's read budget
# against each side (its own table); then the fleet of issue 19, one site served by several
# processes, hosts (a redis-server of its own) or CGI (its own table, with the store's cost
# per request). Not part of make test; about 10 minutes.
#
#   make bench [BENCH_SECONDS=15] [BENCH_WARMUP=3]
#
# prints three tables and writes them to bench/results.md, keeping the notes below its marker
# (bench/bench --help for the rest; --only burst runs the burst alone, --only fleet the fleet). The Node side is built
# at run time from the seed in ../shared/seed/ (or $APIVIDEO_SHARED/seed/); without one, the
# bench says so in one line and measures the handler and PHP-FPM (the seed's column and ratios
# read "—").

BENCH_SECONDS ?= 15
BENCH_WARMUP  ?= 3
BENCH_PROBE   := $(BUILD)/bench/latency_probe

.PHONY: bench
bench: deps
	$(Q)$(MAKE) --no-print-directory $(BIN) $(BENCH_PROBE) static-build
	$(Q)APIVIDEO_WATCH_BIN=$(abspath $(BIN)) BENCH_PROBE=$(abspath $(BENCH_PROBE)) \
	    APIVIDEO_WATCH_STATIC=$(abspath $(STATIC_BIN)) \
	    bench/bench --seconds $(BENCH_SECONDS) --warmup $(BENCH_WARMUP) --out bench/results.md

# The probe is a plain libcurl client, like the handler's own calls; no project code in it.
$(BENCH_PROBE): bench/latency_probe.cpp
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D) && $(CXX) $(ALL_CXXFLAGS) $(LDFLAGS) -o $@ $< -lcurl
