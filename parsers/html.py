"""A report page -> its body as text lines, its title and its 公开目录 metadata.

Portal pages wrap the report in chrome (header, navigation, 当前位置 breadcrumb, footer,
繁體版 and share links) and put the report tables, pasted from Word, in HTML with
malformed rowspan/colspan. The readers downstream work on lines: one per block and one
per table row with the cells joined by " | ", so the body is found by the container
each CMS family uses (or by scoring), and tables are expanded on a grid.

Every walk is iterative (lxml iter/iterwalk): pages nested deeper than Python's stack
must not crash, and a page lxml cannot build falls back to tag-stripped text, as does one
with more tags than a tree should be built for (MAX_TREE_TAGS).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from typing import NamedTuple

from lxml import etree

__all__ = ["Page", "GridCell", "read_page", "table_grid", "looks_like_html"]


@dataclass
class Page:
    text: str  # one line per block element, one per table row: "a | b |  | c |"
    title: str | None
    metadata: dict[str, str] = field(default_factory=dict)
    # Which rule found the body: a container ('.TRS_Editor', '#zoom', '#UCAP-CONTENT', ...),
    # 'scoring', 'whole page', or 'tag-stripped' when lxml could not build the page.
    body_rule: str = "whole page"


class GridCell(NamedTuple):
    text: str
    origin: bool  # False for the copies a rowspan/colspan spreads, and for gaps


# '<' a page may hold for lxml to build its tree. Report pages hold 700-2,400; the tree and
# the walks over it cost ~230 bytes per '<' (a 10^5-row table, 10^6 '<', took 228 MB), so
# past this the tag-stripped reading takes over: linear, and a few copies of the text.
MAX_TREE_TAGS = 200_000
MAX_COLUMNS = 1000  # as browsers clamp colspan; bounds the grid of a malformed table
# Positions of one table's grid, at most: a report table has a few hundred. A long table
# gets fewer columns (never under one), so 10^5 rows of colspan=10^9 stay megabytes.
MAX_GRID_CELLS = 10**6

_BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd table caption tr td th thead tbody tfoot "
    "section article header footer nav aside main blockquote pre form fieldset legend "
    "address center figure figcaption hr br title body html".split()
)
_CELL_TAGS = frozenset({"td", "th"})
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "select", "textarea")
_CHROME_TAGS = ("header", "nav", "footer", "aside")

_SPACES = re.compile(r"\s+")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_WORD = re.compile(r"\w")
_DIGITS = re.compile(r"\d+")
_MARKUP = re.compile(
    r"<(?:!doctype\s+html|html|head|body|meta|title|div|p|table|tr|td|span|br|a\s|script|style|ul|li|h[1-6])"
    r"\b[^<>]*>",
    re.I,
)

# -- body rules: the containers of the CMS families (PORTALS.md), most specific first
_BODY_RULES = (
    (".TRS_Editor", "class", "TRS_Editor"),
    (".trs_editor_view", "class", "trs_editor_view"),
    ("#zoom", "id", "zoom"),
    (".article-body", "class", "article-body"),
    (".con_text", "class", "con_text"),
    ("#UCAP-CONTENT", "id", "UCAP-CONTENT"),
)
# One pass over the page for all rules; the exact class token is checked in Python. Elements
# with neither attribute (most of a page) are passed over before any rule is tried: 4x faster.
_BODY_CANDIDATES = etree.XPath("descendant-or-self::*[(@class or @id) and (" + " or ".join(
    f"@id='{name}'" if attribute == "id" else f"contains(@class, '{name}')"
    for _, attribute, name in _BODY_RULES) + ")]")
_ROWS = etree.XPath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
_TEXT_NODES = etree.XPath("//text()")
_text_of = etree.XPath("string()", smart_strings=False)  # all text under an element, in C
_NAMED = etree.XPath(".//*[@class or @id]")
_META_NAMED = etree.XPath("//meta[@name]")
_H1 = etree.XPath("descendant-or-self::h1")
_TITLED = etree.XPath("descendant-or-self::*[contains(@class, 'title') or contains(@id, 'title')]")

# -- chrome
_CHROME_NAME = re.compile(
    r"(?:site|top|main|page)?[-_]?(?:header|head|footer|foot|nav|navbar|menu|breadcrumbs?|crumbs?"
    r"|share|bdsharebuttonbox|position|location|dqwz|sitemap|toolbar)"
    r"(?:[-_]?(?:box|bar|wrap|con|container|list))?",
    re.I,
)
# The whole link text: 繁體版, 打印本页, 关闭窗口 go; 打印版年度报告.pdf stays. Possessive
# white space (*+): runs of it around optional brackets are otherwise tried at every split.
_CHROME_LINK = re.compile(
    r"\s*+[【\[]?\s*+(?:繁體|繁体|簡體|简体|English|网站地图|網站地圖|联系我们|無障礙|无障碍|打印|關閉|关闭"
    r"|收藏|分享|设为首页|加入收藏).{0,4}?\s*+[】\]]?\s*+"
)
_BREADCRUMB = re.compile(r"\s*(?:您)?(?:当前|現在|现在|當前)(?:的)?(?:所在)?位置|\s*分享到")
_BREADCRUMB_MAX = 300  # a breadcrumb block is short; never drop a body that starts like one
_BREADCRUMB_TEXT = etree.XPath(".//text()[contains(., '位置') or contains(., '分享到')]")

# -- scoring fallback
_REPORT_WORDS = re.compile("年度报告|年度報告|政府信息公开|政府信息公開|政府資訊公開")
_WORD_BONUS = 100
_TABLE_BONUS = 200
_DOMINANT = 0.5  # descend into a child holding at least this share of the score
_CONTAINER_TAGS = frozenset({"div", "section", "article", "main", "center", "form", "font", "td", "th"})
_LAYOUT_TAGS = frozenset({"table", "thead", "tbody", "tfoot", "tr"})  # of tables holding tables

# -- metadata box
_LABELS = {
    "index_no": ("索引号",),
    "publisher": ("发布机构", "发文机关", "发布单位"),
    "written_on": ("成文日期", "生成日期"),
    "published_on": ("发布日期", "发布时间", "公开日期"),
    "doc_no": ("发文字号", "文号"),
    "topic": ("主题分类",),
}
# Labels that end a value but are not kept.
_STOP_LABELS = ("有效性", "来源", "信息来源", "字体", "字号", "浏览次数", "点击", "体裁分类",
                "关键词", "公开方式", "公开范围", "废止日期", "生效日期", "所属主题", "组配分类", "服务对象")
# 繁體 gateways and Big5 copies serve the same box: 發佈機構, 索引號, 主題分類.
_TRADITIONAL = {
    "发": "發", "布": "佈", "机": "機", "构": "構", "关": "關", "单": "單", "时": "時", "间": "間",
    "开": "開", "号": "號", "题": "題", "类": "類", "来": "來", "体": "體", "浏": "瀏", "览": "覽",
    "数": "數", "点": "點", "击": "擊", "键": "鍵", "词": "詞", "范": "範", "围": "圍", "废": "廢",
    "属": "屬", "组": "組", "务": "務", "对": "對",
}
_SIMPLIFIED = str.maketrans({traditional: simplified for simplified, traditional in _TRADITIONAL.items()})
_DATE_KEYS = ("written_on", "published_on")
_VALUE_MAX = 100  # longer "values" are prose that happens to follow a label
_KEY_OF = {label: key for key, labels in _LABELS.items() for label in labels}


def _spaced(words) -> str:
    """Alternation that tolerates padding (发 布 机 构, 发&nbsp;布) and Traditional forms."""
    ordered = sorted(words, key=len, reverse=True)  # 发文字号 before 文号
    return "|".join(r"\s*".join(map(_either_script, word)) for word in ordered)


def _either_script(char: str) -> str:
    return f"[{char}{_TRADITIONAL[char]}]" if char in _TRADITIONAL else re.escape(char)


_KEY_LABEL = _spaced(_KEY_OF)
_LABEL_START = re.compile(rf"\s*(?:{_KEY_LABEL})")
# Also inside a <pre> dump. Only spaces within the line: a run of blank lines would be
# scanned again from each of its newlines.
_LABEL_LINE = re.compile(rf"(?:^|\n)[^\S\n]*(?:{_KEY_LABEL})")
_LABEL_ONLY = re.compile(rf"\s*+(?:{_KEY_LABEL})\s*+[:：]?\s*+")
_LABEL_COLON = re.compile(rf"({_KEY_LABEL}|{_spaced(_STOP_LABELS)})\s*[:：]")
_DATE = re.compile(r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
_META_KEYS = {name.lower(): name for name in
              ("SiteName", "SiteDomain", "ColumnName", "ArticleTitle", "PubDate", "ContentSource")}

_TITLE_WORD = re.compile("报告|報告")
_TITLE_SPLIT = re.compile(r"\s*(?:_|\||｜|—|–|(?<!\d)-+(?!\d))\s*")  # not 2020-2021
_TITLE_MAX = 200

# -- tag-stripped fallback, for pages too deep or broken for lxml: hostile ones too, so every
# pattern is linear. A tag never spans a '<' (else each '<' of "<p<p<p…" scans to the end),
# and hidden blocks are dropped by finding their end once (else an unclosed "<!--" repeated
# makes each one scan to the end of the page).
_FALLBACK_HIDDEN = re.compile(r"<(head|script|style|noscript)\b|<!--", re.I)
_FALLBACK_HIDDEN_END = {kind: re.compile(rf"</{kind}\s*>", re.I)
                        for kind in ("head", "script", "style", "noscript")}
_FALLBACK_BREAK = re.compile(
    r"<(?:br|/?(?:p|div|tr|li|h[1-6]|table|ul|ol|dt|dd|section|article|title))\b[^<>]*>", re.I
)
_FALLBACK_CELL = re.compile(r"</t[dh]\s*>", re.I)
_FALLBACK_TAG = re.compile(r"<[^<>]*>")
_FALLBACK_TITLE = re.compile(r"<title[^<>]*>", re.I)
_FALLBACK_TITLE_END = re.compile(r"</title", re.I)


def looks_like_html(text: str) -> bool:
    """Whether text is markup, whatever its file name says."""
    return _MARKUP.search(text, 0, 20000) is not None


def read_page(html: str) -> Page:
    """Body text, title and metadata of a report page; never raises."""
    # Control characters go first (NUL as browsers ignore it: libxml2 would make '12\x00' a '12�'
    # no one reads); lxml keeps the others in text it then refuses to set when chrome is dropped.
    html = _CONTROL.sub("", html)
    if _SCRIPT_START.match(html):
        # A script, not a page (a portal's front end holding `let content = "<p>…"`): its strings are the page.
        markup = _markup_in_strings(html)
        if markup:
            html = f"<html><body>{markup}</body></html>"
    root = _parse(html) if html.count("<") <= MAX_TREE_TAGS else None
    if root is None:
        return _stripped_page(html)
    embedded = _script_markup(root)
    etree.strip_elements(root, *_DROP_TAGS, with_tail=False)
    metadata = _meta_tags(root)
    metadata.update(_metadata_box(root))
    body, rule = _known_body(root)
    # The title before chrome goes: an article <header> may hold the heading.
    title = _title(root, body, metadata.get("ArticleTitle"))
    if body is None:
        _remove_chrome(root)
        body, rule = _scored_body(root)
    else:
        _remove_chrome(body)
    inner = _embedded_body(embedded, body)
    if inner is not None:  # the page is a shell its script fills: the report is the script's
        for key, value in _metadata_box(inner).items():
            metadata.setdefault(key, value)
        title = title or _title(inner, inner, None)
        body, rule = inner, "script string"
        _remove_chrome(body)
    return Page(_with_title("\n".join(_lines(body)), title), title, metadata, rule)


def _with_title(text: str, title: str | None) -> str:
    """The text, starting with the title line if the body does not hold it."""
    if title and _compact(title) not in _compact(text):
        return f"{title}\n{text}" if text else title
    return text


def _parse(html: str):
    """The lxml tree, or None if lxml refuses or could only build part of it."""
    # etree's parser, not lxml.html's: its per-element Python class lookup costs a third of the time.
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        # Bytes with a fixed encoding: lxml rejects str holding an <?xml encoding?> line.
        root = etree.fromstring(html.encode("utf-8", "replace"), parser)
    except (etree.LxmlError, ValueError):
        return None
    # A fatal error (nesting deeper than libxml2's limit) means text was cut off.
    if root is None or any(error.level_name == "FATAL" for error in parser.error_log):
        return None
    return root


def _stripped_page(html: str) -> Page:
    """Text with the tags removed, for documents lxml cannot build."""
    title = _stripped_title(html)
    text = _without_hidden(html)
    text = _FALLBACK_CELL.sub(" | ", _FALLBACK_BREAK.sub("\n", text))
    lines = [_collapse(line) for line in unescape(_FALLBACK_TAG.sub("", text)).splitlines()]
    return Page(_with_title("\n".join(line for line in lines if line), title), title, {}, "tag-stripped")


def _stripped_title(html: str) -> str | None:
    """The report part (see _report_part) of the page's first <title> that is closed."""
    found = _FALLBACK_TITLE.search(html)
    end = _FALLBACK_TITLE_END.search(html, found.end()) if found else None
    return _report_part(unescape(_FALLBACK_TAG.sub("", html[found.end():end.start()]))) if end else None


