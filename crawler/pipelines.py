"""Item pipelines: a fetched report page goes through the stages of `parsers`, one class each.

    DocumentPipeline  the original bytes into `documents`, first: a later failure loses nothing;
                      bytes already parsed into a report go no further (an ETag-only change).
                      The page's attachments too, each under its SHA-256 with its file name.
    DecodePipeline    bytes -> text (parsers.decode)
    ConvertPipeline   HTML -> clean Simplified text (parsers.record.extract)
    ParsePipeline     text -> record (parsers.record.parse_extracted); a page with attachments
                      (详见附件) is put together with them into one record
                      (parsers.record.parse_with_attachments: `figures_from` names the file)
    StorePipeline     record -> `reports` and `cells` (and `attachments`), in one transaction,
                      counted new / changed / reparsed / unchanged

Convert and Parse are most of a crawl's CPU time: they run in the worker processes of
crawler.extensions.Workers, so that the crawl goes on downloading meanwhile.

BlockedPipeline records the challenge pages and soft 404s the spiders met, NotModifiedPipeline
the 304s to revalidations (crawler.middlewares.Revalidate). An exception in a stage is
counted as an error of the run (crawl_runs.errors) and of its site, logged by Scrapy with
the item's URL, and ends that item only: its document is kept and the crawl goes on.

A database that cannot be written (disk full, read-only, I/O error) is no item's fault: the
crawl stops at once with reason 'storage_failed' and one clear error line; SQLite's
transactions leave the database as it was before the failed write (crawler.storage).
"""
from __future__ import annotations

import logging

import store
from parsers.decode import charset_from_content_type, decode
from parsers.record import extract, parse_document, parse_extracted, parse_with_attachments

from crawler import storage
from crawler.extensions import Workers
from crawler.items import Attachment, BlockedPage, NotModified, ReportPage

logger = logging.getLogger(__name__)


def content_type_of(headers: dict[str, str]) -> str | None:
    return next((value for key, value in headers.items() if key.lower() == "content-type"), None)


class _Stage:
    """A pipeline that works on one type of item and passes any other item through."""

    handles: type = ReportPage

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_item(self, item):
        if isinstance(item, self.handles) and not getattr(item, "known", False):
            try:
                await self.process(item)
            except Exception as error:
                if storage.is_storage_error(error):
                    storage.failed(self.crawler, error)  # the crawl stops: no item could be stored
                    raise storage.StorageFailed(str(error)) from None
                # Counted here; Scrapy logs it with the item's URL and drops the item.
                self.crawler.stats.inc_value("govreports/errors")
                self.crawler.stats.inc_value(f"govreports/failed/{item.site}")
                raise
        return item

    async def process(self, item) -> None:
        raise NotImplementedError


