"""Text clean-up before reading: one Simplified, half-width form for every source.

Mirror sites re-host reports in Traditional characters with pinyin after each
character (`公(gōng)開`), official 繁體 gateways serve Big5 copies, and Word pastes
bring full-width digits, NBSP and zero-width characters. The readers downstream match
Simplified labels and ASCII digits, so all of that is undone here, once.
"""
from __future__ import annotations

import operator
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import opencc

__all__ = ["Converted", "clean", "strip_pinyin", "is_traditional", "to_simplified", "normalize_width"]


@dataclass(frozen=True)
class Converted:
    text: str
    traditional: bool  # the source was Traditional and was converted


# Share of CJK characters that t2s changes. Traditional reports score 0.25-0.4;
# Simplified ones with a few variant characters (乾, 覆, 於 in names) stay near 0.
TRADITIONAL_SHARE = 0.1

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_RUN = re.compile(f"[{_CJK}]+")

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"
_UNTONE = str.maketrans(_TONED, "aaaaeeeeiiiioooouuuuvvvvv")
# One or more "(syllable)" groups, ASCII or full-width brackets, right after a CJK char.
_ANNOTATIONS = re.compile(f"(?<=[{_CJK}])(?:[(（][a-z{_TONED}]{{1,6}}[1-5]?[)）])+")
_ANNOTATION = re.compile(f"[(（]([a-z{_TONED}]{{1,6}}[1-5]?)[)）]")
# Hanyu Pinyin syllables (tones removed, ü written v): an initial with a final, or a
# bare final that may stand alone. Words like "app", "pdf", "ie" are not syllables.
_SYLLABLE = re.compile(
    r"(?:(?:[zcs]h|[bpmfdtnlgkhjqxrzcsyw])"
    r"(?:i(?:ang|ong|ao|an|ng|a|e|u|n|o)?|u(?:ang|ai|an|a|o|i|n|e)?|v(?:an|e|n)?"
    r"|ang|eng|ong|ai|ei|ao|ou|an|en|a|o|e)"
    r"|ang|eng|ai|ei|ao|ou|an|en|er|a|o|e)[1-5]?"
)


def clean(text: str) -> Converted:
    """The whole stage: invisible characters, pinyin, Traditional, width."""
    text = strip_pinyin(text.translate(_INVISIBLE))
    traditional = is_traditional(text)
    if traditional:
        text = to_simplified(text)
    return Converted(normalize_width(text), traditional)


def strip_pinyin(text: str) -> str:
    """Remove pinyin annotations such as 鄉(xiāng) or 和(he)(he), and nothing else."""
    if "(" not in text and "（" not in text:
        return text
    return _ANNOTATIONS.sub(_drop_syllables, text)


def _drop_syllables(match: re.Match) -> str:
    """Drop the leading groups that are syllables; keep the rest as written."""
    run = match.group()
    for group in _ANNOTATION.finditer(run):
        if not _SYLLABLE.fullmatch(group.group(1).translate(_UNTONE)):
            return run[group.start():]
    return ""


def is_traditional(text: str) -> bool:
    """Whether enough of the CJK characters are Traditional-only forms."""
    hanzi = "".join(_CJK_RUN.findall(text))
    if not hanzi:
        return False
    changed = sum(map(operator.ne, hanzi, to_simplified(hanzi)))
    return changed / len(hanzi) >= TRADITIONAL_SHARE


def to_simplified(text: str) -> str:
    return _converter().convert(text)


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    # Loading the dictionaries costs milliseconds; converting costs microseconds.
    return opencc.OpenCC("t2s")


def normalize_width(text: str) -> str:
    """NFKC: full-width digits, letters and punctuation to ASCII, U+3000 and NBSP to space."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text)
