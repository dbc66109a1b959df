# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bgp_session_reset role's logic: which sessions each hard-reset target resets (recently reset ones
skipped), and afterwards which other sessions went down too. Documentation: vrp_reset_plan.yml,
vrp_collateral_resets.yml."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import List, Optional

from ansible_collections.netops.vrp.plugins.module_utils.parsers import ESTABLISHED
from ansible_collections.netops.vrp.plugins.module_utils.selection import peer_address, resolve_target
from ansible_collections.netops.vrp.plugins.plugin_utils.facts_filters import (
    TARGET_SELECTORS,
    bgp_facts,
    for_router,
    scope_of,
    sessions_reset,
    target_label,
    target_problems,
    value_problems,
)


def _reset_call(target: dict, selected: List[dict], due: List[dict]) -> dict:
    """The bgp_reset call of one target: its own selector when it resets every selected peer, else peers."""
    call = dict(scope_of(target), target=target_label(target))
    if len(due) == len(selected) and not target.get("peers"):
        for sel in ("groups", "selector", "as_number"):
            if target.get(sel):
                call[sel] = target[sel]
    else:
        call["peers"] = [peer_address(p.get("address")) for p in due]
    return call


def reset_plan(facts: dict, targets: Optional[List[dict]], host: Optional[str] = None, min_uptime: int = 0) -> dict:
    """Plan hard resets on one router: see vrp_reset_plan.yml."""
    facts = bgp_facts(facts)
    plan = {"resets": [], "peers": [], "skipped": [], "problems": []}
    for target in for_router(targets, host):
        label = target_label(target)
        if target.get("as_number"):
            shape = value_problems(target) + ([] if not any(target.get(s) for s in TARGET_SELECTORS) else [
                "target %s: as_number excludes peers, groups and selector" % label])
        else:
            shape = target_problems(target, True, need_direction=False)
        if shape:
            plan["problems"].extend(shape)
            continue
        selected, missing = resolve_target(facts, target, label)
        if missing:
            plan["problems"].extend(missing)
            continue
        if target.get("slow_peer"):  # clears the slow-peer state; the session stays up
            call = dict(scope_of(target), slow_peer=True, target=label)
            if target.get("peers"):
                call["peers"] = [peer_address(a) for a in target["peers"]]
            plan["resets"].append(call)
            continue
        # unknown uptime (None: Up/Down ``****h48m``, more than 9999 h) counts as old, not young
        young = [p for p in selected if p.get("state") == ESTABLISHED and min_uptime
                 and p.get("uptime_seconds") is not None and p["uptime_seconds"] < min_uptime]
        due = [p for p in selected if p not in young]
        for peer in young:
            plan["skipped"].append({"address": peer_address(peer.get("address")), "target": label,
                                    "reason": "Established for %ss only (< %ss): already reset recently"
                                    % (peer.get("uptime_seconds"), min_uptime)})
        if not due:
            continue
        plan["resets"].append(_reset_call(target, selected, due))
        for peer in due:
            plan["peers"].append({"address": peer_address(peer.get("address")),
                                  "address_family": peer.get("address_family"),
                                  "vpn_instance": peer.get("vpn_instance"), "target": label,
                                  "state": peer.get("state"), "uptime_seconds": peer.get("uptime_seconds"),
                                  "up_count": peer.get("up_count")})
    plan["ok"] = not plan["problems"]
    return plan


def collateral_resets(after: Optional[dict], before: dict, plan: dict) -> List[dict]:
    """Sessions that went down or were re-established although the plan resets no peer of their address:
    see vrp_collateral_resets.yml."""
    if not after:
        return []
    planned = set(peer["address"] for peer in plan.get("peers") or [])
    return [session for session in sessions_reset(bgp_facts(before), bgp_facts(after))
            if session["address"] not in planned]
