"""Downloader middlewares: the crawler's manners where Scrapy's own do not go far enough."""
from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timezone
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


class Revalidate:
    """Ask for a stored report page only if it changed: If-None-Match / If-Modified-Since
    from the headers kept with the document of its current report, and a 304 counts as an
    unchanged report.

    Only report pages (meta `govreports_report`) are revalidated: listing pages are not
    stored, and they are what tells us of new reports. A page whose parse failed has no
    report and is fetched again.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.validators: dict[str, dict[str, str]] = {}
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self) -> None:
        db = store.open_db(self.crawler.settings["GOVREPORTS_DB"])
        try:
            # Oldest first, so the latest copy of a URL wins.
            rows = db.execute(
                "SELECT d.url, d.headers FROM documents d JOIN reports r ON r.document_sha256 = d.sha256"
                " WHERE r.current = 1 ORDER BY d.fetched_at"
            ).fetchall()
            for url, headers in rows:
                stored = {key.lower(): value for key, value in json.loads(headers or "{}").items()}
                validators = {}
                if "etag" in stored:
                    validators["If-None-Match"] = stored["etag"]
                if "last-modified" in stored:
                    validators["If-Modified-Since"] = stored["last-modified"]
                if validators:
                    self.validators[url] = validators
        finally:
            db.close()

    def process_request(self, request: Request) -> None:
        if request.meta.get("govreports_report") and request.url in self.validators:
            for name, value in self.validators[request.url].items():
                request.headers.setdefault(name, value)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status == 304 and request.meta.get("govreports_report"):
            self.crawler.stats.inc_value("govreports/reports_unchanged")
            self.crawler.stats.inc_value("govreports/not_modified")
            raise IgnoreRequest(f"not modified since stored: {request.url}")
        return response
