"""Run `scrapy crawl reports` in a child process.

A Twisted reactor cannot be restarted within one process, so every crawl gets a fresh
interpreter: the CLI, the demo, the benchmark and the tests can run as many as they like.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from functools import partial
from pathlib import Path

import crawler
from crawler import lock, orphans

# For the local replica: no delay to be polite about, but AutoThrottle stays on, so its
# logic runs as it would against a real portal.
LOCAL = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_START_DELAY": 0, "RETRY_BACKOFF_BASE": 0.1}
# Politeness off, to measure what our own code costs (the benchmark).
UNTHROTTLED = {**LOCAL, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 16}


def replica_columns(sites: list[dict]) -> dict[str, list[str]]:
    """GOVREPORTS_COLUMNS for a running replica, from `Replica.sites`: every 年报 column of each
    site (its sub-columns too, when it has them)."""
    columns: dict[str, list[str]] = {}
    for site in sites:
        columns.setdefault(site["key"], []).extend(site.get("columns") or [site["column_url"]])
    return columns


def crawl_command(
    *,
    db: str | Path,
    site: str | None = None,
    url: str | None = None,
    year: int | None = None,
    since: int | None = None,
    columns: dict[str, list[str]] | None = None,
    settings: dict | None = None,
    log_file: str | Path | None = None,
    lock_fd: int | None = None,
    spider: str = "reports",
    spider_args: dict | None = None,
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of `scrapy crawl reports` into `db`; the arguments are
    the spider's (see crawler/spiders/reports.py), `settings` are extra `-s` overrides.
    `spider`, `spider_args`: another spider of the project and its `-a` arguments (discover).
    `lock_fd`: the database's lock (crawler.lock), to hand down to the child."""
    argv = [sys.executable, "-m", "scrapy", "crawl", spider]
    for name, value in (("site", site), ("url", url), ("year", year), ("since", since), *(spider_args or {}).items()):
        if value is not None:
            argv += ["-a", f"{name}={value}"]
    overrides = {"GOVREPORTS_DB": str(Path(db).resolve()), **(settings or {})}
    if columns:
        overrides["GOVREPORTS_COLUMNS"] = json.dumps(columns)
    if log_file:
        overrides["LOG_FILE"] = str(Path(log_file).resolve())
    for name, value in overrides.items():
        argv += ["-s", f"{name}={value}"]
    # The child finds this checkout's packages whether or not they are installed.
    root = str(Path(crawler.__file__).resolve().parent.parent)
    env = {
        **os.environ,
        "SCRAPY_SETTINGS_MODULE": "crawler.settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
    }
    if lock_fd is not None:
        env[lock.ENV] = str(lock_fd)
    return argv, env


def run_crawl(*, capture: bool = False, lock_fd: int | None = None, **arguments) -> subprocess.CompletedProcess:
    """Crawl in a child process (see crawl_command for the arguments) and wait for it.

    A SIGTERM to this process is passed on to the crawl, which then stops as Scrapy does:
    requests in flight finish, the items they bring are stored, and crawl_runs records
    the run as 'shutdown'."""
    argv, env = crawl_command(lock_fd=lock_fd, **arguments)
    pipe = subprocess.PIPE if capture else None
    # The crawl dies with this process, even by kill -9: it must not hold the lock on its own.
    with subprocess.Popen(argv, env=env, stdout=pipe, stderr=pipe, text=True,
                          pass_fds=() if lock_fd is None else (lock_fd,),
                          preexec_fn=partial(orphans.die_with_parent, os.getpid())) as child:
        forward = threading.current_thread() is threading.main_thread()  # where signals can be handled
        if forward:
            previous = signal.signal(signal.SIGTERM, lambda *_: child.send_signal(signal.SIGTERM))
        try:
            stdout, stderr = child.communicate()
        finally:
            if forward:
                signal.signal(signal.SIGTERM, previous)
    return subprocess.CompletedProcess(argv, child.returncode, stdout, stderr)


def run_row(log_file: Path) -> dict | None:
    """The crawl_runs row of the run that logged to `log_file`, from its JSON beside the log."""
    path = Path(log_file).with_suffix(".json")
    return json.loads(path.read_text()) if path.exists() else None
