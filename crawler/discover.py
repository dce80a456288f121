"""Discovery: from a portal's homepage, or any section page, to its 年报 column(s).

A page is read for two things:

- where to go next (`Analysis.nav`): links on the same host whose text or URL names 政务公开,
  (政府)信息公开, 法定主动公开内容, 年报 or 年度报告 — Simplified or Traditional, in `<a>`
  tags or in a script's navigation data (`[{name: "政务公开", url: "/zwgk/"}, …]`) —
  each with a score: the nearer a link's words are to the 年报 column, the sooner it is
  followed;
- whether it is a 年报 listing (`Analysis.is_listing`): how many of its links look like annual reports
  (a title with a year and 年度报告/年报) and how many lead to further 年报 listings
  (部门年报, 乡镇（街道）年报, `2023年度`): its sub-columns, followed in turn.

The crawl itself is the `discover` spider (crawler/spiders/discover.py): the project's
middlewares (robots.txt, the network guard) and politeness settings, a bounded number of
requests. `run` starts it in a child process, as crawler.runner does for crawls, and returns
what it found.
"""
from __future__ import annotations

import json
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from scrapy.selector import Selector

from crawler.families.generic import NEXT_PAGE, is_report_link
from crawler.families.hanweb import embedded_datastore
from crawler.spiders.base import link_title, names_a_report, plain

MAX_REQUESTS = 60  # pages a discovery may request (robots.txt not counted)
MAX_SUB_DEPTH = 3  # sub-columns of sub-columns … followed this deep below a 年报 column

# Words of a link on the way to the 年报 column, in Simplified (titles are read through
# `plain`, which converts Traditional), with how near each is to the column.
NAV_WORDS = (
    (re.compile(r"年度报告|年报"), 40),
    (re.compile(r"政府信息公开"), 20),
    (re.compile(r"法定主动公开"), 15),
    (re.compile(r"信息公开"), 12),
    (re.compile(r"政务公开"), 10),
)
# The same in URL paths: abbreviations in pinyin initials that portals use for these columns.
NAV_PATHS = (
    (re.compile(r"ndbg|gknb|xxgknb|nianbao|/nb/|ndgzbg", re.I), 30),
    (re.compile(r"zfxxgk|xxgk|zwgk|fdzdgk|fdgknr", re.I), 6),
)
# A per-year sub-column of a 年报 column: "2023年度", "2023年", "2023年度报告".
YEAR_COLUMN = re.compile(r"^((?:19|20)\d{2})\s*年(?:度)?(?:报告|年报)?$")
# Pages that are not columns of their own: a listing's further pages, gateway copies
# (/gate/big5/… is the Traditional mirror of a column already seen), searches.
NOT_A_COLUMN = re.compile(r"(?:index|list)_\d+\.s?html?$|/gate/(?:big5|gb)/|/search", re.I)
# A document's URL, as opposed to a column's: dated or numbered article names of the CMS
# families (t20240119_123.html, art_1234_567.html, content_123.shtml, 32 hex, file names).
DOCUMENT = re.compile(r"/t\d{8}_\d+|art_\d+_\d+|content_\d+|/[0-9a-f]{32}\.|/[PW]0\d{10,}|"
                      r"\.(?:pdf|docx?|wps|xlsx?|jpe?g|png|zip|rar)$", re.I)
# The same column's page, however written: …/ndbg/, …/ndbg/index.html
INDEX_PAGE = re.compile(r"/(?:index|default)\.s?html?$", re.I)
# A column's own URL, as opposed to a document's: a folder, or its index page.
COLUMN_PATH = re.compile(r"/$|/(?:index|list|default)\.\w+$")
# A URL in a script's navigation data, and the objects holding one.
SCRIPT_OBJECT = re.compile(r"\{[^{}]*\}")
QUOTED = re.compile(r"""(['"])((?:(?!\1)[^\\\n]|\\.)*)\1""")
URLISH = re.compile(r"^(?:https?://|/|\./|\.\./)\S*$|^[\w./-]+\.s?html?$")
CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Link:
    url: str
    text: str
    score: int  # 0: not on the way to a 年报 column


