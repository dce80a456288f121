"""The replica's portals beyond their 年报 columns: homepages, navigation, and sub-columns.

A researcher knows a portal's homepage, not its 年报 column. Each replica site therefore gets
the chrome of a real portal, 首页 → 政务公开 → 政府信息公开 → 政府信息公开年报, with dead links
on the way (新闻中心, 办事服务 answer 404), and an old column address that redirects to the new one:

- the TRS site (示范省): plain `<a>` navigation; its 年报 column links a 部门年报 index
  (one link per department, named by the department only), each department a TRS column
  of its own reports;
- the Hanweb site (示范市): the homepage's navigation is data in a script
  (`var navList = [{name: …, url: …}]`, drawn by JavaScript), and the 年报 column links a
  乡镇（街道）年报 column of the townships' reports;
- the generic site (示范县): its 年报 column links per-year sub-columns (`2023年度`), each
  listing that year's department reports.

The sub-columns' reports come from beyond the generated pool (`unique_reports`), after the
filed reports' share, so none repeats an agency's year. Every 年报 column a site has is in
`Site.columns`, and so in `Replica.sites` and sites.json.
"""
from __future__ import annotations

import datetime
import hashlib
import html
import json
import re
from collections.abc import Iterator

from replica.generator import render_html
from replica.sites import (FILE_CASES, FOUND, GENERIC_COLUMN, HANWEB_COLUMN_ID, HANWEB_PROXY, TRS_COLUMN, HanwebSite, Page,
                           Published, Site, doc_id, gbk_page, hanweb_row, truth_line, unique_reports)

TRS_DEPARTMENTS, HANWEB_TOWNSHIPS, GENERIC_PER_YEAR = 6, 5, 8  # sub-column reports per site
HANWEB_TOWNSHIP_ID = 1240
TOWNSHIP = re.compile(r"(乡|镇|街道|街道办事处)(人民政府)?$")
DEAD_LINKS = (("新闻中心", "/xwzx/"), ("办事服务", "/bsfw/"), ("互动交流", "/hdjl/index.html"))


def agency_level(agency: str | None) -> str:
    """Who published a report, by its own agency name: a township (乡, 镇, 街道), a portal's
    government (…人民政府), or a department of one (局, 委员会, 厅, 办 …)."""
    if not agency:
        return "unknown"
    if TOWNSHIP.search(agency):
        return "township"
    return "portal" if agency.endswith("人民政府") else "department"


def add(sites: list[Site], *, seed: int, pool_size: int, round_time: datetime.datetime,
        subcolumns: bool) -> list[dict]:
    """Homepages and navigation on every site; with `subcolumns`, the sub-columns and their
    reports too. Returns the truth lines of the reports added."""
    trs, hanweb, generic = sites
    truths: list[dict] = []
    if subcolumns:
        extra = fresh_reports(seed, pool_size)
        truths += trs_departments(trs, take(extra, "department", TRS_DEPARTMENTS), seed, round_time)
        truths += hanweb_townships(hanweb, take(extra, "township", HANWEB_TOWNSHIPS), seed, round_time)
        truths += generic_years(generic, take(extra, "department", GENERIC_PER_YEAR), seed, round_time)
    trs_navigation(trs, round_time)
    hanweb_navigation(hanweb, round_time)
    generic_navigation(generic, round_time)
    return truths


def fresh_reports(seed: int, pool_size: int) -> Iterator[Published]:
    """Reports from beyond the pool and the filed reports' share of it, in order."""
    start = pool_size + 2 * len(FILE_CASES)
    for number, truth in enumerate(unique_reports(seed, start + 200)[start:]):
        modified = datetime.datetime.fromisoformat(truth["published_on"] + "T09:00:00+08:00")
        yield Published(start + number, number, truth, modified)


def take(reports: Iterator[Published], level: str, count: int) -> list[Published]:
    chosen = []
    for report in reports:
        if agency_level(report.truth["agency"]) == level:
            chosen.append(report)
            if len(chosen) == count:
                break
    return chosen


