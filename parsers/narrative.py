"""Figures of a pre-2019 report: its old 统计表 first, its prose second; a cross-check for the rest.

Many reports under the 2008 regulation end with the 政府信息公开情况统计表 (指标名称 | 计量单位 |
本年度 or 数量 | 历年累计). Its current-year column is the report's own statement, so a key is
read from there when the table has it; 历年累计 never is. Prose fills the keys the table lacks.

A prose figure belongs to a key only when its sentence is about that very thing, so a
candidate is dropped, and named in `problems` if the key ends up without a figure, when
- it counts something else: a service hall's 共受理申请N件, 依申请公开信息数N条 (items of
  information), a 行政复议 of no disclosure matter;
- it is cumulative: 历年累计, 截至…累计 with no word tying it to the report's year;
- it is another year's: 上年, 同比, 较2016年, or a year other than the report's named before it;
- it is a part: a clause starting with 其中.
A sentence that says none occurred (未收到…申请, 未发生…行政复议) states a zero.
"""
import re
from dataclasses import dataclass, field

from .cells import is_blank, parse_number, split_line, squeeze

# A figure, digit groups joined by single commas. It may not start inside a longer run of
# digits (or right after "digit,"), and its groups never give back digits: a pattern that
# starts with it would otherwise be tried from every digit of a long run, quadratic in it.
_N = r"(?<![0-9])(?<![0-9][,，])([0-9]++(?:[,，][0-9]++)*+)"
_GAP = r"[^。；;，,\d]{0,12}?"
# Prose past this many characters is not read: reports run to 2,000-6,000 characters, and
# a hostile page must not be read to its end: each start of a pattern costs up to a few
# hundred steps (64 MB repeating 主动公开信息 would take minutes), and joining 10^5 short
# lines (_unwrap) took 47 s on 3.6 MB.
MAX_PROSE_CHARS = 100_000
LABELS = {"proactive_total": "主动公开政府信息数", "applications_received": "收到政府信息公开申请数",
          "reviews": "行政复议数", "lawsuits": "行政诉讼数"}

PATTERNS = {
    "proactive_total": [
        rf"主动公开{_GAP}(?:政府)?信息{_GAP}(?:共|总数|总计|累计|合计)?{_GAP}{_N}\s*(?:条|件|篇)",
        rf"(?:共|累计)主动公开{_GAP}{_N}\s*(?:条|件|篇)",
    ],
    "applications_received": [
        rf"(?:收到|受理|接到|接收)[^。；;，,\d]{{0,24}}?(?:政府信息)?(?:公开)?申请{_GAP}{_N}\s*(?:件|份|宗|个|起|次)",
        rf"(?:收到|受理|接到){_GAP}依申请公开{_GAP}{_N}\s*(?:件|份|宗|个|起|次)",
        rf"依申请公开{_GAP}(?:申请){_GAP}{_N}\s*(?:件|份|宗)",
        rf"本年新收{_GAP}申请{_GAP}{_N}\s*(?:件|份|宗)",
    ],
    "reviews": [
        rf"行政复议{_GAP}{_N}\s*(?:件|起|宗|次|例)",
        rf"{_N}\s*(?:件|起|宗)[^。，,；]{{0,8}}行政复议",
    ],
    "lawsuits": [
        rf"行政诉讼{_GAP}{_N}\s*(?:件|起|宗|次|例)",
        rf"{_N}\s*(?:件|起|宗)[^。，,；]{{0,8}}行政诉讼",
    ],
}
NONE_STATED = {
    "applications_received": [
        r"(?:未|没有|无)(?:收到|受理|接到|接收|发生)[^。]{0,20}?申请",
        r"(?:申请|依申请公开)[^。]{0,12}?(?:为零|为0件|数量为0)",
        r"无依申请公开",
        r"暂未有依申请",
    ],
    "reviews": [
        r"(?:未|没有|无)(?:发生|收到|出现|有)[^。]{0,30}?行政复议",
        r"行政复议[^。]{0,12}?(?:为零|0件|为0)",
    ],
    "lawsuits": [
        r"(?:未|没有|无)(?:发生|收到|出现|有)[^。]{0,40}?行政诉讼",
        r"行政诉讼[^。]{0,12}?(?:为零|0件|为0)",
    ],
}
_COMPILED = {key: [re.compile(p) for p in patterns] for key, patterns in PATTERNS.items()}
_NONE = {key: [re.compile(p) for p in patterns] for key, patterns in NONE_STATED.items()}
_SENTENCE = re.compile(r"[^。；;\n]+")
_FULL_SENTENCE = re.compile(r"[^。\n]+")
_MAY_STATE = re.compile(r"[0-9]|未|没有|无|为零")
# A clause ends at a comma, but not at one inside a figure (2,566).
_CLAUSE = re.compile(r"(?:[^，,]|(?<=[0-9])[,，](?=[0-9]))++")
_INFORMATION_ITEMS = re.compile(r"依申请公开(?:政府)?信息(?:数|条数)")

