"""The exit codes of every `govreports` command, for cron, systemd and scripts: defined once here
and printed by `govreports --help` (HELP) and the README."""

OK = 0
FAILED = 1  # the run did not get to its end (interrupted, crashed), every site failed, or an input was unreadable
USAGE = 2  # click's own: wrong options or arguments
PARTIAL = 3  # some sites, pages or documents failed (crawl_runs.failed_sites, errors); the rest is stored
STORAGE = 74  # EX_IOERR: the database cannot be written (disk full, read-only); nothing half-written
BUSY = 75  # EX_TEMPFAIL: another run holds the database; nothing was done, try later

HELP = f"""
\b
Exit codes:
  {OK}   done, nothing failed
  {FAILED}   the run did not get to its end (interrupted, crashed), every site
      failed, or (parse) some input could not be read or parsed
  {USAGE}   wrong usage
  {PARTIAL}   partial failure: some sites, pages or documents failed
      (crawl_runs.failed_sites, errors); all else was stored
  {STORAGE}  the database cannot be written (disk full, read-only): the run
      stopped, what was stored before is intact
  {BUSY}  another run holds the database (its lock file DB.lock): nothing done
"""


def of_run(returncode: int, row: dict | None) -> int:
    """A crawl's exit code from its child's return code and its crawl_runs row."""
    if row is not None and row.get("storage_error"):
        return STORAGE
    if returncode != 0 or row is None or row["finish_reason"] != "finished":
        return FAILED
    failed = [key for key in (row.get("failed_sites") or "").split(",") if key]
    if failed and len(failed) >= len(row["sites"].split(",")):
        return FAILED
    return PARTIAL if failed or row["errors"] else OK
