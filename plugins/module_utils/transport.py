# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The transport interface between the VRP session procedure (``cli.VrpCli``) and an SSH session.

A ``Transport`` sends one line and returns what the router printed up to the next prompt or
question. ``VrpCli`` is its only user. Implementations: ``KeeperTransport`` (plugin_utils/
session_keeper.py, the real one) and ``FakeTransport`` (below, for unit tests).

Stdlib only: this file is also loaded by the session keeper process outside Ansible.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# A VRP prompt at the end of the received text: <R1>, [~R1], [*R1-bgp-af-ipv4], [R1] (immediate mode).
PROMPT_PATTERN = r"(?:<[^<>\s]+>|\[[~*]?[^\[\]\s]+\])[ \t]*$"
# A question waiting for an answer: "... [Y/N]:", "... [Y(yes)/N(no)/C(cancel)]:", "[Y/N/C]:".
QUESTION_PATTERN = r"\[Y(?:\(yes\))?/N(?:\(no\))?(?:/C(?:\(cancel\))?)?\]:[ \t]*$"
PROMPT_OR_QUESTION_PATTERN = r"(?:%s|%s)" % (PROMPT_PATTERN, QUESTION_PATTERN)

PROMPT_RE = re.compile(PROMPT_PATTERN)
QUESTION_RE = re.compile(QUESTION_PATTERN)
# The one definition of a refused command's line: "Error: ...", "Error:Too many ..." (no space) and the numbered
# "Error[1]: ..." of some releases [gnetcli huawei_test.go; ne-plugin plugins/terminal/ne.py].
ERROR_PATTERN = r"Error(?:\[\d+\])?\s*:"
ERROR_LINE_RE = re.compile(r"^\s*%s.*$" % ERROR_PATTERN, re.M)
_USER_PROMPT_RE = re.compile(r"^<(?P<name>[^<>\s]+)>$")
_CONFIG_PROMPT_RE = re.compile(r"^\[(?P<mark>[~*]?)(?P<name>[^\[\]\s]+)\]$")


# "the peer does not exist" may come as an Info line [fs: IDCLogChecker "Info: The peer does not exist."];
# the router changed nothing, so it is a refusal like an Error line (vrpsim reading missing_peer_text)
_MISSING_OBJECT_RE = re.compile(r"^\s*Info:.*\bdoes not exist\b.*$", re.M)


def error_line(output):
    """The first refusal line of a router reply (``Error: ...`` / ``Error[N]: ...`` / ``Info: ... does not
    exist``), or ``None``."""
    match = ERROR_LINE_RE.search(output or "") or _MISSING_OBJECT_RE.search(output or "")
    return match.group(0).strip() if match else None


class VrpError(Exception):
    """Any failure talking to a router. ``str()`` is ``"<host>: <step>: <message>"``."""

    def __init__(self, host, step, message):
        super(VrpError, self).__init__(host, step, message)
        self.host = host
        self.step = step
        self.message = message

    def __str__(self):
        return "%s: %s: %s" % (self.host, self.step, self.message)

    def to_dict(self):
        return {"class": type(self).__name__, "host": self.host, "step": self.step,
                "message": self.message}


class VrpConnectionError(VrpError):
    """The SSH session could not be opened or was lost.

    ``reason`` is one of ``unreachable``, ``auth``, ``hostkey``, ``closed``.
    """

    REASONS = ("unreachable", "auth", "hostkey", "closed")

    def __init__(self, host, step, message, reason="closed"):
        super(VrpConnectionError, self).__init__(host, step, message)
        self.reason = reason if reason in self.REASONS else "closed"

    def to_dict(self):
        data = super(VrpConnectionError, self).to_dict()
        data["reason"] = self.reason
        return data


class VrpTimeout(VrpError):
    """The router did not print a prompt or question in time."""


class VrpCommandError(VrpError):
    """The router refused a command (``Error: ...``) or a commit failed."""

    def __init__(self, host, step, message, command=None, output=""):
        super(VrpCommandError, self).__init__(host, step, message)
        self.command = command
        self.output = output

    def to_dict(self):
        data = super(VrpCommandError, self).to_dict()
        data.update(command=self.command, output=self.output)
        return data


ERROR_CLASSES = dict((cls.__name__, cls) for cls in (VrpError, VrpConnectionError, VrpTimeout,
                                                     VrpCommandError))


def error_from_dict(data, host=None):
    """Rebuild a VrpError from ``VrpError.to_dict()`` (used over the keeper socket)."""
    cls = ERROR_CLASSES.get(data.get("class"), VrpError)
    host = data.get("host") or host or "?"
    step = data.get("step") or "?"
    message = data.get("message") or ""
    if cls is VrpConnectionError:
        return cls(host, step, message, reason=data.get("reason", "closed"))
    if cls is VrpCommandError:
        return cls(host, step, message, command=data.get("command"), output=data.get("output", ""))
    return cls(host, step, message)


