"""parsers.convert: pinyin annotations, Traditional detection and conversion, width."""
import re

import pytest

from parsers.convert import Converted, clean, is_traditional, normalize_width, strip_pinyin, to_simplified
from tests.conftest import SEEDS

MIRROR = next(SEEDS.glob("001_*.txt"))
# Any parenthesized lowercase Latin run, toned or not: what an annotation looks like.
LATIN_GROUP = re.compile(r"[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüv]+[1-5]?[)）]")


@pytest.mark.parametrize("annotated, plain", [
    ("五原縣和勝鄉(xiāng)", "五原縣和勝鄉"),
    ("公(gong)開", "公開"),
    ("和(he)(he)勝", "和勝"),
    ("公（gōng）開", "公開"),
    ("鄉(xiang1)鎮(zhèn)", "鄉鎮"),
    ("綠(lǜ)化、女(nv)性", "綠化、女性"),
    ("區(qū)分處(chù)理", "區分處理"),
    ("報(bào)告(gào)(PDF)", "報告(PDF)"),
])
def test_strip_pinyin_removes_annotations(annotated, plain):
    assert strip_pinyin(annotated) == plain


@pytest.mark.parametrize("text", [
    "(一)主动公开情况",
    "（一）主动公开情况",
    "根据《条例》(以下简称《条例》)",
    "本年收费金额(单位:万元)",
    "网站查看(http://www.elc.gov.cn/)",
    "详见附件(PDF)",
    "政务新媒体(app)",
    "统计年度(2021)",
    "see item (a) and Latin text(a)",
    "使用浏览器(ie)访问",
    "(xiāng) at the start of a line",
    "年度报告(zh)",
])
def test_strip_pinyin_keeps_real_parentheses(text):
    assert strip_pinyin(text) == text


def test_mirror_seed_is_clean_after_clean():
    raw = MIRROR.read_text(encoding="utf-8")
    result = clean(raw)
    assert result.traditional is True
    assert result.text.splitlines()[0] == "五原县和胜乡2021年政府信息公开工作年度报告"
    assert "五原县和胜乡2021年政府信息公开工作年度报告" in result.text
    assert LATIN_GROUP.findall(result.text) == []
    # Every "(" in the source that does not open an annotation is a real parenthesis.
    real = len(re.findall(r"\((?![a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü])", raw))
    assert real == 25
    assert result.text.count("(") == real
    assert "(内政公发〔2020〕2号精神" in result.text  # unbalanced in the source, kept as is
    assert "(区分处理的,只计这一情形,不计其他情形)" in result.text


def test_is_traditional_both_ways():
    assert is_traditional("長沙市雨花區民政局2023年政府資訊公開工作年度報告") is True
    assert is_traditional("年度報告") is True
    # Simplified text keeping variants t2s leaves alone (乾, 覆), or one Traditional
    # character in 25 (a 繁體版 link: a share of 0.04, under the threshold).
    assert is_traditional("乾隆年间覆盖全区，于此基础上鄂伦春自治旗民政局2023年政府信息公开工作年度报告") is False
    assert is_traditional("鄂伦春自治旗民政局2023年政府信息公开工作年度报告（繁體版）") is False
    assert is_traditional("民政局政府資訊公開年度報告（繁體版）") is True  # 5 in 16
    assert is_traditional("2023 ABC") is False
    assert is_traditional("") is False


def test_to_simplified_and_the_variant_opencc_keeps():
    assert to_simplified("五原縣和勝鄉政務公開") == "五原县和胜乡政务公开"
    assert to_simplified("行政覆議") == "行政覆议"


def test_normalize_width():
    assert normalize_width("２０２３年　ＡＢＣ（一）：１２\u00a03％") == "2023年 ABC(一):12 3%"
    assert normalize_width("已经是半角 2023") == "已经是半角 2023"


def test_clean_removes_invisible_characters_and_normalizes():
    text = "年\u200b度\u200c报\u200d告\u2060\ufeff２０２３\u00ad年"
    assert clean(text) == Converted("年度报告2023年", False)


def test_clean_traditional_big5_copy():
    assert clean("長沙市雨花區民政局（以下簡稱「本局」）２０２３年") == Converted(
        "长沙市雨花区民政局(以下简称「本局」)2023年", True)  # t2s leaves corner quotes


def test_clean_simplified_is_not_converted():
    text = "乾县民政局2023年政府信息公开工作年度报告"
    assert clean(text) == Converted(text, False)
