"""scope.py: exact command strings for every scope / selector / direction of the seeds' grammar."""
import pytest

from ansible_collections.netops.vrp.plugins.module_utils import scope as s
from ansible_collections.netops.vrp.plugins.module_utils.scope import Scope
from ansible_collections.netops.vrp.plugins.module_utils.validate import ValidationError

# (address_family, vpn_instance, the family words the seeds put after "refresh bgp"/"reset bgp")
FAMILIES = [
    ("ipv4", None, ""),
    ("vpn-instance", "vpna", "vpn-instance vpna ipv4-family "),
    ("vpnv4", None, "vpnv4 "),
    ("ipv6", None, "ipv6 "),
]
# selectors valid in every family, with the target words
COMMON_SELECTORS = [
    ("all", None, "all"),
    ("group", "RR", "group RR"),
    ("external", None, "external"),
    ("internal", None, "internal"),
]
# a peer address per family (IPv6 where the family takes it)
PEER_BY_FAMILY = {
    "ipv4": [("10.0.0.2", "10.0.0.2")],
    "vpn-instance": [("172.16.1.2", "172.16.1.2")],
    "vpnv4": [("10.0.0.2", "10.0.0.2"), ("2001:DB8::2", "2001:db8::2")],
    "ipv6": [("2001:DB8::2", "2001:db8::2"), ("10.0.0.9", "10.0.0.9")],
}


def _refresh_cases():
    for af, vrf, words in FAMILIES:
        targets = [(sel, val, text) for sel, val, text in COMMON_SELECTORS]
        targets += [("peer", addr, shown) for addr, shown in PEER_BY_FAMILY[af]]
        for sel, val, text in targets:
            for direction in ("import", "export"):
                yield af, vrf, sel, val, direction, "refresh bgp %s%s %s" % (words, text, direction)


REFRESH_CASES = list(_refresh_cases())


@pytest.mark.parametrize("af,vrf,selector,value,direction,expected", REFRESH_CASES,
                         ids=[c[-1] for c in REFRESH_CASES])
def test_render_refresh(af, vrf, selector, value, direction, expected):
    assert s.render_refresh(Scope(af, vrf, selector, value), direction) == expected


def test_refresh_case_count():
    # 4 families x (4 common selectors + peers) x 2 directions
    assert len(REFRESH_CASES) == 2 * (4 * 4 + 1 + 1 + 2 + 2)


@pytest.mark.parametrize("expected,scope,direction", [
    ("refresh bgp all import", Scope("ipv4", None, "all"), "import"),
    ("refresh bgp 192.0.2.1 import", Scope("ipv4", None, "peer", "192.0.2.1"), "import"),
    ("refresh bgp vpn-instance vpna ipv4-family group CE export", Scope("vpn-instance", "vpna", "group", "CE"), "export"),
    ("refresh bgp vpnv4 internal import", Scope("vpnv4", None, "internal"), "import"),
    ("refresh bgp ipv6 2001:db8::2 export", Scope("ipv6", None, "peer", "2001:DB8::2"), "export"),
])
def test_render_refresh_literal(expected, scope, direction):
    assert s.render_refresh(scope, direction) == expected


def _reset_cases():
    for af, vrf, words in FAMILIES:
        targets = [("as", "65010", "65010"), ("as", "65011.21531", "65011.21531")]
        targets += [(sel, val, text) for sel, val, text in COMMON_SELECTORS]
        targets += [("peer", addr, shown) for addr, shown in PEER_BY_FAMILY[af]]
        for sel, val, text in targets:
            expected = "reset bgp %s%s" % (words, text)
            if af == "ipv4" and sel == "all":
                expected = "reset bgp ipv4 all"  # plain "reset bgp all" would reset every family
            yield af, vrf, sel, val, expected


RESET_CASES = list(_reset_cases())


@pytest.mark.parametrize("af,vrf,selector,value,expected", RESET_CASES, ids=[c[-1] for c in RESET_CASES])
def test_render_reset(af, vrf, selector, value, expected):
    assert s.render_reset(Scope(af, vrf, selector, value)) == expected


