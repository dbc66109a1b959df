"""bgp_soft_reset with ``targets`` (several scopes and directions in one call) over VrpCli + FakeTransport
with the recorded fixtures: commands in target order, every target planned before anything is sent, ONE
settle for all targets (fake clock), check mode, a target reaching no peer, the ``targets[i].field``
validation and argspec rules; and the rollout plan's module-ready ``soft_reset_targets`` lists.

PE1 of the recorded fixtures (see ``test_bgp_operations.replies``): IPv4 10.0.0.2 (route-refresh),
10.0.0.3 (Active), 192.0.2.1 (keep-all-routes via EBGP-UP), 198.51.100.9 (keep-all-routes, no
route-refresh); VPNv4 10.0.0.2; vpna 172.16.1.2; IPv6 2001:db8::2 (external)."""
import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from fake_transport import FakeTransport
from test_bgp_operations import (  # the recorded-fixture replies and helpers of the soft reset tests
    BRIEF,
    CONFIG,
    FakeClock,
    block_with,
    brief_with,
    fixture,
    make_cli,
    non_displays,
    replies,
    run_action,
    verbose_block,
)

from ansible_collections.netops.vrp.plugins.module_utils import bgp_operations as ops
from ansible_collections.netops.vrp.plugins.module_utils import validate
from ansible_collections.netops.vrp.plugins.module_utils.argspec import ARGSPECS
from ansible_collections.netops.vrp.plugins.module_utils.bgp_facts import gather_bgp_facts
from ansible_collections.netops.vrp.plugins.plugin_utils.rollout import rollout_plan

IPV4_IMPORT = {"address_family": "ipv4", "peers": ["10.0.0.2"], "direction": "import"}
IPV6_EXPORT = {"address_family": "ipv6", "peers": ["2001:db8::2"], "direction": "export"}
VPNV4_EXPORT = {"address_family": "vpnv4", "peers": ["10.0.0.2"], "direction": "export"}
REFRESH_V4 = "refresh bgp 10.0.0.2 import"
REFRESH_V6 = "refresh bgp ipv6 2001:db8::2 export"
REFRESH_VPNV4 = "refresh bgp vpnv4 10.0.0.2 export"
V4_VERBOSE = "display bgp peer 10.0.0.2 verbose"
V6_VERBOSE = "display bgp ipv6 peer 2001:db8::2 verbose"
VPNV4_VERBOSE = "display bgp vpnv4 all peer 10.0.0.2 verbose"
V6_BLOCK = fixture("display_bgp_ipv6_peer_2001_db8__2_verbose.txt")
# the VPNv4 peer's own block (the bulk display goes on with the vpna section)
VPNV4_BLOCK = verbose_block(fixture("display_bgp_vpnv4_all_peer_verbose.txt"), "10.0.0.2").split(
    "  VPN-Instance")[0]


def v4_after(**more):
    """IPv4 10.0.0.2 after an import refresh: ROUTE-REFRESH sent 3 -> 4; its count reads 12 (stale) -> 10 -> 10.
    A new list each time: FakeTransport consumes scripted reply lists."""
    return dict({V4_VERBOSE: block_with(refresh_sent=4),
                 "display bgp peer": [BRIEF, BRIEF, brief_with(prefixes=10), brief_with(prefixes=10)]}, **more)


def run(params, check_mode=False, **overrides):
    cli, transport = make_cli(**overrides)
    clock = FakeClock()
    args = dict(verify=True, verify_timeout=30)
    args.update(params)
    result = ops.run_soft_reset(cli, args, check_mode=check_mode, clock=clock, sleep=clock.sleep)
    return result, transport, clock


def count_reads(transport, after_command):
    """The displays sent after ``after_command`` (the last refresh): the verification's reads."""
    return transport.sent[transport.sent.index(after_command) + 1:]


# --- 1. several targets, one settle ---------------------------------------------------------------------

