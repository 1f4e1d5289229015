// The handler's log lines (see log.h).
#include "handler/log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace watch {

void log_lines(const std::string& text, const char* prefix) {
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = "apivideo-watch: " + std::string(prefix) + text.substr(start, end - start) + "\n";
        ssize_t written = write(2, line.data(), line.size());
        (void)written;
        start = end + 1;
    }
}

bool stderr_is_journal() {
    const char* js = std::getenv("JOURNAL_STREAM");
    if (!js) return false;
    unsigned long long dev = 0, ino = 0;
    struct stat st {};
    return std::sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(2, &st) == 0 &&
           static_cast<unsigned long long>(st.st_dev) == dev && static_cast<unsigned long long>(st.st_ino) == ino;
}

}  // namespace watch
