"""Report HTML inside a JavaScript string: the page is an empty shell its script fills."""
import json

from parsers import parse_document
from parsers.html import read_page
from replica.generator import generate, render_html

# A whole 2021-template report, as the replica renders a Hanweb page: its body is the content.
TRUTH = next(truth for truth in generate(31, 40) if truth["template"] == "2021" and not truth["variant"]["blank"]
             and not truth["variant"]["inconsistent"])
_PAGE = render_html(TRUTH, style="hanweb", seed=7)
CONTENT = _PAGE[_PAGE.index("<meta name=\"ContentStart\">") + 25:_PAGE.index("<meta name=\"ContentEnd\">")]
FIGURES = {table: TRUTH[table] for table in ("active", "applications", "review_litigation")}


def figures(record: dict) -> dict:
    return {table: record[table] for table in ("active", "applications", "review_litigation")}


def shell(script: str) -> bytes:
    return ('<!DOCTYPE html><html><head><meta charset="utf-8">'
            f"<title>{TRUTH['title']}_示范市人民政府</title></head><body>"
            '<div class="nav"><a href="/">首页</a> <a href="/zwgk/">政务公开</a></div>'
            f'<div id="zoom"></div><script type="text/javascript">{script}</script></body></html>').encode()


def test_double_quoted_string_with_escaped_quotes():
    literal = json.dumps(CONTENT.replace("'", '"'), ensure_ascii=False)  # every attribute quote as \"
    record = parse_document(shell(f"let content = {literal};\ndocument.getElementById('zoom').innerHTML = content;"),
                            "p.html").record
    assert figures(record) == FIGURES
    assert record["agency"] == TRUTH["agency"] and record["year"] == TRUTH["year"]


def test_single_quoted_attributes_and_concatenated_strings():
    content = CONTENT.replace('"', "'").replace("\n", "")
    half = len(content) // 2
    script = f'var html = "{content[:half]}"\n  + "{content[half:]}";\n$("#zoom").html(html);'
    assert figures(parse_document(shell(script), "p.html").record) == FIGURES


def test_single_quoted_string_with_escaped_apostrophes_and_unicode_escapes():
    literal = CONTENT.replace("\n", "\\n").replace("'", "\\'").replace("总体情况", "\\u603b\\u4f53\\u60c5\\u51b5")
    page = read_page(shell(f"// filled by script: 'not this'\nvar c = '{literal}';").decode())
    assert page.body_rule == "script string"
    assert "一、总体情况" in page.text
    assert "filled by script" not in page.text


def test_a_script_file_holding_the_page():
    source = "let menu = [{\"id\": \"1\", \"name\": \"政策文件\"}]\n\nlet content = " + json.dumps(
        f"<p>{TRUTH['title']}</p><p>发布日期：{TRUTH['published_on']}</p>" + CONTENT, ensure_ascii=False)
    record = parse_document(source.encode(), "content.js").record
    assert record["title"] == TRUTH["title"]
    assert record["published_on"] == TRUTH["published_on"]
    assert figures(record) == FIGURES


def test_a_page_with_its_own_body_keeps_it_over_small_script_markup():
    markup = (f'<html><head><title>{TRUTH["title"]}</title></head><body>'
              f'<div id="zoom">{CONTENT}</div>'
              '<script>var share = "<div class=\\"share\\"><p>分享到微信</p></div>";</script></body></html>')
    page = read_page(markup)
    assert page.body_rule == "#zoom"
    assert "分享到微信" not in page.text


def test_a_control_character_in_text_after_dropped_chrome_does_not_crash():
    page = read_page('<html><body><div><div class="nav">首页</div>\x08span>欢迎<p>' + "正文内容" * 50 + "</p></div></body></html>")
    assert "正文内容" in page.text and "\x08" not in page.text
