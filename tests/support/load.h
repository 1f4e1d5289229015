// Test support: load from wrk, as an operator would apply it, reduced to counts.
#pragma once
#include <memory>
#include <string>

#include "tests/support/process.h"

namespace testing {

struct LoadResult {
    long requests = 0;       // responses wrk received
    long non_2xx = 0;        // "Non-2xx or 3xx responses"
    long socket_errors = 0;  // connect + read + write + timeout errors
    std::string raw;         // what wrk printed
};

// wrk running in the background: `connections` connections for `seconds` on `url`.
class Load {
   public:
    Load(const std::string& url, int connections, int seconds);
    // Waits for wrk to end and reads its counts.
    LoadResult finish();

   private:
    TempDir dir_;
    std::unique_ptr<Process> wrk_;
};

}  // namespace testing
