"""What a corpus database holds, at a glance: `govreports stats` and `govreports problems`.

The summary `govreports demo` prints after its crawl, for any database: reports per year and
agency level, templates, problems by kind, blocked pages, attachments and the last crawl runs.
Only current report versions count. The problem listing reads the same rows as the exported
`problems` table (export.problems_table), so the two never disagree.
"""
import json
from collections import Counter, defaultdict

import store
from corpus import checks, export
from corpus.problems import KINDS, OTHER

# An agency's level is the deepest division its name resolved to (agency_regions).
LEVELS = ["province", "prefecture", "county", "unresolved"]
LEVEL_SQL = """CASE WHEN g.county IS NOT NULL THEN 'county' WHEN g.prefecture IS NOT NULL THEN 'prefecture'
                    WHEN g.province IS NOT NULL THEN 'province' ELSE 'unresolved' END"""
PROBLEM_KINDS = [kind for kind, _words in KINDS] + [OTHER] + list(checks.CHECKS)
RUNS_SHOWN = 5
RUN_COLUMNS = ["id", "started_at", "finished_at", "finish_reason", "seconds", "requests", "reports_new",
               "reports_changed", "reports_unchanged", "reports_vanished", "blocked", "errors", "failed_sites"]


def summary(db) -> dict:
    """Everything `govreports stats` shows, as plain data (its --json)."""
    return {
        "reports": db.execute("SELECT count(*) FROM reports WHERE current = 1").fetchone()[0],
        "versions": db.execute("SELECT count(*) FROM reports").fetchone()[0],
        "vanished": db.execute("SELECT count(*) FROM reports WHERE current = 1 AND vanished_at IS NOT NULL"
                               ).fetchone()[0],
        "by_year_and_level": by_year_and_level(db),
        "templates": dict(db.execute("SELECT template, count(*) FROM reports WHERE current = 1 "
                                     "GROUP BY template ORDER BY count(*) DESC").fetchall()),
        "problems": problem_summary(db),
        "blocked": blocked(db),
        "attachments": attachments(db),
        "runs": last_runs(db),
    }


def by_year_and_level(db) -> dict:
    """{year: {level: reports}}; the year None sorts last as "unknown"."""
    table = defaultdict(dict)
    for year, level, count in db.execute(
            f"SELECT r.year, {LEVEL_SQL}, count(*) FROM reports r LEFT JOIN agency_regions g ON g.agency = r.agency "
            "WHERE r.current = 1 GROUP BY 1, 2 ORDER BY r.year IS NULL, r.year"):
        table["unknown" if year is None else year][level] = count
    return dict(table)


def problem_rows(db, *, kind=None, year=None, agency=None) -> list[dict]:
    """The exported `problems` rows (own checks and corpus checks) of current reports, filtered,
    each with its report's template and URL."""
    where, params = [], []
    for clause, value in (("p.kind = ?", kind), ("p.year = ?", year), ("instr(p.agency, ?) > 0", agency)):
        if value is not None:
            where.append(clause)
            params.append(value)
    sql = (f"SELECT p.*, r.template, r.source FROM ({export.problems_table().sql}) p "
           f"JOIN reports r ON r.id = p.report_id {'WHERE ' + ' AND '.join(where) if where else ''} "
           "ORDER BY p.report_id, p.origin DESC")
    return [dict(row) for row in db.query(sql, params)]


def problem_summary(db) -> dict:
    rows = problem_rows(db)
    reports = defaultdict(set)
    for row in rows:
        reports[row["kind"]].add(row["report_id"])
    counts = Counter(row["kind"] for row in rows)
    return {
        "reports_with_problems": len({row["report_id"] for row in rows}),
        "kinds": [{"kind": kind, "origin": "corpus" if kind in checks.CHECKS else "report",
                   "reports": len(reports[kind]), "problems": counts[kind]}
                  for kind in sorted(counts, key=lambda k: (-len(reports[k]), k))],
    }


def reports_with_problems(db, *, kind=None, year=None, agency=None) -> list[dict]:
    """One entry per report with problems (of `kind`, in `year`, of an agency naming `agency`):
    its id, agency, year, template, URL and every matching problem."""
    found = {}
    for row in problem_rows(db, kind=kind, year=year, agency=agency):
        report = found.setdefault(row["report_id"], {
            "report_id": row["report_id"], "agency": row["agency"], "year": row["year"],
            "template": row["template"], "source": row["source"], "problems": []})
        report["problems"].append({"origin": row["origin"], "kind": row["kind"], "message": row["message"]})
    return list(found.values())


def blocked(db) -> dict:
    if "blocked" not in db.table_names():
        return {"pages": 0, "by_kind": {}, "latest": []}
    return {
        "pages": db["blocked"].count,
        "by_kind": dict(db.execute("SELECT kind, count(*) FROM blocked GROUP BY kind ORDER BY count(*) DESC")
                        .fetchall()),
        "latest": [dict(row) for row in db.query(
            "SELECT kind, status, url, fetched_at FROM blocked ORDER BY fetched_at DESC LIMIT 10")],
    }


