#!/usr/bin/env python3
"""Run the rollout as AWX job slicing runs a sliced job template: N concurrent ansible-runner jobs over
disjoint slices of the inventory, then merge their reports (issue 17; docs/awx.md "Sliced waves").

    .venv/bin/python scripts/awx_slices.py INVENTORY.yml --slices 3 --vars VARS.yml --out DIR
           [--user U --password-env VAR] [--forks 25] [--collections PATH] [--known-hosts FILE] [--check]

What AWX does, and what this does the same way:
- slicing: the job template's inventory hosts, in inventory order, are dealt round-robin into N slices
  (``slice_hosts``); slice k runs as its own job with only its hosts;
- every job gets its own private data dir (``DIR/slice-K``: project, inventory, ``env/``, artifacts) and
  runs in its own process tree, so its own session keeper (``NETOPS_VRP_KEEPER_DIR``: a fresh directory
  per job, as each AWX job has its own EE container and /tmp);
- the Machine credential: ``-u USER --ask-pass`` and the password answered at ansible-playbook's prompt;
  the inventory holds no credentials;
- the jobs start together and run concurrently; the workflow (or the user) sees one status per job.
Each job writes its routers' rollout reports to its own ``report_dir``; ``merge`` folds them into ONE
report (``DIR/merged.json``): every router's report, which slice ran it, and the count per status.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLAYBOOK = os.path.join(ROOT, "playbooks", "bgp_policy_rollout.yml")
GOOD = ("confirmed", "unchanged", "nothing_to_do", "would_change")


def slice_hosts(hosts, count):
    """AWX job slicing: host i (inventory order) goes to slice i % count (slices numbered from 1)."""
    if count < 1:
        raise ValueError("slice count must be at least 1, got %r" % (count,))
    return [list(hosts)[k::count] for k in range(count)]


def read_inventory(path):
    """(host vars without credentials, group vars) of group ``vrp`` of a lab inventory, in inventory order."""
    with open(path) as handle:
        vrp = yaml.safe_load(handle)["all"]["children"]["vrp"]
    credentials = ("ansible_user", "ansible_password", "ansible_ssh_pass")
    hosts = {h: {k: v for k, v in (hv or {}).items() if k not in credentials} for h, hv in vrp["hosts"].items()}
    return hosts, vrp.get("vars", {})


def prepare_job(pdd, hosts, inventory, extravars, username, password, forks=25, check=False,
                collections_path=None, known_hosts=None, name="job"):
    """One AWX-shaped private data dir for ``hosts`` (a subset of ``inventory`` = read_inventory(...));
    returns the job dict ``run_jobs`` takes."""
    host_vars, group_vars = inventory
    shutil.rmtree(pdd, ignore_errors=True)
    project = os.path.join(pdd, "project")
    os.makedirs(project)
    shutil.copy(PLAYBOOK, project)
    os.makedirs(os.path.join(pdd, "inventory"))
    hosts_yaml = {"all": {"children": {"vrp": {"hosts": {h: host_vars[h] for h in hosts}, "vars": group_vars}}}}
    with open(os.path.join(pdd, "inventory", "hosts.yml"), "w") as handle:
        yaml.safe_dump(hosts_yaml, handle)
    env = os.path.join(pdd, "env")
    os.makedirs(env)
    report_dir = os.path.join(pdd, "reports")
    os.makedirs(report_dir)
    keeper_dir = tempfile.mkdtemp(prefix="nvk-")   # short: a unix socket path holds at most 107 bytes
    # ansible-runner turns host key checking off unless the environment says otherwise: say it either way
    envvars = {"NETOPS_VRP_KEEPER_DIR": keeper_dir, "ANSIBLE_HOST_KEY_CHECKING": str(bool(known_hosts))}
    if known_hosts:
        envvars["NETOPS_VRP_KNOWN_HOSTS_FILE"] = known_hosts
    if collections_path:
        envvars["ANSIBLE_COLLECTIONS_PATH"] = collections_path
    cmdline = ["-u", username, "--ask-pass", "--forks", str(forks)] + (["--check"] if check else [])
    files = {"cmdline": " ".join(cmdline), "passwords": json.dumps({r"SSH password:\s*?$": password}),
             "extravars": json.dumps(dict(extravars, report_dir=report_dir)), "envvars": json.dumps(envvars)}
    for filename, text in files.items():
        with open(os.path.join(env, filename), "w") as handle:
            handle.write(text)
    return {"name": name, "hosts": list(hosts), "pdd": pdd, "report_dir": report_dir, "keeper_dir": keeper_dir}


def run_jobs(jobs, timeout=1800):
    """Start every job (ansible-runner, as AWX's dispatcher does), then wait for all; each job dict gains
    status, rc, stats, events and wall_s (from the common start)."""
    import ansible_runner

    # ansible-runner runs the ansible-playbook on PATH: this Python's (the venv's, or the EE's)
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    started = time.monotonic()
    for job in jobs:
        job["_thread"], job["_runner"] = ansible_runner.run_async(
            private_data_dir=job["pdd"], playbook=os.path.basename(PLAYBOOK), quiet=True, timeout=timeout,
            ident=job["name"])
    for job in jobs:
        job.pop("_thread").join()
        job["wall_s"] = time.monotonic() - started
        runner = job.pop("_runner")
        job.update(status=runner.status, rc=runner.rc, stats=runner.stats, events=list(runner.events))
        shutil.rmtree(job["keeper_dir"], ignore_errors=True)
    return jobs


def run_slices(inventory_path, count, extravars, out_dir, username, password, **kwargs):
    """The sliced job: N jobs over ``slice_hosts`` of the inventory, run concurrently."""
    inventory = read_inventory(inventory_path)
    jobs = [prepare_job(os.path.join(out_dir, "slice-%d" % number), hosts, inventory, extravars, username,
                        password, name="slice-%d" % number, **kwargs)
            for number, hosts in enumerate(slice_hosts(inventory[0], count), 1)]
    for number, job in enumerate(jobs, 1):
        job["slice"] = number
    return run_jobs(jobs)


def merge(jobs):
    """ONE report for the sliced run: every router's report with its job (slice), counts per status, and the
    routers that have no report (their slice stopped before them) or were in no slice."""
    routers, missing = {}, []
    for job in jobs:
        for host in job["hosts"]:
            path = os.path.join(job["report_dir"], host + ".json")
            if not os.path.exists(path):
                missing.append(host)
                continue
            with open(path) as handle:
                routers[host] = dict(json.load(handle), job=job["name"])
    statuses = {}
    for report in routers.values():
        statuses[report["status"]] = statuses.get(report["status"], 0) + 1
    ok = all(j["status"] == "successful" for j in jobs) and not missing and \
        all(r["status"] in GOOD for r in routers.values())
    return {"ok": ok, "jobs": [{k: j[k] for k in ("name", "status", "rc", "hosts", "wall_s")} for j in jobs],
            "statuses": statuses, "not_run": sorted(missing), "routers": routers}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("inventory")
    parser.add_argument("--slices", type=int, default=3)
    parser.add_argument("--vars", help="YAML file of extra vars (the rollout variables / survey answers)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password-env", default="VRP_PASSWORD", help="environment variable with the password")
    parser.add_argument("--forks", type=int, default=25)
    parser.add_argument("--collections", help="ANSIBLE_COLLECTIONS_PATH for the jobs")
    parser.add_argument("--known-hosts", help="known_hosts file: host key checking on (default: off)")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    password = os.environ.get(args.password_env)
    if not password:
        sys.exit("awx_slices: set the password in $%s" % args.password_env)
    extravars = {}
    if args.vars:
        with open(args.vars) as handle:
            extravars = yaml.safe_load(handle) or {}
    os.makedirs(args.out, exist_ok=True)
    jobs = run_slices(args.inventory, args.slices, extravars, os.path.abspath(args.out), args.user, password,
                      forks=args.forks, check=args.check, collections_path=args.collections,
                      known_hosts=args.known_hosts)
    for job in jobs:
        job.pop("events")
    merged = merge(jobs)
    with open(os.path.join(args.out, "merged.json"), "w") as handle:
        json.dump(merged, handle, indent=1, sort_keys=True)
    for job in merged["jobs"]:
        print("%s: %s (%d routers, %.1f s)" % (job["name"], job["status"], len(job["hosts"]), job["wall_s"]))
    print("routers per status: %s; not run: %s" % (merged["statuses"], merged["not_run"] or "none"))
    return 0 if merged["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