class _Computing(_Stage):
    """A CPU-bound stage: its work goes to the crawl's worker processes when there are any."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.workers = crawler.get_extension(Workers)

    async def compute(self, function, *args, **kwargs):
        if self.workers is None:
            return function(*args, **kwargs)
        return await self.workers.run(function, *args, **kwargs)


class _Storing(_Stage):
    """A stage that writes to the corpus database (setting GOVREPORTS_DB)."""

    def open_spider(self) -> None:
        self.db = storage.open_writable(self.crawler)

    def close_spider(self) -> None:
        if getattr(self, "db", None) is not None:
            self.db.close()


class DocumentPipeline(_Storing):
    async def process(self, page: ReportPage) -> None:
        if page.body is None:  # a 304 to the page, whose attachments changed: the stored page
            store.confirm_document(self.db, page.document_sha256, headers=page.headers, verified_at=page.fetched_at)
            page.body = store.load_document(self.db, page.document_sha256)
        else:
            page.document_sha256 = store.save_document(
                self.db, page.body, url=page.url, headers=page.headers, fetched_at=page.fetched_at, site=page.site
            )
        for attachment in page.attachments:
            self._store_attachment(attachment, page.site)
        if store.has_report(self.db, page.document_sha256) and [
                row["sha256"] for row in store.attachments_of(self.db, page.document_sha256)] == [
                attachment.document_sha256 for attachment in page.attachments]:
            # The same bytes (and the same files) under a new ETag or date, or a page fetched
            # again after an interrupted crawl: nothing to parse. The new validators are kept.
            store.confirm_document(self.db, page.document_sha256, headers=page.headers, verified_at=page.fetched_at)
            self.crawler.stats.inc_value("govreports/reports_unchanged")
            page.known = True

    def _store_attachment(self, attachment: Attachment, site: str) -> None:
        if attachment.body is None:  # a 304: the stored file
            store.confirm_document(self.db, attachment.document_sha256, headers=attachment.headers,
                                   verified_at=attachment.fetched_at)
            attachment.body = store.load_document(self.db, attachment.document_sha256)
            self.crawler.stats.inc_value("govreports/attachments_not_modified")
        else:
            attachment.document_sha256 = store.save_attachment(
                self.db, attachment.body, url=attachment.url, file_name=attachment.name, headers=attachment.headers,
                fetched_at=attachment.fetched_at, site=site)
            self.crawler.stats.inc_value("govreports/attachments_fetched")


class NotModifiedPipeline(_Storing):
    handles = NotModified

    async def process(self, page: NotModified) -> None:
        store.confirm_document(self.db, page.document_sha256, headers=page.headers, verified_at=page.fetched_at)
        for attachment in page.attachments:
            store.confirm_document(self.db, attachment.document_sha256, headers=attachment.headers,
                                   verified_at=attachment.fetched_at)
            self.crawler.stats.inc_value("govreports/attachments_not_modified")
        self.crawler.stats.inc_value("govreports/reports_unchanged")
        self.crawler.stats.inc_value("govreports/not_modified")


class DecodePipeline(_Stage):
    async def process(self, page: ReportPage) -> None:
        page.decoded = decode(page.body, charset_from_content_type(content_type_of(page.headers)))


class ConvertPipeline(_Computing):
    async def process(self, page: ReportPage) -> None:
        page.extracted = await self.compute(extract, page.decoded.text)


class ParsePipeline(_Computing):
    async def process(self, page: ReportPage) -> None:
        page.parsed = await self.compute(
            parse_extracted, page.extracted, source=page.url, encoding=page.decoded.encoding,
            problems=page.decoded.problems,
        )
        if page.attachments:
            files = [await self.compute(parse_document, attachment.body, attachment.url,
                                        http_charset=charset_from_content_type(content_type_of(attachment.headers)))
                     for attachment in page.attachments]
            page.parsed = parse_with_attachments(page.parsed, files)
        if page.problems:
            page.parsed.record["problems"] = list(dict.fromkeys([*page.parsed.record["problems"], *page.problems]))


class StorePipeline(_Storing):
    async def process(self, page: ReportPage) -> None:
        if page.attachments:
            status = store.save_report_with_attachments(self.db, page.parsed, page.document_sha256, [
                {"link": attachment.link, "url": attachment.url, "sha256": attachment.document_sha256,
                 "file_name": attachment.name} for attachment in page.attachments])
        else:
            status = store.save_report(self.db, page.parsed, page.document_sha256)
        self.crawler.stats.inc_value(f"govreports/reports_{status}")


class BlockedPipeline(_Storing):
    """Blocked pages go to the `blocked` table, never to `reports`."""

    handles = BlockedPage

    def open_spider(self) -> None:
        super().open_spider()
        with storage.stopping_on_failure(self.crawler):
            self.db["blocked"].create(
                {"url": str, "site": str, "status": int, "kind": str, "fetched_at": str}, if_not_exists=True
            )

    async def process(self, page: BlockedPage) -> None:
        logger.warning("blocked (%s, HTTP %s) at %s: recorded, not parsed", page.kind, page.status, page.url)
        self.crawler.stats.inc_value("govreports/blocked")
        self.crawler.stats.inc_value(f"govreports/blocked/{page.kind}")
        self.db["blocked"].insert(
            {"url": page.url, "site": page.site, "status": page.status, "kind": page.kind, "fetched_at": page.fetched_at}
        )
