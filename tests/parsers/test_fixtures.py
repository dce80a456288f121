"""Hand-designed reports with distinct non-zero numbers, one per hard layout (tests/files/reports/).

The expected figures below are the designed truth the fixtures were written from;
any one cell read wrong, shifted or lost fails the test.
"""
import copy

import pytest

from parsers import parse_file
from parsers import templates as T
from tests.conftest import FILES

REPORTS = FILES / "reports"

APPLICATIONS_2021 = {  # natural_person, commercial, research, social_welfare, legal_service, other_org, total
    "new_received": [40, 12, 3, 2, 5, 1, 63],
    "carried_over": [4, 1, 0, 0, 1, 0, 6],
    "disclosed": [15, 5, 1, 1, 2, 0, 24],
    "partially_disclosed": [6, 2, 0, 0, 1, 0, 9],
    "withheld_state_secret": [1, 0, 0, 0, 0, 0, 1],
    "withheld_prohibited_by_law": [0, 1, 0, 0, 0, 0, 1],
    "withheld_security_stability": [1, 0, 0, 0, 0, 0, 1],
    "withheld_third_party": [2, 0, 0, 0, 0, 0, 2],
    "withheld_internal_affairs": [1, 0, 0, 0, 0, 0, 1],
    "withheld_process_info": [2, 1, 0, 0, 0, 0, 3],
    "withheld_enforcement_records": [1, 0, 0, 0, 0, 0, 1],
    "withheld_admin_query": [1, 0, 0, 0, 0, 0, 1],
    "unavailable_not_held": [5, 1, 1, 0, 1, 0, 8],
    "unavailable_needs_creation": [1, 0, 0, 0, 0, 0, 1],
    "unavailable_unclear": [1, 0, 0, 0, 0, 0, 1],
    "rejected_petition": [2, 0, 0, 0, 0, 0, 2],
    "rejected_duplicate": [1, 1, 0, 0, 0, 0, 2],
    "rejected_publication": [0, 0, 0, 1, 0, 0, 1],
    "rejected_excessive": [1, 0, 0, 0, 0, 0, 1],
    "rejected_confirmation": [0, 0, 0, 0, 1, 0, 1],
    "other_no_correction": [1, 0, 0, 0, 0, 0, 1],
    "other_no_fee": [0, 0, 0, 0, 0, 1, 1],
    "other_misc": [0, 1, 0, 0, 0, 0, 1],
    "total_processed": [42, 12, 2, 2, 5, 1, 64],
    "carried_forward": [2, 1, 1, 0, 1, 0, 5],
}
REVIEW = {
    "review": {"upheld": 3, "corrected": 1, "other": 0, "pending": 1, "total": 5},
    "suit_direct": {"upheld": 2, "corrected": 0, "other": 1, "pending": 0, "total": 3},
    "suit_after_review": {"upheld": 0, "corrected": 1, "other": 0, "pending": 0, "total": 1},
}


def applications(rows):
    return {row: dict(zip(T.APPLICANT_COLUMN_KEYS, values)) for row, values in rows.items()}


def applications_2019():
    rows = {key: value for key, value in APPLICATIONS_2021.items() if not key.startswith("other_")}
    rows["other_handling"] = [sum(column) for column in zip(
        *(APPLICATIONS_2021[key] for key in ("other_no_correction", "other_no_fee", "other_misc")))]
    return applications(rows)


def without(table, *cells):
    table = copy.deepcopy(table)
    for row, column in cells:
        del table[row][column]
    return table


def check(record, expected, validate_record):
    validate_record(record)
    for key, value in expected.items():
        assert record[key] == value, key


