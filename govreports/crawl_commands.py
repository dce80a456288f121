"""`govreports crawl`, `demo`, `replica`, `reparse` and `ingest`.

Each crawl runs `scrapy crawl reports` in a child process (crawler.runner): a fresh Twisted
reactor every time. The parent holds the database's lock (crawler.lock) and turns the run's
crawl_runs row into an exit code for cron and systemd.
"""
from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections import Counter, defaultdict
from contextlib import nullcontext
from pathlib import Path
from urllib.parse import urlsplit

import click

from govreports import exit_codes
from govreports.options import db_option, locked, run_files


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
            + (f"; failed sites: {row['failed_sites']}" if row["failed_sites"] else "")
            + (f"; listings shrunk (none of their missing reports marked vanished on this run): "
               f"{row['listing_shrunk']}" if row.get("listing_shrunk") else ""))


# The log lines that say why a request was not sent: a host of no crawled site or a non-public
# address (crawler.middlewares), or robots.txt (the spider).
REFUSAL = re.compile(r"\] WARNING: (not requesting .*|not connecting to .*|.* not requested \(.*\): "
                     r"Forbidden by robots\.txt)$")


def echo_refusals(log_file: Path, shown: int = 5) -> None:
    """Say on the terminal what the run refused to request, and why (the log has them all)."""
    try:
        lines = log_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return
    refused = [found.group(1) for found in map(REFUSAL.search, lines) if found]
    for line in refused[:shown]:
        click.echo(f"govreports: refused: {line}", err=True)
    if len(refused) > shown:
        click.echo(f"govreports: … and {len(refused) - shown} more refused (see the log)", err=True)


def _summary(db, run) -> None:
    """What `demo` prints of a ReplicaCrawl (crawler.replica_crawl) stored in `db`."""
    from corpus.truth import grade
    from govreports.discover_command import echo_agency_levels

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
    echo_agency_levels(reports, lambda row: site_of[urlsplit(row["source"]).netloc], keys)

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
    if result.not_reports:
        click.echo(f"  of which {result.not_reports} pages listed in a 年报 column that are no report "
                   "(a notice, a list of reports), stored with is_report false and no figures")
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
    import store
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


def crawl_with_progress(*, log_file: Path, settings: dict, **arguments):
    """crawler.runner.run_crawl, with a progress bar of the report pages on an interactive
    terminal: the crawl writes its counts beside its log (crawler.progress), read from here."""
    from crawler import progress
    from crawler.runner import run_crawl
    from govreports.progress import interactive, progress_bar

    if not interactive():
        return run_crawl(log_file=log_file, settings=settings, **arguments)
    path = log_file.with_suffix(".progress")
    finished = threading.Event()
    with progress_bar("crawling") as update:
        def poll() -> None:
            while not finished.wait(0.3):
                counts = progress.read(path)
                if counts:
                    update(completed=counts["done"], total=counts["listed"] or None,
                           description=f"crawling ({counts['requests']} requests): report pages")

        thread = threading.Thread(target=poll, daemon=True)
        thread.start()
        try:
            return run_crawl(log_file=log_file, settings={**settings, "GOVREPORTS_PROGRESS_FILE": str(path)},
                             **arguments)
        finally:
            finished.set()
            thread.join()
            path.unlink(missing_ok=True)


@click.command(epilog=exit_codes.HELP)
@click.option("--site", help="Registry key of one site (default: every site with known columns).")
@click.option("--url", help="A 年报 column in no registry (its CMS family is recognised from the page), or a "
                             "homepage or section page, from which its 年报 columns are discovered first.")
@db_option()
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
@click.option("--allow-private", is_flag=True,
              help="With --url: the host may be a loopback or private address, or a name resolving to one "
                   "(localhost): your own local mirror of a portal.")
