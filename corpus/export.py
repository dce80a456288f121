"""The corpus as files researchers open directly: wide tables, the long cells table, a data dictionary.

Each statutory table gets one wide table per template, one row per current report and one
column per cell (`new_received__natural_person`), led by the report's agency, region, year
and template. The 2019 and 2021 表二 are never merged: the 2021 format changed every
column, so figures under one name would not mean the same thing. The same SELECTs serve as
views in the database (for Datasette and SQL users), so files and views cannot drift apart.

Formats: CSV (UTF-8 with a byte-order mark, which Excel needs to show Chinese), Parquet
(typed, via pyarrow) and JSON Lines. Every exported column is named in
`data_dictionary.csv` / `data_dictionary.md` with its Chinese label and meaning.
"""
import csv
import json
from dataclasses import dataclass
from pathlib import Path

from corpus import labels as L
from corpus.problems import sql_kind

FORMATS = ("csv", "parquet", "jsonl")
ARROW_TYPES = {"integer": "int64", "number": "float64", "text": "string"}  # pyarrow type names
BATCH = 5000


@dataclass
class Column:
    name: str
    type: str       # integer | number | text
    label: str      # Chinese
    meaning: str


@dataclass
class Table:
    name: str
    description: str
    columns: list[Column]
    sql: str


def report_columns(names) -> list[Column]:
    return [Column(name, *L.REPORT_COLUMNS[name]) for name in names]


LEAD = ["report_id", "report_key", "agency", "province", "prefecture", "county", "division_code", "year",
        "template", "title", "published_on", "source", "problem_count"]
LEAD_SQL = """r.id AS report_id, r.report_key, r.agency, g.province, g.prefecture, g.county, g.division_code,
    r.year, r.template, r.title, r.published_on, r.source, r.problem_count"""
FROM_CURRENT = "FROM reports r LEFT JOIN agency_regions g ON g.agency = r.agency"


def tables(db) -> dict[str, Table]:
    """Every exportable table, by name: the wide ones, then reports, cells and problems."""
    found = {name: wide_table(db, statutory, template) for (statutory, template), name in L.WIDE_TABLES.items()}
    found["reports"] = reports_table()
    found["cells"] = cells_table()
    found["problems"] = problems_table()
    return found


TABLE_NAMES = [*L.WIDE_TABLES.values(), "reports", "cells", "problems"]


def wide_table(db, statutory: str, template: str) -> Table:
    cells = L.layout(statutory, template)
    cells += sorted(set(extra_cells(db, statutory, template)) - set(cells))
    columns = report_columns(LEAD) + [
        Column(L.column_name(statutory, row, col), "number",
               f"{L.TABLE_TITLES[statutory]} · {L.cell_label(statutory, row, col)}", L.cell_meaning(statutory, row, col))
        for row, col in cells]
    pivots = ",\n    ".join(
        f"max(CASE WHEN c.row_key = {_quote(row)} AND c.col_key = {_quote(col)} THEN c.value END) "
        f"AS {_name(L.column_name(statutory, row, col))}" for row, col in cells)
    sql = (f"SELECT {LEAD_SQL},\n    {pivots}\n{FROM_CURRENT}\n"
           f"LEFT JOIN cells c ON c.report_id = r.id AND c.table_name = {_quote(statutory)}\n"
           f"WHERE r.current = 1 AND r.template = {_quote(template)}\nGROUP BY r.id ORDER BY r.id")
    template_name = "before 2019" if template == "pre2019" else f"the {template} template"
    return Table(L.WIDE_TABLES[statutory, template],
                 f"{L.TABLE_TITLES[statutory]}: {L.TABLE_MEANINGS[statutory]}, reports in {template_name}; "
                 f"one row per report, one column per cell", columns, sql)


def extra_cells(db, statutory: str, template: str) -> list[tuple[str, str]]:
    """Cells the parser stored beyond the template's layout, so that no figure is lost in the wide table."""
    return [tuple(row) for row in db.execute(
        "SELECT DISTINCT c.row_key, c.col_key FROM cells c JOIN reports r ON r.id = c.report_id "
        "WHERE r.current = 1 AND r.template = ? AND c.table_name = ?", [template, statutory])]


