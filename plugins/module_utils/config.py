# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vrp_config logic: wanted configuration vs ``display current-configuration`` (committing: commit.py).

Wanted configuration is a list of ``WantedBlock(path, lines)``: ``path`` = the view lines to enter
from the system view (outermost first), ``lines`` = the lines to type there. ``plan_config`` compares
it with the running configuration (``parsers.parse_config_tree``) and returns a ``ConfigPlan``: the
minimal commands, view navigation included, plus before/after text for ``--diff``.

View navigation is explicit: the commands start in the system view (``VrpCli.configure`` goes there),
enter each parent line, and go back up with one ``quit`` per level before a block under other parents.
We never rely on VRP running a command of an enclosing view from a sub-view (the "upward search" some
releases do), because that silently moves the session and the next lines land in the wrong view.

VRP specifics handled here (UNVERIFIED items are marked where they are decided):
- ``ip ip-prefix N index I permit A L ...``: the router stores ``A`` ANDed with the mask; wanted
  entries are normalised the same way so a second run is idempotent. Without ``index`` an entry is
  present when an entry of that list has the same rule (the router would pick the index itself).
- ``undo ...`` lines are sent only when the configuration they remove is present: the positive form
  is a token prefix of an existing line under the same parents (``undo peer X route-policy P import``,
  ``undo ip ip-prefix P index 10``, ``undo route-policy RP node 10``).
- Default-on settings (``peer X capability-advertise route-refresh|4-byte-as``) are stored as their
  ``undo`` line: the undo is "present" when that exact line is, the positive form when it is absent.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re
from typing import List, Optional, Tuple

from ansible_collections.netops.vrp.plugins.module_utils.parsers import ConfigNode, parse_config_tree
from ansible_collections.netops.vrp.plugins.module_utils.validate import (
    ValidationError,
    validate_config_line,
)

RUNNING_CONFIG_DISPLAY = "display current-configuration"

# Words that control the session rather than configure it. A config line starting with one of them
# (or an abbreviation of one: VRP accepts any unique prefix) would commit half-way, leave the views or
# run an operational command, so such lines are refused before connecting.
SESSION_WORDS = ("commit", "quit", "return", "system-view", "abort", "rollback", "save", "clear",
                 "display", "screen-length", "reboot", "reset", "refresh")

# Lines that enter a view, by the view they are typed in (the path's first line tells the tree).
_ROOT_VIEW_LINES = re.compile(
    r"^(?:bgp \S+|route-policy \S+ (?:permit|deny) node \d+|ip vpn-instance \S+|interface \S+"
    r"|ospf(?: \S+)*|isis(?: \S+)?|mpls(?: ldp| te)?|segment-routing|xpl route-filter \S+)$")
_BGP_VIEW_LINES = re.compile(r"^(?:ipv4-family(?: \S+)*|ipv6-family(?: \S+)*|l2vpn-family(?: \S+)*"
                             r"|vpn-instance \S+)$")
_VPN_INSTANCE_VIEW_LINES = re.compile(r"^(?:ipv4-family(?: unicast)?|ipv6-family(?: unicast)?)$")

_ROUTE_POLICY = re.compile(r"^route-policy (?P<name>\S+) (?P<mode>permit|deny) node (?P<node>\d+)$")
# ip ip-prefix / ipv6-prefix entries: name, optional index, the rule after it
_PREFIX_ENTRY = re.compile(r"^ip (?P<kind>ip-prefix|ipv6-prefix) (?P<name>\S+)(?: index (?P<index>\d+))? "
                           r"(?P<rule>(?:permit|deny) \S+ \d+.*)$")
# other indexed filter lists (same "list name + index" identity; no address normalisation)
_FILTER_ENTRY = re.compile(r"^ip (?P<kind>as-path-filter|community-filter basic) (?P<name>\S+)"
                           r"(?: index (?P<index>\d+))? (?P<rule>(?:permit|deny) .+)$")
_FILTER_LIST = re.compile(r"^ip (ip-prefix|ipv6-prefix|as-path-filter|community-filter basic) (\S+)")
# default-on BGP capabilities: the configuration stores only the undo form (vrp-cli-reference §3.2)
_DEFAULT_ON = re.compile(r"^peer \S+ capability-advertise (?:route-refresh|4-byte-as)$")


