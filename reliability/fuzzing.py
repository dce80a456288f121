"""Property tests of the parser, one definition for tests/reliability/test_fuzz.py and `make reliability`.

Each property is a strategy (random bytes, random text, real layouts with edits) and a
check that must hold for every example: no exception escapes a stage, every record
validates against docs/report.schema.json, and — the property the figures rest on —
the arithmetic never passes a table whose numbers were changed. `run` applies hypothesis
to one property with a number of examples and returns how many cases it ran.
"""
from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections import Counter
from pathlib import Path

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import convert, html, tables
from parsers import templates as T
from parsers.decode import decode
from parsers.record import extract, parse_document
from parsers.validate import check_record
from replica.generator import generate, render_html, render_text
from replica.render import HTML_STYLES, TEXT_LAYOUTS

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8"))
SEEDS = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "replica" / "seeds").glob("*.txt"))]
TABLE_NAMES = {"active": "表二", "applications": "表三", "review_litigation": "表四"}
CASES_RUN: Counter = Counter()  # examples checked, per property
# Mutated PDFs make pdfminer warn about each damaged object: thousands of lines that say nothing.
logging.getLogger("pdfminer").setLevel(logging.ERROR)


def clean_truths(seed: int, count: int) -> list[dict]:
    """Generated reports with statutory tables whose every figure is printed and consistent:
    any problem on them comes from what a property changed."""
    return [truth for truth in generate(seed, count)
            if truth["template"] != T.PRE_2019 and not truth["blank_cells"] and truth["inconsistent"] is None]


TRUTHS = clean_truths(2024, 40)


def renderings(truths: list[dict]) -> list[tuple[dict, str, str]]:
    """(truth, how it was rendered, document) for every HTML style and text layout."""
    found = []
    for index, truth in enumerate(truths):
        for style in HTML_STYLES:
            found.append((truth, style, render_html(truth, style=style, seed=index)))
        for layout in TEXT_LAYOUTS:
            found.append((truth, layout, render_text(truth, layout=layout, seed=index)))
    return found


RENDERINGS = renderings(TRUTHS[:8])
REAL_DOCUMENTS = SEEDS + [document for _, _, document in RENDERINGS[::3]]


def real_files() -> list[bytes]:
    """Report files as agencies attach them: real PDFs (tests/fixtures/realistic), and DOCX and
    XLSX files of generated reports written by python-docx and openpyxl."""
    from replica.attachments import render_docx, render_xlsx

    pdfs = [path.read_bytes() for path in sorted((ROOT / "tests" / "fixtures" / "realistic").glob("*.pdf"))]
    return pdfs + [render(TRUTHS[index], seed=index) for index in range(2) for render in (render_docx, render_xlsx)]


@st.composite
def mutated_file(draw) -> bytes:
    """A real PDF, DOCX or XLSX file with bytes overwritten, inserted or cut off: damage a
    download or a broken CMS could do, far past what a generator of random bytes reaches."""
    data = bytearray(draw(st.sampled_from(FILES)))
    for _ in range(draw(st.integers(0, 8))):
        position = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(("overwrite", "insert", "delete")))
        chunk = draw(st.binary(min_size=1, max_size=16))
        if kind == "overwrite":
            data[position:position + len(chunk)] = chunk
        elif kind == "insert":
            data[position:position] = chunk
        else:
            del data[position:position + len(chunk)]
    if draw(st.booleans()):
        data = data[:draw(st.integers(0, len(data)))]  # a download cut short
    return bytes(data)


def valid(record: dict) -> None:
    jsonschema.validate(record, SCHEMA)


# ---- strategies ----------------------------------------------------------------------

# Pieces that mean something to some stage: separators, blanks, labels, markup, numbers.
_PIECES = ["", "|", "\t", " ", "\n", "0", "99999", "1,234", "/", "-", "总计", "本年新收", "结转下年",
           "行政复议", "<td>", "</td>", "<tr>", "<table>", "<div>", "<!--", "<", "(一)", "中(zhōng)",
           "\x00", "\ufffd", "１２", "。", "第1页"]


@st.composite
def edited(draw, documents: list[str]) -> str:
    """A real document with up to eight pieces replaced, inserted or cut out."""
    text = draw(st.sampled_from(documents))
    for _ in range(draw(st.integers(0, 8))):
        position = draw(st.integers(0, len(text)))
        length = draw(st.integers(0, 40))
        piece = draw(st.sampled_from(_PIECES) | st.text(max_size=6))
        text = text[:position] + piece + text[position + length:]
    return text


TEXTS = st.text(max_size=3000) | edited(REAL_DOCUMENTS)
# What the tables stage reads: the documents' text after the html and convert stages.
TABLE_TEXTS = st.text(max_size=3000) | edited([extract(document).text for document in REAL_DOCUMENTS])
FILES = real_files()
ENCODINGS = st.sampled_from(["utf-8", "gb18030", "big5", "utf-16"])


@st.composite
def encoded(draw) -> bytes:
    text = draw(TEXTS)
    return text.encode(draw(ENCODINGS), "replace")


# ---- the change that must not pass ---------------------------------------------------

_REGION_START = re.compile(r"三、收到和处理政府信息公开申请情况")
_REGION_END = re.compile(r"五、存在的主要问题")
_MARKUP_OR_TEXT = re.compile(r"<[^>]*>|[^<]+")
# A figure as printed: digits (full-width too), thousands commas. Not part of a label
# (1.属于国家秘密), a year (2023年), a page number (— 3 —), an entity (&#12288;) or a longer run.
_FIGURE = re.compile(r"(?<![0-9０-９.,，#&A-Za-z])(?<!— )[0-9０-９]+(?:,[0-9０-９]{3})*"
                     r"(?![0-9０-９.．,，、年月日%])(?! —)")
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def figure_spans(document: str) -> list[tuple[int, int]]:
    """Where 表三 and 表四 print their figures: text between tags, between their headings."""
    start = _REGION_START.search(document)
    end = _REGION_END.search(document, start.end()) if start else None
    if not end:
        return []
    spans = []
    for part in _MARKUP_OR_TEXT.finditer(document, start.end(), end.start()):
        if not part.group().startswith("<"):
            spans += [figure.span() for figure in _FIGURE.finditer(document, part.start(), part.end())]
    return spans


