"""The collection refuses on "the peer does not exist" under both readings of its text (vrpsim
``missing_peer_text``: `Error: ...` or `Info: The peer does not exist.` [fs: IDCLogChecker]), over real SSH
through the session keeper: an `Info:` line is never taken as success."""
import subprocess
import sys
import tempfile

import pytest

from ansible_collections.netops.vrp.plugins.module_utils.cli import VrpCli
from ansible_collections.netops.vrp.plugins.module_utils.transport import VrpCommandError
from ansible_collections.netops.vrp.plugins.plugin_utils.keeper_client import KeeperTransport

running_lab = pytest.importorskip("vrpsim.testing").running_lab

CONFIG = "sysname R1\nbgp 65000\n peer 10.0.0.2 as-number 65000\n"


@pytest.fixture(params=["error", "info"])
def cli(request, tmp_path):
    topology = {"name": "mp", "routers": [{"name": "R1", "config": CONFIG,
                                            "readings": {"missing_peer_text": request.param}}]}
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    keeper_dir = tempfile.mkdtemp(prefix="nvk-m-")
    with running_lab(topology, tmp_path) as lab:
        r = lab.routers["R1"]
        transport = KeeperTransport(host=r.host, port=r.port, username=r.username, password=r.password, name="R1",
                                    owner_pid=owner.pid, socket_dir=keeper_dir, connect_timeout=10,
                                    command_timeout=10)
        try:
            yield VrpCli(transport), lab
        finally:
            transport.shutdown()
            owner.kill()
            owner.wait()


def test_operational_on_a_missing_peer_is_refused(cli):
    vrp, _lab = cli
    for command in ("refresh bgp 10.9.9.9 import", "reset bgp 10.9.9.9"):
        with pytest.raises(VrpCommandError) as exc:
            vrp.operational(command)
        assert "The peer does not exist." in exc.value.message


def test_configuring_a_missing_peer_discards_the_candidate(cli):
    vrp, lab = cli
    with pytest.raises(VrpCommandError) as exc:
        vrp.configure(["bgp 65000", "peer 10.0.0.2 description kept-only-if-committed", "ipv4-family unicast",
                       "peer 10.9.9.9 keep-all-routes"])
    assert "does not exist" in exc.value.message and "candidate discarded" in exc.value.message
    assert "description" not in lab.running_config("R1") and vrp.view_kind == "user"


@pytest.mark.parametrize("output,line", [
    ("Info: The peer does not exist.", "Info: The peer does not exist."),
    ("Error: The peer does not exist.", "Error: The peer does not exist."),
    ("Info: The configuration takes effect on the current user terminal interface only.", None),
    ("Info: No trial configuration exists.", None),
])
def test_error_line_takes_info_does_not_exist_as_refusal(output, line):
    from ansible_collections.netops.vrp.plugins.module_utils.cli import error_line
    assert error_line(output) == line
