"""Word, WPS, RTF and spreadsheet reports -> text lines, tables as `a | b |` rows.

Every reader writes what html.py writes: one line per paragraph, one line per table row
with only the cells that start there (the positions a merged cell covers are left out),
so tables.py reads every format alike.

- DOCX: python-docx. A merged cell is the same `<w:tc>` at every position it covers
  (gridSpan across, vMerge down), so copies are known exactly.
- Legacy .doc and Kingsoft .wps (Word 97 binaries): `wvHtml` from Debian's `wv`, run as a
  subprocess under a timeout and `prlimit` bounds, its HTML read by html.py. Measured on a
  real .doc of a 2021-template report (tests/files, made by LibreOffice): antiword lost
  every body row of 表三 after its three-row header (its text and DocBook outputs alike),
  and catdoc printed the 表二 block as mojibake and broke rows at blank cells. wvHtml kept
  every cell and writes merged cells as rowspan/colspan, which html.py already expands;
  its only quirk, a `rowspan="0"` placeholder cell at each covered position, is removed.
  wv upstream is quiet and the Debian package is QA-maintained: the bounds matter.
- RTF: striprtf, which ends cells with `|`; the code page comes from `\\ansicpg`.
- XLSX (openpyxl) and XLS (xlrd), for reports whose tables come as spreadsheets.

ZIP containers (DOCX, XLSX) are checked before anything inflates them: zipfile never
yields more than a member's declared size, so bounding the declared sizes and the
compression ratio bounds the memory a zip bomb can take.
"""
from __future__ import annotations

import codecs
import datetime
import io
import re
import subprocess
import tempfile
import zipfile
from pathlib import Path

import docx
import openpyxl
import xlrd
from docx.table import Table as DocxTable
from lxml import etree
from striprtf.striprtf import rtf_to_text

from . import html
from .cells import is_blank, is_label
from .filetype import IMAGE_ONLY, DocumentText

__all__ = ["extract_docx", "extract_doc", "extract_rtf", "extract_xlsx", "extract_xls", "zip_problem",
           "MAX_UNPACKED_BYTES", "MAX_XML_BYTES"]

MAX_UNPACKED_BYTES = 100 * 2**20  # all members together, as declared; reports are a few MB
# The XML parts together, as declared: parsing XML takes 10-20 times its size in memory (95 MB
# of DOCX XML took 1.9 GB and 113 s), and a 30-page report's document.xml is 1-3 MB, a
# spreadsheet of its tables far less. Checked by size, not ratio: plain XML compresses < 100×.
MAX_XML_BYTES = 16 * 2**20
MAX_RATIO = 100  # XML compresses 10-30 times; a member far above this is a bomb
_RATIO_FLOOR = 2**20  # small members may compress arbitrarily well
TOOL_SECONDS = 30
_TOOL_LIMITS = ["--as=1073741824", "--fsize=268435456", f"--cpu={TOOL_SECONDS}"]  # 1 GiB memory, 256 MiB files
_SPACES = re.compile(r"\s+")
_CODE_PAGE = re.compile(rb"\\ansicpg(\d+)")
_PICTURES = "//w:drawing | //w:pict | //w:object"


# ---- ZIP containers ------------------------------------------------------------------

def zip_problem(data: bytes) -> str | None:
    """Why this ZIP must not be inflated, or None when its declared sizes are sane."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        return f"the file is a damaged ZIP container ({error})"
    total = sum(member.file_size for member in members)
    if total > MAX_UNPACKED_BYTES:
        return (f"the ZIP container declares {total / 2**20:.0f} MB unpacked, over the "
                f"{MAX_UNPACKED_BYTES / 2**20:.0f} MB limit (a zip bomb?): not read")
    xml = sum(member.file_size for member in members if member.filename.endswith((".xml", ".rels")))
    if xml > MAX_XML_BYTES:
        return (f"the file's XML parts declare {xml / 2**20:.0f} MB unpacked, over the "
                f"{MAX_XML_BYTES / 2**20:.0f} MB limit: not read")
    for member in members:
        if member.file_size > _RATIO_FLOOR and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            return (f"the ZIP member {member.filename!r} inflates {member.file_size // max(member.compress_size, 1)}"
                    f" times (a zip bomb?): not read")
    return None


# ---- DOCX ----------------------------------------------------------------------------

def extract_docx(data: bytes) -> DocumentText:
    problem = zip_problem(data)
    if problem:
        return DocumentText("", [problem])
    try:
        document = docx.Document(io.BytesIO(data))
        lines = [line for line in _docx_lines(document) if line]
        pictures = bool(document.element.body.xpath(_PICTURES))
    except Exception as error:  # noqa: BLE001 — python-docx, lxml and zipfile each raise their own on damage
        return DocumentText("", [f"the Word file could not be read ({type(error).__name__}: {str(error)[:80]})"])
    if not lines:
        return DocumentText("", [IMAGE_ONLY if pictures else "the Word file holds no text"])
    return DocumentText("\n".join(lines), [])


def _docx_lines(document):
    for block in document.iter_inner_content():
        if isinstance(block, DocxTable):
            yield from _docx_table_lines(block)
        else:
            yield _collapse(block.text)


def _docx_table_lines(table: DocxTable):
    seen = set()  # python-docx repeats a merged cell at every position it covers
    for row in table.rows:
        cells = []
        for cell in row.cells:
            if cell._tc in seen:  # the <w:tc> element is what identifies a cell
                continue
            seen.add(cell._tc)
            cells.append(_collapse(cell.text))
        yield _row_line(cells)


# ---- .doc / .wps ---------------------------------------------------------------------

def extract_doc(data: bytes) -> DocumentText:
    """A Word 97 binary (.doc, WPS's .wps) through wvHtml."""
    with tempfile.TemporaryDirectory(prefix="govreports-doc-") as folder:
        source = Path(folder, "report.doc")
        source.write_bytes(data)
        command = ["prlimit", *_TOOL_LIMITS, "--", "wvHtml", f"--targetdir={folder}", str(source), "report.html"]
        try:
            result = subprocess.run(command, capture_output=True, stdin=subprocess.DEVNULL,
                                    timeout=TOOL_SECONDS, check=False)
        except FileNotFoundError:
            return DocumentText("", ["wvHtml is not installed (Debian package wv, in system-packages.txt)"])
        except subprocess.TimeoutExpired:
            return DocumentText("", [f"wvHtml took longer than {TOOL_SECONDS} s on the Word file: not read"])
        output = Path(folder, "report.html")
        if result.returncode != 0 or not output.exists():
            said = result.stderr.decode("utf-8", "replace").strip().splitlines()
            return DocumentText("", [f"the Word file could not be read (wvHtml: {said[-1][:80] if said else result.returncode})"])
        markup = output.read_bytes()
    return _wv_text(markup)


def _wv_text(markup: bytes) -> DocumentText:
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, huge_tree=True)
    root = etree.fromstring(markup, parser)
    if root is None:
        return DocumentText("", ["the Word file holds no text"])
    # wvHtml writes a rowspan="0" cell at each position a vertical merge covers, besides
    # the merged cell's own rowspan; and titles every page "Untitled".
    for element in root.xpath("//td[@rowspan='0'] | //th[@rowspan='0'] | //head/title"):
        element.getparent().remove(element)
    page = html.read_page(etree.tostring(root, encoding="unicode", method="html"))
    if not page.text.strip():
        return DocumentText("", [IMAGE_ONLY if root.xpath("//img") else "the Word file holds no text"])
    return DocumentText(page.text, [])


