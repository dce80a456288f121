"""`govreports crawl` as cron and systemd run it: the lock, exit codes, a log per run,
resuming after SIGTERM and kill -9, and the deploy/ files. Real processes, the replica
portal over HTTP, real SQLite."""
import json
import os
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler import lock
from crawler.runner import LOCAL, crawl_command, replica_columns
from govreports.exit_codes import BUSY as EXIT_LOCKED
from govreports.exit_codes import FAILED as EXIT_FAILED
from govreports.exit_codes import OK as EXIT_OK
from govreports.exit_codes import PARTIAL as EXIT_PARTIAL
from govreports.exit_codes import of_run as exit_code
from replica.server import Replica
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # real crawls, locks and signals

SETTINGS = [f"--set={name}={value}" for name, value in LOCAL.items()]


def govreports(*args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "govreports", *map(str, args)], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def finish(process, timeout=120):
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out + err


def reports_stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db) as connection:
            return connection.execute("SELECT count(*) FROM reports").fetchone()[0]
    except sqlite3.OperationalError:  # not made yet
        return 0


def wait_for(db: Path, count: int, process, timeout=60):
    deadline = time.monotonic() + timeout
    while reports_stored(db) < count:
        assert process.poll() is None, "the crawl ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.02)


@pytest.fixture(scope="module")
def replica(tmp_path_factory):
    with Replica(seed=2024, out_dir=tmp_path_factory.mktemp("replica"), port=0) as replica:
        yield replica


def test_exit_codes():
    row = {"finish_reason": "finished", "sites": "a,b", "failed_sites": "", "errors": 0}
    assert exit_code(0, row) == EXIT_OK
    assert exit_code(0, {**row, "errors": 2}) == EXIT_PARTIAL
    assert exit_code(0, {**row, "failed_sites": "b"}) == EXIT_PARTIAL
    assert exit_code(0, {**row, "failed_sites": "a,b"}) == EXIT_FAILED
    assert exit_code(0, {**row, "finish_reason": "shutdown"}) == EXIT_FAILED
    assert exit_code(0, None) == EXIT_FAILED  # killed: it wrote no row
    assert exit_code(1, row) == EXIT_FAILED


def test_a_second_run_on_a_locked_database_does_nothing(tmp_path, replica):
    db = tmp_path / "reports.db"
    held = lock.acquire(db)  # a run under way
    try:
        code, output = finish(govreports("crawl", "--url", "http://127.0.0.2:9/x", "--db", db))
        assert code == EXIT_LOCKED == 75
        assert f"in use by another run (pid {os.getpid()}" in output and "Not starting" in output
        assert not db.exists() and not (tmp_path / "logs").exists()
        # A `scrapy crawl` started by anything else (Scrapyd, by hand) honours the lock too.
        column = replica_columns(replica.sites)["replica-trs"][0]
        argv, env = crawl_command(db=db, url=column, settings=LOCAL, log_file=tmp_path / "scrapy.log")
        subprocess.run(argv, env=env, check=True, timeout=120)
        log = (tmp_path / "scrapy.log").read_text()
        assert "in use by another run" in log and "'finish_reason': 'locked'" in log
        assert "Crawled (200)" not in log and reports_stored(db) == 0
        assert sqlite3.connect(db).execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'crawl_runs'").fetchone() == (0,)
    finally:
        os.close(held)


def test_partial_and_total_failure(tmp_path, replica):
    db = tmp_path / "reports.db"
    columns = replica_columns(replica.sites)
    broken = columns["replica-generic"][0].replace("/ndbg/", "/no-such-column/")
    some = json.dumps({"replica-hanweb": columns["replica-hanweb"], "replica-generic": [broken]})
    code, output = finish(govreports("crawl", "--db", db, f"--set=GOVREPORTS_COLUMNS={some}", *SETTINGS))
    assert code == EXIT_PARTIAL == 3, output
    assert "failed sites: replica-generic" in output
    hanweb = {line["url"] for line in map(json.loads, replica.truth_path.read_text().splitlines())
              if line["site"] == "replica-hanweb"}
    stored = {row[0] for row in sqlite3.connect(db).execute("SELECT source FROM reports")}
    assert stored == hanweb  # the site that worked is all there

    none = json.dumps({"replica-generic": [broken]})
    code, output = finish(govreports("crawl", "--db", db, f"--set=GOVREPORTS_COLUMNS={none}", *SETTINGS))
    assert code == EXIT_FAILED == 1, output

    runs = sqlite3.connect(db).execute("SELECT failed_sites, log_file FROM crawl_runs ORDER BY id").fetchall()
    assert [failed for failed, _ in runs] == ["replica-generic", "replica-generic"]
    logs = sorted((tmp_path / "logs").glob("crawl-*.log"))  # one log per run, beside the database
    assert [str(path) for path in logs] == [log for _, log in runs]
    for path in logs:
        assert json.loads(path.with_suffix(".json").read_text())["log_file"] == str(path)
    assert "no-such-column" in logs[1].read_text() and " ERROR: " in logs[1].read_text()


