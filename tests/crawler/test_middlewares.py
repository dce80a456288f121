"""The crawler's manners: hosts it may visit (and addresses it may not), backoff and Retry-After,
revalidation, redirects that lead nowhere."""
from types import SimpleNamespace

import pytest
import sqlite_utils
from scrapy import Request, Spider
from scrapy.core.downloader import Slot
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.test import get_crawler
from twisted.internet.error import TimeoutError

import store
from crawler.middlewares import (
    RESOLVED_NON_PUBLIC,
    BackoffRetry,
    Fresh,
    GuardedResolver,
    LoopSafeRedirect,
    NonPublicAddress,
    RedirectFailed,
    Refused,
    Revalidate,
    SiteHostsOnly,
    non_public,
)
from parsers.record import parse_document
from tests.conftest import ROOT

SEED = next((ROOT / "replica" / "seeds").glob("000_*.txt")).read_bytes()
OTHER = next((ROOT / "replica" / "seeds").glob("001_*.txt")).read_bytes()  # another report


@pytest.fixture
def crawler(tmp_path):
    crawler = get_crawler(Spider, {"GOVREPORTS_DB": str(tmp_path / "reports.db"), "GOVREPORTS_REVALIDATE_AFTER": 30,
                                   "RETRY_TIMES": 3,
                                   "RETRY_BACKOFF_BASE": 2.0, "RETRY_BACKOFF_MAX": 60.0})
    crawler.spider = Spider.from_crawler(crawler, name="t", allowed_domains=["127.0.0.2", "www.gov.cn"],
                                         local_hosts={"127.0.0.2"})
    # The downloader's slots are all BackoffRetry touches of the engine.
    crawler.engine = SimpleNamespace(downloader=SimpleNamespace(slots={}))
    return crawler


def test_only_the_sites_hosts_exactly_even_for_dont_filter_requests(crawler):
    guard = SiteHostsOnly.from_crawler(crawler)
    guard.spider_opened(crawler.spider)
    for url in ("http://127.0.0.2:8000/a.html", "https://www.gov.cn/robots.txt"):
        assert guard.process_request(Request(url)) is None
    for url in ("http://127.0.0.9:8000/a.html", "https://sub.www.gov.cn/", "https://gov.cn/"):
        with pytest.raises(IgnoreRequest):
            guard.process_request(Request(url, dont_filter=True, meta={"allow_offsite": True}))
    assert crawler.stats.get_value("offsite/filtered") == 3


def test_no_sites_no_hosts(crawler):
    crawler.spider = Spider.from_crawler(crawler, name="t")
    guard = SiteHostsOnly.from_crawler(crawler)
    with pytest.raises(IgnoreRequest):
        guard.process_request(Request("http://127.0.0.2/"))


def slot(crawler, delay=0.0):
    crawler.engine.downloader.slots["127.0.0.2"] = Slot(2, delay, 0)
    return crawler.engine.downloader.slots["127.0.0.2"]


def request(retry_times=0):
    return Request("http://127.0.0.2:8000/a.html", meta={"download_slot": "127.0.0.2", "retry_times": retry_times})


def test_retry_after_is_honoured_by_the_whole_host(crawler):
    host = slot(crawler, delay=1.0)
    retry = BackoffRetry.from_crawler(crawler)
    again = retry.process_response(request(), Response(request().url, status=429, headers={"Retry-After": "7"}))
    assert isinstance(again, Request) and again.meta["retry_times"] == 1
    assert host.delay == 7.0


def test_retry_after_longer_than_we_wait_means_no_retry(crawler):
    host = slot(crawler)
    answer = Response(request().url, status=503, headers={"Retry-After": "3600"})
    assert BackoffRetry.from_crawler(crawler).process_response(request(), answer) is answer
    assert host.delay == 0.0


def test_server_errors_and_timeouts_back_off_exponentially(crawler):
    host = slot(crawler)
    retry = BackoffRetry.from_crawler(crawler)
    retry.process_response(request(0), Response(request().url, status=503))
    assert host.delay == 2.0
    retry.process_exception(request(1), TimeoutError())
    assert host.delay == 4.0
    retry.process_response(request(2), Response(request().url, status=500))
    assert host.delay == 8.0
    gave_up = Response(request().url, status=500)
    assert retry.process_response(request(3), gave_up) is gave_up  # RETRY_TIMES reached
    assert crawler.stats.get_value("retry/max_reached") == 1


def test_a_shorter_backoff_never_lowers_the_delay(crawler):
    host = slot(crawler, delay=30.0)
    BackoffRetry.from_crawler(crawler).process_response(request(), Response(request().url, status=502))
    assert host.delay == 30.0


