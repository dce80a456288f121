"""Scanned reports (图片版): pages of pixels -> the text lines the table reader takes, by OCR.

RapidOCR (PP-OCR's Chinese detection and recognition models on ONNX Runtime, bundled in
its wheel: offline, CPU) gives text boxes with positions and confidences. The boxes are
put back into printed rows and, inside tables, into columns, and written as `a | b |`
lines like html.py's and pdf.py's, so tables.py, the templates and validate.py read a
scan exactly as they read a typed report.

- Rows: boxes whose middle bands overlap vertically are one row; boxes of one row that
  overlap horizontally are one cell read top to bottom (a label wrapped in its cell).
- Columns: within a run of rows holding figures, the figures' x-centres cluster into the
  table's value columns; a row's figure goes to its column, so a blank cell stays a blank
  position. A column position with no box but with ink is read again on its own (OCR's
  detector drops short digits now and then); one still unread is marked, never shifted.
- Pages turned by 90/180/270° are turned upright; a slight skew is measured from the
  boxes' own slope and the coordinates straightened.
- Digits OCR often confuses (O/0, l/1, S/5, B/8) are read as digits and each such repair
  is named; `check_record` keeps a repair only when the table's arithmetic holds.

What a scan's figures are worth is decided afterwards by `check_record`: every figure's
confidence goes into the record, and every figure below LOW_CONFIDENCE, every repair and
every row whose arithmetic fails is named in the problems.
"""
from __future__ import annotations

import io
import logging
import math
import re
import statistics
import time
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from PIL import Image, ImageOps

from . import convert, templates as T
from .cells import parse_number
from .filetype import IMAGE_ONLY, DocumentText
from .tables import read_tables

__all__ = ["Box", "Scan", "read_images", "scan_from_boxes", "upright", "ocr_boxes", "load_images", "extract_images", "read_pdf_pages", "check_record", "DPI",
           "LOW_CONFIDENCE", "MAX_PAGES", "MAX_SECONDS"]

# Pages of a PDF are rendered at this resolution for OCR. Measured on a replica report
# (7-pt table type): rendered at 150 dpi 1 of 200 figures was misread, at 200 dpi none.
DPI = 200
# Figures read with less confidence than this are named in the problems. Measured on the
# demo's scans: the misread figures scored 0.36 and 0.80; 18 of 393 right ones scored below.
LOW_CONFIDENCE = 0.9
MAX_PAGES = 30  # a scanned report runs to 5-20 pages; a bound on what hostile input costs
# OCR time one document may take; pages past it are not read. A page takes 5-10 s on an idle
# 2-core machine, and 40 s when eight jobs share it.
MAX_SECONDS = 900.0
_PAPER = 190  # grey level from which a pixel is paper (a red seal in the red channel is ~225)
MAX_PIXELS = 40_000_000  # an image larger than this (a 10,000 x 4,000 scan) is scaled down
_MAX_SIDE = 12_000  # RapidOCR scales larger images down to this: a long image of pages must not be
_NUMERIC = re.compile(r"^[-−—–－+]?[\d,，.OoIlSB]+$")  # 表二's 本年增/减 has signs
_CONFUSED = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "S": "5", "B": "8", "，": ",",
                           "−": "-", "—": "-", "–": "-", "－": "-"})
_log = logging.getLogger(__name__)
_SKEW_LIMIT = 5.0  # degrees: more than this is no scanner's skew but a measurement gone wrong


@dataclass
class Box:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    confidence: float
    slope: float = 0.0  # of the box's top edge, radians

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass
class Figure:
    """A figure as OCR read it: how sure OCR was, and any repair."""
    text: str
    confidence: float
    repaired_from: str | None = None


