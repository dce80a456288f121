"""`govreports report`: one self-contained HTML page of plots about the corpus.

Before reading figures a researcher wants to see what the corpus covers (years, provinces,
templates), what it says (applications, outcomes, reconsideration and lawsuit rates), how far
to trust it (problems by kind) and what the crawl missed (registry sites that yielded
nothing). Plots are drawn with matplotlib and embedded as base64 PNGs, so the page is one
file that opens anywhere, offline. Only current report versions count.
"""
import base64
import html
import io
import json
import statistics
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib.ticker import StrMethodFormatter  # noqa: E402

from corpus import checks  # noqa: E402
from corpus.problems import kind_of  # noqa: E402

# Debian's fonts-wqy-microhei (system-packages.txt) draws the Chinese labels; the others where installed.
FONTS = ["WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", "DejaVu Sans"]
TEMPLATE_COLOURS = {"pre2019": "#9aa5b1", "2019": "#e0a040", "2021": "#3c7dc4", "unknown": "#d05050"}
TEMPLATE_NAMES = {"pre2019": "before 2019 (prose)", "2019": "2019 template", "2021": "2021 template",
                  "unknown": "template not recognised"}
OUTCOME_GROUPS = [  # (label, row keys or prefix), in the order of 表三
    ("予以公开 disclosed", ("disclosed",)), ("部分公开 partly", ("partially_disclosed",)),
    ("不予公开 withheld", "withheld_"), ("无法提供 unavailable", "unavailable_"),
    ("不予处理 not handled", "rejected_"), ("其他处理 other", "other_"),
]
OUTCOME_COLOURS = ["#2e7d32", "#81c784", "#c62828", "#ef8a62", "#7b5ea7", "#9aa5b1"]
UNRESOLVED = "(未识别 unresolved)"

SECTIONS = {  # id -> (title, what the plot shows)
    "reports-per-year": ("Reports per year", "Current reports by the year they cover, coloured by template."),
    "reports-per-province": ("Reports per province and year",
                             "Current reports by province (from agency_regions) and year covered."),
    "applications": ("Applications received over time",
                     "Applications for disclosure received: the sum over reports (bars) and the median report "
                     "(line). 表三 本年新收 from 2019 on, the figure in the prose before."),
    "outcomes": ("Outcome shares", "How the applications handled each year ended (表三 column 总计), "
                                   "as shares of all outcomes; 2019 and 2021 templates."),
    "review-lawsuit": ("Reconsideration and lawsuit rates",
                       "Cases per 100 applications received, over reports stating both figures."),
    "problems": ("Reports with problems, by kind",
                 "Reports whose own checks failed (grey) or that fail a check across reports (red)."),
    "coverage": ("Registry coverage", "Sites of crawler/sites.toml and what the crawl got from them."),
}


