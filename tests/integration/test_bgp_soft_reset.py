"""bgp_soft_reset over SSH against the vrpsim demo topology: exact transcripts, both import paths after a
real policy change, refusal without a path, check mode, IPv6 export, VPN-instance and VPNv4 forms, and
batch_size / batch_pause throttling."""
import pytest
from harness import assert_only_displays, commands_sent, demo_topology, transcript

from ansible_collections.netops.vrp.plugins.module_utils.bgp_operations import SETTLE_MIN_INTERVAL

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
    # (the release once per login first; the policy check last, for the keep-all-routes peer only:
    # configuration, its accepted routes and its kept received routes)
    assert commands_sent(lab, "PE1", since=res) == [
        "display version", CONFIG, "display bgp peer", "display bgp peer verbose",
        "refresh bgp group UPSTREAM import",
        "display bgp peer", "display bgp peer 192.0.2.1 verbose", "display bgp peer 198.51.100.1 verbose",
        "display bgp peer",
        "display current-configuration", "display bgp routing-table peer 198.51.100.1 accepted-routes",
        "display bgp routing-table peer 198.51.100.1 received-routes"]
    # 192.0.2.1 negotiated route-refresh (documented refresh: not checked); RP-UPSTREAM-IN applies a
    # local-preference, so the kept routes' acceptance matches but the attributes are not verifiable
    assert (a["policy_effect"]["status"], b["policy_effect"]["status"]) == ("not_checked", "not_verifiable")


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
    assert sent[:7] == ["display version", CONFIG, "display bgp peer", "display bgp peer verbose"] + refresh
    assert sent.count(CONFIG) == 1 and all(c.startswith("display ") for c in sent[7:])
    # the router saw the pause between the batches, not inside one
    at = {r["command"]: r["ts"] for r in transcript(demo, "PE1", since=res) if r["event"] == "command"}
    assert at[refresh[2]] - at[refresh[1]] >= 1.0 > at[refresh[1]] - at[refresh[0]]


# --- targets: several scopes and directions in one call ----------------------------------------------
# After TARGETS_POLICY_CHANGE: PL-UPSTREAM-IN denies 10.50.0.0/16 (UPSTREAM-A sends it: 3 -> 2 received)
# and CE1 in vpna gets the export policy RP-CE-OUT denying 10.30.0.0/16 (CE2's route, the only one PE1
# advertises to CE1: 1 -> 0). Neither takes effect before the soft reset (bindings and prefix lists do
# not touch routes already received / advertised).
TARGETS_POLICY_CHANGE = """
- name: policy
  netops.vrp.vrp_config:
    src: |
      ip ip-prefix PL-UPSTREAM-IN index 5 deny 10.50.0.0 16
      ip ip-prefix PL-CE-OUT index 10 permit 10.30.0.0 16
      route-policy RP-CE-OUT deny node 10
       if-match ip-prefix PL-CE-OUT
      route-policy RP-CE-OUT permit node 20
      bgp 65000
       ipv4-family vpn-instance vpna
        peer 172.16.1.2 route-policy RP-CE-OUT export
"""
TWO_TARGETS = """
- name: soft
  netops.vrp.bgp_soft_reset:
    targets:
      - peers: [192.0.2.1]
        direction: import
      - address_family: vpn-instance
        vpn_instance: vpna
        peers: [172.16.1.2]
        direction: export
"""
TWO_REFRESHES = ["refresh bgp 192.0.2.1 import", "refresh bgp vpn-instance vpna ipv4-family 172.16.1.2 export"]


def accepted(lab, router, address, vrf=None, af="ipv4"):
    return sorted(session(lab, router, address, vrf)["ribs"][af]["accepted"])


def advertised(lab, router, address, vrf=None, af="ipv4"):
    return sorted(session(lab, router, address, vrf)["ribs"][af]["advertised"])


