"""The policy rollout role over 100 lab routers, 5 of them faulted, forks 25.

Each router has three external peers in group UPSTREAM (route-refresh capable) whose import policy
matches ip-prefix PL-UP-IN; the change adds an index to PL-UP-IN and soft resets UPSTREAM inbound.
Faults: the trial commit rejected on 2 routers, the connection dropped before the soft reset on 2 (their trial
belongs to the lost session, so it stays pending for the router's timer and the report says why),
every login refused on 1. The play uses the role with a canary of 1 and then the whole fleet as one
wave, with max_fail_percentage 100 (the shipped playbook stops at the first failed router, which is
right for production but would not let this test attempt the whole fleet).

Asserted from the lab: the run finishes, the failed hosts are exactly the faulted ones, each faulted
router still runs the previous policy with no pending trial and no candidate (but those two), every other router runs
the new policy with its trial confirmed. The wall time is written to
``build/test-results/fleet_rollout.json``.
"""
import json
import os

from harness import ROOT, commands_sent, run_playbook

ROUTERS = ["R%03d" % i for i in range(1, 101)]
PEERS_PER_ROUTER = 3
NEW_LINE = "ip ip-prefix PL-UP-IN index 20 permit 10.60.0.0 16 less-equal 24"
OLD_LINE = "ip ip-prefix PL-UP-IN index 10 permit 10.50.0.0 16 less-equal 24"
FAULTS = {
    "R010": ("reject_commit", {}),
    "R020": ("reject_commit", {}),
    "R030": ("drop", {"when": "before", "match": "^refresh bgp"}),
    "R040": ("drop", {"when": "before", "match": "^refresh bgp"}),
    "R050": ("auth_fail", {}),
}
RESULTS = os.path.join(ROOT, "build", "test-results", "fleet_rollout.json")

PLAYBOOK = """
- name: Roll out over the whole fleet (canary first), attempting every router
  hosts: vrp
  gather_facts: false
  serial: [1, "100%"]
  max_fail_percentage: 100
  roles:
    - role: netops.vrp.bgp_policy_rollout
"""


def _peer_address(index, k):
    return "10.200.%d.%d" % (index, k)


