"""Kinds of the problems a parse records, so that thousands of sentences can be counted and faceted.

The parser writes each problem as a sentence naming row and column (reports.problems); a
researcher first wants to know what sort of trouble a report has. The kinds are told by
words the parser's sentences use, in order, first match wins; the same rules serve Python
(`kind_of`) and SQL (`sql_kind`, for the Datasette view), so the two never disagree.
"""
KINDS = [
    ("sums do not add up", ["add up to", "勾稽关系 fails", "≠ sum", "≠ "]),
    ("blank or non-numeric cell", ["cell (left out)", "is not a number"]),
    ("glued or surplus figures", ["glued numbers", "values beyond", "values where"]),
    ("table or row missing", ["not found", "no statutory table", "not a row of", "appears twice"]),
    ("prose contradicts tables", ["prose states"]),
    ("encoding damage", ["could not be decoded"]),
    ("template or year in doubt", ["template", "year the report covers"]),
    ("file unreadable or cut short", ["图片版", "could not be read", "could not be opened", "holds no text",
                                      "no report text", "encrypted", "MB limit", "ZIP", "ToUnicode",
                                      "without a Unicode mapping", "only the first"]),
]
OTHER = "other"


def kind_of(problem: str) -> str:
    return next((kind for kind, words in KINDS if any(word in problem for word in words)), OTHER)


def sql_kind(expression: str) -> str:
    """A CASE expression giving the kind of the problem sentence `expression`."""
    def quote(text):
        return "'" + text.replace("'", "''") + "'"
    whens = " ".join(
        f"WHEN {' OR '.join(f'instr({expression}, {quote(word)}) > 0' for word in words)} THEN {quote(kind)}"
        for kind, words in KINDS)
    return f"CASE {whens} ELSE {quote(OTHER)} END"
