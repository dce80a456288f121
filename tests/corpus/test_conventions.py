"""Data in the conventions analysts expect, in every place it is read from.

Counts are integers (956, not 956.0) in SQLite, in the views Datasette shows and in CSV,
JSON Lines and Parquet; only sums of money (万元) are real numbers. Booleans are booleans and
`problems` is a list in JSON Lines and Parquet. 表四 is one table across the years.
"""
import csv
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import store
from corpus import export
from corpus import labels as L
from govreports.cli import main
from tests.corpus.corpus_helpers import corpus_db, replica_documents


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("conventions")
    db = corpus_db(folder / "c.db", replica_documents(31, 40))
    out = folder / "out"
    result = CliRunner().invoke(main, ["export", "--db", str(folder / "c.db"), "--out", str(out),
                                       "--format", "csv", "--format", "parquet", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    return db, out


def amount_and_count(db):
    """(a wide table, an amount column, a count column) that hold values in this corpus."""
    for template in ("2021", "2019"):
        name = f"active_{template}"
        row = db.execute(f"SELECT fees__amount, rules__{'issued' if template == '2021' else 'new_made'} "
                         f"FROM {name} WHERE fees__amount IS NOT NULL").fetchone()
        if row:
            return name, "fees__amount", f"rules__{'issued' if template == '2021' else 'new_made'}"
    pytest.fail("no 表二 with a fee amount in the corpus")


def test_counts_are_stored_as_integers(corpus):
    db, _out = corpus
    kinds = dict(db.execute("SELECT typeof(value), count(*) FROM cells WHERE value IS NOT NULL "
                            "AND NOT (table_name = 'active' AND col_key = 'amount') GROUP BY 1").fetchall())
    assert set(kinds) == {"integer"} and kinds["integer"] > 1000


def test_views_show_counts_as_integers_and_amounts_as_reals(corpus):
    db, _out = corpus
    name, amount, count = amount_and_count(db)
    assert {row[0] for row in db.execute(f"SELECT typeof({count}) FROM {name} WHERE {count} IS NOT NULL")} == {"integer"}
    assert {row[0] for row in db.execute(f"SELECT typeof({amount}) FROM {name} WHERE {amount} IS NOT NULL")} == {"real"}
    assert {row[0] for row in db.execute(
        "SELECT typeof(new_received__total) FROM applications_2021 WHERE new_received__total IS NOT NULL")} == {"integer"}


def test_a_database_made_with_real_values_is_converted(tmp_path):
    db = store.open_db(tmp_path / "old.db")
    db["cells"].transform(types={"value": float})         # the schema before counts were integers
    db.execute("INSERT INTO documents (sha256, url) VALUES ('x', 'u')")
    db.execute("INSERT INTO reports (id, document_sha256, current) VALUES (1, 'x', 1)")
    db.execute("INSERT INTO cells (report_id, table_name, row_key, col_key, value) VALUES "
               "(1, 'applications', 'new_received', 'total', 956), (1, 'active', 'fees', 'amount', 12.5)")
    db.conn.commit()
    assert db.execute("SELECT value FROM cells ORDER BY rowid").fetchall() == [(956.0,), (12.5,)]
    db.close()
    reopened = store.open_db(tmp_path / "old.db")
    assert reopened.execute("SELECT value, typeof(value) FROM cells ORDER BY rowid").fetchall() == \
        [(956, "integer"), (12.5, "real")]
    assert reopened["cells"].indexes       # the indexes came along


def test_csv_writes_counts_without_a_fraction(corpus):
    db, out = corpus
    name, amount, count = amount_and_count(db)
    with open(out / f"{name}.csv", encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    counts = [row[count] for row in rows if row[count]]
    assert counts and all(value.lstrip("-").isdigit() for value in counts)
    assert all("." in row[amount] for row in rows if row[amount])
    expected = {row[0]: row[1] for row in db.execute(f"SELECT report_id, {count} FROM {name}")}
    assert {int(row["report_id"]): int(row[count]) if row[count] else None for row in rows} == expected


def test_parquet_types_follow_the_data_dictionary(corpus):
    db, out = corpus
    name, amount, count = amount_and_count(db)
    schema = pq.read_schema(out / f"{name}.parquet")
    assert str(schema.field(count).type) == "int64" and str(schema.field(amount).type) == "double"
    reports = pq.read_table(out / "reports.parquet")
    assert str(reports.schema.field("traditional").type) == "bool"
    assert pa.types.is_list(reports.schema.field("problems").type)
    stored = dict(db.execute("SELECT id, problems FROM reports WHERE current = 1").fetchall())
    assert {row["report_id"]: row["problems"] for row in reports.to_pylist()} == \
        {key: json.loads(value) for key, value in stored.items()}


def test_jsonl_has_booleans_lists_and_integers(corpus):
    db, out = corpus
    reports = [json.loads(line) for line in (out / "reports.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {type(row["traditional"]) for row in reports} == {bool}
    assert {type(row["problems"]) for row in reports} == {list}
    assert any(row["problems"] for row in reports)
    stored = dict(db.execute("SELECT id, traditional FROM reports WHERE current = 1").fetchall())
    assert {row["report_id"]: row["traditional"] for row in reports} == {k: bool(v) for k, v in stored.items()}
    applications = [json.loads(line) for line in (out / "applications_2021.jsonl").read_text(encoding="utf-8").splitlines()]
    values = [row["new_received__total"] for row in applications if row["new_received__total"] is not None]
    assert values and {type(value) for value in values} == {int}


def test_table_four_is_one_table_across_templates(corpus):
    db, out = corpus
    templates = {row[0] for row in db.execute("SELECT DISTINCT template FROM review_litigation")}
    assert templates == {"2019", "2021"}
    assert db.execute("SELECT count(*) FROM review_litigation").fetchone()[0] == \
        db.execute("SELECT count(*) FROM reports WHERE current = 1 AND template IN ('2019', '2021')").fetchone()[0]
    assert not {"review_litigation_2019", "review_litigation_2021"} & set(db.view_names())
    assert (out / "review_litigation.csv").exists()
    # 表二 and 表三 stay apart, by template
    assert {"active_2019", "active_2021", "applications_2019", "applications_2021"} <= set(db.view_names())


def test_a_count_with_a_fraction_is_refused_by_parquet_not_truncated(corpus, tmp_path):
    db, _out = corpus
    report = db.execute("SELECT id FROM reports WHERE current = 1 AND template = '2021'").fetchone()[0]
    copy = tmp_path / "copy.db"
    db.execute(f"VACUUM INTO '{copy}'")
    broken = store.open_db(copy)
    broken.execute("UPDATE cells SET value = 3.5 WHERE report_id = ? AND table_name = 'applications' "
                   "AND row_key = 'new_received' AND col_key = 'total'", [report])
    broken.conn.commit()
    with pytest.raises(export.ExportError, match=rf"new_received__total of report #{report} is 3.5"):
        export.export(broken, tmp_path / "out", names=["applications_2021"], formats=("parquet",))
    export.export(broken, tmp_path / "out", names=["applications_2021"], formats=("csv",))
    with open(tmp_path / "out" / "applications_2021.csv", encoding="utf-8-sig", newline="") as file:
        shown = {row["report_id"]: row["new_received__total"] for row in csv.DictReader(file)}
    assert shown[str(report)] == "3.5"


def test_data_dictionary_types(corpus):
    _db, out = corpus
    with open(out / "data_dictionary.csv", encoding="utf-8-sig", newline="") as file:
        types = {(row["table"], row["column"]): row["type"] for row in csv.DictReader(file)}
    assert {types[name, column] for (name, column) in types if name.startswith("active_") and
            column.endswith("__amount")} == {"number"}
    assert types["applications_2021", "new_received__total"] == "integer"
    assert set(L.WIDE_TABLES) <= {name for name, _ in types}
