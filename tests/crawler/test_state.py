"""State that one command must not break for another, and listings that shrink, with real
crawls of the replica over HTTP into real SQLite (small portals: these run whole crawls).

- `govreports demo`, then `govreports replica` (stopped with Ctrl-C), then `govreports demo
  --generation 2`: the replica serves from its own folder, so round 2 is the demo's round 2.
- Round 2 refuses a database that round 1 was not crawled into, and changes nothing in it.
- A listing that shows half the reports it showed marks nothing vanished on its own: it is a
  problem of the run; the next complete listing that misses them too marks them.
"""
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from crawler.runner import LOCAL, replica_columns, run_crawl
from govreports.crawl_commands import demo
from replica.server import Replica

pytestmark = pytest.mark.slow  # real crawls of the replica

ROUND_ONE = ["--reports", "24", "--no-attachments"]


def runs(db) -> list[dict]:
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in connection.execute("SELECT * FROM crawl_runs ORDER BY id")]
    finally:
        connection.close()


def serve_and_interrupt(cwd) -> str:
    """`govreports replica` as a user runs it, stopped with Ctrl-C once it serves."""
    with subprocess.Popen([sys.executable, "-m", "govreports", "replica", "--port", "0"], cwd=cwd,
                          stdout=subprocess.PIPE, text=True) as child:
        lines = []
        for line in child.stdout:
            lines.append(line)
            if line.startswith("truth:"):
                break
        child.send_signal(signal.SIGINT)
        lines += child.stdout.readlines()
        assert child.wait(timeout=30) == 0
    return "".join(lines)


