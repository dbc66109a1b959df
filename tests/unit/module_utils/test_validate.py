"""validate.py: every VRP value rule, and the shared bad-input table (tests/unit/fixtures/bad_inputs.py)."""
import importlib.util
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.netops.vrp.plugins.module_utils import validate as v
from ansible_collections.netops.vrp.plugins.module_utils.validate import ValidationError

_HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "netops_vrp_bad_inputs", os.path.join(_HERE, "..", "fixtures", "bad_inputs.py"))
bad_inputs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bad_inputs)


# --- the shared table ----------------------------------------------------------------------------
# rows only an action plugin catches (layer "action") run in tests/reliability/test_bad_input_campaign.py
VALIDATE_ROWS = [row for row in bad_inputs.BAD_INPUTS if row.layer == "validate"]


def test_table_is_large_and_unique():
    assert len(bad_inputs.BAD_INPUTS) >= 50
    ids = [row.id for row in bad_inputs.BAD_INPUTS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("row", VALIDATE_ROWS, ids=lambda row: row.id)
def test_bad_input_names_the_field(row):
    args = {k: val for k, val in row.args.items() if val is not None}
    with pytest.raises(ValidationError) as exc:
        v.validate_params(row.module, args)
    assert exc.value.field == row.field
    assert str(exc.value).startswith(row.field + ": ")
    # error text never echoes raw control characters back into logs
    assert "\n" not in str(exc.value) and "\r" not in str(exc.value) and "\x1b" not in str(exc.value)


@pytest.mark.parametrize("module,base", [
    ("bgp_soft_reset", bad_inputs.SOFT), ("bgp_reset", bad_inputs.RESET),
    ("bgp_route_refresh", bad_inputs.PEERCFG), ("bgp_keep_all_routes", bad_inputs.PEERCFG),
    ("vrp_config", bad_inputs.CONFIG), ("vrp_commit", bad_inputs.COMMIT), ("bgp_facts", bad_inputs.FACTS),
])
def test_table_bases_are_valid(module, base):
    v.validate_params(module, dict(base))


def test_bad_inputs_fail_through_argspec_then_validate():
    """The real pipeline: ansible-core's argspec validator first, then validate_params."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    from ansible_collections.netops.vrp.plugins.module_utils.argspec import ARGSPECS

    for row in VALIDATE_ROWS:
        args = {k: val for k, val in row.args.items() if val is not None}
        result = ArgumentSpecValidator(**ARGSPECS[row.module]).validate(args)
        if result.error_messages:
            assert any(row.field in msg for msg in result.error_messages), (row.id, result.error_messages)
            continue
        with pytest.raises(ValidationError) as exc:
            v.validate_params(row.module, result.validated_parameters)
        assert exc.value.field == row.field, row.id


# --- addresses ----------------------------------------------------------------------------------
@pytest.mark.parametrize("value,expected", [
    ("10.0.0.2", "10.0.0.2"),
    ("192.0.2.255", "192.0.2.255"),
    ("2001:DB8::2", "2001:db8::2"),
    ("2001:db8:0:0:0:0:0:2", "2001:db8::2"),
    ("fe80::1", "fe80::1"),
])
def test_peer_address_canonical(value, expected):
    assert v.validate_peer_address(value) == expected


@pytest.mark.parametrize("value", ["", "10.0.0", "10.0.0.2.3", "010.0.0.2", "10.0.0.2/32", "fe80::1%1",
                                   "::", "ff02::1", "10.0.0.2 ", "a.b.c.d", 10, None, "１０.0.0.2"])
def test_peer_address_rejects(value):
    with pytest.raises(ValidationError) as exc:
        v.validate_peer_address(value, "peers")
    assert exc.value.field == "peers"


def test_peer_address_version():
    assert v.validate_peer_address("10.0.0.1", version=4) == "10.0.0.1"
    with pytest.raises(ValidationError):
        v.validate_peer_address("2001:db8::1", version=4)
    with pytest.raises(ValidationError):
        v.validate_peer_address("10.0.0.1", version=6)


# --- AS numbers -----------------------------------------------------------------------------------
@pytest.mark.parametrize("value,expected", [
    (1, "1"), ("65000", "65000"), (4294967295, "4294967295"), ("65011.21531", "65011.21531"),
    ("0.1", "0.1"), ("65535.65535", "65535.65535"), ("1.0", "1.0"),
])
def test_as_number_ok(value, expected):
    assert v.validate_as_number(value) == expected


@pytest.mark.parametrize("value", [0, "0", 4294967296, "4294967296", "0.0", "65536.0", "1.65536", "1.2.3",
                                   "-5", "65000 ", "6500O", True, 1.5, None, "01", "1.01"])
def test_as_number_rejects(value):
    with pytest.raises(ValidationError) as exc:
        v.validate_as_number(value)
    assert exc.value.field == "as_number"


def test_as_number_to_int():
    assert v.as_number_to_int("65011.21531") == 65011 * 65536 + 21531
    assert v.as_number_to_int("65000") == 65000


# --- names ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind,limit", [("group", 47), ("vpn_instance", 31), ("route_policy", 200),
                                        ("ip_prefix", 169)])
def test_name_limits(kind, limit):
    assert v.validate_name("a" * limit, "f", kind) == "a" * limit
    with pytest.raises(ValidationError) as exc:
        v.validate_name("a" * (limit + 1), "f", kind)
    assert exc.value.field == "f"


@pytest.mark.parametrize("value", ["RR", "EBGP-UP", "grp_1", "a.b", "x:y", "P/1", "#1", "a@b"])
def test_group_names_ok(value):
    assert v.validate_group_name(value) == value


@pytest.mark.parametrize("value", ["", "a b", "a?", "a\"b", "a'b", "a\tb", "é", "10.0.0.1", "2001:db8::1"])
def test_group_names_rejected(value):
    with pytest.raises(ValidationError):
        v.validate_group_name(value)


def test_public_vpn_instance_reserved():
    with pytest.raises(ValidationError):
        v.validate_vpn_instance("_public_")
    assert v.validate_vpn_instance("_public") == "_public"


def test_peer_or_group():
    assert v.validate_peer_or_group("2001:DB8::1") == "2001:db8::1"
    assert v.validate_peer_or_group("RR") == "RR"
    with pytest.raises(ValidationError):
        v.validate_peer_or_group("10.0.0.300")


# --- free text / lines / numbers -------------------------------------------------------------------
def test_commit_label_and_description():
    assert v.validate_commit_label("rollout-2024_01") == "rollout-2024_01"
    assert v.validate_commit_description("policy rollout wave 1") == "policy rollout wave 1"
    for bad in ("has space", "-x", "9x", "x" * 257, "a\nb"):
        with pytest.raises(ValidationError):
            v.validate_commit_label(bad)


def test_config_line_indent():
    assert v.validate_config_line("  peer 10.0.0.2 enable", allow_indent=True) == "  peer 10.0.0.2 enable"
    with pytest.raises(ValidationError):
        v.validate_config_line("  peer 10.0.0.2 enable")
    with pytest.raises(ValidationError):
        v.validate_config_line("   ", allow_indent=True)


def test_config_text_skips_separators():
    text = "#\nbgp 65000\n peer 10.0.0.2 as-number 65000\n #\n ipv4-family unicast\n  peer 10.0.0.2 enable\n#\n"
    assert v.validate_config_text(text) == text
    with pytest.raises(ValidationError) as exc:
        v.validate_config_text("bgp 65000\n peer ?\n")
    assert exc.value.field == "src" and "line 2" in exc.value.message


@pytest.mark.parametrize("fn,ok,bad", [
    (v.validate_timeout, [1, 3600], [0, 3601, "5", True, 1.5]),
    (v.validate_batch_size, [1, 1000], [0, 1001, None]),
    (v.validate_commit_trial, [60, 65535], [59, 65536]),
])
def test_numbers(fn, ok, bad):
    for value in ok:
        assert fn(value) == value
    for value in bad:
        with pytest.raises(ValidationError):
            fn(value)


def test_commit_id():
    assert v.validate_commit_id(1000000114) == "1000000114"
    with pytest.raises(ValidationError):
        v.validate_commit_id("100")


# --- scope ------------------------------------------------------------------------------------------
def test_scope_normalises_and_dedupes():
    out = v.validate_scope({"address_family": "ipv6", "peers": ["2001:DB8::2", "2001:db8::2", "10.0.0.1"]})
    assert out == {"address_family": "ipv6", "vpn_instance": None, "peers": ["2001:db8::2", "10.0.0.1"],
                   "groups": None, "selector": None, "as_number": None}


def test_scope_defaults_to_ipv4():
    assert v.validate_scope({"selector": "all"})["address_family"] == "ipv4"


def test_scope_vpnv4_accepts_both_families():
    out = v.validate_scope({"address_family": "vpnv4", "peers": ["10.0.0.2", "2001:db8::2"]})
    assert out["peers"] == ["10.0.0.2", "2001:db8::2"]


def test_scope_reset_slow_peer():
    out = v.validate_scope({"address_family": "vpnv4", "peers": ["10.0.0.2"], "slow_peer": True}, "reset")
    assert out["slow_peer"] is True
    out = v.validate_scope({"address_family": "vpnv4", "selector": "all", "slow_peer": True}, "reset")
    assert out["selector"] == "all"
    out = v.validate_scope({"address_family": "vpn-instance", "vpn_instance": "vpna", "as_number": 65020}, "reset")
    assert out["as_number"] == "65020" and out["slow_peer"] is False


def test_scope_unknown_operation():
    with pytest.raises(ValueError):
        v.validate_scope({"selector": "all"}, "frobnicate")


# --- property: no string with a control character ever validates --------------------------------
@settings(max_examples=200, deadline=None, database=None)  # no .hypothesis dir in the repo
@given(st.text(min_size=1, max_size=40).filter(lambda s: any(ord(c) < 32 or ord(c) == 127 for c in s)))
def test_control_characters_never_pass(text):
    for check in (v.validate_group_name, v.validate_vpn_instance, v.validate_peer_address,
                  v.validate_as_number, v.validate_commit_label, v.validate_commit_description,
                  v.validate_config_line):
        with pytest.raises(ValidationError):
            check(text)


@pytest.mark.parametrize("text, expected", [
    ("plain text, ünïcode and 'quotes'", "plain text, ünïcode and 'quotes'"),
    ("imp\nort", "imp\\nort"),
    ("\x1b[2J\r\t\x00\x7f\x9b", "\\x1b[2J\\r\\t\\x00\\x7f\\x9b"),
])
def test_escape_control_writes_control_characters_as_escapes(text, expected):
    assert v.escape_control(text) == expected
