"""The replica's report generator: truths obey the template, and every rendering shows them.

The HTML checks rebuild each table's grid from its rowspan/colspan (as a browser would) and
read 表三 by row label, so a span that is off by one fails here, not in the parser's tests.
"""
import html
import itertools
import re

import lxml.html
import opencc
import pytest

from replica import render
from replica.generator import corpus, generate, render_html, render_text, traditional
from replica.render import APPLICANT_COLUMNS, CLOSING_ROWS, OUTCOME_ROWS, RECEIPT_ROWS, format_figure

TRUTH_KEYS = {"title", "agency", "year", "published_on", "template", "traditional", "encoding", "active",
              "applications", "review_litigation", "narrative", "problems", "region", "variant",
              "blank_cells", "inconsistent", "inferred"}
COLUMNS = APPLICANT_COLUMNS + ("total",)
TRUTHS = generate(2024, 600)


def row_keys(template):
    return ([key for key, _ in RECEIPT_ROWS] + [key for key, _g, _l in OUTCOME_ROWS[template]]
            + [key for key, _ in CLOSING_ROWS])


def row_labels(template):
    return dict(RECEIPT_ROWS + CLOSING_ROWS) | {key: label for key, _g, label in OUTCOME_ROWS[template]}


def sample(predicate, count=1):
    found = [truth for truth in TRUTHS if predicate(truth)][:count]
    assert len(found) == count, "the sample holds too few such reports"
    return found


# A spread of reports that together show every variant.
SHOWCASE = list({id(t): t for t in (
    sample(lambda t: t["template"] == "pre2019", 3)
    + sample(lambda t: t["template"] == "2019", 3) + sample(lambda t: t["template"] == "2021", 3)
    + sample(lambda t: t["variant"]["subtotal_rows"], 2) + sample(lambda t: t["variant"]["subtotal_column"], 2)
    + sample(lambda t: t["variant"]["units"], 2) + sample(lambda t: t["variant"]["thousands"], 2)
    + sample(lambda t: t["variant"]["fullwidth_digits"], 2) + sample(lambda t: t["variant"]["blank"], 2)
    + sample(lambda t: t["variant"]["inconsistent"], 2)
)}.values())


def all_figures(truth):
    for table in ("active", "applications", "review_litigation"):
        for row, values in truth[table].items():
            for column, value in values.items():
                yield (table, row, column), value
    for key, value in truth["narrative"].items():
        if value:  # a zero is stated in words (未收到, 未发生): see test_pre2019_prose_states_the_narrative
            yield ("narrative", key, None), value


def html_grids(page):
    """Every <table> of the page as a rectangle of cell texts, rebuilt from its spans."""
    grids = []
    for table in lxml.html.fromstring(page).iter("table"):
        placed = {}
        for r, tr in enumerate(table.iter("tr")):
            c = 0
            for td in tr.findall("td"):
                while (r, c) in placed:
                    c += 1
                rowspan, colspan = (int(re.match(r"\s*(\d+)", td.get(name, "1")).group(1))
                                    for name in ("rowspan", "colspan"))
                for dr, dc in itertools.product(range(rowspan), range(colspan)):
                    assert (r + dr, c + dc) not in placed, "overlapping spans"
                    placed[r + dr, c + dc] = td.text_content().replace("\xa0", "").strip()
                c += colspan
        height, width = max(r for r, _ in placed) + 1, max(c for _, c in placed) + 1
        assert len(placed) == height * width, "a table row is short of cells"
        grids.append([[placed[r, c] for c in range(width)] for r in range(height)])
    return grids


def applications_read_back(rows, truth):
    """表三 read from a grid by row label: {row: {column: text}}, the 小计 column skipped."""
    labels = row_labels(truth["template"])
    subtotal = truth["variant"]["subtotal_column"]
    found = {}
    for cells in rows:
        for key, label in labels.items():
            if label in cells[:3] and cells[3:] and key not in found:
                figures = cells[-8:] if subtotal else cells[-7:]
                if subtotal:
                    figures = figures[:6] + figures[7:]
                found[key] = dict(zip(COLUMNS, figures))
    return found


