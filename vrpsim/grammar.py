"""Every command the emulated router knows: its syntax, the views it is valid in, and what it does.

Syntax strings use a small notation: ``word`` is a keyword (any unique prefix is accepted, as on VRP),
``<type>`` a parameter checked by ``PARAM_TYPES``, ``<type>...`` one or more of them, ``[a|b c]`` an
optional choice, ``{a|b}`` a mandatory choice. ``match_command`` turns a typed line into a ``Match``
(keywords expanded, parameters normalised) or raises ``CliError`` with VRP's error kind and the index of
the offending token.

Config semantics are declared here (``action``, ``key``, ...) and carried out in ``config.py``:
``key`` = indexes of the tokens (of the positive form) that identify a setting, so a new line replaces
the line with the same key (``peer X as-number N`` replaces the old AS).
"""
import ipaddress
import itertools
import re
from dataclasses import dataclass, field

from vrpsim.errors import CliError

# ---------------------------------------------------------------------------------------------------
# Parameter types: each returns the normalised token, or None when the token is not acceptable.

_NAME_RE = re.compile(r"^[A-Za-z0-9_.:/+-][^\s?\"]{0,168}$")
_IP_LIKE_RE = re.compile(r"^[0-9.]+$|:")


def _ipv4(token):
    try:
        return str(ipaddress.IPv4Address(token))
    except ValueError:
        return None


def _ipv6(token):
    if ":" not in token:
        return None
    try:
        return str(ipaddress.IPv6Address(token))
    except ValueError:
        return None


def _ip(token):
    return _ipv4(token) or _ipv6(token)


def _as_number(token):
    """Plain (1..4294967295) or asdot (x.y) AS number."""
    if re.fullmatch(r"\d{1,10}", token) and 1 <= int(token) <= 4294967295:
        return str(int(token))
    m = re.fullmatch(r"(\d{1,5})\.(\d{1,5})", token)
    if m and int(m[1]) <= 65535 and int(m[2]) <= 65535 and (int(m[1]) or int(m[2])):
        return "%d.%d" % (int(m[1]), int(m[2]))
    return None


def _name(token):
    return token if _NAME_RE.match(token) else None


def _peer(token):
    """A peer address or a peer-group name; an address-looking token must be a valid address."""
    address = _ip(token)
    if address:
        return address
    return None if _IP_LIKE_RE.search(token) else _name(token)


def _community(token):
    if token in ("internet", "no-export", "no-advertise", "no-export-subconfed"):
        return token
    m = re.fullmatch(r"(\d{1,5}):(\d{1,5})", token)
    if m and int(m[1]) <= 65535 and int(m[2]) <= 65535:
        return token
    if re.fullmatch(r"\d{1,10}", token) and int(token) <= 4294967295:
        return token
    return None


def _route_target(token):
    """RD / VPN target: ``AS:nn`` or ``IPv4:nn``."""
    head, sep, tail = token.rpartition(":")
    if not sep or not re.fullmatch(r"\d{1,10}", tail):
        return None
    if _as_number(head) or _ipv4(head):
        return token
    return None


def _mask(token):
    """Prefix length or dotted mask (interface ``ip address``); VRP stores the dotted mask."""
    if not (re.fullmatch(r"\d{1,2}", token) or _ipv4(token)):
        return None
    try:
        return str(ipaddress.IPv4Network("0.0.0.0/" + token).netmask)
    except ValueError:
        return None


def _interface(token):
    return token if re.fullmatch(r"[A-Za-z][A-Za-z-]*\d+(?:/\d+)*(?:\.\d+)?", token) else None


def _word(token):
    return token


def _int_range(low, high):
    def check(token):
        if re.fullmatch(r"\d{1,10}", token) and low <= int(token) <= high:
            return str(int(token))
        return None
    return check


