"""Routing-policy objects of one emulated router and their evaluation against BGP routes.

Parsed from the running configuration text (vrp-cli-reference.md §3.2): ``ip ip-prefix``, ``ip ipv6-prefix``,
``ip as-path-filter``, ``ip community-filter`` and ``route-policy`` blocks.  The BGP model (``bgp.py``)
calls :meth:`PolicyBook.evaluate` whenever a route passes an import or export point; *when* that
happens (and therefore which policy version a stored route saw) is the BGP model's business.

VRP rules modelled here:
- route-policy nodes are tried in ascending node order; the first node whose ``if-match`` clauses all
  match decides (permit: apply clauses and accept; deny: reject). No matching node: deny.
- a prefix list is walked in index order, the first matching entry decides; no match: implicit deny.
- ``if-match ip-prefix X`` where X does not exist permits everything (NE40E-CR match-prefix-filter).
- as-path / community filters: first matching entry decides, implicit deny at the end.
"""
import ipaddress
import re
from dataclasses import dataclass, field, replace
from typing import Optional

WELL_KNOWN_COMMUNITIES = ("internet", "no-export", "no-advertise", "no-export-subconfed")


@dataclass(frozen=True)
class Route:
    """One BGP path as carried in an UPDATE (attributes we model), keyed by (rd, prefix) in a table."""

    prefix: str                      # canonical "10.20.0.0/16" / "2001:db8::/32"
    next_hop: str = "0.0.0.0"
    as_path: tuple = ()              # AS numbers as ints, leftmost = most recent
    origin: str = "i"                # i / e / ?
    med: Optional[int] = None
    local_pref: Optional[int] = None
    communities: tuple = ()          # "65020:1", "no-export", ...
    pref_val: int = 0
    rd: Optional[str] = None         # VPNv4 route distinguisher
    rts: tuple = ()                  # export route targets (extended communities)
    originator: Optional[str] = None  # router id of the iBGP speaker that injected it (RR loop check)

    @property
    def key(self):
        return (self.rd, self.prefix)

    @property
    def network(self):
        return ipaddress.ip_network(self.prefix, strict=False)

    def as_path_text(self):
        return " ".join(str(a) for a in self.as_path)


# ---------------------------------------------------------------------------------------- filters
@dataclass
class PrefixEntry:
    index: int
    permit: bool
    network: object                  # ipaddress network, address already masked
    ge: Optional[int] = None
    le: Optional[int] = None

    def matches(self, net):
        if net.version != self.network.version:
            return False
        plen = self.network.prefixlen
        if net.prefixlen < plen or net.supernet(new_prefix=plen) != self.network:
            return False
        maxlen = net.max_prefixlen
        if self.ge is None and self.le is None:
            lo, hi = plen, plen
        else:
            lo = self.ge if self.ge is not None else plen
            hi = self.le if self.le is not None else maxlen
        return lo <= net.prefixlen <= hi


@dataclass
class FilterEntry:
    """An as-path-filter or community-filter entry."""

    index: int
    permit: bool
    regex: Optional[str] = None        # as-path filters, advanced community filters
    communities: tuple = ()            # basic community filters (all must be present)


def vrp_regex(expr):
    """VRP regexes use ``_`` for 'a delimiter or start/end' (as Cisco does); translate it for ``re``."""
    return expr.replace("_", r"(?:^|$|[ ,{}()])")


@dataclass
class PolicyNode:
    node: int
    permit: bool
    matches: list = field(default_factory=list)   # tuples, e.g. ("ip-prefix", "PFX")
    applies: list = field(default_factory=list)   # tuples, e.g. ("local-preference", 200)


