"""bgp_soft_reset over SSH against the vrpsim demo topology: exact transcripts, both import paths after a
real policy change, refusal without a path, check mode, IPv6 export, VPN-instance and VPNv4 forms, and
batch_size / batch_pause throttling."""
import pytest

from harness import assert_only_displays, commands_sent, transcript
from harness import demo_topology

CONFIG = "display current-configuration configuration bgp"

# PE1's import policy RP-UPSTREAM-IN (group UPSTREAM) filters through PL-UPSTREAM-IN:
# deny 10.50.0.0/16 (from UPSTREAM-A, route-refresh) and permit 10.51.0.0/16 (from UPSTREAM-B, no route-refresh).
UPSTREAM_POLICY_CHANGE = """
- name: policy
  netops.vrp.vrp_config:
    lines:
      - ip ip-prefix PL-UPSTREAM-IN index 5 deny 10.50.0.0 16
      - ip ip-prefix PL-UPSTREAM-IN index 15 permit 10.51.0.0 16
      - ip ip-prefix PL-CE-IN index 5 deny 10.20.1.0 24
"""


def topology_with_keep_all_routes():
    """Demo, PE1 keeping all routes from UPSTREAM-B (startup config: no session reset to wait for)."""
    topo = demo_topology()
    pe1 = next(r for r in topo["routers"] if r["name"] == "PE1")
    pe1["config"] = pe1["config"].replace("  peer UPSTREAM route-policy RP-UPSTREAM-OUT export\n",
                                          "  peer UPSTREAM route-policy RP-UPSTREAM-OUT export\n"
                                          "  peer 198.51.100.1 keep-all-routes\n")
    assert "keep-all-routes" in pe1["config"]
    return topo


def session(lab, router, address, vrf=None):
    return next(s for s in lab.bgp(router)["sessions"] if s["address"] == address and s["vpn_instance"] == vrf)


@pytest.fixture
def demo(make_lab):
    return make_lab(demo_topology())


def test_import_after_policy_change_both_paths(make_lab, run_tasks):
    lab = make_lab(topology_with_keep_all_routes())
    changed = run_tasks(UPSTREAM_POLICY_CHANGE, lab=lab, limit="PE1")
    assert changed.ok, changed.summary()
    before = {a: session(lab, "PE1", a) for a in ("192.0.2.1", "198.51.100.1")}

    res = run_tasks("""
    - name: soft
      netops.vrp.bgp_soft_reset:
        groups: [UPSTREAM]
        direction: import
    """, lab=lab, limit="PE1")
    assert res.ok, res.summary()
    result = res["soft"]["PE1"]
    assert result["changed"] is True and result["commands"] == ["refresh bgp group UPSTREAM import"]
    peers = {p["address"]: p for p in result["peers"]}
    a, b = peers["192.0.2.1"], peers["198.51.100.1"]
    # UPSTREAM-A: route-refresh; 10.50.0.0/16 now filtered; one ROUTE-REFRESH sent
    assert a["path"] == "route-refresh"
    assert (a["prefixes_before"], a["prefixes_after"]) == (3, 2)
    assert (a["refresh_sent_before"], a["refresh_sent_after"]) == (0, 1)
    # UPSTREAM-B: keep-all-routes; 10.51.0.0/16 now accepted from the retained routes, no ROUTE-REFRESH
    assert b["path"] == "keep-all-routes"
    assert (b["prefixes_before"], b["prefixes_after"]) == (1, 2)
    assert (b["refresh_sent_before"], b["refresh_sent_after"]) == (0, 0)
    for peer in (a, b):
        assert peer["state_after"] == "Established" and peer["verified"] is True and peer["problems"] == []
        assert peer["up_count_before"] == peer["up_count_after"] == 1
        assert peer["uptime_after"] >= peer["uptime_before"]
    # the lab agrees: same sessions (no flap), routes filtered / accepted
    for address, old in before.items():
        now = session(lab, "PE1", address)
        assert now["up_count"] == old["up_count"] and now["established_since"] == old["established_since"]
    assert "10.50.0.0/16" not in lab.bgp("PE1")["tables"]["ipv4"]
    assert "10.51.0.0/16" in lab.bgp("PE1")["tables"]["ipv4"]
    # exactly one non-display command; one facts read before, targeted reads after, one re-read
    assert commands_sent(lab, "PE1", since=res) == [
        CONFIG, "display bgp peer", "display bgp peer verbose",
        "refresh bgp group UPSTREAM import",
        "display bgp peer", "display bgp peer 192.0.2.1 verbose", "display bgp peer 198.51.100.1 verbose",
        "display bgp peer"]


