"""A crawl of the replica portal: start it, crawl all its sites into a database, stop it
(`govreports demo`, the benchmark, the reliability harness)."""
from __future__ import annotations

import json
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from crawler.runner import LOCAL, replica_columns, run_crawl, run_row


@dataclass
class ReplicaCrawl:
    seconds: float
    returncode: int
    sites: list[dict]
    truth_path: Path
    log_file: Path
    generation: int = 1
    discovered: dict | None = None  # by site key, what discovery from its homepage found

    @property
    def row(self) -> dict | None:
        return run_row(self.log_file)


# Round 1's portal, in the --out folder and (its "portal" token) in the database crawled:
# round 2 is the same portal (seed, size, port, attachments) crawled into that same database.
STATE = "round1.json"
ORIGIN = "replica_portal"


class NotThisPortal(Exception):
    """The saved round 1 does not belong to the database round 2 would change."""


def remember_round(db: str | Path, out_dir: Path, replica) -> None:
    """Round 1 of `replica` was crawled into `db`: write the same new token to both."""
    import store
    from store.origin import save_origin

    state = {"portal": uuid.uuid4().hex, "seed": replica.seed, "reports": replica.reports, "port": replica.port,
             "attachments": replica.attachments, "subcolumns": replica.subcolumns, "scan_pages": replica.scan_pages}
    (out_dir / STATE).write_text(json.dumps(state, indent=1) + "\n", encoding="utf-8")
    db = store.open_db(db)
    try:
        save_origin(db, ORIGIN, state["portal"])
    finally:
        db.close()


def saved_round(out_dir: Path) -> dict | None:
    """The round 1 saved in `out_dir` (remember_round), if any."""
    try:
        return json.loads((out_dir / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def discover_replica(sites: list[dict], settings: dict) -> tuple[dict[str, list[str]], dict]:
    """Each replica site's 年报 columns, discovered from its homepage (in parallel, one child crawl
    per site). Returns GOVREPORTS_COLUMNS and what each discovery found, by site key."""
    from concurrent.futures import ThreadPoolExecutor

    from crawler import discover

    def found(site: dict):
        result, stderr = discover.run(site["homepage"], settings=settings)
        if result is None:
            raise RuntimeError(f"the discovery from {site['homepage']} did not finish: {stderr[-500:]}")
        return result

    with ThreadPoolExecutor(len(sites) or 1) as pool:
        founds = dict(zip((site["key"] for site in sites), pool.map(found, sites)))
    columns = {key: [column.url for column in result.columns if column.reports] for key, result in founds.items()}
    return {key: urls for key, urls in columns.items() if urls}, founds


def round_one(db: str | Path, out_dir: Path) -> dict:
    """The saved round 1 in `out_dir`, checked to be the one crawled into `db` (NotThisPortal)."""
    from store.origin import origin

    state = saved_round(out_dir)
    if state is None:
        raise NotThisPortal(f"{out_dir} holds no round 1 of the demo ({STATE}): run `govreports demo "
                            f"--db {db} --out {out_dir}` first") from None
    if not Path(db).exists():
        raise NotThisPortal(f"{db} does not exist: round 2 re-crawls the database of round 1")
    connection = sqlite3.connect(f"file:{Path(db).resolve()}?mode=ro", uri=True)
    try:
        crawled = origin(sqlite_utils.Database(connection), ORIGIN)
    finally:
        connection.close()
    if crawled != state["portal"]:
        raise NotThisPortal(f"{db} was not crawled from the round 1 saved in {out_dir} (seed {state['seed']}, "
                            f"port {state['port']}): round 2 would judge its reports against another portal")
    return state


def crawl_replica(db: str | Path, out_dir: str | Path, *, seed: int = 2024, settings: dict | None = None,
                  generation: int = 1, port: int = 0, lock_fd: int | None = None, reports: int = 220,
                  attachments: bool = False, faults: dict | None = None, discover: bool = False,
                  subcolumns: bool | None = None, scan_pages: int | None = None) -> ReplicaCrawl:
    """Start the replica (on `port`; 0: a free one), crawl all its sites into `db`, stop it.
    `reports`, `attachments`, `faults`, `subcolumns` (default: as `discover`), `scan_pages`: as
    replica.server.Replica takes them. With `discover` the crawl starts from the homepages: the
    columns it crawls are those discovery finds there. A round 1 is remembered in `out_dir` and
    `db` (remember_round) for its round 2."""
    from replica.server import Replica

    out_dir = Path(out_dir)
    log_file = out_dir / f"crawl-gen{generation}.log"
    with Replica(seed=seed, reports=reports, out_dir=out_dir, port=port, generation=generation,
                 attachments=attachments, faults=faults, scan_pages=scan_pages,
                 subcolumns=discover if subcolumns is None else subcolumns) as replica:
        started = time.monotonic()
        columns, discovered = replica_columns(replica.sites), None
        if discover:
            columns, discovered = discover_replica(replica.sites, {**LOCAL, **(settings or {})})
        result = run_crawl(db=db, columns=columns, settings={**LOCAL, **(settings or {})},
                           log_file=log_file, lock_fd=lock_fd)
        seconds = time.monotonic() - started
    if generation == 1:
        remember_round(db, out_dir, replica)
    return ReplicaCrawl(seconds, result.returncode, replica.sites, replica.truth_path, log_file, generation,
                        discovered)