@dataclass
class Scan:
    text: str
    figures: list[Figure] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    pages: int = 0
    seconds: float = 0.0
    lines: list[list[str]] = field(default_factory=list)  # the cells of every line, figures marked
    figure_cells: dict[tuple[int, int], int] = field(default_factory=dict)  # (line, cell) -> figure index
    page_starts: list[int] = field(default_factory=list)  # the first line of each page read

    def page_text(self, number: int) -> list[str]:
        """The lines of the `number`th page read."""
        ends = [*self.page_starts[1:], len(self.lines)]
        return [_line(cells) for cells in self.lines[self.page_starts[number]:ends[number]]]


# ---------------------------------------------------------------------------------------------
# Pages


def load_images(data: bytes, max_pages: int = MAX_PAGES) -> tuple[list[Image.Image], list[str]]:
    """The pages of a JPEG, PNG, TIFF (every frame), GIF, BMP or WebP file, grey, and doubts."""
    problems = []
    try:
        image = Image.open(io.BytesIO(data))
        frames = getattr(image, "n_frames", 1)
        pages = []
        for index in range(min(frames, max_pages)):
            image.seek(index)
            pages.append(_grey(ImageOps.exif_transpose(image)))
    except (OSError, ValueError, Image.DecompressionBombError, EOFError) as error:
        return [], [f"the image could not be read ({type(error).__name__}: {str(error)[:80]})"]
    if frames > max_pages:
        problems.append(f"the image file has {frames} pages; only the first {max_pages} were read")
    return pages, problems


