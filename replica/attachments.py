"""Reports published as attachments: PDF, DOCX, a legacy .doc, images and "详见附件" stubs.

Many agencies post a short page that says 详见附件 and link the report as a PDF or a Word
file; others post scans (图片版). These renderers print the same blocks and table grids as
`replica.render` (so every format shows the truth's figures) through the tools the agencies'
own files come from: a PDF with a text layer and ruled tables whose merged cells are drawn
as Word draws them, a DOCX with merged cells made the way Word merges them (scans of the
PDF: replica.scans).

The PDFs use WenQuanYi Micro Hei (Debian's fonts-wqy-microhei, in system-packages.txt),
embedded as a subset with a ToUnicode map as Word's PDF export does; `unicode_map=False`
drops the map, as some PDF printers do, so that the text layer reads as `(cid:N)` glyphs.
The font has no glyph for characters beyond
the BMP (the generator's 𠮷安镇), and reportlab's ToUnicode maps cannot name them anyway:
such a PDF prints a blank glyph there, as a real one made with that font would, and its
text differs from the truth at that character.

No maintained Python library writes the binary .doc format, so the .doc is a fixture made
once (see `sample_doc`). Like the rest of the replica, nothing here imports `parsers`.
"""
import html
import io
import json
import random
import re
from functools import cache
from pathlib import Path

import docx
import openpyxl
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from reportlab.lib import pdfencrypt
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from replica.render import Table as GridTable, report_blocks

__all__ = ["render_pdf", "render_docx", "render_xlsx", "stub_page",
           "sample_doc", "sample_xls", "FONT_PATH"]

FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
_FONT = "WenQuanYiMicroHei"
_FILES = Path(__file__).resolve().parent / "files"
_SAMPLE_DOC = _FILES / "report_2021.doc"
_SAMPLE_XLS = _FILES / "report_2019.xls"

_PAGE_WIDTH, _PAGE_HEIGHT = A4
_MARGIN = 56
_TABLE_FONT_SIZE = 7
# Share of the usable width given to the label columns of each table, by table width.
_LABEL_COLUMNS = {4: (0.34,), 10: (0.07, 0.1, 0.25), 11: (0.07, 0.1, 0.22)}


# ---------------------------------------------------------------------------------------------
# PDF


def render_pdf(truth: dict, seed: int = 0, *, ruled: bool = True, unicode_map: bool = True,
               user_password: str | None = None, owner_password: str | None = None) -> bytes:
    """The report as a PDF with a text layer, tables and page numbers.

    `ruled=False` draws the tables without any lines, as some PDF converters do, so that only
    the text layout shows the cells.
    `owner_password` alone encrypts the file with printing restrictions only (it still
    opens); `user_password` makes it unreadable without the password.
    """
    rng = random.Random(f"pdf|{seed}|{truth['title']}")
    _register_font()
    styles = _pdf_styles()
    flowables = [Paragraph(html.escape(truth["title"]), styles["title"])]
    repeat_header = rng.random() < 0.5  # Word's "repeat as header row", set by some agencies
    for kind, payload in report_blocks(truth, rng):
        if kind == "table":
            flowables += [_pdf_table(payload, styles["cell"], repeat_header, ruled), Spacer(1, 6)]
        else:
            flowables.append(Paragraph(html.escape(payload), styles[kind]))
    encrypt = None
    if user_password is not None or owner_password is not None:
        encrypt = pdfencrypt.StandardEncryption(user_password or "", ownerPassword=owner_password,
                                                canModify=0, canCopy=0)
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=A4, leftMargin=_MARGIN, rightMargin=_MARGIN, topMargin=_MARGIN,
                                 bottomMargin=_MARGIN, title=truth["title"], author=truth["agency"],
                                 invariant=True, encrypt=encrypt)
    document.build(flowables, onFirstPage=_page_number, onLaterPages=_page_number)
    data = out.getvalue()
    return data if unicode_map else _drop_unicode_maps(data)


@cache
def _register_font() -> None:
    if not FONT_PATH.exists():
        raise FileNotFoundError(f"{FONT_PATH} is missing: install fonts-wqy-microhei (system-packages.txt)")
    pdfmetrics.registerFont(TTFont(_FONT, str(FONT_PATH), subfontIndex=0))


def _pdf_styles() -> dict:
    return {
        "title": ParagraphStyle("title", fontName=_FONT, fontSize=15, leading=22, alignment=1, spaceAfter=10),
        "heading": ParagraphStyle("heading", fontName=_FONT, fontSize=11, leading=18, spaceBefore=6),
        "paragraph": ParagraphStyle("paragraph", fontName=_FONT, fontSize=10, leading=16, firstLineIndent=20,
                                    wordWrap="CJK"),
        "cell": ParagraphStyle("cell", fontName=_FONT, fontSize=_TABLE_FONT_SIZE, leading=9, alignment=1,
                               wordWrap="CJK"),
    }


