"""Distributed mode with real parts: a redis-server of its own on a free port, two crawler
processes against the replica portal, one of them killed midway, and `govreports ingest`
as the one writer. Then a second round, which revalidates nothing and fetches listings only."""
import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from urllib.parse import urlsplit

import pytest
import redis

from crawler.distributed import KEYS, worker_settings
from crawler.runner import LOCAL, crawl_command, replica_columns
from replica.server import Replica
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # real crawls with Redis

DELAY = 0.03  # DOWNLOAD_DELAY: the spacing SharedThrottle keeps per host across both workers
HEARTBEAT = 2.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is missing: `make install` installs it (system-packages.txt)")
    port = free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                               "--dir", str(tmp_path_factory.mktemp("redis"))], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield url
    server.terminate()
    server.wait()


def worker(url, columns, log_file):
    argv, env = crawl_command(db="unused.db", columns=columns, log_file=log_file, settings={
        **LOCAL, **worker_settings(url), "DOWNLOAD_DELAY": DELAY, "GOVREPORTS_REDIS_HEARTBEAT": HEARTBEAT})
    return subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def ingest(url, db):
    return subprocess.Popen([sys.executable, "-m", "govreports", "ingest", "--redis", url, "--db", str(db),
                             "--idle", "1"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def ingest_once_crawling(url, db, replica, seen: int):
    """The ingest, started once the workers are crawling (the replica got a request past `seen`):
    with --idle 1 it would take a crawl not started yet for a crawl over."""
    while len(replica.requests) <= seen:
        time.sleep(0.01)
    return ingest(url, db)


@pytest.fixture(scope="module")
def crawled(redis_url, tmp_path_factory):
    out = tmp_path_factory.mktemp("distributed")
    db = out / "reports.db"
    result = {"db": db, "out": out}
    with Replica(seed=2024, out_dir=out / "replica", port=0) as replica:
        columns = replica_columns(replica.sites)
        # Round 1: two workers and the ingest at once; worker A is killed midway.
        a, b = worker(redis_url, columns, out / "a.log"), worker(redis_url, columns, out / "b.log")
        writer = ingest_once_crawling(redis_url, db, replica, 0)
        # Killed midway, while it holds requests it took from the shared queue and has not finished.
        leases = KEYS.processing(f"{socket.gethostname()}:{a.pid}")
        server = redis.Redis.from_url(redis_url)
        while len(replica.requests) < 80 or not server.llen(leases):
            assert a.poll() is None
            time.sleep(0.005)
        a.kill()
        a.wait()
        result["killed_at"] = len(replica.requests)
        result["leased_by_killed"] = server.llen(leases)  # until a live worker puts them back
        assert b.wait(timeout=120) == 0
        output, _ = writer.communicate(timeout=120)
        result["first"] = {"requests": replica.requests, "ingest": (writer.returncode, output)}
        # Round 2: both workers to the end; the ingest published what the corpus holds.
        seen = len(replica.requests)
        a, b = worker(redis_url, columns, out / "a2.log"), worker(redis_url, columns, out / "b2.log")
        writer = ingest_once_crawling(redis_url, db, replica, seen)
        assert (a.wait(timeout=120), b.wait(timeout=120)) == (0, 0)
        output, _ = writer.communicate(timeout=120)
        result["second"] = {"requests": replica.requests[seen:], "ingest": (writer.returncode, output)}
        result["truth"] = {line["url"] for line in map(json.loads, replica.truth_path.read_text().splitlines())}
    connection = sqlite3.connect(db)
    result["sources"] = [row[0] for row in connection.execute("SELECT source FROM reports")]
    result["documents"] = connection.execute("SELECT count(*) FROM documents").fetchone()[0]
    result["blocked_urls"] = connection.execute("SELECT count(DISTINCT url) FROM blocked").fetchone()[0]
    result["keys_twice"] = connection.execute(
        "SELECT report_key, group_concat(source, ' ') FROM reports GROUP BY report_key HAVING count(*) > 1").fetchall()
    result["runs"] = connection.execute(
        "SELECT workers, reports_new, reports_unchanged, not_requested, blocked FROM crawl_runs ORDER BY id").fetchall()
    result["redis"] = redis.Redis.from_url(redis_url)
    yield result


def test_every_report_is_stored_exactly_once_though_a_worker_was_killed(crawled):
    code, output = crawled["first"]["ingest"]
    assert code == 0, output
    assert sorted(crawled["sources"]) == sorted(crawled["truth"])  # none lost, none twice
    assert crawled["keys_twice"] == []  # each a report of its own: stored as new, current
    assert crawled["documents"] == len(crawled["truth"])
    assert crawled["leased_by_killed"] > 0
    killed_at = crawled["killed_at"]
    assert 80 <= killed_at < 0.8 * len(crawled["first"]["requests"])  # midway, with work in hand
    workers, new, unchanged, _, blocked = crawled["runs"][0]
    assert workers == 1  # the killed worker never reported; the survivor did the rest
    assert new == len(crawled["truth"])
    # at least once: a challenge page the killed worker had pushed may have been met again
    assert blocked >= 3 and crawled["blocked_urls"] == 3


def test_nothing_is_left_in_redis(crawled):
    server = crawled["redis"]
    assert server.llen(KEYS.queue) == server.llen(KEYS.items) == server.llen(KEYS.ingesting) == 0
    assert server.smembers(KEYS.workers) == set()
    assert not server.keys(f"{KEYS.queue}:processing:*")


def test_politeness_per_host_holds_across_workers(crawled):
    requests = crawled["first"]["requests"] + crawled["second"]["requests"]
    starts = defaultdict(list)
    for request in requests:
        starts[request.host].append(request.started)
    for host, times in starts.items():
        times.sort()
        # SharedThrottle spaces the starts it allows DOWNLOAD_DELAY apart; as the server sees
        # them, two workers' sends may bunch up a little, but never beyond one per DELAY on
        # average over a second (two unthrottled workers would send twice that).
        busiest = max(sum(1 for t in times if start <= t < start + 1) for start in times)
        assert busiest <= 1 / DELAY + 2, host
    assert max(r.inflight for r in requests) <= 2  # one request per host per worker


def test_the_second_round_fetches_listings_only(crawled):
    reports = {urlsplit(url).path for url in crawled["truth"]}
    second = crawled["second"]["requests"]
    assert not [r for r in second if r.path in reports]
    assert len(second) <= 0.15 * len(crawled["first"]["requests"])
    code, output = crawled["second"]["ingest"]
    assert code == 0, output
    workers, new, unchanged, not_requested, _ = crawled["runs"][1]
    assert (workers, new) == (2, 0)
    assert not_requested == len(crawled["truth"])  # each skipped by one worker or the other
