"""Annual reports with known truth, for the replica portal, the parser's fixtures and the benchmark.

A parser can only be graded against reports whose figures are known in advance, so this
module invents them: plausible agencies, dates and tables that obey the official arithmetic,
plus the irregularities met in the wild (小计 rows and columns, units, thousands separators,
full-width digits, blank and '/' cells, a rare report whose own sums are off). A truth is the
record a perfect parser would return for the rendered report: SCHEMA.md's keys without
`source`, plus `region`, `variant` (what the renderers must print, and how), `blank_cells` and
`inconsistent`.

Report i of a seed depends only on (seed, i, years), never on the reports before it: `generate`
and `corpus` agree on every report, and a corpus of any size streams in constant memory.
How a report looks lives in `replica.render`; its public functions are re-exported here so
that callers need a single import.
"""
import datetime
import random
from collections.abc import Iterator

from replica.render import (
    APPLICANT_COLUMNS,
    HTML_STYLES,
    OUTCOME_ROWS,
    REVIEW_GROUPS,
    REVIEW_OUTCOMES,
    TEXT_LAYOUTS,
    render_html,
    render_text,
    traditional,
)

__all__ = ["generate", "corpus", "render_html", "render_text", "traditional"]

# Province, the one-character abbreviation used in ICP numbers and 文号, its domain slug, and
# its cities as (city, slug, "county:slug ..."). A municipality is its own only city.
PLACES = (
    ("北京市", "京", "beijing", (("北京市", "beijing", "海淀区:haidian 朝阳区:chaoyang 延庆区:yanqing"),)),
    ("上海市", "沪", "shanghai", (("上海市", "shanghai", "浦东新区:pudong 黄浦区:huangpu 崇明区:chongming"),)),
    ("浙江省", "浙", "zj", (("杭州市", "hangzhou", "西湖区:xihu 余杭区:yuhang 淳安县:chunan"),
                         ("宁波市", "ningbo", "鄞州区:yinzhou 象山县:xiangshan"))),
    ("江苏省", "苏", "jiangsu", (("南京市", "nanjing", "鼓楼区:gulou 江宁区:jiangning"),
                              ("苏州市", "suzhou", "吴中区:wuzhong 昆山市:ks"))),
    ("湖南省", "湘", "hunan", (("长沙市", "changsha", "雨花区:yuhua 岳麓区:yuelu 浏阳市:liuyang"),
                            ("株洲市", "zhuzhou", "攸县:youxian 醴陵市:liling"))),
    ("广东省", "粤", "gd", (("广州市", "gz", "天河区:thnet 越秀区:yuexiu 从化区:conghua"),
                         ("梅州市", "meizhou", "梅县区:meixian 大埔县:dabu"))),
    ("四川省", "川", "sc", (("成都市", "chengdu", "武侯区:wuhou 双流区:shuangliu 郫都区:pidu"),
                         ("绵阳市", "my", "涪城区:fucheng 三台县:santai"))),
    ("河南省", "豫", "henan", (("郑州市", "zhengzhou", "金水区:jinshui 中牟县:zhongmu"),
                            ("洛阳市", "ly", "洛龙区:luolong 栾川县:luanchuan"))),
    ("山东省", "鲁", "shandong", (("济南市", "jinan", "历下区:lixia 章丘区:zhangqiu"),
                               ("青岛市", "qingdao", "黄岛区:huangdao 即墨区:jimo"))),
    ("黑龙江省", "黑", "hlj", (("哈尔滨市", "harbin", "南岗区:nangang 道里区:daoli 尚志市:shangzhi"),
                            ("伊春市", "yc", "金林区:jinlin 铁力市:tieli"))),
    ("内蒙古自治区", "蒙", "nmg", (("呼伦贝尔市", "hlbe", "鄂伦春自治旗:elc 海拉尔区:hailar 扎兰屯市:zlt"),
                               ("巴彦淖尔市", "bynr", "五原县:wuyuan 临河区:linhe"))),
    ("云南省", "滇", "yn", (("昆明市", "km", "五华区:wuhua 呈贡区:chenggong"),
                         ("大理白族自治州", "dali", "大理市:dalishi 洱源县:eryuan"))),
)
PROVINCE_DEPARTMENTS = ("民政厅", "教育厅", "财政厅", "人力资源和社会保障厅", "自然资源厅", "生态环境厅",
                        "住房和城乡建设厅", "交通运输厅", "农业农村厅", "水利厅", "商务厅", "文化和旅游厅",
                        "卫生健康委员会", "审计厅", "市场监督管理局", "统计局", "医疗保障局", "司法厅")
