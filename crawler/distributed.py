"""Distributed crawls: crawler processes on several machines share one scheduler and duplicate
filter in Redis (scrapy-redis), and push what they fetch to a Redis list that one writer,
`govreports ingest`, parses and stores. See docs/distributed.md.

scrapy-redis gives the shared queue, the shared duplicate filter and the connection; this
module adds what a crawl that must lose nothing when a worker dies needs on top of it:

- LeasedQueue: a pop moves the request into the worker's own processing list (LMOVE, atomic);
  it leaves that list only once Scrapy is done with it, i.e. its callback's requests are in
  the queue and its items pushed. A worker killed midway leaves its leases behind, and a
  live worker puts them back in the queue (Coordinator). At least once: a page may be
  fetched twice after a kill, and the ingest stores it once (documents by SHA-256).
- Coordinator: heartbeats, putting dead workers' leases back, keeping an idle worker alive
  while others may still add requests, and starting a new round (a fresh duplicate filter)
  when the previous one left no work behind.
- SharedThrottle: per host, no two requests of any workers start less than DOWNLOAD_DELAY
  apart; each worker keeps at most CONCURRENT_REQUESTS_PER_DOMAIN (1 here) in flight.
- PushPipeline: fetched pages go to Redis as they came (bytes, URL, headers), not parsed.
- Ingest: the one writer, draining the items into SQLite; it also publishes what the
  corpus holds (`…:stored`), so that workers skip or revalidate stored pages as a
  single-process crawl does (crawler.middlewares.Revalidate).
"""
from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import socket
import time
from collections import Counter
from dataclasses import asdict
from datetime import datetime, timezone

import redis
import scrapy_redis.scheduler
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import load_object
from scrapy_redis.queue import FifoQueue
from twisted.internet.task import LoopingCall

import store
from crawler.extensions import CrawlRuns
from crawler.items import Attachment, BlockedPage, NotModified, ReportPage
from parsers.decode import charset_from_content_type
from parsers.record import parse_document, parse_with_attachments
from store.fetched import attachment_rows, save_blocked, save_parsed, store_fetched, store_not_modified

logger = logging.getLogger(__name__)

SPIDER = "reports"
# This process, as its leases and heartbeat name it.
WORKER = f"{socket.gethostname()}:{os.getpid()}"


class Keys:
    """The Redis keys of one crawl (prefix: the spider's name, as scrapy-redis has it)."""

    def __init__(self, prefix: str = SPIDER):
        self.prefix = prefix
        self.queue = f"{prefix}:requests"  # scrapy-redis' SCHEDULER_QUEUE_KEY
        self.dupefilter = f"{prefix}:dupefilter"  # scrapy-redis' SCHEDULER_DUPEFILTER_KEY
        self.workers = f"{prefix}:workers"  # set of worker names
        self.items = f"{prefix}:items"  # list of fetched pages, for the ingest
        self.ingesting = f"{prefix}:items:ingesting"  # the item the ingest is storing
        self.stored = f"{prefix}:stored"  # hash: URL -> what the corpus holds of it (Revalidate)

    def processing(self, worker: str) -> str:
        return f"{self.queue}:processing:{worker}"

    def heartbeat(self, worker: str) -> str:
        return f"{self.prefix}:worker:{worker}"

    def throttle(self, host: str) -> str:
        return f"{self.prefix}:throttle:{host}"


KEYS = Keys()


def worker_settings(redis_url: str) -> dict[str, str]:
    """The `-s` overrides that make a crawl one worker of a distributed crawl."""
    return {
        "REDIS_URL": redis_url,
        "SCHEDULER": "crawler.distributed.Scheduler",
        "SCHEDULER_QUEUE_CLASS": "crawler.distributed.LeasedQueue",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        # The queue and filter outlive a worker: others go on with them, or the next run
        # resumes them; the Coordinator starts a new round when no work is left.
        "SCHEDULER_PERSIST": "True",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "1",  # per worker; SharedThrottle spaces them across workers
        "GOVREPORTS_WORKERS": "0",  # nothing to parse here
        "ITEM_PIPELINES": json.dumps({"crawler.distributed.PushPipeline": 100}),
        "EXTENSIONS": json.dumps({"crawler.distributed.Coordinator": 100, "crawler.distributed.PushRun": 500}),
        "DOWNLOADER_MIDDLEWARES": json.dumps({
            "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
            "crawler.middlewares.SiteHostsOnly": 50,
            "crawler.middlewares.Revalidate": 560,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawler.middlewares.BackoffRetry": 550,
            "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
            "crawler.middlewares.LoopSafeRedirect": 600,
            "crawler.distributed.SharedThrottle": 950,  # last before the download: waits as little as it can
        }),
    }


