"""Compare a parsed record with the truth the replica's generator wrote for it.

Two kinds of difference matter differently: a wrong number (the record says something the
report does not), and a figure left out with a problem saying so (the parser could not read
it safely). The first is a bug; the second is the parser keeping its promise.

`grade` compares a whole stored corpus with a replica round's truth (`govreports demo`, the
benchmark, the reliability harness).
"""
import json
from dataclasses import dataclass, field
from pathlib import Path

from corpus.scan_grading import SCANNED_KINDS, SCANNED_TABLES, ScanGrade
from parsers.record import FIGURE_TABLES as TABLES

COMPARED_KEYS = ("agency", "year", "published_on", "template", "is_report", "active", "applications",
                 "review_litigation", "narrative")


def differences(record: dict, truth: dict) -> list[str]:
    """One sentence per key (and per cell) where the record differs from the truth."""
    return [f"{path}: {got!r} != {expected!r}" for path, got, expected in _compare(record, truth)]


def wrong_values(record: dict, truth: dict) -> list[str]:
    """The differences that are not figures left out and accounted for by the record's problems."""
    accounted = any("left out" in problem or "not found" in problem for problem in record.get("problems", []))
    return [f"{path}: {got!r} != {expected!r}" for path, got, expected in _compare(record, truth)
            if not (accounted and got is None and "." in path)]


def _compare(record, truth):
    for key in COMPARED_KEYS:
        if key not in truth:
            continue
        expected, got = truth[key], record.get(key)
        if isinstance(expected, dict) and isinstance(got, dict):
            yield from _compare_table(key, got, expected)
        elif got != expected:
            yield key, got, expected


def _compare_table(name, got, expected):
    for row in sorted(set(got) | set(expected)):
        got_row, expected_row = got.get(row), expected.get(row)
        if not isinstance(expected_row, dict) or not isinstance(got_row, dict):
            if got_row != expected_row:
                yield f"{name}.{row}", got_row, expected_row
            continue
        for column in sorted(set(got_row) | set(expected_row)):
            if got_row.get(column) != expected_row.get(column):
                yield f"{name}.{row}.{column}", got_row.get(column), expected_row.get(column)


def stored_records(db, sources: set[str] | None = None) -> dict[str, dict]:
    """The current report of each source URL, as a record with SCHEMA.md's keys, rebuilt
    from `reports` and `cells` (a cell without a number is not in the record)."""
    records: dict[str, dict] = {}
    by_id: dict[int, dict] = {}
    for row in db["reports"].rows_where("current = 1"):
        if sources is not None and row["source"] not in sources:
            continue
        record = {key: row[key] for key in ("source", "title", "agency", "year", "published_on", "template", "encoding")}
        record |= {"traditional": bool(row["traditional"]), "problems": json.loads(row["problems"]),
                   "is_report": row.get("is_report") != 0}
        record |= {table: {} for table in TABLES}
        records[row["source"]] = by_id[row["id"]] = record
    for cell in db["cells"].rows_where("value is not null"):
        record = by_id.get(cell["report_id"])
        if record is None:
            continue
        if cell["table_name"] == "narrative":
            record["narrative"][cell["row_key"]] = cell["value"]
        else:
            record[cell["table_name"]].setdefault(cell["row_key"], {})[cell["col_key"]] = cell["value"]
    return records


@dataclass
class Grade:
    """How a crawled corpus compares with the replica's truth (generated reports only)."""

    total: int = 0
    matched: int = 0
    missing: list[str] = field(default_factory=list)
    left_out: dict[str, list[str]] = field(default_factory=dict)  # figures left out, each named in problems
    mismatched: dict[str, list[str]] = field(default_factory=dict)  # wrong numbers: parser bugs
    image_only: int = 0  # of the matched: scans, rightly stored without figures and with the problem
    not_reports: int = 0  # of the matched: pages that are no report, stored as such (is_report false)
    from_attachments: int = 0  # of the matched: figures read from a file the page links
    scans: ScanGrade = field(default_factory=ScanGrade)  # the scanned reports, cell by cell


IMAGE_ONLY_PROBLEM = "image-only"
NOT_A_REPORT_PROBLEM = "not an annual report"


def _image_only_errors(record: dict, expected: dict) -> list[str]:
    """A scan's truth names no figures: the record must hold none, and say why."""
    wrong = wrong_values(record, expected)  # agency, year, published_on: what the truth keeps
    wrong += [f"{table}: figures read from an image-only report" for table in TABLES if record.get(table)]
    if not any(IMAGE_ONLY_PROBLEM in problem for problem in record.get("problems", [])):
        wrong.append("problems: an image-only report not recorded as one")
    return wrong


def _not_a_report_errors(record: dict, expected: dict) -> list[str]:
    """A page the column lists that is no report: is_report false, no figures, a problem saying what it is."""
    wrong = wrong_values(record, expected)  # is_report and the empty figure tables
    if not any(NOT_A_REPORT_PROBLEM in problem for problem in record.get("problems", [])):
        wrong.append("problems: a page that is no report not recorded as one")
    return wrong


def grade(db, truth_path: Path) -> Grade:
    """Each generated report of the truth (matched by its page's URL) against the stored current
    report of that URL. Truth lines of kind 'image_only' expect no figures and the problem."""
    truth = [json.loads(line) for line in truth_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    generated = [t for t in truth if t.get("kind") != "seed"]
    records = stored_records(db, {t["url"] for t in generated})
    figures_from = dict(db.execute("SELECT source, figures_from FROM reports WHERE current = 1").fetchall())
    result = Grade(total=len(generated))
    for expected in generated:
        record = records.get(expected["url"])
        if record is None:
            result.missing.append(expected["url"])
        elif expected.get("kind") == "not_a_report":
            if wrong := _not_a_report_errors(record, expected):
                result.mismatched[expected["url"]] = wrong
            else:
                result.matched += 1
                result.not_reports += 1
        elif expected.get("kind") == "image_only":
            if wrong := _image_only_errors(record, expected):
                result.mismatched[expected["url"]] = wrong
            else:
                result.matched += 1
                result.image_only += 1
        elif expected.get("attachment_kind") in SCANNED_KINDS:  # OCR: wrong figures must be named
            if wrong := result.scans.add(record, expected) + [
                    found for found in wrong_values(record, expected) if not found.startswith(SCANNED_TABLES)]:
                result.mismatched[expected["url"]] = wrong
            elif found := differences(record, expected):
                result.left_out[expected["url"]] = found
            else:
                result.matched += 1
                result.from_attachments += 1
        elif wrong := wrong_values(record, expected):
            result.mismatched[expected["url"]] = wrong
        elif found := differences(record, expected):
            result.left_out[expected["url"]] = found
        else:
            result.matched += 1
            result.from_attachments += figures_from.get(expected["url"]) not in (None, expected["url"])
    return result