def test_stored_report_pages_are_skipped_while_fresh_and_revalidated_when_due(crawler):
    url = "http://127.0.0.2:8000/xxgk/ndbg/202401/t20240119_1.html"
    fresh = "http://127.0.0.2:8000/xxgk/ndbg/202401/t20240119_3.html"
    unparsed = "http://127.0.0.2:8000/xxgk/ndbg/202401/t20240119_2.html"
    db = store.open_db(crawler.settings["GOVREPORTS_DB"])
    for body, address, headers, fetched_at in (
        (SEED, url, {"ETag": '"v1"'}, "2024-01-01T00:00:00+00:00"),
        (SEED + b"\n", url, {"ETag": '"v2"', "Last-Modified": "Fri, 19 Jan 2024 08:00:00 GMT"},
         "2024-02-01T00:00:00+00:00"),
        (OTHER, fresh, {"ETag": '"v3"'}, store.now()),
    ):
        digest = store.save_document(db, body, url=address, headers=headers, fetched_at=fetched_at)
        store.save_report(db, parse_document(body, address), digest)
    store.save_document(db, b"<html>a page whose parse failed</html>", url=unparsed, headers={"ETag": '"x"'})
    db.close()
    middleware = Revalidate.from_crawler(crawler)  # GOVREPORTS_REVALIDATE_AFTER: 30 days
    middleware.spider_opened()

    report = Request(url, meta={"govreports_report": True})  # confirmed in 2024: due
    middleware.process_request(report)
    assert report.headers["If-None-Match"] == b'"v2"'
    assert report.headers["If-Modified-Since"] == b"Fri, 19 Jan 2024 08:00:00 GMT"
    assert report.meta["govreports_document"] == store.sha256(SEED + b"\n")
    with pytest.raises(Fresh):  # confirmed just now: not requested at all
        middleware.process_request(Request(fresh, meta={"govreports_report": True}))
    assert crawler.stats.get_value("govreports/reports_unchanged") == 1
    assert crawler.stats.get_value("govreports/not_requested") == 1
    listing = Request(url)  # listings are never revalidated: they announce new reports
    middleware.process_request(listing)
    assert b"If-None-Match" not in listing.headers and listing.headers["Cache-Control"] == b"no-cache"
    again = Request(unparsed, meta={"govreports_report": True})  # no report yet: fetch it whole
    middleware.process_request(again)
    assert b"If-None-Match" not in again.headers


def test_with_revalidate_after_0_every_stored_page_is_revalidated(tmp_path):
    url = "http://127.0.0.2:8000/xxgk/ndbg/202401/t20240119_3.html"
    crawler = get_crawler(Spider, {"GOVREPORTS_DB": str(tmp_path / "reports.db"), "GOVREPORTS_REVALIDATE_AFTER": 0})
    db = store.open_db(crawler.settings["GOVREPORTS_DB"])
    digest = store.save_document(db, SEED, url=url, headers={"ETag": '"v3"'})  # fetched just now
    store.save_report(db, parse_document(SEED, url), digest)
    middleware = Revalidate.from_crawler(crawler)
    middleware.spider_opened()
    request = Request(url, meta={"govreports_report": True})
    middleware.process_request(request)
    assert request.headers["If-None-Match"] == b'"v3"'


def test_revalidation_reads_an_empty_corpus(crawler):
    middleware = Revalidate.from_crawler(crawler)
    middleware.spider_opened()
    assert middleware.stored == {}
    assert sqlite_utils.Database(crawler.settings["GOVREPORTS_DB"])["documents"].exists()


# ---- the network guard: non-public addresses only for sites configured as local ----------------

@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://10.0.0.5/", "http://172.16.3.4/", "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://[fe80::1]/", "http://[::ffff:127.0.0.1]/",
    "http://0.0.0.0/", "http://100.64.0.1/",
])
def test_links_and_redirects_to_non_public_addresses_are_refused(crawler, url):
    host = url.split("//")[1].split("/")[0].strip("[]")
    crawler.spider = Spider.from_crawler(crawler, name="t", allowed_domains=[host, "127.0.0.2"],
                                         local_hosts={"127.0.0.2"})
    guard = SiteHostsOnly.from_crawler(crawler)
    guard.spider_opened(crawler.spider)
    redirected = Request(url, meta={"redirect_urls": ["http://127.0.0.2/a.html"]})
    with pytest.raises(Refused, match="non-public address"):
        guard.process_request(redirected)
    assert guard.process_request(Request("http://127.0.0.2/a.html")) is None  # the local site's own host
    assert crawler.stats.get_value("offsite/non_public") == 1


def test_public_addresses_of_the_sites_pass(crawler):
    crawler.spider = Spider.from_crawler(crawler, name="t", allowed_domains=["202.108.22.5"])
    guard = SiteHostsOnly.from_crawler(crawler)
    guard.spider_opened(crawler.spider)
    assert guard.process_request(Request("http://202.108.22.5/ndbg/")) is None