class WantedBlock(object):
    """Lines to type in the view reached by entering ``path`` (tuple of lines) from the system view."""

    __slots__ = ("path", "lines")

    def __init__(self, path, lines=None):
        self.path = tuple(path)
        self.lines = list(lines or [])

    def __eq__(self, other):
        return isinstance(other, WantedBlock) and (self.path, self.lines) == (other.path, other.lines)

    def __repr__(self):
        return "WantedBlock(%r, %r)" % (self.path, self.lines)


class ConfigPlan(object):
    """What ``plan_config`` decided.

    ``commands``: the lines to type from the system view (views and ``quit`` included, no commit);
    ``updates``: just the configuration lines that change something (no navigation);
    ``before`` / ``after``: text of the affected blocks now and as predicted after the commands;
    ``warnings``: things the user should know (never errors).
    """

    def __init__(self):
        self.commands = []
        self.updates = []
        self.before = ""
        self.after = ""
        self.warnings = []

    @property
    def changed(self):
        return bool(self.commands)


# --- normalising lines -------------------------------------------------------------------------------

def normalise_line(line: str) -> str:
    """One configuration line as the router displays it: single spaces; prefix entries normalised."""
    line = " ".join(line.split())
    match = _PREFIX_ENTRY.match(line)
    if match:
        return _normalise_prefix_entry(match) or line
    return line


def _normalise_prefix_entry(match):
    """``ip ip-prefix N index I permit 10.1.1.1 24 ...`` -> address ANDed with the mask (as VRP stores it)."""
    words = match.group("rule").split()
    try:
        network = ipaddress.ip_network("%s/%s" % (words[1], words[2]), strict=False)
    except ValueError:
        return None  # not an address/length pair: leave it to the router to refuse
    words[1] = str(network.network_address)
    head = "ip %s %s" % (match.group("kind"), match.group("name"))
    if match.group("index") is not None:
        head += " index %d" % int(match.group("index"))
    return "%s %s" % (head, " ".join(words))


def _filter_identity(line):
    """``(list key, index or None, rule)`` for an indexed filter-list entry, else None."""
    match = _PREFIX_ENTRY.match(line) or _FILTER_ENTRY.match(line)
    if not match:
        return None
    index = match.group("index")
    return (("ip", match.group("kind"), match.group("name")), int(index) if index is not None else None,
            match.group("rule"))


def _filter_list(line):
    """``("ip", kind, name)`` of a filter-list line or its undo (``undo ip ip-prefix P index 10``)."""
    match = _FILTER_LIST.match(line[len("undo "):] if line.startswith("undo ") else line)
    return ("ip", match.group(1), match.group(2)) if match else None


def is_view_line(line: str, path: tuple) -> bool:
    """True when typing ``line`` in the view reached by ``path`` enters a sub-view."""
    if not path:
        return bool(_ROOT_VIEW_LINES.match(line))
    if len(path) == 1 and path[0].startswith("bgp "):
        return bool(_BGP_VIEW_LINES.match(line))
    if len(path) == 1 and path[0].startswith("ip vpn-instance "):
        return bool(_VPN_INSTANCE_VIEW_LINES.match(line))
    return False


def check_config_line(line: str, field: str) -> str:
    """validate.py's line rules plus: no session-control command (commit/quit/return/...)."""
    validate_config_line(line, field)
    first = line.split()[0].lower()
    for word in SESSION_WORDS:
        if word.startswith(first):
            raise ValidationError(field, "%r is a session command (%s), not configuration; vrp_config "
                                         "handles views and the commit itself" % (line, word))
    return line


# --- wanted configuration ------------------------------------------------------------------------------

def _add(blocks, path, line=None):
    """Append ``line`` under ``path``, merging with the previous block when it has the same path."""
    if not blocks or blocks[-1].path != tuple(path):
        blocks.append(WantedBlock(path))
    if line is not None:
        blocks[-1].lines.append(line)


def wanted_from_lines(lines: List[str], parents=()) -> List[WantedBlock]:
    """``lines`` under ``parents`` -> WantedBlock list; a line that enters a view becomes its own block."""
    path = tuple(normalise_line(p) for p in parents or ())
    blocks = []
    for line in lines:
        line = normalise_line(line)
        if is_view_line(line, path):
            _add(blocks, path + (line,))
        else:
            _add(blocks, path, line)
    return blocks


