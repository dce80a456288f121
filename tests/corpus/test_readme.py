"""README's database section names every table, view and column a corpus database holds."""
import re
from pathlib import Path

from tests.corpus.corpus_helpers import corpus_db, replica_documents

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_database_section_lists_every_table_and_column(tmp_path):
    db = corpus_db(tmp_path / "c.db", replica_documents(81, 6))
    section = README.read_text(encoding="utf-8").split("### The database\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        if line.startswith("| `"):
            names, _one_row, columns = line.strip("|").split("|")[:3]
            for name in re.findall(r"`([a-z_0-9]+)`", names):
                rows[name] = columns
    fts_shadow = re.compile(r"^reports_fts_(data|idx|docsize|config)$")
    for name in db.table_names() + db.view_names():
        if fts_shadow.match(name):
            assert "reports_fts_data" in rows["reports_fts"]
            continue
        assert name in rows, f"README's database section does not list {name}"
        if name.startswith(("active_", "applications_", "review_litigation", "narrative_")):
            continue      # one column per cell: the data dictionary lists those
        for column in db[name].columns:
            assert f"`{column.name}`" in rows[name], f"README does not list {name}.{column.name}"
