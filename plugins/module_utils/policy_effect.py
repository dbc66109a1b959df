# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Did the policy take effect after ``refresh bgp ... import|export``? (bgp_soft_reset's policy check)

A session that stayed up proves nothing about the policy: with keep-all-routes, what ``refresh bgp ...
import`` does is not settled by the vendor text ("the device does not refresh its routing table"
[NE40E-CR refresh(BGPOM)]; "the retained information can be used to regenerate BGP routes" [seed 000]).
So after the refresh each import peer's accepted routes are compared with what its bound import policy
accepts, evaluated here:

- keep-all-routes path: ``received-routes`` lists the kept, pre-policy routes, so the accepted set must be
  exactly the received routes the policy permits (``verified``), else ``not_applied`` (a problem, with the
  operator action);
- route-refresh path without keep-all-routes: what ``received-routes`` shows then is not documented
  (vrp-fidelity.md §6 item 33), so only ``accepted-routes`` is read: every accepted route must pass the
  policy (``consistent``: routes the new policy now permits cannot be checked), else ``not_applied``;
- export: every advertised route must pass the export policy (``consistent``), else ``not_applied`` -- whether
  ``refresh ... export`` re-sends anything to a peer without route-refresh is not documented (vrp-fidelity.md
  §6 item 36; vrpsim reading ``export_refresh_without_rr``);
- a clause this evaluator does not model (any ``if-match`` but ``ip-prefix``, an undefined route-policy,
  VPNv4 tables, IPv6 with a clause) gives ``not_verifiable`` with the reason, never ``verified``; a policy
  whose accepting node also ``apply``-s attributes is ``not_verifiable`` for the attributes once the
  accepted set matches.

Evaluation (NE40E-CR route-policy(RTPOM), prefix-filter(RTPOM), match-prefix-filter(RTPOM)): nodes in
ascending order, the first node whose ``if-match`` clauses all match decides (permit accepts, deny
rejects), no node matches: deny; an ip-prefix is walked in index order, first match decides, no match:
deny; ``if-match ip-prefix X`` with X not configured matches every route.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re
from typing import List, Optional, Tuple

from ansible_collections.netops.vrp.plugins.module_utils.parsers import parse_config_tree, parse_routing_table
from ansible_collections.netops.vrp.plugins.module_utils.scope import display_routing_table_peer

DISPLAY_CONFIG = "display current-configuration"

_POLICY_NODE = re.compile(r"^route-policy\s+(\S+)\s+(permit|deny)\s+node\s+(\d+)\s*$")
_IP_PREFIX = re.compile(r"^ip ip-prefix\s+(\S+)\s+index\s+(\d+)\s+(permit|deny)\s+(\S+)\s+(\d+)"
                        r"(?:\s+greater-equal\s+(\d+))?(?:\s+less-equal\s+(\d+))?\s*$")

ACTION_NOT_APPLIED = ("the router kept the session but did not apply the import policy to the routes it "
                      "keeps for this peer (keep-all-routes): make it take effect with a hard reset "
                      "(netops.vrp.bgp_reset, interrupts traffic) or, where route-refresh is negotiated, remove "
                      "keep-all-routes (netops.vrp.bgp_keep_all_routes state: absent) and soft reset again")


class NotVerifiable(Exception):
    pass


def parse_policies(text: str) -> dict:
    """``display current-configuration`` -> ``{"policies": {name: [node]}, "prefixes": {name: [entry]}}``.

    node: ``{"node": int, "permit": bool, "matches": [(kind, words)], "applies": [line]}``;
    entry: ``{"index": int, "permit": bool, "network": ip_network, "ge": int|None, "le": int|None}``.
    """
    policies, prefixes = {}, {}
    for node in parse_config_tree(text):
        m = _POLICY_NODE.match(node.line)
        if m:
            matches, applies = [], []
            for child in node.children:
                words = child.line.split()
                if words[0] == "if-match":
                    matches.append((words[1] if len(words) > 1 else "", words[2:]))
                elif words[0] == "apply":
                    applies.append(child.line)
                else:   # goto next-node, description, ...: order or flow this evaluator does not model
                    matches.append((child.line, None))
            policies.setdefault(m.group(1), []).append(
                {"node": int(m.group(3)), "permit": m.group(2) == "permit", "matches": matches, "applies": applies})
            continue
        m = _IP_PREFIX.match(node.line)
        if m:
            network = ipaddress.ip_network("%s/%s" % (m.group(4), m.group(5)), strict=False)
            prefixes.setdefault(m.group(1), []).append({
                "index": int(m.group(2)), "permit": m.group(3) == "permit", "network": network,
                "ge": int(m.group(6)) if m.group(6) else None, "le": int(m.group(7)) if m.group(7) else None})
    for nodes in policies.values():
        nodes.sort(key=lambda n: n["node"])
    for entries in prefixes.values():
        entries.sort(key=lambda e: e["index"])
    return {"policies": policies, "prefixes": prefixes}


def _prefix_entry_matches(entry, net):
    base = entry["network"]
    if net.version != base.version or net.prefixlen < base.prefixlen:
        return False
    if net.supernet(new_prefix=base.prefixlen) != base:
        return False
    if entry["ge"] is None and entry["le"] is None:
        low = high = base.prefixlen
    else:
        low = entry["ge"] if entry["ge"] is not None else base.prefixlen
        high = entry["le"] if entry["le"] is not None else net.max_prefixlen
    return low <= net.prefixlen <= high