@pytest.mark.parametrize("scope,expected", [
    (Scope("vpnv4", None, "peer", "10.0.0.2"), "reset bgp vpnv4 10.0.0.2 slow-peer"),
    (Scope("vpnv4", None, "peer", "2001:DB8::2"), "reset bgp vpnv4 2001:db8::2 slow-peer"),
    (Scope("vpnv4", None, "all"), "reset bgp vpnv4 slow-peer"),
    # [CE-CR reset_bgp.md]: reset bgp ipv4 [ip] slow-peer, reset bgp vpn-instance X ipv4-family [ip] slow-peer
    (Scope("ipv4", None, "peer", "10.0.0.2"), "reset bgp ipv4 10.0.0.2 slow-peer"),
    (Scope("ipv4", None, "all"), "reset bgp ipv4 slow-peer"),
    (Scope("vpn-instance", "vpna", "peer", "172.16.1.2"), "reset bgp vpn-instance vpna ipv4-family 172.16.1.2 slow-peer"),
    (Scope("vpn-instance", "vpna", "all"), "reset bgp vpn-instance vpna ipv4-family slow-peer"),
])
def test_render_reset_slow_peer(scope, expected):
    assert s.render_reset(scope, slow_peer=True) == expected


@pytest.mark.parametrize("scope", [
    Scope("ipv6", None, "peer", "2001:db8::2"),
    Scope("vpnv4", None, "group", "RR"),
    Scope("vpnv4", None, "external"),
    Scope("ipv4", None, "as", "65000"),
])
def test_render_reset_slow_peer_refused(scope):
    with pytest.raises(ValidationError) as exc:
        s.render_reset(scope, slow_peer=True)
    assert exc.value.field == "slow_peer"


# --- renderers re-validate hand-built scopes ----------------------------------------------------------
@pytest.mark.parametrize("scope,direction,field", [
    (Scope("ipv4", None, "peer", "10.0.0.2\nreset bgp all"), "import", "peers"),
    (Scope("ipv4", None, "group", "RR import\nreset"), "import", "groups"),
    (Scope("vpn-instance", "vpna ipv4-family", "all"), "import", "vpn_instance"),
    (Scope("vpn-instance", None, "all"), "import", "vpn_instance"),
    (Scope("ipv4", "vpna", "all"), "import", "vpn_instance"),
    (Scope("ipv4", None, "all"), "import;", "direction"),
    (Scope("ipv4", None, "as", "65010"), "import", "as_number"),
    (Scope("ipv4", None, "everything"), "import", "selector"),
    (Scope("ipv4", None, "all", "x"), "import", "selector"),
    (Scope("ipv4", None, "peer", "2001:db8::1"), "import", "peers"),
    (Scope("vpn-instance", "vpna", "peer", "2001:db8::1"), "export", "peers"),
    (Scope("ipv5", None, "all"), "import", "address_family"),
])
def test_refresh_refuses_bad_scope(scope, direction, field):
    with pytest.raises(ValidationError) as exc:
        s.render_refresh(scope, direction)
    assert exc.value.field == field


def test_reset_refuses_bad_as():
    with pytest.raises(ValidationError) as exc:
        s.render_reset(Scope("vpnv4", None, "as", "65010 all"))
    assert exc.value.field == "as_number"


# --- scopes_from_params ------------------------------------------------------------------------------
def test_scopes_from_params_one_per_peer():
    assert s.scopes_from_params({"address_family": "vpnv4", "peers": ["10.0.0.2", "2001:DB8::2"]}) == [
        Scope("vpnv4", None, "peer", "10.0.0.2"), Scope("vpnv4", None, "peer", "2001:db8::2")]


def test_scopes_from_params_groups_selector_as():
    assert s.scopes_from_params({"address_family": "vpn-instance", "vpn_instance": "vpna",
                                 "groups": ["CE", "CE2"]}) == [
        Scope("vpn-instance", "vpna", "group", "CE"), Scope("vpn-instance", "vpna", "group", "CE2")]
    assert s.scopes_from_params({"selector": "external"}) == [Scope("ipv4", None, "external", None)]
    assert s.scopes_from_params({"address_family": "vpnv4", "as_number": 65010}, "reset") == [
        Scope("vpnv4", None, "as", "65010")]


def test_scopes_from_params_validates():
    with pytest.raises(ValidationError) as exc:
        s.scopes_from_params({"peers": ["10.0.0.2"], "selector": "all"})
    assert exc.value.field == "selector"


def test_rendered_commands_from_params():
    scopes = s.scopes_from_params({"address_family": "vpnv4", "groups": ["RR"]})
    assert [s.render_refresh(x, "import") for x in scopes] == ["refresh bgp vpnv4 group RR import"]


