"""Issue 10, cases 1-4: tables as real reports print them, read by the tables' own arithmetic.

The realistic fixtures (tests/fixtures/realistic/tables_*) were written from designed numbers;
their gold records are that design. Each case is checked against its gold record, and each
has a test that what cannot be placed with certainty is left out and named, never guessed.
"""
import json
from pathlib import Path

from parsers import parse_file
from parsers.record import parse_document

REALISTIC = Path(__file__).resolve().parents[1] / "fixtures" / "realistic"
FIGURE_TABLES = ("active", "applications", "review_litigation")


def gold(name: str) -> dict:
    return json.loads((REALISTIC / f"{name}.gold.json").read_text(encoding="utf-8"))["record"]


def read(name: str, extension: str) -> dict:
    return parse_file(REALISTIC / f"{name}.{extension}").record


def parse_text(text: str) -> dict:
    return parse_document(text.encode("utf-8"), "inline.txt").record


def assert_figures_match(record: dict, expected: dict, *, left_out=()):
    """Every gold cell read as designed, no cell the gold lacks, except rows named in left_out."""
    for table in FIGURE_TABLES:
        for row, cells in expected[table].items():
            if (table, row) in left_out:
                assert row not in record[table], (table, row)
                continue
            assert record[table].get(row) == cells, (table, row)
        assert set(record[table]) <= set(expected[table]), table


# ---- case 1: blank cells that mean 0 ---------------------------------------------------

def test_blank_zeros_are_stored_as_zero_where_a_stated_total_proves_them(validate_record):
    record, expected = read("tables_blank_zeros_shanghai", "html"), gold("tables_blank_zeros_shanghai")
    validate_record(record)
    assert_figures_match(record, expected)
    assert record["template"] == "2021"
    inferred = set(record["inferred"])
    assert "applications.disclosed.research" in inferred  # row total 29 = 23 + 4 + 2
    assert "applications.withheld_state_secret.natural_person" in inferred  # only (七)总计 proves it
    assert "review_litigation.review.other" in inferred
    for path in inferred:
        table, row, column = path.split(".")
        assert record[table][row][column] == 0
    # every blank the totals do not prove is named, and absent from the record
    named = [problem for problem in record["problems"] if problem.endswith("blank cell (left out)")]
    assert len(named) == sum(7 for row in expected["applications"]) + 15 - sum(
        len(cells) for table in ("applications", "review_litigation") for cells in expected[table].values())
    assert [problem for problem in record["problems"] if problem not in named] == []


def test_a_blank_total_and_a_blank_its_total_exceeds_stay_out_and_are_named():
    record = read("tables_blank_zeros_shanghai", "html")
    # 2.其他法律行政法规禁止公开 is all 0, printed all empty: its cells proven by (七)总计, its total never filled in
    assert "total" not in record["applications"]["withheld_prohibited_by_law"]
    assert "表三 2.其他法律行政法规禁止公开 / 总计: blank cell (left out)" in record["problems"]
    # 本机关不掌握 / 法律服务机构 is an omitted 1: row total 12 > 9 + 2, (七)总计 3 > 2
    assert "legal_service" not in record["applications"]["unavailable_not_held"]
    assert "表三 (四)无法提供 1.本机关不掌握相关政府信息 / 法律服务机构: blank cell (left out)" in record["problems"]
    assert "applications.unavailable_not_held.legal_service" not in record["inferred"]
    assert "suit_after_review" not in record["review_litigation"]  # a group with an empty total


def test_blank_cells_without_totals_that_add_up_are_never_filled():
    text = PIPE_2021.replace("| 一、本年新收政府信息公开申请数量 | 5 | 1 | 0 | 0 | 0 | 0 | 6 |",
                             "| 一、本年新收政府信息公开申请数量 | 5 |  | 0 | 0 | 0 | 0 | 7 |")
    record = parse_text(text)
    assert "commercial" not in record["applications"]["new_received"]
    assert record["inferred"] == []
    assert any("本年新收" in problem and "blank cell" in problem for problem in record["problems"])


# ---- case 2: mixed templates, misspelt and wrapped labels ----------------------------------

