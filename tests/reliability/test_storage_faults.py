"""Storage faults (reliability/storage_faults.py): `govreports parse --db` under a read-only
database, a full disk, a file size limit and a file that is no database ends with exit status
74 (exit_codes.STORAGE, as `crawl` does) and one clear line, and leaves a database that passes integrity_check, holds every report
whole (all its cells or none) and has lost nothing it stored before.
"""
import pytest

from govreports import exit_codes
from govreports.parse_command import parse
from reliability.storage_faults import SCENARIOS

pytestmark = pytest.mark.slow  # full disks and read-only filesystems


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_storage_fault_is_survived(name, tmp_path):
    outcome = SCENARIOS[name](tmp_path)
    if outcome is None:
        pytest.skip("this fault needs root and mount(8), or a user chmod binds")
    assert outcome.survived, outcome.failures
    assert outcome.returncode == exit_codes.STORAGE == 74


def test_the_exit_statuses_are_documented():
    help_text = parse.get_help(parse.make_context("parse", ["x"]))
    assert "(parse) some input could not be read or parsed" in help_text
    assert "74  the database cannot be written" in help_text
