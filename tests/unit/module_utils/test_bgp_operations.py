"""bgp_operations over VrpCli + FakeTransport with recorded outputs (tests/unit/fixtures/vrp): the plan
(peer resolution, paths, refusals), the exact commands, verification and the wait logic with a fake clock;
and the three action plugins' argument handling (refusals happen before any connection)."""
import os
import re
from unittest import mock

import pytest
from fake_transport import FakeTransport

from ansible_collections.netops.vrp.plugins.module_utils import bgp_hard_reset as hard
from ansible_collections.netops.vrp.plugins.module_utils import bgp_operations as ops
from ansible_collections.netops.vrp.plugins.module_utils.cli import VrpCli
from ansible_collections.netops.vrp.plugins.module_utils.transport import (
    Reply,
    VrpConnectionError,
    VrpTimeout,
)
from ansible_collections.netops.vrp.plugins.plugin_utils.action_base import failure_result

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "vrp")
CONFIG = "display current-configuration configuration bgp"


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def verbose_block(text, address):
    """One peer's block out of a bulk verbose display."""
    blocks = re.split(r"(?m)^(?= BGP Peer is )", text)
    return next(b for b in blocks if b.startswith(" BGP Peer is %s," % address))


VPNB_BRIEF = (fixture("display_bgp_vpnv4_vpn_instance_peer.txt").replace("vpna", "vpnb").replace(
    "  172.16.1.2      4       65020       25       24     0 00:17:57 Established        1",
    "  172.16.2.2      4       65021       30       28     0 01:02:03 Established        2"))


# [NE40E-CR displayVersion(SPMOM)]
VERSION_R012 = ("Huawei Versatile Routing Platform Software\nVRP (R) software, Version 8.200 (NE40E V800R012C10)\n"
                "Copyright (C) 2012-2018 Huawei Technologies Co., Ltd.\nHUAWEI NE40E-X16 uptime is 0 day, 0 hour, 5 minutes")


def replies(**overrides):
    """PE1 of the recorded fixtures: IPv4 10.0.0.2 (RR, route-refresh), 10.0.0.3 (RR, Active),
    192.0.2.1 (EBGP-UP, keep-all-routes via the group), 198.51.100.9 (keep-all-routes, no route-refresh);
    VPNv4 10.0.0.2; vpna 172.16.1.2 (route-refresh); vpnb 172.16.2.2 (CE-B: keep-all-routes, undo rr);
    IPv6 2001:db8::2."""
    base = {
        CONFIG: fixture("current_configuration_bgp.txt"),
        "display bgp peer": fixture("display_bgp_peer.txt"),
        "display bgp ipv6 peer": fixture("display_bgp_ipv6_peer.txt"),
        "display bgp vpnv4 all peer": fixture("display_bgp_vpnv4_all_peer.txt"),
        "display bgp peer verbose": fixture("display_bgp_peer_verbose_all.txt"),
        "display bgp ipv6 peer verbose": fixture("display_bgp_ipv6_peer_2001_db8__2_verbose.txt"),
        "display bgp vpnv4 all peer verbose": fixture("display_bgp_vpnv4_all_peer_verbose.txt"),
        "display bgp vpnv4 vpn-instance vpna peer": fixture("display_bgp_vpnv4_vpn_instance_peer.txt"),
        "display bgp vpnv4 vpn-instance vpna peer verbose":
            fixture("display_bgp_vpnv4_vpn_instance_vpna_peer_verbose.txt"),
        "display bgp vpnv4 vpn-instance vpnb peer": VPNB_BRIEF,
        "display bgp vpnv4 vpn-instance vpnb peer verbose":
            fixture("display_bgp_vpnv4_vpn_instance_vpnb_peer_verbose.txt"),
    }
    base["display version"] = VERSION_R012
    # the import policy check after a refresh (policy_effect.py): the configuration, then empty tables
    base["display current-configuration"] = fixture("current_configuration_bgp.txt")
    base[re.compile(r"display bgp .*routing-table peer \S+ (accepted|received|advertised)-routes")] = ""
    base[re.compile(r"(refresh|reset) bgp .*")] = ""     # operational commands print nothing
    base.update(overrides)
    return base


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def make_cli(**overrides):
    transport = FakeTransport(replies(**overrides), host="PE1", strict=True)
    return VrpCli(transport), transport


def non_displays(transport):
    return [c for c in transport.sent if not c.startswith("display ")]


def soft(params, check_mode=True, **overrides):
    cli, transport = make_cli(**overrides)
    clock = FakeClock()
    args = dict(address_family="ipv4", verify=True, verify_timeout=30)
    args.update(params)
    result = ops.run_soft_reset(cli, args, check_mode=check_mode, clock=clock, sleep=clock.sleep)
    return result, transport, clock


def paths(result):
    return {(p["address_family"], p["vpn_instance"], p["address"]): p["path"] for p in result["peers"]}


# --- soft reset: the plan ------------------------------------------------------------------------------

