"""In-process labs for pytest: ``with running_lab(topology, tmp_path) as lab: ...``.

The lab's asyncio loop runs in a daemon thread; helper methods hop onto that loop, so tests can call
them from the test thread while SSH clients talk to the routers.
"""
import asyncio
import contextlib
import re
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from vrpsim.lab import INVENTORY_FILE, Lab

# A VRP prompt or one of the questions VRP asks, at the end of the received text.
PROMPT_RE = re.compile(r"(<[^<>\n]+>|\[[~*]?[^\]\n]+\]|\[Y/N\]:|\[Y\(yes\)/N\(no\)/C\(cancel\)\]:|\[Y/N/C\]:)$")


@dataclass
class RouterLogin:
    host: str
    port: int
    username: str
    password: str


class LabHandle:
    """What a test sees of a running lab (internals.md "In-process for pytest")."""

    def __init__(self, lab, loop):
        self._lab = lab
        self._loop = loop
        self.routers = {name: RouterLogin(**login) for name, login in lab.router_logins().items()}
        self.inventory_path = lab.state_dir / INVENTORY_FILE
        self.state_dir = lab.state_dir

    def _call(self, fn, *args):
        async def run():
            return fn(*args)
        return asyncio.run_coroutine_threadsafe(run(), self._loop).result()

    def control(self, op, **args):
        return self._call(self._lab.control, op, args)

    def transcript(self, router):
        return self._call(self._lab.routers[router].transcript)

    def wait_logged_out(self, router, timeout=5.0):
        """True once the router's last transcript record is a logout.

        The lab records a logout when its SSH session task sees EOF, a moment after the client's
        disconnect returns, so tests wait for it rather than read it at once.
        """
        deadline = time.monotonic() + timeout
        while True:
            records = self.transcript(router)
            if records and records[-1]["event"] == "logout":
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)

    def commands(self, router):
        return [e["command"] for e in self.transcript(router) if e["event"] == "command"]

    def logins(self, router):
        return sum(1 for e in self.transcript(router) if e["event"] == "login")

    def fault(self, kind, router, **args):
        return self.control("fault", kind=kind, router=router, **args)

    def clear_faults(self, router=None):
        return self.control("clear_faults", router=router)

    def running_config(self, router):
        return self.control("config", router=router, which="running")["config"]

    def candidate_config(self, router):
        return self.control("config", router=router, which="candidate")["config"]

    def bgp(self, router):
        return self.control("bgp", router=router)

    def reset_transcripts(self):
        return self.control("reset_transcripts")

    @property
    def world(self):
        return self._lab.world

    def shell(self, router, **kwargs):
        """A raw interactive shell on ``router`` (see ``Shell``)."""
        login = self.routers[router]
        kwargs.setdefault("username", login.username)
        if "pkey" not in kwargs:
            kwargs.setdefault("password", login.password)
        return Shell(login.host, login.port, **kwargs)

    def netmiko(self, router, **kwargs):
        """A connected netmiko ``huawei_vrpv8`` session on ``router`` (``prompt_check_vrpv8_class`` driver)."""
        login = self.routers[router]
        params = dict(device_type="huawei_vrpv8", host=login.host, port=login.port, username=login.username,
                      password=login.password)
        params.update(kwargs)
        return prompt_check_vrpv8_class()(**params)


class Shell:
    """A thin paramiko shell client that sees exactly what the router prints (echo, carets, prompts)."""

    def __init__(self, host, port, username, password=None, pkey=None, timeout=5.0):
        import paramiko
        self.timeout = timeout
        self.client = paramiko.SSHClient()
        self.client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        self.client.connect(host, port=port, username=username, password=password, pkey=pkey,
                            look_for_keys=False, allow_agent=False, timeout=timeout)
        self.channel = self.client.invoke_shell(width=1024)
        self.banner = self.read_until_prompt()

    def read_until_prompt(self):
        data = ""
        deadline = time.monotonic() + self.timeout
        self.channel.settimeout(0.05)
        while not PROMPT_RE.search(data):
            if time.monotonic() > deadline:
                raise TimeoutError("no prompt; received %r" % data)
            try:
                chunk = self.channel.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise EOFError("session closed; received %r" % data)
            data += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
        self.last_output = data
        return data

    def send_raw(self, data):
        self.channel.sendall(data.encode() if isinstance(data, str) else data)

    def send(self, line):
        """Type ``line`` + Enter; returns everything printed up to and including the next prompt."""
        self.send_raw(line + "\r\n")
        return self.read_until_prompt()

    def run(self, line):
        """(output, prompt): the reply without the echoed line and without the final prompt."""
        text = self.send(line)
        prompt = text.rsplit("\n", 1)[-1]        # a question is the whole last line
        body = text[:len(text) - len(prompt)]
        first, _, rest = body.partition("\n")
        return rest.rstrip("\n"), prompt

    def closed(self, wait=2.0):
        """True once the router has closed the session."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.channel.closed or self.channel.exit_status_ready() or not self.client.get_transport().is_active():
                return True
            time.sleep(0.02)
        return False

    def close(self):
        self.client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def prompt_check_vrpv8_class():
    """netmiko's stock huawei_vrpv8 driver with only ``check_config_mode`` waiting for the prompt, not 2.2 s of
    silence, so lab tests see netmiko's own behaviour (the collection's driver, ``FastVrpv8`` in
    plugins/plugin_utils/netmiko_driver.py, changes more and is tested through the keeper).

    (toolchain-notes.md: the stock driver drops the prompt pattern and waits for silence.)
    """
    from netmiko.huawei.huawei import HuaweiVrpv8SSH

    class PromptCheckVrpv8(HuaweiVrpv8SSH):
        def check_config_mode(self, check_string="]", pattern=r"[>\]]\s*$", force_regex=False):
            self.write_channel(self.RETURN)
            output = self.read_until_pattern(pattern=pattern)
            return check_string in output.strip().splitlines()[-1]

    return PromptCheckVrpv8


@contextlib.contextmanager
def running_lab(topology, tmp_path, world_factory=None):
    """Start a lab in a background thread; yields a ``LabHandle``; stops it on exit.

    ``world_factory(topology)`` replaces the BGP model (engine tests that do not need BGP).
    """
    lab = Lab(topology, Path(tmp_path) / "vrpsim", world_factory=world_factory, control_socket=False)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="vrpsim-lab", daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(lab.start(), loop).result()
        yield LabHandle(lab, loop)
    finally:
        asyncio.run_coroutine_threadsafe(lab.stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