def changed(figure: str, k: int) -> str:
    """The figure plus k (never below zero), written as the original was."""
    value = int(unicodedata.normalize("NFKC", figure).replace(",", ""))
    value = value + k if value + k >= 0 else value + abs(k)
    written = f"{value:,}" if "," in figure else str(value)
    return written.translate(_FULL_WIDTH) if any("０" <= char <= "９" for char in figure) else written


MUTABLE = [(truth, kind, document, spans) for truth, kind, document in RENDERINGS
           if (spans := figure_spans(document))]


@st.composite
def one_changed_figure(draw) -> tuple[dict, str, str]:
    truth, kind, document, spans = draw(st.sampled_from(MUTABLE))
    start, end = draw(st.sampled_from(spans))
    k = draw(st.integers(1, 1000) | st.integers(-1000, -1))
    return truth, kind, document[:start] + changed(document[start:end], k) + document[end:]


def wrong_figures(record: dict, truth: dict, table: str) -> list[str]:
    return [f"{table}.{row}.{column} = {value}, not {truth[table].get(row, {}).get(column)}"
            for row, values in record[table].items() for column, value in values.items()
            if truth[table].get(row, {}).get(column) != value]


@st.composite
def one_changed_cell(draw) -> tuple[dict, str, str, str, int]:
    """A consistent truth and one cell of 表三 or 表四 to change by k ≠ 0."""
    truth = draw(st.sampled_from(TRUTHS))
    table = draw(st.sampled_from(["applications", "review_litigation"]))
    row = draw(st.sampled_from(sorted(truth[table])))
    column = draw(st.sampled_from(sorted(truth[table][row])))
    return truth, table, row, column, draw(st.integers(1, 1000) | st.integers(-1000, -1))


# ---- properties ----------------------------------------------------------------------

def decode_any_bytes(data: bytes) -> None:
    decoded = decode(data)
    assert isinstance(decoded.text, str) and decoded.encoding
    assert not re.search("[\ud800-\udfff]", decoded.text), "a lone surrogate would fail every writer"


def convert_any_text(text: str) -> None:
    cleaned = convert.clean(text).text
    assert unicodedata.is_normalized("NFKC", cleaned)
    assert "\x00" not in cleaned and "\u200b" not in cleaned


def read_any_page(text: str) -> None:
    page = html.read_page(text)
    assert isinstance(page.text, str) and all(isinstance(value, str) for value in page.metadata.values())


def read_any_tables(text: str) -> None:
    found = tables.read_tables(text, 2023)
    stored = {(cell.table, cell.row, cell.col): cell.value for cell in found.cells}
    for table in TABLE_NAMES:
        for row, values in getattr(found, table).items():
            for column, value in values.items():
                assert isinstance(value, (int, float)) and stored[(table, row, column)] == value


def validate_changed_cell(example) -> None:
    """The checks pass the truth's tables and fail them with any one cell changed by k."""
    truth, table, row, column, k = example
    record = {key: truth[key] for key in ("template", "applications", "review_litigation")}
    found = {"active", "applications", "review_litigation"}
    assert check_record(record, found, {}) == []
    record[table] = {name: dict(values) for name, values in truth[table].items()}
    record[table][row][column] += k
    assert any(TABLE_NAMES[table] in problem for problem in check_record(record, found, {})), example[1:]


def parse_any_bytes(data: bytes) -> None:
    valid(parse_document(data, "fuzz").record)


def parse_changed_figure(example) -> None:
    """A figure of 表三 or 表四 changed by k: a problem names the table, or no figure read
    from it differs from the report as generated."""
    truth, kind, document = example
    record = parse_document(document.encode("utf-8"), kind).record
    valid(record)
    for table in ("applications", "review_litigation"):
        wrong = wrong_figures(record, truth, table)
        named = any(TABLE_NAMES[table] in problem for problem in record["problems"])
        assert named or not wrong, (kind, wrong[:3], record["problems"][:3])


PROPERTIES = {
    "decode: random bytes and edited documents": (st.binary(max_size=4000) | encoded(), decode_any_bytes),
    "convert: random and edited text": (TEXTS, convert_any_text),
    "html: random and edited pages": (TEXTS, read_any_page),
    "tables: random and edited report text": (TABLE_TEXTS, read_any_tables),
    "validate: one cell changed by k": (one_changed_cell(), validate_changed_cell),
    "parse: random bytes": (st.binary(max_size=4000), parse_any_bytes),
    "parse: random and edited documents, any encoding": (encoded(), parse_any_bytes),
    "parse: one figure of 表三/表四 changed by k": (one_changed_figure(), parse_changed_figure),
    "parse: mutated PDF, DOCX and XLSX files": (mutated_file(), parse_any_bytes),
}


def run(name: str, examples: int, **options) -> int:
    """Check one property on `examples` examples; returns the cases run. Raises on a counterexample."""
    strategy, check = PROPERTIES[name]

    def counted(example):
        CASES_RUN[name] += 1
        check(example)

    before = CASES_RUN[name]
    options = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
               **options}
    settings(max_examples=examples, **options)(given(strategy)(counted))()
    return CASES_RUN[name] - before
