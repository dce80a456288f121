"""`govreports crawl`, `govreports demo` and `govreports replica`.

Each crawl runs `scrapy crawl reports` in a child process (crawler.runner): a fresh Twisted
reactor every time.
"""
from __future__ import annotations

import json
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import click

from crawler import registry
from crawler.runner import LOCAL, UNTHROTTLED, replica_columns, run_crawl
from govreports.truth import differences, wrong_values
from parsers import store

DEFAULT_DB = "output/reports.db"
TABLES = ("active", "applications", "review_litigation", "narrative")


def last_run(db) -> dict | None:
    return next(db["crawl_runs"].rows_where(order_by="id desc", limit=1), None) if "crawl_runs" in db.table_names() else None


def stored_records(db, sources: set[str] | None = None) -> dict[str, dict]:
    """The current report of each source URL, as a record with SCHEMA.md's keys, rebuilt
    from `reports` and `cells` (a cell without a number is not in the record)."""
    records: dict[str, dict] = {}
    by_id: dict[int, dict] = {}
    for row in db["reports"].rows_where("current = 1"):
        if sources is not None and row["source"] not in sources:
            continue
        record = {key: row[key] for key in ("source", "title", "agency", "year", "published_on", "template", "encoding")}
        record |= {"traditional": bool(row["traditional"]), "problems": json.loads(row["problems"])}
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