def test_two_targets_send_in_target_order_and_settle_once():
    result, transport, clock = run({"targets": [IPV4_IMPORT, IPV6_EXPORT]},
                                   **v4_after(**{V6_VERBOSE: V6_BLOCK}))
    assert result["commands"] == [REFRESH_V4, REFRESH_V6] and non_displays(transport) == [REFRESH_V4, REFRESH_V6]
    assert result["batches"] == [[REFRESH_V4], [REFRESH_V6]]
    # each target's pre-read (its family only; the configuration once for both), the refreshes, then the
    # verification
    assert transport.sent[:7] == [CONFIG, "display bgp peer", "display bgp peer verbose",
                                  "display bgp ipv6 peer", "display bgp ipv6 peer verbose",
                                  REFRESH_V4, REFRESH_V6]
    # first read of both targets, then re-reads of only each target's count display (brief for import,
    # verbose for export) -- both targets in every round of the one settle loop
    reread = ["display bgp peer", V6_VERBOSE]
    # no policy check (policy_effect.py): both peers negotiated route-refresh, the documented case
    assert count_reads(transport, REFRESH_V6) == ["display bgp peer", V4_VERBOSE, "display bgp ipv6 peer",
                                                  V6_VERBOSE] + reread + reread
    assert {p["policy_effect"]["status"] for p in result["peers"]} == {"not_checked"}
    # the IPv4 count moves once (12 stale -> 10 -> 10): the same pauses a single target needs
    assert clock.sleeps == [ops.SETTLE_MIN_INTERVAL, 1.0]
    assert result["changed"] is True and result["warnings"] == []
    assert [(p["address_family"], p["address"], p["direction"], p["path"]) for p in result["peers"]] == [
        ("ipv4", "10.0.0.2", "import", "route-refresh"), ("ipv6", "2001:db8::2", "export", "export")]
    v4, v6 = result["peers"]
    assert (v4["prefixes_before"], v4["prefixes_after"], v4["refresh_sent_after"]) == (12, 10, 4)
    assert (v6["prefixes_before"], v6["prefixes_after"]) == (6, 6)      # advertised, for export
    assert all(p["verified"] is True and p["problems"] == [] for p in result["peers"])


def test_the_settle_of_two_targets_costs_what_the_slower_target_alone_costs():
    _, alone, alone_clock = run(IPV4_IMPORT, **v4_after())
    _, both, both_clock = run({"targets": [IPV4_IMPORT, IPV6_EXPORT]}, **v4_after(**{V6_VERBOSE: V6_BLOCK}))
    # one settle loop: same pauses, same number of count re-reads (not one settle per target)
    assert both_clock.sleeps == alone_clock.sleeps
    rereads = len(alone_clock.sleeps)
    assert count_reads(alone, REFRESH_V4).count("display bgp peer") == 1 + rereads
    assert count_reads(both, REFRESH_V6).count("display bgp peer") == 1 + rereads
    assert count_reads(both, REFRESH_V6).count(V6_VERBOSE) == 1 + rereads


def test_the_same_address_in_two_targets_keeps_its_own_count_per_target():
    # counts are keyed by (target, address): IPv4 10.0.0.2 received and VPNv4 10.0.0.2 advertised differ
    result, transport, clock = run({"targets": [IPV4_IMPORT, VPNV4_EXPORT]},
                                   **v4_after(**{VPNV4_VERBOSE: VPNV4_BLOCK}))
    assert non_displays(transport) == [REFRESH_V4, REFRESH_VPNV4]
    assert [(p["address_family"], p["direction"], p["prefixes_before"], p["prefixes_after"])
            for p in result["peers"]] == [("ipv4", "import", 12, 10), ("vpnv4", "export", 3, 3)]
    assert all(p["verified"] for p in result["peers"]) and clock.sleeps == [ops.SETTLE_MIN_INTERVAL, 1.0]


