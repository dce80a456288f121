"""Incremental re-crawls against the replica's publication rounds, with real crawls.

The replica serves round 1, then round 2 on the same port (the same URLs): 5 new reports,
2 revised, 1 removed, and 1 page re-stamped (a new ETag, the same bytes). Then `govreports
demo --generation 2` and `govreports reparse` as a user runs them.
"""
import json
import sqlite3
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from crawler.replica_crawl import remember_round
from crawler.runner import LOCAL, replica_columns, run_crawl
from govreports.crawl_commands import demo, reparse
from replica.server import Replica

pytestmark = pytest.mark.slow  # real crawls of the replica

ALL_DUE = {**LOCAL, "GOVREPORTS_REVALIDATE_AFTER": 0}  # round 2 comes moments after round 1


def backup(source, target):
    with sqlite3.connect(source) as db, sqlite3.connect(target) as copy:
        db.backup(copy)


def truth_of(replica):
    return {line["url"]: line for line in map(json.loads, replica.truth_path.read_text(encoding="utf-8").splitlines())}


@pytest.fixture(scope="module")
def rounds(tmp_path_factory):
    """Round 1 crawled; round 2 crawled with every stored page due for revalidation; round 2
    crawled again under the default policy (pages confirmed moments ago are not due)."""
    out = tmp_path_factory.mktemp("rounds")
    db = out / "reports.db"
    result = {"db": db, "out": out}
    port = 0
    for name, generation, settings in (("first", 1, LOCAL), ("revalidated", 2, ALL_DUE), ("again", 2, LOCAL)):
        with Replica(seed=2024, out_dir=out / f"gen{generation}", port=port, generation=generation) as replica:
            port = replica.port
            returncode = run_crawl(db=db, columns=replica_columns(replica.sites), settings=settings,
                                   log_file=out / f"{name}.log").returncode
            assert returncode == 0
            result[name] = {"requests": replica.requests, "truth": truth_of(replica)}
            if name == "first":  # for the demo of round 2, as `govreports demo` remembers its round 1
                remember_round(db, out / "gen1", replica)
                backup(db, out / "round1.db")
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    result["runs"] = [dict(row) for row in connection.execute("SELECT * FROM crawl_runs ORDER BY id")]
    result["connection"] = connection
    yield result
    connection.close()


def test_round_two_is_counted_exactly(rounds):
    first, revalidated, again = rounds["runs"]
    stored = len(rounds["first"]["truth"])
    assert (first["reports_new"], first["reports_unchanged"]) == (stored, 0)
    # 5 new, 2 revised, 1 removed; the re-stamped page is unchanged and was not parsed again
    assert {key: revalidated[key] for key in ("reports_new", "reports_changed", "reports_reparsed",
                                              "reports_unchanged", "reports_vanished", "not_modified",
                                              "not_requested", "errors", "failed_sites")} == {
        "reports_new": 5, "reports_changed": 2, "reports_reparsed": 0, "reports_unchanged": stored - 3,
        "reports_vanished": 1, "not_modified": stored - 4, "not_requested": 0, "errors": 0, "failed_sites": ""}
    assert {key: again[key] for key in ("reports_new", "reports_changed", "reports_vanished", "not_modified")} == {
        "reports_new": 0, "reports_changed": 0, "reports_vanished": 0, "not_modified": 0}
    assert again["not_requested"] == again["reports_unchanged"] == stored + 5 - 1


def test_revalidation_is_conditional_and_listings_are_never(rounds):
    reports = {urlsplit(url).path for url in rounds["first"]["truth"]}
    requests = rounds["revalidated"]["requests"]
    to_reports = [r for r in requests if r.path in reports]
    # two revised and one re-stamped came back whole; the removed page, no longer listed, was asked
    # for once, unconditionally, to learn whether it is gone (404)
    assert sorted(r.status for r in to_reports if r.status != 304) == [200, 200, 200, 404]
    assert sorted(r.status for r in to_reports).count(304) == len(reports) - 4
    revalidations = [r for r in to_reports if r.status != 404]
    assert all("If-None-Match" in r.headers and "If-Modified-Since" in r.headers for r in revalidations)
    listings = [r for r in requests if r.path not in reports and r.path != "/robots.txt"]
    assert listings and not [r for r in listings if "If-None-Match" in r.headers or "If-Modified-Since" in r.headers]


def test_an_unchanged_recrawl_fetches_listings_only(rounds):
    reports = {urlsplit(url).path for url in rounds["revalidated"]["truth"]}
    first, again = rounds["first"]["requests"], rounds["again"]["requests"]
    assert not [r for r in again if r.path in reports]
    assert len(again) <= 0.10 * len(first)  # the target: recrawl_request_ratio <= 0.10
    assert rounds["runs"][2]["requests"] == len(again)


def test_versions_are_kept_and_the_vanished_report_is_marked_not_deleted(rounds):
    db = rounds["connection"]
    first, second = rounds["first"]["truth"], rounds["revalidated"]["truth"]
    [removed] = set(first) - set(second)
    revised = {url for url in set(first) & set(second) if first[url] != second[url]}
    assert len(revised) == 2
    for url in revised:
        versions = db.execute("SELECT r.current, c.value FROM reports r JOIN cells c ON c.report_id = r.id"
                              " WHERE r.source = ? AND c.table_name = 'active' AND c.row_key = 'licensing'"
                              " AND c.col_key = 'decisions' ORDER BY r.id", [url]).fetchall()
        old, new = first[url]["active"]["licensing"]["decisions"], second[url]["active"]["licensing"]["decisions"]
        assert [tuple(v) for v in versions] == [(0, old), (1, new)]  # the old version is still queryable
    vanished = db.execute("SELECT source, current, vanished_at FROM reports WHERE vanished_at IS NOT NULL").fetchall()
    assert [(row["source"], row["current"]) for row in vanished] == [(removed, 1)]
    # exactly one row per stored version: no duplicates
    assert tuple(db.execute("SELECT count(*), count(DISTINCT document_sha256) FROM reports").fetchone()) == (
        len(set(first) | set(second)) + 2,) * 2


