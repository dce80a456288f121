"""`govreports`: a thin command line over the parsers, the crawler and the replica portal."""
import click

from govreports.crawl_commands import COMMANDS as CRAWL_COMMANDS
from govreports.discover_command import COMMANDS as DISCOVER_COMMANDS
from govreports.parse_command import parse


@click.group()
@click.version_option(package_name="govreports")
def main():
    """Collect China's government information-disclosure annual reports into SQLite."""


main.add_command(parse)
for command in CRAWL_COMMANDS + DISCOVER_COMMANDS:
    main.add_command(command)

from govreports.corpus_commands import COMMANDS as CORPUS_COMMANDS
for command in CORPUS_COMMANDS:
    main.add_command(command)
