"""`govreports parse`: files and folders of reports -> JSON on stdout, or into the database."""
import json
import sys
from pathlib import Path

import click

from parsers import store
from parsers.record import parse_document

REPORT_SUFFIXES = {".html", ".htm", ".shtml", ".txt", ".md"}
DEFAULT_DB = "output/reports.db"


def expand(paths):
    """Files in the order given; folders recursively, sorted. Missing paths are yielded too (to fail)."""
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES)
        else:
            yield path


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON record per input; write nothing.")
@click.option("--db", "db_path", default=DEFAULT_DB, show_default=True, help="SQLite database to store into.")
def parse(paths, as_json, db_path):
    """Parse annual reports (HTML or text, any encoding) into records."""
    db = None if as_json else store.open_db(db_path)
    failures = 0
    for path in expand(paths):
        try:
            data = path.read_bytes()
        except OSError as error:
            click.echo(f"error: {path}: {error.strerror or error}", err=True)
            failures += 1
            continue
        digest = store.save_document(db, data, url=str(path)) if db else None
        try:
            parsed = parse_document(data, str(path))
        except Exception as error:  # a parser bug must not stop the batch; the original is kept
            click.echo(f"error: {path}: could not be parsed ({type(error).__name__}: {error})", err=True)
            failures += 1
            continue
        record = parsed.record
        if as_json:
            click.echo(json.dumps(record, ensure_ascii=False))
            continue
        status = store.save_report(db, parsed, digest)
        click.echo(f"{path}\t{record['agency'] or '?'}\t{record['year'] or '?'}\t{record['template']}\t"
                   f"{len(record['problems'])} problems\t{status}")
    if failures:
        sys.exit(1)
