"""R7 (Up/Down overflow, ``Up for`` day form) and AS comparison (asdot vs asplain) in the collection.

Sources: ``****h48m`` in the Up/Down column of an NE40E ``display bgp vpnv4 all peer`` capture (hours > 9999)
[fs: "display bgp vpnv4 all peer", BGP health script]; ``Up for 1d13h13m00s`` [NE40E-CR
display-bgp-Vrfflow-peer-verbose(FLOWSPECOM)]; asdot ``65011.21541`` in the Peer AS column [ntc
display_bgp_ipv6_peer.raw]; "x.y" AS numbers [CE-CR reset_bgp.md, as-number parameter].
"""
import pytest

from ansible_collections.netops.vrp.plugins.module_utils import bgp_hard_reset as hard
from ansible_collections.netops.vrp.plugins.module_utils import parsers as p
from ansible_collections.netops.vrp.plugins.module_utils.validate import same_as_number
from ansible_collections.netops.vrp.plugins.plugin_utils.facts_filters import session_reset
from ansible_collections.netops.vrp.plugins.plugin_utils.reset_plan import reset_plan

# recorded row (the capture's peer), in the NE40E brief layout
OVERFLOW_BRIEF = """
 BGP local router ID : 10.137.186.1
 Local AS number : 65089
 Total number of peers : 1                 Peers in established state : 1

  Peer            V          AS  MsgRcvd  MsgSent  OutQ  Up/Down       State  PrefRcv
  10.137.186.9    4       65089  7587751  7587670     0 ****h48m Established        8
"""


def test_overflowed_up_down_parses_as_unknown():
    row = p.parse_peer_brief(OVERFLOW_BRIEF)["peers"][0]
    assert row["up_down"] == "****h48m" and row["up_down_seconds"] is None and row["state"] == "Established"


@pytest.mark.parametrize("text,seconds", [("1d13h13m00s", 37 * 3600 + 13 * 60), ("37h13m00s", 37 * 3600 + 13 * 60)])
def test_up_for_day_and_hour_forms(text, seconds):
    block = p.parse_peer_verbose(" BGP Peer is 10.0.0.2,  remote AS 65000\n Type: IBGP link\n"
                                 " BGP current state: Established, Up for %s\n" % text)
    assert block["uptime_seconds"] == seconds


def test_reset_never_calls_an_overflowed_session_recovered():
    """Regression (R7): ``up_down_seconds`` None was taken as 0 -> "recovered" for a session the reset
    did not touch."""
    row = p.parse_peer_brief(OVERFLOW_BRIEF)["peers"][0]
    assert hard.classify_session(None, row, 3.0) == "not_reset"


def test_wait_for_sessions_reports_overflowed_session_not_reset():
    row = p.parse_peer_brief(OVERFLOW_BRIEF)["peers"][0]
    now = [100.0]

    def clock():
        return now[0]

    def sleep(seconds):
        now[0] += seconds

    status, _ = hard.wait_for_sessions(lambda: {"k": row}, {"k": {"uptime_before": None, "required": True}},
                                      100.0, 30, clock, sleep)
    assert status["k"]["status"] == "not_reset" and status["k"]["uptime_seconds"] is None


def _facts(uptime, remote_as="65089"):
    return {"peers": [{"address": "10.137.186.9", "address_family": "ipv4", "vpn_instance": None,
                       "remote_as": remote_as, "group": None, "type": "internal", "state": "Established",
                       "uptime_seconds": uptime}]}


def test_min_uptime_treats_unknown_uptime_as_old():
    """Regression (R7): bgp_session_reset's min_uptime skipped a >9999 h session as "already reset recently"."""
    plan = reset_plan(_facts(None), [{"peers": ["10.137.186.9"]}], min_uptime=300)
    assert plan["skipped"] == [] and len(plan["resets"]) == 1
    young = reset_plan(_facts(20), [{"peers": ["10.137.186.9"]}], min_uptime=300)
    assert len(young["skipped"]) == 1 and young["resets"] == []


def test_rollout_session_check_unknown_uptime_is_not_a_restart():
    before = {"state": "Established", "uptime_seconds": 5000, "up_count": None}
    assert session_reset(before, {"state": "Established", "uptime_seconds": None, "up_count": None}) is None
    assert session_reset(before, {"state": "Established", "uptime_seconds": 3, "up_count": None})


@pytest.mark.parametrize("a,b,same", [("1.10", "65546", True), ("65546", "1.10", True), (65546, "1.10", True),
                                      ("65011.21541", "4260582437", True), ("1.10", "1.11", False),
                                      ("65000", "65000", True), (None, "65000", False), ("x", "1", False)])
def test_same_as_number(a, b, same):
    assert same_as_number(a, b) is same


def test_reset_plan_matches_asdot_target_against_asplain_peer():
    """Regression: the role's plan compared AS numbers as strings (``1.10`` vs ``65546``)."""
    plan = reset_plan(_facts(5000, remote_as="65546"), [{"as_number": "1.10"}])
    assert plan["problems"] == [] and len(plan["resets"]) == 1
