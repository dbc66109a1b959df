"""Session keeper lifecycle against in-process vrpsim routers (real SSH, real keeper process).

One keeper per (owner = stand-in for ansible-playbook) holds the sessions of every router.
"""
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time

import pytest

from ansible_collections.netops.vrp.plugins.module_utils.cli import VrpCli
from ansible_collections.netops.vrp.plugins.module_utils.transport import VrpConnectionError, VrpTimeout
from ansible_collections.netops.vrp.plugins.plugin_utils import keeper_client
from ansible_collections.netops.vrp.plugins.plugin_utils.keeper_client import KeeperTransport
from vrpsim.testing import running_lab

SECRET = "Kp-Secret-4711"
TOPOLOGY = {
    "name": "keeper",
    "defaults": {"username": "admin", "password": SECRET, "host": "127.0.0.1"},
    "base_port": 0,
    "routers": [{"name": name, "config": "sysname %s\nbgp 65000\n router-id 10.0.0.%d\n" % (name, i)}
                for i, name in enumerate(("PE1", "PE2", "PE3"), 1)],
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


def transport(lab, owner, keeper_dir, router="PE1", **kw):
    r = lab.routers[router]
    args = dict(host=r.host, port=r.port, username=r.username, password=r.password, name=router,
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


def keeper_files(keeper_dir):
    return sorted(f for f in os.listdir(keeper_dir) if not f.endswith(".log") or os.path.getsize(
        os.path.join(keeper_dir, f)))


def ping(t):
    """The keeper's own view: pid, router sessions, clients."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(t.socket_path)
    with sock, sock.makefile("rb") as rfile:
        sock.sendall(b'{"op": "ping"}\n')
        import json
        return json.loads(rfile.readline())


def test_reuse_one_login_and_permissions(lab, owner, keeper_dir):
    before = lab.logins("PE1")
    t1 = transport(lab, owner, keeper_dir)
    cli = VrpCli(t1)
    assert "Local AS number : 65000" in cli.display("display bgp peer")
    pid = t1.keeper_pid
    assert t1.started_keeper and t1.prompt == "<PE1>" and t1.hostname == "PE1" and t1.logins == 1
    t1.close()
    t2 = transport(lab, owner, keeper_dir)
    cli2 = VrpCli(t2)
    cli2.display("display version")
    assert t2.keeper_pid == pid and not t2.started_keeper
    assert lab.logins("PE1") - before == 1
    assert stat.S_IMODE(os.stat(t2.socket_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(t2.socket_path[:-5] + ".lock").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(keeper_dir).st_mode) == 0o700
    # the password is nowhere in the keeper's argv or environment, nor in any file of the keeper dir
    for name in ("cmdline", "environ"):
        with open("/proc/%d/%s" % (pid, name), "rb") as handle:
            assert SECRET.encode() not in handle.read()
    for name in os.listdir(keeper_dir):
        if not name.endswith(".sock"):
            with open(os.path.join(keeper_dir, name), "rb") as handle:
                assert SECRET.encode() not in handle.read()
    t2.shutdown()
    assert wait_gone(pid)
    assert keeper_files(keeper_dir) == []   # socket, lock file and (empty) log removed


def test_one_keeper_for_all_routers_started_once(lab, owner, keeper_dir):
    """12 first tasks on 3 routers at once (like forks): one keeper process, one login per router."""
    before = dict((r, lab.logins(r)) for r in ("PE1", "PE2", "PE3"))
    transports = [transport(lab, owner, keeper_dir, router=r) for r in ("PE1", "PE2", "PE3") for _ in range(4)]
    errors = []

    def first_task(t):
        try:
            VrpCli(t).display("display version")
            t.close()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=first_task, args=(t,)) for t in transports]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sum(t.started_keeper for t in transports) == 1
    assert len(set(t.keeper_pid for t in transports)) == 1
    assert dict((r, lab.logins(r) - before[r]) for r in before) == {"PE1": 1, "PE2": 1, "PE3": 1}
    state = ping(transports[0])
    assert state["pid"] == transports[0].keeper_pid and state["sessions"] == ["PE1", "PE2", "PE3"]
    assert [f for f in keeper_files(keeper_dir) if f.endswith(".sock")] == [os.path.basename(
        transports[0].socket_path)]
    transports[0].shutdown()
    assert wait_gone(transports[0].keeper_pid)
    for router in ("PE1", "PE2", "PE3"):
        assert lab.wait_logged_out(router)
    assert keeper_files(keeper_dir) == []


def test_one_router_is_serialised_different_routers_run_in_parallel(lab, owner, keeper_dir):
    a = transport(lab, owner, keeper_dir, router="PE1")
    a.connect()                       # task A holds PE1 until it closes
    b = transport(lab, owner, keeper_dir, router="PE1")
    done = {}

    def task_b():
        b.send("display version")
        done["b"] = time.time()

    thread = threading.Thread(target=task_b)
    thread.start()
    lab.fault("delay", "PE3", match="^display bgp peer$", seconds=1.0)
    try:
        slow = threading.Thread(target=lambda: transport(lab, owner, keeper_dir, router="PE3").send("display bgp peer"))
        slow.start()
        time.sleep(0.3)
        started = time.time()
        transport(lab, owner, keeper_dir, router="PE2").send("display version")  # not held up by PE1 or PE3
        assert time.time() - started < 0.6
        assert slow.is_alive() and "b" not in done   # PE3 still busy; B still waits for A
        a.send("display bgp peer")
        released = time.time()
        a.close()
        thread.join(10)
        slow.join(10)
    finally:
        lab.clear_faults()
    assert done["b"] >= released
    pe1 = [r["command"] for r in lab.transcript("PE1") if r["event"] == "command"]
    assert pe1[-2:] == ["display bgp peer", "display version"]
    a.shutdown()


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
    for router in ("PE1", "PE2"):
        t = transport(lab, owner, keeper_dir, router=router)
        VrpCli(t).display("display version")
        t.close()
    pid, path = t.keeper_pid, t.socket_path
    owner.kill()
    owner.wait()
    assert wait_gone(pid)
    assert not os.path.exists(path) and keeper_files(keeper_dir) == []
    for router in ("PE1", "PE2"):   # both sessions logged out
        assert lab.wait_logged_out(router)


def test_keeper_exits_on_sigterm_and_idle(lab, owner, keeper_dir):
    t = transport(lab, owner, keeper_dir)
    VrpCli(t).display("display version")
    pid, path = t.keeper_pid, t.socket_path
    t.close()
    os.kill(pid, signal.SIGTERM)
    assert wait_gone(pid)
    assert not os.path.exists(path) and keeper_files(keeper_dir) == []
    assert lab.wait_logged_out("PE1")

    t = transport(lab, owner, keeper_dir, idle_timeout=1)
    VrpCli(t).display("display version")
    pid = t.keeper_pid
    t.close()
    assert wait_gone(pid, timeout=6)
    assert not os.path.exists(path) and keeper_files(keeper_dir) == []


def test_idle_router_logs_out_keeper_stays(lab, owner, keeper_dir):
    busy = transport(lab, owner, keeper_dir, router="PE2", idle_timeout=0)   # keeper: no idle exit
    VrpCli(busy).display("display version")
    busy.close()
    idle = transport(lab, owner, keeper_dir, router="PE1", idle_timeout=1)
    VrpCli(idle).display("display version")
    idle.close()
    assert lab.wait_logged_out("PE1")
    assert ping(busy)["sessions"] == ["PE2"]
    before = lab.logins("PE1")
    again = transport(lab, owner, keeper_dir, router="PE1", idle_timeout=1)
    VrpCli(again).display("display version")        # the next task logs in again, same keeper
    assert lab.logins("PE1") - before == 1 and again.keeper_pid == busy.keeper_pid
    again.shutdown()


def test_stale_socket_is_replaced(lab, owner, keeper_dir):
    t = transport(lab, owner, keeper_dir)
    path = t.socket_path
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(path)  # bound but nobody listens: connection refused, like a crashed keeper
    stale.close()
    assert os.path.exists(path)
    VrpCli(t).display("display version")
    assert t.started_keeper
    t.close()
    # a keeper killed outright leaves its socket and lock file; the next task replaces both
    first = t.keeper_pid
    os.kill(first, signal.SIGKILL)
    assert wait_gone(first) and os.path.exists(path)
    t2 = transport(lab, owner, keeper_dir)
    VrpCli(t2).display("display version")
    assert t2.started_keeper and t2.keeper_pid != first and t2.logins == 1
    t2.shutdown()


def test_login_errors_are_reported_keeper_serves_the_others(lab, owner, keeper_dir):
    good = transport(lab, owner, keeper_dir, router="PE2")
    VrpCli(good).display("display version")
    good.close()
    t = transport(lab, owner, keeper_dir, password="Bad-Pw-9913")
    with pytest.raises(VrpConnectionError) as exc:
        t.send("display version")
    assert exc.value.reason == "auth" and str(exc.value).startswith("PE1: login: authentication failed")
    assert "Bad-Pw-9913" not in str(exc.value)
    assert t.keeper_pid is None and ping(good)["sessions"] == ["PE2"]   # the failed router is forgotten
    # the next task brings its settings again: fixed credentials log in, in the same keeper
    fixed = transport(lab, owner, keeper_dir)
    VrpCli(fixed).display("display version")
    assert fixed.keeper_pid == good.keeper_pid and not fixed.started_keeper
    fixed.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t = transport(lab, owner, keeper_dir, port=port, connect_timeout=3)
    with pytest.raises(VrpConnectionError) as exc:
        t.send("display version")
    assert exc.value.reason == "unreachable" and "cannot reach 127.0.0.1:%d" % port in str(exc.value)
    assert ping(good)["sessions"] == ["PE1", "PE2"]
    good.shutdown()


def test_dropped_and_timed_out_sessions_log_in_again(lab, owner, keeper_dir):
    before = lab.logins("PE2")
    lab.fault("drop", "PE2", when="before", match="^display version$", count=1)
    t = transport(lab, owner, keeper_dir, router="PE2")
    cli = VrpCli(t)
    cli.display("display bgp peer")
    with pytest.raises(VrpConnectionError) as exc:
        cli.display("display version")
    assert exc.value.reason == "closed" and "SSH session closed" in str(exc.value)
    with pytest.raises(VrpConnectionError) as exc:   # the rest of this task fails clearly too
        cli.display("display version")
    assert "lost earlier" in str(exc.value)
    t.close()
    t = transport(lab, owner, keeper_dir, router="PE2", command_timeout=1)
    assert "VRP" in VrpCli(t).display("display version")     # next task: new login
    lab.fault("delay", "PE2", match="^display bgp peer$", seconds=3)
    try:
        with pytest.raises(VrpTimeout) as exc:
            t.send("display bgp peer")
        assert str(exc.value).startswith("PE2: command 'display bgp peer': no prompt within 1")
    finally:
        lab.clear_faults()
    t.close()
    t = transport(lab, owner, keeper_dir, router="PE2")
    VrpCli(t).display("display version")
    assert lab.logins("PE2") - before == 3
    t.shutdown()


def test_session_log_per_router(lab, owner, keeper_dir, tmp_path):
    for router in ("PE1", "PE3"):
        t = transport(lab, owner, keeper_dir, router=router, session_log=str(tmp_path / (router + ".log")))
        VrpCli(t).display("display version")
        t.close()
    t.shutdown()
    for router, other in (("PE1", "PE3"), ("PE3", "PE1")):
        path = tmp_path / (router + ".log")
        text = path.read_text()
        assert "<%s>" % router in text and "<%s>" % other not in text
        assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600 and SECRET not in text


def test_logout_one_router_keeps_the_others(lab, owner, keeper_dir):
    for router in ("PE1", "PE2"):
        t = transport(lab, owner, keeper_dir, router=router)
        VrpCli(t).display("display version")
        t.close()
    transport(lab, owner, keeper_dir, router="PE1").logout()
    assert lab.wait_logged_out("PE1")
    assert ping(t)["sessions"] == ["PE2"]
    t.shutdown()


def test_runtime_dir_is_private(monkeypatch, tmp_path):
    target = tmp_path / "kd"
    monkeypatch.setenv("NETOPS_VRP_KEEPER_DIR", str(target))
    path = keeper_client.runtime_dir()
    assert path == str(target) and stat.S_IMODE(os.stat(path).st_mode) == 0o700
    os.chmod(path, 0o755)
    keeper_client.runtime_dir()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700


def test_runtime_dir_follows_ansible_home(monkeypatch, tmp_path):
    """Without a keeper dir or a usable XDG_RUNTIME_DIR the sockets go under $ANSIBLE_HOME, like Ansible's own
    temp files (the Makefile points it into the repository: nothing written to ~/.ansible)."""
    monkeypatch.delenv("NETOPS_VRP_KEEPER_DIR", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("ANSIBLE_HOME", str(tmp_path / "ah"))
    assert keeper_client.runtime_dir() == str(tmp_path / "ah" / "tmp" / "netops-vrp")


def test_worker_side_does_not_import_netmiko():
    code = ("import sys; import conftest; "
            "from ansible_collections.netops.vrp.plugins.plugin_utils import action_base, keeper_client; "
            "bad = [m for m in ('netmiko', 'paramiko') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_keeper_server_runs_as_a_plain_script():
    """The keeper process is ``python keeper_server.py --serve`` from ``/``: the file finds its own collection
    without the Ansible loader or sys.path (here: no ``--serve``, so it stops after its imports)."""
    proc = subprocess.run([sys.executable, "-S", "-I", keeper_client.SERVER_SCRIPT], cwd="/", capture_output=True,
                          text=True)
    assert proc.returncode == 2 and proc.stderr.startswith("usage: keeper_server.py --serve"), proc.stderr


def test_process_helpers():
    assert keeper_client.process_alive(os.getpid(), keeper_client.process_start_time(os.getpid()))
    assert not keeper_client.process_alive(os.getpid(), -1)
    assert keeper_client.keeper_key(1, 5) != keeper_client.keeper_key(2, 5)
    assert keeper_client.keeper_key(1, 5) != keeper_client.keeper_key(1, 6)   # pid reused
    assert keeper_client.session_key("h", 22, "u") != keeper_client.session_key("h", 2222, "u")


def test_a_named_session_is_a_second_login_to_the_same_router(lab, owner, keeper_dir):
    """``session_name`` (connection option) gives a task its own login; the default session is kept apart."""
    before = lab.logins("PE1")
    first = transport(lab, owner, keeper_dir)
    VrpCli(first).display("display version")
    first.close()
    second = transport(lab, owner, keeper_dir, session_name="probe-second")
    VrpCli(second).display("display version")
    second.close()
    again = transport(lab, owner, keeper_dir, session_name="probe-second")
    VrpCli(again).display("display version")
    assert lab.logins("PE1") - before == 2
    assert len(ping(again)["sessions"]) == 2
    again.shutdown()
    assert keeper_client.session_key("h", 22, "u") != keeper_client.session_key("h", 22, "u", "x")


def test_release_is_learned_once_per_login(lab, owner, keeper_dir):
    """module_utils/release.py: ``display version`` is sent once per login; later tasks of the play get the
    release from the keeper's hello; a new login (session dropped) learns it again."""
    from ansible_collections.netops.vrp.plugins.module_utils.release import learn_release

    lab.reset_transcripts()
    t1 = transport(lab, owner, keeper_dir, router="PE3")
    assert learn_release(VrpCli(t1)) == {"product": "NE40E", "release": "V800R012C10", "version": "8.200"}
    t1.close()
    t2 = transport(lab, owner, keeper_dir, router="PE3")
    cli2 = VrpCli(t2)
    assert learn_release(cli2)["release"] == "V800R012C10" and cli2.sent == []
    t2.close()
    assert lab.commands("PE3").count("display version") == 1
    lab.fault("drop", "PE3", when="before", match="^display bgp peer$", count=1)
    t3 = transport(lab, owner, keeper_dir, router="PE3")
    with pytest.raises(VrpConnectionError):
        VrpCli(t3).display("display bgp peer")
    t3.close()
    t4 = transport(lab, owner, keeper_dir, router="PE3")
    assert learn_release(VrpCli(t4))["product"] == "NE40E"
    assert lab.commands("PE3").count("display version") == 2
    t4.shutdown()
