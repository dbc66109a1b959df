#!/usr/bin/env python3
"""Per-task cost of netops.vrp tasks vs ansible.builtin.debug (the floor of any Ansible task).

    .venv/bin/python bench/per_task.py [--routers 20] [--tasks 10] [--forks 20] [--repeat 1]

Starts a vrpsim lab in this process (its CPU is not counted), then runs four playbooks with
ansible-playbook: netops.vrp.vrp_command (one ``display`` per task) and ansible.builtin.debug, each
with 1 task and with N tasks per router. CPU = user+sys of ansible-playbook, its workers and the
session keepers (this process is made a child subreaper, so the keepers are reaped and counted here).
Marginal per task = (N-task run - 1-task run) / (N - 1): start-up, logins and keeper start are
excluded; "per host-task" divides the CPU by the number of routers as well.
"""
import argparse
import ctypes
import json
import os
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


def topology(count):
    return {"name": "bench", "defaults": {"username": "admin", "password": "Admin@123", "host": "127.0.0.1"},
            "base_port": 0,
            "routers": [{"name": "R%d" % i, "addresses": ["10.9.%d.%d" % (i // 250, i % 250 + 1)],
                         "config": "sysname R%d\nbgp 65000\n router-id 10.9.%d.%d\n" % (i, i // 250, i % 250 + 1)}
                        for i in range(1, count + 1)]}


def playbook(kind, tasks):
    if kind == "vrp":
        task = {"netops.vrp.vrp_command": {"commands": ["display version"]}}
    else:
        task = {"ansible.builtin.debug": {"msg": "hello"}}
    return harness.tasks_playbook([dict(task, name="t%d" % i) for i in range(tasks)])


def run(lab, kind, tasks, forks, workdir):
    cpu0 = os.times()
    res = harness.run_playbook(playbook(kind, tasks), lab.inventory_path, workdir=workdir, forks=forks,
                               stdout_callback="ansible.builtin.minimal", keeper_dir=None)
    reap_all()
    cpu1 = os.times()
    cpu = (cpu1.children_user + cpu1.children_system) - (cpu0.children_user + cpu0.children_system)
    if not res.ok:
        raise SystemExit("%s run failed:\n%s" % (kind, res.summary()))
    return res.elapsed, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routers", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=10)
    parser.add_argument("--forks", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    opts = parser.parse_args()
    subreaper = become_subreaper()
    workdir = tempfile.mkdtemp(prefix="netops-bench-")
    figures = {}
    with running_lab(topology(opts.routers), os.path.join(workdir, "lab")) as lab:
        run(lab, "debug", 1, opts.forks, workdir)   # warm caches
        for kind in ("vrp", "debug"):
            samples = []
            for _ in range(opts.repeat):
                w1, c1 = run(lab, kind, 1, opts.forks, workdir)
                wn, cn = run(lab, kind, opts.tasks, opts.forks, workdir)
                samples.append((w1, c1, wn, cn))
            w1, c1, wn, cn = [min(s[i] for s in samples) for i in range(4)]
            marginal_wall = (wn - w1) / (opts.tasks - 1)
            marginal_cpu = (cn - c1) / (opts.tasks - 1)
            figures[kind] = {
                "play_1_task_wall": round(w1, 2), "play_1_task_cpu": round(c1, 2),
                "play_n_tasks_wall": round(wn, 2), "play_n_tasks_cpu": round(cn, 2),
                "marginal_wall_per_task": round(marginal_wall, 3),
                "marginal_cpu_per_task": round(marginal_cpu, 3),
                "marginal_cpu_per_host_task": round(marginal_cpu / opts.routers, 4),
            }
        logins = {name: lab.logins(name) for name in lab.routers}
    figures["overhead_vs_debug"] = {
        "wall_per_task": round(figures["vrp"]["marginal_wall_per_task"] - figures["debug"]["marginal_wall_per_task"], 3),
        "cpu_per_host_task": round(figures["vrp"]["marginal_cpu_per_host_task"]
                                   - figures["debug"]["marginal_cpu_per_host_task"], 4),
    }
    figures["setup"] = {"routers": opts.routers, "tasks": opts.tasks, "forks": opts.forks,
                        "keeper_cpu_counted": subreaper, "logins_per_router_per_run": sorted(set(
                            v // (2 * opts.repeat) for v in logins.values())), "cpus": os.cpu_count()}
    if opts.json:
        print(json.dumps(figures, indent=2))
        return
    print("%d routers x %d tasks, forks %d (%d CPUs); keeper CPU counted: %s"
          % (opts.routers, opts.tasks, opts.forks, os.cpu_count(), subreaper))
    print("%-8s %10s %10s %10s %10s %14s %14s %18s" % ("module", "1-task s", "1-task cpu", "N-task s", "N-task cpu",
                                                      "wall/task", "cpu/task", "cpu/host-task"))
    for kind in ("vrp", "debug"):
        f = figures[kind]
        print("%-8s %10.2f %10.2f %10.2f %10.2f %14.3f %14.3f %18.4f" % (
            kind, f["play_1_task_wall"], f["play_1_task_cpu"], f["play_n_tasks_wall"], f["play_n_tasks_cpu"],
            f["marginal_wall_per_task"], f["marginal_cpu_per_task"], f["marginal_cpu_per_host_task"]))
    print("netops.vrp overhead over debug: %+.3f s wall per task, %+.4f CPU-s per host-task"
          % (figures["overhead_vs_debug"]["wall_per_task"], figures["overhead_vs_debug"]["cpu_per_host_task"]))


if __name__ == "__main__":
    main()
