"""vrp_reset_plan and vrp_collateral_resets (plugin_utils/reset_plan.py) over PE1's recorded BGP facts:
the bgp_reset calls of each target, recently reset sessions skipped, AS numbers compared as numbers, and
afterwards the sessions that went down beside the planned ones."""
import pytest
from recorded_facts import facts_with, recorded_facts

from ansible_collections.netops.vrp.plugins.filter.vrp_collateral_resets import FilterModule as CollateralFilters
from ansible_collections.netops.vrp.plugins.filter.vrp_reset_plan import FilterModule as PlanFilters
from ansible_collections.netops.vrp.plugins.plugin_utils.reset_plan import collateral_resets, reset_plan


def test_the_filter_files_hold_only_their_filter():
    assert PlanFilters().filters() == {"vrp_reset_plan": reset_plan}
    assert CollateralFilters().filters() == {"vrp_collateral_resets": collateral_resets}


def test_a_group_target_keeps_its_own_form_and_lists_the_sessions_it_takes_down():
    plan = reset_plan(recorded_facts(), [{"groups": ["RR"], "name": "rr"}])
    assert plan["ok"] and plan["problems"] == [] and plan["skipped"] == []
    assert plan["resets"] == [{"address_family": "ipv4", "vpn_instance": None, "target": "rr", "groups": ["RR"]}]
    assert plan["peers"] == [
        {"address": "10.0.0.2", "address_family": "ipv4", "vpn_instance": None, "target": "rr",
         "state": "Established", "uptime_seconds": 57780, "up_count": 2},
        {"address": "10.0.0.3", "address_family": "ipv4", "vpn_instance": None, "target": "rr",
         "state": "Active", "uptime_seconds": 0, "up_count": 0}]


def test_recently_reset_sessions_are_skipped_and_the_rest_listed():
    # external IPv4: 192.0.2.1 up 1267 s (young at 3600), 198.51.100.9 up 9660 s
    plan = reset_plan(recorded_facts(), [{"selector": "external"}], min_uptime=3600)
    assert plan["skipped"] == [{"address": "192.0.2.1", "target": "ipv4 selector external",
                                "reason": "Established for 1267s only (< 3600s): already reset recently"}]
    assert plan["resets"] == [{"address_family": "ipv4", "vpn_instance": None, "target": "ipv4 selector external",
                               "peers": ["198.51.100.9"]}]
    assert [p["address"] for p in plan["peers"]] == ["198.51.100.9"]
    # a second run right after the first resets nothing
    again = reset_plan(facts_with({("198.51.100.9", "ipv4", None): {"uptime_seconds": 5}}),
                       [{"selector": "external"}], min_uptime=3600)
    assert again["ok"] and again["resets"] == [] and len(again["skipped"]) == 2
    # min_uptime 0 resets every targeted session in the target's own form
    assert reset_plan(recorded_facts(), [{"selector": "external"}])["resets"][0]["selector"] == "external"


@pytest.mark.parametrize("facts_as,target_as", [("65546", "1.10"), ("1.10", "65546"), ("65546", 65546),
                                                ("65010", "65010")])
def test_as_number_targets_compare_as_numbers(facts_as, target_as):
    """The role's plan and bgp_reset agree: asdot 1.10 is plain 65546 (validate.same_as_number)."""
    facts = facts_with({("192.0.2.1", "ipv4", None): {"remote_as": facts_as}})
    plan = reset_plan(facts, [{"as_number": target_as}])
    assert plan["problems"] == []
    assert plan["resets"] == [{"address_family": "ipv4", "vpn_instance": None, "target": "ipv4 as %s" % target_as,
                               "as_number": target_as}]
    assert [p["address"] for p in plan["peers"]] == ["192.0.2.1"]


def test_as_number_problems():
    plan = reset_plan(recorded_facts(), [{"as_number": "65099"}, {"as_number": "1.11", "peers": ["10.0.0.2"]},
                                         {"as_number": "65536.1"}])
    assert not plan["ok"] and plan["resets"] == []
    assert plan["problems"][:2] == ["target ipv4 as 65099: no peers in AS 65099",
                                    "target ipv4 peers 10.0.0.2 as 1.11: as_number excludes peers, groups and selector"]
    assert plan["problems"][2].startswith("target ipv4 as 65536.1: invalid as_number: asdot AS must be")