def connect(settings) -> redis.Redis:
    return redis.Redis.from_url(settings["REDIS_URL"], socket_timeout=30, socket_connect_timeout=30)


class Scheduler(scrapy_redis.scheduler.Scheduler):
    """scrapy-redis 0.9.1's scheduler, with two changes.

    Enqueueing marks the request seen and queues it in one step (a Lua script, atomic in
    Redis): scrapy-redis does it in two calls, and a worker killed between them would leave
    the request seen but never queued, so that whoever re-does its parent page drops it.
    And its calls that Scrapy 2.19 deprecates (stats with `spider=`, `Spider.log`, a warning
    on every run) are avoided: `open` without its log line, stats through an adapter.
    """

    def open(self, spider):
        self.spider = spider
        self.queue = load_object(self.queue_cls)(server=self.server, spider=spider,
                                                 key=self.queue_key % {"spider": spider.name}, serializer=self.serializer)
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        self.seen_or_queue = self.server.register_script(SEEN_OR_QUEUE)

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        scheduler.stats = _Stats(crawler.stats)
        return scheduler

    def enqueue_request(self, request) -> bool:
        if request.dont_filter:
            self.queue.push(request)
        elif not self.seen_or_queue(keys=[self.df.key, self.queue.key],
                                    args=[self.df.request_fingerprint(request), self.queue._encode_request(request)]):
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True


# KEYS: the duplicate filter's set, the queue. ARGV: the fingerprint, the request's bytes.
# LPUSH, as LeasedQueue (scrapy-redis' FifoQueue) pushes.
SEEN_OR_QUEUE = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('LPUSH', KEYS[2], ARGV[2])
return 1
"""


class _Stats:
    def __init__(self, stats):
        self.stats = stats

    def inc_value(self, key, count=1, start=0, spider=None):
        self.stats.inc_value(key, count, start)


class LeasedQueue(FifoQueue):
    """scrapy-redis' FIFO queue, whose pop leases the request to this worker (see the module)."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        self.processing = KEYS.processing(WORKER)
        self.leases: dict = {}  # request (by identity) -> its bytes in the processing list

    def pop(self, timeout=0):
        data = self.server.lmove(self.key, self.processing, "RIGHT", "LEFT")
        if data is None:
            return None
        request = self._decode_request(data)
        self.leases[request] = data
        return request

    def release(self, in_progress) -> None:
        """End the leases of the requests Scrapy is done with."""
        for request in [request for request in self.leases if request not in in_progress]:
            self.server.lrem(self.processing, 1, self.leases.pop(request))

    def give_back(self) -> None:
        """Put every lease back in the queue: a closing worker leaves its unfinished work to others."""
        while self.server.lmove(self.processing, self.key, "RIGHT", "RIGHT"):
            pass
        self.leases.clear()


def requeue_dead(server: redis.Redis) -> None:
    """Put the leases of workers whose heartbeat has stopped back in the queue."""
    for worker in server.smembers(KEYS.workers):
        worker = worker.decode()
        if server.exists(KEYS.heartbeat(worker)):
            continue
        moved = 0
        while server.lmove(KEYS.processing(worker), KEYS.queue, "RIGHT", "RIGHT"):
            moved += 1
        server.srem(KEYS.workers, worker)
        logger.warning("worker %s stopped beating: %d of its requests put back in the queue", worker, moved)


def pending(server: redis.Redis) -> int:
    """Requests queued or leased, counted at one instant (MULTI): a worker pushes its requests'
    followers before it ends their leases, so zero means no worker can add any more."""
    workers = [worker.decode() for worker in server.smembers(KEYS.workers)]
    with server.pipeline(transaction=True) as pipe:
        pipe.llen(KEYS.queue)
        for worker in workers:
            pipe.llen(KEYS.processing(worker))
        return sum(pipe.execute())


def live_workers(server: redis.Redis) -> int:
    return sum(server.exists(KEYS.heartbeat(worker.decode())) for worker in server.smembers(KEYS.workers))