def printed_by(truth):
    """How `truth` prints 表三 cell (row, column)."""
    return lambda row, column: format_figure(truth["applications"][row][column], truth["variant"])


def expected_texts(truth):
    blanks = {(row, column): mark for (_t, row, column), mark in zip(truth["blank_cells"], ("", "/"))}
    return {row: {column: blanks.get((row, column)) if (row, column) in blanks
                  else format_figure(truth["applications"][row][column], truth["variant"])
                  for column in COLUMNS}
            for row in row_keys(truth["template"])}


# --- truths ---------------------------------------------------------------------------------

def test_same_seed_same_reports_and_prefix_stable():
    assert generate(7, 40) == generate(7, 40)
    assert generate(7, 40)[:15] == generate(7, 15)
    assert generate(7, 40) != generate(8, 40)
    truth = generate(7, 1)[0]
    assert render_html(truth, style="trs", seed=1) == render_html(truth, style="trs", seed=1)
    assert render_html(truth, style="trs", seed=1) != render_html(truth, style="trs", seed=2)
    assert render_text(truth, layout="pdf_text", seed=1) == render_text(truth, layout="pdf_text", seed=1)


def test_truth_keys_and_metadata():
    for truth in TRUTHS:
        assert set(truth) == TRUTH_KEYS
        year, template = truth["year"], truth["template"]
        assert template == ("2021" if year >= 2021 else "2019" if year >= 2019 else "pre2019")
        published_year, month, _day = map(int, truth["published_on"].split("-"))
        assert published_year == year + 1 and 1 <= month <= 3
        assert truth["title"] in (f"{truth['agency']}{year}年政府信息公开工作年度报告",
                                  f"{year}年{truth['agency']}政府信息公开工作年度报告")
        assert truth["traditional"] is False and truth["encoding"] == "utf-8" and truth["problems"] == []
        if template == "pre2019":
            assert truth["active"] == truth["applications"] == truth["review_litigation"] == {}
            assert set(truth["narrative"]) == {"proactive_total", "applications_received", "reviews", "lawsuits"}
        else:
            assert truth["narrative"] == {}


def test_years_restrict_templates():
    assert {t["template"] for t in generate(3, 50, years=range(2019, 2021))} == {"2019"}
    assert {t["year"] for t in generate(3, 50, years=range(2015, 2016))} == {2015}


def test_active_keys_follow_the_template():
    for truth in TRUTHS:
        if truth["template"] == "pre2019":
            continue
        expected = {key: set(section.fields) for section in render.ACTIVE_SECTIONS[truth["template"]]
                    for key, _label in section.rows}
        assert {key: set(fields) for key, fields in truth["active"].items()} == expected
        for values in truth["active"].values():
            for field, value in values.items():
                assert isinstance(value, float) if field == "amount" else isinstance(value, int)
                if field == "amount":
                    assert round(value, 2) == value
    changes = [t["active"]["licensing"]["change"] for t in TRUTHS if t["template"] == "2019"]
    assert min(changes) < 0 < max(changes)


def test_applications_cell_counts():
    for truth in TRUTHS:
        if truth["template"] == "pre2019":
            continue
        cells = [(row, column) for row, values in truth["applications"].items() for column in values]
        blanks = [cell for cell in truth["blank_cells"] if cell[0] == "applications"]
        expected = (25 if truth["template"] == "2021" else 23) * 7 - len(blanks)
        assert len(cells) == expected
        assert list(truth["applications"]) == [row for row in row_keys(truth["template"])
                                               if row in truth["applications"]]
        for table, row, column in truth["blank_cells"]:
            assert column not in truth[table].get(row, {})


def test_arithmetic_holds_except_the_declared_cell():
    for truth in TRUTHS:
        if truth["template"] == "pre2019":
            continue
        apps = truth["applications"]
        outcomes = [key for key, _g, _l in OUTCOME_ROWS[truth["template"]]]
        broken = tuple(truth["inconsistent"] or ())
        for row, values in apps.items():
            if len(values) == 7 and (row, "total") != broken:
                assert values["total"] == sum(values[c] for c in APPLICANT_COLUMNS), row
        for column in COLUMNS:
            if all(column in apps[row] for row in apps) and not (column == "total" and broken):
                assert apps["new_received"][column] + apps["carried_over"][column] == \
                    apps["total_processed"][column] + apps["carried_forward"][column]
                assert apps["total_processed"][column] == sum(apps[row][column] for row in outcomes)
        for group in truth["review_litigation"].values():
            assert group["total"] == group["upheld"] + group["corrected"] + group["other"] + group["pending"]
        if broken:
            row, column = broken
            assert apps[row][column] != sum(apps[row][c] for c in APPLICANT_COLUMNS)


