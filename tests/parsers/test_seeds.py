"""The five real seed reports: every metadata field and every cell.

They are all zeros in 表三 and 表四, so they mostly prove the layouts are read in full:
every template row found, nothing shifted, no false problem.
"""
import pytest

from parsers import parse_file
from parsers import templates as T
from tests.conftest import SEEDS


def zeros(rows, columns):
    return {row: {column: 0 for column in columns} for row in rows}


ZERO_APPLICATIONS_2021 = zeros(T.APPLICATION_LAYOUT["2021"], T.APPLICANT_COLUMN_KEYS)
ZERO_APPLICATIONS_2019 = zeros(T.APPLICATION_LAYOUT["2019"], T.APPLICANT_COLUMN_KEYS)
ZERO_REVIEW = zeros(T.REVIEW_GROUP_KEYS, T.REVIEW_OUTCOME_KEYS)
ACTIVE_2021_ZERO = {
    "rules": {"issued": 0, "repealed": 0, "in_force": 0},
    "normative_docs": {"issued": 0, "repealed": 0, "in_force": 0},
    "licensing": {"decisions": 0}, "penalty": {"decisions": 0}, "coercion": {"decisions": 0},
    "fees": {"amount": 0},
}

EXPECTED = {
    "000_7e093741219ba120.txt": {
        "title": "鄂伦春自治旗民政局2023年政府信息公开工作年度报告",
        "agency": "鄂伦春自治旗民政局", "year": 2023, "published_on": "2024-01-19",
        "template": "2021", "traditional": False, "encoding": "utf-8",
        "active": {**ACTIVE_2021_ZERO, "normative_docs": {"issued": 1, "repealed": 0, "in_force": 1}},
        "applications": ZERO_APPLICATIONS_2021, "review_litigation": ZERO_REVIEW,
        "narrative": {}, "problems": [],
    },
    "001_26925f727e4ff8e1.txt": {
        "title": "五原县和胜乡2021年政府信息公开工作年度报告",
        "agency": "五原县和胜乡", "year": 2021, "published_on": None,
        "template": "2021", "traditional": True, "encoding": "utf-8",
        "active": ACTIVE_2021_ZERO,
        "applications": ZERO_APPLICATIONS_2021, "review_litigation": ZERO_REVIEW,
        "narrative": {}, "problems": [],
    },
    "002_0126dafc59b38c55.txt": {
        "title": "长沙市雨花区民政局2017年政府信息公开工作年度报告",
        "agency": "长沙市雨花区民政局", "year": 2017, "published_on": "2018-01-15",
        "template": "pre2019", "traditional": False, "encoding": "utf-8",
        "active": {}, "applications": {}, "review_litigation": {},
        "narrative": {"proactive_total": 362, "applications_received": 0, "reviews": 0, "lawsuits": 0},
        "problems": [],
    },
    "003_148ca16f23ea2526.txt": {
        "title": "延津县民政局2023年政府信息公开工作年度报告",
        "agency": "延津县民政局", "year": 2023, "published_on": None,
        "template": "2021", "traditional": False, "encoding": "utf-8",
        "active": ACTIVE_2021_ZERO,
        "applications": ZERO_APPLICATIONS_2021, "review_litigation": ZERO_REVIEW,
        "narrative": {}, "problems": [],
    },
    "004_f31662e980dee69e.txt": {
        "title": "2019年金林区政府信息公开工作年度报告",
        "agency": "金林区", "year": 2019, "published_on": None,
        "template": "2019", "traditional": False, "encoding": "utf-8",
        "active": {
            "rules": {"new_made": 4, "new_published": 4, "total_published": 36},
            "normative_docs": {"new_made": 1, "new_published": 1, "total_published": 22},
            **{row: {"prev_items": 0, "change": 0, "decisions": 0}
               for row in ("licensing", "other_services", "penalty", "coercion")},
            "fees": {"prev_items": 0, "change": 0},
            "procurement": {"items": 335, "amount": 3967},
        },
        "applications": ZERO_APPLICATIONS_2019, "review_litigation": ZERO_REVIEW,
        "narrative": {}, "problems": [],
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_seed_record(name, validate_record):
    record = parse_file(SEEDS / name).record
    validate_record(record)
    expected = EXPECTED[name]
    for key, value in expected.items():
        assert record[key] == value, key
    assert record["source"].endswith(name)
