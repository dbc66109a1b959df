"""The connection layer against vrpsim: session reuse, keeper lifecycle, clear errors, no password leaks.

One session keeper process per ansible-playbook run holds every router's session.
"""
import copy
import os
import re
import socket
import subprocess
import time

import harness
import pytest
import yaml
from harness import (
    assert_only_displays,
    commands_sent,
    keeper_processes,
    logins,
    transcript,
    wait_keepers_gone,
)

SIX_TASKS = """
- name: t1
  netops.vrp.vrp_command: {commands: [display bgp peer]}
- name: t2
  netops.vrp.vrp_command: {commands: [display version]}
- name: t3
  netops.vrp.vrp_command: {commands: [display bgp peer, display configuration commit list]}
- name: t4
  netops.vrp.vrp_command: {commands: [display bgp peer]}
- name: t5
  netops.vrp.vrp_command: {commands: [display version]}
- name: t6
  netops.vrp.vrp_command: {commands: [display current-configuration configuration bgp]}
"""


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_one_login_per_router_across_tasks(lab, run_tasks):
    res = run_tasks(SIX_TASKS)
    assert res.ok, res.summary()
    for router in ("PE1", "PE2"):
        assert logins(lab, router, since=res) == 1
        assert commands_sent(lab, router, since=res) == [
            "display bgp peer", "display version", "display bgp peer", "display configuration commit list",
            "display bgp peer", "display version", "display current-configuration configuration bgp"]
        assert_only_displays(lab, router, since=res)
    t3 = res["t3"]["PE1"]
    assert t3["changed"] is False and t3["commands"] == []
    assert "Local AS number : 65000" in t3["stdout"][0]
    assert t3["stdout_lines"][0] == t3["stdout"][0].splitlines()


def test_check_mode_runs_displays(lab, run_tasks):
    res = run_tasks(SIX_TASKS, check=True, diff=True)
    assert res.ok, res.summary()
    assert res["t1"]["PE2"]["stdout"][0]
    assert_only_displays(lab, "PE2", since=res)


def test_keeper_gone_after_play(lab, run_tasks, tmp_path):
    keeper_dir = str(tmp_path / "k")
    os.makedirs(keeper_dir, mode=0o700)
    res = run_tasks(SIX_TASKS, keeper_dir=keeper_dir)
    assert res.ok, res.summary()
    pids, sockets = wait_keepers_gone(keeper_dir, timeout=5)
    assert pids == [] and sockets == []
    for router in ("PE1", "PE2"):
        assert lab.wait_logged_out(router)
        events = [r["event"] for r in transcript(lab, router, since=res)]
        assert events[0] == "login" and events[-1] == "logout"
    assert [f for f in os.listdir(keeper_dir) if not f.endswith(".log")] == []


def test_one_keeper_process_for_many_routers(make_lab, run_tasks, tmp_path):
    """8 routers, forks 8: their first tasks start exactly one keeper; one login per router; clean exit."""
    from lab_fixtures import topology_with_routers

    lab = make_lab(topology_with_routers(8))
    keeper_dir = str(tmp_path / "k")
    os.makedirs(keeper_dir, mode=0o700)
    res = run_tasks(SIX_TASKS, lab=lab, forks=8, keeper_dir=keeper_dir, env={"NETOPS_VRP_KEEPER_DEBUG": "1"})
    assert res.ok, res.summary()
    routers = sorted(lab.routers)
    for router in routers:
        assert logins(lab, router, since=res) == 1
        assert len(commands_sent(lab, router, since=res)) == 7
    pids, sockets = wait_keepers_gone(keeper_dir, timeout=8)
    assert pids == [] and sockets == []
    # the debug log tells which keeper processes ran and what they did
    logs = [f for f in os.listdir(keeper_dir) if f.endswith(".log")]
    assert len(logs) == 1 and os.listdir(keeper_dir) == logs   # no socket or lock file left
    text = open(os.path.join(keeper_dir, logs[0])).read()
    assert len(set(re.findall(r"keeper\[(\d+)\]", text))) == 1, text
    assert text.count(": start:") == 1 and re.search(r": exit: ansible-playbook \(pid \d+\) exited", text), text
    assert sorted(re.findall(r": login (\S+) ", text)) == routers, text
    assert sorted(re.findall(r": logout (\S+): keeper exit", text)) == routers, text
    for router in routers:
        assert lab.wait_logged_out(router)


