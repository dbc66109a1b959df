"""Recovery (issue 9): re-running bgp_policy_rollout after a fault converges without manual cleanup.

- A trial commit left pending by an interrupted run of this rollout whose session is gone belongs to that
  session: VRP lets only the session that ran ``commit trial`` confirm or abort it [NE40E-CG
  Configuration_Precautions_for_Configuration_Management], so the next run's pre-check fails clearly (trial
  pending, seconds left, ``abort trial session <id>``) instead of claiming a recovery; once the operator ended
  it (``abort trial session <id>`` [NE40E-CR CfgTrial; CE-CR abort_trial.md]) the run after converges.
- Any other fault: the next run redoes the change; the run after that changes nothing, only displays.
- Anyone else's pending trial (or one mixing our lines with foreign ones) still stops the router, with a
  message naming its commit ID and the foreign lines, and nothing but displays is sent.
- An uncommitted candidate left in the session keeper's session (a task killed mid-edit) is discarded.
Faults are cleared between runs (the network is repaired), the routers are not touched.
"""
import time

import pytest
from fault_lab import (
    NARROWED_AWAY,
    NEW_LINE,
    accepted_routes,
    fault_topology,
    has_line,
    policy,
    reports,
    rollout_vars,
    run_rollout,
    trial_pending,
    wait_converged,
)
from harness import assert_only_displays, commands_sent, run_playbook, tasks_playbook, trial_by_hand

NEW_ROUTES = ["10.20.0.0/16"]
OLD_ROUTES = ["10.20.0.0/16", NARROWED_AWAY]
FOREIGN = "ip ip-prefix PL-OTHER index 10 permit 192.0.2.0 24"

FAULTS = {
    # the confirm and the rescue's abort are both lost: our trial stays pending on PE1
    "trial left pending": ([dict(kind="drop", when="before", match=r"^commit$"),
                            dict(kind="drop", when="before", match=r"^abort trial")], "trial_pending", True),
    # the trial belongs to the dropped session: the rescue's abort from a new session is refused (R5)
    "drop during soft reset": ([dict(kind="drop", when="during", match=r"^refresh bgp")], "trial_pending", True),
    # nothing reached the router
    "authentication failure": ([dict(kind="auth_fail")], "precheck_failed", False),
}


def _assert_on_new_policy(lab, router):
    assert policy(lab, router) == "new" and not trial_pending(lab, router)
    assert accepted_routes(lab, router) == NEW_ROUTES


@pytest.mark.parametrize("fault", sorted(FAULTS), ids=lambda f: f.replace(" ", "_"))
def _trial_session(lab, router):
    """The id of the SSH session that ran the pending trial (what ``abort trial session ?`` lists)."""
    starts = [e for e in lab.transcript(router)
              if e["event"] == "command" and e.get("command", "").startswith("commit trial")]
    return starts[-1]["session"]


def _abort_trial_of_session(lab, router, session):
    """What the operator does: ``abort trial session <id>`` in a config view [CE-CR abort_trial.md]."""
    shell = lab.shell(router)
    try:
        for line in ("system-view", "abort trial session %d" % session, "Y", "return"):
            shell.run(line)
    finally:
        shell.close()
    assert lab.wait_logged_out(router)
    time.sleep(0.01)


