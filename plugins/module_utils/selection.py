# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which BGP facts entries a selection reaches: one home for the modules and the roles' filters.

A selection is a ``Scope`` (``scope.py``): address family + VPN instance and one selector (``peer`` ADDR,
``group`` G, ``as`` N, ``external``, ``internal``, ``all``). The modules build scopes from their validated
arguments (``scopes_from_params``) and refuse what the router's configuration lacks (``select_scope_peers``);
the roles' filters build them from their targets (``target_scopes``) and report the selectors that pick
nothing (``resolve_target``). Both pick with ``select_peers`` over ``family_peers``: addresses compare in
canonical form and AS numbers as numbers (asdot ``1.10`` is ``65546``: ``validate.same_as_number``).
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Any, List, Optional, Tuple

from ansible.module_utils.common.text.converters import to_native

from ansible_collections.netops.vrp.plugins.module_utils.parsers import canonical_address
from ansible_collections.netops.vrp.plugins.module_utils.scope import Scope
from ansible_collections.netops.vrp.plugins.module_utils.validate import same_as_number

PeerKey = Tuple[Optional[str], Optional[str], str]


def peer_address(text: Any) -> str:
    """A peer address as the facts hold it (canonical ``ipaddress`` form); other text stripped."""
    return canonical_address(to_native(text).strip())


def peer_key(peer: dict) -> PeerKey:
    """``(address_family, vpn_instance, address)``: what makes a facts entry unique."""
    return (peer.get("address_family"), peer.get("vpn_instance"), peer_address(peer.get("address")))


def dedupe_peers(peers: List[dict]) -> List[dict]:
    """``peers`` without repeated entries (same key), first ones kept, order kept."""
    seen, out = set(), []
    for peer in peers:
        key = peer_key(peer)
        if key not in seen:
            seen.add(key)
            out.append(peer)
    return out


def family_label(address_family: str, vpn_instance: Optional[str] = None) -> str:
    """The family as a sentence names it (``IPv4 unicast``, ``VPN instance vpna``)."""
    if address_family == "vpn-instance":
        return "VPN instance %s" % vpn_instance
    return {"ipv4": "IPv4 unicast", "ipv6": "IPv6 unicast", "vpnv4": "VPNv4"}[address_family]


def family_peers(facts: dict, address_family: str, vpn_instance: Optional[str] = None) -> List[dict]:
    """The facts entries of one family (``vpn_instance`` counts only with ``vpn-instance``)."""
    vrf = vpn_instance if address_family == "vpn-instance" else None
    return [p for p in facts.get("peers") or []
            if p.get("address_family") == address_family and (p.get("vpn_instance") or None) == vrf]


def select_peers(peers: List[dict], scope: Scope) -> List[dict]:
    """The entries among ``peers`` that ``scope``'s selector picks."""
    kind = scope.selector
    if kind == "peer":
        address = peer_address(scope.value)
        return [p for p in peers if peer_address(p.get("address")) == address]
    if kind == "group":
        return [p for p in peers if p.get("group") == scope.value]
    if kind in ("external", "internal"):
        return [p for p in peers if p.get("type") == kind]
    if kind == "as":
        return [p for p in peers if same_as_number(p.get("remote_as"), scope.value)]
    return list(peers)  # all


# --- the modules: scopes against the router's configuration ------------------------------------------

def config_problem(cfg: dict, scope: Scope) -> Optional[str]:
    """Why the BGP configuration (``parsers.parse_bgp_config``) has no place for ``scope``, or None:
    no BGP, a VPN instance without BGP, or (group selector) a group that does not exist there."""
    if cfg["local_as"] is None:
        return "BGP is not configured on this router"
    if scope.address_family == "vpn-instance" and scope.vpn_instance not in cfg["vpn_instances"]:
        return ("VPN instance %s has no BGP configuration (no 'ipv4-family vpn-instance %s' in bgp %s); "
                "configured: %s" % (scope.vpn_instance, scope.vpn_instance, cfg["local_as"],
                                    ", ".join(cfg["vpn_instances"]) or "none"))
    if scope.selector == "group":
        vrf = scope.vpn_instance if scope.address_family == "vpn-instance" else None
        names = [g["name"] for g in cfg["groups"] if g["vpn_instance"] == vrf]
        if scope.value not in names:
            return ("peer group %s does not exist in %s (groups there: %s)"
                    % (scope.value, "VPN instance %s" % vrf if vrf else "the public BGP instance",
                       ", ".join(names) or "none"))
    return None


def select_scope_peers(facts: dict, cfg: dict, scope: Scope,
                       pool: Optional[List[dict]] = None) -> Tuple[List[dict], Optional[str]]:
    """-> ``(entries, problem)``: the facts entries ``scope`` picks among ``pool`` (default: its family's),
    or no entries and why the command must not be sent (``config_problem``, or a peer not in the pool).
    A group or class selecting nobody is no problem (the command reaches no peer)."""
    problem = config_problem(cfg, scope)
    if problem:
        return [], problem
    if pool is None:
        pool = family_peers(facts, scope.address_family, scope.vpn_instance)
    chosen = select_peers(pool, scope)
    if scope.selector == "peer" and not chosen:
        return [], ("%s is not a peer of %s (peers there: %s)"
                    % (scope.value, family_label(scope.address_family, scope.vpn_instance),
                       ", ".join(p["address"] for p in pool) or "none"))
    return chosen, None


# --- the roles' filters: targets against the facts ----------------------------------------------------

def target_scopes(target: dict) -> List[Scope]:
    """A role target (``address_family``, ``vpn_instance``, one of ``peers``, ``groups``, ``as_number``,
    ``selector``) as Scopes, one per peer or group; unvalidated (the filters check targets first)."""
    family = target.get("address_family") or "ipv4"
    vrf = target.get("vpn_instance") if family == "vpn-instance" else None
    if target.get("peers"):
        return [Scope(family, vrf, "peer", address) for address in target["peers"]]
    if target.get("groups"):
        return [Scope(family, vrf, "group", name) for name in target["groups"]]
    if target.get("as_number"):
        return [Scope(family, vrf, "as", target["as_number"])]
    return [Scope(family, vrf, target.get("selector") or "all")]


def _nothing_selected(scope: Scope) -> str:
    if scope.selector == "peer":
        return "peer %s is not configured in %s" % (peer_address(scope.value), scope.address_family)
    if scope.selector == "group":
        return "group %s has no peers in %s" % (scope.value, scope.address_family)
    if scope.selector == "as":
        return "no peers in AS %s" % scope.value
    return "no %s peers in %s" % (scope.selector, scope.address_family)


def resolve_target(facts: dict, target: dict, label: str) -> Tuple[List[dict], List[str]]:
    """-> ``(entries, problems)``: the facts entries ``target`` selects, and one problem (``target
    LABEL: ...``) per peer, group or class that selects nothing."""
    selected, problems = [], []
    for scope in target_scopes(target):
        found = select_peers(family_peers(facts, scope.address_family, scope.vpn_instance), scope)
        if not found:
            problems.append("target %s: %s" % (label, _nothing_selected(scope)))
        selected.extend(found)
    return selected, problems