def _without_hidden(html: str) -> str:
    """The page without <head>, <script>, <style>, <noscript> blocks and comments.

    A block that is never closed stays (its tags are stripped later), as does every later
    opener of its kind: none of them can be closed either."""
    kept, position, unclosed = [], 0, set()
    for opener in _FALLBACK_HIDDEN.finditer(html):
        if opener.start() < position:
            continue  # inside a block already dropped
        kind = (opener.group(1) or "--").lower()
        if kind in unclosed:
            continue
        end = _closing(html, kind, opener.end())
        if end is None:
            unclosed.add(kind)
            continue
        kept.append(html[position:opener.start()])
        position = end
    kept.append(html[position:])
    return "".join(kept)


def _closing(html: str, kind: str, start: int) -> int | None:
    """Where the block opened just before `start` ends, or None if it never does."""
    if kind == "--":
        end = html.find("-->", start)
        return None if end < 0 else end + 3
    found = _FALLBACK_HIDDEN_END[kind].search(html, start)
    return found.end() if found else None


# -- report HTML inside a JavaScript string ---------------------------------------------

# A script's string literals and comments, in one left-to-right pass, so that quotes inside
# a string or a comment never start another. Possessive and newline-bounded: linear.
_JS_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*+"|\'(?:[^\'\\\n]|\\.)*+\'|`(?:[^`\\]|\\.)*+`'
                       r"|//[^\n]*+|/\*(?:[^*]|\*(?!/))*+(?:\*/)?", re.S)
