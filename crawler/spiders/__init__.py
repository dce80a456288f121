"""Spiders: the base of every family's spider (base) and the `reports` spider that combines them
(reports); the families themselves are in crawler.families."""
