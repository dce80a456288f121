"""Small corpora of replica reports, parsed into a real SQLite database with its derived tables."""
import store
from corpus import build
from parsers.record import parse_document
from replica.generator import corpus as replica_corpus


def save(db, data: bytes, source: str):
    digest = store.save_document(db, data, url=source)
    parsed = parse_document(data, source)
    store.save_report(db, parsed, digest)
    return parsed


def corpus_db(path, documents):
    """A database holding `documents` [(source, bytes)], parsed, with its derived tables built."""
    db = store.open_db(path)
    for source, data in documents:
        save(db, data, source)
    build.refresh(db)
    return db


def replica_documents(seed: int, count: int, prefix: str = "replica") -> list[tuple[str, bytes]]:
    return [(f"{prefix}/{name}", data) for name, data, _truth in replica_corpus(seed, count)]