def attachments(db) -> dict:
    """The files current reports were put together with, by the type their bytes show."""
    from parsers.filetype import sniff

    files = db.execute("SELECT a.sha256, a.page_sha256 FROM attachments a "
                       "JOIN reports r ON r.document_sha256 = a.page_sha256 AND r.current = 1").fetchall()
    kinds = Counter(sniff(store.load_document(db, digest)) for digest in {digest for digest, _page in files})
    from_files = db.execute("SELECT count(*) FROM reports WHERE current = 1 AND figures_from IS NOT NULL "
                            "AND figures_from != source").fetchone()[0]
    return {"files": len({digest for digest, _page in files}), "pages": len({page for _digest, page in files}),
            "by_type": dict(kinds.most_common()), "reports_with_figures_from_a_file": from_files}


def last_runs(db) -> list[dict]:
    if "crawl_runs" not in db.table_names():
        return []
    present = [column for column in RUN_COLUMNS if column in db["crawl_runs"].columns_dict]
    return [dict(row) for row in db.query(
        f"SELECT {', '.join(present)} FROM crawl_runs ORDER BY id DESC LIMIT {RUNS_SHOWN}")]


# ---- as text ---------------------------------------------------------------------------------------

def render(found: dict) -> str:
    lines = [f"Reports: {found['reports']} current ({found['versions']} versions stored"
             + (f", {found['vanished']} vanished from their sites" if found["vanished"] else "") + ")", ""]
    lines += year_level_lines(found["by_year_and_level"])
    lines += ["", "Templates: " + ", ".join(f"{template} {n}" for template, n in found["templates"].items())]
    problems = found["problems"]
    lines += ["", f"Problems: {problems['reports_with_problems']} of {found['reports']} reports have some"]
    lines += ["  reports  problems  kind"] if problems["kinds"] else []
    lines += [f"  {kind['reports']:>7}  {kind['problems']:>8}  {kind['kind']}"
              + (f" (corpus check: {checks.CHECK_TITLES[kind['kind']]})" if kind["origin"] == "corpus" else "")
              for kind in problems["kinds"]]
    blocked_ = found["blocked"]
    lines += ["", f"Blocked pages: {blocked_['pages']} (recorded, not parsed)"
              + (": " + ", ".join(f"{kind} {n}" for kind, n in blocked_["by_kind"].items()) if blocked_["pages"] else "")]
    lines += [f"  {row['kind']:<14} HTTP {row['status']}  {row['url']}" for row in blocked_["latest"]]
    files = found["attachments"]
    lines += ["", f"Attachments: {files['files']} files linked by {files['pages']} report pages"
              + (", by their bytes " + ", ".join(f"{kind} {n}" for kind, n in files["by_type"].items())
                 if files["files"] else "")
              + f"; {files['reports_with_figures_from_a_file']} reports take their figures from a file"]
    lines += ["", "Last runs:" if found["runs"] else "Last runs: none (the reports were imported with `govreports parse`)"]
    lines += [run_line(run) for run in found["runs"]]
    return "\n".join(lines)


def year_level_lines(table: dict) -> list[str]:
    levels = [level for level in LEVELS if any(level in row for row in table.values())]
    lines = ["Reports per year and agency level",
             "year      " + "".join(f"{level:>12}" for level in levels) + f"{'total':>10}"]
    for year, row in table.items():
        lines.append(f"{year!s:<10}" + "".join(f"{row.get(level, 0):>12}" for level in levels)
                     + f"{sum(row.values()):>10}")
    totals = [sum(row.get(level, 0) for row in table.values()) for level in levels]
    lines.append("total     " + "".join(f"{n:>12}" for n in totals) + f"{sum(totals):>10}")
    return lines


def run_line(run: dict) -> str:
    seconds = f"{run['seconds']:.0f} s" if run.get("seconds") is not None else "unfinished"
    return (f"  #{run['id']}  {run['started_at']}  {run.get('finish_reason') or 'running or killed'}, {seconds}: "
            f"{run.get('requests') or 0} requests, new {run.get('reports_new') or 0}, "
            f"changed {run.get('reports_changed') or 0}, unchanged {run.get('reports_unchanged') or 0}, "
            f"vanished {run.get('reports_vanished') or 0}, blocked {run.get('blocked') or 0}, "
            f"errors {run.get('errors') or 0}" + (f", failed sites: {run['failed_sites']}" if run.get("failed_sites") else ""))


def problems_text(reports: list[dict]) -> str:
    lines = []
    for report in reports:
        lines.append(f"#{report['report_id']}  {report['agency']}  {report['year']}  {report['template']}  "
                     f"{report['source']}")
        lines += [f"    {problem['kind']}: {problem['message']}" for problem in report["problems"]]
    count = sum(len(report["problems"]) for report in reports)
    lines.append(f"{len(reports)} reports, {count} problems")
    return "\n".join(lines)


def as_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)
