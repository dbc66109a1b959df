"""A vrpsim lab: topology, routers, faults, transcripts, the control socket and the files it writes.

Everything runs in one asyncio loop (``Lab.start``/``Lab.stop``); ``server.py`` accepts SSH sessions
for each ``Router``; the BGP model (``vrpsim.bgp.BgpWorld``) is shared by all routers.
"""
import asyncio
import copy
import json
import logging
import os
import re
import signal
import socket
import time
from pathlib import Path

import asyncssh
import yaml

from vrpsim.cli import CliSession
from vrpsim.config import RouterConfig
from vrpsim.platform import PlatformError, profile_for, readings_for

log = logging.getLogger(__name__)

TOPOLOGY_DIR = Path(__file__).parent / "topologies"
HOST_KEY_FILE = "ssh_host_ed25519_key"
LAB_FILE = "lab.json"
INVENTORY_FILE = "inventory.yml"
KNOWN_HOSTS_FILE = "known_hosts"
CONTROL_SOCKET = "control.sock"
FAULT_KINDS = ("drop", "delay", "reject_commit", "peer_stuck", "auth_fail")


class TopologyError(ValueError):
    pass


def resolve_topology_path(name):
    """A topology file, or the name of a shipped one (``demo``)."""
    path = Path(name)
    if path.is_file():
        return path
    shipped = TOPOLOGY_DIR / (name + ".yml")
    if shipped.is_file():
        return shipped
    raise TopologyError("topology not found: %s" % name)


def load_topology(source):
    """Topology dict from a dict, a YAML path or a shipped topology name (a private copy)."""
    if isinstance(source, dict):
        topology = copy.deepcopy(source)
    else:
        with open(resolve_topology_path(str(source))) as f:
            topology = yaml.safe_load(f)
    if not isinstance(topology, dict) or not topology.get("routers"):
        raise TopologyError("a topology needs a 'routers' list")
    names = [r.get("name") for r in topology["routers"]]
    if None in names or len(set(names)) != len(names):
        raise TopologyError("every router needs a unique name")
    topology.setdefault("name", "lab")
    return topology


def default_state_dir(topology):
    return Path(".vrpsim") / topology["name"]


def load_host_key(state_dir):
    """One host key per lab (all routers share it), generated once and kept in the state dir."""
    path = Path(state_dir) / HOST_KEY_FILE
    if path.exists():
        return asyncssh.read_private_key(str(path))
    key = asyncssh.generate_private_key("ssh-ed25519")
    path.write_bytes(key.export_private_key())
    path.chmod(0o600)
    return key


class Faults:
    """Injected faults (internals.md "Faults"): matched per router, consumed by ``count`` when given."""

    def __init__(self):
        self.active = []

    def add(self, spec):
        kind = spec.get("kind")
        if kind not in FAULT_KINDS:
            raise ValueError("unknown fault kind %r" % kind)
        fault = dict(spec)
        if kind == "drop" and fault.get("when", "before") not in ("before", "during", "after"):
            raise ValueError("drop fault: 'when' must be before, during or after")
        fault["regex"] = re.compile(fault.get("match", ""))
        if kind in ("drop", "reject_commit"):
            fault.setdefault("count", 1)
        self.active.append(fault)
        return fault

    def clear(self, router=None):
        self.active = [f for f in self.active if router is not None and f.get("router") != router]

    def find(self, router, kind, command=None, when=None):
        for fault in self.active:
            if fault["kind"] != kind or fault.get("router") not in (None, router):
                continue
            if when is not None and fault.get("when", "before") != when:
                continue
            if command is not None and not fault["regex"].search(command):
                continue
            return fault
        return None

    def take(self, router, kind, command=None, when=None):
        """The matching fault, using up one of its ``count``; None if none applies."""
        fault = self.find(router, kind, command, when)
        if fault is not None and "count" in fault:
            fault["count"] -= 1
            if fault["count"] <= 0:
                self.active.remove(fault)
        return fault

    def delay(self, router, command):
        fault = self.take(router, "delay", command)
        return float(fault.get("seconds", 1.0)) if fault else 0.0

    def public(self):
        return [{k: v for k, v in f.items() if k != "regex"} for f in self.active]


