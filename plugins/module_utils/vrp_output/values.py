# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The value formats every VRP display shares: addresses, AS numbers, up/down times, prefixes.

Every pattern of the parsers is compiled at import: Ansible imports the action plugins (and so these
modules) in the controller's main process and forks a worker per task, which inherits the compiled
patterns. A pattern compiled on first use (``re.match(r"...")`` in a function, or lazily) would be
compiled again in every worker, i.e. once per task and host.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import ipaddress
import re
from typing import Optional

ESTABLISHED = "Established"

ADDR = r"[0-9A-Fa-f:.]+"
AS = r"\d+(?:\.\d+)?"

# Exactly the dotted quads ipaddress accepts (no leading zeros, octets <= 255), which are their own
# canonical form: the common case, without ipaddress' slower parsing.
_IPV4_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IPV4_CANONICAL = re.compile(r"^" + _IPV4_OCTET + r"(?:\." + _IPV4_OCTET + r"){3}\Z")


def _parsed(value):
    """``ipaddress``' canonical form of ``value`` (text, int or address object), None when it is not an address."""
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


@functools.lru_cache(maxsize=4096)
def _canonical_text(text):
    """Canonical form of the address ``text`` (a str), None when it is not one.

    Cached: ``ipaddress`` parsing was most of parse_bgp_config's time, and a router's outputs name the same
    few dozen addresses over and over (every ``peer X ...`` line, every display of the same peers).
    """
    return text if _IPV4_CANONICAL.match(text) else _parsed(text)


def _canonical(value):
    return _canonical_text(value) if isinstance(value, str) else _parsed(value)


def canonical_address(text: object) -> object:
    """``2001:DB8::1`` -> ``2001:db8::1``; text that is not an address is returned unchanged."""
    canonical = _canonical(text)
    return text if canonical is None else canonical


def is_address(text: object) -> bool:
    return _canonical(text) is not None


def canonical_network(text: str) -> str:
    """``2001:DB8:1::/64`` -> ``2001:db8:1::/64``; unchanged when not a prefix."""
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        return text


def as_number_to_int(value: object) -> int:
    """``"65011.21531"`` -> 4260254235; plain numbers unchanged (for comparing AS values)."""
    text = str(value)
    if "." in text:
        high, low = text.split(".", 1)
        return int(high) * 65536 + int(low)
    return int(text)


_CLOCK_TIME = re.compile(r"^\d+:\d{1,2}:\d{1,2}$")
_DURATION_UNITS = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: Optional[str]) -> Optional[int]:
    """VRP up/down times -> seconds: ``00:21:07``, ``0016h03m``, ``00h21m07s``, ``3d02h`` (None if not a time)."""
    if text is None:
        return None
    text = text.strip()
    if _CLOCK_TIME.match(text):
        hours, minutes, seconds = (int(part) for part in text.split(":"))
        return hours * 3600 + minutes * 60 + seconds
    m = _DURATION_UNITS.match(text)
    if not text or not m or not any(m.groups()):
        return None
    years, weeks, days, hours, minutes, seconds = (int(g) if g else 0 for g in m.groups())
    return ((((years * 365 + weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60) + seconds
