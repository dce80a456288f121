"""The replica's sites: which report each portal publishes, and every byte it serves.

Three CMS families as PORTALS.md describes them (TRS WCM static pages, Hanweb JCMS with
its dataproxy, an unbranded site) plus the Big5 gateway copy of the TRS column. All
pages are built up front from (seed, reports, generation), so two runs serve identical
bytes and a crawl can be replayed. Generation 2 is the same portal one publication round
later: the changes are chosen here, once per seed, and the truth follows them.

With `attachments=True` the sites also publish reports as files, as many agencies do
(PORTALS.md): "详见附件" stubs linking a PDF, a scan, a DOCX (once under a .wps name), a real
.doc, an HTML file named .doc, an .xls and a JPEG, each in its family's URL shape, and one
full page that links a PDF of itself. Those reports come on top of the generated ones, except
the .doc and .xls fixtures' own two reports, which they replace when the pool holds them.
"""
from __future__ import annotations

import collections
import copy
import datetime
import hashlib
import html
import math
import random
import re
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote, unquote

from replica.attachments import render_docx, render_pdf, sample_doc, sample_xls, stub_page
from replica.scans import render_scanned_image, render_scanned_pdf
from replica.generator import TEXT_LAYOUTS, generate, render_html, render_text, traditional

# One loopback address per site, in the order build_portal returns the sites.
HOSTS = ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
SITE_KEYS = ("replica-trs", "replica-hanweb", "replica-generic")  # as crawler/sites.toml registers them
NEW_REPORTS = 5          # reports the second round publishes
REVISION = 10            # what the second round adds to a revised report's 行政许可 decisions
CST = datetime.timezone(datetime.timedelta(hours=8))
SEEDS_DIR = Path(__file__).with_name("seeds")

TRS_COLUMN, TRS_PAGE_SIZE = "/xxgk/ndbg", 12
HANWEB_COLUMN_ID, HANWEB_UNIT_ID, HANWEB_EMBEDDED, HANWEB_PER_PAGE = 1234, "423656", 45, 15
HANWEB_PROXY = "/module/web/jpage/dataproxy.jsp"
HANWEB_SCRIPT_EVERY = 9  # one report page in this many is an empty shell its script fills (let content = "…")
HANWEB_DOWNLOAD = "/module/download/downfile.jsp"
GENERIC_COLUMN, GENERIC_PAGE_SIZE = "/ndbg", 15
GENERIC_FILES, GENERIC_OLD_FILES = "/ndbg/files", "/uploadfile"

ROBOTS = "User-agent: *\nDisallow: /search/\n"
META_CHARSET = re.compile(r'<meta http-equiv="Content-Type" content="text/html; charset=[^"]*">\n?')


@dataclass(frozen=True)
class Page:
    """One response. Pages without last_modified get no validators (errors, challenges)."""
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    last_modified: datetime.datetime | None = None
    etag_salt: bytes = b""  # a re-stamped file: same bytes, new ETag


NOT_FOUND = Page(b"<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n"
                 b"<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n"
                 b"</body>\r\n</html>\r\n", status=404)


FOUND = (b"<html>\r\n<head><title>302 Found</title></head>\r\n<body>\r\n<center><h1>302 Found</h1></center>\r\n"
         b"<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")


class Site:
    """A portal on one host: static pages by path."""

    def __init__(self, key: str, family: str, agency: str, region: str, host: str, port: int,
                 column_path: str):
        self.key, self.family, self.agency, self.region = key, family, agency, region
        self.host, self.port, self.column_path = host, port, column_path
        self.pages: dict[str, Page] = {}
        self.columns: list[str] = [column_path]  # every 年报 column's path: the main one, then sub-columns

    @property
    def netloc(self) -> str:
        return f"{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return f"http://{self.netloc}{path}"

    def respond(self, path: str, form: dict[str, str]) -> Page:
        """Static files ignore the method and the query string, as web servers do."""
        return self.pages.get(unquote(path), NOT_FOUND)

    def describe(self) -> dict:
        return {"key": self.key, "agency": self.agency, "region": self.region, "family": self.family,
                "column_url": self.url(self.column_path), "host": self.host, "homepage": self.url("/"),
                "columns": [self.url(path) for path in self.columns]}


class HanwebSite(Site):
    """Hanweb JCMS: the column embeds the first records, the dataproxy serves the rest."""

    def __init__(self, *args, webname: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.webname = webname
        self.records: list[str] = []  # <li> rows, newest first
        self.files: dict[str, Page] = {}  # by the downfile.jsp `filename` parameter

    def respond(self, path: str, form: dict[str, str]) -> Page:
        if unquote(path) == HANWEB_PROXY:
            return self.dataproxy(form)
        if unquote(path) == HANWEB_DOWNLOAD:
            return self.files.get(form.get("filename", ""), NOT_FOUND)
        return super().respond(path, form)

    def dataproxy(self, form: dict[str, str]) -> Page:
        """Records startrecord-1 … endrecord (1-based): each group repeats the previous one's last."""
        if "columnid" not in form:
            return Page(b"<html><body>columnid is required</body></html>", status=400)
        try:
            start = int(form.get("startrecord", 1))
            end = int(form.get("endrecord", start + HANWEB_EMBEDDED - 1))
            per_page = max(int(form.get("perpage", HANWEB_PER_PAGE)), 1)
        except ValueError:
            return Page(b"<html><body>bad paging parameters</body></html>", status=400)
        records = self.records if form["columnid"] == str(HANWEB_COLUMN_ID) else []
        chosen = records[max(start - 2, 0):max(end, 0)]
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n'
                f"<totalrecord>{len(records)}</totalrecord>\n"
                f"<totalpage>{math.ceil(len(records) / per_page)}</totalpage>\n"
                f"<nextgroup><![CDATA[{self.next_group(end // per_page + 1)}]]></nextgroup>\n"
                "<recordset>\n" + "".join(f"<record><![CDATA[\n{row}\n]]></record>\n" for row in chosen)
                + "</recordset>\n</datastore>\n")
        return Page(body.encode("utf-8"), "text/xml;charset=UTF-8")

    def next_group(self, page: int) -> str:
        return (f'<a href="{HANWEB_PROXY}?page={page}&appid=1&webid=3&path=/&columnid={HANWEB_COLUMN_ID}'
                f'&unitid={HANWEB_UNIT_ID}&webname={self.webname}&permissiontype=0"></a>')


