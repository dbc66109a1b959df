# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The commit model on top of VrpCli: committing a vrp_config plan, and vrp_commit (confirm / abort a trial,
roll back).

- ``guarded_commit``: what every config module commits through (pending trial refused, foreign candidate
  discarded, then ``apply_config``); ``commit_options``: the commit arguments of a task.
- ``apply_config``: type the plan, commit (``cli.render_commit``), read the commit id; nothing half-applied.
- ``commit_action``: confirm / abort succeed only when the trial status reads INACTIVE afterwards; a trial
  belongs to the SSH session that ran ``commit trial`` [NE40E-CG Configuration_Precautions_for_Configuration_
  Management], so another session's trial fails with ``trial_not_ended_message``.
- ``check_trial_within``: tells a trial left by an interrupted run of the same change from anyone else's.
- ``rollback configuration to commit-id X | to label L`` restores the configuration AT that point, ``last N``
  the one before the N newest commits [NE40E-CR rollbackconfig(CFGOM)].
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time
from typing import List, Optional

from ansible_collections.netops.vrp.plugins.module_utils.cli import render_commit
from ansible_collections.netops.vrp.plugins.module_utils.config import (
    _same_view_line,
    _undo_removes,
    line_present,
    normalise_line,
    setting_key,
)
from ansible_collections.netops.vrp.plugins.module_utils.parsers import (
    parse_commit_changes,
    parse_commit_id,
    parse_commit_points,
)
from ansible_collections.netops.vrp.plugins.module_utils.transport import (
    VrpCommandError,
    VrpConnectionError,
    VrpError,
    VrpTimeout,
    error_line,
    parse_prompt,
)

COMMIT_LIST_DISPLAY = "display configuration commit list 1"
COMMIT_POINTS_DISPLAY = "display configuration commit list verbose"


# --- commit and results ----------------------------------------------------------------------------

def check_rollback_target(cli, commit_id: Optional[str] = None, label: Optional[str] = None,
                          last: Optional[int] = None) -> None:
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


def describe_commit(trial=None) -> str:
    """What a successful ``VrpCli.commit(trial=trial)`` left on the router, for messages."""
    if trial:
        timer = "the device default time" if trial is True else "%d s" % int(trial)
        return ("the trial commit succeeded ('%s': the change is active and the router rolls it back after %s "
                "unless it is confirmed with netops.vrp.vrp_commit action=confirm)"
                % (render_commit(trial=trial), timer))
    return "the commit succeeded (the change is on the router)"


def after_commit(read, warnings: List[str], what: str, trial=None, default=None):
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


def _restated(exc, host, step, message):
    """A lost session or timeout (``VrpConnectionError`` / ``VrpTimeout``) again, with what it means at ``step``."""
    if isinstance(exc, VrpConnectionError):
        return VrpConnectionError(host, step, message, reason=exc.reason)
    return VrpTimeout(host, step, message)


def commit_options(params: dict) -> dict:
    """A config module's ``commit_label`` / ``commit_description`` / ``commit_trial`` as the ``label`` /
    ``description`` / ``trial`` keywords of ``render_commit`` and ``apply_config`` (the one reading of them)."""
    return {"label": params.get("commit_label"), "description": params.get("commit_description"),
            "trial": params.get("commit_trial")}


def guarded_commit(cli, plan, params: dict, warnings: list, check_mode: bool = False, state: Optional[dict] = None,
                   read_commit_id: bool = True) -> Optional[dict]:
    """The guarded commit of every config module: refuse when a trial is pending (a plain commit would silently
    confirm someone else's, or an earlier failed run's, trial; not in check mode when an earlier task of the run
    aborts it, ``check_mode_after_abort``), stop in check mode, discard a candidate this task
    did not make, then ``apply_config`` with the task's commit options.

    ``state``: ``cli.pending_state()`` if the caller read it already (else it is read here). Returns
    ``apply_config``'s result, None in check mode; its warnings and the discard's are appended to ``warnings``.
    """
    state = state or cli.pending_state()
    if state["trial_pending"] and not (check_mode and params.get("check_mode_after_abort")):
        raise VrpCommandError(cli.host, "pre-check", trial_pending_message(cli.host))
    if check_mode:
        return None
    if state["candidate_pending"]:
        cli.discard()   # never commit edits this task did not make
        warnings.append("an uncommitted candidate was pending in the session to %s; it was discarded before "
                        "configuring" % cli.host)
    applied = apply_config(cli, plan, read_commit_id=read_commit_id, **commit_options(params))
    warnings.extend(applied["warnings"])
    return applied


