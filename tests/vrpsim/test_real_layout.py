"""vrpsim's ``display bgp`` rendering held against REAL layouts (tests/unit/fixtures/real/, PROVENANCE.md).

A small world is put in the state of each real example; the structure is compared: the fixed text of the
header lines, the table header, the column positions of rows (start of the left-aligned Peer column, end
of every right-aligned column) and the blank-line pattern. Values (counters, addresses) differ by design.
"""
import copy
import os
import re
import time

import pytest

from vrpsim.bgp import BgpWorld
from vrpsim.testing import running_lab

REAL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "unit", "fixtures", "real")
ROW = re.compile(r"^\s*[0-9A-Fa-f:.]+\s+4\s+\S+\s+\d+\s+\d+\s+\d+\s+\S+\s+\S+\s+\d+\s*$")


def real(name):
    with open(os.path.join(REAL, name)) as handle:
        return handle.read()


def skeleton(text):
    """One entry per line: '' (blank), '<row>', or the line with its values masked."""
    out = []
    for line in text.splitlines():
        line = line.rstrip()
        if not line:
            out.append("")
        elif ROW.match(line):
            out.append("<row>")
        else:
            line = re.sub(r"VPN-Instance \S+, Router ID \S+:", "VPN-Instance X, Router ID X:", line)
            out.append(re.sub(r"(?<=: )\S+", "X", line))
    return out


def columns(row):
    """Start of the Peer column, then the end of every other (right-aligned) column."""
    tokens = list(re.finditer(r"\S+", row))
    return [tokens[0].start()] + [t.end() for t in tokens[1:]]


def rows(text):
    return [line.rstrip() for line in text.splitlines() if ROW.match(line)]


class Clock:
    t = 500.0

    def __call__(self):
        return self.t


TOPO = {
    "timing": {"establish_delay": 1.0},
    "routers": [{"name": "PE1", "addresses": ["1.1.1.1"], "vpn_addresses": {"vpn1": ["10.1.1.1"]}},
                {"name": "PE2", "addresses": ["3.3.3.3"]}],
    "external_peers": [
        {"router": "PE1", "address": "10.1.1.2", "vpn_instance": "vpn1", "as": 65410,
         "routes": [{"prefix": "10.40.0.0/16", "as_path": [65410], "med": 0}]},
        {"router": "PE1", "address": "192.0.2.9", "as": 65020, "routes": []},
        {"router": "PE1", "address": "192.0.2.5", "as": 20, "routes": [
            {"prefix": "10.1.2.0/24", "as_path": [20], "origin": "?", "med": 0}]},
    ]}
PE1 = """#
ip vpn-instance vpn1
 ipv4-family
  route-distinguisher 100:1
  vpn-target 100:1 both
#
bgp 100
 router-id 1.1.1.1
 peer 3.3.3.3 as-number 100
 peer 192.0.2.9 as-number 65020
 peer 192.0.2.5 as-number 20
 peer 10.9.9.9 as-number 65099
 #
 ipv4-family vpnv4
  peer 3.3.3.3 enable
 #
 ipv4-family vpn-instance vpn1
  group G1 external
  peer 10.1.1.2 as-number 65410
  peer 10.1.1.2 group G1
#
return
"""
PE2 = """#
bgp 100
 router-id 3.3.3.3
 peer 1.1.1.1 as-number 100
 #
 ipv4-family vpnv4
  peer 1.1.1.1 enable
#
return
"""


@pytest.fixture
def world():
    clock = Clock()
    w = BgpWorld(TOPO, clock=clock)
    w.apply_config("PE1", PE1)
    w.apply_config("PE2", PE2)
    clock.t += 5 * 60 + 15
    w.clock_ref = clock
    return w


