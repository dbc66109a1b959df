"""The lab as a whole: demo topology with the real BGP model, control ops, and the lab up/down CLI."""
import json
import os
import subprocess
import sys
import time

import pytest
import yaml

from vrpsim.lab import load_topology
from vrpsim.testing import running_lab

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def fast_demo(**timing):
    topology = load_topology("demo")
    topology["timing"] = dict({"establish_delay": 0.2, "trial_time_scale": 0.01}, **timing)
    return topology


def wait_established(shell, command, peers, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        output, _ = shell.run(command)
        rows = {line.split()[0]: line.split()[-2] for line in output.splitlines()
                if line.strip() and line.split()[0] in peers}
        if rows and all(state == "Established" for state in rows.values()) and len(rows) == len(peers):
            return output
        if time.monotonic() > deadline:
            raise AssertionError(output)
        time.sleep(0.1)


@pytest.fixture
def demo(tmp_path):
    with running_lab(fast_demo(), tmp_path) as lab:
        yield lab


def test_demo_topology_comes_up_with_sessions(demo):
    assert set(demo.routers) == {"PE1", "PE2", "RR1"}
    with demo.shell("PE1") as sh:
        output = wait_established(sh, "display bgp peer", ["10.0.0.3", "192.0.2.1", "198.51.100.1"])
        assert "Local AS number : 65000" in output
        wait_established(sh, "display bgp vpnv4 all peer", ["10.0.0.3", "172.16.1.2"])
        wait_established(sh, "display bgp ipv6 peer", ["2001:db8:ffff::1"])
    dump = demo.bgp("PE1")
    assert isinstance(dump, dict)
    inventory = yaml.safe_load(demo.inventory_path.read_text())
    hosts = inventory["all"]["children"]["vrp"]["hosts"]
    assert hosts["PE1"]["ansible_port"] == demo.routers["PE1"].port
    assert inventory["all"]["children"]["vrp"]["vars"]["ansible_connection"] == "netops.vrp.netmiko"


def test_known_hosts_names_each_router_as_openssh_does(tmp_path):
    """``[host]:port`` off port 22, the bare host on port 22 (netns mode), the lab's one key on every line."""
    from vrpsim.lab import Lab, load_host_key
    lab = Lab(fast_demo(), tmp_path)
    lab.router_logins = lambda: {"PE1": {"host": "127.0.0.1", "port": 2201}, "PE2": {"host": "198.51.100.6", "port": 22}}
    key = " ".join(load_host_key(tmp_path).export_public_key("openssh").decode().split()[:2])
    assert lab.known_hosts() == "[127.0.0.1]:2201 %s\n198.51.100.6 %s\n" % (key, key)


def test_bgp_errors_from_the_model_get_a_caret(demo):
    with demo.shell("PE1") as sh:
        output, prompt = sh.run("refresh bgp 10.9.9.9 import")
        assert prompt == "<PE1>" and "Error" in output


def test_reset_confirm_question_and_peer_stuck_fault(tmp_path):
    topology = fast_demo()
    topology["routers"][0]["reset_confirm"] = True
    with running_lab(topology, tmp_path) as lab:
        with lab.shell("PE1") as sh:
            wait_established(sh, "display bgp peer", ["192.0.2.1"])
            lab.fault("peer_stuck", "PE1", peer="192.0.2.1")
            assert sh.run("reset bgp 192.0.2.1")[1] == "Warning: The BGP connection(s) will be reset. Continue? [Y/N]:"
            assert sh.run("Y") == ("", "<PE1>")
            time.sleep(0.5)
            output, _ = sh.run("display bgp peer")
            row = next(line for line in output.splitlines() if line.strip().startswith("192.0.2.1"))
            assert "Established" not in row
            lab.clear_faults()
            wait_established(sh, "display bgp peer", ["192.0.2.1"])
        commands = lab.commands("PE1")
        assert commands[commands.index("reset bgp 192.0.2.1") + 1] == "Y"


def test_control_ops_candidate_and_transcripts(demo):
    with demo.shell("PE2") as sh:
        sh.run("system-view")
        sh.run("sysname PE2-NEW")
        assert "sysname PE2-NEW" in demo.candidate_config("PE2")
        assert "sysname PE2\n" in demo.running_config("PE2")
    status = demo.control("status")
    assert set(status["routers"]) == {"PE1", "PE2", "RR1"}
    demo.reset_transcripts()
    assert demo.transcript("PE2") == []


def run_vrpsim(*args, check=True):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "vrpsim", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=60, check=check)


def test_lab_up_status_ctl_down_round_trip(tmp_path):
    state = str(tmp_path / "s")
    up = run_vrpsim("lab", "up", "demo", "--state-dir", state)
    routers = json.loads(up.stdout)["routers"]
    try:
        lab_file = json.loads((tmp_path / "s" / "lab.json").read_text())
        assert lab_file["routers"] == routers and set(routers) == {"PE1", "PE2", "RR1"}
        assert (tmp_path / "s" / "inventory.yml").exists()
        status = json.loads(run_vrpsim("lab", "status", "--state-dir", state).stdout)
        assert status["running"] and status["routers"]["RR1"]["port"] == routers["RR1"]["port"]
        run_vrpsim("ctl", "--state-dir", state, "fault", '{"kind": "reject_commit", "router": "PE1"}')
        faults = json.loads(run_vrpsim("ctl", "--state-dir", state, "status").stdout)["faults"]
        assert faults[0]["kind"] == "reject_commit"
        config = json.loads(run_vrpsim("ctl", "--state-dir", state, "config", '{"router": "RR1"}').stdout)
        assert "sysname RR1" in config["config"]
        again = run_vrpsim("lab", "up", "demo", "--state-dir", state, check=False)
        assert again.returncode != 0 and "already running" in again.stderr
    finally:
        run_vrpsim("lab", "down", "--state-dir", state)
    assert not (tmp_path / "s" / "control.sock").exists()
    assert not (tmp_path / "s" / "lab.json").exists()
    assert run_vrpsim("lab", "status", "--state-dir", state, check=False).returncode == 3


def test_a_new_lab_starts_fresh_transcripts(tmp_path):
    """``lab up`` on a state dir a previous lab used: the transcripts hold only the new lab's sessions."""
    with running_lab(fast_demo(), tmp_path) as first:
        with first.shell("PE1") as sh:
            sh.run("display version")
        assert first.wait_logged_out("PE1")
        assert "display version" in first.commands("PE1")
    with running_lab(fast_demo(), tmp_path) as second:
        assert second.transcript("PE1") == [] and second.transcript("RR1") == []
        with second.shell("PE1") as sh:
            sh.run("display bgp peer")
        assert second.wait_logged_out("PE1")
        assert second.commands("PE1") == ["display bgp peer"]
        assert [e["session"] for e in second.transcript("PE1") if e["event"] == "login"] == [1]