LOCAL_DEPARTMENTS = ("民政局", "教育局", "财政局", "人力资源和社会保障局", "自然资源和规划局", "生态环境局",
                     "住房和城乡建设局", "交通运输局", "农业农村局", "水利局", "商务局", "文化广电旅游局",
                     "卫生健康委员会", "退役军人事务局", "应急管理局", "审计局", "市场监督管理局", "统计局",
                     "医疗保障局", "司法局", "发展和改革局", "城市管理局")
# Townships; the last four hold characters outside GB2312 (𠮷 even outside the BMP), which
# break every decoder that trusts a page's `gb2312` declaration.
TOWNSHIPS = ("城关镇", "和胜乡", "新华街道", "东风街道", "红星乡", "青山镇", "柳林镇",
             "镕城镇", "堃山乡", "喆里街道", "𠮷安镇")
ROADS = ("人民路", "解放路", "建设路", "文化街", "中山路", "府前街", "新华路")

# Governments publish by 31 March; departments by 31 January.
GOVERNMENT_LEVELS = ("city_government", "county_government", "township")
TEMPLATE_WEIGHTS = {"pre2019": 1, "2019": 1, "2021": 2}
SCALES = ((0.35, 0.4), (0.35, 3.0), (0.30, 30.0))  # (probability, magnitude): small, medium, large
ROW_WEIGHTS = {
    "disclosed": 6, "partially_disclosed": 2, "withheld_state_secret": 0.2,
    "withheld_prohibited_by_law": 0.3, "withheld_security_stability": 0.2, "withheld_third_party": 0.6,
    "withheld_internal_affairs": 0.5, "withheld_process_info": 0.7, "withheld_enforcement_records": 0.4,
    "withheld_admin_query": 0.8, "unavailable_not_held": 4, "unavailable_needs_creation": 1,
    "unavailable_unclear": 0.6, "rejected_petition": 1.2, "rejected_duplicate": 0.8,
    "rejected_publication": 0.3, "rejected_excessive": 0.3, "rejected_confirmation": 0.4,
    "other_no_correction": 0.8, "other_no_fee": 0.2, "other_misc": 1.0, "other_handling": 1.5,
}
ZEROS_BLANK_SHARE = 0.06  # reports that print every 0 of 表三 and 表四 as an empty cell
COLUMN_WEIGHTS = {"natural_person": 10, "commercial": 2.5, "research": 0.4, "social_welfare": 0.6,
                  "legal_service": 1.4, "other_org": 1.0}


def generate(seed: int, count: int, *, years: range = range(2008, 2025)) -> list[dict]:
    """`count` truths; report i depends only on (seed, i, years)."""
    return [report_truth(seed, index, years) for index in range(count)]


def corpus(seed: int, count: int) -> Iterator[tuple[str, bytes, dict]]:
    """The benchmark: (file name, bytes as served, truth), one report at a time.

    About half are HTML pages of the three CMS styles, encoded UTF-8 or GB18030 (declared
    gb2312, as real GBK sites do); the rest are text dumps in every layout, in UTF-8.
    `truth['encoding']` names the codec the bytes were written with.
    """
    for index in range(count):
        truth = report_truth(seed, index, range(2008, 2025))
        rng = random.Random(f"corpus|{seed}|{index}")
        render_seed = rng.randrange(2**32)
        if rng.random() < 0.5:
            style = rng.choice(HTML_STYLES)
            truth["encoding"] = rng.choice(("utf-8", "gb18030"))
            data = render_html(truth, style=style, seed=render_seed).encode(truth["encoding"])
            yield f"{index:05d}_{style}.html", data, truth
        else:
            layout = rng.choice(TEXT_LAYOUTS)
            data = render_text(truth, layout=layout, seed=render_seed).encode("utf-8")
            yield f"{index:05d}_{layout}.txt", data, truth


