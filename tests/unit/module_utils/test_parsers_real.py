"""parsers.py against REAL VRP8 output (tests/unit/fixtures/real/, sources in its PROVENANCE.md).

Every expected value below was read off the fixture by hand. A failure here means the collection would
misread a real router, not that vrpsim changed.
"""
import glob
import os

import pytest

from ansible_collections.netops.vrp.plugins.module_utils import cli
from ansible_collections.netops.vrp.plugins.module_utils import parsers as p

REAL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "real")


def real(name):
    with open(os.path.join(REAL, name)) as handle:
        return handle.read()


BRIEF_KEYS = ("address", "remote_as", "msg_rcvd", "msg_sent", "up_down_seconds", "state", "prefixes_received",
              "vpn_instance")


def rows(result, keys=BRIEF_KEYS):
    return [tuple(row[k] for k in keys) for row in result["peers"]]


def header(result):
    return tuple(result[k] for k in ("router_id", "local_as", "total_peers", "established_peers", "dynamic_peers"))


# --- display bgp [ipv6 | vpnv4 ...] peer ---------------------------------------------------------------
def test_display_bgp_peer_ne40e_cr():
    r = p.parse_peer_brief(real("display_bgp_peer__ne40e-cr.txt"))
    assert header(r) == ("1.2.3.4", "10", 2, 1, None)
    assert rows(r) == [("1.1.1.1", "100", 0, 0, 7, "Idle", 0, None),
                       ("2.2.2.2", "200", 32, 35, 1069, "Established", 0, None)]


def test_display_bgp_peer_ce_cr_dynamic_counter():
    r = p.parse_peer_brief(real("display_bgp_peer__ce-cr.txt"))
    assert header(r) == ("10.2.3.4", "10", 2, 1, 1)
    assert rows(r) == [("10.1.1.1", "100", 0, 0, 7, "Idle", 0, None),
                       ("10.2.2.2", "200", 32, 35, 1069, "Established", 0, None)]


@pytest.mark.parametrize("name", ["display_bgp_ipv6_peer__ne40e-cr.txt", "display_bgp_ipv6_peer__ce-cr.txt"])
def test_display_bgp_ipv6_peer_unindented(name):
    r = p.parse_peer_brief(real(name))
    assert header(r) == ("10.0.0.1", "100", 1, 1, None)
    assert rows(r) == [("2001:db8:20::21", "200", 17, 19, 599, "Established", 3, None)]


def test_display_bgp_vpnv4_vpn_instance_peer_plain_layout():
    """No ``VPN-Instance`` heading: the rows carry no instance, the caller assigns it (bgp_facts)."""
    r = p.parse_peer_brief(real("display_bgp_vpnv4_vpn-instance_peer__ne40e-cr.txt"))
    assert header(r) == ("1.1.1.9", "100", 1, 1, None)
    assert rows(r) == [("10.1.1.1", "65410", 207, 192, 10789, "Established", 1, None)]
    assert r["vpn_instances"] == {}


def test_display_bgp_vpnv4_all_peer_ne40e_cg():
    r = p.parse_peer_brief(real("display_bgp_vpnv4_all_peer__ne40e-cg-srv6-be.txt"))
    assert header(r) == ("1.1.1.1", "100", 2, 2, None)
    assert rows(r) == [("2001:db8:3::3", "100", 10, 11, 315, "Established", 2, None),
                       ("10.1.1.2", "65410", 10, 13, 378, "Established", 1, "vpn1")]
    assert r["vpn_instances"] == {"vpn1": "1.1.1.1"}
    assert [row["vpn_family"] for row in r["peers"]] == [None, "ipv4"]


