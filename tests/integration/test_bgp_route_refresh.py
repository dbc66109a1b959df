"""netops.vrp.bgp_route_refresh against vrpsim over real SSH: exact transcripts, sessions really
re-established (or not) in the lab's BGP model, check mode, refusal, idempotence."""
import time

import pytest
from harness import assert_only_displays, commands_sent

CONFIG = "display current-configuration configuration bgp"
TRIAL = "display configuration trial status"
REASON = "route-refresh capability change (the session is re-established to renegotiate it)"

# PE1: IBGP to PE2 through group IBGP (IPv4), an upstream without route-refresh, a CE in vpna.
TOPOLOGY = {
    "name": "rr",
    "defaults": {"username": "admin", "password": "Admin@123", "host": "127.0.0.1"},
    "base_port": 0,
    "timing": {"establish_delay": 0.2},
    "routers": [
        {"name": "PE1", "addresses": ["10.0.0.1"], "vpn_addresses": {"vpna": ["172.16.1.1"]}, "config": (
            "sysname PE1\n"
            "ip vpn-instance vpna\n ipv4-family\n  route-distinguisher 65000:1\n  vpn-target 65000:1 both\n"
            "bgp 65000\n"
            " router-id 10.0.0.1\n"
            " group IBGP internal\n"
            " peer 10.0.0.2 as-number 65000\n"
            " peer 10.0.0.2 group IBGP\n"
            " peer 198.51.100.1 as-number 64502\n"
            " ipv4-family unicast\n"
            "  peer IBGP enable\n"
            "  peer 10.0.0.2 group IBGP\n"
            "  peer 198.51.100.1 enable\n"
            " ipv4-family vpn-instance vpna\n"
            "  peer 172.16.1.2 as-number 65020\n")},
        {"name": "PE2", "addresses": ["10.0.0.2"], "config": (
            "sysname PE2\nbgp 65000\n router-id 10.0.0.2\n peer 10.0.0.1 as-number 65000\n")},
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


def wait_established(lab, router, timeout=5.0):
    deadline = time.time() + timeout
    while True:
        current = sessions(lab, router)
        if all(s["state"] == "Established" for s in current.values()) or time.time() > deadline:
            return current
        time.sleep(0.05)


def module_commands(lab, router, res):
    """What the router received during the play, without the keeper's logout ``return`` (the session
    ends in a config view after a commit)."""
    sent = commands_sent(lab, router, since=res)
    return sent[:-1] if sent and sent[-1] == "return" else sent


@pytest.fixture
def rr_lab(make_lab):
    lab = make_lab(TOPOLOGY)
    wait_established(lab, "PE1")
    return lab


def test_present_on_default_peer_is_one_display_and_no_change(rr_lab, run_tasks):
    before = sessions(rr_lab, "PE1")
    res = run_tasks("""
    - name: rr
      netops.vrp.bgp_route_refresh: {peers: [10.0.0.2]}
    """, lab=rr_lab, limit="PE1")
    assert res.ok, res.summary()
    result = res["rr"]["PE1"]
    assert result["changed"] is False and result["commands"] == [] and result["sessions_reset"] == []
    assert result["before"] == result["after"] == {"10.0.0.2": True}
    assert module_commands(rr_lab, "PE1", res) == [CONFIG]
    assert sessions(rr_lab, "PE1")[(None, "10.0.0.2")]["up_count"] == before[(None, "10.0.0.2")]["up_count"]


def test_absent_check_refuse_apply_then_idempotent(rr_lab, run_tasks):
    before = sessions(rr_lab, "PE1")
    res = run_tasks("""
    - name: check
      netops.vrp.bgp_route_refresh: {peers: [10.0.0.2], state: absent, allow_session_reset: true}
      check_mode: true
    - name: refused
      netops.vrp.bgp_route_refresh: {peers: [10.0.0.2], state: absent}
      ignore_errors: true
    - name: apply
      netops.vrp.bgp_route_refresh: {peers: [10.0.0.2], state: absent, allow_session_reset: true}
    - name: again
      netops.vrp.bgp_route_refresh: {peers: [10.0.0.2], state: absent, allow_session_reset: true}
    """, lab=rr_lab, limit="PE1", diff=True)
    assert res.ok, res.summary()
    commands = ["bgp 65000", "undo peer 10.0.0.2 capability-advertise route-refresh", "commit"]
    predicted = [{"address": "10.0.0.2", "address_family": "ipv4", "vpn_instance": None, "reason": REASON}]

    check = res["check"]["PE1"]
    assert check["changed"] is True and check["commands"] == commands
    assert check["sessions_reset"] == predicted and check["after"] == {"10.0.0.2": False}

    refused = res["refused"]["PE1"]
    assert refused["_status"] == "failed" and refused["commands"] == [] and refused["changed"] is False
    assert "10.0.0.2 (ipv4)" in refused["msg"] and "allow_session_reset" in refused["msg"]

    apply = res["apply"]["PE1"]
    assert apply["changed"] is True and apply["commands"] == commands
    assert apply["sessions_reset_predicted"] == predicted
    assert [(e["address"], e["reason"]) for e in apply["sessions_reset"]] == [("10.0.0.2", REASON)]
    assert apply["sessions_reset"][0]["evidence"]
    assert apply["diff"]["after"] == "bgp 65000\n undo peer 10.0.0.2 capability-advertise route-refresh\n"

    again = res["again"]["PE1"]
    assert again["changed"] is False and again["commands"] == [] and again["sessions_reset"] == []

    assert module_commands(rr_lab, "PE1", res) == [
        CONFIG, "display bgp peer", TRIAL,                       # check: displays only
        CONFIG, "display bgp peer",                              # refused: displays only
        CONFIG, "display bgp peer", TRIAL, "system-view", "bgp 65000",
        "undo peer 10.0.0.2 capability-advertise route-refresh", "commit", "display bgp peer",
        CONFIG,                                                  # second run: nothing to do
    ]
    after = wait_established(rr_lab, "PE1")
    # exactly one re-establishment: check mode and the refusal touched nothing
    assert after[(None, "10.0.0.2")]["up_count"] == before[(None, "10.0.0.2")]["up_count"] + 1
    assert after[(None, "10.0.0.2")]["route_refresh"]["local"] is False
    assert after[(None, "198.51.100.1")]["up_count"] == before[(None, "198.51.100.1")]["up_count"]
    assert sessions(rr_lab, "PE2")[(None, "10.0.0.1")]["up_count"] == 2   # the other end flapped with it


def test_check_mode_play_sends_only_displays(rr_lab, run_tasks):
    res = run_tasks("""
    - name: rr
      netops.vrp.bgp_route_refresh: {groups: [IBGP], state: absent, allow_session_reset: true}
    """, lab=rr_lab, limit="PE1", check=True)
    assert res.ok, res.summary()
    result = res["rr"]["PE1"]
    assert result["changed"] is True
    assert result["commands"] == ["bgp 65000", "undo peer IBGP capability-advertise route-refresh", "commit"]
    assert [e["address"] for e in result["sessions_reset"]] == ["10.0.0.2"]
    assert_only_displays(rr_lab, "PE1", since=res)
    assert module_commands(rr_lab, "PE1", res) == [CONFIG, "display bgp peer", TRIAL]
    assert sessions(rr_lab, "PE1")[(None, "10.0.0.2")]["up_count"] == 1


def test_group_and_vpn_instance_then_restore(rr_lab, run_tasks):
    res = run_tasks("""
    - name: group off
      netops.vrp.bgp_route_refresh: {groups: [IBGP], state: absent, allow_session_reset: true}
    - name: ce off
      netops.vrp.bgp_route_refresh:
        address_family: vpn-instance
        vpn_instance: vpna
        peers: [172.16.1.2]
        state: absent
        allow_session_reset: true
        commit_label: ce-rr-off
    - name: let the CE session come back (a session that is down has nothing to reset)
      ansible.builtin.pause: {seconds: 1}
    - name: ce on
      netops.vrp.bgp_route_refresh:
        address_family: vpn-instance
        vpn_instance: vpna
        peers: [172.16.1.2]
        allow_session_reset: true
    """, lab=rr_lab, limit="PE1")
    assert res.ok, res.summary()
    group = res["group off"]["PE1"]
    assert group["before"] == {"IBGP": True} and group["after"] == {"IBGP": False}
    assert [e["address"] for e in group["sessions_reset"]] == ["10.0.0.2"]   # the member, not the upstream
    ce_off, ce_on = res["ce off"]["PE1"], res["ce on"]["PE1"]
    assert ce_off["commands"] == ["bgp 65000", "ipv4-family vpn-instance vpna",
                                  "undo peer 172.16.1.2 capability-advertise route-refresh", "commit label ce-rr-off"]
    assert ce_on["commands"] == ["bgp 65000", "ipv4-family vpn-instance vpna",
                                 "peer 172.16.1.2 capability-advertise route-refresh", "commit"]
    for result in (ce_off, ce_on):
        assert [(e["address"], e["address_family"], e["vpn_instance"]) for e in result["sessions_reset"]] == [
            ("172.16.1.2", "vpn-instance", "vpna")]
    assert module_commands(rr_lab, "PE1", res) == [
        CONFIG, "display bgp peer", TRIAL, "system-view", "bgp 65000",
        "undo peer IBGP capability-advertise route-refresh", "commit", "display bgp peer",
        CONFIG, "display bgp vpnv4 vpn-instance vpna peer", TRIAL, "quit", "bgp 65000",
        "ipv4-family vpn-instance vpna", "undo peer 172.16.1.2 capability-advertise route-refresh",
        "commit label ce-rr-off", "display bgp vpnv4 vpn-instance vpna peer",
        CONFIG, "display bgp vpnv4 vpn-instance vpna peer", TRIAL, "quit", "quit", "bgp 65000",
        "ipv4-family vpn-instance vpna", "peer 172.16.1.2 capability-advertise route-refresh", "commit",
        "display bgp vpnv4 vpn-instance vpna peer",
    ]
    after = wait_established(rr_lab, "PE1")
    assert after[(None, "10.0.0.2")]["up_count"] == 2
    assert after[("vpna", "172.16.1.2")]["up_count"] == 3          # off, then on again
    assert after[("vpna", "172.16.1.2")]["route_refresh"]["negotiated"] is True
    assert after[(None, "198.51.100.1")]["up_count"] == 1


def test_unknown_targets_fail_with_only_a_display(rr_lab, run_tasks):
    res = run_tasks("""
    - name: rr
      netops.vrp.bgp_route_refresh: {groups: [NOPE], state: absent, allow_session_reset: true}
    """, lab=rr_lab, limit="PE1")
    assert not res.ok
    result = res["rr"]["PE1"]
    assert result["msg"].startswith("PE1: pre-check: ") and "group NOPE does not exist" in result["msg"]
    assert module_commands(rr_lab, "PE1", res) == [CONFIG]
