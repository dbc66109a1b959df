"""bgp_reset over SSH against the vrpsim demo topology (PE1 asks the emulator-only [Y/N] question):
opt-in refusal without a login, check mode, hard reset with the question answered and the wait,
the shared IPv4+VPNv4 session, slow-peer (no flap), and a stuck peer -> not_recovered."""
import pytest
from harness import assert_only_displays, commands_sent, demo_topology, logins


def session(lab, router, address, vrf=None):
    return next(s for s in lab.bgp(router)["sessions"] if s["address"] == address and s["vpn_instance"] == vrf)


@pytest.fixture
def demo(make_lab):
    return make_lab(demo_topology(PE1={"reset_confirm": True}))


def test_refused_without_opt_in_no_connection(demo, run_tasks):
    res = run_tasks("""
    - name: reset
      netops.vrp.bgp_reset:
        peers: [192.0.2.1]
    """, lab=demo, limit="PE1")
    result = res["reset"]["PE1"]
    assert not res.ok and result["_status"] == "failed" and result["commands"] == []
    assert "allow_service_interruption: must be true" in result["msg"]
    assert logins(demo, "PE1", since=res) == 0 and commands_sent(demo, "PE1", since=res) == []


def test_check_mode_then_reset_with_question_and_slow_peer(demo, run_tasks):
    res = run_tasks("""
    - name: check
      netops.vrp.bgp_reset:
        peers: [192.0.2.1]
        allow_service_interruption: true
      check_mode: true
    """, lab=demo, limit="PE1")
    assert res.ok, res.summary()
    check = res["check"]["PE1"]
    assert check["changed"] is True and check["commands"] == ["reset bgp 192.0.2.1"]
    assert [(p["address"], p["state_before"]) for p in check["peers"]] == [("192.0.2.1", "Established")]
    assert "not_recovered" not in check
    assert_only_displays(demo, "PE1", since=res)

    before = {k: session(demo, "PE1", k)["up_count"] for k in ("192.0.2.1", "10.0.0.3")}
    res = run_tasks("""
    - name: peer
      netops.vrp.bgp_reset:
        peers: [192.0.2.1]
        allow_service_interruption: true
        wait_timeout: 20
    - name: by AS
      netops.vrp.bgp_reset:
        as_number: "65000"
        allow_service_interruption: true
        wait_timeout: 20
    - name: slow
      netops.vrp.bgp_reset:
        address_family: vpnv4
        peers: [10.0.0.3]
        slow_peer: true
        allow_service_interruption: true
      ignore_errors: true
    """, lab=demo, limit="PE1")
    assert res.ok, res.summary()
    peer, by_as, slow = (res[t]["PE1"] for t in ("peer", "by AS", "slow"))
    assert peer["changed"] is True and peer["commands"] == ["reset bgp 192.0.2.1"] and peer["not_recovered"] == []
    (p,) = peer["peers"]
    assert (p["address"], p["state_after"], p["reset"]) == ("192.0.2.1", "Established", True)
    assert 0 < p["downtime_seconds"] < 5
    # reset bgp 65000: the RR session, which carries IPv4 and VPNv4: both entries reported, both back
    assert by_as["commands"] == ["reset bgp 65000"] and by_as["not_recovered"] == []
    assert sorted((e["address_family"], e["address"], e["state_after"]) for e in by_as["peers"]) == \
        [("ipv4", "10.0.0.3", "Established"), ("vpnv4", "10.0.0.3", "Established")]
    # the demo routers are NE40E V800R012C10, which has no slow-peer reset (R8): refused, nothing sent
    # (the form on the releases that have it: tests/integration/test_bgp_platforms.py)
    assert slow["_status"] == "failed" and slow["commands"] == [] and slow["step"] == "pre-check"
    assert "NE40E V800R012C10 has no 'reset bgp vpnv4 [<ip>] slow-peer'" in slow["msg"]
    # the lab: each reset session came up once more, slow-peer dropped nothing
    assert session(demo, "PE1", "192.0.2.1")["up_count"] == before["192.0.2.1"] + 1
    assert session(demo, "PE1", "10.0.0.3")["up_count"] == before["10.0.0.3"] + 1
    assert session(demo, "PE1", "10.0.0.3")["state"] == "Established"
    sent = [c for c in commands_sent(demo, "PE1", since=res) if not c.startswith("display ")]
    assert sent == ["reset bgp 192.0.2.1", "Y", "reset bgp 65000", "Y"]
    # the wait polls only the cheap brief tables
    displays = [c for c in commands_sent(demo, "PE1", since=res) if c.startswith("display ")]
    assert not [c for c in displays if "verbose" in c]


def test_stuck_peer_not_recovered(demo, run_tasks):
    demo.fault("peer_stuck", "PE1", peer="172.16.1.2")
    res = run_tasks("""
    - name: reset
      netops.vrp.bgp_reset:
        address_family: vpn-instance
        vpn_instance: vpna
        peers: [172.16.1.2]
        allow_service_interruption: true
        wait_timeout: 3
    """, lab=demo, limit="PE1")
    result = res["reset"]["PE1"]
    assert not res.ok and result["_status"] == "failed" and result["step"] == "wait"
    assert result["not_recovered"] == ["172.16.1.2"]
    assert "not Established again within wait_timeout (3s): 172.16.1.2" in result["msg"]
    assert result["changed"] is True and result["commands"] == ["reset bgp vpn-instance vpna ipv4-family 172.16.1.2"]
    (p,) = result["peers"]
    assert p["state_after"] != "Established" and p["downtime_seconds"] is None
    assert 3 <= result["_duration"] < 10
    assert session(demo, "PE1", "172.16.1.2", "vpna")["state"] != "Established"