@pytest.mark.parametrize("params,commands,expected", [
    ({"peers": ["10.0.0.2"], "direction": "import"}, ["refresh bgp 10.0.0.2 import"],
     {("ipv4", None, "10.0.0.2"): "route-refresh"}),
    ({"groups": ["EBGP-UP"], "direction": "import"}, ["refresh bgp group EBGP-UP import"],
     {("ipv4", None, "192.0.2.1"): "keep-all-routes"}),
    ({"selector": "external", "direction": "import"}, ["refresh bgp external import"],
     {("ipv4", None, "192.0.2.1"): "keep-all-routes", ("ipv4", None, "198.51.100.9"): "keep-all-routes"}),
    ({"selector": "external", "direction": "export"}, ["refresh bgp external export"],
     {("ipv4", None, "192.0.2.1"): "export", ("ipv4", None, "198.51.100.9"): "export"}),
    ({"peers": ["10.0.0.2", "192.0.2.1"], "direction": "import"},
     ["refresh bgp 10.0.0.2 import", "refresh bgp 192.0.2.1 import"],
     {("ipv4", None, "10.0.0.2"): "route-refresh", ("ipv4", None, "192.0.2.1"): "keep-all-routes"}),
    ({"address_family": "vpnv4", "peers": ["10.0.0.2"], "direction": "import"},
     ["refresh bgp vpnv4 10.0.0.2 import"], {("vpnv4", None, "10.0.0.2"): "route-refresh"}),
    ({"address_family": "vpnv4", "selector": "all", "direction": "export"},
     ["refresh bgp vpnv4 all export"], {("vpnv4", None, "10.0.0.2"): "export"}),
    ({"address_family": "vpn-instance", "vpn_instance": "vpna", "selector": "external", "direction": "import"},
     ["refresh bgp vpn-instance vpna ipv4-family external import"],
     {("vpn-instance", "vpna", "172.16.1.2"): "route-refresh"}),
    ({"address_family": "vpn-instance", "vpn_instance": "vpnb", "selector": "all", "direction": "import"},
     ["refresh bgp vpn-instance vpnb ipv4-family all import"],
     {("vpn-instance", "vpnb", "172.16.2.2"): "keep-all-routes"}),
    ({"address_family": "ipv6", "peers": ["2001:DB8::2"], "direction": "export"},
     ["refresh bgp ipv6 2001:db8::2 export"], {("ipv6", None, "2001:db8::2"): "export"}),
    ({"address_family": "ipv6", "selector": "all", "direction": "import"},
     ["refresh bgp ipv6 all import"], {("ipv6", None, "2001:db8::2"): "route-refresh"}),
])
def test_soft_reset_plan_resolves_peers_and_paths(params, commands, expected):
    result, transport, _ = soft(params)
    assert result["commands"] == commands and result["changed"] is True
    assert paths(result) == expected
    assert non_displays(transport) == []        # check mode: displays only
    for peer in result["peers"]:
        assert peer["state_before"] == "Established" and "state_after" not in peer


def test_soft_reset_facts_read_is_one_family_only():
    _, transport, _ = soft({"address_family": "vpn-instance", "vpn_instance": "vpna", "selector": "all",
                            "direction": "import"})
    assert transport.sent == [CONFIG, "display bgp vpnv4 vpn-instance vpna peer",
                              "display bgp vpnv4 vpn-instance vpna peer verbose"]


def test_soft_reset_reports_counts_before():
    result, _, _ = soft({"peers": ["10.0.0.2"], "direction": "import"})
    peer = result["peers"][0]
    assert (peer["prefixes_before"], peer["uptime_before"], peer["up_count_before"], peer["refresh_sent_before"]) \
        == (12, 57780, 2, 3)
    result, _, _ = soft({"peers": ["10.0.0.2"], "direction": "export"})
    assert result["peers"][0]["prefixes_before"] == 9     # advertised, for export


@pytest.mark.parametrize("params,needle", [
    ({"groups": ["NOPE"], "direction": "import"}, "peer group NOPE does not exist in the public BGP instance"),
    ({"peers": ["10.9.9.9"], "direction": "import"}, "10.9.9.9 is not a peer of IPv4 unicast"),
    ({"address_family": "vpn-instance", "vpn_instance": "vpnz", "selector": "all", "direction": "import"},
     "VPN instance vpnz has no BGP configuration"),
    ({"address_family": "vpn-instance", "vpn_instance": "vpna", "groups": ["CE-B"], "direction": "import"},
     "peer group CE-B does not exist in VPN instance vpna"),
    ({"groups": ["RR"], "direction": "import"}, "not Established, a soft reset would not reach them: 10.0.0.3 (Active)"),
    ({"selector": "internal", "direction": "export"}, "10.0.0.3 (Active)"),
])
def test_soft_reset_refusals_send_only_displays(params, needle):
    for check_mode in (True, False):
        with pytest.raises(ops.OperationFailed) as info:
            soft(params, check_mode=check_mode)
        assert needle in info.value.message and info.value.step == "pre-check"


def test_soft_reset_import_refused_when_peer_has_neither_path():
    config = fixture("current_configuration_bgp.txt").replace("  peer 198.51.100.9 keep-all-routes\n", "")
    cli, transport = make_cli(**{CONFIG: config})
    with pytest.raises(ops.OperationFailed) as info:
        ops.run_soft_reset(cli, {"selector": "external", "direction": "import"}, check_mode=False)
    msg = info.value.message
    assert "inbound soft reset impossible for 198.51.100.9" in msg and "192.0.2.1" not in msg.split(";")[0]
    for hint in ("bgp_route_refresh", "bgp_keep_all_routes", "bgp_reset"):
        assert hint in msg
    assert non_displays(transport) == []
    assert info.value.result["commands"] == []
    assert {p["address"]: p["path"] for p in info.value.result["peers"]} == \
        {"192.0.2.1": "keep-all-routes", "198.51.100.9": None}
    # the same peer can still be soft reset outbound
    cli, transport = make_cli(**{CONFIG: config})
    result = ops.run_soft_reset(cli, {"peers": ["198.51.100.9"], "direction": "export"}, check_mode=True)
    assert paths(result) == {("ipv4", None, "198.51.100.9"): "export"}


