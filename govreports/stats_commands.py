"""`govreports stats | problems`: what a corpus database holds, a thin layer over corpus.stats."""
import click

from corpus import stats
from govreports.corpus_commands import db_option, refreshed


@click.command("stats")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
def show_stats(db_path, as_json):
    """Summarise the corpus: reports per year and agency level, templates, problems, blocked pages, runs."""
    found = stats.summary(refreshed(db_path))
    click.echo(stats.as_json(found) if as_json else stats.render(found))


@click.command("problems")
@db_option
@click.option("--kind", type=click.Choice(stats.PROBLEM_KINDS), help="Only problems of this kind (or corpus check).")
@click.option("--year", type=int, help="Only reports on this year.")
@click.option("--agency", help="Only agencies whose name contains this.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list: each report with its problems.")
def list_problems(db_path, kind, year, agency, as_json):
    """List the reports with problems, each with its problems and its URL."""
    reports = stats.reports_with_problems(refreshed(db_path), kind=kind, year=year, agency=agency)
    click.echo(stats.as_json(reports) if as_json else stats.problems_text(reports))


COMMANDS = [show_stats, list_problems]
