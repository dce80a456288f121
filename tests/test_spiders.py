"""The spiders against saved listing pages (tests/files/listings/), one family at a time:
every request they yield is checked, as city-scrapers tests check every parsed field."""
import asyncio
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from scrapy import FormRequest, Request
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.test import get_crawler

from crawler import registry
from crawler.items import BlockedPage, ReportPage
from crawler.spiders.hanweb import datastore, pager
from crawler.spiders.reports import ReportsSpider, family_of
from crawler.spiders.trs import page_urls

LISTINGS = Path(__file__).parent / "files" / "listings"
TRS_COLUMN = "http://127.0.0.2:8000/xxgk/ndbg/index.html"
HANWEB_COLUMN = "http://127.0.0.3:8000/col/col1234/index.html"
GENERIC_COLUMN = "http://127.0.0.4:8000/ndbg/index.html"
COLUMNS = {"replica-trs": [TRS_COLUMN], "replica-hanweb": [HANWEB_COLUMN], "replica-generic": [GENERIC_COLUMN]}


def spider(**arguments) -> ReportsSpider:
    crawler = get_crawler(ReportsSpider, {"GOVREPORTS_COLUMNS": COLUMNS})
    return ReportsSpider.from_crawler(crawler, **arguments)


def site(spider: ReportsSpider, key: str) -> registry.Site:
    return next(s for s in spider.sites if s.key == key)


def response(name: str, url: str, *, status: int = 200, headers: dict | None = None, cls=HtmlResponse):
    return cls(url=url, body=(LISTINGS / name).read_bytes(), status=status, headers=headers or {}, request=Request(url))


def start_requests(spider: ReportsSpider) -> list[Request]:
    async def collect():
        return [request async for request in spider.start()]

    return asyncio.run(collect())


# --- every site of the registry (Kingfisher Collect's test that runs every spider) ---


@pytest.mark.parametrize("key", sorted(registry.load()))
def test_every_registry_site_starts_at_its_columns_with_its_family(key):
    s = spider(site=key)
    [site_] = s.sites
    requests = start_requests(s)
    assert [r.url for r in requests] == COLUMNS[key]
    assert all(r.callback == getattr(s, f"parse_{site_.family}") for r in requests)
    assert all(r.cb_kwargs == {"site": site_} for r in requests)
    assert s.allowed_domains == sorted({Request(url).url.split("/")[2].split(":")[0] for url in COLUMNS[key]})


def test_the_commented_real_portal_examples_are_valid_entries(tmp_path):
    text = registry.DEFAULT_PATH.read_text(encoding="utf-8")
    examples = text[text.index("# Real portals"):]
    uncommented = [line[2:] for line in examples.splitlines() if line.startswith("# ") and
                   (line.startswith("# [[") or " = " in line)]
    (tmp_path / "sites.toml").write_text("\n".join(uncommented), encoding="utf-8")
    sites = registry.load(tmp_path / "sites.toml")
    assert sorted(site.family for site in sites.values()) == ["generic", "hanweb", "trs"]
    assert all(site.columns and not site.replica for site in sites.values())


def test_all_sites_at_once_and_only_their_hosts():
    s = spider()
    assert [x.key for x in s.sites] == ["replica-trs", "replica-hanweb", "replica-generic"]
    assert s.allowed_domains == ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
    assert [r.url for r in start_requests(s)] == [TRS_COLUMN, HANWEB_COLUMN, GENERIC_COLUMN]


def test_replica_sites_need_their_columns_injected():
    crawler = get_crawler(ReportsSpider, {})
    assert ReportsSpider.from_crawler(crawler).sites == []
    with pytest.raises(registry.RegistryError, match="replica site"):
        ReportsSpider.from_crawler(get_crawler(ReportsSpider, {}), site="replica-trs")
    with pytest.raises(registry.RegistryError, match="no site"):
        spider(site="nowhere")


# --- TRS ---