def test_demo_then_replica_then_round_two(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = CliRunner().invoke(demo, ROUND_ONE)
    assert first.exit_code == 0, first.output
    saved = {path.name: path.read_bytes() for path in (tmp_path / "output/replica").iterdir()
             if path.suffix in (".json", ".jsonl")}

    served = serve_and_interrupt(tmp_path)
    assert "truth: output/replica-serve/truth.jsonl" in served
    assert {name: (tmp_path / "output/replica" / name).read_bytes() for name in saved} == saved

    second = CliRunner().invoke(demo, ["--generation", "2"])
    assert second.exit_code == 0, second.output
    stored = runs(tmp_path / "output/reports.db")[0]["reports_new"]
    # 5 new, 2 revised (a revised report listed in a sub-column too is changed at both URLs), 1 removed
    # (its page answers 404), as the portal's round 2 publishes; every report of round 1 is counted once.
    [(new, changed, unchanged, vanished)] = re.findall(
        r"This run \(publication round 2\): new (\d+), changed (\d+), unchanged (\d+) .*?, vanished (\d+);",
        second.output)
    assert (int(new), int(vanished)) == (5, 1) and int(changed) >= 2
    assert int(unchanged) + int(changed) + int(vanished) == stored
    [(matched, generated)] = re.findall(r"truth cell by cell: (\d+) of (\d+) generated", second.output)
    assert matched == generated and int(generated) >= 24 + 5 - 1


def test_round_two_refuses_a_database_round_one_was_not_crawled_into(tmp_path):
    mine, other = tmp_path / "mine.db", tmp_path / "other.db"
    for db, out in ((mine, "mine"), (other, "other")):
        result = CliRunner().invoke(demo, ["--db", str(db), "--out", str(tmp_path / out), *ROUND_ONE])
        assert result.exit_code == 0, result.output
    before = runs(other)

    for db in (other, tmp_path / "none.db"):
        refused = CliRunner().invoke(demo, ["--db", str(db), "--out", str(tmp_path / "mine"), "--generation", "2"])
        assert refused.exit_code == 2
        [line] = refused.output.splitlines()
        assert line.startswith(f"govreports: {db}") and line.endswith("Not starting; exit 2.")
    assert runs(other) == before and not (tmp_path / "none.db").exists()
    refused = CliRunner().invoke(demo, ["--db", str(mine), "--out", str(tmp_path / "nowhere"), "--generation", "2"])
    assert refused.exit_code == 2 and "holds no round 1 of the demo" in refused.output

    # round 1 again: the same portal at the same URLs, and round 2 belongs to this database still
    port = json.loads((tmp_path / "mine/round1.json").read_text())["port"]
    again = CliRunner().invoke(demo, ["--db", str(mine), "--out", str(tmp_path / "mine"), *ROUND_ONE])
    assert again.exit_code == 0 and json.loads((tmp_path / "mine/round1.json").read_text())["port"] == port
    assert runs(mine)[-1]["reports_new"] == 0 and runs(mine)[-1]["reports_vanished"] == 0


def crawl(db, out, reports: int, port: int, log: str) -> tuple[dict, int]:
    """One complete crawl of a replica of `reports` generated reports on `port` (0: a free one)."""
    with Replica(seed=7, reports=reports, out_dir=out, port=port) as replica:
        returncode = run_crawl(db=db, columns=replica_columns(replica.sites), settings=LOCAL,
                               log_file=out / f"{log}.log").returncode
        assert returncode == 0
        return {json.loads(line)["url"] for line in replica.truth_path.read_text(encoding="utf-8").splitlines()}, \
            replica.port


def test_a_listing_halved_marks_nothing_until_the_next_complete_listing_misses_the_same(tmp_path):
    db = tmp_path / "reports.db"
    full, port = crawl(db, tmp_path / "full", 80, 0, "full")
    # the same portal, its listings showing half the generated reports (the others answer 404)
    half, _ = crawl(db, tmp_path / "half", 40, port, "half")
    missing = full - half
    assert half < full and len(missing) >= 40

    shrunk = runs(db)[-1]
    assert shrunk["reports_vanished"] == 0 and shrunk["probed"] == 0
    sites = [site["key"] for site in json.loads((tmp_path / "half/sites.json").read_text(encoding="utf-8"))]
    assert sorted(part.split()[0] for part in shrunk["listing_shrunk"].split(", ")) == sorted(sites)
    assert "listing shrunk: " in (tmp_path / "half/half.log").read_text(encoding="utf-8")
    connection = sqlite3.connect(db)
    assert connection.execute("SELECT count(*) FROM reports WHERE vanished_at IS NOT NULL").fetchone() == (0,)
    assert {row[0] for row in connection.execute("SELECT source FROM reports WHERE missed_at IS NOT NULL")} == missing

    crawl(db, tmp_path / "again", 40, port, "again")
    again = runs(db)[-1]
    # marked on the second complete listing that misses them, without asking for them again
    assert again["reports_vanished"] == len(missing) and again["listing_shrunk"] is None and again["probed"] == 0
    assert {row[0] for row in connection.execute("SELECT source FROM reports WHERE vanished_at IS NOT NULL")} == missing


def test_every_refusal_says_why_on_the_terminal(tmp_path):
    """A host refused (a site on a non-public address not configured as local), a site not in
    the registry, a database another run holds: each says why, on the terminal."""
    from crawler import lock
    from govreports.crawl_commands import crawl

    db = tmp_path / "reports.db"
    with Replica(seed=7, reports=12, out_dir=tmp_path / "replica") as replica:
        [column] = [site["column_url"] for site in replica.sites if site["family"] == "trs"]
        registry = tmp_path / "sites.toml"
        registry.write_text(f'[[sites]]\nkey = "intranet"\nagency = "某局"\nregion = "本地"\nfamily = "trs"\n'
                            f'columns = ["{column}"]\n', encoding="utf-8")
        result = CliRunner().invoke(crawl, ["--db", str(db), "--set", f"GOVREPORTS_SITES={registry}"])
        assert not replica.requests  # refused on our side: nothing reached the portal
    address = urlsplit(column).hostname
    assert result.exit_code == 1
    assert (f"govreports: refused: not requesting {column}: {address} is not a public address, and the site is "
            "not configured as local") in result.output.splitlines()

    result = CliRunner().invoke(crawl, ["--db", str(db), "--site", "nosuch"])
    assert result.exit_code == 2 and "no site 'nosuch' in the registry" in result.output

    held = lock.acquire(db)
    try:
        result = CliRunner().invoke(crawl, ["--db", str(db), "--set", f"GOVREPORTS_SITES={registry}"])
    finally:
        os.close(held)
    assert result.exit_code == 75 and "is in use by another run" in result.output
