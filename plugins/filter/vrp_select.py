# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Selection helpers over netops.vrp BGP facts (the facts shape of docs/internals.md).

``vrp_select`` is JMESPath without a community.general dependency. The other filters are what the
roles need to turn *targets* (address family + VPN instance + peers | groups | selector [+ direction])
into the peers they touch, and to judge a rollout from facts taken before and after:

- ``vrp_rollout_plan``   facts + targets -> per-peer soft-reset path, problems, batched module calls
- ``vrp_rollout_verify`` facts before/after + plan -> sessions reset, prefix deltas, bounds, assertions
- ``vrp_readiness``      facts + scopes -> which peers can soft reset inbound and how to make them
- ``vrp_reset_plan``     facts + hard-reset targets -> the peers each reset touches (young ones skipped)

They only read data; the VRP rules they apply (an import soft reset needs route-refresh negotiated or
keep-all-routes configured; an export one needs nothing) are the ones ``bgp_soft_reset`` enforces on the
router, so a plan and the module agree. Their documentation is in the ``<filter>.yml`` files beside this one.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native

# One rule for how a soft reset reaches a peer: the module enforces it, the roles plan with it.
from ansible_collections.netops.vrp.plugins.module_utils.bgp_operations import soft_reset_path
# and one home for the VRP value rules: a target's names and AS number are checked by the modules' rules
from ansible_collections.netops.vrp.plugins.module_utils.validate import (
    ValidationError,
    same_as_number,
    validate_as_number,
    validate_group_name,
    validate_vpn_instance,
)

try:
    import jmespath
    HAS_JMESPATH = True
except ImportError:  # pragma: no cover - reported when the filter is used
    HAS_JMESPATH = False

FAMILIES = ("ipv4", "ipv6", "vpnv4", "vpn-instance")
SELECTORS = ("peers", "groups", "selector")
ESTABLISHED = "Established"


# ------------------------------------------------------------------------------------------ helpers
def _canonical_address(text):
    try:
        return ipaddress.ip_address(to_native(text).strip()).compressed
    except ValueError:
        return to_native(text).strip()


def _key(peer):
    return (peer.get("address_family"), peer.get("vpn_instance"), _canonical_address(peer.get("address")))


def _facts(data):
    """Accept the facts themselves, a bgp_facts result, or ansible_facts."""
    if not isinstance(data, dict):
        raise AnsibleFilterError("expected BGP facts (a dict with 'peers'), got %s" % type(data).__name__)
    if "peers" in data:
        return data
    for path in (("ansible_facts", "netops_vrp_bgp"), ("netops_vrp_bgp",)):
        node = data
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and "peers" in node:
            return node
    raise AnsibleFilterError("expected BGP facts (a dict with 'peers', as bgp_facts returns)")


def _for_router(items, host):
    """Items without ``routers``, or whose ``routers`` names ``host``."""
    out = []
    for item in items or []:
        routers = item.get("routers") if isinstance(item, dict) else None
        if not routers or host is None or host in routers:
            out.append(item)
    return out


def target_label(target):
    """Short human label of a target, e.g. ``vpn-instance vpna peers 172.16.1.2 import``."""
    parts = [target.get("address_family") or "ipv4"]
    if target.get("vpn_instance"):
        parts.append(target["vpn_instance"])
    for sel in SELECTORS + ("as_number",):
        value = target.get(sel)
        if value:
            name = "as" if sel == "as_number" else sel
            parts.append("%s %s" % (name, ",".join(value) if isinstance(value, list) else value))
    if target.get("direction"):
        parts.append(target["direction"])
    return " ".join(parts)


def _value_problems(target, label):
    """A target's VPN instance, group names and AS number that break the VRP rules (validate.py)."""
    checks = [(validate_vpn_instance, target.get("vpn_instance"))] if target.get("vpn_instance") else []
    groups = target.get("groups")
    checks += [(validate_group_name, group) for group in (groups if isinstance(groups, list) else [])]
    if target.get("as_number") is not None:
        checks.append((validate_as_number, target["as_number"]))
    problems = []
    for check, value in checks:
        try:
            check(value)
        except ValidationError as exc:
            problems.append("target %s: invalid %s" % (label, exc))
    return problems


