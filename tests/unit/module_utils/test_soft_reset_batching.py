"""bgp_soft_reset throttling (batch_size / batch_pause) over VrpCli + FakeTransport: how commands are split
into batches, the order they reach the router, the pauses between batches (fake clock), one pre-read and one
verification for all batches, check mode, a failure in a later batch, bad values refused before connecting;
and the rollout plan's one call per target.

PE1 of the recorded fixtures has three Established IPv4 peers: 10.0.0.2, 192.0.2.1, 198.51.100.9."""
import pytest
from test_bgp_operations import (  # the recorded-fixture replies and helpers of the soft reset tests
    CONFIG,
    FakeClock,
    fixture,
    make_cli,
    non_displays,
    run_action,
    verbose_block,
)

from ansible_collections.netops.vrp.plugins.module_utils import bgp_operations as ops
from ansible_collections.netops.vrp.plugins.module_utils.transport import VrpTimeout
from ansible_collections.netops.vrp.plugins.plugin_utils.rollout import rollout_plan

BULK = fixture("display_bgp_peer_verbose_all.txt")
PEERS = ["10.0.0.2", "192.0.2.1", "198.51.100.9"]
REFRESH = ["refresh bgp %s export" % p for p in PEERS]
# per-peer verbose reads after the refresh (3 peers: at most PER_PEER_VERBOSE_MAX, so one display each)
PER_PEER = {"display bgp peer %s verbose" % p: verbose_block(BULK, p) for p in PEERS}


@pytest.mark.parametrize("reach,size,expected", [
    ([1, 1, 1, 1, 1], 2, [["c0", "c1"], ["c2", "c3"], ["c4"]]),
    ([1, 1, 1], None, [["c0", "c1", "c2"]]),                 # no batch_size: everything at once
    ([1, 1, 1], 5, [["c0", "c1", "c2"]]),
    ([1, 4, 1, 1], 2, [["c0"], ["c1"], ["c2", "c3"]]),       # a group reaching more peers is its own batch
    ([2, 1, 2], 3, [["c0", "c1"], ["c2"]]),                   # groups count the peers they reach
    ([], 2, []),
])
def test_batch_commands_splits_by_peers_reached(reach, size, expected):
    commands = ["c%d" % i for i in range(len(reach))]
    assert ops.batch_commands(commands, reach, size) == expected


class RecordingClock(FakeClock):
    """FakeClock that also records how many commands had been sent when each pause started."""

    def __init__(self, transport):
        super(RecordingClock, self).__init__()
        self.transport = transport
        self.sent_at_sleep = []

    def sleep(self, seconds):
        self.sent_at_sleep.append((seconds, list(non_displays(self.transport))))
        super(RecordingClock, self).sleep(seconds)


def run(params, check_mode=False, **overrides):
    replies = dict(PER_PEER)
    replies.update(overrides)
    cli, transport = make_cli(**replies)
    clock = RecordingClock(transport)
    args = dict(address_family="ipv4", peers=PEERS, direction="export", verify=True, verify_timeout=30)
    args.update(params)
    result = ops.run_soft_reset(cli, args, check_mode=check_mode, clock=clock, sleep=clock.sleep)
    return result, transport, clock


def test_batches_are_sent_in_order_with_a_pause_between_and_one_read_before_and_after():
    result, transport, clock = run({"batch_size": 2, "batch_pause": 3})
    assert result["batches"] == [REFRESH[:2], REFRESH[2:]] and result["commands"] == REFRESH
    # one pre-read, the three refreshes (batches back to back but for the pause), one verification
    assert transport.sent[:6] == [CONFIG, "display bgp peer", "display bgp peer verbose"] + REFRESH
    assert transport.sent[6:10] == ["display bgp peer"] + ["display bgp peer %s verbose" % p for p in PEERS]
    assert transport.sent.count(CONFIG) == 1 and transport.sent.count("display bgp peer verbose") == 1
    # the batch pause comes after the first batch only; then the settle pause(s) of the one verification
    assert clock.sent_at_sleep[0] == (3, REFRESH[:2])
    assert [s for s, _ in clock.sent_at_sleep[1:]] == [ops.SETTLE_MIN_INTERVAL]
    assert all(p["verified"] for p in result["peers"]) and result["changed"] is True


