"""`govreports`: a thin command line over the parsers, the crawler and the replica portal."""
import click

from govreports.parse_command import parse


@click.group()
@click.version_option(package_name="govreports")
def main():
    """Collect China's government information-disclosure annual reports into SQLite."""


main.add_command(parse)