def _check_target(target, allow_selector_all, need_direction=True):
    """Return a list of problems with the shape of one target."""
    label = target.get("name") or target_label(target)
    problems = _value_problems(target, label)
    family = target.get("address_family") or "ipv4"
    if family not in FAMILIES:
        problems.append("target %s: address_family must be one of %s" % (label, ", ".join(FAMILIES)))
    if family == "vpn-instance" and not target.get("vpn_instance"):
        problems.append("target %s: vpn_instance is required with address_family vpn-instance" % label)
    chosen = [s for s in SELECTORS if target.get(s)]
    if len(chosen) != 1:
        problems.append("target %s: give exactly one of peers, groups, selector" % label)
    selector = target.get("selector")
    if selector and selector not in ("all", "external", "internal"):
        problems.append("target %s: selector must be all, external or internal" % label)
    if selector == "all" and not allow_selector_all:
        problems.append("target %s: selector all touches every session of the family; list peers or "
                        "groups, or allow it explicitly" % label)
    if need_direction and target.get("direction") not in ("import", "export"):
        problems.append("target %s: direction must be import or export" % label)
    return problems


def resolve_target(facts, target):
    """The facts' peers a target selects -> (peers, problems)."""
    family = target.get("address_family") or "ipv4"
    vrf = target.get("vpn_instance") if family == "vpn-instance" else None
    label = target.get("name") or target_label(target)
    in_family = [p for p in facts.get("peers") or []
                 if p.get("address_family") == family and (p.get("vpn_instance") or None) == vrf]
    problems = []
    if target.get("peers"):
        wanted = [_canonical_address(a) for a in target["peers"]]
        by_address = dict((_canonical_address(p.get("address")), p) for p in in_family)
        selected = []
        for address in wanted:
            if address in by_address:
                selected.append(by_address[address])
            else:
                problems.append("target %s: peer %s is not configured in %s" % (label, address, family))
        return selected, problems
    if target.get("groups"):
        selected = []
        for group in target["groups"]:
            members = [p for p in in_family if p.get("group") == group]
            if not members:
                problems.append("target %s: group %s has no peers in %s" % (label, group, family))
            selected.extend(members)
        return selected, problems
    selector = target.get("selector")
    if selector in ("external", "internal"):
        selected = [p for p in in_family if p.get("type") == selector]
    else:
        selected = list(in_family)
    if not selected:
        problems.append("target %s: no %s peers in %s" % (label, selector, family))
    return selected, problems


def readiness_remedy(peer):
    """What would make ``peer`` ready for an import soft reset (None when it already is)."""
    if soft_reset_path(peer, "import"):
        return None
    if (peer.get("route_refresh") or {}).get("local") is False:
        return "route-refresh"  # our own `undo peer ... capability-advertise route-refresh`
    if peer.get("state") != ESTABLISHED:
        return None  # capabilities unknown until the session is up
    return "keep-all-routes"


def _scope(target):
    family = target.get("address_family") or "ipv4"
    return {"address_family": family,
            "vpn_instance": target.get("vpn_instance") if family == "vpn-instance" else None}


def _peer_entry(peer, target, direction):
    return {
        "address": _canonical_address(peer.get("address")),
        "address_family": peer.get("address_family"),
        "vpn_instance": peer.get("vpn_instance"),
        "group": peer.get("group"),
        "target": target.get("name") or target_label(target),
        "direction": direction,
        "state": peer.get("state"),
        "route_refresh": peer.get("route_refresh"),
        "keep_all_routes": peer.get("keep_all_routes"),
        "path": soft_reset_path(peer, direction) if direction else None,
    }


def _grouped_calls(entries, extra=None):
    """Module calls {address_family, vpn_instance, peers} grouped by scope, order kept."""
    calls, index = [], {}
    for entry in entries:
        key = (entry["address_family"], entry["vpn_instance"])
        if key not in index:
            index[key] = len(calls)
            calls.append(dict(extra or {}, address_family=key[0], vpn_instance=key[1], peers=[]))
        if entry["address"] not in calls[index[key]]["peers"]:
            calls[index[key]]["peers"].append(entry["address"])
    return calls


def _module_target(call, peers):
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


# ------------------------------------------------------------------------------------------ filters
def vrp_select(data, expression):
    """JMESPath over ``data``."""
    if not HAS_JMESPATH:
        raise AnsibleFilterError("netops.vrp.vrp_select needs the jmespath Python library on the controller")
    try:
        return jmespath.search(expression, data)
    except jmespath.exceptions.JMESPathError as exc:
        raise AnsibleFilterError("netops.vrp.vrp_select: bad JMESPath expression %r: %s" % (expression, exc))