@dataclass
class Analysis:
    """What a page is, as discovery sees it."""

    url: str
    title: str
    reports: list[str] = field(default_factory=list)  # report URLs it lists
    subcolumns: list[Link] = field(default_factory=list)  # further 年报 listings it links
    nav: list[Link] = field(default_factory=list)  # links on the way to a 年报 column

    @property
    def score(self) -> int:
        """How much the page looks like a 年报 listing: its report links, and its sub-columns."""
        return len(self.reports) + 3 * len(self.subcolumns)

    @property
    def is_listing(self) -> bool:
        """A 年报 column: it lists two reports or more, or it names 年报 itself and lists one, or
        leads to sub-columns (an index of per-department or per-year columns)."""
        return len(self.reports) >= 2 or bool((self.reports or self.subcolumns) and names_annual(self.title))


def names_annual(text: str) -> bool:
    return bool(NAV_WORDS[0][0].search(plain(text)))


def nav_score(text: str, url: str) -> int:
    """How near a link's words put it to the 年报 column (0: not on the way)."""
    text = plain(text)
    score = max((points for words, points in NAV_WORDS if words.search(text)), default=0)
    path = unquote(urlsplit(url).path + "?" + urlsplit(url).query)
    return score + max((points for words, points in NAV_PATHS if words.search(path)), default=0)


def canonical(url: str) -> str:
    """One name per page: without its fragment, and a folder's index page as the folder."""
    return INDEX_PAGE.sub("/", url.split("#")[0])


