#!/usr/bin/env python3
"""Figures of issue 17 (docs/benchmarks.md, "The execution environment and sliced jobs"):

    .venv/bin/python scripts/ee_bench.py [--routers 20] [--sliced-routers 60] [--slices 1,3,6]
                                         [--parts ee,sliced] [--out build/ee-bench]

- ``ee``: the rollout (bench/run.py's lab and change: ``topology``, ``rollout_vars``; forks 25) on N
  routers, each on a fresh ``vrpsim lab up``: on the host (dev venv ansible-playbook), inside the EE with
  ``podman run`` (bench/measure.py runs INSIDE the container, so its CPU figure is the container's
  process tree), and through ansible-navigator with ee/ansible-navigator.yml (the documented command;
  end-to-end wall only). Plus the image size.
- ``sliced``: the rollout as scripts/awx_slices.py runs it (N concurrent ansible-runner jobs over
  disjoint slices, each with its own keeper), on a fresh lab of M routers per N; the controller side is
  measured as a whole (bench/measure.py around awx_slices.py: every job's process tree).
vrpsim's CPU is read from the lab process for each run. Results: OUT/results.json, OUT/results.md.
"""
import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = os.path.join(ROOT, ".venv", "bin", "python")
MEASURE = os.path.join(ROOT, "bench", "measure.py")
NAVIGATOR = os.path.join(ROOT, "build", "venvs", "navigator", "bin", "ansible-navigator")
IMAGE = "localhost/netops-vrp-ee:latest"


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = load("bench_run", os.path.join(ROOT, "bench", "run.py"))


def fresh_lab(count, workdir, name):
    path = os.path.join(workdir, name + ".topology.json")
    with open(path, "w") as handle:
        json.dump(bench.topology(count), handle)
    return bench.Lab(path, os.path.join(workdir, name + ".lab"))


def check_logins(lab):
    logins = [bench.harness.logins(lab, r) for r in lab.routers]
    return [min(logins), max(logins)]


def run_host(count, workdir):
    lab = fresh_lab(count, workdir, "host")
    try:
        cpu0 = lab.cpu_s()
        figures = bench.run_ansible(lab, os.path.join(ROOT, "playbooks", "bgp_policy_rollout.yml"), workdir, "host",
                                    25, extra_vars=bench.rollout_vars(0))[0]
        figures.update(vrpsim_cpu_s=round(lab.cpu_s() - cpu0, 2), logins=check_logins(lab))
        return figures
    finally:
        lab.down()


def ee_job_dir(lab, workdir, name):
    job = os.path.join(workdir, name)
    shutil.rmtree(job, ignore_errors=True)
    os.makedirs(job)
    os.chmod(job, 0o777)                 # the EE runs as uid 1000
    shutil.copy(lab.inventory_path, os.path.join(job, "inventory.yml"))
    with open(os.path.join(job, "vars.json"), "w") as handle:
        json.dump(bench.rollout_vars(0), handle)
    for path in os.listdir(job):
        os.chmod(os.path.join(job, path), 0o644)
    return job


def run_ee(count, workdir):
    lab = fresh_lab(count, workdir, "ee")
    try:
        job = ee_job_dir(lab, workdir, "ee-job")
        cpu0, started = lab.cpu_s(), time.time()
        proc = subprocess.run(["podman", "run", "--rm", "--net=host", "--pull", "never", "-v", job + ":" + job,
                               "-v", os.path.dirname(MEASURE) + ":/bench:ro", "-e", "ANSIBLE_HOST_KEY_CHECKING=False",
                               IMAGE, "python3", "/bench/measure.py", job + "/measure.json", "--", "ansible-playbook",
                               "-i", job + "/inventory.yml", "netops.vrp.bgp_policy_rollout",
                               "-e", "@" + job + "/vars.json",
                               "--forks", "25"], capture_output=True, text=True, timeout=3600)
        wall = time.time() - started
        if proc.returncode != 0:
            raise RuntimeError("podman run failed: %s" % (proc.stdout + proc.stderr)[-3000:])
        with open(os.path.join(job, "measure.json")) as handle:
            figures = json.load(handle)
        figures.update(podman_run_wall_s=round(wall, 2), vrpsim_cpu_s=round(lab.cpu_s() - cpu0, 2),
                       logins=check_logins(lab))
        return figures
    finally:
        lab.down()


