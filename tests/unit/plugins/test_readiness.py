"""vrp_readiness (plugin_utils/readiness.py) over PE1's recorded BGP facts: who can take an inbound soft
reset, the remedy of the others, the scopes and their problems."""
import pytest
from ansible.errors import AnsibleFilterError
from recorded_facts import facts_with, peer, recorded_facts

from ansible_collections.netops.vrp.plugins.filter.vrp_readiness import FilterModule
from ansible_collections.netops.vrp.plugins.plugin_utils.readiness import readiness, readiness_remedy

# two peers not ready: 198.51.100.9 only has route-refresh off locally (its keep-all-routes removed),
# 2001:db8::2 no longer negotiates it (the far end does not advertise it)
NOT_READY = {("198.51.100.9", "ipv4", None): {"keep_all_routes": False},
             ("2001:db8::2", "ipv6", None): {"route_refresh": {"local": True, "peer": False, "negotiated": False}}}


def rows(audit):
    return {(r["address"], r["address_family"], r["vpn_instance"]): r for r in audit["peers"]}


def test_the_filter_file_holds_only_its_filter():
    assert FilterModule().filters() == {"vrp_readiness": readiness}


def test_every_peer_is_audited_by_the_soft_reset_path_rule():
    audit = readiness(recorded_facts())
    paths = {key: row["path"] for key, row in rows(audit).items()}
    assert paths == {
        ("10.0.0.2", "ipv4", None): "route-refresh", ("10.0.0.3", "ipv4", None): None,
        ("192.0.2.1", "ipv4", None): "keep-all-routes", ("198.51.100.9", "ipv4", None): "keep-all-routes",
        ("2001:db8::2", "ipv6", None): "route-refresh", ("10.0.0.2", "vpnv4", None): "route-refresh",
        ("172.16.1.2", "vpn-instance", "vpna"): "route-refresh",
        ("172.16.2.2", "vpn-instance", "vpnb"): "keep-all-routes"}
    # the Active session's capabilities are unknown: not ready, and no remedy to offer
    assert audit["ready"] == 7 and audit["not_ready"] == ["10.0.0.3 (ipv4)"] and audit["unknown"] == ["10.0.0.3"]
    assert audit["route_refresh"] == [] and audit["keep_all_routes"] == [] and audit["problems"] == []
    row = rows(audit)[("198.51.100.9", "ipv4", None)]
    assert row == {"address": "198.51.100.9", "address_family": "ipv4", "vpn_instance": None, "group": None,
                   "state": "Established", "route_refresh_local": False, "route_refresh_peer": False,
                   "route_refresh_negotiated": False, "keep_all_routes": True, "path": "keep-all-routes",
                   "remedy": None, "remote_host": None, "ready": True}


def test_remedies_and_the_module_calls_that_apply_them():
    audit = readiness(facts_with(NOT_READY))
    assert audit["not_ready"] == ["10.0.0.3 (ipv4)", "198.51.100.9 (ipv4)", "2001:db8::2 (ipv6)"]
    assert rows(audit)[("198.51.100.9", "ipv4", None)]["remedy"] == "route-refresh"   # our own undo
    assert rows(audit)[("2001:db8::2", "ipv6", None)]["remedy"] == "keep-all-routes"
    assert audit["route_refresh"] == [{"address_family": "ipv4", "vpn_instance": None, "peers": ["198.51.100.9"]}]
    assert audit["keep_all_routes"] == [{"address_family": "ipv6", "vpn_instance": None, "peers": ["2001:db8::2"]}]
    assert audit["ready"] == 5 and audit["unknown"] == ["10.0.0.3"]


