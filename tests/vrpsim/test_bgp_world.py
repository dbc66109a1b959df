"""Behaviour of the vrpsim BGP world (no SSH): sessions, soft/hard resets, route-refresh, keep-all-routes,
policy staleness, scopes, VPNv4, IPv6. The clock is injected so every test is instant."""
import pytest

from vrpsim.bgp import BgpWorld
from vrpsim.errors import CliError
from vrpsim.platform import PLATFORMS

DELAY = 2.0


class FakeClock:
    def __init__(self, t=1000.0):
        self.t = t

    def __call__(self):
        return self.t

    def advance(self, seconds):
        self.t += seconds


TOPOLOGY = {
    "name": "bgp-unit",
    "timing": {"establish_delay": DELAY},
    "routers": [
        {"name": "PE1", "addresses": ["10.0.0.1", "2001:db8::1"], "vpn_addresses": {"vpna": ["172.16.1.1"]}},
        {"name": "PE2", "addresses": ["10.0.0.2", "2001:db8::2"], "vpn_addresses": {"vpna": ["172.16.2.1"]}},
        {"name": "RR", "addresses": ["10.0.0.3"]},
    ],
    "external_peers": [
        {"name": "UP1", "router": "PE1", "address": "192.0.2.1", "as": 65010, "route_refresh": True,
         "routes": [{"prefix": "10.20.0.0/16", "as_path": [65010], "med": 0},
                    {"prefix": "10.21.0.0/16", "as_path": [65010, 65099], "origin": "?", "med": 0},
                    {"prefix": "10.22.0.0/24", "as_path": [65010], "communities": ["65010:7"]}]},
        {"name": "UP2", "router": "PE1", "address": "198.51.100.9", "as": 65020, "route_refresh": False,
         "routes": [{"prefix": "10.30.0.0/16", "as_path": [65020]},
                    {"prefix": "10.31.0.0/16", "as_path": [65020]}]},
        {"name": "UP6", "router": "PE1", "address": "2001:db8:ff::9", "as": 65010,
         "routes": [{"prefix": "2001:db8:100::/48", "as_path": [65010]},
                    {"prefix": "2001:db8:200::/48", "as_path": [65010]}]},
        {"name": "CE1", "router": "PE1", "address": "172.16.1.2", "vpn_instance": "vpna", "as": 65100,
         "routes": [{"prefix": "10.100.0.0/16", "as_path": [65100]},
                    {"prefix": "10.101.0.0/16", "as_path": [65100]}]},
        {"name": "CE2", "router": "PE2", "address": "172.16.2.2", "vpn_instance": "vpna", "as": 65200,
         "routes": [{"prefix": "10.200.0.0/16", "as_path": [65200]}]},
    ],
}

POLICIES = """#
ip ip-prefix ONLY-20 index 10 permit 10.20.0.0 16
#
ip ip-prefix ONLY-30 index 10 permit 10.30.0.0 16
#
ip ip-prefix LAB-A index 10 permit 10.50.0.0 16
#
ip ip-prefix CE-100 index 10 permit 10.100.0.0 16
#
route-policy RP-20 permit node 10
 if-match ip-prefix ONLY-20
#
route-policy RP-30 permit node 10
 if-match ip-prefix ONLY-30
#
route-policy RP-LAB permit node 10
 if-match ip-prefix LAB-A
#
route-policy RP-CE permit node 10
 if-match ip-prefix CE-100
#
route-policy RP-LP permit node 10
 apply local-preference 300
#
"""


