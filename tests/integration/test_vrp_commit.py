"""vrp_commit against vrpsim: trial confirm / expiry / abort, pending-trial refusal, rollback to a label."""
import time

import pytest

from harness import assert_only_displays, commands_sent

TRIAL_SCALE = 0.04          # vrpsim: a 60 s trial lasts 2.4 s of real time
TRIAL_REAL_SECONDS = 60 * TRIAL_SCALE

TOPOLOGY = {
    "name": "commit",
    "defaults": {"username": "admin", "password": "Admin@123", "host": "127.0.0.1"},
    "base_port": 0,
    "timing": {"establish_delay": 0.2, "trial_time_scale": TRIAL_SCALE},
    "routers": [
        {"name": "PE1", "addresses": ["10.0.0.1"],
         "config": "sysname PE1\nbgp 65000\n router-id 10.0.0.1\n peer 10.0.0.2 as-number 65000\n"},
        {"name": "PE2", "addresses": ["10.0.0.2"],
         "config": "sysname PE2\nbgp 65000\n router-id 10.0.0.2\n peer 10.0.0.1 as-number 65000\n"},
    ],
}

TRIAL_CHANGE = {"name": "trial", "netops.vrp.vrp_config": {
    "src": "route-policy RP-TRIAL permit node 10\n apply local-preference 300\n", "commit_trial": 60}}
LINE = "route-policy RP-TRIAL permit node 10"
COMMIT_POINTS = "display configuration commit list verbose"   # read before every rollback


@pytest.fixture
def clab(make_lab):
    return make_lab(TOPOLOGY)


def test_confirm_keeps_the_trial_and_an_unconfirmed_trial_expires(clab, run_tasks):
    res = run_tasks([
        TRIAL_CHANGE,
        {"name": "pending?", "netops.vrp.vrp_commit": {"action": "confirm"}, "check_mode": True},
        {"name": "confirm", "netops.vrp.vrp_commit": {"action": "confirm"},
         "when": "inventory_hostname == 'PE1'"},
    ], lab=clab)
    assert res.ok, res.summary()
    assert res["trial"]["PE1"]["commands"][-1] == "commit trial 60"
    for host in ("PE1", "PE2"):
        assert res["pending?"][host]["trial_pending"] is True and res["pending?"][host]["changed"] is True
    assert res["confirm"]["PE1"]["changed"] is True and res["confirm"]["PE1"]["commands"] == ["commit"]
    sent = commands_sent(clab, "PE1", since=res)
    assert sent[sent.index("commit trial 60") + 1:] == [
        "display configuration commit list 1",
        "display configuration trial status",                    # check mode: only the status display
        "display configuration trial status", "commit",          # confirm
        "return"]                                                # the keeper's logout
    time.sleep(TRIAL_REAL_SECONDS + 0.8)
    assert LINE in clab.running_config("PE1")                    # confirmed: stays
    assert LINE not in clab.running_config("PE2")                # not confirmed: the router rolled it back
    again = run_tasks([{"name": "confirm", "netops.vrp.vrp_commit": {"action": "confirm"}}], lab=clab)
    assert again.ok and again["confirm"]["PE1"]["changed"] is False
    assert again["confirm"]["PE1"]["trial_pending"] is False
    assert_only_displays(clab, "PE1", since=again)


def test_abort_restores_and_a_pending_trial_blocks_new_changes(clab, run_tasks):
    before = clab.running_config("PE1")
    res = run_tasks([
        TRIAL_CHANGE,
        {"name": "other change", "ignore_errors": True, "netops.vrp.vrp_config": {
            "parents": ["bgp 65000"], "lines": ["peer 10.0.0.2 description must-wait"]}},
        {"name": "abort", "netops.vrp.vrp_commit": {"action": "abort"}},
        {"name": "abort again", "netops.vrp.vrp_commit": {"action": "abort"}},
    ], lab=clab, limit="PE1")
    assert res.ok, res.summary()
    other = res["other change"]["PE1"]
    assert other["_status"] == "failed" and other["step"] == "pre-check"
    assert other["msg"] == ("PE1: pre-check: a trial commit is pending on PE1; confirm or abort it with "
                            "netops.vrp.vrp_commit (action: confirm | abort) before changing the configuration")
    assert res["abort"]["PE1"]["changed"] is True and res["abort"]["PE1"]["commands"] == ["abort trial", "Y"]
    assert res["abort again"]["PE1"]["changed"] is False
    sent = commands_sent(clab, "PE1", since=res)
    start = sent.index("commit trial 60") + 2                    # after the commit list display
    assert sent[start:] == [
        "display configuration trial status", "display current-configuration",     # refused: displays only
        "display configuration trial status", "return", "abort trial", "Y",         # abort (from the user view)
        "display configuration trial status"]                                       # nothing pending
    assert clab.running_config("PE1") == before


def test_rollback_to_label(clab, run_tasks):
    before = clab.running_config("PE1")
    res = run_tasks([
        {"name": "change", "netops.vrp.vrp_config": {
            "src": "ip ip-prefix PFX-RB index 10 permit 192.0.2.0 24\n", "commit_label": "rb-change"}},
        {"name": "rollback check", "check_mode": True,
         "netops.vrp.vrp_commit": {"action": "rollback", "label": "rb-change"}},
    ], lab=clab, limit="PE1")
    assert res.ok, res.summary()
    assert "PFX-RB" in clab.running_config("PE1")
    check = res["rollback check"]["PE1"]
    assert check["changed"] is True and check["commands"] == ["rollback configuration to label rb-change"]
    assert commands_sent(clab, "PE1", since=res)[-3:] == ["display configuration trial status", COMMIT_POINTS,
                                                           "return"]

    res = run_tasks([{"name": "rollback", "netops.vrp.vrp_commit": {"action": "rollback", "label": "rb-change"}}],
                    lab=clab, limit="PE1")
    assert res.ok, res.summary()
    assert res["rollback"]["PE1"]["commands"] == ["rollback configuration to label rb-change"]
    assert commands_sent(clab, "PE1", since=res) == ["display configuration trial status", COMMIT_POINTS,
                                                     "rollback configuration to label rb-change"]
    # vrpsim: "to label L" restores the configuration from before commit L (UNVERIFIED on real VRP)
    assert clab.running_config("PE1") == before


@pytest.mark.parametrize("check", [False, True], ids=["run", "check"])
def test_rollback_to_a_point_not_in_the_commit_list_sends_only_displays(clab, run_tasks, check):
    """Unknown label / commit id, or more commits than the list holds: refused after reading the list."""
    before = clab.running_config("PE1")
    cases = [("label", {"label": "never-made"}, "label never-made is not in the commit list"),
             ("commit id", {"commit_id": "1999999999"}, "commit id 1999999999 is not in the commit list"),
             ("last", {"last": 80}, "last 80 asks for more commits than the commit list holds")]
    res = run_tasks([{"name": name, "ignore_errors": True, "netops.vrp.vrp_commit": dict(args, action="rollback")}
                     for name, args, _ in cases], lab=clab, limit="PE1", check=check)
    for name, _, words in cases:
        result = res[name]["PE1"]
        assert result["_status"] == "failed" and words in result["msg"], result
        assert result["changed"] is False and result["commands"] == []
    assert_only_displays(clab, "PE1", since=res)
    assert commands_sent(clab, "PE1", since=res).count(COMMIT_POINTS) == len(cases)
    assert clab.running_config("PE1") == before