PARAM_TYPES = {
    "ipv4": _ipv4,
    "ipv6": _ipv6,
    "ip": _ip,
    "as": _as_number,
    "name": _name,
    "peer": _peer,
    "community": _community,
    "rt": _route_target,
    "mask": _mask,
    "interface": _interface,
    "word": _word,
    "len4": _int_range(0, 32),
    "len6": _int_range(0, 128),
    "index": _int_range(0, 4294967295),
    "node": _int_range(0, 65535),
    "uint": _int_range(0, 4294967295),
    "trial": _int_range(60, 65535),
    "last": _int_range(1, 80),
    "screen": _int_range(0, 512),
    "session": _int_range(0, 65535),          # abort trial session <id> [CE-CR abort_trial.md]
    "commit_id": _int_range(1000000001, 1999999999),
}


# ---------------------------------------------------------------------------------------------------
# Pattern elements and compilation of the syntax notation into linear sequences.

@dataclass(frozen=True)
class Keyword:
    word: str


@dataclass(frozen=True)
class Param:
    type: str
    repeat: bool = False   # True: zero or more further tokens of the type (the tail of ``<type>...``)


def _tokenize_syntax(syntax):
    return re.findall(r"<[a-z0-9_]+>(?:\.\.\.)?|[\[\]{}|]|[^\s\[\]{}|]+", syntax)


def _parse_alternatives(items, pos, closer):
    """Parse ``seq | seq | ...`` up to ``closer``; returns (list of alternative sequences, new pos)."""
    alternatives, current = [], [[]]
    while pos < len(items):
        item = items[pos]
        if item == closer:
            alternatives.extend(current)
            return alternatives, pos + 1
        if item == "|":
            alternatives.extend(current)
            current = [[]]
            pos += 1
            continue
        if item in ("[", "{"):
            sub, pos = _parse_alternatives(items, pos + 1, "]" if item == "[" else "}")
            if item == "[":
                sub = [[]] + sub
            current = [seq + alt for seq, alt in itertools.product(current, sub)]
            continue
        if item.startswith("<"):
            name = item.strip("<>.")
            if name not in PARAM_TYPES:
                raise ValueError("unknown parameter type %r" % name)
            element = [Param(name)] + ([Param(name, repeat=True)] if item.endswith("...") else [])
        else:
            element = [Keyword(item)]
        current = [seq + element for seq in current]
        pos += 1
    if closer is not None:
        raise ValueError("unbalanced syntax")
    alternatives.extend(current)
    return alternatives, pos


def expand_syntax(syntax):
    """All linear element sequences a syntax string allows."""
    alternatives, _ = _parse_alternatives(_tokenize_syntax(syntax), 0, None)
    return [tuple(seq) for seq in alternatives]


# ---------------------------------------------------------------------------------------------------
# Views (grammar names; the prompt suffix is built by cli.py)

USER = "user"
SYSTEM = "system"
BGP = "bgp"
BGP_AF_IPV4 = "bgp-af-ipv4"
BGP_AF_VPNV4 = "bgp-af-vpnv4"
BGP_AF_IPV6 = "bgp-af-ipv6"
BGP_VPN = "bgp-vpn"                  # ipv4-family vpn-instance V (prompt -bgp-V)
ROUTE_POLICY = "route-policy"
VPN_INSTANCE = "vpn-instance"
VPN_INSTANCE_AF = "vpn-instance-af-ipv4"
INTERFACE = "interface"

BGP_AF_VIEWS = (BGP_AF_IPV4, BGP_AF_VPNV4, BGP_AF_IPV6)
PEER_VIEWS = (BGP, BGP_VPN) + BGP_AF_VIEWS
CONFIG_VIEWS = (SYSTEM, BGP, BGP_VPN, ROUTE_POLICY, VPN_INSTANCE, VPN_INSTANCE_AF, INTERFACE) + BGP_AF_VIEWS
ALL_VIEWS = (USER,) + CONFIG_VIEWS


@dataclass(frozen=True)
class Command:
    syntax: str
    views: tuple
    action: str
    key: tuple = ()             # config identity (token indexes of the positive form)
    enters: str = None          # view entered by a block command
    peer_check: bool = False    # tokens[1] must name an existing peer or group
    default_on: bool = False    # on by default: stored as the ``undo`` line, the positive form removes it
    sequences: tuple = field(default=(), compare=False, repr=False)


