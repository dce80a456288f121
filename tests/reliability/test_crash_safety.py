"""Crash safety of real crawls (reliability.crawl, the scenarios `make reliability` runs):
kill -9 at random moments, again and again; a kill in the middle of a report's transaction; a
disk that fills up and a database that turns read-only."""
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from reliability import crawl as reliability_crawl
from reliability.crawl import Checker, kill_scenario, storage_scenario
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # kill -9 of real crawls

KILLS = 8


@pytest.fixture(scope="module")
def killed(tmp_path_factory):
    return kill_scenario(KILLS, work=tmp_path_factory.mktemp("kills"))


def test_every_kill_is_survived(killed):
    print(f"kills survived: {killed.survived} of {killed.kills} ({killed.mid_crawl} while reports were being "
          f"stored; {killed.seconds:.0f} s)")
    assert killed.failures == []
    assert killed.kills == killed.survived == KILLS


def test_the_kills_fell_while_the_crawl_was_storing(killed):
    """Not all at start-up or after the end: the corpus grew from kill to kill."""
    assert killed.mid_crawl >= 2, killed.stored
    assert killed.stored == sorted(killed.stored)  # nothing stored was ever lost


def test_the_final_corpus_equals_an_uninterrupted_crawls(killed):
    assert killed.reports > 60
    assert (len(killed.lost), killed.duplicates) == (0, 0)


def test_run_kills_is_this_scenario_counted(monkeypatch, killed):
    monkeypatch.setattr(reliability_crawl, "kill_scenario", lambda kills, **_: killed)
    assert reliability_crawl.run_kills(KILLS) == {"kills": KILLS, "kills_survived": KILLS, "records_lost": 0,
                                                  "duplicates": 0, "orphans": 0, "failures": []}


KILL_MID_TRANSACTION = textwrap.dedent("""
    import os, signal, sys
    import store
    from parsers.record import parse_document

    db = store.open_db(sys.argv[1])
    data = open(sys.argv[2], "rb").read()
    digest = store.save_document(db, data, url="http://127.0.0.2/2.html")
    parsed = parse_document(data, "http://127.0.0.2/2.html")
    real = db.conn.executemany

    class Connection:  # the cells go in, then the process dies before the commit
        def __getattr__(self, name):
            return getattr(real.__self__, name)

        def executemany(self, sql, rows):
            real(sql, rows)
            os.kill(os.getpid(), signal.SIGKILL)

    db.conn = Connection()
    store.save_report(db, parsed, digest)
""")


def test_a_kill_inside_a_reports_transaction_leaves_nothing_of_it(tmp_path):
    """Deterministically between the report's row and its commit: the report is all there or not at all."""
    import store
    from parsers.record import parse_document

    seeds = sorted((ROOT / "replica" / "seeds").glob("*.txt"))
    db_path = tmp_path / "reports.db"
    db = store.open_db(db_path)
    first = seeds[0].read_bytes()
    store.save_report(db, parse_document(first, "http://127.0.0.2/1.html"),
                      store.save_document(db, first, url="http://127.0.0.2/1.html"))
    db.close()
    child = subprocess.run([sys.executable, "-c", KILL_MID_TRANSACTION, str(db_path), str(seeds[1])],
                           cwd=ROOT, capture_output=True, text=True)
    assert child.returncode == -signal.SIGKILL, child.stderr
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("SELECT count(*) FROM reports").fetchone() == (1,)  # the first one only
        assert connection.execute("SELECT count(*) FROM documents").fetchone() == (2,)  # its bytes were kept
    assert Checker(db_path).check() == []


@pytest.fixture(scope="module")
def storage(tmp_path_factory):
    runs = storage_scenario(work=tmp_path_factory.mktemp("storage"))
    if runs is None:
        pytest.skip("no tmpfs can be mounted here (needs root and mount(8))")
    return {run.name: run for run in runs}


@pytest.mark.parametrize("name", ["disk full", "read-only database"])
def test_a_storage_fault_is_a_clear_error_a_non_zero_exit_and_nothing_corrupted(storage, name):
    run = storage[name]
    assert run.failures == []
    assert run.returncode == 74
    [line] = [line for line in run.stderr.splitlines() if "cannot write the database" in line]
    assert line.startswith("govreports: ") and ("disk is full" in line if name == "disk full"
                                                else "Read-only file system" in line)
    assert run.recovered


def test_a_database_killed_before_its_schema_is_a_state_to_resume_from(tmp_path):
    """The kill loop can land before the crawl created the file, or after it created the file but
    before its tables: both are an empty corpus, not a failure of the check."""
    db_path = tmp_path / "killed.db"
    checker = Checker(db_path)
    assert checker.check() == []  # no file yet
    sqlite3.connect(db_path).close()  # an empty file
    assert checker.check() == []
    with sqlite3.connect(db_path) as connection:
        connection.execute("CREATE TABLE documents (sha256 TEXT)")  # part of the schema only
    assert checker.check() == []
    assert checker.seen == set()


def test_a_report_that_disappears_after_a_kill_is_counted_as_gone(tmp_path):
    import store
    from parsers.record import parse_document

    seed = sorted((ROOT / "replica" / "seeds").glob("*.txt"))[0].read_bytes()
    db_path = tmp_path / "reports.db"
    db = store.open_db(db_path)
    store.save_report(db, parse_document(seed, "http://127.0.0.2/1.html"),
                      store.save_document(db, seed, url="http://127.0.0.2/1.html"))
    db.close()
    checker = Checker(db_path)
    assert checker.check() == []
    assert len(checker.seen) == 1
    db_path.unlink()
    [problem] = checker.check()
    assert problem.startswith("1 reports stored before are gone")