def _grey(image: Image.Image) -> Image.Image:
    """One channel to read: the red one of a colour scan, in which a red seal all but vanishes."""
    image = image.convert("RGB").getchannel("R") if image.mode not in ("1", "L", "I", "I;16", "F") else image.convert("L")
    # Paper grain and what is left of a seal are light: white. Print is dark and stays.
    image = image.point(lambda value: 255 if value >= _PAPER else value * 255 // _PAPER)
    if image.width * image.height > MAX_PIXELS:
        scale = math.sqrt(MAX_PIXELS / (image.width * image.height))
        image = image.resize((int(image.width * scale), int(image.height * scale)))
    return image


def render_pdf_pages(data: bytes, numbers: list[int], dpi: int = DPI) -> list[Image.Image]:
    """Pages of a PDF (0-based numbers) as grey images at `dpi`."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        return [_grey(document[number].render(scale=dpi / 72).to_pil()) for number in numbers]
    finally:
        document.close()


# ---------------------------------------------------------------------------------------------
# OCR


@cache
def _engine():
    from rapidocr_onnxruntime import RapidOCR

    # text_score 0: keep every reading, however unsure; check_record judges them by confidence.
    # One thread per model: parallelism comes from the crawl's worker processes.
    threads = {f"{model}_intra_op_num_threads": 1 for model in ("det", "cls", "rec")}
    return RapidOCR(max_side_len=_MAX_SIDE, text_score=0.0, print_verbose=False, **threads)


def ocr_boxes(image: Image.Image) -> list[Box]:
    # No line classifier: pages are turned upright first, and it turns lone digits over (6 -> 9).
    result, _ = _engine()(np.asarray(image.convert("RGB")), use_cls=False)
    boxes = []
    for points, text, score in result or []:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        (ax, ay), (bx, by) = points[0], points[1]
        slope = math.atan2(by - ay, bx - ax) if bx - ax > 2 * (max(ys) - min(ys)) else 0.0
        boxes.append(Box(text.strip(), min(xs), min(ys), max(xs), max(ys), float(score), slope))
    return [box for box in boxes if box.text]


def upright(image: Image.Image) -> tuple[Image.Image, int]:
    """The page turned so that its text reads left to right, and the turn (degrees, clockwise).

    Lines of text are wide boxes: a page of tall boxes lies on its side. Which way up is
    told by the recognizer, which is sure of itself only on upright text: a few of the
    widest lines are read both ways (the detector runs once, on a small copy)."""
    # A long image of pages one under another: judge one page's worth, not a thumbnail of all.
    width, height = image.size
    side = int(max(width, height) if max(width, height) <= 2 * min(width, height) else 1.5 * min(width, height))
    small = image.crop((0, 0, min(width, side), min(height, side)))
    small.thumbnail((_ORIENTATION_SIDE, _ORIENTATION_SIDE))
    found, _ = _engine()(np.asarray(small.convert("RGB")), use_rec=False, use_cls=False)
    quads = [(min(p[0] for p in q), min(p[1] for p in q), max(p[0] for p in q), max(p[1] for p in q))
             for q in found or []]
    # Digits are as tall as wide: only lines of several characters tell.
    wide = [q for q in quads if q[2] - q[0] > 3 * (q[3] - q[1])]
    tall = [q for q in quads if q[3] - q[1] > 3 * (q[2] - q[0])]
    turn = 90 if len(tall) > len(wide) else 0
    lines = sorted(tall if turn else wide, key=lambda q: (q[2] - q[0]) * (q[3] - q[1]), reverse=True)
    samples = [small.crop(q) for q in lines[:_ORIENTATION_SAMPLES]]
    if turn:
        samples = [sample.rotate(-90, expand=True) for sample in samples]
    if samples and _read_score([s.rotate(180) for s in samples]) > _read_score(samples):
        turn += 180
    return (image.rotate(-turn, expand=True, fillcolor=255) if turn else image), turn


_ORIENTATION_SIDE = 1200  # pixels: enough to find lines of text, cheap to detect
_ORIENTATION_SAMPLES = 5


def _read_score(crops: list[Image.Image]) -> float:
    scores = []
    for crop in crops:
        result, _ = _engine()(np.asarray(crop.convert("RGB")), use_det=False, use_cls=False)
        scores += [float(score) for _text, score in result or []]
    return statistics.fmean(scores) if scores else 0.0


def straightened(boxes: list[Box]) -> list[Box]:
    """Boxes with the page's skew taken out of their coordinates (about the page's origin)."""
    slopes = [box.slope for box in boxes if box.x1 - box.x0 > 3 * box.height]
    if len(slopes) < 3:
        return boxes
    angle = statistics.median(slopes)
    if abs(math.degrees(angle)) > _SKEW_LIMIT or abs(angle) < 1e-4:
        return boxes
    cos, sin = math.cos(-angle), math.sin(-angle)
    out = []
    for box in boxes:
        cx, cy = box.cx * cos - box.cy * sin, box.cx * sin + box.cy * cos
        half_w, half_h = (box.x1 - box.x0) / 2, box.height / 2
        # The axis-aligned box of a slanted line is taller than its text; its own width is kept.
        half_h = max(1.0, half_h - abs(math.sin(angle)) * half_w)
        out.append(Box(box.text, cx - half_w, cy - half_h, cx + half_w, cy + half_h, box.confidence, 0.0))
    return out


def read_images(pages: list[Image.Image], *, max_seconds: float = MAX_SECONDS) -> Scan:
    """OCR every page and write its lines; each page read is logged (a scan takes a while)."""
    started = time.monotonic()
    read, problems = [], []
    for number, page in enumerate(pages):
        if time.monotonic() - started > max_seconds:
            problems.append(f"OCR stopped after {max_seconds:.0f} s: pages {number + 1}-{len(pages)} not read")
            break
        page, turn = upright(page)
        if turn:
            problems.append(f"OCR: page {number + 1} was turned by {turn}° and read upright")
        read.append((ocr_boxes(page), page))
        _log.info("OCR: page %d of %d read (%.1f s so far)", number + 1, len(pages), time.monotonic() - started)
    scan = scan_from_boxes(read)
    scan.problems[:0] = problems
    scan.seconds = time.monotonic() - started
    return scan


def scan_from_boxes(pages: list[tuple[list[Box], Image.Image]]) -> Scan:
    """The lines of pages already read: each page's boxes and its (upright) image."""
    scan = Scan("")
    rows: list[list[_Cell]] = []
    headers: set[str] = set()
    for boxes, page in pages:
        scan.page_starts.append(len(rows))
        rows += _without_repeated_headers(_page_rows(straightened(boxes), page), headers)
        scan.pages += 1
    _write(scan, rows)
    return scan


