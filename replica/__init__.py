"""A local replica of government portals: deterministic reports, served over real HTTP.

It never imports `parsers`: the truth it writes comes from its own generator, so a crawl
can be checked against it without the parser grading itself.
"""
