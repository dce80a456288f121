"""The spiders against saved listing pages (tests/files/listings/), one family at a time:
every request they yield is checked, as city-scrapers tests check every parsed field. Then the
pieces of attachments that need no network (crawler.attachments): which links are files, their
names, local sites, and the report callback fed with built responses."""
import asyncio
from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest
from scrapy import FormRequest, Request
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.test import get_crawler

from crawler import attachments, registry
from crawler.attachments import Link, attachment_links, disposition_name, error_page, file_name, path_safe
from crawler.families import family_of
from crawler.families.hanweb import datastore, pager
from crawler.families.trs import page_urls
from crawler.items import BlockedPage, NotModified, ReportPage
from crawler.spiders.reports import SiteDispatchSpider
from tests.conftest import FILES

LISTINGS = FILES / "listings"
TRS_COLUMN = "http://127.0.0.2:8000/xxgk/ndbg/index.html"
HANWEB_COLUMN = "http://127.0.0.3:8000/col/col1234/index.html"
GENERIC_COLUMN = "http://127.0.0.4:8000/ndbg/index.html"
COLUMNS = {"replica-trs": [TRS_COLUMN], "replica-hanweb": [HANWEB_COLUMN], "replica-generic": [GENERIC_COLUMN]}


def spider(**arguments) -> SiteDispatchSpider:
    crawler = get_crawler(SiteDispatchSpider, {"GOVREPORTS_COLUMNS": COLUMNS})
    return SiteDispatchSpider.from_crawler(crawler, **arguments)


def site(spider: SiteDispatchSpider, key: str) -> registry.Site:
    return next(s for s in spider.sites if s.key == key)


def response(name: str, url: str, *, status: int = 200, headers: dict | None = None, cls=HtmlResponse):
    return cls(url=url, body=(LISTINGS / name).read_bytes(), status=status, headers=headers or {}, request=Request(url))


def start_requests(spider: SiteDispatchSpider) -> list[Request]:
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
    crawler = get_crawler(SiteDispatchSpider, {})
    assert SiteDispatchSpider.from_crawler(crawler).sites == []
    with pytest.raises(registry.RegistryError, match="replica site"):
        SiteDispatchSpider.from_crawler(get_crawler(SiteDispatchSpider, {}), site="replica-trs")
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
    assert list(page_urls(script, base + "index.html", second_page)) == [base + page for page in expected]


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
    assert status in SiteDispatchSpider.handle_httpstatus_list or status == 200


# ==== attachments (详见附件) and local sites ====

PAGE = "http://127.0.0.2:8000/xxgk/ndbg/202401/t20240119_4000001.html"


def page(body: str) -> str:
    return f'<html><head><meta charset="utf-8"></head><body>{body}</body></html>'


# ---- which links are attachments ----------------------------------------------------------

def test_the_cms_shapes_of_attachment_links_are_found_in_page_order():
    html = page("""
        <a href="/">首页</a> <a href="../index.html">返回列表</a> <a href="#top">顶部</a>
        <a href="javascript:window.print()">打印</a> <a href="mailto:a@b.cn">邮件</a>
        <p>附件：<a href="./P020240119123456789012.pdf">示范县2023年政府信息公开工作年度报告.pdf</a></p>
        <a href="/module/download/downfile.jsp?classid=0&filename=0a1b2c.docx">年度报告.docx</a>
        <a href="/ndbg/files/202401/%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A.xls">年度报告.xls</a>
        <a href="/uploadfile/123.pdf">下载</a>
        <a href="/attach/get?id=77">示范县年报（图片版）.jpg</a>
        <a href="./P020240119123456789012.pdf">同一文件</a>
        <a href="http://elsewhere.example/report.pdf">另一站的文件</a>
    """)
    found = attachment_links(html, PAGE, hosts={"127.0.0.2"})
    assert [link.url for link in found] == [
        "http://127.0.0.2:8000/xxgk/ndbg/202401/P020240119123456789012.pdf",
        "http://127.0.0.2:8000/module/download/downfile.jsp?classid=0&filename=0a1b2c.docx",
        "http://127.0.0.2:8000/ndbg/files/202401/%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A.xls",
        "http://127.0.0.2:8000/uploadfile/123.pdf",
        "http://127.0.0.2:8000/attach/get?id=77",  # the link text is a file name
    ]
    assert found[0].text == "示范县2023年政府信息公开工作年度报告.pdf"


def test_a_file_library_is_not_taken_whole():
    html = page("".join(f'<a href="/files/{number}.pdf">{number}</a>' for number in range(40)))
    assert len(attachment_links(html, PAGE)) == attachments.MAX_ATTACHMENTS


# ---- file names: metadata, never a path -----------------------------------------------------

