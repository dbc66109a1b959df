"""The rollout report after a failure is read back from the router (issue 16), and the recovery play's view of
the last run (the run journal): vrp_rollout_report statuses, vrp_recovery_report, journal.last_run."""
import json

import pytest

from ansible_collections.netops.vrp.plugins.filter.vrp_rollout_report import (
    vrp_recovery_report,
    vrp_rollout_report,
    vrp_rollout_summary,
)
from ansible_collections.netops.vrp.plugins.plugin_utils.journal import Journal, last_run, read_journal

PLAN = {"ok": True, "change_names": ["c1"], "soft_reset_targets": [{}]}
FAILURE = {"task": "Soft reset every target", "msg": "PE1: refresh: session lost"}
APPLIED = {"changed": True, "updates": ["ip ip-prefix PL index 10 permit 10.20.0.0 16"]}
RESET = {"changed": True, "commands": ["refresh bgp 192.0.2.2 import"]}
ABORT_REFUSED = {"failed": False, "changed": False, "msg": "PE1: abort trial: 'abort trial' did not end the trial"}


def trial(pending, left=0, msg=None):
    result = {"changed": False, "trial_pending": pending, "trial_seconds_left": left}
    if msg:
        result["msg"] = msg
    return result


def policy(new):
    return {"changed": not new}


def steps(**overrides):
    base = {"has_work": True, "run_id": "netops-1", "trial_seconds": 600, "plan": PLAN, "applied": APPLIED,
            "soft_resets": RESET, "failure": FAILURE, "confirmed": None, "aborted": ABORT_REFUSED}
    base.update(overrides)
    return base


@pytest.mark.parametrize("overrides,status", [
    # the abort was refused (lost session): the router still runs the trial
    ({"trial_after": trial(True, 431), "policy_after": policy(True)}, "trial_pending"),
    # the read-back failed: nobody knows
    ({"trial_after": trial(False, msg="PE1: login: cannot reach"), "policy_after": {"msg": "x"}}, "unknown"),
    # aborted, old policy, and the targets soft reset again under it
    ({"aborted": {"changed": True}, "trial_after": trial(False), "policy_after": policy(False),
      "restored": {"changed": True, "commands": ["refresh bgp 192.0.2.2 import"]}}, "rolled_back"),
    # old policy but the restore soft reset failed: the routes may follow the new one
    ({"aborted": {"changed": True}, "trial_after": trial(False), "policy_after": policy(False),
      "restored": {"changed": True, "commands": [], "msg": "PE1: refresh: lost"}}, "mixed"),
    # old policy and no restore at all after a soft reset under the new one
    ({"trial_after": trial(False), "policy_after": policy(False), "aborted": {"changed": False}}, "mixed"),
    # the confirm's reply was lost but the router confirmed (issue 16 item 12)
    ({"confirmed": {"failed": True}, "trial_after": trial(False), "policy_after": policy(True)}, "confirmed"),
    # nothing of the change reached the router (commit rejected): old policy, no trial, nothing reset
    ({"applied": {"failed": True}, "soft_resets": None, "trial_after": trial(False), "policy_after": policy(False)},
     "failed"),
])
def test_status_after_a_failure_is_read_back_from_the_router(overrides, status):
    report = vrp_rollout_report(steps(**overrides), "PE1")
    assert report["status"] == status, report
    lines = vrp_rollout_summary(report)
    assert lines[0] == "PE1: %s" % status.upper()
    if status in ("trial_pending", "mixed", "unknown"):
        assert "bgp_rollout_recover.yml" in report["operator_action"]
        assert lines[-1].startswith("  OPERATOR ACTION: ")
    else:
        assert report["operator_action"] == ""


def test_trial_pending_report_says_seconds_left_and_how_to_end_it():
    report = vrp_rollout_report(steps(trial_after=trial(True, 431), policy_after=policy(True)), "PE1")
    assert report["router_state"] == {"trial": "pending", "seconds_left": 431, "policy": "new"}
    assert "431 s" in report["operator_action"] and "abort trial session <id>" in report["operator_action"]
    assert "  read back: trial pending (431 s left), new policy" in vrp_rollout_summary(report)


def _journal(tmp_path, commands):
    journal = Journal(str(tmp_path / "PE1.journal.jsonl"), "PE1", "apply")
    for command in commands:
        journal.before_send(command)
    return (tmp_path / "PE1.journal.jsonl").read_text()


def test_last_run_unfinished_when_the_trial_was_sent_and_no_final_report(tmp_path):
    text = _journal(tmp_path, ["ip ip-prefix PL index 10 permit 10.20.0.0 16", "commit trial 600 label netops-2",
                               "refresh bgp 192.0.2.2 import"])
    assert [r["event"] for r in read_journal(str(tmp_path / "PE1.journal.jsonl"))] == ["send"] * 3
    run = last_run(text + '{"torn', {"run_id": "netops-2", "status": "in_progress"})
    assert run["unfinished"] and run["run_id"] == "netops-2" and run["sent"] == [
        "commit trial 600 label netops-2", "refresh bgp 192.0.2.2 import"], run
    assert last_run(text, {"run_id": "netops-1", "status": "confirmed"})["unfinished"]   # an older run's report
    assert not last_run(text, {"run_id": "netops-2", "status": "confirmed"})["unfinished"]
    assert last_run(text, {"run_id": "netops-2", "status": "trial_pending"})["unfinished"]
    assert not last_run("", None)["unfinished"] and read_journal(str(tmp_path / "none.jsonl")) == []
    # a router the rollout never attempted, or one a check run wrote, needs nothing
    for status in ("not_attempted", "would_change", "unchanged", "nothing_to_do", "failed", "rolled_back"):
        assert not last_run("", {"run_id": None, "status": status})["unfinished"], status
    assert not last_run("", {"run_id": "netops-3", "status": "in_progress"})["unfinished"]   # killed before the trial


def test_journal_lines_are_json_with_no_arguments(tmp_path):
    journal = Journal(str(tmp_path / "j"), "PE1", "t")
    journal.record("task", module="vrp_config", check_mode=False)
    journal.task_result({"changed": True, "commands": ["x"], "msg": "m", "password": "secret"})
    records = [json.loads(line) for line in (tmp_path / "j").read_text().splitlines()]
    assert [r["event"] for r in records] == ["task", "result"]
    assert "secret" not in (tmp_path / "j").read_text() and records[1]["changed"] is True


@pytest.mark.parametrize("overrides,status", [
    ({"last_run": {"unfinished": False, "report_status": "confirmed"}}, "nothing_to_do"),
    ({"trial_after": trial(True, 300)}, "trial_pending"),
    ({"trial_after": trial(False), "policy_after": policy(False), "soft_resets": RESET}, "reconciled"),
    ({"failure": {"task": "Check that every target can be soft reset", "msg": "x"}}, "failed"),
])
def test_recovery_report(overrides, status):
    base = {"has_work": True, "last_run": {"unfinished": True, "run_id": "netops-2", "reason": "killed"}}
    base.update(overrides)
    report = vrp_recovery_report(base, "PE1")
    assert report["status"] == status, report
    assert vrp_rollout_summary(report)[0] == "PE1: %s" % status.upper()
    if status == "reconciled":
        assert report["router_state"]["policy"] == "old" and report["soft_reset_commands"] == RESET["commands"]
    assert vrp_recovery_report(base, "PE1", check_mode=True)["status"] == (
        "would_reconcile" if status == "reconciled" else status)
