"""Reports published as attachments, crawled for real: `scrapy crawl reports` in a child process
against `Replica(attachments=True)` on loopback, three times over one database: the first crawl,
a revalidating one (every stored page due), and one under the default policy.

The replica publishes one report per case of replica.sites.FILE_CASES: 详见附件 stubs linking a
PDF, a scanned PDF, a DOCX named .wps (TRS, `./P0….pdf` in the month folder), a DOCX, a real
Word 97 .doc and an HTML file named .doc (Hanweb's downfile.jsp, names in Content-Disposition),
an .xls, a PDF behind a 302 and a JPEG (plain links with Chinese names), and one full TRS page
that links a PDF of itself.
"""
import hashlib
import json
from urllib.parse import unquote, urlsplit

import pytest
import sqlite_utils

import store
from corpus.reparse import reparse_corpus
from corpus.scan_grading import SCANNED_KINDS
from corpus.truth import grade
from crawler.runner import LOCAL, replica_columns, run_crawl
from parsers.filetype import IMAGE_ONLY, sniff
from replica.server import Replica

pytestmark = pytest.mark.slow  # real crawls of the replica

REPORTS = 60  # generated reports besides the ten filed ones: enough listings for every family
# Scans of their first page only: the OCR of these crawls stays at seconds. Whole scanned reports
# are read in tests/parsers/test_ocr.py and graded by `govreports demo`.
SCAN_PAGES = 1


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    out = tmp_path_factory.mktemp("attachments")
    db = out / "reports.db"
    with Replica(seed=2024, reports=REPORTS, out_dir=out / "replica", attachments=True,
                 scan_pages=SCAN_PAGES) as replica:
        columns = replica_columns(replica.sites)
        result = {"replica": replica, "db_path": db, "out": out}
        for name, settings in (("first", LOCAL), ("revalidated", {**LOCAL, "GOVREPORTS_REVALIDATE_AFTER": 0}),
                               ("again", LOCAL)):
            seen = len(replica.requests)
            result[f"{name}_returncode"] = run_crawl(db=db, columns=columns, settings=settings,
                                                     log_file=out / f"{name}.log").returncode
            result[name] = replica.requests[seen:]
    truth = [json.loads(line) for line in replica.truth_path.read_text(encoding="utf-8").splitlines()]
    result["truth"] = truth
    result["filed"] = [line for line in truth if "attachment_urls" in line]
    result["db"] = sqlite_utils.Database(db)
    result["runs"] = list(result["db"]["crawl_runs"].rows_where(order_by="id"))
    result["logs"] = {name: (out / f"{name}.log").read_text() for name in ("first", "revalidated", "again")}
    return result


def report_of(db, url):
    [row] = db["reports"].rows_where("source = ? AND current = 1", [url])
    return row


def file_paths(line):
    return {unquote(urlsplit(url).path) for url in line["attachment_urls"] + line["attachment_files"]}


def test_the_crawls_finish_without_errors(crawled):
    assert [crawled[f"{name}_returncode"] for name in ("first", "revalidated", "again")] == [0, 0, 0]
    assert [(run["finish_reason"], run["errors"], run["fetch_failed"]) for run in crawled["runs"]] == [
        ("finished", 0, 0)] * 3
    for log in crawled["logs"].values():
        assert " ERROR: " not in log and "Traceback" not in log


def test_every_kind_of_attachment_is_there(crawled):
    kinds = {(line["attachment_kind"], line["rendered_as"].split(":")[0]) for line in crawled["filed"]}
    assert {kind for kind, _ in kinds} == {"pdf", "scanned_pdf", "docx", "doc", "html", "xls", "jpeg"}
    assert ("pdf", "html") in kinds  # the page with tables of its own and a PDF of itself