def test_vpnv4_all_peer_layout(world):
    """[NE40E-CG Example_for_Configuring_L3VPNv4_over_OSPFv3_SRv6_BE.md] (display_bgp_vpnv4_all_peer__ne40e-cg-srv6-be):
    header block, one-line totals counting the VPN-instance peer too (``Total number of peers : 2``), blank lines
    around ``Peer of IPv4-family for vpn instance :``, a table header under each ``VPN-Instance`` line."""
    ref = real("display_bgp_vpnv4_all_peer__ne40e-cg-srv6-be.txt")
    text = world.display("PE1", ["vpnv4", "all", "peer"])
    assert skeleton(text) == skeleton(ref)
    assert " Total number of peers : 2                 Peers in established state : 2" in text.splitlines()
    assert [columns(r) for r in rows(text)] == [columns(r) for r in rows(ref)]


def test_display_bgp_peer_table_columns(world):
    """[ntc display_bgp_peer.raw] and [NE40E-CG SRv6 BE]: table header text and column positions of
    ``display bgp peer`` (16-wide Peer column, right-aligned AS ... PrefRcv); header block as [NE40E-CG]."""
    text = world.display("PE1", ["peer"])
    ntc = real("display_bgp_peer__ntc.txt")
    header = [line for line in text.splitlines() if line.startswith("  Peer ")]
    assert header == [line.rstrip() for line in ntc.splitlines() if line.startswith("  Peer ")]
    assert [line.startswith("  Peer") for line in skeleton(ntc)].count(True) == 1
    ref_columns = {tuple(columns(r)) for r in rows(ntc)}
    # every real row of both sources, whatever its values, has the same column positions as vrpsim's
    ref_columns |= {tuple(columns(r)) for r in rows(real("display_bgp_vpnv4_all_peer__ne40e-cg-srv6-be.txt"))}
    assert len(ref_columns) == 1
    assert {tuple(columns(r)) for r in rows(text)} == ref_columns
    cg = skeleton(real("display_bgp_vpnv4_all_peer__ne40e-cg-srv6-be.txt"))
    assert skeleton(text) == cg[:6] + ["<row>"] * (len(skeleton(text)) - 6)


def test_vpn_instance_peer_has_the_plain_layout(world):
    """[NE40E-CR display-bgp-vrf-peer-brief(BGPOM)] (display_bgp_vpnv4_vpn-instance_peer__ne40e-cr): the same
    layout as ``display bgp peer`` (router ID, AS, one-line totals, table), NO ``VPN-Instance`` heading."""
    ref = real("display_bgp_vpnv4_vpn-instance_peer__ne40e-cr.txt")
    text = world.display("PE1", ["vpnv4", "vpn-instance", "vpn1", "peer"])
    assert "VPN-Instance" not in ref and "VPN-Instance" not in text
    labels = [re.sub(r"\s+", " ", line.strip()) for line in skeleton(ref) if line and line != "<row>"]
    assert labels == [re.sub(r"\s+", " ", line.strip()) for line in skeleton(text) if line and line != "<row>"
                      and not line.startswith("  Peer ")] + [labels[-1]]
    assert labels[-1].startswith("Peer V AS MsgRcvd MsgSent OutQ Up/Down State")
    assert [r.split()[0] for r in rows(text)] == ["10.1.1.2"]
    assert skeleton(text) == skeleton(world.display("PE1", ["peer"]))[:6] + ["<row>"]


def verbose_keys(text):
    """The label of every line (text before the first ':' or digit), in order."""
    return [re.split(r"[:\d]", line.strip(), maxsplit=1)[0].strip() for line in text.splitlines() if line.strip()]


def in_order(sub, full):
    it = iter(full)
    return all(any(k == f for f in it) for k in sub)


def test_verbose_established_layout(world):
    """[NE40E-CR display-bgp-vrf-peer(BGPOM)] Examples[0]: the line labels vrpsim prints appear in the real
    order, every real label of an established plain peer is printed, and ``Routing policy configured:``
    heads the policy part even without a policy [also NE40E-CR display-bgp-peer(BGPOM)]."""
    ref = verbose_keys(real("display_bgp_vpnv4_vpn-instance_peer_verbose__ne40e-cr.txt"))
    text = world.display("PE1", ["vpnv4", "vpn-instance", "vpn1", "peer", "10.1.1.2", "verbose"])
    mine = verbose_keys(text)
    shared = [k for k in mine if k in ref]
    assert in_order(shared, ref), shared
    assert [k for k in ref if k not in mine] == ["Last keepalive sent",
                                                  "Last update    received", "Last update    sent"]
    assert text.splitlines()[-2:] == [" Routing policy configured:", " No routing policy is configured"]


