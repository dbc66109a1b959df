"""Configuration of one emulated router: text trees, config semantics, canonical rendering, commit model.

The one home of config semantics: which line replaces which, what ``undo`` removes, implicit lines VRP
adds, and the order ``display current-configuration`` prints (vrp-cli-reference.md §3.2). The grammar
(``grammar.py``) says *which* semantic a command has; this module carries it out.

Two-stage model: each session edits a ``Candidate`` (a copy of running plus the edits that made it);
``RouterConfig.commit`` makes it running and records a rollback point (commit ids 1000000001..).
"""
import ipaddress
import time
from dataclasses import dataclass, field

from vrpsim import grammar as g
from vrpsim.errors import CliError

PEER_MISSING = "Error: The peer does not exist."
GROUP_MISSING = "Error: The peer group does not exist."   # UNVERIFIED wording (reference §2)
FIRST_COMMIT_ID = 1000000001


class Node:
    """One configuration line; ``children`` is a list for block lines (``bgp 65000``), None for leaves."""

    __slots__ = ("text", "key", "children")

    def __init__(self, text, key, children=None):
        self.text = text
        self.key = key
        self.children = children

    @property
    def tokens(self):
        return self.text.split()

    def copy(self):
        children = None if self.children is None else [c.copy() for c in self.children]
        return Node(self.text, self.key, children)

    def child(self, key):
        for node in self.children:
            if node.key == key:
                return node
        return None

    def set_line(self, key, text, children=None):
        """Replace the child with the same key (keeping a block's contents) or append a new one."""
        for i, node in enumerate(self.children):
            if node.key == key:
                if node.children is not None:
                    node.text = text
                else:
                    self.children[i] = Node(text, key)
                return self.children[i]
        node = Node(text, key, children)
        self.children.append(node)
        return node

    def remove_where(self, predicate):
        before = len(self.children)
        self.children = [c for c in self.children if not predicate(c)]
        return before - len(self.children)


def new_root():
    return Node("", (), [])


def _key(tokens, indexes):
    return tuple(tokens[i] for i in indexes)


# ---------------------------------------------------------------------------------------------------
# Canonical order and rendering

_SECTIONS = ("sysname", "ip vpn-instance", "interface", "bgp", "route-policy", "ip ip-prefix",
             "ip ipv6-prefix", "ip as-path-filter", "ip community-filter")
_PEER_ATTRS = {a: i for i, a in enumerate(("as-number", "enable", "group", "connect-interface", "description",
                                           "capability-advertise", "route-policy", "keep-all-routes",
                                           "reflect-client", "next-hop-local"))}
_LEAF_ORDER = {w: i for i, w in enumerate(("description", "ip binding", "ip address", "route-distinguisher",
                                           "vpn-target", "if-match", "apply"))}


def _section_of(node):
    for i, section in enumerate(_SECTIONS):
        if node.text == section or node.text.startswith(section + " "):
            return i
    return len(_SECTIONS)


def _ip_order(text):
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return (address.version, int(address))


def _af_order(words):
    if words[0] == "ipv6-family":
        return (3, "")
    return {"unicast": (0, ""), "vpnv4": (1, "")}.get(words[1], (2, words[-1]))


def _bgp_order(node, groups):
    """router-id and AF globals, then each group (its own lines, then its members' lines), then the peers
    in no group by address, then the AFs. ``groups``: {peer address: group} from the block's own lines.

    Group-wise as the device lists them [NE40E-CG Example_for_Configuring_Dual-Stack_Static_User_Access:
    ``group group2 external`` / ``peer 2.2.2.2 as-number 101`` / ``peer 2.2.2.2 group group2``].
    """
    words = node.tokens
    if words[0] == "undo":
        words = words[1:]
    if node.children is not None:
        return (3, _af_order(words), ())
    if words[0] in ("peer", "group"):
        attr = -1 if words[0] == "group" else _PEER_ATTRS.get(words[2], 99)
        address = _ip_order(words[1])
        if address is None:
            return (1, words[1], (0, attr))
        if words[1] in groups:
            return (1, groups[words[1]], (1, address, attr))
        return (2, address, (attr,))
    return (0, words[0], ())


def _memberships(children):
    out = {}
    for node in children:
        words = node.tokens
        if node.children is None and len(words) == 4 and words[0] == "peer" and words[2] == "group":
            out[words[1]] = words[3]
    return out