def test_display_bgp_peer_ntc_asdot_and_hours():
    r = p.parse_peer_brief(real("display_bgp_peer__ntc.txt"))
    assert header(r) == ("192.168.1.1", "635.88", 4, 4, 0)
    assert rows(r) == [
        ("192.168.1.11", "635.66", 47622, 49953, 626 * 3600 + 43 * 60, "Established", 551, None),
        ("192.168.1.12", "635.66", 47036, 40065, 2256180, "Established", 551, None),
        ("192.168.1.13", "635.66", 47795, 40010, 2256180, "Established", 551, None),
        ("192.168.1.14", "635.66", 47293, 49912, 2256180, "Established", 551, None),
    ]
    assert [row["up_down"] for row in r["peers"]] == ["626h43m"] * 4


def test_display_bgp_peer_ntc_label_case():
    """``BGP Local router ID`` / ``local AS number`` spelt with other capitals."""
    r = p.parse_peer_brief(real("display_bgp_peer2__ntc.txt"))
    assert header(r) == ("10.2.3.4", "10", 2, 1, None)
    assert rows(r) == [("10.1.1.1", "100", 0, 0, 7, "Idle", 0, None),
                       ("10.2.5.6", "200", 32, 35, 1069, "Established", 0, None)]


def test_display_bgp_ipv6_peer_ntc_wide_column_asdot():
    r = p.parse_peer_brief(real("display_bgp_ipv6_peer__ntc.txt"))
    assert header(r) == ("192.168.2.1", "65011.21531", 106, 50, 0)
    assert rows(r) == [
        ("fd00:1234:abcd:5678::1", "65011.21541", 591, 568, 7 * 3600 + 59 * 60 + 47, "Established", 6, None),
        ("fd00:1234:abcd:5678::2", "65011.21541", 594, 566, 7 * 3600 + 57 * 60 + 52, "Established", 6, None),
        ("fd00:1234:abcd:5678::3", "65011.21572", 564, 560, 7 * 3600 + 56 * 60 + 31, "Established", 8, None),
        ("fd00:1234:abcd:5678::4", "65011.21572", 562, 561, 7 * 3600 + 56 * 60 + 14, "Established", 8, None),
    ]


def test_display_bgp_peer_fs_overflowed_hours():
    """``****hMMm`` (more than 9999 h): the duration is unknown (None), the row is still read."""
    r = p.parse_peer_brief(real("display_bgp_peer__fs-ne40e-health.txt"))
    assert header(r) == ("10.144.80.27", "65501", 9, 9, None)
    assert [(row["address"], row["up_down"], row["up_down_seconds"], row["prefixes_received"])
            for row in r["peers"]] == [
        ("10.144.80.19", "****h25m", None, 3), ("10.144.80.20", "****h26m", None, 3),
        ("10.144.80.28", "****h17m", None, 7), ("10.144.80.31", "2559h30m", 2559 * 3600 + 30 * 60, 4),
        ("10.144.80.32", "2559h30m", 9214200, 12), ("10.144.80.33", "****h40m", None, 1),
        ("10.144.80.34", "****h40m", None, 1), ("10.144.80.39", "2559h30m", 9214200, 3),
        ("10.144.80.40", "2559h30m", 9214200, 3),
    ]
    assert r["peers"][2]["msg_rcvd"] == 45243316


def test_display_bgp_vpnv4_all_peer_fs_admin_states():
    """Fixed: ``admin down`` (two words) dropped the row; ``Idle(Admin)`` kept."""
    r = p.parse_peer_brief(real("display_bgp_vpnv4_all_peer__fs-ne40e-health.txt"))
    assert header(r) == (None, None, None, None, None)
    assert r["vpn_instances"] == {"SIGNALING-VOICE": "10.144.80.27"}
    assert len(r["peers"]) == 15
    assert {row["vpn_instance"] for row in r["peers"]} == {"SIGNALING-VOICE"}
    assert [(row["address"], row["state"], row["up_down_seconds"], row["prefixes_received"])
            for row in r["peers"] if row["state"] != "Established"] == [
        ("10.196.182.46", "Idle(Admin)", 695 * 3600 + 36 * 60, 0),
        ("10.220.57.209", "admin down", 1836 * 3600 + 2 * 60, 54),
    ]
    assert r["peers"][-1] == {
        "address": "10.220.58.33", "version": 4, "remote_as": "55644", "msg_rcvd": 131865, "msg_sent": 111093,
        "out_q": 0, "up_down": "1836h02m", "up_down_seconds": 6609720, "state": "Established",
        "prefixes_received": 18, "dynamic": False, "vpn_instance": "SIGNALING-VOICE", "vpn_family": "ipv4"}


