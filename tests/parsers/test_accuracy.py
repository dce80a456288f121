"""`make accuracy` as a test: every gold fixture under tests/fixtures/ parsed by the CLI, per set.

The one thing the parser must never do is store a wrong number without a problem; beyond that,
each set keeps the share of cells it reads right (issue 10: at least 97%)."""
import pytest

from benchmarks.accuracy import FIXTURES, measure, table


@pytest.fixture(scope="module")
def scores():
    found = measure(FIXTURES)
    print(table(found))
    return found


def test_there_are_real_and_realistic_sets(scores):
    assert {"real", "realistic"} <= set(scores)
    assert all(score.reports >= 5 and score.cells > 500 for score in scores.values())


@pytest.mark.parametrize("name", ["real", "realistic"])
def test_no_wrong_number_without_a_problem_and_97_percent_of_cells_right(scores, name):
    score = scores[name]
    assert score.wrong_unflagged == 0, score.misses
    assert score.left_out_silent == 0, score.misses
    assert score.right >= 0.97 * score.cells, score.misses
    assert score.metadata_right >= 0.95 * score.metadata, score.misses