def _ip_prefix_permits(book, name, net):
    entries = book["prefixes"].get(name)
    if entries is None:
        return True   # not configured: matches every route (NE40E-CR match-prefix-filter)
    if net.version != 4:
        raise NotVerifiable("ip-prefix %s on an IPv6 route" % name)
    for entry in entries:
        if _prefix_entry_matches(entry, net):
            return entry["permit"]
    return False


def decide(book: dict, policy: Optional[str], network: str) -> Tuple[bool, List[str]]:
    """``(accepted, applies)`` for ``network`` under route-policy ``policy`` (None: no policy, accepted)."""
    if policy is None:
        return True, []
    nodes = book["policies"].get(policy)
    if nodes is None:
        raise NotVerifiable("route-policy %s is bound but not configured (how VRP treats that is not "
                            "documented)" % policy)
    net = ipaddress.ip_network(network, strict=False)
    for node in nodes:
        matched = True
        for kind, words in node["matches"]:
            if kind != "ip-prefix" or words is None or len(words) != 1:
                raise NotVerifiable("route-policy %s node %d: '%s' is not evaluated here"
                                    % (policy, node["node"], kind if words is None else
                                       " ".join(["if-match", kind] + list(words))))
            if not _ip_prefix_permits(book, words[0], net):
                matched = False
                break
        if matched:
            return node["permit"], node["applies"] if node["permit"] else []
    return False, []


def _networks(text):
    return {r["network"] for r in parse_routing_table(text)["routes"] if r.get("network")}


def _short(networks, limit=5):
    items = sorted(networks)
    return ", ".join(items[:limit]) + (" (+%d more)" % (len(items) - limit) if len(items) > limit else "")


def check_peer(book: dict, entry: dict, received, accepted, export: bool = False) -> dict:
    """``{"status", "policy", "detail"}`` for one entry (``received`` None: not read). ``export``: ``accepted``
    holds the advertised routes and the export policy is checked (one-sided, like the route-refresh path)."""
    policy = entry.get("export_policy" if export else "import_policy")
    out = {"status": "verified", "policy": policy, "detail": None}
    try:
        if entry["address_family"] == "vpnv4":
            raise NotVerifiable("VPNv4 tables (route distinguishers) are not evaluated here")
        applies = set()
        if received is not None:
            expected = set()
            for network in received:
                ok, used = decide(book, policy, network)
                if ok:
                    expected.add(network)
                    applies.update(used)
            kept, missing = accepted - expected, expected - accepted
            if kept or missing:
                out.update(status="not_applied", detail="%s; %s" % ("; ".join(filter(None, [
                    "accepted although the policy denies them: %s" % _short(kept) if kept else "",
                    "permitted by the policy but not accepted: %s" % _short(missing) if missing else ""])),
                    ACTION_NOT_APPLIED))
                return out
        else:
            denied = set()
            for network in accepted:
                ok, used = decide(book, policy, network)
                if ok:
                    applies.update(used)
                else:
                    denied.add(network)
            if denied:
                out.update(status="not_applied", detail="%s although the %s policy denies them: %s; make the "
                           "policy take effect with a hard reset (netops.vrp.bgp_reset, interrupts traffic)"
                           % ("advertised" if export else "accepted", "export" if export else "import",
                              _short(denied)))
                return out
            out.update(status="consistent", detail=(
                "every advertised route passes the export policy; routes it newly permits are not checked"
                if export else "every accepted route passes the import policy; routes it newly permits cannot "
                               "be checked without keep-all-routes"))
        if applies:
            out.update(status="not_verifiable", detail="the accepted routes match the policy; its apply clauses "
                                                       "(%s) are not checked" % "; ".join(sorted(applies)))
    except NotVerifiable as exc:
        out.update(status="not_verifiable", detail=str(exc))
    return out


def verify_policy_effect(cli, entries: List[dict]) -> None:
    """Fill ``policy_effect`` of each ``entries`` item (after the refresh settled) and append a problem when
    the policy is not in effect. One configuration display, then per peer ``accepted-routes`` (+
    ``received-routes`` on the keep-all-routes path) or, for export, ``advertised-routes``."""
    if not entries:
        return
    book = parse_policies(cli.display(DISPLAY_CONFIG))
    for entry in entries:
        af, vrf, address = entry["address_family"], entry["vpn_instance"], entry["address"]
        export = entry["path"] == "export"
        if af == "vpnv4":
            effect = check_peer(book, entry, None, set(), export)
        else:
            shown = _networks(cli.display(display_routing_table_peer(
                af, vrf, address, "advertised-routes" if export else "accepted-routes")))
            received = None
            if entry["path"] == "keep-all-routes":
                received = _networks(cli.display(display_routing_table_peer(af, vrf, address, "received-routes")))
            effect = check_peer(book, entry, received, shown, export)
        entry["policy_effect"] = effect
        if effect["status"] == "not_applied":
            entry["problems"].append("%s policy %s not in effect: %s" % (
                "export" if export else "import", effect["policy"] or "(none)", effect["detail"]))
            entry["verified"] = False
