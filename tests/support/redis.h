// Test support: a real redis-server (Debian's) on a free loopback port, of the test's own:
// no persistence, nothing shared with a system service. It can be stopped and started
// again on the same port, as an outage.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace testing {

class RedisServer {
   public:
    RedisServer();  // started, and answering PING
    ~RedisServer();
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    int port() const { return port_; }
    std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
    void stop();
    void start();
    // redis-cli against it; its output (the reply), trailing newline removed.
    std::string cli(const std::vector<std::string>& args) const;

   private:
    TempDir dir_;
    int port_;
    std::unique_ptr<Process> proc_;
};

}  // namespace testing