def test_slow_peer_resets_take_no_session_down():
    plan = reset_plan(recorded_facts(), [{"address_family": "vpnv4", "peers": ["10.0.0.2"], "slow_peer": True}])
    assert plan["resets"] == [{"address_family": "vpnv4", "vpn_instance": None, "slow_peer": True,
                               "target": "vpnv4 peers 10.0.0.2", "peers": ["10.0.0.2"]}]
    assert plan["peers"] == [] and plan["ok"]


def test_targets_are_resolved_in_their_family_and_for_their_router():
    plan = reset_plan(recorded_facts(), host="PE1", targets=[
        {"address_family": "ipv6", "peers": ["2001:DB8::2"]},
        {"address_family": "vpn-instance", "vpn_instance": "vpna", "peers": ["172.16.1.2"], "routers": ["PE1"]},
        {"peers": ["10.0.0.2"], "routers": ["PE2"]}])
    assert plan["ok"]
    assert plan["resets"] == [
        {"address_family": "ipv6", "vpn_instance": None, "target": "ipv6 peers 2001:DB8::2", "peers": ["2001:db8::2"]},
        {"address_family": "vpn-instance", "vpn_instance": "vpna", "target": "vpn-instance vpna peers 172.16.1.2",
         "peers": ["172.16.1.2"]}]


def test_targets_that_match_nothing_are_problems():
    plan = reset_plan(recorded_facts(), [
        {"peers": ["10.9.9.9"]}, {"address_family": "vpnv4", "groups": ["EBGP-UP"]},
        {"address_family": "vpn-instance", "vpn_instance": "vpnb", "selector": "internal"}])
    assert not plan["ok"] and plan["resets"] == [] and plan["peers"] == []
    assert plan["problems"] == ["target ipv4 peers 10.9.9.9: peer 10.9.9.9 is not configured in ipv4",
                                "target vpnv4 groups EBGP-UP: group EBGP-UP has no peers in vpnv4",
                                "target vpn-instance vpnb selector internal: no internal peers in vpn-instance"]


# --- collateral resets -------------------------------------------------------------------------------

def test_collateral_resets_are_the_other_sessions_that_went_down():
    before = recorded_facts()
    plan = reset_plan(before, [{"peers": ["10.0.0.2"]}])
    after = facts_with({("10.0.0.2", "ipv4", None): {"up_count": 3, "uptime_seconds": 2},
                        # the same TCP session carries VPNv4: expected to go down with it
                        ("10.0.0.2", "vpnv4", None): {"up_count": 3, "uptime_seconds": 2},
                        ("172.16.1.2", "vpn-instance", "vpna"): {"state": "Idle"},
                        ("2001:db8::2", "ipv6", None): None,
                        # Active before: not a session that could go down
                        ("10.0.0.3", "ipv4", None): {"state": "Idle"}})
    assert collateral_resets(after, {"netops_vrp_bgp": before}, plan) == [
        {"address": "2001:db8::2", "address_family": "ipv6", "vpn_instance": None, "reason": "is gone"},
        {"address": "172.16.1.2", "address_family": "vpn-instance", "vpn_instance": "vpna", "reason": "is Idle"}]


def test_collateral_resets_judge_by_up_count_then_uptime():
    before = facts_with({("192.0.2.1", "ipv4", None): {"up_count": None},
                         ("198.51.100.9", "ipv4", None): {"up_count": None}})
    after = facts_with({("192.0.2.1", "ipv4", None): {"up_count": None, "uptime_seconds": 12},
                        ("198.51.100.9", "ipv4", None): {"up_count": None, "uptime_seconds": None},
                        ("10.0.0.2", "ipv4", None): {"up_count": 2, "uptime_seconds": 1}})
    # 10.0.0.2: same up count, so the same session whatever its uptime says; 198.51.100.9: unknown
    # uptime (Up/Down overflow) is never evidence of a restart
    assert collateral_resets(after, before, {"peers": []}) == [
        {"address": "192.0.2.1", "address_family": "ipv4", "vpn_instance": None,
         "reason": "was re-established (uptime 1267s -> 12s)"}]


def test_no_after_facts_no_collateral_resets():
    assert collateral_resets(None, recorded_facts(), {"peers": []}) == []
    assert collateral_resets(recorded_facts(), recorded_facts(), {"peers": []}) == []