def fleet_topology():
    routers, external = [], []
    for index, name in enumerate(ROUTERS, 1):
        peers = "".join(" peer %s as-number %d\n peer %s group UPSTREAM\n"
                        % (_peer_address(index, k), 64500 + k, _peer_address(index, k))
                        for k in range(1, PEERS_PER_ROUTER + 1))
        routers.append({"name": name, "addresses": ["10.2.%d.%d" % (index // 250, index % 250 + 1)], "config": (
            "sysname %s\n"
            "bgp 65000\n"
            " router-id 10.2.%d.%d\n"
            " group UPSTREAM external\n"
            "%s"
            " ipv4-family unicast\n"
            "  peer UPSTREAM enable\n"
            "  peer UPSTREAM route-policy RP-UP-IN import\n"
            "route-policy RP-UP-IN permit node 10\n"
            " if-match ip-prefix PL-UP-IN\n"
            "%s\n" % (name, index // 250, index % 250 + 1, peers, OLD_LINE))})
        for k in range(1, PEERS_PER_ROUTER + 1):
            external.append({"name": "%s-UP%d" % (name, k), "router": name, "address": _peer_address(index, k),
                             "as": 64500 + k, "route_refresh": True, "routes": [
                                 {"prefix": "10.50.%d.0/24" % k, "as_path": [64500 + k]},
                                 {"prefix": "10.60.%d.0/24" % k, "as_path": [64500 + k]}]})
    return {"name": "fleet", "defaults": {"username": "admin", "password": "Admin@123", "host": "127.0.0.1"},
            "base_port": 0,
            # trial_time_scale stays 1: the 600 s trial must outlive the run (the router would roll it back)
            "timing": {"establish_delay": 0.1, "trial_time_scale": 1.0},
            "routers": routers, "external_peers": external}


ROLLOUT_VARS = {
    "bgp_policy_rollout_changes": [{"name": "accept 10.60/16 from upstreams", "config": NEW_LINE + "\n"}],
    "bgp_policy_rollout_targets": [{"name": "UPSTREAM import", "groups": ["UPSTREAM"], "direction": "import"}],
    "bgp_policy_rollout_batch_pause": 0,
    "bgp_policy_rollout_verify_timeout": 10,
}


def _reports(res):
    """bgp_policy_rollout_report of every host, from the set_fact results of all serial batches."""
    out = {}
    for task in res.tasks:
        if task.name.endswith("Set the rollout report of this router (fact bgp_policy_rollout_report)"):
            for host, result in task.items():
                out[host] = result["ansible_facts"]["bgp_policy_rollout_report"]
    return out


def test_rollout_over_100_routers_with_5_faulted(make_lab, tmp_path):
    lab = make_lab(fleet_topology())
    for router, (kind, args) in FAULTS.items():
        lab.fault(kind, router, **args)

    res = run_playbook(PLAYBOOK, lab.inventory_path, workdir=str(tmp_path / "play"), extra_vars=ROLLOUT_VARS,
                       forks=25, timeout=600)
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as handle:
        json.dump({"routers": len(ROUTERS), "faulted": sorted(FAULTS), "forks": 25, "wall_seconds": round(res.elapsed, 1),
                   "cpu_seconds": round(res.cpu, 1), "rc": res.rc}, handle)

    assert set(res.stats) == set(ROUTERS), res.summary()          # every router was attempted
    assert res.failed_hosts == set(FAULTS), res.summary()
    reports = _reports(res)

    # R030/R040 lost the session that owns their trial: VRP lets only that session end it [NE40E-CG
    # Configuration_Precautions_for_Configuration_Management], so the rescue's abort is refused and the trial
    # stays (new policy) until the router's timer rolls it back
    lost_trial = ("R030", "R040")
    for router in ROUTERS:
        running = lab.running_config(router)
        trial = lab.control("status")["routers"][router]["trial_commit_id"]
        assert (trial is not None) is (router in lost_trial), (router, trial)
        assert lab.candidate_config(router) == running, router
        assert OLD_LINE in running, router
        if router in lost_trial:
            assert NEW_LINE in running, router
        elif router in FAULTS:
            assert NEW_LINE not in running, router
        else:
            assert NEW_LINE in running, router
            assert reports[router]["status"] == "confirmed", reports[router]
            sent = [c for c in commands_sent(lab, router, since=res) if c.startswith(("commit", "refresh"))]
            assert sent == ["commit trial 600 label %s" % reports[router]["run_id"], "refresh bgp group UPSTREAM import",
                            "commit"], (router, sent)

    # the faulted ones say why
    assert reports["R010"]["status"] == reports["R020"]["status"] == "failed", (reports["R010"], reports["R020"])
    assert "commit" in reports["R010"]["message"].lower(), reports["R010"]
    for router in ("R010", "R020"):   # read back: nothing of the change on the router
        assert reports[router]["router_state"] == {"trial": "none", "policy": "old", "seconds_left": 0}, reports[router]
    for router in lost_trial:
        assert reports[router]["status"] == "trial_pending", reports[router]
        assert reports[router]["router_state"]["trial"] == "pending", reports[router]
        assert reports[router]["rollback"]["aborted"] is False
        failures = reports[router]["rollback"]["restore_failures"]
        assert len(failures) == 1 and "did not end the trial commit pending on %s" % router in failures[0], failures
        assert "abort trial" in commands_sent(lab, router, since=res)
    assert commands_sent(lab, "R050", since=res) == []
    assert "R050" not in reports or reports["R050"]["status"] != "confirmed"
    assert res.elapsed < 300, "fleet rollout took %.0f s" % res.elapsed
