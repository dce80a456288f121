"""The one ingest path: what a crawl fetched, into the corpus. The item pipelines, the
distributed `ingest` and `reparse` all store through here, so that a page is stored, skipped
or saved the same way whichever of them meets it.

A page and a file are any objects with url, headers, fetched_at, body (None: a 304, the
stored document_sha256) and document_sha256; a file also has link and name
(crawler.items.ReportPage and Attachment are such objects).
"""
import store


def store_fetched(db, page, files: list, site: str | None) -> bool:
    """Store the fetched page and its files (详见附件), each under its SHA-256, first: a later
    failure loses nothing. A 304's stored bytes are loaded into its body. Sets each one's
    document_sha256. Returns whether the page is known: these bytes (and these files) were
    parsed into a report already, so there is nothing to parse (an ETag-only change, or a
    page fetched again after an interrupted crawl); its new validators are kept."""
    _store_one(db, page, lambda: store.save_document(
        db, page.body, url=page.url, headers=page.headers, fetched_at=page.fetched_at, site=site))
    for file in files:
        _store_one(db, file, lambda file=file: store.save_attachment(
            db, file.body, url=file.url, file_name=file.name, headers=file.headers, fetched_at=file.fetched_at,
            site=site))
    stored = [row["sha256"] for row in store.attachments_of(db, page.document_sha256)]
    if store.has_report(db, page.document_sha256) and stored == [file.document_sha256 for file in files]:
        store.confirm_document(db, page.document_sha256, headers=page.headers, verified_at=page.fetched_at)
        return True
    return False


def _store_one(db, fetched, save) -> None:
    if fetched.body is None:  # a 304: the stored bytes, still current
        store.confirm_document(db, fetched.document_sha256, headers=fetched.headers, verified_at=fetched.fetched_at)
        fetched.body = store.load_document(db, fetched.document_sha256)
    else:
        fetched.document_sha256 = save()


def store_not_modified(db, page, files: list) -> None:
    """A stored page the server answered 304 to, with its files (each a 304 too)."""
    for fetched in (page, *files):
        store.confirm_document(db, fetched.document_sha256, headers=fetched.headers, verified_at=fetched.fetched_at)


def save_parsed(db, parsed, page_sha256: str, attachments: list[dict]) -> str:
    """A page's report, with the attachments it was put together from (dicts with link, url,
    sha256, file_name; none: a page on its own). Returns store.save_report's status."""
    if attachments:
        return store.save_report_with_attachments(db, parsed, page_sha256, attachments)
    return store.save_report(db, parsed, page_sha256)


def attachment_rows(files: list) -> list[dict]:
    """The `attachments` rows of a page's fetched files, in link order."""
    return [{"link": file.link, "url": file.url, "sha256": file.document_sha256, "file_name": file.name}
            for file in files]


def save_blocked(db, *, url: str, site: str, status: int, kind: str, fetched_at: str) -> None:
    """A challenge page or soft 404 met where a report was expected: recorded, never parsed."""
    db["blocked"].insert({"url": url, "site": site, "status": status, "kind": kind, "fetched_at": fetched_at})
