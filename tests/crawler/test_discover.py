"""Discovery: from a portal's homepage to its 年报 columns. Real Scrapy crawls in child processes
against the replica portal over HTTP on loopback (with its department, township and per-year
sub-columns), and the link scoring on a real portal page saved from the web."""
import csv
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from corpus.truth import differences, stored_records, wrong_values
from crawler import discover, registry
from crawler.runner import LOCAL
from govreports.cli import main
from replica.server import Replica

FILES = Path(__file__).resolve().parents[1] / "files"
SETTINGS = [f"--set={name}={value}" for name, value in LOCAL.items()]


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    with Replica(out_dir=tmp_path_factory.mktemp("portal"), subcolumns=True) as replica:
        yield replica


@pytest.fixture(scope="module")
def found(portal):
    """What a discovery from each site's homepage found."""
    return {site["key"]: discover.run(site["homepage"], settings=LOCAL)[0] for site in portal.sites}


def site(portal, key):
    return next(s for s in portal.sites if s["key"] == key)


def canonical(urls):
    return {discover.canonical(url) for url in urls}


def cli(*args):
    return CliRunner().invoke(main, [*map(str, args)])


def test_every_column_is_found_from_each_homepage(portal, found):
    for each in portal.sites:
        result = found[each["key"]]
        assert len(each["columns"]) > 1  # a main column and its sub-columns
        assert canonical(c.url for c in result.columns if c.reports) == canonical(each["columns"]), each["key"]
        assert result.requests <= discover.MAX_REQUESTS
        [column] = result.main
        assert discover.canonical(column.url) == discover.canonical(each["column_url"])
        assert column.family == each["family"] and column.reports > 0


def test_the_path_goes_through_the_portals_navigation(portal, found):
    trs = found["replica-trs"].main[0]
    assert [text for text, _url in trs.path] == ["", "政务公开", "政府信息公开", "政府信息公开年报"]
    assert trs.pages > 1  # createPageHTML: the column has further pages
    # The Hanweb homepage draws its menu with JavaScript from data: no <a> to follow there.
    import urllib.request

    with urllib.request.urlopen(site(portal, "replica-hanweb")["homepage"]) as response:
        homepage = response.read().decode("utf-8")
    assert "/col/col100/index.html" in homepage and 'href="/col/col100/index.html"' not in homepage
    assert found["replica-hanweb"].main[0].path[1] == ("政务公开", homepage_url(portal, "/col/col100/index.html"))


def homepage_url(portal, path):
    return site(portal, "replica-hanweb")["homepage"].rstrip("/") + path


def test_dead_links_are_recorded_and_do_not_stop_it(found):
    for result in found.values():
        assert result.failed and all(reason == "HTTP 404" for _url, reason in result.failed)


def test_sub_columns_are_recorded_under_their_column(found):
    trs = found["replica-trs"]
    index = next(c for c in trs.columns if c.parent == trs.main[0].url)
    departments = [c for c in trs.columns if c.parent == index.url]
    assert index.reports == 0 and len(departments) == len(index.subcolumns) > 1
    assert all(c.reports >= 1 for c in departments)
    years = [c for c in found["replica-generic"].columns if c.parent]
    assert years and all(c.title.split()[0].endswith("年度") for c in years)


def test_the_column_is_found_on_a_real_trs_portal_page():
    """邯郸市政府信息公开 (hdzfxxgk.hd.gov.cn, a TRS site), saved in a public repository
    (kevin3691/renmin, src/main/webapp/WEB-INF/views/affairs/index.jsp at a6b88b9): its left menu
    links the 年报 column among a dozen 信息公开 columns and forty documents."""
    html = (FILES / "pages" / "trs_zwgk_handan.html").read_text(encoding="utf-8")
    page = discover.analyse(html, "http://hdzfxxgk.hd.gov.cn/")
    assert not page.is_listing
    best = max(page.nav, key=lambda link: link.score)
    assert (best.url, best.text) == ("http://hdzfxxgk.hd.gov.cn/zfxxgknb/", "政府信息公开年报")
    assert sorted(link.score for link in page.nav)[-2] < best.score
    assert discover.portal_name(html) == "邯郸市人民政府"


def test_links_in_script_data_and_traditional_titles():
    script = 'var menu = [{"title": "政務公開", "href": "/zwgk/"}, {"title": "首頁", "href": "/"}];'
    assert discover.script_links(script, "http://a.example/") == [("http://a.example/zwgk/", "政务公开"),
                                                                  ("http://a.example/", "首页")]
    assert discover.nav_score("政府資訊公開年報", "/x/") > discover.nav_score("政府信息公开", "/x/") > 0


def test_discover_prints_and_adds_once(portal, tmp_path):
    sites = tmp_path / "sites.toml"
    homepage = site(portal, "replica-trs")["homepage"]
    result = cli("discover", homepage, "--add", "--registry", sites, *SETTINGS)
    assert result.exit_code == 0, result.output
    assert site(portal, "replica-trs")["column_url"] in result.output
    assert "path: start / → 政务公开 /zwgk/ → 政府信息公开 /xxgk/ → 政府信息公开年报 /xxgk/ndbg/index.html" in result.output
    [added] = registry.load(sites).values()
    assert added.family == "trs" and added.agency == "示范省人民政府" and added.local
    assert canonical(added.columns) == canonical(site(portal, "replica-trs")["columns"])
    again = cli("discover", homepage, "--add", "--registry", sites, *SETTINGS)
    assert again.exit_code == 0 and f"already in the registry as {added.key!r}" in again.output
    assert len(registry.load(sites)) == 1
    listed = cli("sites", "list", "--registry", sites)
    assert listed.exit_code == 0 and added.key in listed.output and added.columns[0] in listed.output


