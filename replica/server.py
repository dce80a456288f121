"""The replica portal over real HTTP: one loopback address per site, one shared port.

Each site gets its own address (127.0.0.2, 127.0.0.3, ...) so that a crawler's
per-domain politeness, offsite filtering and robots.txt handling meet distinct hosts,
as they would on the real portals. What the sites serve is decided in `replica.sites`;
this module binds, answers (with ETag/Last-Modified revalidation), writes the truth the
crawl is graded against, and logs every request so tests can check the crawler's
manners (robots, concurrency per host, conditional requests).

Faults. A crawl that runs for years meets every failure a badly kept server has, so the
replica can inject them, off unless asked for: `Replica(faults=SPEC)`, where SPEC maps a
scope to a rule or a list of rules.

    scope   "replica-trs"                   every request to that site
            "/robots.txt"                   that exact path, on every site
            "replica-hanweb/module/download/*"  a prefix (trailing *), on one site
            A scope's path is compared with the request's path, or with path and query when
            the scope holds a "?"; both percent-decoded.
    rule    {"kind": KIND, "times": N, ...}: the first N requests to each matching target
            (path and query) get the fault, later ones are served normally; "times": None
            means every request. N defaults to 1. Rules are tried in the order given; the
            first one that matches and has requests left fires, and only it counts one.

    kind              what the client meets                          parameters (default)
    5xx_burst         an error page with that status                 status (503)
    429               429 Too Many Requests, Retry-After: S          retry_after (1)
    hang              no answer; the connection closes after S s     seconds (5)
    robots_timeout    hang, on /robots.txt only                      seconds (5)
    reset             the connection closed with a TCP RST
    truncate          Content-Length of the whole body, half of it sent, then closed
    drip              the whole body, `chunk` bytes per `pause` s, within `seconds`
                                                                     chunk (64), pause (0.05), seconds (5)
    redirect_loop     302 from A to A?loop=1 (or A&loop=1) and back, each hop one request
    redirect_offsite  302 to `to`, by default the same path on 127.0.0.9 where nothing listens
    html_for_pdf      200 with an HTML error page under the promised file's Content-Type
    closed_port       the site (scope: a bare site key) keeps its host and port in `sites`,
                      but nothing listens there: connections are refused

Hangs and drips never last longer than MAX_STALL seconds, and end at once when the replica
stops. Truncated and dripped responses carry no validators, so the fault cannot hide behind a
304. Each request a fault answered is logged with `fault` set to its kind (status 0 when
nothing was sent: hang, robots_timeout, reset); a refused connection to a closed port never
reaches the replica and is not logged. Everything is counted per target, so the same
requests in the same order meet the same faults.
"""
from __future__ import annotations

import collections
import hashlib
import json
import math
import socket
import struct
import threading
import time
from dataclasses import dataclass, fields, replace
from datetime import timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qsl, unquote, urlsplit

from replica.sites import FOUND, HOSTS, SITE_KEYS, Page, Site, build_portal

# Request headers worth keeping in the log: they show politeness and revalidation.
LOGGED_HEADERS = ("User-Agent", "Referer", "If-None-Match", "If-Modified-Since",
                  "Cookie", "X-Requested-With", "Content-Type")


class Request(NamedTuple):
    """One answered request, as tests read it from `Replica.requests`."""
    host: str            # the site's loopback address
    method: str
    path: str            # path and query string, as sent
    status: int
    headers: dict        # the LOGGED_HEADERS the client sent
    started: float       # time.monotonic() when the request line was read
    finished: float
    inflight: int        # requests being served on this host when it started, itself included
    fault: str | None = None  # the kind of fault injected into the answer, if any


FAULT_KINDS = ("5xx_burst", "429", "hang", "robots_timeout", "reset", "truncate", "drip", "redirect_loop",
               "redirect_offsite", "html_for_pdf", "closed_port")
MAX_STALL = 30.0          # seconds: no hang or drip lasts longer, whatever the spec says
OFFSITE_HOST = "127.0.0.9"
LOOP_MARKS = ("?loop=1", "&loop=1")
SERVICE_UNAVAILABLE = (b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
                       b"<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n"
                       b"</body>\r\n</html>\r\n")
TOO_MANY = "<html><body><h1>访问过于频繁，请稍后再试</h1></body></html>".encode()
FILE_MISSING = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>提示信息</title></head>'
                "<body><p>对不起，您要下载的文件不存在或已被删除！</p><p><a href=\"/\">返回首页</a></p></body></html>").encode()


