"""Parse every stored document again with the current parser, without network: after a parser
fix, the corpus catches up without crawling again (`govreports reparse`)."""
from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from pathlib import Path

import store
from parsers.decode import charset_from_content_type
from parsers.record import parse_document, parse_with_attachments
from store.fetched import save_parsed

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


def reparse_corpus(db_path: str | Path, workers: int | None = None,
                   progress: Callable[[int, int], None] | None = None) -> tuple[Counter, list[tuple[str, str]]]:
    """Parse every stored document again with the current parser, without network.

    Returns the count of each outcome of store.save_report ('reparsed': same bytes, a
    different parse, rewritten in place; 'unchanged'; 'new'/'changed' for documents that had
    no report, e.g. whose parse failed before; 'failed') and the (outcome, source) of each
    report that is not unchanged. Oldest documents first, so that versions keep their order.
    Parsing runs in `workers` processes (default: one per CPU); this process writes, in
    batches (store.Batch). At most WINDOW_PER_WORKER documents per worker are in flight, so
    memory stays flat when the writer is slower than the parsers. `progress(done, total)` is
    told of each document done.
    """
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    db = store.open_db(db_path)
    counts, changes = Counter(), []
    # Workers from a fresh server process, not forked with this one's open database; the
    # parser is imported there once, not in every worker.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["parsers.record"])
    workers = workers or os.cpu_count() or 1
    total = db.execute("SELECT count(*) FROM documents WHERE sha256 NOT IN (SELECT sha256 FROM attachments)"
                       ).fetchone()[0] if progress else 0
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(str(db_path),)) as pool, \
            store.Batch(db) as batch:
        parsed_documents = in_order(pool, _parse_stored, stored_documents(db), workers * WINDOW_PER_WORKER)
        for (digest, url, _), (parsed, error) in parsed_documents:
            with batch.report():
                status = "failed" if parsed is None else save_parsed(db, parsed, digest,
                                                                     store.attachments_of(db, digest))
            counts[status] += 1
            if status != "unchanged":
                changes.append((status, f"{url}: {error}" if error else f"{parsed.report_key}  {url}"))
            if progress:
                progress(counts.total(), total)
    db.close()
    return counts, changes


WINDOW_PER_WORKER = 8
PAGE = 500


def stored_documents(db):
    """(sha256, url, content_type) of the documents to parse, oldest first, read a page at a
    time: only their rowids are held (8 bytes each), not a million rows of text."""
    # Attachments are parsed with the page that links them, never as reports of their own.
    rowids = [row[0] for row in db.execute("SELECT rowid FROM documents WHERE sha256 NOT IN"
                                           " (SELECT sha256 FROM attachments) ORDER BY fetched_at, rowid")]
    for start in range(0, len(rowids), PAGE):
        page = rowids[start:start + PAGE]
        rows = dict((row[0], row[1:]) for row in db.execute(
            "SELECT rowid, sha256, url, content_type FROM documents WHERE rowid IN (%s)" % ",".join("?" * len(page)),
            page))
        yield from (rows[rowid] for rowid in page)


def in_order(pool, function, items, window: int):
    """(item, function(item)) in the items' order, computed in `pool` with at most `window` in flight."""
    pending = deque()
    for item in items:
        pending.append((item, pool.submit(function, item)))
        if len(pending) >= window:
            item, future = pending.popleft()
            yield item, future.result()
    while pending:
        item, future = pending.popleft()
        yield item, future.result()
