"""vrp_commit against vrpsim on every release profile: trial confirm / expiry / abort, pending-trial refusal,
rollback to a label, another session's trial (R5, under each foreign_trial reading)."""
import time

import pytest
from harness import assert_only_displays, commands_sent
from lab_fixtures import PLATFORMS, on_platform

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


@pytest.fixture(params=PLATFORMS)
def clab(make_lab, request):
    return make_lab(on_platform(TOPOLOGY, request.param))


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
        "display configuration trial status", "commit",          # confirm (the session that ran the trial)
        "display configuration trial status",                    # ... verified: INACTIVE
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
        # abort in the config view the trial left the session in (never the user view [NE40E-CR CfgTrial])
        "display configuration trial status", "abort trial", "Y", "display configuration trial status",
        "display configuration trial status",                                       # nothing pending
        "return"]
    assert clab.running_config("PE1") == before
    assert clab.control("status")["routers"]["PE1"]["trial_commit_id"] is None


def test_rollback_to_label(clab, run_tasks):
    """``rollback configuration to label L`` restores the configuration AT commit L, so undoing a change is a
    rollback to the label of the commit before it [NE40E-CR rollbackconfig(CFGOM); NE40E-CG
    Example_for_Configuration_Rollback]; the router asks [Y/N] first [CE-CR rollback_configuration.md]."""
    res = run_tasks([
        {"name": "base", "netops.vrp.vrp_config": {
            "src": "ip ip-prefix PFX-BASE index 10 permit 198.51.100.0 24\n", "commit_label": "before-change"}},
        {"name": "change", "netops.vrp.vrp_config": {
            "src": "ip ip-prefix PFX-RB index 10 permit 192.0.2.0 24\n", "commit_label": "rb-change"}},
        {"name": "rollback check", "check_mode": True,
         "netops.vrp.vrp_commit": {"action": "rollback", "label": "before-change"}},
    ], lab=clab, limit="PE1")
    assert res.ok, res.summary()
    assert "PFX-RB" in clab.running_config("PE1")
    check = res["rollback check"]["PE1"]
    assert check["changed"] is True and check["commands"] == ["rollback configuration to label before-change", "Y"]
    assert commands_sent(clab, "PE1", since=res)[-3:] == ["display configuration trial status", COMMIT_POINTS,
                                                           "return"]

    res = run_tasks([{"name": "rollback", "netops.vrp.vrp_commit": {"action": "rollback", "label": "before-change"}}],
                    lab=clab, limit="PE1")
    assert res.ok, res.summary()
    assert res["rollback"]["PE1"]["commands"] == ["rollback configuration to label before-change", "Y"]
    assert commands_sent(clab, "PE1", since=res) == ["display configuration trial status", COMMIT_POINTS,
                                                     "rollback configuration to label before-change", "Y"]
    running = clab.running_config("PE1")
    assert "PFX-BASE" in running and "PFX-RB" not in running     # the state AT before-change


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


def _trial_by_hand(lab, router, line):
    """A trial commit made in another SSH session, which then logs out (the trial stays, owned by it)."""
    shell = lab.shell(router)
    try:
        for command in ["system-view", line, "commit trial 600", "return"]:
            shell.run(command)
    finally:
        shell.close()
    assert lab.wait_logged_out(router)
    time.sleep(0.01)   # "since" checks of the next run must not see these lines
    commit_id = lab.control("status")["routers"][router]["trial_commit_id"]
    assert commit_id is not None
    return commit_id


@pytest.mark.parametrize("reading", ["refused", "silent"])
@pytest.mark.parametrize("action", ["confirm", "abort"])
def test_another_sessions_trial_is_neither_confirmed_nor_aborted_and_the_task_says_why(make_lab, run_tasks,
                                                                                      action, reading):
    """R5: a trial belongs to the session that ran ``commit trial`` [NE40E-CG
    Configuration_Precautions_for_Configuration_Management; NE40E-CR CfgTrial ``abort trial session <id>``]. From a
    new session the router refuses or ignores ``commit`` / ``abort trial`` (text unknown: reading
    ``foreign_trial``); the task fails naming the pending trial, its time left and what to do, never claims
    success, and leaves the trial (and no candidate) behind."""
    lab = make_lab(on_platform(TOPOLOGY, "ne40e-v800r012c10", foreign_trial=reading))
    commit_id = _trial_by_hand(lab, "PE1", LINE)
    res = run_tasks([{"name": "end it", "ignore_errors": True, "netops.vrp.vrp_commit": {"action": action}}],
                    lab=lab, limit="PE1")
    result = res["end it"]["PE1"]
    assert result["_status"] == "failed", result
    assert "did not end the trial commit pending on PE1" in result["msg"]
    assert "seconds left before its timer rolls it back" in result["msg"]
    assert "abort trial session <id>" in result["msg"]
    command = "commit" if action == "confirm" else "abort trial"
    assert commands_sent(lab, "PE1", since=res) == [
        "display configuration trial status", "system-view", command, "display configuration trial status",
        "return"]
    assert lab.control("status")["routers"]["PE1"]["trial_commit_id"] == commit_id     # still pending
    assert LINE in lab.running_config("PE1")
    assert lab.candidate_config("PE1") == lab.running_config("PE1")                    # nothing half-applied