def test_batches_are_per_target_with_the_pause_between_them_and_one_settle_after():
    targets = [{"peers": ["10.0.0.2", "192.0.2.1"], "direction": "import"}, IPV6_EXPORT]
    kar = verbose_block(fixture("display_bgp_peer_verbose_all.txt"), "192.0.2.1")
    result, transport, clock = run(
        {"targets": targets, "batch_size": 5, "batch_pause": 3},
        **v4_after(**{V6_VERBOSE: V6_BLOCK, "display bgp peer 192.0.2.1 verbose": kar}))
    v4 = ["refresh bgp 10.0.0.2 import", "refresh bgp 192.0.2.1 import"]
    assert result["batches"] == [v4, [REFRESH_V6]] and non_displays(transport) == v4 + [REFRESH_V6]
    # the batch pause between the targets' batches, then the one settle
    assert clock.sleeps == [3, ops.SETTLE_MIN_INTERVAL, 1.0]
    assert all(p["verified"] for p in result["peers"])


# --- 2. every target planned before anything is sent ------------------------------------------------------

NEITHER_PATH_CONFIG = fixture("current_configuration_bgp.txt").replace("  peer 198.51.100.9 keep-all-routes\n", "")


@pytest.mark.parametrize("blocked,overrides,needle", [
    ({"peers": ["10.0.0.3"], "direction": "import"}, {},
     "not Established, a soft reset would not reach them: 10.0.0.3 (Active)"),
    ({"peers": ["198.51.100.9"], "direction": "import"}, {CONFIG: NEITHER_PATH_CONFIG},
     "inbound soft reset impossible for 198.51.100.9"),
    ({"address_family": "vpn-instance", "vpn_instance": "vpnz", "selector": "all", "direction": "import"}, {},
     "VPN instance vpnz has no BGP configuration"),
], ids=["not-established", "neither-path", "unknown-vpn-instance"])
def test_a_blocked_second_target_fails_the_call_before_any_refresh(blocked, overrides, needle):
    for check_mode in (False, True):
        cli, transport = make_cli(**overrides)
        clock = FakeClock()
        with pytest.raises(ops.OperationFailed) as info:
            ops.run_soft_reset(cli, {"targets": [IPV6_EXPORT, blocked], "verify": True}, check_mode=check_mode,
                               clock=clock, sleep=clock.sleep)
        exc = info.value
        assert exc.step == "pre-check" and needle in exc.message and exc.result.get("commands", []) == []
        # the first target was read and planned, yet nothing but displays reached the router
        assert "display bgp ipv6 peer verbose" in transport.sent
        assert all(c.startswith("display ") for c in transport.sent) and clock.sleeps == []


def test_the_action_reports_a_blocked_target_unchanged_with_no_commands():
    res, transport, _ = run_action("bgp_soft_reset", {"targets": [IPV4_IMPORT, {"peers": ["10.0.0.3"],
                                                                                "direction": "export"}]})
    assert res["failed"] and res["step"] == "pre-check" and "10.0.0.3 (Active)" in res["msg"]
    assert res["changed"] is False and res["commands"] == [] and non_displays(transport) == []


# --- 3. check mode -------------------------------------------------------------------------------------------

def test_check_mode_with_targets_sends_only_displays_and_returns_every_command():
    targets = [IPV4_IMPORT, IPV6_EXPORT, {"address_family": "vpn-instance", "vpn_instance": "vpna",
                                          "selector": "external", "direction": "import"}]
    result, transport, clock = run({"targets": targets, "batch_size": 1, "batch_pause": 5}, check_mode=True)
    commands = [REFRESH_V4, REFRESH_V6, "refresh bgp vpn-instance vpna ipv4-family external import"]
    assert result["commands"] == commands and result["batches"] == [[c] for c in commands]
    assert result["changed"] is True and non_displays(transport) == [] and clock.sleeps == []
    assert [(p["address"], p["direction"], p["path"]) for p in result["peers"]] == [
        ("10.0.0.2", "import", "route-refresh"), ("2001:db8::2", "export", "export"),
        ("172.16.1.2", "import", "route-refresh")]
    assert all("state_after" not in p and "verified" not in p for p in result["peers"])


