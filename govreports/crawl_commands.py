"""`govreports crawl`, `demo`, `replica`, `reparse` and `ingest`.

Each crawl runs `scrapy crawl reports` in a child process (crawler.runner): a fresh Twisted
reactor every time. The parent holds the database's lock (crawler.lock) and turns the run's
crawl_runs row into an exit code for cron and systemd.
"""
from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import click

from crawler import lock, registry
from crawler.runner import LOCAL, replica_columns, run_crawl
from govreports.scan_grading import SCANNED_KINDS, SCANNED_TABLES, ScanGrade
from govreports.truth import differences, wrong_values
from parsers import store
from parsers.decode import charset_from_content_type
from parsers.record import parse_document

DEFAULT_DB = "output/reports.db"
TABLES = ("active", "applications", "review_litigation", "narrative")

# Exit codes of `govreports crawl` (and `demo`, `reparse`, `ingest`), for cron and systemd.
EXIT_OK = 0
EXIT_FAILED = 1  # the run did not get to its end (interrupted, crashed), or every site failed
EXIT_USAGE = 2  # click's own
EXIT_PARTIAL = 3  # some sites failed (crawl_runs.failed_sites) or some pages did; the rest is stored
EXIT_STORAGE = 74  # EX_IOERR: the database cannot be written (disk full, read-only); nothing half-written
EXIT_LOCKED = 75  # EX_TEMPFAIL: another run holds the database; nothing was done, try later
EXIT_CODES = f"""
\b
Exit codes:
  {EXIT_OK}   every site crawled, nothing failed
  {EXIT_FAILED}   the crawl did not run to its end (interrupted, crashed), or every site failed
  {EXIT_USAGE}   wrong usage
  {EXIT_PARTIAL}   partial failure: some sites or pages failed (crawl_runs.failed_sites, errors);
      all else was stored
  {EXIT_STORAGE}  the database cannot be written (disk full, read-only): the crawl stopped,
      what was stored before is intact
  {EXIT_LOCKED}  another run holds the database (its lock file DB.lock): nothing done
"""


def exit_code(returncode: int, row: dict | None) -> int:
    """A run's exit code from its child's return code and its crawl_runs row."""
    if row is not None and row.get("storage_error"):
        return EXIT_STORAGE
    if returncode != 0 or row is None or row["finish_reason"] != "finished":
        return EXIT_FAILED
    failed = [key for key in (row.get("failed_sites") or "").split(",") if key]
    if failed and len(failed) >= len(row["sites"].split(",")):
        return EXIT_FAILED
    return EXIT_PARTIAL if failed or row["errors"] else EXIT_OK


def run_row(log_file: Path) -> dict | None:
    """The crawl_runs row of the run that logged to `log_file`, from its JSON beside the log."""
    path = Path(log_file).with_suffix(".json")
    return json.loads(path.read_text()) if path.exists() else None


def run_files(log_dir: Path, kind: str = "crawl") -> Path:
    """A log file of its own for this run: LOG_DIR/crawl-20250105T030000Z.log."""
    log_dir.mkdir(parents=True, exist_ok=True)
    return log_dir / f"{kind}-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%fZ}.log"


@contextmanager
def locked(db) -> Iterator[int]:
    """Hold the lock of `db` (its file descriptor) for the block, or exit with EXIT_LOCKED
    and a message saying who holds it."""
    try:
        fd = lock.acquire(db)
    except lock.Locked as error:
        click.echo(f"govreports: {error}. Not starting; exit {EXIT_LOCKED}.", err=True)
        sys.exit(EXIT_LOCKED)
    except OSError as error:  # a read-only or full filesystem: not even the lock file can be made
        click.echo(f"govreports: cannot write the database {db}: its lock file {lock.lock_path(db)}: "
                   f"{error.strerror or error}. Not starting; exit {EXIT_STORAGE}.", err=True)
        sys.exit(EXIT_STORAGE)
    try:
        yield fd
    finally:
        os.close(fd)  # releases it; a crash releases it as well


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
    image_only: int = 0  # of the matched: scans, rightly stored without figures and with the problem
    from_attachments: int = 0  # of the matched: figures read from a file the page links
    scans: ScanGrade = field(default_factory=ScanGrade)  # the scanned reports, cell by cell


IMAGE_ONLY_PROBLEM = "image-only"