def test_trs_column_reports_and_pagination():
    s = spider(site="replica-trs")
    trs = site(s, "replica-trs")
    out = list(s.parse_trs(response("trs_index.html", TRS_COLUMN, headers={"Content-Type": "text/html"}), site=trs))
    reports = [r for r in out if r.callback == s.parse_report]
    pages = [r for r in out if r.callback == s.parse_trs_page]
    assert [r.url for r in reports] == [
        "http://127.0.0.2:8000/xxgk/ndbg/202403/t20240320_5012345.html",
        "http://127.0.0.2:8000/xxgk/ndbg/202403/t20240315_5012211.html",
        "http://127.0.0.2:8000/xxgk/ndbg/202301/t20230130_4870001.html",
        "http://127.0.0.2:8000/xxgk/ndbg/202101/t20210128_4100002.html",
        "http://127.0.0.2:8000/xxgk/ndbg/201803/t20180330_3000003.html",
    ]
    assert all(r.method == "GET" and r.meta["govreports_report"] and r.cb_kwargs == {"site": trs} for r in reports)
    # createPageHTML(4, 0, "index", "html"): three more pages
    assert [r.url for r in pages] == [
        "http://127.0.0.2:8000/xxgk/ndbg/index_1.html",
        "http://127.0.0.2:8000/xxgk/ndbg/index_2.html",
        "http://127.0.0.2:8000/xxgk/ndbg/index_3.html",
    ]
    assert len(out) == 8
    assert s.crawler.stats.get_value("govreports/listed") == 5
    # a notice about writing the report and a 解读 are column items, not reports
    assert s.crawler.stats.get_value("govreports/not_reports") == 2


def test_trs_titles_are_decoded_from_gbk_bytes_not_the_header():
    """The page is GBK declared gb2312 with 镕 (outside GB2312) in a title, and the header
    claims UTF-8: the year filter must still read the titles."""
    s = spider(site="replica-trs", year="2023")
    page = response("trs_index.html", TRS_COLUMN, headers={"Content-Type": "text/html; charset=UTF-8"})
    out = [r for r in s.parse_trs(page, site=site(s, "replica-trs")) if r.callback == s.parse_report]
    assert [r.url.rsplit("/", 1)[1] for r in out] == ["t20240320_5012345.html", "t20240315_5012211.html"]


def test_trs_list_pages_yield_reports_but_no_more_pages():
    s = spider(site="replica-trs")
    page = response("trs_index.html", "http://127.0.0.2:8000/xxgk/ndbg/index_2.html")
    out = list(s.parse_trs_page(page, site=site(s, "replica-trs")))
    assert len(out) == 5 and all(r.callback == s.parse_report for r in out)


def test_trs_page_div_variant_with_variables_and_table_rows():
    s = spider(site="replica-trs", since="2022")
    url = "http://127.0.0.2:8000/xxgk/ndbg/list.shtml"
    out = list(s.parse_trs(response("trs_list_div.shtml", url), site=site(s, "replica-trs")))
    assert [r.url for r in out] == [
        "http://127.0.0.2:8000/xxgk/ndbg/202403/t20240320_5012345.shtml",
        "http://127.0.0.2:8000/xxgk/ndbg/202403/t20240315_5012211.shtml",
        "http://127.0.0.2:8000/xxgk/ndbg/202301/t20230130_4870001.shtml",
        "http://127.0.0.2:8000/xxgk/ndbg/list_1.shtml",
        "http://127.0.0.2:8000/xxgk/ndbg/list_2.shtml",
    ]


@pytest.mark.parametrize(
    ("script", "second_page", "expected"),
    [
        ('createPageHTML(3, 0, "index", "html");', 1, ["index_1.html", "index_2.html"]),
        ('createPageHTML(3, 0, "index", "html");', 2, ["index_2.html", "index_3.html"]),
        ('createPageHTML(3, 1, "index", "htm");', 1, ["index.htm", "index_2.htm"]),
        ('createPageHTML(1, 0, "index", "html");', 1, []),
        ("createPageHTML('page_div',2,0,'list','shtml',18);", 1, ["list_1.shtml"]),
        ("var countPage = 2; var currentPage = 0; createPageHTML(countPage, currentPage, 'index', 'shtml');", 1,
         ["index_1.shtml"]),
        ("<p>no pager</p>", 1, []),
    ],
)
def test_trs_page_urls(script, second_page, expected):
    base = "http://h/ndbg/"
    assert page_urls(script, base + "index.html", second_page) == [base + page for page in expected]


# --- Hanweb JCMS ---