def report_truth(seed: int, index: int, years: range) -> dict:
    """Report `index` of `seed`: its own random stream, so no report depends on another."""
    rng = random.Random(f"report|{seed}|{index}")
    template = _choose_template(rng, years)
    year = rng.choice([y for y in years if _template_of(y) == template])
    place = _choose_place(rng)
    level = _choose_level(rng, place)
    agency = _agency_name(rng, place, level)
    title = (f"{agency}{year}年政府信息公开工作年度报告" if rng.random() < 0.8
             else f"{year}年{agency}政府信息公开工作年度报告")
    truth = {
        "title": title, "agency": agency, "year": year,
        "published_on": _publication_date(rng, year, level in GOVERNMENT_LEVELS, template).isoformat(),
        "template": template, "traditional": False, "encoding": "utf-8",
        "active": {}, "applications": {}, "review_litigation": {}, "narrative": {}, "problems": [],
        "region": place["province"], "blank_cells": [], "inconsistent": None, "inferred": [],
    }
    variant = {"subtotal_rows": False, "subtotal_column": False, "units": False, "thousands": False,
               "fullwidth_digits": False, "inconsistent": False, "blank": False, "glued": [],
               "zeros_blank": False, "portal": _portal(rng, place, level)}
    truth["variant"] = variant
    if template == "pre2019":
        truth["narrative"] = _narrative(rng)
    else:
        _fill_tables(rng, truth)
    variant["thousands"] = _largest_figure(truth) >= 1000 and rng.random() < 0.45
    variant["fullwidth_digits"] = rng.random() < 0.08
    # Drawn last, so that every other choice of a report is the same with or without it.
    if template != "pre2019" and rng.random() < ZEROS_BLANK_SHARE and not (
            variant["blank"] or variant["inconsistent"] or variant["subtotal_rows"] or variant["subtotal_column"]):
        _blank_zeros(rng, truth)
    return truth


def _template_of(year: int) -> str:
    return "2021" if year >= 2021 else "2019" if year >= 2019 else "pre2019"


def _choose_template(rng: random.Random, years: range) -> str:
    """Balanced by template, not by year: 11 of the 17 default years predate 2019."""
    available = sorted({_template_of(y) for y in years})
    if not available:
        raise ValueError("years is empty")
    return rng.choices(available, weights=[TEMPLATE_WEIGHTS[t] for t in available])[0]


def _choose_place(rng: random.Random) -> dict:
    province, abbreviation, province_slug, cities = rng.choice(PLACES)
    city, city_slug, counties = rng.choice(cities)
    county, county_slug = rng.choice(counties.split()).split(":")
    return {"province": province, "abbreviation": abbreviation, "province_slug": province_slug,
            "city": city, "city_slug": city_slug, "county": county, "county_slug": county_slug,
            "municipality": province == city}


def _choose_level(rng: random.Random, place: dict) -> str:
    levels = ("city_government", "city_department", "county_government", "county_department", "township")
    weights = (8, 25, 15, 32, 12)
    if not place["municipality"]:  # a municipality's departments are its city departments
        levels, weights = levels + ("province_department",), weights + (10,)
    return rng.choices(levels, weights=weights)[0]