def test_methods_limit_the_remedies():
    only_kar = readiness(facts_with(NOT_READY), methods=["keep-all-routes"])
    # without route-refresh, the peer whose capability is off locally gets keep-all-routes
    assert only_kar["route_refresh"] == []
    assert only_kar["keep_all_routes"] == [{"address_family": "ipv4", "vpn_instance": None, "peers": ["198.51.100.9"]},
                                           {"address_family": "ipv6", "vpn_instance": None, "peers": ["2001:db8::2"]}]
    only_rr = readiness(facts_with(NOT_READY), methods=["route-refresh"])
    assert only_rr["keep_all_routes"] == [] and only_rr["unknown"] == ["10.0.0.3", "2001:db8::2"]
    assert [c["peers"] for c in only_rr["route_refresh"]] == [["198.51.100.9"]]


def test_readiness_remedy_needs_an_established_session_for_keep_all_routes():
    facts = facts_with(NOT_READY)
    assert readiness_remedy(peer(facts, "10.0.0.2")) is None                    # ready already
    assert readiness_remedy(peer(facts, "10.0.0.3")) is None                    # Active: unknown
    assert readiness_remedy(peer(facts, "2001:db8::2", "ipv6")) == "keep-all-routes"
    peer(facts, "198.51.100.9")["state"] = "Idle"
    assert readiness_remedy(peer(facts, "198.51.100.9")) == "route-refresh"     # known from our own config


def test_scopes_select_with_the_modules_selection_and_dedupe():
    audit = readiness(recorded_facts(), scopes=[
        {"address_family": "vpn-instance", "vpn_instance": "vpnb", "selector": "all"},
        {"peers": ["10.0.0.2"]}, {"groups": ["RR"]}, {"address_family": "ipv6", "peers": ["2001:DB8::2"]}])
    assert audit["problems"] == []
    assert [(r["address"], r["address_family"]) for r in audit["peers"]] == [
        ("172.16.2.2", "vpn-instance"), ("10.0.0.2", "ipv4"), ("10.0.0.3", "ipv4"), ("2001:db8::2", "ipv6")]


def test_scopes_that_cannot_be_audited_are_problems():
    audit = readiness(recorded_facts(), scopes=[
        {"groups": ["NOPE"]}, {"peers": ["10.9.9.9"]},
        {"address_family": "vpn-instance", "vpn_instance": "vpnx", "selector": "external"},
        {"address_family": "vpn-instance", "vpn_instance": "v" * 32, "selector": "all"},
        {"address_family": "vpn-instance", "selector": "all"}, {"peers": ["10.0.0.2"], "groups": ["RR"]}])
    assert audit["peers"] == []
    assert audit["problems"][:3] == ["target ipv4 groups NOPE: group NOPE has no peers in ipv4",
                                     "target ipv4 peers 10.9.9.9: peer 10.9.9.9 is not configured in ipv4",
                                     "target vpn-instance vpnx selector external: no external peers in vpn-instance"]
    assert audit["problems"][3].startswith("target vpn-instance %s selector all: invalid vpn_instance: " % ("v" * 32))
    assert audit["problems"][4:] == [
        "target vpn-instance selector all: vpn_instance is required with address_family vpn-instance",
        "target ipv4 peers 10.0.0.2 groups RR: give exactly one of peers, groups, selector"]


def test_scopes_of_other_routers_are_left_out_and_remote_hosts_named():
    audit = readiness({"netops_vrp_bgp": recorded_facts()}, host="PE1", router_ids={"PE2": "10.0.0.2", "PE3": None},
                      scopes=[{"peers": ["10.0.0.2"], "routers": ["PE1"]}, {"groups": ["NOPE"], "routers": ["PE9"]},
                              {"address_family": "vpnv4", "peers": ["10.0.0.2"]}])
    assert audit["problems"] == []
    assert [(r["address"], r["address_family"], r["remote_host"]) for r in audit["peers"]] == [
        ("10.0.0.2", "ipv4", "PE2"), ("10.0.0.2", "vpnv4", "PE2")]


def test_input_must_be_bgp_facts():
    assert readiness({"ansible_facts": {"netops_vrp_bgp": recorded_facts()}})["ready"] == 7
    with pytest.raises(AnsibleFilterError, match="expected BGP facts"):
        readiness({"changed": False})
    with pytest.raises(AnsibleFilterError, match="got list"):
        readiness([])