_JS_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|\r?\n|(.))", re.S)
_JS_ESCAPED = {"n": "\n", "r": "\r", "t": "\t", "b": "", "f": "", "v": "", "0": ""}
_MARKUP_IN_STRING = re.compile(r"<(?:p|table|div|span|tr|td|br|h[1-6]|section|font|strong)\b", re.I)
# A document that starts as JavaScript does, not as markup or text.
_SCRIPT_START = re.compile(r"[\ufeff\s]*+(?://|/\*|(?:let|var|const|function|export|import)\b|\(function|\$\(|window\.|document\.)")
_EMBEDDED_MIN_TEXT = 100  # characters of text: a share button's markup is no report


def _script_markup(root) -> str | None:
    """The HTML that the page's scripts hold in string literals (`let content = "<p>…"`),
    unescaped and joined in order, or None when they hold none."""
    return "".join(filter(None, (_markup_in_strings(script.text or "") for script in root.iter("script")))) or None


def _markup_in_strings(source: str) -> str | None:
    """The string literals of JavaScript source that hold HTML, unescaped and joined in order."""
    parts = []
    for token in _JS_TOKEN.finditer(source):
        literal = token.group()
        if literal[0] in "\"'`" and _MARKUP_IN_STRING.search(literal):
            parts.append(_js_unescape(literal[1:-1]))
    return "".join(parts) or None


