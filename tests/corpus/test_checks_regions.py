"""`govreports checks` names the reports behind each finding; `govreports regions` offers the
candidates of an ambiguous agency and takes a person's choice from a file; both commands show a
progress bar on a terminal and only their summary when run from cron."""
import json
import os
import pty
import subprocess
import sys

import pytest
from click.testing import CliRunner

from corpus import checks, regions
from govreports.cli import main
from replica.generator import generate, render_html
from tests.corpus.corpus_helpers import corpus_db, replica_documents


def signed(truth: dict, agency: str, portal: str) -> dict:
    truth = json.loads(json.dumps(truth))
    truth.update(agency=agency, title=f"{agency}{truth['year']}年政府信息公开工作年度报告")
    truth["variant"]["portal"]["name"] = portal     # the page's own words name no city
    return truth


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Replica reports, plus one report of 朝阳区财政局 stored again under a second name."""
    path = tmp_path_factory.mktemp("regions") / "c.db"
    truth = next(t for t in generate(7, 40, years=range(2022, 2023))
                 if t["applications"] and not t["variant"]["blank"] and not t["variant"]["inconsistent"])
    chaoyang = signed(truth, "朝阳区财政局", "朝阳区人民政府")
    again = signed(truth, "朝阳区财政厅", "朝阳区人民政府")
    documents = replica_documents(51, 12) + [
        ("https://czj.chaoyang.gov.cn/ndbg/2022.html", render_html(chaoyang, style="trs", seed=1).encode()),
        ("https://mirror.example.cn/ndbg/2022.html", render_html(again, style="generic", seed=2).encode())]
    db = corpus_db(path, documents)
    return path, db


def run(*args) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_checks_name_the_reports_behind_each_finding(corpus):
    path, db = corpus
    output = run("checks", "--db", str(path))
    found = list(db.query('SELECT q.report_id, q."check", q.message, r.agency, r.year, r.source '
                          "FROM corpus_problems q JOIN reports r ON r.id = q.report_id"))
    assert "duplicate_report" in {row["check"] for row in found}
    sections = {}
    for line in output.splitlines():
        if line.split("\t")[0] in checks.CHECKS:
            current = sections.setdefault(line.split("\t")[0], [])
        elif line.startswith("  #"):
            current.append(line)
    for row in found:
        assert f"  #{row['report_id']}\t{row['agency']}\t{row['year']}\t{row['source']}\t{row['message']}" \
            in sections[row["check"]]
    assert sum(len(lines) for lines in sections.values()) == len(found)


def test_an_ambiguous_agency_is_offered_its_candidates(corpus):
    path, _db = corpus
    output = run("regions", "--db", str(path))
    line = next(line for line in output.splitlines() if line.startswith("unresolved\t朝阳区财政局\t"))
    offered = {row["division_code"]: row["matched_name"] for row in regions.candidates("朝阳区财政局", [2022])}
    assert offered["110105"] == "北京市朝阳区" and offered["220104"] == "吉林省长春市朝阳区"
    assert line.split("\t")[2] == "; ".join(f"{code} {name}" for code, name in offered.items())
    assert "govreports regions --choices FILE" in output


def test_a_choice_in_a_file_places_the_agency_and_stays(corpus, tmp_path):
    path, db = corpus
    copy = tmp_path / "c.db"
    db.execute(f"VACUUM INTO '{copy}'")
    choices = tmp_path / "choices.toml"
    choices.write_text('"朝阳区财政局" = "220104"  # 长春, as its site says\n', encoding="utf-8")
    output = run("regions", "--db", str(copy), "--choices", str(choices))
    assert "unresolved\t朝阳区财政局" not in output and "choices from" in output
    import store
    placed = store.open_db(copy)["agency_regions"].get("朝阳区财政局")
    assert (placed["province"], placed["prefecture"], placed["county"], placed["division_code"]) == \
        ("吉林省", "长春市", "朝阳区", "220104")
    assert placed["method"] == "chosen in choices.toml: 吉林省长春市朝阳区"
    run("checks", "--db", str(copy))               # the next refresh keeps the choice
    assert store.open_db(copy)["agency_regions"].get("朝阳区财政局")["division_code"] == "220104"


@pytest.mark.parametrize("content,message", [
    ('"朝阳区财政局" = "110101"', "110101 is not one of its candidates (110105, 220104)"),
    ('"海淀区财政局" = "110108"', "海淀区财政局: no current report is signed so"),
    ('"朝阳区财政局" = 110105', "in quotes"),
    ('朝阳区财政局 = ', "choices.toml"),
])
def test_a_wrong_choice_is_refused_and_changes_nothing(corpus, tmp_path, content, message):
    path, db = corpus
    copy = tmp_path / "c.db"
    db.execute(f"VACUUM INTO '{copy}'")
    choices = tmp_path / "choices.toml"
    choices.write_text(content + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["regions", "--db", str(copy), "--choices", str(choices)])
    assert result.exit_code == 1 and message in result.output
    import store
    assert store.open_db(copy)["agency_regions"].get("朝阳区财政局")["method"] == regions.UNRESOLVED


def in_a_terminal(args: list[str]) -> str:
    """Run `govreports ARGS` with a pseudo-terminal as its stdout and stderr; what it wrote."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "govreports", *args], stdout=follower, stderr=follower,
                               env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"})
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:        # the terminal closed: the process is gone
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=120) == 0
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize("command", [["regions", "--all"], ["export", "--format", "csv"]])
def test_a_progress_bar_on_a_terminal_one_line_from_cron(corpus, tmp_path, command):
    path, _db = corpus
    args = [*command, "--db", str(path)] + (["--out", str(tmp_path / "out")] if command[0] == "export" else [])
    shown = in_a_terminal(args)
    assert "━" in shown                      # rich's bar
    quiet = subprocess.run([sys.executable, "-m", "govreports", *args], capture_output=True, text=True, timeout=120)
    assert quiet.returncode == 0 and quiet.stderr == ""
    lines = quiet.stdout.splitlines()
    summary = lines[0]
    assert ("agencies resolved" in summary) if command[0] == "regions" else summary.startswith("wrote ")
    assert summary in shown
    if command[0] == "export":
        assert len(lines) == 1
    else:                                      # then the unresolved agencies, one per line, and how to choose
        assert all(line.startswith("unresolved\t") for line in lines[1:-1])
