"""Read 表二, 表三 and 表四 from a report's text by their row and column labels.

Every layout arrives as lines (see cells.py). Each table is read as a stream: a label
that names a template row makes it the current row, and the values that follow — on
the same line or on the next lines — belong to it, in column order. Blank cells keep
their position wherever the layout shows them; where a layout may have lost them
(one cell per line, PDF text), a row with too few values is left out rather than
shifted. Numbers glued together by a text dump are split only when the table's own
sums allow exactly one reading.
"""
import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass, field

from . import templates as T
from .cells import DIGIT_RUN, is_label, parse_number, split_line, squeeze


@dataclass
class Cell:
    table: str
    row: str
    col: str
    value: int | float | None
    raw: str


# Problems the tables of one report list, at most: a real report has a handful, a garbage
# table one per row (10^5 rows made 21 MB of them), and the record and the database keep them.
MAX_PROBLEMS = 100
# Lines of one table read, at most: 表三 in one cell per line runs to ~250, and every line
# read costs ~800 bytes of cells and rows (a 64 MB table of short rows would take 2 GB).
MAX_TABLE_LINES = 5000
_TABLE_NAMES = {"active": "表二", "applications": "表三", "review_litigation": "表四"}


@dataclass
class Tables:
    active: dict = field(default_factory=dict)
    applications: dict = field(default_factory=dict)
    review_litigation: dict = field(default_factory=dict)
    cells: list[Cell] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    template: str | None = None  # what the tables' own labels say, None when they don't tell
    found: set[str] = field(default_factory=set)  # 'active', 'applications', 'review_litigation'
    unlisted: int = 0  # problems past MAX_PROBLEMS, counted only
    blanks: dict = field(default_factory=dict)  # (table, row, col) -> (where its problem goes, the problem)
    inferred: list[str] = field(default_factory=list)  # 'table.row.col' of blanks proven 0

    def problem(self, text: str) -> None:
        """List a problem once; past MAX_PROBLEMS, count it."""
        if text in self.problems:
            return
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)
        else:
            self.unlisted += 1


@dataclass
class _Row:
    key: object
    label: str
    values: list[str] = field(default_factory=list)
    explicit: bool = True  # every value came from the label's own pipe/tab line
    ends: list = field(default_factory=list)  # per value: its end offset in a space-laid line, or None


def read_tables(text: str, year: int | None = None) -> Tables:
    lines = text.split("\n")
    if _GLUED_HINT.search(text):
        lines = [part for line in lines for part in _unglued(line)]
    tables = Tables()
    regions = _find_regions(lines)
    for name, (start, end) in regions.items():
        if end - start > MAX_TABLE_LINES:
            tables.problem(f"{_TABLE_NAMES[name]}: {end - start} lines, only the first {MAX_TABLE_LINES} read")
            regions[name] = (start, start + MAX_TABLE_LINES)
    if "applications" in regions:
        _read_applications(_table_lines(lines, *regions["applications"]), tables)
    if "review_litigation" in regions:
        _read_review(_table_lines(lines, *regions["review_litigation"], keep_leading=True), tables)
    tables.template = tables.template or _template_from_year(year, tables)
    if "active" in regions:
        _read_active(_table_lines(lines, *regions["active"]), tables)
    _infer_blank_zeros(tables)
    if tables.unlisted:
        tables.problems.append(f"{tables.unlisted} more problems in the tables, not listed")
    return tables


def _template_from_year(year, tables):
    if not tables.found or year is None:
        return None
    return T.TEMPLATE_2021 if year >= 2021 else T.TEMPLATE_2019


# ---- regions -----------------------------------------------------------------------

_HEADING_ACTIVE = re.compile(r"主动公开政府信息情况|主动公开政府信息")
_HEADING_APPLICATIONS = re.compile(r"收到和处理政府信息公开申请|依申请公开")
_HEADING_REVIEW = re.compile(r"行政复议|行政诉讼")
_HEADING_AFTER = re.compile(r"^[一二三四五六七八九十]+[、.]|存在的主要问题|存在的问题|改进情况|其他需要报告")
_FIRST_ROW = re.compile(r"本年新收|新收.{0,6}申请")
_LAST_ROW = re.compile(r"结转下年")
_ACTIVE_MARK = re.compile(r"第二十条|信息内容")
_SENTENCE_MARK = re.compile(r"[，。；;]|,(?!\d)")
# Possessive (*+, ++): white space around optional parts is otherwise tried at every split.
_PAGE_NUMBER = re.compile(r"^\s*+(?:[-—–]++\s*+\d{1,4}\s*+[-—–]++|第\s*+\d{1,4}\s*+页"
                          r"(?:\s*+[,，/]?\s*+共\s*+\d{1,4}\s*+页)?|\d{1,4}\s*+/\s*+\d{1,4})\s*+$")


def _is_table_line(line: str) -> bool:
    return "|" in line or "\t" in line


def _is_heading(line: str, pattern) -> bool:
    flat = squeeze(line.replace("|", "").replace("\t", ""))
    return 0 < len(flat) <= 60 and "。" not in flat and bool(pattern.search(flat))


def _is_prose(line: str) -> bool:
    if _is_table_line(line):
        return False
    cells, _ = split_line(line)
    return len(cells) == 1 and ("。" in line or len(line.strip()) > 80)


def _has_values(line: str) -> bool:
    cells, _ = split_line(line)
    return any(parse_number(cell) is not None for cell in cells)


def _is_first_row(line: str) -> bool:
    """The 本年新收 row itself, not a sentence of prose that mentions it."""
    if _is_prose(line):
        return False
    cells, _ = split_line(line)
    label = squeeze(next((cell for cell in cells if cell), ""))
    return bool(_FIRST_ROW.search(label)) and not _SENTENCE_MARK.search(label) and len(label) <= 40


