"""parsers.html on saved portal pages (tests/files/pages) and on built edge cases."""

import lxml.html
import pytest

from parsers.decode import decode
from parsers.html import GridCell, Page, looks_like_html, read_page, table_grid
from tests.conftest import FILES

PAGES = FILES / "pages"
CHROME = ("当前位置", "您当前的位置", "您现在的位置", "网站地图", "繁體版", "繁体", "联系我们",
          "分享到", "打印本页", "关闭窗口", "无障碍", "首页", "主办", "ICP")


def load(name: str) -> Page:
    return read_page(decode((PAGES / name).read_bytes()).text)


def assert_no_chrome(page: Page) -> None:
    for word in CHROME:
        assert word not in page.text, word


# -- saved pages -----------------------------------------------------------------------

def test_trs_page():
    data = (PAGES / "trs_ndbg_gbk.html").read_bytes()
    decoded = decode(data)
    assert decoded.encoding == "gb18030" and decoded.problems == []
    page = read_page(decoded.text)
    title = "鄂伦春自治旗民政局2023年政府信息公开工作年度报告"
    assert page.title == title
    assert page.body_rule == ".TRS_Editor"
    assert page.metadata == {
        "SiteName": "鄂伦春自治旗人民政府",
        "SiteDomain": "www.elc.gov.cn",
        "ColumnName": "政府信息公开年报",
        "ArticleTitle": title,
        "PubDate": "2024-01-19 09:30",
        "ContentSource": "鄂伦春自治旗民政局",
        "index_no": "11152723MB1G12345X/2024-00012",
        "publisher": "鄂伦春自治旗民政局",
        "written_on": "2024-01-18",
        "published_on": "2024-01-19",
        "doc_no": "鄂民政发〔2024〕3号",
        "topic": "民政、扶贫、救灾",
    }
    lines = page.text.splitlines()
    assert lines[0] == title  # the h1 sits outside .TRS_Editor: prepended
    assert lines[1].startswith("根据《中华人民共和国政府信息公开条例》（以下简称《条例》）")
    assert "经办人：王堃、张喆；审核人：朱镕基。" in lines[4]
    for line in [
        "一、总体情况",
        "第二十条第（一）项 |",
        "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |",
        "行政规范性文件 | 1 | 0 | 5 |",
        "信息内容 | 本年处理决定数量 |",  # colspan=" 3"
        "行政许可 | 126 |",
        "行政强制 |  |",  # &nbsp; cell stays an empty cell
        "信息内容 | 本年收费金额（单位：万元） |",
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） | 申请人情况 |",
        "自然人 | 法人或其他组织 | 总计 |",
        "商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 |",
        "一、本年新收政府信息公开申请数量 | 12 | 1 | 0 | 0 | 0 | 0 | 13 |",
        "三、本年度办理结果 | （一）予以公开 | 8 | 1 | 0 | 0 | 0 | 0 | 9 |",  # rowspan="22\"
        "（二）部分公开 （区分处理的，只计这一情形，不计其他情形） | 1 | 0 | 0 | 0 | 0 | 0 | 1 |",
        "（三）不予公开 | 1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
        "8.属于行政查询事项 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
        "（四）无法提供 | 1.本机关不掌握相关政府信息 | 3 | 0 | 0 | 0 | 0 | 0 | 3 |",
        "3.其他 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
        "（七）总计 | 12 | 1 | 0 | 0 | 0 | 0 | 13 |",  # "1" and "3" in separate spans
        "四、结转下年度继续办理 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
        "行政复议 | 行政诉讼 |",
        "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议 直接起诉 | 复议后起诉 |",
        "1 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
    ]:
        assert line in lines, line
    assert lines[-2:] == ["鄂伦春自治旗民政局", "2024年1月18日"]
    assert sum(line.count("三、本年度办理结果") for line in lines) == 1  # the rowspan label once
    assert "发布时间" not in page.text and "字体" not in page.text
    assert "TRS_Editor" not in page.text and "document.write" not in page.text
    assert_no_chrome(page)


