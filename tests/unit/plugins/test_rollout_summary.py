"""vrp_rollout_summary: the lines the rollout role and `make demo` print for one router's report."""
from ansible_collections.netops.vrp.plugins.filter.vrp_rollout_summary import FilterModule, vrp_rollout_summary


def report(**overrides):
    base = {"router": "PE1", "status": "confirmed", "check_mode": False, "message": "", "changes": [],
            "config_updates": [], "commands": [], "commit_id": None, "prepared": [], "peers": [],
            "unchecked_soft_resets": [], "soft_reset_commands": [], "hard_reset_commands": [],
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
    assert FilterModule().filters()["vrp_rollout_summary"] is vrp_rollout_summary
