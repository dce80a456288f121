"""Benchmarks of crawling, for `make bench` (output/bench.json).

    crawl_pages_per_s      responses per second of a first crawl of the replica, timed by Scrapy
                           from the first request to the last item (interpreter start-up excluded)
    crawl_seconds          that crawl's time
    recrawl_request_ratio  requests of an unchanged re-crawl / requests of the first crawl
                           (the issue's target: <= 0.10 on the replica)
    recrawl_time_ratio     the same for the crawl's time (Scrapy's elapsed time, start-up excluded)
    reparse_reports_per_s  `govreports reparse` over the crawled corpus: stored documents
                           parsed again and compared with what is stored, per second

Both crawls run against the replica with politeness off (crawler.runner.UNTHROTTLED), so
that they time our own work; the re-crawl runs under the default revalidation policy.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from corpus.reparse import reparse_corpus
from crawler.replica_crawl import crawl_replica
from crawler.runner import UNTHROTTLED


def bench_crawl(seed: int = 2024) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-incremental-") as scratch:
        db, out = Path(scratch) / "reports.db", Path(scratch) / "replica"
        first = crawl_replica(db, out, seed=seed, settings=UNTHROTTLED)
        first_row = first.row  # read now: the next run of the same round logs to the same file
        # The same portal at the same URLs, crawled again at once: nothing is due.
        port = urlsplit(first.sites[0]["column_url"]).port
        again_row = crawl_replica(db, out, seed=seed, settings=UNTHROTTLED, port=port).row
        assert again_row["reports_new"] == 0 and again_row["reports_unchanged"] == first_row["reports_new"]
        started = time.perf_counter()
        counts, _ = reparse_corpus(db)
        reparse_seconds = time.perf_counter() - started
    return {
        "crawl_pages_per_s": round(first_row["responses"] / first_row["seconds"], 1),
        "crawl_seconds": round(first_row["seconds"], 2),
        "recrawl_request_ratio": round(again_row["requests"] / first_row["requests"], 3),
        "recrawl_time_ratio": round(again_row["seconds"] / first_row["seconds"], 3),
        "reparse_reports_per_s": round(sum(counts.values()) / reparse_seconds, 1),
    }


if __name__ == "__main__":
    for key, value in bench_crawl().items():
        print(f"{key:36s} {value}")