def pe_config(me, other, *, public_extra="", ipv4_extra="", ipv6_extra="", vpn_extra="", vpnv4_extra="",
              rt="65000:1", externals=True, ce="172.16.1.2", ce_as=65100, networks=()):
    """A PE's running config in VRP8 layout: iBGP to the other PE (IPv4+IPv6), VPNv4 to the RR."""
    idx = me[-1]
    lines = ["#", "sysname %s" % me, "#", "ip vpn-instance vpna", " ipv4-family",
             "  route-distinguisher 65000:%s" % idx,
             "  vpn-target %s export-extcommunity" % rt, "  vpn-target %s import-extcommunity" % rt,
             "#", "bgp 65000", " router-id 10.0.0.%s" % idx,
             " group IBGP internal",
             " peer 10.0.0.%s as-number 65000" % other[-1], " peer 10.0.0.%s group IBGP" % other[-1],
             " peer 2001:db8::%s as-number 65000" % other[-1],
             " peer 10.0.0.3 as-number 65000"]
    if externals:
        lines += [" peer 192.0.2.1 as-number 65010", " peer 198.51.100.9 as-number 65020",
                  " peer 2001:db8:ff::9 as-number 65010"]
    lines += [ln for ln in public_extra.splitlines() if ln]
    lines += [" #", " ipv4-family unicast", "  undo synchronization",
              "  peer 10.0.0.%s enable" % other[-1], "  undo peer 10.0.0.3 enable"]
    lines += ["  network %s" % n for n in networks]
    lines += [ln for ln in ipv4_extra.splitlines() if ln]
    lines += [" #", " ipv6-family unicast", "  undo synchronization", "  peer 2001:db8::%s enable" % other[-1]]
    if externals:
        lines += ["  peer 2001:db8:ff::9 enable"]
    lines += [ln for ln in ipv6_extra.splitlines() if ln]
    lines += [" #", " ipv4-family vpnv4", "  policy vpn-target", "  peer 10.0.0.3 enable"]
    lines += [ln for ln in vpnv4_extra.splitlines() if ln]
    lines += [" #", " ipv4-family vpn-instance vpna", "  peer %s as-number %d" % (ce, ce_as)]
    lines += [ln for ln in vpn_extra.splitlines() if ln]
    lines += ["#"]
    return "\n".join(lines) + "\n" + POLICIES + "return\n"


RR_CONFIG = """#
sysname RR
#
bgp 65000
 router-id 10.0.0.3
 group CLIENTS internal
 peer 10.0.0.1 as-number 65000
 peer 10.0.0.1 group CLIENTS
 peer 10.0.0.2 as-number 65000
 peer 10.0.0.2 group CLIENTS
 #
 ipv4-family unicast
  undo synchronization
  undo peer CLIENTS enable
 #
 ipv4-family vpnv4
  undo policy vpn-target
  peer CLIENTS enable
  peer CLIENTS reflect-client
#
return
"""


def peer(world, router, address, vrf=None):
    for s in world.dump(router)["sessions"]:
        if s["address"] == address and s["vpn_instance"] == vrf:
            return s
    raise AssertionError("no session %s %s on %s" % (vrf, address, router))


def accepted(world, router, address, af="ipv4", vrf=None):
    return peer(world, router, address, vrf)["ribs"].get(af, {}).get("accepted", [])


def best(world, router, table="ipv4"):
    return world.dump(router)["tables"].get(table, {})


@pytest.fixture
def lab():
    clock = FakeClock()
    world = BgpWorld(TOPOLOGY, clock=clock)
    configs = {"PE1": pe_config("PE1", "PE2"),
               "PE2": pe_config("PE2", "PE1", externals=False, ce="172.16.2.2", ce_as=65200),
               "RR": RR_CONFIG}
    for name, text in configs.items():
        world.apply_config(name, text)
    clock.advance(DELAY + 0.5)

    class Lab:
        pass
    lab = Lab()
    lab.world, lab.clock, lab.configs = world, clock, configs

    def commit(router, text):
        lab.configs[router] = text
        world.apply_config(router, text)
    lab.commit = commit
    return lab


# ----------------------------------------------------------------------------------- sessions
def test_sessions_walk_the_fsm_and_come_up_together():
    clock = FakeClock()
    world = BgpWorld(TOPOLOGY, clock=clock)
    world.apply_config("PE1", pe_config("PE1", "PE2"))
    assert peer(world, "PE1", "10.0.0.2")["state"] == "Active"      # PE2 not configured yet
    world.apply_config("PE2", pe_config("PE2", "PE1", externals=False, ce="172.16.2.2", ce_as=65200))
    seen = []
    for _ in range(9):
        seen.append(peer(world, "PE1", "10.0.0.2")["state"])
        assert peer(world, "PE2", "10.0.0.1")["state"] == seen[-1]
        clock.advance(DELAY / 8)
    assert seen[0] == "Idle" and seen[-1] == "Established"
    assert [s for i, s in enumerate(seen) if i == 0 or s != seen[i - 1]] == \
        ["Idle", "Connect", "OpenSent", "OpenConfirm", "Established"]
    assert peer(world, "PE1", "10.0.0.2")["up_count"] == 1
    assert peer(world, "PE1", "198.51.100.9")["state"] == "Established"
    assert peer(world, "PE1", "10.0.0.3")["state"] == "Active"      # RR not configured


