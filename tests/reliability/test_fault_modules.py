"""Fault matrix, modules: every fault x every module it applies to, one table row each (issue 9).

Each row runs one module task on PE1 and PE2 at once with the fault injected on PE1 only (rows whose
fault stops the module before it changes anything share one play per fault, see SHARED), then a probe
(``vrp_commit action=confirm`` in check mode: is a trial or an uncommitted candidate pending?), and
asserts from the task result, the lab's state and its transcript:
- the failure is clear: ``failed``, ``step``, and ``msg`` = ``"PE1: <step>: ..."`` naming the router;
- nothing is left half-applied, read from the lab itself (``fault_lab.router_state``), compared with
  the state before the row: the running configuration is unchanged, or changed and has the target's change
  where the row says so; no candidate is left uncommitted; a trial is pending only where the row says so
  (and then an explicit ``vrp_commit`` afterwards restores the previous configuration); every session is
  Established with its accepted routes and up-count as before, but for the session the row's operation is
  meant to reset (``RESETS``: a hard reset, the first keep-all-routes enable on a peer without
  route-refresh, toggling route-refresh), which comes up once more, and a stuck peer, which stays down;
- PE2, on the same play and the same session keeper, completes normally (same checks).
The table is also in docs/reliability.md; keep them in step.
"""
import collections
import contextlib
import socket
import time

import pytest
import yaml
from fault_lab import (
    NARROWED_AWAY,
    NEW_LINE,
    PEERS,
    expected_sessions,
    fault_topology,
    has_line,
    policy,
    router_state,
    trial_pending,
    wait_converged,
    wait_sessions,
)
from harness import assert_only_displays, commands_sent, run_playbook, tasks_playbook

from vrpsim.testing import running_lab

TIMEOUT_VARS = {"netops_vrp_command_timeout": 2}   # with a 4 s delay fault: a reply slower than the timeout

TASKS = {
    "vrp_config": {"netops.vrp.vrp_config": {"lines": [NEW_LINE]}},
    "vrp_config trial": {"netops.vrp.vrp_config": {"lines": [NEW_LINE], "commit_trial": 600}},
    "vrp_commit": {"netops.vrp.vrp_commit": {"action": "confirm"}},   # setup leaves a trial of NEW_LINE
    "bgp_route_refresh": {"netops.vrp.bgp_route_refresh": {
        "peers": ["{{ peers[inventory_hostname].ce }}"], "state": "absent", "allow_session_reset": True}},
    "bgp_route_refresh trial": {"netops.vrp.bgp_route_refresh": {
        "peers": ["{{ peers[inventory_hostname].ce }}"], "state": "absent", "allow_session_reset": True,
        "commit_trial": 600}},
    "bgp_keep_all_routes": {"netops.vrp.bgp_keep_all_routes": {
        "peers": ["{{ peers[inventory_hostname].ce_no_rr }}"], "allow_session_reset": True}},
    "bgp_soft_reset": {"netops.vrp.bgp_soft_reset": {
        "peers": ["{{ peers[inventory_hostname].ce }}"], "direction": "import", "verify_timeout": 5}},
    "bgp_reset": {"netops.vrp.bgp_reset": {
        "peers": ["{{ peers[inventory_hostname].ce }}"], "allow_service_interruption": True, "wait_timeout": 3}},
    "bgp_facts": {"netops.vrp.bgp_facts": {}},
}

# What each target changes when it succeeds, checked on PE2 (and on PE1 where the row expects it).
CONFIG_MARK = {
    "vrp_config": NEW_LINE, "vrp_config trial": NEW_LINE, "vrp_commit": NEW_LINE,
    "bgp_route_refresh": "undo peer {ce} capability-advertise route-refresh",
    "bgp_route_refresh trial": "undo peer {ce} capability-advertise route-refresh",
    "bgp_keep_all_routes": "peer {ce_no_rr} keep-all-routes",
}

