"""Attachments: the files a report page links (详见附件), and what they are called.

Agencies publish many reports only as a file linked from a short page, in their CMS's shapes:

    TRS       ./P020240119123456789012.pdf        in the page's month folder, the human name
                                                   as the link text
    Hanweb    /module/download/downfile.jsp?classid=0&filename=<hex>.docx
                                                   the name in Content-Disposition (filename*)
    others    /ndbg/files/202403/示范县…年度报告.xls, or an old /uploadfile/123.pdf that 302s
              to where the file is now

A link is an attachment when its path ends in a document or image extension, when it goes
to a download script, or when its text is a file name. Only links on the site's own hosts
are followed (crawler.middlewares.SiteHostsOnly refuses the rest anyway).

The file's own name is kept as metadata (documents.file_name): from Content-Disposition
(RFC 6266 `filename*`, else `filename`), else the link text, else the URL. It is never a
path: `path_safe` keeps its last component only, without control characters, and bounded,
so that it could be written to disk as is without leaving the folder it is written to.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from scrapy.selector import Selector

from parsers import filetype

# Extensions of files that may hold a report (documents, spreadsheets, scans).
DOCUMENT_EXTENSIONS = ("pdf", "doc", "docx", "wps", "rtf", "xls", "xlsx", "et", "ofd")
IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "webp")
EXTENSIONS = DOCUMENT_EXTENSIONS + IMAGE_EXTENSIONS
_EXTENSION = re.compile(r"\.(%s)$" % "|".join(EXTENSIONS), re.I)
# Download scripts of the CMSs met on government portals (Hanweb's downfile.jsp and kin).
DOWNLOAD_SCRIPT = re.compile(r"/(?:module/download/downfile\.jsp|[\w/]*download[\w]*\.(?:jsp|do|aspx?|php))$", re.I)
# A page links a handful of files at most; more is a file library, not a report's attachments.
MAX_ATTACHMENTS = 5
MAX_NAME_BYTES = 240  # under the 255 bytes most filesystems allow a name
# What a portal sends where a file was promised when it has none: a short HTML page.
ERROR_PAGE_PHRASES = tuple(phrase.encode() for phrase in ("不存在", "已被删除", "已删除", "找不到", "无法下载", "Not Found"))
ERROR_PAGE_MAX_BYTES = 8 * 1024  # no report fits in this little HTML


@dataclass(frozen=True)
class Link:
    url: str   # absolute
    text: str  # the link text, whitespace collapsed


def _extension(name: str) -> str | None:
    found = _EXTENSION.search(name.strip())
    return found.group(1).lower() if found else None


def is_attachment(url: str, text: str = "") -> bool:
    """Whether a link leads to a file that may hold a report."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    path = unquote(parts.path)
    if _extension(path):
        return True
    if DOWNLOAD_SCRIPT.search(path):
        return True
    query = dict(parse_qsl(parts.query))
    if any(_extension(value) for value in query.values()):
        return True
    return bool(_extension(text))


def attachment_links(html: str, page_url: str, hosts: set[str] | None = None) -> list[Link]:
    """The page's links to files, in page order, each once, on `hosts` only (None: any)."""
    found: dict[str, Link] = {}
    for anchor in Selector(text=html).xpath("//a[@href]"):
        href = anchor.attrib["href"].strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        url = urljoin(page_url, href).split("#", 1)[0]
        text = " ".join("".join(anchor.xpath(".//text()").getall()).split())
        if url == page_url or url in found or not is_attachment(url, text):
            continue
        if hosts is not None and urlsplit(url).hostname not in hosts:
            continue
        found[url] = Link(url, text)
        if len(found) >= MAX_ATTACHMENTS:
            break
    return list(found.values())