def test_hanweb_zoom_page():
    page = load("hanweb_zoom.html")
    title = "长沙市雨花区民政局2023年政府信息公开工作年度报告"
    assert page.title == title  # the report h1, not the logo h1 before it
    assert page.body_rule == "#zoom"
    assert page.metadata == {
        "SiteName": "长沙市雨花区人民政府",
        "ColumnName": "年度报告",
        "index_no": "430111-0101-2024-0003",
        "publisher": "长沙市雨花区民政局",
        "topic": "民政",
        "written_on": "2024-01-18",
        "published_on": "2024-01-19",
    }
    assert page.text.splitlines() == [
        title,
        "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求编制。",
        "一、总体情况",
        "2023年，雨花区民政局主动公开政府信息212条。",
        "全年办理依申请公开3件。",
        "二、主动公开政府信息情况",  # from the layout table's cell, then the inner table's rows
        "第二十条第（一）项 |",
        "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |",
        "规章 | 0 | 0 | 0 |",
        "行政规范性文件 | 2 | 1 | 14 |",
        "第二十条第（五）项 |",
        "信息内容 | 本年处理决定数量 |",
        "行政许可 | 5 |",
        "三、收到和处理政府信息公开申请情况",
        "行政复议 | 结果维持 | 结果纠正 | 其他结果 |",
        "5 |  | 3 |",
        "行政许可 | 5 |  | 3 |",
        "四、存在的主要问题及改进情况",
        "一是公开内容不够全面。二是政策解读形式单一。",
    ]
    assert_no_chrome(page)


def test_govcn_ucap_page():
    page = load("govcn_ucap.html")
    title = "国务院办公厅2023年政府信息公开工作年度报告"
    assert page.title == title  # from div.pages-title
    assert page.body_rule == "#UCAP-CONTENT"
    assert page.metadata == {
        "SiteName": "中国政府网",
        "SiteDomain": "www.gov.cn",
        "ColumnName": "政府信息公开",
        "ContentSource": "国务院办公厅",  # <meta name="contentsource">
        "index_no": "000014349/2024-00031",
        "topic": "综合政务\\政务公开",
        "publisher": "国务院办公厅",  # 发文机关
        "written_on": "2024-03-27",
        "doc_no": "国办函〔2024〕18号",  # 发文字号
        "published_on": "2024-03-28",
    }
    assert page.text.splitlines() == [
        title,
        "本报告依据《中华人民共和国政府信息公开条例》编制。",
        "一、总体情况",
        "2023年，国务院办公厅深入推进政务公开。",
        "四、政府信息公开行政复议、行政诉讼情况",
        "行政复议 | 行政诉讼 |",  # colspan="abc" read as 1
        "结果维持 | 合计 | 结果纠正 |",  # rowspan="0" as 1, rowspan=10^9 clamped
        "2 |",
        "五、存在的主要问题及改进情况",
        "政策解读的针对性还需增强。",
    ]
    assert_no_chrome(page)
    assert "English" not in page.text and "字体" not in page.text


def test_scoring_page_with_padded_p_row_labels():
    page = load("scoring_prows.html")
    title = "延津县民政局2023年政府信息公开工作年度报告"
    assert page.title == title  # <title> with " - 延津县人民政府门户网站" cut
    assert page.body_rule == "scoring"
    assert page.metadata == {
        "index_no": "410726-01-2024-0002",
        "publisher": "延津县民政局",
        "written_on": "2024-01-20",
        "published_on": "2024-01-22",
        "doc_no": "延民〔2024〕2号",
    }
    lines = page.text.splitlines()
    assert lines[:3] == [title, "一、总体情况", lines[2]]
    assert lines[2].startswith("（一）主动公开：2023年，县民政局认真落实")
    assert lines[-7:] == [
        "二、主动公开政府信息情况",
        "第二十条第（一）项 |",
        "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |",
        "规章 | 0 | 0 | 0 |",
        "行政规范性文件 | 0 | 0 | 0 |",
        "三、存在的主要问题及改进情况",
        "一是政务公开工作人员业务水平有待提高；二是信息公开的内容还不够全面。",
    ]
    assert_no_chrome(page)
    for sidebar in ("信息公开目录", "机构概况", "咨询电话", "欢迎访问"):
        assert sidebar not in page.text


