"""The site registry: which portals to crawl and how, read from a TOML file (sites.toml).

A site names its CMS family; the family's base spider does the rest. The few ways in which
sites of one family differ are optional fields here, so adding a site is data, not code.
"""
from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_PATH = Path(__file__).with_name("sites.toml")


@dataclass(frozen=True)
class Site:
    key: str
    agency: str
    region: str
    family: str | None  # None: recognise the family from the column page (`-a url=`)
    columns: tuple[str, ...] = ()
    # Column URLs are injected at run time (GOVREPORTS_COLUMNS), e.g. the replica's.
    replica: bool = False
    # On a loopback, private or link-local address, and allowed to be (an intranet portal, the
    # replica): the crawler refuses such addresses for every other site (crawler.middlewares).
    local: bool = False
    # Hosts the crawl may request; default: the hosts of the columns.
    allowed_domains: tuple[str, ...] = ()
    # TRS: the page after index.html is index_1 on most sites, index_2 on some.
    second_page: int = 1
    # TRS: regex (searched in the link URL) telling report links from other list links.
    detail_pattern: str = r"/t\d{8}_\d+\.s?html?$"
    # Hanweb: records per page and dataproxy path, when the column page does not say.
    page_size: int = 15
    dataproxy: str = "/module/web/jpage/dataproxy.jsp"

    @property
    def hosts(self) -> tuple[str, ...]:
        if self.allowed_domains:
            return self.allowed_domains
        return tuple(sorted({urlsplit(url).hostname for url in self.columns}))

    @property
    def is_local(self) -> bool:
        """Whether its hosts may be non-public addresses: a replica site is local by definition."""
        return self.local or self.replica


class RegistryError(ValueError):
    pass


def load(path: str | Path | None = None) -> dict[str, Site]:
    """Sites by key, as the registry file declares them."""
    path = Path(path or DEFAULT_PATH)
    with path.open("rb") as f:
        entries = tomllib.load(f).get("sites", [])
    from crawler import families  # here: the families' spiders import this module

    known = {f.name for f in fields(Site)}
    sites: dict[str, Site] = {}
    for entry in entries:
        unknown = set(entry) - known
        if unknown:
            raise RegistryError(f"{path}: site {entry.get('key')!r} has unknown fields {sorted(unknown)}")
        site = Site(**{**entry, **{k: tuple(entry[k]) for k in ("columns", "allowed_domains") if k in entry}})
        if site.family not in families.names():
            raise RegistryError(f"{path}: site {site.key!r}: family must be one of {families.names()}")
        if site.key in sites:
            raise RegistryError(f"{path}: site {site.key!r} declared twice")
        sites[site.key] = site
    return sites


def select(sites: dict[str, Site], key: str | None, columns: dict[str, list[str]]) -> list[Site]:
    """The sites one crawl visits: `key` (or all), with injected column URLs applied.

    A replica site without injected columns is left out of an all-sites crawl (its port is
    not known yet) and is an error when asked for by key.
    """
    unknown = set(columns) - set(sites)
    if unknown:
        raise RegistryError(f"columns given for sites not in the registry: {sorted(unknown)}")
    chosen = []
    for site in sites.values():
        if key and site.key != key:
            continue
        if site.key in columns:
            site = replace(site, columns=tuple(columns[site.key]))
        if not site.columns:
            if key:
                raise RegistryError(
                    f"site {key!r} has no column URLs"
                    + (": it is a replica site, run it through `govreports demo`" if site.replica else "")
                )
            continue
        chosen.append(site)
    if key and not chosen:
        raise RegistryError(f"no site {key!r} in the registry")
    return chosen


def adhoc(url: str) -> Site:
    """A column that is in no registry: the family is recognised from its first page. A column
    given as a non-public address literal (http://127.0.0.2:8765/…, http://10.1.2.3/…) was asked
    for explicitly, so its host is local; a name never is (it could resolve anywhere)."""
    from crawler.middlewares import literal_ip, non_public

    host = urlsplit(url).hostname
    if not host:
        raise RegistryError(f"not an absolute URL: {url!r}")
    address = literal_ip(host)
    return Site(key=host, agency="", region="", family=None, columns=(url,),
                local=bool(address and non_public(address)))


def key_for(host: str) -> str:
    """A registry key from a host name: www.hd.gov.cn -> hd-gov-cn; an address keeps its digits."""
    return re.sub(r"[^0-9a-z]+", "-", host.lower().removeprefix("www.")).strip("-")


def toml_entry(entry: dict) -> str:
    """One [[sites]] table. JSON's string escapes are TOML's basic-string escapes."""
    lines = ["", "[[sites]]"]
    for name, value in entry.items():
        if isinstance(value, bool):
            lines.append(f"{name} = {'true' if value else 'false'}")
        elif isinstance(value, (list, tuple)):
            lines.append(f"{name} = [" + ", ".join(json.dumps(item, ensure_ascii=False) for item in value) + "]")
        else:
            lines.append(f"{name} = {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def append(path: str | Path | None, entry: dict) -> str | None:
    """Add a site to the registry file, unless one of its columns or its key is there already:
    then the key of the site that has it is returned and nothing is written."""
    path = Path(path or DEFAULT_PATH)
    sites = load(path) if path.exists() else {}
    columns = set(entry["columns"])
    for site in sites.values():
        if site.key == entry["key"] or columns & set(site.columns):
            return site.key
    Site(**{**entry, "columns": tuple(entry["columns"])})  # the fields are the registry's
    with path.open("a", encoding="utf-8") as out:
        out.write(toml_entry(entry))
    return None