def test_gbk_page_declared_gb2312_with_blank_and_slash_cells(validate_record):
    record = parse_file(REPORTS / "gbk_declared_gb2312.html").record
    check(record, {
        "title": "镕城区教育局2022年政府信息公开工作年度报告", "agency": "镕城区教育局",
        "year": 2022, "published_on": "2023-01-28", "template": "2021", "traditional": False,
        "encoding": "gb18030",
        "active": {"rules": {"issued": 2, "repealed": 1, "in_force": 17},
                   "normative_docs": {"issued": 6, "repealed": 3, "in_force": 48},
                   "licensing": {"decisions": 1236}, "penalty": {"decisions": 87},
                   "coercion": {"decisions": 9}, "fees": {"amount": 35.62}},
        "applications": without(applications(APPLICATIONS_2021),
                                ("withheld_admin_query", "natural_person"),
                                ("rejected_excessive", "natural_person")),
        "review_litigation": REVIEW, "narrative": {},
        "problems": ["表三 8.属于行政查询事项 / 自然人: blank cell (left out)",
                     "表三 4.无正当理由大量反复申请 / 自然人: '/' is not a number (left out)"],
    }, validate_record)


def test_big5_traditional_2019_template_with_signs_and_units(validate_record):
    record = parse_file(REPORTS / "big5_traditional_2019.html").record
    check(record, {
        "title": "新港市交通运输局2020年政府信息公开工作年度报告", "agency": "新港市交通运输局",
        "year": 2020, "published_on": "2021-01-25", "template": "2019", "traditional": True,
        "encoding": "big5",
        "active": {"rules": {"new_made": 3, "new_published": 3, "total_published": 41},
                   "normative_docs": {"new_made": 12, "new_published": 11, "total_published": 230},
                   "licensing": {"prev_items": 58, "change": 3, "decisions": 2417},
                   "other_services": {"prev_items": 21, "change": -4, "decisions": 366},
                   "penalty": {"prev_items": 240, "change": -253, "decisions": 95},
                   "coercion": {"prev_items": 17, "change": 0, "decisions": 6},
                   "fees": {"prev_items": 5, "change": -1},
                   "procurement": {"items": 28, "amount": 1203.5}},
        "applications": applications_2019(), "review_litigation": REVIEW, "narrative": {}, "problems": [],
    }, validate_record)


def test_pinyin_mirror_pdf_text_with_wrapped_labels_and_a_wrong_total(validate_record):
    record = parse_file(REPORTS / "pinyin_pdf_text_wrong_total.txt").record
    expected_applications = applications(APPLICATIONS_2021)
    expected_applications["disclosed"]["total"] = 25  # as written: the report's own error
    check(record, {
        "title": "临河区财政局2021年政府信息公开工作年度报告", "agency": "临河区财政局",
        "year": 2021, "published_on": "2022-03-15", "template": "2021", "traditional": True,
        "active": {"rules": {"issued": 0, "repealed": 0, "in_force": 4},
                   "normative_docs": {"issued": 7, "repealed": 2, "in_force": 31},
                   "licensing": {"decisions": 503}, "penalty": {"decisions": 12},
                   "coercion": {"decisions": 0}, "fees": {"amount": 0}},
        "applications": expected_applications, "review_litigation": REVIEW,
    }, validate_record)
    assert "表三 (一)予以公开 / 总计: 25, but the six applicant columns add up to 24" in record["problems"]
    assert "表三 (七)总计 / 总计: 64, but the outcome rows add up to 65" in record["problems"]
    assert len(record["problems"]) == 2


def test_markdown_ocr_with_glued_cells_and_subtotal_column(validate_record):
    record = parse_file(REPORTS / "markdown_ocr_glued_subtotal.md").record
    check(record, {
        "title": "东湖街道办事处2022年政府信息公开工作年度报告", "agency": "东湖街道办事处",
        "year": 2022, "published_on": "2023-01-10", "template": "2021", "traditional": False,
        "active": {}, "applications": applications(APPLICATIONS_2021), "review_litigation": REVIEW,
        "problems": ["表二 主动公开政府信息情况: table not found"],
    }, validate_record)