@dataclass
class PolicyBook:
    """Every policy object of one router, as committed."""

    ip_prefixes: dict = field(default_factory=dict)        # name -> [PrefixEntry] (v4 and v6 share a namespace per kind)
    ipv6_prefixes: dict = field(default_factory=dict)
    as_path_filters: dict = field(default_factory=dict)    # name -> [FilterEntry]
    community_filters: dict = field(default_factory=dict)  # name -> (advanced: bool, [FilterEntry])
    route_policies: dict = field(default_factory=dict)     # name -> [PolicyNode] sorted by node

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, name, route):
        """Run route-policy ``name`` on ``route``: the (possibly modified) route, or None if denied.

        ``name`` None means no policy bound: everything passes unchanged.
        """
        if name is None:
            return route
        nodes = self.route_policies.get(name)
        if nodes is None:
            # UNVERIFIED: a bound but undefined route-policy denies every route (the usual VRP
            # behaviour reported for NE/CE; the reference does not confirm it).
            return None
        for node in nodes:
            if all(self._clause_matches(clause, route) for clause in node.matches):
                if not node.permit:
                    return None
                for clause in node.applies:
                    route = apply_clause(clause, route)
                return route
        return None

    def _clause_matches(self, clause, route):
        kind, args = clause[0], clause[1:]
        if kind == "ip-prefix":
            return self._prefix_list_permits(self.ip_prefixes, args[0], route)
        if kind == "ipv6-prefix":
            return self._prefix_list_permits(self.ipv6_prefixes, args[0], route)
        if kind == "as-path-filter":
            return any(self._as_path_permits(n, route) for n in args[0])
        if kind == "community-filter":
            return any(self._community_permits(n, whole, route) for n, whole in args[0])
        return True  # clauses we do not model do not restrict

    @staticmethod
    def _prefix_list_permits(lists, name, route):
        entries = lists.get(name)
        if entries is None:
            return True  # NE40E-CR match-prefix-filter: a missing prefix list permits everything
        net = route.network
        for entry in entries:
            if entry.matches(net):
                return entry.permit
        return False     # implicit deny at the end of a prefix list

    def _as_path_permits(self, name, route):
        entries = self.as_path_filters.get(name)
        if entries is None:
            return True  # UNVERIFIED: treated like a missing prefix list
        text = route.as_path_text()
        for entry in entries:
            if re.search(vrp_regex(entry.regex), text):
                return entry.permit
        return False

    def _community_permits(self, name, whole_match, route):
        found = self.community_filters.get(name)
        if found is None:
            return True  # UNVERIFIED: treated like a missing prefix list
        advanced, entries = found
        have = set(route.communities)
        text = " ".join(route.communities)
        for entry in entries:
            if advanced:
                hit = re.search(vrp_regex(entry.regex), text) is not None
            else:
                wanted = set(entry.communities) - {"internet"}
                hit = wanted <= have and (not whole_match or wanted == have)
            if hit:
                return entry.permit
        return False


def apply_clause(clause, route):
    kind, args = clause[0], clause[1:]
    if kind == "local-preference":
        return replace(route, local_pref=args[0])
    if kind == "cost":
        op, value = args
        base = route.med or 0
        med = value if op == "=" else max(0, base + value) if op == "+" else max(0, base - value)
        return replace(route, med=med)
    if kind == "preferred-value":
        return replace(route, pref_val=args[0])
    if kind == "origin":
        return replace(route, origin=args[0])
    if kind == "community":
        communities, additive = args
        if communities == ("none",):
            return replace(route, communities=())
        merged = tuple(route.communities) if additive else ()
        merged += tuple(c for c in communities if c not in merged)
        return replace(route, communities=merged)
    if kind == "as-path":
        numbers, mode = args
        if mode == "overwrite":
            return replace(route, as_path=tuple(numbers))
        if mode == "delete":
            return replace(route, as_path=tuple(a for a in route.as_path if a not in numbers))
        return replace(route, as_path=tuple(numbers) + tuple(route.as_path))  # additive = prepend
    return route


# ------------------------------------------------------------------------------------- parsing
def parse_as_number(text):
    """``65000`` or asdot ``1.10`` -> int (the comparison form); raises ValueError."""
    if "." in text:
        high, low = text.split(".", 1)
        return int(high) * 65536 + int(low)
    return int(text)


def _prefix_entry(words, index, version):
    action = words[0]
    addr, plen = words[1], int(words[2])
    rest = words[3:]
    ge = le = None
    i = 0
    while i < len(rest):
        if rest[i] == "greater-equal":
            ge = int(rest[i + 1])
            i += 2
        elif rest[i] == "less-equal":
            le = int(rest[i + 1])
            i += 2
        else:
            i += 1  # match-network etc.
    net = ipaddress.ip_network("%s/%d" % (addr, plen), strict=False)
    if net.version != version:
        raise ValueError("address family mismatch")
    return PrefixEntry(index=index, permit=(action == "permit"), network=net, ge=ge, le=le)


def _take_index(words, pos):
    """``[index N]`` at ``pos``: (index or None, next position)."""
    if len(words) > pos + 1 and words[pos] == "index":
        return int(words[pos + 1]), pos + 2
    return None, pos