# ---------------------------------------------------------------------------------------------
# Boxes -> lines


@dataclass
class _Cell:
    boxes: list[Box]
    figure: bool = False  # a value cell of a table: one number, or a blank position

    @property
    def text(self) -> str:
        ordered = sorted(self.boxes, key=lambda box: (box.cy, box.x0))
        return "".join(box.text for box in ordered) if self.figure else _joined(ordered)

    @property
    def x0(self) -> float:
        return min(box.x0 for box in self.boxes)

    @property
    def x1(self) -> float:
        return max(box.x1 for box in self.boxes)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2


def _joined(boxes: list[Box]) -> str:
    text = ""
    for box in boxes:
        glue = " " if text and text[-1].isascii() and box.text[0].isascii() and text[-1].isalpha() else ""
        text += glue + box.text
    return text


def is_numeric(text: str) -> bool:
    """A figure as OCR may print it: digits, separators, and letters it takes for digits."""
    return bool(_NUMERIC.match(text)) and (any(ch.isdigit() for ch in text) or len(text) == 1)


def _split_numbers(box: Box) -> list[Box]:
    """A box OCR read as '26 7' over two cells: one box per number, x-ranges shared by characters."""
    parts = box.text.split()
    if len(parts) < 2 or not all(is_numeric(part) for part in parts):
        return [box]
    width = (box.x1 - box.x0) / max(1, len(box.text))
    out, offset = [], 0
    for part in parts:
        start = box.text.index(part, offset)
        offset = start + len(part)
        out.append(Box(part, box.x0 + start * width, box.y0, box.x0 + offset * width, box.y1, box.confidence))
    return out


def _rows(boxes: list[Box]) -> list[list[Box]]:
    """Boxes whose middles (70% of their height) overlap vertically are one printed row, top to
    bottom: a figure beside a label wrapped over two lines overlaps both."""
    rows: list[list[Box]] = []
    bottom = None
    for box in sorted(boxes, key=lambda box: box.cy):
        top_mid, bottom_mid = box.cy - box.height * 0.35, box.cy + box.height * 0.35
        if rows and top_mid < bottom:
            rows[-1].append(box)
            bottom = max(bottom, bottom_mid)
        else:
            rows.append([box])
            bottom = bottom_mid
    return rows


def _cells(row: list[Box]) -> list[_Cell]:
    """A row's boxes grouped by horizontal overlap, left to right; figures each a cell of their own."""
    cells: list[_Cell] = []
    for box in sorted(row, key=lambda box: box.x0):
        numeric = is_numeric(box.text)
        last = cells[-1] if cells else None
        if last and not numeric and not last.figure and _stacked(last, box):
            last.boxes.append(box)
        else:
            cells.append(_Cell([box], figure=numeric))
    # A label's digits ('2019') are no figure unless a label stands left of them.
    first_label = next((i for i, cell in enumerate(cells) if not cell.figure), None)
    for i, cell in enumerate(cells):
        if cell.figure and (first_label is None or i < first_label):
            cell.figure = first_label is None and len(cells) > 1
    return cells


def _without_repeated_headers(rows: list[list[_Cell]], seen: set[str]) -> list[list[_Cell]]:
    """A table's header repeated after a page break ("repeat as header row") is dropped, as
    pdf.py drops it: its 总计 would read as a row of the table. `seen`: the label rows of the
    pages before (a long image holds several pages in one)."""
    kept = []
    for row in rows:
        if not any(cell.figure for cell in row) and len(row) >= 2:
            if _row_text(row) in seen:
                continue
            seen.add(_row_text(row))
        kept.append(row)
    return kept


def _row_text(row: list[_Cell]) -> str:
    return "|".join(cell.text for cell in row)


