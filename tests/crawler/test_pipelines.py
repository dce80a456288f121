"""The item pipelines in their configured order, the crawl_runs extension, and what a
failing stage leaves behind."""
import asyncio
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
import sqlite_utils
from scrapy import Spider
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

from crawler import pipelines, settings
from crawler.extensions import CrawlRuns, Workers
from crawler.items import BlockedPage, ReportPage
from parsers.record import parse_document
from tests.conftest import ROOT

SEED = next((ROOT / "replica" / "seeds").glob("000_*.txt"))
URL = "http://127.0.0.2:8000/xxgk/ndbg/202401/t20240119_1.html"


@pytest.fixture
def crawler(tmp_path):
    # No worker processes: the stages run inline, where a test can patch them.
    return get_crawler(Spider, {"GOVREPORTS_DB": str(tmp_path / "reports.db")})


@contextmanager
def opened(crawler):
    """The ITEM_PIPELINES of crawler.settings, built and opened in their order."""
    stages = [load_object(path).from_crawler(crawler)
              for path, _ in sorted(settings.ITEM_PIPELINES.items(), key=lambda entry: entry[1])]
    for stage in stages:
        if hasattr(stage, "open_spider"):
            stage.open_spider()
    yield stages
    for stage in stages:
        if hasattr(stage, "close_spider"):
            stage.close_spider()


@pytest.fixture
def chain(crawler):
    with opened(crawler) as stages:
        yield stages


def run(chain, item):
    async def through():
        result = item
        for stage in chain:
            result = await stage.process_item(result)
        return result

    return asyncio.run(through())


def page(body: bytes = None) -> ReportPage:
    return ReportPage(site="replica-trs", url=URL, body=SEED.read_bytes() if body is None else body,
                      headers={"Content-Type": "text/plain; charset=utf-8", "ETag": '"e1"'},
                      fetched_at="2024-02-01T00:00:00+00:00")


def db(crawler) -> sqlite_utils.Database:
    return sqlite_utils.Database(crawler.settings["GOVREPORTS_DB"])


def test_stages_order():
    assert [path.rsplit(".", 1)[1] for path, _ in sorted(settings.ITEM_PIPELINES.items(), key=lambda e: e[1])] == [
        "BlockedPipeline", "NotModifiedPipeline", "DocumentPipeline", "DecodePipeline", "ConvertPipeline",
        "ParsePipeline", "StorePipeline"]


def test_a_report_page_goes_through_every_stage_into_the_corpus(chain, crawler):
    item = run(chain, page())
    assert item.decoded.encoding == "utf-8"
    assert item.extracted.text and item.parsed.record["source"] == URL
    assert item.parsed.record["year"] == 2023
    stored = db(crawler)
    [document] = stored["documents"].rows
    assert (document["sha256"], document["url"]) == (item.document_sha256, URL)
    assert '"ETag": "\\"e1\\""' in document["headers"]
    [report] = stored["reports"].rows
    assert (report["source"], report["document_sha256"], report["year"]) == (URL, item.document_sha256, 2023)
    assert stored["cells"].count > 0
    assert crawler.stats.get_value("govreports/reports_new") == 1

    run(chain, page())  # the same page again
    assert crawler.stats.get_value("govreports/reports_unchanged") == 1
    assert stored["reports"].count == 1 and stored["documents"].count == 1


def test_worker_processes_compute_what_the_stages_compute_inline(tmp_path):
    crawler = get_crawler(Spider, {"GOVREPORTS_DB": str(tmp_path / "reports.db"), "GOVREPORTS_WORKERS": 1,
                                   "EXTENSIONS": {"crawler.extensions.Workers": 100}})
    workers = crawler.get_extension(Workers)
    workers.spider_opened()
    try:
        with opened(crawler) as chain:
            item = run(chain, page())
    finally:
        workers.spider_closed()
    assert item.parsed.record == parse_document(SEED.read_bytes(), URL, http_charset="utf-8").record
    assert crawler.stats.get_value("govreports/reports_new") == 1


def test_a_failing_stage_keeps_the_document_and_counts_an_error(chain, crawler, monkeypatch):
    def broken(text):
        raise ValueError("parser bug")

    monkeypatch.setattr(pipelines, "extract", broken)
    with pytest.raises(ValueError, match="parser bug"):
        run(chain, page())
    assert crawler.stats.get_value("govreports/errors") == 1
    stored = db(crawler)
    assert stored["documents"].count == 1
    assert stored["reports"].count == 0


