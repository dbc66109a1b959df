# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the filters over BGP facts (the facts shape of docs/internals.md) share.

The filter files (``plugins/filter/<name>.py``) are thin; their logic is here and in ``rollout.py``,
``readiness.py`` and ``reset_plan.py`` beside this file, and the peers a target selects come from
``module_utils/selection.py``, the modules' own selection. A role *target* is an address family + VPN
instance + one of peers | groups | selector (| as_number for hard resets) [+ direction], optionally
``name`` and ``routers``. The filters only read data.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Any, List, Optional

from ansible.errors import AnsibleFilterError

from ansible_collections.netops.vrp.plugins.module_utils.argspec import ADDRESS_FAMILIES, DIRECTIONS, SELECTORS
from ansible_collections.netops.vrp.plugins.module_utils.parsers import ESTABLISHED
from ansible_collections.netops.vrp.plugins.module_utils.selection import peer_key

# one home for the VRP value rules: a target's names and AS number are checked by the modules' rules
from ansible_collections.netops.vrp.plugins.module_utils.validate import (
    ValidationError,
    validate_as_number,
    validate_group_name,
    validate_vpn_instance,
)

try:
    import jmespath
    HAS_JMESPATH = True
except ImportError:  # pragma: no cover - reported when the filter is used
    HAS_JMESPATH = False

TARGET_SELECTORS = ("peers", "groups", "selector")


def jmespath_search(data: Any, expression: str) -> Any:
    """JMESPath over ``data`` (the vrp_select filter, and the rollout's assertions)."""
    if not HAS_JMESPATH:
        raise AnsibleFilterError("netops.vrp.vrp_select needs the jmespath Python library on the controller")
    try:
        return jmespath.search(expression, data)
    except jmespath.exceptions.JMESPathError as exc:
        raise AnsibleFilterError("netops.vrp.vrp_select: bad JMESPath expression %r: %s" % (expression, exc)) from exc


def bgp_facts(data: Any) -> dict:
    """The facts from the facts themselves, a bgp_facts result, or ansible_facts."""
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


def for_router(items: Optional[List[dict]], host: Optional[str]) -> List[dict]:
    """Items without ``routers``, or whose ``routers`` names ``host`` (every item when ``host`` is None)."""
    out = []
    for item in items or []:
        routers = item.get("routers") if isinstance(item, dict) else None
        if not routers or host is None or host in routers:
            out.append(item)
    return out


def target_label(target: dict) -> str:
    """A target's ``name``, else a short label, e.g. ``vpn-instance vpna peers 172.16.1.2 import``."""
    if target.get("name"):
        return target["name"]
    parts = [target.get("address_family") or "ipv4"]
    if target.get("vpn_instance"):
        parts.append(target["vpn_instance"])
    for sel in TARGET_SELECTORS + ("as_number",):
        value = target.get(sel)
        if value:
            name = "as" if sel == "as_number" else sel
            parts.append("%s %s" % (name, ",".join(value) if isinstance(value, list) else value))
    if target.get("direction"):
        parts.append(target["direction"])
    return " ".join(parts)


def scope_of(target: dict) -> dict:
    """``{address_family, vpn_instance}`` of a target (the VPN instance only with ``vpn-instance``)."""
    family = target.get("address_family") or "ipv4"
    return {"address_family": family,
            "vpn_instance": target.get("vpn_instance") if family == "vpn-instance" else None}


def value_problems(target: dict) -> List[str]:
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
            problems.append("target %s: invalid %s" % (target_label(target), exc))
    return problems


def target_problems(target: dict, allow_selector_all: bool, need_direction: bool = True) -> List[str]:
    """What is wrong with the shape and values of one target (empty: it can be resolved)."""
    label = target_label(target)
    problems = value_problems(target)
    family = target.get("address_family") or "ipv4"
    if family not in ADDRESS_FAMILIES:
        problems.append("target %s: address_family must be one of %s" % (label, ", ".join(ADDRESS_FAMILIES)))
    if family == "vpn-instance" and not target.get("vpn_instance"):
        problems.append("target %s: vpn_instance is required with address_family vpn-instance" % label)
    if len([s for s in TARGET_SELECTORS if target.get(s)]) != 1:
        problems.append("target %s: give exactly one of peers, groups, selector" % label)
    selector = target.get("selector")
    if selector and selector not in SELECTORS:
        problems.append("target %s: selector must be all, external or internal" % label)
    if selector == "all" and not allow_selector_all:
        problems.append("target %s: selector all touches every session of the family; list peers or "
                        "groups, or allow it explicitly" % label)
    if need_direction and target.get("direction") not in DIRECTIONS:
        problems.append("target %s: direction must be import or export" % label)
    return problems


def grouped_calls(entries: List[dict], extra: Optional[dict] = None) -> List[dict]:
    """Module calls ``{address_family, vpn_instance, peers}`` (+ ``extra``) grouped by scope, order kept."""
    calls, index = [], {}
    for entry in entries:
        key = (entry["address_family"], entry["vpn_instance"])
        if key not in index:
            index[key] = len(calls)
            calls.append(dict(extra or {}, address_family=key[0], vpn_instance=key[1], peers=[]))
        if entry["address"] not in calls[index[key]]["peers"]:
            calls[index[key]]["peers"].append(entry["address"])
    return calls


def session_reset(before: dict, after: Optional[dict]) -> Optional[str]:
    """Why the session of facts entry ``before`` -> ``after`` is not the same Established session, or None."""
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


def sessions_reset(before: dict, after: dict, expected=()) -> List[dict]:
    """The entries Established in facts ``before`` that are not the same Established session in facts
    ``after`` (``{address, address_family, vpn_instance, reason}``), leaving out the ``expected`` keys."""
    by_before = dict((peer_key(p), p) for p in before.get("peers") or [])
    by_after = dict((peer_key(p), p) for p in after.get("peers") or [])
    out = []
    for key, old in sorted(by_before.items(), key=lambda kv: tuple(str(x) for x in kv[0])):
        if old.get("state") != ESTABLISHED or key in expected:
            continue
        why = session_reset(old, by_after.get(key))
        if why:
            out.append({"address": key[2], "address_family": key[0], "vpn_instance": key[1], "reason": why})
    return out
