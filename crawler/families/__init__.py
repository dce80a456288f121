"""The CMS families, one module each. A module declares its family:

    FAMILY = Family(name="trs", spider=TRSSpider, recognise=MARKER.search, checked=1)

and the rest is built from the declarations: the names a site of crawler/sites.toml may give
(crawler.registry), the spiders the `reports` spider combines and the order in which a column
in no registry is recognised (crawler.spiders.reports). A new family is one module here, plus
its saved pages (tests/files/listings/) and its tests.
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Family:
    name: str
    # A ReportSpider subclass with the callback parse_<name>(response, site) for a column page.
    spider: type
    # Whether a column page's bytes are this family's; None: the family of every other column.
    recognise: Callable[[bytes], object] | None = None
    checked: int = 0  # when its recognise is tried, lowest first: a page may look like more than one


@cache
def declared() -> tuple[Family, ...]:
    """Every family of this package: the recognisable ones in the order they are checked, the
    fallback last."""
    found = [importlib.import_module(f"{__name__}.{module.name}").FAMILY for module in pkgutil.iter_modules(__path__)]
    fallbacks = [family for family in found if family.recognise is None]
    if len(fallbacks) != 1:
        raise RuntimeError(f"exactly one family must recognise no page (the fallback), not {len(fallbacks)}")
    return (*sorted((family for family in found if family.recognise), key=lambda family: family.checked), *fallbacks)


def names() -> tuple[str, ...]:
    return tuple(family.name for family in declared())


def family_of(body: bytes) -> str:
    """The family a column page is from: the first whose recognise says so, else the fallback."""
    return next(family.name for family in declared() if family.recognise is None or family.recognise(body))