def reports_table() -> Table:
    columns = report_columns(LEAD) + [
        Column("encoding", "text", "编码", "the encoding the original bytes were decoded with"),
        Column("traditional", "integer", "繁体", "1 when the source was in Traditional characters and was converted"),
        Column("problems", "text", "问题", "JSON list of the report's own check failures and doubts, in words"),
        Column("text", "text", "正文", "the report's full text, Simplified, tables as `a | b |` rows"),
    ]
    sql = (f"SELECT {LEAD_SQL}, r.encoding, r.traditional, r.problems, r.text\n{FROM_CURRENT}\n"
           "WHERE r.current = 1 ORDER BY r.id")
    return Table("reports", "one row per report (its current version), with region and full text", columns, sql)


def cells_table() -> Table:
    columns = report_columns(["report_id", "report_key", "agency", "year", "template"]) + [
        Column("table_name", "text", "表", "active (表二), applications (表三), review_litigation (表四) or narrative"),
        Column("row_key", "text", "行", "the row's key (see the wide tables' columns for labels)"),
        Column("col_key", "text", "列", "the column's key; `value` for narrative figures"),
        Column("value", "number", "数值", "the figure; empty where the cell held no number"),
        Column("value_raw", "text", "原文", "the cell's text as printed"),
    ]
    sql = ("SELECT c.report_id, r.report_key, r.agency, r.year, r.template, c.table_name, c.row_key, c.col_key, "
           "c.value, c.value_raw\nFROM cells c JOIN reports r ON r.id = c.report_id\n"
           "WHERE r.current = 1 ORDER BY c.report_id, c.rowid")
    return Table("cells", "every cell of every current report, in long form", columns, sql)


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
           "FROM corpus_problems q JOIN reports r ON r.id = q.report_id WHERE r.current = 1\n"
           "ORDER BY report_id, origin DESC")
    return Table("problems", "every problem of every current report: its own checks and the corpus checks",
                 columns, sql)


def create_views(db) -> None:
    """The wide tables as views in the database, rebuilt from the current cells."""
    for (statutory, template), name in L.WIDE_TABLES.items():
        db.execute(f"DROP VIEW IF EXISTS {_name(name)}")
        db.execute(f"CREATE VIEW {_name(name)} AS {wide_table(db, statutory, template).sql}")


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
    names = [column.name for column in table.columns]
    writers = [WRITERS[fmt](out / f"{table.name}.{fmt}", table) for fmt in formats]
    cursor = db.execute(table.sql)
    while rows := cursor.fetchmany(BATCH):
        records = [dict(zip(names, row)) for row in rows]
        for writer in writers:
            writer.write(records)
        if progress:
            progress(len(records))
    return [writer.close() for writer in writers]


def plain(value):
    """12.0 -> 12: counts read as counts in CSV and JSON."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


class CsvWriter:
    def __init__(self, path: Path, table: Table):
        self.path, self.file = path, open(path, "w", encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.file)
        self.writer.writerow([column.name for column in table.columns])

    def write(self, records):
        self.writer.writerows([plain(value) for value in record.values()] for record in records)

    def close(self) -> Path:
        self.file.close()
        return self.path


class JsonlWriter:
    def __init__(self, path: Path, table: Table):
        self.path, self.file = path, open(path, "w", encoding="utf-8")

    def write(self, records):
        for record in records:
            self.file.write(json.dumps({key: plain(value) for key, value in record.items()}, ensure_ascii=False) + "\n")

    def close(self) -> Path:
        self.file.close()
        return self.path


class ParquetWriter:
    def __init__(self, path: Path, table: Table):
        import pyarrow as pa  # here, not at import: `govreports --help` need not load it
        import pyarrow.parquet as pq

        self.path = path
        self.table_of = pa.Table.from_pylist
        self.schema = pa.schema([(column.name, ARROW_TYPES[column.type]) for column in table.columns])
        self.writer = pq.ParquetWriter(path, self.schema)

    def write(self, records):
        self.writer.write_table(self.table_of(records, schema=self.schema))

    def close(self) -> Path:
        self.writer.close()
        return self.path


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


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _name(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _markdown(text: str) -> str:
    return text.replace("|", "\\|")
