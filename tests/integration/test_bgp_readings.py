"""BGP modules under each reading of the open vendor questions (vrpsim/platform.py READINGS), over real SSH
with ansible-playbook. Sources are in the docstrings; vrp-fidelity.md "Open items a device test would settle"."""
import copy

import pytest
from harness import commands_sent
from test_bgp_keep_all_routes import TOPOLOGY as KAR_TOPOLOGY
from test_bgp_keep_all_routes import wait_established

REASON = "first keep-all-routes on a peer without negotiated route-refresh"


def with_readings(topology, **readings):
    topo = copy.deepcopy(topology)
    topo["defaults"] = dict(topo.get("defaults") or {}, readings=readings)
    return topo


@pytest.mark.parametrize("reading", ["reset", "no_reset"])
def test_keep_all_routes_reenable_is_predicted_and_refused_under_both_readings(make_lab, run_tasks, reading):
    """Open item 4: `undo peer X keep-all-routes` then `peer X keep-all-routes` again without route-refresh:
    "If the router does not support the route-refresh capability ... run for the first time, the sessions
    ... will be re-established" [NE40E-CR bgp-peer-keep-all-routes(BGPOM)] -- a later enable is not
    described. The collection predicts the reset either way (refused without allow_session_reset) and
    reports only the resets it observes."""
    lab = make_lab(with_readings(KAR_TOPOLOGY, keep_all_routes_reenable=reading))
    wait_established(lab, ["PE1", "PE2"])
    res = run_tasks("""
    - name: first
      netops.vrp.bgp_keep_all_routes: {peers: [198.51.100.1], allow_session_reset: true}
    - name: undo
      netops.vrp.bgp_keep_all_routes: {peers: [198.51.100.1], state: absent, allow_session_reset: true}
    - name: refused
      netops.vrp.bgp_keep_all_routes: {peers: [198.51.100.1]}
      ignore_errors: true
    - name: again
      netops.vrp.bgp_keep_all_routes: {peers: [198.51.100.1], allow_session_reset: true}
    """, lab=lab, limit="PE1")
    assert res.ok, res.summary()
    predicted = [{"address": "198.51.100.1", "address_family": "ipv4", "vpn_instance": None, "reason": REASON}]
    first, undo, refused, again = (res[n]["PE1"] for n in ("first", "undo", "refused", "again"))
    assert [e["address"] for e in first["sessions_reset"]] == ["198.51.100.1"]
    assert undo["changed"] is True and undo["sessions_reset"] == []
    wait_established(lab, ["PE1"])
    assert refused["_status"] == "failed" and refused["commands"] == [] and "allow_session_reset" in refused["msg"]
    assert again["changed"] is True and again["sessions_reset_predicted"] == predicted
    upb = wait_established(lab, ["PE1"])["PE1"][(None, "198.51.100.1")]
    if reading == "reset":
        assert [e["address"] for e in again["sessions_reset"]] == ["198.51.100.1"]
        assert upb["up_count"] == 3
    else:
        assert again["sessions_reset"] == []
        assert any("predicted session reset not seen" in w for w in again["warnings"])
        assert upb["up_count"] == 2
    sent = commands_sent(lab, "PE1", since=res)
    assert sent.count("peer 198.51.100.1 keep-all-routes") == 2   # the refused run sent no configuration


@pytest.mark.parametrize("reading", ["no_reset", "reset"])
def test_keep_all_routes_undo_is_predicted_and_refused_under_both_readings(make_lab, run_tasks, reading):
    """Issue 16 item 7: "The undo peer keep-all-routes command disables this function" is all the vendor text
    says [NE40E-CR bgp-peer-keep-all-routes(BGPOM); CE-CR peer_keep-all-routes_(BGP_view)]. Whether the undo
    re-establishes a session without route-refresh is vrpsim reading keep_all_routes_undo; the collection predicts
    the reset under both (refused without allow_session_reset, only displays sent) and reports what it saw."""
    lab = make_lab(with_readings(KAR_TOPOLOGY, keep_all_routes_undo=reading))
    wait_established(lab, ["PE1", "PE2"])
    enabled = run_tasks("""
    - name: first
      netops.vrp.bgp_keep_all_routes: {peers: [198.51.100.1], allow_session_reset: true}
    """, lab=lab, limit="PE1")
    assert enabled.ok, enabled.summary()
    first = enabled["first"]["PE1"]
    wait_established(lab, ["PE1"])     # only an Established session has anything to drop
    res = run_tasks("""
    - name: refused
      netops.vrp.bgp_keep_all_routes: {peers: [198.51.100.1], state: absent}
      ignore_errors: true
    - name: undo
      netops.vrp.bgp_keep_all_routes: {peers: [198.51.100.1], state: absent, allow_session_reset: true}
    """, lab=lab, limit="PE1")
    assert res.ok, res.summary()
    refused, undo = (res[n]["PE1"] for n in ("refused", "undo"))
    predicted = [{"address": "198.51.100.1", "address_family": "ipv4", "vpn_instance": None,
                  "reason": "keep-all-routes removed from a peer without negotiated route-refresh (the vendor text "
                            "does not say whether the session is re-established; a reset is assumed)"}]
    assert [e["address"] for e in first["sessions_reset"]] == ["198.51.100.1"]
    assert refused["_status"] == "failed" and refused["commands"] == [] and "allow_session_reset" in refused["msg"]
    assert refused["sessions_reset_predicted"] == predicted
    assert undo["changed"] is True and undo["sessions_reset_predicted"] == predicted
    upb = wait_established(lab, ["PE1"])["PE1"][(None, "198.51.100.1")]
    assert not upb["keep_all_routes"].get("ipv4")
    if reading == "reset":
        assert [e["address"] for e in undo["sessions_reset"]] == ["198.51.100.1"] and upb["up_count"] == 3
    else:
        assert undo["sessions_reset"] == [] and upb["up_count"] == 2
        assert any("predicted session reset not seen" in w for w in undo["warnings"])
    sent = commands_sent(lab, "PE1", since=res)
    assert sent.count("undo peer 198.51.100.1 keep-all-routes") == 1   # the refused run sent no configuration


