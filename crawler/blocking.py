"""Recognise pages that block a crawler or hide a missing page, so they are never parsed.

They are recorded and left alone: solving a challenge would be circumventing the site's
decision, and a soft 404 parsed as a report would be an empty report.
"""
from __future__ import annotations

from scrapy.http import Response


def _encodings_of(*phrases: str) -> tuple[bytes, ...]:
    found = set()
    for phrase in phrases:
        for encoding in ("utf-8", "gb18030", "big5"):
            try:
                found.add(phrase.encode(encoding))
            except UnicodeEncodeError:
                continue
    return tuple(found)


# Searched in the raw bytes: a soft 404 is recognised without decoding every page twice.
SOFT_404 = _encodings_of("页面不存在", "頁面不存在")


def blocked_kind(response: Response) -> str | None:
    """Why this response is not a page of the site, or None when it is one."""
    body = response.body
    if response.status == 521:
        # 加速乐 (KnownSec): a go({...}) script that sets __jsl_clearance_s.
        cookies = b" ".join(response.headers.getlist("Set-Cookie"))
        return "jsl_clearance" if b"__jsl_clearance" in body + cookies else "http_521"
    if response.status == 412:
        # 瑞数: a $_ts=window['$_ts'] script that computes a cookie.
        return "ruishu" if b"$_ts" in body else "http_412"
    if response.status == 200 and any(phrase in body for phrase in SOFT_404):
        return "soft_404"
    return None