def test_targets_two_families_check_mode_then_run_with_one_settle(demo, run_tasks):
    changed = run_tasks(TARGETS_POLICY_CHANGE, lab=demo, limit="PE1")
    assert changed.ok, changed.summary()
    # the policy change alone has not touched the routes
    assert "10.50.0.0/16" in accepted(demo, "PE1", "192.0.2.1")
    assert advertised(demo, "PE1", "172.16.1.2", "vpna") == ["10.30.0.0/16"]

    check = run_tasks(TWO_TARGETS, lab=demo, limit="PE1", check=True)
    assert check.ok, check.summary()
    planned = check["soft"]["PE1"]
    assert planned["changed"] is True and planned["commands"] == TWO_REFRESHES
    assert [(p["address"], p["vpn_instance"], p["direction"], p["path"]) for p in planned["peers"]] == [
        ("192.0.2.1", None, "import", "route-refresh"), ("172.16.1.2", "vpna", "export", "export")]
    assert_only_displays(demo, "PE1", since=check)
    assert "10.50.0.0/16" in accepted(demo, "PE1", "192.0.2.1")
    assert advertised(demo, "PE1", "172.16.1.2", "vpna") == ["10.30.0.0/16"]

    res = run_tasks(TWO_TARGETS, lab=demo, limit="PE1")
    assert res.ok, res.summary()
    result = res["soft"]["PE1"]
    assert result["changed"] is True and result["commands"] == TWO_REFRESHES
    assert result["batches"] == [TWO_REFRESHES[:1], TWO_REFRESHES[1:]]     # batched per target
    upstream, ce1 = result["peers"]
    assert (upstream["address"], upstream["direction"], upstream["path"]) == ("192.0.2.1", "import", "route-refresh")
    assert (upstream["prefixes_before"], upstream["prefixes_after"]) == (3, 2)
    assert (upstream["refresh_sent_before"], upstream["refresh_sent_after"]) == (0, 1)
    assert (ce1["address"], ce1["vpn_instance"], ce1["direction"], ce1["path"]) == ("172.16.1.2", "vpna", "export",
                                                                                     "export")
    assert (ce1["prefixes_before"], ce1["prefixes_after"]) == (1, 0)
    for peer in (upstream, ce1):
        assert peer["verified"] is True and peer["problems"] == [] and peer["state_after"] == "Established"
        assert peer["up_count_before"] == peer["up_count_after"] == 1
    # the lab agrees: both policies took effect, no session flapped
    assert "10.50.0.0/16" not in accepted(demo, "PE1", "192.0.2.1")
    assert advertised(demo, "PE1", "172.16.1.2", "vpna") == []
    assert session(demo, "PE1", "172.16.1.2", "vpna")["up_count"] == 1

    # one facts read per target (the configuration once for both), the refreshes in target order, the
    # after-reads of both targets, then ONE settle round re-reading each target's count display (brief
    # table: import; verbose: export) once
    vrf_brief = "display bgp vpnv4 vpn-instance vpna peer"
    vrf_verbose = "display bgp vpnv4 vpn-instance vpna peer 172.16.1.2 verbose"
    after_reads = ["display bgp peer", "display bgp peer 192.0.2.1 verbose", vrf_brief, vrf_verbose]
    settle_round = ["display bgp peer", vrf_verbose]
    policy_check = []   # both peers negotiated route-refresh: the documented refresh, no policy check
    assert commands_sent(demo, "PE1", since=res) == [
        "display version", CONFIG, "display bgp peer", "display bgp peer verbose",
        vrf_brief, "display bgp vpnv4 vpn-instance vpna peer verbose",
    ] + TWO_REFRESHES + after_reads + settle_round + policy_check
    # and one settle wait: a single pause of at least SETTLE_MIN_INTERVAL between the commands from the
    # last refresh to the last re-read (one settle per target would pause once per target)
    records = [r for r in transcript(demo, "PE1", since=res) if r["event"] == "command"]
    verify = [r["ts"] for r in records[[r["command"] for r in records].index(TWO_REFRESHES[-1]):]
              if r["command"] != "quit"]
    assert len(verify) == 1 + len(after_reads) + len(settle_round) + len(policy_check)
    pauses = [later - earlier for earlier, later in zip(verify, verify[1:], strict=False) if later - earlier >= SETTLE_MIN_INTERVAL]
    assert len(pauses) == 1, [round(later - earlier, 3) for earlier, later in zip(verify, verify[1:], strict=False)]


def test_targets_second_target_without_a_path_fails_before_any_refresh(demo, run_tasks):
    """UPSTREAM-B (198.51.100.1) has neither route-refresh nor keep-all-routes: planned after a valid first
    target, it fails the call at pre-check, and the first target's refresh is not sent either."""
    res = run_tasks("""
    - name: soft
      netops.vrp.bgp_soft_reset:
        targets:
          - peers: [192.0.2.1]
            direction: import
          - peers: [198.51.100.1]
            direction: import
      ignore_errors: true
    """, lab=demo, limit="PE1")
    result = res["soft"]["PE1"]
    assert result["_status"] == "failed" and result["step"] == "pre-check" and result["changed"] is False
    assert "inbound soft reset impossible for 198.51.100.1" in result["msg"]
    assert result["commands"] == []
    sent = commands_sent(demo, "PE1", since=res)
    assert not [c for c in sent if c.startswith("refresh")], sent
    assert_only_displays(demo, "PE1", since=res)
    assert set(sent) == {"display version", CONFIG, "display bgp peer", "display bgp peer verbose"}, sent  # facts only
    assert session(demo, "PE1", "192.0.2.1")["messages"]["sent"]["refresh"] == 0


def test_targets_a_target_reaching_no_peer_is_skipped_the_others_sent(demo, run_tasks):
    """PE1 has no internal IPv6 peer: that target is skipped (named in msg), the IPv4 one still goes out."""
    res = run_tasks("""
    - name: soft
      netops.vrp.bgp_soft_reset:
        targets:
          - address_family: ipv6
            selector: internal
            direction: import
          - peers: [192.0.2.1]
            direction: import
    """, lab=demo, limit="PE1")
    assert res.ok, res.summary()
    result = res["soft"]["PE1"]
    assert result["changed"] is True and result["commands"] == ["refresh bgp 192.0.2.1 import"]
    assert result["msg"] == "the selection reaches no peer in IPv6 unicast; nothing sent there"
    assert [(p["address"], p["verified"]) for p in result["peers"]] == [("192.0.2.1", True)]
    assert [c for c in commands_sent(demo, "PE1", since=res) if not c.startswith("display ")] == \
        ["refresh bgp 192.0.2.1 import"]
    assert session(demo, "PE1", "192.0.2.1")["messages"]["sent"]["refresh"] == 1
