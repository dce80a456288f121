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


def crawl_replica(db: str | Path, out_dir: str | Path, *, seed: int = 2024, settings: dict | None = None,
                  generation: int = 1, port: int = 0, lock_fd: int | None = None,
                  attachments: bool = False, faults: dict | None = None) -> ReplicaCrawl:
    """Start the replica (on `port`; 0: a free one), crawl all its sites into `db`, stop it.
    `attachments`, `faults`: as replica.server.Replica takes them."""
    from replica.server import Replica

    out_dir = Path(out_dir)
    log_file = out_dir / f"crawl-gen{generation}.log"
    with Replica(seed=seed, out_dir=out_dir, port=port, generation=generation, attachments=attachments,
                 faults=faults) as replica:
        started = time.monotonic()
        result = run_crawl(db=db, columns=replica_columns(replica.sites), settings={**LOCAL, **(settings or {})},
                           log_file=log_file, lock_fd=lock_fd)
        seconds = time.monotonic() - started
    return ReplicaCrawl(seconds, result.returncode, replica.sites, replica.truth_path, log_file, generation)
