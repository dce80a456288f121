"""Metadata as real pages and text dumps give it: field labels, agencies named before the
year, titles the portal cut short, dates in Chinese numerals, a year only in the body."""
import pytest

from parsers import parse_document
from parsers.metadata import read_metadata

TITLE = "平潭综合实验区社会事业局2019年政府信息公开工作年度报告"


def parsed(text: str) -> dict:
    return parse_document(text.encode(), "page.txt").record


@pytest.mark.parametrize("first_line", [f"标题:{TITLE}", f"标题：{TITLE}", f"标 题：{TITLE}", f"名称：{TITLE}"])
def test_field_labels_are_not_part_of_the_title_or_the_agency(first_line):
    record = parsed(f"{first_line}\n发布机构：平潭综合实验区社会事业局\n发布时间：2020-01-21\n正文。")
    assert record["title"] == TITLE
    assert record["agency"] == "平潭综合实验区社会事业局"
    assert record["year"] == 2019
    assert record["published_on"] == "2020-01-21"


@pytest.mark.parametrize("title, agency", [
    (TITLE, "平潭综合实验区社会事业局"),
    ("2019年平潭综合实验区政府信息公开工作年度报告", "平潭综合实验区"),
    ("关于示范县人民政府2017年度政府信息公开工作年度报告的公告", "示范县人民政府"),
    ("示范市人民政府办公室政府信息公开工作年度报告（2018年）", "示范市人民政府办公室"),
    ("二〇一七年度示范镇人民政府信息公开年报", "示范镇人民政府"),
])
def test_the_agency_is_the_body_named_around_the_year(title, agency):
    assert read_metadata("正文。", title).agency == agency


@pytest.mark.parametrize("title", ["2019年度报告", "政府信息公开工作年度报告", "2019年政府信息公开工作年度报告"])
def test_report_words_are_never_the_agency(title):
    meta = read_metadata("正文。", title, {"publisher": "发布机构：示范区司法局"})
    assert meta.agency == "示范区司法局"
    assert read_metadata("正文。", title).agency is None


def test_a_fuller_title_on_the_page_beats_one_without_an_agency():
    meta = read_metadata(f"2019年度报告\n{TITLE}\n正文。", "2019年度报告")
    assert meta.title == TITLE and meta.agency == "平潭综合实验区社会事业局"


def test_a_title_cut_short_by_the_portal_gives_way_to_the_full_one():
    meta = read_metadata(f"{TITLE}\n正文。", "平潭综合实验区社会事业局2019年政府信息公开工…")
    assert meta.title == TITLE
    assert meta.agency == "平潭综合实验区社会事业局"


def test_a_title_cut_short_with_no_full_one_keeps_its_agency_and_year():
    meta = read_metadata("正文。", "平潭综合实验区社会事业局2019年政府信息...")
    assert meta.agency == "平潭综合实验区社会事业局" and meta.year == 2019


@pytest.mark.parametrize("signature, date", [
    ("二〇二〇年一月十日", "2020-01-10"),
    ("二○一八年十二月二十八日", "2018-12-28"),
    ("二〇一九年三月三十一日", "2019-03-31"),
    ("2020年1月10日", "2020-01-10"),
])
def test_signature_dates_in_chinese_numerals(signature, date):
    text = f"{TITLE}\n正文。\n平潭综合实验区社会事业局\n{signature}\n打印本页\n关闭窗口"
    assert parsed(text)["published_on"] == date


def test_the_year_only_in_the_body():
    text = "政府信息公开工作年度报告\n根据《条例》要求，现公布示范县水利局2016年度政府信息公开工作年度报告。\n正文。"
    meta = read_metadata(text)
    assert meta.year == 2016
    assert meta.title == "政府信息公开工作年度报告"


def test_the_agency_from_the_signature_when_the_title_names_none():
    text = "2016年政府信息公开工作年度报告\n正文。\n示范县水利局\n二〇一七年三月二十日"
    meta = read_metadata(text)
    assert meta.agency == "示范县水利局"
    assert meta.published_on == "2017-03-20"


def test_a_title_printed_on_two_lines_is_joined():
    text = "           南浦县自然资源局\n   2019年政府信息公开工作年度报告\n\n  本报告根据《条例》编制。"
    meta = read_metadata(text)
    assert meta.title == "南浦县自然资源局2019年政府信息公开工作年度报告"
    assert meta.agency == "南浦县自然资源局"


def test_a_heading_above_the_title_is_not_joined_to_it():
    meta = read_metadata("政府信息公开\n2019年政府信息公开工作年度报告\n正文。")
    assert meta.title == "2019年政府信息公开工作年度报告"
    assert meta.agency is None


def test_replica_pages_with_a_labelled_title_and_a_cut_title_tag():
    from replica.generator import generate, render_html
    pages = [(truth, page) for index, truth in enumerate(generate(12, 150))
             for page in [render_html(truth, style="hanweb", seed=index)] if "<p>标题：" in page]
    assert pages
    for truth, page in pages:
        record = parse_document(page.encode(), "page.html").record
        assert (record["title"], record["agency"], record["year"]) == (truth["title"], truth["agency"], truth["year"])