@pytest.mark.parametrize("value, name", [
    ("attachment; filename=\"0a1b.doc\"; filename*=UTF-8''%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A.doc", "年度报告.doc"),
    ("attachment; filename*=UTF-8''%E5%B9%B4%E6%8A%A5.pdf", "年报.pdf"),
    ('attachment; filename="%E5%B9%B4%E6%8A%A5.pdf"', "年报.pdf"),  # percent-encoded, no filename*
    ('attachment; filename="%C4%EA%B1%A8.pdf"', "年报.pdf"),  # percent-encoded GBK
    ("attachment; filename=report.pdf", "report.pdf"),
    ("inline", None),
    (None, None),
])
def test_content_disposition_names(value, name):
    assert disposition_name(value) == name


def test_raw_gbk_bytes_in_content_disposition_are_read():
    assert disposition_name('attachment; filename="年报.xls"'.encode("gbk")) == "年报.xls"


def test_the_name_comes_from_the_header_else_the_link_text_else_the_url():
    link = Link("http://h/P0202401.pdf", "示范县2023年年度报告.pdf")
    header = {"Content-Disposition": "attachment; filename*=UTF-8''%E5%B9%B4%E6%8A%A5.pdf"}
    assert file_name(header, link, link.url) == "年报.pdf"
    assert file_name({}, link, link.url) == "示范县2023年年度报告.pdf"
    assert file_name({}, Link("http://h/d.jsp?filename=abc.doc", "下载"), "http://h/d.jsp?filename=abc.doc") == "abc.doc"
    assert file_name({}, None, "http://h/files/%E5%B9%B4%E6%8A%A5.xls") == "年报.xls"


@pytest.mark.parametrize("hostile, safe", [
    ("../../etc/passwd", "passwd"),
    ("/etc/shadow", "shadow"),
    ("C:\\Windows\\system32\\cmd.exe", "cmd.exe"),
    ("..", None),
    (".bashrc", "bashrc"),
    ("年报\x00.pdf", "年报.pdf"),
    ("年\r\n报\t.pdf", "年报.pdf"),
    ("", None),
])
def test_hostile_names_never_leave_the_folder(hostile, safe):
    assert path_safe(hostile) == safe


def test_a_very_long_name_is_cut_to_fit_a_filesystem_and_keeps_its_extension():
    name = path_safe("年" * 500 + ".pdf")
    assert len(name.encode()) <= attachments.MAX_NAME_BYTES and name.endswith("年.pdf")


@pytest.mark.parametrize("body, url, content_type, expected", [
    (b"<html><body>\xe6\x96\x87\xe4\xbb\xb6\xe4\xb8\x8d\xe5\xad\x98\xe5\x9c\xa8</body></html>", "http://h/a.pdf",
     "application/pdf", True),  # 文件不存在, where a PDF was promised
    (b"<html><body>x</body></html>", "http://h/d.jsp?filename=a.doc", "application/octet-stream", True),
    (b"<html>" + b"<p>report</p>" * 3000 + b"</html>", "http://h/d.jsp?filename=a.doc", "application/octet-stream",
     False),  # a whole report saved as HTML under a .doc name
    (b"%PDF-1.4 ...", "http://h/a.pdf", "application/pdf", False),
    (b"<html><body>x</body></html>", "http://h/a.html", "text/html", False),
])
def test_an_error_page_where_a_file_was_promised(body, url, content_type, expected):
    assert error_page(body, url, None, content_type) is expected


# ---- local sites ----------------------------------------------------------------------------

def test_replica_sites_are_local_and_adhoc_columns_on_private_addresses_too():
    sites = registry.load()
    assert all(site.is_local for site in sites.values() if site.replica)
    assert registry.adhoc("http://127.0.0.2:8765/xxgk/ndbg/index.html").is_local
    assert registry.adhoc("http://10.1.2.3/ndbg/").is_local
    assert not registry.adhoc("https://www.gov.cn/zhengce/ndbg/").is_local  # a name could resolve anywhere
    assert registry.Site("k", "", "", "trs", local=True).is_local


def test_the_spider_admits_non_public_addresses_for_local_sites_only():
    replica = spider(site="replica-trs")
    assert replica.allowed_domains == ["127.0.0.2"] and replica.local_hosts == {"127.0.0.2"}
    assert spider(url="https://www.gov.cn/ndbg/index.html").local_hosts == set()
    assert spider(url="http://192.168.1.20/ndbg/index.html").local_hosts == {"192.168.1.20"}  # asked for by address


# ---- the report callback and its attachments --------------------------------------------------

@pytest.fixture
def trs_spider():
    crawler = get_crawler(SiteDispatchSpider, {"GOVREPORTS_COLUMNS": {"replica-trs": ["http://127.0.0.2:8000/x/index.html"]}})
    spider = SiteDispatchSpider.from_crawler(crawler, site="replica-trs")
    return spider