def test_blocked_pages_go_to_the_blocked_table_and_nowhere_else(chain, crawler):
    blocked = BlockedPage(site="replica-trs", url=URL, status=521, kind="jsl_clearance",
                          fetched_at="2024-02-01T00:00:00+00:00")
    assert run(chain, blocked) is blocked
    stored = db(crawler)
    assert list(stored["blocked"].rows) == [{"url": URL, "site": "replica-trs", "status": 521,
                                             "kind": "jsl_clearance", "fetched_at": "2024-02-01T00:00:00+00:00"}]
    assert stored["documents"].count == 0 and stored["reports"].count == 0
    assert crawler.stats.get_value("govreports/blocked") == 1
    assert crawler.stats.get_value("govreports/blocked/jsl_clearance") == 1


def test_crawl_runs_row_from_the_stats(crawler):
    from datetime import datetime, timezone

    extension = CrawlRuns.from_crawler(crawler)
    crawler.spider = SimpleNamespace(sites=[SimpleNamespace(key="replica-trs")])
    stats = crawler.stats
    stats.set_value("start_time", datetime(2024, 2, 1, tzinfo=timezone.utc))
    for key, value in {"downloader/request_count": 12, "downloader/response_count": 11,
                       "downloader/response_bytes": 34567, "govreports/listed": 7, "govreports/reports_new": 5,
                       "govreports/reports_unchanged": 1, "govreports/blocked": 2, "govreports/errors": 1,
                       "retry/max_reached": 1, "govreports/fetch_failed": 1, "retry/count": 4,
                       "govreports/not_modified": 1, "govreports/failed/replica-trs": 1,
                       "govreports/failed/replica-generic": 2}.items():
        stats.set_value(key, value)
    extension.spider_closed("finished")
    [row] = db(crawler)["crawl_runs"].rows
    assert row["started_at"] == "2024-02-01T00:00:00+00:00" and row["finished_at"] > row["started_at"]
    assert {key: row[key] for key in ("sites", "finish_reason", "requests", "responses", "bytes", "listed",
                                      "reports_new", "reports_changed", "reports_reparsed", "reports_unchanged",
                                      "errors", "blocked", "offsite")} == {
        "sites": "replica-trs", "finish_reason": "finished", "requests": 12, "responses": 11, "bytes": 34567,
        "listed": 7, "reports_new": 5, "reports_changed": 0, "reports_reparsed": 0, "reports_unchanged": 1,
        "errors": 2, "blocked": 2, "offsite": 0}
    assert (row["not_modified"], row["not_requested"], row["reports_vanished"]) == (1, 0, 0)
    # a download given up after its retries is one failure (fetch_failed), not two
    assert (row["fetch_failed"], row["retries"], row["storage_error"]) == (1, 4, None)
    assert row["failed_sites"] == "replica-generic,replica-trs"


def test_a_stub_page_and_its_file_become_one_report_with_the_file_named(chain, crawler):
    import store
    from crawler.items import Attachment
    from replica.attachments import render_docx, stub_page
    from replica.generator import generate

    truth = generate(2024, 1)[0]
    file_url = "http://127.0.0.3:8000/module/download/downfile.jsp?classid=0&filename=0a1b.docx"
    stub = ReportPage(site="replica-hanweb", url=URL, body=stub_page(truth, file_url, "年报.docx").encode(),
                      headers={"Content-Type": "text/html; charset=utf-8"}, fetched_at="2024-02-01T00:00:00+00:00",
                      problems=["the attachment http://127.0.0.3:8000/scan.pdf is over the 64 MB limit: not read"])
    stub.attachments.append(Attachment(link=file_url, url=file_url, name="示范县2023年年度报告.docx",
                                       headers={"Content-Type": "application/octet-stream"},
                                       fetched_at="2024-02-01T00:00:00+00:00", body=render_docx(truth, 0)))
    item = run(chain, stub)
    stored = db(crawler)
    [report] = stored["reports"].rows
    assert (report["source"], report["figures_from"], report["year"]) == (URL, file_url, truth["year"])
    assert "over the 64 MB limit" in report["problems"]
    [attachment] = store.attachments_of(stored, item.document_sha256)
    assert attachment["file_name"] == "示范县2023年年度报告.docx"
    assert stored["documents"].get(attachment["sha256"])["file_name"] == "示范县2023年年度报告.docx"
    assert stored["cells"].count == len(item.parsed.cells) > 100
    assert crawler.stats.get_value("govreports/attachments_fetched") == 1

    again = ReportPage(site="replica-hanweb", url=URL, body=stub.body, headers=stub.headers,
                       fetched_at="2024-03-01T00:00:00+00:00", attachments=[Attachment(
                           link=file_url, url=file_url, name=None, headers={}, fetched_at="2024-03-01T00:00:00+00:00",
                           document_sha256=attachment["sha256"])])  # the page whole, its file a 304
    assert run(chain, again).known
    assert stored["reports"].count == 1 and crawler.stats.get_value("govreports/reports_unchanged") == 1
