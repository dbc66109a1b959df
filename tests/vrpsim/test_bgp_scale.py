"""The BGP world scales with a router's neighbours, not with the size of the lab (issue: 1,000 routers).

Guards the indexes of vrpsim/bgp.py with the world's operation counters (``world.work``), never with wall
time: ``session_syncs`` = session specs re-derived by ``apply_config``, ``establish_pops`` = entries
``_advance`` took off its establishment queue.
"""
import pytest

from vrpsim.bgp import BgpWorld

DELAY = 1.0
SIZE = 300
NEIGHBOURS = 2          # ring: each router peers with the one before and the one after it
OWN_PEERS = NEIGHBOURS + 1   # + one external upstream


class FakeClock:
    def __init__(self, t=1000.0):
        self.t = t

    def __call__(self):
        return self.t

    def advance(self, seconds):
        self.t += seconds


def address(i):
    return "10.%d.%d.1" % (i // 250, i % 250)


def ring_config(i, size=SIZE, upstream_as=64500, route_refresh=True):
    lines = ["#", "sysname R%d" % i, "#", "bgp 65000", " router-id " + address(i)]
    for n in sorted({address((i + 1) % size), address((i - 1) % size)}):
        lines.append(" peer %s as-number 65000" % n)
        if not route_refresh:
            lines.append(" undo peer %s capability-advertise route-refresh" % n)
    lines += [" peer 192.0.2.%d as-number %d" % (i % 250 + 1, upstream_as), "#", "return"]
    return "\n".join(lines) + "\n"


def ring_topology(size=SIZE):
    routers = [{"name": "R%d" % i, "addresses": [address(i)]} for i in range(size)]
    externals = [{"name": "X%d" % i, "router": "R%d" % i, "address": "192.0.2.%d" % (i % 250 + 1), "as": 64500,
                  "routes": [{"prefix": "203.0.%d.0/24" % (i % 250), "as_path": [64500]}]} for i in range(size)]
    return {"name": "ring", "timing": {"establish_delay": DELAY}, "routers": routers, "external_peers": externals}


def state(world, router, address_):
    return next(s["state"] for s in world.dump(router)["sessions"] if s["address"] == address_)


@pytest.fixture(scope="module")
def ring():
    clock = FakeClock()
    world = BgpWorld(ring_topology(), clock=clock)
    for i in range(SIZE):
        world.apply_config("R%d" % i, ring_config(i))
    startup = dict(world.work)
    clock.advance(DELAY + 0.1)
    world.display("R0", ["peer"])           # replays every establishment
    return world, clock, startup


def test_startup_is_linear_in_the_number_of_routers(ring):
    _, _, startup = ring
    # each router's own sessions, plus each neighbour's session back to it re-derived once
    assert startup["session_syncs"] <= SIZE * (OWN_PEERS + NEIGHBOURS)


def test_apply_config_touches_only_the_router_and_its_configuring_neighbours(ring):
    world, clock, _ = ring
    before = world.work["session_syncs"]
    # a capability change resets R150's sessions to R149 / R151 on both ends (reference §6)
    world.apply_config("R150", ring_config(150, route_refresh=False))
    assert world.work["session_syncs"] - before == OWN_PEERS + NEIGHBOURS
    assert state(world, "R149", address(150)) != "Established"
    assert state(world, "R151", address(150)) != "Established"
    assert state(world, "R148", address(149)) == "Established"      # the rest of the ring is untouched
    clock.advance(DELAY + 0.1)
    assert state(world, "R149", address(150)) == "Established"
    world.apply_config("R150", ring_config(150))
    clock.advance(DELAY + 0.1)


def test_display_does_not_scan_sessions_and_advance_pops_only_what_is_due(ring):
    world, clock, _ = ring
    world.display("R0", ["peer"])
    pops = world.work["establish_pops"]
    for i in range(0, SIZE, 3):
        world.display("R%d" % i, ["peer"])
    assert world.work["establish_pops"] == pops                       # nothing due, nothing looked at
    world.reset("R10", ["all"])                                       # 2 lab pairs + 1 external session
    clock.advance(DELAY + 0.1)
    world.display("R10", ["peer"])
    # at most one queue entry per session end that was scheduled (the counterpart's entry is then stale)
    assert world.work["establish_pops"] - pops <= 2 * NEIGHBOURS + 1
    assert state(world, "R11", address(10)) == "Established"
    assert state(world, "R10", "192.0.2.11") == "Established"


def test_equal_due_times_are_replayed_in_topology_order():
    """Ties are replayed as a full scan would (topology order, then session creation order)."""
    clock = FakeClock()
    world = BgpWorld(ring_topology(4), clock=clock)
    order = []
    establish = world._establish

    def record(session):
        order.append((session.router, session.address))
        establish(session)
    world._establish = record
    for i in (3, 1, 0, 2):                    # configured out of topology order, all at the same moment
        world.apply_config("R%d" % i, ring_config(i, size=4))
    clock.advance(DELAY)
    world.display("R0", ["peer"])
    routers = [router for router, _ in order]
    assert routers == sorted(routers, key=lambda r: int(r[1:]))
