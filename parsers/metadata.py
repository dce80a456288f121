"""Title, agency, year and publication date of a report.

The year is the year the report covers: taken from the title first, then from the
statistics period (报告中所列数据的时间期限为2023年1月1日至2023年12月31日), because
the prose often repeats last year's wording (a 2023 report saying 2022年度).

Pages and text dumps put field labels before the values (标题：…, 发布机构：…, 来源：…):
they are never part of a title or an agency. The agency is the body named before the
year in the title (平潭综合实验区社会事业局2019年政府信息公开工作年度报告), never the
report's own words (年度报告, 工作年度报告). A title the portal cut short (…) is replaced by
a full one found on the page. Dates may be written in Chinese numerals (二〇二〇年一月十日).
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


_REPORT_TITLE = re.compile(r"(?:政府)?信息公开(?:工作)?(?:年度)?报告|政务公开.{0,4}年度报告|年度报告|年报")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_PERIOD = re.compile(
    r"(?:数据|统计)[^。]{0,30}?(?:期限|时限|时间|期间|区间|截止|范围)[^。]{0,10}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")
# '现公布…2017年度政府信息公开工作年度报告', '2017年度政府信息公开年报': the year the body says it reports on.
_YEAR_REPORTED = re.compile(r"((?:19|20)\d{2})\s*年度?(?:政府)?信息公开(?:工作)?(?:年度)?(?:报告|年报)")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})\s*日?")
_PUBLISHED_LABEL = re.compile(r"(?:(?:发布|公开|发文|成文|印发)(?:时间|日期)|(?:^|\s)日期)\s*[:：]?\s*")
_SOURCE_LABEL = re.compile(r"^(?:来\s*源|信息来源|发布机构|发布单位|发文机关)\s*[:：]\s*(\S+?)(?:\s|字体|浏览|$)")
# Labels a page or a text dump puts before a value: never part of the value.
_FIELD_LABEL = re.compile(
    r"^\s*(?:标\s*题|题\s*目|名\s*称|文章标题|信息名称|文件名称|主\s*题|来\s*源|信息来源|发布机构|发布单位|发文机关)\s*[:：]\s*")
_YEAR_FIRST = re.compile(r"\s*+(?:(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4})\s*+年")
_ELLIPSES = ("…", "...", "。。。")
# What a title says about the report itself, after the agency and the year.
_REPORT_WORDS = re.compile(r"^(?:年度|年|度|的|关于|工作|政府|信息|公开|政务|报告|年报|情况|\s)*+$")
_NAME_END_CHARS = "《〈“\"（(【[ \t:：、，,"
_NAME_START = re.compile(r"^(?:[【\[][^】\]]*+[】\]]|关于|[《〈“\"\s])++")
_REPORT_TAIL = re.compile(r"(?:关于)?(?:的)?(?:政府信息公开|政务公开|信息公开|年度报告|年报|工作报告).*$")
# Not from inside a run of white space: each of its positions would scan the rest of it.
_SPACED_YEAR = re.compile(r"(?<!\s)\s*((?:19|20)\d{2})\s*(年)\s*")
_ORGANIZATION_END = re.compile(r"(?:局|厅|委|委员会|办|办公室|政府|人民政府|中心|院|所|站|处|部|署|会|馆|队|社|镇|乡|"
                               r"街道|街道办事处|办事处|区|县|市|旗|州|盟|管委会|管理委员会|公司|集团|银行|学校|大学)$")

# -- Chinese numerals in dates: 二〇二〇年一月十日, 二○一八年十二月二十八日
_CHINESE_DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "o": 0, "一": 1, "二": 2, "三": 3, "四": 4,
                   "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN = "〇○零ＯOo一二三四五六七八九"
_CHINESE_DATE = re.compile(rf"([{_CN}]{{4}})\s*年\s*([{_CN}十]{{1,3}})\s*月\s*([{_CN}十]{{1,3}})\s*日")
_CHINESE_YEAR = re.compile(rf"([{_CN}]{{4}})\s*年")


def read_metadata(text: str, page_title: str | None = None, page_metadata: dict | None = None) -> Metadata:
    page_metadata = page_metadata or {}
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    title = _title(lines, [page_title, page_metadata.get("ArticleTitle")])
    year = _year(title, text)
    agency = _agency(title, page_metadata, lines)
    published = (page_metadata.get("published_on") or _normalize_date(page_metadata.get("PubDate"))
                 or _published_in_text(lines) or page_metadata.get("written_on"))
    return Metadata(title, agency, year, published)


# -- title ----------------------------------------------------------------------------

def _title(lines, page_titles):
    """The page's title naming a report, else the first short line naming one; a title cut
    short (…) gives way to a full one that starts the same."""
    candidates = [_clean_title(title) for title in page_titles if title]
    head = [line for line in lines[:15] if "|" not in line and "\t" not in line and len(line) <= 80 and "。" not in line]
    candidates += [_clean_title(line) for line in _joined_title_lines(head)]
    candidates = [title for title in candidates if title]
    naming = [title for title in candidates if _REPORT_TITLE.search(title)]
    # '2019年度报告' names no agency: a title on the page that does is the fuller one.
    title = next((title for title in naming if agency_in_title(title)), naming[0] if naming else None)
    if title is None and page_titles[0]:
        title = _clean_title(page_titles[0])
    if title and _cut_short(title):
        stem = squeeze(_cut_short(title))
        full = next((other for other in naming
                     if not _cut_short(other) and squeeze(other).startswith(stem) and len(other) > len(stem)),
                    None)
        title = full or title
    return title or None


def _cut_short(title: str) -> str | None:
    """What is left of a title the portal cut short ('…', '...'), or None for a whole title."""
    title = title.rstrip()
    return title.rstrip("….。").rstrip() if title.endswith(_ELLIPSES) else None


def _strip_name_end(name: str) -> str:
    """'XX县人民政府关于' -> 'XX县人民政府': brackets, colons and 关于/的 that end a name part."""
    while True:
        stripped = name.rstrip(_NAME_END_CHARS).removesuffix("关于").removesuffix("的")
        if stripped == name:
            return name
        name = stripped


def _joined_title_lines(lines: list[str]) -> list[str]:
    """The lines, a title printed on two (南浦县自然资源局 / 2019年政府信息公开工作年度报告) joined."""
    joined = []
    for line in lines:
        previous = squeeze(joined[-1]) if joined else ""
        if (_REPORT_TITLE.search(line) and _YEAR_FIRST.match(line) and _is_name(previous)
                and _ORGANIZATION_END.search(previous) and not _REPORT_TITLE.search(previous)):
            joined[-1] = previous + squeeze(line)
        else:
            joined.append(line)
    return joined


def _clean_title(title: str) -> str:
    title = title.strip().lstrip("#").strip()
    title = _FIELD_LABEL.sub("", title).strip().strip("《》")
    # '延津县民政局 2023 年政府…' -> no spaces around a year between CJK text
    return _SPACED_YEAR.sub(r"\1\2", title).strip()


# -- year -----------------------------------------------------------------------------

def _year(title, text):
    if title:
        year = _first_year(title)
        if year:
            return year
    head = text[:5000]
    for pattern in (_PERIOD, _YEAR_REPORTED):
        match = pattern.search(head)
        if match:
            return int(match.group(1))
    counts = Counter(int(year) for year in _YEAR.findall(text[:3000]))
    return counts.most_common(1)[0][0] if counts else None


def _first_year(text: str) -> int | None:
    arabic = _YEAR.search(text)
    chinese = _CHINESE_YEAR.search(text)
    if chinese and (not arabic or chinese.start() < arabic.start()):
        return _chinese_number(chinese.group(1), positional=True)
    return int(arabic.group(1)) if arabic else None


# -- agency ---------------------------------------------------------------------------

def _agency(title, page_metadata, lines):
    name = agency_in_title(title) if title else None
    if name:
        return name
    for key in ("publisher", "ContentSource"):
        value = _FIELD_LABEL.sub("", page_metadata.get(key) or "")
        if _is_name(squeeze(value)):
            return squeeze(value)
    for line in lines[:8]:
        match = _SOURCE_LABEL.search(line)
        if match and _is_name(match.group(1)):
            return match.group(1)
    return _signature_agency(lines)


def agency_in_title(title: str) -> str | None:
    """The body named before the year in the title; in '2019年XX局政府信息公开…' the one after it."""
    title = squeeze(_FIELD_LABEL.sub("", title))
    year = _YEAR.search(title) or _CHINESE_YEAR.search(title)
    if year:
        before = title[:year.start()].rstrip("（(")
        if "报告" in before or "年报" in before:  # 'XX局政府信息公开工作年度报告（2019年）'
            before = _REPORT_TAIL.sub("", before)
        before = _NAME_START.sub("", _strip_name_end(before))
        after = title[year.end():].lstrip("度")
        candidates = [before, _NAME_START.sub("", _REPORT_TAIL.sub("", after))]
    else:
        candidates = [_NAME_START.sub("", _REPORT_TAIL.sub("", title))]
    for name in candidates:
        name = _strip_name_end(name)
        if name.endswith("人民"):
            name += "政府"
        if _is_name(name):
            return name
    return None


def _is_name(name: str | None) -> bool:
    """An agency's name, not the report's own words (年度报告, 工作年度报告) or a fragment."""
    return bool(name) and 2 <= len(name) <= 40 and not _REPORT_WORDS.match(name) and "报告" not in name \
        and not _YEAR.search(name)


def _signature_agency(lines):
    """The report's signature: the agency's name on the line before the closing date."""
    for index in range(len(lines) - 1, max(len(lines) - 9, 0), -1):
        if _signature_date(lines[index]) and index > 0:
            name = squeeze(lines[index - 1])
            if _is_name(name) and _ORGANIZATION_END.search(name):
                return name
    return None


# -- dates ----------------------------------------------------------------------------

def _normalize_date(value):
    if not value:
        return None
    match = _DATE.search(value)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        match = _CHINESE_DATE.search(value)
        if not match:
            return None
        year = _chinese_number(match.group(1), positional=True)
        month, day = _chinese_number(match.group(2)), _chinese_number(match.group(3))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _chinese_number(text: str, positional: bool = False) -> int:
    """二〇二〇 -> 2020 (digit by digit); 十 -> 10, 十二 -> 12, 二十 -> 20, 三十一 -> 31."""
    if positional:
        return int("".join(str(_CHINESE_DIGITS[char]) for char in text))
    if "十" not in text:
        return _CHINESE_DIGITS[text[0]] if len(text) == 1 else 0
    tens, _, units = text.partition("十")
    return (_CHINESE_DIGITS.get(tens, 0) if tens else 1) * 10 + (_CHINESE_DIGITS.get(units, 0) if units else 0)


def _published_in_text(lines):
    for line in lines[:10]:
        match = _PUBLISHED_LABEL.search(line)
        if match:
            date = _normalize_date(line[match.end():match.end() + 20])
            if date:
                return date
    for line in lines[-8:]:  # the signature: agency name, then the date (page chrome may follow)
        date = _signature_date(line)
        if date:
            return date
    return None


def _signature_date(line: str) -> str | None:
    if len(line) > 18 or not line.rstrip().endswith("日"):
        return None
    return _normalize_date(line)
