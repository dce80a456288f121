"""A PDF report -> text lines: tables as `a | b |` rows (as html.py writes them), prose as lines.

Tables are found by their ruling lines (pdfplumber's default strategy), which gives every
cell its position: a blank cell stays a blank cell, and a merged cell is one cell whose
covered positions are left out, as html.py leaves out the copies of a rowspan/colspan.
Pages without ruled tables fall back to the text layout, one line per printed line, which
tables.py reads like any PDF text dump (label, then space-separated numbers).

A table that runs over a page break is joined: the running footer and header between the
parts go, and header rows repeated on the new page are dropped. The title, often wrapped
over two lines, is recognised by its type size and joined.

What cannot be read is said, never guessed: fonts without a ToUnicode map come out as
`(cid:N)` glyphs, and a report whose text is mostly those is not read at all; encrypted,
damaged and image-only (图片版) PDFs each get a problem and no text.
"""
from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass

import pdfplumber
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException

from .filetype import IMAGE_ONLY, DocumentText

__all__ = ["extract_pdf", "budget_problem", "MAX_PAGES", "MAX_INFLATED_BYTES", "MAX_TEXT_OPERATORS"]

MAX_PAGES = 100  # reports run to 10-30 pages; a bound on the time a strange file can take
CID_SHARE = 0.05  # above this share of unmapped glyphs the text is not worth reading
_MIN_TEXT_CHARS = 20  # fewer printed characters than this in the whole file: no text layer
_MARGIN_SHARE = 0.1  # top and bottom share of a page where running headers and footers sit
_RUNNING_MAX = 40  # characters: a running header or footer is short
_PAGE_NUMBER_MARKS = re.compile(r"[\s\d—–\-第页共/.·|()（）]*|\s*(?:page|Page|PAGE)[\s\d/of]*")
# A glyph whose font maps it to no character: pdfminer's (cid:N), or a control character
# (a ToUnicode entry of U+0000 for a glyph the font lacked, as for 𠮷 in a BMP-only font).
_UNMAPPED = re.compile(r"\(cid:\d+\)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DIGITS = re.compile(r"\d+")
# pdfminer inflates every stream whole and keeps it: a 1 MB file whose stream inflates to
# 1 GiB took 2.5 GB. All Flate streams but images together may inflate to this much; a
# scanned report's page images are JPEG (not inflated), its text streams a few MB at most.
MAX_INFLATED_BYTES = 128 * 2**20
# Text-showing operators (Tj, TJ) in one stream, i.e. at most one page: pdfminer's layout
# takes about half a millisecond and kilobytes per operator (400,000 on one page: 226 s,
# 7 GB). A dense report page shows a few thousand, one operator per glyph at worst.
MAX_TEXT_OPERATORS = 50_000
_STREAM = re.compile(rb"(?<!end)stream\r?\n")
_IMAGE = b"/Image"
_DICTIONARY_CHARS = 512  # an image's stream dictionary, just before its `stream` keyword
_INFLATE_INPUT = 16 * 2**10  # compressed bytes fed at a time
_PIECE = 2**20  # inflated bytes taken at a time
_BLANKS = frozenset(" \t\n\r\u3000\xa0")
_REPEATED_HEADER_ROWS = 5
_TITLE_LINES = 3  # a title wraps over at most this many lines
_OVERLAP = 1.0  # points two boxes must share to count as overlapping


@dataclass
class _Item:
    kind: str  # "line", "table" or "running" (a header or footer line)
    top: float
    payload: object  # the line's text, or the table's rows as lists of origin-cell texts
    in_margin: bool = False  # a short line at the top or bottom edge: maybe a running header or footer


@dataclass
class _Page:
    items: list[_Item]  # top to bottom
    chars: int  # printed characters
    unmapped: int  # glyphs without a character (see _UNMAPPED)
    has_images: bool


def extract_pdf(data: bytes) -> DocumentText:
    """The report's lines, or no text and the reason; never raises."""
    problems: list[str] = []
    over = budget_problem(data)
    if over:
        return DocumentText("", [over])
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = pdf.pages
            if len(pages) > MAX_PAGES:
                problems.append(f"the PDF has {len(pages)} pages; only the first {MAX_PAGES} were read")
            read = [_read_page(page, first=index == 0) for index, page in enumerate(pages[:MAX_PAGES])]
    except PdfminerException as error:
        return DocumentText("", [_opening_problem(error)])
    except Exception as error:  # noqa: BLE001 — pdfminer raises anything on a damaged file
        return DocumentText("", [f"the PDF could not be read ({type(error).__name__}: {str(error)[:80]})"])
    chars = sum(page.chars for page in read)
    scanned = [number for number, page in enumerate(read) if page.chars < _MIN_TEXT_CHARS and page.has_images]
    if scanned:  # pages of pixels only (图片版): read by OCR, the others by their text layer
        scan, failure = _read_scanned(data, scanned, read)
        if scan is None:
            return DocumentText("", problems + [IMAGE_ONLY, failure])
        chars += len(scan.text.strip())
    if chars < _MIN_TEXT_CHARS:
        return DocumentText("", problems + [IMAGE_ONLY if scanned else "the PDF holds no text"])
    unmapped = sum(page.unmapped for page in read)
    if unmapped > CID_SHARE * chars:
        return DocumentText("", problems + [
            f"the PDF's fonts have no ToUnicode map: {unmapped} of {chars} characters came out as "
            "(cid:N) glyphs; text not read"])
    text = "\n".join(_lines([page.items for page in read]))
    if unmapped:
        problems.append(f"{unmapped} characters without a Unicode mapping in the PDF's fonts were replaced by �")
        text = _UNMAPPED.sub("\ufffd", text)
    if scanned:
        return DocumentText(text, problems + scan.problems, scan)
    return DocumentText(text, problems)


def budget_problem(data: bytes, *, max_inflated: int = MAX_INFLATED_BYTES,
                   max_operators: int = MAX_TEXT_OPERATORS) -> str | None:
    """Why the PDF must not be given to pdfminer, or None: its streams are inflated here
    first, a bounded piece at a time and nothing kept, to measure them. Images are not
    inflated by the text extraction, so not here either."""
    view = memoryview(data)
    inflated = 0
    for match in _STREAM.finditer(data):
        if _IMAGE in data[max(0, match.start() - _DICTIONARY_CHARS):match.start()]:
            continue
        operators = 0
        for piece in _inflated(data, view, match.end()):
            inflated += len(piece)
            if inflated > max_inflated:
                return (f"the PDF's streams inflate to over {max_inflated / 2**20:.0f} MB (a compression "
                        "bomb?): not read")
            if b"T" in piece:  # a single byte is looked for fast; two-byte counts are slow on a bomb
                operators += piece.count(b"Tj") + piece.count(b"TJ")
            if operators > max_operators:
                return (f"a page of the PDF has over {max_operators} text operators, more than any report "
                        "page: not read")
    return None


def _inflated(data: bytes, view: memoryview, start: int):
    """The pieces (at most _PIECE bytes each) a Flate stream starting at `start` inflates to;
    a stream that is no Flate (raw content, JPEG) as it is, up to `endstream`."""
    inflater = zlib.decompressobj()
    position, pending = start, b""
    try:
        while not inflater.eof:
            if not pending:
                if position >= len(view):
                    return
                pending = view[position:position + _INFLATE_INPUT]
                position += _INFLATE_INPUT
            piece = inflater.decompress(pending, _PIECE)
            pending = inflater.unconsumed_tail
            if piece:
                yield piece
    except zlib.error:
        if position == start + _INFLATE_INPUT and not inflater.eof:
            end = data.find(b"endstream", start)
            yield data[start:end if end >= 0 else len(data)]
        # else damaged: pdfminer judges it


def _read_scanned(data: bytes, numbers: list[int], read: list[_Page]):
    """OCR the image-only pages and put their lines in place of the pages' (missing) text."""
    from . import ocr  # ONNX Runtime and the models load only for scans

    try:
        scan = ocr.read_pdf_pages(data, numbers)
    except Exception as error:  # noqa: BLE001 — pdfium and the OCR runtime raise anything on odd input
        return None, f"OCR of its image-only pages failed ({type(error).__name__}: {str(error)[:80]})"
    for index, number in enumerate(numbers[:scan.pages]):
        read[number].items = [_Item("line", float(top), line) for top, line in enumerate(scan.page_text(index))]
    return scan, None


def _opening_problem(error: PdfminerException) -> str:
    cause = error.args[0] if error.args else error
    if isinstance(cause, PDFPasswordIncorrect):
        return "the PDF is encrypted with a password: not read"
    return f"the PDF is damaged and could not be opened ({type(cause).__name__}: {str(cause)[:80]})"


def _read_page(page, *, first: bool) -> _Page:
    original = page
    # Simulated bold (WPS, Word) prints a glyph twice a fraction of a point apart: read once,
    # or every heading doubles (二二、、主主动动) and no table heading is recognised.
    if _doubled(page.chars):
        page = page.dedupe_chars(tolerance=1, extra_attrs=("size",))
    chars = [char for char in page.chars if char["text"] not in _BLANKS]
    unmapped = sum(1 for char in chars if _UNMAPPED.fullmatch(char["text"]))
    tables = [table for table in page.find_tables() if _is_grid(table)]
    items = [_Item("table", table.bbox[1], _rows(table)) for table in tables]
    prose = page.filter(lambda obj: obj.get("object_type") != "char" or not _inside(obj, tables))
    lines = _visual_rows(prose.extract_words(extra_attrs=["size"]))
    if first:
        lines = _join_title(lines)
    for line in lines:
        edge = line.top < page.height * _MARGIN_SHARE or line.bottom > page.height * (1 - _MARGIN_SHARE)
        items.append(_Item("line", line.top, line.text, edge and len(line.text) <= _RUNNING_MAX))
    items.sort(key=lambda item: item.top)
    read = _Page(items, len(chars), unmapped, bool(page.images))
    original.close()  # drop the page's cached layout objects: pages are read one at a time
    return read


def _doubled(chars) -> bool:
    """Whether some glyph is printed twice at (nearly) the same place: pdfplumber's
    dedupe_chars is slow, so it runs only on pages that need it."""
    seen = set()
    for char in chars:
        if char["text"] in _BLANKS:
            continue
        key = (char["text"], round(char["x0"]), round(char["top"]))
        if key in seen:
            return True
        seen.add(key)
    return False


def _is_grid(table) -> bool:
    """A page border or a boxed paragraph is a one-cell 'table': read it as text instead."""
    return len(table.rows) >= 2 and max(len(row.cells) for row in table.rows) >= 2


def _inside(obj, tables) -> bool:
    x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in (t.bbox for t in tables))


