"""`govreports stats` and `govreports problems` on a real corpus database: every figure they
print is checked against the database, computed here another way (Python over the rows)."""
import json
from collections import Counter, defaultdict

import pytest
from click.testing import CliRunner

from corpus import stats
from corpus.problems import kind_of
from govreports.cli import main
from tests.corpus.corpus_helpers import corpus_db, replica_documents


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("stats") / "c.db"
    db = corpus_db(path, replica_documents(41, 60))
    # What a crawl leaves beside the reports (crawler/pipelines.py and extensions.py write these).
    db["blocked"].insert_all([
        {"url": "http://127.0.0.2:1/a.html", "site": "s", "status": 521, "kind": "jsl_clearance", "fetched_at": "t1"},
        {"url": "http://127.0.0.3:1/b.html", "site": "s", "status": 412, "kind": "ruishu", "fetched_at": "t2"}])
    db["crawl_runs"].insert({"id": 1, "started_at": "2026-01-01T00:00:00+00:00", "finish_reason": "finished",
                             "seconds": 8.0, "requests": 90, "reports_new": 60, "reports_changed": 0,
                             "reports_unchanged": 0, "reports_vanished": 0, "blocked": 2, "errors": 0}, pk="id")
    return path, db


def expected_problems(db) -> list[tuple[int, str, str]]:
    """(report id, kind, message) of every problem of a current report, from the rows themselves."""
    found = [(report_id, kind_of(message), message)
             for report_id, problems in db.execute("SELECT id, problems FROM reports WHERE current = 1")
             for message in json.loads(problems)]
    found += [(row["report_id"], row["check"], row["message"]) for row in db["corpus_problems"].rows]
    return found


def run(*args) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_stats_counts_what_the_database_holds(corpus):
    path, db = corpus
    found = json.loads(run("stats", "--db", str(path), "--json"))
    current = list(db.query("SELECT r.year, r.template, g.county, g.prefecture, g.province FROM reports r "
                            "LEFT JOIN agency_regions g ON g.agency = r.agency WHERE r.current = 1"))
    assert found["reports"] == len(current) == 60
    per_year = Counter(str(row["year"]) for row in current)
    assert {year: sum(levels.values()) for year, levels in found["by_year_and_level"].items()} == per_year
    levels = Counter("county" if row["county"] else "prefecture" if row["prefecture"] else
                     "province" if row["province"] else "unresolved" for row in current)
    assert sum((Counter(row) for row in found["by_year_and_level"].values()), Counter()) == levels
    assert found["templates"] == dict(Counter(row["template"] for row in current))
    problems = expected_problems(db)
    reports = defaultdict(set)
    for report_id, kind, _message in problems:
        reports[kind].add(report_id)
    assert {k["kind"]: (k["reports"], k["problems"]) for k in found["problems"]["kinds"]} == \
        {kind: (len(ids), sum(1 for p in problems if p[1] == kind)) for kind, ids in reports.items()}
    assert found["problems"]["reports_with_problems"] == len({p[0] for p in problems}) > 0
    assert found["blocked"]["pages"] == 2 and found["blocked"]["by_kind"] == {"jsl_clearance": 1, "ruishu": 1}
    assert [r["id"] for r in found["runs"]] == [1]


def test_stats_text_shows_the_same_figures(corpus):
    path, _db = corpus
    found = stats.summary(_db)
    text = run("stats", "--db", str(path))
    assert f"Reports: {found['reports']} current" in text
    total = [line for line in text.splitlines() if line.startswith("total ")][0]
    assert int(total.split()[-1]) == found["reports"]
    for kind in found["problems"]["kinds"]:
        assert f"  {kind['reports']:>7}  {kind['problems']:>8}  {kind['kind']}" in text
    assert "Blocked pages: 2 (recorded, not parsed)" in text and "HTTP 521  http://127.0.0.2:1/a.html" in text
    assert "#1  2026-01-01T00:00:00+00:00  finished, 8 s: 90 requests, new 60" in text


def test_problems_lists_every_report_with_problems_and_its_url(corpus):
    path, db = corpus
    listed = json.loads(run("problems", "--db", str(path), "--json"))
    problems = expected_problems(db)
    assert sorted((r["report_id"], p["kind"], p["message"]) for r in listed for p in r["problems"]) == sorted(problems)
    sources = dict(db.execute("SELECT id, source FROM reports").fetchall())
    assert all(report["source"] == sources[report["report_id"]] for report in listed)
    text = run("problems", "--db", str(path))
    for report in listed:
        assert f"#{report['report_id']}  {report['agency']}  {report['year']}  {report['template']}  " \
               f"{report['source']}" in text
        assert all(f"    {p['kind']}: {p['message']}" in text for p in report["problems"])
    assert text.rstrip().endswith(f"{len(listed)} reports, {len(problems)} problems")


def test_problems_filters_by_kind_year_and_agency(corpus):
    path, db = corpus
    problems = expected_problems(db)
    kind = Counter(kind for _id, kind, _message in problems).most_common(1)[0][0]
    years = dict(db.execute("SELECT id, year FROM reports").fetchall())
    agencies = dict(db.execute("SELECT id, agency FROM reports").fetchall())
    listed = json.loads(run("problems", "--db", str(path), "--kind", kind, "--json"))
    assert {r["report_id"] for r in listed} == {i for i, k, _m in problems if k == kind}
    assert {p["kind"] for r in listed for p in r["problems"]} == {kind}
    some = listed[0]
    by_year = json.loads(run("problems", "--db", str(path), "--year", str(some["year"]), "--json"))
    assert {r["report_id"] for r in by_year} == {i for i, _k, _m in problems if years[i] == some["year"]}
    word = some["agency"][:3]
    by_agency = json.loads(run("problems", "--db", str(path), "--agency", word, "--json"))
    assert {r["report_id"] for r in by_agency} == {i for i, _k, _m in problems if word in agencies[i]}
    none = run("problems", "--db", str(path), "--year", "1900")
    assert none.strip() == "0 reports, 0 problems"


def test_an_unknown_kind_is_a_usage_error(corpus):
    path, _db = corpus
    result = CliRunner().invoke(main, ["problems", "--db", str(path), "--kind", "no such kind"])
    assert result.exit_code == 2 and "no such kind" in result.output
