"""A real crawl: `scrapy crawl reports` in a child process against the replica portal on
loopback, then the corpus, the replica's request log and the crawl's log are checked."""
import json
from urllib.parse import urljoin, urlsplit

import pytest
import sqlite_utils
from click.testing import CliRunner

from corpus.truth import grade, stored_records
from crawler import registry
from crawler.runner import LOCAL, replica_columns, run_crawl
from govreports.crawl_commands import crawl, demo
from replica.server import Replica

pytestmark = pytest.mark.slow  # real crawls of the replica


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """One replica, crawled four times: all sites; all sites again, which finds nothing new;
    the TRS column by URL alone, as a column in no registry, into a database of its own;
    and a URL that robots.txt disallows."""
    out = tmp_path_factory.mktemp("e2e")
    with Replica(seed=2024, out_dir=out / "replica", port=0) as replica:
        columns = replica_columns(replica.sites)
        trs = columns["replica-trs"][0]
        crawls = {
            "first": {"db": out / "reports.db", "columns": columns},
            "second": {"db": out / "reports.db", "columns": columns},
            "by_url": {"db": out / "by_url.db", "url": trs},
            "disallowed": {"db": out / "disallowed.db", "url": urljoin(trs, "/search/?searchword=ndbg")},
        }
        returncodes, requests = {}, {}
        for name, arguments in crawls.items():
            seen = len(replica.requests)
            returncodes[name] = run_crawl(settings=LOCAL, log_file=out / f"{name}.log", **arguments).returncode
            requests[name] = replica.requests[seen:]
    truth = [json.loads(line) for line in replica.truth_path.read_text(encoding="utf-8").splitlines()]
    yield {
        "replica": replica, "truth": truth, "returncodes": returncodes, **requests,
        "db": sqlite_utils.Database(out / "reports.db"), "by_url_db": sqlite_utils.Database(out / "by_url.db"),
        "logs": {name: (out / f"{name}.log").read_text() for name in crawls},
    }


def test_the_crawls_finish_cleanly(crawled):
    assert set(crawled["returncodes"].values()) == {0}
    for log in crawled["logs"].values():
        assert "Spider closed (finished)" in log
        assert " ERROR: " not in log and "Traceback" not in log


def test_the_registry_knows_every_replica_site(crawled):
    sites = registry.load()
    assert {(s["key"], s["family"]) for s in crawled["replica"].sites} == {
        (site.key, site.family) for site in sites.values() if site.replica}


def test_every_served_report_is_stored(crawled):
    served = {line["url"] for line in crawled["truth"]}  # generated reports and the five seeds
    stored = {row["source"] for row in crawled["db"]["reports"].rows_where("current = 1")}
    assert served - stored == set()
    assert stored - served == set()  # nothing else: no news item, challenge or soft 404
    assert crawled["db"]["documents"].count == len(served)


def test_every_cell_equals_the_truth(crawled):
    """Cell values are the parser's work: a failure here names a parser bug (report the
    URL and the difference to the parser's owner), not something for the crawler to mend."""
    result = grade(crawled["db"], crawled["replica"].truth_path)
    assert result.missing == []
    assert result.mismatched == {}, f"{len(result.mismatched)} reports differ from the truth (parser):\n" + "\n".join(
        f"{url}: {'; '.join(found[:4])}" for url, found in result.mismatched.items())
    # Only text dumps that can lose a cell's position (PDF text, glued digits) may leave figures out.
    rendered = {line["url"]: line.get("rendered_as", "") for line in crawled["truth"]}
    assert all(("pdf_text" in rendered[url] or "glued" in rendered[url]) for url in result.left_out), result.left_out
    assert result.matched + len(result.left_out) == result.total > 200
    assert result.matched >= result.total - 3


def test_the_stored_record_keeps_what_the_page_says(crawled):
    records = stored_records(crawled["db"])
    for line in crawled["truth"]:
        if line.get("kind") == "seed":
            continue
        record = records[line["url"]]
        assert record["source"] == line["url"]
        assert record["encoding"] == line["encoding"]