def respond(request, body: bytes, status=200, headers=None, url=None):
    cls = HtmlResponse if body.lstrip().startswith(b"<") else Response
    return cls(url or request.url, status=status, body=body, headers=headers or {}, request=request)


def test_a_stub_page_waits_for_its_file_then_goes_on_as_one_item(trs_spider):
    site = trs_spider.sites[0]
    report = Request(PAGE, meta={"govreports_report": True})
    stub = page('<p>详见附件。</p><p>附件：<a href="./P02024.pdf">示范县年度报告.pdf</a></p>').encode()
    [request] = list(trs_spider.parse_report(respond(report, stub, headers={"Content-Type": "text/html"}), site=site))
    assert request.url == "http://127.0.0.2:8000/xxgk/ndbg/202401/P02024.pdf"
    assert request.meta["govreports_attachment"] and request.dont_filter
    [item] = list(trs_spider.parse_attachment(respond(request, b"%PDF-1.4 fake", headers={
        "Content-Type": "application/pdf"}), **request.cb_kwargs))
    assert isinstance(item, ReportPage) and item.body == stub
    [attachment] = item.attachments
    assert (attachment.url, attachment.name, attachment.body) == (request.url, "示范县年度报告.pdf", b"%PDF-1.4 fake")


def test_a_page_without_files_is_an_item_at_once(trs_spider):
    report = Request(PAGE, meta={"govreports_report": True})
    [item] = list(trs_spider.parse_report(respond(report, page("<p>报告正文</p>").encode()), site=trs_spider.sites[0]))
    assert isinstance(item, ReportPage) and item.attachments == []


def test_an_error_page_for_a_file_drops_the_report_and_counts_a_failure(trs_spider):
    report = Request(PAGE, meta={"govreports_report": True})
    stub = page('<a href="./P0.pdf">年报.pdf</a>').encode()
    [request] = list(trs_spider.parse_report(respond(report, stub), site=trs_spider.sites[0]))
    missing = "<html><body>对不起，您要下载的文件不存在或已被删除！</body></html>".encode()
    assert list(trs_spider.parse_attachment(respond(request, missing, headers={"Content-Type": "application/pdf"}),
                                        **request.cb_kwargs)) == []
    stats = trs_spider.crawler.stats
    assert stats.get_value("govreports/fetch_failed") == 1 and stats.get_value("govreports/failed/replica-trs") == 1


def test_a_304_page_revalidates_its_stored_files_and_is_not_modified_when_they_are_too(trs_spider):
    report = Request(PAGE, meta={"govreports_report": True, "govreports_document": "page-sha",
                                 "govreports_attachments": [("http://127.0.0.2:8000/f/P0.pdf", "年报.pdf")]})
    [request] = list(trs_spider.parse_report(respond(report, b"", status=304), site=trs_spider.sites[0]))
    request.meta["govreports_document"] = "file-sha"  # as Revalidate sets it for a stored file
    [item] = list(trs_spider.parse_attachment(respond(request, b"", status=304), **request.cb_kwargs))
    assert isinstance(item, NotModified) and item.document_sha256 == "page-sha"
    assert [(a.document_sha256, a.body, a.name) for a in item.attachments] == [("file-sha", None, "年报.pdf")]


def test_a_failed_file_is_logged_with_its_url_and_the_page_is_left_for_next_time(trs_spider, caplog):
    report = Request(PAGE, meta={"govreports_report": True})
    [request] = list(trs_spider.parse_report(respond(report, page('<a href="./P0.pdf">年报.pdf</a>').encode()),
                                         site=trs_spider.sites[0]))
    assert list(trs_spider.attachment_failed(SimpleNamespace(request=request,
                                                             getErrorMessage=lambda: "Connection was refused"))) == []
    assert f"{request.url} failed (replica-trs): Connection was refused; an attachment of {PAGE}" in caplog.text
    assert trs_spider.crawler.stats.get_value("govreports/fetch_failed") == 1


def test_a_file_over_the_size_limit_is_a_problem_of_the_report_not_a_failure(trs_spider):
    report = Request(PAGE, meta={"govreports_report": True})
    [request] = list(trs_spider.parse_report(respond(report, page('<a href="./P0.pdf">年报（扫描件）.pdf</a>').encode()),
                                             site=trs_spider.sites[0]))
    assert request.meta["download_maxsize"] == 64 * 2**20  # the parser's limit, above the pages' 32 MB
    message = (f"Cancelling download of {request.url}: expected response size (209715200) larger than download "
               "max size (67108864).")
    [item] = list(trs_spider.attachment_failed(SimpleNamespace(request=request, getErrorMessage=lambda: message)))
    assert isinstance(item, ReportPage) and item.attachments == []
    assert item.problems == [f"the attachment {request.url} is over the 64 MB limit: not read"]
    assert trs_spider.crawler.stats.get_value("govreports/fetch_failed") is None