def _image_only_errors(record: dict, expected: dict) -> list[str]:
    """A scan's truth names no figures: the record must hold none, and say why."""
    wrong = wrong_values(record, expected)  # agency, year, published_on: what the truth keeps
    wrong += [f"{table}: figures read from an image-only report" for table in TABLES if record.get(table)]
    if not any(IMAGE_ONLY_PROBLEM in problem for problem in record.get("problems", [])):
        wrong.append("problems: an image-only report not recorded as one")
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


@dataclass
class ReplicaCrawl:
    seconds: float
    returncode: int
    sites: list[dict]
    truth_path: Path
    log_file: Path
    generation: int = 1

    @property
    def row(self) -> dict | None:
        return run_row(self.log_file)


def previous_port(out_dir: Path) -> int:
    """The port the replica served from `out_dir` last time (0: none), so that its next
    publication round is the same portal at the same URLs."""
    try:
        sites = json.loads((out_dir / "sites.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    return (urlsplit(sites[0]["column_url"]).port or 0) if sites else 0


def previous_attachments(out_dir: Path) -> bool | None:
    """Whether the replica served from `out_dir` last time published attachments (None: no
    round there yet), so that its next round is the same portal."""
    try:
        with (out_dir / "truth.jsonl").open(encoding="utf-8") as lines:
            return any("attachment_urls" in json.loads(line) for line in lines if line.strip())
    except (OSError, ValueError):
        return None


def crawl_replica(db: str | Path, out_dir: str | Path, *, seed: int = 2024, settings: dict | None = None,
                  generation: int = 1, port: int = 0, lock_fd: int | None = None,
                  attachments: bool = False, faults: dict | None = None) -> ReplicaCrawl:
    """Start the replica (on `port`; 0: a free one), crawl all its sites into `db`, stop it.
    `attachments`, `faults`: as replica.server.Replica takes them."""
    from replica.server import Replica

    out_dir = Path(out_dir)
    log_file = out_dir / f"crawl-gen{generation}.log"
    with Replica(seed=seed, out_dir=out_dir, port=port, generation=generation, attachments=attachments,
                 faults=faults) as replica:
        started = time.monotonic()
        result = run_crawl(db=db, columns=replica_columns(replica.sites), settings={**LOCAL, **(settings or {})},
                           log_file=log_file, lock_fd=lock_fd)
        seconds = time.monotonic() - started
    return ReplicaCrawl(seconds, result.returncode, replica.sites, replica.truth_path, log_file, generation)


def run_counts(row: dict) -> str:
    """What a run found, as `govreports crawl` and `demo` print it."""
    return (f"new {row['reports_new']}, changed {row['reports_changed']}, unchanged {row['reports_unchanged']} "
            f"({row['not_requested']} not requested, {row['not_modified']} not modified), "
            f"vanished {row['reports_vanished']}; {row['requests']} requests, {row['errors']} errors, "
            f"blocked {row['blocked']}"
            + (f"; attachments {row.get('attachments_fetched') or 0} fetched, "
               f"{row.get('attachments_not_modified') or 0} not modified"
               if row.get("attachments_fetched") or row.get("attachments_not_modified") else "")
            + (f"; {row['fetch_failed']} pages or files not fetched (logged with their URLs), "
               f"{row.get('retries') or 0} retries" if row.get("fetch_failed") else "")
            + (f"; failed sites: {row['failed_sites']}" if row["failed_sites"] else ""))


def _summary(db, run: ReplicaCrawl) -> None:
    # This run's replica listened on its own port: its sites are known by host and port.
    site_of = {urlsplit(site["column_url"]).netloc: site["key"] for site in run.sites}
    reports = [row for row in db["reports"].rows_where("current = 1 AND vanished_at IS NULL")
               if urlsplit(row["source"]).netloc in site_of]
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

    current = run.row or {}
    blocked = list(db["blocked"].rows_where("fetched_at >= ?", [current.get("started_at", "")])) \
        if "blocked" in db.table_names() else []
    click.echo(f"\nBlocked pages: {len(blocked)} (recorded, not parsed)")
    for row in blocked:
        click.echo(f"  {row['kind']:<14} HTTP {row['status']}  {row['url']}")

    _attachments_summary(db, reports)

    result = grade(db, run.truth_path)
    click.echo(f"\nMatching the replica's truth cell by cell: {result.matched} of {result.total} generated reports")
    if result.from_attachments or result.image_only:
        click.echo(f"  of which {result.from_attachments} with their figures read from an attachment"
                   + (f", {result.image_only} image-only (no figures expected, recorded as such)"
                      if result.image_only else ""))
    if result.left_out:
        click.echo(f"  {len(result.left_out)} more with some figures left out or in doubt, named in their problems")
    if result.scans.reports:
        scans = result.scans
        click.echo(f"  scanned reports (OCR): {scans.reports}, {scans.right} of {scans.cells} cells right "
                   f"({scans.right_share:.1%}), {scans.left_out} left out, {scans.wrong_named} wrong and named "
                   f"in problems, {scans.wrong_unnamed} wrong without a problem")
    for url in result.missing[:5]:
        click.echo(f"  missing     {url}")
    for url, found in list(result.mismatched.items())[:5]:
        click.echo(f"  WRONG       {url}: {'; '.join(found[:3])}")

    pages, seconds = current.get("responses", 0), current.get("seconds") or run.seconds
    click.echo(f"\nCrawl: {current.get('requests', 0)} requests, {pages} responses, "
               f"{current.get('bytes', 0) / 1e6:.1f} MB, {current.get('errors', 0)} errors; "
               f"{run.seconds:.1f} s elapsed, {seconds:.1f} s crawling ({pages / seconds:.0f} pages/s). "
               f"Log: {run.log_file}")
    if current:
        click.echo(f"This run (publication round {run.generation}): {run_counts(current)}")


def _attachments_summary(db, reports: list[dict]) -> None:
    """The files the stored reports were put together with: their real types, and names."""
    if "attachments" not in db.table_names():
        return
    pages = {row["document_sha256"]: row for row in reports}
    files = [row for row in db["attachments"].rows if row["page_sha256"] in pages]
    if not files:
        return
    from parsers.filetype import sniff

    kinds = Counter(sniff(store.load_document(db, row["sha256"])) for row in files)
    figures = sum(1 for row in pages.values() if row["figures_from"] and row["figures_from"] != row["source"])
    both = sum(1 for row in pages.values() if row["figures_from"] == row["source"]
               and any(file["page_sha256"] == row["document_sha256"] for file in files))
    click.echo(f"\nAttachments: {len(files)} files linked by {len({f['page_sha256'] for f in files})} report pages, "
               f"by their bytes {', '.join(f'{kind} {count}' for kind, count in kinds.most_common())}")
    click.echo(f"  {figures} reports take their figures from a file; {both} page(s) with tables of their own "
               "and a copy as a file, stored once")
    for row in files[:3]:
        click.echo(f"  {row['file_name']}")


@click.command(epilog=EXIT_CODES)
@click.option("--site", help="Registry key of one site (default: every site with known columns).")
@click.option("--url", help="A 年报 column in no registry; its CMS family is recognised from the page.")
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False))
@click.option("--year", type=int, help="Only reports whose listed title names this year.")
@click.option("--since", type=int, help="Only reports whose listed title names this year or a later one.")
@click.option("--log-dir", type=click.Path(file_okay=False),
              help="Where this run's log (crawl-<UTC time>.log) and its crawl_runs row (.json) go "
                   "[default: logs/ beside the database].")
