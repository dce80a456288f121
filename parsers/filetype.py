"""What a downloaded file really is, from its bytes: the name and the server both lie.

Portals serve DOCX, RTF and even HTML pages under `.doc` and `.wps` names, and
`application/octet-stream` for everything. Magic numbers tell PDF, RTF and the image
formats apart; the two container formats need their directory read: a ZIP is a DOCX or
an XLSX only if it holds the parts of one (libmagic decides by the order of the members,
which WPS Office does not keep), and an OLE compound file is a Word document only if it
holds a `WordDocument` stream (Kingsoft's .wps has one; Excel's .xls a `Workbook`).
Reading a ZIP's central directory or an OLE's FAT never inflates the members.
"""
from __future__ import annotations

import io
import re
import zipfile
from typing import NamedTuple

import olefile

__all__ = ["sniff", "DocumentText", "TEXT_KINDS", "IMAGE_KINDS", "KINDS", "IMAGE_ONLY"]

TEXT_KINDS = frozenset({"html", "text"})  # read by the decode/html path
IMAGE_KINDS = frozenset({"png", "jpeg", "gif", "bmp", "tiff", "webp"})
KINDS = TEXT_KINDS | IMAGE_KINDS | {"pdf", "docx", "xlsx", "doc", "xls", "rtf", "zip", "ole", "binary"}


# The problem of every report that is only pictures: a scan, or a PDF or Word file of scans.
IMAGE_ONLY = "image-only report (图片版): no text to read"


class DocumentText(NamedTuple):
    """What an extractor gives back: the text as lines (tables as `a | b |` rows) and doubts;
    `scan` (an ocr.Scan) when some of the text was read by OCR."""
    text: str
    problems: list[str]
    scan: object = None


_MAGIC = (
    (b"{\\rtf", "rtf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
_PDF_HEADER = b"%PDF-"
_PDF_HEADER_WITHIN = 1024  # readers accept junk before the header, as Acrobat does
_ZIP_HEADERS = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_HEADER = olefile.MAGIC
_BMP_DIB_SIZES = (12, 40, 52, 56, 108, 124)  # "BM" alone also starts ordinary text
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_HEAD = 8192
_MARKUP = re.compile(rb"<(?:!doctype\s+html|html|head|body|meta|title|div|p|table|span|br)\b", re.I)


def sniff(data: bytes) -> str:
    """One of KINDS; never raises."""
    head = data[:_HEAD]
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if _PDF_HEADER in head[:_PDF_HEADER_WITHIN]:
        return "pdf"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"BM") and len(head) >= 18 and int.from_bytes(head[14:18], "little") in _BMP_DIB_SIZES:
        return "bmp"
    if head.startswith(_ZIP_HEADERS):
        return _zip_kind(data)
    if head.startswith(_OLE_HEADER):
        return _ole_kind(data)
    if b"\x00" in head and not head.startswith(_BOMS):
        return "binary"
    return "html" if _MARKUP.search(head.lstrip(b"".join(_BOMS))) else "text"


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "zip"
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    return "zip"


def _ole_kind(data: bytes) -> str:
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            streams = {"/".join(path) for path in ole.listdir()}
    except (OSError, ValueError, IndexError, EOFError):  # olefile's errors for damaged files
        return "ole"
    if "WordDocument" in streams:
        return "doc"
    if streams & {"Workbook", "Book"}:
        return "xls"
    return "ole"