def _pdf_table(table: GridTable, style: ParagraphStyle, repeat_header: bool, ruled: bool) -> Table:
    """A table whose merged cells are SPAN commands; their covered positions stay empty."""
    data = [[""] * table.width for _ in table.rows]
    commands = [("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 1.5), ("RIGHTPADDING", (0, 0), (-1, -1), 1.5)]
    if ruled:
        commands.append(("GRID", (0, 0), (-1, -1), 0.5, "black"))
    for r, c, cell in placed_cells(table):
        data[r][c] = Paragraph(html.escape(cell.text), style) if cell.text else ""
        if cell.rowspan > 1 or cell.colspan > 1:
            commands.append(("SPAN", (c, r), (c + cell.colspan - 1, r + cell.rowspan - 1)))
    header_rows = 3 if table.width >= 10 else 0
    return Table(data, colWidths=_column_widths(table.width), style=TableStyle(commands),
                 repeatRows=header_rows if repeat_header else 0)


def placed_cells(table: GridTable) -> list[tuple[int, int, object]]:
    """(row, column, cell) of each cell of a replica table, spans laid out as in a browser."""
    taken = [[False] * table.width for _ in table.rows]
    out = []
    for r, row in enumerate(table.rows):
        c = 0
        for cell in row:
            while taken[r][c]:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken[r + dr][c + dc] = True
            out.append((r, c, cell))
            c += cell.colspan
    return out


def _column_widths(width: int) -> list[float]:
    usable = _PAGE_WIDTH - 2 * _MARGIN
    labels = [usable * share for share in _LABEL_COLUMNS.get(width, ())]
    rest = (usable - sum(labels)) / (width - len(labels))
    return labels + [rest] * (width - len(labels))


def _page_number(canvas, document) -> None:
    canvas.saveState()
    canvas.setFont(_FONT, 9)
    canvas.drawCentredString(_PAGE_WIDTH / 2, _MARGIN / 2, f"— {document.page} —")
    canvas.restoreState()


_TO_UNICODE = re.compile(rb"/ToUnicode \d+ 0 R")


def _drop_unicode_maps(data: bytes) -> bytes:
    """The same PDF without ToUnicode maps; same length, so the xref offsets stay right."""
    return _TO_UNICODE.sub(lambda found: b" " * len(found.group()), data)


# ---------------------------------------------------------------------------------------------
# DOCX


def render_docx(truth: dict, seed: int = 0) -> bytes:
    """The report as Word writes it: paragraphs, and tables whose merged cells are real merges."""
    rng = random.Random(f"docx|{seed}|{truth['title']}")
    document = docx.Document()
    document.core_properties.title = truth["title"]
    document.core_properties.author = truth["agency"]
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _docx_run(title, truth["title"], 16)
    for kind, payload in report_blocks(truth, rng):
        if kind == "table":
            _docx_table(document, payload)
        else:
            _docx_run(document.add_paragraph(), payload, 14 if kind == "heading" else 12)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _docx_run(paragraph, text: str, size: int) -> None:
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.name = "仿宋_GB2312"


def _docx_table(document, table: GridTable) -> None:
    sheet = document.add_table(rows=len(table.rows), cols=table.width)
    sheet.style = "Table Grid"
    rows = sheet.rows
    for r, c, cell in placed_cells(table):
        # Row by row: Table.cell() rebuilds the whole grid on every call.
        target = rows[r].cells[c]
        if cell.rowspan > 1 or cell.colspan > 1:
            target = target.merge(rows[r + cell.rowspan - 1].cells[c + cell.colspan - 1])
        target.text = cell.text


# ---------------------------------------------------------------------------------------------
# XLSX: the whole report on one sheet, a paragraph a row, tables with merged ranges


def render_xlsx(truth: dict, seed: int = 0) -> bytes:
    rng = random.Random(f"xlsx|{seed}|{truth['title']}")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = str(truth["year"])
    sheet.append([truth["title"]])
    for kind, payload in report_blocks(truth, rng):
        if kind != "table":
            sheet.append([payload])
            continue
        top = sheet.max_row + 1
        for r, c, cell in placed_cells(payload):
            sheet.cell(top + r, 1 + c, cell.text or None)
            if cell.rowspan > 1 or cell.colspan > 1:
                sheet.merge_cells(start_row=top + r, start_column=1 + c,
                                  end_row=top + r + cell.rowspan - 1, end_column=c + cell.colspan)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# "详见附件" pages and the .doc fixture


def stub_page(truth: dict, attachment_url: str, name: str) -> str:
    """A report page whose body only points at the attachment, as many portals publish them."""
    title, agency = html.escape(truth["title"]), html.escape(truth["agency"])
    site = html.escape(truth["variant"]["portal"]["name"])
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{title}_{site}</title>
<meta name="ArticleTitle" content="{title}">
<meta name="PubDate" content="{truth['published_on']} 09:30">
<meta name="ContentSource" content="{agency}">
</head>
<body>
<div class="header"><h1 class="site-name">{site}</h1></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; 政府信息公开年报</div>
<ul class="xxgk-info"><li><label>发布机构：</label><span>{agency}</span></li>
<li><label>发布日期：</label><span>{truth['published_on']}</span></li></ul>
<div class="article-title"><h2>{title}</h2></div>
<div class="TRS_Editor">
<p style="text-indent:2em">根据《中华人民共和国政府信息公开条例》规定，现公布{agency}{truth['year']}年政府信息公开工作年度报告，详见附件。</p>
<p>附件：<a href="{html.escape(attachment_url)}">{html.escape(name)}</a></p>
</div>
<div class="footer"><p>主办单位：{site}办公室</p></div>
</body>
</html>
"""


def sample_doc() -> tuple[bytes, dict]:
    """A real Word 97 .doc of a 2021-template report, and its truth (the keys tests compare).

    Made once: `render_docx(generate(2024, 10)[9], seed=9)` saved as .doc by LibreOffice 7.4
    (`soffice --headless --convert-to doc`), with the truth's schema keys stored beside it.
    """
    return _sample(_SAMPLE_DOC)


def sample_xls() -> tuple[bytes, dict]:
    """A real Excel 97 .xls of a 2019-template report, and its truth (the keys tests compare).

    Made once: `render_xlsx(generate(2024, 11)[10], seed=10)` saved as .xls by LibreOffice 7.4.
    """
    return _sample(_SAMPLE_XLS)


def _sample(path: Path) -> tuple[bytes, dict]:
    truth = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    return path.read_bytes(), truth