# ---- RTF -----------------------------------------------------------------------------

def extract_rtf(data: bytes) -> DocumentText:
    found = _CODE_PAGE.search(data, 0, 4096)
    codec = _codec(f"cp{found.group(1).decode()}" if found else "cp1252")
    try:
        text = rtf_to_text(data.decode("latin-1"), encoding=codec, errors="replace")
    except Exception as error:  # noqa: BLE001 — striprtf's errors on damaged files are not documented
        return DocumentText("", [f"the RTF file could not be read ({type(error).__name__}: {str(error)[:80]})"])
    lines = [_rtf_line(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return DocumentText("", ["the RTF file holds no text"])
    return DocumentText("\n".join(lines), [])


def _codec(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "cp1252"


def _rtf_line(line: str) -> str:
    """A table row ends each cell with '|'; vertically merged cells come out blank."""
    if "|" not in line:
        return _collapse(line)
    cells = [_collapse(cell) for cell in line.split("|")]
    if cells and not cells[-1]:
        cells.pop()
    return _row_line(_without_merged_blanks(cells))


def _without_merged_blanks(cells: list[str]) -> list[str]:
    """Blank cells before a row's first label are the positions a vertical merge covers:
    a figure never stands before its row's label."""
    start = 0
    while start < len(cells) and is_blank(cells[start]):
        start += 1
    return cells[start:] if start < len(cells) and is_label(cells[start]) else cells


# ---- spreadsheets --------------------------------------------------------------------

def extract_xlsx(data: bytes) -> DocumentText:
    problem = zip_problem(data)
    if problem:
        return DocumentText("", [problem])
    try:
        # Not read_only: only the full reader knows the merged ranges.
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
        lines = []
        for sheet in book.worksheets:
            covered = {(row, column) for merged in sheet.merged_cells.ranges
                       for row, column in merged.cells if (row, column) != (merged.min_row, merged.min_col)}
            for row in sheet.iter_rows():
                lines.append(_sheet_row([_cell_value(cell.value) for cell in row
                                         if (cell.row, cell.column) not in covered]))
    except Exception as error:  # noqa: BLE001 — openpyxl raises many types on damaged files
        return DocumentText("", [f"the spreadsheet could not be read ({type(error).__name__}: {str(error)[:80]})"])
    return _sheet_text(lines)


def extract_xls(data: bytes) -> DocumentText:
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
        lines = []
        for sheet in book.sheets():
            covered = {(row, column) for low_row, high_row, low_column, high_column in sheet.merged_cells
                       for row in range(low_row, high_row) for column in range(low_column, high_column)
                       if (row, column) != (low_row, low_column)}
            for row in range(sheet.nrows):
                lines.append(_sheet_row([_cell_value(sheet.cell_value(row, column)) for column in range(sheet.ncols)
                                         if (row, column) not in covered]))
    except Exception as error:  # noqa: BLE001 — xlrd raises many types on damaged files
        return DocumentText("", [f"the spreadsheet could not be read ({type(error).__name__}: {str(error)[:80]})"])
    return _sheet_text(lines)


def _cell_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return _collapse(str(value))


def _sheet_row(cells: list[str]) -> str:
    """A sheet has no paragraphs: a row holding a single text is one (a title, a heading)."""
    filled = [cell for cell in cells if cell]
    return filled[0] if len(filled) == 1 else _row_line(cells)


def _sheet_text(lines: list[str]) -> DocumentText:
    lines = [line for line in lines if line]
    if not lines:
        return DocumentText("", ["the spreadsheet holds no text"])
    return DocumentText("\n".join(lines), [])


# ---- shared --------------------------------------------------------------------------

def _row_line(cells: list[str]) -> str:
    return " | ".join(cells) + " |" if any(cells) else ""


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
