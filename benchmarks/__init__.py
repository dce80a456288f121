"""Benchmarks of the parser and the crawl (`make bench`): a test harness, not part of the installed package."""