def test_check_mode_through_the_action_with_targets():
    res, transport, created = run_action("bgp_soft_reset", {"targets": [IPV4_IMPORT, IPV6_EXPORT]},
                                         check_mode=True)
    assert not res.get("failed") and res["changed"] is True and res["commands"] == [REFRESH_V4, REFRESH_V6]
    assert created and non_displays(transport) == []


# --- 4. a target that reaches no peer -------------------------------------------------------------------------

IPV6_INTERNAL = {"address_family": "ipv6", "selector": "internal", "direction": "import"}   # 2001:db8::2 is external


def test_a_target_reaching_no_peer_is_skipped_and_the_others_are_sent():
    result, transport, _ = run({"targets": [IPV6_INTERNAL, IPV4_IMPORT]}, **v4_after())
    assert result["msg"] == "the selection reaches no peer in IPv6 unicast; nothing sent there"
    assert result["commands"] == [REFRESH_V4] and non_displays(transport) == [REFRESH_V4]
    assert result["batches"] == [[REFRESH_V4]] and result["changed"] is True
    assert [(p["address"], p["verified"]) for p in result["peers"]] == [("10.0.0.2", True)]
    # the empty target's family is not read back after the refresh
    assert "display bgp ipv6 peer" not in count_reads(transport, REFRESH_V4)


def test_targets_all_reaching_no_peer_change_nothing():
    vpna_internal = {"address_family": "vpn-instance", "vpn_instance": "vpna", "selector": "internal",
                     "direction": "export"}
    result, transport, clock = run({"targets": [IPV6_INTERNAL, vpna_internal]})
    assert result["changed"] is False and result["commands"] == [] and result["peers"] == []
    assert result["msg"] == ("the selection reaches no peer in IPv6 unicast, VPN instance vpna; "
                             "nothing sent there")
    assert non_displays(transport) == [] and clock.sleeps == []


# --- 5. validation and the argspec rules -----------------------------------------------------------------------

@pytest.mark.parametrize("targets,field,needle", [
    ([IPV4_IMPORT, {"peers": ["10.0.0.300"], "direction": "import"}], "targets[1].peers", "item 1"),
    ([{"address_family": "ipv4", "peers": ["2001:db8::2"], "direction": "import"}], "targets[0].peers", "item 1"),
    ([{"address_family": "vpn-instance", "selector": "all", "direction": "import"}], "targets[0].vpn_instance",
     "required when address_family is vpn-instance"),
    ([{"peers": ["10.0.0.2"], "direction": "both"}], "targets[0].direction", "import, export"),
    ([{"peers": ["10.0.0.2"]}], "targets[0].direction", "import, export"),
    ([IPV4_IMPORT, {"groups": ["RR"], "selector": "all", "direction": "import"}], "targets[1].selector",
     "mutually exclusive"),
])
def test_validate_params_names_the_target_and_field(targets, field, needle):
    with pytest.raises(validate.ValidationError) as info:
        validate.validate_params("bgp_soft_reset", {"targets": targets})
    assert info.value.field == field and needle in info.value.message
    assert str(info.value).startswith(field + ": ")


def test_validate_params_normalises_each_target():
    out = validate.validate_params("bgp_soft_reset", {"targets": [
        {"address_family": "ipv6", "peers": ["2001:DB8::2", "2001:db8::2"], "direction": "export"},
        {"address_family": "vpn-instance", "vpn_instance": "vpna", "selector": "external", "direction": "import"}]})
    first, second = out["targets"]
    assert first["peers"] == ["2001:db8::2"] and first["direction"] == "export" and first["vpn_instance"] is None
    assert (second["vpn_instance"], second["selector"], second["peers"]) == ("vpna", "external", None)


def test_an_empty_targets_list_is_refused_naming_targets():
    # the argspec lets `targets: []` through (the key is present); validate.py must blame targets, not peers
    res, transport, created = run_action("bgp_soft_reset", {"targets": []})
    assert res["failed"] and created == [] and transport.sent == [] and res["commands"] == []
    assert "targets: must list at least one target" in res["msg"] and "peers:" not in res["msg"], res["msg"]


