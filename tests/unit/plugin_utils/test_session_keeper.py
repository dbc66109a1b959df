"""Session keeper lifecycle against an in-process vrpsim router (real SSH, real keeper process)."""
import os
import signal
import socket
import stat
import subprocess
import sys
import time

import pytest

from ansible_collections.netops.vrp.plugins.module_utils.cli import VrpCli
from ansible_collections.netops.vrp.plugins.module_utils.transport import VrpConnectionError
from ansible_collections.netops.vrp.plugins.plugin_utils import session_keeper
from ansible_collections.netops.vrp.plugins.plugin_utils.session_keeper import KeeperTransport

running_lab = pytest.importorskip("vrpsim.testing").running_lab

SECRET = "Kp-Secret-4711"
TOPOLOGY = {
    "name": "keeper",
    "defaults": {"username": "admin", "password": SECRET, "host": "127.0.0.1"},
    "base_port": 0,
    "routers": [{"name": "PE1", "config": "sysname PE1\nbgp 65000\n router-id 10.0.0.1\n"}],
}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with running_lab(TOPOLOGY, tmp_path_factory.mktemp("lab")) as handle:
        yield handle


@pytest.fixture
def keeper_dir(tmp_path_factory):
    import tempfile
    path = tempfile.mkdtemp(prefix="nvk-u-")  # short: unix socket paths are limited to 108 bytes
    yield path
    import shutil
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def owner():
    """A stand-in for the ansible-playbook process the keeper is tied to."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def transport(lab, owner, keeper_dir, **kw):
    r = lab.routers["PE1"]
    args = dict(host=r.host, port=r.port, username=r.username, password=r.password, name="PE1",
                owner_pid=owner.pid, socket_dir=keeper_dir, connect_timeout=10, command_timeout=10)
    args.update(kw)
    return KeeperTransport(**args)


def wait_gone(pid, timeout=5.0):
    """True once the keeper has exited (here it is our child, so it may linger as a zombie)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not keeper_alive(pid):
            return True
        time.sleep(0.05)
    return False


def keeper_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().split(")")[1].split()[0] != "Z"
    except OSError:
        return False


def test_reuse_one_login_and_permissions(lab, owner, keeper_dir):
    before = lab.logins("PE1")
    t1 = transport(lab, owner, keeper_dir)
    cli = VrpCli(t1)
    assert "Local AS number : 65000" in cli.display("display bgp peer")
    pid = t1.keeper_pid
    assert t1.started_keeper and t1.prompt == "<PE1>" and t1.hostname == "PE1"
    t1.close()
    t2 = transport(lab, owner, keeper_dir)
    cli2 = VrpCli(t2)
    cli2.display("display version")
    assert t2.keeper_pid == pid and not t2.started_keeper
    assert lab.logins("PE1") - before == 1
    assert stat.S_IMODE(os.stat(t2.socket_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(keeper_dir).st_mode) == 0o700
    # the password is nowhere in the keeper's argv or environment
    for name in ("cmdline", "environ"):
        with open("/proc/%d/%s" % (pid, name), "rb") as handle:
            assert SECRET.encode() not in handle.read()
    t2.shutdown()
    assert wait_gone(pid)
    assert not os.path.exists(t2.socket_path)


def test_session_state_survives_between_tasks(lab, owner, keeper_dir):
    t1 = transport(lab, owner, keeper_dir)
    cli = VrpCli(t1)
    cli.configure(["bgp 65000"])
    assert cli.prompt == "[~PE1-bgp]"
    t1.close()
    t2 = transport(lab, owner, keeper_dir)
    cli2 = VrpCli(t2)
    cli2.operational("display version")  # learns it is in [~PE1-bgp] from the keeper, returns first
    assert cli2.sent == ["return", "display version"]
    t2.shutdown()


def test_keeper_exits_when_owner_dies(lab, owner, keeper_dir):
    t = transport(lab, owner, keeper_dir)
    VrpCli(t).display("display version")
    pid, path = t.keeper_pid, t.socket_path
    t.close()
    owner.kill()
    owner.wait()
    deadline = time.time() + 5
    while keeper_alive(pid) and time.time() < deadline:
        time.sleep(0.05)
    assert not keeper_alive(pid)
    assert not os.path.exists(path)


def test_keeper_exits_on_sigterm_and_idle(lab, owner, keeper_dir):
    t = transport(lab, owner, keeper_dir)
    VrpCli(t).display("display version")
    pid, path = t.keeper_pid, t.socket_path
    t.close()
    os.kill(pid, signal.SIGTERM)
    deadline = time.time() + 5
    while keeper_alive(pid) and time.time() < deadline:
        time.sleep(0.05)
    assert not keeper_alive(pid) and not os.path.exists(path)

    t = transport(lab, owner, keeper_dir, idle_timeout=1)
    VrpCli(t).display("display version")
    pid = t.keeper_pid
    t.close()
    deadline = time.time() + 6
    while keeper_alive(pid) and time.time() < deadline:
        time.sleep(0.1)
    assert not keeper_alive(pid) and not os.path.exists(path)


def test_stale_socket_is_replaced(lab, owner, keeper_dir):
    t = transport(lab, owner, keeper_dir)
    path = t.socket_path
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(path)  # bound but nobody listens: connection refused, like a crashed keeper
    stale.close()
    assert os.path.exists(path)
    VrpCli(t).display("display version")
    assert t.started_keeper
    t.shutdown()


def test_login_errors_are_reported_and_keeper_exits(lab, owner, keeper_dir):
    t = transport(lab, owner, keeper_dir, password="wrong")
    with pytest.raises(VrpConnectionError) as exc:
        t.send("display version")
    assert exc.value.reason == "auth" and str(exc.value).startswith("PE1: login: authentication failed")
    assert not os.path.exists(t.socket_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t = transport(lab, owner, keeper_dir, port=port, connect_timeout=3)
    with pytest.raises(VrpConnectionError) as exc:
        t.send("display version")
    assert exc.value.reason == "unreachable" and "cannot reach 127.0.0.1:%d" % port in str(exc.value)


def test_runtime_dir_is_private(monkeypatch, tmp_path):
    target = tmp_path / "kd"
    monkeypatch.setenv("NETOPS_VRP_KEEPER_DIR", str(target))
    path = session_keeper.runtime_dir()
    assert path == str(target) and stat.S_IMODE(os.stat(path).st_mode) == 0o700
    os.chmod(path, 0o755)
    session_keeper.runtime_dir()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700


def test_worker_side_does_not_import_netmiko():
    code = ("import sys; import conftest; "
            "from ansible_collections.netops.vrp.plugins.plugin_utils import action_base, session_keeper; "
            "bad = [m for m in ('netmiko', 'paramiko') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_process_helpers():
    assert session_keeper.process_alive(os.getpid(), session_keeper.process_start_time(os.getpid()))
    assert not session_keeper.process_alive(os.getpid(), -1)
    assert session_keeper.keeper_key(1, "h", 22, "u") != session_keeper.keeper_key(2, "h", 22, "u")
