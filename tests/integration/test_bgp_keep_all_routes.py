"""netops.vrp.bgp_keep_all_routes against vrpsim over real SSH: exact transcripts, resets only for
peers without negotiated route-refresh (checked in the lab's BGP model), check mode, refusal,
idempotence, and the VRP procedure of configuring both ends of a session in one play."""
import copy
import time

import pytest
from harness import assert_only_displays, commands_sent

CONFIG = "display current-configuration configuration bgp"
TRIAL = "display configuration trial status"
VERBOSE_UPB = "display bgp peer 198.51.100.1 verbose"
VPNA_PEERS = "display bgp vpnv4 vpn-instance vpna peer"
REASON = "first keep-all-routes on a peer without negotiated route-refresh"

# PE1: IBGP to PE2 (PE2 does not advertise route-refresh, so that session has none), an upstream
# without route-refresh (198.51.100.1), a CE with route-refresh in vpna (172.16.1.2).
TOPOLOGY = {
    "name": "kar",
    "defaults": {"username": "admin", "password": "Admin@123", "host": "127.0.0.1"},
    "base_port": 0,
    "timing": {"establish_delay": 0.2},
    "routers": [
        {"name": "PE1", "addresses": ["10.0.0.1"], "vpn_addresses": {"vpna": ["172.16.1.1"]}, "config": (
            "sysname PE1\n"
            "ip vpn-instance vpna\n ipv4-family\n  route-distinguisher 65000:1\n  vpn-target 65000:1 both\n"
            "bgp 65000\n"
            " router-id 10.0.0.1\n"
            " peer 10.0.0.2 as-number 65000\n"
            " peer 198.51.100.1 as-number 64502\n"
            " ipv4-family unicast\n"
            "  peer 198.51.100.1 enable\n"
            " ipv4-family vpn-instance vpna\n"
            "  peer 172.16.1.2 as-number 65020\n")},
        {"name": "PE2", "addresses": ["10.0.0.2"], "config": (
            "sysname PE2\nbgp 65000\n router-id 10.0.0.2\n peer 10.0.0.1 as-number 65000\n"
            " undo peer 10.0.0.1 capability-advertise route-refresh\n")},
    ],
    "external_peers": [
        {"name": "UPB", "router": "PE1", "address": "198.51.100.1", "as": 64502, "route_refresh": False,
         "routes": [{"prefix": "10.51.0.0/16", "as_path": [64502]}]},
        {"name": "CE1", "router": "PE1", "address": "172.16.1.2", "vpn_instance": "vpna", "as": 65020,
         "route_refresh": True, "routes": [{"prefix": "10.20.0.0/16", "as_path": [65020]}]},
    ],
}


def sessions(lab, router):
    return {(s["vpn_instance"], s["address"]): s for s in lab.bgp(router)["sessions"]}


def wait_established(lab, routers, timeout=8.0):
    deadline = time.time() + timeout
    while True:
        current = {r: sessions(lab, r) for r in routers}
        if all(s["state"] == "Established" for c in current.values() for s in c.values()) or time.time() > deadline:
            return current
        time.sleep(0.05)


def module_commands(lab, router, res):
    """What the router received during the play, without the keeper's logout ``return``."""
    sent = commands_sent(lab, router, since=res)
    return sent[:-1] if sent and sent[-1] == "return" else sent


@pytest.fixture
def kar_lab(make_lab):
    lab = make_lab(TOPOLOGY)
    wait_established(lab, ["PE1", "PE2"])
    return lab


