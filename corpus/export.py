"""The corpus as files researchers open directly: wide tables, the long cells table, a data dictionary.

Each statutory table gets a wide table, one row per current report and one column per cell
(`new_received__natural_person`), led by the report's agency, region, year and template.
表四 is one table across the years; the 2019 and 2021 表二 are never merged (the 2021 format
changed every column, so figures under one name would not mean the same thing), nor are the
two 表三, whose 其他处理 rows differ. The same SELECTs serve as
views in the database (for Datasette and SQL users), so files and views cannot drift apart.

Formats: CSV (UTF-8 with a byte-order mark, which Excel needs to show Chinese), Parquet
(typed, via pyarrow) and JSON Lines. Every column has a type and every format keeps it:
counts are integers (`956`, not `956.0`), only sums of money (万元) are real numbers,
`traditional` is a boolean and `problems` a list of sentences. Every exported column is named in
`data_dictionary.csv` / `data_dictionary.md` with its Chinese label and meaning.
"""
import csv
import json
from dataclasses import dataclass
from pathlib import Path

from corpus import labels as L
from corpus.problems import sql_kind

FORMATS = ("csv", "parquet", "jsonl")
# pyarrow type names, turned into types when Parquet is written (pyarrow is imported only then)
ARROW_TYPES = {"integer": "int64", "number": "float64", "figure": "float64", "text": "string", "boolean": "bool_",
               "list": "list"}  # of strings
BATCH = 5000


@dataclass
class Column:
    name: str
    type: str       # integer | number | figure (either, as stored) | text | boolean | list (of text, JSON in SQLite)
    label: str      # Chinese
    meaning: str


@dataclass
class Table:
    name: str
    description: str
    columns: list[Column]
    sql: str        # without ORDER BY: a view's body (SQLite cannot flatten an ordered view into a count)
    order_by: str

    @property
    def query(self) -> str:
        return f"{self.sql}\nORDER BY {self.order_by}"


def report_columns(names) -> list[Column]:
    return [Column(name, *L.REPORT_COLUMNS[name]) for name in names]


LEAD = ["report_id", "report_key", "agency", "province", "prefecture", "county", "division_code", "year",
        "template", "title", "published_on", "source", "problem_count"]
LEAD_SQL = """r.id AS report_id, r.report_key, r.agency, g.province, g.prefecture, g.county, g.division_code,
    r.year, r.template, r.title, r.published_on, r.source, r.problem_count"""
FROM_CURRENT = "FROM reports r LEFT JOIN agency_regions g ON g.agency = r.agency"


def tables(db) -> dict[str, Table]:
    """Every exportable table, by name: the wide ones, then reports, cells and problems."""
    found = {name: wide_table(db, name) for name in L.WIDE_TABLES}
    found["reports"] = reports_table()
    found["cells"] = cells_table()
    found["problems"] = problems_table()
    return found


TABLE_NAMES = [*L.WIDE_TABLES, "reports", "cells", "problems"]


def wide_table(db, name: str) -> Table:
    statutory, templates = L.WIDE_TABLES[name]
    cells = L.layout(statutory, templates)
    cells += sorted(set(extra_cells(db, statutory, templates)) - set(cells))
    columns = report_columns(LEAD) + [
        Column(L.column_name(statutory, row, col), "number" if L.is_amount(statutory, col) else "integer",
               f"{L.TABLE_TITLES[statutory]} · {L.cell_label(statutory, row, col)}", L.cell_meaning(statutory, row, col))
        for row, col in cells]
    pivots = ",\n    ".join(f"{pivot(statutory, row, col)} AS {_name(L.column_name(statutory, row, col))}"
                              for row, col in cells)
    sql = (f"SELECT {LEAD_SQL},\n    {pivots}\n{FROM_CURRENT}\n"
           f"WHERE r.current = 1 AND r.template IN ({', '.join(map(_quote, templates))})")
    names = " and ".join("before 2019" if t == "pre2019" else f"the {t} template" for t in templates)
    return Table(name, f"{L.TABLE_TITLES[statutory]}: {L.TABLE_MEANINGS[statutory]}, reports in {names}; "
                       f"one row per report, one column per cell", columns, sql, "r.id")


def pivot(statutory: str, row: str, col: str) -> str:
    """One cell of a report as a column: an amount as a real number, a count as the integer it is stored as.

    An index lookup per cell rather than one GROUP BY over all cells: a page of a
    wide view, its row count and its facets then read only what they show, not the whole corpus.
    """
    value = (f"(SELECT max(c.value) FROM cells c WHERE c.report_id = r.id AND c.table_name = {_quote(statutory)} "
             f"AND c.row_key = {_quote(row)} AND c.col_key = {_quote(col)})")
    return f"CAST({value} AS REAL)" if L.is_amount(statutory, col) else value