def test_rows_hold_distinct_figures_and_some_zeros_and_thousands():
    zero_rows = 0
    for truth in TRUTHS:
        if truth["variant"]["zeros_blank"]:  # rows of 0 there, see test_zeros_blank_truth_follows_the_rule
            continue
        for values in truth["applications"].values():
            applicants = [values[c] for c in APPLICANT_COLUMNS if c in values]
            assert len(set(applicants)) == len(applicants)
            zero_rows += 0 in applicants
    assert zero_rows > 100
    assert any(t["applications"].get("new_received", {}).get("total", 0) >= 1000 for t in TRUTHS)


def test_variant_flags_each_take_a_fair_share():
    truths = generate(99, 1500)
    tables = [t for t in truths if t["template"] != "pre2019"]
    share = {flag: sum(bool(t["variant"][flag]) for t in tables) / len(tables)
             for flag in ("subtotal_rows", "subtotal_column", "units", "thousands", "fullwidth_digits",
                          "inconsistent", "blank", "glued", "zeros_blank")}
    for flag in ("subtotal_rows", "subtotal_column", "units", "thousands"):
        assert 0.1 < share[flag] < 0.5, (flag, share[flag])
    assert 0.04 < share["fullwidth_digits"] < 0.15
    assert 0.01 < share["inconsistent"] < 0.06
    assert 0.02 < share["blank"] < 0.09
    assert all(t["variant"]["glued"] for t in tables if not t["variant"]["zeros_blank"])
    assert 0.02 < share["zeros_blank"] < 0.09
    assert all(t["inconsistent"] is None for t in tables if not t["variant"]["inconsistent"])
    assert all(len(t["blank_cells"]) == 2 for t in tables if t["variant"]["blank"])
    agencies = [t["agency"] for t in truths]
    assert sum(any(ch in a for ch in "镕堃喆") for a in agencies) >= 5
    assert any("\U00020BB7" in a for a in agencies)


def test_zeros_blank_truth_follows_the_rule():
    """SCHEMA.md: a printed 0 left empty is in the truth (and `inferred`) only where a printed
    total equal to its printed cells proves it; the rest are named in `blank_cells`."""
    truths = [t for t in generate(99, 1500) if t["variant"]["zeros_blank"]]
    assert truths and any(t["inferred"] for t in truths) and any(t["blank_cells"] for t in truths)
    for truth in truths:
        for path in truth["inferred"]:
            table, row, column = path.split(".")
            assert truth[table][row][column] == 0 and column != "total"
        for table, row, column in truth["blank_cells"]:
            assert column not in truth[table].get(row, {})
        marks = render.blank_marks(truth)
        assert set(marks.values()) == {""} and len(marks) == len(truth["inferred"]) + len(truth["blank_cells"])


def test_glued_cells_are_adjacent_and_spare_blank_rows():
    for truth in TRUTHS:
        spared = {row for _t, row, _c in truth["blank_cells"]} | {(truth["inconsistent"] or [None])[0]}
        for row, columns in truth["variant"]["glued"]:
            assert row in truth["applications"] and row not in spared
            assert 2 <= len(columns) <= 3
            start = APPLICANT_COLUMNS.index(columns[0])
            assert tuple(columns) == APPLICANT_COLUMNS[start:start + len(columns)]


def test_format_figure():
    plain = {"thousands": False, "fullwidth_digits": False}
    assert format_figure(1234, plain) == "1234"
    assert format_figure(1234, plain | {"thousands": True}) == "1,234"
    assert format_figure(1234, {"thousands": True, "fullwidth_digits": True}) == "１,２３４"
    assert format_figure(3967.5, plain) == "3967.5"
    assert format_figure(12.25, plain) == "12.25"
    assert format_figure(80.0, plain) == "80"


