"""The replica's injected faults behave as its docstring promises, are logged, and stop after N.

A crawler's fault tests can only blame the crawler if the faults themselves are right, so each
kind is pinned here with plain sockets and http.client against a started replica, never the
project's crawler.
"""
import http.client
import json
import socket
import time
import urllib.parse

import pytest

from replica.server import MAX_STALL, Replica

pytestmark = pytest.mark.slow  # faults that hang and drip

TRS, HANWEB, GENERIC = "replica-trs", "replica-hanweb", "replica-generic"
FAULTS = {
    f"{TRS}/xxgk/ndbg/index.html": {"kind": "5xx_burst", "times": 2},
    f"{TRS}/xxgk/ndbg/index_1.html": {"kind": "429", "retry_after": 3},
    f"{TRS}/xxgk/ndbg/index_2.html": {"kind": "hang", "seconds": 1},
    f"{TRS}/xxgk/ndbg/index_3.html": {"kind": "reset", "times": 2},
    f"{TRS}/xxgk/ndbg/index_4.html": {"kind": "truncate"},
    f"{TRS}/xxgk/ndbg/index_5.html": {"kind": "drip", "chunk": 256, "pause": 0.05, "seconds": 2},
    f"{TRS}/xxgk/ndbg/index_6.html": {"kind": "redirect_loop", "times": 5},
    f"{TRS}/xxgk/ndbg/index_7.html": {"kind": "redirect_loop", "times": None},
    f"{GENERIC}/ndbg/index.html": {"kind": "redirect_offsite"},
    f"{GENERIC}/ndbg/index_2.html": {"kind": "redirect_offsite", "to": "http://portal.example.invalid/ndbg/"},
    f"{GENERIC}/ndbg/index_3.html": [{"kind": "5xx_burst", "status": 502}, {"kind": "429"}],
    f"{GENERIC}/ndbg/files/*": [{"kind": "html_for_pdf"}, {"kind": "drip", "chunk": 64, "seconds": 1}],
    f"{HANWEB}/module/download/*": {"kind": "html_for_pdf"},
    GENERIC: {"kind": "robots_timeout", "seconds": 1},
}


@pytest.fixture(scope="module")
def replica(tmp_path_factory):
    with Replica(out_dir=tmp_path_factory.mktemp("faults"), attachments=True, faults=FAULTS) as running:
        yield running


@pytest.fixture(scope="module")
def truth(replica):
    return [json.loads(line) for line in replica.truth_path.read_text(encoding="utf-8").splitlines()]


def address(replica, key):
    return next(site["host"] for site in replica.sites if site["key"] == key), replica.port


def get(replica, key, target, timeout=5):
    """(status, headers, body) of one GET on a fresh connection."""
    connection = http.client.HTTPConnection(*address(replica, key), timeout=timeout)
    try:
        connection.request("GET", target)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def logged(replica, key, target, wait=0.0):
    """The log entries of `target` on that site; waits up to `wait` s for at least one."""
    host = address(replica, key)[0]
    deadline = time.monotonic() + wait
    while True:
        found = [r for r in replica.requests if r.host == host and r.path == target]
        if found or time.monotonic() >= deadline:
            return found
        time.sleep(0.05)


