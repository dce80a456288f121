"""What every family spider shares: the year filter, report requests, the report page
callback, the recognition of pages that block us, and what a crawl learns of each site:
the report URLs its listings show (`present`, for crawler.extensions.Vanished) and its
failures (stats `govreports/failed/<site>`, for the exit code and crawl_runs.failed_sites).

A family spider (trs.py, hanweb.py, generic.py) adds one callback, `parse_<family>(response,
site)`, for the first page of a column; `SiteDispatchSpider` dispatches each site to it by the
site's `family`. Callbacks receive the registry `Site` as a keyword argument so that one
spider can crawl many sites of several families at once.
"""
from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime, timezone

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.selector import Selector
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler import attachments
from crawler import settings as defaults
from crawler.blocking import blocked_kind
from crawler.items import Attachment, BlockedPage, NotModified, ReportPage
from crawler.middlewares import Fresh, OverBudget, RedirectFailed
from crawler.registry import Site
from parsers import convert
from parsers.decode import charset_from_content_type, decode
from parsers.record import MAX_DOCUMENT_BYTES

YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
# A report's title ends in 年度报告 or 年报, perhaps with bracketed notes ("…年度报告（图文版）").
# Column items that only mention one do not: "关于做好…年度报告编制工作的通知", "…年度报告解读".
# A note is short: unbounded, `[^）)】\]]*` scans to the end of the title from each opening
# bracket that is never closed, quadratic in a hostile link title.
REPORT_TITLE = re.compile(r"(年度报告|年报)\s*+(?:[（(【\[][^）)】\]]{0,60}+[）)】\]]\s*+)*+$")
TRUNCATED = ("…", "...")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def headers_of(response: Response) -> dict[str, str]:
    return {
        key.decode("latin-1"): b", ".join(values).decode("latin-1")
        for key, values in response.headers.items()
    }


def page_text(response: Response) -> str:
    """The page's markup, decoded from the bytes by `parsers`.

    Scrapy's `response.text` trusts the HTTP header over the page and replaces bad bytes
    silently: a GBK page declared gb2312 or UTF-8 would lose the very titles we match on.
    """
    charset = charset_from_content_type(response.headers.get("Content-Type", b"").decode("latin-1"))
    return decode(response.body, charset).text


def link_title(link: Selector) -> str:
    """A listed link's title: the title attribute keeps what the link text cuts short."""
    return link.attrib.get("title") or " ".join("".join(link.xpath(".//text()").getall()).split())


def plain(title: str) -> str:
    """A listed title as the report and year tests read it: Simplified, without pinyin
    annotations, half-width (mirrors list "年度報(bào)告" and "２０２３年")."""
    return convert.normalize_width(convert.to_simplified(convert.strip_pinyin(title)))


def year_in(title: str) -> int | None:
    found = YEAR.search(title)
    return int(found.group(1)) if found else None


def names_a_report(title: str) -> bool:
    """Whether a listed title is an annual report's. A title cut short ("…") has lost its
    end: then naming the report or 信息公开 at all has to do."""
    title = title.strip()
    if title.endswith(TRUNCATED):
        return bool(re.search(r"年度报告|年报|信息公开", title))
    return bool(REPORT_TITLE.search(title))


def unless_blocked(callback: Callable[..., Iterator]) -> Callable[..., Iterator]:
    """Let `callback` see only real pages: a challenge or a soft 404 becomes a BlockedPage
    item instead, and nothing on it is followed."""

    @functools.wraps(callback)
    def wrapper(self, response: Response, site: Site, **kwargs) -> Iterator:
        kind = blocked_kind(response)
        if kind:
            if not response.meta.get("govreports_report"):
                self.site_failed(site)  # a listing we could not read: the site's reports are unknown
            yield BlockedPage(site=site.key, url=response.url, status=response.status, kind=kind, fetched_at=now())
            return
        yield from callback(self, response, site, **kwargs)

    return wrapper