@dataclass(frozen=True)
class Round:
    """What the second publication round changes, chosen once per (seed, pool)."""
    new: frozenset[int]
    revised: tuple[int, ...]
    removed: int
    restamped: int

    @classmethod
    def plan(cls, pool: list[dict], seed: int) -> "Round":
        """The newest reports are the round's new ones; the rest drawn from the older reports."""
        by_date = sorted(range(len(pool)), key=lambda i: (pool[i]["published_on"], i))
        new = frozenset(by_date[-NEW_REPORTS:])
        old = [i for i in range(len(pool)) if i not in new]
        rng = random.Random(f"round2|{seed}")
        revised = tuple(rng.sample([i for i in old if pool[i]["template"] != "pre2019"], 2))
        removed, restamped = rng.sample([i for i in old if i not in revised], 2)
        return cls(new, revised, removed, restamped)


@dataclass(frozen=True)
class Published:
    """A report as this generation of the portal publishes it."""
    index: int           # in the pool
    slot: int            # among its site's reports in the pool: stable across generations
    truth: dict
    last_modified: datetime.datetime
    etag_salt: bytes = b""


def unique_reports(seed: int, count: int) -> list[dict]:
    """`count` generated reports, one per (agency, year): an agency publishes one report a year,
    and the corpus keys reports by agency and year, so a second one would be a false copy."""
    size = count
    while True:
        seen, pool = set(), []
        for truth in generate(seed, size):
            if (truth["agency"], truth["year"]) not in seen:
                seen.add((truth["agency"], truth["year"]))
                pool.append(truth)
        if len(pool) >= count:
            return pool[:count]
        size += count - len(pool)


def publish(pool: list[dict], families: list[str], plan: Round, generation: int,
            round_time: datetime.datetime) -> list[Published]:
    """The reports online in this generation, with round 2's revisions and re-stamping applied."""
    published, slots = [], collections.Counter()
    for index, truth in enumerate(pool):
        slot = slots[families[index]]
        slots[families[index]] += 1
        if generation == 1 and index in plan.new or generation == 2 and index == plan.removed:
            continue
        modified = datetime.datetime.fromisoformat(truth["published_on"] + "T09:00:00+08:00")
        if generation == 2 and index in plan.revised:
            truth = copy.deepcopy(truth)
            truth["active"]["licensing"]["decisions"] += REVISION  # no sum involves it: the report stays consistent
            published.append(Published(index, slot, truth, round_time))
        elif generation == 2 and index == plan.restamped:
            published.append(Published(index, slot, truth, round_time, b"round2"))
        else:
            published.append(Published(index, slot, truth, modified))
    return published


def family_of(pool: list[dict]) -> list[str]:
    """Which site publishes each report: about 40% TRS, 35% Hanweb, 25% generic.

    Reports whose names hold characters outside GB2312 go alternately to the generic site
    (served as GBK behind a UTF-8 header) and to the TRS site, so both meet them.
    """
    families, rare = [], 0
    for index, truth in enumerate(pool):
        if outside_gb2312(truth["title"]):
            families.append(("generic", "trs")[rare % 2])
            rare += 1
        else:
            families.append("trs" if index % 20 < 8 else "hanweb" if index % 20 < 15 else "generic")
    return families


def outside_gb2312(text: str) -> bool:
    return any(not _in_gb2312(char) for char in text)


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def doc_id(seed: int, index: int, base: int) -> int:
    """Stable across generations and unique per site: rises with the pool index, as CMS ids do."""
    return base + index * 1009 + random.Random(f"id|{seed}|{index}").randrange(1000)


def declare(markup: str, charset: str | None) -> str:
    """Rewrite (or with None drop) the page's Content-Type meta: how mis-declared pages are made."""
    if charset is None:
        return META_CHARSET.sub("", markup, count=1)
    return META_CHARSET.sub(f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">\n',
                            markup, count=1)


