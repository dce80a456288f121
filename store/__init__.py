"""The corpus in SQLite: documents (original bytes), reports (one row per version), cells (long form),
the attachments a page was put together with, blocked pages and crawl runs. This package owns
every table of the crawl; what a crawl fetched comes in through store.fetched. (The corpus's
derived tables, regions and checks, are corpus/'s.)

Originals are stored first and compressed, so a parser change can re-read the whole
corpus without crawling again and a parse failure loses nothing. Each report is written
in one transaction (a SAVEPOINT when a Batch holds one open): its cells are all there or
none. Saving the same bytes twice changes nothing.
"""
import hashlib
import json
import sqlite3
import time
import zlib
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

PARSER_VERSION = "1"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def open_db(path) -> sqlite_utils.Database:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(str(path))
    db.execute("PRAGMA busy_timeout=30000")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    # A batch of reports dirties tens of MB of pages: in SQLite's default 2 MB cache they spill
    # to the WAL again and again, and a checkpoint every 4 MB copies the same pages out again.
    db.execute("PRAGMA cache_size=-65536")  # KiB
    db.execute("PRAGMA wal_autocheckpoint=16384")  # pages
    _create(db)
    return db


class Batch:
    """Many reports per commit: a commit per report costs a WAL frame set and rewrites the
    same b-tree and full-text pages each time (~45x the bytes stored). Inside `with Batch(db)`
    each report is stored in `with batch.report():`; the transaction opened for the first of
    them is committed after `size` reports or `seconds`, whichever comes first, and when
    the block ends. Each report is a SAVEPOINT of its own, so a failed report leaves nothing of itself and the others of its batch stand; a kill
    loses at most the uncommitted batch, never part of a report. No transaction is held
    between batches, so other writers get their turn. A database error rolls the batch back."""

    def __init__(self, db, size: int = 1000, seconds: float = 2.0):
        self.db, self.size, self.seconds = db, size, seconds
        self.pending = 0
        self.started = 0.0

    def __enter__(self):
        return self

    @contextmanager
    def report(self):
        if not self.db.conn.in_transaction:
            self.db.conn.execute("BEGIN IMMEDIATE")  # the write lock now, not half-way through a report
            self.pending, self.started = 0, time.monotonic()
        try:
            with self.db.atomic():  # a SAVEPOINT: a failed report leaves nothing of itself
                yield
        except sqlite3.Error:
            self.rollback()
            raise
        finally:
            self.pending += 1
        if self.pending >= self.size or time.monotonic() - self.started >= self.seconds:
            self.commit()

    def commit(self) -> None:
        if self.db.conn.in_transaction:
            self.db.conn.execute("COMMIT")
        self.pending = 0

    def rollback(self) -> None:
        if self.db.conn.in_transaction:
            self.db.conn.execute("ROLLBACK")
        self.pending = 0

    def __exit__(self, kind, error, traceback):
        if isinstance(error, sqlite3.Error):
            self.rollback()
        else:
            self.commit()


def _create(db):
    if "documents" not in db.table_names():
        db["documents"].create({
            "sha256": str, "url": str, "headers": str, "fetched_at": str, "size": int,
            "content_type": str, "compression": str, "content": bytes,
        }, pk="sha256")
    if "reports" not in db.table_names():
        db["reports"].create({
            "id": int, "report_key": str, "document_sha256": str, "source": str, "title": str,
            "agency": str, "year": int, "published_on": str, "template": str, "traditional": int,
            "encoding": str, "problems": str, "problem_count": int, "text": str,
            "record_sha256": str, "current": int, "parsed_at": str, "parser_version": str,
        }, pk="id", foreign_keys=[("document_sha256", "documents", "sha256")])
        db["reports"].create_index(["report_key"])
        db["reports"].create_index(["document_sha256"], unique=True)
        db["reports"].enable_fts(["title", "agency", "text"], create_triggers=True, tokenize="trigram")
    if "cells" not in db.table_names():
        db["cells"].create({
            "report_id": int, "table_name": str, "row_key": str, "col_key": str,
            "value": "ANY", "value_raw": str,   # ANY: NUMERIC affinity, so counts are stored as integers
        }, foreign_keys=[("report_id", "reports", "id")])
        db["cells"].create_index(["report_id"])
    _add_later_columns(db)
    _lighten_writes(db)