def test_a_5xx_burst_ends_after_n(replica):
    statuses = [get(replica, TRS, "/xxgk/ndbg/index.html")[0] for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert [r.fault for r in logged(replica, TRS, "/xxgk/ndbg/index.html")] == ["5xx_burst", "5xx_burst", None]


def test_429_says_when_to_come_back(replica):
    status, headers, body = get(replica, TRS, "/xxgk/ndbg/index_1.html")
    assert status == 429 and headers["Retry-After"] == "3" and "访问过于频繁" in body.decode()
    assert get(replica, TRS, "/xxgk/ndbg/index_1.html")[0] == 200
    assert [(r.status, r.fault) for r in logged(replica, TRS, "/xxgk/ndbg/index_1.html")] == [(429, "429"), (200, None)]


def test_rules_on_one_path_fire_in_order(replica):
    statuses = [get(replica, GENERIC, "/ndbg/index_3.html")[0] for _ in range(3)]
    assert statuses == [502, 429, 200]
    assert [r.fault for r in logged(replica, GENERIC, "/ndbg/index_3.html")] == ["5xx_burst", "429", None]


def test_a_hang_outlasts_the_client_timeout_then_the_host_answers(replica):
    with pytest.raises(TimeoutError):
        get(replica, TRS, "/xxgk/ndbg/index_2.html", timeout=0.3)
    [entry] = logged(replica, TRS, "/xxgk/ndbg/index_2.html", wait=3)
    assert entry.fault == "hang" and entry.status == 0 and 0.9 < entry.finished - entry.started < 2
    assert get(replica, TRS, "/xxgk/ndbg/index_2.html")[0] == 200


def test_robots_txt_times_out_once_and_only_robots(replica):
    with pytest.raises(TimeoutError):
        get(replica, GENERIC, "/robots.txt", timeout=0.3)
    [entry] = logged(replica, GENERIC, "/robots.txt", wait=3)
    assert entry.fault == "robots_timeout" and entry.status == 0
    status, _headers, body = get(replica, GENERIC, "/robots.txt")
    assert status == 200 and body.startswith(b"User-agent: *")
    assert get(replica, GENERIC, "/ndbg/index_4.html")[0] == 200  # the rest of the site is not touched
    assert logged(replica, GENERIC, "/ndbg/index_4.html")[0].fault is None


def raw_exchange(replica, key, target):
    """What a bare socket receives for a GET: the bytes, or the error the connection ended with."""
    with socket.create_connection(address(replica, key), timeout=5) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def test_a_reset_is_a_tcp_rst_then_the_page_comes_back(replica):
    for _ in range(2):
        with pytest.raises(ConnectionResetError):
            raw_exchange(replica, TRS, "/xxgk/ndbg/index_3.html")
    assert raw_exchange(replica, TRS, "/xxgk/ndbg/index_3.html").startswith(b"HTTP/1.1 200 ")
    entries = logged(replica, TRS, "/xxgk/ndbg/index_3.html")
    assert [(r.status, r.fault) for r in entries] == [(0, "reset"), (0, "reset"), (200, None)]


def test_a_truncated_body_is_shorter_than_its_content_length(replica):
    connection = http.client.HTTPConnection(*address(replica, TRS), timeout=5)
    connection.request("GET", "/xxgk/ndbg/index_4.html")
    response = connection.getresponse()
    promised = int(response.headers["Content-Length"])
    assert "ETag" not in response.headers
    with pytest.raises(http.client.IncompleteRead) as cut:
        response.read()
    connection.close()
    assert len(cut.value.partial) == promised // 2
    status, headers, body = get(replica, TRS, "/xxgk/ndbg/index_4.html")
    assert status == 200 and len(body) == promised and headers["ETag"]
    assert [r.fault for r in logged(replica, TRS, "/xxgk/ndbg/index_4.html")] == ["truncate", None]


def timed_get(replica, key, target):
    started = time.monotonic()
    return get(replica, key, target), time.monotonic() - started


def test_a_drip_delivers_the_whole_body_slowly_and_within_its_bound(replica):
    (status, _headers, dripped), slow = timed_get(replica, TRS, "/xxgk/ndbg/index_5.html")
    (_status, _headers, body), fast = timed_get(replica, TRS, "/xxgk/ndbg/index_5.html")
    pieces = -(-len(body) // 256)
    assert status == 200 and dripped == body and pieces >= 4
    assert min(pieces * 0.05, 2) * 0.8 < slow < 2 + 1 and fast < 0.5
    assert [r.fault for r in logged(replica, TRS, "/xxgk/ndbg/index_5.html")] == ["drip", None]


def test_a_redirect_loop_bounces_between_two_urls_until_n_hops(replica):
    target, hops = "/xxgk/ndbg/index_6.html", []
    for _ in range(6):
        status, headers, _body = get(replica, TRS, target)
        if status != 302:
            break
        target = urllib.parse.urlsplit(headers["Location"])._replace(scheme="", netloc="").geturl()
        hops.append(target)
    assert hops == ["/xxgk/ndbg/index_6.html?loop=1", "/xxgk/ndbg/index_6.html"] * 2 + ["/xxgk/ndbg/index_6.html?loop=1"]
    assert status == 200
    entries = logged(replica, TRS, "/xxgk/ndbg/index_6.html") + logged(replica, TRS, "/xxgk/ndbg/index_6.html?loop=1")
    assert sorted(r.fault or "" for r in entries) == [""] + ["redirect_loop"] * 5


def test_an_endless_redirect_loop_never_resolves(replica):
    target = "/xxgk/ndbg/index_7.html"
    for _ in range(30):
        status, headers, _body = get(replica, TRS, target)
        assert status == 302
        target = headers["Location"]
    assert target == "/xxgk/ndbg/index_7.html"


def test_redirects_offsite_go_to_hosts_no_site_serves(replica):
    status, headers, _body = get(replica, GENERIC, "/ndbg/index.html")
    assert status == 302 and headers["Location"] == f"http://127.0.0.9:{replica.port}/ndbg/index.html"
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.9", replica.port), timeout=2)
    status, headers, _body = get(replica, GENERIC, "/ndbg/index_2.html")
    assert status == 302 and headers["Location"] == "http://portal.example.invalid/ndbg/"
    assert get(replica, GENERIC, "/ndbg/index.html")[0] == 200
    assert [r.fault for r in logged(replica, GENERIC, "/ndbg/index.html")] == ["redirect_offsite", None]


def path_of(url):
    parts = urllib.parse.urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_html_where_a_pdf_was_promised_then_the_pdf(replica, truth):
    line = next(line for line in truth if line.get("rendered_as") == "stub:pdf.pdf" and line["site"] == GENERIC)
    target = path_of(line["attachment_files"][0])
    status, headers, body = get(replica, GENERIC, target)
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert body.startswith(b"<!DOCTYPE html>") and "文件不存在" in body.decode()
    (status, headers, dripped), seconds = timed_get(replica, GENERIC, target)
    assert dripped.startswith(b"%PDF-") and len(dripped) > 20_000 and 0.5 < seconds < 2.5  # bounded drip
    assert get(replica, GENERIC, target)[2] == dripped
    assert [r.fault for r in logged(replica, GENERIC, target)] == ["html_for_pdf", "drip", None]

    line = next(line for line in truth if line.get("attachment_kind") == "docx" and line["site"] == HANWEB)
    target = path_of(line["attachment_urls"][0])
    first, second = get(replica, HANWEB, target)[2], get(replica, HANWEB, target)[2]
    assert first.startswith(b"<!DOCTYPE html>") and second.startswith(b"PK\x03\x04")


def test_pages_without_a_fault_are_logged_without_one(replica):
    assert get(replica, HANWEB, "/col/col1234/index.html")[0] == 200
    assert [r.fault for r in logged(replica, HANWEB, "/col/col1234/index.html")] == [None]


def test_a_closed_port_refuses_connections_while_listed(tmp_path):
    with Replica(out_dir=tmp_path, reports=20, faults={HANWEB: {"kind": "closed_port"}}) as replica:
        closed = [site for site in replica.sites if site.get("closed")]
        assert [site["key"] for site in closed] == [HANWEB]
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((closed[0]["host"], replica.port), timeout=2)
        assert get(replica, TRS, "/xxgk/ndbg/index.html")[0] == 200
        truth = replica.truth_path.read_text(encoding="utf-8")
        assert closed[0]["host"] in truth  # its reports stay in the truth: the next run must fetch them


@pytest.mark.parametrize("spec", [
    {TRS: {"kind": "meltdown"}},
    {"replica-nowhere": {"kind": "hang"}},
    {f"{TRS}/robots.txt": {"kind": "closed_port"}},
    {TRS: {"kind": "5xx_burst", "times": 0}},
    {TRS: {"kind": "hang", "second": 3}},
])
def test_a_bad_spec_is_refused_before_anything_starts(spec):
    with pytest.raises(ValueError):
        Replica(faults=spec)


def test_a_hang_ends_when_the_replica_stops(tmp_path):
    replica = Replica(out_dir=tmp_path, reports=20, faults={TRS: {"kind": "hang", "seconds": 1000}}).start()
    with socket.create_connection(address(replica, TRS), timeout=5) as sock:
        sock.sendall(b"GET /xxgk/ndbg/index.html HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.2)
        stopped = time.monotonic()
        replica.stop()
        assert sock.recv(100) == b""  # closed without an answer
    [entry] = logged(replica, TRS, "/xxgk/ndbg/index.html", wait=2)
    assert entry.fault == "hang" and entry.finished - stopped < 1 and MAX_STALL <= 60
