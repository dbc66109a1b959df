# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The transport interface between the VRP session procedure (``cli.VrpCli``) and an SSH session.

A ``Transport`` sends one line and returns what the router printed up to the next prompt or
question. ``VrpCli`` is its only user. Implementation: ``KeeperTransport`` (plugin_utils/
keeper_client.py); the unit tests' double is ``FakeTransport`` (tests/unit/fake_transport.py).

Stdlib only: this file is also loaded by the session keeper process outside Ansible.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from typing import Any, Dict, Optional

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


def error_line(output: Optional[str]) -> Optional[str]:
    """The first refusal line of a router reply (``Error: ...`` / ``Error[N]: ...`` / ``Info: ... does not
    exist``), or ``None``."""
    match = ERROR_LINE_RE.search(output or "") or _MISSING_OBJECT_RE.search(output or "")
    return match.group(0).strip() if match else None


class VrpError(Exception):
    """Any failure talking to a router. ``str()`` is ``"<host>: <step>: <message>"``."""

    def __init__(self, host: str, step: str, message: str) -> None:
        super(VrpError, self).__init__(host, step, message)
        self.host = host
        self.step = step
        self.message = message

    def __str__(self) -> str:
        return "%s: %s: %s" % (self.host, self.step, self.message)

    def to_dict(self) -> Dict[str, Any]:
        return {"class": type(self).__name__, "host": self.host, "step": self.step,
                "message": self.message}


class VrpConnectionError(VrpError):
    """The SSH session could not be opened or was lost.

    ``reason`` is one of ``unreachable``, ``auth``, ``hostkey``, ``closed``.
    """

    REASONS = ("unreachable", "auth", "hostkey", "closed")

    def __init__(self, host: str, step: str, message: str, reason: str = "closed") -> None:
        super(VrpConnectionError, self).__init__(host, step, message)
        self.reason = reason if reason in self.REASONS else "closed"

    def to_dict(self) -> Dict[str, Any]:
        data = super(VrpConnectionError, self).to_dict()
        data["reason"] = self.reason
        return data


class VrpTimeout(VrpError):
    """The router did not print a prompt or question in time."""


class VrpCommandError(VrpError):
    """The router refused a command (``Error: ...``) or a commit failed."""

    def __init__(self, host: str, step: str, message: str, command: Optional[str] = None, output: str = "") -> None:
        super(VrpCommandError, self).__init__(host, step, message)
        self.command = command
        self.output = output

    def to_dict(self) -> Dict[str, Any]:
        data = super(VrpCommandError, self).to_dict()
        data.update(command=self.command, output=self.output)
        return data


ERROR_CLASSES = dict((cls.__name__, cls) for cls in (VrpError, VrpConnectionError, VrpTimeout,
                                                     VrpCommandError))


def error_from_dict(data: Dict[str, Any], host: Optional[str] = None) -> VrpError:
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

    def __init__(self, output: str, prompt: str) -> None:
        self.output = output
        self.prompt = prompt

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Reply) and (self.output, self.prompt) == (other.output, other.prompt)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __repr__(self) -> str:
        return "Reply(output=%r, prompt=%r)" % (self.output, self.prompt)

    @property
    def is_question(self) -> bool:
        return is_question(self.prompt)


def is_question(prompt: Optional[str]) -> bool:
    return bool(prompt) and bool(QUESTION_RE.search(prompt))


def parse_prompt(prompt: Optional[str]) -> Dict[str, Optional[str]]:
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


def split_reply(text: str) -> Reply:
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

    def send(self, command: str, timeout: Optional[float] = None) -> Reply:
        """Send one line and return a ``Reply``.

        Waits for a VRP prompt (``<R>``, ``[~R..]``, ``[*R..]``) or a question ending in ``[Y/N]:``
        or ``[Y(yes)/N(no)/C(cancel)]:``, which is then ``Reply.prompt``. Raises ``VrpTimeout``,
        ``VrpConnectionError``. Never raises ``VrpCommandError`` (deciding what is an error is VrpCli's).
        """
        raise NotImplementedError

    def close(self) -> None:
        """Release this client's use of the session (the keeper may keep the SSH session)."""
        raise NotImplementedError