def test_hanweb_column_embedded_records_and_dataproxy_groups():
    s = spider(site="replica-hanweb")
    hanweb = site(s, "replica-hanweb")
    out = list(s.parse_hanweb(response("hanweb_col1234.html", HANWEB_COLUMN), site=hanweb))
    reports = [r for r in out if r.callback == s.parse_report]
    proxies = [r for r in out if r.callback == s.parse_hanweb_records]
    assert len(reports) == 45
    assert reports[0].url == "http://127.0.0.3:8000/art/2024/1/1/art_1234_567890.html"
    assert reports[44].url == "http://127.0.0.3:8000/art/2012/1/17/art_1234_567934.html"
    # 100 records, 45 embedded, groups of 3 pages × 15: 46-90 and 91-135
    assert [r.url for r in proxies] == [
        "http://127.0.0.3:8000/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15",
        "http://127.0.0.3:8000/module/web/jpage/dataproxy.jsp?startrecord=91&endrecord=135&perpage=15",
    ]
    for request in proxies:
        assert isinstance(request, FormRequest) and request.method == "POST"
        assert request.headers["Referer"] == HANWEB_COLUMN.encode()
        assert request.headers["X-Requested-With"] == b"XMLHttpRequest"
        assert request.headers["Content-Type"] == b"application/x-www-form-urlencoded"
        assert parse_qs(request.body.decode()) == {
            "col": ["1"], "appid": ["1"], "webid": ["3"], "path": ["/"], "columnid": ["1234"],
            "sourceContentType": ["1"], "unitid": ["423656"], "webname": ["某县人民政府"], "permissiontype": ["0"],
        }
        assert request.cb_kwargs == {"site": hanweb, "column": HANWEB_COLUMN}


def test_hanweb_dataproxy_records_repeated_across_groups_are_requested_once():
    s = spider(site="replica-hanweb")
    hanweb = site(s, "replica-hanweb")
    list(s.parse_hanweb(response("hanweb_col1234.html", HANWEB_COLUMN), site=hanweb))
    proxy = "http://127.0.0.3:8000/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15"
    reply = response("hanweb_dataproxy_46_90.xml", proxy, headers={"Content-Type": "text/xml;charset=UTF-8"},
                     cls=TextResponse)
    out = list(s.parse_hanweb_records(reply, site=hanweb, column=HANWEB_COLUMN))
    # 45 records in the reply, the first a repeat of the column's last one
    assert len(out) == 44
    assert out[0].url == "http://127.0.0.3:8000/art/2019/1/18/art_1234_700045.html"
    assert all(r.callback == s.parse_report for r in out)
    assert s.crawler.stats.get_value("govreports/listed") == 45 + 44


def test_hanweb_entity_expansion_is_refused(caplog):
    s = spider(site="replica-hanweb")
    reply = response("hanweb_dataproxy_bomb.xml", "http://127.0.0.3:8000/module/web/jpage/dataproxy.jsp",
                     cls=TextResponse)
    assert list(s.parse_hanweb_records(reply, site=site(s, "replica-hanweb"), column=HANWEB_COLUMN)) == []
    assert "refused the datastore XML" in caplog.text
    assert s.crawler.stats.get_value("govreports/errors") == 1


def test_hanweb_pager_and_datastore_readers():
    html = (LISTINGS / "hanweb_col1234.html").read_text(encoding="utf-8")
    config = pager(html, registry.Site("k", "", "", "hanweb"))
    assert (config.total, config.per_page, config.group_size, config.proxy) == (
        100, 15, 3, "/module/web/jpage/dataproxy.jsp")
    reply = datastore((LISTINGS / "hanweb_dataproxy_46_90.xml").read_text(encoding="utf-8"))
    assert reply.total == 100 and len(reply.records) == 45
    # a page that states no pager: the registry entry's values
    bare = pager("<html></html>", registry.Site("k", "", "", "hanweb", page_size=20, dataproxy="/module/jpage/dataproxy.jsp"))
    assert (bare.total, bare.per_page, bare.group_size, bare.proxy, bare.params) == (
        None, 20, 3, "/module/jpage/dataproxy.jsp", {})


# --- generic listings ---