def _root_order(node):
    words = node.tokens
    if words[0] == "route-policy":
        return (_section_of(node), words[1], int(words[4]))
    if "index" in words:
        return (_section_of(node), words[words.index("index") - 1], int(words[words.index("index") + 1]))
    return (_section_of(node), "")


def _leaf_order(node):
    words = node.tokens
    if words[0] == "undo":
        words = words[1:]
    return _LEAF_ORDER.get(" ".join(words[:2]), _LEAF_ORDER.get(words[0], 99))


def _is_bgp_block(path_texts):
    return bool(path_texts) and path_texts[0].startswith("bgp ")


def ordered_children(node, path_texts=()):
    if not path_texts:
        return sorted(node.children, key=_root_order)
    if _is_bgp_block(path_texts):
        groups = _memberships(node.children)
        return sorted(node.children, key=lambda child: _bgp_order(child, groups))
    return sorted(node.children, key=_leaf_order)


def _render_lines(node, depth, path_texts, out):
    out.append(" " * depth + node.text)
    if node.children is None:
        return
    inner = path_texts + (node.text,)
    for child in ordered_children(node, inner):
        if child.children is not None and _is_bgp_block(inner):
            out.append(" " * (depth + 1) + "#")     # address-family blocks are set off by " #"
        _render_lines(child, depth + 1, inner, out)


def _top_level_groups(root):
    """Top-level blocks, with consecutive one-line objects of one kind (ip-prefix entries...) together."""
    groups = []
    for node in ordered_children(root):
        section = _section_of(node)
        if node.children is None and groups and groups[-1][0] == section and groups[-1][1][-1].children is None:
            groups[-1][1].append(node)
        else:
            groups.append((section, [node]))
    return [nodes for _, nodes in groups]


def render_config(root, section=None):
    """``display current-configuration [configuration SECTION]`` text (no trailing newline).

    The full text ends with ``return``; a filtered one is ``#`` block ``#`` without it [NE40E-CR buildrun(CFGOM):
    ``display current-configuration configuration xpl-pfx pf-instance``]. The ``!Software Version`` header of
    the full display is added by the CLI (cli.py), this text is also the router's internal running config.
    """
    out = []
    for nodes in _top_level_groups(root):
        if section and not nodes[0].text.startswith(section):
            continue
        out.append("#")
        for node in nodes:
            _render_lines(node, 0, (), out)
    out += ["#"] if section else ["#", "return"]
    return "\n".join(out)


def render_block(root, path):
    """``display this``: the block a view stands in (top-level lines for system view)."""
    if not path:
        lines = [n.text for n in ordered_children(root) if n.children is None]
        return "\n".join(["#"] + lines + ["#", "return"])
    node, texts = root, ()
    for key in path:
        node = node.child(key)
        if node is None:
            return "#\nreturn"
        texts += (node.text,)
    out = ["#"]
    _render_lines(node, len(path) - 1, texts[:-1], out)
    return "\n".join(out + ["#", "return"])


def _diff(old, new, depth, path_texts, out, candidate_only):
    """Changes between two sibling lists; returns True if anything differed."""
    old_by_key = {c.key: c for c in old.children} if old else {}
    new_by_key = {c.key: c for c in new.children} if new else {}
    merged = list(new_by_key.values()) + [c for k, c in old_by_key.items() if k not in new_by_key]
    holder = Node("", (), merged)
    changed = False
    for node in ordered_children(holder, path_texts):
        before, after = old_by_key.get(node.key), new_by_key.get(node.key)
        if before is not None and after is not None and before.children is not None:
            sub = []
            if _diff(before, after, depth + 1, path_texts + (after.text,), sub, candidate_only):
                header = [] if depth else ["  #"]
                out += header + ["  " + " " * depth + after.text] + sub
                changed = True
            continue
        if before is not None and after is not None and before.text == after.text:
            continue
        if depth == 0:
            out.append("  #")
        if before is not None:
            lines = []
            _render_lines(before, depth, path_texts, lines)
            if candidate_only:
                out += ["  " + lines[0][:depth] + "undo " + lines[0][depth:]]
            else:
                out += ["- " + line for line in lines]
        if after is not None:
            lines = []
            _render_lines(after, depth, path_texts, lines)
            out += [("  " if candidate_only else "+ ") + line for line in lines]
        changed = True
    return changed


def render_changes(old, new):
    """``display configuration candidate changes`` / ``commit changes`` (+/- lines, two-space context)."""
    out = []
    if not _diff(old, new, 0, (), out, candidate_only=False):
        return ""
    return "\n".join(["Building configuration"] + out + ["  #"])