Row = collections.namedtuple("Row", "fault target inject failed step says config trial recover")
# fault:   the matrix's fault name;  inject: lab.fault kwargs, or "unreachable"
# failed:  PE1's task fails;  step: its result's step;  says: words its msg must contain
# config:  True = PE1's config has the target's change afterwards, False = untouched (running as before)
# trial:   a trial commit is pending on PE1 after the task
# recover: the explicit vrp_commit action that ends that trial (abort: config back to untouched);
#          "abort refused": the trial belongs to the session the fault closed, so a new session's abort fails
#          clearly and the trial stays for its timer (R5 [NE40E-CG Configuration_Precautions_for_Configuration_Management])
D_BEFORE_COMMIT = dict(kind="drop", when="before", match=r"^commit")
D_DURING_TRIAL = dict(kind="drop", when="during", match=r"^commit trial")
D_BEFORE_CONFIRM = dict(kind="drop", when="before", match=r"^commit$")
D_DURING_CONFIRM = dict(kind="drop", when="during", match=r"^commit$")
D_DURING_COMMIT = dict(kind="drop", when="during", match=r"^commit$")   # plain commit
D_DURING_REFRESH = dict(kind="drop", when="during", match=r"^refresh bgp")
D_BEFORE_REFRESH = dict(kind="drop", when="before", match=r"^refresh bgp")
D_DURING_RESET = dict(kind="drop", when="during", match=r"^reset bgp")
REJECT = dict(kind="reject_commit")
REJECT_CONFIRM = dict(kind="reject_commit", match=r"^commit$")
SLOW_READ = dict(kind="delay", match=r"^display (current-configuration|configuration trial)", seconds=4)
SLOW_COMMIT = dict(kind="delay", match=r"^commit", seconds=4)
STUCK = dict(kind="peer_stuck", peer="{ce}")
STUCK_NO_RR = dict(kind="peer_stuck", peer="{ce_no_rr}")
AUTH = dict(kind="auth_fail")
UNREACHABLE = "unreachable"

UNKNOWN = "whether the router applied the commit is unknown"
SENT = ("vrp_config", "bgp_route_refresh", "bgp_keep_all_routes")
# (in this order, so that on PE2 the shared play below soft resets before anything resets a session)
ALL = ("bgp_facts", "bgp_soft_reset", "bgp_reset", "vrp_commit", "vrp_config", "bgp_keep_all_routes",
       "bgp_route_refresh")

MATRIX = (
    # connection dropped before commit: the router drops the closed session's candidate
    [Row("drop before commit", t, D_BEFORE_COMMIT, True, "commit", (UNKNOWN,), False, False, None) for t in SENT]
    # dropped during a plain `commit`: the commit ran (the reply is lost), the module cannot know, says so
    + [Row("drop during commit", t, D_DURING_COMMIT, True, "commit", (UNKNOWN,), True, False, None) for t in SENT]
    # dropped during `commit trial`: the trial runs on the router; the module cannot know, says so; the trial
    # belongs to the closed session, so an abort from a new one fails saying so and the timer ends it
    + [Row("drop during commit trial", t, D_DURING_TRIAL, True, "commit", (UNKNOWN,), True, True, "abort refused")
       for t in ("vrp_config trial", "bgp_route_refresh trial")]
    # after the trial commit (made in the play's session), before the confirm: the trial stays pending
    + [Row("drop before confirm", "vrp_commit", D_BEFORE_CONFIRM, True, "confirm", ("session",), True, True,
           "abort refused"),
       Row("drop during confirm", "vrp_commit", D_DURING_CONFIRM, True, "confirm", ("session",), True, False,
           None)]
    # during the soft reset / hard reset
    + [Row("drop during soft reset", "bgp_soft_reset", D_DURING_REFRESH, True, "refresh", ("refresh bgp",), False,
           False, None),
       Row("drop before soft reset", "bgp_soft_reset", D_BEFORE_REFRESH, True, "refresh", ("refresh bgp",), False,
           False, None),
       Row("drop during hard reset", "bgp_reset", D_DURING_RESET, True, "reset", ("reset bgp",), False, False,
           None)]
    # commit rejected: the candidate is discarded, nothing changes
    + [Row("commit rejected", t, REJECT, True, "commit", ("Failed to commit",), False, False, None) for t in SENT]
    + [Row("confirm rejected", "vrp_commit", REJECT_CONFIRM, True, "confirm", ("Failed to commit",), True, True,
           "abort")]
    # reply slower than the command timeout: reading fails before anything is sent ...
    + [Row("slow reply", t, SLOW_READ, True, "command 'display", ("no prompt within",), False,
           t == "vrp_commit", None) for t in ALL]
    # ... or the commit reply is late: the module gives up and says it cannot know whether the commit
    # landed; it did (the router runs a line it has received even when the client has gone)
    + [Row("slow commit", "vrp_config", SLOW_COMMIT, True, "commit", (UNKNOWN,), True, False, None)]
    # peer never returns to Established after a reset
    + [Row("peer stuck after reset", "bgp_reset", STUCK, True, "wait", ("not",), False, False, None),
       Row("peer stuck after keep-all-routes", "bgp_keep_all_routes", STUCK_NO_RR, False, None, (), True, False,
           None)]
    # authentication failure / unreachable router: nothing sent, the other router unaffected
    + [Row("authentication failure", t, AUTH, True, "login", ("auth",), False,
           t == "vrp_commit", None) for t in ALL]
    + [Row("unreachable router", t, UNREACHABLE, True, "login", ("cannot reach",), False,
           t == "vrp_commit", None) for t in ALL]
)


