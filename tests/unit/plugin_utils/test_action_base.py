"""VrpActionBase with a fake task/connection and FakeTransport: validation, modes, error mapping."""
import os
import subprocess
import sys
from unittest import mock

import pytest
from fake_transport import FakeTransport

from ansible_collections.netops.vrp.plugins.action.vrp_command import ActionModule as VrpCommandAction
from ansible_collections.netops.vrp.plugins.connection.netmiko import NO_REMOTE_EXECUTION, Connection
from ansible_collections.netops.vrp.plugins.module_utils import argspec
from ansible_collections.netops.vrp.plugins.module_utils.cli import VrpCli
from ansible_collections.netops.vrp.plugins.module_utils.transport import (
    Reply,
    VrpConnectionError,
)
from ansible_collections.netops.vrp.plugins.plugin_utils.action_base import VrpActionBase


class FakeTask:
    def __init__(self, args, check_mode=False, diff=False):
        self.args = args
        self.check_mode = check_mode
        self.diff = diff
        self.async_val = 0
        self.action = "netops.vrp.test"

    def get_name(self):
        return self.action


def make_action(cls, args, check_mode=False, diff=False, transport=None, connection="netops.vrp.netmiko"):
    conn = mock.MagicMock()
    conn.transport = connection
    conn._load_name = connection
    conn._shell.tmpdir = None
    conn.journal_path.return_value = None   # no run journal
    play_context = mock.MagicMock(check_mode=check_mode, diff=diff, remote_addr="127.0.0.1")
    action = cls(FakeTask(args, check_mode, diff), conn, play_context, loader=None, templar=None,
                 shared_loader_obj=None)
    fake = transport or FakeTransport(host="PE1")
    created = []

    def factory():
        if action._vrp_cli is None:
            action._vrp_transport = fake
            action._vrp_cli = VrpCli(fake)
            created.append(fake)
        return action._vrp_cli

    action._cli_factory = factory
    return action, fake, created


class ConfigAction(VrpActionBase):
    MODULE = "unit_config"

    def run_vrp(self, params, cli_factory):
        cli = cli_factory()
        lines = ["bgp 65000", "peer %s keep-all-routes" % params["peer"]]
        if self.check_mode:
            cli.display("display current-configuration configuration bgp")
            return {"changed": True, "commands": lines}
        cli.configure(lines)
        cli.commit()
        return {"changed": True}


@pytest.fixture(autouse=True)
def unit_spec(monkeypatch):
    monkeypatch.setitem(argspec.ARGSPECS, "unit_config", dict(
        argument_spec=dict(peer=dict(type="str", required=True), count=dict(type="int", default=1),
                           mode=dict(type="str", choices=["a", "b"])),
    ))


def test_success_returns_commands_sent():
    action, fake, created = make_action(ConfigAction, {"peer": "10.0.0.2"})
    res = action.run(task_vars={"inventory_hostname": "PE1"})
    assert res["changed"] is True and not res.get("failed")
    assert res["commands"] == ["system-view", "bgp 65000", "peer 10.0.0.2 keep-all-routes", "commit"]
    assert fake.closed


def test_check_mode_sends_only_displays():
    action, fake, _ = make_action(ConfigAction, {"peer": "10.0.0.2"}, check_mode=True)
    res = action.run(task_vars={"inventory_hostname": "PE1"})
    assert res["commands"] == ["bgp 65000", "peer 10.0.0.2 keep-all-routes"]
    assert fake.sent == ["display current-configuration configuration bgp"]
    assert action.check_mode and not action.diff_mode


@pytest.mark.parametrize("args,needle", [
    ({}, "missing required arguments: peer"),
    ({"peer": "1.1.1.1", "bogus": 1}, "bogus"),
    ({"peer": "1.1.1.1", "count": "many"}, "count"),
    ({"peer": "1.1.1.1", "mode": "c"}, "mode"),
])
def test_argspec_errors_fail_without_connecting(args, needle):
    action, fake, created = make_action(ConfigAction, args)
    res = action.run(task_vars={"inventory_hostname": "PE1"})
    assert res["failed"] and needle in res["msg"] and res["msg"].startswith("Invalid arguments for netops.vrp.unit_config")
    assert created == [] and res["commands"] == []


def test_validate_hook_error_fails_without_connecting():
    class Strict(ConfigAction):
        def validate(self, params):
            raise ValueError("peer: not an address")
    action, fake, created = make_action(Strict, {"peer": "x"})
    res = action.run(task_vars={"inventory_hostname": "PE1"})
    assert res["failed"] and "peer: not an address" in res["msg"] and created == []


