"""Pre-2019 reports: the old 政府信息公开情况统计表 first, prose second, and every trap that
put a wrong number in the record without a problem (SCHEMA.md, issue 10)."""
from parsers import parse_document
from parsers.narrative import read_narrative

HEADER = "指标名称 | 计量单位 | 本年度 | 历年累计 |"


def test_statistics_table_is_read_from_its_current_year_column():
    text = "\n".join([
        "政府信息公开情况统计表", HEADER,
        "一、主动公开情况 | | | |",
        "（一）主动公开政府信息数 | 条 | 1,286 | 15,407 |",
        "其中：主动公开规范性文件数 | 条 | 17 | 203 |",
        "二、依申请公开情况 | | | |",
        "（一）受理政府信息公开申请总数 | 件 | 64 | 581 |",
        "三、行政复议数 | 件 | 3 | 22 |",
        "四、行政诉讼数 | 件 | 1 | 9 |",
    ])
    found = read_narrative(text, 2016)
    assert found.figures == {"proactive_total": 1286, "applications_received": 64, "reviews": 3, "lawsuits": 1}
    assert found.from_table == set(found.figures)
    assert found.problems == []


def test_quantity_column_and_cumulative_first():
    text = "\n".join(["指标名称 | 单位 | 历年累计 | 数量 |",
                      "主动公开政府信息数 | 条 | 9,870 | 412 |",
                      "受理政府信息公开申请总数 | 件 | 77 | 6 |"])
    assert read_narrative(text, 2014).figures == {"proactive_total": 412, "applications_received": 6}


def test_blank_current_year_cell_is_left_out_not_taken_from_the_cumulative_column():
    text = "\n".join([HEADER, "主动公开政府信息数 | 条 | / | 15,407 |", "行政复议数 | 件 | 0 | 4 |"])
    found = read_narrative(text, 2013)
    assert found.figures == {"reviews": 0}
    assert any("主动公开政府信息数" in problem and "'/'" in problem for problem in found.problems)


def test_two_columns_without_a_header_are_not_guessed():
    text = "主动公开政府信息数 | 条 | 1286 | 15407 |\n本年度未收到政府信息公开申请。"
    found = read_narrative(text, 2016)
    assert "proactive_total" not in found.figures
    assert found.figures == {"applications_received": 0}
    assert any("which of its columns" in problem for problem in found.problems)


def test_table_wins_over_prose_and_the_disagreement_is_named():
    text = "2016年，我局共主动公开政府信息1300条。\n" + HEADER + "\n主动公开政府信息数 | 条 | 1286 | 15407 |"
    found = read_narrative(text, 2016)
    assert found.figures["proactive_total"] == 1286
    assert any("1300" in problem and "1286" in problem for problem in found.problems)


def test_service_hall_applications_are_not_disclosure_applications():
    text = ("2017年，县行政服务中心共受理申请136437件，办结136401件。\n"
            "三、依申请公开政府信息情况\n全年共收到政府信息公开申请12件，均按时答复。")
    assert read_narrative(text, 2017).figures["applications_received"] == 12


def test_service_hall_figure_alone_is_left_out_and_named():
    found = read_narrative("2017年，县政务服务大厅全年共受理申请136437件，按时办结率100%。", 2017)
    assert "applications_received" not in found.figures
    assert any("service hall" in problem for problem in found.problems)


def test_items_of_information_are_not_applications():
    found = read_narrative("全年依申请公开信息数58条。", 2015)
    assert "applications_received" not in found.figures


def test_cumulative_proactive_figure_is_not_this_years():
    found = read_narrative("截至2017年底，我局累计主动公开政府信息12345条。", 2017)
    assert "proactive_total" not in found.figures
    assert any("cumulative" in problem for problem in found.problems)
    both = read_narrative("截至2017年底，我局累计主动公开政府信息12345条。2017年，我局主动公开政府信息1380条。", 2017)
    assert both.figures["proactive_total"] == 1380