def test_initial_exchange_and_vpnv4_via_rr(lab):
    w = lab.world
    assert accepted(w, "PE1", "192.0.2.1") == ["10.20.0.0/16", "10.21.0.0/16", "10.22.0.0/24"]
    # PE2 learns PE1's eBGP routes over the direct iBGP session
    assert sorted(accepted(w, "PE2", "10.0.0.1")) == ["10.20.0.0/16", "10.21.0.0/16", "10.22.0.0/24",
                                                       "10.30.0.0/16", "10.31.0.0/16"]
    # CE routes cross PE1 -> RR -> PE2 as VPNv4 and land in PE2's vpna by route target
    vrf = best(w, "PE2", "vpn-instance:vpna")
    assert set(vrf) == {"10.100.0.0/16", "10.101.0.0/16", "10.200.0.0/16"}
    assert vrf["10.100.0.0/16"]["next_hop"] == "10.0.0.1"
    assert peer(w, "RR", "10.0.0.1")["ribs"]["vpnv4"]["accepted"] == ["65000:1:10.100.0.0/16",
                                                                       "65000:1:10.101.0.0/16"]
    # and PE2 advertises them on to its CE
    assert peer(w, "PE2", "172.16.2.2", "vpna")["ribs"]["ipv4"]["advertised"] == ["10.100.0.0/16",
                                                                                  "10.101.0.0/16"]


def test_route_target_mismatch_blocks_import(lab):
    lab.commit("PE2", pe_config("PE2", "PE1", externals=False, ce="172.16.2.2", ce_as=65200, rt="65000:99"))
    assert set(best(lab.world, "PE2", "vpn-instance:vpna")) == {"10.200.0.0/16"}


# ----------------------------------------------------------------------------------- soft reset in
def test_import_policy_change_waits_for_refresh_with_route_refresh(lab):
    w = lab.world
    before = peer(w, "PE1", "192.0.2.1")
    lab.commit("PE1", pe_config("PE1", "PE2", ipv4_extra="  peer 192.0.2.1 route-policy RP-20 import"))
    assert len(accepted(w, "PE1", "192.0.2.1")) == 3            # stale until a soft reset
    lab.clock.advance(30)
    assert w.refresh("PE1", ["192.0.2.1", "import"]) == ""
    after = peer(w, "PE1", "192.0.2.1")
    assert accepted(w, "PE1", "192.0.2.1") == ["10.20.0.0/16"]
    assert after["messages"]["sent"]["refresh"] == 1
    assert after["up_count"] == before["up_count"] == 1
    assert after["established_since"] == before["established_since"]    # uptime continues
    assert after["uptime_seconds"] >= 30
    # the withdrawal propagated to PE2 as well
    assert "10.21.0.0/16" not in accepted(w, "PE2", "10.0.0.1")


def test_refresh_import_between_lab_routers_counts_on_both_sides(lab):
    w = lab.world
    lab.commit("PE2", pe_config("PE2", "PE1", externals=False, ce="172.16.2.2", ce_as=65200,
                                ipv4_extra="  peer 10.0.0.1 route-policy RP-20 import"))
    assert len(accepted(w, "PE2", "10.0.0.1")) == 5
    w.refresh("PE2", ["10.0.0.1", "import"])
    assert accepted(w, "PE2", "10.0.0.1") == ["10.20.0.0/16"]
    assert peer(w, "PE2", "10.0.0.1")["messages"]["sent"]["refresh"] == 1
    assert peer(w, "PE1", "10.0.0.2")["messages"]["received"]["refresh"] == 1
    assert peer(w, "PE1", "10.0.0.2")["up_count"] == 1


def test_route_refresh_resends_through_the_remote_current_export_policy(lab):
    w = lab.world
    # PE1 changes its export policy to PE2 but does not refresh: PE2 still holds the old routes...
    lab.commit("PE1", pe_config("PE1", "PE2", ipv4_extra="  peer 10.0.0.2 route-policy RP-30 export"))
    assert len(accepted(w, "PE2", "10.0.0.1")) == 5
    # ...until PE2 asks for a refresh: PE1 re-sends what its export policy permits now
    w.refresh("PE2", ["10.0.0.1", "import"])
    assert accepted(w, "PE2", "10.0.0.1") == ["10.30.0.0/16"]