def _stacked(cell: _Cell, box: Box) -> bool:
    """A box under or over the cell's, sharing most of its width: the same cell, wrapped.
    Boxes of neighbouring cells touch at their edges only."""
    overlap = min(cell.x1, box.x1) - max(cell.x0, box.x0)
    return overlap > 0.3 * min(cell.x1 - cell.x0, box.x1 - box.x0)


_PAGE_NUMBER = re.compile(r"[-—–－一]*\d{1,4}[-—–－一]*|第\d{1,4}页(?:共\d{1,4}页)?|\d{1,4}/\d{1,4}")


def _page_number(row: list[Box]) -> list[_Cell] | None:
    """A page's number ('— 3 —', '第3页') as one plain cell: no figure of any table."""
    text = "".join(box.text for box in sorted(row, key=lambda box: box.x0)).replace(" ", "")
    return [_Cell(row)] if _PAGE_NUMBER.fullmatch(text) else None


def _page_rows(boxes: list[Box], page: Image.Image) -> list[list[_Cell]]:
    boxes = [part for box in boxes for part in _split_numbers(box)]
    rows = [_page_number(row) or _cells(row) for row in _rows(boxes)]
    for start, end in _figure_runs(rows):
        _place_columns(rows, start, end, page)
    return rows


def _figure_runs(rows: list[list[_Cell]]) -> list[tuple[int, int]]:
    """(start, end) of the bodies of tables: rows holding figures, with the label-only rows
    between them (a label wrapped over more lines than its figures). A wide gap (a page
    footer under the table, the next table) ends a body."""
    runs, start, last = [], None, None
    for index, row in enumerate(rows):
        if not any(cell.figure for cell in row):
            continue
        if start is not None and _gap(rows[last], row) > _RUN_GAP * _height(row):
            runs.append((start, last + 1))
            start = None
        start = index if start is None else start
        last = index
    if start is not None:
        runs.append((start, last + 1))
    return runs


_RUN_GAP = 3.0  # row heights of white space that part two tables (or a table and its page's footer)


def _height(row: list[_Cell]) -> float:
    return statistics.median(box.height for cell in row for box in cell.boxes)


def _gap(above: list[_Cell], below: list[_Cell]) -> float:
    return min(box.y0 for cell in below for box in cell.boxes) - max(box.y1 for cell in above for box in cell.boxes)


def _place_columns(rows, start, end, page) -> None:
    """Give every row of a table body one position per value column, blanks included."""
    figures = [cell for row in rows[start:end] for cell in row if cell.figure]
    columns = _clusters(figures)
    if start > 0 and _gap(rows[start - 1], rows[start]) <= _RUN_GAP * _height(rows[start]):
        columns = _with_header(columns, rows[start - 1])
    if len(columns) < 2:
        return
    for index in range(start, end):
        if not any(cell.figure for cell in rows[index]):
            continue  # a label's wrapped line
        # What stands among the figures but reads as no number (a seal's mark) is no label:
        # its position is read again.
        labels = [cell for cell in rows[index] if not cell.figure and cell.cx < columns[0][1]]
        placed: list[_Cell | None] = [None] * len(columns)
        for cell in (cell for cell in rows[index] if cell.figure):
            column = min(range(len(columns)), key=lambda c: abs(columns[c][0] - cell.cx))
            if placed[column] is None:
                placed[column] = cell
            else:  # two figures in one column: OCR split a number; keep them together
                placed[column].boxes += cell.boxes
        band = _band(rows[index])
        for column, cell in enumerate(placed):
            if cell is None:
                placed[column] = _reread(page, columns[column], band)
        rows[index] = labels + placed


def _clusters(figures: list[_Cell]) -> list[tuple[float, float, float]]:
    """(centre, left, right) of each value column, from the figures' x-centres."""
    if not figures:
        return []
    gap = 1.5 * statistics.median(cell.boxes[0].height for cell in figures)
    columns: list[list[_Cell]] = []
    for cell in sorted(figures, key=lambda cell: cell.cx):
        if columns and cell.cx - statistics.fmean(c.cx for c in columns[-1]) < gap:
            columns[-1].append(cell)
        else:
            columns.append([cell])
    return [(statistics.median(c.cx for c in column), min(c.x0 for c in column), max(c.x1 for c in column))
            for column in columns]