@dataclass(frozen=True)
class Fault:
    """One rule of a fault spec; see the module docstring."""
    kind: str
    times: int | None = 1
    status: int = 503
    retry_after: int = 1
    seconds: float = 5.0
    chunk: int = 64
    pause: float = 0.05
    to: str | None = None


@dataclass(frozen=True)
class Scope:
    """Where a rule applies: a site (None: any), a path (empty: all of it), exact or a prefix."""
    site: str | None
    path: str
    prefix: bool

    @classmethod
    def parse(cls, key: str) -> "Scope":
        site, slash, path = key.partition("/")
        path = slash + path
        return cls(site or None, path.removesuffix("*"), path.endswith("*"))

    def matches(self, site: str, target: str) -> bool:
        if self.site not in (None, site):
            return False
        subject = unquote(target if "?" in self.path else target.partition("?")[0])
        return subject.startswith(self.path) if self.prefix else not self.path or subject == self.path


def without_loop_mark(target: str) -> str:
    return target[:-len(LOOP_MARKS[0])] if target.endswith(LOOP_MARKS) else target


def loop_partner(target: str) -> str:
    """A for A?loop=1, and A?loop=1 (A&loop=1 when A has a query) for A."""
    if target.endswith(LOOP_MARKS):
        return without_loop_mark(target)
    return target + LOOP_MARKS["?" in target]


class Faults:
    """A fault spec, checked, and how many times each rule has fired at each target."""

    def __init__(self, spec: dict | None):
        self.rules: list[tuple[Scope, Fault]] = []
        for key, rules in (spec or {}).items():
            scope = Scope.parse(key)
            for rule in [rules] if isinstance(rules, dict) else rules:
                self.rules.append((scope, make_fault(scope, rule)))
        self._fired: collections.Counter = collections.Counter()
        self._lock = threading.Lock()

    def closed_sites(self) -> set[str]:
        return {scope.site for scope, fault in self.rules if fault.kind == "closed_port"}

    def fire(self, site: str, target: str) -> Fault | None:
        """The fault this request meets, if any, counted against its rule."""
        target = without_loop_mark(target)
        with self._lock:
            for number, (scope, fault) in enumerate(self.rules):
                if fault.kind == "closed_port" or not scope.matches(site, target):
                    continue
                if fault.kind == "robots_timeout" and target.partition("?")[0] != "/robots.txt":
                    continue
                if fault.times is None or self._fired[number, site, target] < fault.times:
                    self._fired[number, site, target] += 1
                    return fault
        return None


def make_fault(scope: Scope, rule: dict) -> Fault:
    known = {field.name for field in fields(Fault)}
    if rule.get("kind") not in FAULT_KINDS or set(rule) - known:
        raise ValueError(f"bad fault rule {rule!r}: kinds are {FAULT_KINDS}, parameters {sorted(known)}")
    if scope.site is not None and scope.site not in SITE_KEYS:
        raise ValueError(f"unknown site {scope.site!r} in a fault scope; sites are {SITE_KEYS}")
    if rule["kind"] == "closed_port" and (scope.site is None or scope.path):
        raise ValueError("closed_port applies to a whole site: its scope is a bare site key")
    times = rule.get("times", 1)
    if times is not None and (not isinstance(times, int) or times < 1):
        raise ValueError(f"times must be a positive integer or None, not {times!r}")
    return Fault(**rule)


def fault_page(fault: Fault, page: Page, target: str, port: int) -> Page:
    """The answer of a fault that replaces the page with another one."""
    if fault.kind == "5xx_burst":
        return Page(SERVICE_UNAVAILABLE, status=fault.status)
    if fault.kind == "429":
        return Page(TOO_MANY, status=429, headers=(("Retry-After", str(fault.retry_after)),))
    if fault.kind == "redirect_loop":
        return Page(FOUND, status=302, headers=(("Location", loop_partner(target)),))
    if fault.kind == "redirect_offsite":
        return Page(FOUND, status=302, headers=(("Location", fault.to or f"http://{OFFSITE_HOST}:{port}{target}"),))
    if fault.kind == "html_for_pdf":
        return Page(FILE_MISSING, page.content_type)
    return replace(page, last_modified=None)  # truncate, drip: the real bytes, no 304


def etag_of(page: Page) -> str:
    """A strong ETag from the bytes (plus the page's salt, to model a re-stamped file)."""
    return '"%s"' % hashlib.sha1(page.body + page.etag_salt).hexdigest()[:20]


