# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""BGP hard reset (``reset bgp``): plan, send, wait.

``run_reset(cli, params, check_mode)``
  0. the command forms against the router's release (``release.py``), before anything is read;
  1. one cheap facts read (no verbose) of the families whose sessions the command can drop;
  2. plan: the selected peers plus every other address-family entry sharing one of their sessions
     (one TCP session carries IPv4 + VPNv4 with a PE, so both go down);
  3. send (the ``[Y/N]`` question some releases ask is answered ``Y`` by ``VrpCli.operational``);
  4. wait (``wait_for_sessions``): brief displays about once a second until every session that was
     Established is Established again with a restarted Up/Down time, or ``wait_timeout``.

Sending is shared with the soft reset (``bgp_operations.py``), reading with every BGP module
(``bgp_facts.py``), peer selection with every module and filter (``selection.py``).
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time
from typing import Optional

from ansible_collections.netops.vrp.plugins.module_utils.bgp_facts import read_facts, read_session_states
from ansible_collections.netops.vrp.plugins.module_utils.bgp_operations import (
    PUBLIC_FAMILIES,
    _read_back_failed,
    check_release,
    send_operational,
)
from ansible_collections.netops.vrp.plugins.module_utils.cli import OperationFailed
from ansible_collections.netops.vrp.plugins.module_utils.parsers import ESTABLISHED
from ansible_collections.netops.vrp.plugins.module_utils.scope import render_reset, scopes_from_params
from ansible_collections.netops.vrp.plugins.module_utils.selection import (
    dedupe_peers,
    family_label,
    peer_key,
    select_scope_peers,
)
from ansible_collections.netops.vrp.plugins.module_utils.transport import VrpError

# bgp_reset polls: first look soon, then about once a second.
RESET_FIRST_POLL = 0.5
RESET_POLL_INTERVAL = 1.0
# A session seen Established with an uptime that kept counting is only called "not reset" after this
# long: a real router may still show the old session for a moment after the command returns.
NOT_RESET_GRACE = 5.0
# Up/Down is displayed in whole seconds.
UPTIME_SLACK = 1.0


def _reset_families(scope):
    """Families whose sessions a ``reset bgp`` form can drop (and so must be read before)."""
    if scope.address_family == "vpn-instance":
        return ["vpn-instance"]
    return list(PUBLIC_FAMILIES)


def select_reset_peers(facts: dict, cfg: dict, scope, slow_peer: bool = False) -> tuple:
    """-> ``(selected, affected)`` facts entries for one ``reset bgp`` command.

    ``selected``: what the selector picks. Public forms without an address-family keyword
    (``reset bgp GROUP|AS|external|internal``) pick among the public sessions of every family
    (UNVERIFIED on NE40E; vrpsim does the same); ``reset bgp ipv4 all`` / ``vpnv4 ...`` / ``ipv6 ...``
    / ``vpn-instance V ipv4-family ...`` pick in their family. ``affected``: ``selected`` plus every
    other family's entry of the same session (vrf, address), since the TCP session goes down as a
    whole. Slow-peer resets drop nothing: affected is ``selected``.
    """
    pool = None
    if scope.address_family == "ipv4" and scope.selector in ("group", "external", "internal", "as"):
        pool = [p for p in facts["peers"] if p["vpn_instance"] is None and p["address_family"] != "vpn-instance"]
    selected, problem = select_scope_peers(facts, cfg, scope, pool)
    if problem:
        raise OperationFailed("pre-check", problem)
    selected = dedupe_peers(selected)
    if slow_peer:
        return selected, selected
    sessions = {(p["vpn_instance"], p["address"]) for p in selected}
    affected = [p for p in facts["peers"] if (p["vpn_instance"], p["address"]) in sessions]
    return selected, dedupe_peers(affected)


def plan_reset(facts: dict, cfg: dict, scopes: list, slow_peer: bool = False) -> dict:
    """-> ``{"commands": [...], "peers": [entry...]}`` (entries: the sessions' facts before)."""
    commands, selected, affected = [], [], []
    for scope in scopes:
        commands.append(render_reset(scope, slow_peer=slow_peer))
        sel, aff = select_reset_peers(facts, cfg, scope, slow_peer)
        selected.extend(sel)
        affected.extend(aff)
    chosen = {peer_key(p) for p in selected}
    entries = []
    for peer in dedupe_peers(affected):
        entries.append({
            "address": peer["address"], "address_family": peer["address_family"],
            "vpn_instance": peer["vpn_instance"], "group": peer["group"], "type": peer["type"],
            "remote_as": peer["remote_as"], "selected": peer_key(peer) in chosen,
            "state_before": peer["state"], "uptime_before": peer["uptime_seconds"],
        })
    return {"commands": commands, "peers": entries}


def classify_session(before_uptime: Optional[float], row: Optional[dict], since_reset: float) -> str:
    """One session at one poll after the reset: ``recovered`` | ``not_reset`` | ``down``.

    recovered: Established with an Up/Down time no older than the reset (restarted).
    not_reset: Established and the uptime is older than the reset (kept counting from before), or
    unknown: an Up/Down the parser cannot read (``****h48m``, more than 9999 hours [fs NE40E captures])
    is never young.
    ``before_uptime`` is kept for the report; the decision needs only the current row.
    """
    if row is None or row["state"] != ESTABLISHED:
        return "down"
    uptime = row["up_down_seconds"]
    if uptime is None:
        return "not_reset"
    # A session that was up for under ~2 s before and was not reset also passes this test: too young
    # to tell apart, and harmless (it is Established either way).
    if uptime <= since_reset + UPTIME_SLACK:
        return "recovered"
    return "not_reset"