def _append_sorted(entries, entry):
    """Insert (or replace) an indexed entry, keeping index order."""
    if entry.index is None:
        entry.index = (max((e.index for e in entries), default=0) // 10 + 1) * 10  # UNVERIFIED step 10
    entries[:] = [e for e in entries if e.index != entry.index] + [entry]
    entries.sort(key=lambda e: e.index)


def _parse_node_line(node, text):
    words = text.split()
    if not words:
        return
    if words[0] == "if-match" and len(words) >= 3:
        what = words[1]
        if what == "ip-prefix":
            node.matches.append(("ip-prefix", words[2]))
        elif what == "ipv6" and words[2:4] == ["address", "prefix-list"] and len(words) > 4:
            node.matches.append(("ipv6-prefix", words[4]))
        elif what == "as-path-filter":
            node.matches.append(("as-path-filter", tuple(words[2:])))
        elif what == "community-filter":
            pairs, args = [], words[2:]
            for i, w in enumerate(args):
                if w == "whole-match":
                    continue
                pairs.append((w, i + 1 < len(args) and args[i + 1] == "whole-match"))
            node.matches.append(("community-filter", tuple(pairs)))
        else:
            node.matches.append(("unmodelled", text))
    elif words[0] == "apply" and len(words) >= 3:
        what, args = words[1], words[2:]
        if what == "local-preference":
            node.applies.append(("local-preference", int(args[0])))
        elif what == "cost":
            if args[0] in ("+", "-") and len(args) > 1:
                node.applies.append(("cost", args[0], int(args[1])))
            elif args[0].isdigit():
                node.applies.append(("cost", "=", int(args[0])))
        elif what == "preferred-value":
            node.applies.append(("preferred-value", int(args[0])))
        elif what == "origin":
            node.applies.append(("origin", {"igp": "i", "egp": "e", "incomplete": "?"}.get(args[0], "?")))
        elif what == "community":
            additive = "additive" in args
            node.applies.append(("community", tuple(a for a in args if a != "additive"), additive))
        elif what == "as-path":
            mode = args[-1] if args[-1] in ("additive", "overwrite", "delete") else "overwrite"
            numbers = tuple(parse_as_number(a) for a in args if a not in ("additive", "overwrite", "delete"))
            node.applies.append(("as-path", numbers, mode))


def parse_policy_book(running_text):
    """Build a :class:`PolicyBook` from a running configuration (unknown lines are ignored)."""
    book = PolicyBook()
    node = None
    for raw in running_text.splitlines():
        line = raw.rstrip()
        if not line or line.strip() == "#":
            if line and not line.startswith(" "):
                node = None
            continue
        if line.startswith(" "):
            if node is not None:
                _parse_node_line(node, line.strip())
            continue
        node = None
        words = line.split()
        try:
            if words[:2] == ["ip", "ip-prefix"] or words[:2] == ["ip", "ipv6-prefix"]:
                version = 4 if words[1] == "ip-prefix" else 6
                index, pos = _take_index(words, 3)
                entry = _prefix_entry(words[pos:], index, version)
                store = book.ip_prefixes if version == 4 else book.ipv6_prefixes
                _append_sorted(store.setdefault(words[2], []), entry)
            elif words[:2] == ["ip", "as-path-filter"]:
                index, pos = _take_index(words, 3)
                regex = " ".join(words[pos + 1:]).strip('"')
                _append_sorted(book.as_path_filters.setdefault(words[2], []),
                               FilterEntry(index=index, permit=(words[pos] == "permit"), regex=regex))
            elif words[:2] == ["ip", "community-filter"]:
                if words[2] in ("basic", "advanced"):
                    advanced, name, pos = words[2] == "advanced", words[3], 4
                else:
                    advanced, name, pos = int(words[2]) >= 100, words[2], 3
                index, pos = _take_index(words, pos)
                permit = words[pos] == "permit"
                args = words[pos + 1:]
                entry = FilterEntry(index=index, permit=permit,
                                    regex=" ".join(args).strip('"') if advanced else None,
                                    communities=() if advanced else tuple(args))
                _append_sorted(book.community_filters.setdefault(name, (advanced, []))[1], entry)
            elif words[0] == "route-policy" and len(words) >= 5 and words[3] == "node":
                node = PolicyNode(node=int(words[4]), permit=(words[2] == "permit"))
                nodes = book.route_policies.setdefault(words[1], [])
                nodes[:] = [n for n in nodes if n.node != node.node] + [node]
                nodes.sort(key=lambda n: n.node)
        except (IndexError, ValueError):
            continue  # the engine validated syntax; anything we cannot read is not modelled
    return book