def render_candidate(old, new):
    """``display configuration candidate``: only the uncommitted commands (removals as ``undo``), indented
    as in the config, no ``#`` lines [NE40E-CR DisplayPreview(CLIOM): ``user-interface vty 0 4`` /
    `` authentication-mode aaa``]."""
    out = []
    if not _diff(old, new, 0, (), out, candidate_only=True):
        return ""
    return "\n".join(line[2:] for line in out if line.strip() != "#")


# ---------------------------------------------------------------------------------------------------
# Config semantics: apply one matched command to a tree

def _block_at(root, path):
    node = root
    for key in path:
        node = node.child(key)
        if node is None:
            raise CliError.message("Error: The configuration view no longer exists.")
    return node


def _peer_scope(root, path, view):
    """The block where peers/groups of this view are declared: bgp, or the VPN instance's block."""
    return _block_at(root, path if view == g.BGP_VPN else path[:1])


def _public_af_blocks(bgp_block):
    return [c for c in bgp_block.children if c.children is not None and c.key[:2] != ("ipv4-family", "vpn-instance")]


def _declares(scope, subject):
    """Does the scope declare ``subject`` as a peer (as-number or group membership) or a group?"""
    for node in scope.children:
        words = node.tokens
        if len(words) >= 3 and words[0] == "peer" and words[1] == subject and words[2] in ("as-number", "group"):
            return True
        if len(words) >= 2 and words[0] == "group" and words[1] == subject:
            return True
    return False


def _require_peer(scope, subject):
    if not _declares(scope, subject):
        is_address = g.PARAM_TYPES["ip"](subject) is not None
        raise CliError.message(PEER_MISSING if is_address else GROUP_MISSING)


def _group_exists(scope, name):
    return any(n.tokens[:2] == ["group", name] for n in scope.children)


def _ensure_af_ipv4(bgp_block):
    af = bgp_block.child(("ipv4-family", "unicast"))
    if af is None:
        af = bgp_block.set_line(("ipv4-family", "unicast"), "ipv4-family unicast", [])
        af.set_line(("undo", "synchronization"), "undo synchronization")
    return af


# Lines VRP creates together with a block.
_IMPLICIT_CHILDREN = {
    ("ipv4-family", "unicast"): [("undo synchronization", ("undo", "synchronization"))],
    ("ipv6-family",): [("undo synchronization", ("undo", "synchronization"))],
    ("ipv4-family", "vpnv4"): [("policy vpn-target", ("policy", "vpn-target"))],
}


def _block_text(view, tokens):
    """Canonical header of a block (``ipv4-family vpnv4 unicast`` is shown as ``ipv4-family vpnv4``)."""
    if tokens[0] == "ipv6-family":
        return "ipv6-family unicast"
    if tokens[0] == "ipv4-family" and view == g.VPN_INSTANCE:
        return "ipv4-family"
    if tokens[:2] == ["ipv4-family", "vpnv4"]:
        return "ipv4-family vpnv4"
    return " ".join(tokens)


def apply_command(root, path, view, match):
    """Apply a config command to ``root`` at view ``path``; returns the new path when it enters a view.

    Raises ``CliError`` for semantic errors (the tree is then unchanged).
    """
    command, tokens = match.command, match.tokens
    handler = _HANDLERS[command.action]
    return handler(root, tuple(path), view, command, tokens)


def _set(root, path, view, command, tokens):
    block = _block_at(root, path)
    undoing = command.action == "unset"
    positive = tokens[1:] if undoing else tokens
    if command.peer_check:
        _require_peer(_peer_scope(root, path, view), positive[1])
    key = _key(positive, command.key)
    removing = undoing != command.default_on
    block.remove_where(lambda n: n.key == key)
    if not removing:
        text = " ".join(tokens)
        block.set_line(key, text)
    return None


def _enter(root, path, view, command, tokens):
    block = _block_at(root, path)
    key = _key(tokens, command.key)
    node = block.child(key)
    if node is None:
        node = block.set_line(key, _block_text(view, tokens), [])
        for text, child_key in _IMPLICIT_CHILDREN.get(key, ()):
            node.set_line(child_key, text)
    else:
        node.text = _block_text(view, tokens)   # e.g. route-policy node switched permit -> deny
    return path + (key,)


