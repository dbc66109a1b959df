"""The BGP model behind the real CLI engine: the demo lab over SSH (one lab for the whole module)."""
import re
import time
from pathlib import Path

import pytest
import yaml

from vrpsim.testing import running_lab

DEMO = Path(__file__).resolve().parents[2] / "vrpsim" / "topologies" / "demo.yml"
ROW = re.compile(r"^  (\S+)\s+4\s+(\S+)\s+\d+\s+\d+\s+\d+\s+\S+\s+(\S+)\s+(\d+)$", re.M)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    topo = yaml.safe_load(DEMO.read_text())
    topo["timing"]["establish_delay"] = 0.3
    with running_lab(topo, tmp_path_factory.mktemp("bgp-e2e")) as handle:
        time.sleep(0.5)
        yield handle


def states(shell, command):
    out, _ = shell.run(command)
    return {m.group(1): (m.group(3), int(m.group(4))) for m in ROW.finditer(out)}


def test_sessions_establish_and_display_over_ssh(lab):
    with lab.shell("PE1") as sh:
        peers = states(sh, "display bgp peer")
        assert peers and all(st == "Established" for st, _ in peers.values()), peers
        assert states(sh, "display bgp ipv6 peer")
        out, _ = sh.run("display bgp vpnv4 all peer")
        assert "VPN-Instance vpna, Router ID" in out
        out, prompt = sh.run("display bgp peer 10.0.0.3 verbose")
        assert "BGP current state: Established" in out and prompt == "<PE1>"


def test_policy_change_commit_and_soft_reset_over_ssh(lab):
    with lab.shell("PE1") as sh:
        before = lab.bgp("PE1")
        upstream = next(s for s in before["sessions"] if s["address"] == "192.0.2.1")
        sh.run("system-view")
        sh.run("ip ip-prefix PL-UPSTREAM-IN index 10 deny 203.0.113.0 24 less-equal 28")
        out, prompt = sh.run("commit")
        assert prompt.startswith("[~PE1")
        sh.run("return")
        mid = next(s for s in lab.bgp("PE1")["sessions"] if s["address"] == "192.0.2.1")
        assert mid["ribs"] == upstream["ribs"]                 # stale until the soft reset
        out, prompt = sh.run("refresh bgp 192.0.2.1 import")
        assert out == "" and prompt == "<PE1>"
        after = next(s for s in lab.bgp("PE1")["sessions"] if s["address"] == "192.0.2.1")
        assert after["up_count"] == upstream["up_count"]
        assert after["messages"]["sent"]["refresh"] == upstream["messages"]["sent"]["refresh"] + 1


def test_reset_and_errors_over_ssh(lab):
    with lab.shell("PE1") as sh:
        out, prompt = sh.run("reset bgp group NOPE")
        assert out.splitlines()[-1] == "Error: Wrong parameter found at '^' position."
        caret = out.splitlines()[0]
        assert caret.index("^") == len("<PE1>reset bgp group ")
        out, _ = sh.run("refresh bgp 10.99.99.99 import")
        assert out.startswith("Error:")
        up = lab.bgp("PE1")["sessions"]
        count = {s["address"]: s["up_count"] for s in up}
        out, _ = sh.run("reset bgp 10.0.0.3")
        assert out == ""
        time.sleep(0.6)
        peers = states(sh, "display bgp peer")
        assert peers["10.0.0.3"][0] == "Established"
        after = {s["address"]: s["up_count"] for s in lab.bgp("PE1")["sessions"]}
        assert after["10.0.0.3"] == count["10.0.0.3"] + 1
        rr = {s["address"]: s["up_count"] for s in lab.bgp("RR1")["sessions"]} if "RR1" in lab.routers else {}
        if rr:
            assert rr["10.0.0.1"] >= 2
