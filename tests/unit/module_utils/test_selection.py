"""module_utils/selection.py: one selection for the modules and the roles' filters. Over PE1's recorded
outputs (``test_bgp_operations.replies``): the same target picks the same facts entries in both paths, AS
numbers compare as numbers in both (asdot against plain), and what each path refuses or reports."""
import pytest
from test_bgp_operations import CONFIG, make_cli, non_displays, replies

from ansible_collections.netops.vrp.plugins.module_utils import bgp_hard_reset as hard
from ansible_collections.netops.vrp.plugins.module_utils.bgp_facts import gather_bgp_facts
from ansible_collections.netops.vrp.plugins.module_utils.parsers import parse_bgp_config
from ansible_collections.netops.vrp.plugins.module_utils.scope import Scope, scopes_from_params
from ansible_collections.netops.vrp.plugins.module_utils.selection import (
    dedupe_peers,
    family_label,
    peer_key,
    resolve_target,
    select_scope_peers,
    target_scopes,
)

ALL = ["ipv4", "ipv6", "vpnv4", "vpn-instance"]
ROW_192 = "  192.0.2.1       4       65010 "


def facts_and_cfg(**overrides):
    outputs = replies(**overrides)
    cli, _ = make_cli(**overrides)
    return gather_bgp_facts(cli, subset=ALL), parse_bgp_config(outputs[CONFIG])


def addresses(peers):
    return [(p["address_family"], p["vpn_instance"], p["address"]) for p in peers]


@pytest.mark.parametrize("target", [
    {"peers": ["10.0.0.2", "192.0.2.1"]}, {"groups": ["RR", "EBGP-UP"]}, {"selector": "external"},
    {"selector": "internal"}, {"selector": "all"}, {"address_family": "ipv6", "peers": ["2001:DB8::2"]},
    {"address_family": "vpnv4", "selector": "all"}, {"address_family": "vpnv4", "groups": ["RR"]},
    {"address_family": "vpn-instance", "vpn_instance": "vpnb", "groups": ["CE-B"]},
    {"address_family": "vpn-instance", "vpn_instance": "vpna", "selector": "external"},
])
def test_module_and_filter_select_the_same_peers(target):
    facts, cfg = facts_and_cfg()
    module = []
    for scope in scopes_from_params(target, "refresh"):
        chosen, problem = select_scope_peers(facts, cfg, scope)
        assert problem is None
        module.extend(chosen)
    selected, problems = resolve_target(facts, target, "t")
    assert problems == [] and selected and addresses(selected) == addresses(module)


@pytest.mark.parametrize("shown,given", [("65546", "1.10"), ("1.10", "65546")])
def test_module_path_compares_as_numbers_asdot_against_plain(shown, given):
    """bgp_reset ``as_number`` over a router that shows the AS the other way (plain vs asdot)."""
    outputs = replies()
    row = ROW_192.replace("65010", "%5s" % shown)
    overrides = {CONFIG: outputs[CONFIG].replace("as-number 65010", "as-number %s" % shown),
                 "display bgp peer": outputs["display bgp peer"].replace(ROW_192, row)}
    facts, _cfg = facts_and_cfg(**overrides)
    assert [p["remote_as"] for p in facts["peers"] if p["address"] == "192.0.2.1"] == [shown]
    cli, transport = make_cli(**overrides)
    result = hard.run_reset(cli, {"address_family": "ipv4", "as_number": given, "wait": False}, check_mode=True)
    assert result["commands"] == ["reset bgp %s" % given] and non_displays(transport) == []
    assert [(p["address"], p["selected"]) for p in result["peers"]] == [("192.0.2.1", True)]


@pytest.mark.parametrize("shown,given", [("65546", "1.10"), ("1.10", "65546")])
def test_filter_path_compares_as_numbers_asdot_against_plain(shown, given):
    facts, _cfg = facts_and_cfg()
    for entry in facts["peers"]:
        if entry["address"] == "192.0.2.1":
            entry["remote_as"] = shown
    selected, problems = resolve_target(facts, {"as_number": given}, "t")
    assert problems == [] and addresses(selected) == [("ipv4", None, "192.0.2.1")]


@pytest.mark.parametrize("scope,problem", [
    (Scope("ipv4", None, "peer", "10.9.9.9"),
     "10.9.9.9 is not a peer of IPv4 unicast (peers there: 10.0.0.2, 10.0.0.3, 192.0.2.1, 198.51.100.9)"),
    (Scope("ipv4", None, "group", "CE-B"),
     "peer group CE-B does not exist in the public BGP instance (groups there: RR, EBGP-UP)"),
    (Scope("vpn-instance", "vpnz", "all"),
     "VPN instance vpnz has no BGP configuration (no 'ipv4-family vpn-instance vpnz' in bgp 65000); "
     "configured: vpna, vpnb"),
])
def test_module_path_refuses_what_the_configuration_lacks(scope, problem):
    facts, cfg = facts_and_cfg()
    assert select_scope_peers(facts, cfg, scope) == ([], problem)


def test_module_path_without_bgp_and_empty_classes():
    facts, cfg = facts_and_cfg()
    assert select_scope_peers(facts, dict(cfg, local_as=None), Scope("ipv4", None, "all")) == (
        [], "BGP is not configured on this router")
    # a class selecting nobody is no problem: the command reaches no peer
    assert select_scope_peers(facts, cfg, Scope("ipv6", None, "internal")) == ([], None)


def test_filter_path_reports_each_selector_that_selects_nothing():
    facts, _cfg = facts_and_cfg()
    selected, problems = resolve_target(facts, {"peers": ["10.0.0.2", "10.9.9.9"]}, "t1")
    assert addresses(selected) == [("ipv4", None, "10.0.0.2")]
    assert problems == ["target t1: peer 10.9.9.9 is not configured in ipv4"]
    assert resolve_target(facts, {"address_family": "ipv6", "selector": "internal"}, "t2") == (
        [], ["target t2: no internal peers in ipv6"])
    assert resolve_target(facts, {"as_number": "65099"}, "t3") == ([], ["target t3: no peers in AS 65099"])


def test_target_scopes_keys_and_labels():
    assert target_scopes({"address_family": "ipv4", "vpn_instance": "ignored", "groups": ["A", "B"]}) == [
        Scope("ipv4", None, "group", "A"), Scope("ipv4", None, "group", "B")]
    assert target_scopes({"address_family": "vpn-instance", "vpn_instance": "vpna"}) == [
        Scope("vpn-instance", "vpna", "all")]
    peer = {"address_family": "ipv6", "vpn_instance": None, "address": "2001:DB8::2"}
    assert peer_key(peer) == ("ipv6", None, "2001:db8::2")
    assert dedupe_peers([peer, dict(peer, address="2001:db8::2"), dict(peer, address_family="vpnv4")]) == [
        peer, dict(peer, address_family="vpnv4")]
    assert [family_label(af, "vpna") for af in ALL] == ["IPv4 unicast", "IPv6 unicast", "VPNv4", "VPN instance vpna"]
