"""The crawler's reliability scenarios: faults the replica portal injects, and kill -9 of crawls.

One definition of each, for tests/crawler/test_crawl_faults.py, tests/reliability/test_crash_safety.py and the
reliability table (reliability): the tests run them small and look at the details,
the table runs them at full size and adds up the counts.

    run_faults()       -> {"faults_injected", "faults_survived", "records_lost", "duplicates", "failures"}
    run_kills(kills=20) -> {"kills", "kills_survived", "records_lost", "duplicates", "failures"}
    run_storage()      -> {"faults_injected", "faults_survived", "records_lost", "duplicates", "failures"}
                          (a disk full and a read-only database; {"faults_not_injectable_here": 2}
                          where no tmpfs can be mounted)

`failures` lists, one sentence each, whatever was not survived; the counts are what the issue's
table asks for. REGISTRY gives both under the reliability table's metric names.

Everything is real: the replica portal over HTTP on loopback, `scrapy crawl` in child processes
(crawler.runner), SQLite files.

Faults (fault_scenario). The replica serves its sites with attachments, and
  run 1  a mix of every fault kind: the Hanweb site's port closed (connection refused), 5xx
         bursts, a 429 with Retry-After, a hang (longer than the crawl's download timeout), a
         connection reset, bodies cut short, a slow drip, a redirect loop, a redirect to a host of
         no site, an HTML error page where a PDF was promised, robots.txt timing out, and a page
         that answers 503 whatever the retries;
  run 2  the same portal on the same port, without faults.
Run 1 must finish, store every report the portal served correctly with every cell right, count
each failure in crawl_runs and log it with its URL; run 2 must fetch what failed, so that the
corpus is then complete and right. A fault is survived when its report (or, for a listing or
robots.txt, its site's reports) ends up stored right: in run 1 for a fault retried away, in run 2
for one that made run 1 give up.

Kills (kill_scenario). An uninterrupted crawl of the portal makes the reference corpus. Then
a crawl into a fresh database is killed with SIGKILL at a random moment, again and again (each
restart goes on from what was stored), then run to its end. After each kill the database must
pass `PRAGMA integrity_check`, hold no half-written report (each report's cells number what a
fresh parse of its stored documents gives), no duplicate, and every report stored before; at
the end it must equal the reference (the same report keys, every cell value the same).
"""
from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import store
from corpus.reparse import parse_stored
from corpus.truth import grade
from crawler import orphans
from crawler.runner import LOCAL, crawl_command, replica_columns, run_crawl, run_row
from govreports.exit_codes import STORAGE as EXIT_STORAGE
from reliability.storage_faults import remount, tmpfs

SEED = 2024
REPORTS = 60  # generated reports of the replica (plus its attachment cases): a crawl of a few seconds
SCAN_PAGES = 1  # about crashes and faults, not OCR: its scans are one page each, read in seconds
# The crawl's download timeout, shorter than the replica's hangs: a host that hangs costs this much
# before the retry (crawler/settings.py has 60 s for real portals).
DOWNLOAD_TIMEOUT = 1.5
HANG_SECONDS = 4.0
FAULT_SETTINGS = {**LOCAL, "DOWNLOAD_TIMEOUT": DOWNLOAD_TIMEOUT}

# Two current reports of one report key, or two reports of one document: either is a duplicate.
DUPLICATES = ("SELECT (SELECT count(*) FROM (SELECT report_key FROM reports WHERE current = 1"
              " GROUP BY report_key HAVING count(*) > 1)) + (SELECT count(*) - count(DISTINCT document_sha256)"
              " FROM reports)")


@contextmanager
def _workdir(work: str | Path | None):
    if work is not None:
        Path(work).mkdir(parents=True, exist_ok=True)
        yield Path(work)
        return
    with tempfile.TemporaryDirectory(prefix="govreports-crawl-") as folder:
        yield Path(folder)