def _js_unescape(literal: str) -> str:
    def replace(match):
        code, byte, char = match.groups()
        if code or byte:
            return chr(int(code or byte, 16))
        if char is None:
            return ""  # a line continuation
        return _JS_ESCAPED.get(char, char)

    return _CONTROL.sub("", _JS_ESCAPE.sub(replace, literal))


def _embedded_body(markup: str | None, body):
    """The parsed markup of a script string, when it holds more of the report than the page."""
    if not markup:
        return None
    inner = _parse(f"<html><body>{markup}</body></html>")
    if inner is None:
        return None
    etree.strip_elements(inner, *_DROP_TAGS, with_tail=False)
    inner = inner.find("body")
    if inner is None:
        return None
    text = _compact(_text_of(inner))
    if len(text) < _EMBEDDED_MIN_TEXT or len(text) <= len(_compact(_text_of(body))):
        return None
    return inner


# -- body -----------------------------------------------------------------------------

def _known_body(root):
    """The first non-empty container of the most specific CMS rule, if any."""
    candidates = _BODY_CANDIDATES(root)
    for rule, attribute, name in _BODY_RULES:
        for element in candidates:
            # An image-only (图片版) or attachment-only report is still the body; a
            # container left empty for a script to fill is not.
            if name in element.get(attribute, "").split() and (
                    _text_of(element).strip() or next(element.iter("img", "a"), None) is not None):
                return element, rule
    return None, None