def wanted_from_src(src: str, field: str = "src") -> List[WantedBlock]:
    """Indented VRP configuration text -> WantedBlock list, in the order of the text.

    One space per level as ``display current-configuration`` prints it (deeper indentation is a child
    of the nearest shallower line); ``#`` and blank lines are ignored. Every line is checked.
    """
    text = src.replace("\r\n", "\n")
    for number, raw in enumerate(text.split("\n"), 1):
        if raw.strip(" ") in ("", "#"):
            continue
        try:
            check_config_line(raw.strip(" "), field)
        except ValidationError as exc:
            raise ValidationError(field, "line %d: %s" % (number, exc.message)) from exc
    blocks = []

    def walk(nodes, path):
        for node in nodes:
            line = normalise_line(node.line)
            if node.children or is_view_line(line, path):
                _add(blocks, path + (line,))
                walk(node.children, path + (line,))
            else:
                _add(blocks, path, line)

    walk(parse_config_tree(text), ())
    blocks = [b for b in blocks if b.lines or not any(o.path[:len(b.path)] == b.path and o is not b
                                                      for o in blocks)]
    if not blocks:
        raise ValidationError(field, "contains no configuration lines")
    return blocks


# --- the running configuration -----------------------------------------------------------------------

def _same_view_line(have, want):
    """The have line opens the same view as the wanted one (route-policy nodes: same name and node)."""
    if have == want:
        return True
    h, w = _ROUTE_POLICY.match(have), _ROUTE_POLICY.match(want)
    return bool(h and w and (h.group("name"), h.group("node")) == (w.group("name"), w.group("node")))


def find_block(roots: list, path: tuple) -> Tuple[Optional[list], bool]:
    """The ConfigNode list under ``path`` in the running tree and whether every path line exists as is.

    Returns ``(children, exact)``: ``children`` None when the block does not exist; ``exact`` False when
    a route-policy node exists with the other mode (entering the wanted line then changes it).
    """
    children, exact = roots, True
    for want in path:
        found = None
        for node in children:
            if normalise_line(node.line) == want:
                found = node
                break
        if found is None:
            for node in children:
                if _same_view_line(normalise_line(node.line), want):
                    found, exact = node, False
                    break
        if found is None:
            return None, False
        children = found.children
    return children, exact


def _undo_removes(undo_line, have):
    """Whether ``undo_line`` removes the existing line ``have`` (positive form is a token prefix)."""
    positive = undo_line.split()[1:]
    words = have.split()
    if positive[:1] == ["route-policy"] and _ROUTE_POLICY.match(have):
        # undo route-policy NAME [node N]; the stored line carries permit/deny before "node"
        if len(positive) == 2:
            return words[1] == positive[1]
        return len(positive) == 4 and words[1] == positive[1] and words[3:5] == positive[2:4]
    return bool(positive) and words[:len(positive)] == positive


def line_present(line: str, have_lines: List[str]) -> bool:
    """Whether a positive wanted line is already in effect among ``have_lines`` (normalised)."""
    if _DEFAULT_ON.match(line):
        return ("undo " + line) not in have_lines
    if line in have_lines:
        return True
    ident = _filter_identity(line)
    if ident and ident[1] is None:   # no index given: any entry of that list with the same rule
        for have in have_lines:
            other = _filter_identity(have)
            if other and (other[0], other[2]) == (ident[0], ident[2]):
                return True
    return False


def undo_needed(line: str, have_lines: List[str]) -> bool:
    """Whether an ``undo ...`` wanted line would change something."""
    if line in have_lines:
        return False          # a stored undo (default-on capability off) is already there
    if _DEFAULT_ON.match(line[len("undo "):]):
        return True           # the capability is on (its undo line is absent): turning it off is a change
    return any(_undo_removes(line, h) for h in have_lines)


def setting_key(line: str) -> tuple:
    """What a line sets, so a new line with the same key replaces the old one (diff prediction only).

    UNVERIFIED on real VRP for the route-policy clauses: one ``apply X`` / ``if-match X`` per kind and
    node is assumed (the router overwrites the value), as the emulator does.
    """
    words = line.split()
    if words[:1] == ["undo"]:
        words = words[1:]
    ident = _filter_identity(" ".join(words))
    if ident and ident[1] is not None:
        return ident[0] + (ident[1],)
    if words[:1] == ["peer"] and len(words) >= 3:
        if words[2] in ("route-policy", "route-filter", "ip-prefix") and len(words) >= 5:
            return ("peer", words[1], words[2], words[-1])
        if words[2] == "capability-advertise" and len(words) >= 4:
            return tuple(words[:4])
        return tuple(words[:3])
    if words[:4] == ["if-match", "ipv6", "address", "prefix-list"]:
        return tuple(words[:4])
    if words[:1] in (["if-match"], ["apply"]) and len(words) >= 2:
        return tuple(words[:2])
    if words[:1] in (["sysname"], ["router-id"], ["description"], ["route-distinguisher"]):
        return tuple(words[:1])
    return tuple(words)