def test_the_restamped_page_is_confirmed_not_parsed_again(rounds):
    db = rounds["connection"]
    second_run = rounds["runs"][1]
    first, second = rounds["first"]["truth"], rounds["revalidated"]["truth"]
    revised = {urlsplit(url).path for url in set(first) & set(second) if first[url] != second[url]}
    [restamped] = [r.path for r in rounds["revalidated"]["requests"]
                   if r.status == 200 and "If-None-Match" in r.headers and r.path not in revised]
    [(parsed_at, verified_at, versions)] = db.execute(
        "SELECT max(r.parsed_at), max(d.verified_at), count(*) FROM reports r"
        " JOIN documents d ON d.sha256 = r.document_sha256 WHERE r.source LIKE ?", [f"%{restamped}"]).fetchall()
    assert versions == 1 and parsed_at < second_run["started_at"] <= verified_at
    assert restamped not in {r.path for r in rounds["again"]["requests"]}


def test_demo_generation_2_reports_the_round(rounds):
    """`govreports demo --generation 2` on the database of round 1: the replica comes back on the
    port that round used (found in --out), so the portal keeps its URLs."""
    db = rounds["out"] / "round1.db"
    result = CliRunner().invoke(demo, ["--db", str(db), "--out", str(rounds["out"] / "gen1"), "--generation", "2"])
    assert result.exit_code == 0, result.output
    # 224 unchanged: 222 reports and the 2 pages of the column that are no report
    assert ("This run (publication round 2): new 5, changed 2, unchanged 224 (0 not requested, 223 not modified), "
            "vanished 1;") in result.output
    runs = sqlite3.connect(db).execute(
        "SELECT reports_new, reports_changed, reports_unchanged, reports_vanished FROM crawl_runs ORDER BY id")
    assert runs.fetchall() == [(227, 0, 0, 0), (5, 2, 224, 1)]


def test_reparse_rewrites_what_the_parser_now_reads_otherwise(rounds, tmp_path):
    db_path = tmp_path / "copy.db"
    backup(rounds["db"], db_path)
    db = sqlite3.connect(db_path)
    # A report parsed by an older parser (its record differs), and a page whose parse had failed.
    outdated, lost = db.execute("SELECT id, source FROM reports WHERE current = 1 ORDER BY id LIMIT 2").fetchall()
    db.execute("UPDATE reports SET record_sha256 = 'old parser' WHERE id = ?", [outdated[0]])
    db.execute("DELETE FROM cells WHERE report_id = ?", [lost[0]])
    db.execute("DELETE FROM reports WHERE id = ?", [lost[0]])
    db.commit()
    documents = db.execute("SELECT count(*) FROM documents").fetchone()[0]
    db.close()

    result = CliRunner().invoke(reparse, ["--db", str(db_path), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert f"Re-parsed {documents} documents" in result.output
    assert f"reparsed 1, unchanged {documents - 2}, new 1, changed 0, failed 0" in result.output
    assert "reparsed  " in result.output and outdated[1] in result.output and lost[1] in result.output
    db = sqlite3.connect(db_path)
    assert db.execute("SELECT count(*) FROM reports WHERE record_sha256 = 'old parser'").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM reports").fetchone() == (documents,)


def test_vanished_takes_a_gone_page_or_two_listings_in_a_row_and_other_sites_are_left_alone(tmp_path):
    import store
    from parsers.record import parse_document
    from tests.conftest import SEEDS

    db = store.open_db(tmp_path / "reports.db")
    seeds = sorted(SEEDS.glob("*.txt"))[:4]
    urls = [f"http://127.0.0.2/{index}.html" for index in range(4)]
    for index, (path, url) in enumerate(zip(seeds, urls)):
        data = path.read_bytes()
        digest = store.save_document(db, data, url=url, site="a" if index < 3 else "b")
        store.save_report(db, parse_document(data, url), digest)

    def marks():
        return {row["source"]: (row["missed_at"], row["vanished_at"]) for row in db["reports"].rows}

    # 1 is unlisted but still served, 2 answered 404: only 2 is gone at once
    assert store.mark_vanished(db, "a", {urls[0]}, {urls[2]}, "2025-01-01") == (1, 0)
    assert marks() == {urls[0]: (None, None), urls[1]: ("2025-01-01", None), urls[2]: (None, "2025-01-01"),
                       urls[3]: (None, None)}
    # the next complete listing misses 1 again: now it is vanished, when first missed stays known
    assert store.mark_vanished(db, "a", {urls[0]}, set(), "2025-02-01") == (1, 0)
    assert marks()[urls[1]] == ("2025-01-01", "2025-02-01")
    assert store.mark_vanished(db, "a", {urls[0]}, set(), "2025-03-01") == (0, 0)  # marked once
    assert marks()[urls[3]] == (None, None)  # b: not a's
    assert store.mark_vanished(db, "a", set(urls[:3]), set(), "2025-04-01") == (0, 2)  # listed again
    assert set(marks().values()) == {(None, None)}
    # listed in between: the count of listings in a row starts again
    assert store.mark_vanished(db, "a", {urls[0]}, set(), "2025-05-01") == (0, 0)
    assert store.mark_vanished(db, "a", set(urls[:3]), set(), "2025-06-01") == (0, 0)
    assert store.mark_vanished(db, "a", {urls[0]}, set(), "2025-07-01") == (0, 0)
    assert marks()[urls[1]] == ("2025-07-01", None)
