# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""BGP facts: read a router through a ``VrpCli`` and return the facts shape of docs/internals.md.

This runs on every task's hot path (facts, pre-checks, verification), so it sends few displays:

1. ``display current-configuration configuration bgp`` (always) — local AS, router ID, which address
   families / VPN instances exist, groups, and per peer: group, AS, keep-all-routes, route-refresh
   ``undo``, import/export route-policy (with group inheritance). No later display is sent for a
   family that is not configured, and none at all when BGP is not configured.
2. One brief table per family wanted: ``display bgp peer`` (ipv4), ``display bgp ipv6 peer`` (ipv6),
   ``display bgp vpnv4 all peer`` (vpnv4, and the VPN-instance sections it contains) — state, up/down
   time, remote AS, received prefixes. A VPN instance with configured peers but no section in that
   output (or when vpnv4 is not wanted) gets ``display bgp vpnv4 vpn-instance X peer``.
3. With ``verbose``: one verbose display per family / VPN instance without an address
   (``display bgp peer verbose`` ...), which prints every peer's block — negotiated route-refresh,
   Up count, advertised routes, Refresh message counters. If the router refuses the bulk form
   (``Error:``), it falls back to ``display bgp ... peer ADDR verbose`` per peer.

So a router with IPv4 + VPNv4 + VRFs costs 3 displays without verbose, 5+ with.

This is also the one router-read layer every BGP module reads through: ``BgpReader`` (one read, each display
sent once), ``read_peer_table`` / ``read_session_states`` (brief tables), ``read_peer_verbose`` (verbose blocks,
the one per-peer limit ``PER_PEER_VERBOSE_MAX``) and ``read_facts``.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Dict, List, Optional, Tuple

from ansible_collections.netops.vrp.plugins.module_utils.argspec import ADDRESS_FAMILIES, GATHER_SUBSETS
from ansible_collections.netops.vrp.plugins.module_utils.cli import OperationFailed
from ansible_collections.netops.vrp.plugins.module_utils.parsers import (
    ESTABLISHED,
    canonical_address,
    effective_peer_settings,
    parse_bgp_config,
    parse_peer_brief,
    parse_peer_verbose,
    parse_peer_verbose_all,
)
from ansible_collections.netops.vrp.plugins.module_utils.scope import (
    DISPLAY_BGP_CONFIG,
    Scope,
    display_peer_brief,
    display_peer_verbose,
)
from ansible_collections.netops.vrp.plugins.module_utils.selection import config_problem
from ansible_collections.netops.vrp.plugins.module_utils.transport import VrpCommandError
from ansible_collections.netops.vrp.plugins.module_utils.validate import (
    ValidationError,
    same_as_number,
    validate_vpn_instance,
)

PEER_FAMILIES = tuple(ADDRESS_FAMILIES)
SUBSETS = tuple(GATHER_SUBSETS)
# Up to this many targeted peers of a family are read with per-peer verbose displays, more with the family's one
# bulk display. 3, not 4: at 4 peers the bulk display is one round trip instead of four (bounded transfer vs round
# trips), so no caller's command count grows.
PER_PEER_VERBOSE_MAX = 3


def _normalise_subset(subset):
    """-> (peer families wanted, groups wanted: None or the families whose groups to list)."""
    if isinstance(subset, str):
        subset = [subset]
    subset = list(subset or ["all"])
    for item in subset:
        if item not in SUBSETS:
            raise ValidationError("gather_subset", "unknown subset %r (choose from %s)"
                                  % (item, ", ".join(SUBSETS)))
    if "all" in subset:
        return list(PEER_FAMILIES), list(PEER_FAMILIES)
    families = [af for af in PEER_FAMILIES if af in subset]
    # groups come from the configuration (no extra display): always for the families asked for,
    # and for every family when "groups" is asked for explicitly
    return families, list(PEER_FAMILIES) if "groups" in subset else families


# --- the one router-read layer ---------------------------------------------------------------------------------

