# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""bgp_route_refresh / bgp_keep_all_routes: want vs have, minimal commands, session-reset prediction.

Procedure (``apply_peer_config``), displays kept few because this runs on every task:

1. ``display current-configuration configuration bgp`` -> ``parse_bgp_config``; the targets are checked
   (unknown VPN instance / family / peer / group -> error naming them, nothing else sent) and the plan
   (``plan_route_refresh`` / ``plan_keep_all_routes``) is computed from the configuration alone.
   No change -> done: an idempotent run costs this one display.
2. Only when peers' effective setting changes: ``gather_bgp_facts`` for the family (brief table; the
   configuration display is served from the one already read), with verbose blocks only for the peers
   whose negotiated route-refresh decides a keep-all-routes reset (``verbose_peers``).
   ``predict_session_resets`` lists the Established sessions that would be re-established.
3. Predicted resets without ``allow_session_reset`` -> refused (only displays were sent).
4. ``commit.guarded_commit``: ``display configuration trial status`` (a pending trial refuses: a plain commit
   would confirm someone else's trial); check mode stops here with the exact commands; otherwise configure +
   commit (any error discards the candidate). Then read the brief table again (``observe_session_resets``) so
   ``sessions_reset`` reports the resets that really happened, next to ``sessions_reset_predicted``.
   If that read fails after the commit (timeout, dropped session), the task still reports
   ``changed: true`` with ``sessions_reset`` = the prediction and a warning (``commit.after_commit``).

Group vs member semantics (chosen here, documented in the module docs):
- A peer target changes the peer-level setting only. When the wanted state is impossible at peer level
  because the value comes from the peer's group (or from the global ``keep-all-routes``), the module
  fails naming the group instead of sending a line that would not change the effective value.
- A group target changes the group-level line only. Members that override the setting at peer level
  keep their own value (peer-level wins on VRP); they are named in a warning and no reset is predicted
  for them. Members that follow the group change their effective value, and resets are predicted for them.
- route-refresh is a session capability: membership is the ``peer X group G`` of the BGP view
  (or of the VPN-instance view), and a change resets the whole session, so every address family the
  peer is enabled in is listed in ``sessions_reset``. keep-all-routes is per address family: members
  are the peers enabled in that family whose group (in that family) is the target.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from ansible_collections.netops.vrp.plugins.module_utils.bgp_facts import (
    BgpReader,
    gather_bgp_facts,
    read_session_states,
)
from ansible_collections.netops.vrp.plugins.module_utils.bgp_hard_reset import wait_for_sessions
from ansible_collections.netops.vrp.plugins.module_utils.cli import OperationFailed, render_commit
from ansible_collections.netops.vrp.plugins.module_utils.commit import after_commit, commit_options, guarded_commit
from ansible_collections.netops.vrp.plugins.module_utils.config import render_block
from ansible_collections.netops.vrp.plugins.module_utils.parsers import ESTABLISHED, effective_peer_settings
from ansible_collections.netops.vrp.plugins.module_utils.scope import (
    keep_all_routes_view_path,
    render_keep_all_routes,
    render_route_refresh,
    route_refresh_view_path,
)
from ansible_collections.netops.vrp.plugins.module_utils.selection import family_label
from ansible_collections.netops.vrp.plugins.module_utils.transport import VrpError
from ansible_collections.netops.vrp.plugins.module_utils.validate import validate_scope

ROUTE_REFRESH = "route_refresh"
KEEP_ALL_ROUTES = "keep_all_routes"
FEATURES = (ROUTE_REFRESH, KEEP_ALL_ROUTES)

REASON_CAPABILITY = "route-refresh capability change (the session is re-established to renegotiate it)"
REASON_KEEP_ALL = "first keep-all-routes on a peer without negotiated route-refresh"
REASON_KEEP_ALL_UNKNOWN = ("first keep-all-routes; whether route-refresh is negotiated with the peer could "
                           "not be read, so a reset is assumed")
REASON_KEEP_ALL_UNDO = ("keep-all-routes removed from a peer without negotiated route-refresh (the vendor text does "
                        "not say whether the session is re-established; a reset is assumed)")
REASON_UNPREDICTED = "observed after the commit, not predicted (may be unrelated to this change)"

# After the commit, a predicted reset not yet visible is looked for again for this long (the router may
# tear the session down a moment after the commit; UNVERIFIED how long real VRP takes).
OBSERVE_TIMEOUT = 3.0
OBSERVE_INTERVAL = 1.0


@dataclass
class PeerConfigPlan:
    """What one task wants and would send.

    ``before``/``after``: per target (address or group name) the setting before / after the commands:
    for a peer its effective value (own, else group, else default), for a group the group's own value.
    ``changes``: ``{(vpn_instance, address): (before, after)}`` effective values of the peers whose
    setting changes (targeted peers, members of targeted groups that follow the group).
    ``own_before``/``own_after``: the configuration line of each target in its view, or None (diff).
    """

    feature: str
    address_family: str
    vpn_instance: Optional[str]
    state: str
    local_as: str
    view_path: List[str]
    targets: List[str] = field(default_factory=list)
    lines: List[str] = field(default_factory=list)
    before: Dict[str, bool] = field(default_factory=dict)
    after: Dict[str, bool] = field(default_factory=dict)
    changes: Dict[tuple, tuple] = field(default_factory=dict)
    own_before: Dict[str, Optional[str]] = field(default_factory=dict)
    own_after: Dict[str, Optional[str]] = field(default_factory=dict)
    warnings: List[str] = field(default_factory=list)

    @property
    def commands(self):
        """View path + lines, or nothing when no line is needed (``VrpCli.configure`` starts at system view)."""
        return list(self.view_path) + list(self.lines) if self.lines else []

    def diff(self):
        """``{before, after}``: the targets' lines in their view, as the running config shows them."""
        return {"before": _view_text(self.view_path, self.targets, self.own_before),
                "after": _view_text(self.view_path, self.targets, self.own_after)}


def _view_text(path, targets, own):
    return "\n".join(render_block(path, [own[t] for t in targets if own.get(t)])) + "\n"


def _first(*values):
    return next((value for value in values if value is not None), None)


# --- targets ---------------------------------------------------------------------------------------

class _Config:
    """Lookups over parse_bgp_config output for one (address family, VPN instance)."""

    def __init__(self, cfg, af, vrf):
        self.cfg, self.af, self.vrf = cfg, af, vrf
        self.peers = {(p["vpn_instance"], p["address"]): p for p in cfg["peers"]}
        self.groups = {(g["vpn_instance"], g["name"]): g for g in cfg["groups"]}
        self.settings = effective_peer_settings(cfg)
        self.in_scope = {s["address"]: s for s in self.settings
                         if s["address_family"] == af and s["vpn_instance"] == vrf}

    def peer(self, address):
        return self.peers[(self.vrf, address)]

    def group(self, name):
        return self.groups.get((self.vrf, name)) if name else None

    def session_members(self, name):
        """Peers of the session view (BGP view / VPN-instance view) in group ``name``."""
        return [p for p in self.peers.values() if p["vpn_instance"] == self.vrf and p["group"] == name]

    def family_members(self, name):
        """Addresses enabled in this family whose group (in this family) is ``name``."""
        return [s["address"] for s in self.in_scope.values() if s["enabled"] and s["group"] == name]

    def enabled_families(self, vrf, address):
        """Families the peer is enabled in, this family first (one TCP session carries them all)."""
        afs = [s["address_family"] for s in self.settings
               if s["vpn_instance"] == vrf and s["address"] == address and s["enabled"]]
        return sorted(afs, key=lambda af: af != self.af)


def _unreachable(host, message):
    """A target the router does not have, or a wanted state this module cannot reach; nothing was sent."""
    return OperationFailed("pre-check", message, host=host)


def check_targets(cfg: dict, norm: dict, host: str) -> "_Config":
    """Every targeted VPN instance / family / peer / group must exist; one error naming all missing."""
    af, vrf = norm["address_family"], norm["vpn_instance"]
    if cfg["local_as"] is None:
        raise _unreachable(host, "BGP is not configured on %s (no bgp block); nothing was sent" % host)
    if af == "vpn-instance" and vrf not in cfg["vpn_instances"]:
        raise _unreachable(host, "VPN instance %s has no BGP view (ipv4-family vpn-instance %s) on %s; "
                                 "nothing was sent" % (vrf, vrf, host))
    if af not in cfg["families"]:
        raise _unreachable(host, "address family %s is not configured in bgp %s on %s; nothing was sent"
                           % (af, cfg["local_as"], host))
    view = _Config(cfg, af, vrf)
    problems = []
    for address in norm["peers"] or []:
        setting = view.in_scope.get(address)
        if setting is None:
            problems.append("peer %s is not configured" % address)
        elif not setting["enabled"]:
            problems.append("peer %s is not enabled in %s" % (address, af))
    for name in norm["groups"] or []:
        if view.group(name) is None:
            problems.append("group %s does not exist" % name)
    if problems:
        raise _unreachable(host, "unknown targets in %s on %s: %s; nothing was sent"
                           % (family_label(af, vrf), host, "; ".join(problems)))
    return view


# --- route-refresh -----------------------------------------------------------------------------------

_AS_CONFIGURED = object()


def _route_refresh_of(view, peer, own=_AS_CONFIGURED, group_value=_AS_CONFIGURED):
    """Effective route-refresh of a peer record: own line, else its group's, else on (VRP default).
    ``own`` / ``group_value`` replace the configured values (the value after a change)."""
    group = view.group(peer["group"])
    if own is _AS_CONFIGURED:
        own = peer["route_refresh"]
    if group_value is _AS_CONFIGURED:
        group_value = group["route_refresh"] if group else None
    return _first(own, group_value if group else None, True)


def _route_refresh_line(target, own):
    """The running-config line of a peer/group's own route-refresh setting (default on: only undo shows)."""
    if own is None:
        return None
    return render_route_refresh(target, own)


def _start_plan(feature, view_path, cfg, params, host):
    """What both planners begin with: validated targets, the config view, the wanted value, an empty plan."""
    norm = validate_scope(params, "peer_config")
    view = check_targets(cfg, norm, host)
    af, vrf = norm["address_family"], norm["vpn_instance"]
    state = params.get("state", "present")
    plan = PeerConfigPlan(feature, af, vrf, state, cfg["local_as"], view_path(cfg["local_as"], af, vrf))
    return norm, view, state == "present", plan


def plan_route_refresh(cfg: dict, params: dict, host: str = "?") -> PeerConfigPlan:
    """``[undo] peer {ADDR|G} capability-advertise route-refresh`` in the BGP / VPN-instance view."""
    norm, view, want, plan = _start_plan(ROUTE_REFRESH, route_refresh_view_path, cfg, params, host)
    vrf = plan.vpn_instance
    for address in norm["peers"] or []:
        peer = view.peer(address)
        before = _route_refresh_of(view, peer)
        own_after = peer["route_refresh"]
        if before != want:
            if want:
                # [NE40E-CR peer-capability-advertise(BGPOM)] says the positive form "enables" the
                # function and undo "restores the default" (on); whether the positive form on a peer
                # overrides its group's undo, or only removes the peer's own line so the group's undo
                # applies again (vrpsim), is not written anywhere. Never depend on it: refuse when the
                # group would still say undo, under either reading nothing is sent.
                group = view.group(peer["group"])
                own_after = None
                if _route_refresh_of(view, peer, own=None) is not True:
                    raise _unreachable(host, "peer %s would still get 'undo peer %s capability-advertise "
                                             "route-refresh' from group %s (whether the peer's positive "
                                             "form overrides a group's undo is not documented); target the "
                                             "group (groups: [%s]) to enable route-refresh; nothing was sent"
                                       % (address, group["name"], group["name"], group["name"]))
            else:
                own_after = False
            plan.lines.append(render_route_refresh(address, want))
            plan.changes[(vrf, address)] = (before, want)
        _record(plan, address, before, want, _route_refresh_line(address, peer["route_refresh"]),
                _route_refresh_line(address, own_after))
    for name in norm["groups"] or []:
        group = view.group(name)
        before = _first(group["route_refresh"], True)
        own_after = group["route_refresh"]
        if before != want:
            own_after = None if want else False
            plan.lines.append(render_route_refresh(name, want))
            _followers_change(plan, [p["address"] for p in view.session_members(name)],
                              lambda address, **value: _route_refresh_of(view, view.peer(address), **value), own_after)
        for peer in view.session_members(name):
            if peer["route_refresh"] is not None and peer["route_refresh"] != want:
                plan.warnings.append(
                    "peer %s (member of group %s) keeps its own '%s', which overrides the group"
                    % (peer["address"], name, render_route_refresh(peer["address"], peer["route_refresh"])))
        _record(plan, name, before, want, _route_refresh_line(name, group["route_refresh"]),
                _route_refresh_line(name, own_after))
    return plan


def _followers_change(plan, members, effective, group_value):
    """Record the change of each member of a changed group that follows the group (``effective(address)``:
    its value now, ``effective(address, group_value=...)``: with the group's value after the change)."""
    for address in members:
        old, new = effective(address), effective(address, group_value=group_value)
        if old != new:
            plan.changes[(plan.vpn_instance, address)] = (old, new)


def _record(plan, target, before, after, own_before, own_after):
    plan.targets.append(target)
    plan.before[target] = before
    plan.after[target] = after
    plan.own_before[target] = own_before
    plan.own_after[target] = own_after


# --- keep-all-routes ---------------------------------------------------------------------------------

def _keep_all_routes_of(view, address, own=_AS_CONFIGURED, group_value=_AS_CONFIGURED):
    """Effective keep-all-routes of a peer in the family: own line, else its group's (in this family),
    else off; the global ``keep-all-routes`` turns it on for everyone (parsers.effective_peer_settings).
    ``own`` / ``group_value`` replace the configured values (the value after a change)."""
    peer = view.peer(address)
    fam = peer["families"].get(view.af) or {}
    group = view.group(_first(fam.get("group"), peer["group"]))
    if own is _AS_CONFIGURED:
        own = fam.get("keep_all_routes")
    if group_value is _AS_CONFIGURED:
        group_value = _own_keep_all_routes(group, view.af) if group else None
    return bool(_first(own, group_value if group else None, False)) or bool(view.cfg["keep_all_routes"])


def _own_keep_all_routes(record, af):
    return (record["families"].get(af) or {}).get("keep_all_routes")


def _keep_all_routes_line(target, own):
    return render_keep_all_routes(target, True) if own else None


def plan_keep_all_routes(cfg: dict, params: dict, host: str = "?") -> PeerConfigPlan:
    """``[undo] peer {ADDR|G} keep-all-routes`` in the address family's view."""
    norm, view, want, plan = _start_plan(KEEP_ALL_ROUTES, keep_all_routes_view_path, cfg, params, host)
    af, vrf = plan.address_family, plan.vpn_instance
    for address in norm["peers"] or []:
        own = _own_keep_all_routes(view.peer(address), af)
        before = _keep_all_routes_of(view, address)
        own_after = own
        if before != want:
            if want:
                own_after = True
            else:
                # only the peer's own line can be removed here; an inherited value stays
                own_after = None
                if not own or _keep_all_routes_of(view, address, own=None):
                    raise _unreachable(host, "peer %s gets keep-all-routes from %s, not from its own line; "
                                             "remove it there; nothing was sent"
                                       % (address, _kar_source(view, address)))
            plan.lines.append(render_keep_all_routes(address, want))
            plan.changes[(vrf, address)] = (before, want)
        _record(plan, address, before, want, _keep_all_routes_line(address, own),
                _keep_all_routes_line(address, own_after))
    for name in norm["groups"] or []:
        own = _own_keep_all_routes(view.group(name), af)
        before = bool(own)
        own_after = own
        if before != want:
            own_after = True if want else None
            plan.lines.append(render_keep_all_routes(name, want))
            _followers_change(plan, view.family_members(name),
                              lambda address, **value: _keep_all_routes_of(view, address, **value), own_after)
        for address in view.family_members(name):
            peer_own = _own_keep_all_routes(view.peer(address), af)
            if not want and (peer_own or cfg["keep_all_routes"]):
                plan.warnings.append("peer %s (member of group %s) keeps keep-all-routes from %s"
                                     % (address, name, "its own line" if peer_own else
                                        "the global keep-all-routes of the bgp view"))
        _record(plan, name, before, want, _keep_all_routes_line(name, own), _keep_all_routes_line(name, own_after))
    return plan


def _kar_source(view, address):
    if view.cfg["keep_all_routes"]:
        return "the global keep-all-routes of the bgp view"
    peer = view.peer(address)
    fam = peer["families"].get(view.af) or {}
    name = _first(fam.get("group"), peer["group"])
    return "group %s (groups: [%s])" % (name, name)


PLANNERS = {ROUTE_REFRESH: plan_route_refresh, KEEP_ALL_ROUTES: plan_keep_all_routes}


def plan_peer_config(feature: str, cfg: dict, params: dict, host: str = "?") -> PeerConfigPlan:
    if feature not in PLANNERS:
        raise ValueError("unknown peer setting %r (choose from %s)" % (feature, ", ".join(FEATURES)))
    return PLANNERS[feature](cfg, params, host=host)


# --- sessions ----------------------------------------------------------------------------------------

def state_families(plan: PeerConfigPlan, cfg: dict) -> List[str]:
    """Families whose brief table shows the state of each changed peer's session: the plan's family
    when the peer is enabled there, else the first family it is enabled in (same TCP session)."""
    view = _Config(cfg, plan.address_family, plan.vpn_instance)
    families = []
    for vrf, address in plan.changes:
        afs = view.enabled_families(vrf, address)
        if afs and afs[0] not in families:
            families.append(afs[0])
    return families


def negotiation_needed(plan: PeerConfigPlan, cfg: dict) -> List[str]:
    """Peers whose negotiated route-refresh decides a keep-all-routes reset (any change, local RR on)."""
    if plan.feature != KEEP_ALL_ROUTES:
        return []
    view = _Config(cfg, plan.address_family, plan.vpn_instance)
    # with local route-refresh off it is known not negotiated
    return [address for (vrf, address) in plan.changes if _route_refresh_of(view, view.peers[(vrf, address)])]


def _session_facts(facts, af):
    """``{(vpn_instance, address): fact}``, the plan's family preferred (all families show one session)."""
    out = {}
    for fact in facts["peers"]:
        key = (fact["vpn_instance"], fact["address"])
        if key not in out or fact["address_family"] == af:
            out[key] = fact
    return out


def predict_session_resets(plan: PeerConfigPlan, cfg: dict, facts: dict) -> Tuple[list, List[str]]:
    """-> (sessions_reset, warnings). Only Established sessions reset (others have nothing to drop).

    route-refresh change: every Established session of each changed peer (all its families).
    keep-all-routes change: the same, for peers that have not negotiated route-refresh (negotiation unknown counts
    as not negotiated); with route-refresh negotiated there is no reset (enabling it: a warning). The reference
    describes the reset for the first enable only; a later enable (vrpsim reading ``keep_all_routes_reenable``)
    and the undo ("disables this function", reading ``keep_all_routes_undo``) are not described, so every change
    is predicted (the safe side: refused without allow_session_reset) and ``observe_session_resets`` reports
    what happened.
    """
    view = _Config(cfg, plan.address_family, plan.vpn_instance)
    states = _session_facts(facts, plan.address_family)
    resets, warnings = [], []
    for (vrf, address), (_before, after) in plan.changes.items():
        fact = states.get((vrf, address))
        if fact is None or fact["state"] != ESTABLISHED:
            continue
        if plan.feature == ROUTE_REFRESH:
            reason = REASON_CAPABILITY
        else:
            negotiated = fact["route_refresh"]["negotiated"]
            if negotiated:
                if after:
                    warnings.append(
                        "peer %s has negotiated route-refresh: keep-all-routes does not reset the session, but "
                        "'refresh bgp ... import' for it will re-apply the import policy to the kept routes locally "
                        "instead of asking the peer to re-send them" % address)
                continue
            reason = (REASON_KEEP_ALL_UNDO if not after else REASON_KEEP_ALL if negotiated is False
                      else REASON_KEEP_ALL_UNKNOWN)
        for af in view.enabled_families(vrf, address):
            resets.append({"address": address, "address_family": af, "vpn_instance": vrf, "reason": reason})
    return resets, warnings


def _reset_evidence(fact, row):
    """Why a session Established before counts as reset now, or None (uptime is monotonic otherwise;
    the Up/Down column may only have minute resolution, so an equal value means no reset)."""
    if row is None:
        return "no longer listed"
    if row["state"] != ESTABLISHED:
        return "state %s after the commit" % row["state"]
    before, after = fact.get("uptime_seconds"), row.get("up_down_seconds")
    if before is not None and after is not None and after < before:
        return "uptime restarted (%s -> %s)" % (fact["up_down"], row["up_down"])
    return None


def observe_session_resets(cli, plan: PeerConfigPlan, cfg: dict, facts: dict, families: List[str], predicted: list,
                           timeout: float = OBSERVE_TIMEOUT, interval: float = OBSERVE_INTERVAL, sleep=time.sleep,
                           clock=time.monotonic) -> Tuple[list, List[str]]:
    """After the commit: which sessions Established before really went down or restarted.

    Reads the brief table(s) once; only while a predicted reset is not visible yet, again every
    ``interval`` up to ``timeout``. Returns (sessions_reset, warnings): the confirmed entries (predicted
    ones keep their reason; unpredicted ones get REASON_UNPREDICTED) with ``evidence``.
    """
    view = _Config(cfg, plan.address_family, plan.vpn_instance)
    before = {k: f for k, f in _session_facts(facts, plan.address_family).items() if f["state"] == ESTABLISHED}
    expected = {(e["vpn_instance"], e["address"]) for e in predicted}
    deadline = clock() + timeout
    while True:
        rows = read_session_states(cli, families, plan.vpn_instance)
        evidence = {k: _reset_evidence(f, rows.get(k)) for k, f in before.items()}
        seen = {k for k, why in evidence.items() if why}
        if expected <= seen or clock() + interval > deadline:
            break
        sleep(interval)
    out, warnings = [], []
    for entry in predicted:
        key = (entry["vpn_instance"], entry["address"])
        if key in seen:
            out.append(dict(entry, evidence=evidence[key]))
    missed = sorted({e["address"] for e in predicted if (e["vpn_instance"], e["address"]) not in seen})
    if missed:
        warnings.append("predicted session reset not seen within %d s after the commit (still Established, "
                        "uptime not restarted): %s" % (timeout, ", ".join(missed)))
    for key in sorted(seen - expected, key=lambda k: (k[0] or "", k[1])):
        for af in view.enabled_families(*key) or [plan.address_family]:
            out.append({"address": key[1], "address_family": af, "vpn_instance": key[0],
                        "reason": REASON_UNPREDICTED, "evidence": evidence[key]})
        warnings.append("session with %s went down or restarted after the commit although no reset was "
                        "predicted (%s)" % (key[1], evidence[key]))
    return out, warnings


def wait_reestablished(cli, plan: PeerConfigPlan, families: List[str], reset: list, started: float, timeout: float,
                       result: dict) -> None:
    """``wait_timeout``: poll until every session in ``reset`` (seen or predicted reset by the commit) is Established
    again, or proven not reset (``bgp_hard_reset.wait_for_sessions``); sets ``result["not_recovered"]`` and fails
    naming the sessions still down."""
    sessions = {(e["vpn_instance"], e["address"]): {"required": True} for e in reset}
    try:
        status, _polls = wait_for_sessions(lambda: read_session_states(cli, families, plan.vpn_instance), sessions,
                                           started, timeout)
    except VrpError as exc:
        raise OperationFailed("wait", "committed, but reading the sessions back failed (%s: %s)"
                              % (exc.step, exc.message), result) from exc
    result["not_recovered"] = sorted({key[1] for key, st in status.items() if st["status"] == "down"})
    if result["not_recovered"]:
        raise OperationFailed("wait", "committed; did not return to Established within wait_timeout (%ss): %s"
                              % (timeout, ", ".join(result["not_recovered"])), result)


# --- the whole procedure -----------------------------------------------------------------------------

def _describe_sessions(entries):
    return ", ".join("%s (%s%s)" % (e["address"], e["address_family"],
                                    " vpn-instance %s" % e["vpn_instance"] if e["vpn_instance"] else "")
                     for e in entries)


def apply_peer_config(cli, feature: str, params: dict, check_mode: bool = False) -> dict:
    """Run the module procedure (see the module docstring) over ``cli``; returns the module result.

    Raises OperationFailed (step pre-check, nothing configured) for unknown targets, an unreachable wanted
    state, and a change refused for the sessions it would reset (carrying the result with the prediction).
    """
    host = cli.host
    reader = BgpReader(cli)
    cfg = reader.config()
    plan = plan_peer_config(feature, cfg, params, host=host)
    unchanged = plan.diff()["before"]
    # until the commands are sent (or would be, in check mode) "after" is "before"
    result = {"changed": False, "commands": [], "sessions_reset": [], "sessions_reset_predicted": [],
              "before": plan.before, "after": dict(plan.before), "diff": {"before": unchanged, "after": unchanged},
              "warnings": list(plan.warnings)}
    if not plan.lines:
        return result

    families, facts = [], {"peers": []}
    if plan.changes:
        families = state_families(plan, cfg)
        facts = gather_bgp_facts(reader, subset=families,
                                 vpn_instances=[plan.vpn_instance] if plan.vpn_instance else None,
                                 verbose=False, verbose_peers=negotiation_needed(plan, cfg))
    predicted, warnings = predict_session_resets(plan, cfg, facts)
    result["warnings"] += warnings
    result["sessions_reset_predicted"] = predicted
    result["sessions_reset"] = list(predicted)
    if predicted and not params.get("allow_session_reset"):
        raise OperationFailed("pre-check", "the change would re-establish %d Established BGP session(s): %s; set "
                              "allow_session_reset: true to allow it (nothing was configured)"
                              % (len(predicted), _describe_sessions(predicted)), result, host=host)

    result.update(changed=True, commands=plan.commands + [render_commit(**commit_options(params))],
                  after=plan.after, diff=plan.diff())
    if params.get("commit_trial") and predicted:
        result["warnings"].append("commit trial: if the trial is not confirmed, the rollback changes the setting "
                                  "back and re-establishes these sessions again")
    started = time.monotonic()
    applied = guarded_commit(cli, plan, params, result["warnings"], check_mode, read_commit_id=False)
    if applied is None:   # check mode
        return result
    if not applied["changed"]:
        result.update(changed=False, after=dict(plan.before), sessions_reset=[],
                      diff={"before": unchanged, "after": unchanged})
        return result
    if families:
        # a failed read here keeps changed: true and sessions_reset = the prediction, with a warning
        observed = after_commit(
            lambda: observe_session_resets(cli, plan, cfg, facts, families, predicted), result["warnings"],
            "the BGP sessions (sessions_reset is the prediction, not observed)", params.get("commit_trial"))
        if observed is not None:
            confirmed, warnings = observed
            result["sessions_reset"] = confirmed
            result["warnings"] += warnings
        # the predicted ones too: a reset the router makes later than the observation is still waited for
        reset = result["sessions_reset"] + predicted
        if params.get("wait_timeout") and reset:
            wait_reestablished(cli, plan, families, reset, started, params["wait_timeout"], result)
    return result
