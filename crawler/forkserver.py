"""Preloaded by the forkserver of the crawl's workers (crawler.extensions.Workers): it dies
with the crawl, and its workers with it (crawler.orphans)."""
from crawler import orphans

orphans.die_with_parent()
orphans.parent_of_next()
