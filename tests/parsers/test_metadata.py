"""parsers.metadata on its own: title, agency, year and publication date of generated reports."""
import pytest

from parsers.metadata import read_metadata
from replica.generator import generate, render_text

TRUTHS = generate(11, 20)


@pytest.mark.parametrize("layout", ["pipe", "tabs"])
def test_title_agency_year_and_date_are_read_from_the_text(layout):
    for index, truth in enumerate(TRUTHS):
        found = read_metadata(render_text(truth, layout=layout, seed=index))
        assert (found.title, found.agency, found.year, found.published_on) == (
            truth["title"], truth["agency"], truth["year"], truth["published_on"]), index


def test_the_page_metadata_wins_over_the_text():
    truth = TRUTHS[0]
    found = read_metadata(render_text(truth, layout="pipe"), page_metadata={"published_on": "2001-02-03"})
    assert found.published_on == "2001-02-03"
    assert found.year == truth["year"]


def test_a_text_that_names_nothing_gives_nothing():
    found = read_metadata("正文。")
    assert (found.agency, found.year, found.published_on) == (None, None, None)
