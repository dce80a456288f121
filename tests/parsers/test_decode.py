"""parsers.decode on the encodings portals really serve, built as bytes here."""
import codecs
import random

import pytest

from parsers.decode import Decoded, charset_from_content_type, decode

TITLE = "鄂伦春自治旗民政局2023年政府信息公开工作年度报告"
TRADITIONAL_TITLE = "長沙市雨花區民政局2023年政府資訊公開工作年度報告"
RARE = "朱镕基 王堃 张喆 𠮷"  # outside GB2312; 𠮷 is a 4-byte GB18030 sequence


def page(body: str, meta: str | None, title: str = TITLE) -> str:
    head = f'<meta http-equiv="Content-Type" content="text/html; charset={meta}">' if meta else ""
    return f"<html><head>{head}<title>{title}</title></head><body><p>{body}</p></body></html>"


def test_utf8_page_declaring_gb2312_is_utf8():
    text = page(TITLE, "gb2312")
    assert decode(text.encode("utf-8")) == Decoded(text, "utf-8", [])


def test_gbk_page_declaring_gb2312_keeps_characters_outside_gb2312():
    text = page(RARE, "gb2312")
    data = text.encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("gb2312")  # what trusting the declaration would do
    assert decode(data) == Decoded(text, "gb18030", [])


def test_gbk_page_served_as_utf8_follows_the_meta_tag():
    text = page(RARE, "gb2312")
    assert decode(text.encode("gb18030"), "utf-8") == Decoded(text, "gb18030", [])


def test_http_charset_is_tried_before_the_meta_tag():
    text = page("政府資訊公開", "gb2312", TRADITIONAL_TITLE)
    result = decode(text.encode("big5"), "big5")
    assert (result.text, result.encoding) == (text, "big5")


@pytest.mark.parametrize("text", ["政府信息公开", "年度报告", TITLE, page(TITLE * 20, None)])
def test_undeclared_gbk_short_and_long(text):
    assert decode(text.encode("gbk")) == Decoded(text, "gb18030", [])


def test_undeclared_gbk_with_western_http_charset_is_not_read_as_latin1():
    text = page(TITLE * 3, None)
    assert decode(text.encode("gbk"), "iso-8859-1") == Decoded(text, "gb18030", [])


def test_big5_traditional_page():
    text = page("國務院辦公廳關於全面推進基層政務公開標準化規範化工作的指導意見", None, TRADITIONAL_TITLE)
    assert decode(text.encode("big5")) == Decoded(text, "big5", [])


def test_big5_declared_is_decoded_with_hkscs_but_reported_as_big5():
    text = page("香港增補字符集：嘅 𨋢", "big5", TRADITIONAL_TITLE)  # HKSCS only, not plain Big5
    assert decode(text.encode("big5hkscs")) == Decoded(text, "big5", [])


def test_utf8_with_bom():
    assert decode(codecs.BOM_UTF8 + TITLE.encode("utf-8")) == Decoded(TITLE, "utf-8", [])


@pytest.mark.parametrize("codec, bom", [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE),
                                        ("utf-32-le", codecs.BOM_UTF32_LE)])
def test_utf16_and_utf32_with_bom(codec, bom):
    assert decode(bom + TITLE.encode(codec)) == Decoded(TITLE, codec, [])


def test_truncated_utf16_counts_the_lost_byte():
    result = decode(codecs.BOM_UTF16_LE + TITLE.encode("utf-16-le") + b"\x41")
    assert result.text == TITLE + "\ufffd"
    assert result.problems == ["1 byte could not be decoded as utf-16-le and was replaced"]


def test_utf8_cut_off_mid_character_stays_utf8():
    text = page(TITLE * 5, "utf-8")
    result = decode(text.encode("utf-8") + "报".encode("utf-8")[:2])
    assert result == Decoded(text + "\ufffd\ufffd", "utf-8",
                             ["2 bytes could not be decoded as utf-8 and were replaced"])


def test_utf8_page_with_a_pasted_gbk_snippet_stays_utf8():
    data = page(TITLE * 20, "utf-8").encode("utf-8").replace(b"<p>", b"<p>" + "广告".encode("gbk"))
    assert decode(data) == Decoded(page("\ufffd" * 4 + TITLE * 20, "utf-8"), "utf-8",
                                   ["4 bytes could not be decoded as utf-8 and were replaced"])


def test_invalid_bytes_are_replaced_and_counted():
    data = TITLE.encode("gbk") + b"\xff\xff\xff" + "结束".encode("gbk")
    result = decode(data)
    assert result.encoding == "gb18030"
    assert result.text == TITLE + "\ufffd\ufffd\ufffd" + "结束"
    assert result.problems == ["3 bytes could not be decoded as gb18030 and were replaced"]


def test_random_bytes_never_raise():
    generator = random.Random(20240119)
    for _ in range(200):
        data = bytes(generator.randrange(256) for _ in range(generator.randrange(1, 400)))
        result = decode(data, generator.choice([None, "utf-8", "gb2312", "bogus", "x-user-defined", ""]))
        assert isinstance(result.text, str) and result.encoding
        assert "\udc80" not in result.text
        if "\ufffd" in result.text:
            assert result.problems and result.problems[0].endswith("replaced")


def test_empty_input():
    assert decode(b"") == Decoded("", "utf-8", [])


@pytest.mark.parametrize("charset", [
    "bogus", "utf-7x", "\u00e9", "../../etc", "gb2312\"", "",
    "base64", "zlib", "rot13", "undefined", "unicode_escape", "utf-7", "idna",  # Python codecs, no charsets
])
def test_unknown_charsets_are_ignored(charset):
    text = page(TITLE, charset)
    assert decode(text.encode("gb18030"), charset) == Decoded(text, "gb18030", [])


def test_meta_utf16_on_an_ascii_readable_page_is_ignored():
    text = page(TITLE, "utf-16")
    assert decode(text.encode("gb18030")) == Decoded(text, "gb18030", [])


@pytest.mark.parametrize("label", ["gb2312", "GBK", "x-gbk", "cp936", "GB_2312-80", "gb18030"])
def test_gb_family_labels_decode_as_gb18030(label):
    text = page(RARE, label)
    assert decode(text.encode("gb18030"), label) == Decoded(text, "gb18030", [])


@pytest.mark.parametrize("header, expected", [
    ("text/html; charset=GB2312", "gb2312"),
    ('text/html;charset="utf-8"', "utf-8"),
    ("text/html; Charset = big5 ; q=1", "big5"),
    ("text/html", None),
    ("", None),
    (None, None),
])
def test_charset_from_content_type(header, expected):
    assert charset_from_content_type(header) == expected