def _row_id(row):
    return "%s-%s" % (row.fault.replace(" ", "_"), row.target.replace(" ", "_"))


def _values(router):
    return dict(PEERS[router])


def _start_trial(lab, router):
    """A trial commit of NEW_LINE, typed in a raw shell (the setup of the vrp_commit rows)."""
    shell = lab.shell(router)
    try:
        for line in ("system-view", NEW_LINE, "commit trial 600", "return"):
            shell.run(line)
    finally:
        shell.close()
    assert lab.wait_logged_out(router)
    time.sleep(0.01)   # transcript checks "since" the run must not see these lines
    assert trial_pending(lab, router)
    return lab.control("status")["routers"][router]["trial_commit_id"]


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]   # nothing listens once the socket is closed


def _inventory_with_pe1_unreachable(lab, tmp_path):
    with open(str(lab.inventory_path)) as handle:
        inventory = yaml.safe_load(handle)
    inventory["all"]["children"]["vrp"]["hosts"]["PE1"]["ansible_port"] = _closed_port()
    path = tmp_path / "unreachable.yml"
    path.write_text(yaml.safe_dump(inventory))
    return str(path)


def _wait_for_command(lab, router, command, since, timeout):
    deadline = time.monotonic() + timeout
    while command not in commands_sent(lab, router, since=since):
        assert time.monotonic() < deadline, "%s never ran %r: %s" % (router, command, [(r["session"], r["event"], r.get("command")) for r in lab.transcript(router)[-12:]])
        time.sleep(0.1)


def _mark(target, router):
    return CONFIG_MARK[target].format(**_values(router)) if target in CONFIG_MARK else None


# Faults that stop a module before it changes anything (its first display is too slow, its login fails)
# leave the lab as it was, so one play per fault runs every module, one task each (PE1's trial for
# vrp_commit is set up once; on PE2 vrp_commit then has nothing to confirm). The rows still assert one
# task each. This saves about 20 ansible-playbook runs.
SHARED = (SLOW_READ, AUTH, UNREACHABLE)


@pytest.fixture(scope="module")
def shared_runs(tmp_path_factory):
    runs = {}
    with contextlib.ExitStack() as stack:
        def run(inject):
            key = id(inject)
            if key not in runs:
                tmp_path = tmp_path_factory.mktemp("shared")
                lab = stack.enter_context(running_lab(fault_topology(), tmp_path / "lab"))
                wait_converged(lab)
                setup_trial = _start_trial(lab, "PE1")
                before = {router: router_state(lab, router) for router in PEERS}
                inventory = str(lab.inventory_path)
                if inject == UNREACHABLE:
                    inventory = _inventory_with_pe1_unreachable(lab, tmp_path)
                else:
                    lab.fault(router="PE1", **inject)
                tasks = [dict(TASKS[t], name="target %s" % t, ignore_errors=True) for t in ALL] + [PROBE]
                res = run_playbook(tasks_playbook(tasks, play_vars=dict(peers=PEERS, **TIMEOUT_VARS)), inventory,
                                   workdir=str(tmp_path / "play"))
                lab.clear_faults()
                runs[key] = (lab, res, setup_trial, before)
            return runs[key]
        yield run