def test_keep_all_routes_without_route_refresh_resets_once_then_refreshes_locally(lab):
    w = lab.world
    assert peer(w, "PE1", "198.51.100.9")["route_refresh"]["negotiated"] is False
    lab.commit("PE1", pe_config("PE1", "PE2", ipv4_extra="  peer 198.51.100.9 keep-all-routes"))
    s = peer(w, "PE1", "198.51.100.9")
    assert s["state"] != "Established"                           # first keep-all-routes: re-established
    lab.clock.advance(DELAY + 0.1)
    s = peer(w, "PE1", "198.51.100.9")
    assert s["state"] == "Established" and s["up_count"] == 2
    lab.commit("PE1", pe_config("PE1", "PE2", ipv4_extra="  peer 198.51.100.9 keep-all-routes\n"
                                                         "  peer 198.51.100.9 route-policy RP-30 import"))
    assert len(accepted(w, "PE1", "198.51.100.9")) == 2
    w.refresh("PE1", ["198.51.100.9", "import"])
    s = peer(w, "PE1", "198.51.100.9")
    assert accepted(w, "PE1", "198.51.100.9") == ["10.30.0.0/16"]
    assert s["messages"]["sent"]["refresh"] == 0 and s["up_count"] == 2
    assert s["ribs"]["ipv4"]["received"] == ["10.30.0.0/16", "10.31.0.0/16"]   # retained Adj-RIB-In
    # loosening again works from the retained routes
    lab.commit("PE1", pe_config("PE1", "PE2", ipv4_extra="  peer 198.51.100.9 keep-all-routes"))
    w.refresh("PE1", ["198.51.100.9", "import"])
    assert len(accepted(w, "PE1", "198.51.100.9")) == 2


def test_keep_all_routes_on_route_refresh_peer_does_not_reset_and_sends_no_refresh(lab):
    w = lab.world
    lab.commit("PE1", pe_config("PE1", "PE2", ipv4_extra="  peer 192.0.2.1 keep-all-routes"))
    assert peer(w, "PE1", "192.0.2.1")["state"] == "Established"
    assert peer(w, "PE1", "192.0.2.1")["up_count"] == 1
    lab.commit("PE1", pe_config("PE1", "PE2", ipv4_extra="  peer 192.0.2.1 keep-all-routes\n"
                                                         "  peer 192.0.2.1 route-policy RP-20 import"))
    w.refresh("PE1", ["192.0.2.1", "import"])
    assert accepted(w, "PE1", "192.0.2.1") == ["10.20.0.0/16"]
    assert peer(w, "PE1", "192.0.2.1")["messages"]["sent"]["refresh"] == 0


def test_refresh_import_without_route_refresh_or_keep_all_routes_changes_nothing(lab):
    w = lab.world
    lab.commit("PE1", pe_config("PE1", "PE2", ipv4_extra="  peer 198.51.100.9 route-policy RP-30 import"))
    assert w.refresh("PE1", ["198.51.100.9", "import"]) == ""
    s = peer(w, "PE1", "198.51.100.9")
    assert len(s["ribs"]["ipv4"]["accepted"]) == 2
    assert s["messages"]["sent"]["refresh"] == 0 and s["up_count"] == 1
    # a hard reset is the remedy
    w.reset("PE1", ["198.51.100.9"])
    lab.clock.advance(DELAY + 0.1)
    assert accepted(w, "PE1", "198.51.100.9") == ["10.30.0.0/16"]


def test_new_routes_after_a_binding_change_use_the_new_policy(lab):
    w = lab.world
    lab.commit("PE2", pe_config("PE2", "PE1", externals=False, ce="172.16.2.2", ce_as=65200,
                                ipv4_extra="  peer 10.0.0.1 route-policy RP-LAB import"))
    # PE1 starts originating two prefixes: only the one RP-LAB permits is accepted by PE2,
    # while the routes received before the change stay as they were.
    lab.commit("PE1", pe_config("PE1", "PE2", networks=("10.50.0.0 16", "10.60.0.0 255.255.0.0")))
    got = accepted(w, "PE2", "10.0.0.1")
    assert "10.50.0.0/16" in got and "10.60.0.0/16" not in got
    assert "10.21.0.0/16" in got