def test_verbose_idle_has_no_down_for(world):
    """[NE40E-CR display-bgp-l2vpn-ad-peer(BGPL2VPNAD)] (display_bgp_l2vpn-ad_peer_verbose_idle__ne40e-cr):
    ``BGP current state: Idle`` with nothing after it."""
    ref = [line.strip() for line in real("display_bgp_l2vpn-ad_peer_verbose_idle__ne40e-cr.txt").splitlines()]
    text = world.display("PE1", ["peer", "10.9.9.9", "verbose"])
    assert "BGP current state: Idle" in ref
    assert "BGP current state: Idle" in [line.strip() for line in text.splitlines()]
    assert "Down for" not in text


def test_verbose_up_for_beyond_a_day(world):
    """[NE40E-CR display-bgp-Vrfflow-peer-verbose(FLOWSPECOM)]: ``Up for 1d13h13m00s`` after 37 h 13 min."""
    ref = [line.strip() for line in
           real("display_bgp_flow_vpnv4_vpn-instance_peer_verbose_days__ne40e-cr.txt").splitlines()]
    command = ["vpnv4", "vpn-instance", "vpn1", "peer", "10.1.1.2", "verbose"]

    def state_line():
        text = world.display("PE1", command)
        return next(line.strip() for line in text.splitlines() if "BGP current state" in line)
    h, m, s = (int(x) for x in re.search(r"Up for (\d+)h(\d+)m(\d+)s", state_line()).groups())
    world.clock_ref.t += 86400 + 13 * 3600 + 13 * 60 - (h * 3600 + m * 60 + s)
    line = state_line()
    assert line in ref and line == "BGP current state: Established, Up for 1d13h13m00s"


def route_columns(row):
    """status / Network / NextHop starts, MED end, [LocPrf end], PrefVal end, Path/Ogn start."""
    path_start = re.match(r"^(.*\S)\s{6,}\S", row).end() - 1    # Path/Ogn follows the last 6+ space gap
    tokens = [t for t in re.finditer(r"\S+", row) if t.start() < path_start]
    return tuple([t.start() for t in tokens[:3]] + [t.end() for t in tokens[3:]] + [path_start])


def route_rows(text):
    return [line.rstrip() for line in text.splitlines() if re.match(r"^ [*>a-zA-Z ]{1,6}\s+[0-9a-fA-F:.]+/\d+", line)]


def route_skeleton(text):
    out = []
    for line in text.strip("\n").splitlines():
        if not line.strip():
            out.append("")
        elif line in route_rows(text):
            out.append("<route>")
        else:
            out.append(re.sub(r"(: |is )\S+$", r"\1X", line.rstrip()))
    return out


def test_routing_table_peer_layout(world):
    """[NE40E-CG Example_for_Configuring_an_AS_Path_Filter] (display_bgp_routing-table_peer_advertised-routes__
    ne40e-cg-as-path-filter): router ID, legend, two blank lines, total, header, blank, rows at the real columns;
    LocPrf's column from [NE40E-CG Example_for_Configuring_VPN_ORF]."""
    ref = real("display_bgp_routing-table_peer_advertised-routes__ne40e-cg-as-path-filter.txt")
    text = world.display("PE1", ["routing-table", "peer", "192.0.2.9", "advertised-routes"])
    assert route_rows(text)
    assert route_skeleton(text) == route_skeleton(ref)[:len(route_skeleton(text))]
    assert route_skeleton(ref)[len(route_skeleton(text)):] == ["<route>"]   # the example has one row more
    mine = {route_columns(r) for r in route_rows(text)}
    ebgp = {route_columns(r) for r in route_rows(ref)}
    assert mine == ebgp
    orf = real("display_bgp_vpnv4_all_routing-table_peer_advertised-routes__ne40e-cg-vpn-orf.txt")
    ibgp = text_ibgp = world.display("PE2", ["vpnv4", "all", "routing-table", "peer", "1.1.1.1", "received-routes"])
    assert {route_columns(r) for r in route_rows(ibgp)} == {route_columns(r) for r in route_rows(orf)}
    # the Route Distinguisher part: blank, RD, two blanks, header, blank [VPN ORF]
    assert route_skeleton(text_ibgp)[route_skeleton(text_ibgp).index(" Total Number of Routes: X"):] == \
        route_skeleton(orf)[route_skeleton(orf).index(" Total Number of Routes: X"):]


