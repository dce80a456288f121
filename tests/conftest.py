import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FILES = Path(__file__).resolve().parent / "files"


@pytest.fixture(scope="session")
def record_schema():
    return json.loads((SHARED / "report.schema.json").read_text(encoding="utf-8"))


@pytest.fixture
def validate_record(record_schema):
    import jsonschema

    def validate(record):
        jsonschema.validate(record, record_schema)
    return validate