def wait_for_sessions(poll, sessions: dict, started: float, timeout: float, clock=time.monotonic, sleep=time.sleep,
                      first: float = RESET_FIRST_POLL, interval: float = RESET_POLL_INTERVAL,
                      grace: float = NOT_RESET_GRACE) -> tuple:
    """Poll until every required session is Established again (or proven not reset), or ``timeout``.

    ``poll()`` -> ``{session_key: brief row}``; ``sessions``: ``{session_key: {"uptime_before": s,
    "required": bool}}`` (required = was Established before the reset); ``started``: clock time just
    before the reset was sent. Returns ``({session_key: {status, state, uptime_seconds,
    downtime_seconds}}, polls)``; status: recovered | not_reset | down.
    """
    status = {k: {"status": "down", "state": None, "uptime_seconds": None, "downtime_seconds": None,
                  "last_down": None} for k in sessions}
    deadline = started + timeout
    polls = 0
    pause = first
    while True:
        now = clock()
        if now < deadline:
            sleep(max(0.0, min(pause, deadline - now)))
        pause = interval
        rows = poll()
        polls += 1
        now = clock()
        since = now - started
        pending = False
        for key, info in sessions.items():
            if status[key]["status"] == "recovered":
                continue   # once back, stays reported as recovered (its downtime is known)
            row = rows.get(key)
            kind = classify_session(info.get("uptime_before"), row, since)
            entry = status[key]
            entry.update(state=row["state"] if row else None,
                         uptime_seconds=row["up_down_seconds"] if row and row["state"] == ESTABLISHED else 0)
            if kind == "down":
                entry["last_down"] = since
            if kind == "recovered":
                # came up (now - uptime), within the display's 1 s resolution; not before it was last seen down
                downtime = max(since - entry["uptime_seconds"], entry["last_down"] or 0.0, 0.0)
                entry.update(status="recovered", downtime_seconds=round(downtime, 1))
            else:
                entry["status"] = kind
            if not info.get("required"):
                continue
            if kind == "down" or (kind == "not_reset" and since < grace):
                pending = True
        if not pending or clock() >= deadline:
            break
    for entry in status.values():
        entry.pop("last_down", None)
    return status, polls


def run_reset(cli, params: dict, check_mode: bool = False, clock=time.monotonic, sleep=time.sleep,
              release=None) -> dict:
    """bgp_reset: (release check) -> facts -> plan -> (check mode: stop) -> reset -> wait. Returns the result."""
    slow_peer = bool(params.get("slow_peer"))
    scopes = scopes_from_params(params, "reset")
    check_release(release, "reset", scopes, slow_peer)
    scope0 = scopes[0]
    facts, cfg, _commands = read_facts(cli, _reset_families(scope0), scope0.vpn_instance, verbose=False)
    plan = plan_reset(facts, cfg, scopes, slow_peer)
    # slow-peer with "all" needs no peer to exist; every other form does something only with peers
    nothing = not plan["peers"] and not (slow_peer and scope0.selector == "all")
    result = {"changed": not nothing, "commands": [] if nothing else plan["commands"], "peers": plan["peers"],
              "warnings": []}
    if nothing:
        result["msg"] = ("the selection reaches no peer in %s; nothing sent"
                         % family_label(scope0.address_family, scope0.vpn_instance))
        return result
    if check_mode:
        return result
    started = clock()
    sent = send_operational(cli, plan["commands"], "reset", result)   # answers "Y" if the router asks [Y/N]
    if slow_peer or not params.get("wait", True):
        # slow-peer clears a marking and drops no session: nothing to wait for
        return result

    families, sessions = [], {}
    for entry in plan["peers"]:
        key = (entry["vpn_instance"], entry["address"])
        if key not in sessions and entry["address_family"] not in families:
            families.append(entry["address_family"])   # a session's first family (facts order) shows it
        info = sessions.setdefault(key, {"uptime_before": entry["uptime_before"], "required": False})
        info["required"] = info["required"] or entry["state_before"] == ESTABLISHED

    def poll():
        return read_session_states(cli, families, scope0.vpn_instance)

    try:
        status, _polls = wait_for_sessions(poll, sessions, started, params.get("wait_timeout", 180), clock, sleep)
    except VrpError as exc:
        raise _read_back_failed("wait", sent, exc, result) from exc
    not_recovered, not_reset = [], []
    for entry in plan["peers"]:
        st = status[(entry["vpn_instance"], entry["address"])]
        entry.update(state_after=st["state"], uptime_after=st["uptime_seconds"],
                     downtime_seconds=st["downtime_seconds"], reset=st["status"] != "not_reset")
        if entry["state_before"] != ESTABLISHED:
            continue   # was down before: not waited for, not counted as lost
        if st["status"] == "down" and entry["address"] not in not_recovered:
            not_recovered.append(entry["address"])
        if st["status"] == "not_reset" and entry["address"] not in not_reset:
            not_reset.append(entry["address"])
    result["not_recovered"] = not_recovered
    if not_reset:
        result["warnings"].append("these sessions kept their uptime, the reset did not take them down: %s"
                                  % ", ".join(not_reset))
    if not_recovered:
        raise OperationFailed("wait", "%s sent; not Established again within wait_timeout (%ss): %s"
                              % (", ".join(repr(c) for c in sent), params.get("wait_timeout", 180),
                                 ", ".join(not_recovered)), result)
    return result
