"""Issue 16 item 7: keep-all-routes enabled by a rollout that then fails stays enabled, and the report says so.

The role enables keep-all-routes in its own commit before the trial (a commit during the trial would confirm
it), so aborting the trial does not remove it. The role does not remove it either: the vendor text is silent on
whether `undo peer X keep-all-routes` re-establishes a session without route-refresh (vrpsim reading
``keep_all_routes_undo``), and the next rollout would enable it again (reading ``keep_all_routes_reenable``).
Kept, it changes no route: the import policy still decides what is accepted (docs/reliability.md).
"""
import pytest
from fault_lab import (
    PEERS,
    fault_topology,
    has_line,
    policy,
    reports,
    run_rollout,
    sessions,
    trial_pending,
    wait_converged,
)
from test_fault_role import KAR_TARGETS

from ansible_collections.netops.vrp.plugins.filter.vrp_rollout_report import vrp_rollout_summary


@pytest.mark.parametrize("undo_reading", ["no_reset", "reset"])
def test_failed_rollout_reports_the_keep_all_routes_it_leaves(make_lab, tmp_path, undo_reading):
    topology = fault_topology()
    topology["defaults"]["readings"] = {"keep_all_routes_undo": undo_reading}
    lab = make_lab(topology)
    wait_converged(lab)
    lab.fault("drop", "PE1", when="before", match=r"^commit trial")
    res = run_rollout(lab, tmp_path / "play", **KAR_TARGETS)
    assert res.failed_hosts == {"PE1"}, res.summary()
    lab.clear_faults()
    got = reports(res)
    for router in ("PE1", "PE2"):
        ce_no_rr = PEERS[router]["ce_no_rr"]
        assert got[router]["keep_all_routes_left"] == [
            {"address": ce_no_rr, "address_family": "ipv4", "vpn_instance": None}], got[router]
        assert has_line(lab, router, "peer %s keep-all-routes" % ce_no_rr)
        # re-established once, by the enable; nothing after it touched the session (under either undo reading)
        assert {a: s["up_count"] for a, s in sessions(lab, router).items()} == {
            PEERS[router]["ce"]: 1, ce_no_rr: 2, "10.0.0.2" if router == "PE1" else "10.0.0.1": 1}
    assert got["PE1"]["status"] == "failed" and policy(lab, "PE1") == "old" and not trial_pending(lab, "PE1")
    assert got["PE2"]["status"] == "confirmed" and policy(lab, "PE2") == "new"
    assert "keep-all-routes left enabled for %s (ipv4)" % PEERS["PE1"]["ce_no_rr"] in res.stdout   # the printed summary
    assert "left enabled for %s" % PEERS["PE2"]["ce_no_rr"] not in res.stdout
    assert vrp_rollout_summary(got["PE1"])[-1] == (
        "  keep-all-routes left enabled for %s (ipv4): committed before the trial, so not rolled back (removing it "
        "may re-establish the session; docs/reliability.md)" % PEERS["PE1"]["ce_no_rr"])