# ----------------------------------------------------------------------------------- soft reset out
def test_export_change_visible_only_after_refresh_export(lab):
    w = lab.world
    lab.commit("PE1", pe_config("PE1", "PE2", ipv4_extra="  peer 10.0.0.2 route-policy RP-20 export"))
    assert len(accepted(w, "PE2", "10.0.0.1")) == 5                 # PE2 still sees the old routes
    assert w.refresh("PE1", ["10.0.0.2", "export"]) == ""
    assert accepted(w, "PE2", "10.0.0.1") == ["10.20.0.0/16"]
    assert peer(w, "PE1", "10.0.0.2")["ribs"]["ipv4"]["advertised"] == ["10.20.0.0/16"]
    assert peer(w, "PE1", "10.0.0.2")["up_count"] == 1
    assert peer(w, "PE1", "10.0.0.2")["messages"]["sent"]["refresh"] == 0


def test_refresh_export_is_filtered_by_the_receivers_current_import(lab):
    w = lab.world
    lab.commit("PE2", pe_config("PE2", "PE1", externals=False, ce="172.16.2.2", ce_as=65200,
                                ipv4_extra="  peer 10.0.0.1 route-policy RP-30 import"))
    w.refresh("PE1", ["all", "export"])
    assert accepted(w, "PE2", "10.0.0.1") == ["10.30.0.0/16"]


def test_export_policy_apply_clauses(lab):
    w = lab.world
    lab.commit("PE1", pe_config("PE1", "PE2", ipv4_extra="  peer 10.0.0.2 route-policy RP-LP export"))
    w.refresh("PE1", ["10.0.0.2", "export"])
    assert best(w, "PE2")["10.20.0.0/16"]["local_pref"] == 300


# ----------------------------------------------------------------------------------- hard reset
def test_hard_reset_flaps_both_sides_and_comes_back(lab):
    w = lab.world
    lab.clock.advance(100)
    assert w.reset("PE1", ["10.0.0.2"]) == ""
    for side in (peer(w, "PE1", "10.0.0.2"), peer(w, "PE2", "10.0.0.1")):
        assert side["state"] in ("Idle", "Connect")
        assert side["ribs"] == {}
    assert "10.20.0.0/16" not in best(w, "PE2")
    assert peer(w, "PE1", "10.0.0.2")["messages"]["sent"]["notification"] == 1
    assert peer(w, "PE2", "10.0.0.1")["messages"]["received"]["notification"] == 1
    lab.clock.advance(DELAY + 0.1)
    for side in (peer(w, "PE1", "10.0.0.2"), peer(w, "PE2", "10.0.0.1")):
        assert side["state"] == "Established" and side["up_count"] == 2
        assert side["uptime_seconds"] < 1
    assert len(accepted(w, "PE2", "10.0.0.1")) == 5
    assert peer(w, "PE1", "192.0.2.1")["up_count"] == 1             # other sessions untouched


def test_capability_change_resets_both_sides(lab):
    w = lab.world
    lab.commit("PE1", pe_config("PE1", "PE2",
                                public_extra=" undo peer 10.0.0.2 capability-advertise route-refresh"))
    assert peer(w, "PE1", "10.0.0.2")["state"] != "Established"
    assert peer(w, "PE2", "10.0.0.1")["state"] != "Established"
    lab.clock.advance(DELAY + 0.1)
    one, two = peer(w, "PE1", "10.0.0.2"), peer(w, "PE2", "10.0.0.1")
    assert one["up_count"] == two["up_count"] == 2
    assert one["route_refresh"] == {"local": False, "peer": True, "negotiated": False}
    assert two["route_refresh"] == {"local": True, "peer": False, "negotiated": False}
    # PE2 can no longer soft-reset inbound from PE1
    w.refresh("PE2", ["10.0.0.1", "import"])
    assert peer(w, "PE2", "10.0.0.1")["messages"]["sent"]["refresh"] == 0


def test_policy_binding_change_does_not_reset(lab):
    w = lab.world
    lab.commit("PE1", pe_config("PE1", "PE2", ipv4_extra="  peer 10.0.0.2 route-policy RP-20 import\n"
                                                         "  peer 192.0.2.1 route-policy RP-20 export"))
    assert all(s["up_count"] == 1 and s["state"] == "Established"
               for s in w.dump("PE1")["sessions"] if s["address"] != "10.0.0.3")


def test_af_enable_resets_session(lab):
    w = lab.world
    lab.commit("PE1", pe_config("PE1", "PE2", vpnv4_extra="  peer 10.0.0.2 enable"))
    assert peer(w, "PE1", "10.0.0.2")["state"] != "Established"
    lab.clock.advance(DELAY + 0.1)
    assert peer(w, "PE1", "10.0.0.2")["up_count"] == 2
    assert peer(w, "PE1", "10.0.0.2")["address_families"] == ["ipv4"]   # PE2 has not enabled vpnv4


