"""What the spiders hand to the item pipelines.

Dataclass items: Scrapy's item adapters accept them, and the pipelines fill in the later
stages' results on the same object.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Attachment:
    """A file a report page links (详见附件), fetched with its page: they make one report."""

    link: str  # the URL the page links, absolute
    url: str  # where the bytes came from, after redirects
    name: str | None  # the file's own name, path-safe (crawler.attachments.file_name): metadata only
    headers: dict[str, str] = field(repr=False)
    fetched_at: str
    body: bytes | None = field(default=None, repr=False)  # None: a 304, the stored document_sha256
    document_sha256: str | None = None


@dataclass
class ReportPage:
    """A fetched page that should hold one annual report, with the files it links."""

    site: str
    url: str
    body: bytes | None = field(repr=False)  # None: a 304 to the page, whose attachments changed
    headers: dict[str, str] = field(repr=False)
    fetched_at: str
    attachments: list[Attachment] = field(default_factory=list)
    # Files it links that cannot be read whatever the crawl does (over the size limit): problems
    # of its record, not failures to fetch again.
    problems: list[str] = field(default_factory=list)
    # Filled by the pipelines, stage by stage (see crawler/pipelines.py); known already when
    # the page answered 304 (its stored document).
    document_sha256: str | None = None
    known: bool = False  # these bytes were parsed into a report before: the later stages skip it
    decoded: Any = field(default=None, repr=False)
    extracted: Any = field(default=None, repr=False)
    parsed: Any = field(default=None, repr=False)


@dataclass
class BlockedPage:
    """An anti-bot challenge or a soft 404 met where a page was expected: recorded, not parsed."""

    site: str
    url: str
    status: int
    kind: str
    fetched_at: str


@dataclass
class NotModified:
    """A stored report page the server answered 304 to: it still holds the stored document."""

    site: str
    url: str
    document_sha256: str
    headers: dict[str, str] = field(repr=False)  # the 304's, whose validators replace the stored ones
    fetched_at: str
    attachments: list[Attachment] = field(default_factory=list)  # revalidated with it: each a 304 too
