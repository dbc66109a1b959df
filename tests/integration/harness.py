"""Integration-test harness: run real ``ansible-playbook`` against a vrpsim lab and read the results.

Typical use (fixtures in ``conftest.py`` wrap these)::

    def test_facts(lab, run_tasks):
        res = run_tasks('''
          - name: facts
            netops.vrp.bgp_facts:
        ''', check=True)
        assert res.ok, res.summary()
        assert res["facts"]["PE1"]["ansible_facts"]...
        assert_only_displays(lab, "PE1", since=res)
        assert commands_sent(lab, "PE1", since=res) == ["display ..."]

``run_playbook`` runs ``ansible-playbook`` as a subprocess with the lab's inventory (working-tree
collection via ``ANSIBLE_COLLECTIONS_PATH`` from the root conftest), a private keeper directory, and
a results callback (written on the fly) that records every task's per-host result as JSON; the
normal human-readable output stays in ``res.stdout`` for failure messages.
"""
import copy
import json
import os
import shutil
import subprocess
import tempfile
import textwrap
import threading
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.join(ROOT, ".venv", "bin")
DEFAULT_TIMEOUT = 300

# -- the results callback (installed into a temp dir, enabled with ANSIBLE_CALLBACKS_ENABLED) -------
_CALLBACK_NAME = "netops_test_results"
_CALLBACK_SOURCE = '''
import json, os, time
from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "%(name)s"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.plays, self.starts = [], {}

    def v2_playbook_on_play_start(self, play):
        self.plays.append({"name": play.get_name(), "tasks": []})

    def _task(self, task):
        if not self.plays:
            self.plays.append({"name": "", "tasks": []})
        tasks = self.plays[-1]["tasks"]
        for entry in tasks:
            if entry["uuid"] == task._uuid:
                return entry
        entry = {"name": task.get_name(), "action": task.action, "uuid": task._uuid, "hosts": {}}
        tasks.append(entry)
        return entry

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._task(task)

    def v2_runner_on_start(self, host, task):
        self.starts[(host.get_name(), task._uuid)] = time.time()

    def _record(self, result, status):
        host = result._host.get_name()
        if os.environ.get("NETOPS_TEST_RESULTS_SHAPE_ONLY"):
            # benchmarks: a few numbers per host-task; whole results kept in the main process would grow
            # the process every worker is forked from, a cost of the observer, not of the play
            items = result._result.get("results")
            data = {"_items": sum(1 for i in items if not i.get("skipped"))} if isinstance(items, list) else {}
        else:
            data = dict(result._result)
        data["_status"] = status
        start = self.starts.get((host, result._task._uuid))
        if start:
            data["_duration"] = time.time() - start
        self._task(result._task)["hosts"][host] = data

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        hosts = sorted(stats.processed.keys())
        out = {"plays": self.plays, "stats": dict((h, stats.summarize(h)) for h in hosts)}
        with open(os.environ["NETOPS_TEST_RESULTS"], "w") as handle:
            json.dump(out, handle, default=str)
''' % {"name": _CALLBACK_NAME}


def _callback_dir():
    path = os.path.join(tempfile.gettempdir(), "netops-vrp-test-callbacks-%d" % os.getuid())
    target = os.path.join(path, _CALLBACK_NAME + ".py")
    if not os.path.exists(target) or open(target).read() != _CALLBACK_SOURCE:
        os.makedirs(path, exist_ok=True)
        tmp = target + ".%d" % os.getpid()
        with open(tmp, "w") as handle:
            handle.write(_CALLBACK_SOURCE)
        os.replace(tmp, target)
    return path


# -- results ----------------------------------------------------------------------------------------
class TaskResult(dict):
    """``{host: result}`` of one task, plus ``name``, ``action`` and shortcuts."""

    def __init__(self, name, action, hosts):
        super().__init__(hosts)
        self.name, self.action = name, action

    @property
    def changed(self):
        return {h for h, r in self.items() if r.get("changed")}

    @property
    def failed(self):
        return {h for h, r in self.items() if r.get("_status") in ("failed", "unreachable")}

    def msgs(self):
        return {h: r.get("msg") for h, r in self.items()}


