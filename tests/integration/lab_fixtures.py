"""Lab fixtures for every test directory (registered by the root conftest.py as a pytest plugin):
a vrpsim lab in-process, and ansible-playbook runs against it.

- ``lab``: a two-router lab (PE1, PE2; see ``DEFAULT_TOPOLOGY``), fresh per test.
- ``make_lab(topology)``: start any topology (dict or path) for this test; stopped at teardown.
- ``run_tasks(tasks_yaml, lab=None, check=False, diff=False, extra_vars=None, ...)``: run the tasks
  as one play on group ``vrp`` of the lab's inventory (default: the ``lab`` fixture's).
- ``run_playbook(playbook_yaml, lab=None, ...)``: same for a whole playbook.
Both return ``harness.PlaybookResult``; see harness.py for ``commands_sent`` / ``assert_only_displays``.
"""
import copy

import harness
import pytest

# vrpsim ships in this repository: a broken import must fail every lab test, never skip it.
from vrpsim.testing import running_lab

DEFAULT_TOPOLOGY = {
    "name": "itest",
    "defaults": {"username": "admin", "password": "Admin@123", "host": "127.0.0.1"},
    "base_port": 0,
    "timing": {"establish_delay": 0.2},
    "routers": [
        {"name": "PE1", "addresses": ["10.0.0.1"], "config": (
            "sysname PE1\n"
            "bgp 65000\n"
            " router-id 10.0.0.1\n"
            " peer 10.0.0.2 as-number 65000\n")},
        {"name": "PE2", "addresses": ["10.0.0.2"], "config": (
            "sysname PE2\n"
            "bgp 65000\n"
            " router-id 10.0.0.2\n"
            " peer 10.0.0.1 as-number 65000\n")},
    ],
}


# The release profiles of vrpsim/platform.py: modules whose behaviour differs per release run against each.
PLATFORMS = ("ne40e-v800r012c10", "ne40e-v800r022c00", "ce-v300r023c00")


def on_platform(topology, platform, **readings):
    """A copy of ``topology`` whose routers all run ``platform`` with these open-question ``readings``."""
    topo = copy.deepcopy(topology)
    topo["defaults"] = dict(topo.get("defaults") or {}, platform=platform)
    if readings:
        topo["defaults"]["readings"] = readings
    return topo


def topology_with_routers(count, name="scale", prefix="R"):
    """A topology of ``count`` small routers R1..Rn (no BGP sessions between them)."""
    topo = copy.deepcopy(DEFAULT_TOPOLOGY)
    topo["name"] = name
    topo["routers"] = [{"name": "%s%d" % (prefix, i), "addresses": ["10.1.%d.%d" % (i // 250, i % 250 + 1)],
                        "config": "sysname %s%d\nbgp 65000\n router-id 10.1.%d.%d\n"
                                  % (prefix, i, i // 250, i % 250 + 1, )} for i in range(1, count + 1)]
    return topo


@pytest.fixture
def make_lab(tmp_path):
    stack = []

    def start(topology=None):
        topology = copy.deepcopy(topology if topology is not None else DEFAULT_TOPOLOGY)
        ctx = running_lab(topology, tmp_path / ("lab%d" % len(stack)))
        handle = ctx.__enter__()
        stack.append(ctx)
        return handle

    yield start
    while stack:
        stack.pop().__exit__(None, None, None)


@pytest.fixture
def lab(make_lab):
    return make_lab()


@pytest.fixture
def run_playbook(request, tmp_path):
    def run(playbook, lab=None, **kwargs):
        lab = lab or request.getfixturevalue("lab")
        kwargs.setdefault("workdir", str(tmp_path / "play"))
        return harness.run_playbook(playbook, lab.inventory_path, **kwargs)
    return run


@pytest.fixture
def run_tasks(request, tmp_path):
    def run(tasks, lab=None, hosts="vrp", **kwargs):
        lab = lab or request.getfixturevalue("lab")
        kwargs.setdefault("workdir", str(tmp_path / "play"))
        return harness.run_tasks(tasks, lab.inventory_path, hosts=hosts, **kwargs)
    return run
