"""The SQLite store: originals kept, versions kept, one transaction per report."""
import pytest

import store
from parsers.record import parse_document
from tests.conftest import SEEDS

SEED = (SEEDS / "000_7e093741219ba120.txt").read_bytes()


@pytest.fixture
def db(tmp_path):
    return store.open_db(tmp_path / "corpus.db")


def save(db, data, url):
    digest = store.save_document(db, data, url=url, headers={"Content-Type": "text/plain"})
    return digest, store.save_report(db, parse_document(data, url), digest)


def test_original_bytes_are_kept_compressed_and_come_back_identical(db):
    digest, status = save(db, SEED, "http://example.gov.cn/a.html")
    assert status == "new"
    row = db["documents"].get(digest)
    assert row["size"] == len(SEED) and len(row["content"]) < len(SEED)
    assert row["content_type"] == "text/plain"
    assert store.load_document(db, digest) == SEED


def test_the_same_bytes_again_change_nothing(db):
    save(db, SEED, "http://example.gov.cn/a.html")
    before = list(db["cells"].rows)
    assert save(db, SEED, "http://example.gov.cn/a.html")[1] == "unchanged"
    assert list(db["cells"].rows) == before
    assert db["reports"].count == 1 and db["documents"].count == 1


def test_a_revised_report_is_a_new_version_and_the_old_one_stays_queryable(db):
    save(db, SEED, "http://example.gov.cn/a.html")
    revised = SEED.replace("行政规范性文件 | 1 | 0 | 1 |".encode(), "行政规范性文件 | 2 | 0 | 2 |".encode())
    assert revised != SEED
    assert save(db, revised, "http://example.gov.cn/a.html")[1] == "changed"
    rows = list(db["reports"].rows_where(order_by="id"))
    assert [row["current"] for row in rows] == [0, 1]
    assert {row["report_key"] for row in rows} == {"鄂伦春自治旗民政局/2023"}
    values = db.execute(
        "select r.current, c.value from cells c join reports r on r.id = c.report_id "
        "where c.table_name='active' and c.row_key='normative_docs' and c.col_key='issued' order by r.id").fetchall()
    assert values == [(0, 1.0), (1, 2.0)]


def test_full_text_search_finds_the_report(db):
    save(db, SEED, "http://example.gov.cn/a.html")
    hits = list(db["reports"].search("鄂伦春民政发布"))
    assert [hit["agency"] for hit in hits] == ["鄂伦春自治旗民政局"]


def test_a_failure_while_writing_cells_leaves_no_half_report(db, monkeypatch):
    digest = store.save_document(db, SEED, url="x")
    parsed = parse_document(SEED, "x")
    parsed.cells.append(None)  # the writer fails after some cells were queued
    with pytest.raises(AttributeError):
        store.save_report(db, parsed, digest)
    assert db["reports"].count == 0 and db["cells"].count == 0
    assert db["documents"].count == 1  # the original survives the failed parse


def test_how_long_ocr_took_is_no_change_of_the_record():
    """A reparse of a scan reads the same figures in another time: nothing to rewrite."""
    record = {"source": "a", "active": {}, "ocr": {"pages": 2, "seconds": 12.5, "low_confidence": 0.8}}
    again = {**record, "source": "b", "ocr": {**record["ocr"], "seconds": 30.1}}
    assert store.record_sha256(record) == store.record_sha256(again)
    assert store.record_sha256(record) != store.record_sha256({**record, "ocr": {**record["ocr"], "pages": 1}})
