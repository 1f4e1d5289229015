"""bench/benchlib.py: what bench/bench, bench/soak and bench/callgrind-pages share.

The stand-in, the handler under spawn-fcgi and nginx from nginx.conf.example, each started
in its own process group and stopped by stop_all(); waiting until they are ready; plain HTTP
to loopback; /proc readings. The scripts import it by path (they are executables without .py).
"""

import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VIDEO_ID = "vi5fG2hPr1vAtEpr1vAtE001"  # tests/fixtures/videos/private.json: private, with MP4
# The benches measure the sides, not api.video's read budget: the stand-in's is out of reach.
# Nine digits, the most the handler reads from X-RateLimit-Limit (a longer number counts as
# absent, and the handler would keep to APIVIDEO_READS_PER_MINUTE's 500).
STANDIN_RATE_LIMIT = 999_999_999


class BenchError(Exception):
    """A run that cannot go on; the script prints it as one line."""


def which(tool):
    """The tool's path; Debian puts daemons in /usr/sbin, which a user's PATH may leave out."""
    found = shutil.which(tool)
    if found:
        return found
    sbin = Path("/usr/sbin") / tool
    return str(sbin) if os.access(sbin, os.X_OK) else None


def reachable_tmpdir(prefix, parent=None):
    """A new temporary folder that nginx's and php-fpm's workers (www-data) can pass through."""
    d = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    d.chmod(0o755)
    return d