def crawl(site, url, db_path, year, since, log_dir, redis_url, overrides, allow_private):
    """Crawl the registry's portals (crawler/sites.toml) politely into the database.

    Safe to schedule (docs/scheduling.md): one run at a time per database, a log file per run,
    and a re-run after an interruption (SIGTERM, kill -9) goes on from what was stored. Stored
    report pages are not downloaded again until a revalidation is due (GOVREPORTS_REVALIDATE_AFTER).
    """
    from crawler import registry
    from crawler.runner import run_row
    from govreports.discover_command import checked_url, columns_for_crawl

    if site and url:
        raise click.UsageError("give --site or --url, not both")
    if any("=" not in override for override in overrides):
        raise click.UsageError("--set takes NAME=VALUE")
    settings = dict(override.split("=", 1) for override in overrides)
    if url:
        url = checked_url(url)
    else:
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
    with nullcontext() if redis_url else locked(db_path) as fd:
        try:
            log_file = run_files(Path(log_dir) if log_dir else Path(db_path).resolve().parent / "logs")
        except OSError as error:
            click.echo(f"govreports: cannot write the run's log in {error.filename}: {error.strerror or error}. "
                       f"Not starting; exit {exit_codes.STORAGE}.", err=True)
            sys.exit(exit_codes.STORAGE)
        if url and not redis_url:  # a homepage or a section page: its 年报 columns first
            url = " ".join(columns_for_crawl(url, allow_private=allow_private, settings=settings))
        result = crawl_with_progress(db=db_path, site=site, url=url, year=year, since=since, settings=settings,
                                     log_file=log_file, lock_fd=fd,
                                     spider_args={"allow_private": 1} if allow_private else None)
    row = run_row(log_file)
    if row and row.get("storage_error"):
        click.echo(f"govreports: {row['storage_error']}. The crawl stopped; what was stored before is intact. "
                   f"Exit {exit_codes.STORAGE}.", err=True)
    elif row is None:
        click.echo(f"govreports: the crawl ended without its row (exit status {result.returncode}): see the log.",
                   err=True)
    if row and redis_url:
        click.echo(f"Worker done: {row['requests']} requests, {row['errors']} errors; "
                   f"what it fetched is in Redis for `govreports ingest`")
    elif row:
        click.echo(run_counts(row))
    echo_refusals(log_file)
    click.echo(f"Log: {log_file}")
    sys.exit(exit_codes.of_run(result.returncode, row))


@click.command()
@db_option()
@click.option("--out", "out_dir", default="output/replica", show_default=True,
              help="Where the replica writes its truth and the crawl its log; round 1 is remembered there "
                   "for round 2.")
@click.option("--seed", type=int, help="The portal's seed [default: 2024; in round 2, round 1's].")
@click.option("--reports", type=click.IntRange(12), help="How many generated reports the portal serves "
                                                         "[default: 220; in round 2, round 1's].")
@click.option("--generation", type=click.IntRange(1, 2), default=1, show_default=True,
              help="The portal's publication round: 2 is the portal after its next round (5 new reports, "
                   "2 revised, 1 removed, 1 page re-stamped with a new ETag), crawled into the database of "
                   "round 1 (refused with any other database).")
@click.option("--port", type=int, help="The replica's port [default: the last round 1's in --out, so that the "
                                       "portal keeps its URLs; else a free one].")
@click.option("--attachments/--no-attachments", default=None,
              help="Whether the portal also publishes reports as files (PDF, Word, Excel, scans, 详见附件 pages) "
                   "[default: yes; in round 2, as round 1 did].")
@click.option("--scan-pages", type=click.IntRange(1), help="Serve the scanned reports' first N pages only, at the "
                                                          "lower resolution, for a quicker OCR (their other figures "
                                                          "are left out) [default: whole scans; in round 2, round 1's].")
