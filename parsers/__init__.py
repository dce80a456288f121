"""govreports parsers: a pure library (no Scrapy) that turns one annual report into a record.

Stages, one module each, in the order a document goes through them:

    decode    bytes -> str, recording the encoding used
    html      report body, metadata box and tables of an HTML page -> text lines
    convert   Traditional -> Simplified, pinyin annotations stripped, full-width normalized
    tables    表二/表三/表四 read by their row and column labels
    metadata  title, agency, year, publication date
    narrative figures stated in prose (pre-2019 reports)
    validate  the arithmetic checks of SCHEMA.md -> problems

`record.parse_document` runs them all; the crawler's item pipelines call the same stages.
Storing the records is the `store` package's job, outside this library.
"""
__all__ = ["parse_document", "parse_file"]


def __getattr__(name: str):
    # parsers.record on first use only: importing one stage (parsers.templates for the
    # corpus labels, say) must not load the PDF and Office readers.
    if name in __all__:
        from parsers import record

        return getattr(record, name)
    raise AttributeError(f"module 'parsers' has no attribute {name!r}")
