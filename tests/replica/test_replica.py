"""The replica portal behaves like the real portals PORTALS.md describes, over real HTTP.

These tests speak plain urllib to it, never the project's crawler or parser: they pin the
replica itself (paging, encodings, revalidation, blocking, robots, the truth file, the
second publication round and the reports published as files), so a failing end-to-end crawl
can be blamed on the right side. Injected faults are pinned in test_replica_faults.py.
"""
import html
import http.client
import io
import json
import math
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from replica.attachments import sample_doc, sample_xls
from replica.generator import traditional
from replica.server import Replica

# Loopback never goes through a proxy, whatever the environment's http_proxy says.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url, headers=None, data=None):
    """(status, headers, body) for any status; urllib raises on 4xx/5xx otherwise."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with OPENER.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def links(base, markup, pattern=r'<a href="([^"]+)"'):
    return [urllib.parse.urljoin(base, html.unescape(href)) for href in re.findall(pattern, markup)]


def is_report_link(text):
    return "年度报告" in text and re.search(r"20\d\d", text)


@pytest.fixture(scope="module")
def replica(tmp_path_factory):
    with Replica(out_dir=tmp_path_factory.mktemp("gen1")) as running:
        yield running


@pytest.fixture(scope="module")
def round2(tmp_path_factory):
    with Replica(out_dir=tmp_path_factory.mktemp("gen2"), generation=2) as running:
        yield running


def read_truth(replica):
    return [json.loads(line) for line in replica.truth_path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def truth(replica):
    return read_truth(replica)


def site(replica, key):
    return next(s for s in replica.sites if s["key"] == key)


def trs_rows(replica):
    """Every (url, title) row of the TRS column, following createPageHTML's page count."""
    column = site(replica, "replica-trs")["column_url"]
    rows, page, count = [], 0, None
    while count is None or page < count:
        url = column if page == 0 else column.replace("index.html", f"index_{page}.html")
        status, _headers, body = fetch(url)
        assert status == 200, url
        markup = body.decode("gb18030")
        calls = re.findall(r'createPageHTML\((\d+), (\d+), "index", "html"\)', markup)
        assert len(calls) == 1 and int(calls[0][1]) == page
        count = count or int(calls[0][0])
        assert int(calls[0][0]) == count
        found = re.findall(r'<li><a href="([^"]+)" title="([^"]*)"[^>]*>.*?</a><span>\d{4}-\d\d-\d\d</span></li>', markup)
        assert 1 <= len(found) <= 15 and (page == count - 1 or len(found) >= 10)
        rows += [(urllib.parse.urljoin(url, href), html.unescape(title)) for href, title in found]
        page += 1
    assert fetch(column.replace("index.html", f"index_{count}.html"))[0] == 404
    return rows


def hanweb_records(replica):
    """The column's embedded records followed by the dataproxy's, as a JCMS client reads them."""
    column = site(replica, "replica-hanweb")["column_url"]
    markup = fetch(column)[2].decode("utf-8")
    total = int(re.search(r"totalRecord:(\d+)", markup).group(1))
    param = re.search(r"var param_423656 = \{(.*?)\};", markup).group(1)
    form = dict(re.findall(r"(\w+):'?([^,']*)'?", param))
    assert form["columnid"] == "1234" and form["unitid"] == "423656"
    embedded = re.findall(r"<record><!\[CDATA\[\s*(.*?)\s*\]\]></record>", markup)
    records = list(embedded)
    start = len(embedded) + 1
    while start <= total:
        end = start + 44
        proxy = urllib.parse.urljoin(column, f"/module/web/jpage/dataproxy.jsp?startrecord={start}&endrecord={end}&perpage=15")
        status, headers, body = fetch(proxy, {"Referer": column, "X-Requested-With": "XMLHttpRequest"},
                                      urllib.parse.urlencode(form).encode())
        assert status == 200 and body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
        reply = body.decode("utf-8")
        assert f"<totalrecord>{total}</totalrecord>" in reply
        assert f"<totalpage>{math.ceil(total / 15)}</totalpage>" in reply
        group = re.findall(r"<record><!\[CDATA\[\s*(.*?)\s*\]\]></record>", reply)
        assert group[0] == records[-1]  # one record repeated at the group boundary
        assert len(group) == min(end, total) - start + 2
        records += group[1:]
        start = end + 1
    assert len(records) == total
    return total, embedded, records, form


