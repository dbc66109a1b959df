"""Network-namespace mode: each router on port 22 of its own namespace address (root only)."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from vrpsim import netns
from vrpsim.lab import Lab
from vrpsim.testing import Shell

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _netns_unavailable():
    if os.geteuid() != 0:
        return "netns mode needs root (creates namespaces and veths); running as uid %d" % os.geteuid()
    if shutil.which("ip") is None:
        return "netns mode needs the 'ip' command (iproute2), which is not installed"
    probe = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
    if probe.returncode != 0:
        return "'ip netns' does not work here: %s" % probe.stderr.strip()
    return None


needs_netns = pytest.mark.skipif(_netns_unavailable() is not None, reason=str(_netns_unavailable()))


def topology(tag):
    # A lab name unique per test run: xdist workers (and other labs) may run netns labs at the same time.
    return {"name": "nt%s%d" % (tag, os.getpid() % 100000), "netns": True,
            "routers": [{"name": "R1", "config": "sysname R1\n"}, {"name": "R2", "config": "sysname R2\n"}]}


def namespaces():
    return set(subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split())


def host_links():
    out = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    return {line.split(":")[1].strip().split("@")[0] for line in out.splitlines()}


def run_vrpsim(*args, check=True):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "vrpsim", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=60, check=check)


def not_served_on_loopback(port):
    """True unless a vrpsim router answers on 127.0.0.1:port (something else, e.g. a real sshd, is fine)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.settimeout(1)
            return b"AsyncSSH" not in sock.recv(256)
    except OSError:
        return True


# --------------------------------------------------------------------------- no root needed
def test_addresses_names_and_limits():
    nets = netns.subnets(65)
    assert (str(nets[0][1]), str(nets[0][2])) == ("198.51.100.1", "198.51.100.2")
    assert str(nets[63][2]) == "198.51.100.254" and str(nets[64][2]) == "203.0.113.2"
    assert str(netns.subnets(1, used={"198.51.100.1"})[0][1]) == "198.51.100.5"
    with pytest.raises(netns.NetnsError, match="at most 128 routers"):
        netns.subnets(129)
    name = netns.namespace_name("a-rather-long-lab-name", "PE/1")
    assert name == "vrpsim-a-rather-long-lab-name-PE_1"
    assert len(netns.host_link_name(name)) <= 15
    assert netns.host_link_name(name) != netns.host_link_name(netns.namespace_name("x", "PE_1"))


def test_non_root_fails_clearly_before_creating_anything(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    created = []
    monkeypatch.setattr(netns, "_ip", lambda *a, **k: created.append(a))
    with pytest.raises(netns.NetnsError, match="needs root"):
        netns.setup(tmp_path, "lab", ["R1"])
    assert created == [] and not (tmp_path / netns.RECORD_FILE).exists()


def test_missing_ip_fails_clearly(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(netns.NetnsError, match="'ip' command"):
        netns.check_available()


# --------------------------------------------------------------------------- root + ip netns
@needs_netns
def test_lab_up_in_namespaces_then_down(tmp_path):
    topo = topology("u")
    topo_file = tmp_path / "topo.json"      # JSON is YAML
    topo_file.write_text(json.dumps(topo))
    state = str(tmp_path / "s")
    routers = json.loads(run_vrpsim("lab", "up", str(topo_file), "--state-dir", state).stdout)["routers"]
    record = netns.load_record(state)
    try:
        assert set(record["namespaces"]) == {"vrpsim-%s-R1" % topo["name"], "vrpsim-%s-R2" % topo["name"]}
        assert set(record["namespaces"]) <= namespaces() and set(record["host_links"]) <= host_links()
        assert routers["R1"]["host"] != routers["R2"]["host"]
        for name, login in routers.items():
            assert login["port"] == 22 and login["host"].startswith(("198.51.100.", "203.0.113."))
            with Shell(login["host"], 22, login["username"], login["password"]) as sh:
                assert sh.run("system-view")[1] == "[~%s]" % name
            assert not_served_on_loopback(22)
        # The router address exists only inside its namespace, not on the host.
        host_addrs = subprocess.run(["ip", "-o", "-4", "addr"], capture_output=True, text=True).stdout
        assert routers["R1"]["host"] + "/" not in host_addrs
    finally:
        run_vrpsim("lab", "down", "--state-dir", state)
    assert not set(record["namespaces"]) & namespaces()
    assert not set(record["host_links"]) & host_links()
    assert not (tmp_path / "s" / netns.RECORD_FILE).exists()


@needs_netns
def test_lab_down_cleans_up_after_a_killed_server(tmp_path):
    state = str(tmp_path / "s")
    run_vrpsim("lab", "up", "demo", "--netns", "--state-dir", state)
    record = netns.load_record(state)
    assert len(record["namespaces"]) == 3 and set(record["namespaces"]) <= namespaces()
    os.kill(json.loads((tmp_path / "s" / "lab.json").read_text())["pid"], signal.SIGKILL)
    time.sleep(0.2)
    assert set(record["namespaces"]) <= namespaces()       # a killed server cannot clean up
    run_vrpsim("lab", "down", "--state-dir", state)
    assert not set(record["namespaces"]) & namespaces()
    assert not set(record["host_links"]) & host_links()


@needs_netns
def test_in_process_lab_netmiko_and_teardown(tmp_path):
    from vrpsim.testing import running_lab
    with running_lab(topology("p"), tmp_path) as lab:
        made = netns.load_record(lab.state_dir)["namespaces"]
        assert len(made) == 2
        conn = lab.netmiko("R2")
        try:
            assert conn.find_prompt() == "<R2>"
        finally:
            conn.disconnect()
    assert not set(made) & namespaces()


def test_lab_rejects_netns_without_root(tmp_path, monkeypatch):
    import asyncio
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    lab = Lab(topology("r"), tmp_path, control_socket=False)
    with pytest.raises(netns.NetnsError, match="needs root"):
        asyncio.run(lab.start())
    asyncio.run(lab.stop())
    assert not (tmp_path / netns.RECORD_FILE).exists()