def test_soft_reset_selection_without_peers_sends_nothing():
    result, transport, _ = soft({"address_family": "ipv6", "selector": "internal", "direction": "import"},
                                check_mode=False)
    assert result["changed"] is False and result["commands"] == [] and "reaches no peer" in result["msg"]
    assert non_displays(transport) == []


# --- soft reset: send and verify -----------------------------------------------------------------------

BRIEF = fixture("display_bgp_peer.txt")
BLOCK_2 = verbose_block(fixture("display_bgp_peer_verbose_all.txt"), "10.0.0.2")
SENT_REFRESH_3 = "Refresh messages               3"


def brief_with(prefixes=12, up_down="0016h04m", state="Established"):
    row = "  10.0.0.2        4       65000     1203     1190     0 0016h03m Established       12"
    new = "  10.0.0.2        4       65000     1203     1190     0 %8s %11s %8d" % (up_down, state, prefixes)
    assert row in BRIEF
    return BRIEF.replace(row, new)


def block_with(refresh_sent=4, up_count=2, state=None):
    block = (BLOCK_2.replace(SENT_REFRESH_3, "Refresh messages               %d" % refresh_sent)
             .replace("BGP Peer Up count: 2", "BGP Peer Up count: %d" % up_count))
    if state:
        block = block.replace("BGP current state: Established, Up for 0016h03m", "BGP current state: %s" % state)
    return block


def test_import_refresh_sends_exactly_the_command_and_verifies():
    result, transport, clock = soft(
        {"peers": ["10.0.0.2"], "direction": "import"}, check_mode=False,
        **{"display bgp peer": [BRIEF, brief_with(prefixes=10), brief_with(prefixes=10)],
           "display bgp peer 10.0.0.2 verbose": block_with(refresh_sent=4)})
    assert non_displays(transport) == ["refresh bgp 10.0.0.2 import"]
    assert transport.sent == [CONFIG, "display bgp peer", "display bgp peer verbose", "refresh bgp 10.0.0.2 import",
                              "display bgp peer", "display bgp peer 10.0.0.2 verbose",
                              "display bgp peer"]           # one re-read: the count had moved
    assert result["changed"] is True and result["warnings"] == []
    peer = result["peers"][0]
    # route-refresh negotiated: the documented refresh; the policy check is for the open paths only
    assert peer["policy_effect"]["status"] == "not_checked"
    assert (peer["prefixes_before"], peer["prefixes_after"]) == (12, 10)
    assert (peer["refresh_sent_before"], peer["refresh_sent_after"]) == (3, 4)
    assert (peer["uptime_before"], peer["uptime_after"], peer["state_after"]) == (57780, 57840, "Established")
    assert peer["verified"] is True and peer["problems"] == []
    assert clock.sleeps == [ops.SETTLE_MIN_INTERVAL]


def test_unchanged_first_read_is_confirmed_by_one_more_read_of_the_count_display_only():
    result, transport, clock = soft(
        {"peers": ["10.0.0.2"], "direction": "import"}, check_mode=False,
        **{"display bgp peer 10.0.0.2 verbose": block_with(refresh_sent=4)})
    # facts + first read + one re-read SETTLE_MIN_INTERVAL later; verbose is not read again
    assert transport.sent.count("display bgp peer") == 3 and clock.sleeps == [ops.SETTLE_MIN_INTERVAL]
    assert transport.sent.count("display bgp peer 10.0.0.2 verbose") == 1
    assert result["peers"][0]["prefixes_after"] == 12 and result["warnings"] == []


def test_stale_first_read_equal_to_before_is_not_taken_as_settled():
    # the peer's re-sent routes arrive after the first read: 12 (stale, = before) -> 10 -> 10
    result, transport, clock = soft(
        {"peers": ["10.0.0.2"], "direction": "import"}, check_mode=False,
        **{"display bgp peer": [BRIEF, BRIEF, brief_with(prefixes=10), brief_with(prefixes=10)],
           "display bgp peer 10.0.0.2 verbose": block_with(refresh_sent=4)})
    peer = result["peers"][0]
    assert (peer["prefixes_before"], peer["prefixes_after"]) == (12, 10) and peer["verified"] is True
    assert transport.sent.count("display bgp peer") == 1 + 3
    assert clock.sleeps == [ops.SETTLE_MIN_INTERVAL, 1.0]


def test_export_settling_rereads_only_the_verbose_display():
    block = block_with(refresh_sent=3)
    result, transport, clock = soft(
        {"peers": ["10.0.0.2"], "direction": "export"}, check_mode=False,
        **{"display bgp peer 10.0.0.2 verbose": block})
    assert transport.sent.count("display bgp peer") == 2      # facts + first read; re-reads are verbose only
    assert transport.sent.count("display bgp peer 10.0.0.2 verbose") == 2
    assert result["peers"][0]["verified"] is True and clock.sleeps == [ops.SETTLE_MIN_INTERVAL]


