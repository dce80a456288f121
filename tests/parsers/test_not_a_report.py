"""Pages a 年报 column lists that are no annual report: is_report false, no figures, a problem
saying what they are. A report without tables of its own stays a report."""
import pytest

from parsers import parse_document
from parsers.record import RECORD_KEYS

FIGURES = ("active", "applications", "review_litigation", "narrative")


def page(title: str, body: str) -> bytes:
    return (f'<html><head><meta charset="utf-8"><title>{title}_示范县人民政府</title></head><body>'
            f'<div class="TRS_Editor"><h1>{title}</h1>{body}</div></body></html>').encode()


NOTICE_BODY = ("<p>各乡镇人民政府，县直各单位：</p><p>为做好2023年政府信息公开工作年度报告编制发布工作，"
               "现将有关事项通知如下：各单位于2024年1月31日前在门户网站公布本机关2023年年度报告，"
               "全年主动公开政府信息不少于100条。</p><p>示范县人民政府办公室</p><p>2023年12月20日</p>")


@pytest.mark.parametrize("title, body, says", [
    ("关于做好2023年政府信息公开工作年度报告编制发布工作的通知", NOTICE_BODY, "notice"),
    ("示范县民政局2018年政府信息公开工作自查报告",
     "<p>一、主动公开情况</p><p>2018年主动公开政府信息320条。</p><p>二、存在的问题</p>", "自查报告"),
    ("示范县各部门2018年政府信息公开工作年度报告",
     "".join(f"<p><a href='/r{i}.html'>示范县{name}2018年政府信息公开工作年度报告</a></p>"
             for i, name in enumerate(("民政局", "教育局", "财政局", "水利局"))), "list"),
    ("政府信息公开年度报告",
     "".join(f"<p><a href='/r{i}.html'>示范县{name}2018年政府信息公开工作年度报告</a></p>"
             for i, name in enumerate(("民政局", "教育局", "财政局"))), "list"),
    ("2023年政府信息公开工作年度报告编制业务培训会召开", "<p>1月10日，全县年度报告编制培训会召开。</p>", "news"),
])
def test_pages_that_are_no_report(title, body, says):
    record = parse_document(page(title, body), "notice.html").record
    assert record["is_report"] is False
    assert all(record[table] == {} for table in FIGURES)
    assert record["template"] == "unknown"
    assert len(record["problems"]) == 1 and says in record["problems"][0]
    assert list(record) == RECORD_KEYS


def test_a_report_without_tables_is_still_a_report():
    body = '<p>详见附件。</p><p><img src="/report.jpg"></p>'
    record = parse_document(page("示范县民政局2022年政府信息公开工作年度报告（图片版）", body), "r.html").record
    assert record["is_report"] is True
    assert any("no statutory table" in problem for problem in record["problems"])


def test_a_notice_that_holds_the_report_is_a_report():
    body = ("<p>一、总体情况</p><p>2017年，我局主动公开政府信息230条。</p><p>二、主动公开政府信息情况</p><p>略。</p>"
            "<p>三、依申请公开政府信息情况</p><p>全年未收到政府信息公开申请。</p><p>五、存在的主要问题和改进措施</p><p>无。</p>")
    record = parse_document(page("关于公布示范县民政局2017年政府信息公开工作年度报告的公告", body), "r.html").record
    assert record["is_report"] is True
    assert record["narrative"]["proactive_total"] == 230


def test_stored_and_exported_with_is_report(tmp_path):
    import store
    from corpus.export import reports_table
    from corpus.truth import stored_records

    db = store.open_db(tmp_path / "corpus.db")
    for name, data in (("notice.html", page("关于做好2023年政府信息公开工作年度报告编制发布工作的通知", NOTICE_BODY)),
                       ("report.html", page("示范县民政局2022年政府信息公开工作年度报告（图片版）", "<p>详见附件。</p>"))):
        store.save_report(db, parse_document(data, name), store.save_document(db, data, url=name))
    assert dict(db.execute("SELECT source, is_report FROM reports").fetchall()) == {"notice.html": 0, "report.html": 1}
    assert {source: record["is_report"] for source, record in stored_records(db).items()} == \
        {"notice.html": False, "report.html": True}
    exported = reports_table()
    assert "is_report" in [column.name for column in exported.columns]
    assert "r.is_report" in exported.sql
