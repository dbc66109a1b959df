"""module_utils/release.py: the version line of each release, the per-release form table, learning once."""
import pytest
from fake_transport import FakeTransport

from ansible_collections.netops.vrp.plugins.module_utils import bgp_hard_reset as hard
from ansible_collections.netops.vrp.plugins.module_utils import bgp_operations as ops
from ansible_collections.netops.vrp.plugins.module_utils import release as rel
from ansible_collections.netops.vrp.plugins.module_utils.cli import VrpCli

# [NE40E-CR displayVersion(SPMOM)]; [netdis] NE40E V800R022C00 capture; [CE-CR display_version_(All_views).md]
NE40E_R012 = ("Huawei Versatile Routing Platform Software\nVRP (R) software, Version 8.200 (NE40E V800R012C10)\n"
              "Copyright (C) 2012-2018 Huawei Technologies Co., Ltd.\nHUAWEI NE40E-X16 uptime is 1 day\n")
NE40E_R022 = ("2024-06-08 13:04:22.667 +03:00\nHuawei Versatile Routing Platform Software\n"
              "VRP (R) software, Version 8.220 (NE40E V800R022C00SPC500)\n")
CE_R023 = "Huawei YunShan OS\nYunShan OS, Version 1.23.0.X (CE6800 V300R023C00)\nCopyright (C) 2021-2023 Huawei\n"


@pytest.mark.parametrize("text,product,release,version", [
    (NE40E_R012, "NE40E", "V800R012C10", "8.200"),
    (NE40E_R022, "NE40E", "V800R022C00", "8.220"),
    (CE_R023, "CE6800", "V300R023C00", "1.23.0.X"),
])
def test_parse_release(text, product, release, version):
    assert rel.parse_release(text) == {"product": product, "release": release, "version": version}


def test_parse_release_unknown_text():
    assert rel.parse_release("Error: Unrecognized command found at '^' position.") == \
        {"product": None, "release": None, "version": None}


@pytest.mark.parametrize("text,af,slow,refused", [
    (NE40E_R012, "vpnv4", True, True),      # R8: no slow-peer reset on V800R012C10
    (NE40E_R012, "ipv4", True, True),
    (NE40E_R012, "vpnv4", False, False),
    (NE40E_R022, "vpnv4", True, False),     # seed 002
    (NE40E_R022, "ipv4", True, False),      # unknown on R022: not refused, the router answers
    (CE_R023, "ipv4", True, False),         # CE-CR reset_bgp.md
    (CE_R023, "vpn-instance", True, False),
    (CE_R023, "vpnv4", True, True),
    (CE_R023, "vpnv4", False, True),        # the CE-CR has no reset bgp vpnv4 <target>
    ("no version line", "vpnv4", True, False),   # unknown release: never a guessed refusal
])
def test_check_forms(text, af, slow, refused):
    release = rel.parse_release(text)
    form = rel.form_of("reset", af, slow)
    if refused:
        with pytest.raises(rel.ReleaseError) as exc:
            rel.check_forms(release, [form])
        assert rel.describe(release) in str(exc.value) and form in str(exc.value)
    else:
        rel.check_forms(release, [form])


def test_learn_release_asks_once_per_transport():
    transport = FakeTransport({"display version": CE_R023}, host="R1", strict=True)
    cli = VrpCli(transport)
    assert rel.learn_release(cli)["release"] == "V300R023C00"
    assert rel.learn_release(VrpCli(transport))["product"] == "CE6800"
    assert transport.sent == ["display version"]


def test_run_reset_refuses_a_form_the_release_lacks_before_sending():
    """R8: NE40E V800R012C10 has no `reset bgp vpnv4 [ip] slow-peer`: refused naming release and form,
    with nothing sent (the facts read included), in check mode too."""
    for check_mode in (False, True):
        transport = FakeTransport({}, host="R1", strict=True)
        cli = VrpCli(transport)
        with pytest.raises(ops.OperationFailed) as exc:
            hard.run_reset(cli, {"address_family": "vpnv4", "selector": "all", "slow_peer": True},
                          check_mode=check_mode, release=rel.parse_release(NE40E_R012))
        assert exc.value.step == "pre-check" and transport.sent == []
        assert "NE40E V800R012C10 has no 'reset bgp vpnv4 [<ip>] slow-peer'" in exc.value.message


def test_run_soft_reset_refuses_vpnv4_on_ce():
    transport = FakeTransport({}, host="R1", strict=True)
    with pytest.raises(ops.OperationFailed) as exc:
        ops.run_soft_reset(VrpCli(transport), {"address_family": "vpnv4", "selector": "all", "direction": "import"},
                           release=rel.parse_release(CE_R023))
    assert "CE6800 V300R023C00 has no 'refresh bgp vpnv4" in exc.value.message and transport.sent == []
