"""The wide views in Datasette, seen in headless Chromium: counts shown as integers and amounts
as reals, the configured facets and no suggested ones (suggesting tried all 188 columns), a
page of 20 rows, and the index each cell of a view is looked up by."""
import json
import re
import urllib.request

import pytest

from corpus import datasette_metadata, export
from tests.corpus.corpus_helpers import corpus_db, replica_documents
from tests.corpus.test_serve import chromium, datasette


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("views")
    db = corpus_db(folder / "corpus.db", replica_documents(71, 70))
    with datasette(folder) as base:
        yield f"{base}/corpus", db


def cell_classes(dom: str, column: str) -> set[str]:
    return set(re.findall(rf'<td class="col-{re.escape(column)} (type-[a-z]+)">', dom))


def test_a_wide_view_shows_counts_as_integers(served, tmp_path):
    base, db = served
    dom = chromium(tmp_path, "--dump-dom", f"{base}/applications_2021")
    # A blank total the report left empty is shown empty (type-none), never as a real number.
    assert "type-int" in cell_classes(dom, "new_received__total") <= {"type-int", "type-none"}
    shown = re.findall(r'<td class="col-new_received__total type-int">(\d+)</td>', dom)
    expected = [row[0] for row in db.execute("SELECT new_received__total FROM applications_2021 LIMIT ?",
                                             [datasette_metadata.WIDE_PAGE_SIZE]) if row[0] is not None]
    assert [int(value) for value in shown] == expected and ".0<" not in dom.split("<tbody>")[1]
    with urllib.request.urlopen(f"{base}/applications_2021.json?_shape=array&new_received__total__notblank=1"
                                "&_size=5") as response:
        rows = json.load(response)
    assert rows and {type(row["new_received__total"]) for row in rows} == {int}


def test_amounts_are_reals(served, tmp_path):
    base, db = served
    name = next(name for name in ("active_2021", "active_2019")
                if db.execute(f"SELECT count(fees__amount) FROM {name}").fetchone()[0])
    with urllib.request.urlopen(f"{base}/{name}.json?_shape=array&fees__amount__notblank=1") as response:
        rows = json.load(response)
    assert rows and {type(row["fees__amount"]) for row in rows} == {float}


def test_wide_views_have_their_facets_and_suggest_none(served, tmp_path):
    base, db = served
    for name in ("applications_2021", "review_litigation"):
        dom = chromium(tmp_path, "--dump-dom", f"{base}/{name}")
        for facet in ["year", "province"] + (["template"] if name == "review_litigation" else []):
            assert f'data-column="{facet}"' in dom
        assert "Suggested facets" not in dom
        rows = len(re.findall(r'<td class="col-report_id type-int">', dom))
        total = db.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        assert rows == min(total, datasette_metadata.WIDE_PAGE_SIZE) and total > rows


def test_each_cell_of_a_wide_view_is_an_index_lookup(served):
    _base, db = served
    plan = [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {export.wide_table(db, 'applications_2021').sql}")]
    lookups = [step for step in plan if step.startswith("SEARCH c ")]
    assert len(lookups) == len(export.wide_table(db, "applications_2021").columns) - len(export.LEAD)
    assert all("USING COVERING INDEX" in step and "report_id=?" in step and "row_key=?" in step for step in lookups)
    assert not any(step.startswith("SCAN c") for step in plan)


def test_the_canned_queries_add_up_the_cells(served):
    base, db = served
    cells = {(row[0], row[1]): row[2] for row in db.execute(
        "SELECT c.report_id, c.table_name, c.value FROM cells c JOIN reports r ON r.id = c.report_id "
        "WHERE r.current = 1 AND ((c.table_name = 'applications' AND c.row_key = 'new_received' AND c.col_key = 'total')"
        " OR (c.table_name = 'narrative' AND c.row_key = 'applications_received'))")}
    years = dict(db.execute("SELECT id, year FROM reports WHERE current = 1 AND year IS NOT NULL").fetchall())
    expected = {}
    for report, year in years.items():
        value = cells.get((report, "applications"), cells.get((report, "narrative")))
        if value is not None:
            expected[year] = expected.get(year, 0) + value
    with urllib.request.urlopen(f"{base}/applications_by_year.json?_shape=array") as response:
        rows = json.load(response)
    assert {row["year"]: row["received"] for row in rows if row["received"] is not None} == expected
    assert sum(row["reports"] for row in rows) == len(years)
    with urllib.request.urlopen(f"{base}/outcomes_by_agency.json?_shape=array&agency=&year=") as response:
        agencies = {row["agency"]: row for row in json.load(response)}
    for agency, in db.execute("SELECT DISTINCT agency FROM reports WHERE current = 1 AND template IN ('2019', '2021')"):
        ids = [i for (i,) in db.execute("SELECT id FROM reports WHERE current = 1 AND agency = ?", [agency])]
        received = [cells[i, "applications"] for i in ids if (i, "applications") in cells]
        if received:
            assert agencies[agency]["received"] == sum(received)