class PlaybookResult:
    """What one ``ansible-playbook`` run produced.

    ``rc``, ``stdout``, ``stderr``, ``started``/``ended`` (epoch, for ``since=``), ``elapsed``,
    ``cpu`` (user+sys seconds of ansible-playbook and its workers), ``stats`` ({host: {ok, changed,
    failures, ...}}), ``tasks`` (list of TaskResult), ``res["task name"]`` -> TaskResult,
    ``res.result("task name", "PE1")`` -> that host's result dict.
    """

    def __init__(self, rc, stdout, stderr, data, started, ended, cpu, keeper_dir, playbook_path):
        self.rc, self.stdout, self.stderr = rc, stdout, stderr
        self.started, self.ended, self.elapsed, self.cpu = started, ended, ended - started, cpu
        self.keeper_dir, self.playbook_path = keeper_dir, playbook_path
        self.data = data or {}
        self.stats = self.data.get("stats", {})
        self.tasks = [TaskResult(t["name"], t["action"], t["hosts"])
                      for play in self.data.get("plays", []) for t in play["tasks"]]

    @property
    def ok(self):
        return self.rc == 0

    def __getitem__(self, name):
        matches = [t for t in self.tasks if t.name == name]
        if not matches:
            raise KeyError("no task named %r; tasks: %s" % (name, [t.name for t in self.tasks]))
        return matches[-1]

    def result(self, task, host):
        return self[task][host]

    @property
    def changed_hosts(self):
        return {h for h, s in self.stats.items() if s.get("changed")}

    @property
    def failed_hosts(self):
        return {h for h, s in self.stats.items() if s.get("failures") or s.get("unreachable")}

    def summary(self):
        """Short text for assertion messages: rc, failing task messages, and the tail of the output."""
        lines = ["ansible-playbook rc=%s (%.1fs)" % (self.rc, self.elapsed)]
        for task in self.tasks:
            for host, res in task.items():
                if res.get("_status") in ("failed", "unreachable"):
                    lines.append("  %s [%s]: %s" % (task.name, host, res.get("msg")))
        tail = (self.stdout + "\n" + self.stderr).strip().splitlines()[-40:]
        return "\n".join(lines + ["--- output tail ---"] + tail)

    def __repr__(self):
        return "<PlaybookResult rc=%s tasks=%d elapsed=%.1fs>" % (self.rc, len(self.tasks), self.elapsed)


# -- running ----------------------------------------------------------------------------------------
def tasks_playbook(tasks, hosts="vrp", gather_facts=False, name="test", play_vars=None, serial=None):
    """Wrap a YAML string (or list) of tasks into a one-play playbook YAML string."""
    if isinstance(tasks, str):
        tasks = yaml.safe_load(textwrap.dedent(tasks))
    play = {"name": name, "hosts": hosts, "gather_facts": gather_facts}
    if play_vars:
        play["vars"] = play_vars
    if serial is not None:
        play["serial"] = serial
    play["tasks"] = tasks
    return yaml.safe_dump([play], sort_keys=False)


def _children_cpu():
    usage = os.times()
    return usage.children_user + usage.children_system


