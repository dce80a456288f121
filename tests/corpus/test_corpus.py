"""The research corpus on replica reports: exports round-trip, regions, and the checks across reports.

The cross-year checks need one agency reporting year after year with figures that agree, so
`series` takes the generator's truths for consecutive years, signs them by one agency (in
the three ways agencies sign: 长沙市雨花区民政局, 雨花区民政局, 湖南省长沙市雨花区民政局) and
chains them: last year's 结转下年度 becomes this year's 上年结转, documents in force follow
issues and repeals. Each check must stay silent on that series and fire when one figure of it
is changed.
"""
import csv
import json

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import store
from corpus import build, checks, export, overview, regions
from govreports.cli import main
from parsers import templates as T
from parsers.record import parse_document
from replica.generator import corpus as replica_corpus
from replica.generator import generate, render_html, traditional

AGENCY_FORMS = ["长沙市雨花区民政局", "雨花区民政局", "湖南省长沙市雨花区民政局"]
SERIES_YEARS = range(2017, 2025)
STYLES = ("trs", "hanweb", "generic")
SIX = T.APPLICANT_COLUMN_KEYS[:6]


# ---- building corpora ---------------------------------------------------------------------------

def clean_truth(year: int, seed: int) -> dict:
    """A generated report on `year` without planted blanks or wrong sums."""
    return next(truth for truth in generate(seed, 60, years=range(year, year + 1))
                if not truth["variant"]["blank"] and not truth["variant"]["inconsistent"])


def sign(truth: dict, agency: str) -> dict:
    truth.update(agency=agency, title=f"{agency}{truth['year']}年政府信息公开工作年度报告", region="湖南省")
    return truth


def series(years=SERIES_YEARS, seed=3) -> list[dict]:
    truths = [sign(clean_truth(year, seed + i), AGENCY_FORMS[i % 3]) for i, year in enumerate(years)]
    for last, this in zip(truths, truths[1:]):
        chain(last, this)
    return truths


def chain(last: dict, this: dict) -> None:
    """Make `this` year follow from `last`: 上年结转 = last 结转下年度; 现行有效 = last + 制发 − 废止."""
    if last["applications"] and this["applications"]:
        before, now = last["applications"], this["applications"]
        for column in SIX:
            now["carried_over"][column] = before["carried_forward"][column]
            deficit = now["carried_over"][column] - now["total_processed"][column] - now["carried_forward"][column]
            if deficit >= 0:
                now["carried_forward"][column] += deficit + 1
            now["new_received"][column] = (now["total_processed"][column] + now["carried_forward"][column]
                                            - now["carried_over"][column])
        for row in ("new_received", "carried_over", "carried_forward"):
            now[row]["total"] = sum(now[row][column] for column in SIX)
    if last["template"] == this["template"] == "2021":
        for row in ("rules", "normative_docs"):
            active = this["active"][row]
            active["in_force"] = last["active"][row]["in_force"] + active["issued"] - active["repealed"]


def html_of(truth: dict, index: int = 0) -> bytes:
    return render_html(truth, style=STYLES[index % 3], seed=truth["year"]).encode("utf-8")


def save(db, data: bytes, source: str):
    digest = store.save_document(db, data, url=source)
    parsed = parse_document(data, source)
    store.save_report(db, parsed, digest)
    return parsed


def corpus_db(path, documents) -> "store.sqlite_utils.Database":
    """A database holding `documents` [(source, bytes)], parsed, with its derived tables built."""
    db = store.open_db(path)
    for source, data in documents:
        save(db, data, source)
    build.refresh(db)
    return db


def series_documents(truths):
    return [(f"https://www.yuhua.gov.cn/xxgk/ndbg/{t['year']}.html", html_of(t, i)) for i, t in enumerate(truths)]


def report_id(db, agency_year_like: str) -> int:
    return db.execute("SELECT id FROM reports WHERE current = 1 AND report_key LIKE ?", [agency_year_like]).fetchone()[0]


def problems(db, check=None) -> list[dict]:
    rows = list(db["corpus_problems"].rows)
    return [row for row in rows if check is None or row["check"] == check]


# ---- the checks across reports --------------------------------------------------------------------