def test_verification_detects_a_session_reset():
    with pytest.raises(ops.OperationFailed) as info:
        soft({"peers": ["10.0.0.2"], "direction": "import"}, check_mode=False,
             **{"display bgp peer": [BRIEF, brief_with(up_down="00:00:05")],
                "display bgp peer 10.0.0.2 verbose": block_with(refresh_sent=4, up_count=3)})
    exc = info.value
    assert exc.step == "verify" and "were sent" in exc.message and "refresh bgp 10.0.0.2 import" in exc.message
    problems = exc.result["peers"][0]["problems"]
    assert "session was re-established (uptime 57780s -> 5s)" in problems
    assert "session was re-established (up count 2 -> 3)" in problems
    assert exc.result["commands"] == ["refresh bgp 10.0.0.2 import"] and exc.result["changed"] is True


def test_verification_detects_refresh_counter_not_moved():
    with pytest.raises(ops.OperationFailed) as info:
        soft({"peers": ["10.0.0.2"], "direction": "import"}, check_mode=False,
             **{"display bgp peer 10.0.0.2 verbose": block_with(refresh_sent=3)})
    assert info.value.result["peers"][0]["problems"] == ["no ROUTE-REFRESH was sent (sent counter 3 -> 3)"]


def test_verification_keep_all_routes_path_needs_no_refresh_counter():
    # 192.0.2.1: keep-all-routes; its counters stay put and that is fine
    block = verbose_block(fixture("display_bgp_peer_verbose_all.txt"), "192.0.2.1")
    result, transport, _ = soft({"peers": ["192.0.2.1"], "direction": "import"}, check_mode=False,
                                **{"display bgp peer 192.0.2.1 verbose": block})
    assert result["peers"][0]["verified"] is True and result["peers"][0]["path"] == "keep-all-routes"


def test_verification_detects_session_down_after():
    with pytest.raises(ops.OperationFailed) as info:
        soft({"peers": ["10.0.0.2"], "direction": "export"}, check_mode=False,
             **{"display bgp peer": [BRIEF, brief_with(state="Active", up_down="00:00:01", prefixes=0)],
                "display bgp peer 10.0.0.2 verbose": block_with(refresh_sent=3, state="Active, Down for 00h00m01s")})
    assert "session is Active after the refresh" in info.value.result["peers"][0]["problems"]


def test_verify_false_sends_and_reads_nothing_more():
    result, transport, _ = soft({"peers": ["10.0.0.2"], "direction": "import", "verify": False}, check_mode=False)
    assert transport.sent[-1] == "refresh bgp 10.0.0.2 import" and "prefixes_after" not in result["peers"][0]


def test_router_refusing_the_refresh_is_reported_with_what_was_sent():
    cli, transport = make_cli(**{"refresh bgp 192.0.2.1 import": "Error: The peer does not exist."})
    with pytest.raises(ops.OperationFailed) as info:
        ops.run_soft_reset(cli, {"peers": ["10.0.0.2", "192.0.2.1"], "direction": "import"})
    assert info.value.step == "refresh" and info.value.result["changed"] is True   # the first one ran
    assert info.value.result["commands"] == ["refresh bgp 10.0.0.2 import", "refresh bgp 192.0.2.1 import"]


def test_settle_counts_polls_while_moving_and_times_out():
    clock = FakeClock()
    reads = iter([{"a": 5}, {"a": 4}, {"a": 4}])
    counts, settled, n = ops.settle_counts(lambda: next(reads), {"a": 7}, clock, clock.sleep, 30)
    assert (counts, settled, n) == ({"a": 4}, True, 3)
    assert clock.sleeps == [0.5, 1.0, 2.0]
    clock = FakeClock()
    moving = iter(range(100))
    counts, settled, n = ops.settle_counts(lambda: {"a": next(moving)}, {"a": -1}, clock, clock.sleep, 5)
    assert settled is False and clock.now - 1000.0 == pytest.approx(5.0)
    assert clock.sleeps == [0.5, 1.0, 2.0, 1.5]          # the last pause is cut to the deadline


def test_settle_counts_first_read_alone_never_settles():
    clock = FakeClock()
    counts, settled, n = ops.settle_counts(lambda: {"a": 9}, {"a": 9}, clock, clock.sleep, 30)
    assert (counts, settled, n) == ({"a": 9}, True, 1) and clock.sleeps == [ops.SETTLE_MIN_INTERVAL]


def test_settle_counts_agreeing_reads_must_be_min_interval_apart():
    # shorter configured pauses are raised to the minimum
    clock = FakeClock()
    counts, settled, n = ops.settle_counts(lambda: {"a": 9}, {"a": 9}, clock, clock.sleep, 30, intervals=(0.1,))
    assert settled is True and clock.sleeps == [ops.SETTLE_MIN_INTERVAL]
    # near the deadline: a re-read that could not come SETTLE_MIN_INTERVAL after the previous one is not made
    clock = FakeClock()
    values = iter([{"a": 1}, {"a": 1}])
    counts, settled, n = ops.settle_counts(lambda: next(values), {"a": 0}, clock, clock.sleep, 0.8)
    # 0.5 s pause -> read 1 (moved); only 0.3 s left: a re-read could not be 0.5 s after it -> not made
    assert (counts, settled, n) == ({"a": 1}, False, 1) and clock.sleeps == [0.5]


def test_settle_counts_timeout_shorter_than_the_minimum_reads_nothing_more():
    clock = FakeClock()
    counts, settled, n = ops.settle_counts(lambda: {"a": 1}, {"a": 1}, clock, clock.sleep, 0.2)
    assert (counts, settled, n) == ({"a": 1}, False, 0) and clock.sleeps == []


