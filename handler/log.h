// The handler's own log lines: "apivideo-watch: …" on stderr, one write(2) per line so no
// line is ever split between processes. Under nginx (spawn-fcgi -n) and Apache stderr is
// the web server's error log; under systemd, the journal.
#pragma once
#include <string>

namespace watch {

// Writes each line of `text` (split at '\n') as "apivideo-watch: <prefix><line>". A
// failed write loses the line: there is nowhere else to say so.
void log_lines(const std::string& text, const char* prefix = "");

// True when stderr is systemd's journal stream (JOURNAL_STREAM names it, systemd.exec(5)):
// a page's log line then goes there rather than to the web server through FCGI_STDERR.
bool stderr_is_journal();

}  // namespace watch