class BgpReader:
    """One read of the router: each display command goes out once and its output is kept, so a display asked for
    again within the read (the configuration, parsed for the facts and again for the plan; one family's table for
    two targets) is served from the copy. ``commands``: the displays sent. A re-read (a poll) is a new reader."""

    def __init__(self, cli):
        self.cli = cli
        self.outputs = {}
        self.commands = []
        self._config = None

    def display(self, command: str) -> str:
        if command not in self.outputs:
            self.outputs[command] = self.cli.display(command)
            self.commands.append(command)
        return self.outputs[command]

    def config(self) -> dict:
        """``parse_bgp_config`` of ``display current-configuration configuration bgp`` (read and parsed once)."""
        if self._config is None:
            self._config = parse_bgp_config(self.display(DISPLAY_BGP_CONFIG))
        return self._config


def read_peer_table(cli, address_family: str, vpn_instance: Optional[str] = None) -> Dict[str, dict]:
    """Brief table of one family -> ``{address: row}`` (VPN-instance sections of the vpnv4 table, and other
    instances, left out). ``cli``: anything with ``display(cmd) -> str`` (a VrpCli, a BgpReader)."""
    brief = parse_peer_brief(cli.display(display_peer_brief(address_family, vpn_instance)))
    rows = {}
    for row in brief["peers"]:
        if row["vpn_instance"] not in ((None, vpn_instance) if address_family == "vpn-instance" else (None,)):
            continue
        rows[row["address"]] = row
    return rows


def read_session_states(cli, families: List[str], vrf: Optional[str]) -> Dict[tuple, dict]:
    """One brief table per family -> ``{(vpn_instance, address): row}`` (the first family showing a session wins)."""
    rows = {}
    for af in families:
        view_vrf = vrf if af == "vpn-instance" else None
        for address, row in read_peer_table(cli, af, view_vrf).items():
            rows.setdefault((view_vrf, address), row)
    return rows


def read_peer_verbose(cli, address_family: str, vpn_instance: Optional[str], addresses,
                      per_peer_max: int = PER_PEER_VERBOSE_MAX) -> Dict[str, dict]:
    """Verbose blocks of ``addresses`` -> ``{address: block}``: per-peer displays for at most ``per_peer_max``
    peers (0: always the bulk form), else the family's one bulk display; per-peer again when the router refuses
    the bulk form or it shows none of them."""
    addresses = list(addresses)
    if len(addresses) > per_peer_max:
        try:
            blocks = parse_peer_verbose_all(cli.display(display_peer_verbose(address_family, vpn_instance)))
        except VrpCommandError:
            blocks = []
        # "vpnv4 all peer verbose" may also print VPN-instance peers under their own heading
        found = {b["address"]: b for b in blocks
                 if b["address"] in addresses and (address_family != "vpnv4" or b["vpn_instance"] is None)}
        if found or not addresses:
            return found
    found = {}
    for address in addresses:
        block = parse_peer_verbose(cli.display(display_peer_verbose(address_family, vpn_instance, address)))
        if block is not None:
            found[address] = block
    return found


def read_facts(cli, families, vpn_instance: Optional[str] = None, verbose: bool = True) -> Tuple[dict, dict, list]:
    """``gather_bgp_facts`` for ``families`` through one ``BgpReader`` (``cli`` may already be one, shared by
    several reads). Returns ``(facts, parsed configuration, displays sent)``."""
    reader = cli if isinstance(cli, BgpReader) else BgpReader(cli)
    facts = gather_bgp_facts(reader, subset=list(families),
                             vpn_instances=[vpn_instance] if vpn_instance else None, verbose=verbose)
    return facts, reader.config(), reader.commands