def test_generic_picks_report_links_and_next_page_and_stays_on_host():
    s = spider(site="replica-generic")
    generic = site(s, "replica-generic")
    out = list(s.parse_generic(response("generic_index.html", GENERIC_COLUMN), site=generic))
    assert [(r.url, r.callback.__name__) for r in out] == [
        ("http://127.0.0.4:8000/ndbg/2024/0125/c1001.html", "parse_report"),
        ("http://127.0.0.4:8000/ndbg/detail_1002.html", "parse_report"),
        ("http://127.0.0.4:8000/ndbg/2019nianbao.html", "parse_report"),
        # Traditional, with pinyin and full-width digits, as mirrors write it
        ("http://127.0.0.4:8000/ndbg/65b69ef5.shtml", "parse_report"),
        ("http://127.0.0.4:8000/ndbg/index_2.html", "parse_generic"),
    ]
    assert all(r.cb_kwargs == {"site": generic} for r in out)


def test_generic_year_filter_uses_the_link_title():
    s = spider(site="replica-generic", year="2022")
    out = list(s.parse_generic(response("generic_index.html", GENERIC_COLUMN), site=site(s, "replica-generic")))
    assert [r.url for r in out] == [
        "http://127.0.0.4:8000/ndbg/detail_1002.html",
        "http://127.0.0.4:8000/ndbg/index_2.html",
    ]
    s = spider(site="replica-generic", since="2021")
    out = list(s.parse_generic(response("generic_index.html", GENERIC_COLUMN), site=site(s, "replica-generic")))
    assert [r.url for r in out] == [
        "http://127.0.0.4:8000/ndbg/2024/0125/c1001.html",
        "http://127.0.0.4:8000/ndbg/detail_1002.html",
        "http://127.0.0.4:8000/ndbg/65b69ef5.shtml",
        "http://127.0.0.4:8000/ndbg/index_2.html",
    ]


# --- a column in no registry ---


def test_unregistered_column_is_recognised_and_the_crawl_stays_on_its_host():
    s = spider(url="http://127.0.0.3:8000/col/col1234/index.html")
    assert s.allowed_domains == ["127.0.0.3"]
    [request] = start_requests(s)
    assert request.callback == s.parse_column and request.cb_kwargs["site"].family is None
    out = list(s.parse_column(response("hanweb_col1234.html", request.url), **request.cb_kwargs))
    assert len(out) == 47 and out[-1].cb_kwargs["site"].family == "hanweb"
    assert family_of((LISTINGS / "trs_index.html").read_bytes()) == "trs"
    assert family_of((LISTINGS / "generic_index.html").read_bytes()) == "generic"


# --- report pages and what blocks them ---


def test_report_page_becomes_an_item_with_its_raw_bytes():
    s = spider(site="replica-trs")
    url = "http://127.0.0.2:8000/xxgk/ndbg/202403/t20240320_5012345.html"
    body = "<html><body>报告</body></html>".encode("gb18030")
    page = HtmlResponse(url=url, body=body, headers={"Content-Type": "text/html; charset=gb2312", "ETag": '"abc"'})
    [item] = s.parse_report(page, site=site(s, "replica-trs"))
    assert isinstance(item, ReportPage)
    assert (item.site, item.url, item.body) == ("replica-trs", url, body)
    assert item.headers == {"Content-Type": "text/html; charset=gb2312", "Etag": '"abc"'}
    assert item.fetched_at.endswith("+00:00")


@pytest.mark.parametrize(
    ("name", "status", "headers", "kind"),
    [
        ("challenge_521.html", 521, {"Set-Cookie": "__jsl_clearance_s=1700000000.1|-1|x; path=/"}, "jsl_clearance"),
        ("ruishu_412.html", 412, {}, "ruishu"),
        ("soft_404.html", 200, {"Content-Type": "text/html"}, "soft_404"),
    ],
)
def test_blocking_pages_are_recorded_never_parsed_or_followed(name, status, headers, kind):
    s = spider(site="replica-trs")
    trs = site(s, "replica-trs")
    url = "http://127.0.0.2:8000/xxgk/ndbg/202403/t20240301_1.html"
    for callback in (s.parse_report, s.parse_trs, s.parse_trs_page):
        [item] = callback(response(name, url, status=status, headers=headers), site=trs)
        assert isinstance(item, BlockedPage)
        assert (item.site, item.url, item.status, item.kind) == ("replica-trs", url, status, kind)
    assert status in ReportsSpider.handle_httpstatus_list or status == 200
