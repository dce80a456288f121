"""Spiders: one base spider per CMS family, combined into the `reports` spider."""
