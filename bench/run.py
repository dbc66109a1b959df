#!/usr/bin/env python3
"""The BGP policy rollout at fleet scale, side by side with the raw netmiko floor, the Ansible floor and
what users do today (issue 8).

    .venv/bin/python bench/run.py [--sizes 10,100,500] [--forks 25] [--out build/bench]
                                  [--variants rollout,debug,raw,cli_command] [--peers 20]
                                  [--batch-size 5] [--batch-pause 0] [--cli-command-max 10]

For each size N it generates a lab of N routers (``topology``: ~20 BGP peers each over peer groups, a VPN
instance and VPNv4) and runs, each on a FRESH lab started with ``python -m vrpsim lab up`` (so vrpsim's
CPU and RSS are its own process's, and every variant starts from the same router state):

- ``rollout``      (3) ``playbooks/bgp_policy_rollout.yml`` (role netops.vrp.bgp_policy_rollout), forks 25;
                   runs first: its lab transcript gives every router's exact command sequence;
- ``debug``        (2) the same play shape (hosts, serial, forks, max_fail_percentage) with one
                   ``ansible.builtin.debug`` per task the rollout ran on a host (loop items counted) and one
                   skipped task per task it skipped: what Ansible itself costs;
- ``raw``          (1) a threaded raw netmiko script (one python process, the collection's ``FastVrpv8``
                   driver, same serial waves, at most ``forks`` routers at once) replaying that exact
                   command sequence (displays, config, commit trial, refresh, displays, confirm);
- ``cli_command``  (4) the same command sequence with ``ansible.netcommon.cli_command`` (one loop item per
                   command) over ``ansible.netcommon.network_cli`` with ``community.network.ce``
                   terminal/cliconf plugins, taken from PyPI's ``ansible`` package (see ``USER_COLLECTIONS``);
                   it costs a module run per command, so it runs only up to ``--cli-command-max`` routers
                   and the table gives an estimate beyond.

Each variant's controller runs under ``bench/measure.py`` (subreaper: the session keeper and
``ansible-connection`` processes are counted). Results: ``OUT/results.json`` and ``OUT/results.md``.
"""
import argparse
import datetime
import glob
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import importlib.util  # noqa: E402

_spec = importlib.util.spec_from_file_location("_netops_root_conftest", os.path.join(ROOT, "conftest.py"))
_root = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_root)   # working-tree collection symlink + ANSIBLE_COLLECTIONS_PATH

import harness  # noqa: E402

from vrpsim.__main__ import control_request  # noqa: E402

VARIANTS = ("rollout", "debug", "raw", "cli_command")
LABELS = {"raw": "(1) raw netmiko", "debug": "(2) Ansible floor (debug)", "rollout": "(3) netops.vrp rollout",
          "cli_command": "(4) cli_command + network_cli (ce)"}
PYTHON = os.path.join(ROOT, ".venv", "bin", "python")
MEASURE = os.path.join(ROOT, "bench", "measure.py")
SERIAL = [1, "25%"]                      # the rollout playbook's defaults (rollout_canary, rollout_wave)
# What users install today, from PyPI (Galaxy is not reachable here): collections from PyPI's ``ansible``
# package. netcommon 7.x (ansible 11) fails on ansible-core 2.19 (``_parse_returned_data()`` gained an
# argument), and ansible 12 no longer ships community.network: so netcommon/utils come from ansible 12
# and community.network (the last one with the CloudEngine ``ce`` cliconf/terminal) from ansible 11.
USER_COLLECTIONS = {"ansible/netcommon": "ansible==12.3.0", "ansible/utils": "ansible==12.3.0",
                    "community/network": "ansible==11.13.0"}
UPSTREAMS = 17                           # + 2 iBGP ring neighbours + 1 CE = 20 peers per router
CLK_TCK = os.sysconf("SC_CLK_TCK")