def test_blocking_pages_are_recorded_not_stored_as_reports(crawled):
    db = crawled["db"]
    blocked = {(urlsplit(row["url"]).path, row["kind"], row["status"]) for row in db["blocked"].rows}
    assert {
        ("/xxgk/ndbg/202303/t20230315_3900001.html", "jsl_clearance", 521),
        ("/art/2022/1/28/art_1234_99999.html", "ruishu", 412),
        ("/ndbg/2021-01/25/content_9999.shtml", "soft_404", 200),
    } <= blocked
    blocked_urls = {row["url"] for row in db["blocked"].rows}
    assert not blocked_urls & {row["source"] for row in db["reports"].rows}
    assert not blocked_urls & {row["url"] for row in db["documents"].rows}


def test_no_request_left_the_sites_hosts(crawled):
    hosts = {site["host"] for site in crawled["replica"].sites}
    first, second = crawled["first"], crawled["second"]
    assert {request.host for request in first + second} == hosts
    runs = list(crawled["db"]["crawl_runs"].rows_where(order_by="id"))
    # every request the crawler sent was one the replica answered: none went anywhere else
    assert [run["requests"] for run in runs] == [len(first), len(second)]
    assert [run["offsite"] for run in runs] == [0, 0]


def test_robots_txt_is_read_first_and_obeyed(crawled):
    for requests in (crawled["first"], crawled["second"], crawled["by_url"]):
        for host in {request.host for request in requests}:
            mine = sorted((r for r in requests if r.host == host), key=lambda r: r.started)
            assert mine[0].path == "/robots.txt"
        assert not [r for r in requests if r.path.startswith("/search/")]
    # asked to crawl a page under `Disallow: /search/`, the crawler reads robots.txt only
    assert [r.path for r in crawled["disallowed"]] == ["/robots.txt"]
    assert "'robotstxt/forbidden': 1" in crawled["logs"]["disallowed"]


def test_manners(crawled):
    requests = crawled["first"] + crawled["second"]
    assert all(r.headers["User-Agent"].startswith("govreports/") for r in requests)
    assert max(r.inflight for r in requests) <= 2  # CONCURRENT_REQUESTS_PER_DOMAIN
    assert not [r for r in requests if "Cookie" in r.headers]  # no challenge cookie replayed
    [proxy] = [r for r in crawled["first"] if r.method == "POST"]
    assert proxy.path == "/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15"
    assert proxy.headers["X-Requested-With"] == "XMLHttpRequest"
    assert proxy.headers["Referer"].endswith("/col/col1234/index.html")
    # each challenge was met once per crawl and never retried
    challenged = [r for r in crawled["first"] if r.status in (412, 521)]
    assert sorted(r.status for r in challenged) == [412, 521]


def test_crawl_runs(crawled):
    first, second = crawled["db"]["crawl_runs"].rows_where(order_by="id")
    reports = len(crawled["truth"])
    assert first["sites"] == "replica-trs,replica-hanweb,replica-generic"
    assert first["started_at"] <= first["finished_at"] <= second["started_at"]
    assert (first["reports_new"], first["reports_changed"], first["reports_unchanged"]) == (reports, 0, 0)
    assert (first["errors"], first["blocked"]) == (0, 3)
    assert first["listed"] == reports + 3 and first["responses"] == first["requests"]
    assert first["bytes"] > 1_000_000 and first["seconds"] > 0