def test_invalid_arguments_fail_before_connecting(lab, run_tasks):
    res = run_tasks("""
    - name: bad
      netops.vrp.vrp_command: {commands: [display bgp peer], bogus: 1}
    - name: nondisplay
      netops.vrp.vrp_command: {commands: [reset bgp all]}
      ignore_errors: true
    """)
    assert res["bad"].failed == {"PE1", "PE2"}
    assert "bogus" in res["bad"]["PE1"]["msg"]
    assert logins(lab, "PE1", since=res) == 0 and logins(lab, "PE2", since=res) == 0
    res = run_tasks("""
    - name: nondisplay
      netops.vrp.vrp_command: {commands: [display bgp peer, reset bgp all]}
    """)
    assert "commands[1]: only display commands are allowed" in res["nondisplay"]["PE1"]["msg"]
    assert logins(lab, "PE1", since=res) == 0


def test_wrong_connection_is_refused(lab, run_tasks):
    res = run_tasks("""
    - name: local
      netops.vrp.vrp_command: {commands: [display bgp peer]}
      vars: {ansible_connection: local}
    """)
    assert "needs ansible_connection: netops.vrp.netmiko" in res["local"]["PE1"]["msg"]


def test_unreachable_host(lab, run_tasks):
    port = _free_port()
    res = run_tasks(SIX_TASKS, limit="PE1", extra_vars={"ansible_port": port, "netops_vrp_connect_timeout": 5})
    msg = res["t1"]["PE1"]["msg"]
    assert msg.startswith("PE1: login: cannot reach 127.0.0.1:%d" % port), msg
    assert res["t1"]["PE1"]["step"] == "login"


def test_bad_password(lab, run_tasks):
    res = run_tasks(SIX_TASKS, limit="PE1", extra_vars={"ansible_password": "wrong-Password-1"})
    msg = res["t1"]["PE1"]["msg"]
    assert msg.startswith("PE1: login: authentication failed for user 'admin'"), msg
    assert "wrong-Password-1" not in res.stdout + res.stderr


def test_auth_fail_fault(lab, run_tasks):
    lab.fault("auth_fail", "PE2")
    res = run_tasks(SIX_TASKS)
    assert res["t1"].failed == {"PE2"}
    assert "authentication failed" in res["t1"]["PE2"]["msg"]
    assert res["t6"]["PE1"]["_status"] == "ok"


def _write_known_hosts(path, port, key_type="ssh-ed25519"):
    import asyncssh

    key = asyncssh.generate_private_key(key_type)
    line = "[127.0.0.1]:%d %s" % (port, key.export_public_key().decode().strip())
    path.write_text(line + "\n")


def test_host_key_mismatch(lab, run_tasks, tmp_path):
    known = tmp_path / "known_hosts"
    port = lab.routers["PE1"].port
    _write_known_hosts(known, port)
    res = run_tasks(SIX_TASKS, limit="PE1", extra_vars={
        "ansible_host_key_checking": True, "netops_vrp_known_hosts_file": str(known)})
    result = res["t1"]["PE1"]
    assert result["_status"] == "failed"
    assert result["msg"].startswith("PE1: login: host key"), result["msg"]
    assert logins(lab, "PE1", since=res) == 0


