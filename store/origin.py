"""Where a database's contents came from, by name: e.g. which replica portal round 1 of the
demo crawled (crawler.replica_crawl), so that round 2 is never crawled into another database."""
import store


def save_origin(db, name: str, value: str) -> None:
    db["origins"].upsert({"name": name, "value": value, "recorded_at": store.now()}, pk="name")


def origin(db, name: str) -> str | None:
    if "origins" not in db.table_names():
        return None
    row = next(db["origins"].rows_where("name = ?", [name]), None)
    return row["value"] if row else None