def test_interrupted_crawls_resume_without_loss_or_duplicates(tmp_path, replica):
    """SIGTERM to `govreports crawl`, then kill -9 of a crawl midway, then a run to the end."""
    db = tmp_path / "reports.db"
    columns = json.dumps(replica_columns(replica.sites))
    served = {line["url"] for line in map(json.loads, replica.truth_path.read_text().splitlines())}

    terminated = govreports("crawl", "--db", db, f"--set=GOVREPORTS_COLUMNS={columns}", *SETTINGS)
    wait_for(db, 40, terminated)
    terminated.send_signal(signal.SIGTERM)
    code, output = finish(terminated)
    assert code == EXIT_FAILED, output
    shut = sqlite3.connect(db).execute("SELECT finish_reason, reports_new FROM crawl_runs").fetchall()
    assert shut[0][0] == "shutdown" and shut[0][1] >= 40

    argv, env = crawl_command(db=db, columns=json.loads(columns), settings=LOCAL, log_file=tmp_path / "killed.log")
    killed = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    before = reports_stored(db)
    wait_for(db, before + 60, killed)
    killed.kill()  # SIGKILL: no spider_closed, no crawl_runs row, the lock dies with it
    killed.wait()
    stored_before_last = {row[0] for row in sqlite3.connect(db).execute("SELECT source FROM reports")}
    assert len(served) > len(stored_before_last) >= before + 60

    seen = len(replica.requests)
    code, output = finish(govreports("crawl", "--db", db, f"--set=GOVREPORTS_COLUMNS={columns}", *SETTINGS))
    assert code == EXIT_OK, output
    connection = sqlite3.connect(db)
    sources = [row[0] for row in connection.execute("SELECT source FROM reports")]
    assert sorted(sources) == sorted(served)  # every report, each once
    assert connection.execute("SELECT count(*) FROM documents").fetchone() == (len(served),)
    assert connection.execute("SELECT count(*) FROM reports r LEFT JOIN documents d"
                              " ON d.sha256 = r.document_sha256 WHERE d.sha256 IS NULL").fetchone() == (0,)
    # the last run fetched only what the interrupted ones had not stored
    fetched = {r.path for r in replica.requests[seen:]}
    assert {urlsplit(url).path for url in stored_before_last} & fetched == set()
    assert {urlsplit(url).path for url in served - stored_before_last} <= fetched
    assert [row[0] for row in connection.execute("SELECT finish_reason FROM crawl_runs ORDER BY id")] == [
        "shutdown", "finished"]


def commands_of_deploy_files() -> list[str]:
    """The shell commands deploy/ would run, pointed at this checkout."""
    service = (ROOT / "deploy" / "govreports-crawl.service").read_text()
    [exec_start] = [line.split("=", 1)[1] for line in service.splitlines() if line.startswith("ExecStart=")]
    [cron] = [line for line in (ROOT / "deploy" / "govreports.cron").read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    fields = cron.split(None, 5)
    assert len(fields) == 6 and fields[:5] == ["17", "19", "*", "*", "0"]
    return [command.replace("/opt/govreports", str(ROOT)) for command in (exec_start, fields[5])]


def test_the_deploy_files_work_as_written(tmp_path):
    for command in commands_of_deploy_files():
        # /var/lib/govreports -> a scratch folder; --help makes click check every option, then stop
        command = command.replace("/var/lib/govreports", str(tmp_path)).replace("/var/log/govreports", str(tmp_path))
        result = subprocess.run(["bash", "-c", command + " --help"], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "Exit codes:" in result.stdout and "75" in result.stdout
        assert shlex.split(command.split("&&")[-1])[1:3] == ["crawl", "--db"]
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    for name in ("govreports-crawl.service", "govreports-crawl.timer"):
        text = (ROOT / "deploy" / name).read_text().replace("/opt/govreports", str(ROOT))
        (tmp_path / name).write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "govreports-crawl.service"),
                             str(tmp_path / "govreports-crawl.timer")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
