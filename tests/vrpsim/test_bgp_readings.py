"""vrpsim BGP behaviours whose vendor text is open (per-router readings, vrpsim/platform.py READINGS) or that
only device captures show, over real SSH. Each test names its source."""
import pytest

from ansible_collections.netops.vrp.plugins.module_utils import parsers
from vrpsim.bgp import BgpWorld
from vrpsim.testing import running_lab


class Clock:
    def __init__(self, t=1000.0):
        self.t = t

    def __call__(self):
        return self.t


def lab_topology(**router):
    spec = {"name": "R1", "addresses": ["10.0.0.1"], "config": "sysname R1\nbgp 65000\n peer 192.0.2.1 as-number 65010\n"}
    spec.update(router)
    return {"name": "rd", "timing": {"establish_delay": 0.1}, "routers": [spec],
            "external_peers": [{"name": "UP1", "router": "R1", "address": "192.0.2.1", "as": 65010,
                                "routes": [{"prefix": "10.20.0.0/16", "as_path": [65010]}]}]}


def test_up_down_column_overflows_beyond_9999_hours(tmp_path):
    """R7: an NE40E capture shows ``10.137.186.9    4       65089  7587751  7587670     0 ****h48m Established
    8`` (hours > 9999) [fs: "display bgp vpnv4 all peer", BGP health script with NE40E captures]; under
    that, total hours ``0026h40m`` [NE40E-CG examples]. The collection reads the overflow as unknown."""
    clock = Clock()
    with running_lab(lab_topology(), tmp_path, world_factory=lambda topo: BgpWorld(topo, clock=clock)) as lab:
        clock.t += 1
        with lab.shell("R1") as sh:
            clock.t += 26 * 3600 + 40 * 60
            row = [ln for ln in sh.run("display bgp peer")[0].splitlines() if "192.0.2.1" in ln][0]
            assert " 0026h40m Established " in row
            clock.t += 10000 * 3600 + 8 * 60
            row = [ln for ln in sh.run("display bgp peer")[0].splitlines() if "192.0.2.1" in ln][0]
            assert " ****h48m Established " in row
            parsed = parsers.parse_peer_brief(sh.run("display bgp peer")[0])["peers"][0]
            assert parsed["up_down"] == "****h48m" and parsed["up_down_seconds"] is None


@pytest.mark.parametrize("reading,prefix", [("error", "Error:"), ("info", "Info:")])
def test_missing_peer_text_per_reading(tmp_path, reading, prefix):
    """Item 13/14 of vrp-fidelity.md §6 (STILL UNKNOWN): "a message is displayed, indicating that the peer
    does not exist" [NE40E-CR bgp-peer-keep-all-routes(BGPOM)]; a log-checker fixture has
    `Info: The peer does not exist.` [fs: "The peer does not exist" / IDCLogChecker]. Reading
    ``missing_peer_text``: the same refusal as `Error:` or as `Info:`; nothing changes either way."""
    with running_lab(lab_topology(readings={"missing_peer_text": reading}), tmp_path) as lab:
        with lab.shell("R1") as sh:
            for command in ("refresh bgp 10.9.9.9 import", "reset bgp 10.9.9.9", "display bgp peer 10.9.9.9 verbose"):
                assert sh.run(command)[0] == prefix + " The peer does not exist.", command
            sh.run("system-view")
            sh.run("bgp 65000")
            assert sh.run("peer NOPE keep-all-routes")[0] == prefix + " The peer group does not exist."
            output, prompt = sh.run("ipv4-family unicast")
            assert sh.run("peer 10.9.9.9 keep-all-routes") == (prefix + " The peer does not exist.",
                                                               "[~R1-bgp-af-ipv4]")
        assert "10.9.9.9" not in lab.candidate_config("R1")


def _up_count(lab, address):
    return next(s["up_count"] for s in lab.bgp("R1")["sessions"] if s["address"] == address)


def _wait_up(lab, address, timeout=5.0):
    import time
    deadline = time.time() + timeout
    while time.time() < deadline:
        if next(s["state"] for s in lab.bgp("R1")["sessions"] if s["address"] == address) == "Established":
            return
        time.sleep(0.05)
    raise AssertionError("%s not Established" % address)