R6_TOPOLOGY = {
    "name": "r6",
    "defaults": {"username": "admin", "password": "Admin@123", "host": "127.0.0.1"},
    "base_port": 0,
    "timing": {"establish_delay": 0.2},
    "routers": [{"name": "PE1", "addresses": ["10.0.0.1"], "config": (
        "sysname PE1\n"
        "ip ip-prefix ONLY-51 index 10 permit 10.51.0.0 16\n"
        "route-policy RP-IN permit node 10\n if-match ip-prefix ONLY-51\n"
        "bgp 65000\n router-id 10.0.0.1\n peer 198.51.100.1 as-number 64502\n"
        " ipv4-family unicast\n  peer 198.51.100.1 enable\n  peer 198.51.100.1 keep-all-routes\n")}],
    "external_peers": [
        {"name": "UPB", "router": "PE1", "address": "198.51.100.1", "as": 64502, "route_refresh": False,
         "routes": [{"prefix": "10.51.0.0/16", "as_path": [64502]}, {"prefix": "10.52.0.0/16", "as_path": [64502]}]}],
}


@pytest.mark.parametrize("reading", ["reapply", "auto", "noop"])
def test_soft_reset_verifies_the_import_policy_effect_under_each_reading(make_lab, run_tasks, reading):
    """R6: with keep-all-routes, `refresh bgp ... import` may re-apply the import policy (reapply), do nothing
    ("the device does not refresh its routing table" [NE40E-CR refresh(BGPOM)]: noop), or the kept routes
    follow the policy at the commit ("the retained information can be used to regenerate BGP routes"
    [seed 000]: auto). bgp_soft_reset compares the accepted routes with the bound policy evaluated on the
    received (kept) routes: verified under reapply/auto; under noop it fails naming the operator action."""
    lab = make_lab(with_readings(R6_TOPOLOGY, keep_all_routes_refresh=reading))
    wait_established(lab, ["PE1"])
    res = run_tasks("""
    - name: bind
      netops.vrp.vrp_config:
        parents: [bgp 65000, ipv4-family unicast]
        lines: [peer 198.51.100.1 route-policy RP-IN import]
    - name: soft
      netops.vrp.bgp_soft_reset: {peers: [198.51.100.1], direction: import}
      ignore_errors: true
    """, lab=lab, limit="PE1")
    assert res.ok, res.summary()
    soft = res["soft"]["PE1"]
    peer = soft["peers"][0]
    assert peer["path"] == "keep-all-routes" and peer["policy_effect"]["policy"] == "RP-IN"
    accepted = list(lab.bgp("PE1")["sessions"][0]["ribs"]["ipv4"]["accepted"])
    if reading == "noop":
        assert soft["_status"] == "failed" and peer["policy_effect"]["status"] == "not_applied"
        assert "import policy RP-IN not in effect" in soft["msg"] and "10.52.0.0/16" in soft["msg"]
        assert "netops.vrp.bgp_reset" in soft["msg"]
        assert sorted(accepted) == ["10.51.0.0/16", "10.52.0.0/16"]
    else:
        assert soft["_status"] == "ok" and peer["verified"] is True
        assert peer["policy_effect"]["status"] == "verified" and accepted == ["10.51.0.0/16"]
    assert "display bgp routing-table peer 198.51.100.1 received-routes" in commands_sent(lab, "PE1", since=res)