def extra_cells(db, statutory: str, templates: tuple[str, ...]) -> list[tuple[str, str]]:
    """Cells the parser stored beyond the template's layout, so that no figure is lost in the wide table."""
    return [tuple(row) for row in db.execute(
        "SELECT DISTINCT c.row_key, c.col_key FROM cells c JOIN reports r ON r.id = c.report_id "
        "WHERE r.current = 1 AND r.template IN (SELECT value FROM json_each(?)) AND c.table_name = ?",
        [json.dumps(templates), statutory])]


def reports_table() -> Table:
    columns = report_columns(LEAD) + [
        Column("encoding", "text", "编码", "the encoding the original bytes were decoded with"),
        Column("traditional", "boolean", "繁体", "true when the source was in Traditional characters and was converted"),
        Column("is_report", "boolean", "是否年报",
               "false for a page a 年报 column lists that is no annual report (a notice, a 自查报告, a list of reports)"),
        Column("problems", "list", "问题", "the report's own check failures and doubts, in words (a JSON list in "
                                         "CSV and SQLite)"),
        Column("text", "text", "正文", "the report's full text, Simplified, tables as `a | b |` rows"),
    ]
    sql = (f"SELECT {LEAD_SQL}, r.encoding, r.traditional, r.is_report, r.problems, r.text\n{FROM_CURRENT}\n"
           "WHERE r.current = 1")
    return Table("reports", "one row per report (its current version), with region and full text", columns, sql,
                 "r.id")


def cells_table() -> Table:
    columns = report_columns(["report_id", "report_key", "agency", "year", "template"]) + [
        Column("table_name", "text", "表", "active (表二), applications (表三), review_litigation (表四) or narrative"),
        Column("row_key", "text", "行", "the row's key (see the wide tables' columns for labels)"),
        Column("col_key", "text", "列", "the column's key; `value` for narrative figures"),
        Column("value", "figure", "数值", "the figure: an integer for counts, a real number for amounts (万元; "
                                         "Parquet holds the column as real numbers); empty where the cell held no number"),
        Column("value_raw", "text", "原文", "the cell's text as printed"),
    ]
    sql = ("SELECT c.report_id, r.report_key, r.agency, r.year, r.template, c.table_name, c.row_key, c.col_key, "
           f"{value_as_stored()} AS value, c.value_raw\nFROM cells c JOIN reports r ON r.id = c.report_id\n"
           "WHERE r.current = 1")
    return Table("cells", "every cell of every current report, in long form", columns, sql, "c.report_id, c.rowid")


def problems_table() -> Table:
    columns = report_columns(["report_id", "report_key", "agency", "year"]) + [
        Column("origin", "text", "来源", "report: a check of the report itself; corpus: a check across reports"),
        Column("kind", "text", "类别", "the kind of problem (report) or the name of the corpus check"),
        Column("message", "text", "说明", "the problem in words"),
    ]
    sql = (f"SELECT r.id AS report_id, r.report_key, r.agency, r.year, 'report' AS origin, "
           f"{sql_kind('p.value')} AS kind, p.value AS message\n"
           "FROM reports r, json_each(r.problems) p WHERE r.current = 1\nUNION ALL\n"
           "SELECT r.id, r.report_key, r.agency, r.year, 'corpus', q.\"check\", q.message\n"
           "FROM corpus_problems q JOIN reports r ON r.id = q.report_id WHERE r.current = 1")
    return Table("problems", "every problem of every current report: its own checks and the corpus checks",
                 columns, sql, "report_id, origin DESC")


INDEXES = {  # what the wide views, their facets and the canned queries look up
    "cells": [["report_id", "table_name", "row_key", "col_key", "value"],   # a report's cell
              ["table_name", "col_key", "report_id", "row_key", "value"]],  # one column of every report
    "reports": [["current", "template", "year", "agency"], ["current", "year"]],  # views' counts and facets
}


def create_indexes(db) -> None:
    for table, indexes in INDEXES.items():
        for columns in indexes:
            db[table].create_index(columns, if_not_exists=True)


def create_views(db) -> None:
    """The wide tables as views in the database, rebuilt from the current cells."""
    for name in L.RETIRED_VIEWS:
        db.execute(f"DROP VIEW IF EXISTS {_name(name)}")
    for name in L.WIDE_TABLES:
        db.execute(f"DROP VIEW IF EXISTS {_name(name)}")
        db.execute(f"CREATE VIEW {_name(name)} AS {wide_table(db, name).sql}")


