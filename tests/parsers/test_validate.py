"""parsers.validate on its own: the arithmetic checks of SCHEMA.md on generated records."""
import copy

from parsers.validate import check_record
from replica.generator import generate

FOUND = {"active", "applications", "review_litigation"}
CONSISTENT = [truth for truth in generate(11, 40) if truth["template"] in ("2019", "2021")
              and not truth["variant"]["inconsistent"] and not truth["variant"]["blank"]]


def test_a_consistent_record_has_no_problems():
    assert CONSISTENT
    assert [check_record(truth, FOUND, {}) for truth in CONSISTENT] == [[] for _ in CONSISTENT]


def test_one_cell_off_by_one_breaks_the_checks_that_contain_it():
    record = copy.deepcopy(CONSISTENT[0])
    record["applications"]["new_received"]["natural_person"] += 1
    problems = check_record(record, FOUND, {})
    assert len(problems) >= 2  # the balance of its column and the total of its row
    assert all(problem.startswith("表三") for problem in problems)
    assert any("自然人" in problem for problem in problems)


def test_each_table_not_found_is_named():
    problems = check_record(CONSISTENT[0], set(), {})
    assert [problem.split()[0] for problem in problems] == ["表二", "表三", "表四"]
    assert all(problem.endswith("table not found") for problem in problems)