def _find_regions(lines):
    """(start, end) line ranges of the three tables, found by content, not by numbering."""
    regions = {}
    first = next((i for i, line in enumerate(lines) if _is_first_row(line)), None)
    if first is None:
        return regions
    start3 = first
    for i in range(first - 1, max(-1, first - 40), -1):
        if _is_heading(lines[i], _HEADING_APPLICATIONS):
            start3 = i
            break
        if _is_prose(lines[i]) or _has_values(lines[i]):  # the header has no figures: a previous table
            start3 = i + 1
            break
        start3 = i
    last = next((i for i in range(first, len(lines)) if _LAST_ROW.search(squeeze(lines[i]))), first)
    start4 = next((i for i in range(last + 1, len(lines)) if _HEADING_REVIEW.search(squeeze(lines[i]))), None)
    end3 = start4 if start4 is not None else _region_end(lines, last + 1)
    regions["applications"] = (start3, end3)
    if start4 is not None:
        regions["review_litigation"] = (start4 + (0 if _is_table_line(lines[start4]) else 1),
                                        _region_end(lines, start4 + 1))
    start2 = None
    for i in range(start3 - 1, -1, -1):
        if _is_heading(lines[i], _HEADING_ACTIVE) and not lines[i].lstrip().startswith("("):
            start2 = i + 1
            break
    if start2 is None:
        start2 = next((i for i in range(start3) if _ACTIVE_MARK.search(lines[i])), None)
    if start2 is not None:
        regions["active"] = (start2, start3)
    return regions


def _region_end(lines, start):
    """Where a table's region ends: the next section heading (prose inside is skipped later)."""
    for i in range(start, len(lines)):
        line = lines[i]
        if not _is_table_line(line) and _is_heading(line, _HEADING_AFTER) and not _HEADING_REVIEW.search(line):
            return i
    return len(lines)


_EMPTY_CELL_LINE = re.compile(r"^\s+\|\s*$")


def _table_lines(lines, start, end, keep_leading=False):
    """Lines of a region as (cells, explicit), prose dropped, leading empty cells dropped
    (those a spanning label leaves) unless `keep_leading`."""
    out = []
    for line in lines[start:end]:
        if not line.strip() or _is_prose(line) or _PAGE_NUMBER.match(line):
            continue
        if _EMPTY_CELL_LINE.match(line):
            out.append(([""], False))  # one cell per line: ' |' is a blank cell, '|' a filler
            continue
        cells, explicit = split_line(line)
        while cells and cells[0] == "" and not (keep_leading and explicit):
            cells.pop(0)
        if any(cells):
            out.append((cells, explicit))
    return out


# ---- text dumps that lost every cell boundary ---------------------------------------

# Where a label of 表二, 表三 or 表四 begins, in a table whose cells were written with
# nothing between them (an archive's page.txt, lxml's text_content()): `规章000行政规范性文件5845546`.
_LABEL_START = re.compile(
    r"(?:\([一二三四五六七]\)|[一二三四]、|\d[.、])?"
    r"(?:本年新收|上年结转|本年度办理结果|予以公开|部分公开|不予公开|属于国家秘密|其他法律行政|危及|保护第三方"
    r"|属于三类|属于四类|属于行政执法|属于行政查询|无法提供|本机关不掌握|没有现成信息|补正后申请|不予处理"
    r"|信访举报|重复申请|要求提供公开出版物|无正当理由大量|要求行政机关确认|其他处理|申请人无正当理由逾期"
    r"|申请人逾期未按|其他(?=\d)|总计|小计|结转下年度|第二十条|信息内容|规章|(?:行政)?规范性文件|行政许可"
    r"|其他对外管理服务事项|行政处罚|行政强制|行政事业性收费|政府集中采购|结果维持|结果纠正|其他结果|尚未审结"
    r"|行政复议|行政诉讼|未经复议|复议后起诉)")
_GLUED_LABEL = re.compile(r"^(?:\d[.、])?[^\d]*")
# Cell boundaries a glued row still shows: after a unit (`3件0件`), before a sign (`167-13`).
_UNIT_OR_SIGN = re.compile(r"(?<=[件条次个项万元])(?=[\d+-])|(?<=\d)(?=[+-])")
_GLUED_MIN_LABELS = 3  # labels in one line, one of them running straight into figures
# A label's last characters straight before a figure: only then is any line worth ungluing.
_GLUED_HINT = re.compile(r"(?:规章|规范性文件|申请数量|予以公开|情形\)|国家秘密|总计|审结|继续办理|行政许可|行政处罚|行政强制|收费)\d")
_LABEL_THEN_DIGIT = re.compile(r"[^\d\s]\d")  # searched in a segment that starts with its label
_PROSE_COUNT = re.compile(r"。|(?<!\d)\d++\s*+[件条项次人]")  # a sentence counting things is prose, not a table


def _unglued(line: str) -> list[str]:
    """A line of a table whose cells lost their boundaries, as one line per label with its
    figures after a space (`规章 000`); any other line as it is. The digits themselves
    stay glued: only the table's sums may split them (_summed_readings)."""
    if "|" in line or "\t" in line or len(line) < 20 or _PROSE_COUNT.search(line):
        return [line]
    starts = [match.start() for match in _LABEL_START.finditer(line)]
    segments = [line[a:b] for a, b in zip(starts, starts[1:] + [len(line)])]
    if len(starts) < _GLUED_MIN_LABELS or not any(_LABEL_THEN_DIGIT.search(segment) for segment in segments):
        return [line]
    out = [line[:starts[0]]] if starts[0] else []
    for segment in segments:
        label = _GLUED_LABEL.match(segment).group()
        rest = _UNIT_OR_SIGN.sub(" ", segment[len(label):]).strip()
        out.append(f"{label.strip()} {rest}" if rest else label.strip())
    return out


