// Test support: redis-server (see redis.h).
#include "tests/support/redis.h"

#include <signal.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace testing {

RedisServer::RedisServer() : port_(free_port()) { start(); }

RedisServer::~RedisServer() { stop(); }

void RedisServer::start() {
    Process::Options o;
    o.stdout_path = dir_.file("redis.log");
    o.cwd = dir_.path();
    proc_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/bin/redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                 "--save", "", "--appendonly", "no", "--dir", dir_.path()},
        o);
    for (int i = 0; i < 500; ++i) {
        if (cli({"PING"}) == "PONG") return;
        if (!proc_->running()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::runtime_error("redis-server did not answer PING: " + read_file(dir_.file("redis.log")));
}

void RedisServer::stop() {
    if (proc_) proc_->stop(SIGTERM, 5000);
    proc_.reset();
}

std::string RedisServer::cli(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"/usr/bin/redis-cli", "-p", std::to_string(port_)};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string out;
    run(argv, &out);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

}  // namespace testing
