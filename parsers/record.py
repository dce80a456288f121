"""One report from bytes to record: the stages of this package in order.

The crawler's item pipelines call the same three steps separately (decode, extract,
parse_extracted), so each returns a plain value the next one takes. Bytes are sniffed
first (filetype.py): HTML and text take the decode/html path, PDF, Word, RTF and
spreadsheets their extractors (pdf.py, office.py), which write the same text lines.
A report published as a page plus attachments is put together by parse_with_attachments.
"""
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import convert, filetype, html, ocr, office, pdf, templates as T
from .decode import decode
from .kind import not_a_report
from .metadata import read_metadata
from .narrative import read_narrative
from .tables import Cell, read_tables
from .validate import check_record

RECORD_KEYS = ["source", "title", "agency", "year", "published_on", "template", "traditional",
               "encoding", "active", "applications", "review_litigation", "narrative", "problems",
               "is_report", "figures_from", "inferred"]
FIGURE_TABLES = ("active", "applications", "review_litigation", "narrative")
METADATA_KEYS = ("title", "agency", "year", "published_on")
# Larger files are not read: a text report is a few MB, and the PDF and Office readers
# hold several times a file's size in memory. Scans that large are image-only anyway.
MAX_DOCUMENT_BYTES = 64 * 2**20
_EXTRACTORS = {"pdf": pdf.extract_pdf, "docx": office.extract_docx, "doc": office.extract_doc,
               "rtf": office.extract_rtf, "xlsx": office.extract_xlsx, "xls": office.extract_xls}
_DISAGREEMENTS_SHOWN = 3


@dataclass
class Extracted:
    text: str                 # the report body, Simplified and width-normalized, tables as `a | b |` rows
    title: str | None
    metadata: dict = field(default_factory=dict)
    traditional: bool = False


@dataclass
class Parsed:
    record: dict              # SCHEMA.md keys, in order, JSON-ready
    text: str
    cells: list[Cell]
    report_key: str


def extract(text: str) -> Extracted:
    """HTML or plain text -> clean Simplified text (the html and convert stages)."""
    title, metadata = None, {}
    if html.looks_like_html(text):
        page = html.read_page(text)
        text, title, metadata = page.text, page.title, dict(page.metadata)
    return _cleaned(text, title, metadata)


def _cleaned(text: str, title: str | None = None, metadata: dict | None = None) -> Extracted:
    """The convert stage: Traditional to Simplified, widths normalized, title and metadata alike."""
    converted = convert.clean(text)

    def same_way(value):
        if not value:
            return value
        if converted.traditional:
            value = convert.to_simplified(convert.strip_pinyin(value))
        return convert.normalize_width(value).strip()

    return Extracted(converted.text, same_way(title),
                     {key: same_way(value) for key, value in (metadata or {}).items()}, converted.traditional)


def parse_extracted(extracted: Extracted, *, source: str, encoding: str, problems=()) -> Parsed:
    """The report's figures, metadata and checks, from its clean text."""
    meta = read_metadata(extracted.text, extracted.title, extracted.metadata)
    tables = read_tables(extracted.text, meta.year)
    what = not_a_report(meta.title, extracted.text, tables.found)
    if what:
        return _not_a_report(extracted, meta, what, source=source, encoding=encoding, problems=problems)
    prose = read_narrative(extracted.text, meta.year)
    template = _template(tables, meta.year)
    record = {
        "source": source,
        "title": meta.title,
        "agency": meta.agency,
        "year": meta.year,
        "published_on": meta.published_on,
        "template": template,
        "traditional": extracted.traditional,
        "encoding": encoding,
        "active": tables.active,
        "applications": tables.applications,
        "review_litigation": tables.review_litigation,
        "narrative": prose.figures if template == T.PRE_2019 else {},
        "problems": [],
        "is_report": True,
        "figures_from": None,
        "inferred": tables.inferred,
    }
    found_problems = [*problems, *tables.problems, *check_record(record, tables.found, prose.figures)]
    if template == T.PRE_2019:
        found_problems += prose.problems
    found_problems += _template_doubts(template, meta.year)
    record["problems"] = list(dict.fromkeys(found_problems))
    record["figures_from"] = source if _figures(record) else None
    cells = list(tables.cells)
    cells += [Cell("narrative", key, "value", value, str(value)) for key, value in record["narrative"].items()]
    return Parsed(record, extracted.text, cells, report_key(meta.agency, meta.year, source))


