# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""BGP soft reset (``refresh bgp``): plan, send, verify; the helpers the hard reset shares.

Both soft and hard reset (``bgp_hard_reset.py``) follow the operational-module shape (render the command from
the params, pre-check, run it, read the answer back, decide pass or fail):

``run_soft_reset(cli, params, check_mode)``
  1. one facts read (``gather_bgp_facts`` for the scope's family, verbose);
  2. plan: which peers each ``refresh bgp`` reaches (``select_refresh_peers``) and by which path
     (``soft_reset_path``: ``route-refresh`` | ``keep-all-routes`` | ``export``); any peer not
     Established or with neither import path refuses the whole task before anything is sent;
  3. check mode stops here (only displays were sent); otherwise each command goes out through
     ``VrpCli.operational`` (user view), in batches of at most ``batch_size`` peers with
     ``batch_pause`` seconds between them (``batch_commands``) -- still one pre-read and one verify;
  4. verify (``verify: true``): one read of the targeted sessions (brief table + verbose of the
     targeted peers only), then re-reads of only the count-carrying display until two consecutive
     reads at least ``SETTLE_MIN_INTERVAL`` apart agree (``settle_counts``, bounded by
     ``verify_timeout``); ``check_soft_reset`` decides per peer.

``run_reset`` (hard reset) lives in ``bgp_hard_reset.py`` and shares the sending helpers of this module;
both read the router through ``bgp_facts.py`` (``BgpReader``, ``read_peer_table``, ...) and select peers
with ``selection.py``.

Failures that must keep the partial result (commands sent, per-peer data) raise ``OperationFailed``
(``cli.py``); the action base turns it into ``failed: true`` with that result. Any ``VrpError`` (refusal, timeout,
dropped session) once the sending has started becomes one: ``commands`` = the refresh/reset lines
that reached the router, ``commands_not_sent`` = the rest, ``changed`` = whether any reached it.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time
from typing import Dict, List, Optional, Sequence

from ansible_collections.netops.vrp.plugins.module_utils.bgp_facts import (
    BgpReader,
    read_facts,
    read_peer_table,
    read_peer_verbose,
)
from ansible_collections.netops.vrp.plugins.module_utils.cli import OperationFailed
from ansible_collections.netops.vrp.plugins.module_utils.parsers import ESTABLISHED
from ansible_collections.netops.vrp.plugins.module_utils.policy_effect import verify_policy_effect
from ansible_collections.netops.vrp.plugins.module_utils.release import ReleaseError, check_forms, form_of
from ansible_collections.netops.vrp.plugins.module_utils.scope import render_refresh, scopes_from_params
from ansible_collections.netops.vrp.plugins.module_utils.selection import dedupe_peers, family_label, select_scope_peers
from ansible_collections.netops.vrp.plugins.module_utils.transport import VrpCommandError, VrpError

PUBLIC_FAMILIES = ("ipv4", "ipv6", "vpnv4")
# A ROUTE-REFRESH makes the peer re-send its routes asynchronously (and a keep-all-routes re-evaluation
# also runs in the background): the first read after ``refresh bgp`` often still shows the old count,
# i.e. the count from before looks "unchanged" only because nothing has arrived yet. Counts are therefore
# settled only when two consecutive reads at least this many seconds apart agree -- never on the first
# read alone. Short, because every re-read is a display and most refreshes finish within a second.
SETTLE_MIN_INTERVAL = 0.5
# Pauses between count reads (seconds, the last one repeats): start at the minimum, then grow so that a
# long refresh costs few displays. None may be below SETTLE_MIN_INTERVAL.
SETTLE_INTERVALS = (SETTLE_MIN_INTERVAL, 1.0, 2.0)

HINT_NEITHER = ("enable route-refresh on both sides (netops.vrp.bgp_route_refresh) or keep-all-routes "
                "locally (netops.vrp.bgp_keep_all_routes), or hard reset the session "
                "(netops.vrp.bgp_reset, interrupts traffic)")


def session_snapshot(row: Optional[dict] = None, block: Optional[dict] = None) -> dict:
    """One peer's state from a brief row and/or a verbose block (same keys as the facts shape).

    The brief table is preferred for state, uptime and ``prefixes_received`` (its PrefRcv column is
    what the facts report; the verbose "Received total routes" counts the retained pre-policy routes
    with keep-all-routes), the verbose block for Up count, advertised routes and Refresh counters.
    """
    snap = {"state": None, "uptime_seconds": None, "prefixes_received": None, "prefixes_advertised": None,
            "up_count": None, "refresh_sent": None, "refresh_received": None}
    if block is not None:
        snap.update(state=block["state"], uptime_seconds=block["uptime_seconds"],
                    up_count=block["up_count"], prefixes_advertised=block["advertised_total_routes"],
                    refresh_sent=block["refresh_sent"], refresh_received=block["refresh_received"])
    if row is not None:
        snap.update(state=row["state"], uptime_seconds=row["up_down_seconds"],
                    prefixes_received=row["prefixes_received"])
    if snap["state"] != ESTABLISHED:
        snap["uptime_seconds"] = 0 if snap["state"] is not None else None
    return snap


# --- which peers a selector reaches (selection.py) ------------------------------------------------------

def select_refresh_peers(facts, cfg, scope):
    """Facts entries one ``refresh bgp`` command reaches (its family / VPN instance only).

    Unknown VPN instance, group or peer -> OperationFailed (nothing has been sent).
    """
    chosen, problem = select_scope_peers(facts, cfg, scope)
    if problem:
        raise OperationFailed("pre-check", problem)
    return chosen


# --- soft reset ------------------------------------------------------------------------------------------

def soft_reset_path(peer: dict, direction: str) -> Optional[str]:
    """How ``refresh bgp ... direction`` reaches ``peer``, or None when an import refresh cannot.

    export: always (the router re-sends its own Adj-RIB-Out; needs no capability).
    import: ``keep-all-routes`` when configured locally -- VRP then re-applies the import policy to
    the retained routes and sends no ROUTE-REFRESH even if the capability is negotiated
    (NE40E-CR refresh(BGPOM)); else ``route-refresh`` when negotiated with the peer; else None.
    """
    if direction == "export":
        return "export"
    if peer.get("keep_all_routes"):
        return "keep-all-routes"
    if (peer.get("route_refresh") or {}).get("negotiated"):
        return "route-refresh"
    return None


def _soft_entry(peer, path, direction):
    count = "prefixes_advertised" if direction == "export" else "prefixes_received"
    return {
        "address": peer["address"], "address_family": peer["address_family"],
        "vpn_instance": peer["vpn_instance"], "group": peer["group"], "type": peer["type"],
        "path": path, "import_policy": peer.get("import_policy"), "export_policy": peer.get("export_policy"),
        "route_refresh_negotiated": bool((peer.get("route_refresh") or {}).get("negotiated")),
        "state_before": peer["state"], "uptime_before": peer["uptime_seconds"],
        "up_count_before": peer["up_count"], "prefixes_before": peer[count],
        "refresh_sent_before": peer["refresh_sent"], "refresh_received_before": peer["refresh_received"],
    }


def plan_soft_reset(facts: dict, cfg: dict, scopes: list, direction: str,
                    keep_all_routes_first: Sequence[str] = ()) -> dict:
    """-> ``{"commands": [...], "peers": [entry...], "reach": [peers each command reaches]}``;
    OperationFailed naming the peers that block it.

    Every targeted peer must be Established; for ``import`` each needs route-refresh negotiated or
    keep-all-routes configured locally. ``keep_all_routes_first``: addresses planned as having keep-all-routes
    (check mode, where the task enabling it before this one sent nothing: the plan is the real run's).
    """
    commands, targeted, reach = [], [], []
    for scope in scopes:
        commands.append(render_refresh(scope, direction))
        selected = select_refresh_peers(facts, cfg, scope)
        reach.append(len(selected))
        targeted.extend(selected)
    targeted = dedupe_peers(targeted)
    entries = [_soft_entry(p, soft_reset_path(dict(p, keep_all_routes=True) if p["address"] in keep_all_routes_first
                                              else p, direction), direction) for p in targeted]
    plan = {"commands": commands, "peers": entries, "reach": reach}
    down = ["%s (%s)" % (e["address"], e["state_before"]) for e in entries if e["state_before"] != ESTABLISHED]
    if down:
        raise OperationFailed("pre-check", "not Established, a soft reset would not reach them: %s; nothing "
                                           "was sent (target the Established peers explicitly)"
                              % ", ".join(down), {"commands": [], "peers": entries})
    neither = [e["address"] for e in entries if e["path"] is None]
    if neither:
        raise OperationFailed("pre-check", "inbound soft reset impossible for %s: route-refresh is not "
                                           "negotiated and keep-all-routes is not configured; nothing was "
                                           "sent. Fix: %s" % (", ".join(neither), HINT_NEITHER),
                              {"commands": [], "peers": entries})
    return plan


def batch_commands(commands: List[str], reach: List[int], batch_size: Optional[int] = None) -> List[List[str]]:
    """Split ``commands`` into batches reaching at most ``batch_size`` peers each (``reach[i]``: peers
    reached by ``commands[i]``), order kept. A command reaching more peers than that (a group, a
    selector) is a batch of its own; no ``batch_size``: one batch."""
    if not batch_size:
        return [list(commands)] if commands else []
    batches, current, peers = [], [], 0
    for command, count in zip(commands, reach, strict=False):
        if current and peers + count > batch_size:
            batches.append(current)
            current, peers = [], 0
        current.append(command)
        peers += count
    if current:
        batches.append(current)
    return batches


def read_soft_reset_state(cli, address_family: str, vpn_instance: Optional[str], addresses: List[str],
                          brief: bool = True, verbose: bool = True) -> Dict[str, dict]:
    """The targeted sessions now -> ``{address: snapshot}`` (only the displays asked for)."""
    rows = read_peer_table(cli, address_family, vpn_instance) if brief else {}
    blocks = read_peer_verbose(cli, address_family, vpn_instance, addresses) if verbose else {}
    return {a: session_snapshot(rows.get(a), blocks.get(a)) for a in addresses
            if a in rows or a in blocks}


def settle_counts(read_counts, first: dict, clock=time.monotonic, sleep=time.sleep, timeout: float = 30.0,
                  intervals=SETTLE_INTERVALS, min_interval: float = SETTLE_MIN_INTERVAL) -> tuple:
    """Re-read prefix counts until two consecutive reads at least ``min_interval`` apart agree.

    ``first``: counts of the first read after the command (taken just before this call). It is never
    taken as settled on its own, also when it equals the counts from before the command: the peer's
    re-sent routes may simply not have arrived yet. Re-reads (``read_counts()``) follow after the
    ``intervals`` pauses (last one repeats) until a read equals the previous one with at least
    ``min_interval`` seconds between them, or ``timeout`` seconds pass (no re-read that could not
    be ``min_interval`` after the previous one is made). Returns ``(counts, settled, reads)``.
    """
    current, reads = first, 0
    current_at = start = clock()
    deadline = start + timeout
    step = 0
    while True:
        now = clock()
        pause = max(intervals[min(step, len(intervals) - 1)], min_interval)
        if now + pause > deadline:
            pause = deadline - now
            if now + pause - current_at < min_interval:
                return current, False, reads
        sleep(max(0.0, pause))
        step += 1
        latest = read_counts()
        reads += 1
        latest_at = clock()
        if latest == current and latest_at - current_at >= min_interval:
            return latest, True, reads
        current, current_at = latest, latest_at


def check_soft_reset(entry: dict, after: Optional[dict], direction: str) -> List[str]:
    """Problems of one peer after the refresh (empty list = verified).

    The session must still be Established without a reset (uptime not gone back, Up count the same);
    a ``route-refresh`` peer's ROUTE-REFRESH sent counter must have moved.
    """
    problems = []
    if after is None:
        return ["no longer shown by the router"]
    if after["state"] != ESTABLISHED:
        problems.append("session is %s after the refresh" % after["state"])
    before_up, after_up = entry["uptime_before"], after["uptime_seconds"]
    if before_up is not None and after_up is not None and after_up < before_up:
        problems.append("session was re-established (uptime %ss -> %ss)" % (before_up, after_up))
    if entry["up_count_before"] is not None and after["up_count"] is not None \
            and after["up_count"] != entry["up_count_before"]:
        problems.append("session was re-established (up count %s -> %s)"
                        % (entry["up_count_before"], after["up_count"]))
    if entry["path"] == "route-refresh":
        sent_before, sent_after = entry["refresh_sent_before"], after["refresh_sent"]
        if sent_after is None:
            problems.append("ROUTE-REFRESH sent counter not shown after the refresh")
        elif sent_before is not None and sent_after <= sent_before:
            problems.append("no ROUTE-REFRESH was sent (sent counter %s -> %s)" % (sent_before, sent_after))
    return problems


def verify_soft_reset(cli, jobs: list, timeout: float, clock=time.monotonic, sleep=time.sleep) -> List[str]:
    """Read the targeted sessions after the refresh, wait for counts to settle, check each peer.

    ``jobs``: ``[(plan, scope0, direction)]``, one per target; their counts settle together (one
    settle for all targets, not one per target). Fills the ``*_after`` fields, ``verified`` and
    ``problems`` of each entry in each ``plan["peers"]``; returns the list of warnings.
    """
    targets = [(plan, scope0.address_family, scope0.vpn_instance, [e["address"] for e in plan["peers"]], direction,
                "prefixes_advertised" if direction == "export" else "prefixes_received")
               for plan, scope0, direction in jobs]

    def read_round(first=False):
        # one reader per round: a display goes out once, also when several targets of one family need it; after
        # the first round only the display that carries each target's count: brief table (import), verbose (export)
        reader, snaps, counts = BgpReader(cli), [], {}
        for index, (_plan, af, vrf, addresses, direction, count_key) in enumerate(targets):
            snaps.append(read_soft_reset_state(reader, af, vrf, addresses, brief=first or direction != "export",
                                               verbose=first or direction == "export"))
            counts.update({(index, address): snap.get(count_key) for address, snap in snaps[-1].items()})
        return snaps, counts

    afters, first = read_round(first=True)
    latest = [{} for _t in targets]

    def read_counts():
        snaps, counts = read_round()
        for index, snap in enumerate(snaps):
            latest[index].update(snap)
        return counts

    counts, settled, _reads = settle_counts(read_counts, first, clock, sleep, timeout)
    warnings = []
    if not settled:
        warnings.append("prefix counts did not settle within verify_timeout (%ss: no two consecutive reads "
                        "%ss apart agreed); the counts reported are the last read" % (timeout, SETTLE_MIN_INTERVAL))
    for index, (plan, _af, _vrf, _addresses, direction, count_key) in enumerate(targets):
        for entry in plan["peers"]:
            snap = dict(afters[index].get(entry["address"]) or {})
            if entry["address"] in latest[index]:
                newer = latest[index][entry["address"]]
                for key in ("state", "uptime_seconds", count_key):
                    if newer.get(key) is not None:
                        snap[key] = newer[key]
            snap = snap or None
            problems = check_soft_reset(entry, snap, direction)
            snap = snap or {}
            entry.update(state_after=snap.get("state"), uptime_after=snap.get("uptime_seconds"),
                         up_count_after=snap.get("up_count"), prefixes_after=counts.get((index, entry["address"])),
                         refresh_sent_after=snap.get("refresh_sent"),
                         refresh_received_after=snap.get("refresh_received"),
                         verified=not problems, problems=problems)
    return warnings


def _reached_router(cli, mark, command):
    """Whether ``command`` was written to the session since ``len(cli.sent) == mark`` (an error may come
    from the view change before it, e.g. ``return`` on a dropped session)."""
    sent = getattr(cli, "sent", None)
    if sent is None:
        return True   # cannot tell: assume it went out (the safe side for ``changed``)
    return command in sent[mark:]


def send_operational(cli, commands: List[str], step: str, result: dict, pauses: Optional[dict] = None,
                     sleep=time.sleep) -> List[str]:
    """Send each ``refresh bgp`` / ``reset bgp`` line through ``cli.operational``; returns them.

    ``pauses``: ``{index: seconds}`` to sleep before sending ``commands[index]`` (batch throttling).

    Any ``VrpError`` raises ``OperationFailed(step)`` carrying ``result`` with ``commands`` = the lines
    that reached the router (a refused line, and a line whose answer was lost to a timeout or a dropped
    session, count: it may have run), ``commands_not_sent`` = the others, ``changed`` = whether any
    reached the router but was not refused. View noise (``return``/``N``/answers) is never listed.
    """
    sent = []
    for index, command in enumerate(commands):
        if pauses and pauses.get(index):
            sleep(pauses[index])
        mark = len(getattr(cli, "sent", ()))
        try:
            cli.operational(command)
        except VrpError as exc:
            reached = _reached_router(cli, mark, command)
            tried = sent + [command] if reached else list(sent)
            not_sent = list(commands[index + (1 if reached else 0):])
            if isinstance(exc, VrpCommandError):
                what = exc.message
                changed = bool(sent)   # the router refused this one: only the earlier ones ran
            else:
                what = "%s: %s" % (exc.step, exc.message)
                if reached:
                    what += " (whether %r ran is unknown)" % command
                changed = bool(tried)
            raise OperationFailed(step, "%s (sent before it: %s; not sent: %s)"
                                  % (what, sent or "nothing", not_sent or "nothing"),
                                  dict(result, commands=tried, commands_not_sent=not_sent, changed=changed)) from exc
        sent.append(command)
    return sent


def _read_back_failed(step, sent, exc, result):
    """A VrpError while reading the sessions after every command went out -> OperationFailed keeping
    ``changed: true``, the commands and the per-peer data known so far."""
    return OperationFailed(step, "%s sent, but reading the sessions back failed (%s: %s)"
                           % (", ".join(repr(c) for c in sent), exc.step, exc.message),
                           dict(result, commands=list(sent), commands_not_sent=[], changed=True))


def soft_reset_targets(params: dict) -> list:
    """``[(scopes, direction, check_mode_keep_all_routes)]``: one per item of ``targets``, else one from the
    top-level options."""
    return [(scopes_from_params(target, "refresh"), target["direction"], target.get("check_mode_keep_all_routes") or ())
            for target in params.get("targets") or [params]]


def check_release(release, operation: str, scopes: list, slow_peer: bool = False) -> None:
    """Refuse (OperationFailed, nothing sent) a form ``release`` (module_utils/release.py) lacks."""
    try:
        check_forms(release, [form_of(operation, s.address_family, slow_peer) for s in scopes])
    except ReleaseError as exc:
        raise OperationFailed("pre-check", str(exc), {"commands": [], "peers": []}) from exc


def run_soft_reset(cli, params: dict, check_mode: bool = False, clock=time.monotonic, sleep=time.sleep,
                   release=None) -> dict:
    """bgp_soft_reset: per target facts -> plan; (check mode: stop) -> refresh -> verify all targets at once.

    Every target is planned before anything is sent, so a target that cannot be soft reset stops the
    call with nothing sent. ``release``: the router's (``release.learn_release``); a form it lacks is
    refused first. Returns the result dict (``commands``, ``batches`` and ``peers`` of all targets in
    order; each peer entry carries its ``direction``).
    """
    for scopes, _direction, _assumed in soft_reset_targets(params):
        check_release(release, "refresh", scopes)
    jobs, commands, batches, peers, empty = [], [], [], [], []
    read = {}   # (family, VPN instance) -> (facts, cfg): targets in the same family share one read
    # nothing is sent while planning, so a display another family's read needs too (the configuration)
    # goes out once
    planning = BgpReader(cli)
    for scopes, direction, assumed in soft_reset_targets(params):
        scope0 = scopes[0]
        where = (scope0.address_family, scope0.vpn_instance)
        if where not in read:
            read[where] = read_facts(planning, [scope0.address_family], scope0.vpn_instance, verbose=True)[:2]
        facts, cfg = read[where]
        plan = plan_soft_reset(facts, cfg, scopes, direction, assumed if check_mode else ())
        if not plan["peers"]:
            empty.append(family_label(scope0.address_family, scope0.vpn_instance))
            continue
        for entry in plan["peers"]:
            entry["direction"] = direction
        jobs.append((plan, scope0, direction))
        commands.extend(plan["commands"])
        batches.extend(batch_commands(plan["commands"], plan["reach"], params.get("batch_size")))
        peers.extend(plan["peers"])
    result = {"changed": bool(jobs), "commands": commands, "batches": batches, "peers": peers, "warnings": []}
    if empty:
        result["msg"] = "the selection reaches no peer in %s; nothing sent there" % ", ".join(empty)
    if not jobs or check_mode:
        return result
    # the batches with a pause before each but the first, one settle and verify for all (below)
    pause, pauses, index = params.get("batch_pause") or 0, {}, 0
    for batch in batches[:-1]:
        index += len(batch)
        pauses[index] = pause
    sent = send_operational(cli, commands, "refresh", result, pauses, sleep)
    if not params.get("verify", True):
        return result
    try:
        result["warnings"] = verify_soft_reset(cli, jobs, params.get("verify_timeout", 30), clock, sleep)
        verify_policy_effect(cli, [e for e in peers if policy_effect_open(e)])
    except VrpError as exc:
        raise _read_back_failed("verify", sent, exc, result) from exc
    failed = [e for e in peers if e["problems"]]
    if failed:
        raise OperationFailed(
            "verify", "the refresh command(s) %s were sent, but verification failed for: %s"
            % (", ".join(repr(c) for c in sent),
               "; ".join("%s: %s" % (e["address"], ", ".join(e["problems"])) for e in failed)), result)
    return result


def policy_effect_open(entry: dict) -> bool:
    """Whether the vendor text leaves the refresh's effect open, so the policy check runs (policy_effect.py):
    keep-all-routes (R6) and export without route-refresh (seed 001). Else marked ``not_checked``."""
    if entry["path"] == "keep-all-routes" or (entry["path"] == "export" and not entry["route_refresh_negotiated"]):
        return True
    entry["policy_effect"] = {"status": "not_checked", "policy": entry.get(
        "export_policy" if entry["path"] == "export" else "import_policy"), "detail": (
        "route-refresh is negotiated: the refresh makes the router apply the policy as documented; the policy "
        "check runs where the vendor text leaves the effect open (keep-all-routes, export without route-refresh)")}
    return False