def write_report(db, out, *, registry=None) -> None:
    """Write the overview page of the corpus in `db` to `out`; `registry`: sites by key (default sites.toml)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(db, registry=registry), encoding="utf-8")


def render(db, *, registry=None) -> str:
    plt.rcParams["font.sans-serif"] = FONTS
    plt.rcParams["axes.unicode_minus"] = False
    reports = current_reports(db)
    cells = figures(db)
    own, corpus = problem_counts(db, reports)
    plots = {
        "reports-per-year": (plot_reports_per_year(reports), reports_facts(reports)),
        "reports-per-province": (plot_province_year(reports), province_facts(reports)),
        "applications": (plot_applications(reports, cells), applications_facts(reports, cells)),
        "outcomes": (plot_outcomes(reports, cells), outcome_facts(reports, cells)),
        "review-lawsuit": (plot_rates(reports, cells), rate_facts(reports, cells)),
        "problems": (plot_problems(own, corpus, len(reports)), problem_facts(own, corpus, len(reports))),
    }
    bodies = {key: figure_html(fig, f"{SECTIONS[key][0]}. {SECTIONS[key][1]} {facts}".strip())
              for key, (fig, facts) in plots.items()}
    bodies["coverage"] = coverage_html(db, registry)
    sections = "\n".join(
        f'<section id="{key}"><h2>{html.escape(title)}</h2><p class="note">{html.escape(note)}</p>{bodies[key]}</section>'
        for key, (title, note) in SECTIONS.items())
    return PAGE.format(summary=summary_html(db, reports), sections=sections,
                       generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


def current_reports(db) -> list[dict]:
    rows = db.query("""SELECT r.id, r.agency, r.year, r.template, r.problems, g.province, g.method
                       FROM reports r LEFT JOIN agency_regions g ON g.agency = r.agency WHERE r.current = 1""")
    return [dict(row, problems=json.loads(row["problems"] or "[]")) for row in rows]


def figures(db) -> dict[int, dict]:
    """report id -> {(table, row, col): value} for the cells the plots use."""
    found = defaultdict(dict)
    for report_id, table, row, col, value in db.execute(
            """SELECT c.report_id, c.table_name, c.row_key, c.col_key, c.value FROM cells c
               JOIN reports r ON r.id = c.report_id
               WHERE r.current = 1 AND c.value IS NOT NULL AND (c.table_name IN ('narrative', 'review_litigation')
                  OR (c.table_name = 'applications' AND c.col_key = 'total'))"""):
        found[report_id][table, row, col] = value
    return found


def received(cells: dict):
    return cells.get(("applications", "new_received", "total"), cells.get(("narrative", "applications_received", "value")))


def cases(cells: dict) -> tuple:
    """(reconsiderations, lawsuits) from 表四 or, before 2019, the prose."""
    if ("review_litigation", "review", "total") in cells:
        return (cells[("review_litigation", "review", "total")],
                cells.get(("review_litigation", "suit_direct", "total"), 0)
                + cells.get(("review_litigation", "suit_after_review", "total"), 0))
    return cells.get(("narrative", "reviews", "value")), cells.get(("narrative", "lawsuits", "value"))


# ---- plots ------------------------------------------------------------------------------------

def new_figure(height=4.2):
    fig, ax = plt.subplots(figsize=(10, height), dpi=100)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def no_data(ax, text="no data in the corpus yet"):
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=14, color="#777")
    ax.set_axis_off()


def year_axis(ax, years, counts=None):
    """Years as ticks; with `counts` ({year: n}), each year's number of reports under it."""
    ax.set_xticks(years)
    if counts:
        ax.set_xticklabels([f"{year}\nn={counts[year]}" for year in years], fontsize=8)
    else:
        ax.set_xticklabels([str(year) for year in years], rotation=45 if len(years) > 10 else 0)


def template_break(ax, years):
    """The 2019 template brought the tables: figures before and after are read differently."""
    if min(years) < 2019 <= max(years):
        ax.axvline(2018.5, color="#999", linestyle="--", linewidth=1)
        ax.text(2018.6, 0.98, "tables from 2019 on", transform=ax.get_xaxis_transform(), va="top", fontsize=8,
                color="#666")


def plot_reports_per_year(reports):
    fig, ax = new_figure()
    counts = Counter((r["year"], r["template"]) for r in reports if r["year"] is not None)
    years = sorted({year for year, _ in counts})
    if not years:
        no_data(ax)
        return fig
    bottom = [0] * len(years)
    for template, colour in TEMPLATE_COLOURS.items():
        heights = [counts.get((year, template), 0) for year in years]
        if any(heights):
            ax.bar(years, heights, bottom=bottom, color=colour, label=TEMPLATE_NAMES[template])
            bottom = [b + h for b, h in zip(bottom, heights)]
    year_axis(ax, years)
    ax.set_ylabel("reports")
    ax.legend(title="format of the tables", frameon=False)
    return fig


