"""Item pipelines: a fetched report page goes through the stages of `parsers`, one class each.

    DocumentPipeline  the original bytes into `documents`, first: a later failure loses nothing;
                      bytes already parsed into a report go no further (an ETag-only change)
    DecodePipeline    bytes -> text (parsers.decode)
    ConvertPipeline   HTML -> clean Simplified text (parsers.record.extract)
    ParsePipeline     text -> record (parsers.record.parse_extracted)
    StorePipeline     record -> `reports` and `cells`, counted new / changed / reparsed / unchanged

Convert and Parse are most of a crawl's CPU time: they run in the worker processes of
crawler.extensions.Workers, so that the crawl goes on downloading meanwhile.

BlockedPipeline records the challenge pages and soft 404s the spiders met, NotModifiedPipeline
the 304s to revalidations (crawler.middlewares.Revalidate). An exception in a stage is
counted as an error of the run (crawl_runs.errors) and of its site, logged by Scrapy with
the item's URL, and ends that item only: its document is kept and the crawl goes on.
"""
from __future__ import annotations

import logging

from parsers import store
from parsers.decode import charset_from_content_type, decode
from parsers.record import extract, parse_extracted

from crawler.extensions import Workers
from crawler.items import BlockedPage, NotModified, ReportPage

logger = logging.getLogger(__name__)


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
            except Exception:
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
        self.db = store.open_db(self.crawler.settings["GOVREPORTS_DB"])

    def close_spider(self) -> None:
        self.db.close()


class DocumentPipeline(_Storing):
    async def process(self, page: ReportPage) -> None:
        page.document_sha256 = store.save_document(
            self.db, page.body, url=page.url, headers=page.headers, fetched_at=page.fetched_at, site=page.site
        )
        if store.has_report(self.db, page.document_sha256):
            # The same bytes under a new ETag or date, or a page fetched again after an
            # interrupted crawl: nothing to parse. The new validators are kept for next time.
            store.confirm_document(self.db, page.document_sha256, headers=page.headers, verified_at=page.fetched_at)
            self.crawler.stats.inc_value("govreports/reports_unchanged")
            page.known = True


class NotModifiedPipeline(_Storing):
    handles = NotModified

    async def process(self, page: NotModified) -> None:
        store.confirm_document(self.db, page.document_sha256, headers=page.headers, verified_at=page.fetched_at)
        self.crawler.stats.inc_value("govreports/reports_unchanged")
        self.crawler.stats.inc_value("govreports/not_modified")


class DecodePipeline(_Stage):
    async def process(self, page: ReportPage) -> None:
        content_type = next((v for k, v in page.headers.items() if k.lower() == "content-type"), None)
        page.decoded = decode(page.body, charset_from_content_type(content_type))


class ConvertPipeline(_Computing):
    async def process(self, page: ReportPage) -> None:
        page.extracted = await self.compute(extract, page.decoded.text)


class ParsePipeline(_Computing):
    async def process(self, page: ReportPage) -> None:
        page.parsed = await self.compute(
            parse_extracted, page.extracted, source=page.url, encoding=page.decoded.encoding,
            problems=page.decoded.problems,
        )


class StorePipeline(_Storing):
    async def process(self, page: ReportPage) -> None:
        status = store.save_report(self.db, page.parsed, page.document_sha256)
        self.crawler.stats.inc_value(f"govreports/reports_{status}")


class BlockedPipeline(_Storing):
    """Blocked pages go to the `blocked` table, never to `reports`."""

    handles = BlockedPage

    def open_spider(self) -> None:
        super().open_spider()
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