class Router:
    """One emulated router: login settings, configuration, trial timer, transcript."""

    def __init__(self, lab, spec, index):
        defaults = lab.topology.get("defaults") or {}
        base_port = int(lab.topology.get("base_port") or 0)
        self.lab = lab
        self.name = spec["name"]
        self.host = spec.get("host", defaults.get("host", "127.0.0.1"))
        self.port = int(spec.get("port") or (base_port + index if base_port else 0))
        self.username = spec.get("username", defaults.get("username", "admin"))
        self.password = str(spec.get("password", defaults.get("password", "Admin@123")))
        keys = spec.get("authorized_keys", defaults.get("authorized_keys")) or []
        self.authorized_keys = {asyncssh.import_public_key(k).public_data for k in keys}
        self.namespace = None          # set in netns mode
        self.reset_confirm = bool(spec.get("reset_confirm", False))
        try:   # release profile and open-question readings (vrpsim/platform.py)
            self.platform = profile_for(spec, defaults)
            self.readings = readings_for(spec, defaults)
        except PlatformError as exc:
            raise TopologyError("%s: %s" % (self.name, exc)) from None
        self.startup_config = spec.get("config") or ""
        self.config = RouterConfig(self.name)
        self.started = time.time()
        self.transcript_path = lab.state_dir / "transcripts" / (self.name + ".jsonl")
        self.active_sessions = set()
        self._session_counter = 0
        self._trial_timer = None

    @property
    def world(self):
        return self.lab.world

    def new_session_id(self):
        self._session_counter += 1
        return self._session_counter

    def take_fault(self, kind, command=None, when=None):
        return self.lab.faults.take(self.name, kind, command, when)

    # ------------------------------------------------------------------------------- commit model
    def _running_changed(self):
        self.lab.world.apply_config(self.name, self.config.running_text())

    def commit(self, tree, user, label="-", description=""):
        point = self.config.commit(tree, user, label, description)
        if point is not None:
            self._running_changed()
        return point

    def rollback(self, tree, user):
        point = self.config.rollback(tree, user)
        if point is not None:
            self._running_changed()
        return point

    def start_trial(self, point, seconds, session=None):
        real = seconds * self.lab.trial_time_scale
        self.config.start_trial(point, seconds, time.monotonic(), real, session)
        self._trial_timer = self.lab.loop.call_later(real, self.end_trial, True)

    def end_trial(self, roll_back):
        if self._trial_timer is not None:
            self._trial_timer.cancel()
            self._trial_timer = None
        if self.config.end_trial(roll_back):
            self._running_changed()

    def trial_remaining(self):
        trial = self.config.trial
        if trial is None:
            return 0
        return max(0, round((trial.deadline - time.monotonic()) / self.lab.trial_time_scale))

    # ------------------------------------------------------------------------------- startup
    def load_startup_config(self):
        """Feed the topology's config through the CLI engine (indentation = view depth), then load it."""
        session = CliSession(self, "startup", 0)
        session.execute("system-view")
        for number, line in enumerate(self.startup_config.splitlines(), 1):
            text = line.strip()
            if not text or text.startswith("#") or text == "return":
                continue
            depth = len(line) - len(line.lstrip(" "))
            while len(session.views) - 2 > depth:
                session.views.pop()
            reply = session.execute(line)
            if "Error:" in reply.output:
                raise TopologyError("%s: startup config line %d %r:\n%s" % (self.name, number, text, reply.output))
        if session.candidate is not None:
            self.config.load_startup(session.candidate.current())

    # ------------------------------------------------------------------------------- transcript
    def record(self, event, session=None, user=None, **fields):
        entry = {"ts": round(time.time(), 3), "router": self.name, "session": session, "event": event,
                 "user": user}
        entry.update(fields)
        with open(self.transcript_path, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def transcript(self):
        if not self.transcript_path.exists():
            return []
        with open(self.transcript_path) as f:
            return [json.loads(line) for line in f if line.strip()]


def _default_world_factory(topology):
    from vrpsim.bgp import BgpWorld  # the BGP model is a separate part of vrpsim (internals.md)
    return BgpWorld(topology, clock=time.monotonic)


class Lab:
    """All routers of a topology served from one asyncio loop."""

    def __init__(self, topology, state_dir, world_factory=None, control_socket=True, netns=None):
        self.topology = load_topology(topology)
        # netns mode (vrpsim/netns.py): the topology's ``netns: true`` or ``lab up --netns``
        self.netns = bool(self.topology.get("netns") if netns is None else netns)
        self.state_dir = Path(state_dir)
        self.world_factory = world_factory or _default_world_factory
        self.control_socket = control_socket
        timing = self.topology.get("timing") or {}
        self.trial_time_scale = float(timing.get("trial_time_scale", 1.0))
        self.faults = Faults()
        self.routers = {}
        self.world = None
        self.loop = None
        self._listeners = []
        self._control = None

    @property
    def control_path(self):
        return self.state_dir / CONTROL_SOCKET

    async def start(self):
        from vrpsim import server  # server imports cli; kept here so lab.py stays importable alone
        self.loop = asyncio.get_running_loop()
        (self.state_dir / "transcripts").mkdir(parents=True, exist_ok=True)
        host_key = load_host_key(self.state_dir)
        self.world = self.world_factory(self.topology)
        for index, spec in enumerate(self.topology["routers"]):
            self.routers[spec["name"]] = Router(self, spec, index)
        for router in self.routers.values():
            router.transcript_path.write_text("")   # a new lab starts fresh transcripts, never the last lab's
            router.load_startup_config()
        for router in self.routers.values():
            self.world.apply_config(router.name, router.config.running_text())
        options = server.server_options(host_key)
        if self.netns:
            self._listeners = await self._listen_in_namespaces(server, options)
        else:
            self._listeners = await asyncio.gather(
                *(server.listen(router, options) for router in self.routers.values()))
        for router, listener in zip(self.routers.values(), self._listeners, strict=False):
            router.port = listener.sockets[0].getsockname()[1]
        await self._publish()

    async def _publish(self):
        """Open the control socket (0600) and write lab.json and the inventory: the lab is ready."""
        if self.control_socket:
            if self.control_path.exists():
                self.control_path.unlink()
            self._control = await asyncio.start_unix_server(self._serve_control, str(self.control_path))
            self.control_path.chmod(0o600)
        self.write_files()

    async def _listen_in_namespaces(self, server, options):
        """Each router on port 22 of its own namespace address (the namespaces are made here)."""
        from vrpsim import netns
        plan = netns.setup(self.state_dir, self.topology["name"], list(self.routers))
        listeners = self._listeners      # filled as we go, so stop() closes them if a later one fails
        for name, router in self.routers.items():
            router.host, router.namespace = plan[name]["address"], plan[name]["namespace"]
            sock = netns.listen_socket(router.namespace, router.host)
            listeners.append(await server.listen(router, options, sock=sock))
        return listeners

    async def stop(self):
        for listener in self._listeners:
            listener.close()
        if self._control is not None:
            self._control.close()
            if self.control_path.exists():
                self.control_path.unlink()
        for router in self.routers.values():
            for conn in list(router.active_sessions):
                conn.close()
        await asyncio.gather(*(listener.wait_closed() for listener in self._listeners), return_exceptions=True)
        if self.netns:
            from vrpsim import netns
            netns.teardown(self.state_dir)

    # ------------------------------------------------------------------------------- files
    def router_logins(self):
        return {name: {"host": r.host, "port": r.port, "username": r.username, "password": r.password}
                for name, r in self.routers.items()}

    def write_files(self):
        """lab.json (pid + logins), known_hosts (the lab's host key for every router) and inventory.yml (group
        ``vrp``, pointing the connection at that known_hosts), written once every router listens."""
        _write_private(self.state_dir / KNOWN_HOSTS_FILE, self.known_hosts())
        _write_private(self.state_dir / INVENTORY_FILE, yaml.safe_dump(self.inventory(), sort_keys=False))
        _write_private(self.state_dir / LAB_FILE,
                       json.dumps({"pid": os.getpid(), "topology": self.topology["name"],
                                   "routers": self.router_logins()}, indent=2))

    def inventory(self):
        hosts = {name: {"ansible_host": login["host"], "ansible_port": login["port"],
                        "ansible_user": login["username"], "ansible_password": login["password"]}
                 for name, login in self.router_logins().items()}
        return {"all": {"children": {"vrp": {
            "hosts": hosts,
            "vars": {"ansible_connection": "netops.vrp.netmiko",
                     # host key checking stays on (the connection's default): the lab's own known_hosts
                     "netops_vrp_known_hosts_file": str((self.state_dir / KNOWN_HOSTS_FILE).resolve()),
                     # modules must run under the controller's Python (toolchain-notes "Ansible")
                     "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}}}

    def known_hosts(self):
        """known_hosts lines for every router: ``[host]:port`` (plain ``host`` on port 22, as OpenSSH writes it)."""
        key = " ".join(load_host_key(self.state_dir).export_public_key("openssh").decode().split()[:2])
        lines = []
        for login in self.router_logins().values():
            name = login["host"] if int(login["port"]) == 22 else "[%s]:%s" % (login["host"], login["port"])
            lines.append("%s %s\n" % (name, key))
        return "".join(lines)

    # ------------------------------------------------------------------------------- control
    def control(self, op, args=None):
        """One control operation (internals.md "Processes, files, control"); returns JSON-able data."""
        args = args or {}
        if op == "status":
            return {"pid": os.getpid(), "topology": self.topology["name"], "faults": self.faults.public(),
                    "routers": {name: dict(login, sessions=len(self.routers[name].active_sessions),
                                           hostname=self.routers[name].config.hostname,
                                           trial_commit_id=getattr(self.routers[name].config.trial,
                                                                   "commit_id", None),
                                           namespace=self.routers[name].namespace)
                                for name, login in self.router_logins().items()}}
        if op == "fault":
            router = self._router(args)
            fault = self.faults.add(args)
            if fault["kind"] == "peer_stuck":
                self.world.fault_peer_stuck(router.name, args["peer"])
            return {k: v for k, v in fault.items() if k != "regex"}
        if op == "clear_faults":
            router = args.get("router")
            self.faults.clear(router)
            self.world.clear_faults(router)
            return {}
        if op == "transcript":
            return self._router(args).transcript()
        if op == "config":
            return {"config": self._config_text(self._router(args), args.get("which", "running"))}
        if op == "bgp":
            return self.world.dump(self._router(args).name)
        if op == "reset_transcripts":
            for router in self.routers.values():
                router.transcript_path.write_text("")
            return {}
        raise ValueError("unknown op %r" % op)

    def _router(self, args):
        name = args.get("router")
        if name not in self.routers:
            raise ValueError("unknown router %r" % name)
        return self.routers[name]

    def _config_text(self, router, which):
        """``candidate``: the newest pending candidate of any open session, else running."""
        from vrpsim.config import render_config
        if which == "candidate":
            for session in sorted(router.active_sessions, key=lambda c: -c.cli.session_id):
                if session.cli.pending:
                    return render_config(session.cli.candidate.current())
        return router.config.running_text()

    async def _control_call(self, op, args):
        return self.control(op, args)

    async def _serve_control(self, reader, writer):
        try:
            while line := await reader.readline():
                try:
                    request = json.loads(line)
                    response = {"ok": True, "result": await self._control_call(request.get("op"),
                                                                               request.get("args"))}
                except Exception as error:   # a bad request must not stop the lab
                    response = {"ok": False, "error": "%s: %s" % (type(error).__name__, error)}
                writer.write((json.dumps(response) + "\n").encode())
                await writer.drain()
        finally:
            writer.close()


def _write_private(path, text):
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    tmp.chmod(0o600)
    os.replace(tmp, path)


def control_request(state_dir, op, args=None, timeout=10.0):
    """The client of ``Lab.control``: one request to a running lab's control socket; returns the result or raises RuntimeError."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(Path(state_dir) / CONTROL_SOCKET))
        sock.sendall((json.dumps({"op": op, "args": args or {}}) + "\n").encode())
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    response = json.loads(data)
    if not response.get("ok"):
        raise RuntimeError(response.get("error"))
    return response["result"]


async def serve_lab(topology, state_dir, netns=None, lab_factory=None):
    """Run a lab until SIGTERM/SIGINT (``vrpsim serve``; one router of a container lab too)."""
    lab = (lab_factory or Lab)(topology, state_dir, netns=netns)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    started = time.monotonic()
    try:
        await lab.start()
        logging.info("lab %s: %d routers listening after %.2f s", lab.topology["name"], len(lab.router_logins()),
                     time.monotonic() - started)
        await stop.wait()
    finally:
        await lab.stop()
        (state_dir / LAB_FILE).unlink(missing_ok=True)
