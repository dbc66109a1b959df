# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every VRP value rule, in one place: what an argument spec cannot say.

Types, choices, defaults and exclusions are declared once, in ``argspec.py`` (ansible-core checks them
first); this module adds the rules an argspec cannot express: VRP name characters and lengths, addresses
(``ipaddress``), AS numbers incl. asdot, no control characters, ranges, non-empty lists and cross-field
VRP rules (a VPN instance only with ``vpn-instance``, slow-peer forms). ``validate_params`` also applies
the argspec's choices and option names to callers that bypass ansible-core (the same declarations, read
from ``ARGSPECS``).

Each validator takes ``(value, field)``, returns the normalised value and raises
``ValidationError(field, message)`` naming the module argument at fault.  The action plugins call
``validate_params`` after ansible-core's argument-spec check and before any connection, and the
renderers in ``scope.py`` call the same validators again (defence in depth), so no unvalidated text
ever reaches a command line.

Length limits, with their source (NE40E V800R012C10 command reference unless noted):
  peer group name      1..47   (group(BGPOM))
  VPN instance name    1..31   (every ``vpn-instance-name`` parameter)
  route-policy name    1..200  (route-policy(RTPOM))
  ip-prefix name       1..169  (ip-prefix parameters)
  commit label         1..256  UNVERIFIED; letters/digits/``-``/``_``, first a letter (conservative)
  commit description   1..60   UNVERIFIED (conservative: rejected here rather than by the router)
  config line          1..510  UNVERIFIED (usual VRP command-line maximum)
  commit trial         60..65535 seconds (CfgTrial(CFGOM))
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re
import unicodedata
from typing import Optional, Sequence, Tuple

from ansible_collections.netops.vrp.plugins.module_utils.argspec import (
    ADDRESS_FAMILIES,
    ARGSPECS,
    SOFT_RESET_TARGET_OPTIONS,
)
from ansible_collections.netops.vrp.plugins.module_utils.vrp_output.values import as_number_to_int, is_address


class ValidationError(ValueError):
    """A user value breaks a VRP rule. ``field`` is the module argument name."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super(ValidationError, self).__init__("%s: %s" % (field, message))


# families with a `reset bgp ... slow-peer` form on some release (which release has which: release.py)
SLOW_PEER_FAMILIES = ("vpnv4", "ipv4", "vpn-instance")

NAME_LIMITS = {"group": 47, "vpn_instance": 31, "route_policy": 200, "ip_prefix": 169}
LABEL_MAX = 256
DESCRIPTION_MAX = 60
CONFIG_LINE_MAX = 510
TRIAL_MIN, TRIAL_MAX = 60, 65535
AS_MAX = 4294967295

# ASCII control characters (incl. TAB, CR, LF, NUL, ESC) and DEL: any of them in a line typed at the
# CLI would end the command early, trigger completion or move the cursor.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Names: printable ASCII without space, '?' (triggers CLI help) and quotes (VRP quoting rules).
_NAME = re.compile(r"^[\x21\x23-\x26\x28-\x3e\x40-\x7e]+$")
_LABEL = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_PLAIN_AS = re.compile(r"^[1-9][0-9]{0,9}$")
_ASDOT = re.compile(r"^(0|[1-9][0-9]{0,4})\.(0|[1-9][0-9]{0,4})$")
_DOTTED_QUAD = re.compile(r"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
                          r"(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$")
_DIGITS_AND_DOTS = re.compile(r"^[0-9.]+$")
_COMMIT_ID = re.compile(r"^[12][0-9]{9}$")


def _describe(value):
    """A short, safe rendering of a bad value for error messages (no raw control characters)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def escape_control(text: str) -> str:
    """``text`` with each control character (C0, DEL, C1) written as its Python escape (``\\x1b``, ``\\n``).

    For messages that quote a user's value as is (ansible-core's argument-spec errors): a newline or an
    ESC sequence must not reach a log or a terminal raw.
    """
    return "".join(repr(char)[1:-1] if unicodedata.category(char) == "Cc" else char for char in text)


