"""parsers.py against recorded outputs in tests/unit/fixtures/vrp/ (layouts of vrp-cli-reference.md)."""
import os

import pytest

from ansible_collections.netops.vrp.plugins.module_utils import parsers as p

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "vrp")


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def rows(result, *keys):
    return [tuple(row[k] for k in keys) for row in result["peers"]]


# --- durations ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("text,seconds", [
    ("00:21:07", 1267), ("0016h03m", 57780), ("1272h18m", 4580280), ("00h21m07s", 1267),
    ("3d02h", 266400), ("1w2d", 777600), ("0s", 0), ("", None), ("Established", None), (None, None),
])
def test_parse_duration(text, seconds):
    assert p.parse_duration(text) == seconds


# --- brief peer tables ---------------------------------------------------------------------------------
def test_peer_brief_ne40e_one_line_totals():
    r = p.parse_peer_brief(fixture("display_bgp_peer.txt"))
    assert (r["router_id"], r["local_as"], r["total_peers"], r["established_peers"], r["dynamic_peers"]) == \
        ("10.0.0.1", "65000", 4, 3, None)
    assert rows(r, "address", "remote_as", "msg_rcvd", "msg_sent", "out_q", "up_down", "up_down_seconds",
                "state", "prefixes_received") == [
        ("10.0.0.2", "65000", 1203, 1190, 0, "0016h03m", 57780, "Established", 12),
        ("10.0.0.3", "65000", 0, 0, 0, "00:00:07", 7, "Active", 0),
        ("192.0.2.1", "65010", 45, 52, 0, "00:21:07", 1267, "Established", 3),
        ("198.51.100.9", "65020", 310, 305, 0, "0002h41m", 9660, "Established", 7),
    ]
    assert all(row["vpn_instance"] is None and row["version"] == 4 for row in r["peers"])


def test_peer_brief_old_labels_two_line_totals_idle_admin():
    r = p.parse_peer_brief(fixture("display_bgp_peer_two_line_header.txt"))
    assert (r["router_id"], r["local_as"], r["total_peers"], r["established_peers"]) == ("10.2.3.4", "10", 3, 1)
    assert rows(r, "address", "state", "up_down_seconds") == [
        ("10.1.1.1", "Idle", 7), ("10.2.5.6", "Established", 1069), ("10.3.3.3", "Idle(Admin)", 4580280)]


def test_peer_brief_ipv6_status_codes():
    r = p.parse_peer_brief(fixture("display_bgp_ipv6_peer.txt"))
    assert (r["router_id"], r["local_as"], r["total_peers"], r["established_peers"], r["dynamic_peers"]) == \
        ("10.0.0.1", "65000", 1, 1, 0)
    assert rows(r, "address", "remote_as", "state", "prefixes_received") == [
        ("2001:db8::2", "65030", "Established", 4)]


def test_peer_brief_wrapped_address_asdot_dynamic():
    r = p.parse_peer_brief(fixture("display_bgp_ipv6_peer_wrapped_asdot.txt"))
    assert r["local_as"] == "65011.21531" and r["dynamic_peers"] == 1
    assert rows(r, "address", "remote_as", "up_down_seconds", "state", "prefixes_received", "dynamic") == [
        ("fd00:1234:abcd:5678::1", "65011.21541", 28787, "Established", 6, False),
        ("2001:db8:ffff:1234:5678:9abc:def0:1", "65011.21572", 2327760, "Established", 8, False),
        ("2001:db8::99", "65099", 30, "Connect", 0, True),
    ]


def test_peer_brief_vpnv4_all_with_vrf_sections():
    r = p.parse_peer_brief(fixture("display_bgp_vpnv4_all_peer.txt"))
    assert r["vpn_instances"] == {"vpna": "10.0.0.1", "vpnb": "10.0.0.1"}
    assert rows(r, "address", "vpn_instance", "vpn_family", "remote_as", "prefixes_received") == [
        ("10.0.0.2", None, None, "65000", 20),
        ("172.16.1.2", "vpna", "ipv4", "65020", 1),
        ("172.16.2.2", "vpnb", "ipv4", "65021", 2),
    ]


def test_peer_brief_vpn_instance_form():
    r = p.parse_peer_brief(fixture("display_bgp_vpnv4_vpn_instance_peer.txt"))
    assert (r["total_peers"], r["established_peers"]) == (1, 1)
    assert rows(r, "address", "vpn_instance", "up_down_seconds") == [("172.16.1.2", "vpna", 1077)]


