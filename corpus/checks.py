"""The checks that need the whole corpus, into `corpus_problems` (report_id, check, message).

A report can be right on its own and still contradict its neighbours: what it carried over
must be what last year's report carried forward, the documents in force must follow from
last year's and this year's issues and repeals, a copy of it on another site must say the
same, and its prose should not be last year's with the numbers changed (a fault the
regulators score). The table is rebuilt on every run; only current report versions count.

An agency is one agency across years when it resolves to the same division and names the
same body once the place names are taken off (雨花区民政局 = 长沙市雨花区民政局), so the
checks use `agency_regions` and fall back to the agency's own words when it is unresolved.
"""
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz import fuzz

from corpus import regions
from corpus.labels import ACTIVE_ROW_LABELS
from parsers import templates as T

CHECKS = {
    "carried_over": "表三 上年结转 differs from the same agency's 结转下年度 of the year before",
    "in_force": "表二 现行有效件数 differs from last year's plus this year's 制发 minus 废止 (2021 template)",
    "copies_disagree": "copies of one report (other URLs, encodings, Traditional mirrors) state other figures",
    "duplicate_report": "one report stored twice under different agency names: it would be counted twice",
    "near_identical_text": "the prose outside the tables repeats another year's report of the same agency",
}
# The same checks in a few words, for plot labels and cards.
CHECK_TITLES = {
    "carried_over": "上年结转 ≠ last year's 结转下年度",
    "in_force": "现行有效件数 ≠ last year's ± this year's",
    "copies_disagree": "copies of one report disagree",
    "duplicate_report": "one report stored under two names",
    "near_identical_text": "prose repeats another year's",
}
SIMILAR = 0.95          # prose this similar (rapidfuzz's normalized Indel similarity) is a copy
FINGERPRINT_CELLS = 10  # identical figures in at least this many cells make two reports one


@dataclass
class Report:
    id: int
    agency: str
    year: int | None
    template: str
    text: str
    identity: str
    source: str
    report_key: str
    cells: dict = field(default_factory=dict)   # (table, row, col) -> value

    @cached_property
    def prose(self) -> str:
        return prose(self.text, self.template)


def run(db) -> list[dict]:
    """Rebuild `corpus_problems` from the current reports; returns its rows."""
    regions.update(db)
    reports = current_reports(db)
    found = [*carried_over(reports), *in_force(reports), *copies_disagree(db, reports),
             *duplicate_reports(reports), *near_identical_text(reports)]
    with db.atomic():
        db["corpus_problems"].drop(ignore=True)
        db["corpus_problems"].create({"report_id": int, "check": str, "message": str},
                                     foreign_keys=[("report_id", "reports", "id")])
        db["corpus_problems"].insert_all(found)
        db["corpus_problems"].create_index(["report_id"])
    return found


def findings(db) -> dict[str, list[dict]]:
    """Each check's failures with the report behind them (id, agency, year, URL), in `CHECKS` order."""
    found = {check: [] for check in CHECKS}
    for row in db.query('SELECT q."check", q.report_id, r.agency, r.year, r.source, q.message FROM corpus_problems q '
                        "JOIN reports r ON r.id = q.report_id ORDER BY r.agency, r.year, q.report_id"):
        found[row["check"]].append(row)
    return found


def current_reports(db) -> list[Report]:
    places = {row["agency"]: row for row in db["agency_regions"].rows} if "agency_regions" in db.table_names() else {}
    reports = {row["id"]: Report(row["id"], row["agency"], row["year"], row["template"], row["text"] or "",
                                 identity(row["agency"], places.get(row["agency"])), row["source"], row["report_key"])
               for row in db.query("SELECT id, agency, year, template, text, source, report_key FROM reports "
                                   "WHERE current = 1 AND agency IS NOT NULL ORDER BY id")}
    for report_id, cells in cells_by_report(db, "current = 1").items():
        if report_id in reports:
            reports[report_id].cells = cells
    return list(reports.values())


