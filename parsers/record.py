"""One report from bytes to record: the stages of this package in order.

The crawler's item pipelines call the same three steps separately (decode, extract,
parse_extracted), so each returns a plain value the next one takes.
"""
from dataclasses import dataclass, field
from pathlib import Path

from . import convert, html, templates as T
from .decode import decode
from .metadata import read_metadata
from .narrative import read_narrative
from .tables import Cell, read_tables
from .validate import check_record

RECORD_KEYS = ["source", "title", "agency", "year", "published_on", "template", "traditional",
               "encoding", "active", "applications", "review_litigation", "narrative", "problems"]


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
    converted = convert.clean(text)

    def same_way(value):
        if not value:
            return value
        if converted.traditional:
            value = convert.to_simplified(convert.strip_pinyin(value))
        return convert.normalize_width(value).strip()

    return Extracted(converted.text, same_way(title),
                     {key: same_way(value) for key, value in metadata.items()}, converted.traditional)


def parse_extracted(extracted: Extracted, *, source: str, encoding: str, problems=()) -> Parsed:
    """The report's figures, metadata and checks, from its clean text."""
    meta = read_metadata(extracted.text, extracted.title, extracted.metadata)
    tables = read_tables(extracted.text, meta.year)
    prose = read_narrative(extracted.text)
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
        "narrative": prose if template == T.PRE_2019 else {},
        "problems": [],
    }
    found_problems = [*problems, *tables.problems, *check_record(record, tables.found, prose)]
    found_problems += _template_doubts(template, meta.year)
    record["problems"] = list(dict.fromkeys(found_problems))
    cells = list(tables.cells)
    cells += [Cell("narrative", key, "value", value, str(value)) for key, value in record["narrative"].items()]
    return Parsed(record, extracted.text, cells, report_key(meta.agency, meta.year, source))


def parse_document(data: bytes, source: str, *, http_charset: str | None = None) -> Parsed:
    decoded = decode(data, http_charset)
    return parse_extracted(extract(decoded.text), source=source, encoding=decoded.encoding,
                           problems=decoded.problems)


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
