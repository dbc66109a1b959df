"""BGP modules under each reading of the open vendor questions (vrpsim/platform.py READINGS), over real SSH
with ansible-playbook. Sources are in the docstrings; vrp-fidelity.md "Open items a device test would settle"."""
import copy
import time

import pytest

from harness import commands_sent

from test_bgp_keep_all_routes import TOPOLOGY as KAR_TOPOLOGY

REASON = "first keep-all-routes on a peer without negotiated route-refresh"


def sessions(lab, router):
    return {(s["vpn_instance"], s["address"]): s for s in lab.bgp(router)["sessions"]}


def wait_established(lab, routers, timeout=8.0):
    deadline = time.time() + timeout
    while True:
        current = {r: sessions(lab, r) for r in routers}
        if all(s["state"] == "Established" for c in current.values() for s in c.values()) or time.time() > deadline:
            return current
        time.sleep(0.05)


def with_readings(topology, **readings):
    topo = copy.deepcopy(topology)
    topo["defaults"] = dict(topo.get("defaults") or {}, readings=readings)
    return topo


@pytest.mark.parametrize("reading", ["reset", "no_reset"])
def test_keep_all_routes_reenable_is_predicted_and_refused_under_both_readings(make_lab, run_tasks, reading):
    """Open item 4: `undo peer X keep-all-routes` then `peer X keep-all-routes` again without route-refresh:
    "If the router does not support the route-refresh capability ... run for the first time, the sessions
    ... will be re-established" [NE40E-CR bgp-peer-keep-all-routes(BGPOM)] -- a later enable is not
    described. The collection predicts the reset either way (refused without allow_session_reset) and
    reports only the resets it observes."""
    lab = make_lab(with_readings(KAR_TOPOLOGY, keep_all_routes_reenable=reading))
    wait_established(lab, ["PE1", "PE2"])
    res = run_tasks("""
    - name: first
      netops.vrp.bgp_keep_all_routes: {peers: [198.51.100.1], allow_session_reset: true}
    - name: undo
      netops.vrp.bgp_keep_all_routes: {peers: [198.51.100.1], state: absent}
    - name: refused
      netops.vrp.bgp_keep_all_routes: {peers: [198.51.100.1]}
      ignore_errors: true
    - name: again
      netops.vrp.bgp_keep_all_routes: {peers: [198.51.100.1], allow_session_reset: true}
    """, lab=lab, limit="PE1")
    assert res.ok, res.summary()
    predicted = [{"address": "198.51.100.1", "address_family": "ipv4", "vpn_instance": None, "reason": REASON}]
    first, undo, refused, again = (res[n]["PE1"] for n in ("first", "undo", "refused", "again"))
    assert [e["address"] for e in first["sessions_reset"]] == ["198.51.100.1"]
    assert undo["changed"] is True and undo["sessions_reset"] == []
    wait_established(lab, ["PE1"])
    assert refused["_status"] == "failed" and refused["commands"] == [] and "allow_session_reset" in refused["msg"]
    assert again["changed"] is True and again["sessions_reset_predicted"] == predicted
    upb = wait_established(lab, ["PE1"])["PE1"][(None, "198.51.100.1")]
    if reading == "reset":
        assert [e["address"] for e in again["sessions_reset"]] == ["198.51.100.1"]
        assert upb["up_count"] == 3
    else:
        assert again["sessions_reset"] == []
        assert any("predicted session reset not seen" in w for w in again["warnings"])
        assert upb["up_count"] == 2
    sent = commands_sent(lab, "PE1", since=res)
    assert sent.count("peer 198.51.100.1 keep-all-routes") == 2   # the refused run sent no configuration
