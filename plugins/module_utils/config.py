# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vrp_config / vrp_commit logic: wanted configuration vs ``display current-configuration``.

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

from ansible_collections.netops.vrp.plugins.module_utils.cli import render_commit  # noqa: F401 (re-exported)
from ansible_collections.netops.vrp.plugins.module_utils.parsers import (
    parse_commit_changes,
    parse_commit_id,
    parse_commit_points,
    parse_config_tree,
)
from ansible_collections.netops.vrp.plugins.module_utils.transport import (
    VrpCommandError,
    VrpConnectionError,
    VrpError,
    VrpTimeout,
    error_line,
    parse_prompt,
)
from ansible_collections.netops.vrp.plugins.module_utils.validate import (
    ValidationError,
    validate_config_line,
)

RUNNING_CONFIG_DISPLAY = "display current-configuration"
COMMIT_LIST_DISPLAY = "display configuration commit list 1"
COMMIT_POINTS_DISPLAY = "display configuration commit list verbose"

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

def normalise_line(line):
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


def is_view_line(line, path):
    """True when typing ``line`` in the view reached by ``path`` enters a sub-view."""
    if not path:
        return bool(_ROOT_VIEW_LINES.match(line))
    if len(path) == 1 and path[0].startswith("bgp "):
        return bool(_BGP_VIEW_LINES.match(line))
    if len(path) == 1 and path[0].startswith("ip vpn-instance "):
        return bool(_VPN_INSTANCE_VIEW_LINES.match(line))
    return False


def check_config_line(line, field):
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


def wanted_from_lines(lines, parents=()):
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


def wanted_from_src(src, field="src"):
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
            raise ValidationError(field, "line %d: %s" % (number, exc.message))
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


def find_block(roots, path):
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


def line_present(line, have_lines):
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


def undo_needed(line, have_lines):
    """Whether an ``undo ...`` wanted line would change something."""
    if line in have_lines:
        return False          # a stored undo (default-on capability off) is already there
    if _DEFAULT_ON.match(line[len("undo "):]):
        return True           # the capability is on (its undo line is absent): turning it off is a change
    return any(_undo_removes(line, h) for h in have_lines)


def setting_key(line):
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
            after = [h for h in after if setting_key(h) != key]   # replaced (or its stored undo gone)
            if not _DEFAULT_ON.match(line):
                after.append(line)
    return after


def _related_lines(have_lines, sent):
    """Existing lines worth showing in the diff: the filter lists / settings the commands touch."""
    lists = set(filter(None, (_filter_list(line) for line in sent)))
    keys = set(setting_key(line) for line in sent)
    return [have for have in have_lines
            if _filter_list(have) in lists or setting_key(have) in keys
            or any(s.startswith("undo ") and _undo_removes(s, have) for s in sent)]


def _render(path, lines):
    out = [" " * depth + line for depth, line in enumerate(path)]
    out += [" " * len(path) + line for line in lines]
    return out


def plan_config(blocks, running_text, match="line", replace="line"):
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
    plan.updates = _dedupe(plan.updates)
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


def _dedupe(lines):
    seen, out = set(), []
    for line in lines:
        if line not in seen:
            seen.add(line)
            out.append(line)
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
            before += ["#"] + _render(path, shown)
        after += ["#"] + _render(path, predicted)
    return _as_text(before), _as_text(after)


def _as_text(lines):
    return "\n".join(lines + ["#"]) + "\n" if lines else ""


# --- commit and results ----------------------------------------------------------------------------

def check_rollback_target(cli, commit_id=None, label=None, last=None):
    """Fail (only a display sent) unless the commit list holds the rollback point asked for."""
    points = parse_commit_points(cli.display(COMMIT_POINTS_DISPLAY))
    if commit_id is not None and str(commit_id) not in [p["commit_id"] for p in points]:
        missing = "commit id %s is not in the commit list" % commit_id
    elif label is not None and label not in [p["label"] for p in points]:
        missing = "label %s is not in the commit list" % label
    elif last is not None and int(last) > len(points):
        missing = "last %d asks for more commits than the commit list holds (%d)" % (int(last), len(points))
    else:
        return
    raise VrpCommandError(cli.host, "rollback", "%s ('%s'); nothing was rolled back"
                          % (missing, COMMIT_POINTS_DISPLAY))