def plot_province_year(reports):
    counts = Counter((r["province"] or UNRESOLVED, r["year"]) for r in reports if r["year"] is not None)
    provinces = sorted({p for p, _ in counts}, key=lambda p: (p == UNRESOLVED, -sum(
        n for (q, _), n in counts.items() if q == p)))
    years = sorted({y for _, y in counts})
    fig, ax = new_figure(height=max(3.0, 0.38 * len(provinces) + 1.4))
    if not years:
        no_data(ax)
        return fig
    grid = [[counts.get((p, y), 0) for y in years] for p in provinces]
    image = ax.imshow(grid, aspect="auto", cmap="Blues")
    ax.set_yticks(range(len(provinces)))
    ax.set_yticklabels(provinces)
    ax.set_xticks(range(len(years)))
    ax.set_xticklabels([str(y) for y in years], rotation=45)
    peak = max(max(row) for row in grid)
    for i, row in enumerate(grid):
        for j, n in enumerate(row):
            if n:
                ax.text(j, i, n, ha="center", va="center", fontsize=8, color="white" if n > peak / 2 else "#333")
    fig.colorbar(image, ax=ax, label="reports", fraction=0.03)
    fig.tight_layout()
    return fig


def received_per_year(reports, cells) -> dict[int, list]:
    per_year = defaultdict(list)
    for r in reports:
        value = received(cells.get(r["id"], {}))
        if r["year"] is not None and value is not None:
            per_year[r["year"]].append(value)
    return per_year


def plot_applications(reports, cells):
    per_year = received_per_year(reports, cells)
    fig, ax = new_figure()
    if not per_year:
        no_data(ax)
        return fig
    years = sorted(per_year)
    ax.bar(years, [sum(per_year[y]) for y in years], color="#3c7dc4", label="sum over reports")
    ax.set_ylabel("applications received (sum)")
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    median_axis = ax.twinx()
    median_axis.plot(years, [statistics.median(per_year[y]) for y in years], color="#d07020", marker="o",
                     label="median report")
    median_axis.set_ylabel("median report", color="#d07020")
    median_axis.spines[["top"]].set_visible(False)
    median_axis.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    year_axis(ax, years, {year: len(per_year[year]) for year in years})
    template_break(ax, years)
    fig.legend(loc="upper left", bbox_to_anchor=(0.12, 0.93), frameon=False)
    fig.tight_layout()
    return fig


def outcome_sums(reports, cells) -> dict[int, list[float]]:
    sums = defaultdict(lambda: [0.0] * len(OUTCOME_GROUPS))
    for r in reports:
        if r["template"] not in ("2019", "2021") or r["year"] is None:
            continue
        for (table, row, _col), value in cells.get(r["id"], {}).items():
            for i, (_label, keys) in enumerate(OUTCOME_GROUPS):
                if table == "applications" and (row in keys if isinstance(keys, tuple) else row.startswith(keys)):
                    sums[r["year"]][i] += value
    return {year: values for year, values in sums.items() if sum(values) > 0}


def plot_outcomes(reports, cells):
    sums = outcome_sums(reports, cells)
    fig, ax = new_figure()
    if not sums:
        no_data(ax, "no 2019- or 2021-template reports yet")
        return fig
    years = sorted(sums)
    bottom = [0.0] * len(years)
    for i, ((label, _keys), colour) in enumerate(zip(OUTCOME_GROUPS, OUTCOME_COLOURS)):
        shares = [100 * sums[y][i] / sum(sums[y]) for y in years]
        ax.bar(years, shares, bottom=bottom, color=colour, label=label)
        for year, share, base in zip(years, shares, bottom):
            if share >= 6:
                ax.text(year, base + share / 2, f"{share:.0f}%", ha="center", va="center", fontsize=8, color="white")
        bottom = [b + s for b, s in zip(bottom, shares)]
    year_axis(ax, years)
    ax.set_ylim(0, 100)
    ax.set_ylabel("share of applications handled (%)")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    fig.tight_layout()
    return fig


def rate_totals(reports, cells) -> dict[int, list]:
    """year -> [applications received, reconsiderations, lawsuits, reports], over reports stating all three."""
    totals = defaultdict(lambda: [0.0, 0.0, 0.0, 0])
    for r in reports:
        figures_ = cells.get(r["id"], {})
        got, (reviews, suits) = received(figures_), cases(figures_)
        if r["year"] is not None and got and reviews is not None and suits is not None:
            for i, value in enumerate((got, reviews, suits, 1)):
                totals[r["year"]][i] += value
    return totals


