"""crawler.writer: the crawl's writes in a thread of their own, batched, answered once committed."""
import asyncio
import sqlite3
import threading

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawler.writer import Writer


@pytest.fixture
def writer(tmp_path):
    writer = Writer.of(get_crawler(Spider, {"GOVREPORTS_DB": str(tmp_path / "reports.db")}))
    writer.open()
    yield writer
    writer.close()


def blocked(db, number):
    db["blocked"].insert({"url": f"http://127.0.0.2/{number}", "site": "s", "status": 521, "kind": "k",
                          "fetched_at": "t"})
    return threading.current_thread().name


def test_writes_run_off_the_callers_thread_and_are_committed_when_answered(writer, tmp_path):
    async def many():
        return await asyncio.gather(*(writer.run(blocked, number) for number in range(50)))

    threads = asyncio.run(many())
    assert set(threads) == {"govreports-writer"} != {threading.current_thread().name}
    with sqlite3.connect(tmp_path / "reports.db") as other:  # another connection sees them all
        assert [row[0] for row in other.execute("SELECT url FROM blocked ORDER BY rowid")] == [
            f"http://127.0.0.2/{number}" for number in range(50)]


def test_a_failed_write_is_its_own_and_the_others_stand(writer, tmp_path):
    def failing(db):
        blocked(db, "half")
        raise ValueError("bad item")

    async def three():
        return await asyncio.gather(writer.run(blocked, 1), writer.run(failing), writer.run(blocked, 2),
                                    return_exceptions=True)

    first, error, last = asyncio.run(three())
    assert isinstance(error, ValueError) and first == last == "govreports-writer"
    with sqlite3.connect(tmp_path / "reports.db") as other:
        assert [row[0] for row in other.execute("SELECT url FROM blocked")] == [
            "http://127.0.0.2/1", "http://127.0.0.2/2"]


def test_a_database_error_fails_that_write_and_every_later_one(writer):
    def broken(db):
        db.execute("INSERT INTO no_such_table VALUES (1)")

    async def two():
        return await asyncio.gather(writer.run(broken), return_exceptions=True)

    [error] = asyncio.run(two())
    assert isinstance(error, sqlite3.OperationalError)
    with pytest.raises(sqlite3.OperationalError):
        asyncio.run(writer.run(blocked, 3))
