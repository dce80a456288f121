"""Downloader middlewares: the crawler's manners where Scrapy's own do not go far enough."""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from scrapy import Request, signals
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message

from parsers import store

logger = logging.getLogger(__name__)


class SiteHostsOnly(OffsiteMiddleware):
    """Requests go to the crawled sites' own hosts (the spider's `allowed_domains`), exactly.

    Scrapy's filter lets `dont_filter` requests through (retries, robots.txt, redirects of
    either) and admits subdomains; a crawler of government portals admits neither.
    """

    def process_request(self, request: Request) -> None:
        if not self.should_follow(request, self.crawler.spider):
            host = urlparse_cached(request).hostname
            self.stats.inc_value("offsite/filtered")
            logger.warning("not requesting %s: %r is not a host of the crawled sites", request.url, host)
            raise IgnoreRequest(f"offsite host {host!r}")

    def get_host_regex(self, spider) -> re.Pattern[str]:
        hosts = getattr(spider, "allowed_domains", None) or []
        if not hosts:
            return re.compile(r"(?!)")  # no site, no host
        return re.compile("^(%s)$" % "|".join(re.escape(host) for host in hosts))


def retry_after(response: Response) -> float | None:
    """Seconds the server asks us to wait (Retry-After: seconds or an HTTP date)."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.decode("latin-1").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class BackoffRetry(RetryMiddleware):
    """Scrapy's retries, with waiting: a failure slows down the whole host.

    Each retry raises the host's download delay to RETRY_BACKOFF_BASE × 2^(retries so far),
    or to what a 429/503 `Retry-After` asks. AutoThrottle, when on, brings the delay back
    down as the host answers well again. A Retry-After beyond RETRY_BACKOFF_MAX is
    honoured by not retrying at all.
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE")
        self.max = settings.getfloat("RETRY_BACKOFF_MAX")

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = retry_after(response)
        if wait is not None and wait > self.max:
            logger.warning("HTTP %s, Retry-After %.0f s: not retrying %s", response.status, wait, request.url)
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        self._slow_down(request, self._backoff(request) if wait is None else wait)
        return retry

    def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:
        retry = super().process_exception(request, exception)
        if isinstance(retry, Request):
            self._slow_down(request, self._backoff(request))
        return retry

    def _backoff(self, request: Request) -> float:
        return min(self.max, self.base * 2 ** request.meta.get("retry_times", 0))

    def _slow_down(self, request: Request, wait: float) -> None:
        slot = self.crawler.engine.downloader.slots.get(request.meta.get("download_slot"))
        if slot is not None and wait > slot.delay:
            logger.info("backing off %s: %.1f s between requests", request.meta["download_slot"], wait)
            slot.delay = wait


class Fresh(IgnoreRequest):
    """A stored report page confirmed recently enough: not requested at all."""


class Revalidate:
    """Report pages already in the corpus are downloaded again only when a revalidation is due.

    The policy, per report page whose URL is the document of a current report:

    - confirmed (fetched, answered 304, or served the same bytes) less than
      GOVREPORTS_REVALIDATE_AFTER days ago: not requested at all (`Fresh`, counted unchanged).
      An annual report, once published, changes rarely; a weekly re-crawl costs its listings only.
    - confirmed earlier: requested with If-None-Match / If-Modified-Since from the stored
      headers. A 304 reaches the spider as a NotModified item: no body, no parse, and the
      confirmation time and validators are stored. A page without validators comes back
      whole; its bytes are recognised by their SHA-256 and not parsed again (DocumentPipeline).

    Listing pages are never skipped nor conditional, and ask caches on the way to fetch them
    anew (Cache-Control: no-cache): they are what tells of new and removed reports. A page
    whose parse failed has no report, so it is fetched again whole.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.after = timedelta(days=crawler.settings.getfloat("GOVREPORTS_REVALIDATE_AFTER"))
        self.stored: dict[str, Stored] = {}
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self) -> None:
        if self.crawler.settings.get("REDIS_URL"):
            # A worker of a distributed crawl: the ingest publishes what the corpus holds.
            from crawler.distributed import stored_pages

            rows = stored_pages(self.crawler.settings)
        else:
            db = store.open_db(self.crawler.settings["GOVREPORTS_DB"])
            try:
                rows = store.report_pages(db)
            finally:
                db.close()
        for url, digest, headers, verified_at in rows:
            self.stored[url] = Stored.of(digest, json.loads(headers or "{}"), verified_at)

    def process_request(self, request: Request) -> None:
        if not request.meta.get("govreports_report"):
            request.headers.setdefault("Cache-Control", "no-cache")
            return
        stored = self.stored.get(request.url)
        if stored is None:
            return
        if datetime.now(timezone.utc) - stored.verified_at < self.after:
            self.crawler.stats.inc_value("govreports/reports_unchanged")
            self.crawler.stats.inc_value("govreports/not_requested")
            raise Fresh(f"confirmed {stored.verified_at:%Y-%m-%d %H:%M}, not due: {request.url}")
        request.meta["govreports_document"] = stored.digest
        for name, value in stored.validators.items():
            request.headers.setdefault(name, value)


@dataclass(frozen=True)
class Stored:
    """What the corpus knows of a report page's current document."""

    digest: str
    validators: dict[str, str]  # request headers: If-None-Match, If-Modified-Since
    verified_at: datetime

    @classmethod
    def of(cls, digest: str, headers: dict[str, str], verified_at: str) -> "Stored":
        headers = {key.lower(): value for key, value in headers.items()}
        validators = {}
        if "etag" in headers:
            validators["If-None-Match"] = headers["etag"]
        if "last-modified" in headers:
            validators["If-Modified-Since"] = headers["last-modified"]
        return cls(digest, validators, datetime.fromisoformat(verified_at))