def clean_env(extra, keep_settings=False):
    """This environment plus extra: no CGI marker (the handler would serve one request and exit)."""
    # Unless keep_settings, the handler's and the seed's settings of the caller's shell go too.
    drop = () if keep_settings else ("APIVIDEO_", "WATCH_", "SEED_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop) and k != "GATEWAY_INTERFACE"}
    env.update(extra)
    return env


def must_replace(text, old, new, what):
    """text with its one `old` replaced: a template that changed fails loudly, not silently."""
    if text.count(old) != 1:
        raise BenchError(f"{what}: expected exactly one {old!r}, found {text.count(old)}")
    return text.replace(old, new)


# ----------------------------------------------------------------------------------------
# Processes: every one started here is in its own process group and is stopped at exit.
# ----------------------------------------------------------------------------------------

SERVICES = []


class Service:
    """A child process in its own group (Ctrl-C reaches only the script), output to logfile."""

    def __init__(self, name, argv, env, logfile, stop_signal=signal.SIGTERM, cwd=None,
                 stdin=subprocess.DEVNULL):
        self.name = name
        self.stop_signal = stop_signal
        self.logfile = logfile
        with open(logfile, "ab") as out:
            self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=stdin, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self.pid = self.proc.pid
        SERVICES.append(self)

    def alive(self):
        return self.proc.poll() is None

    def tail(self, n=8):
        """The log's last lines, for an error message."""
        try:
            return "\n".join(Path(self.logfile).read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self, grace=10):
        """Its stop signal to the whole group; SIGKILL to the group after grace seconds."""
        if self.alive():
            try:
                os.killpg(self.pid, self.stop_signal)
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                # Still running, so the group is still ours: end all of it.
                os.killpg(self.pid, signal.SIGKILL)
                self.proc.wait(5)
            except ProcessLookupError:
                pass
        if self in SERVICES:
            SERVICES.remove(self)


def stop_all(log):
    """Stops every service still running, the last started first; log(msg) hears of failures."""
    for s in reversed(list(SERVICES)):
        try:
            s.stop()
        except Exception as e:  # keep stopping the others
            log(f"could not stop {s.name}: {e}")


def wait_until(what, test, seconds=15.0, service=None):
    """Polls test() until true; fails early with the log's tail if service exits meanwhile."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if service is not None and not service.alive():
            raise BenchError(f"{what}: {service.name} exited:\n{service.tail()}")
        try:
            if test():
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise BenchError(f"{what}: not ready after {seconds:.0f} s" + (f"\n{service.tail()}" if service else ""))


# ----------------------------------------------------------------------------------------
# Loopback
# ----------------------------------------------------------------------------------------

def free_port():
    """A loopback port free now, for a server that takes its port from its configuration."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    """True once something accepts on 127.0.0.1:port (raises OSError before)."""
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


# Plain HTTP to loopback; proxies from the environment are ignored.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http(url, method="GET", headers=None, data=None, timeout=15):
    """(status, headers, body) of one request; 4xx/5xx answers are returned, not raised."""
    req = urllib.request.Request(url, method=method, headers=headers or {}, data=data)
    try:
        with _opener.open(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


# ----------------------------------------------------------------------------------------
# /proc
# ----------------------------------------------------------------------------------------

def stat_fields(pid):
    """/proc/<pid>/stat from field 3 on (proc(5) field N is [N - 3]): the name may hold spaces."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def status_kib(pids, field):
    """A kB field of /proc/<pid>/status (VmHWM: peak RSS), summed over the processes."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    total += int(line.split()[1])
    return total


def children_of(pid):
    """The processes whose parent is pid (nginx's workers, php-fpm's), by pid."""
    kids = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        child = int(stat.split("/")[2])
        try:
            if int(stat_fields(child)[1]) == pid:
                kids.append(child)
        except OSError:
            continue  # ended meanwhile
    return sorted(kids)


# ----------------------------------------------------------------------------------------
# The servers
# ----------------------------------------------------------------------------------------

class Standin:
    """tests/standin/apivideo-standin at latency_ms, its base URLs read from its port file.

    rate_limit reads per rate_window_s seconds (the stand-in's default window, 60 s, when
    None): out of reach unless a bench measures the budget itself."""

    def __init__(self, tmp, key, latency_ms=0, rate_limit=STANDIN_RATE_LIMIT, rate_window_s=None):
        self.key = key
        self.latency_ms = latency_ms
        name = f"{latency_ms}ms" + ("" if rate_limit == STANDIN_RATE_LIMIT else f"-{rate_limit}-reads")
        window = ["--rate-window-s", str(rate_window_s)] if rate_window_s is not None else []
        port_file = tmp / f"standin-{name}.json"
        self.service = Service(f"stand-in ({latency_ms} ms)",
                               ["python3", str(ROOT / "tests/standin/apivideo-standin"), "--key", key,
                                "--port-file", str(port_file), "--latency-ms", str(latency_ms),
                                "--rate-limit", str(rate_limit), *window],
                               os.environ.copy(), tmp / f"standin-{name}.log")
        # The stand-in writes the file whole (a rename): once it exists it can be read.
        wait_until("the stand-in", port_file.exists, service=self.service)
        ports = json.loads(port_file.read_text())
        self.api, self.vod = ports["api"], ports["vod"]

    def stats(self):
        """Its counters (requests per host, sessions, its own CPU seconds)."""
        return json.loads(http(self.api + "/_standin/stats")[2])

    def reset(self):
        """Counters, request log and knobs back to a fresh start, between sides."""
        status = http(self.api + "/_standin/reset", method="POST", data=b"")[0]
        if status not in (200, 204):
            raise BenchError(f"stand-in reset answered {status}")

    def requests(self, since=0):
        """Its request log after sequence number `since`: which calls a page made."""
        return json.loads(http(f"{self.api}/_standin/requests?since={since}")[2])

    def set_knobs(self, knobs):
        """Turns the stand-in's fault rules on (knobs: its JSON), or all off (None)."""
        url = f"{self.api}/_standin/knobs"
        if knobs is None:
            status, _, body = http(url, method="DELETE")
        else:
            status, _, body = http(url, method="POST", headers={"Content-Type": "application/json"},
                                   data=json.dumps(knobs).encode())
        if status != 200:
            raise BenchError(f"the stand-in refused knobs: {status} {body[:200]!r}")

    def stop(self):
        self.service.stop()


def spawn_handler(d, binary, env):
    """The handler under spawn-fcgi on d/watch.sock, as the README's nginx recipe runs it: (service, socket)."""
    # -n: spawn-fcgi binds the socket, then execs the handler in its own pid (the service's).
    sock = d / "watch.sock"
    owner = ["-U", "www-data", "-G", "www-data"] if os.geteuid() == 0 else []
    handler = Service("apivideo-watch", [which("spawn-fcgi") or "spawn-fcgi", "-n", "-s", str(sock), "-M", "0660",
                                         *owner, "--", str(binary)], env, d / "handler.log")
    wait_until("the handler's socket", sock.is_socket, service=handler)
    wait_until("the handler's exec", lambda: os.path.realpath(f"/proc/{handler.pid}/exe") ==
               os.path.realpath(binary), service=handler)
    return handler, sock


class Nginx:
    """nginx from `example` (nginx.conf.example) on a free port, passing /watch to the FastCGI socket `sock`."""

    def __init__(self, d, sock, example, params=None, workers="auto", worker_connections=4096, access_log=True,
                 site=None):
        """site: a function of the port giving the server block(s) to use instead of `example`."""
        self.dir = d
        self.port = free_port()
        as_root = os.geteuid() == 0
        if site is not None:
            site = site(self.port)
        else:
            site = example.read_text()
            what = example.name
            site = must_replace(site, "listen 80;", f"listen 127.0.0.1:{self.port};", what)
            site = must_replace(site, "unix:/run/apivideo-watch/apivideo-watch.sock", f"unix:{sock}", what)
            site = must_replace(site, "root /var/www/html;", f"root {d}/www;", what)
            # One client address sends everything, as in the tests: raise the per-address limit
            # (and its burst: nginx counts in milliseconds, and many requests share one).
            site = must_replace(site, "rate=5r/s", "rate=1000000r/s", what)
            site = must_replace(site, "burst=10", "burst=100000", what)
        self.keep_conn = bool(re.search(r"^\s*fastcgi_keep_conn\s+on\s*;", site, re.M))
        (d / "www").mkdir()
        # params: more lines (PHP-FPM needs SCRIPT_FILENAME, which Debian's fastcgi_params leaves out).
        fastcgi_params = Path("/etc/nginx/fastcgi_params").read_text()
        for name, value in (params or {}).items():
            fastcgi_params += f"fastcgi_param {name} {value};\n"
        (d / "fastcgi_params").write_text(fastcgi_params)
        (d / "site.conf").write_text(site)
        access = f"{d}/nginx-access.log" if access_log else "off"
        (d / "nginx.conf").write_text(
            ("user www-data;\n" if as_root else "") +
            f"worker_processes {workers};\n"
            f"pid {d}/nginx.pid;\n"
            f"error_log {d}/nginx-error.log warn;\n"
            f"events {{ worker_connections {worker_connections}; }}\n"
            "http {\n"
            "    include /etc/nginx/mime.types;\n"
            f"    access_log {access};\n"
            f"    client_body_temp_path {d}/body;\n"
            f"    fastcgi_temp_path {d}/fastcgi;\n"
            f"    proxy_temp_path {d}/proxy;\n"
            f"    uwsgi_temp_path {d}/uwsgi;\n"
            f"    scgi_temp_path {d}/scgi;\n"
            f"    include {d}/site.conf;\n"
            "}\n")
        nginx = which("nginx") or "nginx"
        conf = ["-e", str(d / "nginx-error.log"), "-c", str(d / "nginx.conf")]
        check = subprocess.run([nginx, "-t", "-q", *conf], capture_output=True, text=True, timeout=30)
        if check.returncode != 0:
            raise BenchError("nginx -t refused the rendered configuration:\n" + check.stderr)
        self.service = Service("nginx", [nginx, *conf, "-g", "daemon off;"], os.environ.copy(),
                               d / "nginx-stderr.log", stop_signal=signal.SIGQUIT)
        wait_until("nginx", lambda: port_open(self.port), service=self.service)
        wait_until("nginx's workers", lambda: children_of(self.service.pid), service=self.service)
        self.url = f"http://127.0.0.1:{self.port}/watch?id={VIDEO_ID}"

    def pids(self):
        return [self.service.pid] + children_of(self.service.pid)

    def reload(self):
        """New workers; the old ones close their kept connections to the handler and exit."""
        os.kill(self.service.pid, signal.SIGHUP)

    def stop(self):
        self.service.stop()