def test_display_bgp_vpnv4_all_peer_fs_overflow_sections():
    r = p.parse_peer_brief(real("display_bgp_vpnv4_all_peer_overflow__fs-ne40e-health.txt"))
    assert header(r) == ("10.137.186.55", "65089", 37, 37, None)
    assert r["vpn_instances"] == {"Ga": "10.137.186.53", "Gb": "10.137.186.62", "Gi_bbry": "10.137.186.50",
                                  "Gi_int4": "10.137.186.48"}
    assert [(row["address"], row["vpn_instance"], row["up_down"], row["up_down_seconds"]) for row in r["peers"]] == [
        ("10.137.184.45", "Ga", "**23232h*123422m", None), ("10.137.186.9", "Ga", "****h48m", None),
        ("10.137.186.73", "Gb", "****h10m", None), ("10.220.104.121", "Gb", "****h23m", None),
        ("10.137.184.141", "Gi_bbry", "****h23m", None), ("10.137.186.33", "Gi_bbry", "****h48m", None),
        ("10.137.182.97", "Gi_int4", "0189h06m", 189 * 3600 + 6 * 60),
        ("10.137.186.25", "Gi_int4", "****h48m", None), ("10.137.206.80", "Gi_int4", "****h29m", None),
    ]


def test_display_bgp_vpnv6_all_peer_fs_wrapped_addresses():
    r = p.parse_peer_brief(real("display_bgp_vpnv6_all_peer__fs-ne40e-health.txt"))
    assert header(r) == ("10.137.186.55", "65089", 6, 6, None)
    assert [(row["address"], row["remote_as"], row["vpn_instance"], row["vpn_family"], row["up_down_seconds"],
             row["prefixes_received"]) for row in r["peers"]] == [
        ("2402:8100:1:0:80::224", "55644", "Gi_ims64", "ipv6", 9224 * 3600 + 57 * 60, 1),
        ("2402:8100:1:0:31::2e0", "65089", "Gi_intv6", "ipv6", None, 21),
        ("2402:8100:1:0:80::12", "65089", "Gi_intv6", "ipv6", None, 2012),
        ("2402:8100:1:0:80::31", "55644", "Gi_intv6", "ipv6", None, 2),
        ("2402:8100:1:1:49::1", "65080", "Gi_intv6", "ipv6", 230 * 3600 + 47 * 60, 1083),
        ("2402:8100:4000::6:0:1b", "55644", "S1_U", "ipv6", 4375 * 3600 + 17 * 60, 1),
    ]


def test_display_bgp_peer_fs_timestamp_only():
    r = p.parse_peer_brief(real("display_bgp_peer_timestamp__fs-ne40e-health.txt"))
    assert header(r) == (None, None, None, None, None)
    assert r["peers"] == []


# --- display bgp ... peer [X] verbose ------------------------------------------------------------------
VERBOSE_KEYS = ("address", "remote_as", "type", "remote_router_id", "state", "up_down", "uptime_seconds",
                "downtime_seconds", "last_state", "up_count", "received_total_routes", "advertised_total_routes",
                "peer_route_refresh", "local_route_refresh", "refresh_received", "refresh_sent",
                "last_refresh_received", "import_policy", "export_policy", "keep_all_routes", "group")


def verbose(name):
    peers = p.parse_peer_verbose_all(real(name))
    return [tuple(peer[k] for k in VERBOSE_KEYS) for peer in peers], peers


