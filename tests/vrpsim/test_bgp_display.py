"""vrpsim ``display bgp`` outputs: reference §5 layouts character for character, and parse-back of the
columns produced from a live world."""
import re

import pytest

from vrpsim import bgp_display as d
from vrpsim.bgp import BgpWorld
from vrpsim.errors import CliError

# vrp-cli-reference.md §5.1 sample, with its first row's Up/Down in the form a real router prints beyond 24 h:
# ``xxxxhxxm`` [CE-CR display_bgp_peer_(or_slow-peer).md, Up/Down item; NE40E-CR display-bgp-summary(BGPOM)
# ``0026h40m``]. The reference's ``0016h03m`` (16 h) cannot be real: under 24 h is ``xx:xx:xx``.
REF_PEER_SUMMARY = """
 BGP local router ID : 10.0.0.1
 Local AS number : 65000
 Total number of peers : 3                 Peers in established state : 2

  Peer            V          AS  MsgRcvd  MsgSent  OutQ  Up/Down       State  PrefRcv
  10.0.0.2        4       65000     1203     1190     0 0040h03m Established       12
  192.0.2.1       4       65010       45       52     0 00:21:07 Established        3
  198.51.100.9    4       65020        0        0     0 00:00:07        Idle        0
"""

REF_VPN_SECTION = """
  Peer of IPv4-family for vpn instance :

  VPN-Instance vpna, Router ID 10.0.0.1:
  Peer            V          AS  MsgRcvd  MsgSent  OutQ  Up/Down       State  PrefRcv
  172.16.0.2      4       65020       25       24     0 00:17:57 Established        1
"""

# §5.2 sample (the parts whose values we can reproduce exactly)
REF_VERBOSE = """ BGP Peer is 192.0.2.1,  remote AS 65010
 Type: EBGP link
 BGP version 4, Remote router ID 192.0.2.1
 Update-group ID: 2
 BGP current state: Established, Up for 00h21m07s
 BGP current event: RecvKeepalive
 BGP last state: OpenConfirm
 BGP Peer Up count: 1
 Received total routes: 3
 Received active routes total: 3
 Advertised total routes: 12
 Port: Local - 179        Remote - 52344
 Configured: Connect-retry Time: 32 sec
 Configured: Active Hold Time: 180 sec   Keepalive Time:60 sec
 Received  : Active Hold Time: 180 sec
 Negotiated: Active Hold Time: 180 sec   Keepalive Time:60 sec
 Peer optional capabilities:
  Peer supports bgp multi-protocol extension
  Peer supports bgp route refresh capability
  Peer supports bgp 4-byte-as capability
  Address family IPv4 Unicast: advertised and received
 Received: Total 45 messages
                  Update messages                3
                  Open messages                  1
                  KeepAlive messages             40
                  Notification messages          0
                  Refresh messages               1
 Sent: Total 52 messages
                  Update messages                10
                  Open messages                  1
                  KeepAlive messages             40
                  Notification messages          0
                  Refresh messages               1
 Authentication type configured: None
"""
REF_VERBOSE_TAIL = """ Optional capabilities:
 Route refresh capability has been enabled
 4-byte-as capability has been enabled
 Peer Preferred Value: 0
 Routing policy configured:
 Import route policy is: RP-IN
 Export route policy is: RP-OUT
"""

REF_GROUP = """ BGP peer-group: RR
 Remote AS: 65000
 Authentication type configured: None
 Type : internal
 Configured hold timer value: 180
 Keepalive timer value: 60
 Minimum route advertisement interval is 15 seconds
 PeerSession Members:
   10.0.0.2
 Peer Preferred Value: 0
 No routing policy is configured
 Peer Members:
  Peer            V          AS  MsgRcvd  MsgSent  OutQ  Up/Down       State  PrefRcv
  10.0.0.2        4       65000     1203     1190     0 0040h03m Established       12"""