def generic_links(replica):
    """Every link of the generic column, following 下一页 to the end."""
    url, found, seen = site(replica, "replica-generic")["column_url"], [], set()
    while url:
        assert url not in seen
        seen.add(url)
        markup = fetch(url)[2].decode("utf-8")
        found += [(urllib.parse.urljoin(url, href), html.unescape(text))
                  for href, text in re.findall(r'<li><a href="([^"]+)" target="_blank">(.*?)</a>', markup)]
        after = re.search(r'<a href="([^"]+)">下一页</a>', markup)
        url = urllib.parse.urljoin(url, after.group(1)) if after else None
    return found


def test_sites_are_distinct_loopback_hosts_on_one_port(replica):
    hosts = [s["host"] for s in replica.sites]
    ports = {urllib.parse.urlsplit(s["column_url"]).port for s in replica.sites}
    assert len(set(hosts)) == 3 and all(h.startswith("127.0.0.") and h != "127.0.0.1" for h in hosts)
    assert len(ports) == 1
    assert {s["family"] for s in replica.sites} == {"trs", "hanweb", "generic"}
    saved = json.loads((replica.truth_path.parent / "sites.json").read_text(encoding="utf-8"))
    assert saved == replica.sites


def test_trs_column_pages_like_createpagehtml_says(replica, truth):
    rows = trs_rows(replica)
    reports = {line["url"] for line in truth if line["site"] == "replica-trs"}
    urls = {url for url, _title in rows}
    assert reports <= urls
    unrelated = [title for url, title in rows if url not in reports]
    assert any(is_report_link(title) for title in unrelated)  # a notice about reports, and the blocked one
    assert all(re.search(r"/xxgk/ndbg/\d{6}/t\d{8}_\d+\.html$", url) for url in urls)
    first = fetch(site(replica, "replica-trs")["column_url"])[2].decode("gb18030")
    assert "繁體版" in first and 'href="/search/' in first


def test_hanweb_dataproxy_slices_and_rejects(replica, truth):
    total, embedded, records, form = hanweb_records(replica)
    assert len(embedded) == 45
    urls = {href for record in records for href in re.findall(r'href="([^"]+)"', record)}
    base = site(replica, "replica-hanweb")["column_url"]
    reports = {line["url"] for line in truth if line["site"] == "replica-hanweb"}
    assert reports <= {urllib.parse.urljoin(base, u) for u in urls}
    assert all(re.fullmatch(r"/art/\d{4}/[1-9]\d?/[1-9]\d?/art_1234_\d+\.html", u) for u in urls)
    assert total == len(reports) + 1  # and one blocked record
    proxy = urllib.parse.urljoin(base, "/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15")
    without = {k: v for k, v in form.items() if k != "columnid"}
    assert fetch(proxy, data=urllib.parse.urlencode(without).encode())[0] == 400


def test_generic_column_follows_next_page_links(replica, truth):
    found = generic_links(replica)
    urls = {url for url, _text in found}
    mine = [line for line in truth if line["site"] == "replica-generic"]
    assert {line["url"] for line in mine} <= urls
    generated = [line for line in mine if "seed_file" not in line]
    assert all(is_report_link(text) for url, text in found if url in {line["url"] for line in generated})
    for pattern in (r"/ndbg/\d{4}-\d\d/\d\d/content_\d+\.shtml$", r"/ndbg/[0-9a-f]{32}\.shtml$"):
        assert any(re.search(pattern, line["url"]) for line in generated)
    kinds = {line["rendered_as"].split(":")[0] for line in generated}
    assert kinds == {"html", "text"}


def charset_of(headers):
    return re.search(r"charset=([\w-]+)", headers.get("Content-Type", ""))


def meta_charset(body):
    found = re.search(rb'<meta[^>]+charset=([\w-]+)', body[:2000])
    return found.group(1).decode() if found else None


