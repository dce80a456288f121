"""Property tests: whatever the bytes, the parser returns a valid record and never raises."""
import json

from hypothesis import HealthCheck, given, settings, strategies as st

from parsers.record import parse_document
from tests.conftest import SHARED

SEED_TEXT = (SHARED / "seeds" / "000_7e093741219ba120.txt").read_text(encoding="utf-8")
SCHEMA = json.loads((SHARED / "report.schema.json").read_text(encoding="utf-8"))
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_valid(record):
    import jsonschema

    jsonschema.validate(record, SCHEMA)


@FAST
@given(st.binary(max_size=4000))
def test_random_bytes(data):
    assert_valid(parse_document(data, "fuzz").record)


@FAST
@given(st.lists(st.tuples(st.integers(0, len(SEED_TEXT)), st.integers(0, 40),
                          st.sampled_from(["", "|", "\t", " ", "\n", "0", "99999", "/", "总计", "<td>", "(一)"])),
                max_size=8))
def test_mutated_real_layout(edits):
    text = SEED_TEXT
    for position, length, replacement in edits:
        text = text[:position] + replacement + text[position + length:]
    for encoding in ("utf-8", "gb18030"):
        record = parse_document(text.encode(encoding), "fuzz").record
        assert_valid(record)