def _peer_fact(row, af, vrf, setting, block, local_as):
    """One entry of ``peers`` (facts shape in docs/internals.md)."""
    setting = setting or {}
    state = row["state"]
    established = state == ESTABLISHED
    local_rr = setting.get("route_refresh", True)
    if block is None:
        peer_rr = None
        negotiated = False if not established or local_rr is False else None
    else:
        # the peer's capability is only known from an OPEN of the current session
        peer_rr = bool(block["peer_route_refresh"]) if established else None
        negotiated = bool(established and local_rr and block["peer_route_refresh"])
    remote_as = row["remote_as"] or setting.get("remote_as")
    kind = (block or {}).get("type") or setting.get("type")
    if kind is None and remote_as and local_as:
        kind = "internal" if same_as_number(remote_as, local_as) else "external"
    return {
        "address": row["address"],
        "address_family": af,
        "vpn_instance": vrf,
        "remote_as": remote_as,
        "type": kind,
        "group": setting.get("group") or (block or {}).get("group"),
        "state": state,
        "up_down": row["up_down"],
        "uptime_seconds": (row["up_down_seconds"] or 0) if established else 0,
        "up_count": (block or {}).get("up_count"),
        "prefixes_received": row["prefixes_received"],
        "prefixes_advertised": (block or {}).get("advertised_total_routes"),
        "route_refresh": {"local": local_rr, "peer": peer_rr, "negotiated": negotiated},
        "keep_all_routes": bool(setting.get("keep_all_routes", False)),
        "import_policy": setting.get("import_policy") or (block or {}).get("import_policy"),
        "export_policy": setting.get("export_policy") or (block or {}).get("export_policy"),
        "refresh_sent": (block or {}).get("refresh_sent"),
        "refresh_received": (block or {}).get("refresh_received"),
    }


def _groups_facts(cfg, settings, families, vrfs):
    """``groups`` from the configuration: one entry per (group, address family it is used in)."""
    out = []
    for group in cfg["groups"]:
        vrf = group["vpn_instance"]
        if vrf is not None:
            candidate_afs = ["vpn-instance"] if vrf in vrfs else []
        else:
            candidate_afs = [af for af in cfg["families"] if af != "vpn-instance"]
        for af in candidate_afs:
            if af not in families:
                continue
            members = sorted({s["address"] for s in settings
                              if s["address_family"] == af and s["vpn_instance"] == vrf
                              and s["group"] == group["name"] and s["enabled"]})
            fam = group["families"].get(af, {})
            used = members or fam.get("enabled") or af in ("ipv4", "vpn-instance")
            if not used:
                continue
            remote_as = group["remote_as"]
            if remote_as is None and group["type"] == "internal":
                remote_as = cfg["local_as"]
            out.append({"name": group["name"], "address_family": af, "vpn_instance": vrf,
                        "type": group["type"], "remote_as": remote_as, "members": members})
    return out


