"""Budgets against hostile or broken portals and documents, each input of issue 12 in small:
numbers too long to be figures, pagination counts a page states, endless next-page chains,
PDF pages of countless text operators, inflating streams, OOXML parts too large to read."""
import asyncio
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
from scrapy import Request, Spider
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.extensions import Workers
from crawler.families.trs import page_urls
from crawler.middlewares import OverBudget, SiteBudget
from crawler.spiders.reports import SiteDispatchSpider
from crawler.worker import OverBudget as OverBudgetDocument
from parsers import cells, narrative, office, pdf
from parsers.record import parse_document
from reliability import portals
from reliability import run as reliability
from reliability.hostile_inputs import pdf_with_content, plain_xml, text_operators, zip_of

LONG = "1" * 5000  # past Python's 4,300-digit limit of int()


def test_a_digit_run_longer_than_any_figure_is_text():
    assert cells.parse_number(LONG) is None
    assert cells.parse_number("1" * (cells.MAX_DIGITS + 1)) is None
    assert cells.parse_number("1" * cells.MAX_DIGITS) == int("1" * cells.MAX_DIGITS)  # glued figures, split later
    assert cells.is_label(LONG)


def test_a_long_digit_run_in_prose_is_no_figure():
    assert "applications_received" not in narrative.read_narrative(f"本年新收申请{LONG}件。").figures


def test_a_table_row_of_a_long_digit_run_parses():
    text = f"三、收到和处理政府信息公开申请情况\n本年新收 | {LONG} |\n本年新收 {LONG} {LONG}\n"
    record = parse_document(text.encode(), "long.txt")
    assert any("row left out" in problem for problem in record.record["problems"])
    assert not record.record["applications"]


def test_a_pdf_page_of_many_text_operators_is_not_read():
    data = pdf_with_content(text_operators(200))
    assert pdf.budget_problem(data) is None
    assert "text operators" in pdf.budget_problem(data, max_operators=100)


def test_the_pdf_of_400000_text_operators_is_refused_before_pdfminer():
    data = pdf_with_content(text_operators(400_000))
    assert len(data) < 100_000
    read = pdf.extract_pdf(data)
    assert read.text == "" and "text operators" in read.problems[0]


def test_a_pdf_stream_inflating_past_the_cap_is_not_read():
    data = pdf_with_content(b"%" + b" " * 3 * 2**20 + b"\n" + text_operators(10))
    assert pdf.budget_problem(data) is None
    assert "inflate to over" in pdf.budget_problem(data, max_inflated=2**20)
    record = parse_document(data, "bomb.pdf")
    assert record.record["problems"]


def test_a_readable_pdf_passes_the_budget():
    read = pdf.extract_pdf(pdf_with_content(b"BT /F1 12 Tf 50 800 Td (Annual report 2023 of the county) Tj ET\n"))
    assert "Annual report 2023" in read.text


def test_ooxml_parts_over_the_xml_budget_are_not_read_whatever_their_ratio():
    # XML compresses about 10 times: the ratio check alone let 95 MB through.
    data = zip_of({"[Content_Types].xml": b"<Types/>",
                   "word/document.xml": b"<w:t>" + plain_xml(office.MAX_XML_BYTES / 2**20 + 1) + b"</w:t>"})
    problem = office.zip_problem(data)
    assert problem and "XML parts" in problem
    assert office.extract_docx(data).problems == [problem]
    assert office.extract_xlsx(data).problems == [problem]


# --- portals: pagination counts and next-page chains, against the site's listing budget ---

LISTING_BUDGET = 5


def crawl_spider(column: str):
    crawler = get_crawler(SiteDispatchSpider, {"GOVREPORTS_MAX_LISTING_PAGES": LISTING_BUDGET})
    spider = SiteDispatchSpider.from_crawler(crawler, url=column)
    return spider, spider.sites[0]


def page(url: str, body: str) -> HtmlResponse:
    return HtmlResponse(url=url, body=body.encode(), encoding="utf-8", request=Request(url))


def listings(out) -> list[Request]:
    return [item for item in out if isinstance(item, Request) and item.callback.__name__ != "parse_report"]


def test_trs_page_count_of_30_million_is_clamped_and_generated_lazily():
    column = "http://127.0.0.2:8000/xxgk/ndbg/index.html"
    urls = page_urls('createPageHTML(30000000,0,"index","html");', column)
    assert next(urls) == "http://127.0.0.2:8000/xxgk/ndbg/index_1.html"  # a generator: nothing built up front
    spider, site = crawl_spider(column)
    out = list(spider.parse_trs(page(column, '<script>createPageHTML(30000000,0,"index","html");</script>'),
                                site=site))
    assert len(listings(out)) == LISTING_BUDGET
    assert spider.crawler.stats.get_value("govreports/over_budget") == 1
    assert spider.crawler.stats.get_value(f"govreports/failed/{site.key}") == 1  # no report judged vanished


def test_a_page_count_of_4300_digits_lists_no_pages():
    assert list(page_urls(f'createPageHTML({"9" * 5000},0,"index","html");', "http://h/index.html")) == []


def test_hanweb_total_of_100_million_records_one_per_page_is_clamped():
    column = "http://127.0.0.3:8000/col/col1234/index.html"
    body = ('<script type="text/xml"><datastore><recordset><record><![CDATA[<li><a href="/a.html">x</a></li>]]>'
            '</record></recordset></datastore></script><script>totalRecord:100000000, perPage:1, groupSize:1,'
            "proxyUrl:'/module/web/jpage/dataproxy.jsp'</script>")
    spider, site = crawl_spider(column)
    out = list(spider.parse_hanweb(page(column, body), site=site))
    assert len(listings(out)) == LISTING_BUDGET
    assert spider.crawler.stats.get_value("govreports/over_budget") == 1