def config_before_changes(running_text: str, changes: list) -> str:
    """The configuration a commit's ``changes`` (``parsers.parse_commit_changes``) replaced: the running one
    without the lines it added and with the lines it removed (what aborting that trial commit restores)."""
    roots = parse_config_tree(running_text)
    for sign, path, line in changes:
        siblings = roots
        for view in path:
            view = normalise_line(view)
            node = next((n for n in siblings if normalise_line(n.line) == view), None)
            if node is None:
                if sign == "+":
                    break             # inside a view the commit added: gone with it
                node = ConfigNode(view)
                siblings.append(node)
            siblings = node.children
        else:
            line = normalise_line(line)
            kept = [n for n in siblings if normalise_line(n.line) != line]
            if sign == "-" and len(kept) == len(siblings):
                siblings.append(ConfigNode(line))
            elif sign == "+":
                siblings[:] = kept
    return "\n".join(_rendered(roots, 0)) + "\n"


def _rendered(nodes, depth):
    out = []
    for node in nodes:
        out.append(" " * depth + node.line)
        out.extend(_rendered(node.children, depth + 1))
    return out


# --- planning ----------------------------------------------------------------------------------------

def _replace_scope(path):
    """Which kind of block ``replace: block`` applies to: 'route-policy', 'filters' (root) or None."""
    if path and _ROUTE_POLICY.match(path[-1]):
        return "route-policy"
    if not path:
        return "filters"
    return None


def _removal(have):
    """The command removing an existing line: its undo, or for a stored undo its positive form."""
    return have[len("undo "):] if have.startswith("undo ") else "undo " + have


def _block_removals(path, wanted_lines, have_lines):
    """replace=block: the commands removing what ``have_lines`` has and the block does not want."""
    scope = _replace_scope(path)
    if scope == "route-policy":
        return [_removal(h) for h in have_lines if h not in wanted_lines]
    # root: only entries of the filter lists the wanted lines name (never unrelated top-level config)
    lists, kept = {}, set()
    for line in wanted_lines:
        ident = _filter_identity(line)
        if ident is None:
            continue
        lists.setdefault(ident[0], set())
        if ident[1] is not None:
            lists[ident[0]].add(ident[1])      # re-stating an index replaces that entry
        else:
            kept.update(h for h in have_lines if line_present(line, [h]))
    out = []
    for have in have_lines:
        ident = _filter_identity(have)
        if ident and ident[0] in lists and ident[1] not in lists[ident[0]] and have not in kept:
            out.append("undo %s %s %s index %d" % (ident[0][0], ident[0][1], ident[0][2], ident[1]))
    return out


def _predict(have_lines, sent):
    """The block's lines after ``sent`` (diff only): undone/replaced lines out, new lines in."""
    after = list(have_lines)
    for line in sent:
        if line.startswith("undo "):
            if line in after:
                continue
            if _DEFAULT_ON.match(line[5:]):
                after.append(line)
                continue
            after = [h for h in after if not _undo_removes(line, h)]
        else:
            key = setting_key(line)
            # a replaced line keeps its place, so the diff shows only what changes (the router keeps its order)
            at = next((i for i, h in enumerate(after) if setting_key(h) == key), _entry_position(after, line))
            after = [h for h in after if setting_key(h) != key]   # replaced (or its stored undo gone)
            if not _DEFAULT_ON.match(line):
                after.insert(at, line)
    return after


def _entry_position(lines, line):
    """Where a new line goes: a filter-list entry before the same list's next higher index (the router lists
    entries by index), anything else at the end."""
    ident = _filter_identity(line)
    if ident and ident[1] is not None:
        for position, have in enumerate(lines):
            other = _filter_identity(have)
            if other and other[0] == ident[0] and other[1] is not None and other[1] > ident[1]:
                return position
    return len(lines)


