# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The router's release, and which ``refresh bgp`` / ``reset bgp`` forms each known release has.

One home for release awareness:

- ``parse_release(output)``: product and release from ``display version``'s version line, e.g.
  ``VRP (R) software, Version 8.200 (NE40E V800R012C10)`` [NE40E-CR displayVersion(SPMOM)] or
  ``YunShan OS, Version 1.23.0.X (CE6800 V300R023C00)`` [CE-CR display_version_(All_views).md];
  a patch suffix (``V800R022C00SPC500``) is dropped.
- ``learn_release(cli)``: sends ``display version`` once per login. The session keeper keeps the answer
  with the SSH session (``KeeperTransport.release``), so every later task of the play on that router
  reuses it; a new login learns it again.
- ``FORM_SUPPORT``: per known release, the forms the collection renders whose existence differs between
  releases; ``check_forms`` refuses a form a release lacks, naming both, before anything is sent (check
  mode too). An unknown release, or a form the table says nothing about, is not refused: the router
  answers, and a refused line fails the task cleanly (``Error: Unrecognized command ...``).
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from typing import Dict, Optional

DISPLAY_VERSION = "display version"

# "... Version 8.200 (NE40E V800R012C10)" / "... Version 1.23.0.X (CE6800 V300R023C00)"
_VERSION_RE = re.compile(r"Version\s+(\S+)\s+\(\s*(\S+)\s+(V\d{3}R\d{3}C\d{2})", re.I)

# form names (as in the command references, with the collection's placeholders)
RESET_VPNV4_SLOW_PEER = "reset bgp vpnv4 [<ip>] slow-peer"
RESET_IPV4_SLOW_PEER = "reset bgp ipv4 [<ip>] slow-peer"
RESET_VRF_SLOW_PEER = "reset bgp vpn-instance <name> ipv4-family [<ip>] slow-peer"
RESET_VPNV4 = "reset bgp vpnv4 {<as>|<ip>|all|external|internal|group <name>}"
REFRESH_VPNV4 = "refresh bgp vpnv4 {<ip>|all|external|internal|group <name>} {import|export}"

# (product prefix, release) -> {form: exists}. Sources: [NE40E-CR reset(BGPOM), refresh(BGPOM)] (no
# slow-peer reset among its 27,538 forms); seed 002 (V800R022C00: reset bgp vpnv4 [ip] slow-peer);
# [CE-CR IP_Routing/BGP_Configuration_Commands/reset_bgp.md, refresh_bgp.md] (ipv4 / vpn-instance
# slow-peer forms; no vpnv4 refresh/reset form at all). Missing entries: unknown, not refused.
FORM_SUPPORT = {
    ("NE40E", "V800R012C10"): {
        RESET_VPNV4_SLOW_PEER: False, RESET_IPV4_SLOW_PEER: False, RESET_VRF_SLOW_PEER: False,
        RESET_VPNV4: True, REFRESH_VPNV4: True,
    },
    ("NE40E", "V800R022C00"): {
        RESET_VPNV4_SLOW_PEER: True, RESET_VPNV4: True, REFRESH_VPNV4: True,
    },
    ("CE", "V300R023C00"): {
        RESET_VPNV4_SLOW_PEER: False, RESET_IPV4_SLOW_PEER: True, RESET_VRF_SLOW_PEER: True,
        RESET_VPNV4: False, REFRESH_VPNV4: False,
    },
}


class ReleaseError(ValueError):
    """A command form the router's release does not have (nothing was sent)."""


def parse_release(output: Optional[str]) -> Dict[str, Optional[str]]:
    """``display version`` -> ``{"product", "release", "version"}``; every value None when not found."""
    match = _VERSION_RE.search(output or "")
    if not match:
        return {"product": None, "release": None, "version": None}
    return {"product": match.group(2), "release": match.group(3).upper(), "version": match.group(1)}


def describe(release: Optional[dict]) -> str:
    """``NE40E V800R012C10`` or ``unknown release``."""
    if not release or not release.get("release"):
        return "unknown release"
    return "%s %s" % (release.get("product") or "?", release["release"])


def supported_forms(release: Optional[dict]) -> Dict[str, bool]:
    """The FORM_SUPPORT entry of ``release`` (``{}`` when the release is unknown)."""
    if not release or not release.get("release") or not release.get("product"):
        return {}
    for (prefix, code), forms in FORM_SUPPORT.items():
        if release["product"].upper().startswith(prefix) and release["release"] == code:
            return forms
    return {}


def learn_release(cli) -> Dict[str, Optional[str]]:
    """The release of ``cli``'s router: kept by the transport (session keeper) after the first ask per login."""
    transport = cli.transport
    connect = getattr(transport, "connect", None)
    if connect is not None:
        connect()   # the keeper's hello carries what this login already learned
    known = getattr(transport, "release", None)
    if known is not None:
        return known
    release = parse_release(cli.display(DISPLAY_VERSION))
    remember = getattr(transport, "remember_release", None)
    if remember is not None:
        remember(release)
    else:
        transport.release = release
    return release


def form_of(operation: str, address_family: str, slow_peer: bool = False) -> Optional[str]:
    """The release-dependent form a ``refresh``/``reset`` of ``address_family`` uses, or None (every
    release has it)."""
    if operation == "reset" and slow_peer:
        return {"vpnv4": RESET_VPNV4_SLOW_PEER, "ipv4": RESET_IPV4_SLOW_PEER,
                "vpn-instance": RESET_VRF_SLOW_PEER}.get(address_family)
    if address_family == "vpnv4":
        return RESET_VPNV4 if operation == "reset" else REFRESH_VPNV4
    return None


def check_forms(release: Optional[dict], forms) -> None:
    """Raise ReleaseError for the first of ``forms`` that ``release`` is known to lack."""
    support = supported_forms(release)
    for form in forms:
        if form is not None and support.get(form) is False:
            # the same kind of form that release does have (a slow-peer reset of another family)
            kin = sorted(f for f, ok in support.items() if ok and f.endswith("slow-peer") and form.endswith("slow-peer"))
            raise ReleaseError("%s has no '%s'%s; nothing was sent"
                               % (describe(release), form, " (it has %s)" % ", ".join("'%s'" % f for f in kin)
                                  if kin else ""))
