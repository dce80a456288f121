"""How the scanned (图片版) reports of a crawl compare with the truth, cell by cell.

A scan's figures are read by OCR: a misread figure is acceptable only when the record's
problems name it (its row, or its table and column), never when it passes silently.
"""
from dataclasses import dataclass

from parsers import templates as T

SCANNED_KINDS = ("scanned_pdf", "jpeg", "png", "tiff")
_TABLES = {"active": "表二", "applications": "表三", "review_litigation": "表四"}
SCANNED_TABLES = tuple(_TABLES)  # graded by ScanGrade; the rest of a scan's record as any other


@dataclass
class ScanGrade:
    reports: int = 0
    cells: int = 0  # figures in the truths
    right: int = 0
    left_out: int = 0
    wrong_named: int = 0  # wrong figures a problem names
    wrong_unnamed: int = 0  # wrong figures no problem names: what must be 0

    def add(self, record: dict, truth: dict) -> list[str]:
        """Count one scanned report; the wrong figures no problem names, as paths."""
        self.reports += 1
        unnamed = []
        for table in _TABLES:
            for row, columns in truth.get(table, {}).items():
                for column, expected in columns.items():
                    got = record.get(table, {}).get(row, {}).get(column)
                    self.cells += 1
                    if got == expected:
                        self.right += 1
                    elif got is None:
                        self.left_out += 1
                    elif named(record["problems"], table, row, column):
                        self.wrong_named += 1
                    else:
                        self.wrong_unnamed += 1
                        unnamed.append(f"{table}.{row}.{column}: {got} != {expected}")
        return unnamed

    @property
    def right_share(self) -> float:
        return self.right / self.cells if self.cells else 0.0


def named(problems: list[str], table: str, row: str, column: str) -> bool:
    """Whether a problem names the cell: its row, or its column in its table."""
    labels = _labels(table)
    row_label, column_label = labels[0].get(row, row), labels[1].get(column, column)
    return any(problem.startswith(_TABLES[table]) and (row_label in problem or column_label in problem)
               for problem in problems)


def _labels(table: str) -> tuple[dict, dict]:
    if table == "applications":
        return T.APPLICATION_LABELS, T.APPLICANT_LABELS
    if table == "review_litigation":
        return T.REVIEW_LABELS, T.REVIEW_OUTCOME_LABELS
    return ({key: label for key, _, label in T.ACTIVE_ROWS}, {key: label for key, _, label in T.ACTIVE_COLUMNS})
