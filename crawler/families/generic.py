"""Columns of no known CMS: follow links that name an annual report and a year, and the
listing's next-page links, without leaving the column's host."""
from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote, urljoin, urlsplit

import scrapy
from scrapy.http import Response
from scrapy.selector import Selector

from crawler.families import Family
from crawler.registry import Site
from crawler.spiders.base import YEAR, ReportSpider, link_title, names_a_report, page_text, plain, unless_blocked

REPORT = re.compile(r"年度报告|年报")
NEXT_PAGE = re.compile(r"^(下一页|下页|后页|下一頁|next|next page|>|›|»)$", re.I)


def is_report_link(title: str, url: str) -> bool:
    """Whether a link names an annual report and a year, in its title or its URL."""
    return (names_a_report(title) or bool(REPORT.search(url))) and any(YEAR.search(s) for s in (title, url))


def links(html: str, page_url: str) -> Iterator[tuple[str, str, str]]:
    """(kind, url, title) of the page's report links ('report') and next-page links
    ('next'), on the page's own host only."""
    host = urlsplit(page_url).hostname
    for link in Selector(text=html).xpath("//a[@href]"):
        url = urljoin(page_url, link.attrib["href"])
        if urlsplit(url).hostname != host:
            continue
        text = " ".join("".join(link.xpath(".//text()").getall()).split())
        title = plain(link_title(link))
        if NEXT_PAGE.match(text):
            yield "next", url, text
        elif is_report_link(title, unquote(url)):
            yield "report", url, title


class GenericSpider(ReportSpider):
    @unless_blocked
    def parse_generic(self, response: Response, site: Site) -> Iterator[scrapy.Request]:
        """A listing page: its report links, and the next listing page."""
        for kind, url, title in links(page_text(response), response.url):
            if kind == "next":
                # An endless chain (page=1, 2, 3 …) ends at the site's budget of listing pages;
                # a cyclic one at Scrapy's filter of seen requests.
                request = self.listing_request(url, site, self.parse_generic)
                if request:
                    yield request
            else:
                request = self.report_request(url, title, site)
                if request:
                    yield request


# A column that looks like no other family.
FAMILY = Family(name="generic", spider=GenericSpider)