def test_verbose_ne40e_cr_display_bgp_peer():
    values, peers = verbose("display_bgp_peer_verbose__ne40e-cr.txt")
    assert values == [("10.2.2.9", "100", "internal", "10.1.1.1", "Established", "00h57m53s", 57 * 60 + 53, None,
                       "Established", 1, 0, 2, True, True, 0, 0, None, None, None, None, None)]
    assert peers[0]["address_families"] == {"IPv4 Unicast": "advertised and received"}
    assert peers[0]["messages"] == {
        "received": {"total": 60, "update": 1, "open": 1, "keepalive": 58, "notification": 0, "refresh": 0},
        "sent": {"total": 61, "update": 2, "open": 1, "keepalive": 58, "notification": 0, "refresh": 0}}


def test_verbose_ne40e_cr_vpnv4_all_refresh_received():
    values, peers = verbose("display_bgp_vpnv4_all_peer_verbose__ne40e-cr.txt")
    assert values == [("2.2.2.2", "100", "internal", "2.2.2.2", "Established", "01h12m50s", 4370, None,
                       "OpenConfirm", 1, 0, 1, True, True, 1, 0, "2015-01-07 08:37:36+00:00", None, None, None,
                       None)]
    assert peers[0]["address_families"] == {"IPv4 Unicast": "advertised and received",
                                            "VPNv4 Unicast": "advertised and received"}
    assert peers[0]["messages"]["received"]["total"] == 88
    assert peers[0]["messages"]["sent"] == {"total": 97, "update": 11, "open": 1, "keepalive": 85,
                                            "notification": 0, "refresh": 0}


def test_verbose_ne40e_cr_vpn_instance():
    values, _ = verbose("display_bgp_vpnv4_vpn-instance_peer_verbose__ne40e-cr.txt")
    assert values == [("11.1.1.2", "200", "external", "10.1.1.2", "Established", "00h03m46s", 226, None,
                       "OpenConfirm", 1, 0, 0, True, True, 0, 0, None, None, None, None, None)]


def test_verbose_ne40e_cr_ipv6():
    values, peers = verbose("display_bgp_ipv6_peer_verbose__ne40e-cr.txt")
    assert values == [("2001:db8:1::2", "200", "external", "10.1.1.2", "Established", "00h00m13s", 13, None,
                       "OpenConfirm", 1, 0, 0, True, True, 0, 0, None, None, None, None, None)]
    assert peers[0]["address_families"] == {"IPv6 Unicast": "advertised and received"}


def test_verbose_ne40e_cr_idle_no_down_for():
    """Idle: ``BGP current state: Idle`` alone; fixed: ``Last refresh   received:`` (wide spacing)."""
    values, peers = verbose("display_bgp_l2vpn-ad_peer_verbose_idle__ne40e-cr.txt")
    assert values == [("10.1.1.1", "100", "internal", "10.3.1.3", "Idle", None, None, None,
                       "Established", 4, None, None, False, True, 0, 0, "2019-08-28 08:49:07+00:00", None, None,
                       None, None)]
    assert peers[0]["address_families"] == {}


def test_verbose_ne40e_cr_up_for_days():
    values, peers = verbose("display_bgp_flow_vpnv4_vpn-instance_peer_verbose_days__ne40e-cr.txt")
    assert values == [("10.2.1.2", "200", "internal", "3.3.3.3", "Established", "1d13h13m00s",
                       86400 + 13 * 3600 + 13 * 60, None, "OpenConfirm", 1, 1, 0, True, True, 0, 0, None, None,
                       None, None, None)]
    assert peers[0]["messages"]["received"]["keepalive"] == 2551


def test_verbose_ce_cr_total_without_messages_word():
    """Fixed: CE prints ``Total                          60`` under ``Received:`` (no ``messages``)."""
    values, peers = verbose("display_bgp_peer_verbose__ce-cr.txt")
    assert values == [("10.2.2.9", "100", "internal", "10.1.1.1", "Established", "00h57m53s", 3473, None,
                       "Established", 1, 0, 2, True, True, 0, 0, None, None, None, None, None)]
    assert peers[0]["messages"] == {
        "received": {"total": 60, "update": 1, "open": 1, "keepalive": 58, "notification": 0, "refresh": 0},
        "sent": {"total": 61, "update": 2, "open": 1, "keepalive": 58, "notification": 0, "refresh": 0}}