def path_safe(name: str | None) -> str | None:
    """A file name that names a file and nothing else: the last path component, without
    control characters (NUL included), not '.', '..' or hidden, at most MAX_NAME_BYTES in UTF-8."""
    if not name:
        return None
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(char for char in name if char.isprintable())
    name = " ".join(name.split()).lstrip(".").strip()
    if not name:
        return None
    encoded = name.encode("utf-8")
    if len(encoded) > MAX_NAME_BYTES:
        stem, dot, extension = name.rpartition(".")
        keep = extension if dot and len(extension) <= 8 else ""
        budget = MAX_NAME_BYTES - len(keep.encode()) - (1 if keep else 0)
        stem = (stem if keep else name).encode("utf-8")[:budget].decode("utf-8", "ignore")
        name = f"{stem}.{keep}" if keep else stem
    return name


_DISPOSITION_PARAM = re.compile(r"""(?i)(filename\*?)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)""")


def disposition_name(value: str | bytes | None) -> str | None:
    """The file name a Content-Disposition header gives: `filename*` (RFC 5987: charset''
    percent-encoded) before `filename` (quoted, perhaps percent-encoded, perhaps raw GBK or UTF-8)."""
    if not value:
        return None
    if isinstance(value, bytes):
        for codec in ("utf-8", "gb18030"):
            try:
                value = value.decode(codec)
                break
            except UnicodeDecodeError:
                continue
        else:
            value = value.decode("latin-1")
    params = {}
    for key, raw in _DISPOSITION_PARAM.findall(value):
        raw = raw.strip()
        if raw.startswith('"') and raw.endswith('"'):
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        params.setdefault(key.lower(), raw)
    if "filename*" in params:
        charset, _, rest = params["filename*"].partition("'")
        _language, _, encoded = rest.partition("'")
        try:
            return unquote(encoded, encoding=charset or "utf-8", errors="strict")
        except (LookupError, UnicodeDecodeError):
            pass
    if "filename" in params:
        name = params["filename"]
        if "%" in name:
            for codec in ("utf-8", "gb18030"):
                try:
                    return unquote(name, encoding=codec, errors="strict")
                except UnicodeDecodeError:
                    continue
        return name
    return None


def file_name(headers: dict[str, str | bytes], link: Link | None, url: str) -> str | None:
    """The attachment's own name, path-safe: Content-Disposition, else the link text when it
    is a file name, else the URL's `filename` parameter or last path component."""
    disposition = next((value for key, value in headers.items() if key.lower() == "content-disposition"), None)
    candidates = [disposition_name(disposition)]
    if link is not None and _extension(link.text):
        candidates.append(link.text)
    parts = urlsplit(url)
    candidates.append(dict(parse_qsl(parts.query)).get("filename"))
    candidates.append(unquote(parts.path.rsplit("/", 1)[-1]))
    if link is not None:
        candidates.append(link.text)
    return next((safe for safe in map(path_safe, candidates) if safe), None)


def promised_kind(url: str, name: str | None, content_type: str | None) -> str | None:
    """What the link, the name or the server said the file is, when they say it is no web page."""
    content_type = (content_type or "").split(";")[0].strip().lower()
    if content_type and not content_type.startswith(("text/", "application/xhtml")) and content_type not in (
            "application/octet-stream", "application/force-download", "application/x-download"):
        return content_type
    parts = urlsplit(url)
    subjects = [name or "", unquote(parts.path), *dict(parse_qsl(parts.query)).values()]
    return next((extension for extension in map(_extension, subjects) if extension), None)


def error_page(body: bytes, url: str, name: str | None, content_type: str | None) -> bool:
    """Whether the server sent a short HTML page (an error, 文件不存在) where a file was promised.
    A whole report saved as HTML under a .doc name is no error page: it is far longer."""
    if filetype.sniff(body) not in filetype.TEXT_KINDS:
        return False
    promised = promised_kind(url, name, content_type)
    if promised in (None, "htm", "html", "shtml"):
        return False
    return len(body) <= ERROR_PAGE_MAX_BYTES or (
        len(body) <= 4 * ERROR_PAGE_MAX_BYTES and any(phrase in body for phrase in ERROR_PAGE_PHRASES))