def _agency_name(rng: random.Random, place: dict, level: str) -> str:
    """某省某市某区民政局, 某县人民政府, 某市教育局, 某镇人民政府 …, prefixed as agencies sign."""
    province, city, county = place["province"], place["city"], place["county"]
    county_forms = [county, city + county]
    if level == "province_department":
        return province + rng.choice(PROVINCE_DEPARTMENTS)
    if level == "city_government":
        return city + "人民政府"
    if level == "city_department":
        return city + rng.choice(LOCAL_DEPARTMENTS)
    if level == "county_government":
        return rng.choice(county_forms) + "人民政府"
    if level == "county_department":
        if not place["municipality"]:
            county_forms.append(province + city + county)
        return rng.choice(county_forms) + rng.choice(LOCAL_DEPARTMENTS)
    township = rng.choice(TOWNSHIPS)
    return rng.choice(county_forms) + township + ("办事处" if township.endswith("街道") else "人民政府")


def _portal(rng: random.Random, place: dict, level: str) -> dict:
    """The site that publishes the report: the government the agency belongs to."""
    if level == "province_department":
        name, slug = place["province"] + "人民政府", place["province_slug"]
    elif level in ("city_government", "city_department"):
        name, slug = place["city"] + "人民政府", place["city_slug"]
    else:
        name = (place["county"] if place["municipality"] else place["city"] + place["county"]) + "人民政府"
        slug = place["county_slug"]
    seat = place["county"] if level in ("county_government", "county_department", "township") else place["city"]
    return {
        "name": name,
        "domain": f"www.{slug}.gov.cn",
        "abbreviation": place["abbreviation"],
        "icp": f"{place['abbreviation']}ICP备{rng.randrange(5000000, 20000000):08d}号-{rng.randint(1, 3)}",
        "site_code": f"{rng.randrange(10**9, 10**10)}",
        "address": f"{seat}{rng.choice(ROADS)}{rng.randint(1, 399)}号",
        "postcode": f"{rng.randrange(100000, 999999)}",
        "phone": f"0{rng.randint(310, 939)}-{rng.randrange(10**7, 10**8)}",
    }


def _publication_date(rng: random.Random, year: int, is_government: bool, template: str) -> datetime.date:
    """Departments publish by 31 January and governments by 31 March (since 2019); before, by 31 March."""
    start = datetime.date(year + 1, 1, 3)
    by_march = is_government or template == "pre2019"
    last_day = datetime.date(year + 1, 3 if by_march else 1, 31)
    return start + datetime.timedelta(days=rng.randint(0, (last_day - start).days))


def _narrative(rng: random.Random) -> dict:
    return {
        "proactive_total": rng.randint(20, 3000) if rng.random() < 0.8 else rng.randint(4, 19),
        "applications_received": 0 if rng.random() < 0.35 else rng.randint(1, 300),
        "reviews": 0 if rng.random() < 0.6 else rng.randint(1, 6),
        "lawsuits": 0 if rng.random() < 0.7 else rng.randint(1, 4),
    }


def _fill_tables(rng: random.Random, truth: dict) -> None:
    template, variant = truth["template"], truth["variant"]
    scale = rng.choices([s for _, s in SCALES], weights=[p for p, _ in SCALES])[0]
    truth["active"] = _active(rng, template)
    applications = _applications(rng, template, scale)
    truth["applications"] = applications
    truth["review_litigation"] = _review_litigation(rng)

    variant["units"] = rng.random() < 0.3
    variant["blank"] = rng.random() < 0.05
    # A 小计 printed beside a blank cell would have to reveal the hidden figure: never both.
    variant["subtotal_rows"] = not variant["blank"] and rng.random() < 0.2
    variant["subtotal_column"] = not variant["blank"] and rng.random() < 0.2
    variant["inconsistent"] = rng.random() < 0.03

    outcome_rows = [key for key, _group, _label in OUTCOME_ROWS[template]]
    if variant["inconsistent"]:
        row = rng.choice(outcome_rows)
        # Six distinct figures sum to at least 15: the written total stays positive.
        applications[row]["total"] += rng.choice((-3, -2, -1, 1, 2, 3))
        truth["inconsistent"] = [row, "total"]
    if variant["blank"]:
        # Non-zero figures: a blank 0 that its row total proves is a case of its own (_blank_zeros).
        cells = rng.sample([(row, column) for row in outcome_rows for column in APPLICANT_COLUMNS
                            if applications[row][column]], 2)
        for row, column in cells:
            del applications[row][column]
        truth["blank_cells"] = [["applications", row, column] for row, column in cells]
    variant["glued"] = _glued_cells(rng, truth)