def test_peer_without_route_refresh_check_refuse_apply_idempotent(kar_lab, run_tasks):
    res = run_tasks("""
    - name: check
      netops.vrp.bgp_keep_all_routes: {peers: [198.51.100.1], allow_session_reset: true}
      check_mode: true
    - name: refused
      netops.vrp.bgp_keep_all_routes: {peers: [198.51.100.1]}
      ignore_errors: true
    - name: apply
      netops.vrp.bgp_keep_all_routes: {peers: [198.51.100.1], allow_session_reset: true}
    - name: again
      netops.vrp.bgp_keep_all_routes: {peers: [198.51.100.1], allow_session_reset: true}
    """, lab=kar_lab, limit="PE1", diff=True)
    assert res.ok, res.summary()
    commands = ["bgp 65000", "ipv4-family unicast", "peer 198.51.100.1 keep-all-routes", "commit"]
    predicted = [{"address": "198.51.100.1", "address_family": "ipv4", "vpn_instance": None, "reason": REASON}]
    check, refused, apply, again = (res[name]["PE1"] for name in ("check", "refused", "apply", "again"))
    assert check["changed"] is True and check["commands"] == commands and check["sessions_reset"] == predicted
    assert refused["_status"] == "failed" and refused["commands"] == []
    assert "198.51.100.1 (ipv4)" in refused["msg"] and "allow_session_reset" in refused["msg"]
    assert apply["changed"] is True and apply["commands"] == commands
    assert apply["sessions_reset_predicted"] == predicted
    assert [e["address"] for e in apply["sessions_reset"]] == ["198.51.100.1"] and apply["sessions_reset"][0]["evidence"]
    assert apply["diff"] == {"before": "bgp 65000\n ipv4-family unicast\n",
                             "after": "bgp 65000\n ipv4-family unicast\n  peer 198.51.100.1 keep-all-routes\n"}
    assert again["changed"] is False and again["commands"] == []
    assert module_commands(kar_lab, "PE1", res) == [
        CONFIG, "display bgp peer", VERBOSE_UPB, TRIAL,           # check: displays only
        CONFIG, "display bgp peer", VERBOSE_UPB,                  # refused: displays only
        CONFIG, "display bgp peer", VERBOSE_UPB, TRIAL, "system-view", "bgp 65000", "ipv4-family unicast",
        "peer 198.51.100.1 keep-all-routes", "commit", "display bgp peer",
        CONFIG,                                                   # second run: nothing to do
    ]
    upb = wait_established(kar_lab, ["PE1"])["PE1"][(None, "198.51.100.1")]
    assert upb["up_count"] == 2 and upb["keep_all_routes"] == {"ipv4": True}   # one reset: the applied one


def test_route_refresh_peer_no_reset_warning_then_absent(kar_lab, run_tasks):
    res = run_tasks("""
    - name: enable
      netops.vrp.bgp_keep_all_routes: {address_family: vpn-instance, vpn_instance: vpna, peers: [172.16.1.2]}
    - name: disable
      netops.vrp.bgp_keep_all_routes:
        address_family: vpn-instance
        vpn_instance: vpna
        peers: [172.16.1.2]
        state: absent
    """, lab=kar_lab, limit="PE1")
    assert res.ok, res.summary()
    on, off = res["enable"]["PE1"], res["disable"]["PE1"]
    # no allow_session_reset needed: route-refresh is negotiated, nothing resets
    assert on["changed"] is True and on["sessions_reset"] == [] and on["sessions_reset_predicted"] == []
    assert on["commands"] == ["bgp 65000", "ipv4-family vpn-instance vpna", "peer 172.16.1.2 keep-all-routes",
                              "commit"]
    assert any("negotiated route-refresh" in w and "locally" in w for w in on.get("warnings", [])), on
    assert off["changed"] is True and off["sessions_reset"] == []
    assert off["commands"] == ["bgp 65000", "ipv4-family vpn-instance vpna", "undo peer 172.16.1.2 keep-all-routes",
                               "commit"]
    assert module_commands(kar_lab, "PE1", res) == [
        CONFIG, VPNA_PEERS, "display bgp vpnv4 vpn-instance vpna peer 172.16.1.2 verbose", TRIAL, "system-view",
        "bgp 65000", "ipv4-family vpn-instance vpna", "peer 172.16.1.2 keep-all-routes", "commit", VPNA_PEERS,
        # the removal reads the peer's OPEN too: with route-refresh negotiated it resets nothing (issue 16 item 7)
        CONFIG, VPNA_PEERS, "display bgp vpnv4 vpn-instance vpna peer 172.16.1.2 verbose", TRIAL, "quit", "quit",
        "bgp 65000", "ipv4-family vpn-instance vpna",
        "undo peer 172.16.1.2 keep-all-routes", "commit", VPNA_PEERS,
    ]
    ce = sessions(kar_lab, "PE1")[("vpna", "172.16.1.2")]
    assert ce["state"] == "Established" and ce["up_count"] == 1 and not ce["keep_all_routes"].get("ipv4")


def test_check_mode_play_sends_only_displays(kar_lab, run_tasks):
    res = run_tasks("""
    - name: kar
      netops.vrp.bgp_keep_all_routes: {peers: [10.0.0.2], allow_session_reset: true}
    """, lab=kar_lab, limit="PE1", check=True, diff=True)
    assert res.ok, res.summary()
    result = res["kar"]["PE1"]
    assert result["changed"] is True
    assert result["commands"] == ["bgp 65000", "ipv4-family unicast", "peer 10.0.0.2 keep-all-routes", "commit"]
    assert [e["address"] for e in result["sessions_reset"]] == ["10.0.0.2"]
    assert_only_displays(kar_lab, "PE1", since=res)
    # PE2 does not advertise route-refresh: the verbose display tells, so a reset is predicted
    assert module_commands(kar_lab, "PE1", res) == [CONFIG, "display bgp peer", "display bgp peer 10.0.0.2 verbose",
                                                    TRIAL]
    assert sessions(kar_lab, "PE1")[(None, "10.0.0.2")]["up_count"] == 1