def _summed_readings(tokens: list[str], groups: int, parts: int, trials: "_Trials",
                     limit: int = 50) -> list[list[int]] | None:
    """Every way to cut plain digit runs into `groups` groups of `parts` numbers, each followed
    by its total, where every total is the sum of its parts (表三's 总计 column, 表四's 总计).

    A space between tokens is a real cell boundary. The total's digits are fixed by the
    parts, so this walks far fewer cuts than trying every split; each step draws on the
    table's `trials`. None when they run out: a reading found would not be known to be the only one."""
    digits = "".join(tokens)
    bounds = set(itertools.accumulate(len(token) for token in tokens))
    readings: list[list[int]] = []

    def number_at(start, end):
        piece = digits[start:end]
        if end > len(digits) or any(start < bound < end for bound in bounds) or (len(piece) > 1 and piece[0] == "0"):
            return None
        return int(piece)

    def walk(position, group, numbers):
        if len(readings) > limit or not trials.take(1):
            return
        if group == groups:
            if position == len(digits):
                readings.append(list(numbers))
            return
        in_group = numbers[group * (parts + 1):]
        if len(in_group) == parts:
            total = str(sum(in_group))
            if number_at(position, position + len(total)) is not None and digits.startswith(total, position):
                walk(position + len(total), group + 1, numbers + [int(total)])
            return
        # Digits the rest needs at least: one per part left, the total, and every later group.
        later = (parts - len(in_group) - 1) + 1 + (groups - group - 1) * (parts + 1)
        for length in range(1, min(_MAX_DIGITS, len(digits) - position - later) + 1):
            value = number_at(position, position + length)
            if value is None:
                if length > 1 and digits[position] == "0":
                    break
                continue
            walk(position + length, group, numbers + [value])

    walk(0, 0, [])
    return None if trials.left < 0 else readings


_MAX_DIGITS = 7  # figures of one cell: the largest 表三/表四 counts run to six digits


# ---- fitting a row's values to its columns -------------------------------------------

def _label_span(rows, width) -> int:
    """Empty cells a spanning label leaves before the values, as the table's full rows show."""
    spans = Counter()
    for row in rows:
        if row.explicit:
            lead = next((i for i, value in enumerate(row.values) if value != ""), len(row.values))
            core = [value for value in row.values[lead:]]
            while core and core[-1] == "":
                core.pop()
            if len(core) == width:
                spans[lead] += 1
    return spans.most_common(1)[0][0] if spans else 0


def _fit(row: _Row, width: int, span: int = 0, plausible=None):
    """The row's raw cells, one per column, or None when positions can't be trusted.

    `plausible(cells)` may reject a reading: a row of a full grid has exactly `width`
    cells after its label's empty remainder, unless a text dump glued two of them."""
    values = list(row.values)
    if not row.explicit:
        if len(values) == width:  # one cell per line: a blank cell keeps its own line
            return values
        while values and values[-1] == "":
            values.pop()
        return values if len(values) == width else None
    lead = len(values) - width
    if lead > 0 and all(value == "" for value in values[:lead]) and \
            (plausible is None or plausible(values[lead:])):
        return values[lead:]  # what a label spanning several columns left, then every cell
    while span and values and values[0] == "":
        values.pop(0)
        span -= 1
    trimmed = list(values)
    while trimmed and trimmed[-1] == "":
        trimmed.pop()
    while len(trimmed) > width and trimmed[0] == "":
        trimmed.pop(0)  # the empty remainder of a label spanning two columns
    if len(trimmed) > width:
        return None
    if len(values) >= width or len(trimmed) == width:
        return trimmed + [""] * (width - len(trimmed))
    return None


# Ways to split glued digits one table may try. The replica's glued tables need at most
# 450 (300 reports measured), but a run of n digits cut into 15 numbers has C(n-1, 14)
# ways: 15 billion for n = 40.
MAX_GLUED_TRIALS = 20_000


@dataclass
class _Trials:
    """The splits of glued digits a table has left to try; all its rows draw on them."""
    left: int = MAX_GLUED_TRIALS

    def take(self, count: int) -> bool:
        self.left -= count
        return self.left >= 0


def _glued_readings(tokens: list[str], width: int, check, trials: _Trials) -> list[list[int]] | None:
    """Every way to split digit runs into `width` numbers that passes `check`.

    None when there are more ways than `trials` has left: then a single reading found
    would not be known to be the only one."""
    if not tokens or len(tokens) >= width or \
            any(parse_number(token) is None and not DIGIT_RUN.match(token) for token in tokens):
        return []
    # Only digit runs can be glued ('1,199689' is 1,199 | 689); '12件' is one number as written.
    capacities = [len(token) - 1 if DIGIT_RUN.match(token) else 0 for token in tokens]
    readings = []
    for cuts in _distribute(width - len(tokens), capacities):
        if not trials.take(math.prod(math.comb(len(token) - 1, n_cuts) for token, n_cuts in zip(tokens, cuts))):
            return None
        numbers = []
        for token, n_cuts in zip(tokens, cuts):
            parts = _splits(token, n_cuts + 1) if n_cuts else [[token]]
            numbers.append(parts)
        for combo in itertools.product(*numbers):
            flat = [parse_number(part) for group in combo for part in group]
            if None in flat:
                continue
            if check(flat):
                readings.append(flat)
                if len(readings) > 50:
                    return readings
    return readings


