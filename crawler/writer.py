"""The crawl's one writer to the corpus: a thread of its own with its own connection, so that
SQLite's work (inserts, full-text indexing, commits) never holds the reactor's thread, which
then goes on downloading. The item pipelines hand it their writes (`await writer.run(function,
*args)`: function(db, *args) in the writer's thread) and get the result or exception back.

Writes are committed in batches (store.Batch): after 1,000 of them or 1 s, or as soon as
no other write waits (so an idle crawl holds no write lock); under load the writes queue
up while one batch is written and the next batch is larger. A write is answered only once
committed, so what the crawl counts as stored is stored. Each write is a SAVEPOINT of its
own: a kill -9 loses at most the uncommitted batch, whose pages the next run fetches
again, and never part of a report. A database that cannot be written (a write or a
commit failing) fails every write of the batch and every later one: the storing pipelines
then close the crawl (crawler.storage).
"""
from __future__ import annotations

import asyncio
import queue
import threading
import weakref

import store
from crawler import storage

BATCH_SIZE = 1000
BATCH_SECONDS = 1.0


_WRITERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class Writer:
    """One per crawl (Writer.of(crawler)), shared by its storing pipelines: the first to
    open starts its thread, the first to close commits and stops it (no item is left then)."""

    @classmethod
    def of(cls, crawler) -> Writer:
        if crawler not in _WRITERS:
            _WRITERS[crawler] = cls(crawler)
        return _WRITERS[crawler]

    def __init__(self, crawler):
        self.crawler = crawler
        self.jobs: queue.Queue = queue.Queue()
        self.thread: threading.Thread | None = None
        self.failure: BaseException | None = None

    def open(self) -> None:
        """Prove the database writable here (a storage error closes the crawl), then start the thread."""
        if self.thread is not None:
            return
        storage.open_writable(self.crawler).close()
        self.thread = threading.Thread(target=self._write, name="govreports-writer", daemon=True)
        self.thread.start()

    def close(self) -> None:
        if self.thread is not None and self.thread.is_alive():
            self.jobs.put(None)
            self.thread.join()

    async def run(self, function, *args):
        """function(db, *args) in the writer's thread, in the order asked; its result (once
        committed) or exception."""
        if self.failure is not None:
            raise self.failure
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.jobs.put((function, args, loop, future))
        return await future

    def _write(self) -> None:
        db = store.open_db(self.crawler.settings["GOVREPORTS_DB"])
        batch = store.Batch(db, size=BATCH_SIZE, seconds=BATCH_SECONDS)
        answers = []  # (loop, future, result, error) of the writes in the open batch
        try:
            while (job := self.jobs.get()) is not None:
                function, args, loop, future = job
                answers.append((loop, future, *self._one(batch, db, function, args)))
                if not batch.pending or self.jobs.empty():  # the batch is full or old, or nothing waits
                    self._commit(batch, answers)
            self._commit(batch, answers)
        finally:
            db.close()

    def _one(self, batch, db, function, args) -> tuple:
        if self.failure is not None:
            return None, self.failure
        try:
            with batch.report():
                return function(db, *args), None
        except BaseException as error:
            if storage.is_storage_error(error):
                self.failure = error
            return None, error

    def _commit(self, batch, answers: list) -> None:
        """Commit, then answer: a write is reported done only once it is committed."""
        try:
            if self.failure is not None:  # a database error rolled the batch back
                raise self.failure
            batch.commit()
        except BaseException as error:  # this batch's writes are lost: each of them fails
            batch.rollback()
            self.failure = self.failure or error
            answers[:] = [(loop, future, None, error) for loop, future, _, _ in answers]
        for loop, future, result, error in answers:
            loop.call_soon_threadsafe(_settle, future, result, error)
        answers.clear()


def _settle(future, result, error) -> None:
    if not future.done():
        future.set_exception(error) if error is not None else future.set_result(result)