def test_both_ends_of_a_lab_session_in_one_play(make_lab, run_tasks):
    # A slow re-establishment makes the order deterministic: PE1's commit resets the session, and PE2
    # (next host, throttle 1) finds it down, so it predicts no second reset and none happens.
    topology = copy.deepcopy(TOPOLOGY)
    topology["timing"] = {"establish_delay": 3.0}
    lab = make_lab(topology)
    before = wait_established(lab, ["PE1", "PE2"])
    assert before["PE1"][(None, "10.0.0.2")]["state"] == "Established"
    res = run_tasks("""
    - name: warm up the sessions
      netops.vrp.vrp_command: {commands: [display bgp peer]}
    - name: kar
      netops.vrp.bgp_keep_all_routes:
        peers: ["{{ {'PE1': '10.0.0.2', 'PE2': '10.0.0.1'}[inventory_hostname] }}"]
        allow_session_reset: true
      throttle: 1
    """, lab=lab)
    assert res.ok, res.summary()
    pe1, pe2 = res["kar"]["PE1"], res["kar"]["PE2"]
    assert pe1["commands"] == ["bgp 65000", "ipv4-family unicast", "peer 10.0.0.2 keep-all-routes", "commit"]
    assert pe2["commands"] == ["bgp 65000", "ipv4-family unicast", "peer 10.0.0.1 keep-all-routes", "commit"]
    assert [(e["address"], e["reason"]) for e in pe1["sessions_reset"]] == [("10.0.0.2", REASON)]
    assert pe2["changed"] is True and pe2["sessions_reset_predicted"] == [] and pe2["sessions_reset"] == []
    for router in ("PE1", "PE2"):
        sent = module_commands(lab, router, res)
        assert sent[0] == "display bgp peer" and sent.count("commit") == 1
    after = wait_established(lab, ["PE1", "PE2"])
    for router, peer in (("PE1", "10.0.0.2"), ("PE2", "10.0.0.1")):
        session = after[router][(None, peer)]
        assert session["state"] == "Established" and session["keep_all_routes"] == {"ipv4": True}
        assert session["up_count"] == 2      # one flap for the pair, not one per end


def test_wait_timeout_returns_once_the_reset_session_is_established_again(make_lab, run_tasks):
    """Issue 16 item 10: with wait_timeout the module itself waits for the session it re-established (no `until`
    loop in the roles); the lab's session is Established again, with one more up-count, when the task returns."""
    lab = make_lab(dict(TOPOLOGY, timing={"establish_delay": 1.5}))
    before = wait_established(lab, ["PE1"])["PE1"][(None, "198.51.100.1")]
    res = run_tasks("""
    - name: kar
      netops.vrp.bgp_keep_all_routes: {peers: [198.51.100.1], allow_session_reset: true, wait_timeout: 20}
    """, lab=lab, hosts="PE1")
    assert res.ok, res.summary()
    result = res["kar"]["PE1"]
    assert [s["address"] for s in result["sessions_reset"]] == ["198.51.100.1"]
    assert result["not_recovered"] == []
    after = sessions(lab, "PE1")[(None, "198.51.100.1")]
    assert after["state"] == "Established" and after["up_count"] == before["up_count"] + 1, after
    sent = module_commands(lab, "PE1", res)
    polls = sent[sent.index("commit"):]
    assert polls.count("display bgp peer") >= 2, sent   # observed down, then polled until Established


def test_wait_timeout_fails_naming_the_session_still_down(kar_lab, run_tasks):
    """peer_stuck: the session never comes back; the task fails after wait_timeout naming it, the change stays
    committed (changed) and nothing else is sent."""
    kar_lab.fault("peer_stuck", "PE1", peer="198.51.100.1")
    res = run_tasks("""
    - name: kar
      netops.vrp.bgp_keep_all_routes: {peers: [198.51.100.1], allow_session_reset: true, wait_timeout: 3}
    """, lab=kar_lab, hosts="PE1")
    result = res["kar"]["PE1"]
    assert result["_status"] == "failed"
    assert result["msg"] == ("PE1: wait: committed; did not return to Established within wait_timeout (3s): 198.51.100.1")
    assert result["changed"] is True and result["not_recovered"] == ["198.51.100.1"]
    assert "peer 198.51.100.1 keep-all-routes" in kar_lab.running_config("PE1")
    sent = module_commands(kar_lab, "PE1", res)
    assert all(c.startswith("display ") for c in sent[sent.index("commit") + 1:]), sent
