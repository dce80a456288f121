"""`govreports stats | problems`: what a corpus database holds, a thin layer over corpus.stats.

corpus is imported when a command runs, not when the command line starts.
"""
import click

from govreports.corpus_commands import refreshed
from govreports.options import db_option


@click.command("stats")
@db_option()
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
def show_stats(db_path, as_json):
    """Summarise the corpus: reports per year and agency level, templates, problems, blocked pages, runs."""
    from corpus import stats

    found = stats.summary(refreshed(db_path))
    click.echo(stats.as_json(found) if as_json else stats.render(found))


@click.command("problems")
@db_option()
@click.option("--kind", help="Only problems of this kind, as `govreports stats` names them (a corpus check's name "
                             "is a kind too).")
@click.option("--year", type=int, help="Only reports on this year.")
@click.option("--agency", help="Only agencies whose name contains this.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list: each report with its problems.")
def list_problems(db_path, kind, year, agency, as_json):
    """List the reports with problems, each with its problems and its URL."""
    from corpus import stats

    if kind is not None and kind not in stats.PROBLEM_KINDS:
        raise click.BadParameter(f"{kind!r} is none of: {', '.join(stats.PROBLEM_KINDS)}", param_hint="--kind")
    reports = stats.reports_with_problems(refreshed(db_path), kind=kind, year=year, agency=agency)
    click.echo(stats.as_json(reports) if as_json else stats.problems_text(reports))