class Reply:
    """What the router printed for one line.

    ``output``: the text without the echoed command and without the final prompt line;
    ``prompt``: the final line, a VRP prompt (``<R1>``, ``[~R1-bgp]``) or a question ending in ``[Y/N]:``.
    """

    __slots__ = ("output", "prompt")

    def __init__(self, output, prompt):
        self.output = output
        self.prompt = prompt

    def __eq__(self, other):
        return isinstance(other, Reply) and (self.output, self.prompt) == (other.output, other.prompt)

    def __ne__(self, other):
        return not self == other

    def __repr__(self):
        return "Reply(output=%r, prompt=%r)" % (self.output, self.prompt)

    @property
    def is_question(self):
        return is_question(self.prompt)


def is_question(prompt):
    return bool(prompt) and bool(QUESTION_RE.search(prompt))


def parse_prompt(prompt):
    """Classify a prompt: returns a dict ``{kind, hostname, mark, view}``.

    ``kind``: ``user`` (``<R1>``), ``config`` (``[~R1-bgp]``), ``question`` or ``unknown``.
    ``mark``: ``~``, ``*`` or ``""`` (config only); ``view``: the text inside the brackets after the mark.
    """
    text = (prompt or "").strip()
    match = _USER_PROMPT_RE.match(text)
    if match:
        return {"kind": "user", "hostname": match.group("name"), "mark": "", "view": match.group("name")}
    match = _CONFIG_PROMPT_RE.match(text)
    if match:
        return {"kind": "config", "hostname": None, "mark": match.group("mark"),
                "view": match.group("name")}
    if is_question(text):
        return {"kind": "question", "hostname": None, "mark": "", "view": None}
    return {"kind": "unknown", "hostname": None, "mark": "", "view": None}