def test_a_recrawl_fetches_the_listings_and_no_stored_report(crawled):
    """Stored pages confirmed moments ago are not due (GOVREPORTS_REVALIDATE_AFTER): not
    requested at all. tests/crawler/test_incremental.py revalidates them."""
    second = crawled["second"]
    reports = {urlsplit(line["url"]).path for line in crawled["truth"]}
    assert not [r for r in second if r.path in reports]
    assert all("If-None-Match" not in r.headers for r in second)
    run = list(crawled["db"]["crawl_runs"].rows_where(order_by="id desc", limit=1))[0]
    assert (run["reports_new"], run["reports_changed"], run["reports_unchanged"]) == (0, 0, len(reports))
    assert (run["not_requested"], run["not_modified"], run["reports_vanished"]) == (len(reports), 0, 0)
    assert run["blocked"] == 3  # challenges are met again, and recorded again
    assert run["requests"] == len(second) <= 0.1 * len(crawled["first"])


def test_a_column_in_no_registry_is_recognised_and_crawled_on_its_host_only(crawled):
    trs = next(site for site in crawled["replica"].sites if site["key"] == "replica-trs")
    assert "looks like a trs site" in crawled["logs"]["by_url"]
    assert {request.host for request in crawled["by_url"]} == {trs["host"]}
    served = {line["url"] for line in crawled["truth"] if line["site"] == "replica-trs"}
    assert {row["source"] for row in crawled["by_url_db"]["reports"].rows} == served
    [run] = crawled["by_url_db"]["crawl_runs"].rows
    assert (run["sites"], run["blocked"], run["errors"]) == (trs["host"], 1, 0)


def test_the_demo_and_crawl_commands(tmp_path):
    runner = CliRunner()
    # Scans of one page: this is about the command, not OCR (whole scans: tests/parsers/test_ocr.py).
    result = runner.invoke(demo, ["--db", str(tmp_path / "demo.db"), "--out", str(tmp_path / "replica"),
                                  "--scan-pages", "1"])
    assert result.exit_code == 0, result.output
    assert "Reports per site and year" in result.output
    assert "Blocked pages: 3" in result.output
    assert "Matching the replica's truth cell by cell:" in result.output
    # the demo's portal publishes reports as files too (tests/crawler/test_crawl_attachments.py)
    assert "with attachments" in result.output and "Attachments: 10 files linked by 10 report pages" in result.output
    assert "with their figures read from an attachment" in result.output
    assert "scanned reports (OCR): 2," in result.output and "0 wrong without a problem" in result.output

    with Replica(seed=2024, out_dir=tmp_path / "replica2", port=0) as replica:
        column = replica_columns(replica.sites)["replica-hanweb"][0]
        local = [f"--set={name}={value}" for name, value in LOCAL.items()]
        result = runner.invoke(crawl, ["--url", column, "--db", str(tmp_path / "by_url.db"), "--since", "2021", *local])
    assert result.exit_code == 0, result.output
    assert "0 errors, blocked 1" in result.output  # the 瑞数 page is listed as a 2021 report
    years = {row["year"] for row in sqlite_utils.Database(tmp_path / "by_url.db")["reports"].rows}
    assert years and min(years) >= 2021

    result = runner.invoke(crawl, ["--site", "replica-trs"])
    assert result.exit_code == 2 and "replica site" in result.output


def test_a_name_that_resolves_to_loopback_is_refused_unless_the_site_is_local(tmp_path):
    """`localhost` is a name, not an address given explicitly: it could be any portal's DNS
    pointing into the crawler's own network. Its resolution to 127.0.0.1 is refused (the
    replica's own sites are local: crawler/sites.toml, `replica = true`)."""
    with Replica(seed=2024, reports=20, out_dir=tmp_path / "replica", port=0) as replica:
        url = f"http://localhost:{replica.port}/xxgk/ndbg/index.html"
        result = run_crawl(db=tmp_path / "reports.db", url=url, settings=LOCAL, log_file=tmp_path / "crawl.log")
        assert result.returncode == 0 and replica.requests == []  # nothing reached any site
    log = (tmp_path / "crawl.log").read_text()
    assert "not connecting to localhost: it resolves to 127.0.0.1, not a public address" in log
    [run] = sqlite_utils.Database(tmp_path / "reports.db")["crawl_runs"].rows
    assert (run["non_public"], run["failed_sites"], run["responses"]) == (2, "localhost", 0)