def chrome(title: str, site_name: str, nav: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{html.escape(title)}</title>
<meta name="SiteName" content="{html.escape(site_name)}">
<meta name="ColumnName" content="{html.escape(title.split('_')[0])}">
</head>
<body>
<div class="header"><div class="logo">{html.escape(site_name)}</div>
<div class="tools"><a href="/search/?q=">站内搜索</a> <a href="javascript:void(0)">无障碍浏览</a></div></div>
{nav}
<div class="main">
{body}
</div>
<div class="footer"><a href="/wzdt/">网站地图</a> | <a href="/lxwm/">联系我们</a> | 主办：{html.escape(site_name)}办公室</div>
</body>
</html>
"""


def link_list(links: list[tuple[str, str]]) -> str:
    return "<ul>\n" + "\n".join(f'<li><a href="{html.escape(url)}">{html.escape(text)}</a></li>'
                                for text, url in links) + "\n</ul>"


def anchor_nav(links: list[tuple[str, str]]) -> str:
    return '<div class="nav">' + " ".join(f'<a href="{url}">{html.escape(text)}</a>' for text, url in links) + "</div>"


def add_html(site: Site, paths: tuple[str, ...], markup: str, round_time: datetime.datetime, *, gbk: bool = False):
    """Serve a page at `paths`: UTF-8, or GBK declared gb2312 as TRS sites serve theirs."""
    if gbk:
        markup = markup.replace("charset=utf-8", "charset=gb2312", 1)
    page = gbk_page(markup, round_time, listing=True) if gbk else Page(
        markup.encode("utf-8"), headers=(("Cache-Control", "no-cache"),), last_modified=round_time)
    for path in paths:
        site.pages[path] = page


def with_subnav(page: Page, links: list[tuple[str, str]], marker: str, codec: str) -> Page:
    """A column page with a side menu of its sub-columns, put before `marker`."""
    menu = '<div class="subnav">' + " ".join(
        f'<a href="{html.escape(url)}">{html.escape(text)}</a>' for text, url in links) + "</div>\n"
    return Page(page.body.decode(codec).replace(marker, menu + marker, 1).encode(codec), page.content_type,
                page.status, page.headers, page.last_modified, page.etag_salt)


# ---------------------------------------------------------------------------------------------
# TRS: 示范省, plain anchors, a 部门年报 index of department columns

TRS_NAV = (("首页", "/"), ("政务公开", "/zwgk/"), *DEAD_LINKS)
TRS_DEPARTMENT_INDEX = f"{TRS_COLUMN}/bmnb"
TRS_OLD_COLUMN = "/xxgk/nb/index.html"  # where the 年报 column was before a redesign: it redirects


def trs_navigation(site: Site, round_time: datetime.datetime) -> None:
    name = "示范省人民政府"
    nav = anchor_nav(list(TRS_NAV))
    add_html(site, ("/", "/index.html"), chrome(f"{name}门户网站", name, nav, link_list(
        [("省政府常务会议", "/xwzx/cwhy/"), ("政务公开", "/zwgk/index.html")])), round_time, gbk=True)
    add_html(site, ("/zwgk/", "/zwgk/index.html"), chrome(f"政务公开_{name}", name, nav, link_list(
        [("政府信息公开", "/xxgk/"), ("政策解读", "/zwgk/zcjd/"), ("新闻发布会", "/zwgk/xwfbh/")])),
        round_time, gbk=True)
    add_html(site, ("/xxgk/", "/xxgk/index.html"), chrome(f"政府信息公开_{name}", name, nav, link_list(
        [("政府信息公开指南", "/xxgk/xxgkzn/"), ("政府信息公开制度", "/xxgk/xxgkzd/"),
         ("法定主动公开内容", "/xxgk/fdzdgknr/"), ("政府信息公开年报", f"{TRS_COLUMN}/index.html"),
         ("依申请公开", "/xxgk/ysqgk/")])), round_time, gbk=True)
    site.pages[TRS_OLD_COLUMN] = Page(FOUND, status=302, headers=(("Location", site.url(f"{TRS_COLUMN}/index.html")),))
    add_html(site, ("/xxgk/fdzdgknr/", "/xxgk/fdzdgknr/index.html"), chrome(f"法定主动公开内容_{name}", name, nav,
             link_list([("机构职能", "/xxgk/fdzdgknr/jgzn/"), ("规章", "/xxgk/fdzdgknr/gz/")])), round_time, gbk=True)


def trs_departments(site: Site, reports: list[Published], seed: int, round_time: datetime.datetime) -> list[dict]:
    """部门年报: an index naming each department, and per department a TRS column of its reports."""
    truths, departments = [], []
    for number, report in enumerate(reports):
        folder = f"{TRS_DEPARTMENT_INDEX}/bm{number + 1}"
        date = report.truth["published_on"]
        path = f"{folder}/{date[:7].replace('-', '')}/t{date.replace('-', '')}_{doc_id(seed, report.index, 7_000_000)}.html"
        truth = {**report.truth, "encoding": "gb18030"}
        site.pages[path] = gbk_page(render_html(truth, style="trs", seed=seed * 10_000 + report.index),
                                    report.last_modified)
        truths.append(truth_line(site, path, report, "gb18030", "html:trs"))
        agency = report.truth["agency"]
        rows = (f'<li><a href=".{path.removeprefix(folder)}" title="{html.escape(report.truth["title"])}" '
                f'target="_blank">{html.escape(report.truth["title"])}</a><span>{date}</span></li>')
        body = (f'<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="{TRS_COLUMN}/index.html">政府信息公开年报'
                f'</a> &gt; <a href="{TRS_DEPARTMENT_INDEX}/index.html">部门年报</a></div>\n<ul>\n{rows}\n</ul>\n'
                '<div class="page"><script language="JavaScript">createPageHTML(1, 0, "index", "html");</script></div>')
        add_html(site, (f"{folder}/", f"{folder}/index.html"),
                 chrome(f"{agency}政府信息公开年报_示范省人民政府", "示范省人民政府", "", body), round_time, gbk=True)
        departments.append((agency, f"{folder}/index.html"))
        site.columns.append(f"{folder}/index.html")
    body = (f'<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="{TRS_COLUMN}/index.html">政府信息公开年报'
            f'</a> &gt; 部门年报</div>\n' + link_list(departments))
    add_html(site, (f"{TRS_DEPARTMENT_INDEX}/", f"{TRS_DEPARTMENT_INDEX}/index.html"),
             chrome("部门政府信息公开年报_示范省人民政府", "示范省人民政府", "", body), round_time, gbk=True)
    column = f"{TRS_COLUMN}/index.html"
    for path in (column, f"{TRS_COLUMN}/"):
        site.pages[path] = with_subnav(site.pages[column], [("部门年报", f"{TRS_DEPARTMENT_INDEX}/index.html")],
                                       '<div class="list">', "gb18030")
    return truths


# ---------------------------------------------------------------------------------------------
# Hanweb: 示范市, navigation as script data, a 乡镇（街道）年报 column

def hanweb_navigation(site: HanwebSite, round_time: datetime.datetime) -> None:
    name = site.webname
    nav = [{"name": "首页", "url": "/"}, {"name": "政务公开", "url": "/col/col100/index.html"},
           {"name": "新闻中心", "url": "/col/col101/index.html"}, {"name": "办事服务", "url": "/bsfw/"}]
    script = ("<div id=\"nav\"></div>\n<script type=\"text/javascript\">\nvar navList = "
              + json.dumps(nav, ensure_ascii=False)
              + ";\nvar html = '';\nfor (var i = 0; i < navList.length; i++) {\n"
              "  html += '<a href=\"' + navList[i].url + '\">' + navList[i].name + '</a>';\n}\n"
              "document.getElementById('nav').innerHTML = html;\n</script>")
    add_html(site, ("/", "/index.html"), chrome(f"{name}", name, script, "<p>欢迎访问</p>"), round_time)
    add_html(site, ("/col/col100/index.html",), chrome(f"政务公开 {name}", name, script, link_list(
        [("政府信息公开", "/col/col200/index.html"), ("政策解读", "/col/col300/index.html")])), round_time)
    add_html(site, ("/col/col200/index.html",), chrome(f"政府信息公开 {name}", name, script, link_list(
        [("政府信息公开指南", "/col/col201/index.html"), ("政府信息公开年报", f"/col/col{HANWEB_COLUMN_ID}/index.html"),
         ("依申请公开", "/col/col203/index.html")])), round_time)


def hanweb_townships(site: HanwebSite, reports: list[Published], seed: int,
                     round_time: datetime.datetime) -> list[dict]:
    """One Hanweb column, all records embedded (no dataproxy needed), linked from the 年报 column."""
    truths, rows = [], []
    for report in reports:
        year, month, day = (int(part) for part in report.truth["published_on"].split("-"))
        path = f"/art/{year}/{month}/{day}/art_{HANWEB_TOWNSHIP_ID}_{doc_id(seed, report.index, 800_000)}.html"
        truth = {**report.truth, "encoding": "utf-8"}
        site.pages[path] = Page(render_html(truth, style="hanweb", seed=seed * 10_000 + report.index).encode(),
                                last_modified=report.last_modified)
        truths.append(truth_line(site, path, report, "utf-8", "html:hanweb"))
        rows.append((report.truth["published_on"], path, report.truth["title"]))
    rows.sort(reverse=True)
    records = "\n".join(f"<record><![CDATA[\n{hanweb_row(path, title, date)}\n]]></record>" for date, path, title in rows)
    unit = "423700"
    body = f"""<div class="position">您当前的位置：<a href="/">首页</a> &gt; <a href="/col/col{HANWEB_COLUMN_ID}/index.html">政府信息公开年度报告</a> &gt; 乡镇（街道）年报</div>
<div id="{unit}"><script type="text/xml"><datastore>
<nextgroup><![CDATA[]]></nextgroup>
<recordset>
{records}
</recordset>
</datastore></script></div>
<script language="javascript">
var param_{unit} = {{col:1, appid:1, webid:3, path:'/', columnid:{HANWEB_TOWNSHIP_ID}, sourceContentType:1, unitid:'{unit}', webname:'{site.webname}', permissiontype:0}};
$('#{unit}').jpage({{dataStore: param_{unit}, perPage:15, groupSize:3, totalRecord:{len(rows)}, proxyUrl:'{HANWEB_PROXY}'}});
</script>"""
    path = f"/col/col{HANWEB_TOWNSHIP_ID}/index.html"
    add_html(site, (path,), chrome(f"乡镇（街道）政府信息公开年报 {site.webname}", site.webname, "", body), round_time)
    site.columns.append(path)
    column = site.column_path
    site.pages[column] = with_subnav(site.pages[column], [("乡镇（街道）年报", path)], '<div class="main-list">', "utf-8")
    return truths


# ---------------------------------------------------------------------------------------------
# Generic: 示范县, anchors, per-year sub-columns

def generic_navigation(site: Site, round_time: datetime.datetime) -> None:
    name = "示范县人民政府"
    nav = anchor_nav([("首页", "/"), ("政务公开", "/zwgk/index.html"), *DEAD_LINKS])
    add_html(site, ("/", "/index.html"), chrome(name, name, nav, link_list([("县长信箱", "/hdjl/xzxx/")])), round_time)
    add_html(site, ("/zwgk/index.html",), chrome(f"政务公开 - {name}", name, nav, link_list(
        [("政府信息公开", "/zfxxgk/index.html"), ("重点领域信息公开", "/zdly/index.html")])), round_time)
    add_html(site, ("/zfxxgk/index.html",), chrome(f"政府信息公开 - {name}", name, nav, link_list(
        [("政府信息公开指南", "/zfxxgk/zn/"), ("政府信息公开年度报告", f"{GENERIC_COLUMN}/index.html"),
         ("政府信息公开制度", "/zfxxgk/zd/")])), round_time)


def generic_years(site: Site, reports: list[Published], seed: int, round_time: datetime.datetime) -> list[dict]:
    """`2023年度` … sub-columns of the 年报 column, each one page of that year's reports."""
    truths, by_year = [], {}
    for report in reports:
        year = report.truth["year"]
        path = f"{GENERIC_COLUMN}/{year}/{hashlib.md5(f'year|{seed}|{report.index}'.encode()).hexdigest()}.shtml"
        truth = {**report.truth, "encoding": "utf-8"}
        site.pages[path] = Page(render_html(truth, style="generic", seed=seed * 10_000 + report.index).encode(),
                                "text/html; charset=utf-8", last_modified=report.last_modified)
        truths.append(truth_line(site, path, report, "utf-8", "html:generic:utf-8"))
        by_year.setdefault(year, []).append((path, report.truth["title"], report.truth["published_on"]))
    links = []
    for year in sorted(by_year, reverse=True):
        items = "\n".join(f'<li><a href="{path}">{html.escape(title)}</a> <span class="date">{date}</span></li>'
                          for path, title, date in by_year[year])
        body = (f'<div class="crumb"><a href="/">首页</a> &gt; <a href="{GENERIC_COLUMN}/index.html">年度报告</a> &gt; '
                f'{year}年度</div>\n<div class="list"><ul>\n{items}\n</ul></div>')
        path = f"{GENERIC_COLUMN}/{year}/index.html"
        add_html(site, (path,), chrome(f"{year}年度 年度报告 - 示范县人民政府", "示范县人民政府", "", body), round_time)
        site.columns.append(path)
        links.append((f"{year}年度", path))
    column = site.column_path
    site.pages[column] = with_subnav(site.pages[column], links, '<div class="list">', "utf-8")
    return truths
