"""The small lab and helpers the fault matrix and the recovery tests share (issue 9, part 1).

PE1 and PE2 (iBGP between them), each with one CE that speaks route-refresh (CE1 / CE3, import policy
RP-CE-IN over ip-prefix PL-CE-IN) and one that does not (CE2 / CE4). The policy change narrows
PL-CE-IN to the exact /16, so after a soft reset each PE accepts one route from its CE instead of two:
which policy is in force is visible both in the configuration and in the routing table.
"""
import copy
import time

from harness import run_playbook, tasks_playbook

OLD_LINE = "ip ip-prefix PL-CE-IN index 10 permit 10.20.0.0 16 less-equal 24"
NEW_LINE = "ip ip-prefix PL-CE-IN index 10 permit 10.20.0.0 16"
NARROWED_AWAY = "10.20.1.0/24"   # accepted under the old policy only

# per-router values the tasks use (every task runs on both PEs; faults hit PE1 only)
PEERS = {
    "PE1": {"ce": "192.0.2.2", "ce_no_rr": "192.0.2.6"},
    "PE2": {"ce": "192.0.2.10", "ce_no_rr": "192.0.2.14"},
}


def _pe_config(name, router_id, other, ce, ce_no_rr):
    return (
        "sysname %(name)s\n"
        "bgp 65000\n"
        " router-id %(rid)s\n"
        " peer %(other)s as-number 65000\n"
        " peer %(ce)s as-number 65020\n"
        " peer %(ce2)s as-number 65030\n"
        " ipv4-family unicast\n"
        "  peer %(other)s enable\n"
        "  peer %(ce)s enable\n"
        "  peer %(ce)s route-policy RP-CE-IN import\n"
        "  peer %(ce2)s enable\n"
        "route-policy RP-CE-IN permit node 10\n"
        " if-match ip-prefix PL-CE-IN\n"
        "%(old)s\n" % dict(name=name, rid=router_id, other=other, ce=ce, ce2=ce_no_rr, old=OLD_LINE))


def _ce(name, router, address, asn, route_refresh, prefixes):
    return {"name": name, "router": router, "address": address, "as": asn, "route_refresh": route_refresh,
            "routes": [{"prefix": p, "as_path": [asn]} for p in prefixes]}


FAULT_TOPOLOGY = {
    "name": "faults",
    "defaults": {"username": "admin", "password": "Admin@123", "host": "127.0.0.1"},
    "base_port": 0,
    "timing": {"establish_delay": 0.2, "trial_time_scale": 1.0},
    "routers": [
        {"name": "PE1", "addresses": ["10.0.0.1"],
         "config": _pe_config("PE1", "10.0.0.1", "10.0.0.2", "192.0.2.2", "192.0.2.6")},
        {"name": "PE2", "addresses": ["10.0.0.2"],
         "config": _pe_config("PE2", "10.0.0.2", "10.0.0.1", "192.0.2.10", "192.0.2.14")},
    ],
    "external_peers": [
        _ce("CE1", "PE1", "192.0.2.2", 65020, True, ["10.20.0.0/16", "10.20.1.0/24"]),
        _ce("CE2", "PE1", "192.0.2.6", 65030, False, ["10.30.0.0/16"]),
        _ce("CE3", "PE2", "192.0.2.10", 65020, True, ["10.20.0.0/16", "10.20.1.0/24"]),
        _ce("CE4", "PE2", "192.0.2.14", 65030, False, ["10.30.0.0/16"]),
    ],
}


def fault_topology():
    return copy.deepcopy(FAULT_TOPOLOGY)


# The rollout of the policy change on both PEs (both in one play, so a fault on PE1 shows that PE2 is
# unaffected). trial_seconds stays at 600 real seconds: the trial never expires during a test.
def rollout_vars(**overrides):
    data = {
        "bgp_policy_rollout_changes": [{"name": "ce-import-exact", "config": NEW_LINE + "\n"}],
        "bgp_policy_rollout_targets": [
            {"name": "CE import", "routers": [router], "address_family": "ipv4", "peers": [PEERS[router]["ce"]],
             "direction": "import"} for router in ("PE1", "PE2")],
        "bgp_policy_rollout_batch_pause": 0,
        "bgp_policy_rollout_verify_timeout": 5,
    }
    data.update(overrides)
    return data