def _with_header(columns, header: list[_Cell]) -> list[tuple[float, float, float]]:
    """Columns the header's leaf cells name but no figure showed (a dropped cell in a one-row
    table such as 表四), added where the header has a cell of its own over no column."""
    if not columns:
        return columns
    leaves = [cell for cell in header if cell.x1 > columns[0][1]]
    if len(leaves) <= len(columns):
        return columns
    added = [(cell.cx, cell.x0, cell.x1) for cell in leaves
             if not any(cell.x0 <= centre <= cell.x1 for centre, _, _ in columns)]
    return sorted(columns + added)


def _band(row: list[_Cell]) -> tuple[float, float]:
    tops = [box.y0 for cell in row for box in cell.boxes]
    bottoms = [box.y1 for cell in row for box in cell.boxes]
    return statistics.median(tops), statistics.median(bottoms)


_INK = 128  # a pixel darker than this is ink
_INK_PIXELS = 6  # fewer ink pixels than this in a cell: specks, no figure


def _reread(page: Image.Image, column: tuple[float, float, float], band: tuple[float, float]) -> _Cell:
    """The cell at a column position the detector left empty: blank, or read on its own.

    The detector misses lone thin digits ('1') most; the recognizer alone, given the ink's
    own box, reads them."""
    centre, left, right = column
    top, bottom = band
    height = bottom - top
    half = max((right - left) / 2, height)
    # Inset from the column's edges so that ruling lines stay out of the crop.
    box = (int(centre - half * 0.8), int(top), int(centre + half * 0.8), int(bottom))
    blank = _Cell([Box("", *box, 1.0)], figure=True)
    ink = np.asarray(page.crop(box)) < _INK
    if ink.sum() < _INK_PIXELS:
        return blank
    ys, xs = np.nonzero(ink)
    pad = int(height / 2)
    glyphs = page.crop((box[0] + xs.min() - pad, box[1] + ys.min() - pad,
                        box[0] + xs.max() + 1 + pad, box[1] + ys.max() + 1 + pad))
    result, _ = _engine()(np.asarray(glyphs.convert("RGB")), use_det=False, use_cls=False)
    found = [(text.strip(), float(score)) for text, score in result or [] if is_numeric(text.strip())]
    if len(found) != 1:  # ink, but no one figure: left blank, which the reader names
        return blank
    text, score = found[0]
    return _Cell([Box(text, *box, score)], figure=True)


def _write(scan: Scan, rows: list[list[_Cell]]) -> None:
    lines = []
    for row in rows:
        cells = []
        for cell in row:
            text = cell.text
            if cell.figure and text:
                repaired = _digits(text)
                figure = Figure(repaired, min(box.confidence for box in cell.boxes),
                                text if repaired != text else None)
                scan.figure_cells[(len(lines), len(cells))] = len(scan.figures)
                scan.figures.append(figure)
                text = repaired
            cells.append(text)
        lines.append(cells)
    scan.lines = lines
    scan.text = "\n".join(_line(cells) for cells in lines)


def _digits(text: str) -> str:
    """OCR's letters for digits read as the digits; separators as a number prints them."""
    return text.translate(_CONFUSED)


def _line(cells: list[str]) -> str:
    if len(cells) == 1:
        return cells[0]
    return " | ".join(cells) + " |"


# ---------------------------------------------------------------------------------------------
# Judging the figures


_ID_BASE = 7_000_000  # figure i is written as _ID_BASE + i to find where the reader put it
_TABLE_LABELS = {"active": "表二", "applications": "表三", "review_litigation": "表四"}


