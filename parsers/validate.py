"""The checks of SCHEMA.md that one report allows; each failure is a sentence naming row and column.

Cross-year checks need the corpus and live with the database, not here.
"""
from . import templates as T

_ORG_AND_PERSON = T.APPLICANT_COLUMN_KEYS[:6]


def check_record(record: dict, found_tables: set[str], prose: dict) -> list[str]:
    problems = []
    template = record["template"]
    applications = record["applications"]
    if template in T.APPLICATION_LAYOUT:
        layout = _applications_template(applications, template)
        problems += _missing_tables(found_tables)
        if "applications" in found_tables:
            problems += _missing_rows(applications, layout)
        problems += _balance(applications)
        problems += _outcomes(applications, layout)
        problems += _row_totals(applications)
        problems += _review_totals(record["review_litigation"])
    problems += _prose_against_tables(record, prose)
    return problems


def _applications_template(applications, template):
    """表三's own format, by its (六)其他处理 rows: a report may print it in the other one."""
    if any(row in applications for row in T.OTHER_ROWS_2021):
        return T.TEMPLATE_2021
    if any(row in applications for row in T.OTHER_ROWS_2019):
        return T.TEMPLATE_2019
    return template


def _label(row):
    return T.APPLICATION_LABELS.get(row, row)


def _missing_tables(found):
    names = {"active": "表二 主动公开政府信息情况", "applications": "表三 收到和处理政府信息公开申请情况",
             "review_litigation": "表四 政府信息公开行政复议、行政诉讼情况"}
    return [f"{names[key]}: table not found" for key in names if key not in found]


def _missing_rows(applications, template):
    return [f"表三 {_label(row)}: row not found"
            for row in T.APPLICATION_LAYOUT[template] if row not in applications]


def _cell(applications, row, column):
    return applications.get(row, {}).get(column)


def _balance(applications):
    """勾稽关系: 本年新收 + 上年结转 == 办理结果总计 + 结转下年度, per column."""
    problems = []
    for column in T.APPLICANT_COLUMN_KEYS:
        parts = [_cell(applications, row, column)
                 for row in ("new_received", "carried_over", "total_processed", "carried_forward")]
        if None in parts:
            continue
        new, carried_over, processed, forward = parts
        if new + carried_over != processed + forward:
            problems.append(
                f"表三 勾稽关系 fails in column {T.APPLICANT_LABELS[column]}: 本年新收 {new} + 上年结转 "
                f"{carried_over} = {new + carried_over}, but 总计 {processed} + 结转下年度 {forward} = "
                f"{processed + forward}")
    return problems


def _outcomes(applications, template):
    rows = [row for row in T.APPLICATION_LAYOUT[template]
            if row not in ("new_received", "carried_over", "total_processed", "carried_forward")]
    problems = []
    for column in T.APPLICANT_COLUMN_KEYS:
        total = _cell(applications, "total_processed", column)
        parts = [_cell(applications, row, column) for row in rows]
        if total is None or None in parts:
            continue
        if sum(parts) != total:
            problems.append(
                f"表三 (七)总计 / {T.APPLICANT_LABELS[column]}: {total}, but the outcome rows add up to {sum(parts)}")
    return problems


def _row_totals(applications):
    problems = []
    for row, cells in applications.items():
        total = cells.get("total")
        parts = [cells.get(column) for column in _ORG_AND_PERSON]
        if total is None or None in parts:
            continue
        if sum(parts) != total:
            problems.append(f"表三 {_label(row)} / 总计: {total}, but the six applicant columns add up to {sum(parts)}")
    return problems


def _review_totals(review):
    problems = []
    for group, cells in review.items():
        total = cells.get("total")
        parts = [cells.get(key) for key in T.REVIEW_OUTCOME_KEYS[:4]]
        if total is None or None in parts:
            continue
        if sum(parts) != total:
            problems.append(
                f"表四 {T.REVIEW_LABELS[group]} / 总计: {total}, but 维持+纠正+其他+尚未审结 = {sum(parts)}")
    return problems


_PROSE_AGAINST = [
    ("applications_received", lambda r: _cell(r["applications"], "new_received", "total"), "表三 本年新收 总计"),
    ("reviews", lambda r: r["review_litigation"].get("review", {}).get("total"), "表四 行政复议 总计"),
    ("lawsuits", lambda r: _sum_or_none(r["review_litigation"].get(g, {}).get("total")
                                        for g in ("suit_direct", "suit_after_review")), "表四 行政诉讼 总计"),
]
_PROSE_LABELS = {"applications_received": "收到申请", "reviews": "行政复议", "lawsuits": "行政诉讼"}


def _sum_or_none(values):
    values = list(values)
    return None if None in values else sum(values)


def _prose_against_tables(record, prose):
    problems = []
    for key, table_value, where in _PROSE_AGAINST:
        stated = prose.get(key)
        value = table_value(record)
        if stated is not None and value is not None and stated != value:
            problems.append(f"prose states {_PROSE_LABELS[key]} {stated}, but {where} is {value}")
    return problems