def _up_counts_after_each_commit(topology, tmp_path, lines):
    """R1's up-count of 192.0.2.1 after committing each of ``lines`` in its IPv4 family view (once Established)."""
    with running_lab(topology, tmp_path) as lab:
        _wait_up(lab, "192.0.2.1")
        seen = []
        with lab.shell("R1") as sh:
            for line in ("system-view", "bgp 65000", "ipv4-family unicast"):
                sh.run(line)
            for line in lines:
                assert sh.run(line)[0] == "" and sh.run("commit")[0] == ""
                _wait_up(lab, "192.0.2.1")
                seen.append(_up_count(lab, "192.0.2.1"))
        assert ("keep-all-routes" in lab.running_config("R1")) is lines[-1].startswith("peer ")
    return seen


@pytest.mark.parametrize("reading,up_counts", [("reset", [2, 2, 3]), ("no_reset", [2, 2, 2])])
def test_keep_all_routes_reenable_per_reading(tmp_path, reading, up_counts):
    """"If the router does not support the route-refresh capability and the peer keep-all-routes command is
    run for the first time, the sessions between the router and its peers will be re-established"
    [NE40E-CR bgp-peer-keep-all-routes(BGPOM)]; enabling it again after an undo is not described (open
    item 4): reading ``keep_all_routes_reenable`` = ``reset`` (again) or ``no_reset`` (first time only)."""
    topo = lab_topology(readings={"keep_all_routes_reenable": reading})
    topo["external_peers"][0]["route_refresh"] = False
    assert _up_counts_after_each_commit(topo, tmp_path, ["peer 192.0.2.1 keep-all-routes",
                                                         "undo peer 192.0.2.1 keep-all-routes",
                                                         "peer 192.0.2.1 keep-all-routes"]) == up_counts


@pytest.mark.parametrize("route_refresh", [False, True], ids=["without_rr", "with_rr"])
@pytest.mark.parametrize("reading", ["no_reset", "reset"])
def test_keep_all_routes_undo_per_reading(tmp_path, reading, route_refresh):
    """"The undo peer keep-all-routes command disables this function" is all the vendor text says about the undo
    [NE40E-CR bgp-peer-keep-all-routes(BGPOM) and its sibling pages; CE-CR peer_keep-all-routes_(BGP_view)]:
    reading ``keep_all_routes_undo`` = ``no_reset`` (the session stays) or ``reset`` (re-established like the first
    enable). With route-refresh negotiated neither enable nor undo re-establishes it."""
    topo = lab_topology(readings={"keep_all_routes_undo": reading})
    topo["external_peers"][0]["route_refresh"] = route_refresh
    seen = _up_counts_after_each_commit(topo, tmp_path, ["peer 192.0.2.1 keep-all-routes",
                                                         "undo peer 192.0.2.1 keep-all-routes"])
    if route_refresh:
        assert seen == [1, 1]
    else:
        assert seen == ([2, 3] if reading == "reset" else [2, 2])


KAR_CONFIG = """\
sysname R1
ip ip-prefix ONLY-20 index 10 permit 10.20.0.0 16
route-policy RP permit node 10
 if-match ip-prefix ONLY-20
bgp 65000
 peer 192.0.2.1 as-number 65010
 ipv4-family unicast
  peer 192.0.2.1 keep-all-routes
"""


def _accepted(sh):
    text = sh.run("display bgp routing-table peer 192.0.2.1 accepted-routes")[0]
    return sorted(r["network"] for r in parsers.parse_routing_table(text)["routes"])


@pytest.mark.parametrize("reading,after_commit,after_refresh", [
    ("reapply", ["10.20.0.0/16", "10.21.0.0/16"], ["10.20.0.0/16"]),
    ("noop", ["10.20.0.0/16", "10.21.0.0/16"], ["10.20.0.0/16", "10.21.0.0/16"]),
    ("auto", ["10.20.0.0/16"], ["10.20.0.0/16"]),
])
def test_keep_all_routes_refresh_import_per_reading(tmp_path, reading, after_commit, after_refresh):
    """R6 (STILL UNKNOWN): "Assume that a device supports route-refresh and is configured with the peer
    keep-all-routes command. After the refresh bgp command is run on the device, the device does not refresh
    its routing table." [NE40E-CR refresh(BGPOM)]; "the refresh bgp command does not take effect on the
    Router" [seed 000]; "If the local routing policy changes, the retained information can be used to
    regenerate BGP routes" [seed 000]. Readings of ``keep_all_routes_refresh``: ``reapply`` (the refresh
    re-applies the import policy to the kept routes), ``noop`` (nothing happens), ``auto`` (the kept routes
    follow the policy at the commit; the refresh adds nothing). received-routes keeps both routes (pre-policy)."""
    topo = lab_topology(config=KAR_CONFIG, readings={"keep_all_routes_refresh": reading})
    topo["external_peers"][0]["routes"].append({"prefix": "10.21.0.0/16", "as_path": [65010]})
    with running_lab(topo, tmp_path) as lab:
        _wait_up(lab, "192.0.2.1")
        with lab.shell("R1") as sh:
            assert _accepted(sh) == ["10.20.0.0/16", "10.21.0.0/16"]
            for line in ("system-view", "bgp 65000", "ipv4-family unicast", "peer 192.0.2.1 route-policy RP import",
                         "commit", "return"):
                sh.run(line)
            assert _accepted(sh) == after_commit
            assert sh.run("refresh bgp 192.0.2.1 import")[0] == ""
            assert _accepted(sh) == after_refresh
            received = sh.run("display bgp routing-table peer 192.0.2.1 received-routes")[0]
            assert sorted(r["network"] for r in parsers.parse_routing_table(received)["routes"]) == \
                ["10.20.0.0/16", "10.21.0.0/16"]


