"""`make reliability`: the scenarios of issue 7, and a table of what was survived.

SCENARIOS maps a name to a function returning a dict of counts under the names in METRICS
(plus "failures": one sentence per thing that went wrong). The runner adds the counts up,
prints the table, writes it into output/reliability.json and exits 1 when anything was not
survived, contained or zero that must be. The parser-side scenarios are here: hostile
inputs, regular expressions, fuzzing and storage faults; the crawler-side ones (faults
injected by the replica portal, kill -9 of crawls) are more functions for the same registry,
counting "faults injected", "faults survived", "kills", "kills survived", "records lost" and
"duplicates".

The cases come from the modules the tests use (hostile_inputs, fuzzing, storage_faults),
so a scenario here and its test never disagree on what was tried.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

from reliability import crawl as reliability_crawl
from reliability import fuzzing, hostile_inputs, portals, storage_faults

RELIABILITY_JSON = Path("output/reliability.json")
FUZZ_EXAMPLES = 2000
METRICS = ("faults injected", "faults survived", "faults not injectable here", "kills", "kills survived",
           "hostile inputs tried", "hostile inputs contained", "regexes probed", "regexes linear",
           "fuzz cases run", "fuzz counterexamples", "records lost", "duplicates", "orphans")
MUST_BE_ZERO = ("fuzz counterexamples", "records lost", "duplicates", "orphans")
# A row that tried nothing proves nothing: each of these must be above 0 whenever a scenario
# that counts it ran (0 / 0 is a failure, not a pass).
MUST_TRY = ("faults injected", "kills", "hostile inputs tried", "regexes probed", "fuzz cases run")
PEAK_RSS_MB = 1024  # no scenario may take more (its own process's peak, or its children's)
MUST_MATCH = (("faults injected", "faults survived"), ("kills", "kills survived"),
              ("hostile inputs tried", "hostile inputs contained"), ("regexes probed", "regexes linear"))
ROWS = (  # the printed table: a label and the metrics it shows, joined by " / "
    ("faults injected / survived", ("faults injected", "faults survived")),
    ("faults not injectable here", ("faults not injectable here",)),
    ("kills / survived", ("kills", "kills survived")),
    ("hostile inputs tried / contained", ("hostile inputs tried", "hostile inputs contained")),
    ("regexes probed / linear", ("regexes probed", "regexes linear")),
    ("fuzz cases run", ("fuzz cases run",)),
    ("fuzz counterexamples (must be 0)", ("fuzz counterexamples",)),
    ("records lost (must be 0)", ("records lost",)),
    ("duplicates (must be 0)", ("duplicates",)),
    ("orphans after kills (must be 0)", ("orphans",)),
)


def run_hostile() -> dict:
    """Every case of hostile_inputs.CASES, bounded in time and memory (each case's are kept)."""
    outcomes = [hostile_inputs.contain(case) for case in hostile_inputs.CASES]
    return {"hostile inputs tried": len(outcomes),
            "hostile inputs contained": sum(outcome.contained for outcome in outcomes),
            "failures": [f"{outcome.name}: {outcome.failure}" for outcome in outcomes if not outcome.contained],
            "peak rss mb": max(outcome.peak for outcome in outcomes),  # each case resets the peak
            "measured": [{"case": outcome.name, "seconds": round(outcome.seconds, 2),
                          "bound_seconds": round(outcome.bound, 2), "megabytes": round(outcome.megabytes, 1)}
                         for outcome in outcomes]}


def run_regexes() -> dict:
    """Every regular expression of parsers/, probed for superlinear backtracking."""
    found = hostile_inputs.probe_regexes()
    slow = [finding for finding in found.values() if finding]
    return {"regexes probed": len(found), "regexes linear": len(found) - len(slow), "failures": slow}


def run_fuzz(examples: int = FUZZ_EXAMPLES) -> dict:
    """The fuzzing properties, `examples` cases shared among them."""
    share = max(1, examples // len(fuzzing.PROPERTIES))
    cases, failures = 0, []
    for name in fuzzing.PROPERTIES:
        before = fuzzing.CASES_RUN[name]
        try:
            fuzzing.run(name, share, database=None)
        except Exception as error:  # noqa: BLE001 — hypothesis raises the property's own failure
            failures.append(f"{name}: {type(error).__name__}: {str(error)[:500]}")
        cases += fuzzing.CASES_RUN[name] - before
    return {"fuzz cases run": cases, "fuzz counterexamples": len(failures), "failures": failures}


def run_storage_faults() -> dict:
    """Each storage fault that can be injected on this machine, in a folder of its own."""
    counts = {"faults injected": 0, "faults survived": 0, "faults not injectable here": 0,
              "records lost": 0, "duplicates": 0, "failures": []}
    for name, scenario in storage_faults.SCENARIOS.items():
        with tempfile.TemporaryDirectory(prefix="govreports-fault-") as folder:
            outcome = scenario(Path(folder))
        if outcome is None:
            counts["faults not injectable here"] += 1
            continue
        counts["faults injected"] += 1
        counts["faults survived"] += outcome.survived
        counts["records lost"] += len(outcome.lost)
        counts["duplicates"] += outcome.duplicates
        counts["failures"] += [f"{name}: {failure}" for failure in outcome.failures]
    return counts


SCENARIOS = {
    "hostile inputs": run_hostile,
    "regular expressions": run_regexes,
    "fuzzing": run_fuzz,
    "storage faults": run_storage_faults,
    "hostile portals": portals.run_portals,  # columns that never end, crawled
    "crawl CLI kills": portals.run_cli_kills,  # kill -9 of `govreports crawl`: its Scrapy child goes too
    **reliability_crawl.REGISTRY,  # faults injected by the replica, kill -9 of crawls, a full or read-only disk
}


def run_all(scenarios: dict) -> dict:
    """Run each scenario; one that raises counts as a failure of its own, and the rest still run."""
    results = {}
    for name, scenario in scenarios.items():
        started = time.perf_counter()
        children_before = _children_peak_mb()
        hostile_inputs.reset_peak()
        try:
            counts = scenario()
        except Exception as error:  # noqa: BLE001 — a broken scenario is reported, not fatal
            counts = {"failures": [f"the scenario raised {type(error).__name__}: {error}"]}
        counts["seconds"] = round(time.perf_counter() - started, 1)
        counts["peak rss mb"] = round(max(_scenario_peak_mb(children_before), counts.get("peak rss mb", 0)), 1)
        if counts["peak rss mb"] > PEAK_RSS_MB:
            counts.setdefault("failures", []).append(
                f"peak resident set {counts['peak rss mb']:.0f} MB, over {PEAK_RSS_MB} MB")
        results[name] = counts
        print(f"{name}: done in {counts['seconds']} s, peak RSS {counts['peak rss mb']} MB", file=sys.stderr,
              flush=True)
    return results


def _children_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _scenario_peak_mb(children_before: float) -> float:
    """The scenario's peak resident set: this process's since it started (VmHWM, reset before
    it), or its largest child process's, when that is larger than any child before it (Linux
    keeps only the largest child's peak over the whole run)."""
    children = _children_peak_mb()
    return max(hostile_inputs.peak_megabytes(), children if children > children_before else 0.0)


def totals(results: dict) -> dict:
    return {metric: sum(counts.get(metric, 0) for counts in results.values()) for metric in METRICS}


def problems(results: dict, summed: dict) -> list[str]:
    """Everything that makes the run fail: the scenarios' failures and the totals that disagree."""
    found = [f"{name}: {failure}" for name, counts in results.items() for failure in counts.get("failures", [])]
    found += [f"{metric} is {summed[metric]}, not 0" for metric in MUST_BE_ZERO if summed[metric]]
    found += [f"{tried} / {done}: {summed[tried]} / {summed[done]}" for tried, done in MUST_MATCH
              if summed[done] != summed[tried]]
    counted = {metric for counts in results.values() for metric in counts}
    found += [f"{metric} is 0: the row tried nothing" for metric in MUST_TRY if metric in counted and not summed[metric]]
    return list(dict.fromkeys(found))


def table(results: dict, summed: dict) -> str:
    lines = [f"{'reliability':36s} {'count':>12s}"]
    lines += [f"{label:36s} {' / '.join(str(summed[metric]) for metric in metrics):>12s}" for label, metrics in ROWS]
    lines.append("")
    lines.append(f"{'scenario':36s} {'seconds':>12s} {'peak RSS MB':>12s}")
    lines += [f"{name:36s} {counts['seconds']:>12.1f} {counts.get('peak rss mb', 0):>12.0f}"
              for name, counts in results.items()]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=FUZZ_EXAMPLES, help="fuzz cases, shared among the properties")
    parser.add_argument("--only", action="append", choices=list(SCENARIOS), help="run only this scenario (repeatable)")
    args = parser.parse_args(argv)
    chosen = {name: SCENARIOS[name] for name in args.only or SCENARIOS}
    if "fuzzing" in chosen:
        chosen["fuzzing"] = partial(run_fuzz, args.examples)
    results = run_all(chosen)
    summed = totals(results)
    found = problems(results, summed)
    print(table(results, summed))
    for problem in found:
        print(f"FAILED: {problem}")
    RELIABILITY_JSON.parent.mkdir(parents=True, exist_ok=True)
    RELIABILITY_JSON.write_text(json.dumps({"totals": summed, "scenarios": results, "failures": found,
                                            "ok": not found}, indent=2, ensure_ascii=False) + "\n")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