def test_verbose_ce_cr_unnumbered_policies_group_soft_reconfiguration():
    """Fixed: ``BGP Peer is ADDR(interface),`` was not recognised as a peer block."""
    values, peers = verbose("display_bgp_unnumbered_peer_verbose__ce-cr.txt")
    assert values == [("fe80::3a01:ff:fe21:301", "100", "internal", "10.1.1.2", "Established", "00h01m40s", 100,
                       None, "OpenConfirm", 1, 2, 3, True, True, 0, 0, None, "import", "a", True, "i")]
    assert peers[0]["address_families"] == {"IPv4 Unicast": "advertised and received",
                                            "IPv6 Unicast": "advertised and received"}
    assert peers[0]["messages"]["sent"]["total"] == 14


# --- routing tables --------------------------------------------------------------------------------------
def routes(result):
    return [tuple(r[k] for k in ("status", "network", "next_hop", "med", "local_pref", "pref_val", "path", "origin"))
            for r in result["routes"]]


def test_routing_table_ne40e_cr_blank_locprf():
    r = p.parse_routing_table(real("display_bgp_routing-table__ne40e-cr.txt"))
    assert (r["router_id"], r["total"], r["kind"]) == ("1.1.1.2", 4, None)
    assert routes(r) == [("*", "1.1.1.0/24", "1.1.1.1", 0, None, 0, "100", "?"),
                         ("*", "1.1.1.2/32", "1.1.1.1", 0, None, 0, "100", "?"),
                         ("*>", "10.5.1.0/24", "1.1.1.1", 0, None, 0, "100", "?"),
                         ("*>", "10.10.1.0/24", "1.1.1.1", 0, None, 0, "100", "?")]


def test_routing_table_ne40e_cr_values_under_label_start():
    """Fixed: values printed under the start of their label were given to the wrong column
    (LocPrf 100 was overwritten by PrefVal 0; a lone PrefVal became LocPrf)."""
    r = p.parse_routing_table(real("display_bgp_labeled_routing-table__ne40e-cr.txt"))
    assert (r["router_id"], r["total"]) == ("10.1.1.2", 2)
    assert routes(r) == [("*>i", "1.1.1.1/32", "1.1.1.1", 0, 100, 0, "", "i"),
                         ("*>", "4.4.4.4/32", "1.1.1.3", None, None, 0, "200", "i")]


def test_routing_table_peer_accepted_routes_collapsed_spacing():
    """The page lost its column spacing: full rows are still read in header order; the two
    continuation rows of the same prefix (no network) are not rows of their own."""
    r = p.parse_routing_table(real("display_bgp_routing-table_peer_accepted-routes__ne40e-cr.txt"))
    assert (r["router_id"], r["total"]) == ("10.1.1.2", 3)
    assert routes(r) == [("*>i", "10.9.9.9/32", "10.1.1.2", 0, 100, 0, "", "?")]


@pytest.mark.parametrize("name,kind,total", [
    ("display_bgp_flow_routing-table_peer_received-routes_statistics__ne40e-cr.txt", "received", 4),
    ("display_bgp_flow_routing-table_peer_advertised-routes_statistics__ne40e-cr.txt", "advertised", 3),
])
def test_routing_table_peer_statistics(name, kind, total):
    r = p.parse_routing_table(real(name))
    assert (r["kind"], r["total"], r["routes"]) == (kind, total, [])


def test_routing_table_statistics_vpnv4_all():
    text = real("display_bgp_vpnv4_all_routing-table_statistics__ne40e-cr.txt")
    assert p.parse_routing_table_statistics(text) == {"routes_from_all_pe": 1, "routes": 2}
    assert p.parse_routing_table(text)["total"] == 2


# --- the timestamp line of newer releases ------------------------------------------------------------------
TIMESTAMP = "2024-06-08 13:04:22.667 +03:00\n"   # first line of every display on NE40E V800R022C00 [netdis]
BGP_FILES = sorted(os.path.basename(f) for f in glob.glob(os.path.join(REAL, "display_bgp_*")))
BGP_PARSERS = [p.parse_peer_brief, p.parse_peer_verbose_all, p.parse_routing_table,
               p.parse_routing_table_statistics, p.parse_group]