ROLLOUT_PLAY = tasks_playbook([{"name": "rollout", "ansible.builtin.include_role": {
    "name": "netops.vrp.bgp_policy_rollout"}}], hosts="vrp", name="rollout")
REPORT_TASK = "netops.vrp.bgp_policy_rollout : Set the rollout report of this router (fact bgp_policy_rollout_report)"


def run_rollout(lab, workdir, extra=None, inventory=None, **overrides):
    """The role on PE1 and PE2 at once; returns the PlaybookResult (reports: ``reports(res)``)."""
    variables = rollout_vars(**overrides)
    variables.update(extra or {})
    return run_playbook(ROLLOUT_PLAY, inventory or lab.inventory_path, workdir=str(workdir), extra_vars=variables)


def reports(res):
    """``{router: bgp_policy_rollout_report}`` from the role's set_fact results (no report files: the
    delegated copy costs about 5 s per run on this machine)."""
    return {host: result["ansible_facts"]["bgp_policy_rollout_report"] for host, result in res[REPORT_TASK].items()}


def has_line(lab, router, line):
    """Whether ``line`` is a whole line (any indentation) of the router's running configuration."""
    return line in [have.strip() for have in lab.running_config(router).splitlines()]


def policy(lab, router):
    """'new' or 'old': which PL-CE-IN entry is in the running configuration (never both, never neither)."""
    running = lab.running_config(router)
    old, new = has_line(lab, router, OLD_LINE), has_line(lab, router, NEW_LINE)
    assert old != new, "%s: PL-CE-IN is neither the old nor the new entry:\n%s" % (router, running)
    return "new" if new else "old"


def accepted_routes(lab, router):
    """Prefixes in the router's IPv4 BGP table from its route-refresh CE."""
    table = lab.bgp(router)["tables"].get("ipv4", {})
    ce = PEERS[router]["ce"]
    return sorted(p for p, route in table.items() if route.get("source") == "peer:" + ce)


def trial_pending(lab, router):
    """Whether a trial commit is running on the router (the lab's own state, not a CLI session)."""
    return lab.control("status")["routers"][router]["trial_commit_id"] is not None


def wait_converged(lab, timeout=10.0):
    """Wait until every PE has its CE's routes under the old policy (sessions up after the lab start)."""
    deadline = time.monotonic() + timeout
    while True:
        routes = {router: accepted_routes(lab, router) for router in PEERS}
        if all(r == ["10.20.0.0/16", NARROWED_AWAY] for r in routes.values()):
            return routes
        assert time.monotonic() < deadline, routes
        time.sleep(0.1)


def sessions(lab, router):
    """``{address: {state, up_count, accepted}}`` of every BGP session of the router, from the lab's model
    (``accepted``: the session's accepted IPv4 routes)."""
    return {s["address"]: {"state": s["state"], "up_count": s["up_count"],
                           "accepted": sorted(s["ribs"].get("ipv4", {}).get("accepted", []))}
            for s in lab.bgp(router)["sessions"]}


def router_state(lab, router):
    """What a fault row compares before and after, all from the lab itself: the running configuration,
    whether a candidate is left uncommitted, whether a trial is pending, and every session."""
    running = lab.running_config(router)
    return {"running": running, "candidate_pending": lab.candidate_config(router) != running,
            "trial": trial_pending(lab, router), "sessions": sessions(lab, router)}


def expected_sessions(before, flaps=None, down=()):
    """``before`` with each address in ``flaps`` re-established that many more times and each address in
    ``down`` not Established (up-count unchanged, nothing accepted): what ``sessions`` should read now."""
    out = copy.deepcopy(before)
    for address, count in (flaps or {}).items():
        out[address]["up_count"] += count
    for address in down:
        out[address].update(state="not Established", accepted=[])
    return out


def wait_sessions(lab, router, expected, timeout=5.0):
    """Wait until the router's sessions read ``expected`` (a re-established session needs the lab's
    establish delay); assert with both readings if they never do."""
    deadline = time.monotonic() + timeout
    while True:
        have = sessions(lab, router)
        for address, session in have.items():
            if expected.get(address, {}).get("state") == "not Established" and session["state"] != "Established":
                session["state"] = "not Established"
        if have == expected:
            return
        assert time.monotonic() < deadline, "%s sessions:\n have %s\n want %s" % (router, have, expected)
        time.sleep(0.1)