def vrp_rollout_plan(facts, targets, changes=None, host=None, batch_size=5, allow_keep_all_routes=False,
                     allow_hard_reset=False, allow_selector_all=False):
    """Plan a policy rollout on one router: see vrp_rollout_plan.yml."""
    facts = _facts(facts)
    targets = _for_router(targets, host)
    config = "\n".join(to_native(c.get("config", "")).rstrip("\n")
                       for c in _for_router(changes, host) if c.get("config", "").strip())
    plan = {"config": config + "\n" if config else "", "change_names": [], "targets": [], "peers": [],
            "problems": [], "keep_all_routes": [], "soft_resets": [], "hard_resets": []}
    plan["change_names"] = [c.get("name") for c in _for_router(changes, host) if c.get("name")]
    soft_units = []  # (target, [peer entries]) in target order
    for target in targets:
        shape = _check_target(target, allow_selector_all)
        if shape:
            plan["problems"].extend(shape)
            continue
        direction = target["direction"]
        label = target.get("name") or target_label(target)
        selected, problems = resolve_target(facts, target)
        plan["problems"].extend(problems)
        entries = []
        for peer in selected:
            entry = _peer_entry(peer, target, direction)
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
            entries.append(entry)
        plan["targets"].append(dict(_scope(target), name=label, direction=direction,
                                    peers=[e["address"] for e in entries],
                                    max_prefix_loss=target.get("max_prefix_loss"),
                                    max_prefix_loss_pct=target.get("max_prefix_loss_pct"),
                                    max_prefix_gain=target.get("max_prefix_gain")))
        plan["peers"].extend(entries)
        soft = [e for e in entries if e["action"] in ("soft-reset", "keep-all-routes-first")]
        soft_units.append((target, entries, soft))

    plan["keep_all_routes"] = _grouped_calls([e for e in plan["peers"] if e["action"] == "keep-all-routes-first"])
    plan["hard_resets"] = _grouped_calls([e for e in plan["peers"] if e["action"] == "hard-reset"])
    for target, entries, soft in soft_units:
        if not soft:
            continue
        scope = _scope(target)
        direction = target["direction"]
        label = target.get("name") or target_label(target)
        prepared = set(e["address"] for e in soft if e["action"] == "keep-all-routes-first")
        # one bgp_soft_reset call per target, which sends its commands batch_size peers at a time
        call = dict(scope, direction=direction, target=label, after_preparation=bool(prepared),
                    label="%s (%d peers)" % (label, len(soft)))
        whole = len(soft) == len(entries) and len(soft) <= int(batch_size or 1)
        if whole and target.get("groups"):
            call["groups"] = list(target["groups"])
        elif whole and target.get("selector"):
            call["selector"] = target["selector"]
        else:
            call["peers"] = [e["address"] for e in soft]
        if prepared:
            # check mode does not enable keep-all-routes, so it can only soft reset the other peers
            call["check_mode_peers"] = [e["address"] for e in soft if e["address"] not in prepared]
        plan["soft_resets"].append(call)
    # the same calls as the ``targets`` of ONE bgp_soft_reset call (one settle for all), and for check
    # mode, where keep-all-routes was not enabled: only the peers that do not rely on it
    plan["soft_reset_targets"] = [_module_target(call, call.get("peers")) for call in plan["soft_resets"]]
    plan["soft_reset_targets_check"] = [
        _module_target(call, call["check_mode_peers"] if call["after_preparation"] else call.get("peers"))
        for call in plan["soft_resets"] if not call["after_preparation"] or call["check_mode_peers"]]
    families = sorted(set(t["address_family"] for t in plan["targets"]))
    plan["gather_subset"] = families or ["all"]
    plan["ok"] = not plan["problems"]
    return plan


def _count(peer, direction):
    if not peer:
        return None
    return peer.get("prefixes_advertised" if direction == "export" else "prefixes_received")


