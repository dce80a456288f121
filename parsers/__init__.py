"""govreports parsers: a pure library (no Scrapy) that turns one annual report into a record.

Stages, one module each, in the order a document goes through them:

    decode    bytes -> str, recording the encoding used
    html      report body, metadata box and tables of an HTML page -> text lines
    convert   Traditional -> Simplified, pinyin annotations stripped, full-width normalized
    tables    表二/表三/表四 read by their row and column labels
    metadata  title, agency, year, publication date
    narrative figures stated in prose (pre-2019 reports)
    validate  the arithmetic checks of SCHEMA.md -> problems
    store     documents / reports / cells in SQLite (sqlite-utils)

`record.parse_document` runs them all; the crawler's item pipelines call the same stages.
"""
from .record import parse_document, parse_file

__all__ = ["parse_document", "parse_file"]
