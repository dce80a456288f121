"""The official report templates: row and column labels of 表二, 表三 and 表四.

Keys are the outward names of docs/SCHEMA.md. Labels are matched as regular
expressions on label text with all white space removed, after Traditional→Simplified
conversion and width normalization, so they name the distinctive words of each label
rather than its full wording (agencies abbreviate and re-word freely).
"""
import re

TEMPLATE_2021 = "2021"
TEMPLATE_2019 = "2019"
PRE_2019 = "pre2019"
UNKNOWN = "unknown"

# ---- 表二 主动公开 -----------------------------------------------------------------

ACTIVE_ROWS = [  # (key, label pattern, Chinese label) — order matters: first match wins
    ("normative_docs", r"规范性文件", "规范性文件"),
    ("rules", r"^规章$|^规章[(（]|^\d?[.、]?规章$", "规章"),
    ("other_services", r"其他对外管理服务", "其他对外管理服务事项"),
    ("licensing", r"行政许可", "行政许可"),
    ("penalty", r"行政处罚", "行政处罚"),
    ("coercion", r"行政强制", "行政强制"),
    ("fees", r"行政事业性收费|事业性收费", "行政事业性收费"),
    ("procurement", r"集中采购", "政府集中采购"),
]

ACTIVE_COLUMNS = [  # (key, label pattern, Chinese label)
    ("issued", r"制发", "本年制发件数"),
    ("repealed", r"废止", "本年废止件数"),
    ("in_force", r"现行有效", "现行有效件数"),
    ("new_made", r"新制作", "本年新制作数量"),
    ("new_published", r"新公开", "本年新公开数量"),
    ("total_published", r"公开总数", "对外公开总数量"),
    ("prev_items", r"上一年", "上一年项目数量"),
    ("change", r"增[/、]?减|增减", "本年增/减"),
    ("decisions", r"处理决定", "本年处理决定数量"),
    ("items", r"采购项目", "采购项目数量"),
    ("amount", r"金额", "金额(万元)"),
]

# What each row holds in each template, in the template's column order.
ACTIVE_LAYOUT = {
    TEMPLATE_2021: {
        "rules": ["issued", "repealed", "in_force"],
        "normative_docs": ["issued", "repealed", "in_force"],
        "licensing": ["decisions"],
        "penalty": ["decisions"],
        "coercion": ["decisions"],
        "fees": ["amount"],
    },
    TEMPLATE_2019: {
        "rules": ["new_made", "new_published", "total_published"],
        "normative_docs": ["new_made", "new_published", "total_published"],
        "licensing": ["prev_items", "change", "decisions"],
        "other_services": ["prev_items", "change", "decisions"],
        "penalty": ["prev_items", "change", "decisions"],
        "coercion": ["prev_items", "change", "decisions"],
        "fees": ["prev_items", "change"],
        "procurement": ["items", "amount"],
    },
}

# ---- 表三 依申请公开 ---------------------------------------------------------------

APPLICANT_COLUMNS = [
    ("natural_person", "自然人"),
    ("commercial", "商业企业"),
    ("research", "科研机构"),
    ("social_welfare", "社会公益组织"),
    ("legal_service", "法律服务机构"),
    ("other_org", "其他"),
    ("total", "总计"),
]
APPLICANT_COLUMN_KEYS = [key for key, _ in APPLICANT_COLUMNS]
ORG_COLUMN_KEYS = APPLICANT_COLUMN_KEYS[1:6]
SUBTOTAL_COLUMN = "org_subtotal"  # 法人或其他组织小计: not in the template, read to be checked

# Header words of 表三, in the order they may be met; first match wins.
APPLICANT_HEADER = [
    ("natural_person", r"自然人"),
    (SUBTOTAL_COLUMN, r"小计"),
    ("commercial", r"商业企业|企业"),
    ("research", r"科研"),
    ("social_welfare", r"公益"),
    ("legal_service", r"法律服务"),
    ("total", r"总计|合计"),
    (None, r"法人或其他组织|申请人情况|勾稽"),  # parent headers: no column of their own
    ("other_org", r"^其他$"),  # only as a header word of its own (tables.py)
]

# Groups of outcome rows: a label naming one sets the context for the numbered rows under it.
APPLICATION_GROUPS = [
    ("withheld", r"不予公开"),
    ("unavailable", r"无法提供"),
    ("rejected", r"不予处理"),
    ("other", r"其他处理"),
]

