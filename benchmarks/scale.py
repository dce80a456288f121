"""`make bench-scale`: the corpus at scale, N reports (default 200,000) through the real store path.

A pool of replica reports is parsed once; report i is pool report i % pool as bytes of its
own (a marker the parser ignores makes each document distinct) under an agency of its own
(pool agency + variant i // pool), so agencies, years and text sizes are those of the
replica. Every report goes through store.fetched.store_fetched + save_parsed in
store.Batch, as a crawl stores it. Then it times the corpus commands on that database:
`serve` until its first page, three facet queries, `export` (each format in a process of
its own, for its peak RSS), `checks` cold and after 1% new reports, and `reparse` of
10,000 reports. The same figures at N/10 go under `at_tenth`, so the growth shows.
Results are merged into output/bench-scale.json.
"""
import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path

import store
from benchmarks.bench import write_results
from parsers.record import parse_document, report_key
from replica.generator import corpus
from store.fetched import save_parsed, store_fetched

OUT = Path("output/bench-scale.json")
POOL = 340  # 20 reports of each of the 17 years, on average
REPARSE_REPORTS = 10_000
FACETS = ("report_browser?_facet=year&_facet=template", "report_browser?_facet=province",
          "report_browser?_facet=problem_kinds")


@dataclass
class Page:  # what store_fetched takes (crawler.items.ReportPage's fields it reads)
    url: str
    headers: dict
    fetched_at: str
    body: bytes
    document_sha256: str | None = None


