"""The record contract lives in the project (docs/SCHEMA.md, docs/report.schema.json), so a clone
stands alone; where the steering folder ../shared sits beside the checkout, the copies must match it."""
import pytest

from tests.conftest import DOCS, SEEDS, SHARED


@pytest.mark.parametrize("name", ["SCHEMA.md", "report.schema.json"])
def test_the_contract_is_kept_in_the_project_and_matches_shared(name):
    ours = (DOCS / name).read_text(encoding="utf-8")
    assert "applications" in ours
    if not (SHARED / name).exists():
        pytest.skip("no ../shared beside this checkout")
    assert ours == (SHARED / name).read_text(encoding="utf-8"), f"docs/{name} differs from ../shared/{name}"


def test_the_seed_reports_are_kept_in_the_project_and_match_shared():
    ours = {path.name: path.read_bytes() for path in SEEDS.glob("*.txt")}
    assert len(ours) == 5
    if not (SHARED / "seeds").exists():
        pytest.skip("no ../shared beside this checkout")
    assert ours == {path.name: path.read_bytes() for path in (SHARED / "seeds").glob("*.txt")}