def _rows(table) -> list[list[str]]:
    """Each row's cells that start there; None marks a position a merged cell covers."""
    return [[_cell_text(text) for text in row if text is not None] for row in table.extract()]


def _cell_text(text: str) -> str:
    """A wrapped cell on one line: CJK lines join directly, Latin words with a space."""
    parts = [part.strip() for part in text.split("\n") if part.strip()]
    joined = parts[0] if parts else ""
    for part in parts[1:]:
        joined += (" " if joined[-1].isascii() and part[0].isascii() and not joined[-1].isdigit() else "") + part
    return joined


@dataclass
class _Row:
    text: str
    top: float
    bottom: float
    size: float  # the largest type on the row


def _visual_rows(words: list[dict]) -> list[_Row]:
    """Printed rows rebuilt from words, for text outside ruled tables.

    Words whose boxes overlap vertically are one row: a table cell wrapped over two lines
    sits between its neighbours' single lines, and reading it line by line would scramble
    the cells (社会公益组 法律服务机 / 商业企业 科研机构 / 织 构). Within a row, words whose
    boxes overlap horizontally are one cell, read top to bottom. Prose rows never overlap,
    so prose comes out line by line as printed.
    """
    rows: list[list[dict]] = []
    bottom = None
    for word in sorted(words, key=lambda word: (word["top"], word["x0"])):
        if rows and word["top"] < bottom - _OVERLAP:
            rows[-1].append(word)
            bottom = max(bottom, word["bottom"])
        else:
            rows.append([word])
            bottom = word["bottom"]
    return [_Row(" ".join(_cell_text(cell) for cell in _cells(row)), min(w["top"] for w in row),
                 max(w["bottom"] for w in row), max(w["size"] for w in row)) for row in rows]


