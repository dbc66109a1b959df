# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scope model and every VRP command line the collection renders (one function per family).

The seeds' grammar is the spec:
  refresh bgp [vpn-instance X ipv4-family | vpnv4 | ipv6] {all|ADDR|group G|external|internal} {import|export}
  reset bgp [vpn-instance X ipv4-family | vpnv4 | ipv6] {AS|ADDR|group G|all|internal|external}
  reset bgp {vpnv4 | ipv4 | vpn-instance X ipv4-family} [ADDR] slow-peer   (per release: release.py)
  peer {ADDR|G} capability-advertise route-refresh      (bgp view; vpn-instance view for VRF peers)
  peer {ADDR|G} keep-all-routes                          (address-family view)

Every renderer re-validates what it interpolates with the validators of ``validate.py`` (the same
functions the module arguments went through, never a copy of their rules), so a Scope built by hand
cannot smuggle text into a command line.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from dataclasses import dataclass
from typing import List, Optional

from ansible_collections.netops.vrp.plugins.module_utils.argspec import DIRECTIONS
from ansible_collections.netops.vrp.plugins.module_utils.validate import (
    ValidationError,
    check_slow_peer,
    validate_as_number,
    validate_choice,
    validate_family,
    validate_group_name,
    validate_peer_address,
    validate_peer_or_group,
    validate_scope,
    validate_scope_peer,
)

# Scope.selector values: one peer, one group, a class of peers, or (reset only) a remote AS
SELECTOR_KINDS = ("peer", "group", "all", "external", "internal", "as")


@dataclass(frozen=True)
class Scope:
    """One target of a BGP operation.

    address_family: ipv4 | ipv6 | vpnv4 | vpn-instance (the IPv4 family of ``vpn_instance``)
    vpn_instance:   VPN instance name with ``vpn-instance``, else None
    selector:       peer | group | all | external | internal | as
    value:          the address (peer), group name (group), AS number (as), else None
    """

    address_family: str
    vpn_instance: Optional[str]
    selector: str
    value: Optional[str] = None


def scopes_from_params(params: dict, operation: str = "refresh") -> List[Scope]:
    """Module arguments -> list of Scope: one per peer or group, else one for all/external/internal/AS.

    Validates first (``validate_scope``); raises ValidationError naming the field.
    """
    norm = validate_scope(params, operation)
    af, vrf = norm["address_family"], norm["vpn_instance"]
    if norm["peers"]:
        return [Scope(af, vrf, "peer", address) for address in norm["peers"]]
    if norm["groups"]:
        return [Scope(af, vrf, "group", name) for name in norm["groups"]]
    if norm["as_number"] is not None:
        return [Scope(af, vrf, "as", norm["as_number"])]
    return [Scope(af, vrf, norm["selector"], None)]


def _check_scope(scope):
    """Re-validate a Scope (it may have been built by hand); returns (af, vrf)."""
    validate_choice(scope.selector, "selector", SELECTOR_KINDS)
    return validate_family(scope.address_family, scope.vpn_instance)


def _target(scope, allow_as):
    """The ``{all|ADDR|group G|external|internal|AS}`` part of refresh/reset."""
    kind = scope.selector
    if kind == "peer":
        return validate_scope_peer(scope.value, scope.address_family)
    if kind == "group":
        return "group " + validate_group_name(scope.value, "groups")
    if kind == "as":
        if not allow_as:
            raise ValidationError("as_number", "an AS number selects peers only for reset bgp")
        return validate_as_number(scope.value, "as_number")
    if scope.value is not None:
        raise ValidationError("selector", "selector %s takes no value" % kind)
    return kind


def _family_words(af, vrf):
    """Address-family words between ``refresh bgp``/``reset bgp`` and the target."""
    if af == "vpn-instance":
        return ["vpn-instance", vrf, "ipv4-family"]
    if af in ("vpnv4", "ipv6"):
        return [af]
    return []


def render_refresh(scope: Scope, direction: str) -> str:
    """``refresh bgp [vpn-instance X ipv4-family | vpnv4 | ipv6] TARGET {import|export}`` (user view)."""
    af, vrf = _check_scope(scope)
    direction = validate_choice(direction, "direction", DIRECTIONS)
    words = ["refresh", "bgp"] + _family_words(af, vrf) + [_target(scope, allow_as=False), direction]
    return " ".join(words)