@pytest.mark.parametrize("platform,line", [("ce-v300r023c00", " Soft-Reconfiguration has been enabled"),
                                           ("ne40e-v800r012c10", None), ("ne40e-v800r022c00", None)])
def test_keep_all_routes_verbose_line_per_release(tmp_path, platform, line):
    """CE prints `Soft-Reconfiguration has been enabled` among the optional capabilities [CE-CR
    IP_Routing/BGP_Configuration_Commands/display_bgp_unnumbered_peer_verbose.md]; no NE40E source shows a
    keep-all-routes line (vrp-fidelity.md §6 item 31), so vrpsim prints none there. The collection takes
    keep-all-routes from the configuration, never from this line."""
    with running_lab(lab_topology(config=KAR_CONFIG, platform=platform), tmp_path) as lab:
        _wait_up(lab, "192.0.2.1")
        with lab.shell("R1") as sh:
            text = sh.run("display bgp peer 192.0.2.1 verbose")[0]
        capabilities = text.split(" Optional capabilities:")[1].split(" Peer Preferred Value")[0].splitlines()
        expected = [" Route refresh capability has been enabled", " 4-byte-as capability has been enabled"]
        assert [ln for ln in capabilities if ln.strip()] == expected + ([line] if line else [])


EXPORT_CONFIG = """\
sysname R1
ip ip-prefix OUT index 10 permit 10.0.0.0 8 less-equal 24
route-policy RP-OUT permit node 10
 if-match ip-prefix OUT
bgp 65000
 peer 192.0.2.1 as-number 65010
 peer 198.51.100.1 as-number 64502
 ipv4-family unicast
  peer 198.51.100.1 enable
  peer 198.51.100.1 route-policy RP-OUT export
"""


def export_topology(reading):
    topo = lab_topology(config=EXPORT_CONFIG, readings={"export_refresh_without_rr": reading})
    topo["external_peers"][0]["routes"].append({"prefix": "10.21.0.0/16", "as_path": [65010]})
    topo["external_peers"].append({"name": "UPB", "router": "R1", "address": "198.51.100.1", "as": 64502,
                                   "route_refresh": False, "routes": []})
    return topo


@pytest.mark.parametrize("reading,after", [("resend", ["10.20.0.0/16"]), ("noop", ["10.20.0.0/16", "10.21.0.0/16"])])
def test_export_refresh_without_route_refresh_per_reading(tmp_path, reading, after):
    """vrp-fidelity.md §6 item 36 (STILL UNKNOWN): `refresh bgp X export` towards a peer without route-refresh.
    Seed 001: "BGP4+ soft reset requires peers to support the route-refresh capability" (no exception for
    export); nothing in BGP needs the capability to re-send the Adj-RIB-Out. Reading
    ``export_refresh_without_rr``: ``resend`` (the new export policy is applied) or ``noop``."""
    with running_lab(export_topology(reading), tmp_path) as lab:
        _wait_up(lab, "192.0.2.1")
        _wait_up(lab, "198.51.100.1")
        with lab.shell("R1") as sh:
            def advertised():
                text = sh.run("display bgp routing-table peer 198.51.100.1 advertised-routes")[0]
                return sorted(r["network"] for r in parsers.parse_routing_table(text)["routes"])
            assert advertised() == ["10.20.0.0/16", "10.21.0.0/16"]
            for line in ("system-view", "ip ip-prefix OUT index 10 permit 10.20.0.0 16", "commit", "return"):
                sh.run(line)
            assert advertised() == ["10.20.0.0/16", "10.21.0.0/16"]   # policy edits wait for a refresh
            assert sh.run("refresh bgp 198.51.100.1 export")[0] == ""
            assert advertised() == after
