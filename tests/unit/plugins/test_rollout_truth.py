"""The rollout report after a failure is read back from the router (issue 16), and the recovery play's view of
the last run (the run journal): vrp_rollout_report statuses, vrp_recovery_report, journal.last_run."""
import json

import pytest

from ansible_collections.netops.vrp.plugins.filter.vrp_rollout_report import (
    vrp_recovery_report,
    vrp_rollout_report,
    vrp_rollout_summary,
)
from ansible_collections.netops.vrp.plugins.plugin_utils.journal import Journal, last_run, parse_journal

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
    # the rescue stopped before its read-back after a trial commit: nobody knows
    ({"trial_after": None, "policy_after": None}, "unknown"),
    # the abort's reply was lost (timeout) but the router aborted: no trial, old policy, nothing soft reset
    ({"soft_resets": None, "trial_after": trial(False), "policy_after": policy(False)}, "rolled_back"),
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


def _journal(tmp_path, *runs):
    """A journal holding ``runs``: each ``(run_id, [commands], end status or None)`` between the role's markers."""
    path = tmp_path / "PE1.journal.jsonl"
    journal = Journal(str(path), "PE1", "apply")
    for run_id, commands, end in runs:
        journal.record("run_start", run=run_id)
        for command in commands:
            journal.before_send(command)
        if end:
            journal.record("run_end", run=run_id, status=end)
    return path.read_text()


TRIAL = ["ip ip-prefix PL index 10 permit 10.20.0.0 16", "commit trial 600 label netops-2", "refresh bgp 192.0.2.2 import"]


def test_last_run_unfinished_when_the_trial_was_sent_and_the_run_did_not_end(tmp_path):
    text = _journal(tmp_path, ("netops-1", ["x", "commit trial 600 label netops-1"], "confirmed"), ("netops-2", TRIAL, None))
    assert [r["event"] for r in parse_journal((tmp_path / "PE1.journal.jsonl").read_text())][-4:] == ["run_start"] + ["send"] * 3
    run = last_run(text + '{"torn')
    assert run["unfinished"] and run["run_id"] == "netops-2" and run["sent"] == TRIAL, run
    assert "did not finish" in run["reason"]
    assert not last_run("")["unfinished"] and parse_journal("") == []


@pytest.mark.parametrize("end,unfinished", [
    ("confirmed", False), ("rolled_back", False), ("failed", False), ("unchanged", False),
    ("trial_pending", True), ("mixed", True), ("unknown", True)])
def test_last_run_judges_only_the_last_run_and_its_end(tmp_path, end, unfinished):
    assert last_run(_journal(tmp_path, ("netops-2", TRIAL, end)))["unfinished"] is unfinished
    # the recovery play's reconciled end makes it clean; a later run without a trial (unchanged) too
    assert not last_run(_journal(tmp_path, ("netops-2", TRIAL, end), ("netops-2", [], "reconciled")))["unfinished"]


def test_a_run_that_never_started_on_the_router_leaves_the_last_one_standing(tmp_path):
    """Not attempted, or check mode: no run_start, so a trial_pending run before still needs the recovery."""
    path = tmp_path / "PE1.journal.jsonl"
    _journal(tmp_path, ("netops-2", TRIAL, "trial_pending"))
    assert last_run(path.read_text())["unfinished"]
    assert not last_run(_journal(tmp_path, ("netops-3", ["x"], None)))["unfinished"]   # killed before any trial


def test_journal_masks_secrets_and_writes_nothing_of_a_no_log_task(tmp_path):
    journal = Journal(str(tmp_path / "j"), "PE1", "t")
    journal.before_send("peer 10.0.0.1 password cipher S3cret@x")
    hidden = Journal(str(tmp_path / "j"), "PE1", "t", no_log=True)
    hidden.before_send("route-policy SECRET permit node 10")
    text = (tmp_path / "j").read_text()
    assert "S3cret" not in text and "password cipher ******" in text and "SECRET" not in text
    broken = Journal(str(tmp_path / "missing" / "j"), "PE1", "t")
    broken.before_send("x")   # never raises: a warning for the task
    assert "could not be written" in broken.problem


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