def test_this_year_by_the_end_of_the_year_is_this_years():
    found = read_narrative("截至2017年12月31日，我局全年主动公开政府信息1380条。", 2017)
    assert found.figures["proactive_total"] == 1380


def test_previous_year_in_a_comparison_is_not_taken():
    text = "2016年主动公开政府信息1200条；2017年，我局主动公开政府信息1380条，同比增长15%。"
    assert read_narrative(text, 2017).figures["proactive_total"] == 1380
    found = read_narrative("较上年主动公开政府信息多180条。", 2017)
    assert "proactive_total" not in found.figures
    assert any("earlier year" in problem for problem in found.problems)


def test_a_part_is_not_the_whole():
    text = "其中，县教育局主动公开政府信息120条，县卫生局主动公开政府信息80条。全县共主动公开政府信息2210条。"
    assert read_narrative(text, 2016).figures["proactive_total"] == 2210


def test_review_of_no_disclosure_matter_is_not_a_disclosure_review():
    text = ("一、概述\n2016年，县法制办全年办理行政复议案件56件。\n"
            "四、因政府信息公开申请行政复议、提起行政诉讼情况\n本年度被申请行政复议2件，未发生行政诉讼。")
    found = read_narrative(text, 2016)
    assert found.figures["reviews"] == 2
    assert found.figures["lawsuits"] == 0


def test_pre2019_report_end_to_end_takes_the_table_and_names_its_doubts():
    text = "\n".join([
        "示范县民政局2015年政府信息公开工作年度报告",
        "一、概述",
        "2015年，县政务服务中心共受理申请52310件。截至2015年底，我局累计主动公开政府信息8808条。",
        "二、主动公开政府信息情况",
        "全年主动公开政府信息517条，较上年增加41条。",
        "三、依申请公开政府信息情况",
        "全年受理政府信息公开申请9件，依申请公开信息数23条。",
        "四、因政府信息公开申请行政复议、提起行政诉讼情况",
        "本年度未发生因政府信息公开引起的行政复议和行政诉讼。",
        "附件：政府信息公开情况统计表", HEADER,
        "主动公开政府信息数 | 条 | 517 | 8808 |",
        "受理政府信息公开申请总数 | 件 | 9 | 61 |",
        "行政复议数 | 件 | 0 | 2 |",
        "行政诉讼数 | 件 | 0 | 1 |",
    ])
    record = parse_document(text.encode(), "report.txt").record
    assert record["template"] == "pre2019"
    assert record["is_report"] is True
    assert record["narrative"] == {"proactive_total": 517, "applications_received": 9, "reviews": 0, "lawsuits": 0}
    assert record["problems"] == []


def test_statistics_table_in_pdf_text():
    text = "\n".join(["政府信息公开情况统计表", "指标名称 计量单位 本年度 历年累计",
                      "一、主动公开情况", "（一）主动公开政府信息数 条 1,286 15,407",
                      "其中：主动公开规范性文件数 条 17 203",
                      "（一）受理政府信息公开申请总数 件 64 581",
                      "三、行政复议数 件 3", "四、行政诉讼数 件 1 9"])
    found = read_narrative(text, 2016)
    assert found.figures == {"proactive_total": 1286, "applications_received": 64, "lawsuits": 1}
    assert any("行政复议数" in problem and "no trace" in problem for problem in found.problems)


def test_header_with_the_label_spanning_two_cells():
    text = "\n".join(["指标名称 | | 单位 | 本年度 | 历年累计 |",
                      "一、 | 主动公开政府信息数 | 条 | 230 | 1,904 |",
                      "二、 | 受理政府信息公开申请总数 | 件 |  | 12 |"])
    found = read_narrative(text, 2011)
    assert found.figures == {"proactive_total": 230}
    assert any("收到政府信息公开申请数" in problem and "blank" in problem for problem in found.problems)


def test_a_table_with_only_a_cumulative_column_gives_nothing():
    found = read_narrative("指标名称 | 单位 | 历年累计 |\n主动公开政府信息数 | 条 | 1,904 |", 2011)
    assert found.figures == {}
    assert any("only a cumulative" in problem for problem in found.problems)
