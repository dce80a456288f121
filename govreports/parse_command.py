"""`govreports parse`: files and folders of reports -> JSON on stdout, or into the database."""
import json
import sqlite3
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import click

from govreports import exit_codes
from govreports.options import db_option
from govreports.progress import progress_bar

# Text is read only under a report's names (a .doc or .wps may be an HTML page): a folder's
# .json, .css or .py files are text too, and no report.
TEXT_SUFFIXES = {".html", ".htm", ".shtml", ".txt", ".md", ".doc", ".wps", ".xls", ".rtf", ""}
# Besides text and images, what a folder's files are read as, by their bytes (names lie):
# every type the crawler reads.
BINARY_KINDS = {"pdf", "docx", "xlsx", "doc", "xls", "rtf"}


def expand(paths):
    """(path, found in a folder) in the order given; folders recursively, sorted. Missing paths
    are yielded too (to fail)."""
    for path in map(Path, paths):
        if path.is_dir():
            yield from ((found, True) for found in sorted(p for p in path.rglob("*") if p.is_file()))
        else:
            yield path, False


PAGE_SUFFIXES = {".html", ".htm", ".shtml"}


def side_by_side(inputs) -> dict[Path, list[Path]]:
    """Pages of a folder and the files of the same folder tree they link (详见附件), in link order."""
    from crawler.attachments import attachment_links
    from parsers.decode import decode

    files = {path.resolve(): path for path, in_folder in inputs if in_folder}
    linked: dict[Path, list[Path]] = {}
    for path, in_folder in inputs:
        if not in_folder or path.suffix.lower() not in PAGE_SUFFIXES:
            continue
        try:
            page = decode(path.read_bytes()).text
        except OSError:
            continue  # reported when the page itself is read
        page_url = "http://folder" + quote(path.resolve().as_posix())
        for link in attachment_links(page, page_url):
            target = files.get(Path(unquote(urlsplit(link.url).path)))
            if target is not None and target != path and target not in linked.get(path, []):
                linked.setdefault(path, []).append(target)
    return linked


def _readable(path: Path, kind: str) -> bool:
    from parsers import filetype

    return kind in filetype.TEXT_KINDS | filetype.IMAGE_KINDS | BINARY_KINDS and (kind not in filetype.TEXT_KINDS or path.suffix.lower() in TEXT_SUFFIXES)


def source_name(path: Path) -> str:
    """The path as text any writer takes: bytes of a file name that are not UTF-8 become
    U+FFFD (else SQLite and JSON writers fail on the surrogates Python decodes them to)."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@click.command(epilog=exit_codes.HELP)
@click.argument("paths", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON record per input; write nothing.")
@db_option()
def parse(paths, as_json, db_path):
    """Parse annual reports into records: HTML, text, Markdown, PDF, DOC, DOCX, WPS, RTF,
    XLS, XLSX, and scans (JPEG, PNG, TIFF, image-only PDF pages) read by OCR.

    A folder is read recursively; each file's type is told by its bytes, not its name, and
    the files of no type read here are skipped and counted (on stderr).

    An input that cannot be read or parsed is reported and the others go on (exit 1). A
    database that cannot be opened or written (read-only, disk full, not a database) stops
    the run there (exit 74); every report stored before it is whole (each is written in one
    transaction).
    """
    import store

    db = None if as_json else _stored(db_path, None, store.open_db, db_path)
    files = list(expand(paths))
    linked = side_by_side(files)
    claimed = {attachment for attachments in linked.values() for attachment in attachments}
    outcomes: Counter = Counter()
    skipped: Counter = Counter()
    with progress_bar("parsing", total=len(files)) as update:
        for path, in_folder in files:
            if not (in_folder and path in claimed):  # else read with the page that links it
                outcomes[_parse_one(path, in_folder, linked.get(path, []), db, db_path, as_json, skipped)] += 1
            update(advance=1)
    if not as_json:
        click.echo(f"Parsed {len(files)} files: " + ", ".join(f"{outcome} {count}" for outcome, count in
                                                            sorted(outcomes.items())), err=True)
    if skipped:
        kinds = ", ".join(f"{suffix} {count}" for suffix, count in skipped.most_common())
        click.echo(f"skipped {sum(skipped.values())} files: {kinds}", err=True)
    if outcomes["failed"]:
        sys.exit(exit_codes.FAILED)


def _parse_one(path: Path, in_folder: bool, attachments: list[Path], db, db_path: str, as_json: bool,
               skipped: Counter) -> str:
    """Parse (and store, with a database) one file with the files it links: store.save_report's
    status, 'printed' (--json), 'skipped' (a folder's file of no type read here, counted in
    `skipped` by its suffix) or 'failed' (said why on stderr)."""
    import store
    from parsers import filetype
    from parsers.record import parse_document, parse_with_attachments

    name = source_name(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        click.echo(f"error: {name}: {error.strerror or error}", err=True)
        return "failed"
    if in_folder and not _readable(path, filetype.sniff(data)):
        skipped[path.suffix.lower() or "(no extension)"] += 1
        return "skipped"
    digest = _stored(db_path, name, store.save_document, db, data, url=name) if db else None
    try:
        parsed = parse_document(data, name)
        files = [(source_name(file), file.read_bytes()) for file in attachments]
        if files:  # a 详见附件 page and its files: one report, as when crawled
            parsed = parse_with_attachments(parsed, [parse_document(body, file) for file, body in files])
    except Exception as error:  # a parser bug must not stop the batch; the original is kept
        click.echo(f"error: {name}: could not be parsed ({type(error).__name__}: {error})", err=True)
        return "failed"
    record = parsed.record
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False))
        return "printed"
    if files:
        stored = [{"link": file, "url": file, "file_name": Path(file).name,
                   "sha256": _stored(db_path, file, store.save_attachment, db, body, url=file,
                                     file_name=Path(file).name)} for file, body in files]
        status = _stored(db_path, name, store.save_report_with_attachments, db, parsed, digest, stored)
    else:
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