@pytest.fixture(scope="module")
def clean_series():
    return series()


def test_the_series_parses_as_one_agency_year_after_year(tmp_path, clean_series):
    db = corpus_db(tmp_path / "c.db", series_documents(clean_series))
    rows = list(db.query("SELECT agency, year FROM reports WHERE current = 1 ORDER BY year"))
    assert [(row["agency"], row["year"]) for row in rows] == [(t["agency"], t["year"]) for t in clean_series]
    identities = {checks.identity(row["agency"], db["agency_regions"].get(row["agency"])) for row in rows}
    assert len(identities) == 1


def test_checks_are_silent_on_a_clean_series(tmp_path, clean_series):
    db = corpus_db(tmp_path / "c.db", series_documents(clean_series))
    assert problems(db) == []


def test_carried_over_fires_on_a_planted_difference(tmp_path, clean_series):
    truths = json.loads(json.dumps(clean_series))
    planted = next(t for t in truths if t["year"] == 2021)
    apps = planted["applications"]
    for row, delta in (("carried_over", 2), ("new_received", -2)):   # the report itself still balances
        apps[row]["research"] += delta
        apps[row]["total"] += delta
    db = corpus_db(tmp_path / "c.db", series_documents(truths))
    found = problems(db)
    assert {row["check"] for row in found} == {"carried_over"}
    assert [row["report_id"] for row in found] == [report_id(db, f"%/{planted['year']}")]
    assert "科研机构" in found[0]["message"] and "2020" in found[0]["message"]


def test_in_force_fires_on_a_planted_difference(tmp_path, clean_series):
    truths = json.loads(json.dumps(clean_series))
    planted = truths[-1]     # a later year would inherit the wrong figure and fail too
    planted["active"]["normative_docs"]["in_force"] += 3
    db = corpus_db(tmp_path / "c.db", series_documents(truths))
    found = problems(db)
    assert {row["check"] for row in found} == {"in_force"}
    assert [row["report_id"] for row in found] == [report_id(db, f"%/{planted['year']}")]
    assert "规范性文件" in found[0]["message"]


def mirror_documents(truth):
    """One report as three portals serve it: UTF-8 TRS, GB18030 Hanweb, and a Traditional copy in Big5."""
    page = render_html(truth, style="generic", seed=1)
    return [
        ("https://www.yuhua.gov.cn/xxgk/ndbg/t20230120_1.html", render_html(truth, style="trs", seed=1).encode()),
        ("http://www.changsha.gov.cn/col/col123/art/2023/art_9.html",
         render_html(truth, style="hanweb", seed=2).encode("gb18030")),
        ("https://big5.yuhua.gov.cn/gate/big5/xxgk/ndbg/t20230120_1.html",
         traditional(page).encode("big5", errors="xmlcharrefreplace")),
    ]


def test_mirror_copies_are_recognised_as_one_report(tmp_path):
    truth = sign(clean_truth(2022, 5), AGENCY_FORMS[0])
    db = corpus_db(tmp_path / "c.db", mirror_documents(truth))
    groups = checks.mirror_groups(db)
    assert list(groups) == [f"{truth['agency']}/2022"]
    versions = groups[f"{truth['agency']}/2022"]
    assert len(versions) == 3 and sum(version["current"] for version in versions) == 1
    assert {version["encoding"] for version in versions} == {"utf-8", "gb18030", "big5"}
    assert any(version["traditional"] for version in versions)
    assert db.execute("SELECT count(*) FROM applications_2021").fetchone()[0] == 1
    assert problems(db) == []


def test_copies_that_disagree_are_flagged(tmp_path):
    truth = sign(clean_truth(2022, 5), AGENCY_FORMS[0])
    altered = json.loads(json.dumps(truth))
    altered["applications"]["disclosed"]["natural_person"] += 1
    altered["applications"]["disclosed"]["total"] += 1
    documents = mirror_documents(truth) + [("https://mirror.example.cn/ndbg/2022.html", html_of(altered))]
    db = corpus_db(tmp_path / "c.db", documents)
    found = problems(db, "copies_disagree")
    assert found and {row["report_id"] for row in found} == {report_id(db, f"{truth['agency']}/2022")}
    value = altered["applications"]["disclosed"]["natural_person"]
    assert all(f"applications/disclosed/natural_person {value} vs {value - 1}" in row["message"] for row in found)