def test_vrp_error_maps_to_failed_with_host_and_step():
    fake = FakeTransport({"peer 10.0.0.2 keep-all-routes": Reply("Error: The peer does not exist.", "[*PE1-bgp]")},
                         host="PE1")
    action, fake, _ = make_action(ConfigAction, {"peer": "10.0.0.2"}, transport=fake)
    res = action.run(task_vars={"inventory_hostname": "PE1"})
    assert res["failed"] and res["msg"].startswith("PE1: configure: router refused 'peer 10.0.0.2 keep-all-routes'")
    assert res["step"] == "configure"
    assert res["commands"] == ["system-view", "bgp 65000", "peer 10.0.0.2 keep-all-routes", "return", "N"]
    assert fake.closed


def test_connection_error_maps():
    fake = FakeTransport({"system-view": VrpConnectionError("PE1", "login", "authentication failed", reason="auth")},
                         host="PE1")
    action, fake, _ = make_action(ConfigAction, {"peer": "10.0.0.2"}, transport=fake)
    res = action.run(task_vars={"inventory_hostname": "PE1"})
    assert res["failed"] and res["msg"] == "PE1: login: authentication failed"


def test_wrong_connection_refused():
    action, fake, created = make_action(ConfigAction, {"peer": "10.0.0.2"}, connection="ssh")
    res = action.run(task_vars={"inventory_hostname": "PE1"})
    assert res["failed"] and "needs ansible_connection: netops.vrp.netmiko" in res["msg"] and created == []


def test_vrp_command_action():
    fake = FakeTransport({"display bgp peer": "peers\nline2"}, host="PE1")
    action, fake, _ = make_action(VrpCommandAction, {"commands": ["display bgp peer"]}, transport=fake,
                                  check_mode=True)
    res = action.run(task_vars={"inventory_hostname": "PE1"})
    assert res["stdout"] == ["peers\nline2"] and res["stdout_lines"] == [["peers", "line2"]]
    assert res["changed"] is False and res["commands"] == []
    action, fake, created = make_action(VrpCommandAction, {"commands": ["display bgp peer", "undo bgp 65000"]})
    res = action.run(task_vars={"inventory_hostname": "PE1"})
    assert "commands[1]: only display commands are allowed" in res["msg"] and created == []


def test_connection_plugin_refuses_remote_execution():
    from ansible.playbook.play_context import PlayContext
    conn = Connection(PlayContext(), None)
    from ansible.errors import AnsibleConnectionFailure
    for call in (lambda: conn.exec_command("id"), lambda: conn.put_file("a", "b"), lambda: conn.fetch_file("a", "b")):
        with pytest.raises(AnsibleConnectionFailure, match="never runs Python on the router"):
            call()
    assert "controller" in NO_REMOTE_EXECUTION


def test_ansible_doc_connection():
    import os
    bindir = os.path.dirname(sys.executable)
    proc = subprocess.run([os.path.join(bindir, "ansible-doc"), "-t", "connection", "netops.vrp.netmiko"],
                          capture_output=True, text=True, env=dict(os.environ))
    assert proc.returncode == 0, proc.stderr
    for option in ("ansible_password", "netops_vrp_command_timeout", "ansible_ssh_private_key_file",
                   "netops_vrp_session_log", "host_key_checking"):
        assert option in proc.stdout
    proc = subprocess.run([os.path.join(bindir, "ansible-doc"), "netops.vrp.vrp_command"],
                          capture_output=True, text=True, env=dict(os.environ))
    assert proc.returncode == 0, proc.stderr


WARM_CHECK = r"""
import sys
from ansible import constants as C
from ansible.plugins.loader import action_loader, filter_loader, init_plugin_loader, test_loader
init_plugin_loader()
assert not filter_loader._cached_non_collection_wrappers
# what the linear strategy does in the main process before it forks the task's worker
action_loader.get("netops.vrp.vrp_command", class_only=True)
print(sorted(k for k in ("bool", "ansible.builtin.bool") if k in filter_loader._cached_non_collection_wrappers))
print(bool(test_loader._cached_non_collection_wrappers))
print(list(C.config._plugins.get("connection", {})))
print(sorted(m.rsplit(".", 1)[-1] for m in sys.modules if m.startswith("ansible_collections.netops.vrp.plugins.filter.")))
"""


def test_importing_the_action_base_fills_the_plugin_caches_workers_inherit():
    """The main process loads our action plugins once; what it caches then, each forked worker skips."""
    proc = subprocess.run([sys.executable, "-c", WARM_CHECK], capture_output=True, text=True, env=dict(os.environ))
    assert proc.returncode == 0, proc.stderr
    # the connection's options are registered under its Python module name, as a worker would register them;
    # looking up one filter of the collection loads every filter file (one file per filter)
    filters = ["vrp_collateral_resets", "vrp_readiness", "vrp_reset_plan", "vrp_rollout_last_run", "vrp_rollout_plan",
               "vrp_rollout_report", "vrp_rollout_share", "vrp_rollout_verify", "vrp_select"]
    assert proc.stdout.split("\n")[:4] == ["['ansible.builtin.bool', 'bool']", "True",
                                           "['ansible_collections.netops.vrp.plugins.connection.netmiko']",
                                           str(filters)], proc.stdout
