"""Downloader middlewares: the crawler's manners where Scrapy's own do not go far enough."""
from __future__ import annotations

import ipaddress
import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from scrapy import Request, signals
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from zope.interface import implementer

import store
from crawler import settings as defaults

logger = logging.getLogger(__name__)


class Refused(IgnoreRequest):
    """A request the crawler will not send: to a host of no crawled site, or to a non-public address."""


class RedirectFailed(IgnoreRequest):
    """A redirect that leads nowhere: back to a URL of its own chain, or on past REDIRECT_MAX_TIMES."""


class OverBudget(IgnoreRequest):
    """A request not sent because its site has had its budget of requests, bytes or time this run."""


class SiteBudget:
    """Per site and run: at most GOVREPORTS_MAX_REQUESTS_PER_SITE requests, GOVREPORTS_MAX_BYTES_PER_SITE
    bytes of bodies and GOVREPORTS_MAX_SITE_SECONDS from the site's first request. Past any of
    them the site's further requests fail (OverBudget, a failure of the site: it is retried
    next run) and one line says which budget was hit: a portal that never ends cannot hold a
    crawl forever. Requests of no site (robots.txt) are not counted."""

    def __init__(self, settings, stats):
        self.max_requests = settings.getint("GOVREPORTS_MAX_REQUESTS_PER_SITE", defaults.GOVREPORTS_MAX_REQUESTS_PER_SITE)
        self.max_bytes = settings.getint("GOVREPORTS_MAX_BYTES_PER_SITE", defaults.GOVREPORTS_MAX_BYTES_PER_SITE)
        self.max_seconds = settings.getfloat("GOVREPORTS_MAX_SITE_SECONDS", defaults.GOVREPORTS_MAX_SITE_SECONDS)
        self.stats = stats
        self.requests: dict[str, int] = {}
        self.bytes: dict[str, int] = {}
        self.started: dict[str, float] = {}
        self.over: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings, crawler.stats)

    def process_request(self, request: Request, spider=None):
        site = request.cb_kwargs.get("site")
        if site is None:
            return None
        key = site.key
        started = self.started.setdefault(key, time.monotonic())
        budget = self._exceeded(key, time.monotonic() - started)
        if budget:
            if key not in self.over:
                self.over.add(key)
                self.stats.inc_value("govreports/over_budget")
                logger.error("%s: over its budget of %s this run; its further requests are not sent", key, budget)
            raise OverBudget(f"{key} is over its budget of {budget} this run")
        self.requests[key] = self.requests.get(key, 0) + 1
        return None

    def process_response(self, request: Request, response: Response, spider=None):
        site = request.cb_kwargs.get("site")
        if site is not None:
            self.bytes[site.key] = self.bytes.get(site.key, 0) + len(response.body)
        return response

    def _exceeded(self, key: str, seconds: float) -> str | None:
        if self.requests.get(key, 0) >= self.max_requests:
            return f"{self.max_requests} requests (GOVREPORTS_MAX_REQUESTS_PER_SITE)"
        if self.bytes.get(key, 0) >= self.max_bytes:
            return f"{self.max_bytes // 2**20} MB (GOVREPORTS_MAX_BYTES_PER_SITE)"
        if seconds > self.max_seconds:
            return f"{self.max_seconds:.0f} s (GOVREPORTS_MAX_SITE_SECONDS)"
        return None