def _cells(row: list[dict]) -> list[str]:
    """The row's words grouped by horizontal overlap, left to right, each cell as lines."""
    cells: list[list[dict]] = []
    right = None
    for word in sorted(row, key=lambda word: word["x0"]):
        if cells and word["x0"] < right - _OVERLAP:
            cells[-1].append(word)
            right = max(right, word["x1"])
        else:
            cells.append([word])
            right = word["x1"]
    return ["\n".join(" ".join(w["text"] for w in line) for line in _by_line(cell)) for cell in cells]


def _by_line(words: list[dict]) -> list[list[dict]]:
    lines: dict[float, list[dict]] = {}
    for word in sorted(words, key=lambda word: (word["top"], word["x0"])):
        key = next((top for top in lines if abs(top - word["top"]) < _OVERLAP), word["top"])
        lines.setdefault(key, []).append(word)
    return list(lines.values())


def _join_title(rows: list[_Row]) -> list[_Row]:
    """The first rows of the first page set in its largest type are one title."""
    if len(rows) < 2 or rows[0].size <= min(row.size for row in rows):
        return rows
    count = 1
    while count < min(len(rows), _TITLE_LINES) and abs(rows[count].size - rows[0].size) < 0.5:
        count += 1
    title = _Row("".join(row.text for row in rows[:count]), rows[0].top, rows[count - 1].bottom, rows[0].size)
    return [title] + rows[count:]