def same_host(url: str, page_url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc == urlsplit(page_url).netloc


def page_links(html: str, page_url: str) -> list[tuple[str, str]]:
    """(url, title) of the page's links on its own host: `<a>` tags, the records a Hanweb
    column embeds in its `<datastore>`, and navigation data in scripts."""
    selector = Selector(text=html)
    anchors = list(selector.xpath("//a[@href]"))
    block = embedded_datastore(html)
    if block:
        anchors += Selector(text=block.replace("<![CDATA[", "").replace("]]>", "")).xpath("//a[@href]")
    found = []
    for anchor in anchors:
        href = anchor.attrib["href"].strip()
        if href.startswith(("javascript:", "#", "mailto:")):
            continue
        found.append((urljoin(page_url, href), plain(link_title(anchor))))
    for script in selector.xpath("//script[not(@type) or contains(@type, 'javascript')]/text()").getall():
        found += script_links(script, page_url)
    return [(url.split("#")[0], title) for url, title in found if same_host(url, page_url)]


def script_links(script: str, page_url: str) -> list[tuple[str, str]]:
    """Links a script holds as data: objects with a URL-like string and a Chinese name."""
    found = []
    for obj in SCRIPT_OBJECT.findall(script):
        strings = [value for _quote, value in QUOTED.findall(obj)]
        urls = [s for s in strings if URLISH.match(s)]
        names = [s for s in strings if CJK.search(s) and s not in urls]
        if urls and names:
            found.append((urljoin(page_url, urls[0]), plain(names[0])))
    return found


def page_title(html: str) -> str:
    selector = Selector(text=html)
    column = selector.xpath("//meta[@name='ColumnName']/@content").get()
    title = " ".join("".join(selector.xpath("//title//text()").getall()).split())
    return plain(title if column and column in title else " ".join(filter(None, [column, title])))


def analyse(html: str, url: str) -> Analysis:
    """Read a page: its report links, its sub-columns (when it is a 年报 listing), and the
    links worth following towards one."""
    result = Analysis(url=url, title=page_title(html))
    seen = {canonical(url)}
    candidates: list[Link] = []
    for link_url, title in page_links(html, url):
        if canonical(link_url) in seen:
            continue
        seen.add(canonical(link_url))
        # A report: its title names one (or it has none, and its URL does), with a year; a bare
        # "2023年度报告" is rather a per-year sub-column.
        if (names_a_report(title) or not title) and is_report_link(title, unquote(link_url)) \
                and not YEAR_COLUMN.match(title):
            result.reports.append(link_url)
            continue
        if NEXT_PAGE.match(title) or NOT_A_COLUMN.search(link_url) or DOCUMENT.search(urlsplit(link_url).path):
            continue
        candidates.append(Link(link_url, title, nav_score(title, link_url)))
    annual_page = bool(result.reports) or names_annual(result.title)
    for link in candidates:
        if annual_page and not is_up(link.url, url) and (
                names_annual(link.text) or YEAR_COLUMN.match(link.text) or is_child_column(link.url, url)):
            result.subcolumns.append(link)
        elif link.score:
            result.nav.append(link)
    return result


def is_up(link: str, page: str) -> bool:
    """Whether a link leads up the page's own path (a breadcrumb back to a parent column)."""
    parent, path = urlsplit(canonical(link)).path, urlsplit(canonical(page)).path
    return parent.endswith("/") and path.startswith(parent) and len(parent) < len(path)


def is_child_column(link: str, page: str) -> bool:
    """Whether a link leads to a column below the page's own folder (…/ndbg/bm/jyj/ below
    …/ndbg/): an index of per-department columns names the departments only."""
    folder = urlsplit(page).path.rsplit("/", 1)[0] + "/"
    path = urlsplit(link).path
    return path.startswith(folder) and path != folder and bool(COLUMN_PATH.search(path))


def portal_name(html: str) -> str:
    """The portal's name: its SiteName meta, else the part of its title naming a body."""
    selector = Selector(text=html)
    site = selector.xpath("//meta[@name='SiteName']/@content").get()
    if site and site.strip():
        return plain(site.strip())
    title = " ".join("".join(selector.xpath("//title//text()").getall()).split())
    parts = [part.strip() for part in re.split(r"[_|\-—–]+", plain(title)) if part.strip()]
    body = [part for part in parts if re.search(r"(政府|局|委员会|委|办公室|厅|部|院|街道|乡|镇)$", part)]
    return (body or parts or [""])[-1]


# ---------------------------------------------------------------------------------------------
# What a discovery found, as the spider writes it and the commands read it


@dataclass
class Column:
    url: str
    family: str
    title: str
    reports: int  # report links on its first page
    pages: int | None  # listing pages its pager states (TRS createPageHTML), when it states them
    subcolumns: list[str]
    path: list[tuple[str, str]]  # (link text, URL) from the start page to this column
    parent: str | None = None  # the 年报 column that links it, for a sub-column


@dataclass
class Found:
    start: str
    requests: int = 0
    portal: str = ""
    columns: list[Column] = field(default_factory=list)
    visited: list[tuple[str, int, int]] = field(default_factory=list)  # (url, status, listing score)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (url, why): dead links, errors
    refused: list[tuple[str, str]] = field(default_factory=list)  # (url, why): robots.txt, network guard
    blocked: list[tuple[str, str]] = field(default_factory=list)  # (url, kind): anti-bot challenges, soft 404s
    moved: list[tuple[str, str]] = field(default_factory=list)  # (url, where it redirected to)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> "Found":
        data = json.loads(text)
        columns = [Column(**{**column, "path": [tuple(step) for step in column["path"]]}) for column in data.pop("columns")]
        return cls(**{**data, "columns": columns})

    @property
    def main(self) -> list[Column]:
        """The portal's own 年报 columns: those no other found column links as a sub-column."""
        return [column for column in self.columns if column.parent is None]

    def how_far(self) -> str:
        """Where a discovery that found nothing got to, in one line."""
        if self.refused and not self.visited:
            return f"{self.refused[0][0]} was not requested: {self.refused[0][1]}"
        if self.blocked and not self.visited:
            return f"{self.blocked[0][0]} answers with a page that blocks crawlers or hides a missing page ({self.blocked[0][1]})"
        if not self.visited:
            why = self.failed[0][1] if self.failed else "no answer"
            return f"{self.start} could not be fetched ({why})"
        deepest = max((url for url, status, _ in self.visited if status == 200), key=len, default=self.start)
        return (f"{len(self.visited)} pages read in {self.requests} requests from {self.start}, none of them a 年报 "
                f"listing (the last one on the way: {deepest})"
                + (f"; {len(self.failed)} links dead or failing" if self.failed else "")
                + (f"; {len(self.refused)} not requested ({self.refused[0][1]})" if self.refused else ""))


def run(url: str, *, max_requests: int = MAX_REQUESTS, allow_private: bool = False, settings: dict | None = None,
        log_file: str | Path | None = None, follow: bool = True) -> tuple[Found | None, str]:
    """Discover from `url` in a child process (a fresh Twisted reactor); returns what it found
    (None if the child died before writing it) and the child's stderr. With follow=False, `url`
    may be several, space-separated, and only they are read."""
    from crawler.runner import run_crawl

    with tempfile.TemporaryDirectory(prefix="govreports-discover-") as folder:
        out = Path(folder) / "found.json"
        arguments = {"start": url, "max_requests": max_requests, "out": str(out)}
        if allow_private:
            arguments["allow_private"] = 1
        if not follow:
            arguments["follow"] = 0
        result = run_crawl(spider="discover", db=Path(folder) / "unused.db", spider_args=arguments,
                           settings=settings, log_file=log_file, capture=True)
        found = Found.from_json(out.read_text(encoding="utf-8")) if out.exists() else None
    return found, result.stderr or ""