def test_an_endless_next_page_chain_ends_at_the_budget():
    column = "http://127.0.0.4:8000/ndbg/index.html"
    spider, site = crawl_spider(column)
    followed, url = [], column
    for number in range(1, 3 * LISTING_BUDGET):
        out = listings(spider.parse_generic(page(url, f'<a href="list_{number}.html">下一页</a>'), site=site))
        if not out:
            break
        [request] = out
        followed.append(request.url)
        url = request.url
    assert len(followed) == LISTING_BUDGET
    assert spider.crawler.stats.get_value("govreports/over_budget") == 1


def test_a_site_over_its_request_budget_fails_its_further_requests():
    crawler = get_crawler(SiteDispatchSpider, {"GOVREPORTS_MAX_REQUESTS_PER_SITE": 2})
    budget = SiteBudget.from_crawler(crawler)
    site = SimpleNamespace(key="hostile")
    for _ in range(2):
        assert budget.process_request(Request("http://h/", cb_kwargs={"site": site})) is None
    with pytest.raises(OverBudget, match="2 requests"):
        budget.process_request(Request("http://h/", cb_kwargs={"site": site}))
    assert budget.process_request(Request("http://h/robots.txt")) is None  # no site: not counted


# --- worker processes: each document within CPU, memory and wall-clock budgets ---


def sleep_forever():
    time.sleep(3600)


def spin_forever():
    while True:
        pass


def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 2**20))


@pytest.fixture()
def workers(tmp_path):
    crawler = get_crawler(Spider, {"GOVREPORTS_DB": str(tmp_path / "reports.db"), "GOVREPORTS_WORKERS": 1,
                                   "GOVREPORTS_DOCUMENT_SECONDS": 8, "GOVREPORTS_DOCUMENT_CPU_SECONDS": 1,
                                   "GOVREPORTS_WORKER_MEMORY": 1024 * 2**20,
                                   "EXTENSIONS": {"crawler.extensions.Workers": 100}})
    pool = crawler.get_extension(Workers)
    pool.spider_opened()
    yield pool
    pool.spider_closed()


@pytest.mark.slow
@pytest.mark.parametrize(("function", "budget"), [(sleep_forever, "GOVREPORTS_DOCUMENT_SECONDS"),
                                                  (spin_forever, "CPU time"), (allocate, "memory")])
def test_a_document_over_a_worker_budget_is_over_budget_and_the_next_is_parsed(workers, function, budget):
    args = (2048,) if function is allocate else ()
    with pytest.raises(OverBudgetDocument, match=budget):
        asyncio.run(workers.run(function, *args))
    assert asyncio.run(workers.run(allocate, 10)) == 10 * 2**20  # the pool still works, or works again


def test_a_process_whose_parent_is_gone_exits_at_once():
    code = "import os; from crawler import orphans; orphans.die_with_parent(os.getppid() + 10**6); print('alive')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (1, "")
    code = "import os; from crawler import orphans; orphans.die_with_parent(os.getppid()); print('alive')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, "alive\n")


@pytest.mark.slow
def test_endless_portal_columns_end_at_the_listing_budget():
    """Real crawls of a local portal stating 30,000,000 TRS pages, 100,000,000 Hanweb records
    one per page, and an endless 下一页 chain."""
    counts = portals.run_portals()
    assert counts["failures"] == []
    assert counts["hostile inputs contained"] == counts["hostile inputs tried"] == 3


def test_a_row_that_tried_nothing_fails_the_reliability_table():
    results = {"crawl kills": {"kills": 0, "kills survived": 0, "records lost": 0, "orphans": 0, "seconds": 1.0},
               "fuzzing": {"fuzz cases run": 10, "fuzz counterexamples": 0, "seconds": 1.0}}
    assert reliability.problems(results, reliability.totals(results)) == ["kills is 0: the row tried nothing"]
    results["crawl kills"].update({"kills": 3, "kills survived": 3, "orphans": 1})
    assert reliability.problems(results, reliability.totals(results)) == ["orphans is 1, not 0"]


@pytest.mark.slow
def test_a_killed_cli_takes_its_crawl_with_it_and_frees_the_lock():
    counts = portals.run_cli_kills()
    assert counts["failures"] == []
    assert counts["kills survived"] == counts["kills"] == len(portals.CLI_KILLS_AFTER)
    assert counts["orphans"] == 0


def test_a_page_over_a_worker_budget_is_stored_with_a_problem_not_dropped(tmp_path, monkeypatch):
    """Stored, so the next run does not fetch and parse it again; the crawl goes on."""
    from crawler import pipelines
    from tests.crawler.test_pipelines import db, opened, page, run

    async def over_budget(self, function, *args, **kwargs):
        raise OverBudgetDocument("over its budget of 120 s (GOVREPORTS_DOCUMENT_SECONDS)")

    monkeypatch.setattr(pipelines._Computing, "compute", over_budget)
    crawler = get_crawler(Spider, {"GOVREPORTS_DB": str(tmp_path / "reports.db")})
    with opened(crawler) as chain:
        item = run(chain, page())
    assert any("was not read: over its budget of 120 s" in problem for problem in item.parsed.record["problems"])
    assert db(crawler)["reports"].count == 1
    assert crawler.stats.get_value("govreports/over_budget") == 2  # the page's convert and parse stages