def _argspec_errors(args):
    spec = ARGSPECS["bgp_soft_reset"]
    rules = dict((k, spec[k]) for k in ("mutually_exclusive", "required_one_of", "required_if") if spec.get(k))
    return ArgumentSpecValidator(spec["argument_spec"], **rules).validate(args).error_messages


@pytest.mark.parametrize("args,needle", [
    ({"targets": [IPV4_IMPORT], "peers": ["10.0.0.2"]}, "mutually exclusive"),
    ({"targets": [IPV4_IMPORT], "direction": "import"}, "mutually exclusive"),
    ({"targets": [IPV4_IMPORT], "address_family": "ipv6"}, "mutually exclusive"),
    ({"targets": [IPV4_IMPORT], "selector": "all"}, "mutually exclusive"),
    ({"peers": ["10.0.0.2"]}, "one of the following is required: direction, targets"),
    ({"direction": "import"}, "one of the following is required: peers, groups, selector, targets"),
    ({"targets": [{"peers": ["10.0.0.2"]}]}, "missing required arguments: direction"),
    ({"targets": [{"direction": "import"}]}, "one of the following is required: peers, groups, selector"),
    ({"targets": [{"address_family": "vpn-instance", "selector": "all", "direction": "import"}]},
     "vpn_instance"),
    ({"targets": [{"peers": ["10.0.0.2"], "groups": ["RR"], "direction": "import"}]}, "mutually exclusive"),
])
def test_argspec_rejects(args, needle):
    errors = _argspec_errors(args)
    assert errors and any(needle in e for e in errors), errors


@pytest.mark.parametrize("args", [
    {"targets": [IPV4_IMPORT, IPV6_EXPORT]},   # the top-level address_family default is no conflict
    {"targets": [{"selector": "external", "direction": "export"}], "batch_size": 2},
    {"peers": ["10.0.0.2"], "direction": "import"},
])
def test_argspec_accepts(args):
    assert _argspec_errors(args) == []


@pytest.mark.parametrize("args,needle", [
    ({"targets": [IPV4_IMPORT], "direction": "import"}, "mutually exclusive"),
    ({"targets": [IPV4_IMPORT, {"peers": ["10.0.0.2; reload"], "direction": "import"}]}, "targets[1].peers"),
    ({"targets": [{"address_family": "vpn-instance", "vpn_instance": "bad name!", "selector": "all",
                   "direction": "import"}]}, "targets[0].vpn_instance"),
])
def test_the_action_refuses_bad_targets_before_connecting(args, needle):
    res, transport, created = run_action("bgp_soft_reset", args)
    assert res["failed"] and needle in res["msg"], res["msg"]
    assert created == [] and transport.sent == [] and res["commands"] == []


# --- 6. the rollout plan's module-ready targets ----------------------------------------------------------------

def recorded_facts(**overrides):
    cli, _ = make_cli(**overrides)
    return gather_bgp_facts(cli, subset=["ipv4", "ipv6", "vpnv4", "vpn-instance"])


def module_form(call):
    """What a plan's soft reset call means as one item of bgp_soft_reset's ``targets``."""
    target = {"address_family": call["address_family"], "direction": call["direction"]}
    if call["vpn_instance"]:
        target["vpn_instance"] = call["vpn_instance"]
    for key in ("peers", "groups", "selector"):
        if call.get(key):
            target[key] = call[key]
    return target


ROLLOUT_TARGETS = [
    {"address_family": "ipv4", "groups": ["EBGP-UP"], "direction": "import"},
    {"address_family": "ipv6", "peers": ["2001:DB8::2"], "direction": "export"},
    {"address_family": "vpn-instance", "vpn_instance": "vpna", "selector": "external", "direction": "import"},
    {"address_family": "vpnv4", "peers": ["10.0.0.2"], "direction": "export"},
]


