"""Hostile input: every case of reliability/hostile_inputs.py is contained, and every regular
expression of parsers/ stays linear on the inputs that make backtracking explode.

The cases are defined once, there, for these tests and `make reliability`. Not repeated
here: XML entity expansion, refused by the Hanweb dataproxy parser
(tests/crawler/test_spiders.py::test_hanweb_entity_expansion_is_refused), and hostile attachments —
damaged and encrypted PDFs, the zip bomb, the 200 MB file (tests/parsers/test_attachments.py).
"""
import json
import re
import shutil
import subprocess
import sys

import pytest

from parsers import tables
from reliability import hostile_inputs as H
from tests.conftest import SEEDS

pytestmark = pytest.mark.slow  # hostile inputs, some large

REGEXES = H.parser_regexes()


@pytest.mark.parametrize("case", H.CASES, ids=[case.name for case in H.CASES])
def test_hostile_input_is_contained(case):
    outcome = H.contain(case, judge_time=False)  # time is `make reliability`'s to judge
    assert outcome.contained, outcome.failure


@pytest.mark.parametrize("name", list(REGEXES))
def test_parser_regex_is_linear(name):
    assert H.probe_regex(name, REGEXES[name]) is None


def test_the_probe_tells_quadratic_from_linear():
    assert H.probe_regex("searched from every space of a run", re.compile(r"\s+b")) is not None
    assert H.probe_regex("searched from every b", re.compile(r"b\s+")) is None


def test_every_regex_use_names_a_regex_of_parsers():
    assert set(H.REGEX_USES) <= set(REGEXES)


def test_a_table_of_garbage_lists_a_bounded_number_of_problems():
    text = "三、收到和处理政府信息公开申请情况\n本年新收 | 1 |\n" + "".join(
        f"（一）予以公开 | {row} |\n" for row in range(3000))
    found = tables.read_tables(text, 2023)
    assert len(found.problems) == tables.MAX_PROBLEMS + 1
    assert re.fullmatch(r"\d{4} more problems in the tables, not listed", found.problems[-1])


def govreports_parse(*args):
    return subprocess.run([sys.executable, "-m", "govreports", "parse", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def test_a_file_name_that_is_not_utf8_is_stored_and_printed(tmp_path):
    """Its bytes become U+FFFD; before, SQLite raised UnicodeEncodeError on the surrogates."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SEEDS / "000_7e093741219ba120.txt", bytes(folder) + b"/\xff\xfe report.txt")
    printed = govreports_parse(folder, "--json")
    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout)["source"] == f"{folder}/\ufffd\ufffd report.txt"
    stored = govreports_parse(folder, "--db", tmp_path / "reports.db")
    assert stored.returncode == 0, stored.stderr
    assert stored.stdout.startswith(f"{folder}/\ufffd\ufffd report.txt\t")


def test_the_reliability_table_adds_up_scenarios_and_fails_on_what_must_be_zero():
    """A scenario the crawler side adds later only has to return counts under METRICS."""
    from reliability import run as reliability

    results = {"hostile inputs": {"hostile inputs tried": 3, "hostile inputs contained": 3, "seconds": 1.0},
               "crawl kills": {"kills": 5, "kills survived": 4, "records lost": 1, "seconds": 2.0,
                               "failures": ["kill 3: a report is partial"]}}
    summed = reliability.totals(results)
    assert (summed["hostile inputs tried"], summed["kills"], summed["records lost"]) == (3, 5, 1)
    assert reliability.problems(results, summed) == [
        "crawl kills: kill 3: a report is partial", "records lost is 1, not 0", "kills / kills survived: 5 / 4"]
    assert "kills / survived                            5 / 4" in reliability.table(results, summed)