def _session_reset(before, after):
    """Why the session of ``before`` -> ``after`` is not the same Established session, or None."""
    if after is None:
        return "is gone"
    if after.get("state") != ESTABLISHED:
        return "is %s" % after.get("state")
    if before.get("up_count") is not None and after.get("up_count") is not None:
        if after["up_count"] != before["up_count"]:
            return "was re-established (up count %s -> %s)" % (before["up_count"], after["up_count"])
        return None
    # an unknown uptime (None: Up/Down ``****h48m``) is old, never evidence of a restart
    if after.get("uptime_seconds") is not None and before.get("uptime_seconds") is not None \
            and after["uptime_seconds"] < before["uptime_seconds"]:
        return "was re-established (uptime %ss -> %ss)" % (before.get("uptime_seconds"), after.get("uptime_seconds"))
    return None


def _paths_from_results(results):
    paths = {}
    for result in results or []:
        if not isinstance(result, dict) or result.get("skipped"):
            continue
        for peer in result.get("peers") or []:
            if peer.get("path"):
                paths[_key(peer)] = peer["path"]
    return paths


def _bound(target, name, default):
    value = target.get(name) if target else None
    if value is None:
        value = default
    return None if value in (None, "", -1) else int(value)


def vrp_rollout_verify(after, before, plan, soft_reset_results=None, max_prefix_loss=None,
                       max_prefix_loss_pct=None, max_prefix_gain=None, assertions=None):
    """Judge a rollout from facts before/after: see vrp_rollout_verify.yml."""
    before = _facts(before)
    after_facts = _facts(after) if after else None
    by_before = dict((_key(p), p) for p in before.get("peers") or [])
    by_after = dict((_key(p), p) for p in (after_facts or {}).get("peers") or [])
    targets = dict((t["name"], t) for t in plan.get("targets") or [])
    paths = _paths_from_results(soft_reset_results)
    hard = set((c["address_family"], c["vpn_instance"], a) for c in plan.get("hard_resets") or [] for a in c["peers"])
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
        if after_facts is None or row["delta"] is None:
            continue
        target = targets.get(entry["target"])
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
    sessions_reset = []
    if after_facts is not None:
        for key, old in sorted(by_before.items(), key=lambda kv: tuple(str(x) for x in kv[0])):
            if old.get("state") != ESTABLISHED or key in hard:
                continue
            why = _session_reset(old, by_after.get(key))
            if why:
                where = key[0] + (" " + key[1] if key[1] else "")
                sessions_reset.append({"address": key[2], "address_family": key[0], "vpn_instance": key[1],
                                       "reason": why})
                problems.append("session %s (%s) %s during the rollout" % (key[2], where, why))
        for assertion in assertions or []:
            query = assertion.get("query") if isinstance(assertion, dict) else assertion
            name = (assertion.get("name") if isinstance(assertion, dict) else None) or query
            value = vrp_select({"before": before, "after": after_facts, "peers": peers}, query)
            if isinstance(assertion, dict) and "expect" in assertion:
                passed = value == assertion["expect"]
            else:
                passed = bool(value)
            if not passed:
                problems.append("assertion failed: %s (got %r)" % (name, value))
    return {"ok": not problems, "problems": problems, "peers": peers, "sessions_reset": sessions_reset,
            "verified": after_facts is not None}


def vrp_readiness(facts, scopes=None, router_ids=None, host=None, methods=("route-refresh", "keep-all-routes")):
    """Soft-reset readiness audit of one router: see vrp_readiness.yml."""
    facts = _facts(facts)
    selected, problems = [], []
    if scopes:
        for scope in _for_router(scopes, host):
            shape = _check_target(scope, True, need_direction=False)
            if shape:
                problems.extend(shape)
                continue
            peers, missing = resolve_target(facts, scope)
            problems.extend(missing)
            selected.extend(peers)
    else:
        selected = list(facts.get("peers") or [])
    owners = dict((_canonical_address(v), k) for k, v in (router_ids or {}).items() if v)
    seen, rows = set(), []
    for peer in selected:
        if _key(peer) in seen:
            continue
        seen.add(_key(peer))
        rr = peer.get("route_refresh") or {}
        row = {"address": _canonical_address(peer.get("address")), "address_family": peer.get("address_family"),
               "vpn_instance": peer.get("vpn_instance"), "group": peer.get("group"), "state": peer.get("state"),
               "route_refresh_local": rr.get("local"), "route_refresh_peer": rr.get("peer"),
               "route_refresh_negotiated": rr.get("negotiated"), "keep_all_routes": bool(peer.get("keep_all_routes")),
               "path": soft_reset_path(peer, "import"), "remedy": readiness_remedy(peer),
               "remote_host": owners.get(_canonical_address(peer.get("address")))}
        if row["remedy"] == "route-refresh" and "route-refresh" not in methods and peer.get("state") == ESTABLISHED:
            row["remedy"] = "keep-all-routes"
        if row["remedy"] not in methods:
            row["remedy"] = None
        row["ready"] = row["path"] is not None
        rows.append(row)
    not_ready = [r for r in rows if not r["ready"]]
    return {
        "peers": rows,
        "problems": problems,
        "ready": len(rows) - len(not_ready),
        "not_ready": [r["address"] + " (" + r["address_family"] + (" " + r["vpn_instance"] if r["vpn_instance"] else "")
                      + ")" for r in not_ready],
        "unknown": [r["address"] for r in not_ready if r["remedy"] is None],
        "route_refresh": _grouped_calls([r for r in not_ready if r["remedy"] == "route-refresh"]),
        "keep_all_routes": _grouped_calls([r for r in not_ready if r["remedy"] == "keep-all-routes"]),
    }


