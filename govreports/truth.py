"""Compare a parsed record with the truth the replica's generator wrote for it.

Two kinds of difference matter differently: a wrong number (the record says something the
report does not), and a figure left out with a problem saying so (the parser could not read
it safely). The first is a bug; the second is the parser keeping its promise.
"""

COMPARED_KEYS = ("agency", "year", "published_on", "template", "is_report", "active", "applications",
                 "review_litigation", "narrative")


def differences(record: dict, truth: dict) -> list[str]:
    """One sentence per key (and per cell) where the record differs from the truth."""
    return [f"{path}: {got!r} != {expected!r}" for path, got, expected in _compare(record, truth)]


def wrong_values(record: dict, truth: dict) -> list[str]:
    """The differences that are not figures left out and accounted for by the record's problems."""
    accounted = any("left out" in problem or "not found" in problem for problem in record.get("problems", []))
    return [f"{path}: {got!r} != {expected!r}" for path, got, expected in _compare(record, truth)
            if not (accounted and got is None and "." in path)]


def _compare(record, truth):
    for key in COMPARED_KEYS:
        if key not in truth:
            continue
        expected, got = truth[key], record.get(key)
        if isinstance(expected, dict) and isinstance(got, dict):
            yield from _compare_table(key, got, expected)
        elif got != expected:
            yield key, got, expected


def _compare_table(name, got, expected):
    for row in sorted(set(got) | set(expected)):
        got_row, expected_row = got.get(row), expected.get(row)
        if not isinstance(expected_row, dict) or not isinstance(got_row, dict):
            if got_row != expected_row:
                yield f"{name}.{row}", got_row, expected_row
            continue
        for column in sorted(set(got_row) | set(expected_row)):
            if got_row.get(column) != expected_row.get(column):
                yield f"{name}.{row}.{column}", got_row.get(column), expected_row.get(column)
