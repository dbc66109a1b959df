"""Each BGP module against each release profile (vrpsim/platform.py: NE40E V800R012C10, NE40E V800R022C00,
CE V300R023C00), one lab and one play per release; sources of the per-release differences are in
module_utils/release.py and tests/vrpsim/test_bgp_releases.py.

One play per release runs every module once (facts, route-refresh, keep-all-routes, soft reset with the
policy check, hard reset, the slow-peer form of the release and a refused form) -- the full matrix of every
option per release would repeat the per-module suites three times for no release-specific behaviour."""
import pytest
from harness import commands_sent

PLATFORMS = ("ne40e-v800r012c10", "ne40e-v800r022c00", "ce-v300r023c00")


def topology(platform):
    return {
        "name": "plat",
        "defaults": {"username": "admin", "password": "Admin@123", "host": "127.0.0.1", "platform": platform},
        "base_port": 0,
        "timing": {"establish_delay": 0.2},
        "routers": [{"name": "PE1", "addresses": ["10.0.0.1"], "config": (
            "sysname PE1\n"
            "ip ip-prefix ONLY-51 index 10 permit 10.51.0.0 16\n"
            "route-policy RP-IN permit node 10\n if-match ip-prefix ONLY-51\n"
            "bgp 65000\n router-id 10.0.0.1\n"
            " peer 198.51.100.1 as-number 64502\n peer 192.0.2.1 as-number 64501\n"
            " ipv4-family unicast\n  peer 198.51.100.1 enable\n  peer 192.0.2.1 enable\n"
            "  peer 198.51.100.1 keep-all-routes\n  peer 198.51.100.1 route-policy RP-IN import\n")}],
        "external_peers": [
            {"name": "UPB", "router": "PE1", "address": "198.51.100.1", "as": 64502, "route_refresh": False,
             "routes": [{"prefix": "10.51.0.0/16", "as_path": [64502]},
                        {"prefix": "10.52.0.0/16", "as_path": [64502]}]},
            {"name": "UP1", "router": "PE1", "address": "192.0.2.1", "as": 64501, "route_refresh": True,
             "routes": [{"prefix": "10.61.0.0/16", "as_path": [64501]}]}],
    }


SLOW_PEER = {   # the slow-peer form each release has (release.py FORM_SUPPORT)
    "ne40e-v800r012c10": None,
    "ne40e-v800r022c00": ("vpnv4", "reset bgp vpnv4 slow-peer"),
    "ce-v300r023c00": ("ipv4", "reset bgp ipv4 192.0.2.1 slow-peer"),
}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_bgp_module_on_each_release(make_lab, run_tasks, platform):
    lab = make_lab(topology(platform))
    slow = SLOW_PEER[platform]
    res = run_tasks("""
    - name: facts
      netops.vrp.bgp_facts: {gather_subset: [ipv4]}
    - name: route_refresh
      netops.vrp.bgp_route_refresh: {peers: [192.0.2.1]}
    - name: keep_all_routes
      netops.vrp.bgp_keep_all_routes: {peers: [192.0.2.1]}
    - name: soft
      netops.vrp.bgp_soft_reset: {peers: [192.0.2.1, 198.51.100.1], direction: import}
    - name: reset
      netops.vrp.bgp_reset: {peers: [192.0.2.1], allow_service_interruption: true}
    - name: slow_vpnv4
      netops.vrp.bgp_reset: {address_family: vpnv4, selector: all, slow_peer: true, allow_service_interruption: true}
      ignore_errors: true
    - name: slow_ipv4
      netops.vrp.bgp_reset: {peers: [192.0.2.1], slow_peer: true, allow_service_interruption: true}
      ignore_errors: true
    - name: soft_vpnv4
      netops.vrp.bgp_soft_reset: {address_family: vpnv4, selector: all, direction: export}
      ignore_errors: true
    """, lab=lab, limit="PE1")
    assert res.ok, res.summary()
    get = {name: res[name]["PE1"] for name in ("facts", "route_refresh", "keep_all_routes", "soft", "reset",
                                               "slow_vpnv4", "slow_ipv4", "soft_vpnv4")}
    # facts: keep-all-routes from the configuration, whatever the release prints in verbose (CE wording)
    peers = {p["address"]: p for p in get["facts"]["ansible_facts"]["netops_vrp_bgp"]["peers"]}
    assert peers["198.51.100.1"]["keep_all_routes"] is True and peers["192.0.2.1"]["keep_all_routes"] is False
    assert get["route_refresh"]["changed"] is False               # on by default
    assert get["keep_all_routes"]["changed"] is True and get["keep_all_routes"]["sessions_reset"] == []
    soft = {p["address"]: p for p in get["soft"]["peers"]}
    assert get["soft"]["_status"] == "ok" and all(p["verified"] for p in soft.values())
    assert soft["198.51.100.1"]["policy_effect"]["status"] == "verified"
    assert get["reset"]["_status"] == "ok" and get["reset"]["peers"][0]["reset"] is True
    # the slow-peer forms: sent where the release has them, refused before anything is sent elsewhere
    for name, family in (("slow_vpnv4", "vpnv4"), ("slow_ipv4", "ipv4")):
        result = get[name]
        if slow and slow[0] == family:
            assert result["_status"] == "ok" and result["commands"] == [slow[1]], name
        elif platform == "ne40e-v800r022c00":
            # no source says whether V800R022C00 has the CE's ipv4 form: not refused, the router answers
            assert result["_status"] == "failed" and result["commands"] == ["reset bgp ipv4 192.0.2.1 slow-peer"]
            assert "Unrecognized command" in result["msg"]
        else:
            assert result["_status"] == "failed" and result["commands"] == [], name
            assert "has no 'reset bgp %s [<ip>] slow-peer'" % family in result["msg"], name
    if platform.startswith("ce-"):
        assert get["soft_vpnv4"]["_status"] == "failed" and "CE6800 V300R023C00 has no 'refresh bgp vpnv4" \
            in get["soft_vpnv4"]["msg"]
    else:
        assert get["soft_vpnv4"]["_status"] == "ok" and get["soft_vpnv4"]["commands"] == []   # no VPNv4 peer
    sent = commands_sent(lab, "PE1", since=res)
    assert sent.count("display version") == 1          # learned once for the whole play (session keeper)
    tried = [c for c in sent if "slow-peer" in c]
    assert tried == ([slow[1]] if slow else []) + (["reset bgp ipv4 192.0.2.1 slow-peer"]
                                                   if platform == "ne40e-v800r022c00" else [])