@click.option("--redis", "redis_url", metavar="redis://HOST:PORT/DB",
              help="Be one worker of a distributed crawl: share the scheduler and duplicate filter in Redis "
                   "and push the fetched pages there for `govreports ingest` (docs/distributed.md).")
@click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="A Scrapy setting for this crawl, e.g. --set DOWNLOAD_DELAY=3 (see crawler/settings.py).")
def crawl(site, url, db, year, since, log_dir, redis_url, overrides):
    """Crawl the registry's portals (crawler/sites.toml) politely into the database.

    Safe to schedule (docs/scheduling.md): one run at a time per database, a log file per run,
    and a re-run after an interruption (SIGTERM, kill -9) goes on from what was stored. Stored
    report pages are not downloaded again until a revalidation is due (GOVREPORTS_REVALIDATE_AFTER).
    """
    if site and url:
        raise click.UsageError("give --site or --url, not both")
    if any("=" not in override for override in overrides):
        raise click.UsageError("--set takes NAME=VALUE")
    settings = dict(override.split("=", 1) for override in overrides)
    if not url:
        try:
            columns = json.loads(settings.get("GOVREPORTS_COLUMNS", "{}"))
            sites = registry.select(registry.load(settings.get("GOVREPORTS_SITES")), site, columns)
        except (registry.RegistryError, ValueError) as error:
            raise click.UsageError(str(error)) from error
        if not sites:
            raise click.UsageError("no site of the registry has column URLs: add one to crawler/sites.toml, or give --url")
    if redis_url:
        from crawler.distributed import worker_settings

        settings = {**worker_settings(redis_url), **settings}
    # A worker writes no database: the lock is the ingesting writer's.
    with nullcontext() if redis_url else locked(db) as fd:
        try:
            log_file = run_files(Path(log_dir) if log_dir else Path(db).resolve().parent / "logs")
        except OSError as error:
            click.echo(f"govreports: cannot write the run's log in {error.filename}: {error.strerror or error}. "
                       f"Not starting; exit {EXIT_STORAGE}.", err=True)
            sys.exit(EXIT_STORAGE)
        result = run_crawl(db=db, site=site, url=url, year=year, since=since, settings=settings,
                           log_file=log_file, lock_fd=fd)
    row = run_row(log_file)
    if row and row.get("storage_error"):
        click.echo(f"govreports: {row['storage_error']}. The crawl stopped; what was stored before is intact. "
                   f"Exit {EXIT_STORAGE}.", err=True)
    elif row is None:
        click.echo(f"govreports: the crawl ended without its row (exit status {result.returncode}): see the log.",
                   err=True)
    if row and redis_url:
        click.echo(f"Worker done: {row['requests']} requests, {row['errors']} errors; "
                   f"what it fetched is in Redis for `govreports ingest`")
    elif row:
        click.echo(run_counts(row))
    click.echo(f"Log: {log_file}")
    sys.exit(exit_code(result.returncode, row))