# Columns added after the first tables were made, also added to databases made before them,
# and the index the incremental crawl finds a page's documents by.
LATER_COLUMNS = {
    "documents": {"site": str, "verified_at": str,  # the registry site it was listed by; last seen as these bytes
                  "file_name": str},  # an attachment's own name (Content-Disposition or link text): metadata only
    "reports": {
        "vanished_at": str,  # when its page was gone from its site's listing: marked, never deleted
        "missed_at": str,  # when a complete listing of its site first did not show it (store.mark_vanished)
        "figures_from": str,  # the document (page or attachment) whose bytes the figures were read from
        "is_report": int,  # 0 for a page a 年报 column lists that is no annual report (a notice, a list)
        "inferred": str,  # JSON list of the cells stored as 0 that the report left blank (SCHEMA.md)
    },
}


def _add_later_columns(db):
    for table, columns in LATER_COLUMNS.items():
        if table in db.table_names():
            missing = {name: kind for name, kind in columns.items() if name not in db[table].columns_dict}
            for name, kind in missing.items():
                db[table].add_column(name, kind)
    db["documents"].create_index(["url"], if_not_exists=True)
    if db["cells"].columns_dict["value"] is float:
        # Databases made when `value` was REAL held every count as 956.0: copied over, they become 956.
        db["cells"].transform(types={"value": "ANY"})
    if "attachments" not in db.table_names():
        # The files a report page links (详见附件), by the page's document: which bytes the
        # report was put together from, and where each came from.
        db["attachments"].create({
            "page_sha256": str, "position": int, "link": str, "url": str, "sha256": str, "file_name": str,
        }, pk=("page_sha256", "position"), foreign_keys=[("page_sha256", "documents", "sha256"),
                                                         ("sha256", "documents", "sha256")])
        db["attachments"].create_index(["sha256"])
    # Challenge pages and soft 404s met where a report was expected (store.fetched.save_blocked).
    if "blocked" not in db.table_names():
        db["blocked"].create({"url": str, "site": str, "status": int, "kind": str, "fetched_at": str})


# The full-text index follows an update of the reports only when an indexed column changed:
# marking a version not current (or vanished) is no reason to re-index its text.
FTS_UPDATE_TRIGGER = """CREATE TRIGGER reports_au AFTER UPDATE OF title, agency, text ON reports BEGIN
  INSERT INTO reports_fts (reports_fts, rowid, title, agency, text)
    VALUES ('delete', old.rowid, old.title, old.agency, old.text);
  INSERT INTO reports_fts (rowid, title, agency, text) VALUES (new.rowid, new.title, new.agency, new.text);
END"""


FTS_AUTOMERGE = 8


def _lighten_writes(db):
    """Also for databases made before: (1) no (table_name, row_key, col_key) index on cells:
    every report's ~200 cells went into it at random places (a third of the bytes written
    per report), and nothing reads through it at scale (cells are read by report_id);
    (2) the FTS update trigger narrowed to the indexed columns; (3) fewer FTS merges."""
    schema = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE name IN"
                             " ('idx_cells_table_name_row_key_col_key', 'reports_au')").fetchall())
    if "idx_cells_table_name_row_key_col_key" in schema:
        db.execute("DROP INDEX idx_cells_table_name_row_key_col_key")
    if "reports_fts_config" in db.table_names() and db.execute(
            "SELECT v FROM reports_fts_config WHERE k = 'automerge'").fetchone() != (FTS_AUTOMERGE,):
        # Merge the index's segments 8 at a time, not 4: each merge rewrites them, so fewer
        # merges write fewer bytes (measured: 3.5x -> 3.1x the bytes stored); searches are as fast.
        db.execute("INSERT INTO reports_fts (reports_fts, rank) VALUES ('automerge', ?)", [FTS_AUTOMERGE])
    if schema.get("reports_au", FTS_UPDATE_TRIGGER) != FTS_UPDATE_TRIGGER:  # made before: replaced at once
        with db.atomic():
            db.execute("DROP TRIGGER reports_au")
            db.execute(FTS_UPDATE_TRIGGER)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save_document(db, data: bytes, *, url: str, headers: dict | None = None,
                  fetched_at: str | None = None, site: str | None = None) -> str:
    """Store the original bytes (compressed) under their SHA-256; idempotent."""
    digest = sha256(data)
    headers = headers or {}
    content_type = next((value for key, value in headers.items() if key.lower() == "content-type"), None)
    fetched_at = fetched_at or now()
    db["documents"].insert({
        "sha256": digest, "url": url, "headers": json.dumps(headers, ensure_ascii=False),
        "fetched_at": fetched_at, "size": len(data), "content_type": content_type,
        "compression": "zlib", "content": zlib.compress(data, 6), "site": site, "verified_at": fetched_at,
    }, ignore=True)
    return digest