def run_playbook(playbook, inventory, workdir=None, check=False, diff=False, extra_vars=None, forks=None,
                 limit=None, verbosity=0, env=None, timeout=DEFAULT_TIMEOUT, keeper_dir=None,
                 stdout_callback=None, args=(), interrupt=None):
    """Run ``ansible-playbook`` and return a PlaybookResult.

    ``playbook``: YAML text (or a path to a file); ``inventory``: path (a lab's ``inventory_path``);
    ``extra_vars``: dict passed as JSON ``-e``; ``env``: extra environment; ``keeper_dir``: where the
    session keepers put their sockets (default: a fresh short temp dir, removed afterwards if empty).
    ``interrupt``: called in a thread with the running process (started in a session of its own, so
    ``os.killpg(proc.pid, ...)`` reaches its workers and nothing else) and the keeper directory, to kill
    or interrupt it at a chosen moment (the controller fault matrix).
    """
    workdir = workdir or tempfile.mkdtemp(prefix="netops-vrp-play-")
    os.makedirs(str(workdir), exist_ok=True)
    if os.path.exists(str(playbook)) and not str(playbook).lstrip().startswith("-"):
        playbook_path = str(playbook)
    else:
        playbook_path = os.path.join(str(workdir), "playbook-%d.yml" % int(time.time() * 1000))
        with open(playbook_path, "w") as handle:
            handle.write(textwrap.dedent(playbook))
    # in workdir, never beside a playbook of the repository
    results_path = os.path.join(str(workdir), os.path.basename(playbook_path) + ".results.json")
    own_keeper_dir = keeper_dir is None
    keeper_dir = keeper_dir or tempfile.mkdtemp(prefix="nvk-")

    cmd = [os.path.join(VENV_BIN, "ansible-playbook"), "-i", str(inventory), playbook_path]
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    if extra_vars:
        cmd += ["-e", json.dumps(extra_vars)]
    if forks:
        cmd += ["--forks", str(forks)]
    if limit:
        cmd += ["--limit", limit]
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    cmd += list(args)

    full_env = dict(os.environ)
    full_env.update({
        "ANSIBLE_CALLBACK_PLUGINS": _callback_dir(),
        "ANSIBLE_CALLBACKS_ENABLED": _CALLBACK_NAME,
        "ANSIBLE_STDOUT_CALLBACK": stdout_callback or "default",
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "yaml",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCAL_TEMP": os.path.join(str(workdir), ".ansible-tmp"),
        "NETOPS_TEST_RESULTS": results_path,
        "NETOPS_VRP_KEEPER_DIR": keeper_dir,
        "PATH": VENV_BIN + os.pathsep + os.environ.get("PATH", ""),
    })
    full_env.setdefault("ANSIBLE_CONFIG", os.path.join(ROOT, "ansible.cfg"))
    full_env.update(env or {})

    cpu_before = _children_cpu()
    started = time.time()
    popen = subprocess.Popen(cmd, cwd=str(workdir), env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, start_new_session=interrupt is not None)
    worker = None
    if interrupt is not None:
        worker = threading.Thread(target=interrupt, args=(popen, keeper_dir), daemon=True)
        worker.start()
    try:
        out, err = popen.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        popen.kill()
        popen.communicate()
        raise
    if worker is not None:
        worker.join(timeout=5)
    proc = subprocess.CompletedProcess(cmd, popen.returncode, out, err)
    ended = time.time()
    cpu = _children_cpu() - cpu_before
    data = None
    if os.path.exists(results_path):
        with open(results_path) as handle:
            data = json.load(handle)
    result = PlaybookResult(proc.returncode, proc.stdout, proc.stderr, data, started, ended, cpu, keeper_dir,
                            playbook_path)
    if own_keeper_dir:
        _remove_when_keepers_gone(keeper_dir)
    return result


def run_tasks(tasks, inventory, hosts="vrp", play_vars=None, serial=None, **kwargs):
    """``run_playbook(tasks_playbook(tasks, hosts), inventory, **kwargs)``."""
    return run_playbook(tasks_playbook(tasks, hosts=hosts, play_vars=play_vars, serial=serial), inventory,
                        **kwargs)


# -- keepers --------------------------------------------------------------------------------------
def keeper_processes(keeper_dir):
    """PIDs of session keepers started with ``NETOPS_VRP_KEEPER_DIR=keeper_dir``."""
    marker = ("NETOPS_VRP_KEEPER_DIR=%s" % keeper_dir).encode()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as handle:
                if b"keeper_server.py" not in handle.read():
                    continue
            with open("/proc/%s/environ" % entry, "rb") as handle:
                if marker in handle.read().split(b"\0"):
                    pids.append(int(entry))
        except OSError:
            continue
    return pids