_WRITTEN_NUMBER = re.compile(r"^(?:0|[1-9]\d*|[1-9]\d{0,2}(?:,\d{3})+)$")


def _distribute(total, capacities):
    if not capacities:
        if total == 0:
            yield []
        return
    for here in range(min(total, capacities[0]) + 1):
        for rest in _distribute(total - here, capacities[1:]):
            yield [here, *rest]


def _splits(token, parts):
    """Ways to cut `token` into `parts` numbers without leading zeros."""
    out = []
    for positions in itertools.combinations(range(1, len(token)), parts - 1):
        bounds = (0, *positions, len(token))
        pieces = [token[a:b] for a, b in zip(bounds, bounds[1:])]
        if all(_WRITTEN_NUMBER.match(piece) for piece in pieces):
            out.append(pieces)
    return out


# ---- 表三 -------------------------------------------------------------------------

_APP_ROWS = T.compile_patterns(T.APPLICATION_ROWS)
_APP_GROUPS = T.compile_patterns(T.APPLICATION_GROUPS)
_APP_HEADER = re.compile("|".join(f"({pattern})" for key, pattern in T.APPLICANT_HEADER if key != "other_org"))
_APP_HEADER_KEYS = [key for key, _ in T.APPLICANT_HEADER if key != "other_org"]
_SUBTOTAL = re.compile(r"小计")
_NEW_RECEIVED = _APP_ROWS[0][1]


def _applicant_columns(header_labels: list[str]) -> list[str]:
    """Leaf columns of 表三 in order, from its (merged, multi-row) header."""
    seen = []
    for word in (word for label in header_labels for word in label.split()):
        # '其他' names a column only as a header of its own, not inside '其他对外管理服务事项'.
        keys = ["other_org"] if word == "其他" else \
            [_APP_HEADER_KEYS[match.lastindex - 1] for match in _APP_HEADER.finditer(word)]
        for key in keys:
            if key and key not in seen:
                seen.append(key)
    middle = [key for key in seen if key not in ("natural_person", "total")]
    if set(T.ORG_COLUMN_KEYS) <= set(middle):
        # A table without a 总计 column exists too; then no row total is read.
        return ["natural_person", *middle, *(["total"] if "total" in seen else [])]
    columns = list(T.APPLICANT_COLUMN_KEYS)
    if T.SUBTOTAL_COLUMN in seen:
        columns.insert(6, T.SUBTOTAL_COLUMN)
    return columns


def _classify_application_label(label: str, group):
    """-> (kind, key, group): kind is 'row', 'group', 'subtotal' or None."""
    flat = squeeze(label)
    for name, pattern in _APP_GROUPS:
        if pattern.search(flat):
            group = name
    if _SUBTOTAL.search(flat):
        return "subtotal", group, group
    for key, pattern in _APP_ROWS:
        if pattern.search(flat):
            return "row", key, _ROW_GROUP.get(key, group)
    if group == "other" and T.OTHER_MISC_LABEL.search(flat.split(")")[-1]):
        return "row", "other_misc", group
    if any(pattern.search(flat) for _, pattern in _APP_GROUPS):
        return "group", group, group
    return None, None, group


_WRAPPED_MAX = 40  # characters of unknown label pieces joined to find a label wrapped over lines


def _application_rows(lines):
    header, rows, group, current, started = [], [], None, None, False
    pending = ""  # unknown label pieces since the last row: maybe one label wrapped over lines
    for cells, explicit in lines:
        if not started and not any(_NEW_RECEIVED.search(squeeze(cell)) for cell in cells):
            header += [cell for cell in cells if is_label(cell)]  # merged headers leave gaps
            continue
        started = True
        index = 0
        while index < len(cells) and is_label(cells[index]):
            label = cells[index]
            index += 1
            kind, key, group = _classify_application_label(label, group)
            if kind is None and pending:
                joined = (pending + squeeze(label))[-_WRAPPED_MAX:]
                kind, key, group = _classify_application_label(joined, group)
                if kind != "row":  # only a whole row label counts: '禁' + '止公开'
                    kind, key = None, None
                else:
                    label = joined
            if kind is None:
                pending = (pending + squeeze(label))[-_WRAPPED_MAX:]
                if current is not None and current.values:
                    current = None  # an unknown label after a full row: not this row's values
                continue  # else: a wrapped continuation of the current row's label
            pending = ""
            if current is not None and current.key == (kind, key) and not current.values:
                continue  # the same label repeated across merged cells
            current = _Row((kind, key), label, explicit=explicit)
            rows.append(current)
        values = cells[index:]
        if values:
            pending = ""
        if _is_page_number(cells, explicit, current):
            continue
        if values and current is not None:
            if current.values or index == 0:
                current.explicit = False
            current.values.extend(values)
            ends = getattr(cells, "ends", [])
            current.ends.extend(ends if len(ends) == len(values) else [None] * len(values))
    return header, rows


_FULL_ROW = {len(T.APPLICANT_COLUMN_KEYS), len(T.APPLICANT_COLUMN_KEYS) + 1}  # with a 小计 column


def _is_page_number(cells, explicit, current) -> bool:
    """A lone number under a row that already has all its figures, in PDF text: the page's
    number, printed between two rows of a table that runs over a page break."""
    return (not explicit and len(cells) == 1 and parse_number(cells[0]) is not None and current is not None
            and len(current.values) in _FULL_ROW and "" not in current.values)