def test_host_key_unknown(lab, run_tasks, tmp_path):
    known = tmp_path / "known_hosts"
    known.write_text("")
    res = run_tasks(SIX_TASKS, limit="PE1", extra_vars={
        "ansible_host_key_checking": True, "netops_vrp_known_hosts_file": str(known)})
    msg = res["t1"]["PE1"]["msg"]
    assert msg.startswith("PE1: login: host key of 127.0.0.1:%d is not trusted" % lab.routers["PE1"].port), msg


def test_lab_inventory_checks_host_keys_against_the_labs_known_hosts(lab, tmp_path):
    """Issue 16 item 8: host key checking stays on (the repository's ansible.cfg does not turn it off); the lab's
    inventory points the connection at the known_hosts the lab wrote, so the login works; the same inventory
    without that file fails the login with a host-key message and reaches no router."""
    import configparser
    cfg = configparser.ConfigParser()
    cfg.read(os.path.join(harness.ROOT, "ansible.cfg"))
    assert not cfg.has_option("defaults", "host_key_checking")
    task = "- name: t1\n  netops.vrp.vrp_command: {commands: [display version]}\n"
    with open(str(lab.inventory_path)) as handle:
        inventory = yaml.safe_load(handle)
    group_vars = inventory["all"]["children"]["vrp"]["vars"]
    known = group_vars["netops_vrp_known_hosts_file"]
    assert known == str(lab.state_dir.resolve() / "known_hosts")
    port = lab.routers["PE1"].port
    assert "[127.0.0.1]:%d ssh-ed25519 " % port in open(known).read()
    res = harness.run_tasks(task, lab.inventory_path, hosts="PE1", workdir=str(tmp_path / "with"))
    assert res.ok, res.summary()

    del group_vars["netops_vrp_known_hosts_file"]
    bare = tmp_path / "inventory-without-known-hosts.yml"
    bare.write_text(yaml.safe_dump(inventory))
    res = harness.run_tasks(task, str(bare), hosts="PE1", workdir=str(tmp_path / "without"),
                            env={"HOME": str(tmp_path)})   # an empty ~/.ssh/known_hosts
    msg = res["t1"]["PE1"]["msg"]
    assert msg.startswith("PE1: login: host key of 127.0.0.1:%d is not trusted" % port), msg
    assert logins(lab, "PE1", since=res) == 0


def test_command_timeout_then_recovers(lab, run_tasks):
    lab.fault("delay", "PE1", match="^display version$", seconds=4)
    res = run_tasks("""
    - name: slow
      netops.vrp.vrp_command: {commands: [display version]}
      ignore_errors: true
    - name: after
      netops.vrp.vrp_command: {commands: [display bgp peer]}
    """, limit="PE1", extra_vars={"netops_vrp_command_timeout": 1})
    msg = res["slow"]["PE1"]["msg"]
    assert msg.startswith("PE1: command 'display version': no prompt within 1"), msg
    assert res["after"]["PE1"]["_status"] == "ok", res.summary()
    assert logins(lab, "PE1", since=res) == 2   # the timed-out session is abandoned, the next task logs in


def test_connection_drop_then_recovers(lab, run_tasks):
    lab.fault("drop", "PE1", when="before", match="^display version$", count=1)
    res = run_tasks("""
    - name: dropped
      netops.vrp.vrp_command: {commands: [display bgp peer, display version]}
      ignore_errors: true
    - name: after
      netops.vrp.vrp_command: {commands: [display version]}
    """, limit="PE1")
    msg = res["dropped"]["PE1"]["msg"]
    assert msg.startswith("PE1: command 'display version': SSH session closed"), msg
    assert res["after"]["PE1"]["_status"] == "ok", res.summary()
    assert logins(lab, "PE1", since=res) == 2