# -- tables ----------------------------------------------------------------------------

def table(markup: str):
    return lxml.html.fragment_fromstring(markup)


def grid_texts(grid):
    return [[(cell.text, cell.origin) for cell in row] for row in grid]


def test_table_grid_expands_rowspan_and_colspan():
    grid = table_grid(table(
        "<table>"
        "<tr><td rowspan='2' colspan='2'>A</td><td>B</td></tr>"
        "<tr><td>C</td></tr>"
        "<tr><td>D</td><td colspan='2'>E<br>F</td></tr>"
        "</table>"))
    assert grid_texts(grid) == [
        [("A", True), ("A", False), ("B", True)],
        [("A", False), ("A", False), ("C", True)],
        [("D", True), ("E F", True), ("E F", False)],
    ]
    assert grid[0][0] == GridCell("A", True)


def test_table_grid_pads_short_rows_and_reads_thead_tbody():
    grid = table_grid(table(
        "<table><thead><tr><th>项目</th><th>数量</th><th>备注</th></tr></thead>"
        "<tbody><tr><td> 行政&nbsp;许可 </td></tr></tbody></table>"))
    assert grid_texts(grid) == [
        [("项目", True), ("数量", True), ("备注", True)],
        [("行政 许可", True), ("", False), ("", False)],
    ]


@pytest.mark.parametrize("value, width", [
    ('"3\\"', 3), ('" 2"', 2), ("'0'", 1), ("abc", 1), ("-2", 2), ("", 1), ("2.5", 2), ("1e3", 1),
])
def test_malformed_colspan_values(value, width):
    grid = table_grid(table(f"<table><tr><td colspan={value}>X</td><td>Y</td></tr></table>"))
    assert [cell.text for cell in grid[0]] == ["X"] * width + ["Y"]


@pytest.mark.parametrize("value, height", [('"3\\"', 3), ("0", 1), ("abc", 1), ('" 2"', 2)])
def test_malformed_rowspan_values(value, height):
    rows = "".join(f"<tr><td>{n}</td></tr>" for n in range(3))
    grid = table_grid(table(f"<table><tr><td rowspan={value}>L</td><td>H</td></tr>{rows}</table>"))
    assert [row[0].text for row in grid] == ["L"] * height + ["0", "1", "2"][height - 1:]


def test_huge_spans_are_bounded():
    grid = table_grid(table(
        "<table><tr><td rowspan='1000000000' colspan='1000000000'>X</td><td>Y</td></tr>"
        "<tr><td>Z</td></tr></table>"))
    assert len(grid) == 2
    assert len(grid[0]) == 1000 and len(grid[1]) == 1000
    assert [cell for row in grid for cell in row if cell.origin] == [GridCell("X", True)]  # no room for Y, Z


def test_nested_tables_give_the_inner_rows():
    page = read_page(
        "<html><body><div id='zoom'><table><tr><td>外层说明<table>"
        "<tr><td>行政许可</td><td>5</td></tr></table></td><td>右侧<table>"
        "<tr><td>行政处罚</td><td>3</td></tr></table></td></tr></table></div></body></html>")
    assert page.text.splitlines() == ["外层说明", "行政许可 | 5 |", "右侧", "行政处罚 | 3 |"]


# -- robustness ------------------------------------------------------------------------

def test_deep_nesting_does_not_crash():
    depth = 100_000
    markup = "<html><body>" + "<div>" * depth + "深层文本" + "</div>" * depth + "</body></html>"
    page = read_page(markup)
    assert page.text == "深层文本"


