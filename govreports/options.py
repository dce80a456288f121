"""What the commands share: the database option, its lock, the run's log file."""
from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import click

from crawler import lock
from govreports import exit_codes

DEFAULT_DB = "output/reports.db"


def db_option(exists: bool = False):
    """--db, the corpus database (`exists`: it must be there already)."""
    return click.option("--db", "db_path", default=DEFAULT_DB, show_default=True,
                        type=click.Path(dir_okay=False, exists=exists), help="The corpus database.")


def run_files(log_dir: Path, kind: str = "crawl") -> Path:
    """A log file of its own for this run: LOG_DIR/crawl-20250105T030000Z.log."""
    log_dir.mkdir(parents=True, exist_ok=True)
    return log_dir / f"{kind}-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%fZ}.log"


@contextmanager
def locked(db) -> Iterator[int]:
    """Hold the lock of `db` (its file descriptor) for the block, or exit with BUSY
    and a message saying who holds it."""
    try:
        fd = lock.acquire(db)
    except lock.Locked as error:
        click.echo(f"govreports: {error}. Not starting; exit {exit_codes.BUSY}.", err=True)
        sys.exit(exit_codes.BUSY)
    except OSError as error:  # a read-only or full filesystem: not even the lock file can be made
        click.echo(f"govreports: cannot write the database {db}: its lock file {lock.lock_path(db)}: "
                   f"{error.strerror or error}. Not starting; exit {exit_codes.STORAGE}.", err=True)
        sys.exit(exit_codes.STORAGE)
    try:
        yield fd
    finally:
        os.close(fd)  # releases it; a crash releases it as well
