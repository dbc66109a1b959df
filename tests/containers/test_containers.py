"""Containerized routers (issue 10, docs/containers.md): image cache, isolation, SSH, BGP across containers.

Everything here runs podman for real. Where podman cannot run, every test fails with the reason
(``podman_ready``): this stage must not pass on a machine that did not test containers.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vrpsim import containers
from vrpsim.testing import Shell

REPO = Path(__file__).resolve().parents[2]

TOPOLOGY = {
    "name": "ctest",
    "defaults": {"username": "admin", "password": "Admin@123"},
    "timing": {"establish_delay": 0.2, "trial_time_scale": 0.01},
    "routers": [
        {"name": "PE1", "addresses": ["10.0.0.1"], "config": (
            "sysname PE1\n"
            "bgp 65000\n"
            " router-id 10.0.0.1\n"
            " peer 10.0.0.2 as-number 65000\n"
            " ipv4-family unicast\n"
            "  peer 10.0.0.2 enable\n")},
        {"name": "PE2", "addresses": ["10.0.0.2"], "config": (
            "sysname PE2\n"
            "bgp 65000\n"
            " router-id 10.0.0.2\n"
            " peer 10.0.0.1 as-number 65000\n"
            " ipv4-family unicast\n"
            "  peer 10.0.0.1 enable\n")},
    ],
}


def vrpsim(*args, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "vrpsim", *args], cwd=REPO, capture_output=True, text=True,
                          env=env, timeout=timeout)


def podman_out(*args):
    return subprocess.run([containers.ENGINE, *args], capture_output=True, text=True, timeout=120).stdout.strip()


@pytest.fixture(scope="session")
def podman_ready():
    try:
        containers.check_available()
    except containers.ContainerError as error:
        pytest.fail("podman cannot run containers here, so containerized routers are untested: %s" % error)


@pytest.fixture(scope="session")
def image(podman_ready):
    started = time.monotonic()
    tag, built = containers.build()
    return {"tag": tag, "built": built, "seconds": time.monotonic() - started}


@pytest.fixture(scope="module")
def clab(image, tmp_path_factory):
    """The two-router topology above, each router in its own container, via the real CLI."""
    state = tmp_path_factory.mktemp("clab")
    topo = state / "topology.yml"
    topo.write_text(json.dumps(TOPOLOGY))       # JSON is YAML
    started = time.monotonic()
    up = vrpsim("lab", "up", "--containers", str(topo), "--state-dir", str(state))
    assert up.returncode == 0, up.stderr + (state / "server.log").read_text()
    lab = json.loads((state / "lab.json").read_text())
    lab.update(state_dir=state, up_seconds=time.monotonic() - started)
    yield lab
    vrpsim("lab", "down", "--state-dir", str(state))


def container_of(lab, router):
    return json.loads((lab["state_dir"] / containers.RECORD_FILE).read_text())["containers"][router]


def shell(lab, router):
    login = lab["routers"][router]
    return Shell(login["host"], login["port"], login["username"], login["password"], timeout=10)


def peer_states(lab, router):
    with shell(lab, router) as sh:
        out, _ = sh.run("display bgp peer")
    return dict(re.findall(r"^\s+(\d+\.\d+\.\d+\.\d+)\s+4\s+\d+.*\s(\w+)\s+\d+\s*$", out, re.M))


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


# ----------------------------------------------------------------------------------------- image
def test_image_rebuild_of_unchanged_tree_is_a_cache_hit(image):
    started = time.monotonic()
    tag, built = containers.build()
    seconds = time.monotonic() - started
    print("image %s: first build() %.1f s (built=%s), second %.2f s" % (tag, image["seconds"], image["built"],
                                                                         seconds))
    assert tag == image["tag"] and built is False
    assert seconds < 10, "an up-to-date image must not be rebuilt (%.1f s)" % seconds
    assert podman_out("image", "inspect", "--format", "{{.Labels}}", tag).count("vrpsim-router") == 1
    if image["built"]:   # this tree built the image (not found in podman's store): its rootfs is cached
        assert list((REPO / "build" / "containers").glob("rootfs-bookworm-*.tar")), "rootfs tarball is cached"


def test_image_tag_follows_sources_and_dependency_pins(monkeypatch):
    tag = containers.image_tag()
    assert re.fullmatch(r"localhost/vrpsim-router:[0-9a-f]{16}", tag)
    assert containers.image_tag() == tag                      # deterministic
    pins = containers._dependency_pins()
    monkeypatch.setattr(containers, "_dependency_pins", lambda: pins + ["extra==1.0"])
    assert containers.image_tag() != tag                      # a new dependency version = a new image
    monkeypatch.undo()
    monkeypatch.setattr(containers, "CONTAINERFILE", REPO / "containers" / "build.sh")
    assert containers.image_tag() != tag                      # so does the recipe


def test_image_runs_vrpsim_on_debian_python(image):
    out = subprocess.run([containers.ENGINE, "run", "--rm", "--pull", "never", image["tag"], "/opt/vrpsim/bin/python", "-c",
                          "import sys, asyncssh, yaml, vrpsim.containers; print(sys.version_info[:2])"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(3, 11)"


# ----------------------------------------------------------------------------------------- routers
def test_each_router_has_its_own_container_hostname_and_netns(clab):
    print("lab up --containers (2 routers): %.1f s" % clab["up_seconds"])
    host_netns = os.readlink("/proc/self/ns/net")
    seen = set()
    for router in ("PE1", "PE2"):
        name = container_of(clab, router)
        assert podman_out("inspect", "--format", "{{.State.Running}}", name) == "true"
        assert podman_out("exec", name, "hostname") == router != os.uname().nodename
        netns = podman_out("exec", name, "readlink", "/proc/1/ns/net")
        assert netns.startswith("net:[") and netns != host_netns
        seen.add(netns)
        # the SSH server listens inside the container (port 22 in its own netns), published on 127.0.0.1
        listening = podman_out("exec", name, "cat", "/proc/net/tcp")
        assert re.search(r"^\s*\d+: 00000000:0016 00000000:0000 0A", listening, re.M), listening
        assert podman_out("port", name, "22/tcp") == "127.0.0.1:%d" % clab["routers"][router]["port"]
    assert len(seen) == 2


def test_ssh_login_over_published_port_shows_vrp_prompt(clab):
    login = clab["routers"]["PE1"]
    assert login["host"] == "127.0.0.1"
    with shell(clab, "PE1") as sh:
        assert sh.banner.rstrip().endswith("<PE1>")
        out, prompt = sh.run("display current-configuration configuration bgp")
    assert prompt == "<PE1>" and "peer 10.0.0.2 as-number 65000" in out
    inventory = (clab["state_dir"] / "inventory.yml").read_text()
    assert "ansible_port: %d" % login["port"] in inventory and "netops.vrp.netmiko" in inventory


def test_two_containerized_routers_establish_bgp_and_follow_each_others_commits(clab):
    assert wait_for(lambda: peer_states(clab, "PE1").get("10.0.0.2") == "Established"), peer_states(clab, "PE1")
    assert peer_states(clab, "PE2").get("10.0.0.1") == "Established"
    # A commit in PE2's container takes PE1's session down: the control plane spans the containers.
    with shell(clab, "PE2") as sh:
        for line in ("system-view", "bgp 65000", "undo peer 10.0.0.1", "commit", "return"):
            out, _ = sh.run(line)
            assert "Error" not in out, (line, out)
    assert peer_states(clab, "PE1").get("10.0.0.2") not in (None, "Established")
    with shell(clab, "PE2") as sh:
        for line in ("system-view", "bgp 65000", "peer 10.0.0.1 as-number 65000", "ipv4-family unicast",
                     "peer 10.0.0.1 enable", "commit", "return"):
            out, _ = sh.run(line)
            assert "Error" not in out, (line, out)
    assert wait_for(lambda: peer_states(clab, "PE1").get("10.0.0.2") == "Established")
    # the transcript of the containerized router lands in the lab's state dir, readable via control
    ctl = vrpsim("ctl", "--state-dir", str(clab["state_dir"]), "transcript", json.dumps({"router": "PE2"}))
    assert ctl.returncode == 0, ctl.stderr
    assert "undo peer 10.0.0.1" in [e.get("command") for e in json.loads(ctl.stdout)]


def test_status_and_faults_go_through_the_router_containers(clab):
    status = vrpsim("lab", "status", "--state-dir", str(clab["state_dir"]))
    assert status.returncode == 0, status.stderr
    routers = json.loads(status.stdout)["routers"]
    assert routers["PE1"]["container"] == container_of(clab, "PE1") and routers["PE1"]["hostname"] == "PE1"
    ctl = vrpsim("ctl", "--state-dir", str(clab["state_dir"]), "fault",
                 json.dumps({"kind": "auth_fail", "router": "PE1"}))
    assert ctl.returncode == 0, ctl.stderr
    try:
        import paramiko
        with pytest.raises(paramiko.AuthenticationException):
            shell(clab, "PE1")
        shell(clab, "PE2").close()                       # only PE1's container has the fault
    finally:
        vrpsim("ctl", "--state-dir", str(clab["state_dir"]), "clear_faults")
    shell(clab, "PE1").close()


# ----------------------------------------------------------------------------------------- down
def test_lab_down_removes_containers_also_after_a_crash(image, tmp_path):
    topo = tmp_path / "topology.yml"
    topo.write_text(json.dumps(dict(TOPOLOGY, name="ccrash")))
    up = vrpsim("lab", "up", "--containers", str(topo), "--state-dir", str(tmp_path))
    assert up.returncode == 0, up.stderr
    label = "label=%s=%s" % (containers.LABEL, tmp_path.resolve())
    assert len(podman_out("ps", "--quiet", "--filter", label).split()) == 2
    os.kill(json.loads((tmp_path / "lab.json").read_text())["pid"], 9)     # the coordinator dies
    time.sleep(0.5)
    assert len(podman_out("ps", "--quiet", "--filter", label).split()) == 2   # its containers are left over
    started = time.monotonic()
    down = vrpsim("lab", "down", "--state-dir", str(tmp_path))
    print("lab down after a crash: %.1f s" % (time.monotonic() - started))
    assert down.returncode == 0, down.stderr
    assert podman_out("ps", "--all", "--quiet", "--filter", label) == ""
    assert not (tmp_path / "lab.json").exists() and not (tmp_path / containers.RECORD_FILE).exists()


def test_lab_up_without_podman_says_why_and_starts_nothing(tmp_path):
    bindir = tmp_path / "bin"                 # a PATH with python but without podman
    bindir.mkdir()
    env = dict(os.environ, PATH=str(bindir))
    topo = tmp_path / "topology.yml"
    topo.write_text(json.dumps(TOPOLOGY))
    up = vrpsim("lab", "up", "--containers", str(topo), "--state-dir", str(tmp_path / "state"), env=env)
    assert up.returncode != 0
    assert "container mode needs podman" in up.stderr and "setup-host.sh" in up.stderr
    assert not (tmp_path / "state" / "lab.json").exists()
    assert shutil.which("podman", path=str(bindir)) is None


def test_molecule_create_fails_with_the_reason_when_the_engine_cannot_run(tmp_path):
    """The molecule scenario's create step (run as molecule runs it) must fail, not pass, without an engine."""
    env = dict(os.environ, VRPSIM_CONTAINER_ENGINE="no-such-engine", ANSIBLE_CONFIG=str(REPO / "ansible.cfg"))
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local",
         str(REPO / "extensions" / "molecule" / "containers" / "create.yml"),
         "-e", json.dumps({"vrpsim_project_dir": str(REPO), "vrpsim_state_dir": str(tmp_path / "state"),
                           "vrpsim_topology": "vrpsim/topologies/demo.yml", "vrpsim_routers": ["PE1"],
                           "ansible_python_interpreter": sys.executable})],
        cwd=REPO, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode != 0, proc.stdout
    assert "containerized lab did not start" in proc.stdout and "container mode needs no-such-engine" in proc.stdout
    assert not (tmp_path / "state" / "lab.json").exists()
