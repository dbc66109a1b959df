"""Fault matrix, the bgp_policy_rollout role: one table row per fault (issue 9).

The role runs on PE1 and PE2 in one play (no serial, so both work at the same time) with the fault on
PE1. Each row states PE1's expected report status, which policy PE1 is left on (``old`` = the rollout's
promise to restore it, ``new`` = confirmed) and the routes it then accepts from its CE; every row also
checks that no trial is left pending (except where the fault closed the session that owns the trial: VRP lets
only that session end it [NE40E-CG Configuration_Precautions_for_Configuration_Management], so the rescue's abort
fails saying so and the router's timer rolls it back later), that PE2 completed (``confirmed``, new policy, narrowed routes),
and that the printed summary says which router is in which state. The table is in docs/reliability.md.
"""
import collections

import pytest
from fault_lab import (
    NARROWED_AWAY,
    NEW_LINE,
    PEERS,
    accepted_routes,
    fault_topology,
    policy,
    reports,
    run_rollout,
    trial_pending,
    wait_converged,
)
from harness import commands_sent

OLD_ROUTES = ["10.20.0.0/16", NARROWED_AWAY]
NEW_ROUTES = ["10.20.0.0/16"]

RoleRow = collections.namedtuple("RoleRow", "fault inject status says policy aborted overrides trial_left",
                                 defaults=(False,))
# inject: list of lab.fault kwargs for PE1, or "unreachable"; says: words in PE1's report message
# trial_left: the fault closed the session that owns the trial; the rescue's abort (a new session) is refused
KAR_TARGETS = {   # import from the CEs without route-refresh: keep-all-routes first (re-establishes them)
    "bgp_policy_rollout_targets": [
        {"name": "CE2 import", "routers": [router], "address_family": "ipv4",
         "peers": [PEERS[router]["ce_no_rr"]], "direction": "import"} for router in ("PE1", "PE2")],
    "bgp_policy_rollout_allow_keep_all_routes": True,
    "bgp_policy_rollout_establish_timeout": 4,
}
TIMEOUT = {"netops_vrp_command_timeout": 2}
PE1_NO_LOSS = {   # PE1's target may lose no prefix: the narrowing (one prefix less) fails its verification
    "bgp_policy_rollout_targets": [
        dict({"name": "CE import", "routers": [router], "address_family": "ipv4", "peers": [PEERS[router]["ce"]],
              "direction": "import"}, **({"max_prefix_loss": 0} if router == "PE1" else {}))
        for router in ("PE1", "PE2")],
}

ROLE_MATRIX = [
    # the trial commit never ran: nothing to abort, the router stays on the old policy
    RoleRow("drop before commit trial", [dict(kind="drop", when="before", match=r"^commit trial")], "failed",
            ("commit", "unknown"), "old", False, {}),
    # the trial ran but the session that owns it was lost: the rescue's abort (new session) is refused, the
    # trial stays on the new policy until the router's timer rolls it back; the report says so
    RoleRow("drop during commit trial", [dict(kind="drop", when="during", match=r"^commit trial")], "trial_pending",
            ("commit", "unknown"), "new", False, {}, True),
    RoleRow("drop before confirm", [dict(kind="drop", when="before", match=r"^commit$")], "trial_pending",
            ("confirm trial", "unknown"), "new", False, {}, True),
    RoleRow("drop during soft reset", [dict(kind="drop", when="during", match=r"^refresh bgp")], "trial_pending",
            ("refresh bgp",), "new", False, {}, True),
    # issue 16 item 1: the soft reset's session is lost, then the abort's; the retry over a fresh login cannot
    # end the lost session's trial either
    RoleRow("drop during soft reset, then before abort", [dict(kind="drop", when="during", match=r"^refresh bgp"),
                                                          dict(kind="drop", when="before", match=r"^abort trial")],
            "trial_pending", ("refresh bgp",), "new", False, {}, True),
    # the verification fails (PE1's target allows no prefix loss): aborted, soft reset again under the old policy
    RoleRow("verification failed", [], "rolled_back", ("prefix",), "old", True, PE1_NO_LOSS),
    # the session is lost at the abort's question, before its answer: the trial stays, owned by the lost session
    RoleRow("drop during abort (at its question)", [dict(kind="drop", when="during", match=r"^abort trial")],
            "trial_pending", ("prefix",), "new", False, PE1_NO_LOSS, True),
    # the abort ran on the router but the reply to its answer was lost: the retry logs in again and finds no
    # trial; the read-back (no trial, old policy) lets the restore soft reset run
    RoleRow("drop during abort (after its answer)", [dict(kind="drop", when="during", match=r"^Y$")],
            "rolled_back", ("prefix",), "old", False, PE1_NO_LOSS),
    RoleRow("commit rejected", [dict(kind="reject_commit")], "failed", ("Failed to commit",), "old", False, {}),
    # the soft reset reply is late (once): the keeper abandons that session, so as above
    RoleRow("slow reply (soft reset)", [dict(kind="delay", match=r"^refresh bgp", seconds=4, count=1)],
            "trial_pending", ("no prompt within",), "new", False, {"extra": TIMEOUT}, True),
    # keep-all-routes re-establishes CE2, which never comes back: stopped before the trial
    RoleRow("peer stuck after keep-all-routes", [dict(kind="peer_stuck", peer=PEERS["PE1"]["ce_no_rr"])],
            "failed", ("did not return to Established",), "old", False, KAR_TARGETS),
    RoleRow("authentication failure", [dict(kind="auth_fail")], "precheck_failed", ("PE1: login",), "old", False,
            {}),
    RoleRow("unreachable router", "unreachable", "precheck_failed", ("PE1: login", "cannot reach"), "old", False,
            {}),
]