def test_one_report_under_two_agency_names_is_a_duplicate(tmp_path):
    truth = sign(clean_truth(2022, 5), AGENCY_FORMS[0])
    renamed = sign(json.loads(json.dumps(truth)), "湖南省长沙市雨花区民政局")
    db = corpus_db(tmp_path / "c.db", [("https://a.example.cn/1.html", html_of(truth)),
                                       ("https://b.example.cn/1.html", html_of(renamed, 1))])
    found = problems(db)
    assert [row["check"] for row in found] == ["duplicate_report"]
    assert found[0]["report_id"] == report_id(db, "湖南省%/2022")


def test_near_identical_text_across_years_is_flagged(tmp_path, clean_series):
    documents = series_documents(clean_series[:-1])        # 2017 … 2023
    source, page = documents[-1]
    copied = page.decode().replace("2024", "2025").replace("2023", "2024").encode()
    db = corpus_db(tmp_path / "c.db", documents + [(source.replace("2023", "2024"), copied)])
    found = problems(db, "near_identical_text")
    assert [row["report_id"] for row in found] == [report_id(db, "%/2024")]
    assert f"#{report_id(db, '%/2023')}" in found[0]["message"]


def test_checks_table_is_rebuilt_each_run(tmp_path, clean_series):
    truths = json.loads(json.dumps(clean_series))
    truths[-1]["active"]["rules"]["in_force"] += 1
    db = corpus_db(tmp_path / "c.db", series_documents(truths))
    assert len(problems(db)) == 1
    checks.run(db)
    assert len(problems(db)) == 1


# ---- regions --------------------------------------------------------------------------------------

def test_regions_resolve_known_agencies():
    rows = {row["agency"]: row for row in regions.resolve({
        "长沙市雨花区民政局": [2022], "伊春市金林区教育局": [2012], "伊春市西林区民政局": [2015],
        "浙江省民政厅": [2020], "鼓楼区财政局": [2021]})}
    yuhua = rows["长沙市雨花区民政局"]
    assert (yuhua["province"], yuhua["prefecture"], yuhua["county"], yuhua["division_code"]) == \
        ("湖南省", "长沙市", "雨花区", "430111")
    # 金林区 was made in 2019: a report on 2012 signed with today's name still finds it.
    jinlin = rows["伊春市金林区教育局"]
    assert (jinlin["county"], jinlin["division_code"]) == ("金林区", "230751")
    assert "2024 table" in jinlin["method"] and "2012" in jinlin["method"]
    # 西林区 went into 金林区: a 2015 report keeps the code it had then.
    xilin = rows["伊春市西林区民政局"]
    assert (xilin["prefecture"], xilin["county"], xilin["division_code"]) == ("伊春市", "西林区", "230705")
    assert "renamed or merged" in xilin["method"]
    assert (rows["浙江省民政厅"]["province"], rows["浙江省民政厅"]["county"]) == ("浙江省", None)
    # 鼓楼区 is in four cities: not guessed.
    assert rows["鼓楼区财政局"]["method"] == regions.UNRESOLVED and rows["鼓楼区财政局"]["province"] is None


def test_unresolved_agencies_are_listed(tmp_path):
    truths = [sign(clean_truth(2021, 9), "鼓楼区财政局"), sign(clean_truth(2022, 9), AGENCY_FORMS[1])]
    truths[0]["variant"]["portal"]["name"] = "鼓楼区人民政府"     # its text never says which city
    db = corpus_db(tmp_path / "c.db", [(f"https://x.example.cn/{i}.html", html_of(t, i)) for i, t in enumerate(truths)])
    assert regions.unresolved(db) == ["鼓楼区财政局"]
    result = CliRunner().invoke(main, ["regions", "--db", str(tmp_path / "c.db")])
    assert result.exit_code == 0, result.output
    assert "1 of 2 agencies resolved" in result.output and "unresolved\t鼓楼区财政局" in result.output


