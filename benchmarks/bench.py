"""`make bench`: parse throughput against trafilatura on the same pages, and memory.

The corpus is generated and parsed one report at a time (streaming), so the peak RSS
shows whether memory stays flat as the corpus grows: it is sampled after a quarter and
at the end of the run. Generation time is not counted; each timing covers one call.
Results are merged into output/bench.json (other benchmarks add their own keys).
"""
import argparse
import json
import resource
import time
from pathlib import Path

from corpus.truth import differences
from parsers.record import parse_document
from replica.generator import corpus

BENCH_JSON = Path("output/bench.json")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_parse(count: int, seed: int = 2024) -> dict:
    import trafilatura  # the baseline; imported here so the parser never depends on it

    parse_seconds = html_parse_seconds = trafilatura_seconds = 0.0
    html_pages = exact = 0
    rss_at_quarter = None
    for index, (name, data, truth) in enumerate(corpus(seed, count)):
        started = time.perf_counter()
        record = parse_document(data, name).record
        elapsed = time.perf_counter() - started
        parse_seconds += elapsed
        exact += not differences(record, truth)
        if name.endswith(".html"):
            html_pages += 1
            html_parse_seconds += elapsed
            started = time.perf_counter()
            trafilatura.extract(data, include_tables=True)
            trafilatura_seconds += time.perf_counter() - started
        if index == count // 4:
            rss_at_quarter = rss_mb()
    parse_rate = count / parse_seconds
    html_rate = html_pages / html_parse_seconds
    trafilatura_rate = html_pages / trafilatura_seconds
    return {
        "parse_reports": count,
        "parse_reports_per_s": round(parse_rate, 1),
        "parse_exact_share": round(exact / count, 4),
        "html_pages": html_pages,
        "html_parse_pages_per_s": round(html_rate, 1),
        "trafilatura_pages_per_s": round(trafilatura_rate, 1),
        "speedup_vs_trafilatura": round(html_rate / trafilatura_rate, 2),
        "peak_rss_mb": round(rss_mb(), 1),
        "rss_growth_after_first_quarter_mb": round(rss_mb() - rss_at_quarter, 1),
    }


def write_results(results: dict, path: Path = BENCH_JSON) -> dict:
    path.parent.mkdir(parents=True, exist_ok=True)
    merged = json.loads(path.read_text()) if path.exists() else {}
    merged.update(results)
    path.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n")
    return merged


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=1200)
    parser.add_argument("--scans", type=int, default=3, help="scanned reports read by OCR (~1 min each on 2 cores)")
    args = parser.parse_args()
    from benchmarks.attachments import bench_pdf
    from benchmarks.crawl import bench_crawl
    from benchmarks.ocr import bench_ocr

    results = bench_parse(args.reports)
    results.update(bench_pdf(200))
    results.update(bench_crawl())
    results.update(bench_ocr(args.scans))
    write_results(results)
    for key, value in results.items():
        print(f"{key:36s} {value}")


if __name__ == "__main__":
    main()
