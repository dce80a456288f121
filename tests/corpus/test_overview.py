"""`govreports report` says what is true: the coverage table counts by the site each document
was listed under, the checks card names only the checks that failed, plots speak in readable
names and every image says in its alt text what it shows."""
import html
import re

import pytest

import store
from corpus import build, checks, overview
from crawler.registry import Site
from parsers.record import parse_document
from replica.generator import corpus as replica_corpus
from tests.corpus.corpus_helpers import corpus_db, replica_documents

SITES = {
    # a replica-like site: no hosts known until it runs; its documents say they were listed by it
    "replica-trs": Site(key="replica-trs", agency="复制门户", region="", family="trs", replica=True),
    # a real site whose column host differs from where its pages were stored (a CDN, a mirror)
    "yuhua": Site(key="yuhua", agency="长沙市雨花区人民政府", region="湖南省", family="trs",
                  columns=("https://www.yuhua.gov.cn/xxgk/ndbg/index.html",)),
    "silent": Site(key="silent", agency="株洲市人民政府", region="湖南省", family="trs",
                   columns=("https://www.zhuzhou.gov.cn/ndbg/index.html",)),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("overview") / "c.db"
    db = corpus_db(path, replica_documents(61, 8, prefix="files"))        # imported: no site
    generated = list(replica_corpus(62, 12))
    for i, (name, data, _truth) in enumerate(generated):
        site, url = (("replica-trs", f"http://127.0.0.2:9/xxgk/{name}") if i % 2 else
                     (None, f"https://www.yuhua.gov.cn/xxgk/ndbg/{name}"))
        digest = store.save_document(db, data, url=url, site=site)
        store.save_report(db, parse_document(data, url), digest)
    db["blocked"].insert({"url": "http://127.0.0.2:9/x", "site": "replica-trs", "status": 521,
                          "kind": "jsl_clearance", "fetched_at": "t"})
    build.refresh(db)
    return db, overview.render(db, registry=SITES)


def coverage_row(page: str, key: str) -> list[str]:
    row = re.search(rf"<tr[^>]*><td>{key}</td>(.*?)</tr>", page)[1]
    return [html.unescape(cell) for cell in re.findall(r"<td>(.*?)</td>", row)]


def test_coverage_counts_what_each_site_yielded(corpus):
    db, page = corpus
    for key, where in (("replica-trs", "d.site = 'replica-trs'"),
                       ("yuhua", "d.url LIKE 'https://www.yuhua.gov.cn/%'")):
        documents = db.execute(f"SELECT count(*) FROM documents d WHERE {where}").fetchone()[0]
        reports = db.execute(f"SELECT count(*) FROM reports r JOIN documents d ON d.sha256 = r.document_sha256 "
                             f"WHERE r.current = 1 AND {where}").fetchone()[0]
        cells = coverage_row(page, key)
        assert (int(cells[-3]), int(cells[-2])) == (documents, reports) and documents == 6
    assert coverage_row(page, "replica-trs")[-1] == "1"
    assert "Sites that yielded nothing: silent." in page
    assert "8 imported from files" in page and "12 documents were crawled" in page


def test_the_checks_card_names_only_failed_checks(corpus):
    db, page = corpus
    card = re.search(r'<div class="value">(\d+)</div><div class="name">corpus checks failed</div>'
                     r'<div class="more">(.*?)</div>', page)
    failed = dict(db.execute('SELECT "check", count(DISTINCT report_id) FROM corpus_problems GROUP BY 1').fetchall())
    assert int(card[1]) == len({row["report_id"] for row in db["corpus_problems"].rows})
    shown = html.unescape(card[2])
    for check in checks.CHECKS:
        assert (checks.CHECK_TITLES[check] in shown) == (check in failed)
    if not failed:
        assert shown == "none failed"


def test_every_image_says_what_it_shows(corpus):
    db, page = corpus
    alts = dict(re.findall(r'<section id="([^"]+)">.*?<img alt="([^"]*)"', page, re.S))
    assert set(alts) == set(overview.SECTIONS) - {"coverage"}
    for section, alt in alts.items():
        text = html.unescape(alt)
        assert text.startswith(overview.SECTIONS[section][0]) and len(text) > 40
    reports = db.execute("SELECT count(*) FROM reports WHERE current = 1").fetchone()[0]
    assert f"{reports} reports on " in html.unescape(alts["reports-per-year"])


def test_plot_labels_are_readable(corpus):
    db, _page = corpus
    reports = overview.current_reports(db)
    own, found = overview.problem_counts(db, reports)
    figure = overview.plot_problems(own, found, len(reports))
    labels = {tick.get_text() for tick in figure.axes[0].get_yticklabels()}
    assert not labels & set(checks.CHECKS)          # no internal names like carried_over
    assert {checks.CHECK_TITLES[check] for check in found} <= labels
    figure = overview.plot_reports_per_year(reports)
    legend = {text.get_text() for text in figure.axes[0].get_legend().get_texts()}
    assert legend and legend <= set(overview.TEMPLATE_NAMES.values())


def test_the_alt_text_states_the_latest_figures(corpus):
    db, page = corpus
    alts = {key: html.unescape(alt) for key, alt in re.findall(r'<section id="([^"]+)">.*?<img alt="([^"]*)"', page, re.S)}
    rows = db.execute("SELECT r.year, coalesce(t.value, n.value) FROM reports r "
                      "LEFT JOIN cells t ON t.report_id = r.id AND t.table_name = 'applications' "
                      "AND t.row_key = 'new_received' AND t.col_key = 'total' "
                      "LEFT JOIN cells n ON n.report_id = r.id AND n.table_name = 'narrative' "
                      "AND n.row_key = 'applications_received' "
                      "WHERE r.current = 1 AND r.year IS NOT NULL AND coalesce(t.value, n.value) IS NOT NULL").fetchall()
    year = max(y for y, _value in rows)
    values = [value for y, value in rows if y == year]
    assert f"{year}: {sum(values):,.0f} applications over {len(values)} reports" in alts["applications"]
    assert re.search(r"\d{4}: 予以公开 disclosed \d+%", alts["outcomes"])
    assert re.search(r"\d{4}: [\d.]+ reconsiderations and [\d.]+ lawsuits per 100 applications", alts["review-lawsuit"])