def test_unsettled_counts_warn_with_the_last_read():
    moving = [brief_with(prefixes=n) for n in range(20, 60)]
    result, transport, clock = soft(
        {"peers": ["10.0.0.2"], "direction": "import", "verify_timeout": 3}, check_mode=False,
        **{"display bgp peer": [BRIEF] + moving, "display bgp peer 10.0.0.2 verbose": block_with(refresh_sent=4)})
    assert "did not settle within verify_timeout (3s" in result["warnings"][0]
    assert clock.now - 1000.0 == pytest.approx(3.0)
    assert transport.sent.count("display bgp peer") == 1 + 1 + 3    # facts, first read, re-reads at 0.5, 1.5, 3.0


# --- a timeout or dropped session while sending or reading back keeps what is known ---------------------

THREE = {"peers": ["10.0.0.2", "192.0.2.1", "198.51.100.9"], "direction": "import"}
THREE_COMMANDS = ["refresh bgp 10.0.0.2 import", "refresh bgp 192.0.2.1 import", "refresh bgp 198.51.100.9 import"]


def test_timeout_on_a_later_refresh_reports_what_was_sent_and_not_sent():
    cli, transport = make_cli(**{THREE_COMMANDS[1]: VrpTimeout("PE1", "send %r" % THREE_COMMANDS[1],
                                                                "no prompt within 10 s")})
    with pytest.raises(ops.OperationFailed) as info:
        ops.run_soft_reset(cli, THREE)
    exc = info.value
    assert exc.step == "refresh" and exc.result["changed"] is True
    assert exc.result["commands"] == THREE_COMMANDS[:2]           # the one that timed out may have run
    assert exc.result["commands_not_sent"] == THREE_COMMANDS[2:]
    assert "no prompt within 10 s" in exc.message and "whether 'refresh bgp 192.0.2.1 import' ran is unknown" \
        in exc.message
    assert [p["address"] for p in exc.result["peers"]] == ["10.0.0.2", "192.0.2.1", "198.51.100.9"]
    assert exc.result["peers"][0]["prefixes_before"] == 12
    assert non_displays(transport) == THREE_COMMANDS[:2]


def test_session_lost_in_the_view_change_before_a_refresh_does_not_list_it_as_sent():
    # the first refresh leaves the session in a config view (as if); leaving it needs "return", which fails
    lost = VrpConnectionError("PE1", "send 'return'", "connection closed by the router")
    cli, transport = make_cli(**{THREE_COMMANDS[0]: Reply("", "[~PE1]"), "return": lost})
    with pytest.raises(ops.OperationFailed) as info:
        ops.run_soft_reset(cli, THREE)
    exc = info.value
    assert exc.result["changed"] is True and exc.result["commands"] == THREE_COMMANDS[:1]
    assert exc.result["commands_not_sent"] == THREE_COMMANDS[1:]
    assert "return" not in exc.result["commands"] and "unknown" not in exc.message
    res = failure_result("PE1", exc)
    assert res["failed"] is True and res["msg"].startswith("PE1: refresh: send 'return': connection closed")


def test_timeout_on_the_first_refresh_is_changed_because_it_may_have_run():
    cli, _ = make_cli(**{THREE_COMMANDS[0]: VrpTimeout("PE1", "send", "no prompt")})
    with pytest.raises(ops.OperationFailed) as info:
        ops.run_soft_reset(cli, THREE)
    assert info.value.result["changed"] is True and info.value.result["commands"] == THREE_COMMANDS[:1]


def test_timeout_while_verifying_keeps_changed_commands_and_peers():
    cli, _ = make_cli(**{"display bgp peer": [BRIEF, VrpTimeout("PE1", "send 'display bgp peer'", "no prompt")]})
    clock = FakeClock()
    with pytest.raises(ops.OperationFailed) as info:
        ops.run_soft_reset(cli, {"peers": ["10.0.0.2"], "direction": "import", "verify": True,
                                 "verify_timeout": 30}, clock=clock, sleep=clock.sleep)
    exc = info.value
    assert exc.step == "verify" and "reading the sessions back failed" in exc.message
    assert exc.result["changed"] is True and exc.result["commands"] == ["refresh bgp 10.0.0.2 import"]
    assert exc.result["commands_not_sent"] == [] and exc.result["peers"][0]["prefixes_before"] == 12


def test_dropped_session_on_a_later_reset_reports_what_was_sent():
    commands = ["reset bgp 10.0.0.2", "reset bgp 192.0.2.1"]
    question = Reply("", "Warning: The BGP connection(s) will be reset. Continue? [Y/N]:")
    cli, transport = make_cli(**{commands[0]: question,
                                 commands[1]: VrpConnectionError("PE1", "send", "connection closed by the router")})
    with pytest.raises(ops.OperationFailed) as info:
        hard.run_reset(cli, {"peers": ["10.0.0.2", "192.0.2.1"], "wait": True, "wait_timeout": 60})
    exc = info.value
    assert exc.step == "reset" and exc.result["changed"] is True
    assert exc.result["commands"] == commands and exc.result["commands_not_sent"] == []   # no "Y" noise
    assert non_displays(transport) == [commands[0], "Y", commands[1]]


def test_timeout_while_waiting_after_reset_keeps_changed_and_commands():
    cli, _ = make_cli(**{"display bgp peer": [BRIEF, VrpTimeout("PE1", "send 'display bgp peer'", "no prompt")]})
    clock = FakeClock()
    with pytest.raises(ops.OperationFailed) as info:
        hard.run_reset(cli, {"peers": ["192.0.2.1"], "wait": True, "wait_timeout": 60}, clock=clock, sleep=clock.sleep)
    exc = info.value
    assert exc.step == "wait" and exc.result["changed"] is True and exc.result["commands"] == ["reset bgp 192.0.2.1"]
    assert exc.result["peers"][0]["uptime_before"] is not None