@pytest.mark.parametrize("row", [r for r in MATRIX if r.inject in SHARED], ids=_row_id)
def test_fault_row_shared(row, shared_runs):
    lab, res, setup_trial, before = shared_runs(row.inject)
    assert res.rc == 0, res.summary()
    pe1, pe2 = res["target %s" % row.target]["PE1"], res["target %s" % row.target]["PE2"]
    _assert_clear_failure(row, pe1, res)
    # nothing sent (auth / unreachable) or nothing but the slow display; PE1 as it was
    if row.inject in (AUTH, UNREACHABLE):
        assert commands_sent(lab, "PE1", since=res) == []
    else:
        assert_only_displays(lab, "PE1", since=res)
    assert lab.control("status")["routers"]["PE1"]["trial_commit_id"] == setup_trial   # the setup's trial
    # PE1 as it was, but for what PE2 now advertises over iBGP: PE2 ran every module of the play, the reset and
    # the route-refresh toggle each re-established its CE, keep-all-routes its CE without route-refresh, and its
    # CE's routes came back under the new policy (NEW_LINE, committed by the play's vrp_config before the toggle)
    pe1_sessions = expected_sessions(before["PE1"]["sessions"])
    pe1_sessions[IBGP["PE1"]]["accepted"].remove(NARROWED_AWAY)
    _assert_router(lab, "PE1", before["PE1"], changed=False, trial=True, sessions=pe1_sessions)
    # PE2 ran the same task normally
    assert pe2["_status"] == "ok", pe2
    if _mark(row.target, "PE2"):
        assert has_line(lab, "PE2", _mark(row.target, "PE2"))
    assert res["probe"]["PE2"]["_status"] == "ok" and res["probe"]["PE2"]["candidate_pending"] is False
    ce, ce_no_rr = PEERS["PE2"]["ce"], PEERS["PE2"]["ce_no_rr"]
    pe2_sessions = expected_sessions(before["PE2"]["sessions"], flaps={ce: 2, ce_no_rr: 1})
    pe2_sessions[ce]["accepted"].remove(NARROWED_AWAY)
    _assert_router(lab, "PE2", before["PE2"], changed=True, trial=False, sessions=pe2_sessions)


def _assert_clear_failure(row, pe1, res):
    """A clear error naming the router and the step."""
    assert (pe1["_status"] == "failed") is row.failed, (pe1.get("step"), pe1.get("msg"), res.summary())
    if row.failed:
        assert pe1.get("step", "").startswith(row.step), (pe1.get("step"), pe1["msg"])
        assert pe1["msg"].startswith("PE1: %s" % row.step), pe1["msg"]
        for word in row.says:
            assert word.lower() in pe1["msg"].lower(), pe1["msg"]


IBGP = {"PE1": "10.0.0.2", "PE2": "10.0.0.1"}   # each PE's session to the other

# The session each target's operation is meant to reset when it lands: a hard reset; the first keep-all-routes
# enable on a peer without route-refresh; toggling route-refresh (vrp-cli-reference section 6).
RESETS = {"bgp_reset": "ce", "bgp_keep_all_routes": "ce_no_rr", "bgp_route_refresh": "ce",
          "bgp_route_refresh trial": "ce"}


def _pe1_sessions(row, before):
    """PE1's sessions after the row: a reset only where the row's operation landed (a config change committed,
    or the reset command ran); a stuck peer stays down."""
    peer = RESETS.get(row.target)
    landed = row.inject in (D_DURING_RESET, STUCK) if row.target == "bgp_reset" else row.config
    if peer is None or not landed:
        return expected_sessions(before)
    address = PEERS["PE1"][peer]
    if row.inject in (STUCK, STUCK_NO_RR):
        return expected_sessions(before, down=[address])
    return expected_sessions(before, flaps={address: 1})


def _assert_router(lab, router, before, changed, trial, sessions=None):
    """The router's state from the lab against ``before`` (``fault_lab.router_state``): running configuration
    as before unless ``changed`` (the caller checks the change itself), no candidate left, the trial pending or
    not, every session as ``sessions`` says (default: exactly as before)."""
    running = lab.running_config(router)
    if not changed:
        assert running == before["running"], "%s running configuration changed:\n%s" % (router, running)
    else:
        assert running != before["running"], router
    assert lab.candidate_config(router) == running, "%s: a candidate is left uncommitted" % router
    assert trial_pending(lab, router) is trial, router
    wait_sessions(lab, router, before["sessions"] if sessions is None else sessions)


PROBE = {"name": "probe", "netops.vrp.vrp_commit": {"action": "confirm"}, "check_mode": True, "ignore_errors": True}


