"""vrp_rollout_report and vrp_rollout_summary: one router's rollout report, built from what its steps registered, and
the lines the rollout role and `make demo` print for it."""
import pytest

from ansible_collections.netops.vrp.plugins.filter.vrp_rollout_report import (
    FilterModule,
    vrp_recovery_report,
    vrp_rollout_not_attempted,
    vrp_rollout_report,
    vrp_rollout_summary,
)


def report(**overrides):
    base = {"router": "PE1", "status": "confirmed", "check_mode": False, "message": "", "changes": [],
            "config_updates": [], "commands": [], "commit_id": None, "prepared": [], "peers": [],
            "would_send": [], "soft_reset_commands": [], "hard_reset_commands": [],
            "sessions_reset": [], "verified": True, "problems": [],
            "recovered": {"trial_aborted": False, "trial_commit_id": None, "candidate_discarded": False},
            "rollback": {"aborted": False, "restore_commands": [], "restore_failures": []}}
    base.update(overrides)
    return base


def test_confirmed_rollout_lists_changes_commands_and_peer_counts():
    lines = vrp_rollout_summary(report(
        changes=["upstream-import"], config_updates=["ip ip-prefix PL index 10 permit 203.0.113.0 24"],
        soft_reset_commands=["refresh bgp 192.0.2.1 import"],
        peers=[{"address": "192.0.2.1", "address_family": "ipv4", "vpn_instance": None, "direction": "import",
                "path": "route-refresh", "prefixes_before": 4, "prefixes_after": 2, "delta": -2},
               {"address": "172.16.0.2", "address_family": "vpn-instance", "vpn_instance": "vpna",
                "direction": "import", "path": None, "prefixes_before": 3, "prefixes_after": None, "delta": None}]))
    assert lines == [
        "PE1: CONFIRMED",
        "  changes: upstream-import",
        "  applied: ip ip-prefix PL index 10 permit 203.0.113.0 24",
        "  sent: refresh bgp 192.0.2.1 import",
        "  peer 192.0.2.1 [ipv4 import] via route-refresh: prefixes 4 -> 2 (-2)",
        "  peer 172.16.0.2 [vpn-instance vpna import] via ?: prefixes 3",
    ]


def test_check_mode_says_would_and_nothing_was_sent():
    lines = vrp_rollout_summary(report(
        status="would_change", check_mode=True, config_updates=["x"], soft_reset_commands=["refresh bgp all import"],
        prepared=[{"address": "10.0.0.2", "address_family": "ipv4", "vpn_instance": None}],
        recovered={"trial_aborted": True, "trial_commit_id": "1000000007", "candidate_discarded": False}))
    assert lines[0] == "PE1: WOULD_CHANGE (check mode: nothing was sent but display commands)"
    assert "  would abort trial commit 1000000007 left by an interrupted run of this rollout " \
           "(previous configuration restored first)" in lines
    assert "  would apply: x" in lines and "  would send: refresh bgp all import" in lines
    assert "  would enable keep-all-routes for 10.0.0.2 (ipv4): session re-established once" in lines
    assert not any(line.startswith(("  applied", "  sent", "  enabled")) for line in lines)


def test_rolled_back_rollout_shows_reason_problems_sessions_and_restore():
    lines = vrp_rollout_summary(report(
        status="rolled_back", message="Fail the verification: 192.0.2.1 lost 3 prefixes", verified=False,
        changes=["c1"], problems=["192.0.2.1 lost 3 prefixes (at most 0)"],
        sessions_reset=[{"address": "10.0.0.2", "address_family": "vpnv4", "reason": "uptime 100s -> 2s"}],
        recovered={"trial_aborted": False, "trial_commit_id": None, "candidate_discarded": True},
        rollback={"aborted": True, "restore_commands": ["refresh bgp 192.0.2.1 import"],
                  "restore_failures": ["refresh: connection closed"]}))
    assert lines == [
        "PE1: ROLLED_BACK",
        "  reason: Fail the verification: 192.0.2.1 lost 3 prefixes",
        "  discarded an uncommitted candidate left in the session",
        "  changes: c1",
        "  SESSION RESET: 10.0.0.2 (vpnv4) uptime 100s -> 2s",
        "  problem: 192.0.2.1 lost 3 prefixes (at most 0)",
        "  trial aborted: previous policy restored; re-sent: refresh bgp 192.0.2.1 import",
        "  RESTORE FAILED: refresh: connection closed",
    ]