def _read_applications(lines, tables: Tables):
    header, rows = _application_rows(lines)
    if not rows:
        return
    tables.found.add("applications")
    columns = _applicant_columns(header)
    width = len(columns)
    span = _label_span(rows, width)
    readings, ambiguous, subtotals = {}, {}, []
    trials = _Trials()

    def row_check(numbers):
        named = dict(zip(columns, numbers))
        if "total" in named and named["total"] != sum(named[key] for key in T.APPLICANT_COLUMN_KEYS[:6]):
            return False
        return T.SUBTOTAL_COLUMN not in named or named[T.SUBTOTAL_COLUMN] == sum(
            named[key] for key in T.ORG_COLUMN_KEYS)

    def plausible(cells):
        """Counts are never negative: stated cells can't add up to more than the stated total."""
        named = {column: parse_number(cell) for column, cell in zip(columns, cells)}
        total = named.get("total")
        return total is None or sum(named[key] or 0 for key in T.APPLICANT_COLUMN_KEYS[:6] if key in named) <= total

    _share_merged_values(rows, width, row_check)
    # A row with no figures at all: this table prints blank cells that the text lost, so glued
    # digits may hide a blank too, and a split that adds up can still be wrong.
    blank_rows = any(row.key[0] == "row" and not row.values for row in rows)
    full_rows = [row for row in rows if not row.explicit and len(row.values) == width and None not in row.ends
                 and len(row.ends) == width]
    for row in rows:
        kind, key = row.key
        name = _application_row_name(row)
        fitted = _fit(row, width, span, plausible)
        if fitted is None and kind == "row":
            fitted = _place_by_position(row, rows, full_rows, width)
        if fitted is None and blank_rows and len(row.values) < width:
            tables.problem(f"表三 {name}: {len(row.values)} values where {width} columns were expected, in a "
                           f"table whose blank cells left no trace; row left out ({' | '.join(row.values)[:80]})")
            continue
        if fitted is None:
            tokens = [value for value in row.values if value != ""]
            if columns == T.APPLICANT_COLUMN_KEYS and all(token.isdigit() for token in tokens):
                options = _summed_readings(tokens, 1, 6, trials)
            else:
                options = _glued_readings(tokens, width, row_check, trials)
            if options is None:
                tables.problem(f"表三 {name}: glued numbers '{' '.join(row.values)[:80]}' allow too many "
                               "readings to check; row left out")
                continue
            if len(options) == 1:
                fitted = [str(number) for number in options[0]]
            elif options and kind == "row":
                ambiguous[key] = (row, options)
                continue
            else:
                if row.values or kind == "row":
                    tables.problem(
                        f"表三 {name}: {len(tokens)} values where {width} columns were expected; "
                        f"row left out ({' | '.join(row.values)[:80]})")
                continue
        if kind == "row":
            if key in readings:
                tables.problem(f"表三 {name}: the row appears twice; the first one is kept")
                continue
            readings[key] = (row, fitted)
        else:
            subtotals.append((kind, key, row, fitted))

    has_2021_other = any(key in readings or key in ambiguous for key in T.OTHER_ROWS_2021)
    for kind, group, row, fitted in list(subtotals):
        if kind == "group" and group == "other" and not has_2021_other and "other_handling" not in readings:
            readings["other_handling"] = (row, fitted)
            subtotals.remove((kind, group, row, fitted))
    _resolve_ambiguous(readings, ambiguous, columns, tables)
    for kind, group, row, fitted in subtotals:
        _check_subtotal(group, fitted, columns, readings, tables)
    if has_2021_other:
        tables.template = T.TEMPLATE_2021
    elif "other_handling" in readings:
        tables.template = T.TEMPLATE_2019

    for key, (row, fitted) in readings.items():
        for column, raw in zip(columns, fitted):
            if column == T.SUBTOTAL_COLUMN:
                continue
            _store_cell(tables, "applications", key, column, raw,
                        f"表三 {T.APPLICATION_LABELS.get(key, key)} / {T.APPLICANT_LABELS[column]}")
        if T.SUBTOTAL_COLUMN in columns:
            _check_org_subtotal(key, dict(zip(columns, fitted)), tables)


