"""Bring what is derived from the reports up to date before it is exported, served or plotted.

Regions, corpus checks and the views all follow from `reports` and `cells`; rebuilding them
at each use means an export never shows last week's checks beside this week's reports.
Regions are resolved only for agencies not resolved before (the division tables do not change
between runs); `govreports regions --all` resolves every agency again.
"""
from corpus import checks, datasette_metadata, export


def refresh(db) -> None:
    """Regions of new agencies, `corpus_problems`, the wide views and the browser table."""
    checks.run(db)   # resolves new agencies' regions first
    export.create_indexes(db)
    export.create_views(db)
    datasette_metadata.create_browser(db)
