"""bgp_facts over SSH against the vrpsim demo topology: the facts shape filled in sensibly, only
displays sent (check mode too), jmespath query."""

import pytest
from harness import assert_only_displays, commands_sent, demo_topology, logins

PEER_KEYS = {"address", "address_family", "vpn_instance", "remote_as", "type", "group", "state", "up_down",
             "uptime_seconds", "up_count", "prefixes_received", "prefixes_advertised", "route_refresh",
             "keep_all_routes", "import_policy", "export_policy", "refresh_sent", "refresh_received"}


@pytest.fixture
def demo(make_lab):
    return make_lab(demo_topology())


def test_facts_of_the_demo_lab(demo, run_tasks):
    res = run_tasks("""
    - name: facts
      netops.vrp.bgp_facts:
        query: "peers[?route_refresh.negotiated == `false` && !keep_all_routes].[address, vpn_instance]"
    - name: brief
      netops.vrp.bgp_facts:
        gather_subset: [vpn-instance]
        vpn_instances: [vpna]
        verbose: false
      check_mode: true
    """, lab=demo, limit="PE1")
    assert res.ok, res.summary()
    result = res["facts"]["PE1"]
    assert result["changed"] is False
    facts = result["ansible_facts"]["netops_vrp_bgp"]
    assert (facts["local_as"], facts["router_id"]) == ("65000", "10.0.0.1")
    peers = {(p["address_family"], p["vpn_instance"], p["address"]): p for p in facts["peers"]}
    assert set(peers) == {("ipv4", None, "10.0.0.3"), ("ipv4", None, "192.0.2.1"), ("ipv4", None, "198.51.100.1"),
                          ("vpnv4", None, "10.0.0.3"), ("vpn-instance", "vpna", "172.16.1.2"),
                          ("ipv6", None, "2001:db8:ffff::1")}
    for key, peer in peers.items():
        assert set(peer) == PEER_KEYS, key
        # every session of the demo is up: all counters and capabilities are known (verbose)
        assert peer["state"] == "Established" and peer["type"] in ("internal", "external"), key
        for field in ("up_count", "prefixes_received", "prefixes_advertised", "refresh_sent", "refresh_received",
                      "uptime_seconds"):
            assert isinstance(peer[field], int), (key, field)
        assert peer["up_count"] == 1 and peer["refresh_sent"] == 0
        assert peer["route_refresh"]["local"] is True and isinstance(peer["route_refresh"]["negotiated"], bool)
        assert peer["keep_all_routes"] is False
    upstream_a, upstream_b = peers[("ipv4", None, "192.0.2.1")], peers[("ipv4", None, "198.51.100.1")]
    assert (upstream_a["remote_as"], upstream_a["group"], upstream_a["type"]) == ("64501", "UPSTREAM", "external")
    assert (upstream_a["import_policy"], upstream_a["export_policy"]) == ("RP-UPSTREAM-IN", "RP-UPSTREAM-OUT")
    assert upstream_a["prefixes_received"] == 3 and upstream_a["route_refresh"]["negotiated"] is True
    assert upstream_b["route_refresh"] == {"local": True, "peer": False, "negotiated": False}
    assert upstream_b["prefixes_received"] == 1        # 10.51.0.0/16 denied by RP-UPSTREAM-IN
    rr = peers[("ipv4", None, "10.0.0.3")]
    assert (rr["group"], rr["type"], rr["remote_as"], rr["import_policy"]) == ("IBGP-RR", "internal", "65000", None)
    ce1 = peers[("vpn-instance", "vpna", "172.16.1.2")]
    assert (ce1["import_policy"], ce1["prefixes_received"], ce1["remote_as"]) == ("RP-CE-IN", 2, "65020")
    v6 = peers[("ipv6", None, "2001:db8:ffff::1")]
    assert (v6["import_policy"], v6["remote_as"]) == ("RP-V6-IN", "64510")
    groups = {(g["name"], g["address_family"]): g for g in facts["groups"]}
    assert groups[("UPSTREAM", "ipv4")]["members"] == ["192.0.2.1", "198.51.100.1"]
    assert groups[("UPSTREAM", "ipv4")]["type"] == "external"
    assert groups[("IBGP-RR", "ipv4")]["members"] == ["10.0.0.3"]
    # the query: UPSTREAM-B has neither route-refresh nor keep-all-routes
    assert result["query_result"] == [["198.51.100.1", None]]
    assert result["commands"] == [
        "display current-configuration configuration bgp", "display bgp peer", "display bgp ipv6 peer",
        "display bgp vpnv4 all peer", "display bgp peer verbose", "display bgp ipv6 peer verbose",
        "display bgp vpnv4 all peer verbose", "display bgp vpnv4 vpn-instance vpna peer verbose"]

    brief = res["brief"]["PE1"]
    assert brief["changed"] is False and "query_result" not in brief
    only = brief["ansible_facts"]["netops_vrp_bgp"]["peers"]
    assert [(p["address"], p["up_count"], p["refresh_sent"]) for p in only] == [("172.16.1.2", None, None)]
    assert brief["commands"] == ["display current-configuration configuration bgp",
                                 "display bgp vpnv4 vpn-instance vpna peer"]
    assert commands_sent(demo, "PE1", since=res) == result["commands"] + brief["commands"]
    assert_only_displays(demo, "PE1", since=res)


