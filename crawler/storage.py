"""A corpus database that cannot be written: a disk full, a read-only file or filesystem, an I/O
error. No item is at fault and none could be stored, so the crawl stops at once, with reason
'storage_failed' and one clear error line naming the database and the cause; `govreports
crawl` prints it and exits non-zero. Nothing is left half-written: every write of the corpus
is a SQLite transaction (a report with its cells in one), which SQLite rolls back when it
cannot complete it.
"""
from __future__ import annotations

import errno
import logging
import sqlite3
from contextlib import contextmanager

from scrapy.exceptions import CloseSpider, DropItem
from scrapy.utils.defer import deferred_from_coro

import store

logger = logging.getLogger(__name__)

REASON = "storage_failed"
STAT = "govreports/storage_error"  # the message, for crawl_runs and `govreports crawl`
# OSError numbers that say the storage, not the data, is at fault.
ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EACCES, errno.EPERM}


class StorageFailed(DropItem):
    """The item was not stored because the database cannot be written."""


def is_storage_error(error: BaseException) -> bool:
    """Whether an exception says the database cannot be written (as opposed to bad data or a bug)."""
    if type(error) in (sqlite3.OperationalError, sqlite3.DatabaseError):
        return True  # disk full, read-only, I/O error, unable to open, not a database, locked too long
    return isinstance(error, OSError) and error.errno in ERRNOS


def message(crawler, error: BaseException) -> str:
    return f"cannot write the database {crawler.settings['GOVREPORTS_DB']}: {error}"


def failed(crawler, error: BaseException, *, close: bool = True) -> None:
    """Log the failure once, keep its message for crawl_runs, and close the crawl."""
    if crawler.stats.get_value(STAT):
        return
    text = message(crawler, error)
    crawler.stats.set_value(STAT, text)
    logger.error("%s. The crawl stops; what was stored before stays intact.", text)
    if close and crawler.engine is not None and crawler.engine.spider is not None:
        deferred_from_coro(crawler.engine.close_spider_async(reason=REASON))


@contextmanager
def stopping_on_failure(crawler):
    """At a crawl's opening: a storage error closes the crawl (CloseSpider) instead of crashing it."""
    try:
        yield
    except Exception as error:
        if not is_storage_error(error):
            raise
        failed(crawler, error, close=False)
        raise CloseSpider(REASON) from None


def open_writable(crawler):
    """The corpus database, proven writable (a write lock taken and released)."""
    with stopping_on_failure(crawler):
        db = store.open_db(crawler.settings["GOVREPORTS_DB"])
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute("ROLLBACK")
        except Exception:
            db.close()
            raise
        return db
