"""playbooks/vrp_probe.yml against vrpsim under each reading of the open questions (docs/fidelity.md).

The probe must (1) send only displays in check mode, (2) in a real run leave the router exactly as it found it
(running configuration, no trial, the probe peer's routes following the restored policy), and (3) report the
reading the lab was set to: a probe that printed the same answer whatever the router did would settle nothing.
"""
import copy
import os
import shutil
import time

import pytest
import yaml
from harness import ROOT, assert_only_displays, commands_sent

DEMO = os.path.join(ROOT, "vrpsim", "topologies", "demo.yml")
PROBE_PEER = "192.0.2.1"        # UPSTREAM-A: route-refresh, keep-all-routes added below
REENABLE_PEER = "198.51.100.1"  # UPSTREAM-B: no route-refresh, keep-all-routes added below
PROBE_VARS = {"probe_peer": PROBE_PEER, "probe_import_policy": "RP-PROBE", "probe_trial_seconds": 120,
              "probe_reenable_peer": REENABLE_PEER, "probe_allow_session_reset": True, "target_hosts": "PE1"}
READINGS = {   # vrpsim/platform.py READINGS; each reading of each question appears at least once
    "documented": {"keep_all_routes_refresh": "reapply", "keep_all_routes_reenable": "reset",
                   "missing_peer_text": "error", "foreign_trial": "refused"},
    "literal": {"keep_all_routes_refresh": "noop", "keep_all_routes_reenable": "no_reset",
                "missing_peer_text": "info", "foreign_trial": "silent", "keep_all_routes_undo": "reset"},
    "at-commit": {"keep_all_routes_refresh": "auto"},
}


def probe_topology(readings):
    with open(DEMO) as handle:
        topo = yaml.safe_load(handle)
    topo = copy.deepcopy(topo)
    pe1 = next(r for r in topo["routers"] if r["name"] == "PE1")
    pe1["readings"] = dict(readings)
    # keep-all-routes on both upstreams, and a probe policy that accepts 2 of UPSTREAM-A's 3 routes
    pe1["config"] = pe1["config"].replace(
        "  peer UPSTREAM route-policy RP-UPSTREAM-OUT export\n",
        "  peer UPSTREAM route-policy RP-UPSTREAM-OUT export\n"
        "  peer %s keep-all-routes\n  peer %s keep-all-routes\n" % (PROBE_PEER, REENABLE_PEER))
    pe1["config"] += ("route-policy RP-PROBE permit node 10\n if-match ip-prefix PL-PROBE\n"
                      "ip ip-prefix PL-PROBE index 10 permit 203.0.113.0 24 less-equal 28\n")
    assert "keep-all-routes" in pe1["config"]
    return topo


def probe_playbook(tmp_path):
    """A copy of the probe and its template (the harness writes its results file beside the playbook)."""
    directory = tmp_path / "probe"
    (directory / "templates").mkdir(parents=True)
    shutil.copy(os.path.join(ROOT, "playbooks", "vrp_probe.yml"), str(directory))
    shutil.copy(os.path.join(ROOT, "playbooks", "templates", "vrp_probe_report.md.j2"), str(directory / "templates"))
    return str(directory / "vrp_probe.yml")


def accepted(lab, address, timeout=10.0):
    """The prefixes PE1 accepted from ``address``, once the session is Established."""
    deadline = time.time() + timeout
    while True:
        session = next(s for s in lab.bgp("PE1")["sessions"]
                       if s["address"] == address and s["vpn_instance"] is None)
        if session["state"] == "Established" or time.time() > deadline:
            return sorted(session["ribs"]["ipv4"]["accepted"])
        time.sleep(0.1)


def trial_pending(lab):
    return lab.control("status")["routers"]["PE1"]["trial_commit_id"] is not None


def report_of(res):
    return "\n".join(res.result("Print the answers (paste this block into an issue)", "PE1")["msg"])


def answer_row(report, question_start):
    rows = [line for line in report.splitlines() if line.startswith("| " + question_start)]
    assert len(rows) == 1, report
    return rows[0]


@pytest.mark.parametrize("reading", sorted(READINGS))
def test_probe_reports_the_reading_and_leaves_the_router_as_found(make_lab, run_playbook, tmp_path, reading):
    lab = make_lab(probe_topology(READINGS[reading]))
    playbook = probe_playbook(tmp_path)
    running_before = lab.running_config("PE1")
    accepted_before = accepted(lab, PROBE_PEER)
    assert len(accepted_before) == 3

    check = run_playbook(playbook, lab=lab, check=True, extra_vars=PROBE_VARS)
    assert check.ok, check.summary()
    assert_only_displays(lab, "PE1", since=check)
    assert "not probed: run without --check" in report_of(check)

    real = run_playbook(playbook, lab=lab, extra_vars=PROBE_VARS)
    assert real.ok, real.summary()
    report = report_of(real)
    sent = commands_sent(lab, "PE1", since=real)
    # everything the probe changed it reverted: same running config, no trial, routes as before
    assert lab.running_config("PE1") == running_before, sent
    assert not trial_pending(lab)
    assert accepted(lab, PROBE_PEER) == accepted_before
    assert "release: VRP (R) software, Version 8.200 (NE40E V800R012C10)" in report

    r6 = answer_row(report, "R6:")
    r5 = answer_row(report, "R5:")
    absent = answer_row(report, "`peer 192.0.2.254 keep-all-routes`")
    reenable = answer_row(report, "keep-all-routes enabled a second time")
    undo = answer_row(report, "keep-all-routes removed from")
    if reading == "at-commit":
        assert "| auto" in r6 and "3 / 2 / 2" in r6, r6
    elif reading == "documented":
        assert "| reapply" in r6 and "3 / 3 / 2" in r6, r6
        assert "| Error text" in absent, absent
        assert "| re-established again" in reenable, reenable
        assert "| not re-established" in undo and "up count 1 -> 1" in undo, undo
        assert "router said: Error:" in r5, r5
    else:
        assert "| noop" in r6 and "3 / 3 / 3" in r6, r6
        assert "| Info text" in absent, absent
        assert "| not re-established" in reenable, reenable
        assert "| re-established" in undo and "up count 1 -> 2" in undo, undo   # reading keep_all_routes_undo=reset
    # vrpsim binds a trial to its session under every reading (NE40E-CG Configuration_Precautions)
    assert "| refused" in r5, r5
