"""Extensions: the crawl's worker processes, and the `crawl_runs` table."""
from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from functools import partial

from scrapy import signals
from scrapy.exceptions import NotConfigured

from parsers import store


class Workers:
    """Worker processes (GOVREPORTS_WORKERS) for the CPU-bound item pipelines.

    Parsing is most of a crawl's CPU time; done in the reactor's thread it would stall the
    downloads. Workers come from a fresh server process, not forked from the crawl's threads.
    """

    def __init__(self, crawler):
        self.count = crawler.settings.getint("GOVREPORTS_WORKERS")
        if not self.count:
            raise NotConfigured
        self.pool: ProcessPoolExecutor | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["parsers.record"])
        self.pool = ProcessPoolExecutor(self.count, mp_context=context)
        self.pool.submit(int)  # start a worker while the first listings download

    def spider_closed(self) -> None:
        if self.pool:  # None when the crawl failed before it opened
            self.pool.shutdown()

    async def run(self, function, *args, **kwargs):
        return await asyncio.get_running_loop().run_in_executor(self.pool, partial(function, *args, **kwargs))


# Row column -> the stat it is read from.
COUNTS = {
    "seconds": "elapsed_time_seconds",
    "requests": "downloader/request_count",
    "responses": "downloader/response_count",
    "bytes": "downloader/response_bytes",
    "listed": "govreports/listed",
    "reports_new": "govreports/reports_new",
    "reports_changed": "govreports/reports_changed",
    "reports_reparsed": "govreports/reports_reparsed",
    "reports_unchanged": "govreports/reports_unchanged",
    "blocked": "govreports/blocked",
    "offsite": "offsite/filtered",
}
# Summed into `errors`: report pages a pipeline stage failed on, refused Hanweb XML,
# exceptions in spider callbacks, and downloads given up after their retries.
ERRORS = ("govreports/errors", "spider_exceptions/count", "retry/max_reached")


class CrawlRuns:
    """Writes the run's row to `crawl_runs` when the crawl closes."""

    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_closed(self, reason: str) -> None:
        stats = self.crawler.stats
        started = stats.get_value("start_time")
        row = {
            "started_at": started.isoformat(timespec="seconds") if started else None,
            "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "sites": ",".join(site.key for site in getattr(self.crawler.spider, "sites", ())),
            "finish_reason": reason,
            **{column: stats.get_value(stat, 0) for column, stat in COUNTS.items()},
            "errors": sum(stats.get_value(stat, 0) for stat in ERRORS),
        }
        db = store.open_db(self.crawler.settings["GOVREPORTS_DB"])
        try:
            db["crawl_runs"].insert(row, pk="id", alter=True)
        finally:
            db.close()