# --- renderings -----------------------------------------------------------------------------

@pytest.mark.parametrize("truth", SHOWCASE, ids=lambda t: f"{t['template']}-{t['year']}")
def test_every_figure_appears_in_every_rendering(truth):
    renderings = [render_html(truth, style=style, seed=5) for style in render.HTML_STYLES]
    renderings += [render_text(truth, layout=layout, seed=5) for layout in render.TEXT_LAYOUTS]
    for rendered in renderings:
        for where, value in all_figures(truth):
            assert format_figure(abs(value), truth["variant"]) in rendered, where


@pytest.mark.parametrize("style", render.HTML_STYLES)
def test_html_tables_read_back_by_label(style):
    for truth in SHOWCASE:
        if truth["template"] == "pre2019":
            continue
        page = render_html(truth, style=style, seed=11)
        grids = html_grids(page)
        applications = next(g for g in grids if "申请人情况" in g[0])
        assert applications_read_back(applications, truth) == expected_texts(truth)
        assert applications[0][:3] == ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"] * 3
        review = next(g for g in grids if g[0][0] == "行政复议")
        assert len(review[-1]) == 15 and review[1][5] == "未经复议直接起诉"
        active = next(g for g in grids if g[0][0] == "第二十条第（一）项")
        assert active[2][0] == "规章"


def test_applications_header_spans_follow_the_template():
    for template, rowspan in (("2021", 22), ("2019", 20)):
        truth = sample(lambda t, template=template: t["template"] == template and not t["variant"]["subtotal_rows"]
                       and not t["variant"]["subtotal_column"])[0]
        table = render.applications_table(truth)
        assert (table.rows[0][0].rowspan, table.rows[0][0].colspan) == (3, 3)
        assert [cell.text for cell in table.rows[2]] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
        result_cell = next(cell for row in table.rows for cell in row if cell.text == "三、本年度办理结果")
        assert result_cell.rowspan == rowspan
    subtotalled = sample(lambda t: t["template"] == "2021" and t["variant"]["subtotal_rows"])[0]
    table = render.applications_table(subtotalled)
    assert next(c for row in table.rows for c in row if c.text == "三、本年度办理结果").rowspan == 26
    assert sum(row[-2].text == "小计" or any(c.text == "小计" for c in row) for row in table.rows[3:]) == 4


def test_malformed_spans_occur_and_still_read():
    pages = [render_html(t, style="generic", seed=s) for t in SHOWCASE if t["template"] != "pre2019"
             for s in range(6)]
    assert any('span="3\\"' in p or 'span="2\\"' in p or 'span=" ' in p for p in pages)


@pytest.mark.parametrize("style", render.HTML_STYLES)
def test_html_chrome_and_metadata_box(style):
    layouts = set()
    for truth in SHOWCASE:
        page = render_html(truth, style=style, seed=len(layouts))
        for needle in ("当前位置", "首页", "政务公开", "政府信息公开年报", "主办单位", "网站标识码", "ICP备",
                       "<script", "繁體版", "分享到", "打印本页", 'name="ArticleTitle"', 'name="PubDate"',
                       'name="ContentSource"', 'name="SiteName"'):
            assert needle in page, needle
        text = re.sub(r"[\s\u3000\xa0]", "", html.unescape(re.sub(r"<[^>]+>", "", page)))
        assert "当前位置：首页>政务公开>政府信息公开年报" in text
        assert f"发布机构：{truth['agency']}" in text and f"发布日期：{truth['published_on']}" in text
        assert "索引号：" in text and "成文日期：" in text and "文号：" in text and "主题分类：" in text
        layouts |= {name for name, marker in (("table", 'class="xxgk-table"'), ("list", "<label>"),
                                              ("rows", 'class="xxgk-meta"')) if marker in page}
        body_marker = {"trs": '<div class="TRS_Editor"><div class="Custom_UnionStyle"><style',
                       "hanweb": '<div id="zoom">', "generic": '<div class="article">'}[style]
        assert body_marker in page
        if style == "generic":
            assert "TRS_Editor" not in page and 'id="zoom"' not in page
    for seed in range(12):
        page = render_html(SHOWCASE[0], style=style, seed=seed)
        layouts |= {name for name, marker in (("table", 'class="xxgk-table"'), ("list", "<label>"),
                                              ("rows", 'class="xxgk-meta"')) if marker in page}
    assert layouts == {"table", "list", "rows"}


