#!/usr/bin/env python3
"""Per-task and per-play cost of netops.vrp tasks vs ansible.builtin.debug and a raw netmiko script.

    .venv/bin/python bench/per_task.py [--routers 20] [--tasks 10] [--forks 20] [--repeat 1] [--json]

Starts a vrpsim lab in this process (its CPU is not counted), then measures, against the same lab:
- ``vrp``: ansible-playbook running netops.vrp.vrp_command (one ``display version`` per task), with
  1 task and with N tasks per router;
- ``debug``: the same plays with ansible.builtin.debug (the floor of any Ansible task);
- ``raw``: a raw threaded netmiko script (a separate python process: import netmiko once, one thread
  per router, connect + the same displays + disconnect), with 1 and with N displays per router. It uses
  the collection's own driver (``FastVrpv8``: no 2.2 s silence waits), so the difference to ``vrp``
  is the collection's machinery and Ansible, not the driver.
CPU = user+sys of the child processes: ansible-playbook, its workers and the session keeper (this
process is made a child subreaper, so the keeper is reaped and counted here), or the raw script.

Figures
- marginal per task = (N-task run - 1-task run) / (N - 1): start-up, logins, keeper start excluded;
- per-play fixed cost = 1-task run - one marginal task (what a play costs before its first task);
- collection overhead = vrp - debug (marginal per task, and fixed per play);
- ratio = (vrp - debug) / raw for the 1-task and the N-task play (target <= 1.5).
"""
import argparse
import ctypes
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import importlib.util  # noqa: E402

_spec = importlib.util.spec_from_file_location("_netops_root_conftest", os.path.join(ROOT, "conftest.py"))
_root = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_root)   # collection symlink + ANSIBLE_COLLECTIONS_PATH

import harness  # noqa: E402

from vrpsim.testing import running_lab  # noqa: E402

PR_SET_CHILD_SUBREAPER = 36
COMMAND = "display version"

# The raw baseline, run as its own python process (start-up and the netmiko import count, as they do
# for a user's script). Routers and the command count arrive as JSON on stdin.
RAW_SCRIPT = r"""
import json, sys, threading
sys.path.insert(0, sys.argv[1])   # the working tree's collection symlink tree (conftest.py)
from ansible_collections.netops.vrp.plugins.plugin_utils.netmiko_driver import fast_vrpv8_class
driver = fast_vrpv8_class()                      # imports netmiko, once
job = json.loads(sys.stdin.read())
errors = []
def run(r):
    try:
        conn = driver(host=r["host"], port=r["port"], username=r["username"], password=r["password"],
                      fast_cli=True, allow_agent=False, use_keys=False)
        for _ in range(job["count"]):
            conn.send_vrp(job["command"], read_timeout=60)
        conn.disconnect()
    except Exception as exc:
        errors.append("%s: %r" % (r["host"], exc))
threads = [threading.Thread(target=run, args=(r,)) for r in job["routers"]]
[t.start() for t in threads]; [t.join() for t in threads]
sys.exit("\n".join(errors) if errors else 0)
"""