def test_group_vpn_instance_line_inside_the_block(world):
    """[NE40E-CR display-bgp-vrf4-group(BGPOM)], [display-bgp-group(BGPOM) Examples[1]]: the instance is named
    after the AS line, then a blank line; ``Group in VPN-Instance:`` at column 0 then a blank line."""
    ref = real("display_bgp_vpnv4_vpn-instance_group__ne40e-cr.txt").splitlines()
    text = world.display("PE1", ["vpnv4", "vpn-instance", "vpn1", "group"]).splitlines()
    assert [re.sub(r"(?<=: )\S+", "X", line.strip()) for line in text[:4]] == \
        [re.sub(r"(?<=: )\S+", "X", line.strip()) for line in ref[1:5]]
    all_ref = real("display_bgp_vpnv4_all_group__ne40e-cr.txt").splitlines()
    all_text = world.display("PE1", ["vpnv4", "all", "group"]).splitlines()
    heading = all_text.index("Group in VPN-Instance:")
    real_heading = all_ref.index("Group in VPN-Instance:")
    assert [line.strip() for line in all_text[heading:heading + 5]] == \
        [re.sub(r"(?<=: )vpn1$", "vpn1", line.strip()).replace("cc", "G1") for line in all_ref[real_heading:real_heading + 5]]


def test_the_same_layouts_over_ssh(tmp_path):
    """The CLI engine prints what the world renders: the same real layouts on a lab over SSH
    [NE40E-CG Example_for_Configuring_L3VPNv4_over_OSPFv3_SRv6_BE; NE40E-CR display-bgp-vrf-peer-brief(BGPOM)]."""
    topo = copy.deepcopy(TOPO)
    topo["timing"] = {"establish_delay": 0.2}
    topo["defaults"] = {"username": "admin", "password": "Admin@123", "host": "127.0.0.1"}
    for router, config in zip(topo["routers"], (PE1, PE2), strict=False):
        router["config"] = "\n".join(line for line in config.splitlines() if line not in ("#", "return"))
    with running_lab(topo, tmp_path) as lab:
        time.sleep(0.5)
        with lab.shell("PE1") as sh:
            all_peers, _ = sh.run("display bgp vpnv4 all peer")
            vrf_peers, _ = sh.run("display bgp vpnv4 vpn-instance vpn1 peer")
    all_peers, vrf_peers = all_peers.replace("\r", ""), vrf_peers.replace("\r", "")
    ref = real("display_bgp_vpnv4_all_peer__ne40e-cg-srv6-be.txt")
    assert skeleton(all_peers) == skeleton(ref)
    assert [columns(r) for r in rows(all_peers)] == [columns(r) for r in rows(ref)]
    assert "VPN-Instance" not in vrf_peers and [r.split()[0] for r in rows(vrf_peers)] == ["10.1.1.2"]
    assert skeleton(vrf_peers) == skeleton(ref)[:6] + ["<row>"]


def test_verbose_message_counters_layout(world):
    """[NE40E-CR display-bgp-peer(BGPOM)] (display_bgp_peer_verbose__ne40e-cr): ``Received: Total N messages``
    then each counter at column 18, its value at column 49."""
    ref = real("display_bgp_peer_verbose__ne40e-cr.txt")
    text = world.display("PE1", ["peer", "192.0.2.5", "verbose"])

    def counters(t):
        return [re.sub(r"\d+", "N", line.rstrip()) for line in t.splitlines()
                if re.match(r"^ (Received|Sent): Total \d+ messages$|^\s+\w+ messages\s+\d+$", line)]
    assert counters(text) == counters(ref)
    assert len(counters(text)) == 12
