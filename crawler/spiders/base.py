"""What every family spider shares: the year filter, report requests, the report page
callback, the recognition of pages that block us, and what a crawl learns of each site:
the report URLs its listings show (`present`, for crawler.extensions.Vanished) and its
failures (stats `govreports/failed/<site>`, for the exit code and crawl_runs.failed_sites).

A family spider (trs.py, hanweb.py, generic.py) adds one callback, `parse_<family>(response,
site)`, for the first page of a column; `ReportsSpider` dispatches each site to it by the
site's `family`. Callbacks receive the registry `Site` as a keyword argument so that one
spider can crawl many sites of several families at once.
"""
from __future__ import annotations

import functools
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime, timezone

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.selector import Selector
from twisted.python.failure import Failure

from crawler.blocking import blocked_kind
from crawler.items import BlockedPage, NotModified, ReportPage
from crawler.middlewares import Fresh
from crawler.registry import Site
from parsers import convert
from parsers.decode import charset_from_content_type, decode

YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
# A report's title ends in 年度报告 or 年报, perhaps with bracketed notes ("…年度报告（图文版）").
# Column items that only mention one do not: "关于做好…年度报告编制工作的通知", "…年度报告解读".
REPORT_TITLE = re.compile(r"(年度报告|年报)\s*(?:[（(【\[][^）)】\]]*[）)】\]]\s*)*$")
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

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.callback_failed, signal=signals.spider_error)
        return spider

    def site_failed(self, site: Site) -> None:
        self.crawler.stats.inc_value(f"govreports/failed/{site.key}")

    def request_failed(self, failure: Failure) -> None:
        """The errback of every request: a download given up, an HTTP error, a request refused
        on our side (robots.txt, offsite), or a stored page not due (Fresh)."""
        request = failure.request
        site = request.cb_kwargs["site"]
        refused = failure.check(IgnoreRequest) and not failure.check(HttpError)
        if failure.check(Fresh) or refused and request.meta.get("govreports_report"):
            # A report page the portal still lists, which we do not fetch: not a failure.
            self.present[site.key].add(request.url)
        else:
            self.site_failed(site)
        if not failure.check(Fresh):
            # An errback that returns silences Scrapy's own report of the failure: it is
            # logged here; requests refused on our side are warnings, as Scrapy has them.
            self.logger.log(logging.WARNING if refused else logging.ERROR, "%s failed (%s): %s",
                            request.url, site.key, failure.getErrorMessage())

    def callback_failed(self, failure: Failure, response: Response) -> None:
        site = response.request.cb_kwargs.get("site") if response.request else None
        if site is not None:
            self.site_failed(site)

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
    def parse_report(self, response: Response, site: Site) -> Iterator[ReportPage | NotModified]:
        self.present[site.key].add(response.url)  # where a listed link redirected to
        if response.status == 304:
            yield NotModified(site=site.key, url=response.url, document_sha256=response.meta["govreports_document"],
                              headers=headers_of(response), fetched_at=now())
            return
        yield ReportPage(
            site=site.key, url=response.url, body=response.body, headers=headers_of(response), fetched_at=now()
        )