# -- what makes a prose candidate someone else's figure
_HEADING = re.compile(r"^\s*+#*+\s*+(?:[一二三四五六七八九十]+\s*[、.．]|[（(]\s*[一二三四五六七八九十]+\s*[)）])")
_DISCLOSURE_TOPIC = re.compile(r"公开")
# Applications that are no disclosure requests: service halls, licensing, hotlines, petitions.
_OTHER_APPLICATIONS = re.compile(r"服务中心|服务大厅|政务大厅|办事大厅|便民|审批|办件|许可|热线|12345|信访|窗口")
_CUMULATIVE = re.compile(r"历年|累计至|截至|截止|以来|迄今|至今|总计已")
_THIS_YEAR_WORDS = r"全年|本年|今年|当年|年内|本年度"
_EARLIER = re.compile(r"上年|去年|上一年|前一年|同期|同比|较上|比上|环比")
_YEAR_NAMED = re.compile(r"((?:19|20)\d{2})\s*年")
_PART = re.compile(r"^\s*其中")
_TOTAL = re.compile(r"共|总|合计|全年|全县|全市|全区|全旗|全镇|全乡|全省|本年度|全部")

# -- the old 统计表
_STAT_LABELS = {
    "proactive_total": re.compile(r"^主动公开(?:政府)?信息(?:数|总数|条数|数量)"),
    "applications_received": re.compile(
        r"^(?:收到|受理|接收)(?:政府信息公开)?(?:的)?申请(?:总)?(?:数|件数|数量)"
        r"|^(?:政府信息公开)?申请(?:总数|总件数)|^依申请公开(?:政府信息)?申请(?:总)?(?:数|件数)"),
    "reviews": re.compile(r"^(?:因政府信息公开(?:申请)?(?:提起|申请)?)?行政复议(?:案件)?(?:数|件数|数量|总数)"),
    "lawsuits": re.compile(r"^(?:因政府信息公开(?:申请)?(?:提起)?)?行政诉讼(?:案件)?(?:数|件数|数量|总数)"),
}
_STAT_ENUMERATION = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．])+")
# Figure columns of a 统计表 header, in order: this year's (本年度, 数量, 2016年) or cumulative.
_FIGURE_COLUMN = re.compile(r"历年累计|累计数?|本年度?数?|当年|数量|统计数|(?:19|20)\d{2}年度?")
_CUMULATIVE_COLUMN = re.compile(r"累计|历年")
_HEADER = re.compile(r"指标|计量单位|^单位$")
_STAT_LINE_MAX = 200


@dataclass
class Narrative:
    figures: dict = field(default_factory=dict)  # {key: number}: the record's `narrative`
    problems: list = field(default_factory=list)
    from_table: set = field(default_factory=set)  # keys read from the 统计表


def read_narrative(text: str, year: int | None = None) -> Narrative:
    """The narrative figures of a report, its 统计表 first, in its first MAX_PROSE_CHARS characters."""
    text = text[:MAX_PROSE_CHARS]
    table, problems = _statistics_table(text.split("\n"))
    prose, doubts = _prose(_unwrap(text), year)
    figures = dict(table)
    for key, value in prose.items():
        if key not in figures:
            figures[key] = value
        elif figures[key] != value:
            problems.append(f"prose states {LABELS[key]} {value}, but the 统计表 says {figures[key]} (the table's kept)")
    for key, doubt in doubts.items():
        if key not in figures:
            problems.append(f"{LABELS[key]}: {doubt}; left out")
    ordered = {key: figures[key] for key in PATTERNS if key in figures}
    return Narrative(ordered, problems, set(table))


# -- the 统计表 ---------------------------------------------------------------------