def test_unchanged_says_already_in_place_and_an_empty_restore_says_nothing():
    lines = vrp_rollout_summary(report(status="unchanged", changes=["c1"],
                                       rollback={"aborted": True, "restore_commands": [], "restore_failures": []}))
    assert "  changes (already in place): c1" in lines
    assert "  trial aborted: previous policy restored; re-sent: nothing" in lines


def test_registered_as_a_filter():
    assert FilterModule().filters() == {"vrp_rollout_report": vrp_rollout_report, "vrp_recovery_report": vrp_recovery_report,
                                        "vrp_rollout_summary": vrp_rollout_summary,
                                        "vrp_rollout_not_attempted": vrp_rollout_not_attempted}


def test_not_attempted_lists_the_routers_without_a_report_outside_the_batch():
    """Issue 16 item 9: R1 (done) and R2 (this batch) are left out; R3, R4 get a report naming R2."""
    hostvars = {"R1": {"bgp_policy_rollout_report": {}}, "R2": {"bgp_policy_rollout_report": {}}, "R3": {}, "R4": {}}
    failed = report(router="R2", status="rolled_back", message="Fail the verification: lost 3 routes")
    out = vrp_rollout_not_attempted(["R1", "R2", "R3", "R4"], failed, hostvars, ["R2"])
    assert [r["router"] for r in out] == ["R3", "R4"]
    assert out[0] == {"router": "R3", "status": "not_attempted", "check_mode": False, "stopped_by": "R2",
                      "message": "never attempted: the rollout stopped when R2 ended ROLLED_BACK (Fail the "
                                 "verification: lost 3 routes); nothing was sent to this router"}
    assert vrp_rollout_summary(out[1]) == ["R4: NOT_ATTEMPTED", "  reason: " + out[1]["message"]]


# -- vrp_rollout_report: the status table and the fields, from registered step results ------------------------

OK_PLAN = {"ok": True, "problems": [], "change_names": ["c1"],
           "soft_resets": [{"label": "UPSTREAM import", "after_preparation": False},
                           {"label": "OLD import", "after_preparation": True}]}
SKIPPED = {"changed": False, "skipped": True}


def steps(**overrides):
    """A confirmed rollout's registered results; overrides replace steps (None = never reached)."""
    base = {"has_work": True, "pending": {"changed": False}, "facts": {"changed": False}, "plan": OK_PLAN,
            "prepared": {"changed": False, "skipped": True, "results": []}, "facts_prepared": SKIPPED,
            "applied": {"changed": True, "updates": ["ip ip-prefix P index 10 permit 10.0.0.0 8"],
                        "commands": ["system-view", "commit trial 600"], "commit_id": "1000000009"},
            "soft_resets": {"changed": True, "commands": ["refresh bgp 192.0.2.1 import"], "peers": []},
            "hard_resets": {"changed": False, "skipped": True, "results": []},
            "verdict": {"ok": True, "verified": True, "peers": [{"address": "192.0.2.1"}], "sessions_reset": [],
                        "problems": []},
            "confirmed": {"changed": True}, "failure": None, "aborted": None, "restored": None, "hard_restored": None}
    base.update(overrides)
    return base


@pytest.mark.parametrize("overrides, check_mode, status", [
    ({}, False, "confirmed"),
    ({"has_work": False, "plan": None, "confirmed": None}, False, "nothing_to_do"),
    ({"plan": None, "confirmed": None}, False, "precheck_failed"),
    ({"plan": dict(OK_PLAN, ok=False, problems=["192.0.2.9: not Established"]), "confirmed": None}, False,
     "precheck_failed"),
    ({"failure": {"task": "Fail the verification", "msg": "lost 3"}, "aborted": {"changed": True},
      "confirmed": None}, False, "rolled_back"),
    # the abort is skipped only when the commit task was (no trial commit attempted); an attempted commit without
    # a read-back is unknown (test_rollout_truth.py)
    ({"failure": {"task": "Commit all", "msg": "rejected"}, "applied": SKIPPED, "aborted": SKIPPED, "confirmed": None},
     False, "failed"),
    ({"prepared": {"failed": True, "msg": "x"}, "confirmed": None}, False, "failed"),
    ({"facts_prepared": {"failed": True}, "confirmed": None}, False, "failed"),
    ({"confirmed": None}, False, "failed"),
    ({"confirmed": {"changed": False}}, False, "failed"),
    ({"applied": SKIPPED, "confirmed": SKIPPED}, False, "unchanged"),
    ({"confirmed": {"changed": False}}, True, "would_change"),
    ({"applied": SKIPPED, "pending": {"changed": True}, "confirmed": SKIPPED}, True, "would_change"),
    ({"applied": SKIPPED, "confirmed": SKIPPED}, True, "unchanged"),
])
def test_status_is_the_first_rule_that_applies(overrides, check_mode, status):
    assert vrp_rollout_report(steps(**overrides), "PE1", check_mode)["status"] == status