def _share_merged_values(rows, width, row_check):
    """PDF text sometimes prints two rows' values on one line and the next label alone:
    `2.其他法律行政法规禁止公开 2 0 0 0 0 0 2 0 0 0 0 0 0 0` / `3.危及“三安全一稳定”`. The values
    go to the rows in label order, when each share of `width` passes the row's own sum."""
    for index, row in enumerate(rows):
        count = len(row.values)
        if row.explicit or row.key[0] != "row" or count < 2 * width or count % width or "" in row.values:
            continue
        following = rows[index + 1:index + count // width]
        if len(following) != count // width - 1 or any(other.values or other.key[0] != "row" for other in following):
            continue
        shares = [row.values[start:start + width] for start in range(0, count, width)]
        numbers = [[parse_number(value) for value in share] for share in shares]
        if any(None in share or not row_check(share) for share in numbers):
            continue
        for target, share, ends in zip([row, *following], shares,
                                       [row.ends[start:start + width] for start in range(0, count, width)]):
            target.values, target.ends = share, ends


_POSITION_TOLERANCE = 1  # characters between a value's end and its column's, in text laid out by column


def _place_by_position(row, rows, full_rows, width):
    """Text laid out by column (pdftotext -layout) shows a blank cell only as wider space:
    place each value under the column whose values end where it ends, as the nearest full
    rows show them (a label with no figures at all: every cell blank). Only lines with wide
    spaces carry offsets (cells.py), and every value must find its own column, in order,
    under one full row's layout; otherwise None (the row is left out)."""
    if not full_rows or len(row.values) >= width or None in row.ends or len(row.ends) != len(row.values):
        return None
    position = rows.index(row)
    nearest = sorted(full_rows, key=lambda full: abs(rows.index(full) - position))
    for full in nearest:
        columns = full.ends
        if min(b - a for a, b in zip(columns, columns[1:])) < 3:
            continue
        placed = []
        for end in row.ends:
            column = min(range(width), key=lambda index: abs(columns[index] - end))
            if abs(columns[column] - end) > _POSITION_TOLERANCE or (placed and column <= placed[-1]):
                break
            placed.append(column)
        if len(placed) < len(row.ends):
            continue  # another page, laid out differently: try the next full row
        fitted = [""] * width
        for column, value in zip(placed, row.values):
            fitted[column] = value
        return fitted
    return None


def _application_row_name(row: _Row) -> str:
    kind, key = row.key
    if kind == "row":
        return T.APPLICATION_LABELS.get(key, key)
    return f"'{row.label}'"


def _resolve_ambiguous(readings, ambiguous, columns, tables):
    """Glued rows with several readings: keep the one combination the column sums allow."""
    if not ambiguous:
        return
    keys = list(ambiguous)
    combos = []
    space = 1
    for key in keys:
        space *= len(ambiguous[key][1])
    if space <= 20000:
        # The rows read without doubt are read once: re-reading them for every combination
        # took 1.5 s on 15,606 combinations (govreports/hostile_inputs.py, ambiguous_rows).
        fixed = {key: {col: parse_number(raw) for col, raw in zip(columns, fitted)}
                 for key, (_, fitted) in readings.items()}
        for combo in itertools.product(*(ambiguous[key][1] for key in keys)):
            trial = {key: dict(zip(columns, numbers)) for key, numbers in zip(keys, combo)}
            trial.update(fixed)
            if _column_sums_hold(trial):
                combos.append(combo)
                if len(combos) > 1:
                    break
    if len(combos) == 1:
        for key, numbers in zip(keys, combos[0]):
            readings[key] = (ambiguous[key][0], [str(number) for number in numbers])
        return
    for key in keys:
        row = ambiguous[key][0]
        tables.problem(
            f"表三 {T.APPLICATION_LABELS.get(key, key)}: glued numbers "
            f"'{' '.join(row.values)[:80]}' allow more than one reading; row left out")


def _column_sums_hold(trial) -> bool:
    needed = ["new_received", "carried_over", "total_processed", "carried_forward"]
    if not all(key in trial for key in needed):
        return False
    outcome_keys = [key for key in trial if key in T.OUTCOME_ROWS or key.startswith("other_")]
    # (七)总计 is the sum of the outcome rows only when none is missing (left out, or glued beyond reading).
    all_outcomes = set(T.OUTCOME_ROWS) <= set(trial) and (
        set(T.OTHER_ROWS_2021) <= set(trial) or set(T.OTHER_ROWS_2019) <= set(trial))
    for column in T.APPLICANT_COLUMN_KEYS:
        try:
            if trial["new_received"][column] + trial["carried_over"][column] != \
                    trial["total_processed"][column] + trial["carried_forward"][column]:
                return False
            if all_outcomes and trial["total_processed"][column] != sum(trial[key][column] for key in outcome_keys):
                return False
        except TypeError:  # a blank cell: this check can't decide
            continue
    return True


_ROW_GROUP = {}  # a numbered row also tells its group, when the group label was lost


_GROUP_ROWS = {
    "withheld": [key for key in T.OUTCOME_ROWS if key.startswith("withheld_")],
    "unavailable": [key for key in T.OUTCOME_ROWS if key.startswith("unavailable_")],
    "rejected": [key for key in T.OUTCOME_ROWS if key.startswith("rejected_")],
    "other": T.OTHER_ROWS_2021,
}
_ROW_GROUP.update({row: group for group, rows in _GROUP_ROWS.items() for row in rows})


def _check_subtotal(group, fitted, columns, readings, tables):
    """An agency's own 小计 row: not a template cell, but it must agree with its rows."""
    members = [key for key in _GROUP_ROWS.get(group, []) if key in readings]
    if not members:
        return
    for column, raw in zip(columns, fitted):
        value = parse_number(raw)
        parts = [parse_number(dict(zip(columns, readings[key][1]))[column]) for key in members]
        if value is None or any(part is None for part in parts):
            continue
        if value != sum(parts):
            tables.problem(
                f"表三 小计 of group {group} / {T.APPLICANT_LABELS.get(column, column)}: "
                f"{value} ≠ sum of its rows {sum(parts)}")


def _check_org_subtotal(key, named, tables):
    value = parse_number(named[T.SUBTOTAL_COLUMN])
    parts = [parse_number(named[column]) for column in T.ORG_COLUMN_KEYS]
    if value is not None and None not in parts and value != sum(parts):
        tables.problem(
            f"表三 {T.APPLICATION_LABELS.get(key, key)} / 法人或其他组织小计: {value} ≠ {sum(parts)}")


def _store_cell(tables, table, row, col, raw, name):
    value = parse_number(raw)
    tables.cells.append(Cell(table, row, col, value, raw))
    if raw.strip() == "":  # its problem waits: the table's own sums may prove it 0, see below
        tables.blanks[table, row, col] = (len(tables.problems), f"{name}: blank cell (left out)")
        return
    if value is None:
        tables.problem(f"{name}: '{raw}' is not a number (left out)")
        return
    target = getattr(tables, table).setdefault(row, {})
    target[col] = value


# ---- blank cells that the totals prove to be 0 --------------------------------------

_OUTCOME_KEYS = [*T.OUTCOME_ROWS, *T.OTHER_ROWS_2021, *T.OTHER_ROWS_2019]


def _sum_constraints(tables):
    """(total cell, member cells) of every stated sum: row totals and (七)总计 of 表三, 表四's totals."""
    rows = {row for table, row, _ in tables.blanks if table == "applications"} | set(tables.applications)
    for row in rows:
        yield ("applications", row, "total"), [("applications", row, c) for c in T.APPLICANT_COLUMN_KEYS[:6]]
    outcomes = [row for row in _OUTCOME_KEYS if row in rows]
    for column in T.APPLICANT_COLUMN_KEYS[:6]:
        yield ("applications", "total_processed", column), [("applications", row, column) for row in outcomes]
    groups = {row for table, row, _ in tables.blanks if table == "review_litigation"} | set(tables.review_litigation)
    for group in groups:
        yield ("review_litigation", group, "total"), [("review_litigation", group, o)
                                                      for o in T.REVIEW_OUTCOME_KEYS[:4]]


def _is_total(cell) -> bool:
    """A total column or the (七)总计 row: stated sums, so a blank one is never filled in."""
    _, row, column = cell
    return column == "total" or row == "total_processed"


def _infer_blank_zeros(tables):
    """SCHEMA.md: counts are never negative, so a stated total equal to the sum of its stated
    cells proves every blank among them 0. A blank total is never filled in; blanks no total
    proves stay out with a problem."""
    def value(table, row, col):
        return getattr(tables, table).get(row, {}).get(col)

    zeros = set()
    for total_cell, members in _sum_constraints(tables):
        total = value(*total_cell)
        blank = [cell for cell in members if cell in tables.blanks and not _is_total(cell)]
        if total is None or not blank:
            continue
        if total == sum(value(*cell) or 0 for cell in members):
            zeros.update(blank)
    for cell in tables.cells:
        key = (cell.table, cell.row, cell.col)
        if key in zeros and cell.value is None:
            cell.value = 0
            getattr(tables, cell.table).setdefault(cell.row, {})[cell.col] = 0
            tables.inferred.append(".".join(key))
    left_out = [(position, problem) for key, (position, problem) in tables.blanks.items() if key not in zeros]
    for position, problem in reversed(left_out):  # in reading order, among the other problems
        tables.problems.insert(position, problem)
    tables.unlisted += max(0, len(tables.problems) - MAX_PROBLEMS)
    del tables.problems[MAX_PROBLEMS:]


# ---- 表四 -------------------------------------------------------------------------

_REVIEW_GROUPS = T.compile_patterns(T.REVIEW_GROUPS)
_REVIEW_WIDTH = len(T.REVIEW_GROUP_KEYS) * len(T.REVIEW_OUTCOME_KEYS)
_REVIEW_OUTCOME_OF = {label: key for key, label in T.REVIEW_OUTCOMES}


def _read_review(lines, tables: Tables):
    """表四 as one flattened row of 15, as a row per group, or transposed (a row per outcome)."""
    by_group, by_outcome, flat, explicit = {}, {}, [], True
    for cells, line_explicit in lines:
        labels = [cell for cell in cells if is_label(cell)]
        if labels:  # empty cells before a label are what its span left, not blank figures
            cells = cells[next(i for i, cell in enumerate(cells) if cell):]
        values = cells[len(labels):] if labels == cells[:len(labels)] else [c for c in cells if not is_label(c)]
        if not values or labels and all(parse_number(value) is None for value in values):
            continue  # a header line: its empty cells are what spans left, not blank figures
        if len(labels) == 1:
            group = _review_group(labels[0])
            outcome = _REVIEW_OUTCOME_OF.get(squeeze(labels[0]))
            row = _Row(group or outcome, labels[0], values, line_explicit)
            fitted = _fit(row, len(T.REVIEW_OUTCOME_KEYS) if group else len(T.REVIEW_GROUP_KEYS))
            if fitted is not None and (group or outcome):
                (by_group if group else by_outcome)[group or outcome] = fitted
                continue
        flat.extend(values)
        explicit = explicit and line_explicit
    if len(by_outcome) == len(T.REVIEW_OUTCOME_KEYS) and not by_group:
        by_group = {group: [by_outcome[outcome][index] for outcome in T.REVIEW_OUTCOME_KEYS]
                    for index, group in enumerate(T.REVIEW_GROUP_KEYS)}
    if by_group:
        tables.found.add("review_litigation")
        for group, fitted in by_group.items():
            _store_review_group(tables, group, fitted)
        return
    if not flat:
        return
    tables.found.add("review_litigation")
    fitted = _fit(_Row("flat", "", flat, explicit), _REVIEW_WIDTH)
    if fitted is None:
        tokens = [value for value in flat if value != ""]
        if all(token.isdigit() for token in tokens):
            options = _summed_readings(tokens, len(T.REVIEW_GROUP_KEYS), 4, _Trials())
        else:
            options = _glued_readings(tokens, _REVIEW_WIDTH, _review_sums_hold, _Trials())
        if options is None or len(options) != 1:
            why = (" (glued numbers allow too many readings to check)" if options is None
                   else " (glued numbers allow no single reading)" if options else "")
            tables.problem(f"表四: {len(tokens)} values where 15 were expected{why}; table left out")
            return
        fitted = [str(number) for number in options[0]]
    for index, group in enumerate(T.REVIEW_GROUP_KEYS):
        _store_review_group(tables, group, fitted[index * 5:(index + 1) * 5])


def _review_group(label):
    flat = squeeze(label)
    for key, pattern in reversed(_REVIEW_GROUPS):
        if pattern.search(flat):
            return key
    return None


def _review_sums_hold(numbers) -> bool:
    return all(sum(numbers[i:i + 4]) == numbers[i + 4] for i in range(0, 15, 5))


def _store_review_group(tables, group, fitted):
    for outcome, raw in zip(T.REVIEW_OUTCOME_KEYS, fitted):
        _store_cell(tables, "review_litigation", group, outcome, raw,
                    f"表四 {T.REVIEW_LABELS[group]} / {T.REVIEW_OUTCOME_LABELS[outcome]}")


# ---- 表二 -------------------------------------------------------------------------

_ACTIVE_ROWS = T.compile_patterns(T.ACTIVE_ROWS)
_ACTIVE_COLUMNS = T.compile_patterns(T.ACTIVE_COLUMNS)
_HEADER_START = re.compile(r"信息内容")
_SECTION = re.compile(r"第二十条|第[一二三四五六七八九十]+项")
_COLUMNS_2021 = {"issued", "repealed", "in_force"}
_COLUMNS_2019 = {"new_made", "new_published", "total_published", "prev_items", "change", "items"}
_ROWS_2019 = {"other_services", "procurement"}
_MATTERS = {"licensing", "penalty", "coercion"}


def _read_active(lines, tables: Tables):
    rows, columns_of, columns, current, in_header = [], {}, [], None, False
    for cells, explicit in lines:
        index = 0
        while index < len(cells) and is_label(cells[index]):
            flat = squeeze(cells[index])
            index += 1
            if _HEADER_START.search(flat):
                columns, in_header, current = [], True, None
                words = cells[index - 1].split()[1:]  # the column headers on the same line as 信息内容
                columns += [next((k for k, pattern in _ACTIVE_COLUMNS if pattern.search(word)), None) for word in words]
                continue
            if _SECTION.search(flat):
                current, in_header = None, False
                continue
            key = next((key for key, pattern in _ACTIVE_ROWS if pattern.search(flat)), None)
            if key:
                current = _Row(key, cells[index - 1], explicit=explicit)
                rows.append(current)
                columns_of[id(current)] = list(columns)
                in_header = False
            elif in_header:  # PDF text writes a header row as one cell: '本年制发件数 本年废止件数 …'
                words = cells[index - 1].split() if len(cells[index - 1].split()) > 1 else [flat]
                columns += [next((k for k, pattern in _ACTIVE_COLUMNS if pattern.search(word)), None) for word in words]
            elif current is not None and current.values:
                current = None
        values = cells[index:]
        if values and current is not None:
            if current.values or index == 0:
                current.explicit = False
            current.values.extend(values)
    if not rows:
        return
    tables.found.add("active")
    named = {key for header in columns_of.values() for key in header if key}
    # 表二's own labels say its format; 表三 may follow the other one (SCHEMA.md: mixed templates).
    # Without telling headers, the matters rows' widths tell: one figure in 2021, three in 2019.
    widths = {len([value for value in row.values if value != ""]) for row in rows if row.key in _MATTERS}
    if named & _COLUMNS_2021:
        own = T.TEMPLATE_2021
    elif named & _COLUMNS_2019 or {row.key for row in rows} & _ROWS_2019:
        own = T.TEMPLATE_2019
    else:
        own = {frozenset({1}): T.TEMPLATE_2021, frozenset({3}): T.TEMPLATE_2019}.get(frozenset(widths))
    template = own or tables.template or T.TEMPLATE_2021
    tables.template = own or tables.template
    layout = T.ACTIVE_LAYOUT[template]
    for row in rows:
        _store_active_row(tables, row, columns_of[id(row)], layout, template)


def _store_active_row(tables, row, header, layout, template):
    expected = layout.get(row.key)
    if expected is None:
        tables.problem(f"表二 {row.label}: not a row of the {template} template; left out")
        return
    columns = header if header and len(header) == len(expected) else list(expected)
    # A header column the row doesn't have in this template (a lost or misplaced header): use the template's.
    columns = [column if column in expected else fallback for column, fallback in zip(columns, expected)]
    values = [value for value in row.values]
    fitted = _fit(_Row(row.key, row.label, values, row.explicit), len(columns))
    if fitted is None and len(values) > len(columns):
        extra = [value for value in values[len(columns):] if value != ""]
        fitted = values[:len(columns)]
        repeated_span = all(value == fitted[-1] for value in extra)  # Markdown repeats a merged cell
        if not repeated_span and any(parse_number(value) not in (0, None) for value in extra):
            tables.problem(
                f"表二 {row.label}: values beyond the header's columns ignored ({' | '.join(extra)[:80]})")
    if fitted is None:
        # Glued digits (`规章 000`): 表二 has no sums, so only a run that splits one way alone is read.
        tokens = [value for value in values if value != ""]
        # Only plain digit runs: a sign or a decimal point may be glued to its neighbour too ('101-52467').
        options = _glued_readings(tokens, len(columns), lambda numbers: True, _Trials()) \
            if all(token.isdigit() for token in tokens) else []
        if options and len(options) == 1:
            fitted = [str(number) for number in options[0]]
    if fitted is None:
        why = " (glued digits that split more than one way)" if options else ""
        tables.problem(
            f"表二 {row.label}: {len(tokens)} values where {len(columns)} were expected{why}; row left out")
        return
    for column, raw in zip(columns, fitted):
        _store_cell(tables, "active", row.key, column, raw, f"表二 {row.label} / {column}")
        if column == "amount" and tables.active.get(row.key, {}).get(column) is not None:
            tables.active[row.key][column] = tables.cells[-1].value = _in_wan_yuan(tables.cells[-1].value, raw)


_YUAN = re.compile(r"(千)?元\s*$")


def _in_wan_yuan(value, raw):
    """表二's amounts are in 万元; a cell printed as `251000元` (or 千元) says its own unit."""
    unit = _YUAN.search(raw.strip())
    if unit is None or raw.strip().endswith("万元"):
        return value
    return round(value / (10 if unit.group(1) else 10000), 6)