@pytest.mark.parametrize("row", [r for r in MATRIX if r.inject not in SHARED], ids=_row_id)
def test_fault_row(row, make_lab, tmp_path):
    lab = make_lab(fault_topology())
    wait_converged(lab)
    inventory = str(lab.inventory_path)
    if row.inject == UNREACHABLE:
        inventory = _inventory_with_pe1_unreachable(lab, tmp_path)
    else:
        lab.fault(router="PE1", **{k: (v.format(**_values("PE1")) if isinstance(v, str) else v)
                                   for k, v in row.inject.items()})
    before = {router: router_state(lab, router) for router in PEERS}

    task = dict(TASKS[row.target], name="target", ignore_errors=True)
    tasks = [task, PROBE]
    if row.target == "vrp_commit":   # the trial to confirm, made in the play's own (keeper) session
        tasks.insert(0, dict(TASKS["vrp_config trial"], name="setup trial"))
    if row.recover:   # an explicit vrp_commit ends the trial the fault left (the fault is used up by now)
        tasks.append({"name": "end trial", "netops.vrp.vrp_commit": {"action": row.recover.split()[0]},
                      "when": "inventory_hostname == 'PE1'", "ignore_errors": row.recover == "abort refused"})
    play_vars = dict(peers=PEERS, **TIMEOUT_VARS)
    res = run_playbook(tasks_playbook(tasks, play_vars=play_vars), inventory, workdir=str(tmp_path / "play"))
    assert res.rc == 0, res.summary()   # ignore_errors: the play itself completes
    pe1, pe2 = res["target"]["PE1"], res["target"]["PE2"]

    _assert_clear_failure(row, pe1, res)

    if row.inject is SLOW_COMMIT:   # the delayed commit runs after the client gave up: let it land
        _wait_for_command(lab, "PE1", "commit", since=res, timeout=SLOW_COMMIT["seconds"] + 2)

    # no candidate left, the expected configuration and trial state
    probe1 = res["probe"]["PE1"]
    lab.clear_faults()
    if probe1["_status"] == "ok":
        assert probe1["candidate_pending"] is False, probe1
        assert probe1["trial_pending"] is row.trial, probe1
    mark = _mark(row.target, "PE1")
    if row.recover == "abort refused":   # still pending, the task said why; its timer will roll it back
        end = res["end trial"]["PE1"]
        assert end["_status"] == "failed" and "did not end the trial commit pending on PE1" in end["msg"], end
        assert "seconds left before its timer rolls it back" in end["msg"]
        assert trial_pending(lab, "PE1") and has_line(lab, "PE1", mark)
    elif row.recover:   # the trial the fault left is gone, and with abort the previous configuration is back
        assert res["end trial"]["PE1"]["_status"] == "ok" and res["end trial"]["PE1"]["changed"] is True
        assert not trial_pending(lab, "PE1")
        assert has_line(lab, "PE1", mark) is (row.recover == "confirm")
        assert policy(lab, "PE1") == ("new" if row.target == "vrp_commit" and row.recover == "confirm" else "old")
    else:
        assert trial_pending(lab, "PE1") is row.trial
        if mark:
            assert has_line(lab, "PE1", mark) is row.config, lab.running_config("PE1")
    # the end state, from the lab, against the state before the row
    changed = row.recover in ("abort refused", "confirm") if row.recover else row.config
    pending = row.recover == "abort refused" if row.recover else row.trial
    _assert_router(lab, "PE1", before["PE1"], changed=changed, trial=pending,
                   sessions=_pe1_sessions(row, before["PE1"]["sessions"]))

    # the other router, same play, same keeper: unaffected
    assert pe2["_status"] == "ok", pe2
    assert res["probe"]["PE2"]["_status"] == "ok" and res["probe"]["PE2"]["candidate_pending"] is False
    mark2 = _mark(row.target, "PE2")
    if mark2:
        assert has_line(lab, "PE2", mark2)
    assert not trial_pending(lab, "PE2") or row.target.endswith("trial")
    flaps2 = {PEERS["PE2"][RESETS[row.target]]: 1} if row.target in RESETS else {}
    _assert_router(lab, "PE2", before["PE2"], changed=bool(mark2), trial=row.target.endswith("trial"),
                   sessions=expected_sessions(before["PE2"]["sessions"], flaps=flaps2))
