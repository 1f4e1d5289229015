// End-to-end tier, installing: `make install` / `make uninstall` (mk/install.mk) into a
// staging DESTDIR, the installed binary run, and the man page (docs/apivideo-watch.1)
// checked by groff and against the settings the binary knows.
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include <sys/stat.h>

#include <regex>
#include <set>
#include <sstream>

#include "tests/support/process.h"
#include "tests/support/servers.h"

using namespace testing;

namespace {

// The example files install copies, besides nginx.conf.example. A new example means a new
// line here (and in the man page's FILES).
const char* const kExamples[] = {
    "nginx-upstream.conf",           "apache/apivideo-watch.conf",     "apache/htaccess",
    "systemd/apivideo-watch.socket", "systemd/apivideo-watch.service",
};

// The templates: every html/*.html of the tree (the set changes as players are added).
std::vector<std::string> templates() {
    std::vector<std::string> out;
    for (const auto& entry : std::filesystem::directory_iterator(repo_root() + "/html")) {
        if (entry.path().extension() == ".html") out.push_back(entry.path().filename());
    }
    return out;
}

// `make TARGET DESTDIR=… PREFIX=/usr` in the repository, with the binary the tests run
// (-o: never rebuilt here, whatever the tree's state). Returns the exit code.
int make(const std::string& target, const std::string& destdir, std::string* out) {
    std::string bin = handler_binary();
    char tmpl[] = "/tmp/watch-make.XXXXXX";
    int fd = mkstemp(tmpl);
    BOOST_REQUIRE(fd >= 0);
    close(fd);
    Process::Options o;
    o.stdout_path = tmpl;
    o.stderr_path = tmpl;
    o.cwd = repo_root();
    // Not the outer make's jobserver (its file descriptors are closed here).
    o.unset = {"MAKEFLAGS", "MAKELEVEL", "MFLAGS", "DESTDIR", "PREFIX"};
    Process p(
        {"/usr/bin/make", "--no-print-directory", "-o", bin, target, "BIN=" + bin, "DESTDIR=" + destdir, "PREFIX=/usr"},
        o);
    int st = p.wait(60000);
    *out = read_file(tmpl);
    unlink(tmpl);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// Every file and folder under `root`, relative ("usr/bin/apivideo-watch"); folders end in '/'.
std::set<std::string> tree(const std::string& root) {
    std::set<std::string> out;
    std::string listing;
    BOOST_REQUIRE(run({"/usr/bin/find", root, "-mindepth", "1", "-printf", "%P%y\n"}, &listing) == 0);
    std::istringstream lines(listing);
    for (std::string line; std::getline(lines, line);) {
        char type = line.back();
        line.pop_back();
        out.insert(type == 'd' ? line + "/" : line);
    }
    return out;
}

std::string joined(const std::set<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += "\n  " + i;
    return out;
}

mode_t mode_of(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0;
}

// The man page as a reader sees it: plain text, one long line per paragraph.
std::string man_text() {
    std::string out;
    BOOST_REQUIRE(run({"/usr/bin/groff", "-man", "-Tutf8", "-P-cbou", "-rLL=300n", "-rHY=0",
                       repo_root() + "/docs/apivideo-watch.1"},
                      &out) == 0);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(e2e)
BOOST_AUTO_TEST_SUITE(install_tests)

BOOST_AUTO_TEST_CASE(make_install_puts_exactly_the_expected_files) {
    TempDir stage;
    std::string out;
    BOOST_REQUIRE_MESSAGE(make("install", stage.path(), &out) == 0, out);

    std::set<std::string> expected = {
        "usr/bin/apivideo-watch",
        "usr/share/apivideo-watch/installed-folders",  // what uninstall may remove
        "usr/share/doc/apivideo-watch/examples/nginx.conf.example",
        "usr/share/man/man1/apivideo-watch.1",
    };
    for (const char* e : kExamples) expected.insert(std::string("usr/share/doc/apivideo-watch/examples/") + e);
    for (const auto& t : templates()) expected.insert("usr/share/apivideo-watch/html/" + t);
    std::set<std::string> files;
    for (const auto& f : tree(stage.path())) {
        if (f.back() != '/') files.insert(f);
    }
    BOOST_TEST((files == expected), "installed:" << joined(files) << "\nexpected:" << joined(expected));

    std::string root = stage.path() + "/usr";
    BOOST_TEST(mode_of(root + "/bin/apivideo-watch") == 0755u);
    BOOST_TEST(mode_of(root + "/share/man/man1/apivideo-watch.1") == 0644u);
    for (const auto& t : templates()) {
        BOOST_TEST(read_file(root + "/share/apivideo-watch/html/" + t) == read_file(repo_root() + "/html/" + t), t);
        BOOST_TEST(mode_of(root + "/share/apivideo-watch/html/" + t) == 0644u, t);
    }
    BOOST_TEST(read_file(root + "/share/doc/apivideo-watch/examples/systemd/apivideo-watch.service") ==
               read_file(repo_root() + "/examples/systemd/apivideo-watch.service"));

    // The installed binary runs.
    std::string version;
    BOOST_TEST(run({root + "/bin/apivideo-watch", "--version"}, &version) == 0);
    BOOST_TEST(version.rfind("apivideo-watch ", 0) == 0u, version);
}

BOOST_AUTO_TEST_CASE(the_installed_templates_are_a_working_watch_template_dir) {
    TempDir stage;
    std::string out;
    BOOST_REQUIRE_MESSAGE(make("install", stage.path(), &out) == 0, out);
    std::string dir = stage.path() + "/usr/share/apivideo-watch/html";
    BOOST_TEST(run({stage.path() + "/usr/bin/apivideo-watch", "--check"}, &out,
                   {{"APIVIDEO_API_KEY", "a-key-for-the-check"}, {"WATCH_TEMPLATE_DIR", dir}}) == 0,
               out);
    // And --check does read that folder: a template broken there is refused.
    write_file(dir + "/error.html", read_file(dir + "/error.html") + "{{no_such_placeholder}}\n");
    BOOST_TEST(run({stage.path() + "/usr/bin/apivideo-watch", "--check"}, &out,
                   {{"APIVIDEO_API_KEY", "a-key-for-the-check"}, {"WATCH_TEMPLATE_DIR", dir}}) == 1,
               out);
    BOOST_TEST(out.find("no_such_placeholder") != std::string::npos, out);
}

// A mistyped WATCH_TEMPLATE_DIR must not go unnoticed: the site would show the built-in
// pages while its owner edits files nobody reads.
BOOST_AUTO_TEST_CASE(check_refuses_a_watch_template_dir_that_does_not_exist) {
    TempDir dir;
    std::string out;
    BOOST_TEST(
        run({handler_binary(), "--check"}, &out,
            {{"APIVIDEO_API_KEY", "a-key-for-the-check"}, {"WATCH_TEMPLATE_DIR", dir.file("no-such-folder")}}) == 1,
        out);
    BOOST_TEST(out.find("WATCH_TEMPLATE_DIR") != std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(make_uninstall_leaves_nothing_behind) {
    TempDir stage;
    std::string out;
    BOOST_REQUIRE_MESSAGE(make("install", stage.path(), &out) == 0, out);
    BOOST_REQUIRE_MESSAGE(make("install", stage.path(), &out) == 0, out);  // twice: still one record
    BOOST_REQUIRE_MESSAGE(make("uninstall", stage.path(), &out) == 0, out);
    BOOST_TEST(tree(stage.path()).empty(), "left behind:" << joined(tree(stage.path())));
}

BOOST_AUTO_TEST_CASE(make_uninstall_keeps_what_was_there_before) {
    TempDir stage;
    run({"/bin/mkdir", "-p", stage.file("usr/bin"), stage.file("usr/share/man/man1"), stage.file("usr/share/doc")});
    write_file(stage.file("usr/bin/other-tool"), "#!/bin/sh\n");
    std::set<std::string> before = tree(stage.path());
    std::string out;
    BOOST_REQUIRE_MESSAGE(make("install", stage.path(), &out) == 0, out);
    BOOST_REQUIRE(tree(stage.path()).size() > before.size());
    BOOST_REQUIRE_MESSAGE(make("uninstall", stage.path(), &out) == 0, out);
    std::set<std::string> after = tree(stage.path());
    BOOST_TEST((after == before), "before:" << joined(before) << "\nafter:" << joined(after));
}

BOOST_AUTO_TEST_CASE(man_page_renders_without_a_warning) {
    std::string out;
    int rc = run({"/usr/bin/groff", "-man", "-Tutf8", "-ww", "-z", repo_root() + "/docs/apivideo-watch.1"}, &out);
    BOOST_TEST(rc == 0);
    BOOST_TEST(out.empty(), out);
    // man(1) itself reads it too (it is what users and systemd's Documentation= run).
    rc = run({"/usr/bin/man", "--warnings=w", "-l", "-P", "cat", repo_root() + "/docs/apivideo-watch.1"}, &out,
             {{"MANWIDTH", "80"}});
    BOOST_TEST(rc == 0);
    BOOST_TEST(out.find("warning") == std::string::npos, out);
    for (const char* section : {"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "ENVIRONMENT", "FILES", "EXIT STATUS",
                                "EXAMPLES", "SECURITY", "SEE ALSO"}) {
        BOOST_TEST(out.find(std::string("\n") + section + "\n") != std::string::npos, section);
    }
}

BOOST_AUTO_TEST_CASE(man_page_lists_every_setting_with_its_default) {
    std::string help;
    BOOST_REQUIRE(run({handler_binary(), "--help"}, &help) == 0);
    std::string man = man_text();
    // "  NAME   meaning (default VALUE)" in --help's settings table.
    std::regex row("^  ([A-Z][A-Z0-9_]+) +(.*?)(?: \\(default ([^):][^)]*)\\))?$");
    size_t settings = 0;
    std::istringstream lines(help);
    for (std::string line; std::getline(lines, line);) {
        std::smatch m;
        if (!std::regex_match(line, m, row)) continue;
        ++settings;
        std::string name = m[1];
        size_t entry = man.find("\n       " + name + "\n");
        BOOST_TEST(entry != std::string::npos, name << " has no entry in ENVIRONMENT");
        if (entry == std::string::npos || !m[3].matched) continue;
        // The entry: the name, then its paragraph, up to the blank line before the next.
        std::string text = man.substr(entry, man.find("\n\n", entry + 1) - entry);
        BOOST_TEST(text.find(m[3].str()) != std::string::npos, name << ": default " << m[3] << " not in:" << text);
    }
    BOOST_TEST(settings >= 8u, help);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