@pytest.mark.parametrize("fault", sorted(FAULTS), ids=lambda f: f.replace(" ", "_"))
def test_recovery_rerun_converges(fault, make_lab, tmp_path):
    injected, status, trial_left = FAULTS[fault]
    lab = make_lab(fault_topology())
    wait_converged(lab)
    for spec in injected:
        lab.fault(router="PE1", **spec)
    first = run_rollout(lab, tmp_path / "first")
    assert first.failed_hosts == {"PE1"}, first.summary()
    assert reports(first)["PE1"]["status"] == status, reports(first)["PE1"]
    assert trial_pending(lab, "PE1") is trial_left
    assert policy(lab, "PE1") == ("new" if trial_left else "old")
    lab.clear_faults()

    if trial_left:   # the trial belongs to the first run's lost session: no new session may end it
        if fault == "drop during soft reset":
            failures = reports(first)["PE1"]["rollback"]["restore_failures"]
            assert len(failures) == 1 and "did not end the trial commit pending on PE1" in failures[0], failures
            assert "RESTORE FAILED: PE1: abort trial:" in first.stdout   # the printed summary says so
        commit_id = lab.control("status")["routers"]["PE1"]["trial_commit_id"]
        blocked = run_rollout(lab, tmp_path / "blocked")
        assert blocked.failed_hosts == {"PE1"}, blocked.summary()
        pe1 = reports(blocked)["PE1"]
        assert pe1["status"] == "precheck_failed", pe1
        assert "did not end the trial commit pending on PE1" in pe1["message"], pe1["message"]
        assert "seconds left before its timer rolls it back" in pe1["message"]
        assert "abort trial session <id>" in pe1["message"]
        sent = commands_sent(lab, "PE1", since=blocked)
        assert [c for c in sent if not c.startswith("display ")] == ["system-view", "abort trial", "return"], sent
        assert lab.control("status")["routers"]["PE1"]["trial_commit_id"] == commit_id   # left as it was
        assert reports(blocked)["PE2"]["status"] == "unchanged"
        _abort_trial_of_session(lab, "PE1", _trial_session(lab, "PE1"))
        assert not trial_pending(lab, "PE1") and policy(lab, "PE1") == "old"

    again = run_rollout(lab, tmp_path / "again")
    assert again.ok, again.summary()
    got = reports(again)
    assert got["PE1"]["status"] == "confirmed", got["PE1"]
    assert got["PE1"]["recovered"]["trial_aborted"] is False, got["PE1"]
    sent = commands_sent(lab, "PE1", since=again)
    assert [c for c in sent if c.startswith(("commit", "abort"))] == [
        "commit trial 600 label %s" % got["PE1"]["run_id"], "commit"], sent
    assert got["PE2"]["status"] == "unchanged", got["PE2"]   # PE2 finished in the first run
    assert_only_displays(lab, "PE2", since=again)
    for router in ("PE1", "PE2"):
        _assert_on_new_policy(lab, router)

    third = run_rollout(lab, tmp_path / "third")
    assert third.ok and not third.changed_hosts, third.summary()
    assert {r["status"] for r in reports(third).values()} == {"unchanged"}
    for router in ("PE1", "PE2"):
        assert_only_displays(lab, router, since=third)
        _assert_on_new_policy(lab, router)


@pytest.mark.parametrize("lines", [[FOREIGN], [NEW_LINE, FOREIGN]], ids=["foreign", "ours_plus_foreign"])
def test_recovery_refuses_someone_elses_trial(lines, make_lab, tmp_path):
    lab = make_lab(fault_topology())
    wait_converged(lab)
    commit_id = trial_by_hand(lab, "PE1", lines)
    res = run_rollout(lab, tmp_path / "play")
    assert res.failed_hosts == {"PE1"}, res.summary()
    pe1 = reports(res)["PE1"]
    assert pe1["status"] == "precheck_failed", pe1
    assert pe1["message"].startswith("PE1: pre-check: "), pe1["message"]
    assert "commit id %d" % commit_id in pe1["message"] and "+ %s" % FOREIGN in pe1["message"], pe1["message"]
    assert "this change did not make" in pe1["message"]
    assert pe1["recovered"]["trial_aborted"] is False
    assert_only_displays(lab, "PE1", since=res)
    assert lab.control("status")["routers"]["PE1"]["trial_commit_id"] == commit_id   # left alone
    assert has_line(lab, "PE1", FOREIGN)
    assert reports(res)["PE2"]["status"] == "confirmed"


def test_recovery_discards_candidate_left_in_the_session(make_lab, tmp_path):
    """A task killed mid-edit (task timeout while the router is slow) leaves a candidate in the kept session."""
    lab = make_lab(fault_topology())
    wait_converged(lab)
    stray = "ip ip-prefix PL-STRAY index 10 permit 198.51.100.0 24"
    lab.fault("delay", "PE1", match="^ip ip-prefix PL-STRAY", seconds=5, count=1)
    tasks = [
        # logged in first, so that the 2 s timeout is spent waiting for the slow line, not on the login
        {"name": "log in", "netops.vrp.vrp_command": {"commands": ["display version"]}},
        {"name": "half-typed edit", "netops.vrp.vrp_config": {"lines": [stray]}, "timeout": 2,
         "ignore_errors": True, "when": "inventory_hostname == 'PE1'"},
        {"name": "rollout", "ansible.builtin.include_role": {"name": "netops.vrp.bgp_policy_rollout"}},
    ]
    res = run_playbook(tasks_playbook(tasks), str(lab.inventory_path), workdir=str(tmp_path / "play"),
                       extra_vars=rollout_vars())
    assert res.ok, res.summary()
    assert res["half-typed edit"]["PE1"]["_status"] == "failed"
    got = reports(res)
    assert got["PE1"]["status"] == "confirmed", got["PE1"]
    assert got["PE1"]["recovered"]["candidate_discarded"] is True, got["PE1"]
    assert got["PE2"]["recovered"]["candidate_discarded"] is False
    sent = commands_sent(lab, "PE1", since=res)
    # the stray line reached the candidate, then the pre-check left the view without committing it
    assert sent.index(stray) < sent.index("return") < sent.index("N") < sent.index(
        "commit trial 600 label %s" % got["PE1"]["run_id"]), sent
    assert not has_line(lab, "PE1", stray)
    for router in ("PE1", "PE2"):
        _assert_on_new_policy(lab, router)