class Coordinator:
    """One worker's part in the shared crawl: heartbeat, leases, dead workers, rounds."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.server = connect(crawler.settings)
        self.ttl = crawler.settings.getfloat("GOVREPORTS_REDIS_HEARTBEAT")
        self.beat = LoopingCall(self.tick)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        # Leases end as soon as the next response or item shows up, not only on the beat:
        # the sooner they end, the less a killed worker leaves to be fetched twice.
        crawler.signals.connect(self.release, signal=signals.response_received)
        crawler.signals.connect(self.release, signal=signals.item_scraped)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def release(self) -> None:
        self.queue.release(self.in_progress)

    def spider_opened(self) -> None:
        slot = self.crawler.engine._slot
        self.queue: LeasedQueue = slot.scheduler.queue
        # The engine's own set of requests taken from the scheduler and not yet done with:
        # downloaded, called back, their requests scheduled and their items through the
        # pipelines. Scrapy has no signal for that moment; this set is where it shows.
        self.in_progress: set = slot.inprogress
        self.tick()  # also puts dead workers' leases back: they are work left
        if pending(self.server) == 0:
            # The previous round left nothing to do: it is over, and its fingerprints would
            # filter out this round's column pages.
            self.server.delete(KEYS.dupefilter)
            logger.info("new round: nothing was left in %s", KEYS.queue)
        else:
            logger.info("joining the round under way: %d requests queued or leased", pending(self.server))
        self.beat.start(self.ttl / 3, now=False)

    def tick(self) -> None:
        self.server.set(KEYS.heartbeat(WORKER), int(time.time()), px=int(self.ttl * 1000))
        self.server.sadd(KEYS.workers, WORKER)
        self.release()
        requeue_dead(self.server)

    def spider_idle(self) -> None:
        """Stay while other workers hold leases: their callbacks may queue more requests, or
        they may die and leave them to us."""
        self.tick()
        if pending(self.server):
            raise DontCloseSpider

    def spider_closed(self) -> None:
        if self.beat.running:
            self.beat.stop()
        self.release()
        self.queue.give_back()  # what a shutdown cut short
        self.server.srem(KEYS.workers, WORKER)
        self.server.delete(KEYS.heartbeat(WORKER))


class SharedThrottle:
    """Politeness across workers: per host, request starts at least DOWNLOAD_DELAY apart, over
    all workers. A key per host lives for DOWNLOAD_DELAY after each start (SET NX PX); a
    worker that finds it waits out its remaining time."""

    def __init__(self, crawler):
        self.server = connect(crawler.settings)
        self.delay_ms = int(crawler.settings.getfloat("DOWNLOAD_DELAY") * 1000)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request) -> None:
        if self.delay_ms <= 0:
            return None
        key = KEYS.throttle(urlparse_cached(request).netloc)
        while not self.server.set(key, WORKER, nx=True, px=self.delay_ms):
            await asyncio.sleep(max(self.server.pttl(key), 1) / 1000)
        return None


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


def encode_item(item) -> bytes:
    """A fetched page as it travels to the ingest: JSON, the bodies (its attachments' too) in base64."""
    if isinstance(item, ReportPage):  # as fetched: the ingest fills in the rest
        record = {"site": item.site, "url": item.url, "headers": item.headers, "fetched_at": item.fetched_at,
                  "body": _b64(item.body), "document_sha256": item.document_sha256,
                  "attachments": [{**asdict(attachment), "body": _b64(attachment.body)}
                                  for attachment in item.attachments]}
    else:
        record = asdict(item)
    return json.dumps({"item": type(item).__name__, **record}, ensure_ascii=False).encode()


class PushPipeline:
    """Each item to the Redis list the ingest drains, before Scrapy counts its request done
    (LeasedQueue): a pushed item is never lost with its worker."""

    def __init__(self, crawler):
        self.server = connect(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        self.server.rpush(KEYS.items, encode_item(item))
        return item


class PushRun(CrawlRuns):
    """The worker's crawl_runs row, pushed for the ingest to add up (it has no database)."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.server = connect(crawler.settings)

    def store(self, row: dict) -> None:
        self.server.rpush(KEYS.items, json.dumps({"item": "Run", **row}).encode())


def publish_stored(server: redis.Redis, db, url: str | None = None) -> None:
    """What the corpus holds of report pages (all, or `url`'s), for the workers' Revalidate."""
    with server.pipeline(transaction=False) as pipe:
        for page_url, digest, headers, verified_at in store.report_pages(db, url):
            pipe.hset(KEYS.stored, page_url, json.dumps([digest, headers, verified_at]))
        pipe.execute()


def stored_pages(settings) -> list[tuple[str, str, str, str]]:
    """store.report_pages as the ingest published them."""
    return [(url.decode(), *json.loads(value)) for url, value in connect(settings).hgetall(KEYS.stored).items()]


# crawl_runs columns the ingest adds up over the workers' rows.
SUMMED = ("requests", "responses", "bytes", "listed", "offsite", "errors", "not_requested")


class Ingest:
    """The one writer: drains the pushed items into SQLite (see `run`)."""

    def __init__(self, server: redis.Redis, db_path):
        self.server = server
        self.db = store.open_db(db_path)
        self.counts: Counter = Counter()
        self.sites: set[str] = set()
        self.failed: set[str] = set()

    def run(self, *, idle: float = 30.0, poll: float = 0.5) -> dict:
        """Store items until the crawl is over: no item left, no request queued or leased, no
        worker beating, for `idle` seconds. Each item is moved to `…:items:ingesting` while
        it is stored and removed once committed: an ingest killed midway loses nothing, the
        next one stores it again (idempotently). Returns the crawl_runs row it writes: the
        workers' rows added up, with what the storing found."""
        started, clock = datetime.now(timezone.utc), time.monotonic()
        publish_stored(self.server, self.db)
        while self.server.lmove(KEYS.ingesting, KEYS.items, "RIGHT", "LEFT"):  # left by a killed ingest
            pass
        quiet_since = time.monotonic()
        while True:
            data = self.server.lmove(KEYS.items, KEYS.ingesting, "LEFT", "RIGHT")
            if data is None:
                if pending(self.server) or live_workers(self.server):
                    quiet_since = time.monotonic()
                elif time.monotonic() - quiet_since >= idle:
                    break
                time.sleep(poll)
                continue
            quiet_since = time.monotonic()
            record = json.loads(data)
            try:
                self.store(record)
            except Exception:  # one page that cannot be stored must not stop the rest
                logger.exception("could not store %s", record.get("url"))
                self.counts["errors"] += 1
            self.server.lrem(KEYS.ingesting, 1, data)
        counts = self.counts
        row = {
            "started_at": started.isoformat(timespec="seconds"),
            "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "sites": ",".join(sorted(self.sites)), "finish_reason": "finished" if counts["runs"] else "no worker finished",
            "seconds": time.monotonic() - clock, "workers": counts["runs"],
            **{f"reports_{status}": counts[status] for status in ("new", "changed", "reparsed")},
            "reports_unchanged": counts["unchanged"] + counts["not_requested"],  # as a single crawl counts them
            "not_modified": counts["not_modified"], "reports_vanished": 0,
            **{column: counts[column] for column in SUMMED}, "blocked": counts["blocked"],
            "failed_sites": ",".join(sorted(self.failed)),
        }
        store.save_run(self.db, row)
        self.db.close()
        return row

    def store(self, record: dict) -> None:
        """One pushed item into the corpus, as the single-process item pipelines store it."""
        kind = record.pop("item")
        if kind == "Run":
            self.counts["runs"] += 1
            self.counts.update({column: record.get(column) or 0 for column in SUMMED})
            self.sites.update(filter(None, record["sites"].split(",")))
            self.failed.update(filter(None, record["failed_sites"].split(",")))
            return
        if kind == BlockedPage.__name__:
            save_blocked(self.db, **record)
            self.counts["blocked"] += 1
            return
        if kind == NotModified.__name__:
            page = NotModified(**{**record, "attachments": [Attachment(**a) for a in record.get("attachments") or []]})
            store_not_modified(self.db, page, page.attachments)
            self.counts.update(["unchanged", "not_modified"])
        else:
            self.counts[self.store_page(record)] += 1
        publish_stored(self.server, self.db, record["url"])

    def store_page(self, record: dict) -> str:
        """As the item pipelines store a page: the page and its attachments (详见附件) as one report."""
        page = _fetched(ReportPage, record)
        files = [_fetched(Attachment, attachment) for attachment in record.get("attachments") or []]
        if store_fetched(self.db, page, files, page.site):  # fetched again after a worker died, or re-stamped
            return "unchanged"
        parsed = parse_document(page.body, page.url, http_charset=charset_from_content_type(_content_type(page)))
        if files:
            parsed = parse_with_attachments(parsed, [
                parse_document(file.body, file.url, http_charset=charset_from_content_type(_content_type(file)))
                for file in files])
        return save_parsed(self.db, parsed, page.document_sha256, attachment_rows(files))


def _fetched(item: type, record: dict):
    """A pushed page or file as the item it was (its body base64 in Redis; None for a 304)."""
    fields = {key: value for key, value in record.items() if key in item.__dataclass_fields__ and key != "attachments"}
    body = record.get("body")
    return item(**{**fields, "body": None if body is None else base64.b64decode(body)})


def _content_type(fetched) -> str | None:
    return next((v for k, v in fetched.headers.items() if k.lower() == "content-type"), None)