def test_deep_table_nesting_does_not_crash():
    markup = "<table><tr><td>" * 50_000 + "单元格"
    page = read_page(markup)
    assert "单元格" in page.text


@pytest.mark.parametrize("markup, text", [
    ("", ""), ("   ", ""), ("<", ""), ("\x00\x01", ""), ("<html", "<html"),
    ("<?xml version='1.0' encoding='gb2312'?><p>x</p>", "x"),
])
def test_degenerate_documents_never_raise(markup, text):
    assert read_page(markup).text == text


def test_tag_stripped_fallback_keeps_lines_cells_and_title():
    markup = ("<html><head><title>某局2023年度报告_某市政府</title><style>p{}</style></head><body>"
              + "<div>" * 3000 + "正文<br>第二行<table><tr><td>a&amp;b</td><td>1</td></tr></table>")
    expected = Page("某局2023年度报告\n正文\n第二行\na&b | 1 |", "某局2023年度报告", {}, "tag-stripped")
    assert read_page(markup) == expected


def test_xml_declaration_with_encoding_is_read():
    page = read_page("<?xml version='1.0' encoding='gb2312'?>"
                     "<html><body><div id='zoom'><p>正文</p></div></body></html>")
    assert (page.text, page.body_rule) == ("正文", "#zoom")


def test_body_rules_go_by_priority_and_exact_class_tokens():
    page = read_page("<html><body><div id='zoom'><p>外层</p></div><div class='TRS_EditorX'><p>近似</p></div>"
                     "<div class='x TRS_Editor'><p>正文</p></div></body></html>")
    assert (page.body_rule, page.text) == (".TRS_Editor", "正文")


def test_empty_known_container_falls_back_to_scoring():
    page = read_page("<html><body><div id='zoom'> </div><div class='c'><p>年度报告正文</p><p>第二段</p></div>"
                     "<div class='side'><a href='/'>首页</a></div></body></html>")
    assert (page.body_rule, page.text) == ("scoring", "年度报告正文\n第二段")


def test_chrome_links_inside_the_body_go_but_attachments_stay():
    page = read_page("<html><body><div class='TRS_Editor'><p>正文</p>"
                     "<p>附件：<a href='./P020240119.pdf'>打印版年度报告.pdf</a></p>"
                     "<p>【<a href='#'>打印本页</a>】【<a href='#'>关闭窗口</a>】<a href='#'>繁體版</a></p>"
                     "<div class='bdsharebuttonbox'>分享到：<a href='#'>微信</a></div></div></body></html>")
    assert page.text == "正文\n附件：打印版年度报告.pdf"


def test_preformatted_text_dump_keeps_its_lines_and_spacing():
    page = read_page("<html><body><div class='content'><pre>某局2020年度报告\n发布日期：2021-01-23\n\n"
                     "| 信息内容 | 本年新制作数量 |\n|---|---|\n规章   2    3\n</pre><p>页  脚</p></div></body></html>")
    assert page.text.splitlines() == [
        "某局2020年度报告", "发布日期：2021-01-23", "| 信息内容 | 本年新制作数量 |", "|---|---|", "规章   2    3", "页 脚"]
    assert page.metadata == {"published_on": "2021-01-23"}


def test_image_only_report_keeps_its_container():
    page = read_page("<html><head><title>某局2023年度报告_某市</title></head><body>"
                     "<div class='nav'><p>导航栏目很长很长的文字</p></div>"
                     "<div id='zoom'><p><img src='./W020240119.jpg'></p><p> </p></div></body></html>")
    assert (page.body_rule, page.text) == ("#zoom", "某局2023年度报告")


def test_title_inside_body_is_not_repeated():
    page = read_page("<html><head><title>某局2023年度报告_某市政府</title></head><body>"
                     "<div class='TRS_Editor'><p>某局2023年度报告</p><p>正文</p></div></body></html>")
    assert page.title == "某局2023年度报告"
    assert page.text == "某局2023年度报告\n正文"


