"""Compare a parsed record with the truth the replica's generator wrote for it."""

COMPARED_KEYS = ("agency", "year", "published_on", "template", "active", "applications",
                 "review_litigation", "narrative")


def differences(record: dict, truth: dict) -> list[str]:
    """One sentence per key (and per cell) where the record differs from the truth."""
    out = []
    for key in COMPARED_KEYS:
        if key not in truth:
            continue
        expected, got = truth[key], record.get(key)
        if isinstance(expected, dict) and isinstance(got, dict):
            out += _table_differences(key, got, expected)
        elif got != expected:
            out.append(f"{key}: {got!r} != {expected!r}")
    return out


def _table_differences(name, got, expected):
    out = []
    for row in sorted(set(got) | set(expected)):
        got_row, expected_row = got.get(row), expected.get(row)
        if not isinstance(expected_row, dict) or not isinstance(got_row, dict):
            if got_row != expected_row:
                out.append(f"{name}.{row}: {got_row!r} != {expected_row!r}")
            continue
        for column in sorted(set(got_row) | set(expected_row)):
            if got_row.get(column) != expected_row.get(column):
                out.append(f"{name}.{row}.{column}: {got_row.get(column)!r} != {expected_row.get(column)!r}")
    return out
