"""`make bench`, scans: OCR throughput and accuracy on the replica's scanned reports.

Each report is a typed replica report scanned with faults (`replica.scans`), as a PDF of
images, a long JPEG or a multi-page TIFF in turn. Rendering is not timed; each timing
covers one `parse_document` call on the bytes. Accuracy is graded cell by cell
(corpus.scan_grading): the share of figures right, and the wrong figures no problem
names (which must be 0).
"""
import time

from corpus.scan_grading import ScanGrade
from parsers.record import parse_document
from replica.generator import report_truth
from replica.scans import render_scanned_image, render_scanned_pdf, render_scanned_tiff, scan_pages

RENDERERS = (("pdf", render_scanned_pdf), ("jpeg", render_scanned_image), ("tiff", render_scanned_tiff))


def bench_ocr(count: int, seed: int = 2024) -> dict:
    grade, seconds, pages, index = ScanGrade(), 0.0, 0, 0
    while grade.reports < count:
        truth = report_truth(seed, index, range(2019, 2025))
        index += 1
        if max(map(ord, truth["title"])) >= 0x10000:  # the scans' font has no glyph beyond the BMP
            continue
        kind, render = RENDERERS[grade.reports % len(RENDERERS)]
        data = render(truth, index)
        started = time.perf_counter()
        record = parse_document(data, f"{index:05d}.{kind}").record
        seconds += time.perf_counter() - started
        pages += len(scan_pages(truth, index, turn=False))  # the printed pages (a long JPEG is one image of them)
        grade.add(record, truth)
    return {"ocr_pages_per_s": round(pages / seconds, 3),
            "ocr_seconds_per_scanned_report": round(seconds / count, 1),
            "ocr_cells_right_share": round(grade.right_share, 4),
            "ocr_wrong_without_problem": grade.wrong_unnamed}