def test_password_never_in_output_or_logs(make_lab, run_tasks, tmp_path):
    import copy

    from lab_fixtures import DEFAULT_TOPOLOGY

    secret = "Zq9-unique-Secret-77"
    topo = copy.deepcopy(DEFAULT_TOPOLOGY)
    topo["defaults"]["password"] = secret
    lab = make_lab(topo)
    keeper_dir = str(tmp_path / "k")
    os.makedirs(keeper_dir, mode=0o700)
    log = tmp_path / "session.log"
    res = run_tasks(SIX_TASKS, lab=lab, verbosity=3, keeper_dir=keeper_dir,
                    extra_vars={"netops_vrp_session_log": str(log)})
    assert res.ok, res.summary()
    assert log.exists() and "display bgp peer" in log.read_text()
    assert oct(os.stat(log).st_mode & 0o777) == "0o600"
    assert secret not in log.read_text()
    assert secret not in res.stdout + res.stderr
    wait_keepers_gone(keeper_dir)
    for name in os.listdir(keeper_dir):
        assert secret not in open(os.path.join(keeper_dir, name)).read()


def test_keeper_serves_many_tasks_fast(lab, run_tasks):
    """Tasks after the first reuse the session: no login, a few milliseconds of overhead each."""
    res = run_tasks(SIX_TASKS)
    durations = [res[t]["PE1"]["_duration"] for t in ("t2", "t4", "t5")]
    assert max(durations) < 1.0, durations
    assert keeper_processes(res.keeper_dir) == []


@pytest.mark.parametrize("forks", [1])
def test_serial_forks_one(lab, run_tasks, forks):
    res = run_tasks(SIX_TASKS, forks=forks)
    assert res.ok, res.summary()
    assert logins(lab, "PE1", since=res) == 1 and logins(lab, "PE2", since=res) == 1


def _ssh_agent_with_key(tmp_path):
    """Start an ssh-agent holding a fresh ed25519 key, as AWX does for a Machine credential's key."""
    key = tmp_path / "agent_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    sock = str(tmp_path / "agent.sock")
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", sock], stdout=subprocess.DEVNULL)
    deadline = time.time() + 5
    while not os.path.exists(sock) and time.time() < deadline:
        time.sleep(0.05)
    subprocess.run(["ssh-add", "-q", str(key)], check=True, env=dict(os.environ, SSH_AUTH_SOCK=sock),
                   stderr=subprocess.DEVNULL)
    os.unlink(str(key))   # from here on only the agent holds the private key
    return agent, sock, (tmp_path / "agent_key.pub").read_text().strip()


@pytest.mark.parametrize("use_agent", [True, False])
def test_login_with_ssh_agent_key_and_no_password(make_lab, run_tasks, tmp_path, use_agent):
    """AWX loads a Machine credential's SSH key into ssh-agent: no password, no key file on disk."""
    from lab_fixtures import DEFAULT_TOPOLOGY
    agent, sock, public = _ssh_agent_with_key(tmp_path)
    try:
        topo = copy.deepcopy(DEFAULT_TOPOLOGY)
        topo["routers"][0]["authorized_keys"] = [public]
        lab = make_lab(topo)
        inventory = yaml.safe_load(lab.inventory_path.read_text())
        host = inventory["all"]["children"]["vrp"]["hosts"]["PE1"]
        del host["ansible_password"]
        (tmp_path / "inv.yml").write_text(yaml.safe_dump(inventory))
        res = harness.run_tasks("- netops.vrp.vrp_command: {commands: [display version]}\n",
                                str(tmp_path / "inv.yml"), hosts="PE1", workdir=str(tmp_path / "play"),
                                env={"SSH_AUTH_SOCK": sock},
                                extra_vars={"netops_vrp_use_ssh_agent": use_agent})
        if use_agent:
            assert res.ok, res.summary()
            assert logins(lab, "PE1", since=res) == 1
        else:
            assert not res.ok
            assert logins(lab, "PE1", since=res) == 0
            assert "PE1: login:" in res.summary(), res.summary()
    finally:
        agent.terminate()
        agent.wait()