def progress(text: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


def pool(seed: int = 2024) -> list[tuple[bytes, str, object]]:
    """(bytes, file name, Parsed) of POOL replica reports."""
    return [(data, name, parse_document(data, name)) for name, data, _ in corpus(seed, POOL)]


def distinct(data: bytes, name: str, index: int) -> bytes:
    """The same document made distinct: an HTML comment, or zero-width characters the text cleaning drops."""
    if name.endswith(".html"):
        return data + f"<!-- {index} -->".encode()
    return data + "".join("\u200b\u200c"[int(bit)] for bit in f"{index:b}").encode()


def synthetic(reports: list, index: int) -> tuple[Page, object]:
    data, name, parsed = reports[index % len(reports)]
    agency = f"{parsed.record['agency']}{index // len(reports)}"
    url = f"http://bench.example/{index}/{name}"
    record = parsed.record | {"agency": agency, "source": url}
    page = Page(url, {"Content-Type": "text/html"}, store.now(), distinct(data, name, index))
    return page, replace(parsed, record=record, report_key=report_key(agency, record["year"], url))


def written_bytes() -> int:
    """Bytes this process caused to be written to storage (/proc/self/io write_bytes)."""
    fields = dict(line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())
    return int(fields["write_bytes"])


def store_reports(db_path: Path, reports: list, start: int, count: int) -> float:
    """Store reports start..start+count through the ingest path; returns seconds."""
    db = store.open_db(db_path)
    started = time.perf_counter()
    with store.Batch(db) as batch:
        for index in range(start, start + count):
            page, parsed = synthetic(reports, index)
            with batch.report():
                store_fetched(db, page, [], "bench")
                save_parsed(db, parsed, page.document_sha256, [])
            if (index - start + 1) % 20_000 == 0:
                progress(f"stored {index - start + 1:,} of {count:,}")
    db.close()  # its checkpoint counts too
    return time.perf_counter() - started


def in_child(code: str, *args) -> dict:
    """Python `code` in a process of its own, which prints a JSON dict; adds its peak RSS."""
    code += "\nimport resource\nresult['peak_rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024" \
            "\nimport json; print(json.dumps(result))"
    done = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


EXPORT = """
import sys, time
from pathlib import Path
import store
from corpus import export
db = store.open_db(sys.argv[1])
started = time.perf_counter()
export.export(db, Path(sys.argv[2]), formats=(sys.argv[3],))
result = {"seconds": time.perf_counter() - started}
"""

CHECKS = """
import sys, time
import store
from corpus import checks
db = store.open_db(sys.argv[1])
started = time.perf_counter()
checks.run(db)
result = {"seconds": time.perf_counter() - started}
"""

REPARSE = """
import sys, time
from corpus.reparse import reparse_corpus
started = time.perf_counter()
counts, _ = reparse_corpus(sys.argv[1])
result = {"seconds": time.perf_counter() - started, "reports": sum(counts.values())}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch_seconds(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as response:
        response.read()
    return time.perf_counter() - started


def serve_figures(db_path: Path) -> dict:
    """`govreports serve` from start to its first page, then the slowest of three facet pages."""
    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "govreports", "serve", "--db", str(db_path), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/{db_path.stem}"
    try:
        while True:
            try:
                fetch_seconds(f"{base}/reports?_size=50")
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError("govreports serve exited before answering") from None
                time.sleep(0.2)
        first_page = time.perf_counter() - started
        facets = [fetch_seconds(f"{base}/{facet}") for facet in FACETS]
    finally:
        server.terminate()
        server.wait()
    return {"serve_first_page_s": round(first_page, 2), "facet_query_s": round(max(facets), 3)}


def measure(work: Path, reports: list, count: int) -> dict:
    db_path = work / f"scale-{count}.db"
    for leftover in work.glob(f"{db_path.name}*"):
        leftover.unlink()
    progress(f"storing {count:,} reports into {db_path}")
    before = written_bytes()
    seconds = store_reports(db_path, reports, 0, count)
    written = written_bytes() - before
    figures = {"reports": count, "store_reports_per_s": round(count / seconds, 1),
               "bytes_written_per_report": round(written / count),
               "db_bytes_per_report": round(db_path.stat().st_size / count)}
    progress(f"stored: {figures}")

    progress("checks, cold")
    figures["checks_cold_s"] = round(in_child(CHECKS, db_path)["seconds"], 2)
    more = max(1, count // 100)
    store_reports(db_path, reports, count, more)
    progress(f"checks after {more:,} new reports")
    figures["checks_incremental_s"] = round(in_child(CHECKS, db_path)["seconds"], 2)

    progress("serve")
    figures.update(serve_figures(db_path))
    rates, peaks = [], []
    for fmt in ("csv", "parquet"):
        progress(f"export {fmt}")
        out = work / f"export-{count}"
        done = in_child(EXPORT, db_path, out, fmt)
        shutil.rmtree(out, ignore_errors=True)
        rates.append((count + more) / done["seconds"])
        peaks.append(done["peak_rss_mb"])
    figures["export_reports_per_s"] = round(min(rates), 1)
    figures["export_peak_rss_mb"] = round(max(peaks), 1)

    progress(f"reparse of {min(count, REPARSE_REPORTS):,} reports")
    reparse_path = work / "reparse.db"
    for leftover in work.glob("reparse.db*"):
        leftover.unlink()
    store_reports(reparse_path, reports, 0, min(count, REPARSE_REPORTS))
    done = in_child(REPARSE, reparse_path)
    figures["reparse_reports_per_s"] = round(done["reports"] / done["seconds"], 1)
    figures["reparse_peak_rss_mb"] = round(done["peak_rss_mb"], 1)
    progress(f"figures at {count:,}: {figures}")
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=int(os.environ.get("N") or 200_000))
    parser.add_argument("--work", type=Path, default=Path("output/bench-scale"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    progress(f"parsing a pool of {POOL} replica reports")
    reports = pool()
    started = time.perf_counter()
    tenth = measure(args.work, reports, args.reports // 10)
    results = measure(args.work, reports, args.reports) | {"at_tenth": tenth}
    results["load_average"] = os.getloadavg()
    results["seconds"] = round(time.perf_counter() - started)
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    write_results(results, OUT)
    for key, value in results.items():
        print(f"{key:30s} {value}")


if __name__ == "__main__":
    main()