def test_bgp_soft_reset_action_maps_a_timeout_mid_send_to_changed_with_commands():
    transport = FakeTransport(replies(**{THREE_COMMANDS[2]: VrpTimeout("PE1", "send", "no prompt")}),
                              host="PE1", strict=True)
    res, _, _ = run_action("bgp_soft_reset", dict(THREE, verify=False), transport=transport)
    assert res["failed"] is True and res["changed"] is True and res["step"] == "refresh"
    assert res["commands"] == THREE_COMMANDS and res["commands_not_sent"] == []
    assert len(res["peers"]) == 3


# --- hard reset ----------------------------------------------------------------------------------------

def reset_plan(params, **overrides):
    cli, transport = make_cli(**overrides)
    args = dict(address_family="ipv4", wait=True, wait_timeout=60, slow_peer=False)
    args.update(params)
    result = hard.run_reset(cli, args, check_mode=True)
    assert non_displays(transport) == []
    return result, transport


def affected(result):
    return sorted((p["address_family"], p["vpn_instance"], p["address"], p["selected"]) for p in result["peers"])


@pytest.mark.parametrize("params,commands,expected", [
    ({"as_number": "65000"}, ["reset bgp 65000"],
     [("ipv4", None, "10.0.0.2", True), ("ipv4", None, "10.0.0.3", True), ("vpnv4", None, "10.0.0.2", True)]),
    ({"peers": ["192.0.2.1"]}, ["reset bgp 192.0.2.1"], [("ipv4", None, "192.0.2.1", True)]),
    ({"selector": "all"}, ["reset bgp ipv4 all"],
     [("ipv4", None, a, True) for a in ("10.0.0.2", "10.0.0.3", "192.0.2.1", "198.51.100.9")]
     + [("vpnv4", None, "10.0.0.2", False)]),
    ({"selector": "external"}, ["reset bgp external"],
     [("ipv4", None, "192.0.2.1", True), ("ipv4", None, "198.51.100.9", True), ("ipv6", None, "2001:db8::2", True)]),
    ({"groups": ["RR"]}, ["reset bgp group RR"],    # no family keyword: the group's sessions in every family
     [("ipv4", None, "10.0.0.2", True), ("ipv4", None, "10.0.0.3", True), ("vpnv4", None, "10.0.0.2", True)]),
    ({"address_family": "vpnv4", "peers": ["10.0.0.2"]}, ["reset bgp vpnv4 10.0.0.2"],
     [("ipv4", None, "10.0.0.2", False), ("vpnv4", None, "10.0.0.2", True)]),
    ({"address_family": "ipv6", "as_number": "65030"}, ["reset bgp ipv6 65030"], [("ipv6", None, "2001:db8::2", True)]),
    ({"address_family": "vpn-instance", "vpn_instance": "vpna", "peers": ["172.16.1.2"]},
     ["reset bgp vpn-instance vpna ipv4-family 172.16.1.2"], [("vpn-instance", "vpna", "172.16.1.2", True)]),
    ({"address_family": "vpnv4", "peers": ["10.0.0.2"], "slow_peer": True}, ["reset bgp vpnv4 10.0.0.2 slow-peer"],
     [("vpnv4", None, "10.0.0.2", True)]),
    ({"address_family": "vpnv4", "selector": "all", "slow_peer": True}, ["reset bgp vpnv4 slow-peer"],
     [("vpnv4", None, "10.0.0.2", True)]),
])
def test_reset_plan(params, commands, expected):
    result, transport = reset_plan(params)
    assert result["commands"] == commands and result["changed"] is True
    assert affected(result) == sorted(expected)


def test_reset_facts_read_is_brief_only():
    _, transport = reset_plan({"peers": ["192.0.2.1"]})
    assert transport.sent == [CONFIG, "display bgp peer", "display bgp ipv6 peer", "display bgp vpnv4 all peer"]
    _, transport = reset_plan({"address_family": "vpn-instance", "vpn_instance": "vpna", "selector": "all"})
    assert transport.sent == [CONFIG, "display bgp vpnv4 vpn-instance vpna peer"]


@pytest.mark.parametrize("params,needle", [
    ({"groups": ["NOPE"]}, "peer group NOPE does not exist"),
    ({"peers": ["10.9.9.9"]}, "10.9.9.9 is not a peer of IPv4 unicast"),
    ({"address_family": "vpn-instance", "vpn_instance": "vpnz", "selector": "all"}, "VPN instance vpnz"),
])
def test_reset_unknown_targets_refused(params, needle):
    with pytest.raises(ops.OperationFailed) as info:
        reset_plan(params)
    assert needle in info.value.message


ROW_192 = "  192.0.2.1       4       65010       45       52     0 00:21:07 Established        3"


def brief_192(up_down, state="Established"):
    return BRIEF.replace(ROW_192, "  192.0.2.1       4       65010       45       52     0 %8s %11s        0"
                         % (up_down, state))