# --- configuration views and lines -----------------------------------------------------------------
@pytest.mark.parametrize("af,vrf,expected", [
    ("ipv4", None, ["bgp 65000", "ipv4-family unicast"]),
    ("ipv6", None, ["bgp 65000", "ipv6-family unicast"]),
    ("vpnv4", None, ["bgp 65000", "ipv4-family vpnv4"]),
    ("vpn-instance", "vpna", ["bgp 65000", "ipv4-family vpn-instance vpna"]),
])
def test_bgp_view_path(af, vrf, expected):
    assert s.bgp_view_path("65000", af, vrf) == expected
    assert s.keep_all_routes_view_path(65000, af, vrf) == expected


@pytest.mark.parametrize("af,vrf,expected", [
    ("ipv4", None, ["bgp 65000"]),
    ("ipv6", None, ["bgp 65000"]),
    ("vpnv4", None, ["bgp 65000"]),
    ("vpn-instance", "vpna", ["bgp 65000", "ipv4-family vpn-instance vpna"]),
])
def test_route_refresh_view_path(af, vrf, expected):
    assert s.route_refresh_view_path("65000", af, vrf) == expected


def test_view_path_refuses_bad_values():
    with pytest.raises(ValidationError) as exc:
        s.bgp_view_path("65000\nundo bgp", "ipv4")
    assert exc.value.field == "local_as"
    with pytest.raises(ValidationError) as exc:
        s.bgp_view_path("65000", "vpn-instance")
    assert exc.value.field == "vpn_instance"


@pytest.mark.parametrize("target,present,expected", [
    ("10.0.0.2", True, "peer 10.0.0.2 capability-advertise route-refresh"),
    ("10.0.0.2", False, "undo peer 10.0.0.2 capability-advertise route-refresh"),
    ("2001:DB8::2", True, "peer 2001:db8::2 capability-advertise route-refresh"),
    ("RR", False, "undo peer RR capability-advertise route-refresh"),
])
def test_render_route_refresh(target, present, expected):
    assert s.render_route_refresh(target, present) == expected


@pytest.mark.parametrize("target,present,expected", [
    ("192.0.2.1", True, "peer 192.0.2.1 keep-all-routes"),
    ("192.0.2.1", False, "undo peer 192.0.2.1 keep-all-routes"),
    ("EBGP-UP", True, "peer EBGP-UP keep-all-routes"),
])
def test_render_keep_all_routes(target, present, expected):
    assert s.render_keep_all_routes(target, present) == expected


@pytest.mark.parametrize("bad", ["10.0.0.2 keep-all-routes\nreturn", "R R", "10.0.0.256", ""])
def test_peer_lines_refuse_bad_targets(bad):
    with pytest.raises(ValidationError):
        s.render_keep_all_routes(bad, True)
    with pytest.raises(ValidationError):
        s.render_route_refresh(bad, False)


# --- display commands ----------------------------------------------------------------------------------
@pytest.mark.parametrize("af,vrf,brief,verbose_all,verbose_one", [
    ("ipv4", None, "display bgp peer", "display bgp peer verbose", "display bgp peer 10.0.0.2 verbose"),
    ("ipv6", None, "display bgp ipv6 peer", "display bgp ipv6 peer verbose",
     "display bgp ipv6 peer 10.0.0.2 verbose"),
    ("vpnv4", None, "display bgp vpnv4 all peer", "display bgp vpnv4 all peer verbose",
     "display bgp vpnv4 all peer 10.0.0.2 verbose"),
    ("vpn-instance", "vpna", "display bgp vpnv4 vpn-instance vpna peer",
     "display bgp vpnv4 vpn-instance vpna peer verbose",
     "display bgp vpnv4 vpn-instance vpna peer 10.0.0.2 verbose"),
])
def test_display_peer_commands(af, vrf, brief, verbose_all, verbose_one):
    assert s.display_peer_brief(af, vrf) == brief
    assert s.display_peer_verbose(af, vrf) == verbose_all
    assert s.display_peer_verbose(af, vrf, "10.0.0.2") == verbose_one


def test_display_other_commands():
    assert s.DISPLAY_BGP_CONFIG == "display current-configuration configuration bgp"
    assert s.display_routing_table_peer("ipv4", None, "192.0.2.1", "received-routes") == \
        "display bgp routing-table peer 192.0.2.1 received-routes"
    assert s.display_routing_table_peer("vpn-instance", "vpna", "172.16.1.2", "advertised-routes", True) == \
        "display bgp vpnv4 vpn-instance vpna routing-table peer 172.16.1.2 advertised-routes statistics"
    assert s.display_routing_table_peer("ipv6", None, "2001:DB8::2", "received-routes") == \
        "display bgp ipv6 routing-table peer 2001:db8::2 received-routes"
    with pytest.raises(ValidationError):
        s.display_peer_verbose("ipv4", None, "10.0.0.2 | include x")
