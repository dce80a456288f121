"""Bytes -> text, recording which codec was used and what was lost.

Portals mis-declare their encodings (GBK pages declaring gb2312 and holding 镕 or 𠮷,
UTF-8 pages declaring gb2312, GBK served as charset=UTF-8), and Scrapy's
`response.text` trusts the header and replaces bad bytes silently. So every source
of a guess is tried in order of reliability and kept only if it decodes strictly;
only the last resort may replace bytes, and then it says how many.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

import chardet

__all__ = ["Decoded", "decode", "charset_from_content_type"]


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # normalized codec name: 'utf-8', 'gb18030', 'big5', 'utf-16-le', ...
    problems: list[str] = field(default_factory=list)


_BOMS = (  # UTF-32-LE before UTF-16-LE: its BOM starts with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Labels Python does not know, or knows as a narrower codec than the bytes need.
_ALIASES = {
    "x-gbk": "gb18030", "gbk": "gb18030", "gb2312": "gb18030", "cp936": "gb18030",
    "gb-2312-80": "gb18030", "gb2312-80": "gb18030", "csgb2312": "gb18030",
    "euc-cn": "gb18030", "x-euc-cn": "gb18030", "ms936": "gb18030", "chinese": "gb18030",
    "big5": "big5hkscs", "big5-hkscs": "big5hkscs", "x-x-big5": "big5hkscs", "csbig5": "big5hkscs",
    "unicode": "utf-16", "utf8": "utf-8",
}
# How a codec is reported: supersets used for decoding keep the family name.
_REPORTED = {"big5hkscs": "big5"}
# Latin-only charsets decode any byte string, so declaring one (a Tomcat default)
# says nothing about a Chinese page: try them only after chardet.
_WESTERN = frozenset({"iso8859-1", "cp1252", "ascii", "iso8859-15"})
# A meta tag readable as ASCII cannot be right about UTF-16/32 (as the HTML spec says).
_WIDE = frozenset({"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"})
# Python codecs that are no charset: they decode any bytes into nonsense.
_NOT_CHARSETS = frozenset({"unicode-escape", "raw-unicode-escape"})
# Unrestricted, chardet calls short GB text cp869 or ISO-8859-5; these pages are Chinese.
_DETECTABLE = ("gb18030", "big5")
_DETECT_BYTES = 32768  # enough to tell GB from Big5; the strict decode then checks it all

_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_MARK = "\udc80"  # a lone surrogate: no strict decoder produces one, so it can be counted
_ASCII = bytes(range(128))
_DAMAGE_SHARE = 0.02  # of the non-ASCII bytes, at most, for damaged UTF-8


def _mark_bad_bytes(error: UnicodeDecodeError) -> tuple[str, int]:
    return _MARK * (error.end - error.start), error.end


codecs.register_error("govreports.mark", _mark_bad_bytes)


def decode(data: bytes, http_charset: str | None = None) -> Decoded:
    """Decode page or document bytes; never raises."""
    if not data:
        return Decoded("", "utf-8", [])
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _lossy(data[len(bom):], codec)
    try:
        return Decoded(data.decode("utf-8"), "utf-8", [])
    except UnicodeDecodeError:
        if _damaged_utf8(data):
            return _lossy(data, "utf-8")
    for codec in _candidates(data, http_charset):
        try:
            return Decoded(data.decode(codec), _REPORTED.get(codec, codec), [])
        except (UnicodeError, LookupError):  # LookupError: bytes-to-bytes codecs (base64, zlib)
            continue
    return _lossy(data, "gb18030")


def _damaged_utf8(data: bytes) -> bool:
    """UTF-8 with a cut-off last character or a pasted GBK snippet is still UTF-8.

    Read as UTF-8, GBK or Big5 fails on most of its non-ASCII bytes; damaged UTF-8 on few.
    """
    errors = data.decode("utf-8", "replace").count("\ufffd")
    return errors <= _DAMAGE_SHARE * len(data.translate(None, _ASCII))


def charset_from_content_type(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header value, lowercased."""
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return match.group(1).lower() if match else None


def _candidates(data: bytes, http_charset: str | None) -> list[str]:
    """Codecs to try strictly, most trusted first, each once."""
    declared = [_codec(http_charset)]
    meta = _META_CHARSET.search(data, 0, 4096)
    if meta:
        codec = _codec(meta.group(1).decode("ascii"))
        if codec not in _WIDE:
            declared.append(codec)
    declared = [codec for codec in declared if codec]
    ordered = [codec for codec in declared if codec not in _WESTERN]
    ordered.append(_detect(data))
    ordered += [codec for codec in declared if codec in _WESTERN]
    return list(dict.fromkeys(codec for codec in ordered if codec))


def _codec(label: str | None) -> str | None:
    """Python codec for a charset label, or None if unknown or bogus."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower().replace("_", "-")
    name = _ALIASES.get(name, name)
    try:
        name = codecs.lookup(name).name
    except (LookupError, ValueError):
        return None
    return None if name in _NOT_CHARSETS else _ALIASES.get(name, name)


def _detect(data: bytes) -> str | None:
    guess = chardet.detect(data, max_bytes=_DETECT_BYTES, include_encodings=_DETECTABLE,
                           no_match_encoding="gb18030")
    return _codec(guess["encoding"])


def _lossy(data: bytes, codec: str) -> Decoded:
    """Decode, replacing undecodable bytes, and say how many there were."""
    text = data.decode(codec, "govreports.mark")
    bad = text.count(_MARK)
    name = _REPORTED.get(codec, codec)
    if not bad:
        return Decoded(text, name, [])
    noun, verb = ("byte", "was") if bad == 1 else ("bytes", "were")
    problem = f"{bad} {noun} could not be decoded as {name} and {verb} replaced"
    return Decoded(text.replace(_MARK, "\ufffd"), name, [problem])