def render_reset(scope: Scope, slow_peer: bool = False) -> str:
    """``reset bgp [vpn-instance X ipv4-family | vpnv4 | ipv6] TARGET`` or
    ``reset bgp {vpnv4 | ipv4 | vpn-instance X ipv4-family} [ADDR] slow-peer``.

    Public IPv4 + ``all`` renders ``reset bgp ipv4 all``: plain ``reset bgp all`` resets every session
    of every address family and VPN instance (NE40E-CR reset(BGPOM)), wider than the scope asked for.
    """
    af, vrf = _check_scope(scope)
    if slow_peer:
        check_slow_peer(af, scope.selector in ("peer", "all"))
        words = ["reset", "bgp"] + (["ipv4"] if af == "ipv4" else _family_words(af, vrf))
        if scope.selector == "peer":
            words.append(_target(scope, allow_as=False))
        return " ".join(words + ["slow-peer"])
    if af == "ipv4" and scope.selector == "all":
        return "reset bgp ipv4 all"
    return " ".join(["reset", "bgp"] + _family_words(af, vrf) + [_target(scope, allow_as=True)])


# --- configuration views and lines -----------------------------------------------------------------

_FAMILY_VIEWS = {"ipv4": "ipv4-family unicast", "ipv6": "ipv6-family unicast", "vpnv4": "ipv4-family vpnv4"}


def bgp_view_path(local_as: str, address_family: str, vpn_instance: Optional[str] = None) -> List[str]:
    """The view lines to type (after system-view) to reach an address family's view."""
    local_as = validate_as_number(local_as, "local_as")
    af, vrf = validate_family(address_family, vpn_instance, strict=False)
    return ["bgp " + local_as, _FAMILY_VIEWS.get(af) or "ipv4-family vpn-instance " + vrf]


def route_refresh_view_path(local_as: str, address_family: str, vpn_instance: Optional[str] = None) -> List[str]:
    """Where ``peer X capability-advertise route-refresh`` lives: the bgp view for public peers
    (ipv4, ipv6 and vpnv4 peers are all defined there), the ``ipv4-family vpn-instance X`` view for
    peers of a VPN instance (they are defined there)."""
    path = bgp_view_path(local_as, address_family, vpn_instance)
    return path if address_family == "vpn-instance" else path[:1]


def keep_all_routes_view_path(local_as: str, address_family: str, vpn_instance: Optional[str] = None) -> List[str]:
    """``peer X keep-all-routes`` is per address family: the family's own view."""
    return bgp_view_path(local_as, address_family, vpn_instance)


def _undo(present, line):
    return line if present else "undo " + line


def render_route_refresh(peer_or_group: str, present: bool) -> str:
    """``[undo] peer {ADDR|G} capability-advertise route-refresh`` (see route_refresh_view_path)."""
    target = validate_peer_or_group(peer_or_group, "peers")
    return _undo(present, "peer %s capability-advertise route-refresh" % target)


def render_keep_all_routes(peer_or_group: str, present: bool) -> str:
    """``[undo] peer {ADDR|G} keep-all-routes`` (see keep_all_routes_view_path)."""
    target = validate_peer_or_group(peer_or_group, "peers")
    return _undo(present, "peer %s keep-all-routes" % target)


# --- display commands --------------------------------------------------------------------------------

DISPLAY_BGP_CONFIG = "display current-configuration configuration bgp"


def _display_prefix(address_family, vpn_instance):
    """``display bgp`` + the family words of the display commands (vpnv4 ones need ``all``)."""
    af, vrf = validate_family(address_family, vpn_instance, strict=False)
    words = {"ipv4": "display bgp", "ipv6": "display bgp ipv6", "vpnv4": "display bgp vpnv4 all"}
    return words.get(af) or "display bgp vpnv4 vpn-instance " + vrf


def display_peer_brief(address_family: str, vpn_instance: Optional[str] = None) -> str:
    """Peer table of one family: ``display bgp peer`` / ``display bgp ipv6 peer`` /
    ``display bgp vpnv4 all peer`` (VPNv4 peers plus a section per VPN instance) /
    ``display bgp vpnv4 vpn-instance X peer``."""
    return _display_prefix(address_family, vpn_instance) + " peer"


def display_peer_verbose(address_family: str, vpn_instance: Optional[str] = None, address: Optional[str] = None) -> str:
    """``display bgp ... peer [ADDR] verbose``; without ADDR every peer of the family, one block each."""
    prefix = _display_prefix(address_family, vpn_instance) + " peer"
    if address is not None:
        prefix += " " + validate_peer_address(address, "peers")
    return prefix + " verbose"


def display_routing_table_peer(address_family: str, vpn_instance: Optional[str], address: str, which: str,
                               statistics: bool = False) -> str:
    """``display bgp ... routing-table peer ADDR {received-routes|advertised-routes|accepted-routes}
    [statistics]`` [NE40E-CR display-bgp-routing-table-peer(BGPOM)]."""
    which = validate_choice(which, "which", ("received-routes", "advertised-routes", "accepted-routes"))
    prefix = _display_prefix(address_family, vpn_instance)
    cmd = "%s routing-table peer %s %s" % (prefix, validate_peer_address(address, "peers"), which)
    return cmd + " statistics" if statistics else cmd