def test_body_h1_without_report_word_is_the_title_when_title_tag_lacks_it_too():
    page = read_page("<html><head><title>某县人民政府</title></head><body><h1>网站名</h1>"
                     "<div id='zoom'><h1>关于2023年政务公开工作情况</h1><p>正文</p></div></body></html>")
    assert page.title == "关于2023年政务公开工作情况"
    assert page.text == "关于2023年政务公开工作情况\n正文"


def test_title_tag_naming_the_report_beats_a_body_h1_without_it():
    page = read_page("<html><head><title>某县2023年度报告_某县人民政府</title></head><body>"
                     "<div id='zoom'><h1>一、总体情况</h1><p>正文</p></div></body></html>")
    assert page.title == "某县2023年度报告"
    assert page.text == "某县2023年度报告\n一、总体情况\n正文"


def test_title_split_keeps_the_part_naming_the_report():
    page = read_page("<html><head><title>政务公开 | 某县2020-2021年度报告 - 某县人民政府</title></head>"
                     "<body><div id='zoom'>正文</div></body></html>")
    assert page.title == "某县2020-2021年度报告"
    assert page.text == "某县2020-2021年度报告\n正文"


# -- metadata box variants -------------------------------------------------------------

@pytest.mark.parametrize("box", [
    "<table><tr><th>发 布 机 构</th><td>某县民政局</td><th>发布日期</th><td>2024/1/9</td></tr></table>",
    "<dl><dt>发布机构：</dt><dd>某县民政局</dd><dt>发布日期：</dt><dd>2024.1.9</dd></dl>",
    "<div><span>发布机构:某县民政局</span><span>发布日期:2024年01月09日</span></div>",
    "<p>发&nbsp;布&nbsp;机&nbsp;构：某县民政局　　发布日期：2024-01-09 来源：某县</p>",
    "<p><b>发布机构</b>：某县民政局<br>发　布　日　期：2024-1-9</p>",
])
def test_metadata_box_forms(box):
    page = read_page(f"<html><body>{box}<div id='zoom'><p>正文</p></div></body></html>")
    assert page.metadata == {"publisher": "某县民政局", "published_on": "2024-01-09"}


def test_metadata_box_traditional_labels():
    page = read_page("<html><body><ul><li><label>發佈機構：</label><span>新港市交通運輸局</span></li>"
                     "<li><label>發 布 日 期：</label><span>2021-01-25</span></li>"
                     "<li><label>索引號：</label><span>A-1</span><label>主題分類：</label><span>交通</span></li>"
                     "<li>發文字號：新交〔2021〕1號 瀏覽次數：12</li></ul>"
                     "<div id='zoom'>正文</div></body></html>")
    assert page.metadata == {"publisher": "新港市交通運輸局", "published_on": "2021-01-25",
                             "index_no": "A-1", "topic": "交通", "doc_no": "新交〔2021〕1號"}


def test_metadata_box_skips_empty_and_undated_values():
    page = read_page("<html><body><ul><li><label>文号：</label><span></span></li>"
                     "<li><label>成文日期：</label><span>无</span></li>"
                     "<li><label>索引号：</label><span>001/2024-1</span></li></ul>"
                     "<div id='zoom'>正文</div></body></html>")
    assert page.metadata == {"index_no": "001/2024-1"}


# -- sniffing --------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("<!DOCTYPE html><html><body>x</body></html>", True),
    ("\ufeff  <html>\n<head><meta charset='gbk'></head>", True),
    ("报告正文<p>第一段</p><br/>", True),
    ("<div class='TRS_Editor'>正文</div>", True),
    ("某局2023年政府信息公开工作年度报告\n一、总体情况\n", False),
    ("办理时限<5个工作日，且数量>3件的，按x<y处理", False),
    ("《条例》第<二十>条规定, a <b and c> d", False),
    ("", False),
])
def test_looks_like_html(text, expected):
    assert looks_like_html(text) is expected
