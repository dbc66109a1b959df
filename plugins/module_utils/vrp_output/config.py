# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers of configuration text: the indented tree of ``display current-configuration``, the bgp block,
and the per-peer settings VRP derives from it (group inheritance, defaults)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from dataclasses import dataclass, field
from typing import List

from ansible_collections.netops.vrp.plugins.module_utils.vrp_output.values import (
    AS as _AS,
)
from ansible_collections.netops.vrp.plugins.module_utils.vrp_output.values import (
    as_number_to_int,
    canonical_address,
    is_address,
)

# --- display current-configuration ------------------------------------------------------------------


@dataclass
class ConfigNode:
    """One configuration line and the lines indented under it."""

    line: str
    indent: int = 0
    children: List["ConfigNode"] = field(default_factory=list)

    def find(self, pattern: str) -> List["ConfigNode"]:
        """Children whose line matches the regex ``pattern`` (anchored at the start)."""
        regex = re.compile(pattern)
        return [child for child in self.children if regex.match(child.line)]


# Newer NE40E releases print the time first on every display: "2024-06-08 13:04:22.667 +03:00" [netdis]
_DISPLAY_TIMESTAMP = re.compile(r"\A\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?(?: ?[+-]\d{2}:?\d{2})?[ \t]*(?:\r?\n|\Z)")


def strip_display_timestamp(output: str) -> str:
    """``output`` without the timestamp first line of newer releases (VrpCli.display applies it to all)."""
    return _DISPLAY_TIMESTAMP.sub("", output or "", count=1)


def parse_config_tree(text: str) -> List[ConfigNode]:
    """VRP configuration text -> list of top-level ConfigNode, hierarchy from indentation.

    ``#`` separators (at any depth), ``return``, ``!`` comment lines, blank lines and the display
    timestamp line carry no configuration and are dropped. Lines keep their text without indentation.
    """
    roots = []
    stack = []  # (indent, node)
    for raw in text.splitlines():
        if not raw.strip():
            continue
        stripped = raw.strip()
        indent = len(raw) - len(raw.lstrip(" "))
        if stripped == "#" or stripped.startswith("!") or (indent == 0 and stripped == "return") or \
                (indent == 0 and _DISPLAY_TIMESTAMP.match(raw)):
            continue
        node = ConfigNode(stripped, indent)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if stack:
            stack[-1][1].children.append(node)
        else:
            roots.append(node)
        stack.append((indent, node))
    return roots


_BGP_VIEW = re.compile(r"^bgp\s+(" + _AS + r")\s*$")
_AF_VIEWS = [
    (re.compile(r"^ipv4-family\s+unicast$"), "ipv4"),
    (re.compile(r"^ipv4-family\s+vpnv4(?:\s+unicast)?$"), "vpnv4"),
    (re.compile(r"^ipv6-family(?:\s+unicast)?$"), "ipv6"),
    (re.compile(r"^ipv4-family\s+vpn-instance\s+(\S+)$"), "vpn-instance"),
]
_PEER_LINE = re.compile(r"^(?P<undo>undo\s+)?peer\s+(?P<target>\S+)\s+(?P<rest>.+)$")
_GROUP_LINE = re.compile(r"^group\s+(\S+)(?:\s+(internal|external))?$")


def _family_settings():
    return {"enabled": None, "group": None, "keep_all_routes": None, "import_policy": None, "export_policy": None}


def _new_peer(address, vpn_instance):
    return {"address": address, "vpn_instance": vpn_instance, "remote_as": None, "group": None,
            "route_refresh": None, "description": None, "families": {}}


def _new_group(name, vpn_instance, kind="internal"):
    return {"name": name, "vpn_instance": vpn_instance, "type": kind, "remote_as": None,
            "route_refresh": None, "families": {}}


class _BgpConfigReader:
    """Collects the bgp block's statements into peer / group records (see parse_bgp_config)."""

    def __init__(self):
        self.cfg = {"local_as": None, "router_id": None, "keep_all_routes": False, "families": [],
                    "vpn_instances": [], "peers": [], "groups": []}
        self._records = {}

    def record(self, kind, name, vrf):
        """The peer (``kind`` peers) or group (groups) record of ``name`` in ``vrf``, created on first use."""
        key = (kind, vrf, name)
        if key not in self._records:
            self._records[key] = (_new_peer if kind == "peers" else _new_group)(name, vrf)
            self.cfg[kind].append(self._records[key])
        return self._records[key]

    def statement(self, line, af, vrf, session_view):
        """One line of the bgp view (af ipv4, session_view True), an AF view, or a vpn-instance view
        (which is both: sessions are defined there)."""
        if session_view and vrf is None and line.startswith("router-id "):
            self.cfg["router_id"] = line.split()[1]
            return
        if line == "keep-all-routes" and vrf is None and af == "ipv4" and session_view:
            self.cfg["keep_all_routes"] = True
            return
        if line.startswith("group"):       # cheap gates: most lines of a bgp view are neither
            m = _GROUP_LINE.match(line)
            if m:
                self.record("groups", m.group(1), vrf)["type"] = m.group(2) or "internal"
                return
        m = _PEER_LINE.match(line) if line.startswith(("peer", "undo")) else None
        if not m:
            return
        undo, target, rest = bool(m.group("undo")), m.group("target"), m.group("rest")
        if is_address(target):
            record = self.record("peers", canonical_address(target), vrf)
        else:
            record = self.record("groups", target, vrf)
        fam = record["families"].setdefault(af, _family_settings())
        words = rest.split()
        if words[0] == "as-number" and len(words) == 2 and not undo:
            record["remote_as"] = words[1]
        elif words[0] == "group" and len(words) == 2 and not undo:
            fam["group"] = words[1]
            if session_view:
                record["group"] = words[1]
        elif rest == "capability-advertise route-refresh":
            if session_view:
                record["route_refresh"] = not undo
        elif words[0] == "enable" and len(words) == 1:
            fam["enabled"] = not undo
        elif rest == "keep-all-routes":
            fam["keep_all_routes"] = not undo
        elif words[0] == "route-policy" and len(words) == 3 and words[2] in ("import", "export") and not undo:
            fam[words[2] + "_policy"] = words[1]
        elif words[0] == "description" and not undo:
            record["description"] = rest[len("description"):].strip()


