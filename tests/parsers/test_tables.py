"""parsers.tables on its own: the statutory tables of generated reports, read from plain text."""
import pytest

from parsers.tables import read_tables
from replica.generator import generate, render_text

TRUTHS = [truth for truth in generate(11, 40) if truth["template"] in ("2019", "2021")][:8]


@pytest.mark.parametrize("truth", TRUTHS, ids=lambda truth: f"{truth['template']}-{truth['agency']}")
def test_the_three_tables_are_found_and_every_cell_read_is_right(truth):
    tables = read_tables(render_text(truth, layout="pipe", seed=0), truth["year"])
    assert tables.found == {"active", "applications", "review_litigation"}
    assert tables.template == truth["template"]
    assert tables.active == truth["active"]
    assert tables.review_litigation == truth["review_litigation"]
    # A row may be left for a later stage to derive, never read wrong.
    assert {row: tables.applications[row] for row in tables.applications} == {
        row: truth["applications"][row] for row in tables.applications}


def test_a_text_without_tables_gives_no_cells():
    tables = read_tables("本机关2023年度政府信息公开工作总体情况良好。\n没有表格。", 2023)
    assert tables.found == set()
    assert tables.cells == [] and tables.applications == {}