def grade(db, truth_path: Path) -> Grade:
    truth = [json.loads(line) for line in truth_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    generated = [t for t in truth if t.get("kind") != "seed"]
    records = stored_records(db, {t["url"] for t in generated})
    result = Grade(total=len(generated))
    for expected in generated:
        record = records.get(expected["url"])
        if record is None:
            result.missing.append(expected["url"])
        elif wrong := wrong_values(record, expected):
            result.mismatched[expected["url"]] = wrong
        elif found := differences(record, expected):
            result.left_out[expected["url"]] = found
        else:
            result.matched += 1
    return result


@dataclass
class ReplicaCrawl:
    seconds: float
    returncode: int
    sites: list[dict]
    truth_path: Path
    log_file: Path


def crawl_replica(db: str | Path, out_dir: str | Path, *, seed: int = 2024, settings: dict | None = None) -> ReplicaCrawl:
    """Start the replica on a free port, crawl all its sites into `db`, stop it."""
    from replica.server import Replica

    out_dir = Path(out_dir)
    with Replica(seed=seed, out_dir=out_dir, port=0) as replica:
        started = time.monotonic()
        result = run_crawl(db=db, columns=replica_columns(replica.sites), settings={**LOCAL, **(settings or {})},
                           log_file=out_dir / "crawl.log")
        seconds = time.monotonic() - started
    return ReplicaCrawl(seconds, result.returncode, replica.sites, replica.truth_path, out_dir / "crawl.log")


def crawl_benchmark(out_dir: str | Path) -> dict:
    """`crawl_pages_per_s` and `crawl_seconds` (for output/bench.json): the replica crawled
    into a fresh database with politeness off, timed by Scrapy from the first request to
    the last item, so that interpreter start-up is not counted."""
    out_dir = Path(out_dir)
    db_path = out_dir / "bench.db"
    for leftover in out_dir.glob("bench.db*"):
        leftover.unlink()
    crawl_replica(db_path, out_dir / "replica", settings=UNTHROTTLED)
    run = last_run(store.open_db(db_path))
    return {"crawl_pages_per_s": round(run["responses"] / run["seconds"], 1), "crawl_seconds": round(run["seconds"], 2)}


def _summary(db, run: ReplicaCrawl) -> None:
    # This run's replica listened on its own port: its sites are known by host and port.
    site_of = {urlsplit(site["column_url"]).netloc: site["key"] for site in run.sites}
    reports = [row for row in db["reports"].rows_where("current = 1") if urlsplit(row["source"]).netloc in site_of]
    per_site: dict[str, Counter] = defaultdict(Counter)
    for row in reports:
        per_site[site_of[urlsplit(row["source"]).netloc]][row["year"]] += 1
    years = sorted({year for counter in per_site.values() for year in counter}, key=lambda y: (y is None, y))
    keys = [site["key"] for site in run.sites]
    click.echo("\nReports per site and year")
    click.echo("year     " + "".join(f"{key:>18}" for key in keys))
    for year in years:
        click.echo(f"{year or '?':<9}" + "".join(f"{per_site[key][year]:>18}" for key in keys))
    click.echo("total    " + "".join(f"{sum(per_site[key].values()):>18}" for key in keys))

    problems = Counter(problem.split(":")[0] for row in reports for problem in json.loads(row["problems"]))
    with_problems = sum(1 for row in reports if row["problem_count"])
    click.echo(f"\nProblems: {with_problems} of {len(reports)} reports have some")
    for problem, count in problems.most_common(8):
        click.echo(f"  {count:>5}  {problem}")

    current = last_run(db) or {}
    blocked = list(db["blocked"].rows_where("fetched_at >= ?", [current.get("started_at", "")])) \
        if "blocked" in db.table_names() else []
    click.echo(f"\nBlocked pages: {len(blocked)} (recorded, not parsed)")
    for row in blocked:
        click.echo(f"  {row['kind']:<14} HTTP {row['status']}  {row['url']}")

    result = grade(db, run.truth_path)
    click.echo(f"\nMatching the replica's truth cell by cell: {result.matched} of {result.total} generated reports")
    if result.left_out:
        click.echo(f"  {len(result.left_out)} more with some figures left out and named in their problems")
    for url in result.missing[:5]:
        click.echo(f"  missing     {url}")
    for url, found in list(result.mismatched.items())[:5]:
        click.echo(f"  WRONG       {url}: {'; '.join(found[:3])}")

    pages, seconds = current.get("responses", 0), current.get("seconds") or run.seconds
    click.echo(f"\nCrawl: {current.get('requests', 0)} requests, {pages} responses, "
               f"{current.get('bytes', 0) / 1e6:.1f} MB, {current.get('errors', 0)} errors; "
               f"{run.seconds:.1f} s elapsed, {seconds:.1f} s crawling ({pages / seconds:.0f} pages/s). "
               f"Log: {run.log_file}")


@click.command()
@click.option("--site", help="Registry key of one site (default: every site with known columns).")
@click.option("--url", help="A 年报 column in no registry; its CMS family is recognised from the page.")
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False))
@click.option("--year", type=int, help="Only reports whose listed title names this year.")
@click.option("--since", type=int, help="Only reports whose listed title names this year or a later one.")
@click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="A Scrapy setting for this crawl, e.g. --set DOWNLOAD_DELAY=3 (see crawler/settings.py).")
def crawl(site, url, db, year, since, overrides):
    """Crawl the registry's portals (crawler/sites.toml) politely into the database."""
    if site and url:
        raise click.UsageError("give --site or --url, not both")
    if not url:
        try:
            sites = registry.select(registry.load(), site, {})
        except registry.RegistryError as error:
            raise click.UsageError(str(error)) from error
        if not sites:
            raise click.UsageError("no site of the registry has column URLs: add one to crawler/sites.toml, or give --url")
    if any("=" not in override for override in overrides):
        raise click.UsageError("--set takes NAME=VALUE")
    settings = dict(override.split("=", 1) for override in overrides)
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    result = run_crawl(db=db, site=site, url=url, year=year, since=since, settings=settings)
    run = last_run(store.open_db(db))
    if run and run["started_at"] >= started:
        click.echo(", ".join(f"{key} {run[key]}" for key in (
            "requests", "reports_new", "reports_changed", "reports_unchanged", "errors", "blocked")))
    sys.exit(result.returncode)


@click.command()
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", default="output/replica", show_default=True,
              help="Where the replica writes its truth and the crawl its log.")
@click.option("--seed", default=2024, show_default=True)
def demo(db, out_dir, seed):
    """Serve the replica portal, crawl all its sites, and grade the result against its truth."""
    click.echo("Starting the replica portal and crawling it (log in the --out folder) …")
    run = crawl_replica(db, out_dir, seed=seed)
    for site in run.sites:
        click.echo(f"  {site['key']:<16} {site['family']:<8} {site['column_url']}")
    _summary(store.open_db(db), run)
    sys.exit(run.returncode)


@click.command()
@click.option("--port", default=8765, show_default=True)
@click.option("--seed", default=2024, show_default=True)
def replica(port, seed):
    """Serve the replica portal on loopback until interrupted (Ctrl-C)."""
    from replica.server import serve

    serve(port=port, seed=seed)


COMMANDS = [crawl, demo, replica]