def _statistics_table(lines: list[str]) -> tuple[dict, list[str]]:
    """{key: number} from the old 统计表's current-year column, and the doubts met reading it.

    Its header names the figure columns (本年度 | 历年累计, or 数量 alone); a row's figures are
    the cells after its label that are numbers or blanks (its unit, 条 or 件, is neither). In
    PDF text, where blanks leave no trace, a row short of figures is left out, never shifted."""
    found, problems = {}, []
    columns = None  # the header's figure columns: (index of the current-year one or None, how many)
    for line in lines:
        if len(line) > _STAT_LINE_MAX:
            continue  # prose, or garbage: a 统计表 row is short
        cells, positional = split_line(line)
        if not cells:
            continue
        header = _header_columns(line, cells, positional)
        if header:
            columns = header
            continue
        if not positional and columns is None:
            continue  # prose, or PDF text outside a 统计表
        at = next((i for i, cell in enumerate(cells) if _stat_key(squeeze(cell))), None)
        if at is None:
            continue
        key = _stat_key(squeeze(cells[at]))
        if key in found:
            continue
        values = [cell for cell in cells[at + 1:] if parse_number(cell) is not None or is_blank(cell)]
        value, doubt = _current_value(values, columns, positional)
        if value is not None:
            found[key] = value
        elif doubt:
            problems.append(f"统计表 {LABELS[key]}: {doubt}; left out")
    return found, problems


def _header_columns(line: str, cells: list[str], positional: bool) -> tuple[int | None, int] | None:
    """(index of the current-year column among the figure columns or None, how many there are),
    for a 统计表 header line ('指标名称 | 计量单位 | 本年度 | 历年累计'); None for other lines."""
    text = squeeze(line)
    if any(parse_number(cell) is not None for cell in cells) or "，" in text or "。" in text or len(text) > 60:
        return None
    if not (_HEADER.search(text) or _CUMULATIVE_COLUMN.search(text)):
        return None
    if not positional and len(line.split()) < 3:
        return None  # prose, not the header of a PDF-text table
    names = _FIGURE_COLUMN.findall(text)
    if not names or (len(names) < 2 and not _HEADER.search(text)):
        return None  # '历年累计 |' alone: one cell of a header written one cell per line
    current = next((i for i, name in enumerate(names) if not _CUMULATIVE_COLUMN.search(name)), None)
    return current, len(names)


def _stat_key(label: str) -> str | None:
    if label.startswith("其中"):
        return None  # a part of the row above
    label = _STAT_ENUMERATION.sub("", label)
    return next((key for key, pattern in _STAT_LABELS.items() if pattern.search(label)), None)


def _current_value(values: list[str], columns, positional: bool) -> tuple[int | None, str | None]:
    """The row's figure for this year: the header's current-year column, the row's figures
    matching the header's; without a header, the row's only figure."""
    if columns is None:
        figures = [parse_number(cell) for cell in values if parse_number(cell) is not None]
        if len(figures) == 1 and len(values) == 1:
            return figures[0], None
        if figures:
            return None, "the table does not say which of its columns is this year's (本年度 or 历年累计)"
        return None, None
    current, count = columns
    if not any(parse_number(cell) is not None for cell in values):
        return None, None
    if current is None:
        return None, "the table has only a cumulative (历年累计) column"
    if len(values) != count:
        lost = "" if positional else " (a blank cell may have left no trace)"
        return None, f"{len(values)} figures where the header has {count} columns{lost}"
    cell = values[current]
    value = parse_number(cell)
    if value is None:
        return None, f"the 本年度 cell is {cell.strip()!r}, not a number" if cell.strip() else "the 本年度 cell is blank"
    return value, None


# -- prose ------------------------------------------------------------------------

def _prose(text: str, year: int | None) -> tuple[dict, dict]:
    """{key: number} stated in prose (first statement wins), and {key: why a candidate was dropped}."""
    found, doubts = {}, {}
    section = ""
    for line in text.split("\n"):
        if "|" in line or "\t" in line:
            continue  # a table row, not prose
        if _HEADING.match(line):
            section = line[:40]
        for whole in _FULL_SENTENCE.findall(line):
            # What a part is about: its heading and its whole sentence ('…行政复议案件6件；未发生行政诉讼案件').
            context = section + whole
            for sentence in _SENTENCE.findall(whole):
                if not _MAY_STATE.search(sentence):
                    continue  # neither a figure nor a 'none'
                for key in PATTERNS:
                    if key in found:
                        continue
                    value, doubt = _figure_in(key, sentence, context, year)
                    if value is not None:
                        found[key] = value
                    elif doubt:
                        doubts.setdefault(key, doubt)
    return found, doubts