def cells_by_report(db, where: str) -> dict[int, dict]:
    cells = defaultdict(dict)
    for row in db.execute(f"SELECT report_id, table_name, row_key, col_key, value FROM cells WHERE value IS NOT NULL "
                          f"AND report_id IN (SELECT id FROM reports WHERE {where})"):
        cells[row[0]][row[1:4]] = row[4]
    return cells


def identity(agency: str, place: dict | None) -> str:
    """`430111:民政局` for 长沙市雨花区民政局 and 雨花区民政局 alike; the agency itself when unresolved."""
    if not place or not place["division_code"]:
        return agency
    rest = agency
    for name in (place["province"], place["prefecture"], place["county"]):
        if name and rest.startswith(name):
            rest = rest[len(name):]
    return f"{place['division_code']}:{rest}"


def by_identity_year(reports: list[Report]) -> dict[tuple[str, int], list[Report]]:
    grouped = defaultdict(list)
    for report in reports:
        if report.year is not None:
            grouped[report.identity, report.year].append(report)
    return grouped


def consecutive(reports: list[Report], templates: tuple[str, ...]):
    """(last year's report, this year's report) of one agency, both in one of `templates`."""
    grouped = by_identity_year(reports)
    for (agency, year), this_year in grouped.items():
        for last in grouped.get((agency, year - 1), []):
            for this in this_year:
                if last.template in templates and this.template in templates:
                    yield last, this


def problem(report: Report, check: str, message: str) -> dict:
    return {"report_id": report.id, "check": check, "message": message}


def carried_over(reports: list[Report]) -> list[dict]:
    """表三: this year's 上年结转 equals last year's 结转下年度, per applicant column."""
    found = []
    for last, this in consecutive(reports, (T.TEMPLATE_2019, T.TEMPLATE_2021)):
        differ = []
        for column in T.APPLICANT_COLUMN_KEYS:
            over = this.cells.get(("applications", "carried_over", column))
            forward = last.cells.get(("applications", "carried_forward", column))
            if over is not None and forward is not None and over != forward:
                differ.append(f"{T.APPLICANT_LABELS[column]} {_n(over)} vs {_n(forward)}")
        if differ:
            found.append(problem(this, "carried_over",
                                 f"上年结转 differs from 结转下年度 of the {last.year} report (#{last.id}, {last.agency}): "
                                 + ", ".join(differ)))
    return found


def in_force(reports: list[Report]) -> list[dict]:
    """表二 (2021 template): in_force(y) = in_force(y-1) + issued(y) - repealed(y), for 规章 and 规范性文件."""
    found = []
    for last, this in consecutive(reports, (T.TEMPLATE_2021,)):
        for row in ("rules", "normative_docs"):
            now, before, issued, repealed = (
                report.cells.get(("active", row, column))
                for report, column in ((this, "in_force"), (last, "in_force"), (this, "issued"), (this, "repealed")))
            if None in (now, before, issued, repealed) or now == before + issued - repealed:
                continue
            found.append(problem(this, "in_force",
                                 f"{ACTIVE_ROW_LABELS[row]} 现行有效件数 {_n(now)}, "
                                 f"but the {last.year} report's {_n(before)} + 制发 {_n(issued)} − 废止 {_n(repealed)} "
                                 f"= {_n(before + issued - repealed)}"))
    return found


def mirror_groups(db) -> dict[str, list[dict]]:
    """Reports read from more than one copy: report_key -> its versions (current one first)."""
    groups = defaultdict(list)
    for row in db.query("SELECT id, report_key, source, encoding, traditional, current FROM reports WHERE report_key IN "
                        "(SELECT report_key FROM reports GROUP BY report_key HAVING count(*) > 1) "
                        "ORDER BY report_key, current DESC, id"):
        groups[row["report_key"]].append(row)
    return dict(groups)