def confirm_document(db, digest: str, *, headers: dict, verified_at: str) -> None:
    """The page still holds these bytes (a 304, or the same bytes again): remember when, and
    its latest validators, so that the next revalidation sends the ETag the server now uses."""
    stored = json.loads(db["documents"].get(digest)["headers"] or "{}")
    latest = {key: value for key, value in headers.items() if key.lower() in ("etag", "last-modified")}
    replaced = {key.lower() for key in latest}
    stored = {key: value for key, value in stored.items() if key.lower() not in replaced} | latest
    db["documents"].update(digest, {"headers": json.dumps(stored, ensure_ascii=False), "verified_at": verified_at})


def report_pages(db, url: str | None = None) -> list[tuple[str, str, str, str]]:
    """(url, sha256, headers, verified_at) of the documents of current reports, oldest first
    (so that the latest copy of a URL comes last): what a re-crawl may skip or revalidate."""
    where = "r.current = 1" + (" AND d.url = ?" if url else "")
    return db.execute(
        "SELECT d.url, d.sha256, d.headers, coalesce(d.verified_at, d.fetched_at) FROM documents d"
        f" JOIN reports r ON r.document_sha256 = d.sha256 WHERE {where} ORDER BY d.fetched_at",
        [url] if url else []).fetchall()


def has_report(db, digest: str) -> bool:
    """Whether these bytes were parsed into a report already: then fetching them again needs no parse."""
    return db.execute("SELECT 1 FROM reports WHERE document_sha256 = ?", [digest]).fetchone() is not None


def listed_reports(db, site: str) -> dict[str, str | None]:
    """The pages of `site`'s current reports not marked vanished, with when a complete listing
    first missed each (None: shown by the last one)."""
    return dict(db.execute(
        "SELECT source, missed_at FROM reports WHERE current = 1 AND vanished_at IS NULL"
        " AND document_sha256 IN (SELECT sha256 FROM documents WHERE site = ?)", [site]).fetchall())


def mark_vanished(db, site: str, present: set[str], gone: set[str], when: str) -> tuple[int, int]:
    """After a complete read of `site`'s listings, which show the report pages `present`:
    a current report not listed is marked vanished (kept, and still current: nothing replaced
    it) when its own page answered 404/410 (`gone`), or when the previous complete listing
    missed it too; else it is only marked missed (`missed_at`), since one listing that shows
    fewer reports (half-loaded, redesigned, an error page) proves nothing. Reports listed again
    are unmarked. Returns (newly vanished, back again)."""
    with db.atomic():
        for table, urls in (("present", present), ("gone", gone)):
            db.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} (url TEXT PRIMARY KEY)")
            db.execute(f"DELETE FROM temp.{table}")
            db.conn.executemany(f"INSERT OR IGNORE INTO temp.{table} VALUES (?)", [(url,) for url in urls])
        mine = "document_sha256 IN (SELECT sha256 FROM documents WHERE site = ?)"
        unlisted = f"current = 1 AND vanished_at IS NULL AND {mine} AND source NOT IN (SELECT url FROM temp.present)"
        vanished = db.execute(
            f"UPDATE reports SET vanished_at = ? WHERE {unlisted}"
            " AND (missed_at IS NOT NULL OR source IN (SELECT url FROM temp.gone))", [when, site]).rowcount
        db.execute(f"UPDATE reports SET missed_at = ? WHERE {unlisted} AND missed_at IS NULL", [when, site])
        back = db.execute(
            f"UPDATE reports SET vanished_at = NULL WHERE vanished_at IS NOT NULL AND {mine}"
            " AND source IN (SELECT url FROM temp.present)", [site]).rowcount
        db.execute(f"UPDATE reports SET missed_at = NULL WHERE missed_at IS NOT NULL AND {mine}"
                   " AND source IN (SELECT url FROM temp.present)", [site])
    return vanished, back


def load_document(db, digest: str) -> bytes:
    row = db["documents"].get(digest)
    return zlib.decompress(row["content"]) if row["compression"] == "zlib" else row["content"]


def record_sha256(record: dict) -> str:
    """What a parse said, minus where the bytes came from and how long OCR took: equal means
    nothing to rewrite."""
    stable = {key: value for key, value in record.items() if key != "source"}
    if "ocr" in stable:
        stable["ocr"] = {key: value for key, value in stable["ocr"].items() if key != "seconds"}
    return sha256(json.dumps(stable, ensure_ascii=False, sort_keys=True).encode())