def test_reset_answers_question_waits_and_reports_downtime():
    question = Reply("", "Warning: The BGP connection(s) will be reset. Continue? [Y/N]:")
    cli, transport = make_cli(**{
        "reset bgp 192.0.2.1": question,
        "display bgp peer": [BRIEF, brief_192("00:00:00", "Idle"), brief_192("00:00:00", "Connect"),
                             brief_192("00:00:01")],
    })
    clock = FakeClock()
    result = hard.run_reset(cli, {"peers": ["192.0.2.1"], "wait": True, "wait_timeout": 60},
                           clock=clock, sleep=clock.sleep)
    assert non_displays(transport) == ["reset bgp 192.0.2.1", "Y"]
    assert transport.sent[4:] == ["reset bgp 192.0.2.1", "Y", "display bgp peer", "display bgp peer",
                                  "display bgp peer"]
    peer = result["peers"][0]
    assert peer["state_after"] == "Established" and peer["reset"] is True
    # Established at the 2.5 s poll, up 1 s (whole seconds): came up ~1.5 s after the reset
    assert peer["downtime_seconds"] == pytest.approx(1.5)   # seen down at 1.5 s, so not earlier
    assert result["not_recovered"] == [] and result["commands"] == ["reset bgp 192.0.2.1"]
    assert clock.sleeps == [hard.RESET_FIRST_POLL, 1.0, 1.0]


def test_reset_not_recovered_within_timeout():
    cli, transport = make_cli(**{"display bgp peer": [BRIEF, brief_192("00:00:00", "Active")]})
    clock = FakeClock()
    with pytest.raises(ops.OperationFailed) as info:
        hard.run_reset(cli, {"peers": ["192.0.2.1"], "wait": True, "wait_timeout": 4}, clock=clock, sleep=clock.sleep)
    exc = info.value
    assert exc.step == "wait" and "192.0.2.1" in exc.message and "'reset bgp 192.0.2.1' sent" in exc.message
    assert exc.result["not_recovered"] == ["192.0.2.1"]
    assert exc.result["peers"][0]["downtime_seconds"] is None and exc.result["peers"][0]["state_after"] == "Active"
    assert clock.now - 1000.0 == pytest.approx(4.0)
    assert transport.sent.count("display bgp peer") == 1 + 5     # facts + polls at 0.5, 1.5, 2.5, 3.5, 4.0


def test_reset_session_down_before_is_not_waited_for():
    # 10.0.0.3 was Active before: not required, not in not_recovered; 10.0.0.2 comes back
    after = BRIEF.replace("0016h03m Established", "00:00:00 Established")
    cli, transport = make_cli(**{"display bgp peer": [BRIEF, after]})
    clock = FakeClock()
    result = hard.run_reset(cli, {"groups": ["RR"], "wait": True, "wait_timeout": 60}, clock=clock, sleep=clock.sleep)
    assert result["not_recovered"] == []
    states = {(p["address_family"], p["address"]): p["state_after"] for p in result["peers"]}
    assert states == {("ipv4", "10.0.0.2"): "Established", ("ipv4", "10.0.0.3"): "Active",
                      ("vpnv4", "10.0.0.2"): "Established"}
    assert transport.sent.count("display bgp peer") == 2      # one poll: the shared session is polled once
    assert "display bgp vpnv4 all peer" in transport.sent[:4] and transport.sent.count("display bgp vpnv4 all peer") == 1


def test_reset_slow_peer_does_not_wait():
    cli, transport = make_cli()
    clock = FakeClock()
    result = hard.run_reset(cli, {"address_family": "vpnv4", "peers": ["10.0.0.2"], "slow_peer": True,
                                 "wait": True, "wait_timeout": 60}, clock=clock, sleep=clock.sleep)
    assert transport.sent[-1] == "reset bgp vpnv4 10.0.0.2 slow-peer" and clock.sleeps == []
    assert "not_recovered" not in result


def test_wait_detects_session_that_was_not_reset():
    clock = FakeClock()
    started = clock()
    rows = lambda: {(None, "a"): {"state": "Established", "up_down_seconds": int(600 + clock() - started)}}  # noqa
    status, polls = hard.wait_for_sessions(rows, {(None, "a"): {"uptime_before": 600, "required": True}},
                                          started, 60, clock, clock.sleep)
    assert status[(None, "a")]["status"] == "not_reset"
    assert hard.NOT_RESET_GRACE <= clock.now - started < hard.NOT_RESET_GRACE + 1.5


def test_classify_session():
    assert hard.classify_session(500, None, 3) == "down"
    assert hard.classify_session(500, {"state": "Active", "up_down_seconds": 2}, 3) == "down"
    assert hard.classify_session(500, {"state": "Established", "up_down_seconds": 2}, 3) == "recovered"
    assert hard.classify_session(500, {"state": "Established", "up_down_seconds": 503}, 3) == "not_reset"


# --- action plugins: argument handling -------------------------------------------------------------------

class FakeTask:
    def __init__(self, args, check_mode=False):
        self.args, self.check_mode, self.diff, self.async_val = args, check_mode, False, 0
        self.action = "netops.vrp.test"

    def get_name(self):
        return self.action


def run_action(module, args, transport=None, check_mode=False):
    import importlib
    cls = importlib.import_module("ansible_collections.netops.vrp.plugins.action.%s" % module).ActionModule
    conn = mock.MagicMock(transport="netops.vrp.netmiko", _load_name="netops.vrp.netmiko")
    conn.journal_path.return_value = None   # no run journal
    play_context = mock.MagicMock(check_mode=check_mode, diff=False, remote_addr="127.0.0.1")
    action = cls(FakeTask(args, check_mode), conn, play_context, loader=None, templar=None, shared_loader_obj=None)
    transport = transport or FakeTransport(replies(), host="PE1", strict=True)
    created = []

    def factory():
        if action._vrp_cli is None:
            action._vrp_transport, action._vrp_cli = transport, VrpCli(transport)
            created.append(transport)
        return action._vrp_cli

    action._cli_factory = factory
    return action.run(task_vars={"inventory_hostname": "PE1"}), transport, created