def _active(rng: random.Random, template: str) -> dict:
    """表二; figures drawn per field, by how large such a figure runs in real reports."""
    def documents(low: int, high: int) -> dict:
        if template == "2021":
            issued, repealed = rng.randint(low, high), rng.randint(0, high // 2)
            return {"issued": issued, "repealed": repealed, "in_force": issued + rng.randint(high, 12 * high)}
        new_made = rng.randint(low, high)
        return {"new_made": new_made, "new_published": rng.randint(max(0, new_made - 2), new_made),
                "total_published": new_made + rng.randint(high, 12 * high)}

    def matters(largest: int) -> dict:
        decisions = rng.randint(0, largest) if rng.random() < 0.85 else 0
        if template == "2021":
            return {"decisions": decisions}
        return {"prev_items": rng.randint(1, 200), "change": rng.randint(-30, 30), "decisions": decisions}

    def amount(largest: int) -> float:
        return 0.0 if rng.random() < 0.25 else round(rng.uniform(0.5, largest), rng.choice((0, 1, 2)))

    active = {"rules": documents(0, 5), "normative_docs": documents(1, 30),
              "licensing": matters(30000), "penalty": matters(5000), "coercion": matters(500)}
    if template == "2021":
        active["fees"] = {"amount": amount(8000)}
    else:
        active["other_services"] = matters(2000)
        active["fees"] = {"prev_items": rng.randint(0, 40), "change": rng.randint(-10, 10)}
        active["procurement"] = {"items": rng.randint(0, 600), "amount": amount(50000)}
    return active


def _applications(rng: random.Random, template: str, scale: float) -> dict:
    """表三 satisfying every 勾稽关系, with each row's six applicant figures distinct.

    Distinct figures make a cell read from the wrong column detectable; a row holds at most one
    zero. Drawn again until the derived rows (totals, carried over/forward, new) are distinct too.
    """
    outcome_rows = [key for key, _group, _label in OUTCOME_ROWS[template]]
    while True:
        table = {row: _distinct_row(rng, scale * ROW_WEIGHTS[row]) for row in outcome_rows}
        processed = {c: sum(table[row][c] for row in outcome_rows) for c in APPLICANT_COLUMNS}
        forward = _distinct_row(rng, scale * 0.8)
        over = {c: min(value, processed[c] + forward[c] - 1) for c, value in _distinct_row(rng, scale * 0.8).items()}
        new = {c: processed[c] + forward[c] - over[c] for c in APPLICANT_COLUMNS}
        derived = (processed, forward, over, new)
        if all(len(set(row.values())) == len(APPLICANT_COLUMNS) for row in derived):
            break
    ordered = {"new_received": new, "carried_over": over, **table,
               "total_processed": processed, "carried_forward": forward}
    return {row: {**values, "total": sum(values.values())} for row, values in ordered.items()}


def _distinct_row(rng: random.Random, magnitude: float) -> dict:
    row, used = {}, set()
    for column in APPLICANT_COLUMNS:
        value = max(1, round(magnitude * COLUMN_WEIGHTS[column] * rng.uniform(0.4, 1.6)) + rng.randint(0, 4))
        while value in used:
            value += rng.randint(1, 3)
        used.add(value)
        row[column] = value
    if rng.random() < 0.15:
        row[rng.choice(APPLICANT_COLUMNS[1:])] = 0
    return row


def _review_litigation(rng: random.Random) -> dict:
    result = {}
    for group in REVIEW_GROUPS:
        busy = rng.random() < 0.7
        counts = {outcome: rng.randint(0, 12) if busy else 0 for outcome in REVIEW_OUTCOMES[:-1]}
        result[group] = {**counts, "total": sum(counts.values())}
    return result


def _blank_zeros(rng: random.Random, truth: dict) -> None:
    """Shanghai's way: many rows are all 0, and every 0 of 表三 and 表四 is printed empty.

    The truth follows SCHEMA.md: an empty cell among cells whose printed total equals their
    printed sum is 0 and listed in `inferred`; any other empty cell (a total, or a cell
    whose total is empty too) is not in the truth and is listed in `blank_cells`.
    """
    truth["variant"]["zeros_blank"] = True
    applications = truth["applications"]
    outcome_rows = [key for key, _group, _label in OUTCOME_ROWS[truth["template"]]]
    for row in outcome_rows[1:]:
        if rng.random() < 0.6:
            applications[row] = dict.fromkeys(APPLICANT_COLUMNS, 0)
    processed = {c: sum(applications[row][c] for row in outcome_rows) for c in APPLICANT_COLUMNS}
    forward = applications["carried_forward"]
    over = {c: min(applications["carried_over"][c], processed[c] + forward[c]) for c in APPLICANT_COLUMNS}
    new = {c: processed[c] + forward[c] - over[c] for c in APPLICANT_COLUMNS}
    for row, values in (("new_received", new), ("carried_over", over), ("total_processed", processed)):
        applications[row] = values
    for row, values in applications.items():
        applications[row] = {**{c: values[c] for c in APPLICANT_COLUMNS},
                             "total": sum(values[c] for c in APPLICANT_COLUMNS)}
    sums = [(("applications", row, "total"), [("applications", row, c) for c in APPLICANT_COLUMNS])
            for row in applications]
    sums += [(("applications", "total_processed", c), [("applications", row, c) for row in outcome_rows])
             for c in APPLICANT_COLUMNS]
    sums += [(("review_litigation", group, "total"), [("review_litigation", group, o) for o in REVIEW_OUTCOMES[:4]])
             for group in REVIEW_GROUPS]
    proven = set()
    for total, members in sums:  # a printed (non-zero) total proves its empty members 0, but no total
        if truth[total[0]][total[1]][total[2]]:
            proven.update(cell for cell in members
                          if truth[cell[0]][cell[1]][cell[2]] == 0 and cell[1] != "total_processed")
    for table in ("applications", "review_litigation"):
        for row, values in truth[table].items():
            for column, value in list(values.items()):
                if value == 0 and (table, row, column) in proven:
                    truth["inferred"].append(f"{table}.{row}.{column}")
                elif value == 0:
                    del values[column]
                    truth["blank_cells"].append([table, row, column])
    for table in ("applications", "review_litigation"):
        truth[table] = {row: values for row, values in truth[table].items() if values}
    truth["variant"]["glued"] = [[row, columns] for row, columns in truth["variant"]["glued"]
                                 if all(applications[row].get(c) for c in columns)]


def _glued_cells(rng: random.Random, truth: dict) -> list:
    """About two 表三 rows whose two or three adjacent applicant cells the 'glued' layout joins.

    Rows holding a blank or the inconsistent cell are spared: their sums could never split them.
    """
    spared = {row for _table, row, _column in truth["blank_cells"]}
    if truth["inconsistent"]:
        spared.add(truth["inconsistent"][0])
    candidates = [row for row in truth["applications"] if row not in spared]
    glued = []
    for row in rng.sample(candidates, rng.choice((1, 2, 2, 2, 3))):
        width = rng.choice((2, 3))
        start = rng.randint(0, len(APPLICANT_COLUMNS) - width)
        glued.append([row, list(APPLICANT_COLUMNS[start:start + width])])
    return glued


def _largest_figure(truth: dict) -> float:
    tables = (truth["active"], truth["applications"], truth["review_litigation"])
    figures = [abs(v) for table in tables for row in table.values() for v in row.values()]
    return max(figures + list(truth["narrative"].values()) + [0])