def check_cli_text(value: str, field: str, allow_space: bool = True, allow_question: bool = False) -> str:
    """Common rule for anything typed at the VRP CLI; returns the string.

    Rejects non-strings, empty strings, control characters (newline, CR, NUL, ESC, TAB, ...), non-ASCII
    and leading/trailing whitespace (VRP would silently strip or mis-tokenise it).
    """
    if not isinstance(value, str):
        raise ValidationError(field, "must be a string, got %s" % type(value).__name__)
    if value == "":
        raise ValidationError(field, "must not be empty")
    if _CONTROL.search(value):
        raise ValidationError(field, "must not contain control characters (newline, CR, tab, NUL, ESC): %s"
                              % _describe(value))
    if any(ord(c) > 126 for c in value):
        raise ValidationError(field, "must be printable ASCII: %s" % _describe(value))
    if value != value.strip():
        raise ValidationError(field, "must not have leading or trailing whitespace: %s" % _describe(value))
    if not allow_space and " " in value:
        raise ValidationError(field, "must not contain spaces: %s" % _describe(value))
    if not allow_question and "?" in value:
        # '?' at the VRP CLI prints context help instead of running the line
        raise ValidationError(field, "must not contain '?': %s" % _describe(value))
    return value


# --- addresses and AS numbers ---------------------------------------------------------------------

def validate_peer_address(value: str, field: str = "peers", version: Optional[int] = None) -> str:
    """An IPv4 or IPv6 peer address (no prefix length, no zone id); returns the canonical form.

    ``version`` 4 or 6 restricts the family. IPv4 must be a plain dotted quad (no leading zeros,
    which some parsers read as octal). IPv6 is returned compressed lower-case.
    """
    check_cli_text(value, field, allow_space=False)
    if "/" in value:
        raise ValidationError(field, "must be an address, not a prefix: %s" % _describe(value))
    if "%" in value:
        raise ValidationError(field, "must not carry a zone/scope id: %s" % _describe(value))
    if ":" in value:
        try:
            addr = ipaddress.IPv6Address(value)
        except ValueError:
            raise ValidationError(field, "not a valid IPv6 address: %s" % _describe(value)) from None
    else:
        if not _DOTTED_QUAD.match(value):
            raise ValidationError(field, "not a valid IPv4 address: %s" % _describe(value))
        addr = ipaddress.IPv4Address(value)
    if addr.is_unspecified or addr.is_multicast:
        raise ValidationError(field, "not a usable peer address: %s" % _describe(value))
    if version is not None and addr.version != version:
        raise ValidationError(field, "must be an IPv%d address: %s" % (version, _describe(value)))
    return str(addr)


def validate_as_number(value: object, field: str = "as_number") -> str:
    """AS number: 1..4294967295 plain, or asdot ``x.y`` with x,y in 0..65535, not both 0.

    Accepts an int or a string and returns the string as VRP displays it (plain stays plain, asdot
    stays asdot) so comparisons with display output work.
    """
    if isinstance(value, bool):
        raise ValidationError(field, "must be an AS number, got a boolean")
    if isinstance(value, int):
        value = str(value)
    check_cli_text(value, field, allow_space=False)
    if _PLAIN_AS.match(value):
        if not 1 <= int(value) <= AS_MAX:
            raise ValidationError(field, "AS number out of range 1..%d: %s" % (AS_MAX, value))
        return value
    m = _ASDOT.match(value)
    if m:
        high, low = int(m.group(1)), int(m.group(2))
        if high > 65535 or low > 65535 or (high == 0 and low == 0):
            raise ValidationError(field, "asdot AS must be x.y with x,y in 0..65535, not 0.0: %s" % value)
        return value
    raise ValidationError(field, "not an AS number (1..4294967295 or x.y): %s" % _describe(value))


def same_as_number(first: object, second: object) -> bool:
    """Whether two AS values name the same AS, asplain or asdot (``1.10`` == ``65546``); the one AS
    comparison of the collection (modules and filters). None or non-AS text never matches."""
    try:
        return first is not None and second is not None and as_number_to_int(first) == as_number_to_int(second)
    except ValueError:
        return False


# --- names -----------------------------------------------------------------------------------------

def validate_name(value: str, field: str, kind: str) -> str:
    """A VRP object name of ``kind`` group | vpn_instance | route_policy | ip_prefix.

    Printable ASCII, no whitespace, no ``?``, no quotes (VRP would need quoting), within the
    documented length. A group name may not look like an IP address (``peer X ...`` would be
    ambiguous); ``_public_`` is reserved for the public instance.
    """
    limit = NAME_LIMITS[kind]
    check_cli_text(value, field, allow_space=False)
    if not _NAME.match(value):
        raise ValidationError(field, "may contain printable ASCII only, no spaces, '?' or quotes: %s"
                              % _describe(value))
    if len(value) > limit:
        raise ValidationError(field, "longer than %d characters (%d)" % (limit, len(value)))
    if kind == "group" and is_address(value):
        raise ValidationError(field, "a group name must not be an IP address: %s" % value)
    if kind == "vpn_instance" and value == "_public_":
        raise ValidationError(field, "'_public_' is reserved for the public network instance")
    return value


