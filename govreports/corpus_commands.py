"""`govreports export | serve | report | checks | regions`: the research corpus, a thin layer over `corpus`.

Each command first brings the derived tables up to date (corpus.build.refresh). Progress
bars and spinners go to a terminal only: run from cron, the commands print their one-line
results and nothing else.
"""
from contextlib import nullcontext
from pathlib import Path

import click

from corpus import export as exporting
from govreports.options import db_option

# The corpus modules (cnloc, matplotlib, Datasette) are imported by the commands that use them:
# `govreports --help` loads none of them.


def open_corpus(db_path):
    import store

    if not Path(db_path).exists():
        raise click.ClickException(f"{db_path}: no such database (build one with `govreports parse` or `crawl`)")
    return store.open_db(db_path)


def terminal():
    from rich.console import Console

    return Console(stderr=True)


def spinner(text: str):
    console = terminal()
    return console.status(text) if console.is_terminal else nullcontext()


def refreshed(db_path):
    from corpus import build

    db = open_corpus(db_path)
    with spinner("resolving regions and running the corpus checks"):
        build.refresh(db)
    return db


@click.command()
@db_option()
@click.option("--format", "formats", type=click.Choice(exporting.FORMATS), multiple=True, default=["csv"],
              show_default=True, help="Repeat for several formats.")
@click.option("--table", "names", type=click.Choice(exporting.TABLE_NAMES), multiple=True,
              help="Tables to export (repeatable); default all.")
@click.option("--out", default="output/export", show_default=True, type=click.Path(file_okay=False),
              help="Folder to write into.")
def export(db_path, formats, names, out):
    """Export the corpus: wide tables, cells, problems and a data dictionary."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    db = refreshed(db_path)
    names = names or exporting.TABLE_NAMES
    # Rows written so far, with no total: counting them first would run every query twice.
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,} rows"), TimeElapsedColumn())
    console = terminal()
    with Progress(*columns, console=console, disable=not console.is_terminal, transient=True) as progress:
        task = progress.add_task("exporting rows", total=None)
        written = exporting.export(db, Path(out), names=names, formats=formats,
                                   progress=lambda n: progress.advance(task, n * len(formats)))
    click.echo(f"wrote {len(written)} files ({', '.join(formats)}) for {len(names)} tables to {out}")


@click.command()
@db_option()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
def serve(db_path, host, port):
    """Browse and search the corpus in Datasette."""
    from corpus import datasette_metadata

    db = refreshed(db_path)
    metadata = datasette_metadata.metadata(db, Path(db_path).stem)
    db.close()
    click.echo(f"serving {db_path} at http://{host}:{port}/", err=True)
    datasette_metadata.serve(Path(db_path), metadata, host=host, port=port)


@click.command()
@db_option()
@click.option("--out", default="output/report.html", show_default=True, type=click.Path(dir_okay=False))
def report(db_path, out):
    """Write an HTML overview of the corpus, with plots."""
    from corpus import overview

    db = refreshed(db_path)
    with spinner("drawing the plots"):
        overview.write_report(db, out)
    click.echo(f"wrote {out}")


@click.command("checks")
@db_option()
def run_checks(db_path):
    """Run the checks across reports (cross-year, mirror copies, near-identical text)."""
    from corpus import checks

    db = refreshed(db_path)
    counts = dict(db.execute('SELECT "check", count(DISTINCT report_id) FROM corpus_problems GROUP BY 1').fetchall())
    for check, meaning in checks.CHECKS.items():
        click.echo(f"{check}\t{counts.get(check, 0)} reports\t{meaning}")
    mirrors = checks.mirror_groups(db)
    click.echo(f"{len(mirrors)} reports were read from more than one copy "
               f"({sum(len(versions) for versions in mirrors.values())} copies), each counted once")


@click.command("regions")
@db_option()
@click.option("--all", "everything", is_flag=True, help="Resolve every agency again, not only new ones.")
def resolve_regions(db_path, everything):
    """Place each agency in its province, prefecture and county, with its division code."""
    from corpus import regions

    db = open_corpus(db_path)
    with spinner("resolving regions"):
        regions.update(db, everything=everything)
    missing = regions.unresolved(db)
    total = db["agency_regions"].count
    click.echo(f"{total - len(missing)} of {total} agencies resolved ({regions.SOURCE} division tables)")
    for agency in missing:
        click.echo(f"unresolved\t{agency}")