def copies_disagree(db, reports: list[Report]) -> list[dict]:
    """Versions of one report (mirrors, re-publications) whose common cells differ from the current one."""
    current = {report.report_key: report for report in reports}
    older = cells_by_report(db, "current = 0")
    found = []
    for key, versions in mirror_groups(db).items():
        this = current.get(key)
        if this is None:
            continue
        for version in versions[1:]:
            cells = older.get(version["id"], {})
            differ = sorted(cell for cell in cells.keys() & this.cells.keys() if cells[cell] != this.cells[cell])
            if differ:
                shown = ", ".join(f"{'/'.join(cell)} {_n(this.cells[cell])} vs {_n(cells[cell])}" for cell in differ[:3])
                more = f" and {len(differ) - 3} more" if len(differ) > 3 else ""
                found.append(problem(this, "copies_disagree",
                                     f"copy #{version['id']} ({version['source']}) states other figures: {shown}{more}"))
    return found


def duplicate_reports(reports: list[Report]) -> list[dict]:
    """Current reports of one year that are one report: identical figures, or the same agency and prose."""
    found, seen = [], set()
    for group in _same_figures(reports) + _same_prose(reports):
        first, *others = sorted(group, key=lambda report: report.id)
        for other in others:
            if other.id not in seen:
                seen.add(other.id)
                found.append(problem(other, "duplicate_report",
                                     f"the same report as #{first.id} ({first.report_key}, {first.source}), "
                                     f"stored again as {other.report_key}"))
    return found


def _same_figures(reports: list[Report]) -> list[list[Report]]:
    groups = defaultdict(list)
    for report in reports:
        if len(report.cells) >= FINGERPRINT_CELLS:
            figures = repr(sorted(report.cells.items())).encode()
            groups[report.year, hashlib.sha256(figures).hexdigest()].append(report)
    return [group for group in groups.values() if len(group) > 1]


def _same_prose(reports: list[Report]) -> list[list[Report]]:
    pairs = []
    for same in by_identity_year(reports).values():
        pairs += [[a, b] for i, a in enumerate(same) for b in same[i + 1:] if similarity(a, b) >= SIMILAR]
    return pairs


def near_identical_text(reports: list[Report]) -> list[dict]:
    """Prose of one agency's reports on different years that is ≥ SIMILAR alike: flagged on the later one."""
    by_agency = defaultdict(list)
    for report in reports:
        if report.year is not None:
            by_agency[report.identity].append(report)
    found = []
    for same in by_agency.values():
        same.sort(key=lambda report: (report.year, report.id))
        for i, later in enumerate(same):
            for earlier in same[:i]:
                score = similarity(earlier, later) if earlier.year != later.year else 0
                if score >= SIMILAR:
                    found.append(problem(later, "near_identical_text",
                                         f"the prose outside the tables is {score:.0%} identical to the "
                                         f"{earlier.year} report (#{earlier.id})"))
    return found


_TABLES_START = re.compile(r"^二\s*[、.．]\s*主动公开政府信息情况")
_TABLES_END = re.compile(r"^五\s*[、.．]")
_TABLE_ROW = re.compile(r"[|\t]|\d[\d,.]*\s+[\d,.]+\s+\d")
_DIGITS = re.compile(r"\d[\d,.]*")
_SPACE = re.compile(r"\s+")


def prose(text: str, template: str) -> str:
    """The text outside the tables, figures masked: what an agency writes rather than counts.

    In template reports sections 二 to 四 are the tables; elsewhere table rows are told by
    pipes, tabs or runs of numbers.
    """
    kept, in_tables = [], False
    for line in text.splitlines():
        line = line.strip()
        if template in (T.TEMPLATE_2019, T.TEMPLATE_2021):
            if _TABLES_START.match(line):
                in_tables = True
            elif _TABLES_END.match(line):
                in_tables = False
        if not in_tables and not _TABLE_ROW.search(line):
            kept.append(line)
    return _SPACE.sub("", _DIGITS.sub("#", "".join(kept)))


def similarity(a: Report, b: Report) -> float:
    return fuzz.ratio(a.prose, b.prose, score_cutoff=SIMILAR * 100) / 100


def _n(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
