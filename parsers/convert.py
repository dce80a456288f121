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

# Zero-width characters, BOMs, soft hyphens and NUL: none is seen, and each breaks a figure ('12\x00').
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\x00]")
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_SAMPLE = 20000  # characters read to decide Traditional: a report's language is uniform

# Hanyu Pinyin syllables (ü also written v): an initial with a final, or a bare final
# that may stand alone. Words like "app", "pdf", "ie" are not syllables.
_SYLLABLE = (
    "(?:(?:[zcs]h|[bpmfdtnlgkhjqxrzcsyw])"
    "(?:i(?:ang|ong|ao|an|ng|a|e|u|n|o)?|u(?:ang|ai|an|a|o|i|n|e)?|v(?:an|e|n)?"
    "|ang|eng|ong|ai|ei|ao|ou|an|en|a|o|e)"
    "|ang|eng|ai|ei|ao|ou|an|en|er|a|o|e)[1-5]?"
)
# Each vowel may carry a tone mark (the classes only hold consonants, so this is safe).
_TONED = str.maketrans({"a": "[aāáǎà]", "e": "[eēéěè]", "i": "[iīíǐì]", "o": "[oōóǒò]",
                        "u": "[uūúǔù]", "v": "[vüǖǘǚǜ]"})
_TONED_SYLLABLE = _SYLLABLE.translate(_TONED)
# One or more "(syllable)" groups right after a CJK character, ASCII or full-width
# brackets. The lookbehind follows the bracket so the engine can skip ahead to brackets.
_ANNOTATIONS = re.compile(
    f"[(（](?<=[{_CJK}][(（]){_TONED_SYLLABLE}[)）](?:[(（]{_TONED_SYLLABLE}[)）])*"
)


def clean(text: str) -> Converted:
    """The whole stage: invisible characters, pinyin, Traditional, width."""
    text = strip_pinyin(_INVISIBLE.sub("", text))
    traditional = is_traditional(text)
    if traditional:
        text = to_simplified(text)
    return Converted(normalize_width(text), traditional)


def strip_pinyin(text: str) -> str:
    """Remove pinyin annotations such as 鄉(xiāng) or 和(he)(he), and nothing else."""
    return _ANNOTATIONS.sub("", text)


def is_traditional(text: str) -> bool:
    """Whether enough CJK characters (in the first 20,000 characters) are Traditional forms."""
    hanzi = "".join(_CJK_RUN.findall(text, 0, _SAMPLE))
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
    return unicodedata.normalize("NFKC", text)