@pytest.mark.parametrize("overrides, message", [
    ({}, ""),
    ({"failure": {"task": "Soft reset each target", "msg": "PE1: refresh: closed"}},
     "Soft reset each target: PE1: refresh: closed"),
    ({"pending": {"failed": True, "msg": "a trial commit by someone else is pending"}},
     "a trial commit by someone else is pending"),
    ({"pending": {"failed": True}}, "a trial commit is pending on the router; wait for it to end or abort it"),
    ({"facts": {"failed": True, "msg": "PE1: login: authentication failed"}}, "PE1: login: authentication failed"),
    ({"plan": dict(OK_PLAN, ok=False, problems=["a", "b"])}, "a; b"),
    ({"prepared": {"failed": True}}, "keep-all-routes failed"),
    # issue 16 item 6: the loop's failed items say why, not "One or more items failed"
    ({"prepared": {"failed": True, "msg": "One or more items failed", "results": [
        {"changed": False, "skipped": True},
        {"failed": True, "msg": "PE1: commit: Error: Failed to commit the configuration."}]}},
     "PE1: commit: Error: Failed to commit the configuration."),
    ({"facts_prepared": {"failed": True}}, "sessions did not return to Established after keep-all-routes"),
])
def test_message_says_why_the_rollout_stopped(overrides, message):
    assert vrp_rollout_report(steps(**overrides), "PE1")["message"] == message


def test_confirmed_report_fields():
    report = vrp_rollout_report(steps(), "PE1")
    assert report["router"] == "PE1" and report["check_mode"] is False and report["verified"] is True
    assert report["changes"] == ["c1"] and report["commit_id"] == "1000000009"
    assert report["config_updates"] == ["ip ip-prefix P index 10 permit 10.0.0.0 8"]
    assert report["soft_reset_commands"] == ["refresh bgp 192.0.2.1 import"] and report["hard_reset_commands"] == []
    assert report["peers"] == [{"address": "192.0.2.1"}] and report["would_send"] == []   # check mode only
    assert report["recovered"] == {"trial_aborted": False, "trial_commit_id": None, "candidate_discarded": False}
    assert report["rollback"] == {"aborted": False, "restore_commands": [], "restore_failures": []}


def test_rolled_back_report_lists_restore_commands_and_failures():
    report = vrp_rollout_report(steps(
        failure={"task": "Fail the verification", "msg": "lost"}, aborted={"changed": True}, confirmed=None,
        restored={"changed": True, "commands": ["refresh bgp 192.0.2.1 import"], "failed": False,
                  "failed_when_result": False, "msg": "PE1: verify: 192.0.2.1: session is Idle after the refresh"},
        hard_restored={"results": [{"failed": True}, {"skipped": True}, {"changed": True, "commands": ["reset bgp 10.0.0.2"]}]}),
        "PE1")
    assert report["status"] == "rolled_back"
    # failed_when: false clears "failed" on the restore steps; their msg still says what went wrong
    assert report["rollback"] == {"aborted": True,
                                  "restore_commands": ["refresh bgp 192.0.2.1 import", "reset bgp 10.0.0.2"],
                                  "restore_failures": ["PE1: verify: 192.0.2.1: session is Idle after the refresh",
                                                       "failed"]}


def test_a_skipped_step_adds_nothing():
    report = vrp_rollout_report(steps(soft_resets={"changed": False, "skipped": True}, applied=SKIPPED,
                                      confirmed=SKIPPED, restored={"skipped": True, "msg": "not a failure"}), "PE1")
    assert report["soft_reset_commands"] == [] and report["rollback"]["restore_failures"] == []


def test_keep_all_routes_sessions_and_recovery_fields():
    report = vrp_rollout_report(steps(
        prepared={"changed": True, "results": [{"changed": True, "sessions_reset": [{"address": "10.0.0.2"}]},
                                               {"skipped": True, "sessions_reset": [{"address": "ignored"}]}]},
        pending={"changed": True, "trial_commit_id": "1000000007", "candidate_pending": True}), "PE1")
    assert report["prepared"] == [{"address": "10.0.0.2"}]
    assert report["recovered"] == {"trial_aborted": True, "trial_commit_id": "1000000007", "candidate_discarded": True}


