"""Hanweb JCMS (大汉) columns: `/col/col<id>/index.html`.

The column page embeds its first records as XML in a script,

    <script type="text/xml"><datastore><nextgroup>…</nextgroup><recordset>
      <record><![CDATA[<li><a href="/art/2024/1/19/art_1234_567890.html" title="…">…</a>…</li>]]></record>…

and configures the jpage pager in another: `totalRecord:N`, `perPage:15`, `groupSize:3`,
`proxyUrl:'/module/web/jpage/dataproxy.jsp'`, and the `var param_<unitid> = {…}` object the
pager posts. The rest comes a group (groupSize pages) at a time from
`POST <proxyUrl>?startrecord=46&endrecord=90&perpage=15`, which answers the same XML with
`<totalrecord>`. Some servers repeat a record across groups.
"""
from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

import scrapy
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from scrapy.http import Response
from scrapy.selector import Selector

from crawler.families import Family
from crawler.registry import Site
from crawler.spiders.base import ReportSpider, link_title, page_text, unless_blocked

MARKER = re.compile(rb"<datastore>|jpage/dataproxy\.jsp")
# The opening of the pager's parameters; they run to the first '}' after it, found with
# str.find (as the embedded datastore's end is): a lazy `.*?` up to it is tried from every
# opening and scans to the end each time, quadratic in a page of openings never closed.
PARAM = re.compile(r"\bvar\s+param_\w+\s*=\s*\{")
MAX_PARAM_CHARS = 4096  # a real pager's parameters are a few hundred characters
# Possessive, and from the start of a word only: else a long word without ':' is tried from
# each of its characters, giving back one at a time.
FIELD = re.compile(r"""(?<!\w)(\w++)\s*+:\s*+(?:'([^']*+)'|"([^"]*+)"|([^,\s}]++))""")


def _between(text: str, start: int, end: str) -> str | None:
    """`text` from `start` to the first `end` after it, or None."""
    stop = text.find(end, start)
    return text[start:stop] if stop >= 0 else None


def embedded_datastore(html: str) -> str | None:
    """The first `<datastore>…</datastore>` of a column page."""
    start = html.find("<datastore>")
    inside = _between(html, start, "</datastore>") if start >= 0 else None
    return None if inside is None else inside + "</datastore>"


def _params(html: str) -> dict[str, str]:
    opening = PARAM.search(html)
    inside = _between(html, opening.end(), "}") if opening else None
    if inside is None:
        return {}
    return {m[0]: m[1] or m[2] or m[3] for m in FIELD.findall(inside[:MAX_PARAM_CHARS])}


def _setting(name: str, script: str) -> str | None:
    found = setting(name).search(script)
    return found.group(1) if found else None


@functools.lru_cache(maxsize=16)
def setting(name: str) -> re.Pattern:
    """`name: value` or `name = value` in a script (probed by reliability.hostile_inputs)."""
    return re.compile(rf"\b{re.escape(name)}\s*[:=]\s*['\"]?([\w/.\-]+)")


@dataclass(frozen=True)
class Datastore:
    records: list[str]  # the <li> fragments, in order, repeats included
    total: int | None  # <totalrecord>, when the XML states it


def datastore(xml: str) -> Datastore:
    """Read one datastore. defusedxml refuses DTDs and entities, so a hostile or broken
    reply cannot expand entities or reach files; it raises instead."""
    root = fromstring(xml, forbid_dtd=True)
    total = root.findtext("totalrecord")
    return Datastore(
        records=[record.text or "" for record in root.iter("record")],
        total=_count(total.strip() if total else None),
    )


def _count(digits: str | None) -> int | None:
    """A count the page states; None when it states none, or more digits than any real count
    has (no int() of 10^4300 digits)."""
    return int(digits) if digits and digits.isdigit() and len(digits) <= 12 else None


@dataclass(frozen=True)
class Pager:
    total: int | None
    per_page: int
    group_size: int
    proxy: str
    params: dict[str, str]


def pager(html: str, site: Site) -> Pager:
    """The jpage pager's configuration in a column page; the site's registry entry fills gaps."""
    total, per_page, group_size = (_setting(name, html) for name in ("totalRecord", "perPage", "groupSize"))
    return Pager(
        total=_count(total),
        per_page=max(1, _count(per_page) or site.page_size),
        group_size=max(1, _count(group_size) or 3),
        proxy=_setting("proxyUrl", html) or site.dataproxy,
        params=_params(html),
    )


class HanwebSpider(ReportSpider):
    @unless_blocked
    def parse_hanweb(self, response: Response, site: Site) -> Iterator[scrapy.Request]:
        """The column page: its embedded records, then one dataproxy request per group."""
        html = page_text(response)
        embedded = embedded_datastore(html)
        if not embedded:
            self.logger.warning("no datastore in Hanweb column %s", response.url)
            return
        first = self._datastore(embedded, response)
        if first is None:
            return
        yield from self._hanweb_reports(first, response.url, site)
        config = pager(html, site)
        total = config.total or first.total
        if total is None:
            self.logger.warning("Hanweb column %s states no totalRecord: only embedded records read", response.url)
            return
        group = config.per_page * config.group_size
        # range() is lazy; the loop ends at the site's budget of listing pages, not at the
        # page's totalRecord (100,000,000 from a broken one).
        for start in range(len(first.records) + 1, total + 1, group):
            request = self.listing_request(
                response.urljoin(
                    f"{config.proxy}?startrecord={start}&endrecord={start + group - 1}&perpage={config.per_page}"
                ),
                site, self.parse_hanweb_records, cls=scrapy.FormRequest, formdata=config.params,
                headers={"Referer": response.url, "X-Requested-With": "XMLHttpRequest"},
                cb_kwargs={"column": response.url},
            )
            if request is None:
                break
            yield request

    @unless_blocked
    def parse_hanweb_records(self, response: Response, site: Site, column: str) -> Iterator[scrapy.Request]:
        group = self._datastore(page_text(response), response)
        if group is not None:
            yield from self._hanweb_reports(group, column, site)

    def _datastore(self, xml: str, response: Response) -> Datastore | None:
        try:
            return datastore(xml)
        except (DefusedXmlException, ET.ParseError) as exc:
            self.logger.error("refused the datastore XML of %s: %r", response.url, exc)
            self.crawler.stats.inc_value("govreports/errors")
            return None

    def _hanweb_reports(self, found: Datastore, column: str, site: Site) -> Iterator[scrapy.Request]:
        for record in found.records:
            for link in Selector(text=record).xpath("//a[@href]"):
                request = self.report_request(urljoin(column, link.attrib["href"]), link_title(link), site)
                if request:
                    yield request


FAMILY = Family(name="hanweb", spider=HanwebSpider, recognise=MARKER.search, checked=2)