def describe_commit(trial=None):
    """What a successful ``VrpCli.commit(trial=trial)`` left on the router, for messages."""
    if trial:
        timer = "the device default time" if trial is True else "%d s" % int(trial)
        return ("the trial commit succeeded ('%s': the change is active and the router rolls it back after %s "
                "unless it is confirmed with netops.vrp.vrp_commit action=confirm)"
                % (render_commit(trial=trial), timer))
    return "the commit succeeded (the change is on the router)"


def after_commit(read, warnings, what, trial=None, default=None):
    """Run ``read()`` (a display after a successful commit) and return its value.

    The commit is on the router whatever happens now, so a ``VrpError`` here (refused display, timeout,
    dropped session) must not turn the task into ``failed, changed: false``: it is caught, a warning
    saying that the commit (or trial commit, with its timer) happened and that ``what`` could not be
    read is appended to ``warnings``, and ``default`` is returned. The one place both post-commit
    paths (vrp_config's commit id, bgp_peer_config's session observation) go through.
    """
    try:
        return read()
    except VrpError as exc:
        warnings.append("%s, but %s could not be read afterwards (%s: %s)"
                        % (describe_commit(trial), what, exc.step, exc.message))
        return default


def apply_config(cli, plan, label=None, description=None, trial=None, read_commit_id=True):
    """Type ``plan.commands`` into the candidate and commit; returns ``{changed, commit_id, warnings}``.

    Any refusal discards the candidate (VrpCli) so nothing half-applied stays. If the router shows no
    pending candidate after the lines (prompt ``~``: every line was a no-op for it), nothing is
    committed and ``changed`` is False. A lost session before the commit leaves nothing committed (the
    router drops a closed session's candidate); a session lost *during* the commit is reported as such.
    Once the commit succeeded nothing raises: a failed commit-list read is a warning (``after_commit``).
    """
    out = {"changed": False, "commit_id": None, "warnings": []}
    try:
        cli.configure(plan.commands)
    except VrpConnectionError as exc:
        raise VrpConnectionError(cli.host, "configure", "session lost before the commit (%s); the router "
                                 "drops the uncommitted candidate of a closed session, nothing was applied"
                                 % exc.message, reason=exc.reason)
    except VrpTimeout as exc:
        raise VrpTimeout(cli.host, "configure", "%s; nothing was committed (the keeper abandons the session "
                         "and with it the candidate)" % exc.message)
    if parse_prompt(cli.prompt)["mark"] == "~":
        # the router saw no difference (lines already there in a form our comparison did not know)
        cli.discard()
        out["warnings"].append("the router reported no pending change after the lines were typed; "
                               "nothing was committed")
        return out
    try:
        cli.commit(label=label, description=description, trial=trial)
    except VrpConnectionError as exc:
        # the commit may have run before the session went: say so rather than guess
        raise VrpConnectionError(cli.host, "commit", "session lost while committing (%s); whether the router "
                                 "applied the commit is unknown: check 'display configuration commit list' "
                                 "(an uncommitted candidate is dropped with its session)"
                                 % exc.message, reason=exc.reason)
    except VrpTimeout as exc:
        raise VrpTimeout(cli.host, "commit", "%s; whether the router applied the commit is unknown: check "
                         "'display configuration commit list'" % exc.message)
    out["changed"] = True
    if read_commit_id:
        out["commit_id"] = after_commit(lambda: parse_commit_id(cli.display(COMMIT_LIST_DISPLAY)),
                                        out["warnings"], "the commit id (%r)" % COMMIT_LIST_DISPLAY, trial)
    return out


# --- vrp_commit ----------------------------------------------------------------------------------------

def trial_pending_message(host):
    return ("a trial commit is pending on %s; confirm or abort it with netops.vrp.vrp_commit "
            "(action: confirm | abort) before changing the configuration" % host)


def render_rollback(commit_id=None, label=None, last=None):
    """``rollback configuration ...`` as VrpCli.rollback sends it (for check-mode ``commands``)."""
    if commit_id is not None:
        return "rollback configuration to commit-id %s" % commit_id
    if label is not None:
        return "rollback configuration to label %s" % label
    return "rollback configuration last %d" % int(last)