def test_non_public_addresses_and_their_kinds():
    assert all(non_public(a) for a in ("127.0.0.2", "10.1.1.1", "169.254.1.1", "::1", "fc00::1", "224.0.0.1",
                                       "::ffff:192.168.0.1"))
    assert not any(non_public(a) for a in ("202.108.22.5", "2400:da00::6666", "::ffff:202.108.22.5"))


class FakeResolver:
    def __init__(self, answers):
        self.answers = answers

    def getHostByName(self, name, timeout=()):
        from twisted.internet import defer

        return defer.succeed(self.answers[name])


def resolved(resolver, name):
    results = []
    resolver.getHostByName(name).addCallbacks(results.append, results.append)
    return results[0]


def test_names_resolving_to_non_public_addresses_are_refused_unless_local(crawler):
    from twisted.python.failure import Failure

    RESOLVED_NON_PUBLIC.clear()
    crawler.spider = Spider.from_crawler(crawler, name="t", allowed_domains=["evil.example", "intranet.example"],
                                         local_hosts={"intranet.example"})
    resolver = GuardedResolver(FakeResolver({"evil.example": "10.0.0.8", "intranet.example": "10.0.0.9",
                                             "www.gov.cn": "202.108.22.5"}), crawler)
    assert resolved(resolver, "www.gov.cn") == "202.108.22.5"
    assert resolved(resolver, "intranet.example") == "10.0.0.9"
    refused = resolved(resolver, "evil.example")
    assert isinstance(refused, Failure) and refused.check(NonPublicAddress)
    # the next request to that name (a retry too) is refused before any lookup
    guard = SiteHostsOnly.from_crawler(crawler)
    guard.spider_opened(crawler.spider)
    with pytest.raises(Refused):
        guard.process_request(Request("http://evil.example/ndbg/"))
    RESOLVED_NON_PUBLIC.clear()


# ---- redirects that lead nowhere ------------------------------------------------------------------

def test_a_redirect_loop_is_given_up_at_once_and_a_long_chain_after_the_limit(crawler):
    crawler.settings.frozen = False
    crawler.settings.set("REDIRECT_MAX_TIMES", 3)
    redirect = LoopSafeRedirect.from_crawler(crawler)
    first = Request("http://127.0.0.2/a.html")
    hop = redirect.process_response(first, Response(first.url, status=302, headers={"Location": "/a.html?loop=1"}))
    assert hop.url == "http://127.0.0.2/a.html?loop=1"
    with pytest.raises(RedirectFailed, match="redirect loop: .*a.html -> .*a.html\\?loop=1 -> .*a.html$"):
        redirect.process_response(hop, Response(hop.url, status=302, headers={"Location": "/a.html"}))
    request = first
    with pytest.raises(RedirectFailed, match="max redirections"):
        for number in range(5):
            request = redirect.process_response(request, Response(request.url, status=301,
                                                                  headers={"Location": f"/{number}.html"}))


def test_stored_attachments_are_revalidated_never_downloaded_unasked(tmp_path):
    page_url = "http://127.0.0.2:8000/xxgk/ndbg/202401/t20240119_3.html"
    file_url = "http://127.0.0.2:8000/xxgk/ndbg/202401/P020240119.pdf"
    crawler = get_crawler(Spider, {"GOVREPORTS_DB": str(tmp_path / "reports.db"), "GOVREPORTS_REVALIDATE_AFTER": 0})
    db = store.open_db(crawler.settings["GOVREPORTS_DB"])
    digest = store.save_document(db, SEED, url=page_url, headers={"ETag": '"page"'})
    file_digest = store.save_attachment(db, OTHER, url=file_url, file_name="年报.pdf", headers={"ETag": '"file"'})
    store.save_report_with_attachments(db, parse_document(SEED, page_url), digest, [
        {"link": file_url, "url": file_url, "sha256": file_digest, "file_name": "年报.pdf"}])
    db.close()
    middleware = Revalidate.from_crawler(crawler)
    middleware.spider_opened()
    page = Request(page_url, meta={"govreports_report": True})
    middleware.process_request(page)  # its 304 will revalidate the stored file too
    assert page.meta["govreports_attachments"] == [(file_url, "年报.pdf")]
    attachment = Request(file_url, meta={"govreports_attachment": True}, headers={"If-None-Match": '"stale"'})
    middleware.process_request(attachment)
    assert attachment.headers["If-None-Match"] == b'"file"' and attachment.meta["govreports_document"] == file_digest
    elsewhere = Request("http://127.0.0.2:8000/other.pdf", meta={"govreports_attachment": True,
                                                                 "govreports_document": file_digest},
                        headers={"If-None-Match": '"file"'})  # a redirect's next hop, with its first hop's headers
    middleware.process_request(elsewhere)
    assert b"If-None-Match" not in elsewhere.headers and "govreports_document" not in elsewhere.meta
