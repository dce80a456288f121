"""A crawl of the replica portal: start it, crawl all its sites into a database, stop it
(`govreports demo`, the benchmark, the reliability harness)."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

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


def previous_port(out_dir: Path) -> int:
    """The port the replica served from `out_dir` last time (0: none), so that its next
    publication round is the same portal at the same URLs."""
    try:
        sites = json.loads((out_dir / "sites.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    return (urlsplit(sites[0]["column_url"]).port or 0) if sites else 0


def previous_attachments(out_dir: Path) -> bool | None:
    """Whether the replica served from `out_dir` last time published attachments (None: no
    round there yet), so that its next round is the same portal."""
    try:
        with (out_dir / "truth.jsonl").open(encoding="utf-8") as lines:
            return any("attachment_urls" in json.loads(line) for line in lines if line.strip())
    except (OSError, ValueError):
        return None


def previous_subcolumns(out_dir: Path) -> bool | None:
    """Whether the replica served from `out_dir` last time had sub-columns (None: no round there
    yet), so that its next round is the same portal."""
    try:
        sites = json.loads((out_dir / "sites.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return any(len(site.get("columns") or ()) > 1 for site in sites)


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


def crawl_replica(db: str | Path, out_dir: str | Path, *, seed: int = 2024, settings: dict | None = None,
                  generation: int = 1, port: int = 0, lock_fd: int | None = None,
                  attachments: bool = False, faults: dict | None = None, discover: bool = False,
                  subcolumns: bool | None = None) -> ReplicaCrawl:
    """Start the replica (on `port`; 0: a free one), crawl all its sites into `db`, stop it.
    `attachments`, `faults`, `subcolumns` (default: as `discover`): as replica.server.Replica takes
    them. With `discover` the crawl starts from the homepages: the columns it crawls are those
    discovery finds there."""
    from replica.server import Replica

    out_dir = Path(out_dir)
    log_file = out_dir / f"crawl-gen{generation}.log"
    with Replica(seed=seed, out_dir=out_dir, port=port, generation=generation, attachments=attachments,
                 faults=faults, subcolumns=discover if subcolumns is None else subcolumns) as replica:
        started = time.monotonic()
        columns, discovered = replica_columns(replica.sites), None
        if discover:
            columns, discovered = discover_replica(replica.sites, {**LOCAL, **(settings or {})})
        result = run_crawl(db=db, columns=columns, settings={**LOCAL, **(settings or {})},
                           log_file=log_file, lock_fd=lock_fd)
        seconds = time.monotonic() - started
    return ReplicaCrawl(seconds, result.returncode, replica.sites, replica.truth_path, log_file, generation,
                        discovered)
