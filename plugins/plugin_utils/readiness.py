# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The soft-reset readiness audit (bgp_soft_reset_readiness role, vrp_readiness filter): which peers can
take an inbound soft reset, by ``bgp_soft_reset``'s own rule (``bgp_operations.soft_reset_path``), and what
would make the others ready. Documentation: vrp_readiness.yml."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Dict, List, Optional, Sequence

from ansible_collections.netops.vrp.plugins.module_utils.bgp_operations import soft_reset_path
from ansible_collections.netops.vrp.plugins.module_utils.parsers import ESTABLISHED
from ansible_collections.netops.vrp.plugins.module_utils.selection import peer_address, peer_key, resolve_target
from ansible_collections.netops.vrp.plugins.plugin_utils.facts_filters import (
    bgp_facts,
    for_router,
    grouped_calls,
    target_label,
    target_problems,
)


def readiness_remedy(peer: dict) -> Optional[str]:
    """What would make ``peer`` ready for an import soft reset (None when it already is, or is not known)."""
    if soft_reset_path(peer, "import"):
        return None
    if (peer.get("route_refresh") or {}).get("local") is False:
        return "route-refresh"  # our own `undo peer ... capability-advertise route-refresh`
    if peer.get("state") != ESTABLISHED:
        return None  # capabilities unknown until the session is up
    return "keep-all-routes"


def _audit_row(peer: dict, owners: Dict[str, str], methods: Sequence[str]) -> dict:
    rr = peer.get("route_refresh") or {}
    row = {"address": peer_address(peer.get("address")), "address_family": peer.get("address_family"),
           "vpn_instance": peer.get("vpn_instance"), "group": peer.get("group"), "state": peer.get("state"),
           "route_refresh_local": rr.get("local"), "route_refresh_peer": rr.get("peer"),
           "route_refresh_negotiated": rr.get("negotiated"), "keep_all_routes": bool(peer.get("keep_all_routes")),
           "path": soft_reset_path(peer, "import"), "remedy": readiness_remedy(peer),
           "remote_host": owners.get(peer_address(peer.get("address")))}
    if row["remedy"] == "route-refresh" and "route-refresh" not in methods and peer.get("state") == ESTABLISHED:
        row["remedy"] = "keep-all-routes"
    if row["remedy"] not in methods:
        row["remedy"] = None
    row["ready"] = row["path"] is not None
    return row


def readiness(facts: dict, scopes: Optional[List[dict]] = None, router_ids: Optional[Dict[str, str]] = None,
              host: Optional[str] = None, methods: Sequence[str] = ("route-refresh", "keep-all-routes")) -> dict:
    """Soft-reset readiness audit of one router: see vrp_readiness.yml."""
    facts = bgp_facts(facts)
    selected, problems = [], []
    if scopes:
        for scope in for_router(scopes, host):
            shape = target_problems(scope, True, need_direction=False)
            if shape:
                problems.extend(shape)
                continue
            peers, missing = resolve_target(facts, scope, target_label(scope))
            problems.extend(missing)
            selected.extend(peers)
    else:
        selected = list(facts.get("peers") or [])
    owners = dict((peer_address(v), k) for k, v in (router_ids or {}).items() if v)
    seen, rows = set(), []
    for peer in selected:
        if peer_key(peer) not in seen:
            seen.add(peer_key(peer))
            rows.append(_audit_row(peer, owners, methods))
    not_ready = [r for r in rows if not r["ready"]]
    return {
        "peers": rows,
        "problems": problems,
        "ready": len(rows) - len(not_ready),
        "not_ready": [r["address"] + " (" + r["address_family"] + (" " + r["vpn_instance"] if r["vpn_instance"] else "")
                      + ")" for r in not_ready],
        "unknown": [r["address"] for r in not_ready if r["remedy"] is None],
        "route_refresh": grouped_calls([r for r in not_ready if r["remedy"] == "route-refresh"]),
        "keep_all_routes": grouped_calls([r for r in not_ready if r["remedy"] == "keep-all-routes"]),
    }