def test_an_ambiguous_name_is_placed_by_the_reports_own_words(tmp_path):
    truth = sign(clean_truth(2021, 9), "鼓楼区财政局")
    truth["variant"]["portal"]["name"] = "南京市鼓楼区人民政府"   # 本报告电子版可在南京市鼓楼区人民政府门户网站…
    db = corpus_db(tmp_path / "c.db", [("https://www.gulou.gov.cn/1.html", html_of(truth))])
    row = db["agency_regions"].get("鼓楼区财政局")
    assert (row["province"], row["prefecture"], row["county"], row["division_code"]) == \
        ("江苏省", "南京市", "鼓楼区", "320106")
    assert "南京市鼓楼区" in row["method"]


# ---- exports --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A corpus of replica reports plus the clean series, exported in every format through the CLI."""
    folder = tmp_path_factory.mktemp("export")
    generated = list(replica_corpus(17, 45))
    documents = [(f"replica/{name}", data) for name, data, _truth in generated] + series_documents(series())
    db = corpus_db(folder / "corpus.db", documents)
    result = CliRunner().invoke(main, ["export", "--db", str(folder / "corpus.db"), "--out", str(folder / "out"),
                                       "--format", "csv", "--format", "parquet", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    return db, folder / "out", {truth["agency"]: truth["region"] for _name, _data, truth in generated}


def read_csv(path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def read_back(folder, name, fmt) -> list[dict]:
    """Rows of an exported file, figures as floats and empty cells as None, whatever the format."""
    if fmt == "parquet":
        return pq.read_table(folder / f"{name}.parquet").to_pylist()
    if fmt == "jsonl":
        return [json.loads(line) for line in (folder / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]
    return [{key: (value if value != "" else None) for key, value in row.items()}
            for row in read_csv(folder / f"{name}.csv")]


WIDE = [(name, statutory, templates) for name, (statutory, templates) in export.L.WIDE_TABLES.items()]


def cell_column(table, row, column):
    return row if table == "narrative" else f"{row}__{column}"


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
@pytest.mark.parametrize("name,table,templates", WIDE)
def test_wide_exports_read_back_equal_the_database(exported, fmt, name, table, templates):
    db, folder, _regions = exported
    rows = read_back(folder, name, fmt)
    expected_ids = [row[0] for row in db.execute(
        "SELECT id FROM reports WHERE current = 1 AND template IN (SELECT value FROM json_each(?)) ORDER BY id",
        [json.dumps(templates)])]
    assert [int(row["report_id"]) for row in rows] == expected_ids and expected_ids
    expected = {(report, cell_column(table, row, column)): value for report, row, column, value in db.execute(
        "SELECT c.report_id, c.row_key, c.col_key, c.value FROM cells c JOIN reports r ON r.id = c.report_id "
        "WHERE r.current = 1 AND r.template IN (SELECT value FROM json_each(?)) AND c.table_name = ? "
        "AND c.value IS NOT NULL", [json.dumps(templates), table])}
    lead = set(export.LEAD)
    got = {(int(row["report_id"]), column): float(value)
           for row in rows for column, value in row.items() if column not in lead and value is not None}
    assert got == expected
    places = {row["agency"]: row for row in db["agency_regions"].rows}
    for row in rows:
        report = db["reports"].get(int(row["report_id"]))
        assert (row["agency"], int(row["year"]), row["template"]) == (report["agency"], report["year"], report["template"])
        assert report["template"] in templates
        assert row["province"] == places[report["agency"]]["province"]
        assert row["division_code"] == places[report["agency"]]["division_code"]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_long_cells_and_reports_read_back_equal_the_database(exported, fmt):
    db, folder, _regions = exported

    def number(value):
        return None if value is None else float(value)
    cells = sorted((int(r["report_id"]), r["table_name"], r["row_key"], r["col_key"], number(r["value"]),
                    r["value_raw"] or "") for r in read_back(folder, "cells", fmt))
    expected = sorted((row[0], row[1], row[2], row[3], row[4], row[5] or "") for row in db.execute(
        "SELECT c.report_id, c.table_name, c.row_key, c.col_key, c.value, c.value_raw FROM cells c "
        "JOIN reports r ON r.id = c.report_id WHERE r.current = 1"))
    assert cells == expected and cells
    texts = {int(r["report_id"]): r["text"] for r in read_back(folder, "reports", fmt)}
    assert texts == dict(db.execute("SELECT id, text FROM reports WHERE current = 1").fetchall())


def test_problems_export_holds_every_problem(exported):
    db, folder, _regions = exported
    rows = read_csv(folder / "problems.csv")
    own = sum(len(json.loads(p)) for (p,) in db.execute("SELECT problems FROM reports WHERE current = 1"))
    assert len([r for r in rows if r["origin"] == "report"]) == own
    assert sorted((int(r["report_id"]), r["kind"], r["message"]) for r in rows if r["origin"] == "corpus") == \
        sorted((r["report_id"], r["check"], r["message"]) for r in db["corpus_problems"].rows)


def test_2019_and_2021_table_two_are_not_merged(exported):
    _db, folder, _regions = exported
    columns = {template: set(read_csv(folder / f"active_{template}.csv")[0]) for template in ("2019", "2021")}
    for template, other in (("2019", "2021"), ("2021", "2019")):
        own = {f"{row}__{column}" for row, cols in T.ACTIVE_LAYOUT[template].items() for column in cols}
        theirs = {f"{row}__{column}" for row, cols in T.ACTIVE_LAYOUT[other].items() for column in cols}
        assert own <= columns[template]
        assert not (theirs - own) & columns[template]


def test_data_dictionary_names_every_exported_column(exported):
    _db, folder, _regions = exported
    dictionary = {(row["table"], row["column"]): row for row in read_csv(folder / "data_dictionary.csv")}
    markdown = (folder / "data_dictionary.md").read_text(encoding="utf-8")
    for path in sorted(folder.glob("*.csv")):
        if path.stem == "data_dictionary":
            continue
        with open(path, encoding="utf-8-sig", newline="") as file:
            header = next(csv.reader(file))
        section = markdown.split(f"## {path.stem}\n", 1)[1].split("\n## ", 1)[0]
        for column in header:
            entry = dictionary[path.stem, column]
            assert entry["label"] and entry["meaning"] and entry["type"] in export.ARROW_TYPES
            assert f"`{column}`" in section
    assert dictionary["applications_2021", "new_received__natural_person"]["label"].endswith(
        T.APPLICATION_LABELS["new_received"] + " · " + T.APPLICANT_LABELS["natural_person"])


def test_regions_cover_the_generated_corpus(exported):
    db, _folder, truth_regions = exported
    rows = [row for row in db["agency_regions"].rows if row["agency"] in truth_regions]
    resolved = [row for row in rows if row["method"] != regions.UNRESOLVED]
    assert len(resolved) >= 0.8 * len(rows)
    assert all(row["province"] == truth_regions[row["agency"]] for row in resolved)


# ---- the other commands ---------------------------------------------------------------------------

def test_checks_command_counts_what_the_table_holds(exported):
    db, folder, _regions = exported
    result = CliRunner().invoke(main, ["checks", "--db", str(folder.parent / "corpus.db")])
    assert result.exit_code == 0, result.output
    counts = dict(db.execute('SELECT "check", count(DISTINCT report_id) FROM corpus_problems GROUP BY 1').fetchall())
    for check in checks.CHECKS:
        assert f"{check}\t{counts.get(check, 0)} reports\t" in result.output
    assert f"{len(checks.mirror_groups(db))} reports were read from more than one copy" in result.output


def test_report_command_writes_the_page(exported, tmp_path):
    _db, folder, _regions = exported
    out = tmp_path / "site" / "report.html"
    result = CliRunner().invoke(main, ["report", "--db", str(folder.parent / "corpus.db"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {out}\n"      # no progress output without a terminal
    assert all(f'<section id="{section}">' in out.read_text(encoding="utf-8") for section in overview.SECTIONS)


def test_coverage_says_when_there_is_no_crawl_data(tmp_path):
    db = corpus_db(tmp_path / "c.db", [(f"files/{name}", data) for name, data, _truth in replica_corpus(5, 3)])
    page = overview.coverage_html(db, overview.load_registry())
    assert "No crawl data: the 3 documents" in page
