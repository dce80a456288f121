"""Cells of a table as text: split a line into cells, and read a cell's number.

Every table layout ends up here as lines: HTML rows (html.py writes them as `a | b |`),
pipe- or tab-separated dumps, one cell per line, PDF text with space-separated numbers,
Markdown. A cell is a label, a number, or a blank (empty, `/`, `-`, `无` …).
"""
import re

_UNITS = r"(?:件次|人次|万元|千元|元|件|条|次|个|项|家|宗|份|人|篇|期|场)"
# Possessive quantifiers (*+): two runs of white space with only optional text between
# them would otherwise be tried at every split, quadratic in a long run of spaces.
_NUMBER = re.compile(
    r"""^["'“”‘’`]*+\s*+
    (?P<sign>[-+−]*+)\s*+
    (?P<digits>\d{1,3}(?:[,，]\d{3})+|\d+)(?P<fraction>\.\d+)?
    \s*+""" + _UNITS + r"""?\s*+["'“”‘’`]*+$""",
    re.VERBOSE,
)
BLANK_MARKS = frozenset(["", "/", "-", "--", "—", "——", "－", "无", "不适用", "空", "\\", "×", "/ ", "N/A", "n/a"])
_MARKDOWN_RULE = re.compile(r"^\s*+\|?\s*+:?-{2,}+:?\s*+(?:\|\s*+:?-{2,}+:?\s*+)*+\|?\s*+$")
_SPACES = re.compile(r"\s+")
# A digit run longer than this is text, never int() (Python refuses int() of more than 4,300
# digits, and no count has them). Shorter runs past a figure's dozen digits are kept: a text
# dump glues a row's figures into one run ("1,199689"), which tables.py splits when the
# table's sums allow exactly one reading; a row holds at most a few dozen figures.
MAX_DIGITS = 200
DIGIT_RUN = re.compile(r"^\d[\d,]{0,%d}\d$" % (MAX_DIGITS - 2))  # "1,199689": glued figures, split later


def parse_number(cell: str):
    """'1,234' -> 1234, '335次' -> 335, '+3' -> 3, '--253' -> -253, '12.50' -> 12.5; else None
    (also for a digit run longer than MAX_DIGITS: text, not a figure)."""
    match = _NUMBER.match(cell.strip())
    if not match:
        return None
    digits = match["digits"].replace(",", "").replace("，", "")
    if len(digits) > MAX_DIGITS or len(match["fraction"] or "") > MAX_DIGITS:
        return None
    negative = "-" in match["sign"] or "−" in match["sign"]
    if match["fraction"]:
        value = float(digits + match["fraction"])
    else:
        value = int(digits)
    return -value if negative else value


def is_blank(cell: str) -> bool:
    return cell.strip() in BLANK_MARKS


def is_label(cell: str) -> bool:
    return not is_blank(cell) and parse_number(cell) is None


def squeeze(label: str) -> str:
    """Label text with all white space removed: '结果 维持' -> '结果维持'."""
    return _SPACES.sub("", label)


def split_line(line: str) -> tuple[list[str], bool]:
    """Split one line into cells; the flag says whether empty cells are real positions.

    Pipes and tabs keep empty cells (a blank cell must not shift later values); a line
    without either is PDF-style text: a label followed by space-separated numbers.
    """
    if "|" in line:
        if _MARKDOWN_RULE.match(line):
            return [], True
        cells = [cell.strip() for cell in line.split("|")]
        # '| a | b |' is a Markdown border; ' | b |' is a row whose first cell is empty, as
        # html.py, pdf.py and office.py write it (cells joined by ' | ').
        if line.startswith("|"):
            cells = cells[1:]
        if line.rstrip().endswith("|"):
            cells = cells[:-1]
        return cells, True
    if "\t" in line:
        return [cell.strip() for cell in line.split("\t")], True
    return _split_spaced(line), False


class SpacedCells(list):
    """The cells of a space-separated line, and the character offset where each value ends:
    in text laid out by column (pdftotext -layout) a blank cell shows only as wider space."""
    ends: list[int] = []


_TOKEN = re.compile(r"\S+")
_WIDE_SPACE = re.compile(r"(?:^|\S) {2,}\S")


def _split_spaced(line: str) -> list[str]:
    tokens = line.split()
    if not tokens:
        return []
    end = len(tokens)
    while end > 0 and (parse_number(tokens[end - 1]) is not None or tokens[end - 1] in BLANK_MARKS
                       or DIGIT_RUN.match(tokens[end - 1])):
        end -= 1
    values = tokens[end:]
    if not any(parse_number(token) is not None or DIGIT_RUN.match(token) for token in values):
        return [" ".join(tokens)]
    label = " ".join(tokens[:end])
    cells = SpacedCells(([label] if label else []) + values)
    if _WIDE_SPACE.search(line.rstrip()):  # single spaces tell no columns: a text dump of words
        cells.ends = [match.end() for match in _TOKEN.finditer(line)][end:]
    return cells
