# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bgp_policy_rollout role's logic: one router's share, its plan, and the verdict after the change.

- ``rollout_share``  changes + targets -> what this router does (work or not, configuration, facts subsets)
- ``rollout_plan``   facts + targets -> per-peer soft-reset path, problems, module calls
- ``rollout_verify`` facts before/after + plan -> sessions reset, prefix deltas, bounds, assertions

The rule for how a soft reset reaches a peer (an import one needs route-refresh negotiated or
keep-all-routes configured; an export one needs nothing) is ``bgp_soft_reset``'s own
(``bgp_operations.soft_reset_path``), so a plan and the module agree. Documentation: the filters' ``.yml``.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import List, Optional

from ansible.module_utils.common.text.converters import to_native

from ansible_collections.netops.vrp.plugins.module_utils.bgp_operations import soft_reset_path
from ansible_collections.netops.vrp.plugins.module_utils.parsers import ESTABLISHED
from ansible_collections.netops.vrp.plugins.module_utils.selection import peer_address, peer_key, resolve_target
from ansible_collections.netops.vrp.plugins.plugin_utils.facts_filters import (
    bgp_facts,
    for_router,
    grouped_calls,
    jmespath_search,
    scope_of,
    sessions_reset,
    target_label,
    target_problems,
)
from ansible_collections.netops.vrp.plugins.plugin_utils.readiness import readiness_remedy


def _config_text(changes: Optional[List[dict]], host: Optional[str]) -> str:
    """This router's changes as one configuration text (one trial commit)."""
    config = "\n".join(to_native(c.get("config", "")).rstrip("\n")
                       for c in for_router(changes, host) if c.get("config", "").strip())
    return config + "\n" if config else ""


def rollout_share(targets: Optional[List[dict]], changes: Optional[List[dict]] = None,
                  host: Optional[str] = None, allow_selector_all: bool = False) -> dict:
    """This router's share of a rollout: see vrp_rollout_share.yml."""
    families = []
    for target in targets or []:
        family = target.get("address_family") or "ipv4"
        if family not in families:
            families.append(family)
    return {"has_work": bool(for_router(changes, host) or for_router(targets, host)),
            "config": _config_text(changes, host),
            # every router's targets: each snapshot reads the same subsets, so a session missing after the
            # change really is gone
            "gather_subset": families or ["all"],
            # the plan's own shape and value rules, so the pre-flight refuses a bad target before any login
            "problems": [problem for target in for_router(targets, host)
                         for problem in target_problems(target, allow_selector_all)]}


def _peer_entry(peer: dict, target: dict, direction: str) -> dict:
    return {
        "address": peer_address(peer.get("address")),
        "address_family": peer.get("address_family"),
        "vpn_instance": peer.get("vpn_instance"),
        "group": peer.get("group"),
        "target": target_label(target),
        "direction": direction,
        "state": peer.get("state"),
        "route_refresh": peer.get("route_refresh"),
        "keep_all_routes": peer.get("keep_all_routes"),
        "path": soft_reset_path(peer, direction) if direction else None,
    }


def _module_target(call: dict, peers: Optional[List[str]]) -> dict:
    """A plan's soft reset call as one item of bgp_soft_reset's ``targets`` (its options only)."""
    target = {"address_family": call["address_family"], "direction": call["direction"]}
    if call["vpn_instance"]:
        target["vpn_instance"] = call["vpn_instance"]
    if peers:
        target["peers"] = list(peers)
    elif call.get("groups"):
        target["groups"] = list(call["groups"])
    else:
        target["selector"] = call["selector"]
    return target


def _plan_peer(plan: dict, peer: dict, target: dict, allow_keep_all_routes: bool, allow_hard_reset: bool) -> dict:
    """The plan entry of one selected peer: its ``action`` and ``path``; a blocked peer is a problem."""
    label = target_label(target)
    entry = _peer_entry(peer, target, target["direction"])
    if peer.get("state") != ESTABLISHED:
        entry["action"] = "blocked"
        plan["problems"].append("target %s: peer %s is %s, not Established"
                                % (label, entry["address"], peer.get("state")))
    elif entry["path"]:
        entry["action"] = "soft-reset"
    elif allow_keep_all_routes and readiness_remedy(peer) == "keep-all-routes":
        entry["action"] = "keep-all-routes-first"
        entry["path"] = "keep-all-routes"
    elif allow_hard_reset:
        entry["action"] = "hard-reset"
        entry["path"] = "hard-reset"
    else:
        entry["action"] = "blocked"
        plan["problems"].append(
            "target %s: peer %s has neither route-refresh negotiated nor keep-all-routes, so an "
            "import soft reset cannot reach it (make it ready with the bgp_soft_reset_readiness role, "
            "or allow keep-all-routes / a hard reset for this rollout)" % (label, entry["address"]))
    return entry


