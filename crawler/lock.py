"""One writer per database: an exclusive lock on `<db>.lock`, next to the database file.

fcntl locks are released by the kernel when the holder dies, even by kill -9, so a crashed
crawl never leaves a stale lock behind. `govreports crawl` takes the lock and hands it down
to its `scrapy crawl` child (an inherited file descriptor named by GOVREPORTS_LOCK_FD): the
lock is held for as long as either of them lives. A `scrapy crawl` started by anything else
(Scrapyd, by hand) takes it itself (crawler.extensions.DatabaseLock).
"""
from __future__ import annotations

import fcntl
import os
from pathlib import Path

ENV = "GOVREPORTS_LOCK_FD"


class Locked(RuntimeError):
    pass


def lock_path(db: str | Path) -> Path:
    db = Path(db).resolve()
    return db.with_name(db.name + ".lock")


def acquire(db: str | Path) -> int:
    """Lock `db` for this process and its children; returns the lock's file descriptor."""
    path = lock_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 64, 0).decode(errors="replace").strip()
        os.close(fd)
        raise Locked(f"{Path(db)} is in use by another run (pid {holder or '?'}; lock file {path})") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    os.set_inheritable(fd, True)
    return fd


def inherited(db: str | Path) -> int | None:
    """The lock of `db` if a parent process took it and handed it down, else None."""
    fd = os.environ.get(ENV)
    if not fd or not fd.isdigit():
        return None
    try:
        same = os.path.samestat(os.fstat(int(fd)), os.stat(lock_path(db)))
    except OSError:
        return None
    return int(fd) if same else None
