"""Property tests (reliability/fuzzing.py): whatever the input, no stage raises, every record
validates against the schema, and no table whose figure was changed passes as clean.

Example counts are modest so this file stays within ~40 s of `make test`; `make reliability`
runs the same properties with 2,000 examples. Each test checks how many cases ran.
"""
import pytest

from reliability.fuzzing import PROPERTIES, run

pytestmark = pytest.mark.slow  # fuzzing

# Whole documents take ~50 ms a case, mutated PDFs ~400 ms; one stage takes a few.
EXAMPLES = {name: 150 if name.startswith("parse") else 400 for name in PROPERTIES}
EXAMPLES["parse: mutated PDF, DOCX and XLSX files"] = 40


@pytest.mark.parametrize("name", list(PROPERTIES))
def test_property_holds(name):
    assert run(name, EXAMPLES[name]) == EXAMPLES[name]
