"""The controller fault matrix (issue 16): the controller itself dies or loses its session keeper mid-rollout.

Kill: SIGKILL of ansible-playbook and its workers (``kill -9`` of the process group, as a killed AWX job or an
OOM kill), SIGINT of ansible-playbook (Ctrl-C, an AWX cancel), or SIGKILL of the session keeper alone (the
playbook goes on with new logins). Step: after the trial commit ran, during a soft reset, before the confirm
(during the verification's reads), during the abort (after a failed verification). Timer: the trial's timer has
rolled it back before the recovery play runs, or not (the recovery play waits for it).

Each moment is held with a vrpsim ``delay`` fault on the command that comes next (the router runs a line it
received even after its session has gone), and the test kills when the lab's transcript shows that delay.
After the kill the recovery play (``playbooks/bgp_rollout_recover.yml``) runs; every cell must then end with no
trial pending and the router on the new policy with the new routes, or on the old policy with the old routes,
never a mix, and the report file saying which (``reconciled`` / ``confirmed`` with ``router_state.policy``).
"""
import json
import os
import signal
import time

import pytest
from fault_lab import NEW_LINE, OLD_LINE, PEERS, accepted_routes, fault_topology, policy, rollout_vars, trial_pending
from harness import ROOT, keeper_processes, run_playbook, tasks_playbook

OLD_ROUTES = ["10.20.0.0/16", "10.20.1.0/24"]
NEW_ROUTES = ["10.20.0.0/16"]
TRIAL_SECONDS = 120
TIME_SCALE = 0.05   # a 120 s trial rolls back after 6 real seconds

ROLLOUT = tasks_playbook([{"name": "rollout", "ansible.builtin.include_role": {
    "name": "netops.vrp.bgp_policy_rollout"}}], hosts="PE1", name="rollout")
RECOVER = os.path.join(ROOT, "playbooks", "bgp_rollout_recover.yml")

# step -> (the command whose arrival marks the moment, held by a delay fault; rollout overrides)
NO_LOSS = {"bgp_policy_rollout_targets": [{"name": "CE import", "routers": ["PE1"], "address_family": "ipv4",
                                           "peers": [PEERS["PE1"]["ce"]], "direction": "import",
                                           "max_prefix_loss": 0}]}
STEPS = {   # step -> (delay fault match, the held command's start, rollout overrides)
    "after trial commit": (r"^display configuration commit list 1$", "display configuration commit list 1", {}),
    "during soft reset": (r"^refresh bgp", "refresh bgp", {}),
    "before confirm": (r"^display bgp peer", "display bgp peer", {}),   # armed after the refresh: the verification
    "during abort": (r"^abort trial", "abort trial", NO_LOSS),
}
KILLS = ("sigkill", "sigint", "lost keeper")
TIMERS = ("expired", "running")
CELLS = [(kill, step, timer) for kill in KILLS for step in STEPS for timer in TIMERS]


def _topology():
    topology = fault_topology()
    topology["timing"]["trial_time_scale"] = TIME_SCALE
    return topology


def _wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting for " + what
        time.sleep(0.05)


def _held(lab, start):
    """Whether the lab holds (delay fault) a command starting with ``start`` on PE1."""
    return any(e["event"] == "fault" and e.get("kind") == "delay" and e.get("command", "").startswith(start)
               for e in lab.transcript("PE1"))


def _interrupt(lab, kill, step):
    match, start, _ = STEPS[step]

    def run(proc, keeper_dir):
        if step == "before confirm":   # arm the delay only once the refresh has run
            _wait_for(lambda: "refresh bgp %s import" % PEERS["PE1"]["ce"] in lab.commands("PE1"), 60, "the refresh")
        # held for less than the trial lasts (6 s): the router runs the line after the kill, under the trial
        lab.fault("delay", "PE1", match=match, seconds=2, count=1)
        _wait_for(lambda: _held(lab, start), 60, "the held " + start)
        if kill == "sigkill":
            os.killpg(proc.pid, signal.SIGKILL)
        elif kill == "sigint":
            proc.send_signal(signal.SIGINT)
        else:
            for pid in keeper_processes(keeper_dir):
                os.kill(pid, signal.SIGKILL)
    return run


@pytest.mark.parametrize("kill,step,timer", CELLS, ids=["-".join(c).replace(" ", "_") for c in CELLS])
def test_controller_fault_cell(kill, step, timer, make_lab, tmp_path):
    lab = make_lab(_topology())
    _wait_for(lambda: accepted_routes(lab, "PE1") == OLD_ROUTES, 10, "PE1 converged")
    reports = tmp_path / "reports"
    reports.mkdir()
    variables = rollout_vars(bgp_policy_rollout_trial_seconds=TRIAL_SECONDS, bgp_policy_rollout_report_dir=str(reports),
                             **STEPS[step][2])
    first = run_playbook(ROLLOUT, lab.inventory_path, workdir=str(tmp_path / "first"), extra_vars=variables,
                         interrupt=_interrupt(lab, kill, step))
    assert not first.ok, first.summary()
    journal = reports / "PE1.journal.jsonl"
    assert journal.exists(), "the run journal survives the controller"
    sent = [json.loads(line) for line in journal.read_text().splitlines()]
    assert any(r["event"] == "send" and r["command"].startswith("commit trial %d label netops-" % TRIAL_SECONDS)
               for r in sent), sent
    report = json.loads((reports / "PE1.json").read_text())
    if kill == "lost keeper":   # the controller lived: its report reads the router back
        assert report["status"] in ("trial_pending", "rolled_back", "confirmed", "mixed"), report
    else:                       # killed before its report: the in_progress one stays, never a stale success
        assert report["status"] == "in_progress", report
    lab.clear_faults()

    if timer == "expired":
        _wait_for(lambda: not trial_pending(lab, "PE1"), TRIAL_SECONDS * TIME_SCALE + 15, "the trial timer")
        if step != "after trial commit":   # the mix the recovery must repair: old policy, routes of the new one
            assert policy(lab, "PE1") == "old" and accepted_routes(lab, "PE1") == NEW_ROUTES
    recover = run_playbook(RECOVER, lab.inventory_path, workdir=str(tmp_path / "recover"), extra_vars=variables,
                           args=("--limit", "PE1"))
    assert recover.ok, recover.summary()
    final = json.loads((reports / "PE1.json").read_text())

    # never mixed: no trial, one policy, the routes that policy gives, and the report saying which
    assert not trial_pending(lab, "PE1")
    assert lab.candidate_config("PE1") == lab.running_config("PE1")
    running = policy(lab, "PE1")
    assert accepted_routes(lab, "PE1") == (NEW_ROUTES if running == "new" else OLD_ROUTES), running
    assert final["status"] in ("reconciled", "confirmed", "rolled_back"), final
    if final["status"] == "reconciled":
        assert final["router_state"]["policy"] == running, final
        assert final["soft_reset_commands"] == ["refresh bgp %s import" % PEERS["PE1"]["ce"]], final
    assert ("%s: %s" % ("PE1", final["status"].upper())) in recover.stdout

    # a second recovery finds the last run finished and sends nothing but displays
    again = run_playbook(RECOVER, lab.inventory_path, workdir=str(tmp_path / "again"), extra_vars=variables,
                         args=("--limit", "PE1"))
    assert again.ok and "PE1: NOTHING_TO_DO" in again.stdout, again.summary()
    assert OLD_LINE in lab.running_config("PE1") or NEW_LINE in lab.running_config("PE1")