def _cmd(syntax, views, action, **kw):
    return Command(syntax, tuple(views), action, sequences=tuple(expand_syntax(syntax)), **kw)


def _undo(cmd_syntax, views, **kw):
    return _cmd("undo " + cmd_syntax, views, "unset", **kw)


_AF_PREFIX = "[ipv6|vpnv4 all|vpnv4 vpn-instance <name>|vpnv6 all]"
_TARGET = "{all|<ip>|external|internal|group <name>}"
_RESET_TARGET = "{all|<as>|<ip>|external|internal|group <name>}"

COMMANDS = (
    # --- session and commit model ------------------------------------------------------------------
    _cmd("system-view", [USER], "system_view"),
    _cmd("quit", ALL_VIEWS, "quit"),
    _cmd("return", ALL_VIEWS, "return"),
    _cmd("screen-length <screen> temporary", [USER], "screen_length"),
    # commit [ trial [ <time> ] [ label <label> ] ] [ description <description> ] [NE40E-CR Commit(CFGOM)]
    _cmd("commit [trial [<trial>] [label <name>]|label <name>] [description <word>...]", CONFIG_VIEWS, "commit"),
    # abort trial [ session <session-id> ], all views except the user view [NE40E-CR CfgTrial; CE-CR abort_trial.md]
    _cmd("abort trial [session <session>]", CONFIG_VIEWS, "abort_trial"),
    _cmd("clear configuration candidate", CONFIG_VIEWS, "clear_candidate"),
    _cmd("rollback configuration {to commit-id <commit_id>|last <last>|to label <name>}", [USER], "rollback"),
    # --- display ---------------------------------------------------------------------------------------
    _cmd("display version", ALL_VIEWS, "display_version"),
    _cmd("display current-configuration [configuration {bgp|route-policy|vpn-instance|interface}]",
         ALL_VIEWS, "display_current"),
    _cmd("display this", CONFIG_VIEWS, "display_this"),
    _cmd("display configuration candidate [changes]", CONFIG_VIEWS, "display_candidate"),
    _cmd("display configuration commit list [verbose] [<uint>]", ALL_VIEWS, "display_commit_list"),
    # [NE40E-CR DisplayCfgCommitChanges(CFGOM)] (with-tag is not modelled)
    _cmd("display configuration commit changes [{at <commit_id>|since <commit_id>|last <last>}]", ALL_VIEWS,
         "display_commit_changes"),
    _cmd("display configuration trial status", ALL_VIEWS, "display_trial_status"),
    _cmd("display bgp %s peer [<ip>] [verbose]" % _AF_PREFIX, ALL_VIEWS, "display_bgp"),
    _cmd("display bgp %s group [<name>]" % _AF_PREFIX, ALL_VIEWS, "display_bgp"),
    _cmd("display bgp %s routing-table [statistics [active]|<ip> [<len6>]|peer <ip> "
         "{received-routes|advertised-routes|accepted-routes|not-accepted-routes} [statistics]]" % _AF_PREFIX,
         ALL_VIEWS, "display_bgp"),
    # --- operational (user view) ----------------------------------------------------------------------
    _cmd("refresh bgp [vpn-instance <name> {ipv4-family|ipv6-family}|vpnv4|ipv6|vpnv6] %s {import|export}"
         % _TARGET, [USER], "refresh_bgp"),
    # [NE40E-CR reset(BGPOM)]: `ipv4` takes only `all`; which slow-peer forms exist is per release
    # (BgpWorld.reset checks router.platform.slow_peer_reset_forms)
    _cmd("reset bgp [vpn-instance <name> {ipv4-family|ipv6-family}|vpnv4|ipv6|vpnv6] %s" % _RESET_TARGET,
         [USER], "reset_bgp"),
    _cmd("reset bgp ipv4 all", [USER], "reset_bgp"),
    _cmd("reset bgp {ipv4|vpnv4|vpn-instance <name> ipv4-family} [<ip>] slow-peer", [USER], "reset_bgp"),
    # --- system view -------------------------------------------------------------------------------------
    _cmd("sysname <name>", [SYSTEM], "set", key=(0,)),
    _cmd("bgp <as>", [SYSTEM], "enter_bgp", key=(0,), enters=BGP),
    _cmd("undo bgp <as>", [SYSTEM], "undo_bgp"),
    _cmd("route-policy <name> {permit|deny} node <node>", [SYSTEM], "enter", key=(0, 1, 3, 4),
         enters=ROUTE_POLICY),
    _cmd("undo route-policy <name> [node <node>]", [SYSTEM], "remove_blocks"),
    _cmd("ip ip-prefix <name> [index <index>] {permit|deny} <ipv4> <len4> [greater-equal <len4>] "
         "[less-equal <len4>]", [SYSTEM], "filter_entry"),
    _cmd("ip ipv6-prefix <name> [index <index>] {permit|deny} <ipv6> <len6> [greater-equal <len6>] "
         "[less-equal <len6>]", [SYSTEM], "filter_entry"),
    _cmd("ip as-path-filter <name> [index <index>] {permit|deny} <word>", [SYSTEM], "filter_entry"),
    _cmd("ip community-filter basic <name> [index <index>] {permit|deny} <community>...", [SYSTEM],
         "filter_entry"),
    _cmd("undo ip {ip-prefix|ipv6-prefix|as-path-filter} <name> [index <index>]", [SYSTEM], "undo_filter"),
    _cmd("undo ip community-filter basic <name> [index <index>]", [SYSTEM], "undo_filter"),
    _cmd("ip vpn-instance <name>", [SYSTEM], "enter", key=(0, 1, 2), enters=VPN_INSTANCE),
    _cmd("undo ip vpn-instance <name>", [SYSTEM], "remove_blocks"),
    _cmd("interface <interface>", [SYSTEM], "enter", key=(0, 1), enters=INTERFACE),
    _cmd("undo interface <interface>", [SYSTEM], "remove_blocks"),
    # --- interface ---------------------------------------------------------------------------------------
    _cmd("ip address <ipv4> <mask>", [INTERFACE], "set", key=(0, 1)),
    _cmd("undo ip address [<ipv4> <mask>]", [INTERFACE], "unset", key=(0, 1)),
    _cmd("ip binding vpn-instance <name>", [INTERFACE], "set", key=(0, 1, 2)),
    _cmd("undo ip binding vpn-instance <name>", [INTERFACE], "unset", key=(0, 1, 2)),
    _cmd("description <word>...", [INTERFACE, VPN_INSTANCE], "set", key=(0,)),
    _cmd("undo description", [INTERFACE, VPN_INSTANCE], "unset", key=(0,)),
    # --- VPN instance ---------------------------------------------------------------------------------
    _cmd("ipv4-family [unicast]", [VPN_INSTANCE], "enter", key=(0,), enters=VPN_INSTANCE_AF),
    _cmd("route-distinguisher <rt>", [VPN_INSTANCE_AF], "set", key=(0,)),
    _cmd("vpn-target <rt>... [both|export-extcommunity|import-extcommunity]", [VPN_INSTANCE_AF], "vpn_target"),
    _cmd("undo vpn-target <rt>... [both|export-extcommunity|import-extcommunity]", [VPN_INSTANCE_AF],
         "vpn_target"),
    # --- BGP -------------------------------------------------------------------------------------------------
    _cmd("router-id <ipv4>", [BGP], "set", key=(0,)),
    _cmd("undo router-id", [BGP], "unset", key=(0,)),
    _cmd("group <name> [internal|external]", [BGP, BGP_VPN], "group"),
    _cmd("undo group <name>", [BGP, BGP_VPN], "undo_group"),
    _cmd("peer <peer> as-number <as>", [BGP, BGP_VPN], "peer_as", key=(0, 1, 2)),
    _cmd("peer <ip> group <name>", PEER_VIEWS, "peer_group", key=(0, 1, 2)),
    _cmd("undo peer <ip> group <name>", PEER_VIEWS, "undo_peer"),
    _cmd("undo peer <ip>", [BGP, BGP_VPN], "undo_peer"),
    _cmd("peer <peer> connect-interface <interface>", [BGP, BGP_VPN], "set", key=(0, 1, 2), peer_check=True),
    _undo("peer <peer> connect-interface [<interface>]", [BGP, BGP_VPN], key=(0, 1, 2), peer_check=True),
    _cmd("peer <peer> description <word>...", [BGP, BGP_VPN], "set", key=(0, 1, 2), peer_check=True),
    _undo("peer <peer> description", [BGP, BGP_VPN], key=(0, 1, 2), peer_check=True),
    _cmd("peer <peer> capability-advertise {route-refresh|4-byte-as}", [BGP, BGP_VPN], "set",
         key=(0, 1, 2, 3), peer_check=True, default_on=True),
    _undo("peer <peer> capability-advertise {route-refresh|4-byte-as}", [BGP, BGP_VPN], key=(0, 1, 2, 3),
          peer_check=True, default_on=True),
    _cmd("peer <peer> enable", (BGP_VPN,) + BGP_AF_VIEWS, "set", key=(0, 1, 2), peer_check=True),
    _undo("peer <peer> enable", (BGP_VPN,) + BGP_AF_VIEWS, key=(0, 1, 2), peer_check=True),
    _cmd("peer <peer> keep-all-routes", PEER_VIEWS, "set", key=(0, 1, 2), peer_check=True),
    _undo("peer <peer> keep-all-routes", PEER_VIEWS, key=(0, 1, 2), peer_check=True),
    _cmd("peer <peer> route-policy <name> {import|export}", PEER_VIEWS, "set", key=(0, 1, 2, 4),
         peer_check=True),
    _undo("peer <peer> route-policy <name> {import|export}", PEER_VIEWS, key=(0, 1, 2, 4), peer_check=True),
    _cmd("peer <peer> reflect-client", PEER_VIEWS, "set", key=(0, 1, 2), peer_check=True),
    _undo("peer <peer> reflect-client", PEER_VIEWS, key=(0, 1, 2), peer_check=True),
    _cmd("peer <peer> next-hop-local", PEER_VIEWS, "set", key=(0, 1, 2), peer_check=True),
    _undo("peer <peer> next-hop-local", PEER_VIEWS, key=(0, 1, 2), peer_check=True),
    _cmd("ipv4-family unicast", [BGP], "enter", key=(0, 1), enters=BGP_AF_IPV4),
    _cmd("ipv4-family vpnv4 [unicast]", [BGP], "enter", key=(0, 1), enters=BGP_AF_VPNV4),
    _cmd("ipv4-family vpn-instance <name>", [BGP], "enter", key=(0, 1, 2), enters=BGP_VPN),
    _cmd("ipv6-family [unicast]", [BGP], "enter", key=(0,), enters=BGP_AF_IPV6),
    _cmd("undo ipv4-family {vpnv4 [unicast]|vpn-instance <name>}", [BGP], "remove_blocks"),
    _cmd("undo ipv6-family [unicast]", [BGP], "remove_blocks"),
    _cmd("undo synchronization", [BGP_AF_IPV4, BGP_AF_IPV6, BGP_VPN], "set", key=(0, 1)),
    _cmd("policy vpn-target", [BGP_AF_VPNV4], "set", key=(0, 1)),
    _undo("policy vpn-target", [BGP_AF_VPNV4], key=(0, 1)),
    # --- route-policy node -------------------------------------------------------------------------------
    _cmd("if-match ip-prefix <name>", [ROUTE_POLICY], "set", key=(0, 1)),
    _cmd("if-match ipv6 address prefix-list <name>", [ROUTE_POLICY], "set", key=(0, 1, 2, 3)),
    _cmd("if-match as-path-filter <name>...", [ROUTE_POLICY], "set", key=(0, 1)),
    _cmd("if-match community-filter <name>...", [ROUTE_POLICY], "set", key=(0, 1)),
    _undo("if-match {ip-prefix|as-path-filter|community-filter} [<name>...]", [ROUTE_POLICY], key=(0, 1)),
    _undo("if-match ipv6 address prefix-list [<name>]", [ROUTE_POLICY], key=(0, 1, 2, 3)),
    _cmd("apply {local-preference|cost} <uint>", [ROUTE_POLICY], "set", key=(0, 1)),
    _cmd("apply community <community>... [additive]", [ROUTE_POLICY], "set", key=(0, 1)),
    _cmd("apply as-path <as>... {additive|overwrite}", [ROUTE_POLICY], "set", key=(0, 1)),
    _undo("apply {local-preference|cost|community|as-path} [<word>...]", [ROUTE_POLICY], key=(0, 1)),
)

