"""`scrapy crawl discover -a start=URL`: find a portal's 年报 columns from its homepage.

    -a start=URL            a homepage or any section page
    -a max_requests=60      pages it may request at most (robots.txt aside)
    -a out=PATH             where the result goes, as JSON (crawler.discover.Found)
    -a allow_private=1      the host may be a loopback or private address (a local mirror)
    -a follow=0             read the start page(s) only (several, space-separated): `govreports sites check`

Breadth-first with priorities: links naming 年报 first, then 政府信息公开, 信息公开, 政务公开
(crawler.discover.nav_score); once a 年报 column is found only links naming 年报 are
followed, and the sub-columns of each column (per department, township or year) to a
bounded depth. The project's downloader middlewares keep their say (robots.txt, the
network guard, retries, politeness); nothing is stored: no pipelines, no database.
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from itertools import islice
from pathlib import Path

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler import discover, registry
from crawler import settings as project
from crawler.blocking import blocked_kind
from crawler.families import family_of, trs
from crawler.middlewares import NonPublicAddress, Refused
from crawler.spiders.base import page_text

HTML = (b"text/html", b"application/xhtml")


class DiscoverSpider(scrapy.Spider):
    name = "discover"
    handle_httpstatus_list = [412, 521]  # challenges: recorded as blocked, not as dead links
    custom_settings = {
        # Only looking: nothing goes to a database, and no run is recorded.
        "ITEM_PIPELINES": {},
        "EXTENSIONS": {name: None for name in project.EXTENSIONS},
        "DOWNLOADER_MIDDLEWARES": {**project.DOWNLOADER_MIDDLEWARES, "crawler.middlewares.Revalidate": None},
    }

    def __init__(self, *args, start: str, max_requests: str | int = discover.MAX_REQUESTS, out: str | None = None,
                 allow_private: str | None = None, follow: str = "1", **kwargs):
        super().__init__(*args, **kwargs)
        self.start_pages = start.split()
        sites = [registry.adhoc(url) for url in self.start_pages]
        self.max_requests = int(max_requests)
        self.follow = follow not in ("0", "", "false")
        self.out = Path(out) if out else None
        self.allowed_domains = sorted({site.hosts[0] for site in sites})
        # The network guard: a non-public host only when given as an address literal, or when asked.
        self.local_hosts = {site.hosts[0] for site in sites if site.is_local or allow_private}
        self.found = discover.Found(start=start)
        self.scheduled: set[str] = set()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_pages:
            request = self._request(url, path=[("", url)], parent=None, depth=0, priority=1000)
            if request:
                yield request

    def _request(self, url: str, *, path: list, parent: str | None, depth: int, priority: int) -> scrapy.Request | None:
        """A page to read, unless read already or the budget is spent."""
        if discover.canonical(url) in self.scheduled or len(self.scheduled) >= self.max_requests:
            return None
        self.scheduled.add(discover.canonical(url))
        return scrapy.Request(url, callback=self.parse_page, errback=self.failed, priority=priority,
                              cb_kwargs={"path": path, "parent": parent, "depth": depth})

    def parse_page(self, response: Response, path: list, parent: str | None, depth: int) -> Iterator[scrapy.Request]:
        origin = self._origin(response.request)
        if response.url != origin:
            self.found.moved.append((origin, response.url))
        kind = blocked_kind(response)
        if kind:
            self.found.blocked.append((origin, kind))
            return
        if not response.headers.get("Content-Type", b"text/html").lower().startswith(HTML):
            return
        html = page_text(response)
        page = discover.analyse(html, response.url)
        self.found.visited.append((response.url, response.status, page.score))
        if not self.found.portal:
            self.found.portal = discover.portal_name(html)
        if page.is_listing:
            yield from self._column(response, html, page, path, parent, depth)
        if not self.follow:
            return
        for link in page.nav:
            if self.found.columns and not discover.names_annual(link.text):
                continue  # a column is found: only links that name 年报 may lead to more
            request = self._request(link.url, path=[*path, (link.text, link.url)], parent=None, depth=0,
                                    priority=link.score)
            if request:
                yield request

    def _column(self, response: Response, html: str, page: discover.Analysis, path: list, parent: str | None,
                depth: int) -> Iterator[scrapy.Request]:
        """A 年报 listing: recorded, and its sub-columns read in turn (first: they are what we came for)."""
        family = family_of(response.body)
        # Counted, never listed: a broken page may name 30,000,000 pages (bounded by the listing budget).
        limit = self.settings.getint("GOVREPORTS_MAX_LISTING_PAGES", 1000)
        pages = sum(1 for _ in islice(trs.page_urls(html, response.url), limit)) + 1 if family == "trs" else None
        self.found.columns.append(discover.Column(
            url=response.url, family=family, title=page.title, reports=len(page.reports), pages=pages,
            subcolumns=[link.url for link in page.subcolumns if link.url != parent], path=path, parent=parent))
        if depth >= discover.MAX_SUB_DEPTH or not self.follow:
            return
        for link in page.subcolumns:
            request = self._request(link.url, path=[*path, (link.text, link.url)], parent=response.url,
                                    depth=depth + 1, priority=100)
            if request:
                yield request

    @staticmethod
    def _origin(request: scrapy.Request) -> str:
        """The URL a request was made for, before any redirect."""
        return (request.meta.get("redirect_urls") or [request.url])[0]

    def failed(self, failure: Failure) -> None:
        """A dead link, an error, or a request our own rules did not send."""
        url = self._origin(failure.request)
        if failure.check(HttpError):
            self.found.failed.append((url, f"HTTP {failure.value.response.status}"))
        elif failure.check(Refused, NonPublicAddress):
            self.found.refused.append((url, f"{failure.getErrorMessage()}; give --allow-private to read a local "
                                            "mirror of a portal"))
        elif failure.check(IgnoreRequest):
            self.found.refused.append((url, failure.getErrorMessage()))  # robots.txt
        else:
            self.found.failed.append((url, failure.getErrorMessage()))

    def closed(self, reason: str) -> None:
        self.found.requests = self.crawler.stats.get_value("downloader/request_count", 0)
        self.logger.info("discovery from %s: %d columns, %d requests", self.found.start, len(self.found.columns),
                         self.found.requests)
        if self.out:
            self.out.write_text(self.found.to_json(), encoding="utf-8")