def test_plan_soft_reset_targets_are_the_soft_resets_in_module_form():
    plan = rollout_plan(recorded_facts(), ROLLOUT_TARGETS)
    assert plan["ok"], plan["problems"]
    assert plan["soft_reset_targets"] == [module_form(c) for c in plan["soft_resets"]]
    assert plan["soft_reset_targets"] == [
        {"address_family": "ipv4", "direction": "import", "groups": ["EBGP-UP"]},
        {"address_family": "ipv6", "direction": "export", "peers": ["2001:db8::2"]},
        {"address_family": "vpn-instance", "vpn_instance": "vpna", "direction": "import", "selector": "external"},
        {"address_family": "vpnv4", "direction": "export", "peers": ["10.0.0.2"]},
    ]
    # nothing needs preparing: a check-mode run soft resets the same targets
    assert plan["soft_reset_targets_check"] == plan["soft_reset_targets"]


def test_plan_targets_are_accepted_by_the_module_and_plan_the_same_commands():
    plan = rollout_plan(recorded_facts(), ROLLOUT_TARGETS)
    args = {"targets": plan["soft_reset_targets"]}
    assert _argspec_errors(args) == []
    res, transport, _ = run_action("bgp_soft_reset", args, check_mode=True)
    assert not res.get("failed"), res.get("msg")
    assert res["commands"] == ["refresh bgp group EBGP-UP import", REFRESH_V6,
                               "refresh bgp vpn-instance vpna ipv4-family external import", REFRESH_VPNV4]
    assert [(p["address_family"], p["address"], p["path"]) for p in res["peers"]] == [
        (e["address_family"], e["address"], e["path"]) for e in plan["peers"]]
    assert non_displays(transport) == []


# 198.51.100.9 without keep-all-routes and without the local `undo ... route-refresh`: Established, the
# capability not negotiated (its verbose block lists no route refresh support) -> keep-all-routes first
NO_PATH_FACTS_CONFIG = NEITHER_PATH_CONFIG.replace(" undo peer 198.51.100.9 capability-advertise route-refresh\n", "")


def test_plan_check_targets_are_the_real_ones_naming_the_peers_that_need_preparation():
    facts = recorded_facts(**{CONFIG: NO_PATH_FACTS_CONFIG})
    targets = [
        {"address_family": "ipv4", "selector": "external", "direction": "import"},   # 192.0.2.1 ready + 198.51.100.9
        {"address_family": "ipv4", "peers": ["198.51.100.9"], "direction": "import", "name": "only-kar"},
        IPV6_EXPORT,
    ]
    plan = rollout_plan(facts, targets, allow_keep_all_routes=True)
    assert plan["ok"], plan["problems"]
    assert [k["peers"] for k in plan["keep_all_routes"]] == [["198.51.100.9"]]
    assert [(c["after_preparation"], c.get("keep_all_routes_first")) for c in plan["soft_resets"]] == [
        (True, ["198.51.100.9"]), (True, ["198.51.100.9"]), (False, None)]
    assert plan["soft_reset_targets"] == [
        {"address_family": "ipv4", "direction": "import", "selector": "external"},
        {"address_family": "ipv4", "direction": "import", "peers": ["198.51.100.9"]},
        {"address_family": "ipv6", "direction": "export", "peers": ["2001:db8::2"]},
    ]
    # check mode enables no keep-all-routes: the same targets, naming the peer the preparation would enable it on
    assert plan["soft_reset_targets_check"] == [
        {"address_family": "ipv4", "direction": "import", "selector": "external",
         "check_mode_keep_all_routes": ["198.51.100.9"]},
        {"address_family": "ipv4", "direction": "import", "peers": ["198.51.100.9"],
         "check_mode_keep_all_routes": ["198.51.100.9"]},
        {"address_family": "ipv6", "direction": "export", "peers": ["2001:db8::2"]},
    ]
    # on the unprepared router the module plans the real run's commands, sending only displays
    unprepared = FakeTransport(replies(**{CONFIG: NO_PATH_FACTS_CONFIG}), host="PE1", strict=True)
    res, transport, _ = run_action("bgp_soft_reset", {"targets": plan["soft_reset_targets_check"]},
                                   transport=unprepared, check_mode=True)
    assert not res.get("failed"), res.get("msg")
    assert res["commands"] == ["refresh bgp external import", "refresh bgp 198.51.100.9 import", REFRESH_V6]
    assert [(p["address"], p["path"]) for p in res["peers"] if p["address_family"] == "ipv4"] == [
        ("192.0.2.1", "keep-all-routes"), ("198.51.100.9", "keep-all-routes"), ("198.51.100.9", "keep-all-routes")]
    assert non_displays(transport) == []
    # outside check mode the option changes nothing: the unprepared peer still has no path
    unprepared = FakeTransport(replies(**{CONFIG: NO_PATH_FACTS_CONFIG}), host="PE1", strict=True)
    res, transport, _ = run_action("bgp_soft_reset", {"targets": plan["soft_reset_targets_check"]},
                                   transport=unprepared)
    assert res.get("failed") and "198.51.100.9" in res["msg"] and non_displays(transport) == []