class _TrieNode:
    """Commands of one view merged by common prefix; ``command`` is set where a command may end."""

    __slots__ = ("edges", "command")

    def __init__(self):
        self.edges = {}
        self.command = None


def _build_trie(commands):
    root = _TrieNode()
    for command in commands:
        for seq in command.sequences:
            node = root
            for element in seq:
                child = node.edges.get(element)
                if child is None:
                    child = node.edges[element] = _TrieNode()
                    if isinstance(element, Param) and element.repeat:
                        child.edges[element] = child     # ``<type>...``: more of the same
                node = child
            if node.command is None:                     # the first command defined wins
                node.command = command
    return root


_TRIES = {view: _build_trie([c for c in COMMANDS if view in c.views]) for view in ALL_VIEWS}


# ---------------------------------------------------------------------------------------------------
# Matching

@dataclass
class Match:
    command: Command
    tokens: list     # keywords expanded to their full spelling, parameters normalised


def split_line(line):
    """Tokens of a typed line with their start columns."""
    return [(m.group(), m.start()) for m in re.finditer(r"\S+", line)]


def match_command(view, tokens):
    """Match a list of typed tokens against the commands valid in ``view``.

    VRP rules: a keyword may be abbreviated to any unique prefix and keywords win over parameters;
    the error kind depends on what the parser expected where it stopped.
    """
    states = [(_TRIES[view], ())]
    for index, token in enumerate(tokens):
        states = _close(states)
        lowered = token.lower()
        keyword_hits, param_next, accepting, param_expected = {}, [], False, False
        for node, values in states:
            accepting = accepting or node.command is not None
            for element, child in node.edges.items():
                if isinstance(element, Keyword):
                    if element.word.startswith(lowered):
                        keyword_hits.setdefault(element.word, []).append((child, values))
                    continue
                param_expected = True
                value = PARAM_TYPES[element.type](token)
                if value is not None:
                    param_next.append((child, values + (value,)))
        chosen = lowered if lowered in keyword_hits else None
        if chosen is None and len(keyword_hits) == 1:
            chosen = next(iter(keyword_hits))
        if chosen is not None:
            states = [(child, values + (chosen,)) for child, values in keyword_hits[chosen]]
        elif param_next:
            states = param_next
        elif len(keyword_hits) > 1:
            raise CliError("ambiguous", index)
        elif param_expected:
            raise CliError("wrong_parameter", index)
        elif accepting:
            raise CliError("too_many", index)
        else:
            raise CliError("unrecognized", index)
    for node, values in _close(states):
        if node.command is not None:
            return Match(node.command, list(values))
    raise CliError("incomplete", len(tokens))


def _close(states):
    """Add the states that skip a repeat (``<type>...`` needs no further token); one state per node."""
    seen, closed = set(), []
    for node, values in states:
        for candidate in [node] + [child for element, child in node.edges.items()
                                   if isinstance(element, Param) and element.repeat and child is not node]:
            if id(candidate) not in seen:
                seen.add(id(candidate))
                closed.append((candidate, values))
    return closed