def _not_a_report(extracted: Extracted, meta, what: str, *, source: str, encoding: str, problems) -> Parsed:
    """A page the column lists that is no report: its metadata and what it is, no figures.
    Its agency is the publisher its page names, if any: the body before the year in a
    notice's title is no reporting body ('关于做好2023年…的通知')."""
    record = {
        "source": source, "title": meta.title, "agency": extracted.metadata.get("publisher"), "year": meta.year,
        "published_on": meta.published_on, "template": T.UNKNOWN, "traditional": extracted.traditional,
        "encoding": encoding, "active": {}, "applications": {}, "review_litigation": {}, "narrative": {},
        "problems": list(dict.fromkeys([*problems, what])), "is_report": False, "figures_from": None, "inferred": [],
    }
    # Never the key of a report: a notice must not become a version of the report it announces.
    return Parsed(record, extracted.text, [], report_key(None, None, source))


def parse_document(data: bytes, source: str, *, http_charset: str | None = None) -> Parsed:
    """Any downloaded file: its type is sniffed from the bytes, never taken from its name.

    `encoding` is the codec for HTML and text, else the file type ('pdf', 'docx', 'doc', ...).
    """
    kind = filetype.sniff(data)
    if len(data) > MAX_DOCUMENT_BYTES:
        problem = (f"the file is {len(data) / 2**20:.0f} MB, over the {MAX_DOCUMENT_BYTES // 2**20} MB limit: "
                   "not read")
        return parse_extracted(_cleaned(""), source=source, encoding=kind, problems=[problem])
    if kind in filetype.TEXT_KINDS:
        decoded = decode(data, http_charset)
        return parse_extracted(extract(decoded.text), source=source, encoding=decoded.encoding,
                               problems=decoded.problems)
    read = _read_document(kind, data)
    # Extractors (pdfminer) can return lone surrogates, which SQLite cannot store as UTF-8.
    text = _LONE_SURROGATE.sub("\ufffd", read.text)
    parsed = parse_extracted(_cleaned(text), source=source, encoding=kind, problems=read.problems)
    if read.scan is not None:  # figures read by OCR: their confidences and doubts
        ocr.check_record(parsed.record, read.scan)
        figures = _figures(parsed.record)  # check_record may leave figures out or fill dropped ones in
        stored = {(cell.table, cell.row, cell.col): cell for cell in parsed.cells if cell.table != "narrative"}
        for key, cell in stored.items():
            cell.value = figures.get(key)
        parsed.cells += [Cell(*key, figures[key], "") for key in figures.keys() - stored.keys()
                         if key[0] != "narrative"]
    return parsed


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _read_document(kind: str, data: bytes) -> filetype.DocumentText:
    if kind in filetype.IMAGE_KINDS:
        return ocr.extract_images(data)
    extractor = _EXTRACTORS.get(kind)
    if extractor is None:
        return filetype.DocumentText("", [f"the file is {_KIND_NAMES.get(kind, kind)}, which holds no report text "
                                          "this program reads: not read"])
    return extractor(data)


_KIND_NAMES = {"zip": "a ZIP archive that is damaged or no DOCX or XLSX",
               "ole": "an OLE (Office 97) file that is damaged or neither Word nor Excel",
               "binary": "binary data of an unknown type"}