def validate_group_name(value: str, field: str = "groups") -> str:
    return validate_name(value, field, "group")


def validate_vpn_instance(value: str, field: str = "vpn_instance") -> str:
    return validate_name(value, field, "vpn_instance")


def validate_peer_or_group(value: str, field: str = "peers") -> str:
    """A ``peer`` command target: an address (canonicalised) or a group name."""
    if isinstance(value, str) and (":" in value or _DOTTED_QUAD.match(value) or _DIGITS_AND_DOTS.match(value)):
        return validate_peer_address(value, field)
    return validate_group_name(value, field)


# --- free text, config lines, numbers ----------------------------------------------------------------

def validate_commit_label(value: str, field: str = "commit_label") -> str:
    """``commit label X``: letters, digits, ``-``, ``_``; starts with a letter; 1..256 (UNVERIFIED)."""
    check_cli_text(value, field, allow_space=False)
    if not _LABEL.match(value):
        raise ValidationError(field, "must start with a letter and contain only letters, digits, '-' "
                                     "and '_': %s" % _describe(value))
    if len(value) > LABEL_MAX:
        raise ValidationError(field, "longer than %d characters (%d)" % (LABEL_MAX, len(value)))
    return value


def validate_commit_description(value: str, field: str = "commit_description") -> str:
    """``commit description TEXT``: printable ASCII incl. inner spaces, 1..60 chars (UNVERIFIED)."""
    check_cli_text(value, field)
    if len(value) > DESCRIPTION_MAX:
        raise ValidationError(field, "longer than %d characters (%d)" % (DESCRIPTION_MAX, len(value)))
    return value


def validate_config_line(value: str, field: str = "lines", allow_indent: bool = False) -> str:
    """One line for ``vrp_config``: printable ASCII, no control characters, no ``?``, ≤ 510 chars.

    ``allow_indent`` permits leading spaces (the indentation of ``src`` blocks); the line must still
    have content and no trailing whitespace.
    """
    body = value
    if allow_indent and isinstance(value, str):
        body = value.lstrip(" ")
        if value and not body:
            raise ValidationError(field, "must not be blank")
    check_cli_text(body, field)
    if len(value) > CONFIG_LINE_MAX:
        raise ValidationError(field, "longer than %d characters (%d)" % (CONFIG_LINE_MAX, len(value)))
    return value


def validate_config_text(value: str, field: str = "src") -> str:
    """A multi-line ``src`` block: each line a config line (indent allowed); blank and ``#`` lines kept."""
    if not isinstance(value, str):
        raise ValidationError(field, "must be a string, got %s" % type(value).__name__)
    lines = value.replace("\r\n", "\n").split("\n")
    for number, line in enumerate(lines, 1):
        if line.strip(" ") in ("", "#"):
            continue  # blank lines and VRP's '#' block separators carry no command
        try:
            validate_config_line(line, field, allow_indent=True)
        except ValidationError as exc:
            raise ValidationError(field, "line %d: %s" % (number, exc.message)) from exc
    return value


def validate_int(value: int, field: str, minimum: int, maximum: int) -> int:
    """An integer (not a bool) within ``minimum..maximum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, "must be an integer, got %s" % type(value).__name__)
    if not minimum <= value <= maximum:
        raise ValidationError(field, "must be between %d and %d, got %d" % (minimum, maximum, value))
    return value


def validate_timeout(value: int, field: str = "timeout", minimum: int = 1, maximum: int = 3600) -> int:
    """A wait bound in whole seconds (1..3600 by default)."""
    return validate_int(value, field, minimum, maximum)


def validate_batch_size(value: int, field: str = "batch_size", maximum: int = 1000) -> int:
    return validate_int(value, field, 1, maximum)


def validate_commit_trial(value: int, field: str = "commit_trial") -> int:
    """``commit trial N``: 60..65535 seconds."""
    return validate_int(value, field, TRIAL_MIN, TRIAL_MAX)


def validate_choice(value: str, field: str, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValidationError(field, "must be one of %s, got %s" % (", ".join(choices), _describe(value)))
    return value


def validate_bool(value: bool, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(field, "must be a boolean, got %s" % type(value).__name__)
    return value


def validate_commit_id(value: object, field: str = "commit_id") -> str:
    """Rollback point ids: 1000000001..1999999999 (and periodic 2000000001..)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    check_cli_text(value, field, allow_space=False)
    if not _COMMIT_ID.match(value):
        raise ValidationError(field, "not a VRP commit id (10 digits, 1000000001..): %s" % _describe(value))
    return value