def split_reply(text):
    """Split raw text (echo already removed) into ``Reply(output, prompt)`` at the last line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    body, sep, last = text.rstrip("\n").rpartition("\n")
    if not sep:
        body, last = "", text.strip("\n")
    if not (PROMPT_RE.search(last) or QUESTION_RE.search(last)):
        return Reply(text.rstrip("\n"), "")
    return Reply(body, last.strip())


class Transport:
    """One SSH session to one router (abstract).

    ``host``: the name used in error messages. ``prompt``: the last prompt seen (``None`` when
    unknown); VrpCli reads it once to learn the current view of a session kept across tasks.
    """

    host = "?"
    prompt = None

    def send(self, command, timeout=None):
        """Send one line and return a ``Reply``.

        Waits for a VRP prompt (``<R>``, ``[~R..]``, ``[*R..]``) or a question ending in ``[Y/N]:``
        or ``[Y(yes)/N(no)/C(cancel)]:``, which is then ``Reply.prompt``. Raises ``VrpTimeout``,
        ``VrpConnectionError``. Never raises ``VrpCommandError`` (deciding what is an error is VrpCli's).
        """
        raise NotImplementedError

    def close(self):
        """Release this client's use of the session (the keeper may keep the SSH session)."""
        raise NotImplementedError


UNCOMMITTED_QUESTION = ("Warning: Uncommitted configurations found, commit them before exiting? "
                        "[Y(yes)/N(no)/C(cancel)]:")
ABORT_TRIAL_QUESTION = "Warning: The trial configuration will be rolled back. Continue? [Y/N]:"


class FakeTransport(Transport):
    """Scripted transport for unit tests; records every command in ``self.sent``.

    ``replies`` maps a command (exact string, or a compiled regex) to what the router answers:
    a ``str`` (output; the prompt comes from the built-in view model), a ``Reply`` (output and
    prompt; the model adopts that prompt), an exception instance (raised), a callable
    ``f(command, transport)`` returning any of these, or a list of those (consumed in order, the
    last one repeats).

    The built-in model knows just enough VRP8 for VrpCli: ``system-view`` / ``return`` / ``quit``,
    the ``~``/``*`` candidate marker (any other line typed in a config view marks the candidate
    pending), ``commit`` (incl. ``commit trial``), the "Uncommitted configurations found" question
    on leaving with a pending candidate (answers ``Y``/``N``/``C``), ``abort trial`` + ``[Y/N]``,
    ``rollback configuration`` and ``display configuration trial status``. Unscripted commands
    print nothing (``strict=True``: raise ``AssertionError`` instead, except the view commands).
    """

    def __init__(self, replies=None, host="R1", hostname=None, prompt=None, strict=False):
        self.host = host
        self.hostname = hostname or host
        self.replies = dict(replies or {})
        self.strict = strict
        self.sent = []
        self.closed = False
        self.trial = False
        self.prompt = prompt or "<%s>" % self.hostname
        self._question = None  # "uncommitted" | "abort_trial" | "generic"
        self._question_prev = None
        self._views = []  # config view stack, root first (for quit)
        self._track(self.prompt)

    # -- model state --------------------------------------------------------------------------------
    @property
    def commands(self):
        return list(self.sent)

    @property
    def in_user_view(self):
        return parse_prompt(self.prompt)["kind"] == "user"

    @property
    def candidate_pending(self):
        return parse_prompt(self.prompt)["mark"] == "*"

    def _config_prompt(self, mark=None, view=None):
        info = parse_prompt(self.prompt)
        if info["kind"] == "config":
            mark = info["mark"] if mark is None else mark
            view = info["view"] if view is None else view
        return "[%s%s]" % ("~" if mark is None else mark, view or self.hostname)

    def _user_prompt(self):
        return "<%s>" % self.hostname

    # -- Transport ----------------------------------------------------------------------------------
    def send(self, command, timeout=None):
        if self.closed:
            raise VrpConnectionError(self.host, "send %r" % command, "transport closed", reason="closed")
        self.sent.append(command)
        scripted = self._lookup(command)
        if scripted is not _MISSING:
            if callable(scripted) and not isinstance(scripted, (Reply, BaseException)):
                scripted = scripted(command, self)
            if isinstance(scripted, BaseException):
                raise scripted
            if isinstance(scripted, Reply):
                self._adopt(scripted.prompt)
                return Reply(scripted.output, scripted.prompt)
            return self._model(command, output=scripted)
        return self._model(command, output=None)

    def close(self):
        self.closed = True

    # -- internals ----------------------------------------------------------------------------------
    def _lookup(self, command):
        if command in self.replies:
            value = self.replies[command]
        else:
            value = _MISSING
            for key, val in self.replies.items():
                if hasattr(key, "fullmatch") and key.fullmatch(command):
                    value = val
                    break
            if value is _MISSING:
                return _MISSING
        if isinstance(value, list):
            if not value:
                return _MISSING
            return value.pop(0) if len(value) > 1 else value[0]
        return value

    def _track(self, prompt):
        info = parse_prompt(prompt)
        if info["kind"] == "user":
            self._views = []
        elif info["kind"] == "config":
            if info["view"] in self._views:
                del self._views[self._views.index(info["view"]) + 1:]
            else:
                self._views.append(info["view"])

    def _adopt(self, prompt):
        self._track(prompt)
        info = parse_prompt(prompt)
        if info["kind"] == "question":
            self._question_prev = self.prompt if self._question is None else self._question_prev
            self._question = "generic"
        else:
            self._question = None
        if info["kind"] == "user" and info["hostname"]:
            self.hostname = info["hostname"]
        self.prompt = prompt

    def _ask(self, kind, text):
        self._question_prev = self.prompt
        self._question = kind
        self.prompt = text
        return Reply("", text)

    def _reply(self, output, prompt):
        self._track(prompt)
        self.prompt = prompt
        return Reply(output, prompt)

    def _model(self, command, output):
        cmd = command.strip()
        words = cmd.split()
        if self._question is not None:
            kind, prev = self._question, self._question_prev
            self._question = self._question_prev = None
            answer = cmd.upper()[:1]
            if kind == "uncommitted":
                if answer == "C":
                    return self._reply(output or "", prev)
                if answer == "Y":
                    self.trial = False
                return self._reply(output or "", self._user_prompt())
            if kind == "abort_trial" and answer == "Y":
                self.trial = False
                return self._reply(output or "", self._user_prompt() if parse_prompt(prev)["kind"] == "user"
                                   else self._config_prompt(mark="~"))
            return self._reply(output or "", prev)
        kind = parse_prompt(self.prompt)["kind"]
        if cmd == "system-view" and kind == "user":
            text = "Enter system view, return user view with return command." if output is None else output
            return self._reply(text, "[~%s]" % self.hostname)
        if kind == "config" and (cmd == "return" or (cmd == "quit" and parse_prompt(self.prompt)["view"] == self.hostname)):
            if self.candidate_pending:
                return self._ask("uncommitted", UNCOMMITTED_QUESTION)
            return self._reply(output or "", self._user_prompt())
        if kind == "config" and cmd == "quit":
            parent = self._views[-2] if len(self._views) > 1 else self.hostname
            return self._reply(output or "", self._config_prompt(view=parent))
        if kind == "config" and words[:1] == ["commit"] and not (error_line(output) or "Failed" in (output or "")):
            self.trial = words[1:2] == ["trial"]
            text = output
            if text is None:
                text = ("Info: The system enters the trial configuration mode." if self.trial else "")
            return self._reply(text, self._config_prompt(mark="~"))
        if words[:2] == ["abort", "trial"]:
            if kind == "user":   # all views except the user view [NE40E-CR CfgTrial(CFGOM)]
                return self._reply("Error: Unrecognized command found at '^' position.", self.prompt)
            return self._ask("abort_trial", ABORT_TRIAL_QUESTION)
        if words[:2] == ["rollback", "configuration"] and kind == "user":
            return self._reply(output or "", self.prompt)
        if cmd == "display configuration trial status" and output is None:
            # [NE40E-CR DisplayTrialState(CFGOM)]
            text = ("Trial status: ACTIVE\nTrial time left (sec): 600" if self.trial
                    else "Trial status: INACTIVE\nTrial time left (sec): 0")
            return self._reply(text, self.prompt)
        if output is None and self.strict and words[:1] != ["screen-length"]:
            raise AssertionError("FakeTransport: unscripted command %r" % command)
        if kind == "config" and words[:1] != ["display"] and not error_line(output):
            return self._reply(output or "", self._config_prompt(mark="*"))
        return self._reply(output or "", self.prompt)


_MISSING = object()