# During a trial nobody else can commit (only its session may change the configuration [NE40E-CG
# Configuration_Precautions_for_Configuration_Management]), so the newest commit point is the trial's. Without an
# argument the display lists EVERY rollback point [NE40E-CR DisplayCfgCommitChanges(CFGOM)]: ask for the newest.
TRIAL_CHANGES_DISPLAY = "display configuration commit changes last 1"


def _explains_addition(line, path, wanted, block_paths):
    if line in wanted.get(path, ()):
        return True
    if any(not w.startswith("undo ") and line_present(w, [line]) for w in wanted.get(path, ())):
        return True   # an index-less wanted prefix entry the router stored with an index
    depth = len(path)
    return any(p[:depth] == path and len(p) > depth and _same_view_line(line, p[depth]) for p in block_paths)


def _explains_removal(line, path, wanted, block_paths):
    key = setting_key(line)
    if any(setting_key(w) == key or (w.startswith("undo ") and _undo_removes(w, line))
           for w in wanted.get(path, ())):
        return True   # replaced by a wanted line, or undone by one
    full = path + (line,)
    for depth in range(len(full)):   # the line went with a view a wanted undo removed
        if any(w.startswith("undo ") and _undo_removes(w, full[depth]) for w in wanted.get(full[:depth], ())):
            return True
    # a route-policy node whose mode a wanted view line switched
    return any(p[:len(path)] == path and len(p) > len(path) and p[len(path)] != line
               and _same_view_line(line, p[len(path)]) for p in block_paths)


def foreign_changes(blocks, changes):
    """The ``(sign, path, line)`` changes of a commit (``parse_commit_changes``) that ``blocks`` do not explain.

    A commit whose every added line is a wanted line (or opens a wanted view) and whose every removed
    line was replaced or undone by a wanted line could have been made by this configuration; that is how
    a trial left by an interrupted run of the same change is told apart from anyone else's.
    """
    wanted, block_paths = {}, [b.path for b in blocks]
    for block in blocks:
        wanted.setdefault(block.path, []).extend(block.lines)
    out = []
    for sign, path, line in changes:
        path, line = tuple(normalise_line(p) for p in path), normalise_line(line)
        explains = _explains_addition if sign == "+" else _explains_removal
        if not explains(line, path, wanted, block_paths):
            out.append("%s %s" % (sign, " / ".join(path + (line,))))
    return out


def check_trial_within(cli, blocks):
    """Raise VrpCommandError (step pre-check) unless the pending trial's changes all lie within ``blocks``."""
    parsed = parse_commit_changes(cli.display(TRIAL_CHANGES_DISPLAY))
    # "last 1" prints no commit id header [NE40E-CR DisplayCfgCommitChanges(CFGOM)]: the newest point's id
    parsed["commit_id"] = parsed["commit_id"] or parse_commit_id(cli.display(COMMIT_LIST_DISPLAY))
    commit = "commit id %s" % parsed["commit_id"] if parsed["commit_id"] else "commit id unknown"
    if not parsed["changes"]:
        raise VrpCommandError(cli.host, "pre-check", "a trial commit (%s) is pending on %s and its changes could "
                              "not be read (%r), so it cannot be told apart from someone else's; confirm or "
                              "abort it first" % (commit, cli.host, TRIAL_CHANGES_DISPLAY))
    foreign = foreign_changes(blocks, parsed["changes"])
    if foreign:
        raise VrpCommandError(cli.host, "pre-check", "a trial commit (%s) is pending on %s that this change did not "
                              "make (%s%s); it was left alone: confirm or abort it with netops.vrp.vrp_commit first"
                              % (commit, cli.host, "; ".join(foreign[:5]),
                                 "; ..." if len(foreign) > 5 else ""))
    return parsed["commit_id"]


def _seconds_left(seconds):
    return "%d seconds left before its timer rolls it back" % seconds if seconds is not None else \
        "its timer rolls it back when it expires"


def trial_not_ended_message(host, command, trial, refusal=None):
    """Why ``command`` (confirm / abort) left the trial pending, and what the operator does."""
    return ("%r did not end the trial commit pending on %s (%s): VRP binds a trial to the SSH session that ran "
            "'commit trial' [NE40E-CG Configuration_Precautions_for_Configuration_Management] and this is another "
            "session (for example a new run after the first run's session was lost). The trial is still pending "
            "(status %s, %s). To end it now: confirm ('commit') or abort ('abort trial') it in the session that "
            "started it, or run 'abort trial session <id>' in a configuration view (the router lists the id "
            "with 'abort trial session ?'); or let the timer roll it back, then run again"
            % (command, host, "router said: %s" % refusal if refusal else "the router printed no error",
               trial["status"], _seconds_left(trial["seconds_left"])))