REF_ROUTES = """
 BGP Local router ID is 10.0.0.1
 Status codes: * - valid, > - best, d - damped, x - best external, a - add path,
               h - history,  i - internal, s - suppressed, S - Stale
               Origin : i - IGP, e - EGP, ? - incomplete
 RPKI validation codes: V - valid, I - invalid, N - not-found


 Total Number of Routes: 2
        Network            NextHop                       MED        LocPrf    PrefVal Path/Ogn

 *>     10.20.0.0/16       192.0.2.1                      0                     0      65010i
 *>     10.21.0.0/16       192.0.2.1                      0                     0      65010 65099?
"""

REF_STATS = """
Total Number of Routes: 15
 Total Number of Prefix Advertised to RM : 12
 Total Number of Active Route : 12
 Total Number of Best Routes: 12
 Total Number of Best-external Routes: 0
 Total Number of Cidr Routes: 15
 Total Number of Community Routes: 0
 Total Number of Different-origin-as Routes: 0
 Total Number of Dampened Routes: 0
"""

SAMPLE_ROWS = [
    d.PeerRow("10.0.0.2", "65000", "Established", 40 * 3600 + 3 * 60, 1203, 1190, 12),
    d.PeerRow("192.0.2.1", "65010", "Established", 21 * 60 + 7, 45, 52, 3),
    d.PeerRow("198.51.100.9", "65020", "Idle", 7, 0, 0, 0),
]


def test_peer_summary_matches_reference():
    assert d.format_peer_summary("10.0.0.1", "65000", SAMPLE_ROWS) == REF_PEER_SUMMARY


def test_vpn_section_matches_reference():
    row = d.PeerRow("172.16.0.2", "65020", "Established", 17 * 60 + 57, 25, 24, 1)
    assert "\n".join(d.format_vpn_sections("10.0.0.1", [("vpna", [row])])) + "\n" == REF_VPN_SECTION


def test_verbose_matches_reference():
    row = d.PeerRow(
        "192.0.2.1", "65010", "Established", 21 * 60 + 7, ibgp=False, remote_router_id="192.0.2.1", up_count=1,
        received_total=3, active_total=3, advertised_total=12, remote_port=52344, afs=("ipv4",),
        rr_local=True, rr_remote=True,
        rcvd={"Update": 3, "Open": 1, "KeepAlive": 40, "Notification": 0, "Refresh": 1},
        sent={"Update": 10, "Open": 1, "KeepAlive": 40, "Notification": 0, "Refresh": 1},
        import_policy="RP-IN", export_policy="RP-OUT")
    text = d.format_peer_verbose(row, "10.0.0.1")
    assert text.startswith(REF_VERBOSE)
    assert text.endswith(REF_VERBOSE_TAIL)
    assert "No refresh sent since peer has been configured" in text


def test_group_matches_reference():
    member = d.PeerRow("10.0.0.2", "65000", "Established", 40 * 3600 + 3 * 60, 1203, 1190, 12)
    lines = d.format_group(d.GroupView("RR", "internal", "65000", [member]))
    assert "\n".join(lines) == REF_GROUP


def test_group_without_members_or_as():
    lines = d.format_group(d.GroupView("EMPTY", "external", None, []))
    assert " Remote AS number isn't specified" in lines
    assert lines[lines.index(" PeerSession Members:") + 1] == "  NONE"
    assert lines[-2:] == [" Peer Members:", "  No Peer Exists"]


def test_route_table_matches_reference():
    rows = [d.RouteRow("*>", "10.20.0.0/16", "192.0.2.1", 0, None, 0, "65010", "i"),
            d.RouteRow("*>", "10.21.0.0/16", "192.0.2.1", 0, None, 0, "65010 65099", "?")]
    assert d.format_route_table("10.0.0.1", rows) == REF_ROUTES


def test_statistics_match_reference():
    assert d.format_table_statistics(15, 12) == REF_STATS


@pytest.mark.parametrize("seconds,text", [(0, "00:00:00"), (21 * 60 + 7, "00:21:07"), (86399, "23:59:59"),
                                          (86400, "0024h00m"), (646 * 3600 + 36 * 60, "0646h36m")])