def _inventory_with_pe1_unreachable(lab, tmp_path):
    from test_fault_modules import _inventory_with_pe1_unreachable as make
    return make(lab, tmp_path)


@pytest.mark.parametrize("row", ROLE_MATRIX, ids=lambda r: r.fault.replace(" ", "_"))
def test_fault_rollout_row(row, make_lab, tmp_path):
    lab = make_lab(fault_topology())
    wait_converged(lab)
    inventory = None
    if row.inject == "unreachable":
        inventory = _inventory_with_pe1_unreachable(lab, tmp_path)
    else:
        for fault in row.inject:
            lab.fault(router="PE1", **fault)
    overrides = {k: v for k, v in row.overrides.items() if k != "extra"}
    res = run_rollout(lab, tmp_path / "play", extra=row.overrides.get("extra"), inventory=inventory,
                      **overrides)
    assert not res.ok, res.summary()
    assert res.failed_hosts == {"PE1"}, res.summary()
    lab.clear_faults()

    got = reports(res)
    pe1, pe2 = got["PE1"], got["PE2"]
    assert pe1["status"] == row.status, pe1
    for word in row.says:
        assert word in pe1["message"], pe1["message"]
    assert pe1["rollback"]["aborted"] is row.aborted, pe1
    # all or nothing on PE1: the promised policy, its routes, no trial and no candidate left behind -- or, when
    # the trial's session is gone, the trial still pending and the report saying why the abort could not end it
    assert policy(lab, "PE1") == row.policy
    assert trial_pending(lab, "PE1") is row.trial_left
    if row.trial_left:
        failures = pe1["rollback"]["restore_failures"]
        assert len(failures) == 1 and "did not end the trial commit pending on PE1" in failures[0], pe1
        assert "seconds left before its timer rolls it back" in failures[0]
        assert "RESTORE FAILED: PE1: abort trial:" in res.stdout
        # read back from the router: the trial and the new policy, with the seconds left and what to do
        state = pe1["router_state"]
        assert (state["trial"], state["policy"]) == ("pending", "new") and 0 < state["seconds_left"] <= 600, state
        assert "bgp_rollout_recover.yml" in pe1["operator_action"] and "abort trial session <id>" in pe1[
            "operator_action"], pe1["operator_action"]
        assert "OPERATOR ACTION: PE1 still runs the trial commit" in res.stdout
    else:
        assert pe1["rollback"]["restore_failures"] == [], pe1
        assert pe1["operator_action"] == "", pe1
        if row.inject == "unreachable" or row.status == "precheck_failed" or row.inject and row.inject[0][
                "kind"] == "peer_stuck":
            assert pe1["router_state"] is None, pe1   # no trial commit was attempted: nothing to read back
        else:
            assert pe1["router_state"] == {"trial": "none", "policy": "old", "seconds_left": 0}, pe1
    if row.inject != "unreachable" and (not row.inject or row.inject[0]["kind"] != "peer_stuck") and not row.trial_left:
        assert accepted_routes(lab, "PE1") == OLD_ROUTES
    if row.status == "rolled_back":   # restored: abort, then the targets soft reset again under the old policy
        sent = commands_sent(lab, "PE1", since=res)
        assert sent.index("abort trial") < len(sent) - 1 - sent[::-1].index(
            "refresh bgp %s import" % PEERS["PE1"]["ce"]), sent
    if row.status == "precheck_failed":
        assert commands_sent(lab, "PE1", since=res) == []

    # the other router finished on the new policy, and the summary says who is where
    assert pe2["status"] == "confirmed", pe2
    assert policy(lab, "PE2") == "new" and not trial_pending(lab, "PE2")
    if "bgp_policy_rollout_targets" not in row.overrides:
        assert accepted_routes(lab, "PE2") == NEW_ROUTES
    assert "PE1: %s" % row.status.upper() in res.stdout and "PE2: CONFIRMED" in res.stdout
    assert NEW_LINE in pe2["config_updates"]


def test_lost_confirm_reply_is_reported_confirmed_from_the_read_back(make_lab, tmp_path):
    """Issue 16 item 12: the confirm ran on the router but its reply was lost. The role used to report PE1 failed;
    the read-back (no trial, the new policy) shows it confirmed, so PE1 is reported confirmed and not failed."""
    lab = make_lab(fault_topology())
    wait_converged(lab)
    lab.fault(router="PE1", kind="drop", when="during", match=r"^commit$")
    res = run_rollout(lab, tmp_path / "play")
    assert res.ok, res.summary()
    pe1 = reports(res)["PE1"]
    assert pe1["status"] == "confirmed", pe1
    assert pe1["router_state"] == {"trial": "none", "policy": "new", "seconds_left": 0}, pe1
    assert "confirm trial" in pe1["message"] and pe1["operator_action"] == "", pe1
    assert policy(lab, "PE1") == "new" and not trial_pending(lab, "PE1")
    assert accepted_routes(lab, "PE1") == NEW_ROUTES
    assert "PE1: CONFIRMED" in res.stdout