def test_bad_query_fails_before_connecting(demo, run_tasks):
    res = run_tasks("""
    - name: bad
      netops.vrp.bgp_facts:
        query: "peers[?"
    """, lab=demo, limit="PE1")
    assert not res.ok and "invalid JMESPath expression" in res["bad"]["PE1"]["msg"]
    assert logins(demo, "PE1", since=res) == 0 and commands_sent(demo, "PE1", since=res) == []


@pytest.mark.parametrize("check", [False, True], ids=["run", "check"])
def test_set_facts_false_returns_the_facts_in_the_result_and_sets_no_host_fact(demo, run_tasks, check):
    res = run_tasks("""
    - name: snapshot
      netops.vrp.bgp_facts:
        gather_subset: [ipv4]
        set_facts: false
      register: snapshot
    - name: host fact
      ansible.builtin.debug:
        msg: "{{ netops_vrp_bgp is defined }} {{ ansible_facts.netops_vrp_bgp is defined }}"
    - name: same facts
      netops.vrp.bgp_facts:
        gather_subset: [ipv4]
    """, lab=demo, limit="PE1", check=check)
    assert res.ok, res.summary()
    snapshot, same = res["snapshot"]["PE1"], res["same facts"]["PE1"]
    assert "ansible_facts" not in snapshot and snapshot["changed"] is False
    assert res["host fact"]["PE1"]["msg"] == "False False"
    # what the result carries is exactly what the host fact would have been (uptimes aside: read later)
    def without_uptime(facts):
        return dict(facts, peers=[dict(p, uptime_seconds=None, up_down=None) for p in facts["peers"]])
    assert without_uptime(snapshot["netops_vrp_bgp"]) == without_uptime(same["ansible_facts"]["netops_vrp_bgp"])
    assert {p["address"] for p in snapshot["netops_vrp_bgp"]["peers"]} == {"10.0.0.3", "192.0.2.1", "198.51.100.1"}
    assert_only_displays(demo, "PE1", since=res)


def test_unknown_vpn_instance_fails_naming_it(demo, run_tasks):
    """Issue 16 item 12: a VPN instance the router lacks is an error (as in every other module), not an empty answer."""
    res = run_tasks("""
    - name: typo
      netops.vrp.bgp_facts:
        gather_subset: [vpn-instance]
        vpn_instances: [vpna, vpnz]
        query: "peers[].address"
    """, lab=demo, limit="PE1")
    result = res["typo"]["PE1"]
    assert result["_status"] == "failed" and result["changed"] is False and result["step"] == "vpn_instances"
    assert result["msg"] == ("PE1: vpn_instances: VPN instance vpnz has no BGP configuration (no 'ipv4-family "
                             "vpn-instance vpnz' in bgp 65000); configured: vpna")
    assert "query_result" not in result
    assert commands_sent(demo, "PE1", since=res) == ["display current-configuration configuration bgp"]