def test_up_down_column(seconds, text):
    assert d.format_up_down(seconds) == text


# ------------------------------------------------------------------------------ from a live world
class Clock:
    t = 500.0

    def __call__(self):
        return self.t


TOPO = {
    "timing": {"establish_delay": 1.0},
    "routers": [{"name": "R1", "addresses": ["10.0.0.1", "2001:db8::1"], "vpn_addresses": {"vpna": ["172.16.0.1"]}}],
    "external_peers": [
        {"router": "R1", "address": "192.0.2.1", "as": 65010, "routes": [
            {"prefix": "10.20.0.0/16", "as_path": [65010], "med": 0},
            {"prefix": "10.21.0.0/16", "as_path": [65010, 65099], "origin": "?", "med": 0}]},
        {"router": "R1", "address": "198.51.100.9", "as": 65020, "route_refresh": False, "routes": [
            {"prefix": "10.30.0.0/16", "as_path": [65020]}]},
        {"router": "R1", "address": "2001:db8:ff::9", "as": 65030, "routes": [
            {"prefix": "2001:db8:100::/48", "as_path": [65030]}]},
        {"router": "R1", "address": "172.16.0.2", "vpn_instance": "vpna", "as": 65040, "routes": [
            {"prefix": "10.40.0.0/16", "as_path": [65040]}]},
    ]}

CONFIG = """#
ip vpn-instance vpna
 ipv4-family
  route-distinguisher 65000:1
  vpn-target 65000:1 both
#
bgp 65000
 router-id 10.0.0.1
 group UPS external
 peer 192.0.2.1 as-number 65010
 peer 192.0.2.1 group UPS
 peer 198.51.100.9 as-number 65020
 undo peer 198.51.100.9 capability-advertise route-refresh
 peer 2001:db8:ff::9 as-number 65030
 peer 10.9.9.9 as-number 65099
 #
 ipv4-family unicast
  peer 192.0.2.1 route-policy RP-IN import
  peer 198.51.100.9 keep-all-routes
 #
 ipv6-family unicast
  peer 2001:db8:ff::9 enable
 #
 ipv4-family vpn-instance vpna
  peer 172.16.0.2 as-number 65040
#
route-policy RP-IN permit node 10
#
return
"""

ROW_RE = re.compile(r"^  (\S+)\s+4\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d\d:\d\d:\d\d|\d{4}h\d\dm)\s+(\S+)\s+(\d+)$")


@pytest.fixture
def world():
    clock = Clock()
    w = BgpWorld(TOPO, clock=clock)
    w.apply_config("R1", CONFIG)
    clock.t += 1.5
    return w


def parse_rows(text):
    return {m.group(1): m.groups() for m in map(ROW_RE.match, text.splitlines()) if m}


def test_peer_table_parses_back(world):
    text = world.display("R1", ["peer"])
    rows = parse_rows(text)
    assert set(rows) == {"192.0.2.1", "198.51.100.9", "10.9.9.9"}
    assert rows["192.0.2.1"][1:2] == ("65010",) and rows["192.0.2.1"][6:] == ("Established", "2")
    assert rows["10.9.9.9"][6] == "Idle"
    assert " Total number of peers : 3                 Peers in established state : 2" in text
    # every data line has its columns where the header puts them
    header = next(ln for ln in text.splitlines() if ln.startswith("  Peer "))
    for line in text.splitlines():
        if ROW_RE.match(line):
            assert len(line) == len(header)


def test_ipv6_peer_table_uses_the_wide_column(world):
    text = world.display("R1", ["ipv6", "peer"])
    assert "  Peer                             V          AS" in text
    assert "  2001:db8:ff::9                   4       65030" in text


def test_vpnv4_all_peer_has_vrf_sections(world):
    text = world.display("R1", ["vpnv4", "all", "peer"])
    assert "  Peer of IPv4-family for vpn instance :" in text
    assert "  VPN-Instance vpna, Router ID 10.0.0.1:" in text
    assert "172.16.0.2" in parse_rows(text)
    only = world.display("R1", ["vpnv4", "vpn-instance", "vpna", "peer"])
    assert "172.16.0.2" in parse_rows(only) and "192.0.2.1" not in only


