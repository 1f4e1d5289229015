// Letting go of the listening socket (see handover.h).
#include "handler/handover.h"

#include <utility>

namespace watch {

void Handover::begin(std::function<void(bool)> stop, std::function<void(const std::string&)> log) {
    stop_ = std::move(stop);
    log_ = std::move(log);
    if (listener_.from_systemd) return stop_(false);  // systemd queues for the next process
    if (listener_.path.empty()) return stop_(true);
    look(kWaitMs);
}

void Handover::look(long left_ms) {
    if (listener_.handed_over()) {
        timer_ = loop_.after(kSettleMs, [this] { stop_(true); });
        return;
    }
    if (left_ms <= 0) {
        log_("no successor took over " + listener_.path + "; stopping");
        return stop_(true);
    }
    timer_ = loop_.after(kPollMs, [this, left_ms] { look(left_ms - kPollMs); });
}

}  // namespace watch