def wait_keepers_gone(keeper_dir, timeout=5.0):
    """Wait until no keeper of ``keeper_dir`` runs and no socket is left; returns (pids, sockets) left."""
    deadline = time.time() + timeout
    while True:
        pids = keeper_processes(keeper_dir)
        sockets = [f for f in os.listdir(keeper_dir) if f.endswith(".sock")] if os.path.isdir(keeper_dir) else []
        if (not pids and not sockets) or time.time() > deadline:
            return pids, sockets
        time.sleep(0.1)


def _remove_when_keepers_gone(keeper_dir):
    pids, sockets = wait_keepers_gone(keeper_dir, timeout=3.0)
    if not pids and not sockets:
        shutil.rmtree(keeper_dir, ignore_errors=True)


# -- transcript helpers ---------------------------------------------------------------------------------
def _since_ts(since):
    if since is None:
        return None
    if isinstance(since, PlaybookResult):
        return since.started
    return float(since)


def transcript(lab, router, since=None):
    """The router's transcript records since ``since`` (a PlaybookResult, an epoch float, or None)."""
    ts = _since_ts(since)
    records = lab.transcript(router)
    if ts is None:
        return records
    return [r for r in records if r["ts"] >= ts - 0.002]


def commands_sent(lab, router, since=None, include_login=False):
    """Commands the router received since ``since``, in order.

    Netmiko's login chatter (empty lines, ``screen-length 0 temporary``) and the keeper's logout
    ``quit`` are left out unless ``include_login=True``.
    """
    out = []
    for record in transcript(lab, router, since):
        if record["event"] != "command":
            continue
        command = record.get("command", "")
        if not include_login and (command.strip() == "" or command.startswith("screen-length ")
                                  or (command == "quit" and (record.get("prompt") or "").startswith("<"))):
            continue
        out.append(command)
    return out


def logins(lab, router, since=None):
    return sum(1 for r in transcript(lab, router, since) if r["event"] == "login")


def assert_only_displays(lab, router, since=None):
    """Assert the router saw nothing but ``display`` commands (plus login/logout chatter) since ``since``."""
    bad = [c for c in commands_sent(lab, router, since) if not c.strip().startswith("display")]
    assert not bad, "%s received non-display commands: %r" % (router, bad)


def python_path_env():
    """Environment for subprocesses that must import vrpsim from the working tree."""
    return {"PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}


__all__ = ["PlaybookResult", "TaskResult", "assert_only_displays", "commands_sent", "keeper_processes",
           "logins", "run_playbook", "run_tasks", "tasks_playbook", "transcript", "wait_keepers_gone"]


DEMO_TOPOLOGY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "vrpsim", "topologies", "demo.yml")


def demo_topology(**router_overrides):
    """The shipped demo topology with fast session set-up; ``PE1={...}`` overrides a router's keys."""
    with open(DEMO_TOPOLOGY) as handle:
        topo = yaml.safe_load(handle)
    topo["timing"]["establish_delay"] = 0.2
    for router in topo["routers"]:
        router.update(copy.deepcopy(router_overrides.get(router["name"], {})))
    return topo


# -- helpers the role tests share ------------------------------------------------------------------
def report_files(directory):
    """``{router: report}`` from the ``<router>.json`` files a rollout wrote under ``directory`` (not the run
    journals, ``<router>.journal.jsonl``)."""
    out = {}
    for name in sorted(os.listdir(str(directory))):
        if name.endswith(".json"):
            with open(os.path.join(str(directory), name)) as handle:
                out[name[:-len(".json")]] = json.load(handle)
    return out


def trial_by_hand(lab, router, lines):
    """A trial commit of ``lines`` by a session that then goes (what an interrupted run of the rollout leaves);
    returns its commit id."""
    shell = lab.shell(router)
    try:
        for line in ["system-view"] + lines + ["commit trial 600", "return"]:
            shell.run(line)
    finally:
        shell.close()
    assert lab.wait_logged_out(router)
    time.sleep(0.01)   # transcript checks "since" the next run must not see these lines
    commit_id = lab.control("status")["routers"][router]["trial_commit_id"]
    assert commit_id is not None
    return commit_id