def figure_places(scan: Scan, year: int | None) -> dict[tuple[str, str, str], Figure]:
    """(table, row, column) -> the OCR figure the table reader stored there.

    The reader is run once more on the same lines with every figure replaced by its index,
    so the places are the reader's own, not a second reading of the tables."""
    lines = []
    for number, cells in enumerate(scan.lines):
        marked = [str(_ID_BASE + scan.figure_cells[(number, index)]) if (number, index) in scan.figure_cells
                  and parse_number(cell) is not None else cell for index, cell in enumerate(cells)]
        lines.append(_line(marked))
    places = {}
    for cell in read_tables(convert.clean("\n".join(lines)).text, year).cells:  # as record.py reads them
        index = (cell.value or 0) - _ID_BASE
        if isinstance(cell.value, int) and 0 <= index < len(scan.figures):
            places[(cell.table, cell.row, cell.col)] = scan.figures[index]
    return places


def check_record(record: dict, scan: Scan) -> None:
    """Add the OCR's confidences to the record and its doubts to the problems.

    Named in the problems: every figure below LOW_CONFIDENCE (kept), every repair (kept when
    its row adds up, else left out), every dropped 表三 figure filled in from its row and
    column, and every row of OCR figures its total does not confirm."""
    places = figure_places(scan, record["year"])
    failing = _failing_rows(record["problems"])
    confidence, problems = {}, []
    for (table, row, column), figure in places.items():
        values = record.get(table, {}).get(row)
        if not isinstance(values, dict) or column not in values:
            continue
        name = f"{_TABLE_LABELS[table]} {_row_label(table, row)} / {_column_label(table, column)}"
        if "." in figure.text and column != "amount":  # only amounts (万元) have decimals
            del values[column]
            problems.append(f"{name}: OCR read '{figure.text}' where a whole number belongs (left out)")
            continue
        confidence[f"{table}.{row}.{column}"] = round(figure.confidence, 3)
        if figure.repaired_from is not None:
            if (table, row) in failing:
                del values[column]
                problems.append(f"{name}: OCR read '{figure.repaired_from}', and its row does not add up "
                                "even read as digits (left out)")
                continue
            problems.append(f"{name}: OCR read '{figure.repaired_from}', repaired to {figure.text} "
                            "(the only reading with which the table adds up)")
        if figure.confidence < LOW_CONFIDENCE:
            problems.append(f"{name}: OCR read {figure.text} with confidence {figure.confidence:.2f} "
                            f"(below {LOW_CONFIDENCE})")
    problems += _fractions_left_out(record)
    problems += _fill_dropped(record, places)
    problems += _unconfirmed_rows(record, places)
    record["problems"] = list(dict.fromkeys([*record["problems"], *scan.problems, *problems]))
    record["ocr"] = {"pages": scan.pages, "seconds": round(scan.seconds, 1), "low_confidence": LOW_CONFIDENCE,
                     "confidence": confidence}


def _fractions_left_out(record: dict) -> list[str]:
    """A fraction where a whole number belongs, among figures OCR's boxes did not place (a
    figure read with its unit, `28.617件`): a misread separator (28,617), left out and named."""
    problems = []
    for table in _TABLE_LABELS:
        for row, values in record.get(table, {}).items():
            if not isinstance(values, dict):
                continue
            for column in [column for column, value in values.items()
                           if isinstance(value, float) and column != "amount"]:
                problems.append(f"{_TABLE_LABELS[table]} {_row_label(table, row)} / {_column_label(table, column)}: "
                                f"OCR read {values.pop(column)} where a whole number belongs (left out)")
    return problems


_PARTS = T.APPLICANT_COLUMN_KEYS[:6]
_NOT_OUTCOMES = ("new_received", "carried_over", "total_processed", "carried_forward")