@pytest.mark.parametrize("args", [
    {"peers": ["192.0.2.1"]},
    {"peers": ["192.0.2.1"], "allow_service_interruption": False},
    {"as_number": "65010", "allow_service_interruption": "no"},
])
def test_bgp_reset_refused_without_opt_in_before_connecting(args):
    for check_mode in (False, True):
        res, transport, created = run_action("bgp_reset", args, check_mode=check_mode)
        assert res["failed"] and "allow_service_interruption: must be true" in res["msg"]
        assert created == [] and transport.sent == [] and res["commands"] == [] and res["changed"] is False


def test_bgp_reset_action_check_mode_and_failure_mapping():
    res, transport, _ = run_action("bgp_reset", {"peers": ["192.0.2.1"], "allow_service_interruption": True},
                                   check_mode=True)
    assert not res.get("failed") and res["changed"] is True and res["commands"] == ["reset bgp 192.0.2.1"]
    assert non_displays(transport) == []
    res, transport, _ = run_action("bgp_reset", {"groups": ["NOPE"], "allow_service_interruption": True})
    assert res["failed"] and res["msg"].startswith("PE1: pre-check: peer group NOPE") and res["step"] == "pre-check"
    assert res["commands"] == [] and res["changed"] is False


def test_bgp_soft_reset_action_invalid_argument_fails_before_connecting():
    res, transport, created = run_action("bgp_soft_reset", {"peers": ["10.0.0.2; reload"], "direction": "import"})
    assert res["failed"] and "peers" in res["msg"] and created == []
    res, transport, created = run_action("bgp_soft_reset", {"peers": ["10.0.0.2"]})
    assert res["failed"] and "direction" in res["msg"] and created == []


def test_bgp_soft_reset_action_neither_path_fails_with_peers():
    config = fixture("current_configuration_bgp.txt").replace("  peer 198.51.100.9 keep-all-routes\n", "")
    transport = FakeTransport(replies(**{CONFIG: config}), host="PE1", strict=True)
    res, transport, _ = run_action("bgp_soft_reset", {"peers": ["198.51.100.9"], "direction": "import"},
                                   transport=transport)
    assert res["failed"] and res["step"] == "pre-check" and res["commands"] == [] and res["changed"] is False
    assert res["peers"][0]["address"] == "198.51.100.9" and res["peers"][0]["path"] is None
    assert non_displays(transport) == []


def test_bgp_facts_action_query_and_commands():
    res, transport, _ = run_action("bgp_facts", {"gather_subset": ["ipv4"],
                                                 "query": "peers[?keep_all_routes].address"})
    assert not res.get("failed") and res["changed"] is False
    assert res["query_result"] == ["192.0.2.1", "198.51.100.9"]
    assert res["commands"] == [CONFIG, "display bgp peer", "display bgp peer verbose"] == transport.sent
    facts = res["ansible_facts"]["netops_vrp_bgp"]
    assert facts["local_as"] == "65000" and len(facts["peers"]) == 4


def test_bgp_facts_action_bad_query_fails_before_connecting():
    res, _, created = run_action("bgp_facts", {"query": "peers[?"})
    assert res["failed"] and "query: invalid JMESPath expression" in res["msg"] and created == []


def test_bgp_facts_action_without_jmespath(monkeypatch):
    from ansible_collections.netops.vrp.plugins.action import bgp_facts
    monkeypatch.setattr(bgp_facts, "jmespath", None)
    res, _, created = run_action("bgp_facts", {"query": "peers"})
    assert res["failed"] and "needs the Python library jmespath" in res["msg"] and created == []
    res, _, created = run_action("bgp_facts", {"gather_subset": ["ipv4"]})   # no query: not needed
    assert not res.get("failed") and "query_result" not in res


def test_bgp_facts_action_query_runtime_error_is_clear():
    res, _, _ = run_action("bgp_facts", {"gather_subset": ["ipv4"], "query": "abs(local_as)"})
    assert res["failed"] and res["step"] == "query" and "abs(local_as)" in res["msg"]


def _bad_rows():
    from tests.unit.fixtures import bad_inputs
    return [row for row in bad_inputs.BAD_INPUTS if row.module in ("bgp_soft_reset", "bgp_reset", "bgp_facts")]


@pytest.mark.parametrize("row", _bad_rows(), ids=lambda row: row.id)
def test_shared_bad_inputs_fail_naming_the_field_before_connecting(row):
    args = {k: v for k, v in row.args.items() if v is not None}
    res, transport, created = run_action(row.module, args)
    assert res["failed"] and row.field in res["msg"], res["msg"]
    assert created == [] and transport.sent == [] and res["commands"] == []


def test_router_refusing_the_reset_changes_nothing():
    cli, transport = make_cli(**{"reset bgp 192.0.2.1": "Error: The peer does not exist."})
    with pytest.raises(ops.OperationFailed) as info:
        hard.run_reset(cli, {"peers": ["192.0.2.1"], "wait": True, "wait_timeout": 5})
    exc = info.value
    assert exc.step == "reset" and "router refused 'reset bgp 192.0.2.1'" in exc.message
    assert exc.result["changed"] is False and exc.result["commands"] == ["reset bgp 192.0.2.1"]
    assert transport.sent[-1] == "reset bgp 192.0.2.1"     # no wait after a refused command