EXPORT_TOPOLOGY = {
    "name": "exp",
    "defaults": {"username": "admin", "password": "Admin@123", "host": "127.0.0.1"},
    "base_port": 0,
    "timing": {"establish_delay": 0.2},
    "routers": [{"name": "PE1", "addresses": ["10.0.0.1"], "config": (
        "sysname PE1\n"
        "ip ip-prefix OUT index 10 permit 10.0.0.0 8 less-equal 24\n"
        "route-policy RP-OUT permit node 10\n if-match ip-prefix OUT\n"
        "bgp 65000\n router-id 10.0.0.1\n peer 192.0.2.1 as-number 64501\n peer 198.51.100.1 as-number 64502\n"
        " ipv4-family unicast\n  peer 192.0.2.1 enable\n  peer 198.51.100.1 enable\n"
        "  peer 198.51.100.1 route-policy RP-OUT export\n")}],
    "external_peers": [
        {"name": "UP1", "router": "PE1", "address": "192.0.2.1", "as": 64501, "route_refresh": True,
         "routes": [{"prefix": "10.61.0.0/16", "as_path": [64501]}, {"prefix": "10.62.0.0/16", "as_path": [64501]}]},
        {"name": "UPB", "router": "PE1", "address": "198.51.100.1", "as": 64502, "route_refresh": False,
         "routes": []}],
}


@pytest.mark.parametrize("reading", ["resend", "noop"])
def test_soft_reset_export_checks_the_advertised_routes_under_each_reading(make_lab, run_tasks, reading):
    """vrp-fidelity.md §6 item 36: whether `refresh bgp X export` re-sends anything to a peer without
    route-refresh is not documented (seed 001: soft reset "requires peers to support the route-refresh
    capability"). bgp_soft_reset checks every advertised route against the export policy: consistent under
    ``resend``; under ``noop`` it fails with the routes the policy now denies and the operator action."""
    lab = make_lab(with_readings(EXPORT_TOPOLOGY, export_refresh_without_rr=reading))
    wait_established(lab, ["PE1"])
    res = run_tasks("""
    - name: narrow
      netops.vrp.vrp_config: {lines: [ip ip-prefix OUT index 10 permit 10.61.0.0 16]}
    - name: soft
      netops.vrp.bgp_soft_reset: {peers: [198.51.100.1], direction: export}
      ignore_errors: true
    """, lab=lab, limit="PE1")
    assert res.ok, res.summary()
    soft = res["soft"]["PE1"]
    peer = soft["peers"][0]
    assert peer["path"] == "export" and peer["policy_effect"]["policy"] == "RP-OUT"
    if reading == "resend":
        assert soft["_status"] == "ok" and peer["policy_effect"]["status"] == "consistent"
    else:
        assert soft["_status"] == "failed" and peer["policy_effect"]["status"] == "not_applied"
        assert "export policy RP-OUT not in effect" in soft["msg"] and "10.62.0.0/16" in soft["msg"]
        assert "netops.vrp.bgp_reset" in soft["msg"]
    assert "display bgp routing-table peer 198.51.100.1 advertised-routes" in commands_sent(lab, "PE1", since=res)


RR_TOPOLOGY = {
    "name": "rrg",
    "defaults": {"username": "admin", "password": "Admin@123", "host": "127.0.0.1"},
    "base_port": 0,
    "timing": {"establish_delay": 0.2},
    "routers": [{"name": "PE1", "addresses": ["10.0.0.1"], "config": (
        "sysname PE1\nbgp 65000\n router-id 10.0.0.1\n group UP external\n"
        " undo peer UP capability-advertise route-refresh\n"
        " peer 192.0.2.1 as-number 64501\n peer 192.0.2.1 group UP\n"
        " undo peer 192.0.2.1 capability-advertise route-refresh\n")}],
    "external_peers": [{"name": "UP1", "router": "PE1", "address": "192.0.2.1", "as": 64501, "routes": []}],
}


def test_route_refresh_peer_and_group_both_undo_is_refused_whatever_the_positive_form_does(make_lab, run_tasks):
    """[NE40E-CR peer-capability-advertise(BGPOM)]: `peer X capability-advertise route-refresh` "enables" it and
    the undo "restores the default"; whether the peer's positive form overrides its group's undo or only
    removes the peer's own line is not documented. With an undo on both the peer and its group the module
    refuses before sending anything (correct under either reading); targeting the group, then the peer, works."""
    lab = make_lab(RR_TOPOLOGY)
    res = run_tasks("""
    - name: peer
      netops.vrp.bgp_route_refresh: {peers: [192.0.2.1], allow_session_reset: true}
      ignore_errors: true
    - name: group
      netops.vrp.bgp_route_refresh: {groups: [UP], allow_session_reset: true}
    - name: peer_again
      netops.vrp.bgp_route_refresh: {peers: [192.0.2.1], allow_session_reset: true}
    """, lab=lab, limit="PE1")
    assert res.ok, res.summary()
    peer, group, again = (res[n]["PE1"] for n in ("peer", "group", "peer_again"))
    assert peer["_status"] == "failed" and peer["commands"] == [] and "target the group" in peer["msg"]
    assert group["changed"] is True and group["commands"][-2:] == ["peer UP capability-advertise route-refresh",
                                                                   "commit"]
    assert again["changed"] is True and "peer 192.0.2.1 capability-advertise route-refresh" in again["commands"]
    sent = commands_sent(lab, "PE1", since=res)
    assert sent[:1] == ["display current-configuration configuration bgp"] and "system-view" not in sent[:2]
    assert "capability-advertise" not in lab.running_config("PE1")
