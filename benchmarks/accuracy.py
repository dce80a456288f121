"""`make accuracy`: score `govreports parse --json` against every gold file under tests/fixtures/.

Each folder under tests/fixtures/ is a set (see tests/fixtures/README.md). Per set it prints
reports, cells right, cells left out with a problem (the parser said it could not read them),
cells left out silently, wrong numbers (a stored value that differs from the gold one, or a
stored cell the gold record does not have), wrong numbers in reports with no problem at all
(the one failure that must never happen), and metadata fields right.

    python -m benchmarks.accuracy [--details] [--json output/accuracy.json] [FIXTURES_DIR]
"""
from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
FIGURE_TABLES = ("active", "applications", "review_litigation", "narrative")
METADATA = ("title", "agency", "year", "published_on", "template", "is_report")


@dataclass
class Score:
    reports: int = 0
    cells: int = 0
    right: int = 0
    left_out_named: int = 0
    left_out_silent: int = 0
    wrong: int = 0
    wrong_unflagged: int = 0
    metadata: int = 0
    metadata_right: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)


def fixtures(root: Path) -> dict[str, list[tuple[Path, dict]]]:
    """{set name: [(input path, gold JSON)]}, sets and inputs in name order."""
    sets: dict[str, list[tuple[Path, dict]]] = {}
    for gold_path in sorted(root.glob("*/*.gold.json")):
        stem = gold_path.name[: -len(".gold.json")]
        inputs = [p for p in gold_path.parent.glob(stem + ".*") if not p.name.endswith(".gold.json")]
        if len(inputs) != 1:
            raise SystemExit(f"{gold_path}: expected one input named {stem}.*, found {len(inputs)}")
        sets.setdefault(gold_path.parent.name, []).append((inputs[0], json.loads(gold_path.read_text("utf-8"))))
    return sets


def parse_all(paths: list[Path]) -> list[dict]:
    """One record per path, by the CLI itself (as a user runs it)."""
    command = [sys.executable, "-m", "govreports", "parse", "--json", *map(str, paths)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    records = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    if len(records) != len(paths):
        raise SystemExit(f"govreports parse gave {len(records)} records for {len(paths)} inputs:\n{done.stderr}")
    return records


def flat(record: dict) -> dict[tuple[str, str, str], float]:
    return {(table, row, column): value
            for table in FIGURE_TABLES
            for row, columns in (record.get(table) or {}).items()
            for column, value in (columns.items() if isinstance(columns, dict) else [("value", columns)])}


def score(name: str, gold: dict, parsed: dict) -> Score:
    result = Score(reports=1)
    expected, got = flat(gold), flat(parsed)
    flagged = bool(parsed.get("problems"))
    for key, value in expected.items():
        result.cells += 1
        if key not in got:
            if flagged:
                result.left_out_named += 1
            else:
                result.left_out_silent += 1
                result.misses.append(f"{name}: {'.'.join(key)} left out with no problem")
        elif math.isclose(got[key], value, abs_tol=1e-6):
            result.right += 1
        else:
            result.wrong += 1
            result.wrong_unflagged += not flagged
            result.misses.append(f"{name}: {'.'.join(key)} = {got[key]}, gold {value}")
    for key in got.keys() - expected.keys():
        result.wrong += 1
        result.wrong_unflagged += not flagged
        result.misses.append(f"{name}: {'.'.join(key)} = {got[key]}, not in the gold record")
    for key in METADATA:
        if key in gold:
            result.metadata += 1
            value = parsed.get(key, True if key == "is_report" else None)
            if value == gold[key]:
                result.metadata_right += 1
            else:
                result.misses.append(f"{name}: {key} = {value!r}, gold {gold[key]!r}")
    return result


def measure(root: Path = FIXTURES) -> dict[str, Score]:
    scores = {}
    for set_name, items in fixtures(root).items():
        records = parse_all([path for path, _ in items])
        total = Score()
        for (path, gold), parsed in zip(items, records):
            total.add(score(path.name, gold["record"], parsed))
        scores[set_name] = total
    return scores


def table(scores: dict[str, Score]) -> str:
    header = ("set", "reports", "cells", "right", "left out, named", "left out, silent", "wrong numbers",
              "wrong, no problem", "metadata right")
    rows = [header]
    for name, s in scores.items():
        rows.append((name, s.reports, s.cells, f"{s.right} ({s.right / max(s.cells, 1):.1%})", s.left_out_named,
                     s.left_out_silent, s.wrong, s.wrong_unflagged,
                     f"{s.metadata_right}/{s.metadata} ({s.metadata_right / max(s.metadata, 1):.0%})"))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header))]
    return "\n".join("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)) for row in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("fixtures", nargs="?", type=Path, default=FIXTURES)
    parser.add_argument("--details", action="store_true", help="list every cell and field that is not right")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    scores = measure(args.fixtures)
    print(table(scores))
    if args.details:
        for s in scores.values():
            print("\n".join(s.misses))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({name: {k: v for k, v in asdict(s).items() if k != "misses"}
                                         for name, s in scores.items()}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