def test_plan_with_every_target_needing_preparation_checks_the_same_target():
    facts = recorded_facts(**{CONFIG: NO_PATH_FACTS_CONFIG})
    plan = rollout_plan(facts, [{"peers": ["198.51.100.9"], "direction": "import"}], allow_keep_all_routes=True)
    assert plan["ok"] and plan["soft_reset_targets"] == [
        {"address_family": "ipv4", "direction": "import", "peers": ["198.51.100.9"]}]
    assert plan["soft_reset_targets_check"] == [
        {"address_family": "ipv4", "direction": "import", "peers": ["198.51.100.9"],
         "check_mode_keep_all_routes": ["198.51.100.9"]}]


def test_targets_in_the_same_family_share_one_read_of_the_router():
    # 10.0.0.2 import and 192.0.2.1 export, both IPv4: one configuration + brief + verbose read before
    export_v4 = {"address_family": "ipv4", "peers": ["192.0.2.1"], "direction": "export"}
    result, transport, _clock = run({"targets": [IPV4_IMPORT, export_v4]}, check_mode=True)
    assert result["commands"] == [REFRESH_V4, "refresh bgp 192.0.2.1 export"]
    assert transport.sent.count(CONFIG) == 1 and transport.sent.count("display bgp peer") == 1
    assert non_displays(transport) == []


def test_targets_in_the_same_family_read_the_sessions_once_per_round():
    # import 10.0.0.2 (count in the brief table) and export 192.0.2.1 (count in its verbose block), both IPv4:
    # each read after the refresh sends the family's brief table once, not once per target
    export_v4 = {"address_family": "ipv4", "peers": ["192.0.2.1"], "direction": "export"}
    block = verbose_block(fixture("display_bgp_peer_verbose_all.txt"), "192.0.2.1")
    result, transport, clock = run({"targets": [IPV4_IMPORT, export_v4]},
                                   **v4_after(**{"display bgp peer 192.0.2.1 verbose": block}))
    reads = count_reads(transport, "refresh bgp 192.0.2.1 export")
    assert clock.sleeps == [ops.SETTLE_MIN_INTERVAL, 1.0]
    assert reads.count("display bgp peer") == 3                 # the first read and two settle rounds
    assert reads.count("display bgp peer 192.0.2.1 verbose") == 3
    assert all(p["verified"] for p in result["peers"])


def test_two_import_targets_in_one_family_share_each_settle_round():
    # both counts are in the IPv4 brief table: every round of the settle sends it once
    import_b = {"address_family": "ipv4", "peers": ["192.0.2.1"], "direction": "import"}
    block = verbose_block(fixture("display_bgp_peer_verbose_all.txt"), "192.0.2.1")
    result, transport, clock = run({"targets": [IPV4_IMPORT, import_b]},
                                   **v4_after(**{"display bgp peer 192.0.2.1 verbose": block}))
    reads = count_reads(transport, "refresh bgp 192.0.2.1 import")
    assert clock.sleeps == [ops.SETTLE_MIN_INTERVAL, 1.0]
    assert reads.count("display bgp peer") == 3                 # the first read and two settle rounds
    assert all(p["verified"] for p in result["peers"])