def test_peer_stuck_fault(lab):
    w = lab.world
    w.fault_peer_stuck("PE1", "192.0.2.1")
    assert peer(w, "PE1", "192.0.2.1")["state"] == "Established"   # only bites on the next reset
    w.reset("PE1", ["192.0.2.1"])
    lab.clock.advance(3600)
    s = peer(w, "PE1", "192.0.2.1")
    assert s["state"] == "Active" and s["up_count"] == 1
    w.clear_faults("PE1")
    lab.clock.advance(DELAY + 0.1)
    assert peer(w, "PE1", "192.0.2.1")["state"] == "Established"


def test_peer_stuck_between_lab_routers_holds_both_ends(lab):
    w = lab.world
    w.fault_peer_stuck("PE2", "10.0.0.1")
    w.reset("PE1", ["10.0.0.2"])
    lab.clock.advance(60)
    assert peer(w, "PE1", "10.0.0.2")["state"] == "Active"
    assert peer(w, "PE2", "10.0.0.1")["state"] == "Active"
    w.clear_faults()
    lab.clock.advance(DELAY + 0.1)
    assert peer(w, "PE1", "10.0.0.2")["state"] == "Established"


# ----------------------------------------------------------------------------------- scopes
def _up_counts(world, router):
    return {(s["vpn_instance"], s["address"]): s["up_count"] for s in world.dump(router)["sessions"]}


ALL_PE1 = {(None, "10.0.0.2"), (None, "2001:db8::2"), (None, "10.0.0.3"), (None, "192.0.2.1"),
           (None, "198.51.100.9"), (None, "2001:db8:ff::9"), ("vpna", "172.16.1.2")}


@pytest.mark.parametrize("tokens,expected", [
    (["all"], ALL_PE1),
    (["ipv4", "all"], {(None, "10.0.0.2"), (None, "192.0.2.1"), (None, "198.51.100.9")}),
    (["10.0.0.2"], {(None, "10.0.0.2")}),
    (["65010"], {(None, "192.0.2.1"), (None, "2001:db8:ff::9")}),
    (["group", "IBGP"], {(None, "10.0.0.2")}),
    (["external"], {(None, "192.0.2.1"), (None, "198.51.100.9"), (None, "2001:db8:ff::9")}),
    (["internal"], {(None, "10.0.0.2"), (None, "2001:db8::2"), (None, "10.0.0.3")}),
    (["vpnv4", "all"], {(None, "10.0.0.3")}),
    (["vpnv4", "10.0.0.3"], {(None, "10.0.0.3")}),
    (["vpnv4", "internal"], {(None, "10.0.0.3")}),
    (["vpn-instance", "vpna", "ipv4-family", "all"], {("vpna", "172.16.1.2")}),
    (["vpn-instance", "vpna", "ipv4-family", "65100"], {("vpna", "172.16.1.2")}),
    (["vpn-instance", "vpna", "ipv4-family", "internal"], set()),
    (["ipv6", "all"], {(None, "2001:db8::2"), (None, "2001:db8:ff::9")}),
    (["ipv6", "2001:db8::2"], {(None, "2001:db8::2")}),
    (["ipv6", "external"], {(None, "2001:db8:ff::9")}),
])
def test_reset_scopes_select_the_right_sessions(lab, tokens, expected):
    w = lab.world
    before = _up_counts(w, "PE1")
    assert w.reset("PE1", tokens) == ""
    lab.clock.advance(DELAY + 0.1)
    after = _up_counts(w, "PE1")
    flapped = {k for k in after if after[k] != before[k]}
    assert flapped == expected