def become_subreaper():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def reap_all(timeout=5.0):
    """Wait for orphaned keepers (now our children) so their CPU lands in os.times().children_*."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def children_cpu():
    usage = os.times()
    return usage.children_user + usage.children_system


def topology(count):
    return {"name": "bench", "defaults": {"username": "admin", "password": "Admin@123", "host": "127.0.0.1"},
            "base_port": 0,
            "routers": [{"name": "R%d" % i, "addresses": ["10.9.%d.%d" % (i // 250, i % 250 + 1)],
                         "config": "sysname R%d\nbgp 65000\n router-id 10.9.%d.%d\n" % (i, i // 250, i % 250 + 1)}
                        for i in range(1, count + 1)]}


def playbook(kind, tasks):
    if kind == "vrp":
        task = {"netops.vrp.vrp_command": {"commands": [COMMAND]}}
    else:
        task = {"ansible.builtin.debug": {"msg": "hello"}}
    return harness.tasks_playbook([dict(task, name="t%d" % i) for i in range(tasks)])


def total_logins(lab):
    return sum(lab.logins(name) for name in lab.routers)


def run_play(lab, kind, tasks, forks, workdir):
    logins0 = total_logins(lab)
    cpu0 = children_cpu()
    res = harness.run_playbook(playbook(kind, tasks), lab.inventory_path, workdir=workdir, forks=forks,
                               stdout_callback="ansible.builtin.minimal", keeper_dir=None)
    reap_all()
    cpu = children_cpu() - cpu0
    if not res.ok:
        raise SystemExit("%s run failed:\n%s" % (kind, res.summary()))
    return res.elapsed, cpu, total_logins(lab) - logins0


def run_raw(lab, count):
    job = {"command": COMMAND, "count": count,
           "routers": [{"host": r.host, "port": r.port, "username": r.username, "password": r.password}
                       for r in lab.routers.values()]}
    logins0 = total_logins(lab)
    cpu0 = children_cpu()
    started = time.time()
    proc = subprocess.run([sys.executable, "-c", RAW_SCRIPT, _root.COLLECTIONS_ROOT], input=json.dumps(job),
                          text=True, capture_output=True, timeout=600)
    elapsed = time.time() - started
    cpu = children_cpu() - cpu0
    if proc.returncode:
        raise SystemExit("raw netmiko run failed:\n%s%s" % (proc.stdout, proc.stderr))
    return elapsed, cpu, total_logins(lab) - logins0


def summarise(samples, tasks, routers):
    """min over repeats of (1-task wall, cpu, N-task wall, cpu) -> the figures of one kind."""
    w1, c1, wn, cn = [min(s[i] for s in samples) for i in range(4)]
    marginal_wall = (wn - w1) / (tasks - 1)
    marginal_cpu = (cn - c1) / (tasks - 1)
    return {
        "play_1_task_wall": round(w1, 3), "play_1_task_cpu": round(c1, 3),
        "play_n_tasks_wall": round(wn, 3), "play_n_tasks_cpu": round(cn, 3),
        "marginal_wall_per_task": round(marginal_wall, 3),
        "marginal_cpu_per_task": round(marginal_cpu, 3),
        "marginal_cpu_per_host_task": round(marginal_cpu / routers, 4),
        "fixed_wall_per_play": round(w1 - marginal_wall, 3),
        "fixed_cpu_per_play": round(c1 - marginal_cpu, 3),
        "logins_per_router_per_run": sorted(set(s[4] // routers for s in samples) | set(s[5] // routers
                                                                                       for s in samples)),
    }


def ratio(num, den):
    return round(num / den, 2) if den > 0 else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routers", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=10)
    parser.add_argument("--forks", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    opts = parser.parse_args()
    if opts.tasks < 2:
        parser.error("--tasks must be at least 2")
    subreaper = become_subreaper()
    workdir = tempfile.mkdtemp(prefix="netops-bench-")
    figures = {}
    with running_lab(topology(opts.routers), os.path.join(workdir, "lab")) as lab:
        run_play(lab, "debug", 1, opts.forks, workdir)   # warm caches
        for kind in ("vrp", "debug", "raw"):
            samples = []
            for _ in range(opts.repeat):
                if kind == "raw":
                    w1, c1, l1 = run_raw(lab, 1)
                    wn, cn, ln = run_raw(lab, opts.tasks)
                else:
                    w1, c1, l1 = run_play(lab, kind, 1, opts.forks, workdir)
                    wn, cn, ln = run_play(lab, kind, opts.tasks, opts.forks, workdir)
                samples.append((w1, c1, wn, cn, l1, ln))
            figures[kind] = summarise(samples, opts.tasks, opts.routers)
    vrp, debug, raw = figures["vrp"], figures["debug"], figures["raw"]
    overhead = {
        "marginal_wall_per_task": round(vrp["marginal_wall_per_task"] - debug["marginal_wall_per_task"], 3),
        "marginal_cpu_per_task": round(vrp["marginal_cpu_per_task"] - debug["marginal_cpu_per_task"], 3),
        "marginal_cpu_per_host_task": round(vrp["marginal_cpu_per_host_task"]
                                            - debug["marginal_cpu_per_host_task"], 4),
        "fixed_wall_per_play": round(vrp["fixed_wall_per_play"] - debug["fixed_wall_per_play"], 3),
        "fixed_cpu_per_play": round(vrp["fixed_cpu_per_play"] - debug["fixed_cpu_per_play"], 3),
    }
    # the collection's cost above the Ansible floor, in units of what a raw script needs for the same work
    overhead["ratio_1_task_wall"] = ratio(vrp["play_1_task_wall"] - debug["play_1_task_wall"], raw["play_1_task_wall"])
    overhead["ratio_1_task_cpu"] = ratio(vrp["play_1_task_cpu"] - debug["play_1_task_cpu"], raw["play_1_task_cpu"])
    overhead["ratio_n_tasks_wall"] = ratio(vrp["play_n_tasks_wall"] - debug["play_n_tasks_wall"],
                                           raw["play_n_tasks_wall"])
    overhead["ratio_n_tasks_cpu"] = ratio(vrp["play_n_tasks_cpu"] - debug["play_n_tasks_cpu"], raw["play_n_tasks_cpu"])
    figures["overhead_vs_debug"] = overhead
    figures["setup"] = {"routers": opts.routers, "tasks": opts.tasks, "forks": opts.forks, "repeat": opts.repeat,
                        "keeper_cpu_counted": subreaper, "cpus": os.cpu_count()}
    if opts.json:
        print(json.dumps(figures, indent=2))
        return
    print("%d routers x %d tasks, forks %d (%d CPUs); keeper CPU counted: %s; min of %d run(s)"
          % (opts.routers, opts.tasks, opts.forks, os.cpu_count(), subreaper, opts.repeat))
    print("%-6s %9s %9s %9s %9s %10s %10s %12s %10s %10s %7s" % (
        "kind", "1-task s", "1-task cpu", "N-task s", "N-task cpu", "wall/task", "cpu/task", "cpu/host-task",
        "fixed s", "fixed cpu", "logins"))
    for kind in ("vrp", "debug", "raw"):
        f = figures[kind]
        print("%-6s %9.2f %9.2f %9.2f %9.2f %10.3f %10.3f %12.4f %10.2f %10.2f %7s" % (
            kind, f["play_1_task_wall"], f["play_1_task_cpu"], f["play_n_tasks_wall"], f["play_n_tasks_cpu"],
            f["marginal_wall_per_task"], f["marginal_cpu_per_task"], f["marginal_cpu_per_host_task"],
            f["fixed_wall_per_play"], f["fixed_cpu_per_play"],
            "/".join(str(n) for n in f["logins_per_router_per_run"]) if kind != "debug" else "-"))
    print("netops.vrp over debug: marginal %+.3f s wall, %+.3f CPU-s per task (%+.4f CPU-s per host-task); "
          "fixed %+.2f s wall, %+.2f CPU-s per play"
          % (overhead["marginal_wall_per_task"], overhead["marginal_cpu_per_task"],
             overhead["marginal_cpu_per_host_task"], overhead["fixed_wall_per_play"], overhead["fixed_cpu_per_play"]))
    print("(vrp - debug) / raw: 1-task play %s wall, %s CPU; %d-task play %s wall, %s CPU (target <= 1.5)"
          % (overhead["ratio_1_task_wall"], overhead["ratio_1_task_cpu"], opts.tasks,
             overhead["ratio_n_tasks_wall"], overhead["ratio_n_tasks_cpu"]))


if __name__ == "__main__":
    main()