def test_pages_decode_as_declared_except_the_misdeclared_ones(replica, truth):
    seen = set()
    for line in truth:
        if "seed_file" in line:
            continue
        status, headers, body = fetch(line["url"])
        assert status == 200
        kind = line.get("rendered_as", "")
        seen.add(kind.rsplit(":", 1)[-1] if kind.startswith("html:generic") else kind.split(":")[0])
        assert html.escape(line["title"]) in body.decode(line["encoding"])
        if line["site"] == "replica-trs":
            assert charset_of(headers).group(1) == "gb2312" and meta_charset(body) == "gb2312"
            assert line["encoding"] == "gb18030"
        elif kind == "html:generic:gbk-says-utf-8":
            assert charset_of(headers).group(1) == "UTF-8" and meta_charset(body) == "gb2312"
            with pytest.raises(UnicodeDecodeError):
                body.decode("utf-8")
            rare = [c for c in line["title"] if not _in_gb2312(c)]
            assert all(c.encode("gb18030") in body for c in rare)
            seen.add("gbk-beyond-gb2312" if rare else "gbk")
        elif kind == "html:generic:utf-8-says-gb2312":
            assert charset_of(headers) is None and meta_charset(body) == "gb2312"
            body.decode("utf-8")
        elif kind == "html:generic:undeclared":
            assert charset_of(headers) is None and meta_charset(body) is None
        else:
            assert charset_of(headers).group(1).lower() == "utf-8" == line["encoding"]
    assert {"undeclared", "gbk-says-utf-8", "gbk-beyond-gb2312", "utf-8-says-gb2312", "utf-8"} <= seen


def _in_gb2312(char):
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def test_rare_characters_reach_the_trs_site_too(truth):
    trs = [line for line in truth if line["site"] == "replica-trs"]
    assert any(not _in_gb2312(c) for line in trs for c in line["title"])


def test_big5_gateway_serves_a_traditional_copy(replica, truth):
    line = next(line for line in truth if line["site"] == "replica-trs")
    status, headers, body = fetch(line["mirror_url"])
    assert status == 200 and charset_of(headers).group(1) == "big5"
    text = html.unescape(body.decode("big5hkscs"))
    assert "charset=big5" in text and traditional(line["title"]) in text
    column = site(replica, "replica-trs")["column_url"]
    listing = fetch(column)[2].decode("gb18030")
    gate = urllib.parse.urljoin(column, re.search(r'<a href="([^"]+)">繁體版</a>', listing).group(1))
    status, headers, body = fetch(gate)
    mirror_listing = body.decode("big5hkscs")
    assert status == 200 and "createPageHTML(" in mirror_listing
    rows = links(gate, mirror_listing, r'<li><a href="([^"]+)"')
    assert rows and all(url.startswith(gate.rsplit("/", 1)[0] + "/") for url in rows)


def test_revalidation_answers_304(replica, truth):
    for url in (truth[0]["url"], site(replica, "replica-generic")["column_url"]):
        status, headers, body = fetch(url)
        assert status == 200 and headers["ETag"] and headers["Last-Modified"]
        assert fetch(url, {"If-None-Match": headers["ETag"]})[:1] == (304,)
        assert fetch(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
        assert fetch(url, {"If-None-Match": '"stale"', "If-Modified-Since": headers["Last-Modified"]})[0] == 200
    listing_headers = fetch(site(replica, "replica-trs")["column_url"])[1]
    assert listing_headers["Cache-Control"] == "no-cache"
    logged = [r for r in replica.requests if r.status == 304]
    assert logged and all("If-None-Match" in r.headers or "If-Modified-Since" in r.headers for r in logged)


def test_blocking_pages_are_listed_but_not_reports(replica, truth):
    reports = {line["url"] for line in truth}
    blocked = [url for url, _t in trs_rows(replica) if url not in reports and fetch(url)[0] == 521]
    assert len(blocked) == 1
    status, headers, body = fetch(blocked[0])
    assert "__jsl_clearance_s" in headers["Set-Cookie"]
    assert b"document.cookie=" in body and b"go({" in body

    base = site(replica, "replica-hanweb")["column_url"]
    hrefs = [urllib.parse.urljoin(base, h) for r in hanweb_records(replica)[2] for h in re.findall(r'href="([^"]+)"', r)]
    ruishu = [url for url in hrefs if url not in reports]
    assert len(ruishu) == 1
    status, _headers, body = fetch(ruishu[0])
    assert status == 412 and b"$_ts=window['$_ts']" in body

    soft = [url for url, _t in generic_links(replica) if url not in reports]
    assert len(soft) == 1
    status, _headers, body = fetch(soft[0])
    text = body.decode("utf-8")
    assert status == 200 and "<title>页面不存在</title>" in text and "您访问的页面不存在" in text


def test_robots_txt_variants(replica):
    for key in ("replica-trs", "replica-generic"):
        status, headers, body = fetch(urllib.parse.urljoin(site(replica, key)["column_url"], "/robots.txt"))
        assert status == 200 and headers["Content-Type"].startswith("text/plain")
        assert body.decode().splitlines() == ["User-agent: *", "Disallow: /search/"]
    status, headers, body = fetch(urllib.parse.urljoin(site(replica, "replica-hanweb")["column_url"], "/robots.txt"))
    assert status == 404 and headers["Content-Type"].startswith("text/html") and b"<html>" in body


def test_truth_file_covers_every_served_report(replica, truth):
    seeds = [line for line in truth if line.get("kind") == "seed"]
    generated = [line for line in truth if "seed_file" not in line]
    assert len(generated) >= 200 and len(seeds) == 5
    assert {line["seed_file"] for line in seeds} == {f"{name}.txt" for name in (
        "000_7e093741219ba120", "001_26925f727e4ff8e1", "002_0126dafc59b38c55",
        "003_148ca16f23ea2526", "004_f31662e980dee69e")}
    assert {line["site"] for line in generated} == {"replica-trs", "replica-hanweb", "replica-generic"}
    for line in generated:
        assert line["source"] == line["url"]
        assert set(line) >= {"title", "agency", "year", "published_on", "template", "traditional", "encoding",
                             "active", "applications", "review_litigation", "narrative", "problems"}
    assert len({(line["agency"], line["year"]) for line in generated}) == len(generated)
    urls = [line["url"] for line in truth] + [line["mirror_url"] for line in truth if "mirror_url" in line]
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda url: fetch(url)[0], urls))
    assert statuses == [200] * len(urls)
    seed_page = fetch(seeds[0]["url"])[2].decode("utf-8")
    assert "<p>" in seed_page and "年度报告" in re.search(r"<title>(.*?)</title>", seed_page).group(1)