@pytest.mark.parametrize("tokens,expected", [
    (["all", "import"], {"192.0.2.1", "10.0.0.2"}),
    (["external", "import"], {"192.0.2.1"}),
    (["internal", "import"], {"10.0.0.2"}),
    (["group", "IBGP", "import"], {"10.0.0.2"}),
    (["10.0.0.2", "import"], {"10.0.0.2"}),
    (["vpnv4", "all", "import"], {"10.0.0.3"}),
    (["vpnv4", "group", "IBGP", "import"], set()),
    (["vpn-instance", "vpna", "ipv4-family", "all", "import"], {"172.16.1.2"}),
    (["ipv6", "all", "import"], {"2001:db8::2", "2001:db8:ff::9"}),
    (["ipv6", "2001:db8:ff::9", "import"], {"2001:db8:ff::9"}),
    (["all", "export"], set()),
])
def test_refresh_scopes_select_the_right_sessions(lab, tokens, expected):
    w = lab.world
    before = {s["address"]: s["messages"]["sent"]["refresh"] for s in w.dump("PE1")["sessions"]}
    w.refresh("PE1", tokens)
    after = {s["address"]: s["messages"]["sent"]["refresh"] for s in w.dump("PE1")["sessions"]}
    assert {a for a in after if after[a] != before[a]} == expected    # UP2 lacks route-refresh
    assert all(s["up_count"] == 1 for s in w.dump("PE1")["sessions"] if s["state"] == "Established")


def test_reset_slow_peer_is_accepted_without_flap(lab):
    """Seed 002: `reset bgp vpnv4 [ip] slow-peer` (NE40E V800R022C00); clears the marking, no flap
    [CE-CR reset_bgp.md "Restores a slow peer connection to a normal peer connection"]."""
    w = lab.world
    for state in w.routers.values():
        state.platform = PLATFORMS["ne40e-v800r022c00"]
    before = _up_counts(w, "PE1")
    assert w.reset("PE1", ["vpnv4", "10.0.0.3", "slow-peer"]) == ""
    assert w.reset("PE1", ["vpnv4", "slow-peer"]) == ""
    lab.clock.advance(DELAY + 0.1)
    assert _up_counts(w, "PE1") == before


@pytest.mark.parametrize("method,tokens,kind,index", [
    ("refresh", ["group", "NOPE", "import"], "wrong_parameter", 1),
    ("reset", ["group", "NOPE"], "wrong_parameter", 1),
    ("refresh", ["vpn-instance", "nope", "ipv4-family", "all", "import"], "wrong_parameter", 1),
    ("reset", ["vpnv4", "group", "NOPE"], "wrong_parameter", 2),
    ("refresh", ["10.9.9.9", "import"], "semantic", None),
    ("reset", ["10.9.9.9"], "semantic", None),
])
def test_semantic_errors(lab, method, tokens, kind, index):
    with pytest.raises(CliError) as err:
        getattr(lab.world, method)("PE1", tokens)
    assert err.value.kind == kind and err.value.token_index == index


# ----------------------------------------------------------------------------------- groups, AS
def test_group_inheritance_of_as_and_policy_peer_level_wins():
    clock = FakeClock()
    world = BgpWorld(TOPOLOGY, clock=clock)
    text = pe_config("PE1", "PE2", externals=False, public_extra="""\
 group UPS external
 peer UPS as-number 65010
 peer 192.0.2.1 as-number 65010
 peer 192.0.2.1 group UPS
 group NOAS external
 peer 198.51.100.9 as-number 65020
 peer 198.51.100.9 group UPS""", ipv4_extra="""\
  peer UPS route-policy RP-20 import
  peer 198.51.100.9 route-policy RP-30 import""")
    world.apply_config("PE1", text)
    clock.advance(DELAY + 0.1)
    up1, up2 = peer(world, "PE1", "192.0.2.1"), peer(world, "PE1", "198.51.100.9")
    assert up1["group"] == "UPS" and up1["remote_as"] == "65010" and up1["state"] == "Established"
    assert up1["import_policy"]["ipv4"] == "RP-20"
    assert up2["import_policy"]["ipv4"] == "RP-30"             # peer-level binding wins
    assert up2["remote_as"] == "65020"                          # own AS kept over the group's
    assert accepted(world, "PE1", "192.0.2.1") == ["10.20.0.0/16"]
    assert accepted(world, "PE1", "198.51.100.9") == ["10.30.0.0/16"]


def test_group_as_inherited_when_peer_has_none():
    world = BgpWorld(TOPOLOGY, clock=FakeClock())
    world.apply_config("PE1", "#\nbgp 65000\n group UPS external\n peer UPS as-number 65010\n"
                              " peer 192.0.2.1 group UPS\n#\nreturn\n")
    # the running config of VRP lists `peer X group G` without an own as-number only when the
    # group has one; the model accepts it either way
    assert all(s["address"] != "192.0.2.1" or s["remote_as"] == "65010"
               for s in world.dump("PE1")["sessions"])