def gather_bgp_facts(cli, subset=PEER_FAMILIES, vpn_instances: Optional[List[str]] = None, verbose: bool = True,
                     verbose_peers=None) -> dict:
    """Gather BGP facts through ``cli`` (a VrpCli, or the BgpReader of a read it is part of).

    ``subset``: any of ipv4, ipv6, vpnv4, vpn-instance, groups, all (the ``gather_subset`` argument).
    ``vpn_instances``: limit the vpn-instance peers and groups to these instances.
    ``verbose``: read verbose peer displays; without them ``route_refresh.peer``/``negotiated``
    (negotiated stays False for non-Established peers or local ``undo``), ``up_count``,
    ``prefixes_advertised`` and the refresh counters are None.
    ``verbose_peers``: a collection of peer addresses; when given it replaces ``verbose``: verbose
    blocks are read only for those of them that are Established (per peer ``display bgp ... peer ADDR
    verbose`` when at most ``PER_PEER_VERBOSE_MAX`` of them are in a family, else the bulk form), none
    when it is empty.
    Config modules use it to learn negotiated route-refresh of just the peers they target.

    Returns ``{local_as, router_id, peers, groups}`` (docs/internals.md "Facts shape"). Addresses
    are canonical (IPv6 compressed lower-case). ``uptime_seconds`` is 0 unless Established.
    Raises VrpError subclasses from the CLI, ValidationError for bad arguments.
    """
    families, group_families = _normalise_subset(subset)
    if vpn_instances is not None:
        vpn_instances = [validate_vpn_instance(v, "vpn_instances") for v in vpn_instances]
    reader = cli if isinstance(cli, BgpReader) else BgpReader(cli)
    cfg = reader.config()
    facts = {"local_as": cfg["local_as"], "router_id": cfg["router_id"], "peers": [], "groups": []}
    if cfg["local_as"] is None:
        return facts  # BGP not configured: nothing else to read

    settings = effective_peer_settings(cfg)
    by_key = {(s["address_family"], s["vpn_instance"], s["address"]): s for s in settings}
    vrfs = [v for v in cfg["vpn_instances"] if vpn_instances is None or v in vpn_instances]

    tables = []  # (af, vrf, [brief rows])
    router_id = None
    for af in ("ipv4", "ipv6"):
        if af in families and af in cfg["families"]:
            brief = parse_peer_brief(reader.display(display_peer_brief(af)))
            router_id = router_id or brief["router_id"]
            tables.append((af, None, brief["peers"]))
    vrf_rows = {}
    if "vpnv4" in families and "vpnv4" in cfg["families"]:
        brief = parse_peer_brief(reader.display(display_peer_brief("vpnv4")))
        router_id = router_id or brief["router_id"]
        tables.append(("vpnv4", None, [r for r in brief["peers"] if r["vpn_instance"] is None]))
        for row in brief["peers"]:
            if row["vpn_instance"] is not None and row["vpn_family"] in (None, "ipv4"):
                vrf_rows.setdefault(row["vpn_instance"], []).append(row)
    if "vpn-instance" in families:
        for vrf in vrfs:
            rows = vrf_rows.get(vrf)
            has_peers = any(s["vpn_instance"] == vrf for s in settings)
            if rows is None and has_peers:
                brief = parse_peer_brief(reader.display(display_peer_brief("vpn-instance", vrf)))
                rows = [dict(r, vpn_instance=vrf) for r in brief["peers"]]
            if rows:
                tables.append(("vpn-instance", vrf, rows))

    wanted_verbose = None if verbose_peers is None else {canonical_address(a) for a in verbose_peers}
    for af, vrf, rows in tables:
        blocks = {}
        if wanted_verbose is not None:
            # only an Established session has an OPEN to read the peer's capabilities from
            addresses = [r["address"] for r in rows if r["address"] in wanted_verbose and r["state"] == ESTABLISHED]
            if addresses:
                blocks = read_peer_verbose(reader, af, vrf, addresses)
        elif verbose and rows:
            blocks = read_peer_verbose(reader, af, vrf, [r["address"] for r in rows], per_peer_max=0)
        for row in rows:
            setting = by_key.get((af, vrf, row["address"]))
            facts["peers"].append(_peer_fact(row, af, vrf, setting, blocks.get(row["address"]),
                                             cfg["local_as"]))

    facts["router_id"] = cfg["router_id"] or router_id
    if group_families:
        facts["groups"] = _groups_facts(cfg, settings, group_families, vrfs)
    return facts


def gather_bgp_facts_with_commands(cli, **kwargs) -> Tuple[dict, List[str]]:
    """The ``bgp_facts`` module's read: gather_bgp_facts and the displays sent. A name in ``vpn_instances`` without a
    BGP view fails (step ``vpn_instances``), as in every module: an empty answer would let an ``assert`` pass."""
    reader = BgpReader(cli)
    scopes = [Scope("vpn-instance", validate_vpn_instance(name, "vpn_instances"), "all")
              for name in kwargs.get("vpn_instances") or []]
    problems = list(dict.fromkeys(filter(None, (config_problem(reader.config(), scope) for scope in scopes))))
    if problems:
        raise OperationFailed("vpn_instances", "; ".join(problems), {"commands": reader.commands})
    return gather_bgp_facts(reader, **kwargs), reader.commands