def _enter_bgp(root, path, view, command, tokens):
    existing = root.child(("bgp",))
    if existing is not None and existing.tokens[1] != tokens[1]:
        # UNVERIFIED wording; VRP allows one BGP instance per device.
        raise CliError.message("Error: The AS number is different from the configured one.")
    if existing is None:
        _ensure_af_ipv4(root.set_line(("bgp",), "bgp " + tokens[1], []))
    return (("bgp",),)


def _undo_bgp(root, path, view, command, tokens):
    existing = root.child(("bgp",))
    if existing is None or existing.tokens[1] != tokens[2]:
        raise CliError("wrong_parameter", 2)
    root.remove_where(lambda n: n.key == ("bgp",))


def _remove_blocks(root, path, view, command, tokens):
    words = tokens[1:]
    block = _block_at(root, path)
    if words[0] == "route-policy":
        node = words[3] if len(words) > 2 else None
        block.remove_where(lambda n: n.tokens[:2] == words[:2] and node in (None, n.tokens[4]))
    elif words[:2] == ["ip", "vpn-instance"]:
        block.remove_where(lambda n: n.key == tuple(words))
        bgp = root.child(("bgp",))
        if bgp is not None:   # deleting the instance deletes its BGP address family too
            bgp.remove_where(lambda n: n.key == ("ipv4-family", "vpn-instance", words[2]))
    elif words[0] == "ipv6-family":
        block.remove_where(lambda n: n.key == ("ipv6-family",))
    else:
        block.remove_where(lambda n: n.key == tuple(words[:2] if words[1] == "vpnv4" else words))