def test_verbose_fields(world):
    rr = world.display("R1", ["peer", "192.0.2.1", "verbose"])
    assert " Peer supports bgp route refresh capability" in rr
    assert " Route refresh capability has been enabled" in rr
    assert " BGP Peer Up count: 1" in rr and " Belong to peer-group: UPS" in rr
    assert " Import route policy is: RP-IN" in rr
    assert re.search(r" BGP current state: Established, Up for 00h00m0\ds", rr)
    assert " Received total routes: 2" in rr
    norr = world.display("R1", ["peer", "198.51.100.9", "verbose"])
    assert "Peer supports bgp route refresh capability" not in norr
    assert "Route refresh capability has been enabled" not in norr
    assert "has been enabled" not in norr.split("4-byte-as capability has been enabled")[1]   # NE40E: no line
    assert " No routing policy is configured" in norr
    world.refresh("R1", ["192.0.2.1", "import"])
    rr = world.display("R1", ["peer", "192.0.2.1", "verbose"])
    assert re.search(r" Sent: Total \d+ messages\n(?:.*\n){4}                  Refresh messages               1", rr)
    assert " Last refresh sent      : " in rr
    idle = world.display("R1", ["peer", "10.9.9.9", "verbose"])
    assert " BGP current state: Idle\n" in idle and "Down for" not in idle
    v6 = world.display("R1", ["ipv6", "peer", "2001:db8:ff::9", "verbose"])
    assert "Address family IPv6 Unicast: advertised and received" in v6
    vrf = world.display("R1", ["vpnv4", "vpn-instance", "vpna", "peer", "172.16.0.2", "verbose"])
    assert " BGP Peer is 172.16.0.2,  remote AS 65040" in vrf


def test_group_display(world):
    text = world.display("R1", ["group", "UPS"])
    assert text.startswith(" BGP peer-group: UPS\n")
    assert " Type : external" in text and "   192.0.2.1" in text
    assert world.display("R1", ["group", "NOPE"]) == " No such a peer-group\n"


def test_routing_table_peer_forms(world):
    received = world.display("R1", ["routing-table", "peer", "192.0.2.1", "received-routes"])
    assert " Total Number of Routes: 2" in received
    assert " *>     10.21.0.0/16       192.0.2.1                      0          100        0      65010 65099?" \
        in received
    adv = world.display("R1", ["routing-table", "peer", "192.0.2.1", "advertised-routes", "statistics"])
    assert adv == "\n Advertised routes total: 1\n"      # 10.30/16 from the other upstream
    assert world.display("R1", ["routing-table", "peer", "198.51.100.9", "received-routes", "statistics"]) \
        == "\n Received routes total: 1\n"
    vrf = world.display("R1", ["vpnv4", "vpn-instance", "vpna", "routing-table", "peer", "172.16.0.2",
                               "received-routes"])
    assert " VPN-Instance vpna, Router ID 10.0.0.1:" in vrf and "10.40.0.0/16" in vrf
    v6 = world.display("R1", ["ipv6", "routing-table", "peer", "2001:db8:ff::9", "received-routes"])
    assert "2001:db8:100::/48" in v6
    stats = world.display("R1", ["routing-table", "statistics"])
    assert "Total Number of Routes: 3" in stats
    vpn = world.display("R1", ["vpnv4", "all", "routing-table"])
    assert " Route Distinguisher: 65000:1" in vpn


def test_display_errors(world):
    with pytest.raises(CliError) as err:
        world.display("R1", ["peer", "10.1.1.1", "verbose"])
    assert err.value.kind == "semantic"
    with pytest.raises(CliError) as err:
        world.display("R1", ["vpnv4", "vpn-instance", "nope", "peer"])
    assert (err.value.kind, err.value.token_index) == ("wrong_parameter", 2)
