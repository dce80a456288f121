"""The replica portal over real HTTP: one loopback address per site, one shared port.

Each site gets its own address (127.0.0.2, 127.0.0.3, ...) so that a crawler's
per-domain politeness, offsite filtering and robots.txt handling meet distinct hosts,
as they would on the real portals. What the sites serve is decided in `replica.sites`;
this module binds, answers (with ETag/Last-Modified revalidation), writes the truth the
crawl is graded against, and logs every request so tests can check the crawler's
manners (robots, concurrency per host, conditional requests).
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
from datetime import timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qsl, urlsplit

from replica.sites import HOSTS, Page, Site, build_portal

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
        self._status, body = 0, b""
        try:
            url = urlsplit(self.path)
            form: dict[str, str] = dict(parse_qsl(url.query))
            if self.command == "POST":
                length = int(self.headers.get("Content-Length") or 0)
                form.update(parse_qsl(self.rfile.read(length).decode("utf-8", "replace")))
            body = self._send_head(site.respond(url.path, form))
        finally:
            replica._leave(Request(
                host=site.host, method=self.command, path=self.path, status=self._status,
                headers={h: self.headers[h] for h in LOGGED_HEADERS if h in self.headers},
                started=started, finished=time.monotonic(), inflight=inflight))
        if not head:
            self.wfile.write(body)

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
    """

    def __init__(self, *, seed: int = 2024, reports: int = 220,
                 out_dir: str | Path = "output/replica", port: int = 0, generation: int = 1):
        if generation not in (1, 2):
            raise ValueError("generation must be 1 or 2")
        self.seed, self.reports, self.generation = seed, reports, generation
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
        self._servers = bind_all(HOSTS, self.port, self)
        self.port = self._servers[0].server_address[1]
        sites, truth = build_portal(seed=self.seed, reports=self.reports,
                                    generation=self.generation, port=self.port)
        for server, site in zip(self._servers, sites):
            server.site = site
        self.sites = [site.describe() for site in sites]
        self.out_dir.mkdir(parents=True, exist_ok=True)
        with self.truth_path.open("w", encoding="utf-8") as out:
            for record in truth:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        (self.out_dir / "sites.json").write_text(
            json.dumps(self.sites, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        for server in self._servers:
            threading.Thread(target=server.serve_forever, name=f"replica-{server.site.key}",
                             daemon=True).start()
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers = []

    def __enter__(self) -> "Replica":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def serve(port: int = 8765, seed: int = 2024) -> None:
    """Run the replica in the foreground (for `govreports replica`) until interrupted."""
    with Replica(seed=seed, port=port) as replica:
        for site in replica.sites:
            print(f"{site['key']:<16} {site['family']:<8} {site['column_url']}", flush=True)
        print(f"truth: {replica.truth_path}", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