def parse_bgp_config(text: str) -> dict:
    """Read the bgp block of ``display current-configuration [configuration bgp]``.

    Returns a dict (all keys always present)::

        local_as:        "65000" | None (no bgp block)
        router_id:       str | None
        keep_all_routes: bool            global ``keep-all-routes`` in the bgp view
        families:        ["ipv4", "vpnv4", "ipv6", ...]   address-family views present ("ipv4" always)
        vpn_instances:   ["vpna", ...]   ``ipv4-family vpn-instance X`` views, in order
        peers:  [{address, vpn_instance, remote_as, group, route_refresh, description, families}]
        groups: [{name, vpn_instance, type, remote_as, route_refresh, families}]

    ``route_refresh`` is None when not configured (VRP default: on), False for ``undo peer X
    capability-advertise route-refresh``. ``families`` maps ipv4 | ipv6 | vpnv4 | vpn-instance to
    ``{enabled, group, keep_all_routes, import_policy, export_policy}`` with None for "not configured".
    Per-peer lines typed in the bgp view itself (keep-all-routes, route-policy) belong to IPv4 unicast.
    Use ``effective_peer_settings`` for the values after group inheritance and defaults.
    """
    reader = _BgpConfigReader()
    cfg = reader.cfg
    roots = parse_config_tree(text)
    bgp = next((node for node in roots if _BGP_VIEW.match(node.line)), None)
    if bgp is None:
        return cfg
    cfg["local_as"] = _BGP_VIEW.match(bgp.line).group(1)
    cfg["families"].append("ipv4")
    for node in bgp.children:
        view = None
        for regex, af in (_AF_VIEWS if node.line.startswith("ipv") else ()):
            m = regex.match(node.line)
            if m:
                view = (af, m.group(1) if af == "vpn-instance" else None)
                break
        if view is None:
            reader.statement(node.line, "ipv4", None, session_view=True)
            continue
        af, vrf = view
        if af == "vpn-instance":
            cfg["vpn_instances"].append(vrf)
            if "vpn-instance" not in cfg["families"]:
                cfg["families"].append("vpn-instance")
        elif af not in cfg["families"]:
            cfg["families"].append(af)
        for child in node.children:
            reader.statement(child.line, af, vrf, session_view=(af == "vpn-instance"))
    return cfg


def _first(*values):
    return next((value for value in values if value is not None), None)


def effective_peer_settings(cfg: dict) -> List[dict]:
    """Flatten parse_bgp_config output to one record per (address_family, vpn_instance, address).

    Applies VRP's rules: group AS / policies / keep-all-routes / route-refresh are inherited unless the
    peer sets its own; route-refresh defaults on; the global ``keep-all-routes`` applies to every peer;
    an IPv4 peer of the bgp view is enabled in IPv4 unicast unless ``undo peer X enable``; other families
    need ``peer X enable`` (on the peer or its group). Records: ``{address, address_family,
    vpn_instance, remote_as, type (internal|external), group, route_refresh, keep_all_routes,
    import_policy, export_policy, enabled}``.
    """
    groups = {(g["vpn_instance"], g["name"]): g for g in cfg["groups"]}
    local_as = cfg["local_as"]
    records = []
    for peer in cfg["peers"]:
        vrf = peer["vpn_instance"]
        if vrf is not None:
            families = ["vpn-instance"]
        else:
            families = [af for af in cfg["families"] if af != "vpn-instance"]
        for af in families:
            fam = peer["families"].get(af, _family_settings())
            group_name = _first(fam["group"], peer["group"])
            group = groups.get((vrf, group_name)) if group_name else None
            gfam = group["families"].get(af, _family_settings()) if group else _family_settings()
            enabled = _first(fam["enabled"], gfam["enabled"])
            if enabled is None:
                enabled = (af == "vpn-instance") or (af == "ipv4" and ":" not in peer["address"])
            remote_as = _first(peer["remote_as"], group["remote_as"] if group else None)
            if remote_as is None and group and group["type"] == "internal":
                remote_as = local_as
            if remote_as is not None and local_as is not None:
                kind = "internal" if as_number_to_int(remote_as) == as_number_to_int(local_as) else "external"
            else:
                kind = group["type"] if group else None
            route_refresh = _first(peer["route_refresh"], group["route_refresh"] if group else None, True)
            keep = _first(fam["keep_all_routes"], gfam["keep_all_routes"], False) or cfg["keep_all_routes"]
            records.append({
                "address": peer["address"], "address_family": af, "vpn_instance": vrf,
                "remote_as": remote_as, "type": kind, "group": group_name,
                "route_refresh": route_refresh, "keep_all_routes": bool(keep),
                "import_policy": _first(fam["import_policy"], gfam["import_policy"]),
                "export_policy": _first(fam["export_policy"], gfam["export_policy"]),
                "enabled": bool(enabled),
            })
    return records