def run_navigator(count, workdir):
    lab = fresh_lab(count, workdir, "nav")
    try:
        job = ee_job_dir(lab, workdir, "nav-job")
        env = dict(os.environ, ANSIBLE_NAVIGATOR_CONFIG=os.path.join(ROOT, "ee", "ansible-navigator.yml"),
                   XDG_CACHE_HOME=os.path.join(ROOT, "build", "ee", "xdg-cache"), ANSIBLE_NOCOLOR="1")
        env.pop("ANSIBLE_CONFIG", None)
        started = time.time()
        proc = subprocess.run([NAVIGATOR, "run", "netops.vrp.bgp_policy_rollout", "-i", job + "/inventory.yml",
                               "-e", "@" + job + "/vars.json", "--forks", "25", "--lf", job + "/navigator.log"],
                              cwd=job, env=env, capture_output=True, text=True, timeout=3600)
        wall = time.time() - started
        if proc.returncode != 0:
            raise RuntimeError("navigator failed: %s" % (proc.stdout + proc.stderr)[-3000:])
        return {"wall_s": round(wall, 2), "logins": check_logins(lab)}
    finally:
        lab.down()


def run_sliced(count, slices, workdir):
    lab = fresh_lab(count, workdir, "sliced%d" % slices)
    try:
        out = os.path.join(workdir, "sliced%d" % slices)
        vars_path = out + ".vars.json"
        with open(vars_path, "w") as handle:
            json.dump(bench.rollout_vars(0), handle)
        env = dict(os.environ, VRP_PASSWORD="Admin@123")
        env.pop("ANSIBLE_CONFIG", None)
        cpu0 = lab.cpu_s()
        figures, log = bench.measured([PYTHON, os.path.join(ROOT, "scripts", "awx_slices.py"), lab.inventory_path,
                                       "--slices", str(slices), "--vars", vars_path, "--out", out, "--user", "admin",
                                       "--collections", os.path.join(ROOT, ".collections")],
                                      workdir, "sliced%d" % slices, env=env)
        if figures["rc"] != 0:
            raise RuntimeError("sliced run failed; see %s" % log)
        with open(os.path.join(out, "merged.json")) as handle:
            merged = json.load(handle)
        figures.update(vrpsim_cpu_s=round(lab.cpu_s() - cpu0, 2), logins=check_logins(lab),
                       statuses=merged["statuses"], lab_up_s=round(lab.up_s, 1),
                       jobs_wall_s=[round(j["wall_s"], 1) for j in merged["jobs"]])
        return figures
    finally:
        lab.down()


def image_facts():
    size = subprocess.run(["podman", "image", "inspect", "--format", "{{.Size}}", IMAGE], capture_output=True,
                          text=True, check=True).stdout.strip()
    started = time.time()
    proc = subprocess.run([PYTHON, os.path.join(ROOT, "ee", "build.py")], cwd=ROOT, capture_output=True, text=True)
    return {"image_mb": round(int(size) / 1e6), "warm_build_s": round(time.time() - started, 2),
            "warm_build_output": proc.stderr.strip()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--routers", type=int, default=20)
    parser.add_argument("--sliced-routers", type=int, default=60)
    parser.add_argument("--slices", default="1,3,6")
    parser.add_argument("--parts", default="ee,sliced")
    parser.add_argument("--out", default=os.path.join(ROOT, "build", "ee-bench"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    args.out = os.path.abspath(args.out)
    workdir = tempfile.mkdtemp(prefix="ee-bench-", dir=args.out)
    results_path = os.path.join(args.out, "results.json")
    results = {}
    if os.path.exists(results_path):
        with open(results_path) as handle:
            results = json.load(handle)
    parts = args.parts.split(",")
    if "ee" in parts:
        results["image"] = image_facts()
        results["rollout_%d" % args.routers] = {"host": run_host(args.routers, workdir),
                                                 "ee_podman_run": run_ee(args.routers, workdir),
                                                 "ee_navigator": run_navigator(args.routers, workdir)}
    if "sliced" in parts:
        results["sliced_%d" % args.sliced_routers] = {
            str(n): run_sliced(args.sliced_routers, n, workdir) for n in map(int, args.slices.split(","))}
    results["machine"] = {"cpus": os.cpu_count(), "when": time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime())}
    with open(results_path, "w") as handle:
        json.dump(results, handle, indent=1, sort_keys=True)
    print(json.dumps(results, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
