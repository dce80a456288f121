"""Faults injected by the replica portal, met by real crawls (reliability.crawl.fault_scenario,
the same scenario `make reliability` runs): run 1 under a mix of every fault kind, run 2 on the
same port without faults."""
from urllib.parse import urlsplit

import pytest

from reliability import crawl as reliability_crawl
from reliability.crawl import DOWNLOAD_TIMEOUT, HANG_SECONDS, fault_scenario
from replica.server import FAULT_KINDS

pytestmark = pytest.mark.slow  # real crawls against injected faults


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    return fault_scenario(work=tmp_path_factory.mktemp("faults"))


def test_every_fault_kind_was_injected(scenario):
    kinds = {kind for _, _, kind in scenario.injected} | {"closed_port"}
    assert kinds == set(FAULT_KINDS)
    assert HANG_SECONDS > DOWNLOAD_TIMEOUT  # the hang outlasts the crawl's patience


def test_both_runs_finish(scenario):
    assert scenario.returncodes == [0, 0]
    assert [run["finish_reason"] for run in scenario.runs] == ["finished", "finished"]


def test_run_one_stores_every_report_served_correctly_with_every_cell_right(scenario):
    assert set(scenario.missing[0]) == scenario.expected_missing
    assert scenario.mismatched[0] == {}
    # what it gave up on: four pages or files of its own, and the whole site whose port was closed
    closed = {t["url"] for t in scenario.truth if t["site"] == scenario.closed_site and t.get("kind") != "seed"}
    assert len(scenario.expected_missing - closed) == 4


def test_every_failure_is_counted_in_crawl_runs_and_logged_with_its_url(scenario):
    run = scenario.runs[0]
    gave_up = [target for target in scenario.targets if target.gives_up]
    assert run["fetch_failed"] == len(gave_up) + 1  # and the closed site's column
    assert run["errors"] == run["fetch_failed"] + 1  # and the closed site's robots.txt
    assert run["offsite"] == 1  # the redirect to a host of no site, refused
    assert run["retries"] > 0  # the faults that a retry got past
    log = scenario.logs[0]
    for target in gave_up:
        assert f"{target.failed_url} failed" in log
    assert "redirect loop" in log and "where the file" in log and "is not a host of the crawled sites" in log
    assert set(run["failed_sites"].split(",")) == {"replica-trs", "replica-hanweb", "replica-generic"}
    assert run["reports_vanished"] == 0  # a site not read in full proves nothing gone


def test_the_next_run_fetches_what_failed(scenario):
    run = scenario.runs[1]
    assert run["reports_new"] == len(scenario.expected_missing)
    assert (run["errors"], run["failed_sites"], run["reports_vanished"]) == (0, "", 0)
    assert scenario.missing[1] == [] and scenario.mismatched[1] == {}


def test_the_corpus_ends_complete_without_loss_or_duplicates(scenario):
    assert scenario.failures == []
    counts = scenario.counts()
    assert counts["faults_injected"] == counts["faults_survived"] == len(scenario.injected) + 1 >= 20
    assert (counts["records_lost"], counts["duplicates"]) == (0, 0)


def test_run_faults_is_this_scenario_counted(monkeypatch, scenario):
    monkeypatch.setattr(reliability_crawl, "fault_scenario", lambda **_: scenario)
    assert reliability_crawl.run_faults() == scenario.counts()
    assert reliability_crawl.registry_counts(scenario.counts())["faults injected"] == len(scenario.injected) + 1


def test_the_redirect_to_another_host_was_refused_not_followed(scenario):
    [target] = [t for t in scenario.targets if t.rule == {"kind": "redirect_offsite"}]
    offsite = "http://127.0.0.9:" + str(urlsplit(target.report).port) + target.path
    assert f"not requesting {offsite}: '127.0.0.9' is not a host of the crawled sites (redirected from " \
           f"{target.report})" in scenario.logs[0]
    assert f"{target.report} failed (replica-generic): offsite host '127.0.0.9' (redirected to {offsite})" \
           in scenario.logs[0]
