"""Title, agency, year and publication date of a report.

The year is the year the report covers: taken from the title first, then from the
statistics period (报告中所列数据的时间期限为2023年1月1日至2023年12月31日), because
the prose often repeats last year's wording (a 2023 report saying 2022年度).
"""
import re
from collections import Counter
from dataclasses import dataclass

from .cells import squeeze


@dataclass
class Metadata:
    title: str | None
    agency: str | None
    year: int | None
    published_on: str | None


_REPORT_TITLE = re.compile(r"(?:政府)?信息公开(?:工作)?(?:年度)?报告|政务公开.{0,4}年度报告|年度报告")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_PERIOD = re.compile(
    r"(?:数据|统计)[^。]{0,30}?(?:期限|时限|时间|期间|区间|截止|范围)[^。]{0,10}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})\s*日?")
_PUBLISHED_LABEL = re.compile(r"(?:(?:发布|公开|发文|成文|印发)(?:时间|日期)|(?:^|\s)日期)\s*[:：]?\s*")
_SOURCE_LABEL = re.compile(r"^(?:来源|信息来源|发布机构|发布单位)\s*[:：]\s*(\S+?)(?:\s|字体|$)")
_YEAR_IN_NAME = re.compile(r"[(（]?(?:19|20)\d{2}年度?[)）]?")
_TITLE_NOISE = re.compile(r"^(?:关于)|(?:关于)?(?:的)?(?:政府信息公开|政务公开|信息公开).*$")
# Not from inside a run of white space: each of its positions would scan the rest of it.
_SPACED_YEAR = re.compile(r"(?<!\s)\s*((?:19|20)\d{2})\s*(年)\s*")


def read_metadata(text: str, page_title: str | None = None, page_metadata: dict | None = None) -> Metadata:
    page_metadata = page_metadata or {}
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    title = _title(lines, page_title or page_metadata.get("ArticleTitle"))
    year = _year(title, text)
    agency = _agency(title, page_metadata, lines)
    published = (page_metadata.get("published_on") or _normalize_date(page_metadata.get("PubDate"))
                 or _published_in_text(lines) or page_metadata.get("written_on"))
    return Metadata(title, agency, year, published)


def _title(lines, page_title):
    if page_title and _REPORT_TITLE.search(page_title):
        return _clean_title(page_title)
    for line in lines[:15]:
        if "|" in line or "\t" in line:
            continue
        if _REPORT_TITLE.search(line) and len(line) <= 80 and "。" not in line:
            return _clean_title(line)
    return _clean_title(page_title) if page_title else None


def _clean_title(title: str) -> str:
    title = title.strip().lstrip("#").strip().strip("《》")
    # '延津县民政局 2023 年政府…' -> no spaces around a year between CJK text
    return _SPACED_YEAR.sub(r"\1\2", title).strip()


def _year(title, text):
    if title:
        match = _YEAR.search(title)
        if match:
            return int(match.group(1))
    match = _PERIOD.search(text[:5000])
    if match:
        return int(match.group(1))
    counts = Counter(int(year) for year in _YEAR.findall(text[:3000]))
    return counts.most_common(1)[0][0] if counts else None


def _agency(title, page_metadata, lines):
    if title:
        name = _YEAR_IN_NAME.sub("", squeeze(title))
        name = _TITLE_NOISE.sub("", name)
        if name.endswith("人民"):
            name += "政府"
        if 2 <= len(name) <= 40:
            return name
    for key in ("publisher", "ContentSource"):
        if page_metadata.get(key):
            return squeeze(page_metadata[key])
    for line in lines[:8]:
        match = _SOURCE_LABEL.search(line)
        if match:
            return match.group(1)
    return None


def _normalize_date(value):
    if not value:
        return None
    match = _DATE.search(value)
    if not match:
        return None
    year, month, day = (int(part) for part in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _published_in_text(lines):
    for line in lines[:10]:
        match = _PUBLISHED_LABEL.search(line)
        if match:
            date = _normalize_date(line[match.end():match.end() + 20])
            if date:
                return date
    for line in lines[-4:]:  # the signature: agency name, then the date
        if len(line) <= 16:
            date = _normalize_date(line)
            if date and line.rstrip().endswith("日"):
                return date
    return None
