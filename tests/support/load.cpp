// Test support: wrk (see load.h).
#include "tests/support/load.h"

#include <regex>
#include <stdexcept>

namespace testing {

Load::Load(const std::string& url, int connections, int seconds) {
    Process::Options o;
    o.stdout_path = dir_.file("wrk.out");
    o.stderr_path = dir_.file("wrk.err");
    wrk_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/bin/wrk", "-t", "2", "-c", std::to_string(connections), "-d",
                                 std::to_string(seconds) + "s", "--timeout", "10s", url},
        o);
}

LoadResult Load::finish() {
    int status = wrk_->wait(120000);
    LoadResult r;
    r.raw = read_file(dir_.file("wrk.out")) + read_file(dir_.file("wrk.err"));
    if (status != 0) throw std::runtime_error("wrk failed: " + r.raw);
    std::smatch m;
    if (std::regex_search(r.raw, m, std::regex(R"((\d+) requests in)"))) r.requests = std::stol(m[1]);
    if (std::regex_search(r.raw, m, std::regex(R"(Non-2xx or 3xx responses: (\d+))"))) r.non_2xx = std::stol(m[1]);
    if (std::regex_search(r.raw, m,
                          std::regex(R"(Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+))"))) {
        for (int i = 1; i <= 4; ++i) r.socket_errors += std::stol(m[i]);
    }
    return r;
}

}  // namespace testing