def _list_of(value, field):
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ValidationError(field, "must be a list, got %s" % type(value).__name__)
    if not value:
        raise ValidationError(field, "must not be empty")
    return list(value)


# --- scope -------------------------------------------------------------------------------------------

# scope operation -> the module whose argspec declares its selectors
_SCOPE_MODULES = {"refresh": "bgp_soft_reset", "reset": "bgp_reset", "peer_config": "bgp_route_refresh"}


def _given(params, key):
    value = params.get(key)
    return value is not None and value != [] and value is not False


def validate_family(address_family: str, vpn_instance: Optional[str], strict: bool = True) -> Tuple[str, Optional[str]]:
    """An address family and its VPN instance -> ``(af, vpn_instance or None)``.

    The VPN instance is required with ``vpn-instance`` (a valid name); ``strict`` refuses one with any
    other family (module arguments, scopes), otherwise it is ignored (display and view helpers).
    """
    af = validate_choice(address_family, "address_family", ADDRESS_FAMILIES)
    if af == "vpn-instance":
        if vpn_instance is None:
            raise ValidationError("vpn_instance", "required when address_family is vpn-instance")
        return af, validate_vpn_instance(vpn_instance)
    if strict and vpn_instance is not None:
        raise ValidationError("vpn_instance", "only valid with address_family vpn-instance (got %s)" % af)
    return af, None


def validate_scope_peer(value: str, address_family: str, field: str = "peers") -> str:
    """A peer address of a refresh/reset scope: ipv4 and vpn-instance take IPv4 peers only, ipv6 and vpnv4
    take both (NE40E-CR refresh/reset grammar lists IPv4 peers for ``ipv6`` too: 6PE)."""
    try:
        return validate_peer_address(value, field, version=4 if address_family in ("ipv4", "vpn-instance") else None)
    except ValidationError as exc:
        raise ValidationError(field, "%s (address_family %s)" % (exc.message, address_family)) from exc


def check_slow_peer(address_family: str, peer_or_all: bool) -> None:
    """``reset bgp {vpnv4 | ipv4 | vpn-instance X ipv4-family} [ADDR] slow-peer``: the families and targets it has."""
    if address_family not in SLOW_PEER_FAMILIES:
        raise ValidationError("slow_peer", "only valid with address_family %s (got %s)"
                              % (" or ".join(SLOW_PEER_FAMILIES), address_family))
    if not peer_or_all:
        raise ValidationError("slow_peer", "takes peers or selector: all (reset bgp ... [ADDR] slow-peer)")


def _unique_items(params, key, check):
    """The non-duplicate validated items of a scope list; errors say which item."""
    out = []
    for index, item in enumerate(_list_of(params[key], key)):
        try:
            value = check(item)
        except ValidationError as exc:
            raise ValidationError(key, "item %d: %s" % (index + 1, exc.message)) from exc
        if value not in out:
            out.append(value)
    return out


def validate_scope(params: dict, operation: str = "refresh") -> dict:
    """Check the shared scope arguments and return a normalised copy of them.

    ``operation``: ``refresh`` (bgp_soft_reset), ``reset`` (bgp_reset, adds ``as_number`` and
    ``slow_peer``) or ``peer_config`` (bgp_route_refresh / bgp_keep_all_routes: peers or groups only).
    Which selectors exist is the argspec's (``required_one_of``); here: exactly one of them non-empty,
    ``validate_family``, peers per family (``validate_scope_peer``), ``check_slow_peer``. Duplicate
    peers/groups are dropped (same canonical address = same peer).
    """
    if operation not in _SCOPE_MODULES:
        raise ValueError("unknown operation %r" % operation)
    af, vrf = validate_family(params.get("address_family") or "ipv4", params.get("vpn_instance"))
    out = dict(address_family=af, vpn_instance=vrf, peers=None, groups=None, selector=None, as_number=None)
    selectors = [key for key in ARGSPECS[_SCOPE_MODULES[operation]]["required_one_of"][0] if key != "targets"]
    given = [key for key in selectors if _given(params, key)]
    if len(given) > 1:
        raise ValidationError(given[1], "mutually exclusive with %s: give exactly one of %s"
                              % (given[0], ", ".join(selectors)))
    if not given:
        # the first selector gets the blame; an empty list counts as missing
        field = next((k for k in selectors if params.get(k) is not None), selectors[0])
        raise ValidationError(field, "give exactly one of %s (non-empty)" % ", ".join(selectors))
    key = given[0]
    if key == "peers":
        out["peers"] = _unique_items(params, "peers", lambda item: validate_scope_peer(item, af))
    elif key == "groups":
        out["groups"] = _unique_items(params, "groups", validate_group_name)
    elif key == "as_number":
        out["as_number"] = validate_as_number(params["as_number"], "as_number")
    else:
        out["selector"] = params["selector"]
    slow = params.get("slow_peer")
    slow = False if slow is None else validate_bool(slow, "slow_peer")
    if slow:
        check_slow_peer(af, key == "peers" or out["selector"] == "all")
    if operation == "reset":
        out["slow_peer"] = slow
    return out