def parse_with_attachments(page: Parsed, attachments: list[Parsed]) -> Parsed:
    """One report from its page and the documents the page links (详见附件).

    The figures come from one document only, so nothing is counted twice: the page's own
    tables when it holds at least as many figures as any attachment, else the attachment
    holding the most. The record keeps the page as `source` and names that document in
    `figures_from`; title, agency, year and publication date are the figures document's
    own, the page's where it lacks them. Any other document whose figures differ from the
    chosen ones on a shared cell gets a problem. When no document holds figures, the
    record is the page's, with the attachments' problems (e.g. an image-only scan).
    """
    documents = [page, *attachments]
    counts = [len(_figures(document.record)) for document in documents]
    if not any(counts):
        record = dict(page.record)
        problems = list(record["problems"])
        for attachment in attachments:  # its doubts about the year are the page's to settle
            stale = _template_doubts(attachment.record["template"], attachment.record["year"])
            problems += [problem for problem in attachment.record["problems"] if problem not in stale]
        record["problems"] = list(dict.fromkeys(problems))
        return Parsed(record, page.text, page.cells, page.report_key)
    best = max(range(len(documents)), key=lambda index: (counts[index], index == 0))
    chosen = documents[best]
    record = dict(chosen.record)
    problems = list(record["problems"])
    if chosen is not page:
        record["source"] = page.record["source"]
        for key in METADATA_KEYS:
            if record[key] is None:
                record[key] = page.record[key]
        if record["year"] != chosen.record["year"]:  # the page told the year: redo the year's doubts
            stale = _template_doubts(record["template"], chosen.record["year"])
            problems = [problem for problem in problems if problem not in stale]
            problems += _template_doubts(record["template"], record["year"])
    for other, count in zip(documents, counts):
        if other is not chosen and count:
            problems += _disagreement(chosen.record, other.record)
    record["problems"] = list(dict.fromkeys(problems))
    return Parsed(record, chosen.text, chosen.cells,
                  report_key(record["agency"], record["year"], record["source"]))


def _figures(record: dict) -> dict:
    """Every figure of a record, keyed by (table, row, column)."""
    figures = {}
    for table in FIGURE_TABLES:
        for row, values in record[table].items():
            if isinstance(values, dict):
                figures.update(((table, row, column), value) for column, value in values.items())
            else:
                figures[(table, row, "value")] = values
    return figures


def _disagreement(chosen: dict, other: dict) -> list[str]:
    mine, theirs = _figures(chosen), _figures(other)
    differing = [key for key in mine if key in theirs and mine[key] != theirs[key]]
    if not differing:
        return []
    shown = "; ".join(f"{'.'.join(key)}: {mine[key]} here, {theirs[key]} there"
                      for key in differing[:_DISAGREEMENTS_SHOWN])
    more = f" and {len(differing) - _DISAGREEMENTS_SHOWN} more" if len(differing) > _DISAGREEMENTS_SHOWN else ""
    return [f"{other['source']} disagrees with the figures read from {chosen['figures_from']} "
            f"on {len(differing)} cells ({shown}{more})"]


def parse_file(path: str | Path) -> Parsed:
    path = Path(path)
    return parse_document(path.read_bytes(), str(path))


def report_key(agency: str | None, year: int | None, source: str) -> str:
    """Names the report itself, so a re-published or mirrored copy is the same report."""
    if agency and year:
        return f"{agency}/{year}"
    return f"{agency or '?'}/{year or '?'}/{source}"


def _template(tables, year):
    if tables.template:
        return tables.template
    if year is not None and year < 2019:
        return T.PRE_2019
    return T.UNKNOWN


def _template_doubts(template, year):
    if year is None:
        return ["the year the report covers could not be read"]
    if template == T.UNKNOWN:
        return ["no statutory table (表二/表三/表四) found in a report that should have them"]
    expected = T.PRE_2019 if year < 2019 else T.TEMPLATE_2019 if year < 2021 else T.TEMPLATE_2021
    if template != expected:
        return [f"the tables follow the {template} template, but a report on {year} should use {expected}"]
    return []