def test_asdot_as_numbers():
    topo = {"timing": {"establish_delay": 1}, "routers": [{"name": "R", "addresses": ["10.0.0.9"]}],
            "external_peers": [{"router": "R", "address": "192.0.2.7", "as": "1.10", "routes": []}]}
    clock = FakeClock()
    world = BgpWorld(topo, clock=clock)
    world.apply_config("R", "#\nbgp 1.2\n peer 192.0.2.7 as-number 1.10\n#\nreturn\n")
    clock.advance(2)
    s = peer(world, "R", "192.0.2.7")
    assert s["state"] == "Established" and s["remote_as"] == "1.10" and s["type"] == "external"
    assert "  192.0.2.7       4        1.10" in world.display("R", ["peer"])
    world.reset("R", ["1.10"])
    assert peer(world, "R", "192.0.2.7")["state"] != "Established"


def test_as_mismatch_never_establishes(lab):
    lab.commit("PE1", pe_config("PE1", "PE2").replace("peer 192.0.2.1 as-number 65010",
                                                      "peer 192.0.2.1 as-number 65011"))
    lab.clock.advance(60)
    assert peer(lab.world, "PE1", "192.0.2.1")["state"] == "Active"


def test_undo_peer_withdraws_its_routes(lab):
    w = lab.world
    text = pe_config("PE1", "PE2").replace(" peer 192.0.2.1 as-number 65010\n", "")
    lab.commit("PE1", text)
    assert "10.20.0.0/16" not in best(w, "PE1") and "10.20.0.0/16" not in best(w, "PE2")


def test_ipv6_routes_and_refresh(lab):
    w = lab.world
    assert accepted(w, "PE1", "2001:db8:ff::9", "ipv6") == ["2001:db8:100::/48", "2001:db8:200::/48"]
    assert accepted(w, "PE2", "2001:db8::1", "ipv6") == ["2001:db8:100::/48", "2001:db8:200::/48"]
    prefix_lists = "#\nip ipv6-prefix V6 index 10 permit 2001:db8:100:: 48\n#\n" \
                   "route-policy RP-V6 permit node 10\n if-match ipv6 address prefix-list V6\n#\n"
    lab.commit("PE1", pe_config("PE1", "PE2", ipv6_extra="  peer 2001:db8::2 route-policy RP-V6 export")
               .replace("return\n", prefix_lists + "return\n"))
    assert len(accepted(w, "PE2", "2001:db8::1", "ipv6")) == 2
    w.refresh("PE1", ["ipv6", "2001:db8::2", "export"])
    assert accepted(w, "PE2", "2001:db8::1", "ipv6") == ["2001:db8:100::/48"]


def test_vpn_instance_import_refresh(lab):
    w = lab.world
    lab.commit("PE1", pe_config("PE1", "PE2", vpn_extra="  peer 172.16.1.2 route-policy RP-CE import"))
    assert len(accepted(w, "PE1", "172.16.1.2", vrf="vpna")) == 2
    w.refresh("PE1", ["vpn-instance", "vpna", "ipv4-family", "172.16.1.2", "import"])
    assert accepted(w, "PE1", "172.16.1.2", vrf="vpna") == ["10.100.0.0/16"]
    assert "10.101.0.0/16" not in best(w, "PE2", "vpn-instance:vpna")   # withdrawal reached PE2 via RR


def test_vpnv4_export_refresh_toward_rr(lab):
    w = lab.world
    lab.commit("PE1", pe_config("PE1", "PE2", vpnv4_extra="  peer 10.0.0.3 route-policy RP-CE export"))
    assert len(peer(w, "RR", "10.0.0.1")["ribs"]["vpnv4"]["accepted"]) == 2
    w.refresh("PE1", ["vpnv4", "all", "export"])
    assert peer(w, "RR", "10.0.0.1")["ribs"]["vpnv4"]["accepted"] == ["65000:1:10.100.0.0/16"]
    assert set(best(w, "PE2", "vpn-instance:vpna")) == {"10.100.0.0/16", "10.200.0.0/16"}


def test_uptime_and_message_counters_grow_lazily(lab):
    w = lab.world
    s0 = peer(w, "PE1", "192.0.2.1")
    lab.clock.advance(3600)
    s1 = peer(w, "PE1", "192.0.2.1")
    assert s1["uptime_seconds"] - s0["uptime_seconds"] == pytest.approx(3600)
    assert s1["messages"]["sent"]["keepalive"] == s0["messages"]["sent"]["keepalive"] + 60
