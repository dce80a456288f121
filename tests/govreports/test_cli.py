"""`govreports parse` as a user runs it: a real process, real files, a real SQLite file."""
import json
import shutil
import sqlite3
import subprocess
import sys

from tests.conftest import FILES
from tests.conftest import SEEDS as SEED_DIR

SEEDS = sorted(SEED_DIR.glob("*.txt"))


def govreports(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "govreports", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=120)


def test_json_prints_one_valid_record_per_input_in_order_and_writes_nothing(tmp_path, validate_record):
    result = govreports("parse", *SEEDS, "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [record["source"] for record in records] == [str(path) for path in SEEDS]
    for record in records:
        validate_record(record)
    assert [record["year"] for record in records] == [2023, 2021, 2017, 2023, 2019]
    assert not (tmp_path / "output").exists()


def test_store_folder_recursively_then_reparse_is_idempotent(tmp_path):
    folder = tmp_path / "in" / "nested"
    folder.mkdir(parents=True)
    for path in SEEDS:
        shutil.copy(path, folder / path.name)
    shutil.copy(FILES / "reports" / "gbk_declared_gb2312.html", folder / "page.html")
    (folder / "notes.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 18)  # no type a report comes in: skipped
    db = tmp_path / "reports.db"
    first = govreports("parse", tmp_path / "in", "--db", db)
    assert first.returncode == 0, first.stderr
    assert first.stderr.strip().endswith("skipped 1 files: .zip 1")
    lines = first.stdout.splitlines()
    assert len(lines) == 6
    assert all(line.endswith("\tnew") for line in lines)
    assert "鄂伦春自治旗民政局\t2023\t2021\t0 problems" in first.stdout
    assert "镕城区教育局\t2022\t2021\t2 problems" in first.stdout
    again = govreports("parse", tmp_path / "in", "--db", db)
    assert all(line.endswith("\tunchanged") for line in again.stdout.splitlines())
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from documents").fetchone()[0] == 6
        assert conn.execute("select count(*) from reports").fetchone()[0] == 6
        cells = conn.execute("select count(*) from cells").fetchone()[0]
        table3 = 175 * 4 + 161  # three 2021 seeds and the page (blank cells kept raw), one 2019 seed
        table4 = 15 * 5
        table2 = 10 * 4 + 22  # 2021: 3+3+1+1+1+1 cells; 2019: 3*6+2+2
        narrative = 4  # the pre-2019 seed
        assert cells == table3 + table4 + table2 + narrative
        assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_an_unreadable_path_is_one_clear_error_and_the_rest_still_parse(tmp_path):
    missing = tmp_path / "nope.txt"
    result = govreports("parse", missing, SEEDS[0], "--json", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"error: {missing}: No such file or directory"]
    assert json.loads(result.stdout)["agency"] == "鄂伦春自治旗民政局"


def test_a_txt_that_holds_html_is_read_as_html(tmp_path):
    page = tmp_path / "report.txt"
    page.write_bytes((FILES / "reports" / "gbk_declared_gb2312.html").read_bytes())
    record = json.loads(govreports("parse", page, "--json").stdout)
    assert record["applications"]["new_received"]["total"] == 63
    assert record["title"] == "镕城区教育局2022年政府信息公开工作年度报告"