def _related_lines(have_lines, sent):
    """Existing lines worth showing in the diff: the filter lists / settings the commands touch."""
    lists = set(filter(None, (_filter_list(line) for line in sent)))
    keys = set(setting_key(line) for line in sent)
    return [have for have in have_lines
            if _filter_list(have) in lists or setting_key(have) in keys
            or any(s.startswith("undo ") and _undo_removes(s, have) for s in sent)]


def render_block(path, lines: List[str]) -> List[str]:
    """The lines of a view block as ``display current-configuration`` indents them (one space per level)."""
    out = [" " * depth + line for depth, line in enumerate(path)]
    out += [" " * len(path) + line for line in lines]
    return out


def plan_config(blocks: List[WantedBlock], running_text: str, match: str = "line",
                replace: str = "line") -> ConfigPlan:
    """Commands that make the running configuration contain ``blocks`` (see module docstring)."""
    plan = ConfigPlan()
    roots = parse_config_tree(running_text)
    wanted_by_path = {}
    for block in blocks:
        wanted_by_path.setdefault(block.path, []).extend(block.lines)

    work = []        # (path, lines to type) in order
    seen_paths = set()
    diff_blocks = []  # (path, have lines or None, sent lines)
    unsupported_replace = []
    for block in blocks:
        children, exact = find_block(roots, block.path)
        have_nodes = children or []
        have_lines = [normalise_line(n.line) for n in have_nodes]
        if match == "none":
            sends = list(block.lines)
        else:
            sends = [line for line in block.lines
                     if (undo_needed(line, have_lines) if line.startswith("undo ")
                         else not line_present(line, have_lines))]
        removals = []
        if replace == "block" and block.path not in seen_paths:
            if _replace_scope(block.path) is None:
                unsupported_replace.append(block.path)
            else:
                removals = _block_removals(block.path, wanted_by_path[block.path], have_lines)
        if _replace_scope(block.path) == "filters":
            typed = sends + removals          # new entries first: an in-use list is never emptied
        else:
            typed = removals + sends          # clause undos first, they must not hit the new clause
        block_is_new = children is None or not exact
        if typed or (block.path and block_is_new) or (match == "none" and block.path):
            work.append((block.path, typed))
            plan.updates.extend(_new_path_lines(roots, block.path))
            plan.updates.extend(typed)
            diff_blocks.append((block.path, None if children is None else have_lines, typed))
        seen_paths.add(block.path)

    if unsupported_replace:
        plan.warnings.append(
            "replace=block applies to route-policy nodes and top-level prefix/filter lists only; lines under "
            "%s were merged as with replace=line (undoing the rest of such a view could remove peers or "
            "sessions)" % ", ".join("'%s'" % " / ".join(p) for p in unsupported_replace))
    plan.updates = list(dict.fromkeys(plan.updates))   # each once, in order
    plan.commands = _navigate(work)
    plan.before, plan.after = _diff_text(diff_blocks)
    return plan


def _new_path_lines(roots, path):
    """Path lines that create or change a view (new route-policy node, node mode switch, new AF...)."""
    out = []
    for depth in range(1, len(path) + 1):
        children, exact = find_block(roots, path[:depth])
        if children is None or not exact:
            out.append(path[depth - 1])
    return out


def _navigate(work):
    """Commands typing each block's lines in its view, from the system view, with explicit quits.

    Consecutive blocks under the same parents share the view; otherwise ``quit`` climbs to the
    deepest common view (one level per ``quit``) and the remaining parent lines are entered.
    """
    commands, current = [], ()
    for path, lines in work:
        common = 0
        while common < min(len(current), len(path)) and current[common] == path[common]:
            common += 1
        commands += ["quit"] * (len(current) - common)
        commands += list(path[common:])
        commands += lines
        current = path
    return commands


def _diff_text(diff_blocks):
    before, after = [], []
    for path, have_lines, sent in diff_blocks:
        have = have_lines or []
        # a route-policy node is small: show it whole; elsewhere (system view, a bgp block with
        # hundreds of peers) only the lines the commands touch
        shown = have if _replace_scope(path) == "route-policy" else _related_lines(have, sent)
        predicted = _predict(shown, sent)
        if have_lines is not None:
            before += ["#"] + render_block(path, shown)
        after += ["#"] + render_block(path, predicted)
    return _as_text(before), _as_text(after)


def _as_text(lines):
    return "\n".join(lines + ["#"]) + "\n" if lines else ""