def demo(db_path, out_dir, seed, reports, generation, port, attachments, scan_pages):
    """Serve the replica portal, discover each site's 年报 columns from its homepage, crawl them all,
    and grade the result against its truth."""
    import store
    from crawler import discover as discovery
    from crawler.replica_crawl import NotThisPortal, crawl_replica, round_one, saved_round

    with locked(db_path) as fd:
        # A round 1 again serves on the port of the last one in --out: the portal keeps its URLs.
        portal = {"seed": 2024, "reports": 220, "port": (saved_round(Path(out_dir)) or {}).get("port", 0),
                  "attachments": True}
        if generation == 2:
            try:
                portal = round_one(db_path, Path(out_dir))
            except NotThisPortal as error:
                click.echo(f"govreports: {error}. Not starting; exit {exit_codes.USAGE}.", err=True)
                sys.exit(exit_codes.USAGE)
        subcolumns = portal.get("subcolumns", True)  # round 2 is the portal round 1 was
        given = {"seed": seed, "reports": reports, "port": port, "attachments": attachments, "scan_pages": scan_pages}
        portal = {name: portal.get(name) if given[name] is None else given[name] for name in given}
        click.echo(f"Starting the replica portal (publication round {generation}"
                   f"{', with attachments' if portal['attachments'] else ''}) and crawling it (log in the --out "
                   "folder) …")
        # Round 2 is published moments after round 1 is crawled; a real re-crawl weeks later would
        # find the stored pages due for revalidation: so every stored page is revalidated here.
        settings = {"GOVREPORTS_REVALIDATE_AFTER": 0} if generation > 1 else {}
        try:
            run = crawl_replica(db_path, out_dir, generation=generation, settings=settings, lock_fd=fd,
                                discover=True, subcolumns=subcolumns, **portal)
        except OSError as error:
            raise click.UsageError(f"the replica cannot listen on port {portal['port']} ({error}): "
                                   "give another --port") from error
    click.echo("Discovered from each homepage:")
    for site in run.sites:
        found = run.discovered[site["key"]]
        known = {discovery.canonical(url) for url in site["columns"]}
        hits = sum(discovery.canonical(column.url) in known for column in found.columns if column.reports)
        click.echo(f"  {site['key']:<16} {site['family']:<8} {site['homepage']}  {len(found.columns)} 年报 columns "
                   f"in {found.requests} requests ({hits} of the {len(known)} listing reports that the portal has); main "
                   f"{', '.join(column.url for column in found.main)}")
    _summary(store.open_db(db_path), run)
    sys.exit(exit_codes.of_run(run.returncode, run.row))


@click.command()
@click.option("--port", default=8765, show_default=True)
@click.option("--seed", default=2024, show_default=True)
@click.option("--out", "out_dir", default="output/replica-serve", show_default=True,
              help="Where it writes its sites and truth: its own folder, so that it never changes the "
                   "demo's (output/replica).")
def replica(port, seed, out_dir):
    """Serve the replica portal on loopback until interrupted (Ctrl-C)."""
    from replica.server import serve

    try:
        serve(port=port, seed=seed, out_dir=out_dir)
    except KeyboardInterrupt:  # Ctrl-C is how it is stopped, even before it has begun to wait
        pass


@click.command(epilog=exit_codes.HELP)
@db_option(exists=True)
@click.option("--workers", type=int, help="Parsing processes [default: one per CPU].")
def reparse(db_path, workers):
    """Parse every stored document again with the current parser (no network) and report
    what changed: after a parser fix, the corpus catches up without crawling again."""
    from corpus.reparse import reparse_corpus
    from govreports.progress import progress_bar

    with locked(db_path), progress_bar("re-parsing stored documents") as update:
        started = time.monotonic()
        counts, changes = reparse_corpus(db_path, workers, lambda done, total: update(completed=done, total=total))
        seconds = time.monotonic() - started
    for status, what in changes[:20]:
        click.echo(f"  {status:<9} {what}")
    if len(changes) > 20:
        click.echo(f"  … and {len(changes) - 20} more")
    total = sum(counts.values())
    click.echo(f"Re-parsed {total} documents in {seconds:.1f} s: " + ", ".join(
        f"{status} {counts[status]}" for status in ("reparsed", "unchanged", "new", "changed", "failed")))
    sys.exit(exit_codes.PARTIAL if counts["failed"] else exit_codes.OK)


@click.command(epilog=exit_codes.HELP)
@click.option("--redis", "redis_url", required=True, metavar="redis://HOST:PORT/DB",
              help="The Redis of the distributed crawl (as given to `govreports crawl --redis`).")
@db_option()
@click.option("--idle", default=30.0, show_default=True,
              help="Seconds with no item, no queued request and no live worker after which the crawl is over.")
def ingest(redis_url, db_path, idle):
    """Store what the workers of a distributed crawl fetched: the one writer of the database.

    Drains the fetched pages from Redis, parses and stores them as a single-process crawl
    does, and writes the round's crawl_runs row (the workers' counts added up). Runs until
    the crawl is over; start it with the workers, or after them.
    """
    from crawler.distributed import Ingest, connect

    with locked(db_path):
        row = Ingest(connect({"REDIS_URL": redis_url}), db_path).run(idle=idle)
    click.echo(f"Ingested from {row['workers']} finished workers: {run_counts(row)}")
    failed = row["finish_reason"] != "finished"
    sys.exit(exit_codes.FAILED if failed else exit_codes.PARTIAL if row["failed_sites"] or row["errors"] else exit_codes.OK)