def test_html_prose_agrees_with_the_tables():
    for truth in SHOWCASE:
        if truth["template"] == "pre2019":
            continue
        pages = "".join(render_html(truth, style="hanweb", seed=s) for s in range(8))
        received = format_figure(truth["applications"]["new_received"]["total"], truth["variant"])
        assert re.search(f"(收到|受理|新收)政府信息公开申请{re.escape(received)}件", pages)
        for heading in render.TEMPLATE_HEADINGS:
            assert heading in pages


def test_html_declares_gb2312_for_gb18030():
    truth = dict(SHOWCASE[0], encoding="gb18030")
    assert "charset=gb2312" in render_html(truth, style="trs")
    assert "charset=utf-8" in render_html(SHOWCASE[0], style="trs")


@pytest.mark.parametrize("layout", render.TEXT_LAYOUTS)
def test_text_layouts_carry_title_date_and_headings(layout):
    for truth in SHOWCASE:
        text = render_text(truth, layout=layout, seed=3)
        assert truth["title"] in text.splitlines()[0]
        assert f"发布日期：{truth['published_on']}" in text.splitlines()
        headings = render.PRE2019_HEADINGS if truth["template"] == "pre2019" else render.TEMPLATE_HEADINGS
        for heading in headings:
            assert heading in text


def test_tabs_and_markdown_ocr_are_the_html_grid():
    for truth in SHOWCASE:
        if truth["template"] == "pre2019":
            continue
        lines = render_text(truth, layout="tabs", seed=1).splitlines()
        rows = [line.split("\t") for line in lines if "\t" in line]
        assert applications_read_back(rows, truth) == expected_texts(truth)
        ocr = render_text(truth, layout="markdown_ocr", seed=1).splitlines()
        assert any(line.startswith("| Column1 | Column2 |") for line in ocr)
        rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in ocr if line.startswith("| ")]
        assert applications_read_back(rows, truth) == expected_texts(truth)


def test_pipe_and_cell_per_line_follow_the_seeds():
    truth = sample(lambda t: t["template"] == "2021" and not t["variant"]["subtotal_column"]
                   and not t["variant"]["blank"])[0]
    fig = printed_by(truth)
    pipe = render_text(truth, layout="pipe").splitlines()
    assert "第二十条第（一）项 |" in pipe
    assert "三、本年度办理结果 | （一）予以公开 | " + " | ".join(fig("disclosed", c) for c in COLUMNS) + " |" in pipe
    assert "2.重复申请 | " + " | ".join(fig("rejected_duplicate", c) for c in COLUMNS) + " |" in pipe
    cells = render_text(truth, layout="cell_per_line").splitlines()
    start = cells.index("第二十条第（一）项 |")
    assert cells[start + 1] == "|||"
    row = cells.index("一、本年新收政府信息公开申请数量 |")
    assert cells[row + 1:row + 9] == [f"{fig('new_received', c)} |" for c in COLUMNS] + ["||"]


def test_markdown_has_a_header_separator():
    truth = sample(lambda t: t["template"] == "2019")[0]
    lines = render_text(truth, layout="markdown").splitlines()
    assert "|---|---|---|---|" in lines and "|" + "---|" * 10 in lines


def test_pdf_text_wraps_long_labels_with_their_figures():
    truth = sample(lambda t: t["template"] == "2021" and not t["variant"]["blank"])[0]
    fig = printed_by(truth)
    lines = render_text(truth, layout="pdf_text").splitlines()
    assert not any("（二）部分公开（区分处理的，只计这一情形，不计其他情形）" in line for line in lines)
    partial = " ".join(fig("partially_disclosed", c) for c in COLUMNS)
    wrapped = next(i for i, line in enumerate(lines) if line.startswith("（二）部分公开"))
    assert lines[wrapped + 1].endswith(" " + partial)
    review = " ".join(format_figure(v, truth["variant"]) for group in truth["review_litigation"].values()
                      for v in group.values())
    assert review in lines