def _soft_reset_call(target: dict, entries: List[dict], soft: List[dict], batch_size: int) -> dict:
    """One bgp_soft_reset call per target, which sends its commands ``batch_size`` peers at a time."""
    label = target_label(target)
    prepared = set(e["address"] for e in soft if e["action"] == "keep-all-routes-first")
    call = dict(scope_of(target), direction=target["direction"], target=label, after_preparation=bool(prepared),
                label="%s (%d peers)" % (label, len(soft)))
    whole = len(soft) == len(entries) and len(soft) <= int(batch_size or 1)
    if whole and target.get("groups"):
        call["groups"] = list(target["groups"])
    elif whole and target.get("selector"):
        call["selector"] = target["selector"]
    else:
        call["peers"] = [e["address"] for e in soft]
    if prepared:
        # check mode enables no keep-all-routes: bgp_soft_reset plans these peers as having it (the real run's commands)
        call["keep_all_routes_first"] = [e["address"] for e in soft if e["address"] in prepared]
    return call


def rollout_plan(facts: dict, targets: Optional[List[dict]], changes: Optional[List[dict]] = None,
                 host: Optional[str] = None, batch_size: int = 5, allow_keep_all_routes: bool = False,
                 allow_hard_reset: bool = False, allow_selector_all: bool = False) -> dict:
    """Plan a policy rollout on one router: see vrp_rollout_plan.yml."""
    facts = bgp_facts(facts)
    plan = {"config": _config_text(changes, host),
            "change_names": [c.get("name") for c in for_router(changes, host) if c.get("name")],
            "targets": [], "peers": [], "problems": [], "keep_all_routes": [], "soft_resets": [], "hard_resets": []}
    soft_units = []  # (target, [peer entries], [soft reset entries]) in target order
    for target in for_router(targets, host):
        shape = target_problems(target, allow_selector_all)
        if shape:
            plan["problems"].extend(shape)
            continue
        selected, problems = resolve_target(facts, target, target_label(target))
        plan["problems"].extend(problems)
        entries = [_plan_peer(plan, peer, target, allow_keep_all_routes, allow_hard_reset) for peer in selected]
        plan["targets"].append(dict(scope_of(target), name=target_label(target), direction=target["direction"],
                                    peers=[e["address"] for e in entries],
                                    max_prefix_loss=target.get("max_prefix_loss"),
                                    max_prefix_loss_pct=target.get("max_prefix_loss_pct"),
                                    max_prefix_gain=target.get("max_prefix_gain")))
        plan["peers"].extend(entries)
        soft = [e for e in entries if e["action"] in ("soft-reset", "keep-all-routes-first")]
        soft_units.append((target, entries, soft))

    plan["keep_all_routes"] = grouped_calls([e for e in plan["peers"] if e["action"] == "keep-all-routes-first"])
    plan["hard_resets"] = grouped_calls([e for e in plan["peers"] if e["action"] == "hard-reset"])
    plan["soft_resets"] = [_soft_reset_call(target, entries, soft, batch_size) for target, entries, soft in soft_units
                           if soft]
    # the same calls as the ``targets`` of ONE bgp_soft_reset call (one settle for all), and for check
    # mode, where keep-all-routes was not enabled: the same targets, naming the peers that rely on it
    plan["soft_reset_targets"] = [_module_target(call, call.get("peers")) for call in plan["soft_resets"]]
    plan["soft_reset_targets_check"] = [
        dict(target, check_mode_keep_all_routes=call["keep_all_routes_first"]) if call["after_preparation"] else target
        for call, target in zip(plan["soft_resets"], plan["soft_reset_targets"], strict=True)]
    families = sorted(set(t["address_family"] for t in plan["targets"]))
    plan["gather_subset"] = families or ["all"]
    plan["ok"] = not plan["problems"]
    return plan


def _count(peer: Optional[dict], direction: str) -> Optional[int]:
    if not peer:
        return None
    return peer.get("prefixes_advertised" if direction == "export" else "prefixes_received")


def _paths_from_results(results: Optional[List[dict]]) -> dict:
    paths = {}
    for result in results or []:
        if not isinstance(result, dict) or result.get("skipped"):
            continue
        for peer in result.get("peers") or []:
            if peer.get("path"):
                paths[peer_key(peer)] = peer["path"]
    return paths