def _scored_body(root):
    """Descend from <body> while one child holds most of the non-link text."""
    page = root.find("body")
    if page is None:
        page = root
    scores = _scores(page)
    element = page
    while True:
        children = [child for child in element if _can_hold_body(child)]
        best = max(children, key=scores.__getitem__, default=None)
        if best is None or scores[best] <= 0 or scores[best] < _DOMINANT * scores[element]:
            break
        element = best
    return element, ("whole page" if element is page else "scoring")


def _can_hold_body(element) -> bool:
    """Containers only: a paragraph or a data table is part of a body, never all of it."""
    if element.tag in _CONTAINER_TAGS:
        return True
    return element.tag in _LAYOUT_TAGS and _holds_table(element)


def _scores(page) -> dict:
    """Non-link text length plus bonuses for report words and tables, per element.

    One pass in reverse document order: every element comes after its descendants.
    """
    elements = list(page.iter(etree.Element))
    scores = dict.fromkeys(elements, 0)
    for element in reversed(elements):
        score = scores[element] + _text_score(element.text)
        if element.tag == "a":
            score = 0
        elif element.tag == "table":
            score += _TABLE_BONUS
        scores[element] = score
        parent = element.getparent()
        if parent in scores:
            scores[parent] += score + _text_score(element.tail)
    return scores


def _text_score(text: str | None) -> int:
    text = text.strip() if text else ""
    return len(text) + _WORD_BONUS * len(_REPORT_WORDS.findall(text))


def _remove_chrome(root) -> None:
    """Drop navigation, breadcrumbs, share boxes and 繁體版-style links under root."""
    doomed = [element for element in root.iter(*_CHROME_TAGS) if element is not root]
    for element in _NAMED(root):
        names = f"{element.get('class', '')} {element.get('id', '')}".split()
        if any(_CHROME_NAME.fullmatch(name) for name in names):
            doomed.append(element)
    for link in root.iter("a"):
        if _CHROME_LINK.fullmatch(_text_of(link)):
            doomed.append(link)
    for node in _BREADCRUMB_TEXT(root):
        if _BREADCRUMB.match(node):
            block = _block_of(_owner(node))
            if block is not None and block is not root and len(_text_of(block)) < _BREADCRUMB_MAX:
                doomed.append(block)
    limit = len(_text_of(root)) / 2  # chrome is never most of the page
    for element in doomed:
        if element.getparent() is not None and len(_text_of(element)) <= limit:
            _drop(element)


