# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VrpCli: the VRP8 session procedure on top of a Transport (the only user of ``Transport.send``).

It knows the views (user ``<R>``, system ``[~R]``/``[*R]`` and sub-views), the two-stage commit
model (candidate marked by ``*``), the questions VRP asks (``[Y/N]:``, "Uncommitted configurations
found ... [Y(yes)/N(no)/C(cancel)]:") and what a refused command looks like (``Error:`` / ``Error[N]:``,
``transport.error_line``). It tracks the current view from every reply's prompt, so it never sends a
redundant ``system-view``/``return``.

Rules it enforces:
- ``display()`` sends only ``display ...`` commands (check mode relies on it) and drops the timestamp
  first line newer releases print (``parsers.strip_display_timestamp``);
- any error line during ``configure()`` or a failed ``commit()`` discards the candidate
  (``return`` answered ``N``) before raising ``VrpCommandError``, so nothing half-applied stays;
- no command may contain a newline or control character.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from typing import Optional

from ansible_collections.netops.vrp.plugins.module_utils.parsers import parse_trial_status, strip_display_timestamp
from ansible_collections.netops.vrp.plugins.module_utils.transport import (
    ERROR_PATTERN,
    VrpCommandError,
    VrpError,
    error_line,
    parse_prompt,
)

_COMMIT_FAILED_RE = re.compile(r"^\s*(?:%s.*|.*\bFailed\b.*|.*\bfailed\b.*)$" % ERROR_PATTERN, re.M)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_WHITESPACE_RE = re.compile(r"\s")
_MAX_QUESTIONS = 5
TRIAL_STATUS_DISPLAY = "display configuration trial status"


def render_commit(label: Optional[str] = None, description: Optional[str] = None, trial=None) -> str:
    """The one rendering of ``commit [ trial [ <time> ] [ label <label> ] ] [ description <description> ]``
    [NE40E-CR Commit(CFGOM)]; ``trial``: seconds, or True for the device default. Values are validated by
    validate.py (argspec) before they get here."""
    command = "commit"
    if trial is not None and trial is not False:
        command += " trial" if trial is True else " trial %d" % int(trial)
    if label:
        if _WHITESPACE_RE.search(label):
            raise ValueError("commit label must not contain spaces: %r" % (label,))
        command += " label %s" % label
    if description:
        command += " description %s" % description
    return command


def _is_display(command):
    return command.startswith(("display ", "screen-length "))


def check_command(command: str) -> str:
    """Refuse text that would be more than one CLI line (newline, control characters)."""
    if not isinstance(command, str):
        raise TypeError("VRP command must be a string, got %r" % (command,))
    if _CONTROL_RE.search(command):
        raise ValueError("VRP command contains a newline or control character: %r" % (command,))
    return command