def _figure_in(key: str, sentence: str, context: str, year: int | None) -> tuple[int | None, str | None]:
    """The key's figure in a sentence, or why a figure there is not the key's.

    One candidate per clause. Several different ones are a breakdown (县教育局120条，县卫生局80条)
    unless one clause says it is the total (共, 全年, 全县 …)."""
    text = _without_information_items(sentence) if key == "applications_received" else sentence
    candidates, doubt = [], None
    for clause in _CLAUSE.finditer(text):
        match = next(filter(None, (pattern.search(clause.group()) for pattern in _COMPILED[key])), None)
        value = parse_number(match.group(1)) if match else None
        if value is None:
            continue
        why = _not_this_figure(key, text, clause, match, context, year)
        if why is None:
            candidates.append((value, bool(_TOTAL.search(clause.group()[:match.end()]))))
        else:
            doubt = doubt or f"{why} ({match.group().strip()})"
    values = {value for value, _total in candidates}
    if len(values) > 1:
        values = {value for value, total in candidates if total}
        if len(values) != 1:
            return None, f"several figures in one sentence, none said to be the total ({sentence.strip()[:60]})"
    if values:
        return values.pop(), None
    if doubt:
        return None, doubt
    if _about(key, sentence, context) and any(pattern.search(text) for pattern in _NONE.get(key, [])):
        return 0, None
    return None, None


def _not_this_figure(key, sentence, clause, match, context, year) -> str | None:
    """Why a matched figure is not this year's figure for the key, or None when it is."""
    before = sentence[:clause.start() + match.end()]
    stated = clause.group()[:match.end()]
    if _PART.match(clause.group()) or _PART.match(sentence):
        return "a part (其中…), not the whole"
    if not _about(key, sentence, context):
        return "a figure of something other than disclosure"
    if key == "applications_received" and "公开" not in match.group():
        # Only the sentence's word for them: 共受理申请N件 may be a service hall's.
        if _OTHER_APPLICATIONS.search(before):
            return "applications to a service hall or for licences, not disclosure requests"
        if "公开" not in sentence and "依申请" not in context:
            return "applications not said to be disclosure requests"
    if _EARLIER.search(stated):
        return "a comparison with an earlier year"
    if year is not None and any(int(named) != year for named in _YEAR_NAMED.findall(stated)):
        return "a figure of another year"
    if _CUMULATIVE.search(before) and not _this_year(sentence, year):
        return "a cumulative figure (历年/截至…累计), not this year's"
    return None


def _about(key: str, sentence: str, context: str) -> bool:
    """Reviews and lawsuits count only about disclosure: the sentence, its paragraph or its heading says 公开."""
    if key in ("reviews", "lawsuits"):
        return bool(_DISCLOSURE_TOPIC.search(sentence) or _DISCLOSURE_TOPIC.search(context))
    return True


def _this_year(sentence: str, year: int | None) -> bool:
    """Whether the sentence ties its figure to the report's year: 全年, 本年度, '2017年，'."""
    if re.search(_THIS_YEAR_WORDS, sentence):
        return True
    return year is not None and re.search(rf"{year}\s*年(?![底末]|\s*\d+\s*月)", sentence) is not None


def _without_information_items(sentence: str) -> str:
    """The sentence without its clauses counting items of information (依申请公开信息数 N 条).

    Clause by clause: one pattern spanning a clause from any start would be quadratic in a
    long clause without commas."""
    return _CLAUSE.sub(lambda clause: "" if _INFORMATION_ITEMS.search(clause.group()) else clause.group(),
                       sentence)


def _unwrap(text: str) -> str:
    """Join prose lines that PDF extraction broke mid-sentence (long lines without an ending)."""
    lines = text.split("\n")
    out = []
    for line in lines:
        if out and len(out[-1]) >= 25 and not out[-1].rstrip().endswith(_ENDINGS) \
                and "|" not in out[-1] and "\t" not in out[-1] and "|" not in line and "\t" not in line:
            out[-1] = out[-1].rstrip() + line.strip()
        else:
            out.append(line)
    return "\n".join(out)


_ENDINGS = ("。", "；", ";", ":", "：", "!", "！", "?", "？")
