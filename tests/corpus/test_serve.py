"""`govreports serve` and `govreports report` seen as a person sees them: in a real headless Chromium.

Datasette runs for real on a free loopback port against a small corpus; Debian's chromium
(system-packages.txt) loads the pages, and what it rendered is compared with the database.
"""
import base64
import html
import io
import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image

from corpus import overview
from crawler.registry import Site
from replica.generator import corpus as replica_corpus
from tests.corpus.test_corpus import corpus_db, series, series_documents

pytestmark = pytest.mark.slow  # a real Datasette server

CHROMIUM = "/usr/bin/chromium"


def chromium(tmp_path: Path, *args: str) -> str:
    profile = tmp_path / "chromium-profile"
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=True).stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serve")
    documents = [(f"replica/{name}", data) for name, data, _truth in replica_corpus(23, 30)]
    db = corpus_db(folder / "corpus.db", documents + series_documents(series()))
    return folder, db


@contextmanager
def datasette(folder: Path, timeout: float = 60):
    """`govreports serve` on folder/corpus.db, running until the block ends: yields its base URL."""
    port = free_port()
    log = open(folder / "serve.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "govreports", "serve", "--db", str(folder / "corpus.db"),
                                "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"datasette did not start:\n{(folder / 'serve.log').read_text()}")
            time.sleep(0.2)
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def served(corpus):
    folder, db = corpus
    with datasette(folder) as base:
        yield f"{base}/corpus", db


def shown_ids(dom: str) -> set[int]:
    return {int(value) for value in re.findall(r'<td class="col-id type-(?:int|pk)">(?:<a [^>]*>)?(\d+)(?:</a>)?</td>',
                                               dom)}


def row_count(dom: str) -> int:
    return int(re.search(r"<h3>([\d,]+) rows?\b", dom)[1].replace(",", ""))


def current_ids(db, where: str = "1", params=()) -> set[int]:
    return {row[0] for row in db.execute(
        f"SELECT r.id FROM reports r LEFT JOIN agency_regions g ON g.agency = r.agency WHERE r.current = 1 AND {where}",
        params)}


def test_the_reports_page_loads(served, tmp_path):
    base, db = served
    dom = chromium(tmp_path, "--dump-dom", f"{base}/report_browser")
    assert "Reports (年度报告)" in dom and "发布机关" in dom
    assert row_count(dom) == len(current_ids(db))
    assert shown_ids(dom) == current_ids(db)
    for facet in ("year", "province", "template", "problem_kinds"):
        assert f'data-column="{facet}"' in dom


def test_a_search_finds_a_known_report(served, tmp_path):
    base, db = served
    known = db.execute("SELECT id, agency FROM reports WHERE current = 1 AND agency LIKE '湖南省%' AND year = 2022"
                       ).fetchone()
    dom = chromium(tmp_path, "--dump-dom", f"{base}/report_browser?_search={urllib.request.quote(known[1])}")
    expected = current_ids(db, "(instr(r.title, ?) OR instr(r.agency, ?) OR instr(r.text, ?))", [known[1]] * 3)
    assert known[0] in shown_ids(dom)
    assert shown_ids(dom) == expected and expected != current_ids(db)


def test_a_facet_filters(served, tmp_path):
    base, db = served
    dom = chromium(tmp_path, "--dump-dom", f"{base}/report_browser")
    links = re.findall(r'href="([^"]*[?&]province=[^"&]+)"', dom)
    assert links
    link = html.unescape(links[-1])
    province = urllib.request.unquote(re.search(r"province=([^&]+)", link)[1])
    filtered = chromium(tmp_path, "--dump-dom", link)
    expected = current_ids(db, "g.province = ?", [province])
    assert shown_ids(filtered) == expected and 0 < len(expected) < len(current_ids(db))
    assert row_count(filtered) == len(expected)


def test_the_canned_queries_answer(served):
    base, db = served
    with urllib.request.urlopen(f"{base}/applications_by_year.json?_shape=array") as response:
        rows = json.load(response)
    years = sorted({row[0] for row in db.execute("SELECT year FROM reports WHERE current = 1 AND year IS NOT NULL")})
    assert [row["year"] for row in rows] == years


def test_the_overview_renders(corpus, tmp_path):
    folder, db = corpus
    out = tmp_path / "report.html"
    sites = (("yuhua", "长沙市雨花区人民政府", "https://www.yuhua.gov.cn/xxgk/ndbg/index.html"),
             ("silent", "株洲市人民政府", "https://www.zhuzhou.gov.cn/ndbg/index.html"))
    registry = {key: Site(key=key, agency=agency, region="湖南省", family="trs", columns=(column,))
                for key, agency, column in sites}
    overview.write_report(db, out, registry=registry)
    page = out.read_text(encoding="utf-8")
    for section in overview.SECTIONS:
        assert f'<section id="{section}">' in page
    plots = re.findall(r'<section id="([^"]+)">.*?<img alt="[^"]+" src="data:image/png;base64,([^"]+)"', page)
    assert {section for section, _ in plots} == set(overview.SECTIONS) - {"coverage"}
    for _section, data in plots:
        image = Image.open(io.BytesIO(base64.b64decode(data)))
        assert image.width >= 600 and len(image.convert("RGB").getcolors(1 << 20)) > 20
    crawled = db.execute("SELECT count(*) FROM documents WHERE url LIKE 'https://www.yuhua.gov.cn/%'").fetchone()[0]
    assert re.search(rf"<td>yuhua</td>.*?<td>{crawled}</td>", page) and crawled
    assert "Sites that yielded nothing: silent." in page
    screenshot = tmp_path / "report.png"
    chromium(tmp_path, "--hide-scrollbars", "--window-size=1200,4000", f"--screenshot={screenshot}", out.as_uri())
    image = Image.open(screenshot).convert("RGB")
    assert image.size == (1200, 4000)
    assert len(image.getcolors(1 << 22)) > 200       # plots, not a blank page