def test_timestamp_first_line_is_real():
    assert real("display_version__netdis-ne40e-v800r022.txt").startswith(TIMESTAMP)
    assert real("display_bgp_peer_timestamp__fs-ne40e-health.txt").startswith("2024-06-29 12:56:34.858 +05:30")


@pytest.mark.parametrize("name", BGP_FILES)
def test_bgp_parsers_ignore_a_leading_timestamp(name):
    text = real(name)
    for parse in BGP_PARSERS:
        assert parse(TIMESTAMP + text) == parse(text), parse.__name__


def test_config_tree_drops_the_timestamp_line():
    """Fixed: the timestamp became a top-level configuration line."""
    text = real("display_current-configuration_configuration_bgp__ne40e-cg-dual-stack.txt")
    stamped = p.parse_config_tree(TIMESTAMP + text)
    assert [node.line for node in stamped] == ["bgp 64830"]
    assert p.parse_bgp_config(TIMESTAMP + text) == p.parse_bgp_config(text)


# --- display current-configuration -------------------------------------------------------------------------
def test_bgp_config_ne40e_cg_dual_stack():
    """Groups followed by their members, upper-case IPv6, per-family enable / keep-all-routes on a group."""
    cfg = p.parse_bgp_config(real("display_current-configuration_configuration_bgp__ne40e-cg-dual-stack.txt"))
    assert (cfg["local_as"], cfg["router_id"], cfg["keep_all_routes"], cfg["families"], cfg["vpn_instances"]) == \
        ("64830", None, False, ["ipv4", "ipv6"], [])
    assert [(g["name"], g["type"], g["remote_as"]) for g in cfg["groups"]] == [
        ("IPv6-GROUP", "internal", None), ("group2", "external", None)]
    assert [(peer["address"], peer["remote_as"], peer["group"]) for peer in cfg["peers"]] == [
        ("2001:db8:200::2101", "64830", "IPv6-GROUP"), ("2.2.2.2", "101", "group2"), ("3.3.3.3", "101", "group2")]
    effective = {(r["address"], r["address_family"]): r for r in p.effective_peer_settings(cfg)}
    assert {key: (r["enabled"], r["type"], r["keep_all_routes"], r["route_refresh"])
            for key, r in effective.items()} == {
        ("2001:db8:200::2101", "ipv4"): (False, "internal", False, True),
        ("2001:db8:200::2101", "ipv6"): (True, "internal", True, True),
        ("2.2.2.2", "ipv4"): (True, "external", False, True),
        ("2.2.2.2", "ipv6"): (False, "external", False, True),
        ("3.3.3.3", "ipv4"): (True, "external", False, True),
        ("3.3.3.3", "ipv6"): (False, "external", False, True),
    }


def test_config_tree_ne40e_cr_software_version_header_and_return():
    nodes = p.parse_config_tree(real("display_current-configuration_inheritance__ne40e-cr.txt"))
    assert [(n.line, [c.line for c in n.children]) for n in nodes] == [
        ("command group g1", ["interface Loopback1"]), ("end-group", []),
        ("interface LoopBack1", ["apply-command-group g1", "clear ip df"])]


def test_config_tree_ne40e_cr_filtered_display_without_return():
    nodes = p.parse_config_tree(real("display_current-configuration_configuration_xpl-pfx__ne40e-cr.txt"))
    assert [n.line for n in nodes] == ["xpl ip-prefix-list pf-instance"]


# --- commit list / changes / trial status ----------------------------------------------------------------
def test_commit_list_verbose_ne40e_cr():
    text = real("display_configuration_commit_list_verbose__ne40e-cr.txt")
    assert p.parse_commit_id(text) == "1000000114"
    assert p.parse_commit_points(text) == [{"commit_id": "1000000114", "label": None},
                                           {"commit_id": "1000000113", "label": None},
                                           {"commit_id": "1000000112", "label": None}]


