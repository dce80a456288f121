"""`scrapy crawl reports`: the one entry point, for every site and family.

    scrapy crawl reports                      every site of the registry with known columns
    scrapy crawl reports -a site=KEY          one registry site
    scrapy crawl reports -a url=COLUMN_URL    a column in no registry; its family is recognised
                                              (several, space-separated: one portal's columns)
    … -a allow_private=1                      with url: the host may be a non-public address
    … -a year=2023 | -a since=2019            only reports whose listed title names such a year

Settings: GOVREPORTS_SITES (the registry file), GOVREPORTS_COLUMNS (column URLs known only at
run time, by site key, e.g. the replica's).
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import scrapy
from scrapy.http import Response

from crawler import families, registry
from crawler.families import family_of
from crawler.registry import Site
from crawler.spiders.base import unless_blocked


class SiteDispatchSpider(*(family.spider for family in families.declared())):
    """Every family's spider in one (crawler.families): each site goes to its family's
    parse_<family> callback, a column in no registry to the family its page looks like."""

    name = "reports"

    def __init__(self, *args, site: str | None = None, url: str | None = None, allow_private: str | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.site_key = site
        self.column_url = url
        self.allow_private = bool(allow_private)
        self.sites: list[Site] = []

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.column_url:
            # One portal's columns, separated by spaces (a column and its sub-columns, or what
            # discovery found): one site.
            urls = spider.column_url.split()
            site = registry.adhoc(urls[0])
            spider.sites = [replace(site, columns=tuple(urls), local=site.local or spider.allow_private)]
        else:
            sites = registry.load(crawler.settings.get("GOVREPORTS_SITES"))
            spider.sites = registry.select(sites, spider.site_key, crawler.settings.getdict("GOVREPORTS_COLUMNS"))
        # The offsite guard (crawler.middlewares.SiteHostsOnly) admits these hosts only, and
        # non-public addresses for the hosts of local sites only.
        spider.allowed_domains = sorted({host for site in spider.sites for host in site.hosts})
        spider.local_hosts = {host for site in spider.sites if site.is_local for host in site.hosts}
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for site in self.sites:
            callback = getattr(self, f"parse_{site.family}") if site.family else self.parse_column
            for url in site.columns:
                yield scrapy.Request(url, callback=callback, errback=self.request_failed, cb_kwargs={"site": site})

    @unless_blocked
    def parse_column(self, response: Response, site: Site) -> Iterator:
        """A column in no registry: recognise its family from the page, then go on as that family."""
        family = family_of(response.body)
        self.logger.info("column %s looks like a %s site", response.url, family)
        site = replace(site, family=family)
        yield from getattr(self, f"parse_{family}")(response, site)