def vrp_reset_plan(facts, targets, host=None, min_uptime=0):
    """Plan hard resets on one router: see vrp_reset_plan.yml."""
    facts = _facts(facts)
    plan = {"resets": [], "peers": [], "skipped": [], "problems": []}
    for target in _for_router(targets, host):
        label = target.get("name") or target_label(target)
        scope = _scope(target)
        if target.get("as_number"):
            shape = _value_problems(target, label) + ([] if not any(target.get(s) for s in SELECTORS) else [
                "target %s: as_number excludes peers, groups and selector" % label])
            family_peers = [p for p in facts.get("peers") or [] if p.get("address_family") == scope["address_family"]
                            and (p.get("vpn_instance") or None) == scope["vpn_instance"]]
            selected = [p for p in family_peers if same_as_number(p.get("remote_as"), target["as_number"])]
            missing = [] if selected or shape else ["target %s: no peers in AS %s" % (label, target["as_number"])]
        else:
            shape = _check_target(target, True, need_direction=False)
            selected, missing = ([], []) if shape else resolve_target(facts, target)
        if shape or missing:
            plan["problems"].extend(shape + missing)
            continue
        if target.get("slow_peer"):  # clears the slow-peer state; the session stays up
            call = dict(scope, slow_peer=True, target=label)
            if target.get("peers"):
                call["peers"] = [_canonical_address(a) for a in target["peers"]]
            plan["resets"].append(call)
            continue
        # unknown uptime (None: Up/Down ``****h48m``, more than 9999 h) counts as old, not young
        young = [p for p in selected if p.get("state") == ESTABLISHED and min_uptime
                 and p.get("uptime_seconds") is not None and p["uptime_seconds"] < min_uptime]
        due = [p for p in selected if p not in young]
        for peer in young:
            plan["skipped"].append({"address": _canonical_address(peer.get("address")), "target": label,
                                    "reason": "Established for %ss only (< %ss): already reset recently"
                                    % (peer.get("uptime_seconds"), min_uptime)})
        if not due:
            continue
        call = dict(scope, target=label)
        if len(due) == len(selected) and not target.get("peers"):
            for sel in ("groups", "selector", "as_number"):
                if target.get(sel):
                    call[sel] = target[sel]
        else:
            call["peers"] = [_canonical_address(p.get("address")) for p in due]
        plan["resets"].append(call)
        for peer in due:
            plan["peers"].append({"address": _canonical_address(peer.get("address")),
                                  "address_family": peer.get("address_family"),
                                  "vpn_instance": peer.get("vpn_instance"), "target": label,
                                  "state": peer.get("state"), "uptime_seconds": peer.get("uptime_seconds"),
                                  "up_count": peer.get("up_count")})
    plan["ok"] = not plan["problems"]
    return plan


class FilterModule(object):
    """netops.vrp selection filters."""

    def filters(self):
        return {
            "vrp_select": vrp_select,
            "vrp_rollout_plan": vrp_rollout_plan,
            "vrp_rollout_verify": vrp_rollout_verify,
            "vrp_readiness": vrp_readiness,
            "vrp_reset_plan": vrp_reset_plan,
        }
