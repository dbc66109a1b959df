"""Per-release `reset bgp` / `refresh bgp` forms over real SSH (vrpsim/platform.py profiles).

Sources: [NE40E-CR reset(BGPOM)] lists `reset bgp { <as> | <ipv4> | external | internal | group G }`,
`reset bgp all`, `reset bgp { ipv4 | vpnv4 } all`, `reset bgp vpnv4 {...}`, `reset bgp vpn-instance X
ipv4-family {...}` and no `slow-peer` form among its 27,538 CLI forms; seed 002 documents
`reset bgp vpnv4 [ip] slow-peer` (NE40E V800R022C00); [CE-CR IP_Routing/BGP_Configuration_Commands/
reset_bgp.md] has `reset bgp ipv4 [ <ipv4> | <ipv6> ] slow-peer` and `reset bgp vpn-instance X ipv4-family
[ <ipv4> ] slow-peer`, and the CE-CR has no `reset bgp vpnv4 <target>` / `refresh bgp vpnv4` form.
"""
import re

import pytest

from vrpsim.testing import running_lab

CONFIG = """\
sysname R1
ip vpn-instance vpna
 ipv4-family
  route-distinguisher 65000:1
bgp 65000
 peer 10.0.0.2 as-number 65000
 ipv4-family vpnv4
  peer 10.0.0.2 enable
 ipv4-family vpn-instance vpna
  peer 172.16.1.2 as-number 65100
"""

UNRECOGNIZED = "Error: Unrecognized command found at '^' position."
# V800R022 numbers its syntax errors: Error[1]: unrecognized, Error[2]: incomplete [gnetcli huawei_test.go]
UNRECOGNIZED_BY_PLATFORM = {"ne40e-v800r022c00": "Error[1]: Unrecognized command found at '^' position."}
PLATFORMS = ("ne40e-v800r012c10", "ne40e-v800r022c00", "ce-v300r023c00")


def topology(platform):
    return {"name": "rel", "timing": {"establish_delay": 0.1},
            "routers": [{"name": "R1", "platform": platform, "addresses": ["10.0.0.1"],
                         "vpn_addresses": {"vpna": ["172.16.1.1"]}, "config": CONFIG}]}


@pytest.fixture(params=PLATFORMS)
def shell(request, tmp_path):
    with running_lab(topology(request.param), tmp_path) as lab:
        with lab.shell("R1") as sh:
            yield request.param, sh


SLOW_PEER = {
    "reset bgp vpnv4 slow-peer": {"ne40e-v800r022c00"},
    "reset bgp vpnv4 10.0.0.2 slow-peer": {"ne40e-v800r022c00"},
    "reset bgp ipv4 slow-peer": {"ce-v300r023c00"},
    "reset bgp ipv4 10.0.0.2 slow-peer": {"ce-v300r023c00"},
    "reset bgp vpn-instance vpna ipv4-family slow-peer": {"ce-v300r023c00"},
    "reset bgp vpn-instance vpna ipv4-family 172.16.1.2 slow-peer": {"ce-v300r023c00"},
}


def test_slow_peer_reset_forms_exist_per_release(shell):
    """R8: the slow-peer forms each release has (module docstring sources); the others are unknown
    commands to that release's parser (caret under `slow-peer`)."""
    platform, sh = shell
    for command, releases in SLOW_PEER.items():
        output, prompt = sh.run(command)
        if platform in releases:
            assert output == "", command
        else:
            assert output.splitlines()[-1] == UNRECOGNIZED_BY_PLATFORM.get(platform, UNRECOGNIZED), command
            caret = output.splitlines()[0]
            assert caret.index("^") == len("<R1>") + command.index("slow-peer"), command
        assert prompt == "<R1>"


def test_reset_ipv4_takes_only_all(shell):
    """[NE40E-CR reset(BGPOM)] / [CE-CR reset_bgp.md]: `reset bgp ipv4 all` is the only session form with
    the ipv4 keyword; `reset bgp ipv4 <ip>|<as>|group G` does not exist (vrpsim accepted it before)."""
    _platform, sh = shell
    assert sh.run("reset bgp ipv4 all")[0] == ""
    for command in ("reset bgp ipv4 10.0.0.2", "reset bgp ipv4 65000", "reset bgp ipv4 external"):
        output, _ = sh.run(command)
        assert re.match(r"Error(\[\d+\])?:", output.splitlines()[-1]), command


def test_vpnv4_refresh_and_reset_exist_on_ne40e_only(shell):
    """[NE40E-CR refresh(BGPOM), reset(BGPOM)] have `refresh|reset bgp vpnv4 ...`; the CE V300R023 CR
    lists none (only vpnv4 dampening / flap-info / multicast resets)."""
    platform, sh = shell
    for command in ("refresh bgp vpnv4 all import", "reset bgp vpnv4 all", "reset bgp vpnv4 10.0.0.2"):
        output, _ = sh.run(command)
        if platform.startswith("ce-"):
            assert output.splitlines()[-1] == UNRECOGNIZED_BY_PLATFORM.get(platform, UNRECOGNIZED), command
            assert output.splitlines()[0].index("^") == len("<R1>") + command.index("vpnv4"), command
        else:
            assert output == "", command