# -- the lab ------------------------------------------------------------------------------------------
def loopback(i):
    return "10.%d.%d.%d" % (1 + i // 62500, (i // 250) % 250, i % 250 + 1)


def topology(count, peers=20):
    """N routers in AS 65000, each with ``peers`` BGP peers: two iBGP ring neighbours in group IBGP (IPv4 +
    VPNv4), ``peers - 3`` external upstreams in group UPSTREAM (IPv4, with an import policy) and one CE in
    VPN instance vpna (with an import policy). Externals are vrpsim-simulated speakers (cheap)."""
    upstreams = max(1, peers - 3)
    routers, externals = [], []
    for i in range(count):
        name = "R%d" % (i + 1)
        neighbours = sorted({loopback((i + 1) % count), loopback((i - 1) % count)} - {loopback(i)})
        lines = ["sysname " + name,
                 "ip vpn-instance vpna", " ipv4-family", "  route-distinguisher 65000:%d" % (i + 1),
                 "  vpn-target 65000:1 both",
                 "interface LoopBack0", " ip address %s 32" % loopback(i),
                 "bgp 65000", " router-id " + loopback(i),
                 " group IBGP internal", " peer IBGP connect-interface LoopBack0", " group UPSTREAM external"]
        for n in neighbours:
            lines += [" peer %s as-number 65000" % n, " peer %s group IBGP" % n]
        for k in range(1, upstreams + 1):
            lines += [" peer 192.0.2.%d as-number %d" % (k, 64500 + k), " peer 192.0.2.%d group UPSTREAM" % k]
        lines += [" ipv4-family unicast", "  undo synchronization", "  peer IBGP enable"]
        lines += ["  peer %s group IBGP" % n for n in neighbours]
        lines += ["  peer UPSTREAM enable", "  peer UPSTREAM route-policy RP-UPSTREAM-IN import",
                  " ipv4-family vpnv4", "  policy vpn-target", "  peer IBGP enable"]
        lines += ["  peer %s group IBGP" % n for n in neighbours]
        lines += [" ipv4-family vpn-instance vpna", "  peer 172.16.0.2 as-number 65020",
                  "  peer 172.16.0.2 route-policy RP-CE-IN import",
                  "route-policy RP-UPSTREAM-IN permit node 10", " if-match ip-prefix PL-UPSTREAM-IN",
                  "route-policy RP-CE-IN permit node 10", " if-match ip-prefix PL-CE-IN",
                  "ip ip-prefix PL-UPSTREAM-IN index 10 permit 203.0.113.0 24 less-equal 28",
                  "ip ip-prefix PL-CE-IN index 10 permit 10.20.0.0 16 less-equal 24"]
        routers.append({"name": name, "addresses": [loopback(i)], "config": "\n".join(lines) + "\n"})
        for k in range(1, upstreams + 1):
            externals.append({"name": "%s-UP%d" % (name, k), "router": name, "address": "192.0.2.%d" % k,
                              "as": 64500 + k, "route_refresh": True,
                              "routes": [{"prefix": "203.0.113.%d/28" % (16 * (k % 16)), "as_path": [64500 + k]},
                                         {"prefix": "10.%d.%d.0/24" % (50 + k, i % 250), "as_path": [64500 + k]}]})
        externals.append({"name": "%s-CE" % name, "router": name, "address": "172.16.0.2", "vpn_instance": "vpna",
                          "as": 65020, "route_refresh": True,
                          "routes": [{"prefix": "10.20.%d.0/24" % (i % 250), "as_path": [65020]}]})
    return {"name": "bench%d" % count, "defaults": {"username": "admin", "password": "Admin@123",
                                                    "host": "127.0.0.1"},
            "base_port": 0, "timing": {"establish_delay": 0.1, "trial_time_scale": 1.0},
            "routers": routers, "external_peers": externals}


def rollout_vars(batch_pause, batch_size=5):
    """One policy change per router (upstream import prefix list, CE import prefix list, a VPNv4 export
    policy) in one trial commit; soft resets: UPSTREAM import (batches of 5 peers), the CE import, VPNv4
    export to the IBGP group."""
    return {
        "bgp_policy_rollout_changes": [
            {"name": "upstream-import-narrowed",
             "config": "ip ip-prefix PL-UPSTREAM-IN index 10 permit 203.0.113.0 24 less-equal 27\n"},
            {"name": "ce-import-exact", "config": "ip ip-prefix PL-CE-IN index 10 permit 10.20.0.0 16 less-equal 23\n"},
            {"name": "vpnv4-export-community", "config": (
                "route-policy RP-VPNV4-OUT permit node 10\n apply community 65000:100 additive\n"
                "bgp 65000\n ipv4-family vpnv4\n  peer IBGP route-policy RP-VPNV4-OUT export\n")},
        ],
        "bgp_policy_rollout_targets": [
            {"name": "UPSTREAM import", "address_family": "ipv4", "groups": ["UPSTREAM"], "direction": "import"},
            {"name": "CE import", "address_family": "vpn-instance", "vpn_instance": "vpna", "peers": ["172.16.0.2"],
             "direction": "import"},
            {"name": "VPNv4 export", "address_family": "vpnv4", "groups": ["IBGP"], "direction": "export"},
        ],
        "bgp_policy_rollout_batch_pause": batch_pause,
        "bgp_policy_rollout_batch_size": batch_size,
    }


class Lab:
    """A vrpsim lab in its own background process (``python -m vrpsim lab up``)."""

    def __init__(self, topology_path, state_dir):
        self.state_dir = state_dir
        shutil.rmtree(state_dir, ignore_errors=True)
        started = time.time()
        out = subprocess.run([PYTHON, "-m", "vrpsim", "lab", "up", topology_path, "--state-dir", state_dir],
                             cwd=ROOT, env=dict(os.environ, **harness.python_path_env()), check=True,
                             capture_output=True, text=True, timeout=900).stdout
        self.up_s = time.time() - started
        info = json.loads(out)
        self.pid, self.routers = info["pid"], sorted(info["routers"])
        self.inventory_path = os.path.join(state_dir, "inventory.yml")

    def cpu_s(self):
        with open("/proc/%d/stat" % self.pid) as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def peak_rss_mb(self):
        with open("/proc/%d/status" % self.pid) as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
        return None

    def reset_peak_rss(self):
        with open("/proc/%d/clear_refs" % self.pid, "w") as handle:
            handle.write("5")       # resets VmHWM to the current RSS

    def transcript(self, router):
        records, path = [], os.path.join(self.state_dir, "transcripts", router + ".jsonl")
        if not os.path.exists(path):            # the router was never logged into
            return records
        with open(path) as handle:
            for line in handle:
                if line.strip():
                    records.append(json.loads(line))
        return records

    def bgp(self, router):
        return control_request(self.state_dir, "bgp", {"router": router})

    def down(self):
        subprocess.run([PYTHON, "-m", "vrpsim", "lab", "down", "--state-dir", self.state_dir], cwd=ROOT,
                       env=dict(os.environ, **harness.python_path_env()), capture_output=True, timeout=120)


# -- variants ------------------------------------------------------------------------------------------
def ansible_env(workdir, keeper_dir, collections_path=None):
    env = dict(os.environ)
    env.update({
        "ANSIBLE_CONFIG": os.path.join(ROOT, "ansible.cfg"),
        # the tests' results callback, keeping only each host-task's status, loop items and duration
        "ANSIBLE_CALLBACK_PLUGINS": harness._callback_dir(),
        "ANSIBLE_CALLBACKS_ENABLED": harness._CALLBACK_NAME,
        "NETOPS_TEST_RESULTS_SHAPE_ONLY": "1",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCAL_TEMP": os.path.join(workdir, ".ansible-tmp"),
        "NETOPS_VRP_KEEPER_DIR": keeper_dir,
        "PATH": os.path.join(ROOT, ".venv", "bin") + os.pathsep + os.environ.get("PATH", ""),
    })
    if collections_path:
        env["ANSIBLE_COLLECTIONS_PATH"] = collections_path
    return env


def measured(command, workdir, name, env=None, stdin_text=None, timeout=7200):
    """Run ``command`` under bench/measure.py; returns (figures, log path)."""
    figures_path = os.path.join(workdir, name + ".measure.json")
    log_path = os.path.join(workdir, name + ".log")
    with open(log_path, "w") as log:
        proc = subprocess.run([PYTHON, MEASURE, figures_path, "--"] + command, cwd=workdir, env=env,
                              input=stdin_text, text=True, stdout=log, stderr=subprocess.STDOUT, timeout=timeout)
    if proc.returncode or not os.path.exists(figures_path):
        raise RuntimeError("measure.py failed (rc %s); see %s" % (proc.returncode, log_path))
    with open(figures_path) as handle:
        return json.load(handle), log_path


def run_ansible(lab, playbook_path, workdir, name, forks, extra_vars=None, collections_path=None):
    keeper_dir = tempfile.mkdtemp(prefix="nvk-")    # short: a unix socket path has at most 107 bytes
    results_path = os.path.join(workdir, name + ".shape.json")
    env = ansible_env(workdir, keeper_dir, collections_path)
    env["NETOPS_TEST_RESULTS"] = results_path
    command = [os.path.join(ROOT, ".venv", "bin", "ansible-playbook"), "-i", lab.inventory_path, playbook_path,
               "--forks", str(forks)]
    if extra_vars:
        vars_path = os.path.join(workdir, name + ".vars.json")
        with open(vars_path, "w") as handle:
            json.dump(extra_vars, handle)
        command += ["-e", "@" + vars_path]
    try:
        figures, log_path = measured(command, workdir, name, env=env)   # returns once the keeper has exited
    finally:
        shutil.rmtree(keeper_dir, ignore_errors=True)
    data = None
    if os.path.exists(results_path):
        with open(results_path) as handle:
            data = json.load(handle)
    return figures, log_path, data


# The raw baseline: one python process, netmiko imported once, the collection's FastVrpv8 driver, one
# thread per router in a wave (at most ``forks`` at once), each: login, the router's commands, logout.
RAW_SCRIPT = r"""
import json, sys, threading
from concurrent.futures import ThreadPoolExecutor
sys.path.insert(0, sys.argv[1])   # the working tree's collection symlink tree (conftest.py)
from ansible_collections.netops.vrp.plugins.plugin_utils.netmiko_driver import fast_vrpv8_class
driver = fast_vrpv8_class()
job = json.loads(sys.stdin.read())
errors = []
def run(name):
    r = job["routers"][name]
    try:
        conn = driver(host=r["host"], port=r["port"], username=r["username"], password=r["password"],
                      fast_cli=True, allow_agent=False, use_keys=False)
        for command in job["commands"][name]:
            conn.send_vrp(command, read_timeout=120)
        conn.disconnect()
    except Exception as exc:
        errors.append("%s: %r" % (name, exc))
with ThreadPoolExecutor(max_workers=job["forks"]) as pool:
    for wave in job["waves"]:
        list(pool.map(run, wave))
        if errors:
            break
sys.exit("\n".join(errors) if errors else 0)
"""


def serial_waves(hosts, serial=SERIAL):
    """Ansible's batches for ``serial: [1, '25%']`` (the last value repeats; percentages of all hosts)."""
    waves, todo, index = [], list(hosts), 0
    while todo:
        value = serial[min(index, len(serial) - 1)]
        size = int(len(hosts) * float(value[:-1]) / 100) if isinstance(value, str) else int(value)
        size = max(1, size)
        waves.append(todo[:size])
        todo, index = todo[size:], index + 1
    return waves


def run_raw(lab, workdir, forks, commands):
    with open(lab.inventory_path) as handle:
        hosts = yaml.safe_load(handle)["all"]["children"]["vrp"]["hosts"]
    job = {"forks": forks, "waves": serial_waves(lab.routers), "commands": commands,
           "routers": {name: {"host": h["ansible_host"], "port": h["ansible_port"], "username": h["ansible_user"],
                              "password": h["ansible_password"]} for name, h in hosts.items()}}
    figures, log_path = measured([PYTHON, "-c", RAW_SCRIPT, _root.COLLECTIONS_ROOT], workdir, "raw",
                                 stdin_text=json.dumps(job))
    return figures, log_path


def debug_playbook(executed, skipped):
    tasks = [{"name": "task %d" % i, "ansible.builtin.debug": {"msg": "task %d" % i}} for i in range(executed)]
    tasks += [{"name": "skipped %d" % i, "ansible.builtin.debug": {"msg": "skipped"}, "when": False}
              for i in range(skipped)]
    return yaml.safe_dump([{"name": "The rollout's shape with debug tasks", "hosts": "vrp", "gather_facts": False,
                            "serial": SERIAL, "max_fail_percentage": 0, "tasks": tasks}], sort_keys=False)


def cli_command_playbook():
    """What users do today: the router's commands one by one through cli_command over network_cli."""
    return yaml.safe_dump([{
        "name": "The rollout's commands with ansible.netcommon.cli_command over network_cli (ce)",
        "hosts": "vrp", "gather_facts": False, "serial": SERIAL, "max_fail_percentage": 0,
        "vars": {"ansible_connection": "ansible.netcommon.network_cli",
                 "ansible_network_os": "community.network.ce",
                 # network_cli reads neither the lab's netops_vrp_known_hosts_file nor its key: no check here
                 "ansible_host_key_checking": False},
        "tasks": [{"name": "Send the command sequence", "ansible.netcommon.cli_command": {"command": "{{ item }}"},
                   "loop": "{{ bench_commands[inventory_hostname] }}",
                   "loop_control": {"label": "{{ item }}"}}]}], sort_keys=False)


def user_collections(cache_dir):
    """The USER_COLLECTIONS, extracted once from the ``ansible`` wheels (``pip download`` into CACHE/dl) into
    CACHE/collections."""
    target = os.path.join(cache_dir, "collections")
    marker = os.path.join(target, "extracted.json")
    if os.path.exists(marker):
        with open(marker) as handle:
            if json.load(handle) == USER_COLLECTIONS:
                return target, None
    shutil.rmtree(target, ignore_errors=True)
    download = os.path.join(cache_dir, "dl")
    os.makedirs(download, exist_ok=True)
    for collection, package in sorted(USER_COLLECTIONS.items()):
        pattern = os.path.join(download, "ansible-%s-*.whl" % package.split("==")[1])
        if not glob.glob(pattern):
            proc = subprocess.run([os.path.join(ROOT, ".venv", "bin", "pip"), "download", package, "--no-deps",
                                   "-d", download], capture_output=True, text=True, timeout=900)
            if not glob.glob(pattern):
                return None, "pip download %s failed: %s" % (package, (proc.stderr or proc.stdout)[-300:])
        prefix = "ansible_collections/%s/" % collection
        with zipfile.ZipFile(glob.glob(pattern)[0]) as wheel:
            for member in wheel.namelist():
                if member.startswith(prefix):
                    wheel.extract(member, target)
    if not os.path.exists(os.path.join(target, "ansible_collections/community/network/plugins/cliconf/ce.py")):
        return None, "community.network from %s has no ce cliconf plugin" % USER_COLLECTIONS["community/network"]
    with open(marker, "w") as handle:
        json.dump(USER_COLLECTIONS, handle)
    return target, None


def collection_versions(path):
    out = {}
    for name in USER_COLLECTIONS:
        try:
            with open(os.path.join(path, "ansible_collections", name, "MANIFEST.json")) as handle:
                out[name.replace("/", ".")] = json.load(handle)["collection_info"]["version"]
        except (OSError, ValueError, KeyError):
            pass
    return out


# -- reading the lab ---------------------------------------------------------------------------------
def router_commands(lab):
    """{router: [commands]} as the routers received them (login chatter and the logout ``quit`` left out)."""
    return {name: harness.commands_sent(lab, name) for name in lab.routers}


def lab_counts(lab, commands):
    logins = [harness.logins(lab, name) for name in lab.routers]
    counts = [len(commands[name]) for name in lab.routers]
    return {"logins_per_router": [min(logins), max(logins)], "commands_per_router": [min(counts), max(counts)],
            "commands_total": sum(counts)}


def task_shape(data):
    """Per host: tasks (loop items counted) that ran, tasks skipped, and the per-task durations (seconds)."""
    executed, skipped, durations = {}, {}, {}
    for play in (data or {}).get("plays", []):
        for task in play["tasks"]:
            for host, res in task["hosts"].items():
                if res.get("_status") == "skipped":
                    skipped[host] = skipped.get(host, 0) + 1
                    continue
                executed[host] = executed.get(host, 0) + res.get("_items", 1)
                key = "%s [%s]" % (task["name"], task["action"])
                durations.setdefault(key, []).append(res.get("_duration") or 0.0)
    return executed, skipped, durations


# -- one size ------------------------------------------------------------------------------------------
def run_size(size, opts, out_dir):
    workdir = os.path.join(out_dir, "n%d" % size)
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    topo_path = os.path.join(workdir, "topology.yml")
    with open(topo_path, "w") as handle:
        yaml.safe_dump(topology(size, opts.peers), handle, sort_keys=False)
    results, commands, shape = {}, None, None
    for variant in VARIANTS:
        if variant not in opts.variants:
            continue
        entry = {"variant": variant, "label": LABELS[variant], "routers": size}
        results[variant] = entry
        if variant != "rollout" and commands is None:
            entry.update(status="not run", reason="needs the rollout's transcript, and the rollout did not run")
            continue
        if variant == "cli_command" and size > opts.cli_command_max:
            entry.update(status="not run", reason="larger than --cli-command-max %d (a module run per command; "
                         "see the estimate below the slopes)" % opts.cli_command_max)
            continue
        collections_path = None
        if variant == "cli_command":
            collections_path, why = user_collections(opts.cache)
            if why:
                entry.update(status="not run", reason=why)
                continue
            entry["collections"] = collection_versions(collections_path)
        lab = Lab(topo_path, os.path.join(workdir, "lab-" + variant))
        entry["lab_up_s"] = round(lab.up_s, 2)
        try:
            time.sleep(0.3)                      # sessions Established (establish_delay 0.1 s)
            cpu0 = lab.cpu_s()
            lab.reset_peak_rss()
            data = None
            if variant == "rollout":
                figures, log, data = run_ansible(lab, os.path.join(ROOT, "playbooks", "bgp_policy_rollout.yml"),
                                                 workdir, variant, opts.forks,
                                                 extra_vars=rollout_vars(opts.batch_pause, opts.batch_size))
            elif variant == "debug":
                path = os.path.join(workdir, "debug.yml")
                with open(path, "w") as handle:
                    handle.write(debug_playbook(shape["executed"], shape["skipped"]))
                figures, log, data = run_ansible(lab, path, workdir, variant, opts.forks)
            elif variant == "raw":
                figures, log = run_raw(lab, workdir, opts.forks, commands)
            else:
                path = os.path.join(workdir, "cli_command.yml")
                with open(path, "w") as handle:
                    handle.write(cli_command_playbook())
                figures, log, data = run_ansible(
                    lab, path, workdir, variant, opts.forks, extra_vars={"bench_commands": commands},
                    collections_path=collections_path + os.pathsep + os.environ["ANSIBLE_COLLECTIONS_PATH"])
            entry.update(figures)
            entry["vrpsim_cpu_s"] = round(lab.cpu_s() - cpu0, 2)
            entry["vrpsim_peak_rss_mb"] = round(lab.peak_rss_mb(), 1)
            entry["log"] = os.path.relpath(log, out_dir)
            seen = router_commands(lab)
            entry.update(lab_counts(lab, seen))
            if figures["rc"] != 0:
                with open(log) as handle:
                    tail = handle.read()[-1500:]
                entry.update(status="failed", reason="exit status %s; log tail: %s" % (figures["rc"], tail))
            else:
                entry["status"] = "ok"
            if variant == "rollout" and entry["status"] == "ok":
                commands = seen
                executed, skipped, durations = task_shape(data)
                shape = {"executed": max(executed.values()), "skipped": max(skipped.values() or [0]),
                         "executed_per_host": [min(executed.values()), max(executed.values())]}
                entry["tasks_per_router"] = shape
                entry["task_durations"] = {k: {"count": len(v), "mean_s": round(sum(v) / len(v), 3),
                                               "max_s": round(max(v), 3)} for k, v in durations.items()}
                with open(os.path.join(workdir, "commands.json"), "w") as handle:
                    json.dump(commands, handle, indent=1)
            if variant in ("raw", "cli_command") and commands is not None:
                entry["same_commands_as_rollout"] = seen == commands
        finally:
            lab.down()
    return results


def ratio(a, b):
    return round(a / b, 2) if a is not None and b else None


def summarise(sizes_results):
    """Ratios per size and slopes (least squares over the sizes) per variant."""
    ratios = {}
    for size, res in sizes_results.items():
        ok = {v: r for v, r in res.items() if r.get("status") == "ok"}
        row = {}
        if all(v in ok for v in ("raw", "debug", "rollout")):
            for key in ("wall_s", "cpu_s"):
                row["(3-2)/1 " + key] = ratio(ok["rollout"][key] - ok["debug"][key], ok["raw"][key])
        if "rollout" in ok and "cli_command" in ok:
            for key in ("wall_s", "cpu_s"):
                row["3/4 " + key] = ratio(ok["rollout"][key], ok["cli_command"][key])
        ratios[size] = row
    slopes = {}
    for variant in VARIANTS:
        points = [(size, res[variant]) for size, res in sizes_results.items()
                  if res.get(variant, {}).get("status") == "ok"]
        if len(points) < 2:
            continue
        slopes[variant] = {key: fit([p[0] for p in points], [p[1][key] for p in points])
                           for key in ("wall_s", "cpu_s", "vrpsim_cpu_s")}
        slopes[variant]["sizes"] = [p[0] for p in points]
    return ratios, slopes


def fit(xs, ys):
    """Least-squares line y = a + b*x; returns {per_router: b, fixed: a, r2}."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=False)) / sxx if sxx else 0.0
    a = my - b * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - a - b * x) ** 2 for x, y in zip(xs, ys, strict=False))
    return {"per_router": round(b, 4), "fixed": round(a, 3), "r2": round(1 - ss_res / ss_tot, 4) if ss_tot else None}


def fmt(value, spec="%.2f"):
    if value is None:
        return "-"
    if isinstance(value, list):
        return value[0] if value[0] == value[1] else "%s-%s" % tuple(value)
    return spec % value if isinstance(value, float) else str(value)


def estimate_cli_command(report):
    """Variant (4) at the sizes it skipped, linear in the commands sent, from the largest size it ran at."""
    ran = [(int(size), res["cli_command"]) for size, res in report["results"].items()
           if res.get("cli_command", {}).get("status") == "ok"]
    skipped = [(int(size), res) for size, res in report["results"].items()
               if res.get("cli_command", {}).get("status") == "not run" and res.get("rollout", {}).get("status") == "ok"]
    if not ran or not skipped:
        return []
    base_size, base = max(ran, key=lambda item: item[0])
    cpu_per_command = base["cpu_s"] / base["commands_total"]
    lines = ["", "Estimate for (4) where it did not run: its CPU is linear in the commands sent (%.2f CPU-s per "
             "command at %d routers); its wall time is at least that CPU spread over the %d cores:"
             % (cpu_per_command, base_size, report["cpus"]), ""]
    for size, res in skipped:
        cpu = cpu_per_command * res["rollout"]["commands_total"]
        wall = cpu / report["cpus"]
        lines.append("- %d routers: ~%.0f CPU-s, >= ~%.0f s wall; (3)/(4) CPU ~%.3f, wall <= ~%.3f"
                     % (size, cpu, wall, res["rollout"]["cpu_s"] / cpu, res["rollout"]["wall_s"] / wall))
    return lines


def markdown(report):
    lines = ["# netops.vrp benchmark results", "",
             "Generated by `bench/run.py` on %s (%s, %d CPUs, Python %s); forks %d; %d peers per router; "
             "soft reset batch size %s, batch pause %s s. Controller = the variant's process tree incl. session keeper / "
             "ansible-connection. CPU = user+sys seconds. RSS: `max proc` = largest single process peak "
             "(ru_maxrss), `sum` = peak of the summed RSS of the tree sampled every 0.2 s. vrpsim = the lab "
             "server process (separate from the controller)."
             % (report["generated"], report["machine"], report["cpus"], report["python"], report["forks"],
                report["peers"], report.get("batch_size", 5), report["batch_pause"]), "",
             "| routers | variant | status | wall s | ctrl CPU s | ctrl RSS max proc MB | ctrl RSS sum MB | "
             "vrpsim CPU s | vrpsim peak RSS MB | logins/router | commands/router |",
             "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size, res in report["results"].items():
        for variant in VARIANTS:
            r = res.get(variant)
            if not r:
                continue
            status = r["status"] if r["status"] == "ok" else "%s: %s" % (r["status"], r.get("reason", "")[:200])
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                size, r["label"], status.replace("|", "/").replace("\n", " "), fmt(r.get("wall_s")),
                fmt(r.get("cpu_s")), fmt(r.get("rss_max_process_mb"), "%.0f"), fmt(r.get("rss_peak_sum_mb"), "%.0f"),
                fmt(r.get("vrpsim_cpu_s")), fmt(r.get("vrpsim_peak_rss_mb"), "%.0f"),
                fmt(r.get("logins_per_router")), fmt(r.get("commands_per_router"))))
    lines += ["", "## Ratios", "", "| routers | ratio | value |", "|---:|---|---:|"]
    for size, row in report["ratios"].items():
        for key, value in row.items():
            lines.append("| %s | %s | %s |" % (size, key, fmt(value)))
    lines += ["", "## Slope (least squares over the sizes that ran)", "",
              "| variant | sizes | wall s per router | CPU s per router | vrpsim CPU s per router | wall r2 |",
              "|---|---|---:|---:|---:|---:|"]
    for variant, s in report["slopes"].items():
        lines.append("| %s | %s | %.3f | %.3f | %.3f | %s |" % (
            LABELS[variant], ",".join(str(x) for x in s["sizes"]), s["wall_s"]["per_router"],
            s["cpu_s"]["per_router"], s["vrpsim_cpu_s"]["per_router"], s["wall_s"]["r2"]))
    lines += estimate_cli_command(report)
    for size, res in report["results"].items():
        rollout = res.get("rollout", {})
        if rollout.get("task_durations"):
            lines += ["", "## Rollout tasks at %s routers (per host-task duration, seconds)" % size, "",
                      "| task | host-tasks | mean s | max s |", "|---|---:|---:|---:|"]
            by_total = sorted(rollout["task_durations"].items(), key=lambda kv: -kv[1]["mean_s"] * kv[1]["count"])
            for name, d in by_total:
                lines.append("| %s | %d | %.3f | %.3f |" % (name.replace("|", "/"), d["count"], d["mean_s"], d["max_s"]))
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,500", help="router counts, comma-separated")
    parser.add_argument("--forks", type=int, default=25)
    parser.add_argument("--peers", type=int, default=20, help="BGP peers per router (at least 4)")
    parser.add_argument("--out", default=os.path.join(ROOT, "build", "bench"))
    parser.add_argument("--cache", default=os.path.join(ROOT, "build", "bench"),
                        help="where the ansible wheels are downloaded and variant (4)'s collections extracted")
    parser.add_argument("--variants", default=",".join(VARIANTS), help="subset of " + ",".join(VARIANTS))
    parser.add_argument("--batch-pause", type=int, default=0,
                        help="bgp_policy_rollout_batch_pause (seconds between soft reset batches; the raw "
                             "replay does not pause, so 0 keeps the comparison about cost)")
    parser.add_argument("--batch-size", type=int, default=5,
                        help="bgp_policy_rollout_batch_size (peers per batch of refresh commands in a target's "
                             "one soft reset call; the role's default is 5)")
    parser.add_argument("--cli-command-max", type=int, default=10,
                        help="largest size at which variant (4) runs (it costs a module run per command)")
    opts = parser.parse_args()
    opts.variants = [v.strip() for v in opts.variants.split(",") if v.strip()]
    unknown = set(opts.variants) - set(VARIANTS)
    if unknown:
        parser.error("unknown variants: %s" % ", ".join(sorted(unknown)))
    if opts.peers < 4:
        parser.error("--peers must be at least 4")
    sizes = [int(s) for s in opts.sizes.split(",") if s.strip()]
    if any(s < 2 for s in sizes):
        parser.error("sizes must be at least 2 routers (the iBGP ring)")
    out_dir = os.path.abspath(opts.out)
    os.makedirs(out_dir, exist_ok=True)
    report = {"generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "machine": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
              "forks": opts.forks, "peers": opts.peers, "batch_pause": opts.batch_pause,
              "batch_size": opts.batch_size, "sizes": sizes,
              "variants": opts.variants, "serial": SERIAL, "user_collections": USER_COLLECTIONS, "results": {}}
    for size in sizes:
        started = time.time()
        report["results"][size] = run_size(size, opts, out_dir)
        print("size %d done in %.0f s: %s" % (size, time.time() - started, ", ".join(
            "%s %s %s s" % (v, r["status"], r.get("wall_s", "-")) for v, r in report["results"][size].items())),
            flush=True)
        report["ratios"], report["slopes"] = summarise(report["results"])
        with open(os.path.join(out_dir, "results.json"), "w") as handle:     # after every size: partial runs count
            json.dump(report, handle, indent=2)
        with open(os.path.join(out_dir, "results.md"), "w") as handle:
            handle.write(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