def test_commit_list_verbose_ce_cr_rollback_type():
    text = real("display_configuration_commit_list_verbose__ce-cr.txt")
    assert p.parse_commit_id(text) == "1000052271"
    assert p.parse_commit_points(text) == [{"commit_id": "1000052271", "label": None}]


def test_commit_changes_ne40e_cr_header_after_building():
    r = p.parse_commit_changes(real("display_configuration_commit_changes__ne40e-cr.txt"))
    assert r == {"commit_id": "1000000114", "changes": [("-", (), "sysname HUAWEI"), ("+", (), "sysname test")]}


def test_commit_changes_ne40e_cr_at_nested_view():
    r = p.parse_commit_changes(real("display_configuration_commit_changes_at__ne40e-cr.txt"))
    assert r["commit_id"] is None
    assert r["changes"] == [
        ("+", ("aaa",), "local-user huawei password cipher @%@%ym<*-4`Hu=kF;b-%AiAF&C:1@%@%"),
        ("+", ("aaa",), "local-user huawei service-type ftp"),
        ("+", ("aaa",), "local-user huawei ftp-directory cfcard:/")]


def test_commit_changes_ne40e_cr_last_2():
    r = p.parse_commit_changes(real("display_configuration_commit_changes_last_2__ne40e-cr.txt"))
    assert r == {"commit_id": None, "changes": [("-", (), "info-center logfile size 16"),
                                                ("+", (), "info-center logfile size 32")]}


@pytest.mark.parametrize("name,expected", [
    ("display_configuration_trial_status_inactive__ne40e-cr.txt",
     {"status": "INACTIVE", "seconds_left": 0, "pending": False}),
    ("display_configuration_trial_status_active__ne40e-cr.txt",
     {"status": "ACTIVE", "seconds_left": 51, "pending": True}),
    ("display_configuration_trial_status_persist__ne40e-cr.txt",
     {"status": "ACTIVE", "seconds_left": 30, "pending": True}),
])
def test_trial_status_ne40e_cr(name, expected):
    assert cli.parse_trial_status(real(name)) == expected


def test_every_real_fixture_has_provenance():
    listed = real("PROVENANCE.md")
    files = sorted(os.path.basename(f) for f in glob.glob(os.path.join(REAL, "*.txt")))
    assert files and [f for f in files if "`%s`" % f not in listed] == []


# --- more routing tables (configuration guide examples) ----------------------------------------------------
@pytest.mark.parametrize("name,router_id,expected", [
    ("display_bgp_routing-table_peer_received-routes__ne40e-cg-orf.txt", "1.1.1.1", [
        ("*>", "10.3.1.0/30", "10.1.1.2", 0, None, 0, "200", "?"),
        ("*>", "10.3.1.1/32", "10.1.1.2", 0, None, 0, "200", "?")]),
    ("display_bgp_routing-table_peer_advertised-routes__ne40e-cg-as-path-filter.txt", "2.2.2.2", [
        ("*>", "10.1.2.0/24", "10.1.3.1", 0, None, 0, "20", "?"),
        ("*>", "10.1.3.0/24", "10.1.3.1", 0, None, 0, "20", "?")]),
    ("display_bgp_vpnv4_all_routing-table_peer_advertised-routes__ne40e-cg-vpn-orf.txt", "2.2.2.2", [
        ("*>i", "33.33.33.33/32", "3.3.3.3", 0, 100, 0, "65440", "i")]),
])
def test_routing_table_peer_ne40e_cg(name, router_id, expected):
    r = p.parse_routing_table(real(name))
    assert (r["router_id"], r["total"]) == (router_id, len(expected))
    assert routes(r) == expected


# --- display bgp [vpnv4 ...] group --------------------------------------------------------------------------
GROUP_KEYS = ("name", "remote_as", "type", "vpn_instance", "section", "members", "import_policy", "export_policy")


