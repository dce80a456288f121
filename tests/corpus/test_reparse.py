"""reparse streams: documents are read a page at a time and at most a window of them is in flight."""
from concurrent.futures import ThreadPoolExecutor

import store
from corpus.reparse import in_order, stored_documents
from tests.conftest import SEEDS


def test_in_order_keeps_the_order_and_never_draws_more_than_its_window_ahead():
    drawn = []

    def items():
        for item in range(100):
            drawn.append(item)
            yield item

    results = []
    with ThreadPoolExecutor(4) as pool:
        for item, result in in_order(pool, lambda x: x * x, items(), window=5):
            assert len(drawn) - len(results) <= 5  # the writer's backlog is bounded
            results.append((item, result))
    assert results == [(item, item * item) for item in range(100)]


def test_stored_documents_are_the_report_pages_oldest_first(tmp_path, monkeypatch):
    monkeypatch.setattr("corpus.reparse.PAGE", 2)  # several pages for a few documents
    db = store.open_db(tmp_path / "corpus.db")
    seeds = sorted(SEEDS.glob("*.txt"))
    digests = [store.save_document(db, path.read_bytes(), url=path.name, fetched_at=f"2024-01-0{9 - number}")
               for number, path in enumerate(seeds)]
    assert [row[0] for row in stored_documents(db)] == digests[::-1]