def _truth(replica) -> list[dict]:
    return [json.loads(line) for line in replica.truth_path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _settled(replica, timeout: float = 5.0) -> list:
    """The replica's request log once no request is in flight (a hang is logged when it ends)."""
    deadline = time.monotonic() + timeout
    while any(replica._inflight.values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return replica.requests


def duplicates(db) -> int:
    return db.execute(DUPLICATES).fetchone()[0]


def current_sources(db) -> set[str]:
    """Sources of the current reports (`db`: a sqlite3 or sqlite_utils connection)."""
    return {row[0] for row in db.execute("SELECT source FROM reports WHERE current = 1")}


# ---- faults ------------------------------------------------------------------------------

@dataclass
class Target:
    """A fault aimed at one path of one site, and what the crawl should make of it."""
    site: str
    path: str  # as the replica's fault scopes name it: path (and query) percent-decoded
    rule: dict
    report: str | None  # the truth URL of the report it belongs to; None: a listing or robots.txt
    gives_up: bool  # the crawl cannot get past it in this run: a failure to count and log
    failed_url: str | None = None  # the URL the failure is logged with


@dataclass
class FaultScenario:
    """What the fault runs did; see the module docstring."""
    targets: list[Target]
    closed_site: str
    injected: list[tuple[str, str, str]]  # (host, path, kind) of each request answered with a fault
    refused: int  # connections to the closed site: never reach the replica, counted as one fault
    runs: list[dict]  # the crawl_runs rows
    returncodes: list[int]
    logs: list[str]
    truth: list[dict]
    missing: list[list[str]]  # truth reports not stored, after each run
    mismatched: list[dict]  # truth reports stored with a wrong value, after each run
    expected_missing: set[str]
    failures: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    duplicates: int = 0
    survived: int = 0

    def counts(self) -> dict:
        return {"faults_injected": len(self.injected) + self.refused, "faults_survived": self.survived,
                "records_lost": len(self.lost), "duplicates": self.duplicates, "failures": self.failures}


def fault_targets(truth: list[dict], closed: str) -> list[Target]:
    """A mix of every fault kind on this portal's pages, listings and files; `closed` is the site
    whose port is closed, so nothing is aimed at it."""
    def pages(site):  # reports published as pages, in a stable order
        return sorted((t for t in truth if t["site"] == site and t.get("kind") != "seed"
                       and "attachment_urls" not in t), key=lambda t: t["url"])

    def path(url):
        parts = urlsplit(url)
        return unquote(parts.path + (f"?{parts.query}" if parts.query else ""))

    trs, generic = pages("replica-trs"), pages("replica-generic")
    pdf_stub = next(t for t in truth if t["site"] == "replica-trs" and t.get("attachment_kind") == "pdf"
                    and t["rendered_as"].startswith("stub:"))
    wps_stub = next(t for t in truth if t["site"] == "replica-trs" and t.get("attachment_kind") == "docx")
    generic_files = [t for t in truth if t["site"] == "replica-generic" and "attachment_urls" in t]
    assert closed not in ("replica-trs", "replica-generic")
    targets = [
        Target("replica-trs", "/xxgk/ndbg/index_1.html", {"kind": "5xx_burst", "times": 2}, None, False),
        Target("replica-trs", "/xxgk/ndbg/index_2.html", {"kind": "429", "retry_after": 1}, None, False),
        Target("replica-trs", path(trs[0]["url"]), {"kind": "hang", "seconds": HANG_SECONDS}, trs[0]["url"], False),
        Target("replica-trs", path(trs[1]["url"]), {"kind": "reset"}, trs[1]["url"], False),
        Target("replica-trs", path(trs[2]["url"]), {"kind": "redirect_loop", "times": None}, trs[2]["url"], True,
               trs[2]["url"]),
        Target("replica-trs", path(trs[3]["url"]), {"kind": "5xx_burst", "times": None}, trs[3]["url"], True,
               trs[3]["url"]),
        Target("replica-trs", path(pdf_stub["attachment_files"][0]), {"kind": "html_for_pdf"}, pdf_stub["url"], True,
               pdf_stub["attachment_files"][0]),
        Target("replica-trs", path(wps_stub["attachment_files"][0]), {"kind": "truncate"}, wps_stub["url"], False),
        Target("replica-generic", "/robots.txt", {"kind": "robots_timeout", "seconds": HANG_SECONDS}, None, False),
        Target("replica-generic", "/ndbg/index_2.html", [{"kind": "5xx_burst", "status": 502}, {"kind": "429"}],
               None, False),
        Target("replica-generic", path(generic[0]["url"]), {"kind": "truncate"}, generic[0]["url"], False),
        Target("replica-generic", path(generic[1]["url"]), {"kind": "drip", "chunk": 1024, "pause": 0.02,
                                                            "seconds": 0.5}, generic[1]["url"], False),
        Target("replica-generic", path(generic[2]["url"]), {"kind": "redirect_offsite"}, generic[2]["url"], True,
               generic[2]["url"]),
    ]
    targets += [Target("replica-generic", path(t["attachment_files"][0]), {"kind": "truncate"}, t["url"], False)
                for t in generic_files]
    return targets


def fault_scenario(*, reports: int = REPORTS, seed: int = SEED, work: str | Path | None = None,
                   closed: str = "replica-hanweb") -> FaultScenario:
    """Run 1 under faults, run 2 without, on one port (see the module docstring)."""
    from replica.server import Faults, Replica

    with _workdir(work) as work:
        db_path = work / "reports.db"
        out = work / "replica"
        with Replica(seed=seed, reports=reports, out_dir=out, attachments=True, scan_pages=SCAN_PAGES,
                     faults={closed: {"kind": "closed_port"}}) as replica:
            truth = _truth(replica)
            targets = fault_targets(truth, closed)
            spec: dict = {}
            for target in targets:
                spec[f"{target.site}{target.path}"] = target.rule
            spec[closed] = {"kind": "closed_port"}
            replica.faults = Faults(spec)  # the targets come from this portal's truth
            port, columns = replica.port, replica_columns(replica.sites)
            first = run_crawl(db=db_path, columns=columns, settings=FAULT_SETTINGS, log_file=work / "faults.log")
            requests = _settled(replica)
        graded = [_graded(db_path, replica.truth_path)]
        closed_url = columns[closed][0]
        with Replica(seed=seed, reports=reports, out_dir=out, attachments=True, scan_pages=SCAN_PAGES, port=port) as replica:
            second = run_crawl(db=db_path, columns=columns, settings=FAULT_SETTINGS, log_file=work / "clean.log")
        graded.append(_graded(db_path, replica.truth_path))
        scenario = FaultScenario(
            targets=targets, closed_site=closed,
            injected=[(request.host, request.path, request.fault) for request in requests if request.fault],
            refused=1, runs=[run_row(work / "faults.log") or {}, run_row(work / "clean.log") or {}],
            returncodes=[first.returncode, second.returncode],
            logs=[(work / name).read_text(encoding="utf-8") for name in ("faults.log", "clean.log")],
            truth=truth, missing=[sorted(g.missing) for g, _ in graded],
            mismatched=[dict(g.mismatched) for g, _ in graded],
            expected_missing={t.report for t in targets if t.gives_up}
            | {t["url"] for t in truth if t["site"] == closed and t.get("kind") != "seed"})
        _judge_faults(scenario, db_path, [sources for _, sources in graded], closed_url)
        return scenario


def _graded(db_path: Path, truth_path: Path):
    db = store.open_db(db_path)
    try:
        return grade(db, truth_path), current_sources(db)
    finally:
        db.close()


def _judge_faults(scenario: FaultScenario, db_path: Path, sources: list[set[str]], closed_url: str) -> None:
    """Fill in what was lost, duplicated, survived and failed."""
    failures = scenario.failures
    for number, (row, code) in enumerate(zip(scenario.runs, scenario.returncodes), 1):
        if code != 0 or row.get("finish_reason") != "finished":
            failures.append(f"run {number} did not finish: exit status {code}, reason {row.get('finish_reason')}")
    with closing(sqlite3.connect(db_path)) as connection:
        scenario.duplicates = duplicates(connection)
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
    if integrity != "ok":
        failures.append(f"integrity_check after the runs: {integrity}")
    if scenario.duplicates:
        failures.append(f"{scenario.duplicates} duplicate reports")

    first_log = scenario.logs[0]
    run1, run2 = scenario.runs
    gave_up = [t for t in scenario.targets if t.gives_up]
    # Every failure counted in crawl_runs, and logged with its URL.
    expected_failed = len(gave_up) + 1  # and the closed site's column page
    if run1.get("fetch_failed") != expected_failed:
        failures.append(f"run 1 counted {run1.get('fetch_failed')} failed fetches, not {expected_failed}")
    if run1.get("errors", 0) < expected_failed:
        failures.append(f"run 1 counted {run1.get('errors')} errors for {expected_failed} failures")
    for url in [t.failed_url for t in gave_up] + [closed_url]:
        if f"{url} failed" not in first_log:
            failures.append(f"the failure of {url} is not logged with its URL")
    failed_sites = set(filter(None, (run1.get("failed_sites") or "").split(",")))
    if failed_sites != {scenario.closed_site} | {t.site for t in gave_up}:
        failures.append(f"run 1's failed sites are {sorted(failed_sites)}")
    if run1.get("reports_vanished") or run2.get("reports_vanished"):
        failures.append("a failure made reports count as vanished")
    if run2.get("errors") or run2.get("failed_sites"):
        failures.append(f"the run without faults had errors: {run2.get('errors')}, failed sites {run2.get('failed_sites')}")

    # Run 1 stored every report the portal served correctly, with every cell right; run 2 the rest.
    missing_first, missing_final = set(scenario.missing[0]), set(scenario.missing[1])
    if missing_first != scenario.expected_missing:
        failures.append(f"run 1 left out {sorted(missing_first - scenario.expected_missing)[:3]} though served "
                        f"correctly, or stored {sorted(scenario.expected_missing - missing_first)[:3]}")
    for number, wrong in enumerate(scenario.mismatched, 1):
        if wrong:
            failures.append(f"after run {number}, {len(wrong)} reports hold a wrong value: {list(wrong)[:3]}")
    if missing_final:
        failures.append(f"{len(missing_final)} reports still missing after the run without faults: "
                        f"{sorted(missing_final)[:3]}")
    if run2.get("reports_new", 0) != len(scenario.expected_missing):
        failures.append(f"run 2 stored {run2.get('reports_new')} new reports, not the "
                        f"{len(scenario.expected_missing)} run 1 could not")
    generated = {t["url"] for t in scenario.truth if t.get("kind") != "seed"}
    scenario.lost = sorted((sources[0] - sources[1]) | (generated - sources[1]))

    # Survived: each fault's report (or site) stored right in the end, the run it hit finished,
    # and a fault that made run 1 give up was counted there and fetched in run 2.
    wrong = missing_final | set(scenario.mismatched[1])
    by_path = {(t.site, t.path): t for t in scenario.targets}
    host_site = {urlsplit(t["url"]).hostname: t["site"] for t in scenario.truth}
    site_reports = Counter()
    for t in scenario.truth:
        if t.get("kind") != "seed" and t["url"] in wrong:
            site_reports[t["site"]] += 1
    finished = not any(f.startswith("run ") and "did not finish" in f for f in failures)
    counted = not any("counted" in f or "not logged" in f for f in failures)
    survived = 0
    for host, path, _kind in scenario.injected:
        site = host_site.get(host)
        target = by_path.get((site, unquote(path))) or by_path.get((site, unquote(path).split("?loop=1")[0]))
        if target is not None and target.report is not None:
            ok = target.report not in wrong
        else:
            ok = site_reports[site] == 0
        survived += ok and finished and counted
    closed_ok = site_reports[scenario.closed_site] == 0 and f"{closed_url} failed" in first_log
    survived += closed_ok and finished
    scenario.survived = survived
    if survived != len(scenario.injected) + scenario.refused:
        failures.append(f"{len(scenario.injected) + scenario.refused - survived} faults not survived")


def run_faults(*, reports: int = REPORTS, work: str | Path | None = None) -> dict:
    """The fault scenario's counts (see the module docstring)."""
    return fault_scenario(reports=reports, work=work).counts()


# ---- kills -------------------------------------------------------------------------------

@dataclass
class KillScenario:
    kills: int = 0  # SIGKILLs delivered to a running crawl
    survived: int = 0  # after which the database passed every check
    finished_early: int = 0  # crawls that ended before their kill came: not counted as kills
    lost: set[str] = field(default_factory=set)
    duplicates: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    reference_seconds: float = 0.0
    reports: int = 0  # in the final corpus
    stored: list[int] = field(default_factory=list)  # reports in the database after each kill
    orphans: int = 0  # processes of a killed crawl still alive ORPHAN_GRACE seconds after the kill

    @property
    def mid_crawl(self) -> int:
        """Kills that cut a crawl short while it was storing: some reports stored before it, some after."""
        return sum(1 for count in self.stored if 0 < count < self.reports)

    def counts(self) -> dict:
        return {"kills": self.kills, "kills_survived": self.survived, "records_lost": len(self.lost),
                "duplicates": self.duplicates, "orphans": self.orphans, "failures": self.failures}


class Checker:
    """The checks after each kill, remembering the fresh parses (by document) and what was stored."""

    def __init__(self, db_path: Path):
        self.db_path = db_path
        self.expected_cells: dict[tuple, int] = {}
        self.seen: set[str] = set()  # report keys stored so far

    def check(self) -> list[str]:
        problems = []
        if not Path(self.db_path).exists():  # killed before the database was created: nothing to lose yet
            return self._gone(set())
        with closing(sqlite3.connect(self.db_path)) as connection:
            integrity = "; ".join(row[0] for row in connection.execute("PRAGMA integrity_check"))
            if integrity != "ok":
                return [f"integrity_check: {integrity}"]
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not {"reports", "documents", "cells"} <= tables:
                # Killed before (or while) the schema was created: a valid state to resume from, as long
                # as nothing had been stored before.
                return self._gone(set())
            dupes = duplicates(connection)
            if dupes:
                problems.append(f"{dupes} duplicate reports")
        db = store.open_db(self.db_path)
        try:
            rows = db.execute("SELECT r.id, r.report_key, r.document_sha256, r.source, r.figures_from, d.content_type,"
                              " (SELECT count(*) FROM cells c WHERE c.report_id = r.id) FROM reports r"
                              " JOIN documents d ON d.sha256 = r.document_sha256").fetchall()
            keys = set()
            for _id, key, digest, source, figures_from, content_type, cells in rows:
                keys.add(key)
                files = tuple(row["sha256"] for row in store.attachments_of(db, digest))
                if figures_from not in (None, source) and not files:
                    problems.append(f"{source}: figures from {figures_from}, but no attachment recorded")
                cache = (digest, files)
                if cache not in self.expected_cells:
                    self.expected_cells[cache] = len(parse_stored(db, digest, source, content_type).cells)
                if cells != self.expected_cells[cache]:
                    problems.append(f"{source}: half-written, {cells} cells of {self.expected_cells[cache]}")
        finally:
            db.close()
        return problems + self._gone(keys)

    def _gone(self, keys: set[str]) -> list[str]:
        """Reports stored after an earlier kill that are no longer there; remembers `keys` as stored."""
        gone = self.seen - keys
        self.seen |= keys
        return [f"{len(gone)} reports stored before are gone: {sorted(gone)[:3]}"] if gone else []


ORPHAN_GRACE = 5.0  # seconds a killed crawl's processes get to die (PR_SET_PDEATHSIG acts at once)


def _process_table() -> dict[int, tuple[int, str]]:
    """{pid: (parent pid, state)} of every process."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # gone meanwhile
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            table[int(entry.name)] = (int(fields[1]), fields[0])
    return table


def descendants(pid: int) -> set[int]:
    table = _process_table()
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, (parent, _) in table.items() if parent in frontier} - found
        found |= frontier
    return found


def _started_by(pid: int) -> set[int]:
    """Processes told to check that `pid` is their parent (crawler.orphans): a forkserver the
    crawl was starting when it was killed is in no snapshot of its children."""
    found = set()
    needle = f"{orphans.PARENT_ENV}={pid}".encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if needle in (entry / "environ").read_bytes().split(b"\0"):
                    found.add(int(entry.name))
            except OSError:
                continue
    return found


def surviving(pid: int, snapshot: set[int]) -> set[int]:
    """The processes of a killed crawl `pid` (its children before the kill, and any it was
    starting) still alive after ORPHAN_GRACE seconds; they are killed then, by PID."""
    deadline = time.monotonic() + ORPHAN_GRACE
    while True:
        candidates = snapshot | _started_by(pid)
        alive = {p for p, (_, state) in _process_table().items() if p in candidates and state not in "ZX"}
        alive |= {d for p in alive for d in descendants(p)}
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    for orphan in alive:
        with suppress(ProcessLookupError):
            os.kill(orphan, signal.SIGKILL)
    return alive


def corpus_state(db_path: Path) -> dict[str, dict]:
    """Current reports by report key, each as its cells {(table, row, column): value}."""
    state: dict[str, dict] = {}
    with closing(sqlite3.connect(db_path)) as connection:
        for key, table, row, column, value in connection.execute(
                "SELECT r.report_key, c.table_name, c.row_key, c.col_key, c.value FROM reports r"
                " LEFT JOIN cells c ON c.report_id = r.id WHERE r.current = 1"):
            cells = state.setdefault(key, {})
            if table is not None:
                cells[(table, row, column)] = value
    return state


def kill_scenario(kills: int = 10, *, reports: int = REPORTS, seed: int = SEED, attachments: bool = True,
                  rng_seed: int = 7, work: str | Path | None = None) -> KillScenario:
    """Kill a crawl with SIGKILL `kills` times at random moments, then let it finish (see the module)."""
    from replica.server import Replica

    result = KillScenario()
    rng = random.Random(rng_seed)
    started = time.monotonic()
    with _workdir(work) as work, Replica(seed=seed, reports=reports, out_dir=work / "replica",
                                         attachments=attachments, scan_pages=SCAN_PAGES) as replica:
        columns = replica_columns(replica.sites)
        reference = work / "reference.db"
        clock = time.monotonic()
        done = run_crawl(db=reference, columns=columns, settings=LOCAL, log_file=work / "reference.log")
        result.reference_seconds = time.monotonic() - clock
        if done.returncode != 0:
            result.failures.append(f"the uninterrupted crawl failed: exit status {done.returncode}")
            return result
        db_path = work / "killed.db"
        checker = Checker(db_path)
        attempt = 0
        while result.kills < kills and attempt < 3 * kills:
            attempt += 1
            argv, env = crawl_command(db=db_path, columns=columns, settings=LOCAL,
                                      log_file=work / f"killed-{attempt}.log")
            child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # Anywhere from the crawl's start-up (before its database or schema exists, while its
            # forkserver starts) to its last writes; the first kill lands in the start-up for sure.
            delay = 0.1 if result.kills == 0 else rng.uniform(0.5, max(1.0, result.reference_seconds))
            try:
                child.wait(timeout=delay)
                result.finished_early += 1  # ended before the kill: the next restart gets one
                continue
            except subprocess.TimeoutExpired:
                snapshot = descendants(child.pid)
                os.kill(child.pid, signal.SIGKILL)
                child.wait()
            result.kills += 1
            left = surviving(child.pid, snapshot)
            if left:
                result.orphans += len(left)
                result.failures.append(f"after kill {result.kills}: {len(left)} processes of the killed crawl "
                                       f"outlived it by {ORPHAN_GRACE:.0f} s")
            problems = checker.check()
            result.stored.append(len(checker.seen))
            if problems:
                result.failures += [f"after kill {result.kills}: {problem}" for problem in problems]
            else:
                result.survived += 1
        done = run_crawl(db=db_path, columns=columns, settings=LOCAL, log_file=work / "final.log")
        if done.returncode != 0:
            result.failures.append(f"the crawl after the kills failed: exit status {done.returncode}")
        problems = checker.check()
        result.failures += [f"after the last crawl: {problem}" for problem in problems]
        expected, got = corpus_state(reference), corpus_state(db_path)
        result.lost = set(expected) - set(got)
        result.reports = len(got)
        extra = set(got) - set(expected)
        differing = [key for key in set(expected) & set(got) if expected[key] != got[key]]
        if result.lost:
            result.failures.append(f"{len(result.lost)} reports of the uninterrupted crawl missing: "
                                   f"{sorted(result.lost)[:3]}")
        if extra:
            result.failures.append(f"{len(extra)} reports the uninterrupted crawl does not have: {sorted(extra)[:3]}")
        if differing:
            result.failures.append(f"{len(differing)} reports differ from the uninterrupted crawl's: "
                                   f"{sorted(differing)[:3]}")
        with closing(sqlite3.connect(db_path)) as connection:
            result.duplicates = duplicates(connection)
    result.seconds = time.monotonic() - started
    return result


def run_kills(kills: int = 20, *, reports: int = REPORTS, work: str | Path | None = None) -> dict:
    """The kill scenario's counts (see the module docstring)."""
    return kill_scenario(kills, reports=reports, work=work).counts()


# ---- storage: a disk full, a read-only database -------------------------------------------

@dataclass
class StorageRun:
    """`govreports crawl` under one storage fault, and the database afterwards."""
    name: str
    returncode: int
    stderr: str
    problems: list[str]  # integrity, half-written reports, duplicates, reports lost
    recovered: bool  # the crawl after the fault was lifted completed the corpus
    lost: int = 0  # reports the portal served that the database lacks in the end (counted in it)
    duplicates: int = 0  # in the database in the end

    @property
    def failures(self) -> list[str]:
        found = [f"{self.name}: {problem}" for problem in self.problems]
        if self.returncode != EXIT_STORAGE:
            found.append(f"{self.name}: exit status {self.returncode}, not {EXIT_STORAGE}")
        if "cannot write the database" not in self.stderr or "Traceback" in self.stderr:
            found.append(f"{self.name}: no clear error on stderr: {self.stderr[-300:]!r}")
        if not self.recovered:
            found.append(f"{self.name}: the crawl after the fault did not complete the corpus")
        return found


def can_mount() -> bool:
    """Whether this process may mount a tmpfs (root, and mount(8) allowed here)."""
    if os.geteuid() != 0:
        return False
    with tempfile.TemporaryDirectory(prefix="govreports-mount-") as folder:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", folder], capture_output=True).returncode:
            return False
        subprocess.run(["umount", folder], check=True)
        return True


def crawl_cli(db: Path, columns: dict, log_dir: Path) -> subprocess.CompletedProcess:
    """`govreports crawl` as a user runs it, the replica's columns and local settings given by --set."""
    sets = [f"--set={name}={value}" for name, value in {**LOCAL, "GOVREPORTS_COLUMNS": json.dumps(columns)}.items()]
    return subprocess.run([sys.executable, "-m", "govreports", "crawl", "--db", str(db), "--log-dir", str(log_dir),
                           *sets], capture_output=True, text=True, timeout=300)


def judge_storage(db_path: Path, before: set[str]) -> list[str]:
    """What a storage fault may not do: corrupt the database, leave a report half-written or
    twice, or take away a report stored before it."""
    problems = Checker(db_path).check()
    with closing(sqlite3.connect(db_path)) as connection:
        gone = before - current_sources(connection)
    if gone:
        problems.append(f"{len(gone)} reports stored before the fault are gone: {sorted(gone)[:3]}")
    return problems


def final_counts(db: Path, served: set[str]) -> tuple[int, int]:
    """(reports lost, duplicates), counted in the database against what the portal served."""
    with closing(sqlite3.connect(db)) as connection:
        return len(served - current_sources(connection)), duplicates(connection)


def storage_scenario(*, reports: int = REPORTS, work: str | Path | None = None) -> list[StorageRun] | None:
    """A crawl whose database's disk fills up (a 1 MB tmpfs, grown afterwards), and one whose
    database's filesystem is read-only (remounted read-write afterwards). None where no tmpfs
    can be mounted (not root, or mount(8) refused)."""
    from replica.server import Replica

    if not can_mount():
        return None
    runs = []
    with _workdir(work) as work, Replica(seed=SEED, reports=reports, out_dir=work / "replica") as replica:
        columns = replica_columns(replica.sites)
        served = {line["url"] for line in _truth(replica)}
        with tmpfs(work / "full", "1m") as folder:
            db = folder / "reports.db"
            result = crawl_cli(db, columns, work / "logs-full")
            with closing(sqlite3.connect(db)) as connection:
                before = current_sources(connection)
            problems = judge_storage(db, before)
            remount(folder, "size=64m")  # space freed: the next crawl goes on from what was stored
            again = crawl_cli(db, columns, work / "logs-full")
            problems += judge_storage(db, before)
            with closing(sqlite3.connect(db)) as connection:
                recovered = again.returncode == 0 and current_sources(connection) == served
            runs.append(StorageRun("disk full", result.returncode, result.stderr, problems, recovered,
                                   *final_counts(db, served)))
        with tmpfs(work / "ro", "64m") as folder:
            db = folder / "reports.db"
            first = crawl_cli(db, columns, work / "logs-ro")
            with closing(sqlite3.connect(db)) as connection:
                before = current_sources(connection)
            problems = [] if first.returncode == 0 and before == served else ["the crawl before the fault failed"]
            remount(folder, "ro")
            try:
                result = crawl_cli(db, columns, work / "logs-ro")
            finally:
                remount(folder, "rw")
            problems += judge_storage(db, before)
            again = crawl_cli(db, columns, work / "logs-ro")
            runs.append(StorageRun("read-only database", result.returncode, result.stderr, problems,
                                   again.returncode == 0, *final_counts(db, served)))
    return runs


def run_storage(*, reports: int = REPORTS, work: str | Path | None = None) -> dict:
    """The storage scenario's counts: faults injected / survived (or not injectable here)."""
    runs = storage_scenario(reports=reports, work=work)
    if runs is None:
        return {"faults_not_injectable_here": 2, "failures": []}
    failures = [failure for run in runs for failure in run.failures]
    return {"faults_injected": len(runs), "faults_survived": sum(not run.failures for run in runs),
            "records_lost": sum(run.lost for run in runs), "duplicates": sum(run.duplicates for run in runs),
            "failures": failures}


# ---- for the reliability table (reliability) -----------------------------------

def registry_counts(counts: dict) -> dict:
    """The counts under the reliability table's metric names ("faults injected", …)."""
    return {key.replace("_", " ") if key != "failures" else key: value for key, value in counts.items()}


REGISTRY = {
    "crawl faults": lambda: registry_counts(run_faults()),
    "crawl kills": lambda: registry_counts(run_kills()),
    "crawl storage faults": lambda: registry_counts(run_storage()),
}

