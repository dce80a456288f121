"""TRS WCM (拓尔思) columns: static list pages paginated by a `createPageHTML` call.

    createPageHTML(N, k, "index", "html")                  -> index.html, index_1.html … index_{N-1}.html
    createPageHTML('page_div', N, k, 'list', 'shtml', …)   -> list.shtml, list_1.shtml …
    var countPage = N; … createPageHTML(countPage, currentPage, "index", "html")

N is the number of pages, k the current one (0-based); nothing is called when N ≤ 1. Rows
are `<li>` or `<tr>` holding relative links `./YYYYMM/tYYYYMMDD_ID.html`.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from urllib.parse import urljoin

import scrapy
from scrapy.http import Response
from scrapy.selector import Selector

from crawler.families import Family
from crawler.registry import Site
from crawler.spiders.base import ReportSpider, link_title, page_text, unless_blocked

MARKER = re.compile(rb"createPageHTML\s*\(")
# The call's opening; its arguments run to the first ')' after it (str.find: a pattern
# `\(([^)]*)\)` is tried from every opening and scans to the end each time, quadratic in a
# page of openings without a ')').
CALL = re.compile(r"createPageHTML\s*\(")


def _value(arg: str, script: str) -> str | None:
    """An argument's value: a literal, or what `var name = value` assigns in the page."""
    arg = arg.strip()
    if arg[:1] in ("'", '"') or arg.isdigit():
        return arg.strip("'\"")
    assigned = assignment(arg).search(script)
    return assigned.group(1) if assigned else None


@functools.lru_cache(maxsize=64)
def assignment(name: str) -> re.Pattern:
    """`name = value` in a script (probed by reliability.hostile_inputs like every regex here)."""
    return re.compile(rf"\b{re.escape(name)}\s*=\s*['\"]?(\w+)")


def page_urls(html: str, page_url: str, second_page: int = 1) -> Iterator[str]:
    """The column's other list pages, as named by the page's `createPageHTML` call, one at a
    time: the count is the page's word (30,000,000 from a broken one), so the caller decides
    how many it takes, and no list of them is ever built.

    `second_page` is the suffix of the page after the first (1: `index_1`, 2: `index_2`).
    """
    call = CALL.search(html)
    end = html.find(")", call.end()) if call else -1
    if end < 0:
        return
    args = [_value(arg, html) for arg in html[call.end():end].split(",")]
    if len(args) >= 5 and args[0] and not args[0].isdigit():
        args = args[1:]  # the 'page_div' variant names the element to write into first
    if len(args) < 4 or not all(args[:4]) or not (args[0].isdigit() and args[1].isdigit()) \
            or len(args[0]) > 9 or len(args[1]) > 9:  # more pages than any site has: no int() of 10^4300
        return
    count, current, prefix, ext = int(args[0]), int(args[1]), args[2], args[3]
    for k in range(count):
        if k != current:
            yield urljoin(page_url, f"{prefix}.{ext}" if k == 0 else f"{prefix}_{k + second_page - 1}.{ext}")


class TRSSpider(ReportSpider):
    @unless_blocked
    def parse_trs(self, response: Response, site: Site) -> Iterator[scrapy.Request]:
        """The column's first page: its reports, and every other list page."""
        text = page_text(response)
        yield from self._trs_reports(text, response, site)
        for url in page_urls(text, response.url, site.second_page):
            request = self.listing_request(url, site, self.parse_trs_page)
            if request is None:
                break  # over the site's budget of listing pages
            yield request

    @unless_blocked
    def parse_trs_page(self, response: Response, site: Site) -> Iterator[scrapy.Request]:
        yield from self._trs_reports(page_text(response), response, site)

    def _trs_reports(self, text: str, response: Response, site: Site) -> Iterator[scrapy.Request]:
        detail = re.compile(site.detail_pattern)
        for link in Selector(text=text).xpath("//li//a[@href] | //tr//a[@href]"):
            url = response.urljoin(link.attrib["href"])
            if detail.search(url):
                request = self.report_request(url, link_title(link), site)
                if request:
                    yield request


FAMILY = Family(name="trs", spider=TRSSpider, recognise=MARKER.search, checked=1)
