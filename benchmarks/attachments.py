"""`make bench`, attachments: PDF parse throughput and exactness on generated reports.

The reports are the benchmark corpus's truths (`replica.generator.generate`), printed by
`replica.attachments.render_pdf`; every fourth one without ruling lines, so that the
text-layout fallback is measured too. Rendering is not timed; each timing covers one
`parse_document` call on the bytes, as the crawler makes it.
"""
import time

from corpus.truth import differences
from parsers.record import parse_document
from replica.attachments import render_pdf
from replica.generator import report_truth

UNRULED_EVERY = 4


def bench_pdf(count: int, seed: int = 2024) -> dict:
    seconds = 0.0
    exact = 0
    for index in range(count):
        truth = report_truth(seed, index, range(2008, 2025))
        data = render_pdf(truth, index, ruled=index % UNRULED_EVERY != UNRULED_EVERY - 1)
        started = time.perf_counter()
        record = parse_document(data, f"{index:05d}.pdf").record
        seconds += time.perf_counter() - started
        exact += not differences(record, truth)
    return {"pdf_reports_per_s": round(count / seconds, 1), "pdf_exact_share": round(exact / count, 4)}
