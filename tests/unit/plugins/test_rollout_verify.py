"""vrp_rollout_verify (plugin_utils/rollout.py) over PE1's recorded BGP facts and a plan made by
vrp_rollout_plan: per-peer paths and prefix deltas, the bounds, sessions reset, assertions, check mode."""
from recorded_facts import facts_with, recorded_facts

from ansible_collections.netops.vrp.plugins.filter.vrp_rollout_verify import FilterModule
from ansible_collections.netops.vrp.plugins.plugin_utils.rollout import rollout_plan, rollout_verify

V4_IMPORT = {"peers": ["10.0.0.2"], "direction": "import"}
V6_EXPORT = {"address_family": "ipv6", "peers": ["2001:db8::2"], "direction": "export", "name": "v6-out"}
# 10.0.0.2 receives 12 -> 9 routes after the new import policy; 2001:db8::2 advertises 6 -> 8
AFTER = {("10.0.0.2", "ipv4", None): {"prefixes_received": 9},
         ("2001:db8::2", "ipv6", None): {"prefixes_advertised": 8}}


def verify(targets, after_changes=AFTER, plan_facts=None, **kwargs):
    before = plan_facts or recorded_facts()
    plan = rollout_plan(before, targets)
    assert plan["ok"], plan["problems"]
    return rollout_verify(facts_with(after_changes, before), before, plan, **kwargs)


def test_the_filter_file_holds_only_its_filter():
    assert FilterModule().filters() == {"vrp_rollout_verify": rollout_verify}


def test_per_peer_paths_and_prefix_deltas():
    verdict = verify([V4_IMPORT, V6_EXPORT])
    assert verdict["ok"] and verdict["verified"] and verdict["problems"] == [] and verdict["sessions_reset"] == []
    assert verdict["peers"] == [
        {"address": "10.0.0.2", "address_family": "ipv4", "vpn_instance": None, "target": "ipv4 peers 10.0.0.2 import",
         "direction": "import", "path": "route-refresh", "state_after": "Established", "prefixes_before": 12,
         "prefixes_after": 9, "delta": -3},
        {"address": "2001:db8::2", "address_family": "ipv6", "vpn_instance": None, "target": "v6-out",
         "direction": "export", "path": "export", "state_after": "Established", "prefixes_before": 6,
         "prefixes_after": 8, "delta": 2}]


def test_prefix_bounds_of_the_call_and_of_the_target():
    verdict = verify([V4_IMPORT, V6_EXPORT], max_prefix_loss=2, max_prefix_loss_pct=20, max_prefix_gain=1)
    assert not verdict["ok"]
    assert verdict["problems"] == [
        "peer 10.0.0.2 (ipv4 peers 10.0.0.2 import): lost 3 routes (import), more than the allowed 2",
        "peer 10.0.0.2 (ipv4 peers 10.0.0.2 import): lost 3 of 12 routes (import), more than the allowed 20%",
        "peer 2001:db8::2 (v6-out): gained 2 routes (export), more than the allowed 1"]
    # a target's own bounds override the call's; -1 means no limit
    loose = dict(V4_IMPORT, max_prefix_loss=3, max_prefix_loss_pct=-1)
    assert verify([loose, dict(V6_EXPORT, max_prefix_gain=2)], max_prefix_loss=0, max_prefix_loss_pct=1,
                  max_prefix_gain=0)["problems"] == []


def test_sessions_reset_are_problems_except_the_planned_hard_resets():
    # 2001:db8::2 has no import path: the plan hard resets it (allowed), so its restart is expected
    before = facts_with({("2001:db8::2", "ipv6", None): {"route_refresh": {"local": True, "peer": False,
                                                                          "negotiated": False}}})
    v6_import = {"address_family": "ipv6", "peers": ["2001:db8::2"], "direction": "import"}
    plan = rollout_plan(before, [V4_IMPORT, v6_import], allow_hard_reset=True)
    assert plan["ok"] and plan["hard_resets"] == [{"address_family": "ipv6", "vpn_instance": None,
                                                   "peers": ["2001:db8::2"]}]
    after = facts_with({("2001:db8::2", "ipv6", None): {"up_count": 2, "uptime_seconds": 3},
                        ("192.0.2.1", "ipv4", None): {"up_count": 2, "uptime_seconds": 3},
                        ("172.16.1.2", "vpn-instance", "vpna"): {"state": "Connect"},
                        ("10.0.0.3", "ipv4", None): None}, before)   # Active before: not counted
    verdict = rollout_verify(after, before, plan)
    assert verdict["sessions_reset"] == [
        {"address": "192.0.2.1", "address_family": "ipv4", "vpn_instance": None,
         "reason": "was re-established (up count 1 -> 2)"},
        {"address": "172.16.1.2", "address_family": "vpn-instance", "vpn_instance": "vpna", "reason": "is Connect"}]
    assert verdict["problems"] == [
        "session 192.0.2.1 (ipv4) was re-established (up count 1 -> 2) during the rollout",
        "session 172.16.1.2 (vpn-instance vpna) is Connect during the rollout"]
    assert [(p["address"], p["path"]) for p in verdict["peers"]] == [("10.0.0.2", "route-refresh"),
                                                                      ("2001:db8::2", "hard-reset")]


def test_the_soft_reset_results_name_the_path_taken():
    results = [{"skipped": True, "peers": [{"address": "10.0.0.2", "address_family": "ipv4", "vpn_instance": None,
                                            "path": "export"}]},
               {"changed": True, "peers": [{"address": "10.0.0.2", "address_family": "ipv4", "vpn_instance": None,
                                            "path": "keep-all-routes"}]}]
    verdict = verify([V4_IMPORT], soft_reset_results=results)
    assert [p["path"] for p in verdict["peers"]] == ["keep-all-routes"]


def test_assertions_run_over_before_after_and_peers():
    verdict = verify([V4_IMPORT, V6_EXPORT], assertions=[
        {"name": "all Established", "query": "length(after.peers[?state!='Established'])", "expect": 1},
        {"name": "no import loss", "query": "peers[?direction=='import' && delta < `0`] | length(@) == `0`"},
        "before.local_as"])
    assert verdict["problems"] == ["assertion failed: no import loss (got False)"]


def test_check_mode_has_no_after_facts_and_judges_nothing():
    before = recorded_facts()
    plan = rollout_plan(before, [V4_IMPORT])
    verdict = rollout_verify(None, {"ansible_facts": {"netops_vrp_bgp": before}}, plan, max_prefix_loss=0,
                             assertions=["after.peers"])
    assert verdict == {"ok": True, "problems": [], "sessions_reset": [], "verified": False, "peers": [
        {"address": "10.0.0.2", "address_family": "ipv4", "vpn_instance": None, "target": "ipv4 peers 10.0.0.2 import",
         "direction": "import", "path": "route-refresh", "state_after": None, "prefixes_before": 12,
         "prefixes_after": None, "delta": None}]}
