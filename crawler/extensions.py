"""Extensions: the database lock, the crawl's worker processes, vanished reports, and the
`crawl_runs` table."""
from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime, timezone
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import CloseSpider, DontCloseSpider, NotConfigured

import store
from crawler import lock, orphans, storage, worker
from crawler import settings as defaults

logger = logging.getLogger(__name__)


class DatabaseLock:
    """The crawl holds the lock of its database (crawler.lock) from start to end, so that
    two runs never write one database at once; a second one closes at once, reason 'locked'."""

    def __init__(self, crawler):
        db = crawler.settings["GOVREPORTS_DB"]
        self.error = None
        self.reason = "locked"
        if lock.inherited(db) is None:
            try:
                lock.acquire(db)
            except lock.Locked as error:
                self.error = error
            except OSError as error:  # no lock file can be made beside it: a read-only or full disk
                self.error, self.reason = f"cannot write the database {db}: the lock file: {error}", "storage_failed"
                crawler.stats.set_value("govreports/storage_error", self.error)
        # Held until the process ends: a crawl is one process (crawler.runner).
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self) -> None:
        if self.error:
            logger.error("%s", self.error)
            raise CloseSpider(self.reason)


class Workers:
    """Worker processes (GOVREPORTS_WORKERS) for the CPU-bound item pipelines.

    Parsing is most of a crawl's CPU time; done in the reactor's thread it would stall the
    downloads. Workers come from a fresh server process, not forked from the crawl's threads.

    Each document is parsed within budgets (crawler.worker): CPU time, memory, and wall-clock
    time. A document over one raises crawler.worker.OverBudget, which the pipelines store as
    a problem of the report; past the wall-clock budget the pool is killed and replaced, and
    the other documents it was parsing are given to the new one. Only as many documents as
    there are workers are handed over at a time, so a document's time is its own, not the
    time it waited behind others.
    """

    def __init__(self, crawler):
        settings = crawler.settings
        self.count = settings.getint("GOVREPORTS_WORKERS")
        if not self.count:
            raise NotConfigured
        self.seconds = settings.getfloat("GOVREPORTS_DOCUMENT_SECONDS", defaults.GOVREPORTS_DOCUMENT_SECONDS)
        self.cpu_seconds = settings.getfloat("GOVREPORTS_DOCUMENT_CPU_SECONDS",
                                             defaults.GOVREPORTS_DOCUMENT_CPU_SECONDS)
        self.memory = settings.getint("GOVREPORTS_WORKER_MEMORY", defaults.GOVREPORTS_WORKER_MEMORY)
        self.stats = crawler.stats
        self.pool: ProcessPoolExecutor | None = None
        self.slots: asyncio.Semaphore | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self) -> None:
        orphans.parent_of_next()  # the forkserver checks that its parent is still this process
        self.slots = asyncio.Semaphore(self.count)
        self.pool = self._start()
        self.pool.submit(int)  # start a worker while the first listings download

    def _start(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        # crawler.forkserver first: a forkserver (and its workers) must not outlive a killed crawl.
        context.set_forkserver_preload(["crawler.forkserver", "crawler.worker", "parsers.record"])
        return ProcessPoolExecutor(self.count, mp_context=context, initializer=worker.start, initargs=(self.memory,))

    def spider_closed(self) -> None:
        if self.pool:  # None when the crawl failed before it opened
            self.pool.shutdown()

    async def run(self, function, *args, **kwargs):
        """function(*args, **kwargs) in a worker, within the budgets; OverBudget past one."""
        async with self.slots:
            for attempt in (1, 2):
                pool = self.pool
                future = asyncio.wrap_future(pool.submit(worker.bounded, self.cpu_seconds, function, *args, **kwargs))
                try:
                    return await asyncio.wait_for(future, self.seconds)
                except asyncio.TimeoutError:
                    self._replace(pool)
                    raise worker.OverBudget(f"over its budget of {self.seconds:.0f} s "
                                            "(GOVREPORTS_DOCUMENT_SECONDS)") from None
                except BrokenProcessPool:
                    # Killed by the kernel (memory), or by _replace for another document: that
                    # one is tried again on the new pool, the one that broke it is over budget.
                    self._replace(pool)
                    if attempt == 2:
                        raise worker.OverBudget("its worker was killed (over its memory or CPU budget)") from None

    def _replace(self, pool: ProcessPoolExecutor) -> None:
        """Kill `pool`'s workers and start a new pool, unless another document already did."""
        if pool is not self.pool:
            return
        self.stats.inc_value("govreports/workers_replaced")
        # ProcessPoolExecutor cannot stop a running task: its processes are killed by PID.
        for process in list((pool._processes or {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        self.pool = self._start()


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
    "reports_unchanged": "govreports/reports_unchanged",  # of which:
    "not_requested": "govreports/not_requested",  # confirmed recently: not due for revalidation
    "not_modified": "govreports/not_modified",  # 304 to a revalidation
    "reports_vanished": "govreports/reports_vanished",
    "blocked": "govreports/blocked",
    "offsite": "offsite/filtered",  # of which non-public addresses:
    "non_public": "offsite/non_public",
    "attachments_fetched": "govreports/attachments_fetched",
    "attachments_not_modified": "govreports/attachments_not_modified",
    "probed": "govreports/probed",  # stored reports no longer listed, asked for once (Vanished)
    "fetch_failed": "govreports/fetch_failed",  # pages and files given up: retries spent, HTTP errors, loops
    "retries": "retry/count",  # failures survived by trying again
}
# Summed into `errors`: report pages a pipeline stage failed on, refused Hanweb XML,
# exceptions in spider callbacks, pages and files not fetched (each logged with its URL by
# the spider), and robots.txt files that could not be fetched.
ERRORS = ("govreports/errors", "spider_exceptions/count", "govreports/fetch_failed")
ERROR_PREFIXES = ("robotstxt/exception_count/",)


def error_count(stats) -> int:
    counts = stats.get_stats()
    return sum(counts.get(stat, 0) for stat in ERRORS) + sum(
        value for key, value in counts.items() if key.startswith(ERROR_PREFIXES))


# A listing that shows more than this many, and this share, fewer of the reports it showed
# last time is suspect (a redesign, an error page served with 200, a half-loaded list).
SHRUNK = {"reports": 5, "share": 0.3}


def failed_sites(stats) -> list[str]:
    """Sites with a failure this run: a listing or report page not fetched, a listing that
    did not parse, a report page no stage could process (stats `govreports/failed/<site>`)."""
    prefix = "govreports/failed/"
    return sorted(key[len(prefix):] for key in stats.get_stats() if key.startswith(prefix))


class Vanished:
    """Judges the stored reports a site's listings no longer show (store.mark_vanished).

    Only for sites whose every listing page was read, in a crawl that ran to its end: a
    listing that failed, or a crawl cut short, proves nothing about what is gone. When the
    listings are read, each report they no longer show is asked for once (a 404 or 410: gone
    now), unless the listing shrank suspiciously (SHRUNK): then it is a problem of the run
    (`crawl_runs.listing_shrunk`, a warning in the log), and nothing is asked.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.known: dict[str, dict[str, str | None]] = {}  # site -> its stored reports (store.listed_reports)
        self.probed = False
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def complete_sites(self, spider) -> list:
        failed = set(failed_sites(self.crawler.stats))
        return [site for site in getattr(spider, "sites", ()) if site.key not in failed]

    def spider_idle(self, spider) -> None:
        """The listings are all read: ask once for the stored reports they no longer show."""
        if self.probed:
            return
        self.probed = True
        db = store.open_db(self.crawler.settings["GOVREPORTS_DB"])
        try:
            self.known = {site.key: store.listed_reports(db, site.key) for site in self.complete_sites(spider)}
        finally:
            db.close()
        # Reports missed by the last listing already are vanished if this one misses them: no need to ask.
        requests = [spider.probe_request(url, site) for site in self.complete_sites(spider)
                    if not self.shrunk(spider, site.key)
                    for url, missed in self.known[site.key].items()
                    if missed is None and url not in spider.present[site.key]]
        for request in requests:
            self.crawler.engine.crawl(request)
        if requests:
            raise DontCloseSpider

    def shrunk(self, spider, site: str) -> str | None:
        """'site 98 -> 49' when the listing shows SHRUNK fewer of the reports it showed last time."""
        last = [url for url, missed in self.known.get(site, {}).items() if missed is None]
        dropped = sum(1 for url in last if url not in spider.present[site])
        if dropped > SHRUNK["reports"] and dropped > SHRUNK["share"] * len(last):
            return f"{site} {len(last)} -> {len(last) - dropped}"
        return None

    def spider_closed(self, spider, reason: str) -> None:
        if reason != "finished":
            return
        stats, failed = self.crawler.stats, set(failed_sites(self.crawler.stats))
        for site in getattr(spider, "sites", ()):
            if site.key in failed:
                logger.warning("%s: not all pages read, so no report of it is marked vanished", site.key)
        shrunk = list(filter(None, (self.shrunk(spider, site.key) for site in self.complete_sites(spider))))
        for what in shrunk:
            logger.warning("listing shrunk: %s reports of those it showed last time; the missing ones are marked "
                           "vanished only if the next complete listing misses them too", what)
        if shrunk:
            stats.set_value("govreports/listing_shrunk", ", ".join(shrunk))
        db = store.open_db(self.crawler.settings["GOVREPORTS_DB"])
        try:
            for site in self.complete_sites(spider):
                vanished, back = store.mark_vanished(db, site.key, spider.present[site.key], spider.gone[site.key],
                                                     store.now())
                stats.inc_value("govreports/reports_vanished", vanished)
                if vanished or back:
                    logger.info("%s: %d reports vanished, %d listed again", site.key, vanished, back)
        finally:
            db.close()


class CrawlRuns:
    """Writes the run's row to `crawl_runs` when the crawl closes (not when another run held
    the database: that run is not this one's to record). With a LOG_FILE, the row is also
    written beside it as JSON (crawl-….json), where `govreports crawl` reads its exit code."""

    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_closed(self, reason: str) -> None:
        if reason == "locked":
            return
        row = self.row(reason)
        if row["log_file"]:
            try:
                Path(row["log_file"]).with_suffix(".json").write_text(json.dumps(row, indent=1) + "\n")
            except OSError as error:
                logger.error("could not write the run's row beside its log: %s", error)
        if reason == "storage_failed":
            logger.error("crawl_runs: this run's row is not stored: the database cannot be written")
            return
        try:
            self.store(row)
        except Exception as error:
            if not storage.is_storage_error(error):
                raise
            logger.error("crawl_runs: this run's row is not stored: %s", storage.message(self.crawler, error))

    def row(self, reason: str) -> dict:
        stats = self.crawler.stats
        started = stats.get_value("start_time")
        return {
            "started_at": started.isoformat(timespec="seconds") if started else None,
            "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "sites": ",".join(site.key for site in getattr(self.crawler.spider, "sites", ())),
            "finish_reason": reason,
            **{column: stats.get_value(stat, 0) for column, stat in COUNTS.items()},
            "errors": error_count(stats),
            "failed_sites": ",".join(failed_sites(stats)),
            "log_file": self.crawler.settings.get("LOG_FILE"),
            "storage_error": stats.get_value("govreports/storage_error"),
            "listing_shrunk": stats.get_value("govreports/listing_shrunk"),
        }

    def store(self, row: dict) -> None:
        db = store.open_db(self.crawler.settings["GOVREPORTS_DB"])
        try:
            store.save_run(db, row)
        finally:
            db.close()