class VrpCli:
    """VRP8 session procedure over ``transport`` (see module docstring).

    ``sent``: every line sent in order (answers to questions included); ``history``: list of
    ``(command, Reply)``. ``changes_sent``: the lines other than ``display``/``screen-length``.
    ``journal``: an object with ``before_send(command)`` / ``after_send(command, reply, error)``, told of
    each of those lines (plugin_utils/journal.py), or None.
    """

    def __init__(self, transport, timeout=None, journal=None):
        self.transport = transport
        self.journal = journal
        self.host = getattr(transport, "host", "?")
        self.timeout = timeout
        self.prompt = getattr(transport, "prompt", None)
        self.hostname = getattr(transport, "hostname", None)
        self.sent = []
        self.history = []
        self._remember_hostname(self.prompt)

    # -- state -------------------------------------------------------------------------------------
    @property
    def view_kind(self):
        """``user``, ``config``, ``question`` or ``unknown``."""
        return parse_prompt(self.prompt)["kind"]

    @property
    def candidate_pending(self):
        info = parse_prompt(self.prompt)
        return info["kind"] == "config" and info["mark"] == "*"

    @property
    def changes_sent(self):
        return [c for c in self.sent if not _is_display(c)]

    def _remember_hostname(self, prompt):
        info = parse_prompt(prompt)
        if info["kind"] == "user":
            self.hostname = info["hostname"]

    def _at_root(self):
        info = parse_prompt(self.prompt)
        if info["kind"] != "config":
            return False
        if self.hostname:
            return info["view"] == self.hostname
        return "-" not in info["view"]

    # -- sending -----------------------------------------------------------------------------------
    def _send(self, command, timeout=None):
        check_command(command)
        self.sent.append(command)
        journal = self.journal if command and not _is_display(command) else None
        if journal is not None:
            journal.before_send(command)
        try:
            reply = self.transport.send(command, timeout=timeout if timeout is not None else self.timeout)
        except VrpError as exc:
            if journal is not None:
                journal.after_send(command, error=exc)
            raise
        if journal is not None:
            journal.after_send(command, reply)
        self.history.append((command, reply))
        if reply.prompt:
            self.prompt = reply.prompt
            self._remember_hostname(reply.prompt)
        return reply

    def _learn_view(self):
        if self.view_kind != "unknown":
            return
        connect = getattr(self.transport, "connect", None)
        if connect is not None:  # KeeperTransport: attaching tells the session's current prompt
            connect()
            self.prompt = getattr(self.transport, "prompt", None)
            self.hostname = self.hostname or getattr(self.transport, "hostname", None)
            self._remember_hostname(self.prompt)
        if self.view_kind == "unknown":
            self._send("")

    def _fail(self, step, message, command=None, output=""):
        return VrpCommandError(self.host, step, message, command=command, output=output)

    def _answer_questions(self, reply, answer, step, command):
        """Answer up to a few questions in a row; ``answer=None`` cancels with N and raises."""
        outputs = [reply.output]
        count = 0
        while reply.is_question:
            count += 1
            if answer is None or count > _MAX_QUESTIONS:
                question = reply.prompt
                self._send("N")
                raise self._fail(step, "unexpected question after %r: %s" % (command, question),
                                 command=command, output="\n".join(outputs + [question]))
            outputs.append(reply.prompt)
            reply = self._send(answer)
            outputs.append(reply.output)
        return "\n".join(o for o in outputs if o), reply

    def _to_user_view(self):
        """Leave config views; a pending candidate is discarded (never committed implicitly)."""
        self._learn_view()
        if self.view_kind == "question":
            self._send("N")
        if self.view_kind == "config":
            self.discard()

    def _to_config_view(self, root=False):
        self._learn_view()
        if self.view_kind == "question":
            self._send("N")
        if self.view_kind == "user":
            reply = self._send("system-view")
            if self.view_kind != "config":
                raise self._fail("system-view", "could not enter system view (prompt %r)" % self.prompt,
                                 command="system-view", output=reply.output)
            return
        if root:
            for _attempt in range(8):
                if self._at_root():
                    return
                reply = self._send("quit")
                if reply.is_question:  # left system view by accident (should not happen from a sub-view)
                    self._send("C")
                    break
            if not self._at_root():
                raise self._fail("system-view", "could not return to the system view (prompt %r)" % self.prompt)

    def _send_in_candidate(self, line, answer, step, timeout):
        """Send a line that edits or commits the candidate; an unexpected question discards the candidate."""
        reply = self._send(line, timeout=timeout)
        try:
            return self._answer_questions(reply, answer, step, line)[0]
        except VrpCommandError:
            self.discard()
            raise

    # -- public API --------------------------------------------------------------------------------
    def display(self, command: str, timeout: Optional[float] = None) -> str:
        """Send a ``display ...`` command (in whatever view the session is) and return its output."""
        check_command(command)
        if not command.strip().startswith("display"):
            raise ValueError("VrpCli.display() only sends display commands, not %r" % (command,))
        reply = self._send(command.strip(), timeout=timeout)
        err = error_line(reply.output)
        if err:
            raise self._fail("display", "router refused %r: %s" % (command, err), command=command,
                             output=reply.output)
        return strip_display_timestamp(reply.output)

    def operational(self, command: str, answer: str = "Y", timeout: Optional[float] = None) -> str:
        """Run an operational command in the user view, answering ``[Y/N]`` questions with ``answer``."""
        command = check_command(command).strip()
        self._to_user_view()
        reply = self._send(command, timeout=timeout)
        output, reply = self._answer_questions(reply, answer, "operational", command)
        err = error_line(output)
        if err:
            raise self._fail("operational", "router refused %r: %s" % (command, err), command=command,
                             output=output)
        return output

    def configure(self, lines, answer: Optional[str] = None, timeout: Optional[float] = None) -> str:
        """Enter the system view (once) and type ``lines`` into the candidate.

        Starts from the system view root (``quit`` from a sub-view, ``system-view`` from the user
        view). Blank lines and ``#`` separators are skipped. On an error line (or an unexpected
        question when ``answer`` is None) the candidate is discarded and VrpCommandError names the line.
        Returns the combined output.
        """
        if isinstance(lines, str):
            lines = lines.splitlines()
        todo = [line.strip() for line in lines]
        todo = [line for line in todo if line and line != "#"]
        for line in todo:
            check_command(line)
        if not todo:
            return ""
        self._to_config_view(root=True)
        outputs = []
        for line in todo:
            output = self._send_in_candidate(line, answer, "configure", timeout)
            outputs.append(output)
            err = error_line(output)
            if err or self.view_kind != "config":
                self.discard()
                raise self._fail("configure", "router refused %r: %s; candidate discarded"
                                 % (line, err or "left the configuration views (prompt %r)" % self.prompt),
                                 command=line, output=output)
        return "\n".join(o for o in outputs if o)

    def commit(self, label: Optional[str] = None, description: Optional[str] = None, trial=None,
               timeout: Optional[float] = None) -> str:
        """Commit the candidate: ``render_commit(label, description, trial)``.

        ``trial``: seconds (int) or True for the device default. On failure text (an error line,
        ``Failed``) or a candidate still pending, the candidate is discarded and VrpCommandError raised.
        """
        command = render_commit(label, description, trial)
        self._to_config_view()
        output = self._send_in_candidate(command, None, "commit", timeout)
        failed = _COMMIT_FAILED_RE.search(output)
        if failed or self.candidate_pending:
            self.discard()
            reason = failed.group(0).strip() if failed else "candidate still pending after commit"
            raise self._fail("commit", "%r failed: %s; candidate discarded" % (command, reason),
                             command=command, output=output)
        return output

    def confirm_trial(self, timeout: Optional[float] = None) -> str:
        """Confirm a running ``commit trial`` (a plain ``commit`` in a config view)."""
        self._to_config_view()
        reply = self._send("commit", timeout=timeout)
        output, reply = self._answer_questions(reply, None, "confirm trial", "commit")
        failed = _COMMIT_FAILED_RE.search(output)
        if failed:
            raise self._fail("confirm trial", "'commit' failed: %s" % failed.group(0).strip(),
                             command="commit", output=output)
        return output

    def abort_trial(self, timeout=None):
        """Roll back this session's running ``commit trial``: ``abort trial`` in a config view (not valid in
        the user view [NE40E-CR CfgTrial(CFGOM)]), question answered Y."""
        self._to_config_view()
        reply = self._send("abort trial", timeout=timeout)
        output, reply = self._answer_questions(reply, "Y", "abort trial", "abort trial")
        err = error_line(output)
        if err:
            raise self._fail("abort trial", "router refused 'abort trial': %s" % err,
                             command="abort trial", output=output)
        return output

    def discard(self):
        """Drop the candidate and go to the user view: ``return`` answered ``N``.

        Does nothing in the user view; fine when there is no question (nothing was pending).
        """
        self._learn_view()
        if self.view_kind == "question":
            self._send("N")
        if self.view_kind != "config":
            return
        reply = self._send("return")
        count = 0
        while reply.is_question and count < _MAX_QUESTIONS:
            count += 1
            reply = self._send("N")
        if self.view_kind != "user":
            raise self._fail("discard", "could not leave the configuration views (prompt %r)" % self.prompt,
                             command="return", output=reply.output)

    def rollback(self, commit_id=None, label=None, last=None, timeout=None):
        """``rollback configuration to commit-id X | to label L | last N`` in the user view (answers Y)."""
        given = [v for v in (commit_id, label, last) if v is not None]
        if len(given) != 1:
            raise ValueError("rollback needs exactly one of commit_id, label, last")
        if commit_id is not None:
            command = "rollback configuration to commit-id %s" % commit_id
        elif label is not None:
            command = "rollback configuration to label %s" % label
        else:
            command = "rollback configuration last %d" % int(last)
        self._to_user_view()
        reply = self._send(command, timeout=timeout)
        output, reply = self._answer_questions(reply, "Y", "rollback", command)
        failed = error_line(output) or (_COMMIT_FAILED_RE.search(output) and _COMMIT_FAILED_RE.search(output).group(0))
        if failed:
            raise self._fail("rollback", "%r failed: %s" % (command, failed.strip()), command=command,
                             output=output)
        return output

    def trial_status(self, timeout: Optional[float] = None) -> dict:
        """``parse_trial_status`` of the router's trial status display; an unreadable one is an error."""
        output = self.display(TRIAL_STATUS_DISPLAY, timeout=timeout)
        try:
            return parse_trial_status(output)
        except ValueError:
            raise self._fail("pre-check", "cannot tell whether a trial commit is pending: %r printed no "
                             "'Trial status:' line" % TRIAL_STATUS_DISPLAY, command=TRIAL_STATUS_DISPLAY,
                             output=output) from None

    def pending_state(self, timeout: Optional[float] = None) -> dict:
        """``{"candidate_pending", "trial_pending", "trial_status", "trial_seconds_left"}``: ``*`` in the
        prompt, and the trial status display."""
        self._learn_view()
        trial = self.trial_status(timeout=timeout)
        return {"candidate_pending": self.candidate_pending, "trial_pending": trial["pending"],
                "trial_status": trial["status"], "trial_seconds_left": trial["seconds_left"]}

    def close(self):
        self.transport.close()


class OperationFailed(VrpError):
    """The one failure a netops.vrp step raises when the task must still report something: ``result`` holds
    it (commands sent so far, per-peer data, the prediction); ``action_base.failure_result`` turns it into the
    task result. ``host`` may be left to the action (the inventory name)."""

    def __init__(self, step, message, result=None, host=None):
        super(OperationFailed, self).__init__(host, step, message)
        self.result = result or {}

    def __str__(self):
        return super(OperationFailed, self).__str__() if self.host else "%s: %s" % (self.step, self.message)
