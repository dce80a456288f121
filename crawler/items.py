"""What the spiders hand to the item pipelines.

Dataclass items: Scrapy's item adapters accept them, and the pipelines fill in the later
stages' results on the same object.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ReportPage:
    """A fetched page that should hold one annual report."""

    site: str
    url: str
    body: bytes = field(repr=False)
    headers: dict[str, str] = field(repr=False)
    fetched_at: str
    # Filled by the pipelines, stage by stage (see crawler/pipelines.py).
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
