// The error table (see errors.h). Visitors see the title and message; the log line gets
// the details, which never include a secret.
#include "common/errors.h"

#include <cstddef>

namespace watch {

const ErrorInfo& error_info(Failure f) {
    static const ErrorInfo table[] = {
        /* BadRequest */ {400, "Bad Request", "Bad request",
                          "This link does not name a video. Check that it was copied whole.", "bad-request"},
        /* Forbidden */
        {403, "Forbidden", "Link not valid", "This watch link has expired or is not valid. Ask the site for a new one.",
         "forbidden"},
        /* MethodNotAllowed */
        {405, "Method Not Allowed", "Method not allowed", "This address only accepts GET and HEAD requests.",
         "method-not-allowed"},
        /* UnknownVideo */
        {404, "Not Found", "Video not found", "There is no video with this id, or it belongs to another account.",
         "unknown-video"},
        /* KeyRefused */
        {502, "Bad Gateway", "Video service unavailable",
         "The video service refused this site's credentials. The site's owner has been told.", "key-refused"},
        /* BadReply */
        {502, "Bad Gateway", "Video service unavailable",
         "The video service sent a reply this page could not use. Please try again later.", "bad-reply"},
        /* NoSession */
        {502, "Bad Gateway", "Video service unavailable",
         "The video service did not open a viewing session. Please try again later.", "no-session"},
        /* Unreachable */
        {502, "Bad Gateway", "Video service unavailable",
         "The video service could not be reached. Please try again later.", "unreachable"},
        /* RateLimited */
        {503, "Service Unavailable", "Too many viewers right now",
         "The video service asked us to slow down. Please try again in a minute.", "rate-limited"},
        /* Overloaded */
        {503, "Service Unavailable", "Too many viewers right now",
         "This site is showing as many videos as it can at once. Please try again in a moment.", "overloaded"},
        /* Timeout */
        {504, "Gateway Timeout", "Video service too slow", "The video service did not reply in time. Please try again.",
         "timeout"},
        /* Internal */
        {500, "Internal Server Error", "Something went wrong", "This page could not be made. Please try again later.",
         "internal"},
    };
    static_assert(sizeof(table) / sizeof(table[0]) == static_cast<size_t>(Failure::Internal) + 1,
                  "one row per Failure, in the enum's order");
    return table[static_cast<size_t>(f)];
}

std::string status_line(int status) {
    if (status == 200) return "200 OK";
    for (size_t f = 0; f <= static_cast<size_t>(Failure::Internal); ++f) {
        const ErrorInfo& e = error_info(static_cast<Failure>(f));
        if (e.status == status) return std::to_string(status) + " " + e.reason;
    }
    return std::to_string(status);  // CGI allows a bare code; none of ours lacks a row
}

}  // namespace watch
