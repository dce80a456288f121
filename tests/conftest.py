import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"  # the steering folder, beside a checkout; never needed to run the tests
DOCS = ROOT / "docs"
SEEDS = ROOT / "replica" / "seeds"  # the five seed reports, kept in the project (the replica serves them)
FILES = Path(__file__).resolve().parent / "files"


@pytest.fixture(scope="session")
def record_schema():
    return json.loads((DOCS / "report.schema.json").read_text(encoding="utf-8"))


@pytest.fixture
def validate_record(record_schema):
    import jsonschema

    def validate(record):
        jsonschema.validate(record, record_schema)
    return validate
