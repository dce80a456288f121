"""Storage faults for `govreports parse --db`: one definition for tests/reliability/test_storage_faults.py
and `make reliability`.

Each scenario stores a first batch of reports, injects one fault — a read-only database,
a full disk, a file size limit, a file that is no database — and parses a second batch into
the same database. Surviving it means: exit status 2 with one clear line on stderr (no
traceback), and afterwards the database passes `PRAGMA integrity_check`, every report it
holds has all the cells its document parses to, every report stored before the fault or
printed as stored is still there, and no document or report is there twice.

Faults are real where the machine allows: a tmpfs of 1 MB and a tmpfs remounted read-only
need root and mount(8); chmod only binds users other than root. A scenario that cannot
inject its fault here returns None (the tests skip it). The database is judged from a copy
of its files (the WAL included, the shared-memory index rebuilt), so a full or read-only
filesystem does not stand in the way of reading it.
"""
from __future__ import annotations

import contextlib
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from unittest import mock

import sqlite_utils
from click.testing import CliRunner

import store
from govreports.exit_codes import STORAGE as STORAGE_FAILURE
from govreports.parse_command import parse
from parsers.record import parse_document
from replica.generator import generate, render_html, render_text

# Two current versions of one report, or two reports of one document: either is a duplicate.
_DUPLICATES = ("select (select count(*) from (select report_key from reports where current = 1 "
               "group by report_key having count(*) > 1)) + (select count(*) - count(distinct document_sha256) "
               "from reports)")


@dataclass
class FaultRun:
    """What a run under one fault did, and what the database holds afterwards."""
    name: str
    returncode: int
    stderr: str
    integrity: str  # PRAGMA integrity_check's answer
    partial: list[str] = field(default_factory=list)  # reports missing some of their cells
    lost: list[str] = field(default_factory=list)  # stored (or printed as stored), then gone
    duplicates: int = 0

    @property
    def failures(self) -> list[str]:
        found = []
        if self.returncode != STORAGE_FAILURE:
            found.append(f"exit status {self.returncode}, not {STORAGE_FAILURE}")
        lines = self.stderr.strip().splitlines()
        if len(lines) != 1 or not lines[0].startswith("error: ") or "Traceback" in self.stderr:
            found.append(f"stderr is not one clear line: {self.stderr[:300]!r}")
        if self.integrity != "ok":
            found.append(f"integrity_check: {self.integrity}")
        found += [f"report {name} is partial" for name in self.partial]
        found += [f"report {name} was lost" for name in self.lost]
        if self.duplicates:
            found.append(f"{self.duplicates} duplicates")
        return found

    @property
    def survived(self) -> bool:
        return not self.failures


# ---- inputs and runs -----------------------------------------------------------------

def write_inputs(folder: Path, count: int, seed: int = 7) -> list[Path]:
    """`count` generated reports as files, alternately HTML pages and text dumps."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, truth in enumerate(generate(seed, count)):
        if index % 2:
            path, text = folder / f"{index:03d}.txt", render_text(truth, layout="pipe", seed=index)
        else:
            path, text = folder / f"{index:03d}.html", render_html(truth, style="trs", seed=index)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def run_cli(inputs: list[Path], db: Path, *, file_size_limit: int | None = None) -> Run:
    """`govreports parse INPUTS --db DB` as a process, its writes limited to `file_size_limit` bytes."""
    def limit():  # Python ignores SIGXFSZ, so a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    result = subprocess.run([sys.executable, "-m", "govreports", "parse", *map(str, inputs), "--db", str(db)],
                            capture_output=True, text=True, timeout=300,
                            preexec_fn=limit if file_size_limit else None)
    return Run(result.returncode, result.stdout, result.stderr)


def run_in_process(inputs: list[Path], db: Path, *, max_page_count: int) -> Run:
    """`govreports parse` in this process, its database capped at `max_page_count` pages:
    the pragma holds for one connection only, so the command's own connection is capped."""
    def capped(path):
        opened = open_db(path)
        opened.execute(f"PRAGMA max_page_count = {max_page_count}")
        return opened

    open_db = store.open_db
    with mock.patch.object(store, "open_db", capped):
        result = CliRunner().invoke(parse, [*map(str, inputs), "--db", str(db)])
    return Run(result.exit_code, result.stdout, result.stderr)


def stored_sources(run: Run) -> set[str]:
    """The inputs a run printed as stored."""
    return {line.split("\t")[0] for line in run.stdout.splitlines() if "\t" in line}


