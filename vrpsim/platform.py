"""Release profiles and open-question readings: what differs between the VRP8 releases vrpsim emulates.

A topology router (or the topology's ``defaults``) names its release with ``platform:`` and may pick a
reading for each behaviour the vendor text leaves open with ``readings:``. Everything else in vrpsim asks
``router.platform`` / ``router.readings`` (or ``profile_for`` / ``readings_for`` on a topology spec) instead of
hard-coding one release. Sources for every field: docs/fidelity.md.
"""
from dataclasses import dataclass, field

DEFAULT_PLATFORM = "ne40e-v800r012c10"


@dataclass(frozen=True)
class Platform:
    name: str                    # the topology's ``platform:`` value
    product: str                 # as in the ``display version`` release line
    release: str                 # e.g. V800R012C10
    version_line: str            # second line of ``display version``
    model: str                   # "HUAWEI <model> uptime is ..."
    display_timestamp: bool      # display output starts with "2024-06-08 13:04:22.667 +03:00" [netdis]
    numbered_errors: bool        # syntax errors print "Error[1]: ..." [gnetcli huawei_test.go]
    # reset ... slow-peer forms the release has: "vpnv4" (seed 002), "ipv4" and "vpn-instance" (CE-CR reset_bgp.md)
    slow_peer_reset_forms: frozenset = field(default_factory=frozenset)
    # peer verbose line for keep-all-routes; None: the release prints none (NE40E: no source shows one)
    keep_all_routes_verbose: str = None
    # `refresh bgp vpnv4 ...` / `reset bgp vpnv4 <target>` exist [NE40E-CR refresh(BGPOM), reset(BGPOM)];
    # the CE-CR lists none (only vpnv4 dampening / flap-info / multicast resets)
    vpnv4_refresh_reset: bool = True


PLATFORMS = {
    p.name: p for p in (
        # [NE40E-CR displayVersion(SPMOM)]; no `reset ... slow-peer` among the 27,538 forms of [NE40E-CR]
        Platform(name="ne40e-v800r012c10", product="NE40E", release="V800R012C10",
                 version_line="VRP (R) software, Version 8.200 (NE40E V800R012C10)", model="NE40E-X16",
                 display_timestamp=False, numbered_errors=False),
        # [netdis] NE40E V800R022C00 captures (timestamp first line); seed 002 (reset bgp vpnv4 [ip] slow-peer)
        Platform(name="ne40e-v800r022c00", product="NE40E", release="V800R022C00",
                 version_line="VRP (R) software, Version 8.220 (NE40E V800R022C00SPC500)", model="NE40E-X16A",
                 display_timestamp=True, numbered_errors=True, slow_peer_reset_forms=frozenset({"vpnv4"})),
        # [CE-CR display_version_(All_views).md, reset_bgp.md, display_bgp_unnumbered_peer_verbose.md]
        Platform(name="ce-v300r023c00", product="CE6800", release="V300R023C00",
                 version_line="YunShan OS, Version 1.23.0.X (CE6800 V300R023C00)", model="CE6866-48S8CQ-P",
                 display_timestamp=False, numbered_errors=False,
                 slow_peer_reset_forms=frozenset({"ipv4", "vpn-instance"}),
                 keep_all_routes_verbose="Soft-Reconfiguration has been enabled", vpnv4_refresh_reset=False),
    )
}

# Each open question (docs/fidelity.md "Unknowns") and its readings; the first is the default.
READINGS = {
    # R6: `refresh bgp ... import` on a peer with keep-all-routes: re-apply the import policy to the kept
    # routes, or "does not refresh the routing table" [NE40E-CR refresh(BGPOM)] taken literally, or the
    # kept routes are re-evaluated by themselves when the policy changes (at commit) and the refresh adds
    # nothing ("If the local routing policy changes, the retained information can be used to regenerate
    # BGP routes" [seed 000; NE40E-CR bgp-peer-keep-all-routes(BGPOM)]).
    "keep_all_routes_refresh": ("reapply", "noop", "auto"),
    # enabling keep-all-routes again after an undo, without route-refresh: sessions re-established again or not
    "keep_all_routes_reenable": ("reset", "no_reset"),
    # `undo peer X keep-all-routes` without route-refresh: the vendor text only says undo "disables this function"
    # [NE40E-CR bgp-peer-keep-all-routes(BGPOM) and its 22 sibling pages; CE-CR peer_keep-all-routes_*]: the
    # session stays, or is re-established like the first enable (no_reset | reset)
    "keep_all_routes_undo": ("no_reset", "reset"),
    # the text for a peer / group that does not exist: "Error: ..." or "Info: ..." [fs: IDCLogChecker]
    "missing_peer_text": ("error", "info"),
    # R5: a trial belongs to the session that started it [NE40E-CG Configuration_Precautions; NE40E-CR CfgTrial];
    # what another session gets for a plain `commit` / `abort trial` is undocumented: "refused" prints an
    # Error line; "silent": an empty `commit` prints nothing and leaves the trial, `abort trial` answers as if
    # no trial were running. Either way only `abort trial session <owner id>` or the timer ends it.
    "foreign_trial": ("refused", "silent"),
    # `refresh bgp ... export` with a peer that has not negotiated route-refresh: the router re-sends its
    # Adj-RIB-Out (nothing in BGP needs the capability for that), or does nothing -- seed 001 says the soft
    # reset "requires peers to support the route-refresh capability" without excepting export
    # (vrp-fidelity.md §6 item 36)
    "export_refresh_without_rr": ("resend", "noop"),
}


class PlatformError(ValueError):
    pass


def _pick(spec, defaults, key):
    value = (spec or {}).get(key)
    return value if value is not None else (defaults or {}).get(key)


def profile_for(spec, defaults=None):
    """The Platform of a topology router spec (its own ``platform:``, else the defaults', else NE40E R012)."""
    name = _pick(spec, defaults, "platform") or DEFAULT_PLATFORM
    if name not in PLATFORMS:
        raise PlatformError("unknown platform %r (known: %s)" % (name, ", ".join(sorted(PLATFORMS))))
    return PLATFORMS[name]


def readings_for(spec, defaults=None):
    """``{question: reading}`` for a topology router spec: defaults' ``readings:`` overlaid by its own."""
    chosen = dict((defaults or {}).get("readings") or {})
    chosen.update((spec or {}).get("readings") or {})
    out = {}
    for question, choices in READINGS.items():
        value = chosen.pop(question, choices[0])
        if value not in choices:
            raise PlatformError("reading %s=%r: choose one of %s" % (question, value, ", ".join(choices)))
        out[question] = value
    if chosen:
        raise PlatformError("unknown readings: %s (known: %s)" % (", ".join(sorted(chosen)), ", ".join(READINGS)))
    return out