def test_request_log_counts_requests_in_flight_per_host(replica):
    column = site(replica, "replica-trs")["column_url"]
    address = urllib.parse.urlsplit(column)
    with socket.create_connection((address.hostname, address.port), timeout=10) as held:
        # A POST whose body has not arrived yet stays in flight until we send it.
        held.sendall(b"POST /xxgk/ndbg/index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n")
        deadline = time.monotonic() + 5
        while True:
            fetch(column, {"User-Agent": "probe"})
            probes = [r for r in replica.requests if r.headers.get("User-Agent") == "probe"]
            if probes[-1].inflight == 2:
                break
            assert time.monotonic() < deadline
        fetch(site(replica, "replica-hanweb")["column_url"], {"User-Agent": "other-host"})
        other = [r for r in replica.requests if r.headers.get("User-Agent") == "other-host"]
        assert other[-1].inflight == 1 and other[-1].host != probes[-1].host
        held.sendall(b"done")
        response = http.client.HTTPResponse(held)
        response.begin()
        assert response.status == 200 and response.read()
    [held_log] = [r for r in replica.requests if r.method == "POST" and r.host == address.hostname]
    assert held_log.started < probes[-1].started < probes[-1].finished < held_log.finished


def served(replica, truth):
    """path -> (body, ETag) for every report page of this generation."""
    def one(line):
        _status, headers, body = fetch(line["url"])
        return urllib.parse.urlsplit(line["url"]).path, (body, headers["ETag"])
    with ThreadPoolExecutor(8) as pool:
        return dict(pool.map(one, truth))


def test_second_round_differs_exactly_as_specified(replica, truth, round2):
    later = read_truth(round2)
    def by_path(lines):
        return {urllib.parse.urlsplit(line["url"]).path: line for line in lines}
    before, after = by_path(truth), by_path(later)
    added, removed = set(after) - set(before), set(before) - set(after)
    assert len(added) == 5 and len(removed) == 1
    assert min(after[p]["published_on"] for p in added) >= max(
        line["published_on"] for line in truth if "published_on" in line)
    common = set(before) & set(after)
    strip = ("url", "source", "mirror_url")
    changed = [p for p in common if {k: v for k, v in before[p].items() if k not in strip}
               != {k: v for k, v in after[p].items() if k not in strip}]
    assert len(changed) == 2
    for path in changed:
        old, new = before[path]["active"], after[path]["active"]
        diffs = [(row, col) for row in old for col in old[row] if old[row][col] != new[row][col]]
        assert len(diffs) == 1

    old_pages = served(replica, [before[p] for p in common])
    new_pages = served(round2, [after[p] for p in common])
    body_changed = {p for p in common if old_pages[p][0] != new_pages[p][0]}
    etag_only = {p for p in common if old_pages[p][0] == new_pages[p][0] and old_pages[p][1] != new_pages[p][1]}
    assert body_changed == set(changed) and len(etag_only) == 1

    removed_line = before[removed.pop()]
    removed_url = urllib.parse.urljoin(site(round2, removed_line["site"])["column_url"],
                                       urllib.parse.urlsplit(removed_line["url"]).path)
    assert fetch(removed_url)[0] == 404
    listed = ({u for u, _t in trs_rows(round2)} | {u for u, _t in generic_links(round2)}
              | {urllib.parse.urljoin(site(round2, "replica-hanweb")["column_url"], h)
                 for r in hanweb_records(round2)[2] for h in re.findall(r'href="([^"]+)"', r)})
    assert removed_url not in listed
    assert {line["url"] for line in later} <= listed