def export(db, out: Path, *, names=TABLE_NAMES, formats=("csv",), progress=None) -> list[Path]:
    """Write each named table in each format, and the data dictionary; returns the files written.

    `progress(rows)` is called as rows are written.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    available = tables(db)
    chosen = [available[name] for name in names]
    written = []
    for table in chosen:
        written += write_table(db, table, out, formats, progress)
    written += write_dictionary(chosen, out)
    return written


def write_table(db, table: Table, out: Path, formats, progress=None) -> list[Path]:
    writers = [WRITERS[fmt](out / f"{table.name}.{fmt}", table) for fmt in formats]
    cursor = db.execute(table.query)
    while rows := cursor.fetchmany(BATCH):
        records = [typed(table, row) for row in rows]
        for writer in writers:
            writer.write(records)
        if progress:
            progress(len(records))
    return [writer.close() for writer in writers]


def typed(table: Table, row) -> dict:
    """A row as the values its columns' types say: SQLite's 0/1 as a boolean, a JSON list as a list."""
    return {column.name: CONVERT[column.type](value) if value is not None else None
            for column, value in zip(table.columns, row)}


def count(value):
    """A count as an integer; a fraction stays as it is, for the reader to see, never rounded."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


CONVERT = {"integer": count, "number": float, "figure": lambda value: value, "text": str, "boolean": bool, "list": json.loads}


class CsvWriter:
    def __init__(self, path: Path, table: Table):
        self.path, self.file = path, open(path, "w", encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.file)
        self.writer.writerow([column.name for column in table.columns])

    def write(self, records):
        self.writer.writerows([csv_value(value) for value in record.values()] for record in records)

    def close(self) -> Path:
        self.file.close()
        return self.path


def csv_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return value


class JsonlWriter:
    def __init__(self, path: Path, table: Table):
        self.path, self.file = path, open(path, "w", encoding="utf-8")

    def write(self, records):
        for record in records:
            self.file.write(json.dumps(record, ensure_ascii=False) + "\n")

    def close(self) -> Path:
        self.file.close()
        return self.path


class ParquetWriter:
    def __init__(self, path: Path, table: Table):
        import pyarrow as pa  # here, not at import: `govreports --help` need not load it
        import pyarrow.parquet as pq

        self.path, self.table = path, table
        self.table_of = pa.Table.from_pylist

        def arrow_type(name):
            return pa.list_(pa.string()) if name == "list" else getattr(pa, name)()
        self.schema = pa.schema([(column.name, arrow_type(ARROW_TYPES[column.type])) for column in table.columns])
        self.counts = [column.name for column in table.columns if column.type == "integer"]
        self.writer = pq.ParquetWriter(path, self.schema)

    def write(self, records):
        for record in records:   # pyarrow would truncate 3.5 to 3 without a word
            for name in self.counts:
                if isinstance(record[name], float):
                    self.writer.close()
                    raise ExportError(f"{self.table.name}.{name} of report #{record.get('report_id')} is "
                                      f"{record[name]}, not a count: Parquet cannot hold it as an integer "
                                      "(the CSV and JSON Lines exports show it as stored)")
        self.writer.write_table(self.table_of(records, schema=self.schema))

    def close(self) -> Path:
        self.writer.close()
        return self.path


class ExportError(ValueError):
    """A figure that cannot be written as its column's type (a count with a fraction)."""


WRITERS = {"csv": CsvWriter, "jsonl": JsonlWriter, "parquet": ParquetWriter}


def dictionary(chosen: list[Table]) -> list[dict]:
    return [{"table": table.name, "column": column.name, "type": column.type, "label": column.label,
             "meaning": column.meaning} for table in chosen for column in table.columns]


def write_dictionary(chosen: list[Table], out: Path) -> list[Path]:
    rows = dictionary(chosen)
    csv_path, md_path = out / "data_dictionary.csv", out / "data_dictionary.md"
    with open(csv_path, "w", encoding="utf-8-sig", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=["table", "column", "type", "label", "meaning"])
        writer.writeheader()
        writer.writerows(rows)
    lines = ["# Data dictionary", "",
             "CSV files are UTF-8 with a byte-order mark; an empty cell is a figure the report does not hold.", ""]
    for table in chosen:
        lines += [f"## {table.name}", "", table.description, "", "| column | type | label | meaning |",
                  "|---|---|---|---|"]
        lines += [f"| `{c.name}` | {c.type} | {_markdown(c.label)} | {_markdown(c.meaning)} |" for c in table.columns]
        lines.append("")
    md_path.write_text("\n".join(lines), encoding="utf-8")
    return [csv_path, md_path]


def value_as_stored() -> str:
    """cells.value with amounts as real numbers (NUMERIC storage keeps 3967.0 万元 as 3967)."""
    amounts = ", ".join(map(_quote, sorted(L.AMOUNT_COLUMNS)))
    return f"CASE WHEN c.table_name = 'active' AND c.col_key IN ({amounts}) THEN CAST(c.value AS REAL) ELSE c.value END"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _name(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _markdown(text: str) -> str:
    return text.replace("|", "\\|")
