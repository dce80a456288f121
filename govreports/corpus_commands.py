"""`govreports export | serve | report | checks | regions`: the research corpus, a thin layer over `corpus`.

Each command first brings the derived tables up to date (corpus.build.refresh). Progress
bars and spinners go to a terminal only: run from cron, the commands print their one-line
results and nothing else.
"""
from contextlib import contextmanager, nullcontext
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
    db = refreshed(db_path)
    names = names or exporting.TABLE_NAMES
    done = 0

    def rows_written(count):  # with no total: counting the rows first would run every query twice
        nonlocal done
        done += count * len(formats)
        advance(done, None)
    with bar("exporting rows") as advance:
        try:
            written = exporting.export(db, Path(out), names=names, formats=formats, progress=rows_written)
        except exporting.ExportError as error:
            raise click.ClickException(str(error)) from error
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
    for check, rows in checks.findings(db).items():
        click.echo(f"{check}\t{len({row['report_id'] for row in rows})} reports\t{checks.CHECKS[check]}")
        for row in rows:
            click.echo(f"  #{row['report_id']}\t{row['agency']}\t{row['year']}\t{row['source']}\t{row['message']}")
    mirrors = checks.mirror_groups(db)
    click.echo(f"{len(mirrors)} reports were read from more than one copy "
               f"({sum(len(versions) for versions in mirrors.values())} copies), each counted once")


@click.command("regions")
@db_option()
@click.option("--all", "everything", is_flag=True, help="Resolve every agency again, not only new ones.")
@click.option("--choices", type=click.Path(exists=True, dir_okay=False),
              help='A TOML file placing unresolved agencies by hand: "朝阳区财政局" = "110105", one of the '
                   "candidates listed.")
def resolve_regions(db_path, everything, choices):
    """Place each agency in its province, prefecture and county, with its division code."""
    from corpus import regions

    db = open_corpus(db_path)
    with bar("searching the division tables") as advance:
        regions.update(db, everything=everything, progress=advance)
    if choices:
        try:
            regions.apply_choices(db, regions.read_choices(choices), Path(choices).name)
        except (ValueError, OSError) as error:   # tomllib's TOMLDecodeError is a ValueError
            raise click.ClickException(f"{choices}: {error}") from error
    missing = regions.unresolved(db)
    total = db["agency_regions"].count
    click.echo(f"{total - len(missing)} of {total} agencies resolved ({regions.SOURCE} division tables"
               + (f", choices from {choices}" if choices else "") + ")")
    years = regions.agency_years(db)
    for agency in missing:
        offered = regions.candidates(agency, years.get(agency, []))
        click.echo(f"unresolved\t{agency}\t" + ("; ".join(f"{row['division_code']} {row['matched_name']}" for row in offered)
                                                 or "no division of that name"))
    if any(regions.candidates(agency, years.get(agency, [])) for agency in missing):
        click.echo('Choose in a TOML file, one line per agency ("agency" = "code"), then: '
                   "govreports regions --choices FILE")


@contextmanager
def bar(text: str):
    """A rich progress bar on a terminal; yields advance(done, total). Nothing at all otherwise."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = terminal()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, disable=not console.is_terminal, transient=True) as progress:
        task = progress.add_task(text, total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)