def test_nothing_found_is_one_clear_line(portal):
    result = cli("discover", site(portal, "replica-generic")["homepage"] + "no-such-section/", *SETTINGS)
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "no 年报 column found" in result.output and "HTTP 404" in result.output


@pytest.fixture
def mirror(portal):
    """A local mirror of the TRS site on 127.0.0.1, as a user might run one: it passes every
    request on to the replica."""
    import threading
    import urllib.error
    import urllib.request
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    origin = f"http://127.0.0.2:{portal.port}"

    class Pass(BaseHTTPRequestHandler):
        def do_GET(self):
            try:
                with urllib.request.urlopen(origin + self.path) as answer:
                    status, body, kind = answer.status, answer.read(), answer.headers["Content-Type"]
            except urllib.error.HTTPError as error:
                status, body, kind = error.code, error.read(), error.headers["Content-Type"] or "text/html"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Pass)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://localhost:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_a_name_for_a_private_address_needs_allow_private(mirror):
    refused = cli("discover", mirror, *SETTINGS)
    assert refused.exit_code == 1, refused.output
    assert "was not requested: non-public address 127.0.0.1" in refused.output and "--allow-private" in refused.output
    allowed = cli("discover", mirror, "--allow-private", *SETTINGS)
    assert allowed.exit_code == 0, allowed.output
    assert f"{mirror}xxgk/ndbg/index.html  trs" in allowed.output


def test_robots_txt_is_obeyed(portal):
    result = cli("discover", site(portal, "replica-trs")["homepage"] + "search/", *SETTINGS)
    assert result.exit_code == 1 and "Forbidden by robots.txt" in result.output
    assert not [r for r in portal.requests if r.path.startswith("/search/")]


def test_crawl_url_of_a_homepage_discovers_first_and_crawls_every_column(portal, tmp_path):
    db = tmp_path / "reports.db"
    trs = site(portal, "replica-trs")
    result = cli("crawl", "--url", trs["homepage"], "--db", db, *SETTINGS)
    assert result.exit_code == 0, result.output
    assert "is not a 年报 listing: discovery found" in result.output
    truth = [line for line in portal_truth(portal) if line["site"] == "replica-trs"]
    records = stored_records(sqlite_utils.Database(db), {line["url"] for line in truth})
    assert len(records) == len(truth)
    for line in truth:
        assert not wrong_values(records[line["url"]], line) and not differences(records[line["url"]], line), line["url"]
    agencies = {records[line["url"]]["agency"] for line in truth}
    assert agencies == {line["agency"] for line in truth}  # each report's own agency, not the portal's


def portal_truth(portal):
    import json

    return [json.loads(line) for line in portal.truth_path.read_text(encoding="utf-8").splitlines()]


def test_crawl_url_usage_errors():
    result = cli("crawl", "--url", "notaurl")
    assert result.exit_code == 2 and "not an http(s) URL" in result.output and "Traceback" not in result.output
    assert cli("discover", "ftp://example.org/").exit_code == 2


def test_sites_import_and_check(portal, tmp_path):
    sites = tmp_path / "sites.toml"
    rows = tmp_path / "portals.csv"
    hanweb, generic = site(portal, "replica-hanweb"), site(portal, "replica-generic")
    with rows.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["url", "agency", "region"])
        writer.writerow([hanweb["homepage"], "示范市人民政府办公室", "示范市"])
        writer.writerow([generic["homepage"] + "gone/", "", ""])
        writer.writerow(["not a url", "", ""])
    result = cli("sites", "import", rows, "--registry", sites, *SETTINGS)
    assert result.exit_code == 3, result.output
    assert "[1/3]" in result.output and "[3/3]" in result.output and "2 of 3 failed" in result.output
    [added] = registry.load(sites).values()
    assert (added.agency, added.region, added.family) == ("示范市人民政府办公室", "示范市", "hanweb")

    healthy = cli("sites", "check", "--registry", sites, *SETTINGS)
    assert healthy.exit_code == 0, healthy.output
    assert healthy.output.count("reachable") == len(added.columns) + 1

    blocked = {"key": "challenged", "agency": "x", "region": "x", "family": "generic", "local": True,
               "columns": [generic["column_url"].replace("/ndbg/index.html", "/ndbg/2021-01/25/content_9999.shtml")]}
    changed = {"key": "changed", "agency": "x", "region": "x", "family": "trs", "local": True,
               "columns": [generic["column_url"]]}
    old = site(portal, "replica-trs")["homepage"] + "xxgk/nb/index.html"  # redirects since a redesign
    moved = {"key": "moved", "agency": "x", "region": "x", "family": "trs", "local": True, "columns": [old]}
    for entry in (blocked, changed, moved):
        assert registry.append(sites, entry) is None
    result = cli("sites", "check", "--registry", sites, *SETTINGS)
    assert result.exit_code == 3, result.output
    assert "blocked" in result.output and "soft_404" in result.output
    assert "cms changed" in result.output and "trs -> generic" in result.output
    assert "moved" in result.output and f"now {site(portal, 'replica-trs')['column_url']}" in result.output
    assert f"{len(added.columns)} of {len(added.columns) + 3} columns reachable" in result.output


def test_crawl_url_says_on_the_terminal_why_a_host_is_refused(mirror, tmp_path):
    result = cli("crawl", "--url", mirror + "xxgk/ndbg/index.html", "--db", tmp_path / "reports.db", *SETTINGS)
    assert result.exit_code == 1  # its one site failed
    assert "not requested: non-public address 127.0.0.1; give --allow-private" in result.output