def _bound(target: Optional[dict], name: str, default: Optional[int]) -> Optional[int]:
    value = target.get(name) if target else None
    if value is None:
        value = default
    return None if value in (None, "", -1) else int(value)


def _bound_problems(entry: dict, row: dict, target: Optional[dict], max_prefix_loss: Optional[int],
                    max_prefix_loss_pct: Optional[int], max_prefix_gain: Optional[int]) -> List[str]:
    """A targeted peer's prefix count change beyond its bounds (the target's, else the call's)."""
    problems, direction = [], entry["direction"]
    loss, gain = max(0, -row["delta"]), max(0, row["delta"])
    limit = _bound(target, "max_prefix_loss", max_prefix_loss)
    if limit is not None and loss > limit:
        problems.append("peer %s (%s): lost %d routes (%s), more than the allowed %d"
                        % (entry["address"], entry["target"], loss, direction, limit))
    limit = _bound(target, "max_prefix_loss_pct", max_prefix_loss_pct)
    if limit is not None and row["prefixes_before"] and loss * 100.0 / row["prefixes_before"] > limit:
        problems.append("peer %s (%s): lost %d of %d routes (%s), more than the allowed %d%%"
                        % (entry["address"], entry["target"], loss, row["prefixes_before"], direction, limit))
    limit = _bound(target, "max_prefix_gain", max_prefix_gain)
    if limit is not None and gain > limit:
        problems.append("peer %s (%s): gained %d routes (%s), more than the allowed %d"
                        % (entry["address"], entry["target"], gain, direction, limit))
    return problems


def rollout_verify(after: Optional[dict], before: dict, plan: dict, soft_reset_results: Optional[List[dict]] = None,
                   max_prefix_loss: Optional[int] = None, max_prefix_loss_pct: Optional[int] = None,
                   max_prefix_gain: Optional[int] = None, assertions: Optional[List] = None) -> dict:
    """Judge a rollout from facts before/after: see vrp_rollout_verify.yml."""
    before = bgp_facts(before)
    after_facts = bgp_facts(after) if after else None
    by_before = dict((peer_key(p), p) for p in before.get("peers") or [])
    by_after = dict((peer_key(p), p) for p in (after_facts or {}).get("peers") or [])
    targets = dict((t["name"], t) for t in plan.get("targets") or [])
    paths = _paths_from_results(soft_reset_results)
    problems, peers = [], []
    for entry in plan.get("peers") or []:
        key = (entry["address_family"], entry["vpn_instance"], entry["address"])
        old, new = by_before.get(key), by_after.get(key)
        direction = entry["direction"]
        row = {"address": entry["address"], "address_family": entry["address_family"],
               "vpn_instance": entry["vpn_instance"], "target": entry["target"], "direction": direction,
               "path": paths.get(key) or entry.get("path"), "state_after": (new or {}).get("state"),
               "prefixes_before": _count(old, direction), "prefixes_after": _count(new, direction)}
        if row["prefixes_before"] is not None and row["prefixes_after"] is not None:
            row["delta"] = row["prefixes_after"] - row["prefixes_before"]
        else:
            row["delta"] = None
        peers.append(row)
        if after_facts is not None and row["delta"] is not None:
            problems.extend(_bound_problems(entry, row, targets.get(entry["target"]), max_prefix_loss,
                                            max_prefix_loss_pct, max_prefix_gain))
    reset = []
    if after_facts is not None:
        hard = set((c["address_family"], c["vpn_instance"], address)
                   for c in plan.get("hard_resets") or [] for address in c["peers"])
        reset = sessions_reset(before, after_facts, hard)
        for session in reset:
            where = session["address_family"] + (" " + session["vpn_instance"] if session["vpn_instance"] else "")
            problems.append("session %s (%s) %s during the rollout" % (session["address"], where, session["reason"]))
        for assertion in assertions or []:
            query = assertion.get("query") if isinstance(assertion, dict) else assertion
            name = (assertion.get("name") if isinstance(assertion, dict) else None) or query
            value = jmespath_search({"before": before, "after": after_facts, "peers": peers}, query)
            if isinstance(assertion, dict) and "expect" in assertion:
                passed = value == assertion["expect"]
            else:
                passed = bool(value)
            if not passed:
                problems.append("assertion failed: %s (got %r)" % (name, value))
    return {"ok": not problems, "problems": problems, "peers": peers, "sessions_reset": reset,
            "verified": after_facts is not None}