# ---- reports published as files (attachments=True) ------------------------------------------

MAGIC = {"pdf": b"%PDF-", "scanned_pdf": b"%PDF-", "docx": b"PK\x03\x04", "doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
         "xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "jpeg": b"\xff\xd8\xff", "html": b"<!DOCTYPE html>"}
FIGURES = ("template", "active", "applications", "review_litigation", "narrative")


@pytest.fixture(scope="module")
def filed(tmp_path_factory):
    with Replica(out_dir=tmp_path_factory.mktemp("filed"), attachments=True) as running:
        yield running, [line for line in read_truth(running) if "attachment_urls" in line]


def path_of(url):
    parts = urllib.parse.urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_filed_reports_cover_every_kind_on_top_of_the_pages(replica, truth, filed):
    running, lines = filed
    everything = read_truth(running)
    assert {line["attachment_kind"] for line in lines} == set(MAGIC)
    assert {"stub:docx.wps", "stub:html.doc", "html:trs+pdf"} <= {line["rendered_as"] for line in lines}
    assert {line["site"] for line in lines} == {"replica-trs", "replica-hanweb", "replica-generic"}
    generated = [line for line in everything if line.get("kind") != "seed"]
    assert len(generated) == len([t for t in truth if t.get("kind") != "seed"]) - 2 + len(lines) >= 200
    assert len({(line["agency"], line["year"]) for line in generated}) == len(generated)
    # The .doc and .xls fixtures' reports are in seed 2024's pool: their files replace those pages.
    pages = {path_of(line["url"]) for line in truth}
    kept = {path_of(line["url"]) for line in everything if "attachment_urls" not in line}
    assert kept <= pages and len(pages - kept) == 2
    assert not any("attachment_urls" in line for line in truth)  # off by default
    for line in lines:
        assert len(line["attachment_urls"]) == len(line["attachment_files"]) == len(line["attachment_names"]) == 1
        # A scan's truth is its typed report's: every figure is on its pages.
        assert "kind" not in line and set(FIGURES) <= set(line)
        if line["attachment_kind"] in ("scanned_pdf", "jpeg"):
            assert "（图片版）" in line["attachment_names"][0]
    for kind, load in (("doc", sample_doc), ("xls", sample_xls)):
        saved = load()[1]
        line = next(line for line in lines if line["attachment_kind"] == kind)
        assert {key: line[key] for key in saved} == saved


def disposition_name(headers):
    found = re.search(r"filename\*=UTF-8''([^;\s]+)", headers.get("Content-Disposition", ""))
    return urllib.parse.unquote(found.group(1)) if found else None


def test_files_are_served_with_their_bytes_and_headers(filed):
    running, lines = filed
    for line in lines:
        kind, name = line["attachment_kind"], line["attachment_names"][0]
        status, headers, body = fetch(line["attachment_urls"][0])
        assert status == 200 and body.startswith(MAGIC[kind]), line["rendered_as"]
        assert int(headers["Content-Length"]) == len(body) and headers["ETag"] and headers["Last-Modified"]
        if line["site"] == "replica-trs":  # static files: the type by extension, the name in the link only
            expected = "application/octet-stream" if name.endswith(".wps") else "application/pdf"
            assert headers["Content-Type"] == expected and "Content-Disposition" not in headers
        elif line["site"] == "replica-hanweb":  # downfile.jsp: octet-stream, both names in the disposition
            hex_name = urllib.parse.parse_qs(urllib.parse.urlsplit(line["attachment_urls"][0]).query)["filename"][0]
            assert headers["Content-Type"] == "application/octet-stream"
            assert f'filename="{hex_name}"' in headers["Content-Disposition"] and disposition_name(headers) == name
        else:
            assert headers["Content-Type"] in ("application/pdf", "application/vnd.ms-excel", "image/jpeg")
            assert disposition_name(headers) == name
        if kind == "docx":
            assert "word/document.xml" in zipfile.ZipFile(io.BytesIO(body)).namelist()
        if kind in ("doc", "xls"):
            assert body == (sample_doc if kind == "doc" else sample_xls)()[0]
        if kind == "pdf":
            assert b"/ToUnicode" in body
        if kind == "scanned_pdf":
            assert b"/Font" not in body and b"/Image" in body
        if kind == "html":
            assert html.escape(line["title"]) in body.decode("utf-8")


def test_files_revalidate_like_pages(filed):
    for line in filed[1]:
        url = line["attachment_files"][0]
        _status, headers, _body = fetch(url)
        assert fetch(url, {"If-None-Match": headers["ETag"]})[0] == 304
        assert fetch(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
        assert fetch(url, {"If-None-Match": '"stale"'})[0] == 200


SHAPES = {
    "replica-trs": r"\./P0(\d{8})\d{12}\.(?:pdf|wps)",
    "replica-hanweb": r"/module/download/downfile\.jsp\?classid=0&amp;filename=[0-9a-f]{32}\.(?:docx|doc)",
    "replica-generic": r"/ndbg/files/\d{6}/[^\"/]+\.(?:xls|jpg)|/uploadfile/\d+\.pdf",
}


def test_pages_link_their_files_in_the_family_shape(filed):
    for line in filed[1]:
        status, _headers, body = fetch(line["url"])
        markup = body.decode(line["encoding"])
        name = line["attachment_names"][0]
        [(href, text)] = [(href, text) for href, text in re.findall(r'<a href="([^"]+)">([^<]*)</a>', markup)
                          if html.unescape(text) == name]
        assert status == 200 and re.fullmatch(SHAPES[line["site"]], href), href
        assert urllib.parse.urljoin(line["url"], html.unescape(href)) == line["attachment_urls"][0]
        if line["site"] == "replica-trs":
            assert re.fullmatch(SHAPES["replica-trs"], href).group(1) == line["published_on"].replace("-", "")
            assert line["attachment_urls"][0].rsplit("/", 1)[0] == line["url"].rsplit("/", 1)[0]
        if line["rendered_as"].startswith("stub:"):
            assert "详见附件" in markup and "<table" not in markup
        else:  # the page that carries the tables and a PDF of itself: one truth line for both
            assert "<table" in markup and line["attachment_kind"] == "pdf"


def test_the_old_link_redirects_to_the_file(filed):
    [line] = [line for line in filed[1] if line["attachment_urls"] != line["attachment_files"]]
    parts = urllib.parse.urlsplit(line["attachment_urls"][0])
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request("GET", parts.path)
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 302 and response.headers["Location"] == line["attachment_files"][0]
    assert re.fullmatch(r"http://[\d.:]+/ndbg/files/\d{6}/\d+\.pdf", line["attachment_files"][0])
    assert fetch(line["attachment_urls"][0])[2].startswith(b"%PDF-")


def test_filed_pages_are_listed_like_the_others(filed):
    running, lines = filed
    base = site(running, "replica-hanweb")["column_url"]
    listed = ({url for url, _title in trs_rows(running)} | {url for url, _text in generic_links(running)}
              | {urllib.parse.urljoin(base, h) for r in hanweb_records(running)[2] for h in re.findall(r'href="([^"]+)"', r)})
    assert {line["url"] for line in lines} <= listed
    trs = [line for line in lines if line["site"] == "replica-trs"]
    assert all(fetch(line["mirror_url"])[0] == 200 for line in trs)


def test_scans_can_be_cut_to_their_first_pages():
    """pages=N (Replica(scan_pages=N), for crawls not about OCR): a scan holds the typed report's
    first N pages, at the lower resolution; the whole report by default."""
    import pypdfium2

    from replica.generator import generate
    from replica.scans import render_scanned_pdf, scan_pages

    truth = next(truth for truth in generate(2024, 40) if truth["year"] >= 2019)
    whole = scan_pages(truth, 3)
    first = scan_pages(truth, 3, pages=1)
    assert len(whole) > 1 and len(first) == 1
    assert first[0].width <= whole[0].width  # the lower of the scanners' resolutions
    assert len(pypdfium2.PdfDocument(render_scanned_pdf(truth, 3, pages=1))) == 1
