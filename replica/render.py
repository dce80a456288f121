"""How government portals print an annual report, and the copies other tools make of it.

The generator decides what a report says; this module decides how it looks, so that the
parser meets every shape found in the wild: the Word-pasted HTML of the TRS, Hanweb and
unbranded CMS families (page chrome, 公开目录 box, rowspan/colspan, now and then malformed)
and seven text dumps modelled on the real seeds (pipes, tabs, one cell per line, PDF text
with wrapped labels or glued cells, Markdown with and without a real header row).

Every table is first built as one grid of cells with spans; each output format is a way of
writing that grid, so all formats show the same figures. Every renderer is a pure function
of the truth and a seed: a failing parse can be replayed from those two values alone.
"""
import datetime
import html
import random
from functools import partial
from typing import NamedTuple

APPLICANT_COLUMNS = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org")
ORGANISATION_LABELS = ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
RECEIPT_ROWS = (("new_received", "一、本年新收政府信息公开申请数量"),
                ("carried_over", "二、上年结转政府信息公开申请数量"))
_OUTCOME_ROWS_2021 = (
    ("disclosed", None, "（一）予以公开"),
    ("partially_disclosed", None, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("withheld_state_secret", "（三）不予公开", "1.属于国家秘密"),
    ("withheld_prohibited_by_law", "（三）不予公开", "2.其他法律行政法规禁止公开"),
    ("withheld_security_stability", "（三）不予公开", "3.危及“三安全一稳定”"),
    ("withheld_third_party", "（三）不予公开", "4.保护第三方合法权益"),
    ("withheld_internal_affairs", "（三）不予公开", "5.属于三类内部事务信息"),
    ("withheld_process_info", "（三）不予公开", "6.属于四类过程性信息"),
    ("withheld_enforcement_records", "（三）不予公开", "7.属于行政执法案卷"),
    ("withheld_admin_query", "（三）不予公开", "8.属于行政查询事项"),
    ("unavailable_not_held", "（四）无法提供", "1.本机关不掌握相关政府信息"),
    ("unavailable_needs_creation", "（四）无法提供", "2.没有现成信息需要另行制作"),
    ("unavailable_unclear", "（四）无法提供", "3.补正后申请内容仍不明确"),
    ("rejected_petition", "（五）不予处理", "1.信访举报投诉类申请"),
    ("rejected_duplicate", "（五）不予处理", "2.重复申请"),
    ("rejected_publication", "（五）不予处理", "3.要求提供公开出版物"),
    ("rejected_excessive", "（五）不予处理", "4.无正当理由大量反复申请"),
    ("rejected_confirmation", "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息"),
    ("other_no_correction", "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other_no_fee", "（六）其他处理", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other_misc", "（六）其他处理", "3.其他"),
)
# 表三's outcome rows as (key, group label or None, row label); they sum to （七）总计.
OUTCOME_ROWS = {
    "2021": _OUTCOME_ROWS_2021,
    "2019": _OUTCOME_ROWS_2021[:18] + (("other_handling", None, "（六）其他处理"),),
}
CLOSING_ROWS = (("total_processed", "（七）总计"), ("carried_forward", "四、结转下年度继续办理"))
SUBTOTALLED_GROUPS = ("（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理")
REVIEW_GROUPS = ("review", "suit_direct", "suit_after_review")
REVIEW_OUTCOMES = ("upheld", "corrected", "other", "pending", "total")
REVIEW_OUTCOME_LABELS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")


class ActiveSection(NamedTuple):
    """One 第二十条 block of 表二: its header labels, its (key, label) rows and their fields."""
    article: str
    headers: tuple
    rows: tuple
    fields: tuple


ACTIVE_SECTIONS = {
    "2021": (
        ActiveSection("第二十条第（一）项", ("本年制发件数", "本年废止件数", "现行有效件数"),
                      (("rules", "规章"), ("normative_docs", "行政规范性文件")), ("issued", "repealed", "in_force")),
        ActiveSection("第二十条第（五）项", ("本年处理决定数量",), (("licensing", "行政许可"),), ("decisions",)),
        ActiveSection("第二十条第（六）项", ("本年处理决定数量",),
                      (("penalty", "行政处罚"), ("coercion", "行政强制")), ("decisions",)),
        ActiveSection("第二十条第（八）项", ("本年收费金额（单位：万元）",), (("fees", "行政事业性收费"),), ("amount",)),
    ),
    "2019": (
        ActiveSection("第二十条第（一）项", ("本年新制作数量", "本年新公开数量", "对外公开总数量"),
                      (("rules", "规章"), ("normative_docs", "规范性文件")),
                      ("new_made", "new_published", "total_published")),
        ActiveSection("第二十条第（五）项", ("上一年项目数量", "本年增/减", "处理决定数量"),
                      (("licensing", "行政许可"), ("other_services", "其他对外管理服务事项")),
                      ("prev_items", "change", "decisions")),
        ActiveSection("第二十条第（六）项", ("上一年项目数量", "本年增/减", "处理决定数量"),
                      (("penalty", "行政处罚"), ("coercion", "行政强制")), ("prev_items", "change", "decisions")),
        ActiveSection("第二十条第（八）项", ("上一年项目数量", "本年增/减"),
                      (("fees", "行政事业性收费"),), ("prev_items", "change")),
        ActiveSection("第二十条第（九）项", ("采购项目数量", "采购总金额"),
                      (("procurement", "政府集中采购"),), ("items", "amount")),
    ),
}
FIELD_UNITS = {"issued": "件", "repealed": "件", "in_force": "件", "new_made": "件", "new_published": "件",
               "total_published": "件", "decisions": "件", "prev_items": "项", "change": "项",
               "items": "次", "amount": "万元"}

HTML_STYLES = ("trs", "hanweb", "generic")
TEXT_LAYOUTS = ("pipe", "tabs", "cell_per_line", "pdf_text", "markdown", "markdown_ocr", "glued",
                "pdf_layout", "markdown_groups", "glued_page")
TEMPLATE_HEADINGS = ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                     "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项")
PRE2019_HEADINGS = ("一、概述", "二、主动公开政府信息情况", "三、依申请公开政府信息情况",
                    "四、因政府信息公开申请行政复议、提起行政诉讼情况", "五、存在的主要问题和改进措施",
                    "六、其他需要报告的事项")

_FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


def format_figure(value: float, variant: dict) -> str:
    """A truth figure as this report prints it: `thousands` gives 1,234, `fullwidth_digits` １２３４."""
    if isinstance(value, float) and not value.is_integer():
        text = (f"{value:,.2f}" if variant["thousands"] else f"{value:.2f}").rstrip("0")
    else:
        text = f"{int(value):,}" if variant["thousands"] else str(int(value))
    return text.translate(_FULLWIDTH) if variant["fullwidth_digits"] else text


# ---------------------------------------------------------------------------------------------
# Tables as grids of cells


class Cell(NamedTuple):
    text: str
    rowspan: int = 1
    colspan: int = 1
    figure: bool = False  # a number, or the blank / '/' standing in for one
    glued: bool = False  # the glued layout joins it to its glued neighbours (truth variant['glued'])


class Table(NamedTuple):
    width: int
    rows: list  # list[list[Cell]]


def active_table(truth: dict, rng: random.Random) -> Table:
    """表二, four columns wide. A block with fewer fields either stretches its last header and
    figure over the columns it leaves, or (2019 template, as in seed 004) leaves them empty."""
    variant, rows = truth["variant"], []
    empty_filler = truth["template"] == "2019" and rng.random() < 0.5
    for section in ACTIVE_SECTIONS[truth["template"]]:
        spare = 3 - len(section.fields)
        filler = [Cell("")] * spare if empty_filler and spare else []

        def stretch(position: int) -> int:
            return 1 + spare * (not filler and position == len(section.fields) - 1)

        rows.append([Cell(section.article, colspan=4)])
        rows.append([Cell("信息内容")] + [Cell(h, colspan=stretch(i)) for i, h in enumerate(section.headers)]
                    + filler)
        for key, label in section.rows:
            figures = [Cell(_active_text(field, truth["active"][key][field], variant, rng), figure=True,
                            colspan=stretch(i)) for i, field in enumerate(section.fields)]
            rows.append([Cell(label)] + figures + filler)
    return Table(4, rows)


def _active_text(field: str, value: float, variant: dict, rng: random.Random) -> str:
    text = format_figure(abs(value) if field == "change" else value, variant)
    if field == "change" and value > 0:
        text = rng.choice(("+", "")) + text
    elif field == "change" and value < 0:
        text = rng.choice(("-", "-", "-", "--")) + text  # '--253' for −253 is met in real reports
    return text + FIELD_UNITS[field] if variant["units"] else text


def applications_table(truth: dict) -> Table:
    """表三 with its three-row header, optional 小计 rows and column, blank and '/' cells."""
    variant, figures = truth["variant"], printed_figures(truth)["applications"]
    marks = blank_marks(truth)
    blanks = {(row, column): mark for (table, row, column), mark in marks.items() if table == "applications"}
    glued = {row: columns for row, columns in variant["glued"]}
    subtotal_column = variant["subtotal_column"]
    width = 10 + subtotal_column
    organisations = ORGANISATION_LABELS + (("小计",) if subtotal_column else ())

    def figure_cells(values: dict, row: str | None) -> list:
        cells = [Cell(blanks[row, c] if (row, c) in blanks else format_figure(values[c], variant),
                      figure=True, glued=c in glued.get(row, ())) for c in APPLICANT_COLUMNS]
        if subtotal_column:
            cells.append(Cell(format_figure(sum(values[c] for c in APPLICANT_COLUMNS[1:]), variant), figure=True))
        total = blanks.get((row, "total"), format_figure(values["total"], variant))
        return cells + [Cell(total, figure=True)]

    rows = [
        [Cell("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", rowspan=3, colspan=3),
         Cell("申请人情况", colspan=width - 3)],
        [Cell("自然人", rowspan=2), Cell("法人或其他组织", colspan=len(organisations)), Cell("总计", rowspan=2)],
        [Cell(label) for label in organisations],
    ]
    for key, label in RECEIPT_ROWS:
        rows.append([Cell(label, colspan=3)] + figure_cells(figures[key], key))

    groups: dict = {}
    for key, group, label in OUTCOME_ROWS[truth["template"]]:
        groups.setdefault(group or key, []).append((key, group, label))
    outcome_rows = []
    for members in groups.values():
        group = members[0][1]
        subtotal = variant["subtotal_rows"] and group in SUBTOTALLED_GROUPS and len(members) > 1
        for position, (key, _group, label) in enumerate(members):
            lead = [Cell(group, rowspan=len(members) + subtotal)] if group and position == 0 else []
            label_cell = Cell(label) if group else Cell(label, colspan=2)
            outcome_rows.append(lead + [label_cell] + figure_cells(figures[key], key))
        if subtotal:
            sums = {c: sum(figures[key][c] for key, _g, _l in members) for c in (*APPLICANT_COLUMNS, "total")}
            outcome_rows.append([Cell("小计")] + figure_cells(sums, None))
    processed_key, processed_label = CLOSING_ROWS[0]
    outcome_rows.append([Cell(processed_label, colspan=2)] + figure_cells(figures[processed_key], processed_key))
    outcome_rows[0].insert(0, Cell("三、本年度办理结果", rowspan=len(outcome_rows)))
    rows += outcome_rows
    forward_key, forward_label = CLOSING_ROWS[1]
    rows.append([Cell(forward_label, colspan=3)] + figure_cells(figures[forward_key], forward_key))
    return Table(width, rows)


def blank_marks(truth: dict) -> dict:
    """{(table, row, column): what the report prints instead of the figure}.

    Variant 'blank': the first blank cell prints empty, the second as '/'. Variant
    'zeros_blank': every 0 of 表三 and 表四 prints empty, whether the truth keeps it
    (proven 0, `inferred`) or not (`blank_cells`).
    """
    if truth["variant"].get("zeros_blank"):
        cells = [*map(tuple, truth["blank_cells"]), *(tuple(path.split(".")) for path in truth.get("inferred", ()))]
        return dict.fromkeys(cells, "")
    return {tuple(cell): mark for cell, mark in zip(truth["blank_cells"], ("", "/"))}


def printed_figures(truth: dict) -> dict:
    """表三 and 表四 with every figure the report holds, also those it prints empty (all 0)."""
    tables = {name: {row: dict(values) for row, values in truth[name].items()}
              for name in ("applications", "review_litigation")}
    if truth["variant"].get("zeros_blank"):
        for table, row, column in truth["blank_cells"]:
            tables[table].setdefault(row, {})[column] = 0
    return tables


def review_table(truth: dict) -> Table:
    variant, figures = truth["variant"], printed_figures(truth)["review_litigation"]
    blanks = {(row, column): mark for (table, row, column), mark in blank_marks(truth).items()
              if table == "review_litigation"}
    return Table(15, [
        [Cell("行政复议", colspan=5), Cell("行政诉讼", colspan=10)],
        [Cell(label, rowspan=2) for label in REVIEW_OUTCOME_LABELS]
        + [Cell("未经复议直接起诉", colspan=5), Cell("复议后起诉", colspan=5)],
        [Cell(label) for label in REVIEW_OUTCOME_LABELS * 2],
        [Cell(blanks.get((group, outcome), format_figure(figures[group][outcome], variant)), figure=True)
         for group in REVIEW_GROUPS for outcome in REVIEW_OUTCOMES],
    ])


def grid(table: Table, repeat_spanned: bool) -> list[list[str]]:
    """The table as a full rectangle: a spanned position repeats its cell's text or stays empty."""
    rectangle: list[list[str | None]] = [[None] * table.width for _ in table.rows]
    for r, row in enumerate(table.rows):
        c = 0
        for cell in row:
            while rectangle[r][c] is not None:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    first = dr == 0 and dc == 0
                    rectangle[r + dr][c + dc] = cell.text if first or repeat_spanned else ""
            c += cell.colspan
    return [[text or "" for text in row] for row in rectangle]


# ---------------------------------------------------------------------------------------------
# The report as blocks: ("heading" | "paragraph", text) or ("table", Table)

_NOTICE = "《国务院办公厅政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（国办公开办函{number}）"
_INTRO = (
    "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和{notice}要求编制。全文包括总体情况、主动公开政府信息情况、"
    "收到和处理政府信息公开申请情况、政府信息公开行政复议及行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。"
    "本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。本报告电子版可在{site}门户网站（http://{domain}/）查阅或下载。"
    "如对本报告有疑问，请与{agency}联系（地址：{address}；邮编：{postcode}；电话：{phone}）。",
    "根据《中华人民共和国政府信息公开条例》规定，现公布{agency}{year}年度政府信息公开工作年度报告。报告中所列数据的统计期限为"
    "{year}年1月1日至{year}年12月31日。如对本报告有任何疑问，请与{agency}政务公开办公室联系，电话：{phone}，邮编：{postcode}。",
    "{year}年，{we}认真贯彻落实《中华人民共和国政府信息公开条例》和上级关于政务公开工作的决策部署，按照{notice}要求，"
    "编制本年度报告。联系电话：{phone}。",
)
_OVERVIEW_SUBSECTIONS = (
    ("（一）主动公开情况", (
        "{year}年，{we}通过{site}门户网站、政务新媒体等渠道及时发布政务信息{posts}条，制发{doc_kind}{documents}件，均按规定向社会公开。",
        "坚持“以公开为常态、不公开为例外”，全年在政府信息公开专栏更新信息{posts}条，其中政策文件{policies}条、{doc_kind}{documents}件，"
        "政策解读{readings}篇。",
        "围绕重点领域信息公开，及时更新机构职能、政策文件、财政预决算等栏目，全年发布信息{posts}条，本年制发{doc_kind}{documents}件。",
    )),
    ("（二）依申请公开情况", (
        "{year}年，{we}共收到政府信息公开申请{received}件，上年结转{carried}件；全年办结{processed}件，结转下年度继续办理{forward}件。",
        "全年共受理政府信息公开申请{received}件，其中予以公开{disclosed}件，所有申请均在法定期限内答复。",
        "本年新收政府信息公开申请{received}件，办结{processed}件，按时办结率100%。",
    )),
    ("（三）政府信息管理情况", (
        "严格执行政府信息公开保密审查制度，落实“先审查、后公开”和“一事一审”要求，{month}月{day}日印发《{agency}政府信息公开保密审查办法》"
        "（{abbreviation}办发〔{year}〕{docno}号）。",
        "动态更新政府信息公开指南和公开目录，对以往制发的文件开展清理，全年清理文件{cleaned}件。",
    )),
    ("（四）平台建设情况", (
        "持续加强政府网站和政务新媒体建设，{we}政务微信公众号全年推送信息{wechat}条，门户网站年度访问量{visits}人次。",
        "依托{site}门户网站政府信息公开专栏，规范设置栏目{columns}个，确保平台安全稳定运行。",
    )),
    ("（五）监督保障情况", (
        "组织开展政务公开业务培训{trainings}次，参训{trainees}人次；将政务公开工作纳入年度绩效考核，本年度未发生政府信息公开责任追究情况。",
        "成立由主要负责同志任组长的政务公开工作领导小组，定期研究部署政务公开工作，全年召开专题会议{meetings}次。",
    )),
)
_REVIEW_LEAD = (
    "{year}年，{we}因政府信息公开被申请行政复议{reviews}件，被提起行政诉讼{suits}件。",
    "本年度涉及政府信息公开的行政复议案件{reviews}件、行政诉讼案件{suits}件，具体情况如下。",
)
_PROBLEMS = (
    "{year}年，{we}政府信息公开工作取得了一定成效，但仍存在一些不足：一是主动公开的深度和广度有待拓展；二是政策解读形式较为单一；"
    "三是工作人员业务能力有待提升。",
    "存在的主要问题：政务公开工作人员多为兼职，专业化水平不高；部分栏目更新不够及时，信息发布的时效性有待加强。",
    "对照上级要求，{we}政府信息公开工作还存在公开内容不够全面、依申请公开办理规范化程度不高等问题。",
)
_IMPROVEMENTS = (
    "下一步，{we}将加强业务培训，完善信息发布审核机制，进一步提升政府信息公开的质量和实效。",
    "改进措施：一是健全工作机制，明确专人负责；二是丰富解读形式，提高政策解读的针对性；三是加强监督检查，确保各项工作落到实处。",
    "针对上述问题，{we}将对照《条例》要求，规范和细化公开内容，拓宽公开渠道，自觉接受社会监督。",
)
_OTHER_MATTERS = {
    "2021": ("根据《政府信息公开信息处理费管理办法》（国办函〔2020〕109号），{year}年{we}未收取信息处理费。",
             "本年度{we}未发出收费通知，未收取政府信息公开信息处理费。",
             "{year}年，{we}共发出收费通知0件，收取信息处理费0万元。"),
    "2019": ("无。", "本年度无其他需要报告的事项。", "{year}年{we}未收取政府信息公开处理费用。"),
    "pre2019": ("本年度未收取任何政府信息公开费用。", "无。", "{year}年{we}未因政府信息公开收取费用，也未发生减免收费情况。"),
}
_PRE2019_INTRO = (
    "本报告是根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求，由{agency}编制。全文包括概述，主动公开政府信息情况，"
    "依申请公开政府信息情况，因政府信息公开申请行政复议、提起行政诉讼情况，存在的主要问题和改进措施，其他需要报告的事项。"
    "本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。如对本年度报告有任何疑问，请与{agency}办公室联系"
    "（地址：{address}，电话：{phone}）。",
    "根据《中华人民共和国政府信息公开条例》和《国务院办公厅关于做好政府信息公开工作年度报告有关工作的通知》要求，"
    "现公布{agency}{year}年度政府信息公开工作年度报告。本报告的电子版可在{site}门户网站（http://{domain}/）下载。联系电话：{phone}。",
    "按照《中华人民共和国政府信息公开条例》规定，{agency}编制了{year}年政府信息公开工作年度报告，报告中所列数据的统计期限为"
    "{year}年1月1日至12月31日。",
)
_PRE2019_OVERVIEW = (
    "{year}年，{we}认真贯彻实施《中华人民共和国政府信息公开条例》，按照《{province}人民政府办公厅关于做好{year}年政务公开工作的通知》"
    "（{abbreviation}政办发〔{year}〕{docno}号）要求，明确责任，完善制度，较好地完成了全年政府信息公开工作任务。",
    "{year}年，{we}坚持“公开为原则、不公开为例外”，成立了由主要负责人任组长的政府信息公开工作领导小组，明确{staff}名工作人员负责"
    "日常信息公开工作，并于{month}月{day}日召开专题会议部署相关工作。",
    "{year}年，{we}进一步健全政府信息公开工作机制，制定《{agency}政府信息公开保密审查制度》（{abbreviation}发〔{year}〕{docno}号），"
    "确保公开信息及时、准确。",
)
_PROACTIVE = (
    "{year}年，{we}共主动公开政府信息{proactive}条，其中{breakdown}。",
    "截至{year}年12月31日，{we}全年主动公开政府信息{proactive}条，全文电子化率达100%。",
    "全年通过门户网站、政务公开栏等渠道主动公开政府信息{proactive}条，{breakdown}。",
    "主动公开信息总数：{we}{year}年主动公开政府信息{proactive}条，更新政府信息公开指南和目录{updates}次。",
)
_RECEIVED = (
    "{year}年，{we}共收到政府信息公开申请{received}件，均已在规定期限内答复{channels}。",
    "全年受理政府信息公开申请{received}件，依申请公开信息数{items}条，办结率100%。",
    "本年度{we}收到公民、法人和其他组织提出的政府信息公开申请共{received}件，按时答复率100%。",
)
_NONE_RECEIVED = (
    "{year}年，{we}未收到政府信息公开申请。",
    "{we}{year}年未收到申请公开政府信息要求。",
    "本年度未收到公民、法人或其他组织提出的政府信息公开申请，接受政府信息公开咨询{consults}人次。",
)
# Keyed by (any reviews, any lawsuits).
_CASES = {
    (False, False): ("{year}年，{we}未发生因政府信息公开申请行政复议、提起行政诉讼的情况。",
                     "{we}{year}年未发生针对本部门有关政府信息公开事务的行政复议案；未发生针对本部门有关政府信息公开事务的行政诉讼案。",
                     "本年度未发生因政府信息公开引起的行政复议和行政诉讼。"),
    (True, False): ("{year}年，因政府信息公开申请被申请行政复议{reviews}件，未发生行政诉讼。",
                    "全年发生政府信息公开行政复议案件{reviews}件，均已依法办结；未发生行政诉讼案件。"),
    (False, True): ("本年度未发生政府信息公开行政复议案件，被提起行政诉讼{lawsuits}件。",
                    "{year}年，{we}未发生因政府信息公开申请行政复议的情况，被提起行政诉讼{lawsuits}件。"),
    (True, True): ("{year}年，因政府信息公开申请提起行政复议{reviews}件、行政诉讼{lawsuits}件。",
                   "全年共发生政府信息公开行政复议案件{reviews}件，行政诉讼案件{lawsuits}件，均已依法办结。"),
}


def report_blocks(truth: dict, rng: random.Random) -> list[tuple]:
    facts = _common_facts(truth, rng)
    if truth["template"] == "pre2019":
        return _pre2019_blocks(truth, rng, facts)
    return _template_blocks(truth, rng, facts)


def _common_facts(truth: dict, rng: random.Random) -> dict:
    """Names, addresses and the distractor figures (dates, phone numbers, 文号) of the prose."""
    portal = truth["variant"]["portal"]
    agency = truth["agency"]
    own = next((word for suffix, word in (("局", "我局"), ("厅", "我厅"), ("委员会", "我委"), ("办事处", "我办"))
                if agency.endswith(suffix)), "本机关")
    return {
        "year": truth["year"], "agency": agency, "we": rng.choice((own, own, "本机关", "我单位")),
        "site": portal["name"], "domain": portal["domain"], "address": portal["address"],
        "postcode": portal["postcode"], "phone": portal["phone"], "abbreviation": portal["abbreviation"],
        "province": truth["region"], "month": rng.randint(1, 12), "day": rng.randint(1, 28),
        "docno": rng.randint(1, 150), "staff": rng.randint(1, 6), "posts": rng.randint(40, 2000),
        "policies": rng.randint(3, 60), "readings": rng.randint(1, 30), "cleaned": rng.randint(5, 300),
        "wechat": rng.randint(50, 1500), "visits": rng.randint(10000, 900000), "columns": rng.randint(8, 40),
        "trainings": rng.randint(1, 12), "trainees": rng.randint(20, 600), "meetings": rng.randint(1, 8),
        "updates": rng.randint(1, 6), "consults": rng.randint(1, 80),
    }


def _template_blocks(truth: dict, rng: random.Random, facts: dict) -> list[tuple]:
    variant, template = truth["variant"], truth["template"]
    figures = printed_figures(truth)
    applications, cases = figures["applications"], figures["review_litigation"]
    figure = partial(format_figure, variant=variant)
    facts |= {
        "notice": _NOTICE.format(number="〔2021〕30号" if template == "2021" else "〔2019〕60号"),
        "doc_kind": "行政规范性文件" if template == "2021" else "规范性文件",
        "documents": figure(truth["active"]["normative_docs"]["issued" if template == "2021" else "new_made"]),
        "received": figure(applications["new_received"]["total"]),
        "carried": figure(applications["carried_over"]["total"]),
        "processed": figure(applications["total_processed"]["total"]),
        "forward": figure(applications["carried_forward"]["total"]),
        "disclosed": figure(applications["disclosed"]["total"]),
        "reviews": figure(cases["review"]["total"]),
        "suits": figure(cases["suit_direct"]["total"] + cases["suit_after_review"]["total"]),
    }
    overview = []
    for subtitle, phrasings in _OVERVIEW_SUBSECTIONS:
        text = rng.choice(phrasings).format(**facts)
        overview += [("paragraph", subtitle), ("paragraph", text)] if rng.random() < 0.5 else \
            [("paragraph", f"{subtitle}。{text}")]
    first, active, received, cases_heading, problems, other = TEMPLATE_HEADINGS
    review_lead = [("paragraph", rng.choice(_REVIEW_LEAD).format(**facts))] if rng.random() < 0.5 else []
    return [
        ("paragraph", rng.choice(_INTRO).format(**facts)),
        ("heading", first), *overview,
        ("heading", active), ("table", active_table(truth, rng)),
        ("heading", received), ("table", applications_table(truth)),
        ("heading", cases_heading), *review_lead, ("table", review_table(truth)),
        ("heading", problems), ("paragraph", rng.choice(_PROBLEMS).format(**facts)),
        ("paragraph", rng.choice(_IMPROVEMENTS).format(**facts)),
        ("heading", other), ("paragraph", rng.choice(_OTHER_MATTERS[template]).format(**facts)),
        *_signature(truth),
    ]


def _pre2019_blocks(truth: dict, rng: random.Random, facts: dict) -> list[tuple]:
    variant, narrative = truth["variant"], truth["narrative"]
    figure = partial(format_figure, variant=variant)
    proactive, received = narrative["proactive_total"], narrative["applications_received"]
    shares = _split(rng, proactive, 4)
    facts |= {
        "proactive": figure(proactive), "received": figure(received),
        "reviews": figure(narrative["reviews"]), "lawsuits": figure(narrative["lawsuits"]),
        "breakdown": "机构职能类{}条、政策法规类{}条、工作动态类{}条、其他类{}条".format(*map(figure, shares)),
        # 依申请公开信息数 counts items of information, never applications: a distractor.
        "items": figure(received + rng.randint(1, 40)),
        "channels": "，其中当面申请{}件、网络申请{}件、信函申请{}件".format(*map(figure, _split(rng, received, 3)))
        if received >= 3 else "",
    }
    received_text = rng.choice(_RECEIVED if received else _NONE_RECEIVED).format(**facts)
    cases_text = rng.choice(_CASES[bool(narrative["reviews"]), bool(narrative["lawsuits"])]).format(**facts)
    overview, active, requests, cases, problems, other = PRE2019_HEADINGS
    return [
        ("paragraph", rng.choice(_PRE2019_INTRO).format(**facts)),
        ("heading", overview), ("paragraph", rng.choice(_PRE2019_OVERVIEW).format(**facts)),
        ("heading", active), ("paragraph", rng.choice(_PROACTIVE).format(**facts)),
        ("heading", requests), ("paragraph", received_text),
        ("heading", cases), ("paragraph", cases_text),
        ("heading", problems), ("paragraph", rng.choice(_PROBLEMS).format(**facts)),
        ("paragraph", rng.choice(_IMPROVEMENTS).format(**facts)),
        ("heading", other), ("paragraph", rng.choice(_OTHER_MATTERS["pre2019"]).format(**facts)),
        *_signature(truth),
    ]


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`parts` positive integers summing to `total` (total >= parts)."""
    cuts = sorted(rng.sample(range(1, total), parts - 1))
    return [b - a for a, b in zip([0] + cuts, cuts + [total])]


def _signature(truth: dict) -> list[tuple]:
    year, month, day = (int(part) for part in truth["published_on"].split("-"))
    return [("paragraph", truth["agency"]), ("paragraph", f"{year}年{month}月{day}日")]


# ---------------------------------------------------------------------------------------------
# HTML pages

_WORD_SPAN = '<span style="font-family:仿宋_GB2312;font-size:14px">{}</span>'
_PROSE_SPAN = '<span style="font-family:仿宋_GB2312;font-size:16px">{}</span>'
_CONTAINERS = {
    "trs": ('<div class="TRS_Editor"><div class="Custom_UnionStyle"><style type="text/css">\n'
            ".TRS_Editor P{{margin-top:0px;margin-bottom:12px;line-height:1.8;font-family:宋体;font-size:12pt;}}"
            ".TRS_Editor TD{{font-size:12pt;}}\n</style>\n{body}</div></div>"),
    "hanweb": ('<div id="zoom"><!--ZJEG_RSS.content.begin--><meta name="ContentStart">\n{body}'
               '<meta name="ContentEnd"><!--ZJEG_RSS.content.end--></div>'),
    "generic": '<div class="article">\n{body}</div>',
}
_METADATA_LABELS = ("索引号", "主题分类", "发布机构", "成文日期", "文号", "发布日期")


def render_html(truth: dict, *, style: str, seed: int = 0) -> str:
    """A detail page as the portal serves it: chrome, 公开目录 box, Word-pasted body.

    Declares gb2312 when `truth['encoding']` is gb18030 (the caller encodes), as GBK sites do.
    """
    if style not in _CONTAINERS:
        raise ValueError(f"unknown style {style!r}; expected one of {HTML_STYLES}")
    rng = random.Random(f"html|{style}|{seed}|{truth['title']}")
    portal = truth["variant"]["portal"]
    charset = "gb2312" if truth["encoding"] == "gb18030" else "utf-8"
    title, site = html.escape(truth["title"]), html.escape(portal["name"])
    published = truth["published_on"]
    pub_time = f"{published} {rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}"
    arrow = rng.choice(("&gt;", ">"))
    malformed_spans = rng.random() < 0.2
    heading_markup = rng.choice(('<p style="text-indent:2em"><strong>{}</strong></p>', "<h3>{}</h3>",
                                 '<p style="text-indent:2em"><span style="font-family:黑体">{}</span></p>'))
    body = []
    for kind, payload in report_blocks(truth, rng):
        if kind == "table":
            body.append(_html_table(payload, rng, malformed_spans))
        elif kind == "heading":
            body.append(heading_markup.format(html.escape(payload)))
        else:
            body.append('<p style="text-indent:2em;line-height:1.75">'
                        + _PROSE_SPAN.format(html.escape(payload)) + "</p>")
    content = _CONTAINERS[style].format(body="\n".join(body) + "\n")
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>{title}_{site}</title>
<meta name="SiteName" content="{site}">
<meta name="SiteDomain" content="{portal['domain']}">
<meta name="SiteIDCode" content="{portal['site_code']}">
<meta name="ColumnName" content="政府信息公开年报">
<meta name="ArticleTitle" content="{title}">
<meta name="PubDate" content="{pub_time}">
<meta name="ContentSource" content="{html.escape(truth['agency'])}">
<link rel="stylesheet" href="/css/common.css">
<script src="/js/jquery-1.12.4.min.js"></script>
<script>
var _hmt = _hmt || [];
(function () {{ var hm = document.createElement("script"); hm.src = "/js/stat.js?{rng.randrange(16**8):08x}";
  var s = document.getElementsByTagName("script")[0]; s.parentNode.insertBefore(hm, s); }})();
</script>
</head>
<body>
<div class="header">
  <div class="top-bar"><span>欢迎访问{site}网站</span>
    <a href="/gate/big5/{portal['domain']}/" class="fanti">繁體版</a> | <a href="/wza/">无障碍浏览</a> | <a href="/m/">移动版</a>
  </div>
  <div class="logo"><a href="/"><img src="/images/logo.png" alt="{site}"></a><h1 class="site-name">{site}</h1></div>
  <ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/zwfw/">政务服务</a></li>
    <li><a href="/hdjl/">互动交流</a></li><li><a href="/zjgk/">走进{site.removesuffix('人民政府')}</a></li></ul>
</div>
<div class="main">
<div class="position">当前位置：<a href="/">首页</a> {arrow} <a href="/zwgk/">政务公开</a> {arrow} <a href="/zwgk/ndbg/">政府信息公开年报</a></div>
{_metadata_box(truth, rng)}
<div class="article-title"><h2>{title}</h2></div>
<div class="article-info">发布时间：{pub_time}　来源：{html.escape(truth['agency'])}　浏览次数：{rng.randint(12, 9000)}
  　字体：[<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a>]</div>
{content}
<div class="article-tools">
  <div class="share">分享到：<a class="share-wechat" href="javascript:void(0)">微信</a> <a class="share-weibo" href="javascript:void(0)">微博</a> <a class="share-qzone" href="javascript:void(0)">QQ空间</a></div>
  <a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a>
  <div class="qrcode"><img src="/images/qrcode.png" alt="">扫一扫在手机打开当前页</div>
</div>
</div>
<div class="footer">
  <p>主办单位：{site}办公室　承办单位：{site}大数据中心</p>
  <p>网站标识码：{portal['site_code']}　<a href="https://beian.miit.gov.cn/" target="_blank">{portal['icp']}</a></p>
  <p>地址：{html.escape(portal['address'])}　邮编：{portal['postcode']}　联系电话：{portal['phone']}</p>
</div>
<script>
function doZoom(size) {{ var zoom = document.getElementById("zoom") || document.querySelector(".article");
  if (zoom) {{ zoom.style.fontSize = size + "px"; }} }}
$(".share a").on("click", function () {{ window.open("/share?url=" + encodeURIComponent(location.href)); }});
</script>
</body>
</html>
"""


def _metadata_box(truth: dict, rng: random.Random) -> str:
    """The 公开目录 box in one of its three shapes: a table, a labelled list, padded <p> rows."""
    # 成文日期 often precedes 发布日期: a date a parser must not take for the publication date.
    written = datetime.date.fromisoformat(truth["published_on"]) - datetime.timedelta(days=rng.choice((0, 0, 1, 3, 6)))
    values = dict(zip(_METADATA_LABELS, (
        f"{rng.randrange(10**16, 10**17)}{rng.choice('0123456789X')}/{truth['year'] + 1}-{rng.randint(1, 99999):05d}",
        rng.choice(("综合政务\\政务公开", "政务公开", "其他")), truth["agency"], written.isoformat(),
        rng.choice(("", "无")), truth["published_on"])))
    values = {label: html.escape(value) for label, value in values.items()}
    layout = rng.choice(("table", "list", "rows"))
    if layout == "table":
        cells = [f'<td class="label">{label}：</td><td>{values[label]}</td>' for label in _METADATA_LABELS]
        rows = "".join(f"<tr>{cells[i]}{cells[i + 1]}</tr>" for i in range(0, len(cells), 2))
        return f'<table class="xxgk-table" width="100%">{rows}<tr><td class="label">名称：</td>' \
               f'<td colspan="3">{html.escape(truth["title"])}</td></tr></table>'
    if layout == "list":
        items = "".join(f"<li><label>{label}：</label><span>{values[label]}</span></li>" for label in _METADATA_LABELS)
        return f'<ul class="xxgk-info">{items}</ul>'
    pad = rng.choice((" ", "&nbsp;", "\u3000"))
    lines = "".join(f"<p><b>{(pad * (2 if len(label) == 2 else 1)).join(label)}：</b>{values[label]}</p>"
                    for label in _METADATA_LABELS)
    return f'<div class="xxgk-meta">{lines}</div>'


def _html_table(table: Table, rng: random.Random, malformed_spans: bool) -> str:
    rows = []
    for row in table.rows:
        cells = []
        for cell in row:
            spans = "".join(_span_attribute(name, value, rng, malformed_spans)
                            for name, value in (("rowspan", cell.rowspan), ("colspan", cell.colspan)) if value > 1)
            text = _WORD_SPAN.format(html.escape(cell.text)) if cell.text else "&nbsp;"
            cells.append(f'<td{spans} valign="center" style="border:solid windowtext 1px;padding:0 5px">'
                         f'<p style="text-align:center">{text}</p></td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return ('<table border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse" width="600"><tbody>\n'
            + "\n".join(rows) + "\n</tbody></table>")


def _span_attribute(name: str, value: int, rng: random.Random, malformed: bool) -> str:
    if malformed and rng.random() < 0.15:
        return rng.choice((f' {name}="{value}\\"', f' {name}=" {value}"'))
    return f' {name}="{value}"'


# ---------------------------------------------------------------------------------------------
# Text dumps


def render_text(truth: dict, *, layout: str, seed: int = 0) -> str:
    """The report as another tool dumped it: title, 发布日期 line, headings, prose and tables."""
    if layout not in TEXT_LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; expected one of {TEXT_LAYOUTS}")
    rng = random.Random(f"text|{layout}|{seed}|{truth['title']}")
    markdown = layout.startswith("markdown")
    pdf_like = layout in ("pdf_text", "glued", "pdf_layout")
    lines = [("# " if markdown else "") + truth["title"], f"发布日期：{truth['published_on']}",
             f"来源：{truth['agency']}"] + ([""] if markdown else [])
    page = 1
    for kind, payload in report_blocks(truth, rng):
        if kind == "table":
            lines += _TABLE_WRITERS[layout](payload) + ([""] if markdown else [])
        elif kind == "heading":
            lines += ["## " + payload, ""] if markdown else [payload]
        elif markdown:
            lines += [payload, ""]
        elif pdf_like:
            lines += _wrap(payload, rng.randint(34, 42))
            if rng.random() < 0.2:  # a page break leaves its page number behind
                lines.append(f"— {page} —")
                page += 1
        else:
            lines.append(payload)
    return "\n".join(lines) + "\n"


def _pipe_lines(table: Table) -> list[str]:
    return [" | ".join(cell.text for cell in row) + " |" for row in table.rows]


def _tab_lines(table: Table) -> list[str]:
    return ["\t".join(row) for row in grid(table, repeat_spanned=False)]


def _cell_per_line(table: Table) -> list[str]:
    lines = []
    for row in table.rows:
        lines += [f"{cell.text} |" for cell in row]
        if table.width > len(row):
            lines.append("|" * (table.width - len(row)))
    return lines


def _markdown_lines(table: Table) -> list[str]:
    header, *body = grid(table, repeat_spanned=True)
    return [_markdown_row(header), "|" + "---|" * table.width] + [_markdown_row(row) for row in body]


def _markdown_ocr_lines(table: Table) -> list[str]:
    placeholders = [f"Column{i}" for i in range(1, table.width + 1)]
    return [_markdown_row(placeholders), "|" + "---|" * table.width] + \
        [_markdown_row(row) for row in grid(table, repeat_spanned=False)]


def _markdown_row(texts: list[str]) -> str:
    return "| " + " | ".join(texts) + " |"


def _pdf_lines(table: Table, glue: bool = False) -> list[str]:
    """Labels, then the figures separated by single spaces; a blank cell leaves no token.

    A label too long for its column wraps, and its row's figures follow the last piece.
    With `glue`, adjacent glued cells (truth variant['glued']) lose the space between them.
    """
    lines = []
    for row in table.rows:
        tokens: list[str] = []
        previous_glued = False
        for cell in (cell for cell in row if cell.figure and cell.text):
            if glue and cell.glued and previous_glued:
                tokens[-1] += cell.text
            else:
                tokens.append(cell.text)
            previous_glued = cell.glued
        lines += _wrapped_row([cell.text for cell in row if not cell.figure and cell.text], tokens)
    return lines


def _wrapped_row(labels: list[str], figures: list[str], width: int = 16) -> list[str]:
    lines, current = [], []
    for label in labels:
        pieces = [label[i:i + width] for i in range(0, len(label), width)] if len(label) > width + 2 else [label]
        current.append(pieces[0])
        for piece in pieces[1:]:
            lines.append(" ".join(current))
            current = [piece]
    return lines + [" ".join(current + figures)]


_LABEL_FIELD = 30  # characters before the first figure column, in text laid out by column;
# every figure column is as wide as the table's longest figure and three spaces, right-aligned


def _pdf_layout_lines(table: Table) -> list[str]:
    """pdftotext -layout: figures right-aligned under fixed columns, a blank cell only white space.

    A long label wraps, its figures on its first line; a 表三 long enough for two pages gets
    the page's number as a footer and its header rows again after the break."""
    figure_columns = max(sum(cell.figure for cell in row) for row in table.rows)
    header = [row for row in table.rows if not any(cell.figure for cell in row)]
    column_width = 3 + max(len(cell.text) for row in table.rows for cell in row if cell.figure)
    lines = []
    for index, row in enumerate(table.rows):
        if figure_columns >= 7 and len(table.rows) > 20 and index == len(table.rows) // 2:
            lines += ["", f"— {index // 10} —", ""] + [_layout_header(row) for row in header]
        labels = [cell.text for cell in row if not cell.figure and cell.text]
        figures = [cell.text for cell in row if cell.figure]
        if not figures:
            lines.append(_layout_header(row))
            continue
        label = " ".join(labels)
        pieces = [label[i:i + _LABEL_FIELD - 4] for i in range(0, len(label), _LABEL_FIELD - 4)] or [""]
        offset = figure_columns - len(figures)  # a row with fewer figures starts further right (表二 blocks)
        line = pieces[0].ljust(_LABEL_FIELD + offset * column_width)
        line += "".join(text.rjust(column_width) for text in figures)
        lines += [line.rstrip()] + ["  " + piece for piece in pieces[1:]]
    return lines


def _layout_header(row: list) -> str:
    return "   ".join(cell.text for cell in row if cell.text)


def _markdown_group_lines(table: Table) -> list[str]:
    """One pipe table per group of rows, as some converters cut a long table: every part with
    a placeholder header (项目 | 数据1 … 数据N), the group's name as an extra first cell."""
    figure_columns = max(sum(cell.figure for cell in row) for row in table.rows)
    header = "| 项目 | " + " | ".join(f"数据{i}" for i in range(1, figure_columns + 1)) + " |"
    rule = "|" + "---|" * (figure_columns + 1)
    lines, group = [], None
    for row in table.rows:
        figures = [cell.text for cell in row if cell.figure]
        labels = [cell.text for cell in row if not cell.figure and cell.text]
        if not figures:  # the table's own header rows stay at the top of the first part
            lines += ([header, rule] if not lines else []) + ["| " + " | ".join(labels) + " |"]
            group = group or "header"
            continue
        lead = next((label for label in labels if label in SUBTOTALLED_GROUPS), None)
        if lead or group is None:
            group = lead or "table"
            lines += ["", header, rule]
        elif group == "header":
            group = "table"
        lines.append("| " + " | ".join(labels + figures) + " |")
    return lines


def _glued_page_lines(table: Table) -> list[str]:
    """An archive's page.txt (lxml text_content()): every cell's text, nothing between them."""
    return ["".join(cell.text for row in table.rows for cell in row)]


_TABLE_WRITERS = {
    "pipe": _pipe_lines, "tabs": _tab_lines, "cell_per_line": _cell_per_line,
    "pdf_text": _pdf_lines, "glued": lambda table: _pdf_lines(table, glue=True),
    "markdown": _markdown_lines, "markdown_ocr": _markdown_ocr_lines,
    "pdf_layout": _pdf_layout_lines, "markdown_groups": _markdown_group_lines, "glued_page": _glued_page_lines,
}

_NUMERIC = set("0123456789０１２３４５６７８９,.．%+-")


def _wrap(text: str, width: int) -> list[str]:
    """Fixed-width lines as PDF extraction gives them, never breaking inside a number."""
    lines, start = [], 0
    while len(text) - start > width:
        cut = start + width
        while cut > start + 1 and text[cut - 1] in _NUMERIC and text[cut] in _NUMERIC:
            cut -= 1
        lines.append(text[start:cut])
        start = cut
    return lines + [text[start:]]


# ---------------------------------------------------------------------------------------------
# Traditional characters, for the /gate/big5/ mirror

# Simplified characters this module and the generator print, and their Taiwan-standard forms as
# Big5 mirrors print them. Place names keep 余 岳 里 淀 (余杭, 岳麓, 海淀 are not 餘杭 嶽麓 海澱).
_SIMPLIFIED = (
    "万与专业东严个丰临为举乡于云从众会伦体兰关内军农决况准减划则办务动区医华单卫厅历"
    "县参双发台号后吴员咨围国场坚处备复够宁实审宽对导将尔属岗岛并广庆应废开强当录彦彻"
    "态总户执扫护报据数无时机权条来构标栏栾检楼欢没沪济浏游滨点环现电疗监码确碍称稳简"
    "类粤纠红级纳组细织经结绕络统继绩续维绵综编缴网罚职联胜苏范获补规览觉计认训议许讼"
    "设访识诉话询请读贝负贡财责质购贯费资转载较输达过运还这进邮郑采针铁镇镕长门闭问间"
    "阅阳页项预领题额风鲁黄龙"
)
_TRADITIONAL = (
    "萬與專業東嚴個豐臨為舉鄉於雲從眾會倫體蘭關內軍農決況準減劃則辦務動區醫華單衛廳歷"
    "縣參雙發臺號後吳員諮圍國場堅處備復夠寧實審寬對導將爾屬崗島並廣慶應廢開強當錄彥徹"
    "態總戶執掃護報據數無時機權條來構標欄欒檢樓歡沒滬濟瀏遊濱點環現電療監碼確礙稱穩簡"
    "類粵糾紅級納組細織經結繞絡統繼績續維綿綜編繳網罰職聯勝蘇範獲補規覽覺計認訓議許訟"
    "設訪識訴話詢請讀貝負貢財責質購貫費資轉載較輸達過運還這進郵鄭採針鐵鎮鎔長門閉問間"
    "閱陽頁項預領題額風魯黃龍"
)
_TO_TRADITIONAL = str.maketrans(_SIMPLIFIED, _TRADITIONAL)
# Mirror sites put toned pinyin after some characters: 鄉(xiāng) 報(bào).
_PINYIN = {"鄉": "xiāng", "報": "bào", "開": "kāi", "務": "wù", "內": "nèi", "領": "lǐng", "導": "dǎo",
           "關": "guān", "請": "qǐng", "處": "chù", "結": "jié", "縣": "xiàn", "區": "qū", "項": "xiàng",
           "數": "shù", "計": "jì", "轉": "zhuǎn", "議": "yì", "訟": "sòng", "號": "hào", "資": "zī"}


def traditional(text: str, *, add_pinyin: bool = False) -> str:
    """Simplified -> Traditional by a table of the characters this module prints.

    Not OpenCC: the replica must not share the parser's converter, and only its own text ever
    needs converting. A t2s converter restores the Simplified text exactly.
    """
    converted = text.translate(_TO_TRADITIONAL)
    if not add_pinyin:
        return converted
    return "".join(f"{char}({_PINYIN[char]})" if char in _PINYIN else char for char in converted)
