"""How far a crawl is, for the progress bar of `govreports crawl` (govreports.progress): the
crawl runs in a child process (crawler.runner), so it writes its counts to a small JSON file
(setting GOVREPORTS_PROGRESS_FILE) that the parent reads."""
from __future__ import annotations

import json
import os
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet.task import LoopingCall

# Stats of report pages the crawl is done with, whatever came of them.
DONE = ("govreports/reports_new", "govreports/reports_changed", "govreports/reports_reparsed",
        "govreports/reports_unchanged", "govreports/blocked", "govreports/errors", "govreports/fetch_failed")


def done(stats: dict) -> int:
    return sum(stats.get(stat, 0) for stat in DONE)


class ProgressFile:
    """Every half second: {"listed": report pages requested so far, "done": of them finished,
    "requests": …} into GOVREPORTS_PROGRESS_FILE, replaced whole (never read half-written)."""

    def __init__(self, crawler):
        path = crawler.settings.get("GOVREPORTS_PROGRESS_FILE")
        if not path:
            raise NotConfigured
        self.crawler, self.path = crawler, Path(path)
        self.loop = LoopingCall(self.write)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self) -> None:
        self.loop.start(0.5)

    def spider_closed(self) -> None:
        if self.loop.running:
            self.loop.stop()
        self.write()

    def write(self) -> None:
        stats = self.crawler.stats.get_stats()
        counts = {"listed": stats.get("govreports/listed", 0), "done": done(stats),
                  "requests": stats.get("downloader/request_count", 0)}
        part = self.path.with_suffix(".part")
        try:
            part.write_text(json.dumps(counts))
            os.replace(part, self.path)
        except OSError:
            pass  # a progress bar is not worth failing a crawl for


def read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