def groups(name):
    return [tuple(g[k] for k in GROUP_KEYS) for g in p.parse_group(real(name))]


def test_group_ne40e_cr_with_peer_table():
    assert groups("display_bgp_group__ne40e-cr.txt") == [
        ("my-peer", "200", "internal", None, None, ["2.2.2.2"], None, None)]
    peers = p.parse_group(real("display_bgp_group__ne40e-cr.txt"))[0]["peers"]
    assert [(r["address"], r["remote_as"], r["state"], r["up_down_seconds"]) for r in peers] == [
        ("2.2.2.2", "200", "Active", 47)]


def test_group_vpnv4_all_ne40e_cr_instance_inside_block():
    """Fixed: ``VPN-Instance(IPv4-family): vpn1`` comes after the group's first lines, it was lost."""
    assert groups("display_bgp_vpnv4_all_group__ne40e-cr.txt") == [
        ("aa", None, "external", None, "vpnv4", ["3.3.3.3"], None, None),
        ("bb", "100", "internal", None, "vpnv4", [], None, None),
        ("cc", None, "external", "vpn1", "vpn-instance", ["2.2.2.1"], None, None)]


def test_group_vpnv4_all_name_ne40e_cr_short_instance_label():
    """Fixed: ``VPN-Instance: 1`` (no ``(IPv4-family)``)."""
    assert groups("display_bgp_vpnv4_all_group_name__ne40e-cr.txt") == [
        ("rr1", None, "external", "1", "vpn-instance", [], None, None)]


def test_group_vpn_instance_ne40e_cr():
    assert groups("display_bgp_vpnv4_vpn-instance_group__ne40e-cr.txt") == [
        ("bb", None, "external", "vpn2", None, ["10.1.1.2"], None, None)]


# --- CloudEngine V300R023 VPN forms ---------------------------------------------------------------------------
def test_display_bgp_vpnv4_all_peer_ce_cr_wide_column():
    r = p.parse_peer_brief(real("display_bgp_vpnv4_all_peer__ce-cr.txt"))
    assert header(r) == ("10.1.1.1", "100", 1, 1, None)
    assert rows(r) == [("10.1.1.2", "100", 7, 7, 184, "Established", 0, None)]


def test_display_bgp_vpnv4_vpn_instance_peer_ce_cr_plain_layout():
    r = p.parse_peer_brief(real("display_bgp_vpnv4_vpn-instance_peer__ce-cr.txt"))
    assert header(r) == ("10.1.1.1", "100", 1, 1, 1)
    assert rows(r) == [("10.1.1.1", "65410", 207, 192, 10789, "Established", 1, None)]


def test_verbose_ce_cr_vpnv4_all():
    values, peers = verbose("display_bgp_vpnv4_all_peer_verbose__ce-cr.txt")
    assert values == [("2.2.2.2", "100", "internal", "2.2.2.2", "Established", "01h12m50s", 4370, None,
                       "OpenConfirm", 1, 0, 1, True, True, 1, 0, "2015-01-07 08:37:36+00:00", None, None, None,
                       None)]
    assert peers[0]["messages"]["sent"]["total"] == 97


def test_routing_table_ce_cr_several_route_distinguishers():
    """``Total number of routes from all PE`` is not the table total; ``?`` alone is an origin, no AS path."""
    r = p.parse_routing_table(real("display_bgp_instance_vpnv4_all_routing-table_peer_accepted-routes__ce-cr.txt"))
    assert (r["router_id"], r["total"]) == ("172.16.1.1", None)
    assert routes(r) == [("*>", "10.4.4.4/32", "0.0.0.0", 0, None, 0, "", "?"),
                         ("*>i", "10.11.11.11/32", "10.1.1.9", 0, 100, 0, "", "?"),
                         ("*>", "10.3.3.3/32", "0.0.0.0", 0, None, 0, "", "?"),
                         ("*>i", "10.11.11.12/32", "10.1.1.9", 0, 100, 0, "", "?"),
                         ("*>i", "10.11.11.13/32", "10.1.1.9", 0, 100, 0, "", "?")]
