"""`govreports parse`: files and folders of reports -> JSON on stdout, or into the database."""
import json
import sqlite3
import sys
from collections import Counter
from pathlib import Path

import click

from govreports import exit_codes
from govreports.options import db_option
from govreports.progress import progress_bar

REPORT_SUFFIXES = {".html", ".htm", ".shtml", ".txt", ".md"}


def expand(paths):
    """Files in the order given; folders recursively, sorted. Missing paths are yielded too (to fail)."""
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES)
        else:
            yield path


def source_name(path: Path) -> str:
    """The path as text any writer takes: bytes of a file name that are not UTF-8 become
    U+FFFD (else SQLite and JSON writers fail on the surrogates Python decodes them to)."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@click.command(epilog=exit_codes.HELP)
@click.argument("paths", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON record per input; write nothing.")
@db_option()
def parse(paths, as_json, db_path):
    """Parse annual reports (HTML or text, any encoding) into records (and store them, without --json).

    An input that cannot be read or parsed is reported and the others go on (exit 1). A
    database that cannot be opened or written (read-only, disk full, not a database) stops
    the run there (exit 74); every report stored before it is whole (each is written in one
    transaction).
    """
    import store

    db = None if as_json else _stored(db_path, None, store.open_db, db_path)
    files = list(expand(paths))
    outcomes = Counter()
    with progress_bar("parsing", total=len(files)) as update:
        for path in files:
            outcomes[_parse_one(path, db, db_path, as_json)] += 1
            update(advance=1)
    if not as_json:
        click.echo(f"Parsed {len(files)} files: " + ", ".join(f"{outcome} {count}" for outcome, count in
                                                            sorted(outcomes.items())), err=True)
    if outcomes["failed"]:
        sys.exit(exit_codes.FAILED)


def _parse_one(path: Path, db, db_path: str, as_json: bool) -> str:
    """Parse (and store, with a database) one file: store.save_report's status, 'printed'
    (--json) or 'failed' (said why on stderr)."""
    import store
    from parsers.record import parse_document

    name = source_name(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        click.echo(f"error: {name}: {error.strerror or error}", err=True)
        return "failed"
    digest = _stored(db_path, name, store.save_document, db, data, url=name) if db else None
    try:
        parsed = parse_document(data, name)
    except Exception as error:  # a parser bug must not stop the batch; the original is kept
        click.echo(f"error: {name}: could not be parsed ({type(error).__name__}: {error})", err=True)
        return "failed"
    record = parsed.record
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False))
        return "printed"
    status = _stored(db_path, name, store.save_report, db, parsed, digest)
    click.echo(f"{name}\t{record['agency'] or '?'}\t{record['year'] or '?'}\t{record['template']}\t"
               f"{len(record['problems'])} problems\t{status}")
    return status


def _stored(db_path: str, name: str | None, step, *args, **kwargs):
    """One database step. Its failure ends the run with one line and exit code STORAGE: every
    later write would fail alike, and stopping leaves each stored report whole."""
    try:
        return step(*args, **kwargs)
    except (sqlite3.Error, OSError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        where = f"; stopped at {name}" if name else ""
        click.echo(f"error: {db_path}: cannot store reports ({reason}){where}", err=True)
        sys.exit(exit_codes.STORAGE)