def _filter_entry(root, path, view, command, tokens):
    """ip ip-prefix / ipv6-prefix / as-path-filter / community-filter entries, with auto index."""
    head = 3 if tokens[1] == "community-filter" else 2        # tokens up to and including NAME
    name_prefix = tokens[:head + 1]
    rest = tokens[head + 1:]
    if rest[0] == "index":
        index, rest = rest[1], rest[2:]
    else:
        used = [int(n.tokens[head + 2]) for n in root.children if n.tokens[:head + 1] == name_prefix]
        index = str((max(used) // 10 + 1) * 10 if used else 10)
    if tokens[1] in ("ip-prefix", "ipv6-prefix"):
        rest = _normalise_prefix_entry(rest, len(tokens) - len(rest))
    key = tuple(name_prefix) + ("index", index)
    root.set_line(key, " ".join(list(key) + rest))


def _normalise_prefix_entry(rest, offset):
    """``permit 10.1.1.1 16 ...`` -> address ANDed with the mask; greater/less-equal bounds checked."""
    network = ipaddress.ip_network("%s/%s" % (rest[1], rest[2]), strict=False)
    rest = [rest[0], str(network.network_address)] + rest[2:]
    length = int(rest[2])
    bounds = dict(zip(rest[3::2], (int(v) for v in rest[4::2]), strict=False))
    ge, le = bounds.get("greater-equal", length), bounds.get("less-equal", network.max_prefixlen)
    if not length <= ge <= le:
        bad = "greater-equal" if ge < length else "less-equal"
        raise CliError("wrong_parameter", offset + rest.index(bad) + 1)
    return rest


def _undo_filter(root, path, view, command, tokens):
    words = tokens[1:]
    prefix = words[:4] if words[1] == "community-filter" else words[:3]
    index = words[-1] if "index" in words else None
    removed = root.remove_where(
        lambda n: n.tokens[:len(prefix)] == prefix and index in (None, n.tokens[len(prefix) + 1]))
    if not removed:
        raise CliError("wrong_parameter", len(prefix))


def _vpn_target(root, path, view, command, tokens):
    undo = tokens[0] == "undo"
    words = tokens[2:] if undo else tokens[1:]
    kinds = ("export-extcommunity", "import-extcommunity")
    if words[-1] in kinds + ("both",):
        direction, targets = words[-1], words[:-1]
    else:
        direction, targets = "both", words
    block = _block_at(root, path)
    for target in targets:
        for kind in kinds if direction == "both" else (direction,):
            key = ("vpn-target", target, kind)
            if undo:
                block.remove_where(lambda n, k=key: n.key == k)
            else:
                block.set_line(key, " ".join(key))


def _group(root, path, view, command, tokens):
    scope = _block_at(root, path)
    kind = tokens[2] if len(tokens) > 2 else "internal"
    scope.set_line(("group", tokens[1]), "group %s %s" % (tokens[1], kind))
    if view == g.BGP:   # a public group is enabled in IPv4 unicast, as VRP lists it
        _ensure_af_ipv4(scope).set_line(("peer", tokens[1], "enable"), "peer %s enable" % tokens[1])


def _peer_as(root, path, view, command, tokens):
    scope = _block_at(root, path)
    subject = tokens[1]
    is_address = g.PARAM_TYPES["ip"](subject) is not None
    if not is_address and not _group_exists(scope, subject):
        raise CliError.message(GROUP_MISSING)
    scope.set_line(("peer", subject, "as-number"), " ".join(tokens))
    if view == g.BGP and is_address and g.PARAM_TYPES["ipv4"](subject):
        # VRP8 auto-enables an IPv4 peer in IPv4 unicast and lists that (reference §3.1/§3.2).
        _ensure_af_ipv4(scope).set_line(("peer", subject, "enable"), "peer %s enable" % subject)


def _peer_group(root, path, view, command, tokens):
    scope = _peer_scope(root, path, view)
    subject, group = tokens[1], tokens[3]
    if not _group_exists(scope, group):
        raise CliError.message(GROUP_MISSING)
    if view in g.BGP_AF_VIEWS:
        _require_peer(scope, subject)
    block = _block_at(root, path)
    block.set_line(("peer", subject, "group"), " ".join(tokens))
    if view == g.BGP and g.PARAM_TYPES["ipv4"](subject):
        af = _ensure_af_ipv4(block)
        af.set_line(("peer", subject, "enable"), "peer %s enable" % subject)
        af.set_line(("peer", subject, "group"), " ".join(tokens))


def _undo_peer(root, path, view, command, tokens):
    """``undo peer X`` and ``undo peer X group G`` delete the peer with all its configuration."""
    scope = _peer_scope(root, path, view)
    subject = tokens[2]
    _require_peer(scope, subject)
    blocks = [scope] + (_public_af_blocks(scope) if view != g.BGP_VPN else [])
    for block in blocks:
        block.remove_where(lambda n: n.children is None and _line_subject(n) == subject)


def _line_subject(node):
    words = node.tokens
    if words[0] == "undo":
        words = words[1:]
    return words[1] if words[0] == "peer" and len(words) > 1 else None


def _undo_group(root, path, view, command, tokens):
    scope = _block_at(root, path)
    name = tokens[2]
    if not _group_exists(scope, name):
        raise CliError.message(GROUP_MISSING)
    members = {n.tokens[1] for n in scope.children if n.tokens[0] == "peer" and n.tokens[2:4] == ["group", name]}
    gone = members | {name}
    blocks = [scope] + (_public_af_blocks(scope) if view == g.BGP else [])
    for block in blocks:
        block.remove_where(lambda n: n.children is None and (_line_subject(n) in gone or n.key == ("group", name)))


_HANDLERS = {
    "set": _set,
    "unset": _set,
    "enter": _enter,
    "enter_bgp": _enter_bgp,
    "undo_bgp": _undo_bgp,
    "remove_blocks": _remove_blocks,
    "filter_entry": _filter_entry,
    "undo_filter": _undo_filter,
    "vpn_target": _vpn_target,
    "group": _group,
    "peer_as": _peer_as,
    "peer_group": _peer_group,
    "undo_peer": _undo_peer,
    "undo_group": _undo_group,
}
CONFIG_ACTIONS = frozenset(_HANDLERS)


# ---------------------------------------------------------------------------------------------------
# Commit model

@dataclass
class CommitPoint:
    commit_id: int
    user: str
    label: str
    description: str
    kind: str                 # CLI | ROLLBACK (Type in the verbose list [NE40E-CG Example_for_Configuration_Rollback])
    timestamp: float
    before: Node
    after: Node


@dataclass
class Trial:
    commit_id: int
    seconds: int
    deadline: float           # lab clock (monotonic) when it rolls back
    before: Node
    session: int = None       # id of the CLI session that started it (R5: only it may confirm / abort)


class RouterConfig:
    """Running config, rollback points and trial state of one router."""

    def __init__(self, default_hostname):
        self.default_hostname = default_hostname
        self.running = new_root()
        self.version = 0
        self.commits = []           # oldest first
        self.trial = None
        self._text_cache = (None, None)

    @property
    def hostname(self):
        node = self.running.child(("sysname",))
        return node.tokens[1] if node else self.default_hostname

    def running_text(self):
        if self._text_cache[0] != self.version:
            self._text_cache = (self.version, render_config(self.running))
        return self._text_cache[1]

    def _replace_running(self, tree):
        self.running = tree
        self.version += 1

    def commit(self, tree, user, label="-", description="", kind="CLI"):
        """Make ``tree`` running; returns the new rollback point (None when nothing changed)."""
        if render_config(tree) == self.running_text():
            return None
        point = CommitPoint(self._next_id(), user, label or "-", description, kind, time.time(),
                            self.running, tree.copy())
        self.commits.append(point)
        self._replace_running(tree.copy())
        return point

    def load_startup(self, tree):
        """Startup config becomes running without a rollback point (the device booted with it)."""
        self._replace_running(tree.copy())

    def _next_id(self):
        return self.commits[-1].commit_id + 1 if self.commits else FIRST_COMMIT_ID

    def label_in_use(self, label):
        return any(p.label == label for p in self.commits)

    def start_trial(self, point, seconds, now, real_seconds, session=None):
        self.trial = Trial(point.commit_id, seconds, now + real_seconds, point.before, session)

    def end_trial(self, roll_back):
        """Confirm (roll_back=False) or undo the trial; returns True if running changed."""
        trial, self.trial = self.trial, None
        if trial is None or not roll_back:
            return False
        self._replace_running(trial.before.copy())
        return True

    def find_rollback_target(self, how, value):
        """The configuration AT commit X / label L (as it was right after that commit), or before the
        last N commits.

        [NE40E-CR rollbackconfig(CFGOM)] "to: The system will be rolled back to the configurations when the
        configuration rollback point is generated"; [NE40E-CG Example_for_Configuration_Rollback] ``last 1``
        equals ``to commit-id <the point before the newest>``. Raises CliError when there is no such point.
        """
        if how == "commit-id":
            points = [p.after for p in self.commits if p.commit_id == int(value)]
        elif how == "label":
            points = [p.after for p in self.commits if p.label == value]
        else:
            n = int(value)
            points = [self.commits[-n].before] if n <= len(self.commits) else []
        if not points:
            raise CliError.message("Error: The specified rollback point does not exist.")  # UNVERIFIED
        return points[0]

    def points_for_changes(self, how=None, value=None):
        """``[(point or None, before, after)]`` for ``display configuration commit changes [at X | since X |
        last N]`` [NE40E-CR DisplayCfgCommitChanges(CFGOM)]: no argument lists every
        rollback point newest first, each under ``Commit changes of commitId <id> <date> <time>``; ``at X``
        that commit alone; ``since X`` / ``last N`` one merged diff. None: no such point."""
        commits = self.commits
        if how is None:
            return [(p, p.before, p.after) for p in reversed(commits)]
        if how == "last":
            n = int(value)
            return [(None, commits[-n].before, commits[-1].after)] if n <= len(commits) else None
        found = [i for i, p in enumerate(commits) if p.commit_id == int(value)]
        if not found:
            return None
        point = commits[found[0]]
        if how == "at":
            return [(None, point.before, point.after)]
        return [(None, point.before, commits[-1].after)]

    def rollback(self, tree, user):
        return self.commit(tree, user, kind="ROLLBACK")


@dataclass
class Edit:
    path: tuple
    view: str
    match: object


@dataclass
class Candidate:
    """A session's private candidate: running at ``base_version`` plus ``edits``.

    If another session commits meanwhile, the edits are replayed on the new running config (so a
    commit never reverts someone else's change), like VRP merging the candidate into running.
    """
    config: RouterConfig
    tree: Node = None
    base_version: int = -1
    edits: list = field(default_factory=list)

    def current(self):
        if self.base_version != self.config.version:
            self.tree = self.config.running.copy()
            self.base_version = self.config.version
            for edit in self.edits:
                try:
                    apply_command(self.tree, edit.path, edit.view, edit.match)
                except CliError:
                    pass   # the edit no longer applies on top of the newer running config
        return self.tree

    def apply(self, path, view, match):
        """Apply on a scratch copy first so a refused command leaves the candidate untouched."""
        scratch = self.current().copy()
        new_path = apply_command(scratch, path, view, match)
        self.tree = scratch
        self.edits.append(Edit(tuple(path), view, match))
        return new_path

    @property
    def pending(self):
        return bool(self.edits) and render_config(self.current()) != self.config.running_text()

    def discard(self):
        self.edits.clear()
        self.base_version = -1