def test_check_mode_lists_every_command_the_run_would_send_and_discards_nothing():
    report = vrp_rollout_report(steps(
        pending={"changed": True, "candidate_pending": True, "commands": ["abort trial", "Y"]},
        prepared={"changed": True, "results": [
            {"changed": True, "commands": ["bgp 65000", "ipv4-family unicast", "peer 10.0.0.2 keep-all-routes",
                                           "quit", "commit description kar"]}, {"skipped": True, "commands": ["x"]}]},
        hard_resets={"changed": True, "results": [{"changed": True, "commands": ["reset bgp 10.0.0.9"]}]},
        confirmed={"changed": False}), "PE1", True)
    assert report["status"] == "would_change"
    # in the order the role sends them, view moves left out; the confirm although check mode made no trial
    assert report["would_send"] == [
        "abort trial", "Y", "bgp 65000", "ipv4-family unicast", "peer 10.0.0.2 keep-all-routes", "commit description kar",
        "commit trial 600", "refresh bgp 192.0.2.1 import", "reset bgp 10.0.0.9", "commit"]
    assert report["recovered"]["candidate_discarded"] is False


def _prepared(before, after, changed=True, **extra):
    return {"results": [dict({"item": {"address_family": "ipv4", "vpn_instance": None, "peers": list(after)},
                              "changed": changed, "before": before, "after": after}, **extra)]}


def test_keep_all_routes_enabled_by_the_run_are_reported_left_after_a_rollback():
    """Issue 16 item 7: keep-all-routes is committed before the trial, so an abort does not remove it; the role does
    not remove it either (the undo may re-establish the session), and the report says so."""
    steps = {"has_work": True, "plan": {"ok": True}, "prepared": _prepared({"198.51.100.1": False, "192.0.2.1": True},
                                                                          {"198.51.100.1": True, "192.0.2.1": True}),
             "failure": {"task": "Commit the change as a trial", "msg": "PE1: commit: Failed to commit"},
             "aborted": {"changed": False}}
    built = vrp_rollout_report(steps, "PE1")
    assert list(built)[-1] == "keep_all_routes_left"
    assert built["keep_all_routes_left"] == [{"address": "198.51.100.1", "address_family": "ipv4", "vpn_instance": None}]
    assert built["status"] == "failed"
    assert vrp_rollout_summary(built)[-1] == (
        "  keep-all-routes left enabled for 198.51.100.1 (ipv4): committed before the trial, so not rolled back "
        "(removing it may re-establish the session; docs/reliability.md)")
    confirmed = vrp_rollout_summary(dict(built, status="confirmed", message=""))
    assert not any("left enabled" in line for line in confirmed)


def test_keep_all_routes_left_is_empty_in_check_mode_and_for_failed_or_unchanged_preparation():
    steps = {"has_work": True, "plan": {"ok": True}, "prepared": _prepared({"10.0.0.2": False}, {"10.0.0.2": True})}
    assert vrp_rollout_report(steps, "PE1", check_mode=True)["keep_all_routes_left"] == []
    failed = dict(steps, prepared=_prepared({"10.0.0.2": False}, {"10.0.0.2": True}, failed=True))
    assert vrp_rollout_report(failed, "PE1")["keep_all_routes_left"] == []
    skipped = dict(steps, prepared={"results": [{"skipped": True}]})
    assert vrp_rollout_report(skipped, "PE1")["keep_all_routes_left"] == []
    assert vrp_rollout_report(dict(steps, prepared=None), "PE1")["keep_all_routes_left"] == []


def test_check_mode_without_a_change_would_send_nothing():
    report = vrp_rollout_report(steps(applied=SKIPPED, soft_resets=SKIPPED, confirmed=SKIPPED), "PE1", True)
    assert report["status"] == "unchanged" and report["would_send"] == []


def test_check_mode_summary_prints_the_whole_plan_in_order():
    lines = vrp_rollout_summary(report(
        status="would_change", check_mode=True, config_updates=["x"], soft_reset_commands=["refresh bgp all import"],
        prepared=[{"address": "10.0.0.2", "address_family": "ipv4", "vpn_instance": None}],
        would_send=["peer 10.0.0.2 keep-all-routes", "commit description kar", "x", "commit trial 600",
                    "refresh bgp all import", "commit"]))
    assert lines == [
        "PE1: WOULD_CHANGE (check mode: nothing was sent but display commands)",
        "  would apply: x",
        "  would enable keep-all-routes for 10.0.0.2 (ipv4): session re-established once",
        "  would send, in this order (moves between views left out):",
        "    peer 10.0.0.2 keep-all-routes",
        "    commit description kar",
        "    x",
        "    commit trial 600",
        "    refresh bgp all import",
        "    commit",
    ]