@click.command()
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", default="output/replica", show_default=True,
              help="Where the replica writes its truth and the crawl its log.")
@click.option("--seed", default=2024, show_default=True)
@click.option("--generation", type=click.IntRange(1, 2), default=1, show_default=True,
              help="The portal's publication round: 2 is the portal after its next round (5 new reports, "
                   "2 revised, 1 removed, 1 page re-stamped with a new ETag), crawled into the same database.")
@click.option("--port", type=int, help="The replica's port [default: the one the previous round in --out used, "
                                       "so that the portal keeps its URLs; else a free one].")
@click.option("--attachments/--no-attachments", default=None,
              help="Whether the portal also publishes reports as files (PDF, Word, Excel, scans, 详见附件 pages) "
                   "[default: yes; in round 2, as round 1 in --out did].")
def demo(db, out_dir, seed, generation, port, attachments):
    """Serve the replica portal, crawl all its sites, and grade the result against its truth."""
    if attachments is None:  # round 2 is the same portal as round 1 was
        attachments = generation == 1 or previous_attachments(Path(out_dir)) is not False
    click.echo(f"Starting the replica portal (publication round {generation}"
               f"{', with attachments' if attachments else ''}) and crawling it (log in the --out folder) …")
    # Round 2 is published moments after round 1 is crawled; a real re-crawl weeks later would
    # find the stored pages due for revalidation: so every stored page is revalidated here.
    settings = {"GOVREPORTS_REVALIDATE_AFTER": 0} if generation > 1 else {}
    port = previous_port(Path(out_dir)) if port is None else port
    with locked(db) as fd:
        try:
            run = crawl_replica(db, out_dir, seed=seed, generation=generation, port=port, settings=settings,
                                lock_fd=fd, attachments=attachments)
        except OSError as error:
            raise click.UsageError(f"the replica cannot listen on port {port} ({error}): give another --port") from error
    for site in run.sites:
        click.echo(f"  {site['key']:<16} {site['family']:<8} {site['column_url']}")
    _summary(store.open_db(db), run)
    sys.exit(exit_code(run.returncode, run.row))


@click.command()
@click.option("--port", default=8765, show_default=True)
@click.option("--seed", default=2024, show_default=True)
def replica(port, seed):
    """Serve the replica portal on loopback until interrupted (Ctrl-C)."""
    from replica.server import serve

    serve(port=port, seed=seed)


# The reparse workers' own connection to the database, one per process (_init_worker).
_worker_db = None


def _init_worker(db_path: str) -> None:
    global _worker_db
    _worker_db = store.open_db(db_path)


def parse_stored(db, digest: str, url: str, content_type: str | None):
    """A stored report page parsed afresh, with the attachments it was stored with (详见附件):
    the Parsed the crawl's pipelines would make of the same bytes."""
    parsed = parse_document(store.load_document(db, digest), url, http_charset=charset_from_content_type(content_type))
    files = store.attachments_of(db, digest)
    if not files:
        return parsed
    from parsers.record import parse_with_attachments

    content_types = dict(db.execute(
        "SELECT sha256, content_type FROM documents WHERE sha256 IN (%s)" % ",".join("?" * len(files)),
        [row["sha256"] for row in files]).fetchall())
    return parse_with_attachments(parsed, [
        parse_document(store.load_document(db, row["sha256"]), row["url"],
                       http_charset=charset_from_content_type(content_types[row["sha256"]])) for row in files])