def _mark_running(pages: list[list[_Item]]) -> None:
    """Running headers and footers: page numbers, and margin lines found on several pages
    (digits aside). A heading that happens to open a page is neither."""
    seen: dict[str, int] = {}
    for items in pages:
        for key in {_DIGITS.sub("#", item.payload) for item in items if item.in_margin}:
            seen[key] = seen.get(key, 0) + 1
    for items in pages:
        for item in items:
            if item.in_margin and (_PAGE_NUMBER_MARKS.fullmatch(item.payload)
                                   or seen[_DIGITS.sub("#", item.payload)] > 1):
                item.kind = "running"


def _lines(pages: list[list[_Item]]) -> list[str]:
    """All pages' lines in order, a table split by a page break joined into one."""
    _mark_running(pages)
    out: list[str] = []
    open_table: list[list[str]] | None = None  # the last table, while nothing but running lines followed it
    pending: list[str] = []  # running lines seen since that table
    for items in pages:
        for item in items:
            if item.kind == "running":
                (pending if open_table is not None else out).append(item.payload)
                continue
            if item.kind == "table" and open_table is not None:
                out.extend(_row_line(row) for row in _without_repeated_header(item.payload, open_table))
                pending = []  # the footer and header between the two parts
                continue
            out.extend(pending)
            pending = []
            if item.kind == "table":
                out.extend(_row_line(row) for row in item.payload)
                open_table = item.payload
            else:
                out.append(item.payload)
                open_table = None
    out.extend(pending)
    return [line for line in out if line]


def _without_repeated_header(rows: list[list[str]], first_part: list[list[str]]) -> list[list[str]]:
    count = 0
    while count < min(len(rows), len(first_part), _REPEATED_HEADER_ROWS) and rows[count] == first_part[count]:
        count += 1
    return rows[count:]


def _row_line(cells: list[str]) -> str:
    return " | ".join(cells) + " |" if any(cells) else ""
