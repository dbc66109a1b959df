# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run journal: what each netops.vrp task sent to a router, written on the controller as it happens.

When the connection option ``journal`` (variable ``netops_vrp_journal``) names a file, every action plugin
appends one JSON object per line: ``task`` when it starts, ``send`` before each line that is not a display
(written ahead, so a controller killed while the router runs it still leaves the line on record),
``reply`` after its answer (or ``lost``), and ``result`` when the task ends. Each line is flushed and
fsynced, so SIGKILL of ansible-playbook loses at most the line being written.
The bgp_policy_rollout role adds ``run_start`` / ``run_end`` records around each router's run.
``parse_journal`` reads it back (a torn last line is skipped); ``last_run`` tells the recovery play (filter
``vrp_rollout_last_run``) whether the last rollout run on a router finished.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import time

from ansible_collections.netops.vrp.plugins.module_utils.transport import error_line

# result keys worth keeping: what a task did, never its arguments
_RESULT_KEYS = ("changed", "failed", "step", "msg", "commit_id", "trial_pending", "trial_seconds_left")
# a secret typed on a line (peer ... password cipher X, authentication keys): the value is masked
_SECRET_RE = re.compile(r"\b(password|authentication-key|key)((?:\s+(?:cipher|simple|plain))?)\s+\S+", re.I)


def masked(text: str) -> str:
    return _SECRET_RE.sub(r"\1\2 ******", text)


class Journal:
    """Appends records for one task on one host to ``path`` (mode 0600, directories must exist).

    Writing never fails the task (a router half-way through a change matters more than its record): a failed
    write is kept in ``problem`` and the action adds it as a warning. A ``no_log`` task's lines are not written.
    """

    def __init__(self, path: str, host: str, task: str, no_log: bool = False) -> None:
        self.path, self.host, self.task, self.no_log = path, host, task, no_log
        self.problem = None

    def record(self, event: str, **fields) -> None:
        line = json.dumps(dict(time=round(time.time(), 3), host=self.host, task=self.task, event=event, **fields),
                          sort_keys=True)
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (line + "\n").encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            self.problem = "the run journal %s could not be written: %s" % (self.path, exc)

    # -- the hooks VrpCli and VrpActionBase call ------------------------------------------------------
    def _line(self, command):
        return "(no_log)" if self.no_log else masked(command)

    def before_send(self, command: str) -> None:
        self.record("send", command=self._line(command))

    def after_send(self, command: str, reply=None, error=None) -> None:
        if error is not None:
            self.record("lost", command=self._line(command), error=masked(str(error)))
        else:
            self.record("reply", command=self._line(command), error=masked(error_line(reply.output) or "") or None)

    def task_result(self, result: dict) -> None:
        fields = dict((k, result[k]) for k in _RESULT_KEYS if k in result)
        if "msg" in fields:
            fields["msg"] = "(no_log)" if self.no_log else masked(str(fields["msg"]))
        self.record("result", **fields)


def parse_journal(text: str) -> list:
    """The records of a journal's text, in order (the torn line a killed controller was writing is skipped)."""
    records = []
    for line in (text or "").splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    return records


# run_end statuses that leave the router not clean (the rollout report's)
NOT_CLEAN = ("trial_pending", "mixed", "unknown")


def last_run(journal_text: str) -> dict:
    """What the recovery play needs to know about the last rollout run on a router, from its journal (the
    text of ``<report_dir>/<host>.journal.jsonl``).

    The role marks each real run with ``run_start`` (when the router's rollout starts) and ``run_end`` (its
    report status; the recovery play adds one, ``reconciled``, when it reconciled the router). Only the records
    since the last ``run_start`` count: a run that never started on this router (not attempted, check mode)
    leaves the previous run's state standing.

    ``{run_id, trial_sent, sent, status, unfinished, reason}``: ``trial_sent`` when a ``commit trial`` line was
    written (before it was sent: whether the router ran it is read from the router); ``sent``: the lines other
    than displays that run wrote; ``status``: its last ``run_end`` status, or None. The run is unfinished when
    it wrote its trial commit and no ``run_end`` (the controller was killed or interrupted), or its last
    ``run_end`` says the router was left not clean.
    """
    records = parse_journal(journal_text)
    starts = [i for i, r in enumerate(records) if r.get("event") == "run_start"]
    run = records[starts[-1]:] if starts else []
    ends = [r for r in run if r.get("event") == "run_end"]
    sent = [r["command"] for r in run if r.get("event") == "send"]
    out = {"run_id": run[0].get("run") if run else None, "trial_sent": any(c.startswith("commit trial") for c in sent),
           "sent": sent, "status": ends[-1].get("status") if ends else None, "unfinished": False, "reason": ""}
    if out["trial_sent"] and not ends:
        out.update(unfinished=True, reason="run %s sent its trial commit and did not finish (the controller was "
                   "killed or interrupted)" % out["run_id"])
    elif out["status"] in NOT_CLEAN:
        out.update(unfinished=True, reason="run %s left the router %s" % (out["run_id"], out["status"]))
    return out
