"""Item pipelines: a fetched report page goes through the stages of `parsers`, one class each.

    DocumentPipeline  the original bytes into `documents`, first: a later failure loses nothing;
                      bytes already parsed into a report go no further (an ETag-only change).
                      The page's attachments too, each under its SHA-256 with its file name.
                      (store.fetched: the one ingest path, shared with `ingest` and `reparse`)
    DecodePipeline    bytes -> text (parsers.decode)
    ConvertPipeline   HTML -> clean Simplified text (parsers.record.extract)
    ParsePipeline     text -> record (parsers.record.parse_extracted); a page with attachments
                      (详见附件) is put together with them into one record
                      (parsers.record.parse_with_attachments: `figures_from` names the file)
    StorePipeline     record -> `reports` and `cells` (and `attachments`), in one transaction,
                      counted new / changed / reparsed / unchanged

Every write goes through the crawl's writer thread (crawler.writer), in batched commits:
the reactor's thread, which downloads, never waits on SQLite.

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
from functools import partial

from crawler import storage
from crawler.extensions import Workers
from crawler.items import BlockedPage, NotModified, ReportPage
from crawler.worker import OverBudget
from crawler.writer import Writer
from parsers.decode import charset_from_content_type, decode
from parsers.filetype import sniff
from parsers.record import extract, parse_document, parse_extracted, parse_with_attachments
from store.fetched import attachment_rows, save_blocked, save_parsed, store_fetched, store_not_modified

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

    def over_budget(self, url: str, error: OverBudget) -> str:
        """The problem of a document not read for being over a budget of the workers: stored
        with the report, so the document is not fetched and parsed again every run."""
        self.crawler.stats.inc_value("govreports/over_budget")
        logger.warning("%s: not read, %s", url, error)
        return f"the document {url} was not read: {error}"


class _Storing(_Stage):
    """A stage that writes to the corpus database (setting GOVREPORTS_DB), through the crawl's
    writer thread (crawler.writer): `await self.store(function, *args)` runs function(db, *args)
    there, off the reactor's thread, in batched commits."""

    def open_spider(self) -> None:
        self.writer = Writer.of(self.crawler)
        self.writer.open()

    def close_spider(self) -> None:
        if getattr(self, "writer", None) is not None:
            self.writer.close()

    async def store(self, function, *args):
        return await self.writer.run(function, *args)


class DocumentPipeline(_Storing):
    async def process(self, page: ReportPage) -> None:
        fetched = [attachment.body is not None for attachment in page.attachments]  # else a 304: the stored file
        page.known = await self.store(store_fetched, page, page.attachments, page.site)
        for was_fetched in fetched:
            self.crawler.stats.inc_value(f"govreports/attachments_{'fetched' if was_fetched else 'not_modified'}")
        if page.known:
            self.crawler.stats.inc_value("govreports/reports_unchanged")


class NotModifiedPipeline(_Storing):
    handles = NotModified

    async def process(self, page: NotModified) -> None:
        await self.store(store_not_modified, page, page.attachments)
        for _ in page.attachments:
            self.crawler.stats.inc_value("govreports/attachments_not_modified")
        self.crawler.stats.inc_value("govreports/reports_unchanged")
        self.crawler.stats.inc_value("govreports/not_modified")


class DecodePipeline(_Stage):
    async def process(self, page: ReportPage) -> None:
        page.decoded = decode(page.body, charset_from_content_type(content_type_of(page.headers)))


class ConvertPipeline(_Computing):
    async def process(self, page: ReportPage) -> None:
        try:
            page.extracted = await self.compute(extract, page.decoded.text)
        except OverBudget as error:
            page.extracted = extract("")
            page.problems.append(self.over_budget(page.url, error))


class ParsePipeline(_Computing):
    async def process(self, page: ReportPage) -> None:
        try:
            page.parsed = await self.compute(
                parse_extracted, page.extracted, source=page.url, encoding=page.decoded.encoding,
                problems=page.decoded.problems,
            )
        except OverBudget as error:
            page.parsed = parse_extracted(extract(""), source=page.url, encoding=page.decoded.encoding,
                                          problems=[*page.decoded.problems, self.over_budget(page.url, error)])
        if page.attachments:
            files = [await self._parse_file(attachment) for attachment in page.attachments]
            page.parsed = parse_with_attachments(page.parsed, files)
        if page.problems:
            page.parsed.record["problems"] = list(dict.fromkeys([*page.parsed.record["problems"], *page.problems]))

    async def _parse_file(self, attachment):
        try:
            return await self.compute(parse_document, attachment.body, attachment.url,
                                      http_charset=charset_from_content_type(content_type_of(attachment.headers)))
        except OverBudget as error:
            return parse_extracted(extract(""), source=attachment.url, encoding=sniff(attachment.body),
                                   problems=[self.over_budget(attachment.url, error)])


class StorePipeline(_Storing):
    async def process(self, page: ReportPage) -> None:
        status = await self.store(save_parsed, page.parsed, page.document_sha256, attachment_rows(page.attachments))
        self.crawler.stats.inc_value(f"govreports/reports_{status}")


class BlockedPipeline(_Storing):
    """Blocked pages go to the `blocked` table, never to `reports`."""

    handles = BlockedPage

    async def process(self, page: BlockedPage) -> None:
        logger.warning("blocked (%s, HTTP %s) at %s: recorded, not parsed", page.kind, page.status, page.url)
        self.crawler.stats.inc_value("govreports/blocked")
        self.crawler.stats.inc_value(f"govreports/blocked/{page.kind}")
        await self.store(partial(save_blocked, url=page.url, site=page.site, status=page.status, kind=page.kind,
                                 fetched_at=page.fetched_at))