def test_a_2021_active_table_beside_a_2019_other_handling_row_is_read_in_its_own_format():
    record, expected = read("tables_mixed_templates_wps", "txt"), gold("tables_mixed_templates_wps")
    assert_figures_match(record, expected)
    assert record["template"] == "2021"  # template follows 表二
    assert record["active"]["normative_docs"] == expected["active"]["normative_docs"]
    assert "other_handling" in record["applications"]
    assert record["problems"] == []  # the 2019 表三 is checked by its own rows: no 'row not found'


def test_misspelt_and_wrapped_labels_find_their_rows():
    record, expected = read("tables_mixed_templates_wps", "txt"), gold("tables_mixed_templates_wps")
    for row in ("withheld_prohibited_by_law", "withheld_enforcement_records", "rejected_confirmation"):
        assert record["applications"][row] == expected["applications"][row]


# ---- case 3: PDF- and OCR-derived text and Markdown ----------------------------------

def test_text_laid_out_by_column_places_figures_under_their_columns_across_a_page_break():
    record, expected = read("tables_pdf_layout_pagebreak", "txt"), gold("tables_pdf_layout_pagebreak")
    assert_figures_match(record, expected)
    assert record["applications"]["rejected_petition"] == expected["applications"]["rejected_petition"]  # page 2
    assert "applications.rejected_petition.commercial" in record["inferred"]


def test_markdown_cut_into_one_table_per_group_after_six_prose_chapters():
    record, expected = read("tables_markdown_groups_renumbered", "md"), gold("tables_markdown_groups_renumbered")
    assert_figures_match(record, expected)
    assert record["problems"] == []


def test_two_rows_values_on_one_line_go_to_the_rows_in_label_order():
    text = OCR_2021.replace("2.其他法律行政法规禁止公开 3 0 0 0 0 0 3\n3.危及“三安全一稳定” 0 0 0 0 0 0 0",
                            "2.其他法律行政法规禁止公开 3 0 0 0 0 0 3 0 0 0 0 0 0 0\n3.危及“三安全一稳定”")
    record = parse_text(text)
    assert record["applications"]["withheld_prohibited_by_law"]["natural_person"] == 3
    assert record["applications"]["withheld_security_stability"]["total"] == 0
    assert [problem for problem in record["problems"] if "表三" in problem] == []


def test_two_rows_on_one_line_that_break_a_row_sum_are_left_out():
    text = OCR_2021.replace("2.其他法律行政法规禁止公开 3 0 0 0 0 0 3\n3.危及“三安全一稳定” 0 0 0 0 0 0 0",
                            "2.其他法律行政法规禁止公开 3 0 0 0 0 0 3 0 0 0 0 0 0 9\n3.危及“三安全一稳定”")
    record = parse_text(text)
    assert "withheld_prohibited_by_law" not in record["applications"]
    assert "withheld_security_stability" not in record["applications"]
    assert any("禁止公开" in problem and "row left out" in problem for problem in record["problems"])


def test_a_page_number_between_two_rows_of_pdf_text_is_no_figure():
    text = OCR_2021.replace("（二）部分公开", "3\n（二）部分公开")
    record = parse_text(text)
    assert record["applications"] == parse_text(OCR_2021)["applications"]
    assert [problem for problem in record["problems"] if "表三" in problem] == []


def test_a_footer_and_the_header_again_after_a_page_break_change_nothing():
    header = "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和) 申请人情况\n自然人 法人或其他组织 总计\n" \
             "商业企业 科研机构 社会公益组织 法律服务机构 其他\n"
    text = OCR_2021.replace("（四）无法提供", "— 4 —\n某镇人民政府2023年政府信息公开工作年度报告\n" + header + "（四）无法提供")
    record = parse_text(text)
    assert record["applications"] == parse_text(OCR_2021)["applications"]


def test_a_row_whose_blank_left_no_trace_is_left_out_not_shifted():
    text = OCR_2021.replace("（一）予以公开 17 3 0 1 2 0 23", "（一）予以公开 17 3 1 2 23")
    record = parse_text(text)
    assert "disclosed" not in record["applications"]
    assert any("予以公开" in problem and "left out" in problem for problem in record["problems"])


# ---- case 4: glued text dumps -----------------------------------------------------------