def plot_rates(reports, cells):
    totals = rate_totals(reports, cells)
    fig, ax = new_figure()
    if not totals:
        no_data(ax)
        return fig
    years = sorted(totals)
    ax.plot(years, [100 * totals[y][1] / totals[y][0] for y in years], marker="o", color="#7b5ea7",
            label="行政复议 reconsiderations")
    ax.plot(years, [100 * totals[y][2] / totals[y][0] for y in years], marker="s", color="#c62828",
            label="行政诉讼 lawsuits")
    year_axis(ax, years, {year: totals[year][3] for year in years})
    template_break(ax, years)
    ax.set_ylabel("cases per 100 applications")
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False)
    return fig


def problem_counts(db, reports) -> tuple[Counter, Counter]:
    """Reports per kind of their own problems, and per corpus check."""
    own = Counter(kind for r in reports for kind in {kind_of(p) for p in r["problems"]})
    current = {r["id"] for r in reports}
    corpus = Counter(check for check, report_id in {(row["check"], row["report_id"]) for row in db["corpus_problems"].rows}
                     if report_id in current) if "corpus_problems" in db.table_names() else Counter()
    return own, corpus


def plot_problems(own: Counter, corpus: Counter, total: int):
    bars = [(kind, n, "#9aa5b1") for kind, n in own.most_common()] + \
           [(checks.CHECK_TITLES[check], n, "#c62828") for check, n in corpus.most_common()]
    fig, ax = new_figure(height=max(2.6, 0.42 * len(bars) + 1.2))
    if not bars:
        no_data(ax, "no problems found")
        return fig
    labels = [kind for kind, _, _ in bars][::-1]
    counts = [n for _, n, _ in bars][::-1]
    ax.barh(labels, counts, color=[c for _, _, c in bars][::-1])
    for y, n in enumerate(counts):
        share = 100 * n / total
        ax.text(n, y, f" {n} ({share:.0f}%)" if share >= 1 else f" {n} (<1%)", va="center", fontsize=9)
    ax.set_xlabel(f"reports (of {total} current)")
    ax.set_xlim(0, max(counts) * 1.18)
    fig.tight_layout()
    return fig