def test_every_attachment_kind_lands_with_every_cell_equal_to_the_truth(crawled):
    """Grading with the replica's truth: no report missing, no wrong value anywhere; the filed
    reports with figures match cell by cell, nothing left out."""
    result = grade(crawled["db"], crawled["replica"].truth_path)
    assert result.missing == []
    assert result.mismatched == {}, "\n".join(f"{url}: {found[:4]}" for url, found in result.mismatched.items())
    typed = {line["url"] for line in crawled["filed"] if line["attachment_kind"] not in SCANNED_KINDS}
    assert not typed & set(result.left_out)
    # The scans, read by OCR: no wrong figure without a problem naming it; the figures of the
    # pages not scanned are left out and named.
    assert (result.scans.reports, result.scans.wrong_unnamed) == (2, 0)
    assert result.scans.right > 0
    scanned = {line["url"] for line in crawled["filed"] if line["attachment_kind"] in SCANNED_KINDS}
    assert scanned <= set(result.left_out)
    assert result.from_attachments == 7  # the stubs with a typed file (the page's own PDF is not counted)


def test_figures_come_from_the_file_and_the_record_names_it(crawled):
    db = crawled["db"]
    for line in crawled["filed"]:
        row = report_of(db, line["url"])
        if line["rendered_as"].startswith("html:"):
            assert row["figures_from"] == line["url"]  # its own tables: the page
        else:
            assert row["figures_from"] == line["attachment_files"][0], line["rendered_as"]
        assert row["source"] == line["url"]


def test_scanned_reports_are_read_by_ocr_and_their_cells_stored(crawled):
    db = crawled["db"]
    scans = [line for line in crawled["filed"] if line["attachment_kind"] in SCANNED_KINDS]
    assert {line["attachment_kind"] for line in scans} == {"scanned_pdf", "jpeg"}
    for line in scans:
        row = report_of(db, line["url"])
        assert (row["agency"], row["year"]) == (line["agency"], line["year"])
        assert IMAGE_ONLY not in json.loads(row["problems"])
        assert db.execute("SELECT count(*) FROM cells WHERE report_id = ? AND value IS NOT NULL",
                          [row["id"]]).fetchone()[0] > 0


def test_the_real_type_is_read_from_the_bytes(crawled):
    db = crawled["db"]
    sniffed = {}
    for line in crawled["filed"]:
        [attachment] = store.attachments_of(db, report_of(db, line["url"])["document_sha256"])
        sniffed[line["rendered_as"]] = sniff(store.load_document(db, attachment["sha256"]))
    assert sniffed["stub:docx.wps"] == "docx"  # WPS's name, Word's bytes
    assert sniffed["stub:html.doc"] == "html"  # a web page saved as .doc
    assert sniffed["stub:doc.doc"] == "doc" and sniffed["stub:xls.xls"] == "xls"
    assert sniffed["stub:jpeg.jpg"] == "jpeg" and sniffed["stub:scanned_pdf.pdf"] == "pdf"
    assert report_of(db, next(link["url"] for link in crawled["filed"] if link["rendered_as"] == "stub:docx.wps"))[
        "encoding"] == "docx"


def test_files_are_stored_by_content_hash_with_their_chinese_names(crawled):
    db = crawled["db"]
    for line in crawled["filed"]:
        [attachment] = store.attachments_of(db, report_of(db, line["url"])["document_sha256"])
        document = db["documents"].get(attachment["sha256"])
        data = store.load_document(db, attachment["sha256"])
        assert hashlib.sha256(data).hexdigest() == document["sha256"]
        assert document["url"] == attachment["url"] == line["attachment_files"][0]
        assert attachment["link"] == line["attachment_urls"][0]  # the 302 case: the old link, kept
        # The name as the site gives it: link text (TRS), Content-Disposition filename* (Hanweb's
        # hex URLs, the generic site), never the URL's.
        assert document["file_name"] == attachment["file_name"] == line["attachment_names"][0]
    redirected = next(line for line in crawled["filed"] if line["rendered_as"] == "stub:pdf.pdf"
                      and line["site"] == "replica-generic")
    assert redirected["attachment_urls"] != redirected["attachment_files"]


