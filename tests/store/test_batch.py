"""store.Batch: many reports per commit, each report still all there or absent."""
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

import store
from parsers.record import parse_document
from tests.conftest import ROOT, SEEDS

SEED_FILES = sorted(SEEDS.glob("*.txt"))


def save(db, path):
    data = path.read_bytes()
    digest = store.save_document(db, data, url=f"http://127.0.0.2/{path.name}")
    return store.save_report(db, parse_document(data, f"http://127.0.0.2/{path.name}"), digest)


def committed(db_path) -> tuple[int, int, int]:
    """(reports, documents, cells of no report) as another connection sees them."""
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return connection.execute(
            "SELECT (SELECT count(*) FROM reports), (SELECT count(*) FROM documents),"
            " (SELECT count(*) FROM cells WHERE report_id NOT IN (SELECT id FROM reports))").fetchone()


def test_a_batch_commits_when_full_and_on_leaving(tmp_path):
    db = store.open_db(tmp_path / "corpus.db")
    with store.Batch(db, size=2, seconds=3600) as batch:
        with batch.report():
            save(db, SEED_FILES[0])
        assert committed(tmp_path / "corpus.db")[0] == 0  # still in the open batch
        with batch.report():
            save(db, SEED_FILES[1])
        assert committed(tmp_path / "corpus.db")[0] == 2
        assert not db.conn.in_transaction  # no write lock held between batches
        with batch.report():
            save(db, SEED_FILES[2])
    assert committed(tmp_path / "corpus.db") == (3, 3, 0)


def test_a_failed_report_leaves_nothing_of_itself_and_its_batch_stands(tmp_path):
    db = store.open_db(tmp_path / "corpus.db")
    with store.Batch(db, size=100, seconds=3600) as batch:
        with batch.report():
            save(db, SEED_FILES[0])
        data = SEED_FILES[1].read_bytes()
        parsed = parse_document(data, "x")
        parsed.cells.append(None)  # the writer fails after some of its cells went in
        with batch.report():  # the bytes first, as a crawl stores them
            digest = store.save_document(db, data, url="x")
        with pytest.raises(AttributeError), batch.report():
            store.save_document(db, b"stored with the failed report", url="y")
            store.save_report(db, parsed, digest)
        with batch.report():
            save(db, SEED_FILES[2])
    reports, documents, orphans = committed(tmp_path / "corpus.db")
    assert (reports, documents, orphans) == (2, 3, 0)  # its bytes stored before are kept; nothing of its block
    assert {row[0] for row in db.execute("SELECT source FROM reports")} == {
        f"http://127.0.0.2/{SEED_FILES[0].name}", f"http://127.0.0.2/{SEED_FILES[2].name}"}


KILL_MID_BATCH = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    import store
    from parsers.record import parse_document

    db = store.open_db(sys.argv[1])
    paths = [Path(path) for path in sys.argv[2:]]

    def save(path):
        data = path.read_bytes()
        digest = store.save_document(db, data, url=f"http://127.0.0.2/{path.name}")
        store.save_report(db, parse_document(data, f"http://127.0.0.2/{path.name}"), digest)

    with store.Batch(db, size=2, seconds=3600) as batch:
        for path in paths[:3]:  # two committed, one in the open batch
            with batch.report():
                save(path)
        real = db.conn.executemany

        class Connection:  # the fourth report's cells go in, then the process dies
            def __getattr__(self, name):
                return getattr(real.__self__, name)

            def executemany(self, sql, rows):
                real(sql, rows)
                os.kill(os.getpid(), signal.SIGKILL)

        db.conn = Connection()
        with batch.report():
            save(paths[3])
""")


def test_a_kill_mid_batch_loses_no_committed_report_and_leaves_no_half_report(tmp_path):
    db_path = tmp_path / "corpus.db"
    child = subprocess.run([sys.executable, "-c", KILL_MID_BATCH, str(db_path), *map(str, SEED_FILES[:4])],
                           cwd=ROOT, capture_output=True, text=True)
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert committed(db_path) == (2, 2, 0)  # the committed batch, whole; nothing of the open one
    db = store.open_db(db_path)
    assert [hit["source"] for hit in db["reports"].search("政府信息公开")] != []  # the full-text index followed
    with store.Batch(db) as batch:  # the next run stores the rest
        for path in SEED_FILES[2:4]:
            with batch.report():
                assert save(db, path) == "new"
    assert committed(db_path) == (4, 4, 0)


def test_databases_made_before_lose_the_cells_triple_index_and_keep_their_search(tmp_path):
    db_path = tmp_path / "old.db"
    db = store.open_db(db_path)
    save(db, SEED_FILES[0])
    db["cells"].create_index(["table_name", "row_key", "col_key"])  # as open_db made it before
    db.execute("DROP TRIGGER reports_au")
    db.execute('CREATE TRIGGER reports_au AFTER UPDATE ON reports BEGIN'
               ' INSERT INTO reports_fts (reports_fts, rowid, title, agency, text)'
               " VALUES ('delete', old.rowid, old.title, old.agency, old.text);"
               ' INSERT INTO reports_fts (rowid, title, agency, text) VALUES (new.rowid, new.title, new.agency, new.text);'
               ' END')
    db.close()
    db = store.open_db(db_path)
    assert "idx_cells_table_name_row_key_col_key" not in {index.name for index in db["cells"].indexes}
    agency = db.execute("SELECT agency FROM reports").fetchone()[0]
    db.execute("UPDATE reports SET current = 0")  # not an indexed column: the index is left alone
    db.execute("UPDATE reports SET agency = ?", [agency + "新"])
    assert [hit["agency"] for hit in db["reports"].search(agency + "新")] == [agency + "新"]
