"""bgp_facts.gather_bgp_facts over VrpCli + FakeTransport with recorded outputs: the exact displays sent
and the facts shape of docs/internals.md."""
import os

import pytest
from fake_transport import FakeTransport

from ansible_collections.netops.vrp.plugins.module_utils import bgp_facts
from ansible_collections.netops.vrp.plugins.module_utils.bgp_facts import (
    gather_bgp_facts,
    gather_bgp_facts_with_commands,
)
from ansible_collections.netops.vrp.plugins.module_utils.cli import OperationFailed, VrpCli
from ansible_collections.netops.vrp.plugins.module_utils.validate import ValidationError

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "vrp")
BULK_REFUSED = "                           ^\nError: Unrecognized command found at '^' position."

FACT_KEYS = {"address", "address_family", "vpn_instance", "remote_as", "type", "group", "state", "up_down",
             "uptime_seconds", "up_count", "prefixes_received", "prefixes_advertised", "route_refresh",
             "keep_all_routes", "import_policy", "export_policy", "refresh_sent", "refresh_received"}
GROUP_KEYS = {"name", "address_family", "vpn_instance", "type", "remote_as", "members"}


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def router_replies():
    """PE1: IPv4 (4 peers), IPv6 (1), VPNv4 (1), vpna and vpnb (1 each); ipv6 bulk verbose refused."""
    return {
        "display current-configuration configuration bgp": fixture("current_configuration_bgp.txt"),
        "display bgp peer": fixture("display_bgp_peer.txt"),
        "display bgp ipv6 peer": fixture("display_bgp_ipv6_peer.txt"),
        "display bgp vpnv4 all peer": fixture("display_bgp_vpnv4_all_peer.txt"),
        "display bgp peer verbose": fixture("display_bgp_peer_verbose_all.txt"),
        "display bgp ipv6 peer verbose": BULK_REFUSED,
        "display bgp ipv6 peer 2001:db8::2 verbose": fixture("display_bgp_ipv6_peer_2001_db8__2_verbose.txt"),
        "display bgp vpnv4 all peer verbose": fixture("display_bgp_vpnv4_all_peer_verbose.txt"),
        "display bgp vpnv4 vpn-instance vpna peer verbose":
            fixture("display_bgp_vpnv4_vpn_instance_vpna_peer_verbose.txt"),
        "display bgp vpnv4 vpn-instance vpnb peer verbose":
            fixture("display_bgp_vpnv4_vpn_instance_vpnb_peer_verbose.txt"),
        "display bgp vpnv4 vpn-instance vpna peer": fixture("display_bgp_vpnv4_vpn_instance_peer.txt"),
    }


def gather(replies=None, **kwargs):
    transport = FakeTransport(router_replies() if replies is None else replies, host="PE1", strict=True)
    facts = gather_bgp_facts(VrpCli(transport), **kwargs)
    return facts, transport.sent


def by_key(facts):
    return {(p["address_family"], p["vpn_instance"], p["address"]): p for p in facts["peers"]}


def test_full_gather_commands_and_shape():
    facts, sent = gather()
    assert sent == [
        "display current-configuration configuration bgp",
        "display bgp peer",
        "display bgp ipv6 peer",
        "display bgp vpnv4 all peer",
        "display bgp peer verbose",
        "display bgp ipv6 peer verbose",
        "display bgp ipv6 peer 2001:db8::2 verbose",
        "display bgp vpnv4 all peer verbose",
        "display bgp vpnv4 vpn-instance vpna peer verbose",
        "display bgp vpnv4 vpn-instance vpnb peer verbose",
    ]
    assert set(facts) == {"local_as", "router_id", "peers", "groups"}
    assert (facts["local_as"], facts["router_id"]) == ("65000", "10.0.0.1")
    assert all(set(peer) == FACT_KEYS for peer in facts["peers"])
    assert all(set(peer["route_refresh"]) == {"local", "peer", "negotiated"} for peer in facts["peers"])
    assert all(set(group) == GROUP_KEYS for group in facts["groups"])
    assert sorted(by_key(facts)) == sorted([
        ("ipv4", None, "10.0.0.2"), ("ipv4", None, "10.0.0.3"), ("ipv4", None, "192.0.2.1"),
        ("ipv4", None, "198.51.100.9"), ("ipv6", None, "2001:db8::2"), ("vpnv4", None, "10.0.0.2"),
        ("vpn-instance", "vpna", "172.16.1.2"), ("vpn-instance", "vpnb", "172.16.2.2")])