def test_a_page_with_its_own_tables_and_a_pdf_of_itself_is_stored_once(crawled):
    db = crawled["db"]
    [line] = [line for line in crawled["filed"] if line["rendered_as"].startswith("html:")]
    rows = list(db["reports"].rows_where("source = ?", [line["url"]]))
    assert len(rows) == 1
    assert db.execute("SELECT count(*) FROM reports WHERE report_key = ?", [rows[0]["report_key"]]).fetchone()[0] == 1
    [attachment] = store.attachments_of(db, rows[0]["document_sha256"])
    assert sniff(store.load_document(db, attachment["sha256"])) == "pdf"
    assert not list(db["reports"].rows_where("source = ?", [attachment["url"]]))  # the PDF is no report of its own


def test_attachments_are_never_reports_of_their_own(crawled):
    db = crawled["db"]
    files = {row["sha256"] for row in db["attachments"].rows}
    assert len(files) == len(crawled["filed"])
    assert not db.execute("SELECT count(*) FROM reports WHERE document_sha256 IN (SELECT sha256 FROM attachments)"
                          ).fetchone()[0]
    served = {line["url"] for line in crawled["truth"]}
    assert {row["source"] for row in db["reports"].rows_where("current = 1")} == served
    assert db.execute("SELECT count(*), count(DISTINCT report_key) FROM reports WHERE current = 1").fetchone() == (
        len(served), len(served))


def test_the_first_crawl_fetches_each_file_once(crawled):
    paths = [unquote(urlsplit(r.path).path) + ("?" + urlsplit(r.path).query if "downfile" in r.path else "")
             for r in crawled["first"]]
    for line in crawled["filed"]:
        target = unquote(urlsplit(line["attachment_files"][0]).path)
        if "downfile" in target:
            target += "?" + urlsplit(line["attachment_files"][0]).query
        assert paths.count(target) == 1, target
    first = crawled["runs"][0]
    assert (first["attachments_fetched"], first["reports_new"]) == (len(crawled["filed"]), len(crawled["truth"]))


def test_stored_attachments_are_revalidated_not_downloaded_again(crawled):
    """Every stored page due: each file is asked for conditionally. The replica serves the same
    bytes for most; its DOCX and scanned-PDF renderers stamp the time into each file, so one made
    for another replica start would differ (here the replica stays up: the same bytes, 304s)."""
    files = set().union(*(file_paths(line) for line in crawled["filed"]))
    to_files = [r for r in crawled["revalidated"] if unquote(urlsplit(r.path).path) in files
                or "downfile" in r.path]
    direct = [r for r in to_files if r.status != 302]  # the generic 302 link has no validators
    assert len(direct) == len(crawled["filed"])
    assert all("If-None-Match" in r.headers and r.status == 304 for r in direct), [
        (r.path, r.status) for r in direct if r.status != 304]
    run = crawled["runs"][1]
    assert (run["attachments_fetched"], run["attachments_not_modified"]) == (0, len(crawled["filed"]))
    assert (run["reports_new"], run["reports_changed"], run["reports_reparsed"]) == (0, 0, 0)
    assert run["not_modified"] == run["reports_unchanged"] == len(crawled["truth"])


def test_a_recrawl_under_the_default_policy_asks_for_no_file(crawled):
    files = set().union(*(file_paths(line) for line in crawled["filed"]))
    assert not [r for r in crawled["again"] if unquote(urlsplit(r.path).path) in files or "downfile" in r.path]
    assert crawled["runs"][2]["not_requested"] == len(crawled["truth"])


def test_reparse_puts_each_page_together_with_its_files_again(crawled, tmp_path):
    import sqlite3

    copy = tmp_path / "copy.db"
    with sqlite3.connect(crawled["db_path"]) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    counts, changes = reparse_corpus(copy, workers=1)
    assert counts["unchanged"] == len(crawled["truth"]) and sum(counts.values()) == len(crawled["truth"])
    assert changes == []
