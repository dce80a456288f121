"""Figures stated in prose: the only figures a pre-2019 report has, and a cross-check for the rest.

Each figure is read from the sentence that states it; a sentence that says none occurred
(未收到…申请, 未发生…行政复议) states a zero. `依申请公开信息数 N 条` counts items of
information, not applications, and is never taken as applications received.
"""
import re

from .cells import parse_number

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
_CLAUSE = re.compile(r"[^，,]+")
_INFORMATION_ITEMS = re.compile(r"依申请公开(?:政府)?信息(?:数|条数)")


def read_narrative(text: str) -> dict:
    """{key: number} for every figure the prose states (first statement wins) in its first
    MAX_PROSE_CHARS characters."""
    found = {}
    for sentence in _SENTENCE.findall(_unwrap(text[:MAX_PROSE_CHARS])):
        if "|" in sentence or "\t" in sentence:
            continue  # a table row, not prose
        for key, patterns in _COMPILED.items():
            if key in found:
                continue
            text = sentence
            if key == "applications_received":
                text = _without_information_items(sentence)
            for pattern in patterns:
                match = pattern.search(text)
                if match:
                    value = parse_number(match.group(1))
                    if value is not None:
                        found[key] = value
                        break
            else:
                if any(pattern.search(text) for pattern in _NONE.get(key, [])):
                    found[key] = 0
    return found


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