def test_peer_facts_values():
    facts, _ = gather()
    peers = by_key(facts)
    assert peers[("ipv4", None, "10.0.0.2")] == {
        "address": "10.0.0.2", "address_family": "ipv4", "vpn_instance": None, "remote_as": "65000",
        "type": "internal", "group": "RR", "state": "Established", "up_down": "0016h03m",
        "uptime_seconds": 57780, "up_count": 2, "prefixes_received": 12, "prefixes_advertised": 9,
        "route_refresh": {"local": True, "peer": True, "negotiated": True}, "keep_all_routes": False,
        "import_policy": "RP-RR-IN", "export_policy": None, "refresh_sent": 3, "refresh_received": 2,
    }
    down = peers[("ipv4", None, "10.0.0.3")]
    assert (down["state"], down["uptime_seconds"], down["route_refresh"], down["import_policy"]) == \
        ("Active", 0, {"local": True, "peer": None, "negotiated": False}, "RP-IN-3")
    ebgp = peers[("ipv4", None, "192.0.2.1")]
    assert (ebgp["type"], ebgp["group"], ebgp["keep_all_routes"], ebgp["export_policy"], ebgp["remote_as"]) == \
        ("external", "EBGP-UP", True, "RP-OUT", "65010")
    norr = peers[("ipv4", None, "198.51.100.9")]
    assert norr["route_refresh"] == {"local": False, "peer": False, "negotiated": False}
    assert norr["keep_all_routes"] is True
    v6 = peers[("ipv6", None, "2001:db8::2")]
    assert (v6["prefixes_advertised"], v6["refresh_sent"], v6["route_refresh"]["negotiated"]) == (6, 2, True)
    vpnv4 = peers[("vpnv4", None, "10.0.0.2")]
    assert (vpnv4["prefixes_received"], vpnv4["prefixes_advertised"], vpnv4["import_policy"]) == (20, 3, None)
    ce_a = peers[("vpn-instance", "vpna", "172.16.1.2")]
    assert (ce_a["import_policy"], ce_a["prefixes_advertised"], ce_a["route_refresh"]["negotiated"]) == \
        ("RP-CE-IN", 4, True)
    ce_b = peers[("vpn-instance", "vpnb", "172.16.2.2")]
    assert (ce_b["group"], ce_b["remote_as"], ce_b["keep_all_routes"]) == ("CE-B", "65021", True)
    assert ce_b["route_refresh"] == {"local": False, "peer": True, "negotiated": False}


def test_group_facts():
    facts, _ = gather()
    groups = {(g["address_family"], g["vpn_instance"], g["name"]): g for g in facts["groups"]}
    assert groups[("ipv4", None, "RR")] == {"name": "RR", "address_family": "ipv4", "vpn_instance": None,
                                            "type": "internal", "remote_as": "65000",
                                            "members": ["10.0.0.2", "10.0.0.3"]}
    assert groups[("vpnv4", None, "RR")]["members"] == ["10.0.0.2"]
    assert groups[("ipv4", None, "EBGP-UP")]["remote_as"] == "65010"
    assert groups[("vpn-instance", "vpnb", "CE-B")]["members"] == ["172.16.2.2"]
    assert ("ipv6", None, "RR") not in groups  # not enabled there, no members


def test_without_verbose_reads_three_displays_for_ipv4_and_vpns():
    facts, sent = gather(subset=["ipv4", "vpnv4", "vpn-instance"], verbose=False)
    assert sent == ["display current-configuration configuration bgp", "display bgp peer",
                    "display bgp vpnv4 all peer"]
    peer = by_key(facts)[("ipv4", None, "10.0.0.2")]
    assert peer["route_refresh"] == {"local": True, "peer": None, "negotiated": None}
    assert (peer["up_count"], peer["prefixes_advertised"], peer["refresh_sent"]) == (None, None, None)
    assert by_key(facts)[("ipv4", None, "198.51.100.9")]["route_refresh"]["negotiated"] is False


def test_vpn_instance_only_uses_per_instance_display():
    facts, sent = gather(subset=["vpn-instance"], vpn_instances=["vpna"])
    assert sent == ["display current-configuration configuration bgp",
                    "display bgp vpnv4 vpn-instance vpna peer",
                    "display bgp vpnv4 vpn-instance vpna peer verbose"]
    assert [(p["address_family"], p["vpn_instance"], p["address"]) for p in facts["peers"]] == [
        ("vpn-instance", "vpna", "172.16.1.2")]
    assert facts["groups"] == []  # vpna has no groups; vpnb is filtered out


def test_groups_subset_sends_only_the_config_display():
    facts, sent = gather(subset=["groups"])
    assert sent == ["display current-configuration configuration bgp"]
    assert facts["peers"] == [] and len(facts["groups"]) == 4


def test_per_peer_fallback_for_vpnv4():
    replies = router_replies()
    replies["display bgp vpnv4 all peer verbose"] = BULK_REFUSED
    replies["display bgp vpnv4 all peer 10.0.0.2 verbose"] = fixture("display_bgp_vpnv4_all_peer_verbose.txt")
    facts, sent = gather(replies, subset=["vpnv4"])
    assert sent[-2:] == ["display bgp vpnv4 all peer verbose", "display bgp vpnv4 all peer 10.0.0.2 verbose"]
    assert by_key(facts)[("vpnv4", None, "10.0.0.2")]["prefixes_advertised"] == 3


def test_bgp_not_configured():
    facts, sent = gather({"display current-configuration configuration bgp": "#\nsysname PE1\n#\nreturn"})
    assert facts == {"local_as": None, "router_id": None, "peers": [], "groups": []}
    assert sent == ["display current-configuration configuration bgp"]