def test_batch_size_one_pauses_before_every_command_but_the_first():
    result, transport, clock = run({"batch_size": 1, "batch_pause": 2})
    assert result["batches"] == [[c] for c in REFRESH]
    assert [(s, sent) for s, sent in clock.sent_at_sleep if s == 2] == [(2, REFRESH[:1]), (2, REFRESH[:2])]
    assert non_displays(transport) == REFRESH


def test_no_batch_size_sends_everything_at_once_without_pausing():
    result, transport, clock = run({"batch_pause": 5})
    assert result["batches"] == [REFRESH] and non_displays(transport) == REFRESH
    assert 5 not in [s for s, _ in clock.sent_at_sleep]


def test_check_mode_plans_the_batches_sends_only_displays_and_never_pauses():
    result, transport, clock = run({"batch_size": 2, "batch_pause": 3}, check_mode=True)
    assert result["batches"] == [REFRESH[:2], REFRESH[2:]] and result["changed"] is True
    assert non_displays(transport) == [] and clock.sleeps == []


def test_failure_in_a_later_batch_reports_the_earlier_batches_as_sent():
    with pytest.raises(ops.OperationFailed) as info:
        run({"batch_size": 1, "batch_pause": 1}, **{REFRESH[1]: VrpTimeout("PE1", "send", "no prompt within 10 s")})
    exc = info.value
    assert exc.step == "refresh" and exc.result["changed"] is True
    assert exc.result["commands"] == REFRESH[:2] and exc.result["commands_not_sent"] == REFRESH[2:]


@pytest.mark.parametrize("args,needle", [
    ({"batch_size": 0}, "batch_size"),
    ({"batch_size": 1001}, "batch_size"),
    ({"batch_pause": -1}, "batch_pause"),
])
def test_bad_batch_values_refused_before_connecting(args, needle):
    res, transport, created = run_action("bgp_soft_reset", dict(args, peers=["10.0.0.2"], direction="export"))
    assert res["failed"] and needle in res["msg"]
    assert created == [] and transport.sent == []


# --- the rollout plan: one bgp_soft_reset call per target, the throttling left to the module -------------

def _peer(address, group="UP", route_refresh=True, keep_all_routes=False):
    return {"address": address, "address_family": "ipv4", "vpn_instance": None, "group": group,
            "type": "external", "state": "Established", "keep_all_routes": keep_all_routes,
            "route_refresh": {"negotiated": route_refresh}, "prefixes_received": 1}


def _plan(peers, target, batch_size, **kwargs):
    return rollout_plan({"peers": peers}, [dict(target, address_family="ipv4")], batch_size=batch_size,
                            **kwargs)


def test_rollout_plan_makes_one_call_per_target_whatever_the_batch_size():
    peers = [_peer("192.0.2.%d" % i) for i in range(1, 8)]
    big = _plan(peers, {"groups": ["UP"], "direction": "import"}, batch_size=5)
    assert big["ok"] and len(big["soft_resets"]) == 1
    call = big["soft_resets"][0]
    assert call["peers"] == [p["address"] for p in peers] and "groups" not in call   # per peer, never `all`
    assert call["after_preparation"] is False and "check_mode_peers" not in call
    fits = _plan(peers, {"groups": ["UP"], "direction": "import"}, batch_size=10)
    assert [(c.get("groups"), c.get("peers")) for c in fits["soft_resets"]] == [(["UP"], None)]


def test_rollout_plan_names_the_peers_a_check_mode_run_plans_with_keep_all_routes():
    peers = [_peer("192.0.2.1"), _peer("192.0.2.2", route_refresh=False)]
    plan = _plan(peers, {"groups": ["UP"], "direction": "import"}, batch_size=5, allow_keep_all_routes=True)
    assert plan["ok"] and [k["peers"] for k in plan["keep_all_routes"]] == [["192.0.2.2"]]
    call, = plan["soft_resets"]
    assert call["groups"] == ["UP"] and call["after_preparation"] is True
    # 192.0.2.2 relies on keep-all-routes, which check mode does not enable: the check plans it as enabled
    assert call["keep_all_routes_first"] == ["192.0.2.2"] and "check_mode_peers" not in call
    assert plan["soft_reset_targets_check"] == [
        {"address_family": "ipv4", "direction": "import", "groups": ["UP"], "check_mode_keep_all_routes": ["192.0.2.2"]}]