def save_report(db, parsed, document_sha256: str) -> str:
    """Store one parsed report with its cells, in one transaction.

    Returns 'new' (first version of this report), 'changed' (a new version: other bytes
    for a report already stored; earlier versions stay, no longer current), 'reparsed'
    (same bytes, different parse: rewritten in place) or 'unchanged'.
    """
    record = parsed.record
    digest = record_sha256(record)
    existing = next(db["reports"].rows_where("document_sha256 = ?", [document_sha256], limit=1), None)
    if existing and existing["record_sha256"] == digest:
        return "unchanged"
    row = {
        "report_key": parsed.report_key, "document_sha256": document_sha256,
        "source": record["source"], "title": record["title"], "agency": record["agency"],
        "year": record["year"], "published_on": record["published_on"], "template": record["template"],
        "traditional": int(record["traditional"]), "encoding": record["encoding"],
        "problems": json.dumps(record["problems"], ensure_ascii=False),
        "problem_count": len(record["problems"]), "text": parsed.text, "record_sha256": digest,
        "figures_from": record.get("figures_from"), "is_report": int(record.get("is_report", True)),
        "inferred": json.dumps(record.get("inferred", []), ensure_ascii=False),
        "current": 1, "parsed_at": now(), "parser_version": PARSER_VERSION,
    }
    with db.atomic():
        if existing:
            status = "reparsed"
            report_id = existing["id"]
            row["current"] = existing["current"]
            db["reports"].update(report_id, row)
            db.execute("DELETE FROM cells WHERE report_id = ?", [report_id])
        else:
            earlier = db.execute("SELECT count(*) FROM reports WHERE report_key = ?",
                                 [parsed.report_key]).fetchone()[0]
            status = "changed" if earlier else "new"
            db.execute("UPDATE reports SET current = 0 WHERE report_key = ?", [parsed.report_key])
            report_id = db["reports"].insert(row).last_pk
        db.conn.executemany(  # plain executemany: a report has ~200 cells, and this is the hot path
            "INSERT INTO cells (report_id, table_name, row_key, col_key, value, value_raw) VALUES (?, ?, ?, ?, ?, ?)",
            [(report_id, cell.table, cell.row, cell.col, cell.value, cell.raw) for cell in parsed.cells])
    return status


# ---- attachments: files a report page links, stored as documents of their own -------------

def save_attachment(db, data: bytes, *, url: str, file_name: str | None, headers: dict | None = None,
                    fetched_at: str | None = None, site: str | None = None) -> str:
    """An attachment's bytes, stored as any document (by SHA-256, idempotent), with the file's
    own name kept as metadata. The name is never used as a path."""
    digest = save_document(db, data, url=url, headers=headers, fetched_at=fetched_at, site=site)
    if file_name:
        db.execute("UPDATE documents SET file_name = ? WHERE sha256 = ? AND file_name IS NULL", [file_name, digest])
    return digest


def attachments_of(db, page_sha256: str) -> list[dict]:
    """The attachments a stored report page was put together with, in link order."""
    return list(db["attachments"].rows_where("page_sha256 = ?", [page_sha256], order_by="position"))


def save_report_with_attachments(db, parsed, document_sha256: str, attachments: list[dict]) -> str:
    """save_report for a page put together with its attachments (dicts with link, url, sha256,
    file_name), which are recorded with it in the same transaction. Returns save_report's status."""
    with db.atomic():
        status = save_report(db, parsed, document_sha256)
        db.execute("DELETE FROM attachments WHERE page_sha256 = ?", [document_sha256])
        db.conn.executemany(
            "INSERT INTO attachments (page_sha256, position, link, url, sha256, file_name) VALUES (?, ?, ?, ?, ?, ?)",
            [(document_sha256, position, item["link"], item["url"], item["sha256"], item.get("file_name"))
             for position, item in enumerate(attachments)])
    return status


def attachment_documents(db) -> list[tuple[str, str, str, str, str, str, str | None]]:
    """(page sha256, link, url, sha256, headers, verified_at, file_name) of the attachments of
    current reports, in link order: what a re-crawl revalidates instead of downloading again."""
    return db.execute(
        "SELECT a.page_sha256, a.link, a.url, d.sha256, d.headers, coalesce(d.verified_at, d.fetched_at),"
        " a.file_name FROM attachments a JOIN reports r ON r.document_sha256 = a.page_sha256 AND r.current = 1"
        " JOIN documents d ON d.sha256 = a.sha256 ORDER BY a.page_sha256, a.position").fetchall()


def save_run(db, row: dict) -> None:
    """A crawl's `crawl_runs` row: a single crawl's (crawler.extensions) or a distributed
    round's (crawler.distributed). Columns are added as runs come to count more things."""
    db["crawl_runs"].insert(row, pk="id", alter=True)


def attachment_shas(db) -> set[str]:
    """Documents that are some page's attachment: parsed only together with their page."""
    return {row[0] for row in db.execute("SELECT DISTINCT sha256 FROM attachments")}