def test_peer_brief_empty_and_garbage():
    assert p.parse_peer_brief("")["peers"] == []
    assert p.parse_peer_brief("Info: BGP is not configured.\n")["peers"] == []


# --- verbose -------------------------------------------------------------------------------------------
def test_peer_verbose_reference_sample():
    v = p.parse_peer_verbose(fixture("display_bgp_peer_verbose_single.txt"))
    expected = {
        "address": "192.0.2.1", "remote_as": "65010", "type": "external", "remote_router_id": "192.0.2.1",
        "state": "Established", "up_down": "00h21m07s", "uptime_seconds": 1267, "downtime_seconds": None,
        "last_state": "OpenConfirm", "up_count": 1, "received_total_routes": 3, "received_active_routes": 3,
        "advertised_total_routes": 12, "peer_route_refresh": True, "local_route_refresh": True,
        "refresh_received": 1, "refresh_sent": 1, "import_policy": "RP-IN", "export_policy": "RP-OUT",
        "last_refresh_received": "2024-01-01 10:05:00+00:00", "last_refresh_sent": None,
        "keep_all_routes": None, "group": None, "vpn_instance": None,
        "address_families": {"IPv4 Unicast": "advertised and received"},
    }
    assert {k: v[k] for k in expected} == expected
    assert v["messages"] == {
        "received": {"total": 45, "update": 3, "open": 1, "keepalive": 40, "notification": 0, "refresh": 1},
        "sent": {"total": 52, "update": 10, "open": 1, "keepalive": 40, "notification": 0, "refresh": 1},
    }


def test_peer_verbose_all_blocks():
    blocks = {b["address"]: b for b in p.parse_peer_verbose_all(fixture("display_bgp_peer_verbose_all.txt"))}
    assert list(blocks) == ["10.0.0.2", "10.0.0.3", "192.0.2.1", "198.51.100.9"]
    rr = blocks["10.0.0.2"]
    assert (rr["type"], rr["up_count"], rr["refresh_received"], rr["refresh_sent"], rr["import_policy"],
            rr["export_policy"]) == ("internal", 2, 2, 3, "RP-RR-IN", None)
    down = blocks["10.0.0.3"]
    assert (down["state"], down["downtime_seconds"], down["uptime_seconds"], down["peer_route_refresh"]) == \
        ("Active", 7, None, False)
    ebgp = blocks["192.0.2.1"]
    assert (ebgp["group"], ebgp["keep_all_routes"], ebgp["export_policy"]) == ("EBGP-UP", True, "RP-OUT")
    norr = blocks["198.51.100.9"]
    assert (norr["peer_route_refresh"], norr["local_route_refresh"], norr["description"], norr["import_policy"]) \
        == (False, False, "upstream without route-refresh", None)


def test_peer_verbose_vpnv4_total_layout_and_vrf_heading():
    blocks = p.parse_peer_verbose_all(fixture("display_bgp_vpnv4_all_peer_verbose.txt"))
    assert [(b["address"], b["vpn_instance"]) for b in blocks] == [("10.0.0.2", None), ("172.16.1.2", "vpna")]
    assert blocks[0]["messages"] == {"received": {"total": 1203, "update": 30, "refresh": 0},
                                     "sent": {"total": 1190, "update": 11, "refresh": 0}}
    assert blocks[0]["address_families"] == {"VPNv4": "advertised and received"}


def test_peer_verbose_idle_admin():
    v = p.parse_peer_verbose(fixture("display_bgp_peer_verbose_idle_admin.txt"))
    assert (v["state"], v["up_down"], v["up_count"], v["local_route_refresh"]) == ("Idle(Admin)", None, 5, None)


def test_peer_verbose_ipv6_address_canonical():
    v = p.parse_peer_verbose(fixture("display_bgp_ipv6_peer_2001_db8__2_verbose.txt"))
    assert (v["address"], v["refresh_sent"], v["uptime_seconds"]) == ("2001:db8::2", 2, 7800)


def test_peer_verbose_nothing():
    assert p.parse_peer_verbose("") is None
    assert p.parse_peer_verbose_all("Error: The peer does not exist.") == []


# --- groups --------------------------------------------------------------------------------------------
def test_parse_group():
    groups = p.parse_group(fixture("display_bgp_group.txt"))
    summary = [(g["name"], g["remote_as"], g["type"], g["members"], [r["address"] for r in g["peers"]],
                g["import_policy"]) for g in groups]
    assert summary == [
        ("RR", "65000", "internal", ["10.0.0.2", "10.0.0.3"], ["10.0.0.2", "10.0.0.3"], "RP-RR-IN"),
        ("EBGP-UP", None, "external", ["192.0.2.1"], ["192.0.2.1"], None),
        ("EMPTY", None, "internal", [], [], None),
    ]