# --- all module arguments -------------------------------------------------------------------------

def _check_lines(value, field):
    return [validate_config_line(line, field) for line in _list_of(value, field)]


def _check_parents(value, field):
    if value in (None, []):
        return []
    return [validate_config_line(line, field) for line in _list_of(value, field)]


def _check_vpn_instances(value, field):
    return [validate_vpn_instance(item, field) for item in _list_of(value, field)]


def _check_peer_addresses(value, field):
    return [validate_peer_address(item, field) for item in _list_of(value, field)]


# module argument name -> validator(value, field); None values are skipped (argspec defaults)
FIELD_VALIDATORS = {
    "commit_label": validate_commit_label,
    "commit_description": validate_commit_description,
    "commit_trial": validate_commit_trial,
    "label": validate_commit_label,
    "commit_id": validate_commit_id,
    "last": lambda v, f: validate_int(v, f, 1, 80),
    "verify_timeout": lambda v, f: validate_timeout(v, f, 1, 3600),
    "wait_timeout": lambda v, f: validate_timeout(v, f, 1, 3600),
    "batch_size": validate_batch_size,
    "batch_pause": lambda v, f: validate_int(v, f, 0, 3600),
    "lines": _check_lines,
    "parents": _check_parents,
    "src": validate_config_text,
    "trial_within": validate_config_text,   # vrp_commit: compared, never typed, but the same text rules
    "vpn_instances": _check_vpn_instances,
    "check_mode_keep_all_routes": _check_peer_addresses,
}

# modules whose arguments include the shared scope, and which scope operation they are
SCOPE_OPERATIONS = {
    "bgp_soft_reset": "refresh",
    "bgp_reset": "reset",
    "bgp_route_refresh": "peer_config",
    "bgp_keep_all_routes": "peer_config",
}


def check_declared(options: dict, params: dict, prefix: str = "") -> None:
    """The argspec's option names and choices (``options``: an ``argument_spec``), for params that did not
    come through ansible-core's validator; a required option with choices must be given one of them."""
    for key in params:
        if key not in options and not key.startswith("_"):
            raise ValidationError(prefix + key, "not an option here (options: %s)" % ", ".join(sorted(options)))
    for key, option in options.items():
        value = params.get(key)
        if option.get("choices") and (value is not None or option.get("required")):
            items = _list_of(value, prefix + key) if option.get("type") == "list" else [value]
            for item in items:
                validate_choice(item, prefix + key, option["choices"])


def validate_target(target: dict, index: int, operation: str) -> dict:
    """One item of a ``targets`` list: its scope and direction, errors named ``targets[INDEX].FIELD``."""
    try:
        check_declared(SOFT_RESET_TARGET_OPTIONS, target)
        out = dict(target, **validate_scope(target, operation))
        if target.get("check_mode_keep_all_routes") is not None:
            out["check_mode_keep_all_routes"] = _check_peer_addresses(target["check_mode_keep_all_routes"],
                                                                      "check_mode_keep_all_routes")
    except ValidationError as exc:
        raise ValidationError("targets[%d].%s" % (index, exc.field), exc.message) from exc
    return out


def validate_params(module: str, params: dict) -> dict:
    """Validate every VRP value in a module's arguments; returns a dict of normalised values.

    Raises ValidationError naming the first bad field. Arguments without a VRP rule (booleans,
    choices already checked by the argument spec) pass through unchanged.
    """
    check_declared(ARGSPECS[module]["argument_spec"], params)
    out = dict(params)
    operation = SCOPE_OPERATIONS.get(module)
    if params.get("targets") is not None:
        if not params["targets"]:
            raise ValidationError("targets", "must list at least one target (or leave it out)")
        out["targets"] = [validate_target(target, index, operation) for index, target in enumerate(params["targets"])]
    elif operation:
        out.update(validate_scope(params, operation))
    for field, check in FIELD_VALIDATORS.items():
        if params.get(field) is not None:
            out[field] = check(params[field], field)
    return out