def figure_html(fig, alt: str) -> str:
    """The figure as an embedded PNG; `alt` says what it shows to whoever cannot see it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


# ---- what each plot shows, in words (its alt text) ---------------------------------------------

def reports_facts(reports) -> str:
    years = [r["year"] for r in reports if r["year"] is not None]
    if not years:
        return "No reports yet."
    templates = Counter(r["template"] for r in reports)
    return (f"{len(reports)} reports on {min(years)}–{max(years)}: "
            + ", ".join(f"{TEMPLATE_NAMES.get(t, t)} {n}" for t, n in templates.most_common()) + ".")


def applications_facts(reports, cells) -> str:
    per_year = received_per_year(reports, cells)
    if not per_year:
        return "No figures yet."
    year = max(per_year)
    return (f"{year}: {sum(per_year[year]):,.0f} applications over {len(per_year[year])} reports, "
            f"median report {statistics.median(per_year[year]):,.0f}.")


def outcome_facts(reports, cells) -> str:
    sums = outcome_sums(reports, cells)
    if not sums:
        return "No 2019- or 2021-template reports yet."
    year = max(sums)
    return f"{year}: " + ", ".join(f"{label} {100 * value / sum(sums[year]):.0f}%"
                                   for (label, _keys), value in zip(OUTCOME_GROUPS, sums[year])) + "."


def rate_facts(reports, cells) -> str:
    totals = rate_totals(reports, cells)
    if not totals:
        return "No figures yet."
    year = max(totals)
    got, reviews, suits, count = totals[year]
    return (f"{year}: {100 * reviews / got:.1f} reconsiderations and {100 * suits / got:.1f} lawsuits "
            f"per 100 applications, over {count} reports.")


def province_facts(reports) -> str:
    counts = Counter(r["province"] or UNRESOLVED for r in reports)
    return "Most reports: " + ", ".join(f"{province} {n}" for province, n in counts.most_common(5)) + "." \
        if counts else "No reports yet."


def problem_facts(own: Counter, corpus: Counter, total: int) -> str:
    if not own and not corpus:
        return "No problems found."
    return (f"Of {total} reports: " + ", ".join(f"{kind} {n}" for kind, n in own.most_common())
            + ("; " if own and corpus else "")
            + ", ".join(f"{checks.CHECK_TITLES[check]} {n}" for check, n in corpus.most_common()) + ".")


# ---- registry coverage --------------------------------------------------------------------------

def load_registry():
    from crawler import registry
    return registry.load()


def coverage(db, sites) -> dict:
    """Documents (pages and files) and current reports per registry site, and hosts no site claims.

    A document belongs to the site the crawl listed it under (documents.site), else to the site
    whose column hosts serve it: the replica's sites get their hosts only when it starts, and an
    attachment may live on another host than its page.
    """
    by_host = {host: site.key for site in sites.values() for host in site.hosts}
    documents, reports, others = Counter(), Counter(), defaultdict(lambda: [0, 0])
    imported = 0
    for url, site, n_reports in db.execute("""SELECT d.url, d.site, count(r.id) FROM documents d
                                              LEFT JOIN reports r ON r.document_sha256 = d.sha256 AND r.current = 1
                                              GROUP BY d.sha256"""):
        host = urlsplit(url).hostname if url and url.startswith(("http://", "https://")) else None
        key = site if site in sites else by_host.get(host)
        if key:
            documents[key] += 1
            reports[key] += n_reports
        elif host:
            others[host][0] += 1
            others[host][1] += n_reports
        else:
            imported += 1
    blocked = Counter(dict(db.execute("SELECT site, count(*) FROM blocked GROUP BY site").fetchall())) \
        if "blocked" in db.table_names() else Counter()
    rows = [{"key": site.key, "agency": site.agency, "family": site.family, "hosts": list(site.hosts),
             "documents": documents[site.key], "reports": reports[site.key], "blocked": blocked[site.key],
             "replica": site.replica} for site in sites.values()]
    return {"sites": rows, "other_hosts": {host: tuple(counts) for host, counts in others.items()},
            "crawled": sum(documents.values()) + sum(d for d, _r in others.values()), "imported": imported}


def coverage_html(db, registry) -> str:
    try:
        sites = registry if registry is not None else load_registry()
    except (ImportError, OSError, ValueError) as error:
        return f'<p class="warn">The site registry could not be read ({html.escape(str(error))}).</p>'
    found = coverage(db, sites)
    parts = []
    if not found["crawled"]:
        parts.append(f'<p class="warn">No crawl data: the {found["imported"]} documents in the database were all '
                     f'imported from files (<code>govreports parse</code>), so no site can be said to have yielded '
                     f'anything or nothing. The registry lists {len(sites)} sites.</p>')
    else:
        silent = [row["key"] for row in found["sites"] if row["hosts"] and not row["documents"]]
        parts.append(f'<p>{found["crawled"]} documents were crawled, {found["imported"]} imported from files. '
                     + (f'<strong>Sites that yielded nothing: {html.escape(", ".join(silent))}.</strong>'
                        if silent else "Every site with known hosts yielded documents.") + "</p>")
    header = "<tr><th>site</th><th>agency</th><th>family</th><th>hosts</th><th>documents (pages and files)</th>" \
             "<th>current reports</th><th>blocked</th></tr>"
    body = "".join(
        f'<tr class="{"empty" if found["crawled"] and row["hosts"] and not row["documents"] else ""}">'
        f'<td>{html.escape(row["key"])}</td><td>{html.escape(row["agency"])}</td><td>{row["family"]}</td>'
        f'<td>{html.escape(", ".join(row["hosts"]) or ("set when the replica starts" if row["replica"] else "—"))}'
        f'</td><td>{row["documents"]}</td><td>{row["reports"]}</td><td>{row["blocked"]}</td></tr>'
        for row in found["sites"])
    parts.append(f"<table>{header}{body}</table>")
    if found["other_hosts"]:
        hosts = ", ".join(f"{html.escape(h)} ({d} documents, {r} reports)"
                          for h, (d, r) in sorted(found["other_hosts"].items()))
        parts.append(f"<p>Hosts no registry site claims (ad-hoc crawls, the replica portal): {hosts}</p>")
    return "\n".join(parts)


# ---- the page ----------------------------------------------------------------------------------

def summary_html(db, reports) -> str:
    years = [r["year"] for r in reports if r["year"] is not None]
    agencies = {r["agency"] for r in reports if r["agency"]}
    resolved = {r["agency"] for r in reports if r["agency"] and r["province"]}
    with_problems = sum(1 for r in reports if r["problems"])
    failed = Counter(dict(db.execute('SELECT "check", count(DISTINCT report_id) FROM corpus_problems GROUP BY 1')
                          .fetchall())) if "corpus_problems" in db.table_names() else Counter()
    failing = db.execute("SELECT count(DISTINCT report_id) FROM corpus_problems").fetchone()[0] if failed else 0
    versions = db.execute("SELECT count(*) FROM reports").fetchone()[0]
    facts = [
        ("current reports", f"{len(reports)}", f"{versions} versions stored"),
        ("years covered", f"{min(years)}–{max(years)}" if years else "—", ""),
        ("agencies", f"{len(agencies)}", f"{len(resolved)} placed in a region"
         + (f" ({100 * len(resolved) / len(agencies):.0f}%)" if agencies else "")),
        ("provinces", f"{len({r['province'] for r in reports if r['province']})}", ""),
        ("own checks failed", f"{with_problems}", "reports with at least one problem"),
        ("corpus checks failed", f"{failing}", ", ".join(f"{checks.CHECK_TITLES[check]}: {n}"
                                                          for check, n in failed.most_common()) or "none failed"),
    ]
    return "".join(f'<div class="fact"><div class="value">{html.escape(value)}</div><div class="name">'
                   f'{html.escape(name)}</div><div class="more">{html.escape(more)}</div></div>'
                   for name, value, more in facts)


PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>政府信息公开工作年度报告 · corpus overview</title>
<style>
body {{ font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; margin: 0 auto; max-width: 1080px;
       padding: 24px; color: #222; background: #fafafa; }}
h1 {{ font-size: 26px; margin-bottom: 4px; }}
h2 {{ font-size: 20px; margin: 0 0 4px; }}
section {{ background: white; border: 1px solid #e2e2e2; border-radius: 6px; padding: 18px; margin: 18px 0; }}
img {{ max-width: 100%; }}
.note {{ color: #555; margin-top: 0; font-size: 14px; }}
.facts {{ display: flex; flex-wrap: wrap; gap: 12px; }}
.fact {{ background: white; border: 1px solid #e2e2e2; border-radius: 6px; padding: 10px 14px; min-width: 140px; flex: 1; }}
.fact .value {{ font-size: 24px; font-weight: bold; }}
.fact .more {{ color: #777; font-size: 12px; }}
table {{ border-collapse: collapse; font-size: 14px; width: 100%; }}
th, td {{ border-bottom: 1px solid #e2e2e2; padding: 4px 8px; text-align: left; }}
tr.empty td {{ background: #fdecea; }}
.warn {{ background: #fff7e0; border-left: 4px solid #e0a040; padding: 8px 12px; }}
footer {{ color: #888; font-size: 12px; }}
</style></head>
<body>
<h1>政府信息公开工作年度报告 · corpus overview</h1>
<p class="note">Government information-disclosure annual reports in the database: current versions only.</p>
<div class="facts">{summary}</div>
{sections}
<footer>Generated {generated} by <code>govreports report</code>.</footer>
</body></html>
"""