def _end_trial(cli, action):
    """Send the confirm / abort; VrpCommandError if the trial is still pending afterwards (refused or not)."""
    command = "commit" if action == "confirm" else "abort trial"
    refusal = None
    try:
        cli.confirm_trial() if action == "confirm" else cli.abort_trial()
    except VrpCommandError as exc:
        refusal = error_line(exc.output) or exc.message
    trial = cli.trial_status()   # the router is the truth: did the trial end?
    if trial["pending"]:
        raise VrpCommandError(cli.host, "confirm trial" if action == "confirm" else "abort trial",
                              trial_not_ended_message(cli.host, command, trial, refusal))


def commit_action(cli, action, check_mode=False, commit_id=None, label=None, last=None, trial_within=None):
    """vrp_commit: confirm / abort a pending trial, or roll back. Returns the module result fields.

    ``trial_within`` (WantedBlock list): confirm / abort the pending trial only when its changes lie
    within that configuration (``check_trial_within``), else fail without sending anything.
    A confirm / abort succeeds only if the trial status says INACTIVE afterwards (a trial started by another
    session stays pending: ``trial_not_ended_message``).
    """
    state = cli.pending_state()
    result = {"changed": False, "commands": [], "trial_pending": state["trial_pending"],
              "candidate_pending": state["candidate_pending"], "warnings": []}
    if action in ("confirm", "abort") and state["trial_pending"] and state["trial_status"] != "ACTIVE":
        raise VrpCommandError(cli.host, "pre-check", "the trial commit on %s is already being rolled back (trial "
                              "status %s); nothing was sent: check 'display configuration trial status' again "
                              "in a moment" % (cli.host, state["trial_status"]))
    if trial_within is not None and state["trial_pending"] and action in ("confirm", "abort"):
        result["trial_commit_id"] = check_trial_within(cli, trial_within)
    if state["candidate_pending"]:
        # confirming would also commit these foreign edits; leaving the view drops them
        result["warnings"].append("an uncommitted candidate was pending in this session; it was %s"
                                  % ("left alone (check mode)" if check_mode else "discarded"))
        if not check_mode:
            cli.discard()
    if action in ("confirm", "abort"):
        if not state["trial_pending"]:
            return result
        result["changed"] = True
        result["commands"] = ["commit"] if action == "confirm" else ["abort trial", "Y"]
        if check_mode:
            return result
        before = len(cli.sent)
        try:
            _end_trial(cli, action)
        except (VrpConnectionError, VrpTimeout) as exc:
            # as with a commit: the command may have run before the session went, so say so
            step = "confirm trial" if action == "confirm" else "abort trial"
            message = ("%s while the trial commit was being %s; whether the router %s it is unknown: check "
                       "'display configuration trial status' (a trial that is not confirmed is rolled back when "
                       "its timer expires)" % (exc.message, "confirmed" if action == "confirm" else "aborted",
                                               "confirmed" if action == "confirm" else "rolled back"))
            if isinstance(exc, VrpTimeout):
                raise VrpTimeout(cli.host, step, message)
            raise VrpConnectionError(cli.host, step, message, reason=exc.reason)
        result["commands"] = [c for c in cli.sent[before:]
                              if c not in ("system-view", "return") and not c.startswith("display ")]
        return result
    if state["trial_pending"]:
        raise VrpCommandError(cli.host, "rollback", "a trial commit is pending on %s; confirm or abort it "
                              "first (its timer would later undo the rollback)" % cli.host)
    check_rollback_target(cli, commit_id=commit_id, label=label, last=last)
    command = render_rollback(commit_id, label, last)
    result.update(changed=True, commands=[command, "Y"])   # the router asks [Y/N] [CE-CR rollback_configuration.md]
    if check_mode:
        return result
    before = len(cli.sent)
    cli.rollback(commit_id=commit_id, label=label, last=last)
    result["commands"] = cli.sent[before:]
    return result