def judge(name: str, fault: Run, db: Path, stored: set[str], work: Path) -> FaultRun:
    """The run under the fault, and the database as its files now are."""
    copy = work / "judged"
    shutil.rmtree(copy, ignore_errors=True)
    copy.mkdir(parents=True)
    for suffix in ("", "-wal"):
        if Path(f"{db}{suffix}").exists():
            shutil.copy(f"{db}{suffix}", copy / f"reports.db{suffix}")
    with contextlib.closing(sqlite3.connect(copy / "reports.db")) as connection:
        integrity = "; ".join(row[0] for row in connection.execute("PRAGMA integrity_check"))
        rows = connection.execute("select source, document_sha256, (select count(*) from cells "
                                  "where report_id = reports.id) from reports").fetchall()
        duplicates = connection.execute(_DUPLICATES).fetchone()[0]
    database = sqlite_utils.Database(copy / "reports.db")
    partial = [source for source, digest, cells in rows
               if cells != len(parse_document(store.load_document(database, digest), source).cells)]
    present = {source for source, _, _ in rows}
    lost = sorted((stored | stored_sources(fault)) - present)
    return FaultRun(name, fault.returncode, fault.stderr, integrity, partial, lost, duplicates)


# ---- the faults ----------------------------------------------------------------------

@cache
def can_mount() -> bool:
    """Whether this process may mount a tmpfs (root, and mount(8) allowed here)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    probe = Path(f"/tmp/govreports-mount-probe-{os.getpid()}")
    probe.mkdir(exist_ok=True)
    try:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)],
                                 capture_output=True).returncode == 0
        if mounted:
            subprocess.run(["umount", str(probe)], check=True)
        return mounted
    finally:
        probe.rmdir()


@contextlib.contextmanager
def tmpfs(folder: Path, size: str):
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def remount(folder: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(folder)], check=True)


def read_only_filesystem(work: Path) -> FaultRun | None:
    """The database's filesystem is remounted read-only between two batches."""
    if not can_mount():
        return None
    inputs = write_inputs(work / "in", 6)
    with tmpfs(work / "fs", "16m") as folder:
        db = folder / "reports.db"
        first = run_cli(inputs[:3], db)
        remount(folder, "ro")
        try:
            fault = run_cli(inputs[3:], db)
        finally:
            remount(folder, "rw")
        return judge("read-only filesystem", fault, db, stored_sources(first), work)


def read_only_files(work: Path) -> FaultRun | None:
    """The database file is chmod 0444 and its folder 0555 (binds users other than root)."""
    if os.geteuid() == 0:
        return None
    inputs = write_inputs(work / "in", 6)
    folder = work / "db"
    folder.mkdir()
    db = folder / "reports.db"
    first = run_cli(inputs[:3], db)
    db.chmod(0o444)
    folder.chmod(0o555)
    try:
        fault = run_cli(inputs[3:], db)
    finally:
        folder.chmod(0o755)
        db.chmod(0o644)
    return judge("read-only file and folder", fault, db, stored_sources(first), work)


def full_filesystem(work: Path) -> FaultRun | None:
    """A 1 MB filesystem: full after about five reports."""
    if not can_mount():
        return None
    inputs = write_inputs(work / "in", 40)
    with tmpfs(work / "fs", "1m") as folder:
        db = folder / "reports.db"
        fault = run_cli(inputs, db)
        return judge("disk full (1 MB filesystem)", fault, db, set(), work)


def page_limit(work: Path) -> FaultRun:
    """The database may grow by 60 pages only (PRAGMA max_page_count): SQLite's own 'full'."""
    inputs = write_inputs(work / "in", 20)
    db = work / "reports.db"
    first = run_cli(inputs[:3], db)
    with contextlib.closing(sqlite3.connect(db)) as connection:
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
    fault = run_in_process(inputs[3:], db, max_page_count=pages + 60)
    return judge("disk full (max_page_count)", fault, db, stored_sources(first), work)


def file_size_limit(work: Path) -> FaultRun:
    """Writes past 300 KB more than the database holds fail (RLIMIT_FSIZE: EFBIG, an I/O error)."""
    inputs = write_inputs(work / "in", 20)
    db = work / "reports.db"
    first = run_cli(inputs[:3], db)
    fault = run_cli(inputs[3:], db, file_size_limit=db.stat().st_size + 300_000)
    return judge("file size limit (write fails)", fault, db, stored_sources(first), work)


def not_a_database(work: Path) -> FaultRun:
    """--db names a file that is no SQLite database: it must be left as it was."""
    inputs = write_inputs(work / "in", 2)
    db = work / "notes.db"
    db.write_bytes(b"not a database\n" * 100)
    fault = run_cli(inputs, db)
    untouched = db.read_bytes() == b"not a database\n" * 100  # its integrity: SQLite has none to check
    return FaultRun("not a database", fault.returncode, fault.stderr, "ok" if untouched else "the file was changed")


SCENARIOS = {
    "read-only filesystem": read_only_filesystem,
    "read-only file and folder": read_only_files,
    "disk full (1 MB filesystem)": full_filesystem,
    "disk full (max_page_count)": page_limit,
    "file size limit (write fails)": file_size_limit,
    "not a database": not_a_database,
}