def test_parse_group_vpnv4_sections():
    groups = p.parse_group(fixture("display_bgp_vpnv4_all_group.txt"))
    assert [(g["name"], g["section"], g["vpn_instance"], g["members"]) for g in groups] == [
        ("RR", "vpnv4", None, ["10.0.0.2"]), ("CE-B", "vpn-instance", "vpnb", ["172.16.2.2"])]
    assert groups[1]["peers"][0]["vpn_instance"] == "vpnb"
    assert p.parse_group(fixture("display_bgp_vpnv4_all_group_unknown.txt")) == []


# --- routing tables ------------------------------------------------------------------------------------
def test_routing_table_received():
    r = p.parse_routing_table(fixture("display_bgp_routing_table_peer_received.txt"))
    assert (r["router_id"], r["total"], r["kind"]) == ("10.0.0.1", 3, None)
    assert [(x["status"], x["network"], x["next_hop"], x["med"], x["local_pref"], x["pref_val"], x["path"],
             x["origin"]) for x in r["routes"]] == [
        ("*>", "10.20.0.0/16", "192.0.2.1", 0, None, 0, "65010", "i"),
        ("*>", "10.21.0.0/16", "192.0.2.1", 0, None, 0, "65010 65099", "?"),
        ("*>i", "10.30.0.0/24", "10.0.0.2", None, 200, 0, "", "?"),
    ]


def test_routing_table_ipv6_blocks():
    r = p.parse_routing_table(fixture("display_bgp_ipv6_routing_table_peer_received.txt"))
    assert r["total"] == 2
    assert [(x["network"], x["next_hop"], x["med"], x["local_pref"], x["pref_val"], x["path"], x["origin"])
            for x in r["routes"]] == [
        ("2001:db8:1::/64", "2001:db8::2", 0, None, 0, "65030", "i"),
        ("2001:db8:2::/48", "2001:db8::2", None, 100, 0, "65030 65040", "?"),
    ]


@pytest.mark.parametrize("name,kind,total", [
    ("display_bgp_routing_table_peer_received_statistics.txt", "received", 3),
    ("display_bgp_routing_table_peer_advertised_statistics.txt", "advertised", 12),
    ("display_bgp_routing_table_peer_advertised_empty.txt", None, 0),
])
def test_routing_table_totals(name, kind, total):
    r = p.parse_routing_table(fixture(name))
    assert (r["kind"], r["total"], r["routes"]) == (kind, total, [])


def test_routing_table_statistics():
    assert p.parse_routing_table_statistics(fixture("display_bgp_routing_table_statistics.txt")) == {
        "routes": 15, "prefix_advertised_to_rm": 12, "active_route": 12, "best_routes": 12,
        "best_external_routes": 0, "cidr_routes": 15, "community_routes": 0,
        "different_origin_as_routes": 0, "dampened_routes": 0}


# --- configuration --------------------------------------------------------------------------------------
def test_config_tree_hierarchy():
    tree = p.parse_config_tree(fixture("current_configuration_bgp.txt"))
    assert [n.line for n in tree] == ["bgp 65000"]
    bgp = tree[0]
    assert [n.line for n in bgp.find(r"ipv\d-family")] == [
        "ipv4-family unicast", "ipv4-family vpnv4", "ipv4-family vpn-instance vpna",
        "ipv4-family vpn-instance vpnb", "ipv6-family unicast"]
    vpnb = bgp.find("ipv4-family vpn-instance vpnb")[0]
    assert [c.line for c in vpnb.children][:2] == ["group CE-B external", "peer CE-B as-number 65021"]
    assert all(not c.children for c in bgp.find("peer "))


def test_config_tree_full_config_with_other_blocks():
    text = ("!Software Version V800R012C10\n#\nsysname PE1\n#\nip vpn-instance vpna\n ipv4-family\n"
            "  route-distinguisher 65000:1\n#\nroute-policy RP-IN permit node 10\n if-match ip-prefix PFX\n#\n"
            "bgp 65000\n peer 10.0.0.2 as-number 65000\n#\nreturn\n")
    tree = p.parse_config_tree(text)
    assert [n.line for n in tree] == ["sysname PE1", "ip vpn-instance vpna", "route-policy RP-IN permit node 10",
                                      "bgp 65000"]
    assert tree[1].children[0].children[0].line == "route-distinguisher 65000:1"
    assert p.parse_bgp_config(text)["peers"][0]["address"] == "10.0.0.2"