def _fill_dropped(record: dict, places: dict) -> list[str]:
    """A 表三 figure OCR did not find, filled in when its row total and its column's (七)总计 both
    give the same value: two independent sums agreeing is the only repair that holds."""
    table = record["applications"]
    outcome_rows = [row for row in T.APPLICATION_LAYOUT.get(record["template"], []) if row not in _NOT_OUTCOMES]
    problems = []
    for row in outcome_rows:
        cells = table.get(row)
        if not cells:
            continue
        missing = [column for column in (*_PARTS, "total") if column not in cells]
        if len(missing) != 1 or missing[0] == "total" or "total" not in cells:
            continue
        column = missing[0]
        by_row = cells["total"] - sum(cells[part] for part in _PARTS if part != column)
        others = [table.get(other, {}).get(column) for other in outcome_rows if other != row]
        total = table.get("total_processed", {}).get(column)
        if total is None or None in others or total - sum(others) != by_row or by_row < 0:
            continue
        cells[column] = by_row
        problems.append(f"表三 {_row_label('applications', row)} / {_column_label('applications', column)}: "
                        f"no figure read by OCR; filled in as {by_row}, the one value with which both its row "
                        "and its column add up")
    return problems


def _unconfirmed_rows(record: dict, places: dict) -> list[str]:
    """Rows of OCR figures whose own total does not confirm them: a figure missing or misread."""
    rows = {(table, row) for table, row, _column in places}
    problems = []
    for table, row in sorted(rows):
        cells = record.get(table, {}).get(row)
        if table == "active" or not isinstance(cells, dict):
            continue
        parts = _PARTS if table == "applications" else T.REVIEW_OUTCOME_KEYS[:4]
        values = [cells.get(part) for part in parts]
        if "total" in cells and None not in values and sum(values) == cells["total"]:
            continue
        problems.append(f"{_TABLE_LABELS[table]} {_row_label(table, row)}: the row's figures read by OCR are not "
                        "confirmed by its total (a figure is missing or misread)")
    return problems


def _failing_rows(problems: list[str]) -> set[tuple[str, str]]:
    """(table, row) of every row that a problem names."""
    failing = set()
    for problem in problems:
        for table, label in _TABLE_LABELS.items():
            if not problem.startswith(label):
                continue
            for key, text in _labels(table).items():
                if text and text in problem:
                    failing.add((table, key))
    return failing


def _labels(table: str) -> dict[str, str]:
    if table == "applications":
        return T.APPLICATION_LABELS
    if table == "review_litigation":
        return T.REVIEW_LABELS
    return {key: label for key, _, label in T.ACTIVE_ROWS}


def _row_label(table: str, row: str) -> str:
    return _labels(table).get(row, row)


def _column_label(table: str, column: str) -> str:
    if table == "applications":
        return T.APPLICANT_LABELS.get(column, column)
    if table == "review_litigation":
        return T.REVIEW_OUTCOME_LABELS.get(column, column)
    return {key: label for key, _, label in T.ACTIVE_COLUMNS}.get(column, column)


# ---------------------------------------------------------------------------------------------
# Files


def extract_images(data: bytes) -> DocumentText:
    """An image file (JPEG, PNG, TIFF pages …) read by OCR."""
    pages, problems = load_images(data)
    if not pages:
        return DocumentText("", problems or [IMAGE_ONLY])
    try:
        scan = read_images(pages)
    except MemoryError:
        raise  # a worker's memory budget: its pipeline stores the report with that problem
    except Exception as error:  # noqa: BLE001 — the OCR runtime raises anything on odd input or low memory
        return DocumentText("", [IMAGE_ONLY, f"OCR of the image failed ({type(error).__name__}: {str(error)[:80]})"])
    scan.problems[:0] = problems
    if not scan.text.strip():
        return DocumentText("", [IMAGE_ONLY, *scan.problems])
    return DocumentText(scan.text, list(scan.problems), scan)


def read_pdf_pages(data: bytes, numbers: list[int]) -> Scan:
    """Image-only pages of a PDF (0-based numbers), rendered at DPI and read by OCR."""
    scan = read_images(render_pdf_pages(data, numbers[:MAX_PAGES]))
    if len(numbers) > MAX_PAGES:
        scan.problems.append(f"{len(numbers)} image-only pages; only the first {MAX_PAGES} were read by OCR")
    return scan