def test_router_id_from_display_when_not_configured():
    replies = {
        "display current-configuration configuration bgp": "bgp 10\n peer 10.1.1.1 as-number 100\n",
        "display bgp peer": fixture("display_bgp_peer_two_line_header.txt"),
    }
    facts, _ = gather(replies, subset=["ipv4"], verbose=False)
    assert facts["router_id"] == "10.2.3.4"
    states = {p["address"]: p["state"] for p in facts["peers"]}
    assert states == {"10.1.1.1": "Idle", "10.2.5.6": "Established", "10.3.3.3": "Idle(Admin)"}


def test_bad_arguments():
    with pytest.raises(ValidationError) as exc:
        gather(subset=["l2vpn"])
    assert exc.value.field == "gather_subset"
    with pytest.raises(ValidationError) as exc:
        gather(subset=["vpn-instance"], vpn_instances=["vpna\ndisplay x"])
    assert exc.value.field == "vpn_instances"


def test_with_commands_helper():
    transport = FakeTransport(router_replies(), host="PE1", strict=True)
    facts, commands = gather_bgp_facts_with_commands(VrpCli(transport), subset=["ipv4"], verbose=False)
    assert commands == ["display current-configuration configuration bgp", "display bgp peer"]
    assert len(facts["peers"]) == 4


def test_module_read_fails_naming_a_vpn_instance_the_router_lacks():
    """Issue 16 item 12: vpn_instances naming an instance without a BGP view fails after the config display only."""
    transport = FakeTransport(router_replies(), host="PE1", strict=True)
    with pytest.raises(OperationFailed) as exc:
        gather_bgp_facts_with_commands(VrpCli(transport), subset=["vpn-instance"], vpn_instances=["vpna", "vpnx"])
    assert exc.value.step == "vpn_instances"
    assert exc.value.message == ("VPN instance vpnx has no BGP configuration (no 'ipv4-family vpn-instance vpnx' in "
                                 "bgp 65000); configured: vpna, vpnb")
    assert transport.sent == exc.value.result["commands"] == ["display current-configuration configuration bgp"]
    no_bgp = FakeTransport({"display current-configuration configuration bgp": "#\nreturn"}, host="PE1", strict=True)
    with pytest.raises(OperationFailed) as exc:
        gather_bgp_facts_with_commands(VrpCli(no_bgp), vpn_instances=["vpna"])
    assert exc.value.message == "BGP is not configured on this router"
    facts, _ = gather_bgp_facts_with_commands(VrpCli(FakeTransport(router_replies(), host="PE1", strict=True)),
                                              subset=["vpn-instance"], vpn_instances=["vpna"], verbose=False)
    assert {p["vpn_instance"] for p in facts["peers"]} == {"vpna"}


# --- the one router-read layer -----------------------------------------------------------------------

class Displays:
    """Anything with ``display(cmd)``: records what was asked for."""

    def __init__(self, outputs):
        self.outputs, self.sent = outputs, []

    def display(self, command):
        self.sent.append(command)
        return self.outputs[command]


def one_block(address):
    text = fixture("display_bgp_peer_verbose_all.txt")
    start = text.index(" BGP Peer is %s," % address)
    end = text.find(" BGP Peer is ", start + 1)
    return text[start:end if end > 0 else len(text)]


PEERS = ["10.0.0.2", "10.0.0.3", "192.0.2.1", "198.51.100.9"]


def test_read_peer_verbose_per_peer_up_to_the_one_limit_then_bulk():
    assert bgp_facts.PER_PEER_VERBOSE_MAX == 3
    outputs = {"display bgp peer %s verbose" % a: one_block(a) for a in PEERS}
    outputs["display bgp peer verbose"] = fixture("display_bgp_peer_verbose_all.txt")
    few = Displays(outputs)
    assert sorted(bgp_facts.read_peer_verbose(few, "ipv4", None, PEERS[:3])) == sorted(PEERS[:3])
    assert few.sent == ["display bgp peer %s verbose" % a for a in PEERS[:3]]
    many = Displays(outputs)
    assert sorted(bgp_facts.read_peer_verbose(many, "ipv4", None, PEERS)) == sorted(PEERS)
    assert many.sent == ["display bgp peer verbose"]
    always_bulk = Displays(outputs)
    bgp_facts.read_peer_verbose(always_bulk, "ipv4", None, PEERS[:1], per_peer_max=0)
    assert always_bulk.sent == ["display bgp peer verbose"]


def test_bgp_reader_sends_each_display_once_and_parses_the_configuration_once():
    transport = FakeTransport(router_replies(), host="PE1", strict=True)
    reader = bgp_facts.BgpReader(VrpCli(transport))
    cfg = reader.config()
    facts, cfg_again, commands = bgp_facts.read_facts(reader, ["ipv4"], verbose=False)
    assert cfg_again is cfg and len(facts["peers"]) == 4
    assert commands == transport.sent == ["display current-configuration configuration bgp", "display bgp peer"]
    assert bgp_facts.read_session_states(reader, ["ipv4"], None)[(None, "10.0.0.2")]["state"] == "Established"
    assert transport.sent.count("display bgp peer") == 1   # served from the read's copy