def test_a_glued_page_txt_is_split_where_the_sums_allow_one_reading_only():
    record, expected = read("tables_glued_page_txt", "txt"), gold("tables_glued_page_txt")
    assert_figures_match(record, expected, left_out={("active", "normative_docs")})
    # 一、本年新收 '275002135' splits two ways by its row total; the column sums pick one
    assert record["applications"]["new_received"] == expected["applications"]["new_received"]
    assert record["active"]["rules"] == {"issued": 0, "repealed": 0, "in_force": 0}  # '000' has one reading
    assert "表二 行政规范性文件: 1 values where 3 were expected (glued digits that split more than one way); " \
           "row left out" in record["problems"]


def test_a_glued_row_with_two_readings_and_no_column_sums_is_left_out():
    text = ("某县民政局2022年政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n"
            "自然人商业企业科研机构社会公益组织法律服务机构其他总计一、本年新收政府信息公开申请数量275002135"
            "二、上年结转政府信息公开申请数量1000001（一）予以公开3000003四、结转下年度继续办理0000000\n"
            "四、存在的主要问题及改进情况\n无\n")
    record = parse_text(text)
    assert "new_received" not in record["applications"]
    assert record["applications"]["carried_over"]["natural_person"] == 1
    assert any("本年新收" in problem and "more than one reading" in problem for problem in record["problems"])


def test_glued_table_four_of_fifteen_numbers():
    record, expected = read("tables_glued_page_txt", "txt"), gold("tables_glued_page_txt")
    assert record["review_litigation"] == expected["review_litigation"]


# ---- inputs shared by the tests above -------------------------------------------------------

PIPE_2021 = """某县民政局2022年政府信息公开工作年度报告
三、收到和处理政府信息公开申请情况
| 申请人情况 | 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |
| 一、本年新收政府信息公开申请数量 | 5 | 1 | 0 | 0 | 0 | 0 | 6 |
| 二、上年结转政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |
| （一）予以公开 | 6 | 1 | 0 | 0 | 0 | 0 | 7 |
| （七）总计 | 6 | 1 | 0 | 0 | 0 | 0 | 7 |
| 四、结转下年度继续办理 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
四、政府信息公开行政复议、行政诉讼情况
"""

OCR_2021 = """某镇人民政府2023年政府信息公开工作年度报告
三、收到和处理政府信息公开申请情况
(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和) 申请人情况
自然人 法人或其他组织 总计
商业企业 科研机构 社会公益组织 法律服务机构 其他
一、本年新收政府信息公开申请数量 38 9 1 1 4 0 53
二、上年结转政府信息公开申请数量 3 0 0 0 0 1 4
三、本年度办理结果 （一）予以公开 17 3 0 1 2 0 23
（二）部分公开（区分处理的，只计这一情形，不计其他情形） 8 0 1 0 0 1 10
（三）不予公开 1.属于国家秘密 0 0 0 0 0 0 0
2.其他法律行政法规禁止公开 3 0 0 0 0 0 3
3.危及“三安全一稳定” 0 0 0 0 0 0 0
4.保护第三方合法权益 0 0 0 0 0 0 0
5.属于三类内部事务信息 0 0 0 0 0 0 0
6.属于四类过程性信息 0 0 0 0 0 0 0
7.属于行政执法案卷 0 0 0 0 0 0 0
8.属于行政查询事项 0 0 0 0 0 0 0
（四）无法提供 1.本机关不掌握相关政府信息 4 1 0 0 0 0 5
2.没有现成信息需要另行制作 0 0 0 0 0 0 0
3.补正后申请内容仍不明确 1 0 0 0 0 0 1
（五）不予处理 1.信访举报投诉类申请 0 2 0 0 0 0 2
2.重复申请 4 2 0 0 0 0 6
3.要求提供公开出版物 0 0 0 0 0 0 0
4.无正当理由大量反复申请 0 0 0 0 0 0 0
5.要求行政机关确认或重新出具已获取信息 0 0 0 0 0 0 0
（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 2 1 0 0 0 0 3
2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请 0 0 0 0 0 0 0
3.其他 1 0 0 0 1 0 2
（七）总计 40 9 1 1 3 1 55
四、结转下年度继续办理 1 0 0 0 1 0 2
四、政府信息公开行政复议、行政诉讼情况
"""
