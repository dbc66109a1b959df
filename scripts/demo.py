#!/usr/bin/env python3
"""`make demo`: start the demo lab, run a BGP policy rollout on it, print what happened per router, stop the lab.

1. `python -m vrpsim lab up vrpsim/topologies/demo.yml --state-dir .vrpsim/demo` (PE1, PE2, RR1 + simulated
   upstreams and CEs);
2. `ansible-playbook -i .vrpsim/demo/inventory.yml playbooks/bgp_policy_rollout.yml -e @playbooks/vars/demo_rollout.yml`
   with the repository's ansible.cfg (the collection comes from `.collections/`, where `make setup` installed
   the built tarball); each router's report is written to .vrpsim/demo/reports/<router>.json;
3. prints each router's report: what changed, how each peer was refreshed, prefix deltas;
4. stops the lab, also on failure or Ctrl-C.

Exit status: 0 only when ansible-playbook succeeded AND every router has a report saying its rollout was
confirmed (or had nothing to change). A router without a report is shown as not run, never as done.
"""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
TOPOLOGY = os.path.join("vrpsim", "topologies", "demo.yml")
STATE_DIR = os.path.join(".vrpsim", "demo")
REPORT_DIR = os.path.join(STATE_DIR, "reports")
PLAYBOOK = os.path.join("playbooks", "bgp_policy_rollout.yml")
VARS_FILE = os.path.join("playbooks", "vars", "demo_rollout.yml")
GOOD = ("confirmed", "unchanged", "nothing_to_do")


def lab(*args):
    return subprocess.run([sys.executable, "-m", "vrpsim", "lab"] + list(args), cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def lab_routers():
    with open(os.path.join(ROOT, STATE_DIR, "lab.json")) as handle:
        return list(json.load(handle)["routers"])


def describe(report):
    """Readable lines for one router's report: the lines the role prints (one home: the filter plugin)."""
    spec = importlib.util.spec_from_file_location(
        "vrp_rollout_report", os.path.join(ROOT, "plugins", "filter", "vrp_rollout_report.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.vrp_rollout_summary(report)


def main():
    started = time.time()
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_FORCE_COLOR="0",
               PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    lab("down", "--state-dir", STATE_DIR)  # a lab left over from an interrupted demo
    up = lab("up", TOPOLOGY, "--state-dir", STATE_DIR)
    if up.returncode != 0:
        print(up.stdout)
        print("demo: FAILED to start the lab (nothing was rolled out)")
        return 1
    try:
        routers = lab_routers()
        print("demo: lab up (%s) in %s" % (", ".join(routers), STATE_DIR))
        shutil.rmtree(os.path.join(ROOT, REPORT_DIR), ignore_errors=True)
        os.makedirs(os.path.join(ROOT, REPORT_DIR))
        command = [os.path.join(BIN, "ansible-playbook"), "-i", os.path.join(STATE_DIR, "inventory.yml"),
                   PLAYBOOK, "-e", "@" + VARS_FILE, "-e", "report_dir=" + os.path.join(ROOT, REPORT_DIR)]
        print("demo: %s" % " ".join(command[1:]))
        sys.stdout.flush()
        rc = subprocess.call(command, cwd=ROOT, env=env)

        print("\n" + "=" * 78 + "\nRollout report per router\n" + "=" * 78)
        statuses = {}
        for router in routers:
            path = os.path.join(ROOT, REPORT_DIR, router + ".json")
            if not os.path.exists(path):
                statuses[router] = "not run"
                print("%s: NOT RUN (the rollout stopped before this router)" % router)
                continue
            with open(path) as handle:
                report = json.load(handle)
            statuses[router] = report["status"]
            print("\n".join(describe(report)))
        print("=" * 78)
        ok = rc == 0 and all(status in GOOD for status in statuses.values())
        summary = ", ".join("%s %s" % (r, s) for r, s in statuses.items())
        if ok:
            print("demo: rollout completed in %.0f s: %s" % (time.time() - started, summary))
            return 0
        print("demo: rollout FAILED (ansible-playbook exit %d): %s" % (rc, summary))
        return 1
    finally:
        down = lab("down", "--state-dir", STATE_DIR)
        print("demo: lab stopped" if down.returncode == 0 else "demo: could not stop the lab:\n" + down.stdout)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("demo: interrupted")
        sys.exit(130)