def _parse_stored(document: tuple[str, str, str | None]):
    """In a worker process: one stored document parsed afresh; (Parsed, None) or (None, error)."""
    digest, url, content_type = document
    try:
        return parse_stored(_worker_db, digest, url, content_type), None
    except Exception as error:  # one unreadable document must not end the run
        return None, f"{type(error).__name__}: {error}"


def reparse_corpus(db_path: str | Path, workers: int | None = None) -> tuple[Counter, list[tuple[str, str]]]:
    """Parse every stored document again with the current parser, without network.

    Returns the count of each outcome of store.save_report ('reparsed': same bytes, a
    different parse, rewritten in place; 'unchanged'; 'new'/'changed' for documents that had
    no report, e.g. whose parse failed before; 'failed') and the (outcome, source) of each
    report that is not unchanged. Oldest documents first, so that versions keep their order.
    Parsing runs in `workers` processes (default: one per CPU); this process writes.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    db = store.open_db(db_path)
    # Attachments are parsed with the page that links them, never as reports of their own.
    documents = db.execute("SELECT sha256, url, content_type FROM documents WHERE sha256 NOT IN"
                           " (SELECT sha256 FROM attachments) ORDER BY fetched_at, rowid").fetchall()
    counts, changes = Counter(), []
    # Workers from a fresh server process, not forked with this one's open database; the
    # parser is imported there once, not in every worker.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["parsers.record"])
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(str(db_path),)) as pool:
        for (digest, url, _), (parsed, error) in zip(documents, pool.map(_parse_stored, documents, chunksize=4)):
            files = store.attachments_of(db, digest)
            status = "failed" if parsed is None else store.save_report_with_attachments(
                db, parsed, digest, files) if files else store.save_report(db, parsed, digest)
            counts[status] += 1
            if status != "unchanged":
                changes.append((status, f"{url}: {error}" if error else f"{parsed.report_key}  {url}"))
    db.close()
    return counts, changes


@click.command(epilog=EXIT_CODES)
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False, exists=True))
@click.option("--workers", type=int, help="Parsing processes [default: one per CPU].")
def reparse(db, workers):
    """Parse every stored document again with the current parser (no network) and report
    what changed: after a parser fix, the corpus catches up without crawling again."""
    with locked(db):
        started = time.monotonic()
        counts, changes = reparse_corpus(db, workers)
        seconds = time.monotonic() - started
    for status, what in changes[:20]:
        click.echo(f"  {status:<9} {what}")
    if len(changes) > 20:
        click.echo(f"  … and {len(changes) - 20} more")
    total = sum(counts.values())
    click.echo(f"Re-parsed {total} documents in {seconds:.1f} s: " + ", ".join(
        f"{status} {counts[status]}" for status in ("reparsed", "unchanged", "new", "changed", "failed")))
    sys.exit(EXIT_PARTIAL if counts["failed"] else EXIT_OK)


@click.command(epilog=EXIT_CODES)
@click.option("--redis", "redis_url", required=True, metavar="redis://HOST:PORT/DB",
              help="The Redis of the distributed crawl (as given to `govreports crawl --redis`).")
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False))
@click.option("--idle", default=30.0, show_default=True,
              help="Seconds with no item, no queued request and no live worker after which the crawl is over.")
def ingest(redis_url, db, idle):
    """Store what the workers of a distributed crawl fetched: the one writer of the database.

    Drains the fetched pages from Redis, parses and stores them as a single-process crawl
    does, and writes the round's crawl_runs row (the workers' counts added up). Runs until
    the crawl is over; start it with the workers, or after them.
    """
    from crawler.distributed import Ingest, connect

    with locked(db):
        row = Ingest(connect({"REDIS_URL": redis_url}), db).run(idle=idle)
    click.echo(f"Ingested from {row['workers']} finished workers: {run_counts(row)}")
    failed = row["finish_reason"] != "finished"
    sys.exit(EXIT_FAILED if failed else EXIT_PARTIAL if row["failed_sites"] or row["errors"] else EXIT_OK)


COMMANDS = [crawl, demo, replica, reparse, ingest]
