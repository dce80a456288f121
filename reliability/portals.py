"""Hostile portals: a local HTTP server whose columns never end, crawled for real (`scrapy
crawl` in a child process, crawler.runner), one column at a time.

    trs      createPageHTML(30000000, 0, "index", "html"): thirty million list pages stated
    hanweb   totalRecord:100000000, perPage:1: a hundred million dataproxy groups stated
    generic  an endless 下一页 chain: every list page links the next

Each crawl must end by itself within its time budget, having requested no more listing pages
than its budget (GOVREPORTS_MAX_LISTING_PAGES, lowered here to keep the run short), with the
site failed for the run and a log line naming the budget. Its peak memory is the child's.
"""
from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from crawler import lock
from crawler.runner import LOCAL, crawl_command, run_row
from reliability.crawl import ORPHAN_GRACE, descendants, surviving

LISTING_BUDGET = 200
# A crawl of LISTING_BUDGET local pages takes seconds; one still running after this long hangs.
CRAWL_SECONDS = 300
COLUMNS = {"trs": "/trs/index.html", "hanweb": "/col/col1/index.html", "generic": "/generic/list_0.html"}

TRS_PAGE = '<html><body><ul><li>第{n}页</li></ul><script>createPageHTML(30000000,0,"index","html");</script></body></html>'
HANWEB_COLUMN = ('<html><body><script type="text/xml"><datastore><recordset><record><![CDATA[<li>无</li>]]></record>'
                 '</recordset></datastore></script><script>var p = {totalRecord:100000000, perPage:1, groupSize:1,'
                 " proxyUrl:'/module/web/jpage/dataproxy.jsp'};</script></body></html>")
HANWEB_GROUP = "<datastore><totalrecord>100000000</totalrecord><recordset><record><![CDATA[<li>无</li>]]></record></recordset></datastore>"
GENERIC_PAGE = '<html><body><p>第{n}页</p><a href="list_{next}.html">下一页</a></body></html>'


class _Portal(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 — http.server's name
        path = self.path.split("?")[0]
        number = re.search(r"(\d+)\.html$", path)
        n = int(number.group(1)) if number else 0
        if path.startswith("/trs/"):
            self._send(TRS_PAGE.format(n=n))
        elif path.startswith("/col/"):
            self._send(HANWEB_COLUMN)
        elif path.startswith("/generic/"):
            self._send(GENERIC_PAGE.format(n=n, next=n + 1))
        else:
            self.send_error(404)

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._send(HANWEB_GROUP, "text/xml")

    def _send(self, body: str, kind: str = "text/html") -> None:
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def crawl_one(base: str, family: str, work: Path) -> dict:
    """Crawl one endless column; its outcome, and a failure or None."""
    log = work / f"{family}.log"
    argv, env = crawl_command(db=work / f"{family}.db", url=base + COLUMNS[family], log_file=log,
                              settings={**LOCAL, "GOVREPORTS_MAX_LISTING_PAGES": LISTING_BUDGET})
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=CRAWL_SECONDS)
        code = done.returncode
    except subprocess.TimeoutExpired:
        code = None
    seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    row = run_row(log) or {}
    text = log.read_text(errors="replace") if log.exists() else ""
    requests = row.get("requests") or 0
    failure = None
    if code is None:
        failure = f"still crawling after {CRAWL_SECONDS} s: stopped"
    elif code not in (0, 3):
        failure = f"exit status {code}"
    elif f"over its budget of {LISTING_BUDGET} listing pages" not in text:
        failure = "no log line naming the listing budget"
    elif requests > LISTING_BUDGET + 5:  # the column page and robots.txt besides the listings
        failure = f"{requests} requests for a budget of {LISTING_BUDGET} listing pages"
    return {"family": family, "seconds": round(seconds, 1), "requests": requests,
            "peak_rss_mb": round(peak / 1024, 1) if peak > before else None, "failure": failure}


@contextmanager
def portal():
    """The hostile portal on a free loopback port: its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Portal)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def run_portals() -> dict:
    """The counts of the reliability table: each endless column is a hostile input."""
    with portal() as base, tempfile.TemporaryDirectory(prefix="govreports-portals-") as folder:
        outcomes = [crawl_one(base, family, Path(folder)) for family in COLUMNS]
    return {"hostile inputs tried": len(outcomes),
            "hostile inputs contained": sum(outcome["failure"] is None for outcome in outcomes),
            "failures": [f"{o['family']} column: {o['failure']}" for o in outcomes if o["failure"]],
            "measured": outcomes}


CLI_KILLS_AFTER = (0.3, 1.5, 4.0)  # seconds after `govreports crawl` starts: before, while and after Scrapy starts


def run_cli_kills() -> dict:
    """`govreports crawl` of an endless column killed -9 at several moments: its Scrapy child (and
    that one's workers) must die with it, and the database's lock be free again."""
    result = {"kills": 0, "kills survived": 0, "orphans": 0, "failures": []}
    with portal() as base, tempfile.TemporaryDirectory(prefix="govreports-cli-kill-") as folder:
        for delay in CLI_KILLS_AFTER:
            db = Path(folder) / "reports.db"
            cli = subprocess.Popen([sys.executable, "-m", "govreports", "crawl", "--url", base + COLUMNS["generic"],
                                    "--db", str(db), "--set", "DOWNLOAD_DELAY=0.2", "--set", "AUTOTHROTTLE_ENABLED=False"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            snapshot = descendants(cli.pid)
            cli.kill()
            cli.wait()
            result["kills"] += 1
            left = surviving(cli.pid, snapshot)
            if left:
                result["orphans"] += len(left)
                result["failures"].append(f"kill after {delay} s: {len(left)} processes outlived the CLI")
            elif _still_locked(db):
                result["failures"].append(f"kill after {delay} s: the database is still locked "
                                          f"{ORPHAN_GRACE:.0f} s after")
            else:
                result["kills survived"] += 1
    return result


def _still_locked(db: Path) -> bool:
    """Whether the lock stays taken for ORPHAN_GRACE seconds (a child the CLI was starting
    when it died may take a moment to get its signal)."""
    deadline = time.monotonic() + ORPHAN_GRACE
    while _locked(db):
        if time.monotonic() > deadline:
            return True
        time.sleep(0.1)
    return False


def _locked(db: Path) -> bool:
    try:
        fd = lock.acquire(db)
    except lock.Locked:
        return True
    os.close(fd)
    return False