def non_public(address: str) -> bool:
    """Whether an IP address is loopback, private, link-local, multicast or otherwise not on the
    public internet (IPv4-mapped IPv6 addresses are judged as their IPv4 address)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def literal_ip(host: str | None) -> str | None:
    """The host if it is an IP address literal ([…] stripped), else None."""
    if not host:
        return None
    host = host.strip("[]")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return None
    return host


def local_hosts(spider) -> set[str]:
    """Hosts of the sites configured as local (registry `local = true`, or a replica site):
    the only ones that may be, or resolve to, loopback, private or link-local addresses."""
    return set(getattr(spider, "local_hosts", None) or ())


class SiteHostsOnly(OffsiteMiddleware):
    """Requests go to the crawled sites' own hosts (the spider's `allowed_domains`), exactly,
    and never to a non-public address unless the site is configured as local.

    Scrapy's filter lets `dont_filter` requests through (retries, robots.txt, redirects of
    either) and admits subdomains; a crawler of government portals admits neither. A link or
    a redirect to 127.0.0.1, 10.x, 192.168.x, 169.254.x (cloud metadata) or the like is
    refused here when the host is an address literal, and by GuardedResolver when a name
    resolves to one: a public portal must not make the crawler reach into its own network.
    """

    def process_request(self, request: Request) -> None:
        host = urlparse_cached(request).hostname
        if not self.should_follow(request, self.crawler.spider):
            self.stats.inc_value("offsite/filtered")
            logger.warning("not requesting %s: %r is not a host of the crawled sites%s", request.url, host,
                           _redirected_from(request))
            raise Refused(f"offsite host {host!r}")
        address = literal_ip(host) or RESOLVED_NON_PUBLIC.get(host)
        if address and non_public(address) and host not in local_hosts(self.crawler.spider):
            self.stats.inc_value("offsite/filtered")
            self.stats.inc_value("offsite/non_public")
            logger.warning("not requesting %s: %s is not a public address, and the site is not configured as "
                           "local%s", request.url, address, _redirected_from(request))
            raise Refused(f"non-public address {address}")

    def request_scheduled(self, request: Request, spider=None) -> None:
        """Checked when downloaded, not when scheduled: a request dropped at scheduling never
        reaches its errback, and a refused redirect is a failure the spider must count."""

    def get_host_regex(self, spider) -> re.Pattern[str]:
        hosts = getattr(spider, "allowed_domains", None) or []
        if not hosts:
            return re.compile(r"(?!)")  # no site, no host
        return re.compile("^(%s)$" % "|".join(re.escape(host) for host in hosts))


def _redirected_from(request: Request) -> str:
    chain = request.meta.get("redirect_urls")
    return f" (redirected from {chain[0]})" if chain else ""


class NonPublicAddress(DNSLookupError):
    """A host name that resolves to a non-public address, for a site not configured as local."""


# Names GuardedResolver refused, and the address each resolved to: SiteHostsOnly refuses their
# next requests (the retry of the first one included) before they reach the resolver.
RESOLVED_NON_PUBLIC: dict[str, str] = {}


@implementer(IResolverSimple)
class GuardedResolver:
    """Scrapy's caching DNS resolver, refusing names of non-local sites that resolve to
    non-public addresses (setting TWISTED_DNS_RESOLVER). The check is on the very address the
    connection will use, so a name that changes its answer between two lookups gains nothing."""

    def __init__(self, resolver, process):
        # Scrapy builds the resolver with its CrawlerProcess, whose crawlers hold the spiders.
        self.resolver, self.process = resolver, process

    @classmethod
    def from_crawler(cls, crawler, reactor):
        from scrapy.resolver import CachingThreadedResolver

        return cls(CachingThreadedResolver.from_crawler(crawler, reactor), crawler)

    def install_on_reactor(self) -> None:
        self.resolver.reactor.installResolver(self)

    def local(self) -> set[str]:
        crawlers = getattr(self.process, "crawlers", None) or [self.process]
        return set().union(*(local_hosts(getattr(crawler, "spider", None)) for crawler in crawlers))

    def getHostByName(self, name: str, timeout=()):
        def check(address: str) -> str:
            if non_public(address) and name not in self.local():
                RESOLVED_NON_PUBLIC[name] = address
                logger.warning("not connecting to %s: it resolves to %s, not a public address, and the site is "
                               "not configured as local", name, address)
                raise NonPublicAddress(f"{name} resolves to the non-public address {address}")
            return address

        return self.resolver.getHostByName(name, timeout).addCallback(check)


class LoopSafeRedirect(RedirectMiddleware):
    """Scrapy's redirects, giving up at once on a loop (a redirect back to a URL of its own
    chain) instead of bouncing until REDIRECT_MAX_TIMES, and with an exception of its own:
    a redirect that leads nowhere is a failure of the page, counted as one, not a policy."""

    def _redirect(self, redirected: Request, request: Request, reason) -> Request:
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if redirected.url in chain:
            self.crawler.stats.inc_value("govreports/redirect_loops")
            raise RedirectFailed(f"redirect loop: {' -> '.join([*chain, redirected.url])}")
        try:
            return super()._redirect(redirected, request, reason)
        except IgnoreRequest as error:
            raise RedirectFailed(f"{error}: {' -> '.join([*chain, redirected.url])}") from None


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

    Attachments (详见附件 files) of stored reports are never downloaded again unasked: each
    request for one is conditional on its stored validators, whether its page came back
    whole or as a 304 (then the page's request carries the stored attachments' links in
    `govreports_attachments`, for the spider to revalidate them).
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.after = timedelta(days=crawler.settings.getfloat("GOVREPORTS_REVALIDATE_AFTER"))
        self.stored: dict[str, Stored] = {}
        self.attachments: dict[str, Stored] = {}  # by the URL the bytes came from
        self.page_attachments: dict[str, list[tuple[str, str | None]]] = {}  # page digest -> (link, name)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self) -> None:
        if self.crawler.settings.get("REDIS_URL"):
            # A worker of a distributed crawl: the ingest publishes what the corpus holds.
            from crawler.distributed import stored_pages

            rows = stored_pages(self.crawler.settings)
            attachments = []  # a distributed crawl revalidates pages only
        else:
            try:
                db = store.open_db(self.crawler.settings["GOVREPORTS_DB"])
            except Exception as error:
                from crawler import storage

                if not storage.is_storage_error(error):
                    raise
                return  # the item pipelines, opened first, have closed the crawl with the cause
            try:
                rows = store.report_pages(db)
                attachments = store.attachment_documents(db)
            finally:
                db.close()
        for url, digest, headers, verified_at in rows:
            self.stored[url] = Stored.of(digest, json.loads(headers or "{}"), verified_at)
        for page_digest, link, url, digest, headers, verified_at, name in attachments:
            self.attachments[url] = Stored.of(digest, json.loads(headers or "{}"), verified_at)
            self.page_attachments.setdefault(page_digest, []).append((link, name))

    def process_request(self, request: Request) -> None:
        if request.meta.get("govreports_attachment"):
            self._attachment(request)
            return
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
        request.meta["govreports_attachments"] = self.page_attachments.get(stored.digest, [])
        for name, value in stored.validators.items():
            request.headers.setdefault(name, value)

    def _attachment(self, request: Request) -> None:
        """Conditional on what is stored of this very URL; a redirect's next hop is judged anew."""
        for name in ("If-None-Match", "If-Modified-Since"):
            request.headers.pop(name, None)
        request.meta.pop("govreports_document", None)
        stored = self.attachments.get(request.url)
        if stored is None:
            return
        request.meta["govreports_document"] = stored.digest
        for name, value in stored.validators.items():
            request.headers[name] = value


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