def test_bgp_config_records():
    cfg = p.parse_bgp_config(fixture("current_configuration_bgp.txt"))
    assert (cfg["local_as"], cfg["router_id"], cfg["keep_all_routes"]) == ("65000", "10.0.0.1", False)
    assert cfg["families"] == ["ipv4", "vpnv4", "vpn-instance", "ipv6"]
    assert cfg["vpn_instances"] == ["vpna", "vpnb"]
    groups = {(g["vpn_instance"], g["name"]): g for g in cfg["groups"]}
    assert set(groups) == {(None, "RR"), (None, "EBGP-UP"), ("vpnb", "CE-B")}
    assert groups[(None, "EBGP-UP")]["remote_as"] == "65010"
    assert groups[(None, "EBGP-UP")]["families"]["ipv4"]["keep_all_routes"] is True
    assert groups[("vpnb", "CE-B")]["route_refresh"] is False
    peers = {(x["vpn_instance"], x["address"]): x for x in cfg["peers"]}
    assert peers[(None, "198.51.100.9")]["route_refresh"] is False
    assert peers[(None, "198.51.100.9")]["description"] == "upstream without route-refresh"
    assert peers[(None, "2001:db8::2")]["families"]["ipv6"]["enabled"] is True
    assert peers[("vpna", "172.16.1.2")]["families"]["vpn-instance"]["import_policy"] == "RP-CE-IN"


def test_effective_peer_settings_inheritance():
    cfg = p.parse_bgp_config(fixture("current_configuration_bgp.txt"))
    eff = {(r["address_family"], r["vpn_instance"], r["address"]): r
           for r in p.effective_peer_settings(cfg) if r["enabled"]}
    assert sorted(eff) == sorted([
        ("ipv4", None, "10.0.0.2"), ("ipv4", None, "10.0.0.3"), ("ipv4", None, "192.0.2.1"),
        ("ipv4", None, "198.51.100.9"), ("vpnv4", None, "10.0.0.2"), ("ipv6", None, "2001:db8::2"),
        ("vpn-instance", "vpna", "172.16.1.2"), ("vpn-instance", "vpnb", "172.16.2.2")])
    # group policy inherited; peer policy wins over group policy
    assert eff[("ipv4", None, "10.0.0.2")]["import_policy"] == "RP-RR-IN"
    assert eff[("ipv4", None, "10.0.0.3")]["import_policy"] == "RP-IN-3"
    # group AS and group keep-all-routes inherited
    ebgp = eff[("ipv4", None, "192.0.2.1")]
    assert (ebgp["remote_as"], ebgp["type"], ebgp["keep_all_routes"], ebgp["export_policy"]) == \
        ("65010", "external", True, "RP-OUT")
    assert eff[("ipv4", None, "198.51.100.9")]["route_refresh"] is False
    assert eff[("ipv4", None, "198.51.100.9")]["keep_all_routes"] is True
    # VPN-instance group: AS, route-refresh undo and keep-all-routes inherited
    ce = eff[("vpn-instance", "vpnb", "172.16.2.2")]
    assert (ce["remote_as"], ce["group"], ce["route_refresh"], ce["keep_all_routes"]) == \
        ("65021", "CE-B", False, True)
    # keep-all-routes is per family: 10.0.0.2 vpnv4 has none
    assert eff[("vpnv4", None, "10.0.0.2")]["keep_all_routes"] is False


def test_bgp_config_global_keep_all_routes_and_bgp_view_af_lines():
    text = ("bgp 65011.21531\n keep-all-routes\n peer 10.0.0.2 as-number 65000\n"
            " peer 10.0.0.2 route-policy RP import\n undo peer 10.0.0.2 enable\n")
    cfg = p.parse_bgp_config(text)
    assert cfg["local_as"] == "65011.21531" and cfg["keep_all_routes"] is True
    (rec,) = p.effective_peer_settings(cfg)
    assert (rec["keep_all_routes"], rec["import_policy"], rec["enabled"], rec["type"]) == \
        (True, "RP", False, "external")


def test_bgp_config_absent():
    cfg = p.parse_bgp_config("#\nsysname PE1\n#\nreturn\n")
    assert cfg["local_as"] is None and cfg["peers"] == [] and cfg["families"] == []