def apply_config(cli, plan, label: Optional[str] = None, description: Optional[str] = None, trial=None,
                 read_commit_id: bool = True) -> dict:
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
        raise _restated(exc, cli.host, "configure", "session lost before the commit (%s); the router drops the "
                        "uncommitted candidate of a closed session, nothing was applied" % exc.message) from exc
    except VrpTimeout as exc:
        raise _restated(exc, cli.host, "configure", "%s; nothing was committed (the keeper abandons the session and "
                        "with it the candidate)" % exc.message) from exc
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
        raise _restated(exc, cli.host, "commit", "session lost while committing (%s); whether the router applied the "
                        "commit is unknown: check 'display configuration commit list' (an uncommitted candidate is "
                        "dropped with its session)" % exc.message) from exc
    except VrpTimeout as exc:
        raise _restated(exc, cli.host, "commit", "%s; whether the router applied the commit is unknown: check "
                        "'display configuration commit list'" % exc.message) from exc
    out["changed"] = True
    if read_commit_id:
        out["commit_id"] = after_commit(lambda: parse_commit_id(cli.display(COMMIT_LIST_DISPLAY)),
                                        out["warnings"], "the commit id (%r)" % COMMIT_LIST_DISPLAY, trial)
    return out


# --- vrp_commit ----------------------------------------------------------------------------------------

def trial_pending_message(host: str) -> str:
    return ("a trial commit is pending on %s; confirm or abort it with netops.vrp.vrp_commit "
            "(action: confirm | abort) before changing the configuration" % host)


def render_rollback(commit_id: Optional[str] = None, label: Optional[str] = None, last: Optional[int] = None) -> str:
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


def foreign_changes(blocks: list, changes: list) -> List[str]:
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


def check_trial_within(cli, blocks: list) -> Optional[str]:
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


def trial_not_ended_message(host: str, command: str, trial: dict, refusal: Optional[str] = None) -> str:
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


def _wait_trial_end(cli, timeout: int, poll: float = 2.0) -> dict:
    """Read the trial status every ``poll`` seconds until no trial is pending or ``timeout`` seconds passed;
    the fields of the last read, and ``waited`` (seconds)."""
    started = time.monotonic()
    while True:
        time.sleep(min(poll, max(0.0, started + timeout - time.monotonic())))
        trial = cli.trial_status()
        waited = round(time.monotonic() - started, 1)
        if not trial["pending"] or waited >= timeout:
            return {"trial_pending": trial["pending"], "trial_status": trial["status"],
                    "trial_seconds_left": trial["seconds_left"], "waited": waited}


def commit_action(cli, action: str, check_mode: bool = False, commit_id: Optional[str] = None,
                  label: Optional[str] = None, last: Optional[int] = None, trial_within: Optional[list] = None,
                  wait_timeout: Optional[int] = None) -> dict:
    """vrp_commit: confirm / abort a pending trial, roll back, or read the trial status. Returns the module result.

    ``trial_within`` (WantedBlock list): confirm / abort the pending trial only when its changes lie
    within that configuration (``check_trial_within``), else fail without sending anything.
    A confirm / abort succeeds only if the trial status says INACTIVE afterwards (a trial started by another
    session stays pending: ``trial_not_ended_message``).
    """
    state = cli.pending_state()
    result = {"changed": False, "commands": [], "trial_pending": state["trial_pending"],
              "trial_status": state["trial_status"], "trial_seconds_left": state["trial_seconds_left"],
              "candidate_pending": state["candidate_pending"], "warnings": []}
    if action == "status":   # only displays: nothing is discarded, confirmed or aborted
        if wait_timeout and state["trial_pending"] and not check_mode:
            result.update(_wait_trial_end(cli, wait_timeout))
        return result
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
            done = ("confirmed", "confirmed") if action == "confirm" else ("aborted", "rolled back")
            raise _restated(exc, cli.host, step, "%s while the trial commit was being %s; whether the router %s it "
                            "is unknown: check 'display configuration trial status' (a trial that is not confirmed "
                            "is rolled back when its timer expires)" % ((exc.message,) + done)) from exc
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