class ReportSpider(scrapy.Spider):
    # Challenge pages come with these statuses; they must reach `unless_blocked` to be
    # recorded instead of being dropped as HTTP errors. 304 answers a revalidation.
    handle_httpstatus_list = [304, 412, 521]

    def __init__(self, *args, year: str | None = None, since: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = int(year) if year else None
        self.since = int(since) if since else None
        # Report URLs already requested: groups of a Hanweb column repeat records, and
        # one report can be listed on two pages.
        self.listed: set[str] = set()
        # Report URLs each site's listings show, wanted by this crawl or not, and where they led.
        self.present: dict[str, set[str]] = defaultdict(set)
        # Stored report pages no longer listed that answered 404/410 (probe_request).
        self.gone: dict[str, set[str]] = defaultdict(set)
        # Listing pages requested per site this run, against GOVREPORTS_MAX_LISTING_PAGES.
        self.listing_pages: dict[str, int] = defaultdict(int)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.callback_failed, signal=signals.spider_error)
        return spider

    def listing_request(self, url: str, site: Site, callback: Callable, *, cls: type = scrapy.Request,
                        cb_kwargs: dict | None = None, **kwargs) -> scrapy.Request | None:
        """The request for one more listing page of `site`, or None once the site has had its
        GOVREPORTS_MAX_LISTING_PAGES this run: a pager's count comes from the page (a hostile
        or broken one states 30,000,000 pages) and a next-page chain may never end. A site
        over budget is failed for this run (logged once), so none of its reports is judged
        vanished for not being listed."""
        limit = self.settings.getint("GOVREPORTS_MAX_LISTING_PAGES", defaults.GOVREPORTS_MAX_LISTING_PAGES)
        if self.listing_pages[site.key] >= limit:
            if self.listing_pages[site.key] == limit:
                self.listing_pages[site.key] += 1  # logged once
                self.site_failed(site)
                self.crawler.stats.inc_value("govreports/over_budget")
                self.logger.error("%s: over its budget of %d listing pages this run; the rest not listed "
                                  "(GOVREPORTS_MAX_LISTING_PAGES)", site.key, limit)
            return None
        self.listing_pages[site.key] += 1
        return cls(url, callback=callback, errback=self.request_failed, cb_kwargs={"site": site, **(cb_kwargs or {})},
                   **kwargs)

    def site_failed(self, site: Site) -> None:
        self.crawler.stats.inc_value(f"govreports/failed/{site.key}")

    def fetch_failed(self, site: Site, url: str, reason: str) -> None:
        """A page or file this run needed and did not get: counted (crawl_runs.errors and
        .fetch_failed), logged with its URL, and its site's reports are not judged vanished.
        Nothing of it is stored, so the next run asks for it again."""
        self.site_failed(site)
        self.crawler.stats.inc_value("govreports/fetch_failed")
        self.logger.error("%s failed (%s): %s", url, site.key, reason)

    @staticmethod
    def _refused(failure: Failure) -> bool:
        """A request our own rules did not send (robots.txt, a host of no crawled site, a
        non-public address), as opposed to one that failed. A redirect refused is a failure
        of the page it came from: the page was not fetched, and may be next time."""
        if not failure.check(IgnoreRequest) or failure.check(HttpError, RedirectFailed, OverBudget):
            return False
        return not failure.request.meta.get("redirect_urls")

    @staticmethod
    def _origin(request: scrapy.Request) -> str:
        """The URL a request was made for, before any redirect."""
        return (request.meta.get("redirect_urls") or [request.url])[0]

    def request_failed(self, failure: Failure) -> None:
        """The errback of every page request: a download given up, an HTTP error, a redirect
        that leads nowhere, a request refused on our side (robots.txt, offsite), or a stored
        page not due (Fresh)."""
        request = failure.request
        site = request.cb_kwargs["site"]
        url = self._origin(request)
        if failure.check(Fresh):
            self.present[site.key].add(url)  # a report page the portal still lists, not due
            return
        if not self._refused(failure):
            reason = failure.getErrorMessage()
            if request.url != url:
                reason += f" (redirected to {request.url})"
            self.fetch_failed(site, url, reason)
            return
        # Refused on our side: a warning, as Scrapy has them. A report page we may not fetch
        # is still listed; a listing we may not read leaves the site's reports unknown.
        if request.meta.get("govreports_report"):
            self.present[site.key].add(url)
        else:
            self.site_failed(site)
        self.logger.warning("%s not requested (%s): %s", url, site.key, failure.getErrorMessage())

    def callback_failed(self, failure: Failure, response: Response) -> None:
        site = response.request.cb_kwargs.get("site") if response.request else None
        if site is not None:
            self.site_failed(site)

    def probe_request(self, url: str, site: Site) -> scrapy.Request:
        """A request for a stored report page its site's listings no longer show: a 404 or 410
        says the page is gone; any other answer, that it may only be unlisted."""
        self.crawler.stats.inc_value("govreports/probed")
        return scrapy.Request(url, callback=self.parse_probe, errback=self.probe_failed, dont_filter=True,
                              cb_kwargs={"site": site})

    def parse_probe(self, response: Response, site: Site) -> Iterator:
        return iter(())  # still served: not gone

    def probe_failed(self, failure: Failure) -> None:
        request, site = failure.request, failure.request.cb_kwargs["site"]
        if failure.check(HttpError) and failure.value.response.status in (404, 410):
            self.gone[site.key].add(self._origin(request))
        else:
            self.logger.info("%s (no longer listed by %s): %s", request.url, site.key, failure.getErrorMessage())

    def wanted(self, title: str) -> bool:
        """Whether a listed item is a report this crawl wants: its title names an annual
        report, and its year passes `-a year` / `-a since`. A listing that gives no title,
        or a title no year, cannot tell: those pass."""
        title = plain(title)
        if title and not names_a_report(title):
            self.logger.debug("not a report: %s", title)
            self.crawler.stats.inc_value("govreports/not_reports")
            return False
        year = year_in(title)
        if year is None:
            return True
        return (self.year is None or year == self.year) and (self.since is None or year >= self.since)

    def report_request(self, url: str, title: str, site: Site) -> scrapy.Request | None:
        """The request for one listed report, or None if it is filtered out or already listed."""
        self.present[site.key].add(url)
        if url in self.listed or not self.wanted(title):
            return None
        self.listed.add(url)
        self.crawler.stats.inc_value("govreports/listed")
        return scrapy.Request(
            url, callback=self.parse_report, errback=self.request_failed, cb_kwargs={"site": site},
            meta={"govreports_report": True},
        )

    @unless_blocked
    def parse_report(self, response: Response, site: Site) -> Iterator:
        """A report page, and then the files it links (详见附件), one after the other: the page
        and its attachments go to the pipelines as one item, or, when a file fails, not at all."""
        if response.request is not None:
            self.present[site.key].add(self._origin(response.request))
        self.present[site.key].add(response.url)  # where a listed link redirected to
        if response.status == 304:
            stored = response.meta.get("govreports_attachments") or []
            digest = response.meta["govreports_document"]
            links = [attachments.Link(link, name or "") for link, name in stored]
            page = ReportPage(site=site.key, url=response.url, body=None, headers=headers_of(response),
                              fetched_at=now(), document_sha256=digest)
        else:
            hosts = set(self.allowed_domains or ())
            links = attachments.attachment_links(page_text(response), response.url, hosts)
            page = ReportPage(site=site.key, url=response.url, body=response.body, headers=headers_of(response),
                              fetched_at=now())
        yield from self._next_attachment(page, links, site)

    def _next_attachment(self, page: ReportPage, links: list[attachments.Link], site: Site) -> Iterator:
        """The request for the page's next file, or the page itself when all are in."""
        if links:
            link, rest = links[0], links[1:]
            yield scrapy.Request(
                link.url, callback=self.parse_attachment, errback=self.attachment_failed, dont_filter=True,
                priority=10,  # finish the reports under way before listing more
                cb_kwargs={"site": site, "page": page, "link": link, "rest": rest},
                # A report's file may be larger than any page (scans): the parser's limit, not the page's.
                meta={"govreports_attachment": True, "download_maxsize": MAX_DOCUMENT_BYTES,
                      "download_warnsize": MAX_DOCUMENT_BYTES // 2},
            )
        elif page.body is None and all(item.body is None for item in page.attachments):
            # The page and every file it links answered 304.
            yield NotModified(site=page.site, url=page.url, document_sha256=page.document_sha256,
                              headers=page.headers, fetched_at=page.fetched_at, attachments=page.attachments)
        else:
            yield page

    def parse_attachment(self, response: Response, site: Site, page: ReportPage, link: attachments.Link,
                         rest: list[attachments.Link]) -> Iterator:
        headers = headers_of(response)
        name = attachments.file_name(headers, link, response.url)
        if response.status == 304:
            body, digest = None, response.meta["govreports_document"]
        elif response.status != 200:  # a challenge (412, 521): the spider's handle_httpstatus_list
            self.fetch_failed(site, link.url, f"HTTP {response.status} ({blocked_kind(response) or 'no file'}), "
                                              f"linked from {page.url}")
            return
        else:
            content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
            if attachments.error_page(response.body, response.url, name, content_type):
                self.fetch_failed(site, link.url, f"an HTML page ({len(response.body)} bytes) where the file "
                                                  f"{name!r} was promised, linked from {page.url}")
                return
            body, digest = response.body, None
        page.attachments.append(Attachment(link=link.url, url=response.url, name=name, headers=headers,
                                           fetched_at=now(), body=body, document_sha256=digest))
        yield from self._next_attachment(page, rest, site)

    def attachment_failed(self, failure: Failure) -> Iterator:
        """A file of a report page not fetched: the report is not stored this run (a page without
        its figures would be taken for complete), so the next run fetches page and file again.
        A file over the size limit is no failure of the fetch: it is a problem of the report."""
        request = failure.request
        site, page = request.cb_kwargs["site"], request.cb_kwargs["page"]
        reason = failure.getErrorMessage()
        if "larger than download max size" in reason:
            self.logger.warning("%s: not read, over %d MB (an attachment of %s)", request.url,
                                MAX_DOCUMENT_BYTES // 2**20, page.url)
            page.problems.append(f"the attachment {self._origin(request)} is over the "
                                 f"{MAX_DOCUMENT_BYTES // 2**20} MB limit: not read")
            yield from self._next_attachment(page, request.cb_kwargs["rest"], site)
            return
        if request.url != self._origin(request):
            reason += f" (redirected to {request.url})"
        self.fetch_failed(site, self._origin(request), f"{reason}; an attachment of {page.url}, which is left "
                                                       "for the next run")