APPLICATION_ROWS = [  # (key, label pattern, Chinese label); checked against the most specific label first
    ("new_received", r"本年新收|新收", "一、本年新收政府信息公开申请数量"),
    ("carried_over", r"上年结转", "二、上年结转政府信息公开申请数量"),
    ("carried_forward", r"结转下年", "四、结转下年度继续办理"),
    ("partially_disclosed", r"部分公开", "(二)部分公开"),
    ("withheld_state_secret", r"国家秘密", "(三)不予公开 1.属于国家秘密"),
    ("withheld_prohibited_by_law", r"禁止公开|法律行政|行政法规", "2.其他法律行政法规禁止公开"),
    ("withheld_security_stability", r"三安全|一稳定|危及", "3.危及“三安全一稳定”"),
    ("withheld_third_party", r"第三方", "4.保护第三方合法权益"),
    ("withheld_internal_affairs", r"内部事务", "5.属于三类内部事务信息"),
    ("withheld_process_info", r"过程性", "6.属于四类过程性信息"),
    ("withheld_enforcement_records", r"执法案卷|执法案", "7.属于行政执法案卷"),
    ("withheld_admin_query", r"行政查询", "8.属于行政查询事项"),
    ("unavailable_not_held", r"不掌握", "(四)无法提供 1.本机关不掌握相关政府信息"),
    ("unavailable_needs_creation", r"另行制作|没有现成", "2.没有现成信息需要另行制作"),
    ("unavailable_unclear", r"仍不明确|补正后", "3.补正后申请内容仍不明确"),
    ("other_no_correction", r"不补正|理由逾期", "(六)其他处理 1.申请人无正当理由逾期不补正"),
    ("other_no_fee", r"缴纳费用|收费通知|逾期未按", "2.申请人逾期未按收费通知要求缴纳费用"),
    ("rejected_petition", r"信访|举报投诉", "(五)不予处理 1.信访举报投诉类申请"),
    ("rejected_duplicate", r"重复申请", "2.重复申请"),
    ("rejected_publication", r"出版物", "3.要求提供公开出版物"),
    ("rejected_excessive", r"大量反复|反复申请", "4.无正当理由大量反复申请"),
    ("rejected_confirmation", r"重新出具|确认", "5.要求行政机关确认或重新出具已获取信息"),
    ("disclosed", r"予以公开", "(一)予以公开"),
    ("total_processed", r"\(七\)总计|七[)、.]总计|^总计$|^合计$", "(七)总计"),
]
OTHER_MISC_LABEL = re.compile(r"(?:^|\d[.、])其他$|^其他情形$")

OUTCOME_ROWS = [
    "disclosed", "partially_disclosed",
    "withheld_state_secret", "withheld_prohibited_by_law", "withheld_security_stability",
    "withheld_third_party", "withheld_internal_affairs", "withheld_process_info",
    "withheld_enforcement_records", "withheld_admin_query",
    "unavailable_not_held", "unavailable_needs_creation", "unavailable_unclear",
    "rejected_petition", "rejected_duplicate", "rejected_publication",
    "rejected_excessive", "rejected_confirmation",
]
OTHER_ROWS_2021 = ["other_no_correction", "other_no_fee", "other_misc"]
OTHER_ROWS_2019 = ["other_handling"]

APPLICATION_LAYOUT = {
    TEMPLATE_2021: ["new_received", "carried_over", *OUTCOME_ROWS, *OTHER_ROWS_2021,
                    "total_processed", "carried_forward"],
    TEMPLATE_2019: ["new_received", "carried_over", *OUTCOME_ROWS, *OTHER_ROWS_2019,
                    "total_processed", "carried_forward"],
}

APPLICATION_LABELS = {key: label for key, _, label in APPLICATION_ROWS}
APPLICATION_LABELS.update({
    "other_no_correction": "(六)其他处理 1.申请人无正当理由逾期不补正",
    "other_misc": "(六)其他处理 3.其他",
    "other_handling": "(六)其他处理",
})
APPLICANT_LABELS = dict(APPLICANT_COLUMNS)

# ---- 表四 复议诉讼 -----------------------------------------------------------------

REVIEW_GROUPS = [
    ("review", r"行政复议$|^复议$", "行政复议"),
    ("suit_direct", r"直接起诉", "行政诉讼·未经复议直接起诉"),
    ("suit_after_review", r"复议后起诉", "行政诉讼·复议后起诉"),
]
REVIEW_OUTCOMES = [
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
]
REVIEW_GROUP_KEYS = [key for key, _, _ in REVIEW_GROUPS]
REVIEW_OUTCOME_KEYS = [key for key, _ in REVIEW_OUTCOMES]
REVIEW_LABELS = {key: label for key, _, label in REVIEW_GROUPS}
REVIEW_OUTCOME_LABELS = dict(REVIEW_OUTCOMES)


def compile_patterns(rows):
    """[(key, pattern, ...)] -> [(key, compiled pattern)], for the readers."""
    return [(row[0], re.compile(row[1])) for row in rows]