def cst_midnight(date: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(date + "T00:00:00+08:00")


def truth_line(site: Site, path: str, report: Published, encoding: str, rendered_as: str) -> dict:
    url = site.url(path)
    return {**report.truth, "encoding": encoding, "source": url, "url": url, "site": site.key,
            "rendered_as": rendered_as}


def short_title(title: str, limit: int = 30) -> str:
    """List pages cut long titles; the full one stays in the title attribute."""
    return title if len(title) <= limit else title[:limit - 1] + "…"


# ---------------------------------------------------------------------------------------------
# TRS WCM

TRS_NEWS = (  # unrelated column items; some name 年度报告 and a year without being one
    ("关于做好2023年政府信息公开工作年度报告编制发布工作的通知", "2023-12-20"),
    ("2023年政府信息公开工作年度报告编制业务培训会召开", "2024-01-10"),
    ("关于2024年春节放假安排的通知", "2024-02-02"),
    ("示范省2024年政务公开工作要点", "2024-04-16"),
    ("省政府办公厅召开2022年度政务公开工作推进会", "2022-06-08"),
    ("政府信息公开指南（2021年修订）", "2021-03-02"),
    ("关于开展政府网站和政务新媒体检查的通报", "2020-09-14"),
    ("2019年政府信息公开工作年度报告格式说明", "2019-12-25"),
)
TRS_BLOCKED = ("示范县应急管理局2022年政府信息公开工作年度报告", "2023-03-15", "/xxgk/ndbg/202303/t20230315_3900001.html")
JSL_CHALLENGE = (
    '<html><body><script>document.cookie=("__jsl_clearance_s=")+(1700000000+"."+(function(){{return "{token}"}})())'
    '+";max-age=3600;path=/";go({{"bts":["1700000000.351|0|","FvA%3D"],"chars":"ZcxJKpXvKqrdDRBpYxnGqH",'
    '"ct":"{digest}","ha":"sha256","is":true,"tn":"__jsl_clearance_s","vt":"3600","wt":"1500"}})</script></body></html>')


def trs_path(seed: int, report: Published) -> str:
    date = report.truth["published_on"]
    return f"{TRS_COLUMN}/{date[:7].replace('-', '')}/t{date.replace('-', '')}_{doc_id(seed, report.index, 4_000_000)}.html"


def gbk_page(markup: str, last_modified: datetime.datetime, salt: bytes = b"", *, listing: bool = False) -> Page:
    """GBK as TRS sites serve it: gb18030 bytes, `gb2312` in the header and the meta tag."""
    return Page(markup.encode("gb18030"), "text/html; charset=gb2312",
                headers=(("Cache-Control", "no-cache"),) if listing else (),
                last_modified=last_modified, etag_salt=salt)


def build_trs(site: Site, reports: list[Published], seed: int, round_time: datetime.datetime,
              filed: list["Filed"]) -> list[dict]:
    """Static column pages with createPageHTML paging, news rows mixed in, a 加速乐-blocked row,
    and the Big5 gateway copy of the whole column."""
    rows, truths = [], []
    gate = f"/gate/big5/{site.netloc}"
    for report in reports:
        path = trs_path(seed, report)
        truth = {**report.truth, "encoding": "gb18030"}
        site.pages[path] = gbk_page(render_html(truth, style="trs", seed=seed * 10_000 + report.index),
                                    report.last_modified, report.etag_salt)
        line = truth_line(site, path, report, "gb18030", "html:trs")
        line["mirror_url"] = site.url(gate + path)
        truths.append(line)
        rows.append((truth["published_on"], path, truth["title"]))
    for item in filed:
        path, line = trs_filed(site, item, seed)
        line["mirror_url"] = site.url(gate + path)
        truths.append(line)
        rows.append((item.report.truth["published_on"], path, item.report.truth["title"]))
    for number, (title, date) in enumerate(TRS_NEWS):
        path = f"{TRS_COLUMN}/{date[:7].replace('-', '')}/t{date.replace('-', '')}_{3_000_000 + number * 7919}.html"
        site.pages[path] = gbk_page(trs_news(title, date), cst_midnight(date))
        rows.append((date, path, title))
    title, date, path = TRS_BLOCKED
    token = hashlib.sha256(f"jsl|{seed}".encode()).hexdigest()
    site.pages[path] = Page(JSL_CHALLENGE.format(token=token[:32], digest=token[32:]).encode(), status=521,
                            headers=(("Set-Cookie", f"__jsl_clearance_s={token[:24]}; max-age=3600; path=/"),))
    rows.append((date, path, title))
    rows.sort(key=lambda row: (row[0], row[1]), reverse=True)
    pages = max(1, math.ceil(len(rows) / TRS_PAGE_SIZE))
    for number in range(pages):
        name = "index.html" if number == 0 else f"index_{number}.html"
        chunk = rows[number * TRS_PAGE_SIZE:(number + 1) * TRS_PAGE_SIZE]
        site.pages[f"{TRS_COLUMN}/{name}"] = gbk_page(trs_listing(chunk, number, pages, gate), round_time,
                                                      listing=True)
    site.pages[f"{TRS_COLUMN}/"] = site.pages[f"{TRS_COLUMN}/index.html"]
    for path, page in list(site.pages.items()):
        site.pages[gate + path] = big5_copy(page, gate)
    site.pages["/robots.txt"] = Page(ROBOTS.encode(), "text/plain")
    site.pages["/search/"] = search_page("gb18030", "gb2312")
    return truths


def trs_listing(rows: list[tuple], number: int, pages: int, gate: str) -> str:
    items = "\n".join(
        f'<li><a href=".{path.removeprefix(TRS_COLUMN)}" title="{html.escape(title)}" target="_blank">'
        f"{html.escape(short_title(title))}</a><span>{date}</span></li>" for date, path, title in rows)
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>政府信息公开年度报告_示范省人民政府</title>
<meta name="SiteName" content="示范省人民政府">
<meta name="ColumnName" content="政府信息公开年度报告">
</head>
<body>
<div class="top"><a href="{gate}{TRS_COLUMN}/index.html">繁體版</a> | <a href="/search/?searchword=%C4%EA%B6%C8%B1%A8%B8%E6">站内搜索</a></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/xxgk/">政府信息公开</a> &gt; <a href="./">政府信息公开年度报告</a></div>
<div class="list">
<ul>
{items}
</ul>
</div>
<div class="page"><script language="JavaScript">createPageHTML({pages}, {number}, "index", "html");</script></div>
</body>
</html>
"""


def trs_news(title: str, date: str) -> str:
    return f"""<!DOCTYPE html>
<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{html.escape(title)}_示范省人民政府</title>
<meta name="ArticleTitle" content="{html.escape(title)}">
<meta name="PubDate" content="{date} 10:00">
</head><body>
<div class="article-title"><h2>{html.escape(title)}</h2></div>
<div class="article-info">发布时间：{date}　来源：示范省人民政府办公厅</div>
<div class="TRS_Editor"><p>各市、县（区）人民政府，省政府各部门：</p>
<p>现将有关事项通知如下，请结合实际认真贯彻执行。</p>
<p>示范省人民政府办公厅</p><p>{date}</p></div>
</body></html>
"""


def big5_copy(page: Page, gate: str) -> Page:
    """The /gate/big5/ gateway: the same page in Traditional characters, Big5, links kept inside
    the gateway. Challenges and errors pass through unchanged, as a proxy would pass them."""
    if page.status != 200 or not page.content_type.startswith("text/html"):
        return page
    text = traditional(page.body.decode("gb18030")).replace("charset=gb2312", "charset=big5")
    text = text.replace(f'href="{TRS_COLUMN}/', f'href="{gate}{TRS_COLUMN}/')
    return replace(page, body=text.encode("big5hkscs", "xmlcharrefreplace"), content_type="text/html; charset=big5")


def search_page(codec: str, charset: str) -> Page:
    """The site search robots.txt forbids: served, so a request to it is visible in the log."""
    markup = (f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
              '<title>站内搜索</title></head><body><form action="/search/"><input name="searchword"></form>'
              "<p>请输入关键词</p></body></html>")
    return Page(markup.encode(codec), f"text/html; charset={charset}")


# ---------------------------------------------------------------------------------------------
# Hanweb JCMS

HANWEB_BLOCKED = ("示范市统计局2021年政府信息公开工作年度报告", "2022-01-28", "/art/2022/1/28/art_1234_99999.html")
RUISHU_CHALLENGE = (
    '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
    '<meta http-equiv="Pragma" content="no-cache"><script type="text/javascript">$_ts=window[\'$_ts\'];'
    'if(!$_ts)$_ts={{}};$_ts.nsd=84710;$_ts.cd="{cd}";</script>'
    '<script type="text/javascript" charset="utf-8" src="/4QbVtADbnLVIc/c.FxJzG50F.js" r="m"></script>'
    "</head><body></body></html>")


def hanweb_row(path: str, title: str, date: str) -> str:
    return (f'<li><a href="{path}" title="{html.escape(title)}" target="_blank">{html.escape(short_title(title))}</a>'
            f"<span>{date}</span></li>")


def hanweb_path(seed: int, report: Published) -> str:
    year, month, day = (int(part) for part in report.truth["published_on"].split("-"))
    return f"/art/{year}/{month}/{day}/art_{HANWEB_COLUMN_ID}_{doc_id(seed, report.index, 500_000)}.html"


def build_hanweb(site: HanwebSite, reports: list[Published], seed: int, round_time: datetime.datetime,
                 filed: list["Filed"]) -> list[dict]:
    """Column page embedding the first 45 records, the rest via the dataproxy; one 瑞数-blocked
    record. robots.txt is left to the HTML 404, as on many Hanweb sites."""
    rows, truths = [], []
    for report in reports:
        path = hanweb_path(seed, report)
        truth = {**report.truth, "encoding": "utf-8"}
        in_script = report.slot % HANWEB_SCRIPT_EVERY == HANWEB_SCRIPT_EVERY - 1
        markup = render_html(truth, style="hanweb", seed=seed * 10_000 + report.index, in_script=in_script)
        site.pages[path] = Page(markup.encode(), last_modified=report.last_modified, etag_salt=report.etag_salt)
        truths.append(truth_line(site, path, report, "utf-8", "html:hanweb:script" if in_script else "html:hanweb"))
        rows.append((truth["published_on"], path, truth["title"]))
    for item in filed:
        path, line = hanweb_filed(site, item, seed)
        truths.append(line)
        rows.append((item.report.truth["published_on"], path, item.report.truth["title"]))
    title, date, path = HANWEB_BLOCKED
    cd = hashlib.sha256(f"ruishu|{seed}".encode()).hexdigest()
    site.pages[path] = Page(RUISHU_CHALLENGE.format(cd=cd).encode(), status=412,
                            headers=(("Set-Cookie", f"FSSBBIl1UgzbN7N80S={cd[:40]}; Path=/; HttpOnly"),))
    rows.append((date, path, title))
    rows.sort(key=lambda row: (row[0], row[1]), reverse=True)
    site.records = [hanweb_row(path, title, date) for date, path, title in rows]
    column = hanweb_column(site)
    site.pages[site.column_path] = Page(column.encode(), headers=(("Cache-Control", "no-cache"),),
                                        last_modified=round_time)
    return truths


def hanweb_column(site: HanwebSite) -> str:
    records = "\n".join(f"<record><![CDATA[\n{row}\n]]></record>" for row in site.records[:HANWEB_EMBEDDED])
    return f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>政府信息公开年度报告 {site.webname}</title>
<meta name="SiteName" content="{site.webname}">
<meta name="ColumnName" content="政府信息公开年度报告">
<script type="text/javascript" src="/module/jslib/jquery/jquery.js"></script>
<script type="text/javascript" src="/module/web/jpage/jquery.jpage.js"></script>
</head>
<body>
<div class="position">您当前的位置：<a href="/">首页</a> &gt; <a href="/col/col{HANWEB_COLUMN_ID}/index.html">政府信息公开年度报告</a></div>
<div class="main-list">
<div id="{HANWEB_UNIT_ID}"><script type="text/xml"><datastore>
<nextgroup><![CDATA[{site.next_group(HANWEB_EMBEDDED // HANWEB_PER_PAGE + 1)}]]></nextgroup>
<recordset>
{records}
</recordset>
</datastore></script></div>
<script language="javascript">
var param_{HANWEB_UNIT_ID} = {{col:1, appid:1, webid:3, path:'/', columnid:{HANWEB_COLUMN_ID}, sourceContentType:1, unitid:'{HANWEB_UNIT_ID}', webname:'{site.webname}', permissiontype:0}};
$(document).ready(function () {{
  $('#{HANWEB_UNIT_ID}').jpage({{dataStore: param_{HANWEB_UNIT_ID}, perPage:{HANWEB_PER_PAGE}, groupSize:3, totalRecord:{len(site.records)}, proxyUrl:'{HANWEB_PROXY}', barPosition:'bottom', showMode:'full', ajaxParam: param_{HANWEB_UNIT_ID}}});
}});
</script>
</div>
</body>
</html>
"""


# ---------------------------------------------------------------------------------------------
# Generic site

# How the generic site encodes an HTML page: (codec, meta charset or None, HTTP charset or None).
GENERIC_ENCODINGS = {
    "utf-8": ("utf-8", "utf-8", "utf-8"),
    "undeclared": ("utf-8", None, None),
    "utf-8-says-gb2312": ("utf-8", "gb2312", None),
    "gbk-says-utf-8": ("gb18030", "gb2312", "UTF-8"),
}
GENERIC_CYCLE = ("utf-8", "undeclared", "utf-8", "utf-8-says-gb2312", "utf-8", "gbk-says-utf-8")
GENERIC_SOFT_404 = ("示范县交通运输局2020年政府信息公开工作年度报告", "2021-01-25", "/ndbg/2021-01/25/content_9999.shtml")
SOFT_404 = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><title>页面不存在</title></head>
<body><div class="error-404"><img src="/images/404.png" alt="">
<p>抱歉，您访问的页面不存在或已被删除！</p><p><a href="/">返回首页</a></p></div></body></html>
"""


def generic_path(seed: int, report: Published) -> str:
    """Two detail URL shapes met in the wild: dated content_<id>.shtml and a 32-hex name."""
    if report.index % 2:
        return f"{GENERIC_COLUMN}/{hashlib.md5(f'{seed}|{report.index}'.encode()).hexdigest()}.shtml"
    date = report.truth["published_on"]
    return f"{GENERIC_COLUMN}/{date[:7]}/{date[8:]}/content_{doc_id(seed, report.index, 60_000)}.shtml"


def simple_page(title: str, lines: list[str], wrapper: str) -> str:
    """A text dump put on the web as is: one <p> per line, or the whole in a <pre>."""
    if wrapper == "pre":
        body = f"<pre>{html.escape(chr(10).join(lines))}</pre>"
    else:
        body = "\n".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{html.escape(title)}</title>
</head>
<body>
<div class="content">
{body}
</div>
</body>
</html>
"""


def build_generic(site: Site, reports: list[Published], seed: int, round_time: datetime.datetime,
                  filed: list["Filed"]) -> list[dict]:
    """Plain links paged by 下一页, two URL shapes, every encoding mistake of PORTALS.md, text
    dumps wrapped in pages, the five real seed reports, and a soft 404."""
    rows, truths = [], []
    for report in reports:
        path = generic_path(seed, report)
        render_seed = seed * 10_000 + report.index
        if outside_gb2312(report.truth["title"]):
            mode = "gbk-says-utf-8"  # the mis-declared GBK page must hold characters GB2312 lacks
        elif report.slot % 4 == 3:
            mode = "text"
        else:
            mode = GENERIC_CYCLE[report.slot % len(GENERIC_CYCLE)]
        if mode == "text":
            layout = TEXT_LAYOUTS[(report.slot // 4) % len(TEXT_LAYOUTS)]
            wrapper = ("p", "pre")[(report.slot // 4) % 2]
            lines = render_text(report.truth, layout=layout, seed=render_seed).splitlines()
            markup, codec, header = simple_page(report.truth["title"], lines, wrapper), "utf-8", "utf-8"
            rendered_as = f"text:{layout}:{wrapper}"
        else:
            codec, meta, header = GENERIC_ENCODINGS[mode]
            truth = {**report.truth, "encoding": codec}
            markup = declare(render_html(truth, style="generic", seed=render_seed), meta)
            rendered_as = f"html:generic:{mode}"
        content_type = "text/html" + (f"; charset={header}" if header else "")
        site.pages[path] = Page(markup.encode(codec), content_type, last_modified=report.last_modified,
                                etag_salt=report.etag_salt)
        truths.append(truth_line(site, path, report, codec, rendered_as))
        rows.append((report.truth["published_on"], path, report.truth["title"]))
    for item in filed:
        path, line = generic_filed(site, item, seed)
        truths.append(line)
        rows.append((item.report.truth["published_on"], path, item.report.truth["title"]))
    for seed_file in sorted(SEEDS_DIR.glob("*.txt")):
        text = seed_file.read_text(encoding="utf-8")
        lines = text.splitlines()
        title = next(line.strip() for line in lines if line.strip())
        path = f"{GENERIC_COLUMN}/{hashlib.md5(f'seed|{seed_file.name}'.encode()).hexdigest()}.shtml"
        stated = re.search(r"\d{4}-\d{2}-\d{2}", text)
        date = stated.group() if stated else ""
        site.pages[path] = Page(simple_page(title, lines, "p").encode(),
                                last_modified=cst_midnight(date or "2024-04-01"))
        truths.append({"url": site.url(path), "site": site.key, "seed_file": seed_file.name, "kind": "seed"})
        rows.append((date, path, title))
    for title, link_text, date, path, markup in not_reports(reports):
        site.pages[path] = Page(markup.encode(), last_modified=cst_midnight(date))
        url = site.url(path)
        truths.append({"url": url, "source": url, "site": site.key, "kind": "not_a_report",
                       "rendered_as": "html:generic:not_a_report", "title": title, "agency": None,
                       "year": int(re.search(r"(\d{4})年", title).group(1)), "published_on": date,
                       "template": "unknown", "traditional": False, "encoding": "utf-8", "is_report": False,
                       "active": {}, "applications": {}, "review_litigation": {}, "narrative": {}, "problems": []})
        rows.append((date, path, link_text))
    title, date, path = GENERIC_SOFT_404
    site.pages[path] = Page(SOFT_404.encode())
    rows.append((date, path, title))
    rows.sort(key=lambda row: (row[0], row[1]), reverse=True)
    pages = max(1, math.ceil(len(rows) / GENERIC_PAGE_SIZE))
    for number in range(1, pages + 1):
        chunk = rows[(number - 1) * GENERIC_PAGE_SIZE:number * GENERIC_PAGE_SIZE]
        site.pages[generic_listing_path(number)] = Page(
            generic_listing(chunk, number, pages).encode(), headers=(("Cache-Control", "no-cache"),),
            last_modified=round_time)
    site.pages["/robots.txt"] = Page(ROBOTS.encode(), "text/plain")
    site.pages["/search/"] = search_page("utf-8", "utf-8")
    return truths


def not_reports(reports: list[Published]) -> list[tuple[str, str, str, str, str]]:
    """Pages the column lists that are no annual report, as (title, link text, date, path, markup):
    a page listing the departments' reports under a report-like title, and a notice about the
    reports whose link text the column cut short ("…"), so that a crawler cannot tell it by its link."""
    departments = sorted({report.truth["agency"] for report in reports})[:5] or ["示范县民政局"]
    year = 2018
    listing_title = f"示范县各部门{year}年政府信息公开工作年度报告"
    items = "".join(f"<p>{html.escape(agency)}{year}年政府信息公开工作年度报告</p>" for agency in departments)
    if len(departments) < 3:
        items += "".join(f"<p>示范县{name}{year}年政府信息公开工作年度报告</p>" for name in ("水利局", "统计局", "审计局"))
    listing = simple_notice(listing_title, f"<p>现将示范县各部门{year}年政府信息公开工作年度报告汇总如下：</p>{items}",
                            f"{year + 1}-04-02")
    notice_title = "关于做好2023年政府信息公开工作年度报告编制发布工作的通知"
    notice = simple_notice(notice_title, "<p>各乡镇人民政府、县直各单位：</p><p>为做好2023年政府信息公开工作年度报告"
                           "编制发布工作，现将有关事项通知如下：请各单位于2024年1月31日前完成本机关年度报告的编制和发布。</p>"
                           "<p>示范县人民政府办公室</p><p>2023年12月22日</p>", "2023-12-22")
    return [(listing_title, listing_title, f"{year + 1}-04-02", f"{GENERIC_COLUMN}/{year + 1}-04/02/content_88001.shtml",
             listing),
            (notice_title, short_title(notice_title, 27), "2023-12-22", f"{GENERIC_COLUMN}/2023-12/22/content_88002.shtml",
             notice)]


def simple_notice(title: str, body: str, date: str) -> str:
    return (f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            f"<title>{html.escape(title)}</title></head><body>"
            f'<div class="article-title"><h2>{html.escape(title)}</h2></div>'
            f'<div class="article-info">发布时间：{date}</div><div class="article">{body}</div></body></html>')


def generic_listing_path(number: int) -> str:
    return f"{GENERIC_COLUMN}/index.html" if number == 1 else f"{GENERIC_COLUMN}/index_{number}.html"


def generic_listing(rows: list[tuple], number: int, pages: int) -> str:
    items = "\n".join(f'<li><a href="{path}" target="_blank">{html.escape(title)}</a>'
                      + (f' <span class="date">{date}</span>' if date else "") + "</li>"
                      for date, path, title in rows)
    links = [f'<a href="{generic_listing_path(1)}">首页</a>']
    if number > 1:
        links.append(f'<a href="{generic_listing_path(number - 1)}">上一页</a>')
    links.append(f"<span>第{number}/{pages}页</span>")
    if number < pages:
        links.append(f'<a href="{generic_listing_path(number + 1)}">下一页</a>')
    links.append(f'<a href="{generic_listing_path(pages)}">尾页</a>')
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>年度报告 - 示范县人民政府</title>
</head>
<body>
<div class="header"><a href="/">示范县人民政府</a> <a href="/search/?q=ndbg">搜索</a></div>
<div class="list"><ul>
{items}
</ul></div>
<div class="pages">{" ".join(links)}</div>
</body>
</html>
"""


# ---------------------------------------------------------------------------------------------
# Reports published as files

# (site family, what the file's bytes are, the extension its name has, how the site presents it):
# "stub" is a 详见附件 page linking the file, "page" the full report page linking it as well,
# "redirect" a stub whose link is an old URL that 302s to the file.
FILE_CASES = (
    ("trs", "pdf", "pdf", "stub"),
    ("trs", "scanned_pdf", "pdf", "stub"),
    ("trs", "docx", "wps", "stub"),
    ("trs", "pdf", "pdf", "page"),
    ("hanweb", "docx", "docx", "stub"),
    ("hanweb", "doc", "doc", "stub"),
    ("hanweb", "html", "doc", "stub"),
    ("generic", "xls", "xls", "stub"),
    ("generic", "pdf", "pdf", "redirect"),
    ("generic", "jpeg", "jpg", "stub"),
)
IMAGE_KINDS = {"scanned_pdf", "jpeg"}
# The fixtures were made once from reports 9 and 10 of seed 2024 (see attachments.sample_doc).
FIXTURES = {"doc": (sample_doc, 9), "xls": (sample_xls, 10)}
FILE_RENDERERS = {
    "pdf": render_pdf,
    "scanned_pdf": render_scanned_pdf,
    "docx": render_docx,
    "jpeg": render_scanned_image,
    "html": lambda truth, seed: render_html({**truth, "encoding": "utf-8"}, style="generic", seed=seed).encode(),
}
# By extension, as a static web server maps them; an unknown one (.wps) is octet-stream.
CONTENT_TYPES = {
    "pdf": "application/pdf", "doc": "application/msword", "xls": "application/vnd.ms-excel",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "wps": "application/octet-stream", "jpg": "image/jpeg",
}


@dataclass(frozen=True)
class Filed:
    """A report published as a file, and how its site presents it."""
    report: Published
    family: str
    kind: str        # what the bytes are
    extension: str   # what the file's name says they are
    page: str        # "stub", "page" or "redirect", as in FILE_CASES
    body: bytes

    @property
    def name(self) -> str:
        """The human file name: the link text, and the Content-Disposition name where one is sent."""
        scan = "（图片版）" if self.kind in IMAGE_KINDS else ""
        return f"{self.report.truth['title']}{scan}.{self.extension}"

    def served(self, content_type: str, disposition: str | None = None) -> Page:
        headers = (("Content-Disposition", disposition),) if disposition else ()
        return Page(self.body, content_type, headers=headers, last_modified=self.report.last_modified)


def file_reports(seed: int, pool: list[dict], scan_pages: int | None = None) -> list[Filed]:
    """One report per FILE_CASES row: a fixture's own report, else a fresh one from beyond the pool
    whose title the files' font can print (it has no glyph beyond the BMP, see replica.attachments).
    `scan_pages`: the scans hold only their first pages (replica.scans.scan_pages)."""
    fixture_truths = generate(2024, max(index for _load, index in FIXTURES.values()) + 1)
    taken = {(fixture_truths[index]["agency"], fixture_truths[index]["year"]) for _load, index in FIXTURES.values()}
    fresh = (truth for truth in unique_reports(seed, len(pool) + 2 * len(FILE_CASES))[len(pool):]
             if (truth["agency"], truth["year"]) not in taken and max(map(ord, truth["title"])) < 0x10000)
    filed = []
    for number, (family, kind, extension, page) in enumerate(FILE_CASES):
        index = len(pool) + number
        if kind in FIXTURES:
            load, source = FIXTURES[kind]
            truth, body = fixture_truths[source], load()[0]
        else:
            truth = next(fresh)
            options = {"pages": scan_pages} if kind in IMAGE_KINDS and scan_pages is not None else {}
            body = FILE_RENDERERS[kind](truth, seed * 10_000 + index, **options)
        modified = datetime.datetime.fromisoformat(truth["published_on"] + "T09:00:00+08:00")
        filed.append(Filed(Published(index, number, truth, modified), family, kind, extension, page, body))
    return filed


def disposition(name: str, plain_name: str | None = None) -> str:
    """RFC 6266: the Chinese name as filename*, an ASCII name (where the server has one) for old clients."""
    plain = f'; filename="{plain_name}"' if plain_name else ""
    return f"attachment{plain}; filename*=UTF-8''{quote(name)}"


def filed_line(site: Site, path: str, item: Filed, encoding: str, link: str, file_path: str) -> dict:
    """The truth of a filed report: its page's URL, where the file is linked and served, and what it is.
    A scanned report's figures are all on its pages: its truth is the typed report's."""
    rendered_as = f"html:{site.family}+{item.kind}" if item.page == "page" else f"stub:{item.kind}.{item.extension}"
    line = {**truth_line(site, path, item.report, encoding, rendered_as),
            "attachment_urls": [site.url(link)], "attachment_files": [site.url(file_path)],
            "attachment_names": [item.name], "attachment_kind": item.kind}
    return line


def with_attachment(markup: str, link: str, name: str) -> str:
    """A full report page that also links its file, in a 附件 box under the text."""
    box = f'<div class="fujian"><p>附件：<a href="{html.escape(link)}">{html.escape(name)}</a></p></div>\n'
    return markup.replace('<div class="article-tools">', box + '<div class="article-tools">', 1)


def trs_filed(site: Site, item: Filed, seed: int) -> tuple[str, dict]:
    """The page in the month folder, the file beside it as P0<date><12 digits>, linked relatively with
    the human name as link text; served as a static file (no Content-Disposition)."""
    path = trs_path(seed, item.report)
    folder = path.rsplit("/", 1)[0]
    number = int(hashlib.md5(f"P0|{seed}|{item.report.index}".encode()).hexdigest(), 16) % 10**12
    file_name = f"P0{item.report.truth['published_on'].replace('-', '')}{number:012d}.{item.extension}"
    site.pages[f"{folder}/{file_name}"] = item.served(CONTENT_TYPES[item.extension])
    truth = {**item.report.truth, "encoding": "gb18030"}
    if item.page == "page":
        markup = with_attachment(render_html(truth, style="trs", seed=seed * 10_000 + item.report.index),
                                 f"./{file_name}", item.name)
    else:
        markup = stub_page(truth, f"./{file_name}", item.name).replace('<meta charset="utf-8">',
                                                                      '<meta charset="gb2312">', 1)
    site.pages[path] = gbk_page(markup, item.report.last_modified)
    return path, filed_line(site, path, item, "gb18030", f"{folder}/{file_name}", f"{folder}/{file_name}")


def hanweb_filed(site: HanwebSite, item: Filed, seed: int) -> tuple[str, dict]:
    """A stub at an /art/ URL linking downfile.jsp?classid=0&filename=<32 hex>.<ext>, which answers
    octet-stream with the Chinese name in Content-Disposition."""
    path = hanweb_path(seed, item.report)
    file_name = f"{hashlib.md5(f'downfile|{seed}|{item.report.index}'.encode()).hexdigest()}.{item.extension}"
    site.files[file_name] = item.served("application/octet-stream", disposition(item.name, file_name))
    link = f"{HANWEB_DOWNLOAD}?classid=0&filename={file_name}"
    site.pages[path] = Page(stub_page(item.report.truth, link, item.name).encode(),
                            last_modified=item.report.last_modified)
    return path, filed_line(site, path, item, "utf-8", link, link)


def generic_filed(site: Site, item: Filed, seed: int) -> tuple[str, dict]:
    """A stub with a plain link to the file under its Chinese name, or to an old numbered URL that
    302s to where the file now is."""
    path = generic_path(seed, item.report)
    month = item.report.truth["published_on"][:7].replace("-", "")
    if item.page == "redirect":
        number = doc_id(seed, item.report.index, 60_000)
        file_path = f"{GENERIC_FILES}/{month}/{number}.{item.extension}"
        link = f"{GENERIC_OLD_FILES}/{number}.{item.extension}"
        site.pages[link] = Page(FOUND, status=302, headers=(("Location", site.url(file_path)),))
    else:
        file_path = f"{GENERIC_FILES}/{month}/{item.name}"
        link = quote(file_path)
    site.pages[file_path] = item.served(CONTENT_TYPES[item.extension], disposition(item.name))
    site.pages[path] = Page(stub_page(item.report.truth, link, item.name).encode(),
                            last_modified=item.report.last_modified)
    return path, filed_line(site, path, item, "utf-8", link, quote(file_path))


# ---------------------------------------------------------------------------------------------
# The portal


def build_portal(*, seed: int, reports: int, generation: int, port: int,
                 attachments: bool = False, subcolumns: bool = False, scan_pages: int | None = None) -> tuple[list[Site], list[dict]]:
    """The sites (in HOSTS order, ready to serve on `port`) and the truth of every report served.
    With `attachments`, the filed reports too (see FILE_CASES); every site has a homepage and
    navigation to its 年报 column, and with `subcolumns` department, township and per-year
    sub-columns of reports of their own (replica.homepages)."""
    from replica import homepages

    pool = unique_reports(seed, reports + NEW_REPORTS)
    plan = Round.plan(pool, seed)
    latest = max(datetime.date.fromisoformat(truth["published_on"]) for truth in pool)
    round_time = datetime.datetime.combine(latest + datetime.timedelta(days=generation),
                                           datetime.time(10, tzinfo=CST))
    families = family_of(pool)
    filed = file_reports(seed, pool, scan_pages) if attachments else []
    replaced = {(item.report.truth["agency"], item.report.truth["year"]) for item in filed}
    published = [report for report in publish(pool, families, plan, generation, round_time)
                 if (report.truth["agency"], report.truth["year"]) not in replaced]
    # Keys, agencies and regions as crawler/sites.toml registers the replica sites.
    trs = Site(SITE_KEYS[0], "trs", "复制门户 拓尔思站", "本地", HOSTS[0], port, f"{TRS_COLUMN}/index.html")
    hanweb = HanwebSite(SITE_KEYS[1], "hanweb", "复制门户 大汉站", "本地", HOSTS[1], port,
                        f"/col/col{HANWEB_COLUMN_ID}/index.html", webname="示范市人民政府")
    generic = Site(SITE_KEYS[2], "generic", "复制门户 通用站", "本地", HOSTS[2], port,
                   f"{GENERIC_COLUMN}/index.html")
    truth = []
    for site, build in ((trs, build_trs), (hanweb, build_hanweb), (generic, build_generic)):
        mine = [report for report in published if families[report.index] == site.family]
        truth += build(site, mine, seed, round_time, [item for item in filed if item.family == site.family])
    truth += homepages.add([trs, hanweb, generic], seed=seed, pool_size=len(pool), round_time=round_time,
                           subcolumns=subcolumns)
    return [trs, hanweb, generic], truth