def test_no_path_refused_and_check_mode_only_displays(demo, run_tasks):
    res = run_tasks("""
    - name: neither
      netops.vrp.bgp_soft_reset:
        peers: [198.51.100.1]
        direction: import
      ignore_errors: true
    - name: check
      netops.vrp.bgp_soft_reset:
        peers: [192.0.2.1]
        direction: import
      check_mode: true
    - name: unknown group
      netops.vrp.bgp_soft_reset:
        groups: [NOPE]
        direction: export
      ignore_errors: true
    """, lab=demo, limit="PE1")
    neither, check, unknown = (res[t]["PE1"] for t in ("neither", "check", "unknown group"))
    assert neither["_status"] == "failed" and neither["step"] == "pre-check" and neither["changed"] is False
    assert "inbound soft reset impossible for 198.51.100.1" in neither["msg"]
    assert "bgp_keep_all_routes" in neither["msg"] and "bgp_route_refresh" in neither["msg"]
    assert neither["commands"] == [] and neither["peers"][0]["path"] is None
    assert check["changed"] is True and check["commands"] == ["refresh bgp 192.0.2.1 import"]
    assert [(p["address"], p["path"], p["state_before"]) for p in check["peers"]] == \
        [("192.0.2.1", "route-refresh", "Established")]
    assert "state_after" not in check["peers"][0]
    assert unknown["_status"] == "failed" and "peer group NOPE does not exist" in unknown["msg"]
    assert_only_displays(demo, "PE1", since=res)
    assert session(demo, "PE1", "192.0.2.1")["messages"]["sent"]["refresh"] == 0


def test_ipv6_export_vpn_instance_and_vpnv4(demo, run_tasks):
    changed = run_tasks(UPSTREAM_POLICY_CHANGE, lab=demo, limit="PE1")
    assert changed.ok, changed.summary()
    res = run_tasks("""
    - name: v6 export
      netops.vrp.bgp_soft_reset:
        address_family: ipv6
        peers: ["2001:DB8:FFFF::1"]
        direction: export
    - name: vrf import
      netops.vrp.bgp_soft_reset:
        address_family: vpn-instance
        vpn_instance: vpna
        selector: external
        direction: import
    - name: vpnv4 import
      netops.vrp.bgp_soft_reset:
        address_family: vpnv4
        peers: [10.0.0.3]
        direction: import
    """, lab=demo, limit="PE1")
    assert res.ok, res.summary()
    v6, vrf, vpnv4 = (res[t]["PE1"] for t in ("v6 export", "vrf import", "vpnv4 import"))
    assert v6["commands"] == ["refresh bgp ipv6 2001:db8:ffff::1 export"]
    assert [(p["address"], p["path"], p["verified"]) for p in v6["peers"]] == [("2001:db8:ffff::1", "export", True)]
    assert isinstance(v6["peers"][0]["prefixes_after"], int)
    assert vrf["commands"] == ["refresh bgp vpn-instance vpna ipv4-family external import"]
    ce1 = vrf["peers"][0]
    assert (ce1["address"], ce1["vpn_instance"], ce1["path"]) == ("172.16.1.2", "vpna", "route-refresh")
    assert (ce1["prefixes_before"], ce1["prefixes_after"]) == (2, 1)      # 10.20.1.0/24 now denied
    assert (ce1["refresh_sent_before"], ce1["refresh_sent_after"]) == (0, 1)
    assert vpnv4["commands"] == ["refresh bgp vpnv4 10.0.0.3 import"]
    rr = vpnv4["peers"][0]
    assert (rr["address_family"], rr["path"], rr["verified"]) == ("vpnv4", "route-refresh", True)
    assert rr["refresh_sent_after"] == rr["refresh_sent_before"] + 1
    sent = [c for c in commands_sent(demo, "PE1", since=res) if not c.startswith("display ")]
    assert sent == v6["commands"] + vrf["commands"] + vpnv4["commands"]
    assert session(demo, "PE1", "172.16.1.2", "vpna")["up_count"] == 1


def test_batch_size_sends_batches_in_order_with_the_pause_and_check_mode_only_displays(demo, run_tasks):
    task = """
    - name: batched
      netops.vrp.bgp_soft_reset:
        peers: [10.0.0.3, 192.0.2.1, 198.51.100.1]
        direction: export
        batch_size: 2
        batch_pause: 1
    """
    refresh = ["refresh bgp 10.0.0.3 export", "refresh bgp 192.0.2.1 export", "refresh bgp 198.51.100.1 export"]
    check = run_tasks(task.replace("batch_pause: 1", "batch_pause: 1\n      check_mode: true"), lab=demo, limit="PE1")
    assert check.ok, check.summary()
    planned = check["batched"]["PE1"]
    assert planned["changed"] is True and planned["commands"] == refresh
    assert planned["batches"] == [refresh[:2], refresh[2:]]
    assert_only_displays(demo, "PE1", since=check)

    res = run_tasks(task, lab=demo, limit="PE1")
    assert res.ok, res.summary()
    result = res["batched"]["PE1"]
    assert result["batches"] == [refresh[:2], refresh[2:]]
    assert [p["address"] for p in result["peers"] if p["verified"]] == ["10.0.0.3", "192.0.2.1", "198.51.100.1"]
    sent = commands_sent(demo, "PE1", since=res)
    # one facts read before the first batch, the batches in order, then one verification of all three
    assert sent[:6] == [CONFIG, "display bgp peer", "display bgp peer verbose"] + refresh
    assert sent.count(CONFIG) == 1 and all(c.startswith("display ") for c in sent[6:])
    # the router saw the pause between the batches, not inside one
    at = {r["command"]: r["ts"] for r in transcript(demo, "PE1", since=res) if r["event"] == "command"}
    assert at[refresh[2]] - at[refresh[1]] >= 1.0 > at[refresh[1]] - at[refresh[0]]