@pytest.mark.parametrize("mutation", [("disclosed", 1, "7"), ("carried_forward", 0, "3")])
def test_a_changed_number_is_caught_by_the_checks(tmp_path, mutation):
    """The arithmetic checks never pass a table whose numbers were changed."""
    row, column, new_value = mutation
    lines = (REPORTS / "markdown_ocr_glued_subtotal.md").read_text(encoding="utf-8").split("\n")
    label = {"disclosed": "予以公开", "carried_forward": "结转下年度"}[row]
    for index, line in enumerate(lines):
        if label in line:
            cells = line.split("|")
            cells[4 + column] = f" {new_value} "
            lines[index] = "|".join(cells)
    path = tmp_path / "changed.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    record = parse_file(path).record
    assert record["applications"][row][T.APPLICANT_COLUMN_KEYS[column]] == int(new_value)
    assert any(T.APPLICANT_LABELS[T.APPLICANT_COLUMN_KEYS[column]] in problem or "总计" in problem
               for problem in record["problems"] if "表三" in problem)


TABLE4_VARIANTS = {
    "transposed": """| | 行政复议 | 未经复议直接起诉 | 复议后起诉 |
| 结果维持 | 3 | 2 | 0 |
| 结果纠正 | 1 | 0 | 1 |
| 其他结果 | 0 | 1 | 0 |
| 尚未审结 | 1 | 0 | 0 |
| 总计 | 5 | 3 | 1 |""",
    "row per group": """行政复议\t3\t1\t0\t1\t5
未经复议直接起诉\t2\t0\t1\t0\t3
复议后起诉\t0\t1\t0\t0\t1""",
    "flattened over three lines": """行政复议 行政诉讼
结果维持 结果纠正 其他结果 尚未审结 总计 未经复议直接起诉 复议后起诉
3 1 0 1 5
2 0 1 0 3
0 1 0 0 1""",
}


@pytest.mark.parametrize("variant", sorted(TABLE4_VARIANTS))
def test_table4_layouts(tmp_path, variant):
    text = "\n".join([
        "某某局2022年政府信息公开工作年度报告", "三、收到和处理政府信息公开申请情况",
        "一、本年新收政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |",
        "四、结转下年度继续办理 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |",
        "四、政府信息公开行政复议、行政诉讼情况", TABLE4_VARIANTS[variant],
        "五、存在的主要问题及改进情况", "无。"])
    path = tmp_path / "report.txt"
    path.write_text(text, encoding="utf-8")
    assert parse_file(path).record["review_litigation"] == REVIEW


def test_a_table3_without_a_total_column_reads_the_six_applicant_columns(tmp_path):
    rows = {key: values[:6] for key, values in APPLICATIONS_2021.items()}
    lines = ["某某局2022年政府信息公开工作年度报告", "三、收到和处理政府信息公开申请情况",
             "| | 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 |"]
    lines += [f"| {T.APPLICATION_LABELS[key]} | " + " | ".join(map(str, values)) + " |" for key, values in rows.items()]
    path = tmp_path / "report.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    record = parse_file(path).record
    assert record["applications"] == {key: dict(zip(T.APPLICANT_COLUMN_KEYS, values)) for key, values in rows.items()}


def test_table3_right_after_table2_without_a_heading_keeps_its_own_header(tmp_path):
    """表二's '其他对外管理服务事项' must not be taken for 表三's 其他 column."""
    rows = applications_2019()
    lines = ["某某局2020年政府信息公开工作年度报告",
             "| 信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |",
             "| 行政许可 | 58 | +3 | 2,417 |", "| 其他对外管理服务事项 | 21 | -4 | 366 |",
             "| | 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 法人或其他组织小计 | 总计 |"]
    for key, cells in rows.items():
        values = [cells[column] for column in T.APPLICANT_COLUMN_KEYS]
        values.insert(6, sum(values[1:6]))
        lines.append(f"| {T.APPLICATION_LABELS[key]} | " + " | ".join(map(str, values)) + " |")
    path = tmp_path / "report.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    record = parse_file(path).record
    assert record["applications"] == rows
    assert record["active"]["other_services"] == {"prev_items": 21, "change": -4, "decisions": 366}