def _drop(element) -> None:
    """Remove an element and its content, keeping the text that follows it."""
    parent = element.getparent()
    if element.tail:
        previous = element.getprevious()
        if previous is None:
            parent.text = (parent.text or "") + element.tail
        else:
            previous.tail = (previous.tail or "") + element.tail
    parent.remove(element)


def _owner(node):
    """The element whose content a text node is (a tail belongs to the parent)."""
    element = node.getparent()
    return element.getparent() if node.is_tail else element


def _block_of(element):
    while element is not None and element.tag not in _BLOCK_TAGS:
        element = element.getparent()
    return element


# -- text lines -----------------------------------------------------------------------

def _lines(root) -> list[str]:
    """One line per block element; leaf tables one line per row; <pre> lines as they are."""
    lines: list[str] = []
    buffer: list[str] = []
    preformatted = 0  # depth of <pre>: a text dump wrapped in markup keeps its lines and spacing

    def flush() -> None:
        text = "".join(buffer)
        buffer.clear()
        if preformatted:
            line = text.strip()
            keep = bool(line)  # even "|---|---|": a markdown table needs it
        else:
            line = _collapse(text)
            keep = _WORD.search(line) is not None  # lines of only brackets or dashes carry nothing
        if keep:
            lines.append(line)

    def add(text: str) -> None:
        if not preformatted:
            buffer.append(text)
            return
        first, *rest = text.split("\n")
        buffer.append(first)
        for part in rest:
            flush()
            buffer.append(part)

    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag
        if event == "start":
            if tag == "table" and not _holds_table(element):
                flush()
                lines.extend(_table_lines(element))
                walker.skip_subtree()
                continue
            if tag in _BLOCK_TAGS:
                flush()
            preformatted += tag == "pre"
            if element.text:
                add(element.text)
        else:
            if tag in _BLOCK_TAGS:
                flush()
            preformatted -= tag == "pre"
            if element.tail and element is not root:
                add(element.tail)
    flush()
    return lines


def _holds_table(element) -> bool:
    """Layout tables hold tables: they are read as blocks, their inner tables as grids."""
    return next(element.iterdescendants("table"), None) is not None


def _table_lines(table) -> list[str]:
    lines = [_collapse(_text_of(caption)) for caption in table.iterchildren("caption")]
    for row in table_grid(table):
        cells = [cell.text for cell in row if cell.origin]
        if any(cells):
            lines.append(" | ".join(cells) + " |")
    return [line for line in lines if line]