def test_glued_layout_joins_exactly_the_declared_cells():
    for truth in SHOWCASE:
        if truth["template"] == "pre2019":
            continue
        glued, spaced = (render_text(truth, layout=layout, seed=4) for layout in ("glued", "pdf_text"))
        for row, columns in truth["variant"]["glued"]:
            texts = [format_figure(truth["applications"][row][c], truth["variant"]) for c in columns]
            assert "".join(texts) in glued
            assert " ".join(texts) in spaced


def test_blank_cells_print_empty_and_slash():
    truth = sample(lambda t: t["variant"]["blank"])[0]
    grid = next(g for g in html_grids(render_html(truth, style="trs")) if "申请人情况" in g[0])
    found = applications_read_back(grid, truth)
    (_, first_row, first_column), (_, second_row, second_column) = truth["blank_cells"]
    assert found[first_row][first_column] == "" and found[second_row][second_column] == "/"


def test_pre2019_prose_states_the_narrative():
    for truth in [t for t in TRUTHS if t["template"] == "pre2019"][:60]:
        narrative, variant = truth["narrative"], truth["variant"]
        text = render_text(truth, layout="pipe", seed=2)
        assert f"主动公开政府信息{format_figure(narrative['proactive_total'], variant)}条" in text
        requests = text.split(render.PRE2019_HEADINGS[2])[1].split(render.PRE2019_HEADINGS[3])[0]
        received = narrative["applications_received"]
        assert ("未收到" in requests) == (received == 0)
        if received:
            assert f"申请{format_figure(received, variant)}件" in requests or \
                f"申请共{format_figure(received, variant)}件" in requests
        cases = text.split(render.PRE2019_HEADINGS[3])[1].split(render.PRE2019_HEADINGS[4])[0]
        for key, _word in (("reviews", "行政复议"), ("lawsuits", "行政诉讼")):
            if narrative[key]:
                assert f"{format_figure(narrative[key], variant)}件" in cases
            else:
                assert "未发生" in cases
    texts = "".join(render_text(t, layout="markdown", seed=s) for t in TRUTHS if t["template"] == "pre2019"
                    for s in range(2))
    for distractor in ("依申请公开信息数", "〕", "电话：", "12月31日"):
        assert distractor in texts


def test_traditional_converts_back():
    page = render_html(SHOWCASE[-1], style="hanweb", seed=2)
    converted = traditional(page)
    assert "報告" in converted and "報告" not in page and "开" not in converted
    # The page's own 繁體版 link is Traditional already; t2s turns it Simplified.
    assert opencc.OpenCC("t2s").convert(converted) == page.replace("繁體版", "繁体版")
    for truth in SHOWCASE:
        text = render_text(truth, layout="pipe")
        assert opencc.OpenCC("t2s").convert(traditional(text)) == text
    assert traditional("和胜乡报告", add_pinyin=True) == "和勝鄉(xiāng)報(bào)告"


def test_corpus_streams_and_matches_generate():
    endless = corpus(5, 10**9)
    first = list(itertools.islice(endless, 3))
    assert len(first) == 3
    items = list(corpus(5, 60))
    assert len(items) == 60 and len({name for name, _, _ in items}) == 60
    truths = generate(5, 60)
    kinds = set()
    for (name, data, truth), generated in zip(items, truths):
        assert {k: v for k, v in truth.items() if k != "encoding"} == \
            {k: v for k, v in generated.items() if k != "encoding"}
        text = data.decode(truth["encoding"])
        assert truth["title"] in text
        if name.endswith(".html"):
            declared = "gb2312" if truth["encoding"] == "gb18030" else "utf-8"
            assert f"charset={declared}" in text
        kinds.add(name.split("_", 1)[1])
        kinds.add(truth["encoding"])
    assert {"trs.html", "hanweb.html", "generic.html", "utf-8", "gb18030"} <= kinds
    assert len([k for k in kinds if k.endswith(".txt")]) >= 5