def not_modified(page: Page, etag: str, if_none_match: str | None,
                 if_modified_since: str | None) -> bool:
    """RFC 9110 precedence: If-None-Match decides when present, else If-Modified-Since."""
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or etag in tags
    if if_modified_since is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        return since.tzinfo is not None and page.last_modified <= since
    return False


class Handler(BaseHTTPRequestHandler):
    """Answers from the site bound to this server; HTTP/1.1 so Scrapy keeps connections."""
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle keep-alive connection must not pin a thread forever
    server: "SiteServer"

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_POST(self) -> None:
        self._serve(head=False)

    def send_response(self, code: int, message: str | None = None) -> None:
        self._status = code
        super().send_response(code, message)

    def log_message(self, format: str, *args) -> None:
        """Silenced: the replica keeps its own log in `Replica.requests`."""

    def _serve(self, head: bool) -> None:
        """Log the request once its head is sent and before its body: by the time a client holds
        the whole response, `Replica.requests` shows it and it is no longer in flight."""
        replica, site = self.server.replica, self.server.site
        started, inflight = replica._enter(site.host)
        self._status, body, fault = 0, b"", None
        try:
            url = urlsplit(self.path)
            form: dict[str, str] = dict(parse_qsl(url.query))
            if self.command == "POST":
                length = int(self.headers.get("Content-Length") or 0)
                form.update(parse_qsl(self.rfile.read(length).decode("utf-8", "replace")))
            fault = replica.faults.fire(site.key, self.path)
            page = site.respond(url.path, form)
            body = self._inject(fault, page) if fault else self._send_head(page)
        finally:
            replica._leave(Request(
                host=site.host, method=self.command, path=self.path, status=self._status,
                headers={h: self.headers[h] for h in LOGGED_HEADERS if h in self.headers},
                started=started, finished=time.monotonic(), inflight=inflight,
                fault=fault.kind if fault else None))
        if head or not body:
            return
        if fault and fault.kind == "truncate":
            self.wfile.write(body[:len(body) // 2])
            self.close_connection = True
        elif fault and fault.kind == "drip":
            self._drip(body, fault)
        else:
            self.wfile.write(body)

    def _inject(self, fault: Fault, page: Page) -> bytes:
        """Answer as the fault says; returns the body still to send."""
        if fault.kind in ("hang", "robots_timeout"):
            self.server.replica.stopping.wait(min(fault.seconds, MAX_STALL))
            self.close_connection = True
            return b""
        if fault.kind == "reset":
            self._reset()
            return b""
        return self._send_head(fault_page(fault, page, self.path, self.server.server_address[1]))

    def _reset(self) -> None:
        """Close with a TCP RST (SO_LINGER 0) instead of a FIN, as a crashed server or a firewall does."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()  # the socket closes only once no file object holds it
        self.connection.close()
        self.close_connection = True

    def _drip(self, body: bytes, fault: Fault) -> None:
        """`chunk` bytes at a time; the pauses shrink so that the whole body takes at most `seconds`."""
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pieces = math.ceil(len(body) / fault.chunk)
        pause = min(fault.pause, min(fault.seconds, MAX_STALL) / pieces)
        for start in range(0, len(body), fault.chunk):
            self.wfile.write(body[start:start + fault.chunk])
            if self.server.replica.stopping.wait(pause):
                return

    def _send_head(self, page: Page) -> bytes:
        """Status and headers, answering 304 to a matching conditional request; returns the body."""
        headers = list(page.headers)
        status, body = page.status, page.body
        if page.last_modified is not None:
            etag = etag_of(page)
            modified = page.last_modified.astimezone(timezone.utc)
            headers += [("ETag", etag), ("Last-Modified", format_datetime(modified, usegmt=True))]
            if status == 200 and not_modified(page, etag, self.headers.get("If-None-Match"),
                                              self.headers.get("If-Modified-Since")):
                status, body = 304, b""
        self.send_response(status)
        if status != 304:
            self.send_header("Content-Type", page.content_type)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return body


class SiteServer(ThreadingHTTPServer):
    """One site's listener; carries the site and the replica for the handler."""
    daemon_threads = True

    def __init__(self, address: tuple[str, int], replica: "Replica"):
        super().__init__(address, Handler, bind_and_activate=False)
        self.replica = replica
        self.site: Site | None = None  # attached once the port is known and pages are built


def bind_all(hosts: list[str], port: int, replica: "Replica", attempts: int = 20) -> list[SiteServer]:
    """Bind every host on one port; with port 0, retry until a port is free on all of them."""
    for _ in range(attempts):
        servers: list[SiteServer] = []
        try:
            for host in hosts:
                # With port 0 the first bind picks the port; the others must take the same one.
                server = SiteServer((host, servers[0].server_address[1] if servers else port), replica)
                servers.append(server)
                server.server_bind()
                server.server_activate()
            return servers
        except OSError:
            for server in servers:
                server.server_close()
            if port:
                raise
    raise OSError(f"no port free on all of {hosts} after {attempts} attempts")


class Replica:
    """The portal: sites on loopback hosts, the truth file, and a request log.

    generation=1 is the portal as first crawled; generation=2 is the same portal after
    its next publication round (new, revised, removed and re-stamped pages), for
    incremental crawls. Both are deterministic functions of (seed, reports).
    attachments=True adds the reports published as files (`replica.sites.FILE_CASES`);
    subcolumns=True department, township and per-year sub-columns (`replica.homepages`);
    faults injects failures (see the module docstring). Both are off by default.
    scan_pages=N serves scans of their reports' first N pages only, at the lower resolution: the
    OCR of a crawl that is not about OCR stays cheap (the figures of the other pages are left out).
    """

    def __init__(self, *, seed: int = 2024, reports: int = 220,
                 out_dir: str | Path = "output/replica", port: int = 0, generation: int = 1,
                 attachments: bool = False, faults: dict | None = None, subcolumns: bool = False,
                 scan_pages: int | None = None):
        if generation not in (1, 2):
            raise ValueError("generation must be 1 or 2")
        self.seed, self.reports, self.generation = seed, reports, generation
        self.attachments, self.subcolumns, self.scan_pages = attachments, subcolumns, scan_pages
        self.faults = Faults(faults)
        self.stopping = threading.Event()  # wakes hangs and drips when the replica stops
        self.out_dir = Path(out_dir)
        self.truth_path = self.out_dir / "truth.jsonl"
        self.port = port
        self.sites: list[dict] = []
        self._servers: list[SiteServer] = []
        self._lock = threading.Lock()
        self._log: list[Request] = []
        self._inflight: dict[str, int] = {}

    @property
    def requests(self) -> list[Request]:
        """A snapshot of every request answered so far, in completion order."""
        with self._lock:
            return list(self._log)

    def _enter(self, host: str) -> tuple[float, int]:
        with self._lock:
            self._inflight[host] = self._inflight.get(host, 0) + 1
            return time.monotonic(), self._inflight[host]

    def _leave(self, request: Request) -> None:
        with self._lock:
            self._inflight[request.host] -= 1
            self._log.append(request)

    def start(self) -> "Replica":
        self.stopping.clear()
        self._servers = bind_all(HOSTS, self.port, self)
        self.port = self._servers[0].server_address[1]
        sites, truth = build_portal(seed=self.seed, reports=self.reports, generation=self.generation,
                                    port=self.port, attachments=self.attachments, subcolumns=self.subcolumns,
                                    scan_pages=self.scan_pages)
        for server, site in zip(self._servers, sites):
            server.site = site
        closed = self.faults.closed_sites()
        for server in [server for server in self._servers if server.site.key in closed]:
            server.server_close()  # its address stays listed: connections are refused
            self._servers.remove(server)
        self.sites = [site.describe() | ({"closed": True} if site.key in closed else {}) for site in sites]
        self.out_dir.mkdir(parents=True, exist_ok=True)
        with self.truth_path.open("w", encoding="utf-8") as out:
            for record in truth:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        (self.out_dir / "sites.json").write_text(
            json.dumps(self.sites, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        for server in self._servers:
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                             name=f"replica-{server.site.key}", daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers = []

    def __enter__(self) -> "Replica":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def serve(port: int = 8765, seed: int = 2024, out_dir: str | Path = "output/replica-serve") -> None:
    """Run the replica in the foreground (for `govreports replica`) until interrupted: the whole
    portal, homepages and sub-columns included, its state in its own `out_dir`."""
    with Replica(seed=seed, port=port, out_dir=out_dir, subcolumns=True) as replica:
        for site in replica.sites:
            print(f"{site['key']:<16} {site['family']:<8} {site['homepage']:<26} {site['column_url']}", flush=True)
        print(f"truth: {replica.truth_path}", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