def table_grid(table) -> list[list[GridCell]]:
    """The table's cells on a rectangular grid, rowspan/colspan spread as copies.

    At most MAX_GRID_CELLS positions: cells that start beyond the last column are left out."""
    rows = _ROWS(table)
    columns = min(MAX_COLUMNS, max(1, MAX_GRID_CELLS // max(len(rows), 1)))
    grid: list[list[GridCell | None]] = [[] for _ in rows]
    for r, row in enumerate(rows):
        line = grid[r]
        col = 0
        for cell in row:
            if cell.tag not in _CELL_TAGS:
                continue
            while col < len(line) and line[col] is not None:
                col += 1
            colspan = min(_span(cell.get("colspan")), columns - col)
            if colspan < 1:
                break
            rowspan = min(_span(cell.get("rowspan")), len(rows) - r)
            text = _cell_text(cell)
            copy = GridCell(text, False)
            for target in grid[r:r + rowspan]:
                if len(target) < col + colspan:
                    target.extend([None] * (col + colspan - len(target)))
                target[col:col + colspan] = [copy] * colspan
            line[col] = GridCell(text, True)
            col += colspan
    width = max(map(len, grid), default=0)
    gap = GridCell("", False)
    return [[gap if cell is None else cell for cell in line] + [gap] * (width - len(line)) for line in grid]


def _span(value: str | None) -> int:
    """A rowspan/colspan as written in the wild (`3\\"`, ` 2`, `0`, `abc`): 1 unless digits say more."""
    digits = _DIGITS.search(value) if value else None
    # Nine digits are already far past any clamp; longer strings are not worth int().
    return (int(digits.group()[:9]) or 1) if digits else 1


def _cell_text(cell) -> str:
    """Cell text on one line: blocks and <br> inside a cell become spaces."""
    if not len(cell):
        return _collapse(cell.text or "")
    parts: list[str] = []
    for event, element in etree.iterwalk(cell, events=("start", "end")):
        if element.tag in _BLOCK_TAGS:
            parts.append(" ")
        if event == "start":
            parts.append(element.text or "")
        elif element is not cell:
            parts.append(element.tail or "")
    return _collapse("".join(parts))


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _compact(text: str) -> str:
    return _SPACES.sub("", text)


# -- title ----------------------------------------------------------------------------

def _title(root, body, article_title: str | None) -> str | None:
    """ArticleTitle, else a heading naming 报告 (body first), else the page <title>'s."""
    if article_title:
        return article_title
    scopes = (root,) if body is None else (body, root)
    for find in (_H1, _TITLED):
        for scope in scopes:
            for element in find(scope):
                text = _collapse(_text_of(element))
                if len(text) <= _TITLE_MAX and _TITLE_WORD.search(text):
                    return text
    # Without 报告 anywhere, a body's own h1 still names the document; a page's h1 is the site.
    page_title = _page_title(root)
    if page_title and _TITLE_WORD.search(page_title):
        return page_title
    for element in _H1(body) if body is not None else ():
        text = _collapse(_text_of(element))
        if text:
            return text
    return page_title


def _page_title(root) -> str | None:
    """<title> without the site name: the part naming 报告, else the first part."""
    element = root.find("head/title")
    if element is None:
        element = root.find(".//title")
    return _report_part(_text_of(element)) if element is not None else None


def _report_part(title: str) -> str | None:
    """The part of "report_site name" naming 报告, else the first part."""
    parts = [part for part in _TITLE_SPLIT.split(_collapse(title)) if part]
    return next((part for part in parts if _TITLE_WORD.search(part)), parts[0] if parts else None)


# -- metadata -------------------------------------------------------------------------

def _meta_tags(root) -> dict[str, str]:
    found = {}
    for meta in _META_NAMED(root):
        key = _META_KEYS.get(meta.get("name", "").strip().lower())
        content = _collapse(meta.get("content") or "")
        if key and content and key not in found:
            found[key] = content
    return found


def _metadata_box(root) -> dict[str, str]:
    """The 公开目录 box, wherever a text node starts a line with one of its labels."""
    found: dict[str, str] = {}
    seen = set()
    for node in _TEXT_NODES(root):
        if not _LABEL_LINE.search(node):
            continue
        block = _block_of(_owner(node))
        if block is None or block in seen:
            continue
        seen.add(block)
        for key, value in _label_values(block):
            if key in _DATE_KEYS:
                value = _iso_date(value)
            if value:
                found.setdefault(key, value)
    return found


def _label_values(block):
    """(key, value) pairs of a block: 'label：value' on its lines, or label then next cell."""
    text = _cell_text(block)
    if _LABEL_ONLY.fullmatch(text):
        neighbour = block.getnext()
        value = _cell_text(neighbour) if neighbour is not None else ""
        if not _LABEL_START.match(value):
            yield _KEY_OF[_label_name(text)], value
        return
    for line in _lines(block):
        labels = list(_LABEL_COLON.finditer(line))
        for here, after in zip(labels, labels[1:] + [None]):
            key = _KEY_OF.get(_label_name(here.group(1)))
            value = line[here.end():after.start() if after else len(line)].strip()
            if key and len(value) <= _VALUE_MAX:
                yield key, value


def _label_name(label_text: str) -> str:
    """A label as written (padded, Traditional, with a colon) -> its _LABELS spelling."""
    return _compact(label_text).rstrip(":：").translate(_SIMPLIFIED)


def _iso_date(text: str) -> str | None:
    found = _DATE.search(text)
    if not found:
        return None
    year, month, day = found.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"
